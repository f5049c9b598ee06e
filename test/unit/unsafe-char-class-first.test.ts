// The terminal's escaping looks at the class of unsafe characters first and runs the full rule
// (UNSAFE_CHAR, with its sequences' lookarounds) only where the class finds one. These check that
// the shortcut never changes what is shown: each function gives exactly what the full rule alone
// gives, on every code point and on text mixing the tool's colours, layout and sequences.
import { describe, expect, it } from 'vitest';
import { jsonText, neutralise } from '../../src/terminal/sanitize.js';
import { quotedWord } from '../../src/terminal/shell.js';
import { hasUnsafeChar, mayHoldUnsafe, replaceUnsafeChars, UNSAFE_CHAR } from '../../src/terminal/unsafe-char.js';

const FULL_RULE = new RegExp(UNSAFE_CHAR.source, 'gu');
const OWN_SGR = String.raw`\x1b\[(?:1|2|4|22|24|3[1-3]|36|39)m`;
const mark = (found: string) => `<${found.codePointAt(0)!.toString(16)}>`;

/** A character as the terminal shows it escaped (`\x1b`, `\u200b`, `\u{e0067}`). */
function shownEscaped(ch: string): string {
  const code = ch.codePointAt(0)!;
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  return code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\u{${code.toString(16)}}`;
}

/** What neutralise gave before the shortcut: one replace over colours and unsafe characters. */
function neutraliseByFullRule(text: string): string {
  return text.replace(new RegExp(`${OWN_SGR}|${UNSAFE_CHAR.source}`, 'gu'), (found) =>
    found.startsWith('\x1b[') || found === '\n' || found === '\t' ? found : shownEscaped(found),
  );
}

/** Every code point (lone surrogates included), in runs of 4096 between ASCII letters. */
function* codePointBlocks(): Generator<string> {
  for (let start = 0; start <= 0x10ffff; start += 0x1000) {
    let block = '';
    for (let point = start; point < start + 0x1000 && point <= 0x10ffff; point++) block += `a${String.fromCodePoint(point)}`;
    yield block;
  }
}

// Characters that make or break a sequence the full rule lets through, the tool's colours and
// layout, and plain text: random text of them meets every branch of the rule.
const PARTS = [
  'a', 'Z', '7', ' ', '#', '*', '[', 'm', '1', '\n', '\t', '\r', '\x1b', '\x1b[1m', '\x1b[39m', '\x1b[7m', '\x1b\x1b[1m[1m', '\u0085', '\u009b',
  '\u2028', '\u00ad', '\u200b', '\u200c', '\u200d', '\u202e', '\u2066', '\ufe0f', '\ufe0e', '\u20e3', '\u{e0067}', '\u{e007f}', '\u{1f3f4}',
  '\u{1f468}', '\u{1f3fd}', '\u2615', '\u845b', '\u{e0100}', '\u1820', '\u180b', '\u180e', '\u0645', '\u064e', '\u0915', '\u094d', '\u0dca',
  '\u0d9a', '\u3164', '\ufeff', '✔', '…', 'é', '\ud800',
];

function randomTexts(count: number): string[] {
  // A fixed seed (a linear congruential generator): the same texts on every run.
  let seed = 0x5eed;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % PARTS.length;
  return Array.from({ length: count }, () => Array.from({ length: 1 + (next() % 12) }, () => PARTS[next()]!).join(''));
}

describe('the class looked at first, the full rule only where it finds a character', () => {
  it('finds every code point the full rule matches, alone or between letters', () => {
    for (const block of codePointBlocks()) {
      expect(replaceUnsafeChars(block, mark)).toBe(block.replace(FULL_RULE, mark));
      for (const [found] of block.matchAll(FULL_RULE)) {
        expect(mayHoldUnsafe(found)).toBe(true);
        expect(hasUnsafeChar(found)).toBe(true);
      }
    }
  });

  it('gives what the full rule gives on text of sequences, colours and layout', () => {
    for (const text of randomTexts(4000)) {
      expect(replaceUnsafeChars(text, mark)).toBe(text.replace(FULL_RULE, mark));
      expect(hasUnsafeChar(text)).toBe(new RegExp(UNSAFE_CHAR.source, 'u').test(text));
      expect(neutralise(text)).toBe(neutraliseByFullRule(text));
    }
  });

  it('leaves text without an unsafe character as it is, and still escapes one the class finds', () => {
    expect(neutralise('\x1b[1m✔ Done\x1b[22m\n\tnext')).toBe('\x1b[1m✔ Done\x1b[22m\n\tnext');
    expect(neutralise('\x1b[1mok\x1b[7m')).toBe('\x1b[1mok\\x1b[7m');
    // The tool's own colour split by a stray escape is no colour of its own.
    expect(neutralise('\x1b\x1b[1m[1m')).toBe('\\x1b\x1b[1m[1m');
    expect(jsonText({ line: 'a\u202eb', list: ['plain'] })).toBe('{\n  "line": "a\\u202eb",\n  "list": [\n    "plain"\n  ]\n}');
    expect(jsonText({ flag: '🏴\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}' })).toBe(JSON.stringify({ flag: '🏴\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}' }, null, 2));
    expect(quotedWord('plain word')).toBe("'plain word'");
    expect(quotedWord('a\u200bb')).toBe("$'a\\xe2\\x80\\x8bb'");
  });

  it('jsonText escapes exactly what the full rule matches, its own line breaks kept', () => {
    // Without lone surrogates: jsonText makes them U+FFFD first (wellFormed).
    for (const text of randomTexts(1000).map((t) => t.replaceAll('\ud800', ''))) {
      const json = JSON.stringify({ text }, null, 2);
      const byFullRule = json.replace(FULL_RULE, (ch) => (ch === '\n' ? ch : ch.split('').map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')));
      expect(jsonText({ text })).toBe(byFullRule);
    }
  });
});

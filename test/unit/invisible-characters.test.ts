// Characters a terminal shows as nothing: every family of them is shown escaped, never raw, but
// where it is part of ordinary text (a well-formed sequence on a visible base beyond ASCII: an
// emoji's variation selector, keycap, joiner or flag tags, an ideographic or Mongolian variant, a
// Persian ZWNJ between letters, an Indic ZWJ or ZWNJ after a virama); and a key with any of them
// (or with their escapes, as the tool shows them) between its letters is read as the key it looks
// like on the screen and masked, known or not; elsewhere they stay, escaped.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { holdsSecret, redact } from '../../src/keys/redact.js';
import { createTerminal } from '../../src/terminal/output.js';
import { jsonText, neutralise, sanitize, shownValue, UNSAFE_CHAR, untrusted, untrustedData } from '../../src/terminal/sanitize.js';
import { shellWord } from '../../src/terminal/shell.js';
import { makeKey } from '../helpers/openai-server.js';

const KEY = makeKey('proj', 'unit-invisible-characters');
const LAST4 = KEY.slice(-4);

// [family, a character of it, as sanitize shows it]
const FAMILIES: Array<[string, string, string]> = [
  ['soft hyphen', '\u00ad', '\\xad'],
  ['combining grapheme joiner', '\u034f', '\\u034f'],
  ['Arabic letter mark', '\u061c', '\\u061c'],
  ['Hangul choseong filler', '\u115f', '\\u115f'],
  ['Hangul jungseong filler', '\u1160', '\\u1160'],
  ['Khmer inherent vowel', '\u17b4', '\\u17b4'],
  ['Khmer inherent vowel aa', '\u17b5', '\\u17b5'],
  ['Mongolian free variation selector', '\u180b', '\\u180b'],
  ['Mongolian vowel separator', '\u180e', '\\u180e'],
  ['zero-width space', '\u200b', '\\u200b'],
  ['zero-width non-joiner', '\u200c', '\\u200c'],
  ['zero-width joiner', '\u200d', '\\u200d'],
  ['word joiner', '\u2060', '\\u2060'],
  ['invisible times', '\u2062', '\\u2062'],
  ['invisible plus', '\u2064', '\\u2064'],
  ['inhibit symmetric swapping', '\u206a', '\\u206a'],
  ['Hangul filler', '\u3164', '\\u3164'],
  ['variation selector 1', '\ufe00', '\\ufe00'],
  ['variation selector 16', '\ufe0f', '\\ufe0f'],
  ['BOM', '\ufeff', '\\ufeff'],
  ['halfwidth Hangul filler', '\uffa0', '\\uffa0'],
  ['interlinear annotation anchor', '\ufff9', '\\ufff9'],
  ['musical symbol begin beam', '\u{1d173}', '\\u{1d173}'],
  ['language tag', '\u{e0001}', '\\u{e0001}'],
  ['tag latin capital letter A', '\u{e0041}', '\\u{e0041}'],
  ['cancel tag', '\u{e007f}', '\\u{e007f}'],
  ['variation selector 17', '\u{e0100}', '\\u{e0100}'],
];

/** The key with `sep` between every two of its characters. */
const interleaved = (sep: string, key = KEY) => [...key].join(sep);

describe('every character shown as nothing is shown escaped', () => {
  it.each(FAMILIES)('%s', (_family, ch, shown) => {
    expect(sanitize(`a${ch}b`)).toBe(`a${shown}b`);
    expect(neutralise(`a${ch}b`)).toBe(`a${shown}b`);
    // --json: escaped in JSON's own way (a character beyond U+FFFF as its two UTF-16 units), read back whole.
    const json = jsonText({ text: `a${ch}b` });
    expect(json).not.toContain(ch);
    expect(JSON.parse(json)).toEqual({ text: `a${ch}b` });
  });

  it('ordinary text, emoji without variation selectors and other scripts are left alone', () => {
    for (const text of ['Añadir créditos', 'Привет', '你好', '😀 ok', 'a\u00a0b']) expect(sanitize(text)).toBe(text);
  });
});

// [what, text whose every invisible character is part of a well-formed sequence]
const SEQUENCES: Array<[string, string]> = [
  ['a project name: Hangul, an emoji with its variation selector, Arabic', '한국어 앱 ☕\ufe0f تطبيق'],
  ['a folder name', '커피☕\ufe0f앱'],
  ['emoji and text style', '❤\ufe0f ☎\ufe0e ©\ufe0f'],
  ['keycaps', '1\ufe0f\u20e3 #\ufe0f\u20e3 *\ufe0f\u20e3'],
  ['an ideographic variation selector', '葛\u{e0100}城'],
  ['Mongolian free variation selectors after letters, and the vowel separator between two', 'ᠠ\u180bᠳ\u180c ᠬ\u180d ᠭ\u180f ᠨ\u180eᠠ'],
  ['a flag of tags (Scotland)', '\u{1f3f4}\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}'],
  ['emoji joined: a family, a rainbow flag, a technologist with a skin tone, a heart on fire', '👨\u200d👩\u200d👧 🏳\ufe0f\u200d🌈 👩🏽\u200d💻 ❤\ufe0f\u200d🔥'],
  ['Persian: a zero-width non-joiner between two letters ("I want", "books")', 'می\u200cخواهم کتاب\u200cها'],
  ['Persian: the letter before it with a vowel mark', 'بَ\u200cها'],
  ['Devanagari: a half form (ZWJ) and an explicit virama (ZWNJ) after a virama', 'क्\u200dष क्\u200cष'],
  ['Bengali, Malayalam and Sinhala: a joiner after a virama', 'ক্\u200dষ ന്\u200dറ ක්\u200dය'],
];

// [what, text with an invisible character where it could hide, as sanitize shows it]
const HIDING: Array<[string, string, string]> = [
  ['a variation selector at the start', '\ufe0f☕', '\\ufe0f☕'],
  ['a variation selector after ASCII letters (a host)', 'api\ufe0f.openai.com', 'api\\ufe0f.openai.com'],
  ['an emoji selector after a digit, no keycap', '1\ufe0f2', '1\\ufe0f2'],
  ['an ideographic variation selector after an ASCII letter', 'sk\u{e0100}-', 'sk\\u{e0100}-'],
  ['a second variation selector', '☕\ufe0f\ufe0f', '☕\ufe0f\\ufe0f'],
  ['a variation selector after a Hangul filler (a letter shown as nothing)', '\u3164\ufe0f', '\\u3164\\ufe0f'],
  ['a variation selector after a combining mark', 'e\u0301\ufe0f', 'e\u0301\\ufe0f'],
  ['a joiner between an emoji and a letter', '👨\u200dx', '👨\\u200dx'],
  ['a joiner between a letter and an emoji', 'x\u200d👨', 'x\\u200d👨'],
  ['a joiner between two letters', 'a\u200db', 'a\\u200db'],
  ['a joiner at the end', '👨\u200d', '👨\\u200d'],
  ['tags without the black flag', 'a\u{e0067}\u{e007f}', 'a\\u{e0067}\\u{e007f}'],
  ['a flag without its cancel tag', '\u{1f3f4}\u{e0067}\u{e0062}x', '\u{1f3f4}\\u{e0067}\\u{e0062}x'],
  ['a cancel tag alone after the flag', '\u{1f3f4}\u{e007f}', '\u{1f3f4}\\u{e007f}'],
  ['more tags than any flag has (text spelled in tags)', `\u{1f3f4}${'\u{e0061}'.repeat(8)}\u{e007f}`, `\u{1f3f4}${'\\u{e0061}'.repeat(8)}\\u{e007f}`],
  ['the language tag after the flag', '\u{1f3f4}\u{e0001}\u{e007f}', '\u{1f3f4}\\u{e0001}\\u{e007f}'],
  ['a Mongolian variation selector after a Latin letter', 'a\u180bb', 'a\\u180bb'],
  ['the Mongolian vowel separator before a Latin letter', 'ᠨ\u180ea', 'ᠨ\\u180ea'],
  ['a zero-width space after an emoji', '☕\u200b', '☕\\u200b'],
  ['a zero-width non-joiner between emoji', '👨\u200c👩', '👨\\u200c👩'],
  ['a bidi override after an ideograph', '葛\u202e城', '葛\\u202e城'],
  ['a soft hyphen between Hangul', '한\u00ad국', '한\\xad국'],
  ['the word joiner after an emoji', '☕\u2060', '☕\\u2060'],
  ['a zero-width non-joiner between Latin letters', 'a\u200cb', 'a\\u200cb'],
  ['a zero-width non-joiner between a Persian letter and a Latin one', 'می\u200cx', 'می\\u200cx'],
  ['a zero-width non-joiner after a Persian letter, at the end', 'می\u200c', 'می\\u200c'],
  ['a zero-width non-joiner before a Persian letter, at the start', '\u200cخ', '\\u200cخ'],
  ['a zero-width non-joiner between Persian letters, after an invisible mark', 'ب\u034f\u200cخ', 'ب\\u034f\\u200cخ'],
  ['a zero-width joiner between Persian letters', 'می\u200dخ', 'می\\u200dخ'],
  ['a zero-width joiner after a Devanagari letter, no virama', 'क\u200dष', 'क\\u200dष'],
  ['a zero-width joiner after a virama, before a Latin letter', 'क्\u200da', 'क्\\u200da'],
  ['a zero-width joiner after a virama, before a letter of another script', 'क्\u200dক', 'क्\\u200dক'],
  ['a zero-width joiner after a virama, at the end', 'क्\u200d', 'क्\\u200d'],
  ['a zero-width space after a virama', 'क्\u200bष', 'क्\\u200bष'],
];

describe('an invisible character that is part of ordinary text is shown as it is', () => {
  it.each(SEQUENCES)('%s', (_what, text) => {
    expect(UNSAFE_CHAR.test(text)).toBe(false);
    for (const show of [sanitize, neutralise, shownValue, (t: string) => untrusted(t, [KEY]), (t: string) => untrustedData(t, [KEY])]) expect(show(text)).toBe(text);
    // --json: as it is, read back whole.
    const json = jsonText({ name: text });
    expect(json).toBe(`{\n  "name": "${text}"\n}`);
    expect(JSON.parse(json)).toEqual({ name: text });
    // A command naming it: in plain quotes (shown as it is, so it works as printed), read back exactly.
    expect(shellWord(text)).toBe(`'${text}'`);
    expect(execFileSync('bash', ['-c', `printf %s ${shellWord(text)}`], { encoding: 'utf8', env: { PATH: process.env.PATH, LANG: 'C.UTF-8' } })).toBe(text);
  });
});

describe('the same characters where they could hide are shown escaped', () => {
  it.each(HIDING)('%s', (_what, text, shown) => {
    expect(sanitize(text)).toBe(shown);
    expect(neutralise(text)).toBe(shown);
    expect(shownValue(text)).toBe(shown);
    // Data keeps them (the terminal's neutralise escapes them when shown); --json as JSON escapes, read back whole.
    expect(untrustedData(text, [])).toBe(text);
    const json = jsonText({ name: text });
    expect(json.replaceAll('\n', ' ')).not.toMatch(UNSAFE_CHAR);
    expect(JSON.parse(json)).toEqual({ name: text });
    if (shown !== text) expect(shellWord(text).startsWith("$'")).toBe(true);
  });

  it('a key with them between its letters is masked, kept sequences and all, known or not', () => {
    for (const sep of ['\ufe0f', '\u200d', '\u{e0100}', '\u180b', '\u{e0067}', '\u{e007f}', '\ufe0e']) {
      for (const secrets of [[KEY], []]) expect(untrusted(`☕\ufe0f ${interleaved(sep)} 한국어`, secrets)).toBe(`☕\ufe0f sk-proj-…${LAST4} 한국어`);
    }
    // Nor a Persian or Indic joiner around it, or in it, in text where one is kept.
    for (const sep of ['\u200c', '\u200d']) {
      for (const secrets of [[KEY], []]) expect(untrusted(`می\u200cخواهم ${interleaved(sep)} क्\u200dष`, secrets)).toBe(`می\u200cخواهم sk-proj-…${LAST4} क्\u200dष`);
    }
    expect(untrusted(`می\u200c${KEY}\u200cخ क्\u200d${KEY}`, [])).toBe(`می\\u200csk-proj-…${LAST4}\\u200cخ क्\\u200dsk-proj-…${LAST4}`);
    // An emoji, flag or keycap glued to a key does not hide it.
    for (const glued of ['👨\u200d', '\u{1f3f4}\u{e0067}\u{e0062}\u{e007f}', '#\ufe0f\u20e3', '葛\u{e0100}']) {
      expect(untrusted(`${glued}${KEY}${glued}`, [])).toBe(`${sanitize(glued)}sk-proj-…${LAST4}${sanitize(glued)}`);
    }
  });
});

describe('a key with invisible characters between its letters is masked', () => {
  it.each(FAMILIES)('%s: known or not, whole in the mask; the same character elsewhere stays, escaped', (_family, ch, shown) => {
    const text = `HTTP 400: k ${interleaved(ch)} is not valid${ch}.`;
    for (const secrets of [[KEY], []]) {
      expect(untrusted(text, secrets), JSON.stringify(secrets)).toBe(`HTTP 400: k sk-proj-…${LAST4} is not valid${shown}.`);
    }
    expect(holdsSecret(text, KEY)).toBe(true);
  });

  it('with the escapes as shown between its letters (text escaped already: the terminal masks after neutralise)', () => {
    for (const [, ch, shown] of FAMILIES) {
      expect(redact(`k ${interleaved(shown)} x${shown}`, [])).toBe(`k sk-proj-…${LAST4} x${shown}`);
      expect(redact(neutralise(`k ${interleaved(ch)}`), [])).toBe(`k sk-proj-…${LAST4}`);
    }
    // C0 and C1 controls show as escapes too: `s\x1bk\x1b-…` is read as the key.
    expect(untrusted(`k ${interleaved('\x1b')}`, [])).toBe(`k sk-proj-…${LAST4}`);
    expect(untrusted(`k ${interleaved('\u009b')}`, [])).toBe(`k sk-proj-…${LAST4}`);
  });

  it('a key in pieces split by different invisible characters, cut in two, or only its body', () => {
    const body = KEY.slice('sk-proj-'.length);
    const mixed = [...KEY].map((c, i) => c + FAMILIES[i % FAMILIES.length]![1]).join('');
    expect(untrusted(`k ${mixed}`, [KEY])).toMatch(new RegExp(`^k sk-proj-…${LAST4}`));
    expect(untrusted(`half ${interleaved('\u200b', KEY.slice(0, 80))} and ${interleaved('\u00ad', KEY.slice(80))}`, [KEY])).toBe(`half sk-proj-… and …${LAST4}`);
    expect(untrusted(`body ${interleaved('\ufe0f', body)}`, [])).toBe(`body …${LAST4}`);
  });

  it('a secret only the terminal knows (no key shape), interleaved, is masked in what it writes', () => {
    const token = 'gw_tokenQ7w2E9r4T1yU3ip0O5l8K3j6';
    let written = '';
    const stream = { write: (text: string) => ((written += text), true), isTTY: false, columns: 80 };
    const term = createTerminal({ stdout: stream, stderr: stream, stdin: { isTTY: false } as never, env: { NO_COLOR: '1' } });
    term.addSecret(token);
    term.out(`token ${interleaved('\u2060', token)} end`);
    expect(written).toBe('token gw_…K3j6 end\n');
  });

  it('ordinary text with invisible characters is not taken for a key', () => {
    for (const text of ['task\u200b-management\u200b-system\u200b-for\u200b-teams', 'emoji ❤\ufe0f and a soft\u00adhyphen', 'path C:\\x41\\u2060dir']) {
      expect(redact(text, [KEY])).toBe(text);
    }
  });
});

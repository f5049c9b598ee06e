// Characters a terminal shows as nothing: every family of them is shown escaped, never raw, and a
// key with them (or with their escapes, as the tool shows them) between its letters is read as the
// key it looks like on the screen and masked, known or not; elsewhere they stay, escaped.
import { describe, expect, it } from 'vitest';
import { holdsSecret, redact } from '../../src/keys/redact.js';
import { createTerminal } from '../../src/terminal/output.js';
import { jsonText, neutralise, sanitize, untrusted } from '../../src/terminal/sanitize.js';
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

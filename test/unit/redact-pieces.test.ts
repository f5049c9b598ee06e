// A key a server sends back in pieces: cut in chunks with spaces, one letter at a time with spaces,
// dots, commas or zero-width characters between, reversed, in base64 or base64url, percent- or
// HTML-encoded. redact() reads through the separators and finds the known secret's letters; the
// mask keeps maskKey's hint. Ordinary text (errors, ids, URLs) is left as it is.
import { describe, expect, it } from 'vitest';
import { holdsSecret, redact } from '../../src/keys/redact.js';
import { untrusted, untrustedData } from '../../src/terminal/sanitize.js';
import { makeKey } from '../helpers/openai-server.js';

const KEY = makeKey('proj', 'unit-redact-pieces');
const ADMIN = makeKey('admin', 'unit-redact-pieces-admin');
const LAST4 = KEY.slice(-4);
const spaced = (key: string, separator: string) => [...key].join(separator);
/** No run of 6 of the key's letters (read past separators, in any case) left in `shown`. */
function noPieceOf(shown: string, key: string): void {
  const letters = (text: string) => text.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
  const body = letters(key.slice('sk-proj-'.length, -4));
  const read = letters(shown);
  for (let i = 0; i + 6 <= body.length; i++) expect(read, `"${shown}" holds ${body.slice(i, i + 6)}`).not.toContain(body.slice(i, i + 6));
}

describe('a known key with separators between its letters', () => {
  it.each([
    ['10-character chunks with spaces', (k: string) => k.match(/.{1,10}/g)!.join(' ')],
    ['one letter at a time with spaces', (k: string) => spaced(k, ' ')],
    ['one letter at a time with dots', (k: string) => spaced(k, '.')],
    ['with commas and spaces', (k: string) => spaced(k, ', ')],
    ['with dashes', (k: string) => spaced(k, '-')],
    ['with zero-width spaces', (k: string) => spaced(k, '\u200b')],
    ['with line breaks', (k: string) => k.match(/.{1,7}/g)!.join('\n')],
    ['percent-encoded', (k: string) => [...k].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('')],
    ['as HTML character references', (k: string) => [...k].map((c) => `&#${c.charCodeAt(0)};`).join('')],
  ])('%s: masked whole, with the hint maskKey gives', (_name, spread) => {
    const shown = redact(`Key: ${spread(KEY)} (check it)`, [KEY]);
    expect(shown).toBe(`Key: sk-proj-…${LAST4} (check it)`);
    expect(holdsSecret(`Key: ${spread(KEY)}`, KEY)).toBe(true);
  });

  it('a piece of it, spread out, is masked without a hint', () => {
    const piece = KEY.slice(30, 60);
    const shown = redact(`part: ${spaced(piece, ' ')} end`, [KEY]);
    expect(shown).toBe('part: … end');
  });

  it.each([
    ['reversed', (k: string) => [...k].reverse().join('')],
    ['reversed, spaced', (k: string) => [...k].reverse().join(' ')],
    ['in base64', (k: string) => Buffer.from(k).toString('base64')],
    ['in base64url inside other text', (k: string) => Buffer.from(`user:${k}!`).toString('base64url')],
    ['in base64 after one byte', (k: string) => Buffer.from(`:${k}`).toString('base64')],
    ['in base64 after two bytes', (k: string) => Buffer.from(`a:${k}`).toString('base64')],
  ])('%s: no piece of it is left', (_name, form) => {
    const shown = redact(`Key: ${form(KEY)} end`, [KEY]);
    expect(shown).toContain('…');
    expect(shown).toMatch(/^Key: .* end$/);
    noPieceOf(shown.replace(/^Key: /, ''), KEY);
    // What is left of an encoded form: what other text was encoded with it, and under a group at either end.
    const encoded = form(KEY);
    expect(encoded.length).toBeGreaterThan(100);
    expect(shown.length).toBeLessThan(`Key:  end`.length + 16);
    const other = encoded.indexOf(shown.slice('Key: '.length, shown.indexOf('…'))) === 0 ? shown.indexOf('…') - 'Key: '.length : 0;
    for (let i = other; i + 8 <= encoded.length; i++) expect(shown).not.toContain(encoded.slice(i, i + 8));
  });

  it('each text is read against the secrets it is given, whatever the text before was masked against', () => {
    // The lookup of a list of secrets is kept for the next text: a new list, a longer or a
    // shorter one, is looked up anew.
    const reversed = (k: string) => [...k].reverse().join(' ');
    for (const [secrets, key, other] of [
      [[KEY], KEY, ADMIN],
      [[ADMIN], ADMIN, KEY],
      [[KEY, ADMIN], ADMIN, null],
      [[KEY], KEY, ADMIN],
      [[KEY, ADMIN], KEY, null],
      [[ADMIN], ADMIN, KEY],
    ] as const) {
      expect(redact(`Key: ${reversed(key)} end`, secrets)).toBe('Key: … end');
      if (other) expect(redact(`Key: ${reversed(other)} end`, secrets)).toBe(`Key: ${reversed(other)} end`);
    }
  });

  it('untrusted() (a verify line, --json message, the progress file) and untrustedData() (a project name) mask it', () => {
    for (const text of [`Key parts: ${KEY.match(/.{1,10}/g)!.join(' ')}`, `Key: ${spaced(KEY, '.')}`]) {
      expect(untrusted(text, [KEY])).toMatch(new RegExp(`^Key(?: parts)?: sk-proj-…${LAST4}$`));
    }
    expect(untrustedData(`proj ${ADMIN.match(/.{1,10}/g)!.join(' ')}`, [ADMIN])).toBe(`proj sk-admin-…${ADMIN.slice(-4)}`);
  });
});

describe('ordinary text is left as it is', () => {
  it.each([
    'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
    'Rate limit reached for gpt-4o in organization org-AbC123dEf456 on requests per min (RPM): Limit 3, Used 3, Requested 1.',
    'request req_0a1b2c3d4e5f60718293a4b5c6d7e8f9, project proj_Qw3rTy8UiOp2AsDf, model gpt-4o-mini-2024-07-18',
    'https://api.openai.com/v1/chat/completions?api-version=2024-06-01#section-2.3',
    'The model `gpt-4.1-nano` does not exist or you do not have access to it. Retry in 3.5 s, 1, 2, 3, 4, 5.',
    'a b c d e f g h i j k l m n o p q r s t u v w x y z 0 1 2 3 4 5 6 7 8 9',
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0',
  ])('%s', (text) => {
    expect(redact(text, [KEY, ADMIN])).toBe(text);
  });
});

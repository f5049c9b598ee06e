import { describe, expect, it } from 'vitest';
import { checkKeyShape, cleanKey, keyKind, maskKey, parseKey } from '../../src/keys/format.js';
import { redact } from '../../src/keys/redact.js';

// Shapes of real keys (fact sheet §3), made up: 164-char project key, 51-char legacy key.
const PROJECT_KEY = `sk-proj-${'A1b2C3d4E5'.repeat(7)}abcd` + 'T3BlbkFJ' + `${'z9Y8x7W6v5'.repeat(7)}_-Ab12`;
const LEGACY_KEY = 'sk-' + 'a'.repeat(20) + 'T3BlbkFJ' + 'b'.repeat(16) + 'Wx12';

describe('cleanKey: every way people paste a key', () => {
  const cases: Array<[string, string]> = [
    ['plain', PROJECT_KEY],
    ['trailing newline', `${PROJECT_KEY}\n`],
    ['CRLF', `${PROJECT_KEY}\r\n`],
    ['spaces and tabs around', ` \t${PROJECT_KEY}\t `],
    ['non-breaking spaces', `\u00a0${PROJECT_KEY}\u00a0`],
    ['zero-width space inside a copy', `\u200b${PROJECT_KEY}`],
    ['straight double quotes', `"${PROJECT_KEY}"`],
    ['straight single quotes', `'${PROJECT_KEY}'`],
    ['curly double quotes', `“${PROJECT_KEY}”`],
    ['curly single quotes', `‘${PROJECT_KEY}’`],
    ['angle brackets', `<${PROJECT_KEY}>`],
    ['Bearer prefix', `Bearer ${PROJECT_KEY}`],
    ['Authorization header', `Authorization: Bearer ${PROJECT_KEY}`],
    ['OPENAI_API_KEY=', `OPENAI_API_KEY=${PROJECT_KEY}`],
    ['export line with quotes', `export OPENAI_API_KEY="${PROJECT_KEY}"`],
    ['export line with semicolon', `export OPENAI_API_KEY='${PROJECT_KEY}';\n`],
    ['fish set -gx is not ours but env style works', `OPENAI_API_KEY = "${PROJECT_KEY}"`],
    ['pasted twice, joined', `${PROJECT_KEY}${PROJECT_KEY}`],
    ['pasted twice, on two lines', `${PROJECT_KEY}\n${PROJECT_KEY}\n`],
    ['quotes inside the assignment and around', `"OPENAI_API_KEY=${PROJECT_KEY}"`],
  ];
  it.each(cases)('%s', (_name, input) => {
    expect(cleanKey(input)).toEqual({ ok: true, key: PROJECT_KEY });
  });

  it('rejects two different keys with one line', () => {
    const result = cleanKey(`${PROJECT_KEY} ${LEGACY_KEY}`);
    expect(result).toEqual({ ok: false, problem: 'it contains spaces: paste only the key, once' });
  });

  it('rejects an empty paste', () => {
    expect(cleanKey(' \n\t')).toEqual({ ok: false, problem: 'nothing was pasted' });
  });
});

describe('checkKeyShape', () => {
  it.each([
    [PROJECT_KEY, 'project'],
    [LEGACY_KEY, 'legacy'],
    ['sk-svcacct-' + 'x'.repeat(156), 'service-account'],
    ['sk-admin-' + 'x'.repeat(124), 'admin'],
    ['sk-None-' + 'x'.repeat(120), 'user'],
  ])('recognises %s as %s', (key, kind) => {
    expect(keyKind(key)).toBe(kind);
    expect(checkKeyShape(key).problem).toBeUndefined();
  });

  it('names the character that cannot be in a key', () => {
    expect(checkKeyShape(`${PROJECT_KEY.slice(0, 30)} ${PROJECT_KEY.slice(30)}`).problem).toMatch(/whitespace/);
    expect(checkKeyShape(`${PROJECT_KEY.slice(0, 30)}é${PROJECT_KEY.slice(30)}`).problem).toMatch(/non-ASCII character \(U\+00E9\)/);
    expect(checkKeyShape(`${PROJECT_KEY}"`).problem).toMatch(/a quote/);
  });

  it('rejects keys far too short, other services and ChatGPT tokens', () => {
    expect(checkKeyShape('sk-proj-abc').problem).toMatch(/far too short \(11 characters/);
    expect(checkKeyShape('sess-' + 'a'.repeat(40)).problem).toMatch(/ChatGPT session token/);
    expect(checkKeyShape('sk-ant-' + 'a'.repeat(90)).problem).toMatch(/Anthropic/);
    expect(checkKeyShape('gsk_' + 'a'.repeat(50)).problem).toMatch(/start with "sk-"/);
  });

  it('only warns about the prefix on an OpenAI-compatible server', () => {
    const shape = checkKeyShape('gsk_' + 'a'.repeat(50), false);
    expect(shape.problem).toBeUndefined();
    expect(shape.warning).toMatch(/start with "sk-"/);
  });

  it('parseKey cleans then checks', () => {
    expect(parseKey(` "${LEGACY_KEY}"\n`)).toMatchObject({ ok: true, key: LEGACY_KEY });
    expect(parseKey('hello')).toMatchObject({ ok: false });
  });
});

describe('maskKey and redact', () => {
  it('shows the prefix and the last four characters only', () => {
    expect(maskKey(PROJECT_KEY)).toBe('sk-proj-…Ab12');
    expect(maskKey(LEGACY_KEY)).toBe('sk-…Wx12');
    expect(maskKey('short')).toBe('…');
  });

  it('removes known secrets and anything shaped like a key from a text', () => {
    const text = `401 Incorrect API key provided: ${PROJECT_KEY}. Also ${LEGACY_KEY}.`;
    const out = redact(text);
    expect(out).not.toContain(PROJECT_KEY);
    expect(out).not.toContain(LEGACY_KEY);
    expect(out).toContain('sk-proj-…Ab12');
    expect(redact('my secret is hunter2hunter2', ['hunter2hunter2'])).toBe('my secret is …r2');
  });

  it('shortens the masked echo the API sends back', () => {
    const echoed = `sk-proj-${'*'.repeat(152)}21sA`;
    expect(redact(`Incorrect API key provided: ${echoed}.`)).toBe('Incorrect API key provided: sk-proj-…21sA.');
  });
});

import { describe, expect, it } from 'vitest';
import { checkKeyShape, cleanKey, hintKind, keyKind, keyLabel, maskKey, parseKey } from '../../src/keys/format.js';
import { redact } from '../../src/keys/redact.js';
import { makeKey } from '../helpers/openai-server.js';

// Shapes of real keys (docs/openai-api-answers.md §1.1), made up: 164-char project key, 51-char legacy key.
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
    expect(checkKeyShape('sk-proj-abc').problem).toBe('it is far too short (11 of 164 characters), as if cut off: copy it again');
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

describe('checkKeyShape: lengths (docs/openai-api-answers.md §1.1)', () => {
  // Prefix + body + T3BlbkFJ + a body as long as the first.
  const made = (prefix: string, body: number) => `${prefix}${'a'.repeat(body)}T3BlbkFJ${'b'.repeat(body)}`;

  it.each([
    ['sk-proj- 164', makeKey('proj', 'len')],
    ['sk-svcacct- 167', makeKey('svcacct', 'len')],
    ['sk-admin- 133', makeKey('admin', 'len')],
    ['legacy sk- 51', makeKey('legacy', 'len')],
    ['sk-None-', makeKey('none', 'len')],
    ['sk-proj- 132 (58 + 8 + 58)', made('sk-proj-', 58)],
    ['sk-proj- 56 (2024-05)', made('sk-proj-', 20)],
    ['sk-svcacct- 135', made('sk-svcacct-', 58)],
  ])('a whole key passes: %s', (_name, key) => {
    expect(checkKeyShape(key)).toEqual({ kind: keyKind(key) });
    expect(checkKeyShape(key, false)).toEqual({ kind: keyKind(key) });
  });

  it.each([
    ['proj', 100, 164],
    ['proj', 163, 164],
    ['svcacct', 150, 167],
    ['admin', 120, 133],
    ['legacy', 40, 51],
  ] as const)('a %s key cut after its marker, at %i characters, is cut off (of %i), on any server', (kind, at, whole) => {
    const key = makeKey(kind, 'cut').slice(0, at);
    const problem = `it looks cut off (${at} of ${whole} characters): copy it again`;
    expect(checkKeyShape(key).problem).toBe(problem);
    expect(checkKeyShape(key, false).problem).toBe(problem);
    expect(parseKey(key)).toEqual({ ok: false, problem });
  });

  it('the same marker rule for the 132- and 56-character forms', () => {
    expect(checkKeyShape(made('sk-proj-', 58).slice(0, 100)).problem).toMatch(/\(100 of 132 characters\)/);
    expect(checkKeyShape(made('sk-proj-', 20).slice(0, 50)).problem).toMatch(/\(50 of 56 characters\)/);
  });

  it('a key cut before its marker is far too short, with the length its prefix has today', () => {
    expect(checkKeyShape(makeKey('proj', 'cut').slice(0, 40)).problem).toBe('it is far too short (40 of 164 characters), as if cut off: copy it again');
    // Anywhere before the marker's end: every sk-proj- key carries it, so none of these is whole.
    for (const at of [56, 70, 82, 89]) {
      expect(checkKeyShape(makeKey('proj', 'cut').slice(0, at)).problem).toBe(`it is far too short (${at} of 164 characters), as if cut off: copy it again`);
    }
    expect(checkKeyShape(makeKey('svcacct', 'cut').slice(0, 80), false).problem).toMatch(/far too short \(80 of 167 characters\)/);
    expect(checkKeyShape('sk-None-abcdefghij').problem).toBe('it is far too short (18 characters; OpenAI keys have 51 or more), as if cut off: copy it again');
    // The rule and its message agree: 51 is the shortest OpenAI key.
    expect(checkKeyShape(`sk-${'a'.repeat(47)}`).problem).toBe('it is far too short (50 of 51 characters), as if cut off: copy it again');
    expect(checkKeyShape(`sk-${'a'.repeat(48)}`).problem).toBeUndefined();
  });

  it('a plain sk- key of another length is judged only for the OpenAI API (compatible servers have keys of their own)', () => {
    expect(checkKeyShape(`sk-${'a'.repeat(37)}`, false)).toEqual({ kind: 'legacy' });
  });

  it('never passes a key of 200 characters or more, so that megabytes never become a header', () => {
    const huge = `sk-proj-${'A'.repeat(1024 * 1024)}`;
    const problem = `it is ${huge.length} characters long, and OpenAI keys are under 200: paste the key alone`;
    expect(checkKeyShape(huge).problem).toBe(problem);
    expect(checkKeyShape(huge, false).problem).toBe(problem);
    expect(parseKey(huge)).toEqual({ ok: false, problem });
    expect(checkKeyShape(`sk-proj-${'A'.repeat(192)}`).problem).toMatch(/^it is 200 characters long/);
    // Another server's token may be longer, up to a bound.
    expect(checkKeyShape('t'.repeat(600), false).problem).toBeUndefined();
    expect(checkKeyShape('t'.repeat(5000), false).problem).toMatch(/^it is 5000 characters long/);
  });
});

describe("checkKeyShape: other services' keys are named before anything is sent", () => {
  it.each([
    [`sk-or-v1-${'0123456789abcdef'.repeat(4)}`, /^it looks like an OpenRouter key, not an OpenAI key; to use it, set --base-url https:\/\/openrouter\.ai\/api\/v1$/],
    [`sk-ant-api03-${'a'.repeat(93)}AA`, /^it looks like an Anthropic key, not an OpenAI key; to use it, set --base-url https:\/\/api\.anthropic\.com\/v1$/],
    [`sk-ant-admin01-${'a'.repeat(90)}`, /Anthropic key/],
    [`sk-${'0123456789abcdef'.repeat(2)}`, /^it looks like a DeepSeek key/],
    [`gsk_${'a'.repeat(52)}`, /^it looks like a Groq key, not an OpenAI key \(those start with "sk-"\); to use it, set --base-url https:\/\/api\.groq\.com\/openai\/v1$/],
    [`xai-${'a'.repeat(80)}`, /xAI key.*api\.x\.ai/],
    [`AIzaSy${'a'.repeat(33)}`, /Google API key \(Gemini\).*generativelanguage\.googleapis\.com/],
    [`pplx-${'a'.repeat(48)}`, /^it looks like a Perplexity key, not an OpenAI key.*; to use it, set --base-url https:\/\/api\.perplexity\.ai$/],
    [`hf_${'a'.repeat(34)}`, /^it looks like a Hugging Face token, not an OpenAI key.*; to use it, set --base-url https:\/\/router\.huggingface\.co\/v1$/],
    [`nvapi-${'a'.repeat(64)}`, /^it looks like an NVIDIA key, not an OpenAI key.*; to use it, set --base-url https:\/\/integrate\.api\.nvidia\.com\/v1$/],
    [`r8_${'a'.repeat(37)}`, /Replicate token/],
    [`sk_live_${'a'.repeat(99)}`, /Stripe key/],
    [`ghp_${'a'.repeat(36)}`, /GitHub token/],
    [`github_pat_${'a'.repeat(82)}`, /GitHub token/],
    ['0123456789abcdef0123456789ABCDEF', /Azure key \(32 hex digits/],
  ])('%s', (key, problem) => {
    const shape = checkKeyShape(key);
    expect(shape.problem).toMatch(problem);
    expect(shape.kind).toBe('unknown');
    expect(keyKind(key)).toBe('unknown');
    // On a compatible server (OpenRouter's, say) it is sent, with a warning naming the service.
    const elsewhere = checkKeyShape(key, false);
    expect(elsewhere.problem).toBeUndefined();
    expect(elsewhere.warning).toMatch(/^This looks like .*, not an OpenAI key.*; sending it anyway to a compatible server$/);
  });

  it('an OpenAI key is never taken for another service', () => {
    for (const kind of ['proj', 'svcacct', 'admin', 'legacy', 'none'] as const) {
      for (const seed of ['a', 'b', 'c', 'd']) expect(checkKeyShape(makeKey(kind, seed)).problem).toBeUndefined();
    }
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

describe('maskKey: one line of plain characters, whatever the key holds', () => {
  it.each([
    ['a line break before the last four', `${PROJECT_KEY}\nxyz`, 'sk-proj-…?xyz'],
    ['an escape at the end', `${PROJECT_KEY}\x1b[2J`, 'sk-proj-…?[2J'],
    ['a bidi override and a C1 control', `${PROJECT_KEY}\u202e\u009bab`, 'sk-proj-…??ab'],
    ['control characters where the prefix is taken from the key', `\x1b]5${'x'.repeat(30)}\r\nab`, '?]5…??ab'],
    ['a short one', 'abcdefghij\n\x07', '…??'],
  ])('%s', (_name, key, masked) => {
    expect(maskKey(key)).toBe(masked);
    expect(maskKey(key)).toMatch(/^[\x21-\x7e…]+$/);
  });

  it('an ordinary key is masked as before', () => {
    expect(maskKey(PROJECT_KEY)).toBe('sk-proj-…Ab12');
    expect(maskKey(LEGACY_KEY)).toBe('sk-…Wx12');
  });
});

describe('hintKind: the kind of key a hint was masked from (status has only the hint)', () => {
  it('reads the prefix maskKey kept, for every kind it knows', () => {
    for (const kind of ['proj', 'svcacct', 'admin'] as const) {
      const key = makeKey(kind, 'hint-kind');
      expect(hintKind(maskKey(key)), kind).toBe(keyKind(key));
    }
    expect(hintKind(maskKey(LEGACY_KEY))).toBe('legacy');
    expect(hintKind(maskKey(`sk-None-${'a'.repeat(40)}Ab12`))).toBe('user');
  });

  it("is 'unknown' for any other hint: a short value's, a tail that is no key's characters, or no hint at all", () => {
    for (const hint of ['…', '…Ab', 'sk-admin-…Ab1', 'sk-admin-…Ab12x', 'sk-admin-…?[2J', 'xsk-admin-…Ab12', 'sk-admin-Ab12', 'gsk…Ab12']) {
      expect(hintKind(hint), hint).toBe('unknown');
    }
    expect(hintKind(maskKey(`${PROJECT_KEY}\x1b[2J`))).toBe('unknown');
  });
});

describe('what is wrong with a key, named as it is', () => {
  it('a key with a line break inside (wrapped when copied) is said to have one, not spaces', () => {
    expect(cleanKey(`${PROJECT_KEY.slice(0, 80)}\n${PROJECT_KEY.slice(80)}`)).toEqual({ ok: false, problem: 'it has a line break inside: copy it again in one piece' });
    expect(cleanKey(`${PROJECT_KEY}\r\nxyz`)).toEqual({ ok: false, problem: 'it has a line break inside: copy it again in one piece' });
    expect(parseKey(`${PROJECT_KEY}\u2028xyz`)).toEqual({ ok: false, problem: 'it has a line break inside: copy it again in one piece' });
    // Spaces are still spaces.
    expect(cleanKey(`${PROJECT_KEY} xyz\n`)).toEqual({ ok: false, problem: 'it contains spaces: paste only the key, once' });
  });

  it('an escape (or any C0, DEL or C1 control) is a control character: ASCII or not, it is named so', () => {
    expect(checkKeyShape(`${PROJECT_KEY.slice(0, 30)}\x1b${PROJECT_KEY.slice(30)}`).problem).toBe('it contains a control character (U+001B), which an API key never has');
    expect(checkKeyShape(`${PROJECT_KEY.slice(0, 30)}\x7f${PROJECT_KEY.slice(30)}`).problem).toMatch(/a control character \(U\+007F\)/);
    expect(checkKeyShape(`${PROJECT_KEY.slice(0, 30)}\u009b${PROJECT_KEY.slice(30)}`).problem).toMatch(/a control character \(U\+009B\)/);
    expect(checkKeyShape(`${PROJECT_KEY.slice(0, 30)}\u0085${PROJECT_KEY.slice(30)}`).problem).toMatch(/a line break/);
    expect(checkKeyShape(`${PROJECT_KEY.slice(0, 30)}é${PROJECT_KEY.slice(30)}`).problem).toMatch(/a non-ASCII character \(U\+00E9\)/);
  });
});

describe('keyLabel: what a key is, for people', () => {
  it("an sk-<name>- key is a service account's (the form of 2024), not a legacy user key; a legacy key of its shape, or one cut short, is a user's", () => {
    const body = 'Ab1'.repeat(20).slice(0, 40);
    expect(keyLabel(`sk-deploy-bot-${body}T3BlbkFJ${body}`)).toBe('service-account key of the older sk-<name>- form');
    expect(keyLabel(LEGACY_KEY)).toBe('legacy user key');
    expect(keyLabel(LEGACY_KEY.slice(0, 40))).toBe('legacy user key');
    expect(keyLabel(PROJECT_KEY)).toBe('project key');
    expect(keyLabel('sk-None-' + 'x'.repeat(120))).toBe('user key (not tied to a project)');
  });
});

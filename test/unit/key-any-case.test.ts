// The key masked whatever its case: a host name is lower-cased by the URL parser, and a log or a
// proxy may lower- or upper-case what it quotes. Found with a redirect to `http://<the key>.example/`:
// the lower-cased key's opening (unchanged by lower-casing) was masked, the rest of it printed and
// stored. The pure masking first, then the redirect's diagnosis, then verify, doctor --json and
// status over the real HTTP client against a local server that answers with that redirect.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adminFailure } from '../../src/api/admin-failure.js';
import { nonApiDiagnosis, type FailedRequest } from '../../src/api/diagnosis.js';
import { createApi } from '../../src/api/probes.js';
import { run as doctor, DoctorJsonSchema } from '../../src/commands/doctor.js';
import { run as status } from '../../src/commands/status.js';
import { run as verify, VerifyJsonSchema } from '../../src/commands/verify.js';
import { holdsSecret, MIN_SECRET_FRAGMENT, redact } from '../../src/keys/redact.js';
import { makeTestContext, type TestContext } from '../helpers/context.js';
import { makeKey, startOpenAIServer, type FakeOpenAI } from '../helpers/openai-server.js';

/**
 * A service-account key whose first characters after `sk-svcacct-` are lower case or digits (about
 * two keys in three): lower-casing leaves its first 12+ characters as they are, the case the
 * masking got wrong.
 */
const KEY = (() => {
  for (let i = 0; ; i++) {
    const key = makeKey('svcacct', `any-case-${i}`);
    if (/^sk-svcacct-[a-z0-9]{6}[A-Z]/.test(key)) return key;
  }
})();
const LOWER = KEY.toLowerCase();
const UPPER = KEY.toUpperCase();

/** Every run of MIN_SECRET_FRAGMENT characters of `key` that `text` holds, in any case. */
function piecesOf(key: string, text: string): string[] {
  const folded = text.toLowerCase();
  const found: string[] = [];
  for (let i = 0; i + MIN_SECRET_FRAGMENT <= key.length; i++) {
    const piece = key.slice(i, i + MIN_SECRET_FRAGMENT).toLowerCase();
    if (folded.includes(piece)) found.push(piece);
  }
  return found;
}

describe('redact: the key in any case', () => {
  it('a lower- or upper-cased copy is masked whole, in its own case; an exact copy as before', () => {
    expect(redact(`key ${KEY}.`, [KEY])).toBe(`key sk-svcacct-…${KEY.slice(-4)}.`);
    expect(redact(`key ${LOWER}.`, [KEY])).toBe(`key sk-svcacct-…${LOWER.slice(-4)}.`);
    expect(redact(`key ${UPPER}.`, [KEY])).toBe(`key SK-SVCACCT-…${UPPER.slice(-4)}.`);
    // After letters beyond ASCII (İ lower-cased is two characters): the copy found where it is.
    expect(redact(`İstanbul İİ ${LOWER}.`, [KEY])).toBe(`İstanbul İİ sk-svcacct-…${LOWER.slice(-4)}.`);
    // Mixed: every other letter's case changed.
    const mixed = [...KEY].map((c, i) => (i % 2 ? c.toUpperCase() : c.toLowerCase())).join('');
    expect(piecesOf(KEY, redact(mixed, [KEY]))).toEqual([]);
  });

  it('in a host name, lower-cased: nothing of the key is left', () => {
    const shown = redact(`redirect (HTTP 302) to ${LOWER}.example instead of an API answer`, [KEY]);
    expect(shown).toBe(`redirect (HTTP 302) to sk-svcacct-…${LOWER.slice(-4)}.example instead of an API answer`);
    expect(piecesOf(KEY, shown)).toEqual([]);
  });

  it('a long piece of it in another case is masked; eleven characters are not a secret', () => {
    const middle = KEY.slice(40, 40 + MIN_SECRET_FRAGMENT);
    expect(redact(`a piece: ${middle.toLowerCase()}!`, [KEY])).toBe('a piece: …!');
    expect(redact(`a piece: ${middle.toUpperCase()}!`, [KEY])).toBe('a piece: …!');
    expect(redact(`halves: ${LOWER.slice(0, 90)} ${UPPER.slice(90)}`, [KEY])).toBe(`halves: sk-svcacct-… …${UPPER.slice(-4)}`);
    const short = KEY.slice(40, 40 + MIN_SECRET_FRAGMENT - 1).toLowerCase();
    expect(redact(`short: ${short}`, [KEY])).toBe(`short: ${short}`);
  });

  it('a secret of another shape too, and one under 12 characters whole', () => {
    expect(redact('token GW_TOKEN_Q7W2E9R4T1YU3I here', ['gw_token_Q7w2E9r4T1yU3i'])).toBe('token …YU3I here');
    expect(redact('my secret is HUNTER2H', ['hunter2h'])).toBe('my secret is …');
  });

  it('without knowing the key: its marker in any case', () => {
    for (const copy of [LOWER, UPPER, LOWER.slice('sk-svcacct-'.length), UPPER.slice('sk-svcacct-'.length), `x${LOWER}`]) {
      expect(piecesOf(KEY, redact(`here: ${copy}.example`)), copy).toEqual([]);
    }
  });

  it('holdsSecret: a piece of the key in any case, not a shorter one', () => {
    expect(holdsSecret(`http://${LOWER}.example/`, KEY)).toBe(true);
    expect(holdsSecret(KEY.slice(50, 62).toUpperCase(), KEY)).toBe(true);
    expect(holdsSecret(KEY.slice(50, 61), KEY)).toBe(false);
    expect(holdsSecret('HUNTER2H', 'hunter2h')).toBe(true);
    expect(holdsSecret('http://portal.example/login', KEY)).toBe(false);
  });
});

describe('a redirect to an address that holds the key', () => {
  const request: FailedRequest = { probe: 'models', baseURL: 'https://api.openai.com/v1', key: KEY, model: 'gpt-4o-mini', timeoutMs: 15_000, proxy: null };
  const redirect = (location: string) => {
    const headers = new Headers({ location });
    return nonApiDiagnosis({ kind: 'http', status: 302, headers, body: '', requestId: null }, request)!;
  };

  it('names where it points, with the labels of the host that hold the key left out, and says the address holds it', () => {
    for (const [location, target] of [
      [`http://${KEY}.example/`, 'http://<the key>.example'],
      [`https://${UPPER}.portal.example:8443/x`, '<the key>.portal.example:8443'],
      [`https://login.${KEY.slice(20, 60)}.example/`, 'login.<the key>.example'],
      // The parser decodes %xx in a host before it lower-cases it.
      [`https://${encodeURIComponent(KEY).replace(/[a-z]/g, (c) => `%${c.charCodeAt(0).toString(16)}`)}.example/`, '<the key>.example'],
    ]) {
      const { message } = redirect(location!);
      expect(message).toBe(`api.openai.com answered with a redirect (HTTP 302) to ${target} instead of an API answer; the key was not sent there, though the address holds it.`);
      expect(piecesOf(KEY, message)).toEqual([]);
    }
  });

  it('a key in the path or query: the host named as before, and the key said to be in the address', () => {
    for (const location of [`https://portal.example/${LOWER}`, `https://portal.example/login?continue=${KEY}`, `https://portal.example/login?k=${encodeURIComponent(KEY).replace(/-/g, '%2D')}`]) {
      expect(redirect(location).message).toBe('api.openai.com answered with a redirect (HTTP 302) to portal.example instead of an API answer; the key was not sent there, though the address holds it.');
    }
    expect(redirect('https://portal.example/login').message).toBe('api.openai.com answered with a redirect (HTTP 302) to portal.example instead of an API answer; the key was not sent there.');
  });

  it('the Admin API commands (spend) say it in the same words, without the admin key', () => {
    const admin = makeKey('admin', 'any-case');
    const error = adminFailure(
      { kind: 'http', status: 302, headers: new Headers({ location: `http://${admin.toLowerCase()}.example/` }), body: '', requestId: null },
      { baseURL: 'https://api.openai.com/v1', key: admin, timeoutMs: 15_000, proxy: null, action: 'reading the costs', commandName: 'openai-setup' },
    );
    expect(error.message).toBe('Reading the costs failed: api.openai.com answered with a redirect (HTTP 302) to http://<the key>.example instead of an API answer; the key was not sent there, though the address holds it.');
    expect(piecesOf(admin, error.message)).toEqual([]);
  });
});

describe('verify, doctor --json and status after a redirect to http://<the key>.example/ (the real HTTP client, a local server)', () => {
  let server: FakeOpenAI;
  let baseURL = '';
  beforeAll(async () => {
    // The answer the reviewer saw: a 302 to a host made of the bearer key.
    server = await startOpenAIServer({ redirect: { location: ({ key }) => `http://${key ?? 'no-key'}.example/` } });
    baseURL = server.baseURL;
  });
  afterAll(() => server?.close());

  let t: TestContext;
  afterEach(async () => {
    t.assertScriptsUsed();
    await t.cleanup();
  });

  function context(): TestContext {
    t = makeTestContext({ interactive: false, env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: baseURL } });
    t.ctx.api = { ...createApi({ env: {}, clock: () => 0 }), admin: t.api.admin };
    return t;
  }

  it('nothing of the key in any case: not printed, not in --json, not in the state file', async () => {
    context();
    const shown = await output(() => verify(t.ctx, { json: false, quiet: false, billingCheck: true }), 6);
    const verifyJson = await output(() => verify(t.ctx, { json: true, quiet: false, billingCheck: true }), 6);
    const doctorJson = await output(() => doctor(t.ctx, { json: true }));
    const statusShown = await output(() => status(t.ctx, { json: false }), 0);
    const stored = readFileSync(join(t.configDir, 'state.json'), 'utf8');
    for (const text of [t.stdout, t.stderr, stored]) expect(piecesOf(KEY, text)).toEqual([]);
    // Where the redirect pointed is still named, the key left out.
    const target = /to <the key>\.example instead of an API answer; the key was not sent there, though the address holds it\./;
    expect(shown).toContain(`✖ ${new URL(baseURL).host} answered with a redirect (HTTP 302) to <the key>.example`);
    expect(VerifyJsonSchema.parse(JSON.parse(verifyJson))).toMatchObject({ status: 'network_error', reason: 'http_302', message: expect.stringMatching(target) });
    expect(DoctorJsonSchema.parse(JSON.parse(doctorJson)).verify?.message).toMatch(target);
    expect(statusShown).toMatch(new RegExp(`Last check .*${target.source}`));
    expect(JSON.parse(stored).profiles.default.lastVerify.message).toMatch(target);
  });

  /** What a run printed on stdout, from here on; its exit code checked when given. */
  async function output(run: () => Promise<number>, code?: number): Promise<string> {
    const before = t.stdout.length;
    const exit = await run();
    if (code !== undefined) expect(exit).toBe(code);
    return t.stdout.slice(before);
  }
});

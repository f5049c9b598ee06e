// doctor's advice works for doctor: it takes none of the live-check flags (--base-url, --timeout,
// --model), so its texts name OPENAI_BASE_URL and the `verify` command that takes them; its probe
// is sent as the SDK's own requests are, names a redirect with where it pointed, and after a
// timeout through a proxy says to check that proxy. Every other failure of its probe (a 404, a name
// that does not resolve, TLS, a page that is no API answer) is said in the live check's words.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NO_CHECK_FLAGS, transportDiagnosis, type FailedRequest } from '../../src/api/diagnosis.js';
import { createApi } from '../../src/api/probes.js';
import type { VerifyStatus } from '../../src/api/status.js';
import type { Reachability } from '../../src/api/types.js';
import { DoctorJsonSchema, run as doctor } from '../../src/commands/doctor.js';
import { run as verify } from '../../src/commands/verify.js';
import { REPO_ROOT } from '../helpers/env.js';
import { checkResult, makeTestContext, testKey, type CheckAnswer, type TestContext, type TestContextOptions } from '../helpers/context.js';
import { makeKey, startOpenAIServer, type FakeOpenAI } from '../helpers/openai-server.js';

const KEY = testKey('A');
const ANSWERS = { reached: true, status: 401, json: true, ms: 42 } as const;
const OFFICIAL = 'https://api.openai.com/v1';

let t: TestContext;
afterEach(() => t?.cleanup());

function context(options: TestContextOptions = {}): TestContext {
  t = makeTestContext(options);
  return t;
}

/** doctor's live check through the real API (the one HTTP path) rather than a scripted one. */
function realApi(): void {
  t.ctx.api = { ...createApi({ env: t.ctx.rawEnv, clock: () => performance.now() }), admin: t.ctx.api.admin };
}

/** The live check's answer to the request doctor sent, failed as `failure`: its fix in the check's own words for that request (diagnosis.ts). */
function failedCheck(status: VerifyStatus, failure: Parameters<typeof transportDiagnosis>[0], proxy: string | null = null): CheckAnswer {
  return (request) => {
    expect(request.baseURL).toBe(OFFICIAL);
    const failed: FailedRequest = { ...request, probe: 'models', proxy };
    return checkResult(status, { fix: transportDiagnosis(failure, failed).fix });
  };
}

async function doctorJson(profile?: string) {
  const code = await doctor(t.ctx, { json: true, ...(profile ? { profile } : {}) });
  const json = DoctorJsonSchema.parse(JSON.parse(t.stdout));
  return { code, json, fix: (id: string) => json.checks.find((c) => c.id === id)?.fix };
}

describe('doctor names what works for doctor, not the live-check flags it does not take', () => {
  it('a live check that timed out: `verify --timeout` with the profile, not "raise --timeout"', async () => {
    context({ keychain: { work: KEY } });
    t.api.answerReach(ANSWERS).answerChecks(failedCheck('timeout', { kind: 'timeout' }));

    expect(await doctor(t.ctx, { profile: 'work', json: false })).toBe(6);

    expect(t.stdout).toContain('  Check your connection (a firewall or proxy may be silently dropping it), or give it more time: `openai-setup verify --profile work --timeout 60000`.\n');
    expect(t.stdout).not.toContain('raise --timeout');
    t.assertScriptsUsed();
  });

  it('--json: checks[].fix and verify.fix give the same advice; through a proxy it names the proxy', async () => {
    context({ keychain: { default: KEY }, env: { HTTPS_PROXY: 'http://proxy.corp:3128' }, commandName: 'npx openai-setup' });
    t.api.answerReach(ANSWERS).answerChecks(failedCheck('timeout', { kind: 'timeout' }, 'http://proxy.corp:3128'));

    const { code, json, fix } = await doctorJson();

    expect(code).toBe(6);
    const advice = 'Check that the proxy http://proxy.corp:3128 can reach api.openai.com, or give it more time: `npx openai-setup verify --timeout 60000`.';
    expect(json.verify?.fix).toBe(advice);
    expect(fix('verify')).toBe(advice);
    t.assertScriptsUsed();
  });

  it('a base URL to check is OPENAI_BASE_URL, which programs use (doctor has no --base-url)', async () => {
    // Set (to OpenAI's own, as the scripted API expects): named, as the one setting that was set.
    context({ keychain: { default: KEY }, env: { OPENAI_BASE_URL: OFFICIAL } });
    t.api.answerReach(ANSWERS).answerChecks(failedCheck('network_error', { kind: 'transport', code: 'ENOTFOUND', text: '' }));

    const { json, fix } = await doctorJson();

    expect(json.verify?.fix).toBe('Check your internet connection and DNS, or the OPENAI_BASE_URL you set.');
    expect(fix('verify')).toBe(json.verify?.fix);
    expect(t.stdout).not.toContain('--base-url');
    t.assertScriptsUsed();
  });

  it('no OPENAI_BASE_URL set: the live check names none', async () => {
    context({ keychain: { default: KEY } });
    t.api.answerReach(ANSWERS).answerChecks(failedCheck('network_error', { kind: 'transport', code: 'ENOTFOUND', text: '' }));

    const { json } = await doctorJson();

    expect(json.verify?.fix).toBe('Check your internet connection and DNS.');
    t.assertScriptsUsed();
  });
});

describe('doctor against the local API, through the one HTTP path', () => {
  let server: FakeOpenAI;
  const forbidden = makeKey('proj', 'doctor-advice-model-forbidden');
  const noTestModel = makeKey('proj', 'doctor-advice-model-not-found');
  beforeAll(async () => {
    server = await startOpenAIServer({ keys: { [forbidden]: 'project_model_forbidden', [noTestModel]: 'model_not_found' } });
  });
  afterAll(() => server?.close());

  it('a model the project may not use: `verify --model`, in the fix and in the warning', async () => {
    context({ env: { OPENAI_API_KEY: forbidden, OPENAI_BASE_URL: server.baseURL } });
    realApi();
    expect(await doctor(t.ctx, { json: false })).toBe(5);
    expect(t.stdout).toContain("  Allow gpt-4o-mini in the project's settings, or check with another model (`openai-setup verify --model NAME`).\n");
    expect(t.stdout).not.toMatch(/(?<!verify )--model/);

    await t.cleanup();
    context({ env: { OPENAI_API_KEY: noTestModel, OPENAI_BASE_URL: server.baseURL } });
    realApi();
    expect(await doctor(t.ctx, { json: false })).toBe(0);
    expect(t.stdout).toMatch(/! Billing not checked: the test request to gpt-4o-mini failed \(.*\)\. Try another model with `openai-setup verify --model NAME`\.\n/);
    expect(t.stdout).not.toMatch(/(?<!verify )--model/);
  });

  it("the probe is sent with the SDK's own User-Agent, as the live check's requests are", async () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules/openai/package.json'), 'utf8')) as { version: string };
    const key = makeKey('proj', 'doctor-advice-user-agent');
    server.addKey(key, 'valid');
    const before = server.requests.length;
    context({ env: { OPENAI_API_KEY: key, OPENAI_BASE_URL: server.baseURL } });
    realApi();

    expect(await doctor(t.ctx, { json: false })).toBe(0);

    const sent = server.requests.slice(before);
    // The probe (no key), then the live check's two requests.
    expect(sent.map((r) => `${r.method} ${r.path} ${r.key === null ? 'no key' : 'key'}`).sort()).toEqual(['GET /v1/models key', 'GET /v1/models no key', 'POST /v1/chat/completions key']);
    for (const request of sent) expect(request.headers['user-agent']).toBe(`OpenAI/JS ${version}`);
  });
});

describe("doctor's probe: a redirect, named", () => {
  let redirecting: FakeOpenAI;
  beforeAll(async () => {
    redirecting = await startOpenAIServer({ redirect: { location: 'http://portal.example:8080/login?continue=api' } });
  });
  afterAll(() => redirecting?.close());

  it("says redirect, with where it pointed, in the live check's words but nothing of a key (the probe sends none); its fix names OPENAI_BASE_URL", async () => {
    context({ env: { OPENAI_BASE_URL: redirecting.baseURL } });
    realApi();

    const { json, fix } = await doctorJson();

    const api = json.checks.find((c) => c.id === 'api')!;
    expect(api).toMatchObject({ status: 'warn', detail: `127.0.0.1:${redirecting.port} answered with a redirect (HTTP 302) to portal.example:8080 instead of an API answer` });
    expect(fix('api')).toBe('A captive portal or proxy login page may be in the way: sign in to the network in a browser, or check your proxy settings and the OPENAI_BASE_URL.');
    expect(redirecting.requests.map((r) => `${r.method} ${r.path} ${r.key}`)).toEqual(['GET /v1/models null']);
  });

  it('verify, which sends the key, still says the key was not sent where the redirect points', async () => {
    context({ env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: redirecting.baseURL } });
    realApi();

    expect(await verify(t.ctx, { json: true, quiet: false, billingCheck: false })).toBe(6);

    expect(JSON.parse(t.stdout)).toMatchObject({
      status: 'network_error',
      message: `127.0.0.1:${redirecting.port} answered with a redirect (HTTP 302) to portal.example:8080 instead of an API answer; the key was not sent there.`,
    });
  });
});

describe("doctor's probe: a redirect to an address that holds the key doctor checks", () => {
  const key = makeKey('svcacct', 'doctor-advice-key-in-host');
  let redirecting: FakeOpenAI;
  beforeAll(async () => {
    // A host name lower-cases what it holds.
    redirecting = await startOpenAIServer({ redirect: { location: `http://${key.toLowerCase()}.example/` } });
  });
  afterAll(() => redirecting?.close());

  it('names the address as the live check does (`<the key>`), not as masking left it, and that it holds the key the probe did not send', async () => {
    context({ env: { OPENAI_API_KEY: key, OPENAI_BASE_URL: redirecting.baseURL } });
    realApi();

    const { json } = await doctorJson();

    const api = json.checks.find((c) => c.id === 'api')!;
    expect(api.detail).toBe(`127.0.0.1:${redirecting.port} answered with a redirect (HTTP 302) to <the key>.example instead of an API answer; the address holds the key, though the request sent none`);
    // The probe sent no key.
    expect(redirecting.requests.find((r) => r.path === '/v1/models' && r.key === null)).toBeDefined();
  });
});

describe("doctor's probe: every other failure in the live check's words, for a probe sent without a key", () => {
  /** The probe's check, printed and in --json: the same detail and fix, and neither speaks of a key. */
  async function probeSays(reach: Reachability, options: TestContextOptions = {}) {
    context(options);
    t.api.answerReach(reach);
    await doctor(t.ctx, { json: false });
    const printed = t.stdout;
    await t.cleanup();
    context(options);
    t.api.answerReach(reach);
    const { json } = await doctorJson();
    const api = json.checks.find((c) => c.id === 'api')!;
    expect(printed).toContain(`API reachable       ${api.detail}\n  → ${api.fix}\n`);
    expect(`${api.detail} ${api.fix}`).not.toMatch(/\bkey\b|--base-url|--timeout/);
    t.assertScriptsUsed();
    return { api };
  }

  /** What the live check says, with doctor's flags, to the same failure of its models probe. */
  const liveFix = (failure: Parameters<typeof transportDiagnosis>[0], proxy: string | null = null) =>
    transportDiagnosis(failure, { probe: 'models', baseURL: OFFICIAL, key: '', model: '', timeoutMs: 10_000, proxy, noCheckFlags: NO_CHECK_FLAGS }).fix;
  /** What verify says of the same failure (its message, without the full stop doctor's lines do not have). */
  const liveMessage = (failure: Parameters<typeof transportDiagnosis>[0], baseURL = OFFICIAL, proxy: string | null = null) =>
    transportDiagnosis(failure, { probe: 'models', baseURL, key: '', model: '', timeoutMs: 10_000, proxy, noCheckFlags: NO_CHECK_FLAGS }).message.replace(/\.$/, '');

  it('a 404 for /models, whatever its page: the base URL looks wrong, with the /v1 it may lack (shown without its login)', async () => {
    const { api } = await probeSays({ reached: true, status: 404, json: false, ms: 5 }, { env: { OPENAI_BASE_URL: 'https://me:s3cret@gw.example/openai' } });
    expect(api).toEqual({
      id: 'api',
      title: 'API reachable',
      status: 'warn',
      detail: 'The base URL https://gw.example/openai looks wrong: gw.example answered HTTP 404 to the list of models',
      fix: 'Check the base URL (OPENAI_BASE_URL): OpenAI-compatible APIs end in /v1, like https://api.openai.com/v1. Did you mean https://gw.example/openai/v1?',
    });
    expect(t.stdout).not.toContain('s3cret');
  });

  it('a name that does not resolve: DNS or OPENAI_BASE_URL; through a proxy, the proxy\'s host', async () => {
    const direct = await probeSays({ reached: false, code: 'ENOTFOUND', detail: 'getaddrinfo ENOTFOUND api.openai.com' });
    // Told in verify's words, not as the raw error.
    expect(direct.api).toMatchObject({ status: 'fail', detail: 'Could not resolve api.openai.com (DNS lookup failed)' });
    expect(direct.api.detail).toBe(liveMessage({ kind: 'transport', code: 'ENOTFOUND', text: 'getaddrinfo ENOTFOUND api.openai.com' }));
    // No OPENAI_BASE_URL set: none named.
    expect(direct.api.fix).toBe('Check your internet connection and DNS.');
    expect(direct.api.fix).toBe(liveFix({ kind: 'transport', code: 'ENOTFOUND', text: '' }));
    const set = await probeSays({ reached: false, code: 'ENOTFOUND', detail: 'getaddrinfo ENOTFOUND gw.example' }, { env: { OPENAI_BASE_URL: 'https://gw.example/v1' } });
    expect(set.api.fix).toBe('Check your internet connection and DNS, or the OPENAI_BASE_URL you set.');

    const proxied = await probeSays({ reached: false, code: 'EAI_AGAIN', detail: 'getaddrinfo EAI_AGAIN proxy.corp' }, { env: { HTTPS_PROXY: 'http://proxy.corp:3128' } });
    expect(proxied.api.detail).toBe('Could not resolve proxy.corp, the host of the proxy http://proxy.corp:3128 (DNS lookup failed)');
    expect(proxied.api.fix).toBe('Check the proxy host in HTTPS_PROXY / HTTP_PROXY, and your DNS.');
    expect(proxied.api.fix).toBe(liveFix({ kind: 'transport', code: 'EAI_AGAIN', text: '' }, 'http://proxy.corp:3128'));
  });

  it("a certificate for another name (ERR_TLS_CERT_ALTNAME_INVALID), the names the error carries: the live check's words, not NODE_EXTRA_CA_CERTS", async () => {
    const cert = { names: 'DNS:gateway.corp.example' };
    const { api } = await probeSays({ reached: false, code: 'ERR_TLS_CERT_ALTNAME_INVALID', detail: "Hostname/IP does not match certificate's altnames", cert });
    expect(api).toMatchObject({ status: 'fail', detail: 'The TLS certificate of api.openai.com is for another name than api.openai.com (ERR_TLS_CERT_ALTNAME_INVALID): it is for DNS:gateway.corp.example' });
    expect(api.fix).toBe(liveFix({ kind: 'transport', code: 'ERR_TLS_CERT_ALTNAME_INVALID', text: '', cert }));
    expect(api.fix).not.toMatch(/NODE_EXTRA_CA_CERTS/);
  });

  it.each(['SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY'])('a TLS failure (%s): NODE_EXTRA_CA_CERTS, as the live check says it', async (code) => {
    const { api } = await probeSays({ reached: false, code, detail: 'certificate problem' });
    expect(api).toMatchObject({ status: 'fail', detail: `TLS certificate problem talking to api.openai.com (${code})` });
    expect(api.fix).toBe('If a company proxy inspects TLS, point NODE_EXTRA_CA_CERTS at its CA certificate file.');
    expect(api.fix).toBe(liveFix({ kind: 'transport', code, text: '' }));
  });

  it("a refused connection, an unknown code, and a timeout: verify's words too", async () => {
    const local = 'http://127.0.0.1:1/v1';
    const refused = await probeSays({ reached: false, code: 'ECONNREFUSED', detail: 'connect ECONNREFUSED 127.0.0.1:1' }, { env: { OPENAI_BASE_URL: local } });
    expect(refused.api).toMatchObject({ status: 'fail', detail: 'The connection to 127.0.0.1:1 was refused' });
    expect(refused.api.detail).toBe(liveMessage({ kind: 'transport', code: 'ECONNREFUSED', text: '' }, local));
    const other = await probeSays({ reached: false, code: 'EHOSTUNREACH', detail: 'connect EHOSTUNREACH 10.0.0.1:443' });
    expect(other.api.detail).toBe('Could not reach api.openai.com: EHOSTUNREACH');
    const late = await probeSays({ reached: false, code: 'TimeoutError', detail: 'no answer within 10000 ms' });
    expect(late.api.detail).toBe(liveMessage({ kind: 'timeout' }));
    expect(late.api.detail).toBe('No answer from api.openai.com within 10000 ms');
  });

  it('a redirect: where it points, and nothing of a key (the probe sends none)', async () => {
    const { api } = await probeSays({ reached: true, status: 301, json: false, ms: 5, location: 'https://login.wifi.example/portal' });
    expect(api).toMatchObject({ status: 'warn', detail: 'api.openai.com answered with a redirect (HTTP 301) to login.wifi.example instead of an API answer' });
  });

  it('a page that is not an API answer: a sign-in page for a 200, something else in the way otherwise', async () => {
    const portal = await probeSays({ reached: true, status: 200, json: false, ms: 5 });
    expect(portal.api).toMatchObject({ status: 'warn', detail: 'api.openai.com answered HTTP 200 with a page that is not an OpenAI API answer' });
    expect(portal.api.fix).toBe('A network sign-in page (captive portal), a proxy or another server answered instead: sign in to the network in a browser, or check your proxy or network, and the OPENAI_BASE_URL.');

    // At the OpenAI API's host a 5xx page is most likely its edge (Cloudflare) in an outage: try again first.
    const gateway = await probeSays({ reached: true, status: 502, json: false, ms: 5 });
    expect(gateway.api).toMatchObject({ status: 'warn', detail: 'api.openai.com answered HTTP 502 with an error page instead of an API answer: most likely trouble at OpenAI' });
    expect(gateway.api.fix).toBe('Try again in a few minutes; status.openai.com shows incidents. If it persists, something between you and the API may be answering: check your proxy or network, and the OPENAI_BASE_URL.');
    const blocked = await probeSays({ reached: true, status: 403, json: false, ms: 5 });
    expect(blocked.api.fix).toBe('Something between you and the API answered instead: check your proxy or network, and the OPENAI_BASE_URL.');
  });
});

describe("doctor's probe: no answer in time", () => {
  const TIMEOUT = { reached: false, code: 'TimeoutError', detail: 'no answer within 10000 ms' } as const;

  it('through a proxy: check that proxy (named without its password), or give the live check more time', async () => {
    context({ keychain: { default: KEY }, env: { HTTPS_PROXY: 'http://me:s3cret@proxy.corp:3128' } });
    t.api.answerReach(TIMEOUT);

    expect(await doctor(t.ctx, { json: false })).toBe(6);

    expect(t.stdout).toContain('  → Check that the proxy http://proxy.corp:3128 can reach api.openai.com, or give it more time: `openai-setup verify --timeout 60000`.\n');
    expect(t.stdout).not.toContain('s3cret');
    expect(t.stdout).not.toContain('set HTTPS_PROXY');
    t.assertScriptsUsed();
  });

  it('through a proxy, with no key to check: only the proxy to check', async () => {
    context({ env: { https_proxy: 'http://proxy.corp:3128' } });
    t.api.answerReach(TIMEOUT);
    expect((await doctorJson()).fix('api')).toBe('Check that the proxy http://proxy.corp:3128 can reach api.openai.com.');
    t.assertScriptsUsed();
  });

  it('with a proxy set that this URL does not go through: not "set HTTPS_PROXY"', async () => {
    context({ env: { HTTPS_PROXY: 'http://proxy.corp:3128', NO_PROXY: 'api.openai.com' } });
    t.api.answerReach(TIMEOUT);
    expect((await doctorJson()).fix('api')).toBe('No answer in time: a firewall may drop the connection, which does not go through the proxy (see Proxy above).');
    t.assertScriptsUsed();
  });

  it('with no proxy set: setting one is the advice', async () => {
    context();
    t.api.answerReach(TIMEOUT);
    expect((await doctorJson()).fix('api')).toBe('No answer in time: a firewall may drop the connection; set HTTPS_PROXY if you must use a proxy.');
    t.assertScriptsUsed();
  });
});

describe('doctor --json: a key checked at a server that is not OpenAI\'s', () => {
  it('the Live check detail says where it works, as the text does (never a bare "The key works")', async () => {
    context({ keychain: { default: KEY }, env: { OPENAI_BASE_URL: 'https://llm.example.test/v1' } });
    t.api.answerReach(ANSWERS).answerChecks(checkResult('valid'));

    const { code, json } = await doctorJson();

    expect(code).toBe(0);
    const detail = json.checks.find((c) => c.id === 'verify')?.detail;
    expect(detail).toMatch(/^The key works at llm\.example\.test\b/);
    t.assertScriptsUsed();
  });
});


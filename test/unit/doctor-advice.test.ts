// doctor's advice works for doctor: it takes none of the live-check flags (--base-url, --timeout,
// --model), so its texts name OPENAI_BASE_URL and the `verify` command that takes them; its probe
// is sent as the SDK's own requests are, names a redirect with where it pointed, and after a
// timeout through a proxy says to check that proxy.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { transportDiagnosis, type FailedRequest } from '../../src/api/diagnosis.js';
import { createApi } from '../../src/api/probes.js';
import type { VerifyStatus } from '../../src/api/status.js';
import { DoctorJsonSchema, run as doctor } from '../../src/commands/doctor.js';
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
    context({ keychain: { default: KEY } });
    t.api.answerReach(ANSWERS).answerChecks(failedCheck('network_error', { kind: 'transport', code: 'ENOTFOUND', text: '' }));

    const { json, fix } = await doctorJson();

    expect(json.verify?.fix).toBe('Check your internet connection and DNS, or the OPENAI_BASE_URL you set.');
    expect(fix('verify')).toBe(json.verify?.fix);
    expect(t.stdout).not.toContain('--base-url');
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
  let redirecting: Server;
  let port: number;
  const seen: IncomingHttpHeaders[] = [];
  beforeAll(async () => {
    redirecting = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(302, { location: 'http://portal.example:8080/login?continue=api' }).end();
    });
    port = await new Promise<number>((resolve) => redirecting.listen(0, '127.0.0.1', () => resolve((redirecting.address() as { port: number }).port)));
  });
  afterAll(() => new Promise<void>((resolve) => redirecting.close(() => resolve())));

  it("says redirect, with where it pointed, in the live check's words; its fix names OPENAI_BASE_URL", async () => {
    context({ env: { OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1` } });
    realApi();

    const { json, fix } = await doctorJson();

    const api = json.checks.find((c) => c.id === 'api')!;
    expect(api).toMatchObject({ status: 'warn', detail: `127.0.0.1:${port} answered with a redirect (HTTP 302) to portal.example:8080 instead of an API answer; the key was not sent there` });
    expect(fix('api')).toBe('A captive portal or proxy login page may be in the way: sign in to the network in a browser, or check your proxy settings and the OPENAI_BASE_URL.');
    expect(seen).toHaveLength(1);
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

// A redirect in the Admin API's place is never the API's answer, whatever its body: a captive
// portal or a wrong base URL may send an OpenAI-shaped JSON error with its 302. Every Admin API
// caller (spend, admin-key, import's probe, rotate's steps) reports it as the live check does: a
// network_error naming where it pointed (exit 6), never "refused" (exit 5), and the key goes
// nowhere else. Through the real HTTP path to a local server, whose request logs show that.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminFailure } from '../../src/api/admin-failure.js';
import { createAdminApi } from '../../src/api/admin.js';
import { nonApiDiagnosis, type Failure } from '../../src/api/diagnosis.js';
import { run as adminKey } from '../../src/commands/admin-key.js';
import { defaultDeps, ImportJsonSchema, runImport } from '../../src/commands/import.js';
import { run as rotate, RotateJsonSchema } from '../../src/commands/rotate.js';
import { run as spend, SpendFailureJsonSchema } from '../../src/commands/spend.js';
import { EXIT } from '../../src/errors.js';
import { outcomeOf, type TestContext, type TestContextOptions } from '../helpers/context.js';
import { makeKey, startOpenAIServer, type FakeOpenAI } from '../helpers/openai-server.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const ADMIN = makeKey('admin', 'unit-admin-redirect');
const PROJECT = 'proj_AdminRedirect00000000000';
const STATUSES = [301, 302, 303, 307, 308] as const;
// The API's own error envelope, and the bare-string form it uses for permission errors.
const BODIES = [
  { error: { message: 'moved', type: 'invalid_request_error', param: null, code: null } },
  { error: 'moved' },
];

describe('adminFailure: a 3xx', () => {
  const location = 'https://portal.example/login?next=api';
  const request = { baseURL: 'https://api.openai.com/v1', key: ADMIN, timeoutMs: 20_000, proxy: null, action: "reading the organization's costs", commandName: 'openai-setup' };
  for (const status of STATUSES) {
    for (const body of [...BODIES, undefined]) {
      it(`HTTP ${status} with ${body ? JSON.stringify(body) : 'no JSON body'}: network_error, exit 6, in the live check's words`, () => {
        const failure: Failure = { kind: 'http', status, headers: { get: (name) => (name === 'location' ? location : null) }, body, requestId: null };
        const error = adminFailure(failure, request);
        expect(error.kind).toBe('network_error');
        expect(error.code).toBe(EXIT.network);
        expect(error.message).toBe(`Reading the organization's costs failed: ${nonApiDiagnosis(failure, { ...request, probe: 'models', model: '' })!.message}`);
        expect(error.message).toContain(`HTTP ${status}`);
        expect(error.message).toContain('portal.example');
        expect(error.message).not.toMatch(/refused|moved/);
        // The Admin API's commands take no --base-url: the fix names the variable.
        expect(error.hints.join('\n')).toContain('OPENAI_BASE_URL');
        expect(error.hints.join('\n')).not.toContain('--base-url');
      });
    }
  }
});

describe('every Admin API caller, over HTTP', () => {
  let api: FakeOpenAI;
  // Where the redirects point: nothing may reach it.
  let elsewhere: FakeOpenAI;
  beforeAll(async () => {
    [api, elsewhere] = await Promise.all([startOpenAIServer(), startOpenAIServer()]);
    api.admin.addAdminKey(ADMIN);
    api.admin.addProject({ id: PROJECT, name: 'my-app' });
  });
  afterAll(async () => {
    await Promise.all([api?.close(), elsewhere?.close()]);
  });

  const contexts = trackedContexts();

  /** A Context whose Admin API is the real one, over the real HTTP path, at the local server. */
  function setup(options: TestContextOptions = {}): TestContext {
    const t = contexts.make({ ...options, env: { OPENAI_BASE_URL: api.baseURL, ...options.env } });
    t.api.admin = createAdminApi({ env: {} });
    return t;
  }

  /** The next admin request on `path` answers `status` with an OpenAI-style error body and a Location at the other server. */
  function redirectNext(status: number, path: string | RegExp, method?: string): string {
    api.admin.failNext({ ...(method ? { method } : {}), path }, { status, body: BODIES[0], headers: { location: `${elsewhere.baseURL}/organization/costs` } });
    return `127.0.0.1:${elsewhere.port}`;
  }

  /** The message names the redirect and where it pointed, not a refusal; the key went nowhere else, and `path` was asked once. */
  function expectRedirect(message: string, status: number, target: string, path: string, requestsBefore: number, method?: string): void {
    expect(message).toContain(`HTTP ${status}`);
    expect(message).toContain(target);
    expect(message).not.toMatch(/refused|moved/);
    expect(elsewhere.requests).toEqual([]);
    expect(api.requests.slice(requestsBefore).filter((r) => r.path === path && (!method || r.method === method))).toHaveLength(1);
  }

  function expectNoKey(t: TestContext, ...keys: string[]): void {
    for (const key of [ADMIN, ...keys]) expect(t.stdout + t.stderr).not.toContain(key);
  }

  for (const status of [302, 307, 308]) {
    it(`spend --json, costs answered ${status}: network_error, exit 6`, async () => {
      const t = setup({ keychain: { 'default:admin': ADMIN } });
      const target = redirectNext(status, '/v1/organization/costs');
      const before = api.requests.length;
      const result = await outcomeOf(spend(t.ctx, { json: true }));
      expect(result.code).toBe(EXIT.network);
      const printed = SpendFailureJsonSchema.parse(JSON.parse(t.stdout));
      expect(printed).toMatchObject({ ok: false, exitCode: 6, reason: 'network_error' });
      expect(printed.message).toMatch(/^Reading the organization's costs failed: /);
      expectRedirect(printed.message, status, target, '/v1/organization/costs', before);
      expectNoKey(t);
    });

    it(`admin-key --stdin, projects answered ${status}: network_error, exit 6, not stored`, async () => {
      const t = setup({ interactive: false, stdin: `${ADMIN}\n` });
      const target = redirectNext(status, '/v1/organization/projects');
      const before = api.requests.length;
      const result = await outcomeOf(adminKey(t.ctx, { stdin: true, insecureStorage: false, verify: true, json: false }));
      expect(result.code).toBe(EXIT.network);
      expect(result.message).toMatch(/^Listing the organization's projects failed: /);
      expectRedirect(result.message, status, target, '/v1/organization/projects', before);
      expect(t.keychain.keyOf('default:admin')).toBeUndefined();
      expectNoKey(t);
    });

    it(`import --check, a found admin key whose projects answer ${status}: its check is a network_error`, async () => {
      const t = setup({ interactive: false });
      // A home of its own, empty: the key is found in the project's .env only.
      t.ctx.rawEnv.HOME = join(dirname(t.cwd), 'home');
      mkdirSync(t.ctx.rawEnv.HOME);
      writeFileSync(join(t.cwd, '.env'), `OPENAI_API_KEY=${ADMIN}\n`);
      const target = redirectNext(status, '/v1/organization/projects');
      const before = api.requests.length;
      expect(await runImport(t.ctx, { check: true, json: true, rewrite: false, yes: false }, defaultDeps())).toBe(8);
      const { findings } = ImportJsonSchema.parse(JSON.parse(t.stdout));
      expect(findings.map((f) => [f.path, f.kind])).toEqual([['.env', 'admin']]);
      expect(findings[0]!.check).toMatchObject({ ok: false, status: 'network_error' });
      expectRedirect(findings[0]!.check!.message, status, target, '/v1/organization/projects', before);
      expectNoKey(t);
    });

    it(`rotate, creating the service account answered ${status}: network_error, exit 6, nothing changed`, async () => {
      const old = makeKey('proj', `unit-admin-redirect-old-${status}`);
      api.addKey(old, { scenario: 'valid', project: PROJECT });
      const t = setup({ keychain: { default: old, 'default:admin': ADMIN } });
      const target = redirectNext(status, /service_accounts$/, 'POST');
      const before = api.requests.length;
      const result = await outcomeOf(rotate(t.ctx, { keepOld: false, yes: true, json: true, project: PROJECT }));
      expect(result.code).toBe(EXIT.network);
      const printed = RotateJsonSchema.parse(JSON.parse(t.stdout));
      expect(printed).toMatchObject({ ok: false, exitCode: 6, reason: 'network_error', new: null });
      expect(printed.message).toMatch(/^Creating a service account in proj_\w+ failed: /);
      // The create alone (rotate's check that the admin key can read lists the same path first).
      expectRedirect(printed.message, status, target, `/v1/organization/projects/${PROJECT}/service_accounts`, before, 'POST');
      expect(t.keychain.keyOf('default')).toBe(old);
      expect(api.admin.serviceAccounts(PROJECT)).toEqual([]);
      expectNoKey(t, old);
    });
  }
});

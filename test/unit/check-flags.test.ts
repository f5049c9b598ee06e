// The live check's advice in the commands that take none of its flags (--base-url, --timeout,
// --model): rotate, import, doctor and admin-key name what they have instead (OPENAI_BASE_URL, or
// `verify` with the flag), in text and in --json, as the check words it for the request it was
// given (FailedRequest.noCheckFlags); verify, key and the wizard keep naming their flags.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnose, type Failure, type FailedRequest } from '../../src/api/diagnosis.js';
import type { CheckRequest, CheckResult } from '../../src/api/types.js';
import { verdict, type ProbeOutcome } from '../../src/api/verdict.js';
import { run as adminKey } from '../../src/commands/admin-key.js';
import { run as doctor, DoctorJsonSchema } from '../../src/commands/doctor.js';
import { ImportFailureJsonSchema, ImportJsonSchema, runImport, defaultDeps, type ImportOptions } from '../../src/commands/import.js';
import { run as rotate, RotateJsonSchema } from '../../src/commands/rotate.js';
import { run as verify } from '../../src/commands/verify.js';
import { PAGES } from '../../src/platform.js';
import { outcomeOf, type TestContext, type TestContextOptions } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

/** A live-check flag named as something to type: never right for these commands. */
const CHECK_FLAG = /--(?:base-url|timeout|model)\b/;

const TIMEOUT: Failure = { kind: 'timeout' };
/** A base URL without /v1: the API's 404 for GET /models. */
const NO_V1: Failure = { kind: 'http', status: 404, headers: null, body: { error: { message: 'Invalid URL (GET /models)', type: 'invalid_request_error', code: null } }, requestId: null };
/** A captive portal's page in the API's place. */
const PORTAL: Failure = { kind: 'http', status: 200, headers: null, body: '<html>Sign in to the network</html>', requestId: null };

/** The live check's answer to the request it was given, GET /models failing as `failure`, as the real check words it (verdict.ts). */
const failing =
  (failure: Failure) =>
  (request: CheckRequest): CheckResult =>
    verdict(request, null, { ok: false, failure }, null, 15);

const { make: context } = trackedContexts();

describe('rotate: the new key failing its check', () => {
  const ADMIN = makeKey('admin', 'unit-check-flags');
  const PROJECT = 'proj_CheckFlags000000000000';

  let keyCount = 0;
  async function rotatable(failure: Failure, options: TestContextOptions = {}) {
    const old = makeKey('proj', `unit-check-flags-old-${keyCount++}`);
    const t = context({ admin: true, keychain: { work: old, 'work:admin': ADMIN }, ...options });
    t.org.admin.addAdminKey(ADMIN);
    t.org.admin.addProject({ id: PROJECT });
    t.org.addKey(old, { scenario: 'valid', project: PROJECT });
    await t.ctx.state.updateProfile('work', (p) => {
      p.key = { storage: 'keychain', hint: `sk-proj-…${old.slice(-4)}`, savedAt: '2026-03-01T00:00:00.000Z' };
      p.lastVerify = { at: '2026-03-01T00:00:00.000Z', status: 'valid', ok: true, keyHint: `sk-proj-…${old.slice(-4)}`, keySource: 'the keychain (profile work)', organization: 'org-x', project: PROJECT, tier: null, billing: 'ok', message: 'The key works.' };
    });
    // Only the new key is checked (the old key's project is recorded).
    t.api.answerChecks(failing(failure));
    return Object.assign(t, { old });
  }

  it('no answer in time: no "raise --timeout" (rotate has none, and no command checks a key not stored): exit 6, nothing stored', async () => {
    const t = await rotatable(TIMEOUT);
    const result = await outcomeOf(rotate(t.ctx, { profile: 'work', keepOld: false, yes: true, json: false }));

    expect(result.code).toBe(6);
    expect(t.stderr).toContain('\n  Check your connection (a firewall or proxy may be silently dropping it).\n');
    expect(result.message).toMatch(/^The new key failed its check: No answer from api\.openai\.com within 15000 ms\. Nothing was stored\./);
    expect(t.stdout + t.stderr + result.hints.join('\n')).not.toMatch(CHECK_FLAG);
    expect(t.keychain.keyOf('work')).toBe(t.old);
    expect(t.org.admin.serviceAccounts(PROJECT)).toEqual([]);
    expect(t.api.checks.map((c) => c.noCheckFlags)).toEqual([{ verify: null }]);
  });

  it('--json: the check\'s fix is the document\'s fix, naming OPENAI_BASE_URL (no --base-url)', async () => {
    const t = await rotatable(PORTAL);
    const result = await outcomeOf(rotate(t.ctx, { profile: 'work', keepOld: false, yes: true, json: true }));

    expect(result.code).toBe(6);
    const data = RotateJsonSchema.parse(JSON.parse(t.stdout));
    expect(data).toMatchObject({ ok: false, exitCode: 6, reason: 'new_key_check_failed', new: null, old: { outcome: 'unchanged' } });
    expect(data.fix).toBe(
      'A network sign-in page (captive portal), a proxy or another server answered instead: sign in to the network in a browser, or check your proxy or network, and the OPENAI_BASE_URL.',
    );
    expect(t.stdout + t.stderr).not.toMatch(CHECK_FLAG);

    // A fix with a page: its address on a line of its own, as the terminal shows it.
    const rejected = await rotatable({ kind: 'http', status: 401, headers: null, body: { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' } }, requestId: null });
    await outcomeOf(rotate(rejected.ctx, { profile: 'work', keepOld: false, yes: true, json: true }));
    expect(RotateJsonSchema.parse(JSON.parse(rejected.stdout)).fix).toBe(`Create a new secret key on the API keys page and store it with \`openai-setup key --profile work\`.\n→ ${PAGES.keys.url}`);
  });
});

describe('import --store and --check', () => {
  const KEY = makeKey('proj', 'unit-check-flags-import');
  const options = (extra: Partial<ImportOptions> = {}): ImportOptions => ({ check: false, json: false, rewrite: false, yes: true, store: '.env:1', ...extra });

  function machine(failure: Failure): TestContext {
    // A base URL without /v1, as OPENAI_BASE_URL (import has no --base-url).
    const t = context({ interactive: false, env: { OPENAI_BASE_URL: 'http://127.0.0.1:18556' } });
    t.ctx.rawEnv.HOME = join(t.cwd, 'home');
    mkdirSync(t.ctx.rawEnv.HOME);
    writeFileSync(join(t.cwd, '.env'), `OPENAI_API_KEY=${KEY}\n`);
    t.api.answerEveryCheck(failing(failure));
    return t;
  }

  it('--store: a wrong base URL is OPENAI_BASE_URL, with the /v1 it lacks; nothing stored (exit 6)', async () => {
    const t = machine(NO_V1);
    const result = await outcomeOf(runImport(t.ctx, options(), defaultDeps()));

    expect(result.code).toBe(6);
    expect(result.message).toBe(`sk-proj-…${KEY.slice(-4)} was not stored: The base URL http://127.0.0.1:18556 looks wrong: 127.0.0.1:18556 answered HTTP 404 (Invalid URL (GET /models)) to the list of models.`);
    expect(result.hints).toEqual(['Check the base URL (OPENAI_BASE_URL): OpenAI-compatible APIs end in /v1, like https://api.openai.com/v1. Did you mean http://127.0.0.1:18556/v1?']);
    expect(t.keychain.accounts()).toEqual([]);
  });

  it('--store --json: the fix in the document; a timeout names no --timeout', async () => {
    const t = machine(NO_V1);
    await outcomeOf(runImport(t.ctx, options({ json: true }), defaultDeps()));
    expect(ImportFailureJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({
      ok: false,
      exitCode: 6,
      fix: 'Check the base URL (OPENAI_BASE_URL): OpenAI-compatible APIs end in /v1, like https://api.openai.com/v1. Did you mean http://127.0.0.1:18556/v1?',
    });

    const slow = machine(TIMEOUT);
    await outcomeOf(runImport(slow.ctx, options({ json: true }), defaultDeps()));
    expect(ImportFailureJsonSchema.parse(JSON.parse(slow.stdout))).toMatchObject({ exitCode: 6, reason: 'timeout', fix: 'Check your connection (a firewall or proxy may be silently dropping it).' });
    expect(slow.stdout + slow.stderr).not.toMatch(CHECK_FLAG);
    expect(slow.api.checks.map((c) => c.noCheckFlags)).toEqual([{ verify: null }]);
  });

  it('--check: each finding says what the check found, and no flag', async () => {
    const t = machine(NO_V1);
    expect(await runImport(t.ctx, { check: true, json: true, rewrite: false, yes: false }, defaultDeps())).toBe(8);
    const [finding] = ImportJsonSchema.parse(JSON.parse(t.stdout)).findings;
    expect(finding?.check).toMatchObject({ ok: false, status: 'network_error' });
    expect(t.stdout + t.stderr).not.toMatch(CHECK_FLAG);
    expect(t.api.checks.map((c) => c.noCheckFlags)).toEqual([{ verify: null }]);
  });
});

describe('a key of another service, refused before it is sent', () => {
  const GROQ = `gsk_${'a'.repeat(52)}`;

  it('doctor: to use it, OPENAI_BASE_URL (doctor has no --base-url); verify still names --base-url', async () => {
    const t = context({ env: { OPENAI_API_KEY: GROQ } });
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 42 });
    expect(await doctor(t.ctx, { json: true })).toBe(3);
    const { verify: check } = DoctorJsonSchema.parse(JSON.parse(t.stdout));
    expect(check?.message).toBe('The key was not sent: it looks like a Groq key, not an OpenAI key (those start with "sk-"); to use it, set OPENAI_BASE_URL=https://api.groq.com/openai/v1.');
    expect(t.stdout).not.toMatch(CHECK_FLAG);

    const v = context({ env: { OPENAI_API_KEY: GROQ } });
    expect(await verify(v.ctx, { json: false, quiet: false, billingCheck: true })).toBe(3);
    expect(v.stdout).toContain('to use it, set --base-url https://api.groq.com/openai/v1.');
  });

  it('admin-key: no base URL at all (an admin key is OpenAI\'s only)', async () => {
    const t = context({ interactive: false, stdin: `${GROQ}\n` });
    const refused = await outcomeOf(adminKey(t.ctx, { stdin: true, insecureStorage: false, verify: true, json: false }));
    expect(refused).toMatchObject({ code: 3, message: 'That is not an admin key: it looks like a Groq key, not an OpenAI key (those start with "sk-").' });
  });
});

describe('the diagnosis, told the command takes no live-check flags', () => {
  const VERIFY = 'npx openai-setup verify --profile work';
  const request = (noCheckFlags?: FailedRequest['noCheckFlags']): FailedRequest => ({
    probe: 'models',
    baseURL: 'http://127.0.0.1:18556',
    key: 'sk-proj-x',
    model: 'gpt-4o-mini',
    timeoutMs: 15_000,
    proxy: null,
    ...(noCheckFlags ? { noCheckFlags } : {}),
  });
  const http = (status: number, body: unknown): Failure => ({ kind: 'http', status, headers: { get: (name) => (name === 'location' ? 'http://portal.example/login' : null) }, body, requestId: null });
  const FAILURES: Array<[string, Failure, FailedRequest['probe']]> = [
    ['timeout', TIMEOUT, 'models'],
    ...['ENOTFOUND', 'ECONNREFUSED', 'ERR_BODY_TOO_LARGE', 'Z_DATA_ERROR'].map((code): [string, Failure, 'models'] => [code, { kind: 'transport', code, text: '' }, 'models']),
    ['redirect', http(302, undefined), 'models'],
    ['captive portal', PORTAL, 'models'],
    ['a proxy\'s 502 page', http(502, '<html>Bad Gateway</html>'), 'models'],
    ['no /v1', NO_V1, 'models'],
    ['a 422 for the list of models', http(422, { error: { message: 'Unprocessable', type: null, code: null } }), 'models'],
    ["Google's refusal", http(400, { error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT', details: [{ reason: 'API_KEY_INVALID' }] } }), 'models'],
    ['a model the project may not use', http(403, { error: { message: 'Project `proj_abc` does not have access to model `gpt-4o-mini`', type: 'invalid_request_error', code: 'model_not_found' } }), 'billing'],
  ];

  it.each(FAILURES)('%s: no flag without a command that takes it; `verify` where one does; the flags themselves for verify, key and the wizard', (_name, failure, probe) => {
    const flagged = diagnose(failure, { ...request(), probe }).fix!;
    const none = diagnose(failure, { ...request({ verify: null }), probe }).fix!;
    const viaVerify = diagnose(failure, { ...request({ verify: VERIFY }), probe }).fix!;
    expect(none).not.toMatch(CHECK_FLAG);
    // Every flag named is in the verify command, as typed.
    expect(viaVerify.replaceAll(`\`${VERIFY} --timeout 60000\``, '').replaceAll(`\`${VERIFY} --model NAME\``, '')).not.toMatch(CHECK_FLAG);
    // The same advice otherwise: only how the base URL, the timeout and the model are named differs.
    const plain = (text: string) => text.replace(/--base-url(?: \/ | or )OPENAI_BASE_URL|--base-url|OPENAI_BASE_URL/g, 'BASE').replace(/(?:,? or raise --timeout|, or give it more time: `[^`]+`)?\.$/, '.').replace(/(?:, or check with another model \((?:--model|`[^`]+`)\))?\.$/, '.');
    expect(plain(none)).toBe(plain(flagged));
    expect(plain(viaVerify)).toBe(plain(flagged));
  });

  it('the timeout and the model: `verify` with the flag where a command checks the same key, else nothing', () => {
    expect(diagnose(TIMEOUT, request({ verify: VERIFY })).fix).toBe(`Check your connection (a firewall or proxy may be silently dropping it), or give it more time: \`${VERIFY} --timeout 60000\`.`);
    expect(diagnose(TIMEOUT, request({ verify: null })).fix).toBe('Check your connection (a firewall or proxy may be silently dropping it).');
    expect(diagnose(TIMEOUT, request()).fix).toBe('Check your connection (a firewall or proxy may be silently dropping it), or raise --timeout.');
    const forbidden = FAILURES.at(-1)![1];
    expect(diagnose(forbidden, { ...request({ verify: null }), probe: 'billing' }).fix).toBe("Allow gpt-4o-mini in the project's settings.");
  });

  it("the billing probe's warning: `verify --model` or nothing in its place", () => {
    const check = (noCheckFlags?: CheckRequest['noCheckFlags']) => {
      const checkRequest: CheckRequest = { key: 'sk-proj-x', baseURL: 'https://api.openai.com/v1', model: 'gpt-4o-mini', billingCheck: true, timeoutMs: 15_000, ...(noCheckFlags ? { noCheckFlags } : {}) };
      const models: ProbeOutcome = { ok: true, headers: { get: () => null }, modelIds: ['gpt-4o'] };
      const billing: ProbeOutcome = { ok: false, failure: { kind: 'http', status: 404, headers: null, body: { error: { message: 'The model `gpt-4o-mini` does not exist.', type: 'invalid_request_error', code: 'model_not_found' } }, requestId: null } };
      return verdict(checkRequest, null, models, billing, 15).warnings;
    };
    const said = 'Billing not checked: the test request to gpt-4o-mini failed (The model `gpt-4o-mini` does not exist.).';
    expect(check()).toEqual([`${said} Try another model with --model.`]);
    expect(check({ verify: VERIFY })).toEqual([`${said} Try another model with \`${VERIFY} --model NAME\`.`]);
    expect(check({ verify: null })).toEqual([said]);
  });
});

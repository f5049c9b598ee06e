// `openai-setup verify` through the built binary, against the local OpenAI-like server: the wiring
// of a few outcomes end to end (every answer's diagnosis is in test/unit/diagnosis.test.ts), every
// key source, --json parsed with the schema, network faults, proxies, and the full key never printed.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VerifyJsonSchema } from '../../src/commands/verify.js';
import { makeKey, startOpenAIServer, type FakeOpenAI, type Scenario } from '../helpers/openai-server.js';
import { startProxy } from '../helpers/proxy-server.js';
import { CLI, makeTestEnv, withTestEnv, type TestEnv } from '../helpers/env.js';
import { runCli, type RunResult } from '../helpers/run.js';
import { spawnCli } from '../helpers/pty.js';

let server: FakeOpenAI;
let testEnv: TestEnv;

// End to end only what proves the wiring, three rows: a working key (exit 0), one without credits
// (exit 4) and a captive portal's 200 page that is no API answer (exit 6), each in --json and as a
// person reads it; the wrong key (exit 3, masked) is its own test below. The diagnosis of every
// other answer is a row of the unit table, test/unit/diagnosis.test.ts; Google's 400, as an object
// or inside an array (probes.ts's client), is test/unit/verify-google.test.ts.
const SCENARIO_ROWS: Array<[Scenario, string, number, RegExp]> = [
  ['valid', 'valid', 0, /The key works and can spend/],
  ['no_credits', 'insufficient_quota', 4, /no credits/],
  ['captive_portal', 'network_error', 6, /answered HTTP 200 with a page that is not an OpenAI API answer/],
  // A bare-string error body ({"error": "…Missing scopes: api.model.read…"}): the SDK keeps the
  // string, probes.ts bounds it, and the diagnosis reads it as the API's (a usable key, a warning).
  ['restricted_no_models_bare', 'valid', 0, /The key works and can spend/],
];

const keyFor = (scenario: string) => makeKey('proj', `verify-${scenario}`);

beforeAll(async () => {
  server = await startOpenAIServer();
  for (const [scenario] of SCENARIO_ROWS) server.addKey(keyFor(scenario), scenario);
  server.addKey(keyFor('access_terminated'), 'access_terminated');
  server.addKey(keyFor('tier3'), { scenario: 'valid', tier: 3, organization: 'acme-corp', project: 'proj_acme123' });
  // Another organization that exists on the server: a header naming it is a mismatch, not "no such organization".
  server.addKey(keyFor('elsewhere'), { scenario: 'valid', organization: 'org-SomeoneElse123' });
  server.addKey(keyFor('rate_limited'), 'rate_limited');
  server.addKey(keyFor('list_rate_limited_no_credits'), { scenario: 'no_credits', models: 'rate_limited' });
  server.addKey(keyFor('list_server_error'), { scenario: 'valid', models: 'server_error' });
  testEnv = await makeTestEnv({ OPENAI_BASE_URL: server.baseURL });
});

afterAll(async () => {
  await server?.close();
  await testEnv?.cleanup();
});

function verify(args: string[], extra: Record<string, string | undefined> = {}, input?: string): Promise<RunResult> {
  const env = { ...testEnv.env };
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return runCli(['verify', ...args], { env, input });
}

function expectNoLeak(result: RunResult, key: string): void {
  expect(result.stdout).not.toContain(key);
  expect(result.stderr).not.toContain(key);
}

describe('verify outcomes', () => {
  it.each(SCENARIO_ROWS)('%s → %s, exit %i', async (scenario, status, exitCode, message) => {
    const key = keyFor(scenario);
    const json = await verify(['--key', key, '--json']);
    expect(json.code).toBe(exitCode);
    const parsed = VerifyJsonSchema.parse(JSON.parse(json.stdout));
    expect(parsed).toMatchObject({ status, exitCode, ok: exitCode === 0 });
    expect(parsed.message).toMatch(message);
    expect(parsed.key).toEqual({ source: 'flag', hint: `sk-proj-…${key.slice(-4)}`, kind: 'project' });
    expectNoLeak(json, key);

    const human = await verify(['--key', key]);
    expect(human.code).toBe(exitCode);
    expect(human.stdout).toMatch(message);
    expectNoLeak(human, key);
  });

  it('a banned account (429 access_terminated) is not "try again": the local server, not OpenAI, is named for it (OpenAI\'s help center for api.openai.com: the diagnosis table)', async () => {
    const result = await verify(['--key', keyFor('access_terminated')]);
    expect(result.code).toBe(5);
    expect(result.stdout).toMatch(/127\.0\.0\.1:\d+ has terminated this account's access for violating its usage policies; retrying will not help/);
    expect(result.stdout).toMatch(/Check the account owner's email from whoever runs 127\.0\.0\.1:\d+; OpenAI cannot help with an account there\./);
    expect(result.stdout).not.toMatch(/help\.openai\.com/);
    expect(result.stdout).not.toMatch(/The key works|went through/);
  });

  it('a captive portal answering 200 to both requests never passes for a working key', async () => {
    const result = await verify(['--key', keyFor('captive_portal')]);
    expect(result.code).toBe(6);
    expect(result.stdout).toMatch(/sign in to the network in a browser/);
    expect(result.stdout).not.toMatch(/The key works|went through|✔ Accepted/);
  });

  it('explains no credits with the fix, the billing URL, the other-organization hint and the request id', async () => {
    const result = await verify(['--key', keyFor('no_credits')]);
    expect(result.stdout).toContain('https://platform.openai.com/settings/organization/billing/overview');
    expect(result.stdout).toMatch(/another organization than the one you funded/);
    expect(result.stdout).toMatch(/Request ID: req_[0-9a-f]{32}/);
    expect(result.stdout).toMatch(/✔ Models +8 available/);
    expect(result.stdout).toMatch(/✖ Billing +cannot spend/);
  });

  it('reports organization, project, models and the likely tier of a working key', async () => {
    const result = await verify(['--key', keyFor('tier3'), '--json']);
    const parsed = VerifyJsonSchema.parse(JSON.parse(result.stdout));
    expect(parsed).toMatchObject({ organization: 'acme-corp', project: 'proj_acme123', models: 8, billing: 'ok', tier: '3', requestId: null, baseURL: server.baseURL });
    expect(parsed.notableModels).toContain('gpt-4o-mini');
  });

  it('a wrong key is invalid_key, exit 3, and the echoed key is masked', async () => {
    const key = makeKey('proj', 'never-registered');
    const result = await verify(['--key', key]);
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/wrong, revoked or deleted/);
    expect(result.stdout).toContain('https://platform.openai.com/api-keys');
    expectNoLeak(result, key);
  });

  it('after `use work`, the commands it prints for --profile default name default (bare, they would act on work)', async () => {
    const own = await makeTestEnv({ OPENAI_BASE_URL: server.baseURL });
    try {
      // "work" made by recording a stage of it (`use` refuses a name no profile has), then the default.
      expect((await runCli(['login', '--done', '--profile', 'work'], { env: own.env })).code).toBe(0);
      expect((await runCli(['use', 'work'], { env: own.env })).code).toBe(0);
      const key = makeKey('proj', 'never-registered');
      const wrong = await runCli(['verify', '--profile', 'default', '--key', key], { env: own.env });
      expect(wrong.code).toBe(3);
      // No keychain here: the `key` named keeps the key in the file (without --insecure-storage it would exit 7).
      expect(wrong.stdout.replace(/\s+/g, ' ')).toContain('store it (pipe the key in, in place of …) with `… | openai-setup key --profile default --stdin --insecure-storage`.');
      expectNoLeak(wrong, key);
      // No key stored for default (and no keychain here): the line that stores one stores into default.
      const none = await runCli(['verify', '--profile', 'default'], { env: own.env });
      expect(none.code).toBe(2);
      expect(none.stderr).toContain('(pipe the key in, in place of …):  … | openai-setup key --profile default --stdin --insecure-storage');
      // For work, which a bare command acts on now, no --profile is needed.
      const bare = await runCli(['verify', '--key', key], { env: own.env });
      expect(bare.code).toBe(3);
      expect(bare.stdout.replace(/\s+/g, ' ')).toContain('store it (pipe the key in, in place of …) with `… | openai-setup key --stdin --insecure-storage`.');
    } finally {
      await own.cleanup();
    }
  });

  it('--quiet prints nothing and still exits with the outcome; but for the line naming the server the key goes to, which is not OpenAI\'s', async () => {
    const result = await verify(['--key', keyFor('no_credits'), '--quiet']);
    expect(result).toMatchObject({ code: 4, stdout: '', stderr: `! The key is sent to ${new URL(server.baseURL).host} (from OPENAI_BASE_URL), not to the OpenAI API.\n` });
  });

  it('--no-billing-check sends nothing billable', async () => {
    const key = keyFor('no_credits');
    const before = server.requestsFor(key).length;
    const result = await verify(['--key', key, '--no-billing-check', '--json']);
    expect(result.code).toBe(0);
    expect(VerifyJsonSchema.parse(JSON.parse(result.stdout)).billing).toBe('unchecked');
    const sent = server.requestsFor(key).slice(before);
    expect(sent.map((r) => r.path)).toEqual(['/v1/models']);
  });

  it('--model changes the probe model and gpt-5 models get max_completion_tokens', async () => {
    const key = keyFor('valid');
    const before = server.requestsFor(key).length;
    const result = await verify(['--key', key, '--model', 'gpt-5-mini']);
    expect(result.code).toBe(0);
    const chat = server.requestsFor(key).slice(before).find((r) => r.path === '/v1/chat/completions');
    expect(chat?.body).toMatchObject({ model: 'gpt-5-mini', max_completion_tokens: 1 });
  });
});

describe('key sources', () => {
  it('reads --key - from standard input, cleaned', async () => {
    const key = keyFor('valid');
    const result = await verify(['--key', '-', '--json'], {}, `export OPENAI_API_KEY="${key}"\r\n`);
    expect(result.code).toBe(0);
    expect(VerifyJsonSchema.parse(JSON.parse(result.stdout)).key?.source).toBe('stdin');
  });

  it('a key typed on the command line of a terminal gets a warning naming --key -; a piped run does not', async () => {
    const key = keyFor('valid');
    const s = spawnCli(['verify', '--key', key], { env: testEnv.env });
    await s.waitFor('stays in your shell history and is visible in `ps`; prefer `--key -`');
    await s.waitFor('The key works and can spend');
    expect(await s.exited).toMatchObject({ exitCode: 0 });
    expect(s.rawOutput()).not.toContain(key);
    const piped = await verify(['--key', key]);
    expect(piped.stderr).not.toMatch(/shell history/);
  });

  it('uses OPENAI_API_KEY when no --key is given', async () => {
    const result = await verify(['--json'], { OPENAI_API_KEY: keyFor('no_credits') });
    expect(result.code).toBe(4);
    expect(VerifyJsonSchema.parse(JSON.parse(result.stdout)).key?.source).toBe('env');
  });

  it('OPENAI_API_KEY rejected: the fix sets it to a new key or unsets it (it is read before any stored key), never stores one while it is set', async () => {
    const key = makeKey('proj', 'never-registered-env');
    const result = await verify(['--json'], { OPENAI_API_KEY: key });
    expect(result.code).toBe(3);
    const { fix } = VerifyJsonSchema.parse(JSON.parse(result.stdout));
    expect(fix).toContain('store it in OPENAI_API_KEY, where this one came from (your shell or its startup file, a CI secret), which is read before any stored key.');
    expect(fix).toContain(' Or unset it (`unset OPENAI_API_KEY`) and store one (pipe the key in, in place of …) with `… | openai-setup key --stdin --insecure-storage`.');
    expectNoLeak(result, key);
  });

  it('OPENAI_API_KEY holding the key in quotes is judged as set (programs send the quotes): malformed_key, exit 3, nothing sent', async () => {
    const key = keyFor('valid');
    const before = server.requestsFor(key).length;
    const result = await verify(['--json'], { OPENAI_API_KEY: `"${key}"` });
    expect(result.code).toBe(3);
    const parsed = VerifyJsonSchema.parse(JSON.parse(result.stdout));
    expect(parsed).toMatchObject({ ok: false, status: 'malformed_key', exitCode: 3, key: { source: 'env' }, message: 'The key was not sent: it contains a quote, which an API key never has.' });
    expect(parsed.fix).toBe(`OPENAI_API_KEY holds the key sk-proj-…${key.slice(-4)}, but also quotes, which programs send as part of the key: set OPENAI_API_KEY to the key alone.`);
    expect(server.requestsFor(key).length).toBe(before);
    expectNoLeak(result, key);
  });

  it('--key wins over OPENAI_API_KEY', async () => {
    const result = await verify(['--key', keyFor('valid'), '--json'], { OPENAI_API_KEY: keyFor('no_credits') });
    expect(result.code).toBe(0);
  });

  it('uses the stored key last (here the --insecure-storage file) and warns that it is plain text', async () => {
    const own = await makeTestEnv({ OPENAI_BASE_URL: server.baseURL });
    try {
      const store = await runCli(['key', '--stdin', '--insecure-storage'], { env: own.env, input: keyFor('valid') });
      expect(store.code).toBe(0);
      const result = await runCli(['verify', '--json'], { env: own.env });
      expect(result.code).toBe(0);
      expect(VerifyJsonSchema.parse(JSON.parse(result.stdout)).key?.source).toBe('file');
      expect(result.stderr).toMatch(/plain-text file/);
    } finally {
      await own.cleanup();
    }
  });

  it('with no key anywhere: exit 2 naming every way to give one', async () => {
    const result = await verify([], { DBUS_SESSION_BUS_ADDRESS: undefined });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/No key to check/);
    expect(result.stderr).toMatch(/--key KEY/);
    expect(result.stderr).toMatch(/--key -/);
    expect(result.stderr).toMatch(/OPENAI_API_KEY/);
    expect(result.stderr).toMatch(/openai-setup key/);
    expect(result.stdout).toBe('');
  });

  it('rejects a malformed key locally, sending nothing', async () => {
    const before = server.requests.length;
    for (const bad of ['sk-proj-tooshort', 'hello world', 'sess-' + 'a'.repeat(50), `${keyFor('valid')}é`]) {
      const result = await verify(['--key', bad, '--json']);
      expect(result.code).toBe(3);
      expect(VerifyJsonSchema.parse(JSON.parse(result.stdout)).status).toBe('malformed_key');
    }
    const human = await verify(['--key', 'sk-proj-tooshort']);
    expect(human.code).toBe(3);
    expect(human.stdout).toMatch(/^✖ Key /m); // no tick for what is not a key
    expect(human.stdout).toMatch(/far too short \(16 of 164 characters\), as if cut off: copy it again\./);
    expect(server.requests.length).toBe(before);
  });

  it('a key cut off when copied is named so, and nothing is sent', async () => {
    const before = server.requests.length;
    const cut = keyFor('valid').slice(0, 100);
    const json = await verify(['--key', cut, '--json']);
    expect(json.code).toBe(3);
    const parsed = VerifyJsonSchema.parse(JSON.parse(json.stdout));
    expect(parsed).toMatchObject({ status: 'malformed_key', exitCode: 3, key: { kind: 'project' } });
    expect(parsed.message).toBe('The key was not sent: it looks cut off (100 of 164 characters): copy it again.');
    const human = await verify(['--key', cut]);
    expect(human.stdout).toMatch(/looks cut off \(100 of 164 characters\)/);
    // A huge key is refused the same way, never sent as a header (standard input stops at 4 KB
    // itself; an argument or variable can hold up to 128 KB).
    const huge = await verify(['--json'], { OPENAI_API_KEY: `sk-proj-${'A'.repeat(100_000)}` });
    expect(huge.code).toBe(3);
    expect(VerifyJsonSchema.parse(JSON.parse(huge.stdout)).message).toMatch(/^The key was not sent: it is 100008 characters long, and OpenAI keys are under 200/);
    expect(server.requests.length).toBe(before);
    expectNoLeak(json, cut);
  });

  it("another service's key (OpenRouter) is named before anything is sent to the OpenAI API", async () => {
    const proxy = await startProxy();
    try {
      const before = server.requests.length;
      const key = `sk-or-v1-${'0123456789abcdef'.repeat(4)}`;
      // Through a proxy that records every tunnel: the OpenAI API would be reached only through it.
      const result = await verify(['--key', key, '--base-url', 'https://api.openai.com/v1', '--json'], { HTTPS_PROXY: proxy.url, NO_PROXY: '' });
      expect(result.code).toBe(3);
      const parsed = VerifyJsonSchema.parse(JSON.parse(result.stdout));
      expect(parsed).toMatchObject({ status: 'malformed_key', key: { kind: 'unknown' } });
      expect(parsed.message).toBe('The key was not sent: it looks like an OpenRouter key, not an OpenAI key; to use it, set --base-url https://openrouter.ai/api/v1.');
      expect(proxy.targets).toEqual([]);
      expect(server.requests.length).toBe(before);
      expectNoLeak(result, key);
    } finally {
      await proxy.close();
    }
  });

  it('an admin key is refused locally with the key to make instead', async () => {
    const before = server.requests.length;
    const result = await verify(['--key', makeKey('admin', 'x')]);
    expect(result.code).toBe(5);
    expect(result.stdout).toMatch(/admin key/);
    expect(result.stdout).toMatch(/project secret key/);
    expect(server.requests.length).toBe(before);
  });

  it('names the key kinds', async () => {
    for (const [kind, name] of [['svcacct', 'service-account'], ['legacy', 'legacy'], ['none', 'user']] as const) {
      const key = makeKey(kind, 'kinds');
      server.addKey(key, 'valid');
      const result = await verify(['--key', key, '--json']);
      expect(VerifyJsonSchema.parse(JSON.parse(result.stdout)).key?.kind).toBe(name);
    }
  });

  it('an odd prefix only warns with a non-default base URL', async () => {
    const key = 'gsk_' + 'a'.repeat(60);
    server.addKey(key, 'valid');
    const result = await verify(['--key', key, '--json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/start with "sk-"/);
  });
});

describe('organization and project headers', () => {
  it('sends OPENAI_ORG_ID and OPENAI_PROJECT_ID as headers', async () => {
    const key = keyFor('tier3');
    const before = server.requestsFor(key).length;
    const result = await verify(['--key', key], { OPENAI_ORG_ID: 'acme-corp', OPENAI_PROJECT_ID: 'proj_acme123' });
    expect(result.code).toBe(0);
    for (const request of server.requestsFor(key).slice(before)) {
      expect(request.headers['openai-organization']).toBe('acme-corp');
      expect(request.headers['openai-project']).toBe('proj_acme123');
    }
  });

  it('a mismatched project names OPENAI_PROJECT_ID as the cause', async () => {
    const result = await verify(['--key', keyFor('tier3')], { OPENAI_PROJECT_ID: 'proj_other' });
    expect(result.code).toBe(5);
    expect(result.stdout).toMatch(/OpenAI-Project header \(proj_other\) does not match/);
    expect(result.stdout).toMatch(/OPENAI_PROJECT_ID is set/);
  });

  it('an OpenAI-Project line of OPENAI_CUSTOM_HEADERS (sent by the SDK) not the key\'s: mismatched_project names the variable, exit 5', async () => {
    const key = keyFor('tier3');
    const before = server.requestsFor(key).length;
    const result = await verify(['--key', key, '--json'], { OPENAI_CUSTOM_HEADERS: 'OpenAI-Project: proj_zzz\nX-Title: my app' });
    expect(result.code).toBe(5);
    const parsed = VerifyJsonSchema.parse(JSON.parse(result.stdout));
    expect(parsed).toMatchObject({ status: 'forbidden', reason: 'mismatched_project', message: "The OpenAI-Project header (proj_zzz) does not match the key's project." });
    expect(parsed.fix).toBe("It was sent because OPENAI_CUSTOM_HEADERS has an OpenAI-Project line: remove that line, or change it to the key's project.");
    const sent = server.requestsFor(key).slice(before);
    expect(sent.length).toBeGreaterThan(0);
    for (const request of sent) expect([request.headers['openai-project'], request.headers['x-title']]).toEqual(['proj_zzz', 'my app']);
  });

  it('an Authorization line of OPENAI_CUSTOM_HEADERS never replaces the key checked, nor is shown: the key works, exit 0, with a warning', async () => {
    const key = keyFor('tier3');
    const wrong = makeKey('proj', 'custom-headers-wrong');
    const before = server.requestsFor(key).length;
    const result = await verify(['--key', key], { OPENAI_CUSTOM_HEADERS: `Authorization: Bearer ${wrong}` });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/The key works and can spend/);
    expect(result.stderr).toContain('OPENAI_CUSTOM_HEADERS has an Authorization line: openai-setup sends the key it checks instead');
    expect(server.requestsFor(key).length).toBeGreaterThan(before);
    expect(server.requestsFor(wrong)).toEqual([]);
    expectNoLeak(result, wrong);
    expect(`${result.stdout}${result.stderr}`).not.toContain(`…${wrong.slice(-4)}`);
  });

  it('an OPENAI_CUSTOM_HEADERS the SDK cannot send is a usage error naming the variable and the line, its text not shown', async () => {
    const wrong = makeKey('proj', 'custom-headers-bad');
    const result = await verify(['--key', keyFor('tier3')], { OPENAI_CUSTOM_HEADERS: `X-Title: app\nBearer ${wrong}` + ' x: y' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^✖ OPENAI_CUSTOM_HEADERS: line 2 is not "Name: value"/m);
    expectNoLeak(result, wrong);
  });

  it('a mismatched organization (one that exists, not the key\'s) names OPENAI_ORG_ID as the cause', async () => {
    const result = await verify(['--key', keyFor('tier3'), '--json'], { OPENAI_ORG_ID: 'org-SomeoneElse123' });
    expect(result.code).toBe(5);
    const parsed = VerifyJsonSchema.parse(JSON.parse(result.stdout));
    expect(parsed.reason).toBe('mismatched_organization');
    expect(parsed.fix).toMatch(/OPENAI_ORG_ID/);
  });

  it('an organization that does not exist (401 invalid_organization "No such organization") names OPENAI_ORG_ID, exit 5', async () => {
    const result = await verify(['--key', keyFor('tier3'), '--json'], { OPENAI_ORG_ID: 'org-someoneelse' });
    expect(result.code).toBe(5);
    const parsed = VerifyJsonSchema.parse(JSON.parse(result.stdout));
    expect(parsed).toMatchObject({ status: 'forbidden', reason: 'invalid_organization', message: 'The organization org-someoneelse in the OpenAI-Organization header does not exist.' });
    expect(parsed.fix).toMatch(/^It was sent because OPENAI_ORG_ID is set: unset it/);
  });
});

describe('a rate-limited test request', () => {
  it('is usable (exit 0) but proves no billing: --json "billing" is "unchecked", and the checklist says not proven', async () => {
    const key = keyFor('rate_limited');
    const json = await verify(['--key', key, '--json']);
    expect(json.code).toBe(0);
    expect(VerifyJsonSchema.parse(JSON.parse(json.stdout))).toMatchObject({ status: 'rate_limited', ok: true, billing: 'unchecked' });
    const human = await verify(['--key', key]);
    expect(human.stdout).toContain('! Billing     not proven: the API is rate-limiting requests right now');
    expect(human.stdout).not.toContain('Watch what you spend');
  });
});

// The two requests judged together: a failure of the list of models alone (rate-limited, a server
// error) is a warning once the test request answered; what that answer said decides, for verify
// and the key stage alike. The other combinations are rows of test/unit/diagnosis.test.ts.
describe('the list of models failing while the test request answered', () => {
  it('list rate-limited, test request out of credits: exit 4 with the billing fix, never "nothing is wrong"; key --stdin stores it with the billing follow-up', async () => {
    const key = keyFor('list_rate_limited_no_credits');
    const json = await verify(['--key', key, '--json']);
    expect(json.code).toBe(4);
    expect(VerifyJsonSchema.parse(JSON.parse(json.stdout))).toMatchObject({
      status: 'insufficient_quota', ok: false, exitCode: 4, billing: 'no_quota', reason: 'credit_balance_exhausted',
      warnings: ["The list of models was not read (rate-limited, HTTP 429); the test request's answer decided."],
    });
    const human = await verify(['--key', key]);
    expect(human.code).toBe(4);
    expect(human.stdout).toMatch(/✔ Accepted {4}by the API\n✖ Billing {5}cannot spend\n! The list of models was not read/);
    expect(human.stdout).toMatch(/✖ The key works, but the organization has no credits/);
    expect(human.stdout).not.toMatch(/Nothing is wrong with the key|rate limit right now/);
    expectNoLeak(human, key);

    const own = await makeTestEnv({ OPENAI_BASE_URL: server.baseURL });
    try {
      const stored = await runCli(['key', '--stdin', '--insecure-storage'], { env: own.env, input: key });
      expect(stored.code).toBe(4);
      expect(stored.stdout + stored.stderr).toMatch(/The key is stored, but it cannot spend yet: add credits/);
      expectNoLeak(stored, key);
    } finally {
      await own.cleanup();
    }
  });

  it('list 500, test request 200: the key works (exit 0, billing ok), the list a warning; key --stdin stores it', async () => {
    const key = keyFor('list_server_error');
    const json = await verify(['--key', key, '--json']);
    expect(json.code).toBe(0);
    expect(VerifyJsonSchema.parse(JSON.parse(json.stdout))).toMatchObject({
      status: 'valid', ok: true, exitCode: 0, billing: 'ok', models: null,
      warnings: ["The list of models was not read (a server error, HTTP 500); the test request's answer decided."],
    });
    const human = await verify(['--key', key]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/✔ Accepted {4}organization /);
    expect(human.stdout).toMatch(/The key works and can spend/);
    expect(human.stdout).not.toMatch(/not known/);

    const own = await makeTestEnv({ OPENAI_BASE_URL: server.baseURL });
    try {
      const stored = await runCli(['key', '--stdin', '--insecure-storage'], { env: own.env, input: key });
      expect(stored.code, stored.stderr).toBe(0);
      expect(stored.stdout + stored.stderr).toMatch(/Stored sk-proj-…\S{4} in plain text/);
      expect(stored.stdout + stored.stderr).not.toMatch(/not stored/);
      expectNoLeak(stored, key);
    } finally {
      await own.cleanup();
    }
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function listenLocal(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

describe('network faults', () => {
  it('a refused port is network_error, exit 6', async () => {
    const port = await freePort();
    const result = await verify(['--key', keyFor('valid'), '--base-url', `http://127.0.0.1:${port}/v1`, '--json']);
    expect(result.code).toBe(6);
    const parsed = VerifyJsonSchema.parse(JSON.parse(result.stdout));
    expect(parsed).toMatchObject({ status: 'network_error', reason: 'ECONNREFUSED' });
    expect(parsed.message).toMatch(/refused/);
  });

  it('an unresolvable host is network_error naming DNS', async () => {
    const result = await verify(['--key', keyFor('valid'), '--base-url', 'http://no-such-host.invalid/v1']);
    expect(result.code).toBe(6);
    expect(result.stdout).toMatch(/Could not resolve no-such-host\.invalid/);
  });

  it('a server that never answers is a timeout, finished within the timeout plus a second', async () => {
    const key = makeKey('proj', 'hang');
    server.addKey(key, 'hang');
    const result = await verify(['--key', key, '--timeout', '800', '--json']);
    expect(result.code).toBe(6);
    expect(VerifyJsonSchema.parse(JSON.parse(result.stdout)).status).toBe('timeout');
    expect(result.durationMs).toBeLessThan(800 + 1000 + 1500); // + node start-up on a loaded 2-core box
  });

  it('a redirect (a captive portal, a proxy login page) is network_error naming its target, which never gets the key', async () => {
    const portalSeen: IncomingHttpHeaders[] = [];
    const portal = createHttpServer((req, res) => {
      portalSeen.push(req.headers);
      res.end('<h1>Sign in to the Wi-Fi</h1>');
    });
    const portalPort = await listenLocal(portal);
    const redirecting = await startOpenAIServer({ redirect: { location: `http://127.0.0.1:${portalPort}/login?continue=api` } });
    try {
      const key = keyFor('valid');
      const result = await verify(['--key', key, '--base-url', redirecting.baseURL, '--json']);
      expect(result.code).toBe(6);
      const parsed = VerifyJsonSchema.parse(JSON.parse(result.stdout));
      expect(parsed).toMatchObject({ status: 'network_error', reason: 'http_302', exitCode: 6 });
      expect(parsed.message).toContain(`redirect (HTTP 302) to 127.0.0.1:${portalPort}`);
      expect(portalSeen).toEqual([]);
      expectNoLeak(result, key);
    } finally {
      portal.closeAllConnections();
      portal.close();
      await redirecting.close();
    }
  });

  it('a redirect to a host made of the key: verify, --json, status and the state file hold no piece of it in any case', async () => {
    // A key whose first characters after the prefix are lower case (two keys in three): the URL
    // parser lower-cases a host, which left the key's opening as it was and the masking fooled.
    let key = '';
    for (let i = 0; !/^sk-svcacct-[a-z0-9]{6}[A-Z]/.test(key); i++) key = makeKey('svcacct', `verify-redirect-${i}`);
    const redirecting = await startOpenAIServer({ redirect: { location: (request) => `http://${request.key}.example/` } });
    const { port } = redirecting;
    try {
      await withTestEnv({ OPENAI_API_KEY: key, OPENAI_BASE_URL: redirecting.baseURL }, async (t) => {
        const shown = await runCli(['verify'], { env: t.env });
        const json = await runCli(['verify', '--json'], { env: t.env });
        const status = await runCli(['status'], { env: t.env });
        expect([shown.code, json.code, status.code]).toEqual([6, 6, 0]);
        const stored = readFileSync(join(t.configDir, 'state.json'), 'utf8');
        const pieces = (text: string) => [...Array(key.length - 11).keys()].map((i) => key.slice(i, i + 12).toLowerCase()).filter((piece) => text.toLowerCase().includes(piece));
        for (const text of [shown.stdout, shown.stderr, json.stdout, json.stderr, status.stdout, status.stderr, stored]) expect(pieces(text)).toEqual([]);
        const target = `127.0.0.1:${port} answered with a redirect (HTTP 302) to <the key>.example instead of an API answer; the key was not sent there, though the address holds it.`;
        expect(shown.stdout).toContain(`✖ ${target}`);
        expect(VerifyJsonSchema.parse(JSON.parse(json.stdout)).message).toBe(target);
        expect(status.stdout).toMatch(/Last check .*: could not reach the API — 127\.0\.0\.1:\d+ answered with a redirect \(HTTP 302\) to <the key>\.example instead/);
        expect(JSON.parse(stored).profiles.default.lastVerify.message).toBe(target);
      });
    } finally {
      await redirecting.close();
    }
  });

  it('a bad --timeout or --base-url is a usage error naming the flag', async () => {
    const timeout = await verify(['--key', keyFor('valid'), '--timeout', 'soon']);
    expect(timeout.code).toBe(2);
    expect(timeout.stderr).toMatch(/--timeout/);
    const base = await verify(['--key', keyFor('valid'), '--base-url', 'ftp://x']);
    expect(base.code).toBe(2);
    expect(base.stderr).toMatch(/--base-url: must be an http:\/\/ or https:\/\/ URL/);
    expect(base.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});

describe('a gateway that drops the Authorization header', () => {
  // A forwarder in front of the server that deletes the header: the server then answers 401 "You
  // didn't provide an API key". The key was sent: nothing is learnt about it, and no new key is asked for.
  let forwarder: Server;
  let gatewayURL: string;
  beforeAll(async () => {
    const target = new URL(server.baseURL);
    forwarder = createHttpServer((req, res) => {
      const { authorization: _dropped, ...headers } = req.headers;
      const upstream = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...headers, host: target.host } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    gatewayURL = `http://127.0.0.1:${await listenLocal(forwarder)}/v1`;
  });
  afterAll(() => {
    forwarder?.closeAllConnections();
    forwarder?.close();
  });

  it('verify: network_error key_not_received, exit 6, naming the server in between, never a new key', async () => {
    const key = keyFor('valid');
    const json = await verify(['--key', key, '--base-url', gatewayURL, '--json']);
    expect(json.code).toBe(6);
    const parsed = VerifyJsonSchema.parse(JSON.parse(json.stdout));
    const host = new URL(gatewayURL).host;
    expect(parsed).toMatchObject({ status: 'network_error', reason: 'key_not_received', exitCode: 6, ok: false, fixUrl: null });
    expect(parsed.message).toBe(`The key was sent to ${host}, but the answer says no key reached the API: something in between removed the Authorization header, so the key itself was not checked.`);
    expect(parsed.fix).toMatch(new RegExp(`^The server at ${host.replace(/\./g, '\\.')} \\(the --base-url / OPENAI_BASE_URL you set\\) may be a gateway or proxy that removes it`));
    const human = await verify(['--key', key, '--base-url', gatewayURL]);
    expect(human.code).toBe(6);
    expect(human.stdout).toMatch(/^○ Accepted +not known: no answer about the key came$/m);
    expect(human.stdout).not.toMatch(/Create a new secret key|Accepted +no\b/);
    expectNoLeak(human, key);
  });

  it('key --stdin: the right key is not called rejected (exit 6, not 3)', async () => {
    const key = keyFor('valid');
    await withTestEnv({}, async (t) => {
      const result = await runCli(['key', '--stdin', '--insecure-storage', '--base-url', gatewayURL], { env: t.env, input: `${key}\n` });
      expect(result.code).toBe(6);
      expect(result.stdout).toMatch(/no key reached the API/);
      expect(`${result.stdout}${result.stderr}`).not.toMatch(/Create a new secret key|rejected/);
      expectNoLeak(result, key);
    });
  });
});

describe('proxy', () => {
  it('honours HTTP_PROXY for API calls', async () => {
    const proxy = await startProxy();
    try {
      const result = await verify(['--key', keyFor('valid'), '--json'], { HTTP_PROXY: proxy.url, NO_PROXY: '' });
      expect(result.code).toBe(0);
      expect(proxy.targets).toContain(`127.0.0.1:${server.port}`);
    } finally {
      await proxy.close();
    }
  });

  it('a proxy login in the URL is sent to the proxy, and its password is never printed, even with DEBUG=* (the debug log of the tool and of the debug package)', async () => {
    const proxy = await startProxy();
    try {
      const withLogin = proxy.url.replace('http://', 'http://me:s3cret%21@');
      const result = await verify(['--key', keyFor('valid')], { HTTPS_PROXY: withLogin, HTTP_PROXY: withLogin, NO_PROXY: '', DEBUG: '*' });
      expect(result.code, result.stderr).toBe(0);
      expect(proxy.targets).toContain(`127.0.0.1:${server.port}`);
      expect(proxy.logins).toContain(`Basic ${Buffer.from('me:s3cret!').toString('base64')}`);
      expect(result.stdout + result.stderr).not.toMatch(/s3cret/);
      expect(result.stdout + result.stderr).not.toContain(Buffer.from('me:s3cret!').toString('base64'));
    } finally {
      await proxy.close();
    }
  });

  it('a login in --base-url never reaches the debug log (DEBUG=openai-setup logs every request URL)', async () => {
    for (const login of ["me:pa%40ss-w0rd", "me:pa'ss@w0rd"]) {
      const withLogin = server.baseURL.replace('http://', `http://${login}@`);
      const result = await verify(['--key', keyFor('valid'), '--base-url', withLogin], { DEBUG: 'openai-setup' });
      expect(result.code, result.stderr).toBe(0);
      // The SDK's own lines are there, with the URL it called, login taken out.
      expect(result.stderr).toContain(`get ${server.baseURL}/models succeeded with status 200`);
      expect(result.stderr).toContain(`"url":"${server.baseURL}/models"`);
      expect(result.stdout + result.stderr).not.toMatch(/pa%40ss|pa@ss|pa'ss|w0rd|me:/);
    }
  });

  it('NO_PROXY bypasses the proxy', async () => {
    const proxy = await startProxy();
    try {
      const result = await verify(['--key', keyFor('valid')], { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
      expect(result.code).toBe(0);
      expect(proxy.targets).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('NO_PROXY exempts an IPv6 base URL in every form curl and undici take: bare, bracketed, with its port, in a list', async () => {
    const proxy = await startProxy();
    const v6 = await startOpenAIServer({ host: '::1' });
    try {
      v6.addKey(keyFor('valid'), 'valid');
      const target = `[::1]:${v6.port}`;
      // Without NO_PROXY the request goes through the proxy: the runs below test the exemption, not a proxy left unused.
      const proxied = await verify(['--key', keyFor('valid'), '--base-url', v6.baseURL], { HTTP_PROXY: proxy.url, NO_PROXY: '' });
      expect(proxied.code, proxied.stderr).toBe(0);
      expect(proxy.targets).toEqual([target, target]);
      proxy.targets.length = 0;
      for (const noProxy of ['::1', '[::1]', target, 'localhost,127.0.0.1,::1']) {
        const result = await verify(['--key', keyFor('valid'), '--base-url', v6.baseURL], { HTTP_PROXY: proxy.url, NO_PROXY: noProxy });
        expect(result.code, `NO_PROXY=${noProxy}: ${result.stderr}`).toBe(0);
        expect(proxy.targets, `NO_PROXY=${noProxy}`).toEqual([]);
      }
      expect(v6.requestsFor(keyFor('valid'))).toHaveLength(10);
    } finally {
      await v6.close();
      await proxy.close();
    }
  });

  it('a proxy that refuses the tunnel is named as refusing it, at once, not as a timeout', async () => {
    const proxy = await startProxy();
    try {
      // The test proxy refuses any target off this machine (403 to CONNECT api.openai.com:443).
      const started = Date.now();
      const result = await verify(['--key', keyFor('valid'), '--json', '--base-url', 'https://api.openai.com/v1', '--timeout', '10000'], { HTTPS_PROXY: proxy.url, NO_PROXY: '' });
      expect(result.code, result.stderr).toBe(6);
      const json = VerifyJsonSchema.parse(JSON.parse(result.stdout));
      expect(json.status).toBe('network_error');
      expect(json.message).toMatch(new RegExp(`proxy ${proxy.url.replace(/[.]/g, '\\.')}.*refused.*403`));
      expect(Date.now() - started).toBeLessThan(8000);
    } finally {
      await proxy.close();
    }
  });

  it('a proxy value that is not a URL is one usage line naming the variable, never its password', async () => {
    const result = await verify(['--key', keyFor('valid')], { HTTPS_PROXY: 'user:s3cret@proxy.example:3128', NO_PROXY: '' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^✖ HTTPS_PROXY is not an http:\/\/ or https:\/\/ URL/);
    expect(result.stderr).not.toContain('s3cret');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('a dead proxy is a network error that names the proxy', async () => {
    const port = await freePort();
    const result = await verify(['--key', keyFor('valid')], { HTTP_PROXY: `http://127.0.0.1:${port}`, NO_PROXY: '' });
    expect(result.code).toBe(6);
    expect(result.stdout).toMatch(/proxy/);
  });
});

describe('what came, or did not, named as it is', () => {
  it('a key with a line break inside (OPENAI_API_KEY) is "a line break", not "spaces"; an escape is a control character', async () => {
    const key = keyFor('valid');
    const wrapped = await verify([], { OPENAI_API_KEY: `${key.slice(0, 80)}\n${key.slice(80)}` });
    expect(wrapped.code).toBe(3);
    expect(wrapped.stdout).toContain('✖ The key was not sent: it contains a line break, which an API key never has.');
    expect(wrapped.stdout).not.toMatch(/spaces/);
    const escaped = await verify(['--json'], { OPENAI_API_KEY: `${key.slice(0, 80)}\x1b${key.slice(80)}` });
    expect(escaped.code).toBe(3);
    expect(VerifyJsonSchema.parse(JSON.parse(escaped.stdout)).message).toBe('The key was not sent: it contains a control character (U+001B), which an API key never has.');
  });

  it('--key - with empty standard input: no key given, exit 2, one JSON document with --json', async () => {
    const before = server.requests.length;
    const human = await verify(['--key', '-'], {}, '');
    expect(human.code).toBe(2);
    expect(human.stderr).toBe("✖ No key came on standard input: it was empty.\n  OPENAI_API_KEY is not in this shell's environment (not set, or not exported), so `printenv OPENAI_API_KEY` gives nothing to pipe.\n  Pipe the key itself into:  openai-setup verify --key -\n");
    expect(human.stdout).toBe('');

    const json = await verify(['--key', '-', '--json'], {}, '\n\n');
    expect(json.code).toBe(2);
    expect(VerifyJsonSchema.parse(JSON.parse(json.stdout))).toMatchObject({ ok: false, status: 'error', exitCode: 2, reason: 'usage', key: null, message: 'No key came on standard input: it was empty.' });
    expect(json.stderr).toMatch(/^✖ No key came on standard input/);
    expect(server.requests.length).toBe(before);
  });

  it('--json with no key anywhere: the usage error as a JSON document too', async () => {
    const result = await verify(['--json'], { DBUS_SESSION_BUS_ADDRESS: undefined });
    expect(result.code).toBe(2);
    const parsed = VerifyJsonSchema.parse(JSON.parse(result.stdout));
    expect(parsed).toMatchObject({ ok: false, status: 'error', exitCode: 2, reason: 'usage', key: null, message: 'No key to check for profile "default".' });
    expect(parsed.fix).toMatch(/--key -/);
  });

  it('--key - on a pipe that never sends anything: after 10 s, advice naming verify --key -, not key --stdin', async () => {
    const child = spawn(process.execPath, [CLI, 'verify', '--key', '-'], { env: testEnv.env, cwd: testEnv.home, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearTimeout(timer);
    child.stdin.destroy();
    expect(code, stderr).toBe(2);
    expect(stderr).toMatch(/^✖ Nothing came on standard input within 10 s/);
    expect(stderr).toContain('Pipe the key itself into:  openai-setup verify --key -\n');
    expect(stderr).not.toMatch(/key --stdin/);
  });
});

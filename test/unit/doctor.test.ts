// `openai-setup doctor`: each check printed with what to do, the live check of the key a program
// would use, and one exit code for the whole.
import { afterEach, describe, expect, it } from 'vitest';
import type { Reachability } from '../../src/api/types.js';
import { DoctorJsonSchema, proxyCheck, run as doctor } from '../../src/commands/doctor.js';
import { checkResult, makeTestContext, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';

const KEY = testKey('A');
const ENV_KEY = testKey('E');
const ANSWERS: Reachability = { reached: true, status: 401, json: true, ms: 42 };
const UNREACHABLE: Reachability = { reached: false, code: 'ENOTFOUND', detail: 'getaddrinfo ENOTFOUND api.openai.com' };

let t: TestContext;
afterEach(() => t?.cleanup());

function context(options: TestContextOptions = {}): TestContext {
  t = makeTestContext(options);
  return t;
}

/** KEY stored in the keychain for profile default and recorded, as `key` leaves it (unrecorded, doctor would record it). */
async function storedAndRecorded(): Promise<void> {
  context({ keychain: { default: KEY } });
  await t.ctx.state.updateProfile('default', (p) => {
    p.key = { storage: 'keychain', hint: 'sk-proj-…000A', savedAt: '2026-01-01T00:00:00.000Z' };
  });
}

/** The printed line of one check (its title starts the line after the mark). */
function line(title: string): string {
  const found = t.stdout.split('\n').find((l) => l.slice(2).startsWith(title));
  if (!found) throw new Error(`No "${title}" line in:\n${t.stdout}`);
  return found;
}

describe('doctor', () => {
  it('with a stored key that works: every check passes, the stored key is checked live, exit 0', async () => {
    await storedAndRecorded();
    t.api.answerReach(ANSWERS).answerChecks(checkResult('valid'));

    expect(await doctor(t.ctx, { json: false })).toBe(0);

    expect(line('Node.js')).toBe('✔ Node.js             v20.19.0 (20 or newer is needed)');
    expect(line('Keychain')).toBe('✔ Keychain            the Secret Service keyring answers');
    expect(line('Stored key')).toBe('✔ Stored key          sk-proj-…000A in the Secret Service keyring (profile default)');
    expect(line('API reachable')).toBe('✔ API reachable       https://api.openai.com/v1 answered (HTTP 401 without a key, 42 ms)');
    expect(t.api.reaches).toEqual([{ baseURL: 'https://api.openai.com/v1', timeoutMs: 10_000 }]);
    expect(t.api.checkedKeys).toEqual([KEY]);
    expect(t.stdout).toContain('✔ Everything needed works. Watch what you spend: https://platform.openai.com/usage');
    expect((await t.profile())?.lastVerify).toMatchObject({ status: 'valid', keySource: 'the keychain (profile default)' });
    expect(t.stdout).not.toContain(KEY);
    t.assertScriptsUsed();
  });

  it('with no key anywhere: says how to store one, skips the live check, exit 2', async () => {
    context();
    t.api.answerReach(ANSWERS);

    expect(await doctor(t.ctx, { json: false })).toBe(2);

    expect(line('Stored key')).toBe('✖ Stored key          none for profile default');
    expect(t.stdout).toContain('  → Store one (it asks for the key, hidden):  openai-setup key\n');
    expect(line('Live check')).toBe('○ Live check          no key to check');
    expect(t.api.checks).toEqual([]);
    expect(t.stdout).toContain('✖ 1 problem: see the ✖ lines above and what to do.');
    t.assertScriptsUsed();
  });

  it('when the API cannot be reached: no live check, the network exit code 6', async () => {
    context({ keychain: { default: KEY } });
    t.api.answerReach(UNREACHABLE);

    expect(await doctor(t.ctx, { json: false })).toBe(6);

    expect(line('API reachable')).toBe('✖ API reachable       Could not resolve api.openai.com (DNS lookup failed)');
    // No OPENAI_BASE_URL set: none named.
    expect(t.stdout).toContain('  → Check your internet connection and DNS.\n');
    expect(t.stdout).not.toContain('OPENAI_BASE_URL');
    expect(line('Live check')).toContain('not run for sk-proj-…000A');
    expect(t.api.checks).toEqual([]);
    t.assertScriptsUsed();
  });

  it('a 404 for /models (a base URL without /v1) is no ✔: the base URL looks wrong, and the live check still runs', async () => {
    context({ keychain: { default: KEY } });
    t.api.answerReach({ reached: true, status: 404, json: true, ms: 42 }).answerChecks(checkResult('network_error'));

    expect(await doctor(t.ctx, { json: false })).toBe(6);

    expect(line('API reachable')).toBe('! API reachable       The base URL https://api.openai.com/v1 looks wrong: api.openai.com answered HTTP 404 to the list of models');
    expect(t.stdout).toContain('  → Check the base URL (OPENAI_BASE_URL): OpenAI-compatible APIs end in /v1, like https://api.openai.com/v1.\n');
    expect(t.api.checkedKeys).toEqual([KEY]);
    t.assertScriptsUsed();
  });

  it("a failed live check decides the exit code (no credits → 4) and prints the check's fix", async () => {
    context({ keychain: { default: KEY } });
    t.api.answerReach(ANSWERS).answerChecks(checkResult('insufficient_quota'));

    expect(await doctor(t.ctx, { json: false })).toBe(4);

    expect(t.stdout).toContain('✖ Billing     cannot spend');
    expect(t.stdout).toContain('  Add credits on the billing overview, then check again.');
    expect((await t.profile())?.lastVerify?.status).toBe('insufficient_quota');
    t.assertScriptsUsed();
  });

  it('a locked keychain with no key anywhere fails with the key-store exit code 7', async () => {
    context();
    t.keychain.failWith('locked');
    t.api.answerReach(ANSWERS);

    expect(await doctor(t.ctx, { json: false })).toBe(7);

    expect(line('Keychain')).toBe('✖ Keychain            The Secret Service keyring is locked and could not be unlocked from here.');
    // How to unlock it comes first; a plain-text file is not offered for a keychain that can be fixed.
    expect(t.stdout).toContain('→ Unlock it: log in to your desktop session');
    expect(t.stdout).not.toContain('--insecure-storage');
    t.assertScriptsUsed();
  });

  it('with no keychain service at all, the plain-text file is what it offers', async () => {
    context();
    t.keychain.failWith('no-service');
    t.api.answerReach(ANSWERS);
    expect(await doctor(t.ctx, { json: false })).toBe(7);
    // The command last on its line, as it is copied: nothing after it.
    expect(t.stdout).toContain('→ Set OPENAI_API_KEY yourself, or keep the key in a file only you can read (it asks for the key, hidden):  openai-setup key --insecure-storage\n');
  });

  it('checks OPENAI_API_KEY, not the stored key, and warns that they differ', async () => {
    context({ keychain: { default: KEY }, env: { OPENAI_API_KEY: ENV_KEY, OPENAI_PROJECT_ID: 'proj_elsewhere' } });
    t.api.answerReach(ANSWERS).answerChecks(checkResult('valid'));

    expect(await doctor(t.ctx, { json: false })).toBe(0);

    expect(line('OPENAI_API_KEY')).toBe('! OPENAI_API_KEY      sk-proj-…000E differs from the stored key sk-proj-…000A: programs use OPENAI_API_KEY');
    expect(line('OPENAI_PROJECT_ID')).toContain('proj_elsewhere: sent as OpenAI-Project with every request');
    expect(t.api.checkedKeys).toEqual([ENV_KEY]);
    // The project header the shell sets goes with the live check, named by its source.
    expect(t.api.checks[0]?.project).toEqual({ value: 'proj_elsewhere', from: 'OPENAI_PROJECT_ID' });
    t.assertScriptsUsed();
  });

  it('fails on a Node.js older than 20', async () => {
    context({ nodeVersion: 'v18.19.1', keychain: { default: KEY } });
    t.api.answerReach(ANSWERS).answerChecks(checkResult('valid'));
    expect(await doctor(t.ctx, { json: false })).toBe(1);
    expect(line('Node.js')).toContain('v18.19.1 is too old');
    t.assertScriptsUsed();
  });

  it('the live check decides the exit code even when an earlier check failed too', async () => {
    context({ nodeVersion: 'v18.19.1', keychain: { default: KEY } });
    t.api.answerReach(ANSWERS).answerChecks(checkResult('insufficient_quota'));
    expect(await doctor(t.ctx, { json: false })).toBe(4);
    expect(t.stdout).toContain('✖ 2 problems: see the ✖ lines above and what to do.');
    t.assertScriptsUsed();
  });

  it('--json prints only the JSON document, with the same verdict', async () => {
    await storedAndRecorded();
    t.api.answerReach(ANSWERS).answerChecks(checkResult('invalid_key'));

    expect(await doctor(t.ctx, { json: true })).toBe(3);

    const json = DoctorJsonSchema.parse(JSON.parse(t.stdout));
    expect(json).toMatchObject({ ok: false, exitCode: 3, profile: 'default', verify: { status: 'invalid_key', key: { hint: 'sk-proj-…000A', source: 'keychain' } } });
    expect(json.checks.map((c) => [c.id, c.status])).toEqual([
      ['node', 'ok'],
      ['keychain', 'ok'],
      ['stored-key', 'ok'],
      ['OPENAI_API_KEY', 'info'],
      ['proxy', 'info'],
      ['api', 'ok'],
      ['verify', 'fail'],
    ]);
    expect(t.stdout).not.toContain(KEY);
    t.assertScriptsUsed();
  });
});

describe('doctor: why the API is reached without a proxy', () => {
  it.each([
    [{}, 'https://api.openai.com/v1', 'none: direct connection'],
    [{ NO_PROXY: 'localhost' }, 'https://api.openai.com/v1', 'none (NO_PROXY=localhost has no effect without one)'],
    [{ HTTPS_PROXY: 'http://proxy:3128' }, 'http://127.0.0.1:8080/v1', 'direct connection (HTTPS_PROXY is for https:// URLs, and HTTP_PROXY is not set for this http:// one)'],
    [{ HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: 'api.openai.com' }, 'https://api.openai.com/v1', 'direct connection (NO_PROXY=api.openai.com exempts api.openai.com)'],
    [{ HTTP_PROXY: 'http://proxy:3128', NO_PROXY: '127.0.0.1' }, 'http://127.0.0.1:8080/v1', 'direct connection (NO_PROXY=127.0.0.1 exempts 127.0.0.1:8080)'],
  ])('%j, %s: %s', (env, baseURL, detail) => {
    expect(proxyCheck(env, baseURL)).toMatchObject({ status: 'info', detail });
  });

  it('a proxy that applies is named, without its password', () => {
    expect(proxyCheck({ HTTP_PROXY: 'http://me:secret@proxy:3128', NO_PROXY: 'localhost' }, 'http://127.0.0.1:8080/v1')).toMatchObject({ detail: 'API calls go through http://proxy:3128; NO_PROXY=localhost' });
  });
});

describe('doctor on a narrow terminal', () => {
  it('a fix that ends in a command keeps the command on one line', async () => {
    t = makeTestContext({ columns: 70, env: { OPENAI_BASE_URL: 'https://llm.example.com/v1' } });
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 });
    await doctor(t.ctx, { json: false });
    expect(t.stdout).toContain('otherwise:\n    unset OPENAI_BASE_URL\n');
  });
});

describe("doctor with OPENAI_BASE_URL at one of OpenAI's data-residency hosts", () => {
  it('eu.api.openai.com is the OpenAI API: no "not to the OpenAI API" warning; a look-alike still gets it', async () => {
    t = makeTestContext({ env: { OPENAI_BASE_URL: 'https://eu.api.openai.com/v1' } });
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 });
    await doctor(t.ctx, { json: false });
    expect(t.stdout).not.toContain('not to the OpenAI API');
    t.cleanup();
    t = makeTestContext({ env: { OPENAI_BASE_URL: 'https://api.openai.com.evil.example/v1' } });
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 });
    await doctor(t.ctx, { json: false });
    expect(t.stdout).toContain('https://api.openai.com.evil.example/v1: programs talk to this server, not to the OpenAI API');
  });
});

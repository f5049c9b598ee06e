// The commands `key` prints to store another key carry the options of the run that printed them
// (--insecure-storage, --profile, --base-url): through the built binary with no keyring (no D-Bus
// session), the command printed, then pasted into bash as printed, stores the key.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { makeKey, startOpenAIServer, type FakeOpenAI } from '../helpers/openai-server.js';
import { runCli, runCommand } from '../helpers/run.js';

let server: FakeOpenAI;
let t: TestEnv;
const GOOD = makeKey('proj', 'e2e-key-advice-good');
const WRONG = makeKey('proj', 'e2e-key-advice-wrong');
const ADMIN = makeKey('admin', 'e2e-key-advice-admin');

beforeAll(async () => {
  server = await startOpenAIServer();
  server.addKey(GOOD, 'valid');
  server.admin.addAdminKey(ADMIN);
  server.admin.addProject({ id: 'proj_E2eKeyAdvice00000000000' });
});
afterAll(async () => {
  await server?.close();
});
afterEach(async () => {
  await t?.cleanup();
});

/** The key stored for `profile` in the --insecure-storage file. */
function storedInFile(profile: string): string | undefined {
  return (JSON.parse(readFileSync(join(t.configDir, 'credentials.json'), 'utf8')) as { keys: Record<string, string> }).keys[profile];
}

describe('key --stdin --insecure-storage, no keyring: a rejected key', () => {
  it('names the pipe with --insecure-storage, --profile and --base-url; that, as printed, stores the next key', async () => {
    t = await makeTestEnv({ DBUS_SESSION_BUS_ADDRESS: undefined });
    const failed = await runCli(['key', '--stdin', '--insecure-storage', '--profile', 'work', '--base-url', server.baseURL], { env: t.env, input: `${WRONG}\n` });
    expect(failed.code, failed.stderr).toBe(3);
    const out = (failed.stdout + failed.stderr).replace(/\s+/g, ' ');
    const command = /store it \(pipe the key in, in place of …\) with `(… \| [^`]+)`/.exec(out)?.[1];
    expect(command, out).toBe(`… | openai-setup key --profile work --stdin --insecure-storage --base-url ${server.baseURL}`);

    // As a person follows it: their own source of the key in place of "…".
    const followed = await runCommand('bash', ['-c', command!.replace('…', `printf '%s\\n' '${GOOD}'`)], { env: t.env });
    expect(followed.stderr).not.toContain('No Secret Service keyring');
    expect(followed.code, followed.stderr).toBe(0);
    expect(storedInFile('work')).toBe(GOOD);
    expect(failed.stdout + failed.stderr + followed.stdout + followed.stderr).not.toContain(GOOD);
  });
});

describe('key --stdin --insecure-storage, no keyring: a check that could not finish', () => {
  it('names this run with --no-verify; that, as printed, stores the key unchecked', async () => {
    t = await makeTestEnv({ DBUS_SESSION_BUS_ADDRESS: undefined });
    // Nothing listens there: the connection is refused at once.
    const nowhere = 'http://127.0.0.1:1/v1';
    const failed = await runCli(['key', '--stdin', '--insecure-storage', '--profile', 'work', '--base-url', nowhere], { env: t.env, input: `${GOOD}\n` });
    expect(failed.code, failed.stderr).toBe(6);
    const command = /To store it without the live check \(pipe the key in again, as you did, in place of …\): {2}(… \| .+)$/m.exec(failed.stderr)?.[1];
    expect(command, failed.stderr).toBe(`… | openai-setup key --profile work --stdin --insecure-storage --base-url ${nowhere} --no-verify`);

    const followed = await runCommand('bash', ['-c', command!.replace('…', `printf '%s\\n' '${GOOD}'`)], { env: t.env });
    expect(followed.code, followed.stderr).toBe(0);
    expect(storedInFile('work')).toBe(GOOD);
  });
});

describe('the wizard without a terminal, no keyring: the key kept in the --insecure-storage file is rejected', () => {
  it("its check's fix names --insecure-storage, --profile and --base-url; that, as printed, stores the next key", async () => {
    t = await makeTestEnv({ DBUS_SESSION_BUS_ADDRESS: undefined });
    const kept = await runCli(['key', '--stdin', '--insecure-storage', '--no-verify', '--profile', 'work'], { env: t.env, input: `${WRONG}\n` });
    expect(kept.code, kept.stderr).toBe(0);
    // Run as a later session would: without --insecure-storage, the key found where it is kept.
    const failed = await runCli(['--profile', 'work', '--base-url', server.baseURL], { env: t.env });
    expect(failed.code, failed.stderr).toBe(3);
    const out = (failed.stdout + failed.stderr).replace(/\s+/g, ' ');
    const command = /store it \(pipe the key in, in place of …\) with `(… \| [^`]+)`/.exec(out)?.[1];
    expect(command, out).toBe(`… | openai-setup key --profile work --stdin --insecure-storage --base-url ${server.baseURL}`);

    const followed = await runCommand('bash', ['-c', command!.replace('…', `printf '%s\\n' '${GOOD}'`)], { env: t.env });
    expect(followed.code, followed.stderr).toBe(0);
    expect(storedInFile('work')).toBe(GOOD);
  });
});

describe('admin-key --stdin --insecure-storage --no-verify, no keyring: nothing piped', () => {
  it('names the pipe with both options; that, as printed, stores the admin key', async () => {
    t = await makeTestEnv({ DBUS_SESSION_BUS_ADDRESS: undefined, OPENAI_BASE_URL: server.baseURL });
    const failed = await runCli(['admin-key', '--stdin', '--insecure-storage', '--no-verify', '--profile', 'work'], { env: t.env, input: '' });
    expect(failed.code, failed.stderr).toBe(2);
    const command = /Pipe the key itself into: {2}(.+)$/m.exec(failed.stderr)?.[1];
    expect(command, failed.stderr).toBe('openai-setup admin-key --stdin --insecure-storage --no-verify --profile work');

    const followed = await runCommand('bash', ['-c', `printf '%s\\n' '${ADMIN}' | ${command}`], { env: t.env });
    expect(followed.code, followed.stderr).toBe(0);
    expect(storedInFile('work:admin')).toBe(ADMIN);
  });
});

describe('rotate with no key stored, no keyring: the admin key kept in the file', () => {
  it('names the pipe into the --insecure-storage file; that, as printed, stores the key', async () => {
    t = await makeTestEnv({ DBUS_SESSION_BUS_ADDRESS: undefined, OPENAI_BASE_URL: server.baseURL });
    const admin = await runCli(['admin-key', '--stdin', '--insecure-storage', '--profile', 'work'], { env: t.env, input: `${ADMIN}\n` });
    expect(admin.code, admin.stderr).toBe(0);
    const failed = await runCli(['rotate', '--yes', '--profile', 'work'], { env: t.env });
    expect(failed.code, failed.stderr).toBe(2);
    const command = /or store a key first \(pipe the key in, in place of …\): {2}(… \| .+)$/m.exec(failed.stderr)?.[1];
    expect(command, failed.stderr).toBe('… | openai-setup key --profile work --stdin --insecure-storage');

    const followed = await runCommand('bash', ['-c', command!.replace('…', `printf '%s\\n' '${GOOD}'`)], { env: t.env });
    expect(followed.code, followed.stderr).toBe(0);
    expect(storedInFile('work')).toBe(GOOD);
  });
});

describe('spend with a rejected OPENAI_ADMIN_KEY, no keyring', () => {
  it('names the pipe into the --insecure-storage file for --profile; that, as printed, stores the admin key', async () => {
    const revoked = makeKey('admin', 'e2e-key-advice-revoked');
    t = await makeTestEnv({ DBUS_SESSION_BUS_ADDRESS: undefined, OPENAI_BASE_URL: server.baseURL, OPENAI_ADMIN_KEY: revoked });
    const failed = await runCli(['spend', '--profile', 'work'], { env: t.env });
    expect(failed.code, failed.stderr).toBe(3);
    const command = /to store one \(pipe the key in, in place of …\): {2}(… \| .+)$/m.exec(failed.stderr)?.[1];
    expect(command, failed.stderr).toBe('… | openai-setup admin-key --stdin --insecure-storage --profile work');

    const followed = await runCommand('bash', ['-c', command!.replace('…', `printf '%s\\n' '${ADMIN}'`)], { env: t.env });
    expect(followed.code, followed.stderr).toBe(0);
    expect(storedInFile('work:admin')).toBe(ADMIN);
  });
});

describe('verify and doctor with a rejected OPENAI_API_KEY, no keyring', () => {
  it.each([['verify'], ['doctor']])('%s names the pipe into the --insecure-storage file for --profile; that, as printed, stores the next key', async (command) => {
    t = await makeTestEnv({ DBUS_SESSION_BUS_ADDRESS: undefined, OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: WRONG });
    const failed = await runCli([command, '--profile', 'work'], { env: t.env });
    expect(failed.code, failed.stderr).toBe(3);
    const out = (failed.stdout + failed.stderr).replace(/\s+/g, ' ');
    // The variable is read first: the fix is to set it, or to unset it and store one (none is stored).
    const unset = /Or unset it \(`([^`]+)`\) and store one/.exec(out)?.[1];
    expect(unset, out).toBe('unset OPENAI_API_KEY');
    const printed = /store one \(pipe the key in, in place of …\) with `(… \| [^`]+)`/.exec(out)?.[1];
    // Without --insecure-storage, `key` refused it here (exit 7: no keychain to store into).
    expect(printed, out).toBe('… | openai-setup key --profile work --stdin --insecure-storage');

    const followed = await runCommand('bash', ['-c', `${unset}; ${printed!.replace('…', `printf '%s\\n' '${GOOD}'`)}`], { env: t.env });
    expect(followed.code, followed.stderr).toBe(0);
    expect(storedInFile('work')).toBe(GOOD);
  });
});

describe('key --stdin with nothing piped, no keyring', () => {
  it('names the pipe with --insecure-storage; that, as printed, stores the key', async () => {
    t = await makeTestEnv({ DBUS_SESSION_BUS_ADDRESS: undefined, OPENAI_BASE_URL: server.baseURL });
    const failed = await runCli(['key', '--stdin', '--profile', 'work'], { env: t.env, input: '' });
    expect(failed.code, failed.stderr).toBe(2);
    const command = /Pipe the key itself into: {2}(.+)$/m.exec(failed.stderr)?.[1];
    expect(command, failed.stderr).toBe('openai-setup key --profile work --stdin --insecure-storage');

    const followed = await runCommand('bash', ['-c', `printf '%s\\n' '${GOOD}' | ${command}`], { env: t.env });
    expect(followed.code, followed.stderr).toBe(0);
    expect(storedInFile('work')).toBe(GOOD);
  });
});

describe('spend with OPENAI_ADMIN_KEY holding the admin key twice', () => {
  it('sends nothing, and says to set the variable to the key alone; so set, spend works', async () => {
    t = await makeTestEnv({ DBUS_SESSION_BUS_ADDRESS: undefined, OPENAI_BASE_URL: server.baseURL, OPENAI_ADMIN_KEY: `${ADMIN}${ADMIN}` });
    const before = server.requests.length;
    const failed = await runCli(['spend', '--profile', 'work'], { env: t.env });
    expect(failed.code, failed.stderr).toBe(3);
    expect(failed.stderr).toMatch(/^✖ OPENAI_ADMIN_KEY was not sent: it is \d+ characters long/m);
    expect(failed.stderr).toContain('OPENAI_ADMIN_KEY holds the key sk-admin-…');
    expect(failed.stderr).toContain('but also a second copy of it, which programs send as part of the key: set OPENAI_ADMIN_KEY to the key alone.');
    expect(failed.stderr).not.toContain('rejected');
    expect(server.requests.length).toBe(before);

    const alone = await runCli(['spend', '--profile', 'work'], { env: { ...t.env, OPENAI_ADMIN_KEY: ADMIN } });
    expect(alone.code, alone.stderr).toBe(0);
  });
});

// The built binary's advice after a failed live check in commands that take none of the check's
// flags (--base-url, --timeout, --model): rotate and import name OPENAI_BASE_URL, every option the
// advice names is one the command takes, and the advice followed as printed (run by bash) works.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ImportFailureJsonSchema } from '../../src/commands/import.js';
import { RotateJsonSchema } from '../../src/commands/rotate.js';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { startPrivateKeyring, type PrivateKeyring } from '../helpers/keyring.js';
import { makeKey, startOpenAIServer, type FakeOpenAI } from '../helpers/openai-server.js';
import { runCli, runCommand } from '../helpers/run.js';

let server: FakeOpenAI;
let keyring: PrivateKeyring;
const ADMIN = makeKey('admin', 'e2e-check-flags-admin');
const PROJECT = 'proj_E2eCheckFlags0000000000';
const KEY = makeKey('proj', 'e2e-check-flags-import');
const OLD = makeKey('proj', 'e2e-check-flags-old');
const envs: TestEnv[] = [];

beforeAll(async () => {
  [server, keyring] = await Promise.all([startOpenAIServer(), startPrivateKeyring()]);
  server.admin.addAdminKey(ADMIN);
  server.admin.addProject({ id: PROJECT });
  server.addKey(KEY, 'valid');
  server.addKey(OLD, { scenario: 'valid', project: PROJECT });
});
afterAll(async () => {
  await Promise.all([server?.close(), keyring?.stop()]);
});
afterEach(async () => {
  for (const t of envs.splice(0)) await t.cleanup();
});

async function machine(extra: Record<string, string> = {}): Promise<TestEnv> {
  const t = await makeTestEnv({ OPENAI_BASE_URL: server.baseURL, ...keyring.env, ...extra });
  envs.push(t);
  return t;
}

/** The options `command --help` lists. */
async function optionsOf(command: string, env: Record<string, string>): Promise<Set<string>> {
  const help = await runCli([command, '--help'], { env });
  expect(help.code).toBe(0);
  return new Set(help.stdout.match(/--[a-z][a-z-]*/g));
}

/** Every option the advice names is one the command takes (commander refuses any other). */
async function expectOnlyOptionsOf(command: string, advice: string, env: Record<string, string>): Promise<void> {
  const named = advice.match(/--[a-z][a-z-]*/g) ?? [];
  const taken = await optionsOf(command, env);
  expect(named.filter((option) => !taken.has(option)), advice).toEqual([]);
}

function expectNoKey(text: string): void {
  for (const key of [ADMIN, KEY, OLD]) expect(text).not.toContain(key);
}

describe('import --store', () => {
  it('a base URL without /v1: the fix names OPENAI_BASE_URL and the URL meant, and that, followed as printed, stores the key', async () => {
    const wrong = server.baseURL.replace(/\/v1$/, '');
    const t = await machine({ OPENAI_BASE_URL: wrong });
    const file = join(t.home, '.bashrc');
    writeFileSync(file, `export OPENAI_API_KEY=${KEY}\n`);

    const failed = await runCli(['import', '--store', `${file}:1`, '--yes', '--profile', 'imp'], { env: t.env });
    expect(failed.code, failed.stderr).toBe(6);
    const fix = failed.stderr.split('\n').find((line) => line.includes('Check the base URL'))!;
    expect(fix.trim()).toBe(`Check the base URL (OPENAI_BASE_URL): OpenAI-compatible APIs end in /v1, like https://api.openai.com/v1. Did you mean ${server.baseURL}?`);
    await expectOnlyOptionsOf('import', failed.stderr, t.env);
    expect(await keyring.lookup('openai-setup', 'imp')).toBeNull();

    const json = await runCli(['import', '--store', `${file}:1`, '--yes', '--profile', 'imp', '--json'], { env: t.env });
    expect(ImportFailureJsonSchema.parse(JSON.parse(json.stdout))).toMatchObject({ ok: false, exitCode: 6, fix: fix.trim() });

    // The advice as a person follows it: the variable set to the URL it names, the same command again.
    const meant = /Did you mean (\S+)\?$/.exec(fix)![1]!;
    const followed = await runCommand('bash', ['-c', `OPENAI_BASE_URL='${meant}' openai-setup import --store '${file}:1' --yes --profile imp`], { env: t.env });
    expect(followed.stderr).not.toMatch(/unknown option|error:/);
    // Stored (the line itself stays without --rewrite: exit 8, a plaintext copy is left).
    expect(followed.code, followed.stderr).toBe(8);
    expect(await keyring.lookup('openai-setup', 'imp')).toBe(KEY);
    expectNoKey(failed.stdout + failed.stderr + json.stdout + json.stderr + followed.stdout + followed.stderr);
  });
});

describe('rotate', () => {
  it("a new key answered by a page that is not the API's: the fix names OPENAI_BASE_URL (rotate takes no --base-url), in text and in --json", async () => {
    const t = await machine({ OPENAI_ADMIN_KEY: ADMIN });
    expect((await runCli(['key', '--stdin', '--profile', 'rot'], { env: t.env, input: OLD })).code).toBe(0);
    server.admin.toggles.newServiceAccountKey = 'captive_portal';
    try {
      const text = await runCli(['rotate', '--yes', '--profile', 'rot'], { env: t.env });
      expect(text.code, text.stderr).toBe(6);
      const fix = 'A network sign-in page (captive portal), a proxy or another server answered instead: sign in to the network in a browser, or check your proxy or network, and the OPENAI_BASE_URL.';
      expect(text.stderr).toContain(`\n  ${fix}\n`);
      expect(text.stderr).toMatch(/✖ The new key failed its check: .* Nothing was stored\./);
      await expectOnlyOptionsOf('rotate', text.stderr, t.env);

      const json = await runCli(['rotate', '--yes', '--json', '--profile', 'rot'], { env: t.env });
      expect(json.code).toBe(6);
      expect(RotateJsonSchema.parse(JSON.parse(json.stdout))).toMatchObject({ ok: false, reason: 'new_key_check_failed', fix });
      await expectOnlyOptionsOf('rotate', json.stdout + json.stderr, t.env);
      expectNoKey(text.stdout + text.stderr + json.stdout + json.stderr);
    } finally {
      server.admin.toggles.newServiceAccountKey = 'valid';
    }
    expect(await keyring.lookup('openai-setup', 'rot')).toBe(OLD);
    expect(server.admin.serviceAccounts(PROJECT)).toEqual([]);
  });
});

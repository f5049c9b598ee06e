// "Beyond setup, part 2" through the built binary: admin-key, rotate and spend against the local
// server's Admin API, with the keys in a real (private) Secret Service read back with secret-tool.
// Our own output never holds a whole key.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { startPrivateKeyring, type PrivateKeyring } from '../helpers/keyring.js';
import { makeKey, startOpenAIServer, type FakeOpenAI } from '../helpers/openai-server.js';
import { spawnCli, type PtySession } from '../helpers/pty.js';
import { runCli } from '../helpers/run.js';

let server: FakeOpenAI;
let keyring: PrivateKeyring;
const ADMIN = makeKey('admin', 'e2e-admin');
const PROJECT = 'proj_E2eAdmin0000000000000000';
const KEYS: string[] = [ADMIN];

const envs: TestEnv[] = [];
let session: PtySession | undefined;

beforeAll(async () => {
  [server, keyring] = await Promise.all([startOpenAIServer(), startPrivateKeyring()]);
  server.admin.addAdminKey(ADMIN);
  server.admin.addProject({ id: PROJECT, name: 'openai-setup' });
});
afterAll(async () => {
  await Promise.all([server?.close(), keyring?.stop()]);
});
afterEach(async () => {
  session?.kill();
  session = undefined;
  for (const t of envs.splice(0)) await t.cleanup();
});

async function machine(extra: Record<string, string | undefined> = {}): Promise<TestEnv> {
  const t = await makeTestEnv({ OPENAI_BASE_URL: server.baseURL, ...keyring.env, ...extra });
  envs.push(t);
  return t;
}

/** A project key of PROJECT the server knows (a fresh one each time). */
let keyCount = 0;
function projectKey(scenario: 'valid' | 'no_credits' = 'valid', project = PROJECT): string {
  const key = makeKey('proj', `e2e-admin-${keyCount++}`);
  server.addKey(key, { scenario, project });
  KEYS.push(key);
  return key;
}

function expectNoKey(result: { stdout: string; stderr: string } | string): void {
  const text = typeof result === 'string' ? result : result.stdout + result.stderr;
  for (const key of KEYS) expect(text).not.toContain(key);
  expect(text).not.toMatch(/sk-[A-Za-z0-9_-]{20,}/);
}

describe('admin-key', () => {
  it('stores a piped admin key in its own keychain entry, checked with GET /organization/projects?limit=1', async () => {
    const t = await machine();
    const before = server.requestsFor(ADMIN).length;
    const result = await runCli(['admin-key', '--stdin', '--profile', 'ak1'], { env: t.env, input: `${ADMIN}\n` });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/✔ Admin key sk-admin-…\S{4} works: it can list the organization's projects/);
    expect(result.stdout).toContain('account "ak1:admin"');
    expect(await keyring.lookup('openai-setup', 'ak1:admin')).toBe(ADMIN);
    expect(await keyring.lookup('openai-setup', 'ak1')).toBeNull();
    const sent = server.requestsFor(ADMIN).slice(before);
    expect(sent.map((r) => `${r.method} ${r.path}${r.query}`)).toEqual(['GET /v1/organization/projects?limit=1']);
    expect(sent[0]!.headers['user-agent']).toMatch(/^OpenAI\/JS /);
    const state = JSON.parse(readFileSync(join(t.configDir, 'state.json'), 'utf8'));
    expect(state.profiles.ak1.adminKey).toMatchObject({ storage: 'keychain', hint: `sk-admin-…${ADMIN.slice(-4)}` });
    expectNoKey(result);

    const removed = await runCli(['logout', '--admin', '--yes', '--profile', 'ak1'], { env: t.env });
    expect(removed.code).toBe(0);
    expect(await keyring.lookup('openai-setup', 'ak1:admin')).toBeNull();
  });

  it('a project key as the admin key: "this needs an admin key", in either body shape; nothing stored', async () => {
    const t = await machine();
    const key = projectKey();
    for (const errorShape of ['nested', 'string'] as const) {
      server.admin.toggles.errorShape = errorShape;
      try {
        const result = await runCli(['admin-key', '--stdin', '--profile', 'ak2'], { env: t.env, input: key });
        expect(result.code).toBe(5);
        expect(result.stderr).toMatch(/✖ This needs an admin key: sk-proj-…\S{4} is a project key, which cannot manage the organization/);
        expect(result.stderr.split('\n').filter((l) => l.startsWith('✖'))).toHaveLength(1);
        expectNoKey(result);
      } finally {
        server.admin.toggles.errorShape = 'nested';
      }
    }
    expect(await keyring.lookup('openai-setup', 'ak2:admin')).toBeNull();
  });

  it('on a terminal: the admin keys page, then a hidden prompt; without one, exit 2 naming --stdin', async () => {
    const t = await machine();
    session = spawnCli(['admin-key', '--profile', 'ak3'], { env: t.env });
    await session.waitFor('Paste the admin key (input is hidden):');
    expect(session.output()).toContain('https://platform.openai.com/settings/organization/admin-keys');
    session.type(ADMIN);
    session.press('enter');
    await session.waitFor(/Stored it in the Secret Service keyring/);
    expect((await session.exited).exitCode).toBe(0);
    expect(session.output()).not.toContain(ADMIN);
    expect(await keyring.lookup('openai-setup', 'ak3:admin')).toBe(ADMIN);

    const piped = await runCli(['admin-key', '--profile', 'ak4'], { env: t.env });
    expect(piped.code).toBe(2);
    expect(piped.stderr).toMatch(/admin-key --stdin/);
  });
});

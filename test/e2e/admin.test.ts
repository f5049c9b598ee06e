// "Beyond setup, part 2" through the built binary: admin-key, rotate and spend against the local
// server's Admin API, with the keys in a real (private) Secret Service read back with secret-tool.
// Our own output never holds a whole key.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdminKeyJsonSchema } from '../../src/commands/admin-key.js';
import { RotateJsonSchema } from '../../src/commands/rotate.js';
import { SpendFailureJsonSchema, SpendJsonSchema } from '../../src/commands/spend.js';
import { CLI, filesContaining, type TestEnv } from '../helpers/env.js';
import { makeKey } from '../helpers/openai-server.js';
import { runCli } from '../helpers/run.js';
import { useServerAndKeyring } from '../helpers/server-and-keyring.js';
import { until } from '../helpers/until.js';

const ADMIN = makeKey('admin', 'e2e-admin');
const PROJECT = 'proj_E2eAdmin0000000000000000';
const KEYS: string[] = [ADMIN];

const { server, keyring, machine, spawnCli } = useServerAndKeyring((openai) => {
  openai.admin.addAdminKey(ADMIN);
  openai.admin.addProject({ id: PROJECT, name: 'openai-setup' });
});

/** A project key of PROJECT the server knows (a fresh one each time). */
let keyCount = 0;
function projectKey(scenario: 'valid' | 'no_credits' = 'valid', project = PROJECT): string {
  const key = makeKey('proj', `e2e-admin-${keyCount++}`);
  server().addKey(key, { scenario, project });
  KEYS.push(key);
  return key;
}

function expectNoKey(result: { stdout: string; stderr: string } | string): void {
  const text = typeof result === 'string' ? result : result.stdout + result.stderr;
  for (const key of KEYS) expect(text).not.toContain(key);
  expect(text).not.toMatch(/sk-[A-Za-z0-9_-]{20,}/);
}

describe('admin-key', () => {
  it("stores a piped admin key in its own keychain entry, checked with GET /organization/projects?limit=1 and today's costs", async () => {
    const t = await machine();
    const before = server().requestsFor(ADMIN).length;
    const result = await runCli(['admin-key', '--stdin', '--profile', 'ak1'], { env: t.env, input: `${ADMIN}\n` });
    expect(result.code, result.stderr).toBe(0);
    // The test server is not OpenAI's: the line says where the key works.
    expect(result.stdout).toMatch(/✔ Admin key sk-admin-…\S{4} works \(at 127\.0\.0\.1:\d+, not the OpenAI API\): it can list the organization's projects .* and read its costs\.\n/);
    expect(result.stdout).toContain('account "ak1:admin").\n');
    // Profile ak1 has no key: nothing to be "next to".
    expect(result.stdout).not.toContain('next to the key');
    // What rotate writes with (api.management.write) no check shows without changing the organization: said, not promised.
    expect(result.stdout).toContain(
      '`openai-setup spend --profile ak1` uses it from now on; `openai-setup rotate --profile ak1` uses it too, but also needs api.management.write, which is checked when it runs; `openai-setup logout --admin --profile ak1` removes it.',
    );
    expect(await keyring().lookup('openai-setup', 'ak1:admin')).toBe(ADMIN);
    expect(await keyring().lookup('openai-setup', 'ak1')).toBeNull();
    const sent = server().requestsFor(ADMIN).slice(before);
    // Today's costs (from 00:00 UTC), one bucket.
    expect(sent.map((r) => `${r.method} ${r.path}${r.query}`)).toEqual(['GET /v1/organization/projects?limit=1', expect.stringMatching(/^GET \/v1\/organization\/costs\?start_time=\d+00&bucket_width=1d&limit=1$/)]);
    expect(sent[0]!.headers['user-agent']).toMatch(/^OpenAI\/JS /);
    const state = JSON.parse(readFileSync(join(t.configDir, 'state.json'), 'utf8'));
    expect(state.profiles.ak1.adminKey).toMatchObject({ storage: 'keychain', hint: `sk-admin-…${ADMIN.slice(-4)}` });
    expectNoKey(result);

    const removed = await runCli(['logout', '--admin', '--yes', '--profile', 'ak1'], { env: t.env });
    expect(removed.code).toBe(0);
    expect(await keyring().lookup('openai-setup', 'ak1:admin')).toBeNull();
  });

  it('a project key as the admin key: refused without sending it (exit 5), nothing stored', async () => {
    const t = await machine();
    const key = projectKey();
    const result = await runCli(['admin-key', '--stdin', '--profile', 'ak2'], { env: t.env, input: key });
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/✖ This needs an admin key: sk-proj-…\S{4} is a project key\. It was not sent, and nothing was stored\./);
    expect(result.stderr.split('\n').filter((l) => l.startsWith('✖'))).toHaveLength(1);
    expect(server().requestsFor(key)).toEqual([]);
    expect(await keyring().lookup('openai-setup', 'ak2:admin')).toBeNull();
    expectNoKey(result);
  });

  it('a project key in OPENAI_ADMIN_KEY (sent, as the SDKs would): "this needs an admin key", in either body shape', async () => {
    const t = await machine();
    const key = projectKey();
    for (const errorShape of ['nested', 'string'] as const) {
      server().admin.toggles.errorShape = errorShape;
      try {
        const result = await runCli(['spend', '--profile', 'ak2'], { env: { ...t.env, OPENAI_ADMIN_KEY: key } });
        expect(result.code).toBe(5);
        expect(result.stderr).toMatch(/✖ This needs an admin key: sk-proj-…\S{4} is a project key, which cannot manage the organization/);
        expect(result.stderr.split('\n').filter((l) => l.startsWith('✖'))).toHaveLength(1);
        expectNoKey(result);
      } finally {
        server().admin.toggles.errorShape = 'nested';
      }
    }
  });

  it('the 2026 short "Missing scopes" (no full stop, code missing_scope) as a 401: a project key needs an admin key, exit 5, not "revoked"', async () => {
    const t = await machine();
    const key = projectKey();
    Object.assign(server().admin.toggles, { missingScopeForm: 'short', missingScopeStatus: 401 });
    try {
      // Sent only from OPENAI_ADMIN_KEY: admin-key refuses a project key before sending it.
      const result = await runCli(['spend', '--profile', 'x'], { env: { ...t.env, OPENAI_ADMIN_KEY: key } });
      expect(result.code).toBe(5);
      expect(result.stderr).toMatch(/✖ This needs an admin key: sk-proj-…\S{4} is a project key, which cannot manage the organization \(the API says: missing api\.usage\.read\)\./);
      expect(result.stderr).not.toMatch(/revoked/);
      expectNoKey(result);

      // A stored admin key without api.usage.read, told the same way: spend names the permission.
      const noCosts = makeKey('admin', 'e2e-no-costs');
      KEYS.push(noCosts);
      server().admin.addAdminKey(noCosts, { scopes: ['api.management.read', 'api.management.write'] });
      expect((await runCli(['admin-key', '--stdin', '--profile', 'x'], { env: t.env, input: noCosts })).code).toBe(0);
      const spend = await runCli(['spend', '--profile', 'x'], { env: t.env });
      expect(spend.code).toBe(5);
      expect(spend.stderr).toMatch(/✖ The admin key sk-admin-…\S{4} lacks the permission api\.usage\.read, needed for reading the organization's costs\./);
      expectNoKey(spend);
    } finally {
      Object.assign(server().admin.toggles, { missingScopeForm: 'long', missingScopeStatus: 403 });
    }
  });

  it('an admin key with no permission: --json names both it lacks in missingScopes, as its message does (exit 5, nothing stored)', async () => {
    const t = await machine();
    const none = makeKey('admin', 'e2e-no-scopes');
    KEYS.push(none);
    server().admin.addAdminKey(none, { scopes: [] });
    const result = await runCli(['admin-key', '--stdin', '--profile', 'n', '--json'], { env: t.env, input: `${none}\n` });
    expect(result.code).toBe(5);
    const printed = AdminKeyJsonSchema.parse(JSON.parse(result.stdout));
    expect(printed).toMatchObject({ ok: false, reason: 'missing_scope', storage: null, missingScopes: ['api.management.read', 'api.usage.read'] });
    expect(printed.message).toContain('lacks the permissions api.management.read and api.usage.read');
    expect(await keyring().lookup('openai-setup', 'n:admin')).toBeNull();
    expectNoKey(result);
  });

  it('an admin key that may only read usage is stored (exit 0), saying spend works and what rotate needs; spend then works with it', async () => {
    const t = await machine();
    const usageOnly = makeKey('admin', 'e2e-usage-read-only');
    KEYS.push(usageOnly);
    server().admin.addAdminKey(usageOnly, { scopes: ['api.usage.read'] });
    const result = await runCli(['admin-key', '--stdin', '--profile', 'u'], { env: t.env, input: usageOnly });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/✔ Admin key sk-admin-…\S{4} works for spend \(at 127\.0\.0\.1:\d+, not the OpenAI API\): it can read the organization's costs\./);
    expect(result.stderr).toMatch(/! It lacks the permission api\.management\.read: rotate cannot use it \(rotate needs api\.management\.read and api\.management\.write\)/);
    expect(result.stdout).toContain('`openai-setup spend --profile u` uses it from now on');
    expect(await keyring().lookup('openai-setup', 'u:admin')).toBe(usageOnly);
    expectNoKey(result);

    const spend = await runCli(['spend', '--profile', 'u'], { env: t.env });
    expect(spend.code, spend.stderr).toBe(0);
    expect(spend.stdout).toMatch(/^Month to date/m);
    expectNoKey(spend);

    // rotate, with a key to rotate, names the permission it lacks; nothing changes.
    const old = projectKey();
    expect((await runCli(['key', '--stdin', '--profile', 'u'], { env: t.env, input: old })).code).toBe(0);
    const rotate = await runCli(['rotate', '--yes', '--profile', 'u'], { env: t.env });
    expect(rotate.code).toBe(5);
    expect(rotate.stderr).toMatch(/✖ The admin key sk-admin-…\S{4} lacks the permission api\.management\.read, needed for listing the service accounts of proj_\w+: rotate cannot use it \(rotate needs api\.management\.read and api\.management\.write\)\. Nothing was changed/);
    expect(await keyring().lookup('openai-setup', 'u')).toBe(old);
    expectNoKey(rotate);
  });

  it('on a terminal: the admin keys page, then a hidden prompt; without one, exit 2 naming --stdin', async () => {
    const t = await machine();
    const session = spawnCli(['admin-key', '--profile', 'ak3'], { env: t.env });
    await session.waitFor('Paste the admin key (input is hidden):');
    expect(session.output()).toContain('https://platform.openai.com/settings/organization/admin-keys');
    session.type(ADMIN);
    session.press('enter');
    await session.waitFor(/Stored it in the Secret Service keyring/);
    expect((await session.exited).exitCode).toBe(0);
    expect(session.output()).not.toContain(ADMIN);
    expect(await keyring().lookup('openai-setup', 'ak3:admin')).toBe(ADMIN);

    const piped = await runCli(['admin-key', '--profile', 'ak4'], { env: t.env });
    expect(piped.code).toBe(2);
    expect(piped.stderr).toMatch(/admin-key --stdin/);
  });

  it('on a terminal over a stored admin key: asked first, Enter keeps it; piped, the old one is named as still working until revoked', async () => {
    const t = await machine();
    const other = makeKey('admin', 'e2e-admin-replacing');
    KEYS.push(other);
    server().admin.addAdminKey(other);
    expect((await runCli(['admin-key', '--stdin', '--profile', 'ak5r'], { env: t.env, input: ADMIN })).code).toBe(0);
    const session = spawnCli(['admin-key', '--profile', 'ak5r'], { env: t.env });
    await session.waitFor(/An admin key is stored for profile "ak5r" \(sk-admin-…\S{4}\)\. Replace it\?/);
    session.press('enter');
    await session.waitFor(/Kept the admin key sk-admin-…\S{4}; nothing was changed\./);
    expect((await session.exited).exitCode).toBe(0);
    expect(await keyring().lookup('openai-setup', 'ak5r:admin')).toBe(ADMIN);

    const replaced = await runCli(['admin-key', '--stdin', '--profile', 'ak5r', '--json'], { env: t.env, input: other });
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stderr).toContain(`! This replaces the admin key sk-admin-…${ADMIN.slice(-4)} of profile "ak5r". That key still works until you revoke it on the admin keys page: https://platform.openai.com/settings/organization/admin-keys`);
    expect(AdminKeyJsonSchema.parse(JSON.parse(replaced.stdout)).replaced).toBe(`sk-admin-…${ADMIN.slice(-4)}`);
    expect(await keyring().lookup('openai-setup', 'ak5r:admin')).toBe(other);
    expectNoKey(replaced);
  });
});

describe('spend', () => {
  const SPEND_ADMIN = makeKey('admin', 'e2e-spend');
  const now = new Date();
  const month = now.toISOString().slice(0, 7);
  beforeAll(() => {
    KEYS.push(SPEND_ADMIN);
    server().admin.addAdminKey(SPEND_ADMIN);
    server().admin.addProject({ id: 'proj_E2eSpendApp000000000000', name: 'my-app' });
    // Two costs this month (the 1st and today, UTC), and one last month that must not count.
    server().admin.addCost({ day: `${month}-01`, projectId: 'proj_E2eSpendApp000000000000', amount: 4.5 });
    server().admin.addCost({ day: now.toISOString().slice(0, 10), projectId: PROJECT, amount: 1.25 });
    server().admin.addCost({ day: Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1) / 1000 - 86400, projectId: PROJECT, amount: 100 });
  });

  it('the month to date by project and day; a budget remembered; exit 4 once the month has reached it', async () => {
    const t = await machine({ OPENAI_ADMIN_KEY: SPEND_ADMIN });
    const first = await runCli(['spend', '--budget', '50'], { env: t.env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^Month to date {2}\$5\.75 /m);
    expect(first.stdout).toMatch(/^ {2}my-app +\$4\.50$/m);
    expect(first.stdout).toMatch(/^ {2}openai-setup +\$1\.25$/m);
    expect(first.stdout).toMatch(/^Budget {9}\$50\.00 {2}\[/m);
    expect(first.stdout).toContain('Costs can lag by up to a day');
    expectNoKey(first);

    const reached = await runCli(['spend', '--budget', '5', '--json'], { env: t.env });
    expect(reached.code).toBe(4);
    const data = SpendJsonSchema.parse(JSON.parse(reached.stdout));
    expect(data).toMatchObject({ month, total: 5.75, exitCode: 4, budget: { monthlyUsd: 5, reached: true } });
    expect(reached.stderr).toContain('Monthly budget for profile "default": $5.00');
    const again = await runCli(['spend'], { env: t.env });
    expect(again.code).toBe(4);
    expect(again.stdout).toContain('has reached the budget of $5.00');
  });

  it('OPENAI_ADMIN_KEY holding another admin key than the stored one: spend says it uses the variable, --json names it, status shows both', async () => {
    const t = await machine();
    const stored = await runCli(['admin-key', '--stdin', '--profile', 'personal'], { env: t.env, input: ADMIN });
    expect(stored.code, stored.stderr).toBe(0);
    const env = { ...t.env, OPENAI_ADMIN_KEY: SPEND_ADMIN };
    const notice = `! OPENAI_ADMIN_KEY is set: sk-admin-…${SPEND_ADMIN.slice(-4)} — differs from the stored admin key sk-admin-…${ADMIN.slice(-4)}; rotate and spend use this one`;
    const text = await runCli(['spend', '--profile', 'personal'], { env });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stderr).toContain(`${notice}.\n`);
    const json = await runCli(['spend', '--json', '--profile', 'personal'], { env });
    expect(SpendJsonSchema.parse(JSON.parse(json.stdout)).adminKey).toEqual({ source: 'env', hint: `sk-admin-…${SPEND_ADMIN.slice(-4)}`, storedHint: `sk-admin-…${ADMIN.slice(-4)}` });
    const status = await runCli(['status', '--profile', 'personal'], { env });
    expect(status.stdout).toContain('(not used by rotate and spend while OPENAI_ADMIN_KEY is set)');
    expect(status.stdout).toContain(`${notice}\n`);
    for (const r of [text, json, status]) expectNoKey(r);
  });

  it('reads at 60 columns with NO_COLOR, bars in plain text', async () => {
    const t = await machine({ OPENAI_ADMIN_KEY: SPEND_ADMIN, NO_COLOR: '1' });
    const session = spawnCli(['spend'], { env: t.env, cols: 60 });
    expect((await session.exited).exitCode).toBe(0);
    // The spinner's frames (on stderr, erased as it ends) run together once escapes are stripped.
    const lines = session.output().replace(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Reading the costs of \d{4}-\d{2}…/g, '').split('\n').map((l) => l.trimEnd());
    expect(lines.some((l) => /^ {2}\w{3} 01 {2}█+/.test(l))).toBe(true);
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(60);
    expect(session.rawOutput()).not.toMatch(/\x1b\[3\dm/);
  });

  it('without an admin key: exit 2 naming admin-key; with a project key: "this needs an admin key"', async () => {
    const t = await machine();
    const none = await runCli(['spend'], { env: t.env });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/✖ `spend` needs an organization admin key \(sk-admin-…\), and none is stored for profile "default"\./);
    expect(none.stderr).toMatch(/openai-setup admin-key/);
    const key = projectKey();
    const wrong = await runCli(['spend'], { env: { ...t.env, OPENAI_ADMIN_KEY: key } });
    expect(wrong.code).toBe(5);
    expect(wrong.stderr).toMatch(/This needs an admin key: sk-proj-…\S{4} is a project key/);
    expectNoKey(wrong);
  });
});

describe('rotate', () => {
  const ROTATE_PROJECT = 'proj_E2eRotate00000000000000';
  beforeAll(() => server().admin.addProject({ id: ROTATE_PROJECT, name: 'rotate-me' }));

  /** A machine with a user's key of ROTATE_PROJECT stored (and checked) for `profile`, and the admin key in the environment. */
  async function rotatable(profile: string): Promise<{ t: TestEnv; old: string }> {
    const t = await machine({ OPENAI_ADMIN_KEY: ADMIN });
    const old = projectKey('valid', ROTATE_PROJECT);
    const stored = await runCli(['key', '--stdin', '--profile', profile], { env: t.env, input: old });
    expect(stored.code, stored.stderr).toBe(0);
    return { t, old };
  }

  it('rotates a user key: new service-account key checked, stored in the keychain, the old key deleted; the next rotate deletes that account', async () => {
    const { t, old } = await rotatable('rot1');
    const first = await runCli(['rotate', '--yes', '--profile', 'rot1'], { env: t.env });
    expect(first.code, first.stderr).toBe(0);
    const newKey = await keyring().lookup('openai-setup', 'rot1');
    expect(newKey).toMatch(/^sk-svcacct-/);
    KEYS.push(newKey!);
    expect(server().admin.isLive(old)).toBe(false);
    expect(server().admin.isLive(newKey!)).toBe(true);
    expect(first.stdout).toMatch(/✔ Created the service account openai-setup-rot1-\d{8}T\d{6}Z-[0-9a-f]{4} and its key sk-svcacct-…\S{4}/);
    expect(first.stdout).toMatch(/✔ Revoked sk-proj-…\S{4}: deleted the key "Secret key" from proj_E2eRotate00000000000000\./);
    const state = JSON.parse(readFileSync(join(t.configDir, 'state.json'), 'utf8'));
    expect(state.profiles.rot1.rotation).toMatchObject({ projectId: ROTATE_PROJECT, serviceAccountId: expect.stringMatching(/^svc_acct_/), keyId: expect.stringMatching(/^key_/) });
    expect(filesContaining(t.root, newKey!)).toEqual([]);
    expectNoKey(first);

    // The new key is what programs get now.
    const token = await runCli(['token', '--profile', 'rot1'], { env: t.env });
    expect(token.stdout).toBe(`${newKey}\n`);

    const second = await runCli(['rotate', '--yes', '--json', '--profile', 'rot1'], { env: t.env });
    expect(second.code, second.stderr).toBe(0);
    const data = RotateJsonSchema.parse(JSON.parse(second.stdout));
    expect(data.old?.outcome).toBe('service_account_deleted');
    expect(server().admin.isLive(newKey!)).toBe(false);
    const newest = await keyring().lookup('openai-setup', 'rot1');
    KEYS.push(newest!);
    expect(server().admin.isLive(newest!)).toBe(true);
    expectNoKey(second);
  });

  it('a revocation answered 429 (Retry-After 20): the wait said (exit 6); status and doctor name the old key, recorded without it; the next rotate revokes it first', async () => {
    const { t, old } = await rotatable('rot429');
    server().admin.failNext({ method: 'DELETE', path: new RegExp(`^/v1/organization/projects/${ROTATE_PROJECT}/api_keys/`) }, { status: 429, message: 'Rate limit reached.', type: 'requests', headers: { 'retry-after': '20' } });
    const first = await runCli(['rotate', '--yes', '--profile', 'rot429'], { env: t.env });
    expect(first.code, first.stderr).toBe(6);
    expect(first.stdout).toContain('(HTTP 429; try again in 20s)');
    expect(server().admin.isLive(old)).toBe(true);
    const rotated = (await keyring().lookup('openai-setup', 'rot429'))!;
    KEYS.push(rotated);
    expect(readFileSync(join(t.configDir, 'state.json'), 'utf8')).not.toContain(old);
    const status = await runCli(['status', '--profile', 'rot429'], { env: t.env });
    expect(status.stdout).toMatch(/! sk-proj-…\S{4} \(proj_E2eRotate00000000000000\), which rotate replaced on \d{4}-\d\d-\d\d, could not be revoked then and still works: revoke it on https:\/\/platform\.openai\.com\/settings\/proj_E2eRotate00000000000000\/api-keys, or run `openai-setup rotate --profile rot429`, which tries again first\./);
    const doctor = await runCli(['doctor', '--json', '--profile', 'rot429'], { env: t.env });
    expect(JSON.parse(doctor.stdout).checks).toContainEqual(expect.objectContaining({ id: 'old-key', status: 'warn' }));

    const second = await runCli(['rotate', '--yes', '--profile', 'rot429'], { env: t.env });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/✔ Revoked sk-proj-…\S{4}, which an earlier rotate replaced but could not revoke: deleted the key key_\w+ from proj_E2eRotate00000000000000\./);
    expect(server().admin.isLive(old)).toBe(false);
    expect(server().admin.isLive(rotated)).toBe(false);
    KEYS.push((await keyring().lookup('openai-setup', 'rot429'))!);
    expect((await runCli(['status', '--profile', 'rot429'], { env: t.env })).stdout).not.toContain('could not be revoked');
    expectNoKey(first);
    expectNoKey(second);
  });

  it('an admin key that may write but not read: refused before anything is made (exit 5), both permissions named, the old key stored and live', async () => {
    const writer = makeKey('admin', 'e2e-admin-write-only');
    KEYS.push(writer);
    server().admin.addAdminKey(writer, { scopes: ['api.management.write', 'api.usage.read'] });
    const { t, old } = await rotatable('rotw');
    const before = server().admin.serviceAccounts(ROTATE_PROJECT).length;
    const result = await runCli(['rotate', '--yes', '--profile', 'rotw'], { env: { ...t.env, OPENAI_ADMIN_KEY: writer } });
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('lacks the permission api.management.read, needed for listing the service accounts of proj_E2eRotate00000000000000: rotate cannot use it (rotate needs api.management.read and api.management.write). Nothing was changed');
    expect(server().admin.serviceAccounts(ROTATE_PROJECT)).toHaveLength(before);
    expect(await keyring().lookup('openai-setup', 'rotw')).toBe(old);
    expect(server().admin.isLive(old)).toBe(true);
    expectNoKey(result);
  });

  it("a user key (sk-None-) stored: the new key made and stored; the old one, in no project's key list, left live with the user keys page named (exit 0)", async () => {
    const t = await machine({ OPENAI_ADMIN_KEY: ADMIN });
    const old = makeKey('none', 'e2e-rotate-user-key');
    server().addKey(old, { scenario: 'valid', project: ROTATE_PROJECT });
    KEYS.push(old);
    expect((await runCli(['key', '--stdin', '--profile', 'rotu'], { env: t.env, input: old })).code).toBe(0);
    const result = await runCli(['rotate', '--yes', '--project', ROTATE_PROJECT, '--profile', 'rotu'], { env: t.env });
    expect(result.code, result.stderr).toBe(0);
    const newKey = (await keyring().lookup('openai-setup', 'rotu'))!;
    KEYS.push(newKey);
    expect(newKey).toMatch(/^sk-svcacct-/);
    expect(server().admin.isLive(old)).toBe(true);
    expect(result.stdout.replace(/\s+/g, ' ')).toContain(
      `! sk-None-…${old.slice(-4)} is a user key (not tied to a project), which no project's key list holds, so openai-setup cannot revoke it: revoke it on your user API keys page (https://platform.openai.com/settings/profile/api-keys) once nothing uses it.`,
    );
    expect(result.stdout + result.stderr).not.toContain(`settings/${ROTATE_PROJECT}/api-keys`);
    expectNoKey(result);
  });

  it('a new key that fails its check: nothing stored, the new service account deleted, the old key still works', async () => {
    const { t, old } = await rotatable('rot2');
    const accounts = server().admin.serviceAccounts(ROTATE_PROJECT).length;
    server().admin.toggles.newServiceAccountKey = 'deactivated';
    try {
      const result = await runCli(['rotate', '--yes', '--profile', 'rot2'], { env: t.env });
      expect(result.code).toBe(5);
      expect(result.stderr).toMatch(/✖ The new key failed its check: The account at 127\.0\.0\.1:\d+ that owns this key has been deactivated\. Nothing was stored\. The new service account openai-setup-rot2-\S+ was deleted again; sk-proj-…\S{4} is still stored and works at 127\.0\.0\.1:\d+\./);
      expectNoKey(result);
    } finally {
      server().admin.toggles.newServiceAccountKey = 'valid';
    }
    expect(await keyring().lookup('openai-setup', 'rot2')).toBe(old);
    expect(server().admin.isLive(old)).toBe(true);
    expect(server().admin.serviceAccounts(ROTATE_PROJECT)).toHaveLength(accounts);
  });

  it('on a terminal: asks before rotating and before deleting the old key; --keep-old leaves it live', async () => {
    const { t, old } = await rotatable('rot3');
    const session = spawnCli(['rotate', '--profile', 'rot3'], { env: t.env });
    await session.waitFor(/Rotate the key of profile "rot3" \(sk-proj-…\S{4}\) in proj_E2eRotate00000000000000/);
    session.press('enter');
    await session.waitFor(/Delete the old key "Secret key" \(sk-proj-…\S{4}, created \d{4}-\d\d-\d\d, owned by You\)/);
    session.type('n');
    session.press('enter');
    await session.waitFor('was left live: revoke it on https://platform.openai.com/settings/proj_E2eRotate00000000000000/api-keys');
    expect((await session.exited).exitCode).toBe(0);
    expect(server().admin.isLive(old)).toBe(true);
    const rotated = (await keyring().lookup('openai-setup', 'rot3'))!;
    KEYS.push(rotated);
    expect(session.output()).not.toContain(rotated);

    const kept = await runCli(['rotate', '--yes', '--keep-old', '--profile', 'rot3'], { env: t.env });
    expect(kept.code).toBe(0);
    expect(kept.stdout).toMatch(/! sk-svcacct-…\S{4} still works \(--keep-old\)/);
    expect(server().admin.isLive(rotated)).toBe(true);
    KEYS.push((await keyring().lookup('openai-setup', 'rot3'))!);
  });

  it('on a terminal: Ctrl-C at the question whether to delete the old key: exit 130, saying the new key is stored and the old one not revoked, with its page', async () => {
    const { t, old } = await rotatable('rot5');
    const session = spawnCli(['rotate', '--profile', 'rot5'], { env: t.env });
    await session.waitFor(/Rotate the key of profile "rot5"/);
    session.press('enter');
    await session.waitFor(/Delete the old key "Secret key"/);
    session.press('ctrl-c');
    expect((await session.exited).exitCode).toBe(130);
    const rotated = (await keyring().lookup('openai-setup', 'rot5'))!;
    KEYS.push(rotated);
    expect(rotated).toMatch(/^sk-svcacct-/);
    expect(server().admin.isLive(old)).toBe(true);
    const page = 'https://platform.openai.com/settings/proj_E2eRotate00000000000000/api-keys';
    // Wrapped to the terminal's width: read as one line.
    expect(session.output().replace(/\s+/g, ' ')).toContain(
      `✖ Cancelled. sk-svcacct-…${rotated.slice(-4)} is stored for profile "rot5" in place of sk-proj-…${old.slice(-4)}, which was not revoked and works at ${new URL(t.env.OPENAI_BASE_URL!).host}: revoke it on ${page}. The next \`openai-setup rotate --profile rot5\` tries again first; until then \`openai-setup status --profile rot5\` names it.`,
    );
    expectNoKey(session.output());
  });

  it('killed (SIGKILL) while the old key is being deleted, before the answer: status names the old key as not revoked, that rotate interrupted; the next rotate revokes it first and forgets it', async () => {
    const { t, old } = await rotatable('rot6');
    const before = server().requestsFor(ADMIN).length;
    const sent = () => server().requestsFor(ADMIN).slice(before);
    // Each admin request held as it comes, and let go only once the test has the next one held: the
    // DELETE of the old key is never answered before the kill.
    let release = server().holdAnswers(ADMIN);
    const child = spawn(process.execPath, [CLI, 'rotate', '--yes', '--profile', 'rot6'], { env: t.env, cwd: t.home, stdio: 'ignore' });
    const exited = new Promise<string | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
    for (let seen = 1; ; seen++) {
      await until(() => sent().length >= seen);
      if (sent().at(-1)!.method === 'DELETE') break;
      // Let go, and the next one held at once: it comes only once this one is answered.
      release();
      release = server().holdAnswers(ADMIN);
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    // The held DELETE is carried out once let go, answered to no one: the next rotate finds the key gone, or deletes it if it comes first.
    release();
    const rotated = (await keyring().lookup('openai-setup', 'rot6'))!;
    KEYS.push(rotated);
    expect(rotated).toMatch(/^sk-svcacct-/);
    const page = 'https://platform.openai.com/settings/proj_E2eRotate00000000000000/api-keys';
    const status = await runCli(['status', '--profile', 'rot6'], { env: t.env });
    expect(status.stdout.replace(/\s+/g, ' ')).toContain(
      `! sk-proj-…${old.slice(-4)} (proj_E2eRotate00000000000000), which rotate replaced on ${new Date().toISOString().slice(0, 10)}, was not revoked: that rotate was interrupted before it revoked it (unless it is still running): revoke it on ${page}, or run \`openai-setup rotate --profile rot6\`, which tries again first.`,
    );
    // The killed run's lock, as it is once LOCK_STALE_MS have passed.
    const past = new Date(Date.now() - 60_000);
    utimesSync(join(t.configDir, 'rotate-rot6.lock'), past, past);
    const next = await runCli(['rotate', '--yes', '--profile', 'rot6'], { env: t.env });
    expect(next.code, next.stderr).toBe(0);
    const earlier = `sk-proj-…${old.slice(-4).replace(/[-]/g, '\\-')}, which an earlier rotate replaced but did not revoke \\(it was interrupted\\)`;
    expect(next.stdout, next.stderr).toMatch(new RegExp(`✔ (Revoked ${earlier}: deleted the key key_\\w+ from proj_E2eRotate00000000000000\\.|${earlier}, is gone already \\(the API no longer has the key key_\\w+ from proj_E2eRotate00000000000000\\)\\.)`));
    expect(server().admin.isLive(old)).toBe(false);
    expect(JSON.parse(readFileSync(join(t.configDir, 'state.json'), 'utf8')).profiles.rot6.pendingRevokes).toBeUndefined();
    expectNoKey(next);
  }, 30_000);

  it('killed (SIGKILL) once the create of the new service account was sent, before its answer: status names that account, whose key is stored nowhere; the next rotate deletes it first and forgets it', async () => {
    const { t, old } = await rotatable('rot7');
    const before = server().requestsFor(ADMIN).length;
    const sent = () => server().requestsFor(ADMIN).slice(before);
    // Each admin request held as it comes, and let go only once the test has the next one held: the
    // create of the service account is never answered before the kill.
    let release = server().holdAnswers(ADMIN);
    const child = spawn(process.execPath, [CLI, 'rotate', '--yes', '--profile', 'rot7'], { env: t.env, cwd: t.home, stdio: 'ignore' });
    const exited = new Promise<string | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
    for (let seen = 1; ; seen++) {
      await until(() => sent().length >= seen);
      if (sent().at(-1)!.method === 'POST') break;
      release();
      release = server().holdAnswers(ADMIN);
    }
    expect(sent().at(-1)!.path).toBe(`/v1/organization/projects/${ROTATE_PROJECT}/service_accounts`);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    // The held create is carried out once let go, answered to no one: an account with a key stored nowhere.
    release();
    const made = () => server().admin.serviceAccounts(ROTATE_PROJECT).filter((a: { name: string }) => a.name.startsWith('openai-setup-rot7-'));
    await until(() => made().length === 1);
    const name: string = made()[0]!.name;
    expect(await keyring().lookup('openai-setup', 'rot7')).toBe(old);
    const page = `https://platform.openai.com/settings/${ROTATE_PROJECT}/api-keys`;
    const today = new Date().toISOString().slice(0, 10);
    const status = await runCli(['status', '--profile', 'rot7'], { env: t.env });
    expect(status.stdout.replace(/\s+/g, ' ')).toContain(
      `! The service account ${name} (${ROTATE_PROJECT}), which a rotate was creating on ${today}, may exist with a key stored nowhere: that rotate was stopped before it stored the key (unless it is still running): run \`openai-setup rotate --profile rot7\`, which deletes it first (or forgets it if it was not created), or delete it on ${page}.`,
    );
    const json = await runCli(['status', '--json', '--profile', 'rot7'], { env: t.env });
    expect(JSON.parse(json.stdout).pendingAccounts).toEqual([{ name, project: ROTATE_PROJECT, at: expect.any(String), page }]);
    // The killed run's lock, as it is once LOCK_STALE_MS have passed.
    const past = new Date(Date.now() - 60_000);
    utimesSync(join(t.configDir, 'rotate-rot7.lock'), past, past);
    const next = await runCli(['rotate', '--yes', '--profile', 'rot7'], { env: t.env });
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout.replace(/\s+/g, ' ')).toContain(`✔ Deleted the service account ${name} (${ROTATE_PROJECT}), which a rotate stopped on ${today} made without storing its key.`);
    expect(made().map((a: { name: string }) => a.name)).not.toContain(name);
    expect(JSON.parse(readFileSync(join(t.configDir, 'state.json'), 'utf8')).profiles.rot7.pendingAccounts).toBeUndefined();
    KEYS.push((await keyring().lookup('openai-setup', 'rot7'))!);
    expectNoKey(next);
  }, 30_000);

  it('without an admin key: exit 2 naming admin-key; without a terminal and --yes: exit 2 naming --yes, nothing sent', async () => {
    const { t } = await rotatable('rot4');
    const noAdmin = await runCli(['rotate', '--yes', '--profile', 'rot4'], { env: { ...t.env, OPENAI_ADMIN_KEY: '' } });
    expect(noAdmin.code).toBe(2);
    expect(noAdmin.stderr).toMatch(/`rotate` needs an organization admin key/);
    const before = server().requestsFor(ADMIN).length;
    const noYes = await runCli(['rotate', '--profile', 'rot4'], { env: t.env });
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toMatch(/Pass --yes to rotate without asking/);
    expect(server().requestsFor(ADMIN).length).toBe(before);
  });
});

describe('what the admin commands say, through the binary', () => {
  const TLS_WARNING = /^! NODE_TLS_REJECT_UNAUTHORIZED=0 is set: TLS certificates are not checked/;

  it("an Admin API error message is made one safe line: no forged \"✔\" line, at most 500 characters of it", async () => {
    const t = await machine();
    server().admin.failNext({ method: 'GET', path: '/v1/organization/projects' }, { status: 400, message: `\n✔ The key works and can spend.\n\x1b]0;pwned\x07${'x'.repeat(700)}`, type: 'invalid_request_error' });
    const result = await runCli(['admin-key', '--stdin', '--profile', 'ak5'], { env: t.env, input: ADMIN });
    expect(result.code).toBe(5);
    const lines = result.stderr.split('\n');
    expect(lines.filter((l) => l.startsWith('✔'))).toEqual([]);
    const failed = lines.find((l) => l.startsWith('✖'))!;
    expect(failed).toMatch(/^✖ Listing the organization's projects was refused \(HTTP 400\): ✔ The key works and can spend\. \\x1b\]0;pwned\\x07x+…$/);
    expect(failed.length).toBeLessThanOrEqual(570);
    expect(result.stderr).not.toMatch(/[\x1b\x07]/);
    expect(await keyring().lookup('openai-setup', 'ak5:admin')).toBeNull();
    expectNoKey(result);
  });

  it('--json prints one document on a failure too: admin-key with a project key, spend without an admin key, rotate with a new key that fails', async () => {
    const t = await machine();
    const key = projectKey();
    const adminKey = await runCli(['admin-key', '--stdin', '--json', '--profile', 'ak6'], { env: t.env, input: key });
    expect(adminKey.code).toBe(5);
    expect(AdminKeyJsonSchema.parse(JSON.parse(adminKey.stdout))).toMatchObject({ ok: false, exitCode: 5, reason: 'needs_admin_key', profile: 'ak6', hint: `sk-proj-…${key.slice(-4)}`, storage: null });
    expect(adminKey.stderr).toMatch(/✖ This needs an admin key/);
    expectNoKey(adminKey);

    const spend = await runCli(['spend', '--json', '--profile', 'sp1'], { env: t.env });
    expect(spend.code).toBe(2);
    expect(SpendFailureJsonSchema.parse(JSON.parse(spend.stdout))).toMatchObject({ ok: false, exitCode: 2, reason: 'usage', profile: 'sp1' });

    const old = projectKey('valid', 'proj_E2eRotateJson000000000');
    server().admin.addProject({ id: 'proj_E2eRotateJson000000000' });
    expect((await runCli(['key', '--stdin', '--profile', 'rj1'], { env: t.env, input: old })).code).toBe(0);
    server().admin.toggles.newServiceAccountKey = 'deactivated';
    try {
      const rotate = await runCli(['rotate', '--yes', '--json', '--profile', 'rj1'], { env: { ...t.env, OPENAI_ADMIN_KEY: ADMIN } });
      expect(rotate.code).toBe(5);
      const data = RotateJsonSchema.parse(JSON.parse(rotate.stdout));
      expect(data).toMatchObject({ ok: false, exitCode: 5, reason: 'new_key_check_failed', project: 'proj_E2eRotateJson000000000', new: null, old: { outcome: 'unchanged', hint: `sk-proj-…${old.slice(-4)}` } });
      expect(data.message).toMatch(/^The new key failed its check: .* was deleted again; sk-proj-…\S{4} is still stored and works at 127\.0\.0\.1:\d+\.$/);
      expect(rotate.stderr).toMatch(/✖ The new key failed its check/);
      expectNoKey(rotate);
    } finally {
      server().admin.toggles.newServiceAccountKey = 'valid';
    }
  });

  it('NODE_TLS_REJECT_UNAUTHORIZED=0: spend, admin-key and rotate warn once, before the admin key is sent, as verify does', async () => {
    const t = await machine({ NODE_TLS_REJECT_UNAUTHORIZED: '0' });
    const spend = await runCli(['spend'], { env: { ...t.env, OPENAI_ADMIN_KEY: ADMIN } });
    expect(spend.code, spend.stderr).toBe(0);
    const adminKey = await runCli(['admin-key', '--stdin', '--profile', 'ak7'], { env: t.env, input: ADMIN });
    expect(adminKey.code, adminKey.stderr).toBe(0);
    const old = projectKey('valid', 'proj_E2eRotate00000000000000');
    expect((await runCli(['key', '--stdin', '--profile', 'rt1'], { env: t.env, input: old })).code).toBe(0);
    const rotate = await runCli(['rotate', '--yes', '--keep-old', '--profile', 'rt1'], { env: { ...t.env, OPENAI_ADMIN_KEY: ADMIN } });
    expect(rotate.code, rotate.stderr).toBe(0);
    KEYS.push((await keyring().lookup('openai-setup', 'rt1'))!);
    for (const result of [spend, adminKey, rotate]) {
      expect(result.stderr.split('\n').filter((l) => TLS_WARNING.test(l))).toHaveLength(1);
    }
    expectNoKey(rotate);
  });

  it('hints that work as printed: --profile named, OPENAI_BASE_URL (no --base-url), a rejected OPENAI_ADMIN_KEY to fix or unset', async () => {
    const t = await machine();
    const usageOnly = makeKey('admin', 'e2e-usage-only');
    KEYS.push(usageOnly);
    server().admin.addAdminKey(usageOnly, { scopes: ['api.management.read'] });
    expect((await runCli(['admin-key', '--stdin', '--profile', 'z'], { env: t.env, input: usageOnly })).code).toBe(0);
    const scope = await runCli(['spend', '--profile', 'z'], { env: t.env });
    expect(scope.code).toBe(5);
    expect(scope.stderr).toMatch(/lacks the permission api\.usage\.read/);
    // No terminal: the admin key to store instead is piped in (`admin-key` could not ask here).
    expect(scope.stderr).toMatch(/store it \(pipe the key in, in place of …\):  … \| openai-setup admin-key --stdin --profile z\n/);

    const unknown = makeKey('admin', 'e2e-unknown-admin');
    KEYS.push(unknown);
    const rejected = await runCli(['spend', '--profile', 'z'], { env: { ...t.env, OPENAI_ADMIN_KEY: unknown } });
    expect(rejected.code).toBe(3);
    // No terminal: the admin key to store is piped in, never from the variable that was rejected.
    expect(rejected.stderr).toContain('unset OPENAI_ADMIN_KEY to use the admin key stored for the profile; to store one (pipe the key in, in place of …):  … | openai-setup admin-key --stdin --profile z\n');
    expect(rejected.stderr).not.toMatch(/Create a new admin key/);

    const refused = await runCli(['spend', '--profile', 'z'], { env: { ...t.env, OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' } });
    expect(refused.code).toBe(6);
    expect(refused.stderr).toContain('Check the OPENAI_BASE_URL, or whether a firewall blocks it.');
    expect(refused.stderr).not.toContain('--base-url');
    expectNoKey(scope);
    expectNoKey(rejected);
  });

  it('spend --budget says what is valid; the plain-text warning names the admin key of the profile', async () => {
    const t = await machine();
    for (const value of ['-5', 'abc', '1e9', '0.001']) {
      const result = await runCli(['spend', '--budget', value], { env: t.env });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`--budget: must be an amount in dollars (more than 0, with at most 2 decimals), like 20 or 12.50, or "off" to forget the budget (got "${value}").`);
      expect(result.stderr).not.toContain('Invalid input');
    }
    expect((await runCli(['admin-key', '--stdin', '--insecure-storage', '--profile', 'pt1'], { env: t.env, input: ADMIN })).code).toBe(0);
    const spend = await runCli(['spend', '--profile', 'pt1'], { env: t.env });
    expect(spend.code, spend.stderr).toBe(0);
    expect(spend.stderr).toContain(`! Reading the admin key of profile "pt1" from the plain-text file ${join(t.configDir, 'credentials.json')} (--insecure-storage).`);
    expect(spend.stderr).not.toContain('pt1:admin');
  });
});

describe('a value edited into the keychain as the admin key', () => {
  it('spend and rotate refuse it (exit 3) in one line with the fix, before any request; nothing of it is printed; admin-key then replaces it', async () => {
    const t = await machine();
    const bad = 'sk-admin-\x1b]52;c;ZXZpbA==\x07\x1b[2Jhello\n✔ forged';
    await keyring().store('openai-setup', 'ed1:admin', bad);
    const requests = server().requests.length;
    for (const args of [['spend'], ['rotate', '--yes', '--project', PROJECT]]) {
      const result = await runCli([...args, '--profile', 'ed1'], { env: t.env });
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(
        '✖ What the Secret Service keyring holds as the admin key of profile "ed1" (sk-admin-…rged) is not an admin key: it contains a control character (U+001B), which an API key never has. It was not sent.\n',
      );
      // No terminal: the pipe form (`admin-key` could not ask here).
      expect(result.stderr).toContain('Store your admin key again, which replaces what is stored, with `… | openai-setup admin-key --stdin --profile ed1` (pipe the key in, in place of …).');
      expect(result.stdout + result.stderr).not.toMatch(/[\x07\x1b]|ZXZpbA|^✔ forged/m);
    }
    expect(server().requests.length).toBe(requests);
    // The fix works as printed.
    expect((await runCli(['admin-key', '--stdin', '--profile', 'ed1'], { env: t.env, input: ADMIN })).code).toBe(0);
    expect(await keyring().lookup('openai-setup', 'ed1:admin')).toBe(ADMIN);
    expect((await runCli(['spend', '--profile', 'ed1'], { env: t.env })).code).toBe(0);
  });
});

describe('rotate when another run holds a lock (10 s wait)', () => {
  const LOCK_PROJECT = 'proj_E2eRotateLock000000000';
  beforeAll(() => server().admin.addProject({ id: LOCK_PROJECT }));

  /**
   * A lock in the way for all of the 10 s wait: one whose time is ahead of the clock (left by a run
   * on a machine whose clock is ahead), neither refreshed nor ever stale. (A live run's lock, kept
   * fresh, is waited for as long as it works: test/e2e/storage.test.ts.)
   */
  function holdLock(path: string): () => void {
    mkdirSync(path);
    const ahead = new Date(Date.now() + 3_600_000);
    utimesSync(path, ahead, ahead);
    return () => {};
  }

  for (const held of ['credentials.json', 'state.json'] as const) {
    // state.json held from the start: the service account is not even created (rotate records it first).
    it(`${held} held (--insecure-storage): exit 7, the new service account ${held === 'state.json' ? 'not created' : 'deleted'}, the old key still stored, state.json unchanged`, async () => {
      const t = await machine({ OPENAI_ADMIN_KEY: ADMIN });
      const old = projectKey('valid', LOCK_PROJECT);
      expect((await runCli(['key', '--stdin', '--insecure-storage', '--profile', 'lk1'], { env: t.env, input: old })).code).toBe(0);
      const stateBefore = readFileSync(join(t.configDir, 'state.json'), 'utf8');
      const accounts = server().admin.serviceAccounts(LOCK_PROJECT).length;
      const release = holdLock(join(t.configDir, `${held}.lock`));
      let result;
      try {
        result = await runCli(['rotate', '--yes', '--profile', 'lk1'], { env: t.env, timeoutMs: 25_000 });
      } finally {
        release();
      }
      expect(result.code, result.stderr).toBe(7);
      const failed = result.stderr.split('\n').find((l) => l.startsWith('✖'))!;
      expect(failed).toMatch(new RegExp(`Another run of openai-setup held \\S+${held.replace('.', '\\.')}\\.lock for more than 10 s`));
      if (held === 'state.json') expect(failed).toMatch(/^✖ Recording the service account openai-setup-lk1-\S+ before creating it failed: .* Nothing was changed: sk-proj-…\S{4} is still stored and works at 127\.0\.0\.1:\d+\.$/);
      else expect(failed).toMatch(/The new service account openai-setup-lk1-\S+ was deleted again; sk-proj-…\S{4} is still stored and works at 127\.0\.0\.1:\d+\.$/);
      expect(server().admin.serviceAccounts(LOCK_PROJECT)).toHaveLength(accounts);
      expect(server().admin.isLive(old)).toBe(true);
      expect(JSON.parse(readFileSync(join(t.configDir, 'credentials.json'), 'utf8')).keys.lk1).toBe(old);
      expect(readFileSync(join(t.configDir, 'state.json'), 'utf8')).toBe(stateBefore);
      const status = await runCli(['status', '--profile', 'lk1', '--json'], { env: t.env });
      expect(status.stdout).toContain(`sk-proj-…${old.slice(-4)}`);
      expectNoKey(result);
    });
  }
});

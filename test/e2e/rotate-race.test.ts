// Two rotates of one profile at once, through the built binary, against the local server's Admin
// API and a real (private) Secret Service read back with secret-tool. The second is refused at once
// and makes nothing; every line either prints is checked against the organization and the keychain.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { maskKey } from '../../src/keys/format.js';
import type { TestEnv } from '../helpers/env.js';
import { makeKey } from '../helpers/openai-server.js';
import { runCli, type RunResult } from '../helpers/run.js';
import { useServerAndKeyring } from '../helpers/server-and-keyring.js';

const ADMIN = makeKey('admin', 'e2e-rotate-race');
const PROJECT = 'proj_E2eRotateRace0000000000';
const KEYS: string[] = [ADMIN];

const { server, keyring, machine, spawnCli } = useServerAndKeyring((openai) => {
  openai.admin.addAdminKey(ADMIN);
  openai.admin.addProject({ id: PROJECT, name: 'race' });
});

/** A machine with a user's key of PROJECT stored for `profile`, and the admin key in the environment. */
let keyCount = 0;
async function rotatable(profile: string): Promise<{ t: TestEnv; old: string }> {
  const t = await machine({ OPENAI_ADMIN_KEY: ADMIN });
  const old = makeKey('proj', `e2e-rotate-race-${keyCount++}`);
  server().addKey(old, { scenario: 'valid', project: PROJECT });
  KEYS.push(old);
  const stored = await runCli(['key', '--stdin', '--profile', profile], { env: t.env, input: old });
  expect(stored.code, stored.stderr).toBe(0);
  return { t, old };
}

/** The names of the service accounts asked for from request `from` on. */
const accountsAskedFor = (from: number) =>
  server().requests
    .slice(from)
    .filter((r) => r.method === 'POST' && r.path === `/v1/organization/projects/${PROJECT}/service_accounts`)
    .map((r) => (r.body as { name: string }).name);

const refusal = (t: TestEnv, profile: string) =>
  `✖ Another \`openai-setup rotate --profile ${profile}\` is running (${join(t.configDir, `rotate-${profile}.lock`)} is its lock), so this one changed nothing; let that one finish and see what it says (a lock left by a run that was killed is taken over 5 s after it stopped).\n`;

function expectNoKey(text: string): void {
  for (const key of KEYS) expect(text).not.toContain(key);
  expect(text).not.toMatch(/sk-[A-Za-z0-9_-]{20,}/);
}

describe('two rotates of one profile at once', () => {
  it('one waiting at its question holds the profile: a second is refused at once, in one line, and makes nothing; the first then completes', async () => {
    const { t, old } = await rotatable('race1');
    const session = spawnCli(['rotate', '--profile', 'race1'], { env: t.env });
    await session.waitFor(/Rotate the key of profile "race1" \(sk-proj-…\S{4}\) in proj_E2eRotateRace0000000000/);

    const from = server().requests.length;
    const second = await runCli(['rotate', '--yes', '--profile', 'race1'], { env: t.env });
    expect(second.code).toBe(7);
    expect(second.stderr).toBe(refusal(t, 'race1'));
    expect(second.stdout).toBe('');
    // "changed nothing": not one request to the organization, the old key stored and live.
    expect(server().requests.length).toBe(from);
    expect(await keyring().lookup('openai-setup', 'race1')).toBe(old);
    expect(server().admin.isLive(old)).toBe(true);

    session.press('enter');
    await session.waitFor(/Delete the old key "Secret key" \(sk-proj-…\S{4}/);
    session.press('enter');
    expect((await session.exited).exitCode).toBe(0);
    const stored = (await keyring().lookup('openai-setup', 'race1'))!;
    KEYS.push(stored);
    expect(stored).toMatch(/^sk-svcacct-/);
    expect(server().admin.isLive(stored)).toBe(true);
    expect(server().admin.isLive(old)).toBe(false);
    expect(accountsAskedFor(from)).toHaveLength(1);
    expectNoKey(session.output() + second.stdout + second.stderr);
  });

  it('both started together with --yes: each ends as it says (one refused and nothing made, or one after the other), with its own account name', async () => {
    const { t, old } = await rotatable('race2');
    const from = server().requests.length;
    const runs = await Promise.all([1, 2].map(() => runCli(['rotate', '--yes', '--profile', 'race2'], { env: t.env })));
    const stored = (await keyring().lookup('openai-setup', 'race2'))!;
    KEYS.push(stored);
    for (const run of runs) expectNoKey(run.stdout + run.stderr);

    const rotated = runs.filter((r) => r.code === 0);
    const refused = runs.filter((r) => r.code !== 0);
    // Never both failing, never the old "is still stored and works" said of a replaced key.
    expect(rotated.length, runs.map((r) => r.stderr).join('\n')).toBeGreaterThanOrEqual(1);
    for (const run of refused) {
      expect(run.code).toBe(7);
      expect(run.stderr).toBe(refusal(t, 'race2'));
      expect(run.stdout).toBe('');
    }
    // Each rotation made one account, named apart from any other, and says which key it stored in place of which.
    const names = accountsAskedFor(from);
    expect(names).toHaveLength(rotated.length);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^openai-setup-race2-\d{8}T\d{6}Z-[0-9a-f]{4}$/);
    const said = rotated.map((run: RunResult) => {
      const created = /✔ Created the service account (\S+) and its key (sk-svcacct-…\S{4})\n/.exec(run.stdout)!;
      const put = /✔ Stored (sk-svcacct-…\S{4}) in the Secret Service keyring in place of (sk-\S+…\S{4})\n/.exec(run.stdout)!;
      expect(put[1]).toBe(created[2]);
      expect(run.stdout).toMatch(/✔ (Revoked sk-\S+…\S{4}: deleted|sk-\S+…\S{4}'s service account \S+ was already deleted)/);
      return { name: created[1]!, hint: created[2]!, replaced: put[2]! };
    });
    expect(said.map((s) => s.name).sort()).toEqual([...names].sort());
    // The first replaced the old key; a second (run after it) replaced the first's; the last one's is stored and live.
    const last = said.find((s) => !said.some((other) => other.replaced === s.hint))!;
    expect(maskKey(stored)).toBe(last.hint);
    expect(server().admin.isLive(stored)).toBe(true);
    expect(said.map((s) => s.replaced).sort()).toEqual(said.length === 1 ? [maskKey(old)] : [maskKey(old), said.find((s) => s !== last)!.hint].sort());
    expect(server().admin.isLive(old)).toBe(false);
    // Only the stored key's account is left of what was made.
    expect(server().admin.serviceAccounts(PROJECT).filter((a) => names.includes(a.name)).map((a) => a.name)).toEqual([last.name]);
  });
});

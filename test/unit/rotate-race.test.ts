// rotate and other runs on the same profile at the same time. A second rotate is refused at once,
// before anything is made (a lock per profile in the config dir; one left by a killed run is taken
// over). A key another run stored meanwhile is not written over, and the failure says what is true:
// what is stored now, that this run's key was deleted again, and that the old key it started from
// is no longer the stored one. Through Context, with the real Admin API client over an in-memory
// organization and an in-memory keychain.
import { existsSync, mkdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as rotate, RotateJsonSchema, type RotateOptions } from '../../src/commands/rotate.js';
import type { CheckRequest, CheckResult } from '../../src/api/types.js';
import { maskKey } from '../../src/keys/format.js';
import { outcomeOf, type TestContext } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { organizationWith, recordCheckedKey } from '../helpers/rotatable.js';
import { anotherRun } from '../helpers/store-faults.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const ADMIN = makeKey('admin', 'unit-rotate-race');
const PROJECT = 'proj_RotateRace00000000000000';
const options = (extra: Partial<RotateOptions> = {}): RotateOptions => ({ keepOld: false, yes: true, json: false, ...extra });
const NAME = /^openai-setup-default-20260302T093000Z-[0-9a-f]{4}$/;

let keyCount = 0;
const contexts = trackedContexts();

/** Profile "default" with a user's key of PROJECT in the keychain, recorded and last checked. */
async function setup(): Promise<TestContext & { old: string; hint: string }> {
  const old = makeKey('proj', `unit-rotate-race-${keyCount++}`);
  const t = contexts.make({ admin: true, keychain: { default: old, 'default:admin': ADMIN } });
  organizationWith(t, { admin: ADMIN, project: PROJECT, old });
  const hint = await recordCheckedKey(t, { old, project: PROJECT });
  return Object.assign(t, { old, hint });
}

/** Run `act` once, while the run checks its new key (made, not yet stored); the check waits for it. */
function whileNewKeyChecked(t: TestContext, act: () => Promise<void>): void {
  const check = t.api.check.bind(t.api);
  let done = false;
  t.api.check = async (request: CheckRequest): Promise<CheckResult> => {
    if (!done && request.key.startsWith('sk-svcacct-')) {
      done = true;
      await act();
    }
    return check(request);
  };
}

const adminWrites = (t: TestContext) => t.org.requests.filter((r) => r.method !== 'GET').length;

describe('two rotates of one profile at once', () => {
  it('the second, started while the first runs, is refused at once (exit 7, one line) and makes nothing; the first completes', async () => {
    const t = await setup();
    let second: Awaited<ReturnType<typeof outcomeOf>> | undefined;
    let writesBySecond = -1;
    whileNewKeyChecked(t, async () => {
      const before = adminWrites(t);
      second = await outcomeOf(rotate(anotherRun(t), options()));
      writesBySecond = adminWrites(t) - before;
    });

    expect(await rotate(t.ctx, options())).toBe(0);

    expect(second).toEqual({
      code: 7,
      message: `Another \`openai-setup rotate\` is running (${join(t.configDir, 'rotate-default.lock')} is its lock), so this one changed nothing; let that one finish and see what it says (a lock left by a run that was killed is taken over 5 s after it stopped).`,
      hints: [],
    });
    // Nothing made or deleted by the second: one new service account, the first's, its key stored.
    expect(writesBySecond).toBe(0);
    const accounts = t.org.admin.serviceAccounts(PROJECT);
    expect(accounts).toHaveLength(1);
    expect(accounts[0]!.name).toMatch(NAME);
    const stored = t.keychain.keyOf('default')!;
    expect(stored).toMatch(/^sk-svcacct-/);
    expect(t.org.isLive(stored)).toBe(true);
    expect(t.org.isLive(t.old)).toBe(false);
    expect((await t.profile())?.rotation?.serviceAccountName).toBe(accounts[0]!.name);
    expect(t.stdout).toContain(`✔ Stored sk-svcacct-…${stored.slice(-4)} in the Secret Service keyring in place of ${t.hint}`);
  });

  it('--json: the refusal is the document, reason rotate_running', async () => {
    const t = await setup();
    let second: TestContext | undefined;
    whileNewKeyChecked(t, async () => {
      // Its own output, to read its document alone.
      second = contexts.make({ admin: true });
      const ctx = { ...anotherRun(t), term: second.ctx.term };
      expect((await outcomeOf(rotate(ctx, options({ json: true })))).code).toBe(7);
    });
    expect(await rotate(t.ctx, options())).toBe(0);
    const data = RotateJsonSchema.parse(JSON.parse(second!.stdout));
    expect(data).toMatchObject({ ok: false, exitCode: 7, reason: 'rotate_running', profile: 'default', project: null, new: null, old: null });
  });

  it('a lock left by a run that was killed (not refreshed for longer than the stale age) is taken over: the rotate runs', async () => {
    const t = await setup();
    const lock = join(t.configDir, 'rotate-default.lock');
    mkdirSync(lock, { recursive: true });
    const long = new Date(Date.now() - 60_000);
    utimesSync(lock, long, long);
    expect(await rotate(t.ctx, options())).toBe(0);
    expect(t.keychain.keyOf('default')).toMatch(/^sk-svcacct-/);
    expect(t.org.isLive(t.old)).toBe(false);
  });
});

describe('the lock is taken only by a run that can rotate', () => {
  it('without an admin key: exit 2 as ever, and no config dir made for a lock', async () => {
    // A fresh HOME: the config dir does not exist yet.
    const t = contexts.make({ admin: true, keychain: { default: makeKey('proj', 'unit-rotate-race-no-admin') } });
    const result = await outcomeOf(rotate(t.ctx, options()));
    expect(result.code).toBe(2);
    expect(result.message).toBe('`rotate` needs an organization admin key (sk-admin-…), and none is stored for profile "default".');
    expect(existsSync(t.configDir)).toBe(false);
    expect(t.org.requests).toEqual([]);
  });
});

describe('a key stored by another run (not a rotate) while rotate ran', () => {
  it('is not written over, and the failure says what is true: the other key stays, the old one is no longer stored, this run revoked nothing', async () => {
    const t = await setup();
    const other = makeKey('proj', 'unit-rotate-race-other');
    t.org.addKey(other, { scenario: 'valid', project: PROJECT });
    whileNewKeyChecked(t, async () => {
      await t.keychain.setPassword('openai-setup', 'default', other);
    });

    const result = await outcomeOf(rotate(t.ctx, options({ json: true })));

    expect(result.code).toBe(7);
    const otherHint = maskKey(other);
    expect(result.message).toMatch(
      new RegExp(
        `^Storing the new key failed: the key stored for profile "default" changed while rotate ran \\(it is now ${otherHint}; another run stored it\\), so the new key was not stored over it\\. Nothing was stored\\. The new service account openai-setup-default-20260302T093000Z-[0-9a-f]{4} was deleted again\\. ${otherHint} stays stored; ${t.hint}, which this run started from, is no longer the stored key \\(this run did not revoke it\\)\\.$`,
      ),
    );
    expect(result.message).not.toContain('still stored');
    const data = RotateJsonSchema.parse(JSON.parse(t.stdout));
    expect(data).toMatchObject({ ok: false, exitCode: 7, reason: 'store_failed', new: null });
    expect(data.old).toEqual({ hint: t.hint, outcome: 'unchanged', page: null, message: `${t.hint}, which this run started from, is no longer the stored key (this run did not revoke it).` });
    // Each part of it, true.
    expect(t.keychain.keyOf('default')).toBe(other);
    expect(t.org.admin.serviceAccounts(PROJECT)).toEqual([]);
    expect(t.org.isLive(t.old)).toBe(true);
    expect(t.org.isLive(other)).toBe(true);
  });

  it('with no keychain on this machine (--insecure-storage) and the key removed meanwhile: "no key is stored now", not "could not be read"', async () => {
    const old = makeKey('proj', `unit-rotate-race-${keyCount++}`);
    const t = contexts.make({ admin: true, env: { OPENAI_ADMIN_KEY: ADMIN } });
    t.keychain.failWith('no-service');
    organizationWith(t, { admin: ADMIN, project: PROJECT, old });
    await t.ctx.keys.set('default', old, true);
    const hint = maskKey(old);
    whileNewKeyChecked(t, async () => {
      await anotherRun(t).keys.delete('default');
    });

    const result = await outcomeOf(rotate(t.ctx, options({ project: PROJECT })));

    expect(result.code).toBe(7);
    expect(result.message).toMatch(
      new RegExp(
        `^Storing the new key failed: the key stored for profile "default" changed while rotate ran \\(it is now none; another run removed it\\), so the new key was not stored over it\\. Nothing was stored\\. The new service account openai-setup-default-20260302T093000Z-[0-9a-f]{4} was deleted again\\. No key is stored for profile "default" now; ${hint}, which this run started from, is no longer the stored key \\(this run did not revoke it\\)\\.$`,
      ),
    );
    // No keychain to wait for: doctor is not named for it.
    expect(result.hints).toEqual([]);
    expect(t.org.admin.serviceAccounts(PROJECT)).toEqual([]);
  });

  it('when the keychain cannot be read just before the new key would replace the old (locked meanwhile): a keychain failure, how to unlock it; nothing is stored', async () => {
    const t = await setup();
    whileNewKeyChecked(t, async () => {
      t.keychain.failWith('locked', { ops: ['get'] });
    });

    const result = await outcomeOf(rotate(t.ctx, options()));

    // Not another run's key: the keychain not answering, said as the locked keychain it is (this
    // run wrote nothing, so the old key is where it was).
    expect(result.code).toBe(7);
    expect(result.message).toMatch(
      new RegExp(
        `^Storing the new key failed: The Secret Service keyring is locked and could not be unlocked from here\\. Nothing was stored\\. The new service account openai-setup-default-20260302T093000Z-[0-9a-f]{4} was deleted again; ${t.hint} is still stored and works\\.$`,
      ),
    );
    expect(result.hints).toEqual([expect.stringMatching(/^Unlock it: log in to your desktop session/)]);
    expect(t.keychain.keyOf('default')).toBe(t.old);
    expect(t.keychain.calls.filter((c) => c.op === 'set' && c.account === 'default')).toEqual([]);
    expect(t.org.admin.serviceAccounts(PROJECT)).toEqual([]);
    expect(t.org.isLive(t.old)).toBe(true);
  });
});

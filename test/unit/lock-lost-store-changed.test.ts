// A run paused after it changed the key store and before it recorded that in state.json; another
// run takes state.json's lock over as stale meanwhile and stores a key of its own for the same
// profile (stored and recorded). The paused run, resumed, finds its lock lost before the record's
// write and makes the record again (key-change.ts) only while the store still holds its change:
// here it does not, so it records nothing, fails (exit 7) naming the key another run stored, which
// is stored and recorded now, and never calls that key the one replaced (to revoke). rotate deletes
// the new service account (its key is stored nowhere) and revokes nothing. As in
// lock-lost-before-record.test.ts, the takeover is done by hand, as proper-lockfile does it, and
// proper-lockfile's refresh, late after the pause, reports the paused run's lock compromised.
import { readFileSync, rmdirSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run as key } from '../../src/commands/key.js';
import { run as logout } from '../../src/commands/logout.js';
import { run as rotate } from '../../src/commands/rotate.js';
import { maskKey } from '../../src/keys/format.js';
import { lockPathFor } from '../../src/storage/lock.js';
import { compromise } from '../helpers/lock-compromise.js';
import { flat, outcomeOf, testKey, type TestContext } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { organizationWith, recordCheckedKey } from '../helpers/rotatable.js';
import { anotherRun, whenStored } from '../helpers/store-faults.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

vi.mock('proper-lockfile', async (importOriginal) => (await import('../helpers/lock-compromise.js')).compromisableLockfile(importOriginal));

afterEach(() => compromise.clear());

const OLD = testKey('1');
const NEW = testKey('2');
const THEIRS = testKey('3');
const ADMIN = makeKey('admin', 'unit-lock-lost-store-changed');
const { make: context } = trackedContexts({ defaults: { interactive: false } });

/**
 * The paused run's lock on state.json, taken over: another run (its own stores, its own terminal)
 * removes it as stale and runs `key --stdin` storing `theirs` for profile "default" to the end
 * (stored and recorded); then the paused run's lock is reported compromised.
 */
async function anotherRunStores(t: TestContext, theirs: string, insecureStorage: boolean): Promise<void> {
  const path = t.ctx.state.path;
  const report = compromise.get(path);
  expect(report).toBeDefined();
  rmdirSync(lockPathFor(path));
  const other = { ...anotherRun(t, `${theirs}\n`), term: context().ctx.term };
  const result = await outcomeOf(key(other, { stdin: true, verify: false, insecureStorage }));
  expect(result.code, result.message).toBe(0);
  report!();
}

/** Run `act` once, right after `account`'s keychain entry is removed; the removing run waits for it. */
function whenRemoved(t: TestContext, account: string, act: () => Promise<void>): void {
  const del = t.keychain.deletePassword.bind(t.keychain);
  let done = false;
  t.keychain.deletePassword = async (service, name) => {
    const removed = await del(service, name);
    if (name === account && !done) {
      done = true;
      await act();
    }
    return removed;
  };
}

/** Run `act` once, right after a read of profile "default"'s keychain entry finds a service account's key (rotate's read-back); the read returns once it is done. */
function afterReadBack(t: TestContext, act: () => Promise<void>): void {
  const get = t.keychain.getPassword.bind(t.keychain);
  let done = false;
  t.keychain.getPassword = async (service, account) => {
    const value = await get(service, account);
    if (!done && account === 'default' && value?.startsWith('sk-svcacct-')) {
      done = true;
      await act();
    }
    return value;
  };
}

const onDisk = (t: TestContext) => JSON.parse(readFileSync(t.ctx.state.path, 'utf8'));
const where = (t: TestContext, storage: 'keychain' | 'file') => (storage === 'keychain' ? `the ${t.ctx.keys.keychainDescription}` : t.ctx.keys.filePath);

describe('key: another run stored a key after this one stored its own, before this one could record it', () => {
  for (const storage of ['keychain', 'file'] as const) {
    it(`records nothing of its own, exits 7 naming the key stored and recorded now, and names no key to revoke (${storage})`, async () => {
      const t = context({ stdin: `${NEW}\n` });
      await t.ctx.keys.set('default', OLD, storage === 'file');
      await t.ctx.state.updateProfile('default', (p) => {
        p.key = { storage, hint: maskKey(OLD), savedAt: '2026-03-01T00:00:00.000Z' };
        p.stages.key = { doneAt: '2026-03-01T00:00:00.000Z' };
      });
      whenStored(t, NEW, () => anotherRunStores(t, THEIRS, storage === 'file'));
      const result = await outcomeOf(key(t.ctx, { stdin: true, verify: false, insecureStorage: storage === 'file' }));
      expect(result.code, result.message).toBe(7);
      expect(flat(result.message)).toBe(
        `${maskKey(NEW)} was stored for profile "default", but another run has since stored ${maskKey(THEIRS)} (in ${where(t, storage)}), which is what is stored and recorded now, so nothing more was changed.`,
      );
      expect(result.hints).toEqual([]);
      // Never "This replaces …" (revoke advice) of the key stored now, nor "Stored" of this run's.
      expect(t.stdout + t.stderr).not.toMatch(/This replaces|revoke|Stored/);
      expect((await t.ctx.keys.find('default')).stored).toEqual({ key: THEIRS, storage });
      const state = onDisk(t);
      expect(state.profiles.default.key).toMatchObject({ storage, hint: maskKey(THEIRS) });
      expect(state.profiles.default.keyChangeStartedAt).toBeUndefined();
    });
  }

  it('another run that removed the key meanwhile: nothing recorded, "no key is stored now" (exit 7)', async () => {
    const t = context({ stdin: `${NEW}\n` });
    await t.ctx.keys.set('default', OLD, false);
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'keychain', hint: maskKey(OLD), savedAt: '2026-03-01T00:00:00.000Z' };
    });
    whenStored(t, NEW, async () => {
      const path = t.ctx.state.path;
      const report = compromise.get(path)!;
      rmdirSync(lockPathFor(path));
      const other = { ...anotherRun(t), term: context().ctx.term };
      expect((await outcomeOf(logout(other, { yes: true }))).code).toBe(0);
      report();
    });
    const result = await outcomeOf(key(t.ctx, { stdin: true, verify: false }));
    expect(result.code, result.message).toBe(7);
    expect(flat(result.message)).toBe(`${maskKey(NEW)} was stored for profile "default", but another run has since removed it: no key is stored now, so nothing more was changed.`);
    expect(t.stdout + t.stderr).not.toMatch(/This replaces|Stored/);
    expect((await t.ctx.keys.find('default')).stored).toBeNull();
    expect(onDisk(t).profiles.default?.key).toBeUndefined();
  });
});

describe('logout: another run stored a key after this one removed the old one, before this one could record that', () => {
  it('the record of the key stored now stays; exit 7 naming it, not "Removed"', async () => {
    const t = context();
    await t.ctx.keys.set('default', OLD, false);
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'keychain', hint: maskKey(OLD), savedAt: '2026-03-01T00:00:00.000Z' };
      p.stages.key = { doneAt: '2026-03-01T00:00:00.000Z' };
    });
    whenRemoved(t, 'default', () => anotherRunStores(t, THEIRS, false));
    const result = await outcomeOf(logout(t.ctx, { yes: true }));
    expect(result.code, result.message).toBe(7);
    expect(flat(result.message)).toBe(
      `${maskKey(OLD)} of profile "default" was removed, but another run has since stored ${maskKey(THEIRS)} (in the ${t.ctx.keys.keychainDescription}), which is what is stored and recorded now, so nothing more was changed.`,
    );
    expect(t.stdout + t.stderr).not.toMatch(/Removed|revoke/);
    expect(t.keychain.keyOf('default')).toBe(THEIRS);
    const state = onDisk(t);
    expect(state.profiles.default.key).toMatchObject({ storage: 'keychain', hint: maskKey(THEIRS) });
    expect(state.profiles.default.stages.key).toBeDefined();
    expect(state.profiles.default.keyChangeStartedAt).toBeUndefined();
  });
});

describe('rotate: another run stored a key after the new key was stored, before it was recorded', () => {
  const PROJECT = 'proj_LockLostStoreChanged0000';
  for (const storage of ['keychain', 'file'] as const) {
    it(`the new key is stored nowhere: its service account deleted again, the old key not revoked, the other run's key stored and recorded (${storage})`, async () => {
      const old = makeKey('proj', `unit-store-changed-${storage}`);
      const t = context({ admin: true, keychain: { 'default:admin': ADMIN } });
      await t.ctx.keys.set('default', old, storage === 'file');
      organizationWith(t, { admin: ADMIN, project: PROJECT, old });
      const oldHint = await recordCheckedKey(t, { old, project: PROJECT, storage });
      let newKey = '';
      const theirTurn = async () => {
        newKey = (await t.ctx.keys.snapshot('default'))[storage === 'file' ? 'file' : 'keychain']!;
        await anotherRunStores(t, THEIRS, storage === 'file');
      };
      // In the keychain, once rotate has read the new key back (it checks it is there): the pause
      // comes after the store's change, before its record.
      if (storage === 'keychain') afterReadBack(t, theirTurn);
      else whenStored(t, (k) => k.startsWith('sk-svcacct-'), theirTurn);
      const result = await outcomeOf(rotate(t.ctx, { keepOld: false, yes: true, json: false }));
      expect(result.code, result.message).toBe(7);
      expect(newKey).toMatch(/^sk-svcacct-/);
      const message = flat(result.message);
      expect(message).toContain(`${maskKey(newKey)} was stored for profile "default", but another run has since stored ${maskKey(THEIRS)} (in ${where(t, storage)}), which is what is stored and recorded now, so nothing more was changed.`);
      expect(message).toContain(`${maskKey(newKey)} is stored nowhere now. The new service account `);
      expect(message).toContain(' was deleted again.');
      expect(message).toContain(`${oldHint}, which this run started from, is no longer the key stored for profile "default"; it was not revoked and works: revoke it on `);
      expect(t.stdout + t.stderr).not.toMatch(/in place of|Revoked|was revoked/);
      // The old key was not revoked; the new one's service account is gone, and with it its key.
      expect(t.org.isLive(old)).toBe(true);
      expect(t.org.admin.serviceAccounts(PROJECT)).toEqual([]);
      expect(t.org.isLive(newKey)).toBe(false);
      expect((await t.ctx.keys.find('default')).stored).toEqual({ key: THEIRS, storage });
      const state = onDisk(t);
      expect(state.profiles.default.key).toMatchObject({ storage, hint: maskKey(THEIRS) });
      expect(state.profiles.default.rotation).toBeUndefined();
      expect(state.profiles.default.keyChangeStartedAt).toBeUndefined();
    });
  }
});

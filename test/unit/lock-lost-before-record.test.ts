// A run paused (Ctrl-Z, a suspend, a machine too busy) after it changed the key store and before it
// recorded that in state.json: another run takes state.json's lock over as stale meanwhile, and the
// paused run, resumed, finds the lock lost right before its record's write. The store holds its
// change, so the record is made again, to the file as it is now (key-change.ts), never "not
// stored" / "nothing changed" said of a key that is stored; and rotate never deletes the service
// account of the key that is stored. The takeover is done here by hand, as proper-lockfile does it,
// and proper-lockfile's refresh, late after the pause, reports the paused run's lock compromised.
import { mkdirSync, readFileSync, renameSync, rmdirSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run as key } from '../../src/commands/key.js';
import { run as logout } from '../../src/commands/logout.js';
import { run as rotate } from '../../src/commands/rotate.js';
import { maskKey } from '../../src/keys/format.js';
import { adminAccount } from '../../src/storage/admin-key.js';
import { lockPathFor } from '../../src/storage/lock.js';
import { compromise } from '../helpers/lock-compromise.js';
import { outcomeOf, testKey, type TestContext } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { organizationWith, recordCheckedKey } from '../helpers/rotatable.js';
import { whenStored } from '../helpers/store-faults.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

vi.mock('proper-lockfile', async (importOriginal) => (await import('../helpers/lock-compromise.js')).compromisableLockfile(importOriginal));

afterEach(() => compromise.clear());

const OLD = testKey('1');
const NEW = testKey('2');
const ADMIN = makeKey('admin', 'unit-lock-lost-before-record');
const { make: context } = trackedContexts({ defaults: { interactive: false } });

/**
 * The paused run's lock on state.json, taken over: another run removes it as stale, makes its own,
 * writes its change (profile "B") and leaves; the paused run's lock is reported compromised.
 */
function takenOver(t: TestContext): void {
  const path = t.ctx.state.path;
  const lock = lockPathFor(path);
  rmdirSync(lock);
  mkdirSync(lock);
  const theirs = JSON.parse(readFileSync(path, 'utf8'));
  theirs.profiles.B = { stages: {}, billingChoice: 'prepaid' };
  writeFileSync(`${path}.theirs`, JSON.stringify(theirs), { mode: 0o600 });
  renameSync(`${path}.theirs`, path);
  rmdirSync(lock);
  const report = compromise.get(path);
  expect(report).toBeDefined();
  report!();
}

/** Run `act` once, right after `account`'s keychain entry is removed. */
function whenRemoved(t: TestContext, account: string, act: () => void): void {
  const del = t.keychain.deletePassword.bind(t.keychain);
  let done = false;
  t.keychain.deletePassword = async (service, name) => {
    const removed = await del(service, name);
    if (name === account && !done) {
      done = true;
      act();
    }
    return removed;
  };
}

const onDisk = (t: TestContext) => JSON.parse(readFileSync(t.ctx.state.path, 'utf8'));

describe('key: the lock lost after the key was stored, before it was recorded', () => {
  for (const storage of ['keychain', 'file'] as const) {
    it(`the record is made again (${storage}): stored, recorded, the other run's change kept, no interrupted-change mark`, async () => {
      const t = context({ stdin: `${NEW}\n` });
      await t.ctx.keys.set('default', OLD, storage === 'file');
      await t.ctx.state.updateProfile('default', (p) => {
        p.key = { storage, hint: maskKey(OLD), savedAt: '2026-03-01T00:00:00.000Z' };
        p.stages.key = { doneAt: '2026-03-01T00:00:00.000Z' };
      });
      whenStored(t, NEW, () => takenOver(t));
      const result = await outcomeOf(key(t.ctx, { stdin: true, verify: false, insecureStorage: storage === 'file' }));
      expect(result.code, result.message).toBe(0);
      expect(t.stdout + t.stderr).not.toMatch(/not stored|was lost/);
      expect((await t.ctx.keys.find('default')).stored).toEqual({ key: NEW, storage });
      const state = onDisk(t);
      expect(state.profiles.default.key).toMatchObject({ storage, hint: maskKey(NEW) });
      expect(state.profiles.default.keyChangeStartedAt).toBeUndefined();
      expect(state.profiles.B.billingChoice).toBe('prepaid');
    });
  }
});

describe('logout: the lock lost after the key was removed, before that was recorded', () => {
  it('logout --yes: removed, and the record forgotten again (not "was not removed")', async () => {
    const t = context();
    await t.ctx.keys.set('default', OLD, false);
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'keychain', hint: maskKey(OLD), savedAt: '2026-03-01T00:00:00.000Z' };
      p.stages.key = { doneAt: '2026-03-01T00:00:00.000Z' };
    });
    whenRemoved(t, 'default', () => takenOver(t));
    const result = await outcomeOf(logout(t.ctx, { yes: true }));
    expect(result.code, result.message).toBe(0);
    expect(t.stdout).toContain(`Removed ${maskKey(OLD)} from the Secret Service keyring.`);
    expect(t.stdout + t.stderr).not.toMatch(/not removed|was lost/);
    expect(t.keychain.keyOf('default')).toBeUndefined();
    const state = onDisk(t);
    expect(state.profiles.default.key).toBeUndefined();
    expect(state.profiles.default.keyChangeStartedAt).toBeUndefined();
    expect(state.profiles.B.billingChoice).toBe('prepaid');
  });

  it('logout --admin --yes: removed, and its record forgotten again', async () => {
    const t = context({ keychain: { [adminAccount('default')]: ADMIN } });
    await t.ctx.state.updateProfile('default', (p) => {
      p.adminKey = { storage: 'keychain', hint: maskKey(ADMIN), savedAt: '2026-03-01T00:00:00.000Z' };
    });
    whenRemoved(t, adminAccount('default'), () => takenOver(t));
    const result = await outcomeOf(logout(t.ctx, { yes: true, admin: true }));
    expect(result.code, result.message).toBe(0);
    expect(t.stdout + t.stderr).not.toMatch(/not removed|was lost/);
    expect(t.keychain.keyOf(adminAccount('default'))).toBeUndefined();
    const state = onDisk(t);
    expect(state.profiles.default.adminKey).toBeUndefined();
    expect(state.profiles.B.billingChoice).toBe('prepaid');
  });
});

describe('rotate: the lock lost after the new key was stored, before it was recorded', () => {
  const PROJECT = 'proj_LockLostRecord000000000';
  for (const storage of ['keychain', 'file'] as const) {
    it(`the new key is recorded again and the rotation goes on (${storage}): its service account kept, never deleted`, async () => {
      const old = makeKey('proj', `unit-lock-lost-${storage}`);
      const t = context({ admin: true, keychain: { 'default:admin': ADMIN } });
      await t.ctx.keys.set('default', old, storage === 'file');
      organizationWith(t, { admin: ADMIN, project: PROJECT, old });
      const hint = await recordCheckedKey(t, { old, project: PROJECT, storage });
      whenStored(t, (k) => k.startsWith('sk-svcacct-'), () => takenOver(t));
      const result = await outcomeOf(rotate(t.ctx, { keepOld: false, yes: true, json: false }));
      expect(result.code, result.message).toBe(0);
      expect(t.stdout + t.stderr).not.toMatch(/Nothing was stored|was deleted again|was lost/);
      const stored = (await t.ctx.keys.find('default')).stored!;
      expect(stored).toMatchObject({ key: expect.stringMatching(/^sk-svcacct-/), storage });
      // The stored key's service account is there, and its key works.
      const [account] = t.org.admin.serviceAccounts(PROJECT);
      expect(account).toBeDefined();
      expect(t.org.isLive(stored.key)).toBe(true);
      expect(t.org.isLive(old)).toBe(false);
      const state = onDisk(t);
      expect(state.profiles.default.key.hint).toBe(maskKey(stored.key));
      expect(state.profiles.default.rotation).toMatchObject({ serviceAccountId: account!.id, keyHint: maskKey(stored.key) });
      expect(state.profiles.default.keyChangeStartedAt).toBeUndefined();
      expect(state.profiles.B.billingChoice).toBe('prepaid');
      expect(t.stdout).toContain(`in place of ${hint}`);
      expect(t.stdout + t.stderr).not.toContain(stored.key);
    });
  }
});

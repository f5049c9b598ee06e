// A run paused (Ctrl-Z, a machine too busy) inside its key change, past state.json's lock's
// staleness: another run takes the lock over, stores a key of its own for the same profile and
// records it; then the paused run's change fails. Putting the store back as it was before would
// write over the other run's key (its record would then name a key no longer stored): the store is
// put back only while it holds what this run left there, seen with the lock taken again
// (key-change.ts). Here it does not: the other run's key stays stored and recorded, and the paused
// run fails (exit 7) naming it, never "put back" nor "nothing was changed". A run whose lock was
// lost while no other run changed the store still puts it back. As in
// lock-lost-store-changed.test.ts, the takeover is done by hand, as proper-lockfile does it, and
// proper-lockfile's refresh, late after the pause, reports the paused run's lock compromised.
import { existsSync, readFileSync, rmdirSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run as key } from '../../src/commands/key.js';
import { run as rotate } from '../../src/commands/rotate.js';
import { maskKey } from '../../src/keys/format.js';
import { KeychainUnavailableError } from '../../src/storage/keychain.js';
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
const ADMIN = makeKey('admin', 'unit-lock-lost-put-back');
const { make: context } = trackedContexts({ defaults: { interactive: false } });

/**
 * The paused run's lock on state.json, taken over: another run removes it as stale and (with
 * `theirs`) runs `key --stdin` storing that key for profile "default" to the end (stored and
 * recorded); then the paused run's lock is reported compromised.
 */
async function takenOver(t: TestContext, theirs: { key: string; insecureStorage: boolean } | null): Promise<void> {
  const path = t.ctx.state.path;
  const report = compromise.get(path);
  expect(report).toBeDefined();
  rmdirSync(lockPathFor(path));
  if (theirs) {
    const other = { ...anotherRun(t, `${theirs.key}\n`), term: context().ctx.term };
    const result = await outcomeOf(key(other, { stdin: true, verify: false, insecureStorage: theirs.insecureStorage }));
    expect(result.code, result.message).toBe(0);
  }
  report!();
}

/**
 * Once `key` is stored, `act` (the pause), then the store's call fails: in the keychain, the write
 * answered too late (made all the same); in the file, the keychain clean-up that follows it
 * (dropKeychainCopy) fails with an error it does not expect.
 */
function storedThenFails(t: TestContext, storage: 'keychain' | 'file', stored: string, act: () => Promise<void>): void {
  const keychain = t.keychain;
  let done = false;
  if (storage === 'keychain') {
    const set = keychain.setPassword.bind(keychain);
    keychain.setPassword = async (service, account, password) => {
      await set(service, account, password);
      if (done || password !== stored) return;
      done = true;
      await act();
      throw new KeychainUnavailableError('timeout', 'no answer within 3000 ms');
    };
    return;
  }
  const inFile = () => existsSync(t.ctx.keys.filePath) && JSON.parse(readFileSync(t.ctx.keys.filePath, 'utf8')).keys.default === stored;
  const del = keychain.deletePassword.bind(keychain);
  keychain.deletePassword = async (service, account) => {
    const removed = await del(service, account);
    if (done || account !== 'default' || !inFile()) return removed;
    done = true;
    await act();
    throw new Error('the keychain helper crashed');
  };
}

const onDisk = (t: TestContext) => JSON.parse(readFileSync(t.ctx.state.path, 'utf8'));
const where = (t: TestContext, storage: 'keychain' | 'file') => (storage === 'keychain' ? `the ${t.ctx.keys.keychainDescription}` : t.ctx.keys.filePath);

async function withOldKey(t: TestContext, storage: 'keychain' | 'file'): Promise<void> {
  await t.ctx.keys.set('default', OLD, storage === 'file');
  await t.ctx.state.updateProfile('default', (p) => {
    p.key = { storage, hint: maskKey(OLD), savedAt: '2026-03-01T00:00:00.000Z' };
    p.stages.key = { doneAt: '2026-03-01T00:00:00.000Z' };
  });
}

describe('key: the change fails after another run took the lock over and stored its own key', () => {
  const reasons = {
    keychain: (t: TestContext) => `The ${t.ctx.keys.keychainDescription} did not answer within a few seconds`,
    file: () => 'the keychain helper crashed',
  };
  for (const storage of ['keychain', 'file'] as const) {
    it(`the other run's key stays stored and recorded; exit 7 naming it, never "put back" (${storage})`, async () => {
      const t = context({ stdin: `${NEW}\n` });
      await withOldKey(t, storage);
      storedThenFails(t, storage, NEW, () => takenOver(t, { key: THEIRS, insecureStorage: storage === 'file' }));
      const result = await outcomeOf(key(t.ctx, { stdin: true, verify: false, insecureStorage: storage === 'file' }));
      expect(result.code, result.message).toBe(7);
      expect(flat(result.message)).toBe(
        `Storing ${maskKey(NEW)} for profile "default" failed (${reasons[storage](t)}), and another run has since stored ${maskKey(THEIRS)} (in ${where(t, storage)}), which is what is stored and recorded now, so that was left as it is.`,
      );
      expect(result.hints).toEqual([]);
      expect(t.stdout + t.stderr).not.toMatch(/put back|nothing was changed|This replaces|Stored/);
      // The other run's key, where it put it, and its record: nothing of this run's is left.
      expect((await t.ctx.keys.find('default')).stored).toEqual({ key: THEIRS, storage });
      expect(await t.ctx.keys.snapshot('default')).toEqual(storage === 'file' ? { keychain: null, file: THEIRS } : { keychain: THEIRS, file: null });
      const state = onDisk(t);
      expect(state.profiles.default.key).toMatchObject({ storage, hint: maskKey(THEIRS) });
      expect(state.profiles.default.keyChangeStartedAt).toBeUndefined();
    });
  }

  it('the lock lost but the store left alone by other runs: put back as before, the mark cleared (file)', async () => {
    const t = context({ stdin: `${NEW}\n` });
    await withOldKey(t, 'file');
    storedThenFails(t, 'file', NEW, () => takenOver(t, null));
    const result = await outcomeOf(key(t.ctx, { stdin: true, verify: false, insecureStorage: true }));
    expect(flat(result.message)).toBe(`Storing ${maskKey(NEW)} failed (the keychain helper crashed), so what was stored before was put back: nothing was changed.`);
    expect(await t.ctx.keys.snapshot('default')).toEqual({ keychain: null, file: OLD });
    const state = onDisk(t);
    expect(state.profiles.default.key).toMatchObject({ storage: 'file', hint: maskKey(OLD) });
    expect(state.profiles.default.keyChangeStartedAt).toBeUndefined();
  });

  it("the lock lost, the store left alone by other runs, and this run's change made in part (the new key in the keychain, the old one still in the file): put back, never blamed on another run", async () => {
    const t = context({ stdin: `${NEW}\n` });
    await withOldKey(t, 'file');
    storedThenFails(t, 'keychain', NEW, () => takenOver(t, null));
    const result = await outcomeOf(key(t.ctx, { stdin: true, verify: false, insecureStorage: false }));
    expect(result.code, result.message).toBe(7);
    expect(flat(result.message)).toMatch(new RegExp(`^The ${t.ctx.keys.keychainDescription} did not answer within a few seconds\\. The key was not stored\\.`));
    expect(t.stdout + t.stderr + result.message).not.toMatch(/another run/);
    expect(await t.ctx.keys.snapshot('default')).toEqual({ keychain: null, file: OLD });
    const state = onDisk(t);
    expect(state.profiles.default.key).toMatchObject({ storage: 'file', hint: maskKey(OLD) });
    expect(state.profiles.default.keyChangeStartedAt).toBeUndefined();
  });
});

describe("rotate: the new key read back is another run's, which took the lock over meanwhile", () => {
  const PROJECT = 'proj_LockLostPutBack000000000';
  it("the other run's key stays stored and recorded; the new key's service account deleted again, the old key not revoked", async () => {
    const old = makeKey('proj', 'unit-put-back-keychain');
    const t = context({ admin: true, keychain: { 'default:admin': ADMIN } });
    await t.ctx.keys.set('default', old, false);
    organizationWith(t, { admin: ADMIN, project: PROJECT, old });
    const oldHint = await recordCheckedKey(t, { old, project: PROJECT, storage: 'keychain' });
    let newKey = '';
    // Paused right after the new key's write: the read-back that follows finds the other run's key.
    whenStored(
      t,
      (k) => k.startsWith('sk-svcacct-'),
      async () => {
        newKey = (await t.ctx.keys.snapshot('default')).keychain!;
        await takenOver(t, { key: THEIRS, insecureStorage: false });
      },
    );
    const result = await outcomeOf(rotate(t.ctx, { keepOld: false, yes: true, json: false }));
    expect(result.code, result.message).toBe(7);
    expect(newKey).toMatch(/^sk-svcacct-/);
    const message = flat(result.message);
    expect(message).toContain(`Storing ${maskKey(newKey)} for profile "default" failed (`);
    expect(message).toContain(`, and another run has since stored ${maskKey(THEIRS)} (in ${where(t, 'keychain')}), which is what is stored and recorded now, so that was left as it is.`);
    expect(message).toContain(`${maskKey(newKey)} is stored nowhere now. The new service account `);
    expect(message).toContain(`${oldHint}, which this run started from, is no longer the key stored for profile "default"; it was not revoked and works`);
    expect(t.stdout + t.stderr + message).not.toMatch(/put back|in place of|Revoked|was revoked/);
    expect(t.org.isLive(old)).toBe(true);
    expect(t.org.admin.serviceAccounts(PROJECT)).toEqual([]);
    expect(await t.ctx.keys.snapshot('default')).toEqual({ keychain: THEIRS, file: null });
    const state = onDisk(t);
    expect(state.profiles.default.key).toMatchObject({ storage: 'keychain', hint: maskKey(THEIRS) });
    expect(state.profiles.default.rotation).toBeUndefined();
    expect(state.profiles.default.keyChangeStartedAt).toBeUndefined();
  });
});

// A run paused while it holds state.json's lock (Ctrl-Z, a machine too busy) has its lock taken
// over as stale by another run, which writes its change. The paused run, resumed, must not write
// the progress it read before over that change: it finds the lock lost right before its write and
// makes its change again, to the file as it is now. The takeover is done here by hand, as
// proper-lockfile does it (the stale lock directory removed, the other run's lock made).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { changeKey } from '../../src/storage/key-change.js';
import { lockPathFor, LockLostUnwrittenError, withFileLock } from '../../src/storage/lock.js';
import { profileIn, StateStore } from '../../src/storage/state.js';
import { makeTestContext, testKey, type TestContext } from '../helpers/context.js';

const now = () => new Date('2026-11-24T10:00:00.000Z');
const roots: string[] = [];
let t: TestContext | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});
function configDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'osetup-takeover-'));
  roots.push(dir);
  return dir;
}

/** What another run does once it has taken the lock over: its change to B written, its lock removed. */
function otherRunWritesB(path: string): void {
  const lock = lockPathFor(path);
  rmdirSync(lock);
  mkdirSync(lock);
  const theirs = JSON.parse(readFileSync(path, 'utf8'));
  theirs.profiles.B = { stages: { billing: { doneAt: now().toISOString() } }, billingChoice: 'prepaid' };
  writeFileSync(`${path}.theirs`, JSON.stringify(theirs), { mode: 0o600 });
  renameSync(`${path}.theirs`, path);
  rmdirSync(lock);
}

describe('a lock taken over from a paused run', () => {
  it("the paused run's change is made again to the file as the other run left it: both changes are kept", async () => {
    const dir = configDir();
    const paused = new StateStore(dir, now, () => {});
    const other = new StateStore(dir, now, () => {});
    await other.updateProfile('B', () => {});
    let calls = 0;
    await paused.updateProfile('A', (profile, state) => {
      calls++;
      if (calls === 1) {
        // Paused here, past the lock's staleness: the other run takes the lock over (removes it,
        // makes its own), writes its change and leaves (removes its lock).
        expect(state.profiles.B).toEqual({ stages: {} });
        otherRunWritesB(other.path);
      }
      profile.key = { storage: 'keychain', hint: 'sk-proj-…Ab12', savedAt: now().toISOString() };
    });
    expect(calls).toBe(2);
    const onDisk = JSON.parse(readFileSync(paused.path, 'utf8'));
    expect(onDisk.profiles.B).toEqual({ stages: { billing: { doneAt: now().toISOString() } }, billingChoice: 'prepaid' });
    expect(onDisk.profiles.A.key.hint).toBe('sk-proj-…Ab12');
    expect(existsSync(lockPathFor(paused.path))).toBe(false);
  });

  it("a key stored while paused: its record is written again to the file as the other run left it, both kept", async () => {
    t = makeTestContext({ interactive: false, stdoutIsTTY: false });
    const ctx = t.ctx;
    await ctx.state.updateProfile('B', () => {});
    const key = testKey('1');
    await changeKey(
      ctx,
      'A',
      async () => {
        await ctx.keys.set('A', key, false);
        otherRunWritesB(ctx.state.path);
      },
      (state) => {
        profileIn(state, 'A').key = { storage: 'keychain', hint: 'sk-proj-…0001', savedAt: now().toISOString() };
      },
    );
    const onDisk = JSON.parse(readFileSync(ctx.state.path, 'utf8'));
    expect(onDisk.profiles.A.key.hint).toBe('sk-proj-…0001');
    expect(onDisk.profiles.B.billingChoice).toBe('prepaid');
    expect(t.keychain.keyOf('A')).toBe(key);
  });

  it("a lock another run holds now is not this call's: the write is refused, and that run's lock is left", async () => {
    const dir = configDir();
    const path = join(dir, 'state.json');
    const lock = lockPathFor(path);
    const written = withFileLock(path, async (held) => {
      held.assertHeld();
      rmdirSync(lock);
      mkdirSync(lock);
      held.assertHeld();
    });
    await expect(written).rejects.toThrow(LockLostUnwrittenError);
    await expect(written).rejects.toThrow(/was lost before the change was written .*so nothing was written\.$/);
    expect(existsSync(lock)).toBe(true);
  });
});

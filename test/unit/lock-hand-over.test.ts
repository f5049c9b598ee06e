// Runs that take a lock in turn: the wait for it is per holder, started again each time the lock
// changes hands, so a queue of runs that each hold it briefly all get their turn however long the
// queue (eight `key --stdin` at once on a busy machine, each with keychain calls under state.json's
// lock). Bounded all the same (LOCK_QUEUE_WAITS waits): runs that keep coming are said as such,
// without the rmdir that is the advice for one run holding it too long. The other runs here hand
// the lock over as proper-lockfile's would look from outside: a fresh directory (not stale) put in
// place of the one there, or the lock removed and made again.
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCK_QUEUE_WAITS, lockPathFor, LockBusyError, withFileLock } from '../../src/storage/lock.js';

// Small waits; each holder here keeps the lock a tenth of this, so the turns stay within it even
// on a loaded machine.
const WAIT = 600;
const TURN = WAIT / 10;

const roots: string[] = [];
const timers: NodeJS.Timeout[] = [];
afterEach(() => {
  for (const timer of timers.splice(0)) clearInterval(timer);
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function statePath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'osetup-handover-'));
  roots.push(dir);
  return join(dir, 'state.json');
}

/** The next run takes the lock as the last lets it go: a new directory at once in its place. */
function handOver(lock: string): void {
  mkdirSync(`${lock}.next`);
  renameSync(`${lock}.next`, lock);
}

/**
 * Other runs holding `lock` in turn, each for TURN, `turns` of them (or for ever); the last removes
 * the lock when done, or keeps it. `taken` counts the turns begun.
 */
function queue(lock: string, turns: number, last: 'releases' | 'keeps' = 'releases'): { taken: number } {
  const seen = { taken: 1 };
  mkdirSync(lock);
  const timer = setInterval(() => {
    if (seen.taken === turns) {
      clearInterval(timer);
      if (last === 'releases') rmdirSync(lock);
      return;
    }
    handOver(lock);
    seen.taken++;
  }, TURN);
  timers.push(timer);
  return seen;
}

// Room for the overall bound (LOCK_QUEUE_WAITS waits) on a loaded machine.
const TIMEOUT = 20_000;

describe('waiting for a lock that changes hands', () => {
  it('eight runs at once, each holding it for a while, longer than the wait in all: each gets its turn', async () => {
    const path = statePath();
    const turns: number[] = [];
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        withFileLock(
          path,
          async () => {
            turns.push(i);
            // Keychain calls under the lock, say.
            await new Promise((resolve) => setTimeout(resolve, TURN));
          },
          // Five turns: less than the eight take in all.
          5 * TURN,
        ),
      ),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
    expect(turns.sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(existsSync(lockPathFor(path))).toBe(false);
  }, TIMEOUT);

  it('a queue of runs each holding it within the wait, longer than the wait in all: the waiter gets its turn', async () => {
    const path = statePath();
    const lock = lockPathFor(path);
    // Twice the wait in all.
    const turns = (2 * WAIT) / TURN;
    const others = queue(lock, turns);
    const result = await withFileLock(
      path,
      async () => {
        // Only once the last of them let it go, and it is this run's now.
        expect(others.taken).toBe(turns);
        expect(existsSync(lock)).toBe(true);
        return 'written';
      },
      WAIT,
    );
    expect(result).toBe('written');
    expect(existsSync(lock)).toBe(false);
  }, TIMEOUT);

  it('runs taking it in turn, then one holding it past the wait: the message of a lock held too long, with its rmdir', async () => {
    const path = statePath();
    const lock = lockPathFor(path);
    const turns = (2 * WAIT) / TURN;
    const others = queue(lock, turns, 'keeps');
    let ran = false;
    const error = await withFileLock(path, async () => void (ran = true), WAIT).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LockBusyError);
    expect((error as Error).message).toBe(
      `Another run of openai-setup held ${lock} for more than ${WAIT} ms, so ${path} was not changed; run again, and if no other run is going on, remove the lock: rmdir '${lock}'`,
    );
    // Said of the last one, which kept it, not while the others were still taking turns.
    expect(others.taken).toBe(turns);
    expect(ran).toBe(false);
    expect(existsSync(lock)).toBe(true);
  }, TIMEOUT);

  it('a lock removed and made again at once by the next run (never seen gone, maybe with the same inode): the waiter gets its turn', async () => {
    const path = statePath();
    const lock = lockPathFor(path);
    mkdirSync(lock);
    const turns = (2 * WAIT) / TURN;
    let taken = 1;
    const timer = setInterval(() => {
      rmdirSync(lock);
      if (taken === turns) return clearInterval(timer);
      // In the same step: the waiter never finds it gone. On ext4 the new directory often (not
      // always) has the inode of the one just removed, never its birth time.
      mkdirSync(lock);
      taken++;
    }, TURN);
    timers.push(timer);
    const result = await withFileLock(
      path,
      async () => {
        expect(taken).toBe(turns);
        return 'written';
      },
      WAIT,
    );
    expect(result).toBe('written');
  }, TIMEOUT);

  it('runs that keep taking it in turn: after the overall bound, a message saying so, without rmdir', async () => {
    const path = statePath();
    const lock = lockPathFor(path);
    const others = queue(lock, Infinity);
    let ran = false;
    const error = await withFileLock(path, async () => void (ran = true), WAIT).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LockBusyError);
    const { message } = error as Error;
    expect(message).toBe(
      `Other runs of openai-setup kept ${lock} busy for ${Math.round((WAIT * LOCK_QUEUE_WAITS) / 1000)} s (one still at work, or several in turn), so ${path} was not changed; they are still changing it: run again once they are done.`,
    );
    expect(message).not.toContain('rmdir');
    // Past one wait: the turns went on for more than one holder's bound.
    expect(others.taken).toBeGreaterThan(WAIT / TURN);
    expect(ran).toBe(false);
  }, TIMEOUT);
});

// A run at work under the lock (keychain calls that take seconds each on a busy machine) keeps it
// fresh: proper-lockfile refreshes its mtime while the run is alive. It is waited for past the
// per-holder wait, however long, up to the overall bound, and never said to hold it "too long"
// with an rmdir of a lock in use.
describe('waiting for a run at work under the lock', () => {
  it('a run holding it for longer than the wait, refreshing it (proper-lockfile), then letting go: the waiter gets its turn', async () => {
    const path = statePath();
    const lock = lockPathFor(path);
    const { lock: take } = await import('proper-lockfile');
    // The holder's lock, refreshed every second (proper-lockfile's shortest), as a run's is.
    const release = await take(path, { lockfilePath: lock, realpath: false, stale: 10_000, update: 1_000, onCompromised: () => {} });
    // Longer than a refresh's interval, with room for a late one.
    const wait = 2_500;
    let released = false;
    const holding = new Promise<void>((resolve) => {
      timers.push(
        setTimeout(() => {
          released = true;
          resolve(release());
        }, 2 * wait),
      );
    });
    const result = await withFileLock(
      path,
      async () => {
        expect(released).toBe(true);
        return 'written';
      },
      wait,
    );
    await holding;
    expect(result).toBe('written');
    expect(existsSync(lock)).toBe(false);
  }, TIMEOUT);

  it('a run that keeps it fresh for ever: after the overall bound, the message of a lock in use, without rmdir', async () => {
    const path = statePath();
    const lock = lockPathFor(path);
    mkdirSync(lock);
    let refreshes = 0;
    timers.push(
      setInterval(() => {
        utimesSync(lock, new Date(), new Date());
        refreshes++;
      }, TURN),
    );
    let ran = false;
    const error = await withFileLock(path, async () => void (ran = true), WAIT).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LockBusyError);
    const { message } = error as Error;
    expect(message).toBe(
      `Other runs of openai-setup kept ${lock} busy for ${Math.round((WAIT * LOCK_QUEUE_WAITS) / 1000)} s (one still at work, or several in turn), so ${path} was not changed; they are still changing it: run again once they are done.`,
    );
    expect(message).not.toContain('rmdir');
    // Held by the one run all along, past its wait.
    expect(refreshes).toBeGreaterThan(WAIT / TURN);
    expect(ran).toBe(false);
    expect(existsSync(lock)).toBe(true);
  }, TIMEOUT);

  it('a lock not refreshed whose mtime is ahead of the clock (never stale): the message of a lock held too long, with its rmdir', async () => {
    const path = statePath();
    const lock = lockPathFor(path);
    mkdirSync(lock);
    const ahead = new Date(Date.now() + 3_600_000);
    utimesSync(lock, ahead, ahead);
    const error = await withFileLock(path, async () => 'written', WAIT).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LockBusyError);
    expect((error as Error).message).toBe(
      `Another run of openai-setup held ${lock} for more than ${WAIT} ms, so ${path} was not changed; run again, and if no other run is going on, remove the lock: rmdir '${lock}'`,
    );
    expect(existsSync(lock)).toBe(true);
  }, TIMEOUT);
});

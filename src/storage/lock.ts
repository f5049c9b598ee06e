// One writer at a time for a file's read-modify-write, across runs: proper-lockfile's lock, a
// directory `<file>.lock` made with mkdir (atomic), its mtime refreshed while held. A run killed
// while holding it leaves the directory behind; once its mtime is older than LOCK_STALE_MS it is
// taken over, so a stale lock delays the next run by seconds, never forever.
import * as fs from 'node:fs';
import { pathLine } from '../terminal/sanitize.js';
import { quotedWord } from '../terminal/shell.js';
import { ConfigStoreError, storeError } from './private-file.js';

/** A held lock is refreshed every half of this; one not refreshed for this long was left by a dead run. */
export const LOCK_STALE_MS = 5_000;
/** How long a run waits for the lock: past a stale lock's age, with room to spare. */
export const LOCK_WAIT_MS = 10_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Another run held the lock for all of the wait: nothing was done. */
export class LockBusyError extends ConfigStoreError {}
/** The lock was lost while held, and only found out once `body` had done its work. */
export class LockLostError extends ConfigStoreError {}

/**
 * The lock directories this process made and has not removed (releaseHeldLocks), each with the
 * lock call that made it: a lock reported compromised only after it was released (proper-lockfile's
 * refresh answered late) must not drop a lock made since at the same path.
 */
const held = new Map<string, object>();

/**
 * proper-lockfile's file system (its `fs` option), keeping `held` exact: a lock directory is made
 * and removed synchronously (one quick call in the config dir, as proper-lockfile's own lockSync
 * does), and `held` changes in the same step. Were either under way in the background when the run
 * leaves (a question ended by a terminal that hung up lets rotate release its lock just as the
 * SIGHUP comes), the exit path would leave a lock that is still there, or remove one another run
 * has made since. proper-lockfile's own removal on exit removes only what is still ours.
 */
type Done = (error: NodeJS.ErrnoException | null) => void;
const noting = (owner: object) => ({
  ...fs,
  mkdir(path: string, done: Done) {
    try {
      fs.mkdirSync(path);
    } catch (error) {
      return done(error as NodeJS.ErrnoException);
    }
    held.set(path, owner);
    done(null);
  },
  rmdir(path: string, done: Done) {
    try {
      fs.rmdirSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') held.delete(path);
      return done(error as NodeJS.ErrnoException);
    }
    held.delete(path);
    done(null);
  },
  rmdirSync(path: string) {
    if (held.delete(path)) fs.rmdirSync(path);
  },
});

/**
 * For a process about to leave: removes the locks it holds, at once. proper-lockfile removes them
 * on process.exit only (through signal-exit), which a run leaving by its signal again (its terminal
 * gone, main.ts) never reaches, and a lock left there would refuse the next rotate for seconds.
 * Synchronous, so that nothing after it can come first; only directories this process made.
 */
export function releaseHeldLocks(): void {
  for (const path of held.keys()) {
    held.delete(path);
    try {
      fs.rmdirSync(path);
    } catch {
      // Gone already: nothing of ours to remove.
    }
  }
}

export function lockPathFor(path: string): string {
  return `${path}.lock`;
}

/**
 * Run `body` holding the lock of `path` (whose directory must exist). Waits at most `waitMs`, then
 * fails in one line; nothing was changed then. `lockPath`: the lock elsewhere than next to `path`
 * (its directory must exist too).
 */
export async function withFileLock<T>(path: string, body: () => Promise<T>, waitMs = LOCK_WAIT_MS, lockPath = lockPathFor(path)): Promise<T> {
  // Loaded only by the commands that write (a file of its own in dist/vendor).
  const { lock } = await import('proper-lockfile');
  const deadline = Date.now() + waitMs;
  let compromised = false;
  /** This call's locks, told apart in `held` from another call's at the same path. */
  const owner = {};
  let release: () => Promise<void>;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    try {
      release = await lock(path, {
        lockfilePath: lockPath,
        // The file may not exist yet; its directory does.
        realpath: false,
        stale: LOCK_STALE_MS,
        // Our own waiting below, bounded by a deadline rather than a count.
        retries: 0,
        fs: noting(owner),
        // Its default throws from a timer, which would end the process with a stack trace.
        onCompromised: () => {
          compromised = true;
          // Removed, or taken over by another run: no longer ours to remove on leaving. Unless it
          // is a lock made since by another call of this process (this one's was released first).
          if (held.get(lockPath) === owner) held.delete(lockPath);
        },
      });
      break;
    } catch (error) {
      // Making the lock is the first write: its failure is the file's (read-only, full, not ours).
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw storeError(error, path, 'write');
      if (Date.now() >= deadline) {
        throw new LockBusyError(
          `Another run of openai-setup held ${pathLine(lockPath)} for more than ${waitMs >= 1000 ? `${Math.round(waitMs / 1000)} s` : `${waitMs} ms`}, so ${pathLine(path)} was not changed; run again, and if no other run is going on, remove the lock: rmdir ${quotedWord(lockPath)}`,
        );
      }
      // Jitter, so that runs waiting together do not retry in step.
      await sleep(delay * (0.5 + Math.random()));
    }
  }
  try {
    const result = await body();
    if (compromised) {
      throw new LockLostError(`The lock on ${pathLine(path)} was lost while it was being changed (the machine was too busy, or ${pathLine(lockPath)} was removed); run again to be sure the change was kept.`);
    }
    return result;
  } finally {
    await release().catch(() => {});
  }
}

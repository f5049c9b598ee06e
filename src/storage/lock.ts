// One writer at a time for a file's read-modify-write, across runs: proper-lockfile's lock, a
// directory `<file>.lock` made with mkdir (atomic), its mtime refreshed while held. A run killed
// while holding it leaves the directory behind; once its mtime is older than LOCK_STALE_MS it is
// taken over, so a stale lock delays the next run by seconds, never forever.
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
        // Its default throws from a timer, which would end the process with a stack trace.
        onCompromised: () => {
          compromised = true;
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

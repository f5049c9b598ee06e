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
/**
 * How long a run waits for the lock while one run holds it without refreshing it: past a stale
 * lock's age, with room to spare. A lock not refreshed is taken over as stale before this, so this
 * ends the wait only for a lock that never becomes stale (its mtime ahead of the clock).
 */
export const LOCK_WAIT_MS = 10_000;
/**
 * The wait is per holder: each time the lock changes hands, or its holder refreshes it (a live run
 * at work, its keychain calls under the lock taking seconds on a busy machine), it starts again,
 * so a queue of runs (eight `key --stdin` at once) all get their turn however long the queue, and
 * a run working long under the lock is waited for. Bounded all the same, at this many waits (a
 * minute for LOCK_WAIT_MS), so that runs that keep coming, or keep it, never keep one waiting for
 * ever: room for dozens of runs of a second or so each, and a script is told within a minute.
 */
export const LOCK_QUEUE_WAITS = 6;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Another run held the lock, unrefreshed, for all of the wait, or other runs kept it (in turn, or at work) for all of the overall bound: nothing was done. */
export class LockBusyError extends ConfigStoreError {}
/** The lock could not be made (its directory read-only, full, not ours: `errno`, its code): nothing was done. */
export class LockUnmadeError extends ConfigStoreError {
  constructor(
    from: ConfigStoreError,
    readonly errno: string,
  ) {
    super(from.message, from.hints, from.parts);
  }
}
/** The lock was lost while held, and only found out once `body` had done its work. */
export class LockLostError extends ConfigStoreError {}
/** The lock was found lost (or the file changed by another run) just before a write: nothing was written. */
export class LockLostUnwrittenError extends LockLostError {}

/**
 * A write under the lock is made only while the lock is younger than this: one older could be
 * taken over as stale (LOCK_STALE_MS) by another run while the write is under way.
 */
const FRESH_ENOUGH_MS = LOCK_STALE_MS - 1_500;

/** The lock as `body` of withFileLock sees it. */
export interface HeldLock {
  /**
   * Throws LockLostUnwrittenError unless the lock is still this call's and fresh: the directory
   * this call made (same inode, the mtime it last gave it), not one another run made after taking
   * it over as stale (this run paused, a machine too busy). Call it right before a write that
   * must not overwrite another run's change.
   */
  assertHeld(): void;
}

/** The lock directory this call made, as it last saw it: null until it made one. */
interface Mine {
  ino: number;
  mtimeMs: number;
}

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
const noting = (owner: object, lock: { mine: Mine | null; ours: (path: string) => boolean }) => ({
  ...fs,
  mkdir(path: string, done: Done) {
    try {
      fs.mkdirSync(path);
      const made = fs.statSync(path);
      lock.mine = { ino: made.ino, mtimeMs: made.mtimeMs };
    } catch (error) {
      return done(error as NodeJS.ErrnoException);
    }
    held.set(path, owner);
    done(null);
  },
  // The mtime proper-lockfile gives the lock (made, refreshed), as the file system keeps it.
  utimes(path: string, atime: Date, mtime: Date, done: Done) {
    fs.utimes(path, atime, mtime, (error) => {
      if (!error && lock.mine) {
        try {
          const now = fs.statSync(path);
          if (now.ino === lock.mine.ino) lock.mine.mtimeMs = now.mtimeMs;
        } catch {
          // Gone: the next look finds it lost.
        }
      }
      done(error);
    });
  },
  rmdir(path: string, done: Done) {
    // Once this call made its lock, it removes only that one: not one another run made after
    // taking it over (before, an rmdir is proper-lockfile removing a stale lock to take it over).
    if (lock.mine && !lock.ours(path)) {
      if (held.get(path) === owner) held.delete(path);
      return done(null);
    }
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

/** What releaseHeldLocks ends first (beforeReleasingHeldLocks). */
const endFirst = new Set<() => void>();

/**
 * Have releaseHeldLocks call `end` (synchronous) before it removes any lock: work this process has
 * under way under a lock, in a process of its own (a keychain helper's call, under keychain.lock),
 * must be stopped before another run can take the lock. The returned function takes it off.
 */
export function beforeReleasingHeldLocks(end: () => void): () => void {
  const entry = () => end();
  endFirst.add(entry);
  return () => void endFirst.delete(entry);
}

/**
 * For a process about to leave: removes the locks it holds, at once, once what must end first has
 * been ended (beforeReleasingHeldLocks). proper-lockfile removes them on process.exit only (through
 * signal-exit), which a run leaving by its signal again (its terminal gone, main.ts) never reaches,
 * and a lock left there would refuse the next rotate for seconds. Synchronous, so that nothing after
 * it can come first; only directories this process made.
 */
export function releaseHeldLocks(): void {
  for (const end of endFirst) {
    try {
      end();
    } catch {
      // Leaving all the same: the locks go.
    }
  }
  for (const path of held.keys()) {
    held.delete(path);
    try {
      fs.rmdirSync(path);
    } catch {
      // Gone already: nothing of ours to remove.
    }
  }
}

/**
 * Why what is at `lockPath` is no lock openai-setup made and never will be (a file, a symbolic
 * link, a directory with something in it), with the command that removes it; null: nothing there,
 * or an empty directory (a lock).
 */
function inTheWay(path: string, lockPath: string): ConfigStoreError | null {
  let found: fs.Stats;
  try {
    found = fs.lstatSync(lockPath);
  } catch {
    return null;
  }
  let what: string;
  let remove = 'rm';
  if (found.isSymbolicLink()) what = 'a symbolic link';
  else if (!found.isDirectory()) what = found.isFile() ? 'a file' : 'not a directory';
  else {
    let entries: string[];
    try {
      entries = fs.readdirSync(lockPath);
    } catch {
      return null;
    }
    if (entries.length === 0) return null;
    what = 'a directory with files in it';
    remove = 'rm -r';
  }
  return ConfigStoreError.of(
    `${pathLine(lockPath)} is in the way of the lock on ${pathLine(path)}: it is ${what}, not a lock openai-setup makes, so ${pathLine(path)} was not changed`,
    `if nothing of yours is in it, remove it and run again: ${remove} ${quotedWord(lockPath)}`,
  );
}

/**
 * The lock directory at `lockPath` now, null when none is there. `holder`: which directory, its
 * inode and birth time (a directory made since can have the inode of one removed just before, on
 * ext4 say, never its birth time). `mtimeNs`: its holder refreshes it while alive and at work.
 */
function lockAt(lockPath: string): { holder: string; mtimeNs: bigint } | null {
  try {
    const found = fs.statSync(lockPath, { bigint: true });
    return { holder: `${found.ino}:${found.birthtimeNs}`, mtimeNs: found.mtimeNs };
  } catch {
    return null;
  }
}

const duration = (ms: number) => (ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`);

export function lockPathFor(path: string): string {
  return `${path}.lock`;
}

/**
 * Run `body` holding the lock of `path` (whose directory must exist). Waits at most `waitMs` for
 * each run that holds it without refreshing it (the wait starts again when the lock changes hands
 * or its mtime moves on), and at most LOCK_QUEUE_WAITS times `waitMs` in all, then fails in one
 * line; nothing was changed then.
 * `lockPath`: the lock elsewhere than next to `path` (its directory must exist too).
 * `giveUp`: asked between tries; an error it gives ends the wait with that error (nothing changed).
 */
export async function withFileLock<T>(
  path: string,
  body: (lock: HeldLock) => Promise<T>,
  waitMs = LOCK_WAIT_MS,
  lockPath = lockPathFor(path),
  giveUp: () => Error | null = () => null,
): Promise<T> {
  // Loaded only by the commands that write (a file of its own in dist/vendor).
  const { lock } = await import('proper-lockfile');
  const started = Date.now();
  /** The lock directory seen when this wait began or last saw it change hands (undefined: not looked yet). */
  let holder: string | null | undefined;
  /** Its mtime as last seen: one that moves on is a holder alive and at work. */
  let refreshed: bigint | undefined;
  /** When the run holding it now has held it for all of `waitMs` without refreshing it (since this wait saw it take it or refresh it). */
  let holderDeadline = started + waitMs;
  /** However often it changes hands, the wait ends here. */
  const overallDeadline = started + waitMs * LOCK_QUEUE_WAITS;
  let compromised = false;
  /** This call's locks, told apart in `held` from another call's at the same path. */
  const owner = {};
  const state = {
    mine: null as Mine | null,
    /** Whether the directory at `at` is the one this call made, as it last left it. */
    ours(at: string): boolean {
      if (!state.mine) return false;
      try {
        const now = fs.statSync(at);
        return now.isDirectory() && now.ino === state.mine.ino && now.mtimeMs === state.mine.mtimeMs;
      } catch {
        return false;
      }
    },
  };
  /** Whether assertHeld() found the lock held, with nothing since saying otherwise. */
  let verified = false;
  const heldLock: HeldLock = {
    assertHeld() {
      verified = false;
      const age = state.mine ? Date.now() - state.mine.mtimeMs : Infinity;
      if (compromised || !state.ours(lockPath) || age >= FRESH_ENOUGH_MS) {
        throw new LockLostUnwrittenError(
          `The lock on ${pathLine(path)} was lost before the change was written (this run was paused or the machine too busy for seconds, and another run may have taken the lock over, or ${pathLine(lockPath)} was removed), so nothing was written.`,
        );
      }
      verified = true;
    },
  };
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
        fs: noting(owner, state),
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
      // Something else at the lock's name never becomes a lock: said at once, with how to remove it.
      const blocked = inTheWay(path, lockPath);
      if (blocked) throw blocked;
      // Making the lock is the first write, in the config dir (an edit lock too): its failure is
      // the lock's (read-only, full, not ours), not the file's.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ELOCKED') {
        const failed = storeError(error, lockPath, 'write', `make the lock ${pathLine(lockPath)} for the change to ${pathLine(path)}`);
        throw failed instanceof ConfigStoreError && code !== undefined ? new LockUnmadeError(failed, code) : failed;
      }
      // Sampled at every try (at most 100 ms apart): a lock released and taken by the next run in
      // the queue is a new directory, or none for a moment; a lock whose mtime moves on is held by
      // a run alive and at work (proper-lockfile refreshes it every LOCK_STALE_MS / 2).
      const seen = lockAt(lockPath);
      if (holder === undefined) {
        holder = seen?.holder ?? null;
        refreshed = seen?.mtimeNs;
      } else if ((seen?.holder ?? null) !== holder || seen?.mtimeNs !== refreshed) {
        holder = seen?.holder ?? null;
        refreshed = seen?.mtimeNs;
        holderDeadline = Date.now() + waitMs;
      }
      // First: one run kept it for all of its wait without refreshing it and it never became stale
      // (its mtime ahead of the clock: a clock set back, or the lock made by a machine whose clock
      // is ahead), the only case where removing the lock may be the fix. With a wait shorter than
      // a refresh's interval (rotate's none) also a live holder between refreshes.
      if (Date.now() >= holderDeadline) {
        throw new LockBusyError(
          `Another run of openai-setup held ${pathLine(lockPath)} for more than ${duration(waitMs)}, so ${pathLine(path)} was not changed; run again, and if no other run is going on, remove the lock: rmdir ${quotedWord(lockPath)}`,
        );
      }
      // Runs that each let it go in time but kept coming, or one alive and still at work: the lock
      // is in use, not to be removed.
      if (Date.now() >= overallDeadline) {
        throw new LockBusyError(
          `Other runs of openai-setup kept ${pathLine(lockPath)} busy for ${duration(waitMs * LOCK_QUEUE_WAITS)} (one still at work, or several in turn), so ${pathLine(path)} was not changed; they are still changing it: run again once they are done.`,
        );
      }
      const gaveUp = giveUp();
      if (gaveUp) throw gaveUp;
      // Jitter, so that runs waiting together do not retry in step.
      await sleep(delay * (0.5 + Math.random()));
    }
  }
  try {
    const result = await body(heldLock);
    // Lost after `body` last found it held (assertHeld, right before its write): what it wrote was
    // written holding it.
    if (compromised && !verified) {
      throw new LockLostError(`The lock on ${pathLine(path)} was lost while it was being changed (the machine was too busy, or ${pathLine(lockPath)} was removed); run again to be sure the change was kept.`);
    }
    return result;
  } finally {
    await release().catch(() => {});
  }
}

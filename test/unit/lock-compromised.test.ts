// A lock reported compromised is no longer this run's to remove on leaving; a lock this run made
// since at the same path still is. proper-lockfile refreshes a held lock every 2.5 s: it stats the
// directory, and a stat answered after the lock was released and the same file locked again (a
// run writes state.json several times) finds a directory that is not the old lock's, and reports
// the old lock compromised then (its stat callback does not look whether the lock was released).
// The refresh's timer is faked here, and that stat answered when the test says.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { lockPathFor, releaseHeldLocks, withFileLock } from '../../src/storage/lock.js';

type StatDone = (error: NodeJS.ErrnoException | null, stats: Stats) => void;
/** Runs a stat held back; resolves once its callback (proper-lockfile's) has run. */
type Answer = () => Promise<void>;
/** While `hold` is set, the next stat (the lock's refresh) is handed to it instead of run. */
const gate = vi.hoisted(() => ({ hold: null as null | ((answer: Answer) => void) }));

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const stat = (path: string, done: StatDone) => {
    const hold = gate.hold;
    if (!hold) return real.stat(path, done);
    gate.hold = null;
    hold(() => new Promise<void>((answered) => real.stat(path, (error, stats) => (done(error, stats), answered()))));
  };
  return { ...real, stat, default: { ...real, stat } };
});

const roots: string[] = [];
afterEach(() => {
  vi.useRealTimers();
  gate.hold = null;
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('a lock refreshed just as it was released, and the same file locked again', () => {
  it("the lock made again is still removed on leaving (releaseHeldLocks); another run's lock never is", async () => {
    const configDir = mkdtempSync(join(tmpdir(), 'osetup-compromised-'));
    roots.push(configDir);
    const path = join(configDir, 'state.json');
    const theirs = lockPathFor(join(configDir, 'credentials.json'));
    // Another run's lock: a directory this process did not make.
    mkdirSync(theirs);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });

    let started!: () => void;
    const bodyStarted = new Promise<void>((resolve) => (started = resolve));
    let finish!: () => void;
    const first = withFileLock(path, () => {
      started();
      return new Promise<void>((resolve) => (finish = resolve));
    });
    await bodyStarted;
    // The refresh comes: its stat is asked for, and answered only later.
    let answer: Answer | null = null;
    gate.hold = (held) => (answer = held);
    vi.advanceTimersByTime(2_500);
    expect(answer).not.toBeNull();
    finish();
    await first;

    // The file locked again (the run's next write); meanwhile the old refresh's stat is answered.
    const during = await withFileLock(path, async () => {
      await answer!();
      // What leaving on a signal does (main.ts).
      releaseHeldLocks();
      return { ours: existsSync(lockPathFor(path)), left: readdirSync(configDir).sort() };
    });
    expect(during).toEqual({ ours: false, left: ['credentials.json.lock'] });
  });
});

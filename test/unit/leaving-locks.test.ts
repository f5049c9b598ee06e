// A run leaving on a signal leaves no lock in the config dir (only a SIGKILL'd one does): a file's
// locked edit is a section, so the signal waits for it, lock taken and released; a lock held across
// questions (rotate's) is removed by the exit path itself (releaseHeldLocks, called by main.ts),
// which also runs when the terminal hung up and the run leaves by the signal again, past the exit
// handlers. Only this process's locks: one another run made is never touched. Through the built
// binary, with a terminal that hangs up: test/e2e/leaving-locks.test.ts.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Interrupts, type LeavingSignal } from '../../src/interrupts.js';
import { appendLine } from '../../src/keys/dotenv.js';
import { rewriteFile } from '../../src/plaintext/files.js';
import { lockPathFor, releaseHeldLocks, withFileLock } from '../../src/storage/lock.js';
import { FakeProcess } from '../helpers/signals.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A project dir with a .gitignore (or none), and a config dir of ours. */
function project(gitignore: string | null): { dir: string; file: string; configDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'osetup-leaving-'));
  roots.push(root);
  const dir = join(root, 'app');
  mkdirSync(dir);
  const file = join(dir, '.gitignore');
  if (gitignore !== null) writeFileSync(file, gitignore);
  const configDir = join(root, 'config');
  mkdirSync(configDir, { mode: 0o700 });
  return { dir, file, configDir };
}

describe('a signal while a file is being changed (env adding to .gitignore, import editing a line)', () => {
  it.each([
    ['SIGINT', 'a .gitignore that is not there yet', null],
    ['SIGTERM', 'a .gitignore that is not there yet', null],
    ['SIGTERM', 'a .gitignore there', 'node_modules/\n'],
    ['SIGHUP', 'a .gitignore there', 'node_modules/\n'],
  ] as const)('%s, %s: the run leaves once the change is written, and no lock is left in the config dir', async (signal, _what, before) => {
    const { dir, file, configDir } = project(before);
    const host = new FakeProcess();
    const interrupts = new Interrupts(host);
    // What is on disk the moment the run leaves.
    const atExit = host.exited.then((left) => ({ left, gitignore: readFileSync(file, 'utf8'), app: readdirSync(dir), config: readdirSync(configDir) }));
    const change = (text: string) => {
      // The signal comes while the lock is held, the change not yet written.
      interrupts.interrupt(signal as LeavingSignal);
      return appendLine(text, '/.env');
    };
    void rewriteFile(file, change, { configDir, interrupts }, { create: true });
    expect(await atExit).toEqual({ left: signal, gitignore: `${before ?? ''}/.env\n`, app: ['.gitignore'], config: [] });
    // Nothing said: the change ended in time.
    expect(host.said).toEqual([]);
  });
});

describe("the exit path removes the locks this run holds, and only those (main.ts's exit calls releaseHeldLocks)", () => {
  it('a lock held across a question (rotate\'s): removed at once; one another run holds stays', async () => {
    const { configDir } = project(null);
    const ours = join(configDir, 'rotate-default');
    const theirs = lockPathFor(join(configDir, 'rotate-work'));
    // Another run's lock: a directory this process did not make.
    mkdirSync(theirs);
    const during = await withFileLock(
      ours,
      async () => {
        const held = existsSync(lockPathFor(ours));
        releaseHeldLocks();
        return { held, left: readdirSync(configDir).sort() };
      },
      0,
    );
    expect(during).toEqual({ held: true, left: ['rotate-work.lock'] });
    expect(readdirSync(configDir)).toEqual(['rotate-work.lock']);
  });

  it('a lock this run released and another run then took: not removed', async () => {
    const { configDir } = project(null);
    const path = join(configDir, 'state.json');
    await withFileLock(path, async () => {}, 0);
    // Another run takes it as soon as it is free.
    mkdirSync(lockPathFor(path));
    releaseHeldLocks();
    expect(readdirSync(configDir)).toEqual(['state.json.lock']);
  });

  it("proper-lockfile's own clean-up on process exit, run after, removes no lock another run made meanwhile", async () => {
    const { configDir } = project(null);
    const path = join(configDir, 'credentials.json');
    // The locks proper-lockfile counts as held (its lib/lockfile.js; not part of its index or types).
    // @ts-expect-error: no types for this file
    const { getLocks } = (await import('proper-lockfile/lib/lockfile.js')) as unknown as { getLocks(): Record<string, { lockfilePath: string; options: { fs: { rmdirSync(path: string): void } } }> };
    await withFileLock(
      path,
      async () => {
        releaseHeldLocks();
        // Another run takes the lock the moment it is gone, before this process has exited.
        mkdirSync(lockPathFor(path));
        // What proper-lockfile's exit handler (signal-exit) does for each lock it still counts as held.
        const entry = Object.values(getLocks()).find((lock) => lock.lockfilePath === lockPathFor(path));
        expect(entry).toBeDefined();
        entry!.options.fs.rmdirSync(entry!.lockfilePath);
        expect(existsSync(lockPathFor(path))).toBe(true);
      },
      0,
    );
  });
});

// import changing a file (rewriteFile): runs take turns on a file, under a lock in the config dir
// (never a lock directory next to ~/.zshrc or in a project), waited for a bounded time; and the
// file is read back before "Changed" is said.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UNGUARDED } from '../../src/interrupts.js';
import { FileReadError, GONE, rewriteFile } from '../../src/plaintext/files.js';
import { editLockPath } from '../../src/storage/leftovers.js';
import { ConfigStoreError } from '../../src/storage/private-file.js';

// A lock another run keeps holding is waited for 300 ms here, not 10 s: the outcome is the same.
// Only that test shortens the wait: runs taking turns on a loaded machine may need more than 300 ms.
const lockWait = vi.hoisted(() => ({ ms: undefined as number | undefined }));
vi.mock('../../src/storage/lock.js', async (importOriginal) => {
  const lock = await importOriginal<typeof import('../../src/storage/lock.js')>();
  return { ...lock, withFileLock: <T>(path: string, body: () => Promise<T>, wait?: number, lockPath?: string) => lock.withFileLock(path, body, lockWait.ms ?? wait, lockPath) };
});

// A directory its owner made read-only (0500) refuses a new entry; root's runs (the tests') pass
// over that, so for root mkdir is refused here as it would be for its owner. A dir in
// `readOnlyMount` is on a read-only file system (EROFS).
const readOnlyMount = vi.hoisted(() => new Set<string>());
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const mkdirSync = ((path: string, options?: unknown) => {
    const parent = dirname(String(path));
    if (!fs.existsSync(path) && fs.existsSync(parent)) {
      if (readOnlyMount.has(parent)) throw Object.assign(new Error(`EROFS: read-only file system, mkdir '${String(path)}'`), { code: 'EROFS' });
      if (process.getuid?.() === 0 && (fs.statSync(parent).mode & 0o200) === 0) throw Object.assign(new Error(`EACCES: permission denied, mkdir '${String(path)}'`), { code: 'EACCES' });
    }
    return fs.mkdirSync(path, options as never);
  }) as typeof fs.mkdirSync;
  return { ...fs, mkdirSync, default: { ...fs, mkdirSync } };
});

const roots: string[] = [];
afterEach(() => {
  lockWait.ms = undefined;
  readOnlyMount.clear();
  for (const root of roots) {
    try {
      chmodSync(join(root, 'config'), 0o700);
    } catch {
      // Not made.
    }
  }
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A home with a ~/.bashrc of `lines` lines, and a config dir (not made yet). */
function home(lines: number): { file: string; home: string; configDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'osetup-rewrite-'));
  roots.push(root);
  const home = join(root, 'home');
  mkdirSync(home);
  const file = join(home, '.bashrc');
  writeFileSync(file, Array.from({ length: lines }, (_, i) => `line ${i + 1}\n`).join(''));
  return { file, home, configDir: join(root, 'config') };
}

/** Line `n` (1-based) changed, the rest as it is. */
const changeLine = (n: number) => (text: string) => text.replace(`line ${n}\n`, `changed ${n}\n`);

describe('rewriteFile: one run at a time', () => {
  it('concurrent changes of different lines of one file all stay', async () => {
    const { file, configDir } = home(8);
    const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => rewriteFile(file, changeLine(i + 1), { configDir, interrupts: UNGUARDED })));
    expect(outcomes).toEqual(Array(8).fill('changed'));
    expect(readFileSync(file, 'utf8')).toBe(Array.from({ length: 8 }, (_, i) => `changed ${i + 1}\n`).join(''));
  });

  it('the lock is in the config dir, named after the file, never next to it; none is left', async () => {
    const { file, home: dir, configDir } = home(1);
    let during: { home: string[]; config: string[] } | undefined;
    await rewriteFile(
      file,
      (text) => {
        during = { home: readdirSync(dir), config: readdirSync(configDir) };
        return changeLine(1)(text);
      },
      { configDir, interrupts: UNGUARDED },
    );
    expect(during).toEqual({ home: ['.bashrc'], config: [expect.stringMatching(/^edit-\.bashrc-[0-9a-f]{12}\.lock$/)] });
    expect(readdirSync(dir)).toEqual(['.bashrc']);
    expect(readdirSync(configDir)).toEqual([]);
  });

  it('a lock another run keeps holding: one line naming it after the wait, and the file unchanged', async () => {
    const { file, configDir } = home(1);
    mkdirSync(configDir, { mode: 0o700 });
    const lock = editLockPath(configDir, file);
    mkdirSync(lock);
    lockWait.ms = 300;
    const error = await rewriteFile(file, changeLine(1), { configDir, interrupts: UNGUARDED }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigStoreError);
    expect((error as Error).message).toMatch(new RegExp(`^Another run of openai-setup held ${lock} for more than 300 ms, so ${file} was not changed; .*rmdir '${lock}'$`));
    expect(readFileSync(file, 'utf8')).toBe('line 1\n');
  });

  it('a config dir that cannot be written (0500, a read-only mount): the change is made without its turn, atomically, nothing made in the config dir', async () => {
    const { file, home: dir, configDir } = home(2);
    mkdirSync(configDir, { mode: 0o700 });
    writeFileSync(join(configDir, 'credentials.json'), '{}\n', { mode: 0o400 });
    chmodSync(configDir, 0o500);
    const before = statSync(file).ino;
    expect(await rewriteFile(file, changeLine(1), { configDir, interrupts: UNGUARDED })).toBe('changed');
    expect(readFileSync(file, 'utf8')).toBe('changed 1\nline 2\n');
    // Replaced (a temp file renamed into place), nothing left beside it, nothing made in the config dir.
    expect(statSync(file).ino).not.toBe(before);
    expect(readdirSync(dir)).toEqual(['.bashrc']);
    expect(readdirSync(configDir)).toEqual(['credentials.json']);
    // A file made new there too (env --gitignore's .gitignore, import's rc file).
    const made = join(dir, '.gitignore');
    expect(await rewriteFile(made, () => '/.env\n', { configDir, interrupts: UNGUARDED }, { create: true })).toBe('changed');
    expect(readFileSync(made, 'utf8')).toBe('/.env\n');
    // A read-only file system: the same.
    chmodSync(configDir, 0o700);
    readOnlyMount.add(configDir);
    expect(await rewriteFile(file, changeLine(2), { configDir, interrupts: UNGUARDED })).toBe('changed');
    expect(readFileSync(file, 'utf8')).toBe('changed 1\nchanged 2\n');
    expect(readdirSync(configDir)).toEqual(['credentials.json']);
  });

  it('nothing to change (the line moved meanwhile): nothing written, "unchanged"', async () => {
    const { file, configDir } = home(1);
    expect(await rewriteFile(file, () => null, { configDir, interrupts: UNGUARDED })).toBe('unchanged');
    expect(readFileSync(file, 'utf8')).toBe('line 1\n');
  });

  it('read as the scan reads: a FIFO is refused at once (never waited on), a file gone is not made again unless asked; nothing written', async () => {
    const { file, home: dir, configDir } = home(1);
    rmSync(file);
    execFileSync('mkfifo', [file]);
    const fifo = await rewriteFile(file, changeLine(1), { configDir, interrupts: UNGUARDED }).catch((e: unknown) => e);
    expect(fifo).toEqual(new FileReadError(file, 'not a regular file'));
    expect(statSync(file).isFIFO()).toBe(true);
    const absent = join(dir, '.zshrc');
    expect(await rewriteFile(absent, () => 'x\n', { configDir, interrupts: UNGUARDED }).catch((e: unknown) => e)).toEqual(new FileReadError(absent, GONE));
    expect(readdirSync(dir)).toEqual(['.bashrc']);
    expect(await rewriteFile(absent, () => 'x\n', { configDir, interrupts: UNGUARDED }, { create: true })).toBe('changed');
    expect(readFileSync(absent, 'utf8')).toBe('x\n');
  });
});

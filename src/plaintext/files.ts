// Changing a file import found a key in: byte for byte (latin1: one character per byte, so any
// encoding comes back unchanged), atomically (a temp file next to it, renamed over it), with its
// mode kept, and one run at a time. The temp file holds the new text, never the old line, and
// never outlives a failure.
import { createHash } from 'node:crypto';
import { chmod, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { LOCK_WAIT_MS, withFileLock } from '../storage/lock.js';
import { ensurePrivateDir, tempPathFor } from '../storage/private-file.js';

const BYTES = 'latin1';

export async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, BYTES);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Where the lock of changing `real` is: in the config dir, named after the file (its name, for
 * people; a hash of its path, to be its own), never next to it. A directory appearing next to
 * ~/.zshrc or in a project (and, from a killed run, staying there) would be a surprise.
 */
export function editLockPath(configDir: string, real: string): string {
  const name = basename(real).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40);
  return join(configDir, `edit-${name}-${createHash('sha256').update(real).digest('hex').slice(0, 12)}.lock`);
}

/**
 * Replace the file's text with `change(text)` (null: leave it as it is); a file that does not
 * exist yet is created (mode 0644 less the umask's bits, as an editor would). Links are followed:
 * the file they point to changes, the link stays. Runs of openai-setup take turns on a file (a
 * lock in `configDir`, waited for a bounded time), so each changes what the one before wrote; and
 * the file is read back: 'changed' when it holds what was written, 'overwritten' when another
 * program (one that takes no lock: an editor) wrote it meanwhile, 'unchanged' when `change` gave null.
 */
export async function rewriteFile(path: string, change: (text: string) => string | null, configDir: string): Promise<'changed' | 'unchanged' | 'overwritten'> {
  const real = await realpath(path).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? null : Promise.reject(error)));
  await ensurePrivateDir(configDir);
  const target = real ?? resolve(path);
  return withFileLock(
    target,
    async () => {
      const exists = await stat(target).then(
        (stats) => stats,
        (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? null : Promise.reject(error)),
      );
      const next = change(exists ? await readFile(target, BYTES) : '');
      if (next === null) return 'unchanged';
      if (!exists) {
        await writeFile(target, next, { encoding: BYTES, flag: 'wx', mode: 0o644 });
      } else {
        const temp = tempPathFor(target);
        try {
          // Private while it is being written, the file's own mode before it takes its place.
          await writeFile(temp, next, { encoding: BYTES, mode: 0o600, flag: 'wx' });
          await chmod(temp, exists.mode & 0o7777);
          await rename(temp, target);
        } catch (error) {
          await rm(temp, { force: true }).catch(() => {});
          throw error;
        }
      }
      return (await readText(target)) === next ? 'changed' : 'overwritten';
    },
    LOCK_WAIT_MS,
    editLockPath(configDir, target),
  );
}

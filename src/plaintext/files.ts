// Changing a file import found a key in: byte for byte (latin1: one character per byte, so any
// encoding comes back unchanged), atomically (a temp file next to it, renamed over it), with its
// mode kept. The temp file holds the new text, never the old line, and never outlives a failure.
import { chmod, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tempPathFor } from '../storage/private-file.js';

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
 * Replace the file's text with `change(text)`; a file that does not exist yet is created (mode
 * 0644 less the umask's bits, as an editor would). Links are followed: the file they point to
 * changes, the link stays.
 */
export async function rewriteFile(path: string, change: (text: string) => string): Promise<void> {
  const real = await realpath(path).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? null : Promise.reject(error)));
  if (real === null) {
    await writeFile(path, change(''), { encoding: BYTES, flag: 'wx', mode: 0o644 });
    return;
  }
  const mode = (await stat(real)).mode & 0o7777;
  const next = change(await readFile(real, BYTES));
  const temp = tempPathFor(real);
  try {
    // Private while it is being written, the file's own mode before it takes its place.
    await writeFile(temp, next, { encoding: BYTES, mode: 0o600, flag: 'wx' });
    await chmod(temp, mode);
    await rename(temp, real);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw error;
  }
}

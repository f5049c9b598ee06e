// Files only their owner may read: a 0700 dir, 0600 files written atomically (temp file + rename).
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';

/** Create the dir with mode 0700 whatever the umask, and tighten it if it exists. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

/** A name next to `path` for a file to be renamed over it: unique to this process and call. */
export function tempPathFor(path: string): string {
  return `${path}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`;
}

/** Write a file atomically (temp file + rename) with mode 0600; the temp file never outlives a failure. */
export async function writePrivateFile(path: string, content: string): Promise<void> {
  const temp = tempPathFor(path);
  try {
    await writeFile(temp, content, { mode: 0o600 });
    await chmod(temp, 0o600);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw error;
  }
}

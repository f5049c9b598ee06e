// The one way a file is read that someone else may have put there or swapped meanwhile (the
// private files, the places import looks in and the files it edits, the .env and .gitignore env
// writes): opened without
// blocking, checked once open, and never read past a cap. Each caller words the refusal its own way.
import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** What a file-system error means, in words (by its code). */
export const FILE_PROBLEMS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links (a link that leads back to itself?)',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space is left on the disk',
  EDQUOT: 'the disk quota is used up',
  EIO: 'an input/output error',
  EBUSY: 'it is busy',
};

/** Why a file was not read: it is not a regular file (a FIFO would hang the read, /dev/zero never end), or it is larger than the cap. */
export class UnreadableFileError extends Error {
  constructor(
    readonly path: string,
    readonly reason: 'not-regular' | 'too-large',
    /** The cap, in bytes. */
    readonly max: number,
  ) {
    super(reason === 'not-regular' ? `${path} is not a regular file` : `${path} is larger than ${max} bytes`);
    this.name = 'UnreadableFileError';
  }
}

/** An open file to its end, never past `max` bytes (it may grow while it is read). */
async function readAtMost(handle: FileHandle, path: string, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) break;
    total += bytesRead;
    if (total > max) throw new UnreadableFileError(path, 'too-large', max);
    chunks.push(chunk.subarray(0, bytesRead));
  }
  return Buffer.concat(chunks);
}

/**
 * The bytes of the regular file at `path`, or null when there is none. Opened non-blocking (a
 * FIFO put in its place since it was looked at would otherwise wait for a writer) and checked once
 * open: anything but a regular file, or more than `max` bytes, is an UnreadableFileError; any
 * other failure is the system's (EACCES…). Given `lookedAt` (what a stat of `path` found), null
 * too when the file opened is another one: it was replaced since.
 */
export async function readRegularFile(path: string, max: number, lookedAt?: Stats): Promise<Buffer | null> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const opened = await handle.stat();
    if (lookedAt && (opened.dev !== lookedAt.dev || opened.ino !== lookedAt.ino)) return null;
    if (!opened.isFile()) throw new UnreadableFileError(path, 'not-regular', max);
    if (opened.size > max) throw new UnreadableFileError(path, 'too-large', max);
    return await readAtMost(handle, path, max);
  } finally {
    await handle.close().catch(() => {});
  }
}

// The one way a file is read that someone else may have put there or swapped meanwhile (the
// private files, the places import looks in and the files it edits, the .env and .gitignore env
// writes): opened without blocking, checked once open, and never read past a cap. Why a file could
// not be used is said one way for all of them: describeFileError.
import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { pathLine } from '../terminal/sanitize.js';
import { errnoWords } from './errno-words.js';

/** Why a file was not read: it is not a regular file (a FIFO would hang the read, /dev/zero never end), or it is larger than the cap. */
export class UnreadableFileError extends Error {
  constructor(
    readonly path: string,
    readonly reason: 'not-regular' | 'too-large',
    /** The cap, in bytes. */
    readonly max: number,
  ) {
    super('');
    this.message = `${pathLine(path)}: ${describeFileError(this)}`;
    this.name = 'UnreadableFileError';
  }
}

/**
 * Why a file could not be used, in words that fit after a colon ("permission denied", "larger
 * than 4 MB"): the one wording of every caller's file errors. `withCode`: the system error's code
 * after them (`permission denied (EACCES)`), as errnoWords says it. Null for an error that is no
 * file's (a bug).
 */
export function describeFileError(error: unknown, options: { withCode?: boolean } = {}): string | null {
  if (error instanceof UnreadableFileError) {
    if (error.reason === 'not-regular') return 'not a regular file';
    const mb = 1024 * 1024;
    return `larger than ${error.max % mb === 0 ? `${error.max / mb} MB` : `${error.max} bytes`}`;
  }
  return errnoWords(error, options);
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

/** `path` opened for reading without waiting (a FIFO has no writer to wait for), or null when there is none. */
async function openNonBlocking(path: string): Promise<FileHandle | null> {
  try {
    return await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * The bytes of the regular file at `path`, or null when there is none. Opened non-blocking (a
 * FIFO put in its place since it was looked at would otherwise wait for a writer) and checked once
 * open: anything but a regular file, or more than `max` bytes, is an UnreadableFileError; any
 * other failure is the system's (EACCES…). Given `lookedAt` (what a stat of `path` found), null
 * too when the file opened is another one: it was replaced since.
 */
export async function readRegularFile(path: string, max: number, lookedAt?: Stats): Promise<Buffer | null> {
  const handle = await openNonBlocking(path);
  if (!handle) return null;
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

/**
 * The first `bytes` bytes (fewer when the file is shorter) of the regular file at `path`, or null
 * when there is none: opened and checked as readRegularFile does, however large the file.
 */
export async function readRegularFileStart(path: string, bytes: number): Promise<Buffer | null> {
  const handle = await openNonBlocking(path);
  if (!handle) return null;
  try {
    if (!(await handle.stat()).isFile()) throw new UnreadableFileError(path, 'not-regular', bytes);
    const start = Buffer.alloc(bytes);
    let filled = 0;
    while (filled < bytes) {
      const { bytesRead } = await handle.read(start, filled, bytes - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return start.subarray(0, filled);
  } finally {
    await handle.close().catch(() => {});
  }
}

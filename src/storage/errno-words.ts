// What a system error (ENOSPC, EACCES…) means, in words: the one wording of the files' errors
// (read-file.ts describeFileError) and of a failed write to standard output, which boot.cjs says
// for `--version` and `--help` too. So it imports nothing of ours: boot parses it on every start.
import { getSystemErrorMap } from 'node:util';

/** What a file-system error means, in words (by its code). */
const ERRNO_WORDS: Record<string, string> = {
  EACCES: 'permission denied',
  // Not the permission bits (an immutable file, macOS privacy protection, sysfs): the system's own words.
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  EEXIST: 'something else is in the way',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links (a link that leads back to itself?)',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space is left on the disk',
  EDQUOT: 'the disk quota is used up',
  EIO: 'an input/output error',
  EBUSY: 'it is busy',
};

/** The code of a file-system error (ENOENT, EACCES…), or null: Node's own (ERR_…) or none, a bug's. */
export function fileErrorCode(error: unknown): string | null {
  const code = (error as NodeJS.ErrnoException | null | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : null;
}

/**
 * A system error in words that fit after a colon ("permission denied"). `withCode`: the code after
 * them (`permission denied (EACCES)`), for a message one may look up. A code not in the table is
 * said in the system's own words, with the code (never Node's message: it repeats the path, raw).
 * Null for an error that has no such code (a bug's).
 */
export function errnoWords(error: unknown, options: { withCode?: boolean } = {}): string | null {
  const code = fileErrorCode(error);
  if (code === null) return null;
  const words = ERRNO_WORDS[code];
  if (words !== undefined) return options.withCode ? `${words} (${code})` : words;
  const { errno } = error as NodeJS.ErrnoException;
  const system = typeof errno === 'number' ? getSystemErrorMap().get(errno)?.[1] : undefined;
  return system === undefined ? code : `${system} (${code})`;
}

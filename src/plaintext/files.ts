// Changing a file import found a key in, or one env writes (the --file, .gitignore): byte for
// byte (latin1: one character per byte, so any encoding comes back unchanged), atomically (a temp
// file next to it, renamed over it), with its mode kept, and one run at a time. The temp file holds the new text, never the old line, and
// never outlives a failure; it is 0600 while it is one (it may hold a key: env's), and one a killed
// run leaves is removed by the next (storage/leftovers.ts). Every read of such a file is the scan's (storage/read-file.ts, the
// same cap): between the scan and the edit it may have become a FIFO (a plain read would wait for
// a writer forever), a link to /dev/zero, a huge file, or one that cannot be read.
// Replacing a file goes around what its own write permission says, and the new one is the
// writer's, under one name: a file the person could not write to in place, or one with other hard
// links (they would keep the old text), is left alone (FileKeptError), and the
// one written gets the owner and group the file had, or it is not written (keptBack, ownedLike).
// A file root creates in another user's folder gets the folder's owner and group (folderOwner).
import { constants, type Stats } from 'node:fs';
import { access, chmod, chown, link, open, realpath, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Sections } from '../interrupts.js';
import { TEMP_MARKER, withEditLock } from '../storage/leftovers.js';
import { ensurePrivateDir, tempPathFor, writeNewFileSynced } from '../storage/private-file.js';
import { describeFileError, readRegularFile } from '../storage/read-file.js';
import { pathLine } from '../terminal/sanitize.js';
import { shellWord } from '../terminal/shell.js';
import { MAX_FILE_BYTES } from './scan.js';

const BYTES = 'latin1';

/**
 * `text` as readText gives a file's text and rewriteFile writes it (one character per byte) when
 * the file holds it in UTF-8: a line to add (a .gitignore pattern naming "café.env"), or to find.
 */
export const asFileText = (text: string): string => Buffer.from(text, 'utf8').toString(BYTES);

/**
 * A file import found a key in (or env changes) cannot be read now: `path` as the caller named it,
 * and why, in words; `cause` the failure itself, for a caller that says it in its own words.
 */
export class FileReadError extends Error {
  constructor(
    readonly path: string,
    readonly why: string,
    cause?: unknown,
  ) {
    super(`${path}: ${why}`, cause === undefined ? undefined : { cause });
    this.name = 'FileReadError';
  }
}

/**
 * A file rewriteFile leaves as it is, though it could replace it: `path` as the caller named it,
 * `why` in words that fit after its name ("it is read-only (mode 444)"), and `fix(word, again)`
 * what to do about it, given the file as a shell word and how to try again ("run this command
 * again"; last, so that a command in it ends the line). Nothing was changed.
 */
export class FileKeptError extends Error {
  constructor(
    readonly path: string,
    readonly why: string,
    readonly fix: (word: string, again: string) => string,
  ) {
    super(`${path}: ${why}`);
    this.name = 'FileKeptError';
  }
}

/** The file's owner as numbers, for a message. */
const ownerOf = (stats: Stats) => `uid ${stats.uid}, gid ${stats.gid}`;

/**
 * Why the file `stats` describes (at `target`, `path` as the caller named it) is not to be
 * replaced by this process, or null. A file they cannot write to (chmod 444, another user's 644)
 * is not theirs to change: an `echo >>` fails there, a rename would not. Root may write anything;
 * for root, a file with no write bit for anyone is one made read-only on purpose, and left so.
 * Another user's file (or one of a group the person is not in) would become theirs, which an
 * `echo >>` never does: judged on a temp file made next to it (ownedLike), as the write is, since
 * what group a new file gets is the directory's to say (setgid; every directory on macOS).
 */
export async function keptBack(path: string, target: string, stats: Stats): Promise<FileKeptError | null> {
  const uid = process.geteuid?.();
  if (uid !== 0 && uid !== undefined) {
    const temp = tempPathFor(target, TEMP_MARKER);
    // A folder they may not write to: the temp file cannot be made, whatever the file's own mode
    // (another failure there, a full disk say: the write itself says so).
    let refused: FileKeptError | null = null;
    const handle = await open(temp, 'wx', 0o600).catch(async (error: unknown) => {
      refused = await folderRefusal(error, path, target);
      return null;
    });
    if (refused) return refused;
    try {
      if (handle) await ownedLike(handle, path, stats);
    } catch (error) {
      if (error instanceof FileKeptError) return error;
    } finally {
      await handle?.close().catch(() => {});
      if (handle) await rm(temp, { force: true }).catch(() => {});
    }
  }
  return writable(path, target, stats);
}

/**
 * The folder of `target` (to be created or replaced, `path` as the caller named it) as the reason
 * it cannot be written, when `error` (making a file there) says this process may not write in it:
 * a file is written as a new one made next to it, renamed over it (a writable file in a folder
 * that is not is no exception). Null for any other error, or when no file could be made anyway.
 */
async function folderRefusal(error: unknown, path: string, target: string): Promise<FileKeptError | null> {
  if (!['EACCES', 'EPERM'].includes((error as NodeJS.ErrnoException).code ?? '')) return null;
  const folder = dirname(target);
  const owner = await stat(folder).catch(() => null);
  const why = `permission denied at ${pathLine(folder)} (a folder you cannot write to: the file is written as a new one made there)`;
  if (owner && owner.uid !== process.geteuid?.()) {
    return new FileKeptError(path, why, (_, again) => `write it as the folder's owner (uid ${owner.uid}), or name a file in a folder of yours with --file, or ${again} once you may write there`);
  }
  return new FileKeptError(path, why, (_, again) => `make the folder writable (chmod u+w -- ${shellWord(folder)}), then ${again}`);
}

/**
 * Whether a file can be made at `target` (`path` as the caller named it), which is not there yet:
 * a FileKeptError naming its folder when this process may not write there, else null. Made and
 * removed at once; any other failure is the write's to say.
 */
export async function folderKept(path: string, target: string): Promise<FileKeptError | null> {
  if (process.geteuid?.() === 0) return null;
  const temp = tempPathFor(target, TEMP_MARKER);
  try {
    const handle = await open(temp, 'wx', 0o600);
    await handle.close().catch(() => {});
    await rm(temp, { force: true }).catch(() => {});
    return null;
  } catch (error) {
    return folderRefusal(error, path, target);
  }
}

/**
 * keptBack's judgement of the file's names and mode. A file with more than one hard link
 * (dotfiles linked into place with `ln`) is left alone: the new file would take one name only, and
 * the others would keep the old text, the key included. Then whether this process may write it
 * (root: whether anyone may).
 */
async function writable(path: string, target: string, stats: Stats): Promise<FileKeptError | null> {
  if (stats.nlink > 1) {
    return new FileKeptError(
      path,
      `it has ${stats.nlink} hard links (names of one file), and replacing it would leave the old text under the other names`,
      (word, again) => `change it by hand in an editor that saves in place, or, once ${word} is its only name, ${again}`,
    );
  }
  const mode = `mode ${(stats.mode & 0o777).toString(8)}`;
  const readOnly = () => new FileKeptError(path, `it is read-only (${mode})`, (word, again) => `make it writable (chmod u+w -- ${word}), then ${again}`);
  if (process.geteuid?.() === 0) return stats.mode & 0o222 ? null : readOnly();
  try {
    await access(target, constants.W_OK);
  } catch (error) {
    // EROFS and the like: the write itself says so.
    if (['EACCES', 'EPERM'].includes((error as NodeJS.ErrnoException).code ?? '')) return readOnly();
  }
  return null;
}

/**
 * Give the temp file `handle` (made next to the file `was` describes) that file's owner and group,
 * where it did not get them by being made (root's run in a person's project; a group the person
 * is not in, unless the directory gives it): a FileKeptError when that cannot be done.
 */
async function ownedLike(handle: FileHandle, path: string, was: Stats): Promise<void> {
  const made = await handle.stat();
  if (made.uid === was.uid && made.gid === was.gid) return;
  await handle.chown(was.uid, was.gid).catch((error: NodeJS.ErrnoException) => {
    const why = describeFileError(error);
    if (why === null || !['EPERM', 'EINVAL', 'EACCES'].includes(error.code ?? '')) throw error;
    if (made.uid !== was.uid) {
      throw new FileKeptError(path, `it belongs to another user (${ownerOf(was)}), and rewriting it would make it yours`, (_, again) => `change it by hand, or as that user ${again}`);
    }
    throw new FileKeptError(path, `its group (gid ${was.gid}) is not one of yours, and rewriting it would change it`, (_, again) => `change it by hand, or as root ${again}`);
  });
}

/** Why for a file that was there when it was read before, and is not now. */
export const GONE = 'removed since import read it';

/** A file-system failure of reading `path` as a FileReadError; any other error (a bug) as it is. */
function readError(error: unknown, path: string): unknown {
  const why = (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' ? GONE : describeFileError(error);
  return why === null ? error : new FileReadError(path, why, error);
}

/** The file's text, read as the scan reads it; null when there is none. A FileReadError when it cannot be read. */
export async function readText(path: string): Promise<string | null> {
  try {
    return (await readRegularFile(path, MAX_FILE_BYTES))?.toString(BYTES) ?? null;
  } catch (error) {
    throw readError(error, path);
  }
}

/** The text of a file that is to be there (import found a key in it): a FileReadError (GONE) when it is not. */
export async function readFound(path: string): Promise<string> {
  const text = await readText(path);
  if (text === null) throw new FileReadError(path, GONE);
  return text;
}

/**
 * The owner and group a file made in `path`'s folder is to have when they are not this process's
 * own: root's run, in a folder another user owns (as files.ts keeps an existing file's). Null
 * otherwise (a person's own run; root's in root's folder).
 */
async function folderOwner(path: string): Promise<{ uid: number; gid: number } | null> {
  if (process.geteuid?.() !== 0) return null;
  const folder = await stat(dirname(path)).catch(() => null);
  // A folder others may write to as well (a shared one, /tmp-like) is no one person's project:
  // root's key there stays root's, not readable by whoever owns the folder.
  return folder && folder.uid !== 0 && (folder.mode & 0o022) === 0 ? { uid: folder.uid, gid: folder.gid } : null;
}

/**
 * Create `path` holding `text` atomically (a temp file, then a hard link to its name), never over
 * a file that appeared meanwhile: false then, and nothing written. `mode` exactly, whatever the
 * umask (a file that is to hold a key: 0o600); null, the usual mode for the umask (0644 less its bits).
 * Root's new file in another user's folder is theirs (folderOwner).
 */
async function createNew(path: string, text: string, mode: number | null): Promise<boolean> {
  const temp = tempPathFor(path, TEMP_MARKER);
  // Root's run in another user's folder (sudo, a container with the project mounted): the new file
  // is theirs, as its folder is (owner and group), not root's, which they could not read at 0600.
  const owner = await folderOwner(path);
  // A file given a mode (env's: it holds the key) is never more open than 0600 while it is a temp
  // file (a killed run may leave it); it gets its mode once it has its name (the hard link is the
  // same file). Without one (.gitignore, a line import adds), the usual mode, which holds no key.
  const write = async (to: string, exact: number | null) => {
    await writeNewFileSynced(to, text, { encoding: BYTES, mode: exact ?? 0o644 });
    if (owner) await chown(to, owner.uid, owner.gid);
    if (exact !== null) await chmod(to, exact);
  };
  try {
    await write(temp, mode === null ? null : mode & 0o600);
    await link(temp, path).then(
      async () => {
        if (mode !== null && mode !== (mode & 0o600)) await chmod(path, mode);
      },
      async (error: NodeJS.ErrnoException) => {
        // A file system without hard links: created in place, still never over another file.
        if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(error.code ?? '')) throw error;
        await write(path, mode);
      },
    );
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(temp, { force: true }).catch(() => {});
  }
}

/**
 * Replace the file's text with `change(text, exists)` (null: leave it as it is). A file that is
 * there keeps its mode, owner and group; one it may not replace so (keptBack, or its owner cannot
 * be given back) is a FileKeptError, nothing written. A file that is
 * not there is created with `create` (`text` '' and `exists` false; atomically, mode `mode` or
 * 0644 less the umask's bits, as an editor would), else a FileReadError (GONE), as is one that
 * cannot be read (readText). Links are followed: the file they point to changes, the link stays.
 * Runs of openai-setup take turns on a file (a lock in `ctx.configDir`, waited for a bounded time;
 * none when that dir cannot be written: withEditLock), so each changes what the one before wrote;
 * and the file is read back: 'changed' when it holds what
 * was written, 'overwritten' when another program (one that takes no lock: an editor) wrote it
 * meanwhile, created it first, or it cannot be read back, 'unchanged' when `change` gave null.
 * An error `change` throws is thrown, nothing written. A signal waits for the change (a section of
 * `ctx.interrupts`, lock taken and released within it): no lock is left in `ctx.configDir`.
 */
export async function rewriteFile(
  path: string,
  change: (text: string, exists: boolean) => string | null,
  ctx: { configDir: string; interrupts: Sections },
  options: { create?: boolean; mode?: number } = {},
): Promise<'changed' | 'unchanged' | 'overwritten'> {
  const real = await realpath(path).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? null : Promise.reject(readError(error, path))));
  await ensurePrivateDir(ctx.configDir);
  const target = real ?? resolve(path);
  const section = { what: `the change to ${pathLine(path)}`, risk: 'it may not have been saved' };
  // Read, changed and written holding the lock; the lock is taken and released inside the section,
  // so a signal never lands between (a lock left in the config dir would hold up the next run).
  const edit = async (): Promise<'changed' | 'unchanged' | 'overwritten'> => {
    let text: string | null;
    try {
      text = await readText(target);
    } catch (error) {
      throw error instanceof FileReadError ? new FileReadError(path, error.why, error.cause) : error;
    }
    if (text === null && !options.create) throw new FileReadError(path, GONE);
    const next = change(text ?? '', text !== null);
    if (next === null) return 'unchanged';
    if (text === null) {
      if (!(await createNew(target, next, options.mode ?? null))) return 'overwritten';
    } else {
      const temp = tempPathFor(target, TEMP_MARKER);
      let handle: FileHandle | undefined;
      try {
        // The file's mode and owner, looked at now: it was just read (removed since: not written).
        const was = await stat(target).catch((error: unknown) => Promise.reject(readError(error, path)));
        const { mode } = was;
        // Private for as long as it is a temp file (0600, or the file's own mode if that is
        // stricter): one a killed run leaves may hold a key, and must not be readable by others.
        handle = await open(temp, 'wx', 0o600);
        await handle.chmod(mode & 0o600);
        // The file's owner and group, given before it takes the file's place, or it does not
        // (keptBack's judgement, the owner first); then whether it may be written at all.
        await ownedLike(handle, path, was);
        const kept = await writable(path, target, was);
        if (kept) throw kept;
        await handle.writeFile(next, { encoding: BYTES });
        // On the disk before it takes the file's place: a crash must not leave an empty file.
        await handle.sync();
        await rename(temp, target);
        // The file's own mode once it has its place, set on the file written (the handle), not
        // whatever might be at its name by now. Failing that, it is only more private than it was.
        await handle.chmod(mode & 0o7777).catch(() => {});
      } catch (error) {
        await rm(temp, { force: true }).catch(() => {});
        throw error;
      } finally {
        await handle?.close().catch(() => {});
      }
    }
    // Read back as it was read: a FIFO or another file put there since is not what was written.
    const back = await readText(target).catch((error: unknown) => (error instanceof FileReadError ? null : Promise.reject(error)));
    return back === next ? 'changed' : 'overwritten';
  };
  return ctx.interrupts.section(section, () => withEditLock(target, edit, ctx));
}

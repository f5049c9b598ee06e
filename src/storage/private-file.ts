// Files only their owner may read: a 0700 dir, 0600 files written atomically (temp file + rename),
// and read back only when nobody else could have put them there. Every failure here is a
// ConfigStoreError: one line saying which path (pathLine: no name forges a line) and what to do,
// exit 7; a command in it takes the exact path, quoted.
import { lstatSync, rmSync, statSync, type Dirent, type Stats } from 'node:fs';
import { chmod, lstat, open, readdir, readlink, realpath, rename, rm, stat, unlink } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { ExitError, KeyStoreError } from '../errors.js';
import { pathLine } from '../terminal/sanitize.js';
import { quotedWord } from '../terminal/shell.js';
import { AnotherUsersDirError, anotherUsersDir, makeDirs } from './make-dirs.js';
import { fileErrorCode } from './errno-words.js';
import { homeVariable, usableHome } from './home.js';
import { describeFileError, readRegularFile, UnreadableFileError } from './read-file.js';

/** Far more than any progress or credentials file holds: anything bigger is not ours. */
export const MAX_PRIVATE_FILE_BYTES = 1024 * 1024;

/** What is wrong and what to do about it, apart: a caller may show them as two (doctor's detail and fix). */
export interface ProblemParts {
  /** What is wrong, naming the path, without a closing period. */
  detail: string;
  /** What to do, as the message says it after "; " (lower case first, maybe with its own period); null: nothing said. */
  fix: string | null;
}

/**
 * The config dir or a file in it cannot be used; the message names the path and the fix. Its
 * `parts` keep them apart as they were made (never split again from the prose: a path or a detail
 * may hold any punctuation); one made from a message alone has it all as its detail.
 */
export class ConfigStoreError extends KeyStoreError {
  readonly parts: ProblemParts;

  constructor(message: string, hints: string[] = [], parts?: ProblemParts) {
    super(message, hints);
    this.name = 'ConfigStoreError';
    this.parts = parts ?? { detail: message.replace(/\.$/, ''), fix: null };
  }

  /** One said as "<detail>; <fix>". */
  static of(detail: string, fix: string, hints: string[] = []): ConfigStoreError {
    return new ConfigStoreError(`${detail}; ${fix}`, hints, { detail, fix });
  }
}


function userName(uid: number): string {
  try {
    return userInfo().username;
  } catch {
    return String(uid);
  }
}

/**
 * Why what is at `path` cannot be trusted, or null: it belongs to another user, or others may
 * change it (and so could have put anything there). Windows has no such modes: always null.
 */
function distrust(path: string, stats: Stats, kind: 'dir' | 'file'): ConfigStoreError | null {
  const uid = process.getuid?.();
  if (uid === undefined) return null;
  if (stats.uid !== uid) {
    // Under sudo the files are the invoking user's: giving them to root would be the wrong fix.
    // The command in backticks: whole on one line, and kept apart from a full stop put after it.
    const sudo = uid === 0 && process.env.SUDO_USER ? 'run openai-setup without sudo, or, ' : '';
    return ConfigStoreError.of(
      `${pathLine(path)} belongs to another user (uid ${stats.uid}), so openai-setup does not trust it`,
      `${sudo}if it is yours, fix it with \`chown ${kind === 'dir' ? '-R ' : ''}${userName(uid)} ${quotedWord(path)}\``,
    );
  }
  if (stats.mode & 0o022) {
    const mode = (stats.mode & 0o7777).toString(8).padStart(4, '0');
    return ConfigStoreError.of(`${pathLine(path)} can be changed by other users (mode ${mode}), so openai-setup does not trust it`, `fix it with \`chmod ${kind === 'dir' ? 700 : 600} ${quotedWord(path)}\``);
  }
  return null;
}

function kindOf(stats: Stats): string {
  if (stats.isFile()) return 'a file';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** `dir`, or its deepest ancestor that is there (that stat can see). */
function existingLevel(dir: string): string {
  for (let level = resolve(dir); ; level = dirname(level)) {
    try {
      statSync(level);
      return level;
    } catch {
      if (dirname(level) === level) return level;
    }
  }
}

/**
 * The fix when `dir` is under a home directory that is not there (HOME=/nonexistent, nobody's and
 * many a container user's), so that making it failed above the home, at a level no one may write:
 * the home is what is wrong, not that level's owner. The home as Node's homedir() gives it, which
 * the config dir was built on (paths.ts): HOME, or with it unset the system's record. Null otherwise.
 */
function missingHome(dir: string): string | null {
  const variable = homeVariable(process.platform);
  const home = usableHome(homedir(), process.platform).dir;
  const target = resolve(dir);
  if (home === null || dirname(home) === home || !target.startsWith(`${home}${sep}`)) return null;
  try {
    statSync(home);
    return null;
  } catch (error) {
    if (fileErrorCode(error) !== 'ENOENT') return null;
  }
  const named = process.env[variable] === undefined ? `your home directory ${pathLine(home)} (the system's record for this user; ${variable} is not set)` : `${variable} (${pathLine(home)})`;
  const xdg = process.platform === 'win32' || process.platform === 'darwin' ? '' : 'XDG_CONFIG_HOME or ';
  return `${named} does not exist: set ${variable} to your home directory, or ${xdg}OPENAI_SETUP_CONFIG_DIR to a directory you can write.`;
}

/**
 * A file-system error as one line for people (which path, why, what to do); an ExitError as it
 * is; anything else (a bug) unchanged. `what`: what could not be done, when more than `doing` the path.
 */
export function storeError(error: unknown, path: string, doing: 'read' | 'write' | 'create' | 'remove', what = `${doing} ${pathLine(path)}`): Error {
  if (error instanceof ExitError) return error;
  const code = fileErrorCode(error);
  if (code === null) return error instanceof Error ? error : new Error(String(error));
  const dir = doing === 'create' ? path : dirname(path);
  let fix: string;
  switch (code) {
    case 'EACCES':
    case 'EPERM': {
      const gone = doing === 'create' ? missingHome(dir) : null;
      if (gone) {
        fix = gone;
        break;
      }
      // The level that refused: a dir being made is not there yet, nor maybe the levels above it
      // (HOME read-only: ~/.config is missing and HOME refused it).
      const refused = existingLevel(dir);
      fix = `check who owns ${pathLine(refused)} and its permissions (ls -ld ${quotedWord(refused)}), or set OPENAI_SETUP_CONFIG_DIR to a directory of yours.`;
      break;
    }
    case 'EROFS':
      fix = (doing === 'create' ? missingHome(dir) : null) ?? 'set OPENAI_SETUP_CONFIG_DIR to a directory on a writable disk.';
      break;
    case 'ENOSPC':
    case 'EDQUOT':
      fix = 'free some space and run again.';
      break;
    case 'ENOTDIR':
    case 'EEXIST':
    case 'EISDIR':
      fix = `move what is in the way, or set OPENAI_SETUP_CONFIG_DIR to a directory of yours.`;
      break;
    case 'ENOENT':
      // Creating: the parent is there, yet the file system will not have it (/proc, /sys).
      fix = doing === 'create' ? 'no directory can be made there; set OPENAI_SETUP_CONFIG_DIR to a directory of yours.' : 'run again; if it persists, set OPENAI_SETUP_CONFIG_DIR to another directory.';
      break;
    case 'ELOOP': {
      // Running again meets the same loop: the link that makes it is what to remove (it leads nowhere, so it holds nothing).
      const link = loopingLink(path);
      fix = link ? `remove the link that leads back to itself (rm ${quotedWord(link)}) and run again.` : 'set OPENAI_SETUP_CONFIG_DIR to a directory reached without symbolic links.';
      break;
    }
    case 'ENAMETOOLONG':
      // Every file of the config dir meets it alike (the file names are ours, and short): said of
      // the dir, in the same words for each, so that a command that reads two says it once.
      return ConfigStoreError.of(`Could not use the config dir ${pathLine(dir)}: ${describeFileError(error, { withCode: true })}`, 'set OPENAI_SETUP_CONFIG_DIR to a shorter path.');
    default:
      fix = 'run again; if it persists, set OPENAI_SETUP_CONFIG_DIR to another directory.';
  }
  return ConfigStoreError.of(`Could not ${what}: ${describeFileError(error, { withCode: true })}`, fix);
}

/** The first symbolic link on the way to `path` (or `path` itself) that leads back to itself (ELOOP), or null. */
function loopingLink(path: string): string | null {
  const levels: string[] = [];
  for (let level = resolve(path); dirname(level) !== level; level = dirname(level)) levels.unshift(level);
  for (const level of levels) {
    try {
      if (!lstatSync(level).isSymbolicLink()) continue;
      statSync(level);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOOP') return level;
      return null;
    }
  }
  return null;
}


/**
 * Create the dir with mode 0700 whatever the umask (the levels above it as mkdir makes them), and
 * tighten one that others could read (not through a symbolic link of its name: see
 * tightenReadable). A dir of another user, or one others can write to, is refused: what is in it
 * may not be ours. Root's run makes none in another user's home (makeDirs): refused too.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  let stats: Stats;
  try {
    makeDirs(dir, 0o700);
    stats = await stat(dir);
  } catch (error) {
    if (error instanceof AnotherUsersDirError) throw notMadeError(dir, error);
    throw storeError(error, dir, 'create');
  }
  if (!stats.isDirectory()) throw ConfigStoreError.of(`${pathLine(dir)} is ${kindOf(stats)}, not a directory`, 'move it away, or set OPENAI_SETUP_CONFIG_DIR to a directory of yours.');
  const problem = distrust(dir, stats, 'dir');
  if (problem) throw problem;
  // Never through a link of its name: the dir it leads to is the person's own (tightenReadable).
  const linked = await lstat(dir).then(
    (own) => own.isSymbolicLink(),
    () => false,
  );
  // Only what others could do is taken away: a dir its owner made read-only (0500) stays so.
  if (!linked && stats.mode & 0o077) {
    try {
      await chmod(dir, stats.mode & 0o700);
    } catch (error) {
      throw storeError(error, dir, 'create');
    }
  }
}

function notMadeError(dir: string, error: AnotherUsersDirError): ConfigStoreError {
  const detail = `${pathLine(dir)} was not made: openai-setup runs as root here, and ${pathLine(error.level)} belongs to another user (uid ${error.uid}), whose own runs could not use what root made in it`;
  const fix = "openai-setup as that user (without sudo), or set OPENAI_SETUP_CONFIG_DIR to a directory of root's";
  return new ConfigStoreError(`${detail}. Run ${fix}.`, [], { detail, fix: `run ${fix}` });
}

/**
 * The refusal ensurePrivateDir would give for `dir` as root's run in another user's home (not
 * there, and not to be made here), or null; reads only. Checked before anything is sent or asked.
 */
export function dirNotMadeHere(dir: string): ConfigStoreError | null {
  const refused = anotherUsersDir(dir);
  return refused ? notMadeError(dir, refused) : null;
}

/** The temp files this process named: any still there as it leaves was cut short (removeOwnTempFiles). */
const ownTemps = new Set<string>();

/**
 * A name next to `path` for a file to be renamed over it, `<name>.<marker><pid>.<random>.tmp`:
 * unique to this process and call, its writer's pid in it (namedByGoneRun). `marker` makes it plainly
 * openai-setup's where other programs' files are (a project's .env: plaintext/files.ts).
 */
export function tempPathFor(path: string, marker = ''): string {
  const temp = `${path}.${marker}${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`;
  ownTemps.add(temp);
  return temp;
}

/** The file a temp file (tempPathFor's name, with one of these markers) was to be renamed over. */
export function tempFileOf(temp: string, names: TempNames = {}): string {
  for (const marker of names.markers ?? ['']) {
    const suffix = new RegExp(`\\.${marker.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\d+\\.[a-z0-9]+\\.tmp$`);
    if (suffix.test(temp)) return temp.replace(suffix, '');
  }
  return temp;
}

// The pid in a temp file's name (tempPathFor).
const TEMP_PID = /\.(\d+)\.[a-z0-9]+\.tmp$/;

/**
 * Whether the run that made a name of ours (a temp file's, tempPathFor; a keychain probe's) is
 * gone: the pid in it (`pattern`'s first group) is no process's now. A live one (or another that
 * has its pid since) may still be using what it names: that is left alone. False for a name of
 * another form.
 */
export function namedByGoneRun(name: string, pattern: RegExp): boolean {
  return runGone(Number(pattern.exec(name)?.[1]));
}

/** Whether no process has `pid` now (namedByGoneRun's judgement of a pid it found); false for what is no pid. */
export function runGone(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: alive, another user's.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * For a process about to leave: removes its temp files that a write cut short by a signal left
 * (one may hold a key). Synchronous, so that nothing after it can come first. A temp file already
 * renamed is gone: its name is this process's alone.
 */
export function removeOwnTempFiles(): void {
  for (const temp of ownTemps) {
    try {
      rmSync(temp, { force: true });
    } catch {
      // Not a file (nothing of ours), or the dir is gone: nothing to remove.
    }
  }
  ownTemps.clear();
}

/**
 * Write `content` to a new file at `path` (never through whatever is at that name: 'wx'), on the
 * disk before this returns: a temp file renamed into place must hold its text, or a crash just
 * after the rename can leave the file empty (file systems without ext4's rename safeguard).
 */
export async function writeNewFileSynced(path: string, content: string, options: { mode: number; encoding?: BufferEncoding }): Promise<void> {
  const handle = await open(path, 'wx', options.mode);
  try {
    await handle.writeFile(content, { encoding: options.encoding ?? 'utf8' });
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Write a file atomically (temp file, synced, then rename) with mode 0600; the temp file never outlives a
 * failure. `beforeRename`: a last check right before the file is replaced (the lock still held);
 * what it throws is thrown as it is, and nothing is written.
 */
export async function writePrivateFile(path: string, content: string, beforeRename?: () => Promise<void>): Promise<void> {
  const temp = tempPathFor(path);
  try {
    await writeNewFileSynced(temp, content, { mode: 0o600 });
    await chmod(temp, 0o600);
    await beforeRename?.();
    await rename(temp, path);
    ownTemps.delete(temp);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw storeError(error, path, 'write');
  }
}

/**
 * Where `path` really is: the file a symbolic link of that name leads to, followed as far as it
 * goes, also to a file not there yet (a write creates it there, leaving the link a link); `path`
 * itself when it is no link. Directories on the way are resolved too.
 */
export async function realPathOf(path: string): Promise<string> {
  let at = path;
  for (let hops = 0; hops < 40; hops++) {
    try {
      return await realpath(at);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw storeError(error, path, 'read');
    }
    // Not there: a link to a file not there yet leads on; anything else is where to write.
    const target = await readlink(at).catch(() => null);
    if (target === null) return at;
    at = resolve(dirname(at), target);
  }
  return at;
}

/**
 * Where a private file of the config dir is written: the file a symbolic link of its name leads to
 * (a synced folder, say), followed as realPathOf does, else `path` itself (the config dir's own
 * links are not the file's). Writes act there, never replacing the link.
 */
export async function linkedFilePath(path: string): Promise<string> {
  const linked = (await lstat(path).catch(() => null))?.isSymbolicLink() ?? false;
  return linked ? realPathOf(path) : path;
}

/** What was found of a private file or dir that others can read, and done about it (tightenReadable). */
export interface Tightened {
  /** Where it really is: what a symbolic link of its name leads to, else the path as given. */
  path: string;
  /** The link it was reached through; null: none. */
  link: string | null;
  /** The mode it had (0644). */
  was: string;
  /** The mode it is to have (0600, 0700; 0500 for a dir its owner made read-only). */
  mode: string;
  /** Why it was left as it is, not openai-setup's to change: reached through a link (the person's own, elsewhere), or another user's. Null: changed, or tried. */
  left: 'link' | 'owner' | null;
  /** Why the change failed (then it is as it was); null: it was made, or not tried (`left`). */
  failed: string | null;
}

const octal = (bits: number) => (bits & 0o7777).toString(8).padStart(4, '0');

/**
 * Make `path` (a file, or a dir) at most `mode` (0600, 0700: its owner's bits kept, others'
 * removed) when others can read or enter it, but only
 * when it is openai-setup's own: never through a symbolic link of that name (what it leads to is
 * the person's own, kept elsewhere, maybe shared on purpose) and never another user's; those are
 * found and left as they are (`left`), for the caller to say with the command. A dir others can
 * change, or one of another user, readPrivateFile refuses before this is asked. Null when nothing
 * is to be said: private already, not there (or a link leading nowhere), or Windows (no such modes).
 */
export async function tightenReadable(path: string, mode: number): Promise<Tightened | null> {
  const uid = process.getuid?.();
  if (uid === undefined) return null;
  let stats: Stats | null;
  let real = path;
  let link: string | null = null;
  try {
    stats = await lstat(path);
    if (stats.isSymbolicLink()) {
      link = path;
      real = await realpath(path);
      stats = await stat(real);
    }
  } catch {
    // Gone since it was read, or a link to nothing: nothing to tighten.
    return null;
  }
  if ((stats.mode & 0o077) === 0) return null;
  // Others' bits taken away, the owner's kept (a file or dir its owner made read-only stays so).
  const found = { path: real, link, was: octal(stats.mode), mode: octal(stats.mode & mode & 0o777) };
  if (link !== null) return { ...found, left: 'link', failed: null };
  if (stats.uid !== uid) return { ...found, left: 'owner', failed: null };
  try {
    await chmod(path, stats.mode & mode & 0o777);
    return { ...found, left: null, failed: null };
  } catch (error) {
    return { ...found, left: null, failed: describeFileError(error) ?? String(error) };
  }
}

/** Remove `path`; absent is fine. */
export async function removePrivateFile(path: string): Promise<void> {
  try {
    await rm(path, { force: true });
  } catch (error) {
    throw storeError(error, path, 'remove');
  }
}

/**
 * How often a file that another run replaced (temp file + rename) between the look at it and its
 * opening is looked at again: each time, what is opened is a whole file, the old one or the new.
 */
const READ_ATTEMPTS = 5;

/** What opening found instead of the file looked at: another run replaced or removed it meanwhile. */
const REPLACED = Symbol('replaced');

/**
 * The text of a small private file (a UTF-8 BOM dropped), or null when there is none. Refused,
 * with one line saying why: anything but a regular file (a FIFO or /dev/zero would hang or never
 * end), more than MAX_PRIVATE_FILE_BYTES, a file or dir of another user or that others may change.
 * A file replaced while it was being opened is read again, READ_ATTEMPTS times at most.
 */
export async function readPrivateFile(path: string): Promise<string | null> {
  for (let attempt = 1; ; attempt++) {
    const text = await readOnce(path);
    if (text !== REPLACED) return text;
    if (attempt === READ_ATTEMPTS) throw ConfigStoreError.of(`${pathLine(path)} changed while it was being read (${READ_ATTEMPTS} times in a row)`, 'run again.');
  }
}

async function readOnce(path: string): Promise<string | null | typeof REPLACED> {
  let before: Stats;
  try {
    before = await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw storeError(error, path, 'read');
    const dangling = await linkLeadingNowhere(path);
    if (dangling) throw dangling;
    return null;
  }
  if (!before.isFile()) {
    // `rm` alone refuses a directory: the command given must work as printed.
    const remove = `${before.isDirectory() ? 'rm -r' : 'rm'} ${quotedWord(path)}`;
    throw ConfigStoreError.of(`${pathLine(path)} is ${kindOf(before)}, not a regular file, so it is not read`, `remove it (${remove}) and run again.`);
  }
  let dirStats: Stats;
  try {
    dirStats = await stat(dirname(path));
  } catch (error) {
    throw storeError(error, path, 'read');
  }
  const problem = distrust(dirname(path), dirStats, 'dir') ?? distrust(path, before, 'file');
  if (problem) throw problem;
  let bytes: Buffer | null;
  try {
    // `before`: the file checked above. Another one opened in its place (or none) is looked at afresh.
    bytes = await readRegularFile(path, MAX_PRIVATE_FILE_BYTES, before);
  } catch (error) {
    if (error instanceof UnreadableFileError) {
      // Not regular: unlikely after the look above, which found a file; said all the same.
      const why = error.reason === 'too-large' ? 'far more than openai-setup ever writes there, so it is not read' : 'so it is not read';
      throw ConfigStoreError.of(`${pathLine(path)}: ${describeFileError(error)}, ${why}`, `${error.reason === 'too-large' ? 'move it away' : 'remove it'} and run again.`);
    }
    throw storeError(error, path, 'read');
  }
  if (bytes === null) return REPLACED;
  // Notepad starts UTF-8 files with a byte-order mark, which JSON.parse refuses.
  return bytes.toString('utf8').replace(/^\uFEFF/, '');
}

/**
 * Why `path`, a symbolic link to no file, cannot be used, or null: the folder the file it leads to
 * would be written in is not there (nor a directory), so every write fails, and running again
 * never helps. A link to a file not there yet in a folder that is there is fine: a write creates
 * the file there (realPathOf). Not a link at all, or gone meanwhile: null.
 */
async function linkLeadingNowhere(path: string): Promise<ConfigStoreError | null> {
  const linked = await lstat(path).then(
    (stats) => stats.isSymbolicLink(),
    () => false,
  );
  if (!linked) return null;
  const target = await realPathOf(path);
  const folder = dirname(target);
  const missing = await stat(folder).then(
    (stats) => (stats.isDirectory() ? null : 'is not a directory'),
    (error: unknown) => (fileErrorCode(error) === 'ENOENT' || fileErrorCode(error) === 'ENOTDIR' ? 'does not exist' : null),
  );
  if (missing === null) return null;
  // The link alone goes: it holds nothing (what it leads to is not there). Making the folder is
  // the person's own choice (a synced folder not mounted yet, say), said without a command.
  return ConfigStoreError.of(
    `${pathLine(path)} is a symbolic link to ${pathLine(target)}, whose folder ${pathLine(folder)} ${missing}, so nothing can be saved there`,
    `remove the link (rm ${quotedWord(path)}) and run again, or make that folder if the link is meant to lead there.`,
  );
}

/** Which temp files of a file are meant: those named with these `markers` (tempPathFor; by default none), and only those whose writer is gone (namedByGoneRun) when `gone`. */
export interface TempNames {
  markers?: string[];
  gone?: boolean;
}

/** The temp files of `path` (`<name>.<marker><pid>.<random>.tmp`) now in its directory. */
export async function listTempFiles(path: string, names: TempNames = {}): Promise<string[]> {
  const dir = dirname(path);
  const prefix = `${basename(path)}.`;
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw storeError(error, path, 'read');
  }
  const markers = names.markers ?? [''];
  const named = (rest: string) => markers.some((marker) => rest.startsWith(marker) && /^\d+\.[a-z0-9]+\.tmp$/.test(rest.slice(marker.length)));
  // Only what a writer leaves (a file, or a link in its place): a directory of that name is not one.
  return entries
    .filter((entry) => (entry.isFile() || entry.isSymbolicLink()) && entry.name.startsWith(prefix) && named(entry.name.slice(prefix.length)))
    .map((entry) => join(dir, entry.name))
    .filter((temp) => !names.gone || namedByGoneRun(basename(temp), TEMP_PID));
}

/**
 * Remove the temp files of `path` that killed runs left behind (one may hold a key). Call it
 * holding the file's lock: every writer holds it while its temp file exists, so none is in use.
 * Callers check first (ensurePrivateDir) that the dir is ours: another user's files are not ours to remove.
 */
export async function removeTempFiles(path: string, names: TempNames = {}): Promise<string[]> {
  const removed: string[] = [];
  for (const temp of await listTempFiles(path, names)) {
    try {
      // Only what a writer leaves: a file (or a link, removed itself, never what it points to).
      const stats = await lstat(temp);
      if (!stats.isFile() && !stats.isSymbolicLink()) continue;
      await unlink(temp);
      removed.push(temp);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw storeError(error, temp, 'remove');
    }
  }
  return removed;
}

/**
 * Remove the temp files of `path` left by killed runs (one may hold a key), holding its lock; the
 * paths removed. In a dir that is not ours (ensurePrivateDir refuses it) nothing is: not ours to
 * tidy. `withLock` is lock.ts's withFileLock, passed in as lock.ts builds on this file.
 */
export async function removeLeftoverTempFiles(path: string, withLock: (path: string, body: () => Promise<string[]>) => Promise<string[]>): Promise<string[]> {
  if ((await listTempFiles(path)).length === 0) return [];
  try {
    await ensurePrivateDir(dirname(path));
  } catch {
    return [];
  }
  return withLock(path, () => removeTempFiles(path));
}

/** The way to a newer openai-setup, as the messages about a newer file say it. */
export const UPDATE = 'update openai-setup (npm install -g openai-setup@latest)';

/** The `version` of a parsed config file when it is higher than `known` (a newer openai-setup wrote it), else null. */
export function newerVersion(json: unknown, known: number): number | null {
  const version = json !== null && typeof json === 'object' && !Array.isArray(json) ? (json as { version?: unknown }).version : undefined;
  return typeof version === 'number' && version > known ? version : null;
}

/** "… was written by a newer openai-setup (format 2; this one knows 1)". */
export function writtenByNewer(what: string, version: number, known: number): string {
  return `${what} was written by a newer openai-setup (format ${version}; this one knows ${known})`;
}

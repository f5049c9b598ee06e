// `openai-setup env [--file .env]`: put the profile's key into a project's .env file, changing only
// the value of its real OPENAI_API_KEY assignments (keys/dotenv.ts finds them as .env readers do;
// every other byte stays, CRLF included), and only where git will not commit it: a file tracked by
// git, or one .gitignore does not cover, is refused unless --force. Behind a symbolic link, the real
// file is the one checked (in its own repository), written and named. The file is then recorded
// for the profile (plaintext/env-files.ts): a copy the person asked for, which status, doctor and
// import do not treat as a leak, and which rotate and logout name.
import { chmod, link, lstat, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import * as z from 'zod/mini';
import type { Context } from '../context.js';
import { ExitError, UsageError } from '../errors.js';
import { AmbiguousEnvFile, appendLine, setVariable, type SetResult } from '../keys/dotenv.js';
import { maskKey } from '../keys/format.js';
import { parseFlag } from '../options.js';
import { envFilesOf, gitRunner, gitVerdict, isMissing, missingFiles, realTarget, withEnvFile } from '../plaintext/env-files.js';
import { MAX_FILE_BYTES } from '../plaintext/scan.js';
import { pathLine } from '../plaintext/summary.js';
import { tempPathFor } from '../storage/private-file.js';
import { requireStoredKey, resolveProfileName } from '../storage/profile-key.js';
import { FILE_PROBLEMS, readRegularFile, UnreadableFileError } from '../storage/read-file.js';
import { profileFlagFor } from '../terminal/invocation.js';
import { marks } from '../terminal/output.js';
import { shellWord } from '../terminal/shell.js';

// Files are handled as latin1 text: one character per byte, so any encoding comes back unchanged.
const BYTES = 'latin1';

/** A .gitignore pattern matching exactly this path (relative to the .gitignore, `/`-separated). */
export function gitignorePattern(path: string): string {
  const escaped = path
    .split('/')
    .map((part) => part.replace(/[\\*?[\]]/g, '\\$&'))
    .join('/')
    .replace(/ +$/, (spaces) => spaces.replace(/ /g, '\\ '));
  return `/${escaped}`;
}

/**
 * The file's text (null: there is none), refused past import's cap (MAX_FILE_BYTES): a .env file
 * or .gitignore is a few lines, import and status do not look into a larger one, and reading
 * gigabytes would fail with a stack trace. A FIFO or device put in its place cannot hang the run.
 */
async function readText(path: string): Promise<string | null> {
  return (await readRegularFile(path, MAX_FILE_BYTES))?.toString(BYTES) ?? null;
}

const UNREADABLE: Record<UnreadableFileError['reason'], string> = {
  'too-large': `it is larger than ${MAX_FILE_BYTES / 1024 / 1024} MB, far more than such a file holds, so it is not read`,
  'not-regular': 'it is not a regular file',
};

/**
 * `promise`, with a file-system failure (a name too long, a link loop, a directory that cannot be
 * entered, a read-only or full disk) said as one line: `subject: what is wrong[ at the path it
 * concerns, when that is not \`path\`]. after`. Any other error passes as it is.
 */
async function fileStep<T>(promise: Promise<T>, subject: string, after: string, path?: string): Promise<T> {
  const at = (failed: string | undefined) => (path !== undefined && failed && resolve(failed) !== path ? ` at ${pathLine(failed)}` : '');
  try {
    return await promise;
  } catch (error) {
    if (error instanceof UnreadableFileError) throw new UsageError(`${subject}: ${UNREADABLE[error.reason]}${at(error.path)}. ${after}`);
    const { code, syscall, path: failed } = error as NodeJS.ErrnoException;
    if (error instanceof ExitError || typeof code !== 'string' || typeof syscall !== 'string') throw error;
    throw new UsageError(`${subject}: ${FILE_PROBLEMS[code] ?? code}${at(failed)}. ${after}`);
  }
}

/** Replace a file's content atomically (temp file + rename next to it), keeping its mode. `path` is no link. */
async function replaceFile(path: string, text: string, mode: number): Promise<void> {
  const temp = tempPathFor(path);
  try {
    await writeFile(temp, text, { encoding: BYTES, mode, flag: 'wx' });
    await chmod(temp, mode);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw error;
  }
}

/**
 * Create a file atomically (temp file, then a hard link to its name), never over one that
 * appeared meanwhile. `mode` null: the usual mode for the umask.
 */
async function createFile(path: string, text: string, mode: number | null, shown: string): Promise<void> {
  const temp = tempPathFor(path);
  const write = async (to: string) => {
    await writeFile(to, text, { encoding: BYTES, mode: mode ?? 0o666, flag: 'wx' });
    if (mode !== null) await chmod(to, mode);
  };
  try {
    await write(temp);
    await link(temp, path).catch(async (error: NodeJS.ErrnoException) => {
      // A file system without hard links: create it in place, still never over another file.
      if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(error.code ?? '')) throw error;
      await write(path);
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`${shown} appeared while the key was being written; it was left as it is. Run the command again.`);
    throw error;
  } finally {
    await rm(temp, { force: true }).catch(() => {});
  }
}

export interface EnvOptions {
  profile?: string;
  file?: string;
  force: boolean;
  gitignore: boolean;
}

const FileSchema = z.string().check(z.trim(), z.minLength(1, 'name a file'));

export async function run(ctx: Context, options: EnvOptions): Promise<number> {
  const deps = { cwd: ctx.cwd, git: gitRunner(ctx.rawEnv) };
  const { term } = ctx;
  const m = marks(term.style);
  const profileName = await resolveProfileName(ctx, options.profile, { handsOutKey: true });
  const given = parseFlag('--file', FileSchema, options.file ?? '.env');
  const path = resolve(deps.cwd, given);
  // As the person named it: exact in the commands advice gives (quoted: shellWord), and made one
  // safe line in every message (a line break in a name cannot forge a line).
  const typed = isAbsolute(given) ? path : relative(deps.cwd, path) || given;
  const shown = pathLine(typed);
  // Before anything is written, a path that cannot be used (a name too long, a link loop, a
  // directory that cannot be entered) is one line naming it.
  const lookup = <T>(promise: Promise<T>) => fileStep(promise, `--file ${shown}`, 'Nothing was written.', path);
  // The file the key really goes into: git is asked about that one, in its own repository, and
  // that is the one written (a link in this project may lead into another repository).
  const target = await lookup(realTarget(path));
  if ('missing' in target) {
    const through = target.missing === dirname(path) ? '' : ` (where ${shown} leads)`;
    throw new UsageError(`--file: the directory ${pathLine(target.missing)}${through} does not exist.`);
  }
  const real = target.file;
  const realCwd = await realpath(deps.cwd).catch(() => deps.cwd);
  // Reached through a link that leads elsewhere: the real file is named too.
  const detour = real !== resolve(realCwd, relative(deps.cwd, path));
  const where = detour ? `${pathLine(real)} (where ${shown} leads)` : shown;
  const statIfThere = (file: string) =>
    lookup(
      stat(file).catch((error: unknown) => {
        if (isMissing(error)) return null;
        throw error;
      }),
    );
  const existing = await statIfThere(real);
  if (existing && !existing.isFile()) throw new UsageError(`${where} is not a regular file. Nothing was written.`);
  if (!existing) {
    // /proc's links lead to no name (/dev/stdout → /proc/self/fd/1 → "pipe:[…]"): what the system
    // itself finds at the path given tells what is there.
    const reached = await statIfThere(path);
    if (reached && !reached.isFile()) throw new UsageError(`${shown} is not a regular file. Nothing was written.`);
  }
  // Only letters, digits, "-" and "_" (a stored value with anything else is refused there, exit 3):
  // what every reader of .env files takes as it is, unquoted or in quotes (see keys/dotenv.ts).
  const key = await requireStoredKey(ctx, profileName);

  // The edit is worked out before anything is written (a .gitignore included), so that a file
  // the readers disagree about is left entirely alone.
  const before = await lookup(readText(real));
  let after: SetResult;
  try {
    after = setVariable(before ?? '', 'OPENAI_API_KEY', key);
  } catch (error) {
    if (!(error instanceof AmbiguousEnvFile)) throw error;
    throw new UsageError(`${where}, ${error.message}. Nothing was written.`, [
      `Look at the quoted value above line ${error.line} (a backslash before a quote, backticks, a tab before a quote), or set OPENAI_API_KEY there by hand (${ctx.commandName} token${profileFlagFor(ctx, profileName)} prints the key).`,
    ]);
  }

  const verdict = await lookup(gitVerdict(deps.git, dirname(real), basename(real)));
  if (verdict.kind === 'no-git') {
    term.err(`${m.warn} git is not installed, so nothing checked that ${where} stays out of version control.`);
  } else if (verdict.kind === 'no-repo') {
    term.err(`${m.warn} ${pathLine(dirname(real))} is not in a git repository, so nothing checked that ${where} stays out of version control.`);
  } else if (verdict.kind === 'tracked') {
    if (!options.force) {
      const untrack = detour ? `git -C ${shellWord(verdict.root)} rm --cached ${shellWord(verdict.path)}` : `git rm --cached ${shellWord(typed)}`;
      throw new UsageError(`${where} is tracked by git: the key would be committed with it. Nothing was written.`, [
        `Untrack it first (${untrack}, then add it to .gitignore), or pass --force to write it anyway.`,
      ]);
    }
    term.err(`${m.warn} ${where} is tracked by git: do not commit it now that it holds the key (--force).`);
  } else if (verdict.kind === 'exposed') {
    const gitignore = join(verdict.root, '.gitignore');
    const gitignoreShown = pathLine(gitignore);
    const pattern = gitignorePattern(verdict.path);
    let add = options.gitignore;
    if (add || !options.force) {
      // git does not read a .gitignore that is a symbolic link, so a pattern added through one
      // (perhaps into another repository) would keep nothing out.
      if ((await lstat(gitignore).catch(() => null))?.isSymbolicLink()) {
        throw new UsageError(`${where} is not covered by .gitignore, and ${gitignoreShown} is a symbolic link, which git does not read. Nothing was written.`, [
          'Make .gitignore a regular file, or pass --force (without --gitignore) to write the key anyway.',
        ]);
      }
    }
    if (!add && !options.force) {
      const prompter = ctx.prompter('Pass --gitignore to add it to .gitignore, or --force to write it anyway.');
      term.err(`${m.warn} ${where} is not covered by .gitignore: git would offer to commit the key.`);
      add = await prompter.confirm(`Add ${pathLine(pattern)} to ${gitignoreShown}?`, true);
      if (!add) throw new UsageError(`Nothing was written: ${where} could be committed.`, ['Pass --force to write it anyway.']);
    }
    if (add) {
      await fileStep(
        (async () => {
          const before = await readText(gitignore);
          const text = appendLine(before ?? '', pattern);
          if (before === null) await createFile(gitignore, text, null, gitignoreShown);
          else await replaceFile(gitignore, text, (await stat(gitignore)).mode & 0o777);
        })(),
        `Could not add ${pathLine(pattern)} to ${gitignoreShown}`,
        'The key was not written.',
      );
      term.out(`${m.ok} Added ${pathLine(pattern)} to ${gitignoreShown}.`);
    } else {
      term.err(`${m.warn} ${where} is not covered by .gitignore: do not commit it (--force).`);
    }
  }

  const what = `OPENAI_API_KEY (${maskKey(key)}, profile "${profileName}")`;
  const writing = <T>(promise: Promise<T>) => fileStep(promise, `Could not write ${where}`, 'The key was not written.');
  if (before === null) {
    await writing(createFile(real, after.text, 0o600, where));
    const note = 'a new file, readable only by you';
    term.out(`${m.ok} Wrote ${what} to ${detour ? `${pathLine(real)} (where ${shown} leads; ${note})` : `${shown} (${note})`}.`);
    return remember(ctx, profileName, path, where);
  }
  const mode = (await writing(stat(real))).mode & 0o777;
  if (after.text === before) {
    term.out(`${m.ok} ${where} already has ${what}; nothing changed.`);
  } else {
    await writing(replaceFile(real, after.text, mode));
    const how = after.replaced === 0 ? `Added ${what} to` : `Updated ${what} in`;
    term.out(`${m.ok} ${how} ${where}; every other line is as it was.`);
  }
  if (mode & 0o077 && ctx.platform !== 'win32') {
    term.err(`${m.warn} ${where} can be read by other users (mode ${mode.toString(8)}): chmod 600 ${shellWord(detour ? real : typed)}`);
  }
  return remember(ctx, profileName, path, where);
}

/**
 * Record for the profile that `path` (absolute, as the person named it) holds its key because they
 * asked: status, doctor and import then say it as such, not as a plaintext copy to move; rotate
 * and logout name it. A path only, never the key; files deleted since are dropped from the list.
 * The key is written by now: a record that fails is said (the file stays as written), exit 0.
 */
async function remember(ctx: Context, profileName: string, path: string, where: string): Promise<number> {
  try {
    const gone = await missingFiles(envFilesOf(await ctx.state.read(), profileName));
    await ctx.state.updateProfile(profileName, (profile) => {
      profile.envFiles = withEnvFile(profile.envFiles, path, gone);
    });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    ctx.term.err(
      `${marks(ctx.term.style).warn} ${where} holds the key as written, but it could not be recorded as a file you asked for (${why.replace(/\.$/, '')}); until it is, status, doctor and import call it a plaintext copy. Run this command again to record it.`,
    );
    if (!(error instanceof ExitError)) throw error;
  }
  return 0;
}

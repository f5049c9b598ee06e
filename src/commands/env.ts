// `openai-setup env [--file .env]`: put the profile's key into a project's .env file, changing only
// the value of its real OPENAI_API_KEY assignments (keys/dotenv.ts finds them as .env readers do;
// every other byte stays, CRLF included), and only where git will not commit it: a file tracked by
// git, or one .gitignore does not cover, is refused unless --force. Behind a symbolic link, the real
// file is the one checked (in its own repository), written and named. The file is then recorded
// for the profile (plaintext/env-files.ts): a copy the person asked for, which status, doctor and
// import do not treat as a leak, and which rotate and logout name.
import { lstat, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import * as z from 'zod/mini';
import { currentDir, type Context } from '../context.js';
import { ExitError, UsageError } from '../errors.js';
import { AmbiguousEnvFile, appendLine, setVariable, type SetResult } from '../keys/dotenv.js';
import { isUserKey, keyKind, maskKey, revokePage } from '../keys/format.js';
import { parseFlag } from '../options.js';
import { trackedEnvFile, untrackAndWriteCommand } from '../plaintext/env-command.js';
import { decidingRule, endPendingEnvFile, envFilesOf, GIT_TIMEOUT_MS, GitLate, gitRunner, gitVerdict, secondsSaid, isMissing, isNearerGitignore, missingFiles, notePendingEnvFile, realTarget, withEnvFile } from '../plaintext/env-files.js';
import { plausible } from '../plaintext/find.js';
import { asFileText, FileKeptError, FileReadError, folderKept, GONE, keptBack, readText, rewriteFile } from '../plaintext/files.js';
import { placesOf } from '../plaintext/summary.js';
import { removedLeftovers } from '../storage/keystore.js';
import { removeLeftoverTemps } from '../storage/leftovers.js';
import { ConfigStoreError } from '../storage/private-file.js';
import { profilesSharing, requireStoredKey, resolveProfileName, sharingSays } from '../storage/profile-key.js';
import { describeFileError, UnreadableFileError } from '../storage/read-file.js';
import { toolCommand } from '../terminal/advice.js';
import { marks } from '../terminal/output.js';
import { pathLine, sanitize } from '../terminal/sanitize.js';
import { shellWord } from '../terminal/shell.js';

/** A .gitignore pattern matching exactly this path (relative to the .gitignore, `/`-separated). */
export function gitignorePattern(path: string): string {
  const escaped = path
    .split('/')
    .map((part) => part.replace(/[\\*?[\]]/g, '\\$&'))
    .join('/')
    .replace(/ +$/, (spaces) => spaces.replace(/ /g, '\\ '));
  return `/${escaped}`;
}

/** `text` has `line` (any line ending). */
const hasLine = (text: string, line: string) => text.split(/\r?\n/).includes(line);

/**
 * `text` without the `line` a run appended (`added`: the text before and after): as it was before,
 * when nothing changed since; else without that one line (the first: it was not there before, and
 * lines added since come after it), the rest as it is. Null: the line is not there.
 */
function withoutAddedLine(text: string, line: string, added: { before: string; after: string }): string | null {
  if (text === added.after) return added.before;
  const lines = text.split(/(?<=\n)/);
  const at = lines.findIndex((each) => each.replace(/\r?\n$/, '') === line);
  if (at < 0) return null;
  lines.splice(at, 1);
  return lines.join('');
}

/** What went wrong with a file (as fileStep says it), or null for an error that is not a file's. */
function fileFailure(caught: unknown): string | null {
  if (caught instanceof FileKeptError) return caught.why;
  // rewriteFile's failure to read the file: said as the failure itself is said here.
  if (caught instanceof FileReadError && (caught.why === GONE || caught.cause === undefined)) {
    return caught.why === GONE ? 'it was removed meanwhile' : caught.why;
  }
  const error = caught instanceof FileReadError ? caught.cause : caught;
  return error instanceof ExitError ? null : describeFileError(error);
}

/**
 * `promise`, with a file-system failure (a name too long, a link loop, a directory that cannot be
 * entered, a read-only or full disk) said as one line: `subject: what is wrong[ at the path it
 * concerns, when that is not \`path\`]. after`. Any other error passes as it is.
 */
async function fileStep<T>(promise: Promise<T>, subject: string, after: string, path?: string): Promise<T> {
  const at = (failed: string | undefined) => (path !== undefined && failed && resolve(failed) !== path ? ` at ${pathLine(failed)}` : '');
  try {
    return await promise;
  } catch (caught) {
    if (caught instanceof FileKeptError) throw keptLine(caught, subject, after, shellWord(caught.path));
    const why = fileFailure(caught);
    if (why === null) throw caught;
    // Where the system's error is about another path (a directory on the way), that path is named.
    const error = caught instanceof FileReadError ? (caught.why === GONE ? undefined : caught.cause) : caught;
    throw new UsageError(`${subject}: ${why}${at((error as UnreadableFileError | NodeJS.ErrnoException | undefined)?.path)}. ${after}`);
  }
}

/** A file rewriteFile leaves alone (read-only, another user's), as one line: what, why, that nothing changed, and what to do. */
function keptLine(kept: FileKeptError, subject: string, after: string, word: string): UsageError {
  return new UsageError(`${subject}: ${kept.why}. ${after.replace(/\.$/, '')}: ${kept.fix(word, 'run this command again')}.`);
}

export interface EnvOptions {
  profile?: string;
  file?: string;
  force: boolean;
  gitignore: boolean;
}

const FileSchema = z.string().check(z.trim(), z.minLength(1, 'name a file'));

export async function run(ctx: Context, options: EnvOptions): Promise<number> {
  const gitCallMs = ctx.gitCallMs ?? GIT_TIMEOUT_MS;
  const deps = { cwd: currentDir(ctx), git: gitRunner(ctx.rawEnv, undefined, gitCallMs) };
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
  // A temp file of this file a killed run left (its writer gone) may hold a key in full, where git
  // would offer to commit it: removed, whatever this run comes to. One that cannot be is named by status and doctor.
  const removed = await removeLeftoverTemps(real, ctx).catch((error: unknown) => (error instanceof ConfigStoreError ? [] : Promise.reject(error)));
  if (removed.length) term.err(`${m.warn} ${removedLeftovers(removed)}`);
  // Only letters, digits, "-" and "_" (a stored value with anything else is refused there, exit 3):
  // what every reader of .env files takes as it is, unquoted or in quotes (see keys/dotenv.ts).
  const key = await requireStoredKey(ctx, profileName);

  // The edit is worked out before anything is written (a .gitignore included), so that a file
  // the readers disagree about is left entirely alone; and again when the file is written, on its
  // text then (another run, or import, may have changed it meanwhile).
  const edit = (text: string, after: string): SetResult => {
    try {
      return setVariable(text, 'OPENAI_API_KEY', key);
    } catch (error) {
      if (!(error instanceof AmbiguousEnvFile)) throw error;
      // Lines that end in a carriage return alone (old Mac files): one reader's line is several
      // another's, whatever the quotes. That is the cause to name, and the fix.
      if (/\r(?!\n)/.test(text)) {
        throw new UsageError(`${where} has lines that end in a carriage return alone (CR, as old Mac files do), where programs that read .env files disagree on where a line ends. ${after}`, [
          `Make them end in a line feed (LF), then run this command again:  perl -pi -e 's/\\r(?!\\n)/\\n/g' -- ${shellWord(detour ? real : typed)}`,
        ]);
      }
      throw new UsageError(`${where}, ${error.message}. ${after}`, [
        `Look at the quoted value above line ${error.line} (a backslash before a quote, backticks, a tab before a quote), or set OPENAI_API_KEY there by hand (${toolCommand(ctx, 'token', profileName)} prints the key).`,
      ]);
    }
  };
  const before = (await lookup(readText(real))) ?? '';
  // A file that is not the person's to change this way (read-only, another user's) is said before
  // anything is written, .gitignore included; rewriteFile checks it again when it writes.
  const first = edit(before, 'Nothing was written.');
  if (first.text !== before || !existing) {
    // A new file too: its folder may not be one they can write in.
    const kept = existing ? await keptBack(real, real, existing) : await folderKept(real, real);
    if (kept) throw keptLine(kept, `Could not write ${where}`, 'Nothing was written.', shellWord(detour ? real : typed));
  }

  // git that did not answer in time has not said whether it tracks the file: not "no repository".
  const notSaid = `git did not say within ${secondsSaid(gitCallMs)} whether it tracks ${where}`;
  const verdict = await lookup(gitVerdict(deps.git, dirname(real), basename(real))).catch((error: unknown) => {
    if (!(error instanceof GitLate)) throw error;
    return { kind: 'late' } as const;
  });
  if (verdict.kind === 'late') {
    if (!options.force) {
      throw new UsageError(`${notSaid}: the key could be committed with it. Nothing was written.`, [
        'Run this command again once git answers in that folder (`git status`), or add --force to write the key without its word.',
      ]);
    }
    term.err(`${m.warn} ${notSaid}: written without its word (--force); do not commit it.`);
  } else if (verdict.kind === 'no-git') {
    term.err(`${m.warn} git is not installed, so nothing checked that ${where} stays out of version control.`);
  } else if (verdict.kind === 'no-repo') {
    term.err(`${m.warn} ${pathLine(dirname(real))} is not in a git repository, so nothing checked that ${where} stays out of version control.`);
  } else if (verdict.kind === 'tracked') {
    if (!options.force) {
      // The exact command, as status and doctor name it for such a file (--gitignore: env adds the
      // file to .gitignore if git would not ignore it once untracked, and does nothing if it would).
      // Never --force: no advice writes a key into a file git tracks.
      throw new UsageError(`${where} is tracked by git: the key would be committed with it. Nothing was written.`, [
        `Untrack it, then write the key:  ${untrackAndWriteCommand(ctx, profileName, path, real, detour)}`,
      ]);
    }
    term.err(`${m.warn} ${where} is tracked by git: do not commit it now that it holds the key (--force).`);
  } else if (verdict.kind === 'exposed') {
    const gitignore = join(verdict.root, '.gitignore');
    const gitignoreShown = pathLine(gitignore);
    const pattern = gitignorePattern(verdict.path);
    // The line as .gitignore holds it: UTF-8 bytes, which git matches names by.
    const line = asFileText(pattern);
    const check = detour ? `git -C ${shellWord(verdict.root)} check-ignore -v -- ${shellWord(verdict.path)}` : `git check-ignore -v -- ${shellWord(typed)}`;
    const hints = [`See which line:  ${check}`, 'Or pass --force (without --gitignore) to write the key anyway.'];
    const notChanged = '.gitignore was not changed, and the key was not written.';
    let add = options.gitignore;
    if (add || !options.force) {
      // git reads .gitignore by lines, and drops a carriage return ending one: no line can name such a file.
      if (/\n|\r$/.test(pattern)) {
        throw new UsageError(`${where} cannot be covered by .gitignore: its name has a line break, which no .gitignore line can hold. Nothing was written.`, [
          'Rename it, or pass --force (without --gitignore) to write the key anyway.',
        ]);
      }
      // git does not read a .gitignore that is a symbolic link, so a pattern added through one
      // (perhaps into another repository) would keep nothing out.
      if ((await lstat(gitignore).catch(() => null))?.isSymbolicLink()) {
        throw new UsageError(`${where} is not covered by .gitignore, and ${gitignoreShown} is a symbolic link, which git does not read. Nothing was written.`, [
          'Make .gitignore a regular file, or pass --force (without --gitignore) to write the key anyway.',
        ]);
      }
      // Whether the line would make git ignore the file, found before anything is written or asked:
      // a "!" line in a .gitignore nearer to the file overrides every line of the top one, and the
      // line there already is overridden by one after it (added again, it would be there twice).
      // Read first, git asked then: a line another run added meanwhile is found ignoring the file.
      // One that cannot be read is said when the line is added to it.
      const text = await readText(gitignore).catch(() => null);
      const present = text !== null && hasLine(text, line);
      const rule = await decidingRule(deps.git, verdict.root, verdict.path);
      if (rule?.pattern.startsWith('!') && (present || isNearerGitignore(rule, verdict.path))) {
        const by = `line ${rule.line} of ${pathLine(resolve(verdict.root, rule.source))} ("${pathLine(rule.pattern)}")`;
        throw new UsageError(
          present
            ? `${gitignoreShown} has ${pathLine(pattern)} already, yet git does not ignore ${where}: ${by} takes it back. ${notChanged}`
            : `git does not ignore ${where}: ${by} takes it back, which no line added to ${gitignoreShown} can override. ${notChanged}`,
          hints,
        );
      }
    }
    if (!add && !options.force) {
      const prompter = ctx.prompter('Pass --gitignore to add it to .gitignore, or --force to write it anyway.');
      term.err(`${m.warn} ${where} is not covered by .gitignore: git would offer to commit the key.`);
      add = await prompter.confirm(`Add ${pathLine(pattern)} to ${gitignoreShown}?`, true);
      if (!add) throw new UsageError(`Nothing was written: ${where} could be committed.`, ['Pass --force to write it anyway.']);
    }
    if (add) {
      // Changed under the lock every run of openai-setup takes on it, as it is then: lines other
      // runs added meanwhile stay, and the line is not added twice.
      let added: { before: string; after: string } | null = null;
      const append = (text: string) => (hasLine(text, line) ? null : (added = { before: text, after: appendLine(text, line) }).after);
      const outcome = await fileStep(
        rewriteFile(gitignore, append, ctx, { create: true }),
        `Could not add ${pathLine(pattern)} to ${gitignoreShown}`,
        'The key was not written.',
      );
      // What is said is what git does now, asked again after the write.
      const now = await lookup(gitVerdict(deps.git, dirname(real), basename(real))).catch((error: unknown) => {
        if (!(error instanceof GitLate)) throw error;
        throw new UsageError(`${notSaid} once ${pathLine(pattern)} was added to ${gitignoreShown}. The key was not written.`, ['Run this command again once git answers in that folder (`git status`).']);
      });
      if (now.kind !== 'ignored') {
        if (outcome === 'overwritten') {
          throw new UsageError(`${gitignoreShown} was changed by another program while ${pathLine(pattern)} was added to it, and git does not ignore ${where}. The key was not written.`, [
            'Look at .gitignore, and run this command again.',
          ]);
        }
        const takesBack = 'a "!" line takes it back (in a .gitignore nearer to it?)';
        if (outcome === 'unchanged' || !added) {
          throw new UsageError(`${gitignoreShown} has ${pathLine(pattern)} (added meanwhile), yet git does not ignore ${where}: ${takesBack}. ${notChanged}`, hints);
        }
        // A line that keeps nothing out is not left behind: this run's line, taken out under the
        // same lock (what others added since stays).
        throw new UsageError(`git does not ignore ${where} even with ${pathLine(pattern)} in ${gitignoreShown}: ${takesBack}. ${await takeBack(ctx, gitignore, line, added)}`, hints);
      }
      if (outcome === 'changed') term.out(`${m.ok} Added ${pathLine(pattern)} to ${gitignoreShown}.`);
      else if (outcome === 'unchanged') term.out(`${m.ok} ${pathLine(pattern)} is in ${gitignoreShown} already (another run added it).`);
      else term.out(`${m.ok} git ignores ${where} now (another program changed ${gitignoreShown} meanwhile).`);
    } else {
      term.err(`${m.warn} ${where} is not covered by .gitignore: do not commit it (--force).`);
    }
  }

  const what = `OPENAI_API_KEY (${maskKey(key)}, profile "${profileName}")`;
  // Recorded before the key is first written: a run killed while writing it leaves a temp file next
  // to the file holding the key in full, which status, doctor and import then name, and logout
  // removes (a new file is not recorded as written until it is). Ended as the run ends.
  await notePendingEnvFile(ctx, real);
  let code: number;
  try {
    code = await writeKey(ctx, { key, real, path, typed, where, what, detour, profileName, edit });
  } catch (error) {
    await ctx.state.update((state) => endPendingEnvFile(state, real)).catch(() => {});
    throw error;
  }
  // Kept out of git now, but a commit of it may hold the key (untracked with `git rm --cached`
  // as env asked): then the key is in the repository all the same, to be replaced.
  if (verdict.kind === 'ignored' || verdict.kind === 'exposed') {
    const committed = await trackedEnvFile(ctx, profileName, path, maskKey(key), ctx, { keys: [key] });
    if (committed) term.err(`${m.warn} ${committed.detail}; ${committed.fix}`);
  }
  return code;
}

/** The key written into `real` (the file the person named, `path`), and recorded (remember): env's last step. */
async function writeKey(
  ctx: Context,
  run: { key: string; real: string; path: string; typed: string; where: string; what: string; detour: boolean; profileName: string; edit: (text: string, after: string) => SetResult },
): Promise<number> {
  const { real, where, edit } = run;
  const writing = <T>(promise: Promise<T>) => fileStep(promise, `Could not write ${where}`, 'The key was not written.');
  // Written under the same lock as import's edits and other runs' (their changes stay), created
  // 0600 if it is not there; `made`: what the edit found and did.
  const made: { exists?: boolean; result?: SetResult } = {};
  // A signal while the key is written waits for the write (a section), and the run then leaves
  // without going on here (step): what the write came to is said, and the file recorded, by the
  // undo registered as the write begins (it runs once the section has ended).
  let cancelled = null as (() => void) | null;
  let finishing = false;
  const write: Promise<'changed' | 'unchanged' | 'overwritten'> = rewriteFile(
    real,
    (text, exists) => {
      const result = edit(text, 'The key was not written.');
      Object.assign(made, { exists, result });
      const next = exists && result.text === text ? null : result.text;
      if (next !== null) cancelled ??= ctx.interrupts.onCancel({
        // The run's own output is silenced by now: what finish says is what leaving says.
        run: async () => {
          const outcome = await write.catch(() => null);
          // rewriteFile leaves nothing written when it fails.
          if (outcome === null) return `The key was not written to ${where}.`;
          const lines: string[] = [];
          const collect = (line: string) => void lines.push(line);
          try {
            // Said already (the signal came as the file was being recorded): only the record, again.
            if (finishing) {
              await remember(ctx, run.profileName, run.path, where, real, collect);
              return lines.join('\n') || `${where} is recorded as a file you asked for.`;
            }
            await finish(ctx, run, made, outcome, { out: collect, err: collect });
          } catch (error) {
            lines.push(`${marks(ctx.term.style).warn} ${error instanceof Error ? error.message : String(error)}`);
          }
          return lines.join('\n');
        },
        left: () => `${where} may hold the key, and is not recorded as a file you asked for: run this command again.`,
      });
      return next;
    },
    ctx,
    { create: true, mode: 0o600 },
  );
  try {
    const outcome = await writing(ctx.interrupts.step(() => write));
    finishing = true;
    return await finish(ctx, run, made, outcome);
  } finally {
    cancelled?.();
  }
}

/** Where finish says its lines: the terminal; once a signal has silenced it, what leaving says. */
interface Say {
  out(line: string): void;
  err(line: string): void;
}

/** What the write of the key came to, said (as it ended, or as a signal found it), and the file recorded (remember). */
async function finish(
  ctx: Context,
  run: { key: string; real: string; path: string; typed: string; where: string; what: string; detour: boolean; profileName: string },
  made: { exists?: boolean; result?: SetResult },
  outcome: 'changed' | 'unchanged' | 'overwritten',
  say: Say = { out: (line) => ctx.term.out(line), err: (line) => ctx.term.err(line) },
): Promise<number> {
  const m = marks(ctx.term.style);
  const { real, path, typed, where, what, detour, profileName } = run;
  const shown = pathLine(typed);
  if (outcome === 'overwritten' || !made.result) {
    throw new UsageError(`${where} was changed by another program while the key was being written to it. Check what it holds, and run this command again.`);
  }
  if (!made.exists) {
    // Made by root in another user's folder, it is that user's (rewriteFile): they read it, not root.
    const created = await stat(real).catch(() => null);
    const note =
      created && created.uid !== process.geteuid?.()
        ? `a new file, owned as its folder is (uid ${created.uid}, gid ${created.gid}), readable only by that user`
        : 'a new file, readable only by you';
    say.out(`${m.ok} Wrote ${what} to ${detour ? `${pathLine(real)} (where ${shown} leads; ${note})` : `${shown} (${note})`}.`);
    return remember(ctx, profileName, path, where, real, say.err);
  }
  if (outcome === 'unchanged') {
    say.out(`${m.ok} ${where} already has ${what}; nothing changed.`);
  } else {
    const { replaced, appended } = made.result;
    // A line some readers do not take as OPENAI_API_KEY (a byte-order mark before it, `NAME: value`,
    // a tab after `export`) is updated for those that do, and a line of its own added for the others.
    const how =
      replaced === 0
        ? `Added ${what} to ${where}`
        : appended
          ? `Updated ${what} in ${where}, and added it again as a line of its own at the end, for the programs that do not read the line there as OPENAI_API_KEY (a byte-order mark before it, a ":" for "=", a tab after "export")`
          : `Updated ${what} in ${where}`;
    say.out(`${m.ok} ${how}; every other line is as it was.`);
    for (const line of await replacedKeys(ctx, run, made.result.previous)) say.err(line);
  }
  const mode = (await fileStep(stat(real), `Could not write ${where}`, 'The key was not written.')).mode & 0o777;
  if (mode & 0o077 && ctx.platform !== 'win32') {
    say.err(`${m.warn} ${where} can be read by other users (mode ${mode.toString(8)}): chmod 600 -- ${shellWord(detour ? real : typed)}`);
  }
  return remember(ctx, profileName, path, where, real, say.err);
}

/**
 * What became of the other OpenAI keys the file held (`previous`: the values replaced), each named by its
 * masked hint only: the key other profiles store (profilesSharing: compared with what the keychain
 * or key file holds for them, those no record names too, as `key` does before it advises revoking),
 * or gone from the file and stored nowhere openai-setup knows of, to revoke or to keep.
 */
async function replacedKeys(ctx: Context, run: { key: string; where: string; profileName: string }, previous: string[]): Promise<string[]> {
  // Keys only (an OpenAI key's prefix, and one import would take for a key): a placeholder
  // (`sk-proj-your-api-key-goes-here`, `sk-xxxx…`) is no loss.
  const others = previous.filter((value) => value !== run.key && plausible(value) && keyKind(value) !== 'unknown');
  if (others.length === 0) return [];
  const m = marks(ctx.term.style);
  const profiles = await ctx.state
    .read()
    .then((state) => Object.entries(state.profiles))
    .catch(() => []);
  const lines: string[] = [];
  for (const value of others) {
    const hint = maskKey(value);
    // This profile stores the key just written. The key is in the file by now: a look that fails
    // is said, and no revoking is advised on the strength of it.
    const sharing = await profilesSharing(ctx, run.profileName, hint, async () => value).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
    if (sharing instanceof Error) {
      const why = sanitize(sharing.message.replace(/\.$/, ''));
      lines.push(`${m.warn} It replaced ${hint} in ${run.where}: it is gone from the file, and whether another profile stores it could not be told (${why}). Revoke it only once nothing uses it.`);
      continue;
    }
    if (sharing.length) {
      const unsure = sharing.every((s) => s.sure) ? '' : ' (by its hint: what is stored for it could not be read to compare)';
      lines.push(`It replaced ${hint} in ${run.where}: the key ${sharingSays(sharing, 'stores', 'store')}${unsure}, still kept there.`);
      continue;
    }
    // A key a profile stored before (this one first): rotate revoked it, or it was replaced and left live.
    const earlier = [...profiles.filter(([name]) => name === run.profileName), ...profiles.filter(([name]) => name !== run.profileName)]
      .flatMap(([name, p]) => (p.replacedKeys ?? []).filter((r) => r.keyHint === hint).map((r) => ({ name, ...r })))
      .sort((a, b) => Number(b.revoked) - Number(a.revoked))[0];
    if (earlier?.revoked) {
      lines.push(`It replaced ${hint} in ${run.where}: the key profile "${earlier.name}" stored until \`rotate\` replaced and revoked it (by its hint), which no longer works.`);
      continue;
    }
    const page = revokePage(isUserKey(value));
    const whose = earlier
      ? `a key profile "${earlier.name}" stored until ${earlier.by === 'rotate' ? '`rotate` replaced it without revoking it' : 'another replaced it'} (by its hint)`
      : 'a key openai-setup does not store';
    lines.push(`${m.warn} It replaced ${hint} in ${run.where}, ${whose}: it is gone from the file. If you still need it, copy it back from where else you keep it; if not, revoke it on ${page.name}: ${page.url}`);
  }
  return lines;
}

/** Take out of `gitignore` the `pattern` line this run added (`added`; as the file holds it: asFileText), and say what became of it. */
async function takeBack(ctx: Context, gitignore: string, pattern: string, added: { before: string; after: string }): Promise<string> {
  const shown = pathLine(gitignore);
  try {
    const outcome = await rewriteFile(gitignore, (text) => withoutAddedLine(text, pattern, added), ctx);
    if (outcome === 'changed') return 'The line was taken out again, and the key was not written.';
    if (outcome === 'unchanged') return 'The line is no longer there (taken out meanwhile), and the key was not written.';
    return `The line was taken out again, but another program changed ${shown} meanwhile: look at it. The key was not written.`;
  } catch (error) {
    if (error instanceof FileReadError && error.why === GONE) return `${shown} was removed meanwhile, and the key was not written.`;
    const why = fileFailure(error) ?? (error instanceof Error ? error.message.replace(/\.$/, '') : String(error));
    return `The line could not be taken out again (${why}): ${shown} still has it. The key was not written.`;
  }
}

/**
 * Record for the profile that `path` (absolute, as the person named it) holds its key because they
 * asked: status, doctor and import then say it as such, not as a plaintext copy to move; rotate
 * and logout name it. A path only, never the key; files deleted since are dropped from the list.
 * The key is written by now: a record that fails is said (the file stays as written), exit 0; this
 * run's entry in pendingEnvFiles then stays too, and is dropped by a later write of the progress
 * file once this run is gone (state.ts).
 */
async function remember(ctx: Context, profileName: string, path: string, where: string, real: string, warn = (line: string) => ctx.term.err(line)): Promise<number> {
  try {
    const gone = await missingFiles(envFilesOf(await ctx.state.read(), profileName));
    await ctx.state.updateProfile(profileName, (profile, state) => {
      profile.envFiles = withEnvFile(profile.envFiles, path, gone);
      endPendingEnvFile(state, real);
    });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    // status, doctor and import look in a file not recorded only if it is one of the places they
    // always look in (the project's .env, .env.local): elsewhere nothing names it.
    const looked = placesOf(ctx).some((place) => place.path === path || place.path === real);
    const until = looked ? 'status, doctor and import call it a plaintext copy' : 'rotate and logout do not name it as holding the key (status, doctor and import do not look in it)';
    warn(
      `${marks(ctx.term.style).warn} ${where} holds the key as written, but it could not be recorded as a file you asked for (${why.replace(/\.$/, '')}); until it is, ${until}. Run this command again to record it.`,
    );
    if (!(error instanceof ExitError)) throw error;
  }
  return 0;
}

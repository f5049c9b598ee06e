// Files `openai-setup env --file` wrote a profile's key into, as the person asked (the profile's
// `envFiles` in the progress file). The key's ways out are the keychain, token/run and files the
// person asks for: a copy of a profile's stored key in one of its own env files is where they
// wanted it, not a leak. status and doctor say it as information, import keeps it, rotate and
// logout name those files. A recorded file that no longer holds that key simply stops mattering.
import { execFile, spawn } from 'node:child_process';
import { lstat, readlink, realpath } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { Context } from '../context.js';
import { ExitError } from '../errors.js';
import { maskKey } from '../keys/format.js';
import { leftoverTemps } from '../storage/leftovers.js';
import { runGone } from '../storage/private-file.js';
import { MAX_ENV_FILES, type State } from '../storage/state.js';
import type { Place } from './places.js';
import { scanPlaces, type Finding } from './scan.js';

/** The files `env --file` wrote for `profile`, the newest last. */
export function envFilesOf(state: State, profile: string): string[] {
  return state.profiles[profile]?.envFiles ?? [];
}

/** The profile's list once `path` was written: `path` last, once; those in `gone` left out; the newest MAX_ENV_FILES. */
export function withEnvFile(list: string[] | undefined, path: string, gone: ReadonlySet<string> = new Set()): string[] {
  return [...(list ?? []).filter((p) => p !== path && !gone.has(p)), path].slice(-MAX_ENV_FILES);
}

/** Those of `paths` that are no longer there (deleted since): dropped from the list at the next write. */
export async function missingFiles(paths: string[]): Promise<Set<string>> {
  const gone = new Set<string>();
  for (const path of paths) {
    await lstat(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') gone.add(path);
    });
  }
  return gone;
}

/**
 * The files `env --file` is writing, or was when a run was killed (the progress file's
 * pendingEnvFiles, every profile's): where a temp file holding a key may be left, that status,
 * doctor and import name (leftoverKeyFiles) and logout removes.
 */
export function pendingEnvFiles(state: State): string[] {
  return [...new Set((state.pendingEnvFiles ?? []).map((p) => p.path))];
}

/**
 * Record, before the first write of the key into `real` (the file really written), that this run
 * is writing it: killed during the write, it leaves a temp file next to it holding the key, which
 * is then found by what reads this record. Entries of runs that are gone and left nothing there are
 * dropped meanwhile. A record that cannot be made (a progress file a newer openai-setup wrote) is
 * not this run's to fail for: the write goes on, and the record of the file written fails as it
 * would have (remember, commands/env.ts, says so).
 */
export async function notePendingEnvFile(ctx: Context, real: string): Promise<void> {
  const done = new Set<string>();
  for (const { path, pid } of (await ctx.state.read()).pendingEnvFiles ?? []) {
    // A run that is gone writes nothing more: once nothing of it is left, its entry is done with.
    if (runGone(pid) && (await leftoverTemps(path)).length === 0) done.add(`${pid}:${path}`);
  }
  await ctx.state
    .update((state) => {
      const kept = (state.pendingEnvFiles ?? []).filter((p) => !done.has(`${p.pid}:${p.path}`) && !(p.pid === process.pid && p.path === real));
      state.pendingEnvFiles = [...kept, { path: real, pid: process.pid }].slice(-MAX_ENV_FILES);
    })
    .catch((error: unknown) => {
      if (!(error instanceof ExitError)) throw error;
    });
}

/** `state` without this run's entry for `real` (notePendingEnvFile), once its write has ended; none left, no list. */
export function endPendingEnvFile(state: State, real: string): void {
  const left = (state.pendingEnvFiles ?? []).filter((p) => !(p.pid === process.pid && p.path === real));
  if (left.length) state.pendingEnvFiles = left;
  else delete state.pendingEnvFiles;
}

/** The recorded files as places to look in (a .env file each). */
export function envFilePlaces(paths: string[]): Place[] {
  return paths.map((path) => ({ path, kind: 'dotenv' }));
}

const realOf = (path: string): string => {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
};

/**
 * Which profile asked for a finding: one whose recorded env files include its file (through any
 * link) and whose stored key (by its masked hint, as the progress file knows it) is the key found
 * there; `prefer` when it is one of them (the profile asked about: its own command names the file).
 * Null: a plaintext copy like any other.
 */
export function askedFor(state: State, prefer?: string): (finding: Pick<Finding, 'path' | 'key'>) => string | null {
  const byFile = new Map<string, string[]>();
  for (const [name, profile] of Object.entries(state.profiles)) {
    if (!profile.key) continue;
    for (const path of profile.envFiles ?? []) {
      const real = realOf(path);
      byFile.set(real, [...(byFile.get(real) ?? []), name]);
    }
  }
  return (finding) => {
    if (byFile.size === 0) return null;
    const hint = maskKey(finding.key);
    const asking = byFile.get(realOf(finding.path))?.filter((name) => state.profiles[name]?.key?.hint === hint) ?? [];
    return prefer !== undefined && asking.includes(prefer) ? prefer : (asking[0] ?? null);
  };
}

/** Copies of `key` in the files `env --file` wrote for `profile` (for rotate and logout). */
export async function envFileCopies(ctx: Context, profile: string, key: string): Promise<Finding[]> {
  const paths = envFilesOf(await ctx.state.read(), profile);
  if (paths.length === 0) return [];
  return (await scanPlaces(envFilePlaces(paths))).findings.filter((f) => f.key === key);
}

/**
 * Of `findings`, the OPENAI_API_KEY lines in the files `env --file` wrote for `profile` (through
 * any link) that set another key than the profile's (`isProfileKey` false): left there when the key
 * was replaced, they are named with the command that writes the key there again. Not one that
 * another profile which recorded the same file has as its key (askedFor): that is its copy.
 */
export function staleIn(state: State, profile: string, findings: Finding[], isProfileKey: (key: string) => boolean): Finding[] {
  return staleOrTakenIn(state, profile, findings, isProfileKey).filter((f) => f.by === undefined);
}

/**
 * staleIn, and also the lines another profile's `env --file` wrote its own key into since
 * (`by`: that profile, askedFor): the file this profile asked for no longer holds its key,
 * which status and doctor name (`env` for one profile wrote over the other's copy).
 */
export function staleOrTakenIn(state: State, profile: string, findings: Finding[], isProfileKey: (key: string) => boolean): Array<Finding & { by?: string }> {
  const recorded = new Set(envFilesOf(state, profile).map(realOf));
  if (recorded.size === 0) return [];
  const asked = askedFor(state);
  return findings.flatMap((f) => {
    if (f.variable !== 'OPENAI_API_KEY' || isProfileKey(f.key) || !recorded.has(realOf(f.path))) return [];
    const by = asked(f);
    return by === null ? [f] : by === profile ? [] : [{ ...f, by }];
  });
}

/** staleIn, looking in the files `env --file` wrote for `profile` only (for key, once it stored `key`). */
export async function staleEnvFileCopies(ctx: Context, profile: string, key: string): Promise<Finding[]> {
  const state = await ctx.state.read();
  const paths = envFilesOf(state, profile);
  if (paths.length === 0) return [];
  return staleIn(state, profile, (await scanPlaces(envFilePlaces(paths))).findings, (found) => found === key);
}

/** A path that is not there, or has a file where a directory should be. */
export const isMissing = (error: unknown) => ['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '');

/**
 * Runs git in `cwd` (`input` on its standard input); `missing` when git itself is not installed,
 * `late` when it had not answered by the runner's deadline (gitRunner's `end`).
 */
export type GitRunner = (args: string[], cwd: string, input?: string) => Promise<{ code: number; stdout: string; missing: boolean; late?: true }>;

/**
 * The variables that tell git which repository to use rather than find it from its directory
 * (`git rev-parse --local-env-vars`: what git itself clears before it runs in another repository,
 * a submodule's), less those that only carry the person's settings (GIT_CONFIG, GIT_CONFIG_PARAMETERS,
 * GIT_CONFIG_COUNT: `-c` options, kept). Set for a dotfiles repository (GIT_DIR=~/.dotfiles
 * GIT_WORK_TREE=~), or inside a git alias or hook, they would have git answer about that
 * repository, not the one holding the file.
 */
export const REPOSITORY_VARIABLES = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_IMPLICIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_GRAFT_FILE',
  'GIT_NO_REPLACE_OBJECTS',
  'GIT_REPLACE_REF_BASE',
  'GIT_SHALLOW_FILE',
  'GIT_PREFIX',
  'GIT_INTERNAL_SUPER_PREFIX',
] as const;

/** How long git is given to answer (a repository on a network drive that hangs: not this run's end). */
export const GIT_TIMEOUT_MS = 10_000;

/** `env` less REPOSITORY_VARIABLES: git finds the repository from its directory. */
function gitEnvironment(rawEnv: Record<string, string | undefined>): Record<string, string | undefined> {
  // Compared in capitals: on Windows a variable's name is any case.
  const dropped = new Set<string>(REPOSITORY_VARIABLES);
  return Object.fromEntries(Object.entries(rawEnv).filter(([name]) => !dropped.has(name.toUpperCase())));
}

/**
 * Runs git in `cwd` (a file's own directory), about the repository that holds it: found from there
 * as git finds it, whatever REPOSITORY_VARIABLES the environment sets (every other variable of
 * `env` is passed: HOME, the person's git settings, GIT_CEILING_DIRECTORIES). With `end` (a time,
 * as Date.now() says it): a call not answered by then is stopped and answered `late` (a history
 * search's deadline, which every git call of the search counts against); without it, or with more
 * time left, a call takes at most `callMs`, and is answered `late` too once stopped.
 */
export function gitRunner(rawEnv: Record<string, string | undefined>, end?: number, callMs = GIT_TIMEOUT_MS): GitRunner {
  const env = gitEnvironment(rawEnv);
  const late = { code: -1, stdout: '', missing: false, late: true } as const;
  return (args, cwd, input) =>
    new Promise((done) => {
      const left = end === undefined ? Infinity : end - Date.now();
      if (left <= 0) return done(late);
      const child = execFile('git', args, { cwd, env, timeout: callMs }, (error, stdout) => {
        clearTimeout(timer);
        const code = error ? (error as NodeJS.ErrnoException).code : 0;
        // Stopped by its own time limit: git has not said (never "no repository").
        if ((error as { killed?: boolean } | null)?.killed) done(late);
        else if (code === 'ENOENT') done({ code: -1, stdout: '', missing: true });
        else done({ code: typeof code === 'number' ? code : error ? 1 : 0, stdout: String(stdout), missing: false });
      });
      // Out of time: answered then, not once whatever git started has let go of its output.
      const timer =
        left < callMs
          ? setTimeout(() => {
              child.kill();
              done(late);
            }, left)
          : undefined;
      if (input !== undefined) {
        // A git that is not there, or exits before reading: its answer says so, not the pipe.
        child.stdin?.on('error', () => {});
        child.stdin?.end(input);
      }
    });
}

export type GitVerdict =
  | { kind: 'no-git' }
  | { kind: 'no-repo' }
  | { kind: 'tracked' | 'ignored' | 'exposed'; root: string; path: string };

/** A git call of gitVerdict not answered by its runner's deadline (gitRunner's `end`): git has not said. */
export class GitLate extends Error {
  constructor() {
    super('git did not answer in time');
  }
}

/**
 * What git would do with `file` (in existing directory `dir`): nothing to check, tracked, ignored,
 * or neither. Throws GitLate where `git` answers a call late.
 */
export async function gitVerdict(git: GitRunner, dir: string, file: string): Promise<GitVerdict> {
  const ask = async (args: string[]) => {
    const answer = await git(args, dir);
    if (answer.late) throw new GitLate();
    return answer;
  };
  const top = await ask(['rev-parse', '--show-toplevel']);
  if (top.missing) return { kind: 'no-git' };
  if (top.code !== 0) return { kind: 'no-repo' };
  const root = top.stdout.trim();
  const path = relative(root, join(await realpath(dir), file)).split(sep).join('/');
  if ((await ask(['ls-files', '--error-unmatch', '--', file])).code === 0) return { kind: 'tracked', root, path };
  const ignored = (await ask(['check-ignore', '-q', '--', file])).code === 0;
  return { kind: ignored ? 'ignored' : 'exposed', root, path };
}

/**
 * What git's history of a file says of a key: not there, there (`commit`, abbreviated: one that held
 * it, or `removed`: the one that took it out), or not searched through (`why`; `late`: the search
 * ran out of its time).
 */
export type HistoryVerdict = { kind: 'absent' } | { kind: 'held'; commit: string; removed: boolean } | { kind: 'unsearched'; why: string; late?: true };

/** A line of git's output longer than this is searched as it comes (keyInHistory). */
const LONG_LINE = 64 * 1024;

/** How much of a file's history (its patches, as git prints them) is searched for a key at most. */
export const HISTORY_MAX_BYTES = 16 * 1024 * 1024;

/** How long a file's history search takes at most, in all: status's short look, and the others' (doctor, import, env --file). */
export const HISTORY_SEARCH_MS = { short: 3_000, long: 25_000 } as const;

/** `ms` as said: "3 s", "0.2 s". */
export const secondsSaid = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

/**
 * Settings of the person's git config that would change what the search reads: a commit's id
 * re-encoded (a log output encoding of UTF-16 puts NUL bytes between its letters), signatures
 * checked and printed among the patches.
 */
const SEARCH_CONFIG = ['-c', 'i18n.logOutputEncoding=UTF-8', '-c', 'log.showSignature=false'];

/** What a git call of keyInHistory said (`late`: stopped at the deadline; `long`: stopped past its byte cap). */
interface GitAnswer {
  code: number | null;
  stdout: string;
  stderr: string;
  late: boolean;
  long: boolean;
  missing: boolean;
}

/** git `args` in `dir`, stopped and answered at `end` (Date.now()'s time) or once its output passes `maxBytes`. */
function gitUntil(args: string[], dir: string, env: Record<string, string | undefined>, end: number, maxBytes: number): Promise<GitAnswer> {
  return new Promise((done) => {
    const child = spawn('git', args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let [stdout, stderr] = ['', ''];
    const stop = (why: 'late' | 'long') => {
      clearTimeout(timer);
      child.kill();
      done({ code: null, stdout: '', stderr: '', late: why === 'late', long: why === 'long', missing: false });
    };
    // UTF-8: a name read here is given back to git as an argument.
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.length > maxBytes) stop('long');
    });
    child.stderr.setEncoding('latin1').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4096)));
    // Out of time: answered then, not once whatever git started has let go of its output.
    const timer = setTimeout(() => stop('late'), Math.max(0, end - Date.now()));
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      done({ code: null, stdout: '', stderr: '', late: false, long: false, missing: error.code === 'ENOENT' });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr, late: false, long: false, missing: false });
    });
  });
}

/** The variables that change how git reads every pathspec (its magic off, globs, case). */
const PATHSPEC_VARIABLES = ['GIT_LITERAL_PATHSPECS', 'GIT_GLOB_PATHSPECS', 'GIT_NOGLOB_PATHSPECS', 'GIT_ICASE_PATHSPECS'];

/** The most earlier names of a file the search looks under (keyInHistory). */
const MAX_EARLIER_NAMES = 100;

/**
 * The names a file had before a rename, as git's `--name-status -z` of the renames says them
 * (`R<score>\0<from>\0<to>\0`, from the repository's top): each `from`.
 */
function renamedFrom(nameStatus: string): string[] {
  const fields = nameStatus.split('\0');
  const names = new Set<string>();
  for (let i = 0; i + 2 < fields.length; i++) {
    if (!/^R[0-9]*$/.test(fields[i]!.trim())) continue;
    if (fields[i + 1]) names.add(fields[i + 1]!);
    i += 2;
  }
  return [...names].slice(0, MAX_EARLIER_NAMES);
}

/**
 * Whether any of `keys` is in the history of `file` (in existing directory `dir`), on every branch,
 * tag and stash (`git log --all -p`), under the names it had before a rename too (`git mv`
 * config/.env.old .env): a file no longer tracked that was committed holding the key still hands
 * it to whoever has the repository. git's patches are read as they come and searched here: a key
 * is never an argument (`ps` shows those) nor written anywhere. The most recent commit that added
 * a line holding it is named; where only a line's removal is seen before the search stops, the
 * commit that removed it. Bounded: `maxBytes` of git's output, and `deadlineMs` for the whole
 * search, until `end` when the caller's git calls counted against it already (a cheap look for
 * any history of the file first, which on a long history is not that cheap, then its earlier
 * names, then the patches): a search that runs out of either is 'unsearched', never 'absent'.
 */
export async function keyInHistory(
  rawEnv: Record<string, string | undefined>,
  dir: string,
  file: string,
  keys: string[],
  maxBytes = HISTORY_MAX_BYTES,
  deadlineMs: number = HISTORY_SEARCH_MS.long,
  end = Date.now() + deadlineMs,
): Promise<HistoryVerdict> {
  const late: HistoryVerdict = { kind: 'unsearched', why: `git took longer than ${secondsSaid(deadlineMs)}`, late: true };
  const tooLong: HistoryVerdict = { kind: 'unsearched', why: `more than ${maxBytes % 1048576 === 0 ? `${maxBytes / 1048576} MB` : `${maxBytes} bytes`} of it` };
  // No variable of the person's turning pathspec magic off or changing how a name is read: the
  // names are literal by git's own options here.
  const env = Object.fromEntries(Object.entries(gitEnvironment(rawEnv)).filter(([name]) => !PATHSPEC_VARIABLES.includes(name.toUpperCase())));
  // Literal: a name with `*` or a leading `:` is that file, not a pattern.
  const before = [...SEARCH_CONFIG, '--literal-pathspecs'];
  const any = await gitUntil([...before, 'log', '--all', '-1', '--format=%h', '--', file], dir, env, end, maxBytes);
  if (any.late) return late;
  if (any.missing) return { kind: 'unsearched', why: 'git could not be started' };
  // Not a repository (any more): no history. Any other failure is no answer.
  if (any.code !== 0) return /not a git repository/i.test(any.stderr) ? { kind: 'absent' } : { kind: 'unsearched', why: 'git could not read it' };
  if (any.stdout.trim() === '' || keys.length === 0) return { kind: 'absent' };
  // Its earlier names: the renames --follow finds going back from it (it follows one line of
  // names, which on another branch may differ: the search below reads every branch under each).
  const renames = await gitUntil([...before, 'log', '--all', '--follow', '--diff-filter=R', '--name-status', '-z', '--format=', '--', file], dir, env, end, maxBytes);
  if (renames.late) return late;
  if (renames.long) return tooLong;
  if (renames.code !== 0) return { kind: 'unsearched', why: 'git could not read it' };
  // With earlier names, each literal by its own magic (`:(literal)`), those from the repository's top as git says them.
  const earlier = renamedFrom(renames.stdout);
  const [literal, paths] = earlier.length === 0 ? [['--literal-pathspecs'], [file]] : [[], [`:(literal)${file}`, ...earlier.map((name) => `:(top,literal)${name}`)]];
  // Each commit's line starts with a NUL byte, which no patch line does (they start with " ", "+",
  // "-", or a header's word). The file as text whatever it holds, no program of the person's
  // config run on it (an external diff, a textconv), merges' own changes too (-m), and the first
  // commit's whatever log.showRoot says (--root). Each name's patches in full (--no-renames).
  const args = [...SEARCH_CONFIG, ...literal, 'log', '--all', '--root', '-m', '-p', '--text', '--no-ext-diff', '--no-textconv', '--no-color', '--no-renames', '--format=%x00%h', '--', ...paths];
  return new Promise((done) => {
    const child = spawn('git', args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'ignore'] });
    let commit = '';
    let removed: string | null = null;
    let held: string | null = null;
    let stopped: HistoryVerdict | null = null;
    let rest = '';
    // The cap counts the look for earlier names too.
    let read = renames.stdout.length;
    const longest = Math.max(...keys.map((key) => key.length));
    const stop = (why: HistoryVerdict | null) => {
      stopped ??= why;
      child.stdout.destroy();
      child.kill();
    };
    // Out of time: answered then, not once whatever git started has let go of its output.
    const timer = setTimeout(() => {
      stop(late);
      done(late);
    }, Math.max(0, end - Date.now()));
    /** Whether `line` says a commit held a key (`held`, then). */
    const holds = (line: string): boolean => {
      // An abbreviated id is hex: anything else is not shown.
      if (line.startsWith('\0')) commit = /^[0-9a-f]{4,64}$/.test(line.slice(1)) ? line.slice(1) : '';
      else if (keys.some((key) => line.includes(key))) {
        // A line added, or kept around a change: this commit held it. A line removed: the one
        // before did, which a line added further back names.
        if (!line.startsWith('-')) {
          held = commit;
          return true;
        }
        removed ??= commit;
      }
      return false;
    };
    // Bytes as characters one for one: a key is ASCII, and a line break is one byte.
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (chunk: string) => {
      if (held !== null || stopped !== null) return;
      read += chunk.length;
      const lines = (rest + chunk).split('\n');
      rest = lines.pop()!;
      if (lines.some(holds)) return stop(null);
      // A line that goes on and on (a binary file's): looked at as it comes, then only its first
      // character (added or removed) and as much of its end as a key may start in are kept,
      // apart (\x01 is in no key), so that the rest of a long line is not copied again each time.
      if (rest.length > LONG_LINE) {
        if (holds(rest)) return stop(null);
        rest = `${rest.charAt(0)}\x01${rest.slice(-longest)}`;
      }
      if (read > maxBytes) stop(tooLong);
    });
    const finish = (code: number | null) => {
      clearTimeout(timer);
      if (held === null && stopped === null) holds(rest);
      if (held !== null) done({ kind: 'held', commit: held, removed: false });
      else if (removed !== null) done({ kind: 'held', commit: removed, removed: true });
      else if (stopped !== null) done(stopped);
      else done(code === 0 ? { kind: 'absent' } : { kind: 'unsearched', why: 'git could not read it' });
    };
    // git that cannot be started (gone since the look above): said as one that could not read it.
    child.on('error', () => finish(-1));
    child.on('close', finish);
  });
}

/** An exclude line: the file it is in (as git names it), its number there, and the pattern. */
export interface IgnoreRule {
  source: string;
  line: number;
  pattern: string;
}

/**
 * The line that decides whether git ignores `path` (`/`-separated, relative to `root`, the
 * repository's top), a "!" line included; null when none matches or git cannot say. A .gitignore
 * is named relative to `root`, whatever the directory asked from.
 */
export async function decidingRule(git: GitRunner, root: string, path: string): Promise<IgnoreRule | null> {
  // -z (with --stdin) so that no name is quoted or split; after "./", no name is read as pathspec magic (":(top)…").
  const answer = await git(['check-ignore', '-v', '-z', '--stdin', '--no-index'], root, `./${path}\0`);
  const [source, line, pattern] = answer.stdout.split('\0');
  if (answer.code !== 0 || !source || !/^[0-9]+$/.test(line ?? '') || pattern === undefined) return null;
  return { source, line: Number(line), pattern };
}

/** Whether `rule` is in a .gitignore of a directory inside the repository that holds `path` (git's `root`-relative names): one that overrides the top .gitignore. */
export function isNearerGitignore(rule: IgnoreRule, path: string): boolean {
  const parts = path.split('/');
  for (let depth = 1; depth < parts.length; depth++) {
    if (rule.source === `${parts.slice(0, depth).join('/')}/.gitignore`) return true;
  }
  return false;
}

/**
 * Where writing `path` really lands, every symbolic link on the way followed (a directory's, and
 * the file's own even when it points at nothing yet), or the directory on the way that is missing.
 */
export async function realTarget(path: string): Promise<{ file: string } | { missing: string }> {
  let current = path;
  for (let hops = 0; hops < 40; hops++) {
    let dir: string;
    try {
      dir = await realpath(dirname(current));
    } catch (error) {
      if (isMissing(error)) return { missing: dirname(current) };
      throw error;
    }
    const file = join(dir, basename(current));
    const info = await lstat(file).catch((error: unknown) => {
      if (isMissing(error)) return null;
      throw error;
    });
    if (!info?.isSymbolicLink()) return { file };
    current = resolve(dir, await readlink(file));
  }
  // As the system says it, so that it is told like any other file-system failure.
  throw Object.assign(new Error(`ELOOP: too many symbolic links, ${path}`), { code: 'ELOOP', syscall: 'realpath', path });
}

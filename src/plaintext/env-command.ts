// The command that writes a profile's key into a file `env --file` wrote before, as env would be
// run again for it (rotate and env name it), and what is said with it: what wrote a file holding
// the key (status, doctor, import, logout), one git tracks or a commit held the key in (status,
// doctor, import, env), and a file that still holds a replaced key (rotate, key, status, doctor).
import { basename, dirname, resolve } from 'node:path';
import type { Context } from '../context.js';
import { maskKey } from '../keys/format.js';
import { storeKeyAdvice, toolCommand, type AdviceScope } from '../terminal/advice.js';
import { shellWord } from '../terminal/shell.js';
import { shellPath } from './edit.js';
import { envFilePlaces, GitLate, gitRunner, gitVerdict, HISTORY_MAX_BYTES, HISTORY_SEARCH_MS, keyInHistory, realTarget, secondsSaid } from './env-files.js';
import { scanPlaces } from './scan.js';
import { shownPath, typedPath } from './summary.js';

/**
 * What git makes of the real file `path` leads to (its own repository, found from its folder), with
 * the directory and name to untrack it by; null where git cannot say; `late` where it had not
 * said by the deadline given (gitPlace's `end`).
 */
interface GitPlace {
  kind: 'tracked' | 'exposed' | 'ignored' | 'other' | 'late';
  dir: string;
  name: string;
  /** Reached through a link or `..`: untracked from its own folder. */
  detour: boolean;
}

/** `end`: the time (Date.now()'s) by which git must have said (a history search's deadline), if any. */
async function gitPlace(ctx: Context, path: string, end?: number): Promise<GitPlace | null> {
  try {
    const target = await realTarget(path);
    if (!('file' in target)) return null;
    const [dir, name, detour] = [dirname(target.file), basename(target.file), target.file !== resolve(path)];
    const kind = await gitVerdict(gitRunner(ctx.rawEnv, end, ctx.gitCallMs), dir, name).then(
      (verdict) => (verdict.kind === 'no-git' || verdict.kind === 'no-repo' ? 'other' : verdict.kind),
      (error: unknown) => {
        if (error instanceof GitLate) return 'late' as const;
        throw error;
      },
    );
    return { kind, dir, name, detour };
  } catch {
    // git cannot say (a link loop, a folder not entered): env itself says what is wrong with the file then.
    return null;
  }
}

/** `git rm --cached` of the file as typed from here (`git -C <folder>` unless it is in this folder), exact for a shell. */
function untrackCommand(ctx: Context, path: string, at: GitPlace): string {
  const typed = typedPath(ctx, path);
  if (!at.detour && !typed.includes('/')) return `git rm --cached -- ${shellWord(typed)}`;
  const dir = at.detour ? at.dir : typedPath(ctx, dirname(path));
  return `git -C ${at.detour ? shellWord(dir) : shellPath(dir)} rm --cached -- ${shellWord(at.name)}`;
}

/** The command that takes the file `path` leads to out of git's index, where git tracks it; else null (logout names it). */
export async function untrackIfTracked(ctx: Context, path: string): Promise<string | null> {
  const at = await gitPlace(ctx, path);
  return at?.kind === 'tracked' ? untrackCommand(ctx, path, at) : null;
}

/**
 * The command that writes the profile's key into `path` as it works where git stands `at`: a file
 * git tracks is untracked first (`git rm --cached … && env --file … --gitignore`: env refuses to
 * write into it), one git would offer to commit gets --gitignore (env adds it to .gitignore then,
 * rather than ask, or refuse without a terminal). Never --force.
 */
function writeCommand(ctx: Context, profileName: string, path: string, at: GitPlace | null, scope: AdviceScope = ctx): string {
  const env = toolCommand(scope, `env --file ${shellPath(typedPath(ctx, path))}${at?.kind === 'tracked' || at?.kind === 'exposed' ? ' --gitignore' : ''}`, profileName);
  return at?.kind === 'tracked' ? `${untrackCommand(ctx, path, at)} && ${env}` : env;
}

/**
 * The command that untracks `path`, which git tracks (its real file `real`, reached through a link
 * or `..` when `detour`), and then writes the key there: what env's refusal to write into it names.
 */
export function untrackAndWriteCommand(ctx: Context, profileName: string, path: string, real: string, detour: boolean): string {
  return writeCommand(ctx, profileName, path, { kind: 'tracked', dir: dirname(real), name: basename(real), detour });
}

/**
 * The command that writes the profile's key into `path` (a file `env --file` wrote before) again,
 * as this run would print it: writeCommand's env part (a file git tracks is said with its untracking
 * by trackedEnvFile and staleEnvFile).
 */
export async function envCommand(ctx: Context, profileName: string, path: string, scope: AdviceScope = ctx): Promise<string> {
  const at = await gitPlace(ctx, path);
  return writeCommand(ctx, profileName, path, at?.kind === 'exposed' ? at : null, scope);
}

/** A file git tracks holding the key `held` (masked), said as the key in the repository (staleEnvFile, logout). */
export function inRepository(ctx: Context, path: string, held: string): string {
  return `git tracks ${shownPath(ctx, path)}, so ${held} is in the repository (in its history once committed)`;
}

/** What wrote a file: `env --file` with its path (the flags it was run with are not known). */
function writtenBy(ctx: Context, profileName: string, path: string, scope: AdviceScope = ctx): string {
  return toolCommand(scope, `env --file ${shellPath(typedPath(ctx, path))}`, profileName);
}

/**
 * Replacing a key that got out: how, with the commands as typed in `scope`, storing the new one as
 * it works where this is read (storeKeyAdvice: piped in where nothing would ask; never a pipe of
 * OPENAI_API_KEY, which may hold the key that got out).
 */
function replaceTheKey(ctx: Context, scope: AdviceScope, profileName: string): string {
  const store = storeKeyAdvice({ ...scope, env: ctx.env, rawEnv: ctx.rawEnv, term: ctx.term }, profileName, false, undefined, { variableFailed: true });
  return `replace the key: create a new one on the API keys page, store it${store.how} with \`${store.command}\` and delete this one there (with an admin key, \`${toolCommand(scope, 'rotate', profileName)}\` does both)`;
}

/**
 * A file `env --file` wrote that git tracks, holding the key `held` (masked): no copy where it was
 * asked for, but a key in the repository, committed or to be with the next commit. What to say
 * (a warning, `${detail}; ${fix}`), or null when git does not track it and its history does not
 * hold the key (historyOf). The fix takes the file out of git as env wants it (`git rm --cached`,
 * then env adds it to .gitignore: run as printed, the key stays where it is), then replaces the
 * key, which the repository's history keeps. `command`: the fix's command that takes the file out
 * of git (--json names it); for a key in the history, the one that keeps the file out of git, if any.
 * `keys`: the history searched for these (env, which just wrote one), else for the key(s) the file holds that `held` names.
 */
export async function trackedEnvFile(ctx: Context, profileName: string, path: string, held: string, scope: AdviceScope = ctx, options: { short?: boolean; keys?: string[] } = {}): Promise<HistoryNote | null> {
  // One deadline for all of it: git's look at the file, then the search of its history.
  const ms = (ctx.historySearchMs ?? HISTORY_SEARCH_MS)[options.short ? 'short' : 'long'];
  const deadline = { ms, end: Date.now() + ms };
  const at = await gitPlace(ctx, path, deadline.end);
  if (at?.kind === 'late') return (options.keys ?? (await keysHeld(path, held))).length === 0 ? null : lateNote(ctx, profileName, path, held, scope, deadline.ms, options.short);
  if (at?.kind === 'ignored' || at?.kind === 'exposed') return historyOf(ctx, profileName, path, held, at, scope, deadline, options.keys, options.short);
  if (at?.kind !== 'tracked') return null;
  const shown = shownPath(ctx, path);
  const keep = writeCommand(ctx, profileName, path, at, scope);
  return {
    detail: `git tracks ${shown}, which holds ${held}: the key is in the repository (in its history once committed), so count it as exposed`,
    fix: `take ${shown} out of git and keep it out:  ${keep}  — then ${replaceTheKey(ctx, scope, profileName)}`,
    command: keep,
  };
}

/**
 * What is said of a file env wrote: a warning (`${detail}; ${fix}`), or, where `late` (status's short
 * search of its history ran out of time), a note that points at doctor's longer search.
 */
export type HistoryNote = { detail: string; fix: string; command: string | null; late?: true };

/**
 * A file git no longer tracks (or never did here) holding the key `held` (masked), which a commit
 * of it held all the same (`git rm --cached` leaves every earlier commit as it was): the key is in
 * the repository's history, to be replaced. Searched for `keys`, else for the key(s) the file
 * holds now that `held` names; a history too long to search through is said as such (it may hold
 * the key). Null: none.
 */
async function historyOf(
  ctx: Context,
  profileName: string,
  path: string,
  held: string,
  at: GitPlace,
  scope: AdviceScope,
  deadline: { ms: number; end: number },
  keys?: string[],
  short = false,
): Promise<HistoryNote | null> {
  keys ??= await keysHeld(path, held);
  if (keys.length === 0) return null;
  const found = await keyInHistory(ctx.rawEnv, at.dir, at.name, keys, HISTORY_MAX_BYTES, deadline.ms, deadline.end);
  if (found.kind === 'absent') return null;
  const shown = shownPath(ctx, path);
  if (found.kind === 'unsearched' && found.late && short) return lateNote(ctx, profileName, path, held, scope, deadline.ms, short);
  // One git would offer to commit again: kept out first, as env keeps it out.
  const keepOutCommand = at.kind === 'exposed' ? writeCommand(ctx, profileName, path, at, scope) : null;
  const keepOut = keepOutCommand ? `keep ${shown} out of git:  ${keepOutCommand}  — then ` : '';
  const pushed = 'rewriting the history does not take it back from where it was pushed or cloned';
  if (found.kind === 'unsearched') {
    return {
      detail: `${shown} holds ${held}, and its history in git could not be searched for it in full (${found.why}), so a commit may hold the key`,
      fix: `${keepOut}if ${shown} was ever committed holding it, ${replaceTheKey(ctx, scope, profileName)}; ${pushed}`,
      command: keepOutCommand,
    };
  }
  const commit = found.commit ? `commit ${found.commit}` : 'a commit';
  return {
    detail: `${shown} held ${held} ${found.removed ? 'until' : 'in'} ${commit}: git's history keeps the key though it does not track ${shown} now, so count it as exposed`,
    fix: `${keepOut}${replaceTheKey(ctx, scope, profileName)}; ${pushed}`,
    command: keepOutCommand,
  };
}

/** The keys the file `path` holds that the masked `held` names. */
async function keysHeld(path: string, held: string): Promise<string[]> {
  return [...new Set((await scanPlaces(envFilePlaces([path]))).findings.map((f) => f.key).filter((key) => maskKey(key) === held))];
}

/**
 * A file whose look in git ran out of its time (`ms`): status's short look (`short`) says it is not
 * known either way, which doctor's longer search finds out; the others, that a commit may hold the
 * key, as for a history not searched in full.
 */
function lateNote(ctx: Context, profileName: string, path: string, held: string, scope: AdviceScope, ms: number, short = false): HistoryNote {
  const shown = shownPath(ctx, path);
  if (short) {
    return {
      detail: `the history of ${shown} in git could not be searched for ${held} in ${secondsSaid(ms)}`,
      fix: `\`${toolCommand(scope, 'doctor', profileName)}\` searches it for longer`,
      command: null,
      late: true,
    };
  }
  return {
    detail: `${shown} holds ${held}, and its history in git could not be searched for it in full (git took longer than ${secondsSaid(ms)}), so a commit may hold the key`,
    fix: `if ${shown} was ever committed holding it, ${replaceTheKey(ctx, scope, profileName)}; rewriting the history does not take it back from where it was pushed or cloned`,
    command: null,
  };
}

/**
 * How a copy in files `env --file` wrote is said: information, not a warning, naming what wrote
 * each of the first `max` as a command that works as printed (envCommand: with the file's path,
 * which `--file` alone lacks). "written by `…`, as you asked". A path was written for `profileName`;
 * `{ path, by }` for the profile `by` (another that stores the same key): its command is named.
 * `scope`: how the commands are typed, when not as ctx says (import's).
 */
export async function askedNote(ctx: Context, profileName: string, paths: Array<string | { path: string; by: string }>, options: { max?: number; scope?: AdviceScope } = {}): Promise<string> {
  const written = paths.map((p) => (typeof p === 'string' ? { path: p, by: profileName } : p));
  const files = [...new Map(written.map((f) => [`${f.by}\0${f.path}`, f])).values()];
  const max = options.max ?? 3;
  const commands = await Promise.all(files.slice(0, max).map(async (f) => `\`${writtenBy(ctx, f.by, f.path, options.scope)}\``));
  const named = commands.length > 1 ? `${commands.slice(0, -1).join(', ')} and ${commands.at(-1)}` : commands.join('');
  const more = files.length > max ? ` (and the like for ${files.length - max} more)` : '';
  return `written by ${named}${more}, as you asked`;
}

/**
 * A file `env --file` wrote for the profile that holds another key (`held`, masked) than the one
 * stored for it now (staleIn): what it is, and the command that writes the stored key there. As
 * rotate and key say it just after a replacement (`justReplaced`: "the old key", "the new key";
 * `revoked`: the old one no longer works), and as status and doctor say it later. Said as one line:
 * `${detail}; ${fix}`; `command`: the one the fix ends with, null where it is done by hand.
 */
export async function staleEnvFile(
  ctx: Context,
  profileName: string,
  path: string,
  held: string,
  options: { justReplaced?: boolean; revoked?: boolean; by?: string } = {},
): Promise<{ detail: string; fix: string; command: string | null }> {
  const shown = shownPath(ctx, path);
  // Where this profile's key is one the person keeps in OPENAI_API_KEY themselves, openai-setup has
  // no copy to write (env refuses): the line is theirs to set, or to remove.
  const ownKey = (await ctx.state.read()).profiles[profileName]?.key?.storage === 'env';
  const byHand = (which: string) => `openai-setup keeps no copy of ${which} (you keep it in OPENAI_API_KEY yourself), so \`env\` cannot write it: set OPENAI_API_KEY in ${shown} to it by hand, or remove that line`;
  // A file git tracks: env refuses to write there until it is untracked (then adds it to .gitignore).
  const place = ownKey ? null : await gitPlace(ctx, path);
  const at = place?.kind === 'tracked';
  const tracked = at ? `; ${inRepository(ctx, path, held)}` : '';
  const command = ownKey ? null : writeCommand(ctx, profileName, path, place);
  if (options.by !== undefined) {
    // Another profile's `env --file` wrote its own key over this profile's copy: named, with the
    // command that writes this profile's key there again (in place of the other's).
    const theirs = writtenBy(ctx, options.by, path);
    return {
      detail: `${shown}, which \`${writtenBy(ctx, profileName, path)}\` wrote this profile's key into, now holds the key of profile "${options.by}" (${held}, written there by \`${theirs}\`)${tracked}`,
      fix: ownKey ? byHand("this profile's key") : `to have this profile's key there again, in place of profile "${options.by}"'s${at ? `, take ${shown} out of git first` : ''}:  ${command}`,
      command,
    };
  }
  const holds = options.justReplaced ? `still holds the old key ${held}` : `holds ${held}, not the stored key`;
  const which = options.justReplaced ? 'the new key' : 'the stored key';
  return {
    detail: `${shown} ${holds}${options.revoked ? ', which no longer works' : ''} (written there by \`${writtenBy(ctx, profileName, path)}\`)${tracked}`,
    fix: ownKey ? byHand(which) : `to write ${which} there${at ? `, take ${shown} out of git first` : ''}:  ${command}`,
    command,
  };
}

// What status and doctor say about plaintext copies of the stored key (the ones import would
import { adminKeyServes } from '../storage/admin-state.js';
// find and move; a copy in a file `env --file` wrote is said apart, as information), and about
// the admin key; also the path helpers import shares with them.
import { relative, sep } from 'node:path';
import type { Context } from '../context.js';
import { maskKey } from '../keys/format.js';
import { leftoverWords } from '../storage/keystore.js';
import { homeOf as homeOfRun } from '../storage/home.js';
import { shellDirsOf } from '../storage/paths.js';
import type { State } from '../storage/state.js';
import { afterFirst, missingScopeFix, storeAdminKeyAdvice, toolCommand } from '../terminal/advice.js';
import { pathLine, upperFirst } from '../terminal/sanitize.js';
import { quotedWord } from '../terminal/shell.js';
import { askedFor, envFilePlaces, envFilesOf, pendingEnvFiles, staleOrTakenIn } from './env-files.js';
import { leftoverOf, leftoverTemps } from '../storage/leftovers.js';
import { plaintextPlaces, type Place } from './places.js';
import { scanPlaces, type Finding } from './scan.js';

/** The home directory, by the rule every command uses (storage/home.ts homeOf), or null. */
function homeOf(ctx: Context): string | null {
  return homeOfRun(ctx).dir;
}

export function placesOf(ctx: Context): Place[] {
  return plaintextPlaces(shellDirsOf(ctx));
}

/**
 * A path as people type it: relative to the project they are in, or ~/… in the home directory;
 * exact, for commands (shellPath quotes it). Messages show it through shownPath.
 */
export function typedPath(ctx: Context, path: string): string {
  const home = homeOf(ctx);
  const inHome = home !== null && path.startsWith(home + sep);
  // In the home directory itself, ~/.zshrc reads better than .zshrc.
  const { cwd } = ctx;
  if (cwd !== null && path.startsWith(cwd + sep) && !(inHome && !cwd.startsWith(home + sep))) return relative(cwd, path);
  if (inHome) return `~/${relative(home, path).split(sep).join('/')}`;
  return path;
}

/** A path as people read it in a message: typedPath's form, made one safe line (pathLine). */
export function shownPath(ctx: Context, path: string): string {
  return pathLine(typedPath(ctx, path));
}

/** A copy in a file `env --file` wrote: `by` the profile it was written for (another one that stores the same key, maybe). */
export type AskedFinding = Finding & { by: string };

/** Copies of the stored key: those `env --file` wrote as the person asked, and the others. */
export interface Copies {
  /** In plain text where it should not be: import moves them. */
  plaintext: Finding[];
  /** In files `env --file` wrote for a profile storing this key (env-files.ts): where the person asked for it. */
  asked: AskedFinding[];
  /**
   * Not copies: those files' lines that set another key than the profile's (staleIn), left by a
   * replacement; `by`: another profile's key, written there by its own `env --file` since.
   */
  stale: Array<Finding & { by?: string }>;
}

/**
 * Copies of the profile's key in the places import looks in and in the files `env --file` wrote
 * for it: of `key` itself, or (status, which reads no keychain) of any key with this masked hint.
 */
export async function copiesOf(ctx: Context, state: State, profile: string, match: { key: string } | { hint: string }): Promise<Copies> {
  const { findings } = await scanPlaces([...placesOf(ctx), ...envFilePlaces(envFilesOf(state, profile))]);
  // Written for this profile, or for another that stores the same key: import leaves it either way,
  // and what wrote it is that profile's own command.
  const asked = askedFor(state, profile);
  const isProfileKey = (key: string) => ('key' in match ? key === match.key : maskKey(key) === match.hint);
  const copies: Copies = { plaintext: [], asked: [], stale: staleOrTakenIn(state, profile, findings, isProfileKey) };
  for (const f of findings) {
    if (!isProfileKey(f.key)) continue;
    const by = asked(f);
    if (by === null) copies.plaintext.push(f);
    else copies.asked.push({ ...f, by });
  }
  return copies;
}

/** "~/.zshrc:3, ~/.codex/auth.json:3" (at most `max`, then "and N more"). */
export function listCopies(ctx: Context, findings: Finding[], max = 3): string {
  const shown = findings.slice(0, max).map((f) => `${shownPath(ctx, f.path)}:${f.line}`);
  return findings.length > max ? `${shown.join(', ')} and ${findings.length - max} more` : shown.join(', ');
}

/**
 * Temp files left by runs killed while writing: the key file's, and (given the progress file and
 * profile) those next to the files import looks in, `env --file` wrote for the profile, and any
 * run of it was writing (storage/leftovers.ts: env's hold the key in full, where git would offer
 * to commit it). Each may
 * hold a key in plain text. Named (never read), with the command that removes them; null when
 * there are none. Storing a key, or logout, removes the key file's; the next `env` or `import`
 * change of a file, those next to it; logout, those next to the files `env --file` wrote or was writing.
 */
export async function leftoverKeyFiles(ctx: Context, near?: { state: State; profile: string }): Promise<{ paths: string[]; detail: string; fix: string } | null> {
  // Another tool's file is never written by openai-setup: no temp file of ours is next to it.
  // And next to the files any run of `env --file` was writing when it was killed (a new file, say: not recorded as written).
  const places = near ? [...placesOf(ctx).filter((p) => p.kind !== 'tool'), ...envFilePlaces([...envFilesOf(near.state, near.profile), ...pendingEnvFiles(near.state)])] : [];
  const plaintext = (await Promise.all([...new Set(places.map((p) => p.path))].map(leftoverTemps))).flat();
  return describeLeftovers([...new Set([...(await ctx.keys.leftovers()), ...plaintext])]);
}

/** leftoverKeyFiles() for paths already listed. */
export function describeLeftovers(paths: string[]): { paths: string[]; detail: string; fix: string } | null {
  if (paths.length === 0) return null;
  const words = leftoverWords(paths);
  const what = upperFirst(words);
  const of = [...new Set(paths.map(leftoverOf))].map(pathLine).join(' and ');
  return {
    paths,
    detail: `${what} of ${of}, left by an interrupted run, may hold a key in plain text: ${paths.map(pathLine).join(', ')}`,
    // Exact and quoted ($'…' for a line break): the command must work as printed, on one line.
    fix: `Remove ${paths.length === 1 ? 'it' : 'them'}: rm ${paths.map(quotedWord).join(' ')}`,
  };
}

/**
 * What doctor shows: the stored key's plaintext copies, the files `env --file` wrote that hold it
 * (`asked` says what wrote them: env-command.ts's askedNote) or another key (each as `stale` says
 * it: env-command.ts's staleEnvFile; both need this module), and the admin key when one is stored.
 * `first`: what must be done before `import` works (StateStore.firstBeforeChanges: it exits 7 until then), said before it.
 */
export async function plaintextDoctorChecks(
  ctx: Context,
  profile: string,
  storedKey: string | null,
  stale: (path: string, held: string, by?: string) => Promise<{ detail: string; fix: string }>,
  asked: (files: AskedFinding[]) => Promise<string>,
  tracked: (profile: string, path: string, held: string) => Promise<{ detail: string; fix: string } | null>,
  first: string | null = null,
): Promise<Array<{ id: string; title: string; status: 'ok' | 'info' | 'warn'; detail: string; fix: string | null }>> {
  const checks: Array<{ id: string; title: string; status: 'ok' | 'info' | 'warn'; detail: string; fix: string | null }> = [];
  // Said only when there is something to say: a copy, or a stored admin key.
  const state = await ctx.state.read();
  const copies = storedKey ? await copiesOf(ctx, state, profile, { key: storedKey }) : { plaintext: [], asked: [], stale: [] };
  if (storedKey && copies.plaintext.length) {
    checks.push({ id: 'plaintext', title: 'Plaintext copies', status: 'warn', detail: `${maskKey(storedKey)} is also in plain text: ${listCopies(ctx, copies.plaintext)}`, fix: first ? `To move them into the keychain, ${afterFirst(first, toolCommand(ctx, 'import', profile))}.` : `Move them into the keychain:  ${toolCommand(ctx, 'import', profile)}` });
  }
  if (storedKey && copies.asked.length) {
    // Unless git tracks the file: then the key is in the repository, a warning.
    // Each file's git history searched at once (each search is bounded in time).
    const byPath = [...new Map(copies.asked.map((f) => [f.path, f])).values()];
    const said = new Map(await Promise.all(byPath.map(async (f) => [f.path, await tracked(f.by, f.path, maskKey(storedKey))] as const)));
    const untracked = copies.asked.filter((f) => !said.get(f.path));
    if (untracked.length) checks.push({ id: 'env-files', title: 'Env files', status: 'info', detail: `${maskKey(storedKey)} is also in ${listCopies(ctx, untracked)}, ${await asked(untracked)}`, fix: null });
    for (const each of said.values()) if (each) checks.push({ id: 'env-file-tracked', title: 'Env files', status: 'warn', detail: each.detail, fix: upperFirst(each.fix) });
  }
  for (const [path, { held, by }] of new Map(copies.stale.map((f) => [f.path, { held: maskKey(f.key), by: f.by }]))) {
    const { detail, fix } = await stale(path, held, by);
    checks.push({ id: 'stale-env-file', title: 'Env files', status: 'warn', detail, fix: upperFirst(fix) });
  }
  const leftovers = await leftoverKeyFiles(ctx, { state, profile });
  if (leftovers) checks.push({ id: 'leftovers', title: 'Leftover files', status: 'warn', detail: leftovers.detail, fix: leftovers.fix });
  const admin = state.profiles[profile]?.adminKey;
  if (admin) {
    const stored = `${admin.hint} stored (${admin.storage === 'keychain' ? `the ${ctx.keys.keychainDescription}` : 'plain-text file'})`;
    // What admin-key's check found it cannot serve, said as everywhere else (adminKeyServes).
    if (admin.cannot) checks.push({ id: 'admin-key', title: 'Admin key', status: 'warn', detail: `${stored}; it ${adminKeyServes(admin.cannot)}`, fix: missingScopeFix('the permission it lacks', storeAdminKeyAdvice(ctx, profile, admin.storage === 'file' ? '--insecure-storage' : ''), true) });
    else checks.push({ id: 'admin-key', title: 'Admin key', status: 'ok', detail: `${stored}, for rotate and spend`, fix: null });
  }
  return checks;
}

// `openai-setup profiles` lists the profiles (masked key, what the last check saw, which is the
// default) from the state file alone, so it never touches the keychain and stays fast enough for
// shell completion (`--names`). Only after a damaged state file was moved aside, which took the
// records with it, are the keys not recorded since looked up where `token` finds them (--names:
// the profiles that have one named, by the keychain's and the key file's entries, no key read).
import * as z from 'zod/mini';
import { VerifyStatusSchema } from '../api/status.js';
import type { Context } from '../context.js';
import { FAILURE_FIELDS, UsageError } from '../errors.js';
import { ConfigStoreError } from '../storage/private-file.js';
import { checkLabel, lastVerifyAsShown } from '../last-check.js';
import { recordInDoubt } from '../storage/key-change.js';
import { lookUpStoredKey, storedSource, type LookedUpKey } from '../storage/profile-key.js';
import type { State } from '../storage/state.js';
import { toolCommand } from '../terminal/advice.js';
import { marks, withFailureDocument } from '../terminal/output.js';
import { jsonText, pathLine, sanitize } from '../terminal/sanitize.js';
import { stacks } from '../terminal/width.js';

export const ProfilesJsonSchema = z.object({
  defaultProfile: z.string(),
  /** What commands use without --profile: OPENAI_SETUP_PROFILE when set, else the default. */
  active: z.string(),
  profiles: z.array(
    z.object({
      name: z.string(),
      default: z.boolean(),
      /** Storage "unknown" (hint null): a damaged progress file was moved aside, and the keychain or key file could not be read, so whether a key is stored is not known. */
      key: z.nullable(z.object({ storage: z.enum(['keychain', 'file', 'env', 'unknown']), hint: z.nullable(z.string()) })),
      organization: z.nullable(z.string()),
      project: z.nullable(z.string()),
      /** keyHint: the key that check was of; it may be another than the stored key (`OPENAI_API_KEY=… verify`). host: the server it was made at when not the OpenAI API, else null. */
      lastVerify: z.nullable(z.object({ at: z.string(), ok: z.boolean(), status: VerifyStatusSchema, keyHint: z.string(), host: z.nullable(z.string()) })),
    }),
  ),
});
export type ProfilesJson = z.infer<typeof ProfilesJsonSchema>;

/** The list; `lookedUp`: keys looked up for profiles the progress file records none for (after a move-aside: lookedUpKeys), those profiles listed too. */
export function listProfiles(state: State, active: string, lookedUp: Map<string, LookedUpKey> = new Map()): ProfilesJson {
  const names = profileNames(state, lookedUp.keys());
  return {
    defaultProfile: state.defaultProfile,
    active,
    profiles: names.map((name) => {
      const profile = state.profiles[name];
      // Shown only in their documented shapes, whatever the file holds.
      const last = profile?.lastVerify ? lastVerifyAsShown(profile.lastVerify) : undefined;
      return {
        name,
        default: name === state.defaultProfile,
        key: profile?.key && !lookedUp.has(name) ? { storage: profile.key.storage, hint: sanitize(profile.key.hint, 40) } : keyLookedUp(lookedUp.get(name)),
        organization: last?.organization ?? null,
        project: last?.project ?? null,
        lastVerify: last ? { at: last.at, ok: last.ok, status: last.status, keyHint: last.keyHint, host: last.host } : null,
      };
    }),
  };
}

/** The profiles listed: those the progress file names (the default too), and `stored` (keys found after a move-aside), sorted. */
function profileNames(state: State, stored: Iterable<string> = []): string[] {
  return [...new Set([...Object.keys(state.profiles), state.defaultProfile, ...stored])].sort();
}

/**
 * The names alone, for shell completion (--names): after a move-aside also the profiles the
 * keychain or key file has a key for, as the list names them (lookedUpKeys), by their entries'
 * names only: no key is read for completion.
 */
async function namesOnly(ctx: Context, state: State): Promise<string[]> {
  const aside = await ctx.state.movedAside();
  return profileNames(state, aside.length === 0 ? [] : (await ctx.keys.storedProfiles()).names);
}

function keyLookedUp(found: LookedUpKey): ProfilesJson['profiles'][number]['key'] {
  if (!found) return null;
  return found.storage === 'unknown' ? { storage: 'unknown', hint: null } : { storage: found.storage, hint: found.hint };
}

/**
 * After a damaged progress file was moved aside (`use`, or any command that saves progress, does
 * that), the records of keys in it are not in this one: "no key" is not said of a profile that has
 * one. Each profile without a record — also those the keychain or key file has a key for, which the
 * file no longer names — has its key looked up where `token` finds it (reading only). Empty when
 * nothing was moved aside. `complete` false: the keychain could not list its entries.
 */
async function lookedUpKeys(ctx: Context, state: State): Promise<{ keys: Map<string, LookedUpKey>; aside: string[]; complete: boolean; why: string | null }> {
  const aside = await ctx.state.movedAside();
  if (aside.length === 0) return { keys: new Map(), aside, complete: true, why: null };
  const stored = await ctx.keys.storedProfiles();
  const keys = new Map<string, LookedUpKey>();
  const told = new Set<string>();
  let why: string | null = null;
  for (const name of profileNames(state, stored.names)) {
    if (state.profiles[name]?.key) continue;
    const { key, said } = await lookUpStoredKey(ctx, name);
    // The same key file problem for every profile: said once.
    if (said && !told.has(said.text)) ctx.term.err(`${marks(ctx.term.style)[said.mark]} ${said.text}`);
    if (said) told.add(said.text);
    if (key?.storage === 'unknown') why ??= key.why;
    keys.set(name, key);
  }
  return { keys, aside, complete: stored.complete, why };
}

/** Where a check read the key, when that was this profile's keychain entry or key file (storedSource's label): named as the table names it. */
function storedPlace(profile: string, keySource: string): string | null {
  if (keySource === storedSource('keychain', profile).label) return 'keychain';
  return keySource === storedSource('file', profile).label ? 'plain-text file' : null;
}

/** The columns the list's labels take (`    org/project `), on a terminal too narrow for the table. */
const LIST_LABELS = 16;

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

/** --json when the list cannot be given (a bad environment variable, a state file that cannot be read…): ok false, as verify's. */
export const ProfilesFailureJsonSchema = z.object({
  ...FAILURE_FIELDS,
});

export async function run(ctx: Context, options: { json: boolean; names: boolean }): Promise<number> {
  return withFailureDocument(ctx, options.json, () => profiles(ctx, options), (failed) => jsonText(ProfilesFailureJsonSchema.parse(failed)));
}

/** Refused together, whatever the state file holds: --names is for shell completion (plain names, whatever --json says), --json a document. */
export const JSON_WITH_NAMES = '--json and --names do not go together: --names prints only the names, one a line (for scripts and shell completion); --json, the whole list as JSON.';

async function profiles(ctx: Context, options: { json: boolean; names: boolean }): Promise<number> {
  const { term } = ctx;
  if (options.json && options.names) throw new UsageError(JSON_WITH_NAMES);
  // Quietly: a progress file that cannot be used is this command's failure, said once (exit 7). An
  // empty list in its place would say "no key" of profiles whose keys are stored.
  const { state, problem } = await ctx.state.reading({ quiet: true });
  if (problem) {
    const hints = problem.kind === 'damaged' ? [`Choosing the default profile again moves it aside:  ${toolCommand(ctx, 'use NAME')}`] : [];
    throw new ConfigStoreError(`${problem.message}${/[.!?]$/.test(problem.message) ? '' : '.'} The profiles are listed from it alone: none are until it can be read.`, hints);
  }
  if (options.names) {
    for (const name of await namesOnly(ctx, state)) term.out(name);
    return 0;
  }
  const found = await lookedUpKeys(ctx, state);
  // Records that may not be the key stored (an interrupted key change) are not shown as the key.
  const doubts = new Map<string, { why: string; fix: string }>();
  for (const name of Object.keys(state.profiles)) {
    const doubt = await recordInDoubt(ctx, state, name);
    if (!doubt) continue;
    doubts.set(name, doubt);
    found.keys.set(name, { storage: 'unknown', why: doubt.why });
  }
  const list = listProfiles(state, ctx.env.OPENAI_SETUP_PROFILE ?? state.defaultProfile, found.keys);
  if (options.json) {
    term.document(jsonText(ProfilesJsonSchema.parse(list)));
    return 0;
  }
  const rows = [['', 'PROFILE', 'KEY', 'ORGANIZATION / PROJECT (last check)', 'LAST CHECK']];
  // Each profile's organization and project, for the list stacked on the narrowest terminals.
  const ids: string[][] = [];
  for (const p of list.profiles) {
    const kept = { keychain: 'keychain', file: 'plain-text file', env: 'your OPENAI_API_KEY' };
    // None recorded is not none stored: this list reads no keychain (the footnote below says so),
    // unless it looked the key up (after a move-aside), finding none.
    const key = !p.key ? (found.keys.has(p.name) ? 'no key' : 'none recorded') : p.key.storage === 'unknown' ? 'not known' : `${p.key.hint} (${kept[p.key.storage]})`;
    const where = [p.organization, p.project].filter(Boolean).join(' / ') || '—';
    const checked = p.lastVerify ? `${checkLabel(p.lastVerify)}, ${p.lastVerify.at.slice(0, 16).replace('T', ' ')} UTC` : 'never';
    // A check of another key (OPENAI_API_KEY, --key) is not the stored key's: labelled with its hint, as status does.
    // One of what this profile's keychain entry or file held (a value edited in by hand, a key replaced since) says so.
    const keySource = state.profiles[p.name]?.lastVerify?.keySource;
    const from = keySource === undefined ? null : storedPlace(p.name, keySource);
    // With the key stored not known (a record in doubt), whether it is another key is not known either.
    const stored = p.key && p.key.storage !== 'unknown';
    const other = p.lastVerify && p.lastVerify.keyHint !== p.key?.hint ? ` (checked ${p.lastVerify.keyHint}${from ? ` from the ${from}` : stored ? ', not the stored key' : ''})` : '';
    const last = checked + other;
    rows.push([p.default ? '*' : ' ', p.name, key, where, last]);
    ids.push([p.organization, p.project].filter((id): id is string => Boolean(id)));
  }
  const lines = table(rows);
  if (!term.stdoutIsTTY || Math.max(...lines.map((l) => l.length)) < term.columns) {
    for (const line of lines) term.out(line);
  } else if (!stacks(term.stdoutIsTTY, term.columns, LIST_LABELS)) {
    // Too narrow for the table: one block a profile.
    const [, ...body] = rows;
    for (const [mark, name, key, where, last] of body) {
      term.out(`${mark === '*' ? '*' : ' '} ${name}`);
      term.out(`    key         ${key}`);
      term.out(`    org/project ${where}`);
      term.out(`    last check  ${last}`);
    }
  } else {
    // Too narrow for the label column too: each value under its label, the organization and the
    // project each on a line of its own (an ID is shown whole, never broken at the terminal's edge).
    const [, ...body] = rows;
    for (const [index, [mark, name, key, , last]] of body.entries()) {
      term.out(`${mark === '*' ? '*' : ' '} ${name}`);
      term.out('  key');
      term.out(`    ${key}`);
      term.out('  org/project');
      for (const id of ids[index]!.length ? ids[index]! : ['—']) term.out(`    ${id}`);
      term.out('  last check');
      term.out(`    ${last}`);
    }
  }
  term.out(term.style.dim(`* the default profile; change it with \`${toolCommand(ctx, 'use NAME')}\`, or pass --profile NAME to any command.`));
  // A key stored before this progress file recorded it (the config dir removed, another HOME) is in no record here.
  if (list.profiles.some((p) => !p.key && !found.keys.has(p.name))) {
    term.out(term.style.dim(`"none recorded": the progress file records no key for it, and this list reads no keychain; \`${toolCommand(ctx, 'doctor --profile NAME')}\` looks in the ${ctx.keys.keychainDescription}.`));
  }
  if (found.aside.length) {
    const missing = found.complete ? '' : `; profiles it named that the ${ctx.keys.keychainDescription} could not list may be missing`;
    const unknown = found.why ? `; "not known": ${found.why}` : '';
    term.out(`${marks(term.style).pending} A damaged progress file was moved aside (to ${pathLine(found.aside.at(-1)!)}), taking its records with it: keys not recorded since were looked up where \`${toolCommand(ctx, 'token')}\` finds them${unknown}${missing}.`);
  }
  for (const [name, doubt] of doubts) term.out(`${marks(term.style).warn} Key of profile "${name}" not known: ${doubt.why}; ${doubt.fix}.`);
  if (list.active !== list.defaultProfile) {
    term.out(`${marks(term.style).warn} OPENAI_SETUP_PROFILE=${list.active} is set: commands in this shell use "${list.active}" unless given --profile.`);
  }
  return 0;
}


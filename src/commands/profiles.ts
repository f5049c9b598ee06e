// `openai-setup profiles` lists the profiles (masked key, what the last check saw, which is the
// default) from the state file alone, so it never touches the keychain and stays fast enough for
// shell completion (`--names`).
import * as z from 'zod/mini';
import { STATUS, VerifyStatusSchema } from '../api/status.js';
import type { Context } from '../context.js';
import { FAILURE_FIELDS, UsageError } from '../errors.js';
import { ConfigStoreError } from '../storage/private-file.js';
import { lastVerifyAsShown } from '../last-check.js';
import { storedSource } from '../storage/profile-key.js';
import type { State } from '../storage/state.js';
import { toolCommand } from '../terminal/advice.js';
import { marks, withFailureDocument } from '../terminal/output.js';
import { jsonText, sanitize } from '../terminal/sanitize.js';

export const ProfilesJsonSchema = z.object({
  defaultProfile: z.string(),
  /** What commands use without --profile: OPENAI_SETUP_PROFILE when set, else the default. */
  active: z.string(),
  profiles: z.array(
    z.object({
      name: z.string(),
      default: z.boolean(),
      key: z.nullable(z.object({ storage: z.enum(['keychain', 'file', 'env']), hint: z.string() })),
      organization: z.nullable(z.string()),
      project: z.nullable(z.string()),
      /** keyHint: the key that check was of; it may be another than the stored key (`OPENAI_API_KEY=… verify`). */
      lastVerify: z.nullable(z.object({ at: z.string(), ok: z.boolean(), status: VerifyStatusSchema, keyHint: z.string() })),
    }),
  ),
});
export type ProfilesJson = z.infer<typeof ProfilesJsonSchema>;

export function listProfiles(state: State, active: string): ProfilesJson {
  const names = [...new Set([...Object.keys(state.profiles), state.defaultProfile])].sort();
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
        key: profile?.key ? { storage: profile.key.storage, hint: sanitize(profile.key.hint, 40) } : null,
        organization: last?.organization ?? null,
        project: last?.project ?? null,
        lastVerify: last ? { at: last.at, ok: last.ok, status: last.status, keyHint: last.keyHint } : null,
      };
    }),
  };
}

/** Where a check read the key, when that was this profile's keychain entry or key file (storedSource's label): named as the table names it. */
function storedPlace(profile: string, keySource: string): string | null {
  if (keySource === storedSource('keychain', profile).label) return 'keychain';
  return keySource === storedSource('file', profile).label ? 'plain-text file' : null;
}

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
  const list = listProfiles(state, ctx.env.OPENAI_SETUP_PROFILE ?? state.defaultProfile);
  if (options.names) {
    for (const profile of list.profiles) term.out(profile.name);
    return 0;
  }
  if (options.json) {
    term.out(jsonText(ProfilesJsonSchema.parse(list)));
    return 0;
  }
  const rows = [['', 'PROFILE', 'KEY', 'ORGANIZATION / PROJECT (last check)', 'LAST CHECK']];
  for (const p of list.profiles) {
    const kept = { keychain: 'keychain', file: 'plain-text file', env: 'your OPENAI_API_KEY' };
    const key = p.key ? `${p.key.hint} (${kept[p.key.storage]})` : 'no key';
    const where = [p.organization, p.project].filter(Boolean).join(' / ') || '—';
    const checked = p.lastVerify ? `${STATUS[p.lastVerify.status].label}, ${p.lastVerify.at.slice(0, 16).replace('T', ' ')} UTC` : 'never';
    // A check of another key (OPENAI_API_KEY, --key) is not the stored key's: labelled with its hint, as status does.
    // One of what this profile's keychain entry or file held (a value edited in by hand, a key replaced since) says so.
    const keySource = state.profiles[p.name]?.lastVerify?.keySource;
    const from = keySource === undefined ? null : storedPlace(p.name, keySource);
    const other = p.lastVerify && p.lastVerify.keyHint !== p.key?.hint ? ` (checked ${p.lastVerify.keyHint}${from ? ` from the ${from}` : p.key ? ', not the stored key' : ''})` : '';
    const last = checked + other;
    rows.push([p.default ? '*' : ' ', p.name, key, where, last]);
  }
  const lines = table(rows);
  if (!term.stdoutIsTTY || Math.max(...lines.map((l) => l.length)) < term.columns) {
    for (const line of lines) term.out(line);
  } else {
    // Too narrow for the table: one block a profile.
    const [, ...body] = rows;
    for (const [mark, name, key, where, last] of body) {
      term.out(`${mark === '*' ? '*' : ' '} ${name}`);
      term.out(`    key         ${key}`);
      term.out(`    org/project ${where}`);
      term.out(`    last check  ${last}`);
    }
  }
  term.out(term.style.dim(`* the default profile; change it with \`${toolCommand(ctx, 'use NAME')}\`, or pass --profile NAME to any command.`));
  if (list.active !== list.defaultProfile) {
    term.out(`${marks(term.style).warn} OPENAI_SETUP_PROFILE=${list.active} is set: commands in this shell use "${list.active}" unless given --profile.`);
  }
  return 0;
}


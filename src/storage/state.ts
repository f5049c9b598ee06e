// Progress on disk: which stages are done and when, the billing choice, profiles and the last
// verify result. Never the key, and nothing that decides where a key is sent. Validated on every
// read; changed under a lock (read, change, write), written atomically with mode 0600.
import { readdir, rename, stat } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import * as z from 'zod/mini';
import { VerifyStatusSchema } from '../api/status.js';
import { UNGUARDED, type Section, type Sections } from '../interrupts.js';
import { baseURLForAdvice } from '../platform.js';
import { pathLine, shownValue } from '../terminal/sanitize.js';
import { AdminKeyRecordSchema, BudgetSchema, KeyHintSchema, MAX_PENDING_ACCOUNTS, MAX_PENDING_REVOKES, PendingAccountSchema, PendingRevokeSchema, RotationSchema, StoredHintSchema, StoredProjectIdSchema } from './admin-state.js';
import { leftoverTemps, removeLeftoverTemps } from './leftovers.js';
import { LOCK_WAIT_MS, lockPathFor, LockLostUnwrittenError, withFileLock, type HeldLock } from './lock.js';
import { Notices } from './notices.js';
import { ConfigStoreError, dirNotMadeHere, ensurePrivateDir, linkedFilePath, newerVersion, readPrivateFile, removeLeftoverTempFiles, removeTempFiles, runGone, storeError, UPDATE, writePrivateFile, writtenByNewer } from './private-file.js';

export const STAGE_IDS = ['login', 'payment', 'billing', 'key'] as const;
export type StageId = (typeof STAGE_IDS)[number];

export const ProfileNameSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'use 1–64 letters, digits, "-" or "_", starting with a letter or digit'));

const Timestamp = z.string().check(z.iso.datetime({ offset: true }));

/**
 * A stage's record: `doneAt` once it is done. Stage 3 alone also has progress short of done:
 * `pageDoneAt`, its billing page said done while its budget questions are still to answer (a run
 * stopped there resumes at them). Kept in the stage's own record, so that whatever marks the
 * stage done or forgets it replaces that progress too.
 */
const StageRecordSchema = z.union([
  // `organization`: payment and billing alone, the organization of the profile's last check when
  // they were marked done (payments and credits are an organization's): done for that organization
  // only. Absent (older files, or no organization known then): done for every profile, as before.
  z.object({ doneAt: Timestamp, organization: z.catch(z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,100}$/))), undefined) }),
  // `doneAt` never set: a reader of `.doneAt` sees undefined, not done.
  z.object({ pageDoneAt: Timestamp, doneAt: z.optional(z.never()) }),
]);

export const BillingChoiceSchema = z.enum(['auto-reload', 'prepaid', 'monthly']);
export type BillingChoice = z.infer<typeof BillingChoiceSchema>;

const LastVerifySchema = z.object({
  at: Timestamp,
  status: VerifyStatusSchema,
  ok: z.boolean(),
  keyHint: KeyHintSchema,
  keySource: z.string(),
  organization: z.nullable(z.string()),
  project: z.nullable(StoredProjectIdSchema),
  tier: z.nullable(z.string()),
  billing: z.enum(['ok', 'no_quota', 'unchecked']),
  message: z.string(),
  // The server it was made at when not the OpenAI API (a host as URL gives it: no path, no login),
  // to say "works at HOST", never decide where a key goes. Absent: the OpenAI API (older files too).
  host: z.optional(z.string().check(z.regex(/^[A-Za-z0-9.\-_~:[\]]{1,255}$/))),
  // The base URL it was made at when not OpenAI's default, as baseURLForAdvice writes it (no login,
  // no query): only repeated in printed advice (status's `--base-url`), never where a key is sent.
  // Absent: the default (older files too); one that is not as written there is dropped alone.
  baseURL: z.catch(z.optional(z.string().check(z.refine((v) => baseURLForAdvice(v) === v))), undefined),
  // The spend limit a check that could not spend named (api/limits.ts's names), so that what is
  // advised later (billing) is that limit's fix, not credits. Absent: none named (older files too).
  limit: z.catch(z.optional(z.string().check(z.regex(/^[a-z_]{1,64}$/))), undefined),
  // The reason of a refusal fixed around the key (api/status.ts's FIXED_ELSEWHERE: a region, the
  // organization…), so that what is advised later (status) is not a new key. Absent: none (older files too).
  refusal: z.catch(z.optional(z.string().check(z.regex(/^[a-z_]{1,64}$/))), undefined),
});
export type LastVerify = z.infer<typeof LastVerifySchema>;

/** How many files `env --file` wrote are remembered per profile (the newest). */
export const MAX_ENV_FILES = 20;

/**
 * The files `env --file` wrote the profile's key into, as the person asked: absolute paths, the
 * newest last; never the key. Read leniently: an entry that is not an absolute path is dropped,
 * a list that is not one reads as empty, and a longer one keeps its newest entries, so that this
 * list (mere bookkeeping) never makes the whole file unusable, whoever wrote it.
 */
const EnvFilesSchema = z.catch(
  z.pipe(
    z.array(z.unknown()),
    z.transform((list: unknown[]) => [
      ...new Set(list.filter((p): p is string => typeof p === 'string' && p.length <= 4096 && !p.includes('\0') && isAbsolute(p))),
    ].slice(-MAX_ENV_FILES)),
  ),
  [],
);

/**
 * A list of `entry` read leniently, as bookkeeping should be: an entry of another shape is dropped
 * alone, a list that is not one reads as empty, and only the newest `max` are kept, so that such a
 * list never makes the whole file unusable, whoever wrote it.
 */
function leniently<Entry extends z.ZodMiniType>(entry: Entry, max: number) {
  return z.catch(
    z.pipe(
      z.array(z.unknown()),
      z.transform((list: unknown[]): Array<z.output<Entry>> =>
        list
          .flatMap((item) => {
            const parsed = entry.safeParse(item);
            return parsed.success ? [parsed.data] : [];
          })
          .slice(-max),
      ),
    ),
    [],
  );
}

/**
 * A file `env --file` is writing a key into (its real path, absolute) and the pid of the run
 * writing it (pendingEnvFiles).
 */
const PendingEnvFileSchema = z.object({
  path: z.string().check(z.refine((p) => p.length <= 4096 && !p.includes('\0') && isAbsolute(p))),
  pid: z.number().check(z.int(), z.positive()),
});
export type PendingEnvFile = z.infer<typeof PendingEnvFileSchema>;

/**
 * The files `env --file` is writing a key into: recorded (under the lock) before its first write,
 * dropped once the run ends (the file then recorded in the profile's envFiles, or not written). One
 * still here whose run is gone was left by a run killed while writing: a temp file next to it may
 * hold the key in full, where nothing else would name it (a file not written before). Read
 * leniently, as envFiles: an entry of another shape is dropped alone; the newest MAX_ENV_FILES.
 */
const PendingEnvFilesSchema = leniently(PendingEnvFileSchema, MAX_ENV_FILES);

/**
 * The old keys rotate replaced and could not revoke (PendingRevokeSchema). Read leniently, as
 * pendingEnvFiles: an entry of another shape is dropped alone; the newest MAX_PENDING_REVOKES.
 */
const PendingRevokesSchema = leniently(PendingRevokeSchema, MAX_PENDING_REVOKES);

/** How many keys a profile stored before are remembered (the newest). */
const MAX_REPLACED_KEYS = 20;

/**
 * A key the profile stored before `key` or `rotate` replaced it: its hint (never the key), what
 * replaced it, and whether rotate revoked it. So that `env --file`, replacing it in a file later,
 * names it as this profile's earlier key (revoked, or to revoke), not as one openai-setup never
 * stored. Read leniently, as pendingRevokes; the newest MAX_REPLACED_KEYS.
 */
const ReplacedKeySchema = z.object({
  at: Timestamp,
  keyHint: KeyHintSchema,
  by: z.enum(['key', 'import', 'rotate']),
  revoked: z.boolean(),
});
export type ReplacedKey = z.infer<typeof ReplacedKeySchema>;

/** `profile` remembering `hints` as keys it stored before `by` replaced them (one entry a hint, the newest kept), and forgetting `now`, the key it stores now. */
export function rememberReplaced(profile: Profile, hints: string[], by: ReplacedKey['by'], at: string, now: string): void {
  const add = [...new Set(hints)].filter((hint) => hint !== now && KeyHintSchema.safeParse(hint).success);
  const kept = (profile.replacedKeys ?? []).filter((r) => r.keyHint !== now && !add.includes(r.keyHint));
  const list = [...kept, ...add.map((keyHint) => ({ at, keyHint, by, revoked: false }))].slice(-MAX_REPLACED_KEYS);
  if (list.length) profile.replacedKeys = list;
  else delete profile.replacedKeys;
}

const ProfileSchema = z.object({
  stages: z._default(z.partialRecord(z.enum(STAGE_IDS), StageRecordSchema), {}),
  billingChoice: z.optional(BillingChoiceSchema),
  /** Where the key of this profile is kept and its masked hint (`sk-proj-…Ab12`). */
  // storage "env": the person keeps the key in their own OPENAI_API_KEY line; openai-setup has no copy.
  key: z.optional(z.object({ storage: z.enum(['keychain', 'file', 'env']), hint: StoredHintSchema, savedAt: Timestamp })),
  // No base URL, organization or project: no command sets them, and a file that nobody reads
  // must not decide where the key is sent. Older files that have them still load (zod drops
  // unknown keys), and lose them at the next write.
  // The last check, kept to show: one of another shape (a hint or project id that is none, text
  // that would act on a terminal) reads as no check yet, rather than the whole file as damaged.
  lastVerify: z.catch(z.optional(LastVerifySchema), undefined),
  /** admin-key, spend --budget, rotate (admin-state.ts). */
  adminKey: z.optional(AdminKeyRecordSchema),
  budget: z.optional(BudgetSchema),
  // What rotate made, for the next rotate to revoke: one of another shape (a project id that is
  // none) is forgotten alone, and that rotate then revokes nothing it cannot identify.
  rotation: z.catch(z.optional(RotationSchema), undefined),
  // Old keys rotate replaced but could not revoke: still live (admin-state.ts). Added in format 1
  // without a new version: an older openai-setup drops it as an unknown key.
  pendingRevokes: z.optional(PendingRevokesSchema),
  // Service accounts a rotate was creating, whose key may be stored nowhere (admin-state.ts). Read
  // leniently, as pendingRevokes. Added in format 1: an older openai-setup drops it as an unknown key.
  pendingAccounts: z.optional(leniently(PendingAccountSchema, MAX_PENDING_ACCOUNTS)),
  // Keys the profile stored before (ReplacedKeySchema). Added in format 1 without a new version:
  // an older openai-setup drops it as an unknown key.
  replacedKeys: z.optional(leniently(ReplacedKeySchema, MAX_REPLACED_KEYS)),
  // Added in format 1 without a new version: an older openai-setup drops it as an unknown key
  // (and loses it at its next write; the files then read as plaintext copies again).
  envFiles: z.optional(EnvFilesSchema),
  // Set (under the lock) before the key store is written for this profile's key, cleared as the
  // change is recorded (key-change.ts): still there, a run was killed in between, and the store may
  // hold another key than `key` records. status says so; doctor reconciles and clears it. Added in
  // format 1 without a new version: an older openai-setup drops it as an unknown key.
  keyChangeStartedAt: z.catch(z.optional(Timestamp), undefined),
});
export type Profile = z.infer<typeof ProfileSchema>;

/**
 * The format this build reads and writes. A file with a higher `version` was written by a newer
 * openai-setup: it is never moved aside or written over (that would lose what the newer one saved).
 */
const STATE_VERSION = 1;

export const StateSchema = z.object({
  version: z.literal(STATE_VERSION),
  defaultProfile: z._default(ProfileNameSchema, 'default'),
  profiles: z._default(z.record(ProfileNameSchema, ProfileSchema), {}),
  // Added in format 1 without a new version: an older openai-setup drops it as an unknown key.
  pendingEnvFiles: z.optional(PendingEnvFilesSchema),
});
export type State = z.infer<typeof StateSchema>;

/**
 * The entries of pendingEnvFiles whose run is gone (killed, or left on a signal before it ended
 * its entry) and left no temp file next to the file: done with. One with a temp file left stays,
 * for status, doctor and import to name it, until that is removed (logout).
 */
async function endedPendingEnvFiles(state: State): Promise<PendingEnvFile[]> {
  const ended: PendingEnvFile[] = [];
  for (const entry of state.pendingEnvFiles ?? []) {
    if (runGone(entry.pid) && (await leftoverTemps(entry.path)).length === 0) ended.push(entry);
  }
  return ended;
}

/** `state` without the entries of pendingEnvFiles in `ended` (by pid and path); none left, no list. */
function withoutPendingEnvFiles(state: State, ended: PendingEnvFile[]): void {
  if (!ended.length || !state.pendingEnvFiles) return;
  const left = state.pendingEnvFiles.filter((p) => !ended.some((e) => e.pid === p.pid && e.path === p.path));
  if (left.length) state.pendingEnvFiles = left;
  else delete state.pendingEnvFiles;
}

/**
 * A map from profile names without a prototype: a profile called "constructor" or "toString" is
 * then just absent, not Object's own function.
 */
export function nameMap<T>(entries: Record<string, T> = {}): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, entries);
}

/** The stages whose record says which organization they were done for: an organization's, not the account's. */
const ORGANIZATION_STAGES: readonly StageId[] = ['payment', 'billing'];

/** The organization of the profile's key, as its last check found it; null: not known. */
export function organizationOf(state: State, profileName: string): string | null {
  return state.profiles[profileName]?.lastVerify?.organization ?? null;
}

/** Whether a stage's record counts for the profile: it names no organization, the profile's is not known, or they are the same. */
function countsFor(record: { organization?: string | undefined } | undefined, organization: string | null): boolean {
  return !record?.organization || organization === null || record.organization === organization;
}

/**
 * A stage's record for a profile. Signing in belongs to the account, not to a key: a profile that
 * has not done it itself takes it from another profile. The card and the billing choice belong to
 * an organization: a record made for another organization than the profile's key's (its last
 * check's) is not done for this profile, its own included (stageDoneForOthers names them).
 */
export function stageRecord(state: State, profileName: string, stage: StageId): { doneAt: string } | undefined {
  const record = countingRecord(state, profileName, stage);
  return record ? { doneAt: record.doneAt } : undefined;
}

/** The record stageRecord goes by, whole (its organization too): the profile's own, else another's. */
function countingRecord(state: State, profileName: string, stage: StageId): { doneAt: string; organization?: string } | undefined {
  const organization = ORGANIZATION_STAGES.includes(stage) ? organizationOf(state, profileName) : null;
  const own = doneRecord(state.profiles[profileName], stage);
  if (own && countsFor(own, organization)) return own;
  if (stage === 'key') return undefined;
  for (const profile of Object.values(state.profiles)) {
    const record = doneRecord(profile, stage);
    if (record && countsFor(record, organization)) return record;
  }
  return undefined;
}

/**
 * The organizations a stage (payment, billing) was done for, none of them the profile's key's,
 * when that is why stageRecord finds it not done for the profile; [] otherwise.
 */
export function stageDoneForOthers(state: State, profileName: string, stage: StageId): string[] {
  if (!ORGANIZATION_STAGES.includes(stage) || stageRecord(state, profileName, stage)) return [];
  const others = Object.values(state.profiles).flatMap((p) => doneRecord(p, stage)?.organization ?? []);
  return [...new Set(others)];
}

/** The organization to record with a stage marked done for the profile now: its last check's, if one was found. */
export function stageOrganization(profile: Profile, stage: StageId): { organization?: string } {
  const organization = ORGANIZATION_STAGES.includes(stage) ? profile.lastVerify?.organization : null;
  return organization ? { organization } : {};
}

/**
 * How the account pays, for a profile: like the billing stage (stageRecord), its own choice, else
 * the account's as another profile recorded it: the first, in the file's order, that did the stage
 * with a choice for the profile's organization (or one not known); else the first with a choice at
 * all not known to be another organization's (a check without credits undoes the stage, not the
 * choice). A profile that took the stage from another made no choice of its own, and prepaid's
 * advice would be wrong for an account on auto-reload or monthly invoicing.
 */
export function billingChoiceOf(state: State, profileName: string): BillingChoice | undefined {
  const own = state.profiles[profileName]?.billingChoice;
  if (own) return own;
  const organization = organizationOf(state, profileName);
  const profiles = Object.values(state.profiles);
  const done = profiles.find((p) => doneRecord(p, 'billing') && countsFor(doneRecord(p, 'billing'), organization) && p.billingChoice);
  const sameOrganization = (p: Profile) => countsFor({ organization: doneRecord(p, 'billing')?.organization ?? p.lastVerify?.organization ?? undefined }, organization);
  return (done ?? profiles.find((p) => p.billingChoice && sameOrganization(p)))?.billingChoice;
}

/** The profile's own record of the stage if it says done (progress short of that is not). */
function doneRecord(profile: Profile | undefined, stage: StageId): { doneAt: string; organization?: string } | undefined {
  const record = profile?.stages[stage];
  return record?.doneAt ? { doneAt: record.doneAt, ...(record.organization ? { organization: record.organization } : {}) } : undefined;
}

export function emptyState(): State {
  return { version: STATE_VERSION, defaultProfile: 'default', profiles: nameMap() };
}

function emptyProfile(): Profile {
  return { stages: {} };
}

/** The profile `name` of `state`, made (empty) when there is none. */
export function profileIn(state: State, name: string): Profile {
  return (state.profiles[name] ??= emptyProfile());
}

/**
 * What is recorded of a profile besides a key or admin key, in words (for logout's question before
 * it removes the profile): empty when nothing is (an entry a typo made, `{"stages":{}}`).
 */
export function recordedProgress(profile: Profile | undefined): string[] {
  if (!profile) return [];
  const done = STAGE_IDS.filter((id) => profile.stages[id]);
  return [
    ...(done.length ? [`stage${done.length === 1 ? '' : 's'} ${done.join(', ')}`] : []),
    ...(profile.billingChoice ? [`billing choice ${profile.billingChoice}`] : []),
    ...(profile.lastVerify ? ['the last check'] : []),
    ...(profile.budget ? ['a budget'] : []),
    ...(profile.rotation ? ['the last rotation'] : []),
    ...(profile.envFiles?.length ? ['the files `env --file` wrote'] : []),
  ];
}

/**
 * Remove profile `name` from `state` (logout, once nothing of it is stored): its entry goes, and
 * `profiles` no longer lists it; a default profile it was makes "default" the default again. What
 * the profiles still listed showed of the account's stages and billing choice through it
 * (stageRecord, billingChoiceOf: signing in, the card, billing) is kept as their own, so that they
 * do not lose it; so is the default profile's own (it is listed whatever the file holds). Null,
 * nothing changed, while a key or admin key is recorded for it (another run stored one meanwhile).
 * `removed`: whether it is no longer listed; `defaultWas`: the default it was, made "default" again.
 */
export function removeProfile(state: State, name: string): { removed: boolean; defaultWas: string | null } | null {
  const profile = state.profiles[name];
  // An old key rotate could not revoke is live still, as may be a service account a killed rotate made: its record (the next rotate revokes it) stays with the profile.
  if (profile?.key || profile?.adminKey || profile?.pendingRevokes?.length || profile?.pendingAccounts?.length) return null;
  const defaultWas = state.defaultProfile === name && name !== 'default' ? name : null;
  const nextDefault = defaultWas ? 'default' : state.defaultProfile;
  const listed = [...new Set([...Object.keys(state.profiles).filter((n) => n !== name), nextDefault])];
  // Whole: a card's or billing's organization goes with it (else it would count for any organization).
  const before = listed.map((n) => ({ n, stages: ACCOUNT_STAGES.map((id) => countingRecord(state, n, id)), choice: billingChoiceOf(state, n) }));
  delete state.profiles[name];
  state.defaultProfile = nextDefault;
  for (const { n, stages, choice } of before) {
    ACCOUNT_STAGES.forEach((id, i) => {
      const record = stages[i];
      if (record && !stageRecord(state, n, id)) profileIn(state, n).stages[id] = record;
    });
    if (choice && !billingChoiceOf(state, n)) profileIn(state, n).billingChoice = choice;
  }
  return { removed: !(name in state.profiles) && state.defaultProfile !== name, defaultWas };
}

/** The stages of the account, not of a key: a profile takes them from another (stageRecord). */
const ACCOUNT_STAGES = STAGE_IDS.filter((id) => id !== 'key');

/** The file as it was found. */
type Loaded =
  | { kind: 'ok'; state: State }
  /** `why`: what is wrong, in a few words (damagedWhy): never a value found there. */
  | { kind: 'damaged'; why: string }
  /** Written by a newer openai-setup: `state` is what this build understands of it (`understood`: anything). */
  | { kind: 'newer'; version: number; state: State; understood: boolean };

/** The progress as read(), and why the file's content is not in it (null: it is). */
export interface StateReading {
  state: State;
  /**
   * `message`: one line naming the file and what to do; `detail` and `fix`: the same in two parts,
   * for a check (doctor's) to show apart (`fix` null: none of its own, as for a damaged file, which
   * a command that saves progress moves aside). `why`: what is wrong with a damaged file (damagedWhy), else null.
   */
  problem: { kind: 'damaged' | 'unreadable' | 'newer'; message: string; detail: string; fix: string | null; why: string | null } | null;
}


/** How often update() makes its change again when another run took the lock over before it wrote. */
const UPDATE_ATTEMPTS = 3;

/**
 * Which file is at a path, as far as a change by another run (a rename over it) shows; null: none;
 * 'other': not a regular file, which no run writes (the write fails on it, saying so).
 */
type FileIdentity = { ino: number; size: number; mtimeMs: number } | null | 'other';

async function fileIdentity(path: string): Promise<FileIdentity> {
  const found = await stat(path).catch(() => null);
  if (!found) return null;
  return found.isFile() ? { ino: found.ino, size: found.size, mtimeMs: found.mtimeMs } : 'other';
}

/** Whether the file read is still there: not replaced, made or removed by another run. */
function sameFile(read: FileIdentity, now: FileIdentity): boolean {
  if (read === 'other' || now === 'other') return true;
  return read === null || now === null ? read === now : read.ino === now.ino && read.size === now.size && read.mtimeMs === now.mtimeMs;
}

/** A type zod expected, as a person would say it. */
const EXPECTED_WORDS: Record<string, string> = {
  string: 'a string (text in quotes)',
  number: 'a number',
  boolean: 'true or false',
  object: 'an object ({…})',
  record: 'an object ({…})',
  array: 'a list ([…])',
  never: 'nothing (no such field)',
};

/** The longest field path a message shows, in characters. */
const MAX_FIELD_SHOWN = 120;

/**
 * What is wrong with a progress file the schema refused, in a few words, so that a person can mend
 * a one-character edit before the next save moves the file aside: the first problem's field
 * (`profiles.default.key.storage`) and what was expected there. Never the value found: it may be
 * anything, a key pasted in by mistake. A field is named as a value of the person's own (masked
 * where key-shaped, bounded); a name that is not a profile name is not named at all.
 */
export function damagedWhy(issues: readonly z.core.$ZodIssue[]): string {
  const issue = issues[0];
  if (!issue) return 'not what openai-setup writes';
  // A record's key that is not a profile name: its path ends in that key, which is not shown.
  const path = issue.code === 'invalid_key' ? issue.path.slice(0, -1) : issue.path;
  const field = path.length ? shownValue(path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i ? '.' : ''}${String(part)}`)).join(''), MAX_FIELD_SHOWN) : 'the whole file';
  return `${field}: ${expectedWords(issue)}`;
}

function expectedWords(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${EXPECTED_WORDS[issue.expected] ?? issue.expected}`;
    case 'invalid_value': {
      const values = issue.values.map((v) => JSON.stringify(v) ?? String(v));
      return values.length === 1 ? `expected ${values[0]}` : `expected one of ${values.join(', ')}`;
    }
    case 'invalid_format':
      if (issue.format === 'datetime') return 'expected a date and time (2025-01-31T12:00:00.000Z)';
      // Our own words for a pattern (a profile name's); zod's default says nothing.
      return issue.message && issue.message !== 'Invalid input' ? issue.message : 'not in the form expected there';
    case 'invalid_key':
      return 'a name there is not a profile name (1–64 letters, digits, "-" or "_", starting with a letter or digit)';
    case 'invalid_union':
      return 'not in any of the forms expected there';
    case 'too_big':
      return 'too long or too large';
    case 'too_small':
      return 'too short or too small';
    default:
      return 'not what is expected there';
  }
}

/**
 * Why JSON.parse refused the text, in a few words: empty, cut short, or where it stopped ("line L,
 * column C": only the position of its message, never its text, which quotes the file).
 */
function notJsonWhy(error: unknown, text: string): string {
  if (text.trim() === '') return 'empty';
  const message = error instanceof Error ? error.message : '';
  const position = /at position (\d+)/.exec(message)?.[1];
  // Stopped at the end (Node words it either way): the file was cut short.
  if (/end of JSON input/.test(message) || (position !== undefined && Number(position) >= text.trimEnd().length)) return 'not valid JSON: it ends too soon, as if cut short';
  if (position === undefined) return 'not valid JSON';
  const before = text.slice(0, Number(position)).split('\n');
  return `not valid JSON, at line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

/** "The progress file X is damaged (why)", or "was damaged" once moved aside. */
export function damagedDetail(path: string, why: string, was = false): string {
  return `The progress file ${pathLine(path)} ${was ? 'was' : 'is'} damaged (${why})`;
}

/** What a damaged progress file moved aside is named: its name, this, the time. */
const ASIDE = '.bak-';

export class StateStore {
  readonly path: string;
  /** What it says of the file: damaged or newer, moved aside, unreadable. */
  private readonly notices: Notices;

  constructor(
    readonly dir: string,
    private readonly now: () => Date,
    /** Told when the file is damaged or newer, was moved aside, or could not be read. */
    warn: (message: string) => void,
    /** Every change is a section: a signal waits for it (ctx.interrupts). */
    private readonly sections: Sections = UNGUARDED,
  ) {
    this.path = join(dir, 'state.json');
    this.notices = new Notices(warn);
  }

  /** Where this run moved a damaged progress file (loadForChange), or null. */
  private movedTo: string | null = null;

  /** Where this run moved the damaged progress file aside to, or null when it did not (doctor's Progress file check says it). */
  movedAsideHere(): string | null {
    return this.movedTo;
  }

  /** Nothing it finds is said from now on (verify --quiet); kept for sayHeld(). */
  hush(): void {
    this.notices.hush();
  }

  /** Whether a file that cannot be used, or moved aside, is left unsaid: its reader shows it (doctor's check). */
  private problemsShownElsewhere = false;

  /** The messages of the problems with the file this run has shown (told, or left to the caller that shows them): shownAlready(). */
  private readonly shown = new Set<string>();

  /**
   * Whether `error` (a write refused) is the problem with the file this run has already shown, on
   * stderr or in doctor's check: a write that fails for it need not say it all again.
   */
  shownAlready(error: unknown): boolean {
    return error instanceof ConfigStoreError && this.shown.has(error.message);
  }

  /** What a damaged file moved aside would have said, held for the caller that shows it: sayMovedAside() says it if the caller did not. */
  private movedNotice: string | null = null;

  /**
   * A progress file that cannot be used, or that this run moves aside, is not said on stderr from
   * now on: the caller shows it (doctor's Progress file check), and calls movedAsideShown() or
   * sayMovedAside().
   */
  showProblemsElsewhere(): void {
    this.problemsShownElsewhere = true;
  }

  /** The move aside (movedAsideHere) was shown by the caller: the notice held for it is dropped. */
  movedAsideShown(): void {
    this.movedNotice = null;
  }

  /** Says the move aside held for the caller, which did not show it (it happened after its check). */
  sayMovedAside(): void {
    const notice = this.movedNotice;
    this.movedNotice = null;
    if (notice !== null) this.tell(notice);
  }

  /** Says what it kept while hushed, and what it finds from now on: for a hushed run that ended in an error. */
  sayHeld(): void {
    this.notices.sayHeld();
  }

  private tell(message: string): void {
    this.notices.tell(message);
  }

  /** The file as it is (absent: empty); refused (ConfigStoreError) when it cannot be trusted. Changes nothing. */
  private async load(): Promise<Loaded> {
    const text = await readPrivateFile(this.path);
    if (text === null) return { kind: 'ok', state: emptyState() };
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      return { kind: 'damaged', why: notJsonWhy(error, text) };
    }
    const version = newerVersion(json, STATE_VERSION);
    if (version !== null) {
      // What a newer format shares with this one is shown; what it does not, is not.
      const known = StateSchema.safeParse({ ...(json as object), version: STATE_VERSION });
      return known.success
        ? { kind: 'newer', version, state: { ...known.data, profiles: nameMap(known.data.profiles) }, understood: true }
        : { kind: 'newer', version, state: emptyState(), understood: false };
    }
    const result = StateSchema.safeParse(json);
    return result.success ? { kind: 'ok', state: { ...result.data, profiles: nameMap(result.data.profiles) } } : { kind: 'damaged', why: damagedWhy(result.error.issues) };
  }

  /**
   * As load(), for a change: a damaged file is moved aside (call it holding the lock: a writer may
   * be replacing it); a newer one is refused, left exactly as it is.
   */
  private async loadForChange(): Promise<State> {
    const loaded = await this.load();
    if (loaded.kind === 'ok') return loaded.state;
    if (loaded.kind === 'newer') throw this.newerError(loaded.version);
    const aside = `${this.path}${ASIDE}${this.now().toISOString().replace(/[:.]/g, '-')}`;
    try {
      await rename(this.path, aside);
    } catch (error) {
      throw storeError(error, this.path, 'write');
    }
    this.movedTo = aside;
    const notice = `${damagedDetail(this.path, loaded.why, true)}; it was moved to ${pathLine(aside)} and progress starts afresh.`;
    if (this.problemsShownElsewhere) this.movedNotice = notice;
    else this.tell(notice);
    return emptyState();
  }

  private newerError(version: number): ConfigStoreError {
    return ConfigStoreError.of(`${writtenByNewer(`The progress file ${pathLine(this.path)}`, version, STATE_VERSION)}, so this one leaves it as it is and saves nothing to it`, `${UPDATE} and run again.`);
  }

  /**
   * The damaged progress files moved aside (loadForChange), by name: the key records they held are
   * not in the file now, so no record of a key does not mean none is stored. Their paths; reads
   * the dir only.
   */
  async movedAside(): Promise<string[]> {
    const prefix = `${basename(this.path)}${ASIDE}`;
    const names = await readdir(this.dir).catch(() => []);
    return names.filter((name) => name.startsWith(prefix)).sort().map((name) => join(this.dir, name));
  }

  /**
   * Fails as update() would (ConfigStoreError, exit 7) when the file cannot be used or a newer
   * openai-setup wrote it; changes nothing. For a command to call before what it cannot take
   * back (storing a key), so that it does not do that and then fail to record it.
   */
  async assertChangeable(): Promise<void> {
    const notMade = this.dirNotMadeHere();
    if (notMade) throw notMade;
    const loaded = await this.load();
    if (loaded.kind === 'newer') throw this.newerError(loaded.version);
  }

  /**
   * Why the config dir, not there, cannot be made by this run (root's, in another user's home), or
   * null: every command that saves progress then exits 7 (assertChangeable). Reads only.
   */
  dirNotMadeHere(): ConfigStoreError | null {
    return dirNotMadeHere(this.dir);
  }

  /**
   * What must be done before a command that saves progress (the wizard, key, import, admin-key) can
   * work, as advice says it first ("…, then run `key`": afterFirst): the fix for a config dir this
   * run may not make, or updating openai-setup for a newer one's progress file (those commands exit
   * 7 until then: assertChangeable); null when nothing stands in the way. Reads only.
   */
  async firstBeforeChanges(): Promise<string | null> {
    const notMade = this.dirNotMadeHere();
    if (notMade) return notMade.parts.fix ?? UPDATE;
    return (await this.newerWriter()) ? UPDATE : null;
  }

  /**
   * Whether a newer openai-setup wrote the file: every command that saves progress then exits 7
   * (assertChangeable), until this one is updated. Reads only; a file that cannot be read is not.
   */
  async newerWriter(): Promise<boolean> {
    try {
      return (await this.load()).kind === 'newer';
    } catch (error) {
      if (error instanceof ConfigStoreError) return false;
      throw error;
    }
  }

  /**
   * The progress. Reading never changes the file: a damaged one is not used (the next command that
   * saves progress moves it aside), one of a newer openai-setup is used as far as this build
   * understands it. A file that cannot be used (not ours, not a regular file, too big,
   * unreadable) is left alone and the run goes on without it, saying why: progress is a
   * convenience, and `verify` or `status` must not fail for it.
   */
  async read(): Promise<State> {
    return (await this.reading()).state;
  }

  /**
   * As read(), and `problem`: why what the file holds is not in `state` (it is damaged, cannot be
   * read, or a newer openai-setup wrote it in a form this one cannot read), or null. For what must
   * not stand in for the file: the default profile, when a key is handed out. With `quiet` the
   * problem is left to the caller to tell.
   */
  async reading(options: { quiet?: boolean } = {}): Promise<StateReading> {
    const problem = (kind: 'damaged' | 'unreadable' | 'newer', message: string, warning: string, parts: { detail: string; fix: string | null }, why: string | null = null): StateReading => {
      if (!options.quiet && !this.problemsShownElsewhere) this.tell(warning);
      if (!options.quiet || this.problemsShownElsewhere) this.shown.add(message);
      return { state: emptyState(), problem: { kind, message, ...parts, why } };
    };
    let loaded: Loaded;
    try {
      loaded = await this.load();
    } catch (error) {
      if (!(error instanceof ConfigStoreError)) throw error;
      return problem('unreadable', error.message, `Saved progress is not used: ${error.message}`, error.parts);
    }
    if (loaded.kind === 'ok') return { state: loaded.state, problem: null };
    if (loaded.kind === 'newer') {
      const newer = writtenByNewer(`The progress file ${pathLine(this.path)}`, loaded.version, STATE_VERSION);
      const warning = `${newer}: it is left as it is, only what this one understands of it is used, and nothing is saved to it until you ${UPDATE}.`;
      if (!loaded.understood) return problem('newer', `${newer}, in a form this one cannot read; ${UPDATE} and run again.`, warning, { detail: `${newer}, in a form this one cannot read`, fix: `${UPDATE} and run again.` });
      this.tell(warning);
      return { state: loaded.state, problem: null };
    }
    const detail = damagedDetail(this.path, loaded.why);
    return problem(
      'damaged',
      `${detail}.`,
      `${detail}, so it is not used; it is left as it is until a command that saves progress moves it aside (to ${basename(this.path)}${ASIDE}<time>).`,
      { detail, fix: null },
      loaded.why,
    );
  }

  /**
   * Read, change and write back, holding the lock throughout, so that concurrent runs each keep
   * their change. A file that cannot be used, or that a newer openai-setup wrote, fails the run
   * (ConfigStoreError, exit 7) rather than being overwritten.
   */
  async update(change: (state: State) => void): Promise<State> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.locked(async (state, save) => {
          change(state);
          await save(state);
          return state;
        });
      } catch (error) {
        // Nothing was written (another run took the lock over while this one was paused, and may
        // have changed the file): the change is made again, to the file as it is now.
        if (!(error instanceof LockLostUnwrittenError) || attempt === UPDATE_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * Run `body` holding the lock, with the progress as it is now (a damaged file moved aside, a
   * newer one refused before `body` runs) and `save`, which writes it without taking the lock
   * again. For a change that must happen together with its record: a key stored or removed
   * (key-change.ts). `body` must not call update(): the lock is not taken twice. A signal waits
   * for it to end (`what`: what it is, if the run has to leave before). `held`: whether the lock is
   * still this run's, as `save` checks it (HeldLock.assertHeld), for a change that must not undo
   * another run's (taken over as stale while this one was paused).
   */
  async locked<T>(body: (state: State, save: (state: State) => Promise<void>, held: () => boolean) => Promise<T>, what?: Section): Promise<T> {
    return this.sections.section(what ?? { what: `the change to ${pathLine(this.path)}`, risk: 'it may not have been saved' }, async () => {
      await ensurePrivateDir(this.dir);
      // Still waiting for the lock when the run began leaving, with nothing changed: given up.
      const givenUp = () => (this.sections.givingUp ? new ConfigStoreError(`The change to ${pathLine(this.path)} was given up before it began: the run is leaving.`) : null);
      const change = async (lock: HeldLock) => {
        const state = await this.loadForChange();
        // Written where a symbolic link named state.json leads, as credentials.json is: never
        // replacing the link with a file.
        const real = await linkedFilePath(this.path);
        // Holding the lock: temp files of the progress file whose writer is gone were left by killed
        // runs (they hold no key), and would stay forever. A live writer's is left alone.
        for (const path of new Set([this.path, real])) await removeTempFiles(path, { gone: true }).catch(() => []);
        // Likewise the records of files `env --file` was writing whose run is gone (stopped by a
        // signal, killed) and left no temp file: nothing more to name.
        withoutPendingEnvFiles(state, await endedPendingEnvFiles(state));
        let read = await fileIdentity(real);
        const save = async (next: State) => {
          await writePrivateFile(real, `${JSON.stringify(next, null, 2)}\n`, async () => {
            // Written only over the file as it was read, holding the lock: never a stale read
            // over another run's change (this run paused past the lock's staleness, say).
            lock.assertHeld();
            if (!sameFile(read, await fileIdentity(real))) {
              throw new LockLostUnwrittenError(`${pathLine(this.path)} was changed by another run while this one held its lock, so nothing was written.`);
            }
          });
          read = await fileIdentity(real);
        };
        const held = () => {
          try {
            lock.assertHeld();
            return true;
          } catch {
            return false;
          }
        };
        return body(state, save, held);
      };
      return withFileLock(this.path, change, LOCK_WAIT_MS, lockPathFor(this.path), givenUp);
    });
  }

  async updateProfile(name: string, change: (profile: Profile, state: State) => void): Promise<Profile> {
    const state = await this.update((s) => change(profileIn(s, name), s));
    return state.profiles[name]!;
  }

  /**
   * Remove temp files of the progress file left by killed runs, and those next to the files it
   * names that `env --file` wrote or was writing (storage/leftovers.ts: they may hold a key in full),
   * their writers gone; the paths removed. One that cannot be removed is left (status and doctor
   * name it). The records of files `env --file` was writing whose run is gone and left nothing
   * there are dropped.
   */
  async removeLeftovers(): Promise<string[]> {
    const removed = await removeLeftoverTempFiles(this.path, withFileLock);
    const loaded = await this.load().catch(() => null);
    const state = loaded && loaded.kind !== 'damaged' ? loaded.state : null;
    if (!state) return removed;
    const files = [...(state.pendingEnvFiles ?? []).map((p) => p.path), ...Object.values(state.profiles).flatMap((p) => p.envFiles ?? [])];
    const ctx = { configDir: this.dir, interrupts: this.sections };
    for (const file of new Set(files)) removed.push(...(await removeLeftoverTemps(file, ctx).catch(() => [])));
    // Their records too, once nothing is left next to them: dropped under the lock (a progress file
    // that cannot be changed keeps them; the next write drops them).
    const ended = await endedPendingEnvFiles(state);
    if (ended.length) {
      await this.update((next) => withoutPendingEnvFiles(next, ended)).catch((error: unknown) => {
        if (!(error instanceof ConfigStoreError)) throw error;
      });
    }
    return removed;
  }

  nowIso(): string {
    return this.now().toISOString();
  }
}

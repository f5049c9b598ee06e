// `openai-setup status`: each stage done or pending (and when), where the key lives, its masked
// hint, and the last verify result. From the state file alone: no keychain, no network.
import * as z from 'zod/mini';
import { accountsLeft, adminKeyServes } from '../storage/admin-state.js';
import type { Context } from '../context.js';
import { FAILURE_FIELDS } from '../errors.js';
import { variableKeyWords, type StoredBeside } from '../api/check.js';
import { storeKeyWords } from '../api/diagnosis.js';
import { outcomeRow, VerifyStatusSchema } from '../api/status.js';
import { billingNotProven } from '../api/verdict.js';
import { checkKeyShape, heldWithMore, maskKey } from '../keys/format.js';
import { judgedAsOfficial } from '../platform.js';
import { checkLabel, lastVerifyAsShown } from '../last-check.js';
import { STAGE_TITLES, stageWithoutQuestions } from '../stages/index.js';
import { adminAccount, adminKeyEnv, isAdminKeyHint } from '../storage/admin-key.js';
import { blankEnvKeyAdvice, ENV_SOURCE, envKeyHeld, envKeyUnsetWords, judgeStoredKey, noProfileText, unknownProfile, keepOneInFile, lookUpStoredKey, resolveProfileName, type LookedUpKey } from '../storage/profile-key.js';
import { keyFileUnusable, recordInDoubt } from '../storage/key-change.js';
import { ConfigStoreError } from '../storage/private-file.js';
import { billingChoiceOf, organizationOf, STAGE_IDS, stageDoneForOthers, stageRecord } from '../storage/state.js';
import { adminKeyCommand, afterFirst, checkFlags, keyPromptWorks, pendingAccountAdvice, pendingRetried, pendingRevokeAdvice, promptWhereItAsks, storeKeyAdvice, toolCommand, verifyCommand } from '../terminal/advice.js';
import { PAGES } from '../platform.js';
import { marks, withFailureDocument } from '../terminal/output.js';
import { shellExportLine, shellWord } from '../terminal/shell.js';
import { shellDirsOf } from '../storage/paths.js';
import type { Finding } from '../plaintext/scan.js';
import { copiesOf, describeLeftovers, leftoverKeyFiles, shownPath } from '../plaintext/summary.js';
import { askedNote, staleEnvFile, trackedEnvFile } from '../plaintext/env-command.js';
import { jsonText, pathLine, sanitize, upperFirst } from '../terminal/sanitize.js';

export const StatusJsonSchema = z.object({
  profile: z.string(),
  configDir: z.string(),
  stages: z.array(z.object({ id: z.enum(STAGE_IDS), title: z.string(), done: z.boolean(), doneAt: z.nullable(z.string()) })),
  billingChoice: z.nullable(z.string()),
  key: z.object({
    /**
     * "none": the progress file records none (status reads no keychain: one stored there without a record, the config dir removed say, is found and recorded by doctor). Where no keychain can be reached (no session bus), the key file is read: a key there without a record is "file" (savedAt null; doctor records it), a damaged one "unknown".
     * "unknown": the progress file cannot be used (or a damaged one moved aside took the record) and the keychain or key file could not be read: none is not known; or the record may not be the key stored (a key change was interrupted: doctor records it), or the key file recorded as holding it cannot be read (damaged, empty).
     */
    storage: z.enum(['keychain', 'file', 'env', 'none', 'unknown']),
    hint: z.nullable(z.string()),
    savedAt: z.nullable(z.string()),
    /**
     * `around`: what else OPENAI_API_KEY holds beside the key (whitespace, quotes…), which programs send as part of it.
     * `empty`: set but empty, or only whitespace (`set` true, `hint` null), which programs get as no key: said (`detail`)
     * with its fix in the person's shell as the text says it, `command` the line that unsets it (null for a key you keep
     * in OPENAI_API_KEY yourself: your shell file sets it again). Null otherwise.
     */
    env: z.object({
      set: z.boolean(),
      hint: z.nullable(z.string()),
      matchesStored: z.nullable(z.boolean()),
      around: z.nullable(z.string()),
      problem: z.nullable(z.string()),
      empty: z.nullable(z.object({ detail: z.string(), fix: z.string(), command: z.nullable(z.string()) })),
    }),
    /** With storage "env": the lines that set it where import looks (the person's own, as they chose): not in `plaintext`. */
    setIn: z.array(z.object({ path: z.string(), line: z.number() })),
  }),
  /**
   * The admin key stored next to the key (admin-key), for rotate and spend. savedAt null: looked up where spend finds it, with no record to go by (as `key`).
   * `cannot`: the command admin-key's check found it lacks a permission for (absent: none found).
   */
  adminKey: z.nullable(z.object({ storage: z.enum(['keychain', 'file']), hint: z.string(), savedAt: z.nullable(z.string()), cannot: z.optional(z.enum(['rotate', 'spend'])) })),
  /** OPENAI_ADMIN_KEY, which rotate and spend use in place of the stored admin key: its hint, and whether it is the stored one (null: none stored). */
  adminKeyEnv: z.object({ set: z.boolean(), hint: z.nullable(z.string()), matchesStored: z.nullable(z.boolean()) }),
  /**
   * Old keys rotate replaced but could not revoke: still live, until revoked on `page` (or by the
   * next rotate, which tries again first, when `retried`). `interrupted`: that rotate was stopped
   * (Ctrl-C, killed) before it revoked the key.
   */
  pendingRevokes: z.array(z.object({ hint: z.string(), project: z.string(), at: z.string(), page: z.string(), interrupted: z.boolean(), retried: z.boolean() })),
  /**
   * Service accounts a rotate was creating when it was stopped (killed) before it stored their key:
   * each may exist with a key stored nowhere, until the next rotate deletes it (or it is deleted on `page`).
   */
  pendingAccounts: z.array(z.object({ name: z.string(), project: z.string(), at: z.string(), page: z.string() })),
  /** Plaintext copies of the stored key (by its hint) where `import` looks; not those in `envFiles`, nor (storage "env") `key.setIn`. */
  plaintext: z.array(z.object({ path: z.string(), line: z.number() })),
  /**
   * Copies of the stored key in files `env --file` wrote for this profile, as asked: no warning, and import keeps them.
   * `tracked`: the file is one git tracks, so the key is in the repository: the warning (`detail`) and its `fix` as the
   * text says them, `command` the fix's `git rm --cached … && … env --file … --gitignore`; null otherwise.
   */
  envFiles: z.array(z.object({ path: z.string(), line: z.number(), tracked: z.nullable(z.object({ detail: z.string(), fix: z.string(), command: z.nullable(z.string()) })) })),
  /**
   * Files `env --file` wrote for this profile that hold another key than the stored one (by its hint): left by a replacement, or (`profile`) another profile's key, which its own `env --file` wrote there since.
   * `detail` and `fix` as the text says them; `command` the fix's `env --file …` that writes the stored key there (after
   * `git rm --cached -- FILE &&` where git tracks the file), null where it is done by hand (a key you keep in OPENAI_API_KEY yourself).
   */
  staleEnvFiles: z.array(z.object({ path: z.string(), line: z.number(), hint: z.string(), profile: z.nullable(z.string()), detail: z.string(), fix: z.string(), command: z.nullable(z.string()) })),
  /** Temp files left by killed runs (each may hold a key): the key file's, and those next to a file env or import writes. */
  leftovers: z.array(z.string()),
  /**
   * `host`: the server the check was made at when not the OpenAI API (null: the OpenAI API).
   * `next`: for a check that failed, or passed without proving billing (rate-limited: check again later), the next step the text says under it (null where it says none):
   * `fix` its words; `command` the command it names to run, as printed (storing a new key, or
   * `verify` to check again once fixed), null where the step is not one (a new key put in OPENAI_API_KEY).
   */
  lastVerify: z.nullable(
    z.object({
      at: z.string(),
      status: VerifyStatusSchema,
      ok: z.boolean(),
      keyHint: z.string(),
      keySource: z.string(),
      organization: z.nullable(z.string()),
      project: z.nullable(z.string()),
      tier: z.nullable(z.string()),
      billing: z.string(),
      message: z.string(),
      host: z.nullable(z.string()),
      next: z.nullable(z.object({ fix: z.string(), command: z.nullable(z.string()) })),
    }),
  ),
  /** A --profile naming a profile that exists nowhere (said on stderr without --json): its name and the profiles there are. Null otherwise. */
  unknownProfile: z.nullable(z.object({ name: z.string(), profiles: z.array(z.string()) })),
});
export type StatusJson = z.infer<typeof StatusJsonSchema>;

/**
 * Where the key is as `token` finds it, for when no record says (lookUpStoredKey): what went wrong
 * said on stderr, status answers all the same. `saidAlready`: the progress file's problem, said
 * already: the same problem of the key file (a config dir whose path is too long) is not said twice.
 */
async function lookUpKey(ctx: Context, profile: string, saidAlready: string | null): Promise<LookedUpKey> {
  const { key, said } = await lookUpStoredKey(ctx, profile);
  if (said && said.text !== saidAlready) ctx.term.err(`${marks(ctx.term.style)[said.mark]} ${said.text}`);
  return key;
}

/**
 * The profile's admin key where spend and rotate find it (its keychain entry, then the file),
 * reading only: for when no record says (as lookUpKey, for the key). Null: none found, or where it
 * would be could not be read.
 */
async function lookUpAdminKey(ctx: Context, profile: string): Promise<StatusJson['adminKey']> {
  try {
    const { stored } = await ctx.keys.find(adminAccount(profile));
    if (!stored) return null;
    ctx.term.addSecret(stored.key);
    return { storage: stored.storage, hint: maskKey(stored.key), savedAt: null };
  } catch (error) {
    if (!(error instanceof ConfigStoreError)) throw error;
    return null;
  }
}

/**
 * The profile's key in the key file, which the progress file has no record of, reading the file
 * alone (never the keychain): `key` as token hands it out; `unusable`, a file token would fail on
 * (damaged, not to be trusted: exit 7), said with its fix. A value there that is no key is said on
 * stderr with its fix (as lookUpKey says it), and is no key.
 */
async function unrecordedInFile(ctx: Context, profile: string): Promise<{ key?: LookedUpKey; unusable?: { why: string; fix: string } }> {
  let held: string | null;
  try {
    held = await ctx.keys.fileKey(profile);
  } catch (error) {
    if (!(error instanceof ConfigStoreError)) throw error;
    return { unusable: keyFileUnusable(ctx, profile, error, `${pathLine(ctx.state.path)} has no record of a key for profile "${profile}", and`) };
  }
  if (held === null) return {};
  ctx.term.addSecret(held);
  const { key, notAKey } = judgeStoredKey(ctx, profile, { storage: 'file', key: held }, undefined, { use: 'hand-out' });
  if (notAKey) ctx.term.err(`${marks(ctx.term.style).fail} ${notAKey.message} ${notAKey.fix}`);
  return key ? { key: { storage: 'file', hint: maskKey(key), savedAt: null } } : {};
}

/**
 * Everything from the state file: status opens no keychain and sends no request, so it answers
 * at once (`verify` and `doctor` do the live checks). Keys are compared by their masked hints.
 * Only when the state file cannot be used, or records no key for the profile after a damaged one
 * was moved aside, is the key looked up where `token` finds it: "no key stored" must not be said
 * of a key that is there.
 */
async function collectStatus(ctx: Context, profileName: string): Promise<StatusJson & { keyUnknown: string | null; keyInDoubt: string | null; keyLookedUp: boolean; keyUnrecorded: boolean; doneForOthers: Map<string, string[]>; organization: string | null; lastCheckBaseURL: string | null; lastCheckReason: string | null; movedAside: string[]; askedFound: Array<{ path: string; by: string }>; accountFixes: Array<{ detail: string; fix: string }>; rotates: boolean }> {
  const { state, problem } = await ctx.state.reading();
  const profile = state.profiles[profileName];
  // A damaged file moved aside took its key records with it: no record then is not no key either.
  const aside = profile?.key || problem ? [] : await ctx.state.movedAside();
  const noRecord = problem ? 'the progress file cannot be used' : aside.length ? `a damaged progress file was moved aside (to ${pathLine(aside.at(-1)!)})` : null;
  // A record that may not be the key stored (an interrupted key change): not shown as the key.
  const recordDoubt = problem ? null : await recordInDoubt(ctx, state, profileName);
  // No record, and no keychain reachable here (no session bus: known without asking it): a key kept
  // for the profile is in the key file if anywhere, where token finds it (stored before this
  // progress file was made: the config dir removed, another HOME). Read, the file alone (cheap):
  // "no key" and its advice to store one would replace it, or end in exit 7 on a damaged file.
  const unreachable = !recordDoubt && !profile?.key && !noRecord ? ctx.keys.keychainUnreachable() : null;
  const inFile = unreachable ? await unrecordedInFile(ctx, profileName) : null;
  const doubt = recordDoubt ?? inFile?.unusable ?? null;
  const found = doubt ? ({ storage: 'unknown', why: doubt.why } as const) : (profile?.key ?? inFile?.key ?? (noRecord ? await lookUpKey(ctx, profileName, problem?.message ?? null) : undefined));
  const unknown = doubt?.why ?? (found?.storage === 'unknown' ? `${noRecord} and ${found.why}` : null);
  const stored = found?.storage === 'unknown' ? undefined : found;
  // The admin key likewise: with no record to go by, looked up where spend and rotate find it.
  const adminKey = profile?.adminKey ?? (problem || (await ctx.state.movedAside()).length ? await lookUpAdminKey(ctx, profileName) : null);
  // The key in OPENAI_API_KEY, and what else is around it there (judged as verify judges it).
  const envHeld = envKeyHeld(ctx);
  const envHint = envHeld ? maskKey(envHeld.key) : null;
  // A value that is no key (whitespace or a line break inside, as verify refuses it) is not the
  // stored key, however its ends read. Otherwise only the hints can be compared (status reads no
  // keychain): alike, the value ends like the stored key, which is all that is said of it.
  const envProblem = envHeld && envHeld.around === null ? (checkKeyShape(envHeld.key, judgedAsOfficial(ctx), 'variable').problem ?? null) : null;
  // Set but empty (or blank): no key, for status as for verify, and none for the programs that read
  // it either. A key the person keeps there themselves is set again by their shell file.
  const blank = blankEnvKeyAdvice(ctx, profileName, stored?.storage === 'keychain' || stored?.storage === 'file');
  const empty = blank && stored?.storage === 'env' ? { detail: `${envKeyUnsetWords(ctx)} in this shell`, fix: `${upperFirst(shellExportLine(shellDirsOf(ctx), null).reload)}.`, command: null } : blank;
  const copies = stored ? await copiesOf(ctx, state, profileName, { hint: stored.hint }) : { plaintext: [], asked: [], stale: [] };
  const where = (f: Finding) => ({ path: shownPath(ctx, f.path), line: f.line });
  // A key the person keeps in OPENAI_API_KEY themselves is meant to be in their files: where it
  // is set, not a copy of a stored key (openai-setup stores none) for import to move.
  const ownLines = stored?.storage === 'env';
  // Which files env wrote git tracks (the key is in the repository then), or whose history holds
  // the key: git asked once a file, the files at once, each history searched for a short while
  // (status is quick; what runs out of time is said as such, for doctor to search longer).
  const byPath = [...new Map(copies.asked.map((f) => [f.path, f])).values()];
  // A file left holding another key: named, with the command that writes the stored key there.
  const staleSaid = await Promise.all(copies.stale.map((f) => staleEnvFile(ctx, profileName, f.path, maskKey(f.key), { by: f.by })));
  const trackedIn = new Map(await Promise.all(byPath.map(async (f) => [f.path, await trackedEnvFile(ctx, f.by, f.path, stored ? sanitize(stored.hint, 40) : 'the key', ctx, { short: true })] as const)));
  // Rotate refuses at once without a stored key (no project to rotate in): not offered then. What
  // the key file holds, where it was read, is never an account to delete; what the keychain holds
  // status does not read (unsure: doctor tells).
  const rotates = stored?.storage === 'keychain' || stored?.storage === 'file' || (doubt !== null && recordDoubt?.held !== null);
  const readStore = (profile?.key?.storage === 'file' && !profile.keyChangeStartedAt && !doubt) || (recordDoubt?.held !== undefined) || Boolean(inFile && !inFile.unusable);
  const accountFixes = accountsLeft(profile, recordDoubt?.held).map((a) => ({ a, ...pendingAccountAdvice(ctx, profileName, a, { rotates, unsure: !readStore }) }));
  return {
    profile: profileName,
    configDir: ctx.configDir,
    stages: STAGE_IDS.map((id) => {
      const record = stageRecord(state, profileName, id);
      return { id, title: STAGE_TITLES[id], done: Boolean(record), doneAt: record?.doneAt ?? null };
    }),
    // The account's, as the stages are: a profile that took stage 3 from another shows its choice.
    billingChoice: billingChoiceOf(state, profileName) ?? null,
    key: {
      storage: unknown !== null ? 'unknown' : (stored?.storage ?? 'none'),
      hint: stored ? sanitize(stored.hint, 40) : null,
      savedAt: stored?.savedAt ?? null,
      env: { set: envHint !== null || empty !== null, hint: envHint, matchesStored: envHint && stored ? envProblem === null && envHint === stored.hint : null, around: envHeld?.around ?? null, problem: envProblem, empty },
      setIn: ownLines ? copies.plaintext.map(where) : [],
    },
    adminKey,
    adminKeyEnv: adminEnvShown(ctx, adminKey?.hint ?? null),
    pendingRevokes: (profile?.pendingRevokes ?? []).map((p) => ({ hint: p.keyHint, project: p.projectId, at: p.at, page: pendingRevokeAdvice(ctx, profileName, p, rotates).page, interrupted: p.interrupted === true, retried: pendingRetried(p) })),
    pendingAccounts: accountFixes.map(({ a, page }) => ({ name: a.serviceAccountName, project: a.projectId, at: a.at, page })),
    accountFixes,
    rotates,
    plaintext: ownLines ? [] : copies.plaintext.map(where),
    envFiles: copies.asked.map((f) => ({ ...where(f), tracked: trackedIn.get(f.path) ?? null })),
    staleEnvFiles: copies.stale.map((f, i) => ({ ...where(f), hint: maskKey(f.key), profile: f.by ?? null, ...staleSaid[i]! })),
    leftovers: (await leftoverKeyFiles(ctx, { state, profile: profileName }))?.paths ?? [],
    // `next` as status works it out from the rest (lastCheckNext).
    lastVerify: profile?.lastVerify ? { ...lastVerifyAsShown(profile.lastVerify), next: null } : null,
    unknownProfile: null,
    // Not in --json (the schema leaves them out): why the key is not known, for the line saying so;
    // the env files by their own paths and the profile each was written for (the command that wrote one names it).
    keyUnknown: unknown,
    // What to do about it: doctor, or the key file's fix.
    keyInDoubt: doubt?.fix ?? null,
    // Looked up where `token` finds it (no record to go by): none found is none stored.
    keyLookedUp: !doubt && !profile?.key && noRecord !== null,
    // Found in the key file with no record of it (no keychain reachable): doctor records it.
    keyUnrecorded: Boolean(inFile?.key),
    // Valid as the state schema reads it: as baseURLForAdvice writes it.
    lastCheckBaseURL: profile?.lastVerify?.baseURL ?? null,
    // The reason the status table routes a failed check by (a refusal fixed around the key, a limit): as the state schema reads it.
    lastCheckReason: profile?.lastVerify?.refusal ?? profile?.lastVerify?.limit ?? null,
    movedAside: unknown && !problem ? aside : [],
    askedFound: copies.asked.map((f) => ({ path: f.path, by: f.by })),
    // Payment and billing done for other organizations than the key's (its last check's): not done for this profile.
    doneForOthers: new Map(STAGE_IDS.map((id) => [id, stageDoneForOthers(state, profileName, id).map((o) => sanitize(o, 100))])),
    organization: (() => {
      const organization = organizationOf(state, profileName);
      return organization === null ? null : sanitize(organization, 100);
    })(),
  };
}

/** OPENAI_ADMIN_KEY as --json shows it (adminKeyEnv without its notice). */
function adminEnvShown(ctx: Context, storedHint: string | null): StatusJson['adminKeyEnv'] {
  const { set, hint, matchesStored } = adminKeyEnv(ctx, storedHint);
  return { set, hint, matchesStored };
}

/**
 * The next step for a last check that failed, where the status table routes it: no credits (always
 * a step: the stages may all say done, for another organization or before the credits ran out),
 * another key (stored as verify's fix stores it; where OPENAI_API_KEY still holds the key rejected,
 * that variable too, in verify's words), what the refusal names (its reason recorded), or trying
 * again; for one that passed without proving billing (rate-limited), checking again later. `command`: the one it names to run (--json's `lastVerify.next`). Null where the table has none.
 */
function lastCheckNext(ctx: Context, profileName: string, status: Awaited<ReturnType<typeof collectStatus>>, last: NonNullable<StatusJson['lastVerify']>, check: { baseURL: string } | undefined, first: string | null): { fix: string; command: string | null } | null {
  const verify = verifyCommand(ctx, profileName, check);
  const again = (fix: string) => ({ fix, command: verify });
  if (last.status === 'insufficient_quota') {
    const billing = first !== null ? undefined : promptWhereItAsks(ctx, toolCommand(ctx, 'billing', profileName));
    const to = last.organization ? ` to ${last.organization}` : '';
    return again(`To fix it, add credits${to} (or raise the limit the message names)${billing ? `: \`${billing}\` opens the billing page` : ` on ${PAGES.billing.url}`}; then check again: \`${verify}\``);
  }
  // A check that passed without proving the key can spend (rate-limited): checked again later.
  const unproven = billingNotProven(last, 'then');
  if (unproven) return again(`Billing was not proven: ${unproven}. Check again later: \`${verify}\``);
  if (last.ok) return null;
  const route = outcomeRow({ status: last.status, reason: status.lastCheckReason }).route;
  if (route === 'retry') return again(`Check again: \`${verify}\``);
  // A restricted key's missing permission is the key's own: edited, or another key, it passes.
  if (status.lastCheckReason === 'missing_scopes') return again(`Give the key the permission it lacks on the API keys page, or store one with "All" permissions (\`${verify}\` says which).`);
  if (route === 'elsewhere') return again(`A new key would be refused the same: change what the message names (\`${verify}\` says how), then check again.`);
  // A refusal recorded before the progress file kept its reason: which one is not known, so no new key.
  if (last.status === 'forbidden' && status.lastCheckReason === null) return again(`\`${verify}\` says what was refused and what to change.`);
  if (route !== 'key') return null;
  const { key } = status;
  const insecure = key.storage === 'file' || (key.storage !== 'keychain' && ctx.keys.keychainUnreachable() !== null);
  // Never a pipe of OPENAI_API_KEY while it holds the key rejected (its hint: status reads no key).
  const store = storeKeyAdvice(ctx, profileName, insecure, check, { variableFailed: key.env.hint !== null && key.env.hint === last.keyHint });
  const create = 'To fix it, create a new secret key on the API keys page and store it';
  // OPENAI_API_KEY still holds the key rejected: read before any stored key, so that changes too.
  // The step is the variable's new value, no command.
  if (key.env.hint !== null && last.keySource === ENV_SOURCE.label && last.keyHint === key.env.hint) {
    const beside: StoredBeside = key.storage !== 'keychain' && key.storage !== 'file' ? 'none' : key.env.matchesStored ? 'same' : 'other';
    const { storeIn, instead } = variableKeyWords(ctx, beside, first === null ? storeKeyWords(store) : `: ${afterFirst(first, store.command)}`);
    return { fix: `${create}${storeIn}.${instead}`, command: null };
  }
  // The key rejected was the variable's, which no longer holds it, and is not the stored key: that one may work.
  if (last.keySource === ENV_SOURCE.label && key.hint !== null && last.keyHint !== key.hint) return again(`The key rejected was OPENAI_API_KEY's, which no longer holds it; check the key used now: \`${verify}\``);
  return { fix: first === null ? `${create}${storeKeyWords(store)}.` : `${create}: ${afterFirst(first, store.command)}.`, command: store.command };
}

function when(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC');
}

/** --json when status cannot answer (a bad --profile or environment variable…): ok false, as verify's. */
export const StatusFailureJsonSchema = z.object({
  ...FAILURE_FIELDS,
  profile: z.nullable(z.string()),
});

export async function run(ctx: Context, options: { profile?: string; json: boolean }): Promise<number> {
  const told: { profile: string | null } = { profile: null };
  return withFailureDocument(ctx, options.json, () => status(ctx, options, told), (failed) => jsonText(StatusFailureJsonSchema.parse({ ...failed, profile: told.profile })));
}

async function status(ctx: Context, options: { profile?: string; json: boolean }, told: { profile: string | null }): Promise<number> {
  const { term } = ctx;
  const profileName = await resolveProfileName(ctx, options.profile);
  told.profile = profileName;
  // A --profile that names a profile existing nowhere (a typo, or one to set up): said first, as
  // verify says it, the profiles there are named, so that its steps, which would make it, are not
  // taken for those of a profile that exists. Only by a progress file that can be used and lost no
  // records (a damaged one moved aside took them); OPENAI_SETUP_PROFILE chose its profile on purpose.
  // With --json, said in the document alone (`unknownProfile`).
  let profiles: string[] | null = null;
  if (options.profile !== undefined) {
    const reading = await ctx.state.reading({ quiet: true });
    profiles = (await ctx.state.movedAside()).length === 0 ? await unknownProfile(ctx, reading, profileName) : null;
    if (profiles && !options.json) term.err(`${marks(term.style).warn} ${noProfileText(profileName, profiles)}: what follows is for a new profile of that name, which its steps would make.`);
  }
  const status = await collectStatus(ctx, profileName);
  if (profiles) status.unknownProfile = { name: profileName, profiles };
  // A newer openai-setup's progress file: the commands that save progress (the wizard, key, import,
  // admin-key) exit 7 until this one is updated, so updating is said before each of them.
  // So do they when the config dir is not there and this run may not make it (root's, in another
  // user's home): its fix is said before each of them, and said once as the problem it is.
  const first = await ctx.state.firstBeforeChanges();
  // The last check was made at another server (--base-url, OPENAI_BASE_URL): the commands below
  // name it, or followed as printed in another shell they would send the key to the OpenAI API.
  const madeAt = status.lastCheckBaseURL;
  const check = madeAt === null ? undefined : { baseURL: madeAt };
  if (status.lastVerify) status.lastVerify.next = lastCheckNext(ctx, profileName, status, status.lastVerify, check, first);
  if (options.json) {
    term.document(jsonText(StatusJsonSchema.parse(status)));
    return 0;
  }
  const m = marks(term.style);
  const notMade = ctx.state.dirNotMadeHere();
  const newer = first !== null;
  const afterUpdate = (command: string) => afterFirst(first!, command);
  term.out(term.style.bold(`openai-setup status · profile ${profileName}`));
  if (notMade) term.out(`${m.fail} ${notMade.parts.detail}`);
  for (const stage of status.stages) {
    const extra = stage.id === 'billing' && status.billingChoice ? ` (${status.billingChoice})` : '';
    const others = status.doneForOthers.get(stage.id) ?? [];
    const elsewhere = others.length ? `: done for ${others.join(', ')}, not for ${status.organization}, the organization of this profile's key` : '';
    term.out(stage.done ? `${m.ok} ${stage.title}${extra} ${term.style.dim(`done ${when(stage.doneAt!)}`)}` : `${m.pending} ${stage.title} ${term.style.dim(`pending${elsewhere}`)}`);
  }
  const places = (copies: StatusJson['plaintext']) => copies.slice(0, 3).map((c) => `${c.path}:${c.line}`).join(', ') + (copies.length > 3 ? ` and ${copies.length - 3} more` : '');
  const key = status.key;
  if (key.storage === 'keychain') term.out(`${m.ok} Key ${key.hint} in the ${ctx.keys.keychainDescription}`);
  else if (key.storage === 'file') {
    // Kept in the file before this progress file was made: doctor records it (not into a newer openai-setup's file, nor where the config dir may not be made).
    const unrecorded = status.keyUnrecorded ? ` (${pathLine(ctx.state.path)} has no record of it${newer ? '' : `: \`${toolCommand(ctx, 'doctor', profileName)}\` records it`})` : '';
    term.out(`${m.warn} Key ${key.hint} in plain text: ${ctx.keys.filePath}${unrecorded}`);
  }
  else if (key.storage === 'env') {
    const line = shellExportLine(shellDirsOf(ctx), null);
    const setIn = key.setIn.length ? `, set in ${places(key.setIn)}` : ` (${line.file})`;
    term.out(`${key.env.hint !== null ? m.ok : m.warn} Key ${key.hint}: you keep it in OPENAI_API_KEY yourself${setIn}; openai-setup has no copy`);
    if (key.env.hint === null) term.out(`  OPENAI_API_KEY is ${envKeyUnsetWords(ctx)} in this shell: ${line.reload}.`);
  } else if (status.keyInDoubt !== null) {
    // doctor records what is stored (reading the keychain, which status does not) and clears the
    // mark; a key file that cannot be read has its own fix.
    term.out(`${m.warn} Key not known: ${status.keyUnknown}; ${status.keyInDoubt}`);
  } else if (key.storage === 'unknown') {
    // Not "no key", whose advice would store a second one.
    term.out(`${m.pending} Key not known: ${status.keyUnknown}, so whether one is stored for this profile could not be checked`);
    // Looked for only while a moved-aside file is there (its records are not in this one): the way out once it is not needed.
    const aside = status.movedAside;
    if (aside.length) term.out(`  Once you no longer need ${aside.length === 1 ? pathLine(aside[0]!) : `the ${aside.length} moved-aside files`}, remove ${aside.length === 1 ? 'it' : 'them'}, and status goes by the progress file again:  rm -- ${aside.map(shellWord).join(' ')}`);
  } else {
    // None recorded is not none stored: status reads no keychain (unless no record could be gone
    // by), and one stored there before this progress file recorded it (the config dir removed,
    // another HOME) is not in it. doctor looks, and records one it finds.
    // Where no keychain can be reached (no session bus: known without asking it), none is named:
    // the key file is the way, said as token says it.
    const noKeychain = status.keyLookedUp ? null : ctx.keys.keychainUnreachable();
    const none = status.keyLookedUp || noKeychain ? `${m.pending} No key ${status.keyLookedUp ? 'stored' : 'recorded'} for this profile` : `${m.pending} No key recorded for this profile (\`${toolCommand(ctx, 'doctor', profileName)}\` looks in the ${ctx.keys.keychainDescription} and records a key it finds there)`;
    if (key.env.hint !== null) term.out(none);
    else if (noKeychain) term.out(`${none}. ${keepOneInFile(ctx, profileName, noKeychain, first, check)}`);
    // Nothing `verify` could check: what to do first is to store one, as it works where this is read.
    else {
      const store = storeKeyAdvice(ctx, profileName, false, check);
      term.out(`${none}: ${newer ? `to store one, ${afterUpdate(store.command)}${store.how}` : `store one${storeKeyWords(store)}`}`);
    }
  }
  if (status.plaintext.length) {
    const importing = toolCommand(ctx, 'import', profileName);
    term.out(`${m.warn} The stored key is also in plain text: ${places(status.plaintext)} — ${newer ? `to move it, ${afterUpdate(importing)}` : `\`${importing}\` moves it`}`);
  }
  // Where the person asked for it: said, as information.
  // Unless git tracks the file: then the key is in the repository, which is said as a warning (once a file).
  // A history status's short look could not search through is neither: the file as asked for, and a note.
  const late = (tracked: StatusJson['envFiles'][number]['tracked']) => tracked !== null && 'late' in tracked;
  const untracked = status.askedFound.flatMap((f, i) => (status.envFiles[i]!.tracked && !late(status.envFiles[i]!.tracked) ? [] : [{ found: f, where: status.envFiles[i]! }]));
  if (untracked.length) term.out(`${m.pending} Also in ${places(untracked.map((u) => u.where))} (${await askedNote(ctx, profileName, untracked.map((u) => u.found))})`);
  const warned = new Set<string>();
  for (const { path, tracked } of status.envFiles) {
    if (!tracked || warned.has(path)) continue;
    warned.add(path);
    term.out(`${late(tracked) ? m.pending : m.warn} ${late(tracked) ? upperFirst(tracked.detail) : tracked.detail}; ${tracked.fix}`);
  }
  // One a replacement left behind: named, with the command that writes the stored key there (once a file).
  for (const { detail, fix } of new Map(status.staleEnvFiles.map((f) => [f.path, f])).values()) term.out(`${m.warn} ${detail}; ${fix}`);
  const leftovers = describeLeftovers(status.leftovers);
  if (leftovers) term.out(`${m.warn} ${leftovers.detail} — ${leftovers.fix}`);
  if (status.adminKey) {
    const admin = status.adminKey;
    const where = admin.storage === 'keychain' ? `in the ${ctx.keys.keychainDescription}` : `in plain text: ${ctx.keys.filePath}`;
    // What rotate and spend would refuse is not shown as an admin key.
    // Not what they use while OPENAI_ADMIN_KEY holds another (said below).
    const use = status.adminKeyEnv.matchesStored === false ? 'not used by rotate and spend while OPENAI_ADMIN_KEY is set' : 'for rotate and spend';
    // What admin-key's check found it cannot serve, said as everywhere else (adminKeyServes).
    if (isAdminKeyHint(admin.hint) && admin.cannot) term.out(`${m.warn} Admin key ${admin.hint} ${where}; it ${adminKeyServes(admin.cannot)}`);
    else if (isAdminKeyHint(admin.hint)) term.out(`${m.ok} Admin key ${admin.hint} ${where} (${use})`);
    else term.out(`${m.fail} What is stored as the admin key (${admin.hint}, ${where}) is not an admin key: ${newer ? `to store yours again, ${afterUpdate(adminKeyCommand(ctx, profileName))}` : `store yours again with \`${adminKeyCommand(ctx, profileName)}\``}`);
  }
  // As OPENAI_API_KEY's row below, in the words spend and rotate use (adminKeyEnv).
  const adminEnv = adminKeyEnv(ctx, status.adminKey?.hint ?? null);
  if (adminEnv.notice) term.out(`${m.warn} ${term.style.yellow(adminEnv.notice)}`);
  else if (adminEnv.set) term.out(`${m.ok} OPENAI_ADMIN_KEY is set: ${adminEnv.hint} (${adminEnv.matchesStored ? 'same as the stored admin key' : 'rotate and spend use it'})`);
  for (const { detail, fix } of status.accountFixes) term.out(`${m.warn} ${detail}: ${fix.replace(/^[RD]/, (c) => c.toLowerCase())}`);
  for (const pending of status.pendingRevokes) {
    const { detail, fix } = pendingRevokeAdvice(ctx, profileName, { keyHint: pending.hint, projectId: pending.project, at: pending.at, interrupted: pending.interrupted || undefined, retried: pending.retried }, status.rotates);
    term.out(`${m.warn} ${detail}: ${fix.replace(/^R/, 'r')}`);
  }
  // Programs send it whole: no key as it is, whether or not the key inside is the stored one.
  if (key.env.around !== null) term.out(`${m.fail} ${heldWithMore('env', key.env.hint!, key.env.around)}`);
  else if (key.env.problem !== null) term.out(`${m.fail} OPENAI_API_KEY is set (${key.env.hint}), but is not a key programs can use: ${key.env.problem}.`);
  // Set but empty: said with its fix (a key kept there by the person has it said under the key's line above).
  else if (key.env.empty !== null && key.storage !== 'env') term.out(`${m.warn} OPENAI_API_KEY is ${key.env.empty.detail}. ${key.env.empty.fix}`);
  else if (key.env.hint !== null) {
    const relation = key.env.matchesStored === false ? term.style.yellow(' — differs from the stored key; programs use this one') : key.env.matchesStored ? ' (it ends like the stored key)' : '';
    term.out(`${key.env.matchesStored === false ? m.warn : m.ok} OPENAI_API_KEY is set: ${key.env.hint}${relation}`);
  }
  const last = status.lastVerify;
  if (last) {
    const where = [last.organization, last.project].filter(Boolean).join(' / ');
    // A check that works without showing the key can spend (rate-limited) is a warning, as doctor has it.
    const unproven = billingNotProven(last, 'then');
    term.out(`${!last.ok ? m.fail : unproven ? m.warn : m.ok} Last check ${when(last.at)}: ${checkLabel(last)} — ${last.message} ${term.style.dim(`(${last.keyHint} from ${last.keySource}${where ? `; ${where}` : ''})`)}`);
    // Its next step (lastCheckNext), billing not proven too.
    if (last.next) term.out(`  ${last.next.fix}`);
  } else if (key.env.hint !== null || key.storage === 'keychain' || key.storage === 'file') {
    term.out(`${m.pending} Never checked: run \`${verifyCommand(ctx, profileName)}\``);
  } else if (key.storage === 'env') {
    // Kept in the person's own shell file, not set here: verify has nothing to check until it is.
    term.out(`${m.pending} Never checked: once OPENAI_API_KEY is set here, run \`${verifyCommand(ctx, profileName)}\``);
  }
  const pending = status.stages.filter((s) => !s.done);
  if (pending.length === 0) return 0;
  const stages = `${pending.length} of 4 stages pending`;
  // Where the person reading this would type the wizard: at a terminal when this run has one on
  // stdin or stdout (`status | less` is read at one), not only when both are (keyPromptWorks).
  const wizardAsks = keyPromptWorks(ctx);
  if (wizardAsks !== 'here' && wizardAsks !== 'alone') {
    // The wizard would ask, and cannot here (it names each stage's command and exits 2): the next
    // stage's command, as the wizard names it here. No keychain probe (status opens none): one
    // known out of reach without asking (no session bus) has the key line keep it in the file.
    const noKeychain = key.storage !== 'keychain' && ctx.keys.keychainUnreachable() !== null;
    const state = await ctx.state.read();
    // The key in OPENAI_API_KEY is the one the last check rejected: never piped in again (as the wizard has it).
    const variableFailed = key.env.hint !== null && last !== null && !last.ok && last.keyHint === key.env.hint && outcomeRow({ status: last.status, reason: null }).route === 'key';
    const next = stageWithoutQuestions(ctx, state, profileName, pending[0]!.id, { insecureStorage: key.storage === 'file', noKeychain, check, variableFailed });
    const what = next.what.charAt(0).toLowerCase() + next.what.slice(1);
    const lead = `${upperFirst(stages)}, and the wizard asks questions, but ${term.whyNoPrompts}. Next, ${what}`;
    term.out(term.style.dim(newer ? `${lead}, ${afterUpdate(next.command)}.` : `${lead}:  ${next.command}`));
    return 0;
  }
  const wizard = `${toolCommand(ctx, '', profileName)}${checkFlags(check)}`;
  if (newer) term.out(term.style.dim(`To continue (${stages}), ${afterUpdate(wizard)}.`));
  else term.out(term.style.dim(`Run \`${wizard}\` to continue (${stages}).`));
  return 0;
}

// `openai-setup rotate`: replace the profile's key without downtime. In the key's project, a new
// service account (and with it a new key) is created, the new key is checked live and stored in
// place of the old one, and only then is the old key revoked: by deleting the service account
// an earlier rotate made for it, or by finding it in the project's key list; a user key (legacy
// sk-, sk-None-), which no project's list holds, is left live with the user's own keys page named. Nothing is lost on
// any failure: each step undoes what came before it, and every failure says where things stand.
// The stored key and the progress file never disagree: a key stored whose record could not be
// written is taken back out (the old key put back) before the new service account is deleted.
import { join } from 'node:path';
import * as z from 'zod/mini';
import { adminAuth } from '../admin-auth.js';
import { ROTATE_NEEDS } from '../api/admin-probe.js';
import { AdminApiError, notAsDocumentedFix } from '../api/admin-failure.js';
import { buildCheckRequest, runCheck } from '../api/check.js';
import { NO_CHECK_FLAGS, otherServer } from '../api/diagnosis.js';
import { findKeyInProject, findServiceAccountsNamed, mayHaveActed, newServiceAccountTag, serviceAccountName } from '../api/rotation.js';
import type { AdminAuth, CheckResult, NewServiceAccount, ProjectKeyInfo, ServiceAccountInfo } from '../api/types.js';
import type { Context } from '../context.js';
import { CancelledError, EXIT, ExitError, failureFields, KeyStoreError, OUTCOME_FIELDS, ReasonedExitError, UsageError } from '../errors.js';
import { isUserKey, keyKind, keyKindLabel, maskKey } from '../keys/format.js';
import { recordCheck } from '../last-check.js';
import { isOfficialBaseURL, PAGES, projectPageUrl } from '../platform.js';
import { adminKeyServesNow, adminKeyUsed, AdminKeyUsedSchema, requireAdminKey } from '../storage/admin-key.js';
import { describeKeychainProblem, keychainHints, KeychainUnavailableError } from '../storage/keychain.js';
import { changeKey, KeyChangeError, reasonOf, StoreChangedSinceError, storedNowWords } from '../storage/key-change.js';
import { LOCK_STALE_MS, lockPathFor, LockBusyError, LockLostError, withFileLock } from '../storage/lock.js';
import { ensurePrivateDir } from '../storage/private-file.js';
import type { PutBack, Storage } from '../storage/keystore.js';
import type { Undo } from '../interrupts.js';
import { staleEnvFile } from '../plaintext/env-command.js';
import { envFileCopies } from '../plaintext/env-files.js';
import { shownPath } from '../plaintext/summary.js';
import { envKeyHeld, judgeStoredKey, profilesSharing, resolveProfileName, sharingNames, sharingSays, sharingWords, storedSource, type SharingProfile } from '../storage/profile-key.js';
import { accountsLeft, MAX_PENDING_ACCOUNTS, MAX_PENDING_REVOKES, type PendingAccount, type PendingRevoke } from '../storage/admin-state.js';
import { profileIn, rememberReplaced, type Profile } from '../storage/state.js';
import { printCheck } from '../terminal/check-report.js';
import { keyCommand, pendingRetried, storeKeyAdvice, toolCommand, verifyCommand } from '../terminal/advice.js';
import { marks, withFailureDocument } from '../terminal/output.js';
import { jsonText, sanitize } from '../terminal/sanitize.js';

export interface RotateOptions {
  profile?: string;
  project?: string;
  keepOld: boolean;
  yes: boolean;
  json: boolean;
}

/** What became of the old key. */
export type OldKeyOutcome =
  | 'none' // there was no old key
  | 'kept' // --keep-old
  | 'service_account_deleted' // an earlier rotate's service account, deleted
  | 'already_gone' // that service account no longer existed
  | 'key_deleted' // found in the project's key list and deleted
  | 'declined' // found, and the person chose to keep it
  | 'not_found' // not in the project's key list
  | 'already_revoked' // not in the project's key list, and the API rejects it: revoked or deleted already
  | 'user_key' // a user key (legacy sk-, sk-None-): no project's key list holds it, so it cannot be revoked here
  | 'ambiguous' // more than one key in the list could be it
  | 'failed' // revoking it failed
  | 'unanswered' // a cancel came while its revocation was asked for, before the API answered: revoked or not, not known
  | 'unchanged'; // the run failed before revoking anything: the message says where the old key is

const OLD_OUTCOMES = ['none', 'kept', 'service_account_deleted', 'already_gone', 'key_deleted', 'declined', 'not_found', 'already_revoked', 'user_key', 'ambiguous', 'failed', 'unanswered', 'unchanged'] as const;

/**
 * The --json contract, on success and on failure alike (ok false, the exit code, a short `reason`,
 * the `message` printed on stderr and its `fix`). `new` is the new service account while any of it
 * exists (null when never made, or deleted again), with where its key is stored (null: nowhere).
 */
export const RotateJsonSchema = z.object({
  ...OUTCOME_FIELDS,
  /** Null when it could not be told (a bad --profile or OPENAI_SETUP_PROFILE). */
  profile: z.nullable(z.string()),
  project: z.nullable(z.string()),
  new: z.nullable(
    z.object({ hint: z.string(), serviceAccountId: z.string(), serviceAccountName: z.string(), keyId: z.string(), storage: z.nullable(z.enum(['keychain', 'file'])) }),
  ),
  old: z.nullable(
    z.object({
      hint: z.nullable(z.string()),
      outcome: z.enum(OLD_OUTCOMES),
      /** Where to revoke it by hand, when it is still live. */
      page: z.nullable(z.string()),
      message: z.string(),
    }),
  ),
  /**
   * Old keys earlier rotates replaced but could not revoke (recorded in the profile): this run tried
   * each again first. `revoked` false: still live, still recorded; `page`, where to revoke it by hand.
   */
  earlierOld: z.array(z.object({ hint: z.string(), project: z.string(), revoked: z.boolean(), page: z.nullable(z.string()), message: z.string() })),
  warnings: z.array(z.string()),
  /** The admin key used: OPENAI_ADMIN_KEY ("env") or the one stored for the profile; null before one was found. */
  adminKey: z.nullable(AdminKeyUsedSchema),
});
export type RotateJson = z.infer<typeof RotateJsonSchema>;

/** What a run has done so far: what --json reports, however the run ends. */
interface Progress {
  project: string | null;
  new: RotateJson['new'];
  old: RotateJson['old'];
  earlierOld: RotateJson['earlierOld'];
  warnings: string[];
  adminKey: RotateJson['adminKey'];
}

/** A failure after something changed: what went wrong, what state things are in, and the code. */
function failure(code: number, what: string, state: string, hints: string[] = [], reason?: string): ExitError {
  const message = `${what.replace(/\.$/, '')}. ${state}`;
  return reason ? new ReasonedExitError(code, message, hints, reason) : new ExitError(code, message, hints);
}

/** Why a request failed, for a parenthesis. */
function whyNot(error: unknown): string {
  return error instanceof ExitError ? error.message.replace(/\.$/, '') : String(error);
}

/** The project recorded for the old key: where an earlier rotate made it, else what its last check saw. */
function recordedProject(profile: Profile | undefined, oldHint: string | null): string | null {
  if (!oldHint) return null;
  if (profile?.rotation?.keyHint === oldHint) return profile.rotation.projectId;
  if (profile?.lastVerify?.keyHint === oldHint && profile.lastVerify.project) return profile.lastVerify.project;
  return null;
}

/**
 * Whether the old key works, said as far as is known: " and works" only when a check of it passed
 * at the OpenAI API, and rotate talks to the OpenAI API; at another server, " and works at HOST",
 * when a check passed there; else nothing (its last check failed, there was none, or it was made
 * at another server). `checkedNow`: this run's check of it (findProject), when one was made; else
 * the last one recorded.
 */
function oldKeyWorks(profile: Profile | undefined, oldHint: string, baseURL: string, checkedNow?: CheckResult): string {
  const last = profile?.lastVerify?.keyHint === oldHint ? profile.lastVerify : undefined;
  const check = checkedNow ? { ok: checkedNow.ok, host: checkedNow.otherHost } : last && { ok: last.ok, host: last.host };
  const official = isOfficialBaseURL(baseURL);
  const here = official ? null : otherServer(baseURL);
  if (check?.ok) {
    if (official && check.host === undefined) return ' and works';
    if (here !== null && check.host === sanitize(here, 200)) return ` and works at ${check.host}`;
  }
  return '';
}

/** The old key left stored as it was, said as far as is known (oldKeyWorks; no full stop): "still stored and works", else "still stored (as it was)". */
const oldKeyKept = (oldHint: string, works: string): string => `${oldHint} is still stored${works || ' (as it was)'}`;

/**
 * The project the new key is made in: --project, else the old key's recorded project, else a check
 * now. `unchanged`: what the --json document says of the old key when that check fails. `insecure`:
 * the key is kept in the --insecure-storage file, or there is no keychain here: a `key` command
 * named stores one there, with --insecure-storage (without it, it would fail here).
 */
async function findProject(
  ctx: Context,
  options: RotateOptions,
  profileName: string,
  profile: Profile | undefined,
  oldKey: string | null,
  unchanged: (message: string) => void,
  warn: (text: string) => void,
  insecure: boolean,
  checked: (check: CheckResult) => void,
): Promise<string> {
  if (options.project) return options.project;
  const recorded = recordedProject(profile, oldKey ? maskKey(oldKey) : null);
  if (recorded) return recorded;
  if (!oldKey) {
    const store = storeKeyAdvice(ctx, profileName, insecure);
    throw new UsageError(`No key is stored for profile "${profileName}", so there is no project to rotate in.`, [
      `Name the project (\`${toolCommand(ctx, 'rotate --project proj_…', profileName)}\`), or store a key first${store.how}:  ${store.command}`,
    ]);
  }
  // Nothing recorded: a check of the key (no billable request) says which project it belongs to.
  const check = await runCheck(ctx, buildCheckRequest(ctx, oldKey, { billingCheck: false, profile: profileName, noCheckFlags: NO_CHECK_FLAGS, insecureStorage: insecure }), { spinner: 'Finding the key’s project (a live check)…', warn });
  checked(check);
  if (check.project) return check.project;
  const hint = maskKey(oldKey);
  const withProject = toolCommand(ctx, 'rotate --project proj_…', profileName);
  if (check.ok) throw new UsageError(`Could not tell which project ${hint} belongs to (the API did not say).`, [`Name it:  ${withProject}`]);
  // The check failed (rejected, not reached, refused): that step's code and reason, as any failing
  // step's; and the old key is not said to work, as it may not.
  unchanged(`${hint} is still stored; nothing was changed.`);
  const fix = [check.fix, check.fixUrl && `→ ${check.fixUrl}`].filter((line): line is string => Boolean(line));
  throw new ReasonedExitError(check.exitCode, `Could not tell which project ${hint} belongs to: ${check.message.replace(/\.$/, '')}. Nothing was changed.`, [...fix, `Or name the project:  ${withProject}`], check.reason ?? check.status);
}

/**
 * `body` as the only rotate of `profile` running on this machine: a second one at the same time
 * would read the same old key and make a second new one, and only one of them can stay stored. It
 * is almost surely a mistake, so it is refused at once, before anything is made; a run that was
 * killed holds the lock no longer than LOCK_STALE_MS (lock.ts).
 */
async function oneRotateAtATime(ctx: Context, profile: string, body: () => Promise<number>): Promise<number> {
  await ensurePrivateDir(ctx.configDir);
  const path = join(ctx.configDir, `rotate-${profile}`);
  let started = false;
  let done: number | undefined;
  try {
    return await withFileLock(
      path,
      async () => {
        started = true;
        return (done = await body());
      },
      0,
    );
  } catch (error) {
    // Lost only once the rotation was over (the run stopped for seconds, say): what it did stands.
    if (error instanceof LockLostError && done !== undefined) return done;
    // Busy once `body` ran is another lock's (state.json's, credentials.json's): that step's failure,
    // said as it is; only this lock's means another rotate.
    if (started || !(error instanceof LockBusyError)) throw error;
    throw new ReasonedExitError(
      EXIT.keyStore,
      `Another \`${toolCommand(ctx, 'rotate', profile)}\` is running (${shownPath(ctx, lockPathFor(path))} is its lock), so this one changed nothing; let that one finish and see what it says (a lock left by a run that was killed is taken over ${LOCK_STALE_MS / 1000} s after it stopped).`,
      [],
      'rotate_running',
    );
  }
}

export async function run(ctx: Context, options: RotateOptions): Promise<number> {
  // Null in the document until the profile is told (a bad --profile or OPENAI_SETUP_PROFILE is a failure too).
  let profileName: string | null = null;
  const progress: Progress = { project: null, new: null, old: null, earlierOld: [], warnings: [], adminKey: null };
  return withFailureDocument(ctx, options.json, async () => {
    const profile = (profileName = await resolveProfileName(ctx, options.profile));
    // Without an admin key nothing is locked: the config dir is made for no run that cannot rotate.
    const found = await requireAdminKey(ctx, profile, 'rotate');
    const { key: adminKey, source } = found;
    // OPENAI_ADMIN_KEY in place of the admin key stored for the profile: said, or a key of another organization is rotated unsaid.
    const { used, notice } = await adminKeyUsed(ctx, profile, found);
    progress.adminKey = used;
    if (notice) ctx.term.err(`${marks(ctx.term.style).warn} ${notice}.`);
    // A fix that stores another admin key stores it where this one is: the file, where there is no keychain.
    const storeFlags = source.kind === 'file' ? '--insecure-storage' : '';
    return oneRotateAtATime(ctx, profile, () => rotate(ctx, options, profile, adminKey, storeFlags, progress));
  }, (failed) => {
    const json: RotateJson = { ...failed, profile: profileName, project: progress.project, new: progress.new, old: progress.old, earlierOld: progress.earlierOld, warnings: progress.warnings, adminKey: progress.adminKey };
    return jsonText(RotateJsonSchema.parse(json));
  });
}

type Marks = ReturnType<typeof marks>;

/** One rotate run: what every step reads, set up before anything is made. */
interface RotateRun {
  ctx: Context;
  term: Context['term'];
  options: RotateOptions;
  profileName: string;
  /** What --json reports, however the run ends. */
  progress: Progress;
  m: Marks;
  /** A step's line: on stdout, or on stderr with --json (whose stdout is the document). */
  say: (text: string) => void;
  /** A warning, said at once and kept for the --json document. */
  warn: (text: string) => void;
  auth: AdminAuth;
  oldKey: string | null;
  /** The old key as it is stored (a line break after it, say): what the store must still hold when the new key replaces it. */
  oldStored: string | null;
  oldHint: string | null;
  /** Where the old key is stored, and so the new one will be. */
  storage: Storage;
  /** The profile as state.json held it when the run began. */
  profile: Profile | undefined;
  /** Where the new key is made. */
  projectId: string;
  /** Where the old key is revoked: its own project, also when --project names another. */
  oldProject: string;
  /** The old key is one an earlier rotate made: revoked by deleting its service account. */
  byRotate: boolean;
  /** Other profiles that store the old key too: revoking it stops it working for them (named, as the other copies are). */
  shared: SharingProfile[];
  /** Old keys earlier rotates could not revoke (the profile's pendingRevokes), each with the other profiles that store a key of its hint. */
  pending: { record: PendingRevoke; shared: SharingProfile[] }[];
  page: string;
  /** Where the old key is revoked by hand: its project's keys page, or for a user key the user's own keys page. */
  oldPage: string;
  /** oldPage as the messages name it: the URL, or for a user key "your user API keys page (URL)". */
  oldWhere: string;
  /**
   * The old key is a user key (legacy sk-, sk-None-): its user's, in every project the user is in,
   * so no project's key list holds it and the Admin API cannot revoke it. The person revokes it.
   */
  oldIsUserKey: boolean;
  /** The old key left as it was, said as far as is known (oldKeyKept; no full stop): null when there is none. */
  oldKept: string | null;
  /** Whether the old key works, as far as is known (oldKeyWorks): " and works", " and works at HOST", or "". */
  oldWorks: string;
  /** The old key, not revoked, and perhaps no longer stored (a key change left unsettled): what is said of it, with the command that tells. */
  mayNoLongerBeStored(): string;
  /** The old key, untouched: what the --json document says of it on a failure before it was revoked. */
  unchanged(message: string): void;
  /** The old key, no longer stored and not revoked (yet): what the --json document says of it then. */
  replaced(): void;
  /** Where things stand once the new key is stored and the old one not revoked: what a cancel from then on says. */
  storedInPlace(newHint: string): string;
  /** The mark of the old key's revocation (revokeMark) says what revoking it deletes: the next rotate can do it. */
  markRetried: boolean;
  /** Old keys an interrupted rotate recorded before it knew their ids: named by revokePending, and forgotten. */
  unrevocable: PendingRevoke[];
  /** Service accounts a killed rotate was creating (the profile's pendingAccounts): deleted first (deleteLeftAccounts). */
  leftAccounts: PendingAccount[];
  /** What follows "was not revoked" (and oldWorks) of the old key left live (`when`: after the advice to revoke it): that another profile still uses it, else to revoke it. */
  leftLive(when?: string): string;
}

/** What the run starts from: the admin key's way to the API, the old key, and the project to rotate in. Nothing is changed yet. */
async function setUp(ctx: Context, options: RotateOptions, profileName: string, adminKey: string, storeFlags: string, progress: Progress): Promise<RotateRun> {
  const { term } = ctx;
  const m = marks(term.style);
  const warn = (text: string) => {
    progress.warnings.push(text);
    term.err(`${m.warn} ${text}`);
  };
  // Before anything is sent: an insecure way to the API is said first (the admin key goes that way).
  // A permission refused names every one rotate needs: given only that one, the next step would fail.
  const auth: AdminAuth = { ...(await adminAuth(ctx, profileName, adminKey, warn, storeFlags)), needs: ROTATE_NEEDS };

  const { stored, keychainError } = await ctx.keys.get(profileName);
  if (!stored && keychainError && keychainError.problem !== 'no-service') {
    throw new KeyStoreError(`${describeKeychainProblem(keychainError, ctx.keys.keychainDescription)} The key of profile "${profileName}" could not be read; nothing was changed.`, keychainHints(keychainError, ctx.keys.keychainDescription));
  }
  if (stored) term.addSecret(stored.key);
  // Judged as every reader of it judges it (judgeStoredKey): a value that is no key is neither
  // sent (the live check that finds its project) nor looked for among the project's keys.
  const judged = stored ? judgeStoredKey(ctx, profileName, stored) : null;
  if (judged?.notAKey) throw new ExitError(EXIT.keyRejected, `${judged.notAKey.message} Nothing was changed.`, judged.notAKey.fixes);
  const oldKey = judged?.key ?? null;
  if (oldKey) term.addSecret(oldKey);
  const oldHint = oldKey ? maskKey(oldKey) : null;
  const unchanged = (message: string) => {
    progress.old = oldHint ? { hint: oldHint, outcome: 'unchanged', page: null, message } : null;
  };
  const profile = (await ctx.state.read()).profiles[profileName];
  // Said of the old key wherever it is left as it was, or left live: from its last check, or this run's (findProject).
  let oldWorks = oldHint ? oldKeyWorks(profile, oldHint, auth.baseURL) : '';
  let oldKept = oldHint && oldKeyKept(oldHint, oldWorks);
  unchanged(`${oldKept}.`);
  const checked = (check: CheckResult) => {
    oldWorks = oldHint ? oldKeyWorks(profile, oldHint, auth.baseURL, check) : '';
    oldKept = oldHint && oldKeyKept(oldHint, oldWorks);
    unchanged(`${oldKept}.`);
  };
  // Without --yes, on a terminal, "Rotate …?" comes next unless the run fails first: from here to
  // it (the live check that finds the project, the keychain reads of the other profiles), what is
  // typed is neither echoed (a key pasted stayed on the screen) nor its answer (an Enter answered
  // it unseen: the key rotated, the old one revoked). Ctrl-C still cancels; a failure drops it.
  if (!options.yes && term.interactive) ctx.prompter('').holdInput('drop');
  const projectId = await findProject(ctx, options, profileName, profile, oldKey, unchanged, warn, stored ? stored.storage === 'file' : keychainError !== null, checked);
  progress.project = projectId;
  const oldProject = recordedProject(profile, oldHint) ?? projectId;
  const oldIsUserKey = oldKey !== null && isUserKey(oldKey);
  const oldPage = oldIsUserKey ? PAGES['user-keys'].url : projectPageUrl(oldProject, 'api-keys');
  const oldWhere = oldIsUserKey ? `your user API keys page (${oldPage})` : oldPage;
  const shared = oldKey ? await profilesSharing(ctx, profileName, oldHint!, async () => oldKey) : [];
  // Not revoked: revoking it is advised only while no other profile uses it (as the question says).
  // The key stored now is never revoked as pending (stored again since, say): step 4 speaks for it.
  // Only its hint is recorded: a profile recorded with that hint may still use it (not compared).
  const pending: RotateRun['pending'] = [];
  for (const record of (profile?.pendingRevokes ?? []).filter((p) => p.keyHint !== oldHint && pendingRetried(p))) {
    pending.push({ record, shared: await profilesSharing(ctx, profileName, record.keyHint, async () => null) });
  }
  const leftLive = (when = '') => (shared.length ? `; ${sharingWords(shared)}` : `: revoke it on ${oldWhere}${when}`);
  const run: RotateRun = {
    ctx,
    term,
    options,
    profileName,
    progress,
    m,
    say: options.json ? term.err : term.out,
    warn,
    auth,
    oldKey,
    oldStored: stored?.key ?? null,
    oldHint,
    storage: stored?.storage ?? 'keychain',
    profile,
    projectId,
    oldProject,
    byRotate: Boolean(oldHint && profile?.rotation?.keyHint === oldHint),
    shared,
    pending,
    unrevocable: (profile?.pendingRevokes ?? []).filter((p) => p.keyHint !== oldHint && !pendingRetried(p)),
    // Not one whose key is the one stored now (a rotate killed as it stored it): that account stays.
    leftAccounts: accountsLeft(profile).filter((a) => !(a.keyHint && a.keyHint === oldHint)),
    page: projectPageUrl(projectId, 'api-keys'),
    oldPage,
    oldWhere,
    oldIsUserKey,
    oldKept,
    oldWorks,
    unchanged,
    replaced: () => {
      if (oldHint) progress.old = { hint: oldHint, outcome: 'unchanged', page: oldPage, message: `${oldHint} is no longer the key stored for profile "${profileName}" but was not revoked${oldWorks}${leftLive(' once nothing uses it')}.` };
    },
    storedInPlace: (newHint) => {
      if (!oldHint) return `${newHint} is stored for profile "${profileName}".`;
      // The mark storeNewKey wrote (revokeMark) names it until the next rotate: said, with what that rotate does.
      const [status, rotate] = [toolCommand(ctx, 'status', profileName), toolCommand(ctx, 'rotate', profileName)];
      // Shared with another profile, the next rotate keeps it recorded rather than revoke it (revokePending).
      const marked = options.keepOld || oldIsUserKey ? '' : shared.length ? ` \`${status}\` names it.` : run.markRetried ? ` The next \`${rotate}\` tries again first; until then \`${status}\` names it.` : ` \`${status}\` names it until the next \`${rotate}\`.`;
      return `${newHint} is stored for profile "${profileName}" in place of ${oldHint}, which was not revoked${oldWorks}${leftLive()}.${marked}`;
    },
    markRetried: Boolean(oldHint && profile?.rotation?.keyHint === oldHint),
    leftLive,
    mayNoLongerBeStored: () => `${oldHint} was not revoked${oldWorks}, but may no longer be stored: \`${verifyCommand(ctx, profileName)}\` says which key is stored.`,
  };
  return run;
}

/** Asked, unless --yes. Declined: says nothing was changed (with --json, in its document too), and is false. */
async function confirmed(run: RotateRun): Promise<boolean> {
  const { ctx, options, profileName, oldHint, oldProject, projectId, progress, shared, oldIsUserKey } = run;
  // A user key is not revoked by the run (it cannot be): said in the question, and nothing of what revoking it does.
  const revoking = !options.keepOld && !oldIsUserKey;
  // Another profile storing the old key is named before anything is revoked: in the question, or (--yes) at once.
  const alsoUsed = shared.length && revoking ? `${sharingSays(shared, 'uses', 'use')} it too, and it stops working there as well` : '';
  if (options.yes) {
    if (alsoUsed) run.warn(`${oldHint} is to be revoked, but ${alsoUsed}.`);
    return true;
  }
  const prompter = ctx.prompter('Pass --yes to rotate without asking.');
  // Programs already running hold the old key (read when they started): revoking it cuts them off
  // until they are restarted. Said before the question, with the way to keep it live meanwhile.
  if (oldHint && revoking) {
    run.say(`Programs already running with ${oldHint} (started with \`${toolCommand(ctx, 'run', profileName)}\` before now, or given it otherwise) lose access once it is revoked, until they are restarted; --keep-old leaves it live.`);
  }
  const what = oldHint
    ? `Rotate the key of profile "${profileName}" (${oldHint}${oldProject === projectId || oldIsUserKey ? '' : `, of ${oldProject}`}) in ${projectId}: a new service account's key replaces it, then it is ${options.keepOld ? 'left live (--keep-old)' : oldIsUserKey ? 'left live (a user key: revoke it yourself on your user API keys page)' : 'revoked'}${alsoUsed ? ` (${alsoUsed})` : ''}?`
    : `Create a service account in ${projectId} and store its key for profile "${profileName}"?`;
  // The old keys earlier rotates could not revoke, which this run revokes first: named too.
  const earlier = options.keepOld ? [] : run.pending.filter((p) => !p.shared.length).map((p) => p.record.keyHint);
  const also = earlier.length ? `; ${earlier.length === 1 ? `${earlier[0]}, which an earlier rotate replaced but could not revoke, is` : `${earlier.slice(0, -1).join(', ')} and ${earlier.at(-1)}, which earlier rotates replaced but could not revoke, are`} revoked first?` : '?';
  if (await prompter.confirm(what.replace(/\?$/, also), true)) return true;
  run.say('Nothing was changed.');
  if (options.json) {
    const json: RotateJson = { ok: true, exitCode: EXIT.ok, reason: 'declined', message: 'Nothing was changed.', fix: null, profile: profileName, project: projectId, new: null, old: progress.old, earlierOld: progress.earlierOld, warnings: progress.warnings, adminKey: progress.adminKey };
    run.term.document(jsonText(RotateJsonSchema.parse(json)));
  }
  return false;
}

/** How a cancel or a failure's undo went, in a line: the mark and what it says. */
interface Said {
  mark: string;
  state: string;
  /** The account is not in the organization (never made, or deleted again): its record is for clearing. */
  gone?: true;
}

/**
 * The new service account, from the moment it is asked for until its key is stored and recorded:
 * what a failure and a cancel alike read of it, and how they take it back.
 */
interface NewAccount {
  /** The name asked for: this run's alone (serviceAccountName). */
  name: string;
  creating: Promise<NewServiceAccount>;
  /** The account, once the create was answered with it. */
  made: NewServiceAccount | null;
  /** Whether the create made the account, once it is answered (`answered` then set, and `error` when it failed). */
  createdOk: Promise<boolean>;
  answered: boolean;
  error: unknown;
  /** Deletes the account made again, once whoever asks (a failure, or a cancel); says how that went, for the failure's message. */
  undo(): Promise<string>;
  /** Set once undo() deleted the account (progress.new says nothing when the create was answered after a cancel). */
  deletedAgain: boolean;
  /** After a create that may have made the account all the same: looks for it and deletes it, once (lookForLostAccount). */
  rescue(): Promise<Said>;
  /** What follows the undo's words: `; <old> is still stored and works.` (oldKeyKept), or `.`. */
  keptOld: string;
  /** The key change (step 3), once it began: a section, which a cancel waits for. */
  storing: Promise<unknown> | null;
  /** The new key was handed to the store: only then may it be the stored one. */
  keyTouched: boolean;
  /** Takes the cancel's undo of step 1 off: the new key is stored, or its account is to stay. */
  noUndoOnCancel(): void;
}

/** The account step 1 made, with its key. */
type CreatedAccount = NewAccount & { created: NewServiceAccount; key: string; hint: string };

/** Step 1: a new service account, and its key (shown by the API this once). */
async function createAccount(run: RotateRun): Promise<CreatedAccount> {
  const { ctx, term, m, profileName, progress } = run;
  const name = serviceAccountName(profileName, ctx.clock.now(), newServiceAccountTag());
  // Nothing is created in the organization that this run could not record. From here on every
  // step goes through ctx.interrupts.step(): once a cancel came, none starts (nothing is made
  // that the cancel would not take back; no request, no store while the undo runs).
  await ctx.interrupts.step(() => ctx.state.assertChangeable());
  await ctx.interrupts.step(() => canRead(run));
  // Recorded before it is asked for: a run killed from here on (no undo runs) leaves it named for
  // status and the next rotate, which deletes it (its key is stored nowhere).
  await ctx.interrupts.step(() => recordCreating(run, name));
  const spinner = term.spinner(`Creating the service account ${name}…`);
  const account = askForAccount(run, name);
  const created = await ctx.interrupts
    .step(() => account.creating)
    .finally(() => spinner.stop())
    .catch(async (error: unknown) => {
      throw await createFailed(run, account, error);
    });
  await ctx.interrupts.step(() => recordMade(run, name, created));
  const key = created.key.value;
  if (key) term.addSecret(key);
  const hint = key ? maskKey(key) : '(none)';
  progress.new = { hint, serviceAccountId: created.id, serviceAccountName: created.name, keyId: created.key.id, storage: null };
  if (!key) {
    // An answer not as the Admin API documents it (a key comes with the account unless asked not
    // to), said as any such answer is (unreadableAnswer): exit 6, server_error. The account goes again.
    throw failure(
      EXIT.network,
      `Creating a service account in ${run.projectId} failed: the API answered with the service account ${created.name} but without its key, not as the Admin API documents its answer`,
      `${await account.undo()}${account.keptOld}`,
      [notAsDocumentedFix(run.auth)],
      'server_error',
    );
  }
  run.say(`${m.ok} Created the service account ${created.name} and its key ${hint}`);
  return Object.assign(account, { created, key, hint });
}

/**
 * Before anything is made: the admin key reads what the steps after the create need (the old key's
 * project, whose key list step 4 revokes it from; else the project a failed create is looked for in). A key that may create but not read would otherwise store a new
 * key and leave the old one live. A failure here changed nothing, and says so.
 */
async function canRead(run: RotateRun): Promise<void> {
  const { ctx, auth, options, oldKey, oldKept, oldProject, projectId, byRotate, profile } = run;
  const listsOldKey = oldKey !== null && !options.keepOld && !run.oldIsUserKey && !(byRotate && profile?.rotation);
  try {
    // One page of one: the same permission (api.management.read) lists a project's keys and its service accounts.
    await ctx.api.admin.listServiceAccounts(auth, listsOldKey ? oldProject : projectId, { limit: 1 });
  } catch (error) {
    if (!(error instanceof AdminApiError)) throw error;
    throw failure(error.code, error.message, `Nothing was changed${oldKept ? `: ${oldKept}` : ''}.`, error.hints, error.kind);
  }
}

/** Sends the create of the account named `name`; a cancel takes it back from now on (cancelUndo). */
function askForAccount(run: RotateRun, name: string): NewAccount {
  const { ctx, auth, projectId, page, progress } = run;
  // In the --json document as soon as it is answered: a cancel meanwhile stops the body short of createAccount's own record of it.
  const creating = ctx.api.admin.createServiceAccount(auth, projectId, name).then((made) => {
    if (made.key.value) ctx.term.addSecret(made.key.value);
    progress.new = { hint: made.key.value ? maskKey(made.key.value) : '(none)', serviceAccountId: made.id, serviceAccountName: made.name, keyId: made.key.id, storage: null };
    return (account.made = made);
  });
  let undone: Promise<string> | undefined;
  let rescued: Promise<Said> | undefined;
  const account: NewAccount = {
    name,
    creating,
    made: null,
    createdOk: creating.then(
      () => {
        account.answered = true;
        return true;
      },
      (error: unknown) => {
        account.answered = true;
        account.error = error;
        return false;
      },
    ),
    answered: false,
    error: undefined,
    undo: async () => {
      const said = await (undone ??= creating.then(async (created) => {
        try {
          const deleted = await deleteAccount(run, projectId, created.id);
          progress.new = null;
          account.deletedAgain = true;
          return deleted === 'gone' ? `The new service account ${created.name} is gone already (the API no longer has it)` : `The new service account ${created.name} was deleted again`;
        } catch (error) {
          return `The new service account ${created.name} (${created.id}) could NOT be deleted (${whyNot(error)}): delete it on ${page}`;
        }
      }));
      if (account.deletedAgain) await forgetCreating(run, name);
      return said;
    },
    deletedAgain: false,
    rescue: async () => {
      const said = await (rescued ??= lookForLostAccount(run, name));
      if (said.gone) await forgetCreating(run, name);
      return said;
    },
    keptOld: run.oldKept ? `; ${run.oldKept}.` : '.',
    storing: null,
    keyTouched: false,
    noUndoOnCancel: () => {},
  };
  account.noUndoOnCancel = ctx.interrupts.onCancel(cancelUndo(run, account));
  return account;
}

/**
 * A cancel (Ctrl-C, SIGTERM) from the create until the new key is stored and recorded takes step 1
 * back as a failure does. The create under way is waited for (the account it makes must go too); a
 * key change under way is waited for by the signal itself, and what it did decides.
 */
function cancelUndo(run: RotateRun, account: NewAccount): Undo {
  const { ctx, m, profileName, projectId, page, oldHint } = run;
  const { name, keptOld } = account;
  /** What the key change came to: stored, put back, or not known (the store could not be put back). */
  let storeOutcome: 'stored' | 'back' | 'unknown' | null = null;
  const left = () => {
    const { made } = account;
    // Left with the key change unsettled: the --json document says of the old key what this line does.
    if (made && account.keyTouched && storeOutcome !== 'back') run.unchanged(run.mayNoLongerBeStored());
    return !made
      ? `The service account ${name} may have been created in ${projectId}: if ${page} lists it, delete it there${keptOld}`
      : account.keyTouched && storeOutcome !== 'back'
        ? `The new service account ${made.name} was left in ${projectId}, as its key may be the one stored for profile "${profileName}" now: \`${verifyCommand(ctx, profileName)}\` says which; if it is not, delete the account on ${page}.`
        : `The new service account ${made.name} (${made.id}) was left in ${projectId}: delete it on ${page}${keptOld}`;
  };
  return {
    run: async (starting) => {
      // Before any key change, the account goes. A create still unanswered is waited for, said as a
      // wait: only its answer tells whether there is an account to delete. After a key change, what
      // it did decides: said only once known, as a key stored stays.
      if (!account.answered) starting(`Waiting for the answer to the creation of the service account ${name}, to delete it again`);
      if (!(await account.createdOk)) {
        if (!(account.error instanceof AdminApiError && mayHaveActed(account.error))) {
          await forgetCreating(run, name, true);
          return `${m.ok} The service account ${name} was not created, so nothing was changed${keptOld}`;
        }
        starting(`Looking for the service account ${name} in ${projectId}, as the failed create may have made it, to delete it`);
        const { mark, state, gone } = await account.rescue();
        // Said to be forgotten by rescue() only outside a cancel's undo (forgetCreating): here, it is the undo's own.
        if (gone) await forgetCreating(run, name, true);
        return `${mark} ${state}`;
      }
      if (account.storing) {
        // A failure other than a KeyChangeError comes only once the key was stored and recorded (changeKey).
        storeOutcome = await account.storing.then(
          () => 'stored' as const,
          (error: unknown) => (!(error instanceof KeyChangeError) ? 'stored' : mayHoldNewKey(error) ? 'unknown' : 'back'),
        );
      }
      // The --json document says what the key change came to, as the line does.
      if (storeOutcome === 'stored') {
        run.progress.new = run.progress.new && { ...run.progress.new, storage: run.storage };
        run.replaced();
        return `${oldHint ? m.warn : m.ok} ${run.storedInPlace(maskKey(account.made!.key.value))}`;
      }
      if (storeOutcome === 'unknown') {
        run.unchanged(run.mayNoLongerBeStored());
        return `${m.warn} ${left()}`;
      }
      starting(`Deleting the new service account ${name} again`);
      const line = `${await account.undo()}${keptOld}`;
      if (account.deletedAgain) await forgetCreating(run, name, true);
      return `${account.deletedAgain ? m.ok : m.fail} ${line}`;
    },
    left,
  };
}

/** The failure of step 1: nothing was changed, or, when the create may have made the account all the same, what came of looking for it. */
async function createFailed(run: RotateRun, account: NewAccount, error: unknown): Promise<unknown> {
  if (!(error instanceof ExitError)) return error;
  const { ctx, term, oldKept, projectId } = run;
  const reason = error instanceof AdminApiError ? error.kind : undefined;
  if (error instanceof AdminApiError && mayHaveActed(error)) {
    const looking = term.spinner(`Looking for the service account ${account.name} in ${projectId}…`);
    const { state } = await ctx.interrupts.step(() => account.rescue()).finally(() => looking.stop());
    return failure(error.code, error.message, state, error.hints, reason);
  }
  await forgetCreating(run, account.name);
  return failure(error.code, error.message, `Nothing was changed${oldKept ? `: ${oldKept}` : ''}.`, error.hints, reason);
}

/**
 * A create that failed so that it may have made the account all the same (mayHaveActed: no
 * answer, or a server error), with a key that never reached this run: the account is looked for
 * by its name (this run's alone) and deleted. Says what came of it, with the mark of a cancel's line.
 */
async function lookForLostAccount(run: RotateRun, name: string): Promise<Said> {
  const { ctx, m, auth, projectId, page, progress } = run;
  const stillStored = run.oldKept ? ` ${run.oldKept}.` : '';
  let found: ServiceAccountInfo[];
  try {
    found = await findServiceAccountsNamed(ctx.api.admin, auth, projectId, name);
  } catch (error) {
    return {
      mark: m.warn,
      state: `The service account ${name} may have been created all the same, with a key that never reached openai-setup, and looking for it failed (${whyNot(error)}): if ${page} lists it, delete it there.${stillStored}`,
    };
  }
  if (!found.length) {
    return { gone: true, mark: m.warn, state: `${projectId}'s service accounts do not include ${name} (looked up just now), so it seems it was not created; if ${page} lists it later, delete it there.${stillStored}` };
  }
  const made = `The service account ${name} was created all the same, with a key that never reached openai-setup`;
  for (const account of found) {
    try {
      await deleteAccount(run, projectId, account.id);
    } catch (error) {
      progress.new = { hint: '(none)', serviceAccountId: account.id, serviceAccountName: name, keyId: '', storage: null };
      return { mark: m.fail, state: `${made} (${account.id}), and it could NOT be deleted (${whyNot(error)}): delete it on ${page}.${stillStored}` };
    }
  }
  return { gone: true, mark: m.ok, state: `${made}: it was deleted again, so nothing was changed.${stillStored}` };
}

/**
 * Deletes a service account this run made (the undo of step 1, the look for a lost one). One the
 * API answers it does not have (HTTP 404) is gone already, which is what deleting it was for:
 * 'gone', never a failure to delete it; its project was just written to, so a 404 cannot be for
 * that. Any other failure is thrown. An old key's revocation judges a 404 more closely (revokeTarget).
 */
async function deleteAccount(run: RotateRun, projectId: string, id: string): Promise<'deleted' | 'gone'> {
  try {
    await run.ctx.api.admin.deleteServiceAccount(run.auth, projectId, id);
    return 'deleted';
  } catch (error) {
    if (error instanceof AdminApiError && error.kind === 'not_found') return 'gone';
    throw error;
  }
}

/**
 * Any other failure after step 1, before the new key is stored: step 1 is undone and the failure
 * says so. One the tool names (an ExitError) keeps its code, reason and hints; anything else is a bug.
 */
async function undoneFailure(account: NewAccount, error: unknown, doing: string): Promise<ExitError> {
  const state = `${await account.undo()}${account.keptOld}`;
  if (error instanceof ExitError) return failure(error.code, `${doing} failed: ${error.message}`, state, error.hints, failureFields(error).reason);
  const detail = error instanceof Error ? error.message : String(error);
  return failure(EXIT.internal, `${doing} failed unexpectedly (a bug in openai-setup; please report it): ${detail}`, state, [], 'internal');
}

/**
 * Step 2: the new key is checked live (no billable request), in the right project. rotate takes none
 * of the live-check flags, and no other command checks this key (it is stored only once it works).
 */
async function checkNewKey(run: RotateRun, account: CreatedAccount): Promise<CheckResult> {
  const { ctx, term, m, options, profileName, projectId } = run;
  let check: CheckResult;
  try {
    check = await ctx.interrupts.step(() => runCheck(ctx, buildCheckRequest(ctx, account.key, { billingCheck: false, profile: profileName, noCheckFlags: NO_CHECK_FLAGS, insecureStorage: run.storage === 'file' }), { spinner: 'Checking the new key with a live call…', warn: run.warn }));
  } catch (error) {
    throw await undoneFailure(account, error, 'Checking the new key');
  }
  const wrongProject = check.ok && check.project && check.project !== projectId ? check.project : null;
  if (!check.ok || wrongProject) {
    if (!options.json) printCheck(term, account.key, { kind: 'flag', label: 'the new service account' }, check, term.err);
    const why = wrongProject ? `The new key answered for ${wrongProject}, not ${projectId}` : `The new key failed its check: ${check.message}`;
    // The check's fix is the document's too (on a terminal the checklist above said it).
    const fix = options.json && !wrongProject ? [check.fix, check.fixUrl && `→ ${check.fixUrl}`].filter((line) => line !== null) : [];
    throw failure(wrongProject ? EXIT.forbidden : check.exitCode, why, `Nothing was stored. ${await account.undo()}${account.keptOld}`, fix, wrongProject ? 'new_key_wrong_project' : 'new_key_check_failed');
  }
  run.say(`${m.ok} The new key works (${check.project ?? projectId})`);
  return check;
}

/** Step 3 under way: where the key goes, and what another run left stored, if it did. */
interface StoreAttempt {
  /** The keychain or the file, as said. */
  where: string;
  /**
   * What another run left stored for the profile, found just before the new key was to replace the
   * old one (storedNowWords). Unset while the store still held the old key.
   */
  storedByOther?: ReturnType<typeof storedNowWords>;
}

/**
 * Step 3: stored in place of the old key (where the old one was kept), read back, and recorded, as
 * one step (key-change.ts): a failure at any point puts the old key back (or, with none, takes the
 * new one out) before the new service account is deleted; when that cannot be done, the new
 * account stays (the stored key may be its key) and the message says exactly where things stand.
 */
async function storeNewKey(run: RotateRun, account: CreatedAccount, check: CheckResult): Promise<Revocation> {
  const { ctx, m, profileName, progress, oldStored, oldHint, projectId, storage } = run;
  const { created, key: newKey, hint: newHint } = account;
  const attempt: StoreAttempt = { where: storage === 'keychain' ? `the ${ctx.keys.keychainDescription}` : ctx.keys.filePath };
  try {
    // `storing` is set only once the key change began: a section, which a cancel waits for.
    await ctx.interrupts.step(() => (account.storing = changeKey(
      ctx,
      profileName,
      async () => {
        // Another run may have stored a key since this one read the old key: writing over it would
        // lose that key unsaid (a platform key is shown only once). The store is read as get() reads
        // it: the keychain first, then the file.
        const found = await ctx.keys.find(profileName).catch(() => null);
        if ((found?.stored?.key ?? null) !== oldStored) {
          // A keychain that no longer answers (locked since the run began, say) is a keychain
          // failure like a write's, not a key another run stored: nothing is written, the old key
          // stays where it was, and the fix is the keychain's.
          if (found?.keychainError && found.keychainError.problem !== 'no-service') throw found.keychainError;
          const storedByOther = (attempt.storedByOther = storedNowWords(ctx, profileName, found));
          const { now } = storedByOther;
          throw new KeyStoreError(
            now === undefined
              ? `the key stored for profile "${profileName}" could not be read just before the new key was to replace it, so the new key was not stored`
              : `the key stored for profile "${profileName}" changed while rotate ran (it is now ${now?.hint ?? 'none'}; another run ${now ? 'stored' : 'removed'} it), so the new key was not stored over it`,
          );
        }
        account.keyTouched = true;
        await ctx.keys.set(profileName, newKey, storage === 'file');
        // Read back from the keychain: the old key is revoked below, so the new one must really be there.
        if (storage === 'keychain' && (await ctx.keys.get(profileName)).stored?.key !== newKey) {
          throw new KeychainUnavailableError('failed', 'the key read back is not the one just stored');
        }
      },
      (state) => {
        const p = profileIn(state, profileName);
        p.key = { storage, hint: newHint, savedAt: ctx.clock.now().toISOString() };
        p.stages.key ??= { doneAt: ctx.clock.now().toISOString() };
        // Ids only, never the key: the next rotate revokes this key by deleting this account.
        p.rotation = { at: ctx.clock.now().toISOString(), projectId, serviceAccountId: created.id, serviceAccountName: created.name, keyId: created.key.id, keyHint: newHint };
        // Its key stored and recorded: the account is no longer one a killed run left (recordCreating).
        withoutCreating(p, account.name);
        // The old key, as this profile's earlier one (env --file names it so); revoked, once it is (report).
        rememberReplaced(p, oldHint ? [oldHint] : [], 'rotate', ctx.clock.now().toISOString(), newHint);
        // The old key, to be revoked next: marked as a revoke this run has not done, with the new
        // key's record (one write), so that a run stopped before step 4 ends (Ctrl-C, killed)
        // leaves it named for status and the next rotate; step 4's end clears it (settleMark).
        const mark = revokeMark(run);
        if (mark) p.pendingRevokes = [...(p.pendingRevokes ?? []).filter((r) => r.keyHint !== oldHint), mark].slice(-MAX_PENDING_REVOKES);
      },
    )));
  } catch (error) {
    if (!(error instanceof KeyChangeError)) throw storedAnyway(run, account, attempt, error);
    if (error.putBack === 'overtaken') throw await storeOvertaken(run, account, attempt, error);
    const cause = error.failure;
    const foreseen = cause instanceof ExitError || cause instanceof KeychainUnavailableError;
    const why = reasonOf(ctx, cause);
    if (error.step === 'record') {
      // Stored, but the progress file would go on naming the old key (and not know the new
      // account): the two must agree, so the store went back as it was.
      throw await storeFailure(run, account, attempt, foreseen ? error.code : EXIT.internal, `Recording the new key in ${ctx.state.path} failed: ${why}`, cause instanceof ExitError ? 'record_failed' : 'internal', error.putBack);
    }
    if (!foreseen) throw await storeFailure(run, account, attempt, EXIT.internal, `Storing the new key failed unexpectedly (a bug in openai-setup; please report it): ${why}`, 'internal', error.putBack);
    const hints = cause instanceof KeychainUnavailableError ? keychainHints(cause, ctx.keys.keychainDescription) : error.hints;
    throw await storeFailure(run, account, attempt, EXIT.keyStore, `Storing the new key failed: ${why}`, 'store_failed', error.putBack, hints);
  }
  account.noUndoOnCancel();
  progress.new = { hint: newHint, serviceAccountId: created.id, serviceAccountName: created.name, keyId: created.key.id, storage };
  run.replaced();
  const revocation = revocationOnCancel(run, newHint);
  // Nor is the old key revoked once a cancel came (each request is a step): the run's output is
  // silenced by then, so that would go unsaid; the cancel's line says it was not.
  await ctx.interrupts.step(() => recordCheck(ctx, profileName, newKey, storedSource(storage, profileName), check));
  run.say(`${m.ok} Stored ${newHint} in ${attempt.where}${oldHint ? ` in place of ${oldHint}` : ''}`);
  return revocation;
}

/**
 * The store may hold the new key after a failed key change: it could not be put back, or another
 * run changed the store after it was stored and what it holds now could not be read.
 */
function mayHoldNewKey(error: KeyChangeError): boolean {
  return error.putBack === 'failed' || (error.putBack === 'overtaken' && (!(error.failure instanceof StoreChangedSinceError) || error.failure.now === undefined));
}

/**
 * The new key was stored, and before it could be recorded (state.json's lock lost meanwhile)
 * another run stored another key or removed it (key-change.ts: that run's key and record stand).
 * The new key is stored nowhere now, so its service account goes again, as when the store is put
 * back; the old key is not revoked (this run no longer speaks for what is stored), and where it
 * stands is said. When what is stored now could not be read, the new key may still be it: its
 * account stays, with how to find out.
 */
async function storeOvertaken(run: RotateRun, account: CreatedAccount, attempt: StoreAttempt, error: KeyChangeError): Promise<ExitError> {
  const { ctx, profileName, progress, oldHint, oldStored, projectId, page } = run;
  const { created, hint: newHint } = account;
  progress.new = progress.new && { ...progress.new, storage: null };
  if (mayHoldNewKey(error)) {
    account.noUndoOnCancel();
    if (oldHint) run.unchanged(run.mayNoLongerBeStored());
    return failure(
      error.code,
      error.message,
      `The new service account ${created.name} was left in ${projectId}, as its key ${newHint} may be the one stored.${oldHint ? ` ${oldHint} was not revoked${run.oldWorks}.` : ''}`,
      [`Once ${attempt.where} can be read, \`${toolCommand(ctx, 'doctor', profileName)}\` says which key is stored and records it: if it is not ${newHint}, delete the service account ${created.name} on ${page}.`],
      'store_failed',
    );
  }
  const now = (error.failure as StoreChangedSinceError).now;
  let old = '';
  if (oldHint && now?.key === oldStored) {
    old = ` ${oldHint}, which this run started from, is stored again (another run stored it); it was not revoked${run.oldWorks}.`;
    run.unchanged(`${oldHint} is stored again (another run stored it)${run.oldWorks}.`);
  } else if (oldHint) {
    old = ` ${oldHint}, which this run started from, is no longer the key stored for profile "${profileName}"; it was not revoked${run.oldWorks}${run.leftLive(' once nothing uses it')}.`;
    run.replaced();
  }
  return failure(error.code, error.message, `${newHint} is stored nowhere now. ${await account.undo()}.${old}`, [], 'store_failed');
}

/** The failure of step 3, the store back as it was if it could be (`back`); `hints`: the cause's fix, once things are as they were. */
async function storeFailure(run: RotateRun, account: CreatedAccount, attempt: StoreAttempt, code: number, what: string, reason: string, back: PutBack, hints: string[] = []): Promise<ExitError> {
  const { ctx, profileName, progress, oldHint, storage, page, oldWhere } = run;
  const { created, hint: newHint } = account;
  const { where, storedByOther } = attempt;
  if (back !== 'failed') {
    progress.new = progress.new && { ...progress.new, storage: null };
    const taken = back === 'untouched' ? 'Nothing was stored.' : `${newHint} was taken out of ${where} again${oldHint ? ` and ${oldHint} put back` : ''}.`;
    if (storedByOther) {
      // The old key is no longer this run's to speak for: another run replaced (and may have revoked) it.
      const { now } = storedByOther;
      const started = oldHint ? `${oldHint}, which this run started from, ${now === undefined ? 'may no longer be' : 'is no longer'} the stored key (this run did not revoke it).` : '';
      const stands = now ? `${now.hint} stays stored; ${started}` : now === null ? `No key is stored for profile "${profileName}" now; ${started}` : `What is stored for profile "${profileName}" now could not be read; ${started}`;
      run.unchanged(started || stands);
      return failure(code, what, `${taken} ${await account.undo()}. ${stands.replace(/; $/, '.')}`, storedByOther.hints, reason);
    }
    return failure(code, what, `${taken} ${await account.undo()}${account.keptOld}`, hints, reason);
  }
  // The store may hold the new key: its service account must stay, so that the key keeps working.
  run.unchanged(run.mayNoLongerBeStored());
  const check = verifyCommand(ctx, profileName);
  return failure(
    code,
    what,
    `The key stored for profile "${profileName}" could not be put back as it was: ${where} may hold the new key ${newHint} or ${oldHint ? `the old key ${oldHint}` : 'none'}. Both keys still work; the new service account ${created.name} was left in place.`,
    [
      `Once ${where} can be used again, \`${check}\` says which key is stored:`,
      `if it is ${newHint}, store it again to record it (${toolCommand(ctx, 'token', profileName)} | ${keyCommand(ctx, profileName)} --stdin${storage === 'file' ? ' --insecure-storage' : ''})${oldHint ? ` and revoke ${oldHint} on ${oldWhere}` : ''};`,
      oldHint ? `if it is ${oldHint}, delete the service account ${created.name} on ${page}.` : `if there is none, delete the service account ${created.name} on ${page}.`,
    ],
    reason,
  );
}

/**
 * changeKey fails other than with a KeyChangeError only once the key was stored and recorded
 * (state.json's lock was lost only then): the new key is the stored one, so its service account
 * stays; nothing is revoked, as another run may have changed the store meanwhile.
 */
function storedAnyway(run: RotateRun, account: CreatedAccount, attempt: StoreAttempt, error: unknown): ExitError {
  const { ctx, profileName, progress, oldHint, storage } = run;
  account.noUndoOnCancel();
  progress.new = progress.new && { ...progress.new, storage };
  const revokeOld = `${oldHint} was not revoked${run.oldWorks}${run.leftLive(' once nothing uses it')}.`;
  run.replaced();
  const { exitCode, reason, message } = failureFields(error);
  const hints = [...(error instanceof ExitError ? error.hints : []), `\`${verifyCommand(ctx, profileName)}\` checks the key stored for profile "${profileName}" now.`];
  return failure(exitCode, message, `${account.hint} was stored in ${attempt.where}${oldHint ? ` in place of ${oldHint}` : ''}, so the new service account ${account.created.name} was kept.${oldHint ? ` ${revokeOld}` : ''}`, hints, reason);
}

/** Step 4's requests as a cancel sees them, once the new key is stored and recorded. */
interface Revocation {
  /** A request revoking the old key, as a step, resolving with what it came to (one answered that the key is gone already resolves: revokeTarget). */
  revoke(request: () => Promise<OldKeyResult>): Promise<OldKeyResult>;
  /** Takes the cancel's line off: the run says where things stand itself from then on. */
  done(): void;
}

/**
 * Stored and recorded: from here a cancel leaves the new key as it is, and says so, with where
 * the old key stands (the run's own lines are silenced by then): not revoked, unless a request
 * of step 4 under way is answered that it is.
 */
function revocationOnCancel(run: RotateRun, newHint: string): Revocation {
  const { ctx, m, profileName, progress, oldHint, oldPage, oldWhere } = run;
  /** What the revoke request under way (step 4) came to: its result once the old key is revoked, else null. */
  let revoking: Promise<OldKeyResult | null> | null = null;
  const done = ctx.interrupts.onCancel({
    run: async (starting) => {
      if (revoking) {
        starting(`Waiting for the answer to the revocation of ${oldHint}`);
        const revoked = await revoking;
        if (revoked) {
          progress.old = { hint: oldHint, outcome: revoked.outcome, page: null, message: revoked.message };
          await settleMark(run);
          return `${m.ok} ${newHint} is stored for profile "${profileName}" in place of ${oldHint}, which was revoked.`;
        }
        // Refused or failed: not revoked, as before it was asked for.
        run.replaced();
      }
      return `${oldHint ? m.warn : m.ok} ${run.storedInPlace(newHint)}`;
    },
    left: () =>
      revoking
        ? `${newHint} is stored for profile "${profileName}" in place of ${oldHint}, whose revocation was asked for but not answered: if ${oldWhere} still lists it, revoke it there.`
        : run.storedInPlace(newHint),
  });
  return {
    revoke: (request) =>
      ctx.interrupts.step(() => {
        const sent = request();
        // Until it is answered, revoked or not is not known: what the --json document of a run left meanwhile says.
        progress.old = { hint: oldHint, outcome: 'unanswered', page: oldPage, message: `${oldHint}'s revocation was asked for but not answered: if ${oldWhere} still lists it, revoke it there.` };
        revoking = sent.then(
          (result) => result,
          () => null,
        );
        return sent;
      }),
    done,
  };
}

/** What became of the old key (step 4): its outcome and line, and the run's exit code and reason. */
interface OldKeyResult {
  outcome: OldKeyOutcome;
  message: string;
  exitCode: number;
  reason: string | null;
  /** A revocation that failed: what revoking it deletes, for the profile's record of it (rememberPending). */
  pending?: PendingTarget;
}

/** What revoking a key left live deletes: the service account an earlier rotate made for it, or the key by its id in the project's list. */
type PendingTarget = Pick<PendingRevoke, 'projectId' | 'keyId' | 'serviceAccountId' | 'serviceAccountName'>;

const oldKeyResult = (outcome: OldKeyOutcome, message: string): OldKeyResult => ({ outcome, message, exitCode: EXIT.ok, reason: null });
const revokeFailed = (error: AdminApiError, message: string, pending?: PendingTarget): OldKeyResult => ({ outcome: 'failed', message, exitCode: error.code, reason: error.kind, ...(pending ? { pending } : {}) });

/** Step 4, only now: the old key is revoked. */
async function revokeOldKey(run: RotateRun, account: CreatedAccount, revocation: Revocation): Promise<OldKeyResult> {
  const { options, oldKey, oldHint, oldWhere, byRotate, profile } = run;
  if (!oldKey) return oldKeyResult('none', 'There was no old key.');
  if (options.keepOld) return oldKeyResult('kept', `${oldHint} still works (--keep-old): revoke it on ${oldWhere} once nothing uses it.`);
  // Not looked for in the project's key list, which never holds a user key: the person revokes it.
  if (run.oldIsUserKey) {
    return oldKeyResult('user_key', `${oldHint} is a ${keyKindLabel(keyKind(oldKey))}, which no project's key list holds, so openai-setup cannot revoke it${run.leftLive(' once nothing uses it')}.`);
  }
  if (byRotate && profile?.rotation) return revokeRotated(run, profile.rotation, revocation);
  return revokeListed(run, oldKey, account, revocation);
}

/** The old key an earlier rotate made: revoked by deleting its service account. */
async function revokeRotated(run: RotateRun, previous: NonNullable<Profile['rotation']>, revocation: Revocation): Promise<OldKeyResult> {
  const { oldHint, oldWhere } = run;
  const target: PendingTarget = { projectId: previous.projectId, keyId: null, serviceAccountId: previous.serviceAccountId, serviceAccountName: previous.serviceAccountName };
  try {
    // Gone already only on a 404 for the account itself, as for a pending revoke (revokeTarget):
    // one for its project (an admin key of another organization) leaves the key live.
    return await revocation.revoke(async () =>
      (await revokeTarget(run, target)) === 'gone'
        ? oldKeyResult('already_gone', `${oldHint}'s service account ${previous.serviceAccountName} was already deleted.`)
        : oldKeyResult('service_account_deleted', `Revoked ${oldHint}: deleted its service account ${previous.serviceAccountName}.`),
    );
  } catch (error) {
    if (!(error instanceof AdminApiError)) throw error;
    return revokeFailed(error, `${oldHint} could NOT be revoked (${error.message.replace(/\.$/, '')}): delete the service account ${previous.serviceAccountName} on ${oldWhere}.${elsewhereWords(error, previous.projectId)}`, target);
  }
}

/** Any other old key: found in its project's key list by its redacted value, and deleted (asked first, unless --yes). */
async function revokeListed(run: RotateRun, oldKey: string, account: CreatedAccount, revocation: Revocation): Promise<OldKeyResult> {
  const { ctx, options, auth, oldHint, oldProject, oldWhere, shared } = run;
  let candidates: ProjectKeyInfo[];
  try {
    candidates = await ctx.interrupts.step(() => findKeyInProject(ctx.api.admin, auth, oldProject, oldKey, account.created.key.id));
  } catch (error) {
    if (!(error instanceof AdminApiError)) throw error;
    return revokeFailed(error, `${oldHint} could NOT be revoked (${error.message.replace(/\.$/, '')}): revoke it on ${oldWhere}.`);
  }
  // Not listed: a key revoked already (on the page, by another run) is not to be revoked again; a live check (nothing billable) tells.
  if (candidates.length === 0 && (await rejectedNow(run, oldKey))) {
    return oldKeyResult('already_revoked', `${oldHint} is not in ${oldProject}'s key list, and the API rejects it (checked just now): it was revoked or deleted already, so there was nothing to revoke.`);
  }
  if (candidates.length !== 1) {
    return candidates.length === 0
      ? oldKeyResult('not_found', `${oldHint} is not in ${oldProject}'s key list: revoke it yourself on ${oldWhere} (or the page of the project it belongs to).`)
      : oldKeyResult('ambiguous', `${candidates.length} keys in ${oldProject} could be ${oldHint} (${candidates.map((c) => `"${c.name ?? c.id}"`).join(', ')}): revoke the right one on ${oldWhere}.`);
  }
  const target = candidates[0]!;
  await ctx.interrupts.step(() => markTarget(run, target.id));
  const made = target.createdAt ? `, created ${new Date(target.createdAt * 1000).toISOString().slice(0, 10)}` : '';
  const label = `"${target.name ?? target.id}" (${oldHint}${made}${target.owner.name ? `, owned by ${target.owner.name}` : ''})`;
  const sure =
    options.yes ||
    (await ctx.prompter('Pass --yes to delete it without asking.')
      .confirm(`Delete the old key ${label} from ${oldProject}? It stops working at once${shared.length ? `, for ${sharingNames(shared)} too` : ''}: programs already running with it lose access until restarted.`, true)
      .catch((error: unknown) => {
        // Ctrl-C at the question: a cancel like any other, saying where things stand.
        throw error instanceof CancelledError ? failure(EXIT.cancelled, 'Cancelled', run.storedInPlace(account.hint), [], 'cancelled') : error;
      }));
  if (!sure) return oldKeyResult('declined', `${oldHint} was left live: revoke it on ${oldWhere} once nothing uses it.`);
  try {
    return await revocation.revoke(async () => {
      await ctx.api.admin.deleteProjectKey(auth, oldProject, target.id);
      return oldKeyResult('key_deleted', `Revoked ${oldHint}: deleted the key ${label.replace(/ \(.*\)$/, '')} from ${oldProject}.`);
    });
  } catch (error) {
    if (!(error instanceof AdminApiError)) throw error;
    const saKey = target.owner.type === 'service_account' ? ` It belongs to the service account ${target.owner.name ?? target.owner.id}; the API may only delete such a key with its account.` : '';
    return revokeFailed(error, `${oldHint} could NOT be revoked (${error.message.replace(/\.$/, '')}).${saKey} Revoke it on ${oldWhere}.`, { projectId: oldProject, keyId: target.id, serviceAccountId: null, serviceAccountName: null });
  }
}

/** Does the API reject `key` now (a live check, nothing billable)? Any other answer, or none, is not a rejection. */
async function rejectedNow(run: RotateRun, key: string): Promise<boolean> {
  const { ctx, profileName } = run;
  try {
    const check = await ctx.interrupts.step(() =>
      runCheck(ctx, buildCheckRequest(ctx, key, { billingCheck: false, profile: profileName, noCheckFlags: NO_CHECK_FLAGS, insecureStorage: run.storage === 'file' }), { spinner: 'Checking the old key with a live call…', warn: run.warn }),
    );
    return !check.ok && check.status === 'invalid_key';
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    return false;
  }
}

/** How the run ended: the old key's line, what still holds the old key, the summary, and with --json the document. */
async function report(run: RotateRun, revocation: Revocation, old: OldKeyResult): Promise<number> {
  const { ctx, term, m, options, profileName, progress, oldKey, oldHint, oldPage, projectId } = run;
  const { outcome, exitCode } = old;
  // Not revoked, and no longer stored: recorded (in place of the mark), so that status and doctor name it and the next rotate tries again.
  if (outcome === 'failed' && old.pending) old.message += await rememberPending(run, old.pending);
  else await settleMark(run);
  const live = ['kept', 'declined', 'not_found', 'user_key', 'ambiguous', 'failed'].includes(outcome);
  const revoked = outcome === 'service_account_deleted' || outcome === 'key_deleted' || outcome === 'already_gone' || outcome === 'already_revoked';
  progress.old = { hint: oldHint, outcome, page: live ? oldPage : null, message: old.message };
  if (revoked) await rememberRevoked(run);
  // Said below by the run itself.
  revocation.done();
  const runLine = toolCommand(ctx, 'run', profileName);
  // Said with --json too (on stderr, as every step is): a log that keeps only stderr must show the old key is still live.
  run.say(`${revoked ? m.ok : outcome === 'failed' ? m.fail : outcome === 'none' ? m.pending : m.warn} ${old.message}`);
  // Said once it is true: the old key in this shell stops working only when it was revoked.
  // Also with whitespace or quotes around it (envKeyHeld): the old key all the same.
  if (oldKey && envKeyHeld(ctx)?.key === oldKey) {
    run.warn(
      revoked
        ? `OPENAI_API_KEY in this shell is the old key, which no longer works: unset it and start programs with \`${runLine}\`.`
        : `OPENAI_API_KEY in this shell is the old key, which still works until it is revoked: unset it and start programs with \`${runLine}\` to use the new one.`,
    );
  }
  // Files `env --file` wrote the key into, as the person asked, still hold the old one: each is
  // named with the command that writes the new key there (nothing is changed in them here).
  const stale = oldKey ? await envFileCopies(ctx, profileName, oldKey) : [];
  for (const path of new Set(stale.map((f) => f.path))) {
    const { detail, fix } = await staleEnvFile(ctx, profileName, path, oldHint!, { justReplaced: true, revoked });
    run.warn(`${detail}; ${fix}`);
  }
  // So do other profiles that store the old key: each with the command that gives it the new one.
  for (const other of run.shared) {
    const give = `${toolCommand(ctx, 'token', profileName)} | ${keyCommand(ctx, other.name)} --stdin${other.storage === 'file' ? ' --insecure-storage' : ''}`;
    run.warn(`Profile "${other.name}" ${other.sure ? 'still stores' : 'may still store'} the old key ${oldHint}, which ${revoked ? 'no longer works' : 'still works until it is revoked'}; to give it the new key too:  ${give}`);
  }
  // Programs already running read the old key when they started: they keep it, whatever is stored.
  const running = !oldKey
    ? ''
    : revoked
      ? `; ones already running with the old key lost access when it was revoked and must be restarted (next time, \`${toolCommand(ctx, 'rotate', profileName)} --keep-old\` leaves the old key live until you revoke it)`
      : '; ones already running with the old key keep it until it is revoked: restart them before you revoke it';
  const summary = `${outcome === 'failed' ? 'The new key is stored and works.' : 'Rotated.'} Programs started with \`${runLine}\` get the new key from now on${running}.`;
  if (options.json) term.err(summary);
  else term.say(summary);
  if (options.json) {
    const json: RotateJson = {
      ok: exitCode === EXIT.ok,
      exitCode,
      reason: outcome === 'failed' ? old.reason : null,
      message: outcome === 'failed' ? old.message : summary,
      fix: null,
      profile: profileName,
      project: projectId,
      new: progress.new,
      old: progress.old,
      earlierOld: progress.earlierOld,
      warnings: progress.warnings,
      adminKey: progress.adminKey,
    };
    term.document(jsonText(RotateJsonSchema.parse(json)));
  }
  return exitCode;
}

/**
 * The old key, revoked: so recorded among the profile's earlier keys (rememberReplaced), for
 * `env --file` to say so when it replaces it in a file. Bookkeeping for that wording only: a record
 * that could not be written leaves the key named as one to revoke, so it is not warned of.
 */
async function rememberRevoked(run: RotateRun): Promise<void> {
  const { ctx, profileName, oldHint } = run;
  await ctx.state
    .updateProfile(profileName, (p) => {
      for (const r of p.replacedKeys ?? []) if (r.keyHint === oldHint && r.by === 'rotate') r.revoked = true;
    })
    .catch((error: unknown) => {
      if (!(error instanceof KeyStoreError)) throw error;
    });
}

/**
 * An old key step 4 could not revoke (its DELETE failed): recorded in the profile (its hint, project
 * and what revoking it deletes; never the key), under state.json's lock like every change of it.
 * Says what follows of it, for the old key's line; a record that could not be written is warned of.
 */
async function rememberPending(run: RotateRun, target: PendingTarget): Promise<string> {
  const { ctx, profileName, oldHint } = run;
  try {
    await ctx.state.updateProfile(profileName, (p) => {
      const others = (p.pendingRevokes ?? []).filter((r) => r.keyHint !== oldHint);
      p.pendingRevokes = [...others, { at: ctx.clock.now().toISOString(), keyHint: oldHint!, ...target }].slice(-MAX_PENDING_REVOKES);
    });
  } catch (error) {
    run.warn(`${oldHint}, still live, could not be recorded for the next rotate to revoke (${reasonOf(ctx, error)}): revoke it yourself on ${run.oldWhere}.`);
    return '';
  }
  return ` The next \`${toolCommand(ctx, 'rotate', profileName)}\` tries again first; until then \`${toolCommand(ctx, 'status', profileName)}\` names it.`;
}

/**
 * The mark of the old key's revocation not yet done (storeNewKey writes it with the new key's
 * record): what revoking it deletes, as far as known before step 4 (an earlier rotate's service
 * account; a key's id only once found in its project's list, markTarget). Null when this run
 * does not revoke it (--keep-old, a user key, none).
 */
function revokeMark(run: RotateRun): PendingRevoke | null {
  const { ctx, options, oldHint, oldProject, byRotate, profile, oldIsUserKey } = run;
  if (!oldHint || options.keepOld || oldIsUserKey) return null;
  const rotation = byRotate ? profile?.rotation : undefined;
  return {
    at: ctx.clock.now().toISOString(),
    keyHint: oldHint,
    projectId: rotation?.projectId ?? oldProject,
    keyId: null,
    serviceAccountId: rotation?.serviceAccountId ?? null,
    serviceAccountName: rotation?.serviceAccountName ?? null,
    interrupted: true,
  };
}

/** The mark of this run's revocation (revokeMark), as the profile holds it. */
const isMarkOf = (run: RotateRun) => (r: PendingRevoke) => r.interrupted === true && r.keyHint === run.oldHint;

/**
 * The old key found in its project's list (step 4, before it is deleted): its id in the mark, so
 * that the next rotate can revoke it if this one is stopped now. A record that could not be
 * written leaves the mark without it (the next rotate then says to revoke it by hand).
 */
async function markTarget(run: RotateRun, keyId: string): Promise<void> {
  await run.ctx.state
    .updateProfile(run.profileName, (p) => {
      for (const r of p.pendingRevokes ?? []) if (isMarkOf(run)(r)) r.keyId = keyId;
    })
    .then(() => void (run.markRetried = true))
    .catch((error: unknown) => {
      if (!(error instanceof KeyStoreError)) throw error;
    });
}

/**
 * Step 4 ended (or a cancel's undo knows how it ended): the mark of the revocation not done is
 * cleared; a revocation that failed is recorded in its place (rememberPending). Not written, it
 * stays, and the next rotate tries again (and finds the key gone, if it was revoked).
 */
async function settleMark(run: RotateRun): Promise<void> {
  if (!revokeMark(run)) return;
  await run.ctx.state
    .updateProfile(run.profileName, (p) => {
      const left = (p.pendingRevokes ?? []).filter((r) => !isMarkOf(run)(r));
      if (left.length) p.pendingRevokes = left;
      else delete p.pendingRevokes;
    })
    .catch((error: unknown) => {
      if (!(error instanceof KeyStoreError)) throw error;
    });
}

/**
 * A 404 for the key or service account itself (deleted by hand meanwhile): gone already. One for
 * its project (the admin key may be for another organization), or one that does not say, is not.
 */
function goneItself(error: AdminApiError, id: string): boolean {
  if (error.kind !== 'not_found' || !error.apiMessage || /\bproject\b/i.test(error.apiMessage)) return false;
  return error.apiMessage.includes(id) || /service[ _]account|api[ _]key/i.test(error.apiMessage);
}

/**
 * Revokes a key left live by deleting what `target` names: its service account, else the key by
 * its id in its project's list. 'gone' when the API answers it has no such account or key
 * (goneItself); any other failure, a 404 for the project among them, is thrown. One judgement for
 * the old key of this run (step 4, a rotated key) and for those earlier rotates left (revokePending).
 */
async function revokeTarget(run: RotateRun, target: PendingTarget): Promise<'deleted' | 'gone'> {
  const { ctx, auth } = run;
  try {
    if (target.serviceAccountId) await ctx.api.admin.deleteServiceAccount(auth, target.projectId, target.serviceAccountId);
    else await ctx.api.admin.deleteProjectKey(auth, target.projectId, target.keyId!);
    return 'deleted';
  } catch (error) {
    if (error instanceof AdminApiError && goneItself(error, target.serviceAccountId ?? target.keyId!)) return 'gone';
    throw error;
  }
}

/** After a revoke that failed with a 404 not for the key itself (revokeTarget): why that may be, as a sentence; else nothing. */
const elsewhereWords = (error: AdminApiError, projectId: string): string => (error.kind === 'not_found' ? ` The admin key may be for another organization than ${projectId}.` : '');

/** Where a key recorded as not revoked is revoked by hand: its project's keys page. */
const pendingPage = (pending: PendingRevoke) => projectPageUrl(pending.projectId, 'api-keys');

/** What revoking a recorded key deletes, in words: "its service account NAME", "the key ID". */
const pendingTargetWords = (pending: PendingRevoke) => (pending.serviceAccountId ? `its service account ${pending.serviceAccountName ?? pending.serviceAccountId}` : `the key ${pending.keyId} from ${pending.projectId}`);

/** The profile without the record of the service account named `name` (recordCreating). */
function withoutCreating(p: Profile, name: string): void {
  const left = (p.pendingAccounts ?? []).filter((a) => a.serviceAccountName !== name);
  if (left.length) p.pendingAccounts = left;
  else delete p.pendingAccounts;
}

/**
 * Step 1, before the create is sent: the service account about to be made (its name, this run's
 * alone, and project; never a key), recorded under state.json's lock, so that a run killed before
 * its key is stored leaves it named. Nothing is created that could not be recorded: a failure to
 * write it fails the run, nothing changed.
 */
async function recordCreating(run: RotateRun, name: string): Promise<void> {
  const { ctx, profileName, projectId, oldKept } = run;
  try {
    await ctx.state.updateProfile(profileName, (p) => {
      p.pendingAccounts = [...(p.pendingAccounts ?? []).filter((a) => a.serviceAccountName !== name), { at: ctx.clock.now().toISOString(), projectId, serviceAccountName: name, serviceAccountId: null, keyHint: null }].slice(-MAX_PENDING_ACCOUNTS);
    });
  } catch (error) {
    if (!(error instanceof ExitError)) throw error;
    throw failure(error.code, `Recording the service account ${name} before creating it failed: ${reasonOf(ctx, error)}`, `Nothing was changed${oldKept ? `: ${oldKept}` : ''}.`, error.hints, failureFields(error).reason ?? 'record_failed');
  }
}

/**
 * The create answered: the account's id and its key's hint added to its record (never the key). Not
 * written, the record still names it, by the name the next rotate finds it by.
 */
async function recordMade(run: RotateRun, name: string, made: NewServiceAccount): Promise<void> {
  const { id, key } = made;
  await run.ctx.state
    .updateProfile(run.profileName, (p) => {
      for (const a of p.pendingAccounts ?? []) {
        if (a.serviceAccountName !== name) continue;
        if (/^[A-Za-z0-9_-]{1,128}$/.test(id)) a.serviceAccountId = id;
        if (key.value) a.keyHint = maskKey(key.value);
      }
    })
    // Whatever kept it from being written, the create's answer stands: the account is this run's, to store or undo.
    .catch(() => {});
}

/**
 * The account named `name` is deleted, or was never made: its record is cleared. Not written, it
 * stays, and the next rotate finds the account gone and forgets it, said once. Once the run is
 * leaving, only a cancel's undo (`inUndo`) writes: a write the body starts then would never end.
 */
async function forgetCreating(run: RotateRun, name: string, inUndo = false): Promise<void> {
  if (run.ctx.interrupts.leaving && !inUndo) return;
  await run.ctx.state.updateProfile(run.profileName, (p) => withoutCreating(p, name)).catch((error: unknown) => {
    if (!(error instanceof KeyStoreError)) throw error;
  });
}

/**
 * Before anything else is changed: the service accounts a rotate killed before it stored their key
 * left recorded (recordCreating) are looked for by name in their project and deleted, each said:
 * each holds a key stored nowhere. One not found was never made (the create did not reach the API):
 * said once, and forgotten. One whose look-up or delete fails stays recorded, with its page.
 */
async function deleteLeftAccounts(run: RotateRun): Promise<void> {
  const { ctx, m, auth, profileName } = run;
  // Records of accounts whose key is the one stored (a run killed as it stored it) are not for deleting: dropped unsaid.
  const kept = new Set(run.leftAccounts.map((a) => a.serviceAccountName));
  if ((run.profile?.pendingAccounts ?? []).some((a) => !kept.has(a.serviceAccountName))) {
    await ctx.state
      .updateProfile(profileName, (p) => {
        const left = (p.pendingAccounts ?? []).filter((a) => kept.has(a.serviceAccountName));
        if (left.length) p.pendingAccounts = left;
        else delete p.pendingAccounts;
      })
      .catch((error: unknown) => {
        if (!(error instanceof KeyStoreError)) throw error;
      });
  }
  for (const record of run.leftAccounts) {
    const { serviceAccountName: name, projectId } = record;
    const page = projectPageUrl(projectId, 'api-keys');
    const when = record.at.slice(0, 10);
    let message: string;
    try {
      const found = await ctx.interrupts.step(() => findServiceAccountsNamed(ctx.api.admin, auth, projectId, name));
      for (const account of found) await ctx.interrupts.step(() => deleteAccount(run, projectId, account.id));
      message = found.length
        ? `Deleted the service account ${name} (${projectId}), which a rotate stopped on ${when} made without storing its key.`
        : `The service account ${name}, which a rotate stopped on ${when} was creating, is not among ${projectId}'s service accounts (looked up just now): it was not created, and is no longer recorded.`;
    } catch (error) {
      if (!(error instanceof AdminApiError)) throw error;
      run.warn(`The service account ${name} (${projectId}), which a rotate stopped on ${when} may have made without storing its key, could NOT be deleted (${error.message.replace(/\.$/, '')}): delete it on ${page}; the next rotate tries again.`);
      continue;
    }
    run.say(`${m.ok} ${message}`);
    await forgetCreating(run, name);
  }
}

/**
 * Before anything else is changed: the old keys earlier rotates replaced but could not revoke
 * (recorded in the profile) are revoked now, each said; one revoked, or gone already (HTTP 404), is
 * forgotten. One that fails again stays recorded and is warned of, with its page; the run goes on.
 */
async function revokePending(run: RotateRun): Promise<void> {
  const { ctx, m, profileName, progress, options } = run;
  // Recorded by a rotate stopped before it found the key in its project's list (or edited since): no id to revoke it by. Said once, and forgotten.
  for (const record of run.unrevocable) {
    const page = pendingPage(record);
    const message = `${record.keyHint}, which an interrupted rotate replaced on ${record.at.slice(0, 10)}, was not revoked, and openai-setup cannot revoke it (that rotate was stopped before it found the key's id): revoke it on ${page} once nothing uses it; it is no longer recorded.`;
    progress.earlierOld.push({ hint: record.keyHint, project: record.projectId, revoked: false, page, message });
    run.warn(message);
    try {
      await ctx.state.updateProfile(profileName, (p) => {
        const left = (p.pendingRevokes ?? []).filter((r) => !(r.keyHint === record.keyHint && r.projectId === record.projectId && !pendingRetried(r)));
        if (left.length) p.pendingRevokes = left;
        else delete p.pendingRevokes;
      });
    } catch (error) {
      run.warn(`That ${record.keyHint} is no longer to be named could not be recorded (${reasonOf(ctx, error)}): status names it until the next rotate.`);
    }
  }
  for (const { record, shared } of run.pending) {
    const page = pendingPage(record);
    const earlier = `${record.keyHint}, which an earlier rotate replaced but ${record.interrupted ? 'did not revoke (it was interrupted)' : 'could not revoke'}`;
    // Not revoked, and still recorded (status and doctor name it): left live, as the question said.
    const leftLive = (message: string) => {
      progress.earlierOld.push({ hint: record.keyHint, project: record.projectId, revoked: false, page, message });
      run.warn(message);
    };
    if (options.keepOld) {
      leftLive(`${earlier}, was left live (--keep-old): revoke it on ${page} once nothing uses it; it stays recorded.`);
      continue;
    }
    if (shared.length) {
      leftLive(`${earlier}, was not revoked: ${sharingWords(shared)}. Revoke it on ${page} once nothing uses it; it stays recorded.`);
      continue;
    }
    let gone: boolean;
    try {
      gone = (await ctx.interrupts.step(() => revokeTarget(run, record))) === 'gone';
    } catch (error) {
      if (!(error instanceof AdminApiError)) throw error;
      const message = `${earlier}, still could NOT be revoked (${error.message.replace(/\.$/, '')}): revoke it on ${page}; the next rotate tries again.${elsewhereWords(error, record.projectId)}`;
      progress.earlierOld.push({ hint: record.keyHint, project: record.projectId, revoked: false, page, message });
      run.warn(message);
      continue;
    }
    const message = gone ? `${earlier}, is gone already (the API no longer has ${pendingTargetWords(record)}).` : `Revoked ${earlier}: deleted ${pendingTargetWords(record)}.`;
    progress.earlierOld.push({ hint: record.keyHint, project: record.projectId, revoked: true, page: null, message });
    run.say(`${m.ok} ${message}`);
    try {
      await ctx.state.updateProfile(profileName, (p) => {
        const left = (p.pendingRevokes ?? []).filter((r) => !(r.keyHint === record.keyHint && r.projectId === record.projectId && r.keyId === record.keyId && r.serviceAccountId === record.serviceAccountId));
        if (left.length) p.pendingRevokes = left;
        else delete p.pendingRevokes;
      });
    } catch (error) {
      run.warn(`That ${record.keyHint} was revoked could not be recorded (${reasonOf(ctx, error)}): the next rotate tries again, and finds it gone.`);
    }
  }
}

async function rotate(ctx: Context, options: RotateOptions, profileName: string, adminKey: string, storeFlags: string, progress: Progress): Promise<number> {
  const run = await setUp(ctx, options, profileName, adminKey, storeFlags, progress);
  if (!(await confirmed(run))) return EXIT.ok;
  if (!options.json) ctx.term.out(ctx.term.style.bold(`openai-setup rotate · profile ${profileName} · ${run.projectId}`));
  // 0. Service accounts a killed rotate left with a key stored nowhere, and old keys earlier rotates
  // could not revoke: deleted and revoked first, each said.
  await deleteLeftAccounts(run);
  await revokePending(run);
  // 1. A new service account, and its key; from here until it is stored, a failure or a cancel deletes it again.
  const account = await createAccount(run);
  // 2. The new key is checked live, in the right project.
  const check = await checkNewKey(run, account);
  // 3. Stored in place of the old key and recorded; from here a cancel leaves it stored, and says so.
  const revocation = await storeNewKey(run, account, check);
  // 4. Only now: the old key is revoked.
  const old = await revokeOldKey(run, account, revocation);
  // The admin key read and wrote what rotate needs: a record of it lacking a permission for rotate is forgotten.
  await adminKeyServesNow(ctx, profileName, adminKey, 'rotate');
  return report(run, revocation, old);
}

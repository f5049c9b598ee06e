// `openai-setup import`: find OpenAI keys kept in plain text (shell startup files, other tools'
// files, a project's .env files, the environment) and move them into the keychain: store a key
// for the profile, then replace each plaintext line of it with one that asks openai-setup for it
// (or, in a .env file, remove it). Other tools' files are only explained, never edited. A copy in
// a file `env --file` wrote for the profile is where the person asked for it: listed as that, kept
// (unless --store names its line with --rewrite) and not counted. Exit 0 when no plaintext copy
// is left where it looks, 8 when one is, so CI can check a machine.
import { execFile } from 'node:child_process';
import { adminKeyServes } from '../storage/admin-state.js';
import { realpath } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import * as z from 'zod/mini';
import { adminAuth } from '../admin-auth.js';
import { AdminApiError } from '../api/admin-failure.js';
import { cannotServe, probeAdminKey, type AdminProbe } from '../api/admin-probe.js';
import { buildCheckRequest, malformedKeyResult, otherHostNoticeOnce, runCheck, transportWarningsOnce } from '../api/check.js';
import { NO_CHECK_FLAGS } from '../api/diagnosis.js';
import { billingNotProven } from '../api/verdict.js';
import { outcomeRow } from '../api/status.js';
import type { CheckResult } from '../api/types.js';
import { currentDir, type Context } from '../context.js';
import { EXIT, ExitError, FAILURE_FIELDS, failureFields, KeyStoreError, ReasonedExitError, UsageError } from '../errors.js';
import { adminKeyProblem, keyKind, keyKindLabel, maskKey, otherServiceName } from '../keys/format.js';
import { redactedExcerpt } from '../keys/redact.js';
import { recordCheck } from '../last-check.js';
import { baseURLOrigin, PAGES, resolveBaseURL } from '../platform.js';
import { toolAdvice, TOOL_NAMES } from '../plaintext/advice.js';
import { appendLine } from '../keys/dotenv.js';
import { byHand, planEdit, reloadHint, replaceLine, shellPath, splitLines, type EditPlan } from '../plaintext/edit.js';
import { asFileText, FileKeptError, FileReadError, readFound, readText, rewriteFile } from '../plaintext/files.js';
import { decodeFishEscapes } from '../plaintext/find.js';
import { messageAt } from '../terminal/check-report.js';
import { asWritten, shellExportLine, shellWord, type ShellKind } from '../terminal/shell.js';
import { adviceScope, afterFirst, elsewhereCommand, keyPromptWorks, lastingBareProfile, storeAdminKeyAdvice, toolCommand, type AdviceScope } from '../terminal/advice.js';
import { runCommand, selfCommand, tokenCommand, type SelfCommand } from '../terminal/invocation.js';
import { npxAskedFor } from '../terminal/npx-spec.js';
import type { Place } from '../plaintext/places.js';
import { askedFor } from '../plaintext/env-files.js';
import { askedNote, trackedEnvFile } from '../plaintext/env-command.js';
import { followLines, scanPlaces, unreachableDir, type Finding, type ScanResult } from '../plaintext/scan.js';
import { fileErrorCode } from '../storage/errno-words.js';
import { homeOf, type Home } from '../storage/home.js';
import { homeWhy, shellDirsOf } from '../storage/paths.js';
import { describeFileError } from '../storage/read-file.js';
import { leftoverKeyFiles, placesOf, shownPath } from '../plaintext/summary.js';
import { adminAccount, adminKeyNeedsFile, storedNotAnAdminKey } from '../storage/admin-key.js';
import { changeKey, KeyChangeError, keyChangeFailure, keyFileUnusable } from '../storage/key-change.js';
import { ConfigStoreError } from '../storage/private-file.js';
import { replaceKeyRecord, sayReplaced, type Replaced } from '../stages/replaced.js';
import { describeKeychainProblem, keychainFix, keychainHints, keychainOutOfReach, KeychainUnavailableError } from '../storage/keychain.js';
import { judgeStoredKey, profilesSharing, resolveProfileName, sharingNames, storedSource, type SharingProfile } from '../storage/profile-key.js';
import { profileIn, type Profile } from '../storage/state.js';
import { CURSORLESS_TERMINAL, marks, withFailureDocument } from '../terminal/output.js';
import { jsonText, MAX_UNTRUSTED_LENGTH, shownValue, upperFirst } from '../terminal/sanitize.js';

export interface ImportOptions {
  profile?: string;
  /** A live check of each distinct key found (no billable request). */
  check: boolean;
  json: boolean;
  /** `PATH:LINE`: store the key found there (the one move without a terminal). */
  store?: string;
  /** With --store: also replace (or remove) that plaintext line. */
  rewrite: boolean;
  yes: boolean;
}

/** What import needs from the system besides Context, so that tests can stand in for it. */
export interface ImportDeps {
  places(ctx: Context): Place[];
  /** Runs `fish -c script`: fish itself erases a universal variable (running shells then forget it too). */
  fish(script: string): Promise<{ ok: boolean; missing: boolean; detail: string }>;
}

export function defaultDeps(): ImportDeps {
  return {
    places: placesOf,
    fish: (script) =>
      new Promise((done) => {
        // Not --no-config: with it fish leaves universal variables alone.
        execFile('fish', ['-c', script], { timeout: 10_000 }, (error, _stdout, stderr) => {
          const code = (error as NodeJS.ErrnoException | null)?.code;
          done({ ok: !error, missing: code === 'ENOENT', detail: String(stderr || error?.message || '').trim() });
        });
      }),
  };
}

export const ImportJsonSchema = z.object({
  profile: z.string(),
  looked: z.number(),
  findings: z.array(
    z.object({
      path: z.string(),
      line: z.number(),
      place: z.string(),
      tool: z.nullable(z.string()),
      hint: z.string(),
      kind: z.string(),
      variable: z.nullable(z.string()),
      stored: z.boolean(),
      storedAdmin: z.boolean(),
      /** Other profiles that store this key as theirs (compared by the key itself; by its hint where theirs could not be read): storing it here gives one key to both. */
      storedFor: z.array(z.string()),
      /** In a file `env --file` wrote for a profile whose key it is, as asked: kept, not in plaintextLeft (only --store naming it with --rewrite moves it). */
      envFile: z.boolean(),
      /**
       * Such a file (envFile) that git tracks: the key is in the repository. The warning (`detail`)
       * and its `fix` as the text says them; `command` the fix's `git rm --cached … && … env --file
       * … --gitignore` that takes the file out of git. Null otherwise.
       */
      tracked: z.nullable(z.object({ detail: z.string(), fix: z.string(), command: z.nullable(z.string()) })),
      action: z.enum(['rewrite', 'remove', 'fish-erase', 'manual']),
      advice: z.nullable(z.string()),
      check: z.nullable(z.object({ ok: z.boolean(), status: z.string(), message: z.string() })),
    }),
  ),
  environment: z.array(z.object({ variable: z.string(), hint: z.string(), stored: z.boolean(), storedFor: z.array(z.string()) })),
  moved: z.array(z.object({ path: z.string(), line: z.number(), action: z.string() })),
  /**
   * Files found but not looked in (not counted in `looked`), and the home directory once, as `~`,
   * when its places were not looked in: no home directory known (HOME unset or not an absolute
   * path) or one that cannot be opened. A reader can tell a partial scan from a clean one.
   */
  skipped: z.array(z.object({ path: z.string(), why: z.string() })),
  /**
   * The key file (--insecure-storage) could not be read (damaged, not to be trusted…), so a
   * finding's `stored` (the key: `key`) or `storedAdmin` (`admin`) false means "not known": why, and
   * the fix. Null when what is stored was read.
   */
  storedNotKnown: z.nullable(z.object({ key: z.boolean(), admin: z.boolean(), why: z.string(), fix: z.string() })),
  /** Copies left that import would move (those with envFile true are not counted). */
  plaintextLeft: z.number(),
  exitCode: z.number(),
});
export type ImportJson = z.infer<typeof ImportJsonSchema>;

/** `works`: what a working admin key serves, as the text says it (adminKeyServes); absent for any other key. */
type CheckOutcome = { ok: boolean; status: string; message: string; works?: string };

export async function run(ctx: Context, options: ImportOptions): Promise<number> {
  return runImport(ctx, options, defaultDeps());
}

/**
 * --json when import fails before its answer (a bad --store, no --yes, a key refused or not stored,
 * a signal): as verify's, with the profile when told, and `stored`, the key this run stored (its
 * hint; `admin` when as the admin key) before it ended, else null.
 */
export const ImportFailureJsonSchema = z.object({
  ...FAILURE_FIELDS,
  profile: z.nullable(z.string()),
  stored: z.nullable(z.object({ hint: z.string(), admin: z.boolean() })),
});

/** What a run has done so far, for the document of a run that fails (or is left on a signal). */
interface Told {
  profile: string | null;
  /** The key stored and recorded by this run (set as it is recorded: a signal waits for that). */
  stored: { hint: string; admin: boolean } | null;
}

export async function runImport(ctx: Context, options: ImportOptions, deps: ImportDeps): Promise<number> {
  const told: Told = { profile: null, stored: null };
  return withFailureDocument(ctx, options.json, () => importKeys(ctx, options, deps, told), (failed) => jsonText(ImportFailureJsonSchema.parse({ ...failed, profile: told.profile, stored: told.stored })));
}

/** What is stored for the profile, as import judges it; `key` and `admin` change when import stores one. */
interface StoredKeys {
  key: string | null;
  admin: string | null;
  /** The keychain could not be read here: the keys state.json records are then known by their hints. */
  keychainError: KeychainUnavailableError | null;
  /**
   * The key file (--insecure-storage) could not be read for the key, the admin key or both (damaged,
   * not to be trusted…): whether a key found is the stored one is not known. Listing says so, with
   * the file's fix; storing (--store, the terminal's choice) is refused with it (exit 7).
   */
  fileError: { key: boolean; admin: boolean; error: ConfigStoreError } | null;
  /** A stored admin-key value that is none (storedNotAnAdminKey): listed, never acted on. */
  notAdmin: { message: string; fix: string } | null;
  /** The profile as state.json records it, read only when the keychain cannot be. */
  recorded: Profile | undefined;
  hint: string | null;
  adminHint: string | null;
  /** What must come before a command that stores a key (a newer openai-setup's progress file: update). */
  first: string | null;
}

/** What the steps of one import share: what it was asked, what is stored, what it found, and what it did. */
interface ImportRun {
  ctx: Context;
  options: ImportOptions;
  deps: ImportDeps;
  m: ReturnType<typeof marks>;
  /** stdout, or stderr with --json (whose stdout is the JSON document alone). */
  say: (line: string) => void;
  profileName: string;
  self: SelfCommand;
  scope: AdviceScope;
  /** The commands the lines import writes run: `openai-setup token`, `openai-setup run`. */
  commands: { token: string; run: string };
  /** How to finish what was left undone: run import again. */
  again: string;
  shown: (path: string) => string;
  stored: StoredKeys;
  scanned: ScanResult;
  /** Why the home directory itself could not be looked in: none known (homeWhy), or it cannot be reached (unreachableDir), its files then left out of `scanned.skipped`; or null. */
  homeNotLooked: string | null;
  /**
   * The profile a finding was written for by `env --file`, as the person asked (env-files.ts):
   * such a copy is listed as that and kept, and not counted. Read again with each scan, so that
   * a key stored meanwhile decides.
   */
  askedBy: (finding: Finding) => string | null;
  environment: Array<{ variable: 'OPENAI_API_KEY' | 'OPENAI_ADMIN_KEY'; key: string }>;
  /**
   * Variables of the environment holding another service's key (an OpenRouter key in
   * OPENAI_API_KEY): as in a file, no OpenAI key, so not in `environment` (never listed, counted,
   * checked or offered); the list says once that import leaves each, and why.
   */
  otherServices: Array<{ variable: 'OPENAI_API_KEY' | 'OPENAI_ADMIN_KEY'; hint: string; service: string }>;
  /** --check's outcome for each distinct key. */
  checks: Map<string, CheckOutcome>;
  /** The other profiles that store each key found (not this profile's own key): learned with each scan. */
  storedFor: Map<string, SharingProfile[]>;
  moved: ImportJson['moved'];
  /** What the failure document says was done. */
  told: Told;
  /** What kind of key each move was of: what replaces it for good differs (rotate, or the admin keys page). */
  movedKinds: Set<'admin' | 'key'>;
  failedCode: number | null;
  /** A file whose line was to move could not be read (it changed since the scan): what the rescan finds does not tell all. */
  unreadable: boolean;
  /** A key went into the keychain on the terminal: then what is left is said, even when no line moved. */
  storedOnTerminal: boolean;
  /**
   * Keys the terminal's choice left out of the keychain, and why, for the lines of them left
   * (moveLines): `replaced` by the key chosen in this run, `failed` (its check or the store
   * refused it: `why`, as said on stderr), or `declined` ("None: leave everything as it is").
   */
  leftBy: Map<string, { how: 'replaced' } | { how: 'failed'; why: string } | { how: 'declined' }>;
}

async function importKeys(ctx: Context, options: ImportOptions, deps: ImportDeps, told: Told): Promise<number> {
  const { term } = ctx;
  if (options.rewrite && !options.store) throw new UsageError('--rewrite goes with --store PATH:LINE (the line to move).');
  // The project's files are among the places it looks in, and --store's PATH is relative to it.
  const cwd = currentDir(ctx);
  const profileName = await resolveProfileName(ctx, options.profile);
  told.profile = profileName;
  const homeDir = homeOf(ctx);
  // Every command import recommends names the tool as the lines it writes into files do, so that
  // it works as printed (the script's path when the tool is neither on PATH nor run by npx).
  const self = selfCommand(ctx.rawEnv, ctx.platform, ctx.binPath, npxAskedFor);
  // The commands import recommends to be typed here (rotate, admin-key, import itself): started as
  // those lines are, with --profile unless a bare command in this shell acts on that profile anyway.
  const scope = { ...adviceScope(ctx), commandName: self.command };
  // These go into files and other tools' settings, to run in other shells, where
  // OPENAI_SETUP_PROFILE may not be what it is here: --profile is left out only for the default
  // chosen with `use`, and only when no variable overrides it in this shell either.
  const lasting = lastingBareProfile(ctx);
  const commands = { token: tokenCommand(self, profileName, lasting), run: runCommand(self, profileName, lasting) };

  const stored = await readStoredKeys(ctx, profileName);
  const run: ImportRun = {
    ctx,
    options,
    deps,
    m: marks(term.style),
    say: options.json ? term.err : term.out,
    profileName,
    self,
    scope,
    commands,
    again: toolCommand(scope, 'import', profileName),
    shown: (path) => shownPath(ctx, path),
    stored,
    scanned: { findings: [], looked: 0, skipped: [] },
    homeNotLooked: null,
    askedBy: () => null,
    environment: [],
    otherServices: [],
    checks: new Map(),
    storedFor: new Map(),
    moved: [],
    told,
    movedKinds: new Set(),
    failedCode: null,
    unreadable: false,
    storedOnTerminal: false,
    leftBy: new Map(),
  };
  await scan(run);
  // Temp files killed runs left next to the files it looks in (env's hold a key in full): named,
  // with what removes them (import changes only the lines it lists).
  const leftovers = await leftoverKeyFiles(ctx, { state: await ctx.state.read(), profile: profileName });
  if (leftovers) term.err(`${run.m.warn} ${leftovers.detail} — ${leftovers.fix}`);
  run.environment = (['OPENAI_API_KEY', 'OPENAI_ADMIN_KEY'] as const).flatMap((variable) => {
    const value = ctx.rawEnv[variable]?.trim();
    if (!value) return [];
    term.addSecret(value);
    // Another service's key (OPENAI_API_KEY=sk-or-v1-… for OpenRouter): no OpenAI key, as in a file.
    const service = otherServiceName(value);
    if (service !== undefined) {
      run.otherServices.push({ variable, hint: maskKey(value), service });
      return [];
    }
    return [{ variable, key: value }];
  });
  await learnStoredFor(run);
  // Storing needs the key file read (what it replaces, the copy it drops): refused as before (exit 7).
  if (stored.fileError && options.store) throw stored.fileError.error;
  if (stored.fileError) {
    const { why, fix } = keyFileWords(run, stored.fileError.error);
    term.err(`${run.m.warn} ${why}`);
    term.err(`  ${fix}`);
  }
  if (options.check) {
    // On a terminal where a question follows the checks whatever they find ("Which key should
    // profile … keep?", a line of the stored key to change), what is typed during them is neither
    // echoed nor its answer (an Enter stored a key found, unseen). Only then: where no question
    // follows, it is the shell's, as it always was. Ctrl-C still cancels; a failure drops it.
    if (!options.store && !options.json && term.interactive && (await asksOnTerminal(run))) ctx.prompter('').holdInput('drop');
    await checkFound(run);
  }

  if (options.store) {
    // The one move without a terminal: --store PATH:LINE [--rewrite].
    const declined = await storeFromLine(run, options.store, homeDir.dir, cwd);
    if (declined !== null) return declined;
  } else {
    const { found, distinct } = await listFindings(run, homeDir);
    // On a terminal: store a key, then move each plaintext line of it.
    if (!options.json && term.interactive && (found.length > 0 || run.environment.length > 0)) {
      // Nothing is asked about keys whose stored one is not known: the file's failure (exit 7), its fix said above.
      if (stored.fileError) throw stored.fileError.error;
      const { storeFailed } = await storeOnTerminal(run, distinct, found);
      await moveLines(run, found, storeFailed);
      noteRewrites(run);
      await scan(run);
    }
  }
  return report(run);
}

// ---- (a) What is stored for the profile, and how a key found is said against it.

/** The profile's key and admin key as every reader of them judges them; refused (exit 7) when the stored value is no key. */
async function readStoredKeys(ctx: Context, profileName: string): Promise<StoredKeys> {
  let keychainError: KeychainUnavailableError | null = null;
  let fileError: StoredKeys['fileError'] = null;
  const readStored = async (account: string) => {
    // A key file that cannot be read: what is stored there is not known, which listing says (it changes nothing).
    const read = await ctx.keys.get(account).catch((error: unknown) => {
      if (!(error instanceof ConfigStoreError)) throw error;
      const admin = account !== profileName;
      fileError = { key: !admin || (fileError?.key ?? false), admin: admin || (fileError?.admin ?? false), error: fileError?.error ?? error };
      return null;
    });
    if (!read) return null;
    if (read.stored) ctx.term.addSecret(read.stored.key);
    keychainError ??= read.keychainError;
    return read.stored;
  };
  // Judged as every reader of it judges it (judgeStoredKey): a value that is no key is never
  // compared with the keys found, and the lines import writes would ask `token` for it, which refuses it.
  const storedValue = await readStored(profileName);
  // What must come before a command that stores a key (a newer openai-setup's progress file:
  // update), which exits 7 until then: the advice that names one says it first.
  const first = await ctx.state.firstBeforeChanges();
  const judged = storedValue ? judgeStoredKey(ctx, profileName, storedValue, undefined, { first }) : null;
  if (judged?.notAKey) throw new ExitError(EXIT.keyRejected, `${judged.notAKey.message} Nothing was stored or changed.`, judged.notAKey.fixes);
  // The admin key judged as rotate and spend judge it (storedNotAnAdminKey): a value that is none
  // (a project key among them) is not "the stored admin key", whose lines would be rewritten to
  // ask `token` for the profile's key in its place.
  const storedAdminValue = await readStored(adminAccount(profileName));
  // Listing changes nothing, so it lists (saying so in one line); only acting on admin keys (--store
  // of an admin key's line, the terminal's choice of the admin key) is refused, before anything is asked.
  const notAdmin = storedAdminValue ? storedNotAnAdminKey(ctx, profileName, storedAdminValue, first) : null;
  // A keychain that cannot be read here (not running over SSH) still holds the key state.json
  // records: known by its masked hint, as status knows it, never called "not stored".
  const recorded = keychainError ? (await ctx.state.read()).profiles[profileName] : undefined;
  return {
    key: judged?.key ?? null,
    admin: notAdmin ? null : (storedAdminValue?.key ?? null),
    keychainError,
    fileError,
    notAdmin,
    recorded,
    hint: recorded?.key?.storage === 'keychain' ? recorded.key.hint : null,
    adminHint: recorded?.adminKey?.storage === 'keychain' ? recorded.adminKey.hint : null,
    first,
  };
}

function isStoredKey(stored: StoredKeys, key: string): boolean {
  return key === stored.key || (stored.key === null && stored.hint !== null && maskKey(key) === stored.hint);
}

function isStoredAdmin(stored: StoredKeys, key: string): boolean {
  return key === stored.admin || (stored.admin === null && stored.adminHint !== null && maskKey(key) === stored.adminHint);
}

/** Whether `key` may be the profile's stored key (or admin key) for all that is known: the key file holding it could not be read. */
function storedNotKnown(stored: StoredKeys, key: string): boolean {
  return isAdminKey(key) ? stored.fileError?.admin === true : stored.fileError?.key === true;
}

/** The key file that could not be read, as listing says it: what, so what, and its fix (as status says it). */
function keyFileWords(run: ImportRun, error: ConfigStoreError): { why: string; fix: string } {
  const { fix } = keyFileUnusable({ ...run.scope, keys: run.ctx.keys, env: run.ctx.env, rawEnv: run.ctx.rawEnv, term: run.ctx.term }, run.profileName, error, '');
  const which = run.stored.fileError?.key ? (run.stored.fileError.admin ? 'key or admin key' : 'key') : 'admin key';
  return { why: `${error.parts.detail.replace(/\.$/, '')}, so whether a key found is the stored ${which} of profile "${run.profileName}" is not known.`, fix: `${upperFirst(fix)}.` };
}

/** Acting on an admin key is refused while the stored admin-key value is none. */
function refuseAdmin(stored: StoredKeys): void {
  const { notAdmin } = stored;
  if (notAdmin) throw new ExitError(EXIT.keyRejected, `${notAdmin.message} Nothing was stored or changed.`, [notAdmin.fix]);
}

function isAdminKey(key: string): boolean {
  return keyKind(key) === 'admin';
}

/** Keys import would store that cannot go into the keychain from here: why, and where to run it instead. */
function cannotStoreHere(run: ImportRun, error: KeychainUnavailableError): { message: string; hints: string[] } {
  const { ctx, scope, profileName } = run;
  const store = ctx.keys.keychainDescription;
  // Keys stored there: what to do is run it where the keychain is.
  const elsewhere = [run.stored.recorded?.key, run.stored.recorded?.adminKey]
    .map((record) => keychainOutOfReach({ record, error, store, what: 'The key', cannot: 'read', run: `\`${elsewhereCommand({ ...scope, env: ctx.env }, 'import', profileName)}\`` }))
    .find(Boolean);
  const fix = keychainFix(error, store) ?? elsewhere?.hints[0] ?? null;
  return { message: `${describeKeychainProblem(error, store)} Nothing was stored or changed (the lines import changes read the key from there).`, hints: fix ? [fix] : [] };
}

/** A key as the list says it: masked, its kind, whose it is, and --check's outcome. */
function describeKey(run: ImportRun, key: string): string {
  const { stored } = run;
  const store = run.ctx.keys.keychainDescription;
  const byHint = (error: KeychainUnavailableError) => `(by its hint: the ${store} ${error.problem === 'no-service' ? 'is not running here' : 'cannot be read here'})`;
  const owner =
    key === stored.key ? 'the stored key'
    : key === stored.admin ? 'the stored admin key'
    : isStoredKey(stored, key) ? `the stored key ${byHint(stored.keychainError!)}`
    : isStoredAdmin(stored, key) ? `the stored admin key ${byHint(stored.keychainError!)}`
    : storedForWords(run, key) ?? (storedNotKnown(stored, key) ? 'stored key not known (the key file cannot be read)' : 'not stored');
  const check = run.checks.get(key);
  return `${maskKey(key)} · ${keyKindLabel(keyKind(key))} · ${owner}${check ? ` · ${check.ok ? (check.works ?? 'works') : `${check.status}: ${check.message}`}` : ''}`;
}

/**
 * The other profiles that store each key found, except this profile's own key and admin keys
 * (profilesSharing: by the key itself, reading only). A key work stores, found while importing for
 * personal, is not "not stored": storing it for personal would give both profiles one key.
 */
async function learnStoredFor(run: ImportRun): Promise<void> {
  const keys = new Set([...run.scanned.findings.map((f) => f.key), ...run.environment.map((e) => e.key)]);
  run.storedFor = new Map();
  for (const key of keys) {
    if (keyKind(key) === 'admin' || isStoredKey(run.stored, key)) continue;
    const sharing = await profilesSharing(run.ctx, run.profileName, maskKey(key), async () => key);
    if (sharing.length) run.storedFor.set(key, sharing);
  }
}

/** `stored for profile "work"` (`may be stored for …` when only its hint matched), or null: no other profile stores the key. */
function storedForWords(run: ImportRun, key: string): string | null {
  const sharing = run.storedFor.get(key);
  if (!sharing?.length) return null;
  return `${sharing.every((s) => s.sure) ? 'stored' : 'may be stored'} for ${sharingNames(sharing)}, not for this one`;
}

const storedForNames = (run: ImportRun, key: string): string[] => (run.storedFor.get(key) ?? []).map((s) => s.name);

// ---- (b) What is found, and the list of it.

/** Looks in every place (again after a change), and learns anew which copies are where the person asked for them. */
async function scan(run: ImportRun): Promise<void> {
  const result = await scanPlaces(run.deps.places(run.ctx));
  for (const f of result.findings) run.ctx.term.addSecret(f.key);
  run.askedBy = askedFor(await run.ctx.state.read());
  // A home directory that cannot be reached (HOME longer than a path may be): said once, as an
  // unset HOME is, not once for each file in it. None known (HOME unset or relative): its places
  // were never listed, which the --json document says too (under `skipped`, as `~`).
  const homeDir = homeOf(run.ctx);
  const home = homeDir.dir;
  run.homeNotLooked = home === null ? homeWhy(homeDir) : unreachableDir(home);
  run.scanned = run.homeNotLooked && home !== null ? { ...result, skipped: result.skipped.filter((s) => !s.path.startsWith(home + sep)) } : result;
  await learnStoredFor(run);
}

function isPlaintext(run: ImportRun, finding: Finding): boolean {
  return run.askedBy(finding) === null;
}

/** A copy kept as asked (not isPlaintext) in a file git tracks: the warning that the key is in the repository, as said (trackedEnvFile). Null otherwise. */
async function trackedAsSaid(run: ImportRun, finding: Finding): Promise<{ detail: string; fix: string; command: string | null } | null> {
  const owner = run.askedBy(finding);
  if (owner === null) return null;
  const tracked = await trackedEnvFile(run.ctx, owner, finding.path, maskKey(finding.key), run.scope);
  return tracked && { ...tracked, detail: upperFirst(tracked.detail) };
}

/** --check: each distinct key once, without a billable request. */
async function checkFound(run: ImportRun): Promise<void> {
  const { ctx, m } = run;
  const keys = [...new Set([...run.scanned.findings.map((f) => f.key), ...run.environment.map((e) => e.key)])];
  // Said before the checks, which run at once under one spinner (and say nothing of their own).
  for (const kind of new Set(keys.map((k) => (keyKind(k) === 'admin' ? ('admin' as const) : ('key' as const))))) {
    const elsewhere = otherHostNoticeOnce(ctx, kind, resolveBaseURL(ctx), baseURLOrigin(ctx));
    if (elsewhere) ctx.term.err(`${m.warn} ${elsewhere}`);
  }
  // So are the ways the keys would travel unprotected (checkKey says nothing of its own).
  if (keys.length) for (const warning of transportWarningsOnce(ctx, resolveBaseURL(ctx))) ctx.term.err(`${m.warn} ${warning}`);
  const spinner = ctx.term.spinner(`Checking ${keys.length} key${keys.length === 1 ? '' : 's'} with live calls (nothing billable)…`);
  try {
    await Promise.all(keys.map(async (key) => run.checks.set(key, await checkKey(ctx, run.profileName, key))));
  } finally {
    spinner.stop();
  }
}

/** The list (without --json): the plaintext copies found, those where the person asked for them, the environment, what was not looked in. */
async function listFindings(run: ImportRun, homeDir: Home): Promise<{ found: Finding[]; distinct: Set<string> }> {
  const { ctx, options, m, profileName, shown, stored, scanned, environment } = run;
  const { term } = ctx;
  const found = scanned.findings.filter((f) => isPlaintext(run, f));
  const asked = scanned.findings.filter((f) => !isPlaintext(run, f));
  const distinct = new Set(found.map((f) => f.key));
  // On a terminal, an admin key found would be offered for the keychain in place of what is stored.
  const willAsk = !options.json && term.interactive && (found.length > 0 || environment.length > 0);
  if (willAsk && [...distinct, ...environment.map((e) => e.key)].some(isAdminKey)) refuseAdmin(stored);
  const notAdminLine = stored.notAdmin ? `${m.warn} ${stored.notAdmin.message} ${stored.notAdmin.fix}` : null;
  if (notAdminLine && options.json) term.err(notAdminLine);
  if (options.json) return { found, distinct };
  term.out(term.style.bold(`openai-setup import · profile ${profileName}`));
  if (notAdminLine) term.out(notAdminLine);
  if (found.length === 0) {
    // Those not looked in are said below ("Not looked in …"): never counted as looked in.
    const notLooked = scanned.skipped.length ? ` (${scanned.skipped.length} more could not be looked in: see below)` : '';
    term.out(`${m.ok} No plaintext copy of an OpenAI key${asked.length ? ' to move' : ''} in the ${scanned.looked} file${scanned.looked === 1 ? '' : 's'} import looks in${notLooked}.`);
  } else {
    term.out(`Looked in ${scanned.looked} files; found ${found.length} plaintext ${found.length === 1 ? 'copy' : 'copies'} of ${distinct.size} OpenAI key${distinct.size === 1 ? '' : 's'}:`);
    for (const f of found) {
      const where = `${shown(f.path)}, line ${f.line}${f.tool ? ` (${TOOL_NAMES[f.tool]})` : f.kind === 'fish-universal' ? ' (fish universal variable)' : ''}`;
      term.out(`  ${isStoredKey(stored, f.key) || isStoredAdmin(stored, f.key) ? m.warn : m.fail} ${where}`);
      term.out(`    ${describeKey(run, f.key)}`);
      const note = await byHandNote(run, f);
      if (note) term.out(`    ${note.charAt(0).toUpperCase()}${note.slice(1)}`);
    }
  }
  // Where the person asked for the key: kept, and not counted (only --store naming the line moves it).
  // Each file's git history searched at once (each search is bounded in time).
  const trackedOf = await Promise.all(asked.map((f) => trackedAsSaid(run, f)));
  for (const [i, f] of asked.entries()) {
    const owner = run.askedBy(f)!;
    const whose = owner === profileName ? 'the stored key' : `the key of profile "${owner}"`;
    // Unless git tracks the file: the key is in the repository then, which is said as a warning (not counted: README's exit codes).
    const tracked = trackedOf[i]!;
    term.out(`${tracked ? m.warn : m.pending} ${shown(f.path)}, line ${f.line}: ${maskKey(f.key)}, ${whose}, ${await askedNote(ctx, owner, [f.path], { scope: run.scope })}; import leaves it`);
    if (tracked) term.out(`    ${tracked.detail}; ${tracked.fix}`);
  }
  for (const e of environment) term.out(`${m.pending} In the environment: ${e.variable} = ${describeKey(run, e.key)} (not a file; not counted)`);
  for (const o of run.otherServices) term.out(`${m.pending} In the environment: ${o.variable} = ${o.hint} · ${o.service}, not an OpenAI key: import leaves it`);
  for (const s of scanned.skipped) term.err(`${m.warn} Not looked in ${shown(s.path)}: ${s.why}`);
  // No home directory to use (none set, or a relative one): its files (shell startup files,
  // other tools') were not looked in; said, never in silence.
  if (homeDir.dir === null) term.err(`${m.warn} Not looked in the files of your home directory: ${homeWhy(homeDir)}.`);
  else if (run.homeNotLooked) term.err(`${m.warn} Not looked in the files of your home directory: ${run.homeNotLooked}.`);
  return { found, distinct };
}

// ---- (c) Storing a key found: --store PATH:LINE, or the terminal's choice.

/**
 * --store PATH:LINE [--rewrite]: stores the key on that line (asked, unless --yes), then with
 * --rewrite moves the line. EXIT.ok when the person said no (nothing changed), else null.
 */
async function storeFromLine(run: ImportRun, storeAt: string, home: string | null, cwd: string): Promise<number | null> {
  const { ctx, options, m, profileName, scope, shown, stored } = run;
  const at = /^(.+):(\d+)$/.exec(storeAt.trim());
  if (!at) throw new UsageError(`--store: expected PATH:LINE, like ~/.zshrc:12 (got "${shownValue(storeAt)}").`);
  const wanted = at[1]!.startsWith('~/') && home ? join(home, at[1]!.slice(2)) : resolve(cwd, at[1]!);
  const real = await realpath(wanted).catch(() => wanted);
  const line = Number(at[2]);
  const here: Finding[] = [];
  for (const f of run.scanned.findings) if (f.line === line && (await realpath(f.path).catch(() => f.path)) === real) here.push(f);
  if (here.length === 0) throw new UsageError(`--store: no OpenAI key at ${shown(wanted)}:${line}.`, [`To list where it found keys (file:line):  ${toolCommand(scope, 'import', profileName)}`]);
  const keys = [...new Set(here.map((f) => f.key))];
  if (keys.length > 1) throw new UsageError(`--store: ${shown(wanted)}:${line} holds ${keys.length} keys; move them by hand.`);
  const finding = here[0]!;
  if (isAdminKey(finding.key)) refuseAdmin(stored);
  const plan = options.rewrite
    ? await planFor(run, finding).catch((error: unknown) => {
        if (!(error instanceof FileReadError)) throw error;
        // Changed since the scan, a moment ago: refused before anything is stored.
        throw new UsageError(`--rewrite: ${shown(error.path)}: ${error.why}, so line ${line} cannot be rewritten. Nothing was stored or changed.`);
      })
    : null;
  // Under npx, the line would run npx in every new shell (or direnv's every cd): a lookup of the
  // package each time, a minute and npm's errors offline. Asked with --yes, nobody sees that line
  // before it is written, so it is refused before anything is stored; on a terminal (the list's
  // questions) the line is shown and asked about, and the note follows.
  // npx's copy named by its path (what npx was asked for could not be read back) is refused too:
  // npm's cache is cleared, and every new shell would then fail.
  if (plan && run.self.npx && writesCommand(plan)) {
    const why = run.self.command.startsWith('npx ') ? 'and npx looks the package up each time (slow, and it fails offline)' : "the copy npx keeps in npm's cache, which stops working once that is cleared";
    throw new UsageError(
      `--rewrite: ${shown(finding.path)}:${line} would run ${run.self.command} in every new shell, ${why}; install openai-setup first (${run.self.install}), then run this command again without npx. Nothing was stored or changed.`,
      [`To store the key and leave the line as it is:  ${toolCommand(scope, `import --store ${shellPath(storeAt.trim())}`, profileName)} --yes`],
    );
  }
  if (plan?.kind === 'manual') {
    const hint = finding.tool
      ? toolAdvice(finding.tool, shown(finding.path), run.commands)
      : `Edit it by hand. To store the key without changing the line:  ${toolCommand(scope, `import --store ${shellPath(storeAt.trim())}`, profileName)} --yes`;
    throw new UsageError(`--rewrite: ${shown(finding.path)}:${line} cannot be rewritten (${plan.why}). Nothing was changed.`, [hint]);
  }
  const key = finding.key;
  const target = isAdminKey(key) ? stored.admin : stored.key;
  if (target !== key) {
    // Refused before asking: not stored from here, nor offered as if no key were stored.
    if (stored.keychainError) {
      const { message, hints } = cannotStoreHere(run, stored.keychainError);
      throw new KeyStoreError(message, hints);
    }
    // Nor with a progress file this build cannot change (a newer openai-setup's): the key would be checked, then not recorded.
    await ctx.state.assertChangeable();
    const prompter = ctx.prompter('Pass --yes to store it without asking.');
    const what = isAdminKey(key) ? `the admin key of profile "${profileName}"` : `the key of profile "${profileName}"`;
    const replacing = target ? ` in place of ${maskKey(target)}` : '';
    if (!options.yes && !(await prompter.confirm(`Store ${maskKey(key)} as ${what}${replacing}?`, true))) {
      run.say('Nothing was changed.');
      return EXIT.ok;
    }
    // Not stored: the run's failure (its message on stderr, and with --json its document).
    run.failedCode = await storeFound(ctx, scope, profileName, key, run.say, run.told);
    if (isAdminKey(key)) stored.admin = key;
    else stored.key = key;
  } else {
    run.say(`${m.ok} ${maskKey(key)} is already the stored ${isAdminKey(key) ? 'admin key' : 'key'} of profile "${profileName}".`);
  }
  if (plan) {
    const done = await applyPlan(ctx, run.deps, finding, plan, { yes: options.yes, shown, say: run.say, run: run.commands.run, again: run.again });
    if (done === 'unreadable') run.unreadable = true;
    if (done === 'moved') {
      run.moved.push({ path: shown(finding.path), line: finding.line, action: actionOf(plan) });
      run.movedKinds.add(isAdminKey(finding.key) ? 'admin' : 'key');
    }
    // The key's own exit code first, as for a key that fails its check.
    else run.failedCode ??= EXIT.plaintext;
  }
  noteRewrites(run);
  await scan(run);
  return null;
}

/** For the key, then the admin key: the one stored, and the others found (in plaintext files, or only in the environment) that storeOnTerminal offers instead. */
function keyChoices(run: ImportRun, distinct: Set<string>): Array<{ admin: boolean; current: string | null; others: string[] }> {
  const { stored, environment } = run;
  return [false, true].map((admin) => {
    // A key only in the environment may be the one to keep, too.
    const candidates = [...new Set([...distinct, ...environment.map((e) => e.key)])].filter((k) => isAdminKey(k) === admin);
    const current = admin ? stored.admin : stored.key;
    return { admin, current, others: candidates.filter((k) => k !== current) };
  });
}

/**
 * Whether the terminal's flow asks anything, as things are before the checks (which change none of
 * it): which key to keep (storeOnTerminal), or whether to change a line of a stored key (moveLines).
 */
async function asksOnTerminal(run: ImportRun): Promise<boolean> {
  const { stored } = run;
  const found = run.scanned.findings.filter((f) => isPlaintext(run, f));
  // An admin key found while the stored admin-key value is none: the list refuses it (refuseAdmin), asking nothing.
  if (stored.notAdmin && [...found.map((f) => f.key), ...run.environment.map((e) => e.key)].some(isAdminKey)) return false;
  const changeable = await run.ctx.state.assertChangeable().then(
    () => true,
    () => false,
  );
  if (!stored.keychainError && changeable && keyChoices(run, new Set(found.map((f) => f.key))).some((choice) => choice.others.length > 0)) return true;
  for (const f of found) if ((f.key === stored.key || f.key === stored.admin) && (await listedPlan(run, f)).kind !== 'manual') return true;
  return false;
}

/** On a terminal: which key (then which admin key) the profile keeps, among those found; stored when it is another. */
async function storeOnTerminal(run: ImportRun, distinct: Set<string>, found: Finding[]): Promise<{ storeFailed: boolean }> {
  const { ctx, m, profileName, shown, stored, environment } = run;
  const { term } = ctx;
  const prompter = ctx.prompter('');
  let unstorable = false;
  // A progress file this build cannot change (a newer openai-setup's) takes no record of a key:
  // none is asked for, as where the keychain cannot be used; lines of the stored key still move.
  const unchangeable = await ctx.state.assertChangeable().then(
    () => null,
    (error: unknown) => {
      if (error instanceof KeyStoreError) return error;
      throw error;
    },
  );
  /** A key could not go into the keychain: another profile's could not either. */
  let storeFailed = false;
  for (const { admin, current, others } of keyChoices(run, distinct)) {
    if (others.length === 0) continue;
    // Not asked: a key chosen could not be stored, and one stored there already (by its hint) is not to be stored again.
    if (stored.keychainError || unchangeable) {
      unstorable = true;
      continue;
    }
    const places = (key: string) =>
      [...new Set([...found.filter((f) => f.key === key).map((f) => shown(f.path)), ...environment.filter((e) => e.key === key).map((e) => `the environment (${e.variable})`)])].join(', ');
    const choice = await prompter.select<string | null>(
      `Which ${admin ? 'admin key' : 'key'} should profile "${profileName}" keep in the keychain?`,
      [
        ...(current ? [{ name: `Keep the stored one (${maskKey(current)})`, value: current }] : []),
        ...others.map((k) => ({ name: `${maskKey(k)} · ${keyKindLabel(keyKind(k))} · in ${places(k)}`, value: k })),
        ...(current ? [] : [{ name: 'None: leave everything as it is', value: null }]),
      ],
    );
    if (choice === null) for (const k of others) run.leftBy.set(k, { how: 'declined' });
    if (choice === null || choice === current) continue;
    try {
      // Stored, but not usable yet: its check's exit code, as for one not stored.
      const unusable = await storeFound(ctx, run.scope, profileName, choice, run.say, run.told);
      run.failedCode ??= unusable;
    } catch (error) {
      if (!(error instanceof ExitError)) throw error;
      term.err(`${m.fail} ${error.message}`);
      for (const hint of error.hints) term.err(`  ${hint}`);
      // Refused by its check (or as no admin key): why, at its lines too. The keychain's own failure is said once, above.
      const prefix = `${maskKey(choice)} was not stored: `;
      if (error.message.startsWith(prefix)) run.leftBy.set(choice, { how: 'failed', why: error.message.slice(prefix.length) });
      run.failedCode = error.code;
      storeFailed ||= error.code === EXIT.keyStore;
      continue;
    }
    if (admin) stored.admin = choice;
    else stored.key = choice;
    if (current) run.leftBy.set(current, { how: 'replaced' });
    run.storedOnTerminal = true;
  }
  if (unstorable) {
    const { message, hints } = stored.keychainError ? cannotStoreHere(run, stored.keychainError) : unchangeable!;
    term.err(`${m.fail} ${message}`);
    for (const hint of hints) term.err(`  ${hint}`);
    run.failedCode = EXIT.keyStore;
  }
  return { storeFailed };
}

// ---- (d) The edit of each line, and its application.

/** The edit for a finding; an admin key's line is only removed (nothing prints the admin key). */
async function planFor(run: ImportRun, finding: Finding): Promise<EditPlan> {
  // The command goes into the line as the file holds text (asFileText): the tool's path may be
  // "/opt/ünï 工具/…", and its characters are written as UTF-8 bytes, as the rest of the line.
  // The file as it holds it now (a FileReadError when it cannot be read: it changed since the scan).
  const plan = planEdit(finding, await readFound(finding.path), asFileText(run.commands.token));
  if (!isAdminKey(finding.key)) return plan;
  if (plan.kind === 'line') return { ...plan, after: null, note: 'rotate and spend use the stored admin key.' };
  if (plan.kind === 'fish-universal') return { ...plan, addLine: '' };
  return plan;
}

/** planFor where nothing is changed (the list, --json): a file that cannot be read now is a line left by hand, with why. */
function listedPlan(run: ImportRun, finding: Finding): Promise<EditPlan> {
  return planFor(run, finding).catch((error: unknown) => {
    if (!(error instanceof FileReadError)) throw error;
    return { kind: 'manual', why: `the file cannot be read now: ${error.why}` };
  });
}

function actionOf(plan: EditPlan): 'rewrite' | 'remove' | 'fish-erase' | 'manual' {
  return plan.kind === 'manual' ? 'manual' : plan.kind === 'fish-universal' ? 'fish-erase' : plan.after === null ? 'remove' : 'rewrite';
}

/**
 * A line import leaves to the person (not another tool's file: that has its advice): why, and
 * "edit it by hand", with what to put there once the key is the stored one; or a commented-out
 * copy of the key, to delete. Null when import can change it otherwise.
 */
async function byHandNote(run: ImportRun, finding: Finding): Promise<string | null> {
  if (finding.tool) return null;
  const plan = await listedPlan(run, finding);
  // Nothing reads it: the line only goes (import removes it as it moves the key's lines).
  if (plan.kind === 'line' && plan.commented) return 'a commented-out copy of the key (nothing reads it): delete the line.';
  if (plan.kind !== 'manual') return null;
  if (plan.comment) return `import cannot change this line (${plan.why}): delete the key from it by hand.`;
  const storedHere = finding.key === (isAdminKey(finding.key) ? run.stored.admin : run.stored.key);
  return `import cannot change this line (${plan.why}): edit it by hand${storedHere ? byHand(finding.kind, isAdminKey(finding.key) ? null : run.commands.token, run.commands.run, finding.variable) : '.'}`;
}

/** On a terminal: each plaintext line of a stored key planned, asked about and changed; what is left said after. */
async function moveLines(run: ImportRun, found: Finding[], storeFailed: boolean): Promise<void> {
  const { ctx, m, shown, stored, scope } = run;
  const { term } = ctx;
  // Copies whose lines follow each change: a line removed moves those below it up, and each
  // finding is planned, asked about and named at the line it is on then.
  const pending = found.map((f) => ({ ...f }));
  const gone = new Set<Finding>();
  const byHandNotes: Array<{ finding: Finding; note: string }> = [];
  for (const f of pending) {
    if (f.key !== stored.key && f.key !== stored.admin) continue;
    let plan: EditPlan;
    try {
      plan = await planFor(run, f);
    } catch (error) {
      // Its file changed since the scan (while a question was open): said, never waited on.
      if (!(error instanceof FileReadError)) throw error;
      term.err(unreadLine(m, error, f, { shown, again: run.again }));
      run.unreadable = true;
      run.failedCode ??= EXIT.plaintext;
      continue;
    }
    if (plan.kind === 'manual') {
      // Never skipped in silence: said after the changes, with why and what to do.
      const note = await byHandNote(run, f);
      if (note) byHandNotes.push({ finding: f, note });
      continue;
    }
    const done = await applyPlan(ctx, run.deps, f, plan, { yes: false, shown, say: run.say, run: run.commands.run, again: run.again });
    if (done === 'unreadable') {
      run.unreadable = true;
      run.failedCode ??= EXIT.plaintext;
    }
    if (done === 'failed') run.failedCode ??= EXIT.plaintext;
    if (done === 'moved') {
      run.moved.push({ path: shown(f.path), line: f.line, action: actionOf(plan) });
      run.movedKinds.add(isAdminKey(f.key) ? 'admin' : 'key');
      gone.add(f);
    }
    const place = { path: f.path, kind: f.kind, ...(f.tool ? { tool: f.tool } : {}) };
    followLines(pending.filter((g) => g.path === f.path && !gone.has(g)), (await scanPlaces([place])).findings);
  }
  for (const { finding: f, note } of byHandNotes) term.out(`${m.warn} ${shown(f.path)}, line ${f.line} (${maskKey(f.key)}): ${note}`);
  const notMoved = pending.filter((f) => !gone.has(f) && !isStoredKey(stored, f.key) && !isStoredAdmin(stored, f.key) && f.kind !== 'tool');
  for (const f of notMoved) {
    const left = run.leftBy.get(f.key);
    const what = `${m.warn} ${shown(f.path)}, line ${f.line}: ${maskKey(f.key)}`;
    const admin = isAdminKey(f.key);
    const article = admin ? 'an admin key' : 'a key';
    if (left?.how === 'replaced') {
      // The file still sets the key the keychain no longer holds: what to put there is the stored one's.
      term.out(`${what} is the ${admin ? 'admin key' : 'key'} this run replaced in the keychain, and this file still sets it: edit the line by hand${byHand(f.kind, admin ? null : run.commands.token, run.commands.run, f.variable)}`);
    } else if (left?.how === 'failed') term.out(`${what} is ${article} that was not stored: ${left.why}`);
    else if (left?.how === 'declined') term.out(`${what} is ${article} that was not stored: you chose to leave everything as it is.`);
    else {
      // With no keychain here, another profile could not take it either.
      const elsewhere = stored.keychainError || storeFailed ? '' : ` To move it into the keychain for another profile:  ${toolCommand(scope, 'import --profile NAME')}`;
      term.out(`${what} is not the stored key.${elsewhere}`);
    }
  }
}

/** Lines now run the tool as this run was started: what that costs or where it breaks (self.note), once. */
function noteRewrites(run: ImportRun): void {
  const { self, ctx } = run;
  if (!self.note || !run.moved.some((mv) => mv.action === 'rewrite' || mv.action === 'fish-erase')) return;
  // With --json stdout is the document alone.
  if (run.options.json) ctx.term.err(`${run.m.warn} ${self.note}`);
  else ctx.term.say(`${run.m.warn} ${self.note}`);
}

// ---- What is left: other tools' advice, --json's document, or the closing lines; the exit code.

async function report(run: ImportRun): Promise<number> {
  const { ctx, options, m, profileName, scope, shown, stored, scanned, commands } = run;
  const { term } = ctx;
  // Other tools' files: how to point each at the keychain or the environment instead.
  const toolFindings = scanned.findings.filter((f) => f.tool && isPlaintext(run, f));
  const advised = new Set<string>();
  if (!options.json) {
    for (const f of toolFindings) {
      if (advised.has(f.path)) continue;
      advised.add(f.path);
      // One line, wrapped by the terminal's width with its closing command kept whole.
      term.out(`${m.arrow} ${TOOL_NAMES[f.tool!]}: ${toolAdvice(f.tool!, shown(f.path), commands)}`);
    }
  }

  const left = scanned.findings.filter((f) => isPlaintext(run, f)).length;
  const exitCode = run.failedCode ?? (left > 0 ? EXIT.plaintext : EXIT.ok);
  if (options.json) {
    const json: ImportJson = {
      profile: profileName,
      looked: scanned.looked,
      findings: await Promise.all(
        scanned.findings.map(async (f) => ({
          path: shown(f.path),
          line: f.line,
          place: f.kind,
          tool: f.tool ?? null,
          hint: maskKey(f.key),
          kind: keyKind(f.key),
          variable: f.variable,
          stored: isStoredKey(stored, f.key),
          storedAdmin: isStoredAdmin(stored, f.key),
          storedFor: storedForNames(run, f.key),
          envFile: !isPlaintext(run, f),
          tracked: await trackedAsSaid(run, f),
          action: actionOf(await listedPlan(run, f)),
          advice: f.tool ? toolAdvice(f.tool, shown(f.path), commands) : await byHandNote(run, f),
          check: run.checks.get(f.key) ?? null,
        })),
      ),
      environment: run.environment.map((e) => ({ variable: e.variable, hint: maskKey(e.key), stored: isStoredKey(stored, e.key) || isStoredAdmin(stored, e.key), storedFor: storedForNames(run, e.key) })),
      moved: run.moved,
      // The home directory once, as `~`, when none is known or it could not be reached (as the text says it).
      skipped: [...scanned.skipped.map((s) => ({ path: shown(s.path), why: s.why })), ...(run.homeNotLooked ? [{ path: '~', why: run.homeNotLooked }] : [])],
      storedNotKnown: stored.fileError ? { key: stored.fileError.key, admin: stored.fileError.admin, ...keyFileWords(run, stored.fileError.error) } : null,
      plaintextLeft: left,
      exitCode,
    };
    term.document(jsonText(ImportJsonSchema.parse(json)));
    return exitCode;
  }
  // After a file could not be read, "none is left" is not known: the failure said where.
  if ((run.moved.length > 0 || options.store || run.storedOnTerminal) && !(left === 0 && run.unreadable)) {
    term.out(left === 0 ? `${m.ok} No plaintext copy of an OpenAI key is left where import looks.` : `${m.warn} ${left} plaintext ${left === 1 ? 'copy is left; to see it' : 'copies are left; to see them'}:  ${toolCommand(scope, 'import', profileName)}`);
  }
  if (run.moved.length > 0) {
    // Each command last, set off with two spaces: wrapped to the width, it is never broken in two.
    term.out('Copies of a key that was in plain text can survive in backups, shell history and git history.');
    // rotate replaces the profile's project key; an admin key is replaced on its own page, then stored again.
    if (run.movedKinds.has('key')) term.out(`To replace the key for good:  ${toolCommand(scope, 'rotate', profileName)}`);
    if (run.movedKinds.has('admin')) {
      // As it works here (storeAdminKeyAdvice): never a question where none can be asked, nor a pipe
      // of OPENAI_ADMIN_KEY (a new key is in no variable yet); where no keychain answers (a read: no
      // prompt), into the file, as admin-key without --insecure-storage would exit 7 there.
      const insecure = await adminKeyNeedsFile(ctx, profileName);
      const store = storeAdminKeyAdvice({ ...scope, env: ctx.env, rawEnv: ctx.rawEnv, term: ctx.term }, profileName, insecure ? '--insecure-storage' : '', { variableFailed: true });
      term.out(`To replace the admin key for good, delete it and create a new one on ${PAGES['admin-keys'].url}, then store that one${store.how}:  ${store.command}`);
    }
  } else if (left > 0 && !term.interactive && !options.store) {
    const plaintext = scanned.findings.filter((f) => isPlaintext(run, f));
    const { keychainError } = stored;
    // Lines of a key read here can still be moved; any other key would have to go into the keychain first.
    if (keychainError && plaintext.some((f) => f.key !== stored.key && f.key !== stored.admin)) {
      const { message, hints } = cannotStoreHere(run, keychainError);
      term.out(`${m.warn} ${message}`);
      for (const hint of hints) term.out(`  ${hint}`);
    }
    // A key file that cannot be read refuses every move until it is fixed (its fix is said above).
    if (!stored.fileError && (!keychainError || plaintext.some((f) => f.key === stored.key || f.key === stored.admin))) {
      const importing = toolCommand(scope, 'import', profileName);
      const naming = `${importing} --store PATH:LINE --rewrite --yes`;
      // A key not stored yet is refused (exit 7) until `first` is done; the stored key's lines move as they are.
      const first = stored.first && plaintext.some((f) => f.key !== stored.key && f.key !== stored.admin) ? stored.first : null;
      if ((term.stdinIsTTY || term.stdoutIsTTY) && keyPromptWorks(ctx) === null) {
        // At a terminal that asks nothing (TERM=dumb), `import` typed there would list the copies
        // again: the one move that works there, and why nothing is asked.
        term.out(`Moving a key into the keychain asks questions, but ${CURSORLESS_TERMINAL}.`);
        term.out(first ? `To move one, ${afterFirst(first, naming)}.` : `To move one, name its line:  ${naming}`);
      } else if (first) {
        term.out(`To move one into the keychain, ${afterFirst(first, importing)} on a terminal.`);
        term.out(`Or, after that, without a terminal:  ${naming}`);
      } else if (keyPromptWorks(ctx) === 'turned-off') {
        // Typed here it would list the copies again: it asks only once the variable is unset.
        term.out(`To move one into the keychain, once OPENAI_SETUP_NO_PROMPT is unset:  ${importing}`);
        term.out(`Or without a terminal, name its line:  ${naming}`);
      } else {
        term.out(`To move one into the keychain, on a terminal:  ${importing}`);
        // Longer than a label (fit's label column): wrapped, the command starts where the line above's does.
        term.out(`Or without a terminal, name its line:  ${naming}`);
      }
      // Under npx --rewrite refuses a line that would then run npx in every new shell (above).
      if (run.self.npx) term.out(`A line in a shell startup file is rewritten that way only once openai-setup is installed (${run.self.install}); under npx, leave out --rewrite to store the key and keep the line.`);
    }
  }
  return exitCode;
}

/** The edit puts a line that runs the tool (`$(openai-setup token)`) into a startup file; removing a line runs nothing. */
function writesCommand(plan: EditPlan): boolean {
  return (plan.kind === 'line' && plan.after !== null) || (plan.kind === 'fish-universal' && plan.addLine !== '');
}

/** An admin key that rotate or spend can use; one that can do neither is an AdminApiError (probeAdminKey), as a rejected one is. */
async function usableAdminKey(ctx: Context, profileName: string, key: string): Promise<AdminProbe> {
  return probeAdminKey(ctx.api.admin, await adminAuth(ctx, profileName, key), ctx.clock.now());
}

/**
 * A found admin key that is not an admin key's shape (cut off when copied, OPENAI_ADMIN_KEY set to
 * something else): not sent, as a project key's check sends no malformed key. Null for one.
 */
function notAnAdminKey(key: string): CheckResult | null {
  const problem = adminKeyProblem(key);
  return problem ? malformedKeyResult(problem) : null;
}

/** What a usable admin key serves, in a sentence. */
function adminKeyUse(probe: AdminProbe): string {
  return `The admin key ${adminKeyServes(cannotServe(probe))}.`;
}

/** A live check of a found key: an admin key lists one project and reads today's costs; any other key lists models (nothing billable). */
async function checkKey(ctx: Context, profileName: string, key: string): Promise<CheckOutcome> {
  if (keyKind(key) === 'admin') {
    const notSent = notAnAdminKey(key);
    if (notSent) return { ok: false, status: notSent.status, message: notSent.message };
    try {
      const probe = await usableAdminKey(ctx, profileName, key);
      return { ok: true, status: 'valid', message: adminKeyUse(probe), works: adminKeyServes(cannotServe(probe)) };
    } catch (error) {
      if (error instanceof AdminApiError) return { ok: false, status: error.kind, message: error.message };
      throw error;
    }
  }
  const result = await runCheck(ctx, buildCheckRequest(ctx, key, { billingCheck: false, profile: profileName, noCheckFlags: NO_CHECK_FLAGS }), { spinner: null, note: () => {} });
  return { ok: result.ok, status: result.status, message: result.message };
}

/**
 * Store a found key for the profile (an admin key as its admin key) after a live check; an
 * ExitError saying why when it was not stored. `scope`: how the commands it recommends are typed.
 * Stored but not usable yet (no credits, a limit, refused for something around it): the check's
 * exit code (4, 5), as `key` exits then, so that a script learns it before it calls; else null.
 */
async function storeFound(ctx: Context, scope: AdviceScope, profileName: string, key: string, say: (line: string) => void, told: Told): Promise<number | null> {
  const admin = keyKind(key) === 'admin';
  const notSent = admin ? notAnAdminKey(key) : null;
  if (notSent) throw new ReasonedExitError(notSent.exitCode, `${maskKey(key)} was not stored: ${notSent.message}`, [], notSent.status);
  if (admin) {
    try {
      await usableAdminKey(ctx, profileName, key);
    } catch (error) {
      if (!(error instanceof ExitError)) throw error;
      throw new ReasonedExitError(error.code, `${maskKey(key)} was not stored: ${error.message}`, error.hints, failureFields(error).reason);
    }
  }
  // Checked as `key` checks a key it stores, billing included (one 1-token request): "works" is
  // said only of a key shown to spend, and one that cannot yet is stored with why and the fix.
  // import takes none of the live-check flags, and no other command checks a key not stored yet.
  const check = admin ? null : await runCheck(ctx, buildCheckRequest(ctx, key, { profile: profileName, noCheckFlags: NO_CHECK_FLAGS }));
  // Kept as the key stage keeps it: a key without credits, or refused for something around it
  // (its permissions, the country), is the right key; that is fixed without a new one.
  const row = check ? outcomeRow(check) : null;
  if (check && !row!.keepKey) {
    throw new ReasonedExitError(check.exitCode, `${maskKey(key)} was not stored: ${check.message}`, check.fix ? [check.fix] : [], check.reason ?? check.status);
  }
  const account = admin ? adminAccount(profileName) : profileName;
  const now = ctx.clock.now().toISOString();
  // What the new key replaces, said as `key` says it once it is stored: the old key still works until revoked.
  let old: Replaced[] = [];
  // Stored and recorded as one step: a key is never stored that the progress file does not record.
  try {
    await changeKey(
      ctx,
      account,
      () => ctx.keys.set(account, key, false),
      (state, _, held) => {
        const p = profileIn(state, profileName);
        if (admin) p.adminKey = { storage: 'keychain', hint: maskKey(key), savedAt: now };
        else {
          old = replaceKeyRecord(p, { storage: 'keychain', hint: maskKey(key), savedAt: now }, held, ctx.state.path, 'import');
          p.stages.key ??= { doneAt: now };
        }
        told.stored = { hint: maskKey(key), admin };
      },
    );
  } catch (error) {
    if (!(error instanceof KeyChangeError)) throw error;
    // Not recorded after all (the write of the record failed): not said as stored.
    told.stored = null;
    if (error.failure instanceof KeychainUnavailableError && error.putBack !== 'failed') {
      throw new KeyStoreError(`${describeKeychainProblem(error.failure, ctx.keys.keychainDescription)} ${maskKey(key)} was not stored, and nothing was changed.`, keychainHints(error.failure, ctx.keys.keychainDescription));
    }
    throw await keyChangeFailure(ctx, error, {
      hint: maskKey(key),
      account,
      again: [`Once that is fixed, run the import again, or remove what is stored (${toolCommand(ctx, `logout${admin ? ' --admin' : ''}`, profileName)}).`],
    });
  }
  if (check) await recordCheck(ctx, profileName, key, storedSource('keychain', profileName), check);
  const code = sayStored(ctx, scope, profileName, key, check, say);
  await sayReplaced(ctx, profileName, key, old, say);
  return code;
}

/** What storeFound says of a key it stored, with its check; the check's exit code when the key cannot be used yet, else null. */
function sayStored(ctx: Context, scope: AdviceScope, profileName: string, key: string, check: CheckResult | null, say: (line: string) => void): number | null {
  const m = marks(ctx.term.style);
  const admin = keyKind(key) === 'admin';
  const row = check ? outcomeRow(check) : null;
  const stored = `Stored ${maskKey(key)} in the ${ctx.keys.keychainDescription} as the ${admin ? 'admin key' : 'key'} of profile "${profileName}"`;
  // Said of the check just made, whose warnings are not shown otherwise: no "(see above)".
  const unproven = check ? billingNotProven(check, 'then') : null;
  if (!check || (row!.route === 'none' && !unproven)) {
    const works = check ? messageAt(check) : '';
    say(`${m.ok} ${stored}${check ? ` (${works.charAt(0).toLowerCase()}${works.slice(1).replace(/\.$/, '')})` : ''}.`);
    return null;
  }
  if (unproven) {
    // Accepted, but no test request went through: whether it can spend is not known yet.
    say(`${m.warn} ${stored}. ${messageAt(check)} Billing was not proven: ${unproven}.`);
    for (const warning of check.warnings) say(`  ${warning}`);
    say(`  Check it again later:  ${toolCommand(scope, 'verify', profileName)}`);
    return null;
  }
  // Stored, but not usable yet: the check's own words, what fixes it, and how to check it again.
  say(`${m.warn} ${stored}. ${messageAt(check)}`);
  if (check.fix) say(`  ${check.fix}`);
  if (check.fixUrl) say(`  ${m.arrow} ${check.fixUrl}`);
  say(`  Once that is fixed, check it:  ${toolCommand(scope, 'verify', profileName)}`);
  return row!.exitCode;
}

/**
 * A file import was to change that cannot be read now (it changed since the scan: a FIFO, a huge
 * file, no permission, removed), in one line: what was not done, that the key is stored (import
 * stores a key before it moves its copies), and how to finish.
 */
function unreadLine(m: ReturnType<typeof marks>, error: FileReadError, finding: Finding, io: { shown: (path: string) => string; again: string }): string {
  const file = io.shown(error.path);
  const where = io.shown(finding.path);
  const undone = finding.kind === 'fish-universal' ? `the universal variable ${finding.variable ?? ''} was not erased` : `line ${finding.line} was not changed`;
  const out = file === where ? 'the file: once it' : `${where}: once ${file}`;
  return `${m.fail} ${file}: ${error.why}, so ${undone}. The ${keyKind(finding.key) === 'admin' ? 'admin key' : 'key'} is stored, but not moved out of ${out} can be read, run:  ${io.again}`;
}

/**
 * A file import was to change that it leaves alone (read-only, another user's: files.ts
 * keptBack), in one line: why, that the line was not changed, and what to do.
 */
function keptLine(m: ReturnType<typeof marks>, error: FileKeptError, finding: Finding, io: { shown: (path: string) => string; again: string }): string {
  const what = keyKind(finding.key) === 'admin' ? 'admin key' : 'key';
  return `${m.fail} ${io.shown(error.path)}: ${error.why}, so line ${finding.line} was not changed. The ${what} is stored, but not moved out of it: ${error.fix(shellWord(error.path), `run:  ${io.again}`)}`;
}

/**
 * Show one edit as a diff, ask (unless `yes`), and make it: 'moved', 'kept' when it was not made
 * (declined, or said why), 'unreadable' when a file it reads could not be (said, nothing changed),
 * 'failed' when it was left half done (said; the run fails).
 */
async function applyPlan(
  ctx: Context,
  deps: ImportDeps,
  finding: Finding,
  plan: Exclude<EditPlan, { kind: 'manual' }>,
  // `say`: stdout, or stderr with --json (whose stdout is the JSON document alone); `run`: `openai-setup run` as the person types it; `again`: `openai-setup import`, likewise.
  io: { yes: boolean; shown: (path: string) => string; say: (line: string) => void; run: string; again: string },
): Promise<'moved' | 'kept' | 'unreadable' | 'failed'> {
  try {
    const done = await editFound(ctx, deps, finding, plan, io);
    return done === 'failed' ? 'failed' : done ? 'moved' : 'kept';
  } catch (error) {
    if (error instanceof FileKeptError) {
      ctx.term.err(keptLine(marks(ctx.term.style), error, finding, io));
      return 'unreadable';
    }
    if (error instanceof FileReadError) {
      ctx.term.err(unreadLine(marks(ctx.term.style), error, finding, io));
      return 'unreadable';
    }
    // The write itself failed (a full or read-only disk, a directory that takes no temp file):
    // the key is stored already, so this is said as the other refusals are, never as a bug.
    const line = error instanceof ExitError ? null : unwrittenLine(marks(ctx.term.style), error, finding, io);
    if (line === null) throw error;
    ctx.term.err(line);
    return 'unreadable';
  }
}

/**
 * A file import could not write (rewriteFile's own write failed: ENOSPC, EROFS, a directory where
 * no temp file can be made), in one line: why, that the line was not changed, and what to do; null
 * for an error that is not a file's (a bug). Nothing was changed: rewriteFile removes its temp file.
 */
function unwrittenLine(m: ReturnType<typeof marks>, error: unknown, finding: Finding, io: { shown: (path: string) => string; again: string }): string | null {
  const why = describeFileError(error, { withCode: true });
  if (why === null) return null;
  const code = fileErrorCode(error);
  const dir = dirname(finding.path);
  const fix =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? `free some space, then run:  ${io.again}`
      : code === 'EROFS'
        ? `edit it by hand where its file system can be written, or, once it can be, run:  ${io.again}`
        : code === 'EACCES' || code === 'EPERM'
          ? `a new file must be made next to it: check the permissions of its directory (ls -ld ${shellWord(dir)}), then run:  ${io.again}`
          : `once that is fixed, run:  ${io.again}`;
  const what = keyKind(finding.key) === 'admin' ? 'admin key' : 'key';
  return `${m.fail} ${io.shown(finding.path)} could not be written (${why}), so line ${finding.line} was not changed. The ${what} is stored, but not moved out of it: ${fix}`;
}

/** applyPlan's edit; false when it was not made, 'failed' when left half done (said). A FileReadError before anything is changed. */
/**
 * The person's shell, as SHELL names it (PowerShell on Windows without one), for whether it reads a
 * changed file; null with SHELL unset elsewhere: not known.
 */
function yourShell(ctx: Context): ShellKind | null {
  return ctx.rawEnv.SHELL || ctx.platform === 'win32' ? shellExportLine(shellDirsOf(ctx), null).shell : null;
}

async function editFound(
  ctx: Context,
  deps: ImportDeps,
  finding: Finding,
  plan: Exclude<EditPlan, { kind: 'manual' }>,
  io: { yes: boolean; shown: (path: string) => string; say: (line: string) => void; run: string },
): Promise<boolean | 'failed'> {
  const { term } = ctx;
  const m = marks(term.style);
  const where = io.shown(finding.path);
  // Lines are read as bytes (latin1), and planned so (asFileText); shown as UTF-8 so that other characters read right.
  // A file's line is shown as the file holds it (asWritten): its words are not the person's shell's
  // to rewrite (PowerShell's quotes, escapes for a terminal whose charset is not UTF-8).
  const readable = (line: string) => asWritten(Buffer.from(line, 'latin1').toString('utf8'));
  const prompter = ctx.prompter('Pass --yes to change it without asking.');

  if (plan.kind === 'fish-universal') {
    const config = join(finding.path, '..', 'config.fish');
    const configText = (await readText(config)) ?? '';
    const addLine = plan.addLine && !splitLines(configText).some((l) => l.body.trim() === plan.addLine) ? plan.addLine : '';
    io.say(`${where}, line ${finding.line}: the universal variable ${plan.variable}`);
    io.say(term.style.red(`  - ${plan.variable} (universal), erased with: fish -c 'set -Ue ${plan.variable}'`));
    if (addLine) io.say(term.style.green(`  + ${readable(addLine)}   (at the end of ${io.shown(config)})`));
    if (!io.yes && !(await prompter.confirm(`Erase the universal variable ${plan.variable}${addLine ? ` and add that line to ${io.shown(config)}` : ''}?`, true))) return false;
    // config.fish that cannot be read now (a FIFO put there while asked…) stops it before anything
    // changes; its line is added only once the variable is gone, so a failed erase leaves it as it was.
    if (addLine) await readText(config);
    const erased = await deps.fish(`set -Ue ${plan.variable}`);
    if (!erased.ok) {
      term.err(`${m.fail} ${erased.missing ? 'fish is not installed here' : `fish could not erase it (${erased.detail})`}: in fish, run:  set -Ue ${plan.variable}`);
      return false;
    }
    // fish rewrote its own file: check that the key is gone from it.
    let still: boolean;
    try {
      // Gone: fish keeps no file for no variables.
      still = splitLines(decodeFishEscapes((await readText(finding.path)) ?? '')).some((l) => l.body.includes(finding.key));
    } catch (error) {
      if (!(error instanceof FileReadError)) throw error;
      term.err(`${m.fail} ${where} cannot be read after \`set -Ue ${plan.variable}\` (${error.why}): check in fish that the variable is gone (set -U).`);
      return false;
    }
    if (still) {
      term.err(`${m.fail} ${where} still holds the key after \`set -Ue ${plan.variable}\`: remove it in fish by hand.`);
      return false;
    }
    let added: Awaited<ReturnType<typeof rewriteFile>> | null = null;
    try {
      if (addLine) added = await rewriteFile(config, (text) => appendLine(text, addLine), ctx, { create: true });
    } catch (error) {
      // The variable is gone already: what is missing is said, not a stack trace.
      const why = error instanceof FileReadError || error instanceof FileKeptError ? error.why : (describeFileError(error) ?? (error instanceof Error ? error.message : String(error)));
      term.err(`${m.fail} The universal variable ${plan.variable} is erased, but ${io.shown(config)} could not be changed (${why}): fish shells no longer get the key until you add this line to it by hand:  ${readable(addLine)}`);
      return 'failed';
    }
    if (added === 'overwritten') {
      term.err(`${m.warn} ${io.shown(config)} was changed by another program while import added a line to it: check that it ends with  ${readable(addLine)}`);
    }
    io.say(`${m.ok} Erased the universal variable ${plan.variable}${addLine ? `; ${io.shown(config)} sets it from openai-setup` : ''}.`);
    // Running fish shells forget a universal variable at once; the line in config.fish sets it again.
    if (plan.addLine) io.say(`  Running fish shells no longer have it. ${reloadHint('fish', config, io.shown(config), yourShell(ctx))}`);
    return true;
  }

  const before = splitLines(await readFound(finding.path))[plan.line - 1]?.body ?? '';
  io.say(`${where}, line ${plan.line}:`);
  // A long line is shown cut (the key masked first), as other text the tool did not write.
  const diffLine = (line: string) => asWritten(redactedExcerpt(readable(line), [finding.key], MAX_UNTRUSTED_LENGTH));
  io.say(term.style.red(`  - ${diffLine(before)}`));
  if (plan.after !== null) io.say(term.style.green(`  + ${diffLine(plan.after)}`));
  if (plan.note) io.say(`  ${plan.note}`);
  if (plan.commented) io.say('  A commented-out copy of the key: nothing reads it.');
  const question = plan.after === null ? `Remove line ${plan.line} of ${where}?` : `Change line ${plan.line} of ${where} like this?`;
  if (!io.yes && !(await prompter.confirm(question, true))) return false;
  const outcome = await rewriteFile(
    finding.path,
    (text) => {
      // The file may have changed since it was read (another run took its turn first): only that
      // line, still holding that key.
      const line = splitLines(text)[plan.line - 1];
      return line?.body.includes(finding.key) ? replaceLine(text, plan.line, plan.after) : null;
    },
    ctx,
  );
  if (outcome === 'unchanged') {
    term.err(`${m.fail} ${where} changed since it was read; nothing was written. Run import again.`);
    return false;
  }
  if (outcome === 'overwritten') {
    // Said only of what is true: the file, read back, is not what was written.
    term.err(`${m.fail} ${where} was changed by another program while import changed line ${plan.line}: check it, and run import again.`);
    return false;
  }
  // `run` hands a program the project key only: for an admin key there is nothing to start it with.
  const advice = finding.kind === 'dotenv' && keyKind(finding.key) !== 'admin' && !plan.commented ? ` Start the program so that it gets the key:  ${io.run} -- …` : '';
  io.say(`${m.ok} ${plan.after === null ? 'Removed' : 'Changed'} line ${plan.line} of ${where}.${advice}`);
  // A comment removed changes nothing a shell or program reads: nothing to load again.
  const reload = plan.commented ? null : reloadHint(finding.kind, finding.path, where, yourShell(ctx));
  if (reload) io.say(`  ${reload}`);
  return true;
}

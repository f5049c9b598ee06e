// Which profile a command works on, and where its key comes from.
import type { Context } from '../context.js';
import { EXIT, ExitError, KeyStoreError, UsageError } from '../errors.js';
import { adminKeyProblem, heldWithMore, judgeStoredValue, keyWithin, maskKey, otherServiceBaseURL, parseKey } from '../keys/format.js';
import { judgedAsOfficial } from '../platform.js';
import { describeKeychainProblem, keychainFix, keychainOutOfReach, type KeychainUnavailableError } from './keychain.js';
import { keychainReason, type FoundKey, type StoredKey } from './keystore.js';
import { ConfigStoreError } from './private-file.js';
import { afterFirst, elsewhereScope, elsewhereThis, keyCommand, notAKeyFix, pipeKeyCommand, storeKeyAdvice, toolCommand, verifyCommand } from '../terminal/advice.js';
import type { CheckFlagValues } from '../terminal/advice.js';
import { pathLine } from '../terminal/sanitize.js';
import { shellCaptureLine, shellExportLine, shellUnsetLine } from '../terminal/shell.js';
import { shellDirsOf } from './paths.js';
import type { StateReading } from './state.js';

export type KeySourceKind = 'flag' | 'stdin' | 'env' | 'keychain' | 'file';

export interface KeySource {
  kind: KeySourceKind;
  /** For people: "--key", "standard input", "OPENAI_API_KEY", "the keychain (profile default)". */
  label: string;
}

export const ENV_SOURCE: KeySource = { kind: 'env', label: 'OPENAI_API_KEY' };

/**
 * Whether a command that stores the key of `account` (a profile's, or `<profile>:admin`) needs
 * --insecure-storage where it is named: no keychain answers here (asked by a read: no write, no
 * prompt to unlock), where `key` or `admin-key` without it exits 7. For advice made when a failure
 * names the command, not before every check.
 */
export async function keyNeedsFile(ctx: Pick<Context, 'keys'>, account: string): Promise<boolean> {
  return (await ctx.keys.readProblem(account)) !== null;
}

/**
 * --profile, else OPENAI_SETUP_PROFILE, else `options.fallback` when given (inside a run: that
 * run's profile), else the default chosen with `use`, else "default".
 * `handsOutKey` (token, run, env): when the progress file, which records the choice, cannot be
 * read, the run ends (exit 7) rather than hand out the "default" profile's key in its place.
 * It also learns which profile a command typed without --profile acts on (ctx.bareProfile), so
 * that advice names --profile whenever that is another: unknown when the file cannot be read.
 */
export async function resolveProfileName(ctx: Context, flag: string | undefined, options: { handsOutKey?: boolean; fallback?: string } = {}): Promise<string> {
  // What the key store says names commands for this run: who it is for is known from here on.
  ctx.keys.adviseFor(ctx);
  // --profile was checked with the environment where the context was made (main.ts envReader):
  // reading ctx.env raises a bad one.
  const variable = ctx.env.OPENAI_SETUP_PROFILE;
  if (variable !== undefined) {
    ctx.bareProfile = variable;
    return flag ?? variable;
  }
  const given = flag ?? options.fallback;
  // Read even when the profile is given, for advice: it needs the default chosen with `use`.
  // Quietly then: a problem with a file the run does not otherwise use is not worth a warning.
  const { state, problem } = await ctx.state.reading({ quiet: given !== undefined || options.handsOutKey });
  ctx.bareProfile = problem === null ? state.defaultProfile : undefined;
  if (given !== undefined) return given;
  if (problem === null || !options.handsOutKey) return state.defaultProfile;
  const damaged = problem.kind === 'damaged';
  throw new ConfigStoreError(problem.message, [
    `It records the profile chosen with \`${toolCommand(ctx, 'use')}\`, so no key is handed out without it: that could be another profile's key.`,
    `To go on, name the profile: --profile NAME (or OPENAI_SETUP_PROFILE=NAME)${damaged ? `, or choose it again with \`${toolCommand(ctx, 'use NAME')}\` (that moves the damaged file aside)` : ''}.`,
  ]);
}

/**
 * The default chosen with `use` was changed by this run (logout removed the default profile, and
 * "default" is the default again): from here on a command typed without --profile acts on `next`,
 * so advice names --profile for any other (the profile just removed among them). Unless
 * OPENAI_SETUP_PROFILE chose the bare profile: it still wins over the default.
 */
export function defaultProfileChanged(ctx: Context, next: string): void {
  if (ctx.env.OPENAI_SETUP_PROFILE === undefined) ctx.bareProfile = next;
}

/** The profile every command falls back to: a name always there to choose (the default until `use` chooses another). */
const DEFAULT_PROFILE = 'default';

/**
 * Whether no profile `profile` exists — no record of it in the progress file, not the default,
 * not `default` (always there to choose), and no key stored for it in the keychain or key file —
 * and, when none does, the profiles there are, sorted: those `profiles` lists, and those with a key
 * stored (noProfileText says them). The stores are listed (by their entries' names, no key read)
 * only for a name no record knows: a profile in the progress file costs no Secret Service session;
 * a key stored with no record of it (the config dir removed, a damaged progress file moved aside)
 * makes a profile all the same. Null when it exists, or may: the progress file could not be read
 * (`reading.problem`: its records are not known) or a store that runs here could not be listed (a
 * keychain that does not run here holds no key for this machine, as logout takes it: then the key
 * file alone is looked at). What `verify` (not recording a check) and `use` (refusing the name) ask.
 */
export async function unknownProfile(ctx: Pick<Context, 'keys'>, reading: StateReading, profile: string): Promise<string[] | null> {
  const { state, problem } = reading;
  if (problem !== null) return null;
  if (profile === DEFAULT_PROFILE || profile === state.defaultProfile || Object.hasOwn(state.profiles, profile)) return null;
  const stored = await ctx.keys.storedProfiles();
  if (!stored.completeHere || stored.names.includes(profile)) return null;
  // `default` only as `profiles` lists it: when something of it is recorded, or it is the default.
  return [...new Set([state.defaultProfile, ...Object.keys(state.profiles), ...stored.names])].sort();
}

/** `No profile "typo" exists (profiles: default, work)`: what follows it is the command's. */
export function noProfileText(profile: string, names: readonly string[]): string {
  return `No profile "${profile}" exists (profiles: ${names.join(', ')})`;
}

export function storedSource(storage: 'keychain' | 'file', profile: string): KeySource {
  return storage === 'keychain'
    ? { kind: 'keychain', label: `the keychain (profile ${profile})` }
    : { kind: 'file', label: `the --insecure-storage file (profile ${profile})` };
}

/**
 * What OPENAI_API_KEY holds, as programs get it (ctx.env keeps it as set: parseEnv): `key` the key
 * in it, the value itself unless it is a key with more around it (whitespace, quotes, `Bearer `:
 * keyWithin), which programs send whole: `around` says what, fixed by setting the variable, never
 * by storing a key. Null when unset.
 */
export function envKeyHeld(ctx: Context, baseURL?: string): { key: string; around: string | null } | null {
  const value = ctx.env.OPENAI_API_KEY;
  if (!value) return null;
  return keyWithin(value, judgedAsOfficial(ctx, baseURL)) ?? { key: value, around: null };
}

/**
 * OPENAI_API_KEY set to nothing ("empty") or to whitespace alone ("blank"): taken as unset here
 * (parseEnv), while the programs that read it get that value, no key. Null when unset or holding more.
 */
export function envKeyBlank(ctx: Pick<Context, 'rawEnv'>): 'empty' | 'blank' | null {
  const value = ctx.rawEnv.OPENAI_API_KEY;
  if (value === undefined || value.trim() !== '') return null;
  return value === '' ? 'empty' : 'blank';
}

/** OPENAI_API_KEY holding no key, said as it is: "not set", or "set but empty" ("blank"). */
export function envKeyUnsetWords(ctx: Pick<Context, 'rawEnv'>): string {
  const blank = envKeyBlank(ctx);
  return blank === null ? 'not set' : `set but ${blank}`;
}

/**
 * An empty or blank OPENAI_API_KEY as status and doctor say it (verify warns of it alike), with its
 * fix in the person's shell: unset it (`command`), or, with a key stored for the profile (`stored`),
 * set it to that key as `token` says to capture it. Null when it is not empty or blank.
 */
export function blankEnvKeyAdvice(ctx: Context, profile: string, stored: boolean): { detail: string; fix: string; command: string } | null {
  const blank = envKeyBlank(ctx);
  if (blank === null) return null;
  const unset = shellUnsetLine(ctx.rawEnv, ctx.platform, 'OPENAI_API_KEY');
  const capture = shellCaptureLine(ctx.rawEnv, ctx.platform, 'OPENAI_API_KEY', toolCommand(ctx, 'token', profile));
  return {
    detail: `set but ${blank}: programs that read it get no key`,
    fix: stored ? `Unset it (\`${unset}\`), or set it to the stored key:  ${capture}` : `Unset it:  ${unset}`,
    command: unset,
  };
}

/**
 * The key a program would use: OPENAI_API_KEY first (as the SDKs read it), then the stored one,
 * judged as verify judges it for the server it is to be sent to (judgeStoredKey, `check`): the
 * key as it is sent, or (`notAKey`) why the stored value is none, with `key` the value as stored.
 */
export async function findKey(
  ctx: Context,
  profile: string,
  check: CheckFlagValues = {},
): Promise<{ key: string; source: KeySource; notAKey: NotAKey | null } | { key: null; keychainError: KeychainUnavailableError | null }> {
  const envKey = ctx.env.OPENAI_API_KEY;
  if (envKey) return { key: envKey, source: ENV_SOURCE, notAKey: null };
  const { stored, keychainError } = await ctx.keys.get(profile);
  if (!stored) return { key: null, keychainError };
  ctx.term.addSecret(stored.key);
  const judged = judgeStoredKey(ctx, profile, stored, check.baseURL, { check });
  return { key: judged.key ?? stored.key, source: storedSource(stored.storage, profile), notAKey: judged.notAKey };
}

/**
 * A keychain that cannot give the key (locked, no default keyring...): exit 7, what to do about
 * it first, and a plain-text file only as the last resort.
 */
export function keychainFailure(ctx: Context, error: KeychainUnavailableError, profile: string, what: string, check?: CheckFlagValues): KeyStoreError {
  const store = ctx.keys.keychainDescription;
  const fix = keychainFix(error, store);
  const toFile = storeKeyAdvice(ctx, profile, true, check);
  const lastResort = `As a last resort, keep the key in a file only you can read${toFile.how}:  ${toFile.command}`;
  return new KeyStoreError(`${describeKeychainProblem(error, store)} ${what}`, fix ? [fix, lastResort] : [lastResort]);
}

/**
 * No key to hand over for a profile, said as it is: the person keeps it in OPENAI_API_KEY
 * themselves (and, where this shell lacks it, how to load it), it was stored in a keychain that is
 * not running here (exit 7: storing another would make a second key), or none is stored (and the
 * way to store one that works on this machine: a file only they can read when there is no keychain).
 * `check`: the live-check options the run was given, repeated in the commands it names.
 */
export async function noKeyError(
  ctx: Context,
  profile: string,
  keychainError: KeychainUnavailableError | null,
  headline: string,
  otherWays: string[] = [],
  check?: CheckFlagValues,
): Promise<UsageError | KeyStoreError> {
  const command = keyCommand(ctx, profile, check);
  // Piped from OPENAI_API_KEY only where it is set: else `key` asks for it (storeKeyAdvice).
  const storing = storeKeyAdvice(ctx, profile, keychainError !== null, check);
  const record = (await ctx.state.read()).profiles[profile]?.key;
  // `key` exits 7 until this is done (a newer openai-setup's progress file): said before it, as status says it.
  const first = await ctx.state.firstBeforeChanges();
  const toFile = `keep the key in a file only you can read${storing.how}`;
  const outOfReach = keychainOutOfReach({
    record,
    error: keychainError,
    store: ctx.keys.keychainDescription,
    what: `The key stored for profile "${profile}"`,
    cannot: 'read',
    run: elsewhereThis(ctx, profile),
    otherwise: [first ? `to ${toFile}, ${afterFirst(first, storing.command)}` : `${toFile}:  ${storing.command}`],
  });
  if (outOfReach) {
    outOfReach.hints.unshift(...otherWays);
    return outOfReach;
  }
  if (record?.storage === 'env') {
    const held = envKeyHeld(ctx);
    // Set with more around the key, it is no key as programs send it: said as verify says it.
    const here = !held ? `To set it here: ${shellExportLine(shellDirsOf(ctx), null).reload}.` : held.around ? heldWithMore('env', maskKey(held.key), held.around) : 'Programs started from this shell find it there.';
    return new UsageError(`openai-setup keeps no copy of the key of profile "${profile}" (${record.hint}): you keep it in OPENAI_API_KEY yourself${held ? '' : ', and it is not set in this shell'}.`, [
      here,
      `To have openai-setup keep a copy${keychainError ? ' in a file only you can read (no keychain here)' : ' in the keychain'}, ${keepCopy(first, pipeKeyCommand(elsewhereScope(ctx), profile, keychainError !== null, check))}`,
    ]);
  }
  if (keychainError) return new UsageError(headline, [...otherWays, keepOneInFile(ctx, profile, keychainError, first, check)]);
  if (first) return new UsageError(headline, [...otherWays, `To store one, ${afterFirst(first, storing.command)}${storing.how}.`]);
  return new UsageError(headline, [...otherWays, storing.how ? `Store one with \`${storing.command}\`${storing.how}.` : `Store one with \`${command}\` (or from a pipe: \`${storing.command}\`).`]);
}

/**
 * Where no keychain can be used (`keychainError`): why, in brackets, then how to keep a key in a
 * file only the person can read, as it works where it is printed (storeKeyAdvice); `first`: what
 * must be done before `key` works (StateStore.firstBeforeChanges), said before it. noKeyError's
 * hint, and status's advice where no keychain can be reached.
 */
export function keepOneInFile(ctx: Context, profile: string, keychainError: KeychainUnavailableError, first: string | null, check?: CheckFlagValues): string {
  const storing = storeKeyAdvice(ctx, profile, true, check);
  const why = `(${describeKeychainProblem(keychainError, ctx.keys.keychainDescription)})`;
  return `${why} ${first ? `To keep one in a file only you can read${storing.how}, ${afterFirst(first, storing.command)}.` : `Keep one in a file only you can read${storing.how}:  ${storing.command}`}`;
}

/** `pipe` (a `key` reading OPENAI_API_KEY) to run in a shell where the variable is set, after `first` when that must come before it. */
function keepCopy(first: string | null, pipe: string): string {
  return first ? `${afterFirst(first, pipe)} from a shell where it is set` : `from a shell where it is set:  ${pipe}`;
}

/** What a stored value that is no key is said as: which place and profile, what is wrong (never the value), the fix. */
export interface NotAKey {
  message: string;
  /** Every fix, in the order to try them: where the value is a key for another server, checking it there first. */
  fixes: string[];
  /** The fixes as one line (doctor's check, status). */
  fix: string;
}

/**
 * What a stored value is judged for. `send` (the default): it goes to a server (verify, doctor's
 * live check), and is judged for that one: `baseURL` (verify's --base-url), else OPENAI_BASE_URL
 * (resolveBaseURL); a value only another server takes is not sent to OpenAI's. `hand-out`: token,
 * run and env hand it on (status and doctor show it as they would), refused only when it is no key
 * for any server: no file records which server a key is for (a file must not decide where a key
 * goes), and whatever `key --base-url` stored must be handed out.
 */
export interface StoredKeyUse {
  use?: 'send' | 'hand-out';
  /** The live-check options of a command that takes them (verify): a fix then names its --base-url. */
  check?: CheckFlagValues;
  /** What must be done before `key` works (StateStore.firstBeforeChanges): a fix that names it says that first. */
  first?: string | null;
}

/**
 * The one judgement of what is stored as a profile's key (judgeStoredValue), for every command
 * that reads it: verify, doctor, status and the commands that hand it out (token, run, env). The
 * key as it is handed out or sent (`key`), or what is wrong with it (`notAKey`), said the same
 * everywhere, by its masked hint only, with fixes that lead somewhere: never to `key` without the
 * --base-url it would need to take that value again.
 */
export function judgeStoredKey(ctx: Context, profile: string, stored: StoredKey, baseURL?: string, options: StoredKeyUse = {}): { key: string; notAKey: null } | { key: null; notAKey: NotAKey } {
  const official = options.use !== 'hand-out' && judgedAsOfficial(ctx, baseURL);
  // Said the same by every command: the server as OPENAI_BASE_URL, which they all read (not all take --base-url).
  const judged = judgeStoredValue(stored.key, official);
  if (judged.ok) return { key: judged.key, notAKey: null };
  const where = stored.storage === 'keychain' ? `the ${ctx.keys.keychainDescription}` : pathLine(ctx.keys.filePath);
  // A key for some server (as `key --base-url` stores one), refused for OpenAI's API only.
  const otherServers = official && judgeStoredValue(stored.key, false).ok;
  const first = options.first ?? null;
  const fixes = otherServers ? otherServerFixes(ctx, profile, stored.key, options.check, first) : [storeAgainFix(ctx, profile, stored.key, first)];
  const message = `What ${where} holds as the key of profile "${profile}" (${maskKey(stored.key)}) is not ${otherServers ? 'an OpenAI API key' : 'an API key'}: ${judged.problem}.`;
  return { key: null, notAKey: { message, fixes, fix: fixes.join(' ') } };
}

/**
 * Storing the key again, as `key` would take what is stored once cleaned as a paste: with the
 * --base-url of the server it is for when only that would (by its URL when known, else in words).
 */
function storeAgainFix(ctx: Context, profile: string, value: string, first: string | null): string {
  if (parseKey(value, judgedAsOfficial(ctx)).ok) return notAKeyFix(ctx, profile, undefined, '', first);
  const elsewhere = parseKey(value, false);
  if (!elsewhere.ok) return notAKeyFix(ctx, profile, undefined, '', first);
  const url = otherServiceBaseURL(elsewhere.key);
  if (url) return notAKeyFix(ctx, profile, { baseURL: url }, '', first);
  return notAKeyFix(ctx, profile, undefined, ', adding --base-url with the URL of the server the key is for', first);
}

/**
 * A key for another server, checked for OpenAI's: check it where it belongs (its URL, when the
 * problem has not named it, or in words), or store an OpenAI key in its place.
 */
function otherServerFixes(ctx: Context, profile: string, value: string, check: CheckFlagValues | undefined, first: string | null): string[] {
  const url = otherServiceBaseURL(value);
  // As it works where this is read (storeKeyAdvice): piped in where no terminal would ask for it;
  // never from OPENAI_API_KEY, which nothing here checked (it may be the value refused).
  const { command, how } = storeKeyAdvice(ctx, profile, false, undefined, { variableFailed: true });
  const instead = first ? `If it is to be an OpenAI key, store yours (it replaces what is stored): ${afterFirst(first, command)}${how}.` : `If it is to be an OpenAI key, store yours${how} with \`${command}\` (it replaces what is stored).`;
  // A known service's URL is in the problem already (OPENAI_BASE_URL=…); verify can take it as a flag.
  if (url) return check ? [`To check it with that server: \`${verifyCommand(ctx, profile, { ...check, baseURL: url })}\`.`, instead] : [instead];
  const there = `If it is a key for another OpenAI-compatible server, set OPENAI_BASE_URL to that server${check ? ' (or give --base-url its URL)' : ''}.`;
  return [there, instead];
}

/**
 * A stored value that is no key (judgeStoredKey): what it is, by its masked hint only, and how to
 * replace it. Null for a key. `admin`: the value is the profile's admin key, which must be one
 * (adminKeyProblem: a project key will not do either), and `fix` stores it again.
 */
export function storedNotAKey(ctx: Context, profile: string, stored: StoredKey, admin?: { fix: string }): { message: string; fix: string } | null {
  if (!admin) return judgeStoredKey(ctx, profile, stored).notAKey;
  const problem = adminKeyProblem(stored.key);
  if (!problem) return null;
  const where = stored.storage === 'keychain' ? `the ${ctx.keys.keychainDescription}` : pathLine(ctx.keys.filePath);
  return { message: `What ${where} holds as the admin key of profile "${profile}" (${maskKey(stored.key)}) is not an admin key: ${problem}.`, fix: admin.fix };
}

/**
 * The stored key of a profile (where the progress file records it: the keychain or the
 * --insecure-storage file; KeyStore.find), for the commands that hand it on: run, token, env. None stored is a usage error saying how to store one; an
 * unusable keychain with nothing in the file is a key-store error; a stored value that is no key
 * (judgeStoredKey) is refused as a malformed key (exit 3), never handed out.
 */
export async function requireStoredKey(ctx: Context, profile: string): Promise<string> {
  const { stored, keychainError } = await ctx.keys.get(profile);
  if (stored) {
    ctx.term.addSecret(stored.key);
    // Handed out only as a key: a value edited in by hand could carry terminal escapes to the
    // screen (`token`) or a line break into a program's environment (`run`).
    // Judged as a key for any server: which one it is for is not recorded (judgeStoredKey, hand-out).
    const { key, notAKey } = judgeStoredKey(ctx, profile, stored, undefined, { use: 'hand-out' });
    if (!notAKey) return key;
    // Its fixes name `key`, which exits 7 until this is done: said first.
    const first = await ctx.state.firstBeforeChanges();
    const { fixes } = first ? judgeStoredKey(ctx, profile, stored, undefined, { use: 'hand-out', first }).notAKey! : notAKey;
    throw new ExitError(EXIT.keyRejected, `${notAKey.message} It is not handed out.`, fixes);
  }
  // With no keychain service at all nothing can be stored in it: that is "no key", not a failure.
  if (keychainError && keychainError.problem !== 'no-service') throw keychainFailure(ctx, keychainError, profile, `No key could be read for profile "${profile}".`);
  throw await noKeyError(ctx, profile, keychainError, `No key is stored for profile "${profile}".`);
}

/** Another profile that stores the same key (profilesSharing); `sure` false: only its recorded hint matched, what is stored for it could not be read to compare. */
export interface SharingProfile {
  name: string;
  storage: 'keychain' | 'file';
  sure: boolean;
}

/**
 * The other profiles that store the key `hint` names too (one key given to two profiles, by
 * `token | key --stdin --profile other` say): revoking it stops it working for them as well. Those
 * the progress file records with that hint, each confirmed by comparing what is stored for it
 * (reading only) with the key itself (`key`, read only when some profile may hold it); one that
 * could not be read stays, `sure` false. Hints alone could match another key. Also those the
 * keychain or key file has a key for that no record names (the config dir removed, a damaged
 * progress file moved aside): named only when what is stored for them is the key itself, as no
 * hint says so. `listing` 'when-records-lost': those looked for only where records are known to be
 * lost (the progress file cannot be read, or one was moved aside), for a notice that decides
 * nothing: a listing is one more Secret Service session, and GNOME's crashes now and then on one.
 * Where a key may be revoked on the strength of the answer, the default: always.
 */
export async function profilesSharing(
  ctx: Context,
  profile: string,
  hint: string,
  key: () => Promise<string | null>,
  listing: 'always' | 'when-records-lost' = 'always',
): Promise<SharingProfile[]> {
  const { state, problem } = await ctx.state.reading({ quiet: true });
  const candidates = Object.entries(state.profiles).filter(([name, p]) => name !== profile && p.key?.hint === hint && p.key.storage !== 'env');
  const recordsWhole = listing === 'when-records-lost' && problem === null && (await ctx.state.movedAside()).length === 0;
  const unrecorded = recordsWhole ? [] : (await ctx.keys.storedProfiles()).names.filter((name) => name !== profile && !state.profiles[name]?.key);
  if (candidates.length === 0 && unrecorded.length === 0) return [];
  // As a key is handed out: a line break after it is not part of it.
  const plain = (value: string) => {
    const judged = judgeStoredValue(value, false);
    return judged.ok ? judged.key : value;
  };
  const own = await key().then(
    (value) => (value === null ? null : plain(value)),
    (error: unknown) => {
      // A key file that cannot be read: the hints alone say it.
      if (error instanceof ConfigStoreError) return null;
      throw error;
    },
  );
  // Reading only; null: the key file could not be read.
  const storedFor = async (name: string): Promise<FoundKey | null> => {
    try {
      return await ctx.keys.find(name);
    } catch (error) {
      if (!(error instanceof ConfigStoreError)) throw error;
      return null;
    }
  };
  const sharing: SharingProfile[] = [];
  for (const [name, p] of candidates) {
    const storage = p.key!.storage as 'keychain' | 'file';
    const found = await storedFor(name);
    if (found?.stored) {
      if (own !== null && plain(found.stored.key) === own) sharing.push({ name, storage: found.stored.storage, sure: true });
      else if (own === null) sharing.push({ name, storage: found.stored.storage, sure: false });
    } else if (!found || found.keychainError) sharing.push({ name, storage, sure: false });
  }
  // No recorded hint to go by: only the key itself, compared, says one of these holds it.
  if (own === null) return sharing;
  for (const name of unrecorded) {
    const found = await storedFor(name);
    if (found?.stored && plain(found.stored.key) === own) sharing.push({ name, storage: found.stored.storage, sure: true });
  }
  return sharing;
}

/** `profile "r2"`, `profiles "r2" and "r3"`: the profiles sharing a key, as a sentence names them. */
export function sharingNames(sharing: SharingProfile[]): string {
  const names = sharing.map((s) => `"${s.name}"`);
  return names.length === 1 ? `profile ${names[0]}` : `profiles ${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/**
 * The profiles sharing a key with a verb that agrees: `profile "r2" stores`, `profiles "r2" and
 * "r3" store` (`one`, `many`: the verb's forms), `… may store` when one could not be read to compare.
 */
export function sharingSays(sharing: SharingProfile[], one: string, many: string): string {
  return `${sharingNames(sharing)} ${sharing.every((s) => s.sure) ? (sharing.length === 1 ? one : many) : `may ${many}`}`;
}

/** What the key of a profile replaced, removed or rotated is to the others: `profile "r2" still uses it` ("may still use" when one could not be read). */
export function sharingWords(sharing: SharingProfile[]): string {
  return `${sharingSays(sharing, 'still uses', 'still use')} it`;
}

/** A key looked up where `token` finds it (lookUpStoredKey); undefined: none found. `unknown`: none found, but what could hold it could not be read (`why`, in words). */
export type LookedUpKey = { storage: 'keychain' | 'file'; hint: string; savedAt: null } | { storage: 'unknown'; why: string } | undefined;

/**
 * Where a profile's key is as `token` finds it (keychain, then the file), reading only: for when no
 * record says (the progress file cannot be used, or a damaged one moved aside took the records),
 * as "no key" must not be said of a key that is there. `said`: what to say of it on stderr (a
 * stored value that is no key, a key file that cannot be used); the caller answers all the same.
 */
export async function lookUpStoredKey(ctx: Context, profile: string): Promise<{ key: LookedUpKey; said: { mark: 'fail' | 'warn'; text: string } | null }> {
  try {
    const { stored, keychainError } = await ctx.keys.find(profile);
    // A value there that is no key (edited in by hand) is not shown as a key: said, with the fix.
    const judged = stored ? judgeStoredKey(ctx, profile, stored, undefined, { use: 'hand-out' }) : null;
    const said = judged?.notAKey ? { mark: 'fail' as const, text: `${judged.notAKey.message} ${judged.notAKey.fix}` } : null;
    if (stored) return { key: judged?.key ? { storage: stored.storage, hint: maskKey(judged.key), savedAt: null } : undefined, said };
    return { key: keychainError ? { storage: 'unknown', why: `the ${ctx.keys.keychainDescription} could not be read (${keychainReason(keychainError)})` } : undefined, said };
  } catch (error) {
    if (!(error instanceof ConfigStoreError)) throw error;
    return { key: { storage: 'unknown', why: `${pathLine(ctx.keys.filePath)} could not be read` }, said: { mark: 'warn', text: [error.message, ...error.hints].join(' ') } };
  }
}

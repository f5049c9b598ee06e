// `openai-setup doctor`: the things that commonly break between a stored key and a working program,
// each with what to do: Node, the keychain, the key in use, stray OpenAI variables, proxy and CA
// settings, whether the API answers, and finally the live check itself.
import { constants } from 'node:fs';
import { access, open } from 'node:fs/promises';
import * as z from 'zod/mini';
import { buildCheckRequest, insecureTransportWarnings, otherHostNoticeOnce, runCheck, storedValueNotSent, transportWarned } from '../api/check.js';
import { CUSTOM_HEADERS_VARIABLE, parseCustomHeaders } from '../api/custom-headers.js';
import { apiErrorDiagnosis, NO_CHECK_FLAGS, nonApiDiagnosis, transportDiagnosis, type Failure, type FailedRequest, type NoCheckFlags } from '../api/diagnosis.js';
import { proxyFor, proxySettings, type ProxySettings } from '../api/http.js';
import type { CheckResult, Reachability } from '../api/types.js';
import { outcomeRow } from '../api/status.js';
import { billingNotProven } from '../api/verdict.js';
import type { Context } from '../context.js';
import { EXIT, ExitError, FAILURE_FIELDS } from '../errors.js';
import { checkKeyShape, maskKey, secretOf } from '../keys/format.js';
import { redact } from '../keys/redact.js';
import { recordCheck } from '../last-check.js';
import { baseURLOrigin, isOfficialBaseURL, PAGES, resolveBaseURL, type BaseURLOrigin } from '../platform.js';
import { accountsLeft } from '../storage/admin-state.js';
import { adminAccount, storedNotAnAdminKey } from '../storage/admin-key.js';
import { describeKeychainProblem, keychainFix, keychainOutOfReach, type KeychainUnavailableError } from '../storage/keychain.js';
import { reasonOf } from '../storage/key-change.js';
import { DamagedKeyFileError, damagedKeyFileFix, storeAgainCommand, type StoredKey } from '../storage/keystore.js';
import { ConfigStoreError } from '../storage/private-file.js';
import { damagedDetail, profileIn, type StateReading } from '../storage/state.js';
import { blankEnvKeyAdvice, ENV_SOURCE, envKeyHeld, envKeyUnsetWords, judgeStoredKey, keyNeedsFile, resolveProfileName, storedSource, type KeySource } from '../storage/profile-key.js';
import { describeKey, messageAt, printCheck } from '../terminal/check-report.js';
import { marks, withFailureDocument } from '../terminal/output.js';
import { labelled } from '../terminal/width.js';
import { copiesOf, listCopies, plaintextDoctorChecks } from '../plaintext/summary.js';
import { askedNote, staleEnvFile, trackedEnvFile } from '../plaintext/env-command.js';
import { jsonText, pathLine, sanitize, upperFirst, withoutCredentials } from '../terminal/sanitize.js';
import { afterFirst, elsewhereCommand, keyCommand, pendingAccountAdvice, pendingRevokeAdvice, pipeKeyCommand, promptWhereItAsks, storeKeyAdvice, toolCommand, verifyCommand } from '../terminal/advice.js';
import { shellExportLine, shellSetLine, shellUnsetLine } from '../terminal/shell.js';
import { baseUrlProblem, urlMeant } from '../options.js';
import { shellDirsOf } from '../storage/paths.js';

export type CheckStatus = 'ok' | 'info' | 'warn' | 'fail' | 'skip';

export interface DoctorCheck {
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  fix: string | null;
  /** The exit code this check stands for when it fails (the published table). */
  exitCode?: number;
}

export const DoctorJsonSchema = z.object({
  ok: z.boolean(),
  exitCode: z.number().check(z.int()),
  profile: z.string(),
  checks: z.array(
    z.object({ id: z.string(), title: z.string(), status: z.enum(['ok', 'info', 'warn', 'fail', 'skip']), detail: z.string(), fix: z.nullable(z.string()) }),
  ),
  verify: z.nullable(
    z.object({
      ok: z.boolean(),
      status: z.string(),
      exitCode: z.number().check(z.int()),
      key: z.object({ hint: z.string(), source: z.string() }),
      organization: z.nullable(z.string()),
      project: z.nullable(z.string()),
      message: z.string(),
      fix: z.nullable(z.string()),
    }),
  ),
});
export type DoctorJson = z.infer<typeof DoctorJsonSchema>;

// Details quote the environment, the state file and the network: each is one safe, bounded line.
const check = (id: string, title: string, status: CheckStatus, detail: string, fix: string | null = null, exitCode?: number): DoctorCheck => ({
  id,
  title,
  status,
  detail: sanitize(detail),
  fix: fix === null ? null : sanitize(fix),
  ...(exitCode === undefined ? {} : { exitCode }),
});

export function nodeCheck(version: string): DoctorCheck {
  const major = Number.parseInt(version.replace(/^v/, ''), 10);
  return major >= 20
    ? check('node', 'Node.js', 'ok', `${version} (20 or newer is needed)`)
    : check('node', 'Node.js', 'fail', `${version} is too old: openai-setup and the openai package need Node.js 20 or newer`, 'Install a current LTS from https://nodejs.org (or with nvm: nvm install --lts).', EXIT.internal);
}

/**
 * OPENAI_CUSTOM_HEADERS, which the openai Node SDK sends with every request after its own headers:
 * the names of its headers (any key-shaped one masked), never their values; a warning when one
 * replaces the key, the organization or the project a program sends, else information.
 */
function customHeadersCheck(env: Record<string, string | undefined>, platform: NodeJS.Platform): DoctorCheck | null {
  const name = CUSTOM_HEADERS_VARIABLE;
  const { headers, problem } = parseCustomHeaders(env[name]);
  const unsetLine = shellUnsetLine(env, platform, name);
  const unset = `Fine if you mean it; otherwise:  ${unsetLine}`;
  // The SDK refuses it: every program using it fails, and so would the live check below (not run).
  if (problem) return check(name, 'Custom headers', 'fail', `${name}: ${problem}`, `Write one "Name: value" line per header, or:  ${unsetLine}`, EXIT.usage);
  if (!headers.length) return null;
  const sent = new Set(headers.map((h) => h.lower));
  const notes = [
    ...(sent.has('authorization') ? ['its Authorization replaces the key programs send (openai-setup checks the key itself)'] : []),
    ...(sent.has('openai-organization') ? ['a key from another organization gets mismatched_organization'] : []),
    ...(sent.has('openai-project') ? ['a key from another project gets mismatched_project'] : []),
  ];
  const names = headers.map((h) => redact(h.name)).join(', ');
  const detail = `${name} adds ${names} to every request of the openai Node SDK (values not shown)${notes.length ? `; ${notes.join('; ')}` : ''}`;
  return check(name, 'Custom headers', notes.length ? 'warn' : 'info', detail, notes.length ? unset : null);
}

/** OpenAI variables left in the shell, which every SDK sends with whatever key it uses. */
export function strayVariableChecks(env: Record<string, string | undefined>, platform: NodeJS.Platform): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  for (const [name, header, error] of [
    ['OPENAI_ORG_ID', 'OpenAI-Organization', 'mismatched_organization'],
    ['OPENAI_PROJECT_ID', 'OpenAI-Project', 'mismatched_project'],
  ] as const) {
    const value = env[name]?.trim();
    if (value) {
      checks.push(check(name, name, 'warn', `${value}: sent as ${header} with every request; a key from elsewhere gets ${error}`, `Fine if you mean it; otherwise:  ${shellUnsetLine(env, platform, name)}`));
    }
  }
  const custom = customHeadersCheck(env, platform);
  if (custom) checks.push(custom);
  const baseURL = env.OPENAI_BASE_URL?.trim();
  const malformed = baseUrlProblem(env);
  if (malformed) {
    // Every program using it fails; this run goes on without it (main.ts), its API checks not run.
    const unset = shellUnsetLine(env, platform, 'OPENAI_BASE_URL');
    const meant = urlMeant(malformed.value);
    const fix = meant ? `Set it to ${meant}:  ${shellSetLine(env, platform, 'OPENAI_BASE_URL', meant)}  (or, for OpenAI's API:  ${unset})` : `Set it to an http:// or https:// URL, or for OpenAI's API:  ${unset}`;
    checks.push(check('OPENAI_BASE_URL', 'OPENAI_BASE_URL', 'fail', `${malformed.detail}: programs using it fail`, fix, EXIT.network));
  } else if (baseURL && !isOfficialBaseURL(baseURL)) {
    checks.push(check('OPENAI_BASE_URL', 'OPENAI_BASE_URL', 'warn', `${withoutCredentials(baseURL)}: programs talk to this server, not to the OpenAI API`, `Fine for a gateway or compatible server; otherwise:  ${shellUnsetLine(env, platform, 'OPENAI_BASE_URL')}`));
  }
  return checks;
}

/** Why a request to `baseURL` goes direct: no proxy set, none for its scheme, or NO_PROXY (`noProxy`) names its host. */
function directBecause(settings: ProxySettings, baseURL: string, noProxy: string): string {
  if (!settings.httpsProxy && !settings.httpProxy) return noProxy ? `none (${noProxy} has no effect without one)` : 'none: direct connection';
  let url: URL;
  try {
    url = new URL(baseURL);
  } catch {
    return 'direct connection (the base URL is not a URL)';
  }
  // HTTPS_PROXY serves https:// URLs and HTTP_PROXY http:// ones (HTTPS_PROXY falls back to it).
  if (url.protocol === 'http:' && !settings.httpProxy) return `direct connection (HTTPS_PROXY is for https:// URLs, and HTTP_PROXY is not set for this http:// one)`;
  return `direct connection (${noProxy} exempts ${url.host})`;
}

/** Proxy settings as the one HTTP path reads them; a malformed value is a failed check here, not a usage error. */
export function proxyCheck(env: Record<string, string | undefined>, baseURL: string): DoctorCheck {
  let settings;
  try {
    settings = proxySettings(env);
  } catch (error) {
    return check('proxy', 'Proxy', 'fail', (error as Error).message.replace(/\.$/, ''), 'Set it to a URL like http://proxy.example.com:3128, or unset it.', EXIT.network);
  }
  const proxy = proxyFor(settings, baseURL);
  const noProxy = settings.noProxy ? `NO_PROXY=${settings.noProxy}` : '';
  if (!proxy) return check('proxy', 'Proxy', 'info', directBecause(settings, baseURL, noProxy));
  return check('proxy', 'Proxy', 'info', `API calls go through ${proxy}${noProxy ? `; ${noProxy}` : ''}`);
}

/** Settings that would send the key unprotected: TLS checks turned off, plain http:// to another machine or through a proxy. */
export function transportChecks(env: Record<string, string | undefined>, baseURL: string, platform?: NodeJS.Platform): DoctorCheck[] {
  return insecureTransportWarnings(env, baseURL, platform).map((warning) =>
    warning.startsWith('NODE_TLS_REJECT_UNAUTHORIZED')
      ? check('NODE_TLS_REJECT_UNAUTHORIZED', 'TLS checks', 'warn', warning)
      : check('transport', 'Transport', 'warn', warning),
  );
}

/** What a CA file holds, as far as doctor reads it: not there, not a regular file, or the start of its text (CA_READ_BYTES). */
export type CaFile = { kind: 'missing' } | { kind: 'not-file' } | { kind: 'file'; text: string };

/** How much of a CA file is read: a bundle of every public CA is about 200 KB; the first certificate is enough. */
const CA_READ_BYTES = 1024 * 1024;

/** A PEM certificate block: what Node loads from NODE_EXTRA_CA_CERTS (a key, or anything else, it ignores). */
const PEM_CERTIFICATE = /-----BEGIN (?:TRUSTED )?CERTIFICATE-----/;

/** The file at `path`, for caChecks: a regular file's first CA_READ_BYTES as text. */
export async function readCaFile(path: string): Promise<CaFile> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR' ? { kind: 'missing' } : { kind: 'not-file' };
  }
  try {
    if (!(await handle.stat()).isFile()) return { kind: 'not-file' };
    const buffer = Buffer.alloc(CA_READ_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, CA_READ_BYTES, 0);
    return { kind: 'file', text: buffer.subarray(0, bytesRead).toString('latin1') };
  } catch {
    return { kind: 'not-file' };
  } finally {
    await handle.close();
  }
}

/**
 * CA variables: NODE_EXTRA_CA_CERTS must name a regular file with a PEM certificate in it (Node
 * ignores any other, with a warning on stderr only); a stale SSL_CERT_FILE breaks other programs' TLS.
 */
export async function caChecks(env: Record<string, string | undefined>, exists: (path: string) => Promise<boolean>, readCa: (path: string) => Promise<CaFile> = readCaFile): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const extra = env.NODE_EXTRA_CA_CERTS?.trim();
  if (extra) {
    const file = await readCa(extra);
    const fix = "Point it at your company's CA certificate file (PEM), or unset it.";
    const ignored = 'Node ignores it, and a TLS-inspecting proxy then fails every call';
    checks.push(
      file.kind === 'missing'
        ? check('NODE_EXTRA_CA_CERTS', 'NODE_EXTRA_CA_CERTS', 'fail', `${extra} does not exist: ${ignored}`, fix, EXIT.network)
        : file.kind === 'not-file'
          ? check('NODE_EXTRA_CA_CERTS', 'NODE_EXTRA_CA_CERTS', 'fail', `${extra} is not a file that can be read: ${ignored}`, fix, EXIT.network)
          : !PEM_CERTIFICATE.test(file.text)
            ? check('NODE_EXTRA_CA_CERTS', 'NODE_EXTRA_CA_CERTS', 'fail', `${extra} holds no PEM certificate (no -----BEGIN CERTIFICATE----- line): ${ignored}`, 'Point it at your company\'s CA certificate in PEM form (a file with a -----BEGIN CERTIFICATE----- line, not a key), or unset it.', EXIT.network)
            : check('NODE_EXTRA_CA_CERTS', 'NODE_EXTRA_CA_CERTS', 'ok', `${extra} (extra CA certificates for Node)`),
    );
  }
  const certFile = env.SSL_CERT_FILE?.trim();
  if (certFile) {
    checks.push(
      (await exists(certFile))
        ? check('SSL_CERT_FILE', 'SSL_CERT_FILE', 'info', `${certFile}: used by OpenSSL-based programs (Python, curl), not by Node: for Node set NODE_EXTRA_CA_CERTS`)
        : check('SSL_CERT_FILE', 'SSL_CERT_FILE', 'fail', `${certFile} does not exist: TLS fails in programs that read it (Python's openai package, curl)`, 'A leftover from another setup? unset SSL_CERT_FILE', EXIT.network),
    );
  }
  return checks;
}

/** The columns a check's mark and title take before its detail (`✔ NODE_EXTRA_CA_CERTS `). */
const TITLE_COLUMN = 22;

/** How long doctor's probe waits for the API's headers. */
const PROBE_TIMEOUT_MS = 10_000;

/**
 * What doctor's advice about its probe needs to know of the run. `verify` (NoCheckFlags): the
 * command that runs doctor's live check with the flags doctor does not take, or null when there is
 * no key to check.
 */
export interface ProbeAdvice extends NoCheckFlags {
  /** The proxy the probe went through (without its login: proxyFor), or null for a direct connection. */
  proxy: string | null;
  /** A proxy variable is set, whether or not it applies to this URL. */
  proxySet: boolean;
  /**
   * The key doctor checks next, which the probe never sends: a redirect whose address holds it is
   * said so, its host labels named `<the key>` (the live check's words), not left to output masking.
   */
  checkedKey?: string;
  /** The setting that named the base URL probed (baseURLOrigin): null, neither did. Absent: judged by the URL (diagnosis.ts). */
  origin?: BaseURLOrigin | null;
}

const DIRECT: ProbeAdvice = { proxy: null, proxySet: false, ...NO_CHECK_FLAGS };

/**
 * The probe as diagnosis.ts's texts take a request: GET /models sent without a key, to the base URL
 * without its login (a 404's text quotes it), by a command that takes none of the live-check flags.
 */
function probeRequest(url: string, advice: ProbeAdvice): FailedRequest {
  return { probe: 'models', baseURL: withoutCredentials(url), key: advice.checkedKey ?? '', keyless: true, model: '', timeoutMs: PROBE_TIMEOUT_MS, proxy: advice.proxy, noCheckFlags: { verify: advice.verify }, ...(advice.origin !== undefined ? { baseURLOrigin: advice.origin } : {}) };
}

/**
 * What the unauthenticated GET /models found, as a check: a JSON answer (401 without a key) is
 * healthy, and nothing is read into what it says of a key. A redirect, a 404, a page that is no API
 * answer and no answer at all are said in the live check's words (diagnosis.ts), with advice for
 * doctor; only a timeout without a proxy has doctor's own, which points at its Proxy check.
 */
export function reachabilityCheck(url: string, reach: Reachability, advice: ProbeAdvice = DIRECT): DoctorCheck {
  const title = 'API reachable';
  const request = probeRequest(url, advice);
  if (reach.reached) {
    const { status } = reach;
    const redirect = status >= 300 && status < 400;
    if (reach.json && !redirect && status !== 404) return check('api', title, 'ok', `${request.baseURL} answered (HTTP ${status} without a key, ${reach.ms} ms)`);
    const location = reach.location ?? null;
    const failure: Extract<Failure, { kind: 'http' }> = { kind: 'http', status, headers: { get: (name) => (name.toLowerCase() === 'location' ? location : null) }, body: undefined, requestId: null };
    // The probe reads no body: a 404 is taken as the API's own (the API and nearly every compatible
    // one list models, so the base URL looks wrong), whatever its page.
    const found = (status === 404 ? null : nonApiDiagnosis(failure, request)) ?? apiErrorDiagnosis(failure, request);
    return check('api', title, 'warn', found.message.replace(/\.$/, ''), found.fix);
  }
  const { code, detail, cert, at } = reach;
  const failure: Exclude<Failure, { kind: 'http' }> = code === 'TimeoutError' ? { kind: 'timeout' } : { kind: 'transport', code: code || null, text: detail, ...(cert ? { cert } : {}), ...(at ? { at } : {}) };
  const diagnosed = transportDiagnosis(failure, request);
  let { fix } = diagnosed;
  // With no proxy in the way, doctor's Proxy check above says whether one is set and applies.
  if (code === 'TimeoutError' && !advice.proxy) {
    fix = advice.proxySet
      ? 'No answer in time: a firewall may drop the connection, which does not go through the proxy (see Proxy above).'
      : 'No answer in time: a firewall may drop the connection; set HTTPS_PROXY if you must use a proxy.';
  }
  // In the live check's words, as verify says it (check() makes it one safe line): "Could not
  // resolve …", "The connection to … was refused", bytes that are not HTTP said as an answer.
  return check('api', title, 'fail', diagnosed.message.replace(/\.$/, ''), fix, EXIT.network);
}

const fileExists = (path: string) => access(path).then(() => true, () => false);

/** The proxy settings a probe of `baseURL` goes by (already checked by proxyCheck: they are URLs). */
function probeRoute(env: Record<string, string | undefined>, baseURL: string): Pick<ProbeAdvice, 'proxy' | 'proxySet'> {
  const settings = proxySettings(env);
  return { proxy: proxyFor(settings, baseURL), proxySet: Boolean(settings.httpsProxy || settings.httpProxy) };
}

/** 0 when nothing failed; else the live check's exit code when it failed, else the first failed check's. */
export function doctorExitCode(checks: DoctorCheck[], verify: CheckResult | null): number {
  if (verify && verify.exitCode !== EXIT.ok) return verify.exitCode;
  const failed = checks.find((c) => c.status === 'fail');
  return failed ? (failed.exitCode ?? EXIT.internal) : EXIT.ok;
}

/**
 * The profile's stored key, as the commands would find it. A key file that cannot be used (damaged,
 * or written by a newer openai-setup) is `fileProblem`, and the keychain is then asked on its own.
 */
async function readStoredKey(ctx: Context, profileName: string): Promise<{ stored: StoredKey | null; keychainError: KeychainUnavailableError | null; fileProblem: ConfigStoreError | null }> {
  try {
    return { ...(await ctx.keys.get(profileName)), fileProblem: null };
  } catch (error) {
    if (!(error instanceof ConfigStoreError)) throw error;
    return { stored: null, keychainError: await ctx.keys.probeWritable(), fileProblem: error };
  }
}

/**
 * A key file that cannot be used, as what is wrong and the fix that fits, each as the error carries
 * it: chmod for a file others may change, chown for another user's, an update for a newer
 * openai-setup's. Never "remove it" then: the file
 * may hold the only copy of the key. Only a damaged file is removed, and its keys go with it;
 * `insecure`: the key is stored again in the file (where it was kept, or no keychain can be used).
 */
export function keyFileProblem(ctx: Context, profileName: string, problem: ConfigStoreError, insecure = false): { detail: string; fix: string | null } {
  // Never split from the message: a path, or "(format 2; this one knows 1)", may hold any punctuation.
  const { detail, fix: said } = problem.parts;
  const path = ctx.keys.filePath;
  if (problem instanceof DamagedKeyFileError) return { detail, fix: `${upperFirst(damagedKeyFileFix(ctx, path, profileName, insecure))}.` };
  if (problem.hints.length) return { detail, fix: problem.hints.join(' ') };
  return { detail, fix: said ? upperFirst(said).replace(/\.?$/, '.') : null };
}

/**
 * The progress file when it cannot be used (StateReading's problem): a failed check (exit 7), as
 * the commands it stops fail. It records the default profile chosen with `use`, so `token`, `run`
 * and `env` hand out no key without --profile; one that cannot be read (not ours, others may change
 * it or its dir, not a regular file) or that a newer openai-setup wrote in a form this one cannot
 * read also stops every command that saves progress. The fix is the problem's own (chmod, rm,
 * update); a damaged file is moved aside by `use NAME`, which chooses the default again (a run
 * that names its profile moves it aside itself): never "default" guessed, the file named its own.
 */
export function progressFileCheck(ctx: Context, problem: NonNullable<StateReading['problem']>): DoctorCheck {
  const damaged = problem.kind === 'damaged';
  const handsOut = 'token, run and env hand out no key without --profile or OPENAI_SETUP_PROFILE (it records the default profile)';
  const detail = problem.detail.replace(/\.$/, '');
  // A link leading nowhere says already that nothing can be saved there: not twice.
  const stops = damaged ? `: ${handsOut}` : detail.endsWith('nothing can be saved there') ? `, and ${handsOut}` : `: nothing can be saved, and ${handsOut}`;
  const said = problem.fix ?? `choose the default profile again, which moves it aside (its records are lost; stored keys stay):  ${toolCommand(ctx, 'use NAME')}`;
  const fix = upperFirst(said);
  return check('progress-file', 'Progress file', 'fail', `${detail}${stops}`, damaged ? fix : fix.replace(/\.?$/, '.'), EXIT.keyStore);
}

/**
 * What is stored as the admin key, when the progress file records one and it is not an admin key
 * (storedNotAnAdminKey): a failed check (exit 3) with the fix; null otherwise. Read only: one the
 * keychain or the key file cannot give is for the checks above to say.
 */
async function storedAdminKeyCheck(ctx: Context, profileName: string): Promise<DoctorCheck | null> {
  if (!(await ctx.state.read()).profiles[profileName]?.adminKey) return null;
  let stored: StoredKey | null;
  try {
    ({ stored } = await ctx.keys.find(adminAccount(profileName)));
  } catch (error) {
    if (!(error instanceof ConfigStoreError)) throw error;
    return null;
  }
  if (!stored) return null;
  ctx.term.addSecret(stored.key);
  const notAdmin = storedNotAnAdminKey(ctx, profileName, stored);
  return notAdmin ? check('admin-key', 'Admin key', 'fail', notAdmin.message.replace(/\.$/, ''), notAdmin.fix, EXIT.keyRejected) : null;
}

/**
 * What reconcile() did: `was`, what the record said (null: none); `now`, the hint recorded now
 * (null: the record was forgotten, no key being stored; undefined: nothing to change, the mark of an
 * interrupted key change only cleared); `failed`: it could not be written.
 */
type Reconciled = { was: string | null; now: string | null | undefined; failed: unknown };

/**
 * Make the progress file's record of the profile's key say what the store holds, holding
 * state.json's lock and reading the store again under it (a run storing a key holds that lock until
 * it has recorded it: what is read then is settled): the stored key's hint where the record names
 * another key in the same place, or none at all; after an interrupted key change (its mark, changeKey),
 * whatever is stored, even as a copy find() does not hand out; a record of a key stored nowhere is forgotten.
 * The mark is cleared once the store could be read. Null: nothing to change (or the keychain did
 * not answer, so what it holds is not known).
 */
async function reconcile(ctx: Context, profileName: string): Promise<Reconciled | null> {
  const recorded = (await ctx.state.read()).profiles[profileName]?.key;
  try {
    return await ctx.state.locked(
      async (state, save): Promise<Reconciled | null> => {
        const { stored, stale, keychainError } = await ctx.keys.find(profileName);
        if (keychainError && keychainError.problem !== 'no-service') return null;
        // A key stored for a profile the file has no record of at all: the profile is made for it.
        const profile = state.profiles[profileName] ?? (stored ? profileIn(state, profileName) : undefined);
        if (!profile) return null;
        const record = profile.key;
        const marked = Boolean(profile.keyChangeStartedAt);
        delete profile.keyChangeStartedAt;
        const actual = stored ? { storage: stored.storage, hint: maskKey(stored.key) } : marked && stale ? { storage: stale.storage, hint: stale.hint } : null;
        const was = record?.hint ?? null;
        let now: string | null | undefined;
        if (actual && (marked ? record?.storage !== actual.storage || record.hint !== actual.hint : !record || (record.storage === actual.storage && record.hint !== actual.hint))) {
          profile.key = { ...actual, savedAt: ctx.state.nowIso() };
          profile.stages.key ??= { doneAt: ctx.state.nowIso() };
          now = actual.hint;
        } else if (!actual && !stale && record && (keychainError ? record.storage === 'file' : record.storage !== 'env')) {
          // Stored nowhere (a logout killed before it recorded the removal, the key file removed): as logout forgets it.
          // With no keychain running here (the only keychainError left), a record of the key file's key all the same.
          delete profile.key;
          delete profile.stages.key;
          if (profile.lastVerify?.keyHint === record.hint) delete profile.lastVerify;
          now = null;
        } else if (!marked) return null;
        await save(state);
        return { was, now, failed: null };
      },
      { what: `recording the key of profile "${profileName}"`, risk: `${pathLine(ctx.state.path)} may still record another key than the one stored; run doctor again` },
    );
  } catch (error) {
    if (!(error instanceof ExitError)) throw error;
    return { was: recorded?.hint ?? null, now: undefined, failed: error };
  }
}

/**
 * The last way out, for a fix that goes on after ", or": a file only the person can read (storeKeyAdvice: as it works here);
 * `first`: what must be done before `key` works (StateStore.firstBeforeChanges: it exits 7 until then), said before it.
 */
function storeInFile(ctx: Context, profileName: string, first: string | null): string {
  const { command, how } = storeKeyAdvice(ctx, profileName, true);
  // It saves to the config dir: where this run may not make it (the Config dir check), only once that is fixed.
  const once = ctx.state.dirNotMadeHere() ? ', once the Config dir problem above is fixed' : '';
  if (first && !once) return `to keep the key in a file only you can read${how}, ${afterFirst(first, command)}`;
  return `keep the key in a file only you can read${once}${how}:  ${command}`;
}

/** The live check's outcome as the --json document shows it. */
function verifyJson(verify: CheckResult, key: string, source: KeySource): NonNullable<DoctorJson['verify']> {
  return { ok: verify.ok, status: verify.status, exitCode: verify.exitCode, key: { hint: maskKey(key), source: source.kind }, organization: verify.organization, project: verify.project, message: verify.message, fix: verify.fix };
}

/**
 * --json when doctor does not end its diagnosis: it cannot start (a bad --profile or environment
 * variable: no checks), or it is cancelled or fails on the way: ok false, as verify's, with the
 * checks done so far, then one `not-run` check (status `skip`) saying the rest were not run; the
 * live check's outcome (`verify`) when it had come.
 */
export const DoctorFailureJsonSchema = z.object({
  ...FAILURE_FIELDS,
  profile: z.nullable(z.string()),
  checks: DoctorJsonSchema.shape.checks,
  verify: DoctorJsonSchema.shape.verify,
});

/** What a diagnosis has found so far, for the document of a run that ends before it does. */
interface Told {
  profile: string | null;
  /** The checks done so far, in their order (the array the diagnosis pushes to). */
  checks: DoctorCheck[];
  verify: DoctorJson['verify'];
}

/** A check's fields as the --json document shows them. */
const shown = ({ id, title, status, detail, fix }: DoctorCheck): DoctorJson['checks'][number] => ({ id, title, status, detail, fix });

/** The checks of a diagnosis that did not end: those done, then what was not run (none when none was done: it did not start). */
export function checksSoFar(done: DoctorCheck[], cancelled: boolean): DoctorJson['checks'] {
  if (!done.length) return [];
  const why = cancelled ? 'doctor was cancelled' : 'doctor stopped on the error in message';
  return [...done.map(shown), shown(check('not-run', 'Not run', 'skip', `the checks after these were not run (or not to their end): ${why}`))];
}

export async function run(ctx: Context, options: { profile?: string; json: boolean }): Promise<number> {
  const told: Told = { profile: null, checks: [], verify: null };
  // A damaged progress file moved aside that no row came to say (the run failed first): said on stderr.
  return withFailureDocument(ctx, options.json, () => diagnose(ctx, options, told).finally(() => ctx.state.sayMovedAside()), (failed) =>
    jsonText(DoctorFailureJsonSchema.parse({ ...failed, profile: told.profile, checks: checksSoFar(told.checks, failed.reason === 'cancelled'), verify: told.verify })),
  );
}

async function diagnose(ctx: Context, options: { profile?: string; json: boolean }, told: Told): Promise<number> {
  const { term } = ctx;
  const m = marks(term.style);
  // A progress file that cannot be used, or that this run moves aside, is the Progress file check
  // below, not also on stderr.
  ctx.state.showProblemsElsewhere();
  const profileName = await resolveProfileName(ctx, options.profile);
  told.profile = profileName;
  const checks: DoctorCheck[] = [nodeCheck(ctx.nodeVersion)];
  told.checks = checks;
  // Not there, and not to be made by this run (root's, in another user's home): nothing can be
  // stored or recorded here, whatever the keychain says; the first thing to fix.
  const notMade = ctx.state.dirNotMadeHere();
  if (notMade) checks.push(check('config-dir', 'Config dir', 'fail', notMade.parts.detail, `${upperFirst(notMade.parts.fix!)}.`, notMade.code));
  // A progress file that cannot be used (not ours, others may change it or its dir, a FIFO…): a
  // failed check, as the commands it stops fail (exit 7), said here rather than on stderr.
  const { problem: progress } = await ctx.state.reading({ quiet: true });
  if (progress) checks.push(progressFileCheck(ctx, progress));

  // A key file or config dir others can read is shown as the Key file check below, not also on stderr.
  ctx.keys.showModesElsewhere();
  // One keychain read tells both whether it answers and what it holds for the profile.
  // A key change interrupted (its mark, changeKey): the record made to say what is stored first,
  // so that what follows reads the store as token will (status sends people here for it).
  const interrupted = Boolean((await ctx.state.read()).profiles[profileName]?.keyChangeStartedAt);
  const early = interrupted ? await reconcile(ctx, profileName) : null;
  const { stored: found, keychainError, fileProblem } = await readStoredKey(ctx, profileName);
  // A stored value that is no key (edited in by hand) is a failed check, and no key below: judged
  // as token, run and env judge it (judgeStoredKey, hand-out), the key as they would hand it out.
  // Whether it is one for the server it would be sent to is the live check's to say, below.
  // `key`, which a fix names to store it again, exits 7 until this is done (a newer openai-setup's progress file): said first.
  const first = await ctx.state.firstBeforeChanges();
  const judged = found ? judgeStoredKey(ctx, profileName, found, undefined, { use: 'hand-out', first }) : null;
  const notAKey = judged?.notAKey ?? null;
  const stored = found && judged?.key ? { ...found, key: judged.key } : null;
  const envKey = ctx.env.OPENAI_API_KEY;
  if (found) term.addSecret(found.key);
  if (envKey) term.addSecret(secretOf(envKey));
  const store = ctx.keys.keychainDescription;
  const record = (await ctx.state.read()).profiles[profileName]?.key;
  // Stored in a keychain that is not running here (SSH, a container): said as that, never "no
  // key", whose advice would store a second one (keychainOutOfReach, as verify and token say it).
  const outOfReach = found || fileProblem ? null : keychainOutOfReach({
    record,
    error: keychainError,
    store,
    what: `The key stored for profile "${profileName}"`,
    cannot: 'read',
    run: `\`${elsewhereCommand(ctx, 'doctor', profileName)}\``,
    otherwise: [storeInFile(ctx, profileName, first)],
  });
  if (!keychainError) {
    checks.push(check('keychain', 'Keychain', 'ok', `the ${store} answers`));
  } else if (stored || envKey || outOfReach || record?.storage === 'env') {
    // Not where the key is (the Stored key line says where): a keychain that would hold one is not needed here.
    checks.push(check('keychain', 'Keychain', 'warn', describeKeychainProblem(keychainError, store)));
  } else {
    // The fix for the keychain first; a plain-text file only when there is no keychain to fix.
    const fix = keychainFix(keychainError, store) ?? `Set OPENAI_API_KEY yourself, or ${storeInFile(ctx, profileName, first)}`;
    checks.push(check('keychain', 'Keychain', 'fail', describeKeychainProblem(keychainError, store), fix, EXIT.keyStore));
  }
  // A record of another key than the one stored (a run killed between storing a key and recording
  // it): status would show the old hint while token hands out the stored key. Recorded now.
  // A record of a key stored nowhere (a logout killed before it recorded the removal) is forgotten.
  // With no keychain running here, one of the key file's key all the same: that file is read (status sends people here for it).
  const storedNowhere = !found && !fileProblem && (keychainError ? keychainError.problem === 'no-service' && record?.storage === 'file' : record?.storage === 'keychain' || record?.storage === 'file');
  // A key stored with no record of it (stored before this progress file was made: the config dir
  // removed, another HOME): status says "No key recorded" and sends people here. Recorded now, as
  // token hands it out; not into a progress file that cannot be used (changing it would move it aside).
  const unrecorded = stored && !record && !progress && !notMade;
  const reconciled = early ?? ((stored && record && record.storage === stored.storage && record.hint !== maskKey(stored.key)) || storedNowhere || unrecorded ? await reconcile(ctx, profileName) : null);
  const outOfDate = reconciled && (reconciled.now || reconciled.failed) ? reconciled : null;
  // Not recorded for a reason of the config dir or the progress file itself (another user's, its
  // lock refused: EPERM on an immutable dir): storing the key again fails the same way (exit 7), so
  // that reason's own fix is the fix, then doctor records it; the reason said without it.
  const failedHere = outOfDate?.failed instanceof ConfigStoreError && outOfDate.failed.parts.fix ? outOfDate.failed.parts : null;
  const failedWords = failedHere ? failedHere.detail : outOfDate?.failed ? reasonOf(ctx, outOfDate.failed) : '';
  const recordWords = outOfDate
    ? `; ${pathLine(ctx.state.path)} ${outOfDate.was === null ? 'had no record of it' : `recorded ${outOfDate.was}, out of date`}${outOfDate.failed ? `, and could not be recorded now (${failedWords})` : ': recorded now'}`
    : reconciled?.now === undefined && interrupted && stored ? `; ${pathLine(ctx.state.path)} records it (an interrupted key change had left it in doubt)` : '';
  // The Stored key row's fix when none is stored, as the live check judges OPENAI_API_KEY (below).
  let storedRowFix: ((verdict: CheckResult | null) => string) | null = null;
  const forgotten = reconciled?.now === null ? `; ${pathLine(ctx.state.path)} recorded ${reconciled.was}, which is not stored: forgotten now` : '';
  const storeAgain = stored && storeAgainCommand(ctx, profileName, stored.storage);
  const recordFix = !outOfDate?.failed || !storeAgain
    ? null
    : first
      ? `To record it, ${afterFirst(first, storeAgain)}.`
      : failedHere
        ? `${upperFirst(failedHere.fix!).replace(/\.$/, '')}; then \`${toolCommand(ctx, 'doctor', profileName)}\` records it.`
        : `Storing it again records it:  ${storeAgain}`;
  // Where `key` would not ask (no terminal), the key read from the file is piped into it.
  const move = promptWhereItAsks(ctx, keyCommand(ctx, profileName)) ?? storeAgainCommand(ctx, profileName, 'keychain');
  const moveFix = first ? `To move it into the keychain, ${afterFirst(first, move)}.` : `Move it into the keychain:  ${move}`;
  if (notAKey) {
    checks.push(check('stored-key', 'Stored key', 'fail', notAKey.message.replace(/\.$/, ''), notAKey.fix, EXIT.keyRejected));
  } else if (stored?.storage === 'keychain') {
    checks.push(check('stored-key', 'Stored key', outOfDate ? 'warn' : 'ok', `${maskKey(stored.key)} in the ${store} (profile ${profileName})${recordWords}`, recordFix));
  } else if (stored) {
    checks.push(check('stored-key', 'Stored key', 'warn', `${maskKey(stored.key)} in plain text in ${await ctx.keys.fileWords()}${recordWords}`, recordFix ?? (keychainError ? null : moveFix)));
  } else if (fileProblem) {
    // A key file that cannot be used is a failed check like any other, not the end of the diagnosis.
    // Stored again where it was kept, or where the keychain cannot be used: the file (`key` without --insecure-storage would fail).
    const { detail, fix } = keyFileProblem(ctx, profileName, fileProblem, record?.storage === 'file' || keychainError !== null);
    checks.push(check('stored-key', 'Stored key', 'fail', detail, fix, fileProblem.code));
  } else if (outOfReach) {
    // With OPENAI_API_KEY set, programs here have a key all the same: said, not failed.
    const detail = outOfReach.message.replace(/\.$/, '');
    checks.push(envKey ? check('stored-key', 'Stored key', 'info', `${detail}; programs here use OPENAI_API_KEY`) : check('stored-key', 'Stored key', 'fail', detail, outOfReach.hints.join(' '), outOfReach.code));
  } else if (record?.storage === 'env') {
    // None, by the person's choice: they keep it in OPENAI_API_KEY themselves, in their own file.
    const lines = (await copiesOf(ctx, await ctx.state.read(), profileName, { hint: record.hint })).plaintext;
    const setIn = lines.length ? `, set in ${listCopies(ctx, lines)}` : '';
    const importing = toolCommand(ctx, 'import', profileName);
    const instead = keychainError ? null : first ? `To have openai-setup keep it in the keychain instead, ${afterFirst(first, importing)}.` : `To have openai-setup keep it in the keychain instead:  ${importing}`;
    checks.push(check('stored-key', 'Stored key', 'info', `none: you keep the key of profile ${profileName} (${record.hint}) in OPENAI_API_KEY yourself${setIn}`, instead));
  } else if (!keychainError) {
    // OPENAI_API_KEY piped in only once the live check below passed it (never a key it rejected):
    // until then, and when it did not, the command as it asks for the key where this is read.
    storedRowFix = (verdict) => {
      const store = storeKeyAdvice(ctx, profileName, false, undefined, { variableFailed: !verdict || outcomeRow(verdict).route === 'key' });
      return notMade ? `Once the Config dir problem above is fixed, store one${store.how}:  ${store.command}` : first ? `To store one, ${afterFirst(first, store.command)}${store.how}.` : `Store one${store.how}:  ${store.command}`;
    };
    checks.push(check('stored-key', 'Stored key', envKey ? 'info' : 'fail', `none for profile ${profileName}${forgotten}`, storedRowFix(null), EXIT.usage));
  } else if (forgotten) {
    // No keychain here, and the record of the key file's key forgotten: said, with the file to store one in (plain `key` fails here).
    checks.push(check('stored-key', 'Stored key', envKey ? 'info' : 'fail', `none for profile ${profileName}${forgotten}`, `${upperFirst(storeInFile(ctx, profileName, first))}${first ? '.' : ''}`, EXIT.usage));
  }

  const keptInEnv = record;
  const envHeld = envKeyHeld(ctx);
  const envShapeProblem = envKey && !envHeld?.around ? checkKeyShape(envKey, isOfficialBaseURL(resolveBaseURL(ctx)), 'variable').problem : undefined;
  // OPENAI_API_KEY differing from the stored key: its row's fix once the live check below judged it
  // (null: not checked), as --json gives it. Never a pipe of the key that check rejected.
  let envRowFix: ((verdict: CheckResult | null) => string) | null = null;
  // Set but empty (or blank): no key for the programs that read it, whatever is stored (as status says it).
  const blankEnv = blankEnvKeyAdvice(ctx, profileName, stored !== null);
  if (!envKey && !stored && keptInEnv?.storage === 'env') {
    // The person keeps the key in their own shell file, and this shell has not read it: no key here.
    const line = shellExportLine(shellDirsOf(ctx), null);
    checks.push(check('OPENAI_API_KEY', 'OPENAI_API_KEY', 'fail', `${envKeyUnsetWords(ctx)} in this shell, though you keep the key of profile ${profileName} (${keptInEnv.hint}) in it yourself (${line.file})`, `${upperFirst(line.reload)}.`, EXIT.usage));
  } else if (blankEnv) {
    checks.push(check('OPENAI_API_KEY', 'OPENAI_API_KEY', 'warn', blankEnv.detail, blankEnv.fix));
  } else if (!envKey) {
    checks.push(check('OPENAI_API_KEY', 'OPENAI_API_KEY', 'info', 'not set: programs that read it find no key', stored ? `Hand it over per command: \`${toolCommand(ctx, 'run', profileName)} -- your-program\` (or \`${toolCommand(ctx, 'env', profileName)}\` for a .env file)` : null));
  } else if (envHeld?.around) {
    // Programs send it whole, whitespace or quotes too: not "the same as the stored key", even when the key inside is.
    const which = stored?.key === envHeld.key ? 'the stored key' : 'the key';
    checks.push(check('OPENAI_API_KEY', 'OPENAI_API_KEY', 'fail', `holds ${which} ${maskKey(envHeld.key)}, but also ${envHeld.around}, which programs send as part of the key`, 'Set OPENAI_API_KEY to the key alone.', EXIT.keyRejected));
  } else if (envShapeProblem) {
    // Whitespace or a line break inside, cut short…: as verify refuses it, named, never "differs" with two hints alike.
    const unset = stored ? `, or unset it (programs then need \`${toolCommand(ctx, 'run', profileName)}\`)` : '';
    checks.push(check('OPENAI_API_KEY', 'OPENAI_API_KEY', 'fail', `${maskKey(envKey)} is not a key programs can use: ${envShapeProblem}`, `Set OPENAI_API_KEY to the key alone, in one piece${unset}.`, EXIT.keyRejected));
  } else if (!stored || stored.key === envKey) {
    checks.push(check('OPENAI_API_KEY', 'OPENAI_API_KEY', 'ok', `${maskKey(envKey)}${stored ? ', the same as the stored key' : ''}`));
  } else {
    const pipe = pipeKeyCommand(ctx, profileName, keychainError !== null);
    const unset = `Unset it (programs then need \`${toolCommand(ctx, 'run', profileName)}\`)`;
    // Not judged (the live check did not run): storing it is named for once a check passes.
    const storeEnvKey = (judged: boolean) => {
      const once = judged ? '' : ' once the live check below passes';
      return first ? `to store it${once}, ${afterFirst(first, pipe)}.` : `store it${once}:  ${pipe}`;
    };
    envRowFix = (verdict) =>
      verdict && outcomeRow(verdict).route === 'key' ? `${unset}, or set it to a key that works (the live check says how).` : `${unset}, or ${storeEnvKey(verdict !== null)}`;
    checks.push(check('OPENAI_API_KEY', 'OPENAI_API_KEY', 'warn', maskKey(envKey) === maskKey(stored.key) ? `${maskKey(envKey)} differs from the stored key in the middle (their ends are alike): programs use OPENAI_API_KEY` : `${maskKey(envKey)} differs from the stored key ${maskKey(stored.key)}: programs use OPENAI_API_KEY`, envRowFix(null)));
  }
  checks.push(...strayVariableChecks(ctx.rawEnv, ctx.platform));
  const adminCheck = await storedAdminKeyCheck(ctx, profileName);
  const stale = (path: string, held: string, by?: string) => staleEnvFile(ctx, profileName, path, held, { by });
  const asked = (files: Array<{ path: string; by: string }>) => askedNote(ctx, profileName, files);
  const tracked = (profile: string, path: string, held: string) => trackedEnvFile(ctx, profile, path, held);
  checks.push(...(await plaintextDoctorChecks(ctx, profileName, stored?.key ?? null, stale, asked, tracked, first)).map((c) => (c.id === 'admin-key' && adminCheck ? adminCheck : c)));
  // An old key rotate replaced but could not revoke: it still works, for whoever has a copy.
  // A service account a killed rotate made: it may hold a key stored nowhere.
  // Rotate only where it can run (a key stored: without one it refuses at once). The key read as
  // stored is recorded by now (above), so its account is not among them.
  const rotates = stored !== null;
  for (const account of accountsLeft((await ctx.state.read()).profiles[profileName])) {
    const { detail, fix } = pendingAccountAdvice(ctx, profileName, account, { rotates, unsure: false });
    checks.push(check('rotate-account', 'Service account', 'warn', detail, fix));
  }
  for (const pending of (await ctx.state.read()).profiles[profileName]?.pendingRevokes ?? []) {
    const { detail, fix } = pendingRevokeAdvice(ctx, profileName, pending, rotates);
    checks.push(check('old-key', 'Old key', 'warn', detail, fix));
  }
  // A key file (or config dir) others could read, found as the key and admin key were read above:
  // made private, or how to; shown once, here only, after the key store's checks.
  const readable = ctx.keys.readableByOthers;
  if (readable) {
    const after = Math.max(...['keychain', 'stored-key'].map((id) => checks.findIndex((c) => c.id === id)));
    checks.splice(after + 1, 0, check('key-file-mode', 'Key file', 'warn', readable.detail, readable.fix ? `Fix it with \`${readable.fix}\`.` : null));
  }

  const baseURL = resolveBaseURL(ctx);
  const proxy = proxyCheck(ctx.rawEnv, baseURL);
  checks.push(proxy);
  checks.push(...(await caChecks(ctx.rawEnv, fileExists)));
  checks.push(...transportChecks(ctx.rawEnv, baseURL, ctx.platform));
  // Said above as checks: the live check need not say it again on stderr. So is a server that is
  // not OpenAI's (the OPENAI_BASE_URL check), except with --json, where nothing comes before it.
  transportWarned(ctx);
  if (!options.json && proxy.status !== 'fail') otherHostNoticeOnce(ctx, 'key', baseURL, baseURLOrigin(ctx));

  // Each check beside its title, or under it on a terminal too narrow for the title column.
  const row = labelled(term.stdoutIsTTY, term.columns, TITLE_COLUMN);
  const print = (c: DoctorCheck) => {
    if (options.json) return;
    const mark = { ok: m.ok, info: m.pending, warn: m.warn, fail: m.fail, skip: m.pending }[c.status];
    for (const line of row(`${mark} `, c.title, c.detail)) term.out(line);
    if (c.fix && c.status !== 'ok') term.out(`  ${m.arrow} ${c.fix}`);
  };
  if (!options.json) term.out(term.style.bold(`openai-setup doctor · profile ${profileName}`));
  // The OPENAI_API_KEY row's fix is the live check's to decide (store the key it holds only when
  // that check passes): that row and those after it are printed once the check is done, in their
  // order. Any other run prints each row as soon as it is known.
  // So is a damaged progress file's row: a save in this run (the live check's record) moves it aside, which its row then says.
  const heldRows = [envRowFix ? checks.findIndex((c) => c.id === 'OPENAI_API_KEY') : -1, storedRowFix && envKey ? checks.findIndex((c) => c.id === 'stored-key') : -1, progress?.kind === 'damaged' ? checks.findIndex((c) => c.id === 'progress-file') : -1].filter((i) => i >= 0);
  const held = heldRows.length ? Math.min(...heldRows) : -1;
  const later: Array<() => void> = [];
  const show = (printing: () => void) => (held < 0 ? printing() : later.push(printing));
  const printHeld = () => {
    for (const printing of later.splice(0)) printing();
  };
  // Left on a signal during the check: the rows held for it are still said, as far as they came.
  const noHeldWord = held >= 0 && !options.json ? ctx.interrupts.beforeSilence(printHeld) : () => {};
  const before = held < 0 ? checks.length : held;
  checks.slice(0, before).forEach(print);
  const rest = checks.slice(before);
  show(() => rest.forEach(print));

  // The live check of the key a program would use: OPENAI_API_KEY first, as it is set (whitespace
  // around it too: not every program trims it), then the stored one.
  const key = envKey ?? stored?.key;
  const source: KeySource | null = envKey ? ENV_SOURCE : stored ? storedSource(stored.storage, profileName) : null;
  // `verify` checks the same key the same way, and takes the flags doctor does not (--timeout, --model).
  const verifyAgain = verifyCommand(ctx, profileName);

  // A proxy setting that is not a URL would stop every request: nothing is sent past it.
  const badBaseURL = checks.some((c) => c.id === 'OPENAI_BASE_URL' && c.status === 'fail');
  const api =
    proxy.status === 'fail' || badBaseURL
      ? check('api', 'API reachable', 'fail', `not tried: ${badBaseURL ? 'OPENAI_BASE_URL' : 'the proxy setting'} above is not a URL`, null, EXIT.network)
      : reachabilityCheck(baseURL, await ctx.api.reach(baseURL, PROBE_TIMEOUT_MS), { ...probeRoute(ctx.rawEnv, baseURL), origin: baseURLOrigin(ctx), ...(key ? { verify: verifyAgain, checkedKey: key } : NO_CHECK_FLAGS) });
  checks.push(api);
  show(() => print(api));

  let verify: CheckResult | null = null;
  if (!key || !source) {
    const why = notAKey ? ' (the stored value is not one)' : outOfReach ? ` here (the stored one is in the ${store}, not running here)` : '';
    const skipped = check('verify', 'Live check', 'skip', `no key to check${why}`);
    checks.push(skipped);
    show(() => print(skipped));
  } else if (parseCustomHeaders(ctx.env.OPENAI_CUSTOM_HEADERS).problem) {
    const skipped = check('verify', 'Live check', 'skip', `not run for ${describeKey(key, source)}: ${CUSTOM_HEADERS_VARIABLE} cannot be sent (above)`);
    checks.push(skipped);
    show(() => print(skipped));
  } else if (api.status === 'fail') {
    const skipped = check('verify', 'Live check', 'skip', `not run for ${describeKey(key, source)}: ${badBaseURL ? 'OPENAI_BASE_URL is not a URL' : 'the API cannot be reached'}`);
    checks.push(skipped);
    show(() => print(skipped));
  } else {
    const request = buildCheckRequest(ctx, key, { profile: profileName, noCheckFlags: { verify: verifyAgain }, insecureStorage: source.kind === 'file', needsFile: () => keyNeedsFile(ctx, profileName) });
    // The stored key judged for the server it would go to, as verify judges it: one only another server takes is not sent.
    const refused = source.kind !== 'env' && found ? judgeStoredKey(ctx, profileName, found, undefined, { first }).notAKey : null;
    verify = refused ? storedValueNotSent(refused) : await runCheck(ctx, request, { givenAs: source.kind === 'env' ? 'env' : undefined, keyStored: stored === null ? 'none' : stored.key === key ? 'same' : 'other' });
    // A key that works without showing it can spend (rate-limited) is a warning, not "works".
    // Of a server that is not OpenAI's, said as the text's check report says it: where it works.
    checks.push(check('verify', 'Live check', verify.ok ? (billingNotProven(verify) ? 'warn' : 'ok') : 'fail', messageAt(verify), verify.fix, verify.exitCode));
    told.verify = verifyJson(verify, key, source);
    await recordCheck(ctx, profileName, key, source, verify);
    const judged = verify;
    if (!options.json) {
      show(() => {
        term.out(term.style.bold('Live check'));
        printCheck(term, key, source, judged, term.out, request.baseURL);
      });
    }
  }

  // The OPENAI_API_KEY row as the live check judged the key it holds, then printed (held above).
  const envRow = envRowFix && checks.find((c) => c.id === 'OPENAI_API_KEY');
  if (envRowFix && envRow && verify) envRow.fix = envRowFix(verify);
  const storedRow = storedRowFix && checks.find((c) => c.id === 'stored-key');
  if (storedRowFix && storedRow && verify) storedRow.fix = storedRowFix(verify);
  // A damaged progress file this run moved aside (a save: the live check's record) is no longer in
  // the way: said as done, a warning with nothing to run, not the failure it was.
  const movedTo = ctx.state.movedAsideHere();
  const progressRow = checks.find((c) => c.id === 'progress-file');
  if (movedTo && progressRow && progress?.kind === 'damaged') {
    const moved = check('progress-file', 'Progress file', 'warn', `${damagedDetail(ctx.state.path, progress.why ?? 'not what openai-setup writes', true)}: this run moved it aside to ${pathLine(movedTo)}, and progress starts afresh (the default profile chosen with \`use\` is no longer recorded)`);
    delete progressRow.exitCode;
    Object.assign(progressRow, moved);
    // Said here, not also by the store on stderr.
    ctx.state.movedAsideShown();
  }
  noHeldWord();
  printHeld();
  const exitCode = doctorExitCode(checks, verify);
  if (options.json) {
    const json: DoctorJson = {
      ok: exitCode === EXIT.ok,
      exitCode,
      profile: profileName,
      checks: checks.map(shown),
      verify: verify && key && source ? verifyJson(verify, key, source) : null,
    };
    term.document(jsonText(DoctorJsonSchema.parse(json)));
    return exitCode;
  }
  const problems = checks.filter((c) => c.status === 'fail').length;
  term.out();
  const unproven = verify ? billingNotProven(verify) : null;
  if (exitCode === EXIT.ok && unproven) {
    term.out(`${m.warn} ${term.style.bold(`The key works, but billing was not proven: ${unproven}.`)} Check again later: \`${verifyAgain}\``);
  } else if (exitCode === EXIT.ok) term.out(`${m.ok} ${term.style.bold('Everything needed works.')}${verify?.billing === 'ok' ? term.style.dim(` Watch what you spend: ${PAGES.usage.url}`) : ''}`);
  else term.out(`${m.fail} ${term.style.bold(`${problems} problem${problems === 1 ? '' : 's'}: see the ${m.fail} lines above and what to do.`)}`);
  return exitCode;
}

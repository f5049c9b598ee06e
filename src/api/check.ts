// A live check as the commands run it: which URL and headers to use, the verdicts that need no
// request, the spinner. Its outcome goes into the progress file through src/last-check.ts: api/
// reads and writes nothing stored.
import { onceARun, type Context } from '../context.js';
import { checkKeyShape, heldWithMore, keyWithin, maskKey, problemSaysWhatToDo, secretOf, type GivenAs } from '../keys/format.js';
import { baseURLForAdvice, baseURLOrigin, DEFAULT_MODEL, DEFAULT_TIMEOUT_MS, isOfficialBaseURL, PAGES, resolveBaseURL, type BaseURLOrigin } from '../platform.js';
import { keyCheckFlags, keyPromptWorks, profileFlagFor, storeKeyAdvice } from '../terminal/advice.js';
import { marks } from '../terminal/output.js';
import { hasUnsafeChar, sanitize, sanitizeNullable, untrusted, withoutCredentials } from '../terminal/sanitize.js';
import { shellSetLine, shellUnsetLine } from '../terminal/shell.js';
import { CUSTOM_HEADERS_VARIABLE, customHeader, customHeadersToSend, parseCustomHeaders, passedOn } from './custom-headers.js';
import { otherServer, storeKeyWords, type HeaderSource, type NoCheckFlags } from './diagnosis.js';
import { httpProxyVariable, noProxyVariable, proxyFor, proxySettings } from './http.js';
import { organizationId, projectId, requestId } from './identifiers.js';
import { STATUS } from './status.js';
import type { CheckRequest, CheckResult, StoreAdvice } from './types.js';

export interface CheckSettings {
  baseURL?: string;
  model?: string;
  timeoutMs?: number;
  billingCheck?: boolean;
  /** The profile the key is for (its advice names commands for it). */
  profile?: string;
  /** The command takes none of the live-check flags (doctor, rotate, import): its advice names what it has instead. */
  noCheckFlags?: NoCheckFlags;
  /** The key checked is the profile's, kept in the --insecure-storage file (no keychain here): a new one goes there too, as `key` takes it only with --insecure-storage. */
  insecureStorage?: boolean;
  /**
   * Whether a `key` command named here needs --insecure-storage, as no keychain answers (profile-key.ts
   * keyNeedsFile: a read, no prompt): asked only once a failure's fix names the command
   * (CheckRequest.storeKeyOnFailure), not before every check. Not asked with `insecureStorage`.
   */
  needsFile?: () => Promise<boolean>;
}

/** localhost, 127.0.0.0/8 and ::1: traffic that never leaves the machine. */
function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/**
 * Why the key would travel unprotected, one line each: TLS certificates not checked
 * (NODE_TLS_REJECT_UNAUTHORIZED=0), plain http:// to another machine, or plain http:// to this one
 * through a proxy (`platform`: the shell the NO_PROXY line is written for).
 */
export function insecureTransportWarnings(env: Record<string, string | undefined>, baseURL: string, platform: NodeJS.Platform = process.platform): string[] {
  const warnings: string[] = [];
  if (env.NODE_TLS_REJECT_UNAUTHORIZED?.trim() === '0') {
    warnings.push('NODE_TLS_REJECT_UNAUTHORIZED=0 is set: TLS certificates are not checked, so anyone on the network path can read the key. Unset it (for a company proxy, set NODE_EXTRA_CA_CERTS instead).');
  }
  let url: URL;
  try {
    url = new URL(baseURL);
  } catch {
    // Not a URL: the request fails and says so.
    return warnings;
  }
  if (url.protocol !== 'http:') return warnings;
  if (!isLoopbackHost(url.hostname)) {
    warnings.push(`${withoutCredentials(baseURL)} is plain http:// to another machine: the key travels in clear text. Use https://.`);
  } else {
    const proxied = proxiedLoopbackWarning(env, baseURL, url, platform);
    if (proxied) warnings.push(proxied);
  }
  return warnings;
}

/**
 * http:// to this machine through a proxy: the request goes, in clear text, to the proxy, which
 * connects to its own loopback (another machine's, for a remote proxy). The proxy is kept, as
 * curl and undici's EnvHttpProxyAgent keep it (NO_PROXY decides, not the tool), but said, with the
 * NO_PROXY line that exempts the host: the current value with the host added, quoted for the
 * shell. A current value with a character the terminal shows escaped (a control, a line break, a
 * zero-width one) is left out, and the line sets the host alone: echoed, it would not work as
 * printed (or would break the line in two). A proxy variable that is not a URL is the request's
 * own usage error.
 */
function proxiedLoopbackWarning(env: Record<string, string | undefined>, baseURL: string, url: URL, platform: NodeJS.Platform): string | null {
  let proxy: string | null;
  try {
    proxy = proxyFor(proxySettings(env), url.href);
  } catch {
    return null;
  }
  if (!proxy) return null;
  const variable = noProxyVariable(env);
  const current = (env[variable] ?? '').trim();
  const unshown = hasUnsafeChar(current);
  const noProxy = shellSetLine(env, platform, variable, current && !unshown ? `${current},${url.hostname}` : url.hostname);
  const how = unshown ? `set ${variable} to the host (its value now holds control or invisible characters, and is left out)` : `add the host to ${variable}`;
  return (
    `${withoutCredentials(baseURL)} is plain http:// through the proxy ${proxy} (${httpProxyVariable(env)}): the key travels in clear text to it, ` +
    `and it is the proxy that connects to ${url.hostname} (its own, when it runs on another machine). To connect directly, ${how}:  ${noProxy}`
  );
}

/**
 * Organization/project headers and where they came from, so a refusal can name the source:
 * OPENAI_ORG_ID, OPENAI_PROJECT_ID, or a line of OPENAI_CUSTOM_HEADERS, which the SDK sends after
 * them (it wins). The variable's other headers go too, as the SDK sends them; its Authorization
 * never does: the key checked is the key sent.
 */
function headerSources(ctx: Context): Pick<CheckRequest, 'organization' | 'project' | 'headers'> {
  const custom = customHeadersToSend(ctx.env.OPENAI_CUSTOM_HEADERS);
  const source = (header: string, variable: 'OPENAI_ORG_ID' | 'OPENAI_PROJECT_ID'): HeaderSource | undefined => {
    const fromCustom = customHeader(custom, header);
    if (fromCustom) return { value: fromCustom, from: CUSTOM_HEADERS_VARIABLE };
    const value = ctx.env[variable];
    return value ? { value, from: variable } : undefined;
  };
  const organization = source('openai-organization', 'OPENAI_ORG_ID');
  const project = source('openai-project', 'OPENAI_PROJECT_ID');
  const headers = passedOn(custom);
  return { organization, project, ...(Object.keys(headers).length ? { headers } : {}) };
}

/**
 * The `key` command a fix names, as it works where it is read (storeKeyAdvice): never a pipe of
 * OPENAI_API_KEY when that is the key checked. Where this run asks, that it asks goes unsaid.
 */
function storeKeyFor(ctx: Context, key: string, settings: CheckSettings): StoreAdvice {
  const store = storeKeyAdvice(ctx, settings.profile, settings.insecureStorage ?? false, settings, { variableFailed: ctx.env.OPENAI_API_KEY === key });
  return keyPromptWorks(ctx) === 'here' ? { command: store.command, how: '' } : store;
}

export function buildCheckRequest(ctx: Context, key: string, settings: CheckSettings = {}): CheckRequest {
  // A new key stored as advised goes into this profile, and must be checked where this one was,
  // not sent to the OpenAI API.
  const keyFlags = `${profileFlagFor(ctx, settings.profile)}${keyCheckFlags(settings)}`;
  const origin = baseURLOrigin(ctx, settings.baseURL);
  const storeKey = storeKeyFor(ctx, key, settings);
  // Nor without --insecure-storage where no keychain answers (`key` would exit 7 there): a key
  // from OPENAI_API_KEY, --key or a pipe says nothing of a keychain here. Asked when a fix names it.
  const needsFile = settings.insecureStorage ? undefined : settings.needsFile;
  const storeKeyOnFailure = needsFile && (async () => ((await needsFile()) ? storeKeyFor(ctx, key, { ...settings, insecureStorage: true }) : storeKey));
  return {
    key,
    baseURL: resolveBaseURL(ctx, settings.baseURL),
    ...(origin ? { baseURLOrigin: origin } : {}),
    ...headerSources(ctx),
    model: settings.model ?? DEFAULT_MODEL,
    billingCheck: settings.billingCheck ?? true,
    timeoutMs: settings.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    ...(keyFlags ? { keyFlags } : {}),
    storeKey,
    ...(storeKeyOnFailure ? { storeKeyOnFailure } : {}),
    ...(settings.noCheckFlags ? { noCheckFlags: settings.noCheckFlags } : {}),
  };
}

/** What a result says about the key when nothing was sent: nothing. */
export function nothingLearned(): Pick<CheckResult, 'organization' | 'project' | 'models' | 'notableModels' | 'billing' | 'tier' | 'requestId'> {
  return { organization: null, project: null, models: null, notableModels: [], billing: 'unchecked', tier: null, requestId: null };
}

function localResult(status: 'malformed_key' | 'forbidden', reason: string, message: string, fix: string | null, fixUrl: string | null): CheckResult {
  return {
    status,
    ok: false,
    exitCode: STATUS[status].exitCode,
    reason,
    ...nothingLearned(),
    message,
    fix,
    fixUrl,
    warnings: [],
    latencyMs: 0,
  };
}

export function malformedKeyResult(problem: string): CheckResult {
  return localResult(
    'malformed_key',
    'malformed_key',
    `The key was not sent: ${problem}.`,
    // A sign-in token or a masked key: the problem says what to do, said once.
    problemSaysWhatToDo(problem) ? null : 'Copy your OpenAI key again from the API keys page (it is shown only once when created; create a new one if needed).',
    PAGES.keys.url,
  );
}

/** A stored value refused before sending (judgeStoredKey's message and fix, said alike by verify and doctor): nothing was sent. */
export function storedValueNotSent(notAKey: { message: string; fix: string }): CheckResult {
  return { ...malformedKeyResult(notAKey.message), message: `${notAKey.message} It was not sent.`, fix: notAKey.fix, fixUrl: null };
}

/**
 * Verdicts that need no request: a key that cannot be an OpenAI key, or an admin key. `noCheckFlags`:
 * the command has no --base-url (a key of another service is then used with OPENAI_BASE_URL).
 */
function localVerdict(key: string, baseURL: string, noCheckFlags?: NoCheckFlags): { result: CheckResult | null; warning?: string } {
  const shape = checkKeyShape(key, isOfficialBaseURL(baseURL), noCheckFlags ? 'variable' : 'flag');
  if (shape.problem) return { result: malformedKeyResult(shape.problem) };
  if (shape.kind === 'admin') {
    return {
      result: localResult(
        'forbidden',
        'admin_key',
        'This is an admin key: it manages the organization (users, projects, usage) but cannot call models.',
        'Create a project secret key ("Create new secret key" on the API keys page) for calling models.',
        PAGES.keys.url,
      ),
    };
  }
  return { result: null, warning: shape.warning };
}

/**
 * A value given as the key refused as it is (programs send it whole: quotes, `Bearer `, spaces
 * and all) that holds a key once cleaned as a paste (keyWithin): the fix is that key alone, not
 * another key. The result as it was for any other.
 */
function givenValueResult(result: CheckResult, value: string, baseURL: string, givenAs: GivenAs): CheckResult {
  const within = result.status === 'malformed_key' ? keyWithin(value, isOfficialBaseURL(baseURL)) : null;
  if (!within) return result;
  return { ...result, fix: heldWithMore(givenAs, maskKey(within.key), within.around), fixUrl: null };
}

/**
 * Local verdicts first (nothing is sent for them), then the live check, with a spinner on a
 * terminal unless `quiet`. `note` prints a warning (stderr, or nowhere with --quiet). `alert`
 * takes the security warnings said before the key is sent (where it goes when not to OpenAI, and
 * how it travels unprotected), as `warn` does unless given: verify --quiet gives one that prints
 * them all the same, so that a quiet check sending the key in clear text leaves a trace in its log.
 * `givenAs`: the key was given to the command as it is (givenValueResult), not stored or pasted.
 */
export async function runCheck(
  ctx: Context,
  request: CheckRequest,
  options: { spinner?: string | null; note?: (line: string) => void; warn?: (text: string) => void; alert?: (text: string) => void; givenAs?: GivenAs; keyStored?: StoredBeside } = {},
): Promise<CheckResult> {
  ctx.term.addSecret(secretOf(request.key));
  const note = options.note ?? ((line: string) => ctx.term.err(line));
  // `warn` takes each warning as text (rotate keeps them for its --json document too), else a marked line.
  const warn = options.warn ?? ((text: string) => note(`${marks(ctx.term.style).warn} ${text}`));
  const alert = options.alert ?? warn;
  const local = localVerdict(request.key, request.baseURL, request.noCheckFlags);
  if (local.warning) warn(local.warning);
  // Where the check was meant to go, for the commands printed later (recordCheck): also when nothing was sent.
  const advised = baseURLForAdvice(request.baseURL);
  const at = advised === null ? {} : { adviceBaseURL: advised };
  if (local.result) return { ...(options.givenAs ? givenValueResult(local.result, request.key, request.baseURL, options.givenAs) : local.result), ...at };
  const elsewhere = otherHostNoticeOnce(ctx, 'key', request.baseURL, request.baseURLOrigin);
  // A server named on this command line (--base-url) is the caller's own choice: said as the other
  // warnings are (none with --quiet). One from OPENAI_BASE_URL may have been set by anyone: always said.
  if (elsewhere) (request.baseURLOrigin === '--base-url' ? warn : alert)(elsewhere);
  // The Authorization line of OPENAI_CUSTOM_HEADERS is no danger to the key: a warning like the others.
  const authorization = customAuthorizationWarning(ctx.rawEnv);
  for (const warning of transportWarningsOnce(ctx, request.baseURL)) (warning === authorization ? warn : alert)(warning);
  const spinner = options.spinner === null ? null : ctx.term.spinner(options.spinner ?? 'Checking the key with a live call…');
  try {
    const answer = await ctx.api.check(request);
    const fromVariable = options.givenAs === 'env' && ctx.env.OPENAI_API_KEY === request.key;
    const result = untrustedResult(await storeAsItWorksHere(fromVariable ? variableKeyFix(ctx, answer, request, options.keyStored ?? 'none') : answer, request), request.key);
    const host = otherServer(request.baseURL);
    return host === null ? { ...result, ...at } : { ...result, otherHost: sanitize(host, 200), ...at };
  } finally {
    spinner?.stop();
  }
}

/**
 * A failure of the key OPENAI_API_KEY holds whose fix names storing a new key (storeKeyWords of
 * CheckRequest.storeKey): a stored key would change nothing, as the variable is read before it.
 * The new key goes into the variable instead; or the variable is unset (the line for this shell),
 * to use the key stored for the profile (`keyStored` 'other'), else to store one (that command, made
 * to work here by storeAsItWorksHere): also when the key stored is this same key ('same'), which
 * the API rejects all the same. Any other result as it is.
 */
function variableKeyFix(ctx: Context, result: CheckResult, request: CheckRequest, keyStored: StoredBeside): CheckResult {
  if (result.ok || !result.fix || !request.storeKey) return result;
  const named = storeKeyWords(request.storeKey);
  if (!result.fix.includes(named)) return result;
  const { storeIn, instead } = variableKeyWords(ctx, keyStored, named);
  return { ...result, fix: `${result.fix.replace(named, () => storeIn)}${instead}` };
}

/**
 * The key stored for the profile beside the one OPENAI_API_KEY holds: none, another key, or this
 * same key (which the API then rejects too: unsetting the variable alone would not help).
 */
export type StoredBeside = 'none' | 'other' | 'same';

/**
 * The key stored for the profile beside the one OPENAI_API_KEY holds (`held`, its hint), by the
 * record's hint (the stored key is not read while the variable is set): none ('env': the person
 * keeps it in the variable), this same one, or another.
 */
export function storedBesideByHint(record: { storage: string; hint: string } | undefined, held: string): StoredBeside {
  if (!record || record.storage === 'env') return 'none';
  return record.hint === held ? 'same' : 'other';
}

/**
 * The words of variableKeyFix, also for a key stored while OPENAI_API_KEY holds one the API
 * rejected (the wizard's key stage): `storeIn` follows "store it" (the new key goes into the
 * variable, read before any stored key); `instead` is the sentence that unsets it (this shell's
 * line), to use the key stored for the profile (`keyStored` 'other'), else to store one (`named`,
 * the storeKeyWords of that command): a new one where the stored key is this same one ('same').
 */
export function variableKeyWords(ctx: Context, keyStored: StoredBeside, named = ''): { storeIn: string; instead: string } {
  const unset = shellUnsetLine(ctx.rawEnv, ctx.platform, 'OPENAI_API_KEY');
  return {
    storeIn: ' in OPENAI_API_KEY, where this one came from (your shell or its startup file, a CI secret), which is read before any stored key',
    instead:
      keyStored === 'other'
        ? ` Or unset it (\`${unset}\`) to use the key stored for the profile.`
        : keyStored === 'same'
          ? ` Or, as the key stored for the profile is this same one, unset it (\`${unset}\`) and store the new key${named}.`
          : ` Or unset it (\`${unset}\`) and store one${named}.`,
  };
}

/**
 * A failure whose fix names storing a new key (storeKeyWords of CheckRequest.storeKey): that command
 * as it works where it is read (CheckRequest.storeKeyOnFailure, asked now that it is named). Any
 * other result as it is.
 */
async function storeAsItWorksHere(result: CheckResult, request: CheckRequest): Promise<CheckResult> {
  if (result.ok || !result.fix || !request.storeKey || !request.storeKeyOnFailure) return result;
  const named = storeKeyWords(request.storeKey);
  if (!result.fix.includes(named)) return result;
  const store = await request.storeKeyOnFailure();
  return { ...result, fix: result.fix.replace(named, () => storeKeyWords(store)) };
}

/**
 * The line said before a key leaves for a server that is not OpenAI's: its host (as URL gives it:
 * no login, ASCII), the setting that named it, and, for an admin key, what that server is handed.
 * Once a run for each kind of key (the wizard may check several keys; rotate sends both kinds),
 * whichever comes first: before the paste prompt, or the request. `pasted`: said at the prompt,
 * of the key to come. Null for OpenAI's own hosts, or when said already; a UsageError for a proxy
 * variable that is not a URL.
 */
export function otherHostNoticeOnce(ctx: Context, kind: 'key' | 'admin', baseURL: string, origin: BaseURLOrigin | undefined | null, pasted = false): string | null {
  const host = otherServer(baseURL);
  const done = onceARun(ctx);
  const told = `other-host notice: ${kind}`;
  if (host === null || done.has(told)) return null;
  // A proxy variable that is not a URL stops the run here, as the request would: the key goes nowhere.
  proxySettings(ctx.rawEnv);
  done.add(told);
  const what = `The ${kind === 'admin' ? 'admin key' : 'key'}${pasted ? ' you paste' : ''}`;
  const from = origin ? ` (from ${origin})` : '';
  const stakes = kind === 'admin' ? ': whoever runs that server gets a key that manages your whole organization' : '';
  return `${what} is sent to ${sanitize(host, 200)}${from}, not to the OpenAI API${stakes}.`;
}

/** onceARun's name for the insecure-transport warnings. */
const WARNED_INSECURE = 'insecure-transport warnings';

/**
 * An Authorization line in OPENAI_CUSTOM_HEADERS: the tool sends its own key over it (probes.ts
 * pinnedHeaders), but every program using the openai Node SDK sends the line instead of its key,
 * so a key that works here may not be the one they send. Null without one; its value never shown.
 */
export function customAuthorizationWarning(env: Record<string, string | undefined>): string | null {
  if (customHeader(parseCustomHeaders(env[CUSTOM_HEADERS_VARIABLE]).headers, 'authorization') === undefined) return null;
  return `${CUSTOM_HEADERS_VARIABLE} has an Authorization line: openai-setup sends the key it checks instead, but programs using the openai Node SDK send that line in place of their key. Remove the line unless you mean it.`;
}

/**
 * The warnings said once a run before a key is sent (insecure transport, an Authorization line of
 * OPENAI_CUSTOM_HEADERS) not given yet, for the caller to give: whichever request comes first (the
 * wizard may check several keys; rotate calls the Admin API, then checks a key).
 */
export function transportWarningsOnce(ctx: Context, baseURL: string): string[] {
  const done = onceARun(ctx);
  if (done.has(WARNED_INSECURE)) return [];
  done.add(WARNED_INSECURE);
  const authorization = customAuthorizationWarning(ctx.rawEnv);
  return [...insecureTransportWarnings(ctx.rawEnv, baseURL, ctx.platform), ...(authorization ? [authorization] : [])];
}

/** The warnings of transportWarningsOnce were given another way (doctor's checks): runCheck skips them. */
export function transportWarned(ctx: Context): void {
  onceARun(ctx).add(WARNED_INSECURE);
}

/**
 * A result as it may be shown and stored. Its texts quote the server (messages, error codes,
 * headers): each is made one safe, bounded line with every piece of the key masked, and the
 * organization, project and request id are kept only in their documented shapes.
 */
export function untrustedResult(result: CheckResult, key: string): CheckResult {
  const text = (value: string) => untrusted(value, [key]);
  const nullable = (value: string | null) => (value === null ? null : text(value));
  return {
    ...result,
    reason: nullable(result.reason),
    organization: organizationId(result.organization, [key]),
    project: projectId(result.project, [key]),
    tier: sanitizeNullable(result.tier, 20),
    requestId: requestId(result.requestId, [key]),
    message: text(result.message),
    fix: nullable(result.fix),
    fixUrl: nullable(result.fixUrl),
    notableModels: result.notableModels.map((model) => untrusted(model, [key], 100)),
    warnings: result.warnings.map(text),
  };
}

// What a failed Admin API request means for the person: one kind, one line, one fix, and the exit
// code. Pure, like diagnosis.ts (whose transport and non-API classifiers it reuses): the answer
// comes in as data.
import { EXIT, ReasonedExitError } from '../errors.js';
import { keyKind, keyKindLabel, maskKey } from '../keys/format.js';
import { PAGES } from '../platform.js';
import { adminKeyCommand, type AdviceScope } from '../terminal/advice.js';
import { untrusted } from '../terminal/sanitize.js';
import { isMissingScope, missingScopesIn, NO_CHECK_FLAGS, nonApiDiagnosis, transportDiagnosis, type Failure, type FailedRequest } from './diagnosis.js';

export type AdminFailureKind =
  | 'needs_admin_key'
  | 'invalid_key'
  | 'missing_scope'
  | 'not_found'
  | 'refused'
  | 'rate_limited'
  | 'server_error'
  | 'network_error'
  | 'timeout';

/** A failed Admin API request, already explained: main prints it as one line and its hints. */
/** Its kind is also the short code of --json documents (`reason`). */
export class AdminApiError extends ReasonedExitError {
  constructor(
    readonly kind: AdminFailureKind,
    code: number,
    message: string,
    hints: string[],
    /** The HTTP status, when there was an answer. */
    readonly status: number | null,
    /** The API's own message (keys masked), when it gave one. */
    readonly apiMessage: string | null,
    readonly requestId: string | null,
    /** The permissions the API named as missing (missing_scope, needs_admin_key), as it may be shown. */
    readonly scopes: string[] = [],
    /** The network error's code (ECONNREFUSED, ECONNRESET…) of a request that got no answer: whether it can have reached the API. */
    readonly transportCode: string | null = null,
  ) {
    super(code, message, hints, kind);
    this.name = 'AdminApiError';
  }
}

/** `AdviceScope`: the run's, which the AdminAuth carried (the commands a fix names are typed as in this run). */
export interface AdminFailedRequest extends AdviceScope {
  baseURL: string;
  key: string;
  timeoutMs: number;
  /** The proxy the request went through (credentials removed), if any. */
  proxy: string | null;
  /** What was being done, for people: "listing the organization's projects". */
  action: string;
  /** The profile whose admin key it is: the commands a fix names act on it. */
  profile?: string;
  /** The key came from OPENAI_ADMIN_KEY, which is used instead of any stored admin key. */
  fromEnv?: boolean;
}

/**
 * The error of an answer in either shape the API is known to use: `{"error": {"message", "type",
 * "code"}}`, or `{"error": "<message>"}` (reported for permission errors). Null when neither.
 */
export function errorText(body: unknown): { message: string; type: string | null; code: string | null } | null {
  const error = (body as { error?: unknown } | null | undefined)?.error;
  if (typeof error === 'string') return { message: error, type: null, code: null };
  if (error && typeof error === 'object') {
    const e = error as { message?: unknown; type?: unknown; code?: unknown };
    return {
      message: typeof e.message === 'string' ? e.message : '',
      type: typeof e.type === 'string' ? e.type : null,
      code: typeof e.code === 'string' ? e.code : null,
    };
  }
  return null;
}

const ADMIN_KEYS_URL = PAGES['admin-keys'].url;

/** How to get an admin key where a project key was given: the page, and `store`, the command that stores it (adminKeyCommand). */
export function needsAdminKeyFix(store: string): string {
  return `Create an admin key on the admin keys page (only organization owners can), then store it: ${store}`;
}

/**
 * How an admin key comes to have the permissions it lacks (`that`: "that permission", "api.usage.read"):
 * on the admin keys page, or another key stored with `store`. `withPage`: the page's address in the
 * sentence, where it is not on a line of its own.
 */
export function missingScopeFix(that: string, store: string, withPage = false): string {
  return `Give it ${that} on the admin keys page${withPage ? ` (${ADMIN_KEYS_URL})` : ''}, or create an admin key with "All" permissions and store it: ${store}`;
}

/**
 * OPENAI_ADMIN_KEY wins over a stored admin key, so storing another one changes nothing while it is
 * set: the fix is the variable. `what` is the admin key it should hold instead.
 */
function envFix(what: string, store: string): string {
  return `OPENAI_ADMIN_KEY in this shell holds this key, and is used instead of any stored admin key: set it to ${what}, or unset OPENAI_ADMIN_KEY to use the admin key stored with ${store}.`;
}

function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Any failed Admin API request, as an AdminApiError. Every text from the network is made one safe, bounded line, the key masked. */
export function adminFailure(failure: Failure, request: AdminFailedRequest): AdminApiError {
  const safe = (text: string, max?: number) => untrusted(text, [request.key], max);
  // The Admin API's commands have no --base-url (the base URL is OPENAI_BASE_URL) and no --timeout
  // (each request gets ADMIN_TIMEOUT_MS), and no command runs their requests with those flags.
  const diagnosisRequest: FailedRequest = { probe: 'models', baseURL: request.baseURL, key: request.key, model: '', timeoutMs: request.timeoutMs, proxy: request.proxy, noCheckFlags: NO_CHECK_FLAGS };
  if (failure.kind !== 'http') {
    const d = transportDiagnosis(failure, diagnosisRequest);
    return new AdminApiError(failure.kind === 'timeout' ? 'timeout' : 'network_error', EXIT.network, `${upperFirst(request.action)} failed: ${safe(d.message)}`, d.fix ? [safe(d.fix)] : [], null, null, null, [], failure.kind === 'transport' ? failure.code : null);
  }
  const { status } = failure;
  const requestId = failure.requestId === null ? null : safe(failure.requestId, 100);
  const parsed = errorText(failure.body);
  // An answer that is not the API's (a redirect, a proxy's page) says so in diagnosis.ts's words.
  // A redirect is never the API's, whatever its body: the API does not redirect, and a JSON error
  // from a captive portal or a wrong base URL must not read as the API refusing the key.
  const redirect = status >= 300 && status < 400;
  const foreign = parsed && !redirect ? null : nonApiDiagnosis(failure, diagnosisRequest);
  if (foreign || !parsed) {
    const message = foreign ? safe(foreign.message) : `The API answered HTTP ${status} without an error message.`;
    return new AdminApiError(status >= 500 ? 'server_error' : 'network_error', EXIT.network, `${upperFirst(request.action)} failed: ${message}`, foreign?.fix ? [safe(foreign.fix)] : [], status, null, requestId);
  }
  // The API's own words: one line (no forged "✔" line below ours), no terminal sequences, at most 500 characters, the key masked.
  const apiMessage = safe(parsed.message.trim());
  const hint = maskKey(request.key);
  const store = adminKeyCommand(request, request.profile);
  const make = (kind: AdminFailureKind, code: number, message: string, hints: string[], scopes: string[] = []) => new AdminApiError(kind, code, message, hints, status, apiMessage, requestId, scopes);

  // "Missing scopes: a, b" with or without a final full stop (the short 2026 form has none), or
  // only the 2026 code `missing_scope`: a permission the key lacks, on a 401 as on a 403.
  if ((status === 401 || status === 403) && isMissingScope(parsed.message, parsed.code)) {
    // Bounded, as any text from the network: a few names, each short.
    const scopes = missingScopesIn(parsed.message).slice(0, 5).map((name) => safe(name, 100));
    const scope = scopes.length ? scopes.join(', ') : null;
    // Said in a parenthesis: without its own final full stop.
    const says = scope ? `missing ${scope}` : apiMessage.replace(/\.$/, '') || 'missing_scope';
    const kind = keyKind(request.key);
    if (kind !== 'admin') {
      // A project (or other) key where an admin key belongs: the API lacks words for it, we don't.
      return make('needs_admin_key', EXIT.forbidden, `This needs an admin key: ${hint} is a ${keyKindLabel(kind)}, which cannot manage the organization (the API says: ${says}).`, [
        request.fromEnv ? envFix('an admin key (sk-admin-…)', store) : needsAdminKeyFix(store),
        `→ ${ADMIN_KEYS_URL}`,
      ], scopes);
    }
    const lacks = scope
      ? `lacks the permission${scopes.length > 1 ? 's' : ''} ${scope}, needed for ${request.action}.`
      : `lacks a permission needed for ${request.action} (the API says: ${says}).`;
    const that = scopes.length > 1 ? 'those permissions' : 'that permission';
    return make('missing_scope', EXIT.forbidden, `The admin key ${hint} ${lacks}`, [
      request.fromEnv ? `Give it ${that} on the admin keys page. ${envFix('an admin key with "All" permissions', store)}` : missingScopeFix(that, store),
      `→ ${ADMIN_KEYS_URL}`,
    ], scopes);
  }
  if (status === 401) {
    return make('invalid_key', EXIT.keyRejected, `The API rejected the admin key ${hint}${request.fromEnv ? ' (from OPENAI_ADMIN_KEY)' : ''}: it is wrong, revoked or deleted.`, [
      request.fromEnv ? envFix('a working admin key', store) : `Create a new admin key on the admin keys page and store it: ${store}`,
      `→ ${ADMIN_KEYS_URL}`,
    ]);
  }
  if (status === 404) return make('not_found', EXIT.forbidden, `${upperFirst(request.action)} failed: not found (HTTP 404: ${apiMessage || 'no message'}).`, []);
  if (status === 429) return make('rate_limited', EXIT.network, `${upperFirst(request.action)} failed: the API is limiting requests right now (HTTP 429).`, ['Try again in a minute.']);
  if (status >= 500) {
    return make('server_error', EXIT.network, `${upperFirst(request.action)} failed: the OpenAI API had a server error (HTTP ${status}).`, ['Try again in a few minutes; status.openai.com shows incidents.']);
  }
  return make('refused', EXIT.forbidden, `${upperFirst(request.action)} was refused (HTTP ${status}): ${apiMessage || 'no message'}`, []);
}


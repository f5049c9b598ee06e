// What a failed Admin API request means for the person: one kind, one line, one fix, and the exit
// code. Pure, like diagnosis.ts (whose transport and non-API classifiers it reuses): the answer
// comes in as data.
import * as z from 'zod/mini';
import { EXIT, ReasonedExitError } from '../errors.js';
import { keyKind, keyLabel, maskKey } from '../keys/format.js';
import { isOfficialBaseURL, PAGES } from '../platform.js';
import { adminKeyCommand, missingScopeFix, unsetAdminVariable, type AdviceScope } from '../terminal/advice.js';
import { untrusted, upperFirst } from '../terminal/sanitize.js';
import type { StoreAdvice } from './types.js';
import { apiErrorBody, isMissingScope, missingScopesIn, NO_CHECK_FLAGS, nonApiDiagnosis, otherServer, retryAfterOf, serverErrorFix, transportDiagnosis, type Failure, type FailedRequest, type HeaderLookup } from './diagnosis.js';

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
  /** The command that stores another admin key as it works where the fix is read (AdminAuth.store). */
  store?: StoreAdvice;
  /** The command the request is made for, and every permission it needs (AdminAuth.needs). */
  needs?: ScopeNeeds;
}

/** A command and every permission of the admin key it needs: a refusal for one names them all. */
export interface ScopeNeeds {
  command: string;
  scopes: string[];
}

/** What a missing permission means for `needs.command`, one wording wherever it is said: "rotate cannot use it (rotate needs a and b)". */
export function cannotUse(needs: ScopeNeeds): string {
  return `${needs.command} cannot use it (${needs.command} needs ${needs.scopes.join(' and ')})`;
}

/**
 * The error of an answer in either shape the API is known to use: `{"error": {"message", "type",
 * "code"}}`, or `{"error": "<message>"}` (apiErrorBody). Null when neither.
 */
function errorText(body: unknown): { message: string; type: string | null; code: string | null } | null {
  const error = apiErrorBody(body);
  return error && { message: error.message, type: error.type ?? null, code: error.code ?? null };
}

const ADMIN_KEYS_URL = PAGES['admin-keys'].url;

/** How to get an admin key where a project key was given: the page, and `store`, the command that stores it as it works here (storeAdminKeyAdvice). */
export function needsAdminKeyFix(store: StoreAdvice): string {
  return `Create an admin key on the admin keys page (only organization owners can), then store it${store.how}:  ${store.command}`;
}

// How an admin key comes to have the permissions it lacks: advice.ts's, which status and doctor say too.
export { missingScopeFix } from '../terminal/advice.js';

/** The command that stores another admin key for what `auth` carries (AdminAuth.store), else the bare `admin-key`. */
export function adminKeyStore(auth: AdviceScope & { profile?: string; store?: StoreAdvice }): StoreAdvice {
  return auth.store ?? { command: adminKeyCommand(auth, auth.profile), how: '' };
}

/**
 * OPENAI_ADMIN_KEY wins over a stored admin key, so storing another one changes nothing while it is
 * set: the fix is the variable. `what` is the admin key it should hold instead.
 */
function envFix(what: string, store: StoreAdvice): string {
  // Storing one as it works where this is read (AdminAuth.store): never `admin-key` asking where nothing can ask.
  return `OPENAI_ADMIN_KEY in this shell holds this key, and is used instead of any stored admin key: set it to ${what}, or ${unsetAdminVariable(store)}`;
}

/** An error answer of the API's own, as the outcomes below see it. */
interface Answered {
  request: AdminFailedRequest;
  status: number;
  /** The API's message and code, as it sent them (the message for matching; `apiMessage` for showing). */
  said: { message: string; code: string | null };
  /** The API's message made one safe line, the key masked ('' when none). */
  apiMessage: string;
  /** The admin key, masked. */
  hint: string;
  /** The command that stores an admin key for the request's profile, as it works where the fix is read. */
  store: StoreAdvice;
  /** The wait the answer's Retry-After headers give (retryAfterOf), or null. */
  retryAfter: string | null;
}

/** What an error answer comes to: the AdminApiError's kind, exit code, message, hints and the permissions named. */
interface AdminOutcome {
  kind: AdminFailureKind;
  code: number;
  message: string;
  hints: string[];
  scopes?: string[];
}

const doing = (a: Answered) => upperFirst(a.request.action);

/**
 * "Missing scopes: a, b" with or without a final full stop (the short 2026 form has none), or only
 * the 2026 code `missing_scope`: a permission the key lacks, on a 401 as on a 403. Null otherwise.
 */
function missingScopeOutcome(a: Answered): AdminOutcome | null {
  const { request, status, said, apiMessage, hint, store } = a;
  if ((status !== 401 && status !== 403) || !isMissingScope(said.message, said.code)) return null;
  // Bounded, as any text from the network: a few names, each short.
  const scopes = missingScopesIn(said.message)
    .slice(0, 5)
    .map((name) => untrusted(name, [request.key], 100));
  const scope = scopes.length ? scopes.join(', ') : null;
  // Said in a parenthesis: without its own final full stop.
  const says = scope ? `missing ${scope}` : apiMessage.replace(/\.$/, '') || 'missing_scope';
  const kind = keyKind(request.key);
  if (kind !== 'admin') {
    // A project (or other) key where an admin key belongs: the API lacks words for it, we don't.
    return {
      kind: 'needs_admin_key',
      code: EXIT.forbidden,
      message: `This needs an admin key: ${hint} is a ${keyLabel(request.key)}, which cannot manage the organization (the API says: ${says}).`,
      hints: [request.fromEnv ? envFix('an admin key (sk-admin-…)', store) : needsAdminKeyFix(store), `→ ${ADMIN_KEYS_URL}`],
      scopes,
    };
  }
  // For a command that needs more than this request shows (rotate), all it needs is named: given
  // only the one refused, the key would fail at the next.
  const { needs } = request;
  const lacks = scope
    ? `lacks the permission${scopes.length > 1 ? 's' : ''} ${scope}, needed for ${request.action}${needs ? `: ${cannotUse(needs)}` : ''}.`
    : `lacks a permission needed for ${request.action} (the API says: ${says})${needs ? `: ${cannotUse(needs)}` : ''}.`;
  const that = needs ? needs.scopes.join(' and ') : scopes.length > 1 ? 'those permissions' : 'that permission';
  return {
    kind: 'missing_scope',
    code: EXIT.forbidden,
    message: `The admin key ${hint} ${lacks}`,
    hints: [request.fromEnv ? `Give it ${that} on the admin keys page. ${envFix('an admin key with "All" permissions', store)}` : missingScopeFix(that, store), `→ ${ADMIN_KEYS_URL}`],
    scopes,
  };
}

/** The error answers with an outcome of their own, by HTTP status (after missing scopes, whatever the status). */
const STATUS_OUTCOMES: Record<number, (a: Answered) => AdminOutcome> = {
  401: (a) => ({
    kind: 'invalid_key',
    code: EXIT.keyRejected,
    message: `The API rejected the admin key ${a.hint}${a.request.fromEnv ? ' (from OPENAI_ADMIN_KEY)' : ''}: it is wrong, revoked or deleted.`,
    hints: [a.request.fromEnv ? envFix('a working admin key', a.store) : `Create a new admin key on the admin keys page and store it${a.store.how}:  ${a.store.command}`, `→ ${ADMIN_KEYS_URL}`],
  }),
  404: (a) => ({ kind: 'not_found', code: EXIT.forbidden, message: `${doing(a)} failed: not found (HTTP 404: ${a.apiMessage || 'no message'}).`, hints: [] }),
  // The wait the answer gives is said in the message too: a step's message is what rotate repeats of it.
  429: (a) => ({
    kind: 'rate_limited',
    code: EXIT.network,
    message: `${doing(a)} failed: the API is limiting requests right now (HTTP 429${a.retryAfter ? `; try again in ${a.retryAfter}` : ''}).`,
    hints: [`Try again in ${a.retryAfter ?? 'a minute'}.`],
  }),
};

/** Any 5xx the table does not name. */
const serverError = (a: Answered): AdminOutcome => ({
  kind: 'server_error',
  code: EXIT.network,
  message: `${doing(a)} failed: ${otherServer(a.request.baseURL) ?? 'the OpenAI API'} had a server error (HTTP ${a.status}).`,
  hints: [serverErrorFix(a.request.baseURL)],
});

/** Any other error answer: refused, in the API's words. */
const refused = (a: Answered): AdminOutcome => ({ kind: 'refused', code: EXIT.forbidden, message: `${doing(a)} was refused (HTTP ${a.status}): ${a.apiMessage || 'no message'}`, hints: [] });

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
  const answered: Answered = { request, status, said: parsed, apiMessage, hint: maskKey(request.key), store: adminKeyStore(request), retryAfter: retryAfterOf(failure.headers) };
  const outcome = missingScopeOutcome(answered) ?? (STATUS_OUTCOMES[status] ?? (status >= 500 ? serverError : refused))(answered);
  return new AdminApiError(outcome.kind, outcome.code, outcome.message, outcome.hints, status, apiMessage, requestId, outcome.scopes ?? []);
}

/** A 2xx answer as the SDK parsed it: JSON, or the text of anything else. */
export interface AdminAnswer {
  status: number;
  headers: HeaderLookup;
  body: unknown;
}

/** Where in an answer a field is, as a person reads it: `data[0].id`. Only the schema's own keys and indices, never the server's text. */
function fieldName(path: readonly PropertyKey[]): string {
  return path.reduce<string>((name, part) => (typeof part === 'number' ? `${name}[${part}]` : name ? `${name}.${String(part)}` : String(part)), '');
}

/** What the answer lacks, by the schema's first complaint: "without id", "with data[0].created_at not a number". */
function answerProblem(body: unknown, issue: z.core.$ZodIssue): string {
  const field = fieldName(issue.path);
  const value = issue.path.reduce<unknown>((v, part) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[part] : undefined), body);
  if (value === undefined) return `without ${field}`;
  const expected = issue.code === 'invalid_type' ? issue.expected : null;
  return expected ? `with ${field} not ${/^[aeiou]/.test(expected) ? 'an' : 'a'} ${expected}` : `with ${field} in a form it does not document`;
}

/** What to do about an answer not as the Admin API documents it: wait, then update openai-setup, or check a base URL that is not OpenAI's. */
export function notAsDocumentedFix(request: { baseURL: string; key: string }): string {
  const elsewhere = isOfficialBaseURL(request.baseURL) ? 'update openai-setup (the Admin API may have changed since this version)' : `check OPENAI_BASE_URL: ${untrusted(request.baseURL, [request.key], 200)} may not serve OpenAI's Admin API`;
  return `Try again in a few minutes; if it persists, ${elsewhere}.`;
}

/**
 * A 2xx answer that the schema of what was asked for refuses (`issue`, its first complaint). A page
 * in the API's place (not a JSON object: a captive portal, a web server at the base URL) is said in
 * diagnosis.ts's words, as any answer that is not the API's (the request went no further); a JSON
 * answer without what the Admin API documents is a server error, and the request may have been
 * carried out: `hints` say what to do then.
 */
export function unreadableAnswer(answer: AdminAnswer, issue: z.core.$ZodIssue, request: AdminFailedRequest, hints: string[] = []): AdminApiError {
  const { status, headers, body } = answer;
  const requestId = headers.get('x-request-id');
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    // Another server answered in the API's place: the request went no further.
    return adminFailure({ kind: 'http', status, headers, body: undefined, requestId }, request);
  }
  return new AdminApiError(
    'server_error',
    EXIT.network,
    `${upperFirst(request.action)} failed: the API answered (HTTP ${status}) ${answerProblem(body, issue)}, not as the Admin API documents its answer.`,
    [...hints, notAsDocumentedFix(request)],
    status,
    null,
    requestId === null ? null : untrusted(requestId, [request.key], 100),
  );
}

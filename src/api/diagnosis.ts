// What a failed request means for the person: one status, one explanation and one fix. Pure
// functions of what came back (no SDK, no network), so every real answer can be tested in
// milliseconds. Three classifiers, tried in this order: transport errors (no HTTP answer),
// answers that are not the API's (redirects, non-JSON pages), then API errors, read by
// `error.code` first (missing scopes, quota codes, the code table), then by HTTP status.
import * as z from 'zod/mini';
import { redact } from '../keys/redact.js';
import { PAGES, projectPageUrl } from '../platform.js';
import type { VerifyStatus } from './status.js';

/** Largest answer body accepted; no OpenAI API answer to these probes comes near it. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Where an organization or project header came from, to name it when the API says it is wrong. */
export interface HeaderSource {
  value: string;
  from: string;
}

export interface HeaderLookup {
  get(name: string): string | null;
}

/** A request that did not succeed, as plain data. */
export type Failure =
  | { kind: 'timeout' }
  | { kind: 'transport'; code: string | null; text: string }
  | { kind: 'http'; status: number; headers: HeaderLookup | null; body: unknown; requestId: string | null };

/** What the diagnosis needs to know about the request that failed. */
export interface FailedRequest {
  /** Which probe failed: listing models, or the 1-token test request. */
  probe: 'models' | 'billing';
  baseURL: string;
  key: string;
  model: string;
  timeoutMs: number;
  /** The proxy the request went through (credentials removed), if any. */
  proxy: string | null;
  organization?: HeaderSource;
  project?: HeaderSource;
}

export interface Diagnosis {
  status: VerifyStatus;
  /** The API's error.code (or our own reason) behind the status. */
  reason: string | null;
  message: string;
  fix: string | null;
  fixUrl: string | null;
  requestId: string | null;
}

const ErrorBodySchema = z.object({
  error: z.object({
    message: z.catch(z.string(), ''),
    type: z.nullish(z.string()),
    code: z.nullish(z.string()),
  }),
});

function hostOf(baseURL: string): string {
  try {
    return new URL(baseURL).host;
  } catch {
    return baseURL;
  }
}

const TLS_CODES = /CERT|SSL|TLS|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS/;

/** No HTTP answer at all: a timeout, or an error from the connection. */
export function transportDiagnosis(failure: Exclude<Failure, { kind: 'http' }>, request: FailedRequest): Diagnosis {
  const host = hostOf(request.baseURL);
  const { proxy } = request;
  const base = { fixUrl: null, requestId: null };
  if (failure.kind === 'timeout') {
    return {
      ...base,
      status: 'timeout',
      reason: 'timeout',
      message: `No answer from ${host} within ${request.timeoutMs} ms.`,
      fix: proxy
        ? `Check that the proxy ${proxy} can reach ${host}, or raise --timeout.`
        : 'Check your connection (a firewall or proxy may be silently dropping it), or raise --timeout.',
    };
  }
  const { code, text } = failure;
  const via = proxy ? ` through the proxy ${proxy}` : '';
  let message = `Could not reach ${host}${via}: ${code ?? (text || 'connection error')}.`;
  let fix = 'Check your internet connection and any proxy settings (HTTPS_PROXY, NO_PROXY).';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    message = `Could not resolve ${host}${via} (DNS lookup failed).`;
    fix = 'Check your internet connection and DNS, or the --base-url / OPENAI_BASE_URL you set.';
  } else if (code === 'ECONNREFUSED') {
    message = `The connection to ${proxy ? `the proxy ${proxy}` : host} was refused.`;
    fix = proxy ? 'Check HTTPS_PROXY / HTTP_PROXY.' : 'Check the --base-url / OPENAI_BASE_URL, or whether a firewall blocks it.';
  } else if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') {
    message = `The connection to ${host}${via} was cut before an answer came.`;
    fix = 'A proxy or firewall may be closing it; try another network, or set HTTPS_PROXY if you need a proxy.';
  } else if (code === 'ERR_BODY_TOO_LARGE') {
    message = `${host}${via} sent an answer larger than ${MAX_BODY_BYTES / (1024 * 1024)} MB, which no OpenAI API answer is.`;
    fix = 'Something between you and the API answered instead: check your proxy or network, and the --base-url.';
  } else if (code?.startsWith('Z_')) {
    // zlib's codes: a Content-Encoding the body does not match.
    message = `${host}${via} sent a compressed answer that could not be decompressed (${code}).`;
    fix = 'Something between you and the API may be altering answers: check your proxy or network, and the --base-url.';
  } else if (code && TLS_CODES.test(code)) {
    message = `TLS certificate problem talking to ${host}${via} (${code}).`;
    fix = 'If a company proxy inspects TLS, point NODE_EXTRA_CA_CERTS at its CA certificate file.';
  } else if (code?.startsWith('UND_ERR_PROXY') || (proxy && /proxy/i.test(text))) {
    message = `The proxy ${proxy} refused the connection: ${text || code}.`;
    fix = 'Check HTTPS_PROXY / HTTP_PROXY and the proxy credentials.';
  }
  return { ...base, status: 'network_error', reason: code ?? 'connection_error', message, fix };
}

/** An HTTP answer that is not the API's: a redirect, or a page that is not an OpenAI error body. Null when it is the API's. */
export function nonApiDiagnosis(failure: Extract<Failure, { kind: 'http' }>, request: FailedRequest): Diagnosis | null {
  const { status, headers, requestId } = failure;
  const host = hostOf(request.baseURL);
  if (status >= 300 && status < 400) {
    // Redirects are never followed (the key would go along). The API itself never redirects: a
    // 3xx comes from a captive portal, a proxy login page or a wrong base URL.
    const location = headers?.get('location') ?? null;
    let target: string | null = null;
    try {
      const to = location ? new URL(location, request.baseURL) : null;
      if (to) target = to.protocol === new URL(request.baseURL).protocol ? to.host : `${to.protocol}//${to.host}`;
    } catch {
      target = null;
    }
    return {
      status: 'network_error',
      reason: `http_${status}`,
      message: target
        ? `${host} answered with a redirect (HTTP ${status}) to ${target} instead of an API answer; the key was not sent there.`
        : `${host} answered with a redirect (HTTP ${status}) without a Location instead of an API answer.`,
      fix: 'A captive portal or proxy login page may be in the way: sign in to the network in a browser, or check your proxy settings and the --base-url.',
      fixUrl: null,
      requestId,
    };
  }
  if (ErrorBodySchema.safeParse(failure.body).success) return null;
  // Not an OpenAI JSON error: a gateway, captive portal, Cloudflare block or a wrong base URL.
  const blocked = status === 403 ? ' (blocked by a firewall or CDN; an unsupported region can look like this too)' : '';
  return {
    status: status >= 500 ? 'server_error' : 'network_error',
    reason: `http_${status}`,
    message: `${host} answered HTTP ${status} with a page that is not an OpenAI API answer${blocked}.`,
    fix: 'Something between you and the API answered instead: check your proxy or network, and the --base-url.',
    fixUrl: null,
    requestId,
  };
}

/** What an API error handler sees. */
interface ApiError {
  status: number;
  code: string | null;
  type: string | null;
  /** The API's message, with any key in it masked. */
  message: string;
  /** The `openai-project` header, when the answer had one. */
  project: string | null;
  request: FailedRequest;
}

type Outcome = Omit<Diagnosis, 'requestId'>;

const NO_CREDIT_FIX =
  "Add credits on the billing page. If you already did, this key may belong to another organization or project than the one you funded: create the key there (or fund the key's organization), then check again.";

/** Spending is blocked: the key is right, billing needs fixing. By error.code (the API's type for old answers). */
const QUOTA_OUTCOMES: Record<string, (e: ApiError) => Omit<Outcome, 'status' | 'reason'>> = {
  project_spend_limit_exceeded: (e) => {
    const id = /proj_[A-Za-z0-9]+/.exec(e.message)?.[0] ?? e.project;
    return {
      message: 'The key works, but its project has reached its spend limit.',
      fix: "Raise or remove the project's spend limit.",
      fixUrl: id ? projectPageUrl(id, 'limits') : PAGES.limits.url,
    };
  },
  organization_spend_limit_exceeded: () => ({
    message: 'The key works, but the organization has reached its spend limit.',
    fix: "Raise the organization's monthly budget on the limits page.",
    fixUrl: PAGES.limits.url,
  }),
  organization_usage_limit_exceeded: () => ({
    message: "The key works, but the organization has used up its usage tier's monthly allowance.",
    fix: 'Wait for the next month, or qualify for a higher usage tier (see the limits page).',
    fixUrl: PAGES.limits.url,
  }),
  billing_not_active: () => ({
    message: 'The key works, but billing is not active on this account.',
    fix: 'Add a payment method and buy credits on the billing page.',
    fixUrl: PAGES.billing.url,
  }),
  insufficient_quota: () => ({
    message: 'The key works, but the organization has no credits (or reached its spend limit).',
    fix: NO_CREDIT_FIX,
    fixUrl: PAGES.billing.url,
  }),
};
QUOTA_OUTCOMES.credit_balance_exhausted = QUOTA_OUTCOMES.insufficient_quota!;
QUOTA_OUTCOMES.billing_hard_limit_reached = QUOTA_OUTCOMES.insufficient_quota!;

function quotaOutcome(e: ApiError): Outcome | null {
  const reason = e.code && QUOTA_OUTCOMES[e.code] ? e.code : e.type === 'insufficient_quota' || e.type === 'billing_not_active' ? (e.code ?? e.type) : null;
  if (!reason) return null;
  const describe = QUOTA_OUTCOMES[reason] ?? QUOTA_OUTCOMES.insufficient_quota!;
  return { status: 'insufficient_quota', reason, ...describe(e) };
}

/** A restricted key without a permission the probe needs ("Missing scopes: model.read."). */
function scopesOutcome(e: ApiError): Outcome | null {
  const scopes = /Missing scopes?:\s*(.+?)\.(?:\s|$)/.exec(e.message)?.[1];
  if (!scopes) return null;
  return {
    status: 'forbidden',
    reason: 'missing_scopes',
    message: `This restricted key lacks the permission ${scopes}${e.request.probe === 'billing' ? ', so it cannot call models' : ', so it cannot list models'}.`,
    fix: 'Edit the key on the API keys page (Models: Read, Model capabilities: Write), or create a key with "All" permissions.',
    fixUrl: PAGES.keys.url,
  };
}

const NEW_KEY_FIX = 'Create a new secret key on the API keys page and store it with `openai-setup key`.';

function headerMismatch(e: ApiError): Omit<Outcome, 'status' | 'reason'> {
  const isOrg = e.code === 'mismatched_organization';
  const sent = isOrg ? e.request.organization : e.request.project;
  const header = isOrg ? 'OpenAI-Organization' : 'OpenAI-Project';
  const what = isOrg ? 'organization' : 'project';
  return {
    message: `The ${header} header${sent ? ` (${sent.value})` : ''} does not match the key's ${what}.`,
    fix: sent ? `It was sent because ${sent.from} is set: unset it, or set it to the key's ${what}.` : `Remove the ${header} header, or use a key from that ${what}.`,
    fixUrl: null,
  };
}

/** The API's error codes with an outcome of their own; a handler may return null to fall through to the status. */
const CODE_OUTCOMES: Record<string, (e: ApiError) => Omit<Outcome, 'reason'> | null> = {
  invalid_api_key: () => ({
    status: 'invalid_key',
    message: 'The API rejected the key: it is wrong, revoked or deleted (the API cannot tell these apart).',
    fix: NEW_KEY_FIX,
    fixUrl: PAGES.keys.url,
  }),
  account_deactivated: () => ({
    status: 'forbidden',
    message: 'The OpenAI account that owns this key has been deactivated.',
    fix: "Check the account owner's email from OpenAI; if you think it is a mistake, contact help.openai.com.",
    fixUrl: null,
  }),
  mismatched_organization: (e) => ({ status: 'forbidden', ...headerMismatch(e) }),
  mismatched_project: (e) => ({ status: 'forbidden', ...headerMismatch(e) }),
  no_organization: () => ({
    status: 'forbidden',
    message: 'Your user is not a member of any organization, which the API requires.',
    fix: 'Create or join an organization on the platform, then create a key in it.',
    fixUrl: PAGES.organization.url,
  }),
  unsupported_country_region_territory: () => ({
    status: 'forbidden',
    message: 'OpenAI does not serve the country, region or territory this request came from.',
    fix: 'The API can only be used from supported countries; the key itself may be fine.',
    fixUrl: null,
  }),
  rate_limit_exceeded: (e) => {
    const wait = /try again in ([0-9.]+m?s)/i.exec(e.message)?.[1];
    return {
      status: 'rate_limited',
      message: `The key works; the organization is at its rate limit right now${wait ? ` (try again in ${wait})` : ''}.`,
      fix: 'Nothing is wrong with the key. The limits page shows your rate limits and usage tier.',
      fixUrl: PAGES.limits.url,
    };
  },
  model_not_found: (e) =>
    e.status === 403
      ? {
          status: 'forbidden',
          message: `The key's project may not use ${e.request.model}.`,
          fix: `Allow ${e.request.model} in the project's settings, or check with another model (--model).`,
          fixUrl: e.project ? projectPageUrl(e.project, 'limits') : PAGES.limits.url,
        }
      : null,
};
CODE_OUTCOMES.slow_down = CODE_OUTCOMES.rate_limit_exceeded!;

/** An error the code table does not settle, by HTTP status. */
function statusOutcome(e: ApiError): Outcome {
  const { status, code, type } = e;
  if (status === 401) {
    if (/IP/.test(e.message) && /not authorized|allowlist/i.test(e.message)) {
      return {
        status: 'forbidden',
        reason: code ?? 'ip_not_authorized',
        message: "This machine's IP address is not on the organization's allowlist.",
        fix: 'Ask an organization owner to add it, or call from an allowed network.',
        fixUrl: PAGES.organization.url,
      };
    }
    return {
      status: 'invalid_key',
      reason: code ?? 'unauthorized',
      message: /didn't provide an API key/.test(e.message) ? 'No key reached the API (the Authorization header was empty).' : `The API rejected the key: ${e.message}`,
      fix: NEW_KEY_FIX,
      fixUrl: PAGES.keys.url,
    };
  }
  if (status === 403) {
    return {
      status: 'forbidden',
      reason: code ?? type ?? 'forbidden',
      message: `The API refused the request: ${e.message}`,
      fix: "Check the key's organization and project permissions on the API keys page.",
      fixUrl: PAGES.keys.url,
    };
  }
  if (status === 429) {
    return {
      status: 'rate_limited',
      reason: code ?? type ?? 'rate_limited',
      message: `The key works; the API is limiting requests right now: ${e.message}`,
      fix: 'Try again in a minute.',
      fixUrl: PAGES.limits.url,
    };
  }
  if (status >= 500) {
    return {
      status: 'server_error',
      reason: code ?? type ?? `http_${status}`,
      message: `The OpenAI API had a server error (HTTP ${status}); this is not a problem with your key.`,
      fix: 'Try again in a few minutes; status.openai.com shows incidents.',
      fixUrl: null,
    };
  }
  // Any other 4xx (404 for the probe model, 400 for an organization that must be verified...):
  // the key was accepted; the caller treats it as "billing could not be checked".
  return { status: 'valid', reason: code ?? type ?? `http_${status}`, message: e.message, fix: null, fixUrl: null };
}

/** An OpenAI error answer: missing scopes, quota codes, the code table, then the HTTP status. */
export function apiErrorDiagnosis(failure: Extract<Failure, { kind: 'http' }>, request: FailedRequest): Diagnosis {
  const parsed = ErrorBodySchema.safeParse(failure.body);
  const body = parsed.success ? parsed.data.error : { message: '', type: null, code: null };
  const e: ApiError = {
    status: failure.status,
    code: body.code ?? null,
    type: body.type ?? null,
    message: redact(body.message, [request.key]),
    project: failure.headers?.get('openai-project') ?? null,
    request,
  };
  const byCode = e.code ? CODE_OUTCOMES[e.code]?.(e) : null;
  const outcome = scopesOutcome(e) ?? quotaOutcome(e) ?? (byCode ? { ...byCode, reason: e.code } : null) ?? statusOutcome(e);
  return { ...outcome, requestId: failure.requestId };
}

/** Any failed request, through the three classifiers in turn. */
export function diagnose(failure: Failure, request: FailedRequest): Diagnosis {
  if (failure.kind !== 'http') return transportDiagnosis(failure, request);
  return nonApiDiagnosis(failure, request) ?? apiErrorDiagnosis(failure, request);
}

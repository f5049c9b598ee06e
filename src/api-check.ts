// The live check of a key: GET /models (authentication, model access) and, concurrently, a
// 1-token chat completion (can it spend?), both through the official SDK. Every failure is turned
// into one status, one explanation and one fix (fact sheet §0, §1, §4).
import type { ClientOptions } from 'openai';
import * as z from 'zod/mini';
import { EXIT } from './errors.js';
import { httpFetch, MAX_BODY_BYTES } from './http-fetch.js';
import { PAGES, projectPageUrl, OFFICIAL_API_BASE_URL } from './platform.js';
import type { VerifyStatus } from './state.js';
import { redact } from './key-format.js';

export type BillingState = 'ok' | 'no_quota' | 'unchecked';

/** Where an organization or project header came from, to name it when the API says it is wrong. */
export type HeaderSource = { value: string; from: string };

export interface CheckRequest {
  key: string;
  baseURL: string;
  organization?: HeaderSource;
  project?: HeaderSource;
  /** The cheap model used by the billing probe. */
  model: string;
  billingCheck: boolean;
  /** Bounds the whole check: both requests run at once, with no hidden retries. */
  timeoutMs: number;
  /** Proxy settings (HTTPS_PROXY / HTTP_PROXY / NO_PROXY, either case). */
  env: Record<string, string | undefined>;
  /** Milliseconds clock, for latency. */
  clock?: () => number;
  /** Debug log sink (already masked by the caller's terminal); undefined = no SDK logging. */
  debug?: (line: string) => void;
}

export interface CheckResult {
  status: VerifyStatus;
  ok: boolean;
  exitCode: number;
  /** The API's error.code (or our own reason) behind the status, for people who want detail. */
  reason: string | null;
  organization: string | null;
  project: string | null;
  models: number | null;
  notableModels: string[];
  billing: BillingState;
  tier: string | null;
  requestId: string | null;
  message: string;
  fix: string | null;
  fixUrl: string | null;
  warnings: string[];
  latencyMs: number;
}

export const STATUS_EXIT: Record<VerifyStatus, number> = {
  valid: EXIT.ok,
  rate_limited: EXIT.ok,
  malformed_key: EXIT.keyRejected,
  invalid_key: EXIT.keyRejected,
  insufficient_quota: EXIT.noQuota,
  forbidden: EXIT.forbidden,
  network_error: EXIT.network,
  timeout: EXIT.network,
  server_error: EXIT.network,
};

export function isOfficialBaseURL(baseURL: string): boolean {
  try {
    return new URL(baseURL).hostname === new URL(OFFICIAL_API_BASE_URL).hostname;
  } catch {
    return false;
  }
}

// x-ratelimit-limit-tokens → likely usage tier (fact sheet §6.3). Only the tokens header:
// the requests header reports a daily limit on low tiers.
const TIER_BY_TOKENS: Record<string, Record<string, string>> = {
  'gpt-4o-mini': { '40000': 'free', '200000': '1', '2000000': '2', '4000000': '3', '10000000': '4', '150000000': '5' },
  'gpt-5-mini': { '500000': '1', '2000000': '2', '4000000': '3', '10000000': '4', '180000000': '5' },
};
TIER_BY_TOKENS['gpt-4.1-mini'] = TIER_BY_TOKENS['gpt-4o-mini']!;

export function likelyTier(model: string, limitTokens: string | null): string | null {
  if (!limitTokens) return null;
  return TIER_BY_TOKENS[model]?.[limitTokens.trim()] ?? null;
}

const NOTABLE_MODELS = ['gpt-5', 'gpt-5-mini', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4o', 'gpt-4o-mini', 'o3', 'o4-mini'];

const ErrorBodySchema = z.object({
  message: z.catch(z.string(), ''),
  type: z.nullish(z.string()),
  code: z.nullish(z.string()),
  param: z.optional(z.unknown()),
});

const ModelListSchema = z.object({ data: z.array(z.looseObject({ id: z.string() })) });

/** What one failed request means for the person. */
interface Diagnosis {
  status: VerifyStatus;
  reason: string | null;
  message: string;
  fix: string | null;
  fixUrl: string | null;
  requestId: string | null;
  /** For 429s and 5xx the headers may still carry org/project. */
  headers?: Headers;
}

const QUOTA_CODES = new Set([
  'insufficient_quota',
  'credit_balance_exhausted',
  'billing_not_active',
  'billing_hard_limit_reached',
  'project_spend_limit_exceeded',
  'organization_spend_limit_exceeded',
  'organization_usage_limit_exceeded',
]);

const NO_CREDIT_FIX =
  'Add credits on the billing page. If you already did, this key may belong to another organization or project than the one you funded: create the key there (or fund the key\'s organization), then check again.';

function quotaDiagnosis(code: string, apiMessage: string, project: string | null): Omit<Diagnosis, 'requestId'> {
  switch (code) {
    case 'project_spend_limit_exceeded': {
      const id = /proj_[A-Za-z0-9]+/.exec(apiMessage)?.[0] ?? project;
      return {
        status: 'insufficient_quota',
        reason: code,
        message: 'The key works, but its project has reached its spend limit.',
        fix: "Raise or remove the project's spend limit.",
        fixUrl: id ? projectPageUrl(id, 'limits') : PAGES.limits.url,
      };
    }
    case 'organization_spend_limit_exceeded':
      return {
        status: 'insufficient_quota',
        reason: code,
        message: 'The key works, but the organization has reached its spend limit.',
        fix: "Raise the organization's monthly budget on the limits page.",
        fixUrl: PAGES.limits.url,
      };
    case 'organization_usage_limit_exceeded':
      return {
        status: 'insufficient_quota',
        reason: code,
        message: "The key works, but the organization has used up its usage tier's monthly allowance.",
        fix: 'Wait for the next month, or qualify for a higher usage tier (see the limits page).',
        fixUrl: PAGES.limits.url,
      };
    case 'billing_not_active':
      return {
        status: 'insufficient_quota',
        reason: code,
        message: 'The key works, but billing is not active on this account.',
        fix: 'Add a payment method and buy credits on the billing page.',
        fixUrl: PAGES.billing.url,
      };
    default:
      return {
        status: 'insufficient_quota',
        reason: code,
        message: 'The key works, but the organization has no credits (or reached its spend limit).',
        fix: NO_CREDIT_FIX,
        fixUrl: PAGES.billing.url,
      };
  }
}

function causeCode(error: unknown): { code: string | null; text: string } {
  let current: unknown = error;
  const texts: string[] = [];
  for (let depth = 0; current && depth < 6; depth++) {
    const e = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof e.message === 'string') texts.push(e.message);
    if (typeof e.code === 'string' && e.code !== 'GenericFailure') return { code: e.code, text: texts.join(': ') };
    current = e.cause;
  }
  return { code: null, text: texts.join(': ') };
}

const TLS_CODES = /CERT|SSL|TLS|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS/;

interface SdkModule {
  APIError: typeof import('openai').APIError;
  APIConnectionTimeoutError: typeof import('openai').APIConnectionTimeoutError;
  APIUserAbortError: typeof import('openai').APIUserAbortError;
}

function diagnose(
  error: unknown,
  sdk: SdkModule,
  request: CheckRequest,
  proxy: string | null,
  probe: 'models' | 'billing',
): Diagnosis {
  const host = (() => {
    try {
      return new URL(request.baseURL).host;
    } catch {
      return request.baseURL;
    }
  })();
  if (error instanceof sdk.APIConnectionTimeoutError || error instanceof sdk.APIUserAbortError) {
    return {
      status: 'timeout',
      reason: 'timeout',
      message: `No answer from ${host} within ${request.timeoutMs} ms.`,
      fix: proxy
        ? `Check that the proxy ${proxy} can reach ${host}, or raise --timeout.`
        : 'Check your connection (a firewall or proxy may be silently dropping it), or raise --timeout.',
      fixUrl: null,
      requestId: null,
    };
  }
  if (!(error instanceof sdk.APIError) || error.status === undefined) {
    // Connection errors: the SDK wraps fetch's TypeError, which wraps the socket error.
    const { code, text } = causeCode(error);
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
      fix = "If a company proxy inspects TLS, point NODE_EXTRA_CA_CERTS at its CA certificate file.";
    } else if (/proxy/i.test(text) && proxy) {
      message = `The proxy ${proxy} refused the connection: ${text}.`;
      fix = 'Check HTTPS_PROXY / HTTP_PROXY and the proxy credentials.';
    }
    return { status: 'network_error', reason: code ?? 'connection_error', message, fix, fixUrl: null, requestId: null };
  }

  const status = error.status;
  const requestId = error.requestID ?? null;
  const headers = error.headers;
  if (status >= 300 && status < 400) {
    // Without a proxy our fetch hands redirects back unfollowed (the key would go along). The API
    // itself never redirects: a 3xx comes from a captive portal, a proxy login page or a wrong base URL.
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
      headers,
    };
  }
  const parsed = ErrorBodySchema.safeParse(error.error);
  if (!parsed.success) {
    // Not an OpenAI JSON error: a gateway, captive portal, Cloudflare block or a wrong base URL.
    const blocked = status === 403 ? ' (blocked by a firewall or CDN; an unsupported region can look like this too)' : '';
    return {
      status: status >= 500 ? 'server_error' : 'network_error',
      reason: `http_${status}`,
      message: `${host} answered HTTP ${status} with a page that is not an OpenAI API answer${blocked}.`,
      fix: 'Something between you and the API answered instead: check your proxy or network, and the --base-url.',
      fixUrl: null,
      requestId,
      headers,
    };
  }
  const body = parsed.data;
  const code = body.code ?? null;
  const type = body.type ?? null;
  const apiMessage = redact(body.message, [request.key]);
  const project = headers?.get('openai-project') ?? null;
  const base = { requestId, headers };

  const scopes = /Missing scopes?:\s*(.+?)\.(?:\s|$)/.exec(apiMessage)?.[1];
  if (scopes) {
    const canList = probe === 'billing';
    return {
      ...base,
      status: 'forbidden',
      reason: 'missing_scopes',
      message: `This restricted key lacks the permission ${scopes}${canList ? ', so it cannot call models' : ', so it cannot list models'}.`,
      fix: 'Edit the key on the API keys page (Models: Read, Model capabilities: Write), or create a key with "All" permissions.',
      fixUrl: PAGES.keys.url,
    };
  }
  if (code && QUOTA_CODES.has(code)) return { ...base, ...quotaDiagnosis(code, apiMessage, project) };
  if (type === 'insufficient_quota' || type === 'billing_not_active') {
    return { ...base, ...quotaDiagnosis(code ?? type, apiMessage, project) };
  }
  switch (code) {
    case 'invalid_api_key':
      return {
        ...base,
        status: 'invalid_key',
        reason: code,
        message: 'The API rejected the key: it is wrong, revoked or deleted (the API cannot tell these apart).',
        fix: 'Create a new secret key on the API keys page and store it with `openai-setup key`.',
        fixUrl: PAGES.keys.url,
      };
    case 'account_deactivated':
      return {
        ...base,
        status: 'forbidden',
        reason: code,
        message: 'The OpenAI account that owns this key has been deactivated.',
        fix: "Check the account owner's email from OpenAI; if you think it is a mistake, contact help.openai.com.",
        fixUrl: null,
      };
    case 'mismatched_organization':
    case 'mismatched_project': {
      const isOrg = code === 'mismatched_organization';
      const sent = isOrg ? request.organization : request.project;
      const header = isOrg ? 'OpenAI-Organization' : 'OpenAI-Project';
      return {
        ...base,
        status: 'forbidden',
        reason: code,
        message: `The ${header} header${sent ? ` (${sent.value})` : ''} does not match the key's ${isOrg ? 'organization' : 'project'}.`,
        fix: sent
          ? `It was sent because ${sent.from} is set: unset it, or set it to the key's ${isOrg ? 'organization' : 'project'}.`
          : `Remove the ${header} header, or use a key from that ${isOrg ? 'organization' : 'project'}.`,
        fixUrl: null,
      };
    }
    case 'no_organization':
      return {
        ...base,
        status: 'forbidden',
        reason: code,
        message: 'Your user is not a member of any organization, which the API requires.',
        fix: 'Create or join an organization on the platform, then create a key in it.',
        fixUrl: PAGES.organization.url,
      };
    case 'unsupported_country_region_territory':
      return {
        ...base,
        status: 'forbidden',
        reason: code,
        message: 'OpenAI does not serve the country, region or territory this request came from.',
        fix: 'The API can only be used from supported countries; the key itself may be fine.',
        fixUrl: null,
      };
    case 'rate_limit_exceeded':
    case 'slow_down': {
      const wait = /try again in ([0-9.]+m?s)/i.exec(apiMessage)?.[1];
      return {
        ...base,
        status: 'rate_limited',
        reason: code,
        message: `The key works; the organization is at its rate limit right now${wait ? ` (try again in ${wait})` : ''}.`,
        fix: 'Nothing is wrong with the key. The limits page shows your rate limits and usage tier.',
        fixUrl: PAGES.limits.url,
      };
    }
    case 'model_not_found':
      if (status === 403) {
        return {
          ...base,
          status: 'forbidden',
          reason: code,
          message: `The key's project may not use ${request.model}.`,
          fix: `Allow ${request.model} in the project's settings, or check with another model (--model).`,
          fixUrl: project ? projectPageUrl(project, 'limits') : PAGES.limits.url,
        };
      }
      break;
  }
  if (status === 401) {
    if (/IP/.test(apiMessage) && /not authorized|allowlist/i.test(apiMessage)) {
      return {
        ...base,
        status: 'forbidden',
        reason: code ?? 'ip_not_authorized',
        message: "This machine's IP address is not on the organization's allowlist.",
        fix: 'Ask an organization owner to add it, or call from an allowed network.',
        fixUrl: PAGES.organization.url,
      };
    }
    return {
      ...base,
      status: 'invalid_key',
      reason: code ?? 'unauthorized',
      message: /didn't provide an API key/.test(apiMessage) ? 'No key reached the API (the Authorization header was empty).' : `The API rejected the key: ${apiMessage}`,
      fix: 'Create a new secret key on the API keys page and store it with `openai-setup key`.',
      fixUrl: PAGES.keys.url,
    };
  }
  if (status === 403) {
    return {
      ...base,
      status: 'forbidden',
      reason: code ?? type ?? 'forbidden',
      message: `The API refused the request: ${apiMessage}`,
      fix: "Check the key's organization and project permissions on the API keys page.",
      fixUrl: PAGES.keys.url,
    };
  }
  if (status === 429) {
    return {
      ...base,
      status: 'rate_limited',
      reason: code ?? type ?? 'rate_limited',
      message: `The key works; the API is limiting requests right now: ${apiMessage}`,
      fix: 'Try again in a minute.',
      fixUrl: PAGES.limits.url,
    };
  }
  if (status >= 500) {
    return {
      ...base,
      status: 'server_error',
      reason: code ?? type ?? `http_${status}`,
      message: `The OpenAI API had a server error (HTTP ${status}); this is not a problem with your key.`,
      fix: 'Try again in a few minutes; status.openai.com shows incidents.',
      fixUrl: null,
    };
  }
  // Any other 4xx (404 for the probe model, 400 for an organization that must be verified...):
  // the caller treats it as "billing could not be checked" rather than a broken key.
  return {
    ...base,
    status: 'valid',
    reason: code ?? type ?? `http_${status}`,
    message: apiMessage,
    fix: null,
    fixUrl: null,
  };
}

/** undici, for its proxy agent and the fetch that goes with it; loaded only when a proxy is set. */
export async function loadUndici(): Promise<typeof import('undici')> {
  // esbuild hands a CommonJS package to import() as its default export.
  const loaded = (await import('undici')) as typeof import('undici') & { default?: typeof import('undici') };
  return loaded.default ?? loaded;
}

/** HTTPS_PROXY / HTTP_PROXY in either case, as undici's EnvHttpProxyAgent reads them. */
export function proxyFromEnv(env: Record<string, string | undefined>, baseURL: string): string | null {
  const https = baseURL.startsWith('https:');
  const value = https
    ? env.https_proxy || env.HTTPS_PROXY || env.http_proxy || env.HTTP_PROXY
    : env.http_proxy || env.HTTP_PROXY;
  return value ? value.replace(/\/\/[^@/]*@/, '//') : null;
}

async function sdkOptions(request: CheckRequest): Promise<{ options: ClientOptions; proxy: string | null }> {
  const proxy = proxyFromEnv(request.env, request.baseURL);
  const options: ClientOptions = {
    apiKey: request.key,
    baseURL: request.baseURL,
    // Null stops the SDK from reading OPENAI_ORG_ID / OPENAI_PROJECT_ID behind our back:
    // we pass them ourselves so that a mismatch can name the variable that sent them.
    organization: request.organization?.value ?? null,
    project: request.project?.value ?? null,
    timeout: request.timeoutMs,
    // A no-credit 429 is retried by default; a check must answer once, within its timeout.
    maxRetries: 0,
    logLevel: request.debug ? 'debug' : 'off',
  };
  if (request.debug) {
    const log = request.debug;
    const line = (level: string) => (...args: unknown[]) =>
      log(`[openai ${level}] ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`);
    options.logger = { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
  }
  if (proxy) {
    // Our fetch knows no proxies; undici's agent must be paired with undici's fetch (slower to load).
    const undici = await loadUndici();
    options.fetch = undici.fetch as unknown as ClientOptions['fetch'];
    options.fetchOptions = { dispatcher: new undici.EnvHttpProxyAgent() } as ClientOptions['fetchOptions'];
  } else {
    // node:http directly: Node's global fetch would load its own undici and hold exit back.
    options.fetch = httpFetch;
  }
  return { options, proxy };
}

export async function checkKey(request: CheckRequest): Promise<CheckResult> {
  const clock = request.clock ?? (() => performance.now());
  const started = clock();
  const sdk = await import('openai');
  const { options, proxy } = await sdkOptions(request);
  const client = new sdk.OpenAI(options);

  const modelsProbe = client.models.list().withResponse();
  const billingProbe = request.billingCheck
    ? client.chat.completions
        .create({
          model: request.model,
          messages: [{ role: 'user', content: 'Hi' }],
          // Reasoning models (o-series, gpt-5) only take max_completion_tokens.
          ...(/^(o\d|gpt-5)/.test(request.model) ? { max_completion_tokens: 1 } : { max_tokens: 1 }),
        })
        .withResponse()
    : null;
  const [models, billing] = await Promise.allSettled([modelsProbe, billingProbe ?? Promise.resolve(null)]);
  const latencyMs = Math.round(clock() - started);

  const warnings: string[] = [];
  let organization: string | null = null;
  let project: string | null = null;
  const noteHeaders = (headers: Headers | undefined) => {
    organization ??= headers?.get('openai-organization') ?? null;
    project ??= headers?.get('openai-project') ?? null;
  };

  let modelCount: number | null = null;
  let notableModels: string[] = [];
  let authFailure: Diagnosis | null = null;
  if (models.status === 'fulfilled') {
    noteHeaders(models.value.response.headers);
    const list = ModelListSchema.safeParse({ data: models.value.data.data });
    if (list.success) {
      const ids = new Set(list.data.data.map((m) => m.id));
      modelCount = ids.size;
      notableModels = NOTABLE_MODELS.filter((id) => ids.has(id)).slice(0, 4);
    }
  } else {
    authFailure = diagnose(models.reason, sdk, request, proxy, 'models');
    noteHeaders(authFailure.headers);
  }

  let billingState: BillingState = 'unchecked';
  let billingFailure: Diagnosis | null = null;
  let tier: string | null = null;
  if (billing.status === 'fulfilled' && billing.value) {
    noteHeaders(billing.value.response.headers);
    billingState = 'ok';
    tier = likelyTier(request.model, billing.value.response.headers.get('x-ratelimit-limit-tokens'));
  } else if (billing.status === 'rejected') {
    billingFailure = diagnose(billing.reason, sdk, request, proxy, 'billing');
    noteHeaders(billingFailure.headers);
    tier = likelyTier(request.model, billingFailure.headers?.get('x-ratelimit-limit-tokens') ?? null);
    if (billingFailure.status === 'insufficient_quota') billingState = 'no_quota';
    else if (billingFailure.status === 'rate_limited') billingState = 'ok';
    else if (billingFailure.status === 'valid') {
      warnings.push(`Billing not checked: the test request to ${request.model} failed (${billingFailure.message}). Try another model with --model.`);
      billingFailure = null;
    }
  }

  let outcome: Diagnosis | null = null;
  if (authFailure && authFailure.reason === 'missing_scopes' && billingState === 'ok') {
    // A restricted key that may call models but not list them: usable, so only a warning.
    warnings.push(authFailure.message);
  } else if (authFailure && authFailure.status !== 'valid') {
    outcome = authFailure;
  } else if (billingFailure) {
    outcome = billingFailure;
  }
  if (authFailure?.status === 'valid') warnings.push(`Listing models failed: ${authFailure.message}`);

  const base = { organization, project, models: modelCount, notableModels, billing: billingState, tier, warnings, latencyMs };
  if (!outcome || outcome.status === 'valid') {
    const funded = billingState === 'ok' ? ' and can spend' : '';
    return {
      ...base,
      status: 'valid',
      ok: true,
      exitCode: EXIT.ok,
      reason: null,
      requestId: null,
      message: `The key works${funded}.`,
      fix: null,
      fixUrl: null,
    };
  }
  return {
    ...base,
    status: outcome.status,
    ok: STATUS_EXIT[outcome.status] === EXIT.ok,
    exitCode: STATUS_EXIT[outcome.status],
    reason: outcome.reason,
    requestId: outcome.requestId,
    message: outcome.message,
    fix: outcome.fix,
    fixUrl: outcome.fixUrl,
  };
}

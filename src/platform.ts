// The one table of platform.openai.com pages the tool sends people to: the current
// /settings/organization/... URLs, never the legacy /account/... ones (which redirect or 404).
// And the API's own URL: where a key is sent, and whether that is the OpenAI API.
import type { Context } from './context.js';
import { UsageError } from './errors.js';

export const PLATFORM_ORIGIN = 'https://platform.openai.com';
export const OFFICIAL_API_BASE_URL = 'https://api.openai.com/v1';

// The live check's defaults, here (not in api/) so that the command table's --help can name them
// without loading the check's code.
/** The model of the 1-token billing check when --model does not say. */
export const DEFAULT_MODEL = 'gpt-4o-mini';
/** How long a live check waits, body included, when --timeout does not say. */
export const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * OpenAI's API hosts: api.openai.com and its data-residency hosts (`eu.api.openai.com`: the SDKs'
 * `<region>.api.openai.com`), a single DNS label before it; never a host that only starts or ends
 * like it (api.openai.com.evil.example, evilapi.openai.com). `hostname` as URL parses it.
 */
export function isOpenAIApiHostname(hostname: string): boolean {
  return /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)?api\.openai\.com$/i.test(hostname);
}

/** The OpenAI API itself: one of its hosts, over TLS (plain http to it is not the API the key is meant for). */
export function isOfficialBaseURL(baseURL: string): boolean {
  try {
    const url = new URL(baseURL);
    return url.protocol === 'https:' && isOpenAIApiHostname(url.hostname);
  } catch {
    return false;
  }
}

/**
 * Where the key is sent: --base-url, else OPENAI_BASE_URL, else the OpenAI API. Only what the
 * person typed or set decides it, never a file on disk.
 */
export function resolveBaseURL(ctx: { readonly env: { readonly OPENAI_BASE_URL?: string | undefined } }, flag?: string): string {
  return flag ?? ctx.env.OPENAI_BASE_URL ?? OFFICIAL_API_BASE_URL;
}

/**
 * Whether a key is judged by the OpenAI API's shapes (isOfficialBaseURL of resolveBaseURL), for a
 * command that only judges it, sending nothing (status, token, run, env and their advice). An
 * OPENAI_BASE_URL that is no URL (ctx.env raises it where it is read: parseEnv) sends a key
 * nowhere: the key is then judged as for any server, as a key handed out is, and the command goes on.
 */
export function judgedAsOfficial(ctx: { readonly env: { readonly OPENAI_BASE_URL?: string | undefined } }, flag?: string): boolean {
  if (flag !== undefined) return isOfficialBaseURL(flag);
  const env = ctx.env;
  let variable: string | undefined;
  try {
    variable = env.OPENAI_BASE_URL;
  } catch (error) {
    if (error instanceof UsageError) return false;
    throw error;
  }
  return isOfficialBaseURL(variable ?? OFFICIAL_API_BASE_URL);
}

/** Which setting named the base URL resolveBaseURL gives (null: neither, it is OpenAI's). */
export type BaseURLOrigin = '--base-url' | 'OPENAI_BASE_URL';

/**
 * A check's base URL as printed advice may repeat it (`--base-url …`, status): as URL writes it
 * (ASCII), without user:password, query or fragment (a token may be there) or a final slash; null
 * for OpenAI's default, a URL over 2048 characters, or what is no http(s) URL. Never where a key
 * is sent: only what a recommended command names.
 */
export function baseURLForAdvice(baseURL: string): string | null {
  let url: URL;
  try {
    url = new URL(baseURL);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  const href = url.href.replace(/\/+$/, '');
  return href === OFFICIAL_API_BASE_URL || href.length > 2048 ? null : href;
}

export function baseURLOrigin(ctx: Pick<Context, 'env'>, flag?: string): BaseURLOrigin | null {
  return flag !== undefined ? '--base-url' : ctx.env.OPENAI_BASE_URL !== undefined ? 'OPENAI_BASE_URL' : null;
}

export const PAGES = {
  login: { url: `${PLATFORM_ORIGIN}/login`, title: 'Log in to the API platform' },
  payment: {
    url: `${PLATFORM_ORIGIN}/settings/organization/billing/payment-methods`,
    title: 'Payment methods',
  },
  billing: {
    url: `${PLATFORM_ORIGIN}/settings/organization/billing/overview`,
    title: 'Billing overview: credit balance, add credits, auto-reload',
  },
  limits: {
    url: `${PLATFORM_ORIGIN}/settings/organization/limits`,
    title: 'Limits: usage tier, rate limits, monthly budget',
  },
  keys: { url: `${PLATFORM_ORIGIN}/api-keys`, title: 'API keys' },
  // User keys (legacy sk-…, and sk-None-…, tied to no project) are listed and revoked on the
  // user's own page, never on a project's. This URL is known from what users reported, not from
  // OpenAI's documentation: kept here alone, so that one change corrects every message naming it.
  'user-keys': { url: `${PLATFORM_ORIGIN}/settings/profile/api-keys`, title: 'Your user API keys: sk-None-… and legacy sk-… keys, tied to no project' },
  'admin-keys': { url: `${PLATFORM_ORIGIN}/settings/organization/admin-keys`, title: 'Admin keys' },
  usage: { url: `${PLATFORM_ORIGIN}/usage`, title: 'Usage dashboard: what you have spent' },
  organization: {
    url: `${PLATFORM_ORIGIN}/settings/organization/general`,
    title: 'Organization settings: ID, verification',
  },
  'credit-grants': {
    url: `${PLATFORM_ORIGIN}/settings/organization/billing/credit-grants`,
    title: 'Credit grants',
  },
} as const satisfies Record<string, { url: string; title: string }>;

export type PageName = keyof typeof PAGES;

export const PAGE_NAMES = Object.keys(PAGES) as PageName[];

/** Per-project pages; the id comes from the `openai-project` header of a live check. */
export function projectPageUrl(projectId: string, page: 'limits' | 'api-keys'): string {
  return `${PLATFORM_ORIGIN}/settings/${encodeURIComponent(projectId)}/${page}`;
}

// What a failed request means for the person: one status, one explanation and one fix. Pure
// functions of what came back (no SDK, no network), so every real answer can be tested in
// milliseconds. Three classifiers, tried in this order: transport errors (no HTTP answer),
// answers that are not the API's (redirects, non-JSON pages), then API errors, read by
// `error.code` first, then `error.type`, then the message (never its full stop, URL sentence or
// exact wording), and last by HTTP status.
import * as z from 'zod/mini';
import { holdsSecret, redact } from '../keys/redact.js';
import { DEFAULT_TIMEOUT_MS, isOfficialBaseURL, isOpenAIApiHostname, OFFICIAL_API_BASE_URL, PAGES, projectPageUrl, type BaseURLOrigin } from '../platform.js';
import { CUSTOM_HEADERS_VARIABLE } from './custom-headers.js';
import { LIMIT_REASONS, limitNamedIn } from './limits.js';
import type { VerifyStatus } from './status.js';
import type { StoreAdvice } from './types.js';

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

/**
 * What a TLS error carries of the server's certificate (Node's hostname-mismatch error has it; its
 * expiry errors do not): its validity dates and the names it is for, as Node words them.
 */
export interface CertSeen {
  validFrom?: string;
  validTo?: string;
  /** subjectAltName, e.g. "DNS:localhost, IP Address:127.0.0.1". */
  names?: string;
}

/** A request that did not succeed, as plain data. `at`: when (the machine's clock), for a certificate's dates. */
export type Failure =
  | { kind: 'timeout' }
  | { kind: 'transport'; code: string | null; text: string; cert?: CertSeen; at?: Date }
  | { kind: 'http'; status: number; headers: HeaderLookup | null; body: unknown; requestId: string | null };

/**
 * A command that takes none of the live-check flags (--base-url, --timeout, --model): doctor,
 * rotate, import, the Admin API's commands. Their base URL is OPENAI_BASE_URL, as for the programs
 * they serve. `verify`: the command that runs the same check and takes the other two, as this
 * person types it (doctor's `openai-setup verify`, with its profile), named in their place; null
 * where none checks the same key (a key not stored, an admin key's requests): advice that needs one
 * is then left out.
 */
export interface NoCheckFlags {
  verify: string | null;
}

/** For a command without the live-check flags that has no command to name instead (the key checked is not a stored one). */
export const NO_CHECK_FLAGS: NoCheckFlags = { verify: null };

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
  /** The `openai-project` header of any answer of this check (error answers usually lack it). */
  seenProject?: string | null;
  /** The flags a `key` command the advice names takes (CheckRequest.keyFlags): the profile's and the live-check ones. */
  keyFlags?: string;
  /** That `key` command as it works where the fix is read (CheckRequest.storeKey). */
  storeKey?: StoreAdvice;
  /** The command that runs the check takes no live-check flags (CheckRequest.noCheckFlags): its advice names what it has instead. */
  noCheckFlags?: NoCheckFlags;
  /** The request sent no key (doctor's probe): `key` is only looked for in what came back, and a text says nothing of withholding it. */
  keyless?: boolean;
  /** The setting that named `baseURL` (CheckRequest.baseURLOrigin); null or absent: neither did (absent: not known, judged by the URL). */
  baseURLOrigin?: BaseURLOrigin | null;
}

export interface Diagnosis {
  status: VerifyStatus;
  /** The API's error.code (or our own reason) behind the status. */
  reason: string | null;
  message: string;
  fix: string | null;
  fixUrl: string | null;
  requestId: string | null;
  /**
   * The organization or project header this process sent that the API refused (or may have), and
   * where it came from: when that is this process's environment, a fix made in the shell does not
   * reach the running process.
   */
  refusedHeader?: HeaderSource;
}

// `error` being an object, or a string, makes a body the API's. An object: a gateway in front of
// the API (Cloudflare's 502 `{"error":{"code":502,…,"type":"cf_bad_gateway"}}`) may put a number
// where a string goes; Google's OpenAI-compatible endpoint answers in its own shape: a number for
// `code`, the gRPC status as a word in `status` ("INVALID_ARGUMENT") and the reason in
// `details[].reason`. A string: permission errors also come as `{"error": "<message>"}` ("…
// Missing scopes: api.model.read…" for GET /v1/models among them).
const ErrorObjectSchema = z.object({
  message: z.catch(z.string(), ''),
  type: z.catch(z.nullish(z.string()), null),
  code: z.catch(z.nullish(z.string()), null),
  status: z.catch(z.nullish(z.string()), null),
  details: z.catch(z.nullish(z.array(z.unknown())), null),
});

/** An API error body in either shape the API is known to use: `{"error": {…}}` or `{"error": "<message>"}`. */
export const ErrorBodySchema = z.object({ error: z.union([ErrorObjectSchema, z.string()]) });

/** The error of an answer, in one shape; a bare-string error is its message. */
export type ApiErrorBody = z.infer<typeof ErrorObjectSchema>;

/** The error of an API error body in either shape (ErrorBodySchema), as one shape; null when the body is neither. */
export function apiErrorBody(body: unknown): ApiErrorBody | null {
  const parsed = ErrorBodySchema.safeParse(body);
  if (!parsed.success) return null;
  const { error } = parsed.data;
  return typeof error === 'string' ? { message: error, type: null, code: null, status: null, details: null } : error;
}

// A query parameter named like a credential: `?api-key=…`, `?token=…`, `?sig=…`.
const SECRET_PARAMETER = /(?:^|[?&])[^=&#]*(?:key|token|secret|sig|signature|passw(?:or)?d|auth)[^=&#]*=/i;

/**
 * " Did you mean <base URL with /v1>?" for a base URL whose path does not end in /v1: /v1 put at
 * the end of the path, the query and fragment kept after it; '' when it ends in /v1. A query
 * that looks secret (a key in it, a parameter named like a credential) is masked where it is
 * shown, and a suggestion so masked cannot be copied: the path alone is named then.
 */
export function withV1Suggestion(base: string, key?: string): string {
  const cut = base.search(/[?#]/);
  const path = (cut === -1 ? base : base.slice(0, cut)).replace(/\/+$/, '');
  const rest = cut === -1 ? '' : base.slice(cut);
  if (/\/v1$/.test(path)) return '';
  if (rest !== '' && (SECRET_PARAMETER.test(rest) || redact(rest, [key]) !== rest)) return ` Did you mean ${path}/v1, with your query after it?`;
  return ` Did you mean ${path}/v1${rest}?`;
}

function hostOf(baseURL: string): string {
  try {
    return new URL(baseURL).host;
  } catch {
    return baseURL;
  }
}

/** `text` with its %xx escapes decoded, or as it is when they are not valid UTF-8. */
function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function hostnameOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

// Node's certificate verification codes (CERT_HAS_EXPIRED, DEPTH_ZERO_SELF_SIGNED_CERT, every
// UNABLE_TO_…: UNABLE_TO_DECRYPT_CRL_SIGNATURE has no CERT in it) and its TLS/SSL errors. The one
// list: verify's diagnosis and doctor's probe read a code by it.
const TLS_CODES = /CERT|SSL|TLS|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_/;

/**
 * The setting that named the base URL, for a fix that says to check it: only one that was set
 * (FailedRequest.baseURLOrigin). Where the request does not say which (absent), a server that is
 * not OpenAI's was named by one of them (both, where the command takes both); OpenAI's by neither.
 */
function baseUrlSetBy(request: Pick<FailedRequest, 'noCheckFlags' | 'baseURLOrigin' | 'baseURL'>, between: ' / ' | ' or '): string | null {
  if (request.baseURLOrigin) return request.baseURLOrigin;
  if (request.baseURLOrigin === null || isOfficialBaseURL(request.baseURL)) return null;
  return baseUrlSettings(request, between);
}

// What a fix names to change the check, for the command that ran it (FailedRequest.noCheckFlags).
type FlagsOf = Pick<FailedRequest, 'noCheckFlags'>;

/** The base URL's setting: --base-url, or OPENAI_BASE_URL for a command without the flag. */
const baseUrlSetting = (request: FlagsOf) => (request.noCheckFlags ? 'OPENAI_BASE_URL' : '--base-url');

/** Both places a base URL is set (`between` joins them), or OPENAI_BASE_URL alone for a command without the flag. */
const baseUrlSettings = (request: FlagsOf, between: ' / ' | ' or ') => (request.noCheckFlags ? 'OPENAI_BASE_URL' : `--base-url${between}OPENAI_BASE_URL`);

/** The timeout a fix suggests for a check that got no answer in time: four times the default, to tell a slow answer from none. */
const LONGER_TIMEOUT_MS = 4 * DEFAULT_TIMEOUT_MS;

/** How a timeout's fix ends: more time with --timeout, or with the command that takes it; just its full stop where none does. */
function moreTime(request: FlagsOf): string {
  const flagless = request.noCheckFlags;
  if (!flagless) return ', or raise --timeout.';
  return flagless.verify === null ? '.' : `, or give it more time: \`${flagless.verify} --timeout ${LONGER_TIMEOUT_MS}\`.`;
}

/** How to check with another model: --model, or the command that takes it; null where none does. */
export function otherModel(request: FlagsOf): string | null {
  const flagless = request.noCheckFlags;
  if (!flagless) return '--model';
  return flagless.verify === null ? null : `\`${flagless.verify} --model NAME\``;
}

/** What a TLS outcome reads: the code, where the request went, and what the error carried. */
interface TlsSeen {
  code: string;
  host: string;
  /** " through the proxy …", or empty. */
  via: string;
  failure: Extract<Failure, { kind: 'transport' }>;
  request: FailedRequest;
}

type TlsOutcome = (seen: TlsSeen) => { message: string; fix: string };

/** `at` as this machine shows it: its local date and time, and the offset from UTC. */
export function localTime(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const offset = -at.getTimezoneOffset();
  const zone = `UTC${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())} ${zone}`;
}

/** The machine's time and the certificate's dates, as far as they are known, for a fix about the clock. */
function clockWords({ failure }: TlsSeen): string {
  const { at, cert } = failure;
  const dates = cert?.validFrom && cert.validTo ? `the certificate is valid from ${cert.validFrom} to ${cert.validTo}` : '';
  const words = [at ? `the machine's clock says ${localTime(at)}` : '', dates].filter(Boolean).join('; ');
  return words ? ` (${words})` : '';
}

/** Who to ask about the server's certificate: whoever runs it, or a TLS-inspecting proxy's admins. */
const certificateOwner = ({ host, request }: TlsSeen) => (request.proxy ? `whoever runs ${host} (or the proxy, if it inspects TLS)` : `whoever runs ${host}`);

/** A certificate from a CA Node does not trust (self-signed, unknown issuer) and any other TLS code: the CA to add. */
const untrustedCertificate: TlsOutcome = ({ code, host, via }) => ({
  message: `TLS certificate problem talking to ${host}${via} (${code}).`,
  fix: 'If a company proxy inspects TLS, point NODE_EXTRA_CA_CERTS at its CA certificate file.',
});

/**
 * What each TLS code means, where it is not a CA Node does not trust (untrustedCertificate): a
 * certificate out of its dates (a wrong clock here, or an expired certificate), or one for another name.
 */
const TLS_OUTCOMES: Record<string, TlsOutcome> = {
  CERT_HAS_EXPIRED: (seen) => ({
    message: `The TLS certificate of ${seen.host}${seen.via} has expired, by this machine's clock (${seen.code}).`,
    fix: `Check this machine's date and time${clockWords(seen)}; if they are right, the server's certificate has expired: ask ${certificateOwner(seen)} to renew it.`,
  }),
  CERT_NOT_YET_VALID: (seen) => ({
    message: `The TLS certificate of ${seen.host}${seen.via} is not valid yet, by this machine's clock (${seen.code}).`,
    fix: `Check this machine's date and time${clockWords(seen)}: a clock set behind makes certificates look not yet valid. If they are right, ask ${certificateOwner(seen)} about its certificate.`,
  }),
  ERR_TLS_CERT_ALTNAME_INVALID: (seen) => {
    const names = seen.failure.cert?.names?.split(/,\s*/).slice(0, 4).join(', ');
    const hostname = hostnameOf(seen.request.baseURL);
    return {
      message: `The TLS certificate of ${seen.host}${seen.via} is for another name than ${hostname} (${seen.code})${names ? `: it is for ${names}` : ''}.`,
      fix: `Check the host in the ${baseUrlSettings(seen.request, ' / ')}${names ? ` (the certificate is for ${names})` : ''}, or ask ${certificateOwner(seen)} for a certificate for ${hostname}.`,
    };
  },
};

/** `url` with http:// in place of https:// (and no login), as a fix suggests it; null when it is not an https:// URL. */
function plainHttpForm(url: string): string | null {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:') return null;
    parsed.username = '';
    parsed.password = '';
    // Without a port https:// meant 443: the plain-HTTP server answered there, so the port stays.
    const port = parsed.port || '443';
    return `http://${parsed.hostname.includes(':') ? `[${parsed.hostname}]` : parsed.hostname}:${port}${parsed.pathname === '/' ? '' : parsed.pathname.replace(/\/+$/, '')}`;
  } catch {
    return null;
  }
}

/**
 * OpenSSL's "wrong version number": a TLS handshake answered in plain HTTP. Through an https://
 * proxy it is the proxy's (the tunnel's TLS comes after it); else the server's at an https:// base URL.
 */
function plainHttpOutcome(code: string, request: FailedRequest): { message: string; fix: string } {
  const host = hostOf(request.baseURL);
  const proxyHttp = request.proxy ? plainHttpForm(request.proxy) : null;
  if (request.proxy && proxyHttp) {
    return {
      message: `The proxy ${request.proxy} did not answer in TLS (https://) there (${code}): a proxy that speaks only plain HTTP answers so.`,
      fix: `Set HTTPS_PROXY / HTTP_PROXY to its http:// form (with its login, if it has one): ${proxyHttp}`,
    };
  }
  const baseHttp = plainHttpForm(request.baseURL);
  const via = request.proxy ? ` through the proxy ${request.proxy}` : '';
  return {
    // OpenSSL's "wrong version number": what came back was no TLS; a plain-HTTP server's answer is
    // the usual one, but an SSH or mail server's greeting on a wrong port reads the same.
    message: `${host}${via} did not answer in TLS (https://) there (${code}): a plain-HTTP server answers so, or a port that is not a web server's.`,
    fix: baseHttp
      ? `If it is a plain-HTTP server, set ${baseUrlSettings(request, ' or ')} to its http:// form: ${baseHttp}`
      : `Check the ${baseUrlSettings(request, ' / ')} and the proxy settings (HTTPS_PROXY, HTTP_PROXY).`,
  };
}

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
        ? `Check that the proxy ${proxy} can reach ${host}${moreTime(request)}`
        : `Check your connection (a firewall or proxy may be silently dropping it)${moreTime(request)}`,
    };
  }
  const { code, text } = failure;
  const via = proxy ? ` through the proxy ${proxy}` : '';
  let message = `Could not reach ${host}${via}: ${code ?? (text || 'connection error')}.`;
  let fix = 'Check your internet connection and any proxy settings (HTTPS_PROXY, NO_PROXY).';
  if ((code === 'ENOTFOUND' || code === 'EAI_AGAIN') && proxy) {
    // Through a proxy only the proxy's own name is looked up here; the proxy resolves the API's.
    message = `Could not resolve ${hostnameOf(proxy)}, the host of the proxy ${proxy} (DNS lookup failed).`;
    fix = 'Check the proxy host in HTTPS_PROXY / HTTP_PROXY, and your DNS.';
  } else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    message = `Could not resolve ${host} (DNS lookup failed).`;
    const setBy = baseUrlSetBy(request, ' / ');
    fix = setBy ? `Check your internet connection and DNS, or the ${setBy} you set.` : 'Check your internet connection and DNS.';
  } else if (code === 'ECONNREFUSED') {
    message = `The connection to ${proxy ? `the proxy ${proxy}` : host} was refused.`;
    const setBy = baseUrlSetBy(request, ' / ');
    fix = proxy ? 'Check HTTPS_PROXY / HTTP_PROXY.' : setBy ? `Check the ${setBy}, or whether a firewall blocks it.` : 'Check whether a firewall blocks it.';
  } else if (code === 'ECONNRESET' || code === 'EPIPE') {
    message = `The connection to ${host}${via} was cut before an answer came.`;
    fix = 'A proxy or firewall may be closing it; try another network, or set HTTPS_PROXY if you need a proxy.';
  } else if (code === 'ERR_BODY_TOO_LARGE') {
    message = `${host}${via} sent an answer larger than ${MAX_BODY_BYTES / (1024 * 1024)} MB, which no OpenAI API answer is.`;
    fix = `Something between you and the API answered instead: check your proxy or network, and the ${baseUrlSetting(request)}.`;
  } else if (code?.startsWith('HPE_')) {
    // Node's HTTP parser's codes: bytes came back, but no HTTP answer it can read (a broken status
    // line or header, a length that does not add up, headers past its 16 KB).
    message =
      code === 'HPE_HEADER_OVERFLOW'
        ? `${host}${via} answered with headers larger than Node.js reads (${code}), which no OpenAI API answer has.`
        : `${host}${via} answered with something that is not valid HTTP (${code}).`;
    fix = `Something between you and the API answered instead: check your proxy or network, and the ${baseUrlSetting(request)}.`;
  } else if (code?.startsWith('Z_')) {
    // zlib's codes: a Content-Encoding the body does not match.
    message = `${host}${via} sent a compressed answer that could not be decompressed (${code}).`;
    fix = `Something between you and the API may be altering answers: check your proxy or network, and the ${baseUrlSetting(request)}.`;
  } else if (code && (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || (code === 'EPROTO' && /wrong version number/i.test(text)))) {
    ({ message, fix } = plainHttpOutcome(code, request));
  } else if (code && TLS_CODES.test(code)) {
    ({ message, fix } = (TLS_OUTCOMES[code] ?? untrustedCertificate)({ code, host, via, failure, request }));
  } else if (code === 'ERR_PROXY_REFUSED' || (proxy && /proxy/i.test(text))) {
    message = `The proxy ${proxy} refused the connection: ${text || code}.`;
    fix = 'Check HTTPS_PROXY / HTTP_PROXY and the proxy credentials.';
  }
  return { ...base, status: 'network_error', reason: code ?? 'connection_error', message, fix };
}

/** The base URL is one of the OpenAI API's hosts (any scheme: an http:// one is refused there, but it is that host). */
const isOpenAIHost = (baseURL: string) => isOpenAIApiHostname(hostnameOf(baseURL));

/**
 * The server that answered, where it is not the OpenAI API: its host, null for OpenAI's. An answer
 * of another server (or of a gateway relaying one) is that server's to explain, not OpenAI's. The
 * host is as URL parses it: ASCII (punycode), lower case, without a login.
 */
export const otherServer = (baseURL: string): string | null => (isOpenAIHost(baseURL) ? null : hostOf(baseURL));

/** The fix for a server error in an answer of the API's shape: OpenAI's status page for its API, whoever runs another server. */
export function serverErrorFix(baseURL: string): string {
  const other = otherServer(baseURL);
  return other ? `Try again in a few minutes; if it persists, ask whoever runs ${other}.` : 'Try again in a few minutes; status.openai.com shows incidents.';
}

/** The answer came through Cloudflare (its `server` or `cf-ray` header). */
const isCloudflare = (headers: HeaderLookup | null) => /^cloudflare\b/i.test(headers?.get('server') ?? '') || Boolean(headers?.get('cf-ray'));

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
      if (to) {
        // The parser lower-cases the host (and decodes %xx in it): a key put there comes out in a
        // case the masking must not be trusted to catch, so the labels that hold it are not shown.
        const shownHost = to.host
          .split('.')
          .map((label) => (holdsSecret(label, request.key) ? '<the key>' : label))
          .join('.');
        target = to.protocol === new URL(request.baseURL).protocol ? shownHost : `${to.protocol}//${shownHost}`;
      }
    } catch {
      target = null;
    }
    // Only where the redirect points is shown, never its path or query; that the key is in any of
    // it is said, as it tells of a server that hands the key on.
    const holdsKey = location !== null && [location, decoded(location)].some((text) => holdsSecret(text, request.key));
    // A request that sent no key withheld none: its text says only whether the address holds it.
    const keyWords = request.keyless ? (holdsKey ? '; the address holds the key, though the request sent none' : '') : `; the key was not sent there${holdsKey ? ', though the address holds it' : ''}`;
    return {
      status: 'network_error',
      reason: `http_${status}`,
      message: target
        ? `${host} answered with a redirect (HTTP ${status}) to ${target} instead of an API answer${keyWords}.`
        : `${host} answered with a redirect (HTTP ${status}) without a Location instead of an API answer.`,
      fix: `A captive portal or proxy login page may be in the way: sign in to the network in a browser, or check your proxy settings and the ${baseUrlSetting(request)}.`,
      fixUrl: null,
      requestId,
    };
  }
  if (ErrorBodySchema.safeParse(failure.body).success) return null;
  const openai = isOpenAIHost(request.baseURL);
  if (status >= 500 && (openai || isCloudflare(headers))) {
    // OpenAI's edge is Cloudflare, whose own 5xx pages ("502 Bad Gateway … cloudflare") come in an
    // outage as its JSON 502 does: server trouble to wait out, a proxy only if it lasts. Another
    // server behind Cloudflare is that server's trouble.
    return {
      status: 'server_error',
      reason: `http_${status}`,
      message: `${host} answered HTTP ${status} with an error page instead of an API answer: most likely trouble at ${openai ? 'OpenAI' : host}.`,
      fix: `Try again in a few minutes${openai ? '; status.openai.com shows incidents' : ''}. If it persists, something between you and the API may be answering: check your proxy or network, and the ${baseUrlSetting(request)}.`,
      fixUrl: null,
      requestId,
    };
  }
  // Not an OpenAI JSON error: a gateway, captive portal, Cloudflare block or a wrong base URL.
  const blocked = status === 403 ? ' (blocked by a firewall or CDN; an unsupported region can look like this too)' : '';
  return {
    status: status >= 500 ? 'server_error' : 'network_error',
    reason: `http_${status}`,
    message: `${host} answered HTTP ${status} with a page that is not an OpenAI API answer${blocked}.`,
    // A 2xx page in the API's place is typically a captive portal.
    fix:
      status < 300
        ? `A network sign-in page (captive portal), a proxy or another server answered instead: sign in to the network in a browser, or check your proxy or network, and the ${baseUrlSetting(request)}.`
        : `Something between you and the API answered instead: check your proxy or network, and the ${baseUrlSetting(request)}.`,
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
  /** Google's gRPC status word ("INVALID_ARGUMENT"), and the reasons its `details` give ("API_KEY_INVALID"). */
  rpcStatus: string | null;
  reasons: string[];
  /** The key's project: the answer's `openai-project` header, else one seen in the check, else the one sent. */
  project: string | null;
  /** The wait the answer's Retry-After headers give (retryAfterOf), or null. */
  retryAfter: string | null;
  request: FailedRequest;
}

type Outcome = Omit<Diagnosis, 'requestId'>;
type Described = Omit<Outcome, 'status' | 'reason'>;

const has = <T extends object>(table: T, name: string | null): name is Extract<keyof T, string> => name !== null && Object.hasOwn(table, name);

/** The project an answer is about: its message names it even when the headers do not. */
function projectOf(e: ApiError): string | null {
  return /proj_[A-Za-z0-9]+/.exec(e.message)?.[0] ?? e.project;
}

/** The API's own words after a colon, or a sentence that says it gave none. */
function quoted(e: ApiError, lead: string): string {
  return e.message ? `${lead}: ${e.message}` : `${lead} (HTTP ${e.status}${e.code ? `, ${e.code}` : ''}) without saying why.`;
}

// Credits belong to an organization; all its projects share them.
const NO_CREDIT_FIX =
  "Add credits on the billing page. If you already did, this key may belong to another organization than the one you funded: create the key in the funded organization (or fund the key's organization), then check again.";

/** Spending is blocked: the key is right, billing needs fixing. By error.code (the API's type for old answers). */
const QUOTA_OUTCOMES: Record<string, (e: ApiError) => Described> = {
  ...Object.fromEntries(
    Object.entries(LIMIT_REASONS).map(([reason, limit]) => [reason, (e: ApiError) => ({ message: `The key works, but ${limit.what}.`, fix: limit.fix, fixUrl: limit.page(projectOf(e)) })]),
  ),
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

function quotaOutcome(e: ApiError): Outcome | null {
  if (e.code !== 'insufficient_quota' && has(QUOTA_OUTCOMES, e.code)) return { status: 'insufficient_quota', reason: e.code, ...QUOTA_OUTCOMES[e.code]!(e) };
  if (e.code !== 'insufficient_quota' && e.type !== 'insufficient_quota' && e.type !== 'billing_not_active') return null;
  // The generic code also carries spend limits, told apart only by the message.
  const reason = limitNamedIn(e.message) ?? e.code ?? e.type!;
  const describe = QUOTA_OUTCOMES[reason] ?? QUOTA_OUTCOMES.insufficient_quota!;
  return { status: 'insufficient_quota', reason, ...describe(e) };
}

// "Missing scopes: model.request" ends the short 2026 message; the older one goes on ". Check that…".
// Scope names hold dots themselves, so a trailing one is stripped rather than required.
const MISSING_SCOPES = /Missing scopes?:\s*([\w.:-]+(?:\s*,\s*[\w.:-]+)*)/i;

/** The scopes an error message names as missing ("Missing scopes: a, b", final full stop or not); none when it names none. */
export function missingScopesIn(message: string): string[] {
  return (MISSING_SCOPES.exec(message)?.[1] ?? '')
    .split(/\s*,\s*/)
    .map((scope) => scope.replace(/\.+$/, ''))
    .filter(Boolean);
}

/** The error says a scope is missing: by its code (2026), or by naming one. */
export function isMissingScope(message: string, code: string | null): boolean {
  return code === 'missing_scope' || code === 'missing_scopes' || missingScopesIn(message).length > 0;
}

/** A restricted key without a permission the probe needs. */
function scopesOutcome(e: ApiError): Outcome | null {
  if (!isMissingScope(e.message, e.code)) return null;
  const scopes = missingScopesIn(e.message);
  const cannot = e.request.probe === 'billing' ? 'call models' : 'list models';
  const lacks = scopes.length ? `the permission${scopes.length > 1 ? 's' : ''} ${scopes.join(', ')}` : 'a permission it needs';
  return {
    status: 'forbidden',
    reason: 'missing_scopes',
    message: `This restricted key lacks ${lacks}, so it cannot ${cannot}.`,
    fix: 'Edit the key on the API keys page (Models: Read, Model capabilities: Write), or create a key with "All" permissions.',
    fixUrl: PAGES.keys.url,
  };
}

/** How a fix names the `key` command that stores a new key (CheckRequest.storeKey): its how, then the command; runCheck finds it by these words. */
export function storeKeyWords(store: StoreAdvice): string {
  return `${store.how} with \`${store.command}\``;
}

/** The `key` command a fix names (storeKeyWords), or, where the request carries none, `key` with its flags. */
const storeKeyNamed = (request: FailedRequest) => (request.storeKey ? storeKeyWords(request.storeKey) : ` with \`openai-setup key${request.keyFlags ?? ''}\``);

const newKeyFix = (request: FailedRequest) => `Create a new secret key on the API keys page and store it${storeKeyNamed(request)}.`;

/** Google's gateway answers with its gRPC status word or `details[].reason`s, which OpenAI's API never sends. */
const isGoogleShaped = (e: ApiError) => e.rpcStatus !== null || e.reasons.length > 0;

/** A server that is not OpenAI's refused the key: it wants a key of its own, and OpenAI's pages cannot help. */
function otherServerKeyFix(request: FailedRequest): Pick<Outcome, 'fix' | 'fixUrl'> {
  const host = hostOf(request.baseURL);
  return {
    fix: `${host} answers like Google's API, not OpenAI's: store a key it accepts${storeKeyNamed(request)}, or check the base URL (${baseUrlSettings(request, ' or ')}; OpenAI's is ${OFFICIAL_API_BASE_URL}).`,
    fixUrl: null,
  };
}

/**
 * Why a header was sent, and how to stop sending it: a variable that is set (unset it), or a line
 * of OPENAI_CUSTOM_HEADERS (remove that line; the variable's other headers may be meant).
 */
function sentBecause(sent: HeaderSource, header: string): { why: string; stop: string; change: string } {
  return sent.from === CUSTOM_HEADERS_VARIABLE
    ? { why: `${sent.from} has an ${header} line`, stop: 'remove that line', change: 'change it' }
    : { why: `${sent.from} is set`, stop: 'unset it', change: 'set it' };
}

function headerMismatch(e: ApiError): Described {
  const isOrg = e.code === 'mismatched_organization';
  const sent = isOrg ? e.request.organization : e.request.project;
  const header = isOrg ? 'OpenAI-Organization' : 'OpenAI-Project';
  const what = isOrg ? 'organization' : 'project';
  const because = sent ? sentBecause(sent, header) : null;
  return {
    message: `The ${header} header${sent ? ` (${sent.value})` : ''} does not match the key's ${what}.`,
    fix: because ? `It was sent because ${because.why}: ${because.stop}, or ${because.change} to the key's ${what}.` : `Remove the ${header} header, or use a key from that ${what}.`,
    fixUrl: null,
    ...(sent ? { refusedHeader: sent } : {}),
  };
}

/** 401 invalid_organization: a wrong organization header, or an owner who left the key's organization. */
function invalidOrganization(e: ApiError): Described {
  const sent = e.request.organization;
  const because = sent ? sentBecause(sent, 'OpenAI-Organization') : null;
  if (/No such organization/i.test(e.message)) {
    const id = /org-[A-Za-z0-9]+/.exec(e.message)?.[0] ?? sent?.value;
    return {
      message: `The organization ${id ? `${id} ` : ''}in the OpenAI-Organization header does not exist.`,
      fix: because
        ? `It was sent because ${because.why}: ${because.stop}, or ${because.change} to your organization's ID (org-…, on the organization settings page).`
        : "Remove the OpenAI-Organization header, or set it to your organization's ID (org-…, on the organization settings page).",
      fixUrl: null,
      ...(sent ? { refusedHeader: sent } : {}),
    };
  }
  if (/(?:do not|don't) have access to the organization/i.test(e.message)) {
    return {
      message: "The key's owner is no longer a member of the organization the key belongs to.",
      fix: 'A new key from the same user will not help: an owner of that organization must invite the user again, or use a key from an organization the user belongs to.',
      fixUrl: null,
    };
  }
  // No message (seen in 2023) or an unknown one: either cause is possible.
  return {
    message: sent
      ? `The API refused the organization: ${sent.value} (the OpenAI-Organization header) may not exist, or the key's owner may no longer belong to the key's organization.`
      : "The API refused the key's organization: its owner may no longer be a member of it.",
    fix: sent && because
      ? `${sent.from} sent that header${sent.from === CUSTOM_HEADERS_VARIABLE ? ' (its OpenAI-Organization line)' : ''}: ${because.stop} and check again; if that fails too, an owner of the key's organization must invite the user again.`
      : "An owner of the key's organization must invite the user again, or use a key from an organization the user belongs to.",
    fixUrl: null,
    ...(sent ? { refusedHeader: sent } : {}),
  };
}

function region(e: ApiError): Omit<Outcome, 'reason'> {
  const other = otherServer(e.request.baseURL);
  return {
    status: 'forbidden',
    message: `${other ?? 'OpenAI'} does not serve the country, region or territory this request came from.`,
    fix: `${other ?? 'The API'} can only be used from supported countries; the key itself may be fine.`,
    fixUrl: null,
  };
}

/** Where the owner of an account another server closed hears why: from whoever runs it. */
const otherServerAccountFix = (other: string) => `Check the account owner's email from whoever runs ${other}; OpenAI cannot help with an account there.`;

// Go durations as the API prints them: "20s", "644ms", "1.574s", "1m26.4s" (per-day limits), "2h3m4s".
const WAIT = /try again in ((?:\d+(?:\.\d+)?(?:h|ms|m|s))+)/i;

/** A number of seconds or milliseconds as a header gives it: digits, at most three decimals. */
const HEADER_NUMBER = /^\d{1,9}(?:\.\d{1,3})?$/;
/** An HTTP date (IMF-fixdate, RFC 9110), the other form of Retry-After. */
const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
/** Longer than a day is no wait worth telling (a per-day limit resets within one). */
const MAX_WAIT_MS = 86_400_000;

/** Milliseconds as a Go duration, as the API's own messages give a wait: "644ms", "2s", "1m26.4s", "2h0m5s". */
function goDuration(ms: number): string {
  const total = Math.round(ms);
  if (total < 1000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const seconds = `${((total % 60_000) / 1000).toFixed(3).replace(/\.?0+$/, '')}s`;
  return hours ? `${hours}h${minutes}m${seconds}` : minutes ? `${minutes}m${seconds}` : seconds;
}

/**
 * The wait an answer's headers give (the API asks clients to follow Retry-After when present):
 * `retry-after-ms` first, then `retry-after` in seconds or as an HTTP date (against the answer's own
 * `date`, else this clock). Only values of those shapes, above zero and within a day, and only as
 * rebuilt from their number: nothing of the header's text is shown.
 */
export function retryAfterOf(headers: HeaderLookup | null, now: () => number = Date.now): string | null {
  const millis = headers?.get('retry-after-ms')?.trim() ?? '';
  const value = headers?.get('retry-after')?.trim() ?? '';
  let ms: number;
  if (HEADER_NUMBER.test(millis)) ms = Number(millis);
  else if (HEADER_NUMBER.test(value)) ms = Number(value) * 1000;
  else if (HTTP_DATE.test(value)) {
    const answered = Date.parse(headers?.get('date')?.trim() ?? '');
    ms = Date.parse(value) - (Number.isNaN(answered) ? now() : answered);
  } else return null;
  return Number.isFinite(ms) && ms > 0 && ms <= MAX_WAIT_MS ? goDuration(ms) : null;
}

/** The API's codes (or, for old bodies, types) with an outcome of their own; a handler may return null to fall through to the status. */
const CODE_OUTCOMES: Record<string, (e: ApiError) => Omit<Outcome, 'reason'> | null> = {
  invalid_api_key: (e) => ({
    status: 'invalid_key',
    // Known by its words alone (a 400 of Google's gateway, a body without the code): they say more than ours.
    message: e.code === 'invalid_api_key' ? 'The API rejected the key: it is wrong, revoked or deleted (the API cannot tell these apart).' : quoted(e, 'The API rejected the key'),
    // An answer in Google's shape is not OpenAI's: a new OpenAI key would be refused there too.
    ...(isGoogleShaped(e) ? otherServerKeyFix(e.request) : { fix: newKeyFix(e.request), fixUrl: PAGES.keys.url }),
  }),
  account_deactivated: (e) => {
    const other = otherServer(e.request.baseURL);
    return {
      status: 'forbidden',
      message: other ? `The account at ${other} that owns this key has been deactivated.` : 'The OpenAI account that owns this key has been deactivated.',
      fix: other ? otherServerAccountFix(other) : "Check the account owner's email from OpenAI; if you think it is a mistake, contact help.openai.com.",
      fixUrl: null,
    };
  },
  // A 429 that is no rate limit: the account was banned, and retrying never helps.
  access_terminated: (e) => {
    const other = otherServer(e.request.baseURL);
    return {
      status: 'forbidden',
      message: `${other ?? 'OpenAI'} has terminated this account's access for violating its usage policies; retrying will not help.`,
      fix: other ? otherServerAccountFix(other) : "Check the account owner's email from OpenAI; to appeal, contact OpenAI through the help center at help.openai.com.",
      fixUrl: null,
    };
  },
  invalid_organization: (e) => ({ status: 'forbidden', ...invalidOrganization(e) }),
  mismatched_organization: (e) => ({ status: 'forbidden', ...headerMismatch(e) }),
  mismatched_project: (e) => ({ status: 'forbidden', ...headerMismatch(e) }),
  no_organization: () => ({
    status: 'forbidden',
    message: 'Your user is not a member of any organization, which the API requires.',
    fix: 'Create or join an organization on the platform, then create a key in it.',
    fixUrl: PAGES.organization.url,
  }),
  // Where the allowlist is set is said in words only: no URL of that page is known (the
  // organization's general page, ID and verification, is not it), and a wrong link misleads.
  // The address refused is the one the API saw: a project's own list or the organization's, and
  // through a proxy the proxy's address, not this machine's. Another server's list is its own.
  ip_not_authorized: (e) => {
    const { proxy } = e.request;
    const other = otherServer(e.request.baseURL);
    const from = `the IP address this request came from${proxy ? `, that of the proxy ${proxy} it went through` : ''}`;
    return {
      status: 'forbidden',
      message: other
        ? `${other} refused ${from}: it is not on that server's IP allowlist.`
        : `The API refused ${from}: it is not on the IP allowlist of the key's project or organization.`,
      fix: other
        ? `Ask whoever runs ${other} to allow it, or call from an allowed network.`
        : "Ask an organization owner to add it (Settings → Security → IP allowlist; a project's own list overrides the organization's, and a change takes up to 15 minutes), or call from an allowed network.",
      fixUrl: null,
    };
  },
  unsupported_country_region_territory: region,
  unsupported_country: region,
  rate_limit_exceeded: (e) => {
    // The API's own words first; else the wait its headers give.
    const wait = WAIT.exec(e.message)?.[1] ?? e.retryAfter;
    return {
      status: 'rate_limited',
      message: `The key works; the organization is at its rate limit right now${wait ? ` (try again in ${wait})` : ''}.`,
      fix: 'Nothing is wrong with the key. The limits page shows your rate limits and usage tier.',
      fixUrl: PAGES.limits.url,
    };
  },
  model_not_found: (e) => {
    if (e.status !== 403) return null;
    const project = projectOf(e);
    const model = otherModel(e.request);
    return {
      status: 'forbidden',
      message: `The key's project may not use ${e.request.model}.`,
      fix: `Allow ${e.request.model} in the project's settings${model ? `, or check with another model (${model})` : ''}.`,
      fixUrl: project ? projectPageUrl(project, 'limits') : PAGES.limits.url,
    };
  },
};
CODE_OUTCOMES.slow_down = CODE_OUTCOMES.rate_limit_exceeded!;

/** Answers known by their message when neither code nor type says it (old bodies have a null code). */
const MESSAGE_CODES: Array<[RegExp, string]> = [
  [/\baccess (?:was|has been) terminated/i, 'access_terminated'],
  [/No such organization|(?:do not|don't) have access to the organization/i, 'invalid_organization'],
  [/\bIP\b.*\b(?:not authorized|allowlist)/i, 'ip_not_authorized'],
  [/not available in your country|Country, region,? or territory not supported/i, 'unsupported_country'],
];

// A key the server refuses by its words, whatever the status (Google's gateway answers 400):
// "API key not valid", "API key expired", "Invalid API key", "Incorrect API key provided".
const KEY_NOT_VALID = /\bAPI[ _-]?key\b[^.]{0,30}?\b(?:not valid|invalid|expired|not found)\b|\b(?:invalid|incorrect|wrong)[ _-](?:x-)?API[ _-]?key\b/i;

/** Does an answer other than a 401 say the key itself is not valid (by its words, or Google's status and reason)? */
function saysKeyNotValid(e: ApiError): boolean {
  // A 401 says it by its status, and keeps the API's own code as the reason (statusOutcome).
  if (e.status === 401) return false;
  return (
    KEY_NOT_VALID.test(e.message) ||
    (e.rpcStatus === 'INVALID_ARGUMENT' && /\bAPI[ _-]?key\b/i.test(e.message)) ||
    e.reasons.some((reason) => reason === 'API_KEY_INVALID' || reason === 'API_KEY_EXPIRED')
  );
}

/** The code table, tried by error.code, then error.type, then what the message says. */
function tableOutcome(e: ApiError): Outcome | null {
  const byMessage = MESSAGE_CODES.find(([pattern]) => pattern.test(e.message))?.[1] ?? (saysKeyNotValid(e) ? 'invalid_api_key' : null);
  for (const name of [e.code, e.type, byMessage]) {
    if (!has(CODE_OUTCOMES, name)) continue;
    const outcome = CODE_OUTCOMES[name]!(e);
    if (outcome) return { ...outcome, reason: name };
  }
  return null;
}

// The API's answer to a request without an Authorization header ("You didn't provide an API key. …").
const NO_KEY_PROVIDED = /\bdid(?:n't| not) provide an API key\b/i;

/**
 * A 401 saying no key came, to a request that sent one: something between this process and the
 * API (a proxy, a gateway at the base URL, a TLS-inspecting middlebox) dropped the Authorization
 * header. Nothing was learnt about the key, so a new one would not help: what is in between is
 * named, as for any other answer that is not the API's to the key.
 */
function keyNotReceived(e: ApiError): Outcome {
  const { request } = e;
  const host = hostOf(request.baseURL);
  const { proxy } = request;
  const other = otherServer(request.baseURL);
  const via = proxy ? ` through the proxy ${proxy}` : '';
  const between = proxy
    ? `The proxy ${proxy} (HTTPS_PROXY / HTTP_PROXY)${other ? `, or the gateway at ${other},` : ''} may be removing it: have it pass the Authorization header on, or set NO_PROXY for ${hostnameOf(request.baseURL)} if the API can be reached without it`
    : other
      ? `The server at ${other} (the ${baseUrlSettings(request, ' / ')} you set) may be a gateway or proxy that removes it: have it pass the Authorization header on, or check the ${baseUrlSetting(request)}`
      : 'A proxy or firewall on this network may be removing it: try another network, or ask whoever runs it';
  return {
    status: 'network_error',
    reason: 'key_not_received',
    message: `The key was sent to ${host}${via}, but the answer says no key reached the API: something in between removed the Authorization header, so the key itself was not checked.`,
    fix: `${between}. A new key would not help.`,
    fixUrl: null,
  };
}

/** An error the code table does not settle, by HTTP status. */
function statusOutcome(e: ApiError): Outcome {
  const { status, code, type, request } = e;
  if (status === 401 && NO_KEY_PROVIDED.test(e.message) && !request.keyless) return keyNotReceived(e);
  if (status === 401) {
    return {
      status: 'invalid_key',
      reason: code ?? 'unauthorized',
      message: NO_KEY_PROVIDED.test(e.message) ? 'No key reached the API (the Authorization header was empty).' : quoted(e, 'The API rejected the key'),
      fix: newKeyFix(request),
      fixUrl: PAGES.keys.url,
    };
  }
  if (status === 403 && request.probe === 'billing' && !type?.startsWith('cf_')) {
    // The verdict lets this answer decide only once the key listed models (GET /models takes
    // nothing else; verdict.ts's callJudged): a 403 the table does not know ("You are not allowed to sample from this
    // model") refuses what the test request asks for, the model, to this key's project. The key
    // is the right one: kept, like a project not allowed the model. Not Cloudflare's own 403
    // (`cf_…`), which is its edge refusing, not the API.
    const project = projectOf(e);
    const model = otherModel(request);
    return {
      status: 'forbidden',
      reason: 'model_refused',
      message: quoted(e, `The key was accepted, but the API refused it the test request to ${request.model}`),
      fix: `The key's project may not use ${request.model}: check the project's model permissions and limits${model ? `, or check with another model (${model})` : ''}.`,
      fixUrl: project ? projectPageUrl(project, 'limits') : PAGES.limits.url,
    };
  }
  if (status === 403) {
    return {
      status: 'forbidden',
      reason: code ?? type ?? 'forbidden',
      message: quoted(e, 'The API refused the request'),
      fix: "Check the key's organization and project permissions on the API keys page.",
      fixUrl: PAGES.keys.url,
    };
  }
  if (status === 404 && (request.probe === 'models' || /^Invalid URL/i.test(e.message))) {
    // Nearly every OpenAI-compatible API lists models, and the API says "Invalid URL (GET /models)" for a
    // path it does not have: the base URL is wrong (typically without /v1), and nothing was checked.
    const base = request.baseURL.replace(/\/+$/, '');
    const suggestion = withV1Suggestion(base, request.key);
    return {
      status: 'network_error',
      reason: `http_${status}`,
      message: `The base URL ${base} looks wrong: ${hostOf(base)} answered HTTP 404${e.message ? ` (${e.message})` : ''} to ${request.probe === 'models' ? 'the list of models' : 'the test request'}.`,
      fix: `Check the base URL (${baseUrlSettings(request, ' or ')}): OpenAI-compatible APIs end in /v1, like ${OFFICIAL_API_BASE_URL}.${suggestion}`,
      fixUrl: null,
    };
  }
  if (status === 429) {
    return {
      status: 'rate_limited',
      reason: code ?? type ?? 'rate_limited',
      message: quoted(e, 'The key works; the API is limiting requests right now'),
      fix: `Try again in ${e.retryAfter ?? 'a minute'}.`,
      fixUrl: PAGES.limits.url,
    };
  }
  if (status >= 500) {
    return {
      status: 'server_error',
      reason: code ?? type ?? `http_${status}`,
      message: `${otherServer(request.baseURL) ?? 'The OpenAI API'} had a server error (HTTP ${status}); this is not a problem with your key.`,
      fix: serverErrorFix(request.baseURL),
      fixUrl: null,
    };
  }
  if (request.probe === 'models') {
    // GET /models takes no parameters: a 4xx the table does not know is about the key or the
    // server, never a sign that the key works. Nothing was learnt about the key, as for a wrong
    // base URL: the check could not finish.
    const host = hostOf(request.baseURL);
    return {
      status: 'network_error',
      reason: `http_${status}`,
      message: `${host} refused the list of models (HTTP ${status}${e.message ? `: ${e.message}` : ''}), so the key could not be checked.`,
      fix: `Listing models takes no parameters, so the key or the server is the cause: check that the key is one ${host} accepts, and the base URL (${baseUrlSettings(request, ' or ')}).`,
      fixUrl: null,
    };
  }
  // Any other 4xx of the test request (404 for the probe model, 400 for an organization that must
  // be verified...): the key was accepted; the caller treats it as "billing could not be checked".
  return { status: 'valid', reason: code ?? type ?? `http_${status}`, message: e.message || `HTTP ${status}${code ? `, ${code}` : ''}`, fix: null, fixUrl: null };
}

/** An OpenAI error answer: missing scopes, quota, the code table (code, type, message), then the HTTP status. */
export function apiErrorDiagnosis(failure: Extract<Failure, { kind: 'http' }>, request: FailedRequest): Diagnosis {
  const body = apiErrorBody(failure.body) ?? { message: '', type: null, code: null, status: null, details: null };
  const reasons = (body.details ?? []).flatMap((detail) => {
    const reason = detail !== null && typeof detail === 'object' ? (detail as { reason?: unknown }).reason : undefined;
    return typeof reason === 'string' ? [reason] : [];
  });
  const e: ApiError = {
    status: failure.status,
    code: body.code ?? null,
    type: body.type ?? null,
    message: redact(body.message, [request.key]).trim(),
    rpcStatus: body.status ?? null,
    reasons,
    project: failure.headers?.get('openai-project') ?? request.seenProject ?? request.project?.value ?? null,
    retryAfter: retryAfterOf(failure.headers),
    request,
  };
  const outcome = scopesOutcome(e) ?? quotaOutcome(e) ?? tableOutcome(e) ?? statusOutcome(e);
  return { ...outcome, requestId: failure.requestId };
}

/** Any failed request, through the three classifiers in turn. */
export function diagnose(failure: Failure, request: FailedRequest): Diagnosis {
  if (failure.kind !== 'http') return transportDiagnosis(failure, request);
  return nonApiDiagnosis(failure, request) ?? apiErrorDiagnosis(failure, request);
}

// The one HTTP path of the tool, for the SDK and for doctor's reachability probe alike: npm's
// minipass-fetch (the fetch npm itself uses, on node:http) and, when a proxy is set, the same
// requests through a CONNECT tunnel of https-proxy-agent, chosen per URL with NO_PROXY honoured.
// Not Node's own fetch: its undici and WebAssembly parser more than doubled the time `verify`
// takes (README, "Speed and size"). On top of fetch this adds only what a key checker must never
// do without: no redirect is followed (the key would go along), and no answer may be larger than
// MAX_BODY_BYTES once decompressed; and it reaches an IPv6 address, which fetch alone cannot
// (ipv6Agent). The caller's AbortSignal bounds the whole request, body included.
import { isIPv6 } from 'node:net';
import { Transform } from 'node:stream';
import type { ClientOptions } from 'openai';
import { UsageError } from '../errors.js';
import { redactedExcerpt } from '../keys/redact.js';
import { HttpUrlSchema } from '../options.js';
import { shownValue, withoutCredentials, withoutUrlLogins } from '../terminal/sanitize.js';
import { MAX_BODY_BYTES } from './diagnosis.js';

type FetchLibrary = typeof import('minipass-fetch');

/** minipass-fetch, loaded at the first request. */
async function loadFetch(): Promise<FetchLibrary> {
  // esbuild hands a CommonJS package to import() as its default export.
  const loaded = (await import('minipass-fetch')) as FetchLibrary & { default?: FetchLibrary };
  return loaded.default ?? loaded;
}

export interface ProxySettings {
  httpProxy: string;
  httpsProxy: string;
  noProxy: string;
}

function checkProxy(name: string, value: string): string {
  if (!value) return '';
  if (!HttpUrlSchema.safeParse(value).success) {
    throw new UsageError(`${name} is not an http:// or https:// URL (got "${shownValue(value)}").`, [
      `Set it to a URL like http://proxy.example.com:3128, or unset it.`,
    ]);
  }
  return value;
}

/** The HTTP_PROXY variable read (lower case wins): the one to name. */
export function httpProxyVariable(env: Record<string, string | undefined>): 'http_proxy' | 'HTTP_PROXY' {
  return env.http_proxy ? 'http_proxy' : 'HTTP_PROXY';
}

/** The NO_PROXY variable read (lower case wins): the one to set, since the other is then ignored. */
export function noProxyVariable(env: Record<string, string | undefined>): 'no_proxy' | 'NO_PROXY' {
  return env.no_proxy ? 'no_proxy' : 'NO_PROXY';
}

/** HTTP(S)_PROXY and NO_PROXY as curl and most tools read them (lower case first); a malformed proxy is a usage error. */
export function proxySettings(env: Record<string, string | undefined>): ProxySettings {
  const httpName = httpProxyVariable(env);
  const httpProxy = checkProxy(httpName, (env[httpName] || '').trim());
  const httpsName = env.https_proxy ? 'https_proxy' : env.HTTPS_PROXY ? 'HTTPS_PROXY' : httpName;
  const httpsProxy = checkProxy(httpsName, (env.https_proxy || env.HTTPS_PROXY || '').trim()) || httpProxy;
  return { httpProxy, httpsProxy, noProxy: (env[noProxyVariable(env)] || '').trim() };
}

/** An IPv6 address as URL writes it (`0:0::1` is `::1`), so an entry matches however it is spelled; null when it is none. */
function ipv6(address: string): string | null {
  if (!isIPv6(address)) return null;
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    // With a zone (`fe80::1%eth0`), which no URL's host has: it exempts nothing.
    return address;
  }
}

/**
 * Does NO_PROXY exempt this URL (`*`, a host, a `.domain` suffix, with or without a port)? An IPv6
 * address as curl and undici take it: bare (`::1`, never with a port: its last group would read as
 * one) or in brackets with or without a port (`[::1]`, `[::1]:8080`).
 */
function exempt(url: URL, noProxy: string): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return noProxy
    .split(/[,\s]+/)
    .filter(Boolean)
    .some((entry) => {
      if (entry === '*') return true;
      const bracketed = /^\[([^\]]*)\](?::(\d+))?$/.exec(entry);
      const address = ipv6(bracketed ? bracketed[1]! : entry);
      if (bracketed || address !== null) {
        // An IPv6 address exempts that address only (on its port, when a bracketed one names one).
        if (bracketed?.[2] && bracketed[2] !== port) return false;
        return address === host;
      }
      const [name, entryPort] = entry.toLowerCase().replace(/^\*?\./, '.').split(/:(?=\d+$)/) as [string, string | undefined];
      if (entryPort && entryPort !== port) return false;
      return name.startsWith('.') ? host.endsWith(name) || host === name.slice(1) : host === name || host.endsWith(`.${name}`);
    });
}

/** The proxy URL (credentials included) a request to `url` goes through, or null for a direct connection. */
function proxyUrlFor(settings: ProxySettings, url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const proxy = parsed.protocol === 'https:' ? settings.httpsProxy : settings.httpProxy;
  return proxy && !exempt(parsed, settings.noProxy) ? proxy : null;
}

/** The proxy a request to `url` goes through, without credentials (to show), or null for a direct connection. */
export function proxyFor(settings: ProxySettings, url: string): string | null {
  const proxy = proxyUrlFor(settings, url);
  return proxy === null ? null : withoutCredentials(proxy);
}

/**
 * For a direct request to an IPv6 address: an agent that connects to it. fetch hands Node the URL's
 * hostname as it is, in brackets (`[::1]`), which Node looks up as a name and never finds; the
 * agent's own `host` takes its place (the Host header keeps the brackets, as it must).
 */
async function ipv6Agent(url: string): Promise<import('node:http').Agent | undefined> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (!parsed.hostname.startsWith('[')) return undefined;
  const { Agent } = parsed.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return new Agent({ host: parsed.hostname.slice(1, -1) });
}

/** An error fetch and the SDK carry as a cause, with a code the diagnosis knows. */
class BodyTooLargeError extends Error {
  readonly code = 'ERR_BODY_TOO_LARGE';
  constructor() {
    super(`the answer is larger than ${MAX_BODY_BYTES} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** A proxy that answered CONNECT with anything but 200 (407: it wants a login), or with no HTTP status at all. */
export class ProxyRefusedError extends Error {
  readonly code = 'ERR_PROXY_REFUSED';
  constructor(readonly status: number) {
    // https-proxy-agent reads the status line's second word as a number: NaN for an answer that is not HTTP.
    super(Number.isInteger(status) && status >= 100 && status <= 999 ? `it answered HTTP ${status} to the request for a tunnel` : 'its answer to the request for a tunnel was not HTTP');
    this.name = 'ProxyRefusedError';
  }
}

/** An answer as the SDK and doctor's probe read it (a fetch Response in shape, on Node streams). */
export interface ApiResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  /** The body; destroying it ends the request. */
  readonly body: { destroy(): void };
  json(): Promise<unknown>;
  text(): Promise<string>;
}
export type ApiFetch = (url: string | URL, init?: RequestInit) => Promise<ApiResponse>;
/** A fetch as the SDK's `fetch` option takes it. */
export type SdkFetch = NonNullable<ClientOptions['fetch']>;

/** The tool's fetch for the SDK: its answers have every member the SDK reads (status, headers, json, text). */
export const sdkFetch = (fetch: ApiFetch): SdkFetch => fetch as unknown as SdkFetch;

/**
 * The SDK's log for DEBUG=openai-setup: one line per call, prefixed, with the credentials of every
 * URL taken out (the SDK logs the request URL, and a base URL may carry a login), anything shaped
 * like a key masked, and cut to MAX_SHOWN_LINE (the SDK logs whole answers, which may be megabytes).
 * The key itself is masked later, by the terminal, which knows it.
 */
export function sdkLogger(prefix: string, debug: (line: string) => void): NonNullable<ClientOptions['logger']> {
  const line =
    (level: string) =>
    (...args: unknown[]) =>
      debug(redactedExcerpt(withoutUrlLogins(`[${prefix} ${level}] ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`)));
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

/** Counts the (decompressed) body on its way to the reader and fails it past MAX_BODY_BYTES. */
function bodyCap(): Transform {
  let received = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      done(received > MAX_BODY_BYTES ? new BodyTooLargeError() : null, chunk);
    },
  });
}

/** The fetch every request of the tool goes through (see the top of this file). */
export function createApiFetch(settings: ProxySettings): ApiFetch {
  return async (url, init = {}) => {
    const target = String(url);
    const library = await loadFetch();
    // One controller per request: the caller's signal, a body past the cap and a proxy's refusal all end it.
    const controller = new AbortController();
    const outer = init.signal;
    const stop = () => controller.abort(outer?.reason);
    if (outer?.aborted) stop();
    else outer?.addEventListener('abort', stop, { once: true });
    let refused: ProxyRefusedError | null = null;
    const proxy = proxyUrlFor(settings, target);
    let agent: import('node:http').Agent | undefined;
    if (proxy) {
      const { HttpsProxyAgent } = await import('https-proxy-agent');
      const tunnel = new HttpsProxyAgent(proxy);
      // A refusal would otherwise come back as the proxy's own answer, as if the API had sent it.
      tunnel.on('proxyConnect', ({ statusCode }: { statusCode: number }) => {
        if (statusCode === 200) return;
        refused = new ProxyRefusedError(statusCode);
        controller.abort(refused);
      });
      agent = tunnel;
    } else {
      agent = await ipv6Agent(target);
    }
    let response: Awaited<ReturnType<FetchLibrary>>;
    try {
      response = await library(target, {
        method: init.method,
        headers: init.headers,
        body: init.body,
        signal: controller.signal,
        redirect: 'manual',
        agent,
      });
    } catch (error) {
      outer?.removeEventListener('abort', stop);
      throw refused ?? error;
    }
    const capped = bodyCap();
    // Anything that ends the body early (the cap, the caller's signal, destroy()) also ends the request.
    capped.on('close', () => {
      outer?.removeEventListener('abort', stop);
      if (!capped.readableEnded) controller.abort();
    });
    response.body.on('error', (error: Error) => capped.destroy(error));
    response.body.pipe(capped);
    return new library.Response(capped, {
      url: response.url,
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

/** The HTTP path for one environment's proxy variables: its fetch, and the proxy (to show) a URL goes through. */
export interface Transport {
  fetch: ApiFetch;
  proxyFor(url: string): string | null;
}

/** Reads (and checks) the proxy variables once; a malformed one is a usage error here. */
export function createTransport(env: Record<string, string | undefined>): Transport {
  const settings = proxySettings(env);
  return { fetch: createApiFetch(settings), proxyFor: (url) => proxyFor(settings, url) };
}

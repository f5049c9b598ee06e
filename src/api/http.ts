// The one HTTP path of the tool: Node's own fetch, for the SDK and for doctor's reachability
// probe alike. Node's fetch ignores HTTPS_PROXY / HTTP_PROXY / NO_PROXY, so when a proxy is set
// the requests go through undici's EnvHttpProxyAgent (either case, NO_PROXY honoured); undici is
// loaded only then. On top of fetch this adds only what a key checker must never do without: no
// redirect is followed (the key would go along), and no answer may be larger than MAX_BODY_BYTES
// once decompressed. The caller's AbortSignal bounds the whole request, body included.
import { UsageError } from '../errors.js';
import { HttpUrlSchema } from '../options.js';
import { shownValue, withoutCredentials } from '../terminal/sanitize.js';
import { MAX_BODY_BYTES } from './diagnosis.js';

type Undici = typeof import('undici');

/** undici, for its proxy agent; loaded only when a proxy is set. */
async function loadUndici(): Promise<Undici> {
  // esbuild hands a CommonJS package to import() as its default export.
  const loaded = (await import('undici')) as Undici & { default?: Undici };
  return loaded.default ?? loaded;
}

export interface ProxySettings {
  httpProxy: string;
  httpsProxy: string;
  noProxy: string;
}

// One helper for every URL that is shown; exported here too for the callers of the HTTP path.
export { withoutCredentials };

function checkProxy(name: string, value: string): string {
  if (!value) return '';
  if (!HttpUrlSchema.safeParse(value).success) {
    throw new UsageError(`${name} is not an http:// or https:// URL (got "${shownValue(value)}").`, [
      `Set it to a URL like http://proxy.example.com:3128, or unset it.`,
    ]);
  }
  return value;
}

/** HTTP(S)_PROXY and NO_PROXY as undici's EnvHttpProxyAgent reads them (lower case first); a malformed proxy is a usage error. */
export function proxySettings(env: Record<string, string | undefined>): ProxySettings {
  const httpName = env.http_proxy ? 'http_proxy' : 'HTTP_PROXY';
  const httpProxy = checkProxy(httpName, (env.http_proxy || env.HTTP_PROXY || '').trim());
  const httpsName = env.https_proxy ? 'https_proxy' : env.HTTPS_PROXY ? 'HTTPS_PROXY' : httpName;
  const httpsProxy = checkProxy(httpsName, (env.https_proxy || env.HTTPS_PROXY || '').trim()) || httpProxy;
  return { httpProxy, httpsProxy, noProxy: (env.no_proxy || env.NO_PROXY || '').trim() };
}

/** Does NO_PROXY exempt this URL (`*`, a host, a `.domain` suffix, with or without a port)? */
function exempt(url: URL, noProxy: string): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return noProxy
    .split(/[,\s]+/)
    .filter(Boolean)
    .some((entry) => {
      if (entry === '*') return true;
      const [name, entryPort] = entry.toLowerCase().replace(/^\*?\./, '.').split(/:(?=\d+$)/) as [string, string | undefined];
      if (entryPort && entryPort !== port) return false;
      return name.startsWith('.') ? host.endsWith(name) || host === name.slice(1) : host === name || host.endsWith(`.${name}`);
    });
}

/** The proxy a request to `url` goes through, without credentials, or null for a direct connection. */
export function proxyFor(settings: ProxySettings, url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const proxy = parsed.protocol === 'https:' ? settings.httpsProxy : settings.httpProxy;
  if (!proxy || exempt(parsed, settings.noProxy)) return null;
  return withoutCredentials(proxy);
}

/** An error undici or the SDK can carry as a cause, with a code the diagnosis knows. */
class BodyTooLargeError extends Error {
  readonly code = 'ERR_BODY_TOO_LARGE';
  constructor() {
    super(`the answer is larger than ${MAX_BODY_BYTES} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

export type ApiFetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** The fetch every request of the tool goes through (see the top of this file). */
export function createApiFetch(settings: ProxySettings): ApiFetch {
  // undici's dispatcher, which Node's fetch accepts as an extension; none without a proxy.
  const dispatcher = settings.httpProxy || settings.httpsProxy ? loadUndici().then((undici) => new undici.EnvHttpProxyAgent(settings)) : null;
  return async (url, init = {}) => {
    const response = await fetch(url, { ...init, ...(dispatcher ? { dispatcher: await dispatcher } : {}), redirect: 'manual' } as RequestInit);
    if (!response.body) return response;
    let received = 0;
    const limited = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          received += chunk.byteLength;
          if (received > MAX_BODY_BYTES) controller.error(new BodyTooLargeError());
          else controller.enqueue(chunk);
        },
      }),
    );
    return new Response(limited, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

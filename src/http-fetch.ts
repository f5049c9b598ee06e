// A fetch for the OpenAI SDK built on node:http / node:https. Node 20's own fetch costs ~15 ms to
// load (its bundled undici) and holds process exit back by tens of ms; a node:http request pair
// costs ~9 ms. It covers what the live check needs and no more:
//
// - the whole body is read (and decompressed) before the promise resolves, so the SDK's timeout,
//   which stops once fetch resolves, bounds the body too; `body` is therefore always null (no
//   streaming);
// - redirects are returned, never followed: a captive portal or proxy login page answering 3xx
//   must not receive the Authorization header on another host;
// - network errors reject with Node's own error (its `code`: ECONNREFUSED, ENOTFOUND, TLS codes),
//   an abort with an error named AbortError, which is how the SDK recognises its timeout.
//
// It never touches the global Headers / Response / Request / fetch (each would load undici).
import type { Agent, ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import type { ClientOptions } from 'openai';
import { Headers, type HeadersLike } from './web-headers.js';

type Fetch = NonNullable<ClientOptions['fetch']>;

/** No answer of the API comes near this; anything bigger is a wrong server or an attack. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** What fetch rejects with on abort: the SDK tells its timeout apart by `name === 'AbortError'`. */
export class AbortError extends Error {
  override readonly name = 'AbortError';
  readonly code = 'ABORT_ERR';
}

/** A response body over MAX_BODY_BYTES (before or after decompression). */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  readonly code = 'ERR_BODY_TOO_LARGE';
  constructor(limit: number) {
    super(`The response body is larger than ${limit / (1024 * 1024)} MB.`);
  }
}

/** The part of a fetch Response that the SDK (client.js, internal/parse.js, core/error.js) reads. */
export class HttpResponse {
  readonly ok: boolean;
  readonly redirected = false;
  readonly type = 'basic';
  /** Always null: the body is already read; the SDK's CancelReadableStream(null) is a no-op. */
  readonly body = null;
  readonly #bytes: Buffer;
  #used = false;

  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly headers: Headers,
    readonly url: string,
    bytes: Buffer,
  ) {
    this.ok = status >= 200 && status <= 299;
    this.#bytes = bytes;
  }

  get bodyUsed(): boolean {
    return this.#used;
  }

  #consume(): Buffer {
    if (this.#used) throw new TypeError('Body is unusable: it has already been read.');
    this.#used = true;
    return this.#bytes;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = this.#consume();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async text(): Promise<string> {
    // UTF-8 decode as fetch does: a leading byte order mark is dropped, bad bytes become U+FFFD.
    const text = this.#consume().toString('utf8');
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
}

interface Transport {
  request(url: URL, options: RequestOptions): ClientRequest;
  agent: Agent;
}

const transports = new Map<string, Promise<Transport>>();

/** node:http or node:https, whichever the URL needs, each loaded once with its keep-alive agent. */
function transport(protocol: 'http:' | 'https:'): Promise<Transport> {
  let loaded = transports.get(protocol);
  if (!loaded) {
    // Keep-alive lets sequential requests share a connection (and https caches TLS sessions).
    // Node unrefs idle pooled sockets, so they never keep a process (or a test worker) alive.
    loaded =
      protocol === 'https:'
        ? import('node:https').then((https) => ({ request: https.request, agent: new https.Agent({ keepAlive: true }) }))
        : import('node:http').then((http) => ({ request: http.request, agent: new http.Agent({ keepAlive: true }) }));
    transports.set(protocol, loaded);
  }
  return loaded;
}

function requestBody(body: unknown): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  // The SDK sends JSON strings for every call the check makes; streams and forms are not needed.
  throw new TypeError('httpFetch: only string and byte bodies are supported.');
}

function abortError(signal: AbortSignal): AbortError {
  return new AbortError('The operation was aborted.', { cause: signal.reason });
}

/** Undo Content-Encoding (listed in the order applied), never producing more than the cap. */
async function decode(bytes: Buffer, contentEncoding: string | null): Promise<Buffer> {
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding && coding !== 'identity');
  // An empty body (204, 304, HEAD) is not a compressed stream, whatever the header says.
  if (codings.length === 0 || bytes.length === 0) return bytes;
  // Only a server that compresses unasked pays for zlib: we never send Accept-Encoding.
  const zlib = await import('node:zlib');
  const limit = { maxOutputLength: MAX_BODY_BYTES };
  let out = bytes;
  for (const coding of codings.reverse()) {
    try {
      if (coding === 'gzip' || coding === 'x-gzip') out = zlib.gunzipSync(out, limit);
      else if (coding === 'deflate') out = zlib.inflateSync(out, limit);
      else if (coding === 'br') out = zlib.brotliDecompressSync(out, limit);
      else return out; // an unknown coding: hand the bytes over as they are, as fetch does
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw new BodyTooLargeError(MAX_BODY_BYTES);
      throw error;
    }
  }
  return out;
}

/** The response headers with repeated fields combined as the spec says (rawHeaders keeps them all). */
function responseHeaders(response: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = response.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append(raw[i]!, raw[i + 1]!);
    } catch {
      // Node's parser let through a field fetch would refuse; dropping it beats failing the answer.
    }
  }
  return headers;
}

async function httpFetchImpl(input: Parameters<Fetch>[0], init: Parameters<Fetch>[1] = {}): Promise<HttpResponse> {
  if (typeof input !== 'string' && !(input instanceof URL)) throw new TypeError('httpFetch: the resource must be a URL or a string.');
  const url = new URL(input);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`httpFetch: ${url.protocol} URLs are not supported.`);
  if (url.username || url.password) throw new TypeError('httpFetch: URLs with credentials are not supported.');
  const method = (init.method ?? 'GET').toUpperCase();
  const body = requestBody(init.body);

  const headers: Record<string, string> = {};
  new Headers((init.headers ?? undefined) as HeadersLike | undefined).forEach((value, name) => {
    headers[name] = value;
  });
  if (body !== undefined) headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
  else if (method === 'POST' || method === 'PUT') headers['content-length'] = '0';

  const signal = init.signal ?? undefined;
  if (signal?.aborted) throw abortError(signal);
  const { request, agent } = await transport(url.protocol);
  if (signal?.aborted) throw abortError(signal);

  return new Promise<HttpResponse>((resolve, reject) => {
    let settled = false;
    /** The whole answer arrived: the socket may already serve another request, so leave it be. */
    let received = false;
    const onAbort = () => fail(abortError(signal!));
    const settle = () => {
      settled = true;
      signal?.removeEventListener('abort', onAbort);
    };
    function fail(error: unknown): void {
      if (settled) return;
      settle();
      reject(error);
      // Never hand a half-read connection back to the pool.
      if (!received) req.destroy();
    }

    const req = request(url, { method, headers, agent });
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', fail);
    req.on('response', (response) => {
      response.on('error', fail);
      // Node gives `aborted` + ECONNRESET for a connection cut mid-body; this covers any other early close.
      response.on('close', () => {
        if (!response.complete) fail(Object.assign(new Error('The connection closed before the answer was complete.'), { code: 'ECONNRESET' }));
      });
      const declared = Number(response.headers['content-length']);
      if (declared > MAX_BODY_BYTES) return fail(new BodyTooLargeError(MAX_BODY_BYTES));
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) fail(new BodyTooLargeError(MAX_BODY_BYTES));
        else chunks.push(chunk);
      });
      response.on('end', () => {
        received = true;
        if (settled) return;
        const headers = responseHeaders(response);
        decode(Buffer.concat(chunks, size), headers.get('content-encoding')).then((bytes) => {
          if (settled) return;
          settle();
          resolve(new HttpResponse(response.statusCode ?? 0, response.statusMessage ?? '', headers, url.href, bytes));
        }, fail);
      });
    });
    req.end(body);
  });
}

/**
 * fetch for `new OpenAI({ fetch })`. The one cast: HttpResponse is not a whole WHATWG Response
 * (no blob(), formData(), clone() or body stream), but it has every member the SDK reads.
 */
export const httpFetch: Fetch = httpFetchImpl as unknown as Fetch;

// src/http-fetch.ts against a local node:http server: what the SDK reads from a response, request
// headers and bodies, compression, the body cap, aborts, network errors with their codes, redirects
// returned and never followed; then the SDK and checkKey on top of it, and a child process showing
// that it touches none of Node's fetch globals and lets the process exit on its own.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkKey, type CheckRequest } from '../../src/api-check.js';
import { AbortError, HttpResponse, httpFetch, MAX_BODY_BYTES } from '../../src/http-fetch.js';
import { Headers as SmallHeaders } from '../../src/web-headers.js';
import { REPO_ROOT } from '../helpers/env.js';
import { makeKey, startOpenAIServer, type FakeOpenAI } from '../helpers/openai-server.js';

interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

interface TestServer {
  origin: string;
  port: number;
  seen: Seen[];
  connections: number;
  /** Sockets closed by the client (or by us), counted on the server side. */
  closed: number;
  close(): Promise<void>;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse, seen: Seen) => void, keepAliveTimeout = 5000): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const state = { seen: [] as Seen[], connections: 0, closed: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      state.seen.push(seen);
      handler(req, res, seen);
    });
  });
  server.keepAliveTimeout = keepAliveTimeout;
  server.on('connection', (socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => {
      state.closed++;
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    get seen() {
      return state.seen;
    },
    get connections() {
      return state.connections;
    },
    get closed() {
      return state.closed;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createNetServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

const until = async (condition: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

const fetchRaw = (url: string, init?: RequestInit) => httpFetch(url, init) as unknown as Promise<HttpResponse>;

const JSON_BODY = { object: 'list', data: [{ id: 'gpt-4o-mini' }], note: 'héllo ✓' };
const BIG = 'x'.repeat(MAX_BODY_BYTES + 1);

let server: TestServer;
let other: TestServer;

beforeAll(async () => {
  other = await listen((_req, res) => res.end('portal'));
  server = await listen((req, res, seen) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    switch (path) {
      case '/json':
        res.writeHead(200, 'Fine Thanks', { 'content-type': 'application/json', 'x-request-id': 'req_1' });
        return res.end(JSON.stringify(JSON_BODY));
      case '/echo':
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify(seen));
      case '/multi':
        res.setHeader('x-multi', ['a', 'b']);
        res.setHeader('set-cookie', ['c=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT', 'd=2']);
        res.setHeader('X-Case', 'Kept');
        return res.end('ok');
      case '/missing':
        res.writeHead(404, { 'content-type': 'application/json' });
        return res.end('{"error":{"message":"nope"}}');
      case '/bom':
        return res.end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]));
      case '/gzip':
      case '/deflate':
      case '/br':
      case '/gzip-br': {
        const raw = Buffer.from(JSON.stringify(JSON_BODY));
        const encoded =
          path === '/gzip' ? gzipSync(raw) : path === '/deflate' ? deflateSync(raw) : path === '/br' ? brotliCompressSync(raw) : brotliCompressSync(gzipSync(raw));
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': path === '/gzip-br' ? 'gzip, br' : path.slice(1) });
        return res.end(encoded);
      }
      case '/empty-gzip':
        res.writeHead(204, { 'content-encoding': 'gzip' });
        return res.end();
      case '/bomb': {
        res.writeHead(200, { 'content-encoding': 'gzip' });
        return res.end(gzipSync(Buffer.alloc(MAX_BODY_BYTES + 1)));
      }
      case '/declared-too-big':
        // Headers only: the client must give up without waiting for a body that never comes.
        res.writeHead(200, { 'content-length': String(MAX_BODY_BYTES + 1) });
        return res.flushHeaders();
      case '/chunked-too-big':
        res.writeHead(200, { 'content-type': 'text/plain' });
        return res.end(BIG);
      case '/redirect':
        res.writeHead(302, { location: `${other.origin}/login?next=%2Fv1` });
        return res.end('<a href="/login">Sign in</a>');
      case '/hang':
        return; // never answers
      case '/hang-body':
        res.writeHead(200, { 'content-length': '100' });
        return res.write('0123456789');
      case '/cut-body':
        res.writeHead(200, { 'content-length': '100' });
        res.write('0123456789');
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      case '/reset':
        return req.socket.resetAndDestroy();
      default:
        res.writeHead(500);
        return res.end();
    }
  });
});

afterAll(async () => {
  await server?.close();
  await other?.close();
});

describe('httpFetch: the response', () => {
  it('has what the SDK reads: ok, status, statusText, url, headers, text and json', async () => {
    const res = await fetchRaw(`${server.origin}/json?x=1`, { method: 'GET' });
    expect(res).toMatchObject({ ok: true, status: 200, statusText: 'Fine Thanks', url: `${server.origin}/json?x=1`, redirected: false, body: null, bodyUsed: false });
    expect(res.headers).toBeInstanceOf(SmallHeaders);
    expect(res.headers.get('Content-Type')).toBe('application/json');
    expect(res.headers.get('x-request-id')).toBe('req_1');
    expect(await res.json()).toEqual(JSON_BODY);
    expect(res.bodyUsed).toBe(true);
    await expect(res.text()).rejects.toThrow(TypeError);
  });

  it('reads bytes with arrayBuffer and drops a UTF-8 byte order mark in text', async () => {
    const bytes = new Uint8Array(await (await fetchRaw(`${server.origin}/json`)).arrayBuffer());
    expect(Buffer.from(bytes).toString('utf8')).toBe(JSON.stringify(JSON_BODY));
    expect(await (await fetchRaw(`${server.origin}/bom`)).text()).toBe('{"a":1}');
  });

  it('is not ok for a 404 and still has its body', async () => {
    const res = await fetchRaw(`${server.origin}/missing`);
    expect(res).toMatchObject({ ok: false, status: 404 });
    expect(await res.text()).toBe('{"error":{"message":"nope"}}');
  });

  it('combines repeated header fields as fetch does, Set-Cookie apart', async () => {
    const res = await fetchRaw(`${server.origin}/multi`);
    expect(res.headers.get('x-multi')).toBe('a, b');
    expect(res.headers.getSetCookie()).toEqual(['c=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT', 'd=2']);
    expect(res.headers.get('x-case')).toBe('Kept');
    expect([...res.headers.keys()]).toEqual(expect.arrayContaining(['x-multi', 'set-cookie', 'x-case']));
  });

  it.each(['gzip', 'deflate', 'br', 'gzip-br'])('decodes a %s body the server sent unasked', async (encoding) => {
    const res = await fetchRaw(`${server.origin}/${encoding}`);
    expect(await res.json()).toEqual(JSON_BODY);
    const sent = server.seen.at(-1)!;
    expect(sent.headers['accept-encoding']).toBeUndefined();
  });

  it('rejects a body that does not match its Content-Encoding with zlib’s code, and the connection stays usable', async () => {
    const own = await listen((req, res) => {
      res.writeHead(200, req.url === '/bad' ? { 'content-encoding': 'gzip' } : {});
      res.end('plain');
    });
    try {
      await expect(fetchRaw(`${own.origin}/bad`)).rejects.toMatchObject({ code: 'Z_DATA_ERROR' });
      expect(await (await fetchRaw(`${own.origin}/good`)).text()).toBe('plain');
      expect(own.connections).toBe(1);
    } finally {
      await own.close();
    }
  });

  it('takes an empty 204 labelled gzip as empty', async () => {
    const res = await fetchRaw(`${server.origin}/empty-gzip`);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
  });
});

describe('httpFetch: the request', () => {
  const shapes: Array<[string, () => unknown]> = [
    ['Node’s Headers', () => new globalThis.Headers({ 'X-Test': 'one', Authorization: 'Bearer k' })],
    ['our Headers', () => new SmallHeaders({ 'X-Test': 'one', Authorization: 'Bearer k' })],
    ['a record', () => ({ 'X-Test': 'one', Authorization: 'Bearer k' })],
    ['pairs', () => [['X-Test', 'one'], ['authorization', 'Bearer k']]],
  ];
  it.each(shapes)('sends headers given as %s', async (_name, headers) => {
    const res = await fetchRaw(`${server.origin}/echo`, { method: 'GET', headers: headers() as HeadersInit });
    const seen = (await res.json()) as Seen;
    expect(seen.headers).toMatchObject({ 'x-test': 'one', authorization: 'Bearer k' });
  });

  it('sends a string body with its length in bytes, and a byte body', async () => {
    const text = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi ✓' }] });
    const seen = (await (await fetchRaw(`${server.origin}/echo`, { method: 'POST', body: text, headers: { 'content-type': 'application/json' } })).json()) as Seen;
    expect(seen).toMatchObject({ method: 'POST', body: text });
    expect(seen.headers['content-length']).toBe(String(Buffer.byteLength(text)));
    const bytes = new TextEncoder().encode('bytes ✓');
    const seenBytes = (await (await fetchRaw(`${server.origin}/echo`, { method: 'PUT', body: bytes })).json()) as Seen;
    expect(seenBytes).toMatchObject({ method: 'PUT', body: 'bytes ✓' });
    const empty = (await (await fetchRaw(`${server.origin}/echo`, { method: 'POST' })).json()) as Seen;
    expect(empty.headers['content-length']).toBe('0');
  });

  it('refuses what it does not handle, before sending anything', async () => {
    const before = server.seen.length;
    await expect(fetchRaw('ftp://127.0.0.1/x')).rejects.toThrow(TypeError);
    await expect(fetchRaw(`http://user:pw@127.0.0.1:${server.port}/echo`)).rejects.toThrow(TypeError);
    await expect(fetchRaw(`${server.origin}/echo`, { method: 'POST', body: new Blob(['x']) })).rejects.toThrow(TypeError);
    await expect(fetchRaw(`${server.origin}/echo`, { headers: { 'bad name': 'x' } })).rejects.toThrow(TypeError);
    expect(server.seen.length).toBe(before);
  });

  it('reuses a kept-alive connection for sequential requests', async () => {
    const own = await listen((_req, res) => res.end('ok'));
    try {
      for (let i = 0; i < 3; i++) expect(await (await fetchRaw(`${own.origin}/`)).text()).toBe('ok');
      expect(own.connections).toBe(1);
    } finally {
      await own.close();
    }
  });
});

describe('httpFetch: limits, aborts and failures', () => {
  it('rejects a body over the cap, whether declared, streamed or decompressed', async () => {
    for (const path of ['/declared-too-big', '/chunked-too-big', '/bomb']) {
      const error = await fetchRaw(`${server.origin}${path}`).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, path).toMatchObject({ code: 'ERR_BODY_TOO_LARGE', message: expect.stringMatching(/larger than 16 MB/) });
    }
  });

  it('an abort before the request sends nothing and rejects with an AbortError', async () => {
    const before = server.seen.length;
    const connections = server.connections;
    const controller = new AbortController();
    controller.abort();
    const error = await fetchRaw(`${server.origin}/json`, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect(error).toMatchObject({ name: 'AbortError' });
    await new Promise((r) => setTimeout(r, 20));
    expect(server.seen.length).toBe(before);
    expect(server.connections).toBe(connections);
  });

  it.each(['/hang', '/hang-body'])('an abort while waiting on %s rejects at once and closes the socket', async (path) => {
    const closed = server.closed;
    const controller = new AbortController();
    const url = `${path}?run=${Math.random()}`;
    const pending = fetchRaw(`${server.origin}${url}`, { signal: controller.signal }).catch((e: unknown) => e);
    await until(() => server.seen.some((s) => s.path === url));
    await new Promise((r) => setTimeout(r, 50)); // let /hang-body's headers and first bytes arrive
    const started = Date.now();
    controller.abort();
    const error = await pending;
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(1000);
    await until(() => server.closed > closed);
  });

  it('a refused port rejects with ECONNREFUSED', async () => {
    const port = await freePort();
    await expect(fetchRaw(`http://127.0.0.1:${port}/v1/models`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('a reset connection rejects with ECONNRESET, before or during the body', async () => {
    await expect(fetchRaw(`${server.origin}/reset`)).rejects.toMatchObject({ code: 'ECONNRESET' });
    await expect(fetchRaw(`${server.origin}/cut-body`)).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('returns a redirect as it is and never follows it', async () => {
    const before = other.seen.length;
    const res = await fetchRaw(`${server.origin}/redirect`, { headers: { authorization: 'Bearer sk-secret' } });
    expect(res).toMatchObject({ status: 302, ok: false, redirected: false, url: `${server.origin}/redirect` });
    expect(res.headers.get('location')).toBe(`${other.origin}/login?next=%2Fv1`);
    await new Promise((r) => setTimeout(r, 50));
    expect(other.seen.length).toBe(before);
  });
});

describe('the SDK on httpFetch', () => {
  let fake: FakeOpenAI;
  const VALID = makeKey('proj', 'http-fetch-valid');
  const HANG = makeKey('proj', 'http-fetch-hang');
  const RESET = makeKey('proj', 'http-fetch-reset');
  beforeAll(async () => {
    fake = await startOpenAIServer({ keys: { [VALID]: 'valid', [HANG]: 'hang', [RESET]: 'reset' } });
  });
  afterAll(async () => {
    await fake?.close();
  });

  const client = (apiKey: string, timeout = 5000) => new OpenAI({ apiKey, baseURL: fake.baseURL, fetch: httpFetch, maxRetries: 0, timeout });

  it('lists models and creates a completion, with the request id and headers', async () => {
    const { data, response } = await client(VALID).models.list().withResponse();
    expect(data.data.map((m) => m.id)).toContain('gpt-4o-mini');
    expect(response.headers.get('openai-project')).toMatch(/^proj_/);
    const completion = await client(VALID).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 1 });
    expect(completion._request_id).toMatch(/^req_/);
    const sent = fake.requestsFor(VALID).at(-1)!;
    expect(sent.body).toMatchObject({ model: 'gpt-4o-mini', max_tokens: 1 });
  });

  it('turns an API error into the SDK’s APIError with status, body and headers', async () => {
    const error = await client(makeKey('proj', 'unknown')).models.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: 'invalid_api_key' });
    expect((error as InstanceType<typeof OpenAI.APIError>).requestID).toMatch(/^req_/);
  });

  it('times out with APIConnectionTimeoutError, and a reset is an APIConnectionError caused by ECONNRESET', async () => {
    const started = Date.now();
    await expect(client(HANG, 300).models.list()).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(Date.now() - started).toBeLessThan(2000);
    const error = await client(RESET).models.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    expect((error as { cause?: { code?: string } }).cause?.code).toBe('ECONNRESET');
  });
});

describe('checkKey over httpFetch', () => {
  const KEY = makeKey('proj', 'http-fetch-check');
  const request = (baseURL: string, timeoutMs = 5000): CheckRequest => ({ key: KEY, baseURL, model: 'gpt-4o-mini', billingCheck: true, timeoutMs, env: {} });

  it('a redirect is a network error naming where it pointed, and nothing reaches that host', async () => {
    const portal = await listen((_req, res) => res.end('login page'));
    const redirecting = await listen((_req, res) => {
      res.writeHead(307, { location: `${portal.origin}/login` });
      res.end();
    });
    try {
      const result = await checkKey(request(`${redirecting.origin}/v1`));
      expect(result).toMatchObject({ status: 'network_error', exitCode: 6, ok: false, reason: 'http_307' });
      expect(result.message).toBe(`127.0.0.1:${redirecting.port} answered with a redirect (HTTP 307) to 127.0.0.1:${portal.port} instead of an API answer; the key was not sent there.`);
      expect(result.fix).toMatch(/captive portal/);
      expect(redirecting.seen.length).toBe(2);
      expect(portal.seen.length).toBe(0);
      expect(JSON.stringify(result)).not.toContain(KEY);
    } finally {
      await portal.close();
      await redirecting.close();
    }
  });

  it('a redirect to another scheme names it; one without Location says so', async () => {
    const redirecting = await listen((req, res) => {
      res.writeHead(301, req.url?.startsWith('/https/') ? { location: 'https://api.example.test/v1/models' } : {});
      res.end();
    });
    try {
      const https = await checkKey(request(`${redirecting.origin}/https/v1`));
      expect(https).toMatchObject({ status: 'network_error', exitCode: 6 });
      expect(https.message).toMatch(/redirect \(HTTP 301\) to https:\/\/api\.example\.test instead/);
      const bare = await checkKey(request(`${redirecting.origin}/v1`));
      expect(bare).toMatchObject({ status: 'network_error', exitCode: 6 });
      expect(bare.message).toMatch(/redirect \(HTTP 301\) without a Location instead/);
    } finally {
      await redirecting.close();
    }
  });

  it('an oversized answer is a network error', async () => {
    const huge = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(MAX_BODY_BYTES + 10) });
      res.flushHeaders();
    });
    try {
      const capped = await checkKey(request(`${huge.origin}/v1`));
      expect(capped).toMatchObject({ status: 'network_error', exitCode: 6, reason: 'ERR_BODY_TOO_LARGE' });
      expect(capped.message).toBe(`127.0.0.1:${huge.port} sent an answer larger than 16 MB, which no OpenAI API answer is.`);
    } finally {
      await huge.close();
    }
  });

  it('a body that does not match its Content-Encoding is a network error saying so', async () => {
    const garbled = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end('{"not":"gzip"}');
    });
    try {
      const result = await checkKey(request(`${garbled.origin}/v1`));
      expect(result).toMatchObject({ status: 'network_error', exitCode: 6, reason: 'Z_DATA_ERROR' });
      expect(result.message).toBe(`127.0.0.1:${garbled.port} sent a compressed answer that could not be decompressed (Z_DATA_ERROR).`);
    } finally {
      await garbled.close();
    }
  });

  it('keeps the messages for refused and reset connections', async () => {
    const port = await freePort();
    const refused = await checkKey(request(`http://127.0.0.1:${port}/v1`));
    expect(refused).toMatchObject({ status: 'network_error', reason: 'ECONNREFUSED', message: `The connection to 127.0.0.1:${port} was refused.` });
    const reset = await listen((req) => req.socket.resetAndDestroy());
    try {
      const result = await checkKey(request(`${reset.origin}/v1`));
      expect(result).toMatchObject({ status: 'network_error', reason: 'ECONNRESET', message: `The connection to 127.0.0.1:${reset.port} was cut before an answer came.` });
    } finally {
      await reset.close();
    }
  });

  it('a silent server is a timeout within the timeout', async () => {
    const silent = await listen(() => {});
    try {
      const started = Date.now();
      const result = await checkKey(request(`${silent.origin}/v1`, 300));
      expect(result).toMatchObject({ status: 'timeout', exitCode: 6 });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await silent.close();
    }
  });
});

describe('httpFetch in a process of its own', () => {
  it('touches none of Node’s fetch globals, loads neither undici nor zlib nor https, and lets the process exit with a kept-alive socket', async () => {
    // A minute of keep-alive on the server: only our unref'd idle socket lets the child end sooner.
    const own = await listen((_req, res) => res.end('{"ok":true}'), 60_000);
    const dir = mkdtempSync(join(tmpdir(), 'http-fetch-'));
    try {
      await build({ entryPoints: [join(REPO_ROOT, 'src/http-fetch.ts')], bundle: true, platform: 'node', format: 'esm', outfile: join(dir, 'http-fetch.mjs'), logLevel: 'silent' });
      writeFileSync(
        join(dir, 'child.mjs'),
        `const touched = [];
for (const name of ['Headers', 'fetch', 'Response', 'Request', 'FormData']) {
  const d = Object.getOwnPropertyDescriptor(globalThis, name);
  Object.defineProperty(globalThis, name, { configurable: true, get() { touched.push(name); return d.get ? d.get.call(globalThis) : d.value; } });
}
const { httpFetch } = await import('./http-fetch.mjs');
const res = await httpFetch(process.argv[2], { method: 'GET', headers: { accept: 'application/json' } });
const body = await res.json();
process.on('exit', () => {
  const loaded = (name) => process.moduleLoadList.includes('NativeModule ' + name);
  console.log(JSON.stringify({ body, touched, undici: loaded('internal/deps/undici/undici'), zlib: loaded('zlib'), https: loaded('https') }));
});
`,
      );
      const started = Date.now();
      const result = await new Promise<{ code: number | null; stdout: string; ms: number }>((resolve) => {
        const child = spawn(process.execPath, [join(dir, 'child.mjs'), `${own.origin}/`], { stdio: ['ignore', 'pipe', 'inherit'] });
        let stdout = '';
        child.stdout.on('data', (d) => (stdout += d));
        const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.on('exit', (code) => {
          clearTimeout(killer);
          resolve({ code, stdout, ms: Date.now() - started });
        });
      });
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual({ body: { ok: true }, touched: [], undici: false, zlib: false, https: false });
      expect(result.ms).toBeLessThan(10_000);
      // The server never closed the connection: the child went while its socket was still open.
      expect(own.connections).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await own.close();
    }
  });
});

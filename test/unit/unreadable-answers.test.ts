// Answers that came but that the SDK could not make sense of (a `null` or empty 2xx body where a
// list belongs, an error body nested past the stack, a JSON content type over something else), and
// bytes that are not HTTP at all: each is an answer that is not the API's, never "Could not reach"
// with "check your internet connection". Through the real HTTP path (probes.ts, admin.ts, http.ts)
// against a raw local server; rotate's create through the real Admin API client over the
// in-memory organization, its answer replaced.
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminApi } from '../../src/api/admin.js';
import type { SdkFetch } from '../../src/api/http.js';
import { createApi } from '../../src/api/probes.js';
import { run as adminKey } from '../../src/commands/admin-key.js';
import { reachabilityCheck } from '../../src/commands/doctor.js';
import { run as key } from '../../src/commands/key.js';
import { run as rotate } from '../../src/commands/rotate.js';
import { run as verify } from '../../src/commands/verify.js';
import { EXIT } from '../../src/errors.js';
import { maskKey } from '../../src/keys/format.js';
import { outcomeOf, type TestContext } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { organizationWith, recordCheckedKey } from '../helpers/rotatable.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const KEY = makeKey('proj', 'unit-unreadable-answers');
const ADMIN = makeKey('admin', 'unit-unreadable-answers');
const NETWORK_WORDS = /Could not reach|internet connection|NaN|Cannot read properties|call stack/;

const DEEP = `${'{"error":'.repeat(100_000)}1${'}'.repeat(100_000)}`;

/** An HTTP/1.1 answer as bytes. */
function answer(status: number, body: string, headers: Record<string, string> = {}): string {
  const head = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), connection: 'close', ...headers };
  return `HTTP/1.1 ${status} X\r\n${Object.entries(head)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n${body}`;
}

// What the server sends for the mode the base URL names (`/m/<mode>/v1`).
const MODES: Record<string, string> = {
  null: answer(200, 'null'),
  empty204: answer(204, ''),
  deep401: answer(401, DEEP),
  notjson: answer(200, '{"data": [nope'),
  garbage: 'THIS IS NOT HTTP\r\n\r\n',
  bighead: answer(401, '{}', { 'x-big': 'A'.repeat(80_000) }),
};

let server: Server;
let proxy: Server;
let port = 0;
let proxyPort = 0;

/** A raw server: reads a request's head and answers it as its path's mode says. */
function rawServer(respond: (head: string, socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const s = createServer((socket) => {
    socket.on('error', () => {});
    let head = '';
    socket.on('data', (chunk) => {
      if (head.includes('\r\n\r\n')) return;
      head += chunk.toString('latin1');
      if (head.includes('\r\n\r\n')) respond(head, socket);
    });
  });
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve({ server: s, port: (s.address() as { port: number }).port })));
}

beforeAll(async () => {
  ({ server, port } = await rawServer((head, socket) => {
    const mode = /^\S+ \/m\/([^/]+)\//.exec(head)?.[1] ?? '';
    socket.end(MODES[mode] ?? answer(404, '{}'), 'latin1');
  }));
  // A proxy that answers the request for a tunnel with something that is not HTTP.
  ({ server: proxy, port: proxyPort } = await rawServer((_head, socket) => socket.end('NOT HTTP\r\n\r\n')));
});
afterAll(() => {
  server?.close();
  proxy?.close();
});

const base = (mode: string) => `http://127.0.0.1:${port}/m/${mode}/v1`;
const HOST = () => `127.0.0.1:${port}`;
const contexts = trackedContexts({ defaults: { interactive: false } });

/** A Context whose live checks and Admin API requests go over the real HTTP path to `baseURL`. */
function real(baseURL: string, options: { stdin?: string; proxyEnv?: Record<string, string> } = {}): TestContext {
  const t = contexts.make({ env: { OPENAI_BASE_URL: baseURL }, ...(options.stdin === undefined ? {} : { stdin: options.stdin }) });
  t.ctx.api = { ...createApi({ env: options.proxyEnv ?? {}, clock: () => 0 }), admin: createAdminApi({ env: options.proxyEnv ?? {} }) };
  return t;
}

describe('a live check whose answer came but is not one the SDK can read', () => {
  it.each([
    ['null', 200],
    ['empty204', 204],
    ['notjson', 200],
  ])('%s: "answered HTTP %i with a page that is not an OpenAI API answer", exit 6, not "Could not reach"', async (mode, status) => {
    const t = real(base(mode));
    expect(await verify(t.ctx, { key: KEY, json: false, quiet: false, billingCheck: true })).toBe(EXIT.network);
    expect(t.stdout).toContain(`✖ ${HOST()} answered HTTP ${status} with a page that is not an OpenAI API answer.`);
    expect(t.stdout).toContain('A network sign-in page (captive portal), a proxy or another server answered instead');
    expect(t.stdout + t.stderr).not.toMatch(NETWORK_WORDS);
  });

  it('an error body nested 100,000 levels deep: the 401 is a page that is not an OpenAI API answer (exit 6), not a stack overflow', async () => {
    const t = real(base('deep401'));
    expect(await verify(t.ctx, { key: KEY, json: false, quiet: false, billingCheck: true })).toBe(EXIT.network);
    expect(t.stdout).toContain(`✖ ${HOST()} answered HTTP 401 with a page that is not an OpenAI API answer.`);
    expect(t.stdout + t.stderr).not.toMatch(NETWORK_WORDS);
  });

  it('key --stdin: the same, and the key is not stored', async () => {
    const t = real(base('null'), { stdin: `${KEY}\n` });
    const result = await outcomeOf(key(t.ctx, { stdin: true }));
    expect(result.code).toBe(EXIT.network);
    expect(result.message).toBe('The key was not stored.');
    expect(t.stdout).toContain(`${HOST()} answered HTTP 200 with a page that is not an OpenAI API answer.`);
    expect(t.stdout + t.stderr).not.toMatch(NETWORK_WORDS);
    expect(t.keychain.keyOf('default')).toBeUndefined();
  });

  it.each([
    ['garbage', 'answered with something that is not valid HTTP (HPE_INVALID_CONSTANT).'],
    ['bighead', 'answered with headers larger than Node.js reads (HPE_HEADER_OVERFLOW), which no OpenAI API answer has.'],
  ])('%s: bytes that are no HTTP answer are said to be that (exit 6), with where to look', async (mode, words) => {
    const t = real(base(mode));
    expect(await verify(t.ctx, { key: KEY, json: false, quiet: false, billingCheck: true })).toBe(EXIT.network);
    expect(t.stdout).toContain(`✖ ${HOST()} ${words}`);
    expect(t.stdout).toContain('Something between you and the API answered instead: check your proxy or network, and the --base-url.');
    expect(t.stdout + t.stderr).not.toMatch(NETWORK_WORDS);
  });

  it("doctor's probe: bytes that are not HTTP are said as such, not as a place that could not be reached", () => {
    const found = reachabilityCheck('http://127.0.0.1:9/v1', { reached: false, code: 'HPE_INVALID_CONSTANT', detail: 'Parse Error: Expected HTTP/' });
    expect(found).toMatchObject({ status: 'fail', detail: '127.0.0.1:9 answered with something that is not valid HTTP (HPE_INVALID_CONSTANT)' });
    expect(found.fix).toMatch(/^Something between you and the API answered instead/);
  });

  it('a proxy answering the request for a tunnel with something that is not HTTP: said so, never "HTTP NaN"', async () => {
    const proxyURL = `http://127.0.0.1:${proxyPort}`;
    const t = real(base('null'), { proxyEnv: { HTTP_PROXY: proxyURL } });
    expect(await verify(t.ctx, { key: KEY, json: true, quiet: false, billingCheck: true })).toBe(EXIT.network);
    const json = JSON.parse(t.stdout) as { message: string; reason: string };
    expect(json.reason).toBe('ERR_PROXY_REFUSED');
    expect(json.message).toBe(`The proxy ${proxyURL} refused the connection: its answer to the request for a tunnel was not HTTP.`);
    expect(t.stdout + t.stderr).not.toMatch(NETWORK_WORDS);
  });
});

describe('an Admin API answer that came but is not one the SDK can read', () => {
  it.each([
    ['null', 200],
    ['deep401', 401],
  ])('admin-key --stdin, %s: the list of projects "answered HTTP %i with a page that is not an OpenAI API answer"; nothing stored', async (mode, status) => {
    const t = real(base(mode), { stdin: `${ADMIN}\n` });
    const result = await outcomeOf(adminKey(t.ctx, { stdin: true, insecureStorage: false, verify: true, json: false }));
    expect(result.code).toBe(EXIT.network);
    expect(result.message).toBe(`Listing the organization's projects failed: ${HOST()} answered HTTP ${status} with a page that is not an OpenAI API answer.`);
    expect(result.hints.at(-1)).toBe('The admin key was not stored.');
    expect(`${result.message}\n${result.hints.join('\n')}`).not.toMatch(NETWORK_WORDS);
    expect(t.keychain.keyOf('default:admin')).toBeUndefined();
  });
});

describe("rotate: the create's answer could not be read", () => {
  const PROJECT = 'proj_UnreadableCreate00000000';
  const CREATE = `POST /v1/organization/projects/${PROJECT}/service_accounts`;

  /** The create reaches the organization (`reaches`), and its answer is `lost` instead. */
  async function createAnswered(lost: () => Promise<Response>, reaches: boolean): Promise<{ t: TestContext; old: string }> {
    const old = makeKey('proj', `unit-unreadable-create-${String(reaches)}`);
    const t = contexts.make({ admin: true, keychain: { default: old, 'default:admin': ADMIN } });
    organizationWith(t, { admin: ADMIN, project: PROJECT, old });
    await recordCheckedKey(t, { old, project: PROJECT });
    const fetch = (async (input: string | URL | Request, init: RequestInit = {}) => {
      const path = new URL(typeof input === 'string' || input instanceof URL ? input : input.url).pathname;
      if (`${init.method ?? 'GET'} ${path}` !== CREATE) return t.org.fetch(input, init);
      if (reaches) await t.org.fetch(input, init);
      return lost();
    }) as unknown as SdkFetch;
    t.api.admin = createAdminApi({ env: {}, fetch });
    return { t, old };
  }

  it('a 401 whose body is nested past the stack: refused, so nothing was changed, and said as a page that is not the API\'s', async () => {
    const { t, old } = await createAnswered(async () => new Response(DEEP, { status: 401, headers: { 'content-type': 'application/json' } }), false);
    const result = await outcomeOf(rotate(t.ctx, { keepOld: false, yes: true, json: false }));
    expect(result.code).toBe(EXIT.network);
    expect(result.message).toBe(`Creating a service account in ${PROJECT} failed: api.openai.com answered HTTP 401 with a page that is not an OpenAI API answer. Nothing was changed: ${maskKey(old)} is still stored and works.`);
    expect(result.message).not.toMatch(NETWORK_WORDS);
  });

  it('a 200 with a `null` body once the account was made: it may have been made, so rotate looks for it and deletes it', async () => {
    const { t, old } = await createAnswered(async () => new Response('null', { status: 200, headers: { 'content-type': 'application/json' } }), true);
    const result = await outcomeOf(rotate(t.ctx, { keepOld: false, yes: true, json: false }));
    expect(result.code).toBe(EXIT.network);
    expect(result.message).toMatch(/^Creating a service account in proj_UnreadableCreate0+ failed: api\.openai\.com answered HTTP 200 with a page that is not an OpenAI API answer\. The service account openai-setup-default-\S+ was created all the same, with a key that never reached openai-setup: it was deleted again, so nothing was changed\./);
    expect(t.org.admin.serviceAccounts(PROJECT)).toEqual([]);
    expect(t.keychain.keyOf('default')).toBe(old);
  });

  it('bytes that are not HTTP once the request was sent: it may have been made, so rotate looks for it and deletes it', async () => {
    // What fetch throws for them: Node's HTTP parser's error, with its code.
    const notHttp = async (): Promise<Response> => {
      throw Object.assign(new Error('Parse Error: Expected HTTP/'), { code: 'HPE_INVALID_CONSTANT' });
    };
    const { t } = await createAnswered(notHttp, true);
    const result = await outcomeOf(rotate(t.ctx, { keepOld: false, yes: true, json: false }));
    expect(result.code).toBe(EXIT.network);
    expect(result.message).toMatch(/failed: api\.openai\.com answered with something that is not valid HTTP \(HPE_INVALID_CONSTANT\)\. The service account \S+ was created all the same, with a key that never reached openai-setup: it was deleted again/);
    expect(t.org.admin.serviceAccounts(PROJECT)).toEqual([]);
  });
});

// The one HTTP path (src/api/http.ts) against an API that misbehaves, through the built binary:
// a body that stalls, a body that never ends, a gzip bomb, a body that is not the gzip it claims, a redirect, and the User-Agent the API
// sees. Each case runs directly, through a proxy (HTTP_PROXY), and with NO_PROXY exempting the host
// while a proxy is set. Then HTTPS, as every real request is: a certificate from a CA the machine
// trusts through NODE_EXTRA_CA_CERTS, and one it does not trust, directly and through the proxy.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DoctorJsonSchema } from '../../src/commands/doctor.js';
import { VerifyJsonSchema } from '../../src/commands/verify.js';
import { makeTestEnv, REPO_ROOT, type TestEnv } from '../helpers/env.js';
import { makeKey, startOpenAIServer, type FakeOpenAI } from '../helpers/openai-server.js';
import { startProxy, type FakeProxy } from '../helpers/proxy-server.js';
import { runCli, runCommand, type RunResult } from '../helpers/run.js';

const KEY = makeKey('proj', 'http-path');
const CAP = '16 MB';
/** Peak memory allowed to a CLI that read a body up to the cap (twice: both probes run at once). */
const PEAK_RSS_LIMIT_MB = 256;

// ---------------------------------------------------------------------------------------------
// A broken API: the first path segment picks the misbehaviour, e.g. http://127.0.0.1:N/stall/v1.
// (A redirect is the local OpenAI-like server's own: startOpenAIServer({ redirect }).)

type Mode = 'stall' | 'hang' | 'endless' | 'bomb' | 'notgzip';

interface Seen {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

/** 1 GiB of zeros, gzipped (about 1 MB), made once with a streaming gzip. */
function gzipBomb(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const gzip = createGzip({ level: 9 });
    const out: Buffer[] = [];
    gzip.on('data', (chunk: Buffer) => out.push(chunk));
    gzip.on('end', () => resolve(Buffer.concat(out)));
    gzip.on('error', reject);
    const zeros = Buffer.alloc(1024 * 1024);
    let written = 0;
    const write = () => {
      while (written < 1024) {
        written++;
        if (!gzip.write(zeros)) return void gzip.once('drain', write);
      }
      gzip.end();
    };
    write();
  });
}

/** Writes JSON-looking data for as long as the client reads it, respecting backpressure. */
function streamForever(res: ServerResponse): void {
  const chunk = Buffer.from('{"id":"gpt-4o-mini","object":"model"},'.repeat(1700));
  let open = true;
  res.on('close', () => (open = false));
  const pump = () => {
    while (open) if (!res.write(chunk)) return void res.once('drain', pump);
  };
  pump();
}

function startBrokenApi(bomb: Buffer) {
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const [, mode = '', ...rest] = (req.url ?? '/').split('/');
    seen.push({ method: req.method ?? '', path: `/${rest.join('/')}`, headers: req.headers });
    req.resume(); // the chat probe's body: read and ignore
    const json = { 'content-type': 'application/json' };
    switch (mode as Mode) {
      case 'hang': // no status line, ever
        return;
      case 'stall': // headers and the start of a body, then nothing
        res.writeHead(200, json);
        res.write('{"object":"list","data":[{"id":"gpt-4o-mini",');
        return;
      case 'endless':
        res.writeHead(200, json);
        res.write('{"object":"list","data":[');
        return streamForever(res);
      case 'bomb':
        res.writeHead(200, { ...json, 'content-encoding': 'gzip', 'content-length': bomb.length });
        return void res.end(bomb);
      case 'notgzip': // says gzip, is not
        res.writeHead(200, { ...json, 'content-encoding': 'gzip' });
        return void res.end('{"object":"list","data":[]}');
      default:
        res.writeHead(404).end();
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return { server, seen, sockets };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

function close(server: Server, sockets?: Set<Socket>): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
    for (const s of sockets ?? []) s.destroy();
  });
}

// ---------------------------------------------------------------------------------------------

let api: ReturnType<typeof startBrokenApi>;
let apiPort: number;
let portal: Server;
let portalPort: number;
const portalSeen: IncomingHttpHeaders[] = [];
/** Answers models and chat with a 302 to the portal (a captive portal's sign-in). */
let redirecting: FakeOpenAI;
let openai: FakeOpenAI;
let proxy: FakeProxy;
let testEnv: TestEnv;
/** A preload that writes the process's peak RSS (KiB) to $PEAK_RSS_FILE on exit. */
let peakPreload: string;

beforeAll(async () => {
  portal = createServer((req, res) => {
    portalSeen.push(req.headers);
    res.end('<h1>Sign in to the Wi-Fi</h1>');
  });
  portalPort = await listen(portal);
  api = startBrokenApi(await gzipBomb());
  apiPort = await listen(api.server);
  redirecting = await startOpenAIServer({ redirect: { location: `http://127.0.0.1:${portalPort}/login?continue=api` } });
  openai = await startOpenAIServer({ keys: { [KEY]: 'valid' } });
  proxy = await startProxy();
  testEnv = await makeTestEnv();
  peakPreload = join(testEnv.root, 'peak-rss.cjs');
  writeFileSync(
    peakPreload,
    "process.on('exit', () => require('node:fs').writeFileSync(process.env.PEAK_RSS_FILE, String(process.resourceUsage().maxRSS)));\n",
  );
});

afterAll(async () => {
  await Promise.all([api && close(api.server, api.sockets), portal && close(portal), redirecting?.close(), openai?.close(), proxy?.close()]);
  await testEnv?.cleanup();
});

const ROUTES = {
  direct: {},
  proxy: { HTTP_PROXY: 'PROXY', NO_PROXY: '' },
  no_proxy: { HTTP_PROXY: 'PROXY', NO_PROXY: '127.0.0.1' },
} as const;
type Route = keyof typeof ROUTES;

function envFor(route: Route, extra: Record<string, string> = {}): Record<string, string> {
  const vars = Object.fromEntries(Object.entries(ROUTES[route]).map(([k, v]) => [k, v === 'PROXY' ? proxy.url : v]));
  return { ...testEnv.env, ...vars, ...extra };
}

/** The proxy saw the target exactly when the route goes through it. */
function expectRoute(route: Route, port: number): void {
  if (route === 'proxy') expect(proxy.targets).toContain(`127.0.0.1:${port}`);
  else expect(proxy.targets).toEqual([]);
}

function verifyJson(result: RunResult) {
  expect(result.timedOut).toBe(false);
  return VerifyJsonSchema.parse(JSON.parse(result.stdout));
}

/** The base URL of the broken API in `mode`, or of a local OpenAI-like server. */
const baseURLOf = (target: Mode | FakeOpenAI) => (typeof target === 'string' ? `http://127.0.0.1:${apiPort}/${target}/v1` : target.baseURL);

/** `verify --json` against the broken API in `mode` (or `target`); the whole env is scrubbed but for the route. */
function verify(target: Mode | FakeOpenAI, route: Route, flags: string[], extra: Record<string, string> = {}, timeoutMs?: number): Promise<RunResult> {
  return runCli(['verify', '--key', KEY, '--base-url', baseURLOf(target), '--json', ...flags], { env: envFor(route, extra), timeoutMs });
}

/** `doctor --json` with no key anywhere (so only its unauthenticated probe talks to the API). */
async function doctor(target: Mode | FakeOpenAI, route: Route, timeoutMs?: number) {
  const result = await runCli(['doctor', '--json'], { env: envFor(route, { OPENAI_BASE_URL: baseURLOf(target) }), timeoutMs });
  expect(result.timedOut).toBe(false);
  const parsed = DoctorJsonSchema.parse(JSON.parse(result.stdout));
  return { result, parsed, api: parsed.checks.find((c) => c.id === 'api')! };
}

/** Runs `verify` with the peak-RSS preload; returns the result and the child's peak RSS in MB. */
async function verifyMeasured(mode: Mode, route: Route): Promise<{ result: RunResult; peakMB: number }> {
  const file = join(testEnv.root, `peak-${mode}-${route}.txt`);
  // A --timeout far beyond the run: only the body cap can end it with network_error.
  const result = await verify(mode, route, ['--timeout', '20000'], { NODE_OPTIONS: `--require ${peakPreload}`, PEAK_RSS_FILE: file }, 25_000);
  return { result, peakMB: existsSync(file) ? Number(readFileSync(file, 'utf8')) / 1024 : Number.NaN };
}

beforeEach(() => {
  proxy.targets.length = 0;
  api.seen.length = 0;
});

describe.each(Object.keys(ROUTES) as Route[])('%s', (route) => {
  it('a body that stalls after the headers: verify --timeout 1000 is a timeout, exit 6, and ends', async () => {
    const result = await verify('stall', route, ['--timeout', '1000']);
    expect(result.code, result.stderr).toBe(6);
    expect(verifyJson(result)).toMatchObject({ status: 'timeout', exitCode: 6 });
    expect(result.durationMs).toBeLessThan(1000 + 4000);
    expect(api.seen.map((r) => `${r.method} ${r.path}`).sort()).toEqual(['GET /v1/models', 'POST /v1/chat/completions']);
    expectRoute(route, apiPort);
  });

  it('a body that stalls after the headers: doctor ends (its probe does not wait for the body)', async () => {
    const { result, api: check } = await doctor('stall', route);
    expect(check).toMatchObject({ status: 'ok' });
    expect(check.detail).toMatch(/answered \(HTTP 200 without a key/);
    expect(result.durationMs).toBeLessThan(10_000);
    expect(api.seen.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/models']);
    expectRoute(route, apiPort);
  });

  it.each<[string, Mode]>([
    ['a body that never ends', 'endless'],
    ['a gzip bomb (1 GiB of zeros)', 'bomb'],
  ])(`%s: network_error naming the ${CAP} cap, exit 6, memory bounded`, async (_what, mode) => {
    const { result, peakMB } = await verifyMeasured(mode, route);
    expect(result.code, result.stderr).toBe(6);
    const parsed = verifyJson(result);
    expect(parsed).toMatchObject({ status: 'network_error', reason: 'ERR_BODY_TOO_LARGE' });
    expect(parsed.message).toContain(`larger than ${CAP}`);
    expect(peakMB, `peak RSS ${Math.round(peakMB)} MB`).toBeLessThan(PEAK_RSS_LIMIT_MB);
    expectRoute(route, apiPort);
  });

  it('a body that is not the gzip it says it is: network_error naming the zlib error, exit 6', async () => {
    const result = await verify('notgzip', route, []);
    expect(result.code, result.stderr).toBe(6);
    const parsed = verifyJson(result);
    expect(parsed).toMatchObject({ status: 'network_error', reason: 'Z_DATA_ERROR' });
    const via = route === 'proxy' ? ` through the proxy ${proxy.url}` : '';
    expect(parsed.message).toBe(`127.0.0.1:${apiPort}${via} sent a compressed answer that could not be decompressed (Z_DATA_ERROR).`);
    expectRoute(route, apiPort);
  });

  it('a redirect: network_error naming its target, which gets no request (and so no key)', async () => {
    portalSeen.length = 0;
    const before = redirecting.requests.length;
    const result = await verify(redirecting, route, []);
    expect(result.code, result.stderr).toBe(6);
    const parsed = verifyJson(result);
    expect(parsed).toMatchObject({ status: 'network_error', reason: 'http_302' });
    expect(parsed.message).toContain(`redirect (HTTP 302) to 127.0.0.1:${portalPort}`);
    expect(parsed.message).toContain('the key was not sent there');
    expect(redirecting.requests.slice(before).map((r) => `${r.path} ${r.key === KEY}`).sort()).toEqual(['/v1/chat/completions true', '/v1/models true']);
    expect(portalSeen).toEqual([]);
    expect(proxy.targets).not.toContain(`127.0.0.1:${portalPort}`);
    expectRoute(route, redirecting.port);

    // doctor's unauthenticated probe takes the same path: the redirect is named as one, with where
    // it pointed, and not followed; the fix names OPENAI_BASE_URL, as doctor has no --base-url.
    const { api: check } = await doctor(redirecting, route);
    expect(check).toMatchObject({ status: 'warn' });
    expect(check.detail).toContain(`answered with a redirect (HTTP 302) to 127.0.0.1:${portalPort} instead of an API answer`);
    expect(check.fix).toContain('the OPENAI_BASE_URL.');
    expect(portalSeen).toEqual([]);
  });

  it("the API sees the SDK's own User-Agent, OpenAI/JS <version>, from verify and doctor's probe alike", async () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules/openai/package.json'), 'utf8')) as { version: string };
    const before = openai.requestsFor(KEY).length;
    const result = await runCli(['verify', '--key', KEY, '--base-url', openai.baseURL, '--json'], { env: envFor(route) });
    expect(result.code, result.stderr).toBe(0);
    const sent = openai.requestsFor(KEY).slice(before);
    expect(sent.map((r) => r.path).sort()).toEqual(['/v1/chat/completions', '/v1/models']);
    for (const request of sent) expect(request.headers['user-agent']).toBe(`OpenAI/JS ${version}`);
    expectRoute(route, openai.port);

    // doctor with no key: its probe is the only request, sent without one.
    const probes = openai.requests.length;
    const ran = await runCli(['doctor', '--json'], { env: envFor(route, { OPENAI_BASE_URL: openai.baseURL }) });
    expect(ran.timedOut).toBe(false);
    const probe = openai.requests.slice(probes);
    expect(probe.map((r) => `${r.method} ${r.path} ${r.key}`)).toEqual(['GET /v1/models null']);
    expect(probe[0]!.headers['user-agent']).toBe(`OpenAI/JS ${version}`);
  });
});

/** A CA and a certificate it signed for 127.0.0.1 and localhost, made with openssl in `dir`. */
function makeCertificates(dir: string): { caFile: string; key: string; cert: string } {
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=openai-setup test CA');
  openssl('req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=localhost');
  writeFileSync(file('san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('server.pem'), '-days', '2', '-extfile', file('san.cnf'));
  return { caFile: file('ca.pem'), key: readFileSync(file('server.key'), 'utf8'), cert: readFileSync(file('server.pem'), 'utf8') };
}

describe('HTTPS, as the real API', () => {
  let tlsApi: FakeOpenAI;
  let caFile: string;
  beforeAll(async () => {
    const certificates = makeCertificates(testEnv.root);
    caFile = certificates.caFile;
    tlsApi = await startOpenAIServer({ keys: { [KEY]: 'valid' }, tls: certificates });
  });
  afterAll(() => tlsApi?.close());

  it.each(['direct', 'proxy'] as const)('%s: a certificate from a CA in NODE_EXTRA_CA_CERTS is trusted, and the check is valid', async (route) => {
    expect(tlsApi.baseURL).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v1$/);
    const result = await runCli(['verify', '--key', KEY, '--base-url', tlsApi.baseURL, '--json'], { env: envFor(route, { NODE_EXTRA_CA_CERTS: caFile }) });
    expect(result.code, result.stderr).toBe(0);
    expect(verifyJson(result)).toMatchObject({ status: 'valid' });
    expect(tlsApi.requestsFor(KEY).map((r) => r.path)).toEqual(expect.arrayContaining(['/v1/models', '/v1/chat/completions']));
    expectRoute(route, tlsApi.port);
  });

  it.each(['direct', 'proxy'] as const)('%s: a certificate nobody vouches for is a TLS problem that names NODE_EXTRA_CA_CERTS, exit 6, and the key is never sent', async (route) => {
    const before = tlsApi.requests.length;
    const result = await runCli(['verify', '--key', KEY, '--base-url', tlsApi.baseURL, '--json'], { env: envFor(route) });
    expect(result.code, result.stderr).toBe(6);
    const json = verifyJson(result);
    expect(json.status).toBe('network_error');
    const via = route === 'proxy' ? ` through the proxy ${proxy.url.replace(/[.]/g, '\\.')}` : '';
    expect(json.message).toMatch(new RegExp(`^TLS certificate problem talking to 127\\.0\\.0\\.1:${tlsApi.port}${via} \\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\\)\\.$`));
    expect(json.fix).toMatch(/NODE_EXTRA_CA_CERTS/);
    expect(tlsApi.requests.length).toBe(before);
    expectRoute(route, tlsApi.port);

    // doctor's probe reads the code by the same list, and gives the same advice.
    const { api: check } = await doctor(tlsApi, route);
    expect(check).toMatchObject({ status: 'fail', fix: json.fix });
    expect(check.detail).toContain('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(tlsApi.requests.length).toBe(before);
  });
});

/**
 * A certificate for 127.0.0.1 signed by the CA of makeCertificates (in `dir`), valid only between
 * `start` and `end` (openssl's YYYYMMDDHHMMSSZ): `openssl ca` sets both dates, which `x509 -days` cannot put in the past.
 */
function datedCertificate(dir: string, name: string, start: string, end: string): string {
  const file = (f: string) => join(dir, f);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const db = file(`${name}-db`);
  mkdirSync(db, { recursive: true });
  writeFileSync(join(db, 'index.txt'), '');
  writeFileSync(join(db, 'serial'), '01\n');
  const config = [
    '[ca]', 'default_ca = d', '[d]', `database = ${db}/index.txt`, `serial = ${db}/serial`, `new_certs_dir = ${db}`, 'default_md = sha256',
    'policy = p', 'unique_subject = no', 'x509_extensions = ext', '[p]', 'commonName = supplied', '[ext]', 'subjectAltName = IP:127.0.0.1,DNS:localhost',
  ].join('\n');
  writeFileSync(file(`${name}.cnf`), `${config}\n`);
  openssl('ca', '-batch', '-config', file(`${name}.cnf`), '-cert', file('ca.pem'), '-keyfile', file('ca.key'), '-in', file('server.csr'), '-out', file(`${name}.pem`), '-startdate', start, '-enddate', end, '-notext');
  return readFileSync(file(`${name}.pem`), 'utf8');
}

describe('HTTPS answered wrongly: a certificate out of its dates, plain HTTP at an https:// URL', () => {
  let expiredApi: FakeOpenAI;
  let caFile: string;
  beforeAll(async () => {
    const dir = join(testEnv.root, 'dated');
    mkdirSync(dir, { recursive: true });
    const certificates = makeCertificates(dir);
    caFile = certificates.caFile;
    expiredApi = await startOpenAIServer({ keys: { [KEY]: 'valid' }, tls: { key: certificates.key, cert: datedCertificate(dir, 'expired', '20200101000000Z', '20200102000000Z') } });
  });
  afterAll(() => expiredApi?.close());

  it('an expired certificate, its CA in NODE_EXTRA_CA_CERTS: the clock or the certificate, with the time the machine has, not NODE_EXTRA_CA_CERTS', async () => {
    const result = await runCli(['verify', '--key', KEY, '--base-url', expiredApi.baseURL, '--json'], { env: envFor('direct', { NODE_EXTRA_CA_CERTS: caFile }) });
    expect(result.code, result.stderr).toBe(6);
    const json = verifyJson(result);
    expect(json.message).toMatch(new RegExp(`^The TLS certificate of 127\\.0\\.0\\.1:${expiredApi.port} has expired, by this machine's clock \\(CERT_HAS_EXPIRED\\)\\.$`));
    expect(json.fix).toMatch(/^Check this machine's date and time \(the machine's clock says \d{4}-\d\d-\d\d \d\d:\d\d UTC[+-]\d\d:\d\d\); if they are right, the server's certificate has expired/);
    expect(json.fix).not.toMatch(/NODE_EXTRA_CA_CERTS/);

    const ran = await runCli(['doctor', '--json'], { env: envFor('direct', { OPENAI_BASE_URL: expiredApi.baseURL, NODE_EXTRA_CA_CERTS: caFile }) });
    const api = DoctorJsonSchema.parse(JSON.parse(ran.stdout)).checks.find((c) => c.id === 'api')!;
    expect(api).toMatchObject({ status: 'fail' });
    expect(api.detail).toMatch(/has expired, by this machine's clock \(CERT_HAS_EXPIRED\)$/);
    expect(api.fix).toMatch(/^Check this machine's date and time \(the machine's clock says \d{4}-/);
  });

  it.each(['direct', 'proxy'] as const)('%s: an https:// base URL to a plain-HTTP server: it does not speak TLS, and its http:// form is named (it works as printed)', async (route) => {
    const plain = openai.baseURL.replace(/^http:/, 'https:');
    const result = await runCli(['verify', '--key', KEY, '--base-url', plain, '--json'], { env: envFor(route) });
    expect(result.code, result.stderr).toBe(6);
    const json = verifyJson(result);
    expect(json.message).toMatch(/did not answer in TLS \(https:\/\/\) there \((EPROTO|ERR_SSL_WRONG_VERSION_NUMBER)\): a (plain-HTTP server answers so, or a port that is not a web server's|proxy that speaks only plain HTTP answers so)\.$/);
    const suggested = /its http:\/\/ form: (\S+)$/.exec(json.fix ?? '')?.[1];
    expect(suggested, json.fix ?? '').toBe(openai.baseURL);
  });
});

describe('doctor, once (it takes its full 10 s)', () => {
  it('against a server that never sends its headers, through a proxy, doctor ends after its 10 s probe, and its advice works as printed', async () => {
    const env = envFor('proxy', { OPENAI_BASE_URL: `http://127.0.0.1:${apiPort}/hang/v1`, OPENAI_API_KEY: KEY });
    const result = await runCli(['doctor', '--json'], { env, timeoutMs: 20_000 });
    expect(result.timedOut).toBe(false);
    const check = DoctorJsonSchema.parse(JSON.parse(result.stdout)).checks.find((c) => c.id === 'api')!;
    expect(check).toMatchObject({ status: 'fail' });
    // In verify's words.
    expect(check.detail).toMatch(/^No answer from 127\.0\.0\.1:\d+ within 10000 ms$/);
    expect(result.durationMs).toBeLessThan(12_000);
    // The proxy is what to check (not "set HTTPS_PROXY"), and the live check with more time is a
    // command doctor names rather than a --timeout it does not take.
    const command = /^Check that the proxy (\S+) can reach 127\.0\.0\.1:\d+, or give it more time: `(.+ verify --timeout 60000)`\.$/.exec(check.fix ?? '');
    expect(command, check.fix ?? '').not.toBeNull();
    expect(command![1]).toBe(proxy.url);

    // Typed as printed, where the API answers (the same command against the hanging one would wait
    // its 60 s): commander takes it, and it checks the same key with that timeout.
    const before = openai.requestsFor(KEY).length;
    const ran = await runCommand('bash', ['-c', command![2]!], { env: { ...env, OPENAI_BASE_URL: openai.baseURL } });
    expect(ran.stderr).not.toMatch(/unknown option|error:/);
    expect(ran.code, ran.stdout + ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/The key works and can spend/);
    expect(openai.requestsFor(KEY).length).toBe(before + 2);
  }, 30_000);
});

// A signal that ends a --json run outside a question (during a request) still prints its one
// document on stdout, once leaving has settled what it waits for: `reason` `cancelled`, the
// signal's exit code, and what the run did (rotate: the new key stored, the old one revoked or
// its revocation asked for but not answered). The requests are held by a proxy, so that the
// signal always lands while one is under way.
import { spawn } from 'node:child_process';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { maskKey } from '../../src/keys/format.js';
import { CLI, type TestEnv } from '../helpers/env.js';
import { makeKey } from '../helpers/openai-server.js';
import { runCli } from '../helpers/run.js';
import { useServerAndKeyring } from '../helpers/server-and-keyring.js';

const { server, keyring, machine } = useServerAndKeyring();

const ADMIN = makeKey('admin', 'cancel-json-admin');
const PROJECT = 'proj_E2eCancelJson0000000000';

/** A request the holding proxy keeps until the test lets it go. */
interface Hold {
  arrived: Promise<void>;
  release(): void;
}

/** A reverse proxy in front of `origin`: each request sent on at once unless a hold matches it (each hold is for one request). */
async function holdingProxy(origin: string) {
  const holds: Array<{ match: RegExp; arrived: () => void; released: Promise<void> }> = [];
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const upstream = request(new URL(req.url!, origin), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  };
  const proxy = createServer((req, res) => {
    const at = holds.findIndex((h) => h.match.test(`${req.method} ${req.url}`));
    if (at < 0) return forward(req, res);
    const [hold] = holds.splice(at, 1);
    hold!.arrived();
    void hold!.released.then(() => forward(req, res));
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    baseURL: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/v1`,
    hold(match: RegExp): Hold {
      let arrived!: () => void;
      let release!: () => void;
      const hold = { arrived: new Promise<void>((resolve) => (arrived = resolve)), release: () => release() };
      holds.push({ match, arrived, released: new Promise<void>((resolve) => (release = resolve)) });
      return hold;
    },
    close: () => {
      proxy.closeAllConnections();
      return new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}

let proxies: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const proxy of proxies.splice(0)) await proxy.close();
});

async function proxied(t: TestEnv) {
  const proxy = await holdingProxy(server().origin);
  proxies.push(proxy);
  t.env.OPENAI_BASE_URL = proxy.baseURL;
  return proxy;
}

/** The CLI on pipes (stdout a pipe, as a CI job's), with its pid and what it has said on stderr so far. */
function start(t: TestEnv, args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], { env: t.env, cwd: t.home, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { signal: (name: NodeJS.Signals) => process.kill(child.pid!, name), stderr: () => stderr, exited };
}

/** Once `condition` holds (looked at every 20 ms; the test's timeout is the only limit). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** stdout as one JSON document (and nothing else). */
function oneDocument(stdout: string): Record<string, any> {
  expect(stdout.endsWith('}\n'), stdout).toBe(true);
  return JSON.parse(stdout);
}

beforeAll(() => {
  server().admin.addAdminKey(ADMIN);
  server().admin.addProject({ id: PROJECT, name: 'cancel-json' });
});

describe('rotate --json, a signal while the old key is being revoked', () => {
  async function rotating(profile: string) {
    const t = await machine({ OPENAI_ADMIN_KEY: ADMIN });
    const old = makeKey('proj', `cancel-json-${profile}-old`);
    server().addKey(old, { scenario: 'valid', project: PROJECT });
    expect((await runCli(['key', '--stdin', '--profile', profile], { env: t.env, input: old })).code).toBe(0);
    const proxy = await proxied(t);
    const revoke = proxy.hold(new RegExp(`^DELETE /v1/organization/projects/${PROJECT}/api_keys/`));
    const run = start(t, ['rotate', '--yes', '--profile', profile, '--json']);
    await revoke.arrived;
    return { t, old, revoke, run };
  }

  it('SIGTERM, the revocation then answered: exit 143 and one document saying the new key is stored and the old one revoked', async () => {
    const { old, revoke, run } = await rotating('c1');
    run.signal('SIGTERM');
    await until(() => /Waiting for the answer to the revocation/.test(run.stderr()));
    revoke.release();
    const { code, stdout, stderr } = await run.exited;
    expect(code, stderr).toBe(143);
    const doc = oneDocument(stdout);
    const stored = await keyring().lookup('openai-setup', 'c1');
    expect(stored).not.toBe(old);
    expect(doc).toMatchObject({
      ok: false,
      exitCode: 143,
      reason: 'cancelled',
      profile: 'c1',
      project: PROJECT,
      new: { hint: maskKey(stored!), storage: 'keychain' },
      old: { hint: maskKey(old), outcome: 'key_deleted', page: null },
    });
    expect(doc.message).toBe(`Cancelled (SIGTERM). ${maskKey(stored!)} is stored for profile "c1" in place of ${maskKey(old)}, which was revoked.`);
    expect(server().admin.isLive(old)).toBe(false);
    // Keys masked: neither key whole anywhere on stdout.
    expect(stdout).not.toContain(old);
    expect(stdout).not.toContain(stored!);
  });

  it('Ctrl-C, then again before the answer: exit 130 and one document saying the new key is stored and the revocation was asked for but not answered', async () => {
    const { old, revoke, run } = await rotating('c2');
    run.signal('SIGINT');
    await until(() => /Waiting for the answer to the revocation/.test(run.stderr()));
    run.signal('SIGINT');
    const { code, stdout, stderr } = await run.exited;
    revoke.release();
    expect(code, stderr).toBe(130);
    const doc = oneDocument(stdout);
    const stored = await keyring().lookup('openai-setup', 'c2');
    expect(stored).not.toBe(old);
    expect(doc).toMatchObject({
      ok: false,
      exitCode: 130,
      reason: 'cancelled',
      profile: 'c2',
      new: { hint: maskKey(stored!), storage: 'keychain' },
      old: { hint: maskKey(old), outcome: 'unanswered' },
    });
    expect(doc.old.page).toMatch(/^https:\/\//);
    expect(doc.message).toMatch(/^Cancelled\. .*whose revocation was asked for but not answered/);
    expect(stdout).not.toContain(old);
    expect(stdout).not.toContain(ADMIN);
  });
});

describe('spend --json, a signal while the costs are being read', () => {
  it('Ctrl-C: exit 130 and one document with reason cancelled', async () => {
    const t = await machine({ OPENAI_ADMIN_KEY: ADMIN });
    const proxy = await proxied(t);
    const costs = proxy.hold(/^GET \/v1\/organization\/costs/);
    const run = start(t, ['spend', '--json']);
    await costs.arrived;
    run.signal('SIGINT');
    const { code, stdout, stderr } = await run.exited;
    costs.release();
    expect(code, stderr).toBe(130);
    expect(oneDocument(stdout)).toMatchObject({ ok: false, exitCode: 130, reason: 'cancelled', message: 'Cancelled.', fix: null, profile: 'default' });
  });
});

describe('verify --json, a signal while the key is being checked', () => {
  it('Ctrl-C: exit 130 and one document with status cancelled and the key checked, masked', async () => {
    const key = makeKey('proj', 'cancel-json-verify');
    server().addKey(key, 'valid');
    const t = await machine({ OPENAI_API_KEY: key });
    const proxy = await proxied(t);
    const chat = proxy.hold(/^POST \/v1\/chat\/completions/);
    const run = start(t, ['verify', '--json']);
    await chat.arrived;
    run.signal('SIGINT');
    const { code, stdout, stderr } = await run.exited;
    chat.release();
    expect(code, stderr).toBe(130);
    expect(oneDocument(stdout)).toMatchObject({
      ok: false,
      status: 'cancelled',
      exitCode: 130,
      reason: 'cancelled',
      key: { source: 'env', hint: maskKey(key), kind: 'project' },
      baseURL: proxy.baseURL,
      message: 'Cancelled.',
    });
    // The time the check took until the cancel: it was under way (the request held), not 0.
    expect(oneDocument(stdout).latencyMs).toBeGreaterThan(0);
    expect(stdout).not.toContain(key);
  });
});

describe('doctor --json, a signal during the live check', () => {
  it('SIGTERM: exit 143 and one document with the checks done so far, then the rest said not run', async () => {
    const key = makeKey('proj', 'cancel-json-doctor');
    server().addKey(key, 'valid');
    const t = await machine({ OPENAI_API_KEY: key });
    const proxy = await proxied(t);
    const chat = proxy.hold(/^POST \/v1\/chat\/completions/);
    const run = start(t, ['doctor', '--json']);
    await chat.arrived;
    run.signal('SIGTERM');
    const { code, stdout, stderr } = await run.exited;
    chat.release();
    expect(code, stderr).toBe(143);
    const doc = oneDocument(stdout);
    expect(doc).toMatchObject({ ok: false, exitCode: 143, reason: 'cancelled', profile: 'default', verify: null });
    const ids = doc.checks.map((c: { id: string }) => c.id);
    expect(ids.slice(0, 1)).toEqual(['node']);
    expect(ids.slice(-2)).toEqual(['api', 'not-run']);
    expect(doc.checks.find((c: { id: string }) => c.id === 'OPENAI_API_KEY')).toMatchObject({ status: 'ok', detail: maskKey(key) });
    expect(doc.checks.at(-1)).toMatchObject({ title: 'Not run', status: 'skip', detail: 'the checks after these were not run (or not to their end): doctor was cancelled', fix: null });
    expect(stdout).not.toContain(key);
  });
});

describe('doctor (text), a signal during the live check of an OPENAI_API_KEY other than the stored key', () => {
  it('SIGTERM: exit 143, and the rows that waited for the check (OPENAI_API_KEY, API reachable) were printed', async () => {
    const stored = makeKey('proj', 'cancel-text-doctor-stored');
    const variable = makeKey('proj', 'cancel-text-doctor-env');
    server().addKey(stored, 'valid');
    server().addKey(variable, 'valid');
    const t = await machine();
    expect((await runCli(['key', '--stdin', '--no-verify'], { env: t.env, input: stored })).code).toBe(0);
    t.env.OPENAI_API_KEY = variable;
    const proxy = await proxied(t);
    const chat = proxy.hold(/^POST \/v1\/chat\/completions/);
    const run = start(t, ['doctor']);
    await chat.arrived;
    run.signal('SIGTERM');
    const { code, stdout, stderr } = await run.exited;
    chat.release();
    expect(code, stderr).toBe(143);
    expect(stdout).toMatch(/Stored key[^\n]*\n(?:.*\n)*.*OPENAI_API_KEY.*\n(?:.*\n)*.*API reachable/);
    expect(stdout).not.toContain(variable);
    expect(stdout).not.toContain(stored);
  });
});

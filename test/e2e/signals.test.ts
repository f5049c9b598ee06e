// Ctrl-C and SIGTERM through the built binary, at the worst moment: while a key is being changed
// (the keychain written, its record in state.json not yet), and while rotate has made a new
// service account that nothing records yet. The keychain's write runs in a helper process of its
// own (storage/keychain.ts): the test stops that process as it starts, sends the signal, and lets
// it go on, so the signal always lands inside the key change. Afterwards the keychain (or the key
// file) and state.json must agree, no temp file may be left, and rotate's new account is gone.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, utimesSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { maskKey } from '../../src/keys/format.js';
import { projectPageUrl } from '../../src/platform.js';
import { CLI, type TestEnv } from '../helpers/env.js';
import { makeKey } from '../helpers/openai-server.js';
import { runCli } from '../helpers/run.js';
import { useServerAndKeyring } from '../helpers/server-and-keyring.js';

const { server, keyring, machine, spawnCli } = useServerAndKeyring();

/** What a signal says when the key change it waits for takes more than half a second. */
const waiting = (profile: string, again: string) => `Waiting for the key change of profile "${profile}" to finish (${again} to leave at once)…\n`;
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const stateOf = (t: TestEnv) => JSON.parse(readFileSync(join(t.configDir, 'state.json'), 'utf8'));
const tempFiles = (t: TestEnv) => (existsSync(t.configDir) ? readdirSync(t.configDir).filter((name) => name.endsWith('.tmp')) : []);

/** Processes whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return children;
}

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));

/**
 * Wait for the second keychain helper the run starts while it holds state.json's lock: in a key
 * change the first reads what is stored, the second writes or removes the key. Each helper is
 * stopped as soon as it is seen (long before it reaches the keyring) and let go at once, but
 * that one only after `signal()`. Returns its pid.
 */
/** Signal `pid`; false when it has already exited (a helper may finish between the listing and the signal). */
function signalIfAlive(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

async function signalDuringKeychainWrite(pid: number, t: TestEnv, signal: () => void): Promise<number> {
  const lock = join(t.configDir, 'state.json.lock');
  const seen = new Set<number>();
  let underLock = 0;
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && alive(pid)) {
    for (const child of childrenOf(pid)) {
      if (seen.has(child)) continue;
      seen.add(child);
      // One already gone did its work unseen: counted if it ran under the lock (the read before the
      // write), but not the one to catch.
      if (!signalIfAlive(child, 'SIGSTOP')) {
        if (existsSync(lock)) underLock++;
        continue;
      }
      if (existsSync(lock) && ++underLock >= 2) {
        signal();
        signalIfAlive(child, 'SIGCONT');
        return child;
      }
      signalIfAlive(child, 'SIGCONT');
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(`the run ended (or took too long) before its keychain write (${seen.size} helpers seen)`);
}

/** The helper, let go, finishes its write even when the run is gone: wait for it before looking. */
async function gone(pid: number): Promise<void> {
  for (const deadline = Date.now() + 10_000; alive(pid) && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** A request the holding proxy keeps until the test lets it go. */
interface Hold {
  /** Resolves as it reaches the proxy. */
  arrived: Promise<void>;
  /** Send it on to the server. */
  release(): void;
}

/**
 * A reverse proxy in front of `origin`: every request seen (`METHOD /path`, in order), each sent on
 * at once unless a hold matches it (each hold is for one request).
 */
async function holdingProxy(origin: string) {
  const seen: string[] = [];
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
    const line = `${req.method} ${req.url}`;
    seen.push(line);
    const at = holds.findIndex((h) => h.match.test(line));
    if (at < 0) return forward(req, res);
    const [hold] = holds.splice(at, 1);
    hold!.arrived();
    void hold!.released.then(() => forward(req, res));
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    baseURL: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/v1`,
    seen,
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

/** The CLI on pipes, with its pid. */
function start(t: TestEnv, args: string[], input = '') {
  const child = spawn(process.execPath, [CLI, ...args], { env: t.env, cwd: t.home, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.on('error', () => {});
  child.stdin.end(input);
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { pid: child.pid!, exited };
}

describe('a signal while a key is being changed: the keychain and state.json agree, no temp file is left', () => {
  it('SIGTERM while `key --stdin` writes the keychain: exit 143, saying what it came to (stored, and what it replaced); the new key stored and recorded', async () => {
    const t = await machine();
    const [k0, k1] = [makeKey('proj', 'signals-k0'), makeKey('proj', 'signals-k1')];
    expect((await runCli(['key', '--stdin', '--no-verify', '--profile', 'tr'], { env: t.env, input: k0 })).code).toBe(0);

    const run = start(t, ['key', '--stdin', '--no-verify', '--profile', 'tr'], `${k1}\n`);
    const writer = await signalDuringKeychainWrite(run.pid, t, () => process.kill(run.pid, 'SIGTERM'));
    const result = await run.exited;
    await gone(writer);
    expect(result.code).toBe(143);
    // As a finished run says it (on a slow machine, after saying that it waits for the key change to finish).
    const said = result.stderr.replace(waiting('tr', 'send SIGTERM again'), '').split('\n');
    expect(said[0]).toMatch(new RegExp(`^✔ Stored ${escaped(maskKey(k1))} in the .* \\(service "openai-setup", account "tr"\\)\\.$`));
    expect(said[1]).toContain(`This replaces ${maskKey(k0)} for profile "tr".`);
    const stored = await keyring().lookup('openai-setup', 'tr');
    expect(stored).toBe(k1);
    expect(stateOf(t).profiles.tr.key).toMatchObject({ storage: 'keychain', hint: maskKey(k1) });
    expect(tempFiles(t)).toEqual([]);
  });

  it('kill -INT while `key --stdin` stores the key it checked: exit 130; "Stored", the key it replaced and that it still works are said, and the check recorded (status shows) is the new key\'s', async () => {
    const t = await machine();
    const [k0, k1] = [makeKey('proj', 'signals-checked-k0'), makeKey('proj', 'signals-checked-k1')];
    server().addKey(k0, 'valid');
    server().addKey(k1, 'valid');
    expect((await runCli(['key', '--stdin', '--profile', 'ck'], { env: t.env, input: k0 })).code).toBe(0);

    const run = start(t, ['key', '--stdin', '--profile', 'ck'], `${k1}\n`);
    const writer = await signalDuringKeychainWrite(run.pid, t, () => process.kill(run.pid, 'SIGINT'));
    const result = await run.exited;
    await gone(writer);
    expect(result.code).toBe(130);
    expect(result.stdout).toContain('The key works');
    // After the check's own lines (where the key is sent: the test server).
    const stderr = result.stderr.replace(waiting('ck', 'press Ctrl-C again'), '');
    const said = stderr.slice(stderr.indexOf('Cancelled.\n')).trim().split('\n');
    expect(said[0]).toBe('Cancelled.');
    expect(said).toHaveLength(3);
    expect(said[1]).toMatch(new RegExp(`^✔ Stored ${escaped(maskKey(k1))} in the `));
    expect(said[2]).toMatch(new RegExp(`^! This replaces ${escaped(maskKey(k0))} for profile "ck"\\. .*revoke`));
    expect(await keyring().lookup('openai-setup', 'ck')).toBe(k1);
    expect(stateOf(t).profiles.ck).toMatchObject({ key: { hint: maskKey(k1) }, lastVerify: { keyHint: maskKey(k1) } });
    const status = await runCli(['status', '--profile', 'ck'], { env: t.env });
    expect(status.stdout + status.stderr).toContain(maskKey(k1));
    expect(status.stdout + status.stderr).not.toContain(maskKey(k0));
  });

  it('SIGTERM while `admin-key --stdin` stores the admin key it checked: exit 143; "Stored", and the admin key it replaced said as working until revoked', async () => {
    const t = await machine();
    const [a0, a1] = [makeKey('admin', 'signals-admin-a0'), makeKey('admin', 'signals-admin-a1')];
    server().admin.addAdminKey(a0);
    server().admin.addAdminKey(a1);
    expect((await runCli(['admin-key', '--stdin', '--profile', 'ak'], { env: t.env, input: a0 })).code).toBe(0);

    const run = start(t, ['admin-key', '--stdin', '--profile', 'ak'], `${a1}\n`);
    const writer = await signalDuringKeychainWrite(run.pid, t, () => process.kill(run.pid, 'SIGTERM'));
    const result = await run.exited;
    await gone(writer);
    expect(result.code).toBe(143);
    const said = result.stderr.replace(`Waiting for the admin key change of profile "ak" to finish (send SIGTERM again to leave at once)…\n`, '').trim().split('\n')
      // Said before the check: where the key is sent (the test server).
      .filter((line) => !line.startsWith('! The admin key is sent to 127.0.0.1:'));
    expect(said, result.stderr).toHaveLength(2);
    expect(said[0]).toMatch(new RegExp(`^✔ Stored the admin key ${escaped(maskKey(a1))} in the .* \\(service "openai-setup", account "ak:admin"\\)\\.$`));
    expect(said[1]).toMatch(new RegExp(`^! This replaces the admin key ${escaped(maskKey(a0))} of profile "ak"\\. That key still works until you revoke it`));
    expect(await keyring().lookup('openai-setup', 'ak:admin')).toBe(a1);
    expect(stateOf(t).profiles.ak.adminKey).toMatchObject({ hint: maskKey(a1) });
  });

  it('kill -INT while `logout --yes` removes the key: exit 130, "Cancelled."; the key removed and forgotten', async () => {
    const t = await machine();
    const k0 = makeKey('proj', 'signals-logout');
    expect((await runCli(['key', '--stdin', '--no-verify', '--profile', 'lo'], { env: t.env, input: k0 })).code).toBe(0);

    const run = start(t, ['logout', '--yes', '--profile', 'lo']);
    const remover = await signalDuringKeychainWrite(run.pid, t, () => process.kill(run.pid, 'SIGINT'));
    const result = await run.exited;
    await gone(remover);
    expect(result.code).toBe(130);
    expect(result.stderr.replace(waiting('lo', 'press Ctrl-C again'), '').trim()).toBe('Cancelled.');
    expect(await keyring().lookup('openai-setup', 'lo')).toBeNull();
    expect(stateOf(t).profiles.lo?.key).toBeUndefined();
    expect(tempFiles(t)).toEqual([]);
    const status = await runCli(['status', '--profile', 'lo'], { env: t.env });
    expect(status.stdout + status.stderr).not.toContain(maskKey(k0));
  });

  it('Ctrl-C in a terminal while `key --insecure-storage` stores a pasted key: exit 130; credentials.json and state.json both name the new key', async () => {
    const t = await machine();
    const [k0, k1] = [makeKey('proj', 'signals-file-k0'), makeKey('proj', 'signals-file-k1')];
    expect((await runCli(['key', '--stdin', '--no-verify', '--insecure-storage', '--profile', 'ins'], { env: t.env, input: k0 })).code).toBe(0);

    const session = spawnCli(['key', '--no-verify', '--insecure-storage', '--profile', 'ins'], { env: t.env });
    await session.waitFor(/Paste/i);
    const pty = session;
    const typed = signalDuringKeychainWrite(pty.pid, t, () => pty.press('ctrl-c'));
    pty.type(`${k1}\r`);
    const helper = await typed;
    const { exitCode } = await pty.exited;
    await gone(helper);
    expect(exitCode, pty.output()).toBe(130);
    expect(pty.output()).toContain('Cancelled.');
    const file = JSON.parse(readFileSync(join(t.configDir, 'credentials.json'), 'utf8'));
    expect(stateOf(t).profiles.ins.key).toMatchObject({ storage: 'file', hint: maskKey(file.keys.ins) });
    expect(tempFiles(t)).toEqual([]);
  });
});

describe('a signal while a key change waits for its turn at the keychain behind another run', () => {
  it('kill -INT while `key --stdin` waits (another run holds keychain.lock): exit 130 at once, "nothing was changed", and nothing was: the old key stored and recorded, no mark of a change under way', async () => {
    const t = await machine();
    const [k0, k1] = [makeKey('proj', 'signals-turn-k0'), makeKey('proj', 'signals-turn-k1')];
    expect((await runCli(['key', '--stdin', '--no-verify', '--profile', 'tw'], { env: t.env, input: k0 })).code).toBe(0);

    const run = start(t, ['key', '--stdin', '--no-verify', '--profile', 'tw'], `${k1}\n`);
    const stateLock = join(t.configDir, 'state.json.lock');
    const turn = join(t.configDir, 'keychain.lock');
    let held = false;
    // Another run's turn, kept fresh as a live run keeps it.
    const fresh = setInterval(() => held && utimesSync(turn, new Date(), new Date()), 500);
    try {
      // The key change has begun (state.json's lock held, a keychain helper started under it):
      // another run takes the turn (once this run's read, if it has the turn, lets it go).
      for (const deadline = Date.now() + 15_000; !held && Date.now() < deadline && alive(run.pid); await new Promise((resolve) => setTimeout(resolve, 1))) {
        if (!existsSync(stateLock) || childrenOf(run.pid).length === 0) continue;
        try {
          mkdirSync(turn);
          held = true;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        }
      }
      expect(held, 'the turn taken while the key change was under way').toBe(true);
      process.kill(run.pid, 'SIGINT');
      const result = await run.exited;
      expect(result.code).toBe(130);
      // On a slow machine, that it waits for the key change (until the wait for the turn is given up).
      expect(result.stderr.replace(waiting('tw', 'press Ctrl-C again'), '').trim()).toBe('Cancelled.\nNothing was changed: the key change of profile "tw" had not begun.');
    } finally {
      clearInterval(fresh);
      if (held) rmdirSync(turn);
    }
    expect(await keyring().lookup('openai-setup', 'tw')).toBe(k0);
    expect(stateOf(t).profiles.tw.key).toMatchObject({ storage: 'keychain', hint: maskKey(k0) });
    expect(stateOf(t).profiles.tw.keyChangeStartedAt).toBeUndefined();
    expect(tempFiles(t)).toEqual([]);
  });
});

describe('Ctrl-C while rotate has a new service account that nothing records yet', () => {
  const ADMIN = makeKey('admin', 'signals-admin');
  const PROJECT = 'proj_E2eSignals000000000000';
  beforeAll(() => {
    server().admin.addAdminKey(ADMIN);
    server().admin.addProject({ id: PROJECT, name: 'signals' });
  });

  it('deletes it again (exit 130), saying so in one line; the old key is still stored and works at the server', async () => {
    const t = await machine({ OPENAI_ADMIN_KEY: ADMIN });
    const old = makeKey('proj', 'signals-rotate-old');
    server().addKey(old, { scenario: 'valid', project: PROJECT });
    expect((await runCli(['key', '--stdin', '--profile', 'r3'], { env: t.env, input: old })).code).toBe(0);
    const accounts = server().admin.serviceAccounts(PROJECT).length;
    // The new key's check never answers: Ctrl-C comes while it is under way.
    server().admin.toggles.newServiceAccountKey = 'hang';
    try {
      const session = spawnCli(['rotate', '--profile', 'r3', '--yes'], { env: t.env });
      await session.waitFor(/✔ Created the service account (openai-setup-r3-\S+) and its key/);
      const name = /Created the service account (\S+) and its key/.exec(session.output())![1]!;
      session.press('ctrl-c');
      expect((await session.exited).exitCode).toBe(130);
      const after = session.output().slice(session.cursor()).replace(/\s+/g, ' ');
      expect(after).toContain(`Cancelled. Deleting the new service account ${name} again (press Ctrl-C again to leave it as it is)… ✔ The new service account ${name} was deleted again; ${maskKey(old)} is still stored and works at ${new URL(t.env.OPENAI_BASE_URL!).host}.`);
      expect(server().admin.serviceAccounts(PROJECT)).toHaveLength(accounts);
    } finally {
      server().admin.toggles.newServiceAccountKey = 'valid';
    }
    expect(await keyring().lookup('openai-setup', 'r3')).toBe(old);
    expect(server().admin.isLive(old)).toBe(true);
    expect(stateOf(t).profiles.r3.rotation).toBeUndefined();
  });

  it('Ctrl-C while the account is being created (its answer said to be waited for), then again while it is deleted: nothing after the create is sent, the account is left (where to delete it is said), and the old key stays stored', async () => {
    const proxy = await holdingProxy(server().origin);
    try {
      const t = await machine({ OPENAI_ADMIN_KEY: ADMIN, OPENAI_BASE_URL: proxy.baseURL });
      const old = makeKey('proj', 'signals-rotate-twice-old');
      server().addKey(old, { scenario: 'valid', project: PROJECT });
      expect((await runCli(['key', '--stdin', '--profile', 'r4'], { env: t.env, input: old })).code).toBe(0);
      const before = new Set(server().admin.serviceAccounts(PROJECT).map((a) => a.id));
      const create = proxy.hold(new RegExp(`^POST /v1/organization/projects/${PROJECT}/service_accounts$`));
      const remove = proxy.hold(/^DELETE /);
      const session = spawnCli(['rotate', '--profile', 'r4', '--yes'], { env: t.env });
      await create.arrived;
      const sent = proxy.seen.length;
      session.press('ctrl-c');
      // Said as a wait while the create is unanswered (the line may be wrapped).
      await session.waitFor(/Waiting\s+for\s+the\s+answer\s+to\s+the\s+creation\s+of\s+the\s+service\s+account\s+openai-setup-r4-\S+,\s+to\s+delete\s+it\s+again\s+\(press\s+Ctrl-C\s+again\s+to\s+leave\s+it\s+as\s+it\s+is\)…/);
      const name = /service\s+account\s+(openai-setup-r4-\S+),/.exec(session.output())![1]!;
      // The account is made only now, after the Ctrl-C.
      create.release();
      await remove.arrived;
      session.press('ctrl-c');
      expect((await session.exited).exitCode).toBe(130);
      const [made] = server().admin.serviceAccounts(PROJECT).filter((a) => !before.has(a.id));
      expect(made?.name).toBe(name);
      // Without the terminal's echo of Ctrl-C.
      const said = session.output().replace(/\^C/g, ' ').replace(/\s+/g, ' ').trim();
      expect(said.slice(said.indexOf('Cancelled.'))).toBe(
        `Cancelled. Waiting for the answer to the creation of the service account ${name}, to delete it again (press Ctrl-C again to leave it as it is)… ` +
          `Deleting the new service account ${name} again (press Ctrl-C again to leave it as it is)… ` +
          `! The new service account ${name} (${made!.id}) was left in ${PROJECT}: delete it on ${projectPageUrl(PROJECT, 'api-keys')}; ${maskKey(old)} is still stored and works at ${new URL(t.env.OPENAI_BASE_URL!).host}.`,
      );
      // After the create, only the delete: no check of the new key.
      expect(proxy.seen.slice(sent)).toEqual([expect.stringMatching(new RegExp(`^DELETE /v1/organization/projects/${PROJECT}/service_accounts/${made!.id}$`))]);
      expect(await keyring().lookup('openai-setup', 'r4')).toBe(old);
      expect(stateOf(t).profiles.r4.key.hint).toBe(maskKey(old));
      expect(stateOf(t).profiles.r4.rotation).toBeUndefined();
    } finally {
      await proxy.close();
    }
  });
});

describe('run: a signal while it reads the key, before its command starts', () => {
  it('kill -INT then: "Cancelled.", and run ends by SIGINT, as its command would have (a shell loop stops)', async () => {
    const t = await machine();
    expect((await runCli(['key', '--stdin', '--no-verify', '--profile', 'rk'], { env: t.env, input: makeKey('proj', 'signals-run') })).code).toBe(0);

    const child = spawn(process.execPath, [CLI, 'run', '--profile', 'rk', '--', 'true'], { env: t.env, cwd: t.home, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
    // Its first helper process reads the key from the keychain: stopped as it starts, the signal
    // sent meanwhile, then let go.
    let helper: number | undefined;
    for (const deadline = Date.now() + 15_000; helper === undefined && Date.now() < deadline && alive(child.pid!); await new Promise((resolve) => setTimeout(resolve, 1))) {
      helper = childrenOf(child.pid!).find((pid) => signalIfAlive(pid, 'SIGSTOP'));
    }
    expect(helper, 'the keychain helper seen').toBeDefined();
    process.kill(child.pid!, 'SIGINT');
    signalIfAlive(helper!, 'SIGCONT');
    expect(await ended, stderr).toEqual({ code: null, signal: 'SIGINT' });
    expect(stderr.trim()).toBe('Cancelled.');
    await gone(helper!);
  });
});

/**
 * A private, throw-away Secret Service for end-to-end tests.
 *
 * Each call to startPrivateKeyring() starts its own D-Bus session bus (dbus-run-session) with a
 * gnome-keyring-daemon (secrets component only) on it. HOME / XDG_DATA_HOME / XDG_RUNTIME_DIR
 * point into a fresh temp dir, so the keyring files never touch the real user's keyring, and
 * several keyrings can run side by side. Everything runs in one process group that stop() kills.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface PrivateKeyring {
  /** env to give children: DBUS_SESSION_BUS_ADDRESS of the private session bus (and nothing else needed) */
  env: { DBUS_SESSION_BUS_ADDRESS: string };
  /** `secret-tool lookup service <service> username <account>` inside that session; null when absent */
  lookup(service: string, account: string): Promise<string | null>;
  /** store a secret directly with `secret-tool store` (for tests that need a pre-existing key) */
  store(service: string, account: string, secret: string): Promise<void>;
  /** lock the login collection (what a headless login without a password leaves you with) */
  lock(): Promise<void>;
  /** pid of the dbus-run-session leader, which is also the process-group id of everything we started */
  pid: number;
  /** temp dir holding HOME, the keyring files and XDG_RUNTIME_DIR (removed by stop()) */
  dir: string;
  /** how long start-up took, in milliseconds */
  startupMs: number;
  /**
   * What the session printed (gnome-keyring-daemon's warnings and assertions go to its stderr) and
   * whether its daemon is still running: for a failing test's message, so that a daemon that died
   * under the test (an upstream crash, say) is told apart from the tool's own failure.
   */
  log(): string;
  stop(): Promise<void>;
}

/** Programs this helper needs. dbus-send (package dbus-bin) is used for the readiness probe and lock(). */
const REQUIRED_PROGRAMS = ['dbus-run-session', 'dbus-daemon', 'dbus-send', 'gnome-keyring-daemon', 'secret-tool'];

const KEYRING_PASSWORD = 'openai-setup-test-keyring';
const LOGIN_COLLECTION = '/org/freedesktop/secrets/collection/login';
const STARTUP_TIMEOUT_MS = 15_000;

function onPath(program: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      // keep looking
    }
  }
  return false;
}

/** Which of dbus-run-session / dbus-daemon / dbus-send / gnome-keyring-daemon / secret-tool are missing from PATH ([] when all are there). */
export function missingKeyringPrograms(): string[] {
  return REQUIRED_PROGRAMS.filter((p) => !onPath(p));
}

interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function exec(file: string, args: string[], env: NodeJS.ProcessEnv, input?: string, timeoutMs = 10_000): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.on('error', () => {});
    const timer = setTimeout(() => {
      stderr += `\n[${file} timed out after ${timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: stderr + String(err) });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

/** pids (not zombies) whose process group is pgid; linux /proc only. */
function livePidsInGroup(pgid: number): number[] {
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return pids;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid pgrp ...; comm may contain spaces and parentheses.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (rest[0] !== 'Z' && rest[0] !== 'X' && Number(rest[2]) === pgid) pids.push(Number(entry));
    } catch {
      // raced with exit
    }
  }
  return pids;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The gnome-keyring-daemon processes serving the session bus at `address` (found by the bus address
 * in their environment: the daemon detaches into a process group of its own). Linux /proc only.
 */
export function keyringDaemons(address: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'gnome-keyring-d') continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2))) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`DBUS_SESSION_BUS_ADDRESS=${address}`)) pids.push(Number(entry));
    } catch {
      // raced with exit, or not ours to read
    }
  }
  return pids;
}

/** Keyrings that are still running, so that a forgotten stop() does not leak daemons past process exit. */
const running = new Set<number>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pgid of running) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/**
 * Start a private D-Bus session bus with gnome-keyring-daemon (secrets component) in it; unlocked
 * with a test password unless locked: true. noLoginKeyring: true starts the daemon without
 * creating the "login" collection (a machine where nobody ever logged in to a desktop).
 */
export async function startPrivateKeyring(options: { locked?: boolean; noLoginKeyring?: boolean } = {}): Promise<PrivateKeyring> {
  const missing = missingKeyringPrograms();
  if (missing.length > 0) throw new Error(`cannot start a private keyring: missing ${missing.join(', ')} on PATH`);

  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'openai-setup-keyring-'));
  const home = join(dir, 'home');
  const runtime = join(dir, 'run');
  mkdirSync(home, { recursive: true });
  mkdirSync(runtime, { mode: 0o700 });

  // A minimal environment: no DISPLAY / WAYLAND_DISPLAY (so an unlock prompt is dismissed at once
  // instead of popping up somewhere), no inherited DBUS_SESSION_BUS_ADDRESS, no real HOME.
  const baseEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_RUNTIME_DIR: runtime,
    LANG: 'C.UTF-8',
  };

  // --unlock with a fresh data dir creates the "login" collection with this password and unlocks it;
  // the parent gnome-keyring-daemon exits once the forked daemon is up. Then print the bus address
  // and keep the session alive (dbus-run-session ends the bus when its child exits, and
  // gnome-keyring-daemon exits when its bus goes away) for as long as the test process lives:
  // a watchdog, so even a forgotten stop() or a SIGKILLed test worker leaks nothing for long.
  const script = [
    options.noLoginKeyring
      ? 'gnome-keyring-daemon --start --components=secrets >/dev/null || exit 97'
      : 'printf %s "$KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 97',
    'printf "DBUS_SESSION_BUS_ADDRESS=%s\\n" "$DBUS_SESSION_BUS_ADDRESS"',
    'while kill -0 "$WATCH_PID" 2>/dev/null; do sleep 1; done',
    'rm -rf "${KEYRING_DIR:?}"',
  ].join('\n');

  const child: ChildProcess = spawn('dbus-run-session', ['--', 'sh', '-c', script], {
    env: { ...baseEnv, KEYRING_PASSWORD, WATCH_PID: String(process.pid), KEYRING_DIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group (and session), so stop() can kill everything in it
  });
  const pid = child.pid;
  if (pid === undefined) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error('failed to spawn dbus-run-session');
  }
  running.add(pid);
  installExitHook();

  let stdout = '';
  let stderr = '';
  let exitInfo: string | null = null;
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exitInfo = `code ${code} signal ${signal}`;
      running.delete(pid);
      resolve();
    });
    child.on('error', (err) => {
      exitInfo = String(err);
      running.delete(pid);
      resolve();
    });
  });
  // Nothing of ours should keep the test process alive.
  child.unref();
  (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= doStop());
  const doStop = async (): Promise<void> => {
    const signal = (sig: NodeJS.Signals) => {
      try {
        process.kill(-pid, sig);
      } catch {
        // group already gone
      }
    };
    signal('SIGTERM');
    const deadline = Date.now() + 3_000;
    while (livePidsInGroup(pid).length > 0 && Date.now() < deadline) await sleep(25);
    if (livePidsInGroup(pid).length > 0) {
      signal('SIGKILL');
      const hardDeadline = Date.now() + 2_000;
      while (livePidsInGroup(pid).length > 0 && Date.now() < hardDeadline) await sleep(25);
    }
    running.delete(pid);
    await Promise.race([exited, sleep(1_000)]);
    child.stdout?.destroy();
    child.stderr?.destroy();
    rmSync(dir, { recursive: true, force: true });
  };

  const fail = async (why: string): Promise<never> => {
    await stop();
    throw new Error(
      `private keyring did not start: ${why}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`,
    );
  };

  // 1. wait for the bus address
  let address: string | undefined;
  while (address === undefined) {
    const m = /^DBUS_SESSION_BUS_ADDRESS=(.+)$/m.exec(stdout);
    if (m?.[1]) address = m[1].trim();
    else if (exitInfo !== null) return fail(`dbus-run-session exited (${exitInfo})`);
    else if (Date.now() - started > STARTUP_TIMEOUT_MS) return fail('timed out waiting for the bus address');
    else await sleep(10);
  }

  const sessionEnv: NodeJS.ProcessEnv = { ...baseEnv, DBUS_SESSION_BUS_ADDRESS: address };

  // 2. wait until org.freedesktop.secrets is owned (NameHasOwner does not trigger D-Bus activation)
  for (;;) {
    const r = await exec(
      'dbus-send',
      [
        '--session',
        '--print-reply',
        '--dest=org.freedesktop.DBus',
        '/org/freedesktop/DBus',
        'org.freedesktop.DBus.NameHasOwner',
        'string:org.freedesktop.secrets',
      ],
      sessionEnv,
    );
    if (r.code === 0 && /boolean true/.test(r.stdout)) break;
    if (exitInfo !== null) return fail(`dbus-run-session exited (${exitInfo})`);
    if (Date.now() - started > STARTUP_TIMEOUT_MS) return fail(`timed out waiting for org.freedesktop.secrets: ${r.stderr}`);
    await sleep(25);
  }

  const lock = async (): Promise<void> => {
    const r = await exec(
      'dbus-send',
      [
        '--session',
        '--print-reply',
        '--dest=org.freedesktop.secrets',
        '/org/freedesktop/secrets',
        'org.freedesktop.Secret.Service.Lock',
        `array:objpath:${LOGIN_COLLECTION}`,
      ],
      sessionEnv,
    );
    if (r.code !== 0) throw new Error(`locking the keyring failed (exit ${r.code}): ${r.stderr}`);
  };

  if (options.locked) {
    try {
      await lock();
    } catch (err) {
      return fail(String(err));
    }
  }

  return {
    env: { DBUS_SESSION_BUS_ADDRESS: address },
    pid,
    dir,
    startupMs: Date.now() - started,
    lock,
    log() {
      const daemons = keyringDaemons(address);
      return [
        `gnome-keyring-daemon ${daemons.length > 0 ? `running (pid ${daemons.join(', ')})` : 'NOT running'}${exitInfo === null ? '' : `; session exited: ${exitInfo}`}`,
        `--- session stderr ---\n${stderr.trim() || '(nothing)'}`,
      ].join('\n');
    },
    async lookup(service, account) {
      const r = await exec('secret-tool', ['lookup', 'service', service, 'username', account], sessionEnv);
      // secret-tool prints the secret without a newline when stdout is not a TTY; exit 1 + no stderr = not found
      if (r.code === 0) return r.stdout;
      if (r.code !== 1 || r.stderr.trim() !== '') {
        throw new Error(`secret-tool lookup failed (exit ${r.code}): ${r.stderr.trim()}`);
      }
      // lookup also exits 1 silently when the item exists but is locked: tell the two apart.
      const s = await exec('secret-tool', ['search', '--all', 'service', service, 'username', account], sessionEnv);
      if (/^\[\//m.test(s.stdout)) {
        throw new Error(`secret-tool lookup: ${service}/${account} exists but is locked (${s.stderr.split('\n')[0]?.trim()})`);
      }
      return null;
    },
    async store(service, account, secret) {
      const r = await exec(
        'secret-tool',
        ['store', `--label=${service} ${account} (test)`, 'service', service, 'username', account],
        sessionEnv,
        secret,
      );
      if (r.code !== 0) throw new Error(`secret-tool store failed (exit ${r.code}): ${r.stderr.trim()}`);
    },
    stop,
  };
}

/**
 * A private, throw-away Secret Service for end-to-end tests.
 *
 * Each call to startPrivateKeyring() starts its own D-Bus session bus (dbus-run-session) with a
 * gnome-keyring-daemon (secrets component only) on it. HOME / XDG_DATA_HOME / XDG_RUNTIME_DIR
 * point into a fresh temp dir, so the keyring files never touch the real user's keyring, and
 * several keyrings can run side by side. Everything runs in one process group that stop() kills.
 * The daemon runs in the foreground, so its warnings and assertion failures reach log(), which also
 * says whether it is still the daemon started with the session. monitor() records the bus.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
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
  /** pid of the gnome-keyring-daemon started with the session (one D-Bus activates after it died has another) */
  daemonPid: number;
  /**
   * Record the session bus (dbus-monitor) from now until stop(): resolves once the monitor is
   * listening, so everything after this call is in the recording. The keyring's own stop() ends it too.
   */
  monitor(): Promise<BusMonitor>;
  stop(): Promise<void>;
}

/** One message on the session bus, as dbus-monitor printed it. */
export interface BusEvent {
  /** position in the recording, from 0: the bus's own order of delivery */
  seq: number;
  type: 'method call' | 'method return' | 'error' | 'signal';
  /** seconds since the epoch, as dbus-monitor stamped it */
  time: number;
  /** a unique name (":1.5"), or org.freedesktop.DBus for the bus itself */
  sender: string;
  /** null for a broadcast signal */
  destination: string | null;
  member?: string;
  interface?: string;
  path?: string;
  /** the arguments of the bus's own messages (NameOwnerChanged: name, old owner, new owner); never anyone else's, which may be secrets */
  args: string[];
}

export interface BusMonitor {
  /** the unique name that owned org.freedesktop.secrets when recording started */
  serviceOwner: string;
  /** What is recorded so far, at once (the latest messages on the bus may not be in it yet): to wait for a message to be seen. */
  recorded(): BusEvent[];
  /** Waits (bounded) until what happened on the bus before the call is recorded; resolves with how many events are: each later one has a seq from there on. */
  sync(): Promise<number>;
  /** Waits (bounded) until what happened on the bus before the call is recorded, ends the monitor, and gives the recording. */
  stop(): Promise<BusEvent[]>;
}

/** Programs this helper needs. dbus-send and dbus-monitor (package dbus-bin, which dbus brings) are used for the readiness probe, lock() and monitor(). */
const REQUIRED_PROGRAMS = ['dbus-run-session', 'dbus-daemon', 'dbus-send', 'dbus-monitor', 'gnome-keyring-daemon', 'secret-tool'];

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

/** Which of dbus-run-session / dbus-daemon / dbus-send / dbus-monitor / gnome-keyring-daemon / secret-tool are missing from PATH ([] when all are there). */
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

const HEADER = /^(method call|method return|error|signal) time=(\S+) sender=(\S+) -> destination=(.+?) serial=\d+(.*)$/;

/**
 * dbus-monitor's default output, parsed: one event a header line, with the string arguments (the
 * indented `string "..."` lines that follow) kept only for messages from the bus itself.
 */
export function parseBusMonitor(text: string): BusEvent[] {
  const events: BusEvent[] = [];
  let last: BusEvent | undefined;
  for (const line of text.split('\n')) {
    const header = HEADER.exec(line);
    if (header) {
      const rest = header[5] ?? '';
      const field = (name: string) => new RegExp(`(?:^|[ ;])${name}=([^;\\s]+)`).exec(rest)?.[1];
      const destination = header[4] ?? '';
      last = {
        seq: events.length,
        type: header[1] as BusEvent['type'],
        time: Number(header[2]),
        sender: header[3] ?? '',
        destination: destination === '(null destination)' ? null : destination,
        member: field('member'),
        interface: field('interface'),
        path: field('path'),
        args: [],
      };
      events.push(last);
      continue;
    }
    const arg = /^ {3}string "(.*)"$/.exec(line);
    if (arg && last?.sender === 'org.freedesktop.DBus') last.args.push(arg[1] ?? '');
  }
  return events;
}

export const SECRETS_NAME = 'org.freedesktop.secrets';

/** A client's time with the Secret Service, in recording positions. */
export interface SecretServiceSpan {
  client: string;
  /** seq of its first message to the service */
  first: number;
  /** seq of the NameOwnerChanged that says it left the bus; null: still connected when recording stopped */
  gone: number | null;
}

/**
 * Each client (unique bus name) that sent anything to the Secret Service, from its first message to
 * the service (to org.freedesktop.secrets, or to the unique name owning it: serviceOwner, or one that
 * acquires the name later, a daemon D-Bus activated after the first died) until it left the bus.
 */
export function secretServiceSpans(events: BusEvent[], serviceOwner: string): SecretServiceSpan[] {
  const service = new Set([SECRETS_NAME, serviceOwner]);
  const spans = new Map<string, SecretServiceSpan>();
  for (const e of events) {
    if (e.sender === 'org.freedesktop.DBus' && e.member === 'NameOwnerChanged') {
      const [name, oldOwner, newOwner] = e.args;
      if (name === SECRETS_NAME && newOwner) service.add(newOwner);
      const span = name ? spans.get(name) : undefined;
      if (span && span.gone === null && oldOwner === name && newOwner === '') span.gone = e.seq;
      continue;
    }
    if (e.destination === null || !service.has(e.destination) || service.has(e.sender) || e.sender === 'org.freedesktop.DBus') continue;
    if (!spans.has(e.sender)) spans.set(e.sender, { client: e.sender, first: e.seq, gone: null });
  }
  return [...spans.values()];
}

/** Pairs of spans that overlap: one client's first message to the service before another that talked to it earlier has left the bus. */
export function overlappingSpans(spans: SecretServiceSpan[]): [SecretServiceSpan, SecretServiceSpan][] {
  const sorted = [...spans].sort((a, b) => a.first - b.first);
  const pairs: [SecretServiceSpan, SecretServiceSpan][] = [];
  for (const [i, a] of sorted.entries()) {
    for (const b of sorted.slice(i + 1)) {
      if (a.gone === null || b.first < a.gone) pairs.push([a, b]);
    }
  }
  return pairs;
}

/** Events from..to (seq, inclusive) one a line, for a failure message: at most `max` lines, arguments only of the bus's own messages. */
export function formatBusEvents(events: BusEvent[], from: number, to: number, max = 60): string {
  const slice = events.filter((e) => e.seq >= from && e.seq <= to);
  const shown = slice.length > max ? [...slice.slice(0, max / 2), undefined, ...slice.slice(-max / 2)] : slice;
  return shown
    .map((e) =>
      e === undefined
        ? `  ... (${slice.length - max} more)`
        : `  #${e.seq} ${e.type} ${e.sender} -> ${e.destination ?? '(broadcast)'}${e.member ? ` ${e.member}` : ''}${e.args.length > 0 ? ` ${JSON.stringify(e.args)}` : ''}`,
    )
    .join('\n');
}

/** "SIGTRAP" for 5: the name of a signal number, for the exit status of a shell's child (128 + N). */
function signalName(n: number): string {
  return Object.entries(osConstants.signals).find(([, v]) => v === n)?.[0] ?? `signal ${n}`;
}

/** pid is a gnome-keyring-daemon, not a zombie (a pid reused by another program is not). */
function isLiveDaemon(pid: number): boolean {
  try {
    if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'gnome-keyring-d') return false;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

const MONITOR_TIMEOUT_MS = 5_000;

/**
 * Wait until the monitor has recorded a call made now: a NameHasOwner of a made-up name (which the
 * bus answers itself, starting nothing), sent again each half second, for at most MONITOR_TIMEOUT_MS.
 */
async function awaitMarker(env: NodeJS.ProcessEnv, output: () => string, gone: () => string | null): Promise<void> {
  const marker = `org.openaisetup.test.marker${Date.now()}x${Math.floor(Math.random() * 1e9)}`;
  const deadline = Date.now() + MONITOR_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const sent = await exec(
      'dbus-send',
      ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', `string:${marker}`],
      env,
    );
    if (sent.code !== 0) throw new Error(`dbus-monitor: the marker call failed (exit ${sent.code}): ${sent.stderr.trim()}`);
    const until = Math.min(deadline, Date.now() + 500);
    while (Date.now() < until) {
      if (output().includes(`"${marker}"`)) return;
      const why = gone();
      if (why !== null) throw new Error(`dbus-monitor ended: ${why}`);
      await sleep(10);
    }
  }
  throw new Error(`dbus-monitor did not record a call within ${MONITOR_TIMEOUT_MS} ms`);
}

async function startMonitor(env: NodeJS.ProcessEnv, monitors: Set<ChildProcess>): Promise<BusMonitor> {
  const owner = await exec(
    'dbus-send',
    ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.GetNameOwner', `string:${SECRETS_NAME}`],
    env,
  );
  const serviceOwner = /string "(:[^"]+)"/.exec(owner.stdout)?.[1];
  if (owner.code !== 0 || serviceOwner === undefined) throw new Error(`no owner of ${SECRETS_NAME} to monitor (exit ${owner.code}): ${owner.stderr.trim()}`);

  const child = spawn('dbus-monitor', ['--session'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  monitors.add(child);
  let stdout = '';
  let stderr = '';
  let ended: string | null = null;
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const closed = new Promise<void>((resolve) => {
    child.on('close', (code, signal) => {
      ended ??= `code ${code} signal ${signal}: ${stderr.trim()}`;
      monitors.delete(child);
      resolve();
    });
    child.on('error', (err) => {
      ended ??= String(err);
      monitors.delete(child);
      resolve();
    });
  });
  child.unref();
  const end = async (): Promise<void> => {
    child.kill('SIGTERM');
    await Promise.race([closed, sleep(2_000)]);
    if (ended === null) {
      child.kill('SIGKILL');
      await Promise.race([closed, sleep(2_000)]);
    }
  };
  try {
    await awaitMarker(env, () => stdout, () => ended);
  } catch (err) {
    await end();
    throw err;
  }
  let stopping: Promise<BusEvent[]> | undefined;
  return {
    serviceOwner,
    recorded: () => parseBusMonitor(stdout),
    sync: async () => {
      await awaitMarker(env, () => stdout, () => ended);
      return parseBusMonitor(stdout).length;
    },
    stop: () =>
      (stopping ??= (async () => {
        // What the bus delivered before this call is recorded once a call made now is.
        try {
          await awaitMarker(env, () => stdout, () => ended);
        } finally {
          await end();
        }
        return parseBusMonitor(stdout);
      })()),
  };
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

  // --unlock with a fresh data dir creates the "login" collection with this password (read from
  // stdin) and unlocks it. --foreground, in the background of the script: the daemon stays in this
  // session's process group and keeps its stderr (its warnings and assertion failures, lost when it
  // daemonises), and the script says its pid and, should it die, how. Then print the bus address
  // and keep the session alive (dbus-run-session ends the bus when its child exits, and
  // gnome-keyring-daemon exits when its bus goes away) for as long as the test process lives:
  // a watchdog, so even a forgotten stop() or a SIGKILLed test worker leaks nothing for long.
  const script = [
    '(',
    options.noLoginKeyring
      ? '  gnome-keyring-daemon --start --foreground --components=secrets </dev/null >/dev/null &'
      : '  printf %s "$KEYRING_PASSWORD" | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null &',
    '  daemon=$!',
    '  printf "KEYRING_DAEMON_PID=%s\\n" "$daemon"',
    '  wait "$daemon"',
    '  status=$?',
    '  printf "KEYRING_DAEMON_EXITED=%s\\n" "$status"',
    '  printf "[the gnome-keyring-daemon started with the session (pid %s) exited with status %s]\\n" "$daemon" "$status" >&2',
    ') &',
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

  /** dbus-monitors recording this bus (not in the session's process group: stop() ends them itself) */
  const monitors = new Set<ChildProcess>();
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
    for (const m of monitors) m.kill('SIGKILL');
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

  // 1. wait for the bus address and the daemon's pid
  let address: string | undefined;
  let daemonPid: number | undefined;
  while (address === undefined || daemonPid === undefined) {
    const m = /^DBUS_SESSION_BUS_ADDRESS=(.+)$/m.exec(stdout);
    if (m?.[1]) address = m[1].trim();
    const d = /^KEYRING_DAEMON_PID=(\d+)$/m.exec(stdout);
    if (d?.[1]) daemonPid = Number(d[1]);
    if (address !== undefined && daemonPid !== undefined) break;
    if (exitInfo !== null) return fail(`dbus-run-session exited (${exitInfo})`);
    if (Date.now() - started > STARTUP_TIMEOUT_MS) return fail('timed out waiting for the bus address and the daemon pid');
    await sleep(10);
  }
  /** The exit status of the daemon started with the session, once it has exited (a signal N is 128 + N). */
  const daemonExit = (): string | undefined => /^KEYRING_DAEMON_EXITED=(\d+)$/m.exec(stdout)?.[1];

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
    if (daemonExit() !== undefined) return fail(`gnome-keyring-daemon exited with status ${daemonExit()}`);
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
    daemonPid,
    log() {
      const exit = daemonExit();
      const others = keyringDaemons(address).filter((p) => p !== daemonPid);
      const original =
        exit === undefined && isLiveDaemon(daemonPid)
          ? `the gnome-keyring-daemon started with the session (pid ${daemonPid}) is running`
          : `the gnome-keyring-daemon started with the session (pid ${daemonPid}) is GONE${exit === undefined ? '' : ` (exit status ${exit}${Number(exit) > 128 ? `: ${signalName(Number(exit) - 128)}` : ''})`}`;
      return [
        `${original}${others.length > 0 ? `; another on this bus: pid ${others.join(', ')} (D-Bus activated after it? its login keyring would be locked)` : ''}${exitInfo === null ? '' : `; session exited: ${exitInfo}`}`,
        `--- session stderr ---\n${stderr.trim() || '(nothing)'}`,
      ].join('\n');
    },
    monitor: (): Promise<BusMonitor> => startMonitor(sessionEnv, monitors),
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

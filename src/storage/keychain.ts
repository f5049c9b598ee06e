// The OS keychain through a keytar-style API (@napi-rs/keyring), pinned to the Secret Service on
// Linux and time-boxed: every call runs in a short-lived child process that can always be killed.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import * as z from 'zod/mini';
import { KeyStoreError } from '../errors.js';
import { pathLine } from '../terminal/sanitize.js';
import { beforeReleasingHeldLocks, withFileLock } from './lock.js';
import { makeDirs } from './make-dirs.js';
import { readRegularFile } from './read-file.js';

/** The keytar API: what the product needs from any keychain. */
export interface Keychain {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  /** The accounts of a service's entries (never their secrets); absent where the keychain cannot list them. */
  findAccounts?(service: string): Promise<string[]>;
  /** Which store this is, for people: "Secret Service", "macOS Keychain"... */
  readonly description: string;
  /**
   * How many writes (set, delete) it has sent to the keychain: a call still waiting for its turn
   * has sent nothing. Absent: a write counts as sent once asked (KeyStore.writesBegun).
   */
  writesSent?(): number;
  /** Why none can be reached here, known without asking it (noSessionBus); null or absent: it may be. */
  unreachable?(): KeychainUnavailableError | null;
}

/**
 * A keychain call given up before it was sent, while it waited for its turn behind another run's:
 * the run is leaving, and what it was part of had changed nothing yet (KeychainLimits.giveUp). Not
 * a keychain that failed: nothing was asked of it.
 */
export class KeychainCallGivenUpError extends Error {
  constructor() {
    super('the keychain call was given up before it was made: the run is leaving');
    this.name = 'KeychainCallGivenUpError';
  }
}

export type KeychainProblem = 'no-service' | 'no-keyring' | 'locked' | 'denied' | 'timeout' | 'no-start' | 'no-binding' | 'other-user' | 'failed';

export class KeychainUnavailableError extends Error {
  constructor(
    readonly problem: KeychainProblem,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'KeychainUnavailableError';
  }
}

export function describeKeychainProblem(error: KeychainUnavailableError, store: string): string {
  switch (error.problem) {
    case 'no-service':
      return `No ${store} is running on this machine (common over SSH, in containers and on WSL), so the key cannot go into a keychain.`;
    case 'no-keyring':
      return `The ${store} has no default keyring to keep keys in (no "login" keyring).`;
    case 'locked':
      return `The ${store} is locked and could not be unlocked from here.`;
    case 'denied':
      return `Access to the ${store} was denied.`;
    case 'timeout':
      return `The ${store} did not answer within a few seconds.`;
    case 'no-start':
      // Our own helper, not the keychain: it was never asked.
      return `The ${store} could not be asked: ${error.detail}; the machine may be too busy.`;
    case 'no-binding':
      // Our own install, not the keychain: it was never asked.
      return `The ${store} could not be asked: openai-setup's keychain binding (@napi-rs/keyring) could not be loaded (${error.detail}).`;
    case 'other-user':
      return `The ${store} cannot be reached: ${error.detail}; sudo -E and su keep that variable from the user who started them.`;
    default:
      // The binding's own words, made a sentence: what follows it starts another.
      return `The ${store} failed: ${error.detail}${/[.!?]$/.test(error.detail) ? '' : '.'}`;
  }
}

/**
 * A key stored in a keychain that is not running here (SSH, a container, WSL), said as such: not
 * "no key", whose advice would store a second one. Null unless the record says the keychain holds
 * it and the keychain error is that none is running here. The error is exit 7: where the key is,
 * what cannot be done with it here, and where to run what instead.
 */
export function keychainOutOfReach(where: {
  /** What the progress file records of the key. */
  record: { storage: string; hint: string } | null | undefined;
  /** Why the keychain could not be used (null: it could). */
  error: KeychainUnavailableError | null;
  /** The keychain, for people: ctx.keys.keychainDescription. */
  store: string;
  /** Whose key: 'The key stored for profile "work"' (its hint follows). */
  what: string;
  /** What cannot be done with it here: "read", "removed". */
  cannot: string;
  /** Said after that: "Nothing was removed.". */
  outcome?: string;
  /** What to run where the keychain is: "this" (the command run), or a command in backticks. */
  run: string;
  /** The other ways out, each said after ", or" (a command last). */
  otherwise?: string[];
}): KeyStoreError | null {
  const { record, error, store } = where;
  if (record?.storage !== 'keychain' || error?.problem !== 'no-service') return null;
  const message = `${where.what} (${record.hint}) is in the ${store}, which is not running here (common over SSH, in containers and on WSL): it cannot be ${where.cannot} from here.`;
  const others = where.otherwise ?? [];
  return new KeyStoreError(where.outcome ? `${message} ${where.outcome}` : message, [
    `Run ${where.run} where the ${store} is (your desktop session)${others.length ? others.map((other) => `, or ${other}`).join('') : '.'}`,
  ]);
}

/** What the person can do about it, most direct first; null when nothing can be done here (no keychain service at all). */
/** keychainFix() as the hints of an error: none when there is no fix to give. */
export function keychainHints(error: KeychainUnavailableError, store: string): string[] {
  const fix = keychainFix(error, store);
  return fix ? [fix] : [];
}

export function keychainFix(error: KeychainUnavailableError, store: string): string | null {
  const linux = store.startsWith('Secret Service');
  switch (error.problem) {
    case 'locked':
      return linux
        ? // Not `gnome-keyring-daemon --unlock`: with a keyring already running it starts a second daemon and leaves this one locked.
          'Unlock it: log in to your desktop session, or unlock the "login" keyring in Passwords and Keys (seahorse), then run this again. Over SSH it cannot be unlocked from here: unlock it in the desktop session first.'
        : store === 'macOS Keychain'
          ? 'Unlock it: security unlock-keychain ~/Library/Keychains/login.keychain-db, then run this again.'
          : 'Unlock it, then run this again.';
    case 'no-keyring':
      return 'Create one: in Passwords and Keys (seahorse), File › New › Password Keyring, name it "login" and make it the default; logging in to a desktop session once creates it too. Then run this again.';
    case 'denied':
      return `Allow openai-setup when the ${store} asks, then run this again.`;
    case 'timeout':
      return `Check that the ${store} answers (a desktop session, or gnome-keyring-daemon running), then run this again.`;
    case 'no-start':
      return 'Run this again when the machine is less busy.';
    case 'no-binding':
      // An install without optional dependencies (--omit=optional, or npm's bug with a lockfile
      // made on another platform) leaves out the binding's native part for this platform.
      return "Install openai-setup again, without --omit=optional (the keychain binding's native part for this platform is an optional dependency), then run this again.";
    case 'other-user':
      return 'Run this as the user whose session bus it is, from their own terminal (not through sudo -E or su).';
    default:
      return null;
  }
}

/** What the binding's error (an Error with a message, no code) means, as a KeychainUnavailableError. */
export function classifyKeyringError(error: unknown): KeychainUnavailableError {
  const detail = error instanceof Error ? error.message : String(error);
  const problem = (p: KeychainProblem) => new KeychainUnavailableError(p, detail);
  // Whole words only, and the first rule that matches decides: D-Bus's sentences hold words that
  // contain others ("the message bus security policy blocked the reply" is no "locked", and names
  // org.freedesktop.secrets as the destination of a request a running service never saw).
  // No answer: a stopped or hung daemon (D-Bus's NoReply), said as the time box says it of a hung bus.
  if (/\bDid not receive a reply\b|\bNoReply\b|\bTimeout was reached\b|\btimed out\b/i.test(detail)) return problem('timeout');
  // A request the session bus refused on its way to a running Secret Service (a bus policy, an
  // AppArmor-confined snap): it names org.freedesktop.secrets as its destination, and is not "none
  // running here", whose advice is to go where one runs. Said in the bus's own words.
  if (/\bRejected send message\b|\bAppArmor policy prevents\b/i.test(detail)) return problem('failed');
  // A session bus this user may not connect to (another user's, after su): not a keyring that said
  // no ("Allow openai-setup…"), nor none running. Said in the bus's own words.
  if (/\bFailed to connect to socket\b.*\bPermission denied\b/i.test(detail)) return problem('failed');
  if (/\bDBUS_SESSION_BUS_ADDRESS\b|\bautolaunch\b|\borg\.freedesktop\.secrets\b|\bServiceUnknown\b|\bNo such file or directory\b|\bnot provided by any \.service files\b|\bConnection refused\b/i.test(detail)) {
    return problem('no-service');
  }
  // "IsLocked": the Secret Service's error name, one word.
  if (/\b(?:is)?locked\b|\bunlock|\bprompt was dismissed\b/i.test(detail)) return problem('locked');
  // Secret Service without a default collection ("login"): keyring-rs finds nothing to store into.
  if (/\bno result found\b/i.test(detail)) return problem('no-keyring');
  if (/\bdenied\b|\bnot allowed\b|\bpermission\b/i.test(detail)) return problem('denied');
  return problem('failed');
}

/** The session bus socket DBUS_SESSION_BUS_ADDRESS names (its first unix:path=), and whose it is; null when there is none to look at. */
export function sessionBusSocket(env: Record<string, string | undefined>): { path: string; uid: number } | null {
  for (const address of (env.DBUS_SESSION_BUS_ADDRESS ?? '').split(';')) {
    const value = /^unix:(?:[^,]*,)*path=([^,]*)/.exec(address)?.[1];
    if (!value) continue;
    // D-Bus escapes bytes of a value as %XX.
    const path = Buffer.from(value.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8');
    try {
      return { path, uid: statSync(path).uid };
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * Why no keychain can be reached on this machine, known without asking it (no child process, no
 * D-Bus): on Linux the Secret Service is on the session bus, which the binding (libdbus) finds in
 * DBUS_SESSION_BUS_ADDRESS, else at $XDG_RUNTIME_DIR/bus (it has no autolaunch); with neither,
 * every call fails as 'no-service'. Null: one may be reachable (a bus without a Secret Service on
 * it is told only by asking).
 */
export function noSessionBus(env: Record<string, string | undefined>, platform: NodeJS.Platform): KeychainUnavailableError | null {
  if (platform !== 'linux' || env.DBUS_SESSION_BUS_ADDRESS) return null;
  const runtime = env.XDG_RUNTIME_DIR;
  try {
    if (runtime && statSync(join(runtime, 'bus')).isSocket()) return null;
  } catch {
    // None there.
  }
  return new KeychainUnavailableError('no-service', 'no session bus: DBUS_SESSION_BUS_ADDRESS is not set, and there is none at $XDG_RUNTIME_DIR/bus');
}

/**
 * A failure of the binding judged with what is known of the session bus. A "no reply" well before
 * the time box (D-Bus waits 25 s for one) is no daemon slow to answer: the bus dropped this user
 * at once, as another user's bus does (one inherited through sudo -E or su; root is no exception);
 * so is a connection the socket refused. Said as such when the socket is another user's, or
 * cannot be looked at; on this user's own bus, the binding's words (not "did not answer").
 */
export function judgedOnBus(
  error: KeychainUnavailableError,
  seen: { elapsedMs: number; timeoutMs: number; bus: { path: string; uid: number } | null; uid: number | undefined },
): KeychainUnavailableError {
  const early = error.problem === 'timeout' && seen.elapsedMs < seen.timeoutMs / 2;
  const refused = early || /\bFailed to connect to socket\b.*\bPermission denied\b/i.test(error.detail);
  if (!refused || seen.uid === undefined) return error;
  if (seen.bus === null) return new KeychainUnavailableError('other-user', "the session bus in DBUS_SESSION_BUS_ADDRESS turned this user away at once, as another user's session bus does");
  if (seen.bus.uid !== seen.uid) {
    return new KeychainUnavailableError('other-user', `the session bus in DBUS_SESSION_BUS_ADDRESS (${pathLine(seen.bus.path)}) belongs to another user (uid ${seen.bus.uid})`);
  }
  return early ? new KeychainUnavailableError('failed', error.detail) : error;
}

/**
 * Whether the binding failed because a keychain item went away during the call (another process
 * deleted it between the Secret Service's search and the use of what it found): that item's
 * trouble, not the keychain's.
 */
export function itemVanished(error: KeychainUnavailableError): boolean {
  return error.problem === 'failed' && /\bObject does not exist at path\b|\bNo such interface\b\W*org\.freedesktop\.Secret\.Item\b/i.test(error.detail);
}

// Keychain calls run in a short-lived child process. The binding connects to D-Bus synchronously,
// so a wedged session bus would block our own thread (and a worker thread cannot be abandoned
// either: exit waits for it). A child can always be killed: the time box is real.
//
// The time box measures the keychain, not our start-up: the child says it is ready (KEYCHAIN_READY
// on stdout) once it has loaded the binding, then waits for the request; the box starts when the
// request is sent. On a busy machine starting Node and loading the binding can take much of the
// box; a call killed then was said to be a keychain that did not answer, and killed mid D-Bus call
// for nothing.
//
// Calls take turns (callInTurn): the request is sent only once this call holds the turn, and the
// turn is let go once the helper has exited, its D-Bus connection closed. gnome-keyring-daemon
// aborts when Secret Service sessions from new connections are opened at once (an upstream race:
// a session request handled before the daemon has registered its client), and comes back, if at
// all, with the login keyring locked: runs at once (`run` in parallel jobs, eight `key` in a
// script) must not open theirs together. Waiting for the turn happens with the helper started, so
// its start-up is not spent in the turn.
const KEYCHAIN_READY = '+';
/** The helper's program (`node -e`; its argument: the binding's path). Exported for tests, which run it under a parent of their own. */
export const KEYCHAIN_CHILD = `
// Its run, as it was when this started (before anything else: later, the run may be gone). One gone
// since (killed with SIGKILL, so it could not kill this first) closed the pipe with no request, or
// with one in it and this handed on to another parent: nobody waits for the answer, and the run's
// turn is gone with it, so nothing is asked. Once the call has begun this cannot notice (the
// binding's call is synchronous): leaving, the run kills this (killLiveHelpers).
const parent = process.ppid;
let binding;
let unloadable;
try {
  binding = require(process.argv[1]);
} catch (error) {
  // Its first sentence only ("Cannot find native binding"): the rest is npm advice of its own
  // (delete package-lock.json and node_modules), on the same line or the next.
  unloadable = String((error && error.message) || error).split(/\\n|\\.(?:\\s|$)/)[0].slice(0, 200);
}
if (unloadable !== undefined) {
  process.stdout.write(JSON.stringify({ ok: false, unloadable }));
} else {
  process.stdout.write(${JSON.stringify(KEYCHAIN_READY)});
  let input = '';
  process.stdin.on('data', (c) => (input += c)).on('end', () => {
    if (input === '' || process.ppid !== parent) return;
    let answer;
    const { Entry, findCredentials } = binding;
    try {
      const r = JSON.parse(input);
      const entry = () => new Entry(r.service, r.account, r.options);
      // list: the accounts only; the secrets findCredentials reads never leave this process.
      const value = r.op === 'list' ? findCredentials(r.service).map((c) => c.account) : r.op === 'get' ? entry().getPassword() : r.op === 'set' ? (entry().setPassword(r.password), null) : entry().deletePassword();
      answer = { ok: true, value: value === undefined ? null : value };
    } catch (error) {
      answer = { ok: false, message: String((error && error.message) || error) };
    }
    process.stdout.write(JSON.stringify(answer));
  });
}`;

/** How long a keychain call may take once the helper is sent its request (gh uses 3 s too). */
export const KEYCHAIN_TIMEOUT_MS = 3000;
/**
 * How long the helper may take to start (Node itself, then loading @napi-rs/keyring) before it is
 * ready to call the keychain: its own bound, apart from the call's, so that a busy machine is not
 * taken for a keychain that does not answer, and a helper that never starts is no hang.
 */
export const KEYCHAIN_STARTUP_MS = 15_000;
/** The lock, in the config dir, that keychain calls take turns with. */
export const KEYCHAIN_TURN_LOCK = 'keychain.lock';
/** Dated by a call the keychain did not answer: calls under way meanwhile (their helper starting, or waiting for their turn) fail at once. */
export const KEYCHAIN_UNANSWERED = 'keychain.unanswered';
/** How far ahead of the clock a turn lock may be dated and still be a live run's (file system timestamps, clock steps). */
const FUTURE_LOCK_MARGIN_MS = 2_000;

const ChildAnswerSchema = z.union([
  z.object({ ok: z.literal(true), value: z.union([z.string(), z.boolean(), z.null(), z.array(z.string())]) }),
  z.object({ ok: z.literal(false), message: z.string() }),
  // The binding could not be loaded: the keychain was never asked.
  z.object({ ok: z.literal(false), unloadable: z.string() }),
]);

type KeychainRequest =
  | { op: 'list'; service: string }
  | { op: 'get' | 'delete'; service: string; account: string; options?: unknown }
  | { op: 'set'; service: string; account: string; password: string; options?: unknown };

/** The bounds of a keychain call, and the binding the helper loads (tests give a module of their own). */
export interface KeychainLimits {
  /** The call's time box, from sending the helper its request. */
  timeoutMs?: number;
  /** The helper's start-up bound, from its spawn to its readiness. */
  startupMs?: number;
  /** The module the helper requires as the binding; @napi-rs/keyring unless given. */
  bindingPath?: string;
  /**
   * The directory whose KEYCHAIN_TURN_LOCK calls take turns with, across runs (the config dir,
   * made if not there). None: no turns.
   */
  turnsDir?: string;
  /** How long a call waits for its turn while one run holds it without refreshing it (withFileLock's waitMs). */
  turnWaitMs?: number;
  /**
   * Whether a call waiting for its turn behind another run's is to be given up rather than made
   * (Interrupts.givingUp: the run is leaving, and the key change it is part of has changed
   * nothing): asked between tries for the turn; it then fails with KeychainCallGivenUpError. A call
   * that has its turn at once is made.
   */
  giveUp?: () => boolean;
}

const seconds = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);

/** `promise`'s value, or undefined once `ms` have passed first. */
async function within<T>(ms: number, promise: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, ms, undefined)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The helpers alive now. A run that leaves, however it leaves (a signal, an error, done), kills
 * them first: a helper whose call is in flight would otherwise go on asking the keychain once its
 * run is gone, out of its turn, which the run lets go as it leaves. A terminal's Ctrl-C reaches
 * the helper too (its process group), but `kill PID`, a supervisor or a CI cancel reaches the run alone.
 */
const liveHelpers = new Set<ChildProcess>();
let untieFromLocks: (() => void) | undefined;

/** Kill every live helper, at once (SIGKILL: its call cannot be let finish). Synchronous, for leaving. */
function killLiveHelpers(): void {
  for (const child of liveHelpers) child.kill('SIGKILL');
}

/**
 * `child` is alive until it exits. While any is, leaving kills them, before keychain.lock goes, so
 * that the next run's turn never begins with this one's helper still asking: first thing in
 * releaseHeldLocks, which main.ts's exit calls before process.exit; and on process 'exit' (any
 * other way out), whose listeners run before proper-lockfile's own removal of its locks (signal-exit
 * runs it after them).
 */
function trackHelper(child: ChildProcess): void {
  if (liveHelpers.size === 0) {
    process.on('exit', killLiveHelpers);
    untieFromLocks = beforeReleasingHeldLocks(killLiveHelpers);
  }
  liveHelpers.add(child);
  const gone = () => {
    if (!liveHelpers.delete(child) || liveHelpers.size > 0) return;
    process.off('exit', killLiveHelpers);
    untieFromLocks?.();
    untieFromLocks = undefined;
  };
  child.on('exit', gone);
  child.on('error', gone);
}

/** A helper process started and loading the binding: `ready` once it waits for its request, `closed` once it has exited (with all it printed). */
function startHelper(bindingPath: string) {
  // The secret travels over a pipe, never on the command line.
  const child = spawn(process.execPath, ['-e', KEYCHAIN_CHILD, bindingPath], { stdio: ['pipe', 'pipe', 'ignore'] });
  trackHelper(child);
  let output = '';
  let isReady!: () => void;
  const ready = new Promise<void>((resolve) => (isReady = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.startsWith(KEYCHAIN_READY)) isReady();
  });
  // A helper gone before it read the request (a terminal's Ctrl-C reaches it too): its answer,
  // none, is judged once closed; the write's EPIPE must not end the run with a stack trace.
  child.stdin.on('error', () => {});
  const closed = new Promise<{ output: string; spawnError?: Error }>((resolve) => {
    child.on('error', (spawnError) => resolve({ output, spawnError }));
    child.on('close', () => resolve({ output }));
  });
  return {
    ready,
    closed,
    send: (request: KeychainRequest) => child.stdin.end(JSON.stringify(request)),
    kill: () => child.kill('SIGKILL'),
  };
}

/**
 * `call` in this run's turn at the keychain: holding `<turnsDir>/keychain.lock` (withFileLock's, so
 * a lock left by a killed run is taken over within seconds). The config dir is made for it (0700)
 * when not there yet: runs at once on a fresh machine are turns too. The turns spare the keychain,
 * they are no reason to fail: when the lock cannot be made here (a config dir that cannot be made,
 * or not writable) or is kept from this run for all of withFileLock's bound, the call is made
 * without its turn. `begunAt`: when the call began (its helper started then).
 */
async function callInTurn<T>({ turnsDir, turnWaitMs, giveUp }: KeychainLimits, begunAt: number, call: () => Promise<T>): Promise<T> {
  if (turnsDir === undefined) return call();
  try {
    makeDirs(turnsDir, 0o700);
    // Root's run (sudo -E) leaves nothing of root's in another user's config dir: no turns there.
    const uid = process.getuid?.();
    if (uid !== undefined && statSync(turnsDir).uid !== uid) return call();
  } catch {
    // Not ours to make (another user's home, say): no turns.
    return call();
  }
  const lockPath = join(turnsDir, KEYCHAIN_TURN_LOCK);
  const unansweredPath = join(turnsDir, KEYCHAIN_UNANSWERED);
  // A lock dated ahead of the clock is no live run's (its holder dates it now as it refreshes it):
  // left by a run killed before the clock was set back, it would never go stale, and every call
  // would wait all of turnWaitMs for it. Removed; at worst (a run on another machine sharing this
  // config dir, its clock ahead) two calls go together.
  try {
    if (statSync(lockPath).mtimeMs > Date.now() + FUTURE_LOCK_MARGIN_MS) rmdirSync(lockPath);
  } catch {
    // Not there, or not ours to remove: withFileLock says what it is.
  }
  const address = keychainAddress();
  let outcome: { value: T } | { error: unknown } | undefined;
  const givenUp = () => (giveUp?.() ? new KeychainCallGivenUpError() : null);
  try {
    await withFileLock(
      join(turnsDir, 'keychain'),
      async () => {
        try {
          // Another run's call got no answer since this one began (its helper starting, or waiting
          // for its turn): the keychain is not answering now, said at once rather than after a time
          // box of its own (runs at once would otherwise each wait out the box of every run before
          // them; on a busy machine a helper takes seconds to start, so a run still starting its
          // helper when the call before it got no answer is among them).
          if (await unansweredSince(unansweredPath, begunAt, address)) {
            outcome = { error: new KeychainUnavailableError('timeout', "no answer to another run's call just before") };
            return;
          }
          outcome = { value: await call() };
          rmSync(unansweredPath, { force: true });
        } catch (error) {
          outcome ??= { error };
          // Only a call that asked, and was not itself paused past its box, dates the mark: one told
          // by it has asked nothing, and one whose run was stopped (Ctrl-Z) knows nothing of the keychain.
          if (error instanceof KeychainUnavailableError && error.problem === 'timeout' && !timedOutLate.has(error)) markUnanswered(unansweredPath, address);
        }
      },
      turnWaitMs,
      lockPath,
      givenUp,
    );
  } catch (error) {
    // Given up while waiting: not made without its turn either.
    if (error instanceof KeychainCallGivenUpError) throw error;
    // No turn to be had (or the lock lost once the call was made: its outcome stands).
  }
  if (outcome === undefined) return call();
  if ('error' in outcome) throw outcome.error;
  return outcome.value;
}

/** The keychain this run asks: the session bus (another machine's, or a container's, may share the config dir), none elsewhere. */
const keychainAddress = () => process.env.DBUS_SESSION_BUS_ADDRESS ?? '';

/**
 * Whether the mark at `path` says this run's keychain gave another run's call no answer since
 * `since`: dated from then to now (one dated ahead of the clock, a clock set back since, says
 * nothing), and made for the keychain this run asks.
 */
async function unansweredSince(path: string, since: number, address: string): Promise<boolean> {
  try {
    const found = statSync(path);
    if (!found.isFile() || found.mtimeMs < since || found.mtimeMs > Date.now() + FUTURE_LOCK_MARGIN_MS) return false;
    // Read as every file someone else may have put there: never waiting on a FIFO swapped in since.
    const mark = await readRegularFile(path, MAX_MARK_BYTES, found);
    return mark !== null && mark.toString('utf8') === address;
  } catch {
    // Not readable, or larger than any mark of ours: none of ours.
    return false;
  }
}

/** The most a no-answer mark holds (a session bus address). */
const MAX_MARK_BYTES = 4096;

/** Date the mark now, for the keychain at `address`; failing to is nothing to stop for. */
function markUnanswered(path: string, address: string): void {
  try {
    rmSync(path, { force: true });
    writeFileSync(path, address, { mode: 0o600, flag: 'wx' });
  } catch {
    // The mark only spares other runs a time box.
  }
}

/** Timeouts whose timer fired well after the box: this run was paused (Ctrl-Z) or starved, so the keychain was not waited for all along. */
const timedOutLate = new WeakSet<KeychainUnavailableError>();
/** How late a time box's timer may fire and still have measured the keychain. */
const LATE_TIMER_MS = 1_000;

/** `sending`: told right before the request goes to the helper (Keychain.writesSent counts the writes). */
async function keychainCall(request: KeychainRequest, limits: KeychainLimits, sending: () => void = () => {}): Promise<string | boolean | string[] | null> {
  const { timeoutMs = KEYCHAIN_TIMEOUT_MS, startupMs = KEYCHAIN_STARTUP_MS } = limits;
  const begunAt = Date.now();
  let bindingPath: string;
  try {
    bindingPath = limits.bindingPath ?? createRequire(import.meta.url).resolve('@napi-rs/keyring');
  } catch {
    throw new KeychainUnavailableError('no-binding', 'it is not installed');
  }
  const helper = startHelper(bindingPath);
  const started = await within(startupMs, Promise.race([helper.ready.then(() => true), helper.closed.then(() => false)]));
  if (started === undefined) {
    helper.kill();
    throw new KeychainUnavailableError('no-start', `the keychain helper (a node process) did not start within ${seconds(startupMs)}`);
  }
  if (!started) {
    // Gone without being ready: it could not load the binding (its answer says so), or could not run.
    const { output, spawnError } = await helper.closed;
    if (spawnError) throw new KeychainUnavailableError('failed', spawnError.message);
    const answer = ChildAnswerSchema.safeParse(safeJson(output));
    if (answer.success && 'unloadable' in answer.data) throw new KeychainUnavailableError('no-binding', answer.data.unloadable);
    throw new KeychainUnavailableError('failed', 'the keychain helper gave no answer');
  }
  try {
    return await callInTurn(limits, begunAt, async () => {
      sending();
      helper.send(request);
      const sentAt = Date.now();
      const closed = await within(timeoutMs, helper.closed);
      if (closed === undefined) {
        helper.kill();
        // Gone (its connection closed) before the turn is let go: killed, it closes at once.
        const late = Date.now() - sentAt > timeoutMs + LATE_TIMER_MS;
        await within(2_000, helper.closed);
        const timedOut = new KeychainUnavailableError('timeout', `no answer within ${timeoutMs} ms`);
        if (late) timedOutLate.add(timedOut);
        throw timedOut;
      }
      const answer = ChildAnswerSchema.safeParse(safeJson(closed.output.slice(KEYCHAIN_READY.length)));
      if (!answer.success || 'unloadable' in answer.data) throw new KeychainUnavailableError('failed', 'the keychain helper gave no answer');
      if (answer.data.ok) return answer.data.value;
      const seen = { elapsedMs: Date.now() - sentAt, timeoutMs, bus: sessionBusSocket(process.env), uid: process.getuid?.() };
      throw judgedOnBus(classifyKeyringError(new Error(answer.data.message)), seen);
    });
  } finally {
    // Never left waiting on its request (a failure before it was sent): gone with nothing asked.
    helper.kill();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The real OS keychain through @napi-rs/keyring, each call in a helper process, time-boxed (see KeychainLimits). */
export function osKeychain(platform: NodeJS.Platform, limits: KeychainLimits = {}): Keychain {
  // Without pinning, keyring falls back on Linux to the kernel keyring, which forgets at reboot.
  const options = platform === 'linux' ? { linux: { store: 'secret-service' } } : undefined;
  let writesSent = 0;
  const sentWrite = () => void writesSent++;
  return {
    writesSent: () => writesSent,
    description: platform === 'darwin' ? 'macOS Keychain' : platform === 'win32' ? 'Windows Credential Manager' : 'Secret Service keyring',
    unreachable: () => noSessionBus(process.env, platform),
    getPassword: async (service, account) => {
      const value = await keychainCall({ op: 'get', service, account, options }, limits);
      return typeof value === 'string' ? value : null;
    },
    setPassword: async (service, account, password) => {
      await keychainCall({ op: 'set', service, account, password, options }, limits, sentWrite);
    },
    deletePassword: async (service, account) => (await keychainCall({ op: 'delete', service, account, options }, limits, sentWrite)) === true,
    // findCredentials has no store option: on Linux it searches the Secret Service, where the entries are.
    findAccounts: async (service) => {
      const value = await keychainCall({ op: 'list', service }, limits);
      return Array.isArray(value) ? value : [];
    },
  };
}

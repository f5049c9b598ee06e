// The keychain's time box measures the keychain, not the helper's start-up: osKeychain's calls run
// in a real helper process (node -e), here against a fake binding module that takes its time to
// load (as Node and @napi-rs/keyring do on a busy machine), answers, hangs, or throws.
import { spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { describeKeychainProblem, KEYCHAIN_CHILD, keychainFix, KeychainUnavailableError, osKeychain } from '../../src/storage/keychain.js';
import { beforeReleasingHeldLocks, releaseHeldLocks } from '../../src/storage/lock.js';
import { killed } from '../helpers/processes.js';

const STORE = 'Secret Service keyring';
const NO_REPLY =
  'Platform failure: DBus error: Did not receive a reply. Possible causes include: the remote application did not send a reply, the message bus security policy blocked the reply, the reply timeout expired, or the network connection was broken.';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'openai-setup-keychain-call-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.unstubAllEnvs());

let modules = 0;
/**
 * A binding module (keytar-style, as @napi-rs/keyring's) whose require takes `loadMs` (blocking, as
 * loading a native module does; Infinity: never done), and whose calls first touch `called`, then
 * answer, throw `throws`, or block for good.
 */
function fakeBinding(how: { loadMs: number; calls: 'answer' | 'hang' | { throws: string } | { takesMs: number } }): { path: string; called: string; loaded: string } {
  const path = join(dir, `binding-${++modules}.cjs`);
  const called = `${path}.called`;
  const loaded = `${path}.loaded`;
  const block = (ms: string) => `Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${ms})`;
  // takesMs: a call that takes its time, each one's start and end appended to `called` (one line each).
  const note = (what: string) => `require('node:fs').appendFileSync(${JSON.stringify(called)}, \`${what} \${process.pid}\\n\`)`;
  const answer =
    how.calls === 'answer' ? '' : how.calls === 'hang' ? `${block('Infinity')};` : 'takesMs' in how.calls ? `${note('start')}; ${block(String(how.calls.takesMs))}; ${note('end')};` : `throw new Error(${JSON.stringify(how.calls.throws)});`;
  writeFileSync(
    path,
    `${block(String(how.loadMs))};
require('node:fs').writeFileSync(${JSON.stringify(loaded)}, '');
const call = () => { require('node:fs').appendFileSync(${JSON.stringify(called)}, ''); ${answer} };
exports.Entry = class { constructor(service, account) { this.account = account; } getPassword() { call(); return 'secret-of-' + this.account; } setPassword() { call(); } deletePassword() { call(); return true; } };
exports.findCredentials = () => { call(); return [{ account: 'work', password: 'never-sent' }]; };
`,
  );
  return { path, called, loaded };
}

/** What a person reads of a keychain call's failure. */
async function failure(call: Promise<unknown>): Promise<{ problem: string; said: string }> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof KeychainUnavailableError)) throw new Error(`expected a KeychainUnavailableError, got ${String(error)}`);
  return { problem: error.problem, said: `${describeKeychainProblem(error, STORE)} ${keychainFix(error, STORE) ?? ''}`.trim() };
}

describe('a keychain call in its helper process', () => {
  it('a helper slow to start (its binding loads for longer than the time box) whose keychain answers at once: answered', async () => {
    const binding = fakeBinding({ loadMs: 1500, calls: 'answer' });
    const keychain = osKeychain('linux', { timeoutMs: 1000, bindingPath: binding.path });
    expect(await Promise.all([keychain.getPassword('openai-setup', 'work'), keychain.findAccounts?.('openai-setup')])).toEqual(['secret-of-work', ['work']]);
  }, 30_000);

  it('a keychain that never answers once the helper is ready: asked, then given up after the time box, said as not answering', async () => {
    const binding = fakeBinding({ loadMs: 600, calls: 'hang' });
    const result = await failure(osKeychain('linux', { timeoutMs: 300, bindingPath: binding.path }).setPassword('openai-setup', 'work', 'sk-x'));
    expect(result).toEqual({
      problem: 'timeout',
      said: `The ${STORE} did not answer within a few seconds. Check that the ${STORE} answers (a desktop session, or gnome-keyring-daemon running), then run this again.`,
    });
    // The box started once the helper was ready: the keychain was asked, not cut off while the helper loaded.
    expect(existsSync(binding.called)).toBe(true);
  }, 30_000);

  it('a helper that does not start within its own bound: said as such, not as a keychain that did not answer', async () => {
    const binding = fakeBinding({ loadMs: Infinity, calls: 'answer' });
    const result = await failure(osKeychain('linux', { timeoutMs: 300, startupMs: 1000, bindingPath: binding.path }).getPassword('openai-setup', 'work'));
    expect(result).toEqual({
      problem: 'no-start',
      said: `The ${STORE} could not be asked: the keychain helper (a node process) did not start within 1 s; the machine may be too busy. Run this again when the machine is less busy.`,
    });
    expect(result.said).not.toMatch(/did not answer/);
    expect(existsSync(binding.called)).toBe(false);
  }, 30_000);

  it('a "no reply" at once after a slow start, on this user\'s own bus: judged by the call\'s time, not the start-up\'s (the binding\'s words, not "did not answer")', async () => {
    // This user's own bus socket (a file of theirs stands in): an early no-reply there is the binding's words.
    const socket = join(dir, 'bus');
    writeFileSync(socket, '');
    vi.stubEnv('DBUS_SESSION_BUS_ADDRESS', `unix:path=${socket}`);
    // Loading takes more than half the box: counted from spawn, the answer would look late.
    const binding = fakeBinding({ loadMs: 1200, calls: { throws: NO_REPLY } });
    const result = await failure(osKeychain('linux', { timeoutMs: 2000, bindingPath: binding.path }).deletePassword('openai-setup', 'work'));
    expect(result).toEqual({ problem: 'failed', said: `The ${STORE} failed: ${NO_REPLY}` });
  }, 30_000);

  it("a binding whose native part is missing (installed with --omit=optional): said as the install's, with how to mend it, not as a keychain that failed", async () => {
    // As @napi-rs/keyring throws then: one line, npm advice of its own after the first sentence.
    const path = join(dir, 'unloadable.cjs');
    writeFileSync(path, "throw new Error('Cannot find native binding. npm has a bug related to optional dependencies (https://github.com/npm/cli/issues/4828). Please try `npm i` again after removing both package-lock.json and node_modules directory.');\n");
    const result = await failure(osKeychain('linux', { timeoutMs: 1000, bindingPath: path }).setPassword('openai-setup', 'work', 'sk-x'));
    expect(result).toEqual({
      problem: 'no-binding',
      said: `The ${STORE} could not be asked: openai-setup's keychain binding (@napi-rs/keyring) could not be loaded (Cannot find native binding). Install openai-setup again, without --omit=optional (the keychain binding's native part for this platform is an optional dependency), then run this again.`,
    });
    expect(result.said).not.toMatch(/npm i|npm has a bug|node_modules|gave no answer/);
  }, 30_000);

  it('calls at once take turns at the keychain (its lock in the config dir): one asks only once the one before has exited, and all are answered', async () => {
    const turnsDir = mkdtempSync(join(dir, 'config-'));
    const binding = fakeBinding({ loadMs: 0, calls: { takesMs: 150 } });
    const keychain = osKeychain('linux', { timeoutMs: 5000, bindingPath: binding.path, turnsDir });
    const accounts = ['a', 'b', 'c', 'd', 'e', 'f'];
    expect(await Promise.all(accounts.map((account) => keychain.getPassword('openai-setup', account)))).toEqual(accounts.map((account) => `secret-of-${account}`));
    // In turn: each call's end comes right after its start, never another's start in between.
    const lines = readFileSync(binding.called, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(12);
    for (let i = 0; i < lines.length; i += 2) expect([lines[i]?.split(' ')[0], lines[i + 1]]).toEqual(['start', lines[i]?.replace('start', 'end')]);
    // The turn was let go.
    expect(existsSync(join(turnsDir, 'keychain.lock'))).toBe(false);
  }, 30_000);

  it("a turn lock left by a killed run is taken over once stale, one dated ahead of the clock at once; a config dir that cannot be made never fails the call; one not there yet is made", async () => {
    const binding = fakeBinding({ loadMs: 0, calls: 'answer' });
    const stale = mkdtempSync(join(dir, 'config-'));
    mkdirSync(join(stale, 'keychain.lock'));
    utimesSync(join(stale, 'keychain.lock'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    expect(await osKeychain('linux', { bindingPath: binding.path, turnsDir: stale }).getPassword('openai-setup', 'work')).toBe('secret-of-work');
    expect(existsSync(join(stale, 'keychain.lock'))).toBe(false);

    const ahead = mkdtempSync(join(dir, 'config-'));
    mkdirSync(join(ahead, 'keychain.lock'));
    utimesSync(join(ahead, 'keychain.lock'), new Date(Date.now() + 3_600_000), new Date(Date.now() + 3_600_000));
    // No live run's (a holder dates it now): removed at once, not waited for (for a minute here: past this test's bound).
    expect(await osKeychain('linux', { bindingPath: binding.path, turnsDir: ahead, turnWaitMs: 60_000 }).getPassword('openai-setup', 'work')).toBe('secret-of-work');
    expect(existsSync(join(ahead, 'keychain.lock'))).toBe(false);

    // A config dir not there yet is made (0700) for the turns: runs at once on a fresh machine take turns too.
    const fresh = join(dir, 'fresh', 'openai-setup');
    expect(await osKeychain('linux', { bindingPath: binding.path, turnsDir: fresh }).getPassword('openai-setup', 'work')).toBe('secret-of-work');
    expect(statSync(fresh).mode & 0o777).toBe(0o700);
    expect(readdirSync(fresh)).toEqual([]);
    // One that cannot be made (a file in its way): the call is made all the same, without its turn.
    writeFileSync(join(dir, 'a-file'), '');
    expect(await osKeychain('linux', { bindingPath: binding.path, turnsDir: join(dir, 'a-file', 'openai-setup') }).getPassword('openai-setup', 'work')).toBe('secret-of-work');
  }, 30_000);

  it("a run leaving while its call is in flight: the helper is killed before the turn is let go (releaseHeldLocks, from main.ts's exit), and on process exit; none is left to ask out of its turn", async () => {
    const turnsDir = mkdtempSync(join(dir, 'config-'));
    const lock = join(turnsDir, 'keychain.lock');
    /** The pid of the helper whose call has begun, once it has (the binding notes `start <pid>`). */
    const inFlight = (binding: { called: string }) =>
      vi.waitFor(
        () => {
          const started = /^start (\d+)$/m.exec(existsSync(binding.called) ? readFileSync(binding.called, 'utf8') : '');
          if (!started) throw new Error('not called yet');
          return Number(started[1]);
        },
        { timeout: 10_000, interval: 20 },
      );
    const exitListeners = process.listeners('exit');

    // main.ts's exit: the locks go first (before process.exit), so the helper must be killed by then.
    const binding = fakeBinding({ loadMs: 0, calls: { takesMs: 60_000 } });
    const call = failure(osKeychain('linux', { timeoutMs: 30_000, bindingPath: binding.path, turnsDir }).getPassword('openai-setup', 'work'));
    const helper = await inFlight(binding);
    expect(existsSync(lock)).toBe(true);
    // Registered after the keychain's own: what it sees is what the keychain left when the lock goes.
    let seen: { helperKilled: boolean; lockThere: boolean } | undefined;
    const untie = beforeReleasingHeldLocks(() => (seen = { helperKilled: killed(helper), lockThere: existsSync(lock) }));
    try {
      releaseHeldLocks();
    } finally {
      untie();
    }
    expect(seen).toEqual({ helperKilled: true, lockThere: true });
    expect(existsSync(lock)).toBe(false);
    expect((await call).problem).toBe('failed');
    // Gone: nothing of it is kept past it.
    expect(process.listeners('exit')).toEqual(exitListeners);

    // Any other way out (an error, a process.exit elsewhere): process 'exit' kills it.
    const other = fakeBinding({ loadMs: 0, calls: { takesMs: 60_000 } });
    const otherCall = failure(osKeychain('linux', { timeoutMs: 30_000, bindingPath: other.path, turnsDir }).getPassword('openai-setup', 'work'));
    const otherHelper = await inFlight(other);
    const added = process.listeners('exit').filter((listener) => !exitListeners.includes(listener));
    expect(added).toHaveLength(1);
    // As the process leaving would call it (emitting 'exit' here would end this test's worker).
    added[0]?.(0);
    expect(killed(otherHelper)).toBe(true);
    expect((await otherCall).problem).toBe('failed');
    expect(process.listeners('exit')).toEqual(exitListeners);
    expect(readdirSync(turnsDir)).toEqual([]);
  }, 30_000);

  it('a run killed (SIGKILL, so it could not kill its helper) with its request in the pipe, not yet read: the helper, handed on to another parent, asks nothing', async () => {
    const binding = fakeBinding({ loadMs: 0, calls: 'answer' });
    // A run of its own, as main.ts's would: starts the helper, sends the request once it is ready,
    // and is gone before the helper reads it (stopped meanwhile: a busy machine).
    const run = `
      const { spawn } = require('node:child_process');
      const helper = spawn(process.execPath, ['-e', process.argv[1], process.argv[2]], { stdio: ['pipe', 'pipe', 'ignore'] });
      helper.stdout.once('data', () => {
        process.kill(helper.pid, 'SIGSTOP');
        helper.stdin.end(JSON.stringify({ op: 'get', service: 'openai-setup', account: 'work' }), () => {
          process.stdout.write(String(helper.pid), () => process.kill(process.pid, 'SIGKILL'));
        });
      });`;
    const parent = spawn(process.execPath, ['-e', run, KEYCHAIN_CHILD, binding.path], { stdio: ['ignore', 'pipe', 'inherit'] });
    let said = '';
    parent.stdout.on('data', (chunk: Buffer) => (said += chunk.toString()));
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => parent.on('close', (_code, signal) => resolve(signal)));
    expect(signal).toBe('SIGKILL');
    const helper = Number(said);
    expect(helper).toBeGreaterThan(0);
    process.kill(helper, 'SIGCONT');
    // It reads the request and leaves: done once gone (or a zombie, for whoever adopted it).
    await vi.waitFor(() => expect(killed(helper)).toBe(true), { timeout: 10_000, interval: 20 });
    expect(existsSync(binding.called)).toBe(false);
  }, 30_000);

  it("a keychain that did not answer one run's call: the calls that waited for their turn meanwhile are told at once, asking nothing; a call after it asks again", async () => {
    const turnsDir = mkdtempSync(join(dir, 'config-'));
    const first = fakeBinding({ loadMs: 0, calls: 'hang' });
    const waiting = fakeBinding({ loadMs: 0, calls: 'hang' });
    // The first call's box is long enough for the second's helper to start and wait for its turn.
    const hung = osKeychain('linux', { timeoutMs: 5000, bindingPath: first.path, turnsDir }).getPassword('openai-setup', 'work');
    const firstFailure = failure(hung);
    // The first call holds the turn once its binding is called.
    await vi.waitFor(() => expect(existsSync(first.called)).toBe(true), { timeout: 10_000, interval: 20 });
    const waiter = failure(osKeychain('linux', { timeoutMs: 20_000, bindingPath: waiting.path, turnsDir }).getPassword('openai-setup', 'work'));
    // Its helper has loaded the binding: it waits for its turn (the first call still holds it).
    await vi.waitFor(() => expect(existsSync(waiting.loaded)).toBe(true), { timeout: 10_000, interval: 20 });
    expect(existsSync(join(turnsDir, 'keychain.unanswered'))).toBe(false);
    const waited = await waiter;
    expect((await firstFailure).problem).toBe('timeout');
    expect(waited).toEqual({
      problem: 'timeout',
      said: `The ${STORE} did not answer within a few seconds. Check that the ${STORE} answers (a desktop session, or gnome-keyring-daemon running), then run this again.`,
    });
    // Told, not asked: its binding was never called (its own 20 s box would have been waited out otherwise).
    expect(existsSync(waiting.called)).toBe(false);
    expect(existsSync(join(turnsDir, 'keychain.unanswered'))).toBe(true);
    // A call begun after it asks again; answered, the mark goes.
    const answering = fakeBinding({ loadMs: 0, calls: 'answer' });
    expect(await osKeychain('linux', { bindingPath: answering.path, turnsDir }).getPassword('openai-setup', 'work')).toBe('secret-of-work');
    expect(readdirSync(turnsDir)).toEqual([]);
  }, 30_000);

  it("a call whose helper was still starting (a busy machine) when another run's call got no answer: told at once too, asking nothing", async () => {
    const turnsDir = mkdtempSync(join(dir, 'config-'));
    const first = fakeBinding({ loadMs: 0, calls: 'hang' });
    // Ready only well after the first call's box: it begins waiting for its turn once the mark is there.
    const starting = fakeBinding({ loadMs: 4000, calls: 'answer' });
    const firstFailure = failure(osKeychain('linux', { timeoutMs: 500, bindingPath: first.path, turnsDir }).getPassword('openai-setup', 'work'));
    await vi.waitFor(() => expect(existsSync(first.called)).toBe(true), { timeout: 10_000, interval: 20 });
    const second = osKeychain('linux', { bindingPath: starting.path, turnsDir }).getPassword('openai-setup', 'work');
    const secondFailure = failure(second);
    expect((await firstFailure).problem).toBe('timeout');
    // The mark made while the second call's helper was still loading its binding.
    expect(existsSync(join(turnsDir, 'keychain.unanswered'))).toBe(true);
    expect(existsSync(starting.loaded)).toBe(false);
    expect((await secondFailure).problem).toBe('timeout');
    // Told, not asked: a keychain that stopped answering is not asked once more by each run in the queue.
    expect(existsSync(starting.called)).toBe(false);
  }, 30_000);

  describe("the mark of a keychain that did not answer says nothing of", () => {
    /** A first call that holds the turn and never gets an answer (its box `timeoutMs`), and a second call, waiting for its turn by then, whose binding answers. */
    async function secondWhileFirstHangs(turnsDir: string, timeoutMs: number, between: () => void = () => {}, whileSecondWaits: () => void = () => {}) {
      const first = fakeBinding({ loadMs: 0, calls: 'hang' });
      const second = fakeBinding({ loadMs: 0, calls: 'answer' });
      const firstFailure = failure(osKeychain('linux', { timeoutMs, bindingPath: first.path, turnsDir }).getPassword('openai-setup', 'work'));
      await vi.waitFor(() => expect(existsSync(first.called)).toBe(true), { timeout: 10_000, interval: 20 });
      between();
      const answer = osKeychain('linux', { bindingPath: second.path, turnsDir }).getPassword('openai-setup', 'work');
      await vi.waitFor(() => expect(existsSync(second.loaded)).toBe(true), { timeout: 10_000, interval: 20 });
      // Its helper ready, the second call goes on to wait for its turn.
      await new Promise((resolve) => setTimeout(resolve, 300));
      whileSecondWaits();
      return { first: await firstFailure, second: await answer, secondAsked: existsSync(second.called) };
    }

    it('a mark dated ahead of the clock (a clock set back since): the keychain is asked, and the mark goes once it answers', async () => {
      vi.stubEnv('DBUS_SESSION_BUS_ADDRESS', 'unix:path=/run/user/1000/bus');
      const turnsDir = mkdtempSync(join(dir, 'config-'));
      writeFileSync(join(turnsDir, 'keychain.unanswered'), 'unix:path=/run/user/1000/bus');
      utimesSync(join(turnsDir, 'keychain.unanswered'), new Date(Date.now() + 3_600_000), new Date(Date.now() + 3_600_000));
      const binding = fakeBinding({ loadMs: 0, calls: 'answer' });
      expect(await osKeychain('linux', { bindingPath: binding.path, turnsDir }).getPassword('openai-setup', 'work')).toBe('secret-of-work');
      expect(readdirSync(turnsDir)).toEqual([]);
    }, 30_000);

    it("another keychain's (another session bus sharing the config dir): a run on this one asks its own", async () => {
      const turnsDir = mkdtempSync(join(dir, 'config-'));
      vi.stubEnv('DBUS_SESSION_BUS_ADDRESS', 'unix:path=/tmp/bus-of-a-container');
      const seen = await secondWhileFirstHangs(turnsDir, 3000, () => vi.stubEnv('DBUS_SESSION_BUS_ADDRESS', 'unix:path=/run/user/1000/bus'));
      expect(seen).toEqual({ first: expect.objectContaining({ problem: 'timeout' }), second: 'secret-of-work', secondAsked: true });
    }, 30_000);

    it('a run paused past its time box (Ctrl-Z, then fg): its timeout marks nothing, and the run waiting meanwhile asks', async () => {
      const turnsDir = mkdtempSync(join(dir, 'config-'));
      const seen = await secondWhileFirstHangs(
        turnsDir,
        3000,
        () => {},
        // This process stopped (as by Ctrl-Z) for well past the first call's box, its timer held back.
        () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5_000),
      );
      expect(seen).toEqual({ first: expect.objectContaining({ problem: 'timeout' }), second: 'secret-of-work', secondAsked: true });
      expect(existsSync(join(turnsDir, 'keychain.unanswered'))).toBe(false);
    }, 30_000);

    it("root's run in another user's config dir (sudo -E) leaves nothing of root's there: no turns, no mark", async () => {
      const turnsDir = mkdtempSync(join(dir, 'config-'));
      chownSync(turnsDir, 65534, 65534);
      const binding = fakeBinding({ loadMs: 0, calls: 'hang' });
      expect((await failure(osKeychain('linux', { timeoutMs: 300, bindingPath: binding.path, turnsDir }).getPassword('openai-setup', 'work'))).problem).toBe('timeout');
      expect(readdirSync(turnsDir)).toEqual([]);
    }, 30_000);
  });
});


// The built binary against a real gnome-keyring: runs on different profiles at once never fail each
// other through the write probe, and a daemon that stopped answering is said to be one that does not
// answer, not a locked keyring.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CLI, withTestEnv } from '../helpers/env.js';
import { formatBusEvents, keyringDaemons, overlappingSpans, secretServiceSpans, startPrivateKeyring, type BusMonitor, type PrivateKeyring } from '../helpers/keyring.js';
import { makeKey } from '../helpers/openai-server.js';
import { childrenOf, killed } from '../helpers/processes.js';
import { runCli, runCommand } from '../helpers/run.js';

// A keyring of its own for each test: a daemon that one test leaves stopped, or that died under the
// load of another (gnome-keyring has upstream crashes under bursts of clients), fails that test only.
let keyring: PrivateKeyring;
beforeEach(async () => {
  keyring = await startPrivateKeyring();
});
afterEach(async () => {
  await keyring?.stop();
});

/** The accounts of service "openai-setup" in the keyring, as secret-tool lists them (attributes go to its stderr). */
async function accounts(): Promise<string[]> {
  const listed = await runCommand('secret-tool', ['search', '--all', 'service', 'openai-setup'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...keyring.env } });
  return [...listed.stderr.matchAll(/^attribute\.username = (.*)$/gm)].map((m) => m[1] ?? '').sort();
}

/** The gnome-keyring-daemon serving this keyring's bus. */
function daemonPid(): number {
  const [pid] = keyringDaemons(keyring.env.DBUS_SESSION_BUS_ADDRESS);
  if (pid === undefined) throw new Error(`no gnome-keyring-daemon found for the private keyring\n${keyring.log()}`);
  return pid;
}

/** The clients that have asked the Secret Service so far, as recorded yet. */
const asked = (monitor: BusMonitor) => secretServiceSpans(monitor.recorded(), monitor.serviceOwner);
const fail = (why: string): never => {
  throw new Error(why);
};

describe('the keychain with other runs and a stuck daemon', () => {
  it('8 runs of `key --stdin --no-verify` on 8 profiles at once, twice over, then 8 of `token`: all stored (exit 0), each key in the keyring and printed, no probe entry left, one Secret Service client at a time', async () => {
    await withTestEnv(keyring.env, async (t) => {
      const profiles = Array.from({ length: 8 }, (_, i) => `q${i}`);
      // Two rounds, not more: gnome-keyring-daemon also dies now and then with clients strictly one
      // at a time (a race on a new connection's first request, measured at about one in several
      // thousand connections on a loaded machine), so each round adds ~50 connections' worth of
      // that chance without proving more about taking turns.
      const ROUNDS = 2;
      // gnome-keyring-daemon dies when clients open sessions at once (an upstream race: "assertion
      // 'client' failed", then a GLib error; D-Bus then activates a new daemon whose keyring is
      // locked): runs at once talk to it one at a time.
      const monitor = await keyring.monitor();
      let runsFailed: unknown;
      let lastRound = '';
      try {
        for (let round = 0; round < ROUNDS; round++) {
          const keys = profiles.map((profile) => makeKey('proj', `concurrent-${round}-${profile}`));
          const results = await Promise.all(profiles.map((profile, i) => runCli(['key', '--stdin', '--no-verify', '--profile', profile], { env: t.env, input: keys[i], timeoutMs: 30_000 })));
          lastRound = `round ${round}'s runs: ${results.map((r) => `${r.code} ${r.stderr.split('\n')[0]?.slice(0, 100)}`).join(' | ')}`;
          expect(results.map((r) => `${r.code} ${r.stderr}`), `round ${round}; the keyring:\n${keyring.log()}`).toEqual(profiles.map(() => '0 '));
          for (const [i, profile] of profiles.entries()) expect(await keyring.lookup('openai-setup', profile)).toBe(keys[i]);
        }
        // Reads at once too (`token` in parallel jobs): each prints its profile's key.
        const tokens = await Promise.all(profiles.map((profile) => runCli(['token', '--profile', profile], { env: t.env, timeoutMs: 30_000 })));
        lastRound = `the token runs: ${tokens.map((r) => `${r.code} ${r.stderr.split('\n')[0]?.slice(0, 100)}`).join(' | ')}`;
        expect(tokens.map((r) => `${r.code} ${r.stderr}`), `token; the keyring:\n${keyring.log()}`).toEqual(profiles.map(() => '0 '));
        expect(tokens.map((r) => r.stdout.trim())).toEqual(profiles.map((profile) => makeKey('proj', `concurrent-${ROUNDS - 1}-${profile}`)));
      } catch (err) {
        runsFailed = err;
      }
      // Each client's span, from its first message to the service until it left the bus, overlaps no other's.
      const events = await monitor.stop();
      const spans = secretServiceSpans(events, monitor.serviceOwner);
      const overlaps = overlappingSpans(spans);
      const [a, b] = overlaps[0] ?? [];
      expect(
        overlaps.length,
        a && b
          ? `Secret Service clients overlap (${overlaps.length} pairs of ${spans.length} clients, e.g. ${overlaps.slice(0, 5).map(([x, y]) => `${x.client} and ${y.client}`).join(', ')}): ${a.client} (#${a.first} to ${a.gone === null ? 'the end' : `#${a.gone}`}) was still on the bus when ${b.client} first called the service (#${b.first}); service ${monitor.serviceOwner}; the first pair's events:\n` +
              `${formatBusEvents(events, a.first, a.gone ?? events.length)}\nthe keyring: ${keyring.log()}` +
              (runsFailed === undefined ? '' : `\nand the runs failed: ${lastRound}`)
          : '',
      ).toBe(0);
      expect(spans.length, `Secret Service clients recorded (${ROUNDS} rounds of 8 runs, the lookups, 8 token runs)`).toBeGreaterThanOrEqual(40);
      if (runsFailed !== undefined) throw runsFailed;
      expect(await accounts()).toEqual(profiles);
    });
  }, 120_000);

  it('a stopped gnome-keyring-daemon: key, verify, token and logout say it did not answer (exit 7), not that it is locked', async () => {
    await withTestEnv(keyring.env, async (t) => {
      const key = makeKey('proj', 'stopped-daemon');
      const stored = await runCli(['key', '--stdin', '--no-verify', '--profile', 'stuck'], { env: t.env, input: key });
      expect(`${stored.code} ${stored.stderr}`, keyring.log()).toBe('0 ');
      const pid = daemonPid();
      process.kill(pid, 'SIGSTOP');
      try {
        for (const args of [['key', '--stdin', '--no-verify'], ['verify'], ['token'], ['logout', '--yes']]) {
          const result = await runCli([...args, '--profile', 'stuck'], { env: t.env, input: args[0] === 'key' ? key : undefined, timeoutMs: 30_000 });
          const said = `${args.join(' ')}: ${result.stderr}`;
          expect(result.code, said).toBe(7);
          expect(result.stderr, said).toMatch(/^✖ The Secret Service keyring did not answer within a few seconds\./);
          expect(result.stderr, said).toMatch(/Check that the Secret Service keyring answers \(a desktop session, or gnome-keyring-daemon running\)/);
          expect(result.stderr, said).not.toMatch(/locked|unlock/i);
          expect(result.stdout, said).not.toContain(key);
        }
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      // Answering again, nothing was lost.
      expect(await keyring.lookup('openai-setup', 'stuck')).toBe(key);
    });
  }, 120_000);

  it('a run ended by SIGTERM (its pid only: a supervisor, a CI cancel) while its call waits on a stopped daemon leaves no helper behind: nothing of it asks once the daemon goes on, and the next run asks alone (exit 0)', async () => {
    await withTestEnv(keyring.env, async (t) => {
      const key = makeKey('proj', 'terminated-call');
      const stored = await runCli(['key', '--stdin', '--no-verify', '--profile', 'z'], { env: t.env, input: key });
      expect(`${stored.code} ${stored.stderr}`, keyring.log()).toBe('0 ');
      const monitor = await keyring.monitor();
      const pid = daemonPid();
      process.kill(pid, 'SIGSTOP');
      let stopped = true;
      let helpers: number[] = [];
      try {
        // Its own process group, as a CI job's: a signal to the run's pid reaches nothing else.
        const first = spawn(process.execPath, [CLI, 'token', '--yes', '--profile', 'z'], { env: t.env, cwd: t.home, stdio: 'ignore', detached: true });
        const firstExit = new Promise<number | null>((resolve) => first.on('exit', (code) => resolve(code)));
        // Its helper has asked the stopped daemon: the call is in flight (for 3 s, its time box).
        const asking = await vi.waitFor(() => asked(monitor)[0] ?? fail('the first run has not asked the Secret Service yet'), { timeout: 10_000, interval: 10 });
        helpers = childrenOf(first.pid ?? 0);
        expect(helpers.length, 'its keychain helper').toBeGreaterThan(0);
        first.kill('SIGTERM');
        expect(await firstExit).toBe(143);
        // Killed before the run was gone: nothing else would end it while the daemon is stopped.
        const leftBehind = helpers.filter((helper) => !killed(helper));
        expect(existsSync(join(t.configDir, 'keychain.lock')), 'its turn let go').toBe(false);

        // The next run takes the turn and asks; then the daemon goes on.
        const second = runCli(['token', '--profile', 'z'], { env: t.env, timeoutMs: 30_000 });
        await vi.waitFor(() => asked(monitor).find((span) => span.client !== asking.client) ?? fail('the second run has not asked the Secret Service yet'), { timeout: 10_000, interval: 10 });
        const resumed = await monitor.sync();
        process.kill(pid, 'SIGCONT');
        stopped = false;
        const token = await second;
        const events = await monitor.stop();

        expect(leftBehind, 'helpers of the run ended by SIGTERM still running once it was gone').toEqual([]);
        const late = events.filter((e) => e.seq >= resumed && e.sender === asking.client);
        expect(late.length, `the killed run's helper (${asking.client}) on the bus once the daemon went on:\n${formatBusEvents(events, resumed, events.length)}`).toBe(0);
        expect(overlappingSpans(secretServiceSpans(events, monitor.serviceOwner)), formatBusEvents(events, asking.first, events.length)).toEqual([]);
        expect(`${token.code} ${token.stderr}`, keyring.log()).toBe('0 ');
        expect(token.stdout.trim()).toBe(key);
      } finally {
        if (stopped) process.kill(pid, 'SIGCONT');
        for (const helper of helpers.filter((h) => !killed(h))) process.kill(helper, 'SIGKILL');
      }
    });
  }, 60_000);

  it('a FIFO (or a link to one) where the no-answer mark goes, dated now: never opened to wait on, the key is read (exit 0)', async () => {
    await withTestEnv(keyring.env, async (t) => {
      const key = makeKey('proj', 'fifo-mark');
      expect((await runCli(['key', '--stdin', '--no-verify'], { env: t.env, input: key })).code).toBe(0);
      const mark = join(t.configDir, 'keychain.unanswered');
      const fifo = join(t.root, 'a-fifo');
      for (const planted of ['fifo', 'link'] as const) {
        rmSync(mark, { force: true });
        if (planted === 'fifo') expect(spawnSync('mkfifo', [mark]).status).toBe(0);
        else {
          if (spawnSync('test', ['-p', fifo]).status !== 0) expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
          symlinkSync(fifo, mark);
        }
        // Dated a second ahead: within what a mark made by a run waiting now could be.
        expect(spawnSync('touch', ['-h', '-d', '+1 second', mark]).status).toBe(0);
        if (planted === 'link') expect(spawnSync('touch', ['-d', '+1 second', fifo]).status).toBe(0);
        const token = await runCli(['token'], { env: t.env, timeoutMs: 20_000 });
        expect(`${token.code} ${token.stderr}`, planted).toBe('0 ');
        expect(token.stdout.trim()).toBe(key);
      }
    });
  }, 60_000);

  it("a probe entry left by a run that is gone (killed, or a write the daemon carried out late) is removed by the next run that writes; a live run's stays", async () => {
    await withTestEnv(keyring.env, async (t) => {
      // A pid no process has now: one that has just exited (and been reaped).
      const dead = spawnSync('true').pid;
      const leftover = `__probe__.${dead}.08531a97`;
      const live = `__probe__.${process.pid}.0badc0de`;
      // Not of the probe form exactly: never touched, whatever its pid.
      const lookalike = `__probe__.${dead}.08531a97x`;
      for (const account of [leftover, live, lookalike]) await keyring.store('openai-setup', account, 'probe');
      const key = makeKey('proj', 'probe-sweep');
      const result = await runCli(['key', '--stdin', '--no-verify', '--profile', 'sweep'], { env: t.env, input: key, timeoutMs: 30_000 });
      expect(`${result.code} ${result.stderr}`).toBe('0 ');
      expect(await keyring.lookup('openai-setup', 'sweep')).toBe(key);
      expect(await keyring.lookup('openai-setup', leftover)).toBeNull();
      expect(await keyring.lookup('openai-setup', live)).toBe('probe');
      expect(await keyring.lookup('openai-setup', lookalike)).toBe('probe');
      expect((await accounts()).filter((a) => a.startsWith('__probe__'))).toEqual([live, lookalike].sort());
      const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...keyring.env };
      for (const account of [live, lookalike]) await runCommand('secret-tool', ['clear', 'service', 'openai-setup', 'username', account], { env });
    });
  }, 60_000);
});

describe("another user's session bus", () => {
  const NOBODY = 65534;
  // As root with a user's DBUS_SESSION_BUS_ADDRESS (sudo -E): their bus, its socket anyone may
  // connect to, drops root at once. A session bus of nobody's stands in for theirs.
  it.skipIf(process.getuid?.() !== 0)('root with it: key --stdin says the bus is theirs (exit 7), not that the keychain did not answer within a few seconds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openai-setup-e2e-bus-'));
    chmodSync(dir, 0o755);
    chownSync(dir, NOBODY, NOBODY);
    const socket = join(dir, 'bus');
    const daemon = spawn('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'dbus-daemon', '--session', `--address=unix:path=${socket}`, '--nofork', '--print-address=1'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        daemon.stdout.on('data', (chunk: Buffer) => chunk.includes('unix:') && resolve());
        daemon.on('exit', (code) => reject(new Error(`dbus-daemon exited (${code})`)));
      });
      await withTestEnv({ DBUS_SESSION_BUS_ADDRESS: `unix:path=${socket}` }, async (t) => {
        const key = makeKey('proj', 'another-users-bus');
        const result = await runCli(['key', '--stdin', '--no-verify'], { env: t.env, input: key, timeoutMs: 30_000 });
        expect(result.code, result.stderr).toBe(7);
        expect(result.stderr).toContain(`✖ The Secret Service keyring cannot be reached: the session bus in DBUS_SESSION_BUS_ADDRESS (${socket}) belongs to another user (uid ${NOBODY}); sudo -E and su keep that variable from the user who started them.`);
        expect(result.stderr).toContain('Run this as the user whose session bus it is, from their own terminal (not through sudo -E or su).');
        expect(result.stderr).not.toMatch(/within a few seconds/);
        expect(result.stdout + result.stderr).not.toContain(key);
      });
    } finally {
      daemon.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

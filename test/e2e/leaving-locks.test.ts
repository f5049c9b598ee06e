// rotate holds its lock across its questions. Left there on a signal, by the built binary in a real
// pseudo-terminal, it leaves no lock behind: the next rotate runs at once, not refused for another
// one running. Above all when the window is closed (the terminal hangs up: the run leaves by SIGHUP
// again, which skips the exit handlers that used to remove the lock). How the exit path removes
// it, and only this run's, is in test/unit/leaving-locks.test.ts.
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn as ptySpawn, type IPty } from '@lydell/node-pty';
import { describe, expect, it } from 'vitest';
import type { TestEnv } from '../helpers/env.js';
import { CLI } from '../helpers/env.js';
import { makeKey } from '../helpers/openai-server.js';
import { spawnCommand } from '../helpers/pty.js';
import { runCli } from '../helpers/run.js';
import { useServerAndKeyring } from '../helpers/server-and-keyring.js';

const ADMIN = makeKey('admin', 'e2e-leaving-locks');
const PROJECT = 'proj_E2eLeavingLocks000000000';

const { server, keyring, machine, spawnCli } = useServerAndKeyring((openai) => {
  openai.admin.addAdminKey(ADMIN);
  openai.admin.addProject({ id: PROJECT, name: 'leaving' });
});

let keyCount = 0;
/** A machine with a user's key of PROJECT stored for `profile`, and the admin key in the environment. */
async function rotatable(profile: string): Promise<{ t: TestEnv; old: string }> {
  const t = await machine({ OPENAI_ADMIN_KEY: ADMIN });
  const old = makeKey('proj', `e2e-leaving-locks-${keyCount++}`);
  server().addKey(old, { scenario: 'valid', project: PROJECT });
  const stored = await runCli(['key', '--stdin', '--profile', profile], { env: t.env, input: old });
  expect(stored.code, stored.stderr).toBe(0);
  return { t, old };
}

const QUESTION = (profile: string) => new RegExp(`Rotate the key of profile "${profile}" \\(sk-proj-…\\S{4}\\) in ${PROJECT}.*\\(Y/n\\)`);
/** Resolves once the terminal has shown `text` (escape sequences left out). */
function untilShown(pty: IPty, text: RegExp): Promise<void> {
  let screen = '';
  return new Promise<void>((resolve) => pty.onData((d) => text.test((screen += d).replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')) && resolve()));
}

/** The one process `pid` runs now (the CLI under the shell). */
function childOf(pid: number): number {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean);
  expect(children).toHaveLength(1);
  return Number(children[0]);
}

/** Resolves once process `pid` has ended (bounded: fails after 10 s). */
async function untilGone(pid: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  const alive = () => {
    try {
      return !readFileSync(`/proc/${pid}/stat`, 'utf8').slice(readFileSync(`/proc/${pid}/stat`, 'utf8').lastIndexOf(')') + 2).startsWith('Z');
    } catch {
      return false;
    }
  };
  while (alive()) {
    if (Date.now() > deadline) throw new Error(`process ${pid} still runs 10 s after its terminal hung up`);
    await sleep(20);
  }
}

const locks = (t: TestEnv) => readdirSync(t.configDir).filter((name) => name.endsWith('.lock'));

/** The next `rotate --yes` of `profile` runs at once (not "Another … rotate is running"), and replaces `old`. */
async function nextRotateRuns(t: TestEnv, profile: string, old: string): Promise<void> {
  const next = await runCli(['rotate', '--yes', '--profile', profile], { env: t.env });
  expect(next.stderr).not.toContain('is running');
  expect(next.code, next.stderr).toBe(0);
  const stored = await keyring().lookup('openai-setup', profile);
  expect(stored).toMatch(/^sk-svcacct-/);
  expect(server().admin.isLive(old)).toBe(false);
}

describe("rotate left at its question: no lock is left, the next rotate runs at once", () => {
  it('the window closed (the terminal hangs up): leaves by SIGHUP, and rotate-<profile>.lock is gone', async () => {
    const { t, old } = await rotatable('hup');
    const pty = ptySpawn(process.execPath, [CLI, 'rotate', '--profile', 'hup'], { name: 'xterm-256color', cols: 200, rows: 40, cwd: t.home, env: t.env });
    const exited = new Promise<{ exitCode: number; signal?: number }>((resolve) => pty.onExit(resolve));
    await untilShown(pty, QUESTION('hup'));
    expect(locks(t)).toEqual(['rotate-hup.lock']);
    // Closes the terminal's end, as a closed window does: the kernel hangs up the terminal and
    // sends SIGHUP to the CLI, its session's leader.
    (pty as unknown as { destroy(): void }).destroy();
    expect(await exited).toEqual({ exitCode: 0, signal: constants.signals.SIGHUP });
    expect(locks(t)).toEqual([]);
    await nextRotateRuns(t, 'hup', old);
  });

  it('SIGHUP once a terminal it writes to has hung up, its question still waiting: leaves by SIGHUP, and no lock is left', async () => {
    const { t, old } = await rotatable('gone');
    // Its errors go to a second terminal, which is then closed: the question (on the first) stays
    // open, so only the signal ends the run, by the path a closed window takes. That terminal is
    // made once the CLI's shell has started, so that nothing it starts holds that terminal open.
    const named = join(t.root, 'other-terminal');
    const session = spawnCommand('sh', ['-c', `while [ ! -s '${named}' ]; do sleep 0.05; done; exec '${process.execPath}' '${CLI}' rotate --profile gone 2>"$(cat '${named}')"`], { env: t.env, cols: 200 });
    const other = ptySpawn('sleep', ['600'], { name: 'xterm-256color', cols: 80, rows: 24, cwd: t.home, env: t.env });
    const otherGone = new Promise<void>((resolve) => other.onExit(() => resolve()));
    writeFileSync(`${named}.tmp`, (other as unknown as { ptsName: string }).ptsName);
    renameSync(`${named}.tmp`, named);
    try {
      await session.waitFor(QUESTION('gone'));
      expect(locks(t)).toEqual(['rotate-gone.lock']);
      (other as unknown as { destroy(): void }).destroy();
      // Hung up: the kernel has ended the `sleep` whose terminal it was.
      await otherGone;
      process.kill(session.pid, 'SIGHUP');
      expect(await session.exited).toEqual({ exitCode: 0, signal: constants.signals.SIGHUP });
    } finally {
      session.kill();
      other.kill();
    }
    expect(locks(t)).toEqual([]);
    await nextRotateRuns(t, 'gone', old);
  });

  it('run from an interactive bash whose window is closed (a tmux session killed): rotate-<profile>.lock is gone', async () => {
    const { t, old } = await rotatable('tmux');
    const pty = ptySpawn('bash', ['--norc', '--noprofile', '-i'], { name: 'xterm-256color', cols: 200, rows: 40, cwd: t.home, env: t.env });
    const shellGone = new Promise<void>((resolve) => pty.onExit(() => resolve()));
    pty.write('openai-setup rotate --profile tmux\r');
    await untilShown(pty, QUESTION('tmux'));
    const cli = childOf(pty.pid);
    (pty as unknown as { destroy(): void }).destroy();
    await shellGone;
    await untilGone(cli);
    expect(locks(t)).toEqual([]);
    await nextRotateRuns(t, 'tmux', old);
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('%s with the terminal still there: exit %i, and no lock is left', async (signal, code) => {
    const profile = signal.toLowerCase();
    const { t, old } = await rotatable(profile);
    const session = spawnCli(['rotate', '--profile', profile], { env: t.env, cols: 200 });
    await session.waitFor(QUESTION(profile));
    process.kill(session.pid, signal);
    expect((await session.exited).exitCode).toBe(code);
    expect(locks(t)).toEqual([]);
    await nextRotateRuns(t, profile, old);
  });
});

// `run` and a signal sent to its whole process group (`kill -- -PGID`, coreutils' `timeout`, which
// signals its child and then its group, systemd stopping a unit): the command, in that group, got
// it already, and gets it once, not a second time from run. One sent to run's PID alone is passed
// on, once. Through the built binary, without a terminal (run in a session of its own, as after
// setsid), with a child that writes down every signal it gets. The decisions one by one are in
// test/unit/run-signals.test.ts; a terminal's Ctrl-C in test/e2e/input.test.ts.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI, makeTestEnv, type TestEnv } from '../helpers/env.js';
import { makeKey } from '../helpers/openai-server.js';
import { runCli, runCommand } from '../helpers/run.js';
import { untilWitness } from '../helpers/run-witness.js';

const NODE = process.execPath;
let t: TestEnv;

beforeAll(async () => {
  t = await makeTestEnv();
  const stored = await runCli(['key', '--stdin', '--insecure-storage', '--no-verify'], { env: t.env, input: makeKey('proj', 'run-signals') });
  expect(stored.code, stored.stderr).toBe(0);
});
afterAll(async () => {
  await t?.cleanup();
});
// A test that failed half-way leaves no run behind: each is the leader of its own process group.
const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
});

// Writes each signal it gets on a line of its own, says it is ready (its pid, in a file), and
// leaves (exit 0) on SIGUSR2, which only the test sends.
const COUNTER = `
  const { appendFileSync, writeFileSync } = require('fs');
  const [log, ready] = process.argv.slice(1);
  writeFileSync(log, '');
  for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(name, () => appendFileSync(log, name + '\\n'));
  process.on('SIGUSR2', () => process.exit(0));
  writeFileSync(ready, String(process.pid));
  setInterval(() => {}, 1000);`;

/** Bounded wait for a condition the run will make true. */
async function until(what: string, condition: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 5_000; !condition(); await sleep(10)) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 5 s`);
  }
}

let runs = 0;

/** `run -- node COUNTER` in a process group (and session) of its own, once the child is ready. */
async function startRun() {
  const dir = join(t.root, `run-${++runs}`);
  const [log, ready] = [`${dir}-signals.txt`, `${dir}-ready.txt`];
  const cli = spawn(NODE, [CLI, 'run', '--', NODE, '-e', COUNTER, log, ready], { env: t.env, cwd: t.home, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  cli.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  cli.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  started.push(cli.pid!);
  const exited = new Promise<number | null>((resolve) => cli.on('close', (code) => resolve(code)));
  await until('the child is ready', () => existsSync(ready) && readFileSync(ready, 'utf8') !== '');
  const received = () => readFileSync(log, 'utf8').split('\n').filter(Boolean);
  return {
    pid: cli.pid!,
    received,
    /** Let the child leave; run's exit code and the signals the child got, in order. */
    async finish(): Promise<{ code: number | null; received: string[]; output: string }> {
      process.kill(Number(readFileSync(ready, 'utf8')), 'SIGUSR2');
      const code = await exited;
      return { code, received: received(), output };
    },
  };
}

describe('run: a signal sent to its whole process group reaches the command once', () => {
  it.each([
    ['SIGTERM', 'kill -TERM -- -PGID'],
    ['SIGHUP', 'kill -HUP -- -PGID'],
    ['SIGINT', 'kill -INT -- -PGID, without a terminal'],
  ] as const)('%s (%s)', async (signal, _how) => {
    const run = await startRun();
    const witnesses = await untilWitness(run.pid, signal, []);
    process.kill(-run.pid, signal);
    await until(`the child got ${signal}`, () => run.received().length > 0);
    // A fresh witness: run has judged the signal the group's (or, wrongly, passed it on).
    await untilWitness(run.pid, signal, witnesses, () => run.received().length > 1);
    const { code, received, output } = await run.finish();
    expect(received).toEqual([signal]);
    expect(code, output).toBe(0);
  });

  it("SIGTERM to run's PID and then to the group, as coreutils' timeout sends it: once", async () => {
    const run = await startRun();
    const witnesses = await untilWitness(run.pid, 'SIGTERM', []);
    process.kill(run.pid, 'SIGTERM');
    process.kill(-run.pid, 'SIGTERM');
    await until('the child got SIGTERM', () => run.received().length > 0);
    await untilWitness(run.pid, 'SIGTERM', witnesses, () => run.received().length > 1);
    const { code, received, output } = await run.finish();
    expect(received).toEqual(['SIGTERM']);
    expect(code, output).toBe(0);
  });

  it.each(['SIGTERM', 'SIGHUP', 'SIGINT'] as const)("%s sent to run's PID alone is passed on, once", async (signal) => {
    const run = await startRun();
    process.kill(run.pid, signal);
    await until(`the child got ${signal}`, () => run.received().length > 0);
    const { code, received, output } = await run.finish();
    expect(received).toEqual([signal]);
    expect(code, output).toBe(0);
  });
});

// A shell stops a loop on Ctrl-C only when its command died of SIGINT (bash's
// wait-and-cooperative-exit): one that exits 130 looks like a command that handled it. So run,
// once its command died of a signal, ends by that signal too.
describe('run: a command that died of a signal ends run by that signal', () => {
  // Says it started (a file), and on its first round waits to be ended; a later round ends at once.
  const CHILD = `require('fs').writeFileSync(process.argv[1], ''); if (process.argv[1].endsWith('.1')) setInterval(() => {}, 1000);`;

  it('Ctrl-C (SIGINT to the process group) in a bash loop of runs stops the loop, as with the command alone', async () => {
    const ready = join(t.root, 'loop-ready');
    const script = 'for i in 1 2; do "$NODE" "$CLI" run -- "$NODE" -e "$CHILD" "$READY.$i"; echo "rc=$?"; done; echo end';
    const bash = spawn('bash', ['-c', script], { env: { ...t.env, NODE, CLI, CHILD, READY: ready }, cwd: t.home, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    started.push(bash.pid!);
    let output = '';
    bash.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    bash.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => bash.on('close', (code, signal) => resolve({ code, signal })));
    await until('the first round has started', () => existsSync(`${ready}.1`));
    process.kill(-bash.pid!, 'SIGINT');
    // bash is gone: no later round can start.
    expect(await ended, output).toEqual({ code: null, signal: 'SIGINT' });
    expect(output).not.toMatch(/rc=|end/);
    expect(existsSync(`${ready}.2`)).toBe(false);
  });

  it("SIGTERM to run's PID alone, passed on, ending the command: run ends by SIGTERM (a shell's $? 143)", async () => {
    const ready = join(t.root, 'term-ready.1');
    const cli = spawn(NODE, [CLI, 'run', '--', NODE, '-e', CHILD, ready], { env: t.env, cwd: t.home, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    started.push(cli.pid!);
    let output = '';
    cli.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => cli.on('close', (code, signal) => resolve({ code, signal })));
    await until('the command has started', () => existsSync(ready));
    process.kill(cli.pid!, 'SIGTERM');
    expect(await ended, output).toEqual({ code: null, signal: 'SIGTERM' });
  });

  it("a shell's $? for it is still 128 + N", async () => {
    const result = await runCli(['run', '--', 'sh', '-c', 'kill -TERM $$'], { env: t.env });
    expect(result).toMatchObject({ code: null, signal: 'SIGTERM' });
    const shell = await runCommand('bash', ['-c', '"$NODE" "$CLI" run -- sh -c "kill -HUP \\$\\$"; echo "status $?"'], { env: { ...t.env, NODE, CLI } });
    expect(shell.stdout, shell.stderr).toBe('status 129\n');
  });
});

// What reaches the tool from the keyboard, a paste or a pipe, through the built binary in a real
// pseudo-terminal: a key typed before its prompt is never echoed and still taken; a key with a
// line break inside is refused the same way pasted or piped, with nothing sent and nothing left
// over; and `run` passes on a SIGINT sent to it while a terminal's Ctrl-C is not sent twice.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { spawn as ptySpawn } from '@lydell/node-pty';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VerifyJsonSchema } from '../../src/commands/verify.js';
import { CLI, makeTestEnv, type TestEnv } from '../helpers/env.js';
import { makeKey, startOpenAIServer, type FakeOpenAI } from '../helpers/openai-server.js';
import { spawnCli, spawnCommand, type PtySession } from '../helpers/pty.js';
import { runCli } from '../helpers/run.js';
import { untilWitness } from '../helpers/run-witness.js';

const KEYS_URL = 'https://platform.openai.com/api-keys';
const NODE = process.execPath;
const KEY = makeKey('proj', 'input-typed-ahead');
const PASTED = makeKey('proj', 'input-pasted');
const PIPED = makeKey('proj', 'input-piped');
const LINE_BREAK = 'it has a line break inside: copy it again in one piece';

let server: FakeOpenAI;
const envs: TestEnv[] = [];
let session: PtySession | undefined;

beforeAll(async () => {
  server = await startOpenAIServer({ keys: { [KEY]: 'valid', [PASTED]: 'valid', [PIPED]: 'valid' } });
});
afterAll(async () => {
  await server?.close();
});
afterEach(async () => {
  session?.kill();
  session = undefined;
  for (const t of envs.splice(0)) await t.cleanup();
});

async function machine(): Promise<TestEnv> {
  const t = await makeTestEnv({ OPENAI_BASE_URL: server.baseURL });
  envs.push(t);
  return t;
}

/** A browser that takes a second to open: the time in which a person pastes the key too early. */
function slowBrowser(t: TestEnv): void {
  writeFileSync(t.browser.script, `#!/bin/sh\nsleep 1\nprintf '%s\\n' "$1" >> '${t.browser.log}'\n`);
}

/** Pieces of a key that must never be on screen (its masked hint shows the prefix and last four). */
function pieces(key: string): string[] {
  return [key.slice(8, 40), key.slice(40, 80), key.slice(-24, -4)];
}

function expectNotOnScreen(s: PtySession, key: string): void {
  for (const piece of pieces(key)) expect(s.rawOutput()).not.toContain(piece);
}

/** The CLI in the pty under bash, which then reads one line: whatever the CLI left unread reaches it. */
function underShell(t: TestEnv, args: string[]): PtySession {
  const cli = [NODE, CLI, ...args].map((a) => `'${a}'`).join(' ');
  const script = `before=$(stty -g); ${cli}; code=$?; after=$(stty -g)
[ "$before" = "$after" ] && echo "terminal as before, exit $code" || echo "terminal changed, exit $code"
echo 'shell reads:'; IFS= read -r line; echo "shell read [$line]"; sleep 1`; // the sleep: output right before an exit can be lost
  session = spawnCommand('bash', ['--norc', '--noprofile', '-c', script], { env: t.env });
  return session;
}

describe('a key typed before its prompt', () => {
  it('is never echoed while the keys page opens, and the prompt takes it', async () => {
    const t = await machine();
    slowBrowser(t);
    const s = underShell(t, ['key', '--insecure-storage']);
    await s.waitFor(KEYS_URL);
    s.type(`${KEY}\r`);
    await s.waitFor('Opened in your browser.');
    await s.waitFor('Paste your secret key');
    await s.waitFor(`(${KEY.length} characters, hidden)`);
    await s.waitFor('Stored sk-proj-…');
    await s.waitFor('terminal as before, exit 0');
    await s.waitFor('shell reads:');
    s.type('typed later\r');
    await s.waitFor('shell read [typed later]');
    expectNotOnScreen(s, KEY);
    expect(server.requestsFor(KEY).length).toBeGreaterThan(0);
    expect((await runCli(['token'], { env: t.env })).stdout).toBe(`${KEY}\n`);
  });

  it('Ctrl-C while the keys page opens cancels at once: exit 130, quietly, the terminal as it was', async () => {
    const t = await machine();
    slowBrowser(t);
    const s = underShell(t, ['key', '--insecure-storage']);
    await s.waitFor(KEYS_URL);
    // That nothing typed here is echoed is the test above's; here the Ctrl-C must not let the
    // typed part of the key reach the screen or the shell afterwards.
    s.type(KEY.slice(0, 30));
    s.press('ctrl-c');
    await s.waitFor('Cancelled.');
    await s.waitFor('terminal as before, exit 130');
    // At once: not after the browser (a second) and a prompt.
    expect(s.output()).not.toContain('Opened in your browser.');
    expect(s.output()).not.toContain('Paste your secret key');
    expect(s.output()).not.toMatch(/\n\s+at /);
    expect(s.rawOutput()).not.toContain(KEY.slice(8, 30));
    await s.waitFor('shell reads:');
    s.type('typed later\r');
    await s.waitFor('shell read [typed later]');
    expect(s.output()).toContain('typed later'); // echoed again: the terminal is back to normal
  });
});

describe('a key with a line break inside', () => {
  it.each([
    ['in one write', [`${PASTED.slice(0, 60)}\r${PASTED.slice(60)}\r`]],
    ['in two writes', [`${PASTED.slice(0, 60)}\r`, `${PASTED.slice(60)}\r`]],
  ])('pasted at the prompt (%s): refused, nothing sent, asked again, nothing left over', async (_how, writes) => {
    const t = await machine();
    const s = underShell(t, ['key', '--insecure-storage']);
    await s.waitFor('Paste your secret key');
    for (const text of writes) s.type(text);
    await s.waitFor(LINE_BREAK);
    await s.waitFor('Paste your secret key');
    s.type(`${PASTED}\r`);
    await s.waitFor('Stored sk-proj-…');
    await s.waitFor('terminal as before, exit 0');
    await s.waitFor('shell reads:');
    s.type('typed later\r');
    await s.waitFor('shell read [typed later]');
    expect(server.requestsFor(PASTED.slice(0, 60))).toEqual([]);
    expectNotOnScreen(s, PASTED);
    expect((await runCli(['token'], { env: t.env })).stdout).toBe(`${PASTED}\n`);
  });

  it('a paste cut off at the prompt: refused, and the whole key pasted next is taken alone (the cut part is not kept)', async () => {
    const t = await machine();
    const s = underShell(t, ['key', '--insecure-storage']);
    await s.waitFor('Paste your secret key');
    s.type(`${PASTED.slice(0, 100)}\r`);
    await s.waitFor('looks cut off');
    await s.waitFor('Paste your secret key');
    s.type(`${PASTED}\r`);
    await s.waitFor('Stored sk-proj-…');
    await s.waitFor('terminal as before, exit 0');
    expect(server.requestsFor(PASTED.slice(0, 100))).toEqual([]);
    expectNotOnScreen(s, PASTED);
    expect((await runCli(['token'], { env: t.env })).stdout).toBe(`${PASTED}\n`);
  });

  it('piped to `key --stdin`: refused the same way (exit 3), nothing sent, nothing stored', async () => {
    const t = await machine();
    const result = await runCli(['key', '--stdin', '--insecure-storage'], { env: t.env, input: `${PIPED.slice(0, 60)}\n${PIPED.slice(60)}\n` });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`That is not an API key: ${LINE_BREAK}.`);
    expect(server.requestsFor(PIPED.slice(0, 60))).toEqual([]);
    expect((await runCli(['token'], { env: t.env })).code).toBe(2);
  });

  it('piped to `verify --key -`: malformed_key (exit 3) in the JSON, nothing sent', async () => {
    const t = await machine();
    const result = await runCli(['verify', '--key', '-', '--json'], { env: t.env, input: `${PIPED.slice(0, 60)}\r\n${PIPED.slice(60)}\r\n` });
    expect(result.code).toBe(3);
    const json = VerifyJsonSchema.parse(JSON.parse(result.stdout));
    expect(json).toMatchObject({ status: 'malformed_key', exitCode: 3 });
    expect(json.message).toContain(LINE_BREAK);
    expect(server.requestsFor(PIPED.slice(0, 60))).toEqual([]);
  });

  /** `key --stdin` fed by a pipe that is never closed. */
  async function neverClosed(t: TestEnv, input: string): Promise<{ code: number | null; stderr: string; ms: number }> {
    const child = spawn(NODE, [CLI, 'key', '--stdin', '--insecure-storage'], { env: t.env, cwd: t.home, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const started = Date.now();
    child.stdin.write(input);
    const timer = setTimeout(() => child.kill('SIGKILL'), 8_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearTimeout(timer);
    child.stdin.destroy();
    return { code, stderr, ms: Date.now() - started };
  }

  it('from a pipe that never closes: one line is taken once nothing more comes; two lines are refused', async () => {
    const t = await machine();
    const one = await neverClosed(t, `${PIPED}\n`);
    expect(one.code, one.stderr).toBe(0);
    expect(one.ms).toBeLessThan(5_000);
    const two = await neverClosed(t, `${PIPED.slice(0, 60)}\n${PIPED.slice(60)}\n`);
    expect(two.code, two.stderr).toBe(3);
    expect(two.stderr).toContain(LINE_BREAK);
    expect(server.requestsFor(PIPED.slice(0, 60))).toEqual([]);
  });
});

/** The one process `pid` runs now (the CLI under underShell's bash). */
function childOf(pid: number): number {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean);
  expect(children).toHaveLength(1);
  return Number(children[0]);
}

describe('SIGTERM or SIGHUP while a question shows', () => {
  /** Hidden by the question; shown again after the last hiding. */
  function expectCursorShown(s: PtySession): void {
    const raw = s.rawOutput();
    expect(raw).toContain('\x1b[?25l');
    expect(raw.slice(raw.lastIndexOf('\x1b[?25l'))).toContain('\x1b[?25h');
  }

  it('gives the terminal back (cooked mode, echo, the cursor shown) and exits 128 + the signal, quietly', async () => {
    const t = await machine();
    for (const [signal, code] of [['SIGTERM', 143], ['SIGHUP', 129]] as const) {
      const s = underShell(t, ['open']);
      await s.waitFor('Which page?');
      process.kill(childOf(s.pid), signal);
      await s.waitFor(`terminal as before, exit ${code}`);
      expectCursorShown(s);
      expect(s.output()).not.toMatch(/Cancelled|Error/);
      s.kill();
    }
  });

  it("at logout's question: the same, and the key is still stored", async () => {
    const t = await machine();
    const stored = await runCli(['key', '--stdin', '--insecure-storage'], { env: t.env, input: PIPED });
    expect(stored.code, stored.stderr).toBe(0);
    const s = underShell(t, ['logout']);
    await s.waitFor('from this machine?');
    process.kill(childOf(s.pid), 'SIGTERM');
    await s.waitFor('terminal as before, exit 143');
    expect(s.output()).not.toMatch(/Cancelled|Removed|Error/);
    expect((await runCli(['token'], { env: t.env })).stdout).toBe(`${PIPED}\n`);
  });

  it('the terminal gone (its window closed): leaves at once by SIGHUP, with no error and no crash', async () => {
    const t = await machine();
    const errors = join(t.root, 'stderr.txt');
    // stderr to a file, to see what a terminal that is gone cannot show.
    const pty = ptySpawn('sh', ['-c', `exec '${NODE}' '${CLI}' open 2>'${errors}'`], { name: 'xterm-256color', cols: 100, rows: 40, cwd: t.home, env: t.env });
    const exited = new Promise<{ exitCode: number; signal?: number }>((resolve) => pty.onExit(resolve));
    let screen = '';
    await new Promise<void>((resolve) => pty.onData((d) => (screen += d).includes('Which page?') && resolve()));
    // Closes the terminal's end, as a closed window does, then signals the CLI (its session's leader).
    (pty as unknown as { destroy(): void }).destroy();
    expect(await exited).toEqual({ exitCode: 0, signal: constants.signals.SIGHUP });
    expect(readFileSync(errors, 'utf8')).not.toMatch(/Error|Assertion|at /);
  });
});

describe('Ctrl-Z at a question, then fg', () => {
  /**
   * An interactive shell (job control: Ctrl-Z stops the job, `fg` continues it) running `program args`;
   * it says each command's exit code (148 for a stopped one).
   */
  async function inShell(t: TestEnv, args: string, program = 'openai-setup'): Promise<PtySession> {
    session = spawnCommand('bash', ['--norc', '--noprofile', '-i'], { env: { ...t.env, PS1: '$ ', PROMPT_COMMAND: 'echo "exit $?"' } });
    await session.waitFor('$ ');
    session.type(`${program} ${args}\r`);
    return session;
  }

  /** Ctrl-Z, then `fg`: the question is drawn again, under what the shell printed, and waits. */
  async function suspendAndContinue(s: PtySession, question: string): Promise<void> {
    s.type('\x1a');
    await s.waitFor('exit 148');
    s.type('fg\r');
    await s.waitFor(question);
  }

  it("at logout's confirm: the question waits again and takes the answer (exit 0, the key removed)", async () => {
    const t = await machine();
    expect((await runCli(['key', '--stdin', '--insecure-storage'], { env: t.env, input: PIPED })).code).toBe(0);
    const s = await inShell(t, 'logout');
    await s.waitFor('from this machine?');
    await suspendAndContinue(s, 'from this machine? (y/N)');
    s.type('y\r');
    await s.waitFor('Removed');
    await s.waitFor('exit 0');
    expect(s.output()).not.toContain('Cancelled');
    expect((await runCli(['token'], { env: t.env })).code).not.toBe(0);
  });

  it('run by a wrapper (as npx runs it: a node parent, stdio inherited, same process group): the whole job stops, fg continues it, the exit code comes through', async () => {
    const t = await machine();
    expect((await runCli(['key', '--stdin', '--insecure-storage'], { env: t.env, input: PIPED })).code).toBe(0);
    const wrapper = join(t.root, 'wrapper.cjs');
    writeFileSync(
      wrapper,
      `const child = require('node:child_process').spawn(process.execPath, [${JSON.stringify(CLI)}, ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 1));
`,
    );
    const s = await inShell(t, 'logout', `'${NODE}' '${wrapper}'`);
    await s.waitFor('from this machine?');
    // Our PID alone stopped left the wrapper running: the shell never saw the job stop.
    await suspendAndContinue(s, 'from this machine? (y/N)');
    expect(s.output()).toMatch(/Stopped/);
    s.type('n\r');
    await s.waitFor('exit 0');
    expect(s.output()).not.toMatch(/Cancelled|Removed/);
    expect((await runCli(['token'], { env: t.env })).stdout).toBe(`${PIPED}\n`);
  });

  it("at open's select, twice: still answerable, the page chosen is opened (exit 0)", async () => {
    const t = await machine();
    const s = await inShell(t, 'open');
    await s.waitFor('Which page?');
    await suspendAndContinue(s, 'Which page?');
    s.press('down');
    await suspendAndContinue(s, '❯ payment');
    s.press('enter');
    await s.waitFor('exit 0');
    expect(s.output()).not.toContain('Cancelled');
    expect(await t.browser.waitForUrls(1)).toEqual([expect.stringContaining('platform.openai.com/settings/organization/billing/payment-methods')]);
  });

  it("at key's hidden prompt: the pasted key is taken and stored (exit 0)", async () => {
    const t = await machine();
    const s = await inShell(t, 'key --insecure-storage --no-browser');
    await s.waitFor('Paste your secret key');
    await suspendAndContinue(s, 'Paste your secret key');
    s.type(`${KEY}\r`);
    await s.waitFor('exit 0');
    expect(s.output()).not.toContain('Cancelled');
    expect((await runCli(['token'], { env: t.env })).stdout).toBe(`${KEY}\n`);
  });

  it("stopped from elsewhere (kill -TSTP) at key's hidden prompt, then fg: raw mode again, the key pasted is not echoed", async () => {
    const t = await machine();
    const s = await inShell(t, 'key --insecure-storage --no-browser');
    await s.waitFor('Paste your secret key');
    // The shell's child: the tool itself (its bin is a node script, no wrapper).
    const pid = Number(execFileSync('pgrep', ['-P', String(s.pid)]).toString().trim());
    process.kill(pid, 'SIGTSTP');
    await s.waitFor('exit 148');
    s.type('fg\r');
    // Drawn again once continued: by then it has taken the continuing in.
    await s.waitFor(/fg\r?\n.*\n.*Paste your secret key/);
    s.type(`${KEY}\r`);
    await s.waitFor('exit 0');
    expectNotOnScreen(s, KEY);
    expect((await runCli(['token'], { env: t.env })).stdout).toBe(`${KEY}\n`);
  });
});

describe("an answer that is not y or n at a yes/no question (logout's)", () => {
  it('is refused: the question stays with "Answer y or n." under it, the text kept; erased, then y, removes the key (exit 0)', async () => {
    const t = await machine();
    expect((await runCli(['key', '--stdin', '--insecure-storage'], { env: t.env, input: PIPED })).code).toBe(0);
    const s = spawnCli(['logout'], { env: t.env });
    session = s;
    await s.waitFor('from this machine? (y/N)');
    // Taken as the default (No) before: "Nothing removed.", exit 0.
    s.type('maybe\r');
    await s.waitFor('Answer y or n.');
    s.type('\x7f'.repeat('maybe'.length));
    s.type('y\r');
    await s.waitFor('Removed');
    expect((await s.exited).exitCode).toBe(0);
    expect(s.output()).toMatch(/from this machine\? \(y\/N\) maybe\s*\n\s*> Answer y or n\./);
    expect(s.output()).toContain('from this machine? Yes');
    expect(s.output()).not.toContain('Nothing removed');
    expect((await runCli(['token'], { env: t.env })).code).not.toBe(0);
  });
});

describe('run: SIGINT in the terminal foreground', () => {
  it('a Ctrl-C reaches the child once; a SIGINT sent to our PID is passed on, once', async () => {
    const t = await machine();
    const stored = await runCli(['key', '--stdin', '--insecure-storage'], { env: t.env, input: PIPED });
    expect(stored.code, stored.stderr).toBe(0);
    const counter = `
      let n = 0;
      process.on('SIGINT', () => console.log('SIGINT #' + ++n));
      process.on('SIGTERM', () => { console.log('SIGINTs in all: ' + n); process.exit(3); });
      console.log('ready');
      setInterval(() => {}, 1000);`;
    const s = spawnCli(['run', '--', NODE, '-e', counter], { env: t.env });
    session = s;
    await s.waitFor('ready');
    // After a Ctrl-C, run asks its witness whether the terminal sent it, then (it did) starts a
    // fresh witness instead of passing the SIGINT on: that fresh witness is the sign the decision is
    // made, so a second copy would have come by then. A SIGINT to our PID alone is passed on (its
    // witness stays quiet), and that copy showing is the sign of that decision.
    let witnesses = await untilWitness(s.pid, 'SIGINT', []);
    s.press('ctrl-c');
    await s.waitFor('SIGINT #1');
    witnesses = await untilWitness(s.pid, 'SIGINT', witnesses);
    process.kill(s.pid, 'SIGINT'); // like a supervisor: our PID only
    await s.waitFor('SIGINT #2');
    s.press('ctrl-c'); // again: still once
    await s.waitFor('SIGINT #3');
    await untilWitness(s.pid, 'SIGINT', witnesses);
    process.kill(s.pid, 'SIGINT');
    await s.waitFor('SIGINT #4');
    process.kill(s.pid, 'SIGTERM');
    await s.waitFor(/SIGINTs in all: \d+/);
    expect(s.output()).toMatch(/SIGINTs in all: 4\b/);
    expect((await s.exited).exitCode).toBe(3);
    expect(s.output()).not.toMatch(/Cancelled/);
  });
});

// BROWSER=lynx (a console browser) through the built binary: on a terminal it runs in the
// foreground, on the terminal, with the keyboard its own, and the run goes on once it has ended;
// Ctrl-C that ends it cancels the run (exit 130); SIGTERM or SIGHUP reaches it once, whether sent
// to the run's PID or to its whole process group (as to `run`'s command: test/e2e/run-signals.test.ts);
// without a terminal it is not started. The `lynx` here is a small script on PATH.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { maskKey } from '../../src/keys/format.js';
import { PAGES } from '../../src/platform.js';
import { CLI, makeTestEnv, type TestEnv } from '../helpers/env.js';
import { makeKey } from '../helpers/openai-server.js';
import { spawnCli, spawnCommand, type PtySession } from '../helpers/pty.js';
import { runCli } from '../helpers/run.js';

const URL = PAGES.keys.url;
const envs: TestEnv[] = [];
const sessions: PtySession[] = [];
afterEach(async () => {
  for (const session of sessions.splice(0)) session.kill();
  for (const t of envs.splice(0)) await t.cleanup();
});

/** A machine whose BROWSER is `lynx`, a script on PATH that runs `body` (after leaving a mark that it ran). */
async function withLynx(body: string): Promise<TestEnv & { ran: string }> {
  const t = await makeTestEnv();
  envs.push(t);
  const ran = join(t.root, 'lynx-ran');
  const lynx = join(t.root, 'bin', 'lynx');
  writeFileSync(lynx, `#!/bin/sh\n: > '${ran}'\n${body}\n`);
  chmodSync(lynx, 0o755);
  t.env.PATH = `${join(t.root, 'bin')}${delimiter}${t.env.PATH}`;
  t.env.BROWSER = 'lynx';
  return { ...t, ran };
}

/** Bounded wait for a condition the run will make true. */
async function poll(what: string, condition: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 5_000; !condition(); await sleep(10)) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 5 s`);
  }
}

function cli(args: string[], t: TestEnv): PtySession {
  const session = spawnCli(args, { env: t.env });
  sessions.push(session);
  return session;
}

describe('BROWSER=lynx', () => {
  it('on a terminal: lynx runs on it with the URL, then the run goes on', async () => {
    const t = await withLynx('if [ -t 0 ] && [ -t 1 ]; then on=terminal; else on=none; fi\necho "lynx shows $1 ($on)"');
    const session = cli(['open', 'keys'], t);
    expect((await session.exited).exitCode).toBe(0);
    const out = session.output();
    expect(out).toContain(`lynx shows ${URL} (terminal)`);
    expect(out.indexOf('Opened in your browser.')).toBeGreaterThan(out.indexOf('lynx shows'));
  });

  it('Ctrl-C that ends lynx cancels the run: "Cancelled.", exit 130', async () => {
    // One process that says it waits, then waits: no moment between them where a Ctrl-C falls
    // between two processes of a script.
    const t = await withLynx(`exec '${process.execPath}' -e 'console.log("lynx waiting"); setTimeout(() => {}, 30000)'`);
    const session = cli(['open', 'keys'], t);
    await session.waitFor('lynx waiting');
    session.press('ctrl-c');
    expect((await session.exited).exitCode).toBe(130);
    const after = session.output().slice(session.cursor());
    expect(after).toContain('Cancelled.');
    expect(after).not.toContain('Opened');
  });

  it("what is typed goes to lynx, even while input is held for the key prompt; then the key is pasted as usual", async () => {
    const t = await withLynx(`echo "lynx waiting"\nread line\necho "lynx got [$line]"`);
    const key = makeKey('proj', 'console-browser');
    const session = cli(['key', '--no-verify', '--insecure-storage'], t);
    await session.waitFor('lynx waiting');
    session.type('hello\r');
    await session.waitFor('lynx got [hello]');
    await session.waitFor('Paste your secret key');
    session.type(`${key}\r`);
    expect((await session.exited).exitCode).toBe(0);
    expect(JSON.parse(readFileSync(join(t.configDir, 'state.json'), 'utf8')).profiles.default.key).toMatchObject({ storage: 'file', hint: maskKey(key) });
  });

  // lynx as one Node process: writes each SIGTERM and SIGHUP it gets on a line of its own, says it
  // is up (its pid, in a file), and leaves on SIGUSR2 (which only the test sends), saying so last.
  const COUNTER = `
    const { appendFileSync, writeFileSync } = require('fs');
    const [log, ready] = process.argv.slice(2);
    writeFileSync(log, '');
    for (const name of ['SIGTERM', 'SIGHUP']) process.on(name, () => appendFileSync(log, name + '\\n'));
    process.on('SIGUSR2', () => { appendFileSync(log, 'left\\n'); process.exit(0); });
    writeFileSync(ready, String(process.pid));
    setInterval(() => {}, 1000);`;

  it.each([
    ['SIGTERM', 'the whole process group (kill -TERM -- -PGID)', 143],
    ['SIGHUP', 'the whole process group (kill -HUP -- -PGID)', 129],
    ['SIGTERM', "the run's PID alone", 143],
    ['SIGHUP', "the run's PID alone", 129],
  ] as const)('%s sent to %s while lynx runs: lynx gets it once; the run leaves on it', async (signal, to, code) => {
    const t = await withLynx(`cd "$(dirname "$0")/.." && exec '${process.execPath}' lynx.js lynx-signals.txt lynx-ready.txt`);
    writeFileSync(join(t.root, 'lynx.js'), COUNTER);
    const [log, ready] = [join(t.root, 'lynx-signals.txt'), join(t.root, 'lynx-ready.txt')];
    // Started by a shell that stays, as a person's does: the session's leader. Were the run the
    // leader, the kernel would send its terminal's foreground group (lynx) a SIGHUP as it ended.
    const session = spawnCommand('/bin/sh', ['-c', `trap '' TERM HUP; "$@"; echo "run exit $?"; exec sleep 60`, 'sh', process.execPath, CLI, 'open', 'keys'], { env: t.env });
    sessions.push(session);
    await poll('lynx is up', () => existsSync(ready) && readFileSync(ready, 'utf8') !== '');
    const lynx = Number(readFileSync(ready, 'utf8'));
    const run = Number(readFileSync(`/proc/${lynx}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
    try {
      // The shell's process group, the terminal's foreground one: the run, lynx, and the shell (which ignores it).
      process.kill(to.startsWith('the whole') ? -session.pid : run, signal);
      await session.waitFor(`run exit ${code}`);
    } finally {
      process.kill(lynx, 'SIGUSR2');
    }
    // Once the run is gone nothing more is sent; lynx writes what it got, then that it left.
    await poll('lynx left', () => readFileSync(log, 'utf8').endsWith('left\n'));
    expect(readFileSync(log, 'utf8').split('\n').filter(Boolean)).toEqual([signal, 'left']);
  });

  it('without a terminal: lynx is not started; the URL is printed, with why', async () => {
    const t = await withLynx('echo "lynx shows $1"');
    const r = await runCli(['open', 'keys'], { env: t.env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`  → API keys:\n    ${URL}\n    Open the link above in a browser on any device (BROWSER is lynx, which needs a terminal).\n`);
    expect(existsSync(t.ran)).toBe(false);
  });
});

// BROWSER=lynx (a console browser) through the built binary: on a terminal it runs in the
// foreground, on the terminal, with the keyboard its own, and the run goes on once it has ended;
// Ctrl-C that ends it cancels the run (exit 130); without a terminal it is not started. The
// `lynx` here is a small script on PATH.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { maskKey } from '../../src/keys/format.js';
import { PAGES } from '../../src/platform.js';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { makeKey } from '../helpers/openai-server.js';
import { spawnCli, type PtySession } from '../helpers/pty.js';
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

  it('without a terminal: lynx is not started; the URL is printed, with why', async () => {
    const t = await withLynx('echo "lynx shows $1"');
    const r = await runCli(['open', 'keys'], { env: t.env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`  → API keys:\n    ${URL}\n    Open the link above in a browser on any device (BROWSER is lynx, which needs a terminal).\n`);
    expect(existsSync(t.ran)).toBe(false);
  });
});

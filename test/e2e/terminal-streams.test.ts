// The terminal as the built binary writes to it: a spinner stays on one row of a narrow pane, and
// each stream's colour follows that stream (a redirected stderr gets none).
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { makeKey } from '../helpers/openai-server.js';
import { spawnCommand, type PtySession } from '../helpers/pty.js';
import { screenOf } from '../helpers/screen.js';

// A server that takes the connection and never answers: the check's spinner turns until killed.
let silent: Server;
const sockets = new Set<Socket>();
let baseURL = '';
beforeAll(async () => {
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const address = silent.address();
  baseURL = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1`;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

const sessions: PtySession[] = [];
const machines: TestEnv[] = [];
afterEach(async () => {
  for (const session of sessions.splice(0)) session.kill();
  for (const t of machines.splice(0)) await t.cleanup();
});

async function shell(script: string, cols: number, extra: Record<string, string> = {}): Promise<{ session: PtySession; t: TestEnv }> {
  const t = await makeTestEnv({ OPENAI_BASE_URL: baseURL, ...extra });
  machines.push(t);
  const session = spawnCommand('/bin/sh', ['-c', script], { env: t.env, cols });
  sessions.push(session);
  return { session, t };
}

describe('spinner', () => {
  it('in a 60-column pane, a check that gets no answer turns on one row: its text cut to fit, never a row per frame', async () => {
    const { session } = await shell('printf "%s\\n" "$AK" | openai-setup admin-key --stdin --insecure-storage', 60, { AK: makeKey('admin', 'narrow-spinner') });
    // The fifth frame: the spinner has redrawn four times.
    await session.waitFor('⠼ Checking the admin key');
    session.kill();
    await session.exited;
    const rows = screenOf(session.rawOutput(), 60).filter((row) => row.includes('Checking the admin key'));
    expect(rows).toEqual([expect.stringMatching(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Checking the admin key \(listing one project, reading tod…$/)]);
    expect(rows[0]!.length).toBeLessThanOrEqual(59);
  });
});

describe('colour by stream', () => {
  it('stderr redirected to a file from a terminal gets no colour codes', async () => {
    const { session, t } = await shell('openai-setup spend 2>"$HOME/err.log"', 80);
    expect((await session.exited).exitCode).toBe(2);
    const err = readFileSync(join(t.home, 'err.log'), 'utf8');
    expect(err).toMatch(/^✖ `spend` needs an organization admin key/);
    expect(err).not.toContain('\x1b');
  });

  it('stdout piped, stderr on the terminal: the error there is in colour', async () => {
    const { session } = await shell('openai-setup spend | cat', 80);
    await session.exited;
    expect(session.rawOutput()).toContain('\x1b[31m✖\x1b[39m `spend` needs an organization admin key');
  });
});

describe('charset', () => {
  it('LANG naming ISO-8859-1: the error line and its masked hint in ASCII, not a byte beyond it', async () => {
    const { session } = await shell('openai-setup spend', 80, { LANG: 'en_US.ISO-8859-1' });
    expect((await session.exited).exitCode).toBe(2);
    expect(session.output()).toContain('x `spend` needs an organization admin key (sk-admin-...), and none is stored');
    expect(session.rawOutput()).toMatch(/^[\x00-\x7f]*$/);
  });

  it('--help too (the help rendered at build time is UTF-8)', async () => {
    const { session } = await shell('openai-setup --help', 100, { LC_CTYPE: 'ru_RU.KOI8-R' });
    expect((await session.exited).exitCode).toBe(0);
    expect(session.output()).toContain('store an organization admin key (sk-admin-...)');
    expect(session.rawOutput()).toMatch(/^[\x00-\x7f]*$/);
  });

  it('LANG naming ISO-8859-1: the questions too, their marks and their text (a masked key), not a byte beyond ASCII', async () => {
    const admin = makeKey('admin', 'ascii-questions');
    const { session } = await shell('openai-setup admin-key', 120, { LANG: 'en_US.ISO-8859-1', OPENAI_ADMIN_KEY: admin });
    await session.waitFor(`Store OPENAI_ADMIN_KEY from this shell (sk-admin-...${admin.slice(-4)})`);
    session.type('n');
    session.press('enter');
    await session.waitFor('Paste the admin key (input is hidden):');
    session.type('x');
    session.press('enter');
    await session.waitFor('That is not an admin key');
    session.press('ctrl-c');
    expect((await session.exited).exitCode).toBe(130);
    // Answered: v, not inquirer's check mark.
    expect(screenOf(session.rawOutput(), 120)).toContain(`v Store OPENAI_ADMIN_KEY from this shell (sk-admin-...${admin.slice(-4)}) as the admin key of profile "default"? No`);
    expect(session.rawOutput()).toMatch(/^[\x00-\x7f]*$/);
  });
});

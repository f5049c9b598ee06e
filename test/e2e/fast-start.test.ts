// What the start-up work (issue 6) changed, seen from outside: the fast lane answers exactly as
// commander's lane does, the code cache lands privately in the user's cache dir and holds no
// secret, and output to a pipe that closes early is quiet.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, makeTestEnv, type TestEnv } from '../helpers/env.js';
import { makeKey, startOpenAIServer, type FakeOpenAI } from '../helpers/openai-server.js';
import { runCli, runCommand } from '../helpers/run.js';

const KEY = makeKey('proj', 'fast-start');
let server: FakeOpenAI;
let t: TestEnv;

beforeAll(async () => {
  server = await startOpenAIServer({ keys: { [KEY]: 'valid' } });
  t = await makeTestEnv({ OPENAI_BASE_URL: server.baseURL });
  expect((await runCli(['login', '--done'], { env: t.env })).code).toBe(0);
});
afterAll(async () => {
  await server?.close();
  await t?.cleanup();
});

const cacheDir = () => join(t.home, '.cache', 'openai-setup');
const withoutLatency = (json: string) => ({ ...JSON.parse(json), latencyMs: 0 });

describe('the fast lane and commander agree', () => {
  // An option before the command sends the same request through commander.
  it('status --json is the same either way', async () => {
    const fast = await runCli(['status', '--json'], { env: t.env });
    const commander = await runCli(['--no-browser', 'status', '--json'], { env: t.env });
    expect(fast.code).toBe(0);
    expect(commander.code).toBe(0);
    expect(fast.stdout).toBe(commander.stdout);
    expect(JSON.parse(fast.stdout).stages[0]).toMatchObject({ id: 'login', done: true });
  });

  it('verify --json is the same either way', async () => {
    const fast = await runCli(['verify', '--json', '--key', KEY], { env: t.env });
    const commander = await runCli(['-p', 'default', 'verify', '--json', '--key', KEY], { env: t.env });
    expect(fast.code, fast.stderr).toBe(0);
    expect(commander.code, commander.stderr).toBe(0);
    expect(withoutLatency(fast.stdout)).toEqual(withoutLatency(commander.stdout));
  });

  it('a bad value gives the same one-line error and exit 2 either way', async () => {
    const fast = await runCli(['verify', '--timeout', 'soon', '--key', KEY], { env: t.env });
    const commander = await runCli(['--no-browser', 'verify', '--timeout', 'soon', '--key', KEY], { env: t.env });
    expect(fast.code).toBe(2);
    expect(commander.code).toBe(2);
    expect(fast.stderr).toBe(commander.stderr);
    expect(fast.stderr).toMatch(/--timeout/);
    expect(fast.stderr).not.toMatch(/\n\s+at /);
  });

  it('help and typos still get commander', async () => {
    const help = await runCli(['status', '--help'], { env: t.env });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: openai-setup status \[options\]/);
    const typo = await runCli(['status', '--jsno'], { env: t.env });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/unknown option '--jsno'/);
  });
});

describe('the code cache', () => {
  it('is written to the user cache dir, private, one entry per file and command, and never holds the key', async () => {
    expect((await runCli(['status'], { env: t.env })).code).toBe(0);
    expect((await runCli(['verify', '--json', '--key', KEY], { env: t.env })).code).toBe(0);
    const dir = cacheDir();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const names = readdirSync(dir);
    expect(names.some((n) => n.startsWith('cli.cjs-status-'))).toBe(true);
    expect(names.some((n) => n.startsWith('cli.cjs-verify-'))).toBe(true);
    expect(names.some((n) => n.startsWith('openai.cjs-verify-'))).toBe(true);
    // Any other word shares one entry: a typo (or a key typed in the wrong place) names no file.
    expect((await runCli([KEY.slice(0, 12)], { env: t.env })).code).toBe(2);
    expect((await runCli(['profiles'], { env: t.env })).code).toBe(0);
    const lanes = new Set(readdirSync(dir).map((n) => n.split('-')[1]));
    expect([...lanes].sort()).toEqual(['other', 'status', 'verify']);
    for (const name of names) {
      expect(name).toMatch(/^[\w.-]+\.bin$/);
      expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(dir, name)).includes(KEY)).toBe(false);
    }
    // A second run finds its entries and gives the same answer.
    const again = await runCli(['status', '--json'], { env: t.env });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).stages[0].done).toBe(true);
  });

  it('is not written with OPENAI_SETUP_NO_COMPILE_CACHE, and OPENAI_SETUP_CACHE_DIR moves it', async () => {
    const off = await makeTestEnv({ OPENAI_SETUP_NO_COMPILE_CACHE: '1' });
    try {
      expect((await runCli(['status'], { env: off.env })).code).toBe(0);
      expect(readdirSync(off.home)).not.toContain('.cache');
    } finally {
      await off.cleanup();
    }
    const moved = await makeTestEnv({});
    try {
      const dir = join(moved.root, 'elsewhere');
      expect((await runCli(['status'], { env: { ...moved.env, OPENAI_SETUP_CACHE_DIR: dir } })).code).toBe(0);
      expect(readdirSync(dir).some((n) => n.startsWith('cli.cjs-status-'))).toBe(true);
    } finally {
      await moved.cleanup();
    }
  });
});

describe('output to a pipe', () => {
  it('stops quietly when the reader leaves early (| head -c 1)', async () => {
    const r = await runCommand('bash', ['-o', 'pipefail', '-c', `"${process.execPath}" "${CLI}" status | head -c 1 >/dev/null`], { env: t.env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

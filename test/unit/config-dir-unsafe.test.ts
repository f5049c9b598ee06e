// The config dir the tool builds from XDG_CONFIG_HOME, HOME or APPDATA is held to what
// OPENAI_SETUP_CONFIG_DIR is: a line break, a bidi or zero-width character in it would reach the
// terminal in every message naming one of its files (a lock, the key file, a leftover), forging a
// line of output. Refused at once, one line, exit 2 (with --json, the command's failure document
// too), by every command that uses the config dir. And should such a path get through anyway,
// each of those messages names it on one line, and each command in them works as printed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run as doctor } from '../../src/commands/doctor.js';
import { run as rotate } from '../../src/commands/rotate.js';
import { run as status } from '../../src/commands/status.js';
import { EXIT, UsageError } from '../../src/errors.js';
import { Interrupts } from '../../src/interrupts.js';
import { main, startTerminal } from '../../src/main.js';
import { LockBusyError, withFileLock } from '../../src/storage/lock.js';
import { KeyStore } from '../../src/storage/keystore.js';
import { StateStore } from '../../src/storage/state.js';
import { resolveConfigDir } from '../../src/storage/paths.js';
import { UNSAFE_CHAR } from '../../src/terminal/sanitize.js';
import { makeTestContext, outcomeOf, testKey, type TestContext } from '../helpers/context.js';
import { FakeProcess } from '../helpers/signals.js';
import { makeKey } from '../helpers/openai-server.js';

/** A dir name that would forge a result line of ours, then reverse what follows it. */
const HOSTILE = 'cfg\n✔ all good\u202e';
const MESSAGE = (name: string) =>
  new RegExp(
    `^${name}: must not contain line breaks or other control characters \\(got ".*"\\): openai-setup keeps its files under it and names them in its messages\\. Set OPENAI_SETUP_CONFIG_DIR to an absolute path without them\\.$`,
  );

function refusal(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('not refused');
}

/** One line of printable text. */
function expectOneSafeLine(text: string): void {
  expect(text).not.toMatch(UNSAFE_CHAR);
}

describe('resolveConfigDir: a dir built from a variable holding such a character', () => {
  it.each([
    ['XDG_CONFIG_HOME, a line break', 'linux', { XDG_CONFIG_HOME: '/tmp/cfg\n✔ all good' }, '/home/u', 'XDG_CONFIG_HOME', '/tmp/cfg\\x0a✔ all good'],
    ['XDG_CONFIG_HOME, a bidi override', 'linux', { XDG_CONFIG_HOME: '/tmp/a\u202eb' }, '/home/u', 'XDG_CONFIG_HOME', '/tmp/a\\u202eb'],
    ['XDG_CONFIG_HOME, a zero-width space', 'linux', { XDG_CONFIG_HOME: '/tmp/a\u200bb' }, '/home/u', 'XDG_CONFIG_HOME', '/tmp/a\\u200bb'],
    ['HOME, a line break', 'linux', {}, '/home/u\n✔ all good', 'HOME', '/home/u\\x0a✔ all good'],
    ['HOME, under a relative XDG_CONFIG_HOME (ignored)', 'linux', { XDG_CONFIG_HOME: 'rel' }, '/home/\u2066u', 'HOME', '/home/\\u2066u'],
    ['HOME on macOS (XDG_CONFIG_HOME is not used there)', 'darwin', { XDG_CONFIG_HOME: '/xdg' }, '/Users/a\u202eb', 'HOME', '/Users/a\\u202eb'],
    ['APPDATA', 'win32', { APPDATA: 'C:\\Users\\a\nb\\AppData\\Roaming' }, 'C:\\Users\\u', 'APPDATA', 'C:\\Users\\a\\x0ab\\AppData\\Roaming'],
    ['USERPROFILE (no APPDATA)', 'win32', {}, 'C:\\Users\\a\u2028b', 'USERPROFILE', 'C:\\Users\\a\\u2028b'],
  ] as const)('%s: a usage error naming it, one line, the value shown escaped', (_name, platform, env, home, variable, shown) => {
    const error = refusal(() => resolveConfigDir(env, platform, home));
    expect(error.code).toBe(EXIT.usage);
    expect(error.message).toMatch(MESSAGE(variable));
    expect(error.message).toContain(`(got "${shown}")`);
    expectOneSafeLine(error.message);
  });

  it('a HOME with one is no matter where the config dir is not under it', () => {
    expect(resolveConfigDir({ XDG_CONFIG_HOME: '/xdg' }, 'linux', '/home/a\nb')).toBe('/xdg/openai-setup');
    expect(resolveConfigDir({ OPENAI_SETUP_CONFIG_DIR: '/x' }, 'linux', '/home/a\u202eb')).toBe('/x');
    expect(resolveConfigDir({ APPDATA: 'C:\\Roaming' }, 'win32', 'C:\\Users\\a\nb')).toMatch(/^C:\\Roaming.openai-setup$/);
  });
});

describe('through the real context (main.ts): every command that uses the config dir refuses it before doing anything', () => {
  let root: string | undefined;
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    if (root) rmSync(root, { recursive: true, force: true });
    root = undefined;
  });

  /** `openai-setup …args` run in this process with HOME in a temp dir and `env` on top: exit code and output. */
  async function mainWith(env: (home: string) => Record<string, string>, args: string[]): Promise<{ code: number; stdout: string; stderr: string; left: string[] }> {
    root = mkdtempSync(join(tmpdir(), 'openai-setup-cfgdir-'));
    const home = join(root, 'home');
    mkdirSync(home);
    for (const name of ['OPENAI_SETUP_CONFIG_DIR', 'XDG_CONFIG_HOME', 'APPDATA', 'OPENAI_API_KEY', 'OPENAI_SETUP_PROFILE']) vi.stubEnv(name, undefined);
    vi.stubEnv('NO_COLOR', '1');
    vi.stubEnv('HOME', home);
    for (const [name, value] of Object.entries(env(home))) vi.stubEnv(name, value);
    let stdout = '';
    let stderr = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
    const argv = ['node', '/usr/local/bin/openai-setup', ...args];
    const { code } = await main(argv, startTerminal(argv), new Interrupts(new FakeProcess()));
    vi.restoreAllMocks();
    return { code, stdout, stderr, left: readdirSync(root, { recursive: true }).map(String).sort() };
  }

  it.each([
    ['XDG_CONFIG_HOME', ['rotate', '--yes'], (home: string) => ({ XDG_CONFIG_HOME: join(home, HOSTILE) })],
    ['XDG_CONFIG_HOME', ['status'], (home: string) => ({ XDG_CONFIG_HOME: join(home, HOSTILE) })],
    ['HOME', ['doctor'], (home: string) => ({ HOME: join(home, HOSTILE) })],
    ['HOME', ['key', '--stdin'], (home: string) => ({ HOME: join(home, HOSTILE) })],
  ] as const)('%s with a line break and a bidi override, %j: one line, exit 2, nothing made', async (variable, args, env) => {
    const { code, stdout, stderr, left } = await mainWith(env, [...args]);
    expect(code).toBe(EXIT.usage);
    expect(stdout).toBe('');
    expect(stderr.endsWith('\n')).toBe(true);
    const line = stderr.slice(0, -1);
    expectOneSafeLine(line);
    expect(line).toMatch(new RegExp(`^✖ ${variable}: must not contain line breaks .*\\(got ".*/cfg\\\\x0a✔ all good\\\\u202e"\\).* Set OPENAI_SETUP_CONFIG_DIR to an absolute path without them\\.$`));
    // No config dir, no lock: the command never ran.
    expect(left).toEqual(['home']);
  });

  // As a bad environment variable is: the README's "A bad environment variable … is such a
  // document too", and doctor's { ok: false } "when nothing can be checked".
  it.each([
    ['HOME', 'a line break', ['status', '--json'], (home: string) => ({ HOME: join(home, 'cfg\nb') })],
    ['HOME', 'a bidi override', ['verify', '--key', 'sk-x', '--json'], (home: string) => ({ HOME: join(home, 'cfg\u202eb') })],
    ['HOME', 'a zero-width space', ['doctor', '--json'], (home: string) => ({ HOME: join(home, 'cfg\u200bb') })],
    ['HOME', 'a line break', ['rotate', '--yes', '--json'], (home: string) => ({ HOME: join(home, 'cfg\nb') })],
    ['XDG_CONFIG_HOME', 'a bidi override', ['status', '--json'], (home: string) => ({ XDG_CONFIG_HOME: join(home, 'cfg\u202eb') })],
    ['XDG_CONFIG_HOME', 'a line break', ['verify', '--key', 'sk-x', '--json'], (home: string) => ({ XDG_CONFIG_HOME: join(home, 'cfg\nb') })],
    ['XDG_CONFIG_HOME', 'a line break', ['doctor', '--json'], (home: string) => ({ XDG_CONFIG_HOME: join(home, 'cfg\nb') })],
    ['XDG_CONFIG_HOME', 'a bidi override', ['rotate', '--json'], (home: string) => ({ XDG_CONFIG_HOME: join(home, 'cfg\u202eb') })],
  ] as const)('%s with %s, %j: the failure document on stdout, the one line on stderr, exit 2, nothing made', async (variable, _what, args, env) => {
    const { code, stdout, stderr, left } = await mainWith(env, [...args]);
    expect(code).toBe(EXIT.usage);
    const doc = JSON.parse(stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({ ok: false, exitCode: EXIT.usage, reason: 'usage' });
    expect(doc.message).toMatch(MESSAGE(variable));
    expectOneSafeLine(doc.message as string);
    expect(stderr).toBe(`✖ ${doc.message as string}\n`);
    expect(left).toEqual(['home']);
  });

  it('a relative HOME, status --json: the failure document too', async () => {
    const { code, stdout, stderr } = await mainWith(() => ({ HOME: 'rel' }), ['status', '--json']);
    expect(code).toBe(EXIT.usage);
    const doc = JSON.parse(stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({ ok: false, exitCode: EXIT.usage, reason: 'usage', profile: null });
    expect(doc.message).toMatch(/^HOME is not an absolute path \(got "rel"\)/);
    expect(stderr).toBe(`✖ ${doc.message as string}\n`);
  });

  it.each([
    ['completion bash', ['completion', 'bash'], /^# bash completion for openai-setup/],
    ['completion zsh', ['completion', 'zsh'], /^#compdef openai-setup/],
    ['completion fish', ['completion', 'fish'], /^# fish completion for openai-setup/],
    ['open keys', ['open', 'keys', '--no-browser'], /https:\/\/platform\.openai\.com\/api-keys/],
  ] as const)('%s, which never uses the config dir, works with such a HOME', async (_name, args, expected) => {
    const { code, stdout, stderr, left } = await mainWith((home) => ({ HOME: join(home, HOSTILE) }), [...args]);
    // (completion may warn that openai-setup is not on this PATH: no matter here)
    expect(stderr).not.toMatch(/✖|HOME/);
    expect(code).toBe(EXIT.ok);
    expect(stdout).toMatch(expected);
    expect(left).toEqual(['home']);
  });
});

describe('a config dir with a line break that got through anyway: each path on one line, each command works as printed', () => {
  let t: TestContext | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  /** A test context whose config dir (and key file) is HOSTILE, made, 0700. */
  function hostileContext(options: Parameters<typeof makeTestContext>[0] = {}): TestContext & { dir: string } {
    t = makeTestContext({ interactive: false, ...options });
    const dir = join(dirname(t.configDir), HOSTILE);
    mkdirSync(dir, { mode: 0o700 });
    t.ctx.configDir = dir;
    // Both stores over it, the key store reading the run's progress file, as main.ts makes them.
    t.ctx.state = new StateStore(dir, t.ctx.clock.now, () => {}, t.ctx.interrupts);
    t.ctx.keys = new KeyStore(t.keychain, dir, () => {}, t.ctx.state);
    return Object.assign(t, { dir });
  }

  /** Runs `command` (a line as printed) in bash. */
  const bash = (command: string) => execFileSync('bash', ['-c', command], { stdio: 'pipe' });

  it("rotate's \"another rotate is running\": the lock named on one line", async () => {
    // With an admin key: rotate asks for it before it takes its lock.
    const h = hostileContext({ keychain: { default: testKey('A') }, env: { OPENAI_ADMIN_KEY: makeKey('admin', 'cfgdir-rotate') } });
    mkdirSync(join(h.dir, 'rotate-default.lock'));
    const { code, message } = await outcomeOf(rotate(h.ctx, { keepOld: false, yes: true, json: false }));
    expect(code).toBe(EXIT.keyStore);
    expectOneSafeLine(message);
    expect(message).toContain(`(${h.dir.replace('\n', ' ').replace('\u202e', '\\u202e')}/rotate-default.lock is its lock)`);
  });

  it('a lock held too long: the paths on one line, and the rmdir it gives removes that lock', async () => {
    const h = hostileContext();
    const file = join(h.dir, "it's.json");
    mkdirSync(`${file}.lock`);
    let error: unknown;
    await withFileLock(file, async () => {}, 0).catch((e: unknown) => (error = e));
    expect(error).toBeInstanceOf(LockBusyError);
    const { message } = error as LockBusyError;
    expectOneSafeLine(message);
    const command = message.split('remove the lock: ')[1]!;
    expect(command).toMatch(/^rmdir \$'.*'$/);
    bash(command);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  /** A temp file of the key file, as a run killed while writing it leaves. */
  function leftover(h: { dir: string }): string {
    const path = join(h.dir, 'credentials.json.4242.m1abc2def.tmp');
    writeFileSync(path, '{}', { mode: 0o600 });
    return path;
  }

  it("doctor's Leftover files: the detail on one line, and its rm removes the file", async () => {
    const h = hostileContext();
    const left = leftover(h);
    h.api.answerReach({ reached: true, status: 401, json: true, ms: 42 });
    await doctor(h.ctx, { json: false });
    const lines = h.stdout.split('\n');
    expect(lines.filter((l) => l.startsWith('✔ all good'))).toEqual([]);
    const at = lines.findIndex((l) => l.includes('Leftover files'));
    expect(lines[at]).toMatch(/^! Leftover files +A temporary file of .*cfg ✔ all good\\u202e\/credentials\.json, left by an interrupted run, may hold a key in plain text: .*cfg ✔ all good\\u202e\/credentials\.json\.4242\.m1abc2def\.tmp$/);
    const fix = lines[at + 1]!;
    expectOneSafeLine(fix);
    const command = fix.split('Remove it: ')[1]!;
    expect(command).toMatch(/^rm \$'.*\\n.*\\xe2\\x80\\xae.*'$/);
    bash(command);
    expect(existsSync(left)).toBe(false);
  });

  it("status's leftover line: one line, and its rm removes the file", async () => {
    const h = hostileContext({ keychain: { default: testKey('A') } });
    const left = leftover(h);
    expect(await status(h.ctx, { json: false })).toBe(0);
    const line = h.stdout.split('\n').find((l) => l.includes('left by an interrupted run'))!;
    expectOneSafeLine(line);
    bash(line.split('Remove it: ')[1]!);
    expect(existsSync(left)).toBe(false);
  });
});

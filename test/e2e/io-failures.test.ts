// The built binary where the system fails it: a current directory removed while the shell was in
// it, and a standard output that cannot be written (/dev/full) or whose reader left (EPIPE).
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, withTestEnv, type TestEnv } from '../helpers/env.js';
import { makeKey, startOpenAIServer } from '../helpers/openai-server.js';
import { runCli, runCommand, type RunResult } from '../helpers/run.js';

const KEY = makeKey('proj', 'io-failures');
const GONE = '✖ The current directory no longer exists (it was removed while your shell was still in it): cd to a directory that exists and run it again.\n';
const FULL = '✖ Could not write to standard output: no space is left on the disk (ENOSPC). What was printed there is incomplete.';

/** A key stored in the plain-text file (no keychain needed). */
async function storeKey(t: TestEnv): Promise<void> {
  const stored = await runCli(['key', '--stdin', '--no-verify', '--insecure-storage'], { env: t.env, input: KEY });
  expect(stored.code, stored.stderr).toBe(0);
}

/** The CLI with `args`, started by a shell from inside a directory that shell removes first. */
function inRemovedDir(t: TestEnv, ...args: string[]): Promise<RunResult> {
  const dir = join(t.root, `gone-${readdirSync(t.root).length}`);
  mkdirSync(dir);
  return runCommand('sh', ['-c', 'cd "$1" && rmdir "$1" && shift && exec "$@"', 'sh', dir, process.execPath, CLI, ...args], { env: t.env });
}

/** The CLI with `args`, its stdout `redirect` (a shell redirection). */
function redirected(t: TestEnv, redirect: string, ...args: string[]): Promise<RunResult> {
  return runCommand('bash', ['-c', `exec "$@" ${redirect}`, 'bash', process.execPath, CLI, ...args], { env: t.env });
}

/**
 * `openai-setup` with `args`, started by name from PATH (the test env installs it there, so boot.cjs
 * answers `--help` with the help rendered at build time), its stdout `redirect`.
 */
function byName(t: TestEnv, redirect: string, ...args: string[]): Promise<RunResult> {
  return runCommand('bash', ['-c', `exec openai-setup "$@" ${redirect}`, 'bash', ...args], { env: t.env });
}

/** The same, its stdout a FIFO whose only reader is closed before the CLI starts: its first write fails with EPIPE. */
function byNameReaderGone(t: TestEnv, ...args: string[]): Promise<RunResult> {
  const fifo = join(t.root, `fifo-${readdirSync(t.root).length}`);
  return runCommand('bash', ['-c', 'mkfifo "$1" && exec 3<>"$1" 4>"$1" && exec 3<&- && shift && exec openai-setup "$@" >&4', 'bash', fifo, ...args], { env: t.env });
}

describe('a current directory that no longer exists', () => {
  it('token, run and status work from there', async () => {
    await withTestEnv({}, async (t) => {
      await storeKey(t);
      const token = await inRemovedDir(t, 'token');
      expect(token.stderr).not.toMatch(/Unexpected error|uv_cwd/);
      expect(token.code).toBe(0);
      expect(token.stdout).toBe(`${KEY}\n`);

      const run = await inRemovedDir(t, 'run', '--', process.execPath, '-e', 'process.stdout.write(String(process.env.OPENAI_API_KEY === process.argv[1]))', KEY);
      expect(run.stderr).not.toMatch(/Unexpected error|uv_cwd/);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe('true');

      const status = await inRemovedDir(t, 'status', '--json');
      expect(status.stderr).not.toMatch(/Unexpected error|uv_cwd/);
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ profile: 'default' });
    });
  });

  it('env and import refuse in one line (exit 2)', async () => {
    await withTestEnv({}, async (t) => {
      await storeKey(t);
      const refused = await inRemovedDir(t, 'env');
      expect(refused.stderr).toBe(GONE);
      expect(refused.code).toBe(2);

      const importRefused = await inRemovedDir(t, 'import');
      expect(importRefused.stderr).toBe(GONE);
      expect(importRefused.code).toBe(2);
    });
  });
});

describe.skipIf(!existsSync('/dev/full'))('standard output that cannot be written', () => {
  it('token > /dev/full: exit 1, saying so on stderr, the key not in it', async () => {
    await withTestEnv({}, async (t) => {
      await storeKey(t);
      const r = await redirected(t, '> /dev/full', 'token');
      expect(r.timedOut).toBe(false);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${FULL}\n`);
      expect(r.stderr).not.toContain(KEY);
    });
  });

  it('status --json > /dev/full: exit 1, saying so once; with stderr failing too, still exit 1', async () => {
    await withTestEnv({}, async (t) => {
      const r = await redirected(t, '> /dev/full', 'status', '--json');
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`${FULL}\n`);
      const both = await redirected(t, '> /dev/full 2> /dev/full', 'status', '--json');
      expect(both.timedOut).toBe(false);
      expect(both.code).toBe(1);
    });
  });

  it("a check's verdict is not the exit code when its output is lost: verify and rotate > /dev/full exit 1, saying so", async () => {
    const server = await startOpenAIServer();
    const noCredits = makeKey('proj', 'io-failures-no-credits');
    server.addKey(noCredits, 'no_credits');
    try {
      await withTestEnv({ OPENAI_BASE_URL: server.baseURL }, async (t) => {
        // Exit 4 (no credits) where the output is written: the verdict itself.
        const written = await redirected(t, '> /dev/null', 'verify', '--json', '--key', noCredits);
        expect(written.code).toBe(4);
        for (const args of [['verify', '--json', '--key', noCredits], ['verify', '--key', noCredits], ['verify', '--json', '--key', 'sk-proj-cut']]) {
          const label = args.filter((arg) => arg !== noCredits).join(' ');
          const r = await redirected(t, '> /dev/full', ...args);
          expect(r.code, label).toBe(1);
          expect(r.stderr, label).toContain(`${FULL}\n`);
          expect(r.stderr.split(FULL).length - 1, label).toBe(1);
        }
        // --quiet prints nothing on stdout: nothing lost, the verdict stands.
        const quiet = await redirected(t, '> /dev/full', 'verify', '--quiet', '--key', noCredits);
        expect(quiet.code).toBe(4);
        expect(quiet.stderr).not.toContain(FULL);
        // rotate --json without an admin key: its failure document (exit 2) lost.
        const rotate = await redirected(t, '> /dev/full', 'rotate', '--json');
        expect(rotate.code).toBe(1);
        expect(rotate.stderr).toContain(`${FULL}\n`);
        const spend = await redirected(t, '> /dev/full', 'spend', '--json');
        expect(spend.code).toBe(1);
        expect(spend.stderr).toContain(`${FULL}\n`);
      });
    } finally {
      await server.close();
    }
  });

  it('a run that printed nothing on stdout is not failed by it: env without a key exits 2, run its command\'s code', async () => {
    await withTestEnv({}, async (t) => {
      const env = await redirected(t, '> /dev/full', 'env');
      expect(env.code).toBe(2);
      expect(env.stderr).not.toContain(FULL);
      await storeKey(t);
      // The command writes to /dev/full itself, not through the tool's stdout.
      const ran = await redirected(t, '> /dev/full', 'run', '--', process.execPath, '-e', 'process.exitCode = 0');
      expect(ran.code).toBe(0);
      expect(ran.stderr).not.toContain(FULL);
    });
  });

  it('--version and --help > /dev/full (boot answers them): exit 1, the one line on stderr, no stack trace', async () => {
    await withTestEnv({}, async (t) => {
      for (const flag of ['--version', '-V', '--help', '-h']) {
        const r = await byName(t, '> /dev/full', flag);
        expect(r.code, flag).toBe(1);
        expect(r.stderr, flag).toBe(`${FULL}\n`);
      }
      // stderr failing too: still exit 1, and no crash.
      const both = await byName(t, '> /dev/full 2> /dev/full', '--version');
      expect(both.code).toBe(1);
    });
  });

  it("commander's help > /dev/full (started by its path, a command's help, `help NAME`): exit 1, the one line on stderr", async () => {
    await withTestEnv({}, async (t) => {
      for (const args of [['--help'], ['help'], ['help', 'status'], ['status', '--help'], ['token', '-h']]) {
        const r = await runCommand('bash', ['-c', `exec "$@" > /dev/full`, 'bash', process.execPath, CLI, ...args], { env: t.env });
        expect(r.code, args.join(' ')).toBe(1);
        expect(r.stderr, args.join(' ')).toBe(`${FULL}\n`);
      }
    });
  });

  it('--version and --help to a reader that left (EPIPE): exit 0, nothing on stderr', async () => {
    await withTestEnv({}, async (t) => {
      for (const flag of ['--version', '--help']) {
        const r = await byNameReaderGone(t, flag);
        expect(r.code, flag).toBe(0);
        expect(r.stderr, flag).toBe('');
      }
    });
  });

  it('a reader that left (EPIPE) is no failure: token exits 0, saying nothing about it', async () => {
    await withTestEnv({}, async (t) => {
      await storeKey(t);
      // A FIFO whose only reader is closed before the CLI starts: its first write fails with EPIPE.
      const fifo = join(t.root, 'fifo');
      const r = await runCommand(
        'bash',
        ['-c', 'mkfifo "$1" && exec 3<>"$1" 4>"$1" && exec 3<&- && shift && exec "$@" >&4', 'bash', fifo, process.execPath, CLI, 'token'],
        { env: t.env },
      );
      expect(r.code).toBe(0);
      expect(r.stderr).not.toMatch(/standard output|Unexpected error/);
    });
  });
});

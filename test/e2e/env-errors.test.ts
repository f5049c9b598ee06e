// `openai-setup env --file` through the built binary with a path that cannot be used: a name too
// long, a link loop, a directory of another user, a line break in the name. Each is one line on
// stderr naming the path (made safe) and what is wrong, exit 2, never "Unexpected error" and a
// stack trace. The directory of another user needs two users: run as root, the CLI runs as nobody
// (setpriv) against a 0700 directory of root's; run as anyone else, against a 0000 directory.
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/env.js';
import { makeKey } from '../helpers/openai-server.js';
import { runCommand, type RunResult } from '../helpers/run.js';

const KEY = makeKey('proj', 'env-errors');
const AS_ROOT = process.getuid?.() === 0;
const NOBODY = 65534;

let base: string;
let home: string;
let env: Record<string, string>;

/** The CLI as the person of this test: nobody when the tests run as root. */
function cli(args: string[], input?: string): Promise<RunResult> {
  const [file, prefix] = AS_ROOT ? ['setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, CLI]] : [process.execPath, [CLI]];
  return runCommand(file, [...prefix, ...args], { env, input, cwd: home });
}

/** One line on stderr, exit 2, nothing on stdout, no trace of a bug. */
function expectOneLine(result: RunResult, line: RegExp): void {
  expect(result.timedOut).toBe(false);
  expect(result.stderr).not.toMatch(/Unexpected error|\n\s+at /);
  expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  expect(result.stderr.trimEnd()).toMatch(line);
  expect(result.stdout).toBe('');
  expect(result.code).toBe(2);
}

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'openai-setup-e2e-env-'));
  chmodSync(base, 0o755);
  home = join(base, 'home');
  mkdirSync(home);
  if (AS_ROOT) chownSync(home, NOBODY, NOBODY);
  env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, OPENAI_SETUP_CONFIG_DIR: join(home, 'config'), LANG: 'C.UTF-8' };
  const stored = await cli(['key', '--stdin', '--insecure-storage', '--no-verify'], KEY);
  expect(stored.code, stored.stderr).toBe(0);
});

afterAll(() => {
  if (!base) return;
  if (existsSync(join(base, 'secret'))) chmodSync(join(base, 'secret'), 0o700);
  rmSync(base, { recursive: true, force: true });
});

describe('env --file that cannot be used', () => {
  it('a 300-character name (ENAMETOOLONG): one line, the name cut short', async () => {
    const result = await cli(['env', '--file', 'x'.repeat(300)]);
    expectOneLine(result, /^✖ --file x{199}…: the name is too long\. Nothing was written\.$/);
  });

  it('a symbolic link loop (ELOOP): one line naming it', async () => {
    symlinkSync('loop-b', join(home, 'loop-a'));
    symlinkSync('loop-a', join(home, 'loop-b'));
    expectOneLine(await cli(['env', '--file', 'loop-a/.env']), /^✖ --file loop-a\/\.env: too many symbolic links \(a link that leads back to itself\?\) at \/\S+\/loop-a\. Nothing was written\.$/);
    expectOneLine(await cli(['env', '--file', 'loop-a']), /^✖ --file loop-a: too many symbolic links \(a link that leads back to itself\?\)\. Nothing was written\.$/);
  });

  it("another user's directory it cannot enter (EACCES, realpath and lstat): one line naming the directory", async () => {
    const secret = join(base, 'secret');
    mkdirSync(join(secret, 'sub'), { recursive: true });
    // Root's 0700 directory for nobody; our own 0000 one for anyone else.
    chmodSync(secret, AS_ROOT ? 0o700 : 0o000);
    expectOneLine(await cli(['env', '--file', join(secret, '.env')]), new RegExp(`^✖ --file ${secret}/\\.env: permission denied\\. Nothing was written\\.$`));
    expectOneLine(await cli(['env', '--file', join(secret, 'sub', '.env')]), new RegExp(`^✖ --file ${secret}/sub/\\.env: permission denied at ${secret}/sub\\. Nothing was written\\.$`));
  });

  it('a line break in the name is never printed raw', async () => {
    const result = await cli(['env', '--file', 'd\n/x']);
    expectOneLine(result, new RegExp(`^✖ --file: the directory ${home}/d  does not exist\\.$`));
  });
});

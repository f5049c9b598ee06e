// `openai-setup env --file` through the built binary with a path that cannot be used: a name too
// long, a link loop, a directory of another user, a line break in the name. Each is one line on
// stderr naming the path (made safe) and what is wrong, exit 2, never "Unexpected error" and a
// stack trace. The directory of another user: run as root, a 0700 directory of nobody's, with the
// CLI run as root without the capabilities that pass over permissions (setpriv), so that it can
// still read itself wherever the checkout is; run as anyone else, a 0000 directory of their own.
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

function cli(args: string[], input?: string): Promise<RunResult> {
  return runCommand(process.execPath, [CLI, ...args], { env, input, cwd: home });
}

/** The CLI as a person held by permissions: as root, without CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH. */
function cliHeldByPermissions(args: string[]): Promise<RunResult> {
  if (!AS_ROOT) return cli(args);
  return runCommand('setpriv', ['--bounding-set=-dac_override,-dac_read_search', process.execPath, CLI, ...args], { env, cwd: home });
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
    // Nobody's 0700 directory for root without its overrides; our own 0000 one for anyone else.
    if (AS_ROOT) {
      chownSync(secret, NOBODY, NOBODY);
      chmodSync(secret, 0o700);
    } else chmodSync(secret, 0o000);
    expectOneLine(await cliHeldByPermissions(['env', '--file', join(secret, '.env')]), new RegExp(`^✖ --file ${secret}/\\.env: permission denied\\. Nothing was written\\.$`));
    expectOneLine(await cliHeldByPermissions(['env', '--file', join(secret, 'sub', '.env')]), new RegExp(`^✖ --file ${secret}/sub/\\.env: permission denied at ${secret}/sub\\. Nothing was written\\.$`));
  });

  it('a line break in the name is never printed raw', async () => {
    const result = await cli(['env', '--file', 'd\n/x']);
    expectOneLine(result, new RegExp(`^✖ --file: the directory ${home}/d  does not exist\\.$`));
  });
});

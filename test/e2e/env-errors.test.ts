// `openai-setup env --file` through the built binary with a path that cannot be used: a name too
// long, a link loop, a directory of another user, a line break in the name. Each is one line on
// stderr naming the path (made safe) and what is wrong, exit 2, never "Unexpected error" and a
// stack trace. The directory of another user: run as root, a 0700 directory of nobody's, with the
// CLI run as root without the capabilities that pass over permissions (setpriv), so that it can
// still read itself wherever the checkout is; run as anyone else, a 0000 directory of their own.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, REPO_ROOT } from '../helpers/env.js';
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

// A .env the person could not change in place is not replaced either (a rename goes around its
// write permission, and the new file would be theirs): one line, nothing written. Run as a user,
// not root: as root, the CLI runs as uid 1000 (setpriv), from a copy of Node and the built tool
// anybody can read (a clone, or a Node from a cache under /root, may sit where only root can enter).
describe("env as a user, with a .env that is not theirs to rewrite", () => {
  const USER = 1000;
  let root: string;
  let project: string;
  let asUser: (args: string[], input?: string) => Promise<RunResult>;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'openai-setup-e2e-env-user-'));
    chmodSync(root, 0o755);
    const userHome = join(root, 'home');
    project = join(userHome, 'project');
    mkdirSync(project, { recursive: true });
    const userEnv = { PATH: env.PATH!, HOME: userHome, OPENAI_SETUP_CONFIG_DIR: join(userHome, 'config'), LANG: 'C.UTF-8' };
    if (AS_ROOT) {
      const app = join(root, 'app');
      mkdirSync(app);
      copyFileSync(process.execPath, join(app, 'node'));
      for (const part of ['bin', 'dist', 'package.json', 'node_modules/@napi-rs']) cpSync(join(REPO_ROOT, part), join(app, part), { recursive: true });
      execFileSync('chmod', ['-R', 'a+rX', app]);
      chmodSync(join(app, 'node'), 0o755);
      execFileSync('chown', ['-R', `${USER}:${USER}`, userHome]);
      asUser = (args, input) =>
        runCommand('setpriv', [`--reuid=${USER}`, `--regid=${USER}`, '--clear-groups', join(app, 'node'), join(app, 'bin', 'openai-setup.cjs'), ...args], { env: userEnv, input, cwd: project });
    } else {
      asUser = (args, input) => runCommand(process.execPath, [CLI, ...args], { env: userEnv, input, cwd: project });
    }
    const stored = await asUser(['key', '--stdin', '--insecure-storage', '--no-verify'], KEY);
    expect(stored.code, stored.stderr).toBe(0);
  });

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** The one failure line (stderr also warns that the key is read from a file), exit 2, nothing on stdout. */
  function expectRefused(result: RunResult, line: string): void {
    expect(result.stderr).not.toMatch(/Unexpected error|\n\s+at /);
    expect(result.stderr.split('\n').filter((each) => each.startsWith('✖'))).toEqual([line]);
    expect(result.stdout).toBe('');
    expect(result.code).toBe(2);
  }

  /** `.env` in the project holding `text`, owned by `uid` (when the test may say), mode `mode`; .gitignore covers it. */
  function dotenv(text: string, mode: number, uid?: number): string {
    const path = join(project, '.env');
    rmSync(path, { force: true });
    writeFileSync(path, text);
    writeFileSync(join(project, '.gitignore'), '.env\n');
    if (uid !== undefined) chownSync(path, uid, uid);
    chmodSync(path, mode);
    return path;
  }

  it('their own .env made read-only (444): refused in one line, the file as it was', async () => {
    const path = dotenv('A=1\nOPENAI_API_KEY=old\n', 0o444, AS_ROOT ? USER : undefined);
    expectRefused(await asUser(['env']), '✖ Could not write .env: it is read-only (mode 444). Nothing was written: make it writable (chmod u+w -- .env), then run this command again.');
    expect(readFileSync(path, 'utf8')).toBe('A=1\nOPENAI_API_KEY=old\n');
    expect(statSync(path).mode & 0o777).toBe(0o444);
  });

  it.skipIf(!AS_ROOT)("root's .env (666) in their project: refused, it stays root's", async () => {
    const path = dotenv('A=1\nOPENAI_API_KEY=old\n', 0o666, 0);
    expectRefused(
      await asUser(['env']),
      '✖ Could not write .env: it belongs to another user (uid 0, gid 0), and rewriting it would make it yours. Nothing was written: change it by hand, or as that user run this command again.',
    );
    expect(readFileSync(path, 'utf8')).toBe('A=1\nOPENAI_API_KEY=old\n');
    const { uid, gid, mode } = statSync(path);
    expect({ uid, gid, mode: mode & 0o777 }).toEqual({ uid: 0, gid: 0, mode: 0o666 });
  });

  // A new file takes a setgid directory's group, the temp file of a rewrite too: the file written
  // there is rewritten there, keeping that group the person is not in.
  it.skipIf(!AS_ROOT)("their .env in a setgid directory of a group they are not in: written, and rewritten with that group", async () => {
    const dir = join(project, 'shared');
    mkdirSync(dir);
    chownSync(dir, 0, 4242);
    chmodSync(dir, 0o2777);
    const path = join(dir, '.env');
    const first = await asUser(['env', '--file', 'shared/.env', '--force']);
    expect(first.code, first.stderr).toBe(0);
    expect(statSync(path).gid).toBe(4242);
    // Another value there since (written in place: owner and group stay).
    writeFileSync(path, 'A=1\nOPENAI_API_KEY=old\n');
    const again = await asUser(['env', '--file', 'shared/.env', '--force']);
    expect(again.stderr).not.toContain('✖');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('✔ Updated OPENAI_API_KEY');
    expect(readFileSync(path, 'utf8')).toBe(`A=1\nOPENAI_API_KEY=${KEY}\n`);
    const { uid, gid, mode } = statSync(path);
    expect({ uid, gid, mode: mode & 0o777 }).toEqual({ uid: USER, gid: 4242, mode: 0o600 });
  });

  // Their config dir made read-only (0500, its files 0400): the key is still read, and the .env
  // (and .gitignore) written without the turn a lock there would give; nothing made in the dir.
  it('their config dir made read-only: the .env and .gitignore written all the same, exit 0', async () => {
    const config = join(root, 'home', 'config');
    const before = readdirSync(config).sort();
    const dir = join(project, 'readonly-config');
    mkdirSync(dir);
    execFileSync('git', ['init', '-q', dir]);
    if (AS_ROOT) execFileSync('chown', ['-R', `${USER}:${USER}`, dir]);
    for (const name of before) chmodSync(join(config, name), 0o400);
    chmodSync(config, 0o500);
    try {
      const result = await asUser(['env', '--file', 'readonly-config/.env', '--gitignore'], '');
      // Only the progress record (state.json) is not kept, said as the warning it is.
      expect(result.stderr).not.toMatch(/✖|Unexpected error|edit-/);
      expect(result.code, result.stderr).toBe(0);
      expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(`OPENAI_API_KEY=${KEY}\n`);
      expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toMatch(/^\/?\.env$/m);
      expect(readdirSync(config).sort()).toEqual(before);
    } finally {
      chmodSync(config, 0o700);
      for (const name of before) chmodSync(join(config, name), 0o600);
    }
  });

  // The temp file goes next to the file: a folder they cannot write to stops the write, found
  // before .gitignore is touched, and said naming the folder, with what to do.
  it('their writable .env in a folder made read-only (555), --gitignore: refused in one line naming the folder, .gitignore untouched', async () => {
    const repo = join(project, 'locked-folder');
    mkdirSync(join(repo, 'config'), { recursive: true });
    execFileSync('git', ['init', '-q', repo]);
    writeFileSync(join(repo, '.gitignore'), 'node_modules/\n');
    writeFileSync(join(repo, 'config', '.env'), 'A=1\n');
    if (AS_ROOT) execFileSync('chown', ['-R', `${USER}:${USER}`, repo]);
    chmodSync(join(repo, 'config', '.env'), 0o644);
    chmodSync(join(repo, 'config'), 0o555);
    try {
      const result = await asUser(['env', '--file', 'locked-folder/config/.env', '--gitignore']);
      expectRefused(
        result,
        `✖ Could not write locked-folder/config/.env: permission denied at ${repo}/config (a folder you cannot write to: the file is written as a new one made there). Nothing was written: make the folder writable (chmod u+w -- ${repo}/config), then run this command again.`,
      );
      expect(readFileSync(join(repo, '.gitignore'), 'utf8')).toBe('node_modules/\n');
      expect(readFileSync(join(repo, 'config', '.env'), 'utf8')).toBe('A=1\n');
    } finally {
      chmodSync(join(repo, 'config'), 0o755);
    }
  });

  it.skipIf(!AS_ROOT)('their .env of a group they are not in, elsewhere: refused, it keeps its group', async () => {
    const path = dotenv('A=1\nOPENAI_API_KEY=old\n', 0o666, USER);
    chownSync(path, USER, 4242);
    expectRefused(
      await asUser(['env']),
      '✖ Could not write .env: its group (gid 4242) is not one of yours, and rewriting it would change it. Nothing was written: change it by hand, or as root run this command again.',
    );
    expect(readFileSync(path, 'utf8')).toBe('A=1\nOPENAI_API_KEY=old\n');
    expect(statSync(path).gid).toBe(4242);
    expect(readdirSync(project).filter((name) => name.includes('openai-setup.'))).toEqual([]);
  });
});

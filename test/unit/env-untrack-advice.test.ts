// `env`'s advice to untrack a file git tracks works as printed, in bash, for a file whose name
// starts with "-" (which git would read as an option without `--`).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as env } from '../../src/commands/env.js';
import { makeTestContext, outcomeOf, testKey, type TestContext } from '../helpers/context.js';

// git without the person's own configuration.
const GIT_ENV = { PATH: process.env.PATH, HOME: '/nonexistent-home', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };

let t: TestContext;
afterEach(() => t?.cleanup());

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, env: GIT_ENV, encoding: 'utf8' });
}

/** A repository at `dir` with `name` committed in it. */
function repoTracking(dir: string, name: string): void {
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q');
  writeFileSync(join(dir, name), 'DEBUG=1\n');
  git(dir, 'add', '-f', '--', name);
  git(dir, 'commit', '-q', '-m', 'x');
}

/** The untrack command of env's refusal, run in bash from the project as printed; then what git tracks. */
async function untrackAsPrinted(file: string, repo: string): Promise<{ command: string; status: number | null; stderr: string; tracked: string }> {
  const { code, hints } = await outcomeOf(env(t.ctx, { force: false, gitignore: false, file }));
  expect(code).toBe(2);
  const command = /^Untrack it first \((git .*), then add it to \.gitignore\)/.exec(hints[0]!)?.[1];
  expect(command, hints[0]).toBeDefined();
  const ran = spawnSync('bash', ['-c', command!], { cwd: t.cwd, env: GIT_ENV, encoding: 'utf8' });
  return { command: command!, status: ran.status, stderr: ran.stderr, tracked: git(repo, 'ls-files') };
}

describe('env: untracking a file named "-…"', () => {
  it('git rm --cached -- -n.env, which works in bash as printed', async () => {
    t = makeTestContext({ env: GIT_ENV, keychain: { default: testKey('A') } });
    repoTracking(t.cwd, '-n.env');
    const ran = await untrackAsPrinted('-n.env', t.cwd);
    expect(ran.stderr).toBe('');
    expect(ran.status).toBe(0);
    expect(ran.tracked).toBe('');
    expect(ran.command).toBe('git rm --cached -- -n.env');
  });

  it('through a link into another repository: git -C that repository rm --cached -- the file', async () => {
    t = makeTestContext({ env: GIT_ENV, keychain: { default: testKey('A') } });
    git(t.cwd, 'init', '-q');
    writeFileSync(join(t.cwd, '.gitignore'), '.env\n');
    const other = join(realpathSync(join(t.cwd, '..')), 'other');
    repoTracking(other, '-x.env');
    symlinkSync(join(other, '-x.env'), join(t.cwd, '.env'));
    const ran = await untrackAsPrinted('.env', other);
    expect(ran.stderr).toBe('');
    expect(ran.status).toBe(0);
    expect(ran.tracked).toBe('');
    expect(ran.command).toBe(`git -C ${other} rm --cached -- -x.env`);
  });
});

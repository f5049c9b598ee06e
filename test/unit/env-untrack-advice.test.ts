// `env`'s advice for a file git tracks works as printed: the exact command, `git rm --cached -- FILE
// && openai-setup env --file FILE --gitignore` (as status and doctor name it), run in bash (its git
// part) and through env (its own), for a file whose name starts with "-" (which git would read as an
// option without `--`), and where .gitignore already has the file.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
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

/**
 * The command of env's refusal, as printed: its git part run in bash from the project, then what
 * git tracks; `then`, its `openai-setup env …` part (which must be --file FILE --gitignore).
 */
async function untrackAsPrinted(file: string, repo: string): Promise<{ command: string; status: number | null; stderr: string; tracked: string; then: string }> {
  const { code, hints } = await outcomeOf(env(t.ctx, { force: false, gitignore: false, file }));
  expect(code).toBe(2);
  expect(hints).toHaveLength(1);
  const printed = /^Untrack it, then write the key: {2}(git .*) && (openai-setup env .*)$/.exec(hints[0]!);
  expect(printed, hints[0]).not.toBeNull();
  const [, command, then] = printed!;
  const ran = spawnSync('bash', ['-c', command!], { cwd: t.cwd, env: GIT_ENV, encoding: 'utf8' });
  return { command: command!, status: ran.status, stderr: ran.stderr, tracked: git(repo, 'ls-files'), then: then! };
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
    expect(ran.then).toBe('openai-setup env --file -n.env --gitignore');
  });

  it('.gitignore has .env already (it was added with git add -f): the command as printed untracks it and writes the key, .gitignore as it was', async () => {
    const KEY = testKey('A');
    t = makeTestContext({ env: GIT_ENV, keychain: { default: KEY } });
    git(t.cwd, 'init', '-q');
    writeFileSync(join(t.cwd, '.gitignore'), '.env\n');
    repoTracking(t.cwd, '.env');
    const ran = await untrackAsPrinted('.env', t.cwd);
    expect([ran.command, ran.then]).toEqual(['git rm --cached -- .env', 'openai-setup env --file .env --gitignore']);
    expect(ran.status).toBe(0);
    expect(ran.tracked).toBe('');
    // Its env part, as printed: --file .env --gitignore.
    expect(await env(t.ctx, { force: false, gitignore: true, file: '.env' })).toBe(0);
    expect(readFileSync(join(t.cwd, '.env'), 'utf8')).toBe(`DEBUG=1\nOPENAI_API_KEY=${KEY}\n`);
    expect(readFileSync(join(t.cwd, '.gitignore'), 'utf8')).toBe('.env\n');
    expect(git(t.cwd, 'ls-files')).toBe('');
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
    expect(ran.then).toBe('openai-setup env --file .env --gitignore');
  });
});

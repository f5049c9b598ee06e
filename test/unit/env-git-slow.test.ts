// A git that does not answer about a file within its time limit has not said whether it tracks the
// file: `env --file` refuses to write the key there (it could be committed) unless --force, and
// doctor never takes the silence for "no repository" (which made it drop the warning about a key in
// the file's git history that status sends the person to doctor for). git is real, behind a `git`
// on PATH whose `rev-parse` hangs until stopped; the limit per call is shortened through the Context.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as env } from '../../src/commands/env.js';
import { run as key } from '../../src/commands/key.js';
import { GitLate, gitRunner, gitVerdict } from '../../src/plaintext/env-files.js';
import { makeTestContext, testKey, type TestContext } from '../helpers/context.js';
import { git } from '../helpers/git.js';

const KEY = testKey('G');
const REAL_GIT = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();

const made: TestContext[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((t) => t.cleanup()));
});

/** KEY stored, in a git repository, git on PATH a wrapper whose `rev-parse` hangs until stopped. */
async function slowGit(): Promise<TestContext> {
  const t = makeTestContext({ interactive: false, env: {} });
  made.push(t);
  const bin = join(t.cwd, '..', 'bin');
  mkdirSync(bin);
  writeFileSync(
    join(bin, 'git'),
    `#!/bin/sh
case " $* " in *" rev-parse "*) trap 'kill $! 2>/dev/null; exit 143' TERM; sleep 60 & wait $! ;; esac
exec '${REAL_GIT}' "$@"
`,
  );
  chmodSync(join(bin, 'git'), 0o755);
  t.ctx.rawEnv = { PATH: `${bin}:${process.env.PATH}`, HOME: '/nonexistent-home', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
  git(t.cwd, 'init', '-q');
  t.ctx.readStdin = async () => `${KEY}\n`;
  expect(await key(t.ctx, { stdin: true, verify: false })).toBe(0);
  t.ctx.gitCallMs = 300;
  return t;
}

describe('a git that does not answer in time', () => {
  it('is late, not "no repository", with or without a deadline of the search', async () => {
    const t = await slowGit();
    await expect(gitVerdict(gitRunner(t.ctx.rawEnv, undefined, 300), t.cwd, '.env')).rejects.toBeInstanceOf(GitLate);
  });

  it('env --file: the key is not written without git\'s word; --force writes it, saying so', async () => {
    const t = await slowGit();
    await expect(env(t.ctx, { file: '.env', force: false, gitignore: false })).rejects.toThrow(
      'git did not say within 0.3 s whether it tracks .env: the key could be committed with it. Nothing was written.',
    );
    expect(existsSync(join(t.cwd, '.env'))).toBe(false);
    expect(t.stderr).not.toContain('is not in a git repository');
    expect(await env(t.ctx, { file: '.env', force: true, gitignore: false })).toBe(0);
    expect(readFileSync(join(t.cwd, '.env'), 'utf8')).toContain(KEY);
    expect(t.stderr).toContain('! git did not say within 0.3 s whether it tracks .env: written without its word (--force); do not commit it.');
  });
});

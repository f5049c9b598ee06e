// `env` asks git about the file's own repository, whatever repository the environment names: a
// dotfiles setup (GIT_DIR=~/.dotfiles GIT_WORK_TREE=~) or a git alias sets GIT_DIR and the like,
// and git would then answer for that repository, where the project's .env is neither tracked nor
// covered.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as env } from '../../src/commands/env.js';
import { gitRunner, gitVerdict } from '../../src/plaintext/env-files.js';
import { makeTestContext, outcomeOf, testKey } from '../helpers/context.js';

const GIT_ENV = { PATH: process.env.PATH, HOME: '/nonexistent-home', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, env: GIT_ENV, encoding: 'utf8' });
}

describe('env with GIT_DIR and GIT_WORK_TREE set (a dotfiles repository)', () => {
  it('a .env the project commits is tracked: refused, nothing written', async () => {
    const t = makeTestContext({ keychain: { default: testKey('A') } });
    const home = realpathSync(dirname(t.cwd));
    const dotfiles = join(home, '.dotfiles');
    git(home, 'init', '-q', '--bare', dotfiles);
    Object.assign(t.ctx.rawEnv, GIT_ENV, { GIT_DIR: dotfiles, GIT_WORK_TREE: home });
    git(t.cwd, 'init', '-q');
    writeFileSync(join(t.cwd, '.env'), 'DEBUG=1\n');
    git(t.cwd, 'add', '.env');
    git(t.cwd, 'commit', '-q', '-m', 'x');

    const { code, message } = await outcomeOf(env(t.ctx, { force: false, gitignore: true }));
    expect(code).toBe(2);
    expect(message).toBe('.env is tracked by git: the key would be committed with it. Nothing was written.');
    expect(readFileSync(join(t.cwd, '.env'), 'utf8')).toBe('DEBUG=1\n');
    expect(existsSync(join(home, '.gitignore'))).toBe(false);
  });

  it('--gitignore adds the line to the project\'s .gitignore, not to the work tree\'s', async () => {
    const t = makeTestContext({ keychain: { default: testKey('A') } });
    const home = realpathSync(dirname(t.cwd));
    const dotfiles = join(home, '.dotfiles');
    git(home, 'init', '-q', '--bare', dotfiles);
    Object.assign(t.ctx.rawEnv, GIT_ENV, { GIT_DIR: dotfiles, GIT_WORK_TREE: home, GIT_INDEX_FILE: join(dotfiles, 'index') });
    git(t.cwd, 'init', '-q');

    const { code, message } = await outcomeOf(env(t.ctx, { force: false, gitignore: true }));
    expect(message).toBe('');
    expect(code).toBe(0);
    expect(t.stdout).toContain(`Added /.env to ${t.cwd}/.gitignore.`);
    expect(readFileSync(join(t.cwd, '.gitignore'), 'utf8')).toBe('/.env\n');
    expect(existsSync(join(home, '.gitignore'))).toBe(false);
  });
});

describe('gitRunner', () => {
  it('drops the variables that name a repository, and keeps the rest', async () => {
    const t = makeTestContext();
    git(t.cwd, 'init', '-q');
    const git2 = gitRunner({ ...GIT_ENV, GIT_DIR: '/nowhere', GIT_WORK_TREE: '/', GIT_COMMON_DIR: '/nowhere', GIT_OBJECT_DIRECTORY: '/nowhere', GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'core.excludesFile', GIT_CONFIG_VALUE_0: join(t.cwd, 'excludes') });
    writeFileSync(join(t.cwd, 'excludes'), '*.secret\n');
    expect(await gitVerdict(git2, t.cwd, '.env')).toMatchObject({ kind: 'exposed', root: realpathSync(t.cwd), path: '.env' });
    // The person's own settings (GIT_CONFIG_COUNT: a `-c` option) still count.
    expect(await gitVerdict(git2, t.cwd, 'x.secret')).toMatchObject({ kind: 'ignored' });
  });
});

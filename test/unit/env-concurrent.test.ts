// `openai-setup env` runs at the same time in one project: each adds its file to .gitignore and
// writes the key into its file, and what each says it did is so afterwards. .gitignore and the
// --file are changed under a lock (plaintext/files.ts rewriteFile), each run changing what the one
// before wrote; git itself is asked, before the write, which line decides for the file (a line
// that would not help is never added), and after it, whether the file is ignored now.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as env, type EnvOptions } from '../../src/commands/env.js';
import { appendLine } from '../../src/keys/dotenv.js';
import { rewriteFile } from '../../src/plaintext/files.js';
import { makeTestContext, outcomeOf, testKey, type TestContext } from '../helpers/context.js';

const KEY = testKey('A');
const GIT_ENV = { PATH: process.env.PATH, HOME: '/nonexistent-home', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
const ADD: EnvOptions = { force: false, gitignore: true };

let t: TestContext;
afterEach(() => t?.cleanup());

function context(): TestContext {
  t = makeTestContext({ env: GIT_ENV, keychain: { default: KEY }, interactive: false });
  git('init', '-q');
  return t;
}

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: t.cwd, env: GIT_ENV, encoding: 'utf8' });
}

/** Whether git ignores `name` now (git check-ignore's exit code). */
function ignored(name: string): boolean {
  try {
    git('check-ignore', '-q', '--', name);
    return true;
  } catch {
    return false;
  }
}

const file = (name: string) => join(t.cwd, name);

// Each run asks git several times: under a loaded machine six runs take more than vitest's 5 s default.
describe('env --gitignore, several runs at once', { timeout: 30_000 }, () => {
  it('every run\'s file is in .gitignore, as each says, and each file holds the key', async () => {
    context();
    writeFileSync(file('.gitignore'), 'node_modules');
    const names = ['a.env', 'b.env', 'c.env', 'd.env', 'e.env', 'f.env'];
    const codes = await Promise.all(names.map((name) => env(t.ctx, { ...ADD, file: name })));
    expect(codes).toEqual(names.map(() => 0));
    const gitignore = join(realpathSync(t.cwd), '.gitignore');
    for (const name of names) {
      expect(t.stdout).toContain(`✔ Added /${name} to ${gitignore}.\n`);
      expect(ignored(name)).toBe(true);
      expect(readFileSync(file(name), 'utf8')).toBe(`OPENAI_API_KEY=${KEY}\n`);
    }
    expect(readFileSync(file('.gitignore'), 'utf8').split('\n').sort()).toEqual(['', 'node_modules', ...names.map((n) => `/${n}`)].sort());
  });

  it('a missing .gitignore is created once, holding every run\'s line', async () => {
    context();
    const names = ['a.env', 'b.env', 'c.env', 'd.env'];
    expect(await Promise.all(names.map((name) => env(t.ctx, { ...ADD, file: name })))).toEqual(names.map(() => 0));
    expect(t.stderr).toBe('');
    for (const name of names) expect(ignored(name)).toBe(true);
    expect(readFileSync(file('.gitignore'), 'utf8').split('\n').sort()).toEqual(['', ...names.map((n) => `/${n}`)].sort());
  });

  it('runs for the same file: the line is added once, by one of them; each writes the key', async () => {
    context();
    writeFileSync(file('.gitignore'), 'node_modules\n');
    expect(await Promise.all([1, 2, 3, 4].map(() => env(t.ctx, { ...ADD, file: '.env' })))).toEqual([0, 0, 0, 0]);
    expect(readFileSync(file('.gitignore'), 'utf8')).toBe('node_modules\n/.env\n');
    // The others found it there (before or under the lock): none says it added it.
    expect(t.stdout.match(/Added \/\.env to /g)).toHaveLength(1);
    expect(ignored('.env')).toBe(true);
    expect(readFileSync(file('.env'), 'utf8')).toBe(`OPENAI_API_KEY=${KEY}\n`);
  });

  it('a line import (or another run) adds to the .env while env writes it stays: both take the same lock', async () => {
    context();
    writeFileSync(file('.gitignore'), '/.env\n');
    writeFileSync(file('.env'), 'A=1\n', { mode: 0o600 });
    const [code, other] = await Promise.all([env(t.ctx, { ...ADD, file: '.env' }), rewriteFile(file('.env'), (text) => appendLine(text, 'B=2'), t.ctx)]);
    expect([code, other]).toEqual([0, 'changed']);
    expect(readFileSync(file('.env'), 'utf8').split('\n').sort()).toEqual(['', 'A=1', 'B=2', `OPENAI_API_KEY=${KEY}`]);
  });
});

describe('env --gitignore says "Added" only when git ignores the file then', () => {
  const HINTS = (check: string) => [`See which line:  ${check}`, 'Or pass --force (without --gitignore) to write the key anyway.'];

  it('a "!" line in a .gitignore nearer to the file takes it back: refused before .gitignore is touched, naming the line and the command that shows it', async () => {
    context();
    mkdirSync(file('sub'));
    writeFileSync(file('.gitignore'), '*.env');
    writeFileSync(file('sub/.gitignore'), '!x.env\n');
    const { code, message, hints } = await outcomeOf(env(t.ctx, { ...ADD, file: 'sub/x.env' }));
    expect(code).toBe(2);
    const root = realpathSync(t.cwd);
    expect(message).toBe(
      `git does not ignore sub/x.env: line 1 of ${root}/sub/.gitignore ("!x.env") takes it back, which no line added to ${root}/.gitignore can override. .gitignore was not changed, and the key was not written.`,
    );
    expect(hints).toEqual(HINTS('git check-ignore -v -- sub/x.env'));
    expect(t.stdout).toBe('');
    expect(readFileSync(file('.gitignore'), 'utf8')).toBe('*.env');
    expect(readFileSync(file('sub/.gitignore'), 'utf8')).toBe('!x.env\n');
    expect(existsSync(file('sub/x.env'))).toBe(false);
    // The command works as printed: it names the line that decides.
    expect(git('check-ignore', '-v', 'sub/x.env')).toBe('sub/.gitignore:1:!x.env\tsub/x.env\n');
  });

  it('no .gitignore at the top: none is created for a line that would not help', async () => {
    context();
    mkdirSync(file('app'));
    writeFileSync(file('app/.gitignore'), '!.env\n');
    const { code, message } = await outcomeOf(env(t.ctx, { ...ADD, file: 'app/.env' }));
    expect(code).toBe(2);
    const root = realpathSync(t.cwd);
    expect(message).toBe(
      `git does not ignore app/.env: line 1 of ${root}/app/.gitignore ("!.env") takes it back, which no line added to ${root}/.gitignore can override. .gitignore was not changed, and the key was not written.`,
    );
    expect(existsSync(file('.gitignore'))).toBe(false);
    expect(existsSync(file('app/.env'))).toBe(false);
  });

  it('asked (a terminal, no --gitignore): refused before the question, since the answer could not help', async () => {
    t = makeTestContext({ env: GIT_ENV, keychain: { default: KEY }, interactive: true });
    git('init', '-q');
    mkdirSync(file('sub'));
    writeFileSync(file('sub/.gitignore'), '!x.env\n');
    const { code, message } = await outcomeOf(env(t.ctx, { force: false, gitignore: false, file: 'sub/x.env' }));
    expect(code).toBe(2);
    expect(message).toMatch(/^git does not ignore sub\/x\.env: line 1 of .*\/sub\/\.gitignore \("!x\.env"\) takes it back/);
    expect(t.stderr).toBe('');
    expect(existsSync(file('.gitignore'))).toBe(false);
  });

  it('the line is in .gitignore already, and a nearer "!" line takes it back: said as it is, nothing changed', async () => {
    context();
    mkdirSync(file('sub'));
    writeFileSync(file('.gitignore'), '/sub/x.env\r\n');
    writeFileSync(file('sub/.gitignore'), '!x.env\n');
    const { code, message, hints } = await outcomeOf(env(t.ctx, { ...ADD, file: 'sub/x.env' }));
    expect(code).toBe(2);
    const root = realpathSync(t.cwd);
    expect(message).toBe(
      `${root}/.gitignore has /sub/x.env already, yet git does not ignore sub/x.env: line 1 of ${root}/sub/.gitignore ("!x.env") takes it back. .gitignore was not changed, and the key was not written.`,
    );
    expect(hints).toEqual(HINTS('git check-ignore -v -- sub/x.env'));
    expect(readFileSync(file('.gitignore'), 'utf8')).toBe('/sub/x.env\r\n');
    expect(existsSync(file('sub/x.env'))).toBe(false);
  });

  it('the line is in .gitignore already, and a "!" line after it there takes it back: not added twice, nothing changed', async () => {
    context();
    writeFileSync(file('.gitignore'), '/x.env\n!x.env\n');
    const { code, message } = await outcomeOf(env(t.ctx, { ...ADD, file: 'x.env' }));
    expect(code).toBe(2);
    const root = realpathSync(t.cwd);
    expect(message).toBe(
      `${root}/.gitignore has /x.env already, yet git does not ignore x.env: line 2 of ${root}/.gitignore ("!x.env") takes it back. .gitignore was not changed, and the key was not written.`,
    );
    expect(readFileSync(file('.gitignore'), 'utf8')).toBe('/x.env\n!x.env\n');
    expect(existsSync(file('x.env'))).toBe(false);
  });

  it('a "!" line in the top .gitignore itself, or in .git/info/exclude: the line added after it wins, and the key is written', async () => {
    context();
    writeFileSync(file('.gitignore'), '*.env\n!x.env\n');
    writeFileSync(file('.git/info/exclude'), '*.local\n!y.local\n');
    expect(await env(t.ctx, { ...ADD, file: 'x.env' })).toBe(0);
    expect(await env(t.ctx, { ...ADD, file: 'y.local' })).toBe(0);
    expect(readFileSync(file('.gitignore'), 'utf8')).toBe('*.env\n!x.env\n/x.env\n/y.local\n');
    expect(ignored('x.env') && ignored('y.local')).toBe(true);
    expect(readFileSync(file('x.env'), 'utf8')).toBe(`OPENAI_API_KEY=${KEY}\n`);
  });

  it('git still does not ignore the file once the line is added (what was foreseen did not hold): the line is taken out again, and that is said', async () => {
    // A git that cannot say which line decides: the line is added, and git, asked again, still
    // does not ignore the file.
    const bin = mkdtempSync(join(tmpdir(), 'git-'));
    const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    writeFileSync(join(bin, 'git'), `#!/bin/sh\nfor a in "$@"; do [ "$a" = --stdin ] && { cat >/dev/null; exit 1; }; done\nexec ${real} "$@"\n`, { mode: 0o755 });
    try {
      t = makeTestContext({ env: { ...GIT_ENV, PATH: `${bin}:${process.env.PATH}` }, keychain: { default: KEY }, interactive: false });
      git('init', '-q');
      mkdirSync(file('sub'));
      writeFileSync(file('.gitignore'), 'node_modules');
      writeFileSync(file('sub/.gitignore'), '!x.env\n');
      const { code, message, hints } = await outcomeOf(env(t.ctx, { ...ADD, file: 'sub/x.env' }));
      expect(code).toBe(2);
      const root = realpathSync(t.cwd);
      expect(message).toBe(
        `git does not ignore sub/x.env even with /sub/x.env in ${root}/.gitignore: a "!" line takes it back (in a .gitignore nearer to it?). The line was taken out again, and the key was not written.`,
      );
      expect(hints).toEqual(HINTS('git check-ignore -v -- sub/x.env'));
      expect(t.stdout).toBe('');
      expect(readFileSync(file('.gitignore'), 'utf8')).toBe('node_modules');
      expect(existsSync(file('sub/x.env'))).toBe(false);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});

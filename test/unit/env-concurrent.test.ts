// `openai-setup env` runs at the same time in one project: each adds its file to .gitignore and
// writes the key into its file, and what each says it did is so afterwards. .gitignore and the
// --file are changed under a lock (plaintext/files.ts rewriteFile), each run changing what the one
// before wrote; git itself is asked, after the write, whether the file is ignored now.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
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

describe('env --gitignore, several runs at once', () => {
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
    const [code, other] = await Promise.all([env(t.ctx, { ...ADD, file: '.env' }), rewriteFile(file('.env'), (text) => appendLine(text, 'B=2'), t.configDir)]);
    expect([code, other]).toEqual([0, 'changed']);
    expect(readFileSync(file('.env'), 'utf8').split('\n').sort()).toEqual(['', 'A=1', 'B=2', `OPENAI_API_KEY=${KEY}`]);
  });
});

describe('env --gitignore says "Added" only when git ignores the file then', () => {
  it('a "!" line in a .gitignore nearer to the file takes it back: refused, naming the command that shows the line, the key not written', async () => {
    context();
    mkdirSync(file('app'));
    writeFileSync(file('app/.gitignore'), '!.env\n');
    const { code, message, hints } = await outcomeOf(env(t.ctx, { ...ADD, file: 'app/.env' }));
    expect(code).toBe(2);
    const gitignore = join(realpathSync(t.cwd), '.gitignore');
    expect(message).toBe(`${gitignore} has /app/.env, yet git does not ignore app/.env: a "!" line takes it back (in a .gitignore nearer to it?). The key was not written.`);
    expect(hints).toEqual(['See which line: git check-ignore -v app/.env', 'Or pass --force (without --gitignore) to write the key anyway.']);
    expect(t.stdout).not.toContain('Added');
    expect(existsSync(file('app/.env'))).toBe(false);
    // The command works as printed: it names the line that decides.
    expect(git('check-ignore', '-v', 'app/.env')).toBe('app/.gitignore:1:!.env\tapp/.env\n');
  });
});

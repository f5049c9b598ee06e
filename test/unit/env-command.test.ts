// `openai-setup env`: the profile's key into a project's .env, only where git will not commit it.
// git is real (the command runs it); the repository is a temp one in ctx.cwd.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as env, type EnvOptions } from '../../src/commands/env.js';
import { makeTestContext, outcomeOf, testKey, type TestContext } from '../helpers/context.js';

const KEY = testKey('A');
const FLAGS: EnvOptions = { force: false, gitignore: false };

// git without the person's own configuration (a global excludes file could hide .env).
const GIT_ENV = { PATH: process.env.PATH, HOME: '/nonexistent-home', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };

let t: TestContext;
afterEach(() => t?.cleanup());

/** A context whose cwd is a fresh git repository (unless `repo` is false), with KEY stored. */
function context(options: { repo?: boolean; interactive?: boolean } = {}): TestContext {
  t = makeTestContext({ env: GIT_ENV, keychain: { default: KEY }, interactive: options.interactive });
  if (options.repo !== false) git('init', '-q');
  return t;
}

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: t.cwd, env: GIT_ENV, encoding: 'utf8' });
}

const file = (name: string) => join(t.cwd, name);
const read = (name: string) => readFileSync(file(name), 'utf8');
const mode = (name: string) => statSync(file(name)).mode & 0o777;

describe('env', () => {
  it('writes a new .env that .gitignore covers, mode 0600, asking nothing', async () => {
    context();
    writeFileSync(file('.gitignore'), '.env\n');

    expect(await env(t.ctx, FLAGS)).toBe(0);

    expect(read('.env')).toBe(`OPENAI_API_KEY=${KEY}\n`);
    expect(mode('.env')).toBe(0o600);
    expect(t.stdout).toBe('✔ Wrote OPENAI_API_KEY (sk-proj-…000A, profile "default") to .env (a new file, readable only by you).\n');
    expect(t.prompts.asked).toEqual([]);
  });

  it('a .env git would commit: asks to add it to .gitignore, then writes it', async () => {
    context();
    const gitignore = join(realpathSync(t.cwd), '.gitignore');
    t.prompts.whenConfirm(`Add /.env to ${gitignore}?`, true);

    expect(await env(t.ctx, FLAGS)).toBe(0);

    expect(t.stderr).toContain('! .env is not covered by .gitignore: git would offer to commit the key.');
    expect(read('.gitignore')).toBe('/.env\n');
    expect(read('.env')).toBe(`OPENAI_API_KEY=${KEY}\n`);
    // git agrees: the file is ignored now.
    expect(git('check-ignore', '.env').trim()).toBe('.env');
    t.assertScriptsUsed();
  });

  it('a "no" to .gitignore writes nothing', async () => {
    context();
    t.prompts.whenConfirm(/^Add \/\.env to .*\.gitignore\?$/, false);
    const { code, message, hints } = await outcomeOf(env(t.ctx, FLAGS));
    expect(code).toBe(2);
    expect(message).toBe('Nothing was written: .env could be committed.');
    expect(hints).toEqual(['Pass --force to write it anyway.']);
    expect(existsSync(file('.env'))).toBe(false);
    expect(existsSync(file('.gitignore'))).toBe(false);
    t.assertScriptsUsed();
  });

  it('--gitignore adds the pattern without asking, keeping what .gitignore had', async () => {
    context();
    writeFileSync(file('.gitignore'), 'node_modules');
    expect(await env(t.ctx, { ...FLAGS, gitignore: true, file: 'config/../.env.local' })).toBe(0);
    expect(read('.gitignore')).toBe('node_modules\n/.env.local\n');
    expect(read('.env.local')).toBe(`OPENAI_API_KEY=${KEY}\n`);
    expect(t.prompts.asked).toEqual([]);
  });

  it('without a terminal, a .env git would commit is a usage error naming --gitignore', async () => {
    context({ interactive: false });
    const { code, message } = await outcomeOf(env(t.ctx, FLAGS));
    expect(code).toBe(2);
    expect(message).toContain('Pass --gitignore to add it to .gitignore, or --force to write it anyway.');
    expect(existsSync(file('.env'))).toBe(false);
  });

  it('refuses a .env tracked by git, and leaves it as it was', async () => {
    context();
    writeFileSync(file('.env'), 'DEBUG=1\n');
    git('add', '.env');
    const { code, message, hints } = await outcomeOf(env(t.ctx, FLAGS));
    expect(code).toBe(2);
    expect(message).toBe('.env is tracked by git: the key would be committed with it. Nothing was written.');
    expect(hints[0]).toContain('git rm --cached .env');
    expect(read('.env')).toBe('DEBUG=1\n');
  });

  it('--force writes a tracked .env anyway, with a warning', async () => {
    context();
    writeFileSync(file('.env'), 'DEBUG=1\n');
    git('add', '.env');
    expect(await env(t.ctx, { ...FLAGS, force: true })).toBe(0);
    expect(read('.env')).toBe(`DEBUG=1\nOPENAI_API_KEY=${KEY}\n`);
    expect(t.stderr).toContain('! .env is tracked by git: do not commit it now that it holds the key (--force).');
  });

  it('changes only the OPENAI_API_KEY line of an existing file, keeping its mode and CRLF endings', async () => {
    context();
    writeFileSync(file('.gitignore'), '.env\n');
    writeFileSync(file('.env'), '# keys\r\nexport OPENAI_API_KEY="old" # mine\r\nDEBUG=1');
    chmodSync(file('.env'), 0o600);

    expect(await env(t.ctx, FLAGS)).toBe(0);

    expect(read('.env')).toBe(`# keys\r\nexport OPENAI_API_KEY="${KEY}" # mine\r\nDEBUG=1`);
    expect(mode('.env')).toBe(0o600);
    expect(t.stdout).toContain('✔ Updated OPENAI_API_KEY (sk-proj-…000A, profile "default") in .env; every other line is as it was.');
    expect(t.stderr).toBe('');

    // A second run finds nothing to change.
    expect(await env(t.ctx, FLAGS)).toBe(0);
    expect(t.stdout).toContain('✔ .env already has OPENAI_API_KEY (sk-proj-…000A, profile "default"); nothing changed.');
  });

  it('warns when an existing file can be read by others', async () => {
    context();
    writeFileSync(file('.gitignore'), '.env\n');
    writeFileSync(file('.env'), 'DEBUG=1\n');
    chmodSync(file('.env'), 0o644);
    expect(await env(t.ctx, FLAGS)).toBe(0);
    expect(mode('.env')).toBe(0o644);
    expect(t.stderr).toContain('! .env can be read by other users (mode 644): chmod 600 .env');
  });

  it('outside a git repository: writes, and says nothing could check it', async () => {
    context({ repo: false });
    expect(await env(t.ctx, FLAGS)).toBe(0);
    expect(t.stderr).toContain(`is not in a git repository, so nothing checked that .env stays out of version control.`);
    expect(mode('.env')).toBe(0o600);
  });

  it('with no key stored: a usage error, and no file', async () => {
    context();
    await t.ctx.keys.delete('default');
    const { code, message } = await outcomeOf(env(t.ctx, FLAGS));
    expect(code).toBe(2);
    expect(message).toBe('No key is stored for profile "default".');
    expect(existsSync(file('.env'))).toBe(false);
  });

  it('a --file in a directory that does not exist is a usage error', async () => {
    context();
    const { code, message } = await outcomeOf(env(t.ctx, { ...FLAGS, file: 'missing/.env' }));
    expect(code).toBe(2);
    expect(message).toBe(`--file: the directory ${join(t.cwd, 'missing')} does not exist.`);
  });
});

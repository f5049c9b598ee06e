// `openai-setup env`: the profile's key into a project's .env, only where git will not commit it.
// git is real (the command runs it); the repository is a temp one in ctx.cwd.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as doctor } from '../../src/commands/doctor.js';
import { run as env, type EnvOptions } from '../../src/commands/env.js';
import { envCommand } from '../../src/plaintext/env-command.js';
import { ImportJsonSchema, run as importKeys, type ImportOptions } from '../../src/commands/import.js';
import { run as status, StatusJsonSchema } from '../../src/commands/status.js';
import { withEnvFile } from '../../src/plaintext/env-files.js';
import { MAX_ENV_FILES, StateSchema } from '../../src/storage/state.js';
import { checkResult, makeTestContext, outcomeOf, testKey, type TestContext } from '../helpers/context.js';

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
  return gitIn(t.cwd, ...args);
}

function gitIn(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, env: GIT_ENV, encoding: 'utf8' });
}

/** Another repository next to the project (its real path), with `files` committed in it. */
function otherRepo(files: Record<string, string> = {}): string {
  const dir = join(realpathSync(join(t.cwd, '..')), 'other');
  mkdirSync(dir);
  gitIn(dir, 'init', '-q');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  if (Object.keys(files).length) {
    gitIn(dir, 'add', ...Object.keys(files));
    gitIn(dir, 'commit', '-q', '-m', 'init');
  }
  return dir;
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

  it('--gitignore with a name that is not ASCII (é, a zero-width space): the line is the name in UTF-8, and git ignores the file', async () => {
    for (const name of ['café.env', 'c\u200bd.env']) {
      context();
      // What .gitignore had stays byte for byte, UTF-8 and a stray Latin-1 byte alike.
      const had = Buffer.concat([Buffer.from('# ünïcode\n', 'utf8'), Buffer.from('node_modules\n\xe9\n', 'latin1')]);
      writeFileSync(file('.gitignore'), had);
      expect(await env(t.ctx, { ...FLAGS, gitignore: true, file: name })).toBe(0);
      expect(readFileSync(file('.gitignore'))).toEqual(Buffer.concat([had, Buffer.from(`/${name}\n`, 'utf8')]));
      // git says so, naming the line added (-z: nothing quoted).
      expect(execFileSync('git', ['check-ignore', '-v', '-z', '--stdin'], { cwd: t.cwd, env: GIT_ENV, encoding: 'utf8', input: `${name}\0` }).split('\0').slice(0, 3)).toEqual(['.gitignore', '4', `/${name}`]);
      expect(read(name)).toBe(`OPENAI_API_KEY=${KEY}\n`);
      expect(t.stdout).toContain('✔ Added /c');
      t.cleanup();
    }
  });

  it('--gitignore with a line break in the name (no .gitignore line can hold it): one line, nothing written', async () => {
    for (const name of ['a\nb.env', 'a\r\nb.env']) {
      context();
      writeFileSync(file('.gitignore'), 'node_modules\n');
      const { code, message, hints } = await outcomeOf(env(t.ctx, { ...FLAGS, gitignore: true, file: name }));
      expect(code).toBe(2);
      expect(message).toMatch(/ cannot be covered by \.gitignore: its name has a line break, which no \.gitignore line can hold\. Nothing was written\.$/);
      expect(message).not.toMatch(/[\n\r]/);
      expect(hints).toEqual(['Rename it, or pass --force (without --gitignore) to write the key anyway.']);
      expect(read('.gitignore')).toBe('node_modules\n');
      expect(existsSync(file(name))).toBe(false);
      t.cleanup();
    }
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
    expect(hints[0]).toContain('git rm --cached -- .env');
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
    expect(t.stderr).toContain('! .env can be read by other users (mode 644): chmod 600 -- .env');
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

  it('changes nothing inside another variable\'s quoted value; adds the key, and says so', async () => {
    context();
    writeFileSync(file('.gitignore'), '.env\n');
    const pem = 'PEM="-----BEGIN-----\nOPENAI_API_KEY=sk-inside-the-pem\n-----END-----"\n';
    writeFileSync(file('.env'), pem);
    expect(await env(t.ctx, FLAGS)).toBe(0);
    expect(read('.env')).toBe(`${pem}OPENAI_API_KEY=${KEY}\n`);
    expect(t.stdout).toBe('✔ Added OPENAI_API_KEY (sk-proj-…000A, profile "default") to .env; every other line is as it was.\n');
  });

  it('refuses a file the readers of .env files disagree about, writing nothing (not even .gitignore)', async () => {
    context();
    const text = 'MSG="say \\"\nOPENAI_API_KEY=sk-inner\n"\n';
    writeFileSync(file('.env'), text);
    const { code, message, hints } = await outcomeOf(env(t.ctx, { ...FLAGS, gitignore: true }));
    expect(code).toBe(2);
    expect(message).toBe(
      '.env, line 2: programs that read .env files disagree on whether it sets OPENAI_API_KEY or is part of a quoted value above it. Nothing was written.',
    );
    expect(hints[0]).toContain('above line 2');
    expect(read('.env')).toBe(text);
    expect(existsSync(file('.gitignore'))).toBe(false);
  });

  it('a .env that is not a regular file is a usage error', async () => {
    context();
    mkdirSync(file('.env'));
    const { code, message } = await outcomeOf(env(t.ctx, FLAGS));
    expect(code).toBe(2);
    expect(message).toBe('.env is not a regular file. Nothing was written.');
  });
});

describe('env through symbolic links', () => {
  it('a link to a file another repository tracks: refused, naming the real file and how to untrack it there', async () => {
    context();
    writeFileSync(file('.gitignore'), '.env\n');
    const other = otherRepo({ '.env': 'DEBUG=1\n' });
    symlinkSync(join(other, '.env'), file('.env'));

    const { code, message, hints } = await outcomeOf(env(t.ctx, FLAGS));
    expect(code).toBe(2);
    expect(message).toBe(`${other}/.env (where .env leads) is tracked by git: the key would be committed with it. Nothing was written.`);
    expect(hints[0]).toContain(`git -C ${other} rm --cached -- .env`);
    expect(readFileSync(join(other, '.env'), 'utf8')).toBe('DEBUG=1\n');

    // --force writes the real file (the link stays a link), and says where the key went.
    expect(await env(t.ctx, { ...FLAGS, force: true })).toBe(0);
    expect(readFileSync(join(other, '.env'), 'utf8')).toBe(`DEBUG=1\nOPENAI_API_KEY=${KEY}\n`);
    expect(lstatSync(file('.env')).isSymbolicLink()).toBe(true);
    expect(t.stderr).toContain(`! ${other}/.env (where .env leads) is tracked by git: do not commit it now that it holds the key (--force).`);
    expect(t.stdout).toContain(`✔ Added OPENAI_API_KEY (sk-proj-…000A, profile "default") to ${other}/.env (where .env leads); every other line is as it was.`);
  });

  it('a link to a file the other repository ignores: written there, named, mode kept', async () => {
    context();
    const other = otherRepo({ '.gitignore': 'secrets.env\n' });
    writeFileSync(join(other, 'secrets.env'), 'A=1\n', { mode: 0o600 });
    symlinkSync('../other/secrets.env', file('.env'));
    expect(await env(t.ctx, FLAGS)).toBe(0);
    expect(readFileSync(join(other, 'secrets.env'), 'utf8')).toBe(`A=1\nOPENAI_API_KEY=${KEY}\n`);
    expect(statSync(join(other, 'secrets.env')).mode & 0o777).toBe(0o600);
    expect(t.stdout).toContain(`to ${other}/secrets.env (where .env leads)`);
    expect(t.prompts.asked).toEqual([]);
  });

  it('a link to a file not there yet, in a repository that would commit it: .gitignore there is offered, then the file created 0600', async () => {
    context();
    const other = otherRepo();
    symlinkSync('../other/app.env', file('.env'));
    t.prompts.whenConfirm(`Add /app.env to ${other}/.gitignore?`, true);
    expect(await env(t.ctx, FLAGS)).toBe(0);
    expect(t.stderr).toContain(`! ${other}/app.env (where .env leads) is not covered by .gitignore`);
    expect(readFileSync(join(other, '.gitignore'), 'utf8')).toBe('/app.env\n');
    expect(readFileSync(join(other, 'app.env'), 'utf8')).toBe(`OPENAI_API_KEY=${KEY}\n`);
    expect(statSync(join(other, 'app.env')).mode & 0o777).toBe(0o600);
    expect(t.stdout).toContain(`Wrote OPENAI_API_KEY (sk-proj-…000A, profile "default") to ${other}/app.env (where .env leads; a new file, readable only by you).`);
    t.assertScriptsUsed();
  });

  it('a linked directory on the way counts too', async () => {
    context();
    const other = otherRepo({ 'config/.env': 'A=1\n' });
    symlinkSync(join(other, 'config'), file('config'));
    const { message } = await outcomeOf(env(t.ctx, { ...FLAGS, file: 'config/.env' }));
    expect(message).toBe(`${other}/config/.env (where config/.env leads) is tracked by git: the key would be committed with it. Nothing was written.`);
  });

  it('a .gitignore that is a link (git does not read those) is never written through', async () => {
    context();
    const other = otherRepo({ gitignore: 'x\n' });
    symlinkSync(join(other, 'gitignore'), file('.gitignore'));
    const { code, message, hints } = await outcomeOf(env(t.ctx, { ...FLAGS, gitignore: true }));
    expect(code).toBe(2);
    expect(message).toBe(`.env is not covered by .gitignore, and ${realpathSync(t.cwd)}/.gitignore is a symbolic link, which git does not read. Nothing was written.`);
    expect(hints[0]).toContain('--force');
    expect(readFileSync(join(other, 'gitignore'), 'utf8')).toBe('x\n');
    expect(existsSync(file('.env'))).toBe(false);

    // Asked without --gitignore: refused before any question.
    await outcomeOf(env(t.ctx, FLAGS));
    expect(t.prompts.asked).toEqual([]);

    // --force alone writes the .env and leaves the link alone.
    expect(await env(t.ctx, { ...FLAGS, force: true })).toBe(0);
    expect(read('.env')).toBe(`OPENAI_API_KEY=${KEY}\n`);
    expect(readFileSync(join(other, 'gitignore'), 'utf8')).toBe('x\n');
  });

  it('a link whose directory does not exist is a usage error naming it', async () => {
    context();
    symlinkSync('../nowhere/.env', file('.env'));
    const { code, message } = await outcomeOf(env(t.ctx, FLAGS));
    expect(code).toBe(2);
    expect(message).toBe(`--file: the directory ${join(t.cwd, '..', 'nowhere')} (where .env leads) does not exist.`);
  });

  it('a project reached through a linked directory is no detour: the file is named as given', async () => {
    context();
    writeFileSync(file('.gitignore'), '.env\n');
    const linked = join(t.cwd, '..', 'linked-project');
    symlinkSync(t.cwd, linked);
    t.ctx.cwd = linked;
    expect(await env(t.ctx, FLAGS)).toBe(0);
    expect(t.stdout).toBe('✔ Wrote OPENAI_API_KEY (sk-proj-…000A, profile "default") to .env (a new file, readable only by you).\n');
    expect(read('.env')).toBe(`OPENAI_API_KEY=${KEY}\n`);
  });
});

describe('env with a --file that cannot be used: one line naming it, never a stack trace', () => {
  it('a name too long for the file system (ENAMETOOLONG): exit 2, the name bounded, nothing written', async () => {
    context();
    const name = 'x'.repeat(300);
    const { code, message, hints } = await outcomeOf(env(t.ctx, { ...FLAGS, file: name }));
    expect(code).toBe(2);
    expect(message).toMatch(/^--file x{199}…: the name is too long\. Nothing was written\.$/);
    expect(hints).toEqual([]);
  });

  it('a symbolic link loop on the way (ELOOP): exit 2, naming the file', async () => {
    context();
    symlinkSync('loop-b', file('loop-a'));
    symlinkSync('loop-a', file('loop-b'));
    const { code, message } = await outcomeOf(env(t.ctx, { ...FLAGS, file: 'loop-a/.env' }));
    expect(code).toBe(2);
    expect(message).toMatch(/^--file loop-a\/\.env: too many symbolic links \(a link that leads back to itself\?\) at \S+\/loop-a\. Nothing was written\.$/);
  });

  it('a link loop as the file itself: the same one line', async () => {
    context();
    symlinkSync('loop-b', file('loop-a'));
    symlinkSync('loop-a', file('loop-b'));
    const { code, message } = await outcomeOf(env(t.ctx, { ...FLAGS, file: 'loop-a' }));
    expect(code).toBe(2);
    expect(message).toBe('--file loop-a: too many symbolic links (a link that leads back to itself?). Nothing was written.');
  });

  it('a file where a directory should be (ENOTDIR): exit 2, nothing written', async () => {
    context();
    writeFileSync(file('plain'), 'x');
    const { code, message } = await outcomeOf(env(t.ctx, { ...FLAGS, file: 'plain/.env' }));
    expect(code).toBe(2);
    expect(message).toBe('--file plain/.env: a part of the path is not a directory. Nothing was written.');
  });

  it('a directory that cannot be written: one line naming the file, the key not written', async () => {
    if (process.getuid?.() === 0) return; // root writes anywhere: test/e2e/env-errors.test.ts runs this as another user
    context();
    writeFileSync(file('.gitignore'), '.env\n');
    mkdirSync(file('locked'));
    writeFileSync(file('locked/.gitignore'), '.env\n');
    chmodSync(file('locked'), 0o500);
    try {
      const { code, message } = await outcomeOf(env(t.ctx, { ...FLAGS, file: 'locked/.env' }));
      expect(code).toBe(2);
      expect(message).toBe('Could not write locked/.env: permission denied. The key was not written.');
    } finally {
      chmodSync(file('locked'), 0o700);
    }
  });

  it('a line break in the name is never printed raw, in any message', async () => {
    context();
    const { code, message } = await outcomeOf(env(t.ctx, { ...FLAGS, file: 'd\n/x' }));
    expect(code).toBe(2);
    // The line break is a space (sanitize): one line, nothing forged after it.
    expect(message).toBe(`--file: the directory ${join(t.cwd, 'd')}  does not exist.`);

    mkdirSync(file('d\n'));
    writeFileSync(file('.gitignore'), '*\n');
    expect(await env(t.ctx, { ...FLAGS, file: 'd\n/x' })).toBe(0);
    expect(readFileSync(join(t.cwd, 'd\n', 'x'), 'utf8')).toBe(`OPENAI_API_KEY=${KEY}\n`);
    expect(t.stdout).toBe('✔ Wrote OPENAI_API_KEY (sk-proj-…000A, profile "default") to d /x (a new file, readable only by you).\n');
  });
});

describe('a file env wrote is one the person asked for', () => {
  /** KEY stored as `openai-setup key` leaves it: in the keychain, and its hint in the state file. */
  async function recorded(): Promise<void> {
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'keychain', hint: 'sk-proj-…000A', savedAt: '2026-01-01T00:00:00.000Z' };
    });
  }
  const statePath = () => join(t.configDir, 'state.json');
  const IMPORT: ImportOptions = { check: false, json: false, rewrite: false, yes: false };

  it('records the absolute path for the profile, never the key: once, newest last; a file deleted since is dropped', async () => {
    context();
    writeFileSync(file('.gitignore'), '.env\n.env.local\nother.env\n');
    expect(await env(t.ctx, FLAGS)).toBe(0);
    expect((await t.profile())?.envFiles).toEqual([file('.env')]);
    expect(await env(t.ctx, { ...FLAGS, file: '.env.local' })).toBe(0);
    expect(await env(t.ctx, FLAGS)).toBe(0);
    expect((await t.profile())?.envFiles).toEqual([file('.env.local'), file('.env')]);
    rmSync(file('.env.local'));
    expect(await env(t.ctx, { ...FLAGS, file: 'other.env' })).toBe(0);
    expect((await t.profile())?.envFiles).toEqual([file('.env'), file('other.env')]);
    expect(readFileSync(statePath(), 'utf8')).not.toContain(KEY);
    // Nothing more is said on a run that records.
    expect(t.stderr).toBe('');
  });

  it('the list is bounded, and read leniently: entries that are not absolute paths are dropped, never the whole file', () => {
    const many = Array.from({ length: MAX_ENV_FILES + 5 }, (_, i) => `/p/${i}.env`);
    expect(many.reduce<string[]>((list, path) => withEnvFile(list, path), [])).toEqual(many.slice(-MAX_ENV_FILES));
    const parse = (envFiles: unknown) => StateSchema.parse({ version: 1, profiles: { default: { stages: {}, envFiles } } }).profiles.default!.envFiles;
    expect(parse(['/a/.env', 'relative/.env', 3, '/a/.env', '/b/.env'])).toEqual(['/a/.env', '/b/.env']);
    expect(parse('not a list')).toEqual([]);
    expect(parse(many)).toEqual(many.slice(-MAX_ENV_FILES));
  });

  it('a record that cannot be made is said; the file stays as written, exit 0', async () => {
    context();
    writeFileSync(file('.gitignore'), '.env\n');
    // A newer openai-setup's state file: read as far as understood, never written over.
    mkdirSync(t.configDir, { mode: 0o700 });
    writeFileSync(statePath(), JSON.stringify({ version: 99, defaultProfile: 'default', profiles: {} }), { mode: 0o600 });
    expect(await env(t.ctx, FLAGS)).toBe(0);
    expect(read('.env')).toBe(`OPENAI_API_KEY=${KEY}\n`);
    expect(t.stderr).toContain('! .env holds the key as written, but it could not be recorded as a file you asked for (The progress file');
    expect(t.stderr).toContain('until it is, status, doctor and import call it a plaintext copy. Run this command again to record it.');
    expect(JSON.parse(readFileSync(statePath(), 'utf8'))).toEqual({ version: 99, defaultProfile: 'default', profiles: {} });
  });

  it('a record that cannot be made, of a file status, doctor and import do not look in: said as one rotate and logout do not name', async () => {
    context();
    writeFileSync(file('.gitignore'), '/config/\n');
    mkdirSync(file('config'));
    mkdirSync(t.configDir, { mode: 0o700 });
    writeFileSync(statePath(), JSON.stringify({ version: 99, defaultProfile: 'default', profiles: {} }), { mode: 0o600 });
    expect(await env(t.ctx, { ...FLAGS, file: 'config/prod.env' })).toBe(0);
    expect(read('config/prod.env')).toBe(`OPENAI_API_KEY=${KEY}\n`);
    expect(t.stderr).toContain(
      'until it is, rotate and logout do not name it as holding the key (status, doctor and import do not look in it). Run this command again to record it.',
    );
    expect(t.stderr).not.toContain('plaintext copy');
  });

  it('then status says it as information, import keeps it (exit 0), doctor gives no warning; a copy elsewhere still warns', async () => {
    context({ interactive: false });
    writeFileSync(file('.gitignore'), '.env\n');
    await recorded();
    expect(await env(t.ctx, FLAGS)).toBe(0);

    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.stdout).toContain('○ Also in .env:1 (written by `openai-setup env --file .env`, as you asked)\n');
    expect(t.stdout).not.toContain('plain text');
    const before = t.stdout.length;
    expect(await status(t.ctx, { json: true })).toBe(0);
    expect(StatusJsonSchema.parse(JSON.parse(t.stdout.slice(before)))).toMatchObject({ plaintext: [], envFiles: [{ path: '.env', line: 1 }] });

    const listed = t.stdout.length;
    expect(await importKeys(t.ctx, IMPORT)).toBe(0);
    const list = t.stdout.slice(listed);
    expect(list).toContain('✔ No plaintext copy of an OpenAI key to move in the 1 file import looks in.\n');
    expect(list).toContain('○ .env, line 1: sk-proj-…000A, the stored key, written by `openai-setup env --file .env`, as you asked; import leaves it\n');
    expect(list).not.toContain('To move one');
    const json = t.stdout.length;
    expect(await importKeys(t.ctx, { ...IMPORT, json: true })).toBe(0);
    expect(ImportJsonSchema.parse(JSON.parse(t.stdout.slice(json)))).toMatchObject({ findings: [{ path: '.env', line: 1, envFile: true, stored: true }], plaintextLeft: 0, exitCode: 0 });

    const checked = t.stdout.length;
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 20 }).answerChecks(checkResult('valid'));
    expect(await doctor(t.ctx, { json: false })).toBe(0);
    const report = t.stdout.slice(checked);
    expect(report).toContain('○ Env files           sk-proj-…000A is also in .env:1, written by `openai-setup env --file .env`, as you asked\n');
    expect(report).not.toContain('Plaintext copies');
    expect(read('.env')).toBe(`OPENAI_API_KEY=${KEY}\n`);

    // A copy env did not write is a plaintext copy as before.
    writeFileSync(file('.env.local'), `OPENAI_API_KEY=${KEY}\n`);
    const again = t.stdout.length;
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.stdout.slice(again)).toContain('! The stored key is also in plain text: .env.local:1 — `openai-setup import` moves it\n');
    expect(t.stdout.slice(again)).toContain('○ Also in .env:1 (written by `openai-setup env --file .env`, as you asked)\n');
    expect(await importKeys(t.ctx, IMPORT)).toBe(8);
    expect(t.stdout).toContain('Looked in 2 files; found 1 plaintext copy of 1 OpenAI key:');
    t.assertScriptsUsed();
    expect(t.stdout + t.stderr).not.toContain(KEY);
  });

  it('status names a file env wrote outside the places import looks in, too', async () => {
    context({ interactive: false });
    mkdirSync(file('config'));
    writeFileSync(file('.gitignore'), '/config/app.env\n');
    await recorded();
    expect(await env(t.ctx, { ...FLAGS, file: 'config/app.env' })).toBe(0);
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.stdout).toContain('○ Also in config/app.env:1 (written by `openai-setup env --file config/app.env`, as you asked)\n');
  });

  it('a file that holds another key than the stored one is a plaintext copy again (after a rotate, say)', async () => {
    context({ interactive: false });
    writeFileSync(file('.gitignore'), '.env\n');
    await recorded();
    expect(await env(t.ctx, FLAGS)).toBe(0);
    const other = testKey('B');
    writeFileSync(file('.env'), `OPENAI_API_KEY=${other}\n`);
    expect(await importKeys(t.ctx, IMPORT)).toBe(8);
    expect(t.stdout).toContain('.env, line 1\n    sk-proj-…000B · project key · not stored');
  });

  it('the command that writes the key there again works as printed: --gitignore where git would offer to commit the file (never --force), the profile, the path quoted', async () => {
    context({ interactive: false });
    writeFileSync(file('.gitignore'), '.env\n');
    // As resolveProfileName learns it: a command without --profile acts on "default".
    t.ctx.bareProfile = 'default';
    expect(await envCommand(t.ctx, 'default', file('.env'))).toBe('openai-setup env --file .env');
    writeFileSync(file('tracked.env'), 'DEBUG=1\n');
    git('add', 'tracked.env');
    // A tracked file: env refuses it (trackedEnvFile and staleEnvFile untrack it first); never --force.
    expect(await envCommand(t.ctx, 'work', file('tracked.env'))).toBe('openai-setup env --file tracked.env --profile work');
    const exposed = await envCommand(t.ctx, 'default', file('my app.env'));
    expect(exposed).toBe("openai-setup env --file 'my app.env' --gitignore");
    // Without a terminal, as printed: .gitignore covers it, and the key is written.
    expect(await env(t.ctx, { ...FLAGS, file: 'my app.env', gitignore: true })).toBe(0);
    expect(git('check-ignore', '--', 'my app.env').trim()).toBe('my app.env');
    expect(read('my app.env')).toBe(`OPENAI_API_KEY=${KEY}\n`);
  });
});

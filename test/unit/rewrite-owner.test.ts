// A file env or import rewrites (a temp file renamed over it) keeps its owner and group, and one
// the person could not write to in place (chmod 444) is left as it is: one line naming it and
// what to do, nothing written, .gitignore included. Root's run in a person's project (a container
// with the project mounted, sudo) is the case of the owner: these run as root where they can
// chown; test/e2e/env-errors.test.ts runs the CLI as another user for what a user's run refuses.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as env, type EnvOptions } from '../../src/commands/env.js';
import { defaultDeps, runImport, type ImportOptions } from '../../src/commands/import.js';
import { maskKey } from '../../src/keys/format.js';
import { checkResult, outcomeOf, testKey, type TestContext } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const AS_ROOT = process.getuid?.() === 0;
/** Someone else: the person whose project root's run is in. */
const OWNER = 1000;

const KEY = testKey('A');
const FLAGS: EnvOptions = { force: false, gitignore: false };
// git without the person's own configuration (a global excludes file could hide .env).
const GIT_ENV = { PATH: process.env.PATH, HOME: '/nonexistent-home', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };

const contexts = trackedContexts({ defaults: { env: GIT_ENV, keychain: { default: KEY } } });

/** A context whose cwd is a fresh git repository, with KEY stored. */
function project(): TestContext {
  const t = contexts.make();
  execFileSync('git', ['init', '-q'], { cwd: t.cwd, env: GIT_ENV });
  return t;
}

const owner = (path: string) => {
  const { uid, gid, mode } = statSync(path);
  return { uid, gid, mode: mode & 0o7777 };
};

describe('env keeps the owner and group of a file it rewrites', () => {
  it.skipIf(!AS_ROOT)("root's run: another user's .env (640) and .gitignore stay theirs, mode as it was", async () => {
    const t = project();
    const dotenv = join(t.cwd, '.env');
    const gitignore = join(realpathSync(t.cwd), '.gitignore');
    writeFileSync(dotenv, 'A=1\nOPENAI_API_KEY=old\n');
    writeFileSync(gitignore, 'node_modules\n');
    for (const path of [dotenv, gitignore]) chownSync(path, OWNER, OWNER);
    chmodSync(dotenv, 0o640);
    chmodSync(gitignore, 0o664);

    expect(await env(t.ctx, { ...FLAGS, gitignore: true })).toBe(0);

    expect(readFileSync(dotenv, 'utf8')).toBe(`A=1\nOPENAI_API_KEY=${KEY}\n`);
    expect(readFileSync(gitignore, 'utf8')).toBe('node_modules\n/.env\n');
    expect(owner(dotenv)).toEqual({ uid: OWNER, gid: OWNER, mode: 0o640 });
    expect(owner(gitignore)).toEqual({ uid: OWNER, gid: OWNER, mode: 0o664 });
    expect(t.stdout).toBe(
      `✔ Added /.env to ${gitignore}.\n✔ Updated OPENAI_API_KEY (sk-proj-…000A, profile "default") in .env; every other line is as it was.\n`,
    );
    expect(readdirSync(t.cwd).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});

describe("root's run in another user's folder makes new files theirs", () => {
  it.skipIf(!AS_ROOT)('a new .env (0600) and .gitignore take the owner and group of their folder, and the line says who can read it', async () => {
    const t = project();
    const dir = realpathSync(t.cwd);
    chownSync(dir, OWNER, OWNER + 1);
    // As sudo runs it: git then takes the person's repository as safe for root.
    Object.assign(t.ctx.rawEnv, { SUDO_UID: String(OWNER), SUDO_GID: String(OWNER) });

    expect(await env(t.ctx, { ...FLAGS, gitignore: true })).toBe(0);

    expect(owner(join(dir, '.env'))).toEqual({ uid: OWNER, gid: OWNER + 1, mode: 0o600 });
    expect(owner(join(dir, '.gitignore'))).toMatchObject({ uid: OWNER, gid: OWNER + 1 });
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(`OPENAI_API_KEY=${KEY}\n`);
    expect(t.stdout).toContain(
      `✔ Wrote OPENAI_API_KEY (sk-proj-…000A, profile "default") to .env (a new file, owned as its folder is (uid ${OWNER}, gid ${OWNER + 1}), readable only by that user).`,
    );
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it.skipIf(!AS_ROOT)("a folder others may write to as well (0777): root's key stays root's, not the folder owner's to read", async () => {
    const t = project();
    const dir = realpathSync(t.cwd);
    chownSync(dir, OWNER, OWNER + 1);
    chmodSync(dir, 0o777);
    Object.assign(t.ctx.rawEnv, { SUDO_UID: String(OWNER), SUDO_GID: String(OWNER) });
    expect(await env(t.ctx, { ...FLAGS, gitignore: true })).toBe(0);
    expect(owner(join(dir, '.env'))).toEqual({ uid: 0, gid: 0, mode: 0o600 });
    expect(t.stdout).toContain('(a new file, readable only by you).');
  });

  it.skipIf(!AS_ROOT)("root's own folder: root's file, as before", async () => {
    const t = project();
    expect(await env(t.ctx, { ...FLAGS, gitignore: true })).toBe(0);
    expect(owner(join(t.cwd, '.env'))).toEqual({ uid: 0, gid: 0, mode: 0o600 });
    expect(t.stdout).toContain('(a new file, readable only by you).');
  });
});

describe('env leaves a read-only file as it is', () => {
  it('a .env with a second hard link: one line naming it and what to do, exit 2, nothing written', async () => {
    const t = project();
    const dotenv = join(t.cwd, '.env');
    writeFileSync(dotenv, 'A=1\nOPENAI_API_KEY=old\n');
    const other = join(dirname(t.cwd), 'kept.env');
    linkSync(dotenv, other);

    const { code, message } = await outcomeOf(env(t.ctx, { ...FLAGS, gitignore: true }));

    expect(code).toBe(2);
    expect(message).toBe(
      'Could not write .env: it has 2 hard links (names of one file), and replacing it would leave the old text under the other names. Nothing was written: change it by hand in an editor that saves in place, or, once .env is its only name, run this command again.',
    );
    expect(readFileSync(other, 'utf8')).toBe('A=1\nOPENAI_API_KEY=old\n');
    expect(statSync(dotenv).ino).toBe(statSync(other).ino);
    expect(existsSync(join(t.cwd, '.gitignore'))).toBe(false);
  });

  it('a .env made read-only (444): one line naming it and what to do, exit 2, nothing written, not even .gitignore', async () => {
    const t = project();
    const dotenv = join(t.cwd, '.env');
    writeFileSync(dotenv, 'A=1\nOPENAI_API_KEY=old\n');
    chmodSync(dotenv, 0o444);

    const { code, message } = await outcomeOf(env(t.ctx, { ...FLAGS, gitignore: true }));

    expect(code).toBe(2);
    expect(message).toBe('Could not write .env: it is read-only (mode 444). Nothing was written: make it writable (chmod u+w -- .env), then run this command again.');
    expect(readFileSync(dotenv, 'utf8')).toBe('A=1\nOPENAI_API_KEY=old\n');
    expect(owner(dotenv).mode).toBe(0o444);
    expect(existsSync(join(t.cwd, '.gitignore'))).toBe(false);
    expect(t.stdout).toBe('');
  });

  it('a read-only .env that holds the key already: nothing to write, nothing refused', async () => {
    const t = project();
    const dotenv = join(t.cwd, '.env');
    writeFileSync(join(t.cwd, '.gitignore'), '.env\n');
    writeFileSync(dotenv, `OPENAI_API_KEY=${KEY}\n`);
    chmodSync(dotenv, 0o444);

    expect(await env(t.ctx, FLAGS)).toBe(0);

    expect(t.stdout).toBe('✔ .env already has OPENAI_API_KEY (sk-proj-…000A, profile "default"); nothing changed.\n');
  });

  it('a read-only .gitignore (444): --gitignore says so in one line, and neither file is written', async () => {
    const t = project();
    const gitignore = join(realpathSync(t.cwd), '.gitignore');
    writeFileSync(gitignore, 'node_modules\n');
    chmodSync(gitignore, 0o444);

    const { code, message } = await outcomeOf(env(t.ctx, { ...FLAGS, gitignore: true }));

    expect(code).toBe(2);
    expect(message).toBe(
      `Could not add /.env to ${gitignore}: it is read-only (mode 444). The key was not written: make it writable (chmod u+w -- ${gitignore}), then run this command again.`,
    );
    expect(readFileSync(gitignore, 'utf8')).toBe('node_modules\n');
    expect(existsSync(join(t.cwd, '.env'))).toBe(false);
  });
});

describe('import: the files it changes', () => {
  const IMPORT_KEY = makeKey('proj', 'unit-rewrite-owner');
  const TEXT = `A=1\nOPENAI_API_KEY=${IMPORT_KEY}\n`;
  const options: ImportOptions = { check: false, json: false, rewrite: false, yes: false };
  const fish = async () => ({ ok: true, missing: false, detail: '' });

  /** A project .env holding IMPORT_KEY, a home next to it, and a live check that takes the key. */
  function machine(): { t: TestContext; dotenv: string } {
    const t = contexts.make({ keychain: {} });
    t.ctx.rawEnv.HOME = join(dirname(t.cwd), 'home');
    mkdirSync(t.ctx.rawEnv.HOME);
    t.api.answerEveryCheck((request) => (request.key === IMPORT_KEY ? checkResult('valid', { billing: 'unchecked' }) : checkResult('invalid_key')));
    const dotenv = join(t.cwd, '.env');
    writeFileSync(dotenv, TEXT);
    t.prompts.whenSelect('Which key should profile "default" keep in the keychain?', IMPORT_KEY).whenConfirm('Remove line 2 of .env?', true);
    return { t, dotenv };
  }

  it.skipIf(!AS_ROOT)("root's run: another user's .env keeps its owner when the line is removed", async () => {
    const { t, dotenv } = machine();
    chownSync(dotenv, OWNER, OWNER);
    chmodSync(dotenv, 0o640);

    expect(await runImport(t.ctx, options, { places: defaultDeps().places, fish })).toBe(0);

    expect(readFileSync(dotenv, 'utf8')).toBe('A=1\n');
    expect(owner(dotenv)).toEqual({ uid: OWNER, gid: OWNER, mode: 0o640 });
  });

  it('a read-only .env (444): one line, the line not removed, the key stored (exit 8)', async () => {
    const { t, dotenv } = machine();
    chmodSync(dotenv, 0o444);

    expect(await runImport(t.ctx, options, { places: defaultDeps().places, fish })).toBe(8);

    expect(t.stderr).toContain(
      `✖ .env: it is read-only (mode 444), so line 2 was not changed. The key is stored, but not moved out of it: make it writable (chmod u+w -- ${dotenv}), then run:  openai-setup import\n`,
    );
    expect(t.stdout + t.stderr).not.toMatch(/Unexpected error|^\s+at /m);
    expect(readFileSync(dotenv, 'utf8')).toBe(TEXT);
    expect(owner(dotenv).mode).toBe(0o444);
    expect(t.keychain.keyOf('default')).toBe(IMPORT_KEY);
    expect((await t.profile())?.key?.hint).toBe(maskKey(IMPORT_KEY));
  });
  it('a .env with a second hard link: left as it is (both names one file, the line in it), one line saying why, the key stored (exit 8)', async () => {
    const { t, dotenv } = machine();
    const other = join(dirname(t.cwd), 'dotfiles.env');
    linkSync(dotenv, other);

    expect(await runImport(t.ctx, options, { places: defaultDeps().places, fish })).toBe(8);

    expect(t.stderr).toContain(
      `✖ .env: it has 2 hard links (names of one file), and replacing it would leave the old text under the other names, so line 2 was not changed. The key is stored, but not moved out of it: change it by hand in an editor that saves in place, or, once ${dotenv} is its only name, run:  openai-setup import\n`,
    );
    expect(readFileSync(dotenv, 'utf8')).toBe(TEXT);
    expect(statSync(dotenv).ino).toBe(statSync(other).ino);
    expect(statSync(dotenv).nlink).toBe(2);
    expect(t.keychain.keyOf('default')).toBe(IMPORT_KEY);
    expect(readdirSync(t.cwd).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});

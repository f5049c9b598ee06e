// `openai-setup env` through the built binary where the file is not simply ./.env: a link into
// another repository (git is asked about the real file, there), a .gitignore that is a link, and a
// file whose other variables hold an OPENAI_API_KEY= line inside a quoted value, read back by
// Node's own --env-file.
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { makeKey, startOpenAIServer, type FakeOpenAI } from '../helpers/openai-server.js';
import { runCli } from '../helpers/run.js';
import { git } from '../helpers/git.js';

let server: FakeOpenAI;
const KEY = makeKey('proj', 'env-file-valid');
const envs: TestEnv[] = [];

beforeAll(async () => {
  server = await startOpenAIServer();
  server.addKey(KEY, 'valid');
});
afterAll(async () => {
  await server?.close();
});
afterEach(async () => {
  for (const t of envs.splice(0)) await t.cleanup();
});

/** A machine with KEY stored for the default profile. */
async function machine(): Promise<TestEnv> {
  const t = await makeTestEnv({ OPENAI_BASE_URL: server.baseURL });
  envs.push(t);
  const stored = await runCli(['key', '--stdin', '--insecure-storage'], { env: t.env, input: KEY });
  expect(stored.code, stored.stderr).toBe(0);
  return t;
}

/** A repository under the machine's root (its real path), with `files` committed. */
function repo(t: TestEnv, name: string, files: Record<string, string>): string {
  const dir = join(realpathSync(t.root), name);
  mkdirSync(dir);
  git(dir, 'init', '-q');
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  git(dir, 'add', ...Object.keys(files));
  git(dir, 'commit', '-q', '-m', 'init');
  return dir;
}

const output = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;

describe('env through symbolic links', () => {
  it('a .env linking to a file another repository tracks: refused, naming the real file; --force writes that file', async () => {
    const t = await machine();
    // The project ignores .env, so a check of the link alone would pass.
    const project = repo(t, 'project', { '.gitignore': '.env\n' });
    const shared = repo(t, 'shared', { 'settings.env': 'DEBUG=1\n' });
    symlinkSync('../shared/settings.env', join(project, '.env'));

    const refused = await runCli(['env'], { env: t.env, cwd: project });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${shared}/settings.env (where .env leads) is tracked by git: the key would be committed with it. Nothing was written.`);
    expect(refused.stderr).toContain(`git -C ${shared} rm --cached -- settings.env`);
    expect(readFileSync(join(shared, 'settings.env'), 'utf8')).toBe('DEBUG=1\n');
    expect(git(shared, 'status', '--porcelain')).toBe('');

    const forced = await runCli(['env', '--force'], { env: t.env, cwd: project });
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(new RegExp(`Added OPENAI_API_KEY \\(sk-proj-…\\S{4}, profile "default"\\) to ${shared}/settings\\.env \\(where \\.env leads\\)`));
    expect(readFileSync(join(shared, 'settings.env'), 'utf8')).toBe(`DEBUG=1\nOPENAI_API_KEY=${KEY}\n`);
    expect(lstatSync(join(project, '.env')).isSymbolicLink()).toBe(true);
    expect(git(shared, 'status', '--porcelain')).toBe(' M settings.env\n');
    for (const r of [refused, forced]) expect(output(r)).not.toContain(KEY);
  });

  it('a .gitignore linking into another repository is never written through', async () => {
    const t = await machine();
    const shared = repo(t, 'shared', { 'common.gitignore': 'node_modules/\n' });
    const project = join(realpathSync(t.root), 'project');
    mkdirSync(project);
    git(project, 'init', '-q');
    symlinkSync('../shared/common.gitignore', join(project, '.gitignore'));

    const refused = await runCli(['env', '--gitignore'], { env: t.env, cwd: project });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`.env is not covered by .gitignore, and ${project}/.gitignore is a symbolic link, which git does not read. Nothing was written.`);
    expect(readFileSync(join(shared, 'common.gitignore'), 'utf8')).toBe('node_modules/\n');
    expect(() => lstatSync(join(project, '.env'))).toThrow();
  });

  it('--file /dev/stdout into a pipe (a link /proc resolves to no file name): refused like any pipe, before git is asked', async () => {
    const t = await machine();
    const forced = await runCli(['env', '--force', '--file', '/dev/stdout'], { env: t.env, cwd: realpathSync(t.root) });
    expect(forced.code).toBe(2);
    expect(forced.stderr).toBe('✖ /dev/stdout is not a regular file. Nothing was written.\n');
    expect(forced.stdout).toBe('');
  });
});

describe('env in a dotfiles setup (GIT_DIR and GIT_WORK_TREE set for the home folder)', () => {
  it('a .env the project commits is seen as tracked: refused, nothing written, nothing to commit', async () => {
    const t = await machine();
    const project = repo(t, 'project', { '.env': 'DEBUG=1\n' });
    const dotfiles = join(realpathSync(t.root), '.dotfiles');
    git(t.root, 'init', '-q', '--bare', dotfiles);
    const refused = await runCli(['env', '--gitignore'], { env: { ...t.env, GIT_DIR: dotfiles, GIT_WORK_TREE: realpathSync(t.root) }, cwd: project });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('.env is tracked by git: the key would be committed with it. Nothing was written.');
    expect(readFileSync(join(project, '.env'), 'utf8')).toBe('DEBUG=1\n');
    expect(git(project, 'status', '--porcelain')).toBe('');
  });
});

describe('env and the other variables of the file', () => {
  it('an OPENAI_API_KEY= line inside a quoted value stays, an escaped quote leaves no tail: Node reads the key and the rest unchanged', async () => {
    const t = await machine();
    const project = repo(t, 'project', { '.gitignore': '.env\n' });
    const before = 'PEM="-----BEGIN-----\r\nOPENAI_API_KEY=sk-inside-the-pem\r\n-----END-----"\r\nexport GREETING="say \\"hi\\"" # quoted\r\nOPENAI_API_KEY="sk-old\\"tail" # mine';
    writeFileSync(join(project, '.env'), before);
    const readByNode = () =>
      JSON.parse(execFileSync(process.execPath, ['--env-file=.env', '-e', 'process.stdout.write(JSON.stringify(process.env))'], { cwd: project, env: {}, encoding: 'utf8' })) as Record<string, string>;
    const { OPENAI_API_KEY: _old, ...othersBefore } = readByNode();

    const result = await runCli(['env'], { env: t.env, cwd: project });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Updated OPENAI_API_KEY \(sk-proj-…\S{4}, profile "default"\) in \.env; every other line is as it was/);
    expect(readFileSync(join(project, '.env'), 'utf8')).toBe(before.replace('"sk-old\\"tail"', `"${KEY}"`));
    const { OPENAI_API_KEY, ...othersAfter } = readByNode();
    expect(OPENAI_API_KEY).toBe(KEY);
    expect(othersAfter).toEqual(othersBefore);
    expect(output(result)).not.toContain(KEY);
  });
});

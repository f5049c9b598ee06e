// The built binary, real git: a .env `env` wrote that was then committed (`git add -f`) is said
// as a key in the repository by status, doctor and import, and the advice (no --force) run as
// printed in bash takes it out of git and keeps the key where it is. And a key kept in
// OPENAI_API_KEY yourself (the key stage's choice on a terminal with no keychain): a .env env
// wrote earlier, left holding the old key, is named with what to do by hand, never with an `env`
// command that cannot write it.
import { mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { makeKey, startOpenAIServer, type FakeOpenAI } from '../helpers/openai-server.js';
import { spawnCli } from '../helpers/pty.js';
import { runCli, runCommand } from '../helpers/run.js';
import { git } from '../helpers/git.js';

let server: FakeOpenAI;
const OLD = makeKey('proj', 'tracked-env-old');
const NEW = makeKey('proj', 'tracked-env-new');
const envs: TestEnv[] = [];

beforeAll(async () => {
  server = await startOpenAIServer();
  server.addKey(OLD, 'valid');
  server.addKey(NEW, 'valid');
});
afterAll(async () => {
  await server?.close();
});
afterEach(async () => {
  for (const t of envs.splice(0)) await t.cleanup();
});

/** A machine with OLD stored (the key file), and a project (a git repository) whose .env `env --gitignore` wrote. */
async function project(): Promise<{ t: TestEnv; dir: string }> {
  const t = await makeTestEnv({ OPENAI_BASE_URL: server.baseURL });
  envs.push(t);
  const stored = await runCli(['key', '--stdin', '--insecure-storage'], { env: t.env, input: OLD });
  expect(stored.code, stored.stderr).toBe(0);
  const dir = join(realpathSync(t.root), 'proj');
  mkdirSync(dir);
  git(dir, 'init', '-q');
  const wrote = await runCli(['env', '--gitignore'], { env: t.env, cwd: dir });
  expect(wrote.code, wrote.stderr).toBe(0);
  return { t, dir };
}

const output = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;

describe('a .env env wrote, then committed', () => {
  it('status, doctor and import --check say the key is in the repository; the advice, run in bash as printed, untracks it', async () => {
    const { t, dir } = await project();
    git(dir, 'add', '-f', '.env');
    git(dir, 'commit', '-q', '-m', 'oops');

    const status = await runCli(['status'], { env: t.env, cwd: dir });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/! git tracks \.env, which holds sk-proj-…\S{4}: the key is in the repository \(in its history once committed\), so count it as exposed; take \.env out of git and keep it out: {2}git rm --cached -- \.env && openai-setup env --file \.env --gitignore {2}— then replace the key: create a new one on the API keys page, store it \(pipe the key in, in place of …\) with `… \| openai-setup key --stdin` and delete this one there \(with an admin key, `openai-setup rotate` does both\)\n/);
    expect(status.stdout).not.toContain('as you asked');

    const doctor = await runCli(['doctor'], { env: t.env, cwd: dir });
    expect(output(doctor)).toMatch(/! Env files +git tracks \.env, which holds/);

    const check = await runCli(['import', '--check'], { env: t.env, cwd: dir });
    // README: a copy in a file env wrote is not counted (exit 0); it is warned about.
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toContain('Git tracks .env, which holds');
    for (const r of [status, doctor, check]) {
      expect(output(r)).not.toContain('--force');
      expect(output(r)).not.toContain(OLD);
    }

    const advice = /keep it out: {2}(.+?) {2}— then/.exec(status.stdout)![1]!;
    const followed = await runCommand('bash', ['-c', advice], { env: t.env, cwd: dir });
    expect(followed.code, followed.stderr).toBe(0);
    expect(git(dir, 'ls-files', '--', '.env')).toBe('');
    expect(git(dir, 'check-ignore', '--', '.env').trim()).toBe('.env');
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(`OPENAI_API_KEY=${OLD}\n`);
  });

  it('after the key changes: the advice (no --force) writes the new key into a file git no longer tracks', async () => {
    const { t, dir } = await project();
    git(dir, 'add', '-f', '.env');
    git(dir, 'commit', '-q', '-m', 'oops');
    const replaced = await runCli(['key', '--stdin', '--insecure-storage'], { env: t.env, input: NEW, cwd: dir });
    expect(replaced.code, replaced.stderr).toBe(0);
    const status = await runCli(['status'], { env: t.env, cwd: dir });
    for (const r of [replaced, status]) expect(output(r)).not.toContain('--force');
    const advice = /; to write the stored key there, take \.env out of git first: {2}(.+)\n/.exec(status.stdout)?.[1];
    expect(advice, status.stdout).toBe('git rm --cached -- .env && openai-setup env --file .env --gitignore');
    const followed = await runCommand('bash', ['-c', advice!], { env: t.env, cwd: dir });
    expect(followed.code, followed.stderr).toBe(0);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(`OPENAI_API_KEY=${NEW}\n`);
    expect(git(dir, 'status', '--porcelain', '--', '.env')).toBe('D  .env\n');
  });
});

describe('a key kept in OPENAI_API_KEY yourself, and a .env env wrote earlier', () => {
  it('the key stage and status name the old key there with what to do by hand; env indeed cannot write it', async () => {
    const { t, dir } = await project();
    // No keychain here (no session bus): the key stage offers to set OPENAI_API_KEY yourself.
    const s = spawnCli(['key'], { env: t.env, cwd: dir, cols: 400 });
    try {
      await s.waitFor('Set OPENAI_API_KEY yourself');
      s.press('enter');
      await s.waitFor('Paste your secret key');
      s.type(NEW);
      s.press('enter');
      await s.waitFor('Show the line with the key in it?');
      s.press('enter');
      expect(await s.exited).toMatchObject({ exitCode: 0 });
    } finally {
      s.kill();
    }
    const said = s.output();
    expect(said).toMatch(/! \.env still holds the old key sk-proj-…\S{4} \(written there by `openai-setup env --file \.env`\); openai-setup keeps no copy of the new key \(you keep it in OPENAI_API_KEY yourself\), so `env` cannot write it: set OPENAI_API_KEY in \.env to it by hand, or remove that line/);
    expect(said).not.toContain('to write the new key there');

    const status = await runCli(['status'], { env: t.env, cwd: dir });
    expect(status.stdout).toContain('openai-setup keeps no copy of the stored key (you keep it in OPENAI_API_KEY yourself), so `env` cannot write it: set OPENAI_API_KEY in .env to it by hand, or remove that line');
    // What the old advice sent people to: refused, also with OPENAI_API_KEY set.
    const env = await runCli(['env', '--file', '.env'], { env: { ...t.env, OPENAI_API_KEY: NEW }, cwd: dir });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('openai-setup keeps no copy of the key of profile "default"');
  });
});

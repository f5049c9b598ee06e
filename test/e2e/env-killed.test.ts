// `env` killed (SIGKILL: no handler runs) between writing the key into its temp file and renaming
// it over .env, in a git repository whose .gitignore has `.env`. The run is held at that moment by
// a preloaded hook that makes that one rename never finish (it writes a mark file first), so the
// kill always lands there, with no sleep. The temp file it leaves is 0600 and named as ours; status
// names it (git would list it), and the next `env` removes it and says so. Killed while creating a
// new file (its link into place held), that file is named nowhere else: status, doctor and import
// name the temp file all the same, and logout removes it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI, makeTestEnv, type TestEnv } from '../helpers/env.js';
import { makeKey, startOpenAIServer, type FakeOpenAI } from '../helpers/openai-server.js';
import { runCli } from '../helpers/run.js';
import { git } from '../helpers/git.js';

let server: FakeOpenAI;
const KEY = makeKey('proj', 'env-killed-valid');
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

/**
 * Preloaded into the run: the rename (over a file) or link (a new file) of a temp file to a path
 * ending in HOLD_AT writes that temp file's path into the mark file and never finishes (a timer
 * keeps the process alive until it is killed).
 */
const HOOK = `
const fsp = require('node:fs/promises');
const { writeFileSync } = require('node:fs');
for (const name of ['rename', 'link']) {
  const original = fsp[name];
  fsp[name] = (from, to) => {
    if (String(to).endsWith(process.env.HOLD_AT) && String(from).endsWith('.tmp')) {
      setInterval(() => {}, 1000);
      writeFileSync(process.env.HOLD_MARK, String(from));
      // With HOLD_UNTIL_SIGNAL: finished once a SIGTERM comes (the run then leaves on it).
      if (process.env.HOLD_UNTIL_SIGNAL) return new Promise((resolve, reject) => process.once('SIGTERM', () => original(from, to).then(resolve, reject)));
      return new Promise(() => {});
    }
    return original(from, to);
  };
}
`;

/** Poll for `path` to exist (what is awaited happens; the deadline only bounds a failure). */
async function appears(path: string, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!existsSync(path)) {
    if (exited() || Date.now() > deadline) throw new Error(`${path} did not appear`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Run `openai-setup ARGS` in `project`, held where it puts a temp file at a path ending in `holdAt`,
 * and kill it there (SIGKILL), or with `signal` SIGTERM send that, which lets the held rename finish
 * (the run leaves on it, exit 143); the temp file's path and the run's pid.
 */
async function killedAt(t: TestEnv, project: string, args: string[], holdAt: string, signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<{ temp: string; pid: number; stdout: string; stderr: string }> {
  const hook = join(t.root, 'hold-rename.cjs');
  writeFileSync(hook, HOOK);
  const mark = join(t.root, 'held');
  rmSync(mark, { force: true });
  const env = { ...t.env, HOLD_MARK: mark, HOLD_AT: holdAt, ...(signal === 'SIGTERM' ? { HOLD_UNTIL_SIGNAL: '1' } : {}) };
  const child = spawn(process.execPath, ['--require', hook, CLI, ...args], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let exited = false;
  const gone = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, by) => ((exited = true), resolve({ code, signal: by }))));
  await appears(mark, () => exited);
  child.kill(signal);
  expect(await gone).toEqual(signal === 'SIGKILL' ? { code: null, signal: 'SIGKILL' } : { code: 143, signal: null });
  return { temp: readFileSync(mark, 'utf8'), pid: child.pid!, stdout, stderr };
}

describe('env killed while the key is in its temp file', () => {
  it('leaves a 0600 file named as ours, which status names and the next env removes', async () => {
    const t = await makeTestEnv({ OPENAI_BASE_URL: server.baseURL });
    envs.push(t);
    const stored = await runCli(['key', '--stdin', '--insecure-storage'], { env: t.env, input: KEY });
    expect(stored.code, stored.stderr).toBe(0);
    const project = join(realpathSync(t.root), 'project');
    mkdirSync(project);
    git(project, 'init', '-q');
    writeFileSync(join(project, '.gitignore'), '.env\n');
    git(project, 'add', '.gitignore');
    git(project, 'commit', '-q', '-m', 'init');
    // An existing .env others may read: the temp file must be private all the same.
    writeFileSync(join(project, '.env'), 'DEBUG=1\n', { mode: 0o644 });
    const { temp, pid } = await killedAt(t, project, ['env'], '/.env');
    expect(basename(temp)).toMatch(new RegExp(`^\\.env\\.openai-setup\\.${pid}\\.[a-z0-9]+\\.tmp$`));
    expect(statSync(temp).mode & 0o777).toBe(0o600);
    expect(readFileSync(temp, 'utf8')).toBe(`DEBUG=1\nOPENAI_API_KEY=${KEY}\n`);
    expect(readFileSync(join(project, '.env'), 'utf8')).toBe('DEBUG=1\n');
    // git would offer to commit it: no .gitignore line for .env covers another name.
    expect(git(project, 'status', '--porcelain')).toBe(`?? ${basename(temp)}\n`);

    const status = await runCli(['status'], { env: t.env, cwd: project });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`! A temporary file of ${project}/.env, left by an interrupted run, may hold a key in plain text: ${temp} — Remove it: rm '${temp}'\n`);
    expect(status.stdout + status.stderr).not.toContain(KEY);

    const again = await runCli(['env'], { env: t.env, cwd: project });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`! Removed a temporary file left by an interrupted run (it may have held a key): ${temp}\n`);
    expect(existsSync(temp)).toBe(false);
    expect(readFileSync(join(project, '.env'), 'utf8')).toBe(`DEBUG=1\nOPENAI_API_KEY=${KEY}\n`);
    expect(git(project, 'status', '--porcelain')).toBe('');
    expect(again.stdout + again.stderr).not.toContain(KEY);
  });

  it('creating a new file: status, doctor and import name the temp file, and logout removes it', async () => {
    const t = await makeTestEnv({ OPENAI_BASE_URL: server.baseURL });
    envs.push(t);
    const stored = await runCli(['key', '--stdin', '--insecure-storage'], { env: t.env, input: KEY });
    expect(stored.code, stored.stderr).toBe(0);
    const project = join(realpathSync(t.root), 'project');
    mkdirSync(join(project, 'config'), { recursive: true });
    git(project, 'init', '-q');
    writeFileSync(join(project, '.gitignore'), '/config/prod.env\n');
    git(project, 'add', '.gitignore');
    git(project, 'commit', '-q', '-m', 'init');

    const { temp, pid } = await killedAt(t, project, ['env', '--file', 'config/prod.env'], '/config/prod.env');
    expect(basename(temp)).toMatch(new RegExp(`^prod\\.env\\.openai-setup\\.${pid}\\.[a-z0-9]+\\.tmp$`));
    expect(readFileSync(temp, 'utf8')).toBe(`OPENAI_API_KEY=${KEY}\n`);
    expect(existsSync(join(project, 'config', 'prod.env'))).toBe(false);
    expect(git(project, 'status', '--porcelain', '-uall')).toBe(`?? config/${basename(temp)}\n`);

    const named = `! A temporary file of ${project}/config/prod.env, left by an interrupted run, may hold a key in plain text: ${temp} — Remove it: rm '${temp}'\n`;
    const status = await runCli(['status'], { env: t.env, cwd: project });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(named);
    const doctor = await runCli(['doctor', '--json'], { env: t.env, cwd: project });
    expect(doctor.stdout).toContain(JSON.stringify(temp).slice(1, -1));
    const imported = await runCli(['import', '--yes'], { env: t.env, cwd: project });
    expect(imported.stderr).toContain(named.replace(/^! /, ''));
    for (const run of [status, doctor, imported]) expect(run.stdout + run.stderr).not.toContain(KEY);

    const logout = await runCli(['logout', '--yes'], { env: t.env, cwd: project });
    expect(logout.code, logout.stderr).toBe(0);
    expect(logout.stdout).toContain(`Removed a temporary file left by an interrupted run: ${temp}\n`);
    expect(existsSync(temp)).toBe(false);
    expect(git(project, 'status', '--porcelain', '-uall')).toBe('');
    // Its record of the file goes with it.
    expect(JSON.parse(readFileSync(join(t.configDir, 'state.json'), 'utf8'))).not.toHaveProperty('pendingEnvFiles');
  });

  it('stopped by SIGTERM while creating a new file: it finishes the write, says so, records the file as asked for, and leaves (143)', async () => {
    const t = await makeTestEnv({ OPENAI_BASE_URL: server.baseURL });
    envs.push(t);
    const stored = await runCli(['key', '--stdin', '--insecure-storage'], { env: t.env, input: KEY });
    expect(stored.code, stored.stderr).toBe(0);
    const project = join(realpathSync(t.root), 'project');
    mkdirSync(project);
    const state = () => JSON.parse(readFileSync(join(t.configDir, 'state.json'), 'utf8')) as { pendingEnvFiles?: unknown; profiles: Record<string, { envFiles?: string[] }> };

    const { temp, stdout, stderr } = await killedAt(t, project, ['env', '--file', '.env', '--force'], '/.env', 'SIGTERM');
    expect(existsSync(temp)).toBe(false);
    expect(readFileSync(join(project, '.env'), 'utf8')).toBe(`OPENAI_API_KEY=${KEY}\n`);
    // Said as leaving says things: the run's own output is silenced by then.
    expect(stderr).toMatch(/\n✔ Wrote OPENAI_API_KEY \(sk-proj-…\S{4}, profile "default"\) to \.env \(a new file, readable only by you\)\.\n$/);
    expect(stdout + stderr).not.toContain(KEY);
    // Recorded as a file asked for, its record of the write ended.
    expect(state().profiles.default?.envFiles).toEqual([join(project, '.env')]);
    expect(state()).not.toHaveProperty('pendingEnvFiles');

    const status = await runCli(['status'], { env: t.env, cwd: project });
    expect(status.stdout + status.stderr).toContain('as you asked');
  });
});

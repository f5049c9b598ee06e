// The temp file `env` writes the key into before renaming it over .env: plainly ours by its name,
// never readable by others while it is one (a killed run leaves it, in a project git would offer to
// commit it from), and one a killed run left — its writer gone — is removed by the next `env` of
// that file, and named by status, doctor and import until then.
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DoctorJsonSchema, run as doctor } from '../../src/commands/doctor.js';
import { run as env } from '../../src/commands/env.js';
import { defaultDeps, runImport } from '../../src/commands/import.js';
import { run as status, StatusJsonSchema } from '../../src/commands/status.js';
import { checkResult, makeTestContext, outcomeOf, testKey, type TestContext } from '../helpers/context.js';

// What a temp file is like at the moment it is renamed (or linked) into place: its name and mode.
const seen = vi.hoisted(() => [] as Array<{ name: string; mode: number; text: string }>);
vi.mock('node:fs/promises', async (original) => {
  const fs = await original<typeof import('node:fs/promises')>();
  const look = async (from: unknown) => {
    const path = String(from);
    if (path.endsWith('.tmp') && path.includes('/.env.')) seen.push({ name: path.slice(path.lastIndexOf('/') + 1), mode: (await fs.stat(path)).mode & 0o777, text: await fs.readFile(path, 'utf8') });
  };
  const rename: typeof fs.rename = async (from, to) => {
    await look(from);
    return fs.rename(from, to);
  };
  const link: typeof fs.link = async (from, to) => {
    await look(from);
    return fs.link(from, to);
  };
  return { ...fs, rename, link, default: { ...fs, rename, link } };
});

const KEY = testKey('E');
/** No process has this pid: above Linux's highest (pid_max is at most 2^22). */
const DEAD = 4_194_305;

let t: TestContext;
afterEach(async () => {
  seen.length = 0;
  await t?.cleanup();
});

function context(): TestContext {
  t = makeTestContext({ stdoutIsTTY: false, interactive: false, keychain: { default: KEY } });
  return t;
}

/** A temp file of .env a killed `env` left, holding the key: its path. */
function leftBehind(name = `.env.openai-setup.${DEAD}.m1abc2def.tmp`): string {
  const path = join(t.cwd, name);
  writeFileSync(path, `OPENAI_API_KEY=${KEY}\n`, { mode: 0o600 });
  return path;
}

describe.skipIf(process.platform === 'win32')('env: the temp file it writes the key into', () => {
  it('over an existing .env (mode 0644): named as ours, 0600 while it is a temp file; .env keeps its mode', async () => {
    context();
    const file = join(t.cwd, '.env');
    writeFileSync(file, 'DEBUG=1\n');
    chmodSync(file, 0o644);
    expect(await env(t.ctx, { force: true, gitignore: false })).toBe(0);
    expect(seen).toEqual([{ name: expect.stringMatching(/^\.env\.openai-setup\.\d+\.[a-z0-9]+\.tmp$/), mode: 0o600, text: `DEBUG=1\nOPENAI_API_KEY=${KEY}\n` }]);
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(readdirSync(t.cwd)).toEqual(['.env']);
  });

  it('a new .env: the same (created 0600)', async () => {
    context();
    expect(await env(t.ctx, { force: true, gitignore: false })).toBe(0);
    expect(seen).toEqual([{ name: expect.stringMatching(/^\.env\.openai-setup\.\d+\.[a-z0-9]+\.tmp$/), mode: 0o600, text: `OPENAI_API_KEY=${KEY}\n` }]);
    expect(statSync(join(t.cwd, '.env')).mode & 0o777).toBe(0o600);
  });

  it('one a killed run left (its writer gone) is removed by the next env, and that is said', async () => {
    context();
    const left = [leftBehind(), leftBehind(`.env.openai-setup.${DEAD}.m1abc2xyz.tmp`)];
    expect(await env(t.ctx, { force: true, gitignore: false })).toBe(0);
    for (const path of left) expect(existsSync(path)).toBe(false);
    const said = t.stderr.split('\n').filter((line) => line.startsWith('! Removed'));
    expect(said).toHaveLength(1);
    expect(said[0]!.replace(/: .*/, '')).toBe('! Removed 2 temporary files left by an interrupted run (it may have held a key)');
    expect(said[0]!.slice(said[0]!.indexOf(': ') + 2).split(', ').sort()).toEqual([...left].sort());
    expect(readdirSync(t.cwd)).toEqual(['.env']);
  });

  it("the person's own .env.<digits>.<word>.tmp (no marker: not a name openai-setup writes) is neither removed nor named by env, status, doctor or import", async () => {
    context();
    const mine = join(t.cwd, '.env.99998.backup.tmp');
    writeFileSync(mine, 'mine\n');
    // Named as one openai-setup left: ours, with a marker, its writer gone.
    const ours = leftBehind();
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.stdout).toContain(`may hold a key in plain text: ${ours} — Remove it: rm '${ours}'\n`);
    expect(await status(t.ctx, { json: true })).toBe(0);
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 42 }).answerEveryCheck(() => checkResult('valid'));
    expect(await doctor(t.ctx, { json: false })).toBe(0);
    expect(await runImport(t.ctx, { check: false, json: false, rewrite: false, yes: true }, defaultDeps())).toBe(0);
    expect(await env(t.ctx, { force: true, gitignore: false })).toBe(0);
    expect(existsSync(ours)).toBe(false);
    expect(t.stderr).toContain(`! Removed a temporary file left by an interrupted run (it may have held a key): ${ours}\n`);
    expect(t.stdout + t.stderr).not.toContain('99998');
    expect(readFileSync(mine, 'utf8')).toBe('mine\n');
  });

  it('removed even when env then stops short of writing (no key stored)', async () => {
    t = makeTestContext({ stdoutIsTTY: false, interactive: false });
    const left = leftBehind();
    expect((await outcomeOf(env(t.ctx, { force: true, gitignore: false }))).code).toBe(2);
    expect(existsSync(left)).toBe(false);
  });

  it('one whose writer is alive (a run writing it now) is left alone, as are files not named as ours', async () => {
    context();
    const live = leftBehind(`.env.openai-setup.${process.pid}.m1abc2def.tmp`);
    const others = ['.env.tmp', '.env.openai-setup.tmp', `.env.${DEAD}.abc.tmp`, `.env.local.${DEAD}.abc.tmp`, `.envrc.${DEAD}.abc.tmp`].map((name) => leftBehind(name));
    expect(await env(t.ctx, { force: true, gitignore: false })).toBe(0);
    for (const path of [live, ...others]) expect(existsSync(path)).toBe(true);
    expect(t.stderr).not.toContain('Removed');
  });
});

describe.skipIf(process.platform === 'win32')('a temp file of .env a killed run left, until it is removed', () => {
  it('status names it with the command that removes it, never what is in it; --json lists it', async () => {
    context();
    const left = leftBehind();
    const line = `! A temporary file of ${join(t.cwd, '.env')}, left by an interrupted run, may hold a key in plain text: ${left} — Remove it: rm '${left}'\n`;
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.stdout).toContain(line);
    expect(t.stdout + t.stderr).not.toContain(KEY);
    const json = makeTestContext({ stdoutIsTTY: false, interactive: false });
    try {
      writeFileSync(join(json.cwd, basename(left)), 'x', { mode: 0o600 });
      expect(await status(json.ctx, { json: true })).toBe(0);
      expect(StatusJsonSchema.parse(JSON.parse(json.stdout)).leftovers).toEqual([join(json.cwd, basename(left))]);
    } finally {
      await json.cleanup();
    }
    expect(existsSync(left)).toBe(true);
  });

  it('import names it too, with the command that removes it', async () => {
    context();
    const left = leftBehind();
    expect(await runImport(t.ctx, { check: false, json: false, rewrite: false, yes: true }, defaultDeps())).toBe(0);
    expect(t.stderr).toContain(`! A temporary file of ${join(t.cwd, '.env')}, left by an interrupted run, may hold a key in plain text: ${left} — Remove it: rm '${left}'\n`);
    expect(t.stdout + t.stderr).not.toContain(KEY);
  });

  it('doctor names it as a warning', async () => {
    context();
    const left = leftBehind();
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 42 }).answerEveryCheck(() => checkResult('valid'));
    expect(await doctor(t.ctx, { json: true })).toBe(0);
    const check = DoctorJsonSchema.parse(JSON.parse(t.stdout)).checks.find((c) => c.id === 'leftovers');
    expect(check).toEqual({
      id: 'leftovers',
      title: 'Leftover files',
      status: 'warn',
      detail: `A temporary file of ${join(t.cwd, '.env')}, left by an interrupted run, may hold a key in plain text: ${left}`,
      fix: `Remove it: rm '${left}'`,
    });
    expect(readFileSync(left, 'utf8')).toContain(KEY);
  });
});

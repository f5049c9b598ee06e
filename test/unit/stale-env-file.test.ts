// A key replaced with `key` while a file `env --file` wrote for the profile still holds the old
// one: key, status and doctor name that file, with the command that writes the stored key there
// (as rotate does); run as printed, it does. git is real (env runs it), in a temp repository.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as doctor, DoctorJsonSchema } from '../../src/commands/doctor.js';
import { run as env } from '../../src/commands/env.js';
import { run as key } from '../../src/commands/key.js';
import { run as status, StatusJsonSchema } from '../../src/commands/status.js';
import { checkResult, makeTestContext, testKey, type TestContext } from '../helpers/context.js';
import { typedLine } from '../helpers/program-line.js';

const OLD = testKey('O');
const NEW = testKey('N');
const OLD_HINT = 'sk-proj-…000O';
const REWRITE = 'openai-setup env --file .env --profile st';
// git without the person's own configuration (a global excludes file could hide .env).
const GIT_ENV = { PATH: process.env.PATH, HOME: '/nonexistent-home', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };

const made: TestContext[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((t) => t.cleanup()));
});

/** `key --profile st --stdin < old` → `env --profile st --file .env --gitignore` → `key --profile st --stdin < new`; what the last one printed. */
async function replacedAfterEnvFile(): Promise<{ t: TestContext; said: string }> {
  const t = makeTestContext({ interactive: false, env: GIT_ENV });
  made.push(t);
  execFileSync('git', ['init', '-q'], { cwd: t.cwd, env: GIT_ENV });
  t.ctx.readStdin = async () => `${OLD}\n`;
  expect(await key(t.ctx, { stdin: true, profile: 'st', verify: false })).toBe(0);
  expect(await env(t.ctx, { profile: 'st', file: '.env', force: false, gitignore: true })).toBe(0);
  t.ctx.readStdin = async () => `${NEW}\n`;
  const before = t.stdout.length;
  expect(await key(t.ctx, { stdin: true, profile: 'st', verify: false })).toBe(0);
  return { t, said: t.stdout.slice(before) };
}

describe('a file `env --file` wrote, left holding the replaced key', () => {
  it('key: the replacement names the file, with the command that writes the new key there', async () => {
    const { said } = await replacedAfterEnvFile();
    expect(said).toContain(`This replaces ${OLD_HINT} for profile "st".`);
    expect(said).toContain(`! .env still holds the old key ${OLD_HINT} (written there by \`${REWRITE}\`); to write the new key there:  ${REWRITE}\n`);
  });

  it('status: named as holding another key, with the command; --json staleEnvFiles', async () => {
    const { t } = await replacedAfterEnvFile();
    const before = t.stdout.length;
    expect(await status(t.ctx, { profile: 'st', json: false })).toBe(0);
    expect(t.stdout.slice(before)).toContain(
      `! .env holds ${OLD_HINT}, not the stored key (written there by \`${REWRITE}\`); to write the stored key there:  ${REWRITE}\n`,
    );
    const json = t.stdout.length;
    await status(t.ctx, { profile: 'st', json: true });
    expect(StatusJsonSchema.parse(JSON.parse(t.stdout.slice(json)))).toMatchObject({ plaintext: [], envFiles: [], staleEnvFiles: [{ path: '.env', line: 1, hint: OLD_HINT }] });
  });

  it('status --json: each carries the text\'s words and its command, which works as printed', async () => {
    const { t } = await replacedAfterEnvFile();
    const json = t.stdout.length;
    await status(t.ctx, { profile: 'st', json: true });
    const stale = StatusJsonSchema.parse(JSON.parse(t.stdout.slice(json))).staleEnvFiles;
    expect(stale).toEqual([
      {
        path: '.env',
        line: 1,
        hint: OLD_HINT,
        profile: null,
        detail: `.env holds ${OLD_HINT}, not the stored key (written there by \`${REWRITE}\`)`,
        fix: `to write the stored key there:  ${REWRITE}`,
        command: REWRITE,
      },
    ]);
    expect(await typedLine(t, stale[0]!.command!)).toBe(0);
    expect(readFileSync(join(t.cwd, '.env'), 'utf8')).toBe(`OPENAI_API_KEY=${NEW}\n`);
  });

  it('doctor: an Env files warning with the command (no failure)', async () => {
    const { t } = await replacedAfterEnvFile();
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 });
    t.api.answerChecks(checkResult('valid'));
    const before = t.stdout.length;
    expect(await doctor(t.ctx, { profile: 'st', json: false })).toBe(0);
    expect(t.stdout.slice(before)).toContain(
      `! Env files           .env holds ${OLD_HINT}, not the stored key (written there by \`${REWRITE}\`)\n  → To write the stored key there:  ${REWRITE}\n`,
    );
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 });
    t.api.answerChecks(checkResult('valid'));
    const json = t.stdout.length;
    await doctor(t.ctx, { profile: 'st', json: true });
    expect(DoctorJsonSchema.parse(JSON.parse(t.stdout.slice(json))).checks).toContainEqual({ id: 'stale-env-file', title: 'Env files', status: 'warn', detail: expect.stringContaining('.env holds'), fix: `To write the stored key there:  ${REWRITE}` });
  });

  it('the command as printed writes the stored key there; then it is said as asked for, no longer stale', async () => {
    const { t } = await replacedAfterEnvFile();
    expect(await typedLine(t, REWRITE)).toBe(0);
    expect(readFileSync(join(t.cwd, '.env'), 'utf8')).toBe(`OPENAI_API_KEY=${NEW}\n`);
    const before = t.stdout.length;
    await status(t.ctx, { profile: 'st', json: false });
    const now = t.stdout.slice(before);
    expect(now).toContain(`○ Also in .env:1 (written by \`${REWRITE}\`, as you asked)`);
    expect(now).not.toContain('not the stored key');
  });

  it('a file recorded for another profile too, holding that profile\'s key: not stale for this one', async () => {
    const { t } = await replacedAfterEnvFile();
    await t.ctx.state.updateProfile('other', (p) => {
      p.key = { storage: 'keychain', hint: OLD_HINT, savedAt: '2026-03-01T00:00:00.000Z' };
      p.envFiles = [join(t.cwd, '.env')];
    });
    const before = t.stdout.length;
    await status(t.ctx, { profile: 'st', json: false });
    expect(t.stdout.slice(before)).not.toContain('.env holds');
  });
});

// Two profiles that store the same key, and a .env `env --file` wrote for one of them: status and
// doctor of the other see their key there as asked for (import leaves it), and name what wrote it,
// the command of the profile it was written for; never a command that was not run.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run as doctor } from '../../src/commands/doctor.js';
import { run as env } from '../../src/commands/env.js';
import { run as status, StatusJsonSchema } from '../../src/commands/status.js';
import { checkResult, makeTestContext, testKey, type TestContext } from '../helpers/context.js';

const KEY = testKey('A');
const GIT_ENV = { PATH: process.env.PATH, HOME: '/nonexistent-home', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };

/** "default" and "same" both storing KEY, recorded; cwd a git repository whose .gitignore covers .env. */
async function twoProfiles(): Promise<TestContext> {
  const t = makeTestContext({ env: GIT_ENV, keychain: { default: KEY, same: KEY }, interactive: false });
  execFileSync('git', ['init', '-q'], { cwd: t.cwd, env: GIT_ENV });
  writeFileSync(join(t.cwd, '.gitignore'), '.env\n');
  for (const name of ['default', 'same']) {
    await t.ctx.state.updateProfile(name, (p) => {
      p.key = { storage: 'keychain', hint: 'sk-proj-…000A', savedAt: '2026-01-01T00:00:00.000Z' };
    });
  }
  return t;
}

describe('a .env written for another profile that stores the same key', () => {
  it('status and doctor name the command that wrote it: that profile’s', async () => {
    const t = await twoProfiles();
    expect(await env(t.ctx, { profile: 'same', file: '.env', force: false, gitignore: true })).toBe(0);

    const before = t.stdout.length;
    expect(await status(t.ctx, { profile: 'default', json: false })).toBe(0);
    const said = t.stdout.slice(before);
    expect(said).toContain('○ Also in .env:1 (written by `openai-setup env --file .env --profile same`, as you asked)\n');
    expect(said).not.toContain('env --file .env`');
    expect(said).not.toContain('plain text');
    const json = t.stdout.length;
    expect(await status(t.ctx, { profile: 'default', json: true })).toBe(0);
    expect(StatusJsonSchema.parse(JSON.parse(t.stdout.slice(json)))).toMatchObject({ plaintext: [], envFiles: [{ path: '.env', line: 1 }] });

    const checked = t.stdout.length;
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 20 }).answerChecks(checkResult('valid'));
    await doctor(t.ctx, { profile: 'default', json: false });
    expect(t.stdout.slice(checked)).toContain('○ Env files           sk-proj-…000A is also in .env:1, written by `openai-setup env --file .env --profile same`, as you asked\n');
  });

  it('written for both: each profile names its own command', async () => {
    const t = await twoProfiles();
    expect(await env(t.ctx, { profile: 'same', file: '.env', force: false, gitignore: true })).toBe(0);
    expect(await env(t.ctx, { profile: 'default', file: '.env', force: true, gitignore: true })).toBe(0);
    for (const [profile, command] of [
      ['default', 'openai-setup env --file .env'],
      ['same', 'openai-setup env --file .env --profile same'],
    ]) {
      const before = t.stdout.length;
      expect(await status(t.ctx, { profile, json: false })).toBe(0);
      expect(t.stdout.slice(before)).toContain(`○ Also in .env:1 (written by \`${command}\`, as you asked)\n`);
    }
  });
});

describe('a .env written for one profile, then for another with its own key', () => {
  it("status and doctor of the first name the other profile's key there now, with the command that writes theirs back", async () => {
    const other = testKey('B');
    const t = makeTestContext({ env: GIT_ENV, keychain: { work: KEY, personal: other }, interactive: false });
    execFileSync('git', ['init', '-q'], { cwd: t.cwd, env: GIT_ENV });
    writeFileSync(join(t.cwd, '.gitignore'), '.env\n');
    for (const [name, hint] of [['work', 'sk-proj-…000A'], ['personal', 'sk-proj-…000B']] as const) {
      await t.ctx.state.updateProfile(name, (p) => {
        p.key = { storage: 'keychain', hint, savedAt: '2026-01-01T00:00:00.000Z' };
      });
    }
    expect(await env(t.ctx, { profile: 'work', file: '.env', force: false, gitignore: true })).toBe(0);
    expect(await env(t.ctx, { profile: 'personal', file: '.env', force: false, gitignore: true })).toBe(0);

    const before = t.stdout.length;
    expect(await status(t.ctx, { profile: 'work', json: false })).toBe(0);
    expect(t.stdout.slice(before)).toContain(
      '! .env, which `openai-setup env --file .env --profile work` wrote this profile\'s key into, now holds the key of profile "personal" (sk-proj-…000B, written there by `openai-setup env --file .env --profile personal`); to have this profile\'s key there again, in place of profile "personal"\'s:  openai-setup env --file .env --profile work\n',
    );
    const json = t.stdout.length;
    expect(await status(t.ctx, { profile: 'work', json: true })).toBe(0);
    expect(StatusJsonSchema.parse(JSON.parse(t.stdout.slice(json))).staleEnvFiles).toEqual([
      {
        path: '.env',
        line: 1,
        hint: 'sk-proj-…000B',
        profile: 'personal',
        detail: '.env, which `openai-setup env --file .env --profile work` wrote this profile\'s key into, now holds the key of profile "personal" (sk-proj-…000B, written there by `openai-setup env --file .env --profile personal`)',
        fix: 'to have this profile\'s key there again, in place of profile "personal"\'s:  openai-setup env --file .env --profile work',
        command: 'openai-setup env --file .env --profile work',
      },
    ]);

    const checked = t.stdout.length;
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 20 }).answerChecks(checkResult('valid'));
    await doctor(t.ctx, { profile: 'work', json: false });
    expect(t.stdout.slice(checked)).toContain('now holds the key of profile "personal" (sk-proj-…000B');

    // The profile whose key is there: its own copy, as asked; nothing stale.
    const mine = t.stdout.length;
    expect(await status(t.ctx, { profile: 'personal', json: false })).toBe(0);
    expect(t.stdout.slice(mine)).toContain('○ Also in .env:1 (written by `openai-setup env --file .env --profile personal`, as you asked)\n');
    expect(t.stdout.slice(mine)).not.toContain('now holds');
  });
});

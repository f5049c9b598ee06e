// What `env` says of a key it replaced in a file that this profile stored before: rotate replaced
// and revoked it (it said "a key openai-setup does not store… copy it back… revoke it", though
// rotate had just revoked it), or `key` replaced it, left live (revoking it is right advice, but
// it was this profile's key, not one openai-setup never stored).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as env } from '../../src/commands/env.js';
import { run as key } from '../../src/commands/key.js';
import { run as rotate } from '../../src/commands/rotate.js';
import { maskKey } from '../../src/keys/format.js';
import { makeTestContext, testKey, type TestContext } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { organizationWith, recordCheckedKey } from '../helpers/rotatable.js';

const GIT_ENV = { PATH: process.env.PATH, HOME: '/nonexistent-home', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
const ADMIN = makeKey('admin', 'unit-env-replaced-earlier');
const PROJECT = 'proj_EnvReplacedEarlier000000';

let t: TestContext;
afterEach(() => t?.cleanup());

/** A .env the git repository in cwd ignores, holding `key`. */
function envFileWith(value: string): void {
  execFileSync('git', ['init', '-q'], { cwd: t.cwd, env: GIT_ENV });
  writeFileSync(join(t.cwd, '.gitignore'), '.env\n');
  writeFileSync(join(t.cwd, '.env'), `OPENAI_API_KEY=${value}\n`, { mode: 0o600 });
}

/** rotate --yes (`keepOld`: --keep-old) of profile "default", its old key `old` also in .env; then `env` writes the new key there. */
async function rotatedThenEnv(keepOld: boolean): Promise<{ said: string; old: string }> {
  const old = makeKey('proj', `unit-env-replaced-earlier-${keepOld}`);
  t = makeTestContext({ admin: true, env: GIT_ENV, keychain: { default: old, 'default:admin': ADMIN } });
  organizationWith(t, { admin: ADMIN, project: PROJECT, old });
  await recordCheckedKey(t, { old, project: PROJECT });
  envFileWith(old);
  expect(await rotate(t.ctx, { keepOld, yes: true, json: false })).toBe(0);
  expect(t.org.isLive(old)).toBe(keepOld);
  const from = t.stderr.length;
  expect(await env(t.ctx, { force: false, gitignore: false })).toBe(0);
  return { said: t.stderr.slice(from), old };
}

describe('env replacing a key this profile stored before', () => {
  it('one rotate replaced and revoked: said so, with no copy-back or revoke advice', async () => {
    const { said, old } = await rotatedThenEnv(false);
    expect(said).toContain(`It replaced ${maskKey(old)} in .env: the key profile "default" stored until \`rotate\` replaced and revoked it (by its hint), which no longer works.\n`);
    expect(said).not.toContain('does not store');
    expect(said).not.toContain('copy it back');
    expect(said).not.toContain('revoke it on');
  });

  it('one rotate replaced and left live (--keep-old): this profile\'s earlier key, to revoke', async () => {
    const { said, old } = await rotatedThenEnv(true);
    expect(said).toContain(
      `! It replaced ${maskKey(old)} in .env, a key profile "default" stored until \`rotate\` replaced it without revoking it (by its hint): it is gone from the file. If you still need it, copy it back from where else you keep it; if not, revoke it on the API keys page: https://platform.openai.com/api-keys\n`,
    );
  });

  it('one `key` replaced: this profile\'s earlier key (not "a key openai-setup does not store"), to revoke', async () => {
    const first = testKey('E');
    const second = testKey('F');
    t = makeTestContext({ interactive: false, stdoutIsTTY: false, env: GIT_ENV, stdin: `${first}\n` });
    expect(await key(t.ctx, { profile: 'default', stdin: true, verify: false })).toBe(0);
    envFileWith(first);
    t.ctx.readStdin = async () => `${second}\n`;
    expect(await key(t.ctx, { profile: 'default', stdin: true, verify: false })).toBe(0);
    const from = t.stderr.length;
    expect(await env(t.ctx, { force: false, gitignore: false })).toBe(0);
    const said = t.stderr.slice(from);
    expect(said).toContain(
      `! It replaced ${maskKey(first)} in .env, a key profile "default" stored until another replaced it (by its hint): it is gone from the file. If you still need it, copy it back from where else you keep it; if not, revoke it on the API keys page: https://platform.openai.com/api-keys\n`,
    );
    expect(said).not.toContain('does not store');
  });
});

// OPENAI_ADMIN_KEY holding another admin key than the one stored for the profile: rotate and spend
// use the variable, so status, spend and rotate say so in one wording, and --json names the source.
import { describe, expect, it } from 'vitest';
import { run as rotate, RotateJsonSchema } from '../../src/commands/rotate.js';
import { run as spend, SpendJsonSchema } from '../../src/commands/spend.js';
import { run as status, StatusJsonSchema } from '../../src/commands/status.js';
import { maskKey } from '../../src/keys/format.js';
import type { TestContext, TestContextOptions } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { organizationWith, recordCheckedKey } from '../helpers/rotatable.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const STORED = makeKey('admin', 'unit-admin-env-stored');
const OTHER = makeKey('admin', 'unit-admin-env-other');
const PROJECT = 'proj_AdminEnvUnit000000000000';
const NOTICE = `OPENAI_ADMIN_KEY is set: ${maskKey(OTHER)} — differs from the stored admin key ${maskKey(STORED)}; rotate and spend use this one`;

const contexts = trackedContexts();

/** Profile "default" with a key of PROJECT and the admin key STORED, recorded as admin-key records it. */
async function setup(options: TestContextOptions = {}): Promise<TestContext> {
  const old = makeKey('proj', `unit-admin-env-old-${Math.random()}`);
  const t = contexts.make({ admin: true, keychain: { default: old, 'default:admin': STORED }, ...options });
  organizationWith(t, { admin: STORED, project: PROJECT, old });
  t.org.admin.addAdminKey(OTHER);
  await recordCheckedKey(t, { old, project: PROJECT, keySource: 'the keychain (profile default)' });
  await t.ctx.state.updateProfile('default', (p) => {
    p.adminKey = { storage: 'keychain', hint: maskKey(STORED), savedAt: '2026-03-01T00:00:00.000Z' };
  });
  return t;
}

describe('OPENAI_ADMIN_KEY in place of the stored admin key', () => {
  it('status: the stored admin key is not said to be what rotate and spend use; the variable has its row, as OPENAI_API_KEY does; --json too', async () => {
    const t = await setup({ env: { OPENAI_ADMIN_KEY: OTHER } });
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.stdout).toContain(`✔ Admin key ${maskKey(STORED)} in the Secret Service keyring (not used by rotate and spend while OPENAI_ADMIN_KEY is set)\n`);
    expect(t.stdout).toContain(`! ${NOTICE}\n`);
    expect(t.stdout).not.toContain('(for rotate and spend)');
    const j = await setup({ env: { OPENAI_ADMIN_KEY: OTHER } });
    expect(await status(j.ctx, { json: true })).toBe(0);
    expect(StatusJsonSchema.parse(JSON.parse(j.stdout)).adminKeyEnv).toEqual({ set: true, hint: maskKey(OTHER), matchesStored: false });
    // The stored one in the variable: the same, said so.
    const same = await setup({ env: { OPENAI_ADMIN_KEY: STORED } });
    expect(await status(same.ctx, { json: false })).toBe(0);
    expect(same.stdout).toContain(`✔ Admin key ${maskKey(STORED)} in the Secret Service keyring (for rotate and spend)\n`);
    expect(same.stdout).toContain(`✔ OPENAI_ADMIN_KEY is set: ${maskKey(STORED)} (same as the stored admin key)\n`);
  });

  it('spend says which admin key it used when the variable holds another; --json names its source', async () => {
    const t = await setup({ env: { OPENAI_ADMIN_KEY: OTHER } });
    expect(await spend(t.ctx, { json: false })).toBe(0);
    expect(t.stderr).toContain(`! ${NOTICE}.\n`);
    const j = await setup({ env: { OPENAI_ADMIN_KEY: OTHER } });
    expect(await spend(j.ctx, { json: true })).toBe(0);
    expect(SpendJsonSchema.parse(JSON.parse(j.stdout)).adminKey).toEqual({ source: 'env', hint: maskKey(OTHER), storedHint: maskKey(STORED) });
    // The stored one: nothing said, its source named.
    const stored = await setup();
    expect(await spend(stored.ctx, { json: true })).toBe(0);
    expect(stored.stderr).not.toContain('OPENAI_ADMIN_KEY');
    expect(SpendJsonSchema.parse(JSON.parse(stored.stdout)).adminKey).toEqual({ source: 'keychain', hint: maskKey(STORED), storedHint: maskKey(STORED) });
  });

  it('rotate says it too, before anything is made; --json names the source', async () => {
    const t = await setup({ env: { OPENAI_ADMIN_KEY: OTHER } });
    expect(await rotate(t.ctx, { keepOld: true, yes: true, json: true })).toBe(0);
    expect(t.stderr).toContain(`! ${NOTICE}.\n`);
    expect(RotateJsonSchema.parse(JSON.parse(t.stdout)).adminKey).toEqual({ source: 'env', hint: maskKey(OTHER), storedHint: maskKey(STORED) });
  });
});

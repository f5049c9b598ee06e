// An admin key admin-key recorded as lacking a permission (`cannot`), given it since: the next spend
// that reads the costs, or rotate that writes a service account, with that same admin key forgets
// the record, so that status no longer says it lacks the permission. A record of another admin key
// (OPENAI_ADMIN_KEY holding another), or of the other permission, stays.
import { describe, expect, it } from 'vitest';
import { run as adminKey } from '../../src/commands/admin-key.js';
import { run as rotate } from '../../src/commands/rotate.js';
import { run as spend } from '../../src/commands/spend.js';
import { run as status } from '../../src/commands/status.js';
import { maskKey } from '../../src/keys/format.js';
import type { TestContext, TestContextOptions } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { organizationWith, recordCheckedKey } from '../helpers/rotatable.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const ADMIN = makeKey('admin', 'unit-admin-cannot-cleared');
const OTHER = makeKey('admin', 'unit-admin-cannot-cleared-other');
const PROJECT = 'proj_AdminCannotCleared000000';
const contexts = trackedContexts();
let keyCount = 0;

/** Profile "default" with a key of PROJECT, and ADMIN stored by admin-key while it had only `scopes`. */
async function setup(scopes: Array<'api.management.read' | 'api.management.write' | 'api.usage.read'>, options: TestContextOptions = {}): Promise<TestContext> {
  const old = makeKey('proj', `unit-admin-cannot-cleared-${keyCount++}`);
  const t = contexts.make({ admin: true, interactive: false, stdin: `${ADMIN}\n`, stdoutIsTTY: false, keychain: { default: old }, ...options });
  organizationWith(t, { admin: ADMIN, project: PROJECT, old });
  t.org.admin.addCost({ day: '2026-03-01', projectId: PROJECT, amount: 1 });
  await recordCheckedKey(t, { old, project: PROJECT });
  t.org.admin.addAdminKey(ADMIN, { scopes });
  expect(await adminKey(t.ctx, { stdin: true, insecureStorage: false, verify: true, json: false })).toBe(0);
  return t;
}

/** What status prints now. */
async function statusSays(t: TestContext): Promise<string> {
  const before = t.stdout.length;
  expect(await status(t.ctx, { json: false })).toBe(0);
  return t.stdout.slice(before);
}

describe('an admin key recorded as lacking a permission, given it since', () => {
  it('spend reading the costs forgets that it cannot read them: status says it serves rotate and spend', async () => {
    const t = await setup(['api.management.read']);
    expect((await t.profile())?.adminKey?.cannot).toBe('spend');
    t.org.admin.addAdminKey(ADMIN);
    expect(await spend(t.ctx, { json: false })).toBe(0);
    expect((await t.profile())?.adminKey).not.toHaveProperty('cannot');
    expect((await t.profile())?.adminKey?.hint).toBe(maskKey(ADMIN));
    const said = await statusSays(t);
    expect(said).toContain(`✔ Admin key ${maskKey(ADMIN)} in the Secret Service keyring (for rotate and spend)`);
    expect(said).not.toContain('cannot read costs');
  });

  it('rotate writing a service account forgets that it cannot serve rotate', async () => {
    const t = await setup(['api.usage.read']);
    expect((await t.profile())?.adminKey?.cannot).toBe('rotate');
    t.org.admin.addAdminKey(ADMIN);
    expect(await rotate(t.ctx, { keepOld: false, yes: true, json: false })).toBe(0);
    expect((await t.profile())?.adminKey).not.toHaveProperty('cannot');
    expect(await statusSays(t)).toContain(`✔ Admin key ${maskKey(ADMIN)} in the Secret Service keyring (for rotate and spend)`);
  });

  it('a record of the other permission, or of another admin key than the one used, stays', async () => {
    // Lacking the costs: a rotate says nothing of them.
    const t = await setup(['api.management.read', 'api.management.write']);
    t.org.admin.addAdminKey(ADMIN);
    expect(await rotate(t.ctx, { keepOld: false, yes: true, json: false })).toBe(0);
    expect((await t.profile())?.adminKey?.cannot).toBe('spend');

    // OPENAI_ADMIN_KEY holding another admin key, which works: the stored one's record stays, for spend and rotate alike.
    const u = await setup(['api.management.read'], { env: { OPENAI_ADMIN_KEY: OTHER } });
    u.org.admin.addAdminKey(OTHER);
    expect(await spend(u.ctx, { json: false })).toBe(0);
    expect((await u.profile())?.adminKey).toMatchObject({ hint: maskKey(ADMIN), cannot: 'spend' });
    await u.ctx.state.updateProfile('default', (p) => void (p.adminKey!.cannot = 'rotate'));
    expect(await rotate(u.ctx, { keepOld: false, yes: true, json: false })).toBe(0);
    expect((await u.profile())?.adminKey).toMatchObject({ hint: maskKey(ADMIN), cannot: 'rotate' });
  });
});

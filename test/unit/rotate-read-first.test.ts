// rotate with an admin key that may not read: found before anything is made (a key that could
// create but not list would store a new key and leave the old one live), and every permission
// rotate needs is named, as admin-key names them. And an old key its project's list does not hold
// that the API rejects: revoked already, said so (not "revoke it yourself").
import { describe, expect, it } from 'vitest';
import { run as rotate, RotateJsonSchema } from '../../src/commands/rotate.js';
import { maskKey } from '../../src/keys/format.js';
import { outcomeOf, type TestContext } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { organizationWith, recordCheckedKey } from '../helpers/rotatable.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const ADMIN = makeKey('admin', 'unit-rotate-read-first');
const PROJECT = 'proj_RotateReadFirst000000000';
const contexts = trackedContexts();
let keyCount = 0;

type Scope = 'api.management.read' | 'api.management.write' | 'api.usage.read';

async function setup(scopes: Scope[]): Promise<TestContext & { old: string }> {
  const old = makeKey('proj', `unit-rotate-read-first-${keyCount++}`);
  const t = contexts.make({ admin: true, keychain: { default: old, 'default:admin': ADMIN } });
  organizationWith(t, { admin: ADMIN, project: PROJECT, old });
  t.org.admin.addAdminKey(ADMIN, { scopes });
  await recordCheckedKey(t, { old, project: PROJECT });
  return Object.assign(t, { old });
}

/**
 * rotate (no --json) with an admin key of `scopes`: refused (exit 5) for the permission `lacking`,
 * needed for `neededFor`, naming both rotate needs; the old key said to be stored and working, and
 * no service account made.
 */
async function refusedLacking(scopes: Scope[], lacking: Scope, neededFor: string) {
  const t = await setup(scopes);
  const result = await outcomeOf(rotate(t.ctx, { keepOld: false, yes: true, json: false }));
  expect(result.code).toBe(5);
  expect(result.message).toBe(
    `The admin key ${maskKey(ADMIN)} lacks the permission ${lacking}, needed for ${neededFor}: rotate cannot use it (rotate needs api.management.read and api.management.write). Nothing was changed: ${maskKey(t.old)} is still stored and works.`,
  );
  expect(t.org.admin.serviceAccounts(PROJECT)).toEqual([]);
  return { t, result };
}

describe('rotate with an admin key that cannot read', () => {
  it('one that may write but not read: refused before the service account is made (exit 5), the old key stored and live, both permissions named', async () => {
    const { t, result } = await refusedLacking(['api.management.write', 'api.usage.read'], 'api.management.read', `listing the service accounts of ${PROJECT}`);
    expect(result.hints[0]).toMatch(/^Give it api\.management\.read and api\.management\.write on the admin keys page, or create an admin key with "All" permissions and store it/);
    expect(t.org.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(t.keychain.keyOf('default')).toBe(t.old);
    expect(t.org.isLive(t.old)).toBe(true);
    expect((await t.profile())?.rotation).toBeUndefined();
  });

  it('a usage-only one: the same, with --json (reason missing_scope, old key unchanged, no new account)', async () => {
    const t = await setup(['api.usage.read']);
    const result = await outcomeOf(rotate(t.ctx, { keepOld: false, yes: true, json: true }));
    expect(result.code).toBe(5);
    const doc = RotateJsonSchema.parse(JSON.parse(t.stdout));
    expect(doc).toMatchObject({ ok: false, exitCode: 5, reason: 'missing_scope', new: null, old: { hint: maskKey(t.old), outcome: 'unchanged' } });
    expect(doc.message).toContain('rotate cannot use it (rotate needs api.management.read and api.management.write)');
    expect(doc.fix).toMatch(/^Give it api\.management\.read and api\.management\.write on the admin keys page/);
    expect(t.org.admin.serviceAccounts(PROJECT)).toEqual([]);
  });

  it('one that reads but may not write: the create is refused, naming what rotate needs; nothing was made', async () => {
    await refusedLacking(['api.management.read', 'api.usage.read'], 'api.management.write', `creating a service account in ${PROJECT}`);
  });
});

describe('rotate of a stored key revoked already', () => {
  it('not in its project\'s key list and rejected by the API: said to be revoked already, never "revoke it yourself" nor "restart them before you revoke it" (exit 0)', async () => {
    const t = await setup(['api.management.read', 'api.management.write', 'api.usage.read']);
    const id = t.org.admin.projectKeys(PROJECT).find((k) => k.value === t.old)!.id;
    await t.ctx.api.admin.deleteProjectKey({ key: ADMIN, baseURL: 'https://api.openai.com/v1', timeoutMs: 1000, commandName: 'openai-setup' }, PROJECT, id);
    expect(t.org.isLive(t.old)).toBe(false);
    expect(await rotate(t.ctx, { keepOld: false, yes: true, json: true })).toBe(0);
    const doc = RotateJsonSchema.parse(JSON.parse(t.stdout));
    expect(doc.old).toEqual({
      hint: maskKey(t.old),
      outcome: 'already_revoked',
      page: null,
      message: `${maskKey(t.old)} is not in ${PROJECT}'s key list, and the API rejects it (checked just now): it was revoked or deleted already, so there was nothing to revoke.`,
    });
    expect(t.stderr).not.toMatch(/revoke it yourself|before you revoke it/);
    expect(t.keychain.keyOf('default')).toMatch(/^sk-svcacct-/);
  });

});

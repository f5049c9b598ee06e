// An old key rotate replaced but could not revoke (its DELETE answered 429 or 500): recorded in the
// profile (hint, project, what revoking it deletes; never the key), named by status and doctor, and
// revoked by the next rotate first, which then forgets it.
import { describe, expect, it } from 'vitest';
import { run as doctor } from '../../src/commands/doctor.js';
import { run as rotate, RotateJsonSchema } from '../../src/commands/rotate.js';
import { run as status, StatusJsonSchema } from '../../src/commands/status.js';
import { maskKey } from '../../src/keys/format.js';
import { projectPageUrl } from '../../src/platform.js';
import type { TestContext } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { organizationWith, recordCheckedKey } from '../helpers/rotatable.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const ADMIN = makeKey('admin', 'unit-rotate-pending');
const PROJECT = 'proj_RotatePending0000000000';
const PAGE = projectPageUrl(PROJECT, 'api-keys');
const contexts = trackedContexts();
let keyCount = 0;

/** Profile "default" stores `old`, checked; so do the profiles `sharing`, recorded with its hint. */
async function setup(sharing: string[] = []): Promise<TestContext & { old: string }> {
  const old = makeKey('proj', `unit-rotate-pending-${keyCount++}`);
  const t = contexts.make({ admin: true, keychain: { default: old, 'default:admin': ADMIN, ...Object.fromEntries(sharing.map((name) => [name, old])) } });
  organizationWith(t, { admin: ADMIN, project: PROJECT, old });
  const hint = await recordCheckedKey(t, { old, project: PROJECT });
  for (const name of sharing) await t.ctx.state.updateProfile(name, (p) => void (p.key = { storage: 'keychain', hint, savedAt: '2026-03-01T00:00:00.000Z' }));
  return Object.assign(t, { old });
}

/** A first rotate whose DELETE of the old key answers 429: the old key is recorded as pending. */
async function pendingOld(t: TestContext & { old: string }): Promise<void> {
  t.org.admin.failNext({ method: 'DELETE', path: /\/api_keys\// }, { status: 429, message: 'Rate limit reached.', type: 'requests' });
  expect(await rotate(t.ctx, { keepOld: false, yes: true, json: false })).toBe(6);
  expect((await t.profile())?.pendingRevokes).toHaveLength(1);
}

/** What `run` printed on stdout, alone. */
async function printed(t: TestContext, run: () => Promise<number>): Promise<{ code: number; out: string }> {
  const before = t.stdout.length;
  const code = await run();
  return { code, out: t.stdout.slice(before) };
}

describe('an old key rotate could not revoke', () => {
  it('a 429 on its DELETE: the wait said, the key recorded (not in full), named by status and doctor; the next rotate revokes it first and forgets it', async () => {
    const t = await setup();
    const oldHint = maskKey(t.old);
    t.org.admin.failNext({ method: 'DELETE', path: /\/api_keys\// }, { status: 429, message: 'Rate limit reached.', type: 'requests', headers: { 'retry-after': '20' } });
    const first = await printed(t, () => rotate(t.ctx, { keepOld: false, yes: true, json: false }));
    expect(first.code).toBe(6);
    expect(first.out).toContain(`✖ ${oldHint} could NOT be revoked (Deleting the key `);
    expect(first.out).toContain('the API is limiting requests right now (HTTP 429; try again in 20s))');
    expect(first.out).toContain('The next `openai-setup rotate` tries again first; until then `openai-setup status` names it.');
    expect(t.org.isLive(t.old)).toBe(true);
    const keyId = t.org.admin.projectKeys(PROJECT).find((k) => k.value === t.old)!.id;
    const profile = (await t.profile())!;
    expect(profile.pendingRevokes).toEqual([{ at: '2026-03-02T09:30:00.000Z', keyHint: oldHint, projectId: PROJECT, keyId, serviceAccountId: null, serviceAccountName: null }]);
    expect(JSON.stringify(profile)).not.toContain(t.old);

    const said = await printed(t, () => status(t.ctx, { json: false }));
    expect(said.out).toContain(`! ${oldHint} (${PROJECT}), which rotate replaced on 2026-03-02, could not be revoked then and still works: revoke it on ${PAGE}, or run \`openai-setup rotate\`, which tries again first.`);
    const json = await printed(t, () => status(t.ctx, { json: true }));
    expect(StatusJsonSchema.parse(JSON.parse(json.out)).pendingRevokes).toEqual([{ hint: oldHint, project: PROJECT, at: '2026-03-02T09:30:00.000Z', page: PAGE, interrupted: false, retried: true }]);
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 42 });
    await printed(t, () => doctor(t.ctx, { json: false }));
    expect(t.stdout).toMatch(new RegExp(`! Old key +${oldHint.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(${PROJECT}\\), which rotate replaced on 2026-03-02, could not be revoked then and still works\\n +→ Revoke it on ${PAGE.replace(/[/.]/g, '\\$&')}, or run \`openai-setup rotate\`, which tries again first\\.`));

    // The next rotate: the recorded key first (deleted by its id), then its own old key (the first rotate's service account).
    const [firstAccount] = t.org.admin.serviceAccounts(PROJECT);
    const firstNew = t.keychain.keyOf('default')!;
    const second = await printed(t, () => rotate(t.ctx, { keepOld: false, yes: true, json: true }));
    expect(second.code).toBe(0);
    expect(t.org.isLive(t.old)).toBe(false);
    expect(t.org.isLive(firstNew)).toBe(false);
    expect(t.org.admin.serviceAccounts(PROJECT).map((a) => a.id)).not.toContain(firstAccount!.id);
    const doc = RotateJsonSchema.parse(JSON.parse(second.out));
    expect(doc.earlierOld).toEqual([{ hint: oldHint, project: PROJECT, revoked: true, page: null, message: `Revoked ${oldHint}, which an earlier rotate replaced but could not revoke: deleted the key ${keyId} from ${PROJECT}.` }]);
    expect(doc.old).toMatchObject({ hint: maskKey(firstNew), outcome: 'service_account_deleted' });
    expect((await t.profile())?.pendingRevokes).toBeUndefined();
  });

  it("a 500 on deleting an earlier rotate's service account: recorded by that account; a retry failing again keeps it and the run goes on; one answered 404 (deleted by hand) is forgotten", async () => {
    const t = await setup();
    expect(await rotate(t.ctx, { keepOld: false, yes: true, json: false })).toBe(0);
    const [account] = t.org.admin.serviceAccounts(PROJECT);
    const rotated = t.keychain.keyOf('default')!;
    t.org.admin.failNext({ method: 'DELETE', path: /\/service_accounts\/svc_acct_/ }, { status: 500 });
    expect(await rotate(t.ctx, { keepOld: false, yes: true, json: false })).toBe(6);
    expect(t.org.isLive(rotated)).toBe(true);
    expect((await t.profile())?.pendingRevokes).toEqual([
      expect.objectContaining({ keyHint: maskKey(rotated), projectId: PROJECT, keyId: null, serviceAccountId: account!.id, serviceAccountName: account!.name }),
    ]);

    // Tried again first, and failing again: warned of, still recorded; the rotation goes on.
    t.org.admin.failNext({ method: 'DELETE', path: new RegExp(`/service_accounts/${account!.id}$`) }, { status: 500 });
    const again = await printed(t, () => rotate(t.ctx, { keepOld: false, yes: true, json: false }));
    expect(again.code).toBe(0);
    expect(t.stderr).toContain(`! ${maskKey(rotated)}, which an earlier rotate replaced but could not revoke, still could NOT be revoked (Deleting the service account ${account!.id} failed: the OpenAI API had a server error (HTTP 500)): revoke it on ${PAGE}; the next rotate tries again.`);
    expect(t.org.isLive(rotated)).toBe(true);
    expect((await t.profile())?.pendingRevokes).toHaveLength(1);

    // Deleted by hand meanwhile: the retry's 404 means it is gone, and it is forgotten.
    await t.ctx.api.admin.deleteServiceAccount({ key: ADMIN, baseURL: 'https://api.openai.com/v1', timeoutMs: 1000, commandName: 'openai-setup' }, PROJECT, account!.id);
    const gone = await printed(t, () => rotate(t.ctx, { keepOld: false, yes: true, json: false }));
    expect(gone.code).toBe(0);
    expect(gone.out).toContain(`✔ ${maskKey(rotated)}, which an earlier rotate replaced but could not revoke, is gone already (the API no longer has its service account ${account!.name}).`);
    expect((await t.profile())?.pendingRevokes).toBeUndefined();
  });

  it('a pending key another profile still stores is not revoked by the retry, nor any under --keep-old: each said, the record kept; the question names the one it revokes', async () => {
    const t = await setup(['g']);
    const oldHint = maskKey(t.old);
    await pendingOld(t);
    t.prompts.whenConfirm(/^Rotate the key of profile "default"/, true);
    expect(await rotate(t.ctx, { keepOld: false, yes: false, json: false })).toBe(0);
    expect(t.prompts.messages.at(-1)).not.toContain('revoked first');
    expect(t.stderr).toContain(`! ${oldHint}, which an earlier rotate replaced but could not revoke, was not revoked: profile "g" may still use it. Revoke it on ${PAGE} once nothing uses it; it stays recorded.`);
    expect(t.org.isLive(t.old)).toBe(true);
    expect((await t.profile())?.pendingRevokes).toEqual([expect.objectContaining({ keyHint: oldHint })]);

    const u = await setup();
    const uHint = maskKey(u.old);
    await pendingOld(u);
    const kept = await printed(u, () => rotate(u.ctx, { keepOld: true, yes: true, json: true }));
    expect(kept.code).toBe(0);
    expect(u.org.isLive(u.old)).toBe(true);
    const message = `${uHint}, which an earlier rotate replaced but could not revoke, was left live (--keep-old): revoke it on ${PAGE} once nothing uses it; it stays recorded.`;
    expect(RotateJsonSchema.parse(JSON.parse(kept.out)).earlierOld).toEqual([{ hint: uHint, project: PROJECT, revoked: false, page: PAGE, message }]);
    expect(u.stderr).toContain(`! ${message}`);
    expect((await u.profile())?.pendingRevokes).toHaveLength(1);
    // Asked without --keep-old: the question names it, and it is revoked.
    u.prompts.whenConfirm(/^Rotate the key of profile "default"/, true);
    expect(await rotate(u.ctx, { keepOld: false, yes: false, json: false })).toBe(0);
    expect(u.prompts.messages.at(-1)).toMatch(new RegExp(`then it is revoked; ${uHint.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, which an earlier rotate replaced but could not revoke, is revoked first\\?$`));
    expect(u.org.isLive(u.old)).toBe(false);
    expect((await u.profile())?.pendingRevokes).toBeUndefined();
  });

  it('a 404 for its project (the admin key now of another organization) is no sign it is gone: the record is kept, and warned of', async () => {
    const t = await setup();
    const oldHint = maskKey(t.old);
    await pendingOld(t);
    t.org.admin.failNext({ method: 'DELETE', path: /\/api_keys\// }, { status: 404, message: `Project with ID '${PROJECT}' not found.`, type: 'invalid_request_error' });
    expect(await rotate(t.ctx, { keepOld: false, yes: true, json: false })).toBe(0);
    expect(t.stdout).not.toContain('is gone already');
    expect(t.stderr).toContain(`! ${oldHint}, which an earlier rotate replaced but could not revoke, still could NOT be revoked (`);
    expect(t.stderr).toContain(`): revoke it on ${PAGE}; the next rotate tries again. The admin key may be for another organization than ${PROJECT}.`);
    expect(t.org.isLive(t.old)).toBe(true);
    expect((await t.profile())?.pendingRevokes).toEqual([expect.objectContaining({ keyHint: oldHint })]);
  });

  it("the old key's own revoke answered 404 for its project (an admin key of another organization): not \"already deleted\" but not revoked, said why, and recorded as pending", async () => {
    const t = await setup();
    expect(await rotate(t.ctx, { keepOld: false, yes: true, json: false })).toBe(0);
    const [account] = t.org.admin.serviceAccounts(PROJECT);
    const rotated = t.keychain.keyOf('default')!;
    const hint = maskKey(rotated);
    t.org.admin.failNext({ method: 'DELETE', path: new RegExp(`/service_accounts/${account!.id}$`) }, { status: 404, message: `Project with ID '${PROJECT}' not found.`, type: 'invalid_request_error' });
    const second = await printed(t, () => rotate(t.ctx, { keepOld: false, yes: true, json: true }));
    expect(second.code).toBe(5);
    const doc = RotateJsonSchema.parse(JSON.parse(second.out));
    expect(doc.old).toMatchObject({ hint, outcome: 'failed', page: PAGE });
    expect(doc.reason).toBe('not_found');
    expect(doc.old!.message).toContain(`${hint} could NOT be revoked (`);
    expect(doc.old!.message).toContain(`The admin key may be for another organization than ${PROJECT}.`);
    expect(doc.old!.message).not.toContain('already deleted');
    expect(t.org.isLive(rotated)).toBe(true);
    expect((await t.profile())?.pendingRevokes).toEqual([
      expect.objectContaining({ keyHint: hint, projectId: PROJECT, keyId: null, serviceAccountId: account!.id, serviceAccountName: account!.name }),
    ]);
  });

  it("the old key's service account deleted by hand meanwhile (a 404 for the account itself): already gone, nothing recorded", async () => {
    const t = await setup();
    expect(await rotate(t.ctx, { keepOld: false, yes: true, json: false })).toBe(0);
    const [account] = t.org.admin.serviceAccounts(PROJECT);
    const rotated = t.keychain.keyOf('default')!;
    await t.ctx.api.admin.deleteServiceAccount({ key: ADMIN, baseURL: 'https://api.openai.com/v1', timeoutMs: 1000, commandName: 'openai-setup' }, PROJECT, account!.id);
    const second = await printed(t, () => rotate(t.ctx, { keepOld: false, yes: true, json: true }));
    expect(second.code).toBe(0);
    expect(RotateJsonSchema.parse(JSON.parse(second.out)).old).toMatchObject({ hint: maskKey(rotated), outcome: 'already_gone' });
    expect((await t.profile())?.pendingRevokes).toBeUndefined();
  });
});

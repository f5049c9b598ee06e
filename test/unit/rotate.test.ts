// rotate through Context: the real Admin API client over an in-memory organization (whose keys
// stop working when revoked), an in-memory keychain, scripted live checks that ask the
// organization whether a key still works, and a scripted prompter.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAdminApi } from '../../src/api/admin.js';
import type { SdkFetch } from '../../src/api/http.js';
import { run as env } from '../../src/commands/env.js';
import { matchesRedacted, newServiceAccountTag, serviceAccountName } from '../../src/api/rotation.js';
import { run as rotate, RotateJsonSchema, type RotateOptions } from '../../src/commands/rotate.js';
import { maskKey } from '../../src/keys/format.js';
import { projectPageUrl } from '../../src/platform.js';
import { checkResult, outcomeOf, type TestContext, type TestContextOptions } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { organizationWith, recordCheckedKey } from '../helpers/rotatable.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const ADMIN = makeKey('admin', 'unit-rotate');
const PROJECT = 'proj_RotateUnit00000000000000';
const PAGE = projectPageUrl(PROJECT, 'api-keys');

let keyCount = 0;
const contexts = trackedContexts();

/** A machine whose profile "default" holds a user's project key of PROJECT, last checked. */
async function setup(options: TestContextOptions & { lastCheck?: boolean } = {}): Promise<TestContext & { old: string }> {
  const old = makeKey('proj', `unit-rotate-old-${keyCount++}`);
  const t = contexts.make({ admin: true, keychain: { default: old, 'default:admin': ADMIN }, ...options });
  organizationWith(t, { admin: ADMIN, project: PROJECT, old });
  t.org.admin.setKeyMeta(old, { name: 'laptop' });
  if (options.lastCheck !== false) await recordCheckedKey(t, { old, project: PROJECT, keySource: 'the keychain (profile default)' });
  return Object.assign(t, { old });
}

const options = (extra: Partial<RotateOptions> = {}): RotateOptions => ({ keepOld: false, yes: false, json: false, ...extra });
const CONFIRM_ROTATE = /^Rotate the key of profile "default" \(sk-proj-…\S{4}\) in proj_RotateUnit00000000000000: a new service account's key replaces it, then it is revoked\?$/;
const CONFIRM_DELETE = /^Delete the old key "laptop" \(sk-proj-…\S{4}, created 2025-06-21, owned by You\) from proj_RotateUnit00000000000000\? It stops working at once: programs already running with it lose access until restarted\.$/;

function expectNoKeys(t: TestContext, ...keys: string[]): void {
  for (const key of [ADMIN, ...keys]) expect(t.stdout + t.stderr).not.toContain(key);
  expect(t.stdout + t.stderr).not.toMatch(/sk-[A-Za-z0-9_-]{20,}/);
}

describe('the pure parts', () => {
  it('names the service account by profile and UTC time; matches a redacted value by its first 8, last 4 and length', () => {
    expect(serviceAccountName('work', new Date('2026-03-02T09:30:05.123Z'), '3f9a')).toBe('openai-setup-work-20260302T093005Z-3f9a');
    // Runs started in the same second: each its own name (the tag is random).
    const tags = new Set(Array.from({ length: 20 }, () => newServiceAccountTag()));
    expect([...tags].every((tag) => /^[0-9a-f]{4}$/.test(tag))).toBe(true);
    expect(tags.size).toBeGreaterThan(1);
    const key = makeKey('proj', 'redacted');
    const redacted = `${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}`;
    expect(matchesRedacted(redacted, key)).toBe(true);
    expect(matchesRedacted(redacted.slice(1), key)).toBe(false);
    expect(matchesRedacted(`${redacted.slice(0, -1)}${key.endsWith('x') ? 'y' : 'x'}`, key)).toBe(false);
    expect(matchesRedacted('sk-proj-...Ab12', 'sk-proj-Ab12')).toBe(false);
  });
});

describe('rotate', () => {
  it('on a terminal without --yes: what is typed from the live check that finds the project to "Rotate …?" is held (dropped); with --yes, or without a terminal, nothing is', async () => {
    const asked = await setup({ lastCheck: false });
    asked.prompts.whenConfirm(CONFIRM_ROTATE, false);
    expect(await rotate(asked.ctx, options())).toBe(0);
    expect(asked.prompts.held).toEqual(['drop']);
    // The check that found the project came after the hold: one check, of the old key.
    expect(asked.api.checks.map((c) => c.key)).toEqual([asked.old]);
    const yes = await setup({ lastCheck: false });
    expect(await rotate(yes.ctx, options({ yes: true }))).toBe(0);
    expect(yes.prompts.held).toEqual([]);
    const noTerminal = await setup({ lastCheck: false, interactive: false });
    expect((await outcomeOf(rotate(noTerminal.ctx, options()))).code).toBe(2);
    expect(noTerminal.prompts.held).toEqual([]);
  });

  it("first rotation of a user's key: a service account's key, checked and stored, then the old key found in the project's list and deleted", async () => {
    const t = await setup();
    t.prompts.whenConfirm(CONFIRM_ROTATE, true).whenConfirm(CONFIRM_DELETE, true);
    expect(await rotate(t.ctx, options())).toBe(0);

    const [sa] = t.org.admin.serviceAccounts(PROJECT);
    expect(sa).toMatchObject({ name: expect.stringMatching(/^openai-setup-default-20260302T093000Z-[0-9a-f]{4}$/), role: 'member' });
    const newKey = t.keychain.keyOf('default')!;
    expect(newKey).toMatch(/^sk-svcacct-/);
    expect(t.org.isLive(newKey)).toBe(true);
    expect(t.org.isLive(t.old)).toBe(false);
    // The new key was checked without a billable request, before anything was revoked.
    expect(t.api.checks.map((c) => [c.key === newKey, c.billingCheck])).toEqual([[true, false]]);
    const profile = (await t.profile())!;
    expect(profile.rotation).toEqual({
      at: '2026-03-02T09:30:00.000Z',
      projectId: PROJECT,
      serviceAccountId: sa!.id,
      serviceAccountName: sa!.name,
      keyId: t.org.admin.projectKeys(PROJECT).find((k) => k.value === newKey)!.id,
      keyHint: `sk-svcacct-…${newKey.slice(-4)}`,
    });
    expect(profile.key?.hint).toBe(`sk-svcacct-…${newKey.slice(-4)}`);
    expect(JSON.stringify(profile)).not.toContain(newKey);
    expect(t.stdout).toContain(`✔ Created the service account ${sa!.name} and its key sk-svcacct-…${newKey.slice(-4)}`);
    expect(t.stdout).toContain(`✔ The new key works (${PROJECT})`);
    expect(t.stdout).toContain(`✔ Stored sk-svcacct-…${newKey.slice(-4)} in the Secret Service keyring in place of sk-proj-…${t.old.slice(-4)}`);
    expect(t.stdout).toContain(`✔ Revoked sk-proj-…${t.old.slice(-4)}: deleted the key "laptop" from ${PROJECT}.`);
    const list = t.org.requests.find((r) => r.path.endsWith('/api_keys') && r.method === 'GET')!;
    expect(new URLSearchParams(list.query).get('owner_project_access')).toBe('any');
    expectNoKeys(t, t.old, newKey);
  });

  it('the next rotation revokes the key an earlier rotate made by deleting its service account', async () => {
    const t = await setup();
    expect(await rotate(t.ctx, options({ yes: true }))).toBe(0);
    const first = t.keychain.keyOf('default')!;
    const [firstAccount] = t.org.admin.serviceAccounts(PROJECT);
    expect(await rotate(t.ctx, options({ yes: true }))).toBe(0);
    const second = t.keychain.keyOf('default')!;
    expect(second).not.toBe(first);
    expect(t.org.isLive(first)).toBe(false);
    expect(t.org.isLive(second)).toBe(true);
    expect(t.org.admin.serviceAccounts(PROJECT).map((sa) => sa.id)).not.toContain(firstAccount!.id);
    expect(t.stdout).toContain(`✔ Revoked sk-svcacct-…${first.slice(-4)}: deleted its service account ${firstAccount!.name}.`);
    // No search of the key list the second time: the account was known.
    expect(t.org.requests.filter((r) => r.path.endsWith('/api_keys') && r.method === 'GET')).toHaveLength(1);
  });

  it('--project naming another project than the old key is recorded in: the new key is made there, the old one revoked in its own project', async () => {
    const OTHER = 'proj_RotateOther0000000000000';
    const t = await setup();
    t.org.admin.addProject({ id: OTHER, name: 'new-home' });
    // The first key rotate makes is in OTHER, the next in PROJECT again.
    let madeInOther: string | undefined;
    const projectOf = (key: string) => (key === t.old ? PROJECT : (madeInOther ??= key) === key ? OTHER : PROJECT);
    t.api.answerEveryCheck((request) => (t.org.isLive(request.key) ? checkResult('valid', { project: projectOf(request.key), billing: 'unchecked' }) : checkResult('invalid_key')));
    t.prompts
      .whenConfirm(/^Rotate the key of profile "default" \(sk-proj-…\S{4}, of proj_RotateUnit00000000000000\) in proj_RotateOther0000000000000: a new service account's key replaces it, then it is revoked\?$/, true)
      .whenConfirm(CONFIRM_DELETE, true);
    expect(await rotate(t.ctx, options({ project: OTHER }))).toBe(0);
    const first = t.keychain.keyOf('default')!;
    expect(t.org.admin.serviceAccounts(OTHER)).toHaveLength(1);
    expect(t.org.isLive(t.old)).toBe(false);
    expect(t.stdout).toContain(`✔ Revoked sk-proj-…${t.old.slice(-4)}: deleted the key "laptop" from ${PROJECT}.`);

    // Back again: the key rotate made in OTHER goes with its service account, in OTHER.
    expect(await rotate(t.ctx, options({ project: PROJECT, yes: true }))).toBe(0);
    expect(t.org.isLive(first)).toBe(false);
    expect(t.org.admin.serviceAccounts(OTHER)).toHaveLength(0);
    expect(t.stdout).toContain(`✔ Revoked sk-svcacct-…${first.slice(-4)}: deleted its service account`);

    // Kept live: the page named is the old key's project's.
    const kept = await setup();
    kept.org.admin.addProject({ id: OTHER });
    kept.api.answerEveryCheck((request) => checkResult('valid', { project: request.key === kept.old ? PROJECT : OTHER, billing: 'unchecked' }));
    expect(await rotate(kept.ctx, options({ project: OTHER, yes: true, keepOld: true }))).toBe(0);
    expect(kept.stdout).toContain(`still works (--keep-old): revoke it on ${PAGE} once nothing uses it.`);
  });

  it('--keep-old leaves the old key live and names the page; --json prints data only', async () => {
    const t = await setup();
    expect(await rotate(t.ctx, options({ yes: true, keepOld: true, json: true }))).toBe(0);
    const data = RotateJsonSchema.parse(JSON.parse(t.stdout));
    expect(data).toMatchObject({ ok: true, exitCode: 0, profile: 'default', project: PROJECT, old: { outcome: 'kept', page: PAGE }, new: { storage: 'keychain', serviceAccountName: expect.stringMatching(/^openai-setup-default-20260302T093000Z-[0-9a-f]{4}$/) } });
    expect(data.old?.message).toBe(`sk-proj-…${t.old.slice(-4)} still works (--keep-old): revoke it on ${PAGE} once nothing uses it.`);
    expect(t.org.isLive(t.old)).toBe(true);
    expectNoKeys(t, t.old, t.keychain.keyOf('default')!);
  });

  it('an old key that is not in the list, or matches twice, is left live with the page named (exit 0)', async () => {
    const t = await setup();
    t.org.admin.setKeyMeta(t.old, { name: 'laptop' });
    // Another key of the project with the same first 8, last 4 and length.
    const twin = `${t.old.slice(0, 20)}${t.old[20] === 'A' ? 'B' : 'A'}${t.old.slice(21)}`;
    t.org.addKey(twin, { scenario: 'valid', project: PROJECT });
    t.org.admin.setKeyMeta(twin, { name: 'ci' });
    expect(await rotate(t.ctx, options({ yes: true }))).toBe(0);
    expect(t.stdout).toContain(`! 2 keys in ${PROJECT} could be sk-proj-…${t.old.slice(-4)} ("laptop", "ci"): revoke the right one on ${PAGE}.`);
    expect(t.org.isLive(t.old)).toBe(true);

    const u = await setup();
    const elsewhere = makeKey('proj', 'unit-rotate-elsewhere');
    u.org.addKey(elsewhere, { scenario: 'valid', project: 'proj_Elsewhere000000000000000' });
    u.keychain.setPassword('openai-setup', 'default', elsewhere);
    await u.ctx.state.updateProfile('default', (p) => {
      p.lastVerify!.keyHint = `sk-proj-…${elsewhere.slice(-4)}`;
    });
    expect(await rotate(u.ctx, options({ yes: true }))).toBe(0);
    expect(u.stdout).toContain(`! sk-proj-…${elsewhere.slice(-4)} is not in ${PROJECT}'s key list: revoke it yourself on ${PAGE}`);
    expect(u.org.isLive(elsewhere)).toBe(true);
  });

  it("a user key (sk-None-, legacy sk-) is in no project's key list: the new key made and stored, the old one left live with the user keys page named (exit 0, as a key not found)", async () => {
    const USER_KEYS_PAGE = 'https://platform.openai.com/settings/profile/api-keys';
    for (const kind of ['none', 'legacy'] as const) {
      const old = makeKey(kind, `unit-rotate-user-${keyCount++}`);
      const t = contexts.make({ admin: true, keychain: { default: old, 'default:admin': ADMIN } });
      organizationWith(t, { admin: ADMIN, project: PROJECT, old });
      await recordCheckedKey(t, { old, project: PROJECT, keySource: 'the keychain (profile default)' });
      const hint = maskKey(old);
      const label = kind === 'none' ? 'user key (not tied to a project)' : 'legacy user key';
      const said = `${hint} is a ${label}, which no project's key list holds, so openai-setup cannot revoke it: revoke it on your user API keys page (${USER_KEYS_PAGE}) once nothing uses it.`;
      if (kind === 'none') {
        // Asked as what it is: not "then it is revoked"; and nothing said of what revoking it does.
        t.prompts.whenConfirm(`Rotate the key of profile "default" (${hint}) in ${PROJECT}: a new service account's key replaces it, then it is left live (a user key: revoke it yourself on your user API keys page)?`, true);
        expect(await rotate(t.ctx, options())).toBe(0);
        expect(t.stdout).toContain(`! ${said}\n`);
        expect(t.stdout).not.toContain('lose access once it is revoked');
      } else {
        expect(await rotate(t.ctx, options({ yes: true, json: true, project: PROJECT }))).toBe(0);
        const data = RotateJsonSchema.parse(JSON.parse(t.stdout));
        expect(data).toMatchObject({ ok: true, exitCode: 0, project: PROJECT, old: { hint, outcome: 'user_key', page: USER_KEYS_PAGE, message: said } });
      }
      const newKey = t.keychain.keyOf('default')!;
      expect(newKey).toMatch(/^sk-svcacct-/);
      expect(t.org.isLive(newKey)).toBe(true);
      expect(t.org.isLive(old)).toBe(true);
      // Not looked for, nor deleted: no key list holds it.
      expect(t.org.requests.filter((r) => r.path.includes('/api_keys'))).toEqual([]);
      expect(t.stdout + t.stderr).not.toContain(PAGE);
      expectNoKeys(t, old, newKey);
    }
  });

  it("a service-account key named after its account (2024's `sk-<name>-…`), no user's key: looked for in the project's key list and revoked, not left live as a user key", async () => {
    // sk- + `mybot-` and 74 characters, the marker, and 80 (as long as what comes before it).
    const [head, tail] = makeKey('proj', `unit-rotate-named-${keyCount++}`).slice('sk-proj-'.length).split('T3BlbkFJ') as [string, string];
    const old = `sk-mybot-${head}T3BlbkFJ${tail}${tail.slice(0, 6)}`;
    const t = contexts.make({ admin: true, keychain: { default: old, 'default:admin': ADMIN } });
    organizationWith(t, { admin: ADMIN, project: PROJECT, old });
    await recordCheckedKey(t, { old, project: PROJECT, keySource: 'the keychain (profile default)' });
    expect(await rotate(t.ctx, options({ yes: true, json: true, project: PROJECT }))).toBe(0);
    const data = RotateJsonSchema.parse(JSON.parse(t.stdout));
    expect(data.old).toMatchObject({ outcome: 'key_deleted' });
    expect(t.org.isLive(old)).toBe(false);
    expect(t.stdout + t.stderr).not.toContain('user API keys page');
  });

  it('declining the deletion leaves the old key live (exit 0)', async () => {
    const t = await setup();
    t.prompts.whenConfirm(CONFIRM_ROTATE, true).whenConfirm(CONFIRM_DELETE, false);
    expect(await rotate(t.ctx, options())).toBe(0);
    expect(t.org.isLive(t.old)).toBe(true);
    expect(t.stdout).toContain(`sk-proj-…${t.old.slice(-4)} was left live: revoke it on ${PAGE} once nothing uses it.`);
  });

  it('without a recorded project, a live check (no billable request) finds it', async () => {
    const t = await setup({ lastCheck: false });
    expect(await rotate(t.ctx, options({ yes: true }))).toBe(0);
    expect(t.api.checks.map((c) => [c.key === t.old, c.billingCheck])).toEqual([
      [true, false],
      [false, false],
    ]);
    expect(t.org.isLive(t.old)).toBe(false);
  });

  it('a new key that fails its check: nothing stored, the new service account deleted, the old key kept', async () => {
    const t = await setup();
    t.api.answerEveryCheck((request) => (request.key === t.old ? checkResult('valid', { project: PROJECT }) : checkResult('invalid_key')));
    const result = await outcomeOf(rotate(t.ctx, options({ yes: true })));
    expect(result.code).toBe(3);
    expect(result.message).toMatch(
      new RegExp(`^The new key failed its check: The API rejected the key: it is wrong, revoked or deleted \\(the API cannot tell these apart\\)\\. Nothing was stored\\. The new service account openai-setup-default-20260302T093000Z-[0-9a-f]{4} was deleted again; sk-proj-…${t.old.slice(-4)} is still stored and works\\.$`),
    );
    expect(t.keychain.keyOf('default')).toBe(t.old);
    expect(t.org.admin.serviceAccounts(PROJECT)).toEqual([]);
    expect(t.org.isLive(t.old)).toBe(true);
    expect((await t.profile())?.rotation).toBeUndefined();
  });

  it('a new key answering for another project is not stored either', async () => {
    const t = await setup();
    t.api.answerEveryCheck(() => checkResult('valid', { project: 'proj_Other' }));
    const result = await outcomeOf(rotate(t.ctx, options({ yes: true })));
    expect(result.code).toBe(5);
    expect(result.message).toMatch(/^The new key answered for proj_Other, not proj_RotateUnit00000000000000\. Nothing was stored\./);
    expect(t.keychain.keyOf('default')).toBe(t.old);
  });

  it('storing fails: the new service account is deleted and the old key kept (exit 7)', async () => {
    const t = await setup();
    t.keychain.failWith('locked', { ops: ['set'] });
    const result = await outcomeOf(rotate(t.ctx, options({ yes: true })));
    expect(result.code).toBe(7);
    expect(result.message).toMatch(/^Storing the new key failed: The Secret Service keyring is locked and could not be unlocked from here\. Nothing was stored\. The new service account \S+ was deleted again; sk-proj-…\S{4} is still stored and works\.$/);
    expect(t.keychain.keyOf('default')).toBe(t.old);
    expect(t.org.admin.serviceAccounts(PROJECT)).toEqual([]);
    expect(t.org.isLive(t.old)).toBe(true);
  });

  it('creating the service account fails: nothing changed; undoing fails: says what to delete by hand', async () => {
    const t = await setup();
    // Refused with an answer: nothing was made (a create without an answer is rotate-create-unknown.test.ts's).
    t.org.admin.failNext({ method: 'POST', path: /service_accounts$/ }, { status: 429 });
    const created = await outcomeOf(rotate(t.ctx, options({ yes: true })));
    expect(created.code).toBe(6);
    expect(created.message).toMatch(/^Creating a service account in proj_RotateUnit00000000000000 failed: the API is limiting requests right now \(HTTP 429\)\. Nothing was changed: sk-proj-…\S{4} is still stored and works\.$/);
    expect(t.keychain.keyOf('default')).toBe(t.old);

    const u = await setup();
    u.keychain.failWith('denied', { ops: ['set'] });
    u.org.admin.failNext({ method: 'DELETE', path: /service_accounts\/svc_acct_/ }, { status: 503 });
    const stuck = await outcomeOf(rotate(u.ctx, options({ yes: true })));
    expect(stuck.code).toBe(7);
    expect(stuck.message).toMatch(new RegExp(`The new service account \\S+ \\(svc_acct_\\w+\\) could NOT be deleted \\(Deleting the service account svc_acct_\\w+ failed: the OpenAI API had a server error \\(HTTP 503\\)\\): delete it on ${PAGE.replace(/[/.]/g, '\\$&')}; sk-proj-…\\S{4} is still stored and works\\.$`));
    expect(u.org.admin.serviceAccounts(PROJECT)).toHaveLength(1);
  });

  it("a service account's key the API will not delete: the new key stays, the failure is named (exit 5)", async () => {
    const t = await setup();
    // The stored key belongs to a service account someone else made.
    const created = await t.ctx.api.admin.createServiceAccount({ key: ADMIN, baseURL: 'https://api.openai.com/v1', timeoutMs: 1000, commandName: 'openai-setup' }, PROJECT, 'ci-bot');
    await t.ctx.keys.set('default', created.key.value, false);
    await t.ctx.state.updateProfile('default', (p) => {
      p.lastVerify!.keyHint = `sk-svcacct-…${created.key.value.slice(-4)}`;
    });
    const result = await rotate(t.ctx, options({ yes: true }));
    expect(result).toBe(5);
    expect(t.stdout).toMatch(/✖ sk-svcacct-…\S{4} could NOT be revoked \(Deleting the key key_\w+ was refused \(HTTP 400\): API keys owned by a service account cannot be deleted; delete the service account instead\)\. It belongs to the service account ci-bot; the API may only delete such a key with its account\. Revoke it on /);
    expect(t.stdout).toContain('The new key is stored and works.');
    expect(t.keychain.keyOf('default')).toMatch(/^sk-svcacct-/);
    expect(t.keychain.keyOf('default')).not.toBe(created.key.value);

    const allowed = await setup();
    allowed.org.admin.toggles.serviceAccountKeyDelete = 'allow';
    const other = await allowed.ctx.api.admin.createServiceAccount({ key: ADMIN, baseURL: 'https://api.openai.com/v1', timeoutMs: 1000, commandName: 'openai-setup' }, PROJECT, 'ci-bot');
    await allowed.ctx.keys.set('default', other.key.value, false);
    await allowed.ctx.state.updateProfile('default', (p) => {
      p.lastVerify!.keyHint = `sk-svcacct-…${other.key.value.slice(-4)}`;
    });
    expect(await rotate(allowed.ctx, options({ yes: true }))).toBe(0);
    expect(allowed.org.isLive(other.key.value)).toBe(false);
  });

  it('a create answered without the new key (api_key null): an answer not as documented, exit 6 server_error, the account deleted again', async () => {
    const t = await setup();
    const org = t.org.fetch;
    t.api.admin = createAdminApi({
      env: {},
      fetch: (async (input: string | URL | Request, init: RequestInit = {}) => {
        const answer = await org(input, init);
        if ((init.method ?? 'GET') !== 'POST' || !String(input).endsWith('/service_accounts')) return answer;
        return new Response(JSON.stringify({ ...((await answer.json()) as object), api_key: null }), { headers: { 'content-type': 'application/json' } });
      }) as unknown as SdkFetch,
    });
    const result = await outcomeOf(rotate(t.ctx, options({ yes: true, json: true })));
    expect(result.code).toBe(6);
    expect(result.message).toMatch(
      new RegExp(
        `^Creating a service account in ${PROJECT} failed: the API answered with the service account openai-setup-default-20260302T093000Z-[0-9a-f]{4} but without its key, not as the Admin API documents its answer\\. The new service account \\S+ was deleted again; sk-proj-…${t.old.slice(-4)} is still stored and works\\.$`,
      ),
    );
    expect(result.hints).toEqual(['Try again in a few minutes; if it persists, update openai-setup (the Admin API may have changed since this version).']);
    expect(RotateJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({ ok: false, exitCode: 6, reason: 'server_error', new: null, old: { outcome: 'unchanged' } });
    expect(t.org.admin.serviceAccounts(PROJECT)).toEqual([]);
    expect(t.keychain.keyOf('default')).toBe(t.old);
    expect(t.org.isLive(t.old)).toBe(true);
  });

  it('a create answered without its key, and the undo\'s delete answered 404: the account is gone, said so, not "could NOT be deleted"', async () => {
    const t = await setup();
    const org = t.org.fetch;
    t.api.admin = createAdminApi({
      env: {},
      fetch: (async (input: string | URL | Request, init: RequestInit = {}) => {
        const answer = await org(input, init);
        const method = init.method ?? 'GET';
        // Deleted, and answered as an account the API no longer has (a delete that came twice).
        if (method === 'DELETE' && String(input).includes('/service_accounts/')) return new Response(JSON.stringify({ error: { message: 'Not found', type: 'invalid_request_error' } }), { status: 404, headers: { 'content-type': 'application/json' } });
        if (method !== 'POST' || !String(input).endsWith('/service_accounts')) return answer;
        return new Response(JSON.stringify({ ...((await answer.json()) as object), api_key: null }), { headers: { 'content-type': 'application/json' } });
      }) as unknown as SdkFetch,
    });
    const result = await outcomeOf(rotate(t.ctx, options({ yes: true, json: true })));
    expect(result.code).toBe(6);
    expect(result.message).toMatch(new RegExp(`without its key, not as the Admin API documents its answer\\. The new service account \\S+ is gone already \\(the API no longer has it\\); sk-proj-…${t.old.slice(-4)} is still stored and works\\.$`));
    expect(result.message).not.toContain('could NOT be deleted');
    expect(RotateJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({ ok: false, exitCode: 6, reason: 'server_error', new: null, old: { outcome: 'unchanged' } });
    expect(t.org.admin.serviceAccounts(PROJECT)).toEqual([]);
    expect(t.keychain.keyOf('default')).toBe(t.old);
  });

  it('needs an admin key and a key (or --project); without a terminal it needs --yes before anything is sent', async () => {
    const none = contexts.make({ admin: true, keychain: { default: makeKey('proj', 'x') } });
    expect((await outcomeOf(rotate(none.ctx, options()))).code).toBe(2);

    const noKey = contexts.make({ admin: true, keychain: { 'default:admin': ADMIN } });
    const missing = await outcomeOf(rotate(noKey.ctx, options({ yes: true })));
    expect(missing).toMatchObject({ code: 2, message: 'No key is stored for profile "default", so there is no project to rotate in.' });

    const t = await setup({ interactive: false });
    const usage = await outcomeOf(rotate(t.ctx, options()));
    expect(usage.code).toBe(2);
    expect(usage.message).toMatch(/no interactive terminal\. Pass --yes to rotate without asking\./);
    expect(t.org.requests).toEqual([]);
  });

  it("the check finding the key's project fails: that failure's exit code and reason (not a usage error), and a rejected key is never said to work", async () => {
    const cases = [
      { answer: checkResult('invalid_key'), code: 3, reason: 'invalid_api_key', said: 'The API rejected the key: it is wrong, revoked or deleted (the API cannot tell these apart)' },
      { answer: checkResult('server_error', { reason: 'http_503', message: 'The OpenAI API had a server error (HTTP 503); this is not a problem with your key.' }), code: 6, reason: 'http_503', said: 'The OpenAI API had a server error (HTTP 503); this is not a problem with your key' },
    ];
    for (const { answer, code, reason, said } of cases) {
      const t = await setup({ lastCheck: false });
      t.api.answerChecks(answer);
      const hint = `sk-proj-…${t.old.slice(-4)}`;
      const result = await outcomeOf(rotate(t.ctx, options({ yes: true, json: true })));
      expect(result.code).toBe(code);
      expect(result.message).toBe(`Could not tell which project ${hint} belongs to: ${said}. Nothing was changed.`);
      expect(result.hints.at(-1)).toBe('Or name the project:  openai-setup rotate --project proj_…');
      const doc = RotateJsonSchema.parse(JSON.parse(t.stdout));
      expect(doc).toMatchObject({ ok: false, exitCode: code, reason, project: null, new: null, old: { hint, outcome: 'unchanged', message: `${hint} is still stored; nothing was changed.` } });
      expect(t.stdout).not.toMatch(/still stored and works/);
      // Nothing was made or revoked.
      expect(t.org.requests.filter((r) => r.method !== 'GET')).toEqual([]);
      expect(t.keychain.keyOf('default')).toBe(t.old);
    }
    // The key works, but the API did not say its project: name it (a usage error, as before).
    const t = await setup({ lastCheck: false });
    t.api.answerChecks(checkResult('valid', { project: null }));
    expect(await outcomeOf(rotate(t.ctx, options({ yes: true })))).toMatchObject({ code: 2, message: `Could not tell which project sk-proj-…${t.old.slice(-4)} belongs to (the API did not say).` });
  });

  it('--project with no key stored: creates and stores a key, nothing to revoke', async () => {
    const t = contexts.make({ admin: true, keychain: { 'default:admin': ADMIN } });
    t.org.admin.addAdminKey(ADMIN);
    t.org.admin.addProject({ id: PROJECT });
    t.api.answerEveryCheck(() => checkResult('valid', { project: PROJECT }));
    expect(await rotate(t.ctx, options({ yes: true, project: PROJECT }))).toBe(0);
    expect(t.keychain.keyOf('default')).toMatch(/^sk-svcacct-/);
    expect(t.stdout).toContain('There was no old key.');
  });

  it('OPENAI_API_KEY in the shell set to the old key: "no longer works" once it was revoked, after the question; "still works" when it was not', async () => {
    const t = await setup();
    t.ctx.env.OPENAI_API_KEY = t.old;
    let before = '';
    t.prompts.whenConfirm(CONFIRM_ROTATE, true).whenConfirm(CONFIRM_DELETE, true);
    const confirm = t.prompts.confirm.bind(t.prompts);
    t.prompts.confirm = async (message: string) => {
      if (CONFIRM_DELETE.test(message)) before = t.stderr;
      return confirm(message);
    };
    expect(await rotate(t.ctx, options())).toBe(0);
    // Nothing said of it before the old key was deleted.
    expect(before).not.toContain('OPENAI_API_KEY');
    expect(t.stderr).toContain('! OPENAI_API_KEY in this shell is the old key, which no longer works: unset it and start programs with `openai-setup run`.');
    expect(t.stderr).not.toContain('stops working now');

    for (const keepOld of [true, false]) {
      const u = await setup();
      u.ctx.env.OPENAI_API_KEY = u.old;
      // --keep-old with --yes; declining the deletion without.
      if (!keepOld) u.prompts.whenConfirm(CONFIRM_ROTATE, true).whenConfirm(CONFIRM_DELETE, false);
      expect(await rotate(u.ctx, options({ keepOld, yes: keepOld }))).toBe(0);
      expect(u.org.isLive(u.old)).toBe(true);
      expect(u.stderr).toContain('! OPENAI_API_KEY in this shell is the old key, which still works until it is revoked: unset it and start programs with `openai-setup run` to use the new one.');
      expect(u.stderr).not.toContain('no longer works');
    }
  });

  it('names the profile in every command it recommends', async () => {
    const t = await setup();
    const old = t.keychain.keyOf('default')!;
    await t.ctx.keys.set('work', old, false);
    await t.ctx.keys.set('work:admin', ADMIN, false);
    await t.ctx.state.updateProfile('work', (p) => {
      p.lastVerify = { at: '2026-03-01T00:00:00.000Z', status: 'valid', ok: true, keyHint: `sk-proj-…${old.slice(-4)}`, keySource: 'x', organization: null, project: PROJECT, tier: null, billing: 'ok', message: 'ok' };
    });
    t.ctx.env.OPENAI_API_KEY = old;
    expect(await rotate(t.ctx, options({ yes: true, profile: 'work' }))).toBe(0);
    expect(t.stderr).toContain('start programs with `openai-setup run --profile work`');
    expect(t.stdout.replace(/\s+/g, ' ')).toContain('Programs started with `openai-setup run --profile work` get the new key from now on; ones already running with the old key lost access when it was revoked and must be restarted (next time, `openai-setup rotate --profile work --keep-old` leaves the old key live until you revoke it).');

    const none = contexts.make({ admin: true, keychain: { 'work:admin': ADMIN } });
    const missing = await outcomeOf(rotate(none.ctx, options({ yes: true, profile: 'work' })));
    expect(missing.hints.join('\n')).toContain('Name the project (`openai-setup rotate --project proj_… --profile work`), or store a key first (it asks for the key, hidden):  openai-setup key --profile work');
  });
});

describe('rotate: the `key` command its advice names stores the key where this machine keeps it', () => {
  it('no key stored and no keychain here, without a terminal: the pipe into the --insecure-storage file', async () => {
    const t = contexts.make({ admin: true, interactive: false });
    t.keychain.failWith('no-service');
    await t.ctx.keys.set('work:admin', ADMIN, true);
    const { code, hints } = await outcomeOf(rotate(t.ctx, options({ yes: true, profile: 'work' })));
    expect(code).toBe(2);
    expect(hints).toEqual(['Name the project (`openai-setup rotate --project proj_… --profile work`), or store a key first (pipe the key in, in place of …):  … | openai-setup key --profile work --stdin --insecure-storage']);
  });

  it('the old key, kept in the file, fails the check that finds its project: the fix stores the next one there', async () => {
    const t = await setup({ lastCheck: false });
    await t.ctx.keys.set('default', t.old, true);
    t.api.answerChecks(checkResult('invalid_key'));
    expect((await outcomeOf(rotate(t.ctx, options({ yes: true })))).code).toBe(3);
    expect(t.api.checks.map((c) => c.storeKey?.command)).toEqual(['openai-setup key --insecure-storage']);
  });

  it('the new key fails its check, the old one kept in the file: the fix stores one there', async () => {
    const t = await setup();
    await t.ctx.keys.set('default', t.old, true);
    t.api.answerChecks(checkResult('invalid_key'));
    expect((await outcomeOf(rotate(t.ctx, options({ yes: true })))).code).toBe(3);
    expect(t.api.checks.map((c) => c.storeKey?.command)).toEqual(['openai-setup key --insecure-storage']);
  });
});

describe('rotate and programs already running with the old key', () => {
  // They read the key when they started (`openai-setup run`, or given it otherwise): the new key
  // stored does not reach them, and revoking the old one cuts them off until they are restarted.
  const flat = (text: string) => text.replace(/\s+/g, ' ');

  it('revoked: said before the first question, in the question to delete it, and after, with --keep-old named', async () => {
    const t = await setup();
    let before = '';
    const confirm = t.prompts.confirm.bind(t.prompts);
    t.prompts.confirm = async (message: string) => {
      if (CONFIRM_ROTATE.test(message)) before = t.stdout;
      return confirm(message);
    };
    t.prompts.whenConfirm(CONFIRM_ROTATE, true).whenConfirm(CONFIRM_DELETE, true);
    expect(await rotate(t.ctx, options())).toBe(0);
    expect(flat(before)).toContain(
      `Programs already running with sk-proj-…${t.old.slice(-4)} (started with \`openai-setup run\` before now, or given it otherwise) lose access once it is revoked, until they are restarted; --keep-old leaves it live.`,
    );
    expect(t.prompts.messages[1]).toMatch(/\? It stops working at once: programs already running with it lose access until restarted\.$/);
    expect(flat(t.stdout)).toContain(
      'Rotated. Programs started with `openai-setup run` get the new key from now on; ones already running with the old key lost access when it was revoked and must be restarted (next time, `openai-setup rotate --keep-old` leaves the old key live until you revoke it).',
    );
  });

  it('--yes: said once the old key is revoked (the next rotate revokes by deleting its service account)', async () => {
    const t = await setup();
    expect(await rotate(t.ctx, options({ yes: true }))).toBe(0);
    expect(await rotate(t.ctx, options({ yes: true }))).toBe(0);
    expect(flat(t.stdout).match(/ones already running with the old key lost access when it was revoked and must be restarted/g)).toHaveLength(2);
  });

  it('left live (--keep-old, declined): they keep it until it is revoked, so restart them first', async () => {
    const live = 'Programs started with `openai-setup run` get the new key from now on; ones already running with the old key keep it until it is revoked: restart them before you revoke it.';
    const kept = await setup();
    expect(await rotate(kept.ctx, options({ yes: true, keepOld: true }))).toBe(0);
    expect(flat(kept.stdout)).toContain(`Rotated. ${live}`);
    const declined = await setup();
    declined.prompts.whenConfirm(CONFIRM_ROTATE, true).whenConfirm(CONFIRM_DELETE, false);
    expect(await rotate(declined.ctx, options())).toBe(0);
    expect(flat(declined.stdout)).toContain(`Rotated. ${live}`);
    expect(flat(kept.stdout + declined.stdout)).not.toContain('lost access');
  });

  it('--keep-old asked: nothing said of lost access', async () => {
    const t = await setup();
    t.prompts.whenConfirm(/then it is left live \(--keep-old\)\?$/, true);
    expect(await rotate(t.ctx, options({ keepOld: true }))).toBe(0);
    expect(t.stdout + t.stderr).not.toMatch(/lose access|lost access/);
  });
});

describe('rotate --json', () => {
  it('a failure still prints its one document: ok false, the exit code, the reason, the message, and where things stand', async () => {
    const t = await setup();
    t.api.answerEveryCheck((request) => (request.key === t.old ? checkResult('valid', { project: PROJECT }) : checkResult('invalid_key')));
    const result = await outcomeOf(rotate(t.ctx, options({ yes: true, json: true })));
    expect(result.code).toBe(3);
    const data = RotateJsonSchema.parse(JSON.parse(t.stdout));
    expect(data).toMatchObject({
      ok: false,
      exitCode: 3,
      reason: 'new_key_check_failed',
      message: result.message,
      profile: 'default',
      project: PROJECT,
      new: null,
      old: { hint: `sk-proj-…${t.old.slice(-4)}`, outcome: 'unchanged', page: null, message: `sk-proj-…${t.old.slice(-4)} is still stored and works.` },
    });
    expectNoKeys(t, t.old);

    // Before anything was done: no admin key (exit 2).
    const none = contexts.make({ admin: true, keychain: { default: t.old } });
    const usage = await outcomeOf(rotate(none.ctx, options({ yes: true, json: true })));
    expect(usage.code).toBe(2);
    expect(RotateJsonSchema.parse(JSON.parse(none.stdout))).toMatchObject({ ok: false, exitCode: 2, reason: 'usage', project: null, new: null, message: usage.message, fix: usage.hints.join('\n') });

    // An Admin API failure: its kind is the reason.
    const refused = await setup();
    refused.org.admin.failNext({ method: 'POST', path: /service_accounts$/ }, { status: 500 });
    expect((await outcomeOf(rotate(refused.ctx, options({ yes: true, json: true })))).code).toBe(6);
    expect(RotateJsonSchema.parse(JSON.parse(refused.stdout))).toMatchObject({ ok: false, exitCode: 6, reason: 'server_error', new: null });
    // The old key could not be revoked: the document says so, and so does stderr (a CI log may keep only that).
    const stuck = await setup();
    stuck.org.admin.failNext({ method: 'DELETE', path: /api_keys\// }, { status: 500 });
    expect(await rotate(stuck.ctx, options({ yes: true, json: true }))).toBe(6);
    expect(RotateJsonSchema.parse(JSON.parse(stuck.stdout))).toMatchObject({ ok: false, exitCode: 6, old: { outcome: 'failed' } });
    expect(stuck.stderr).toMatch(/✖ sk-proj-…\S{4} could NOT be revoked \(.*HTTP 500.*\)\. Revoke it on /);
    expect(stuck.stderr).toContain('The new key is stored and works.');
  });

  it('success carries a message too; declining prints a document (exit 0, nothing changed)', async () => {
    const t = await setup();
    expect(await rotate(t.ctx, options({ yes: true, json: true }))).toBe(0);
    expect(RotateJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({ ok: true, exitCode: 0, reason: null, message: 'Rotated. Programs started with `openai-setup run` get the new key from now on; ones already running with the old key lost access when it was revoked and must be restarted (next time, `openai-setup rotate --keep-old` leaves the old key live until you revoke it).', old: { outcome: 'key_deleted' } });

    const u = await setup();
    u.prompts.whenConfirm(CONFIRM_ROTATE, false);
    expect(await rotate(u.ctx, options({ json: true }))).toBe(0);
    expect(RotateJsonSchema.parse(JSON.parse(u.stdout))).toMatchObject({ ok: true, exitCode: 0, reason: 'declined', message: 'Nothing was changed.', new: null });
  });
});

describe('insecure transport', () => {
  it('is said before the admin key is sent (once, also in --json warnings), as verify says it', async () => {
    for (const env of [{ NODE_TLS_REJECT_UNAUTHORIZED: '0' }, { OPENAI_BASE_URL: 'http://api.example.com/v1' }]) {
      const t = await setup({ env });
      expect(await rotate(t.ctx, options({ yes: true, json: true }))).toBe(0);
      const warning = env.NODE_TLS_REJECT_UNAUTHORIZED ? /NODE_TLS_REJECT_UNAUTHORIZED=0 is set: TLS certificates are not checked/ : /http:\/\/api\.example\.com\/v1 is plain http:\/\/ to another machine/;
      expect(t.stderr.split('\n').filter((line) => warning.test(line))).toHaveLength(1);
      // First where the admin key goes, when that is not OpenAI's; then how.
      const first = env.OPENAI_BASE_URL ? 1 : 0;
      expect(t.stderr.split('\n')[first]).toMatch(warning);
      if (first) expect(t.stderr.split('\n')[0]).toMatch(/^! The admin key is sent to api\.example\.com \(from OPENAI_BASE_URL\), not to the OpenAI API/);
      expect(RotateJsonSchema.parse(JSON.parse(t.stdout)).warnings.filter((w) => warning.test(w))).toHaveLength(1);
    }
  });
});

describe('another server than OpenAI\'s', () => {
  it.each([
    ['the old key\'s project check', false],
    ['the new key\'s check', true],
  ])('--json carries both notices it printed in `warnings`: the admin key\'s and the project key\'s (said at %s)', async (_at, lastCheck) => {
    const t = await setup({ env: { OPENAI_BASE_URL: 'https://llm.example.com/v1' }, lastCheck });
    expect(await rotate(t.ctx, options({ yes: true, json: true }))).toBe(0);
    const said = t.stderr.split('\n').filter((line) => /is sent to .*not to the OpenAI API/.test(line));
    expect(said).toEqual([
      '! The admin key is sent to llm.example.com (from OPENAI_BASE_URL), not to the OpenAI API: whoever runs that server gets a key that manages your whole organization.',
      '! The key is sent to llm.example.com (from OPENAI_BASE_URL), not to the OpenAI API.',
    ]);
    expect(RotateJsonSchema.parse(JSON.parse(t.stdout)).warnings).toEqual(said.map((line) => line.slice(2)));
    // No project recorded: the old key was checked to find it, and that check said the notice.
    expect(t.api.checkedKeys.includes(t.old)).toBe(!lastCheck);
  });
});

describe('rotate and the files `env --file` wrote the old key into', () => {
  it('names each with the command that writes the new key there, changing none; that command works as printed', async () => {
    const t = await setup();
    const dotenv = join(t.cwd, '.env');
    writeFileSync(dotenv, `DEBUG=1\nOPENAI_API_KEY=${t.old}\n`, { mode: 0o600 });
    writeFileSync(join(t.cwd, 'app.env'), `OPENAI_API_KEY=${t.old}\n`, { mode: 0o600 });
    await t.ctx.state.updateProfile('default', (p) => {
      // A file no longer there, and one holding another key: neither is named.
      p.envFiles = [dotenv, join(t.cwd, 'gone.env'), join(t.cwd, 'app.env')];
    });
    writeFileSync(join(t.cwd, 'app.env'), 'OPENAI_API_KEY=sk-proj-something-else\n');
    expect(await rotate(t.ctx, options({ yes: true, json: true }))).toBe(0);
    const newKey = t.keychain.keyOf('default')!;
    const named = `.env still holds the old key sk-proj-…${t.old.slice(-4)}, which no longer works (written there by \`openai-setup env --file .env\`); to write the new key there:  openai-setup env --file .env`;
    expect(t.stderr).toContain(`! ${named}\n`);
    expect(t.stderr).not.toContain('gone.env');
    expect(t.stderr).not.toContain('app.env');
    expect(RotateJsonSchema.parse(JSON.parse(t.stdout)).warnings).toEqual([named]);
    expect(readFileSync(dotenv, 'utf8')).toBe(`DEBUG=1\nOPENAI_API_KEY=${t.old}\n`);

    // The command as printed: env --file .env (outside a git repository, it says so and writes).
    expect(await env(t.ctx, { file: '.env', force: false, gitignore: false })).toBe(0);
    expect(readFileSync(dotenv, 'utf8')).toBe(`DEBUG=1\nOPENAI_API_KEY=${newKey}\n`);
    expectNoKeys(t, t.old, newKey);
  });
});

describe('rotate and the files `env --file` wrote, for a profile other than the default', () => {
  it('after `use work`, rotate --profile default names `env --profile default --file`', async () => {
    const t = await setup();
    await t.ctx.state.update((s) => {
      s.defaultProfile = 'work';
    });
    const dotenv = join(t.cwd, '.env');
    writeFileSync(dotenv, `OPENAI_API_KEY=${t.old}\n`, { mode: 0o600 });
    await t.ctx.state.updateProfile('default', (p) => {
      p.envFiles = [dotenv];
    });
    expect(await rotate(t.ctx, options({ yes: true, json: true, profile: 'default' }))).toBe(0);
    expect(t.stderr).toContain(
      `! .env still holds the old key sk-proj-…${t.old.slice(-4)}, which no longer works (written there by \`openai-setup env --file .env --profile default\`); to write the new key there:  openai-setup env --file .env --profile default\n`,
    );
  });
});

describe('rotate and another run storing a key meanwhile', () => {
  it('a key stored by another run while rotate ran is not written over: exit 7, the new account deleted, the other key kept', async () => {
    const t = await setup();
    const other = makeKey('proj', 'unit-rotate-stored-meanwhile');
    // While the new key is being checked, another run stores a key of its own for the profile.
    t.api.answerEveryCheck((request) => {
      if (request.key !== t.old) void t.keychain.setPassword('openai-setup', 'default', other);
      return t.org.isLive(request.key) ? checkResult('valid', { project: PROJECT, billing: 'unchecked' }) : checkResult('invalid_key');
    });
    const result = await outcomeOf(rotate(t.ctx, options({ yes: true })));
    expect(result.code).toBe(7);
    expect(result.message).toContain(`the key stored for profile "default" changed while rotate ran (it is now sk-proj-…${other.slice(-4)}; another run stored it), so the new key was not stored over it`);
    expect(t.keychain.keyOf('default')).toBe(other);
    // Nothing of this run is left live: its service account is deleted, the old key not revoked.
    expect(t.org.admin.serviceAccounts(PROJECT)).toHaveLength(0);
    expect(t.org.isLive(t.old)).toBe(true);
  });
});

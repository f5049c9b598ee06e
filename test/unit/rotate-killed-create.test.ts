// A rotate killed (SIGKILL, power loss: no undo runs) once it asked for the new service account,
// before its key was stored: the account it was creating was recorded before the create (its
// name, project; its id and key hint once answered; never a key), so status and doctor name it
// and the next rotate finds it by its name and deletes it first, or, not created, forgets it
// (said once). A kill is simulated by a run that never gets past the create or the new key's check.
import { describe, expect, it } from 'vitest';
import { run as doctor } from '../../src/commands/doctor.js';
import { run as logout } from '../../src/commands/logout.js';
import { run as rotate } from '../../src/commands/rotate.js';
import { run as status } from '../../src/commands/status.js';
import { Interrupts } from '../../src/interrupts.js';
import { maskKey } from '../../src/keys/format.js';
import { projectPageUrl } from '../../src/platform.js';
import { checkResult, outcomeOf, type TestContext } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { later, organizationWith, printed, recordCheckedKey } from '../helpers/rotatable.js';
import { FakeProcess } from '../helpers/signals.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const ADMIN = makeKey('admin', 'unit-rotate-killed-create');
const PROJECT = 'proj_RotateKilled0000000000';
const PAGE = projectPageUrl(PROJECT, 'api-keys');
const NAME = /^openai-setup-default-20260302T093000Z-[0-9a-f]{4}$/;
const contexts = trackedContexts();
let keyCount = 0;

async function setup(): Promise<{ t: TestContext; old: string }> {
  const old = makeKey('proj', `unit-rotate-killed-create-${keyCount++}`);
  const t = contexts.make({ admin: true, keychain: { default: old, 'default:admin': ADMIN }, interrupts: new Interrupts(new FakeProcess()), interactive: false });
  organizationWith(t, { admin: ADMIN, project: PROJECT, old });
  await recordCheckedKey(t, { old, project: PROJECT, keySource: 'the keychain (profile default)' });
  return { t, old };
}

/** Starts a rotate that stops for good at `stopAt` (as a killed one does: no undo runs) and resolves once it is there. */
async function killedRotate(t: TestContext, stopAt: 'create sent' | 'create answered' | 'create not sent'): Promise<string | null> {
  const admin = t.api.admin;
  let reached!: (key: string | null) => void;
  const there = new Promise<string | null>((resolve) => (reached = resolve));
  if (stopAt === 'create answered') {
    // The create answered; the run then stops for good at the new key's check.
    t.api.check = (request) => (reached(request.key), new Promise(() => {}));
  } else {
    t.api.admin = {
      ...admin,
      createServiceAccount: async (...args: Parameters<typeof admin.createServiceAccount>) => {
        // Carried out by the API (or not sent at all), its answer never read.
        if (stopAt === 'create sent') await admin.createServiceAccount(...args);
        reached(null);
        return new Promise(() => {});
      },
    };
  }
  void rotate(t.ctx, { keepOld: false, yes: true, json: false }).catch(() => {});
  const key = await there;
  t.api.admin = admin;
  delete (t.api as { check?: unknown }).check;
  return key;
}

describe('rotate killed after it asked for the new service account, before its key was stored', () => {
  it('killed once the API made the account, its answer never read: status and doctor name it; the next rotate deletes it first and forgets it', async () => {
    const { t, old } = await setup();
    await killedRotate(t, 'create sent');
    const [made] = t.org.admin.serviceAccounts(PROJECT);
    expect(made?.name).toMatch(NAME);
    const name = made!.name;
    expect(t.keychain.keyOf('default')).toBe(old);
    expect((await t.profile())?.pendingAccounts).toEqual([{ at: '2026-03-02T09:30:00.000Z', projectId: PROJECT, serviceAccountName: name, serviceAccountId: null, keyHint: null }]);

    later(t);
    const line = `The service account ${name} (${PROJECT}), which a rotate was creating on 2026-03-02, may exist with a key stored nowhere: that rotate was stopped before it stored the key (unless it is still running)`;
    const fix = `Run \`openai-setup rotate\`, which deletes it first (or forgets it if it was not created), or delete it on ${PAGE}.`;
    const said = await printed(t, () => status(t.ctx, { json: false }));
    expect(said.out).toContain(`! ${line}: ${fix.replace(/^R/, 'r')}`);
    const json = await printed(t, () => status(t.ctx, { json: true }));
    expect(JSON.parse(json.out).pendingAccounts).toEqual([{ name, project: PROJECT, at: '2026-03-02T09:30:00.000Z', page: PAGE }]);
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 42 }).answerChecks(checkResult('valid', { project: PROJECT }));
    const doctored = await printed(t, () => doctor(t.ctx, { json: true }));
    expect(JSON.parse(doctored.out).checks).toContainEqual({ id: 'rotate-account', title: 'Service account', status: 'warn', detail: line, fix });

    const next = await printed(t, () => rotate(t.ctx, { keepOld: false, yes: true, json: false }));
    expect(next.code, next.err).toBe(0);
    expect(next.out).toContain(`✔ Deleted the service account ${name} (${PROJECT}), which a rotate stopped on 2026-03-02 made without storing its key.`);
    // Only the account this rotate made (and stored the key of) is left.
    const left = t.org.admin.serviceAccounts(PROJECT);
    expect(left.map((a) => a.name)).not.toContain(name);
    expect(left).toHaveLength(1);
    expect((await t.profile())?.pendingAccounts).toBeUndefined();
    expect((await t.profile())?.rotation?.serviceAccountName).toBe(left[0]!.name);
    expect((await printed(t, () => status(t.ctx, { json: false }))).out).not.toContain('may exist with a key stored nowhere');
  });

  it("killed once the create was answered: its record has the account's id and its key's hint; the next rotate deletes it", async () => {
    const { t } = await setup();
    const newKey = (await killedRotate(t, 'create answered'))!;
    const [made] = t.org.admin.serviceAccounts(PROJECT);
    expect(t.org.isLive(newKey)).toBe(true);
    expect((await t.profile())?.pendingAccounts).toEqual([{ at: '2026-03-02T09:30:00.000Z', projectId: PROJECT, serviceAccountName: made!.name, serviceAccountId: made!.id, keyHint: maskKey(newKey) }]);

    const next = await printed(later(t), () => rotate(t.ctx, { keepOld: false, yes: true, json: false }));
    expect(next.code, next.err).toBe(0);
    expect(next.out).toContain(`✔ Deleted the service account ${made!.name} (${PROJECT}), which a rotate stopped on 2026-03-02 made without storing its key.`);
    expect(t.org.isLive(newKey)).toBe(false);
    expect((await t.profile())?.pendingAccounts).toBeUndefined();
  });

  it('killed before the create reached the API: the next rotate finds no such account, says so once and forgets it', async () => {
    const { t } = await setup();
    await killedRotate(t, 'create not sent');
    expect(t.org.admin.serviceAccounts(PROJECT)).toEqual([]);
    const [record] = (await t.profile())!.pendingAccounts!;

    const next = await printed(later(t), () => rotate(t.ctx, { keepOld: false, yes: true, json: false }));
    expect(next.code, next.err).toBe(0);
    expect(next.out).toContain(
      `✔ The service account ${record!.serviceAccountName}, which a rotate stopped on 2026-03-02 was creating, is not among ${PROJECT}'s service accounts (looked up just now): it was not created, and is no longer recorded.`,
    );
    expect((await t.profile())?.pendingAccounts).toBeUndefined();
    const again = await printed(later(t), () => rotate(t.ctx, { keepOld: false, yes: true, json: false }));
    expect(again.out).not.toContain(record!.serviceAccountName);
  });

  it('SIGTERM while the create is under way: the undo deletes the account and clears its record', async () => {
    const old = makeKey('proj', `unit-rotate-killed-create-${keyCount++}`);
    const host = new FakeProcess();
    const t = contexts.make({ admin: true, keychain: { default: old, 'default:admin': ADMIN }, interrupts: new Interrupts(host), interactive: false });
    organizationWith(t, { admin: ADMIN, project: PROJECT, old });
    await recordCheckedKey(t, { old, project: PROJECT });
    const admin = t.api.admin;
    t.api.admin = { ...admin, createServiceAccount: (...args) => (t.ctx.interrupts.interrupt('SIGTERM'), admin.createServiceAccount(...args)) };
    void rotate(t.ctx, { keepOld: false, yes: true, json: false }).catch(() => {});
    expect(await host.exited).toBe('SIGTERM');
    expect(t.org.admin.serviceAccounts(PROJECT)).toEqual([]);
    expect((await t.profile())?.pendingAccounts).toBeUndefined();
  });

  it('a record edited to name an account of another shape is dropped: neither named nor looked for', async () => {
    const { t } = await setup();
    await t.ctx.state.updateProfile('default', (p) => {
      p.pendingAccounts = [{ at: '2026-03-01T00:00:00.000Z', projectId: PROJECT, serviceAccountName: 'billing-bot', serviceAccountId: null, keyHint: null }];
    });
    expect((await t.profile())?.pendingAccounts).toEqual([]);
    const said = await printed(t, () => status(t.ctx, { json: false }));
    expect(said.out).not.toContain('billing-bot');
    const before = t.org.requests.length;
    expect(await rotate(t.ctx, { keepOld: false, yes: true, json: false })).toBe(0);
    expect(t.org.requests.slice(before).filter((r) => r.method === 'GET' && r.path.endsWith('/service_accounts'))).toHaveLength(1);
  });

  it('a rotate that ends, or whose create is refused, leaves no record', async () => {
    const { t } = await setup();
    expect(await rotate(t.ctx, { keepOld: false, yes: true, json: false })).toBe(0);
    expect((await t.profile())?.pendingAccounts).toBeUndefined();
    t.org.admin.failNext({ method: 'POST', path: `/v1/organization/projects/${PROJECT}/service_accounts` }, { status: 400, message: 'refused', type: 'invalid_request_error' });
    expect((await outcomeOf(rotate(t.ctx, { keepOld: false, yes: true, json: false }))).code).toBe(5);
    expect((await t.profile())?.pendingAccounts).toBeUndefined();
  });
});

describe('what a killed rotate left, advised only as it can be done', () => {
  it('no key stored (logged out since): logout says the records stay; status and doctor name the page alone, not a rotate that would refuse', async () => {
    const { t } = await setup();
    await killedRotate(t, 'create sent');
    const name = t.org.admin.serviceAccounts(PROJECT)[0]!.name;
    await t.ctx.state.update((s) => {
      s.profiles.default!.pendingRevokes = [{ keyHint: maskKey(makeKey('proj', 'unit-rotate-killed-create-old')), projectId: PROJECT, at: '2026-03-02T09:30:00.000Z', keyId: 'key_RotateKilled0000', serviceAccountId: null, serviceAccountName: null, interrupted: true }];
    });
    const out = await printed(later(t), () => logout(t.ctx, { yes: true }));
    expect(out.code, out.err).toBe(0);
    expect(out.out).toContain('! Still recorded for profile "default": service accounts a stopped rotate left and old keys rotate did not revoke; `openai-setup status` names each, with the page to delete it on.');

    const said = await printed(later(t), () => status(t.ctx, { json: false }));
    expect(said.out).toContain(`may exist with a key stored nowhere: that rotate was stopped before it stored the key (unless it is still running): delete it on ${PAGE}.`);
    expect(said.out).toContain(`that rotate was interrupted before it revoked it (unless it is still running): revoke it on ${PAGE} once nothing uses it.`);
    expect(said.out).not.toContain('openai-setup rotate');
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 42 });
    const doctored = JSON.parse((await printed(t, () => doctor(t.ctx, { json: true }))).out).checks;
    expect(doctored).toContainEqual(expect.objectContaining({ id: 'rotate-account', detail: expect.stringContaining(name), fix: `Delete it on ${PAGE}.` }));
    expect(doctored).toContainEqual(expect.objectContaining({ id: 'old-key', fix: `Revoke it on ${PAGE} once nothing uses it.` }));
  });

  it('killed after the new key was stored in the key file, before it was recorded: status does not advise deleting the account that holds it', async () => {
    const { t } = await setup();
    const newKey = (await killedRotate(t, 'create answered'))!;
    later(t);
    await t.ctx.keys.set('default', newKey, true);
    await t.ctx.state.update((s) => void (s.profiles.default!.key!.storage = 'file'));
    const said = await printed(later(t), () => status(t.ctx, { json: false }));
    expect(said.out).toContain(`holds ${maskKey(newKey)}`);
    expect(said.out).not.toContain('may exist with a key stored nowhere');
    expect(JSON.parse((await printed(t, () => status(t.ctx, { json: true }))).out).pendingAccounts).toEqual([]);
  });

  it('killed after the new key was stored in the keychain, before it was recorded: status says doctor tells whether it is stored; doctor, which reads it, names no account', async () => {
    const { t } = await setup();
    const newKey = (await killedRotate(t, 'create answered'))!;
    const name = t.org.admin.serviceAccounts(PROJECT)[0]!.name;
    t.keychain.setPassword('openai-setup', 'default', newKey);
    const said = await printed(later(t), () => status(t.ctx, { json: false }));
    expect(said.out).toContain(`delete it on ${PAGE}, unless ${maskKey(newKey)} is the key stored now: \`openai-setup doctor\` tells.`);
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 42 }).answerChecks(checkResult('valid', { project: PROJECT }));
    const doctored = await printed(t, () => doctor(t.ctx, { json: true }));
    expect(doctored.out).not.toContain(name);
  });
});

// rotate cancelled (Ctrl-C, SIGTERM) through Context: from the create of the new service account
// until its key is stored and recorded, a cancel deletes the account again as a failure would,
// says so in one line and leaves with the signal's code; a cancel during the key change waits for
// it, and a key stored and recorded stays. A second Ctrl-C skips the undo, saying what is left and
// where to remove it. The Admin API is the real client over the in-memory organization, whose
// request log shows what was deleted. Ctrl-C in a real terminal is in test/e2e/signals.test.ts.
import { describe, expect, it } from 'vitest';
import { run as rotate } from '../../src/commands/rotate.js';
import { Interrupts, type LeavingSignal } from '../../src/interrupts.js';
import { maskKey } from '../../src/keys/format.js';
import { projectPageUrl } from '../../src/platform.js';
import type { TestContext } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { organizationWith, recordCheckedKey } from '../helpers/rotatable.js';
import { FakeProcess, settle } from '../helpers/signals.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const ADMIN = makeKey('admin', 'unit-rotate-cancel');
const PROJECT = 'proj_RotateCancel000000000000';
const PAGE = projectPageUrl(PROJECT, 'api-keys');

const contexts = trackedContexts({ assertScriptsUsed: false });

let keyCount = 0;
/** A profile "default" holding a user's key of PROJECT, checked; the admin key stored; signals as the test sends them. */
async function setup(): Promise<{ t: TestContext; host: FakeProcess; old: string }> {
  const old = makeKey('proj', `unit-rotate-cancel-${keyCount++}`);
  const host = new FakeProcess();
  const t = contexts.make({ admin: true, keychain: { default: old, 'default:admin': ADMIN }, interrupts: new Interrupts(host), interactive: false });
  organizationWith(t, { admin: ADMIN, project: PROJECT, old });
  await recordCheckedKey(t, { old, project: PROJECT, keySource: 'the keychain (profile default)' });
  return { t, host, old };
}

const run = (t: TestContext) => void rotate(t.ctx, { keepOld: false, yes: true, json: false }).catch(() => {});
const deletes = (t: TestContext) => t.org.requests.filter((r) => r.method === 'DELETE').map((r) => r.path);

describe('a cancel while rotate has a new service account that nothing records yet', () => {
  it.each(['SIGINT', 'SIGTERM'] as LeavingSignal[])('%s while the new key is being checked: the new account is deleted again, said in one line; the old key stays', async (signal) => {
    const { t, host, old } = await setup();
    // The check of the new key is under way when the signal comes, and never answers.
    t.api.check = async () => {
      t.ctx.interrupts.interrupt(signal);
      return new Promise(() => {});
    };
    run(t);
    expect(await host.exited).toBe(signal);
    expect(t.org.admin.serviceAccounts(PROJECT)).toEqual([]);
    const created = t.org.requests.find((r) => r.method === 'POST' && r.path.endsWith('/service_accounts'))!;
    const name = (created.body as { name: string }).name;
    expect(deletes(t)).toEqual([expect.stringMatching(new RegExp(`^/v1/organization/projects/${PROJECT}/service_accounts/svc_acct_\\w+$`))]);
    const again = signal === 'SIGINT' ? 'press Ctrl-C again' : 'send SIGTERM again';
    expect(host.said).toEqual([`Deleting the new service account ${name} again (${again} to leave it as it is)…`, `✔ The new service account ${name} was deleted again; ${maskKey(old)} is still stored and works.`]);
    expect(t.keychain.keyOf('default')).toBe(old);
    expect((await t.profile())?.rotation).toBeUndefined();
    expect(t.org.isLive(old)).toBe(true);
  });

  it('SIGTERM while the service account is being created: its answer is waited for, and the account deleted', async () => {
    const { t, host, old } = await setup();
    const admin = t.api.admin;
    t.api.admin = {
      ...admin,
      createServiceAccount: (...args) => {
        t.ctx.interrupts.interrupt('SIGTERM');
        return admin.createServiceAccount(...args);
      },
    };
    run(t);
    expect(await host.exited).toBe('SIGTERM');
    expect(t.org.admin.serviceAccounts(PROJECT)).toEqual([]);
    expect(deletes(t)).toHaveLength(1);
    expect(host.said.at(-1)).toMatch(new RegExp(`^✔ The new service account openai-setup-default-\\S+ was deleted again; ${maskKey(old).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is still stored and works\\.$`));
    expect(t.keychain.keyOf('default')).toBe(old);
  });

  it('Ctrl-C while the new key is being stored: the change is waited for and stays; nothing is deleted, and the old key, not revoked, is named', async () => {
    const { t, host, old } = await setup();
    const setPassword = t.keychain.setPassword.bind(t.keychain);
    t.keychain.setPassword = async (service, account, password) => {
      if (account === 'default') {
        t.ctx.interrupts.interrupt('SIGINT');
        await settle();
      }
      return setPassword(service, account, password);
    };
    run(t);
    expect(await host.exited).toBe('SIGINT');
    const stored = t.keychain.keyOf('default')!;
    expect(stored).toMatch(/^sk-svcacct-/);
    expect((await t.profile())?.key?.hint).toBe(maskKey(stored));
    expect(deletes(t)).toEqual([]);
    expect(host.said.at(-1)).toBe(`! ${maskKey(stored)} is stored for profile "default" in place of ${maskKey(old)}, which was not revoked and still works: revoke it on ${PAGE}.`);
    expect(t.org.isLive(old)).toBe(true);
  });

  it('a second Ctrl-C while the account is being deleted leaves at once, saying what is left and where to delete it', async () => {
    const { t, host, old } = await setup();
    t.api.check = async () => {
      t.ctx.interrupts.interrupt('SIGINT');
      return new Promise(() => {});
    };
    const admin = t.api.admin;
    t.api.admin = {
      ...admin,
      deleteServiceAccount: () => {
        t.ctx.interrupts.interrupt('SIGINT');
        return new Promise(() => {});
      },
    };
    run(t);
    expect(await host.exited).toBe('SIGINT');
    const [account] = t.org.admin.serviceAccounts(PROJECT);
    expect(host.said.at(-1)).toBe(`! The new service account ${account!.name} (${account!.id}) was left in ${PROJECT}: delete it on ${PAGE}; ${maskKey(old)} is still stored and works.`);
    expect(t.keychain.keyOf('default')).toBe(old);
  });
});

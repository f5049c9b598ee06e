// rotate cancelled (Ctrl-C, SIGTERM) through Context: from the create of the new service account
// until its key is stored and recorded, a cancel deletes the account again as a failure would,
// says so in one line and leaves with the signal's code; a cancel during the key change waits for
// it, and a key stored and recorded stays. A second Ctrl-C skips the undo, saying what is left and
// where to remove it. The Admin API is the real client over the in-memory organization, whose
// request log shows what was deleted. Ctrl-C in a real terminal is in test/e2e/signals.test.ts.
import { describe, expect, it } from 'vitest';
import { run as rotate } from '../../src/commands/rotate.js';
import { CancelledError } from '../../src/errors.js';
import { Interrupts, type LeavingSignal } from '../../src/interrupts.js';
import { maskKey } from '../../src/keys/format.js';
import { projectPageUrl } from '../../src/platform.js';
import { outcomeOf, type TestContext } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { organizationWith, recordCheckedKey } from '../helpers/rotatable.js';
import { FakeProcess, settle } from '../helpers/signals.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const ADMIN = makeKey('admin', 'unit-rotate-cancel');
const PROJECT = 'proj_RotateCancel000000000000';
const PAGE = projectPageUrl(PROJECT, 'api-keys');

const contexts = trackedContexts();

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
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The create of the new service account runs `during` as it is asked for (`asked`); its answer,
 * the account made, comes only when the test calls answer().
 */
function createAnsweredLater(t: TestContext, during: () => void): { asked: Promise<void>; answer: () => void } {
  const admin = t.api.admin;
  let answer!: () => void;
  let asked!: () => void;
  const wasAsked = new Promise<void>((resolve) => (asked = resolve));
  t.api.admin = {
    ...admin,
    createServiceAccount: (...args) => {
      during();
      const made = admin.createServiceAccount(...args);
      // A failed create is handed on only with the answer.
      made.catch(() => {});
      asked();
      return new Promise((resolve) => (answer = () => resolve(made)));
    },
  };
  return { asked: wasAsked, answer: () => answer() };
}
/** The name rotate asked the new service account to have. */
const createdName = (t: TestContext) => (t.org.requests.find((r) => r.method === 'POST' && r.path.endsWith('/service_accounts'))!.body as { name: string }).name;
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

  it('Ctrl-C while the service account is being created, answered only later: the answer is said to be waited for; the run goes no further (no check of the new key, nothing stored), and the account is deleted', async () => {
    const { t, host, old } = await setup();
    const create = createAnsweredLater(t, () => t.ctx.interrupts.interrupt('SIGINT'));
    run(t);
    await create.asked;
    await settle();
    const name = createdName(t);
    expect(host.said).toEqual([`Waiting for the answer to the creation of the service account ${name}, to delete it again (press Ctrl-C again to leave it as it is)…`]);
    create.answer();
    expect(await host.exited).toBe('SIGINT');
    await settle();
    expect(host.said.slice(1, 2)).toEqual([`Deleting the new service account ${name} again (press Ctrl-C again to leave it as it is)…`]);
    // Nothing after the create was sent: not the new key's check, only the delete.
    expect(t.api.checks).toEqual([]);
    // rotate's check that the admin key can read comes before the create.
    expect(t.org.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET /v1/organization/projects/${PROJECT}/service_accounts`, `POST /v1/organization/projects/${PROJECT}/service_accounts`, expect.stringMatching(/^DELETE \/v1\/organization\/projects\/\w+\/service_accounts\/svc_acct_\w+$/)]);
    expect(host.said.at(-1)).toMatch(new RegExp(`^✔ The new service account openai-setup-default-\\S+ was deleted again; ${escaped(maskKey(old))} is still stored and works\\.$`));
    expect(t.keychain.keyOf('default')).toBe(old);
    expect((await t.profile())?.key?.hint).toBe(maskKey(old));
    expect((await t.profile())?.rotation).toBeUndefined();
  });

  it.each(['SIGINT', 'SIGTERM'] as LeavingSignal[])('%s while the service account is being created, the create then failing: only that nothing was created or changed is said, nothing is deleted', async (signal) => {
    const { t, host, old } = await setup();
    const create = createAnsweredLater(t, () => t.ctx.interrupts.interrupt(signal));
    // Refused with an answer: nothing was made (a create without an answer is rotate-create-unknown.test.ts's).
    t.org.admin.failNext({ method: 'POST', path: /service_accounts$/ }, { status: 429 });
    run(t);
    await create.asked;
    await settle();
    const name = createdName(t);
    const again = signal === 'SIGINT' ? 'press Ctrl-C again' : 'send SIGTERM again';
    expect(host.said).toEqual([`Waiting for the answer to the creation of the service account ${name}, to delete it again (${again} to leave it as it is)…`]);
    create.answer();
    expect(await host.exited).toBe(signal);
    expect(host.said).toEqual([
      `Waiting for the answer to the creation of the service account ${name}, to delete it again (${again} to leave it as it is)…`,
      `✔ The service account ${name} was not created, so nothing was changed; ${maskKey(old)} is still stored and works.`,
    ]);
    expect(deletes(t)).toEqual([]);
    expect(t.org.admin.serviceAccounts(PROJECT)).toEqual([]);
    expect(t.api.checks).toEqual([]);
    expect(t.keychain.keyOf('default')).toBe(old);
    expect((await t.profile())?.rotation).toBeUndefined();
  });

  it('SIGTERM while the service account is being created, made, but its delete failing: the delete is said as it starts, then that it failed, with the page to delete the account on', async () => {
    const { t, host, old } = await setup();
    const create = createAnsweredLater(t, () => t.ctx.interrupts.interrupt('SIGTERM'));
    t.org.admin.failNext({ method: 'DELETE', path: /service_accounts\/svc_acct_/ }, { status: 503 });
    run(t);
    await create.asked;
    create.answer();
    expect(await host.exited).toBe('SIGTERM');
    const [account] = t.org.admin.serviceAccounts(PROJECT);
    expect(host.said).toEqual([
      `Waiting for the answer to the creation of the service account ${account!.name}, to delete it again (send SIGTERM again to leave it as it is)…`,
      `Deleting the new service account ${account!.name} again (send SIGTERM again to leave it as it is)…`,
      `✖ The new service account ${account!.name} (${account!.id}) could NOT be deleted (Deleting the service account ${account!.id} failed: the OpenAI API had a server error (HTTP 503)): delete it on ${PAGE}; ${maskKey(old)} is still stored and works.`,
    ]);
    expect(t.keychain.keyOf('default')).toBe(old);
  });

  it('a second Ctrl-C while that account is being deleted: the account is left, where to delete it is said, and the old key is still stored', async () => {
    const { t, host, old } = await setup();
    const create = createAnsweredLater(t, () => t.ctx.interrupts.interrupt('SIGINT'));
    let deleting!: () => void;
    const deleteAsked = new Promise<void>((resolve) => (deleting = resolve));
    t.api.admin = { ...t.api.admin, deleteServiceAccount: () => (deleting(), new Promise(() => {})) };
    run(t);
    await create.asked;
    create.answer();
    await deleteAsked;
    // Whatever the run would still do on its own has had its turn before the second Ctrl-C.
    await settle();
    t.ctx.interrupts.interrupt('SIGINT');
    expect(await host.exited).toBe('SIGINT');
    const [account] = t.org.admin.serviceAccounts(PROJECT);
    expect(host.said.at(-1)).toBe(`! The new service account ${account!.name} (${account!.id}) was left in ${PROJECT}: delete it on ${PAGE}; ${maskKey(old)} is still stored and works.`);
    expect(t.api.checks).toEqual([]);
    expect(t.keychain.keyOf('default')).toBe(old);
    expect((await t.profile())?.key?.hint).toBe(maskKey(old));
  });

  it('a second Ctrl-C while the new key is being written to the keychain: the account is left, as its key may be the stored one', async () => {
    const { t, host } = await setup();
    t.keychain.setPassword = async (_service, account) => {
      if (account === 'default') {
        t.ctx.interrupts.interrupt('SIGINT');
        await settle();
        t.ctx.interrupts.interrupt('SIGINT');
      }
      return new Promise(() => {});
    };
    run(t);
    expect(await host.exited).toBe('SIGINT');
    const [account] = t.org.admin.serviceAccounts(PROJECT);
    expect(host.said).toEqual([
      `! Left with the key change of profile "default" unfinished (a second Ctrl-C): the key stored may not be the one ${t.ctx.state.path} records; run the command again.`,
      `! The new service account ${account!.name} was left in ${PROJECT}, as its key may be the one stored for profile "default" now: \`openai-setup verify\` says which; if it is not, delete the account on ${PAGE}.`,
    ]);
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

describe('a cancel once the new key is stored: it stays, and the old key is named as not revoked (or as revoked, once the API said so)', () => {
  /** The line a cancel leaves with once the new key is stored and the old one not revoked. */
  const storedLine = (t: TestContext, old: string) => `! ${maskKey(t.keychain.keyOf('default')!)} is stored for profile "default" in place of ${maskKey(old)}, which was not revoked and works: revoke it on ${PAGE}. \`openai-setup status\` names it until the next \`openai-setup rotate\`.`;

  it.each(['SIGINT', 'SIGTERM'] as LeavingSignal[])('%s while the new key is being stored: only the line of the key stored, nothing said of deleting the account it stays with', async (signal) => {
    const { t, host, old } = await setup();
    const setPassword = t.keychain.setPassword.bind(t.keychain);
    t.keychain.setPassword = async (service, account, password) => {
      if (account === 'default') {
        t.ctx.interrupts.interrupt(signal);
        await settle();
      }
      return setPassword(service, account, password);
    };
    run(t);
    expect(await host.exited).toBe(signal);
    const stored = t.keychain.keyOf('default')!;
    expect(stored).toMatch(/^sk-svcacct-/);
    expect(host.said).toEqual([storedLine(t, old)]);
    expect((await t.profile())?.key?.hint).toBe(maskKey(stored));
    expect(t.org.admin.serviceAccounts(PROJECT)).toHaveLength(1);
    expect(deletes(t)).toEqual([]);
    expect(t.org.isLive(old)).toBe(true);
  });

  it('SIGTERM while the new key is being stored, the store then put back: the account is deleted again, said as it starts', async () => {
    const { t, host, old } = await setup();
    t.keychain.setPassword = async (_service, account) => {
      if (account === 'default') {
        t.ctx.interrupts.interrupt('SIGTERM');
        await settle();
      }
      throw new Error('the keyring is locked');
    };
    run(t);
    expect(await host.exited).toBe('SIGTERM');
    const created = t.org.requests.find((r) => r.method === 'POST' && r.path.endsWith('/service_accounts'))!;
    const name = (created.body as { name: string }).name;
    expect(host.said).toEqual([`Deleting the new service account ${name} again (send SIGTERM again to leave it as it is)…`, `✔ The new service account ${name} was deleted again; ${maskKey(old)} is still stored and works.`]);
    expect(t.org.admin.serviceAccounts(PROJECT)).toEqual([]);
    expect(t.keychain.keyOf('default')).toBe(old);
  });

  it.each([false, true])('Ctrl-C while the old key is being looked up (--json %s): the new key stays; the old key is named as not revoked, with its page (with --json, in the document too)', async (json) => {
    const { t, host, old } = await setup();
    const admin = t.api.admin;
    t.api.admin = {
      ...admin,
      listProjectKeys: () => {
        t.ctx.interrupts.interrupt('SIGINT');
        return new Promise(() => {});
      },
    };
    void rotate(t.ctx, { keepOld: false, yes: true, json }).catch(() => {});
    expect(await host.exited).toBe('SIGINT');
    const stored = t.keychain.keyOf('default')!;
    expect(stored).toMatch(/^sk-svcacct-/);
    expect(host.said).toEqual([storedLine(t, old)]);
    expect((await t.profile())?.key?.hint).toBe(maskKey(stored));
    expect((await t.profile())?.rotation?.keyHint).toBe(maskKey(stored));
    expect(deletes(t)).toEqual([]);
    expect(t.org.isLive(old)).toBe(true);
    // Without --json the line above is all; with it, the document says the same.
    if (!json) expect(t.stdout).not.toContain('{');
    else {
      expect(JSON.parse(t.stdout)).toMatchObject({
        ok: false,
        exitCode: 130,
        reason: 'cancelled',
        message: `Cancelled. ${storedLine(t, old).slice(2)}`,
        new: { hint: maskKey(stored), storage: 'keychain' },
        old: { hint: maskKey(old), outcome: 'unchanged', page: PAGE },
      });
    }
  });

  it('SIGTERM while the old key is being deleted: the answer is waited for, and the old key named as revoked', async () => {
    const { t, host, old } = await setup();
    const admin = t.api.admin;
    t.api.admin = {
      ...admin,
      deleteProjectKey: (...args) => {
        t.ctx.interrupts.interrupt('SIGTERM');
        return admin.deleteProjectKey(...args);
      },
    };
    run(t);
    expect(await host.exited).toBe('SIGTERM');
    const stored = t.keychain.keyOf('default')!;
    expect(t.org.isLive(old)).toBe(false);
    expect(host.said).toEqual([
      `Waiting for the answer to the revocation of ${maskKey(old)} (send SIGTERM again to leave it as it is)…`,
      `✔ ${maskKey(stored)} is stored for profile "default" in place of ${maskKey(old)}, which was revoked.`,
    ]);
  });

  it('a second SIGTERM while the revocation of the old key is unanswered: the new key stays; the old key may be live, its page named', async () => {
    const { t, host, old } = await setup();
    const admin = t.api.admin;
    t.api.admin = {
      ...admin,
      deleteProjectKey: () => {
        t.ctx.interrupts.interrupt('SIGTERM');
        deleting();
        return new Promise(() => {});
      },
    };
    let deleting!: () => void;
    const deleteAsked = new Promise<void>((resolve) => (deleting = resolve));
    run(t);
    await deleteAsked;
    await settle();
    t.ctx.interrupts.interrupt('SIGTERM');
    expect(await host.exited).toBe('SIGTERM');
    const stored = t.keychain.keyOf('default')!;
    expect(host.said).toEqual([
      `Waiting for the answer to the revocation of ${maskKey(old)} (send SIGTERM again to leave it as it is)…`,
      `! ${maskKey(stored)} is stored for profile "default" in place of ${maskKey(old)}, whose revocation was asked for but not answered: if ${PAGE} still lists it, revoke it there.`,
    ]);
    expect(t.org.isLive(old)).toBe(true);
  });

  it.each([false, true])('Ctrl-C at the question whether to delete the old key (--json %s): exit 130, and what is said and the document say the new key is stored and the old one not revoked', async (json) => {
    const old = makeKey('proj', `unit-rotate-cancel-${keyCount++}`);
    const host = new FakeProcess();
    const t = contexts.make({ admin: true, keychain: { default: old, 'default:admin': ADMIN }, interrupts: new Interrupts(host) });
    organizationWith(t, { admin: ADMIN, project: PROJECT, old });
    await recordCheckedKey(t, { old, project: PROJECT, keySource: 'the keychain (profile default)' });
    t.prompts.whenConfirm(/^Rotate the key of profile "default"/, true).whenConfirm(/^Delete the old key /, new CancelledError());
    const outcome = await outcomeOf(rotate(t.ctx, { keepOld: false, yes: false, json }));
    const stored = t.keychain.keyOf('default')!;
    expect(stored).toMatch(/^sk-svcacct-/);
    expect((await t.profile())?.key?.hint).toBe(maskKey(stored));
    expect(t.org.isLive(old)).toBe(true);
    const message = `Cancelled. ${maskKey(stored)} is stored for profile "default" in place of ${maskKey(old)}, which was not revoked and works: revoke it on ${PAGE}. The next \`openai-setup rotate\` tries again first; until then \`openai-setup status\` names it.`;
    expect(outcome).toEqual({ code: 130, message, hints: [] });
    if (!json) return expect(t.stdout).not.toContain('{');
    const document = JSON.parse(t.stdout) as Record<string, unknown>;
    expect(document).toMatchObject({ ok: false, exitCode: 130, reason: 'cancelled', message, new: { hint: maskKey(stored), storage: 'keychain' } });
    expect(document.old).toEqual({
      hint: maskKey(old),
      outcome: 'unchanged',
      page: PAGE,
      message: `${maskKey(old)} is no longer the key stored for profile "default" but was not revoked and works: revoke it on ${PAGE} once nothing uses it.`,
    });
  });
});

describe('rotate --json left on a signal: its document says what the cancel left', () => {
  const runJson = (t: TestContext) => void rotate(t.ctx, { keepOld: false, yes: true, json: true }).catch(() => {});
  const documentOf = (t: TestContext) => JSON.parse(t.stdout);

  it('a second Ctrl-C while the new account is being deleted again: `new` is that account, left, its key stored nowhere; the old key still stored', async () => {
    const { t, host, old } = await setup();
    const create = createAnsweredLater(t, () => t.ctx.interrupts.interrupt('SIGINT'));
    let deleting!: () => void;
    const deleteAsked = new Promise<void>((resolve) => (deleting = resolve));
    t.api.admin = { ...t.api.admin, deleteServiceAccount: () => (deleting(), new Promise(() => {})) };
    runJson(t);
    await create.asked;
    create.answer();
    await deleteAsked;
    await settle();
    t.ctx.interrupts.interrupt('SIGINT');
    expect(await host.exited).toBe('SIGINT');
    const [account] = t.org.admin.serviceAccounts(PROJECT);
    const doc = documentOf(t);
    expect(doc).toMatchObject({ ok: false, exitCode: 130, reason: 'cancelled', new: { serviceAccountId: account!.id, serviceAccountName: account!.name, storage: null }, old: { hint: maskKey(old), outcome: 'unchanged', message: `${maskKey(old)} is still stored and works.` } });
    expect(doc.message).toBe(`Cancelled. The new service account ${account!.name} (${account!.id}) was left in ${PROJECT}: delete it on ${PAGE}; ${maskKey(old)} is still stored and works.`);
  });

  it('a second Ctrl-C while the new key is being written: the old key may no longer be stored', async () => {
    const { t, host, old } = await setup();
    t.keychain.setPassword = async (_service, account) => {
      if (account === 'default') {
        t.ctx.interrupts.interrupt('SIGINT');
        await settle();
        t.ctx.interrupts.interrupt('SIGINT');
      }
      return new Promise(() => {});
    };
    runJson(t);
    expect(await host.exited).toBe('SIGINT');
    expect(documentOf(t)).toMatchObject({ reason: 'cancelled', new: { storage: null }, old: { outcome: 'unchanged', message: `${maskKey(old)} was not revoked and works, but may no longer be stored: \`openai-setup verify\` says which key is stored.` } });
  });

  it('SIGTERM while the new key is being written, the write then done: `new` stored, the old key replaced and not revoked', async () => {
    const { t, host, old } = await setup();
    const write = t.keychain.setPassword.bind(t.keychain);
    t.keychain.setPassword = async (service, account, password) => {
      if (account === 'default') t.ctx.interrupts.interrupt('SIGTERM');
      return write(service, account, password);
    };
    runJson(t);
    expect(await host.exited).toBe('SIGTERM');
    const stored = t.keychain.keyOf('default')!;
    expect(stored).not.toBe(old);
    expect(documentOf(t)).toMatchObject({
      exitCode: 143,
      reason: 'cancelled',
      new: { hint: maskKey(stored), storage: 'keychain' },
      old: { hint: maskKey(old), outcome: 'unchanged', page: PAGE },
    });
    expect(t.org.isLive(old)).toBe(true);
  });
});

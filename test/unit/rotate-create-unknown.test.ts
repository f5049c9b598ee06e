// rotate when the create of the new service account gets no answer (a timeout, a connection cut
// once the request was sent) or a server error: the API may have made the account, and its key,
// all the same. rotate looks for the account by the name it chose and deletes it, and says what
// came of that; it never says "nothing was changed" unless it knows. On a failure and on a cancel
// alike. The Admin API is the real client over the in-memory organization, with a fetch that lets
// the create reach the organization (or not) and then loses its answer.
import { describe, expect, it } from 'vitest';
import { createAdminApi } from '../../src/api/admin.js';
import type { SdkFetch } from '../../src/api/http.js';
import { run as rotate, RotateJsonSchema, type RotateOptions } from '../../src/commands/rotate.js';
import { Interrupts, type LeavingSignal } from '../../src/interrupts.js';
import { maskKey } from '../../src/keys/format.js';
import { projectPageUrl } from '../../src/platform.js';
import { outcomeOf, type TestContext } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { organizationWith, recordCheckedKey } from '../helpers/rotatable.js';
import { FakeProcess } from '../helpers/signals.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const ADMIN = makeKey('admin', 'unit-rotate-create-unknown');
const PROJECT = 'proj_RotateUnknown00000000000';
const PAGE = projectPageUrl(PROJECT, 'api-keys');
const CREATE = `POST /v1/organization/projects/${PROJECT}/service_accounts`;
const LIST = `GET /v1/organization/projects/${PROJECT}/service_accounts`;

const contexts = trackedContexts();
let keyCount = 0;

/** A profile "default" holding a user's key of PROJECT, checked, and the admin key; signals as the test sends them. */
async function setup(): Promise<{ t: TestContext; host: FakeProcess; old: string }> {
  const old = makeKey('proj', `unit-rotate-create-unknown-${keyCount++}`);
  const host = new FakeProcess();
  const t = contexts.make({ admin: true, keychain: { default: old, 'default:admin': ADMIN }, interrupts: new Interrupts(host), interactive: false });
  organizationWith(t, { admin: ADMIN, project: PROJECT, old });
  await recordCheckedKey(t, { old, project: PROJECT, keySource: 'the keychain (profile default)' });
  return { t, host, old };
}

type Lost = 'timeout' | 'reset' | 'refused' | 'bad_gateway';

/** What the HTTP layer throws when the answer is lost so: the SDK's own timeout aborts the fetch; a socket error carries its code. */
function lostAnswer(how: Exclude<Lost, 'bad_gateway'>): Error {
  if (how === 'timeout') return new DOMException('The operation was aborted.', 'AbortError');
  const code = how === 'reset' ? 'ECONNRESET' : 'ECONNREFUSED';
  return Object.assign(new Error(how === 'reset' ? 'socket hang up' : `connect ${code} 127.0.0.1:443`), { code });
}

/**
 * The create's answer is lost `how`; with `reaches` the request got to the organization first (the
 * account is made). `listing` loses the answers to the list of service accounts too. `during` runs
 * as the create is sent (a signal, say).
 */
function createLost(t: TestContext, how: Lost, { reaches, listing, during }: { reaches: boolean; listing?: Lost; during?: () => void }): { name: () => string } {
  let name: string | undefined;
  const fetch = (async (input: string | URL | Request, init: RequestInit = {}) => {
    const path = new URL(typeof input === 'string' || input instanceof URL ? input : input.url).pathname;
    const request = `${init.method ?? 'GET'} ${path}`;
    if (request === CREATE) {
      name = (JSON.parse(String(init.body)) as { name: string }).name;
      during?.();
      if (reaches) await t.org.fetch(input, init);
      // A gateway in front of the API gave up waiting for it.
      if (how === 'bad_gateway') return new Response(JSON.stringify({ error: { message: 'Bad gateway.', type: 'server_error', param: null, code: null } }), { status: 502 });
      throw lostAnswer(how);
    }
    // Only the look-up after the create: not rotate's check, before it, that the admin key can read.
    if (request === LIST && listing && listing !== 'bad_gateway' && name !== undefined) throw lostAnswer(listing);
    return t.org.fetch(input, init);
  }) as unknown as SdkFetch;
  t.api.admin = createAdminApi({ env: {}, fetch });
  return { name: () => name! };
}

const options = (extra: Partial<RotateOptions> = {}): RotateOptions => ({ keepOld: false, yes: true, json: false, ...extra });
const requests = (t: TestContext) => t.org.requests.map((r) => `${r.method} ${r.path}`);
const DELETE_ACCOUNT = new RegExp(`^DELETE /v1/organization/projects/${PROJECT}/service_accounts/svc_acct_\\w+$`);

/** Nothing stored or recorded changed: the old key is the stored one, and works. */
async function expectOldKeyKept(t: TestContext, old: string): Promise<void> {
  expect(t.keychain.keyOf('default')).toBe(old);
  expect((await t.profile())?.key?.hint).toBe(maskKey(old));
  expect((await t.profile())?.rotation).toBeUndefined();
  expect(t.org.isLive(old)).toBe(true);
}

describe('a create of the new service account whose outcome is not known', () => {
  it('it timed out, the API having made the account: rotate finds it by its name and deletes it, and says so (exit 6)', async () => {
    const { t, old } = await setup();
    const create = createLost(t, 'timeout', { reaches: true });
    const result = await outcomeOf(rotate(t.ctx, options()));
    const name = create.name();
    expect(result.code).toBe(6);
    expect(result.message).toBe(
      `Creating a service account in ${PROJECT} failed: No answer from api.openai.com within 20000 ms. The service account ${name} was created all the same, with a key that never reached openai-setup: it was deleted again, so nothing was changed. ${maskKey(old)} is still stored and works.`,
    );
    expect(requests(t)).toEqual([LIST, CREATE, LIST, expect.stringMatching(DELETE_ACCOUNT)]);
    expect(t.org.admin.serviceAccounts(PROJECT)).toEqual([]);
    expect(t.api.checks).toEqual([]);
    await expectOldKeyKept(t, old);
  });

  it('a server error (HTTP 502) after the API made the account: found by its name and deleted, and said', async () => {
    const { t, old } = await setup();
    const create = createLost(t, 'bad_gateway', { reaches: true });
    const result = await outcomeOf(rotate(t.ctx, options()));
    expect(result.code).toBe(6);
    expect(result.message).toBe(
      `Creating a service account in ${PROJECT} failed: the OpenAI API had a server error (HTTP 502). The service account ${create.name()} was created all the same, with a key that never reached openai-setup: it was deleted again, so nothing was changed. ${maskKey(old)} is still stored and works.`,
    );
    expect(t.org.admin.serviceAccounts(PROJECT)).toEqual([]);
    await expectOldKeyKept(t, old);
  });

  it('its connection was reset once the request was sent, the account made, and its delete failing: the account and where to delete it are named; --json names it in `new`', async () => {
    const { t, old } = await setup();
    const create = createLost(t, 'reset', { reaches: true });
    t.org.admin.failNext({ method: 'DELETE', path: /service_accounts\/svc_acct_/ }, { status: 503 });
    const result = await outcomeOf(rotate(t.ctx, options({ json: true })));
    const name = create.name();
    const [account] = t.org.admin.serviceAccounts(PROJECT);
    expect(account!.name).toBe(name);
    expect(result.code).toBe(6);
    expect(result.message).toBe(
      `Creating a service account in ${PROJECT} failed: The connection to api.openai.com was cut before an answer came. The service account ${name} was created all the same, with a key that never reached openai-setup (${account!.id}), and it could NOT be deleted (Deleting the service account ${account!.id} failed: the OpenAI API had a server error (HTTP 503)): delete it on ${PAGE}. ${maskKey(old)} is still stored and works.`,
    );
    expect(RotateJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({
      ok: false,
      exitCode: 6,
      reason: 'network_error',
      message: result.message,
      new: { serviceAccountId: account!.id, serviceAccountName: name, storage: null },
      old: { hint: maskKey(old), outcome: 'unchanged' },
    });
    await expectOldKeyKept(t, old);
  });

  it('its connection was reset before the API made anything: the project has no such account, which is said, with where to look later', async () => {
    const { t, old } = await setup();
    const create = createLost(t, 'reset', { reaches: false });
    const result = await outcomeOf(rotate(t.ctx, options()));
    const name = create.name();
    expect(result.code).toBe(6);
    expect(result.message).toBe(
      `Creating a service account in ${PROJECT} failed: The connection to api.openai.com was cut before an answer came. ${PROJECT}'s service accounts do not include ${name} (looked up just now), so it seems it was not created; if ${PAGE} lists it later, delete it there. ${maskKey(old)} is still stored and works.`,
    );
    // The create never reached the organization; only the look-ups did (rotate's check that the admin key can read, before it, and the one after).
    expect(requests(t)).toEqual([LIST, LIST]);
    await expectOldKeyKept(t, old);
  });

  it('it timed out and so did looking for the account: the account may have been created, and where to check and delete it is said', async () => {
    const { t, old } = await setup();
    const create = createLost(t, 'timeout', { reaches: true, listing: 'timeout' });
    const result = await outcomeOf(rotate(t.ctx, options()));
    const name = create.name();
    expect(result.code).toBe(6);
    expect(result.message).toBe(
      `Creating a service account in ${PROJECT} failed: No answer from api.openai.com within 20000 ms. The service account ${name} may have been created all the same, with a key that never reached openai-setup, and looking for it failed (Listing the service accounts of ${PROJECT} failed: No answer from api.openai.com within 20000 ms): if ${PAGE} lists it, delete it there. ${maskKey(old)} is still stored and works.`,
    );
    expect(result.message).not.toMatch(/[Nn]othing was changed/);
    await expectOldKeyKept(t, old);
  });

  it('a refused connection (the request never left): nothing was changed, and nothing is looked for', async () => {
    const { t, old } = await setup();
    createLost(t, 'refused', { reaches: false });
    const result = await outcomeOf(rotate(t.ctx, options()));
    expect(result.code).toBe(6);
    expect(result.message).toBe(`Creating a service account in ${PROJECT} failed: The connection to api.openai.com was refused. Nothing was changed: ${maskKey(old)} is still stored and works.`);
    // Only rotate's check that the admin key can read, before the create.
    expect(requests(t)).toEqual([LIST]);
    await expectOldKeyKept(t, old);
  });

  it.each(['SIGINT', 'SIGTERM'] as LeavingSignal[])('%s while the create is under way, which then times out having made the account: the cancel looks for it and deletes it, said as it starts', async (signal) => {
    const { t, host, old } = await setup();
    const create = createLost(t, 'timeout', { reaches: true, during: () => t.ctx.interrupts.interrupt(signal) });
    void rotate(t.ctx, options()).catch(() => {});
    expect(await host.exited).toBe(signal);
    const name = create.name();
    const again = signal === 'SIGINT' ? 'press Ctrl-C again' : 'send SIGTERM again';
    expect(host.said).toEqual([
      `Waiting for the answer to the creation of the service account ${name}, to delete it again (${again} to leave it as it is)…`,
      `Looking for the service account ${name} in ${PROJECT}, as the failed create may have made it, to delete it (${again} to leave it as it is)…`,
      `✔ The service account ${name} was created all the same, with a key that never reached openai-setup: it was deleted again, so nothing was changed. ${maskKey(old)} is still stored and works.`,
    ]);
    expect(requests(t)).toEqual([LIST, CREATE, LIST, expect.stringMatching(DELETE_ACCOUNT)]);
    expect(t.org.admin.serviceAccounts(PROJECT)).toEqual([]);
    expect(t.api.checks).toEqual([]);
    await expectOldKeyKept(t, old);
  });

  it('Ctrl-C while the create is under way, whose connection is then reset and the account not found: not "nothing was changed", but where to look', async () => {
    const { t, host, old } = await setup();
    const create = createLost(t, 'reset', { reaches: false, during: () => t.ctx.interrupts.interrupt('SIGINT') });
    void rotate(t.ctx, options()).catch(() => {});
    expect(await host.exited).toBe('SIGINT');
    const name = create.name();
    expect(host.said.at(-1)).toBe(
      `! ${PROJECT}'s service accounts do not include ${name} (looked up just now), so it seems it was not created; if ${PAGE} lists it later, delete it there. ${maskKey(old)} is still stored and works.`,
    );
    // The create never reached the organization; only the look-ups did (rotate's check that the admin key can read, before it, and the one after).
    expect(requests(t)).toEqual([LIST, LIST]);
    await expectOldKeyKept(t, old);
  });
});

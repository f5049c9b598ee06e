// rotate's look-ups in the Admin API's lists when a page repeats (a cursor that does not move on,
// a page giving again what the one before it gave): each item counts once, and the look-up ends.
// The Admin API is the real client over the in-memory organization, with a fetch that answers every
// page after the first with the first again ("has_more": true, forever).
import { describe, expect, it } from 'vitest';
import { createAdminApi } from '../../src/api/admin.js';
import type { SdkFetch } from '../../src/api/http.js';
import { run as rotate, RotateJsonSchema, type RotateOptions } from '../../src/commands/rotate.js';
import { maskKey } from '../../src/keys/format.js';
import type { TestContext } from '../helpers/context.js';
import { outcomeOf } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { organizationWith, recordCheckedKey } from '../helpers/rotatable.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const ADMIN = makeKey('admin', 'unit-rotate-repeated');
const PROJECT = 'proj_RotateRepeat000000000000';
const KEYS = `/v1/organization/projects/${PROJECT}/api_keys`;
const ACCOUNTS = `/v1/organization/projects/${PROJECT}/service_accounts`;

const contexts = trackedContexts();
let keyCount = 0;

const options = (extra: Partial<RotateOptions> = {}): RotateOptions => ({ keepOld: false, yes: true, json: false, ...extra });

/** Profile "default" holding a user's key "laptop" of PROJECT, checked, and the admin key. */
async function setup(): Promise<TestContext & { old: string }> {
  const old = makeKey('proj', `unit-rotate-repeated-${keyCount++}`);
  const t = contexts.make({ admin: true, keychain: { default: old, 'default:admin': ADMIN }, interactive: false });
  organizationWith(t, { admin: ADMIN, project: PROJECT, old });
  t.org.admin.setKeyMeta(old, { name: 'laptop' });
  await recordCheckedKey(t, { old, project: PROJECT });
  return Object.assign(t, { old });
}

/**
 * The list at `path` answers a page asked for `after` an id with its first page again, saying
 * there is more; `create` (optional) replaces the answer to the create of a service account.
 */
function repeating(t: TestContext, path: string, create?: (input: string | URL | Request, init: RequestInit) => Promise<Response>): void {
  const fetch = (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const method = init.method ?? 'GET';
    if (create && method === 'POST' && url.pathname === ACCOUNTS) return create(input, init);
    if (method !== 'GET' || url.pathname !== path) return t.org.fetch(input, init);
    url.searchParams.delete('after');
    const first = (await (await t.org.fetch(url, init)).json()) as Record<string, unknown>;
    return new Response(JSON.stringify({ ...first, has_more: true }), { headers: { 'content-type': 'application/json' } });
  }) as unknown as SdkFetch;
  t.api.admin = createAdminApi({ env: {}, fetch });
}

const listed = (t: TestContext, path: string) => t.org.requests.filter((r) => r.method === 'GET' && r.path === path);

describe('rotate: a list page that repeats', () => {
  it("the old key, listed again on every page, is found once and deleted (not \"2 keys could be it\"); the look-up ends", async () => {
    const t = await setup();
    repeating(t, KEYS);
    expect(await rotate(t.ctx, options({ json: true }))).toBe(0);
    const doc = RotateJsonSchema.parse(JSON.parse(t.stdout));
    expect(doc.old).toMatchObject({ hint: maskKey(t.old), outcome: 'key_deleted' });
    expect(t.stderr).toContain(`✔ Revoked ${maskKey(t.old)}: deleted the key "laptop" from ${PROJECT}.`);
    expect(t.org.isLive(t.old)).toBe(false);
    // A page that brings nothing new ends the list: the first page, and the one that repeated it.
    expect(listed(t, KEYS)).toHaveLength(2);
  });

  it('a lost service account listed again on every page is deleted once and said deleted; a 404 on its delete is "gone", not a failure', async () => {
    for (const gone of [false, true]) {
      const t = await setup();
      let name = '';
      // The create reaches the organization (the account is made) and its answer is lost: a connection cut.
      repeating(t, ACCOUNTS, async (input, init) => {
        name = (JSON.parse(String(init.body)) as { name: string }).name;
        await t.org.fetch(input, init);
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      });
      // Deleted meanwhile (by someone on the page, say): the delete is answered 404.
      if (gone) t.org.admin.failNext({ method: 'DELETE', path: /service_accounts\/svc_acct_/ }, { status: 404, message: 'Service account not found.', type: 'invalid_request_error' });
      const result = await outcomeOf(rotate(t.ctx, options()));
      expect(result.code).toBe(6);
      expect(result.message).toBe(
        `Creating a service account in ${PROJECT} failed: The connection to api.openai.com was cut before an answer came. The service account ${name} was created all the same, with a key that never reached openai-setup: it was deleted again, so nothing was changed. ${maskKey(t.old)} is still stored and works.`,
      );
      const deletes = t.org.requests.filter((r) => r.method === 'DELETE');
      expect(deletes).toHaveLength(1);
      if (!gone) expect(t.org.admin.serviceAccounts(PROJECT)).toEqual([]);
      // rotate's check that the admin key can read (one page of one), then the look-up: the first page, and the one that repeated it.
      expect(listed(t, ACCOUNTS)).toHaveLength(3);
      expect(t.keychain.keyOf('default')).toBe(t.old);
    }
  });
});

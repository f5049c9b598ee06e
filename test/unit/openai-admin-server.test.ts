// Tests of the local server's Admin API (test/helpers/openai-admin.mjs): the answers the admin-key,
// rotate and spend commands are tested against must have the shapes the real API's are known to
// have, through the official SDK as well as raw HTTP, with each open question as a switch.
import OpenAI, { PermissionDeniedError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeKey, startOpenAIServer, type FakeOpenAI } from '../helpers/openai-server.js';

let server: FakeOpenAI;
const ADMIN = makeKey('admin', 'admin-server');
const READ_ONLY = makeKey('admin', 'admin-read-only');
const PROJECT_KEY = makeKey('proj', 'admin-server-user-key');
const OTHER_KEY = makeKey('proj', 'admin-server-other-key');
const PROJECT = 'proj_AdminServerTest0000000';

beforeAll(async () => {
  server = await startOpenAIServer();
  server.admin.addAdminKey(ADMIN);
  server.admin.addAdminKey(READ_ONLY, { scopes: ['api.management.read'] });
  server.admin.addProject({ id: PROJECT, name: 'openai-setup' });
  server.addKey(PROJECT_KEY, { scenario: 'valid', project: PROJECT });
  server.addKey(OTHER_KEY, { scenario: 'valid', project: 'proj_Other000000000000000000' });
});
afterAll(() => server.close());

function get(path: string, key: string | null, init: { method?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${server.baseURL}${path}`, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
}

async function json(path: string, key: string | null, init: { method?: string; body?: unknown } = {}) {
  const response = await get(path, key, init);
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
}

const admin = () => new OpenAI({ apiKey: null, adminAPIKey: ADMIN, baseURL: server.baseURL, maxRetries: 0, organization: null, project: null });

function withToggles<T>(toggles: Partial<FakeOpenAI['admin']['toggles']>, run: () => Promise<T>): Promise<T> {
  const before = { ...server.admin.toggles };
  Object.assign(server.admin.toggles, toggles);
  return run().finally(() => Object.assign(server.admin.toggles, before));
}

describe('authentication', () => {
  it('401 without a key, 401 with an unknown key (masked as the API masks it)', async () => {
    const none = await json('/organization/projects', null);
    expect(none.status).toBe(401);
    expect(none.body.error.message).toMatch(/^You didn't provide an API key/);
    const unknown = makeKey('admin', 'nobody');
    const wrong = await json('/organization/projects', unknown);
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_api_key');
    expect(wrong.body.error.message).toContain(`${unknown.slice(0, 8)}${'*'.repeat(unknown.length - 12)}${unknown.slice(-4)}`);
    expect(wrong.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
  });

  it('a project key gets 403 "Missing scopes: api.management.read" (api.usage.read on costs), nested or as a bare string, 401 when switched', async () => {
    const nested = await json('/organization/projects?limit=1', PROJECT_KEY);
    expect(nested.status).toBe(403);
    expect(nested.body.error).toMatchObject({ type: 'invalid_request_error', param: null, code: null });
    expect(nested.body.error.message).toMatch(/^You have insufficient permissions for this operation\. Missing scopes: api\.management\.read\. /);
    const costs = await json('/organization/costs?start_time=0', PROJECT_KEY);
    expect(costs.body.error.message).toMatch(/Missing scopes: api\.usage\.read\./);

    await withToggles({ errorShape: 'string', missingScopeStatus: 401 }, async () => {
      const bare = await json('/organization/projects?limit=1', PROJECT_KEY);
      expect(bare.status).toBe(401);
      expect(typeof bare.body.error).toBe('string');
      expect(bare.body.error).toMatch(/Missing scopes: api\.management\.read\./);
    });
  });

  it('an admin key missing a scope is refused for what needs it only', async () => {
    expect((await json('/organization/projects', READ_ONLY)).status).toBe(200);
    const write = await json(`/organization/projects/${PROJECT}/service_accounts`, READ_ONLY, { method: 'POST', body: { name: 'x' } });
    expect(write.status).toBe(403);
    expect(write.body.error.message).toMatch(/Missing scopes: api\.management\.write\./);
    expect((await json('/organization/costs?start_time=0', READ_ONLY)).body.error.message).toMatch(/api\.usage\.read/);
  });

  it('an admin key cannot call models; the model routes are otherwise unchanged', async () => {
    const models = await json('/models', ADMIN);
    expect(models.status).toBe(401);
    expect(models.body.error.message).toMatch(/Missing scopes: api\.model\.read/);
    expect((await json('/models', PROJECT_KEY)).status).toBe(200);
    expect((await json('/organization/nothing-here', ADMIN)).body.error.message).toBe('Invalid URL (GET /v1/organization/nothing-here)');
  });
});

describe('projects', () => {
  it('lists projects with cursor pagination, as the SDK reads them', async () => {
    const first = await json('/organization/projects?limit=1', ADMIN);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ object: 'list', has_more: true });
    expect(first.body.data[0]).toMatchObject({ object: 'organization.project', id: PROJECT, name: 'openai-setup', status: 'active', archived_at: null });
    expect(first.body.first_id).toBe(PROJECT);
    expect(first.body.last_id).toBe(PROJECT);
    const rest = await json(`/organization/projects?limit=100&after=${PROJECT}`, ADMIN);
    expect(rest.body.data.map((p: { id: string }) => p.id)).toContain('proj_Other000000000000000000');

    const ids: string[] = [];
    for await (const project of admin().admin.organization.projects.list({ limit: 1 })) ids.push(project.id);
    expect(ids.slice(0, 2)).toEqual([PROJECT, 'proj_Other000000000000000000']);
    expect((await json('/organization/projects?limit=0', ADMIN)).status).toBe(400);
    // A cursor naming no project: an empty last page, nothing more to follow.
    expect((await json('/organization/projects?limit=1&after=proj_unknown', ADMIN)).body).toEqual({ object: 'list', data: [], first_id: null, last_id: null, has_more: false });
  });

  it('an unknown project is 404 in the standard envelope', async () => {
    const missing = await json('/organization/projects/proj_nope/api_keys', ADMIN);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ type: 'invalid_request_error' });
    expect(missing.body.error.message).toMatch(/proj_nope/);
  });
});

describe('service accounts and project keys', () => {
  it('creating a service account returns its key once; the key works in that project; deleting the account revokes it', async () => {
    const created = await json(`/organization/projects/${PROJECT}/service_accounts`, ADMIN, { method: 'POST', body: { name: 'openai-setup-test' } });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ object: 'organization.project.service_account', name: 'openai-setup-test', role: 'member' });
    expect(created.body.id).toMatch(/^svc_acct_/);
    const apiKey = created.body.api_key;
    expect(apiKey).toMatchObject({ object: 'organization.project.service_account.api_key', name: 'Secret Key' });
    expect(apiKey.value).toMatch(/^sk-svcacct-[A-Za-z0-9_-]{74}T3BlbkFJ[A-Za-z0-9_-]{74}$/);
    expect(apiKey.id).toMatch(/^key_/);

    const models = await get('/models', apiKey.value);
    expect(models.status).toBe(200);
    expect(models.headers.get('openai-project')).toBe(PROJECT);

    const listed = await json(`/organization/projects/${PROJECT}/api_keys?owner_project_access=any`, ADMIN);
    const entry = listed.body.data.find((k: { id: string }) => k.id === apiKey.id);
    expect(entry).toMatchObject({ object: 'organization.project.api_key', owner: { type: 'service_account', service_account: { id: created.body.id } } });
    expect(entry.redacted_value).toHaveLength(167);
    expect(entry.redacted_value).toBe(`${apiKey.value.slice(0, 8)}${'*'.repeat(155)}${apiKey.value.slice(-4)}`);

    const deleted = await json(`/organization/projects/${PROJECT}/service_accounts/${created.body.id}`, ADMIN, { method: 'DELETE' });
    expect(deleted.body).toEqual({ object: 'organization.project.service_account.deleted', id: created.body.id, deleted: true });
    expect((await get('/models', apiKey.value)).status).toBe(401);
    expect(server.admin.isLive(apiKey.value)).toBe(false);
    expect((await json(`/organization/projects/${PROJECT}/service_accounts/${created.body.id}`, ADMIN, { method: 'DELETE' })).status).toBe(404);
  });

  it('create_service_account_only gives no key and role none; a name is required', async () => {
    const only = await json(`/organization/projects/${PROJECT}/service_accounts`, ADMIN, { method: 'POST', body: { name: 'bare', create_service_account_only: true } });
    expect(only.body).toMatchObject({ role: 'none', api_key: null });
    const unnamed = await json(`/organization/projects/${PROJECT}/service_accounts`, ADMIN, { method: 'POST', body: {} });
    expect(unnamed.status).toBe(400);
    expect(unnamed.body.error).toMatchObject({ code: 'missing_required_parameter', param: 'name' });
  });

  it("a user's key is listed (redacted: first 8, stars, last 4) and deleted; a service account's key per the switch", async () => {
    const userKey = makeKey('proj', 'admin-server-delete-me');
    server.addKey(userKey, { scenario: 'valid', project: PROJECT });
    server.admin.setKeyMeta(userKey, { name: 'laptop' });
    const listed = await json(`/organization/projects/${PROJECT}/api_keys?owner_project_access=any`, ADMIN);
    const entry = listed.body.data.find((k: { name: string }) => k.name === 'laptop');
    expect(entry.redacted_value).toBe(`${userKey.slice(0, 8)}${'*'.repeat(152)}${userKey.slice(-4)}`);
    expect(entry.owner.type).toBe('user');

    await withToggles({ ownerProjectAccess: 'membership' }, async () => {
      const hidden = await json(`/organization/projects/${PROJECT}/api_keys`, ADMIN);
      expect(hidden.body.data.some((k: { name: string }) => k.name === 'laptop')).toBe(false);
    });

    const deleted = await json(`/organization/projects/${PROJECT}/api_keys/${entry.id}`, ADMIN, { method: 'DELETE' });
    expect(deleted.body).toEqual({ object: 'organization.project.api_key.deleted', id: entry.id, deleted: true });
    expect((await get('/models', userKey)).status).toBe(401);

    const sa = await json(`/organization/projects/${PROJECT}/service_accounts`, ADMIN, { method: 'POST', body: { name: 'sa-key-delete' } });
    const refused = await json(`/organization/projects/${PROJECT}/api_keys/${sa.body.api_key.id}`, ADMIN, { method: 'DELETE' });
    expect(refused.status).toBe(400);
    expect(server.admin.isLive(sa.body.api_key.value)).toBe(true);
    await withToggles({ serviceAccountKeyDelete: 'allow' }, async () => {
      const allowed = await json(`/organization/projects/${PROJECT}/api_keys/${sa.body.api_key.id}`, ADMIN, { method: 'DELETE' });
      expect(allowed.status).toBe(200);
    });
    expect(server.admin.isLive(sa.body.api_key.value)).toBe(false);
  });

  it("user keys (legacy sk-…, sk-None-…) are in no project's key list, and cannot be deleted through it; they still call models", async () => {
    for (const [kind, id] of [['legacy', 'key_UserKeyLegacy000001'], ['none', 'key_UserKeyNone00000001']] as const) {
      const userKey = makeKey(kind, 'admin-server-user-key');
      server.addKey(userKey, { scenario: 'valid', project: PROJECT });
      server.admin.setKeyMeta(userKey, { name: `user-${kind}`, id });
      for (const query of ['?owner_project_access=any', '']) {
        const listed = await json(`/organization/projects/${PROJECT}/api_keys${query}`, ADMIN);
        expect(listed.body.data.map((k: { id: string }) => k.id), kind).not.toContain(id);
      }
      expect(server.admin.projectKeys(PROJECT).map((k) => k.value)).not.toContain(userKey);
      expect((await json(`/organization/projects/${PROJECT}/api_keys/${id}`, ADMIN, { method: 'DELETE' })).status).toBe(404);
      expect(server.admin.isLive(userKey)).toBe(true);
      expect((await get('/models', userKey)).status).toBe(200);
    }
  });

  it('updating a key exists only when switched on', async () => {
    const key = server.admin.projectKeys(PROJECT)[0]!;
    expect((await json(`/organization/projects/${PROJECT}/api_keys/${key.id}`, ADMIN, { method: 'POST', body: { scopes: [] } })).status).toBe(404);
    await withToggles({ keyUpdate: true }, async () => {
      const updated = await json(`/organization/projects/${PROJECT}/api_keys/${key.id}`, ADMIN, { method: 'POST', body: { expires_in_seconds: 60 } });
      expect(updated.status).toBe(200);
      expect(updated.body.expires_at).toBeTypeOf('number');
      expect((await json(`/organization/projects/${PROJECT}/api_keys/${key.id}`, ADMIN, { method: 'POST', body: {} })).status).toBe(400);
    });
  });

  it('failNext answers the next matching request with an error, once', async () => {
    server.admin.failNext({ method: 'POST', path: `/v1/organization/projects/${PROJECT}/service_accounts` }, { status: 500 });
    const failed = await json(`/organization/projects/${PROJECT}/service_accounts`, ADMIN, { method: 'POST', body: { name: 'x' } });
    expect(failed.status).toBe(500);
    expect(failed.body.error.type).toBe('server_error');
    expect((await json(`/organization/projects/${PROJECT}/service_accounts`, ADMIN, { method: 'POST', body: { name: 'x' } })).status).toBe(200);
  });

  it('the SDK surfaces a project key on admin routes as PermissionDeniedError, in either body shape', async () => {
    const asAdmin = new OpenAI({ apiKey: null, adminAPIKey: PROJECT_KEY, baseURL: server.baseURL, maxRetries: 0, organization: null, project: null });
    for (const errorShape of ['nested', 'string'] as const) {
      await withToggles({ errorShape }, async () => {
        const error = await asAdmin.admin.organization.projects.list({ limit: 1 }).then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(PermissionDeniedError);
        const inner = (error as { error?: unknown }).error;
        expect(errorShape === 'string' ? inner : (inner as { message: string }).message).toMatch(/Missing scopes: api\.management\.read/);
      });
    }
  });
});

describe('costs', () => {
  const march = Date.UTC(2026, 2, 1) / 1000;
  beforeAll(() => {
    server.admin.addCost({ day: '2026-03-01', projectId: PROJECT, amount: 0.5, lineItem: 'gpt-4o-mini, input' });
    server.admin.addCost({ day: '2026-03-01', projectId: PROJECT, amount: 0.25, lineItem: 'gpt-4o-mini, output' });
    server.admin.addCost({ day: '2026-03-01', projectId: 'proj_Other000000000000000000', amount: 1 });
    server.admin.addCost({ day: '2026-03-03', projectId: PROJECT, amount: 2 });
  });

  it('answers daily buckets from start_time, grouped by project, following next_page', async () => {
    const first = await json(`/organization/costs?start_time=${march}&end_time=${march + 5 * 86400}&bucket_width=1d&group_by[]=project_id&limit=2`, ADMIN);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ object: 'page', has_more: true });
    expect(first.body.next_page).toMatch(/^page_/);
    expect(first.body.data).toHaveLength(2);
    const day1 = first.body.data[0];
    expect(day1).toMatchObject({ object: 'bucket', start_time: march, end_time: march + 86400 });
    expect(day1.results).toEqual([
      { object: 'organization.costs.result', amount: { value: 0.75, currency: 'usd' }, line_item: null, project_id: PROJECT, api_key_id: null, quantity: null, quantity_unit: null },
      { object: 'organization.costs.result', amount: { value: 1, currency: 'usd' }, line_item: null, project_id: 'proj_Other000000000000000000', api_key_id: null, quantity: null, quantity_unit: null },
    ]);
    expect(first.body.data[1].results).toEqual([]);
    const second = await json(`/organization/costs?start_time=${march}&end_time=${march + 5 * 86400}&group_by=project_id&limit=2&page=${first.body.next_page}`, ADMIN);
    expect(second.body.data.map((b: { start_time: number }) => b.start_time)).toEqual([march + 2 * 86400, march + 3 * 86400]);
    expect(second.body.data[0].results[0].amount.value).toBe(2);
    const third = await json(`/organization/costs?start_time=${march}&end_time=${march + 5 * 86400}&group_by=project_id&limit=2&page=${second.body.next_page}`, ADMIN);
    expect(third.body).toMatchObject({ has_more: false, next_page: null });
    expect(third.body.data).toHaveLength(1);
  });

  it('accepts the array forms clients send, filters by project, and the SDK reads it', async () => {
    const forms = [`project_ids[]=${PROJECT}&group_by[]=line_item`, `project_ids=${PROJECT}&group_by=line_item`, `project_ids=${PROJECT},proj_x&group_by=line_item`];
    for (const form of forms) {
      const page = await json(`/organization/costs?start_time=${march}&end_time=${march + 86400}&${form}`, ADMIN);
      expect(page.body.data[0].results.map((r: { line_item: string }) => r.line_item)).toEqual(['gpt-4o-mini, input', 'gpt-4o-mini, output']);
    }
    const total = await json(`/organization/costs?start_time=${march}&end_time=${march + 86400}`, ADMIN);
    expect(total.body.data[0].results).toHaveLength(1);
    expect(total.body.data[0].results[0]).toMatchObject({ amount: { value: 1.75 }, project_id: null });

    const sdk = await admin().admin.organization.usage.costs({ start_time: march, end_time: march + 3 * 86400, group_by: ['project_id'], limit: 31 });
    expect(sdk.data).toHaveLength(3);
  });

  it('refuses what the API refuses: no start_time, another bucket width, a limit out of range', async () => {
    const none = await json('/organization/costs', ADMIN);
    expect(none.status).toBe(400);
    expect(none.body.error).toMatchObject({ code: 'missing_required_parameter', param: 'start_time' });
    expect((await json(`/organization/costs?start_time=${march}&bucket_width=1h`, ADMIN)).status).toBe(400);
    expect((await json(`/organization/costs?start_time=${march}&limit=181`, ADMIN)).status).toBe(400);
  });

  it('maxBucketsPerPage makes the server page before the limit (clients must follow next_page)', async () => {
    await withToggles({ maxBucketsPerPage: 1 }, async () => {
      const page = await json(`/organization/costs?start_time=${march}&end_time=${march + 3 * 86400}&limit=31`, ADMIN);
      expect(page.body.data).toHaveLength(1);
      expect(page.body.has_more).toBe(true);
    });
  });
});

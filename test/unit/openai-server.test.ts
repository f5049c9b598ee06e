// Tests of the test helpers themselves: the fake api.openai.com must answer the way
// docs/openai-api-answers.md says the real one does (§ numbers below point there), or every
// product test built on it proves nothing.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  AuthenticationError,
  RateLimitError,
} from 'openai';
import { EnvHttpProxyAgent, ProxyAgent, fetch as undiciFetch } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  goDuration,
  makeKey,
  maskKey,
  startOpenAIServer,
  type FakeOpenAI,
  type KeySetup,
  type Scenario,
} from '../helpers/openai-server.js';
import { startProxy, type FakeProxy } from '../helpers/proxy-server.js';

const REQUEST_ID = /^req_[0-9a-f]{32}$/;
const CHAT_BODY: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming = {
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'hi' }],
  max_tokens: 1,
};

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());

/** A fresh key for `setup`, so tests never share state. */
let keyCounter = 0;
function keyFor(setup: KeySetup | Scenario, kind: Parameters<typeof makeKey>[0] = 'proj'): string {
  const key = makeKey(kind, `test-${keyCounter++}`);
  server.addKey(key, setup);
  return key;
}

// organization/project: null so a stray OPENAI_ORG_ID / OPENAI_PROJECT_ID can't leak in (§6.1).
function client(apiKey: string, extra: ConstructorParameters<typeof OpenAI>[0] = {}): OpenAI {
  return new OpenAI({ apiKey, baseURL: server.baseURL, maxRetries: 0, organization: null, project: null, ...extra });
}

function call(route: 'models' | 'chat', key: string | null, init: { headers?: Record<string, string>; body?: unknown } = {}) {
  const headers: Record<string, string> = { ...init.headers };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (route === 'models') return fetch(`${server.baseURL}/models`, { headers });
  headers['content-type'] = 'application/json';
  return fetch(`${server.baseURL}/chat/completions`, {
    method: 'POST',
    headers,
    body: JSON.stringify(init.body ?? CHAT_BODY),
  });
}

/** Response header names minus the ones Node's HTTP server adds on its own. */
function apiHeaderNames(res: Response): string[] {
  const transport = new Set(['connection', 'content-length', 'date', 'keep-alive', 'transfer-encoding']);
  return [...res.headers.keys()].filter((h) => !transport.has(h)).sort();
}

describe('makeKey / maskKey / goDuration', () => {
  it('makes keys with the real shapes (§1.1) and is deterministic', () => {
    const shapes = {
      proj: /^sk-proj-[A-Za-z0-9_-]{74}T3BlbkFJ[A-Za-z0-9_-]{74}$/,
      svcacct: /^sk-svcacct-[A-Za-z0-9_-]{74}T3BlbkFJ[A-Za-z0-9_-]{74}$/,
      admin: /^sk-admin-[A-Za-z0-9_-]{58}T3BlbkFJ[A-Za-z0-9_-]{58}$/,
      legacy: /^sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}$/,
      none: /^sk-None-[A-Za-z0-9_-]{74}T3BlbkFJ[A-Za-z0-9_-]{74}$/,
    } as const;
    const lengths = { proj: 164, svcacct: 167, admin: 133, legacy: 51, none: 164 } as const;
    for (const kind of Object.keys(shapes) as (keyof typeof shapes)[]) {
      const key = makeKey(kind, 'a');
      expect(key).toMatch(shapes[kind]);
      expect(key).toHaveLength(lengths[kind]);
      expect(makeKey(kind, 'a')).toBe(key);
      expect(makeKey(kind, 'b')).not.toBe(key);
    }
  });

  it('masks per §1.2', () => {
    expect(maskKey('DEADBEEF')).toBe('DEADBEEF');
    expect(maskKey('CHANGE_ME')).toBe('CHANGE_ME');
    expect(maskKey('OPENAI_API_KEY')).toBe('OPENAI_A**_KEY');
    expect(maskKey('4f9bb533xxxxxxxxxxxxxxxxxxxxxxxxcc24')).toBe(`4f9bb533${'*'.repeat(24)}cc24`);
    expect(maskKey('0123456789')).toBe('01234*6789'); // 10–12: unobserved, still masked
    const legacy = makeKey('legacy', 'x');
    expect(maskKey(legacy)).toBe(`${legacy.slice(0, 8)}${'*'.repeat(39)}${legacy.slice(-4)}`);
  });

  it('formats durations like Go', () => {
    expect(goDuration(0.4)).toBe('0s');
    expect(goDuration(6)).toBe('6ms');
    expect(goDuration(8640)).toBe('8.64s');
    expect(goDuration(432_000)).toBe('7m12s');
    expect(goDuration(60_052)).toBe('1m0.052s');
    expect(goDuration(360_000)).toBe('6m0s');
  });
});

describe('valid key through the openai SDK', () => {
  it('lists models with the API headers and no rate-limit headers', async () => {
    const key = keyFor('valid');
    const { data, response, request_id } = await client(key).models.list().withResponse();
    const ids = data.data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['gpt-4o-mini', 'gpt-5-mini', 'omni-moderation-latest']));
    expect(data.data[0]).toMatchObject({ object: 'model', owned_by: 'system' });
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('openai-organization')).toMatch(/^user-[a-z0-9]{24}$/);
    expect(response.headers.get('openai-project')).toMatch(/^proj_[A-Za-z0-9]{24}$/);
    expect(response.headers.get('openai-version')).toBe('2020-10-01');
    expect(response.headers.get('openai-processing-ms')).toMatch(/^\d+$/);
    expect(request_id).toMatch(REQUEST_ID);
    expect([...response.headers.keys()].filter((h) => h.startsWith('x-ratelimit'))).toEqual([]);

    const seen = server.requestsFor(key);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'GET', path: '/v1/models', key, body: undefined });
    expect(seen[0]?.headers['authorization']).toBe(`Bearer ${key}`);
  });

  it('keeps organization and project stable per key, and honours overrides', async () => {
    const key = keyFor('valid');
    const a = await client(key).models.list().withResponse();
    const b = await client(key).models.list().withResponse();
    expect(a.response.headers.get('openai-organization')).toBe(b.response.headers.get('openai-organization'));
    expect(a.response.headers.get('openai-project')).toBe(b.response.headers.get('openai-project'));
    expect(a.request_id).not.toBe(b.request_id);

    const custom = keyFor({ scenario: 'valid', organization: 'acme-x1y2z3', project: 'proj_custom' });
    const c = await client(custom).models.list().withResponse();
    expect(c.response.headers.get('openai-organization')).toBe('acme-x1y2z3');
    expect(c.response.headers.get('openai-project')).toBe('proj_custom');
  });

  it('completes a chat with the tier rate-limit headers', async () => {
    const key = keyFor('valid');
    const { data, response } = await client(key)
      .chat.completions.create({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 })
      .withResponse();
    expect(data).toMatchObject({
      object: 'chat.completion',
      model: 'gpt-4.1-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'length' }],
      usage: { prompt_tokens: 8, completion_tokens: 1, total_tokens: 9 },
    });
    expect(data.id).toMatch(/^chatcmpl-/);
    const h = response.headers;
    expect(h.get('x-ratelimit-limit-requests')).toBe('10000');
    expect(h.get('x-ratelimit-limit-tokens')).toBe('200000');
    expect(h.get('x-ratelimit-remaining-requests')).toBe('9999');
    expect(h.get('x-ratelimit-remaining-tokens')).toBe('199991');
    expect(h.get('x-ratelimit-reset-requests')).toBe('8.64s');
    expect(h.get('x-ratelimit-reset-tokens')).toMatch(/^\d+(\.\d+)?(ms|s)$/);
    expect(h.get('openai-organization')).toMatch(/^user-/);
    expect(h.get('x-request-id')).toMatch(REQUEST_ID);
    expect(server.requestsFor(key)[0]?.body).toMatchObject({ model: 'gpt-4.1-mini', max_tokens: 1 });
  });

  it.each([
    ['free', '40000', '200'],
    [1, '200000', '10000'],
    [2, '2000000', '5000'],
    [3, '4000000', '5000'],
    [4, '10000000', '10000'],
    [5, '150000000', '30000'],
  ] as const)('tier %s reports x-ratelimit-limit-tokens %s (§3.4)', async (tier, tokens, requests) => {
    const key = keyFor({ scenario: 'valid', tier });
    const { response } = await client(key)
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 })
      .withResponse();
    expect(response.headers.get('x-ratelimit-limit-tokens')).toBe(tokens);
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe(requests);
  });
});

describe('authentication', () => {
  it('echoes an unknown 164-char key masked: first 8, 152 stars, last 4', async () => {
    const key = makeKey('proj', 'not-registered');
    const res = await call('models', key);
    expect(res.status).toBe(401);
    expect(apiHeaderNames(res)).toEqual(['content-type', 'x-request-id']);
    const masked = `sk-proj-${'*'.repeat(152)}${key.slice(-4)}`;
    expect(await res.text()).toBe(
      JSON.stringify({
        error: {
          message: `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`,
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      }),
    );
    expect(server.requestsFor(key)).toHaveLength(1);
  });

  it('surfaces as AuthenticationError in the SDK', async () => {
    const err = await client('CHANGE_ME').models.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err).toMatchObject({ status: 401, code: 'invalid_api_key', type: 'invalid_request_error' });
    expect((err as AuthenticationError).message).toContain('Incorrect API key provided: CHANGE_ME.');
    expect((err as AuthenticationError).requestID).toMatch(REQUEST_ID);
  });

  it.each([
    ['no header', null],
    ['empty bearer', ''],
  ])('answers a missing key (%s) with the "didn\'t provide" message', async (_label, key) => {
    const res = await call('chat', key);
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(body.error).toEqual({
      message: expect.stringMatching(/^You didn't provide an API key\. You need to provide your API key in an Authorization header/),
      type: 'invalid_request_error',
      param: null,
      code: null,
    });
    expect(server.requests.at(-1)?.key).toBeNull();
  });

  it('rejects a mismatched OpenAI-Organization / OpenAI-Project header, accepts the right ones', async () => {
    const key = keyFor({ scenario: 'valid', organization: 'user-abcdefghijklmnopqrstuvwx', project: 'proj_right' });
    // An organization that exists (another key's, by slug or org- id) but is not the key's.
    keyFor({ scenario: 'valid', organization: 'org-SomethingElse123' });
    const org = await call('models', key, { headers: { 'openai-organization': 'org-SomethingElse123' } });
    expect(org.status).toBe(401);
    expect(((await org.json()) as { error: unknown }).error).toEqual({
      message: 'OpenAI-Organization header should match organization for API key',
      type: 'invalid_request_error',
      param: null,
      code: 'mismatched_organization',
    });
    // One that does not exist at all: the value echoed.
    const none = await call('chat', key, { headers: { 'openai-organization': 'org-NoSuchOrg999' } });
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: unknown }).error).toEqual({
      message: 'No such organization: org-NoSuchOrg999.',
      type: 'invalid_request_error',
      param: null,
      code: 'invalid_organization',
    });
    const project = await call('chat', key, { headers: { 'openai-project': 'proj_wrong' } });
    expect(project.status).toBe(401);
    expect(((await project.json()) as { error: { code: string } }).error.code).toBe('mismatched_project');

    // The slug, the org- id with the same suffix, and the right project all pass.
    const good: Record<string, string>[] = [
      { 'openai-organization': 'user-abcdefghijklmnopqrstuvwx' },
      { 'openai-organization': 'org-abcdefghijklmnopqrstuvwx', 'openai-project': 'proj_right' },
    ];
    for (const headers of good) {
      expect((await call('models', key, { headers })).status).toBe(200);
    }
    // Through the SDK options too.
    const err = await client(key, { project: 'proj_other' }).models.list().catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 401, code: 'mismatched_project' });
  });

  it('checks the mismatch before the scenario', async () => {
    const key = keyFor({ scenario: 'no_credits', project: 'proj_a' });
    const res = await call('chat', key, { headers: { 'openai-project': 'proj_b' } });
    expect(res.status).toBe(401);
  });
});

describe('routes and validation', () => {
  it('answers unknown routes with Invalid URL', async () => {
    const key = keyFor('valid');
    const res = await fetch(`${server.origin}/v1/whatever`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(404);
    expect(await res.text()).toBe(
      '{"error":{"message":"Invalid URL (GET /v1/whatever)","type":"invalid_request_error","param":null,"code":null}}',
    );
    const wrongMethod = await fetch(`${server.baseURL}/models`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
    expect(wrongMethod.status).toBe(404);
    expect(server.requestsFor(key).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/whatever', 'POST /v1/models']);
  });

  it.each([
    ['no model', { messages: [{ role: 'user', content: 'hi' }] }, null],
    ['no messages', { model: 'gpt-4o-mini' }, 'missing_required_parameter'],
    ['empty messages', { model: 'gpt-4o-mini', messages: [] }, 'empty_array'],
    ['max_tokens 0', { ...CHAT_BODY, max_tokens: 0 }, 'integer_below_min_value'],
    ['max_tokens on gpt-5-mini', { ...CHAT_BODY, model: 'gpt-5-mini' }, 'unsupported_parameter'],
  ])('rejects a chat body with %s (400)', async (_label, body, code) => {
    const res = await call('chat', keyFor('valid'), { body });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: unknown }).error).toMatchObject({ type: 'invalid_request_error', code });
    expect(res.headers.get('x-ratelimit-limit-tokens')).toBe('200000');
  });

  it('accepts max_completion_tokens on reasoning models', async () => {
    const body = { model: 'gpt-5-mini', messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 1 };
    expect((await call('chat', keyFor('valid'), { body })).status).toBe(200);
  });
});

describe('scenarios', () => {
  type Expect = { status: number; type?: string; code?: string | null; message?: RegExp | string; html?: RegExp };
  const OK: Expect = { status: 200 };
  /** The same answer to both requests. */
  const both = (want: Expect): [Expect, Expect] => [want, want];
  // [scenario, GET /v1/models, POST /v1/chat/completions]
  const table: [Scenario, Expect, Expect][] = [
    ['valid', OK, OK],
    [
      'no_credits',
      OK,
      { status: 429, type: 'insufficient_quota', code: 'credit_balance_exhausted', message: /^You have no credits remaining\. Add credits .*\/billing\/\.$/ },
    ],
    [
      'no_credits_legacy',
      OK,
      { status: 429, type: 'insufficient_quota', code: 'insufficient_quota', message: /^You exceeded your current quota.*read the docs: https:\/\/platform\.openai\.com\/docs\/guides\/error-codes\/api-errors\.$/ },
    ],
    ['project_spend_limit', OK, { status: 429, type: 'insufficient_quota', code: 'project_spend_limit_exceeded', message: /settings\/proj_[A-Za-z0-9]{24}\/limits\.$/ }],
    ['org_spend_limit', OK, { status: 429, type: 'insufficient_quota', code: 'organization_spend_limit_exceeded' }],
    ['billing_not_active', OK, { status: 429, type: 'billing_not_active', code: 'billing_not_active', message: 'Your account is not active, please check your billing details on our website.' }],
    ['rate_limited', OK, { status: 429, type: 'requests', code: 'rate_limit_exceeded', message: /^Rate limit reached for gpt-4o-mini in organization org-[a-z0-9]{24} on requests per min \(RPM\): Limit 500, Used 500, Requested 1\. Please try again in 20s\./ }],
    ['region', { status: 403, type: 'request_forbidden', code: 'unsupported_country_region_territory' }, { status: 403, type: 'request_forbidden', code: 'unsupported_country_region_territory' }],
    ['region_html', { status: 403, html: /Sorry, you have been blocked/ }, { status: 403, html: /Sorry, you have been blocked/ }],
    ['deactivated', { status: 401, type: 'invalid_request_error', code: 'account_deactivated' }, { status: 401, type: 'invalid_request_error', code: 'account_deactivated' }],
    ['no_organization', { status: 401, type: 'invalid_request_error', code: 'no_organization' }, { status: 401, type: 'invalid_request_error', code: 'no_organization' }],
    ['restricted_no_models', { status: 401, type: 'invalid_request_error', code: null, message: /Missing scopes: api\.model\.read\./ }, OK],
    ['restricted_no_models_403', { status: 403, type: 'invalid_request_error', code: null, message: /Missing scopes: api\.model\.read\./ }, OK],
    ['restricted_no_chat', OK, { status: 401, type: 'invalid_request_error', code: null, message: /^You have insufficient permissions for this operation\. Missing scopes: model\.request\./ }],
    ['model_not_found', OK, { status: 404, type: 'invalid_request_error', code: 'model_not_found', message: 'The model `gpt-4o-mini` does not exist or you do not have access to it.' }],
    ['project_model_forbidden', OK, { status: 403, type: 'invalid_request_error', code: 'model_not_found', message: /^Project `proj_[A-Za-z0-9]{24}` does not have access to model `gpt-4o-mini`$/ }],
    ['server_error', { status: 500, type: 'server_error', code: null }, { status: 500, type: 'server_error', code: null }],
    ['overloaded', { status: 503, type: 'server_error', code: null, message: /^That model is currently overloaded/ }, { status: 503, type: 'server_error', code: null }],
    ['bad_gateway_html', { status: 502, html: /<h1>502 Bad Gateway<\/h1>/ }, { status: 502, html: /<h1>502 Bad Gateway<\/h1>/ }],
    [
      'access_terminated',
      { status: 429, type: 'access_terminated', code: null, message: /^Your access was terminated due to violation of our policies.*help center at help\.openai\.com\.$/ },
      { status: 429, type: 'access_terminated', code: null },
    ],
    ['captive_portal', { status: 200, html: /Sign in to the Wi-Fi/ }, { status: 200, html: /Sign in to the Wi-Fi/ }],
    ['restricted_no_models_short', { status: 403, type: 'invalid_request_error', code: 'missing_scope', message: 'You have insufficient permissions for this operation. Missing scopes: api.model.read' }, OK],
    ['restricted_no_chat_short', OK, { status: 401, type: 'invalid_request_error', code: 'missing_scope', message: 'You have insufficient permissions for this operation. Missing scopes: model.request' }],
    ['model_refused', OK, { status: 403, type: 'invalid_request_error', code: null, message: 'You are not allowed to sample from this model' }],
    ['slow_down', OK, { status: 429, type: 'rate_limit_error', code: 'slow_down', message: 'Please slow down.' }],
    ['billing_hard_limit', OK, { status: 400, type: 'invalid_request_error', code: 'billing_hard_limit_reached', message: 'Billing hard limit has been reached' }],
    ['ip_not_authorized', ...both({ status: 401, type: 'invalid_request_error', code: 'ip_not_authorized', message: 'Your IP is not authorized to make this request.' })],
    ['unsupported_country', ...both({ status: 403, type: 'invalid_request_error', code: 'unsupported_country', message: "OpenAI's services are not available in your country." })],
    ['organization_access_lost', ...both({ status: 401, type: 'invalid_request_error', code: 'invalid_organization', message: 'You do not have access to the organization tied to the API key.' })],
    ['organization_refused_empty', ...both({ status: 401, type: 'invalid_request_error', code: 'invalid_organization', message: '' })],
    ['org_usage_limit', OK, { status: 429, type: 'insufficient_quota', code: 'organization_usage_limit_exceeded' }],
    ['overloaded_unavailable', ...both({ status: 503, type: 'service_unavailable_error', code: 'server_is_overloaded' })],
    ['org_not_verified', OK, { status: 400, type: 'invalid_request_error', code: 'unsupported_value', message: /^Your organization must be verified to stream this model\. Please go to: https:\/\/platform\.openai\.com\/settings\/organization\/general / }],
  ];

  describe.each(table)('%s', (scenario, models, chat) => {
    it.each([
      ['models', models],
      ['chat', chat],
    ] as const)('%s', async (route, want) => {
      const key = keyFor(scenario);
      const res = await call(route, key);
      expect(res.status).toBe(want.status);
      const requestId = res.headers.get('x-request-id');
      const text = await res.text();
      if (want.html) {
        expect(res.headers.get('content-type')).toMatch(/^text\/html/);
        expect(text).toMatch(want.html);
        return;
      }
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(requestId).toMatch(REQUEST_ID);
      if (want.status === 200) return;
      const error = (JSON.parse(text) as { error: Record<string, unknown> }).error;
      expect(error).toMatchObject({ type: want.type, code: want.code });
      // Every body has `param: null`, but the no-credits one has none at all (§2.3), and the unverified organization's names `stream` (§2.6).
      if (scenario === 'no_credits') expect(error).not.toHaveProperty('param');
      else if (scenario === 'org_not_verified') expect(error).toHaveProperty('param', 'stream');
      else expect(error).toHaveProperty('param', null);
      if (typeof want.message === 'string') expect(error.message).toBe(want.message);
      else if (want.message) expect(error.message).toMatch(want.message);
      // The API's own 5xx wordings name the request; the newer 503's (unrecorded) does not.
      if (want.status >= 500 && scenario !== 'overloaded_unavailable') expect(error.message).toContain(`(Please include the request ID ${requestId} in your`);

      // Auth and billing refusals carry only content-type + x-request-id (§3.2).
      if (scenario === 'billing_not_active' || want.status === 401)
        expect(apiHeaderNames(res)).toEqual(['content-type', 'x-request-id']);
      if ([401, 403, 429].includes(want.status) && scenario !== 'project_model_forbidden' && scenario !== 'model_refused')
        expect(res.headers.get('openai-organization')).toBeNull();
      // A project's refusal names the project in its message, not in a header; other
      // refusals of the model lack the header too.
      if (['model_not_found', 'model_refused'].includes(scenario)) expect(res.headers.get('openai-project')).toBeNull();
      if (scenario === 'project_model_forbidden') {
        expect(res.headers.get('openai-organization')).not.toBeNull();
        expect(res.headers.get('openai-project')).toBeNull();
      }
    });
  });

  it("answers as Google's OpenAI-compatible endpoint refuses a key: 400 INVALID_ARGUMENT to both requests, as an object or inside an array", async () => {
    for (const [scenario, unwrap] of [
      ['google_key_not_valid', (body: unknown) => body],
      ['google_key_not_valid_array', (body: unknown) => (body as unknown[])[0]],
    ] as const) {
      const key = keyFor(scenario);
      for (const route of ['models', 'chat'] as const) {
        const res = await call(route, key);
        expect(res.status).toBe(400);
        const body: unknown = await res.json();
        expect(Array.isArray(body)).toBe(scenario === 'google_key_not_valid_array');
        expect(unwrap(body)).toMatchObject({
          error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT', details: [{ reason: 'API_KEY_INVALID' }, { locale: 'en-US' }] },
        });
      }
    }
  });

  it("answers as Cloudflare's edge does in front of the API: a JSON 502 whose `code` is a number, keys in its order, Cloudflare's headers and no x-request-id", async () => {
    const key = keyFor('bad_gateway_json');
    for (const route of ['models', 'chat'] as const) {
      const res = await call(route, key);
      expect(res.status).toBe(502);
      expect(await res.text()).toBe('{"error":{"code":502,"message":"Bad gateway.","param":null,"type":"cf_bad_gateway"}}');
      expect(res.headers.get('server')).toBe('cloudflare');
      expect(res.headers.get('cf-ray')).toMatch(/^[0-9a-f]{16}-AMS$/);
      expect(res.headers.get('x-request-id')).toBeNull();
    }
  });

  it('answers organization_refused_empty with its empty message to an OpenAI-Organization header not the key\'s too', async () => {
    const key = keyFor({ scenario: 'organization_refused_empty', organization: 'acme-corp' });
    const res = await call('models', key, { headers: { 'openai-organization': 'org-NoSuchOrg999' } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: unknown }).error).toEqual({ message: '', type: 'invalid_request_error', param: null, code: 'invalid_organization' });
  });

  it('answers a permission refusal as a bare string too: {"error": "<message>"}, on the list of models, or on both', async () => {
    for (const scenario of ['restricted_no_models_bare', 'restricted_bare'] as const) {
      const key = keyFor(scenario);
      const models = await call('models', key);
      expect(models.status).toBe(403);
      expect(await models.json()).toEqual({ error: expect.stringMatching(/^You have insufficient permissions for this operation\. Missing scopes: api\.model\.read\. Check that/) });
      const chat = await call('chat', key);
      if (scenario === 'restricted_no_models_bare') expect(chat.status).toBe(200);
      else expect(await chat.json()).toEqual({ error: expect.stringMatching(/Missing scopes: model\.request\./) });
    }
  });

  it('answers GET /v1/models apart from the test request when the key says so (KeySetup.models)', async () => {
    const rated = await call('models', keyFor({ scenario: 'no_credits', models: 'rate_limited' }));
    expect(rated.status).toBe(429);
    expect(rated.headers.get('retry-after')).toBe('20');
    expect((await rated.json()).error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded', message: expect.stringMatching(/^Rate limit reached for requests in organization org-[a-z0-9]{24} on requests per min \(RPM\)/) });
    const failing = await call('models', keyFor({ scenario: 'valid', models: 'server_error' }));
    expect(failing.status).toBe(500);
    expect((await failing.json()).error).toMatchObject({ type: 'server_error', code: null });
    const scoped = await call('models', keyFor({ scenario: 'no_credits', models: 'missing_scope' }));
    expect(scoped.status).toBe(401);
    expect((await scoped.json()).error.message).toMatch(/Missing scopes: api\.model\.read\./);
    // The test request still answers as the scenario does.
    const chat = await call('chat', keyFor({ scenario: 'no_credits', models: 'rate_limited' }));
    expect(chat.status).toBe(429);
    expect((await chat.json()).error).toMatchObject({ code: 'credit_balance_exhausted' });
    expect(await call('chat', keyFor({ scenario: 'valid', models: 'server_error' })).then((r) => r.status)).toBe(200);
    // A key that is not accepted is refused first, whatever its list would answer.
    expect(await call('models', makeKey('proj', 'unknown-models-answer')).then((r) => r.status)).toBe(401);
    expect(() => keyFor({ scenario: 'valid', models: 'nope' as never })).toThrow(/unknown models answer/);
  });

  it('writes the region body in its own key order (code, message, param, type)', async () => {
    const res = await call('models', keyFor('region'));
    expect(await res.text()).toBe(
      '{"error":{"code":"unsupported_country_region_territory","message":"Country, region, or territory not supported","param":null,"type":"request_forbidden"}}',
    );
  });

  it('writes the other bodies as message, type, param, code', async () => {
    const res = await call('chat', keyFor('billing_not_active'));
    expect(await res.text()).toBe(
      '{"error":{"message":"Your account is not active, please check your billing details on our website.","type":"billing_not_active","param":null,"code":"billing_not_active"}}',
    );
    expect(res.headers.get('retry-after')).toBeNull();
  });

  it('sends retry headers only on rate limits', async () => {
    const limited = await call('chat', keyFor('rate_limited'));
    expect(limited.headers.get('retry-after')).toBe('20');
    expect(limited.headers.get('retry-after-ms')).toBe('20000');
    expect(limited.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(limited.headers.get('x-ratelimit-limit-tokens')).toBe('200000');
    const broke = await call('chat', keyFor('no_credits'));
    expect(broke.headers.get('retry-after')).toBeNull();
    const slow = await call('chat', keyFor('slow_down'));
    expect(slow.headers.get('retry-after')).toBe('2');
    expect(slow.headers.get('retry-after-ms')).toBeNull();
  });

  it('names the requested model in model_not_found and through the SDK', async () => {
    const key = keyFor('model_not_found');
    const err = await client(key)
      .chat.completions.create({ model: 'gpt-9', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 404, code: 'model_not_found' });
    expect((err as Error).message).toBe('404 The model `gpt-9` does not exist or you do not have access to it.');
  });

  it('raises RateLimitError for no_credits in the SDK', async () => {
    const err = await client(keyFor('no_credits'))
      .chat.completions.create(CHAT_BODY)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err).toMatchObject({ code: 'credit_balance_exhausted', type: 'insufficient_quota' });
  });
});

describe('network failures', () => {
  it('hang: a short SDK timeout gives APIConnectionTimeoutError, and close() does not wait for a request never answered', async () => {
    const own = await startOpenAIServer();
    const key = makeKey('proj', 'hang');
    own.addKey(key, 'hang');
    const sdk = new OpenAI({ apiKey: key, baseURL: own.baseURL, maxRetries: 0, timeout: 300, organization: null, project: null });
    await expect(sdk.models.list()).rejects.toBeInstanceOf(APIConnectionTimeoutError);
    expect(own.requestsFor(key)).toHaveLength(1);

    // A request still pending when the server closes must not hold close() up. Once the server
    // has it (a 'hang' key's request is never answered), close() must settle with the request
    // still unanswered: the race can only be won by close(), or lost to an answer. Were close()
    // to wait for the request, neither would ever settle and the test would not pass.
    const request = fetch(`${own.baseURL}/models`, { headers: { authorization: `Bearer ${key}` } });
    const failure = request.then(
      () => null,
      (e: unknown) => e,
    );
    const answered = request.then(
      () => 'answered' as const,
      () => new Promise<never>(() => {}), // dropped, not answered: this side of the race never settles
    );
    while (own.requestsFor(key).length < 2) await new Promise((r) => setImmediate(r));
    expect(await Promise.race([own.close().then(() => 'closed' as const), answered])).toBe('closed');
    expect(await failure).toBeInstanceOf(TypeError); // fetch failed: the socket was dropped
  });

  it('reset: the SDK reports APIConnectionError', async () => {
    const key = keyFor('reset');
    const err = await client(key).models.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIConnectionError);
    expect(err).not.toBeInstanceOf(APIConnectionTimeoutError);
    expect(server.requestsFor(key)).toHaveLength(1);
  });
});

describe('openai-server-cli.mjs (plain node)', () => {
  it('prints its address, serves the keys given, and exits on SIGTERM', async () => {
    const key = makeKey('legacy', 'cli');
    const cli = fileURLToPath(new URL('../helpers/openai-server-cli.mjs', import.meta.url));
    const child = spawn(process.execPath, [cli, '--key', `${key}=valid:3`, '--key', 'other=region'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      const info = JSON.parse(line) as { baseURL: string; port: number };
      expect(info.baseURL).toBe(`http://127.0.0.1:${info.port}/v1`);
      const sdk = new OpenAI({ apiKey: key, baseURL: info.baseURL, maxRetries: 0, organization: null, project: null });
      const { response } = await sdk.chat.completions.create(CHAT_BODY).withResponse();
      expect(response.headers.get('x-ratelimit-limit-tokens')).toBe('4000000');
      const region = await fetch(`${info.baseURL}/models`, { headers: { authorization: 'Bearer other' } });
      expect(region.status).toBe(403);
      await region.text();
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });
});

describe('proxy', () => {
  let proxy: FakeProxy;
  const dispatchers: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    proxy = await startProxy();
  });
  afterEach(async () => {
    await Promise.all(dispatchers.splice(0).map((d) => d.close()));
  });
  afterAll(() => proxy.close());

  const viaProxy = (key: string, dispatcher: EnvHttpProxyAgent | ProxyAgent) => {
    dispatchers.push(dispatcher);
    // Undici's own fetch must go with its dispatcher (§6.4).
    return client(key, { fetch: undiciFetch as unknown as typeof fetch, fetchOptions: { dispatcher } });
  };

  it('EnvHttpProxyAgent (CONNECT, undici 7 default) reaches the server through the proxy', async () => {
    const key = keyFor('valid');
    const before = proxy.targets.length;
    const sdk = viaProxy(key, new EnvHttpProxyAgent({ httpProxy: proxy.url, noProxy: '' }));
    const { data, response } = await sdk.chat.completions.create(CHAT_BODY).withResponse();
    expect(data.choices[0]?.message.content).toBe('Hi');
    expect(response.headers.get('x-ratelimit-limit-tokens')).toBe('200000');
    expect((await sdk.models.list()).data.length).toBeGreaterThan(0);
    expect(proxy.targets.slice(before)).toContain(`127.0.0.1:${server.port}`);
    expect(server.requestsFor(key)).toHaveLength(2);
  });

  it('ProxyAgent with proxyTunnel: false (absolute-form) works too', async () => {
    const key = keyFor('valid');
    const before = proxy.targets.length;
    const sdk = viaProxy(key, new ProxyAgent({ uri: proxy.url, proxyTunnel: false }));
    const page = await sdk.models.list();
    expect(page.data.map((m) => m.id)).toContain('gpt-4o-mini');
    expect(proxy.targets.slice(before)).toEqual([`127.0.0.1:${server.port}`]);
    expect(server.requestsFor(key)[0]?.path).toBe('/v1/models');
  });

  it('passes errors through untouched', async () => {
    const key = keyFor('no_credits');
    const sdk = viaProxy(key, new EnvHttpProxyAgent({ httpProxy: proxy.url, noProxy: '' }));
    const err = await sdk.chat.completions.create(CHAT_BODY).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 429, code: 'credit_balance_exhausted' });
  });

  it('refuses non-loopback targets with 403 in both forms', async () => {
    const before = proxy.targets.length;
    const absoluteAgent = new ProxyAgent({ uri: proxy.url, proxyTunnel: false });
    const tunnelAgent = new ProxyAgent({ uri: proxy.url });
    dispatchers.push(absoluteAgent, tunnelAgent);
    const absolute = await undiciFetch('http://192.0.2.1:80/v1/models', { dispatcher: absoluteAgent });
    expect(absolute.status).toBe(403);
    await absolute.text();

    // undici 7 wraps it: TypeError "fetch failed" → DOMException "Request was cancelled."
    // → RequestAbortedError "Proxy response (403) !== 200 when HTTP Tunneling".
    const tunnelled = await undiciFetch('http://192.0.2.1:80/v1/models', { dispatcher: tunnelAgent }).catch(
      (e: unknown) => e,
    );
    expect(tunnelled).toBeInstanceOf(TypeError);
    const causes: string[] = [];
    for (let e: unknown = tunnelled; e instanceof Error; e = e.cause) causes.push(e.message);
    expect(causes.join(' / ')).toMatch(/Proxy response \(403\) !== 200/);
    expect(proxy.targets.slice(before)).toEqual(['192.0.2.1:80', '192.0.2.1:80']);
  });
});

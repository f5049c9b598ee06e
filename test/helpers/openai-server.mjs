// A local stand-in for api.openai.com (GET /v1/models, POST /v1/chat/completions, and POST /v1/responses
// for the closing screen's "one real call").
//
// Plain ESM JavaScript so that both vitest (via openai-server.ts) and plain `node` (the benchmark,
// openai-server-cli.mjs) can load it. Types live in openai-server.d.mts.
//
// Every body, status and header set below follows docs/openai-api-answers.md; section numbers
// in comments point there. Where that document marks something UNCONFIRMED, it also records the
// choice made here.

import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { createAdminWorld } from './openai-admin.mjs';

/** @typedef {import('./openai-server.d.mts').Scenario} Scenario */
/** @typedef {import('./openai-server.d.mts').KeySetup} KeySetup */
/** @typedef {import('./openai-server.d.mts').RecordedRequest} RecordedRequest */
/** @typedef {import('./openai-server.d.mts').FakeOpenAI} FakeOpenAI */

/** @type {readonly Scenario[]} */
export const SCENARIOS = Object.freeze([
  'valid',
  'no_credits',
  'no_credits_legacy',
  'project_spend_limit',
  'org_spend_limit',
  'billing_not_active',
  'rate_limited',
  'region',
  'region_html',
  'deactivated',
  'no_organization',
  'restricted_no_models',
  'restricted_no_models_403',
  'restricted_no_chat',
  'model_not_found',
  'project_model_forbidden',
  'server_error',
  'overloaded',
  'bad_gateway_html',
  'hang',
  'reset',
  'access_terminated',
  'captive_portal',
  'google_key_not_valid',
  'google_key_not_valid_array',
  'restricted_no_models_bare',
  'restricted_bare',
  'restricted_no_models_short',
  'restricted_no_chat_short',
  'model_refused',
  'slow_down',
  'billing_hard_limit',
  'ip_not_authorized',
  'unsupported_country',
  'organization_access_lost',
  'organization_refused_empty',
  'org_usage_limit',
  'overloaded_unavailable',
  'bad_gateway_json',
  'org_not_verified',
]);

/** What GET /v1/models may answer instead of its scenario's answer (KeySetup.models). */
const MODELS_ANSWERS = Object.freeze(['rate_limited', 'server_error', 'missing_scope']);

// ---------------------------------------------------------------------------------------------
// Deterministic identifiers

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'; // 64: one byte & 63 is uniform
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `length` characters from `charset`, derived from `seed` by a SHA-256 counter stream (rejection sampling keeps it unbiased). */
function derive(seed, length, charset) {
  const limit = 256 - (256 % charset.length);
  let out = '';
  for (let counter = 0; out.length < length; counter++) {
    const block = createHash('sha256').update(`${counter}\0${seed}`).digest();
    for (const byte of block) {
      if (byte >= limit) continue;
      out += charset[byte % charset.length];
      if (out.length === length) break;
    }
  }
  return out;
}

/**
 * Fake keys with the real shapes of §1.1 (gitleaks lengths: 164 / 167 / 133 / 51).
 * `sk-None-` length is UNCONFIRMED; it gets the sk-proj- shape.
 * @param {'proj' | 'svcacct' | 'admin' | 'legacy' | 'none'} kind
 * @param {string} seed
 */
export function makeKey(kind, seed) {
  const s = `${kind}:${seed}`;
  switch (kind) {
    case 'proj':
      return `sk-proj-${derive(`${s}:a`, 74, B64URL)}T3BlbkFJ${derive(`${s}:b`, 74, B64URL)}`;
    case 'svcacct':
      return `sk-svcacct-${derive(`${s}:a`, 74, B64URL)}T3BlbkFJ${derive(`${s}:b`, 74, B64URL)}`;
    case 'admin':
      return `sk-admin-${derive(`${s}:a`, 58, B64URL)}T3BlbkFJ${derive(`${s}:b`, 58, B64URL)}`;
    case 'none':
      return `sk-None-${derive(`${s}:a`, 74, B64URL)}T3BlbkFJ${derive(`${s}:b`, 74, B64URL)}`;
    case 'legacy':
      return `sk-${derive(`${s}:a`, 20, ALNUM)}T3BlbkFJ${derive(`${s}:b`, 20, ALNUM)}`;
    default:
      throw new TypeError(`makeKey: unknown kind ${JSON.stringify(kind)}`);
  }
}

/**
 * §1.2: first 8, one `*` per hidden char, last 4. Values of ≤ 9 chars come back whole.
 * 10–12 chars (never observed, §1.2) cannot show 8 + 4 and still hide something, so they hide
 * exactly one char before the last 4: e.g. 10 chars → 5 shown + `*` + 4 shown.
 * @param {string} key
 */
export function maskKey(key) {
  if (key.length <= 9) return key;
  const hidden = Math.max(1, key.length - 12);
  const head = key.length - 4 - hidden;
  return key.slice(0, head) + '*'.repeat(hidden) + key.slice(-4);
}

/**
 * A request body as the routes read it: JSON when it parses (an empty body is JSON with no value).
 * @param {string} raw
 * @returns {{ body: unknown, bodyIsJson: boolean }}
 */
function parsedBody(raw) {
  if (!raw.length) return { body: undefined, bodyIsJson: true };
  try {
    return { body: JSON.parse(raw), bodyIsJson: true };
  } catch {
    return { body: undefined, bodyIsJson: false };
  }
}

const requestId = () => `req_${randomBytes(16).toString('hex')}`;

// ---------------------------------------------------------------------------------------------
// Rate-limit headers (§3.3, §3.4), for gpt-4o-mini whatever model is asked for.

/** tokens = TPM; requests = what x-ratelimit-limit-requests shows (RPD for free and tier 1, RPM above); window in ms. */
const TIERS = {
  free: { tokens: 40_000, requests: 200, requestWindowMs: 86_400_000, rpm: 3 },
  1: { tokens: 200_000, requests: 10_000, requestWindowMs: 86_400_000, rpm: 500 },
  2: { tokens: 2_000_000, requests: 5_000, requestWindowMs: 60_000, rpm: 5_000 },
  3: { tokens: 4_000_000, requests: 5_000, requestWindowMs: 60_000, rpm: 5_000 },
  4: { tokens: 10_000_000, requests: 10_000, requestWindowMs: 60_000, rpm: 10_000 },
  5: { tokens: 150_000_000, requests: 30_000, requestWindowMs: 60_000, rpm: 30_000 },
};

/** Go `time.Duration` style as OpenAI prints it: `0s`, `6ms`, `8.64s`, `7m12s`, `1m0.052s`. */
export function goDuration(ms) {
  if (ms < 1) return '0s';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const totalMs = Math.round(ms);
  const h = Math.floor(totalMs / 3_600_000);
  const m = Math.floor((totalMs % 3_600_000) / 60_000);
  const sMs = totalMs % 60_000;
  const s = `${Math.floor(sMs / 1000)}${sMs % 1000 ? `.${String(sMs % 1000).padStart(3, '0').replace(/0+$/, '')}` : ''}s`;
  if (h) return `${h}h${m}m${s}`;
  if (m) return `${m}m${s}`;
  return s;
}

/** The six x-ratelimit-* headers after one request using `tokensUsed` tokens. */
function rateLimitHeaders(tier, tokensUsed, exhausted = false) {
  const t = TIERS[tier];
  return {
    'x-ratelimit-limit-requests': String(t.requests),
    'x-ratelimit-limit-tokens': String(t.tokens),
    'x-ratelimit-remaining-requests': String(exhausted ? 0 : t.requests - 1),
    'x-ratelimit-remaining-tokens': String(t.tokens - tokensUsed),
    'x-ratelimit-reset-requests': exhausted ? '20s' : goDuration(t.requestWindowMs / t.requests),
    'x-ratelimit-reset-tokens': goDuration((60_000 * tokensUsed) / t.tokens),
  };
}

// ---------------------------------------------------------------------------------------------
// Bodies (§2). Key order matters: message, type, param, code — except region (§2.5) and Cloudflare's JSON 502 (§2.7).

const err = (message, type, code, param = null) => ({ error: { message, type, param, code } });

const DOCS_HELP = 'contact us through our help center at help.openai.com';

const BODY = {
  missingKey: () =>
    err(
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
      'invalid_request_error',
      null, // code null (§2.2)
    ),
  invalidKey: (key) =>
    err(
      `Incorrect API key provided: ${maskKey(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      'invalid_request_error',
      'invalid_api_key',
    ),
  mismatchedOrganization: () =>
    err('OpenAI-Organization header should match organization for API key', 'invalid_request_error', 'mismatched_organization'),
  // An OpenAI-Organization value naming no organization at all; the value is echoed.
  noSuchOrganization: (value) => err(`No such organization: ${value}.`, 'invalid_request_error', 'invalid_organization'),
  // The key's owner is no longer a member of the key's organization (2026 wording).
  organizationAccessLost: () =>
    err('You do not have access to the organization tied to the API key.', 'invalid_request_error', 'invalid_organization'),
  // The same code with an empty message, as seen in 2023 (its cause not said).
  organizationRefusedEmpty: () => err('', 'invalid_request_error', 'invalid_organization'),
  // An IP allowlist (the project's, or the organization's) refusing the caller; `type` not recorded.
  ipNotAuthorized: () => err('Your IP is not authorized to make this request.', 'invalid_request_error', 'ip_not_authorized'),
  mismatchedProject: () =>
    err('OpenAI-Project header should match project for API key', 'invalid_request_error', 'mismatched_project'),
  region: () => ({
    error: {
      code: 'unsupported_country_region_territory',
      message: 'Country, region, or territory not supported',
      param: null,
      type: 'request_forbidden',
    },
  }),
  // The other region code; `type` not recorded (§2.5).
  unsupportedCountry: () => err("OpenAI's services are not available in your country.", 'invalid_request_error', 'unsupported_country'),
  // The current wording (2024–2025, §2.2); the diagnosis table also feeds the 2023 one.
  deactivated: () =>
    err(
      'The OpenAI account associated with this API key has been deactivated. If you are the developer for this OpenAI app, please check your email for more information. If you are seeing this error while using another app or site, please reach out to them for more help.',
      'invalid_request_error',
      'account_deactivated',
    ),
  // §2.2: a banned account, on a 429 like a rate limit. Code null as in 2023 (also seen: "access_terminated").
  accessTerminated: () =>
    err(
      `Your access was terminated due to violation of our policies, please check your email for more information. If you believe this is in error and would like to appeal, please ${DOCS_HELP}.`,
      'access_terminated',
      null,
    ),
  // Google's OpenAI-compatible endpoint refusing a key: 400, a number for `code`, the gRPC status
  // word and reason (continuedev/continue#8516, #11501). Not the OpenAI envelope: no type, no param.
  googleKeyNotValid: () => ({
    error: {
      code: 400,
      message: 'API key not valid. Please pass a valid API key.',
      status: 'INVALID_ARGUMENT',
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'API_KEY_INVALID',
          domain: 'googleapis.com',
          metadata: { service: 'generativelanguage.googleapis.com' },
        },
        { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: 'API key not valid. Please pass a valid API key.' },
      ],
    },
  }),
  noOrganization: () =>
    err(
      `You must be a member of an organization to use the API. Please ${DOCS_HELP}.`,
      'invalid_request_error',
      'no_organization',
    ),
  missingScope: (scope) =>
    err(
      `You have insufficient permissions for this operation. Missing scopes: ${scope}. Check that you have the correct role in your organization (Reader, Writer, Owner) and project (Member, Owner), and if you're using a restricted API key, that it has the necessary scopes.`,
      'invalid_request_error',
      null,
    ),
  // The same refusal as a bare string.
  missingScopeBare: (scope) => ({
    error: `You have insufficient permissions for this operation. Missing scopes: ${scope}. Check that you have the correct role in your organization, and if you're using a restricted API key, that it has the necessary scopes.`,
  }),
  // The 2026 short form: code missing_scope, no final full stop, no "Check that…".
  missingScopeShort: (scope) =>
    err(`You have insufficient permissions for this operation. Missing scopes: ${scope}`, 'invalid_request_error', 'missing_scope'),
  // As posted, this body has no `param` at all (§2.3): the envelope without it.
  noCredits: () => {
    const { error } = err(
      'You have no credits remaining. Add credits to continue using the API at https://platform.openai.com/settings/organization/billing/.',
      'insufficient_quota',
      'credit_balance_exhausted',
    );
    const { param: _absent, ...rest } = error;
    return { error: rest };
  },
  noCreditsLegacy: () =>
    err(
      'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
      'insufficient_quota',
      'insufficient_quota',
    ),
  projectSpendLimit: (project) =>
    err(
      `Your project has reached its configured enforced spend limit. Update your limit at https://platform.openai.com/settings/${project}/limits.`,
      'insufficient_quota',
      'project_spend_limit_exceeded',
    ),
  // Message UNCONFIRMED (§2.3): modelled on the project wording.
  orgSpendLimit: () =>
    err(
      'Your organization has reached its configured enforced spend limit. Update your limit at https://platform.openai.com/settings/organization/limits.',
      'insufficient_quota',
      'organization_spend_limit_exceeded',
    ),
  // Message UNCONFIRMED (§2.3): a stand-in of the same shape.
  orgUsageLimit: () =>
    err('Your organization has reached its usage limit.', 'insufficient_quota', 'organization_usage_limit_exceeded'),
  billingNotActive: () =>
    err('Your account is not active, please check your billing details on our website.', 'billing_not_active', 'billing_not_active'),
  rateLimited: (model, orgId, rpm) =>
    err(
      `Rate limit reached for ${model} in organization ${orgId} on requests per min (RPM): Limit ${rpm}, Used ${rpm}, Requested 1. Please try again in 20s. Visit https://platform.openai.com/account/rate-limits to learn more.`,
      'requests',
      'rate_limit_exceeded',
    ),
  // The same limit for a request that names no model (GET /v1/models; wording UNCONFIRMED, after the one above).
  rateLimitedRequests: (orgId, rpm) =>
    err(
      `Rate limit reached for requests in organization ${orgId} on requests per min (RPM): Limit ${rpm}, Used ${rpm}, Requested 1. Please try again in 20s. Visit https://platform.openai.com/account/rate-limits to learn more.`,
      'requests',
      'rate_limit_exceeded',
    ),
  // A 403 of the test request that names no known code: the model refused to this key.
  modelRefused: () => err('You are not allowed to sample from this model', 'invalid_request_error', null),
  // 429 slow_down, type rate_limit_error (message UNCONFIRMED: it gives no wait of its own).
  slowDown: () => err('Please slow down.', 'rate_limit_error', 'slow_down'),
  // the legacy hard limit, a 400 that carried the organization header.
  billingHardLimit: () => err('Billing hard limit has been reached', 'invalid_request_error', 'billing_hard_limit_reached'),
  modelNotFound: (model) =>
    err(`The model \`${model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found'),
  projectModelForbidden: (project, model) =>
    err(`Project \`${project}\` does not have access to model \`${model}\``, 'invalid_request_error', 'model_not_found'),
  serverError: (id) =>
    err(
      `The server had an error processing your request. Sorry about that! You can retry your request, or ${DOCS_HELP} if you keep seeing this error. (Please include the request ID ${id} in your email.)`,
      'server_error',
      null,
    ),
  overloaded: (id) =>
    err(
      `That model is currently overloaded with other requests. You can retry your request, or ${DOCS_HELP} if the error persists. (Please include the request ID ${id} in your message.)`,
      'server_error',
      null,
    ),
  // The newer 503 (3P, §2.7); message UNCONFIRMED.
  overloadedUnavailable: () =>
    err('The server is overloaded.', 'service_unavailable_error', 'server_is_overloaded'),
  // Cloudflare's JSON 502 in front of the API (§2.7): `code` a number, keys code, message, param, type.
  cfBadGateway: () => ({ error: { code: 502, message: 'Bad gateway.', param: null, type: 'cf_bad_gateway' } }),
  // A model only a verified organization may use (§2.6), on the test request.
  orgNotVerified: () =>
    err(
      'Your organization must be verified to stream this model. Please go to: https://platform.openai.com/settings/organization/general and click on Verify Organization. If you just verified, it can take up to 15 minutes for access to propagate.',
      'invalid_request_error',
      'unsupported_value',
      'stream',
    ),
  invalidUrl: (method, path) => err(`Invalid URL (${method} ${path})`, 'invalid_request_error', null),
  invalidJson: () =>
    err(
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
      'invalid_request_error',
      null,
    ),
  missingModel: () => err('you must provide a model parameter', 'invalid_request_error', null),
  missingMessages: () =>
    err("Missing required parameter: 'messages'.", 'invalid_request_error', 'missing_required_parameter', 'messages'),
  emptyMessages: () =>
    err(
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'invalid_request_error',
      'empty_array',
      'messages',
    ),
  maxTokensTooSmall: (param, value) =>
    err(
      `Invalid '${param}': integer below minimum value. Expected a value >= 1, but got ${value} instead.`,
      'invalid_request_error',
      'integer_below_min_value',
      param,
    ),
  maxTokensUnsupported: () =>
    err(
      "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      'invalid_request_error',
      'unsupported_parameter',
      'max_tokens',
    ),
};

const CLOUDFLARE_BLOCK_HTML = (ray) => `<!DOCTYPE html>
<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->
<!--[if gt IE 8]><!--> <html class="no-js" lang="en-US"> <!--<![endif]-->
<head>
<title>Attention Required! | Cloudflare</title>
<meta charset="UTF-8" />
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<meta name="robots" content="noindex, nofollow" />
<meta name="viewport" content="width=device-width,initial-scale=1" />
</head>
<body>
  <div id="cf-wrapper">
    <div id="cf-error-details" class="cf-error-details-wrapper">
      <div class="cf-wrapper cf-header cf-error-overview">
        <h1 data-translate="block_headline">Sorry, you have been blocked</h1>
        <h2 class="cf-subheadline"><span data-translate="unable_to_access">You are unable to access</span> openai.com</h2>
      </div>
      <div class="cf-section cf-wrapper">
        <h2 data-translate="blocked_why_headline">Why have I been blocked?</h2>
        <p data-translate="blocked_why_detail">This website is using a security service to protect itself from online attacks. The action you just performed triggered the security solution. There are several actions that could trigger this block including submitting a certain word or phrase, a SQL command or malformed data.</p>
        <h2 data-translate="blocked_resolve_headline">What can I do to resolve this?</h2>
        <p data-translate="blocked_resolve_detail">You can email the site owner to let them know you were blocked. Please include what you were doing when this page came up and the Cloudflare Ray ID found at the bottom of this page.</p>
      </div>
      <div class="cf-error-footer cf-wrapper">
        <p><span>Cloudflare Ray ID: <strong>${ray}</strong></span> &bull; <span>Performance &amp; security by Cloudflare</span></p>
      </div>
    </div>
  </div>
</body>
</html>
`;

// A network's sign-in page, answering every request with 200 before anything reaches the API.
const CAPTIVE_PORTAL_HTML = `<!DOCTYPE html>
<html>
<head><title>Sign in to the Wi-Fi</title></head>
<body>
<h1>Welcome to Guest Wi-Fi</h1>
<form method="post" action="/login"><label><input type="checkbox" name="accept"> I accept the terms of use</label> <button>Connect</button></form>
</body>
</html>
`;

const BAD_GATEWAY_HTML = `<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>cloudflare</center>
</body>
</html>
`;

// §4.3: the fields (`created`, `owned_by`) the real list has.
const MODELS = [
  { id: 'gpt-4o-mini', object: 'model', created: 1721172741, owned_by: 'system' },
  { id: 'gpt-4o', object: 'model', created: 1715367049, owned_by: 'system' },
  { id: 'gpt-4.1-mini', object: 'model', created: 1744318173, owned_by: 'system' },
  { id: 'gpt-5-mini', object: 'model', created: 1754425928, owned_by: 'system' },
  { id: 'o4-mini', object: 'model', created: 1744225351, owned_by: 'system' },
  { id: 'text-embedding-3-small', object: 'model', created: 1705948997, owned_by: 'system' },
  { id: 'whisper-1', object: 'model', created: 1677532384, owned_by: 'openai-internal' },
  { id: 'omni-moderation-latest', object: 'model', created: 1731689265, owned_by: 'system' },
];

// Reasoning models refuse `max_tokens` on chat completions.
const REASONING_MODEL = /^(o\d|gpt-5)/;

// ---------------------------------------------------------------------------------------------
// Answers: what the server says to one request, as data (no HTTP). The server below writes these
// to the socket as they are; answerFor() hands the same answers to unit tests.

/**
 * @param {KeySetup | Scenario} setup
 * @param {string} key
 */
function normalizeSetup(key, setup) {
  const s = typeof setup === 'string' ? { scenario: setup } : setup;
  if (!SCENARIOS.includes(s.scenario)) throw new TypeError(`unknown scenario ${JSON.stringify(s.scenario)}`);
  const tier = s.tier ?? 1;
  if (!(String(tier) in TIERS)) throw new TypeError(`unknown tier ${JSON.stringify(tier)}`);
  const organization = s.organization ?? `user-${derive(`org:${key}`, 24, LOWER_ALNUM)}`;
  // The `org-…` id that the OpenAI-Organization request header may carry instead of the slug.
  const orgId = organization.startsWith('org-')
    ? organization
    : `org-${organization.startsWith('user-') ? organization.slice(5) : derive(`orgid:${organization}`, 24, ALNUM)}`;
  if (s.models !== undefined && !MODELS_ANSWERS.includes(s.models)) throw new TypeError(`unknown models answer ${JSON.stringify(s.models)}`);
  return {
    scenario: s.scenario,
    models: s.models ?? null,
    organization,
    orgId,
    project: s.project ?? `proj_${derive(`proj:${key}`, 24, ALNUM)}`,
    tier,
  };
}

/** @typedef {ReturnType<typeof normalizeSetup>} Setup */
/** @typedef {import('./openai-server.d.mts').Answer} Answer */
/** @typedef {import('./openai-server.d.mts').Fault} Fault */

/**
 * Everything an answer depends on.
 * @typedef {object} Exchange
 * @property {string} method
 * @property {string} path  without query, e.g. '/v1/models'
 * @property {string | null} key  the Bearer token, or null without one
 * @property {Setup | undefined} setup  undefined: no key, or one the server does not know
 * @property {unknown} orgHeader  the OpenAI-Organization request header (string when sent)
 * @property {unknown} projectHeader  the OpenAI-Project request header (string when sent)
 * @property {(value: string) => boolean} organizationExists  whether an OpenAI-Organization value names an organization the server knows (any key's)
 * @property {unknown} body  the parsed JSON request body, or undefined
 * @property {boolean} bodyIsJson  false when a body came and was not JSON
 * @property {string} id  this answer's x-request-id
 * @property {() => number} processingMs  openai-processing-ms
 * @property {() => string} ray  16 hex characters for a Cloudflare Ray ID
 */

/**
 * The answer to one request, or the network fault that replaces it.
 * @param {Exchange} x
 * @returns {Answer | Fault}
 */
function respond(x) {
  const { method, path, key, setup, id } = x;

  /** JSON with exactly the given extra headers (plus content-type, content-length, x-request-id). */
  const json = (status, payload, headers = {}) => {
    const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
    return {
      status,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(Buffer.byteLength(text)),
        ...headers,
        'x-request-id': id,
      },
      body: text,
    };
  };
  const html = (status, page) => ({
    status,
    headers: {
      'content-type': 'text/html; charset=UTF-8',
      'content-length': String(Buffer.byteLength(page)),
      server: 'cloudflare',
      'cf-ray': `${x.ray()}-AMS`,
    },
    body: page,
  });

  // Network-level failures come before anything the API itself would say.
  if (setup?.scenario === 'hang') return { fault: 'hang' }; // socket stays open until the client gives up or close()
  if (setup?.scenario === 'reset') return { fault: 'reset' };
  if (setup?.scenario === 'captive_portal')
    return {
      status: 200,
      headers: { 'content-type': 'text/html; charset=utf-8', 'content-length': String(Buffer.byteLength(CAPTIVE_PORTAL_HTML)), 'cache-control': 'no-store' },
      body: CAPTIVE_PORTAL_HTML,
    };

  const route =
    method === 'GET' && path === '/v1/models'
      ? 'models'
      : method === 'POST' && path === '/v1/chat/completions'
        ? 'chat'
        : method === 'POST' && path === '/v1/responses'
          ? 'responses'
          : null;
  if (!route) return json(404, BODY.invalidUrl(method, path));

  // Auth errors carry only content-type + x-request-id (§3.2).
  if (key === null) return json(401, BODY.missingKey());
  if (!setup) return json(401, BODY.invalidKey(key));

  const { orgHeader, projectHeader } = x;
  // an organization that does not exist is invalid_organization; one that exists but is not
  // the key's is mismatched_organization.
  // (`organization_refused_empty`: the 2023 answer, an empty message whatever the cause.)
  if (typeof orgHeader === 'string' && orgHeader !== '' && orgHeader !== setup.organization && orgHeader !== setup.orgId)
    return json(
      401,
      setup.scenario === 'organization_refused_empty'
        ? BODY.organizationRefusedEmpty()
        : x.organizationExists(orgHeader)
          ? BODY.mismatchedOrganization()
          : BODY.noSuchOrganization(orgHeader),
    );
  if (typeof projectHeader === 'string' && projectHeader !== '' && projectHeader !== setup.project)
    return json(401, BODY.mismatchedProject());

  const apiHeaders = () => ({
    'openai-organization': setup.organization,
    'openai-processing-ms': String(x.processingMs()),
    'openai-project': setup.project,
    'openai-version': '2020-10-01',
  });

  // GET /v1/models answering apart from the test request (KeySetup.models): the key was taken
  // (the checks above passed), only the list failed.
  if (route === 'models' && setup.models === 'rate_limited')
    return json(429, BODY.rateLimitedRequests(setup.orgId, TIERS[setup.tier].rpm), { 'retry-after': '20', 'retry-after-ms': '20000' });
  if (route === 'models' && setup.models === 'server_error') return json(500, BODY.serverError(id));
  if (route === 'models' && setup.models === 'missing_scope') return json(401, BODY.missingScope('api.model.read'));

  // Failures that hit both endpoints.
  switch (setup.scenario) {
    case 'region':
      return json(403, BODY.region());
    case 'region_html':
      return html(403, CLOUDFLARE_BLOCK_HTML(x.ray()));
    case 'deactivated':
      return json(401, BODY.deactivated());
    case 'no_organization':
      return json(401, BODY.noOrganization());
    case 'access_terminated':
      return json(429, BODY.accessTerminated());
    case 'server_error':
      return json(500, BODY.serverError(id));
    case 'overloaded':
      return json(503, BODY.overloaded(id));
    case 'bad_gateway_html':
      return html(502, BAD_GATEWAY_HTML);
    // Cloudflare's edge answers, not the API: its headers, no x-request-id.
    case 'bad_gateway_json': {
      const text = JSON.stringify(BODY.cfBadGateway());
      return {
        status: 502,
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), server: 'cloudflare', 'cf-ray': `${x.ray()}-AMS` },
        body: text,
      };
    }
    case 'overloaded_unavailable':
      return json(503, BODY.overloadedUnavailable());
    case 'ip_not_authorized':
      return json(401, BODY.ipNotAuthorized());
    case 'unsupported_country':
      return json(403, BODY.unsupportedCountry());
    case 'organization_access_lost':
      return json(401, BODY.organizationAccessLost());
    case 'organization_refused_empty':
      return json(401, BODY.organizationRefusedEmpty());
    case 'google_key_not_valid':
      return json(400, BODY.googleKeyNotValid());
    // The same body inside a one-element array, as #8516 shows it.
    case 'google_key_not_valid_array':
      return json(400, [BODY.googleKeyNotValid()]);
  }

  if (route === 'models') {
    if (setup.scenario === 'restricted_no_models') return json(401, BODY.missingScope('api.model.read'));
    if (setup.scenario === 'restricted_no_models_403') return json(403, BODY.missingScope('api.model.read'));
    if (setup.scenario === 'restricted_no_models_bare' || setup.scenario === 'restricted_bare') return json(403, BODY.missingScopeBare('api.model.read'));
    if (setup.scenario === 'restricted_no_models_short') return json(403, BODY.missingScopeShort('api.model.read'));
    // §3.2: no x-ratelimit-* on /v1/models (UNCONFIRMED, expected).
    return json(200, { object: 'list', data: MODELS }, apiHeaders());
  }

  // POST /v1/chat/completions. Account-level refusals come before body validation
  // (the quota check runs before parameter checks, §4.1).
  const { body, bodyIsJson } = x;
  const b = /** @type {Record<string, unknown>} */ (bodyIsJson && body && typeof body === 'object' ? body : {});
  const model = typeof b.model === 'string' && b.model ? b.model : 'gpt-4o-mini';
  switch (setup.scenario) {
    case 'restricted_no_chat':
      return json(401, BODY.missingScope('model.request'));
    case 'restricted_bare':
      return json(403, BODY.missingScopeBare('model.request'));
    case 'restricted_no_chat_short':
      return json(401, BODY.missingScopeShort('model.request'));
    case 'slow_down':
      return json(429, BODY.slowDown(), { 'retry-after': '2' });
    case 'billing_hard_limit':
      return json(400, BODY.billingHardLimit(), { 'openai-organization': setup.organization });
    case 'billing_not_active':
      return json(429, BODY.billingNotActive());
    case 'org_usage_limit':
      return json(429, BODY.orgUsageLimit());
    case 'no_credits':
      return json(429, BODY.noCredits());
    case 'no_credits_legacy':
      return json(429, BODY.noCreditsLegacy());
    case 'project_spend_limit':
      return json(429, BODY.projectSpendLimit(setup.project));
    case 'org_spend_limit':
      return json(429, BODY.orgSpendLimit());
    case 'rate_limited':
      return json(429, BODY.rateLimited(model, setup.orgId, TIERS[setup.tier].rpm), {
        'retry-after': '20',
        'retry-after-ms': '20000',
        ...rateLimitHeaders(setup.tier, 0, true),
      });
  }

  if (route === 'responses') {
    // The closing screen's "one real call": a completed Response with one output_text, from which
    // the SDK builds `output_text`. Only what that call needs: model and input are required.
    if (!bodyIsJson) return json(400, BODY.invalidJson(), apiHeaders());
    if (typeof b.model !== 'string' || !b.model || b.input === undefined)
      return json(400, { error: { message: "Missing required parameter: 'model' or 'input'.", type: 'invalid_request_error', param: null, code: 'missing_required_parameter' } }, apiHeaders());
    const text = 'Hi there, nice to meet!';
    return json(
      200,
      {
        id: `resp_${derive(id, 48, HEX)}`,
        object: 'response',
        created_at: Math.floor(Date.now() / 1000),
        status: 'completed',
        error: null,
        incomplete_details: null,
        model,
        output: [
          {
            id: `msg_${derive(id + 'msg', 48, HEX)}`,
            type: 'message',
            status: 'completed',
            role: 'assistant',
            content: [{ type: 'output_text', text, annotations: [], logprobs: [] }],
          },
        ],
        usage: { input_tokens: 12, input_tokens_details: { cached_tokens: 0 }, output_tokens: 7, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 19 },
      },
      { ...apiHeaders(), ...rateLimitHeaders(setup.tier, 19) },
    );
  }

  // §3.2 [3P]: 400s on chat completions still carry the rate-limit headers.
  const chatHeaders = (tokens) => ({ ...apiHeaders(), ...rateLimitHeaders(setup.tier, tokens) });
  if (!bodyIsJson) return json(400, BODY.invalidJson(), chatHeaders(0));
  if (typeof b.model !== 'string' || !b.model) return json(400, BODY.missingModel(), chatHeaders(0));
  if (!Array.isArray(b.messages)) return json(400, BODY.missingMessages(), chatHeaders(0));
  if (b.messages.length === 0) return json(400, BODY.emptyMessages(), chatHeaders(0));
  if (b.max_tokens !== undefined && b.max_tokens !== null && REASONING_MODEL.test(model))
    return json(400, BODY.maxTokensUnsupported(), chatHeaders(0));
  for (const param of ['max_tokens', 'max_completion_tokens']) {
    const v = b[param];
    if (typeof v === 'number' && v < 1) return json(400, BODY.maxTokensTooSmall(param, v), chatHeaders(0));
  }

  // Error answers usually lack `openai-project`, this one too.
  if (setup.scenario === 'model_not_found') {
    const { 'openai-project': _project, ...headers } = apiHeaders();
    return json(404, BODY.modelNotFound(model), headers);
  }
  if (setup.scenario === 'org_not_verified') {
    const { 'openai-project': _project, ...headers } = apiHeaders();
    return json(400, BODY.orgNotVerified(), headers);
  }
  if (setup.scenario === 'model_refused') {
    const { 'openai-project': _project, ...headers } = apiHeaders();
    return json(403, BODY.modelRefused(), headers);
  }
  if (setup.scenario === 'project_model_forbidden') {
    // Error answers usually lack `openai-project` (§2.6, §3.2): the message names the project.
    const { 'openai-project': _project, ...headers } = apiHeaders();
    return json(403, BODY.projectModelForbidden(setup.project, model), headers);
  }

  const completion = {
    id: `chatcmpl-${derive(id, 29, ALNUM)}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'Hi', refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'length',
      },
    ],
    usage: {
      prompt_tokens: 8,
      completion_tokens: 1,
      total_tokens: 9,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    },
    service_tier: 'default',
    system_fingerprint: `fp_${derive(model, 10, '0123456789abcdef')}`,
  };
  return json(200, completion, chatHeaders(9));
}

const HEX = '0123456789abcdef';

/** What verify's billing probe sends (a 1-token request to gpt-4o-mini). */
const DEFAULT_CHAT_BODY = Object.freeze({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 1 });

/**
 * The server's answer to one probe, without HTTP: the status, headers (in wire order) and body
 * text it would send, or the fault (`hang`, `reset`) it would commit instead. Deterministic: the
 * request id, Ray IDs and processing time that the server draws at random are derived from the
 * arguments here (`created` in a 200 chat completion is still the current second).
 * @param {KeySetup | Scenario | null} setup  the key's setup; null = a key the server does not know
 * @param {'models' | 'chat'} probe  GET /v1/models, or POST /v1/chat/completions
 * @param {string | null} key  the Bearer key; null = no Authorization header
 * @param {import('./openai-server.d.mts').AnswerOptions} [options]
 * @returns {Answer | Fault}
 */
export function answerFor(setup, probe, key, options = {}) {
  const seed = `${probe}\0${key ?? ''}\0${options.path ?? ''}`;
  let rays = 0;
  return respond({
    method: probe === 'models' ? 'GET' : 'POST',
    path: options.path ?? (probe === 'models' ? '/v1/models' : '/v1/chat/completions'),
    key,
    setup: key === null || setup === null ? undefined : normalizeSetup(key, setup),
    orgHeader: options.organization,
    projectHeader: options.project,
    // The key's own organization exists, and those the caller names (`organizations`).
    organizationExists: (value) => (options.organizations ?? []).includes(value),
    body: probe === 'chat' ? (options.body ?? DEFAULT_CHAT_BODY) : undefined,
    bodyIsJson: true,
    id: options.requestId ?? `req_${derive(`id:${seed}`, 32, HEX)}`,
    processingMs: () => 120,
    ray: () => derive(`ray${rays++}:${seed}`, 16, HEX),
  });
}

// ---------------------------------------------------------------------------------------------
// Server

/**
 * The keys the server knows and the Admin API's organization around them (openai-admin.mjs):
 * every key's project is one of its projects.
 * @param {() => number} now  milliseconds, for created_at and the costs' "now"
 * @param {Partial<import('./openai-server.d.mts').AdminToggles>} [toggles]
 */
function organization(now, toggles) {
  /** @type {Map<string, Setup>} */
  const keys = new Map();
  const admin = createAdminWorld({
    derive,
    makeKey,
    maskKey,
    keys,
    addKey: (key, setup) => addKey(key, setup),
    missingKeyBody: BODY.missingKey,
    invalidKeyBody: BODY.invalidKey,
    now,
  });
  Object.assign(admin.toggles, toggles);
  /** @param {string} key @param {KeySetup | Scenario} setup */
  const addKey = (key, setup) => {
    keys.set(key, normalizeSetup(key, setup));
    admin.ensureProject(/** @type {Setup} */ (keys.get(key)).project);
  };
  return { keys, addKey, admin };
}

/**
 * The Admin API without HTTP, for unit tests: a fetch that answers admin requests from an
 * organization of its own exactly as the server does (the same bodies and statuses; only the
 * headers are fewer). Anything else is a 404.
 * @param {{ now?: () => number; toggles?: Partial<import('./openai-server.d.mts').AdminToggles> }} [options]
 */
export function createAdminOrganization(options = {}) {
  const { keys, addKey, admin } = organization(options.now ?? (() => Date.now()), options.toggles);
  /** @type {RecordedRequest[]} */
  const requests = [];
  let ids = 0;
  /** @param {string | URL | Request} input @param {RequestInit} [init] */
  const fetch = async (input, init = {}) => {
    if (init.signal?.aborted) throw init.signal.reason ?? new Error('aborted');
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const method = init.method ?? 'GET';
    const headers = new Headers(init.headers);
    const raw = init.body == null ? '' : typeof init.body === 'string' ? init.body : await new Response(init.body).text();
    const { body, bodyIsJson } = parsedBody(raw);
    const match = /^Bearer\s+(.*)$/i.exec((headers.get('authorization') ?? '').trim());
    const key = match?.[1]?.trim() || null;
    requests.push({ method, path: url.pathname, query: url.search, headers: Object.fromEntries(headers), body, key });
    const answer = answerAdmin(admin, { method, path: url.pathname, params: url.searchParams, key, body, bodyIsJson }) ?? {
      status: 404,
      body: BODY.invalidUrl(method, url.pathname),
    };
    return new Response(JSON.stringify(answer.body), {
      status: answer.status,
      headers: { 'content-type': 'application/json; charset=utf-8', 'x-request-id': `req_${derive(`mem:${ids++}`, 32, HEX)}`, ...answer.headers },
    });
  };
  return { fetch, addKey, admin: admin.control, requests, isLive: (/** @type {string} */ key) => keys.has(key) };
}

/**
 * The Admin API's answer, or null for a request the model routes answer: /v1/organization/*, and
 * an admin key sent to the model routes (it cannot call models: "Missing scopes: api.model.read",
 * the one report there is; its status is UNCONFIRMED).
 * @param {ReturnType<typeof createAdminWorld>} admin
 * @param {{ method: string, path: string, params: URLSearchParams, key: string | null, body: unknown, bodyIsJson: boolean }} x
 */
function answerAdmin(admin, x) {
  if (x.path === '/v1/organization' || x.path.startsWith('/v1/organization/')) return admin.answer(x);
  if (x.key !== null && admin.isAdminKey(x.key) && (x.path === '/v1/models' || x.path === '/v1/chat/completions')) {
    return { status: 401, body: BODY.missingScope('api.model.read') };
  }
  return null;
}

/** @param {import('node:http').IncomingMessage} req */
function readBody(req) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * @param {{ keys?: Record<string, KeySetup | Scenario>; host?: string; port?: number; admin?: { toggles?: Partial<import('./openai-server.d.mts').AdminToggles> } }} [options]
 * @returns {Promise<FakeOpenAI>}
 */
export async function startOpenAIServer(options = {}) {
  const host = options.host ?? '127.0.0.1';
  const { keys, addKey, admin } = organization(() => Date.now(), options.admin?.toggles);
  /** @type {RecordedRequest[]} */
  const requests = [];
  /** @type {Set<import('node:net').Socket>} */
  const sockets = new Set();
  for (const [key, setup] of Object.entries(options.keys ?? {})) addKey(key, setup);
  /** Keys whose requests wait (recorded, unanswered) until the test lets them go (holdAnswers). @type {Map<string, Promise<void>>} */
  const held = new Map();

  /** @type {import('node:http').RequestListener} */
  const handleRequest = async (req, res) => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    let raw = '';
    try {
      raw = await readBody(req);
    } catch {
      return; // client went away mid-body
    }
    const { body, bodyIsJson } = parsedBody(raw);
    const auth = req.headers.authorization;
    const match = typeof auth === 'string' ? /^Bearer\s+(.*)$/i.exec(auth.trim()) : null;
    const key = match?.[1]?.trim() || null;
    /** @type {RecordedRequest} */
    const recorded = { method, path, query: url.search, headers: req.headers, body, key };
    requests.push(recorded);
    // Held (holdAnswers): answered only once the test lets it go, then as any other.
    const hold = key === null ? undefined : held.get(key);
    if (hold) await hold;

    // A captive portal or a proxy login page in the API's place: models and chat answer with a
    // redirect, whatever the key (never followed by the client, which must not send the key on).
    if (options.redirect && (path === '/v1/models' || path === '/v1/chat/completions')) {
      const { status = 302, location } = options.redirect;
      res.writeHead(status, { location: typeof location === 'function' ? location(recorded) : location, 'content-length': '0' });
      res.end();
      return;
    }

    const adminAnswer = answerAdmin(admin, { method, path, params: url.searchParams, key, body, bodyIsJson });
    if (adminAnswer) {
      const text = JSON.stringify(adminAnswer.body);
      res.writeHead(adminAnswer.status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(Buffer.byteLength(text)),
        'openai-processing-ms': String(20 + Math.floor(Math.random() * 100)),
        'openai-version': '2020-10-01',
        'x-request-id': requestId(),
        ...adminAnswer.headers,
      });
      res.end(text);
      return;
    }

    const answer = respond({
      method,
      path,
      key,
      setup: key === null ? undefined : keys.get(key),
      orgHeader: req.headers['openai-organization'],
      projectHeader: req.headers['openai-project'],
      organizationExists: (value) => [...keys.values()].some((k) => k.organization === value || k.orgId === value),
      body,
      bodyIsJson,
      id: requestId(),
      processingMs: () => 80 + Math.floor(Math.random() * 300),
      ray: () => randomBytes(8).toString('hex'),
    });
    if ('fault' in answer) {
      // `hang`: the socket stays open until the client gives up or close().
      if (answer.fault === 'reset') req.socket.resetAndDestroy();
      return;
    }
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  };
  // With `tls` (a key and certificate in PEM), HTTPS like the real API.
  const server = options.tls ? createTlsServer({ key: options.tls.key, cert: options.tls.cert }, handleRequest) : createServer(handleRequest);

  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve(undefined);
    });
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('openai-server: no TCP address');
  const origin = `${options.tls ? 'https' : 'http'}://${options.tls?.hostname ?? (host.includes(':') ? `[${host}]` : host)}:${address.port}`;

  let closing;
  return {
    baseURL: `${origin}/v1`,
    origin,
    port: address.port,
    requests,
    addKey,
    admin: admin.control,
    requestsFor: (key) => requests.filter((r) => r.key === key),
    holdAnswers(key) {
      /** @type {() => void} */
      let release = () => {};
      held.set(key, new Promise((resolve) => (release = () => resolve(undefined))));
      return () => {
        held.delete(key);
        release();
      };
    },
    close() {
      // `hang` leaves requests open forever: drop every socket rather than wait for them.
      closing ??= new Promise((resolve) => {
        server.close(() => resolve(undefined));
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
  };
}

// Types for openai-server.mjs (plain JS so the benchmark can run it without a TS loader).

export type Scenario =
  | 'valid' // 200 for GET /v1/models and POST /v1/chat/completions
  | 'no_credits' // models 200; chat 429 insufficient_quota / credit_balance_exhausted (no retry-after)
  | 'no_credits_legacy' // models 200; chat 429 insufficient_quota / insufficient_quota (legacy message)
  | 'project_spend_limit' // models 200; chat 429 project_spend_limit_exceeded (names the key's project)
  | 'org_spend_limit' // models 200; chat 429 organization_spend_limit_exceeded (message UNCONFIRMED)
  | 'billing_not_active' // models 200; chat 429 billing_not_active (only content-type + x-request-id)
  | 'rate_limited' // models 200; chat 429 requests / rate_limit_exceeded, retry-after 20, x-ratelimit-*
  | 'region' // both 403 unsupported_country_region_territory (key order code, message, param, type)
  | 'region_html' // both 403 Cloudflare "Sorry, you have been blocked" HTML
  | 'deactivated' // both 401 account_deactivated
  | 'no_organization' // both 401 no_organization
  | 'restricted_no_models' // models 401 "Missing scopes: api.model.read"; chat 200
  | 'restricted_no_models_403' // same with 403 for GET /v1/models
  | 'restricted_no_chat' // models 200; chat 401 "Missing scopes: model.request"
  | 'model_not_found' // models 200; chat 404 model_not_found for the requested model
  | 'project_model_forbidden' // models 200; chat 403 model_not_found "Project `proj_…` does not have access to model `…`"
  | 'server_error' // both 500 server_error (message contains the request id)
  | 'overloaded' // both 503 server_error "That model is currently overloaded…"
  | 'bad_gateway_html' // both 502 HTML "502 Bad Gateway"
  | 'hang' // never answer (until close())
  | 'reset' // destroy the socket without answering
  | 'access_terminated' // both 429 type access_terminated, code null: a banned account, not a rate limit
  | 'captive_portal' // both 200 HTML sign-in page, whatever the path and key (a network's captive portal)
  | 'google_key_not_valid' // both 400 as Google's OpenAI-compatible endpoint refuses a key: {"error":{"code":400,"message":"API key not valid…","status":"INVALID_ARGUMENT","details":[…]}}
  | 'google_key_not_valid_array' // the same body inside a one-element array: [{"error":{…}}]
  | 'restricted_no_models_bare' // models 403 {"error": "…Missing scopes: api.model.read. Check…"} (a bare string); chat 200
  | 'restricted_bare' // the bare-string refusal on both: models api.model.read, chat model.request (403)
  | 'restricted_no_models_short' // models 403 code missing_scope "…Missing scopes: api.model.read" (no full stop); chat 200
  | 'restricted_no_chat_short' // models 200; chat 401 code missing_scope "…Missing scopes: model.request" (no full stop)
  | 'model_refused' // models 200; chat 403 "You are not allowed to sample from this model", code null, no openai-project
  | 'slow_down' // models 200; chat 429 rate_limit_error / slow_down "Please slow down.", retry-after 2
  | 'billing_hard_limit' // models 200; chat 400 billing_hard_limit_reached (legacy), with openai-organization
  | 'ip_not_authorized' // both 401 ip_not_authorized "Your IP is not authorized to make this request." (an IP allowlist)
  | 'unsupported_country' // both 403 unsupported_country "OpenAI's services are not available in your country."
  | 'organization_access_lost' // both 401 invalid_organization "You do not have access to the organization tied to the API key."
  | 'organization_refused_empty' // both 401 invalid_organization with an empty message, also for an OpenAI-Organization header not the key's
  | 'org_usage_limit' // models 200; chat 429 organization_usage_limit_exceeded (message UNCONFIRMED)
  | 'overloaded_unavailable' // both 503 service_unavailable_error / server_is_overloaded (message UNCONFIRMED)
  | 'bad_gateway_json' // both 502 Cloudflare JSON {"error":{"code":502,"message":"Bad gateway.","param":null,"type":"cf_bad_gateway"}}
  | 'org_not_verified'; // models 200; chat 400 unsupported_value "Your organization must be verified to stream this model…"

export declare const SCENARIOS: readonly Scenario[];

/** What GET /v1/models may answer apart from the key's scenario (KeySetup.models). */
export type ModelsAnswer = 'rate_limited' | 'server_error' | 'missing_scope';

export interface KeySetup {
  scenario: Scenario;
  /** Slug sent back in `openai-organization`; default 'user-' + 24 lowercase alnum derived from the key. */
  organization?: string;
  /** Id sent back in `openai-project`; default 'proj_' + 24 alnum derived from the key. */
  project?: string;
  /**
   * GET /v1/models answers this instead of what `scenario` says (the test request still answers as
   * the scenario does), once the key and any organization or project header are accepted:
   * 'rate_limited' 429 rate_limit_exceeded with retry-after 20, 'server_error' 500,
   * 'missing_scope' 401 "Missing scopes: api.model.read" (as restricted_no_models).
   */
  models?: ModelsAnswer;
  /** Drives x-ratelimit-limit-tokens per docs/openai-api-answers.md §3.4 (gpt-4o-mini); default 1. */
  tier?: 'free' | 1 | 2 | 3 | 4 | 5;
}

export interface RecordedRequest {
  method: string;
  /** Path including the /v1 prefix, without query, e.g. '/v1/models'. */
  path: string;
  /** Node's IncomingHttpHeaders (lower-case names). */
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or undefined (no body or not JSON). */
  body: unknown;
  /** Bearer token seen, or null. */
  key: string | null;
  /** The query string as received, with its `?` ('' without one). */
  query: string;
}

/** What the public record leaves open about the Admin API, as switches (see openai-admin.mjs). */
export interface AdminToggles {
  /** DELETE .../api_keys/{id} of a service account's key: 400 ('error', the long-standing behaviour) or deleted ('allow', the newer one). */
  serviceAccountKeyDelete: 'error' | 'allow';
  /** POST .../api_keys/{id} (update scopes or expiry) exists (newer); else 404 Invalid URL. */
  keyUpdate: boolean;
  /** Permission errors as {"error": {message, type, param, code}} ('nested') or {"error": "<message>"} ('string'). */
  errorShape: 'nested' | 'string';
  /** The status of "Missing scopes: …" answers. */
  missingScopeStatus: 401 | 403;
  /** "Missing scopes: x. Check that…" with code null ('long'), or the 2026 "Missing scopes: x" with no full stop and code missing_scope ('short'). */
  missingScopeForm: 'long' | 'short';
  /** 'membership': without owner_project_access=any, user-owned keys are left out of a project's key list. */
  ownerProjectAccess: 'visible' | 'membership';
  /** The scenario of keys issued to new service accounts (e.g. 'deactivated' for one that fails its check). */
  newServiceAccountKey: Scenario;
  /** At most this many cost buckets a page, whatever the limit asked (null: the limit). */
  maxBucketsPerPage: number | null;
}

export type AdminScope = 'api.management.read' | 'api.management.write' | 'api.usage.read';

/** A project API key as GET .../api_keys lists it, plus its value (for assertions). */
export interface ProjectKeyRecord {
  object: 'organization.project.api_key';
  id: string;
  name: string;
  redacted_value: string;
  created_at: number;
  owner: { type: 'user' | 'service_account'; user?: { id: string }; service_account?: { id: string; name: string } };
  value: string;
}

/** The organization behind the Admin API routes; every key's project is one of its projects. */
export interface AdminControl {
  /** Mutable: change a switch for the requests that follow. */
  toggles: AdminToggles;
  /** An admin key (sk-admin-…) with these scopes (default: all three). */
  addAdminKey(key: string, options?: { scopes?: AdminScope[]; name?: string }): void;
  /** A project (keys added with addKey create theirs, unnamed). */
  addProject(project: { id: string; name?: string | null; archived?: boolean }): void;
  /** The name (and id) a project key is listed with; default 'Secret key' and a derived key_… id. */
  setKeyMeta(key: string, meta: { name?: string; id?: string }): void;
  /** A cost on a UTC day ('2026-03-01', or the day's start in Unix seconds). */
  addCost(cost: { day: string | number; projectId: string | null; amount: number; lineItem?: string }): void;
  /** The next `times` (default 1) admin requests matching answer `status` with the standard error envelope (or `body`), and any `headers` (a redirect's Location). */
  failNext(
    match: { method?: string; path: string | RegExp },
    failure: { status: number; message?: string; type?: string; code?: string | null; body?: unknown; headers?: Record<string, string> },
    times?: number,
  ): void;
  serviceAccounts(projectId?: string): Array<{ id: string; name: string; role: string; created_at: number }>;
  /** The project's key list: never a user key (legacy sk-…, sk-None-…), whatever project /v1/models names for it. */
  projectKeys(projectId: string): ProjectKeyRecord[];
  /** Does the server still accept this key (not revoked, not deleted)? */
  isLive(key: string): boolean;
}

export interface FakeOpenAI {
  /** e.g. 'http://127.0.0.1:43121/v1' — what the SDK's baseURL / OPENAI_BASE_URL is set to */
  baseURL: string;
  /** 'http://127.0.0.1:43121' */
  origin: string;
  port: number;
  requests: RecordedRequest[];
  addKey(key: string, setup: KeySetup | Scenario): void;
  /** The Admin API's organization: admin keys, projects, service accounts, costs, switches. */
  admin: AdminControl;
  /** requests seen that carried this key */
  requestsFor(key: string): RecordedRequest[];
  /**
   * From now on, requests carrying `key` are recorded but not answered until the function returned
   * is called; then each is answered as it would have been (a live call that takes as long as the
   * test wants: its spinner shows meanwhile).
   */
  holdAnswers(key: string): () => void;
  close(): Promise<void>;
}

export declare function startOpenAIServer(options?: {
  keys?: Record<string, KeySetup | Scenario>;
  host?: string;
  port?: number;
  admin?: { toggles?: Partial<AdminToggles> };
  /** Serve HTTPS with this PEM key and certificate; `hostname` (default the host) names the server in its URLs. */
  tls?: { key: string; cert: string; hostname?: string };
  /** GET /v1/models and POST /v1/chat/completions answer with this redirect, whatever the key (a captive portal, a proxy login page); the requests are still recorded. */
  redirect?: Redirect;
}): Promise<FakeOpenAI>;

/** A redirect answer: `status` (default 302) and its Location, fixed or made from the request (e.g. from its key). */
export interface Redirect {
  status?: number;
  location: string | ((request: RecordedRequest) => string);
}

/** Deterministic fake keys with the real shapes of docs/openai-api-answers.md §1.1, e.g. makeKey('proj', 'a') → 164-char `sk-proj-…T3BlbkFJ…`. */
export declare function makeKey(kind: 'proj' | 'svcacct' | 'admin' | 'legacy' | 'none', seed: string): string;

/** The masking rule of docs/openai-api-answers.md §1.2 as the fake server applies it to an unknown key it echoes back. */
export declare function maskKey(key: string): string;

/** Go `time.Duration` formatting as used in x-ratelimit-reset-* ('6ms', '8.64s', '7m12s'). */
export declare function goDuration(ms: number): string;

/** An HTTP answer of the server, as it goes on the wire. */
export interface Answer {
  status: number;
  /** In the order they are written; lower-case names; content-length as a string. */
  headers: Record<string, string>;
  /** The body text (JSON, or an HTML page). */
  body: string;
}

/** What the server does instead of answering: keep the socket open (`hang`) or reset it (`reset`). */
export interface Fault {
  fault: 'hang' | 'reset';
}

export interface AnswerOptions {
  /** The OpenAI-Organization request header, when one is sent. */
  organization?: string;
  /**
   * Organizations that exist besides the key's own: a header naming one of them is
   * mismatched_organization, any other value invalid_organization ("No such organization").
   */
  organizations?: string[];
  /** The OpenAI-Project request header, when one is sent. */
  project?: string;
  /** The parsed JSON body of the chat request; default what verify sends: gpt-4o-mini, one 'Hi', max_tokens 1. */
  body?: unknown;
  /** The request path as received, e.g. '/models' for a base URL without /v1; default the probe's /v1 path. */
  path?: string;
  /** The x-request-id to answer with; default one derived from the arguments. */
  requestId?: string;
}

/**
 * The server's answer to one probe without HTTP (the server sends exactly these), or the fault it
 * commits instead. `setup` null = a key the server does not know; `key` null = no Authorization
 * header. Deterministic except `created` in a 200 chat completion.
 */
export declare function answerFor(
  setup: KeySetup | Scenario | null,
  probe: 'models' | 'chat',
  key: string | null,
  options?: AnswerOptions,
): Answer | Fault;

/** An organization answering the Admin API without HTTP (for unit tests), as the server would. */
export interface AdminOrganization {
  /** A fetch for the SDK: admin routes answered from this organization; anything else 404. */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** A project key of this organization (its project becomes one of the organization's). */
  addKey(key: string, setup: KeySetup | Scenario): void;
  admin: AdminControl;
  requests: RecordedRequest[];
  isLive(key: string): boolean;
}

export declare function createAdminOrganization(options?: { now?: () => number; toggles?: Partial<AdminToggles> }): AdminOrganization;

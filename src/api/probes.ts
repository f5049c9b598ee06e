// The real API: the live check through the official SDK, and doctor's reachability probe, both on
// the one HTTP path (http.ts). Everything that came back is handed to verdict.ts as plain data.
import type { ClientOptions } from 'openai';
import { VERSION as SDK_VERSION } from 'openai/version';
import { createTransport, sdkFetch, sdkLogger, type SdkFetch, type Transport } from './http.js';
import type { CertSeen, Failure, HeaderLookup } from './diagnosis.js';
import { checkedHeaders } from './identifiers.js';
import type { Api, CheckRequest, Reachability } from './types.js';
import { answerOutcome, verdict, type ProbeOutcome } from './verdict.js';

type Sdk = typeof import('openai');

// Codes that name no cause: 'GenericFailure', and minipass-fetch's own 'FETCH_ERROR', which a
// socket's code replaces (a body that is not the JSON it claims to be has it alone).
const CODES_OF_NO_CAUSE = new Set(['GenericFailure', 'FETCH_ERROR']);

/**
 * The code and message of the innermost error of a request (the SDK wraps fetch's error, which
 * wraps the socket's). A code that names no cause (CODES_OF_NO_CAUSE) is skipped.
 */
function causeOf(error: unknown): { code: string | null; text: string; cert?: CertSeen } {
  let code: string | null = null;
  let text = '';
  let cert: CertSeen | undefined;
  let current: unknown = error;
  for (let depth = 0; current && depth < 6; depth++) {
    const e = current as { code?: unknown; message?: unknown; cause?: unknown; cert?: unknown };
    if (typeof e.message === 'string' && e.message) text = e.message;
    if (typeof e.code === 'string' && !CODES_OF_NO_CAUSE.has(e.code)) code = e.code;
    cert = certSeen(e.cert) ?? cert;
    current = e.cause;
  }
  return { code, text, ...(cert ? { cert } : {}) };
}

/** The dates and names of the peer certificate a TLS error carries (Node's hostname mismatch), bounded. */
function certSeen(cert: unknown): CertSeen | undefined {
  if (!cert || typeof cert !== 'object') return undefined;
  const { valid_from: validFrom, valid_to: validTo, subjectaltname: names } = cert as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' && value ? value.slice(0, 200) : undefined);
  const seen = { validFrom: text(validFrom), validTo: text(validTo), names: text(names) };
  return seen.validFrom || seen.validTo || seen.names ? seen : undefined;
}

// An API message longer than this is cut before it is read: no real one comes near it, and the
// text shown is bounded far below (terminal/sanitize.ts).
const MAX_MESSAGE_CHARS = 4096;

/** The `error` member of an answer, its message (or the bare string that is one) cut to MAX_MESSAGE_CHARS. */
function boundedError(inner: unknown): unknown {
  if (typeof inner === 'string') return inner.slice(0, MAX_MESSAGE_CHARS);
  if (!inner || typeof inner !== 'object') return inner;
  const { message } = inner as { message?: unknown };
  return typeof message === 'string' && message.length > MAX_MESSAGE_CHARS ? { ...inner, message: message.slice(0, MAX_MESSAGE_CHARS) } : inner;
}

/** The status and headers of an answer that came. */
export interface AnswerHead {
  status: number;
  headers: HeaderLookup;
}

/**
 * A fetch that keeps the head of the last answer it got, for a client that makes one request: an
 * error thrown once one came is about that answer, not the network (see failureOf).
 */
export function answerKeeping(fetch: SdkFetch): { fetch: SdkFetch; answered: () => AnswerHead | null } {
  let head: AnswerHead | null = null;
  const keeping = async (...args: Parameters<SdkFetch>) => {
    const response = await fetch(...args);
    head = { status: response.status, headers: response.headers };
    return response;
  };
  return { fetch: keeping as SdkFetch, answered: () => head };
}

/**
 * What a request that threw comes to; `deadline` is the check's own time limit, `answered` the
 * answer that came (answerKeeping), if one did.
 */
export function failureOf(error: unknown, sdk: Sdk, deadline: AbortSignal, key: string, answered: AnswerHead | null = null): Failure {
  // The deadline decides what a timeout is: an abort for another reason (a proxy refusing the
  // tunnel aborts the request too) is reported as what it is.
  if (deadline.aborted || error instanceof sdk.APIConnectionTimeoutError) return { kind: 'timeout' };
  if (error instanceof sdk.APIError && error.status !== undefined) {
    // The SDK keeps the `error` member of a JSON body; anything else was not the API's answer.
    const inner = (error as { error?: unknown }).error;
    return {
      kind: 'http',
      status: error.status,
      headers: error.headers ? checkedHeaders(error.headers, [key]) : null,
      body: inner === undefined ? undefined : { error: boundedError(inner) },
      requestId: error.requestID ?? null,
    };
  }
  const cause = causeOf(error);
  // Only a connection's error (the SDK's, or one with a system code: a reset, a body past the cap,
  // bytes that are not HTTP) is the network's. Anything else thrown once an answer came is the SDK
  // failing to make sense of it (a page built from a `null` body, a message from a body nested
  // past the stack): an answer that is not the API's, as any page in its place.
  if (answered && cause.code === null && !(error instanceof sdk.APIConnectionError)) {
    return { kind: 'http', status: answered.status, headers: checkedHeaders(answered.headers, [key]), body: undefined, requestId: answered.headers.get('x-request-id') };
  }
  // When it failed by this machine's clock: a certificate out of its dates is said with it.
  return { kind: 'transport', code: cause.code, text: cause.text.slice(0, MAX_MESSAGE_CHARS), ...(cause.cert ? { cert: cause.cert } : {}), at: new Date() };
}

/**
 * The `{"error": …}` envelope of an error body, also when it is the one element of an array, as
 * Google's gateway sends it (`[{"error":{"code":400,"message":"API key not valid…"}}]`).
 */
function errorEnvelope(body: unknown): unknown {
  const first: unknown = Array.isArray(body) ? body[0] : undefined;
  return first !== null && typeof first === 'object' && 'error' in first ? first : body;
}

/**
 * The SDK's client, for the live check and the Admin API alike, but an error body sent as a
 * one-element array is read as the object inside: the SDK keeps only an object's `error`, and the
 * diagnosis would see no answer of the API at all.
 */
export function clientClass(sdk: Sdk) {
  const Client = class extends sdk.OpenAI {
    // `error` is the parsed JSON body, undefined for any other (the SDK's type says Object).
    protected override makeStatusError(status: number, error: object, message: string | undefined, headers: Headers) {
      return super.makeStatusError(status, errorEnvelope(error) as object, message, headers);
    }
  };
  // The SDK's User-Agent is its class's name (`OpenAI/JS 6.x`): the API sees the SDK's own.
  Object.defineProperty(Client, 'name', { value: sdk.OpenAI.name });
  return Client;
}

/**
 * The SDK's User-Agent, for doctor's probe, which does not load the SDK (parsing it takes ~25 ms):
 * the SDK's getUserAgent() with its class's name, and its version from the one-line
 * `openai/version` module, which the bundle carries in main.cjs.
 */
const SDK_USER_AGENT = `OpenAI/JS ${SDK_VERSION}`;

/**
 * The headers a client is given over those the SDK reads from OPENAI_CUSTOM_HEADERS itself (from
 * process.env, in its constructor, and sent after its own): ours win over the variable's. The key
 * is sent as the SDK sends it, so that an Authorization line there cannot replace the key checked;
 * the organization and project are the ones passed (null: none), so that only headers named with
 * where they came from are sent; the variable's others as the request carries them (check.ts).
 */
export function pinnedHeaders(key: string, request: Pick<CheckRequest, 'organization' | 'project' | 'headers'> = {}): Record<string, string | null> {
  return {
    ...request.headers,
    authorization: `Bearer ${key}`,
    'openai-organization': request.organization?.value ?? null,
    'openai-project': request.project?.value ?? null,
  };
}

function sdkOptions(request: CheckRequest, fetch: SdkFetch, debug: ((line: string) => void) | undefined): ClientOptions {
  const options: ClientOptions = {
    apiKey: request.key,
    baseURL: request.baseURL,
    // Null stops the SDK from reading OPENAI_ORG_ID / OPENAI_PROJECT_ID behind our back: we pass
    // them ourselves so that a mismatch can name the variable that sent them.
    organization: request.organization?.value ?? null,
    project: request.project?.value ?? null,
    defaultHeaders: pinnedHeaders(request.key, request),
    timeout: request.timeoutMs,
    // A no-credit 429 is retried by default; a check must answer once, within its timeout.
    maxRetries: 0,
    fetch,
    logLevel: debug ? 'debug' : 'off',
  };
  if (debug) options.logger = sdkLogger('openai', debug);
  return options;
}

export interface ApiOptions {
  env: Record<string, string | undefined>;
  /** Milliseconds clock, for latency. */
  clock: () => number;
  /** The SDK's debug log (the caller masks it); undefined = no logging. */
  debug?: (line: string) => void;
}

/** The real API. Proxy variables are read (and a malformed one refused) at the first request. */
export function createApi(options: ApiOptions): Omit<Api, 'admin'> {
  let transport: Transport | undefined;
  const http = () => (transport ??= createTransport(options.env));

  return {
    async check(request) {
      const started = options.clock();
      const { fetch, proxyFor } = http();
      const sdk = (await import('openai')) as Sdk;
      const Client = clientClass(sdk);
      // One deadline for both requests, answers' bodies included.
      const signal = AbortSignal.timeout(request.timeoutMs);
      // Each request has a client of its own, which keeps the answer it got (answerKeeping).
      // `body` is what the SDK parsed: JSON, or the text of anything else.
      const settle = (probe: 'models' | 'billing', send: (client: InstanceType<typeof Client>) => Promise<{ response: Response; data?: unknown }>, body: (data: unknown) => unknown): Promise<ProbeOutcome> => {
        const keeping = answerKeeping(sdkFetch(fetch));
        return send(new Client(sdkOptions(request, keeping.fetch, options.debug))).then(
          ({ response, data }) => answerOutcome(probe, response.status, checkedHeaders(response.headers, [request.key]), body(data)),
          (error: unknown) => ({ ok: false, failure: failureOf(error, sdk, signal, request.key, keeping.answered()) }),
        );
      };
      // A models page keeps the answer's whole body (its `data` alone is [] for a page of HTML).
      const models = settle('models', (client) => client.models.list({ signal }).withResponse(), (page) => (page as { body?: unknown }).body);
      const completion = {
        model: request.model,
        messages: [{ role: 'user', content: 'Hi' }],
        // Reasoning models (o-series, gpt-5) only take max_completion_tokens.
        ...(/^(o\d|gpt-5)/.test(request.model) ? { max_completion_tokens: 1 } : { max_tokens: 1 }),
      };
      const billing = request.billingCheck
        ? settle(
            'billing',
            // The SDK's request path for POST /chat/completions, given the JSON already encoded: for a
            // body object the SDK looks up the global FormData, which alone loads all of Node's undici.
            (client) => client.post('/chat/completions', { body: JSON.stringify(completion), headers: { 'content-type': 'application/json' }, signal }).withResponse(),
            (answer) => answer,
          )
        : Promise.resolve(null);
      const [modelsOutcome, billingOutcome] = await Promise.all([models, billing]);
      return verdict(request, proxyFor(request.baseURL), modelsOutcome, billingOutcome, Math.round(options.clock() - started));
    },

    async reach(baseURL, timeoutMs): Promise<Reachability> {
      const { fetch } = http();
      const started = options.clock();
      const deadline = AbortSignal.timeout(timeoutMs);
      try {
        // As the SDK's own requests: minipass-fetch would name itself.
        const response = await fetch(`${baseURL.replace(/\/+$/, '')}/models`, { signal: deadline, headers: { 'user-agent': SDK_USER_AGENT } });
        response.body.destroy();
        const json = (response.headers.get('content-type') ?? '').includes('json');
        const ms = Math.round(options.clock() - started);
        // A redirect is named with where it pointed (never followed: http.ts).
        const redirect = response.status >= 300 && response.status < 400;
        return { reached: true, status: response.status, json, ms, ...(redirect ? { location: response.headers.get('location') } : {}) };
      } catch (error) {
        if (deadline.aborted) return { reached: false, code: 'TimeoutError', detail: `no answer within ${timeoutMs} ms` };
        const { code, text, cert } = causeOf(error);
        return { reached: false, code: code ?? '', detail: text, ...(cert ? { cert } : {}), at: new Date() };
      }
    },
  };
}

// One verdict from the two probes of a live check: GET /models (is the key accepted, what may it
// see?) and the 1-token request (can it spend?). Pure: the probes' answers come in as data. The
// more telling answer decides: a failure of the list alone (a listing scope, a 404, the API's own
// error, rate limit or silence) is a warning once the test request answered about the key.
import { EXIT } from '../errors.js';
import { diagnose, otherModel, type Diagnosis, type Failure, type FailedRequest, type HeaderLookup } from './diagnosis.js';
import { STATUS } from './status.js';
import type { BillingState, CheckRequest, CheckResult } from './types.js';

export type ProbeOutcome = { ok: true; headers: HeaderLookup; modelIds?: string[] } | { ok: false; failure: Failure };

/**
 * A 2xx answer, its body as the SDK parsed it (text when it was not JSON): the API's, or a page in
 * its place. A captive portal or a web server at the base URL answers 200 too, and only the shape
 * tells: the API lists models under `data` and answers a chat request with `choices`.
 */
export function answerOutcome(probe: FailedRequest['probe'], status: number, headers: HeaderLookup, body: unknown): ProbeOutcome {
  const json = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
  const list = probe === 'models' ? json?.data : json?.choices;
  if (!Array.isArray(list)) return { ok: false, failure: { kind: 'http', status, headers, body: undefined, requestId: headers.get('x-request-id') } };
  if (probe === 'billing') return { ok: true, headers };
  return { ok: true, headers, modelIds: list.flatMap((m: { id?: unknown } | null) => (typeof m?.id === 'string' ? [m.id] : [])) };
}

// x-ratelimit-limit-tokens → likely usage tier. Only the tokens header: the requests header
// reports a daily limit on low tiers.
const TIER_BY_TOKENS: Record<string, Record<string, string>> = {
  'gpt-4o-mini': { '40000': 'free', '200000': '1', '2000000': '2', '4000000': '3', '10000000': '4', '150000000': '5' },
  'gpt-5-mini': { '500000': '1', '2000000': '2', '4000000': '3', '10000000': '4', '180000000': '5' },
};
TIER_BY_TOKENS['gpt-4.1-mini'] = TIER_BY_TOKENS['gpt-4o-mini']!;

export function likelyTier(model: string, limitTokens: string | null): string | null {
  if (!limitTokens) return null;
  return TIER_BY_TOKENS[model]?.[limitTokens.trim()] ?? null;
}

const NOTABLE_MODELS = ['gpt-5', 'gpt-5-mini', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4o', 'gpt-4o-mini', 'o3', 'o4-mini'];

function headersOf(outcome: ProbeOutcome | null): HeaderLookup | null {
  if (!outcome) return null;
  return outcome.ok ? outcome.headers : outcome.failure.kind === 'http' ? outcome.failure.headers : null;
}

/**
 * A failure of GET /models that says nothing against the key once the test request was answered,
 * as the warning it becomes; null when it decides. `callOk`: the test request got a 2xx;
 * `callAccepted`: an answer given only to a key the API took (2xx, rate limit, no credits);
 * `callJudged`: that, or the key refused by the test request (a definite answer about the key).
 */
function listingProblem(failure: Diagnosis, httpStatus: number | null, request: CheckRequest, callOk: boolean, callAccepted: boolean, callJudged: boolean): string | null {
  // A restricted key that may call models but not list them is usable: only a warning.
  if (failure.reason === 'missing_scopes' && callAccepted) return failure.message;
  // A 404 for the list of models means a wrong base URL, unless the test request was answered
  // there: a compatible server without GET /models.
  if (failure.reason === 'http_404' && callAccepted) {
    return `${request.baseURL} has no list of models (HTTP 404 for /models), but the test request ${callOk ? 'worked' : 'was answered'}.`;
  }
  // The API's own trouble with the list (a server error, a rate limit, no answer in time) says
  // nothing about the key; the test request's answer does.
  if (!callJudged) return null;
  const http = httpStatus === null ? '' : `, HTTP ${httpStatus}`;
  const what = failure.status === 'server_error' ? `a server error${http}` : failure.status === 'rate_limited' ? `rate-limited${http}` : failure.status === 'timeout' ? 'no answer in time' : null;
  return what ? `The list of models was not read (${what}); the test request's answer decided.` : null;
}

const httpStatusOf = (outcome: ProbeOutcome): number | null => (!outcome.ok && outcome.failure.kind === 'http' ? outcome.failure.status : null);

export function verdict(request: CheckRequest, proxy: string | null, models: ProbeOutcome, billing: ProbeOutcome | null, latencyMs: number): CheckResult {
  const header = (name: string) => headersOf(models)?.get(name) ?? headersOf(billing)?.get(name) ?? null;
  const seenProject = header('openai-project');
  const failed = (probe: FailedRequest['probe'], outcome: ProbeOutcome | null): Diagnosis | null =>
    outcome && !outcome.ok ? diagnose(outcome.failure, { ...request, probe, proxy, seenProject }) : null;
  const warnings: string[] = [];

  let modelCount: number | null = null;
  let notableModels: string[] = [];
  if (models.ok && models.modelIds) {
    const ids = new Set(models.modelIds);
    modelCount = ids.size;
    notableModels = NOTABLE_MODELS.filter((id) => ids.has(id)).slice(0, 4);
  }
  const authFailure = failed('models', models);

  let billingState: BillingState = 'unchecked';
  let billingFailure = failed('billing', billing);
  if (billing?.ok) billingState = 'ok';
  if (billingFailure?.status === 'insufficient_quota') billingState = 'no_quota';
  // The API answers these to the test request only once it took the key: a 2xx, a rate limit (the
  // request refused before any credit was spent: billing stays unchecked), no credits.
  const callAccepted = billing?.ok === true || billingFailure?.status === 'rate_limited' || billingFailure?.status === 'insufficient_quota';
  // That, or the key refused by the test request: a definite answer about the key, unlike silence,
  // the API's own failure or a request it would not run ("valid", below). Not an unknown 403 of
  // the test request, read as the model refused to a key the list accepted (diagnosis.ts).
  const callJudged = callAccepted || (billingFailure !== null && STATUS[billingFailure.status].route === 'key' && billingFailure.reason !== 'model_refused');
  if (billingFailure?.status === 'valid') {
    const model = otherModel(request);
    warnings.push(`Billing not checked: the test request to ${request.model} failed (${billingFailure.message}).${model ? ` Try another model with ${model}.` : ''}`);
    billingFailure = null;
  }
  const tier = likelyTier(request.model, headersOf(billing)?.get('x-ratelimit-limit-tokens') ?? null);

  // Which answer decides: the more telling one. A failure of GET /models decides (the diagnosis
  // never calls one of it "valid"), unless it only concerns the list itself and the test request
  // said more; then it is a warning and the test request decides (a 2xx: the key works).
  const listingOnly = authFailure ? listingProblem(authFailure, httpStatusOf(models), request, billing?.ok === true, callAccepted, callJudged) : null;
  if (listingOnly && !(authFailure!.status === billingFailure?.status && authFailure!.reason === billingFailure.reason)) warnings.push(listingOnly);
  const outcome: Diagnosis | null = authFailure && !listingOnly ? authFailure : billingFailure;

  const base = {
    organization: header('openai-organization'),
    project: header('openai-project'),
    models: modelCount,
    notableModels,
    billing: billingState,
    tier,
    warnings,
    latencyMs,
  };
  if (!outcome || outcome.status === 'valid') {
    const funded = billingState === 'ok' ? ' and can spend' : '';
    return { ...base, status: 'valid', ok: true, exitCode: EXIT.ok, reason: null, requestId: null, message: `The key works${funded}.`, fix: null, fixUrl: null };
  }
  const row = STATUS[outcome.status];
  return { ...base, ...outcome, ok: row.ok, exitCode: row.exitCode };
}

/**
 * Why a check that passed did not prove the key can spend, as the end of a sentence ("billing was
 * not proven: …"); null when it did. The wizard and doctor say it instead of "ready": a
 * rate-limited or refused test request spent nothing, so credits are unknown. `then`: of a check
 * recorded earlier (status), whose answer is not shown above.
 */
export function billingNotProven(result: Pick<CheckResult, 'ok' | 'status'> & { billing: string }, when: 'now' | 'then' = 'now'): string | null {
  if (!result.ok || result.billing === 'ok') return null;
  if (when === 'then') return result.status === 'rate_limited' ? 'the API was rate-limiting requests when it ran' : 'no test request of that check went through';
  return result.status === 'rate_limited' ? 'the API is rate-limiting requests right now' : 'the test request did not go through (see above)';
}

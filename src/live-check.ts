// What the commands share around a live check: which key, URL and headers to use, the local
// verdicts that need no request, the spinner, the printed checklist and the record in state.
import { checkKey, isOfficialBaseURL, STATUS_EXIT, type CheckRequest, type CheckResult, type HeaderSource } from './api-check.js';
import type { Context } from './context.js';
import { checkKeyShape, keyKind, keyKindLabel, maskKey } from './key-format.js';
import { debugEnabled } from './options.js';
import { OFFICIAL_API_BASE_URL, PAGES } from './platform.js';
import type { Profile } from './state.js';
import { marks, type Terminal } from './terminal.js';

export const DEFAULT_MODEL = 'gpt-4o-mini';
export const DEFAULT_TIMEOUT_MS = 15_000;

export type KeySourceKind = 'flag' | 'stdin' | 'env' | 'keychain' | 'file';

export interface KeySource {
  kind: KeySourceKind;
  /** For people: "--key", "standard input", "OPENAI_API_KEY", "the keychain (profile default)". */
  label: string;
}

export interface CheckSettings {
  baseURL?: string;
  model?: string;
  timeoutMs?: number;
  billingCheck?: boolean;
}

export function resolveBaseURL(ctx: Context, profile: Profile | undefined, flag?: string): string {
  return flag ?? profile?.baseURL ?? ctx.env.OPENAI_BASE_URL ?? OFFICIAL_API_BASE_URL;
}

/** Organization/project headers and where they came from, so a mismatch can name the source. */
export function headerSources(ctx: Context, profile: Profile | undefined): { organization?: HeaderSource; project?: HeaderSource } {
  const organization = ctx.env.OPENAI_ORG_ID
    ? { value: ctx.env.OPENAI_ORG_ID, from: 'OPENAI_ORG_ID' }
    : profile?.organizationId
      ? { value: profile.organizationId, from: "the profile's organization setting" }
      : undefined;
  const project = ctx.env.OPENAI_PROJECT_ID
    ? { value: ctx.env.OPENAI_PROJECT_ID, from: 'OPENAI_PROJECT_ID' }
    : profile?.projectId
      ? { value: profile.projectId, from: "the profile's project setting" }
      : undefined;
  return { organization, project };
}

export function buildCheckRequest(ctx: Context, key: string, profile: Profile | undefined, settings: CheckSettings = {}): CheckRequest {
  const debug = debugEnabled(ctx.env) ? (line: string) => ctx.term.err(line) : undefined;
  return {
    key,
    baseURL: resolveBaseURL(ctx, profile, settings.baseURL),
    ...headerSources(ctx, profile),
    model: settings.model ?? DEFAULT_MODEL,
    billingCheck: settings.billingCheck ?? true,
    timeoutMs: settings.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    env: ctx.rawEnv,
    clock: ctx.clock.ms,
    debug,
  };
}

function localResult(status: 'malformed_key' | 'forbidden', reason: string, message: string, fix: string, fixUrl: string | null): CheckResult {
  return {
    status,
    ok: false,
    exitCode: STATUS_EXIT[status],
    reason,
    organization: null,
    project: null,
    models: null,
    notableModels: [],
    billing: 'unchecked',
    tier: null,
    requestId: null,
    message,
    fix,
    fixUrl,
    warnings: [],
    latencyMs: 0,
  };
}

export function malformedKeyResult(problem: string): CheckResult {
  return localResult('malformed_key', 'malformed_key', `This is not an OpenAI API key: ${problem}.`, 'Copy the key again from the API keys page (it is shown only once when created; create a new one if needed).', PAGES.keys.url);
}

/** Verdicts that need no request: a key that cannot be an OpenAI key, or an admin key. */
export function localVerdict(key: string, baseURL: string): { result: CheckResult | null; warning?: string } {
  const official = isOfficialBaseURL(baseURL);
  const shape = checkKeyShape(key, official);
  if (shape.problem) return { result: malformedKeyResult(shape.problem) };
  if (shape.kind === 'admin') {
    return {
      result: localResult('forbidden', 'admin_key', 'This is an admin key: it manages the organization (users, projects, usage) but cannot call models.', 'Create a project secret key ("Create new secret key" on the API keys page) for calling models.', PAGES.keys.url),
    };
  }
  return { result: null, warning: shape.warning };
}

/** Run the check with a spinner on a terminal; local verdicts first, so nothing is sent for them. */
export async function runCheck(ctx: Context, request: CheckRequest, spinnerText = 'Checking the key with a live call…'): Promise<CheckResult> {
  ctx.term.addSecret(request.key);
  const local = localVerdict(request.key, request.baseURL);
  if (local.warning) ctx.term.err(`${marks(ctx.term.style).warn} ${local.warning}`);
  if (local.result) return local.result;
  const spinner = ctx.term.spinner(spinnerText);
  try {
    return await checkKey(request);
  } finally {
    spinner.stop();
  }
}

export function describeKey(key: string, source: KeySource): string {
  return `${maskKey(key)} (${keyKindLabel(keyKind(key))}, from ${source.label})`;
}

/** The checklist a person reads after a check. `print` is out or err (err when stdout is JSON). */
export function printCheck(term: Terminal, key: string, source: KeySource, result: CheckResult, print: (line: string) => void = term.out): void {
  const m = marks(term.style);
  const dim = term.style.dim;
  // The key line is only a tick when the key at least looks like one.
  print(`${result.status === 'malformed_key' ? m.fail : m.ok} Key         ${describeKey(key, source)}`);
  const reached = result.models !== null || ['valid', 'rate_limited', 'insufficient_quota'].includes(result.status);
  if (result.status === 'malformed_key' || result.reason === 'admin_key') {
    // Nothing was sent.
  } else if (reached) {
    const where = [result.organization && `organization ${result.organization}`, result.project && `project ${result.project}`].filter(Boolean).join(', ');
    print(`${m.ok} Accepted    ${where || 'by the API'}`);
    if (result.models !== null) {
      const notable = result.notableModels.length ? ` (${result.notableModels.join(', ')}…)` : '';
      print(`${m.ok} Models      ${result.models} available${notable}`);
    }
    const tier = result.tier ? `; likely usage tier ${result.tier}` : '';
    if (result.billing === 'ok') print(`${m.ok} Billing     a 1-token test request went through${tier}`);
    else if (result.billing === 'no_quota') print(`${m.fail} Billing     cannot spend`);
    else print(`${m.pending} Billing     not checked`);
  } else {
    print(`${m.fail} Accepted    no`);
  }
  for (const warning of result.warnings) print(`${m.warn} ${warning}`);
  const latency = result.latencyMs ? dim(` (${result.latencyMs} ms)`) : '';
  if (result.status === 'valid') {
    print(`${m.ok} ${term.style.bold(result.message)}${latency}`);
    return;
  }
  const mark = result.status === 'rate_limited' ? m.warn : m.fail;
  print(`${mark} ${term.style.bold(result.message)}${latency}`);
  if (result.fix) print(`  ${result.fix}`);
  if (result.fixUrl) print(`  ${m.arrow} ${result.fixUrl}`);
  if (result.requestId) print(dim(`  Request ID: ${result.requestId}`));
}

/** Keep the outcome of the last check in state (never the key: its masked hint). */
export async function recordCheck(ctx: Context, profileName: string, key: string, source: KeySource, result: CheckResult): Promise<void> {
  await ctx.state.updateProfile(profileName, (profile) => {
    profile.lastVerify = {
      at: ctx.clock.now().toISOString(),
      status: result.status,
      ok: result.ok,
      keyHint: maskKey(key),
      keySource: source.label,
      organization: result.organization,
      project: result.project,
      tier: result.tier,
      billing: result.billing,
      message: result.message,
    };
  });
}

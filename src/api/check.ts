// A live check as the commands run it: which URL and headers to use, the verdicts that need no
// request, the spinner, and the record of the outcome in the progress file.
import type { Context } from '../context.js';
import { KeyStoreError } from '../errors.js';
import { checkKeyShape, maskKey } from '../keys/format.js';
import { OFFICIAL_API_BASE_URL, PAGES } from '../platform.js';
import type { KeySource } from '../storage/profile-key.js';
import { marks } from '../terminal/output.js';
import type { HeaderSource } from './diagnosis.js';
import { STATUS } from './status.js';
import type { CheckRequest, CheckResult } from './types.js';

export const DEFAULT_MODEL = 'gpt-4o-mini';
export const DEFAULT_TIMEOUT_MS = 15_000;

export interface CheckSettings {
  baseURL?: string;
  model?: string;
  timeoutMs?: number;
  billingCheck?: boolean;
}

export function isOfficialBaseURL(baseURL: string): boolean {
  try {
    return new URL(baseURL).hostname === new URL(OFFICIAL_API_BASE_URL).hostname;
  } catch {
    return false;
  }
}

/**
 * Where the key is sent: --base-url, else OPENAI_BASE_URL, else the OpenAI API. Only what the
 * person typed or set decides it, never a file on disk.
 */
export function resolveBaseURL(ctx: Context, flag?: string): string {
  return flag ?? ctx.env.OPENAI_BASE_URL ?? OFFICIAL_API_BASE_URL;
}

/** Organization/project headers (OPENAI_ORG_ID, OPENAI_PROJECT_ID) and where they came from, so a mismatch can name the source. */
export function headerSources(ctx: Context): { organization?: HeaderSource; project?: HeaderSource } {
  const organization = ctx.env.OPENAI_ORG_ID ? { value: ctx.env.OPENAI_ORG_ID, from: 'OPENAI_ORG_ID' } : undefined;
  const project = ctx.env.OPENAI_PROJECT_ID ? { value: ctx.env.OPENAI_PROJECT_ID, from: 'OPENAI_PROJECT_ID' } : undefined;
  return { organization, project };
}

export function buildCheckRequest(ctx: Context, key: string, settings: CheckSettings = {}): CheckRequest {
  return {
    key,
    baseURL: resolveBaseURL(ctx, settings.baseURL),
    ...headerSources(ctx),
    model: settings.model ?? DEFAULT_MODEL,
    billingCheck: settings.billingCheck ?? true,
    timeoutMs: settings.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  };
}

function localResult(status: 'malformed_key' | 'forbidden', reason: string, message: string, fix: string, fixUrl: string | null): CheckResult {
  return {
    status,
    ok: false,
    exitCode: STATUS[status].exitCode,
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
  return localResult(
    'malformed_key',
    'malformed_key',
    `This is not an OpenAI API key: ${problem}.`,
    'Copy the key again from the API keys page (it is shown only once when created; create a new one if needed).',
    PAGES.keys.url,
  );
}

/** Verdicts that need no request: a key that cannot be an OpenAI key, or an admin key. */
export function localVerdict(key: string, baseURL: string): { result: CheckResult | null; warning?: string } {
  const shape = checkKeyShape(key, isOfficialBaseURL(baseURL));
  if (shape.problem) return { result: malformedKeyResult(shape.problem) };
  if (shape.kind === 'admin') {
    return {
      result: localResult(
        'forbidden',
        'admin_key',
        'This is an admin key: it manages the organization (users, projects, usage) but cannot call models.',
        'Create a project secret key ("Create new secret key" on the API keys page) for calling models.',
        PAGES.keys.url,
      ),
    };
  }
  return { result: null, warning: shape.warning };
}

/**
 * Local verdicts first (nothing is sent for them), then the live check, with a spinner on a
 * terminal unless `quiet`. `note` prints a warning (stderr, or nowhere with --quiet).
 */
export async function runCheck(ctx: Context, request: CheckRequest, options: { spinner?: string | null; note?: (line: string) => void } = {}): Promise<CheckResult> {
  ctx.term.addSecret(request.key);
  const note = options.note ?? ((line: string) => ctx.term.err(line));
  const local = localVerdict(request.key, request.baseURL);
  if (local.warning) note(`${marks(ctx.term.style).warn} ${local.warning}`);
  if (local.result) return local.result;
  const spinner = options.spinner === null ? null : ctx.term.spinner(options.spinner ?? 'Checking the key with a live call…');
  try {
    return await ctx.api.check(request);
  } finally {
    spinner?.stop();
  }
}

/**
 * Keep the outcome of the last check in the progress file (never the key: its masked hint). A
 * config dir that cannot be written is a warning (through `note`): the check itself stands.
 */
export async function recordCheck(
  ctx: Context,
  profileName: string,
  key: string,
  source: KeySource,
  result: CheckResult,
  note: (line: string) => void = (line) => ctx.term.err(line),
): Promise<void> {
  try {
    await recordIn(ctx, profileName, key, source, result);
  } catch (error) {
    if (!(error instanceof KeyStoreError)) throw error;
    note(`${marks(ctx.term.style).warn} The result of this check was not recorded: ${error.message}`);
  }
}

async function recordIn(ctx: Context, profileName: string, key: string, source: KeySource, result: CheckResult): Promise<void> {
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

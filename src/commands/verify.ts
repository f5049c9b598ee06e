// `openai-setup verify`: a live check of any key that says exactly what is wrong, for people
// (a checklist) and for CI (exit codes and --json).
import * as z from 'zod/mini';
import { buildCheckRequest, malformedKeyResult, nothingLearned, runCheck, storedBesideByHint, storedValueNotSent } from '../api/check.js';
import { VerifyStatusSchema } from '../api/status.js';
import type { CheckResult } from '../api/types.js';
import type { Context } from '../context.js';
import { UsageError, type FailureFields } from '../errors.js';
import { cleanKey, keyKind, maskKey, secretOf } from '../keys/format.js';
import { recordCheck } from '../last-check.js';
import { EnvSchema } from '../options.js';
import { PAGES, resolveBaseURL } from '../platform.js';
import { ENV_SOURCE, envKeyBlank, judgeStoredKey, keychainFailure, keyNeedsFile, noKeyError, noProfileText, resolveProfileName, storedSource, unknownProfile, type KeySource } from '../storage/profile-key.js';
import { verifyCommand } from '../terminal/advice.js';
import { printCheck } from '../terminal/check-report.js';
import { marks, withFailureDocument } from '../terminal/output.js';
import { jsonText, withoutCredentials } from '../terminal/sanitize.js';
import { hasLineBreakInside, LINE_BREAK_INSIDE, readKeyFromStdin } from '../terminal/stdin.js';

export interface VerifyOptions {
  key?: string;
  profile?: string;
  json: boolean;
  quiet: boolean;
  baseURL?: string;
  model?: string;
  timeoutMs?: number;
  billingCheck: boolean;
}

/**
 * The --json contract; the tests parse every answer with it. A run that ends before a check (no
 * key given, nothing on standard input, a keychain that cannot be read) is a document too: status
 * `error`, its `reason` (`usage`, `key_store`, `internal`) and exit code, the error's `message`
 * and `fix`, and `key` null. A run cancelled (a signal during the check, Ctrl-C at a question) is
 * status `cancelled`, reason `cancelled`, with the key (masked) once it was known. `latencyMs`: the
 * milliseconds the live check took (a cancelled one, until the cancel); 0 when nothing was sent.
 */
export const VerifyJsonSchema = z.object({
  ok: z.boolean(),
  status: z.union([VerifyStatusSchema, z.literal('error'), z.literal('cancelled')]),
  exitCode: z.number().check(z.int()),
  reason: z.nullable(z.string()),
  key: z.nullable(
    z.object({
      source: z.enum(['flag', 'stdin', 'env', 'keychain', 'file']),
      hint: z.string(),
      kind: z.enum(['project', 'service-account', 'admin', 'user', 'legacy', 'unknown']),
    }),
  ),
  baseURL: z.nullable(z.string()),
  organization: z.nullable(z.string()),
  project: z.nullable(z.string()),
  models: z.nullable(z.number().check(z.int())),
  notableModels: z.array(z.string()),
  billing: z.enum(['ok', 'no_quota', 'unchecked']),
  tier: z.nullable(z.string()),
  requestId: z.nullable(z.string()),
  message: z.string(),
  fix: z.nullable(z.string()),
  fixUrl: z.nullable(z.string()),
  warnings: z.array(z.string()),
  latencyMs: z.number().check(z.int()),
  /** Why the check was not recorded: of a profile that exists nowhere (unknownProfile), of a stored key another run replaced during the check, or the progress file could not be written; absent otherwise. */
  notRecorded: z.optional(z.string()),
});
export type VerifyJson = z.infer<typeof VerifyJsonSchema>;

/**
 * The key to check: --key's or OPENAI_API_KEY's value as it is (programs send it whole), standard
 * input cleaned as a paste (as `key --stdin` stores it), or stored (judged as stored:
 * judgeStoredKey, never cleaned).
 */
type ResolvedKey = { raw: string; source: KeySource; stored?: undefined } | { raw: string; source: KeySource; stored: ReturnType<typeof judgeStoredKey> };

async function resolveKey(ctx: Context, options: VerifyOptions, profileName: string): Promise<ResolvedKey> {
  if (options.key === '-') {
    // Advice names this command (not key --stdin) with the options given, so that it checks the
    // same way (the same server, the same profile); nothing on standard input is no key given.
    const output = `${options.json ? ' --json' : ''}${options.quiet ? ' --quiet' : ''}`;
    const raw = await readKeyFromStdin(() => ctx.readStdin(), `printenv OPENAI_API_KEY | ${verifyCommand(ctx, profileName, options, '--key -')}${output}`, { env: ctx.rawEnv });
    return { raw, source: { kind: 'stdin', label: 'standard input' } };
  }
  // `--key "$OPENAI_API_KEY"` with the variable unset (a CI secret missing) gives no key, as an
  // empty OPENAI_API_KEY or empty standard input does: a usage error, not a key "malformed".
  if (options.key !== undefined && options.key.trim() === '') {
    throw new UsageError(`No key to check: --key was given ${options.key === '' ? 'an empty value' : 'only blanks'} (as \`--key "$VAR"\` is when the variable is unset or empty).`, [
      'Set that variable (in CI: the secret), give the key with --key - (read from standard input), or leave out --key to check OPENAI_API_KEY, then the stored key.',
    ]);
  }
  if (options.key !== undefined) {
    if (ctx.term.stdinIsTTY && !options.quiet) {
      ctx.term.err(`${marks(ctx.term.style).warn} A key typed on the command line stays in your shell history and is visible in \`ps\`; prefer \`--key -\` (standard input) or OPENAI_API_KEY.`);
    }
    // npm's debug log holding the key, under npx, is said by main.ts once the run is over (npm-log-notice.ts).
    return { raw: options.key, source: { kind: 'flag', label: '--key' } };
  }
  const envKey = ctx.env.OPENAI_API_KEY;
  if (envKey) return { raw: envKey, source: ENV_SOURCE };
  const { stored, keychainError } = await ctx.keys.get(profileName);
  if (stored) {
    // `key`, which a fix names to store it again, exits 7 until this is done (a newer openai-setup's progress file): said first.
    const first = await ctx.state.firstBeforeChanges();
    return { raw: stored.key, source: storedSource(stored.storage, profileName), stored: judgeStoredKey(ctx, profileName, stored, options.baseURL, { check: options, first }) };
  }
  // A locked keychain is not "no key": say so, and how to unlock it.
  if (keychainError && keychainError.problem !== 'no-service') throw keychainFailure(ctx, keychainError, profileName, `The key of profile "${profileName}" could not be read.`, options);
  // The commands it names check the key where this run would have: the same --base-url.
  throw await noKeyError(
    ctx,
    profileName,
    keychainError,
    `No key to check for profile "${profileName}".`,
    ['Give one with --key KEY, --key - (read from standard input) or the OPENAI_API_KEY variable.'],
    options,
  );
}

/**
 * What a run knows of its check before the check ends: the key (masked) and where it goes, for the
 * document of a run that ends first (a signal); `startedMs`, when the live check began (ctx.clock.ms),
 * and `latencyMs`, what it took once it answered: a cancelled run reports the time it spent.
 */
interface Checking {
  key: VerifyJson['key'];
  baseURL: string | null;
  startedMs: number | null;
  latencyMs: number | null;
}

export async function run(ctx: Context, options: VerifyOptions): Promise<number> {
  const checking: Checking = { key: null, baseURL: null, startedMs: null, latencyMs: null };
  return withFailureDocument(ctx, options.json, () => verify(ctx, options, checking), (failed) => jsonText(VerifyJsonSchema.parse(failureJson(ctx, options, failed, checking))));
}

/**
 * The --json document of a run that ended without the check's answer: an error before any check
 * (no key, nothing sent), or a cancel, with the key being checked when it was known.
 */
function failureJson(ctx: Context, options: VerifyOptions, failed: FailureFields, checking: Checking): VerifyJson {
  return {
    ...failed,
    status: failed.reason === 'cancelled' ? 'cancelled' : 'error',
    key: checking.key,
    baseURL: checking.baseURL ?? failureBaseURL(ctx, options),
    ...nothingLearned(),
    fixUrl: null,
    warnings: [],
    // The time the live check took until the cancel (all of it, when it had answered); 0 when none was under way.
    latencyMs: checking.latencyMs ?? (checking.startedMs === null ? 0 : Math.round(ctx.clock.ms() - checking.startedMs)),
  };
}

/**
 * Where the check would have gone, by resolveBaseURL. ctx.env may be what failed, so OPENAI_BASE_URL
 * is parsed alone, as ctx.env parses it; null when it is what failed (not a URL: nothing would be sent).
 */
function failureBaseURL(ctx: Context, options: VerifyOptions): string | null {
  const env = EnvSchema.shape.OPENAI_BASE_URL.safeParse(ctx.rawEnv.OPENAI_BASE_URL);
  if (!env.success && options.baseURL === undefined) return null;
  return withoutCredentials(resolveBaseURL({ env: { OPENAI_BASE_URL: env.data } }, options.baseURL));
}

async function verify(ctx: Context, options: VerifyOptions, checking: Checking): Promise<number> {
  if (!options.quiet) return verifyKey(ctx, options, checking);
  // --quiet prints nothing when the key works, not even what the stores find (resolveProfileName
  // makes both): where the key was read from (the plain-text file), a leftover copy, a damaged
  // progress file moved aside. A check that fails prints nothing either (its exit code says how),
  // nor what they found: said alone, a notice would pass for the cause. Only a run that ends in an
  // error, which main.ts prints, says what they found before that error, as it may be why
  // (a damaged progress file lost the profile chosen with `use`, so the key looked for, and the
  // advice, are another profile's).
  // The run's own first: making the stores says a relative XDG_CONFIG_HOME ignored (main.ts).
  ctx.notices.hush();
  ctx.keys.hush();
  ctx.state.hush();
  try {
    return await verifyKey(ctx, options, checking);
  } catch (error) {
    ctx.notices.sayHeld();
    ctx.state.sayHeld();
    ctx.keys.sayHeld();
    throw error;
  }
}

async function verifyKey(ctx: Context, options: VerifyOptions, checking: Checking): Promise<number> {
  const { term } = ctx;
  const profileName = await resolveProfileName(ctx, options.profile);
  const { raw, source, stored } = await resolveKey(ctx, options, profileName);
  const reading = await ctx.state.reading();
  const { state } = reading;
  const profile = state.profiles[profileName];
  // Standard input is a paste: cleaned as at the key prompt, and refused with a line break inside
  // (the first line alone would be part of a key). --key and OPENAI_API_KEY are not cleaned, as
  // nothing cleans them for the programs they are for: quotes, `Bearer `, spaces or a second copy
  // make them no key (runCheck's local verdict, as doctor's), with the key alone as the fix. A
  // stored value is checked as token, run and env would hand it out.
  const pasted = stored || source.kind !== 'stdin' ? null : hasLineBreakInside(raw) ? { ok: false as const, problem: LINE_BREAK_INSIDE } : cleanKey(raw);
  const key = stored ? (stored.key ?? raw) : pasted ? (pasted.ok ? pasted.key : raw.trim()) : raw;
  term.addSecret(secretOf(raw));
  term.addSecret(secretOf(key));
  const request = buildCheckRequest(ctx, key, {
    profile: profileName,
    baseURL: options.baseURL,
    model: options.model,
    timeoutMs: options.timeoutMs,
    billingCheck: options.billingCheck,
    insecureStorage: source.kind === 'file',
    // Asked only for a fix that is printed (--quiet prints none).
    ...(options.quiet ? {} : { needsFile: () => keyNeedsFile(ctx, profileName) }),
  });
  const checked = { source: source.kind, hint: maskKey(key), kind: keyKind(key) };
  checking.key = checked;
  checking.baseURL = withoutCredentials(request.baseURL);
  // Warnings go to stderr so that stdout stays one JSON object with --json.
  const note = (line: string) => {
    if (!options.quiet) term.err(line);
  };
  // Of the key the variable holds: one in quotes is the stored key all the same, and the check says what is around it.
  const held = maskKey(secretOf(key));
  if (source.kind === 'env' && profile?.key && profile.key.hint !== held) {
    note(`${marks(term.style).warn} OPENAI_API_KEY (${held}) is not the key stored for profile "${profileName}" (${profile.key.hint}); checking OPENAI_API_KEY.`);
  }
  // Set but blank, OPENAI_API_KEY is taken as unset (as everywhere in this tool), so the stored key
  // was checked; the programs it is for get that blank value, no key: said, in --json's warnings too.
  const blankEnv = envKeyBlank(ctx);
  const envBlank = (source.kind === 'keychain' || source.kind === 'file') && blankEnv !== null
    ? `OPENAI_API_KEY is set but ${blankEnv}: the stored key was checked; programs that read OPENAI_API_KEY get no key.`
    : null;
  if (envBlank) note(`${marks(term.style).warn} ${envBlank}`);

  let result: CheckResult;
  if (stored?.notAKey) {
    // Said as every command says it, with the same exit code (3): nothing is sent.
    result = storedValueNotSent(stored.notAKey);
  } else if (pasted && !pasted.ok) {
    result = malformedKeyResult(pasted.problem);
  } else {
    // No spinner where nothing should move: --quiet, and --json (its readers want stdout alone).
    const givenAs = source.kind === 'flag' || source.kind === 'env' ? source.kind : undefined;
    // Where the key goes and how unprotected it travels are said even with --quiet (runCheck's `alert`).
    const alert = (text: string) => term.err(`${marks(term.style).warn} ${text}`);
    checking.startedMs = ctx.clock.ms();
    result = await runCheck(ctx, request, { spinner: options.quiet || options.json ? null : undefined, note, alert, givenAs, keyStored: storedBesideByHint(profile?.key, held) });
  }
  checking.latencyMs = result.latencyMs;
  // OPENAI_API_KEY checked for a profile that exists nowhere (a mistyped --profile): not recorded,
  // which would make that profile (listed by `profiles` and completion from then on).
  const others = source.kind === 'env' ? await unknownProfile(ctx, reading, profileName) : null;
  let notRecorded = others ? `${noProfileText(profileName, others)}: this check was not recorded.` : null;
  if (notRecorded) note(`${marks(term.style).warn} ${notRecorded}`);
  else if (source.kind === 'keychain' || source.kind === 'file' || source.kind === 'env') {
    // Not recorded either when another run stored another key in its place meanwhile (said by recordCheck).
    notRecorded = await recordCheck(ctx, profileName, key, source, result, note);
  }

  if (options.json) {
    const json: VerifyJson = {
      ok: result.ok,
      status: result.status,
      exitCode: result.exitCode,
      reason: result.reason,
      key: checked,
      baseURL: checking.baseURL,
      organization: result.organization,
      project: result.project,
      models: result.models,
      notableModels: result.notableModels,
      billing: result.billing,
      tier: result.tier,
      requestId: result.requestId,
      message: result.message,
      fix: result.fix,
      fixUrl: result.fixUrl,
      warnings: envBlank ? [envBlank, ...result.warnings] : result.warnings,
      latencyMs: result.latencyMs,
      ...(notRecorded ? { notRecorded } : {}),
    };
    term.document(jsonText(VerifyJsonSchema.parse(json)));
  } else if (!options.quiet) {
    printCheck(term, key, source, result, term.out, request.baseURL);
    if (result.ok && result.billing === 'ok') term.out(term.style.dim(`Watch what you spend: ${PAGES.usage.url}`));
  }
  return result.exitCode;
}

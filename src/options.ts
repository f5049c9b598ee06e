// zod at the edges: environment variables and flags become typed values here, and a bad one is a
// usage error that names the flag or variable.
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { UsageError } from './errors.js';
import { PAGE_NAMES, type PageName } from './platform.js';
import { ProfileNameSchema } from './storage/state.js';
import { shownValue } from './terminal/sanitize.js';

// zod/mini ships without messages (every issue would read "Invalid input"); the English locale
// gives the same messages classic zod gave. Every command parses its environment here first.
z.config(en());

// Blank is unset. OPENAI_API_KEY is kept as it is set, whitespace too: it is judged as programs get
// it (keyWithin), and only the Node SDK trims it; others, curl among them, send it whole.
const optionalAsSet = z.pipe(
  z.optional(z.string()),
  z.transform((v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v)),
);

const optionalTrimmed = z.pipe(optionalAsSet, z.transform((v: string | undefined) => v?.trim()));

// A login (an "@" before the first "/") and another "@" after a "/" before the query: a password
// with "/" and "@" in it (`alice:p@ss/w0rd@host`), which a URL reader takes for the host "ss" and a
// path. Sent so, the key would go to a host made of part of the password.
const LOGIN_WITH_SLASH = /^[a-z][a-z0-9+.-]*:\/\/[^/?#@]*@[^/?#]*\/[^?#]*@/i;

/** Quote marks at either end of a value: a .env line's quotes copied with it (`"http://host/v1"`, or one stray `http://host/v1"`). */
const QUOTES_AROUND = /^["'`\u2018\u2019\u201c\u201d]|["'`\u2018\u2019\u201c\u201d]$/;

function isHttpUrl(v: string): boolean {
  try {
    const url = new URL(v);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

// A quote mark at an end is refused before the URL is read: URL takes a trailing one into the path
// (`/v1%22`), and every request would then go to a path that is not there.
export const HttpUrlSchema = z.pipe(
  z.string().check(
    z.trim(),
    z.refine((v) => !QUOTES_AROUND.test(v), { message: 'must not have quote marks around it', abort: true }),
    z.refine(isHttpUrl, 'must be an http:// or https:// URL'),
    z.refine(
      (v) => !LOGIN_WITH_SLASH.test(v),
      'must have "@" and "/" in its user name or password written as %40 and %2F (as typed, the host a URL reader finds is part of the password)',
    ),
  ),
  z.transform((v: string) => v.replace(/\/+$/, '')),
);

/**
 * The URL a malformed one plainly means (HttpUrlSchema refused it), or null: without the quote marks
 * and spaces around it; `https://` put before a host given without a scheme (`api.openai.com/v1`) or
 * in place of a misspelt one (`htps://`).
 */
export function urlMeant(value: string): string | null {
  let v = value.trim();
  while (v && QUOTES_AROUND.test(v)) v = v.replace(QUOTES_AROUND, '').trim();
  const candidates = [v, /^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? v.replace(/^[hpst]{2,6}:\/\//i, 'https://') : `https://${v}`];
  for (const candidate of candidates) {
    const parsed = HttpUrlSchema.safeParse(candidate);
    // Plainly a host: a name with a dot in it, localhost, or an address (`notaurl` is not one).
    // One with a login is not repeated: the advice would show it.
    const url = parsed.success ? new URL(parsed.data) : null;
    if (url && candidate !== value.trim() && !url.username && !url.password && /[.:]|^localhost$/.test(url.hostname)) return parsed.data ?? null;
  }
  return null;
}

/** What to do about a base URL HttpUrlSchema refused: the URL it plainly means, or unset it. */
export function baseUrlFix(value: string, unsetLine = 'unset it'): string {
  const meant = urlMeant(value);
  return meant ? `Set it to ${meant}, or ${unsetLine}.` : `Set it to an http:// or https:// URL (like https://api.openai.com/v1), or ${unsetLine}.`;
}

/**
 * OPENAI_BASE_URL as parseEnv would refuse it (HttpUrlSchema), or null when it is unset or a URL:
 * doctor says this as a failed check and goes on without it (main.ts: its ctx.env has it left out).
 */
export function baseUrlProblem(rawEnv: Readonly<Record<string, string | undefined>>): { detail: string; value: string } | null {
  const value = rawEnv.OPENAI_BASE_URL?.trim();
  if (!value) return null;
  const parsed = HttpUrlSchema.safeParse(value);
  return parsed.success ? null : { detail: `${firstIssue(parsed.error)} (got "${shownValue(value)}")`, value };
}

// Only C0, DEL and C1, not the whole class the terminal escapes (sanitize.ts UNSAFE_CHAR): its
// bidi and zero-width characters are beyond Latin-1, which the next check refuses in its own words.
const HEADER_CONTROL_CHAR = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * A value sent as an HTTP header (OpenAI-Organization, OpenAI-Project): fetch refuses line breaks,
 * other control characters and anything beyond Latin-1, and a refusal would read as a network
 * error, so it is a usage error here, before anything is sent.
 */
const HeaderValueSchema = z.string().check(
  z.refine((v) => !HEADER_CONTROL_CHAR.test(v), 'must not contain line breaks or other control characters'),
  z.refine((v) => !/[^\u0000-\u00ff]/.test(v), 'must contain only Latin-1 characters (an ID is plain ASCII)'),
);

// OPENAI_SETUP_CONFIG_DIR is not here: resolveConfigDir (storage/paths.ts) checks it where the
// config dir is first used, so that a command that never uses it (completion, open) still runs.
export const EnvSchema = z.object({
  OPENAI_API_KEY: optionalAsSet,
  OPENAI_BASE_URL: z.pipe(optionalTrimmed, z.optional(HttpUrlSchema)),
  OPENAI_ORG_ID: z.pipe(optionalTrimmed, z.optional(HeaderValueSchema)),
  OPENAI_PROJECT_ID: z.pipe(optionalTrimmed, z.optional(HeaderValueSchema)),
  // Checked below, as the SDK reads it (api/custom-headers.ts): its value is never quoted.
  OPENAI_CUSTOM_HEADERS: optionalTrimmed,
  OPENAI_SETUP_PROFILE: z.pipe(optionalTrimmed, z.optional(ProfileNameSchema)),
});
export type ParsedEnv = z.infer<typeof EnvSchema>;

function firstIssue(error: z.core.$ZodError): string {
  return error.issues[0]?.message ?? 'invalid value';
}

/**
 * What a command does with OPENAI_BASE_URL (CommandSpec.baseUrl): sends requests there, or checks
 * it as doctor does; `overridden`: this run's --base-url is used instead (program.ts), so the
 * variable is not, as the SDK ignores it given a baseURL, and one that is no URL is not refused.
 */
export type BaseUrlUse = 'sends' | 'checks' | 'overridden';

/** A variable EnvSchema refused, as the one-line usage error every command says (with the fix for OPENAI_BASE_URL). */
function envError(name: string, error: z.core.$ZodError, env: Record<string, string | undefined>): UsageError {
  const value = String(env[name] ?? '');
  return new UsageError(`${name}: ${firstIssue(error)} (got "${shownValue(value)}").`, name === 'OPENAI_BASE_URL' ? [baseUrlFix(value)] : []);
}

/**
 * The environment through EnvSchema. A bad variable is a usage error here, except OPENAI_BASE_URL:
 * checked where it is read (the property throws the same error then), so that the commands that
 * never send a request nor name the server (logout, token, run, profiles…) go on without it.
 */
export function parseEnv(env: Record<string, string | undefined>): ParsedEnv {
  const result = EnvSchema.safeParse({ ...env, OPENAI_BASE_URL: undefined });
  if (!result.success) throw envError(String(result.error.issues[0]?.path[0] ?? 'an environment variable'), result.error, env);
  const baseURL = EnvSchema.shape.OPENAI_BASE_URL.safeParse(env.OPENAI_BASE_URL);
  return Object.defineProperty(result.data, 'OPENAI_BASE_URL', {
    enumerable: true,
    get: () => {
      if (!baseURL.success) throw envError('OPENAI_BASE_URL', baseURL.error, env);
      return baseURL.data;
    },
  });
}

/** Parse one flag's value with a schema; a failure names the flag. */
export function parseFlag<T>(flag: string, schema: z.ZodMiniType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const shown = typeof value === 'string' ? ` (got "${shownValue(value)}")` : '';
    throw new UsageError(`${flag}: ${firstIssue(result.error)}${shown}.`);
  }
  return result.data;
}

// Decimal digits only: Number() would also take "0x1F4", "0b111110100", "5e2" and " 500" as
// 500, and "" as 0 (said as "must be at least 100 ms").
const TimeoutSchema = z
  .pipe(
    z.string({ message: 'must be a whole number of milliseconds' }).check(z.regex(/^\d+$/, 'must be a whole number of milliseconds')),
    z.transform((v: string) => Number(v)),
  )
  .check(z.minimum(100, 'must be at least 100 ms'), z.maximum(600_000, 'must be at most 600000 ms (10 minutes)'));

const ModelSchema = z.string().check(z.trim(), z.regex(/^[A-Za-z0-9._:/-]{1,100}$/, 'is not a model name'));

/** A page of the platform by its name in PAGES, in any case, spaces around it ignored. */
export const PageNameSchema = z.pipe(
  z.string().check(z.trim(), z.toLowerCase()),
  z.enum(PAGE_NAMES as [PageName, ...PageName[]], { message: `name a page: ${PAGE_NAMES.join(', ')}` }),
);

/** The shells `completion` writes a script for. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];
export const ShellSchema = z.enum(SHELLS, { message: `name a shell: ${SHELLS.join(', ')}` });

/**
 * How to install the fish script where fish reads it, the same typed in fish, bash or zsh: fish
 * itself names its folder ($__fish_config_dir: under $XDG_CONFIG_HOME when set, else ~/.config),
 * and makes completions/ in it, which a fresh fish does not. The tool's command comes first, out of
 * the quotes: started by a path that needs quoting (a clone in "my clone"), it is quoted on its own.
 */
export const FISH_COMPLETION_INSTALL = "openai-setup completion fish | fish -c 'mkdir -p $__fish_config_dir/completions && cat > $__fish_config_dir/completions/openai-setup.fish'";

/** OPENAI_ADMIN_KEY from the environment, trimmed, or undefined: its one reader (advice and storage both read it). */
export function envAdminKey(ctx: { readonly rawEnv: Readonly<Record<string, string | undefined>> }): string | undefined {
  return ctx.rawEnv.OPENAI_ADMIN_KEY?.trim() || undefined;
}

/** Debug logging of this tool: DEBUG=openai-setup (or * / openai-setup:*), as the debug package reads it. */
export function debugEnabled(env: { DEBUG?: string }): boolean {
  return (env.DEBUG ?? '').split(/[\s,]+/).some((d) => d === '*' || d === 'openai-setup' || d.startsWith('openai-setup:'));
}

/** --base-url, --model and --timeout of the wizard, `key` and `verify`, checked. */
export function parseCheckFlags(opts: Record<string, unknown>): { baseURL?: string; model?: string; timeoutMs?: number } {
  const given = (name: string) => (typeof opts[name] === 'string' ? (opts[name] as string) : undefined);
  const baseUrl = given('baseUrl');
  const model = given('model');
  const timeout = given('timeout');
  return {
    baseURL: baseUrl === undefined ? undefined : parseFlag('--base-url', HttpUrlSchema, baseUrl),
    model: model === undefined ? undefined : parseFlag('--model', ModelSchema, model),
    timeoutMs: timeout === undefined ? undefined : parseFlag('--timeout', TimeoutSchema, timeout),
  };
}

// The AdminAuth (api/types.ts) an admin key is sent with. Here, between the layers, because it
// needs both: whether the key is OPENAI_ADMIN_KEY's (storage/admin-key.ts) and the transport
// warnings said before a request (api/check.ts). storage/ builds no request and prints nothing;
// api/ knows nothing stored.
import { otherHostNoticeOnce, transportWarningsOnce } from './api/check.js';
import type { AdminAuth } from './api/types.js';
import type { Context } from './context.js';
import { baseURLOrigin, resolveBaseURL } from './platform.js';
import { adminKeyNeedsFile, envAdminKey } from './storage/admin-key.js';
import { marks } from './terminal/output.js';
import { adviceScope, storeAdminKeyAdvice } from './terminal/advice.js';

/** Each Admin API request gets this long, body included. */
export const ADMIN_TIMEOUT_MS = 20_000;

/**
 * Who calls the Admin API and where: the same base URL as the key (--base-url is not one of its
 * flags: OPENAI_BASE_URL). An admin key can do more than any project key, so a server that is not
 * OpenAI's, and an insecure way there (TLS not checked, plain http:// to another machine), are said
 * first, as verify says them: once a run, through `warn` (default: a warning line on stderr).
 */
export async function adminAuth(ctx: Context, profile: string, key: string, warn?: (text: string) => void, storeFlags = ''): Promise<AdminAuth> {
  const baseURL = resolveBaseURL(ctx);
  // A server that is not OpenAI's is named first: it is handed the admin key.
  const elsewhere = otherHostNoticeOnce(ctx, 'admin', baseURL, baseURLOrigin(ctx));
  for (const warning of [...(elsewhere ? [elsewhere] : []), ...transportWarningsOnce(ctx, baseURL)]) {
    if (warn) warn(warning);
    else ctx.term.err(`${marks(ctx.term.style).warn} ${warning}`);
  }
  const fromEnv = envAdminKey(ctx) === key;
  // The fixes of a failure name storing another admin key as it works here (storeAdminKeyAdvice,
  // `storeFlags` after --stdin: admin-key's own): never a prompt where none can be asked, never a
  // pipe of OPENAI_ADMIN_KEY when that is the key that failed.
  const origin = { variableFailed: fromEnv };
  const store = storeAdminKeyAdvice(ctx, profile, storeFlags, origin);
  if (storeFlags.split(' ').includes('--insecure-storage')) return { key, baseURL, timeoutMs: ADMIN_TIMEOUT_MS, profile, ...adviceScope(ctx), fromEnv, store };
  // Nor `admin-key` without --insecure-storage where no keychain answers (it would exit 7): the key
  // from OPENAI_ADMIN_KEY, or one to be stored, says nothing of a keychain here. Asked only once a
  // failure names the command, by a read (no prompt, no write), not before every request.
  const storeOnFailure = async () => ((await adminKeyNeedsFile(ctx, profile)) ? storeAdminKeyAdvice(ctx, profile, withInsecureStorage(storeFlags), origin) : store);
  return { key, baseURL, timeoutMs: ADMIN_TIMEOUT_MS, profile, ...adviceScope(ctx), fromEnv, store, storeOnFailure };
}

/** admin-key's flags after --stdin (`--no-verify`, say) with --insecure-storage first, as admin-key's own advice orders them. */
function withInsecureStorage(flags: string): string {
  return ['--insecure-storage', flags].filter(Boolean).join(' ');
}

// The last check of a profile's key in the progress file: its outcome recorded (recordCheck), and
// read back safe to show (lastVerifyAsShown). Here, between api/ (the result, the shapes of what the
// server said) and storage/ (the file), because neither layer imports the other's code beyond the
// status names storage/ stores (api/status.ts): api/ knows nothing stored, and storage/ prints
// nothing (a record that fails is a warning, not an error).
import { outcomeRow, STATUS } from './api/status.js';
import type { CheckResult } from './api/types.js';
import { organizationId, projectId } from './api/identifiers.js';
import type { Context } from './context.js';
import { KeyStoreError } from './errors.js';
import { maskKey } from './keys/format.js';
import type { KeySource } from './storage/profile-key.js';
import type { LastVerify } from './storage/state.js';
import { marks } from './terminal/output.js';
import { sanitize, sanitizeNullable, untrusted } from './terminal/sanitize.js';

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
      // What the server said, as it may be replayed later by status, profiles and doctor.
      organization: organizationId(result.organization, [key]),
      project: projectId(result.project, [key]),
      tier: sanitizeNullable(result.tier, 20),
      billing: result.billing,
      message: untrusted(result.message, [key]),
      ...(result.otherHost ? { host: result.otherHost } : {}),
      ...(result.adviceBaseURL ? { baseURL: result.adviceBaseURL } : {}),
      ...(outcomeRow(result).route === 'limit' ? { limit: result.reason! } : {}),
      ...(outcomeRow(result).route === 'elsewhere' ? { refusal: result.reason! } : {}),
    };
  });
}

/** The last check as shown: `host`, the server it was made at when not the OpenAI API, else null. */
export type LastVerifyShown = Omit<LastVerify, 'host'> & { host: string | null };

/**
 * The last check as the progress file holds it, made safe to show: the file may have been written
 * by an older version, or by hand, so nothing in it is printed as it is.
 */
export function lastVerifyAsShown(last: LastVerify): LastVerifyShown {
  return {
    ...last,
    host: last.host === undefined ? null : sanitize(last.host, 255),
    keyHint: sanitize(last.keyHint, 40),
    keySource: sanitize(last.keySource, 100),
    organization: organizationId(last.organization),
    project: projectId(last.project),
    tier: last.tier === null ? null : sanitize(last.tier, 20),
    message: untrusted(last.message, []),
  };
}

/**
 * A check's status for people (STATUS's label), where it was made: a key that worked at another
 * server than the OpenAI API "works at HOST" there, never simply "works".
 */
export function checkLabel(last: Pick<LastVerifyShown, 'status' | 'host'>): string {
  const label = STATUS[last.status].label;
  return last.host === null ? label : label.replace(/^works\b/, `works at ${last.host}`);
}

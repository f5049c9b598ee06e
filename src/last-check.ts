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
import { KeyHintSchema } from './storage/admin-state.js';
import { profileIn, type LastVerify } from './storage/state.js';
import { marks } from './terminal/output.js';
import { sanitize, sanitizeNullable, untrusted } from './terminal/sanitize.js';

/**
 * Keep the outcome of the last check in the progress file (never the key: its masked hint). A
 * config dir that cannot be written is a warning (through `note`): the check itself stands. Of a
 * stored key, kept only while the profile still stores that key: another run may have stored
 * another one in its place during the check, whose record this must not become (said, through
 * `note`). Why nothing was recorded, in full (verify's --json `notRecorded`), else null.
 */
export async function recordCheck(
  ctx: Context,
  profileName: string,
  key: string,
  source: KeySource,
  result: CheckResult,
  note: (line: string) => void = (line) => ctx.term.err(line),
): Promise<string | null> {
  let notRecorded: string | null;
  let said: string | null = null;
  try {
    notRecorded = await recordIn(ctx, profileName, key, source, result);
  } catch (error) {
    if (!(error instanceof KeyStoreError)) throw error;
    notRecorded = `The result of this check was not recorded: ${error.message}`;
    // A progress file this run already said it cannot use (a warning, doctor's row): not all again.
    if (ctx.state.shownAlready(error)) said = 'The result of this check was not recorded (the progress file, above).';
  }
  if (notRecorded) note(`${marks(ctx.term.style).warn} ${said ?? notRecorded}`);
  return notRecorded;
}

async function recordIn(ctx: Context, profileName: string, key: string, source: KeySource, result: CheckResult): Promise<string | null> {
  const checked = maskKey(key);
  // Set inside the update: the hint of the other key the profile stores now, or that it stores none.
  let storedNow = null as string | null | 'none';
  await ctx.state.update((state) => {
    const profile = state.profiles[profileName];
    // Compared under the lock that a key change holds until its record is written (key-change.ts):
    // the record says which key the profile stores now. None recorded (an older progress file, or
    // one moved aside): nothing says it is another, and the check is of the key found. A record
    // that is as it was when this run read or stored the key is no other run's change: a value
    // edited in the keychain by hand is what was checked, and is recorded as such.
    const ofStored = source.kind === 'keychain' || source.kind === 'file';
    const stored = ofStored ? profile?.key : undefined;
    const known = ctx.keys.recordKnown(profileName);
    if (stored && KeyHintSchema.safeParse(stored.hint).success && stored.hint !== checked && stored.hint !== known) {
      storedNow = stored.hint;
      return;
    }
    // A record this run saw that is gone now: another run removed the key (logout) during the
    // check, and its profile may be gone with it, which this record must not bring back.
    if (ofStored && !stored && typeof known === 'string') {
      storedNow = 'none';
      return;
    }
    profileIn(state, profileName).lastVerify = {
      at: ctx.clock.now().toISOString(),
      status: result.status,
      ok: result.ok,
      keyHint: checked,
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
  if (storedNow === 'none') return `Profile "${profileName}" stores no key now (another run removed it while it was checked): this check of ${checked} was not recorded.`;
  return storedNow === null ? null : `Profile "${profileName}" stores another key now (${storedNow}, stored in place of ${checked} while it was checked): this check of ${checked} was not recorded.`;
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

// The one table of check outcomes: for each status, the exit code, whether the API accepted the
// key, whether the key is usable, whether to keep it, and where the wizard goes to fix it.
// `verify`, the check report, the stages, `setup` and `import` read it; none keeps a list of its own.
import * as z from 'zod/mini';
import { EXIT } from '../errors.js';
import { limitReason } from './limits.js';

/**
 * Where the fix for an outcome lies: nothing to fix, billing (credits), a spend or usage limit
 * (raised on a limits page: credits do not lift it), another key, something around the key (its
 * permissions, the organization, the network's country), or just trying again.
 */
export type Route = 'none' | 'billing' | 'limit' | 'key' | 'elsewhere' | 'retry';

interface StatusRow {
  /** For people, where a status is shown (status, profiles): not the code. */
  label: string;
  exitCode: number;
  /** The API took the key as a working one, even if it cannot spend or is limited right now. */
  accepted: boolean;
  /** The key can be used as it is. */
  ok: boolean;
  /** Worth storing: the right key, even if billing still needs fixing. Read through outcomeRow: a reason can change it. */
  keepKey: boolean;
  /** Read through outcomeRow too. */
  route: Route;
}

export const STATUS = {
  valid: { label: 'works', exitCode: EXIT.ok, accepted: true, ok: true, keepKey: true, route: 'none' },
  rate_limited: { label: 'works (rate-limited)', exitCode: EXIT.ok, accepted: true, ok: true, keepKey: true, route: 'none' },
  insufficient_quota: { label: 'cannot spend (no credits or a limit)', exitCode: EXIT.noQuota, accepted: true, ok: false, keepKey: true, route: 'billing' },
  malformed_key: { label: 'not an API key', exitCode: EXIT.keyRejected, accepted: false, ok: false, keepKey: false, route: 'key' },
  invalid_key: { label: 'rejected', exitCode: EXIT.keyRejected, accepted: false, ok: false, keepKey: false, route: 'key' },
  forbidden: { label: 'refused', exitCode: EXIT.forbidden, accepted: false, ok: false, keepKey: false, route: 'key' },
  network_error: { label: 'could not reach the API', exitCode: EXIT.network, accepted: false, ok: false, keepKey: false, route: 'retry' },
  timeout: { label: 'no answer in time', exitCode: EXIT.network, accepted: false, ok: false, keepKey: false, route: 'retry' },
  server_error: { label: 'API server error', exitCode: EXIT.network, accepted: false, ok: false, keepKey: false, route: 'retry' },
} as const satisfies Record<string, StatusRow>;

export type VerifyStatus = keyof typeof STATUS;

export const VERIFY_STATUSES = Object.keys(STATUS) as VerifyStatus[];

export const VerifyStatusSchema = z.enum(VERIFY_STATUSES as [VerifyStatus, ...VerifyStatus[]]);


/**
 * Refusals whose fix is not another key: something around the key has to change (its permissions,
 * the organization, the account, where the request comes from); a new key from the same person
 * gets the same answer. Each with what was refused, as the wizard says it: not every refusal
 * judged the key (a region block comes before it), so none claims the key is right.
 */
const FIXED_ELSEWHERE: Record<string, string> = {
  missing_scopes: 'This restricted key lacks a permission it needs',
  unsupported_country_region_territory: 'The API refused the request for the country or region it came from, before judging the key',
  unsupported_country: 'The API refused the request for the country or region it came from, before judging the key',
  ip_not_authorized: 'The API refused the request for the IP address it came from',
  mismatched_organization: 'The API refused the OpenAI-Organization header sent with the key',
  mismatched_project: 'The API refused the OpenAI-Project header sent with the key',
  invalid_organization: "The API refused the organization: the key's, or the one an OpenAI-Organization header names",
  no_organization: 'Your user belongs to no organization, which the API requires',
  account_deactivated: 'The account that owns the key is deactivated',
  access_terminated: 'OpenAI terminated the access of the account that owns the key',
  model_not_found: "The key's project may not use the model checked",
  model_refused: 'The API accepted the key, but refused it the model checked',
};

/** The table's row for a check's outcome, with the route its reason calls for. */
export function outcomeRow(result: { status: VerifyStatus; reason: string | null }): StatusRow {
  const row = STATUS[result.status];
  if (result.status === 'forbidden' && result.reason && Object.hasOwn(FIXED_ELSEWHERE, result.reason)) return { ...row, route: 'elsewhere', keepKey: true };
  if (result.status === 'insufficient_quota' && limitReason(result.reason)) return { ...row, route: 'limit' };
  return row;
}

/** For a refusal fixed around the key: what was refused, in one sentence (no full stop); null for any other outcome. */
export function refusalOf(result: { status: VerifyStatus; reason: string | null }): string | null {
  return outcomeRow(result).route === 'elsewhere' ? FIXED_ELSEWHERE[result.reason!]! : null;
}

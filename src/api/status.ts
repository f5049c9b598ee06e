// The one table of check outcomes: for each status, the exit code, whether the key is usable,
// whether to keep it, and where the wizard goes to fix it. `verify`, the stages and `setup` read
// it; none keeps a list of its own.
import * as z from 'zod/mini';
import { EXIT } from '../errors.js';

/**
 * Where the fix for an outcome lies: nothing to fix, billing, another key, something around the
 * key (its permissions, the organization, the network's country) while the key itself is right,
 * or just trying again.
 */
export type Route = 'none' | 'billing' | 'key' | 'elsewhere' | 'retry';

interface StatusRow {
  /** For people, where a status is shown (status, profiles): not the code. */
  label: string;
  exitCode: number;
  /** The key can be used as it is. */
  ok: boolean;
  /** Worth storing: the right key, even if billing still needs fixing. */
  keepKey: boolean;
  route: Route;
}

export const STATUS = {
  valid: { label: 'works', exitCode: EXIT.ok, ok: true, keepKey: true, route: 'none' },
  rate_limited: { label: 'works (rate-limited)', exitCode: EXIT.ok, ok: true, keepKey: true, route: 'none' },
  insufficient_quota: { label: 'cannot spend (no credits or a limit)', exitCode: EXIT.noQuota, ok: false, keepKey: true, route: 'billing' },
  malformed_key: { label: 'not an API key', exitCode: EXIT.keyRejected, ok: false, keepKey: false, route: 'key' },
  invalid_key: { label: 'rejected', exitCode: EXIT.keyRejected, ok: false, keepKey: false, route: 'key' },
  forbidden: { label: 'refused', exitCode: EXIT.forbidden, ok: false, keepKey: false, route: 'key' },
  network_error: { label: 'could not reach the API', exitCode: EXIT.network, ok: false, keepKey: false, route: 'retry' },
  timeout: { label: 'no answer in time', exitCode: EXIT.network, ok: false, keepKey: false, route: 'retry' },
  server_error: { label: 'API server error', exitCode: EXIT.network, ok: false, keepKey: false, route: 'retry' },
} as const satisfies Record<string, StatusRow>;

export type VerifyStatus = keyof typeof STATUS;

export const VERIFY_STATUSES = Object.keys(STATUS) as VerifyStatus[];

export const VerifyStatusSchema = z.enum(VERIFY_STATUSES as [VerifyStatus, ...VerifyStatus[]]);


/**
 * Refusals whose fix is not another key: the key is the right one, something around it has to
 * change (its permissions, the organization, the account, where the request comes from). A new
 * key from the same person gets the same answer.
 */
const FIXED_ELSEWHERE = new Set([
  'missing_scopes',
  'unsupported_country_region_territory',
  'unsupported_country',
  'ip_not_authorized',
  'mismatched_organization',
  'mismatched_project',
  'invalid_organization',
  'no_organization',
  'account_deactivated',
  'access_terminated',
  'model_not_found',
]);

/** The table's row for a check's outcome, with the route its reason calls for. */
export function outcomeRow(result: { status: VerifyStatus; reason: string | null }): StatusRow {
  const row = STATUS[result.status];
  if (result.status === 'forbidden' && result.reason && FIXED_ELSEWHERE.has(result.reason)) return { ...row, route: 'elsewhere', keepKey: true };
  return row;
}

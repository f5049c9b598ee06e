// The one table of check outcomes: for each status, the exit code, whether the key is usable,
// whether to keep it, and where the wizard goes to fix it. `verify`, the stages and `setup` read
// it; none keeps a list of its own.
import * as z from 'zod/mini';
import { EXIT } from '../errors.js';

/** Where the fix for an outcome lies: nothing to fix, the billing stage, another key, or just trying again. */
export type Route = 'none' | 'billing' | 'key' | 'retry';

interface StatusRow {
  exitCode: number;
  /** The key can be used as it is. */
  ok: boolean;
  /** Worth storing: the right key, even if billing still needs fixing. */
  keepKey: boolean;
  route: Route;
}

export const STATUS = {
  valid: { exitCode: EXIT.ok, ok: true, keepKey: true, route: 'none' },
  rate_limited: { exitCode: EXIT.ok, ok: true, keepKey: true, route: 'none' },
  insufficient_quota: { exitCode: EXIT.noQuota, ok: false, keepKey: true, route: 'billing' },
  malformed_key: { exitCode: EXIT.keyRejected, ok: false, keepKey: false, route: 'key' },
  invalid_key: { exitCode: EXIT.keyRejected, ok: false, keepKey: false, route: 'key' },
  forbidden: { exitCode: EXIT.forbidden, ok: false, keepKey: false, route: 'key' },
  network_error: { exitCode: EXIT.network, ok: false, keepKey: false, route: 'retry' },
  timeout: { exitCode: EXIT.network, ok: false, keepKey: false, route: 'retry' },
  server_error: { exitCode: EXIT.network, ok: false, keepKey: false, route: 'retry' },
} as const satisfies Record<string, StatusRow>;

export type VerifyStatus = keyof typeof STATUS;

export const VERIFY_STATUSES = Object.keys(STATUS) as VerifyStatus[];

export const VerifyStatusSchema = z.enum(VERIFY_STATUSES as [VerifyStatus, ...VerifyStatus[]]);

export function statusRow(status: VerifyStatus): StatusRow {
  return STATUS[status];
}

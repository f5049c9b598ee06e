// What an admin key can do, asked live: list one project (what rotate reads with) and read today's
// costs (what spend needs). admin-key reports it in full; import only asks whether the key is any
// use. The rule is here, once: a key that can do neither is refused, both permissions named.
// rotate also writes (creating a service account needs api.management.write), and no
// request shows that permission without changing the organization: it is never claimed here.
import { EXIT } from '../errors.js';
import { maskKey } from '../keys/format.js';
import { PAGES } from '../platform.js';
import { adminKeyStore, AdminApiError, missingScopeFix, type ScopeNeeds } from './admin-failure.js';
import type { AdminApi, AdminAuth, AdminProject } from './types.js';

export const LIST_SCOPE = 'api.management.read';
export const WRITE_SCOPE = 'api.management.write';
const COSTS_SCOPE = 'api.usage.read';

/** rotate reads (lists projects' keys and service accounts) and writes (creates service accounts, deletes keys). */
export const ROTATE_NEEDS: ScopeNeeds = { command: 'rotate', scopes: [LIST_SCOPE, WRITE_SCOPE] };

export interface AdminProbe {
  /**
   * It lists the organization's projects, which rotate needs; whether rotate can use it is not
   * known until rotate runs (`unproven`).
   */
  rotate: boolean;
  /** It reads the organization's costs, or they could not be read for another reason (`costsUnknown`): spend may use it. */
  spend: boolean;
  /** The permissions it was found without, as the API named them (else the one the request needs); empty when none. */
  missing: string[];
  /** One project of the organization, when it could list them (null: none, or it cannot). */
  sample: AdminProject | null;
  /** Why the costs could not be read, when it was not a permission (the project list worked). */
  costsUnknown: AdminApiError | null;
  /**
   * Permissions a command needs that no check can show without changing the organization:
   * api.management.write, for rotate to create a service account (checked when rotate runs),
   * whenever rotate's reading works; empty otherwise.
   */
  unproven: string[];
}

/** The command a probe found the key unable to serve, else null. */
export const cannotServe = (probe: Pick<AdminProbe, 'rotate' | 'spend'>): 'rotate' | 'spend' | null => (!probe.rotate ? 'rotate' : !probe.spend ? 'spend' : null);

/** A request's answer, or the missing permission that kept it from one. */
type Checked<T> = { value: T } | { lacking: AdminApiError };

/** Any failure other than a missing permission is thrown. */
async function unlessMissingScope<T>(request: Promise<T>): Promise<Checked<T>> {
  try {
    return { value: await request };
  } catch (error) {
    if (error instanceof AdminApiError && error.kind === 'missing_scope') return { lacking: error };
    throw error;
  }
}

/** The permissions a refusal named, else the one the request needs. */
const namedOr = (lacking: AdminApiError, scope: string): string[] => (lacking.scopes.length ? lacking.scopes : [scope]);

/**
 * Both requests; a rejected key, a project key, an unreachable API, or a key that can do neither
 * (missing_scope, both permissions named) is thrown (AdminApiError). A failure to read costs for
 * any other reason than a permission, once the key listed a project, says nothing against the
 * key: `costsUnknown`.
 */
export async function probeAdminKey(api: AdminApi, auth: AdminAuth, now: Date): Promise<AdminProbe> {
  const projects = await unlessMissingScope(api.listProjects(auth, { limit: 1 }).then((page) => page.data[0] ?? null));
  const today = Math.floor(now.getTime() / 86_400_000) * 86_400;
  let costs: Checked<unknown>;
  try {
    costs = await unlessMissingScope(api.costs(auth, { startTime: today, limit: 1 }));
  } catch (error) {
    if (!('value' in projects) || !(error instanceof AdminApiError)) throw error;
    return { rotate: true, spend: true, missing: [], sample: projects.value, costsUnknown: error, unproven: [WRITE_SCOPE] };
  }
  if ('lacking' in projects && 'lacking' in costs) {
    const names = [namedOr(projects.lacking, LIST_SCOPE).join(', '), namedOr(costs.lacking, COSTS_SCOPE).join(', ')].join(' and ');
    const { status, apiMessage, requestId } = costs.lacking;
    // Storing another, as it works where this is read (AdminAuth.storeOnFailure: made now that it is named).
    const store = auth.storeOnFailure ? await auth.storeOnFailure() : adminKeyStore(auth);
    throw new AdminApiError('missing_scope', EXIT.forbidden, `The admin key ${maskKey(auth.key)} lacks the permissions ${names}: neither rotate nor spend can use it.`, [
      missingScopeFix('those permissions', store),
      `→ ${PAGES['admin-keys'].url}`,
    ], status, apiMessage, requestId, [...namedOr(projects.lacking, LIST_SCOPE), ...namedOr(costs.lacking, COSTS_SCOPE)]);
  }
  if ('lacking' in projects) return { rotate: false, spend: true, missing: namedOr(projects.lacking, LIST_SCOPE), sample: null, costsUnknown: null, unproven: [] };
  if ('lacking' in costs) return { rotate: true, spend: false, missing: namedOr(costs.lacking, COSTS_SCOPE), sample: projects.value, costsUnknown: null, unproven: [WRITE_SCOPE] };
  return { rotate: true, spend: true, missing: [], sample: projects.value, costsUnknown: null, unproven: [WRITE_SCOPE] };
}

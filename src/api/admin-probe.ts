// What an admin key can do, asked live: list one project (what rotate needs) and read today's
// costs (what spend needs). admin-key reports it in full; import only asks whether the key is any use.
import { AdminApiError } from './admin-failure.js';
import type { AdminApi, AdminAuth, AdminProject } from './types.js';

export const LIST_SCOPE = 'api.management.read';
export const WRITE_SCOPE = 'api.management.write';
export const COSTS_SCOPE = 'api.usage.read';

/** A request's answer, or the missing permission that kept it from one. */
export type Checked<T> = { value: T } | { lacking: AdminApiError };

export interface AdminProbe {
  /** One project of the organization (null: it has none), or the missing permission. */
  projects: Checked<AdminProject | null>;
  /** `unknown`: the costs could not be read for another reason, after the project list worked. */
  costs: Checked<unknown> | { unknown: AdminApiError };
}

/** Any failure other than a missing permission is thrown. */
async function unlessMissingScope<T>(request: Promise<T>): Promise<Checked<T>> {
  try {
    return { value: await request };
  } catch (error) {
    if (error instanceof AdminApiError && error.kind === 'missing_scope') return { lacking: error };
    throw error;
  }
}

/**
 * Both requests; a rejected key, a project key or an unreachable API is thrown (AdminApiError).
 * A failure to read costs for any other reason than a permission, once the key listed a project,
 * says nothing against the key: it is `unknown`.
 */
export async function probeAdminKey(api: AdminApi, auth: AdminAuth, now: Date): Promise<AdminProbe> {
  const projects = await unlessMissingScope(api.listProjects(auth, { limit: 1 }).then((page) => page.data[0] ?? null));
  const today = Math.floor(now.getTime() / 86_400_000) * 86_400;
  try {
    return { projects, costs: await unlessMissingScope(api.costs(auth, { startTime: today, limit: 1 })) };
  } catch (error) {
    if (!('value' in projects) || !(error instanceof AdminApiError)) throw error;
    return { projects, costs: { unknown: error } };
  }
}

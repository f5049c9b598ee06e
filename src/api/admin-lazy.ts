// The Admin API as Context holds it: the real one (admin.ts, and the SDK under it) is loaded only
// when a command calls it, so that no other command pays for it.
import type { AdminApi } from './types.js';

export function lazyAdminApi(load: () => Promise<AdminApi>): AdminApi {
  let loaded: Promise<AdminApi> | undefined;
  const get = () => (loaded ??= load());
  return {
    listProjects: async (...args) => (await get()).listProjects(...args),
    createServiceAccount: async (...args) => (await get()).createServiceAccount(...args),
    listServiceAccounts: async (...args) => (await get()).listServiceAccounts(...args),
    deleteServiceAccount: async (...args) => (await get()).deleteServiceAccount(...args),
    listProjectKeys: async (...args) => (await get()).listProjectKeys(...args),
    deleteProjectKey: async (...args) => (await get()).deleteProjectKey(...args),
    costs: async (...args) => (await get()).costs(...args),
  };
}

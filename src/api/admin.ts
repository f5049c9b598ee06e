// The real Admin API: the official SDK's admin resources, with the admin key as the SDK's
// adminAPIKey, on the one HTTP path (http.ts). No retries: rotate must know whether a request
// happened. A failure becomes an AdminApiError (admin-failure.ts).
import type { ClientOptions } from 'openai';
import { EXIT } from '../errors.js';
import { PAGES } from '../platform.js';
import { adviceScope } from '../terminal/advice.js';
import { sanitize } from '../terminal/sanitize.js';
import { adminFailure, AdminApiError } from './admin-failure.js';
import { createTransport, sdkFetch, sdkLogger, type SdkFetch } from './http.js';
import { clientClass, failureOf } from './probes.js';
import type { AdminApi, AdminAuth, AdminPage, AdminProject, CostsPage, NewServiceAccount, ProjectKeyInfo, ServiceAccountInfo } from './types.js';

type Sdk = typeof import('openai');

export interface AdminApiOptions {
  env: Record<string, string | undefined>;
  /** Instead of the one HTTP path (tests answer from an in-memory organization). */
  fetch?: SdkFetch;
  debug?: (line: string) => void;
}

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
/** A name or id the API gave, as it may be shown: one safe, bounded line (sanitize.ts). Never for a key or a cursor. */
const shown = (value: unknown, max = 200): string | null => (typeof value === 'string' ? sanitize(value, max) : null);
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

function page<T>(raw: { data?: unknown[]; has_more?: unknown; last_id?: unknown }, map: (item: Record<string, unknown>) => T): AdminPage<T> {
  const data = (raw.data ?? []).filter((item): item is Record<string, unknown> => Boolean(item) && typeof item === 'object').map(map);
  return { data, hasMore: raw.has_more === true, lastId: str(raw.last_id) || null };
}

function keyInfo(item: Record<string, unknown>): ProjectKeyInfo {
  const owner = (item.owner ?? {}) as { type?: unknown; user?: { id?: unknown; name?: unknown; email?: unknown }; service_account?: { id?: unknown; name?: unknown } };
  const type = owner.type === 'user' || owner.type === 'service_account' ? owner.type : 'unknown';
  const who = type === 'service_account' ? owner.service_account : owner.user;
  return {
    id: shown(item.id) ?? '',
    name: shown(item.name),
    redactedValue: str(item.redacted_value) ?? '',
    createdAt: num(item.created_at),
    lastUsedAt: num(item.last_used_at),
    owner: { type, id: shown(who?.id), name: shown(who?.name) ?? shown((who as { email?: unknown } | undefined)?.email) },
  };
}

/** Beyond these, a cost or a time in the API's answer is not one (JS dates end at ±8.64e12 s). */
const MAX_COST_USD = 1e12;
const MAX_UNIX_SECONDS = 8.64e12;

/** Costs the API sent that no month has (an amount past a trillion dollars, a time no date has): one line, exit 6. */
function unreadableCosts(what: string): AdminApiError {
  return new AdminApiError('server_error', EXIT.network, `Reading the organization's costs failed: the API answered with ${what}, which is no cost openai-setup can add up.`, [`Try again later; if it persists, see the usage page: ${PAGES.usage.url}`], null, null, null);
}

/** The real Admin API. Proxy variables are read (and a malformed one refused) at the first request. */
export function createAdminApi(options: AdminApiOptions): AdminApi {
  let transport: { fetch: SdkFetch; proxy: (url: string) => string | null } | undefined;
  const http = () => {
    if (!transport) {
      if (options.fetch) {
        transport = { fetch: options.fetch, proxy: () => null };
      } else {
        const real = createTransport(options.env);
        transport = { fetch: sdkFetch(real.fetch), proxy: real.proxyFor };
      }
    }
    return transport;
  };

  /** One request through a client of its own, bounded by the auth's timeout; failures explained. */
  async function call<T>(auth: AdminAuth, action: string, request: (client: InstanceType<Sdk['OpenAI']>, signal: AbortSignal) => Promise<T>): Promise<T> {
    const { fetch, proxy } = http();
    const sdk = (await import('openai')) as Sdk;
    const clientOptions: ClientOptions = {
      // Only the admin key: the SDK would otherwise read OPENAI_API_KEY, OPENAI_ORG_ID and
      // OPENAI_PROJECT_ID from the environment, none of which belongs to the admin key.
      apiKey: null,
      adminAPIKey: auth.key,
      organization: null,
      project: null,
      baseURL: auth.baseURL,
      timeout: auth.timeoutMs,
      maxRetries: 0,
      fetch,
      logLevel: options.debug ? 'debug' : 'off',
    };
    if (options.debug) clientOptions.logger = sdkLogger('openai admin', options.debug);
    const Client = clientClass(sdk);
    const client = new Client(clientOptions);
    const deadline = AbortSignal.timeout(auth.timeoutMs);
    try {
      return await request(client, deadline);
    } catch (error) {
      if (error instanceof AdminApiError) throw error;
      throw adminFailure(failureOf(error, sdk, deadline, auth.key), {
        baseURL: auth.baseURL,
        key: auth.key,
        timeoutMs: auth.timeoutMs,
        proxy: proxy(auth.baseURL),
        action,
        ...(auth.profile === undefined ? {} : { profile: auth.profile }),
        ...adviceScope(auth),
        ...(auth.fromEnv ? { fromEnv: true } : {}),
      });
    }
  }

  return {
    listProjects: (auth, query = {}) =>
      call(auth, "listing the organization's projects", async (client, signal) => {
        const raw = await client.admin.organization.projects.list({ limit: query.limit, ...(query.after ? { after: query.after } : {}) }, { signal });
        return page<AdminProject>(raw, (p) => ({ id: shown(p.id) ?? '', name: shown(p.name), archived: p.archived_at !== null && p.archived_at !== undefined }));
      }),

    createServiceAccount: (auth, projectId, name) =>
      call(auth, `creating a service account in ${projectId}`, async (client, signal): Promise<NewServiceAccount> => {
        const raw = (await client.admin.organization.projects.serviceAccounts.create(projectId, { name }, { signal })) as unknown as Record<string, unknown>;
        const key = (raw.api_key ?? null) as { id?: unknown; value?: unknown } | null;
        const id = shown(raw.id);
        if (!id) throw new Error('the API answered without a service account id');
        return { id, name: shown(raw.name) ?? name, key: { id: shown(key?.id) ?? '', value: str(key?.value) ?? '' } };
      }),

    listServiceAccounts: (auth, projectId, query = {}) =>
      call(auth, `listing the service accounts of ${projectId}`, async (client, signal) => {
        const raw = await client.admin.organization.projects.serviceAccounts.list(projectId, { limit: query.limit, ...(query.after ? { after: query.after } : {}) }, { signal });
        return page<ServiceAccountInfo>(raw, (sa) => ({ id: shown(sa.id) ?? '', name: shown(sa.name) }));
      }),

    deleteServiceAccount: (auth, projectId, serviceAccountId) =>
      call(auth, `deleting the service account ${serviceAccountId}`, async (client, signal) => {
        await client.admin.organization.projects.serviceAccounts.delete(serviceAccountId, { project_id: projectId }, { signal });
      }),

    listProjectKeys: (auth, projectId, query = {}) =>
      call(auth, `listing the API keys of ${projectId}`, async (client, signal) => {
        // Without owner_project_access=any the API may leave out keys of members it does not count.
        const raw = await client.admin.organization.projects.apiKeys.list(
          projectId,
          { limit: query.limit, owner_project_access: 'any', ...(query.after ? { after: query.after } : {}) },
          { signal },
        );
        return page(raw, keyInfo);
      }),

    deleteProjectKey: (auth, projectId, keyId) =>
      call(auth, `deleting the key ${keyId}`, async (client, signal) => {
        await client.admin.organization.projects.apiKeys.delete(keyId, { project_id: projectId }, { signal });
      }),

    costs: (auth, query) =>
      call(auth, "reading the organization's costs", async (client, signal): Promise<CostsPage> => {
        const raw = (await client.admin.organization.usage.costs(
          {
            start_time: query.startTime,
            ...(query.endTime !== undefined ? { end_time: query.endTime } : {}),
            bucket_width: '1d',
            ...(query.groupBy?.length ? { group_by: query.groupBy } : {}),
            ...(query.limit !== undefined ? { limit: query.limit } : {}),
            ...(query.page ? { page: query.page } : {}),
          },
          { signal },
        )) as unknown as { data?: unknown[]; next_page?: unknown; has_more?: unknown };
        const buckets = (raw.data ?? []).map((b) => {
          const bucket = (b ?? {}) as { start_time?: unknown; end_time?: unknown; results?: unknown[]; result?: unknown[] };
          // `results`; an early version of the API's description called it `result`.
          const results = (bucket.results ?? bucket.result ?? []).map((r) => {
            const row = (r ?? {}) as { amount?: { value?: unknown; currency?: unknown }; project_id?: unknown; line_item?: unknown };
            const value = row.amount?.value;
            // A number; a numeric string is read as one too.
            const amount = typeof value === 'string' ? Number(value) || 0 : (num(value) ?? 0);
            if (!(Math.abs(amount) <= MAX_COST_USD)) throw unreadableCosts(`an amount of ${shown(String(value), 40)}`);
            return { amount, currency: shown(row.amount?.currency, 20) ?? 'usd', projectId: shown(row.project_id), lineItem: shown(row.line_item) };
          });
          const startTime = num(bucket.start_time) ?? 0;
          const endTime = num(bucket.end_time) ?? 0;
          // Each day is shown by its date: a time no date has would stop spend with a RangeError.
          for (const time of [startTime, endTime]) if (!(Math.abs(time) <= MAX_UNIX_SECONDS)) throw unreadableCosts(`a bucket time of ${time}`);
          return { startTime, endTime, results };
        });
        return { buckets, nextPage: raw.has_more === false ? null : str(raw.next_page) || null };
      }),
  };
}

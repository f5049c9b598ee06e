// The real Admin API: the official SDK's admin resources, with the admin key as the SDK's
// adminAPIKey, on the one HTTP path (http.ts). No retries: rotate must know whether a request
// happened. A failure becomes an AdminApiError (admin-failure.ts).
import { CUSTOM_HEADERS_VARIABLE, customHeadersToSend } from './custom-headers.js';
import type { ClientOptions } from 'openai';
import * as z from 'zod/mini';
import { EXIT } from '../errors.js';
import { PAGES } from '../platform.js';
import { adviceScope } from '../terminal/advice.js';
import { untrustedData } from '../terminal/sanitize.js';
import { adminFailure, AdminApiError, unreadableAnswer, type AdminAnswer, type AdminFailedRequest } from './admin-failure.js';
import { createTransport, sdkFetch, sdkLogger, type SdkFetch } from './http.js';
import { answerKeeping, clientClass, failureOf, pinnedHeaders } from './probes.js';
import type { AdminApi, AdminAuth, AdminPage, AdminProject, CostsPage, NewServiceAccount, ProjectKeyInfo, ServiceAccountInfo } from './types.js';

type Sdk = typeof import('openai');

export interface AdminApiOptions {
  env: Record<string, string | undefined>;
  /** Instead of the one HTTP path (tests answer from an in-memory organization). */
  fetch?: SdkFetch;
  debug?: (line: string) => void;
}

/**
 * A name or id the API gave, as it may be shown and as --json gives it: one bounded line, anything
 * key-shaped masked (a key's name is whatever its maker typed, a key included), every other
 * character as it is (sanitize.ts untrustedData): the terminal shows an invisible one escaped,
 * and a --json document carries the real name. Never for a key or a cursor.
 */
const shown = (value: string, max = 200): string => untrustedData(value, [], max);
const shownOrNull = (value: string | null | undefined, max?: number): string | null => (typeof value === 'string' ? shown(value, max) : null);

/** Beyond these, a cost or a time in the API's answer is not one (JS dates end at ±8.64e12 s). */
const MAX_COST_USD = 1e12;
const MAX_UNIX_SECONDS = 8.64e12;

// The Admin API's answers, as far as openai-setup reads them (unknown fields are dropped). What a
// command relies on (ids, values, the list itself) must be there; what is only shown (names,
// times) is no name or time when it is anything else.
const ShownText = z.catch(z.nullish(z.string()), null);
/** A time that is only shown: one no date has would stop the run with a RangeError. */
const ShownTime = z.catch(z.nullish(z.number().check(z.minimum(-MAX_UNIX_SECONDS), z.maximum(MAX_UNIX_SECONDS))), null);

const listSchema = <T extends z.ZodMiniType>(item: T) => z.object({ data: z.array(item), has_more: z.nullish(z.boolean()), last_id: z.nullish(z.string()) });

const ProjectSchema = z.object({ id: z.string(), name: ShownText, archived_at: z.nullish(z.number()) });

const PersonSchema = z.catch(z.nullish(z.object({ id: ShownText, name: ShownText, email: ShownText })), null);
const ProjectKeySchema = z.object({
  id: z.string(),
  name: ShownText,
  redacted_value: z.string(),
  created_at: ShownTime,
  last_used_at: ShownTime,
  owner: z.catch(z.nullish(z.object({ type: ShownText, user: PersonSchema, service_account: PersonSchema })), null),
});

const ServiceAccountSchema = z.object({ id: z.string().check(z.minLength(1)), name: z.catch(z.nullish(z.string()), null) });

const NewServiceAccountSchema = z.object({
  id: z.string().check(z.minLength(1)),
  name: ShownText,
  // None (or not one) is a service account without a key: rotate deletes it again.
  api_key: z.catch(z.nullish(z.object({ id: z.string(), value: z.string() })), null),
});

const CostResultSchema = z.object({
  // A number; a numeric string is read as one too.
  amount: z.object({ value: z.union([z.number(), z.string()]), currency: ShownText }),
  project_id: z.nullish(z.string()),
  line_item: z.nullish(z.string()),
});
const CostsSchema = z.object({
  data: z.array(
    z.object({
      start_time: z.number(),
      end_time: z.number(),
      // `results`; an early version of the API's description called it `result`.
      results: z.optional(z.array(CostResultSchema)),
      result: z.optional(z.array(CostResultSchema)),
    }),
  ),
  has_more: z.nullish(z.boolean()),
  next_page: z.nullish(z.string()),
});

function page<T, I>(raw: { data: I[]; has_more?: boolean | null; last_id?: string | null }, map: (item: I) => T): AdminPage<T> {
  return { data: raw.data.map(map), hasMore: raw.has_more === true, lastId: raw.last_id || null };
}

function keyInfo(item: z.output<typeof ProjectKeySchema>): ProjectKeyInfo {
  const type = item.owner?.type === 'user' || item.owner?.type === 'service_account' ? item.owner.type : 'unknown';
  const who = type === 'service_account' ? item.owner?.service_account : item.owner?.user;
  return {
    id: shown(item.id),
    name: shownOrNull(item.name),
    redactedValue: item.redacted_value,
    createdAt: item.created_at ?? null,
    lastUsedAt: item.last_used_at ?? null,
    owner: { type, id: shownOrNull(who?.id), name: shownOrNull(who?.name) ?? shownOrNull(who?.email) },
  };
}

/** Costs the API sent that no month has (an amount past a trillion dollars, a time no date has): one line, exit 6. */
function unreadableCosts(what: string): AdminApiError {
  return new AdminApiError('server_error', EXIT.network, `Reading the organization's costs failed: the API answered with ${what}, which is no cost openai-setup can add up.`, [`Try again later; if it persists, see the usage page: ${PAGES.usage.url}`], null, null, null);
}

/** An SDK answer with its response: a page keeps the body it was made from (`data` alone is [] for a page of HTML). */
function answerOf(answer: { data: unknown; response: Response }, body: unknown = answer.data): AdminAnswer {
  return { status: answer.response.status, headers: answer.response.headers, body };
}
const pageAnswer = (answer: { data: unknown; response: Response }): AdminAnswer => answerOf(answer, (answer.data as { body?: unknown }).body);

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

  /** What a failure of `action` is told with. */
  const failedRequest = (auth: AdminAuth, action: string, store = auth.store): AdminFailedRequest => ({
    baseURL: auth.baseURL,
    key: auth.key,
    timeoutMs: auth.timeoutMs,
    proxy: http().proxy(auth.baseURL),
    action,
    ...(auth.profile === undefined ? {} : { profile: auth.profile }),
    ...adviceScope(auth),
    ...(auth.fromEnv ? { fromEnv: true } : {}),
    ...(store ? { store } : {}),
    ...(auth.needs ? { needs: auth.needs } : {}),
  });

  /** One request through a client of its own, bounded by the auth's timeout; failures explained. */
  async function call<T>(auth: AdminAuth, action: string, request: (client: InstanceType<Sdk['OpenAI']>, signal: AbortSignal) => Promise<T>): Promise<T> {
    // The SDK reads OPENAI_CUSTOM_HEADERS itself: a value it would refuse stops here, said as such.
    customHeadersToSend(options.env[CUSTOM_HEADERS_VARIABLE]);
    // The answer that came is kept: an error the SDK throws on it is that answer's (failureOf).
    const { fetch, answered } = answerKeeping(http().fetch);
    const sdk = (await import('openai')) as Sdk;
    const clientOptions: ClientOptions = {
      // Only the admin key: the SDK would otherwise read OPENAI_API_KEY, OPENAI_ORG_ID and
      // OPENAI_PROJECT_ID from the environment, none of which belongs to the admin key.
      apiKey: null,
      adminAPIKey: auth.key,
      organization: null,
      project: null,
      // Over OPENAI_CUSTOM_HEADERS, which the SDK reads itself: no Authorization or
      // organization/project line of it replaces the admin key's.
      defaultHeaders: pinnedHeaders(auth.key),
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
      const failure = failureOf(error, sdk, deadline, auth.key, answered());
      // Only an answer's failure can name storing another admin key, and only then is the command made
      // as it works here (a keychain read): a failure whose fixes do not name it (a 500, a 429) asks
      // nothing of a keychain, which may be the one not answering.
      let named = false;
      const store = auth.store && { ...auth.store, get command() { named = true; return auth.store!.command; } };
      const said = adminFailure(failure, failedRequest(auth, action, store));
      if (!named || failure.kind !== 'http' || !auth.storeOnFailure) throw said;
      throw adminFailure(failure, failedRequest(auth, action, await auth.storeOnFailure()));
    }
  }

  /**
   * One request whose answer is read: `schema` must take it, or it is an AdminApiError saying what
   * the answer lacks (`unreadable`: what else to say then, as the request may have been carried out).
   */
  function read<S extends z.ZodMiniType, T>(
    auth: AdminAuth,
    action: string,
    request: (client: InstanceType<Sdk['OpenAI']>, signal: AbortSignal) => Promise<AdminAnswer>,
    schema: S,
    map: (answer: z.output<S>) => T,
    unreadable: string[] = [],
  ): Promise<T> {
    return call(auth, action, async (client, signal) => {
      const answer = await request(client, signal);
      const parsed = schema.safeParse(answer.body);
      if (!parsed.success) throw unreadableAnswer(answer, parsed.error.issues[0]!, failedRequest(auth, action), unreadable);
      return map(parsed.data);
    });
  }

  return {
    listProjects: (auth, query = {}) =>
      read(
        auth,
        "listing the organization's projects",
        async (client, signal) =>
          pageAnswer(
            await client.admin.organization.projects
              .list({ limit: query.limit, ...(query.includeArchived ? { include_archived: true } : {}), ...(query.after ? { after: query.after } : {}) }, { signal })
              .withResponse(),
          ),
        listSchema(ProjectSchema),
        (raw) => page<AdminProject, z.output<typeof ProjectSchema>>(raw, (p) => ({ id: shown(p.id), name: shownOrNull(p.name), archived: p.archived_at !== null && p.archived_at !== undefined })),
      ),

    createServiceAccount: (auth, projectId, name) =>
      read(
        auth,
        `creating a service account in ${projectId}`,
        async (client, signal) => answerOf(await client.admin.organization.projects.serviceAccounts.create(projectId, { name }, { signal }).withResponse()),
        NewServiceAccountSchema,
        (raw): NewServiceAccount => ({ id: shown(raw.id), name: shownOrNull(raw.name) ?? name, key: { id: shownOrNull(raw.api_key?.id) ?? '', value: raw.api_key?.value ?? '' } }),
        // Made or not, rotate looks the account up by its name and says what it found (mayHaveActed).
      ),

    listServiceAccounts: (auth, projectId, query = {}) =>
      read(
        auth,
        `listing the service accounts of ${projectId}`,
        async (client, signal) =>
          pageAnswer(await client.admin.organization.projects.serviceAccounts.list(projectId, { limit: query.limit, ...(query.after ? { after: query.after } : {}) }, { signal }).withResponse()),
        listSchema(ServiceAccountSchema),
        // The name is compared with the one rotate chose, as the API gave it.
        (raw) => page<ServiceAccountInfo, z.output<typeof ServiceAccountSchema>>(raw, (sa) => ({ id: shown(sa.id), name: sa.name ?? null })),
      ),

    deleteServiceAccount: (auth, projectId, serviceAccountId) =>
      call(auth, `deleting the service account ${serviceAccountId}`, async (client, signal) => {
        await client.admin.organization.projects.serviceAccounts.delete(serviceAccountId, { project_id: projectId }, { signal });
      }),

    listProjectKeys: (auth, projectId, query = {}) =>
      read(
        auth,
        `listing the API keys of ${projectId}`,
        // Without owner_project_access=any the API may leave out keys of members it does not count.
        async (client, signal) =>
          pageAnswer(
            await client.admin.organization.projects.apiKeys
              .list(projectId, { limit: query.limit, owner_project_access: 'any', ...(query.after ? { after: query.after } : {}) }, { signal })
              .withResponse(),
          ),
        listSchema(ProjectKeySchema),
        (raw) => page(raw, keyInfo),
      ),

    deleteProjectKey: (auth, projectId, keyId) =>
      call(auth, `deleting the key ${keyId}`, async (client, signal) => {
        await client.admin.organization.projects.apiKeys.delete(keyId, { project_id: projectId }, { signal });
      }),

    costs: (auth, query) =>
      read(
        auth,
        "reading the organization's costs",
        async (client, signal) =>
          answerOf(
            await client.admin.organization.usage
              .costs(
                {
                  start_time: query.startTime,
                  ...(query.endTime !== undefined ? { end_time: query.endTime } : {}),
                  bucket_width: '1d',
                  ...(query.groupBy?.length ? { group_by: query.groupBy } : {}),
                  ...(query.limit !== undefined ? { limit: query.limit } : {}),
                  ...(query.page ? { page: query.page } : {}),
                },
                { signal },
              )
              .withResponse(),
          ),
        CostsSchema,
        (raw): CostsPage => {
          const buckets = raw.data.map((bucket) => {
            const results = (bucket.results ?? bucket.result ?? []).map((row) => {
              const { value } = row.amount;
              const amount = typeof value === 'string' ? Number(value) : value;
              if (!(Math.abs(amount) <= MAX_COST_USD)) throw unreadableCosts(`an amount of ${shown(String(value), 40)}`);
              return { amount, currency: shownOrNull(row.amount.currency, 20) ?? 'usd', projectId: shownOrNull(row.project_id), lineItem: shownOrNull(row.line_item) };
            });
            // Each day is shown by its date: a time no date has would stop spend with a RangeError.
            for (const time of [bucket.start_time, bucket.end_time]) if (!(Math.abs(time) <= MAX_UNIX_SECONDS)) throw unreadableCosts(`a bucket time of ${time}`);
            return { startTime: bucket.start_time, endTime: bucket.end_time, results };
          });
          return { buckets, nextPage: raw.has_more === false ? null : raw.next_page || null };
        },
      ),
  };
}

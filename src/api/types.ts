// The API seam: what the commands ask of the OpenAI API, and what they get back. The real
// implementation is in probes.ts; unit tests give Context one of their own.
import type { BaseURLOrigin } from '../platform.js';
import type { AdviceScope } from '../terminal/advice.js';
import type { CertSeen, HeaderSource, NoCheckFlags } from './diagnosis.js';
import type { VerifyStatus } from './status.js';

export type BillingState = 'ok' | 'no_quota' | 'unchecked';

export interface CheckRequest {
  key: string;
  baseURL: string;
  organization?: HeaderSource;
  project?: HeaderSource;
  /**
   * The other headers OPENAI_CUSTOM_HEADERS adds (lower-case names), sent as the SDK sends them:
   * never an Authorization (the key checked is the one sent), nor the organization and project (above).
   */
  headers?: Record<string, string>;
  /** The cheap model used by the billing probe. */
  model: string;
  billingCheck: boolean;
  /** Bounds the whole check, bodies included: both requests run at once, with no hidden retries. */
  timeoutMs: number;
  /**
   * What a `key` command its advice names needs to store a new key as this one was checked: the
   * profile's ` --profile NAME` (where a command without it would act on another) and the
   * live-check flags given (` --base-url …`).
   */
  keyFlags?: string;
  /** That `key` command as it works where a fix is read (storeKeyAdvice: never one that asks where nothing can be asked). */
  storeKey?: StoreAdvice;
  /**
   * `storeKey` as it works where the fix of a failure is read, made when a fix names it (runCheck):
   * whether a keychain answers here is asked then, by a read, not before every check. Absent when
   * `storeKey` already keeps the key in the file, or where the command knows where keys go (the
   * key stage, rotate) or prints no fix (verify --quiet).
   */
  storeKeyOnFailure?: () => Promise<StoreAdvice>;
  /** The command running the check takes none of the live-check flags: its advice names what it has instead (NoCheckFlags). */
  noCheckFlags?: NoCheckFlags;
  /** The setting that named `baseURL` (absent: neither did, it is OpenAI's): said with the server before the key goes there. */
  baseURLOrigin?: BaseURLOrigin;
}

export interface CheckResult {
  status: VerifyStatus;
  ok: boolean;
  exitCode: number;
  /** The API's error.code (or our own reason) behind the status, for people who want detail. */
  reason: string | null;
  organization: string | null;
  project: string | null;
  models: number | null;
  notableModels: string[];
  billing: BillingState;
  tier: string | null;
  requestId: string | null;
  message: string;
  fix: string | null;
  fixUrl: string | null;
  warnings: string[];
  latencyMs: number;
  /** The organization or project header the API refused (Diagnosis.refusedHeader). */
  refusedHeader?: HeaderSource;
  /**
   * The host the key was checked at (its port too; no login, ASCII), when that is not the OpenAI
   * API (otherServer): a key that works there works there, and is said to (recordCheck, import).
   */
  otherHost?: string;
  /** The base URL the check went to when not OpenAI's default, as advice repeats it (baseURLForAdvice): for status's `--base-url`. */
  adviceBaseURL?: string;
}

/** What doctor's unauthenticated GET /models found. */
export type Reachability =
  | {
      reached: true;
      status: number;
      json: boolean;
      ms: number;
      /** A redirect's Location header (null: it had none); absent for any other answer. */
      location?: string | null;
    }
  | { reached: false; code: string; detail: string; cert?: CertSeen; at?: Date };

export interface Api {
  /** The live check of a key (GET /models and a 1-token request, at once). */
  check(request: CheckRequest): Promise<CheckResult>;
  /** Does anything answer at the API's URL? No key is sent. */
  reach(baseURL: string, timeoutMs: number): Promise<Reachability>;
  /** The Admin API, with an admin key (below). */
  admin: AdminApi;
}

// ---------------------------------------------------------------------------------------------
// The Admin API (organization management with an admin key): what admin-key, rotate and spend
// ask of it. The real implementation is admin.ts; a failure is an AdminApiError (admin-failure.ts).

/**
 * An admin key and where to send it, and the run's AdviceScope (adviceScope(ctx)): the fixes a
 * failure names start as the tool was started, and name `profile` unless it is the bare profile.
 */
export interface AdminAuth extends AdviceScope {
  key: string;
  baseURL: string;
  /** Bounds each request, body included; none is retried. */
  timeoutMs: number;
  /** Whose admin key (the fixes a failure names act on this profile), and whether it came from OPENAI_ADMIN_KEY. */
  profile?: string;
  fromEnv?: boolean;
  /**
   * The command that stores another admin key as it works where a fix is read (storeAdminKeyAdvice,
   * made where there is a Context: adminAuth), and how it gets the key ("" or " (…)"). Without it,
   * the bare `admin-key` command.
   */
  store?: StoreAdvice;
  /**
   * `store` as it works where the fix of a failure is read, made when a failure names it (an
   * answer's failure, the probe's "neither permission"): whether a keychain answers here is asked
   * then, by a read, not before every request. Absent when `store` already keeps the key in the file.
   */
  storeOnFailure?: () => Promise<StoreAdvice>;
  /** The command the requests are made for and every permission it needs: a refusal for one names them all (rotate). */
  needs?: { command: string; scopes: string[] };
}

/** A command that stores a key (`key`, `admin-key`) as it works where it is printed (keyEntryAdvice), and how it gets the key, said before it ("" or " (…)"). */
export interface StoreAdvice {
  command: string;
  how: string;
}

export interface AdminPage<T> {
  data: T[];
  hasMore: boolean;
  /** The cursor for the next page (`after`). */
  lastId: string | null;
}

export interface AdminProject {
  id: string;
  name: string | null;
  archived: boolean;
}

/** A project API key as the project's key list shows it: never its value. */
export interface ProjectKeyInfo {
  id: string;
  name: string | null;
  /** The first 8 characters, a `*` for each hidden one, the last 4. */
  redactedValue: string;
  createdAt: number | null;
  lastUsedAt: number | null;
  owner: { type: 'user' | 'service_account' | 'unknown'; id: string | null; name: string | null };
}

/** A new service account and the key it was given (shown this once by the API). */
export interface NewServiceAccount {
  id: string;
  name: string;
  key: { id: string; value: string };
}

export interface ServiceAccountInfo {
  id: string;
  name: string | null;
}

export interface CostsQuery {
  /** Unix seconds, inclusive. */
  startTime: number;
  /** Unix seconds, exclusive. */
  endTime?: number;
  groupBy?: Array<'project_id' | 'line_item'>;
  /** Buckets a page (the API's default is 7, its maximum 180). */
  limit?: number;
  /** The previous page's nextPage. */
  page?: string;
}

export interface CostBucket {
  startTime: number;
  endTime: number;
  results: Array<{ amount: number; currency: string; projectId: string | null; lineItem: string | null }>;
}

export interface CostsPage {
  buckets: CostBucket[];
  nextPage: string | null;
}

export interface AdminApi {
  /** `includeArchived`: archived projects too (the API leaves them out by default). */
  listProjects(auth: AdminAuth, page?: { limit?: number; after?: string; includeArchived?: boolean }): Promise<AdminPage<AdminProject>>;
  /** Creates a service account in the project with a key of its own. */
  createServiceAccount(auth: AdminAuth, projectId: string, name: string): Promise<NewServiceAccount>;
  /** The project's service accounts, a page at a time. */
  listServiceAccounts(auth: AdminAuth, projectId: string, page?: { limit?: number; after?: string }): Promise<AdminPage<ServiceAccountInfo>>;
  /** Deletes a service account, and with it its keys. */
  deleteServiceAccount(auth: AdminAuth, projectId: string, serviceAccountId: string): Promise<void>;
  /** Every enabled key of the project (owner_project_access=any), a page at a time. */
  listProjectKeys(auth: AdminAuth, projectId: string, page?: { limit?: number; after?: string }): Promise<AdminPage<ProjectKeyInfo>>;
  deleteProjectKey(auth: AdminAuth, projectId: string, keyId: string): Promise<void>;
  /** One page of daily cost buckets. */
  costs(auth: AdminAuth, query: CostsQuery): Promise<CostsPage>;
}

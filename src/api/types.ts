// The API seam: what the commands ask of the OpenAI API, and what they get back. The real
// implementation is in probes.ts; unit tests give Context one of their own.
import type { HeaderSource } from './diagnosis.js';
import type { VerifyStatus } from './status.js';

export type BillingState = 'ok' | 'no_quota' | 'unchecked';

export interface CheckRequest {
  key: string;
  baseURL: string;
  organization?: HeaderSource;
  project?: HeaderSource;
  /** The cheap model used by the billing probe. */
  model: string;
  billingCheck: boolean;
  /** Bounds the whole check, bodies included: both requests run at once, with no hidden retries. */
  timeoutMs: number;
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
}

/** What doctor's unauthenticated GET /models found. */
export type Reachability =
  | { reached: true; status: number; json: boolean; ms: number }
  | { reached: false; code: string; detail: string };

export interface Api {
  /** The live check of a key (GET /models and a 1-token request, at once). */
  check(request: CheckRequest): Promise<CheckResult>;
  /** Does anything answer at the API's URL? No key is sent. */
  reach(baseURL: string, timeoutMs: number): Promise<Reachability>;
}

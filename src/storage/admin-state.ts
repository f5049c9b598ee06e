// What the progress file keeps for admin-key, rotate and spend: the admin key's masked hint, the
// monthly budget, and where the stored key came from when rotate made it. Never a key.
import * as z from 'zod/mini';

const Timestamp = z.string().check(z.iso.datetime({ offset: true }));

/**
 * A key's hint as maskKey makes it (`sk-proj-…Ab12`, `…Ab`, `…`): printable ASCII around one
 * ellipsis, never more than a prefix and four. The progress file is read back into questions and
 * lines, so nothing else is ever shown from it.
 */
export const KeyHintSchema = z.string().check(z.regex(/^[!-~]{0,11}\u2026[!-~]{0,4}$/, 'is not a masked key hint'));

/** What a hint of another shape reads as: shown, it says nothing; compared, it matches no key. */
const UNKNOWN_HINT = '…';

/**
 * A hint as the progress file keeps it: one of another shape (edited to hold an escape, a line
 * break, a key, or `...` for `…`) reads as UNKNOWN_HINT; the rest of the file stays in use.
 */
export const StoredHintSchema = z.catch(KeyHintSchema, UNKNOWN_HINT);

/** `proj_` and letters and digits: the shape of a project id (the API's, `--project`'s). */
const PROJECT_ID = /^proj_[A-Za-z0-9]{1,64}$/;
/** A project id as the progress file keeps it (unlike --project, not trimmed: one written here never has blanks). */
export const StoredProjectIdSchema = z.string().check(z.regex(PROJECT_ID, 'is not a project id'));

/** The admin key stored next to the profile's key (`admin-key`): where, its hint, when. */
export const AdminKeyRecordSchema = z.object({
  storage: z.enum(['keychain', 'file']),
  hint: StoredHintSchema,
  savedAt: Timestamp,
  // The command admin-key's check found it lacks a permission for (adminKeyServes says what it
  // serves); absent when it serves both, or was not checked. Added in format 1 without a new
  // version: an older openai-setup drops it as an unknown key; one of another shape is dropped alone.
  cannot: z.catch(z.optional(z.enum(['rotate', 'spend'])), undefined),
});

/**
 * What an admin key serves, by the command it was found unable to serve (`cannot`; null: both, as
 * far as is known), one wording for admin-key's record as status, doctor and import say it:
 * "works", "works for spend (it cannot list projects: rotate cannot use it)".
 */
export function adminKeyServes(cannot: 'rotate' | 'spend' | null | undefined): string {
  if (cannot === 'rotate') return 'works for spend (it cannot list projects: rotate cannot use it)';
  // Whether rotate may write (create service accounts) is known only when it runs.
  if (cannot === 'spend') return 'can list projects, as rotate needs (it cannot read costs: spend cannot use it)';
  return 'works';
}

/** The largest monthly budget spend takes, in dollars. */
const MAX_BUDGET_USD = 100_000_000;

/** A monthly budget in US dollars (`spend --budget`): spend warns at 80% and exits 4 at 100%. */
export const BudgetSchema = z.object({
  monthlyUsd: z.number().check(z.positive(), z.maximum(MAX_BUDGET_USD)),
  setAt: Timestamp,
});

/**
 * The service account `rotate` made for the stored key, so that the next rotate can revoke that
 * key by deleting its account. `keyHint` tells whether the stored key is still that one.
 */
export const RotationSchema = z.object({
  at: Timestamp,
  projectId: StoredProjectIdSchema,
  serviceAccountId: z.string(),
  serviceAccountName: z.string(),
  keyId: z.string(),
  keyHint: StoredHintSchema,
});

/** An id the API gave (a key's, a service account's), as the progress file keeps it: letters, digits, `_` and `-` only, so it can be shown. */
const StoredApiIdSchema = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,128}$/, 'is not an id'));

/**
 * An old key `rotate` replaced but could not revoke (its DELETE failed), or did not (`interrupted`). Never the key:
 * its hint, its project, and what revoking it deletes (the key by its id in the project's list, or
 * the service account an earlier rotate made for it). status and doctor name it; the next rotate
 * tries again first, and forgets it once it is revoked (or gone).
 */
export const PendingRevokeSchema = z.object({
  at: Timestamp,
  keyHint: KeyHintSchema,
  projectId: StoredProjectIdSchema,
  keyId: z.nullable(StoredApiIdSchema),
  serviceAccountId: z.nullable(StoredApiIdSchema),
  serviceAccountName: z.nullable(z.string().check(z.regex(/^[!-~]{1,200}$/))),
  /**
   * Written by a rotate before it revokes the key (with the new key's record, and its id once
   * found): that rotate was interrupted if it is still here, as it is cleared when the rotate ends.
   * Without an id (interrupted before the key was found in its project's list) the next rotate
   * cannot revoke it: it says so and forgets it. Added in format 1: an older openai-setup drops it.
   */
  interrupted: z.catch(z.optional(z.literal(true)), undefined),
});
export type PendingRevoke = z.infer<typeof PendingRevokeSchema>;

/** At most this many are kept (the newest): each is a key to revoke by hand. */
export const MAX_PENDING_REVOKES = 20;

/**
 * A service account `rotate` is creating: recorded (never a key) before the create is sent, with
 * its id and its key's hint once the create answered, and cleared when its key is stored and
 * recorded, or the account deleted again. One still here was left by a rotate killed meanwhile:
 * the account may exist with a key stored nowhere. status and doctor name it; the next rotate
 * looks for it by its name (this run's alone) and deletes it first, or, not found, forgets it.
 * Added in format 1: an older openai-setup drops it.
 */
export const PendingAccountSchema = z.object({
  at: Timestamp,
  projectId: StoredProjectIdSchema,
  // Of the shape rotate names its accounts (serviceAccountName in api/rotation.ts): the next rotate
  // deletes the account of this name, so a record edited to name another is dropped, never acted on.
  serviceAccountName: z.string().check(z.regex(/^openai-setup-[A-Za-z0-9_.-]{1,100}-\d{8}T\d{6}Z-[0-9a-f]{4}$/)),
  serviceAccountId: z.nullable(StoredApiIdSchema),
  /** Its key's hint, once known: a key of that hint stored for the profile is that account's, which then stays. */
  keyHint: z.nullable(StoredHintSchema),
});
export type PendingAccount = z.infer<typeof PendingAccountSchema>;

/** At most this many are kept (the newest): each is a service account to delete by hand. */
export const MAX_PENDING_ACCOUNTS = 20;

/**
 * The service accounts a stopped rotate left (the profile's pendingAccounts) whose key is not the
 * one stored for the profile: not that of the account its rotation record names, nor of its key's
 * hint, nor of `held`, the hint of the key read from where it is stored (a run killed as it stored
 * the new key, before it recorded it, left the old key's hint recorded).
 */
export function accountsLeft(profile: { pendingAccounts?: PendingAccount[] | undefined; key?: { hint: string } | undefined; rotation?: { serviceAccountName: string } | undefined } | undefined, held?: string | null): PendingAccount[] {
  const stored = (a: PendingAccount) => a.keyHint !== null && (a.keyHint === profile?.key?.hint || a.keyHint === held);
  return (profile?.pendingAccounts ?? []).filter((a) => a.serviceAccountName !== profile?.rotation?.serviceAccountName && !stored(a));
}

/**
 * `spend --budget`: dollars (more than 0, at most MAX_BUDGET_USD, cents at most), or "off" to
 * forget the budget. Each wrong value is told what a right one looks like.
 */
export const BudgetFlagSchema = z
  .pipe(
    z.string().check(
      z.trim(),
      z.regex(/^(?:off|\$?\d+(?:\.\d{1,2})?)$/, 'must be an amount in dollars (more than 0, with at most 2 decimals), like 20 or 12.50, or "off" to forget the budget'),
    ),
    z.transform((v: string): number | 'off' => (v === 'off' ? 'off' : Number(v.replace(/^\$/, '')))),
  )
  .check(
    z.refine((v: number | 'off') => v === 'off' || v > 0, 'must be more than $0 (or "off" to forget the budget)'),
    z.refine((v: number | 'off') => v === 'off' || v <= MAX_BUDGET_USD, 'must be at most $100,000,000 (or "off" to forget the budget)'),
  );

/** The first year `spend --month` takes: the OpenAI API (and so any cost of it) began in 2020. */
const FIRST_COST_YEAR = 2020;

/** `spend --month`: YYYY-MM, from FIRST_COST_YEAR (an earlier one has no costs; before 100, Date.UTC would read 19xx). */
export const MonthFlagSchema = z
  .pipe(
    z.string().check(z.trim(), z.regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month as YYYY-MM, like 2026-03')),
    z.transform((v: string) => ({ year: Number(v.trim().slice(0, 4)), month: Number(v.trim().slice(5, 7)) })),
  )
  .check(z.refine((m: { year: number }) => m.year >= FIRST_COST_YEAR, `must be ${FIRST_COST_YEAR}-01 or later (the OpenAI API has no costs before ${FIRST_COST_YEAR})`));

/** `rotate --project`: a project id. */
export const ProjectIdSchema = z.string().check(z.trim(), z.regex(PROJECT_ID, 'must be a project id like proj_abc123'));

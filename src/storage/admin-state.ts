// What the progress file keeps for admin-key, rotate and spend: the admin key's masked hint, the
// monthly budget, and where the stored key came from when rotate made it. Never a key.
import * as z from 'zod/mini';

const Timestamp = z.string().check(z.iso.datetime({ offset: true }));

/** The admin key stored next to the profile's key (`admin-key`): where, its hint, when. */
export const AdminKeyRecordSchema = z.object({
  storage: z.enum(['keychain', 'file']),
  hint: z.string().check(z.maxLength(40)),
  savedAt: Timestamp,
});
export type AdminKeyRecord = z.infer<typeof AdminKeyRecordSchema>;

/** A monthly budget in US dollars (`spend --budget`): spend warns at 80% and exits 4 at 100%. */
export const BudgetSchema = z.object({
  monthlyUsd: z.number().check(z.positive(), z.maximum(100_000_000)),
  setAt: Timestamp,
});
export type Budget = z.infer<typeof BudgetSchema>;

/**
 * The service account `rotate` made for the stored key, so that the next rotate can revoke that
 * key by deleting its account. `keyHint` tells whether the stored key is still that one.
 */
export const RotationSchema = z.object({
  at: Timestamp,
  projectId: z.string(),
  serviceAccountId: z.string(),
  serviceAccountName: z.string(),
  keyId: z.string(),
  keyHint: z.string().check(z.maxLength(40)),
});
export type Rotation = z.infer<typeof RotationSchema>;

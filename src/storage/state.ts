// Progress on disk: which stages are done and when, the billing choice, profiles and the last
// verify result. Never the key. Validated on every read; written atomically with mode 0600.
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { VerifyStatusSchema } from '../api/status.js';
import { AdminKeyRecordSchema, BudgetSchema, RotationSchema } from './admin-state.js';
import { ensurePrivateDir, writePrivateFile } from './private-file.js';

export const STAGE_IDS = ['login', 'payment', 'billing', 'key'] as const;
export type StageId = (typeof STAGE_IDS)[number];

export const ProfileNameSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'use 1–64 letters, digits, "-" or "_", starting with a letter or digit'));

const Timestamp = z.string().check(z.iso.datetime({ offset: true }));

const StageRecordSchema = z.object({ doneAt: Timestamp });

export const BillingChoiceSchema = z.enum(['auto-reload', 'prepaid', 'monthly']);
export type BillingChoice = z.infer<typeof BillingChoiceSchema>;

const LastVerifySchema = z.object({
  at: Timestamp,
  status: VerifyStatusSchema,
  ok: z.boolean(),
  keyHint: z.string(),
  keySource: z.string(),
  organization: z.nullable(z.string()),
  project: z.nullable(z.string()),
  tier: z.nullable(z.string()),
  billing: z.enum(['ok', 'no_quota', 'unchecked']),
  message: z.string(),
});
export type LastVerify = z.infer<typeof LastVerifySchema>;

const ProfileSchema = z.object({
  stages: z._default(z.partialRecord(z.enum(STAGE_IDS), StageRecordSchema), {}),
  billingChoice: z.optional(BillingChoiceSchema),
  /** Where the key of this profile is kept and its masked hint (`sk-proj-…Ab12`). */
  key: z.optional(z.object({ storage: z.enum(['keychain', 'file']), hint: z.string().check(z.maxLength(40)), savedAt: Timestamp })),
  /** Sent with the key by `run` (and used by `verify`) when set. */
  organizationId: z.optional(z.string()),
  projectId: z.optional(z.string()),
  baseURL: z.optional(z.string().check(z.url())),
  lastVerify: z.optional(LastVerifySchema),
  /** admin-key, spend --budget, rotate (admin-state.ts). */
  adminKey: z.optional(AdminKeyRecordSchema),
  budget: z.optional(BudgetSchema),
  rotation: z.optional(RotationSchema),
});
export type Profile = z.infer<typeof ProfileSchema>;

export const StateSchema = z.object({
  version: z.literal(1),
  defaultProfile: z._default(ProfileNameSchema, 'default'),
  profiles: z._default(z.record(ProfileNameSchema, ProfileSchema), {}),
});
export type State = z.infer<typeof StateSchema>;

export function emptyState(): State {
  return { version: 1, defaultProfile: 'default', profiles: {} };
}

export function emptyProfile(): Profile {
  return { stages: {} };
}

export class StateStore {
  readonly path: string;

  constructor(
    readonly dir: string,
    private readonly now: () => Date,
    /** Told once when a corrupt state file was moved aside. */
    private readonly warn: (message: string) => void,
  ) {
    this.path = join(dir, 'state.json');
  }

  async read(): Promise<State> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
      throw error;
    }
    let parsed: State | undefined;
    try {
      const result = StateSchema.safeParse(JSON.parse(text));
      if (result.success) parsed = result.data;
    } catch {
      // Not JSON: handled below like any other invalid file.
    }
    if (parsed) return parsed;
    const aside = `${this.path}.bak-${this.now().toISOString().replace(/[:.]/g, '-')}`;
    try {
      await rename(this.path, aside);
      this.warn(`The progress file ${this.path} was damaged; it was moved to ${aside} and progress starts afresh.`);
    } catch (error) {
      // Another run moved it first: nothing more to do.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return emptyState();
  }

  /** Read, change and write back: re-reading first keeps what a concurrent run wrote. */
  async update(change: (state: State) => void): Promise<State> {
    const state = await this.read();
    change(state);
    await ensurePrivateDir(this.dir);
    await writePrivateFile(this.path, `${JSON.stringify(state, null, 2)}\n`);
    return state;
  }

  async updateProfile(name: string, change: (profile: Profile, state: State) => void): Promise<Profile> {
    const state = await this.update((s) => {
      const profile = (s.profiles[name] ??= emptyProfile());
      change(profile, s);
    });
    return state.profiles[name]!;
  }

  nowIso(): string {
    return this.now().toISOString();
  }
}

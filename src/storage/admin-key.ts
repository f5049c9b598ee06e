// The organization admin key of a profile: its own keychain entry next to the profile's key
// (account "<profile>:admin", a name no profile can have), or OPENAI_ADMIN_KEY, which wins as it
// does in the SDKs.
import * as z from 'zod/mini';
import type { Context } from '../context.js';
import { EXIT, ExitError, KeyStoreError, UsageError } from '../errors.js';
import { checkKeyShape, heldWithMore, hintKind, keyKind, keyWithin, maskKey, secretOf } from '../keys/format.js';
import { envAdminKey } from '../options.js';
import { PAGES } from '../platform.js';
import { afterFirst, elsewhereThis, keyPromptWorks, storeAdminKeyAdvice, unsetAdminVariable } from '../terminal/advice.js';
import { changeKey } from './key-change.js';
import { describeKeychainProblem, keychainFix, keychainOutOfReach, type KeychainUnavailableError } from './keychain.js';
import type { KeySnapshot, StoredKey } from './keystore.js';
import { keyNeedsFile, storedNotAKey } from './profile-key.js';
import type { Profile } from './state.js';

/** The keychain account of a profile's admin key: ":" is never in a profile name. */
export function adminAccount(profile: string): string {
  return `${profile}:admin`;
}

export interface AdminKeySource {
  kind: 'env' | 'keychain' | 'file';
  /** For people: "OPENAI_ADMIN_KEY", "the keychain (profile default)". */
  label: string;
}

export { envAdminKey };

/**
 * Whether a command that stores an admin key for `profile` needs --insecure-storage where it is
 * named: no keychain answers here (asked by a read: no write, no prompt to unlock), where admin-key
 * without it exits 7. For advice made when a failure names the command, not before every request.
 */
export function adminKeyNeedsFile(ctx: Pick<Context, 'keys'>, profile: string): Promise<boolean> {
  return keyNeedsFile(ctx, adminAccount(profile));
}

/**
 * What is stored as a profile's admin key when it is not one (storedNotAKey: a value edited in by
 * hand, or a key of another kind): what it is, by its masked hint, and admin-key to store it again
 * (which replaces it) as it works here (storeAdminKeyAdvice), into the file it is in (the keychain's
 * stand-in, where there is none: admin-key refuses it without --insecure-storage), after `first`
 * (StateStore.firstBeforeChanges: admin-key exits 7 until it is done). Null for an admin key. Such a value is never sent.
 */
export function storedNotAnAdminKey(ctx: Context, profile: string, stored: StoredKey, first: string | null = null): { message: string; fix: string } | null {
  const advice = storeAdminKeyAdvice(ctx, profile, stored.storage === 'file' ? '--insecure-storage' : '');
  // Where this run asks, that it asks goes unsaid (as the live check's fixes have it).
  const { command } = advice;
  const how = keyPromptWorks(ctx) === 'here' ? '' : advice.how;
  const fix = first
    ? `To store your admin key again (it replaces what is stored), ${afterFirst(first, command)}${how}.`
    : how
      ? `Store your admin key again, which replaces what is stored, with \`${command}\`${how}.`
      : `Store your admin key again with \`${command}\` (it replaces what is stored).`;
  return storedNotAKey(ctx, profile, stored, { fix });
}

/**
 * Whether the hint the progress file keeps of the admin key (maskKey) is an admin key's:
 * sk-admin-…Ab12. For status, which reads no keychain: a value of another kind stored as one
 * shows in its hint (a value edited into the keychain since does not).
 */
export function isAdminKeyHint(hint: string): boolean {
  return hintKind(hint) === 'admin';
}

/** The admin key to use: OPENAI_ADMIN_KEY first (as the SDKs read it), then the stored one. */
export async function findAdminKey(
  ctx: Context,
  profile: string,
): Promise<{ key: string; source: AdminKeySource } | { key: null; keychainError: KeychainUnavailableError | null }> {
  const fromEnv = envAdminKey(ctx);
  if (fromEnv) return { key: fromEnv, source: { kind: 'env', label: 'OPENAI_ADMIN_KEY' } };
  const { stored, keychainError } = await ctx.keys.get(adminAccount(profile));
  if (stored) {
    const label = stored.storage === 'keychain' ? `the keychain (profile ${profile})` : `the --insecure-storage file (profile ${profile})`;
    return { key: stored.key, source: { kind: stored.storage, label } };
  }
  return { key: null, keychainError };
}

/**
 * OPENAI_ADMIN_KEY and the admin key stored for the profile (by the hint the progress file records:
 * no keychain read): `notice` when the variable holds another one, which rotate and spend use in
 * its place (as OPENAI_API_KEY's "differs from the stored key"), one wording for status, spend and
 * rotate; null when it is not set, or is the stored one, or none is recorded.
 */
export function adminKeyEnv(ctx: Context, storedHint: string | null): { set: boolean; hint: string | null; matchesStored: boolean | null; notice: string | null } {
  const value = envAdminKey(ctx);
  if (!value) return { set: false, hint: null, matchesStored: null, notice: null };
  const hint = maskKey(value);
  const matchesStored = storedHint === null ? null : hint === storedHint;
  const notice = matchesStored === false ? `OPENAI_ADMIN_KEY is set: ${hint} — differs from the stored admin key ${storedHint}; rotate and spend use this one` : null;
  return { set: true, hint, matchesStored, notice };
}

/**
 * Which admin key a command used, in its --json (rotate, spend): `source` where it came from
 * ("env": OPENAI_ADMIN_KEY), its hint, and `storedHint` the admin key stored for the profile (null:
 * none recorded); the two differ when the variable holds another.
 */
export const AdminKeyUsedSchema = z.object({ source: z.enum(['env', 'keychain', 'file']), hint: z.string(), storedHint: z.nullable(z.string()) });
export type AdminKeyUsed = z.infer<typeof AdminKeyUsedSchema>;

/**
 * The admin key rotate and spend use (requireAdminKey), for their --json, and `notice` (adminKeyEnv)
 * when it is OPENAI_ADMIN_KEY holding another admin key than the one stored for the profile: for
 * them to say, as otherwise nothing tells which organization's key answered.
 */
export async function adminKeyUsed(ctx: Context, profile: string, found: { key: string; source: AdminKeySource }): Promise<{ used: AdminKeyUsed; notice: string | null }> {
  const storedHint = (await ctx.state.read()).profiles[profile]?.adminKey?.hint ?? null;
  const notice = found.source.kind === 'env' ? adminKeyEnv(ctx, storedHint).notice : null;
  return { used: { source: found.source.kind, hint: maskKey(found.key), storedHint }, notice };
}

/**
 * The admin key for a command that needs one (`rotate`, `spend`). None is a usage error saying how
 * to store one; one stored in a keychain that is not running here (its record says so) is exit 7
 * saying where it is, as for the profile's key (noKeyError): storing another would make a second.
 */
export async function requireAdminKey(ctx: Context, profile: string, command: string): Promise<{ key: string; source: AdminKeySource }> {
  const found = await findAdminKey(ctx, profile);
  if (found.key !== null) {
    ctx.term.addSecret(found.key);
    ctx.term.addSecret(secretOf(found.key));
    // Checked here, before it is sent. The variable: a key-shaped one that is no admin key goes on
    // (the API's answer names what it needs). The stored one must be an admin key: a value edited
    // into the keychain by hand could carry a line break or escapes into a request.
    if (found.source.kind === 'env') {
      // Judged as it is, as it would be sent (and as verify judges OPENAI_API_KEY): nothing cleans
      // it for the programs that read it, so a second copy, quotes or `Bearer ` make it no key.
      const problem = checkKeyShape(found.key, true, 'none', 'admin').problem;
      if (problem) {
        // An admin key with more around it: the fix is that key alone, not another key.
        const within = keyWithin(found.key);
        if (within && keyKind(within.key) === 'admin') {
          throw new ExitError(EXIT.keyRejected, `OPENAI_ADMIN_KEY was not sent: ${problem}.`, [heldWithMore('admin-env', maskKey(within.key), within.around)]);
        }
        // Stored as it works here: never a pipe of the variable just refused, nor without
        // --insecure-storage where no keychain answers (the variable says nothing of one).
        const store = storeAdminKeyAdvice(ctx, profile, (await adminKeyNeedsFile(ctx, profile)) ? '--insecure-storage' : '', { variableFailed: true });
        throw new ExitError(EXIT.keyRejected, `OPENAI_ADMIN_KEY was not sent: ${problem}.`, [`Set it to an admin key (sk-admin-…), or ${unsetAdminVariable(store)}`]);
      }
    } else {
      const stored = { key: found.key, storage: found.source.kind };
      // Its fix names admin-key, which exits 7 until `first` is done: said first.
      const notAdmin = storedNotAnAdminKey(ctx, profile, stored) && storedNotAnAdminKey(ctx, profile, stored, await ctx.state.firstBeforeChanges());
      if (notAdmin) throw new ExitError(EXIT.keyRejected, `${notAdmin.message} It was not sent.`, [notAdmin.fix]);
    }
    return found;
  }
  // As it works here (storeAdminKeyAdvice): never `admin-key` asking where nothing can be asked,
  // nor, where the keychain failed, without --insecure-storage (it would exit 7), as for the key (noKeyError).
  const store = storeAdminKeyAdvice(ctx, profile, found.keychainError ? '--insecure-storage' : '');
  const how = [
    `Create one on the admin keys page (organization owners only): ${PAGES['admin-keys'].url}`,
    `then set OPENAI_ADMIN_KEY to it, or ${found.keychainError ? 'keep it in a file only you can read' : 'store it'}${store.how}:  ${store.command}`,
  ];
  const record = (await ctx.state.read()).profiles[profile]?.adminKey;
  // Where it works here (storeAdminKeyAdvice): OPENAI_ADMIN_KEY is not set, or it would have been used.
  const toFile = storeAdminKeyAdvice(ctx, profile, '--insecure-storage');
  const outOfReach = keychainOutOfReach({
    record,
    error: found.keychainError,
    store: ctx.keys.keychainDescription,
    what: `The admin key of profile "${profile}"`,
    cannot: 'read',
    run: elsewhereThis(ctx, profile),
    otherwise: ['set OPENAI_ADMIN_KEY', `keep the admin key in a file only you can read${toFile.how}:  ${toFile.command}`],
  });
  if (outOfReach) throw outOfReach;
  if (found.keychainError && found.keychainError.problem !== 'no-service') {
    // A keychain that is locked or does not answer may well hold the admin key: the fix is the
    // keychain's own (unlock it, get it answering), never creating and storing a second key.
    // Only a keychain with no keyring at all holds none, and then storing one is the way.
    const store = ctx.keys.keychainDescription;
    const fix = keychainFix(found.keychainError, store);
    const instead = 'Or set OPENAI_ADMIN_KEY to the admin key for this run.';
    const hints = found.keychainError.problem === 'no-keyring' ? [...(fix ? [fix] : []), ...how] : fix ? [fix, instead] : record ? [`Set OPENAI_ADMIN_KEY to the admin key for this run, or run this again once the ${store} works.`] : how;
    throw new KeyStoreError(`${describeKeychainProblem(found.keychainError, store)} No admin key could be read for profile "${profile}".`, hints);
  }
  throw new UsageError(`\`${command}\` needs an organization admin key (sk-admin-…), and none is stored for profile "${profile}".`, how);
}

/**
 * Remove a profile's admin key (keychain and file) and its record, as one step (key-change.ts);
 * says which held it. `guard`: checked first, under the same lock (throwing, nothing is removed).
 * Fails with a KeyChangeError.
 */
export async function removeAdminKey(ctx: Context, profile: string, guard?: (before: KeySnapshot) => Promise<void>): ReturnType<Context['keys']['delete']> {
  return changeKey(
    ctx,
    adminAccount(profile),
    async (before) => {
      // What must hold before anything is removed (the key asked about still the one stored): a failure leaves the store as it is.
      await guard?.(before);
      return ctx.keys.delete(adminAccount(profile));
    },
    (state, removed) => {
      // An unreadable keychain may still hold it: then the record stays, as the key does.
      const failed = removed.keychainError && removed.keychainError.problem !== 'no-service';
      const p = state.profiles[profile];
      if (failed || !p?.adminKey) return false;
      delete p.adminKey;
      return true;
    },
  );
}

/**
 * `command` (rotate, spend) just did with the admin key `key` what admin-key's check found it lacking
 * a permission for (its record's `cannot`): that permission was given since, so the record of it is
 * forgotten, under state.json's lock, and status, doctor and import no longer say it. Only the
 * record of that same key (by its hint): OPENAI_ADMIN_KEY holding another leaves the stored one's as
 * it is, and the other command's stays. Nothing is written when there is nothing to forget; a record
 * that cannot be written now is left as it was, unsaid (it says no more than before; the next run forgets it).
 */
export async function adminKeyServesNow(ctx: Context, profile: string, key: string, command: 'rotate' | 'spend'): Promise<void> {
  const hint = maskKey(key);
  const recordedUnable = (p: Profile | undefined) => p?.adminKey?.hint === hint && p.adminKey.cannot === command;
  try {
    if (!recordedUnable((await ctx.state.read()).profiles[profile])) return;
    await ctx.state.updateProfile(profile, (p) => {
      if (recordedUnable(p)) delete p.adminKey!.cannot;
    });
  } catch (error) {
    // The progress file cannot be written now (its lock, the disk…): left as it was (see above).
    if (!(error instanceof KeyStoreError)) throw error;
  }
}

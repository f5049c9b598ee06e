// `openai-setup rotate`: replace the profile's key without downtime. In the key's project, a new
// service account (and with it a new key) is created, the new key is checked live and stored in
// place of the old one, and only then is the old key revoked: by deleting the service account
// an earlier rotate made for it, or by finding it in the project's key list. Nothing is lost on
// any failure: each step undoes what came before it, and every failure says where things stand.
import * as z from 'zod/mini';
import { AdminApiError } from '../api/admin-failure.js';
import { buildCheckRequest, recordCheck, runCheck } from '../api/check.js';
import { findKeyInProject, serviceAccountName } from '../api/rotation.js';
import type { AdminAuth, CheckResult, NewServiceAccount, ProjectKeyInfo } from '../api/types.js';
import type { Context } from '../context.js';
import { EXIT, ExitError, KeyStoreError, UsageError } from '../errors.js';
import { maskKey } from '../keys/format.js';
import { projectPageUrl } from '../platform.js';
import { adminAuth, requireAdminKey } from '../storage/admin-key.js';
import { describeKeychainProblem, KeychainUnavailableError } from '../storage/keychain.js';
import type { Storage } from '../storage/keystore.js';
import { keyCommand, resolveProfileName, storedSource } from '../storage/profile-key.js';
import type { Profile } from '../storage/state.js';
import { printCheck } from '../terminal/check-report.js';
import { marks } from '../terminal/output.js';

export interface RotateOptions {
  profile?: string;
  project?: string;
  keepOld: boolean;
  yes: boolean;
  json: boolean;
}

/** What became of the old key. */
export type OldKeyOutcome =
  | 'none' // there was no old key
  | 'kept' // --keep-old
  | 'service_account_deleted' // an earlier rotate's service account, deleted
  | 'already_gone' // that service account no longer existed
  | 'key_deleted' // found in the project's key list and deleted
  | 'declined' // found, and the person chose to keep it
  | 'not_found' // not in the project's key list
  | 'ambiguous' // more than one key in the list could be it
  | 'failed'; // revoking it failed

export const RotateJsonSchema = z.object({
  ok: z.boolean(),
  exitCode: z.number(),
  profile: z.string(),
  project: z.string(),
  new: z.object({ hint: z.string(), serviceAccountId: z.string(), serviceAccountName: z.string(), keyId: z.string(), storage: z.enum(['keychain', 'file']) }),
  old: z.object({
    hint: z.nullable(z.string()),
    outcome: z.enum(['none', 'kept', 'service_account_deleted', 'already_gone', 'key_deleted', 'declined', 'not_found', 'ambiguous', 'failed']),
    /** Where to revoke it by hand, when it is still live. */
    page: z.nullable(z.string()),
    message: z.string(),
  }),
  warnings: z.array(z.string()),
});
export type RotateJson = z.infer<typeof RotateJsonSchema>;

/** A failure after something changed: what went wrong, what state things are in, and the code. */
function failure(code: number, what: string, state: string, hints: string[] = []): ExitError {
  return new ExitError(code, `${what.replace(/\.$/, '')}. ${state}`, hints);
}

/** The project the old key belongs to: --project, else what the last check of that key saw, else a check now. */
async function findProject(ctx: Context, options: RotateOptions, profileName: string, profile: Profile | undefined, oldKey: string | null): Promise<string> {
  if (options.project) return options.project;
  const hint = oldKey ? maskKey(oldKey) : null;
  if (hint && profile?.rotation?.keyHint === hint) return profile.rotation.projectId;
  if (hint && profile?.lastVerify?.keyHint === hint && profile.lastVerify.project) return profile.lastVerify.project;
  if (!oldKey) {
    throw new UsageError(`No key is stored for profile "${profileName}", so there is no project to rotate in.`, [`Name the project: ${ctx.commandName} rotate --project proj_…, or store a key first: ` + keyCommand(ctx, profileName)]);
  }
  // Nothing recorded: a check of the key (no billable request) says which project it belongs to.
  const check = await runCheck(ctx, buildCheckRequest(ctx, oldKey, { billingCheck: false }), { spinner: 'Finding the key’s project (a live check)…' });
  if (check.project) return check.project;
  throw new UsageError(`Could not tell which project ${maskKey(oldKey)} belongs to (${check.ok ? 'the API did not say' : check.message.replace(/\.$/, '')}).`, ['Name it: openai-setup rotate --project proj_…']);
}

export async function run(ctx: Context, options: RotateOptions): Promise<number> {
  const { term } = ctx;
  const m = marks(term.style);
  const say = options.json ? term.err : term.out;
  const warnings: string[] = [];
  const warn = (text: string) => {
    warnings.push(text);
    term.err(`${m.warn} ${text}`);
  };
  const profileName = await resolveProfileName(ctx, options.profile);
  const { key: adminKey } = await requireAdminKey(ctx, profileName, 'rotate');

  const { stored, keychainError } = await ctx.keys.get(profileName);
  if (!stored && keychainError && keychainError.problem !== 'no-service') {
    throw new KeyStoreError(`${describeKeychainProblem(keychainError, ctx.keys.keychainDescription)} The key of profile "${profileName}" could not be read; nothing was changed.`);
  }
  const oldKey = stored?.key ?? null;
  if (oldKey) term.addSecret(oldKey);
  const oldHint = oldKey ? maskKey(oldKey) : null;
  const profile = (await ctx.state.read()).profiles[profileName];
  const projectId = await findProject(ctx, options, profileName, profile, oldKey);
  const auth: AdminAuth = await adminAuth(ctx, profileName, adminKey);
  const byRotate = Boolean(oldHint && profile?.rotation?.keyHint === oldHint && profile.rotation.projectId === projectId);

  if (!options.yes) {
    const prompter = ctx.prompter('Pass --yes to rotate without asking.');
    const what = oldHint
      ? `Rotate the key of profile "${profileName}" (${oldHint}) in ${projectId}: a new service account's key replaces it, then it is ${options.keepOld ? 'left live (--keep-old)' : 'revoked'}?`
      : `Create a service account in ${projectId} and store its key for profile "${profileName}"?`;
    if (!(await prompter.confirm(what, true))) {
      say('Nothing was changed.');
      return EXIT.ok;
    }
  }
  if (!options.json) term.out(term.style.bold(`openai-setup rotate · profile ${profileName} · ${projectId}`));

  // 1. A new service account, and its key (shown by the API this once).
  const name = serviceAccountName(profileName, ctx.clock.now());
  const spinner = term.spinner(`Creating the service account ${name}…`);
  let created: NewServiceAccount;
  try {
    created = await ctx.api.admin.createServiceAccount(auth, projectId, name);
  } catch (error) {
    if (error instanceof ExitError) throw failure(error.code, error.message, `Nothing was changed${oldHint ? `: ${oldHint} is still stored and works` : ''}.`, error.hints);
    throw error;
  } finally {
    spinner.stop();
  }
  const newKey = created.key.value;
  if (newKey) term.addSecret(newKey);

  /** Undo step 1: the new account and its key go; says how that went, for the failure's message. */
  const undo = async (): Promise<string> => {
    try {
      await ctx.api.admin.deleteServiceAccount(auth, projectId, created.id);
      return `The new service account ${created.name} was deleted again`;
    } catch (error) {
      const why = error instanceof AdminApiError ? error.message.replace(/\.$/, '') : String(error);
      return `The new service account ${created.name} (${created.id}) could NOT be deleted (${why}): delete it on ${projectPageUrl(projectId, 'api-keys')}`;
    }
  };
  const keptOld = oldHint ? `; ${oldHint} is still stored and works.` : '.';

  if (!newKey) {
    throw failure(EXIT.internal, `The API created the service account ${created.name} without a key`, `${await undo()}${keptOld}`);
  }
  const newHint = maskKey(newKey);
  say(`${m.ok} Created the service account ${created.name} and its key ${newHint}`);

  // 2. The new key is checked live (no billable request), in the right project.
  const check: CheckResult = await runCheck(ctx, buildCheckRequest(ctx, newKey, { billingCheck: false }), { spinner: 'Checking the new key with a live call…' });
  const wrongProject = check.ok && check.project && check.project !== projectId ? check.project : null;
  if (!check.ok || wrongProject) {
    if (!options.json) printCheck(term, newKey, { kind: 'flag', label: 'the new service account' }, check, term.err);
    const why = wrongProject ? `The new key answered for ${wrongProject}, not ${projectId}` : `The new key failed its check: ${check.message}`;
    throw failure(wrongProject ? EXIT.forbidden : check.exitCode, why, `Nothing was stored. ${await undo()}${keptOld}`);
  }
  say(`${m.ok} The new key works (${check.project ?? projectId})`);

  // 3. Stored in place of the old key (where the old one was kept), and read back.
  const storage: Storage = stored?.storage ?? 'keychain';
  let written = false;
  try {
    await ctx.keys.set(profileName, newKey, storage === 'file');
    written = true;
    // Read back from the keychain: the old key is revoked below, so the new one must really be there.
    if (storage === 'keychain' && (await ctx.keys.get(profileName)).stored?.key !== newKey) {
      throw new KeychainUnavailableError('failed', 'the key read back is not the one just stored');
    }
  } catch (error) {
    if (!(error instanceof KeychainUnavailableError)) throw error;
    // A write that went through but did not read back: put the old key back where it was.
    let restored = keptOld;
    if (written && oldKey) {
      restored = await ctx.keys.set(profileName, oldKey, storage === 'file').then(
        () => keptOld,
        () => `; ${oldHint} could not be put back either: store it again with ${keyCommand(ctx, profileName)}.`,
      );
    }
    throw failure(EXIT.keyStore, `Storing the new key failed: ${describeKeychainProblem(error, ctx.keys.keychainDescription)}`, `${await undo()}${restored}`);
  }
  await ctx.state.updateProfile(profileName, (p) => {
    p.key = { storage, hint: newHint, savedAt: ctx.clock.now().toISOString() };
    p.stages.key ??= { doneAt: ctx.clock.now().toISOString() };
    // Ids only, never the key: the next rotate revokes this key by deleting this account.
    p.rotation = { at: ctx.clock.now().toISOString(), projectId, serviceAccountId: created.id, serviceAccountName: created.name, keyId: created.key.id, keyHint: newHint };
  });
  await recordCheck(ctx, profileName, newKey, storedSource(storage, profileName), check);
  const where = storage === 'keychain' ? `the ${ctx.keys.keychainDescription}` : ctx.keys.filePath;
  say(`${m.ok} Stored ${newHint} in ${where}${oldHint ? ` in place of ${oldHint}` : ''}`);
  if (oldKey && ctx.env.OPENAI_API_KEY === oldKey) {
    warn(`OPENAI_API_KEY in this shell is the old key${options.keepOld ? '' : ', which stops working now'}: unset it and start programs with \`openai-setup run\`.`);
  }

  // 4. Only now: the old key is revoked.
  const page = projectPageUrl(projectId, 'api-keys');
  let outcome: OldKeyOutcome = 'none';
  let oldMessage = 'There was no old key.';
  let exitCode: number = EXIT.ok;
  if (oldKey && options.keepOld) {
    outcome = 'kept';
    oldMessage = `${oldHint} still works (--keep-old): revoke it on ${page} once nothing uses it.`;
  } else if (oldKey && byRotate && profile?.rotation) {
    const previous = profile.rotation;
    try {
      await ctx.api.admin.deleteServiceAccount(auth, projectId, previous.serviceAccountId);
      outcome = 'service_account_deleted';
      oldMessage = `Revoked ${oldHint}: deleted its service account ${previous.serviceAccountName}.`;
    } catch (error) {
      if (!(error instanceof AdminApiError)) throw error;
      if (error.kind === 'not_found') {
        outcome = 'already_gone';
        oldMessage = `${oldHint}'s service account ${previous.serviceAccountName} was already deleted.`;
      } else {
        outcome = 'failed';
        exitCode = error.code;
        oldMessage = `${oldHint} could NOT be revoked (${error.message.replace(/\.$/, '')}): delete the service account ${previous.serviceAccountName} on ${page}.`;
      }
    }
  } else if (oldKey) {
    let candidates: ProjectKeyInfo[] = [];
    try {
      candidates = await findKeyInProject(ctx.api.admin, auth, projectId, oldKey, created.key.id);
    } catch (error) {
      if (!(error instanceof AdminApiError)) throw error;
      outcome = 'failed';
      exitCode = error.code;
      oldMessage = `${oldHint} could NOT be revoked (${error.message.replace(/\.$/, '')}): revoke it on ${page}.`;
    }
    if (outcome !== 'failed' && candidates.length !== 1) {
      outcome = candidates.length === 0 ? 'not_found' : 'ambiguous';
      oldMessage =
        candidates.length === 0
          ? `${oldHint} is not in ${projectId}'s key list: revoke it yourself on ${page} (or the page of the project it belongs to).`
          : `${candidates.length} keys in ${projectId} could be ${oldHint} (${candidates.map((c) => `"${c.name ?? c.id}"`).join(', ')}): revoke the right one on ${page}.`;
    } else if (outcome !== 'failed') {
      const target = candidates[0]!;
      const made = target.createdAt ? `, created ${new Date(target.createdAt * 1000).toISOString().slice(0, 10)}` : '';
      const label = `"${target.name ?? target.id}" (${oldHint}${made}${target.owner.name ? `, owned by ${target.owner.name}` : ''})`;
      const sure = options.yes || (await ctx.prompter('Pass --yes to delete it without asking.').confirm(`Delete the old key ${label} from ${projectId}? It stops working at once.`, true));
      if (!sure) {
        outcome = 'declined';
        oldMessage = `${oldHint} was left live: revoke it on ${page} once nothing uses it.`;
      } else {
        try {
          await ctx.api.admin.deleteProjectKey(auth, projectId, target.id);
          outcome = 'key_deleted';
          oldMessage = `Revoked ${oldHint}: deleted the key ${label.replace(/ \(.*\)$/, '')} from ${projectId}.`;
        } catch (error) {
          if (!(error instanceof AdminApiError)) throw error;
          outcome = 'failed';
          exitCode = error.code;
          const saKey = target.owner.type === 'service_account' ? ` It belongs to the service account ${target.owner.name ?? target.owner.id}; the API may only delete such a key with its account.` : '';
          oldMessage = `${oldHint} could NOT be revoked (${error.message.replace(/\.$/, '')}).${saKey} Revoke it on ${page}.`;
        }
      }
    }
  }
  const live = ['kept', 'declined', 'not_found', 'ambiguous', 'failed'].includes(outcome);
  const revoked = outcome === 'service_account_deleted' || outcome === 'key_deleted' || outcome === 'already_gone';
  if (!options.json) {
    term.out(`${revoked ? m.ok : outcome === 'failed' ? m.fail : outcome === 'none' ? m.pending : m.warn} ${oldMessage}`);
    term.say(`${outcome === 'failed' ? 'The new key is stored and works.' : 'Rotated.'} Programs started with \`openai-setup run\` get the new key from now on.`);
  }
  if (options.json) {
    const json: RotateJson = {
      ok: exitCode === EXIT.ok,
      exitCode,
      profile: profileName,
      project: projectId,
      new: { hint: newHint, serviceAccountId: created.id, serviceAccountName: created.name, keyId: created.key.id, storage },
      old: { hint: oldHint, outcome, page: live ? page : null, message: oldMessage },
      warnings,
    };
    term.out(JSON.stringify(RotateJsonSchema.parse(json), null, 2));
  }
  return exitCode;
}

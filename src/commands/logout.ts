// `openai-setup logout`: remove the stored key (keychain and file) after a confirm; files
// `env --file` wrote it into are named (they are the person's to delete), not changed.
import type { Context } from '../context.js';
import { EXIT, ExitError, KeyStoreError } from '../errors.js';
import { isUserKey, maskKey, revokePage } from '../keys/format.js';
import { askedNote, inRepository, untrackIfTracked } from '../plaintext/env-command.js';
import { envFileCopies } from '../plaintext/env-files.js';
import { copiesOf, listCopies } from '../plaintext/summary.js';
import { accountOf, leftoverWords, type KeySnapshot } from '../storage/keystore.js';
import { PAGES } from '../platform.js';
import { adminAccount, envAdminKey, removeAdminKey } from '../storage/admin-key.js';
import { accountsLeft } from '../storage/admin-state.js';
import { changeKey, KeyChangeError, keyChangeFailure } from '../storage/key-change.js';
import { describeKeychainProblem, keychainHints, keychainOutOfReach, type KeychainUnavailableError } from '../storage/keychain.js';
import { defaultProfileChanged, profilesSharing, resolveProfileName, sharingWords } from '../storage/profile-key.js';
import { recordedProgress, removeProfile, type Profile, type State } from '../storage/state.js';
import { elsewhereCommand, toolCommand } from '../terminal/advice.js';
import { marks } from '../terminal/output.js';
import { pathLine } from '../terminal/sanitize.js';
import { quotedWord, shellExportLine } from '../terminal/shell.js';
import { shellDirsOf } from '../storage/paths.js';

export async function run(ctx: Context, options: { profile?: string; yes: boolean; admin?: boolean }): Promise<number> {
  const { term } = ctx;
  const m = marks(term.style);
  // A key is removed only together with its record: with a progress file this build cannot change,
  // neither is (exit 7), said before the question rather than after it.
  await ctx.state.assertChangeable();
  const profileName = await resolveProfileName(ctx, options.profile);
  if (options.admin) return logoutAdmin(ctx, profileName, options.yes);
  // What is really there decides the question, not what the progress file remembers.
  const { stored, keychainError } = await ctx.keys.get(profileName);
  // With no keychain service at all, nothing can be stored in it.
  const unreadable = keychainError && keychainError.problem !== 'no-service' ? keychainError : null;
  const recorded = (p: Profile | undefined): p is Profile => Boolean(p?.key || p?.stages.key || p?.lastVerify);
  /** Forget the key in the progress file: false when there is nothing to forget (a profile named by mistake is not created). */
  const forget = (state: State): boolean => {
    const p = state.profiles[profileName];
    if (!recorded(p)) return false;
    delete p.key;
    delete p.stages.key;
    // The last check was of the key just removed: status must not go on showing it as working.
    delete p.lastVerify;
    return true;
  };
  const failure = async (error: unknown, hint: string): Promise<unknown> =>
    error instanceof KeyChangeError
      ? keyChangeFailure(ctx, error, { hint, account: profileName, removing: true, again: [`Once that is fixed, run \`${toolCommand(ctx, 'logout', profileName)}\` again.`] })
      : error;
  // Temp files of runs killed mid-write (one of the key file's may hold a key): always ours to
  // remove. Before the key is (a store would remove them too, saying so on its own).
  let leftovers: string[] = [];
  const removeLeftovers = async () => {
    leftovers = [...(await ctx.keys.removeLeftovers()), ...(await ctx.state.removeLeftovers())];
  };
  const sayLeftovers = () => {
    if (leftovers.length) term.out(`${m.ok} Removed ${leftoverWords(leftovers)} left by an interrupted run: ${leftovers.map(pathLine).join(', ')}`);
  };
  const record = (await ctx.state.read()).profiles[profileName]?.key;
  const outOfReach = stored ? null : keychainNotHere(ctx, record, keychainError, `The key stored for profile "${profileName}"`, elsewhereCommand(ctx, 'logout', profileName));
  if (outOfReach) throw outOfReach;
  if (!stored && !unreadable) {
    await removeLeftovers();
    if (recorded((await ctx.state.read()).profiles[profileName])) {
      // A stale record: forgotten as one step with a look at the store, in case another run stores a key meanwhile.
      try {
        await changeKey(ctx, profileName, async () => {}, (state, _nothing, before) => !(before.keychain || before.file) && forget(state));
      } catch (error) {
        throw await failure(error, 'the record of the key');
      }
    }
    sayLeftovers();
    const ownForgotten = record?.storage === 'env' && !recorded((await ctx.state.read()).profiles[profileName]);
    if (ownForgotten) {
      // Nothing of the key was ever here: what changed is only the record, and the person's own line stays.
      term.out(`${m.ok} Forgot that you keep the key of profile "${profileName}" (${record.hint}) in OPENAI_API_KEY yourself; openai-setup had no copy of it to remove.`);
      term.out(await ownLinesStay(ctx, profileName, record.hint));
    }
    // Nothing of the profile stored: the profile itself goes (a name typed by mistake, what is left of one logged out).
    const dropped = await removeUnstoredProfile(ctx, profileName, options.yes, { ask: true });
    if (dropped === 'declined') term.out('Nothing removed.');
    else if (dropped === 'kept' && !ownForgotten) term.out(`No key is stored for profile "${profileName}"; nothing to remove.`);
    return 0;
  }
  if (!stored && unreadable) {
    // The fix for what it is: unlocking helps a locked keyring, not one that does not answer.
    throw new ExitError(EXIT.keyStore, `${describeKeychainProblem(unreadable, ctx.keys.keychainDescription)} Nothing was removed.`, keychainHints(unreadable, ctx.keys.keychainDescription));
  }
  const hint = maskKey(stored!.key);
  // The profile goes with its key when nothing else of it is stored (its admin key): the profile named default stays, always listed.
  const dropAlong = profileName !== 'default' && !(await adminKeyLeft(ctx, profileName));
  let dropped: ReturnType<typeof removeProfile> = null;
  if (!options.yes) {
    const prompter = ctx.prompter('Pass --yes to remove it without asking.');
    const sure = await prompter.confirm(`Remove ${hint} of profile "${profileName}" from this machine?`, false);
    if (!sure) {
      term.out('Nothing removed.');
      return 0;
    }
  }
  await removeLeftovers();
  // Files `env --file` wrote the key into keep it: named once it is removed here, never changed.
  const asked = await envFileCopies(ctx, profileName, stored!.key);
  // Removed and forgotten as one step: the progress file never records a key that is gone.
  let kept: ExitError | null = null;
  let removed;
  try {
    removed = await changeKey(
      ctx,
      profileName,
      async (before) => {
        // Another run may have stored a key since this one looked (and asked): removing that one
        // would lose it unsaid, and name the key asked about as removed.
        await stillTheKey(ctx, profileName, stored!.key, before, 'logout');
        const removed = await ctx.keys.delete(profileName);
        const failed = removed.keychainError && removed.keychainError.problem !== 'no-service' ? removed.keychainError : null;
        if (failed && stored!.storage === 'keychain') {
          // The progress file keeps its record: the key is still where it was.
          kept = new ExitError(EXIT.keyStore, `${describeKeychainProblem(failed, ctx.keys.keychainDescription)} ${hint} was not removed.`, keychainHints(failed, ctx.keys.keychainDescription));
          throw kept;
        }
        // What the keychain held: a leftover of another key there is named as what it is.
        return { ...removed, failed, inKeychain: before.keychain ?? null };
      },
      (state, result) => {
        const forgot = forget(state);
        // A keychain that could not be asked (locked, not answering) may still hold a copy: the profile
        // stays. None at all on the bus (no Secret Service) holds none, as left() has it.
        if (dropAlong && (!result.keychainError || result.keychainError.problem === 'no-service')) dropped = removeProfile(state, profileName);
        return forgot || dropped !== null;
      },
    );
  } catch (error) {
    if (error instanceof KeyChangeError && (error.failure === kept || error.failure instanceof NotTheKeyAsked) && error.putBack !== 'failed') throw error.failure;
    throw await failure(error, hint);
  }
  // Before anything more is said: the commands it names follow the default as it is now.
  followDefault(ctx, dropped);
  sayLeftovers();
  const store = ctx.keys.keychainDescription;
  const leftover = removed.inKeychain && removed.inKeychain !== stored!.key ? maskKey(removed.inKeychain) : null;
  if (removed.file) await sayFileRemoval(ctx, hint, removed.fileLeft);
  if (removed.keychain) term.out(leftover ? `${m.ok} Removed ${leftover} from the ${store}: a leftover of another key, not used.` : `${m.ok} Removed ${hint} from the ${store}.`);
  // Gone between the look above (and the question) and the change: another run (a second logout) removed it.
  const lostRace = !removed.keychain && !removed.file;
  if (lostRace) term.out(`No key is stored for profile "${profileName}" any more (${hint} was removed meanwhile, by another run); nothing was left to remove.`);
  // A keychain that could not be asked may still hold a copy (a key stored there before this one
  // went into the file from where it was out of reach): said, with where to run what. Also where
  // no session bus is here at all: SSH into a desktop looks so, and nothing recorded tells it from
  // a container (the record of the key that went into the file replaced the keychain's).
  const unasked = removed.keychainError && stored!.storage === 'file' ? removed.keychainError : null;
  if (unasked) {
    term.err(
      unasked.problem === 'no-service'
        ? `${m.warn} The ${store} is not running here, so whether it holds a copy of a key of profile "${profileName}" could not be checked, nor such a copy removed: run \`${elsewhereCommand(ctx, 'logout', profileName)}\` where it is (your desktop session).`
        : `${m.warn} ${describeKeychainProblem(unasked, store)} Whether it holds a copy of a key of profile "${profileName}" could not be checked, nor such a copy removed: run \`${toolCommand(ctx, 'logout', profileName)}\` again once it can be used.`,
    );
  }
  // What else is said belongs to the run that removed it, as after a logout that found nothing.
  if (lostRace) return 0;
  if (asked.length) {
    term.out(`${m.warn} ${hint} is still in ${listCopies(ctx, asked, 10)} (${await askedNote(ctx, profileName, asked.map((f) => f.path), { max: 10 })}): remove it there if nothing needs it any more.`);
    // A file git tracks holds it in the repository too: revoked, it is harmless there.
    for (const path of new Set(asked.map((f) => f.path))) {
      const untrack = await untrackIfTracked(ctx, path);
      if (untrack) term.out(`${m.warn} ${inRepository(ctx, path, hint)}: revoke the key, and take the file out of git:  ${untrack}`);
    }
  }
  // Another profile that stores the same key needs it live: revoking it is not advised then.
  const shared = await profilesSharing(ctx, profileName, hint, async () => stored!.key);
  // A user key on the user's own keys page, any other on the API keys page.
  const page = revokePage(isUserKey(stored!.key));
  term.out(shared.length ? `The key itself still works, and ${sharingWords(shared)}: leave it live while that is so.` : `The key itself still works until you revoke it on ${page.name}: ${page.url}`);
  sayRotateLeftovers(ctx, profileName, (await ctx.state.read()).profiles[profileName]);
  sayProfileRemoved(ctx, profileName, dropped, storedNow(ctx, removed.keychainError !== null));
  return 0;
}

/**
 * The profile removed was the default: "default" is (removeProfile), and a command typed without
 * --profile acts on it from now on: the commands said after this name the profile removed.
 */
function followDefault(ctx: Context, dropped: ReturnType<typeof removeProfile>): void {
  if (dropped?.defaultWas) defaultProfileChanged(ctx, 'default');
}

/** Whether an admin key of the profile is (or may be) stored: its record, or the keychain or file holding one, or a keychain that cannot be read. */
async function adminKeyLeft(ctx: Context, profile: string): Promise<boolean> {
  return (await left(ctx, adminAccount(profile), Boolean((await ctx.state.read()).profiles[profile]?.adminKey))).left;
}

/**
 * Whether a key of `account` is (or may be) stored: `recorded`, or the keychain or file holding
 * one, or a keychain that cannot be read. None running here (no Secret Service) holds none; it
 * is `notRunning` then, as what it may hold where it runs (a desktop session) is not known.
 */
async function left(ctx: Context, account: string, recorded: boolean): Promise<{ left: boolean; notRunning: boolean }> {
  if (recorded) return { left: true, notRunning: false };
  const { stored, keychainError } = await ctx.keys.get(account);
  return { left: Boolean(stored || (keychainError && keychainError.problem !== 'no-service')), notRunning: keychainError?.problem === 'no-service' };
}

/**
 * Remove the profile from the progress file when nothing of it is stored (no key, no admin key):
 * `profiles` then no longer lists it, and a default profile it was makes "default" the default
 * again (removeProfile). With `ask`, what is recorded of it (stages, a last check…) is asked about
 * first on a terminal (--yes otherwise, as for a key); an entry with nothing recorded goes unasked.
 * The profile named default is always listed: never removed. Says what it did; 'kept': nothing
 * to remove (or something of it is stored).
 */
async function removeUnstoredProfile(ctx: Context, profile: string, yes: boolean, options: { ask: boolean }): Promise<'removed' | 'kept' | 'declined'> {
  if (profile === 'default') return 'kept';
  const state = await ctx.state.read();
  const entry = state.profiles[profile];
  if (!entry && state.defaultProfile !== profile) return 'kept';
  const key = await left(ctx, profile, Boolean(entry?.key));
  if (key.left) return 'kept';
  const admin = await left(ctx, adminAccount(profile), Boolean(entry?.adminKey));
  if (admin.left) return 'kept';
  const progress = recordedProgress(entry);
  if (options.ask && progress.length && !yes) {
    const prompter = ctx.prompter('Pass --yes to remove it without asking.');
    if (!(await prompter.confirm(`Remove profile "${profile}"? No key is stored for it; what is recorded of it is forgotten (${progress.join('; ')}).`, false))) return 'declined';
  }
  let dropped: ReturnType<typeof removeProfile> = null;
  // Under the lock: a key another run stored meanwhile is recorded, and keeps the profile.
  await ctx.state.update((next) => {
    dropped = removeProfile(next, profile);
  });
  if (!dropped) return 'kept';
  followDefault(ctx, dropped);
  const notRunning = key.notRunning || admin.notRunning;
  sayProfileRemoved(ctx, profile, dropped, options.ask ? `no key was stored for it${notRunning ? ` here${notRunningHere(ctx)}` : ''}` : storedNow(ctx, notRunning));
  return 'removed';
}

/**
 * Where nothing of the profile is stored, as the ✔ line says it: with the keychain not asked (none
 * running in this session, `notRunning`), "here" only, as what it may hold where it runs (a
 * desktop session) is not known.
 */
function storedNow(ctx: Context, notRunning: boolean): string {
  return notRunning ? `nothing of it is stored here now${notRunningHere(ctx)}` : 'nothing of it is stored now';
}

/** Why "here" only: the keychain was not asked. */
function notRunningHere(ctx: Context): string {
  return ` (the ${ctx.keys.keychainDescription} is not running in this session)`;
}

/**
 * What a stopped rotate left recorded for the profile (service accounts it was creating, old keys
 * it did not revoke) stays after its key is removed: said, as the key was all status showed with it.
 */
function sayRotateLeftovers(ctx: Context, profile: string, left: Profile | undefined): void {
  const what = [accountsLeft(left).length ? 'service accounts a stopped rotate left' : '', left?.pendingRevokes?.length ? 'old keys rotate did not revoke' : ''].filter(Boolean);
  if (what.length) ctx.term.out(`${marks(ctx.term.style).warn} Still recorded for profile "${profile}": ${what.join(' and ')}; \`${toolCommand(ctx, 'status', profile)}\` names each, with the page to delete it on.`);
}

/** What removing the profile did, as logout says it. */
function sayProfileRemoved(ctx: Context, profile: string, dropped: ReturnType<typeof removeProfile>, why: string): void {
  if (!dropped) return;
  const m = marks(ctx.term.style);
  if (dropped.removed) ctx.term.out(`${m.ok} Removed profile "${profile}": ${why}, and \`${toolCommand(ctx, 'profiles')}\` no longer lists it.`);
  if (dropped.defaultWas) ctx.term.out(`"default" is the default profile again (it was "${dropped.defaultWas}").`);
}

/** Nothing was removed: what is stored under the lock is not the key this run looked at (and asked about). */
class NotTheKeyAsked extends KeyStoreError {}

/**
 * Under state.json's lock, before anything is removed (changeKey's change, given `before`, the
 * store as it is now): the key stored for `account` must still be `asked`, the one this run found
 * and asked about (or, with --yes, will name as removed). Another run may have stored another
 * since: then nothing is removed (a NotTheKeyAsked, saying which key is stored now and what to run).
 * Gone altogether (a second logout removed it), the removal goes ahead and finds nothing, as before.
 */
async function stillTheKey(ctx: Context, account: string, asked: string, before: KeySnapshot, command: 'logout' | 'logout --admin'): Promise<void> {
  // Read as get() read it at first: the keychain or the file the record names, then the other.
  const found = await ctx.keys.find(account);
  if (found.stored?.key === asked) return;
  const { profile, admin } = accountOf(account);
  const whose = admin ? `The admin key of profile "${profile}"` : `The key stored for profile "${profile}"`;
  const askedHint = maskKey(asked);
  // A keychain that no longer answers tells nothing of what it holds: it may be the key asked about,
  // or another; nothing is removed, and the fix is the keychain's.
  const unread = found.keychainError && found.keychainError.problem !== 'no-service' ? found.keychainError : null;
  if (unread) throw new NotTheKeyAsked(`${describeKeychainProblem(unread, ctx.keys.keychainDescription)} ${askedHint} was not removed.`, keychainHints(unread, ctx.keys.keychainDescription));
  // What the store holds in its place: the key in use, else one in either place that is not the key asked about.
  const other = found.stored?.key ?? [before.keychain, before.file].find((key) => key && key !== asked) ?? null;
  if (!other) return;
  const inKeychain = found.stored ? found.stored.storage === 'keychain' : before.keychain === other;
  const where = inKeychain ? `the ${ctx.keys.keychainDescription}` : pathLine(ctx.keys.filePath);
  const now = maskKey(other);
  throw new NotTheKeyAsked(
    `${whose} changed while ${command} ran (it is now ${now}, in ${where}; another run stored it), so nothing was removed. To remove ${now}, run \`${toolCommand(ctx, command, profile)}\` again.`,
  );
}

/** That the lines setting a key the person keeps in OPENAI_API_KEY stay: where they are, found by its hint where import looks; else where the setup told them to put it. */
async function ownLinesStay(ctx: Context, profile: string, hint: string): Promise<string> {
  const found = (await copiesOf(ctx, await ctx.state.read(), profile, { hint })).plaintext;
  return found.length
    ? `It is still set in ${listCopies(ctx, found, 10)}, your own line${found.length === 1 ? '' : 's'}: remove ${found.length === 1 ? 'it' : 'them'} there if nothing needs the key any more.`
    : `Your own line that sets it (in ${shellExportLine(shellDirsOf(ctx), null).file} or wherever you put it) stays: remove it there if nothing needs the key any more.`;
}

/**
 * `what` removed from the key file, named where it really is: behind a symbolic link, the file the
 * link leads to (that is what changed). One left with no key is said when it stays (behind a link).
 */
async function sayFileRemoval(ctx: Context, what: string, left: { real: string; linked: boolean; emptied: boolean } | null): Promise<void> {
  const m = marks(ctx.term.style);
  const link = pathLine(ctx.keys.filePath);
  if (!left?.linked) {
    ctx.term.out(`${m.ok} Removed ${what} from ${link}.`);
    return;
  }
  const real = pathLine(left.real);
  ctx.term.out(`${m.ok} Removed ${what} from ${real} (where ${link} leads).`);
  if (left.emptied) ctx.term.out(`${real} holds no key now; it stays, and so does the link ${link} to it (rm ${quotedWord(ctx.keys.filePath)} ${quotedWord(left.real)} removes both).`);
}

/**
 * Not "nothing stored": the key is in a keychain that is not running here (SSH, a container).
 * The record stays, saying where it is.
 */
function keychainNotHere(ctx: Context, record: { storage: string; hint: string } | undefined, error: KeychainUnavailableError | null, what: string, command: string): ExitError | null {
  return keychainOutOfReach({ record, error, store: ctx.keys.keychainDescription, what, cannot: 'removed', outcome: 'Nothing was removed.', run: `\`${command}\`` });
}

/** `logout --admin`: the profile's admin key only (its own keychain entry); the key stays. */
async function logoutAdmin(ctx: Context, profileName: string, yes: boolean): Promise<number> {
  const { term } = ctx;
  const m = marks(term.style);
  const record = (await ctx.state.read()).profiles[profileName]?.adminKey;
  // Looked for first (nothing removed), as for the key: a question, or --yes, only when there is
  // something to remove.
  const { stored, keychainError } = await ctx.keys.get(adminAccount(profileName));
  if (!stored) {
    const outOfReach = keychainNotHere(ctx, record, keychainError, `The admin key of profile "${profileName}"`, elsewhereCommand(ctx, 'logout --admin', profileName));
    if (outOfReach) throw outOfReach;
    if (keychainError && keychainError.problem !== 'no-service') {
      throw new ExitError(EXIT.keyStore, `${describeKeychainProblem(keychainError, ctx.keys.keychainDescription)} Nothing was removed.`, keychainHints(keychainError, ctx.keys.keychainDescription));
    }
    if (record) {
      // A stale record: forgotten as one step with a look at the store, in case another run stores one meanwhile.
      try {
        await changeKey(ctx, adminAccount(profileName), async () => {}, (state, _nothing, before) => {
          const p = state.profiles[profileName];
          if (before.keychain || before.file || !p?.adminKey) return false;
          delete p.adminKey;
          return true;
        });
      } catch (error) {
        if (!(error instanceof KeyChangeError)) throw error;
        throw await keyChangeFailure(ctx, error, { hint: 'the record of the admin key', account: adminAccount(profileName), removing: true, again: [`Once that is fixed, run \`${toolCommand(ctx, 'logout --admin', profileName)}\` again.`] });
      }
    }
    term.out(`No admin key is stored for profile "${profileName}"; nothing to remove.`);
    return 0;
  }
  // Named by what is stored (the record's hint is of the same key, unless another run changes it).
  const adminHint = `the admin key ${maskKey(stored.key)}`;
  if (!yes) {
    const prompter = ctx.prompter('Pass --yes to remove it without asking.');
    if (!(await prompter.confirm(`Remove ${adminHint} of profile "${profileName}" from this machine?`, false))) {
      term.out('Nothing removed.');
      return 0;
    }
  }
  let removed;
  try {
    // Another run may have stored another admin key since this one looked (and asked): that one stays.
    removed = await removeAdminKey(ctx, profileName, (before) => stillTheKey(ctx, adminAccount(profileName), stored.key, before, 'logout --admin'));
  } catch (error) {
    if (!(error instanceof KeyChangeError)) throw error;
    if (error.failure instanceof NotTheKeyAsked && error.putBack !== 'failed') throw error.failure;
    throw await keyChangeFailure(ctx, error, {
      hint: adminHint,
      account: adminAccount(profileName),
      removing: true,
      again: [`Once that is fixed, run \`${toolCommand(ctx, 'logout --admin', profileName)}\` again.`],
    });
  }
  if (removed.keychainError && removed.keychainError.problem !== 'no-service' && !removed.file) {
    throw new ExitError(EXIT.keyStore, `${describeKeychainProblem(removed.keychainError, ctx.keys.keychainDescription)} The admin key was not removed.`, keychainHints(removed.keychainError, ctx.keys.keychainDescription));
  }
  if (!removed.keychain && !removed.file) {
    // It was there when looked for: another run (a second logout) removed it since.
    term.out(`No admin key is stored for profile "${profileName}" any more (${adminHint} was removed meanwhile, by another run); nothing was left to remove.`);
    return 0;
  }
  if (removed.keychain) term.out(`${m.ok} Removed ${adminHint} of profile "${profileName}" from the ${ctx.keys.keychainDescription}.`);
  else await sayFileRemoval(ctx, `${adminHint} of profile "${profileName}"`, removed.fileLeft);
  term.out(`It still works until you delete it on the admin keys page: ${PAGES['admin-keys'].url}`);
  if (envAdminKey(ctx)) term.err(`${m.warn} OPENAI_ADMIN_KEY is still set in this shell: rotate and spend use it.`);
  // Its key gone too (logged out before): nothing of the profile is stored now, and it goes.
  await removeUnstoredProfile(ctx, profileName, yes, { ask: false });
  return 0;
}

// `openai-setup logout`: remove the stored key (keychain and file) after a confirm.
import type { Context } from '../context.js';
import { EXIT, ExitError } from '../errors.js';
import { maskKey } from '../keys/format.js';
import { PAGES } from '../platform.js';
import { describeKeychainProblem } from '../storage/keychain.js';
import { resolveProfileName } from '../storage/profile-key.js';
import { marks } from '../terminal/output.js';

export async function run(ctx: Context, options: { profile?: string; yes: boolean }): Promise<number> {
  const { term } = ctx;
  const m = marks(term.style);
  const profileName = await resolveProfileName(ctx, options.profile);
  // What is really there decides the question, not what the progress file remembers.
  const { stored, keychainError } = await ctx.keys.get(profileName);
  // With no keychain service at all, nothing can be stored in it.
  const unreadable = keychainError && keychainError.problem !== 'no-service' ? keychainError : null;
  const forgetRecord = () =>
    ctx.state.updateProfile(profileName, (p) => {
      delete p.key;
      delete p.stages.key;
    });
  // Temp files of runs killed mid-write (one of the key file's may hold a key): always ours to remove.
  const removeLeftovers = async () => {
    const left = [...(await ctx.keys.removeLeftovers()), ...(await ctx.state.removeLeftovers())];
    if (left.length) term.out(`${m.ok} Removed ${left.length === 1 ? 'a temporary file' : `${left.length} temporary files`} left by an interrupted run: ${left.join(', ')}`);
  };
  if (!stored && !unreadable) {
    await forgetRecord();
    await removeLeftovers();
    term.out(`No key is stored for profile "${profileName}"; nothing to remove.`);
    return 0;
  }
  if (!stored && unreadable) {
    throw new ExitError(EXIT.keyStore, `${describeKeychainProblem(unreadable, ctx.keys.keychainDescription)} Nothing was removed.`, [
      'Unlock it (or log in to the desktop session) and run this again.',
    ]);
  }
  const hint = maskKey(stored!.key);
  if (!options.yes) {
    const prompter = ctx.prompter('Pass --yes to remove it without asking.');
    const sure = await prompter.confirm(`Remove ${hint} of profile "${profileName}" from this machine?`, false);
    if (!sure) {
      term.out('Nothing removed.');
      return 0;
    }
  }
  const removed = await ctx.keys.delete(profileName);
  const failed = removed.keychainError && removed.keychainError.problem !== 'no-service' ? removed.keychainError : null;
  if (failed && stored!.storage === 'keychain') {
    // The progress file keeps its record: the key is still where it was.
    throw new ExitError(EXIT.keyStore, `${describeKeychainProblem(failed, ctx.keys.keychainDescription)} ${hint} was not removed.`);
  }
  await forgetRecord();
  await removeLeftovers();
  if (removed.keychain) term.out(`${m.ok} Removed ${hint} from the ${ctx.keys.keychainDescription}.`);
  if (removed.file) term.out(`${m.ok} Removed ${hint} from ${ctx.keys.filePath}.`);
  if (failed) term.err(`${m.warn} ${describeKeychainProblem(failed, ctx.keys.keychainDescription)} It could not be checked for another copy.`);
  term.out(`The key itself still works until you revoke it on the API keys page: ${PAGES.keys.url}`);
  return 0;
}

// `openai-setup logout`: remove the stored key (keychain and file) after a confirm.
import type { Context } from '../context.js';
import { EXIT, ExitError } from '../errors.js';
import { PAGES } from '../platform.js';
import { describeKeychainProblem } from '../storage/keychain.js';
import { resolveProfileName } from '../storage/profile-key.js';
import { marks } from '../terminal/output.js';

export async function run(ctx: Context, options: { profile?: string; yes: boolean }): Promise<number> {
  const { term } = ctx;
  const m = marks(term.style);
  const profileName = await resolveProfileName(ctx, options.profile);
  const profile = (await ctx.state.read()).profiles[profileName];
  const hint = profile?.key?.hint ?? 'the stored key';
  if (!options.yes) {
    const prompter = ctx.prompter('Pass --yes to remove it without asking.');
    const sure = await prompter.confirm(`Remove ${hint} of profile "${profileName}" from this machine?`, false);
    if (!sure) {
      term.out('Nothing removed.');
      return 0;
    }
  }
  const removed = await ctx.keys.delete(profileName);
  await ctx.state.updateProfile(profileName, (p) => {
    delete p.key;
    delete p.stages.key;
  });
  if (removed.keychain) term.out(`${m.ok} Removed ${hint} from the ${ctx.keys.keychainDescription}.`);
  if (removed.file) term.out(`${m.ok} Removed ${hint} from ${ctx.keys.filePath}.`);
  if (removed.keychainError) {
    const problem = describeKeychainProblem(removed.keychainError, ctx.keys.keychainDescription);
    if (!removed.file) throw new ExitError(EXIT.keyStore, `${problem} Nothing was removed from it.`);
    term.err(`${m.warn} ${problem} It was not checked.`);
  }
  if (!removed.keychain && !removed.file && !removed.keychainError) term.out(`No key was stored for profile "${profileName}".`);
  term.out(`The key itself still works until you revoke it on the API keys page: ${PAGES.keys.url}`);
  return 0;
}

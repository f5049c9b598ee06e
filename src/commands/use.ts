// `openai-setup use NAME`: make a profile the default. A name no profile has (a typo) is refused
// rather than made the default, where every command without --profile would then find no key.
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { keychainReason } from '../storage/keystore.js';
import { keyNeedsFile, noProfileText, unknownProfile } from '../storage/profile-key.js';
import { ConfigStoreError } from '../storage/private-file.js';
import { keyCommand, storeKeyAdvice, toolCommand } from '../terminal/advice.js';
import { marks } from '../terminal/output.js';

/** `name`: checked by the command's row (commands/index.ts). */
export async function run(ctx: Context, options: { name: string }): Promise<number> {
  const { term } = ctx;
  const m = marks(term.style);
  const { name } = options;
  // A progress file this run cannot change (a newer openai-setup's, not ours…) fails first, as the
  // change below would: a name is looked up only to be made the default.
  await ctx.state.assertChangeable();
  // Looked up as `verify` does before recording a check: a record, the default, or a key stored.
  // Quietly: a damaged progress file is said where the change below moves it aside.
  const reading = await ctx.state.reading({ quiet: true });
  const others = await unknownProfile(ctx, reading, name);
  if (others) {
    const current = reading.state.defaultProfile;
    // What a command without --profile acts on here, for the command named (as resolveProfileName says it).
    ctx.bareProfile = ctx.env.OPENAI_SETUP_PROFILE ?? current;
    // As it works here: with --insecure-storage where no keychain answers, piped in without a terminal.
    const store = storeKeyAdvice(ctx, name, await keyNeedsFile(ctx, name));
    throw new UsageError(`${noProfileText(name, others)}, so the default stays "${current}"; a new profile is made by storing its key${store.how}: \`${store.command}\`.`);
  }
  let before = '';
  const state = await ctx.state.update((s) => {
    before = s.defaultProfile;
    s.defaultProfile = name;
  });
  term.out(before === name ? `${m.ok} "${name}" was already the default profile.` : `${m.ok} "${name}" is now the default profile (it was "${before}").`);
  const override = ctx.env.OPENAI_SETUP_PROFILE;
  if (!state.profiles[name]?.key) {
    // A command without --profile now acts on this profile, unless the variable names another.
    const now = { commandName: ctx.commandName, bareProfile: override ?? name };
    const setUp = `run \`${toolCommand(now, '', name)}\` (or \`${keyCommand(now, name)}\`) to set it up`;
    // No record is not no key (a damaged progress file moved aside forgets it): looked up where
    // `token` finds it, reading only, before "no key" is said.
    const missing = await keyMissing(ctx, name);
    if (missing === true) term.out(`  It has no key yet: ${setUp}.`);
    else if (missing !== false) term.out(`  No key was found for it, but ${missing}: if none is stored, ${setUp}.`);
  }
  if (override && override !== name) {
    term.err(`${m.warn} OPENAI_SETUP_PROFILE=${override} is set in this shell and wins over the default; unset it to use "${name}".`);
  }
  return 0;
}

/** Whether the profile has no stored key: true, false, or why that could not be checked. */
async function keyMissing(ctx: Context, profile: string): Promise<boolean | string> {
  try {
    const { stored, keychainError } = await ctx.keys.find(profile);
    if (stored) return false;
    return keychainError ? `the ${ctx.keys.keychainDescription} could not be checked (${keychainReason(keychainError)})` : true;
  } catch (error) {
    // A key file that cannot be used: said as it is.
    if (!(error instanceof ConfigStoreError)) throw error;
    return `the key file could not be read (${error.message.replace(/\.$/, '')})`;
  }
}

// `openai-setup use NAME`: make a profile the default.
import type { Context } from '../context.js';
import { keychainReason } from '../storage/keystore.js';
import { ConfigStoreError } from '../storage/private-file.js';
import { keyCommand, toolCommand } from '../terminal/advice.js';
import { marks } from '../terminal/output.js';

/** `name`: checked by the command's row (commands/index.ts). */
export async function run(ctx: Context, options: { name: string }): Promise<number> {
  const { term } = ctx;
  const m = marks(term.style);
  const { name } = options;
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

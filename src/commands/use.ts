// `openai-setup use NAME`: make a profile the default.
import type { Context } from '../context.js';
import { parseFlag } from '../options.js';
import { ProfileNameSchema } from '../storage/state.js';
import { keyCommand, toolCommand } from '../terminal/advice.js';
import { marks } from '../terminal/output.js';

export async function run(ctx: Context, options: { name: string }): Promise<number> {
  const { term } = ctx;
  const m = marks(term.style);
  const name = parseFlag('profile name', ProfileNameSchema, options.name);
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
    term.out(`  It has no key yet: run \`${toolCommand(now, '', name)}\` (or \`${keyCommand(now, name)}\`) to set it up.`);
  }
  if (override && override !== name) {
    term.err(`${m.warn} OPENAI_SETUP_PROFILE=${override} is set in this shell and wins over the default; unset it to use "${name}".`);
  }
  return 0;
}

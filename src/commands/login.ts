// `openai-setup login`: stage 1 alone, through the same function as the wizard.
import type { Context } from '../context.js';
import { runLoginStage } from '../stages/login.js';
import { resolveProfileName } from '../storage/profile-key.js';

export async function run(ctx: Context, options: { profile?: string; done: boolean }): Promise<number> {
  // What the stage does is saved: a progress file this build cannot change fails first (exit 7), before its page or question.
  await ctx.state.assertChangeable();
  const profile = await resolveProfileName(ctx, options.profile);
  await runLoginStage(ctx, { profile, done: options.done });
  return 0;
}

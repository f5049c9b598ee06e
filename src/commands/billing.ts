// `openai-setup billing`: stage 3 alone, through the same function as the wizard.
import type { Context } from '../context.js';
import { runBillingStage } from '../stages/billing.js';
import { resolveProfileName } from '../storage/profile-key.js';
import type { BillingChoice } from '../storage/state.js';

export async function run(ctx: Context, options: { profile?: string; done: boolean; choice?: BillingChoice }): Promise<number> {
  // What the stage does is saved: a progress file this build cannot change fails first (exit 7), before its page or question.
  await ctx.state.assertChangeable();
  const profile = await resolveProfileName(ctx, options.profile);
  await runBillingStage(ctx, { profile, done: options.done, choice: options.choice });
  return 0;
}

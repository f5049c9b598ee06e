// `openai-setup payment`: stage 2 alone, through the same function as the wizard.
import type { Context } from '../context.js';
import { runPaymentStage } from '../stages/payment.js';
import { resolveProfileName } from '../storage/profile-key.js';

export async function run(ctx: Context, options: { profile?: string; done: boolean }): Promise<number> {
  // What the stage does is saved: a progress file this build cannot change fails first (exit 7), before its page or question.
  await ctx.state.assertChangeable();
  const profile = await resolveProfileName(ctx, options.profile);
  await runPaymentStage(ctx, { profile, done: options.done });
  return 0;
}

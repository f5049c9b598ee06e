// `openai-setup billing`: stage 3 alone, through the same function as the wizard.
import type { Context } from '../context.js';
import { runBillingStage } from '../stages/billing.js';
import { resolveProfileName } from '../storage/profile-key.js';
import type { BillingChoice } from '../storage/state.js';

export async function run(ctx: Context, options: { profile?: string; done: boolean; choice?: BillingChoice }): Promise<number> {
  await runBillingStage(ctx, { profile: await resolveProfileName(ctx, options.profile), done: options.done, choice: options.choice });
  return 0;
}

// `openai-setup login`: stage 1 alone, through the same function as the wizard.
import type { Context } from '../context.js';
import { runLoginStage } from '../stages/login.js';
import { resolveProfileName } from '../storage/profile-key.js';

export async function run(ctx: Context, options: { profile?: string; done: boolean }): Promise<number> {
  await runLoginStage(ctx, { profile: await resolveProfileName(ctx, options.profile), done: options.done });
  return 0;
}

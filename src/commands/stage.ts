// `openai-setup login | payment | billing | key`: one stage alone, through the same functions as
// the wizard.
import type { Context } from '../context.js';
import { resolveProfileName } from '../profiles.js';
import { runBillingStage, runKeyStage, runLoginStage, runPaymentStage, type KeyStageOptions } from '../stages.js';
import type { BillingChoice } from '../state.js';
import { marks } from '../terminal.js';

export interface StageCommandOptions {
  profile?: string;
  done?: boolean;
}

export async function runLogin(ctx: Context, options: StageCommandOptions): Promise<number> {
  await runLoginStage(ctx, { profile: await resolveProfileName(ctx, options.profile), done: options.done });
  return 0;
}

export async function runPayment(ctx: Context, options: StageCommandOptions): Promise<number> {
  await runPaymentStage(ctx, { profile: await resolveProfileName(ctx, options.profile), done: options.done });
  return 0;
}

export async function runBilling(ctx: Context, options: StageCommandOptions & { choice?: BillingChoice }): Promise<number> {
  await runBillingStage(ctx, { profile: await resolveProfileName(ctx, options.profile), done: options.done, choice: options.choice });
  return 0;
}

export async function runKey(ctx: Context, options: Omit<KeyStageOptions, 'profile'> & { profile?: string }): Promise<number> {
  const profile = await resolveProfileName(ctx, options.profile);
  const result = await runKeyStage(ctx, { ...options, profile });
  if (result.check?.status === 'insufficient_quota') {
    ctx.term.out(`${marks(ctx.term.style).warn} The key is stored, but it cannot spend yet: fix billing (\`openai-setup billing\`), then \`openai-setup verify\`.`);
  }
  return 0;
}

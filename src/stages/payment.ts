// Stage 2: add a payment method.
import type { Context } from '../context.js';
import { confirmStep, heading, markDoneByFlag, showPage, type PageStageOptions, type StageOutcome } from './page.js';

export const PAYMENT_TITLE = 'Add a payment method';

export async function runPaymentStage(ctx: Context, options: PageStageOptions): Promise<StageOutcome> {
  if (options.done) return markDoneByFlag(ctx, 'payment', options.profile);
  heading(ctx, PAYMENT_TITLE, options.position);
  ctx.term.say(
    'Add a card under Billing › Payment methods ("Add payment method"). The card dialog may go on to ask for your first credit purchase at once: that is the next step, so buy them there if you like ($5 is plenty to start), or skip it and buy them in step 3. Nothing is charged until you buy credits.',
  );
  await showPage(ctx, 'payment');
  return confirmStep(ctx, 'payment', options, 'payment');
}

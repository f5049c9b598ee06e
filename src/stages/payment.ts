// Stage 2: add a payment method.
import type { Context } from '../context.js';
import { confirmStep, heading, showPage, type PageStageOptions, type StageOutcome } from './page.js';

export const PAYMENT_TITLE = 'Add a payment method';

export async function runPaymentStage(ctx: Context, options: PageStageOptions): Promise<StageOutcome> {
  heading(ctx, PAYMENT_TITLE, options.position);
  ctx.term.say('Add a card under Billing › Payment methods ("Add payment method"). Nothing is charged until you buy credits in the next step.');
  await showPage(ctx, 'payment');
  return confirmStep(ctx, 'payment', options, 'payment');
}

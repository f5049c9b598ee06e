// Stage 3: how to pay (prepaid credits, auto-reload, or an old monthly invoice) and a budget.
import type { Context } from '../context.js';
import { PAGES } from '../platform.js';
import type { BillingChoice } from '../storage/state.js';
import { marks } from '../terminal/output.js';
import { offerBudget } from './budget.js';
import { confirmStep, heading, showPage, type PageStageOptions, type StageOutcome } from './page.js';

export const BILLING_TITLE = 'Choose how to pay and set a budget';

export const BILLING_CHOICES: Array<{ value: BillingChoice; name: string; description: string }> = [
  {
    value: 'auto-reload',
    name: 'Pay as you go: credits with auto-reload (recommended for new accounts)',
    description: 'Buy credits once and let them top up automatically when the balance runs low.',
  },
  {
    value: 'prepaid',
    name: 'Prepaid credits only: buy a fixed amount',
    description: 'Buy a fixed amount (minimum $5, default $10) and top up by hand; requests stop at $0.',
  },
  {
    value: 'monthly',
    name: 'Monthly invoicing (only accounts that already have it)',
    description: 'Post-paid monthly invoices survive only on accounts that had them; new accounts are prepaid.',
  },
];

export interface BillingStageOptions extends PageStageOptions {
  choice?: BillingChoice;
}

export async function runBillingStage(ctx: Context, options: BillingStageOptions): Promise<StageOutcome> {
  const { term } = ctx;
  const m = marks(term.style);
  heading(ctx, BILLING_TITLE, options.position);
  term.say(`${m.warn} A ChatGPT Plus or Pro plan includes NO API credits: the API is paid separately.`);
  term.say(`${m.warn} Free trial credits are generally no longer given; the billing overview shows your balance.`);
  term.say('New accounts are prepaid: you buy credits (minimum $5, default $10), each request uses some, and credits expire after a year. "Pay as you go" today means credits with auto-reload; monthly invoicing survives only on accounts that already had it.');
  let choice = options.choice;
  if (!choice) {
    const prompter = ctx.prompter('Pass --choice auto-reload|prepaid|monthly (and --done once you have bought credits).');
    choice = await prompter.select('How do you want to pay for the API?', BILLING_CHOICES);
  }
  await ctx.state.updateProfile(options.profile, (p) => {
    p.billingChoice = choice;
  });
  if (choice === 'auto-reload') {
    term.say('On the billing overview: "Add to credit balance", choose an amount, and keep "auto-reload" on with a threshold and a top-up amount you are comfortable with.');
  } else if (choice === 'prepaid') {
    term.say('On the billing overview: "Add to credit balance", choose an amount, and switch auto-reload off.');
  } else {
    term.say('On the billing overview, check that monthly invoicing is still active for your organization.');
  }
  await showPage(ctx, 'billing');
  const outcome = await confirmStep(ctx, 'billing', options, 'billing');
  if (outcome === 'done' && !options.done) {
    const prompter = ctx.prompter('');
    const budget = await prompter.confirm('Open the limits page to set a monthly budget (recommended)?', true);
    if (budget) {
      term.out('Set a monthly budget and an email alert threshold under "Usage limits".');
      await showPage(ctx, 'limits');
    }
    await offerBudget(ctx, options.profile);
  } else if (outcome === 'done') {
    term.out(`Set a monthly budget on the limits page: ${PAGES.limits.url}`);
  }
  return outcome;
}


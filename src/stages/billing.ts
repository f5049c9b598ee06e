// Stage 3: how to pay (prepaid credits, auto-reload, or an old monthly invoice) and a budget.
import { limitReason } from '../api/limits.js';
import { outcomeRow } from '../api/status.js';
import type { Context } from '../context.js';
import { PAGES } from '../platform.js';
import { billingChoiceOf, type BillingChoice } from '../storage/state.js';
import { toolCommand } from '../terminal/advice.js';
import { marks } from '../terminal/output.js';
import { offerBudget } from './budget.js';
import { heading, markDone, markDoneByFlag, showPage, waitForPage, type PageStageOptions, type StageOutcome } from './page.js';

export const BILLING_TITLE = 'Choose how to pay and set a budget';

export const BILLING_CHOICES: Array<{ value: BillingChoice; name: string; description: string }> = [
  {
    value: 'prepaid',
    name: 'Prepaid credits only: requests stop at $0 (the safe choice when you worry about cost)',
    description: 'Buy a fixed amount (minimum $5, default $10) and top up by hand; when the balance reaches $0, requests fail until you add more.',
  },
  {
    value: 'auto-reload',
    name: 'Prepaid credits with auto-reload: topped up when the balance runs low',
    description: 'Buy credits once; when the balance falls below a threshold, auto-reload buys more, up to a monthly reload limit you may set.',
  },
  {
    value: 'monthly',
    name: 'Monthly invoicing, post-paid "pay as you go" (only accounts that already have it)',
    description: 'Post-paid monthly invoices survive only on accounts that had them; new accounts are prepaid.',
  },
];

export interface BillingStageOptions extends PageStageOptions {
  choice?: BillingChoice;
}

export async function runBillingStage(ctx: Context, options: BillingStageOptions): Promise<StageOutcome> {
  const { term } = ctx;
  const m = marks(term.style);
  const state = await ctx.state.read();
  const record = state.profiles[options.profile];
  // The account's choice: this profile's, else one made under another profile (stageRecord takes
  // the stage from there too).
  const saved = billingChoiceOf(state, options.profile);
  // `--done` alone keeps the choice made before (the one this stage said to mark done).
  const doneWith = options.done ? (options.choice ?? saved) : undefined;
  if (doneWith) {
    await recordChoice(ctx, options.profile, doneWith);
    await markDoneByFlag(ctx, 'billing', options.profile);
    term.out(`Set a monthly budget on the limits page: ${PAGES.limits.url}`);
    return 'done';
  }
  heading(ctx, BILLING_TITLE, options.position);
  // An earlier run stopped at the budget questions (Ctrl-C): the choice and the credits stand,
  // asked again they would only repeat; the budget is what is left (unless another choice is given).
  const progress = record?.stages.billing;
  // Unless the profile's key was found unable to spend since: then the billing page again (the
  // fix that key and status name is this command), whatever was done before.
  // A spend limit the check named is lifted on its limits page, never by credits: said, and the
  // stage goes on as it would.
  // The route the profile's last check calls for (of its stored key, at the OpenAI API), as the wizard takes it.
  const last = record?.lastVerify;
  const ofThisKey = last !== undefined && last.host === undefined && (record?.key === undefined || record.key.hint === last.keyHint);
  const route = ofThisKey ? outcomeRow({ status: last.status, reason: last.limit ?? null }).route : null;
  const limit = route === 'limit' ? limitReason(last!.limit!) : null;
  const cannotSpend = route === 'billing';
  if (limit) term.say(`${m.warn} The last check of ${last!.keyHint} found that ${limit.what}: ${limit.fix} (${limit.page(last!.project)})`);
  if (cannotSpend) term.say(`${m.warn} The last check of ${last!.keyHint} found that it cannot spend (no credits): add credits on the billing page below.`);
  if (!cannotSpend && progress && 'pageDoneAt' in progress && saved && (options.choice === undefined || options.choice === saved)) {
    term.say(`${m.ok} Done on an earlier run: how to pay (${saved}) and the billing page. What is left: a budget.`);
    await budgetQuestions(ctx, options.profile);
    return 'done';
  }
  term.say(`${m.warn} A ChatGPT Plus or Pro plan includes NO API credits: the API is paid separately.`);
  term.say(`${m.warn} Free trial credits are generally no longer given; the billing overview shows your balance.`);
  term.say(
    'New accounts are prepaid: you buy credits (minimum $5, default $10), each request uses some, and credits expire after a year. $5 is plenty to start: a short request costs a fraction of a cent. Your usage tier, which sets your rate limits, starts at tier 1 with the first payment and rises with what you have paid over time.',
  );
  let choice = options.choice;
  if (!choice) {
    const prompter = ctx.prompter(`Pass --choice prepaid|auto-reload|monthly (and --done once you have bought credits):  ${toolCommand(ctx, `billing --choice ${saved ?? 'prepaid'} --done`, options.profile)}`);
    choice = await prompter.select('How do you want to pay for the API?', BILLING_CHOICES, saved ?? 'prepaid');
  }
  await recordChoice(ctx, options.profile, choice);
  if (options.done) {
    await markDoneByFlag(ctx, 'billing', options.profile);
    return 'done';
  }
  if (choice === 'auto-reload') {
    term.say('On the billing overview: "Add to credit balance", choose an amount, and keep "auto-reload" on: set the balance that triggers it, the amount to restore the balance to, and a monthly reload limit you are comfortable with.');
  } else if (choice === 'prepaid') {
    term.say('On the billing overview: "Add to credit balance", choose an amount, and switch auto-reload off.');
  } else {
    term.say('On the billing overview, check that monthly invoicing is still active for your organization.');
  }
  await showPage(ctx, 'billing');
  const outcome = await waitForPage(ctx, 'billing', 'When you are done on that page:', `Do it on the page above, then run \`${toolCommand(ctx, 'billing --done', options.profile)}\` to mark it done.`);
  if (outcome !== 'done') return outcome;
  // Progress, not yet the stage: stopped at a budget question, the next run starts there. A stage
  // done before stays done (this run only goes over it again).
  await ctx.state.updateProfile(options.profile, (p) => {
    if (!p.stages.billing?.doneAt) p.stages.billing = { pageDoneAt: ctx.clock.now().toISOString() };
  });
  await budgetQuestions(ctx, options.profile);
  return 'done';
}

/** The stage's last questions (a budget on the limits page, one for `spend`); the stage is done once they are answered. */
async function budgetQuestions(ctx: Context, profile: string): Promise<void> {
  const budget = await ctx.prompter('').confirm('Open the limits page to set a monthly budget (recommended)?', true);
  if (budget) {
    ctx.term.say('Under "Usage limits", set a monthly budget and an email alert threshold.');
    await showPage(ctx, 'limits');
    await waitForPage(ctx, 'limits', 'When you have set a budget:', `Set it on the page above: ${PAGES.limits.url}`);
  }
  await offerBudget(ctx, profile);
  await markDone(ctx, profile, 'billing');
}

async function recordChoice(ctx: Context, profile: string, choice: BillingChoice): Promise<void> {
  await ctx.state.updateProfile(profile, (p) => {
    p.billingChoice = choice;
  });
}

// The billing stage's offer of a monthly budget for `openai-setup spend` to check. Only with an
// admin key (spend needs one to read costs); without one, a line says what it would give.
import type { Context } from '../context.js';
import { envAdminKey, parseFlag } from '../options.js';
import { BudgetFlagSchema } from '../storage/admin-state.js';
import { adminKeyCommand, toolCommand } from '../terminal/advice.js';
import { marks } from '../terminal/output.js';
import { money } from '../terminal/bars.js';

export async function offerBudget(ctx: Context, profile: string): Promise<void> {
  const { term } = ctx;
  const record = (await ctx.state.read()).profiles[profile];
  if (!record?.adminKey && !envAdminKey(ctx)) {
    term.out(term.style.dim(`With an admin key (\`${adminKeyCommand(ctx, profile)}\`), \`${toolCommand(ctx, 'spend --budget 20', profile)}\` also checks what each month costs against a budget.`));
    return;
  }
  const current = record?.budget?.monthlyUsd;
  const answer = await ctx.prompter('').input(`Monthly budget for \`openai-setup spend\` to check, in dollars (${current ? '"off": none' : 'empty: none'}):`, {
    default: current === undefined ? undefined : String(current),
    validate: (value) => {
      if (value.trim() === '') return true;
      try {
        parseFlag('budget', BudgetFlagSchema, value);
        return true;
      } catch (error) {
        return (error as Error).message.replace(/^budget: /, '');
      }
    },
  });
  if (answer.trim() === '') return;
  const budget = parseFlag('budget', BudgetFlagSchema, answer);
  await ctx.state.updateProfile(profile, (p) => {
    if (budget === 'off') delete p.budget;
    else p.budget = { monthlyUsd: budget, setAt: ctx.clock.now().toISOString() };
  });
  const m = marks(term.style);
  term.out(budget === 'off' ? `${m.ok} No budget for spend to check.` : `${m.ok} \`${toolCommand(ctx, 'spend', profile)}\` checks the month against ${money(budget)}: a warning at 80%, exit 4 at 100%.`);
}

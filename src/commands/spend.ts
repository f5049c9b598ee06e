// `openai-setup spend`: what this month has cost the organization, from the Admin API's costs
// (daily buckets from the 1st 00:00 UTC, by project), with a bar per day; and a monthly budget
// remembered for the profile: a warning at 80%, exit 4 once the month's cost reaches it.
import * as z from 'zod/mini';
import { adminAuth } from '../admin-auth.js';
import { AdminApiError } from '../api/admin-failure.js';
import { fetchMonthCosts, monthBounds, monthLabel, monthOf, projectNames, summarizeCosts, type Month } from '../api/costs.js';
import type { Context } from '../context.js';
import { EXIT, FAILURE_FIELDS, UsageError } from '../errors.js';
import { PAGES } from '../platform.js';
import { adminKeyServesNow, adminKeyUsed, AdminKeyUsedSchema, requireAdminKey, type AdminKeyUsed } from '../storage/admin-key.js';
import { resolveProfileName } from '../storage/profile-key.js';
import { toolCommand } from '../terminal/advice.js';
import { bar, cents, gauge, money } from '../terminal/bars.js';
import { marks, withFailureDocument } from '../terminal/output.js';
import { jsonText, neutralise } from '../terminal/sanitize.js';
import { displayWidth, fitWidth } from '../terminal/width.js';

export interface SpendOptions {
  profile?: string;
  month?: Month;
  /** A new budget in dollars, or 'off' to forget it. */
  budget?: number | 'off';
  json: boolean;
}

/** Share of the budget from which spend warns. */
export const WARN_SHARE = 0.8;

export const LAG_NOTE = 'Costs can lag by up to a day: the last day or two may still grow.';

export const SpendJsonSchema = z.object({
  /** exitCode is 0 (below any budget); false once the budget is reached. */
  ok: z.boolean(),
  profile: z.string(),
  month: z.string(),
  from: z.string(),
  to: z.string(),
  complete: z.boolean(),
  currency: z.string(),
  total: z.number(),
  projects: z.array(z.object({ id: z.nullable(z.string()), name: z.nullable(z.string()), amount: z.number() })),
  days: z.array(z.object({ date: z.string(), amount: z.number() })),
  /** `compared` false: the month's costs are in another currency than the budget's (US dollars), so share 0, no warning, not reached. */
  budget: z.nullable(z.object({ monthlyUsd: z.number(), share: z.number(), warning: z.boolean(), reached: z.boolean(), compared: z.boolean() })),
  exitCode: z.number(),
  note: z.string(),
  /** The admin key used: OPENAI_ADMIN_KEY ("env") or the one stored for the profile. */
  adminKey: AdminKeyUsedSchema,
});
export type SpendJson = z.infer<typeof SpendJsonSchema>;

/**
 * --json when spend could not tell the month's cost (no admin key, the Admin API refused or was
 * not reached…): as verify's and doctor's, ok false, the exit code, a short reason, the message
 * printed on stderr and its fix; `budgetSaved`: the --budget this run remembered before it failed
 * (the amount, or "off" for forgotten), null when it changed none.
 */
export const SpendFailureJsonSchema = z.object({
  ...FAILURE_FIELDS,
  profile: z.nullable(z.string()),
  month: z.string(),
  budgetSaved: z.nullable(z.union([z.number(), z.literal('off')])),
  /** The admin key used, once one was found (null before). */
  adminKey: z.nullable(AdminKeyUsedSchema),
});
export type SpendFailureJson = z.infer<typeof SpendFailureJsonSchema>;

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];


export async function run(ctx: Context, options: SpendOptions): Promise<number> {
  // Null in the document until the profile is told (a bad --profile or OPENAI_SETUP_PROFILE is a failure too).
  let profileName: string | null = null;
  const saved: BudgetSaved = { budget: null, adminKey: null };
  return withFailureDocument(ctx, options.json, async () => spend(ctx, options, (profileName = await resolveProfileName(ctx, options.profile)), saved), (failed) => {
    const json: SpendFailureJson = { ...failed, profile: profileName, month: monthLabel(options.month ?? monthOf(ctx.clock.now())), budgetSaved: saved.budget, adminKey: saved.adminKey };
    return jsonText(SpendFailureJsonSchema.parse(json));
  });
}

/** What a run remembered before it failed, for its failure document. */
interface BudgetSaved {
  budget: number | 'off' | null;
  /** The admin key used, once found. */
  adminKey: AdminKeyUsed | null;
}

async function spend(ctx: Context, options: SpendOptions, profileName: string, saved: BudgetSaved): Promise<number> {
  const { term } = ctx;
  const m = marks(term.style);
  const info = options.json ? term.err : term.out;

  const now = ctx.clock.now();
  const month = options.month ?? monthOf(now);
  const { start, end } = monthBounds(month);
  // Before the budget is saved: a usage error changes nothing.
  if (start * 1000 > now.getTime()) throw new UsageError(`--month: ${monthLabel(month)} has not begun yet.`);

  if (options.budget !== undefined) {
    const budget = options.budget;
    await ctx.state.updateProfile(profileName, (p) => {
      if (budget === 'off') delete p.budget;
      else p.budget = { monthlyUsd: budget, setAt: ctx.clock.now().toISOString() };
    });
    saved.budget = budget;
    info(budget === 'off' ? `${m.ok} No monthly budget for profile "${profileName}" any more.` : `${m.ok} Monthly budget for profile "${profileName}": ${money(budget)} (remembered; spend compares each month with it).`);
  }
  const found = await requireAdminKey(ctx, profileName, 'spend');
  const { key, source } = found;
  // OPENAI_ADMIN_KEY in place of the admin key stored for the profile: said, or another organization's costs pass for this one's.
  const { used, notice } = await adminKeyUsed(ctx, profileName, found);
  saved.adminKey = used;
  if (notice) term.err(`${m.warn} ${notice}.`);
  // A fix that stores another admin key stores it where this one is: the file, where there is no keychain.
  const auth = await adminAuth(ctx, profileName, key, undefined, source.kind === 'file' ? '--insecure-storage' : '');

  const spinner = term.spinner(`Reading the costs of ${monthLabel(month)}…`);
  let names = new Map<string, string | null>();
  let namesNote: string | null = null;
  let buckets;
  try {
    // Names only make the list readable: costs need api.usage.read, names api.management.read.
    const [costs, listed] = await Promise.all([fetchMonthCosts(ctx.api.admin, auth, month, now), projectNames(ctx.api.admin, auth).catch((error: unknown) => error)]);
    buckets = costs;
    if (listed instanceof Map) names = listed;
    else if (listed instanceof AdminApiError) namesNote = `Project names could not be read (${listed.message.replace(/\.$/, '')}); ids are shown.`;
    else throw listed;
  } finally {
    spinner.stop();
  }
  // The costs were read: a record of this admin key lacking the permission to read them is forgotten.
  await adminKeyServesNow(ctx, profileName, key, 'spend');

  const summary = summarizeCosts(buckets);
  const complete = end * 1000 <= now.getTime();
  const to = complete ? new Date(end * 1000) : now;
  const budget = (await ctx.state.read()).profiles[profileName]?.budget;
  // The budget is in US dollars: costs in another currency are not compared with it.
  const compared = summary.currency === 'usd';
  // As both amounts are shown (to the cent): "$5.00 of $5.00" has reached it, $4.996 spent or $5;
  // $4.994 ($4.99) has not. The share and its percentage are of those cents, the percentage
  // rounded down: "100%" only once reached, "80%" only once warned.
  const share = budget && compared ? cents(summary.total) / cents(budget.monthlyUsd) : 0;
  const percent = budget && compared ? Math.floor((cents(summary.total) * 100) / cents(budget.monthlyUsd)) : 0;
  const reached = Boolean(budget) && compared && cents(summary.total) >= cents(budget!.monthlyUsd);
  const warning = Boolean(budget) && percent >= WARN_SHARE * 100;
  const exitCode = reached ? EXIT.noQuota : EXIT.ok;
  const projects = summary.projects.map((p) => ({ id: p.id, name: p.id ? (names.get(p.id) ?? null) : null, amount: p.amount }));

  if (options.json) {
    const json: SpendJson = {
      ok: exitCode === EXIT.ok,
      profile: profileName,
      month: monthLabel(month),
      from: new Date(start * 1000).toISOString(),
      to: to.toISOString(),
      complete,
      currency: summary.currency,
      total: summary.total,
      projects,
      days: summary.days,
      budget: budget ? { monthlyUsd: budget.monthlyUsd, share, warning, reached, compared } : null,
      exitCode,
      note: LAG_NOTE,
      adminKey: used,
    };
    if (namesNote) term.err(`${m.warn} ${namesNote}`);
    term.document(jsonText(SpendJsonSchema.parse(json)));
    return exitCode;
  }

  const cur = summary.currency;
  const monthName = `${MONTH_NAMES[month.month - 1]} ${month.year}`;
  const short = MONTH_NAMES[month.month - 1]!.slice(0, 3);
  const span = complete ? 'the whole month' : `1 ${short} – ${now.getUTCDate()} ${short} ${now.toISOString().slice(11, 16)} UTC`;
  term.out(term.style.bold(`openai-setup spend · ${monthName} · profile ${profileName}`));
  term.out(`${complete ? 'Month total  ' : 'Month to date'}  ${term.style.bold(money(summary.total, cur))}  ${term.style.dim(`(${span})`)}`);
  if (budget) {
    const width = Math.max(10, Math.min(20, term.columns - 40));
    // The cells, as the percentage, of the cents shown.
    term.out(`Budget         ${money(budget.monthlyUsd)}  ${compared ? `${gauge(cents(summary.total), cents(budget.monthlyUsd), width)} ${percent}% used` : `not compared (the costs are in ${cur.toUpperCase()})`}`);
  }

  if (projects.length) {
    term.out(term.style.bold('By project'));
    const amounts = projects.map((p) => money(p.amount, cur));
    const amountWidth = Math.max(...amounts.map((a) => a.length));
    const labels = projects.map((p) => p.name ?? p.id ?? '(no project)');
    // Measured as the terminal shows a name (neutralise: an invisible character escaped), in columns
    // (an ideograph or an emoji takes two), so that the amounts line up.
    const labelWidth = Math.max(8, Math.min(40, term.columns - 5 - amountWidth, Math.max(...labels.map((label) => displayWidth(neutralise(label))))));
    labels.forEach((label, i) => term.out(`  ${fitWidth(label, labelWidth, neutralise)}  ${amounts[i]!.padStart(amountWidth)}`));
  }

  if (summary.days.length) {
    term.out(term.style.bold('By day'));
    const amounts = summary.days.map((d) => money(d.amount, cur));
    const amountWidth = Math.max(...amounts.map((a) => a.length));
    // "  Mar 01  " + bar + "  $12.34", within the terminal's width (60 columns included).
    const barWidth = Math.max(5, Math.min(40, term.columns - 1 - 10 - 2 - amountWidth));
    const max = Math.max(...summary.days.map((d) => d.amount));
    summary.days.forEach((d, i) => {
      const label = `${MONTH_NAMES[Number(d.date.slice(5, 7)) - 1]!.slice(0, 3)} ${d.date.slice(8, 10)}`;
      const line = bar(d.amount, max, barWidth).padEnd(barWidth);
      term.out(`  ${label}  ${term.style.cyan(line)}  ${d.amount > 0 ? amounts[i]!.padStart(amountWidth) : term.style.dim(amounts[i]!.padStart(amountWidth))}`);
    });
  } else {
    term.out(term.style.dim('No costs reported for this month yet.'));
  }

  if (namesNote) term.err(`${m.warn} ${namesNote}`);
  if (budget && !compared) {
    term.say(`${m.warn} The budget of ${money(budget.monthlyUsd)} is in US dollars and this month's costs are in ${cur.toUpperCase()}: they are not compared (no exchange rate is known here).`);
  } else if (budget && reached) {
    term.out(`${m.fail} ${term.style.bold(`The ${complete ? "month's" : "month-to-date"} cost ${money(summary.total, cur)} has reached the budget of ${money(budget.monthlyUsd)}.`)}`);
  } else if (budget && warning) {
    term.out(`${m.warn} ${percent}% of the ${money(budget.monthlyUsd)} monthly budget is used.`);
  }
  // Sentences are wrapped to the terminal, so that 60 columns read as well as 100.
  if (budget && warning) term.say(`This budget is checked here only; a limit that stops requests is set on the limits page: ${PAGES.limits.url}`, '  ');
  if (!budget) term.say(`Set a monthly budget to check against: \`${toolCommand(ctx, 'spend --budget 20', profileName)}\``);
  term.say(`${LAG_NOTE} Details: ${PAGES.usage.url}`);
  return exitCode;
}

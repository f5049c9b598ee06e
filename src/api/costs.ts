// A month's costs from the Admin API's costs endpoint: daily buckets from the 1st 00:00 UTC,
// grouped by project, every page followed; then summed by day and by project. The arithmetic is
// pure (summarizeCosts) so that it is tested without any API.
import { ExitError, EXIT, ReasonedExitError } from '../errors.js';
import { PAGES } from '../platform.js';
import type { AdminApi, AdminAuth, CostBucket } from './types.js';

export interface Month {
  year: number;
  /** 1–12. */
  month: number;
}

/** "2026-03" */
export function monthLabel(m: Month): string {
  return `${m.year}-${String(m.month).padStart(2, '0')}`;
}

export function monthOf(date: Date): Month {
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1 };
}

/** The month's first second and the next month's, in Unix seconds (UTC). */
export function monthBounds(m: Month): { start: number; end: number } {
  return { start: Date.UTC(m.year, m.month - 1, 1) / 1000, end: Date.UTC(m.year, m.month, 1) / 1000 };
}

export interface CostSummary {
  total: number;
  /** The currency of every amount, lower case ("usd"; "usd" too when there is none). */
  currency: string;
  /** Highest first; a null id for costs the API gave without a project. */
  projects: Array<{ id: string | null; amount: number }>;
  /** Every day the API gave a bucket for, in order ("2026-03-01"). */
  days: Array<{ date: string; amount: number }>;
}

/**
 * Each amount the API gives is rounded once to whole microdollars, as it comes in, and summed as
 * an integer, so every sum is exact (to $9 billion): in binary floating point 3.5 + 1.25 + 0.1 +
 * 0.1 reads 4.949999999999999, below a budget of $4.95 and so in --json. Back in dollars, a sum
 * is the number its decimals say.
 */
const micros = (dollars: number): number => Math.round(dollars * 1e6);
const dollars = (micros: number): number => micros / 1e6;

/**
 * The month summed. Amounts in two currencies are never added: every figure spend shows (the
 * total, each project, each day and its bar, the budget's share) is a sum, and no exchange rate is
 * known here; OpenAI bills an organization in one currency, so such an answer fails, saying so.
 */
export function summarizeCosts(buckets: CostBucket[]): CostSummary {
  const byProject = new Map<string | null, number>();
  const byDay = new Map<string, number>();
  const currencies = new Set<string>();
  let total = 0;
  for (const bucket of [...buckets].sort((a, b) => a.startTime - b.startTime)) {
    const date = new Date(bucket.startTime * 1000).toISOString().slice(0, 10);
    let day = byDay.get(date) ?? 0;
    for (const result of bucket.results) {
      currencies.add(result.currency.toLowerCase());
      const amount = micros(result.amount);
      total += amount;
      day += amount;
      byProject.set(result.projectId, (byProject.get(result.projectId) ?? 0) + amount);
    }
    byDay.set(date, day);
  }
  if (currencies.size > 1) {
    const named = [...currencies].map((c) => c.toUpperCase()).sort().join(', ');
    throw new ReasonedExitError(
      EXIT.network,
      `Reading the organization's costs failed: the API gave this month's costs in more than one currency (${named}), which openai-setup does not add together.`,
      [`See them on the usage page: ${PAGES.usage.url}`],
      'mixed_currencies',
    );
  }
  return {
    total: dollars(total),
    currency: [...currencies][0] ?? 'usd',
    projects: [...byProject.entries()].map(([id, amount]) => ({ id, amount: dollars(amount) })).sort((a, b) => b.amount - a.amount),
    days: [...byDay.entries()].map(([date, amount]) => ({ date, amount: dollars(amount) })),
  };
}

/** More pages than any month has days (at least one bucket a page): a cursor that never ends. */
const MAX_PAGES = 62;

/**
 * Every daily bucket of the month, grouped by project, each once. The current month is asked up to
 * now (no end_time: the API's default); a past month up to its last day. Only a bucket that starts
 * in the month is the month's: the API's clock may be past the 1st of the next one while this
 * machine's is not (its bucket of that day is not this month's cost). A bucket a page gave again
 * (the same start) is counted once, as the first page gave it.
 */
export async function fetchMonthCosts(api: AdminApi, auth: AdminAuth, month: Month, now: Date): Promise<CostBucket[]> {
  const { start, end } = monthBounds(month);
  const current = end * 1000 > now.getTime();
  const buckets = new Map<number, CostBucket>();
  const seen = new Set<string>();
  let page: string | undefined;
  for (let count = 0; ; count++) {
    if (count >= MAX_PAGES) throw new ExitError(EXIT.network, `Reading the costs failed: the API kept answering with more pages (${MAX_PAGES} read).`);
    const answer = await api.costs(auth, { startTime: start, ...(current ? {} : { endTime: end }), groupBy: ['project_id'], limit: 31, ...(page ? { page } : {}) });
    for (const bucket of answer.buckets) {
      if (bucket.startTime >= start && bucket.startTime < end && !buckets.has(bucket.startTime)) buckets.set(bucket.startTime, bucket);
    }
    if (!answer.nextPage) return [...buckets.values()];
    if (seen.has(answer.nextPage)) throw new ExitError(EXIT.network, 'Reading the costs failed: the API gave the same page twice.');
    seen.add(answer.nextPage);
    page = answer.nextPage;
  }
}

/** Project names by id, from every page of the project list (archived projects included). */
export async function projectNames(api: AdminApi, auth: AdminAuth): Promise<Map<string, string | null>> {
  const names = new Map<string, string | null>();
  let after: string | undefined;
  for (let count = 0; count < MAX_PAGES; count++) {
    // Archived ones too: their costs stay in the month's.
    const page = await api.listProjects(auth, { limit: 100, includeArchived: true, ...(after ? { after } : {}) });
    for (const project of page.data) names.set(project.id, project.name);
    if (!page.hasMore || !page.lastId || page.lastId === after) break;
    after = page.lastId;
  }
  return names;
}

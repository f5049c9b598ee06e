// spend through Context (the real Admin API client over an in-memory organization), and the pure
// parts: the month's arithmetic, the bars, the flags; and the billing stage's budget offer.
import { describe, expect, it } from 'vitest';
import { createAdminApi } from '../../src/api/admin.js';
import { monthBounds, summarizeCosts } from '../../src/api/costs.js';
import { run as billing } from '../../src/commands/billing.js';
import { run as spend, SpendFailureJsonSchema, SpendJsonSchema, type SpendOptions } from '../../src/commands/spend.js';
import { run as rotate } from '../../src/commands/rotate.js';
import { UsageError } from '../../src/errors.js';
import { parseFlag } from '../../src/options.js';
import { BudgetFlagSchema, MonthFlagSchema } from '../../src/storage/admin-state.js';
import { bar, gauge, money } from '../../src/terminal/bars.js';
import { displayWidth } from '../../src/terminal/width.js';
import { flat, makeTestContext, outcomeOf, type TestContext, type TestContextOptions } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const ADMIN = makeKey('admin', 'unit-spend');
const APP = 'proj_SpendApp0000000000000000';
const BATCH = 'proj_SpendBatch00000000000000';

const contexts = trackedContexts();
function setup(options: TestContextOptions = {}): TestContext {
  const t = contexts.make({ admin: true, keychain: { 'default:admin': ADMIN }, ...options });
  t.org.admin.addAdminKey(ADMIN);
  t.org.admin.addProject({ id: APP, name: 'my-app' });
  t.org.admin.addProject({ id: BATCH, name: 'nightly-batch' });
  // FIXED_NOW is 2026-03-02 09:30 UTC.
  t.org.admin.addCost({ day: '2026-02-27', projectId: APP, amount: 3 });
  t.org.admin.addCost({ day: '2026-03-01', projectId: APP, amount: 8 });
  t.org.admin.addCost({ day: '2026-03-01', projectId: BATCH, amount: 1.5 });
  t.org.admin.addCost({ day: '2026-03-02', projectId: APP, amount: 2.84 });
  return t;
}

const options = (extra: Partial<SpendOptions> = {}): SpendOptions => ({ json: false, ...extra });

describe('the month, summed', () => {
  it('sums by day and by project, highest project first', () => {
    const day = (d: number) => Date.UTC(2026, 2, d) / 1000;
    const summary = summarizeCosts([
      { startTime: day(2), endTime: day(3), results: [{ amount: 0.25, currency: 'usd', projectId: 'p1', lineItem: null }] },
      { startTime: day(1), endTime: day(2), results: [{ amount: 1, currency: 'usd', projectId: 'p2', lineItem: null }, { amount: 0.5, currency: 'usd', projectId: 'p1', lineItem: null }] },
      { startTime: day(3), endTime: day(4), results: [] },
    ]);
    expect(summary).toEqual({
      total: 1.75,
      currency: 'usd',
      projects: [
        { id: 'p2', amount: 1 },
        { id: 'p1', amount: 0.75 },
      ],
      days: [
        { date: '2026-03-01', amount: 1.5 },
        { date: '2026-03-02', amount: 0.25 },
        { date: '2026-03-03', amount: 0 },
      ],
    });
    expect(monthBounds({ year: 2026, month: 12 })).toEqual({ start: Date.UTC(2026, 11, 1) / 1000, end: Date.UTC(2027, 0, 1) / 1000 });
  });

  it('draws bars to an eighth of a character, never empty above 0; money in dollars', () => {
    expect(bar(10, 10, 4)).toBe('████');
    expect(bar(5, 10, 4)).toBe('██');
    expect(bar(1, 10, 4)).toBe('▍');
    expect(bar(0.0001, 10, 4)).toBe('▏');
    expect(bar(0, 10, 4)).toBe('');
    expect(gauge(50, 100, 10)).toBe('[█████░░░░░]');
    expect(gauge(170, 100, 4)).toBe('[████]');
    // Rounded down, as the percentage: full only once reached; one cell for any amount above 0.
    expect(gauge(99, 100, 10)).toBe('[█████████░]');
    expect(gauge(1, 1000, 10)).toBe('[█░░░░░░░░░]');
    expect(gauge(0, 100, 10)).toBe('[░░░░░░░░░░]');
    expect(money(12.345)).toBe('$12.35');
    expect(money(0.004)).toBe('$0.00');
    expect(money(3, 'eur')).toBe('3.00 EUR');
  });

  it('reads --budget and --month, naming the flag when wrong', () => {
    expect(parseFlag('--budget', BudgetFlagSchema, '20')).toBe(20);
    expect(parseFlag('--budget', BudgetFlagSchema, '$12.50')).toBe(12.5);
    expect(parseFlag('--budget', BudgetFlagSchema, 'off')).toBe('off');
    expect(() => parseFlag('--budget', BudgetFlagSchema, '0')).toThrow(/--budget: must be more than \$0/);
    expect(() => parseFlag('--budget', BudgetFlagSchema, 'lots')).toThrow(UsageError);
    // Every wrong value is told what a right one is (never zod's "Invalid input").
    const amount = '--budget: must be an amount in dollars (more than 0, with at most 2 decimals), like 20 or 12.50, or "off" to forget the budget';
    for (const value of ['-5', 'abc', '1e9', '0.001', 'lots', '']) {
      expect(() => parseFlag('--budget', BudgetFlagSchema, value)).toThrow(`${amount} (got "${value}").`);
    }
    expect(() => parseFlag('--budget', BudgetFlagSchema, '1000000000')).toThrow('--budget: must be at most $100,000,000 (or "off" to forget the budget) (got "1000000000").');
    expect(parseFlag('--budget', BudgetFlagSchema, '100000000')).toBe(100_000_000);
    expect(parseFlag('--budget', BudgetFlagSchema, ' 7 ')).toBe(7);
    expect(parseFlag('--month', MonthFlagSchema, '2026-02')).toEqual({ year: 2026, month: 2 });
    expect(() => parseFlag('--month', MonthFlagSchema, '2026-13')).toThrow(/--month: must be a month as YYYY-MM/);
    // Years before the API are refused in one line (Date.UTC would read 0099 as 1999, 0000 as 1900).
    for (const value of ['0099-05', '0000-01', '1999-12', '2019-12']) {
      expect(() => parseFlag('--month', MonthFlagSchema, value)).toThrow(`--month: must be 2020-01 or later (the OpenAI API has no costs before 2020) (got "${value}").`);
    }
    expect(parseFlag('--month', MonthFlagSchema, '2020-01')).toEqual({ year: 2020, month: 1 });
  });
});

describe('spend', () => {
  it('shows the month to date, by project (by name) and a bar per day, from the 1st 00:00 UTC grouped by project', async () => {
    const t = setup({ columns: 60 });
    expect(await spend(t.ctx, options())).toBe(0);
    const lines = t.stdout.trimEnd().split('\n');
    expect(lines).toEqual([
      'openai-setup spend · March 2026 · profile default',
      'Month to date  $12.34  (1 Mar – 2 Mar 09:30 UTC)',
      'By project',
      '  my-app         $10.84',
      '  nightly-batch   $1.50',
      'By day',
      `  Mar 01  ${'█'.repeat(40)}  $9.50`,
      `  Mar 02  ${'█'.repeat(12).padEnd(40)}  $2.84`,
      // The command is never broken across lines: it pastes back whole.
      'Set a monthly budget to check against:',
      '`openai-setup spend --budget 20`',
      'Costs can lag by up to a day: the last day or two may still',
      'grow. Details: https://platform.openai.com/usage',
    ]);
    const costs = t.org.requests.find((r) => r.path === '/v1/organization/costs')!;
    expect(Object.fromEntries(new URLSearchParams(costs.query))).toEqual({ start_time: String(Date.UTC(2026, 2, 1) / 1000), bucket_width: '1d', 'group_by[]': 'project_id', limit: '31' });
    expect(t.stdout + t.stderr).not.toContain(ADMIN);
  });

  it('fits 60 columns, budget and warnings included', async () => {
    const t = setup({ columns: 60 });
    await t.ctx.state.updateProfile('default', (p) => {
      p.budget = { monthlyUsd: 15, setAt: '2026-03-01T00:00:00.000Z' };
    });
    await spend(t.ctx, options());
    const lines = t.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(60);
  });

  it('follows next_page when the API pages before the limit', async () => {
    const t = setup();
    t.org.admin.toggles.maxBucketsPerPage = 1;
    expect(await spend(t.ctx, options({ json: true }))).toBe(0);
    const pages = t.org.requests.filter((r) => r.path === '/v1/organization/costs');
    expect(pages).toHaveLength(2);
    expect(new URLSearchParams(pages[1]!.query).get('page')).toMatch(/^page_/);
    expect(SpendJsonSchema.parse(JSON.parse(t.stdout)).total).toBeCloseTo(12.34);
  });

  it('remembers a budget once; warns from 80%; exits 4 once the month has reached it (--json says so too)', async () => {
    const t = setup();
    expect(await spend(t.ctx, options({ budget: 15 }))).toBe(0);
    expect((await t.profile())?.budget).toEqual({ monthlyUsd: 15, setAt: '2026-03-02T09:30:00.000Z' });
    expect(t.stdout).toContain('✔ Monthly budget for profile "default": $15.00 (remembered');
    expect(t.stdout).toMatch(/Budget {9}\$15\.00  \[█{16}░{4}\] 82% used/);
    expect(t.stdout).toContain('! 82% of the $15.00 monthly budget is used.');
    expect(t.stdout).toContain('This budget is checked here only; a limit that stops requests is set on the limits page');

    const reached = setup();
    await reached.ctx.state.updateProfile('default', (p) => {
      p.budget = { monthlyUsd: 12, setAt: '2026-03-01T00:00:00.000Z' };
    });
    expect(await spend(reached.ctx, options())).toBe(4);
    expect(reached.stdout).toContain('✖ The month-to-date cost $12.34 has reached the budget of $12.00.');
    const json = setup();
    await json.ctx.state.updateProfile('default', (p) => {
      p.budget = { monthlyUsd: 12, setAt: '2026-03-01T00:00:00.000Z' };
    });
    expect(await spend(json.ctx, options({ json: true }))).toBe(4);
    const data = SpendJsonSchema.parse(JSON.parse(json.stdout));
    expect(data).toMatchObject({ month: '2026-03', complete: false, currency: 'usd', exitCode: 4, budget: { monthlyUsd: 12, warning: true, reached: true } });
    expect(data.projects).toEqual([
      { id: APP, name: 'my-app', amount: 10.84 },
      { id: BATCH, name: 'nightly-batch', amount: 1.5 },
    ]);

    // Amounts binary floating point cannot add exactly: $4.95 spent of a $4.95 budget has reached it.
    const exact = contexts.make({ admin: true, keychain: { 'default:admin': ADMIN } });
    exact.org.admin.addAdminKey(ADMIN);
    for (const amount of [3.5, 1.25, 0.1, 0.1]) exact.org.admin.addCost({ day: '2026-03-01', projectId: APP, amount });
    expect(await spend(exact.ctx, options({ budget: 4.95, json: true }))).toBe(4);
    expect(SpendJsonSchema.parse(JSON.parse(exact.stdout))).toMatchObject({ total: 4.95, days: [{ date: '2026-03-01', amount: 4.95 }, { date: '2026-03-02', amount: 0 }], budget: { reached: true } });

    // Reached as the amounts are shown, to the cent: $4.996 shows as $5.00 of $5.00; $4.994 as $4.99,
    // which is 99% (the percentage of those cents, rounded down: 100% only once reached), and
    // warned of from 80% of them ($4.00), never shown as 80% without the warning. The 20 cells of
    // the bar are of those cents too, rounded down: full only once reached; one for any spend.
    for (const [amount, code, percent, line, cells] of [
      [4.996, 4, 100, '✖ The month-to-date cost $5.00 has reached the budget of $5.00.', 20],
      [4.994, 0, 99, '! 99% of the $5.00 monthly budget is used.', 19],
      [3.996, 0, 80, '! 80% of the $5.00 monthly budget is used.', 16],
      [3.994, 0, 79, null, 15],
      [0.01, 0, 0, null, 1],
    ] as const) {
      const t = contexts.make({ admin: true, keychain: { 'default:admin': ADMIN } });
      t.org.admin.addAdminKey(ADMIN);
      t.org.admin.addCost({ day: '2026-03-01', projectId: APP, amount });
      expect(await spend(t.ctx, options({ budget: 5 }))).toBe(code);
      expect(t.stdout).toMatch(new RegExp(`  \\[${'█'.repeat(cells)}${'░'.repeat(20 - cells)}\\] ${percent}% used\n`));
      if (line) expect(t.stdout).toContain(line);
      else expect(t.stdout).not.toMatch(/^[!✖] /m);
      const j = contexts.make({ admin: true, keychain: { 'default:admin': ADMIN } });
      j.org.admin.addAdminKey(ADMIN);
      j.org.admin.addCost({ day: '2026-03-01', projectId: APP, amount });
      expect(await spend(j.ctx, options({ budget: 5, json: true }))).toBe(code);
      expect(SpendJsonSchema.parse(JSON.parse(j.stdout)).budget).toEqual({ monthlyUsd: 5, share: Math.round(amount * 100) / 500, warning: percent >= 80, reached: code === 4, compared: true });
    }

    const off = setup();
    await spend(off.ctx, options({ budget: 15 }));
    await spend(off.ctx, options({ budget: 'off' }));
    expect((await off.profile())?.budget).toBeUndefined();
  });

  it('--month reads a whole past month (with its end); a month to come is a usage error', async () => {
    const t = setup();
    expect(await spend(t.ctx, options({ month: { year: 2026, month: 2 }, json: true }))).toBe(0);
    const data = SpendJsonSchema.parse(JSON.parse(t.stdout));
    expect(data).toMatchObject({ month: '2026-02', complete: true, total: 3, from: '2026-02-01T00:00:00.000Z', to: '2026-03-01T00:00:00.000Z' });
    expect(data.days).toHaveLength(28);
    const costs = t.org.requests.find((r) => r.path === '/v1/organization/costs')!;
    expect(new URLSearchParams(costs.query).get('end_time')).toBe(String(Date.UTC(2026, 2, 1) / 1000));

    const later = setup();
    const future = await outcomeOf(spend(later.ctx, options({ month: { year: 2026, month: 4 }, budget: 30 })));
    expect(future).toMatchObject({ code: 2, message: '--month: 2026-04 has not begun yet.' });
    // A usage error changes nothing: the budget given with it is not remembered.
    expect((await later.profile())?.budget).toBeUndefined();
    expect(later.stdout).not.toContain('remembered');
  });

  it('without an admin key: exit 2 saying how to store one (a budget given is still remembered)', async () => {
    const t = contexts.make({ admin: true });
    const result = await outcomeOf(spend(t.ctx, options({ budget: 20 })));
    expect(result.code).toBe(2);
    expect(result.message).toMatch(/`spend` needs an organization admin key/);
    expect(result.hints.join('\n')).toMatch(/openai-setup admin-key/);
    expect((await t.profile())?.budget?.monthlyUsd).toBe(20);
    expect(t.org.requests).toEqual([]);

    // --json: the failure document says the budget was remembered all the same.
    const json = contexts.make({ admin: true });
    expect((await outcomeOf(spend(json.ctx, options({ budget: 25, json: true })))).code).toBe(2);
    expect(SpendFailureJsonSchema.parse(JSON.parse(json.stdout))).toMatchObject({ ok: false, exitCode: 2, reason: 'usage', budgetSaved: 25 });
    expect(json.stderr).toContain('Monthly budget for profile "default": $25.00 (remembered');
    const off = contexts.make({ admin: true });
    await outcomeOf(spend(off.ctx, options({ budget: 'off', json: true })));
    expect(SpendFailureJsonSchema.parse(JSON.parse(off.stdout))).toMatchObject({ budgetSaved: 'off' });
  });

  it('a project key in OPENAI_ADMIN_KEY gets "this needs an admin key" (exit 5); an admin key without names shows ids', async () => {
    const projectKey = makeKey('proj', 'unit-spend-project');
    const t = setup({ env: { OPENAI_ADMIN_KEY: projectKey } });
    t.org.addKey(projectKey, { scenario: 'valid', project: APP });
    const result = await outcomeOf(spend(t.ctx, options()));
    expect(result.code).toBe(5);
    expect(result.message).toMatch(/^This needs an admin key: sk-proj-…\S{4} is a project key, which cannot manage the organization \(the API says: missing api\.usage\.read\)\.$/);

    const usageOnly = makeKey('admin', 'unit-spend-usage-only');
    const u = setup({ env: { OPENAI_ADMIN_KEY: usageOnly } });
    u.org.admin.addAdminKey(usageOnly, { scopes: ['api.usage.read'] });
    expect(await spend(u.ctx, options())).toBe(0);
    expect(u.stdout).toContain(`  ${APP}  $10.84`);
    expect(u.stderr).toMatch(/Project names could not be read \(The admin key sk-admin-…\S{4} lacks the permission api\.management\.read/);
  });
});

describe('spend: project names as they are', () => {
  // The reviewer's name: Hangul, an emoji with its variation selector (U+FE0F), Arabic.
  const NAME = '한국어 앱 ☕\ufe0f تطبيق';

  it('a name in any script, with an emoji, is shown as it is, and --json carries it as it is', async () => {
    const t = setup();
    t.org.admin.addProject({ id: 'proj_SpendIntl00000000000000', name: NAME });
    t.org.admin.addCost({ day: '2026-03-01', projectId: 'proj_SpendIntl00000000000000', amount: 4 });
    expect(await spend(t.ctx, options())).toBe(0);
    expect(t.stdout).toContain(`  ${NAME}`);
    expect(t.stdout).not.toContain('\\u');

    const j = setup();
    j.org.admin.addProject({ id: 'proj_SpendIntl00000000000000', name: NAME });
    j.org.admin.addCost({ day: '2026-03-01', projectId: 'proj_SpendIntl00000000000000', amount: 4 });
    expect(await spend(j.ctx, options({ json: true }))).toBe(0);
    expect(j.stdout).toContain(`"name": "${NAME}"`);
    expect(SpendJsonSchema.parse(JSON.parse(j.stdout)).projects).toContainEqual({ id: 'proj_SpendIntl00000000000000', name: NAME, amount: 4 });
  });

  it('an invisible character in a name is shown escaped, and --json carries the real one (as a JSON escape, never raw)', async () => {
    const hidden = 'my\u200bapp\u202e';
    const t = setup();
    t.org.admin.addProject({ id: 'proj_SpendOdd000000000000000', name: hidden });
    t.org.admin.addCost({ day: '2026-03-01', projectId: 'proj_SpendOdd000000000000000', amount: 4 });
    expect(await spend(t.ctx, options())).toBe(0);
    expect(t.stdout).toContain('  my\\u200bapp\\u202e ');
    expect(t.stdout).not.toMatch(/[\u200b\u202e]/);

    const j = setup();
    j.org.admin.addProject({ id: 'proj_SpendOdd000000000000000', name: hidden });
    j.org.admin.addCost({ day: '2026-03-01', projectId: 'proj_SpendOdd000000000000000', amount: 4 });
    expect(await spend(j.ctx, options({ json: true }))).toBe(0);
    expect(j.stdout).not.toMatch(/[\u200b\u202e]/);
    expect(j.stdout).toContain('"name": "my\\u200bapp\\u202e"');
    expect(SpendJsonSchema.parse(JSON.parse(j.stdout)).projects).toContainEqual({ id: 'proj_SpendOdd000000000000000', name: hidden, amount: 4 });
  });
});

describe('spend: the amounts line up, whatever the names', () => {
  /** The lines under "By project". */
  const byProject = (stdout: string) => {
    const lines = stdout.split('\n');
    const from = lines.indexOf('By project') + 1;
    return lines.slice(from, lines.indexOf('By day'));
  };

  it('a name shown escaped is padded as shown, a name of wide characters (CJK) by the columns it takes', async () => {
    const t = setup({ columns: 80 });
    t.org.admin.addProject({ id: 'proj_SpendWide00000000000000', name: '東京プロジェクト' });
    t.org.admin.addCost({ day: '2026-03-01', projectId: 'proj_SpendWide00000000000000', amount: 4 });
    t.org.admin.addProject({ id: 'proj_SpendOdd000000000000000', name: 'my\u200bapp\u202e' });
    t.org.admin.addCost({ day: '2026-03-01', projectId: 'proj_SpendOdd000000000000000', amount: 2 });
    // A Devanagari conjunct (a ZWJ after the virama) and vowel signs: 4 columns of 8 characters.
    t.org.admin.addProject({ id: 'proj_SpendDeva00000000000000', name: 'क्\u200dषेत्र' });
    t.org.admin.addCost({ day: '2026-03-01', projectId: 'proj_SpendDeva00000000000000', amount: 1.75 });
    expect(await spend(t.ctx, options())).toBe(0);
    // The widest name as shown: `my\u200bapp\u202e`, 17 columns; the CJK one takes 16 (8 characters).
    expect(byProject(t.stdout)).toEqual([
      `  my-app${' '.repeat(11)}  $10.84`,
      `  東京プロジェクト${' '.repeat(1)}   $4.00`,
      '  my\\u200bapp\\u202e   $2.00',
      `  क्\u200dषेत्र${' '.repeat(13)}   $1.75`,
      `  nightly-batch${' '.repeat(4)}   $1.50`,
    ]);
  });

  it('columns as a terminal takes them: two for a wide character or an emoji sequence, none for a mark or a joiner in text', () => {
    const table: Array<[string, number]> = [
      ['my-app', 6],
      ['東京', 4],
      ['ｆｕｌｌ', 8],
      ['☕\ufe0f 👨\u200d👩\u200d👧 1\ufe0f\u20e3 👩🏽\u200d💻', 11],
      ['\u{1f3f4}\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}', 2],
      ['e\u0301', 1],
      ['می\u200cخواهم', 7],
      ['क्\u200dष', 2],
      ['葛\u{e0100}城', 4],
      ['my\\u200bapp', 11],
    ];
    for (const [text, columns] of table) expect(displayWidth(text), text).toBe(columns);
  });

  it('a name of wide characters past the column is cut by the columns it takes', async () => {
    const t = setup({ columns: 80 });
    t.org.admin.addProject({ id: 'proj_SpendWide00000000000000', name: '東京'.repeat(12) });
    t.org.admin.addCost({ day: '2026-03-01', projectId: 'proj_SpendWide00000000000000', amount: 4 });
    expect(await spend(t.ctx, options())).toBe(0);
    // 40 columns: 19 ideographs (38), the ellipsis and a space.
    expect(byProject(t.stdout)).toEqual([`  my-app${' '.repeat(34)}  $10.84`, `  ${'東京'.repeat(9)}東… ${'  '} $4.00`, `  nightly-batch${' '.repeat(27)}   $1.50`]);
  });
});

describe('spend: what it says when it cannot tell', () => {
  it('costs no month has (a time past any date, an amount past a trillion dollars, an infinite one): one line, exit 6, no stack', async () => {
    const bucket = (startTime: number, value: unknown) => ({ object: 'bucket', start_time: startTime, end_time: startTime + 86400, results: [{ object: 'organization.costs.result', amount: { value, currency: 'usd' }, project_id: APP }] });
    const start = Date.UTC(2026, 2, 1) / 1000;
    for (const [data, said] of [
      [[bucket(1e300, 1)], 'a bucket time of 1e+300'],
      [[bucket(-1e15, 1)], 'a bucket time of -1000000000000000'],
      [[bucket(start, '1e309')], 'an amount of 1e309'],
      [[bucket(start, 5e12)], 'an amount of 5000000000000'],
    ] as const) {
      const t = setup();
      const real = t.org.fetch;
      t.ctx.api.admin = createAdminApi({
        env: {},
        fetch: async (input, init) =>
          String(input).includes('/organization/costs') ? new Response(JSON.stringify({ object: 'page', data, has_more: false, next_page: null }), { headers: { 'content-type': 'application/json' } }) : real(input, init),
      });
      for (const json of [false, true]) {
        const result = await outcomeOf(spend(t.ctx, options({ json })));
        expect(result.code).toBe(6);
        expect(result.message).toBe(`Reading the organization's costs failed: the API answered with ${said}, which is no cost openai-setup can add up.`);
      }
      expect(SpendFailureJsonSchema.parse(JSON.parse(t.stdout.slice(t.stdout.indexOf('{'))))).toMatchObject({ ok: false, exitCode: 6, reason: 'server_error' });
      expect(t.stdout + t.stderr).not.toMatch(/RangeError|ZodError|at \w+ \(/);
    }
  });

  it('--json prints its one document on a failure too: ok false, the exit code, the reason, the message and fix', async () => {
    const none = contexts.make({ admin: true });
    const usage = await outcomeOf(spend(none.ctx, options({ json: true })));
    expect(usage.code).toBe(2);
    expect(SpendFailureJsonSchema.parse(JSON.parse(none.stdout))).toEqual({ ok: false, exitCode: 2, reason: 'usage', message: usage.message, fix: usage.hints.join('\n'), profile: 'default', month: '2026-03', budgetSaved: null, adminKey: null });

    const projectKey = makeKey('proj', 'unit-spend-json');
    const t = setup({ env: { OPENAI_ADMIN_KEY: projectKey } });
    t.org.addKey(projectKey, { scenario: 'valid', project: APP });
    expect((await outcomeOf(spend(t.ctx, options({ json: true, month: { year: 2026, month: 2 } })))).code).toBe(5);
    expect(SpendFailureJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({ ok: false, exitCode: 5, reason: 'needs_admin_key', month: '2026-02' });
    expect(t.stdout).not.toContain(projectKey);

    // Success has ok too (false once the budget is reached, with its data).
    const fine = setup();
    expect(await spend(fine.ctx, options({ json: true }))).toBe(0);
    expect(SpendJsonSchema.parse(JSON.parse(fine.stdout)).ok).toBe(true);
  });

  it("the API's error message is made one safe, bounded line: no forged line, no escape, at most 500 characters of it", async () => {
    const t = setup();
    t.org.admin.failNext({ path: '/v1/organization/costs' }, { status: 400, message: `Bad.\n✔ The key works and can spend.\x1b]52;c;ZXZpbA==\x07 ${ADMIN} ${'x'.repeat(700)}`, type: 'invalid_request_error' });
    const result = await outcomeOf(spend(t.ctx, options()));
    expect(result.code).toBe(5);
    expect(result.message).toMatch(/^Reading the organization's costs was refused \(HTTP 400\): Bad\. ✔ The key works and can spend\.\\x1b\]52;c;ZXZpbA==\\x07 sk-admin-…\S{4} x+…$/);
    expect(result.message.length).toBeLessThanOrEqual(560);
    expect(result.message).not.toContain(ADMIN);
  });

  it('names the profile in the admin-key command; a rejected OPENAI_ADMIN_KEY is to be fixed or unset (it overrides any stored key)', async () => {
    const projectKey = makeKey('proj', 'unit-spend-profile');
    const t = setup({ keychain: { 'z:admin': projectKey } });
    t.org.addKey(projectKey, { scenario: 'valid', project: APP });
    // A project key stored as the admin key is not sent (stored-admin-key.test.ts): its fix names the profile.
    const needs = await outcomeOf(spend(t.ctx, options({ profile: 'z' })));
    expect(needs.code).toBe(3);
    expect(needs.hints[0]).toBe('Store your admin key again with `openai-setup admin-key --profile z` (it replaces what is stored).');
    expect(t.org.requests).toEqual([]);

    const limited = makeKey('admin', 'unit-spend-limited');
    const u = setup({ keychain: { 'z:admin': limited } });
    u.org.admin.addAdminKey(limited, { scopes: ['api.management.read'] });
    const scope = await outcomeOf(spend(u.ctx, options({ profile: 'z' })));
    expect(scope.message).toMatch(/lacks the permission api\.usage\.read/);
    expect(scope.hints[0]).toMatch(/store it \(it asks for the key, hidden\):  openai-setup admin-key --profile z$/);

    const revoked = makeKey('admin', 'unit-spend-revoked');
    const v = setup({ env: { OPENAI_ADMIN_KEY: revoked } });
    const rejected = await outcomeOf(spend(v.ctx, options({ profile: 'z' })));
    expect(rejected.code).toBe(3);
    expect(rejected.message).toMatch(/^The API rejected the admin key sk-admin-…\S{4} \(from OPENAI_ADMIN_KEY\)/);
    expect(rejected.hints[0]).toBe(
      'OPENAI_ADMIN_KEY in this shell holds this key, and is used instead of any stored admin key: set it to a working admin key, or unset OPENAI_ADMIN_KEY to use the admin key stored for the profile; to store one (it asks for the key, hidden):  openai-setup admin-key --profile z',
    );
    expect(rejected.hints.join('\n')).not.toMatch(/Create a new admin key/);
    // Where nothing can ask (a script, CI): the command that stores one is a pipe, never of the variable that failed.
    const w = setup({ interactive: false, env: { OPENAI_ADMIN_KEY: revoked } });
    const script = await outcomeOf(spend(w.ctx, options({ profile: 'z' })));
    expect(script.code).toBe(3);
    expect(script.hints[0]).toBe(
      'OPENAI_ADMIN_KEY in this shell holds this key, and is used instead of any stored admin key: set it to a working admin key, or unset OPENAI_ADMIN_KEY to use the admin key stored for the profile; to store one (pipe the key in, in place of …):  … | openai-setup admin-key --stdin --profile z',
    );
  });

  it('warns of an insecure way to the API before sending the admin key (NODE_TLS_REJECT_UNAUTHORIZED=0), once', async () => {
    const t = setup({ env: { NODE_TLS_REJECT_UNAUTHORIZED: '0' } });
    expect(await spend(t.ctx, options({ json: true }))).toBe(0);
    expect(t.stderr.match(/NODE_TLS_REJECT_UNAUTHORIZED=0 is set: TLS certificates are not checked/g)).toHaveLength(1);
    SpendJsonSchema.parse(JSON.parse(t.stdout));
  });
});

describe("the billing stage's budget offer", () => {
  it('asks for a budget when an admin key is stored, and remembers it', async () => {
    const t = setup();
    await t.ctx.state.updateProfile('default', (p) => {
      p.adminKey = { storage: 'keychain', hint: 'sk-admin-…abcd', savedAt: '2026-03-01T00:00:00.000Z' };
    });
    t.prompts
      .whenSelect('How do you want to pay for the API?', 'auto-reload')
      .whenSelect('When you are done on that page:', 'done')
      .whenConfirm('Open the limits page to set a monthly budget (recommended)?', false)
      .whenInput('Monthly budget for `openai-setup spend` to check, in dollars (empty: none):', '25');
    expect(await billing(t.ctx, { done: false })).toBe(0);
    expect((await t.profile())?.budget?.monthlyUsd).toBe(25);
    expect(t.stdout).toContain('`openai-setup spend` checks the month against $25.00');
  });

  it('without an admin key, only says what a budget would give', async () => {
    const t = contexts.make();
    t.prompts
      .whenSelect('How do you want to pay for the API?', 'auto-reload')
      .whenSelect('When you are done on that page:', 'done')
      .whenConfirm('Open the limits page to set a monthly budget (recommended)?', false);
    expect(await billing(t.ctx, { done: false })).toBe(0);
    expect(t.stdout).toContain('`openai-setup spend --budget 20` also checks what each month costs');
    expect((await t.profile())?.budget).toBeUndefined();
  });
});

describe('spend: an admin key kept in the --insecure-storage file', () => {
  it('rejected: the new one is stored there too (--insecure-storage), by a pipe where nothing can ask', async () => {
    const t = setup({ interactive: false, keychain: {} });
    await t.ctx.keys.set('default:admin', makeKey('admin', 'unit-spend-file-revoked'), true);
    const rejected = await outcomeOf(spend(t.ctx, options()));
    expect(rejected.code).toBe(3);
    expect(rejected.hints[0]).toBe('Create a new admin key on the admin keys page and store it (pipe the key in, in place of …):  … | openai-setup admin-key --stdin --insecure-storage');
  });
});

describe('spend: OPENAI_ADMIN_KEY is checked before it is sent', () => {
  it.each([
    ['a line break inside', 'sk-admin-abc\ndef', /^OPENAI_ADMIN_KEY was not sent: it (has a line break inside|contains)/],
    ['not a key', 'garbage', /^OPENAI_ADMIN_KEY was not sent: /],
  ])('%s: exit 3, nothing sent', async (_what, value, message) => {
    for (const interactive of [true, false]) {
      const t = makeTestContext({ admin: true, interactive, env: { OPENAI_ADMIN_KEY: value } });
      try {
        const outcome = await outcomeOf(spend(t.ctx, { json: false }));
        expect(outcome.code).toBe(3);
        expect(outcome.message).toMatch(message);
        // The command that stores one as it works here: asking at a terminal, else a pipe (never of the variable refused).
        const store = interactive ? '(it asks for the key, hidden):  openai-setup admin-key' : '(pipe the key in, in place of …):  … | openai-setup admin-key --stdin';
        expect(outcome.hints).toEqual([`Set it to an admin key (sk-admin-…), or unset OPENAI_ADMIN_KEY to use the admin key stored for the profile; to store one ${store}`]);
        expect(t.org.requests).toEqual([]);
      } finally {
        t.cleanup();
      }
    }
  });
});

describe('spend, rotate: OPENAI_ADMIN_KEY holding an admin key with more around it is judged as it is, as verify judges OPENAI_API_KEY', () => {
  const ADMIN = makeKey('admin', 'unit-spend-held-with-more');
  it.each([
    ['a second copy run on', `${ADMIN}${ADMIN}`, /^OPENAI_ADMIN_KEY was not sent: it is \d+ characters long/, 'a second copy of it'],
    ['a second copy after a space', `${ADMIN} ${ADMIN}`, /^OPENAI_ADMIN_KEY was not sent: it is \d+ characters long/, 'a second copy of it'],
    ['quotes', `'${ADMIN}'`, /^OPENAI_ADMIN_KEY was not sent: it contains a quote/, 'quotes'],
    ['"Bearer "', `Bearer ${ADMIN}`, /^OPENAI_ADMIN_KEY was not sent: /, '"Bearer "'],
  ])('%s: exit 3, nothing sent (not "rejected" by the API), the key alone as the fix', async (_what, value, message, around) => {
    for (const command of ['spend', 'rotate'] as const) {
      const t = makeTestContext({ admin: true, interactive: false, env: { OPENAI_ADMIN_KEY: value } });
      try {
        t.org.admin.addAdminKey(ADMIN);
        const run = command === 'spend' ? spend(t.ctx, { json: false }) : rotate(t.ctx, { project: 'proj_UnitHeld0000000000000000', keepOld: false, yes: true, json: false });
        const outcome = await outcomeOf(run);
        expect(outcome.code).toBe(3);
        expect(outcome.message).toMatch(message);
        expect(outcome.hints).toEqual([`OPENAI_ADMIN_KEY holds the key sk-admin-…${ADMIN.slice(-4)}, but also ${around}, which programs send as part of the key: set OPENAI_ADMIN_KEY to the key alone.`]);
        expect(t.org.requests).toEqual([]);
      } finally {
        t.cleanup();
      }
    }
  });
});

/** `t`'s Admin API, with the costs answered by `page` (the `page` query parameter → the answer's body), anything else by the organization. */
function costsAnswered(t: TestContext, page: (cursor: string | null) => unknown): void {
  const real = t.org.fetch;
  t.ctx.api.admin = createAdminApi({
    env: {},
    fetch: async (input, init) => {
      const url = new URL(String(input));
      if (!url.pathname.endsWith('/organization/costs')) return real(input, init);
      return new Response(JSON.stringify(page(url.searchParams.get('page'))), { headers: { 'content-type': 'application/json' } });
    },
  });
}

const DAY = 86_400;
/** A daily bucket from `day` (YYYY-MM-DD) with one cost of `amount` in `currency` for APP. */
const bucket = (day: string, amount: number, currency = 'usd', projectId = APP) => {
  const start = Date.parse(`${day}T00:00:00Z`) / 1000;
  return { object: 'bucket', start_time: start, end_time: start + DAY, results: [{ object: 'organization.costs.result', amount: { value: amount, currency }, project_id: projectId, line_item: null }] };
};

describe("spend: only the month's buckets, each once", () => {
  it('a bucket of the next month (the API\'s clock already there, this machine\'s 2 s behind) is not counted: no false exit 4', async () => {
    for (const json of [false, true]) {
      const t = setup({ now: new Date('2026-12-31T23:59:58.000Z') });
      costsAnswered(t, () => ({ object: 'page', data: [bucket('2026-11-30', 40), bucket('2026-12-01', 1), bucket('2026-12-31', 2), bucket('2027-01-01', 50)], has_more: false, next_page: null }));
      expect(await spend(t.ctx, options({ budget: 10, json }))).toBe(0);
      if (json) {
        const data = SpendJsonSchema.parse(JSON.parse(t.stdout));
        expect(data).toMatchObject({ month: '2026-12', total: 3, budget: { reached: false, warning: false }, exitCode: 0 });
        expect(data.days).toEqual([
          { date: '2026-12-01', amount: 1 },
          { date: '2026-12-31', amount: 2 },
        ]);
      } else {
        expect(t.stdout).toContain('Month to date  $3.00');
        expect(t.stdout).not.toMatch(/Jan 01|Nov 30|\$53|\$50|\$40/);
      }
    }
  });

  it('a bucket a later page gives again is counted once ($6, not $8)', async () => {
    const t = setup();
    costsAnswered(t, (cursor) =>
      cursor === null
        ? { object: 'page', data: [bucket('2026-03-01', 1), bucket('2026-03-02', 2)], has_more: true, next_page: 'p1' }
        : { object: 'page', data: [bucket('2026-03-02', 2), bucket('2026-03-03', 3)], has_more: false, next_page: null },
    );
    expect(await spend(t.ctx, options({ budget: 7, json: true }))).toBe(0);
    const data = SpendJsonSchema.parse(JSON.parse(t.stdout));
    expect(data).toMatchObject({ total: 6, projects: [{ id: APP, name: 'my-app', amount: 6 }], budget: { reached: false } });
    expect(data.days.map((d) => d.amount)).toEqual([1, 2, 3]);
  });
});

describe('spend: currencies are never added together', () => {
  it('costs in two currencies: exit 6 naming both, never a "mixed" total (and no false exit 4 against the budget)', async () => {
    for (const json of [false, true]) {
      const t = setup();
      costsAnswered(t, () => ({ object: 'page', data: [{ ...bucket('2026-03-01', 5), results: [...bucket('2026-03-01', 5).results, ...bucket('2026-03-01', 7, 'eur').results] }], has_more: false, next_page: null }));
      const result = await outcomeOf(spend(t.ctx, options({ budget: 10, json })));
      expect(result).toEqual({
        code: 6,
        message: "Reading the organization's costs failed: the API gave this month's costs in more than one currency (EUR, USD), which openai-setup does not add together.",
        hints: ['See them on the usage page: https://platform.openai.com/usage'],
      });
      if (json) expect(SpendFailureJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({ ok: false, exitCode: 6, reason: 'mixed_currencies', budgetSaved: 10 });
      expect(t.stdout).not.toMatch(/MIXED|12\.00/);
    }
  });

  it('costs in one other currency: shown in it, and the budget (US dollars) is not compared with them', async () => {
    const t = setup({ columns: 60 });
    costsAnswered(t, () => ({ object: 'page', data: [bucket('2026-03-01', 12, 'eur')], has_more: false, next_page: null }));
    expect(await spend(t.ctx, options({ budget: 5 }))).toBe(0);
    for (const line of t.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(60);
    expect(t.stdout).toContain('Month to date  12.00 EUR');
    expect(t.stdout).toContain('Budget         $5.00  not compared (the costs are in EUR)');
    expect(flat(t.stdout)).toContain("! The budget of $5.00 is in US dollars and this month's costs are in EUR: they are not compared (no exchange rate is known here).");
    expect(t.stdout).not.toMatch(/reached|% used|% of the/);

    const j = setup();
    costsAnswered(j, () => ({ object: 'page', data: [bucket('2026-03-01', 12, 'eur')], has_more: false, next_page: null }));
    expect(await spend(j.ctx, options({ budget: 5, json: true }))).toBe(0);
    expect(SpendJsonSchema.parse(JSON.parse(j.stdout))).toMatchObject({ ok: true, currency: 'eur', total: 12, exitCode: 0, budget: { monthlyUsd: 5, share: 0, warning: false, reached: false, compared: false } });

    // In US dollars (any case), it is compared.
    const u = setup();
    costsAnswered(u, () => ({ object: 'page', data: [bucket('2026-03-01', 6, 'USD')], has_more: false, next_page: null }));
    expect(await spend(u.ctx, options({ budget: 5, json: true }))).toBe(4);
    expect(SpendJsonSchema.parse(JSON.parse(u.stdout))).toMatchObject({ currency: 'usd', budget: { reached: true, compared: true } });
  });
});

describe('spend: archived projects', () => {
  it('an archived project is named too (the project list is asked with include_archived=true)', async () => {
    const t = setup();
    t.org.admin.addProject({ id: 'proj_SpendOld00000000000000', name: 'old-app', archived: true });
    t.org.admin.addCost({ day: '2026-03-01', projectId: 'proj_SpendOld00000000000000', amount: 4 });
    expect(await spend(t.ctx, options({ json: true }))).toBe(0);
    expect(SpendJsonSchema.parse(JSON.parse(t.stdout)).projects).toContainEqual({ id: 'proj_SpendOld00000000000000', name: 'old-app', amount: 4 });
    const list = t.org.requests.find((r) => r.path === '/v1/organization/projects')!;
    expect(new URLSearchParams(list.query).get('include_archived')).toBe('true');
  });
});

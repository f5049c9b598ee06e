// Stage 3 is done once its last question (the budget) is answered: a run stopped there (Ctrl-C)
// keeps the payment choice and the billing page as progress, and the next run resumes at the
// budget question, not at step 4 with the stage ticked.
import { afterEach, describe, expect, it } from 'vitest';
import { run as billing } from '../../src/commands/billing.js';
import { run as key } from '../../src/commands/key.js';
import { maskKey } from '../../src/keys/format.js';
import { run as setup } from '../../src/commands/setup.js';
import { run as status } from '../../src/commands/status.js';
import { CancelledError } from '../../src/errors.js';
import { PAGES, projectPageUrl } from '../../src/platform.js';
import { StateSchema } from '../../src/storage/state.js';
import { checkResult, FIXED_NOW, flat, makeTestContext, testKey, type TestContext } from '../helpers/context.js';

const PAGE_DONE = 'When you are done on that page:';
const HOW_TO_PAY = 'How do you want to pay for the API?';
const BUDGET = 'Open the limits page to set a monthly budget (recommended)?';
const BUDGET_SET = 'When you have set a budget:';
const PASTE = 'Paste your secret key (input is hidden):';
const FINISH = "You're already set up. Finish now? (No walks through the stages anyway)";
const RESUMED = 'Done on an earlier run: how to pay (prepaid) and the billing page. What is left: a budget.';
const OPTIONS = { restart: false, insecureStorage: false };
const KEY = testKey('A');

let t: TestContext;
afterEach(() => t?.cleanup());

/** A first run: signed in, card added, prepaid chosen and "Done" on the billing page; then `stop` at the question named. */
async function firstRunStoppedAt(question: typeof BUDGET | typeof BUDGET_SET): Promise<void> {
  t = makeTestContext();
  t.prompts.whenSelect(PAGE_DONE, 'done', 3).whenSelect(HOW_TO_PAY, 'prepaid');
  if (question === BUDGET) t.prompts.whenConfirm(BUDGET, new CancelledError());
  else t.prompts.whenConfirm(BUDGET, true).whenSelect(BUDGET_SET, new CancelledError());
  await expect(setup(t.ctx, OPTIONS)).rejects.toBeInstanceOf(CancelledError);
  t.assertScriptsUsed();
}

describe('Ctrl-C at a budget question of stage 3', () => {
  it.each([
    ['the budget question', BUDGET],
    ['the limits page question', BUDGET_SET],
  ] as const)('at %s: the stage stays pending, the choice is kept, and the next run resumes at the budget question', async (_where, question) => {
    await firstRunStoppedAt(question);
    const stopped = await t.profile();
    // Kept as the stage's progress, not as done.
    expect(stopped?.stages.billing).toEqual({ pageDoneAt: FIXED_NOW.toISOString() });
    expect(stopped?.billingChoice).toBe('prepaid');

    // The next run: stage 3 pending on the checklist; neither the choice nor the billing page again.
    const before = t.stdout.length;
    t.prompts.whenConfirm(BUDGET, true).whenSelect(BUDGET_SET, 'done').whenPassword(PASTE, KEY);
    t.api.answerChecks(checkResult('valid'));
    const opened = t.browser.opened.length;
    expect(await setup(t.ctx, OPTIONS)).toBe(0);
    const second = t.stdout.slice(before);
    expect(second).toContain('○ 3. Choose how to pay and set a budget\n');
    expect(second).toContain('Step 3 of 4 · Choose how to pay and set a budget');
    expect(second).toContain(RESUMED);
    expect(t.browser.opened.slice(opened)).toEqual([PAGES.limits.url, PAGES.keys.url]);
    expect((await t.profile())?.stages.billing).toEqual({ doneAt: FIXED_NOW.toISOString() });
    t.assertScriptsUsed();
  });

  it('`billing` after such a stop resumes there too; with another --choice it asks the stage afresh', async () => {
    await firstRunStoppedAt(BUDGET);
    t.prompts.whenConfirm(BUDGET, false);
    expect(await billing(t.ctx, { profile: 'default', done: false })).toBe(0);
    expect((await t.profile())?.stages.billing).toBeDefined();
    t.assertScriptsUsed();

    // Stopped again at the budget, then another choice given: its billing page, then the budget.
    await t.ctx.state.updateProfile('default', (p) => {
      p.stages.billing = { pageDoneAt: '2026-03-02T09:00:00.000Z' };
    });
    t.prompts.whenSelect(PAGE_DONE, 'done').whenConfirm(BUDGET, false);
    const opened = t.browser.opened.length;
    expect(await billing(t.ctx, { profile: 'default', done: false, choice: 'auto-reload' })).toBe(0);
    expect(t.browser.opened.slice(opened)).toEqual([PAGES.billing.url]);
    expect(await t.profile()).toMatchObject({ billingChoice: 'auto-reload', stages: { billing: {} } });
    t.assertScriptsUsed();
  });

  it('a check that then finds no credits forgets that progress: not resumed at the budget; how to pay stands, so stage 3 is not asked again', async () => {
    await firstRunStoppedAt(BUDGET);
    // The key stage done another way (a key set in the shell), then the wizard again.
    t.ctx.env.OPENAI_API_KEY = KEY;
    t.api.answerChecks(checkResult('insufficient_quota'), checkResult('insufficient_quota'));
    t.prompts.whenPassword(PASTE, KEY).whenSelect('The key cannot spend yet. What now?', 'credits').whenSelect('When you have added credits:', 'stop');
    const opened = t.browser.opened.length;
    const before = t.stdout.length;
    expect(await setup(t.ctx, OPTIONS)).toBe(4);
    expect(t.stdout.slice(before)).not.toContain(RESUMED);
    expect(t.stdout.slice(before)).not.toContain('Step 3 of 4');
    expect(t.browser.opened.slice(opened)).toEqual([PAGES.keys.url, PAGES.billing.url]);
    const profile = await t.profile();
    expect(profile?.billingChoice).toBe('prepaid');
    expect(profile?.stages.billing).toBeUndefined();
    t.assertScriptsUsed();
  });
});

describe('progress of stage 3, then a check elsewhere that finds the key cannot spend', () => {
  it('`billing` (the fix `key` names) shows the billing page again, not only the budget', async () => {
    await firstRunStoppedAt(BUDGET);
    t.prompts.whenPassword(PASTE, KEY);
    t.api.answerChecks(checkResult('insufficient_quota'));
    const said = t.stdout.length + t.stderr.length;
    expect(await key(t.ctx, { profile: 'default' })).toBe(4);
    expect((t.stdout + t.stderr).slice(said)).toMatch(/fix billing \(`openai-setup billing`\)/);
    t.assertScriptsUsed();

    const before = t.stdout.length;
    const opened = t.browser.opened.length;
    t.prompts.whenSelect(HOW_TO_PAY, 'prepaid').whenSelect(PAGE_DONE, 'done').whenConfirm(BUDGET, false);
    expect(await billing(t.ctx, { profile: 'default', done: false })).toBe(0);
    const second = t.stdout.slice(before);
    expect(second).not.toContain(RESUMED);
    expect(flat(second)).toContain(`The last check of ${maskKey(KEY)} found that it cannot spend (no credits): add credits on the billing page below.`);
    expect(t.browser.opened.slice(opened)).toEqual([PAGES.billing.url]);
    t.assertScriptsUsed();
  });

  it("a project's spend limit the check named: `billing` says that limit's fix, never to add credits, and resumes at the budget (its limits page)", async () => {
    await firstRunStoppedAt(BUDGET);
    t.prompts.whenPassword(PASTE, KEY);
    t.api.answerChecks(checkResult('insufficient_quota', { reason: 'project_spend_limit_exceeded', project: 'proj_Limit0000000000000000000' }));
    expect(await key(t.ctx, { profile: 'default' })).toBe(4);
    expect((await t.profile())?.lastVerify?.limit).toBe('project_spend_limit_exceeded');
    const before = t.stdout.length;
    const opened = t.browser.opened.length;
    t.prompts.whenConfirm(BUDGET, false);
    expect(await billing(t.ctx, { profile: 'default', done: false })).toBe(0);
    const second = flat(t.stdout.slice(before));
    expect(second).toContain(`The last check of ${maskKey(KEY)} found that its project has reached its spend limit: Raise or remove the project's spend limit. (${projectPageUrl('proj_Limit0000000000000000000', 'limits')})`);
    expect(second).not.toMatch(/add credits/i);
    expect(second).toContain(RESUMED);
    expect(t.browser.opened.slice(opened)).toEqual([]);
    t.assertScriptsUsed();
  });

  it('a check of another key than the one stored does not: resumed at the budget as before', async () => {
    await firstRunStoppedAt(BUDGET);
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'keychain', hint: maskKey(KEY), savedAt: FIXED_NOW.toISOString() };
      p.lastVerify = { at: FIXED_NOW.toISOString(), status: 'insufficient_quota', ok: false, keyHint: maskKey(testKey('B')), keySource: 'OPENAI_API_KEY', organization: 'org-test', project: null, tier: null, billing: 'no_quota', message: 'no credits' };
    });
    const before = t.stdout.length;
    t.prompts.whenConfirm(BUDGET, false);
    expect(await billing(t.ctx, { profile: 'default', done: false })).toBe(0);
    expect(t.stdout.slice(before)).toContain(RESUMED);
    t.assertScriptsUsed();
  });
});

describe('progress of stage 3 left by a stopped run, once something else marks the stage done', () => {
  /** Stopped at the budget question, then a run with a working key in OPENAI_API_KEY: "Finish now" marks every stage done. */
  async function stoppedThenFinished(): Promise<void> {
    await firstRunStoppedAt(BUDGET);
    t.ctx.env.OPENAI_API_KEY = KEY;
    t.api.answerChecks(checkResult('valid'));
    t.prompts.whenConfirm(FINISH, true);
    expect(await setup(t.ctx, OPTIONS)).toBe(0);
    t.assertScriptsUsed();
    expect((await t.profile())?.stages.billing).toEqual({ doneAt: FIXED_NOW.toISOString(), organization: 'org-test' });
    delete t.ctx.env.OPENAI_API_KEY;
  }

  /** The stage asked afresh: how to pay, its billing page, then the budget; not resumed at the budget. */
  function expectBillingAskedAgain(before: number, opened: number): void {
    expect(t.stdout.slice(before)).not.toContain(RESUMED);
    expect(t.browser.opened.slice(opened)).toContain(PAGES.billing.url);
    t.assertScriptsUsed();
  }

  it('`billing` shows the billing page again', async () => {
    await stoppedThenFinished();
    const before = t.stdout.length;
    const opened = t.browser.opened.length;
    t.prompts.whenSelect(HOW_TO_PAY, 'prepaid').whenSelect(PAGE_DONE, 'done').whenConfirm(BUDGET, false);
    expect(await billing(t.ctx, { profile: 'default', done: false })).toBe(0);
    expectBillingAskedAgain(before, opened);
  });

  it('`setup --restart` shows the billing page again', async () => {
    await stoppedThenFinished();
    await t.keychain.setPassword('openai-setup', 'default', KEY);
    const before = t.stdout.length;
    const opened = t.browser.opened.length;
    t.prompts.whenSelect(PAGE_DONE, 'done', 3).whenSelect(HOW_TO_PAY, 'prepaid').whenConfirm(BUDGET, false).whenPassword(PASTE, KEY);
    t.api.answerChecks(checkResult('valid'));
    expect(await setup(t.ctx, { ...OPTIONS, restart: true })).toBe(0);
    expectBillingAskedAgain(before, opened);
  });

  it('`billing --done` too: the next `billing` shows the billing page again', async () => {
    await firstRunStoppedAt(BUDGET);
    expect(await billing(t.ctx, { profile: 'default', done: true })).toBe(0);
    expect((await t.profile())?.stages.billing).toEqual({ doneAt: FIXED_NOW.toISOString() });
    const before = t.stdout.length;
    const opened = t.browser.opened.length;
    t.prompts.whenSelect(HOW_TO_PAY, 'prepaid').whenSelect(PAGE_DONE, 'done').whenConfirm(BUDGET, false);
    expect(await billing(t.ctx, { profile: 'default', done: false })).toBe(0);
    expectBillingAskedAgain(before, opened);
  });
});

describe('stage 3 stopped at the budget, as other commands see it', () => {
  it('status and status --json show it pending, not done', async () => {
    await firstRunStoppedAt(BUDGET);
    const before = t.stdout.length;
    expect(await status(t.ctx, { json: true })).toBe(0);
    const json = JSON.parse(t.stdout.slice(before)) as { stages: Array<{ id: string; done: boolean; doneAt: string | null }> };
    expect(json.stages.find((s) => s.id === 'billing')).toMatchObject({ done: false, doneAt: null });
    const text = t.stdout.length;
    await status(t.ctx, { json: false });
    expect(t.stdout.slice(text)).toContain('○ Choose how to pay and set a budget pending');
    expect(t.stdout.slice(text)).toContain('(2 of 4 stages pending)');
  });

  it('another profile does not take it as done either', async () => {
    await firstRunStoppedAt(BUDGET);
    const before = t.stdout.length;
    await status(t.ctx, { profile: 'work', json: true });
    const json = JSON.parse(t.stdout.slice(before)) as { stages: Array<{ id: string; done: boolean }> };
    expect(json.stages.map((s) => [s.id, s.done])).toEqual([['login', true], ['payment', true], ['billing', false], ['key', false]]);
  });
});

describe('the progress file', () => {
  it('reads files without that progress, and files with it (as not done)', () => {
    const at = '2026-03-02T09:00:00.000Z';
    const stages = (profile: object) => StateSchema.parse({ version: 1, profiles: { default: profile } }).profiles.default!.stages;
    // Written before it existed, or by the build that kept it beside the stages (the field is dropped).
    expect(stages({ stages: { login: { doneAt: at } }, billingPageDoneAt: at })).toEqual({ login: { doneAt: at } });
    expect(stages({ stages: { billing: { pageDoneAt: at } } })).toEqual({ billing: { pageDoneAt: at } });
    expect(StateSchema.safeParse({ version: 1, profiles: { default: { stages: { billing: {} } } } }).success).toBe(false);
  });
});

// Stage 3 is done once its last question (the budget) is answered: a run stopped there (Ctrl-C)
// keeps the payment choice and the billing page as progress, and the next run resumes at the
// budget question, not at step 4 with the stage ticked.
import { afterEach, describe, expect, it } from 'vitest';
import { run as billing } from '../../src/commands/billing.js';
import { run as setup } from '../../src/commands/setup.js';
import { CancelledError } from '../../src/errors.js';
import { PAGES } from '../../src/platform.js';
import { checkResult, makeTestContext, testKey, type TestContext } from '../helpers/context.js';

const PAGE_DONE = 'When you are done on that page:';
const HOW_TO_PAY = 'How do you want to pay for the API?';
const BUDGET = 'Open the limits page to set a monthly budget (recommended)?';
const BUDGET_SET = 'When you have set a budget:';
const PASTE = 'Paste your secret key (input is hidden):';
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
    expect(stopped?.stages.billing).toBeUndefined();
    expect(stopped?.billingChoice).toBe('prepaid');
    expect(Object.keys(stopped?.stages ?? {}).sort()).toEqual(['login', 'payment']);

    // The next run: stage 3 pending on the checklist; neither the choice nor the billing page again.
    const before = t.stdout.length;
    t.prompts.whenConfirm(BUDGET, true).whenSelect(BUDGET_SET, 'done').whenPassword(PASTE, KEY);
    t.api.answerChecks(checkResult('valid'));
    const opened = t.browser.opened.length;
    expect(await setup(t.ctx, OPTIONS)).toBe(0);
    const second = t.stdout.slice(before);
    expect(second).toContain('○ 3. Choose how to pay and set a budget\n');
    expect(second).toContain('Step 3 of 4 · Choose how to pay and set a budget');
    expect(second).toContain('Done on an earlier run: how to pay (prepaid) and the billing page. What is left: a budget.');
    expect(t.browser.opened.slice(opened)).toEqual([PAGES.limits.url, PAGES.keys.url]);
    const done = await t.profile();
    expect(done?.stages.billing).toBeDefined();
    expect(done?.billingPageDoneAt).toBeUndefined();
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
      delete p.stages.billing;
      p.billingPageDoneAt = '2026-03-02T09:00:00.000Z';
    });
    t.prompts.whenSelect(PAGE_DONE, 'done').whenConfirm(BUDGET, false);
    const opened = t.browser.opened.length;
    expect(await billing(t.ctx, { profile: 'default', done: false, choice: 'auto-reload' })).toBe(0);
    expect(t.browser.opened.slice(opened)).toEqual([PAGES.billing.url]);
    expect(await t.profile()).toMatchObject({ billingChoice: 'auto-reload', stages: { billing: {} } });
    t.assertScriptsUsed();
  });

  it('a check that then finds no credits forgets that progress: the billing page comes again', async () => {
    await firstRunStoppedAt(BUDGET);
    // The key stage done another way (a key set in the shell), then the wizard again.
    t.ctx.env.OPENAI_API_KEY = KEY;
    t.api.answerChecks(checkResult('insufficient_quota'), checkResult('valid'));
    t.prompts.whenSelect(HOW_TO_PAY, 'prepaid').whenSelect(PAGE_DONE, 'done').whenConfirm(BUDGET, false).whenPassword(PASTE, KEY);
    const opened = t.browser.opened.length;
    expect(await setup(t.ctx, OPTIONS)).toBe(0);
    expect(t.browser.opened.slice(opened)).toEqual([PAGES.billing.url, PAGES.keys.url]);
    t.assertScriptsUsed();
  });
});

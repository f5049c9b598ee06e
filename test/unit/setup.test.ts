// The wizard (`openai-setup`): the stages in order on a first run, and where each outcome of the
// live check sends the person next.
import { afterEach, describe, expect, it } from 'vitest';
import { run as setup } from '../../src/commands/setup.js';
import { CancelledError } from '../../src/errors.js';
import { PAGES } from '../../src/platform.js';
import { STAGE_IDS } from '../../src/storage/state.js';
import { checkResult, FIXED_NOW, flat, makeTestContext, outcomeOf, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';

// The questions, as the product words them.
const PAGE_DONE = 'When you are done on that page:';
const HOW_TO_PAY = 'How do you want to pay for the API?';
const BUDGET = 'Open the limits page to set a monthly budget (recommended)?';
const PASTE = 'Paste your secret key (input is hidden):';
const KEY_WHAT_NOW = 'What now?';
const FINISH = "You're already set up. Finish now? (No walks through the stages anyway)";
const CANNOT_SPEND = 'The key cannot spend yet. What now?';
const KEY_FAILS = 'The key does not work. What now?';
const CHECK_UNFINISHED = 'The check could not finish. What now?';

const READY = "You're ready to build.";
const OPTIONS = { restart: false, insecureStorage: false };
const KEY = testKey('A');
const NEW_KEY = testKey('B');

let t: TestContext;
afterEach(() => t?.cleanup());

function context(options: TestContextOptions = {}): TestContext {
  t = makeTestContext(options);
  return t;
}

/** A finished earlier run: every stage done and KEY stored in the keychain. */
async function previouslySetUp(): Promise<void> {
  await t.keychain.setPassword('openai-setup', 'default', KEY);
  await t.ctx.state.updateProfile('default', (p) => {
    for (const id of STAGE_IDS) p.stages[id] = { doneAt: '2026-01-01T00:00:00.000Z' };
    p.key = { storage: 'keychain', hint: 'sk-proj-…000A', savedAt: '2026-01-01T00:00:00.000Z' };
  });
}

/** The stages the state file marks done, sorted. */
async function doneStages(): Promise<string[]> {
  return Object.keys((await t.profile())?.stages ?? {}).sort();
}

describe('setup: a first run', () => {
  it('walks the four stages, opens each page, stores the checked key and says it is ready', async () => {
    context();
    t.prompts
      .whenSelect(PAGE_DONE, 'done', 3)
      .whenSelect(HOW_TO_PAY, 'auto-reload')
      .whenConfirm(BUDGET, true)
      .whenPassword(PASTE, KEY);
    t.api.answerChecks(checkResult('valid'));

    expect(await setup(t.ctx, OPTIONS)).toBe(0);

    expect(t.browser.opened).toEqual([PAGES.login.url, PAGES.payment.url, PAGES.billing.url, PAGES.limits.url, PAGES.keys.url]);
    for (const position of ['Step 1 of 4 · Log in', 'Step 2 of 4 · Add a payment method', 'Step 3 of 4 · Choose how to pay', 'Step 4 of 4 · Create a secret key']) {
      expect(t.stdout).toContain(position);
    }
    // One live check, of the pasted key; it is stored in the keychain, and the state file says so.
    expect(t.api.checkedKeys).toEqual([KEY]);
    expect(t.keychain.keyOf('default')).toBe(KEY);
    const profile = await t.profile();
    expect(await doneStages()).toEqual([...STAGE_IDS].sort());
    expect(profile?.stages.login?.doneAt).toBe(FIXED_NOW.toISOString());
    expect(profile).toMatchObject({ billingChoice: 'auto-reload', key: { storage: 'keychain', hint: 'sk-proj-…000A' }, lastVerify: { status: 'valid' } });
    expect(t.stdout).toContain(READY);
    expect(t.stdout).toContain('Your key sk-proj-…000A works.');
    // The key itself never reaches the screen.
    expect(t.stdout + t.stderr).not.toContain(KEY);
    t.assertScriptsUsed();
  });

  it('does not touch the keychain before the key stage (a first run shows stage 1 at once)', async () => {
    context();
    t.prompts.whenSelect(PAGE_DONE, 'skip', 3).whenSelect(HOW_TO_PAY, 'prepaid').whenPassword(PASTE, KEY);
    t.api.answerChecks(checkResult('valid'));
    await setup(t.ctx, OPTIONS);
    // The first keychain call is the key stage's write probe, after the three page questions.
    expect(t.keychain.calls[0]).toEqual({ op: 'set', account: '__probe__' });
    t.assertScriptsUsed();
  });

  it('reports skipped stages and leaves them pending, even when the key works', async () => {
    context();
    t.prompts
      .whenSelect(PAGE_DONE, 'done')
      .whenSelect(PAGE_DONE, 'skip')
      .whenSelect(HOW_TO_PAY, 'prepaid')
      .whenSelect(PAGE_DONE, 'done')
      .whenConfirm(BUDGET, false)
      .whenPassword(PASTE, KEY);
    t.api.answerChecks(checkResult('valid'));

    expect(await setup(t.ctx, OPTIONS)).toBe(0);

    expect(flat(t.stdout)).toContain('Skipped: Add a payment method. Run `openai-setup` again to finish them.');
    expect(t.stdout).toContain(READY);
    expect(await doneStages()).toEqual(['billing', 'key', 'login']);
    // No budget page: the person said no.
    expect(t.browser.opened).not.toContain(PAGES.limits.url);
    t.assertScriptsUsed();
  });

  it('"Open the page again" opens it again and asks once more', async () => {
    context();
    t.prompts
      .whenSelect(PAGE_DONE, 'again')
      .whenSelect(PAGE_DONE, 'done', 3)
      .whenSelect(HOW_TO_PAY, 'monthly')
      .whenConfirm(BUDGET, false)
      .whenPassword(PASTE, KEY);
    t.api.answerChecks(checkResult('valid'));
    await setup(t.ctx, OPTIONS);
    expect(t.browser.opened.slice(0, 2)).toEqual([PAGES.login.url, PAGES.login.url]);
    t.assertScriptsUsed();
  });

  it('without a terminal, the first question is a usage error naming the --done flag', async () => {
    context({ interactive: false });
    const { code, message } = await outcomeOf(setup(t.ctx, OPTIONS));
    expect(code).toBe(2);
    expect(message).toBe('This needs an answer, but there is no interactive terminal. Do it on the page above, then run `openai-setup login --done` to mark it done.');
    // The page was still shown: its URL is printed for copying.
    expect(t.stdout).toContain(PAGES.login.url);
    expect(await t.profile()).toBeUndefined();
  });
});

describe('setup: a re-run with a key already stored', () => {
  it('checks the stored key first and offers to finish at once', async () => {
    context();
    await previouslySetUp();
    t.prompts.whenConfirm(FINISH, true);
    t.api.answerChecks(checkResult('valid'));

    expect(await setup(t.ctx, OPTIONS)).toBe(0);

    expect(t.stdout).toContain('Found a key: sk-proj-…000A (from the keychain (profile default)). Checking it first.');
    expect(t.api.checkedKeys).toEqual([KEY]);
    expect(t.stdout).toContain(READY);
    expect(t.browser.opened).toEqual([]);
    t.assertScriptsUsed();
  });

  it('walks every stage again when the person declines to finish', async () => {
    context();
    await previouslySetUp();
    t.prompts
      .whenConfirm(FINISH, false)
      .whenSelect(PAGE_DONE, 'done', 3)
      .whenSelect(HOW_TO_PAY, 'auto-reload')
      .whenConfirm(BUDGET, false)
      .whenPassword(PASTE, NEW_KEY);
    t.api.answerChecks(checkResult('valid'), checkResult('valid'));

    expect(await setup(t.ctx, OPTIONS)).toBe(0);
    expect(t.browser.opened).toEqual([PAGES.login.url, PAGES.payment.url, PAGES.billing.url, PAGES.keys.url]);
    expect(t.api.checkedKeys).toEqual([KEY, NEW_KEY]);
    expect(t.keychain.keyOf('default')).toBe(NEW_KEY);
    t.assertScriptsUsed();
  });

  it('uses OPENAI_API_KEY when set, and says it is not in the keychain', async () => {
    context({ env: { OPENAI_API_KEY: KEY } });
    t.prompts.whenConfirm(FINISH, true);
    t.api.answerChecks(checkResult('valid'));
    expect(await setup(t.ctx, OPTIONS)).toBe(0);
    expect(t.stdout).toContain('(from OPENAI_API_KEY)');
    expect(t.stdout).toContain('The key is only in OPENAI_API_KEY. To keep it in the keychain too:  printenv OPENAI_API_KEY | openai-setup key --stdin');
    expect(t.keychain.accounts()).toEqual([]);
    // Finishing marks every stage done, so the next run shows a complete checklist.
    expect(await doneStages()).toEqual([...STAGE_IDS].sort());
    t.assertScriptsUsed();
  });
});

describe('setup: after insufficient_quota', () => {
  it('goes back to billing, and checks again until the key can spend', async () => {
    context();
    await previouslySetUp();
    t.prompts
      // The stored key cannot spend: billing is pending again, and runs.
      .whenSelect(HOW_TO_PAY, 'auto-reload')
      .whenSelect(PAGE_DONE, 'done')
      .whenConfirm(BUDGET, false)
      // Still no credits after it: the route question, then billing once more.
      .whenSelect(CANNOT_SPEND, 'billing')
      .whenSelect(HOW_TO_PAY, 'prepaid')
      .whenSelect(PAGE_DONE, 'done')
      .whenConfirm(BUDGET, false);
    t.api.answerChecks(checkResult('insufficient_quota'), checkResult('insufficient_quota'), checkResult('valid'));

    expect(await setup(t.ctx, OPTIONS)).toBe(0);

    expect(t.api.checkedKeys).toEqual([KEY, KEY, KEY]);
    expect(t.stdout).toContain('Step 3 of 4 · Choose how to pay');
    expect(t.stdout).toContain('Back to step 3 · Choose how to pay');
    expect(t.stdout).toContain('Credits sit with one organization (and its projects)');
    expect(t.browser.opened).toEqual([PAGES.billing.url, PAGES.billing.url]);
    expect(t.prompts.asked.find((a) => a.message === CANNOT_SPEND)?.choices).toEqual(['billing', 'recheck', 'key', 'stop']);
    expect(t.stdout).toContain(READY);
    const profile = await t.profile();
    expect(profile?.billingChoice).toBe('prepaid');
    expect(profile?.stages.billing).toBeDefined();
    t.assertScriptsUsed();
  });

  it('"I fixed it: check again" checks the same key again without a stage', async () => {
    context();
    await previouslySetUp();
    t.prompts
      .whenSelect(HOW_TO_PAY, 'auto-reload')
      .whenSelect(PAGE_DONE, 'skip')
      .whenSelect(CANNOT_SPEND, 'recheck');
    t.api.answerChecks(checkResult('insufficient_quota'), checkResult('insufficient_quota'), checkResult('valid'));
    expect(await setup(t.ctx, OPTIONS)).toBe(0);
    expect(t.api.checkedKeys).toEqual([KEY, KEY, KEY]);
    // Billing was skipped: reported, and left pending.
    expect(flat(t.stdout)).toContain('Skipped: Choose how to pay and set a budget.');
    expect((await t.profile())?.stages.billing).toBeUndefined();
    t.assertScriptsUsed();
  });

  it("'stop' returns the check's exit code and keeps the progress made", async () => {
    context();
    await previouslySetUp();
    t.prompts.whenSelect(HOW_TO_PAY, 'auto-reload').whenSelect(PAGE_DONE, 'done').whenConfirm(BUDGET, false).whenSelect(CANNOT_SPEND, 'stop');
    t.api.answerChecks(checkResult('insufficient_quota'), checkResult('insufficient_quota'));

    expect(await setup(t.ctx, OPTIONS)).toBe(4);

    expect(t.stdout).toContain('Stopped. Your progress is saved: run `openai-setup` to continue.');
    expect(t.stdout).not.toContain(READY);
    // The key stays stored; billing is pending again (the check said it is not done).
    expect(t.keychain.keyOf('default')).toBe(KEY);
    const profile = await t.profile();
    expect(await doneStages()).toEqual(['key', 'login', 'payment']);
    expect(profile?.lastVerify).toMatchObject({ status: 'insufficient_quota', ok: false, keyHint: 'sk-proj-…000A' });
    t.assertScriptsUsed();
  });

  it('Ctrl-C in the billing stage leaves billing pending, since the check said it is not done', async () => {
    context();
    await previouslySetUp();
    t.prompts.whenSelect(HOW_TO_PAY, new CancelledError());
    t.api.answerChecks(checkResult('insufficient_quota'));
    await expect(setup(t.ctx, OPTIONS)).rejects.toBeInstanceOf(CancelledError);
    expect(await doneStages()).toEqual(['key', 'login', 'payment']);
    expect(t.keychain.keyOf('default')).toBe(KEY);
    t.assertScriptsUsed();
  });
});

describe('setup: after invalid_key or forbidden', () => {
  it.each(['invalid_key', 'forbidden'] as const)('%s on a key saved anyway → paste a new key, which is checked and stored', async (status) => {
    context();
    t.prompts
      .whenSelect(PAGE_DONE, 'done', 3)
      .whenSelect(HOW_TO_PAY, 'auto-reload')
      .whenConfirm(BUDGET, false)
      .whenPassword(PASTE, KEY)
      .whenSelect(KEY_WHAT_NOW, 'save')
      .whenSelect(KEY_FAILS, 'key')
      .whenPassword(PASTE, NEW_KEY);
    t.api.answerChecks(checkResult(status), checkResult('valid'));

    expect(await setup(t.ctx, OPTIONS)).toBe(0);

    expect(t.api.checkedKeys).toEqual([KEY, NEW_KEY]);
    expect(t.stdout).toContain('Back to step 4 · Create a secret key and store it');
    expect(t.prompts.asked.find((a) => a.message === KEY_FAILS)?.choices).toEqual(['key', 'recheck', 'stop']);
    expect(t.keychain.keyOf('default')).toBe(NEW_KEY);
    expect(t.stdout).toContain('Your key sk-proj-…000B works.');
    t.assertScriptsUsed();
  });

  it('a stored key the API now rejects sends the person to the key stage', async () => {
    context();
    await previouslySetUp();
    t.prompts.whenPassword(PASTE, NEW_KEY);
    t.api.answerChecks(checkResult('invalid_key'), checkResult('valid'));

    expect(await setup(t.ctx, OPTIONS)).toBe(0);

    expect(t.stdout).toContain('Step 4 of 4 · Create a secret key and store it');
    expect(t.browser.opened).toEqual([PAGES.keys.url]);
    expect(t.keychain.keyOf('default')).toBe(NEW_KEY);
    t.assertScriptsUsed();
  });

  it("'stop' after a rejected key returns exit code 3", async () => {
    context();
    await previouslySetUp();
    // The stored key fails only on the check after billing: the route question comes from setup.
    t.prompts.whenSelect(HOW_TO_PAY, 'auto-reload').whenSelect(PAGE_DONE, 'skip').whenSelect(KEY_FAILS, 'stop');
    t.api.answerChecks(checkResult('insufficient_quota'), checkResult('invalid_key'));
    expect(await setup(t.ctx, OPTIONS)).toBe(3);
    expect(t.stdout).toContain('Stopped. Your progress is saved');
    t.assertScriptsUsed();
  });
});

describe('setup: after network_error or timeout', () => {
  it.each(['network_error', 'timeout'] as const)('%s → "Check again" checks the same key again', async (status) => {
    context();
    await previouslySetUp();
    t.prompts.whenSelect(CHECK_UNFINISHED, 'recheck');
    // The first check fails; nothing to redo, so it is run again, fails again, and the person asks for another.
    t.api.answerChecks(checkResult(status), checkResult(status), checkResult('valid'));

    expect(await setup(t.ctx, OPTIONS)).toBe(0);

    expect(t.api.checkedKeys).toEqual([KEY, KEY, KEY]);
    expect(t.prompts.asked.map((a) => a.choices)).toEqual([['recheck', 'key', 'stop']]);
    // Each check is shown, and the last one is the one on record.
    const failure = checkResult(status).message;
    expect(t.stdout.split(failure).length - 1).toBe(2);
    expect(t.stdout).toContain('✔ The key works and can spend.');
    expect((await t.profile())?.lastVerify?.status).toBe('valid');
    expect(t.stdout).toContain(READY);
    t.assertScriptsUsed();
  });

  it("'stop' returns the network exit code 6 and keeps the stored key", async () => {
    context();
    await previouslySetUp();
    t.prompts.whenSelect(CHECK_UNFINISHED, 'stop');
    t.api.answerChecks(checkResult('timeout'), checkResult('timeout'));
    expect(await setup(t.ctx, OPTIONS)).toBe(6);
    expect(t.stdout).toContain('No answer from api.openai.com within 15000 ms.');
    expect(t.keychain.keyOf('default')).toBe(KEY);
    expect(await doneStages()).toEqual([...STAGE_IDS].sort());
    t.assertScriptsUsed();
  });
});

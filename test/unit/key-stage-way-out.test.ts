// The key stage's ways out besides Ctrl-C: an empty Enter says how to stop and a second one stops
// (the wizard ends as "No key yet", progress kept; `key` stores nothing), and a wizard walking
// through the stages again with a working key stored offers to keep it.
import { afterEach, describe, expect, it } from 'vitest';
import { run as keyCommand } from '../../src/commands/key.js';
import { run as setup } from '../../src/commands/setup.js';
import { PAGES } from '../../src/platform.js';
import { STAGE_IDS } from '../../src/storage/state.js';
import { checkResult, flat, makeTestContext, outcomeOf, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';

const PASTE = 'Paste your secret key (input is hidden):';
const FINISH = "You're already set up. Finish now? (No walks through the stages anyway)";
const PAGE_DONE = 'When you are done on that page:';
const HOW_TO_PAY = 'How do you want to pay for the API?';
const BUDGET = 'Open the limits page to set a monthly budget (recommended)?';
const CHECK_UNFINISHED = 'The check could not finish. What now?';
const KEEP = 'The key stored for profile "default" (sk-proj-…000A) works. Keep it?';
const OPTIONS = { restart: false, insecureStorage: false };
const KEY = testKey('A');

let t: TestContext;
afterEach(() => t?.cleanup());

function context(options: TestContextOptions = {}): TestContext {
  t = makeTestContext(options);
  return t;
}

async function stagesDone(stages: readonly string[]): Promise<void> {
  await t.ctx.state.updateProfile('default', (p) => {
    for (const id of stages) p.stages[id as (typeof STAGE_IDS)[number]] = { doneAt: '2026-01-01T00:00:00.000Z' };
  });
}

async function previouslySetUp(): Promise<void> {
  await t.keychain.setPassword('openai-setup', 'default', KEY);
  await stagesDone(STAGE_IDS);
  await t.ctx.state.updateProfile('default', (p) => {
    p.key = { storage: 'keychain', hint: 'sk-proj-…000A', savedAt: '2026-01-01T00:00:00.000Z' };
  });
}

describe('the key prompt: an empty Enter says how to stop, a second one stops', () => {
  it('the wizard: "No key yet", exit 2, stages 1–3 kept, nothing sent or stored', async () => {
    context();
    await stagesDone(['login', 'payment', 'billing']);
    t.prompts.whenPassword(PASTE, '', 2);
    const { code } = await outcomeOf(setup(t.ctx, { ...OPTIONS, check: { baseURL: 'http://127.0.0.1:18556/v1' } }));
    expect(code).toBe(2);
    expect(flat(t.stderr)).toContain('✖ Nothing was pasted. Press Enter again to stop here (progress is kept: run `openai-setup key --base-url http://127.0.0.1:18556/v1` when you have a key).');
    expect(flat(t.stdout)).toContain('No key yet. When you have one, run `openai-setup key --base-url http://127.0.0.1:18556/v1` (or `openai-setup --base-url http://127.0.0.1:18556/v1` to continue).');
    expect(t.api.checkedKeys).toEqual([]);
    expect(t.keychain.accounts()).toEqual([]);
    expect(Object.keys((await t.profile())?.stages ?? {}).sort()).toEqual(['billing', 'login', 'payment']);
    t.assertScriptsUsed();
  });

  it('only two in a row stop: a paste between them starts over', async () => {
    context();
    await stagesDone(['login', 'payment', 'billing']);
    t.prompts.whenPassword(PASTE, '').whenPassword(PASTE, 'hello').whenPassword(PASTE, '').whenPassword(PASTE, KEY);
    t.api.answerChecks(checkResult('valid'));
    expect(await setup(t.ctx, OPTIONS)).toBe(0);
    expect(t.stderr.match(/Press Enter again to stop here/g)).toHaveLength(2);
    expect(t.keychain.keyOf('default')).toBe(KEY);
    t.assertScriptsUsed();
  });

  it('`key`: stops without storing, exit 2, the stored key as it was', async () => {
    context();
    await previouslySetUp();
    t.prompts.whenPassword(PASTE, '', 2);
    const { code, message } = await outcomeOf(keyCommand(t.ctx, { insecureStorage: false }));
    expect(code).toBe(2);
    expect(message).toBe('Stopped; nothing was stored.');
    expect(flat(t.stderr)).toContain('✖ Nothing was pasted. Press Enter again to stop without storing a key.');
    expect(t.api.checkedKeys).toEqual([]);
    expect(t.keychain.keyOf('default')).toBe(KEY);
    t.assertScriptsUsed();
  });

  it('back at step 4 after a failed check: stopped there, the check\'s exit code and how to continue', async () => {
    context();
    await previouslySetUp();
    t.prompts.whenSelect(CHECK_UNFINISHED, 'key').whenPassword(PASTE, '', 2);
    t.api.answerChecks(checkResult('timeout'));
    const { code } = await outcomeOf(setup(t.ctx, OPTIONS));
    expect(code).toBe(6);
    expect(flat(t.stdout)).toContain('Stopped. Your progress is saved: run `openai-setup` to continue.');
    expect(t.keychain.keyOf('default')).toBe(KEY);
    t.assertScriptsUsed();
  });
});

describe('the wizard walking through the stages again with a working key stored', () => {
  it('stage 4 offers to keep it: kept, no key asked for, the keys page not opened, ready', async () => {
    context();
    await previouslySetUp();
    t.prompts.whenConfirm(FINISH, false).whenSelect(PAGE_DONE, 'done', 3).whenSelect(HOW_TO_PAY, 'auto-reload').whenConfirm(BUDGET, false).whenSelect(KEEP, 'keep');
    t.api.answerChecks(checkResult('valid', { billing: 'ok' }), checkResult('valid', { billing: 'ok' }));
    expect(await setup(t.ctx, OPTIONS)).toBe(0);
    expect(t.prompts.asked.find((a) => a.message === KEEP)?.choices).toEqual(['keep', 'replace']);
    expect(flat(t.stdout)).toContain('✔ Kept sk-proj-…000A.');
    expect(flat(t.stdout)).toContain("You're ready to build.");
    expect(t.browser.opened).toEqual([PAGES.login.url, PAGES.payment.url, PAGES.billing.url]);
    expect(t.keychain.keyOf('default')).toBe(KEY);
    expect(t.api.checkedKeys).toEqual([KEY, KEY]);
    t.assertScriptsUsed();
  });

  it('a key only in OPENAI_API_KEY is not "stored": stage 4 asks for one', async () => {
    context({ env: { OPENAI_API_KEY: KEY } });
    await stagesDone(STAGE_IDS);
    t.prompts.whenConfirm(FINISH, false).whenSelect(PAGE_DONE, 'done', 3).whenSelect(HOW_TO_PAY, 'auto-reload').whenConfirm(BUDGET, false).whenPassword(PASTE, KEY);
    t.api.answerChecks(checkResult('valid', { billing: 'ok' }), checkResult('valid', { billing: 'ok' }));
    expect(await setup(t.ctx, OPTIONS)).toBe(0);
    expect(t.prompts.asked.map((a) => a.message)).not.toContain(KEEP);
    t.assertScriptsUsed();
  });
});

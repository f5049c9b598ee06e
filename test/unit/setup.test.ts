// The wizard (`openai-setup`): the stages in order on a first run, and where each outcome of the
// live check sends the person next.
import { afterEach, describe, expect, it } from 'vitest';
import { run as billingCommand } from '../../src/commands/billing.js';
import { run as keyCommand } from '../../src/commands/key.js';
import { run as loginCommand } from '../../src/commands/login.js';
import { run as paymentCommand } from '../../src/commands/payment.js';
import { run as setup } from '../../src/commands/setup.js';
import { CancelledError } from '../../src/errors.js';
import { LIMIT_REASONS, type LimitReasonName } from '../../src/api/limits.js';
import { verdict } from '../../src/api/verdict.js';
import type { CheckRequest, CheckResult } from '../../src/api/types.js';
import { PAGES, projectPageUrl } from '../../src/platform.js';
import { buildProgram } from '../../src/program.js';
import { KeyStore } from '../../src/storage/keystore.js';
import { STAGE_IDS, StateStore } from '../../src/storage/state.js';
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
// A region block is refused before the key is judged: nothing says the key is right.
const REGION_REFUSED = 'The API refused the request for the country or region it came from, before judging the key. What now?';
const SCOPE_REFUSED = 'This restricted key lacks a permission it needs. What now?';
const BUDGET_SET = 'When you have set a budget:';
const CREDITS_ADDED = 'When you have added credits:';

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
  return Object.entries((await t.profile())?.stages ?? {})
    .filter(([, record]) => record?.doneAt)
    .map(([id]) => id)
    .sort();
}

describe('setup: a first run', () => {
  it('walks the four stages, opens each page, stores the checked key and says it is ready', async () => {
    context();
    t.prompts
      .whenSelect(PAGE_DONE, 'done', 3)
      .whenSelect(HOW_TO_PAY, 'auto-reload')
      .whenConfirm(BUDGET, true)
      // The limits page gets its own pause: the key page does not open on top of it.
      .whenSelect(BUDGET_SET, 'done')
      .whenPassword(PASTE, KEY);
    t.api.answerChecks(checkResult('valid'));

    expect(await setup(t.ctx, OPTIONS)).toBe(0);

    expect(t.browser.opened).toEqual([PAGES.login.url, PAGES.payment.url, PAGES.billing.url, PAGES.limits.url, PAGES.keys.url]);
    // The closing screen shows one real call, with the commands as this person can type them.
    expect(flat(t.stdout)).toContain('pip install openai');
    expect(flat(t.stdout)).toContain("openai-setup run -- python3 -c 'from openai import OpenAI;");
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
    expect(t.keychain.calls[0]).toEqual({ op: 'set', account: expect.stringMatching(/^__probe__\./) });
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

  it('without a terminal, names the whole non-interactive path at once, as the tool was started', async () => {
    context({ interactive: false, commandName: 'npx openai-setup' });
    const { code, message, hints } = await outcomeOf(setup(t.ctx, OPTIONS));
    expect(code).toBe(2);
    expect(message).toBe('The wizard asks questions, but there is no interactive terminal. Without one, do its stages as commands:');
    // Each command on a line of its own, under what it is for: the line pastes as it is.
    expect(hints).toEqual([
      `After signing in on ${PAGES.login.url}:`,
      '  npx openai-setup login --done',
      `After adding a card on ${PAGES.payment.url}:`,
      '  npx openai-setup payment --done',
      `After buying credits on ${PAGES.billing.url} (--choice auto-reload if you turned auto-reload on):`,
      '  npx openai-setup billing --choice prepaid --done',
      // OPENAI_API_KEY is not set: not a pipe of it, which would store nothing; and not `key`
      // asking for it, which would fail here in its turn.
      'Store your key (pipe the key in, in place of …):',
      '  … | npx openai-setup key --stdin',
    ]);
    expect(t.browser.opened).toEqual([]);
    expect(await t.profile()).toBeUndefined();
  });

  it('without a terminal or a keychain, the key line it names keeps the key in a file (so it works here)', async () => {
    context({ interactive: false });
    t.keychain.failWith('no-service');
    const { code, hints } = await outcomeOf(setup(t.ctx, { ...OPTIONS, profile: 'work' }));
    expect(code).toBe(2);
    expect(hints.slice(-2)).toEqual(['There is no keychain here: store your key in a file only you can read (pipe the key in, in place of …):', '  … | openai-setup key --profile work --stdin --insecure-storage']);
  });

  it('without a terminal, --insecure-storage given is repeated in the key line (and the keychain is not asked)', async () => {
    context({ interactive: false });
    const { code, hints } = await outcomeOf(setup(t.ctx, { ...OPTIONS, insecureStorage: true }));
    expect(code).toBe(2);
    expect(hints.slice(-2)).toEqual(['Store your key (pipe the key in, in place of …):', '  … | openai-setup key --stdin --insecure-storage']);
    expect(t.keychain.calls).toEqual([]);
  });

  it('without a terminal, names only the stages still to do; billing --done alone once a choice is saved', async () => {
    context({ interactive: false });
    await t.ctx.state.updateProfile('default', (p) => {
      p.stages.login = { doneAt: '2026-01-01T00:00:00.000Z' };
      p.stages.payment = { doneAt: '2026-01-01T00:00:00.000Z' };
      p.billingChoice = 'auto-reload';
    });
    const { code, hints } = await outcomeOf(setup(t.ctx, OPTIONS));
    expect(code).toBe(2);
    expect(hints).toEqual([`After buying credits on ${PAGES.billing.url}:`, '  openai-setup billing --done', 'Store your key (pipe the key in, in place of …):', '  … | openai-setup key --stdin']);
  });
});

// Signing in, the card and the billing stage belong to the account: a second profile takes them
// from the first, and with them how the account chose to pay, not prepaid's advice.
describe("setup for a second profile: the account's billing choice, made under the default profile", () => {
  async function defaultChose(choice: 'auto-reload' | 'monthly'): Promise<void> {
    await t.ctx.state.updateProfile('default', (p) => {
      for (const id of ['login', 'payment', 'billing'] as const) p.stages[id] = { doneAt: '2026-01-01T00:00:00.000Z' };
      p.billingChoice = choice;
    });
  }

  it.each(['auto-reload', 'monthly'] as const)('without a terminal, a key of profile kk without credits: the billing line records the account\'s choice (%s), and does so run as printed', async (choice) => {
    context({ interactive: false });
    await defaultChose(choice);
    await t.keychain.setPassword('openai-setup', 'kk', KEY);
    // As `key --profile kk` leaves it: the key stored, its stage done.
    await t.ctx.state.updateProfile('kk', (p) => {
      p.stages.key = { doneAt: '2026-01-01T00:00:00.000Z' };
      p.key = { storage: 'keychain', hint: 'sk-proj-…000A', savedAt: '2026-01-01T00:00:00.000Z' };
    });
    t.api.answerChecks(checkResult('insufficient_quota'));
    const { code, hints } = await outcomeOf(setup(t.ctx, { ...OPTIONS, profile: 'kk' }));
    expect(code).toBe(4);
    expect(hints).toEqual([`After buying credits on ${PAGES.billing.url}:`, `  openai-setup billing --choice ${choice} --done --profile kk`, 'Then check the key again:', '  openai-setup verify --profile kk']);

    // Run as printed, through the command line: kk records the account's choice, not prepaid.
    let exit: number | undefined;
    const program = buildProgram('0.0.0-test', () => t.ctx, { name: 'openai-setup', writeOut: () => {}, writeErr: () => {} }, (c) => (exit = c));
    await program.parseAsync(['node', ...hints[1]!.trim().split(' ')]);
    expect(exit).toBe(0);
    expect(await t.profile('kk')).toMatchObject({ billingChoice: choice, stages: { billing: { doneAt: expect.any(String) } } });
  });

  it('on a terminal, a new key of profile kk without credits: "Add credits" follows auto-reload, as the account chose', async () => {
    context();
    await defaultChose('auto-reload');
    t.prompts.whenPassword(PASTE, KEY).whenSelect(CANNOT_SPEND, 'credits').whenSelect(CREDITS_ADDED, 'stop');
    t.api.answerChecks(checkResult('insufficient_quota'));

    expect(await setup(t.ctx, { ...OPTIONS, profile: 'kk' })).toBe(4);

    // Stages 1 to 3 came from the default profile: only the key was asked for.
    expect(t.prompts.asked.filter((a) => a.message === HOW_TO_PAY)).toHaveLength(0);
    expect(t.stdout).toContain('Back to step 3 · Add credits');
    expect(flat(t.stdout)).toContain('buy credits, and keep auto-reload on so that the balance never reaches $0.');
    expect(flat(t.stdout)).not.toContain('Requests stop when the balance reaches $0');
    t.assertScriptsUsed();
  });

  it('a resumed run of kk with its stored key still without credits: not stage 3 again, straight to the route\'s "Add credits"', async () => {
    context();
    await defaultChose('auto-reload');
    // As the first run of kk left it, stopped at "The key cannot spend yet": the key stored, stage 3 the account's.
    await t.keychain.setPassword('openai-setup', 'kk', KEY);
    await t.ctx.state.updateProfile('kk', (p) => {
      p.stages.key = { doneAt: '2026-01-01T00:00:00.000Z' };
      p.key = { storage: 'keychain', hint: 'sk-proj-…000A', savedAt: '2026-01-01T00:00:00.000Z' };
    });
    t.prompts.whenSelect(CANNOT_SPEND, 'credits').whenSelect(CREDITS_ADDED, 'recheck');
    t.api.answerChecks(checkResult('insufficient_quota'), checkResult('valid'));

    expect(await setup(t.ctx, { ...OPTIONS, profile: 'kk' })).toBe(0);

    // One check of the stored key, the route's question at once, then one check after the credits.
    expect(t.api.checkedKeys).toEqual([KEY, KEY]);
    expect(t.stdout).not.toContain('Step 3 of 4');
    expect(t.prompts.asked.map((a) => a.message)).toEqual([CANNOT_SPEND, CREDITS_ADDED]);
    expect(t.stdout).toContain('Back to step 3 · Add credits');
    expect(flat(t.stdout)).toContain('buy credits, and keep auto-reload on so that the balance never reaches $0.');
    expect(t.browser.opened).toEqual([PAGES.billing.url]);
    expect(t.stdout).toContain(READY);
    t.assertScriptsUsed();
  });

  it('the same for the profile that chose: stage 3 undone by a check without credits, the choice kept', async () => {
    context();
    await previouslySetUp();
    // A run stopped after a check without credits: stage 3 forgotten, how to pay remembered.
    await t.ctx.state.updateProfile('default', (p) => {
      delete p.stages.billing;
      p.billingChoice = 'monthly';
    });
    t.prompts.whenSelect(CANNOT_SPEND, 'credits').whenSelect(CREDITS_ADDED, 'stop');
    t.api.answerChecks(checkResult('insufficient_quota'));

    expect(await setup(t.ctx, OPTIONS)).toBe(4);

    expect(t.stdout).not.toContain('Step 3 of 4');
    expect(t.prompts.asked.map((a) => a.message)).toEqual([CANNOT_SPEND, CREDITS_ADDED]);
    expect(flat(t.stdout)).toContain('check that monthly invoicing is still active for your organization');
    expect(await doneStages()).toEqual(['key', 'login', 'payment']);
    expect((await t.profile())?.billingChoice).toBe('monthly');
    t.assertScriptsUsed();
  });

  it('on a terminal, monthly invoicing: "Add credits" checks the invoicing, and does not say requests stop at $0', async () => {
    context();
    await defaultChose('monthly');
    t.prompts.whenPassword(PASTE, KEY).whenSelect(CANNOT_SPEND, 'credits').whenSelect(CREDITS_ADDED, 'stop');
    t.api.answerChecks(checkResult('insufficient_quota'));
    expect(await setup(t.ctx, { ...OPTIONS, profile: 'kk' })).toBe(4);
    expect(flat(t.stdout)).toContain('check that monthly invoicing is still active for your organization; if it is not, the account is prepaid');
    expect(flat(t.stdout)).not.toContain('Requests stop when the balance reaches $0');
    t.assertScriptsUsed();
  });
});

describe('setup without a terminal, every stage done', () => {
  async function doneWithKey(profile: string): Promise<void> {
    await t.keychain.setPassword('openai-setup', profile, KEY);
    await t.ctx.state.updateProfile(profile, (p) => {
      for (const id of STAGE_IDS) p.stages[id] = { doneAt: '2026-01-01T00:00:00.000Z' };
      p.key = { storage: 'keychain', hint: 'sk-proj-…000A', savedAt: '2026-01-01T00:00:00.000Z' };
      p.billingChoice = 'prepaid';
    });
  }

  it('a stored key without credits: the check is reported and ends the run with its code (4), and the billing commands', async () => {
    context({ interactive: false });
    await doneWithKey('nc');
    t.api.answerChecks(checkResult('insufficient_quota'));
    const { code, message, hints } = await outcomeOf(setup(t.ctx, { ...OPTIONS, profile: 'nc' }));
    expect(code).toBe(4);
    expect(t.stdout).toContain('Found a key: sk-proj-…000A');
    expect(message).toBe('The check above did not pass, and the wizard asks nothing here (there is no interactive terminal). Add credits, mark billing done and check the key again:');
    expect(hints).toEqual([`After buying credits on ${PAGES.billing.url}:`, '  openai-setup billing --done --profile nc', 'Then check the key again:', '  openai-setup verify --profile nc']);
    expect(message).not.toContain('wizard asks questions');
  });

  it('a check that could not finish: its code (6), and verify to check again', async () => {
    context({ interactive: false });
    await doneWithKey('default');
    t.api.answerChecks(checkResult('network_error'));
    const { code, hints } = await outcomeOf(setup(t.ctx, OPTIONS));
    expect(code).toBe(6);
    expect(hints).toEqual(['openai-setup verify']);
  });

  it('a rejected key: its code (3), and the command that stores a new one', async () => {
    context({ interactive: false });
    await doneWithKey('default');
    t.api.answerChecks(checkResult('invalid_key'));
    const { code, message, hints } = await outcomeOf(setup(t.ctx, OPTIONS));
    expect(code).toBe(3);
    expect(message).toMatch(/Store a key that works:$/);
    expect(hints).toEqual(['Store your key (pipe the key in, in place of …):', '  … | openai-setup key --stdin']);
  });

  // OPENAI_API_KEY is the key checked whenever it is set: a pipe of it would store the key just rejected.
  it('OPENAI_API_KEY rejected (no keychain): the command that stores a new one pipes a key in, not that variable again', async () => {
    context({ interactive: false, env: { OPENAI_API_KEY: testKey('R') } });
    t.keychain.failWith('no-service');
    t.api.answerChecks(checkResult('invalid_key'));
    const { code, message, hints } = await outcomeOf(setup(t.ctx, OPTIONS));
    expect(code).toBe(3);
    expect(message).toMatch(/Set OPENAI_API_KEY to a key that works .*; or unset it and store one:$/);
    expect(hints.slice(-2)).toEqual(['There is no keychain here: store your key in a file only you can read (pipe the key in, in place of …):', '  … | openai-setup key --stdin --insecure-storage']);
    expect(hints.join('\n')).not.toContain('printenv OPENAI_API_KEY');
  });

  it('OPENAI_API_KEY that cannot spend: the right key, so the pipe of it still stores it', async () => {
    context({ interactive: false, env: { OPENAI_API_KEY: testKey('R') } });
    t.api.answerChecks(checkResult('insufficient_quota'));
    const { code, hints } = await outcomeOf(setup(t.ctx, OPTIONS));
    expect(code).toBe(4);
    expect(hints).toContain('  printenv OPENAI_API_KEY | openai-setup key --stdin');
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
      // The stored key works: stage 4 offers to keep it; replaced here.
      .whenSelect('The key stored for profile "default" (sk-proj-…000A) works. Keep it?', 'replace')
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

describe('setup: the key only in OPENAI_API_KEY', () => {
  it('for another profile, the line that keeps it in the keychain names the profile (and the server checked)', async () => {
    context({ env: { OPENAI_API_KEY: KEY } });
    t.prompts.whenConfirm(FINISH, true);
    t.api.answerChecks(checkResult('valid'));
    expect(await setup(t.ctx, { ...OPTIONS, profile: 'work', check: { baseURL: 'http://127.0.0.1:18556/v1' } })).toBe(0);
    expect(t.stdout).toContain(
      'The key is only in OPENAI_API_KEY. To keep it in the keychain too:  printenv OPENAI_API_KEY | openai-setup key --profile work --stdin --base-url http://127.0.0.1:18556/v1',
    );
    t.assertScriptsUsed();
  });

  it('the real call on the closing screen is one command a line, each working as printed', async () => {
    context({ env: { OPENAI_API_KEY: KEY } });
    t.prompts.whenConfirm(FINISH, true);
    t.api.answerChecks(checkResult('valid'));
    expect(await setup(t.ctx, OPTIONS)).toBe(0);
    const lines = t.stdout.split('\n');
    expect(lines).toContain('  pip install openai');
    // Each line pastes as it is: no words before or after a command.
    expect(lines.slice(lines.indexOf('Or with Node:'), lines.indexOf('Or with Node:') + 2)).toEqual(['Or with Node:', '  npm install openai']);
    expect(lines.some((line) => line.startsWith("  python3 -c 'from openai import OpenAI;"))).toBe(true);
    expect(lines.some((line) => line.startsWith("  node -e 'new (require(\"openai\").OpenAI)()"))).toBe(true);
    expect(t.stdout).not.toContain(' then ');
    t.assertScriptsUsed();
  });
});

describe('setup: the closing screen on a narrow terminal', () => {
  it('at 20 columns each install command is whole on its line', async () => {
    context({ env: { OPENAI_API_KEY: KEY }, columns: 20 });
    t.prompts.whenConfirm(FINISH, true);
    t.api.answerChecks(checkResult('valid'));
    expect(await setup(t.ctx, OPTIONS)).toBe(0);
    const lines = t.stdout.split('\n');
    expect(lines).toContain('  pip install openai');
    expect(lines).toContain('  npm install openai');
    t.assertScriptsUsed();
  });
});

describe('setup: the live-check options (--base-url, --model, --timeout, as key and verify take them)', () => {
  it('every check of the wizard, the key stage\'s included, goes where they say', async () => {
    context();
    await previouslySetUp();
    t.prompts.whenPassword(PASTE, NEW_KEY);
    t.api.answerChecks(checkResult('invalid_key'), checkResult('valid'));
    const check = { baseURL: 'http://127.0.0.1:18556/v1', model: 'gpt-4o', timeoutMs: 30000 };
    expect(await setup(t.ctx, { ...OPTIONS, check })).toBe(0);
    expect(t.api.checkedKeys).toEqual([KEY, NEW_KEY]);
    for (const request of t.api.checks) expect(request).toMatchObject(check);
    t.assertScriptsUsed();
  });
});

describe('setup: its advice repeats the live-check options (without them, a key for another server would go to the OpenAI API)', () => {
  const CHECK = { baseURL: 'http://127.0.0.1:18556/v1', model: 'gpt-4o', timeoutMs: 30000 };
  const FLAGS = ' --base-url http://127.0.0.1:18556/v1 --model gpt-4o --timeout 30000';

  it('"Stop for now" names the wizard with them', async () => {
    context();
    await previouslySetUp();
    t.prompts.whenSelect(CHECK_UNFINISHED, 'stop');
    t.api.answerChecks(checkResult('timeout'));
    expect(await setup(t.ctx, { ...OPTIONS, check: CHECK })).toBe(6);
    expect(t.stdout).toContain(`Stopped. Your progress is saved: run \`openai-setup${FLAGS}\` to continue.`);
    t.assertScriptsUsed();
  });

  it('skipped stages: "run again" names them (and --insecure-storage, as the wizard was started)', async () => {
    context();
    t.prompts.whenSelect(PAGE_DONE, 'done').whenSelect(PAGE_DONE, 'skip').whenSelect(HOW_TO_PAY, 'prepaid').whenSelect(PAGE_DONE, 'done').whenConfirm(BUDGET, false).whenPassword(PASTE, KEY);
    t.api.answerChecks(checkResult('valid'));
    expect(await setup(t.ctx, { ...OPTIONS, insecureStorage: true, profile: 'work', check: CHECK })).toBe(0);
    expect(flat(t.stdout)).toContain(`Skipped: Add a payment method. Run \`openai-setup --profile work --insecure-storage${FLAGS}\` again to finish them.`);
    t.assertScriptsUsed();
  });

  it('"No key yet" names `key` and the wizard with them (exit 2: the run ends without a key)', async () => {
    context();
    await t.ctx.state.updateProfile('default', (p) => {
      for (const id of STAGE_IDS) p.stages[id] = { doneAt: '2026-01-01T00:00:00.000Z' };
    });
    expect(await setup(t.ctx, { ...OPTIONS, check: CHECK })).toBe(2);
    expect(t.stdout).toContain(`No key yet. When you have one, run \`openai-setup key${FLAGS}\` (or \`openai-setup${FLAGS}\` to continue).`);
  });

  it('a key kept in OPENAI_API_KEY but not set here: "run again" names them', async () => {
    context({ env: { SHELL: '/bin/bash' } });
    await t.ctx.state.updateProfile('default', (p) => {
      for (const id of STAGE_IDS) p.stages[id] = { doneAt: '2026-01-01T00:00:00.000Z' };
      p.key = { storage: 'env', hint: 'sk-proj-…000A', savedAt: '2026-01-01T00:00:00.000Z' };
    });
    expect(await setup(t.ctx, { ...OPTIONS, check: CHECK })).toBe(0);
    expect(flat(t.stdout)).toContain(`then run \`openai-setup${FLAGS}\` again.`);
  });

  it('the stored key in a keychain not running here: the file way out names them', async () => {
    context();
    await previouslySetUp();
    t.keychain.failWith('no-service');
    const { code, hints } = await outcomeOf(setup(t.ctx, { ...OPTIONS, check: CHECK }));
    expect(code).toBe(7);
    expect(hints.at(-1)).toBe(`Run this where the Secret Service keyring is (your desktop session), or keep the key in a file only you can read (it asks for the key, hidden):  openai-setup key --insecure-storage${FLAGS}`);
  });

  it('a locked keychain: the last resort names them', async () => {
    context();
    await previouslySetUp();
    t.keychain.failWith('locked');
    const { code, hints } = await outcomeOf(setup(t.ctx, { ...OPTIONS, check: CHECK }));
    expect(code).toBe(7);
    expect(hints.at(-1)).toBe(`As a last resort, keep the key in a file only you can read (it asks for the key, hidden):  openai-setup key --insecure-storage${FLAGS}`);
  });
});

describe("setup: the closing screen after a check against one of OpenAI's data-residency hosts", () => {
  const EU = 'https://eu.api.openai.com/v1';

  it('names the host programs need, but not as "not the OpenAI API"', async () => {
    context();
    await previouslySetUp();
    t.prompts.whenConfirm(FINISH, true);
    t.api.answerChecks(checkResult('valid'));
    expect(await setup(t.ctx, { ...OPTIONS, profile: 'default', check: { baseURL: EU } })).toBe(0);
    const out = flat(t.stdout);
    expect(out).toContain(`Your key sk-proj-…000A works with ${EU}.`);
    expect(out).toContain(`It is for that server: programs need OPENAI_BASE_URL=${EU} too`);
    expect(out).not.toContain('not the OpenAI API');
    expect(t.stdout).toContain(`    OPENAI_BASE_URL=${EU} openai-setup run -- python3 app.py\n`);
  });
});

describe('setup: the closing screen after a check against another server (--base-url, --model)', () => {
  const BASE = 'http://127.0.0.1:18556/v1';

  it('every command it names sends the key to that server, asking for the model checked', async () => {
    context();
    await previouslySetUp();
    t.prompts.whenConfirm(FINISH, true);
    t.api.answerChecks(checkResult('valid'));
    expect(await setup(t.ctx, { ...OPTIONS, profile: 'default', check: { baseURL: BASE, model: 'llama-3.1-8b' } })).toBe(0);
    const out = flat(t.stdout);
    expect(out).toContain(`Your key sk-proj-…000A works with ${BASE}.`);
    expect(out).toContain(`It is for that server, not the OpenAI API: programs need OPENAI_BASE_URL=${BASE} too`);
    const lines = t.stdout.split('\n');
    expect(lines.slice(lines.indexOf('  Run a program with the key set:'), lines.indexOf('  Run a program with the key set:') + 6)).toEqual([
      '  Run a program with the key set:',
      `    OPENAI_BASE_URL=${BASE} openai-setup run -- python3 app.py`,
      '  Set it in this shell:',
      `    OPENAI_API_KEY="$(openai-setup token)"; export OPENAI_API_KEY OPENAI_BASE_URL=${BASE}`,
      '  Write it to a git-ignored .env (add OPENAI_BASE_URL there):',
      '    openai-setup env --file .env',
    ]);
    expect(lines).toContain(
      `  OPENAI_BASE_URL=${BASE} openai-setup run -- python3 -c 'from openai import OpenAI; print(OpenAI().responses.create(model="llama-3.1-8b", input="Say hi in five words").output_text)'`,
    );
    expect(lines).toContain(
      `  OPENAI_BASE_URL=${BASE} openai-setup run -- node -e 'new (require("openai").OpenAI)().responses.create({model:"llama-3.1-8b",input:"Say hi in five words"}).then((r)=>console.log(r.output_text))'`,
    );
    expect(t.stdout).not.toMatch(/model[=:]"gpt-4o-mini"/);
    t.assertScriptsUsed();
  });

  it('the key in OPENAI_API_KEY: the one real call sets OPENAI_BASE_URL too', async () => {
    context({ env: { OPENAI_API_KEY: KEY } });
    t.prompts.whenConfirm(FINISH, true);
    t.api.answerChecks(checkResult('valid'));
    expect(await setup(t.ctx, { ...OPTIONS, check: { baseURL: BASE } })).toBe(0);
    const lines = t.stdout.split('\n');
    expect(lines.some((line) => line.startsWith(`  OPENAI_BASE_URL=${BASE} python3 -c 'from openai import OpenAI; print(OpenAI().responses.create(model="gpt-4o-mini"`))).toBe(true);
    expect(lines.some((line) => line.startsWith(`  OPENAI_BASE_URL=${BASE} node -e `))).toBe(true);
    t.assertScriptsUsed();
  });

  it('a base URL with a user name and password: never printed, and said to be left out', async () => {
    context();
    await previouslySetUp();
    t.prompts.whenConfirm(FINISH, true);
    t.api.answerChecks(checkResult('valid'));
    expect(await setup(t.ctx, { ...OPTIONS, check: { baseURL: 'https://me:s3cret@llm.example.com/v1' } })).toBe(0);
    expect(t.stdout).not.toContain('s3cret');
    expect(t.stdout).toContain('OPENAI_BASE_URL=https://llm.example.com/v1 openai-setup run -- python3 app.py');
    expect(flat(t.stdout)).toContain('The user name and password of --base-url are left out of OPENAI_BASE_URL here: add them.');
    t.assertScriptsUsed();
  });

  it('without --base-url the commands are as before: no OPENAI_BASE_URL', async () => {
    context();
    await previouslySetUp();
    t.prompts.whenConfirm(FINISH, true);
    t.api.answerChecks(checkResult('valid'));
    expect(await setup(t.ctx, OPTIONS)).toBe(0);
    expect(t.stdout).not.toContain('OPENAI_BASE_URL');
    expect(t.stdout).toContain('Your key sk-proj-…000A works. The OpenAI SDKs');
    t.assertScriptsUsed();
  });
});

describe('setup: a key stored in a keychain out of reach', () => {
  it('no Secret Service here (SSH, a container): exit 7, the stored key named, not "No key yet"', async () => {
    context();
    await previouslySetUp();
    t.keychain.failWith('no-service');
    const { code, message, hints } = await outcomeOf(setup(t.ctx, OPTIONS));
    expect(code).toBe(7);
    expect(message).toBe(
      'The key stored for profile "default" (sk-proj-…000A) is in the Secret Service keyring, which is not running here (common over SSH, in containers and on WSL): it cannot be read from here.',
    );
    expect(hints).toEqual(['Run this where the Secret Service keyring is (your desktop session), or keep the key in a file only you can read (it asks for the key, hidden):  openai-setup key --insecure-storage']);
    expect(t.stdout).not.toContain('No key yet');
    expect(t.api.checks).toEqual([]);
  });

  it('a key kept in the file is read from there, with no Secret Service too', async () => {
    context();
    await t.ctx.keys.set('default', KEY, true);
    await t.ctx.state.updateProfile('default', (p) => {
      for (const id of STAGE_IDS) p.stages[id] = { doneAt: '2026-01-01T00:00:00.000Z' };
      p.key = { storage: 'file', hint: 'sk-proj-…000A', savedAt: '2026-01-01T00:00:00.000Z' };
    });
    t.keychain.failWith('no-service');
    t.prompts.whenConfirm(FINISH, true);
    t.api.answerChecks(checkResult('valid'));
    expect(await setup(t.ctx, OPTIONS)).toBe(0);
    expect(t.api.checkedKeys).toEqual([KEY]);
    t.assertScriptsUsed();
  });
});

describe('setup: after insufficient_quota', () => {
  it('goes back to billing, then straight to adding credits, and checks again until the key can spend', async () => {
    context();
    await previouslySetUp();
    t.prompts
      // The stored key cannot spend: billing is pending again, and runs.
      .whenSelect(HOW_TO_PAY, 'auto-reload')
      .whenSelect(PAGE_DONE, 'done')
      .whenConfirm(BUDGET, false)
      // Still no credits after it: the route question, then only the billing page, not stage 3 again.
      .whenSelect(CANNOT_SPEND, 'credits')
      .whenSelect(CREDITS_ADDED, 'recheck');
    t.api.answerChecks(checkResult('insufficient_quota'), checkResult('insufficient_quota'), checkResult('valid'));

    expect(await setup(t.ctx, OPTIONS)).toBe(0);

    expect(t.api.checkedKeys).toEqual([KEY, KEY, KEY]);
    expect(t.stdout).toContain('Step 3 of 4 · Choose how to pay');
    expect(t.stdout).toContain('Back to step 3 · Add credits');
    expect(t.stdout.match(/How do you want to pay/g) ?? []).toHaveLength(0);
    expect(t.prompts.asked.filter((a) => a.message === HOW_TO_PAY)).toHaveLength(1);
    // The earlier choice is remembered: auto-reload's advice, not prepaid's.
    expect(flat(t.stdout)).toContain('keep auto-reload on so that the balance never reaches $0');
    expect(t.browser.opened).toEqual([PAGES.billing.url, PAGES.billing.url]);
    expect(t.prompts.asked.find((a) => a.message === CANNOT_SPEND)?.choices).toEqual(['credits', 'recheck', 'key', 'stop']);
    expect(t.stdout).toContain(READY);
    const profile = await t.profile();
    expect(profile?.billingChoice).toBe('auto-reload');
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
  it('invalid_key in the key stage: no offer to keep it; paste a new key, which is checked and stored', async () => {
    context();
    t.prompts
      .whenSelect(PAGE_DONE, 'done', 3)
      .whenSelect(HOW_TO_PAY, 'auto-reload')
      .whenConfirm(BUDGET, false)
      .whenPassword(PASTE, KEY)
      .whenSelect(KEY_WHAT_NOW, 'again')
      .whenPassword(PASTE, NEW_KEY);
    t.api.answerChecks(checkResult('invalid_key'), checkResult('valid'));

    expect(await setup(t.ctx, OPTIONS)).toBe(0);

    expect(t.api.checkedKeys).toEqual([KEY, NEW_KEY]);
    expect(t.prompts.asked.find((a) => a.message === KEY_WHAT_NOW)?.choices).toEqual(['again', 'stop']);
    expect(t.keychain.keyOf('default')).toBe(NEW_KEY);
    expect(t.stdout).toContain('Your key sk-proj-…000B works.');
    t.assertScriptsUsed();
  });

  it('forbidden for something around the key: the key is kept, "check again" comes first, a new key second', async () => {
    context();
    t.prompts
      .whenSelect(PAGE_DONE, 'done', 3)
      .whenSelect(HOW_TO_PAY, 'auto-reload')
      .whenConfirm(BUDGET, false)
      .whenPassword(PASTE, KEY)
      .whenSelect(REGION_REFUSED, 'key')
      .whenPassword(PASTE, NEW_KEY);
    t.api.answerChecks(checkResult('forbidden'), checkResult('valid'));

    expect(await setup(t.ctx, OPTIONS)).toBe(0);

    expect(t.api.checkedKeys).toEqual([KEY, NEW_KEY]);
    expect(t.stdout).toContain('Back to step 4 · Create a secret key and store it');
    expect(t.prompts.asked.find((a) => a.message === REGION_REFUSED)?.choices).toEqual(['recheck', 'key', 'stop']);
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

  it("a different key pasted, rejected, and not saved leaves the stored key's last check as it was", async () => {
    context();
    await previouslySetUp();
    t.prompts.whenSelect(CHECK_UNFINISHED, 'key').whenPassword(PASTE, NEW_KEY).whenSelect(KEY_WHAT_NOW, 'stop');
    // The stored key's check does not finish: the person tries another key, which is rejected.
    t.api.answerChecks(checkResult('timeout'), checkResult('invalid_key'));
    const { code } = await outcomeOf(setup(t.ctx, OPTIONS));
    expect(code).toBe(3);
    expect(t.keychain.keyOf('default')).toBe(KEY);
    expect((await t.profile())?.lastVerify).toMatchObject({ keyHint: 'sk-proj-…000A', status: 'timeout' });
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
    // The first check fails; no stage to run, so the choices come at once (not a second check
    // first: a timeout would keep the person waiting twice), and the person asks for another.
    t.api.answerChecks(checkResult(status), checkResult('valid'));

    expect(await setup(t.ctx, OPTIONS)).toBe(0);

    expect(t.api.checkedKeys).toEqual([KEY, KEY]);
    expect(t.prompts.asked.map((a) => a.choices)).toEqual([['recheck', 'key', 'stop']]);
    // Each check is shown, and the last one is the one on record.
    const failure = checkResult(status).message;
    expect(t.stdout.split(failure).length - 1).toBe(1);
    expect(t.stdout).toContain('✔ The key works and can spend.');
    expect((await t.profile())?.lastVerify?.status).toBe('valid');
    expect(t.stdout).toContain(READY);
    t.assertScriptsUsed();
  });

  it("'stop' returns the network exit code 6 and keeps the stored key", async () => {
    context();
    await previouslySetUp();
    t.prompts.whenSelect(CHECK_UNFINISHED, 'stop');
    t.api.answerChecks(checkResult('timeout'));
    expect(await setup(t.ctx, OPTIONS)).toBe(6);
    expect(t.stdout).toContain('No answer from api.openai.com within 15000 ms.');
    expect(t.keychain.keyOf('default')).toBe(KEY);
    expect(await doneStages()).toEqual([...STAGE_IDS].sort());
    t.assertScriptsUsed();
  });
});

describe('setup: refusals fixed around the key', () => {
  it('a region refusal of the stored key goes straight to "check again", without sending the person back to create a key', async () => {
    context();
    await previouslySetUp();
    t.prompts.whenSelect(REGION_REFUSED, 'recheck');
    t.api.answerChecks(checkResult('forbidden', { reason: 'unsupported_country_region_territory' }), checkResult('valid'));
    expect(await setup(t.ctx, OPTIONS)).toBe(0);
    expect(t.api.checkedKeys).toEqual([KEY, KEY]);
    expect(t.browser.opened).toEqual([]);
    expect(t.keychain.keyOf('default')).toBe(KEY);
    expect(t.prompts.asked.map((a) => a.message)).toEqual([REGION_REFUSED]);
    expect(t.stdout).toContain(READY);
    t.assertScriptsUsed();
  });

  it('a restricted key lacking a permission is refused the same way: fix the permissions, check again', async () => {
    context();
    await previouslySetUp();
    t.prompts.whenSelect(SCOPE_REFUSED, 'stop');
    t.api.answerChecks(checkResult('forbidden', { reason: 'missing_scopes' }));
    expect(await setup(t.ctx, OPTIONS)).toBe(5);
    expect(t.prompts.asked[0]?.choices).toEqual(['recheck', 'key', 'stop']);
    // The key stage stays done: the key itself is the right one.
    expect((await t.profile())?.stages.key).toBeDefined();
  });
});

describe('setup: "Set OPENAI_API_KEY yourself"', () => {
  it('the closing screen fits that choice: the line goes in the shell file, no commands that need a stored key', async () => {
    context({ env: { SHELL: '/bin/bash' } });
    t.keychain.failWith('no-service');
    t.prompts
      .whenSelect(PAGE_DONE, 'done', 3)
      .whenSelect(HOW_TO_PAY, 'prepaid')
      .whenConfirm(BUDGET, false)
      .whenSelect('Where should the key go?', 'env')
      .whenPassword(PASTE, KEY)
      .whenConfirm('Show the line with the key in it? (it will be on your screen)', false);
    t.api.answerChecks(checkResult('valid'));
    expect(await setup(t.ctx, OPTIONS)).toBe(0);
    const out = flat(t.stdout);
    expect(out).toContain('You keep it in OPENAI_API_KEY yourself: once the line is in ~/.bashrc, open a new terminal, or run `source ~/.bashrc` in this one');
    expect(out).not.toContain('openai-setup token');
    expect(out).not.toContain('openai-setup run --');
    expect((await t.profile())?.key).toMatchObject({ storage: 'env' });
    t.assertScriptsUsed();
  });

  it('a re-run says the key is expected in OPENAI_API_KEY and is not set in this shell (not "No key yet")', async () => {
    context({ env: { SHELL: '/usr/bin/zsh' } });
    await t.ctx.state.updateProfile('default', (p) => {
      for (const id of STAGE_IDS) p.stages[id] = { doneAt: '2026-01-01T00:00:00.000Z' };
      p.key = { storage: 'env', hint: 'sk-proj-…000A', savedAt: '2026-01-01T00:00:00.000Z' };
    });
    expect(await setup(t.ctx, OPTIONS)).toBe(0);
    const out = flat(t.stdout);
    expect(out).toContain('The key of this profile (sk-proj-…000A) is kept in OPENAI_API_KEY, which you set yourself in ~/.zshrc, and it is not set in this shell: open a new terminal, or run `source ~/.zshrc` in this one');
    expect(out).not.toContain('No key yet');
  });
});

describe('setup: stages another run did while the wizard was open', () => {
  /**
   * When the wizard opens `page`, another shell (its own run over the same config dir and
   * keychain, a minute later) does `commands` as the person would type them there.
   */
  function meanwhile(page: string, commands: (other: TestContext) => Promise<unknown>, options: TestContextOptions = {}): TestContext {
    const other = makeTestContext({ interactive: false, now: new Date(FIXED_NOW.getTime() + 60_000), ...options });
    other.ctx.state = new StateStore(t.configDir, other.ctx.clock.now, () => {});
    other.ctx.keys = new KeyStore(t.keychain, t.configDir, () => {}, other.ctx.state);
    const open = t.browser.open.bind(t.browser);
    let done = false;
    t.browser.open = async (url) => {
      if (url === page && !done) {
        done = true;
        await commands(other);
      }
      return open(url);
    };
    return other;
  }

  it('login --done, payment --done and billing --choice prepaid --done in another shell: stages 2 and 3 are not asked again', async () => {
    context();
    meanwhile(PAGES.login.url, async (other) => {
      await loginCommand(other.ctx, { done: true });
      await paymentCommand(other.ctx, { done: true });
      await billingCommand(other.ctx, { done: true, choice: 'prepaid' });
    });
    t.prompts.whenSelect(PAGE_DONE, 'done').whenPassword(PASTE, KEY);
    t.api.answerChecks(checkResult('valid'));

    expect(await setup(t.ctx, OPTIONS)).toBe(0);

    expect(t.prompts.asked.map((a) => a.message)).toEqual([PAGE_DONE, PASTE]);
    expect(t.browser.opened).toEqual([PAGES.login.url, PAGES.keys.url]);
    expect(t.stdout).toContain('✔ Done meanwhile, by another run: Step 2 of 4 · Add a payment method\n');
    expect(t.stdout).toContain('✔ Done meanwhile, by another run: Step 3 of 4 · Choose how to pay and set a budget\n');
    // What the other run recorded stands: its choice, and its time of stage 3.
    expect(await t.profile()).toMatchObject({ billingChoice: 'prepaid', stages: { billing: { doneAt: '2026-03-02T09:31:00.000Z' } } });
    expect(t.stdout).toContain(READY);
    t.assertScriptsUsed();
  });

  it('a key stored meanwhile (`key --stdin` in another shell) is the one checked: the key stage is not asked again', async () => {
    context();
    const other = meanwhile(
      PAGES.login.url,
      async (other) => {
        await loginCommand(other.ctx, { done: true });
        await paymentCommand(other.ctx, { done: true });
        await billingCommand(other.ctx, { done: true, choice: 'prepaid' });
        await keyCommand(other.ctx, { stdin: true, insecureStorage: false });
      },
      { stdin: `${NEW_KEY}\n` },
    );
    other.api.answerChecks(checkResult('valid'));
    t.prompts.whenSelect(PAGE_DONE, 'done');
    t.api.answerChecks(checkResult('valid'));

    expect(await setup(t.ctx, OPTIONS)).toBe(0);

    expect(t.prompts.asked.map((a) => a.message)).toEqual([PAGE_DONE]);
    expect(t.stdout).toContain('✔ Done meanwhile, by another run: Step 4 of 4 · Create a secret key and store it\n');
    expect(t.api.checkedKeys).toEqual([NEW_KEY]);
    expect(t.keychain.keyOf('default')).toBe(NEW_KEY);
    expect(t.stdout).toContain(READY);
    expect(t.stdout).toContain('Your key sk-proj-…000B works.');
    t.assertScriptsUsed();
  });
});

describe('setup: stage 3 for a second profile whose key cannot spend, no way to pay chosen yet', () => {
  it("is asked: the default profile's record of it, there when the run began, is not \"done meanwhile\"", async () => {
    context();
    await previouslySetUp();
    await t.keychain.setPassword('openai-setup', 'kk', NEW_KEY);
    await t.ctx.state.updateProfile('kk', (p) => {
      p.stages.key = { doneAt: '2026-01-01T00:00:00.000Z' };
      p.key = { storage: 'keychain', hint: 'sk-proj-…000B', savedAt: '2026-01-01T00:00:00.000Z' };
    });
    t.prompts.whenSelect(HOW_TO_PAY, 'prepaid').whenSelect(PAGE_DONE, 'done').whenConfirm(BUDGET, false).whenSelect(CANNOT_SPEND, 'stop');
    t.api.answerChecks(checkResult('insufficient_quota'), checkResult('insufficient_quota'));
    expect(await setup(t.ctx, { ...OPTIONS, profile: 'kk' })).toBe(4);
    expect(t.stdout).toContain('Step 3 of 4 · Choose how to pay and set a budget');
    expect(t.stdout).not.toContain('Done meanwhile');
    t.assertScriptsUsed();
  });
});

describe('setup: a second profile', () => {
  it('does not ask again to sign in, add a card or choose billing: those belong to the account, only the key is new', async () => {
    context();
    await previouslySetUp();
    t.prompts.whenPassword(PASTE, NEW_KEY);
    t.api.answerChecks(checkResult('valid'));
    expect(await setup(t.ctx, { ...OPTIONS, profile: 'work' })).toBe(0);
    expect(t.stdout).toContain('Step 4 of 4 · Create a secret key and store it');
    expect(t.stdout).not.toContain('Step 1 of 4');
    expect(t.browser.opened).toEqual([PAGES.keys.url]);
    expect(t.keychain.keyOf('work')).toBe(NEW_KEY);
    t.assertScriptsUsed();
  });
});

// ---------------------------------------------------------------------------------------------
// Answers as the real diagnosis reads them: verdict() over the API's error body for one probe.

/** A check whose list of models (`models`) or 1-token request (`billing`) gets this error answer, judged by the real verdict(). */
function answered(status: number, message: string, type: string | null, code: string | null, probe: 'models' | 'billing'): (request: CheckRequest) => CheckResult {
  return (request) => {
    const failed = { ok: false as const, failure: { kind: 'http' as const, status, headers: null, body: { error: { message, type, param: null, code } }, requestId: null } };
    const listed = { ok: true as const, headers: new Headers(), modelIds: ['gpt-4o-mini'] };
    return probe === 'models' ? verdict(request, null, failed, null, 100) : verdict(request, null, listed, failed, 100);
  };
}

const LIMITED_PROJECT = 'proj_Limit0123456789abcdef';
const PROJECT_LIMITS = projectPageUrl(LIMITED_PROJECT, 'limits');
const quota = (message: string, code: string) => answered(429, message, 'insufficient_quota', code, 'billing');
const PROJECT_LIMIT = quota(`Your project has reached its configured enforced spend limit. Update your limit at ${PROJECT_LIMITS}.`, 'project_spend_limit_exceeded');
// The same limit under the generic code, without the sentence that names the project (§9.2).
const PROJECT_LIMIT_UNNAMED = quota('Your project has reached its configured enforced spend limit.', 'insufficient_quota');
const ORG_SPEND_LIMIT = quota('Your organization has reached its spend limit.', 'organization_spend_limit_exceeded');
const USAGE_LIMIT = quota('Your organization has reached its usage limit.', 'organization_usage_limit_exceeded');

const PROJECT_LIMITED = 'The key cannot spend: its project has reached its spend limit. What now?';
const ORG_LIMITED = 'The key cannot spend: the organization has reached its spend limit. What now?';
const USAGE_LIMITED = "The key cannot spend: the organization has used up its usage tier's monthly allowance. What now?";
const LIMIT_LIFTED = 'When the limit no longer stops the key:';

describe('setup: a spend or usage limit (buying credits does not lift it)', () => {
  it.each([
    ['a project spend limit: its own limits page', PROJECT_LIMIT, PROJECT_LIMITED, PROJECT_LIMITS, "On the project's limits page, raise its spend limit or remove it. Buying credits does not lift it."],
    ['a project spend limit whose project is not named: the way to its limits', PROJECT_LIMIT_UNNAMED, PROJECT_LIMITED, PAGES.limits.url, "open that project's settings, then Limits, and raise or remove its spend limit. Buying credits does not lift it."],
    ['an organization spend limit: the limits page', ORG_SPEND_LIMIT, ORG_LIMITED, PAGES.limits.url, "On the limits page, raise the organization's monthly budget or remove it. Buying credits does not lift it."],
    ["the usage tier's allowance: the limits page", USAGE_LIMIT, USAGE_LIMITED, PAGES.limits.url, 'The allowance starts again next month; a higher usage tier'],
  ])('%s first, then "check again"; no credits, no billing stage', async (_name, answer, question, page, advice) => {
    context();
    await previouslySetUp();
    t.prompts.whenSelect(question, 'limits').whenSelect(LIMIT_LIFTED, 'recheck');
    t.api.answerChecks(answer, checkResult('valid'));

    expect(await setup(t.ctx, OPTIONS)).toBe(0);

    expect(t.prompts.asked.map((a) => [a.message, a.choices])).toEqual([
      [question, ['limits', 'recheck', 'key', 'stop']],
      [LIMIT_LIFTED, ['recheck', 'again', 'stop']],
    ]);
    expect(t.browser.opened).toEqual([page]);
    expect(flat(t.stdout)).toContain(advice);
    expect(t.stdout).not.toMatch(/add credits|buy credits/i);
    // Billing stays done: the stage that buys credits is not the fix.
    expect(await doneStages()).toEqual([...STAGE_IDS].sort());
    expect(t.api.checkedKeys).toEqual([KEY, KEY]);
    expect(t.stdout).toContain(READY);
    t.assertScriptsUsed();
  });

  // Every reason of the limit table: one added there gets the wizard's limit screen and its page.
  it.each(Object.keys(LIMIT_REASONS) as LimitReasonName[])('%s (the limit table): named in the question, its page opened, no credits', async (reason) => {
    context();
    await previouslySetUp();
    t.prompts.whenSelect(`The key cannot spend: ${LIMIT_REASONS[reason].what}. What now?`, 'limits').whenSelect(LIMIT_LIFTED, 'stop');
    t.api.answerChecks(quota('You exceeded your quota.', reason));

    expect(await setup(t.ctx, OPTIONS)).toBe(4);

    expect(t.browser.opened).toEqual([LIMIT_REASONS[reason].page(null)]);
    expect(t.stdout).not.toMatch(/add credits|buy credits/i);
    t.assertScriptsUsed();
  });

  it('"Open the page again" opens the project\'s page again; "Stop for now" ends with exit 4, the key and billing kept', async () => {
    context();
    await previouslySetUp();
    t.prompts.whenSelect(PROJECT_LIMITED, 'limits').whenSelect(LIMIT_LIFTED, 'again').whenSelect(LIMIT_LIFTED, 'stop');
    t.api.answerChecks(PROJECT_LIMIT);

    expect(await setup(t.ctx, OPTIONS)).toBe(4);

    expect(t.browser.opened).toEqual([PROJECT_LIMITS, PROJECT_LIMITS]);
    expect(t.stdout).toContain("Raise the project's spend limit");
    expect(t.stdout).toContain('Stopped. Your progress is saved: run `openai-setup` to continue.');
    expect(t.keychain.keyOf('default')).toBe(KEY);
    expect(await doneStages()).toEqual([...STAGE_IDS].sort());
    t.assertScriptsUsed();
  });

  it.each([
    ['no credits', quota('You have no credits remaining. Add credits to continue using the API at https://platform.openai.com/settings/organization/billing/.', 'credit_balance_exhausted')],
    ['billing not active', answered(429, 'Your account is not active, please check your billing details on our website.', 'billing_not_active', 'billing_not_active', 'billing')],
  ])('%s keeps "Add credits" first, on the billing page', async (_name, answer) => {
    context();
    await previouslySetUp();
    t.prompts.whenSelect(HOW_TO_PAY, 'prepaid').whenSelect(PAGE_DONE, 'skip').whenSelect(CANNOT_SPEND, 'credits').whenSelect(CREDITS_ADDED, 'stop');
    t.api.answerChecks(answer, answer);

    expect(await setup(t.ctx, OPTIONS)).toBe(4);

    expect(t.prompts.asked.find((a) => a.message === CANNOT_SPEND)?.choices).toEqual(['credits', 'recheck', 'key', 'stop']);
    // Stage 3's page, then the one "Add credits" opens.
    expect(t.browser.opened).toEqual([PAGES.billing.url, PAGES.billing.url]);
    t.assertScriptsUsed();
  });

  it.each([
    ['a project spend limit', PROJECT_LIMIT, `Raise or remove the project's spend limit on ${PROJECT_LIMITS}, then check the key again:`],
    ['an organization spend limit', ORG_SPEND_LIMIT, `Raise or remove the organization's monthly budget on ${PAGES.limits.url}, then check the key again:`],
    ["the usage tier's allowance", USAGE_LIMIT, `Wait for next month, or qualify for a higher usage tier (${PAGES.limits.url}), then check the key again:`],
  ])('without a terminal, %s: exit 4, what lifts it, and verify (no credits, no billing --done)', async (_name, answer, then) => {
    context({ interactive: false });
    await previouslySetUp();
    t.api.answerChecks(answer);
    const { code, message, hints } = await outcomeOf(setup(t.ctx, OPTIONS));
    expect(code).toBe(4);
    expect(message).toBe(`The check above did not pass, and the wizard asks nothing here (there is no interactive terminal). ${then}`);
    expect(hints).toEqual(['openai-setup verify']);
    t.assertScriptsUsed();
  });
});

// A header this process sends from its own environment: a fix made in the shell cannot reach the
// running wizard, and checking again would send the same header and fail the same way.
const ORG_MISMATCH = answered(401, 'OpenAI-Organization header should match organization for API key', 'invalid_request_error', 'mismatched_organization', 'models');
const PROJECT_MISMATCH = answered(401, 'OpenAI-Project header should match project for API key', 'invalid_request_error', 'mismatched_project', 'models');
const NO_SUCH_ORG = answered(401, 'No such organization: org-someoneelse.', 'invalid_request_error', 'invalid_organization', 'models');
const LEFT_ORG = answered(401, 'You do not have access to the organization tied to the API key.', 'invalid_request_error', 'invalid_organization', 'models');
/** The key of the stored profile fails with `refused` only while the header goes along, as the API answers. */
const whileSent = (refused: (request: CheckRequest) => CheckResult) => (request: CheckRequest) =>
  request.key === KEY && (request.organization || request.project) ? refused(request) : checkResult('valid');

const ORG_ENV_REFUSED = 'The API refused the OpenAI-Organization header sent with the key, which OPENAI_ORG_ID sets. This run cannot see a change made in your shell: what now?';
const PROJECT_ENV_REFUSED = 'The API refused the OpenAI-Project header sent with the key, which OPENAI_PROJECT_ID sets. This run cannot see a change made in your shell: what now?';

describe('setup: a refusal caused by OPENAI_ORG_ID / OPENAI_PROJECT_ID set where the wizard was started', () => {
  it('OPENAI_ORG_ID not the key\'s: no "check again" (it would fail forever); stop with the exact commands, exit 5', async () => {
    context({ env: { OPENAI_ORG_ID: 'org-someoneelse' } });
    await previouslySetUp();
    t.prompts.whenSelect(ORG_ENV_REFUSED, 'unset');
    t.api.answerEveryCheck(whileSent(ORG_MISMATCH));

    expect(await setup(t.ctx, OPTIONS)).toBe(5);

    expect(t.prompts.asked[0]?.choices).toEqual(['unset', 'key', 'stop']);
    expect(t.api.checks.map((c) => c.organization)).toEqual([{ value: 'org-someoneelse', from: 'OPENAI_ORG_ID' }]);
    expect(flat(t.stdout)).toContain("This run took OPENAI_ORG_ID from the shell it was started in, and sends it with every check. In your shell, unset it (or set it to the key's organization; in your shell's startup file too, if it is set there), then run the wizard again:");
    const lines = t.stdout.split('\n');
    expect(lines).toContain('  unset OPENAI_ORG_ID');
    expect(lines).toContain('  openai-setup');
    expect(t.keychain.keyOf('default')).toBe(KEY);
    t.assertScriptsUsed();
  });

  it('the commands fit the shell and repeat the options the wizard was started with', async () => {
    context({ env: { OPENAI_ORG_ID: 'org-someoneelse', SHELL: '/usr/bin/fish' } });
    await previouslySetUp();
    t.prompts.whenSelect(ORG_ENV_REFUSED, 'unset');
    t.api.answerEveryCheck(whileSent(ORG_MISMATCH));
    expect(await setup(t.ctx, { ...OPTIONS, check: { timeoutMs: 30000 } })).toBe(5);
    const lines = t.stdout.split('\n');
    expect(lines).toContain('  set -e OPENAI_ORG_ID');
    expect(lines).toContain('  openai-setup --timeout 30000');
    t.assertScriptsUsed();
  });

  it('OPENAI_PROJECT_ID not the key\'s: a key from the project it names can be pasted instead, and works', async () => {
    context({ env: { OPENAI_PROJECT_ID: 'proj_other' } });
    await previouslySetUp();
    t.prompts.whenSelect(PROJECT_ENV_REFUSED, 'key').whenPassword(PASTE, NEW_KEY);
    t.api.answerEveryCheck(whileSent(PROJECT_MISMATCH));

    expect(await setup(t.ctx, OPTIONS)).toBe(0);

    expect(t.prompts.asked[0]?.choices).toEqual(['unset', 'key', 'stop']);
    expect(t.api.checkedKeys).toEqual([KEY, NEW_KEY]);
    expect(t.keychain.keyOf('default')).toBe(NEW_KEY);
    expect(t.stdout).toContain(READY);
    t.assertScriptsUsed();
  });

  it('OPENAI_ORG_ID naming no organization: no key can fit it, so no key is offered either', async () => {
    context({ env: { OPENAI_ORG_ID: 'org-someoneelse' } });
    await previouslySetUp();
    t.prompts.whenSelect("The API refused the organization: the key's, or the one an OpenAI-Organization header names, which OPENAI_ORG_ID sets. This run cannot see a change made in your shell: what now?", 'stop');
    t.api.answerEveryCheck(whileSent(NO_SUCH_ORG));
    expect(await setup(t.ctx, OPTIONS)).toBe(5);
    expect(t.prompts.asked[0]?.choices).toEqual(['unset', 'stop']);
    expect(t.stdout).toContain('Stopped. Your progress is saved');
    t.assertScriptsUsed();
  });

  it('an owner who left the key\'s organization is fixed on the platform: "check again" stays first, OPENAI_ORG_ID set or not', async () => {
    context({ env: { OPENAI_ORG_ID: 'org-acme' } });
    await previouslySetUp();
    t.prompts.whenSelect("The API refused the organization: the key's, or the one an OpenAI-Organization header names. What now?", 'recheck');
    t.api.answerChecks(LEFT_ORG, checkResult('valid'));
    expect(await setup(t.ctx, OPTIONS)).toBe(0);
    expect(t.prompts.asked[0]?.choices).toEqual(['recheck', 'key', 'stop']);
    t.assertScriptsUsed();
  });

  it('without a terminal: exit 5, unset the variable, then verify', async () => {
    context({ interactive: false, env: { OPENAI_ORG_ID: 'org-someoneelse' } });
    await previouslySetUp();
    t.api.answerEveryCheck(whileSent(ORG_MISMATCH));
    const { code, message, hints } = await outcomeOf(setup(t.ctx, OPTIONS));
    expect(code).toBe(5);
    expect(message).toBe("The check above did not pass, and the wizard asks nothing here (there is no interactive terminal). Unset OPENAI_ORG_ID (or set it to the key's organization), then check the key again:");
    expect(hints).toEqual(['unset OPENAI_ORG_ID', 'openai-setup verify']);
  });

  it('without a terminal, with stages still to do: unset comes before them (`key --stdin` would send the header again)', async () => {
    context({ interactive: false, env: { OPENAI_ORG_ID: 'org-someoneelse', OPENAI_API_KEY: KEY } });
    t.api.answerEveryCheck(whileSent(ORG_MISMATCH));
    const { code, hints } = await outcomeOf(setup(t.ctx, OPTIONS));
    expect(code).toBe(5);
    expect(hints.slice(0, 2)).toEqual(['First, in this shell:', '  unset OPENAI_ORG_ID']);
    expect(hints.filter((line) => line.startsWith('  ')).map((line) => line.trim().split(' ')[1])).toEqual(['OPENAI_ORG_ID', 'login', 'payment', 'billing', 'OPENAI_API_KEY', 'verify']);
    expect(hints.slice(-2)).toEqual(['Then check the key again:', '  openai-setup verify']);
  });

  it('an OpenAI-Project line of OPENAI_CUSTOM_HEADERS not the key\'s: the variable named, its line to change; stop with the exact commands, exit 5', async () => {
    context({ env: { OPENAI_CUSTOM_HEADERS: 'OpenAI-Project: proj_zzz\nX-Title: app' } });
    await previouslySetUp();
    t.prompts.whenSelect('The API refused the OpenAI-Project header sent with the key, which OPENAI_CUSTOM_HEADERS sets. This run cannot see a change made in your shell: what now?', 'unset');
    t.api.answerEveryCheck(whileSent(PROJECT_MISMATCH));
    expect(await setup(t.ctx, OPTIONS)).toBe(5);
    expect(t.prompts.asked[0]?.choices).toEqual(['unset', 'key', 'stop']);
    expect(t.api.checks.map((c) => [c.project, c.headers])).toEqual([[{ value: 'proj_zzz', from: 'OPENAI_CUSTOM_HEADERS' }, { 'x-title': 'app' }]]);
    expect(flat(t.stdout)).toContain("In your shell, unset it (or change its OpenAI-Project line to the key's project; in your shell's startup file too, if it is set there), then run the wizard again:");
    expect(t.stdout.split('\n')).toContain('  unset OPENAI_CUSTOM_HEADERS');
    t.assertScriptsUsed();
  });

  it('an OpenAI-Project line of OPENAI_CUSTOM_HEADERS, without a terminal: exit 5, the variable named', async () => {
    context({ interactive: false, env: { OPENAI_CUSTOM_HEADERS: 'OpenAI-Project: proj_zzz' } });
    await previouslySetUp();
    t.api.answerEveryCheck(whileSent(PROJECT_MISMATCH));
    const { code, message, hints } = await outcomeOf(setup(t.ctx, OPTIONS));
    expect(code).toBe(5);
    expect(message).toMatch(/Unset OPENAI_CUSTOM_HEADERS \(or change its OpenAI-Project line to the key's project\), then check the key again:$/);
    expect(hints).toEqual(['unset OPENAI_CUSTOM_HEADERS', 'openai-setup verify']);
  });

  it('a refusal fixed elsewhere without a variable behind it: without a terminal, as before', async () => {
    context({ interactive: false });
    await previouslySetUp();
    t.api.answerChecks(checkResult('forbidden'));
    const { code, message, hints } = await outcomeOf(setup(t.ctx, OPTIONS));
    expect(code).toBe(5);
    expect(message).toMatch(/Fix it as described above, then check the key again:$/);
    expect(hints).toEqual(['openai-setup verify']);
  });
});

describe('setup: each refusal fixed around the key says what was refused (not that the key is right)', () => {
  it.each([
    ['ip_not_authorized', 'The API refused the request for the IP address it came from. What now?'],
    ['model_not_found', "The key's project may not use the model checked. What now?"],
    ['no_organization', 'Your user belongs to no organization, which the API requires. What now?'],
    ['account_deactivated', 'The account that owns the key is deactivated. What now?'],
    ['access_terminated', 'OpenAI terminated the access of the account that owns the key. What now?'],
  ])('%s: "check again" first (a fix this run can see), then another key', async (reason, question) => {
    context();
    await previouslySetUp();
    t.prompts.whenSelect(question, 'stop');
    t.api.answerChecks(checkResult('forbidden', { reason }));
    expect(await setup(t.ctx, OPTIONS)).toBe(5);
    expect(t.prompts.asked[0]?.choices).toEqual(['recheck', 'key', 'stop']);
    t.assertScriptsUsed();
  });
});

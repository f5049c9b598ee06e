// The wizard claims, keeps or checks again the key it found stored only if it is still the key
// stored then: another terminal may remove it (`logout`) or store another (`key`) while a question
// is open. Through Context, with the scripted prompter; an answer runs the other terminal.
import { afterEach, describe, expect, it } from 'vitest';
import { run as setup } from '../../src/commands/setup.js';
import { maskKey } from '../../src/keys/format.js';
import { STAGE_IDS } from '../../src/storage/state.js';
import { anotherRun } from '../helpers/store-faults.js';
import { checkResult, flat, makeTestContext, outcomeOf, testKey, type TestContext } from '../helpers/context.js';

const FINISH = "You're already set up. Finish now? (No walks through the stages anyway)";
const PAGE_DONE = 'When you are done on that page:';
const HOW_TO_PAY = 'How do you want to pay for the API?';
const BUDGET = 'Open the limits page to set a monthly budget (recommended)?';
const KEEP = 'The key stored for profile "default" (sk-proj-…000A) works. Keep it?';
const PASTE = 'Paste your secret key (input is hidden):';
const OLD = testKey('A');
const OTHER = testKey('B');
const PASTED = testKey('C');

let t: TestContext;
afterEach(() => t?.cleanup());

/** A finished earlier run: every stage done and OLD stored (in the keychain, or the file with --insecure-storage). */
async function previouslySetUp(storage: 'keychain' | 'file'): Promise<void> {
  await t.ctx.keys.set('default', OLD, storage === 'file');
  await t.ctx.state.updateProfile('default', (p) => {
    for (const id of STAGE_IDS) p.stages[id] = { doneAt: '2026-01-01T00:00:00.000Z' };
    p.key = { storage, hint: maskKey(OLD), savedAt: '2026-01-01T00:00:00.000Z' };
  });
}

/** `logout --yes` in another terminal: the key and its record gone (as logout leaves them). */
async function removedByAnotherRun(): Promise<void> {
  const other = anotherRun(t);
  await other.keys.delete('default');
  await other.state.updateProfile('default', (p) => {
    delete p.key;
    delete p.stages.key;
    delete p.lastVerify;
  });
}

/** `key` in another terminal: `key` stored in place of OLD, where OLD was, and recorded. */
async function replacedByAnotherRun(key: string, storage: 'keychain' | 'file'): Promise<void> {
  const other = anotherRun(t);
  await other.keys.set('default', key, storage === 'file');
  await other.state.updateProfile('default', (p) => {
    p.key = { storage, hint: maskKey(key), savedAt: '2026-01-02T00:00:00.000Z' };
  });
}

/** `then` runs (the other terminal) once the question `message` is answered, before the wizard goes on. */
function whileAsked(kind: 'confirm' | 'select', message: string, then: () => Promise<void>): void {
  const ask = (t.prompts[kind] as (...args: unknown[]) => Promise<unknown>).bind(t.prompts);
  (t.prompts as unknown as Record<string, unknown>)[kind] = async (...args: unknown[]) => {
    const answer = await ask(...args);
    if (args[0] === message) await then();
    return answer;
  };
}

async function doneStages(): Promise<string[]> {
  return Object.entries((await t.profile())?.stages ?? {})
    .filter(([, record]) => record?.doneAt)
    .map(([id]) => id)
    .sort();
}

describe('"Finish now?" answered yes, the key removed by another terminal meanwhile', () => {
  it('(--insecure-storage) not claimed: says it is gone, and step 4 follows; the key pasted there is the one said ready', async () => {
    t = makeTestContext();
    await previouslySetUp('file');
    t.prompts.whenConfirm(FINISH, true).whenPassword(PASTE, PASTED);
    whileAsked('confirm', FINISH, removedByAnotherRun);
    t.api.answerChecks(checkResult('valid'), checkResult('valid'));

    expect(await setup(t.ctx, { restart: false, insecureStorage: true })).toBe(0);

    const text = flat(t.stdout);
    expect(text).toContain('! sk-proj-…000A is no longer stored for profile "default": another run removed it meanwhile.');
    expect(text).not.toContain('Your key sk-proj-…000A works');
    expect(text).toContain("You're ready to build.");
    expect(text).toContain('Your key sk-proj-…000C works');
    expect(t.api.checkedKeys).toEqual([OLD, PASTED]);
    expect((await t.ctx.keys.find('default')).stored?.key).toBe(PASTED);
    t.assertScriptsUsed();
  });

  it('stopped at step 4: "No key yet" (exit 2), and the key stage is not marked done', async () => {
    t = makeTestContext();
    await previouslySetUp('keychain');
    t.prompts.whenConfirm(FINISH, true).whenPassword(PASTE, '', 2);
    whileAsked('confirm', FINISH, removedByAnotherRun);
    t.api.answerChecks(checkResult('valid'));

    expect(await setup(t.ctx, { restart: false, insecureStorage: false })).toBe(2);

    const text = flat(t.stdout);
    expect(text).toContain('! sk-proj-…000A is no longer stored for profile "default": another run removed it meanwhile.');
    expect(text).not.toContain("You're ready to build.");
    expect(text).toContain('No key yet.');
    expect(await doneStages()).toEqual(['billing', 'login', 'payment']);
    expect(t.keychain.accounts()).toEqual([]);
    t.assertScriptsUsed();
  });
});

describe('"Finish now?" answered yes, another key stored by another terminal meanwhile', () => {
  it('that key is checked, and it is the one said ready; the one found first is not named as working', async () => {
    t = makeTestContext();
    await previouslySetUp('keychain');
    t.prompts.whenConfirm(FINISH, true);
    whileAsked('confirm', FINISH, () => replacedByAnotherRun(OTHER, 'keychain'));
    t.api.answerChecks(checkResult('valid'), checkResult('valid'));

    expect(await setup(t.ctx, { restart: false, insecureStorage: false })).toBe(0);

    const text = flat(t.stdout);
    expect(text).toContain('! sk-proj-…000A is no longer the key stored for profile "default": another run stored sk-proj-…000B in its place meanwhile. Checking that one.');
    expect(text).not.toContain('Your key sk-proj-…000A works');
    expect(text).toContain('Your key sk-proj-…000B works');
    expect(t.api.checkedKeys).toEqual([OLD, OTHER]);
    expect(t.keychain.keyOf('default')).toBe(OTHER);
    expect(await doneStages()).toEqual([...STAGE_IDS].sort());
    t.assertScriptsUsed();
  });
});

/** "Finish now?" no, the stages walked through again, "Keep it?" answered keep: the scripted answers. */
function walkedThroughToKeep(): TestContext['prompts'] {
  return t.prompts.whenConfirm(FINISH, false).whenSelect(PAGE_DONE, 'done', 3).whenSelect(HOW_TO_PAY, 'auto-reload').whenConfirm(BUDGET, false).whenSelect(KEEP, 'keep');
}

describe('walked through again, "Keep it?" answered keep, the key removed by another terminal meanwhile', () => {
  it('not said ready with it after the stages: says it is gone, and step 4 comes back', async () => {
    t = makeTestContext();
    await previouslySetUp('keychain');
    walkedThroughToKeep().whenPassword(PASTE, PASTED);
    whileAsked('select', KEEP, removedByAnotherRun);
    t.api.answerChecks(checkResult('valid'), checkResult('valid'));

    expect(await setup(t.ctx, { restart: false, insecureStorage: false })).toBe(0);

    const text = flat(t.stdout);
    expect(text).toContain('! sk-proj-…000A is no longer stored for profile "default": another run removed it meanwhile.');
    expect(text).not.toContain('Kept sk-proj-…000A');
    expect(text).not.toContain('Your key sk-proj-…000A works');
    // The paste follows at once, in the same step 4: the key gone is not checked again.
    expect(t.api.checkedKeys).toEqual([OLD, PASTED]);
    expect(text).toContain('Your key sk-proj-…000C works');
    expect(t.keychain.keyOf('default')).toBe(PASTED);
    t.assertScriptsUsed();
  });
});

describe('walked through again, "Keep it?" answered keep, another key stored by another terminal meanwhile', () => {
  it('says the change, not "Kept": the key stored in its place is checked and said ready', async () => {
    t = makeTestContext();
    await previouslySetUp('keychain');
    walkedThroughToKeep();
    whileAsked('select', KEEP, () => replacedByAnotherRun(OTHER, 'keychain'));
    t.api.answerChecks(checkResult('valid'), checkResult('valid'));

    expect(await setup(t.ctx, { restart: false, insecureStorage: false })).toBe(0);

    const text = flat(t.stdout);
    expect(text).toContain('! sk-proj-…000A is no longer the key stored for profile "default": another run stored sk-proj-…000B in its place meanwhile. Checking that one.');
    expect(text).not.toContain('Kept sk-proj-…000A');
    expect(text).toContain('Your key sk-proj-…000B works');
    expect(t.api.checkedKeys).toEqual([OLD, OTHER]);
    t.assertScriptsUsed();
  });
});

// Found stored, the key cannot spend: every check again (the route's "check again", back from the
// billing page) is of the key stored then, and recorded for it.
const CANNOT_SPEND = 'The key cannot spend yet. What now?';
const CREDITS_ADDED = 'When you have added credits:';

/** previouslySetUp, with how the account pays chosen: a key that cannot spend goes straight to the route's question. */
async function setUpPaying(): Promise<void> {
  await previouslySetUp('keychain');
  await t.ctx.state.updateProfile('default', (p) => {
    p.billingChoice = 'auto-reload';
  });
}

describe('the key cannot spend, another key stored by another terminal before a check again', () => {
  it('"I fixed it: check again": that key is checked, said, and its check recorded; the one found first is not checked again', async () => {
    t = makeTestContext();
    await setUpPaying();
    t.prompts.whenSelect(CANNOT_SPEND, 'recheck');
    whileAsked('select', CANNOT_SPEND, () => replacedByAnotherRun(OTHER, 'keychain'));
    t.api.answerChecks(checkResult('insufficient_quota'), checkResult('valid'));

    expect(await setup(t.ctx, { restart: false, insecureStorage: false })).toBe(0);

    const text = flat(t.stdout);
    expect(text).toContain('! sk-proj-…000A is no longer the key stored for profile "default": another run stored sk-proj-…000B in its place meanwhile. Checking that one.');
    expect(t.api.checkedKeys).toEqual([OLD, OTHER]);
    expect(text.split('Key sk-proj-…000A (')).toHaveLength(2);
    expect(text).toContain('Your key sk-proj-…000B works');
    const profile = await t.profile();
    expect(profile?.lastVerify?.keyHint).toBe('sk-proj-…000B');
    expect(profile?.lastVerify?.ok).toBe(true);
    expect(profile?.key?.hint).toBe('sk-proj-…000B');
    t.assertScriptsUsed();
  });

  it('"Add credits", then "Done: check the key again": the same, the key stored in its place checked and recorded', async () => {
    t = makeTestContext();
    await setUpPaying();
    t.prompts.whenSelect(CANNOT_SPEND, 'credits').whenSelect(CREDITS_ADDED, 'recheck');
    whileAsked('select', CREDITS_ADDED, () => replacedByAnotherRun(OTHER, 'keychain'));
    // The key stored in its place cannot spend either: its own check says so, not the old one's.
    t.api.answerChecks(checkResult('insufficient_quota'), checkResult('insufficient_quota', { organization: 'org-other' }));
    t.prompts.whenSelect(CANNOT_SPEND, 'stop');

    expect(await setup(t.ctx, { restart: false, insecureStorage: false })).toBe(4);

    const text = flat(t.stdout);
    expect(text).toContain('! sk-proj-…000A is no longer the key stored for profile "default": another run stored sk-proj-…000B in its place meanwhile. Checking that one.');
    expect(t.api.checkedKeys).toEqual([OLD, OTHER]);
    expect(text.split('Key sk-proj-…000A (')).toHaveLength(2);
    expect(text).toContain('Key sk-proj-…000B (');
    const profile = await t.profile();
    expect(profile?.lastVerify?.keyHint).toBe('sk-proj-…000B');
    expect(profile?.lastVerify?.organization).toBe('org-other');
    t.assertScriptsUsed();
  });
});

describe('the key cannot spend, removed by another terminal (`logout`) before a check again', () => {
  it('"I fixed it: check again": says it is gone, no check of it is made or recorded, and step 4 is asked again', async () => {
    t = makeTestContext();
    await setUpPaying();
    t.prompts.whenSelect(CANNOT_SPEND, 'recheck').whenPassword(PASTE, PASTED);
    whileAsked('select', CANNOT_SPEND, removedByAnotherRun);
    t.api.answerChecks(checkResult('insufficient_quota'), checkResult('valid'));

    expect(await setup(t.ctx, { restart: false, insecureStorage: false })).toBe(0);

    const text = flat(t.stdout);
    expect(text).toContain('! sk-proj-…000A is no longer stored for profile "default": another run removed it meanwhile.');
    expect(t.stdout).toContain('Back to step 4');
    expect(t.api.checkedKeys).toEqual([OLD, PASTED]);
    expect(text.split('Key sk-proj-…000A (')).toHaveLength(2);
    expect(text).toContain('Your key sk-proj-…000C works');
    expect(t.keychain.keyOf('default')).toBe(PASTED);
    expect((await t.profile())?.lastVerify?.keyHint).toBe('sk-proj-…000C');
    t.assertScriptsUsed();
  });

  it('stopped at step 4: "No key yet" (exit 2), and no "cannot spend" check recorded of the key removed', async () => {
    t = makeTestContext();
    await setUpPaying();
    t.prompts.whenSelect(CANNOT_SPEND, 'recheck').whenPassword(PASTE, '', 2);
    whileAsked('select', CANNOT_SPEND, removedByAnotherRun);
    t.api.answerChecks(checkResult('insufficient_quota'));

    expect(await setup(t.ctx, { restart: false, insecureStorage: false })).toBe(2);

    expect(flat(t.stdout)).toContain('No key yet.');
    expect(t.api.checkedKeys).toEqual([OLD]);
    expect((await t.profile())?.lastVerify).toBeUndefined();
    t.assertScriptsUsed();
  });
});

describe('"Finish now?" answered yes, the keychain locked meanwhile', () => {
  it('not claimed as stored: exit 7, how to unlock it, and no stage marked done by this run', async () => {
    t = makeTestContext();
    await previouslySetUp('keychain');
    await t.ctx.state.updateProfile('default', (p) => {
      delete p.stages.billing;
    });
    t.prompts.whenConfirm(FINISH, true);
    whileAsked('confirm', FINISH, async () => {
      t.keychain.failWith('locked');
    });
    t.api.answerChecks(checkResult('valid'));

    const { code, message, hints } = await outcomeOf(setup(t.ctx, { restart: false, insecureStorage: false }));

    expect(code).toBe(7);
    expect(message).toMatch(/locked.* The key stored for profile "default" could not be read again, so this run cannot say it is ready\.$/);
    expect(hints[0]).toMatch(/^Unlock it: /);
    expect(flat(t.stdout)).not.toContain("You're ready to build.");
    expect(await doneStages()).toEqual(['key', 'login', 'payment']);
    t.assertScriptsUsed();
  });
});

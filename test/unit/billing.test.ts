// `openai-setup billing` without a terminal: the command it names to mark the stage done works as printed.
import { afterEach, describe, expect, it } from 'vitest';
import { run as billing } from '../../src/commands/billing.js';
import { makeTestContext, outcomeOf, type TestContext } from '../helpers/context.js';

let t: TestContext;
afterEach(() => t?.cleanup());

describe('billing without a terminal', () => {
  it('--choice saves the choice and names `billing --done`, which then marks it done with that choice', async () => {
    t = makeTestContext({ interactive: false });
    const first = await outcomeOf(billing(t.ctx, { profile: 'nc', done: false, choice: 'auto-reload' }));
    expect(first.code).toBe(2);
    expect(first.message).toContain('run `openai-setup billing --done --profile nc` to mark it done');
    expect((await t.profile('nc'))?.billingChoice).toBe('auto-reload');
    expect((await t.profile('nc'))?.stages.billing).toBeUndefined();

    // Run as printed.
    expect(await billing(t.ctx, { profile: 'nc', done: true })).toBe(0);
    expect(t.stdout).toContain('Marked as done.');
    const profile = await t.profile('nc');
    expect(profile?.stages.billing).toBeDefined();
    expect(profile?.billingChoice).toBe('auto-reload');
  });

  it('--done with no choice saved names --choice … --done, and marks nothing', async () => {
    t = makeTestContext({ interactive: false });
    const { code, message } = await outcomeOf(billing(t.ctx, { profile: 'nc', done: true }));
    expect(code).toBe(2);
    expect(message).toContain('openai-setup billing --choice prepaid --done --profile nc');
    expect((await t.profile('nc'))?.stages.billing).toBeUndefined();
  });
});

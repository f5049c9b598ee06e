// How the account pays is the account's, as the billing stage is (stageRecord): a profile that took
// stage 3 from another follows the choice made there, in `billing`, `status` and the pure reader.
import { afterEach, describe, expect, it } from 'vitest';
import { run as billing } from '../../src/commands/billing.js';
import { run as status } from '../../src/commands/status.js';
import { billingChoiceOf, emptyState, type Profile, type State } from '../../src/storage/state.js';
import { makeTestContext, outcomeOf, type TestContext } from '../helpers/context.js';

const AT = '2026-01-01T00:00:00.000Z';

let t: TestContext;
afterEach(() => t?.cleanup());

/** The default profile did stage 3 and chose `choice`. */
async function defaultChose(choice: 'auto-reload' | 'monthly'): Promise<void> {
  await t.ctx.state.updateProfile('default', (p) => {
    for (const id of ['login', 'payment', 'billing'] as const) p.stages[id] = { doneAt: AT };
    p.billingChoice = choice;
  });
}

describe('billingChoiceOf', () => {
  const state = (profiles: Record<string, Profile>): State => ({ ...emptyState(), profiles });

  it("is the profile's own choice first, else the first profile's (in the file's order) that did stage 3, else the first with any choice", () => {
    const chose = (billingChoice: Profile['billingChoice'], done: boolean): Profile => ({ stages: done ? { billing: { doneAt: AT } } : {}, billingChoice });
    const s = state({ a: chose('monthly', false), b: chose('auto-reload', true), c: chose('prepaid', true), kk: { stages: {} } });
    expect(billingChoiceOf(s, 'c')).toBe('prepaid');
    expect(billingChoiceOf(s, 'kk')).toBe('auto-reload');
    // A check without credits undid the stage, not the choice.
    expect(billingChoiceOf(state({ a: chose('monthly', false), kk: { stages: {} } }), 'kk')).toBe('monthly');
    expect(billingChoiceOf(state({ kk: { stages: {} } }), 'kk')).toBeUndefined();
  });
});

describe('billing and status for a profile that took stage 3 from the default profile', () => {
  it('`billing --done --profile kk` keeps the account\'s choice, recorded for kk', async () => {
    t = makeTestContext({ interactive: false });
    await defaultChose('auto-reload');
    expect(await billing(t.ctx, { profile: 'kk', done: true })).toBe(0);
    expect(await t.profile('kk')).toMatchObject({ billingChoice: 'auto-reload', stages: { billing: { doneAt: expect.any(String) } } });
  });

  it('`billing --profile kk` without a terminal names --choice with the account\'s choice', async () => {
    t = makeTestContext({ interactive: false });
    await defaultChose('monthly');
    const { code, message } = await outcomeOf(billing(t.ctx, { profile: 'kk', done: false }));
    expect(code).toBe(2);
    expect(message).toContain('openai-setup billing --choice monthly --done --profile kk');
  });

  it('status shows the account\'s choice beside stage 3, as done (and in --json)', async () => {
    t = makeTestContext({ interactive: false });
    await defaultChose('auto-reload');
    expect(await status(t.ctx, { profile: 'kk', json: false })).toBe(0);
    expect(t.stdout).toMatch(/Choose how to pay and set a budget.*\(auto-reload\)/);
    const before = t.stdout.length;
    expect(await status(t.ctx, { profile: 'kk', json: true })).toBe(0);
    expect(JSON.parse(t.stdout.slice(before))).toMatchObject({ billingChoice: 'auto-reload' });
  });
});

// Payments and credits are an organization's: payment and billing marked done under a profile whose
// key is in one organization are not done for a profile whose key is in another (its last check's),
// in status and in the wizard; a record without an organization (older files) counts for every profile.
import { afterEach, describe, expect, it } from 'vitest';
import { run as payment } from '../../src/commands/payment.js';
import { run as setup } from '../../src/commands/setup.js';
import { run as status } from '../../src/commands/status.js';
import { billingChoiceOf, emptyState, removeProfile, stageDoneForOthers, stageRecord, type LastVerify, type Profile, type State } from '../../src/storage/state.js';
import { checkResult, flat, makeTestContext, outcomeOf, testKey, type TestContext } from '../helpers/context.js';

const AT = '2026-01-01T00:00:00.000Z';

let t: TestContext;
afterEach(() => t?.cleanup());

function lastCheck(organization: string | null, ok = true): LastVerify {
  return {
    at: AT,
    status: ok ? 'valid' : 'insufficient_quota',
    ok,
    keyHint: 'sk-proj-…abcd',
    keySource: 'the keychain',
    organization,
    project: null,
    tier: null,
    billing: ok ? 'ok' : 'no_quota',
    message: ok ? 'The key works and can spend.' : 'The key works, but the organization has no credits (or reached its spend limit).',
  };
}

describe('stageRecord, stageDoneForOthers and billingChoiceOf by organization', () => {
  const state = (profiles: Record<string, Profile>): State => ({ ...emptyState(), profiles });
  const work: Profile = {
    stages: { login: { doneAt: AT }, payment: { doneAt: AT, organization: 'org-work' }, billing: { doneAt: AT, organization: 'org-work' } },
    billingChoice: 'auto-reload',
    lastVerify: lastCheck('org-work'),
  };

  it('payment and billing done for org-work are not done for a profile whose key is in org-personal; signing in is', () => {
    const s = state({ work, personal: { stages: {}, lastVerify: lastCheck('org-personal', false) } });
    expect(stageRecord(s, 'personal', 'login')).toEqual({ doneAt: AT });
    expect(stageRecord(s, 'personal', 'payment')).toBeUndefined();
    expect(stageRecord(s, 'personal', 'billing')).toBeUndefined();
    expect(stageDoneForOthers(s, 'personal', 'payment')).toEqual(['org-work']);
    expect(billingChoiceOf(s, 'personal')).toBeUndefined();
    // The same organization, or one not known yet (no check): as before, done.
    expect(stageRecord(state({ work, other: { stages: {}, lastVerify: lastCheck('org-work') } }), 'other', 'billing')).toEqual({ doneAt: AT });
    expect(stageRecord(state({ work, fresh: { stages: {} } }), 'fresh', 'payment')).toEqual({ doneAt: AT });
    expect(billingChoiceOf(state({ work, fresh: { stages: {} } }), 'fresh')).toBe('auto-reload');
    expect(stageDoneForOthers(state({ work, fresh: { stages: {} } }), 'fresh', 'payment')).toEqual([]);
  });

  it("logout removing the profile that did them: the card and billing the others kept go with their organization, still not done for another organization's profile", () => {
    // "fresh" (no check yet: any organization) takes org-work's card through "work"; "personal" (org-personal) does not.
    const s = state({ work, fresh: { stages: {} }, personal: { stages: {}, lastVerify: lastCheck('org-personal', false) } });
    expect(removeProfile(s, 'work')).toEqual({ removed: true, defaultWas: null });
    expect(s.profiles.fresh!.stages.payment).toEqual({ doneAt: AT, organization: 'org-work' });
    expect(s.profiles.fresh!.stages.billing).toEqual({ doneAt: AT, organization: 'org-work' });
    expect(stageRecord(s, 'fresh', 'payment')).toEqual({ doneAt: AT });
    expect(stageRecord(s, 'personal', 'payment')).toBeUndefined();
    expect(stageRecord(s, 'personal', 'billing')).toBeUndefined();
    expect(stageDoneForOthers(s, 'personal', 'payment')).toEqual(['org-work']);
  });

  it('a record without an organization (an older file) counts for every profile', () => {
    const old: Profile = { stages: { payment: { doneAt: AT }, billing: { doneAt: AT } }, billingChoice: 'monthly' };
    const s = state({ old, personal: { stages: {}, lastVerify: lastCheck('org-personal', false) } });
    expect(stageRecord(s, 'personal', 'payment')).toEqual({ doneAt: AT });
    expect(billingChoiceOf(s, 'personal')).toBe('monthly');
  });

  it("a profile's own record for another organization than its key's now is not done either", () => {
    const moved: Profile = { stages: { payment: { doneAt: AT, organization: 'org-work' } }, lastVerify: lastCheck('org-personal') };
    expect(stageRecord(state({ moved }), 'moved', 'payment')).toBeUndefined();
    expect(stageDoneForOthers(state({ moved }), 'moved', 'payment')).toEqual(['org-work']);
  });
});

describe('payment --done, status and the wizard with two organizations', () => {
  async function workDone(): Promise<void> {
    await t.ctx.state.updateProfile('work', (p) => {
      p.lastVerify = lastCheck('org-work');
      p.billingChoice = 'auto-reload';
    });
    expect(await payment(t.ctx, { profile: 'work', done: true })).toBe(0);
    await t.ctx.state.updateProfile('work', (p) => {
      p.stages.login = { doneAt: AT };
      p.stages.billing = { doneAt: AT, organization: 'org-work' };
    });
    await t.ctx.state.updateProfile('personal', (p) => {
      p.stages.key = { doneAt: AT };
      p.key = { storage: 'keychain', hint: 'sk-proj-…abcd', savedAt: AT };
      p.lastVerify = lastCheck('org-personal', false);
    });
  }

  it('`payment --done` records the organization of the profile\'s last check', async () => {
    t = makeTestContext({ interactive: false });
    await workDone();
    expect((await t.profile('work'))?.stages.payment).toEqual({ doneAt: expect.any(String), organization: 'org-work' });
  });

  it('status of the other organization\'s profile: payment and billing pending, done for org-work, and a next step for the check that cannot spend', async () => {
    t = makeTestContext({ interactive: false });
    await workDone();
    expect(await status(t.ctx, { profile: 'personal', json: false })).toBe(0);
    const out = flat(t.stdout);
    expect(out).not.toContain('✔ Add a payment method');
    expect(out).toContain('Add a payment method pending: done for org-work, not for org-personal');
    expect(out).toContain('Choose how to pay and set a budget pending: done for org-work, not for org-personal');
    expect(out).toContain('To fix it, add credits to org-personal');
    expect(out).toContain('openai-setup verify --profile personal');
    expect(out).toContain('2 of 4 stages pending');
    const before = t.stdout.length;
    expect(await status(t.ctx, { profile: 'personal', json: true })).toBe(0);
    const doc = JSON.parse(t.stdout.slice(before));
    expect(doc.stages.map((s: { done: boolean }) => s.done)).toEqual([true, false, false, true]);
    expect(doc.billingChoice).toBeNull();
  });

  it('a last check that cannot spend gets a next step even with every stage done', async () => {
    t = makeTestContext({ interactive: false });
    await t.ctx.state.updateProfile('default', (p) => {
      for (const id of ['login', 'payment', 'billing', 'key'] as const) p.stages[id] = { doneAt: AT };
      p.key = { storage: 'keychain', hint: 'sk-proj-…abcd', savedAt: AT };
      p.lastVerify = lastCheck(null, false);
    });
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(flat(t.stdout)).toContain('To fix it, add credits (or raise the limit the message names)');
  });

  it('the wizard for that profile leads to payment and billing, without the other organization\'s choice', async () => {
    t = makeTestContext({ interactive: false, keychain: { personal: testKey('P') } });
    await workDone();
    t.api.answerChecks(checkResult('insufficient_quota', { organization: 'org-personal' }));
    const { code, message, hints } = await outcomeOf(setup(t.ctx, { profile: 'personal', restart: false, insecureStorage: false }));
    expect(code).toBe(4);
    const text = flat([message, ...hints].join('\n') + t.stdout);
    expect(text).toMatch(/○ 2\. Add a payment method/);
    expect(text).toContain('openai-setup payment --done --profile personal');
    expect(text).toContain('openai-setup billing --choice prepaid --done --profile personal');
  });
});

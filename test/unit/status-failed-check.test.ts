// A last check that failed gets its next step from `status`, where the status table routes it (as
// one that cannot spend always did): a rejected key is stored anew with the command verify names,
// a refusal fixed around the key names no new key, a network failure is checked again. With every
// stage done too (status then says nothing else to do), and with stages pending. --json carries
// that step too (`lastVerify.next`): the same words, and the command it names.
import { afterEach, describe, expect, it } from 'vitest';
import { storeKeyWords } from '../../src/api/diagnosis.js';
import type { CheckRequest, CheckResult } from '../../src/api/types.js';
import { run as status, StatusJsonSchema, type StatusJson } from '../../src/commands/status.js';
import { run as verify } from '../../src/commands/verify.js';
import { checkResult, makeTestContext, testKey, type TestContext } from '../helpers/context.js';

const KEY = testKey('S');
const AT = '2026-01-01T00:00:00.000Z';
const VERIFY = { json: false, quiet: true, billingCheck: true };

let t: TestContext;
afterEach(() => t?.cleanup());

/** The rejection as the real diagnosis words its fix (diagnosis.ts newKeyFix). */
const rejected = (request: CheckRequest) => checkResult('invalid_key', { message: 'The API rejected the key.', fix: `Create a new secret key on the API keys page and store it${storeKeyWords(request.storeKey!)}.` });

/** The key stored (recorded as verify finds it), `allDone` stages done, and `answer` as the last check, made by verify. */
async function checkedWith(answer: CheckResult | ((request: CheckRequest) => CheckResult), options: { allDone: boolean; env?: Record<string, string> }): Promise<string> {
  t = makeTestContext({ interactive: false, keychain: { default: KEY }, ...(options.env ? { env: options.env } : {}) });
  await t.ctx.state.updateProfile('default', (p) => {
    p.key = { storage: 'keychain', hint: 'sk-proj-…000S', savedAt: AT };
    if (options.allDone) for (const id of ['login', 'payment', 'billing', 'key'] as const) p.stages[id] = { doneAt: AT };
  });
  t.api.answerChecks(answer);
  await verify(t.ctx, VERIFY);
  const from = t.stdout.length;
  expect(await status(t.ctx, { json: false })).toBe(0);
  return t.stdout.slice(from).replace(/\s+/g, ' ');
}

describe('status: the last check failed', () => {
  it('the stored key rejected, every stage done: the command that stores a new key, as verify names it', async () => {
    const out = await checkedWith(rejected, { allDone: true });
    expect(out).toContain('✖ Last check');
    expect(out).toContain('To fix it, create a new secret key on the API keys page and store it (pipe the key in, in place of …) with `… | openai-setup key --stdin`.');
  });

  it('the stored key rejected, stages pending: that command too, beside the next stage', async () => {
    const out = await checkedWith(rejected, { allDone: false });
    expect(out).toContain('To fix it, create a new secret key on the API keys page and store it (pipe the key in, in place of …) with `… | openai-setup key --stdin`.');
    expect(out).toContain('4 of 4 stages pending');
  });

  it('OPENAI_API_KEY holds the key rejected, the same as the stored one: the variable named, never "unset it to use the key stored"', async () => {
    const out = await checkedWith(rejected, { allDone: true, env: { OPENAI_API_KEY: KEY } });
    expect(out).toContain('To fix it, create a new secret key on the API keys page and store it in OPENAI_API_KEY, where this one came from');
    expect(out).toContain('Or, as the key stored for the profile is this same one, unset it (`unset OPENAI_API_KEY`) and store the new key');
    expect(out).not.toContain('to use the key stored for the profile');
    expect(out).not.toContain('printenv OPENAI_API_KEY');
  });

  it('OPENAI_API_KEY held another key, rejected, and is unset since: the stored key is not called rejected, verify checks it', async () => {
    await checkedWith(rejected, { allDone: true, env: { OPENAI_API_KEY: testKey('E') } });
    delete t.ctx.env.OPENAI_API_KEY;
    delete t.ctx.rawEnv.OPENAI_API_KEY;
    const from = t.stdout.length;
    expect(await status(t.ctx, { json: false })).toBe(0);
    const out = t.stdout.slice(from).replace(/\s+/g, ' ');
    expect(out).toContain("The key rejected was OPENAI_API_KEY's, which no longer holds it; check the key used now: `openai-setup verify`");
    expect(out).not.toContain('create a new secret key');
  });

  it('refused for the country or region (fixed around the key): no new key, what the message names, then verify', async () => {
    const out = await checkedWith(checkResult('forbidden', { reason: 'unsupported_country_region_territory', message: 'Refused for the region.' }), { allDone: true });
    expect(out).toContain('A new key would be refused the same: change what the message names (`openai-setup verify` says how), then check again.');
    expect(out).not.toContain('create a new secret key');
  });

  it('the organization header refused: the same, no new key', async () => {
    const out = await checkedWith(checkResult('forbidden', { reason: 'mismatched_organization', message: 'Refused the organization.' }), { allDone: true });
    expect(out).toContain('A new key would be refused the same');
  });

  it('a restricted key lacking a permission: the key is to edit or replace, not "a new key would be refused the same"', async () => {
    const out = await checkedWith(checkResult('forbidden', { reason: 'missing_scopes', message: 'Missing scopes: model.request.' }), { allDone: true });
    expect(out).toContain('Give the key the permission it lacks on the API keys page, or store one with "All" permissions (`openai-setup verify` says which).');
    expect(out).not.toContain('would be refused the same');
  });

  it('a refusal recorded before its reason was kept (an older progress file): no new key, verify says what was refused', async () => {
    await checkedWith(checkResult('forbidden', { reason: 'unsupported_country_region_territory', message: 'Refused for the region.' }), { allDone: true });
    await t.ctx.state.updateProfile('default', (p) => void delete p.lastVerify!.refusal);
    const from = t.stdout.length;
    expect(await status(t.ctx, { json: false })).toBe(0);
    const out = t.stdout.slice(from).replace(/\s+/g, ' ');
    expect(out).toContain('`openai-setup verify` says what was refused and what to change.');
    expect(out).not.toContain('create a new secret key');
  });

  it('OPENAI_API_KEY rejected, unset since, and no key stored: the command that stores one, not a check of "the key used now"', async () => {
    t = makeTestContext({ interactive: false, env: { OPENAI_API_KEY: KEY } });
    t.api.answerChecks(rejected);
    await verify(t.ctx, VERIFY);
    delete t.ctx.env.OPENAI_API_KEY;
    delete t.ctx.rawEnv.OPENAI_API_KEY;
    const from = t.stdout.length;
    expect(await status(t.ctx, { json: false })).toBe(0);
    const out = t.stdout.slice(from).replace(/\s+/g, ' ');
    expect(out).not.toContain('check the key used now');
    expect(out).toContain('create a new secret key on the API keys page and store it');
  });

  it('the API could not be reached: check again', async () => {
    const out = await checkedWith(checkResult('network_error', { message: 'Could not reach api.openai.com.' }), { allDone: true });
    expect(out).toContain('Check again: `openai-setup verify`');
  });

  it('a check that worked: no fix line', async () => {
    const out = await checkedWith(checkResult('valid'), { allDone: true });
    expect(out).not.toContain('To fix it');
    expect(out).not.toContain('Check again');
  });
});

/** `status --json`'s `lastVerify.next`, and the text's line under "Last check" (the state as it is now). */
async function nextBothWays(): Promise<{ next: NonNullable<StatusJson['lastVerify']>['next']; text: string }> {
  let from = t.stdout.length;
  expect(await status(t.ctx, { json: true })).toBe(0);
  const next = StatusJsonSchema.parse(JSON.parse(t.stdout.slice(from))).lastVerify!.next;
  from = t.stdout.length;
  expect(await status(t.ctx, { json: false })).toBe(0);
  const text = t.stdout.slice(from).replace(/\s+/g, ' ');
  return { next, text };
}

describe('status --json: the last check\'s next step (lastVerify.next), as the text says it', () => {
  const VERIFY_COMMAND = 'openai-setup verify';
  const cases: Array<{ name: string; answer: CheckResult | ((request: CheckRequest) => CheckResult); env?: Record<string, string>; fix: string | RegExp; command: string | null }> = [
    { name: 'a key rejected: the command that stores a new one', answer: rejected, fix: 'To fix it, create a new secret key on the API keys page and store it (pipe the key in, in place of …) with `… | openai-setup key --stdin`.', command: '… | openai-setup key --stdin' },
    { name: 'OPENAI_API_KEY holding the key rejected: the variable to set, no command', answer: rejected, env: { OPENAI_API_KEY: KEY }, fix: /^To fix it, create a new secret key on the API keys page and store it in OPENAI_API_KEY, where this one came from .* Or, as the key stored for the profile is this same one, unset it \(`unset OPENAI_API_KEY`\) and store the new key/, command: null },
    { name: 'no credits: add them, then verify', answer: checkResult('insufficient_quota', { message: 'No credits.' }), fix: /^To fix it, add credits to org-test \(or raise the limit the message names\) on https:\/\/\S+; then check again: `openai-setup verify`$/, command: VERIFY_COMMAND },
    { name: 'refused for the region: what the message names, then verify', answer: checkResult('forbidden', { reason: 'unsupported_country_region_territory', message: 'Refused for the region.' }), fix: 'A new key would be refused the same: change what the message names (`openai-setup verify` says how), then check again.', command: VERIFY_COMMAND },
    { name: 'a permission missing: give it, verify says which', answer: checkResult('forbidden', { reason: 'missing_scopes', message: 'Missing scopes: model.request.' }), fix: 'Give the key the permission it lacks on the API keys page, or store one with "All" permissions (`openai-setup verify` says which).', command: VERIFY_COMMAND },
    { name: 'the API not reached: check again', answer: checkResult('network_error', { message: 'Could not reach api.openai.com.' }), fix: 'Check again: `openai-setup verify`', command: VERIFY_COMMAND },
    { name: 'a check that passed rate-limited, billing not proven: check again later', answer: checkResult('rate_limited'), fix: 'Billing was not proven: the API was rate-limiting requests when it ran. Check again later: `openai-setup verify`', command: VERIFY_COMMAND },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      await checkedWith(c.answer, { allDone: true, ...(c.env ? { env: c.env } : {}) });
      const { next, text } = await nextBothWays();
      expect(next).not.toBeNull();
      if (typeof c.fix === 'string') expect(next!.fix).toBe(c.fix);
      else expect(next!.fix).toMatch(c.fix);
      expect(next!.command).toBe(c.command);
      expect(text).toContain(` ${next!.fix.replace(/\s+/g, ' ')}`);
    });
  }

  it('a refusal recorded without its reason, and OPENAI_API_KEY\'s key rejected and unset since: verify', async () => {
    await checkedWith(checkResult('forbidden', { reason: 'unsupported_country_region_territory', message: 'Refused for the region.' }), { allDone: true });
    await t.ctx.state.updateProfile('default', (p) => void delete p.lastVerify!.refusal);
    expect((await nextBothWays()).next).toEqual({ fix: '`openai-setup verify` says what was refused and what to change.', command: VERIFY_COMMAND });
    t.cleanup();
    await checkedWith(rejected, { allDone: true, env: { OPENAI_API_KEY: testKey('E') } });
    delete t.ctx.env.OPENAI_API_KEY;
    delete t.ctx.rawEnv.OPENAI_API_KEY;
    expect((await nextBothWays()).next).toEqual({ fix: "The key rejected was OPENAI_API_KEY's, which no longer holds it; check the key used now: `openai-setup verify`", command: VERIFY_COMMAND });
  });

  it('billing not proven: the text says its next step once', async () => {
    await checkedWith(checkResult('rate_limited'), { allDone: true });
    expect((await nextBothWays()).text.split('Billing was not proven').length).toBe(2);
  });

  it('a check that worked: null', async () => {
    await checkedWith(checkResult('valid'), { allDone: true });
    expect((await nextBothWays()).next).toBeNull();
  });
});

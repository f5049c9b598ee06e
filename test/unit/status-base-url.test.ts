// `status` after a check made at another server (--base-url, OPENAI_BASE_URL): the commands it
// prints name that server, or, followed as printed, they would send the key to the OpenAI API.
// Recorded as advice only (no login, no query), read leniently from older or edited files.
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { run as setup } from '../../src/commands/setup.js';
import { run as status } from '../../src/commands/status.js';
import { run as verify } from '../../src/commands/verify.js';
import { STAGE_IDS } from '../../src/storage/state.js';
import { checkResult, flat, makeTestContext, outcomeOf, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';

const KEY = testKey('A');
const CHECK_UNFINISHED = 'The check could not finish. What now?';
const FINISH = "You're already set up. Finish now? (No walks through the stages anyway)";

let t: TestContext;
afterEach(() => t?.cleanup());

function context(options: TestContextOptions = {}): TestContext {
  t = makeTestContext(options);
  return t;
}

/** A key stored, stages 1–3 not done: the wizard checks it first. */
async function keyStoredOnly(): Promise<void> {
  await t.keychain.setPassword('openai-setup', 'default', KEY);
  await t.ctx.state.updateProfile('default', (p) => {
    p.stages.key = { doneAt: '2026-01-01T00:00:00.000Z' };
    p.key = { storage: 'keychain', hint: 'sk-proj-…000A', savedAt: '2026-01-01T00:00:00.000Z' };
  });
}

async function statusText(): Promise<string> {
  const before = t.stdout.length;
  expect(await status(t.ctx, { json: false })).toBe(0);
  return flat(t.stdout.slice(before));
}

describe('status after a check at another server', () => {
  it('the wizard stopped with --base-url: status continues with it, as the wizard said (no login, no query kept)', async () => {
    context();
    await keyStoredOnly();
    await t.ctx.state.updateProfile('default', (p) => {
      p.stages.login = { doneAt: '2026-01-01T00:00:00.000Z' };
      p.stages.payment = { doneAt: '2026-01-01T00:00:00.000Z' };
    });
    // Stage 3 skipped, then the check of the stored key does not finish: "Stop".
    t.prompts.whenSelect('How do you want to pay for the API?', 'prepaid').whenSelect('When you are done on that page:', 'skip').whenSelect(CHECK_UNFINISHED, 'stop');
    t.api.answerChecks(checkResult('timeout'), checkResult('timeout'));
    const { code } = await outcomeOf(setup(t.ctx, { restart: false, insecureStorage: false, check: { baseURL: 'http://ada:s3cret@127.0.0.1:18556/v1/?token=t0k#x' } }));
    expect(code).toBe(6);
    // Said as status says it: no login, no query, no fragment, no final slash.
    expect(flat(t.stdout)).toContain('Stopped. Your progress is saved: run `openai-setup --base-url http://127.0.0.1:18556/v1` to continue.');

    const out = await statusText();
    expect(out).toContain('Run `openai-setup --base-url http://127.0.0.1:18556/v1` to continue (1 of 4 stages pending).');
    const file = readFileSync(t.ctx.state.path, 'utf8');
    expect(JSON.parse(file).profiles.default.lastVerify.baseURL).toBe('http://127.0.0.1:18556/v1');
    for (const secret of ['s3cret', 't0k', 'ada']) expect(file).not.toContain(secret);
    t.assertScriptsUsed();
  });

  it('a check through OPENAI_BASE_URL: status names it too (another shell may not have the variable)', async () => {
    context({ env: { OPENAI_BASE_URL: 'https://llm.example.test/v1' } });
    await keyStoredOnly();
    t.api.answerChecks(checkResult('valid', { billing: 'unchecked' }));
    expect(await verify(t.ctx, { json: false, quiet: false, billingCheck: true })).toBe(0);
    const out = await statusText();
    expect(out).toContain('Check again later: `openai-setup verify --base-url https://llm.example.test/v1`');
    expect(out).toContain('Run `openai-setup --base-url https://llm.example.test/v1` to continue (3 of 4 stages pending).');
  });

  it("the OpenAI API's default: nothing recorded, the commands as before", async () => {
    context();
    await keyStoredOnly();
    t.api.answerChecks(checkResult('valid', { billing: 'unchecked' }));
    expect(await verify(t.ctx, { json: false, quiet: false, billingCheck: true })).toBe(0);
    expect((await t.profile())?.lastVerify?.baseURL).toBeUndefined();
    const out = await statusText();
    expect(out).toContain('Check again later: `openai-setup verify`');
    expect(out).toContain('Run `openai-setup` to continue (3 of 4 stages pending).');
  });

  it('no key stored any more: the key command names the server too', async () => {
    context();
    await t.ctx.state.updateProfile('default', (p) => {
      p.lastVerify = { at: '2026-01-01T00:00:00.000Z', status: 'invalid_key', ok: false, keyHint: 'sk-proj-…000A', keySource: 'x', organization: null, project: null, tier: null, billing: 'unchecked', message: 'm', host: '127.0.0.1:18556', baseURL: 'http://127.0.0.1:18556/v1' };
    });
    const out = await statusText();
    expect(out).toContain('store one (it asks for the key, hidden) with `openai-setup key --base-url http://127.0.0.1:18556/v1`');
  });

  it('an older file (no baseURL) or one edited by hand (a login, a line break): the last check kept, the commands plain', async () => {
    for (const baseURL of [undefined, 'http://ada:pw@127.0.0.1/v1', 'http://127.0.0.1/v1\n; rm -rf ~', 'javascript:alert(1)']) {
      context();
      await t.ctx.state.updateProfile('default', (p) => {
        for (const id of STAGE_IDS.slice(0, 3)) p.stages[id] = { doneAt: '2026-01-01T00:00:00.000Z' };
      });
      const state = JSON.parse(readFileSync(t.ctx.state.path, 'utf8'));
      state.profiles.default.lastVerify = { at: '2026-01-01T00:00:00.000Z', status: 'timeout', ok: false, keyHint: 'sk-proj-…000A', keySource: 'x', organization: null, project: null, tier: null, billing: 'unchecked', message: 'm', ...(baseURL === undefined ? {} : { baseURL }) };
      writeFileSync(t.ctx.state.path, JSON.stringify(state));
      const out = await statusText();
      expect(out, String(baseURL)).toContain('Last check 2026-01-01 00:00:00 UTC');
      expect(out, String(baseURL)).toContain('Run `openai-setup` to continue (1 of 4 stages pending).');
      expect(out).not.toContain('--base-url');
      t.cleanup();
    }
  });

  it('the wizard finishing with a check elsewhere records where, for the next status', async () => {
    context();
    await keyStoredOnly();
    await t.ctx.state.updateProfile('default', (p) => {
      for (const id of STAGE_IDS) p.stages[id] = { doneAt: '2026-01-01T00:00:00.000Z' };
    });
    t.prompts.whenConfirm(FINISH, true);
    t.api.answerChecks(checkResult('valid', { billing: 'ok' }));
    expect(await setup(t.ctx, { restart: false, insecureStorage: false, check: { baseURL: 'http://127.0.0.1:18556/v1' } })).toBe(0);
    expect((await t.profile())?.lastVerify).toMatchObject({ host: '127.0.0.1:18556', baseURL: 'http://127.0.0.1:18556/v1' });
    t.assertScriptsUsed();
  });
});

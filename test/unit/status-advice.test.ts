// What `status` recommends about the key works as printed: with no key to check (a fresh install,
// after logout) it is to store one, not `verify` (which would answer "No key to check"); with a
// key and no check on record, it is `verify`.
import { afterEach, describe, expect, it } from 'vitest';
import { run as key } from '../../src/commands/key.js';
import { run as logout } from '../../src/commands/logout.js';
import { run as status } from '../../src/commands/status.js';
import { run as verify } from '../../src/commands/verify.js';
import { checkResult, makeTestContext, outcomeOf, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';

const KEY = testKey('S');
const verifyOptions = { json: false, quiet: false, billingCheck: true };

let t: TestContext;
afterEach(() => t?.cleanup());

function context(options: TestContextOptions = {}): TestContext {
  t = makeTestContext(options);
  return t;
}

/** The status text printed from `from` on. */
async function statusText(profile?: string): Promise<string> {
  const from = t.stdout.length;
  expect(await status(t.ctx, { profile, json: false })).toBe(0);
  return t.stdout.slice(from);
}

describe('status with no key to check', () => {
  it('a fresh install: no key stored, and `key` to store one (not verify, which has nothing to check)', async () => {
    context();
    const text = await statusText();
    expect(text).toContain('○ No key recorded for this profile (`openai-setup doctor` looks in the Secret Service keyring and records a key it finds there): store one (it asks for the key, hidden) with `openai-setup key`\n');
    expect(text).not.toContain('verify');
    expect(text).not.toContain('Never checked');
    expect(text).toContain('Run `openai-setup` to continue (4 of 4 stages pending).');
    // What verify would have said.
    expect((await outcomeOf(verify(t.ctx, verifyOptions))).message).toContain('No key to check');
  });

  it('after logout: the same (no "Never checked" of a key that was checked), for the profile named', async () => {
    context({ interactive: false, stdin: `${KEY}\n` });
    t.api.answerChecks(checkResult('valid'));
    expect(await key(t.ctx, { profile: 'work', stdin: true })).toBe(0);
    expect(await statusText('work')).toContain('Last check');
    expect(await logout(t.ctx, { profile: 'work', yes: true })).toBe(0);
    const text = await statusText('work');
    expect(text).toContain('○ No key recorded for this profile (`openai-setup doctor --profile work` looks in the Secret Service keyring and records a key it finds there): store one (pipe the key in, in place of …) with `… | openai-setup key --profile work --stdin`\n');
    expect(text).not.toContain('Never checked');
    expect(text).not.toContain('verify');
  });

  it('a key kept in OPENAI_API_KEY by the person, not set here: verify once it is set', async () => {
    context();
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'env', hint: 'sk-proj-…000S', savedAt: '2026-01-01T00:00:00.000Z' };
    });
    const text = await statusText();
    expect(text).toContain('OPENAI_API_KEY is not set in this shell');
    expect(text).toContain('○ Never checked: once OPENAI_API_KEY is set here, run `openai-setup verify`\n');
  });
});

describe('status with a key and no check on record', () => {
  it('stored without a check: verify, which checks it', async () => {
    context({ interactive: false, stdin: `${KEY}\n` });
    expect(await key(t.ctx, { stdin: true, verify: false })).toBe(0);
    const text = await statusText();
    expect(text).toContain('○ Never checked: run `openai-setup verify`\n');
    expect(text).not.toContain('store one');
  });

  it('only in OPENAI_API_KEY: verify, which checks that one', async () => {
    context({ env: { OPENAI_API_KEY: KEY } });
    const text = await statusText();
    expect(text).toContain('○ No key recorded for this profile (`openai-setup doctor` looks in the Secret Service keyring and records a key it finds there)\n');
    expect(text).toContain('○ Never checked: run `openai-setup verify`\n');
  });
});

// `status -p NAME` for a profile that exists nowhere (no record in the progress file, no stored key,
// not the default): said as verify says it, naming the profiles there are, a usage error (exit 2),
// never "4 of 4 stages pending" with a next step (`login --done --profile NAME`) that would make it.
import { afterEach, describe, expect, it } from 'vitest';
import { run as status, StatusFailureJsonSchema } from '../../src/commands/status.js';
import { makeTestContext, outcomeOf, testKey, type TestContext } from '../helpers/context.js';

let t: TestContext;
afterEach(() => t?.cleanup());

async function context(options: { listable?: boolean } = {}): Promise<TestContext> {
  t = makeTestContext({ interactive: false, keychain: { stored: testKey('K') } });
  // The keychain lists its entries, as the Secret Service does (one that cannot: the profile may exist).
  if (options.listable !== false) Object.assign(t.keychain, { findAccounts: async () => t.keychain.accounts() });
  await t.ctx.state.updateProfile('work', (p) => void (p.billingChoice = 'prepaid'));
  return t;
}

describe('status --profile for a profile that exists nowhere', () => {
  it('says so, naming the profiles there are (a key stored without a record too), exit 2, nothing made', async () => {
    await context();
    const { code, message, hints } = await outcomeOf(status(t.ctx, { profile: 'nosuch', json: false }));
    expect(code).toBe(2);
    expect(message).toBe('No profile "nosuch" exists (profiles: default, stored, work).');
    expect(hints).toEqual(['To set up a profile of that name, run `openai-setup --profile nosuch`.']);
    expect(t.stdout).not.toContain('login --done');
    expect(await t.profile('nosuch')).toBeUndefined();
  });

  it('--json: the failure document, as verify gives one (ok false, exit 2, reason usage)', async () => {
    await context();
    expect((await outcomeOf(status(t.ctx, { profile: 'nosuch', json: true }))).code).toBe(2);
    const doc = StatusFailureJsonSchema.parse(JSON.parse(t.stdout));
    expect(doc).toMatchObject({ ok: false, exitCode: 2, reason: 'usage', profile: 'nosuch', message: 'No profile "nosuch" exists (profiles: default, stored, work).' });
  });

  it('a profile recorded, the default, or one with a key stored and no record: shown as ever', async () => {
    await context();
    for (const profile of ['work', 'default', 'stored']) expect(await status(t.ctx, { profile, json: false })).toBe(0);
    expect(t.stdout).toContain('openai-setup status · profile stored');
  });

  it('a keychain that cannot list its entries: the profile may exist, shown as ever', async () => {
    await context({ listable: false });
    expect(await status(t.ctx, { profile: 'nosuch', json: false })).toBe(0);
  });
});

// `verify -p NAME` for a profile that exists nowhere (no record in the progress file, no stored key,
// not the default): the key given still checked and shown, but no check recorded, so that a typo
// makes no new profile in `profiles` and completion; one line says so, naming the profiles there are.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as profiles } from '../../src/commands/profiles.js';
import { run as verify, VerifyJsonSchema, type VerifyOptions } from '../../src/commands/verify.js';
import { checkResult, makeTestContext, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';

const KEY = testKey('U');
const VERIFY: VerifyOptions = { json: false, quiet: false, billingCheck: true };
const NONE = '! No profile "typo" exists (profiles: default, work): this check was not recorded.';

let t: TestContext;
afterEach(() => t?.cleanup());

async function context(options: TestContextOptions = {}): Promise<TestContext> {
  t = makeTestContext({ interactive: false, ...options });
  // The keychain lists its entries, as the Secret Service does (one that cannot: "may exist", recorded).
  Object.assign(t.keychain, { findAccounts: async () => t.keychain.accounts() });
  // A profile "work" with a check recorded: one that exists.
  await t.ctx.state.updateProfile('work', (p) => void (p.billingChoice = 'prepaid'));
  t.api.answerEveryCheck(() => checkResult('valid'));
  return t;
}

async function listed(): Promise<string> {
  const from = t.stdout.length;
  expect(await profiles(t.ctx, { json: false, names: true })).toBe(0);
  return t.stdout.slice(from);
}

describe('verify --profile for a profile that exists nowhere', () => {
  it('OPENAI_API_KEY: checked and shown, nothing recorded, one line says why', async () => {
    await context({ env: { OPENAI_API_KEY: KEY } });
    expect(await verify(t.ctx, { ...VERIFY, profile: 'typo' })).toBe(0);
    expect(t.api.checks).toHaveLength(1);
    expect(t.stdout).toContain('works');
    expect(t.stderr.split('\n')).toContain(NONE);
    expect(await t.profile('typo')).toBeUndefined();
    expect(await listed()).toBe('default\nwork\n');
  });

  it('--json: the same, and the document says it in its optional notRecorded', async () => {
    await context({ env: { OPENAI_API_KEY: KEY } });
    expect(await verify(t.ctx, { ...VERIFY, json: true, profile: 'typo' })).toBe(0);
    const doc = VerifyJsonSchema.parse(JSON.parse(t.stdout));
    expect(doc).toMatchObject({ ok: true, notRecorded: NONE.slice(2) });
    expect(t.stderr.split('\n')).toContain(NONE);
    expect(await t.profile('typo')).toBeUndefined();
  });

  it('no keychain runs here (no session bus): not recorded either, the key file alone looked at', async () => {
    await context({ env: { OPENAI_API_KEY: KEY } });
    t.keychain.withoutBus();
    expect(await verify(t.ctx, { ...VERIFY, profile: 'typo' })).toBe(0);
    expect(t.stderr.split('\n')).toContain(NONE);
    expect(await t.profile('typo')).toBeUndefined();
  });

  it('--key: checked, nothing recorded (as ever for a key given), no line about the profile', async () => {
    await context();
    expect(await verify(t.ctx, { ...VERIFY, key: KEY, profile: 'typo' })).toBe(0);
    expect(await t.profile('typo')).toBeUndefined();
    expect(t.stderr).not.toContain('No profile');
    expect(await listed()).toBe('default\nwork\n');
  });

  it('a profile that exists is recorded as before: in the progress file, the default, or with a key stored that a progress file moved aside recorded', async () => {
    await context({ env: { OPENAI_API_KEY: KEY }, keychain: { stored: KEY } });
    // A damaged progress file moved aside took the record of "stored": its key in the keychain says it exists.
    writeFileSync(join(t.configDir, 'state.json.bak-1'), '{"version":1,"profiles":{', { mode: 0o600 });
    for (const profile of ['work', 'stored', 'default']) {
      expect(await verify(t.ctx, { ...VERIFY, profile })).toBe(0);
      expect((await t.profile(profile))?.lastVerify).toMatchObject({ ok: true, keySource: 'OPENAI_API_KEY' });
    }
    expect(t.stderr).not.toContain('No profile');
  });

  it('a profile with a key stored and no record of it (the config dir removed since, nothing moved aside) is recorded too', async () => {
    await context({ env: { OPENAI_API_KEY: KEY }, keychain: { stored: KEY } });
    expect(await t.ctx.state.movedAside()).toEqual([]);
    expect(await verify(t.ctx, { ...VERIFY, profile: 'stored' })).toBe(0);
    expect((await t.profile('stored'))?.lastVerify).toMatchObject({ ok: true, keySource: 'OPENAI_API_KEY' });
    expect(t.stderr).not.toContain('No profile');
  });
});

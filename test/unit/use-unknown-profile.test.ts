// `use NAME` for a profile that exists nowhere (no record in the progress file, not the default nor
// `default`, no key stored in the keychain or key file): refused in one line naming the profiles
// there are (exit 2), the default left as it was, rather than made the default, where `run`, `token`
// and `env` without --profile would then find no key. The lookup is verify's (unknownProfile): a
// profile whose records were lost but whose key is stored counts; one that cannot be told is used.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as use } from '../../src/commands/use.js';
import { EXIT } from '../../src/errors.js';
import { makeTestContext, outcomeOf, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';

const KEY = testKey('U');

let t: TestContext;
afterEach(() => t?.cleanup());

/** A context whose keychain lists its entries, as the Secret Service does; `work` the default, with a stage recorded. */
async function context(options: TestContextOptions = {}): Promise<TestContext> {
  t = makeTestContext({ interactive: false, ...options });
  Object.assign(t.keychain, { findAccounts: async () => t.keychain.accounts() });
  await t.ctx.state.updateProfile('work', (p) => void (p.billingChoice = 'prepaid'));
  expect(await use(t.ctx, { name: 'work' })).toBe(0);
  t.keychain.calls.length = 0;
  return t;
}

const defaultNow = async () => (await t.ctx.state.read()).defaultProfile;

describe('use NAME for a profile that exists nowhere', () => {
  it('refused (exit 2) in one line naming the profiles there are and how a new one is made; the default stays', async () => {
    await context({ interactive: true, keychain: { stored: KEY } });
    const printed = t.stdout.length;
    const refused = await outcomeOf(use(t.ctx, { name: 'nosuch' }));
    expect(refused).toEqual({
      code: EXIT.usage,
      message: 'No profile "nosuch" exists (profiles: stored, work), so the default stays "work"; a new profile is made by storing its key (it asks for the key, hidden): `openai-setup key --profile nosuch`.',
      hints: [],
    });
    expect(t.stdout.slice(printed)).toBe('');
    expect(await defaultNow()).toBe('work');
    expect(await t.profile('nosuch')).toBeUndefined();
    // Read only: the keychain's entries listed, and asked (for the command named) whether it answers.
    expect(t.keychain.calls).toEqual([{ op: 'get', account: 'nosuch' }]);
  });

  it('under OPENAI_SETUP_PROFILE=nosuch, the key command needs no --profile', async () => {
    await context({ interactive: true, env: { OPENAI_SETUP_PROFILE: 'nosuch' } });
    const refused = await outcomeOf(use(t.ctx, { name: 'nosuch' }));
    expect(refused.code).toBe(EXIT.usage);
    expect(refused.message).toMatch(/: `openai-setup key`\.$/);
  });

  it('a profile that exists is made the default: recorded, `default` (always there), the default, or with a key stored and no record of it', async () => {
    await context({ keychain: { stored: KEY } });
    for (const name of ['default', 'work', 'work', 'stored']) {
      expect(await use(t.ctx, { name })).toBe(0);
      expect(await defaultNow()).toBe(name);
    }
    expect(t.stderr).not.toContain('No profile');
  });

  it('a key stored in the key file (--insecure-storage) with no record of it counts too', async () => {
    await context();
    // Stored as `key --insecure-storage` stores it, with no record of it in the progress file.
    await t.ctx.keys.set('plain', KEY, true);
    expect(await t.profile('plain')).toBeUndefined();
    expect(await use(t.ctx, { name: 'plain' })).toBe(0);
    expect(await defaultNow()).toBe('plain');
  });

  it('a keychain that cannot list its entries: the profile may exist, so it is used, saying what could not be checked', async () => {
    await context();
    Object.assign(t.keychain, { findAccounts: undefined });
    expect(await use(t.ctx, { name: 'maybe' })).toBe(0);
    expect(await defaultNow()).toBe('maybe');
  });

  it('no keychain runs here (no session bus): none holds a key for this machine, so the key file alone is looked at', async () => {
    await context();
    t.keychain.withoutBus();
    await t.ctx.keys.set('plain', KEY, true);
    const refused = await outcomeOf(use(t.ctx, { name: 'nosuch' }));
    expect(refused.code).toBe(EXIT.usage);
    // The command named stores into the key file, as `key` without a keychain needs.
    expect(refused.message).toMatch(/^No profile "nosuch" exists \(profiles: plain, work\), so the default stays "work"; .*`… \| openai-setup key --profile nosuch --stdin --insecure-storage`\.$/);
    expect(await defaultNow()).toBe('work');
    expect(await use(t.ctx, { name: 'plain' })).toBe(0);
    expect(await defaultNow()).toBe('plain');
  });

  it('a damaged progress file (its records not known): the name is used and the file moved aside, as its fix says', async () => {
    await context();
    writeFileSync(join(t.configDir, 'state.json'), '{"version":1,"profiles":{', { mode: 0o600 });
    expect(await use(t.ctx, { name: 'p1' })).toBe(0);
    expect(readdirSync(t.configDir).filter((name) => name.startsWith('state.json.bak-'))).toHaveLength(1);
    expect(await defaultNow()).toBe('p1');
  });

  it('a progress file of a newer openai-setup: exit 7 saying to update, as for any name (that comes first), the file untouched', async () => {
    await context();
    const path = join(t.configDir, 'state.json');
    const newer = JSON.stringify({ version: 99, defaultProfile: 'work', profiles: { work: {} } });
    writeFileSync(path, newer, { mode: 0o600 });
    for (const name of ['nosuch', 'work']) {
      const refused = await outcomeOf(use(t.ctx, { name }));
      expect(refused.code).toBe(EXIT.keyStore);
      expect(refused.message).toContain('was written by a newer openai-setup');
    }
    expect(readFileSync(path, 'utf8')).toBe(newer);
  });

  it('a name refused on a fresh machine writes no progress file; without a terminal the key is piped in', async () => {
    t = makeTestContext({ interactive: false });
    Object.assign(t.keychain, { findAccounts: async () => t.keychain.accounts() });
    const refused = await outcomeOf(use(t.ctx, { name: 'wrk' }));
    expect(refused.message).toBe('No profile "wrk" exists (profiles: default), so the default stays "default"; a new profile is made by storing its key (pipe the key in, in place of …): `… | openai-setup key --profile wrk --stdin`.');
    expect(existsSync(join(t.configDir, 'state.json'))).toBe(false);
    expect(await use(t.ctx, { name: 'default' })).toBe(0);
  });
});

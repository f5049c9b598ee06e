// `status -p NAME` for a profile that exists nowhere (no record in the progress file, no stored key,
// not the default): said first on stderr, as verify says it, naming the profiles there are, so that
// "4 of 4 stages pending" and its next step (`login --done --profile NAME`, which would make it) are
// not taken for a profile that exists; the status itself as ever (exit 0: a profile to set up is
// asked about so too). OPENAI_SETUP_PROFILE chose its profile on purpose: nothing said. With
// --json, said in the document (`unknownProfile`), stdout that document alone.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run as status, StatusJsonSchema } from '../../src/commands/status.js';
import { makeTestContext, testKey, type TestContext } from '../helpers/context.js';

let t: TestContext;
afterEach(() => {
  vi.unstubAllEnvs();
  t?.cleanup();
});

const SAID = 'No profile "nosuch" exists (profiles: default, stored, work): what follows is for a new profile of that name, which its steps would make.';

async function context(options: { listable?: boolean; env?: Record<string, string> } = {}): Promise<TestContext> {
  t = makeTestContext({ interactive: false, keychain: { stored: testKey('K') }, ...(options.env ? { env: options.env } : {}) });
  // The keychain lists its entries, as the Secret Service does (one that cannot: the profile may exist).
  if (options.listable !== false) Object.assign(t.keychain, { findAccounts: async () => t.keychain.accounts() });
  await t.ctx.state.updateProfile('work', (p) => void (p.billingChoice = 'prepaid'));
  return t;
}

describe('status --profile for a profile that exists nowhere', () => {
  it('says so first, naming the profiles there are (a key stored without a record too); the status as ever, nothing made', async () => {
    await context();
    expect(await status(t.ctx, { profile: 'nosuch', json: false })).toBe(0);
    expect(t.stderr).toContain(`! ${SAID}\n`);
    expect(t.stdout).toContain('openai-setup status · profile nosuch');
    expect(await t.profile('nosuch')).toBeUndefined();
  });

  it('--json: said in the document alone (unknownProfile: the name, the profiles there are), nothing on stderr', async () => {
    await context();
    expect(await status(t.ctx, { profile: 'nosuch', json: true })).toBe(0);
    const json = StatusJsonSchema.parse(JSON.parse(t.stdout));
    expect(json.profile).toBe('nosuch');
    expect(json.unknownProfile).toEqual({ name: 'nosuch', profiles: ['default', 'stored', 'work'] });
    expect(t.stderr).not.toContain('No profile');
  });

  it('--json of a profile that exists, or one OPENAI_SETUP_PROFILE chose: unknownProfile null', async () => {
    await context();
    for (const profile of ['work', 'default', 'stored']) {
      const from = t.stdout.length;
      expect(await status(t.ctx, { profile, json: true })).toBe(0);
      expect(StatusJsonSchema.parse(JSON.parse(t.stdout.slice(from))).unknownProfile).toBeNull();
    }
    t.cleanup();
    await context({ env: { OPENAI_SETUP_PROFILE: 'nosuch' } });
    expect(await status(t.ctx, { json: true })).toBe(0);
    expect(StatusJsonSchema.parse(JSON.parse(t.stdout)).unknownProfile).toBeNull();
  });

  it('a profile recorded, the default, or one with a key stored and no record: nothing said', async () => {
    await context();
    for (const profile of ['work', 'default', 'stored']) expect(await status(t.ctx, { profile, json: false })).toBe(0);
    expect(t.stdout).toContain('openai-setup status · profile stored');
    expect(t.stderr).not.toContain('No profile');
  });

  it('a keychain that cannot list its entries (the profile may exist), or the profile chosen by OPENAI_SETUP_PROFILE: nothing said', async () => {
    await context({ listable: false });
    expect(await status(t.ctx, { profile: 'nosuch', json: false })).toBe(0);
    t.cleanup();
    await context({ env: { OPENAI_SETUP_PROFILE: 'nosuch' } });
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.stdout).toContain('openai-setup status · profile nosuch');
    expect(t.stderr).not.toContain('No profile');
  });
});

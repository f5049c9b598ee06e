// After a damaged state.json was moved aside (as `profiles` itself advises: `use NAME`), the key
// records went with it, not the keys: `profiles` never lists a profile with a stored key as "no
// key" (keys looked up where `token` finds them, and the profiles the keychain holds keys for
// listed too, also by --names, what shell completion reads), and the key stage still says what a
// new key replaces.
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as key } from '../../src/commands/key.js';
import { run as profiles, ProfilesJsonSchema } from '../../src/commands/profiles.js';
import { run as use } from '../../src/commands/use.js';
import { EXIT } from '../../src/errors.js';
import { KeyStore } from '../../src/storage/keystore.js';
import { checkResult, flat, MemoryKeychain, makeTestContext, outcomeOf, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';

const PA = testKey('A');
const PB = testKey('B');
const NEW = testKey('C');

/** A keychain that can list its entries' accounts, as the Secret Service can (findCredentials). */
class ListingKeychain extends MemoryKeychain {
  async findAccounts(): Promise<string[]> {
    return this.accounts();
  }
}

/**
 * Keys stored for pa and pb (and pb's admin key), recorded; then state.json damaged and moved aside
 * by `use pa`, as the failure of `profiles` advises. `listing`: a keychain that can list its entries.
 */
async function movedAside(options: TestContextOptions & { listing?: boolean } = {}): Promise<TestContext & { listing: ListingKeychain | null }> {
  const t = Object.assign(makeTestContext({ stdoutIsTTY: false, keychain: { pa: PA, pb: PB }, ...options }), { listing: null as ListingKeychain | null });
  if (options.listing) {
    t.listing = new ListingKeychain({ pa: PA, pb: PB });
    t.ctx.keys = new KeyStore(t.listing, t.configDir, () => {}, t.ctx.state);
  }
  for (const [name, value] of [['pa', PA], ['pb', PB]] as const) {
    await t.ctx.state.updateProfile(name, (p) => {
      p.key = { storage: 'keychain', hint: `sk-proj-…${value.slice(-4)}`, savedAt: '2026-01-01T00:00:00.000Z' };
    });
  }
  const path = join(t.configDir, 'state.json');
  appendFileSync(path, 'garbage');
  const refused = await outcomeOf(profiles(t.ctx, { json: false, names: false }));
  expect(refused.code).toBe(EXIT.keyStore);
  expect(refused.hints).toEqual(['Choosing the default profile again moves it aside:  openai-setup use NAME']);
  expect(await use(t.ctx, { name: 'pa' })).toBe(0);
  expect(JSON.parse(readFileSync(path, 'utf8')).profiles).toEqual({});
  return t;
}

describe('profiles after a damaged state.json was moved aside', () => {
  it('lists every profile with a key in the keychain, by its key, never "no key"', async () => {
    const t = await movedAside({ listing: true });
    const before = t.stdout.length;
    expect(await profiles(t.ctx, { json: false, names: false })).toBe(0);
    const said = t.stdout.slice(before);
    expect(said).toMatch(/^\* +pa +sk-proj-…000A \(keychain\) +— +never$/m);
    expect(said).toMatch(/^ +pb +sk-proj-…000B \(keychain\) +— +never$/m);
    expect(said).not.toContain('no key');
    expect(said).toMatch(/○ A damaged progress file was moved aside \(to .*state\.json\.bak-[^)]+\), taking its records with it: keys not recorded since were looked up where `openai-setup token` finds them\.\n$/);

    const json = t.stdout.length;
    expect(await profiles(t.ctx, { json: true, names: false })).toBe(0);
    expect(ProfilesJsonSchema.parse(JSON.parse(t.stdout.slice(json))).profiles.map((p) => [p.name, p.key])).toEqual([
      ['pa', { storage: 'keychain', hint: 'sk-proj-…000A' }],
      ['pb', { storage: 'keychain', hint: 'sk-proj-…000B' }],
    ]);
    expect(t.stdout + t.stderr).not.toContain(PA);
  });

  it('a keychain that cannot list its entries: the profiles named are looked up, and the list says some may be missing', async () => {
    const t = await movedAside();
    const before = t.stdout.length;
    expect(await profiles(t.ctx, { json: false, names: false })).toBe(0);
    const said = t.stdout.slice(before);
    expect(said).toMatch(/^\* +pa +sk-proj-…000A \(keychain\)/m);
    expect(said).not.toContain('no key');
    expect(said).toContain('; profiles it named that the Secret Service keyring could not list may be missing.');
  });

  it('a keychain that cannot be read: "not known", never "no key" (--json: storage "unknown")', async () => {
    const t = await movedAside();
    t.keychain.failWith('locked');
    const before = t.stdout.length;
    expect(await profiles(t.ctx, { json: false, names: false })).toBe(0);
    const said = t.stdout.slice(before);
    expect(said).toMatch(/^\* +pa +not known +— +never$/m);
    expect(said).toContain('; "not known": the Secret Service keyring could not be read (it is locked)');
    const json = t.stdout.length;
    expect(await profiles(t.ctx, { json: true, names: false })).toBe(0);
    expect(ProfilesJsonSchema.parse(JSON.parse(t.stdout.slice(json))).profiles[0]).toMatchObject({ name: 'pa', key: { storage: 'unknown', hint: null } });
  });

  it('--names (what shell completion reads) names the same profiles, by the keychain\'s entries, reading no key', async () => {
    const t = await movedAside({ listing: true });
    const keychain = t.listing!;
    const calls = keychain.calls.length;
    const before = t.stdout.length;
    expect(await profiles(t.ctx, { json: false, names: true })).toBe(0);
    expect(t.stdout.slice(before)).toBe('pa\npb\n');
    expect(keychain.calls.slice(calls)).toEqual([]);
  });

  it('--names: a profile whose key is only in the key file is named too', async () => {
    const t = await movedAside({ listing: true });
    // In the key file (--insecure-storage), with no record in the progress file.
    await t.ctx.keys.set('pc', testKey('D'), true);
    const before = t.stdout.length;
    expect(await profiles(t.ctx, { json: false, names: true })).toBe(0);
    expect(t.stdout.slice(before)).toBe('pa\npb\npc\n');
  });

  it('--names with a keychain that cannot list its entries: the names the progress file has, no key read', async () => {
    const t = await movedAside();
    const calls = t.keychain.calls.length;
    const before = t.stdout.length;
    expect(await profiles(t.ctx, { json: false, names: true })).toBe(0);
    expect(t.stdout.slice(before)).toBe('pa\n');
    expect(t.keychain.calls.length).toBe(calls);
  });
});

describe('the key stage after a damaged state.json was moved aside', () => {
  it('says which key the new one replaces, found in the keychain (the record went with the file)', async () => {
    const t = await movedAside({ stdin: NEW });
    t.api.answerChecks(checkResult('valid'));
    expect(await key(t.ctx, { profile: 'pb', stdin: true })).toBe(0);
    expect(t.keychain.keyOf('pb')).toBe(NEW);
    expect(flat(t.stdout)).toContain('This replaces sk-proj-…000B for profile "pb". That key may still work until you revoke it on the API keys page: https://platform.openai.com/api-keys');
  });
});

// A key stored in the keychain, read where no Secret Service runs (over SSH, in a container): the
// commands that need it say where it is (exit 7), not "no key" with advice that would store a
// second one.
import { afterEach, describe, expect, it } from 'vitest';
import { run as token } from '../../src/commands/token.js';
import { run as verify } from '../../src/commands/verify.js';
import { makeTestContext, outcomeOf, testKey, type TestContext } from '../helpers/context.js';

const KEY = testKey('A');
const WHERE = 'The key stored for profile "work" (sk-proj-…000A) is in the Secret Service keyring, which is not running here (common over SSH, in containers and on WSL): it cannot be read from here.';
const WAY_OUT = 'Run this where the Secret Service keyring is (your desktop session), or keep the key in a file only you can read (pipe the key in, in place of …):  … | openai-setup key --profile work --stdin --insecure-storage';

let t: TestContext;
afterEach(() => t?.cleanup());

async function storedInKeychainOutOfReach(): Promise<void> {
  t = makeTestContext({ interactive: false });
  await t.keychain.setPassword('openai-setup', 'work', KEY);
  await t.ctx.state.updateProfile('work', (p) => {
    p.key = { storage: 'keychain', hint: 'sk-proj-…000A', savedAt: '2026-01-01T00:00:00.000Z' };
  });
  t.keychain.failWith('no-service');
}

describe('a key stored in a keychain that is not running here', () => {
  it('verify: exit 7, the stored key named, nothing sent', async () => {
    await storedInKeychainOutOfReach();
    const { code, message, hints } = await outcomeOf(verify(t.ctx, { json: false, quiet: false, billingCheck: true, profile: 'work' }));
    expect(code).toBe(7);
    expect(message).toBe(WHERE);
    expect(hints.at(-1)).toBe(WAY_OUT);
    expect(t.api.checks).toEqual([]);
  });

  it('verify --base-url: the way out stores the key checked against that server too (not the OpenAI API)', async () => {
    await storedInKeychainOutOfReach();
    const { code, hints } = await outcomeOf(verify(t.ctx, { json: false, quiet: false, billingCheck: false, profile: 'work', baseURL: 'http://127.0.0.1:18556/v1', timeoutMs: 30000 }));
    expect(code).toBe(7);
    // `key` has no --no-billing-check: not repeated.
    expect(hints.at(-1)).toBe(`${WAY_OUT} --base-url http://127.0.0.1:18556/v1 --timeout 30000`);
  });

  it('verify --base-url with no key stored: `key` is named with it', async () => {
    t = makeTestContext({ interactive: false });
    const { code, hints } = await outcomeOf(verify(t.ctx, { json: false, quiet: false, billingCheck: true, profile: 'work', baseURL: 'http://127.0.0.1:18556/v1' }));
    expect(code).toBe(2);
    expect(hints.at(-1)).toBe(
      'Store one with `… | openai-setup key --profile work --stdin --base-url http://127.0.0.1:18556/v1` (pipe the key in, in place of …).',
    );
  });

  it('token: exit 7 the same way, nothing on stdout', async () => {
    await storedInKeychainOutOfReach();
    const { code, message } = await outcomeOf(token(t.ctx, { yes: true, profile: 'work' }));
    expect(code).toBe(7);
    expect(message).toBe(WHERE);
    expect(t.stdout).toBe('');
  });

  it('with no record of a key stored there, it is still "no key" (exit 2), with a way that works here', async () => {
    t = makeTestContext({ interactive: false });
    t.keychain.failWith('no-service');
    const { code, message } = await outcomeOf(token(t.ctx, { yes: true, profile: 'work' }));
    expect(code).toBe(2);
    expect(message).toBe('No key is stored for profile "work".');
  });
});

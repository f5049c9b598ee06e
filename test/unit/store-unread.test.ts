// A store that fails and cannot be put back, with a keychain that then cannot be read either (the
// daemon stopped or locked mid-run): what is stored now is not known, and is never said to be
// "no key". Through Context, with an in-memory keychain that fails from the new key's write on.
import { describe, expect, it } from 'vitest';
import { run as key } from '../../src/commands/key.js';
import { maskKey } from '../../src/keys/format.js';
import { outcomeOf, testKey } from '../helpers/context.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const OLD = testKey('A');
const NEW = testKey('B');

const contexts = trackedContexts();

describe('key: the store fails, cannot be put back, and cannot be read', () => {
  it('says what is stored now could not be read, and what to run to see it; never "no key is stored now"', async () => {
    const t = contexts.make({ interactive: false, stdin: `${NEW}\n`, keychain: { racer: OLD } });
    await t.ctx.state.updateProfile('racer', (p) => {
      p.key = { storage: 'keychain', hint: maskKey(OLD), savedAt: '2026-03-01T00:00:00.000Z' };
    });
    // From the new key's write on, the keychain neither writes nor reads (as a stopped daemon).
    const set = t.keychain.setPassword.bind(t.keychain);
    t.keychain.setPassword = async (service, account, password) => {
      if (password === NEW) t.keychain.failWith('locked', { ops: ['get', 'set'] });
      return set(service, account, password);
    };

    const result = await outcomeOf(key(t.ctx, { profile: 'racer', stdin: true, verify: false, insecureStorage: false }));

    expect(result.code).toBe(7);
    expect(result.message).toBe(
      `Storing sk-proj-…000B failed (The Secret Service keyring is locked and could not be unlocked from here), and what was stored before (sk-proj-…000A) could not be put back: what is stored now could not be read, and ${t.ctx.state.path} was not changed.`,
    );
    expect(result.hints).toEqual([
      'Once the Secret Service keyring answers, `openai-setup doctor --profile racer` says which key is stored.',
      'Once that is fixed, store the key again (pipe the key in again, as you did, in place of …):  … | openai-setup key --profile racer --stdin --no-verify',
      'Or remove what is stored:  openai-setup logout --profile racer',
    ]);
    // It was right not to say "no key": the keychain still holds the old key.
    expect(t.keychain.keyOf('racer')).toBe(OLD);
    expect(t.stdout + t.stderr).not.toContain(NEW);
  });
});

// `openai-setup token`: the stored key on stdout and nothing else; on a screen only if confirmed.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as token } from '../../src/commands/token.js';
import { makeTestContext, outcomeOf, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';

const PRINT_ON_SCREEN = 'Print the full key of profile "default" on this screen?';
const KEY = testKey('A');

let t: TestContext;
afterEach(() => t?.cleanup());

function context(options: TestContextOptions = {}): TestContext {
  t = makeTestContext(options);
  return t;
}

describe('token', () => {
  it('into a pipe: the key and a newline, nothing asked, nothing on stderr', async () => {
    context({ stdoutIsTTY: false, keychain: { default: KEY } });
    expect(await token(t.ctx, { yes: false })).toBe(0);
    expect(t.stdout).toBe(`${KEY}\n`);
    expect(t.stderr).toBe('');
    expect(t.prompts.asked).toEqual([]);
  });

  it('on a screen: asks first, and a "no" prints nothing', async () => {
    context({ keychain: { default: KEY } });
    t.prompts.whenConfirm(PRINT_ON_SCREEN, false);
    expect(await token(t.ctx, { yes: false })).toBe(0);
    expect(t.stdout).toBe('');
    expect(t.stderr).toBe('Not printed.\n');
    t.assertScriptsUsed();
  });

  it('on a screen: a "yes" prints the key', async () => {
    context({ keychain: { default: KEY } });
    t.prompts.whenConfirm(PRINT_ON_SCREEN, true);
    expect(await token(t.ctx, { yes: false })).toBe(0);
    expect(t.stdout).toBe(`${KEY}\n`);
    t.assertScriptsUsed();
  });

  it('--yes prints on a screen without asking', async () => {
    context({ keychain: { default: KEY } });
    expect(await token(t.ctx, { yes: true })).toBe(0);
    expect(t.stdout).toBe(`${KEY}\n`);
    expect(t.prompts.asked).toEqual([]);
  });

  it('on a screen without a terminal to answer on: a usage error naming --yes', async () => {
    context({ stdinIsTTY: false, stdoutIsTTY: true, keychain: { default: KEY } });
    const { code, message } = await outcomeOf(token(t.ctx, { yes: false }));
    expect(code).toBe(2);
    expect(message).toContain('Pass --yes to print it on the terminal anyway');
    expect(t.stdout).toBe('');
  });

  it('prints the key of the profile asked for', async () => {
    const work = testKey('W');
    context({ stdoutIsTTY: false, keychain: { default: KEY, work } });
    expect(await token(t.ctx, { profile: 'work', yes: false })).toBe(0);
    expect(t.stdout).toBe(`${work}\n`);
  });

  it('reads a key kept with --insecure-storage, with a warning on stderr', async () => {
    context({ stdoutIsTTY: false });
    await t.ctx.keys.set('default', KEY, true);
    expect(await token(t.ctx, { yes: false })).toBe(0);
    expect(t.stdout).toBe(`${KEY}\n`);
    expect(t.stderr).toContain(`! Reading the key of profile "default" from the plain-text file ${join(t.configDir, 'credentials.json')} (--insecure-storage).`);
  });

  it('with no key stored: a usage error saying how to store one', async () => {
    context({ stdoutIsTTY: false });
    const { code, message, hints } = await outcomeOf(token(t.ctx, { yes: false }));
    expect(code).toBe(2);
    expect(message).toBe('No key is stored for profile "default".');
    // Its output captured (stdout no terminal): `key` run so would not ask, so no question is promised.
    expect(hints).toEqual(['Store one with `openai-setup key` (at a terminal it asks for the key, hidden; or pipe the key into it with --stdin).']);
    expect(t.stdout).toBe('');
  });

  it('with a locked keychain and no file: the key-store exit code 7', async () => {
    context({ stdoutIsTTY: false, keychain: { default: KEY } });
    t.keychain.failWith('locked');
    const { code, message } = await outcomeOf(token(t.ctx, { yes: false }));
    expect(code).toBe(7);
    expect(message).toBe('The Secret Service keyring is locked and could not be unlocked from here. No key could be read for profile "default".');
    expect(t.stdout).toBe('');
  });
});

// `key --stdin`: what came on standard input is read and checked before anything else (the
// keychain included), nothing piped is no key given (exit 2), and the advice of a failure names
// `key --stdin` as it was run (its profile, npx).
import { afterEach, describe, expect, it } from 'vitest';
import { run as key } from '../../src/commands/key.js';
import { StdinError } from '../../src/terminal/stdin.js';
import { makeTestContext, outcomeOf, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';

const KEY = testKey('A');

let t: TestContext;
afterEach(() => t?.cleanup());

function context(options: TestContextOptions = {}): TestContext {
  t = makeTestContext({ interactive: false, ...options });
  return t;
}

describe('key --stdin reads and checks its input first', () => {
  it('nothing piped (</dev/null) with no keyring: the missing key is said (exit 2), not the keyring (exit 7)', async () => {
    context({ stdin: '' });
    t.keychain.failWith('no-service');
    const { code, message, hints } = await outcomeOf(key(t.ctx, { stdin: true }));
    expect(code).toBe(2);
    expect(message).toBe('No key came on standard input: it was empty.');
    // OPENAI_API_KEY is not set here: the pipe of it that gave nothing is not named again; nor,
    // with no terminal here, `key` asking (it would fail in its turn): the pipe itself, into the
    // file, as without --insecure-storage it would exit 7 here (no keychain answers).
    expect(hints).toEqual([
      "OPENAI_API_KEY is not in this shell's environment (not set, or not exported), so `printenv OPENAI_API_KEY` gives nothing to pipe.",
      'Pipe the key itself into:  openai-setup key --stdin --insecure-storage',
    ]);
    // That asked of the keychain by a read alone: no write probe, nothing to unlock.
    expect(t.keychain.calls).toEqual([{ op: 'get', account: 'default' }]);
    expect(t.api.checks).toEqual([]);
  });

  it('nothing piped, OPENAI_API_KEY set: the pipe of it is the example', async () => {
    context({ stdin: '\n', env: { OPENAI_API_KEY: KEY } });
    const { code, hints } = await outcomeOf(key(t.ctx, { stdin: true }));
    expect(code).toBe(2);
    expect(hints).toEqual(['Pipe the key in, e.g.:  printenv OPENAI_API_KEY | openai-setup key --stdin']);
  });

  it('something that is not a key, with no keyring: refused as not a key (exit 3), the keychain never asked', async () => {
    context({ stdin: 'sess-abcdefghijklmnopqrstuvwxyz\n' });
    t.keychain.failWith('no-service');
    const { code, message } = await outcomeOf(key(t.ctx, { stdin: true }));
    expect(code).toBe(3);
    expect(message).toMatch(/^That is not an API key: this is a ChatGPT session token/);
    expect(t.keychain.calls).toEqual([]);
  });

  it('a key with no keyring is still the keyring problem (exit 7)', async () => {
    context({ stdin: `${KEY}\n` });
    t.keychain.failWith('no-service');
    expect((await outcomeOf(key(t.ctx, { stdin: true }))).code).toBe(7);
  });

  it('a pipe that never sends anything: the advice names key --stdin as run, with its profile', async () => {
    context({ commandName: 'npx openai-setup', env: { OPENAI_API_KEY: KEY } });
    t.ctx.readStdin = () => Promise.reject(new StdinError('Nothing came on standard input within 10 s.', 'printenv OPENAI_API_KEY | openai-setup key --stdin'));
    const { code, hints } = await outcomeOf(key(t.ctx, { stdin: true, profile: 'work' }));
    expect(code).toBe(2);
    expect(hints).toEqual(['Pipe the key in, e.g.:  printenv OPENAI_API_KEY | npx openai-setup key --profile work --stdin']);
  });

  it('the advice repeats the options given: run as printed, it stores and checks the key the same way (a base URL without its password)', async () => {
    // At a terminal (its output on one): `key` asks there.
    context({ stdin: '', stdoutIsTTY: true });
    const { code, hints } = await outcomeOf(
      key(t.ctx, { stdin: true, profile: 'work', insecureStorage: true, verify: false, check: { baseURL: 'http://user:s3cret@127.0.0.1:18556/v1', model: 'gpt-4o', timeoutMs: 30000 } }),
    );
    expect(code).toBe(2);
    expect(hints).toEqual([
      "OPENAI_API_KEY is not in this shell's environment (not set, or not exported), so `printenv OPENAI_API_KEY` gives nothing to pipe.",
      'Let it ask for the key instead (hidden; at a terminal):  openai-setup key --profile work --insecure-storage --no-verify --base-url http://127.0.0.1:18556/v1 --model gpt-4o --timeout 30000',
    ]);
    expect(hints.join('\n')).not.toContain('s3cret');
  });
});

// `key --stdin` through the built binary with nothing piped and no keyring (no D-Bus session): the
// missing key is what is said (exit 2, naming `key --stdin --insecure-storage`, which works here),
// not the keyring (exit 7).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { runCli } from '../helpers/run.js';

let t: TestEnv;
beforeAll(async () => {
  t = await makeTestEnv({ DBUS_SESSION_BUS_ADDRESS: undefined });
});
afterAll(async () => {
  await t?.cleanup();
});

describe('key --stdin with nothing on standard input', () => {
  it('</dev/null, no keyring: no key came (exit 2), before anything about the keychain', async () => {
    const result = await runCli(['key', '--stdin', '--profile', 'work'], { env: t.env, input: '' });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("✖ No key came on standard input: it was empty.\n  OPENAI_API_KEY is not in this shell's environment (not set, or not exported), so `printenv OPENAI_API_KEY` gives nothing to pipe.\n  Pipe the key itself into:  openai-setup key --profile work --stdin --insecure-storage\n");
    expect(result.stdout).toBe('');
  });
});

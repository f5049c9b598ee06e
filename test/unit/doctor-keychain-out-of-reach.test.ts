// doctor where the keychain that holds the stored key is not running (over SSH, in a container):
// the key is said to be there, out of reach (exit 7), as verify and token say it; never "no key"
// with advice to store one, which would make a second.
import { afterEach, describe, expect, it } from 'vitest';
import { run as doctor, DoctorJsonSchema } from '../../src/commands/doctor.js';
import { checkResult, makeTestContext, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';

const KEY = testKey('A');
const OTHER = testKey('B');
const HINT = 'sk-proj-…000A';

const made: TestContext[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((t) => t.cleanup()));
});

/** A key stored in the keychain (the desktop session), doctor run over SSH. */
async function overSsh(options: TestContextOptions = {}): Promise<TestContext> {
  const t = makeTestContext({ keychain: { default: KEY }, ...options });
  made.push(t);
  await t.ctx.state.updateProfile('default', (p) => {
    p.key = { storage: 'keychain', hint: HINT, savedAt: '2026-03-01T00:00:00.000Z' };
    p.stages.key = { doneAt: '2026-03-01T00:00:00.000Z' };
  });
  t.keychain.failWith('no-service');
  t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 });
  return t;
}

describe('doctor: the stored key in a keychain not running here', () => {
  it('names it there (exit 7): where to run doctor, or a file as the other way out; the live check says why it did not run', async () => {
    const t = await overSsh();
    expect(await doctor(t.ctx, { json: false })).toBe(7);
    expect(t.stdout).toContain('! Keychain            No Secret Service keyring is running on this machine (common over SSH, in containers and on WSL), so the key cannot go into a keychain.\n✖ Stored key');
    expect(t.stdout).toContain(
      `✖ Stored key          The key stored for profile "default" (${HINT}) is in the Secret Service keyring, which is not running here (common over SSH, in containers and on WSL): it cannot be read from here\n` +
        '  → Run `openai-setup doctor` where the Secret Service keyring is (your desktop session), or keep the key in a file only you can read (it asks for the key, hidden):  openai-setup key --insecure-storage\n',
    );
    expect(t.stdout).toContain('○ Live check          no key to check here (the stored one is in the Secret Service keyring, not running here)\n');
    expect(t.stdout).not.toMatch(/Stored key +none/);
    expect(t.api.checks).toEqual([]);
  });

  it('--json: the stored-key check fails with what to do', async () => {
    const t = await overSsh();
    expect(await doctor(t.ctx, { json: true })).toBe(7);
    const json = DoctorJsonSchema.parse(JSON.parse(t.stdout));
    expect(json).toMatchObject({ ok: false, exitCode: 7 });
    expect(json.checks.find((c) => c.id === 'keychain')).toMatchObject({ status: 'warn', fix: null });
    expect(json.checks.find((c) => c.id === 'stored-key')).toMatchObject({ status: 'fail', detail: expect.stringContaining(`(${HINT}) is in the Secret Service keyring, which is not running here`) });
  });

  it('with OPENAI_API_KEY set: the stored key is said, and the one in the variable is checked', async () => {
    const t = await overSsh({ env: { OPENAI_API_KEY: OTHER } });
    t.api.answerChecks(checkResult('valid'));
    expect(await doctor(t.ctx, { json: false })).toBe(0);
    expect(t.stdout).toContain(
      `○ Stored key          The key stored for profile "default" (${HINT}) is in the Secret Service keyring, which is not running here (common over SSH, in containers and on WSL): it cannot be read from here; programs here use OPENAI_API_KEY\n`,
    );
    expect(t.api.checkedKeys).toEqual([OTHER]);
  });
});

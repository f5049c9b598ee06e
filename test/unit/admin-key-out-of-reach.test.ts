// The admin key stored in the keychain, read where no Secret Service runs (over SSH, in a
// container): spend and rotate say where it is (exit 7), not "none is stored" with advice that
// would store a second one; --json documents say the same.
import { afterEach, describe, expect, it } from 'vitest';
import { run as rotate, RotateJsonSchema } from '../../src/commands/rotate.js';
import { run as spend, SpendFailureJsonSchema } from '../../src/commands/spend.js';
import { makeTestContext, outcomeOf, testKey, type TestContext } from '../helpers/context.js';

const ADMIN = testKey('B').replace('sk-proj-', 'sk-admin-');
const WHERE =
  'The admin key of profile "lo2" (sk-admin-…000B) is in the Secret Service keyring, which is not running here (common over SSH, in containers and on WSL): it cannot be read from here.';
const WAY_OUT =
  'Run this where the Secret Service keyring is (your desktop session), or set OPENAI_ADMIN_KEY, or keep the admin key in a file only you can read (pipe the key in, in place of …):  … | openai-setup admin-key --stdin --insecure-storage --profile lo2';

let t: TestContext;
afterEach(() => t?.cleanup());

async function adminKeyOutOfReach(options: { record?: boolean } = {}): Promise<void> {
  t = makeTestContext({ interactive: false, admin: true });
  t.org.admin.addAdminKey(ADMIN);
  await t.keychain.setPassword('openai-setup', 'lo2:admin', ADMIN);
  if (options.record !== false) {
    await t.ctx.state.updateProfile('lo2', (p) => {
      p.adminKey = { storage: 'keychain', hint: 'sk-admin-…000B', savedAt: '2026-01-01T00:00:00.000Z' };
    });
  }
  t.keychain.failWith('no-service');
}

describe('an admin key stored in a keychain that is not running here', () => {
  it('spend: exit 7, the stored admin key named, no advice to store another, nothing sent', async () => {
    await adminKeyOutOfReach();
    const { code, message, hints } = await outcomeOf(spend(t.ctx, { json: false, profile: 'lo2' }));
    expect(code).toBe(7);
    expect(message).toBe(WHERE);
    expect(hints).toEqual([WAY_OUT]);
    expect(t.org.requests).toEqual([]);
  });

  it('spend --json: the failure document says the same (key_store, exit 7)', async () => {
    await adminKeyOutOfReach();
    const { code } = await outcomeOf(spend(t.ctx, { json: true, profile: 'lo2' }));
    expect(code).toBe(7);
    const document = SpendFailureJsonSchema.parse(JSON.parse(t.stdout));
    expect(document).toMatchObject({ ok: false, exitCode: 7, reason: 'key_store', message: WHERE, fix: WAY_OUT, profile: 'lo2' });
  });

  it('rotate (and --json): exit 7 the same way, nothing changed', async () => {
    await adminKeyOutOfReach();
    expect(await outcomeOf(rotate(t.ctx, { keepOld: false, yes: true, json: false, profile: 'lo2' }))).toEqual({ code: 7, message: WHERE, hints: [WAY_OUT] });
    const { code } = await outcomeOf(rotate(t.ctx, { keepOld: false, yes: true, json: true, profile: 'lo2' }));
    expect(code).toBe(7);
    expect(RotateJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({ ok: false, exitCode: 7, reason: 'key_store', message: WHERE, fix: WAY_OUT, new: null, old: null });
    expect(t.org.requests).toEqual([]);
  });

  it('with no record of an admin key stored there, it is still "none is stored" (exit 2)', async () => {
    await adminKeyOutOfReach({ record: false });
    const { code, message } = await outcomeOf(spend(t.ctx, { json: false, profile: 'lo2' }));
    expect(code).toBe(2);
    expect(message).toBe('`spend` needs an organization admin key (sk-admin-…), and none is stored for profile "lo2".');
  });
});

describe('an admin key stored in a keychain that is locked or does not answer', () => {
  for (const [problem, headline, fix] of [
    ['locked', 'The Secret Service keyring is locked and could not be unlocked from here.', /^Unlock it: /],
    ['timeout', 'The Secret Service keyring did not answer within a few seconds.', /^Check that the Secret Service keyring answers/],
  ] as const) {
    it(`${problem}: spend and rotate say to fix the keychain or set OPENAI_ADMIN_KEY, never to create and store another admin key`, async () => {
      await adminKeyOutOfReach();
      t.keychain.failWith(problem);
      for (const run of [() => spend(t.ctx, { json: false, profile: 'lo2' }), () => rotate(t.ctx, { keepOld: false, yes: true, json: false, profile: 'lo2' })]) {
        const { code, message, hints } = await outcomeOf(run());
        expect(code).toBe(7);
        expect(message).toBe(`${headline} No admin key could be read for profile "lo2".`);
        expect(hints).toHaveLength(2);
        expect(hints[0]).toMatch(fix);
        expect(hints[1]).toBe('Or set OPENAI_ADMIN_KEY to the admin key for this run.');
        expect(hints.join('\n')).not.toMatch(/admin keys page|admin-key/);
      }
      expect(t.org.requests).toEqual([]);
    });
  }
});

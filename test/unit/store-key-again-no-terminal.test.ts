// Without a terminal (`status | cat` in a script, stdin no terminal), every fix that stores a key
// (again) names it as it works there: piped into `key --stdin`, never a bare `key`, which would
// exit 2 asking for it. On a terminal it is `key`, which asks. The reviewer's case: no keychain
// here, the key kept with --insecure-storage, then its file damaged.
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { run as doctor } from '../../src/commands/doctor.js';
import { run as status } from '../../src/commands/status.js';
import { checkResult, makeTestContext, testKey, type TestContext } from '../helpers/context.js';

let t: TestContext;
afterEach(() => t?.cleanup());

/** A key stored with --insecure-storage where no keychain is (no session bus), then its file damaged. */
async function damagedKeyFile(interactive: boolean): Promise<void> {
  t = makeTestContext({ interactive, env: { OPENAI_API_KEY: undefined } });
  t.keychain.withoutBus();
  await t.ctx.keys.set('default', testKey('D'), true);
  writeFileSync(t.ctx.keys.filePath, '{x\n', { mode: 0o600 });
}

const REACHED = { reached: true, status: 401, json: true, ms: 42 } as const;
const PIPED = 'of profile "default" again (pipe the key in, in place of …) with `… | openai-setup key --stdin --insecure-storage`';

describe('storing the key again, without a terminal', () => {
  it('status: the damaged key file is removed, then the key piped in', async () => {
    await damagedKeyFile(false);
    await status(t.ctx, { json: false });
    expect(t.stdout).toContain(`then store the key ${PIPED}\n`);
    expect(t.stdout).not.toMatch(/`openai-setup key --insecure-storage`/);
  });

  it('doctor: the same', async () => {
    await damagedKeyFile(false);
    t.api.answerReach(REACHED);
    expect(await doctor(t.ctx, { json: false })).toBe(7);
    expect(t.stdout.replace(/\s+/g, ' ')).toContain('then store the key of profile "default" again (pipe the key in, in place of …) with `… | openai-setup key --stdin --insecure-storage`');
    expect(t.stdout).not.toMatch(/openai-setup key --insecure-storage/);
  });

  it('at a terminal, `key` itself, which asks', async () => {
    await damagedKeyFile(true);
    await status(t.ctx, { json: false });
    expect(t.stdout.replace(/\s+/g, ' ')).toContain('then store the key of profile "default" again (it asks for the key, hidden) with `openai-setup key --insecure-storage`');
  });

  it('status and doctor with no key stored (a keychain here): piped in too', async () => {
    t = makeTestContext({ interactive: false, env: { OPENAI_API_KEY: undefined } });
    await t.ctx.state.updateProfile('default', () => {});
    await status(t.ctx, { json: false });
    expect(t.stdout).toContain('No key recorded for this profile (`openai-setup doctor` looks in the');
    expect(t.stdout).toContain('store one (pipe the key in, in place of …) with `… | openai-setup key --stdin`\n');
    t.api.answerReach(REACHED);
    await doctor(t.ctx, { json: false });
    expect(t.stdout.replace(/\s+/g, ' ')).toContain('Store one (pipe the key in, in place of …): … | openai-setup key --stdin');
    expect(t.stdout).not.toMatch(/openai-setup key\n/);
  });

  it('doctor: a key in the file with a keychain here is moved into it from token', async () => {
    t = makeTestContext({ interactive: false, env: { OPENAI_API_KEY: undefined } });
    t.api.answerReach(REACHED).answerEveryCheck(() => checkResult('valid'));
    await t.ctx.keys.set('default', testKey('M'), true);
    await doctor(t.ctx, { json: false });
    expect(t.stdout.replace(/\s+/g, ' ')).toContain('Move it into the keychain: openai-setup token | openai-setup key --stdin --no-verify');
  });
});

describe('doctor, no key stored, a key in OPENAI_API_KEY', () => {
  it.each([false, true])('the live check rejects it: Store one never pipes it in (terminal: %s)', async (interactive) => {
    t = makeTestContext({ interactive, env: { OPENAI_API_KEY: testKey('R') } });
    await t.ctx.state.updateProfile('default', () => {});
    t.api.answerReach(REACHED).answerChecks(checkResult('invalid_key'));
    await doctor(t.ctx, { json: false });
    const said = t.stdout.replace(/\s+/g, ' ');
    expect(said).not.toContain('printenv OPENAI_API_KEY');
    expect(said).toContain(interactive ? 'Store one (it asks for the key, hidden): openai-setup key' : 'Store one (pipe the key in, in place of …): … | openai-setup key --stdin');
  });

  it('the live check passes it: Store one pipes it in, in --json too', async () => {
    t = makeTestContext({ interactive: false, env: { OPENAI_API_KEY: testKey('V') } });
    await t.ctx.state.updateProfile('default', () => {});
    t.api.answerReach(REACHED).answerChecks(checkResult('valid'));
    await doctor(t.ctx, { json: true });
    const stored = (JSON.parse(t.stdout) as { checks: Array<{ id: string; fix: string | null }> }).checks.find((c) => c.id === 'stored-key');
    expect(stored?.fix).toBe('Store one:  printenv OPENAI_API_KEY | openai-setup key --stdin');
  });
});

// A progress file of a newer openai-setup is never written over: a command that would save
// progress exits 7 asking to update, before it asks anything, opens a page or sends a request
// (a key checked, then refused its record, was a billable request for nothing); status then
// names no command that would exit 7 so, without saying to update first.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as adminKey } from '../../src/commands/admin-key.js';
import { run as billing } from '../../src/commands/billing.js';
import { DoctorJsonSchema, run as doctor } from '../../src/commands/doctor.js';
import { run as key } from '../../src/commands/key.js';
import { run as login } from '../../src/commands/login.js';
import { run as logout } from '../../src/commands/logout.js';
import { run as payment } from '../../src/commands/payment.js';
import { run as setup } from '../../src/commands/setup.js';
import { run as status } from '../../src/commands/status.js';
import { run as token } from '../../src/commands/token.js';
import { run as verify } from '../../src/commands/verify.js';
import { defaultDeps, runImport } from '../../src/commands/import.js';
import { checkResult, makeTestContext, outcomeOf, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';

const KEY = testKey('A');
const REFUSED = /^The progress file .*state\.json was written by a newer openai-setup \(format 2; this one knows 1\), so this one leaves it as it is and saves nothing to it; update openai-setup \(npm install -g openai-setup@latest\) and run again\.$/;
const UPDATE = 'update openai-setup (npm install -g openai-setup@latest)';

let t: TestContext;
afterEach(() => t?.cleanup());

/** A newer openai-setup's file: version 2, the rest as this one writes it (stages 1 and 2 done, a key recorded). */
function newerFile(options: TestContextOptions = {}, profile: Record<string, unknown> = {}): string {
  t = makeTestContext(options);
  mkdirSync(t.configDir, { mode: 0o700 });
  const text = JSON.stringify({
    version: 2,
    defaultProfile: 'default',
    profiles: {
      default: {
        stages: { login: { doneAt: '2026-01-01T00:00:00.000Z' }, payment: { doneAt: '2026-01-01T00:00:00.000Z' } },
        key: { storage: 'keychain', hint: 'sk-proj-…000A', savedAt: '2026-01-01T00:00:00.000Z' },
        ...profile,
      },
    },
  });
  writeFileSync(join(t.configDir, 'state.json'), text, { mode: 0o600 });
  return text;
}

/** Exit 7 in one line, nothing asked, opened or sent, the file as it was. */
async function refusedAtOnce(run: Promise<number>, text: string): Promise<void> {
  const { code, message } = await outcomeOf(run);
  expect(code).toBe(7);
  expect(message).toMatch(REFUSED);
  expect(t.prompts.asked).toEqual([]);
  expect(t.browser.opened).toEqual([]);
  expect(t.api.checks).toEqual([]);
  expect(readFileSync(join(t.configDir, 'state.json'), 'utf8')).toBe(text);
  t.assertScriptsUsed();
}

describe('a progress file written by a newer openai-setup', () => {
  it('the wizard exits 7 before its checklist: no check of the stored key, no "Finish now?", no stage', async () => {
    const text = newerFile({ keychain: { default: KEY } });
    await refusedAtOnce(setup(t.ctx, { restart: false, insecureStorage: false }), text);
    expect(t.stdout).not.toContain('Step 1 of 4');
  });

  it.each([
    ['login', () => login(t.ctx, { done: false })],
    ['payment', () => payment(t.ctx, { done: false })],
    ['billing', () => billing(t.ctx, { done: false })],
    ['billing --done', () => billing(t.ctx, { done: true, choice: 'prepaid' })],
  ])('%s exits 7 before its page or question', async (_name, run) => {
    const text = newerFile();
    await refusedAtOnce(run(), text);
  });

  it('key --stdin exits 7 before the live check (a billable request), nothing stored', async () => {
    const text = newerFile({ interactive: false, stdin: `${testKey('B')}\n` });
    await refusedAtOnce(key(t.ctx, { stdin: true }), text);
    expect(t.keychain.accounts()).toEqual([]);
  });

  it('key on a terminal exits 7 before asking for the key', async () => {
    const text = newerFile();
    await refusedAtOnce(key(t.ctx, {}), text);
  });

  it('admin-key exits 7 before asking for the key', async () => {
    const text = newerFile();
    await refusedAtOnce(adminKey(t.ctx, { stdin: false, insecureStorage: false, verify: true, json: false }), text);
  });

  it('logout exits 7 before "Remove …?": the key stays stored', async () => {
    const text = newerFile({ keychain: { default: KEY } });
    await refusedAtOnce(logout(t.ctx, { yes: false }), text);
    expect(t.keychain.keyOf('default')).toBe(KEY);
  });

  it('status says to update before the wizard, key, import and admin-key it names (they would exit 7 now)', async () => {
    newerFile({ env: { OPENAI_API_KEY: undefined } }, { key: undefined, adminKey: { storage: 'keychain', hint: 'sk-proj-…000B', savedAt: '2026-01-01T00:00:00.000Z' } });
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.stdout).toContain(`○ No key recorded for this profile (\`openai-setup doctor\` looks in the Secret Service keyring and records a key it finds there): to store one, ${UPDATE}, then run \`openai-setup key\` (it asks for the key, hidden)\n`);
    expect(t.stdout).toContain(`is not an admin key: to store yours again, ${UPDATE}, then run \`openai-setup admin-key\`\n`);
    expect(t.stdout).toContain(`To continue (2 of 4 stages pending), ${UPDATE}, then run \`openai-setup\`.\n`);
    expect(t.stdout).not.toContain('to continue (');
    expect(t.stderr).toContain('only what this one understands of it is used');
  });

  it('token with no key stored says to update before the `key` it names (it would exit 7 now)', async () => {
    newerFile({ interactive: false, env: { OPENAI_API_KEY: undefined } }, { key: undefined });
    const { code, message, hints } = await outcomeOf(token(t.ctx, { yes: false }));
    expect({ code, message }).toEqual({ code: 2, message: 'No key is stored for profile "default".' });
    expect(hints).toEqual([`To store one, ${UPDATE}, then run \`… | openai-setup key --stdin\` (pipe the key in, in place of …).`]);
  });

  it('token with a stored value that is no key says to update before the `key` that replaces it', async () => {
    newerFile({ interactive: false, env: { OPENAI_API_KEY: undefined }, keychain: { default: 'sk-proj-cut' } });
    const { code, hints } = await outcomeOf(token(t.ctx, { yes: false }));
    expect(code).toBe(3);
    expect(hints).toEqual([`To store your key again (it replaces what is stored), ${UPDATE}, then run \`… | openai-setup key --stdin\` (pipe the key in, in place of …).`]);
  });

  it('import, listing a key that is not stored yet, says to update before the import that would store it', async () => {
    newerFile({ interactive: false, env: { OPENAI_API_KEY: undefined } }, { key: undefined });
    writeFileSync(join(t.cwd, '.env'), `OPENAI_API_KEY=${testKey('B')}\n`);
    expect(await runImport(t.ctx, { check: false, json: false, rewrite: false, yes: false }, defaultDeps())).toBe(8);
    expect(t.stdout).toContain(`To move one into the keychain, ${UPDATE}, then run \`openai-setup import\` on a terminal.\nOr, after that, without a terminal:  openai-setup import --store PATH:LINE --rewrite --yes\n`);
    expect(t.stdout).not.toContain('on a terminal:  ');
  });

  it('verify with a stored value that is no key says to update before the `key` that replaces it', async () => {
    newerFile({ interactive: false, env: { OPENAI_API_KEY: undefined }, keychain: { default: 'sk-proj-cut' } });
    const { code } = await outcomeOf(verify(t.ctx, { json: false, quiet: false, billingCheck: true }));
    expect(code).toBe(3);
    expect(t.stdout).toContain(`To store your key again (it replaces what is stored), ${UPDATE}, then run \`… | openai-setup key --stdin\` (pipe the key in, in place of …).`);
    expect(t.stdout).not.toContain('Store your key again with');
    expect(t.api.checks).toEqual([]);
  });

  it('doctor with a stored value that is no key says to update before the `key` that replaces it, in its stored-key row', async () => {
    newerFile({ interactive: false, env: { OPENAI_API_KEY: undefined }, keychain: { default: 'sk-proj-cut' } });
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 });
    expect(await doctor(t.ctx, { json: true })).toBe(3);
    const checks = DoctorJsonSchema.parse(JSON.parse(t.stdout)).checks;
    const fixes = checks.filter((c) => c.fix?.includes('store your key again') || c.fix?.includes('Store your key again')).map((c) => [c.id, c.fix]);
    expect(fixes).toEqual([['stored-key', `To store your key again (it replaces what is stored), ${UPDATE}, then run \`… | openai-setup key --stdin\` (pipe the key in, in place of …).`]]);
  });

  it('doctor checking a stored key for OpenAI that only another server takes: the key that replaces it after updating', async () => {
    newerFile({ interactive: false, env: { OPENAI_API_KEY: undefined, OPENAI_BASE_URL: 'https://api.openai.com/v1' }, keychain: { default: 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz' } });
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 });
    await doctor(t.ctx, { json: true });
    const checks = DoctorJsonSchema.parse(JSON.parse(t.stdout)).checks;
    expect(checks.find((c) => c.id === 'verify')?.fix).toBe(`If it is to be an OpenAI key, store yours (it replaces what is stored): ${UPDATE}, then run \`… | openai-setup key --stdin\` (pipe the key in, in place of …).`);
    // The record, out of date, could not be written: storing again records it, once updated.
    expect(checks.find((c) => c.id === 'stored-key')?.fix).toBe(`To record it, ${UPDATE}, then run \`openai-setup token | openai-setup key --stdin --no-verify\`.`);
  });

  it('doctor with the key in the plain-text file says to update before the `key` that moves it into the keychain', async () => {
    newerFile({ interactive: false, env: { OPENAI_API_KEY: undefined } }, { key: { storage: 'file', hint: 'sk-proj-…000A', savedAt: '2026-01-01T00:00:00.000Z' } });
    writeFileSync(join(t.configDir, 'credentials.json'), JSON.stringify({ version: 1, keys: { default: KEY } }), { mode: 0o600 });
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 });
    t.api.answerChecks(checkResult('valid'));
    await doctor(t.ctx, { json: true });
    const checks = DoctorJsonSchema.parse(JSON.parse(t.stdout)).checks;
    expect(checks.find((c) => c.id === 'stored-key')?.fix).toBe(`To move it into the keychain, ${UPDATE}, then run \`openai-setup token | openai-setup key --stdin --no-verify\`.`);
  });

  it('doctor with plain-text copies of the stored key says to update before the `import` that moves them', async () => {
    newerFile({ interactive: false, env: { OPENAI_API_KEY: undefined }, keychain: { default: KEY } });
    const home = join(t.cwd, '..', 'home');
    mkdirSync(home);
    t.ctx.rawEnv.HOME = home;
    writeFileSync(join(home, '.bashrc'), `export OPENAI_API_KEY=${KEY}\n`);
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 });
    t.api.answerChecks(checkResult('valid'));
    await doctor(t.ctx, { json: true });
    const checks = DoctorJsonSchema.parse(JSON.parse(t.stdout)).checks;
    expect(checks.find((c) => c.id === 'plaintext')?.fix).toBe(`To move them into the keychain, ${UPDATE}, then run \`openai-setup import\`.`);
  });

  it('doctor with the key kept in OPENAI_API_KEY by the person says to update before the `import` that would keep it in the keychain', async () => {
    newerFile({ interactive: false, env: { OPENAI_API_KEY: KEY } }, { key: { storage: 'env', hint: 'sk-proj-…000A', savedAt: '2026-01-01T00:00:00.000Z' } });
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 });
    t.api.answerChecks(checkResult('valid'));
    await doctor(t.ctx, { json: true });
    const checks = DoctorJsonSchema.parse(JSON.parse(t.stdout)).checks;
    expect(checks.find((c) => c.id === 'stored-key')?.fix).toBe(`To have openai-setup keep it in the keychain instead, ${UPDATE}, then run \`openai-setup import\`.`);
  });

  it('doctor with OPENAI_API_KEY another key than the stored one says to update before the `key --stdin` that stores it', async () => {
    newerFile({ interactive: false, env: { OPENAI_API_KEY: testKey('B') }, keychain: { default: KEY } });
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 });
    t.api.answerChecks(checkResult('valid'));
    await doctor(t.ctx, { json: true });
    const checks = DoctorJsonSchema.parse(JSON.parse(t.stdout)).checks;
    expect(checks.find((c) => c.id === 'OPENAI_API_KEY')?.fix).toBe(
      `Unset it (programs then need \`openai-setup run\`), or to store it, ${UPDATE}, then run \`printenv OPENAI_API_KEY | openai-setup key --stdin\`.`,
    );
  });

  it('doctor with no keychain service says to update before the `key --insecure-storage` it offers', async () => {
    newerFile({ interactive: false, env: { OPENAI_API_KEY: undefined } }, { key: undefined });
    t.keychain.failWith('no-service');
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 });
    expect(await doctor(t.ctx, { json: false })).toBe(7);
    expect(t.stdout).toContain(`→ Set OPENAI_API_KEY yourself, or to keep the key in a file only you can read (pipe the key in, in place of …), ${UPDATE}, then run \`… | openai-setup key --stdin --insecure-storage\`\n`);
    expect(t.stdout).not.toContain(':  openai-setup key');
  });

  it('doctor with the stored key in a keychain not running here says to update before the file it offers', async () => {
    newerFile({ interactive: false, env: { OPENAI_API_KEY: undefined } });
    t.keychain.failWith('no-service');
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 });
    expect(await doctor(t.ctx, { json: false })).toBe(7);
    expect(t.stdout).toContain(`, or to keep the key in a file only you can read (pipe the key in, in place of …), ${UPDATE}, then run \`… | openai-setup key --stdin --insecure-storage\`\n`);
  });

  it('doctor with no key stored says to update before the `key` that stores one', async () => {
    newerFile({ interactive: false, env: { OPENAI_API_KEY: undefined } }, { key: undefined });
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 });
    await doctor(t.ctx, { json: true });
    const checks = DoctorJsonSchema.parse(JSON.parse(t.stdout)).checks;
    expect(checks.find((c) => c.id === 'stored-key')?.fix).toBe(`To store one, ${UPDATE}, then run \`… | openai-setup key --stdin\` (pipe the key in, in place of …).`);
  });
});

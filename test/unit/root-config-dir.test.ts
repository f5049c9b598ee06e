// Root's run with another user's HOME (sudo -E, macOS sudo): the config dir is not there and is not
// made (make-dirs.ts). A command that saves progress exits 7 saying so before it asks anything,
// opens a page or sends a request (a key checked, then refused its record, was a billable request
// for nothing); doctor names the problem as a check; status names no command that would exit 7 so
// without its fix first. Needs a root test run, as make-dirs.test.ts's root cases do.
import { chownSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as adminKey } from '../../src/commands/admin-key.js';
import { run as billing } from '../../src/commands/billing.js';
import { run as doctor } from '../../src/commands/doctor.js';
import { run as key } from '../../src/commands/key.js';
import { run as login } from '../../src/commands/login.js';
import { run as logout } from '../../src/commands/logout.js';
import { run as payment } from '../../src/commands/payment.js';
import { run as setup } from '../../src/commands/setup.js';
import { run as status } from '../../src/commands/status.js';
import { makeTestContext, outcomeOf, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';

const AS_ROOT = process.getuid?.() === 0;
/** The person whose home root's run is in. */
const OWNER = 1000;
const KEY = testKey('A');
const FIX = "openai-setup as that user (without sudo), or set OPENAI_SETUP_CONFIG_DIR to a directory of root's";

let t: TestContext;
afterEach(() => t?.cleanup());

/** The config dir's parent another user's, the config dir not there (as in their home). */
function theirHome(options: TestContextOptions = {}): string {
  t = makeTestContext(options);
  const home = dirname(t.configDir);
  chownSync(home, OWNER, OWNER);
  return home;
}

function refusedLine(home: string): string {
  return `${t.configDir} was not made: openai-setup runs as root here, and ${home} belongs to another user (uid ${OWNER}), whose own runs could not use what root made in it. Run ${FIX}.`;
}

/** Exit 7 in that one line, nothing asked, opened or sent, nothing made. */
async function refusedAtOnce(run: Promise<number>, home: string): Promise<void> {
  const { code, message } = await outcomeOf(run);
  expect(code).toBe(7);
  expect(message).toBe(refusedLine(home));
  expect(t.prompts.asked).toEqual([]);
  expect(t.browser.opened).toEqual([]);
  expect(t.api.checks).toEqual([]);
  expect(existsSync(t.configDir)).toBe(false);
  t.assertScriptsUsed();
}

describe.skipIf(!AS_ROOT)("root's run, the config dir not there in another user's home", () => {
  it('key --stdin --insecure-storage exits 7 before the live check (a billable request), nothing stored', async () => {
    const home = theirHome({ interactive: false, stdin: `${KEY}\n` });
    await refusedAtOnce(key(t.ctx, { stdin: true, insecureStorage: true }), home);
    expect(t.keychain.accounts()).toEqual([]);
  });

  it('admin-key exits 7 before asking for the key (and so before sending it)', async () => {
    const home = theirHome();
    await refusedAtOnce(adminKey(t.ctx, { stdin: false, insecureStorage: false, verify: true, json: false }), home);
  });

  it('the wizard exits 7 before its first page or question', async () => {
    const home = theirHome();
    await refusedAtOnce(setup(t.ctx, { restart: false, insecureStorage: false }), home);
    expect(t.stdout).not.toContain('Step 1 of 4');
  });

  it.each([
    ['login', () => login(t.ctx, { done: false })],
    ['payment', () => payment(t.ctx, { done: false })],
    ['billing', () => billing(t.ctx, { done: false })],
    ['logout', () => logout(t.ctx, { yes: false })],
  ])('%s exits 7 before its page or question', async (_name, run) => {
    const home = theirHome();
    await refusedAtOnce(run(), home);
  });

  it('doctor names it as a ✖ Config dir check with its fix, and offers the key file only once that is fixed', async () => {
    const home = theirHome();
    t.keychain.failWith('no-service');
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 42 });
    expect(await doctor(t.ctx, { json: false })).toBe(7);
    const detail = refusedLine(home).slice(0, -` Run ${FIX}.`.length - 1);
    expect(t.stdout).toContain(`✖ Config dir          ${detail}\n  → Run ${FIX}.\n`);
    expect(t.stdout).toContain('keep the key in a file only you can read, once the Config dir problem above is fixed');
    expect(existsSync(t.configDir)).toBe(false);
    t.assertScriptsUsed();
  });

  it('doctor with a working keychain: "store one" only once the config dir is fixed', async () => {
    theirHome();
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 42 });
    expect(await doctor(t.ctx, { json: false })).toBe(7);
    expect(t.stdout).toContain('  → Once the Config dir problem above is fixed, store one (it asks for the key, hidden):  openai-setup key\n');
    expect(t.stdout).toContain('✖ Config dir ');
  });

  it('status says the problem, and its fix before the key command and the wizard (they would exit 7 now)', async () => {
    const home = theirHome({ env: { OPENAI_API_KEY: undefined } });
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.stdout).toContain(`✖ ${refusedLine(home).slice(0, -` Run ${FIX}.`.length - 1)}\n`);
    expect(t.stdout).toContain(`○ No key recorded for this profile (\`openai-setup doctor\` looks in the Secret Service keyring and records a key it finds there): to store one, run ${FIX}, then run \`openai-setup key\` (it asks for the key, hidden)\n`);
    expect(t.stdout).toContain(`To continue (4 of 4 stages pending), run ${FIX}, then run \`openai-setup\`.\n`);
    expect(t.stdout).not.toContain('store one with');
    expect(existsSync(t.configDir)).toBe(false);
  });
});

// Advice to run a command in another shell or session (the desktop session where the keychain
// is, a shell where OPENAI_API_KEY is set) names --profile unless the profile would be chosen the
// same way there: OPENAI_SETUP_PROFILE set in this shell may not be set in that one, so a profile
// it chose is always named. Here: `use work` made "work" the default, and this shell (over SSH,
// no keychain) has OPENAI_SETUP_PROFILE=default; the command as printed, run in the desktop
// session (the same state file, the keychain reachable, no variable), acts on "default".
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { run as env } from '../../src/commands/env.js';
import { run as key } from '../../src/commands/key.js';
import { run as logout } from '../../src/commands/logout.js';
import { run as runCommand } from '../../src/commands/run.js';
import { run as spend } from '../../src/commands/spend.js';
import { run as token } from '../../src/commands/token.js';
import { run as use } from '../../src/commands/use.js';
import { run as verify } from '../../src/commands/verify.js';
import { buildProgram } from '../../src/program.js';
import { flat, makeTestContext, outcomeOf, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';

const KEY = testKey('A');
const WORK_KEY = testKey('W');
const ADMIN = testKey('B').replace('sk-proj-', 'sk-admin-');
const STORE = 'Secret Service keyring';

const made: TestContext[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((t) => t.cleanup()));
});

/** A machine where `use work` was run, with keys for "default" (and its admin key) and "work" stored in the keychain. */
async function machine(options: TestContextOptions = {}): Promise<TestContext> {
  const t = makeTestContext({ keychain: { default: KEY, 'default:admin': ADMIN, work: WORK_KEY }, ...options });
  made.push(t);
  for (const [profile, hint] of [['default', 'sk-proj-…000A'], ['work', 'sk-proj-…000W']] as const) {
    await t.ctx.state.updateProfile(profile, (p) => {
      p.key = { storage: 'keychain', hint, savedAt: '2026-01-01T00:00:00.000Z' };
      p.stages.key = { doneAt: '2026-01-01T00:00:00.000Z' };
    });
  }
  await t.ctx.state.updateProfile('default', (p) => {
    p.adminKey = { storage: 'keychain', hint: 'sk-admin-…000B', savedAt: '2026-01-01T00:00:00.000Z' };
  });
  expect(await use(t.ctx, { name: 'work' })).toBe(0);
  return t;
}

/** This shell: over SSH (no Secret Service), OPENAI_SETUP_PROFILE=default. */
async function overSsh(options: TestContextOptions = {}): Promise<TestContext> {
  const t = await machine({ interactive: false, env: { OPENAI_SETUP_PROFILE: 'default' }, ...options });
  t.keychain.failWith('no-service');
  return t;
}

/** The desktop session: the same choice of `use work`, the keychain reachable, no OPENAI_SETUP_PROFILE. */
async function desktop(): Promise<TestContext> {
  return machine();
}

/** `words` run through the real command line (commander and the command table) in `t`'s Context; its exit code. */
async function typed(t: TestContext, words: string[]): Promise<number> {
  let code: number | undefined;
  const program = buildProgram('0.0.0-test', () => t.ctx, { name: 'openai-setup', writeOut: () => {}, writeErr: () => {} }, (c) => (code = c));
  await program.parseAsync(['node', 'openai-setup', ...words]);
  return code!;
}

/** The one command in backticks in `hint`, as words after the tool's name. */
function commandIn(hint: string): string[] {
  const [, command] = /`([^`]+)`/.exec(hint)!;
  const words = command!.split(' ');
  expect(words[0]).toBe('openai-setup');
  return words.slice(1);
}

const noSpawn = {
  spawn: () => {
    throw new Error('nothing is started: the key cannot be read');
  },
} as unknown as Parameters<typeof runCommand>[2];

describe('"run it where the keychain is" names the profile OPENAI_SETUP_PROFILE chose here', () => {
  it('logout: the printed command names --profile default, and in the desktop session removes default\'s key, not work\'s', async () => {
    const ssh = await overSsh();
    const { code, hints } = await outcomeOf(logout(ssh.ctx, { yes: false }));
    expect(code).toBe(7);
    expect(hints).toEqual([`Run \`openai-setup logout --profile default\` where the ${STORE} is (your desktop session).`]);

    const there = await desktop();
    there.prompts.whenConfirm('Remove sk-proj-…000A of profile "default" from this machine?', true);
    expect(await typed(there, commandIn(hints[0]!))).toBe(0);
    expect(there.keychain.keyOf('default')).toBeUndefined();
    expect(there.keychain.keyOf('work')).toBe(WORK_KEY);
    there.assertScriptsUsed();
  });

  it('logout --admin: the same, for default\'s admin key', async () => {
    const ssh = await overSsh();
    const { code, hints } = await outcomeOf(logout(ssh.ctx, { yes: false, admin: true }));
    expect(code).toBe(7);
    expect(hints).toEqual([`Run \`openai-setup logout --admin --profile default\` where the ${STORE} is (your desktop session).`]);

    const there = await desktop();
    there.prompts.whenConfirm('Remove the admin key sk-admin-…000B of profile "default" from this machine?', true);
    expect(await typed(there, commandIn(hints[0]!))).toBe(0);
    expect(there.keychain.keyOf('default:admin')).toBeUndefined();
    there.assertScriptsUsed();
  });

  it('token, run, env and verify: "run this with --profile default"; token typed so there hands out default\'s key', async () => {
    const wayOut = `Run this with --profile default where the ${STORE} is (your desktop session), or keep the key in a file only you can read (pipe the key in, in place of …):  … | openai-setup key --stdin --insecure-storage`;
    const runs = {
      token: (t: TestContext) => token(t.ctx, { yes: true }),
      run: (t: TestContext) => runCommand(t.ctx, { command: ['true'] }, noSpawn),
      env: (t: TestContext) => env(t.ctx, { force: false, gitignore: false }),
      verify: (t: TestContext) => verify(t.ctx, { json: false, quiet: false, billingCheck: true }),
    };
    for (const [name, run] of Object.entries(runs)) {
      const ssh = await overSsh();
      const { code, hints } = await outcomeOf(run(ssh));
      expect(code, name).toBe(7);
      expect(hints.at(-1), name).toBe(wayOut);
    }
    // `openai-setup token --yes`, as typed here, with the profile the advice names.
    const there = await desktop();
    expect(await typed(there, ['token', '--yes', '--profile', 'default'])).toBe(0);
    // After what `use work` said when the desktop session was set up.
    expect(there.stdout.endsWith(`\n${KEY}\n`)).toBe(true);
    expect(there.stdout).not.toContain(WORK_KEY);
  });

  it('spend (the admin key): "run this with --profile default"', async () => {
    const ssh = await overSsh({ admin: true });
    const { code, hints } = await outcomeOf(spend(ssh.ctx, { json: false }));
    expect(code).toBe(7);
    expect(hints).toEqual([
      `Run this with --profile default where the ${STORE} is (your desktop session), or set OPENAI_ADMIN_KEY, or keep the admin key in a file only you can read (pipe the key in, in place of …):  … | openai-setup admin-key --stdin --insecure-storage`,
    ]);
  });

  it('without OPENAI_SETUP_PROFILE the command as typed chooses the profile there too: "this", and logout without --profile for the default', async () => {
    const t = await machine({ interactive: false });
    t.keychain.failWith('no-service');
    expect((await outcomeOf(token(t.ctx, { yes: true, profile: 'default' }))).hints.at(-1)).toMatch(new RegExp(`^Run this where the ${STORE} is`));
    expect((await outcomeOf(logout(t.ctx, { yes: true }))).hints).toEqual([`Run \`openai-setup logout\` where the ${STORE} is (your desktop session).`]);
    expect((await outcomeOf(logout(t.ctx, { yes: true, profile: 'default' }))).hints).toEqual([`Run \`openai-setup logout --profile default\` where the ${STORE} is (your desktop session).`]);
  });

  it('key: the stored key that cannot be removed here is removed there with --profile default', async () => {
    const t = await machine({ env: { OPENAI_SETUP_PROFILE: 'default' } });
    t.keychain.failWith('no-service');
    t.prompts.whenSelect('Where should the key go?', 'stop');
    expect((await outcomeOf(key(t.ctx, {}))).code).toBe(7);
    expect(flat(t.stdout)).toContain('remove that one where the keychain can be reached first (`openai-setup logout --profile default`).');
  });

  it('a key kept in OPENAI_API_KEY: storing it "from a shell where it is set" names --profile default', async () => {
    const t = await machine({ interactive: false, env: { OPENAI_SETUP_PROFILE: 'default' } });
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'env', hint: 'sk-proj-…000A', savedAt: '2026-01-01T00:00:00.000Z' };
    });
    await t.keychain.deletePassword('openai-setup', 'default');
    const { code, hints } = await outcomeOf(token(t.ctx, { yes: true }));
    expect(code).toBe(2);
    expect(hints[1]).toBe('To have openai-setup keep a copy in the keychain, from a shell where it is set:  printenv OPENAI_API_KEY | openai-setup key --profile default --stdin');
  });
});

describe('logout names the `env --file` that wrote a copy with the profile', () => {
  it('after `use work`, logout --profile default: `env --profile default --file`', async () => {
    const t = await machine({ interactive: false });
    const dotenv = join(t.cwd, '.env');
    writeFileSync(dotenv, `OPENAI_API_KEY=${KEY}\n`, { mode: 0o600 });
    await t.ctx.state.updateProfile('default', (p) => {
      p.envFiles = [dotenv];
    });
    expect(await logout(t.ctx, { yes: true, profile: 'default' })).toBe(0);
    expect(t.stdout).toContain('! sk-proj-…000A is still in .env:1 (written by `openai-setup env --file .env --profile default`, as you asked)');
  });
});

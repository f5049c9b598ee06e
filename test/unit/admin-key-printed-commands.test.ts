// The admin-key command that spend names to store the admin key again (or a first one) works as
// printed: for an admin key kept in the plain-text key file, with a keychain here or none
// (admin-key without --insecure-storage exits 7 where there is none), and where no keychain
// answers and none is stored. Each printed command is run as printed: exit 0, the key stored.
import { afterEach, describe, expect, it } from 'vitest';
import { run as adminKey } from '../../src/commands/admin-key.js';
import { run as spend } from '../../src/commands/spend.js';
import { makeTestContext, outcomeOf, testKey, type TestContext } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';

const ADMIN = makeKey('admin', 'unit-printed-admin-key');

let t: TestContext;
afterEach(() => t?.cleanup());

/** The admin key, piped in or pasted at the question, for the printed command. */
function context(interactive: boolean): TestContext {
  t = makeTestContext({ admin: true, interactive, stdin: `${ADMIN}\n` });
  if (interactive) t.prompts.whenPassword('Paste the admin key (input is hidden):', ADMIN);
  return t;
}

/** The printed `openai-setup admin-key …` run: its flags as options, the key on standard input for --stdin. */
async function runPrinted(command: string): Promise<number> {
  const flags = /openai-setup admin-key((?: --[a-z-]+)*)/.exec(command)?.[1]?.trim().split(' ').filter(Boolean) ?? [];
  for (const flag of flags) expect(['--stdin', '--insecure-storage', '--no-verify']).toContain(flag);
  return adminKey(t.ctx, { stdin: flags.includes('--stdin'), insecureStorage: flags.includes('--insecure-storage'), verify: !flags.includes('--no-verify'), json: false });
}

describe('spend naming admin-key, run as printed', () => {
  it.each([
    ['a keychain here', false, false],
    ['a keychain here, on a terminal', false, true],
    ['no keychain', true, false],
    ['no keychain, on a terminal', true, true],
  ])('a project key kept as the admin key in the key file, %s: the command stores the admin key there again', async (_name, noKeychain, interactive) => {
    t = context(interactive);
    t.org.admin.addAdminKey(ADMIN);
    await t.ctx.keys.set('default:admin', testKey('C'), true);
    if (noKeychain) t.keychain.failWith('no-service');
    const refused = await outcomeOf(spend(t.ctx, { json: false }));
    expect(refused.code).toBe(3);
    expect(refused.hints).toHaveLength(1);
    expect(refused.hints[0]).toContain('admin-key');
    expect(refused.hints[0]).toContain('--insecure-storage');
    expect(await runPrinted(refused.hints[0]!)).toBe(0);
    expect(await t.ctx.keys.fileKey('default:admin')).toBe(ADMIN);
  });

  it.each([
    ['without a terminal', false],
    ['on a terminal', true],
  ])('no keychain answers and no admin key is stored, %s: the command named keeps it in the file (without --insecure-storage it would exit 7)', async (_name, interactive) => {
    t = context(interactive);
    t.org.admin.addAdminKey(ADMIN);
    t.keychain.failWith('no-service');
    const none = await outcomeOf(spend(t.ctx, { json: false }));
    expect(none.code).toBe(2);
    const store = interactive ? '(it asks for the key, hidden):  openai-setup admin-key --insecure-storage' : '(pipe the key in, in place of …):  … | openai-setup admin-key --stdin --insecure-storage';
    expect(await runPrinted(none.hints[1]!)).toBe(0);
    expect(none.hints[1]).toBe(`then set OPENAI_ADMIN_KEY to it, or keep it in a file only you can read ${store}`);
    expect(await t.ctx.keys.fileKey('default:admin')).toBe(ADMIN);
  });
});

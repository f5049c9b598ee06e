// The admin-key command that spend names to store the admin key again (or a first one) works as
// printed: for an admin key kept in the plain-text key file, with a keychain here or none
// (admin-key without --insecure-storage exits 7 where there is none), and where no keychain
// answers and none is stored. Each printed command is run as printed: exit 0, the key stored.
import { afterEach, describe, expect, it } from 'vitest';
import { run as adminKey } from '../../src/commands/admin-key.js';
import { run as rotate } from '../../src/commands/rotate.js';
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

/** The printed `… admin-key …` run as printed: its command name, flags and --profile, the key on standard input for --stdin. */
async function runPrintedFor(command: string, commandName: string): Promise<{ code: number; profile: string | undefined }> {
  const words = new RegExp(`${commandName} admin-key((?: --[a-z-]+(?: [a-z]+)?)*)$`).exec(command)?.[1]?.trim().split(' ').filter(Boolean);
  expect(words, command).toBeDefined();
  const profileAt = words!.indexOf('--profile');
  const profile = profileAt === -1 ? undefined : words![profileAt + 1];
  const flags = profileAt === -1 ? words! : [...words!.slice(0, profileAt), ...words!.slice(profileAt + 2)];
  for (const flag of flags) expect(['--stdin', '--insecure-storage', '--no-verify']).toContain(flag);
  const code = await adminKey(t.ctx, { profile, stdin: flags.includes('--stdin'), insecureStorage: flags.includes('--insecure-storage'), verify: !flags.includes('--no-verify'), json: false });
  return { code, profile };
}

describe('OPENAI_ADMIN_KEY rejected by the Admin API, no keychain here: the admin-key command named, run as printed', () => {
  const REVOKED = makeKey('admin', 'unit-printed-revoked');

  it.each([
    ['spend, without a terminal', 'spend', false],
    ['spend, on a terminal', 'spend', true],
    ['rotate, without a terminal', 'rotate', false],
    ['rotate, on a terminal', 'rotate', true],
  ])('%s: it keeps the key in the file (--insecure-storage), for --profile, as npx started it', async (_name, command, interactive) => {
    t = makeTestContext({ admin: true, interactive, stdin: `${ADMIN}\n`, env: { OPENAI_ADMIN_KEY: REVOKED }, commandName: 'npx openai-setup' });
    // Not the variable's key, which was just rejected: another, pasted.
    if (interactive) t.prompts.whenConfirm(/^Store OPENAI_ADMIN_KEY from this shell/, false).whenPassword('Paste the admin key (input is hidden):', ADMIN);
    t.org.admin.addAdminKey(ADMIN);
    t.keychain.failWith('no-service');
    const run = command === 'spend' ? spend(t.ctx, { profile: 'work', json: false }) : rotate(t.ctx, { profile: 'work', project: 'proj_UnitPrinted000000000000', keepOld: false, yes: true, json: false });
    const rejected = await outcomeOf(run);
    expect(rejected.code).toBe(3);
    expect(rejected.message).toMatch(/^The API rejected the admin key sk-admin-…\S{4} \(from OPENAI_ADMIN_KEY\)/);
    const store = interactive ? '(it asks for the key, hidden):  npx openai-setup admin-key --insecure-storage --profile work' : '(pipe the key in, in place of …):  … | npx openai-setup admin-key --stdin --insecure-storage --profile work';
    expect(rejected.hints[0]).toMatch(new RegExp(`; to store one ${store.replace(/[()|.…]/g, '\\$&')}$`));
    expect(await runPrintedFor(rejected.hints[0]!, 'npx openai-setup')).toEqual({ code: 0, profile: 'work' });
    expect(await t.ctx.keys.fileKey('work:admin')).toBe(ADMIN);
  });

  it('a keychain here: the command named stores the key there, without --insecure-storage', async () => {
    t = makeTestContext({ admin: true, interactive: false, stdin: `${ADMIN}\n`, env: { OPENAI_ADMIN_KEY: REVOKED } });
    t.org.admin.addAdminKey(ADMIN);
    const rejected = await outcomeOf(spend(t.ctx, { profile: 'work', json: false }));
    expect(rejected.code).toBe(3);
    expect(rejected.hints[0]).toMatch(/; to store one \(pipe the key in, in place of …\): {2}… \| openai-setup admin-key --stdin --profile work$/);
  });
});

describe('admin-key --stdin refusing a project key, no keychain here: the admin-key command named, run as printed', () => {
  it('keeps the admin key in the file (--insecure-storage), for --profile, as npx started it', async () => {
    t = makeTestContext({ admin: true, interactive: false, stdin: `${testKey('C')}\n`, commandName: 'npx openai-setup' });
    t.org.admin.addAdminKey(ADMIN);
    t.keychain.failWith('no-service');
    const refused = await outcomeOf(adminKey(t.ctx, { profile: 'work', stdin: true, insecureStorage: false, verify: true, json: false }));
    expect(refused.code).toBe(5);
    expect(refused.hints[0]).toMatch(/then store it \(pipe the key in, in place of …\): {2}… \| npx openai-setup admin-key --stdin --insecure-storage --profile work$/);
    t.ctx.readStdin = async () => `${ADMIN}\n`;
    expect(await runPrintedFor(refused.hints[0]!, 'npx openai-setup')).toEqual({ code: 0, profile: 'work' });
    expect(await t.ctx.keys.fileKey('work:admin')).toBe(ADMIN);
  });
});

describe('OPENAI_ADMIN_KEY that is no admin key (not sent), no keychain here: the admin-key command named, run as printed', () => {
  it('keeps the admin key in the file (--insecure-storage), for --profile', async () => {
    t = makeTestContext({ admin: true, interactive: false, stdin: `${ADMIN}\n`, env: { OPENAI_ADMIN_KEY: `${ADMIN.slice(0, 30)} ${ADMIN.slice(30)}` } });
    t.org.admin.addAdminKey(ADMIN);
    t.keychain.failWith('no-service');
    const refused = await outcomeOf(spend(t.ctx, { profile: 'work', json: false }));
    expect(refused.code).toBe(3);
    expect(refused.message).toMatch(/^OPENAI_ADMIN_KEY was not sent/);
    expect(refused.hints[0]).toMatch(/; to store one \(pipe the key in, in place of …\): {2}… \| openai-setup admin-key --stdin --insecure-storage --profile work$/);
    expect(t.org.requests).toEqual([]);
    expect(await runPrintedFor(refused.hints[0]!, 'openai-setup')).toEqual({ code: 0, profile: 'work' });
    expect(await t.ctx.keys.fileKey('work:admin')).toBe(ADMIN);
  });
});

describe('admin-key --stdin with nothing piped, no keychain here: the admin-key command named, run as printed', () => {
  it('keeps the admin key in the file (--insecure-storage), for --profile', async () => {
    t = makeTestContext({ admin: true, interactive: false, stdin: '' });
    t.org.admin.addAdminKey(ADMIN);
    t.keychain.failWith('no-service');
    const empty = await outcomeOf(adminKey(t.ctx, { profile: 'work', stdin: true, insecureStorage: false, verify: true, json: false }));
    expect(empty.code).toBe(2);
    expect(empty.message).toBe('No key came on standard input: it was empty.');
    const command = /^Pipe the key itself into: {2}(.+)$/m.exec(empty.hints.join('\n'))?.[1];
    expect(command, empty.hints.join('\n')).toBe('openai-setup admin-key --stdin --insecure-storage --profile work');
    t.ctx.readStdin = async () => `${ADMIN}\n`;
    expect(await runPrintedFor(command!, 'openai-setup')).toEqual({ code: 0, profile: 'work' });
    expect(await t.ctx.keys.fileKey('work:admin')).toBe(ADMIN);
  });
});

describe('admin-key --stdin with an admin key that can do neither, no keychain here: the admin-key command named, run as printed', () => {
  it('keeps the next admin key in the file (--insecure-storage), for --profile', async () => {
    const USELESS = makeKey('admin', 'unit-printed-no-scopes');
    t = makeTestContext({ admin: true, interactive: false, stdin: `${USELESS}\n` });
    t.org.admin.addAdminKey(USELESS, { scopes: [] });
    t.org.admin.addAdminKey(ADMIN);
    t.keychain.failWith('no-service');
    const refused = await outcomeOf(adminKey(t.ctx, { profile: 'work', stdin: true, insecureStorage: false, verify: true, json: false }));
    expect(refused.code).toBe(5);
    expect(refused.message).toMatch(/lacks the permissions .*: neither rotate nor spend can use it\.$/);
    expect(refused.hints[0]).toMatch(/store it \(pipe the key in, in place of …\): {2}… \| openai-setup admin-key --stdin --insecure-storage --profile work$/);
    t.ctx.readStdin = async () => `${ADMIN}\n`;
    expect(await runPrintedFor(refused.hints[0]!, 'openai-setup')).toEqual({ code: 0, profile: 'work' });
    expect(await t.ctx.keys.fileKey('work:admin')).toBe(ADMIN);
  });
});

describe('an Admin API failure whose fixes name no admin-key command', () => {
  it.each([
    ['a 500', { status: 500, message: 'The server had an error.', type: 'server_error' }],
    ['a 429', { status: 429, message: 'Rate limit reached.', type: 'requests' }],
  ])('%s: the keychain is not asked (it may be the one not answering), and no admin-key is named', async (_name, answer) => {
    t = makeTestContext({ admin: true, interactive: false, env: { OPENAI_ADMIN_KEY: ADMIN } });
    t.org.admin.addAdminKey(ADMIN);
    t.org.admin.failNext({ path: '/v1/organization/costs' }, answer);
    const failed = await outcomeOf(spend(t.ctx, { json: false }));
    expect(failed.code).toBe(6);
    expect([failed.message, ...failed.hints].join('\n')).not.toContain('admin-key');
    expect(t.keychain.calls).toEqual([]);
  });
});

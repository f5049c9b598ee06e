// The `key` command that verify, doctor and the wizard name when a key they checked is rejected,
// and the pipe `key --stdin` names when nothing came, works as printed: where no keychain answers
// (a read, asked only once the command is named) it keeps the key in the --insecure-storage file,
// as `key` without --insecure-storage exits 7 there; with a keychain here, it stores it there.
// Each printed command is run as printed.
import { afterEach, describe, expect, it } from 'vitest';
import { storeKeyWords } from '../../src/api/diagnosis.js';
import type { CheckRequest } from '../../src/api/types.js';
import { run as doctor } from '../../src/commands/doctor.js';
import { run as storeKey } from '../../src/commands/key.js';
import { run as setup } from '../../src/commands/setup.js';
import { run as verify } from '../../src/commands/verify.js';
import { checkResult, makeTestContext, outcomeOf, testKey, type TestContext } from '../helpers/context.js';

const WRONG = testKey('W');
const GOOD = testKey('G');

let t: TestContext;
afterEach(() => t?.cleanup());

/** The rejection as the real diagnosis words its fix (diagnosis.ts newKeyFix): the `key` command the request carries. */
function rejected(request: CheckRequest) {
  return checkResult('invalid_key', { fix: `Create a new secret key on the API keys page and store it${storeKeyWords(request.storeKey!)}.` });
}

/** The printed `… | openai-setup key …` run as printed: its flags as options, the key piped in. */
async function runPrinted(command: string): Promise<number> {
  const words = /^… \| openai-setup key((?: --[a-z-]+(?: [a-z]+)?)*)$/.exec(command)?.[1]?.trim().split(' ');
  expect(words, command).toBeDefined();
  const at = words!.indexOf('--profile');
  const profile = at === -1 ? undefined : words![at + 1];
  const flags = at === -1 ? words! : [...words!.slice(0, at), ...words!.slice(at + 2)];
  for (const flag of flags) expect(['--stdin', '--insecure-storage']).toContain(flag);
  t.ctx.readStdin = async () => `${GOOD}\n`;
  t.api.answerChecks(checkResult('valid'));
  return storeKey(t.ctx, { profile, stdin: flags.includes('--stdin'), insecureStorage: flags.includes('--insecure-storage') });
}

/** The command in the fix printed: `… with \`COMMAND\`.` */
function printedCommand(): string {
  const text = (t.stdout + t.stderr).replace(/\s+/g, ' ');
  const command = /store (?:it|one) \(pipe the key in, in place of …\) with `([^`]+)`/.exec(text)?.[1];
  expect(command, text).toBeDefined();
  return command!;
}

const commands = {
  verify: () => verify(t.ctx, { profile: 'work', json: false, quiet: false, billingCheck: true }),
  doctor: () => doctor(t.ctx, { profile: 'work', json: false }),
  wizard: () => setup(t.ctx, { profile: 'work', restart: false, insecureStorage: false }),
};

describe('OPENAI_API_KEY rejected: the `key` command named, run as printed', () => {
  it.each(Object.keys(commands) as Array<keyof typeof commands>)('%s, no keychain here: it keeps the key in the file (--insecure-storage), for --profile', async (name) => {
    t = makeTestContext({ interactive: false, env: { OPENAI_API_KEY: WRONG } });
    t.keychain.failWith('no-service');
    t.api.answerEveryCheck(rejected);
    // doctor asks whether the API answers at all first.
    if (name === 'doctor') t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 });
    await outcomeOf(commands[name]());
    const command = printedCommand();
    expect(command).toBe('… | openai-setup key --profile work --stdin --insecure-storage');
    expect(await runPrinted(command)).toBe(0);
    expect(await t.ctx.keys.fileKey('work')).toBe(GOOD);
  });

  it('verify, a keychain here: the command named stores the key there, without --insecure-storage', async () => {
    t = makeTestContext({ interactive: false, env: { OPENAI_API_KEY: WRONG } });
    t.api.answerChecks(rejected);
    expect(await verify(t.ctx, { profile: 'work', json: false, quiet: false, billingCheck: true })).toBe(3);
    const command = printedCommand();
    expect(command).toBe('… | openai-setup key --profile work --stdin');
    expect(await runPrinted(command)).toBe(0);
    expect(t.keychain.keyOf('work')).toBe(GOOD);
  });

  it('verify of a key that works asks the keychain nothing: it is read only for a fix that names `key`', async () => {
    t = makeTestContext({ interactive: false, env: { OPENAI_API_KEY: GOOD } });
    t.keychain.failWith('no-service');
    t.api.answerChecks(checkResult('valid'));
    expect(await verify(t.ctx, { profile: 'work', json: false, quiet: false, billingCheck: true })).toBe(0);
    expect(t.keychain.calls).toEqual([]);
  });

  it('verify --quiet of a rejected key asks the keychain nothing either: no fix is printed', async () => {
    t = makeTestContext({ interactive: false, env: { OPENAI_API_KEY: WRONG } });
    t.keychain.failWith('no-service');
    t.api.answerChecks(rejected);
    expect(await verify(t.ctx, { profile: 'work', json: false, quiet: true, billingCheck: true })).toBe(3);
    expect(t.stdout + t.stderr).toBe('');
    expect(t.keychain.calls).toEqual([]);
  });
});

describe('key --stdin with nothing piped, no keychain here: the pipe it names, run as printed', () => {
  it('keeps the key in the file (--insecure-storage), for --profile', async () => {
    t = makeTestContext({ interactive: false, stdin: '' });
    t.keychain.failWith('no-service');
    const empty = await outcomeOf(storeKey(t.ctx, { profile: 'work', stdin: true }));
    expect(empty.code).toBe(2);
    expect(empty.message).toBe('No key came on standard input: it was empty.');
    const command = /^Pipe the key itself into: {2}(.+)$/m.exec(empty.hints.join('\n'))?.[1];
    expect(command, empty.hints.join('\n')).toBe('openai-setup key --profile work --stdin --insecure-storage');
    expect(await runPrinted(`… | ${command}`)).toBe(0);
    expect(await t.ctx.keys.fileKey('work')).toBe(GOOD);
  });

  it('a keychain here: the pipe named stores the key there, without --insecure-storage', async () => {
    t = makeTestContext({ interactive: false, stdin: '' });
    const empty = await outcomeOf(storeKey(t.ctx, { profile: 'work', stdin: true }));
    const command = /^Pipe the key itself into: {2}(.+)$/m.exec(empty.hints.join('\n'))?.[1];
    expect(command, empty.hints.join('\n')).toBe('openai-setup key --profile work --stdin');
    expect(await runPrinted(`… | ${command}`)).toBe(0);
    expect(t.keychain.keyOf('work')).toBe(GOOD);
  });
});

// The way to store a key that the tool recommends works as printed where it is printed: a pipe of
// OPENAI_API_KEY only where that variable holds a key; else `key` asking for it (a pipe of an
// unset variable gives nothing, and "stdin was empty" would name the same pipe again: a loop).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as runDoctor } from '../../src/commands/doctor.js';
import { run as key } from '../../src/commands/key.js';
import { run as runCommand } from '../../src/commands/run.js';
import { run as setup } from '../../src/commands/setup.js';
import { run as token } from '../../src/commands/token.js';
import { run as verify } from '../../src/commands/verify.js';
import { checkResult, makeTestContext, outcomeOf, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';
import { typedLine } from '../helpers/program-line.js';

const KEY = testKey('A');
const NO_SERVICE = '(No Secret Service keyring is running on this machine (common over SSH, in containers and on WSL), so the key cannot go into a keychain.)';
const noSpawn = {
  spawn: () => {
    throw new Error('nothing is started: there is no key');
  },
} as unknown as Parameters<typeof runCommand>[2];

const made: TestContext[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((t) => t.cleanup()));
});

/** A fresh machine over SSH: no Secret Service, nothing stored. */
function headless(options: TestContextOptions = {}): TestContext {
  const t = makeTestContext({ commandName: 'npx openai-setup', ...options });
  made.push(t);
  t.keychain.failWith('no-service');
  return t;
}

const commands = {
  verify: (t: TestContext) => verify(t.ctx, { json: false, quiet: false, billingCheck: true }),
  run: (t: TestContext) => runCommand(t.ctx, { command: ['true'] }, noSpawn),
  token: (t: TestContext) => token(t.ctx, { yes: true }),
};

describe('no keychain here, OPENAI_API_KEY not set', () => {
  it('verify, run and token (exit 2) name `key --insecure-storage`, which asks for the key; not a pipe of the unset variable', async () => {
    for (const [name, command] of Object.entries(commands)) {
      const t = headless();
      const { code, hints } = await outcomeOf(command(t));
      expect(code, name).toBe(2);
      expect(hints.at(-1), name).toBe(`${NO_SERVICE} Keep one in a file only you can read (it asks for the key, hidden):  npx openai-setup key --insecure-storage`);
      expect(hints.join('\n'), name).not.toContain('printenv');
    }
  });

  it('the command as printed stores the key, asked for at the prompt, in the file only you can read', async () => {
    const t = headless();
    const { hints } = await outcomeOf(commands.token(t));
    const printed = hints.at(-1)!.split(':  ').at(-1)!;
    t.prompts.whenPassword('Paste your secret key (input is hidden):', KEY);
    t.api.answerChecks(checkResult('valid'));
    expect(await typedLine(t, printed, 'npx openai-setup ')).toBe(0);
    expect(JSON.parse(readFileSync(join(t.configDir, 'credentials.json'), 'utf8'))).toMatchObject({ keys: { default: KEY } });
    t.assertScriptsUsed();
  });

  // In a script or CI `key` asking would fail in its turn, naming itself again.
  it('off a terminal (a script): the pipe of the key into `key --stdin`, its source the person\'s own', async () => {
    const t = headless({ interactive: false });
    const { hints } = await outcomeOf(commands.token(t));
    expect(hints.at(-1)).toBe(`${NO_SERVICE} Keep one in a file only you can read (pipe the key in, in place of …):  … | npx openai-setup key --stdin --insecure-storage`);
  });

  // `token | cat`, `doctor | cat` at a terminal: `key` asks only with stdin and stdout both a
  // terminal, so a question is not promised there; said as `key` itself says it there.
  it('at a terminal with the output piped (stdin a terminal, stdout not): at a terminal it asks, or --stdin, as `key` says there', async () => {
    const t = headless({ stdinIsTTY: true, stdoutIsTTY: false });
    const { hints } = await outcomeOf(commands.token(t));
    const how = '(at a terminal it asks for the key, hidden; or pipe the key into it with --stdin)';
    expect(hints.at(-1)).toBe(`${NO_SERVICE} Keep one in a file only you can read ${how}:  npx openai-setup key --insecure-storage`);
    const piped = headless({ stdinIsTTY: true, stdoutIsTTY: false });
    const refused = await outcomeOf(key(piped.ctx, { stdin: false, insecureStorage: true }));
    expect(refused.message).toBe('Pasting a key needs an interactive terminal.');
    expect(refused.hints).toEqual([`Instead, store it ${how}:  npx openai-setup key --insecure-storage`]);

    const doctor = headless({ stdinIsTTY: true, stdoutIsTTY: false });
    doctor.api.answerReach({ reached: true, status: 401, json: true, ms: 42 });
    await runDoctor(doctor.ctx, { json: false });
    expect(doctor.stdout).toContain(`keep the key in a file only you can read ${how}:  npx openai-setup key --insecure-storage`);
    expect(doctor.stdout).not.toContain('(it asks for the key, hidden)');
  });

  it('a keychain that is locked: its last resort is the same command', async () => {
    const t = makeTestContext({ commandName: 'npx openai-setup' });
    made.push(t);
    t.keychain.failWith('locked');
    const { code, hints } = await outcomeOf(commands.token(t));
    expect(code).toBe(7);
    expect(hints.at(-1)).toBe('As a last resort, keep the key in a file only you can read (it asks for the key, hidden):  npx openai-setup key --insecure-storage');
  });

  it('a key stored in the keychain, read over SSH (exit 7): the file way out is the same command', async () => {
    const t = headless({ keychain: { default: KEY } });
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'keychain', hint: 'sk-proj-…000A', savedAt: '2026-01-01T00:00:00.000Z' };
    });
    const { code, hints } = await outcomeOf(commands.token(t));
    expect(code).toBe(7);
    expect(hints).toEqual(['Run this where the Secret Service keyring is (your desktop session), or keep the key in a file only you can read (it asks for the key, hidden):  npx openai-setup key --insecure-storage']);
  });

  it('`key --stdin` with nothing piped: not the pipe of the unset variable again, but the prompt (the same options)', async () => {
    const t = headless({ stdin: '' });
    const { code, message, hints } = await outcomeOf(key(t.ctx, { stdin: true, insecureStorage: true }));
    expect(code).toBe(2);
    expect(message).toBe('No key came on standard input: it was empty.');
    expect(hints).toEqual([
      "OPENAI_API_KEY is not in this shell's environment (not set, or not exported), so `printenv OPENAI_API_KEY` gives nothing to pipe.",
      'Let it ask for the key instead (hidden; at a terminal):  npx openai-setup key --insecure-storage',
    ]);
    expect(existsSync(join(t.configDir, 'credentials.json'))).toBe(false);
  });
});

// What each command printed says to run, run (the placeholder's source being a pipe of the key):
// no advice leads back to a command that fails the same way.
describe('without a terminal or a keychain, OPENAI_API_KEY not set: the advice ends in a stored key', () => {
  /** The command in the last hint, and whether it is a pipe (`… | ` before it). */
  const printedIn = (hint: string) => {
    const command = hint.split(':  ').at(-1)!;
    return { piped: command.startsWith('… | '), command: command.replace(/^… \| /, '') };
  };

  it('`key --stdin`: pipe the key in again with --insecure-storage; so run, it stores the key in the file', async () => {
    const t = headless({ interactive: false, stdin: `${KEY}\n` });
    const failed = await outcomeOf(key(t.ctx, { stdin: true, insecureStorage: false }));
    expect(failed.code).toBe(7);
    expect(failed.hints.at(-1)).toBe('or, as a last resort, keep it in a file readable only by you (pipe the key in again, as you did, in place of …):  … | npx openai-setup key --stdin --insecure-storage');
    expect(failed.hints.join('\n')).not.toContain('printenv');
    const { piped, command } = printedIn(failed.hints.at(-1)!);
    expect(piped).toBe(true);
    t.api.answerChecks(checkResult('valid'));
    expect(await typedLine(t, command, 'npx openai-setup ')).toBe(0);
    expect(JSON.parse(readFileSync(join(t.configDir, 'credentials.json'), 'utf8'))).toMatchObject({ keys: { default: KEY } });
  });

  it('`key --stdin` with nothing piped: the pipe itself, not `key` asking (which fails here too)', async () => {
    const t = headless({ interactive: false, stdin: '' });
    const { code, hints } = await outcomeOf(key(t.ctx, { stdin: true, insecureStorage: true }));
    expect(code).toBe(2);
    expect(hints.at(-1)).toBe('Pipe the key itself into:  npx openai-setup key --stdin --insecure-storage');
  });

  it('`key` and the wizard: a pipe into `key --stdin --insecure-storage`; so run, it stores the key', async () => {
    for (const run of [(t: TestContext) => key(t.ctx, { stdin: false }), (t: TestContext) => setup(t.ctx, { restart: false, insecureStorage: false })]) {
      const t = headless({ interactive: false, stdin: `${KEY}\n` });
      const { code, hints } = await outcomeOf(run(t));
      expect(code).toBe(2);
      const last = hints.at(-1)!.trim();
      const { piped, command } = printedIn(last.startsWith('… | ') ? `:  ${last}` : last);
      expect(piped).toBe(true);
      expect(command).toBe('npx openai-setup key --stdin --insecure-storage');
      expect(hints.join('\n')).not.toContain('printenv');
      t.api.answerChecks(checkResult('valid'));
      expect(await typedLine(t, command, 'npx openai-setup ')).toBe(0);
      expect(JSON.parse(readFileSync(join(t.configDir, 'credentials.json'), 'utf8'))).toMatchObject({ keys: { default: KEY } });
    }
  });
});

describe('OPENAI_API_KEY set here: the pipe of it works as printed', () => {
  it('token names `printenv OPENAI_API_KEY | … key --stdin --insecure-storage`', async () => {
    const t = headless({ env: { OPENAI_API_KEY: KEY } });
    const { code, hints } = await outcomeOf(commands.token(t));
    expect(code).toBe(2);
    expect(hints.at(-1)).toBe(`${NO_SERVICE} Keep one in a file only you can read:  printenv OPENAI_API_KEY | npx openai-setup key --stdin --insecure-storage`);
  });
});

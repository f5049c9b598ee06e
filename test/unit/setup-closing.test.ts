// The wizard's closing screen says where the key is, truly, when OPENAI_API_KEY is set: the same key
// as the stored one (kept in the keychain, and in the shell too), another one (which key programs
// get, started how, which one was checked, and how to check the other), or the only one.
import { afterEach, describe, expect, it } from 'vitest';
import { run as setup } from '../../src/commands/setup.js';
import { STAGE_IDS } from '../../src/storage/state.js';
import { checkResult, flat, makeTestContext, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';

const FINISH = "You're already set up. Finish now? (No walks through the stages anyway)";
const PASTE = 'Paste your secret key (input is hidden):';
const OPTIONS = { restart: false, insecureStorage: false };
const STORED = testKey('A');
const SHELL = testKey('B');
const NO_COPY = 'openai-setup does not keep a copy';

let t: TestContext;
afterEach(() => t?.cleanup());

function context(options: TestContextOptions = {}): TestContext {
  t = makeTestContext(options);
  return t;
}

/** An earlier run finished: every stage done, `key` stored (in the keychain, or the file). */
async function storedEarlier(key: string, profile = 'default', storage: 'keychain' | 'file' = 'keychain'): Promise<void> {
  if (storage === 'keychain') await t.keychain.setPassword('openai-setup', profile, key);
  else await t.ctx.keys.set(profile, key, true);
  await t.ctx.state.updateProfile(profile, (p) => {
    for (const id of STAGE_IDS) p.stages[id] = { doneAt: '2026-01-01T00:00:00.000Z' };
    p.key = { storage, hint: `sk-proj-…${key.slice(-4)}`, savedAt: '2026-01-01T00:00:00.000Z' };
  });
}

/** What the closing screen said, on one line. */
function closing(): string {
  const text = flat(t.stdout);
  return text.slice(text.indexOf("You're ready to build."));
}

describe('closing screen: OPENAI_API_KEY holds the stored key', () => {
  it('says it is stored (and in the shell too), and hands it over as a stored key', async () => {
    context({ env: { OPENAI_API_KEY: STORED } });
    await storedEarlier(STORED);
    t.prompts.whenConfirm(FINISH, true);
    t.api.answerChecks(checkResult('valid'));
    expect(await setup(t.ctx, OPTIONS)).toBe(0);
    const text = closing();
    expect(text).not.toContain(NO_COPY);
    expect(text).toContain(
      `Your key sk-proj-…000A works. It is stored for this profile in the ${t.ctx.keys.keychainDescription}, and it is also the one in OPENAI_API_KEY in this shell, where the OpenAI SDKs read it. Where it is not set, hand it over with:`,
    );
    expect(text).toContain('openai-setup run -- python3 app.py');
    expect(text).not.toContain('Another key');
    expect(t.stdout + t.stderr).not.toContain(STORED);
    t.assertScriptsUsed();
  });
});

describe('closing screen: OPENAI_API_KEY holds another key than the stored one', () => {
  it('says both exist, which one programs get, that the stored one was not checked, and how to check or replace it', async () => {
    context({ env: { OPENAI_API_KEY: SHELL } });
    await storedEarlier(STORED);
    t.prompts.whenConfirm(FINISH, true);
    t.api.answerChecks(checkResult('valid'));
    expect(await setup(t.ctx, OPTIONS)).toBe(0);
    // Only the shell's key was checked.
    expect(t.api.checkedKeys).toEqual([SHELL]);
    const text = closing();
    expect(text).not.toContain(NO_COPY);
    expect(text).toContain('Your key sk-proj-…000B works. It is the one in OPENAI_API_KEY, which programs started from this shell get');
    expect(text).toContain(
      `Another key, sk-proj-…000A, is stored for this profile in the ${t.ctx.keys.keychainDescription}: \`openai-setup run\`, \`openai-setup token\` and \`openai-setup env\` hand out that one, and this run did not check it.`,
    );
    // Each command on a line of its own, under what it is for.
    const lines = t.stdout.split('\n');
    const at = lines.indexOf('  Check the stored key:');
    expect(lines.slice(at, at + 4)).toEqual([
      '  Check the stored key:',
      '    openai-setup token | openai-setup verify --key -',
      '  Store the checked key in its place:',
      '    printenv OPENAI_API_KEY | openai-setup key --stdin',
    ]);
    // No command here hands the unchecked key to a program.
    expect(text).not.toContain('openai-setup run -- python3');
    expect(text).not.toContain('openai-setup env --file');
    expect(t.stdout + t.stderr).not.toContain(STORED);
    expect(t.stdout + t.stderr).not.toContain(SHELL);
    t.assertScriptsUsed();
  });

  it('without a terminal too, for another profile, its key in the file, with the server checked', async () => {
    context({ interactive: false, env: { OPENAI_API_KEY: SHELL } });
    await storedEarlier(STORED, 'work', 'file');
    t.api.answerChecks(checkResult('valid'));
    expect(await setup(t.ctx, { ...OPTIONS, profile: 'work', check: { baseURL: 'http://127.0.0.1:18556/v1' } })).toBe(0);
    const text = closing();
    expect(text).toContain(`Another key, sk-proj-…000A, is stored for this profile in the --insecure-storage file ${t.ctx.keys.filePath}`);
    const lines = t.stdout.split('\n');
    const at = lines.indexOf('  Check the stored key:');
    expect(lines.slice(at, at + 4)).toEqual([
      '  Check the stored key:',
      '    openai-setup token --profile work | openai-setup verify --key - --profile work --base-url http://127.0.0.1:18556/v1',
      '  Store the checked key in its place:',
      '    printenv OPENAI_API_KEY | openai-setup key --profile work --stdin --insecure-storage --base-url http://127.0.0.1:18556/v1',
    ]);
  });

  it('a new key pasted and stored while OPENAI_API_KEY holds the rejected one: says which programs get which', async () => {
    context({ env: { OPENAI_API_KEY: SHELL } });
    t.prompts.whenPassword(PASTE, STORED);
    await storedEarlier(testKey('C'));
    t.api.answerChecks(checkResult('invalid_key'), checkResult('valid'));
    expect(await setup(t.ctx, OPTIONS)).toBe(0);
    // The rejected key in OPENAI_API_KEY leads straight to pasting a new one: no menu first.
    expect(t.prompts.messages).toEqual([PASTE]);
    expect(t.api.checkedKeys).toEqual([SHELL, STORED]);
    expect(closing()).toContain(
      'Your key sk-proj-…000A works. The OpenAI SDKs read it from OPENAI_API_KEY; OPENAI_API_KEY in this shell holds another key, sk-proj-…000B, which programs started here directly get; these hand over sk-proj-…000A:',
    );
    expect(closing()).toContain('openai-setup run -- python3 app.py');
  });
  it('for a profile other than the default chosen with `use`, the commands that hand out the stored key name it', async () => {
    context({ env: { OPENAI_API_KEY: SHELL } });
    await t.ctx.state.update((s) => {
      s.defaultProfile = 'work';
    });
    await storedEarlier(STORED);
    t.prompts.whenConfirm(FINISH, true);
    t.api.answerChecks(checkResult('valid'));
    expect(await setup(t.ctx, { ...OPTIONS, profile: 'default' })).toBe(0);
    expect(closing()).toContain(
      `is stored for this profile in the ${t.ctx.keys.keychainDescription}: \`openai-setup run --profile default\`, \`openai-setup token --profile default\` and \`openai-setup env --profile default\` hand out that one`,
    );
  });
});

describe('closing screen: the key only in OPENAI_API_KEY', () => {
  it('says openai-setup keeps no copy (true: none is stored)', async () => {
    context({ env: { OPENAI_API_KEY: SHELL } });
    t.prompts.whenConfirm(FINISH, true);
    t.api.answerChecks(checkResult('valid'));
    expect(await setup(t.ctx, OPTIONS)).toBe(0);
    expect(closing()).toContain(`It is in OPENAI_API_KEY in this shell, where the OpenAI SDKs read it; ${NO_COPY}.`);
    // The keychain was not asked: the state file says nothing is stored.
    expect(t.keychain.calls).toEqual([]);
    t.assertScriptsUsed();
  });
});

describe('closing screen on a narrow terminal', () => {
  it('at 50 columns, a description above its command is wrapped at words, never mid-word', async () => {
    context({ columns: 50, stdoutIsTTY: true });
    await storedEarlier(STORED);
    t.prompts.whenConfirm(FINISH, true);
    t.api.answerChecks(checkResult('valid'));
    // Against another server: the descriptions are longer ("(add OPENAI_BASE_URL there)").
    expect(await setup(t.ctx, { ...OPTIONS, check: { baseURL: 'http://127.0.0.1:9/v1' } })).toBe(0);
    const screen = t.stdout.slice(t.stdout.indexOf("You're ready to build."));
    // The lines between "hand it over with:" and the one real call: descriptions at 2 spaces, commands at 4.
    const lines = screen.slice(screen.indexOf('over with:\n') + 'over with:\n'.length, screen.indexOf('It is for that server')).trimEnd().split('\n');
    const described = lines.filter((line) => !line.startsWith('    '));
    expect(described.length).toBeGreaterThan(3);
    expect(lines.filter((line) => line.startsWith('    ')).map((line) => line.trim())).toEqual([
      'OPENAI_BASE_URL=http://127.0.0.1:9/v1 openai-setup run -- python3 app.py',
      'OPENAI_API_KEY="$(openai-setup token)"; export OPENAI_API_KEY OPENAI_BASE_URL=http://127.0.0.1:9/v1',
      'openai-setup env --file .env',
    ]);
    // A description line fits, and ends at a word (a cut word would leave no space before the next line's start).
    for (const line of described) expect(line.length, line).toBeLessThanOrEqual(49);
    expect(flat(t.stdout)).toContain('(add OPENAI_BASE_URL there)');
  });

  // A command broken across lines does not paste back as one: `export …="$(openai-setup` alone ran
  // the wizard inside $( ), and `OPENAI_BASE_URL=…` on a line of its own set no variable for programs.
  it.each([40, 60, 80])('at %i columns against another server, each command of the closing screen is printed whole on one line', async (columns) => {
    context({ columns, stdoutIsTTY: true });
    await storedEarlier(STORED);
    t.prompts.whenConfirm(FINISH, true);
    t.api.answerChecks(checkResult('valid'));
    expect(await setup(t.ctx, { ...OPTIONS, check: { baseURL: 'http://127.0.0.1:38353/v1' } })).toBe(0);
    const lines = t.stdout.slice(t.stdout.indexOf("You're ready to build.")).split('\n');
    for (const command of [
      'OPENAI_BASE_URL=http://127.0.0.1:38353/v1 openai-setup run -- python3 app.py',
      'OPENAI_API_KEY="$(openai-setup token)"; export OPENAI_API_KEY OPENAI_BASE_URL=http://127.0.0.1:38353/v1',
      'openai-setup env --file .env',
    ]) {
      expect(lines.some((line) => line.trim().startsWith(command)), `${command}\n${lines.join('\n')}`).toBe(true);
    }
  });
});

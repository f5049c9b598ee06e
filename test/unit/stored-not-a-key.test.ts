// A stored value that is no key: a keychain entry or credentials.json edited by hand, holding an
// OSC 52 clipboard write, a screen clear and a line break. No command hands it out (exit 3, as a
// malformed key), none prints it, and doctor and status say what it is and how to replace it.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DoctorJsonSchema, run as doctor } from '../../src/commands/doctor.js';
import { run as env } from '../../src/commands/env.js';
import { run as logout } from '../../src/commands/logout.js';
import { run as runCommand } from '../../src/commands/run.js';
import { run as status } from '../../src/commands/status.js';
import { run as token } from '../../src/commands/token.js';
import { makeTestContext, outcomeOf, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';
import { RecordingHost } from '../helpers/recording-host.js';

const BAD = '\x1b]52;c;ZXZpbA==\x07\x1b[2Jhello\n✔ forged';
const HINT = '?]5…rged';
const PROBLEM = 'is not an API key: it contains a control character (U+001B), which an API key never has.';
// stdout a pipe, stdin a terminal: `key` asks when typed alone (storeKeyAdvice).
const FIX = 'Store your key again (at a terminal it asks for the key, hidden; or pipe the key into it with --stdin) with `openai-setup key --profile weird` (it replaces what is stored).';
const IN_KEYCHAIN = `What the Secret Service keyring holds as the key of profile "weird" (${HINT}) ${PROBLEM}`;

let t: TestContext;
afterEach(() => t?.cleanup());

function context(options: TestContextOptions = {}): TestContext {
  t = makeTestContext({ stdoutIsTTY: false, keychain: { weird: BAD }, ...options });
  return t;
}

/** Nothing of the value reached the output: no escape, no bell, no forged line. */
function expectNothingOfIt(...texts: string[]): void {
  for (const text of [t.stdout, t.stderr, ...texts]) {
    expect(text).not.toMatch(/[\x07\x1b]/);
    expect(text).not.toContain('ZXZpbA');
    expect(text.split('\n').filter((l) => l.startsWith('✔ forged'))).toEqual([]);
  }
}


describe('a stored value that is no key', () => {
  it('token refuses it (exit 3), saying how to fix it, and prints nothing of it', async () => {
    context();
    const { code, message, hints } = await outcomeOf(token(t.ctx, { profile: 'weird', yes: true }));
    expect(code).toBe(3);
    expect(message).toBe(`${IN_KEYCHAIN} It is not handed out.`);
    expect(hints).toEqual([FIX]);
    expect(t.stdout).toBe('');
    expectNothingOfIt(message, ...hints);
  });

  it('run refuses it (exit 3): no program is started with it', async () => {
    context();
    const host = new RecordingHost();
    const { code, message } = await outcomeOf(runCommand(t.ctx, { profile: 'weird', command: ['printenv', 'OPENAI_API_KEY'] }, host));
    expect(code).toBe(3);
    expect(message).toBe(`${IN_KEYCHAIN} It is not handed out.`);
    expect(host.spawned).toEqual([]);
    expectNothingOfIt(message);
  });

  it('env refuses it (exit 3): no file is written', async () => {
    context();
    const { code, message } = await outcomeOf(env(t.ctx, { profile: 'weird', force: true, gitignore: false }));
    expect(code).toBe(3);
    expect(message).toBe(`${IN_KEYCHAIN} It is not handed out.`);
    expect(existsSync(join(t.cwd, '.env'))).toBe(false);
  });

  it('in a hand-edited credentials.json: refused the same way, naming the file', async () => {
    context({ keychain: {} });
    mkdirSync(t.configDir, { mode: 0o700 });
    const file = join(t.configDir, 'credentials.json');
    writeFileSync(file, JSON.stringify({ version: 1, keys: { weird: BAD } }), { mode: 0o600 });
    const { code, message } = await outcomeOf(token(t.ctx, { profile: 'weird', yes: true }));
    expect(code).toBe(3);
    expect(message).toBe(`What ${file} holds as the key of profile "weird" (${HINT}) ${PROBLEM} It is not handed out.`);
    expect(t.stdout).toBe('');
    expectNothingOfIt(message);
  });

  it('doctor: a failed check (exit 3) with the fix, and no live check of it', async () => {
    for (const json of [false, true]) {
      context();
      t.api.answerReach({ reached: true, status: 401, json: true, ms: 42 });
      expect(await doctor(t.ctx, { profile: 'weird', json })).toBe(3);
      if (json) {
        const stored = DoctorJsonSchema.parse(JSON.parse(t.stdout)).checks.find((c) => c.id === 'stored-key');
        expect(stored).toEqual({ id: 'stored-key', title: 'Stored key', status: 'fail', detail: IN_KEYCHAIN.replace(/\.$/, ''), fix: FIX });
      } else {
        expect(t.stdout).toContain(`✖ Stored key          ${IN_KEYCHAIN.replace(/\.$/, '')}\n  → ${FIX}\n`);
        expect(t.stdout).toContain('○ Live check          no key to check (the stored value is not one)\n');
      }
      expect(t.api.checks).toEqual([]);
      expectNothingOfIt();
      t.assertScriptsUsed();
      await t.cleanup();
    }
  });

  it('status, looking the key up (a damaged state file): not shown as a key, said with the fix', async () => {
    context();
    mkdirSync(t.configDir, { mode: 0o700 });
    writeFileSync(join(t.configDir, 'state.json'), '{"version":1,', { mode: 0o600 });
    expect(await status(t.ctx, { profile: 'weird', json: false })).toBe(0);
    expect(t.stderr).toContain(`✖ ${IN_KEYCHAIN} ${FIX}\n`);
    expect(t.stdout).toContain('○ No key stored for this profile: store one (at a terminal it asks for the key, hidden; or pipe the key into it with --stdin) with `openai-setup key --profile weird`\n');
    expect(t.stdout).not.toContain(HINT);
    expectNothingOfIt();
  });

  it('the fix works as said: logout removes it (named by its hint only), and token then finds no key', async () => {
    context();
    expect(await logout(t.ctx, { profile: 'weird', yes: true })).toBe(0);
    expect(t.stdout).toContain(`✔ Removed ${HINT} from the Secret Service keyring.`);
    expect(t.keychain.keyOf('weird')).toBeUndefined();
    expectNothingOfIt();
    const { code, message } = await outcomeOf(token(t.ctx, { profile: 'weird', yes: true }));
    expect(code).toBe(2);
    expect(message).toBe('No key is stored for profile "weird".');
  });

  it('a real key is handed out as before', async () => {
    context({ keychain: { weird: testKey('W') } });
    expect(await token(t.ctx, { profile: 'weird', yes: true })).toBe(0);
    expect(t.stdout).toBe(`${testKey('W')}\n`);
  });
});

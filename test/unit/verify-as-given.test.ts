// `verify` judges a key given to it (--key, OPENAI_API_KEY) as it is, as doctor does and as
// programs send it: a value that holds the key with quotes, `Bearer `, whitespace,
// `OPENAI_API_KEY=` or a second copy is no key (malformed_key, exit 3), nothing is sent, and the
// fix is the key alone. A CI gate `OPENAI_API_KEY=… verify --json` must not pass a value the SDKs
// reject. Standard input stays a paste, cleaned as `key --stdin` stores it.
import { afterEach, describe, expect, it } from 'vitest';
import { run as doctor } from '../../src/commands/doctor.js';
import { run as setup } from '../../src/commands/setup.js';
import { run as verify, VerifyJsonSchema, type VerifyOptions } from '../../src/commands/verify.js';
import { maskKey } from '../../src/keys/format.js';
import { checkResult, makeTestContext, outcomeOf, type TestContext, type TestContextOptions } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { STAGE_IDS } from '../../src/storage/state.js';

const KEY = makeKey('proj', 'unit-as-given');
const HINT = maskKey(KEY);
const VERIFY: VerifyOptions = { json: false, quiet: false, billingCheck: true };

let t: TestContext;
afterEach(() => t?.cleanup());

function context(options: TestContextOptions = {}): TestContext {
  t = makeTestContext({ interactive: false, ...options });
  return t;
}

// The value, why it is no key (checkKeyShape's words, as doctor says them), and what is around the key.
const VALUES: Array<[string, string, string, string]> = [
  ['in double quotes', `"${KEY}"`, 'it contains a quote, which an API key never has', 'quotes'],
  ['in single quotes', `'${KEY}'`, 'it contains a quote, which an API key never has', 'quotes'],
  ['after "Bearer "', `Bearer ${KEY}`, 'it contains whitespace, which an API key never has', '"Bearer "'],
  ['with spaces around it', ` ${KEY} `, 'it contains whitespace, which an API key never has', 'whitespace around it'],
  ['twice in a row', `${KEY}${KEY}`, `it is ${KEY.length * 2} characters long, and OpenAI keys are under 200: paste the key alone`, 'a second copy of it'],
  ['twice with a space', `${KEY} ${KEY}`, `it is ${KEY.length * 2 + 1} characters long, and OpenAI keys are under 200: paste the key alone`, 'a second copy of it'],
  ['as OPENAI_API_KEY=…', `OPENAI_API_KEY=${KEY}`, 'it contains "=", which an API key never has', '"OPENAI_API_KEY="'],
];

describe('OPENAI_API_KEY is judged as it is set', () => {
  it.each(VALUES)('%s: not a key (exit 3), nothing sent, and the fix sets it to the key alone', async (_name, value, problem, around) => {
    context({ env: { OPENAI_API_KEY: value } });
    expect(await verify(t.ctx, VERIFY)).toBe(3);
    expect(t.stdout).toContain(`✖ The key was not sent: ${problem}.\n  OPENAI_API_KEY holds the key ${HINT}, but also ${around}, which programs send as part of the key: set OPENAI_API_KEY to the key alone.\n`);
    // Only the key inside is masked: not the words around it (OPENAI_API_KEY, Bearer) wherever they are said.
    expect(t.stdout).toContain(', from OPENAI_API_KEY)\n');
    expect(t.stdout).not.toContain('works');
    expect(t.api.checks).toEqual([]);
    expect(t.stdout + t.stderr).not.toContain(KEY);
  });

  it.each(VALUES)('%s, --json: status malformed_key, exit 3, the same message and fix', async (_name, value, problem, around) => {
    context({ env: { OPENAI_API_KEY: value } });
    expect(await verify(t.ctx, { ...VERIFY, json: true })).toBe(3);
    expect(VerifyJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({
      ok: false,
      status: 'malformed_key',
      exitCode: 3,
      key: { source: 'env' },
      message: `The key was not sent: ${problem}.`,
      fix: `OPENAI_API_KEY holds the key ${HINT}, but also ${around}, which programs send as part of the key: set OPENAI_API_KEY to the key alone.`,
      fixUrl: null,
    });
    expect(t.api.checks).toEqual([]);
  });

  it('the stored key in quotes is not called another key: the check says what is around it', async () => {
    context({ env: { OPENAI_API_KEY: `"${KEY}"` }, keychain: { default: KEY } });
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'keychain', hint: HINT, savedAt: '2026-01-01T00:00:00.000Z' };
    });
    expect(await verify(t.ctx, VERIFY)).toBe(3);
    expect(t.stderr).not.toContain('is not the key stored');
    expect(t.api.checks).toEqual([]);
  });

  it('the key alone is checked as ever', async () => {
    context({ env: { OPENAI_API_KEY: KEY } });
    t.api.answerChecks(checkResult('valid'));
    expect(await verify(t.ctx, { ...VERIFY, json: true })).toBe(0);
    expect(t.api.checks.map((c) => c.key)).toEqual([KEY]);
  });

  it('doctor says the same of it, with the same fix', async () => {
    context({ env: { OPENAI_API_KEY: ` ${KEY} ` } });
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 });
    expect(await doctor(t.ctx, { json: false })).not.toBe(0);
    expect(t.stdout).toContain('The key was not sent: it contains whitespace, which an API key never has.');
    expect(t.stdout).toContain(`OPENAI_API_KEY holds the key ${HINT}, but also whitespace around it, which programs send as part of the key: set OPENAI_API_KEY to the key alone.`);
    expect(t.api.checks).toEqual([]);
  });

  it('the wizard says the same of it, and sends nothing', async () => {
    context({ env: { OPENAI_API_KEY: ` ${KEY} ` } });
    const { code } = await outcomeOf(setup(t.ctx, { restart: false, insecureStorage: false }));
    expect(code).not.toBe(0);
    expect(t.stdout).toContain('The key was not sent: it contains whitespace, which an API key never has.');
    expect(t.stdout).toContain(`OPENAI_API_KEY holds the key ${HINT}, but also whitespace around it, which programs send as part of the key: set OPENAI_API_KEY to the key alone.`);
    expect(t.api.checks).toEqual([]);
  });
});

describe('OPENAI_API_KEY holding the stored key with more around it', () => {
  /** A finished earlier run: every stage done and KEY stored in the keychain. */
  async function storedAndDone(): Promise<void> {
    await t.ctx.state.updateProfile('default', (p) => {
      for (const id of STAGE_IDS) p.stages[id] = { doneAt: '2026-01-01T00:00:00.000Z' };
      p.key = { storage: 'keychain', hint: HINT, savedAt: '2026-01-01T00:00:00.000Z' };
    });
  }
  const STOP = "The wizard stops here: it took OPENAI_API_KEY from the shell it was started in, and cannot see it changed there. Set OPENAI_API_KEY to the key alone (in your shell's startup file too, if it is set there), then run the wizard again:";

  it.each([
    ['a terminal', true],
    ['no terminal', false],
  ])('the wizard, with %s: stops at the variable (exit 3), asks for no key, and the stored key stays', async (_name, interactive) => {
    // The scripted prompter has no answers: any question (the key stage's paste) fails the test.
    context({ interactive, env: { OPENAI_API_KEY: `${KEY} ` }, keychain: { default: KEY } });
    await storedAndDone();
    const { code, message, hints } = await outcomeOf(setup(t.ctx, { restart: false, insecureStorage: false }));
    expect({ code, message, hints }).toEqual({ code: 3, message: STOP, hints: ['openai-setup'] });
    expect(t.stdout).toContain(`OPENAI_API_KEY holds the key ${HINT}, but also whitespace around it, which programs send as part of the key: set OPENAI_API_KEY to the key alone.`);
    expect(t.stdout).not.toContain('Step 4 of 4');
    expect(t.stdout + message + hints.join('\n')).not.toContain('key --stdin');
    expect(await t.keychain.getPassword('openai-setup', 'default')).toBe(KEY);
    expect((await t.profile())?.stages.key?.doneAt).toBeTruthy();
    expect(t.api.checks).toEqual([]);
  });

  it.each([
    ['whitespace', `${KEY} `, 'whitespace around it'],
    ['quotes', `"${KEY}"`, 'quotes'],
  ])('doctor, with %s: not "the same as the stored key", but what is around it (✖)', async (_name, value, around) => {
    context({ env: { OPENAI_API_KEY: value }, keychain: { default: KEY } });
    await storedAndDone();
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 });
    expect(await doctor(t.ctx, { json: false })).toBe(3);
    expect(t.stdout).not.toContain('the same as the stored key');
    expect(t.stdout).not.toContain('differs from the stored key');
    expect(t.stdout).toContain(`✖ OPENAI_API_KEY      holds the stored key ${HINT}, but also ${around}, which programs send as part of the key\n`);
  });
});

describe('--key is judged as it is given', () => {
  it.each(VALUES)('%s: not a key (exit 3), nothing sent, and the fix gives --key the key alone', async (_name, value, problem, around) => {
    context();
    expect(await verify(t.ctx, { ...VERIFY, key: value })).toBe(3);
    expect(t.stdout).toContain(', from --key)\n');
    expect(t.stdout).toContain(`✖ The key was not sent: ${problem}.\n  --key holds the key ${HINT}, but also ${around}, which a program given this value would send as part of the key: give --key the key alone.\n`);
    expect(t.api.checks).toEqual([]);
    expect(t.stdout + t.stderr).not.toContain(KEY);
  });
});

describe('standard input (--key -) is a paste, cleaned as `key --stdin` cleans it', () => {
  it.each([
    ['echo', `${KEY}\n`],
    ['a CRLF line', `${KEY}\r\n`],
    ['a copied export line', `export OPENAI_API_KEY="${KEY}"\n`],
  ])('%s: the key inside is checked', async (_name, stdin) => {
    context({ stdin });
    t.api.answerChecks(checkResult('valid'));
    expect(await verify(t.ctx, { ...VERIFY, key: '-' })).toBe(0);
    expect(t.api.checks.map((c) => c.key)).toEqual([KEY]);
  });
});

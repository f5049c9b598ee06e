// OPENAI_API_KEY is read as it is set (parseEnv keeps its whitespace), so every command that
// reads it says what verify says of a key with a line break or spaces around it: the key inside,
// what else is there, and the fix, the key alone; never "the same as the stored key", nor
// "another key" (which it is not). Only a blank value is unset.
import { afterEach, describe, expect, it } from 'vitest';
import { run as doctor } from '../../src/commands/doctor.js';
import { run as key } from '../../src/commands/key.js';
import { run as rotate } from '../../src/commands/rotate.js';
import { run as runCommand } from '../../src/commands/run.js';
import { run as setup } from '../../src/commands/setup.js';
import { run as status, StatusJsonSchema } from '../../src/commands/status.js';
import { run as token } from '../../src/commands/token.js';
import { run as verify } from '../../src/commands/verify.js';
import { maskKey } from '../../src/keys/format.js';
import { parseEnv } from '../../src/options.js';
import { STAGE_IDS } from '../../src/storage/state.js';
import { checkResult, flat, makeTestContext, outcomeOf, type TestContext, type TestContextOptions } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { organizationWith, recordCheckedKey } from '../helpers/rotatable.js';

const KEY = makeKey('proj', 'unit-env-as-set');
const HINT = maskKey(KEY);
const ALONE = (around: string) => `OPENAI_API_KEY holds the key ${HINT}, but also ${around}, which programs send as part of the key: set OPENAI_API_KEY to the key alone.`;
// As a shell's `export OPENAI_API_KEY="$(cat key.txt)"` keeps no newline, but `$'…\n'`, a .env
// loader or a CI secret pasted with one does.
const WRAPPED: Array<[string, string]> = [
  ['a trailing newline', `${KEY}\n`],
  ['spaces around it', `  ${KEY}  `],
];

let t: TestContext;
afterEach(() => t?.cleanup());

function context(options: TestContextOptions = {}): TestContext {
  t = makeTestContext({ interactive: false, ...options });
  return t;
}

/** An earlier run finished: every stage done, KEY stored in the keychain. */
async function storedAndDone(): Promise<void> {
  await t.keychain.setPassword('openai-setup', 'default', KEY);
  await t.ctx.state.updateProfile('default', (p) => {
    for (const id of STAGE_IDS) p.stages[id] = { doneAt: '2026-01-01T00:00:00.000Z' };
    p.key = { storage: 'keychain', hint: HINT, savedAt: '2026-01-01T00:00:00.000Z' };
  });
}

describe('parseEnv', () => {
  it('keeps OPENAI_API_KEY as it is set; blank is unset; the other variables are trimmed', () => {
    expect(parseEnv({ OPENAI_API_KEY: `${KEY}\n`, OPENAI_SETUP_PROFILE: ' work ' })).toMatchObject({ OPENAI_API_KEY: `${KEY}\n`, OPENAI_SETUP_PROFILE: 'work' });
    expect(parseEnv({ OPENAI_API_KEY: ' \n ' }).OPENAI_API_KEY).toBeUndefined();
  });
});

describe.each(WRAPPED)('OPENAI_API_KEY holding the stored key with %s', (_name, value) => {
  it('verify: no key as it is (exit 3), nothing sent, the fix the key alone', async () => {
    context({ env: { OPENAI_API_KEY: value } });
    expect(await verify(t.ctx, { json: false, quiet: false, billingCheck: true })).toBe(3);
    expect(t.stdout).toContain(`  ${ALONE('whitespace around it')}\n`);
    expect(t.api.checks).toEqual([]);
  });

  it('status: said as verify says it (✖), not "the same as the stored key"; --json names what is around it', async () => {
    context({ env: { OPENAI_API_KEY: value } });
    await storedAndDone();
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.stdout).toContain(`✖ ${ALONE('whitespace around it')}\n`);
    expect(t.stdout).not.toContain('same as the stored key');
    expect(t.stdout).not.toContain('differs from the stored key');
    const before = t.stdout.length;
    expect(await status(t.ctx, { json: true })).toBe(0);
    expect(StatusJsonSchema.parse(JSON.parse(t.stdout.slice(before))).key.env).toEqual({ set: true, hint: HINT, matchesStored: true, around: 'whitespace around it', problem: null, empty: null });
  });

  it('the key stage storing that key: warns that the variable holds more than the key, not that it is another key', async () => {
    context({ stdin: `${KEY}\n`, env: { OPENAI_API_KEY: value } });
    expect(await key(t.ctx, { stdin: true, verify: false, insecureStorage: false })).toBe(0);
    expect(await t.keychain.getPassword('openai-setup', 'default')).toBe(KEY);
    expect(t.stderr).toContain(`! ${ALONE('whitespace around it')}\n`);
    expect(t.stderr).not.toContain('is a different key');
  });

  it('the wizard, storing that key again (--restart): the closing screen says the same, not "another key"', async () => {
    context({ interactive: true, env: { OPENAI_API_KEY: value } });
    await storedAndDone();
    t.prompts
      .whenSelect('When you are done on that page:', 'done', 3)
      .whenSelect('How do you want to pay for the API?', 'prepaid')
      .whenConfirm('Open the limits page to set a monthly budget (recommended)?', false)
      .whenPassword('Paste your secret key (input is hidden):', KEY);
    t.api.answerChecks(checkResult('valid'));
    const { code } = await outcomeOf(setup(t.ctx, { restart: true, insecureStorage: false }));
    expect(flat(t.stdout)).toContain(`! ${ALONE('whitespace around it')} Your key ${HINT} works. The OpenAI SDKs read it from OPENAI_API_KEY; hand it over with:`);
    expect(t.stdout).not.toContain('holds another key');
    expect(code).toBe(0);
  });

  it.each([
    ['token', () => token(t.ctx, { yes: true })],
    ['run', () => runCommand(t.ctx, { command: ['true'] })],
  ])('%s, the key kept in OPENAI_API_KEY by the person: not "programs find it there", but the fix', async (_command, start) => {
    context({ env: { OPENAI_API_KEY: value } });
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'env', hint: HINT, savedAt: '2026-01-01T00:00:00.000Z' };
    });
    const { code, message, hints } = await outcomeOf(start());
    expect(code).toBe(2);
    expect(message).toBe(`openai-setup keeps no copy of the key of profile "default" (${HINT}): you keep it in OPENAI_API_KEY yourself.`);
    expect(hints[0]).toBe(ALONE('whitespace around it'));
  });
});

// The reviewer's cases: a CRLF line end (a secret pasted on Windows, a .env with CRLF), and the
// key twice (pasted twice): status says what verify says (exit 3 for both), never "same as stored".
describe.each([
  ['a CRLF line end', `${KEY}\r\n`, 'whitespace around it'],
  ['the key twice', `${KEY}${KEY}`, 'a second copy of it'],
])('status, OPENAI_API_KEY holding the stored key with %s', (_name, value, around) => {
  it('verify exits 3; status says ✖ with the fix, --json key.env.around names it', async () => {
    context({ env: { OPENAI_API_KEY: value } });
    expect(await verify(t.ctx, { json: false, quiet: false, billingCheck: true })).toBe(3);
    expect(t.api.checks).toEqual([]);
    await storedAndDone();
    const before = t.stdout.length;
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.stdout.slice(before)).toContain(`✖ ${ALONE(around)}\n`);
    expect(t.stdout.slice(before)).not.toContain('same as the stored key');
    const json = t.stdout.length;
    expect(await status(t.ctx, { json: true })).toBe(0);
    expect(StatusJsonSchema.parse(JSON.parse(t.stdout.slice(json))).key.env).toEqual({ set: true, hint: HINT, matchesStored: true, around, problem: null, empty: null });
  });
});

describe('rotate', () => {
  it('OPENAI_API_KEY holding the old key with a trailing newline is the old key all the same', async () => {
    const ADMIN = makeKey('admin', 'unit-env-as-set');
    const PROJECT = 'proj_EnvAsSet000000000000000';
    context({ admin: true, keychain: { default: KEY, 'default:admin': ADMIN }, env: { OPENAI_API_KEY: `${KEY}\n` } });
    organizationWith(t, { admin: ADMIN, project: PROJECT, old: KEY });
    t.org.admin.setKeyMeta(KEY, { name: 'laptop' });
    await recordCheckedKey(t, { old: KEY, project: PROJECT, keySource: 'the keychain (profile default)' });
    expect(await rotate(t.ctx, { keepOld: true, yes: true, json: false })).toBe(0);
    expect(t.stderr).toContain('! OPENAI_API_KEY in this shell is the old key, which still works until it is revoked: unset it and start programs with `openai-setup run` to use the new one.');
  });
});

describe('OPENAI_API_KEY whose ends are those of the stored key, and the middle is not', () => {
  // maskKey shows the prefix and the last four: a value with a space or a line break inside, or
  // cut short, shows the stored key's hint. status compares no more than hints (it reads no keychain).
  const SPACED = `${KEY.slice(0, 60)} ${KEY.slice(100)}`;
  const BROKEN: Array<[string, string, string]> = [
    ['a space inside', SPACED, 'it contains whitespace, which an API key never has'],
    ['a line break inside', `${KEY.slice(0, 60)}\n${KEY.slice(60)}`, 'it contains a line break, which an API key never has'],
  ];

  it.each(BROKEN)('status, %s: not "the same as the stored key" but what is wrong with it (✖); --json matchesStored false, the problem named', async (_name, value, problem) => {
    context({ env: { OPENAI_API_KEY: value } });
    await storedAndDone();
    expect(maskKey(value)).toBe(HINT);
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.stdout).toContain(`✖ OPENAI_API_KEY is set (${HINT}), but is not a key programs can use: ${problem}.\n`);
    expect(t.stdout).not.toMatch(/same as the stored key|ends like the stored key/);
    const before = t.stdout.length;
    expect(await status(t.ctx, { json: true })).toBe(0);
    expect(StatusJsonSchema.parse(JSON.parse(t.stdout.slice(before))).key.env).toEqual({ set: true, hint: HINT, matchesStored: false, around: null, problem, empty: null });
  });

  it('status, a well-formed value with the same ends: said to end like the stored key, not to be the same', async () => {
    context({ env: { OPENAI_API_KEY: `${KEY.slice(0, 60)}${KEY.slice(100)}` } });
    await storedAndDone();
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.stdout).toContain(`✔ OPENAI_API_KEY is set: ${HINT} (it ends like the stored key)\n`);
    expect(t.stdout).not.toContain('same as the stored key');
  });

  it('doctor, a space inside: named as verify names it (✖), not "differs" with two hints alike', async () => {
    context({ env: { OPENAI_API_KEY: SPACED }, keychain: { default: KEY } });
    await storedAndDone();
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 });
    await doctor(t.ctx, { json: false });
    expect(t.stdout).toContain(`✖ OPENAI_API_KEY      ${HINT} is not a key programs can use: it contains whitespace, which an API key never has\n`);
    expect(t.stdout).not.toContain('differs from the stored key');
  });

  it('doctor, a well-formed value with the same ends: differs "in the middle", not with the same hint twice', async () => {
    context({ env: { OPENAI_API_KEY: `${KEY.slice(0, 60)}${KEY.slice(100)}` }, keychain: { default: KEY } });
    await storedAndDone();
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 }).answerChecks(checkResult('valid'));
    await doctor(t.ctx, { json: false });
    expect(t.stdout).toContain(`! OPENAI_API_KEY      ${HINT} differs from the stored key in the middle (their ends are alike): programs use OPENAI_API_KEY\n`);
    expect(t.stdout).not.toContain(`differs from the stored key ${HINT}`);
  });
});

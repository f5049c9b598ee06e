// A key the API rejects that came from OPENAI_API_KEY: storing a new key changes nothing while the
// variable is set (it is read before the stored key), so the fixes of verify, the wizard without a
// terminal and doctor name the variable (set it to a key that works, or unset it, with this shell's
// line) and never a pipe of the key just rejected.
import { afterEach, describe, expect, it } from 'vitest';
import { storeKeyWords } from '../../src/api/diagnosis.js';
import type { CheckRequest } from '../../src/api/types.js';
import { DoctorJsonSchema, run as doctor } from '../../src/commands/doctor.js';
import { run as setup } from '../../src/commands/setup.js';
import { run as verify, VerifyJsonSchema, type VerifyOptions } from '../../src/commands/verify.js';
import { checkResult, makeTestContext, outcomeOf, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';

const STORED = testKey('S');
const ENV_KEY = testKey('E');
const VERIFY: VerifyOptions = { json: true, quiet: false, billingCheck: true };
const ANSWERS = { reached: true, status: 401, json: true, ms: 5 } as const;

let t: TestContext;
afterEach(() => t?.cleanup());

/** The rejection as the real diagnosis words its fix (diagnosis.ts newKeyFix): the `key` command the request carries. */
function rejected(request: CheckRequest) {
  return checkResult('invalid_key', { fix: `Create a new secret key on the API keys page and store it${storeKeyWords(request.storeKey!)}.` });
}

async function context(options: TestContextOptions & { stored?: boolean } = {}): Promise<TestContext> {
  const { stored, ...rest } = options;
  t = makeTestContext({ interactive: false, ...rest, env: { OPENAI_API_KEY: ENV_KEY, ...rest.env }, ...(stored ? { keychain: { default: STORED } } : {}) });
  if (stored) {
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'keychain', hint: 'sk-proj-…000S', savedAt: '2026-01-01T00:00:00.000Z' };
    });
  }
  return t;
}

describe('verify: OPENAI_API_KEY rejected', () => {
  it('nothing stored: the new key goes into OPENAI_API_KEY, or unset it and store one (never a pipe of it)', async () => {
    await context();
    t.api.answerChecks(rejected);
    expect(await verify(t.ctx, VERIFY)).toBe(3);
    const { fix } = VerifyJsonSchema.parse(JSON.parse(t.stdout));
    expect(fix).toBe(
      'Create a new secret key on the API keys page and store it in OPENAI_API_KEY, where this one came from (your shell or its startup file, a CI secret), which is read before any stored key.' +
        ' Or unset it (`unset OPENAI_API_KEY`) and store one (pipe the key in, in place of …) with `… | openai-setup key --stdin`.',
    );
  });

  it('a key stored: unset OPENAI_API_KEY to use it, in the line of this shell (fish)', async () => {
    await context({ stored: true, env: { SHELL: '/usr/bin/fish' } });
    t.api.answerChecks(rejected);
    expect(await verify(t.ctx, VERIFY)).toBe(3);
    const { fix } = VerifyJsonSchema.parse(JSON.parse(t.stdout));
    expect(fix).toContain('store it in OPENAI_API_KEY, where this one came from');
    expect(fix).toMatch(/ Or unset it \(`set -e OPENAI_API_KEY`\) to use the key stored for the profile\.$/);
    expect(fix).not.toContain('openai-setup key');
  });

  // The same key in the variable and the store: unsetting the variable would only have the same key sent again.
  it('the key stored is this same key: never "unset it to use the key stored", a new key stored instead', async () => {
    t = makeTestContext({ interactive: false, env: { OPENAI_API_KEY: STORED }, keychain: { default: STORED } });
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'keychain', hint: 'sk-proj-…000S', savedAt: '2026-01-01T00:00:00.000Z' };
    });
    t.api.answerChecks(rejected);
    expect(await verify(t.ctx, VERIFY)).toBe(3);
    const { fix } = VerifyJsonSchema.parse(JSON.parse(t.stdout));
    expect(fix).not.toContain('to use the key stored for the profile');
    expect(fix).toContain('store it in OPENAI_API_KEY, where this one came from');
    expect(fix).toMatch(/ Or, as the key stored for the profile is this same one, unset it \(`unset OPENAI_API_KEY`\) and store the new key \(pipe the key in, in place of …\) with `… \| openai-setup key --stdin`\.$/);
  });

  it('the stored key rejected: stored again with `key`, as ever', async () => {
    t = makeTestContext({ interactive: false, keychain: { default: STORED } });
    t.api.answerChecks(rejected);
    expect(await verify(t.ctx, VERIFY)).toBe(3);
    expect(VerifyJsonSchema.parse(JSON.parse(t.stdout)).fix).toBe('Create a new secret key on the API keys page and store it (pipe the key in, in place of …) with `… | openai-setup key --stdin`.');
  });
});

describe('the wizard without a terminal: OPENAI_API_KEY rejected', () => {
  it('says to set OPENAI_API_KEY to a key that works or unset it, the unset line first', async () => {
    await context();
    t.api.answerChecks(rejected);
    const { code, message, hints } = await outcomeOf(setup(t.ctx, { restart: false, insecureStorage: false }));
    expect(code).toBe(3);
    expect(message).toContain('Set OPENAI_API_KEY to a key that works (where it is set: your shell or its startup file, a CI secret), as it is read before any stored key; or unset it and store one:');
    expect(hints.slice(0, 2)).toEqual(['To unset it, in this shell:', '  unset OPENAI_API_KEY']);
    expect(hints.join('\n')).not.toContain('printenv OPENAI_API_KEY');
  });

  it('the key stored is this same key: unset it and store a new one, never "to use the key stored"', async () => {
    await context({ stored: true, env: { OPENAI_API_KEY: STORED } });
    t.api.answerChecks(rejected);
    const { code, message } = await outcomeOf(setup(t.ctx, { restart: false, insecureStorage: false }));
    expect(code).toBe(3);
    expect(message).not.toContain('to use the key stored for the profile');
    expect(message).toContain('or unset it and store a new one (the key stored for the profile is this same key):');
  });
});

// On a terminal the wizard's key stage follows the rejection: the key pasted there is stored, but
// programs get the variable's key while it is set. Said once it is stored, in variableKeyFix's words.
describe('the wizard on a terminal: OPENAI_API_KEY rejected, a new key pasted at step 4', () => {
  const PASTED = testKey('N');
  async function wizard(options: TestContextOptions & { stored?: boolean } = {}): Promise<TestContext> {
    await context({ interactive: true, ...options });
    await t.ctx.state.updateProfile('default', (p) => {
      for (const id of ['login', 'payment', 'billing'] as const) p.stages[id] = { doneAt: '2026-01-01T00:00:00.000Z' };
    });
    t.prompts.whenPassword('Paste your secret key (input is hidden):', PASTED);
    t.api.answerChecks(rejected, checkResult('valid'));
    return t;
  }

  it('nothing stored before: the pasted key is stored, and OPENAI_API_KEY is named as what programs still get, with how to change or unset it', async () => {
    await wizard({ env: { SHELL: '/usr/bin/fish' } });
    expect(await setup(t.ctx, { restart: false, insecureStorage: false })).toBe(0);
    expect(await t.keychain.getPassword('openai-setup', 'default')).toBe(PASTED);
    expect(t.stderr).toContain(
      '! OPENAI_API_KEY in this shell still holds the key the API rejected above (sk-proj-…000E); programs that read it will use that one, not sk-proj-…000N.' +
        ' Store sk-proj-…000N in OPENAI_API_KEY, where this one came from (your shell or its startup file, a CI secret), which is read before any stored key.' +
        ' Or unset it (`set -e OPENAI_API_KEY`) to use the key stored for the profile.',
    );
    expect(t.stderr).not.toContain('is a different key');
  });

  it('a key stored before (replaced by the pasted one): the same, the unset line for this shell', async () => {
    await wizard({ stored: true });
    expect(await setup(t.ctx, { restart: false, insecureStorage: false })).toBe(0);
    expect(t.api.checks.map((c) => c.key)).toEqual([ENV_KEY, PASTED]);
    expect(t.stderr).toContain('Or unset it (`unset OPENAI_API_KEY`) to use the key stored for the profile.');
  });
});

describe('doctor: OPENAI_API_KEY differs from the stored key', () => {
  it('its live check rejects it: the row names no pipe of it (--json)', async () => {
    await context({ stored: true });
    t.api.answerReach(ANSWERS).answerChecks(rejected);
    expect(await doctor(t.ctx, { json: true })).toBe(3);
    const json = DoctorJsonSchema.parse(JSON.parse(t.stdout));
    const row = json.checks.find((c) => c.id === 'OPENAI_API_KEY')!;
    expect(row.fix).toBe('Unset it (programs then need `openai-setup run`), or set it to a key that works (the live check says how).');
    expect(json.verify?.fix).toContain('Or unset it (`unset OPENAI_API_KEY`) to use the key stored for the profile.');
  });

  it('OPENAI_API_KEY holds the stored key itself, rejected: the live check names storing a new key, not unsetting it to use the stored one', async () => {
    t = makeTestContext({ interactive: false, env: { OPENAI_API_KEY: STORED }, keychain: { default: STORED } });
    t.api.answerReach(ANSWERS).answerChecks(rejected);
    expect(await doctor(t.ctx, { json: true })).toBe(3);
    const json = DoctorJsonSchema.parse(JSON.parse(t.stdout));
    expect(json.checks.find((c) => c.id === 'OPENAI_API_KEY')!.detail).toContain('the same as the stored key');
    expect(json.verify?.fix).not.toContain('to use the key stored for the profile');
    expect(json.verify?.fix).toContain(' Or, as the key stored for the profile is this same one, unset it (`unset OPENAI_API_KEY`) and store the new key');
    expect(json.verify?.fix).toContain('openai-setup key');
  });

  it('its live check passes: the row names the pipe that stores it (--json)', async () => {
    await context({ stored: true });
    t.api.answerReach(ANSWERS).answerChecks(checkResult('valid'));
    expect(await doctor(t.ctx, { json: true })).toBe(0);
    const row = DoctorJsonSchema.parse(JSON.parse(t.stdout)).checks.find((c) => c.id === 'OPENAI_API_KEY')!;
    expect(row.fix).toBe('Unset it (programs then need `openai-setup run`), or store it:  printenv OPENAI_API_KEY | openai-setup key --stdin');
  });

  // In text the row is printed once the live check judged the key (its place in the rows kept):
  // the same fix as --json, never a pipe of a key that check rejects.
  const rowsInOrder = () => ['✔ Stored key ', '! OPENAI_API_KEY ', '○ Proxy ', '✔ API reachable ', 'Live check\n'].map((start) => t.stdout.indexOf(`\n${start}`));

  it('in text, its live check rejects it: the row names no pipe of it, in its place above the live check', async () => {
    await context({ stored: true });
    t.api.answerReach(ANSWERS).answerChecks(rejected);
    expect(await doctor(t.ctx, { json: false })).toBe(3);
    expect(t.stdout).toContain('→ Unset it (programs then need `openai-setup run`), or set it to a key that works (the live check says how).');
    expect(t.stdout).not.toContain('printenv OPENAI_API_KEY');
    const at = rowsInOrder();
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((x, y) => x - y)).toEqual(at);
  });

  it('in text, its live check passes: the row names the pipe that stores it, no condition left', async () => {
    await context({ stored: true });
    t.api.answerReach(ANSWERS).answerChecks(checkResult('valid'));
    expect(await doctor(t.ctx, { json: false })).toBe(0);
    expect(t.stdout).toContain('→ Unset it (programs then need `openai-setup run`), or store it:  printenv OPENAI_API_KEY | openai-setup key --stdin\n');
    const at = rowsInOrder();
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((x, y) => x - y)).toEqual(at);
  });

  it('in text, no live check (the API cannot be reached): storing it is named for once a check passes', async () => {
    await context({ stored: true });
    t.api.answerReach({ reached: false, code: 'ECONNREFUSED', detail: 'The connection was refused' });
    expect(await doctor(t.ctx, { json: false })).not.toBe(0);
    expect(t.stdout).toContain('or store it once the live check below passes:  printenv OPENAI_API_KEY | openai-setup key --stdin');
    expect(t.api.checks).toHaveLength(0);
  });
});

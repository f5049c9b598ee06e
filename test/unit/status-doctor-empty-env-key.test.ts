// OPENAI_API_KEY set but empty (`OPENAI_API_KEY= openai-setup status`): this tool takes it as unset,
// but the programs that read it get no key, which verify warns of. status (text and --json) and
// doctor's OPENAI_API_KEY row say it is set but empty, never "not set", with the fix in the
// person's shell: unset it, or set it to the stored key as `token` says to capture it.
import { afterEach, describe, expect, it } from 'vitest';
import { run as doctor, DoctorJsonSchema } from '../../src/commands/doctor.js';
import { run as status, StatusJsonSchema } from '../../src/commands/status.js';
import { checkResult, makeTestContext, testKey, type TestContext } from '../helpers/context.js';

const KEY = testKey('E');
const HINT = 'sk-proj-…000E';
const AT = '2026-03-01T00:00:00.000Z';
const BASH_FIX = 'Unset it (`unset OPENAI_API_KEY`), or set it to the stored key:  OPENAI_API_KEY="$(openai-setup token)"; export OPENAI_API_KEY';

const made: TestContext[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((t) => t.cleanup()));
});

/** The key stored in the keychain (and recorded) unless `stored` is false; OPENAI_API_KEY as given, in bash unless `shell`. */
async function withEnv(value: string | undefined, { stored = true, shell = '/bin/bash' } = {}): Promise<TestContext> {
  const env: Record<string, string> = { SHELL: shell };
  if (value !== undefined) env.OPENAI_API_KEY = value;
  const t = makeTestContext({ interactive: false, env, ...(stored ? { keychain: { default: KEY } } : {}) });
  made.push(t);
  if (stored) await t.ctx.state.updateProfile('default', (p) => void (p.key = { storage: 'keychain', hint: HINT, savedAt: AT }));
  return t;
}

async function statusJson(t: TestContext) {
  const from = t.stdout.length;
  expect(await status(t.ctx, { json: true })).toBe(0);
  return StatusJsonSchema.parse(JSON.parse(t.stdout.slice(from)));
}

/** doctor --json's OPENAI_API_KEY row; `keyChecked`: a key there for its live check (the stored one). */
async function doctorRow(t: TestContext, keyChecked = true) {
  t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 });
  if (keyChecked) t.api.answerChecks(checkResult('valid'));
  const from = t.stdout.length;
  await doctor(t.ctx, { json: true });
  return DoctorJsonSchema.parse(JSON.parse(t.stdout.slice(from))).checks.find((c) => c.id === 'OPENAI_API_KEY');
}

describe('status with OPENAI_API_KEY set but empty', () => {
  it('text: said as set but empty, with the fix (unset it, or set it to the stored key)', async () => {
    const t = await withEnv('');
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.stdout).toContain(`! OPENAI_API_KEY is set but empty: programs that read it get no key. ${BASH_FIX}\n`);
    expect(t.stdout).not.toContain('not set');
  });

  it('--json: key.env set, no hint, and `empty` with the words and the unset line', async () => {
    const t = await withEnv('');
    expect((await statusJson(t)).key.env).toEqual({
      set: true,
      hint: null,
      matchesStored: null,
      around: null,
      problem: null,
      empty: { detail: 'set but empty: programs that read it get no key', fix: BASH_FIX, command: 'unset OPENAI_API_KEY' },
    });
  });

  it('only whitespace is "blank"; the lines are fish\'s in fish', async () => {
    const t = await withEnv('  ', { shell: '/usr/bin/fish' });
    expect((await statusJson(t)).key.env.empty).toEqual({
      detail: 'set but blank: programs that read it get no key',
      fix: 'Unset it (`set -e OPENAI_API_KEY`), or set it to the stored key:  set -gx OPENAI_API_KEY (openai-setup token)',
      command: 'set -e OPENAI_API_KEY',
    });
  });

  it('no key stored: unset it (no key to set it to); storing one is said as before', async () => {
    const t = await withEnv('', { stored: false });
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.stdout).toContain('! OPENAI_API_KEY is set but empty: programs that read it get no key. Unset it:  unset OPENAI_API_KEY\n');
    expect(t.stdout).toContain('store one (pipe the key in, in place of …) with `… | openai-setup key --stdin`');
    expect((await statusJson(t)).key.env.empty).toMatchObject({ fix: 'Unset it:  unset OPENAI_API_KEY', command: 'unset OPENAI_API_KEY' });
  });

  it('a key you keep in OPENAI_API_KEY yourself: set but empty in this shell, and your shell file sets it again', async () => {
    const t = await withEnv('', { stored: false });
    await t.ctx.state.updateProfile('default', (p) => void (p.key = { storage: 'env', hint: HINT, savedAt: AT }));
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.stdout).toContain('  OPENAI_API_KEY is set but empty in this shell: open a new terminal, or run `source ~/.bashrc` in this one.\n');
    expect(t.stdout).not.toContain('Unset it');
    expect((await statusJson(t)).key.env.empty).toEqual({ detail: 'set but empty in this shell', fix: 'Open a new terminal, or run `source ~/.bashrc` in this one.', command: null });
  });

  it('unset: nothing said of it, as before', async () => {
    const t = await withEnv(undefined);
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.stdout).not.toContain('OPENAI_API_KEY');
    expect((await statusJson(t)).key.env).toMatchObject({ set: false, empty: null });
  });
});

describe('doctor with OPENAI_API_KEY set but empty', () => {
  it('its OPENAI_API_KEY row: a warning in status\'s words, never "not set"', async () => {
    const t = await withEnv('');
    expect(await doctorRow(t)).toMatchObject({ status: 'warn', detail: 'set but empty: programs that read it get no key', fix: BASH_FIX });
  });

  it('a key you keep in OPENAI_API_KEY yourself: set but empty in this shell', async () => {
    const t = await withEnv('', { stored: false });
    t.keychain.failWith('no-service');
    await t.ctx.state.updateProfile('default', (p) => void (p.key = { storage: 'env', hint: HINT, savedAt: AT }));
    expect((await doctorRow(t, false))?.detail).toBe(`set but empty in this shell, though you keep the key of profile default (${HINT}) in it yourself (~/.bashrc)`);
  });

  it('unset: "not set", as before', async () => {
    const t = await withEnv(undefined);
    expect(await doctorRow(t)).toMatchObject({ status: 'info', detail: 'not set: programs that read it find no key' });
  });
});

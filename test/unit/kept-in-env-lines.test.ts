// A key the person keeps in OPENAI_API_KEY themselves (the wizard's "set it yourself in
// ~/.bashrc"): the line that sets it is where the key lives, by their choice. status shows it as
// that, not as a plaintext copy of "the stored key" for import to move (openai-setup stores none,
// and with no keychain import cannot take it); logout says what it forgot, and that the line stays.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as doctor } from '../../src/commands/doctor.js';
import { run as logout } from '../../src/commands/logout.js';
import { run as status, StatusJsonSchema } from '../../src/commands/status.js';
import { makeTestContext, testKey, type TestContext } from '../helpers/context.js';

const KEY = testKey('A');
const HINT = 'sk-proj-…000A';

const made: TestContext[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((t) => t.cleanup()));
});

/** Over SSH (no keychain, unless `keychain`), the key kept in OPENAI_API_KEY as the wizard said, its line in ~/.bashrc; this shell has not read it. */
async function keptInBashrc({ keychain = false } = {}): Promise<TestContext & { bashrc: string }> {
  const t = makeTestContext({ interactive: false, env: { SHELL: '/bin/bash' } });
  made.push(t);
  const home = join(dirname(t.cwd), 'home');
  mkdirSync(home);
  t.ctx.rawEnv.HOME = home;
  const bashrc = join(home, '.bashrc');
  writeFileSync(bashrc, `export OPENAI_API_KEY='${KEY}'\n`);
  if (!keychain) t.keychain.failWith('no-service');
  await t.ctx.state.updateProfile('default', (p) => {
    p.key = { storage: 'env', hint: HINT, savedAt: '2026-03-01T00:00:00.000Z' };
    p.stages.key = { doneAt: '2026-03-01T00:00:00.000Z' };
  });
  return Object.assign(t, { bashrc });
}

describe('status: a key kept in OPENAI_API_KEY yourself', () => {
  it('says where it is set, and sends no one to import (which would refuse it)', async () => {
    const t = await keptInBashrc();
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.stdout).toContain(`! Key ${HINT}: you keep it in OPENAI_API_KEY yourself, set in ~/.bashrc:1; openai-setup has no copy\n`);
    expect(t.stdout).toContain('  OPENAI_API_KEY is not set in this shell: open a new terminal, or run `source ~/.bashrc` in this one.');
    expect(t.stdout).not.toContain('The stored key is also in plain text');
    expect(t.stdout).not.toContain('import');
    expect(t.keychain.calls).toEqual([]);
  });

  it('--json: the line is where it is set (key.setIn), not a plaintext copy', async () => {
    const t = await keptInBashrc();
    await status(t.ctx, { json: true });
    const json = StatusJsonSchema.parse(JSON.parse(t.stdout));
    expect(json.key).toMatchObject({ storage: 'env', hint: HINT, setIn: [{ path: '~/.bashrc', line: 1 }] });
    expect(json.plaintext).toEqual([]);
  });

  it('a key stored in the keychain keeps its plaintext copies as such, with import', async () => {
    const t = await keptInBashrc();
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'keychain', hint: HINT, savedAt: '2026-03-01T00:00:00.000Z' };
    });
    await status(t.ctx, { json: false });
    expect(t.stdout).toContain('! The stored key is also in plain text: ~/.bashrc:1 — `openai-setup import` moves it');
  });
});

describe('doctor: a key kept in OPENAI_API_KEY yourself', () => {
  it('no keychain here: where it is set, and no import (which could not take it)', async () => {
    const t = await keptInBashrc();
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 });
    // What fails is that this shell has not read the line (exit 2); no keychain is needed for it.
    expect(await doctor(t.ctx, { json: false })).toBe(2);
    expect(t.stdout).toContain('! Keychain            No Secret Service keyring is running on this machine');
    expect(t.stdout).toContain(`○ Stored key          none: you keep the key of profile default (${HINT}) in OPENAI_API_KEY yourself, set in ~/.bashrc:1\n`);
    expect(t.stdout).not.toContain('import');
    expect(t.stdout).not.toContain('Store one');
  });

  it('with a keychain: the keychain offered as an option, with import', async () => {
    const t = await keptInBashrc({ keychain: true });
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 });
    await doctor(t.ctx, { json: false });
    expect(t.stdout).toContain(
      `○ Stored key          none: you keep the key of profile default (${HINT}) in OPENAI_API_KEY yourself, set in ~/.bashrc:1\n  → To have openai-setup keep it in the keychain instead:  openai-setup import\n`,
    );
  });
});

describe('logout: a key kept in OPENAI_API_KEY yourself', () => {
  it('says it forgot the record, and that the line in ~/.bashrc stays (named), unchanged', async () => {
    const t = await keptInBashrc();
    expect(await logout(t.ctx, { yes: true })).toBe(0);
    expect(t.stdout).toBe(
      `✔ Forgot that you keep the key of profile "default" (${HINT}) in OPENAI_API_KEY yourself; openai-setup had no copy of it to remove.\n` +
        'It is still set in ~/.bashrc:1, your own line: remove it there if nothing needs the key any more.\n',
    );
    expect(t.stdout).not.toContain('No key is stored');
    expect((await t.profile())?.key).toBeUndefined();
    expect(readFileSync(t.bashrc, 'utf8')).toBe(`export OPENAI_API_KEY='${KEY}'\n`);
  });

  it('with the line nowhere it looks: the file the setup named, as "wherever you put it"', async () => {
    const t = await keptInBashrc();
    writeFileSync(t.bashrc, '');
    expect(await logout(t.ctx, { yes: true })).toBe(0);
    expect(t.stdout).toContain('Your own line that sets it (in ~/.bashrc or wherever you put it) stays: remove it there if nothing needs the key any more.');
  });
});

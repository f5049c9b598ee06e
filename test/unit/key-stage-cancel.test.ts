// A cancel (Ctrl-C) at the key stage's last question, "Show the line with the key in it?", after
// "Set OPENAI_API_KEY yourself": the stage is not done and nothing is recorded or removed, so the
// wizard comes back to stage 4 (README: "A stage is done once its last question is answered").
// Answered, it is done as before. Ctrl-C itself (the real prompter's CancelledError) is scripted.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as key } from '../../src/commands/key.js';
import { run as setup } from '../../src/commands/setup.js';
import { CancelledError } from '../../src/errors.js';
import { STAGE_IDS } from '../../src/storage/state.js';
import { checkResult, flat, makeTestContext, testKey, type TestContext } from '../helpers/context.js';

const WHERE_INSTEAD = 'Where should the key go?';
const PASTE = 'Paste your secret key (input is hidden):';
const SHOW_LINE = 'Show the line with the key in it? (it will be on your screen)';
const KEY = testKey('A');
const OLD_KEY = testKey('B');

let t: TestContext;
afterEach(() => t?.cleanup());

/** A locked keyring (as the reviewer's): the person chooses to set OPENAI_API_KEY themselves and pastes KEY. */
function keptYourself(): TestContext {
  t = makeTestContext({ env: { SHELL: '/bin/bash' } });
  t.keychain.failWith('locked');
  t.prompts.whenSelect(WHERE_INSTEAD, 'env').whenPassword(PASTE, KEY);
  t.api.answerChecks(checkResult('valid'));
  return t;
}

describe('key: Ctrl-C at "Show the line with the key in it?"', () => {
  it('leaves no key record and the stage not done', async () => {
    keptYourself();
    t.prompts.whenConfirm(SHOW_LINE, new CancelledError());

    await expect(key(t.ctx, {})).rejects.toBeInstanceOf(CancelledError);

    expect(t.prompts.messages).toEqual([WHERE_INSTEAD, PASTE, SHOW_LINE]);
    const profile = await t.profile();
    expect(profile?.key).toBeUndefined();
    expect(profile?.stages.key).toBeUndefined();
    t.assertScriptsUsed();
  });

  it('leaves the key stored before where it was, still recorded, and says nothing was removed', async () => {
    keptYourself();
    await t.ctx.keys.set('default', OLD_KEY, true);
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'file', hint: 'sk-proj-…000B', savedAt: '2026-01-01T00:00:00.000Z' };
      p.stages.key = { doneAt: '2026-01-01T00:00:00.000Z' };
    });
    t.prompts.whenConfirm(SHOW_LINE, new CancelledError());

    await expect(key(t.ctx, {})).rejects.toBeInstanceOf(CancelledError);

    expect((await t.ctx.keys.get('default')).stored?.key).toBe(OLD_KEY);
    expect(await t.profile()).toMatchObject({ key: { storage: 'file', hint: 'sk-proj-…000B' }, stages: { key: { doneAt: '2026-01-01T00:00:00.000Z' } } });
    expect(t.stdout).not.toContain('Removed');
    t.assertScriptsUsed();
  });

  it('answered, the stage is done as before: the record says the person keeps it, the copy before removed', async () => {
    keptYourself();
    await t.ctx.keys.set('default', OLD_KEY, true);
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'file', hint: 'sk-proj-…000B', savedAt: '2026-01-01T00:00:00.000Z' };
    });
    t.prompts.whenConfirm(SHOW_LINE, false);

    expect(await key(t.ctx, {})).toBe(0);

    const profile = await t.profile();
    expect(profile?.key).toMatchObject({ storage: 'env', hint: 'sk-proj-…000A' });
    expect(profile?.stages.key).toBeDefined();
    expect(existsSync(join(t.configDir, 'credentials.json'))).toBe(false);
    // The line first, then what became of the copy stored before.
    const out = flat(t.stdout);
    expect(out).toMatch(/Add this line to ~\/\.bashrc.*Then open a new terminal, .*Removed sk-proj-…000B from .*: openai-setup keeps no copy of a key for profile "default" now\./s);
    t.assertScriptsUsed();
  });
});

describe('the wizard after a Ctrl-C there', () => {
  it('comes back to stage 4 (not "kept in OPENAI_API_KEY, which you set yourself"), and completes it when answered', async () => {
    keptYourself();
    await t.ctx.state.updateProfile('default', (p) => {
      for (const id of STAGE_IDS) if (id !== 'key') p.stages[id] = { doneAt: '2026-01-01T00:00:00.000Z' };
    });
    t.prompts.whenConfirm(SHOW_LINE, new CancelledError());
    await expect(setup(t.ctx, { restart: false, insecureStorage: false })).rejects.toBeInstanceOf(CancelledError);
    expect((await t.profile())?.stages.key).toBeUndefined();

    // Run again: stage 4 is asked again, from the start.
    t.prompts.whenSelect(WHERE_INSTEAD, 'env').whenPassword(PASTE, KEY).whenConfirm(SHOW_LINE, false);
    t.api.answerChecks(checkResult('valid'));
    expect(await setup(t.ctx, { restart: false, insecureStorage: false })).toBe(0);

    expect(t.prompts.messages).toEqual([WHERE_INSTEAD, PASTE, SHOW_LINE, WHERE_INSTEAD, PASTE, SHOW_LINE]);
    expect(flat(t.stdout)).not.toContain('which you set yourself in');
    const profile = await t.profile();
    expect(profile?.key).toMatchObject({ storage: 'env', hint: 'sk-proj-…000A' });
    expect(profile?.stages.key).toBeDefined();
    t.assertScriptsUsed();
  });
});

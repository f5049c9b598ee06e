// `openai-setup key` (stage 4 alone): paste, check live, store; and every way out of a failed
// check or an unusable keychain.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as key } from '../../src/commands/key.js';
import { STATUS } from '../../src/api/status.js';
import { maskKey } from '../../src/keys/format.js';
import type { LastVerify } from '../../src/storage/state.js';
import { PAGES } from '../../src/platform.js';
import { createTerminal } from '../../src/terminal/output.js';
import { LineBreakInsideError } from '../../src/terminal/prompter.js';
import { checkResult, FIXED_NOW, flat, makeTestContext, outcomeOf, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';

const PASTE = 'Paste your secret key (input is hidden):';
const WHAT_NOW = 'What now?';
const SAVE_ANYWAY = 'Save this key anyway?';
const WHERE_INSTEAD = 'Where should the key go?';
const SHOW_LINE = 'Show the line with the key in it? (it will be on your screen)';

const KEY = testKey('A');
const OTHER_KEY = testKey('B');

let t: TestContext;
afterEach(() => t?.cleanup());

function context(options: TestContextOptions = {}): TestContext {
  t = makeTestContext(options);
  return t;
}

describe('key: paste, check, store', () => {
  it('stores a key that passes the live check in the keychain', async () => {
    context();
    t.prompts.whenPassword(PASTE, `  export OPENAI_API_KEY="${KEY}"\n`);
    t.api.answerChecks(checkResult('valid'));

    expect(await key(t.ctx, {})).toBe(0);

    // What was pasted is cleaned before it is checked and stored.
    expect(t.api.checks).toEqual([
      { key: KEY, baseURL: 'https://api.openai.com/v1', model: 'gpt-4o-mini', billingCheck: true, timeoutMs: 15_000, organization: undefined, project: undefined, storeKey: { command: 'openai-setup key', how: '' } },
    ]);
    expect(t.keychain.keyOf('default')).toBe(KEY);
    // The write probe left nothing behind.
    expect(t.keychain.accounts()).toEqual(['default']);
    expect(t.browser.opened).toEqual([PAGES.keys.url]);
    expect(flat(t.stdout)).toContain('Stored sk-proj-…000A in the Secret Service keyring (service "openai-setup", account "default").');
    expect(await t.profile()).toMatchObject({
      key: { storage: 'keychain', hint: 'sk-proj-…000A', savedAt: FIXED_NOW.toISOString() },
      stages: { key: { doneAt: FIXED_NOW.toISOString() } },
      lastVerify: { status: 'valid', keySource: 'what you pasted' },
    });
    expect(t.stdout + t.stderr).not.toContain(KEY);
    t.assertScriptsUsed();
  });

  it('stores a key that cannot spend yet, and says to fix billing', async () => {
    context();
    t.prompts.whenPassword(PASTE, KEY);
    t.api.answerChecks(checkResult('insufficient_quota'));
    expect(await key(t.ctx, {})).toBe(4);
    expect(t.keychain.keyOf('default')).toBe(KEY);
    expect(flat(t.stdout)).toContain('The key is stored, but it cannot spend yet: fix billing (`openai-setup billing`), then `openai-setup verify`.');
    t.assertScriptsUsed();
  });

  it("a project's spend limit: stored, exit 4, raise that project's limit (not billing)", async () => {
    context();
    t.prompts.whenPassword(PASTE, KEY);
    t.api.answerChecks(checkResult('insufficient_quota', { reason: 'project_spend_limit_exceeded' }));
    expect(await key(t.ctx, {})).toBe(4);
    expect(t.keychain.keyOf('default')).toBe(KEY);
    expect(flat(t.stdout)).toContain("The key is stored, but it cannot spend yet: raise the project's limit as described above, then `openai-setup verify`.");
    expect(flat(t.stdout)).not.toContain('fix billing');
    t.assertScriptsUsed();
  });

  it('stores under the profile given, with no live check when --no-verify', async () => {
    context();
    t.prompts.whenPassword(PASTE, KEY);
    expect(await key(t.ctx, { profile: 'work', verify: false })).toBe(0);
    expect(t.api.checks).toEqual([]);
    expect(t.keychain.keyOf('work')).toBe(KEY);
    expect(t.keychain.keyOf('default')).toBeUndefined();
    t.assertScriptsUsed();
  });
});

describe('key: what reaches the prompt', () => {
  it('holds the terminal input from before the page until the key is asked for (a key pasted early is not echoed), and from the key taken on, what is typed dropped', async () => {
    context();
    t.prompts.whenPassword(PASTE, KEY);
    t.api.answerChecks(checkResult('valid'));
    expect(await key(t.ctx, {})).toBe(0);
    expect(t.prompts.held).toEqual(['keep', 'drop']);
    t.assertScriptsUsed();
  });

  it("a key of another service is refused with the --base-url that would take it, and that --base-url takes it", async () => {
    const openRouter = `sk-or-v1-${'0123456789abcdef'.repeat(4)}`;
    context({ interactive: false, stdin: `${openRouter}\n` });
    const refused = await outcomeOf(key(t.ctx, { stdin: true }));
    expect(refused.code).toBe(3);
    expect(refused.message).toBe('That is not an API key: it looks like an OpenRouter key, not an OpenAI key; to use it, set --base-url https://openrouter.ai/api/v1.');
    expect(t.api.checks).toEqual([]);

    t.api.answerChecks(checkResult('valid'));
    expect(await key(t.ctx, { stdin: true, check: { baseURL: 'https://openrouter.ai/api/v1' } })).toBe(0);
    expect(t.api.checks.map((c) => [c.key, c.baseURL])).toEqual([[openRouter, 'https://openrouter.ai/api/v1']]);
  });

  it('names the server the key was checked with when it is not the OpenAI API, as verify does', async () => {
    context({ interactive: false, stdin: `${KEY}\n`, env: { OPENAI_BASE_URL: 'https://user:pw@llm.example.com/v1' } });
    t.api.answerChecks(checkResult('valid'));
    expect(await key(t.ctx, { stdin: true })).toBe(0);
    expect(t.stdout).toContain('! Server      https://llm.example.com/v1 (not the OpenAI API)\n');
    expect(t.stdout).not.toContain('pw@');
  });

  it('a paste cut off is refused with one line and asked again with an empty field: the whole key pasted next is taken as it is', async () => {
    context();
    t.prompts.whenPassword(PASTE, KEY.slice(0, 30)).whenPassword(PASTE, KEY);
    t.api.answerChecks(checkResult('valid'));
    expect(await key(t.ctx, {})).toBe(0);
    expect(t.stderr).toMatch(/✖ That is not an API key: .*copy it again\.\n/);
    expect(t.api.checkedKeys).toEqual([KEY]);
    expect(t.keychain.keyOf('default')).toBe(KEY);
    t.assertScriptsUsed();
  });

  it('a paste with a line break inside is refused with one line and asked again; nothing is sent for it', async () => {
    context();
    t.prompts.whenPassword(PASTE, new LineBreakInsideError()).whenPassword(PASTE, KEY);
    t.api.answerChecks(checkResult('valid'));
    expect(await key(t.ctx, {})).toBe(0);
    expect(t.stderr).toContain('✖ That is not an API key: it has a line break inside: copy it again in one piece.');
    expect(t.api.checkedKeys).toEqual([KEY]);
    expect(t.keychain.keyOf('default')).toBe(KEY);
    t.assertScriptsUsed();
  });
});

describe('key: after a failed check', () => {
  it('a rejected key → paste again; the second key is checked and stored', async () => {
    context();
    t.prompts.whenPassword(PASTE, KEY).whenSelect(WHAT_NOW, 'again').whenPassword(PASTE, OTHER_KEY);
    t.api.answerChecks(checkResult('invalid_key'), checkResult('valid'));

    expect(await key(t.ctx, {})).toBe(0);

    expect(t.api.checkedKeys).toEqual([KEY, OTHER_KEY]);
    // A rejected key cannot be fixed by checking again, and is not offered for keeping.
    expect(t.prompts.asked.find((a) => a.message === WHAT_NOW)?.choices).toEqual(['again', 'stop']);
    expect(t.stdout).toContain('The API rejected the key');
    expect(t.keychain.keyOf('default')).toBe(OTHER_KEY);
    t.assertScriptsUsed();
  });

  it('a retryable failure offers "Check again", which checks the same key without asking for it', async () => {
    context();
    t.prompts.whenPassword(PASTE, KEY).whenSelect(WHAT_NOW, 'recheck');
    t.api.answerChecks(checkResult('network_error'), checkResult('valid'));

    expect(await key(t.ctx, {})).toBe(0);

    expect(t.api.checkedKeys).toEqual([KEY, KEY]);
    expect(t.prompts.asked.find((a) => a.message === WHAT_NOW)?.choices).toEqual(['recheck', 'again', 'save', 'stop']);
    expect(t.keychain.keyOf('default')).toBe(KEY);
    expect((await t.profile())?.lastVerify?.status).toBe('valid');
    t.assertScriptsUsed();
  });

  it('a check that still fails after "Check again" asks whether to save; no → network exit code, nothing stored', async () => {
    context();
    t.prompts.whenPassword(PASTE, KEY).whenSelect(WHAT_NOW, 'recheck').whenConfirm(SAVE_ANYWAY, false);
    t.api.answerChecks(checkResult('timeout'), checkResult('timeout'));

    const { code, message } = await outcomeOf(key(t.ctx, {}));

    expect(code).toBe(6);
    expect(message).toBe('Stopped; the key was not stored.');
    expect(t.stdout).toContain('Still failing; you can save it anyway and check later with `openai-setup verify`.');
    expect(t.keychain.accounts()).toEqual([]);
    expect((await t.profile())?.stages.key).toBeUndefined();
    t.assertScriptsUsed();
  });

  it('"Save this key anyway" after a check that timed out: stored, exit 0 (as --no-verify), and the check to run later, with this run\'s check flags', async () => {
    context();
    t.prompts.whenPassword(PASTE, KEY).whenSelect(WHAT_NOW, 'save');
    t.api.answerChecks(checkResult('timeout'));
    expect(await key(t.ctx, { profile: 'work', check: { timeoutMs: 30000 } })).toBe(0);
    expect(t.keychain.keyOf('work')).toBe(KEY);
    expect(flat(t.stdout)).toContain('! The check could not finish, so whether the key works is not known yet: check it later with `openai-setup verify --profile work --timeout 30000`.');
    t.assertScriptsUsed();
  });

  it('a key refused for something around it (its permissions, the region) is the right key: stored, with what to fix', async () => {
    context();
    t.prompts.whenPassword(PASTE, KEY);
    t.api.answerChecks(checkResult('forbidden', { reason: 'missing_scopes' }));
    expect(await key(t.ctx, {})).toBe(5);
    expect(t.keychain.keyOf('default')).toBe(KEY);
    expect(await t.profile()).toMatchObject({ key: { storage: 'keychain' }, lastVerify: { status: 'forbidden', ok: false } });
    expect(flat(t.stdout)).toContain('The key is stored, but it is refused until what is described above is fixed; then `openai-setup verify`.');
    t.assertScriptsUsed();
  });

  it('a new key says which stored key it replaces, and that the old one, never checked, may work until revoked', async () => {
    context({ keychain: { default: OTHER_KEY } });
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'keychain', hint: 'sk-proj-…000B', savedAt: '2026-01-01T00:00:00.000Z' };
    });
    t.prompts.whenPassword(PASTE, KEY);
    t.api.answerChecks(checkResult('valid'));
    expect(await key(t.ctx, {})).toBe(0);
    expect(flat(t.stdout)).toContain('This replaces sk-proj-…000B for profile "default". That key may still work until you revoke it on the API keys page: https://platform.openai.com/api-keys');
    expect(t.keychain.keyOf('default')).toBe(KEY);
  });

  const STILL_WORKS = 'That key still works until you revoke it on the API keys page: https://platform.openai.com/api-keys';
  const MAY_WORK = 'That key may still work until you revoke it on the API keys page: https://platform.openai.com/api-keys';
  const LISTED = 'if it is still listed on the API keys page, revoke it there: https://platform.openai.com/api-keys';
  it.each<[string, { status: LastVerify['status']; host?: string; keyHint?: string }, string]>([
    ['worked', { status: 'valid' }, STILL_WORKS],
    ['worked, rate-limited', { status: 'rate_limited' }, STILL_WORKS],
    ['could not spend', { status: 'insufficient_quota' }, 'The API took that key at its last check, though it could not spend; it stays live until you revoke it on the API keys page: https://platform.openai.com/api-keys'],
    ['was rejected', { status: 'invalid_key' }, `Its last check (2026-01-02 03:04 UTC) found it rejected; ${LISTED}`],
    ['was refused (a deactivated account)', { status: 'forbidden' }, `Its last check (2026-01-02 03:04 UTC) found it refused; ${LISTED}`],
    ['was not an API key', { status: 'malformed_key' }, `Its last check (2026-01-02 03:04 UTC) found it not an API key; ${LISTED}`],
    ['got no answer', { status: 'timeout' }, MAY_WORK],
    ['was rejected by another server', { status: 'invalid_key', host: 'proxy.example' }, MAY_WORK],
    ['was of another key', { status: 'invalid_key', keyHint: 'sk-proj-…000C' }, MAY_WORK],
  ])('the key replaced, whose last check %s: said as that check tells', async (_, last, said) => {
    context({ keychain: { default: OTHER_KEY } });
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'keychain', hint: maskKey(OTHER_KEY), savedAt: '2026-01-01T00:00:00.000Z' };
      const row = STATUS[last.status];
      p.lastVerify = { at: '2026-01-02T03:04:05.000Z', status: last.status, ok: row.ok, keyHint: last.keyHint ?? maskKey(OTHER_KEY), keySource: 'keychain', organization: null, project: null, tier: null, billing: 'unchecked', message: 'Your account is deactivated.', ...(last.host ? { host: last.host } : {}) };
    });
    t.prompts.whenPassword(PASTE, KEY);
    t.api.answerChecks(checkResult('valid'));
    expect(await key(t.ctx, {})).toBe(0);
    expect(flat(t.stdout)).toContain(`This replaces ${maskKey(OTHER_KEY)} for profile "default". ${said}`);
    if (said !== STILL_WORKS) expect(flat(t.stdout)).not.toContain('still works');
    // The new key's check is what is recorded now.
    expect((await t.profile())?.lastVerify).toMatchObject({ status: 'valid', keyHint: maskKey(KEY) });
    t.assertScriptsUsed();
  });

  it('a user key replaced (sk-None-, legacy sk-) is to be revoked on your user API keys page, not the API keys page', async () => {
    for (const old of [makeKey('none', 'unit-key-stage-user'), makeKey('legacy', 'unit-key-stage-user')]) {
      context({ keychain: { default: old } });
      await t.ctx.state.updateProfile('default', (p) => {
        p.key = { storage: 'keychain', hint: maskKey(old), savedAt: '2026-01-01T00:00:00.000Z' };
      });
      t.prompts.whenPassword(PASTE, KEY);
      t.api.answerChecks(checkResult('valid'));
      expect(await key(t.ctx, {})).toBe(0);
      expect(flat(t.stdout)).toContain(`This replaces ${maskKey(old)} for profile "default". That key may still work until you revoke it on your user API keys page: https://platform.openai.com/settings/profile/api-keys`);
      expect(flat(t.stdout)).not.toContain('revoke it on the API keys page');
      t.assertScriptsUsed();
      await t.cleanup();
    }
  });

  it("\"Stop without saving\" ends with the check's exit code and stores nothing", async () => {
    context();
    t.prompts.whenPassword(PASTE, KEY).whenSelect(WHAT_NOW, 'stop');
    t.api.answerChecks(checkResult('invalid_key'));
    const { code, message } = await outcomeOf(key(t.ctx, {}));
    expect(code).toBe(3);
    expect(message).toBe('Stopped; the key was not stored.');
    expect(t.keychain.accounts()).toEqual([]);
    expect((await t.profile())?.key).toBeUndefined();
    t.assertScriptsUsed();
  });
});

describe('key: the keychain cannot be used', () => {
  it('asks where the key should go before it is pasted; "env" shows the shell line, and the key only if asked', async () => {
    context({ env: { SHELL: '/usr/bin/zsh' } });
    t.keychain.failWith('no-service');
    t.prompts.whenSelect(WHERE_INSTEAD, 'env').whenPassword(PASTE, KEY).whenConfirm(SHOW_LINE, true);
    t.api.answerChecks(checkResult('valid'));

    expect(await key(t.ctx, {})).toBe(0);

    expect(t.prompts.messages).toEqual([WHERE_INSTEAD, PASTE, SHOW_LINE]);
    // No keychain service at all: nothing to fix, so the ways around it come first.
    expect(t.prompts.asked[0]?.choices).toEqual(['env', 'file', 'stop']);
    expect(t.stderr).toContain('No Secret Service keyring is running on this machine');
    expect(t.stdout).toContain("Add this line to ~/.zshrc, with your key in place of <your key>:\n  export OPENAI_API_KEY='<your key>'");
    // Asked for, the line with the real key (the one place it is printed whole).
    expect(t.stdout).toContain(`  export OPENAI_API_KEY='${KEY}'\n`);
    expect(t.keychain.accounts()).toEqual([]);
    // The stage is done; the record says the person keeps the key themselves (no copy here).
    const profile = await t.profile();
    expect(profile?.stages.key).toBeDefined();
    expect(profile?.key).toMatchObject({ storage: 'env', hint: 'sk-proj-…000A' });
    expect(flat(t.stdout)).toContain('Then open a new terminal, or run `source ~/.zshrc` in this one');
    t.assertScriptsUsed();
  });

  it("another user's session bus: said, and no \"I fixed it\" to retry (this run is the wrong user)", async () => {
    context({ env: { SHELL: '/bin/bash' } });
    t.keychain.failWith('other-user');
    t.prompts.whenSelect(WHERE_INSTEAD, 'stop');
    expect((await outcomeOf(key(t.ctx, {}))).code).toBe(7);
    expect(t.stderr).toContain('cannot be reached: the session bus in DBUS_SESSION_BUS_ADDRESS (/run/user/1000/bus) belongs to another user (uid 1000)');
    expect(t.stdout).toContain('Run this as the user whose session bus it is');
    expect(t.prompts.asked[0]?.choices).toEqual(['env', 'file', 'stop']);
    t.assertScriptsUsed();
  });

  it('for a named profile, setting OPENAI_API_KEY yourself is not offered (token, run and env of that profile never read it): the 0600 file is', async () => {
    context({ env: { SHELL: '/bin/bash' } });
    t.keychain.failWith('no-service');
    t.prompts.whenSelect(WHERE_INSTEAD, 'stop');
    expect((await outcomeOf(key(t.ctx, { profile: 'work' }))).code).toBe(7);
    expect(t.prompts.asked[0]?.choices).toEqual(['file', 'stop']);
    expect(flat(t.stdout)).toContain('Setting OPENAI_API_KEY yourself is not offered: the variable is the same for every profile');
    t.assertScriptsUsed();

    // Without a terminal: no `export OPENAI_API_KEY=` line, the command that keeps it in the file, as printed.
    context({ interactive: false, stdin: `${KEY}\n`, env: { SHELL: '/bin/bash' } });
    t.keychain.failWith('no-service');
    const { code, hints } = await outcomeOf(key(t.ctx, { stdin: true, profile: 'work' }));
    expect(code).toBe(7);
    expect(hints.join('\n')).not.toContain('OPENAI_API_KEY');
    expect(hints).toEqual(['Keep it in a file readable only by you (pipe the key in again, as you did, in place of …):  … | openai-setup key --profile work --stdin --insecure-storage']);
  });

  it('"env" on a 30-column terminal: the line to add is whole on one line (a bare `export` in a startup file prints the environment)', async () => {
    context({ env: { SHELL: '/bin/bash' }, columns: 30 });
    t.keychain.failWith('no-service');
    t.prompts.whenSelect(WHERE_INSTEAD, 'env').whenPassword(PASTE, KEY).whenConfirm(SHOW_LINE, false);
    t.api.answerChecks(checkResult('valid'));
    expect(await key(t.ctx, {})).toBe(0);
    const lines = t.stdout.split('\n');
    expect(lines).toContain("  export OPENAI_API_KEY='<your key>'");
    expect(lines).not.toContain('  export');
    t.assertScriptsUsed();
  });

  it('"env" removes the copy stored before (no longer handed out by token, run or the wizard), and says so', async () => {
    context({ env: { SHELL: '/bin/bash' } });
    await t.ctx.keys.set('default', OTHER_KEY, true);
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'file', hint: 'sk-proj-…000B', savedAt: '2026-01-01T00:00:00.000Z' };
    });
    t.keychain.failWith('no-service');
    t.prompts.whenSelect(WHERE_INSTEAD, 'env').whenPassword(PASTE, KEY).whenConfirm(SHOW_LINE, false);
    t.api.answerChecks(checkResult('valid'));

    expect(await key(t.ctx, {})).toBe(0);

    const file = join(t.configDir, 'credentials.json');
    expect(existsSync(file)).toBe(false);
    expect((await t.ctx.keys.get('default')).stored).toBeNull();
    expect(flat(t.stdout)).toContain(`Removed sk-proj-…000B from ${file}: openai-setup keeps no copy of a key for profile "default" now.`);
    expect(flat(t.stdout)).toContain('This replaces sk-proj-…000B for profile "default".');
    expect(await t.profile()).toMatchObject({ key: { storage: 'env', hint: 'sk-proj-…000A' }, lastVerify: { status: 'valid', keyHint: 'sk-proj-…000A' } });
    t.assertScriptsUsed();
  });

  it('with the stored key in a keychain out of reach, "env" is not offered: it could not be removed, and that is said before anything is pasted', async () => {
    context({ keychain: { default: OTHER_KEY } });
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'keychain', hint: 'sk-proj-…000B', savedAt: '2026-01-01T00:00:00.000Z' };
    });
    t.keychain.failWith('no-service');
    t.prompts.whenSelect(WHERE_INSTEAD, 'stop');

    const { code } = await outcomeOf(key(t.ctx, { profile: 'default' }));

    expect(code).toBe(7);
    expect(t.prompts.messages).toEqual([WHERE_INSTEAD]);
    expect(t.prompts.asked[0]?.choices).toEqual(['file', 'stop']);
    expect(flat(t.stdout)).toContain(
      'Setting OPENAI_API_KEY yourself is not offered: the key stored for profile "default" (sk-proj-…000B) is in the Secret Service keyring, and it cannot be removed from here, so openai-setup would go on handing it out. To keep the new key in OPENAI_API_KEY, remove that one where the keychain can be reached first (`openai-setup logout`).',
    );
    // Nothing pasted, nothing sent, nothing changed.
    expect(t.api.checks).toEqual([]);
    expect(t.keychain.keyOf('default')).toBe(OTHER_KEY);
    expect((await t.profile())?.key).toMatchObject({ storage: 'keychain', hint: 'sk-proj-…000B' });
    t.assertScriptsUsed();
  });

  it('a keychain that fails only when the key is written, with the stored key there: "env" is not offered then either', async () => {
    context({ keychain: { default: OTHER_KEY } });
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'keychain', hint: 'sk-proj-…000B', savedAt: '2026-01-01T00:00:00.000Z' };
    });
    t.keychain.failWith('timeout', { ops: ['set'], after: 1 });
    t.prompts.whenPassword(PASTE, KEY).whenSelect(WHERE_INSTEAD, 'file');
    t.api.answerChecks(checkResult('valid'));
    expect(await key(t.ctx, {})).toBe(0);
    expect(t.prompts.asked.find((a) => a.message === WHERE_INSTEAD)?.choices).toEqual(['retry', 'file', 'stop']);
    expect((await t.profile())?.key?.storage).toBe('file');
    t.assertScriptsUsed();
  });

  it('with a key kept in the file before, "env" is still offered (that copy can be removed here)', async () => {
    context();
    await t.ctx.keys.set('default', OTHER_KEY, true);
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'file', hint: 'sk-proj-…000B', savedAt: '2026-01-01T00:00:00.000Z' };
    });
    t.keychain.failWith('no-service');
    t.prompts.whenSelect(WHERE_INSTEAD, 'stop');
    await outcomeOf(key(t.ctx, {}));
    expect(t.prompts.asked[0]?.choices).toEqual(['env', 'file', 'stop']);
    expect(t.stdout).not.toContain('is not offered');
  });

  it('a locked keychain: how to unlock it first, then "I fixed it: try the keychain again" stores it there', async () => {
    context();
    // Locked for the first write probe only: unlocked by the time the person says so.
    t.keychain.failWith('locked', { times: 1 });
    t.prompts.whenSelect(WHERE_INSTEAD, 'retry').whenPassword(PASTE, KEY);
    t.api.answerChecks(checkResult('valid'));
    expect(await key(t.ctx, {})).toBe(0);
    expect(t.prompts.asked[0]?.choices).toEqual(['retry', 'env', 'file', 'stop']);
    expect(flat(t.stdout)).toContain('Unlock it: log in to your desktop session');
    expect(t.keychain.keyOf('default')).toBe(KEY);
    t.assertScriptsUsed();
  });

  it('"file" stores the key in a 0600 file in the config dir', async () => {
    context();
    t.keychain.failWith('locked');
    t.prompts.whenSelect(WHERE_INSTEAD, 'file').whenPassword(PASTE, KEY);
    t.api.answerChecks(checkResult('valid'));

    expect(await key(t.ctx, {})).toBe(0);

    const file = join(t.configDir, 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8')).keys).toEqual({ default: KEY });
    expect(t.stderr).toContain('The Secret Service keyring is locked and could not be unlocked from here.');
    expect(t.stdout).toContain(`Stored sk-proj-…000A in plain text in ${file} (mode 0600).`);
    expect((await t.profile())?.key?.storage).toBe('file');
    t.assertScriptsUsed();
  });

  it('"stop" ends with exit code 7 before any key is pasted', async () => {
    context();
    t.keychain.failWith('denied');
    t.prompts.whenSelect(WHERE_INSTEAD, 'stop');
    const { code, message } = await outcomeOf(key(t.ctx, {}));
    expect(code).toBe(7);
    expect(message).toBe('Stopped; the key was not stored.');
    expect(t.api.checks).toEqual([]);
    t.assertScriptsUsed();
  });

  it('a keychain that fails only when the key is written still gets the question', async () => {
    context();
    // The probe's write goes through; the real one does not.
    t.keychain.failWith('timeout', { ops: ['set'], after: 1 });
    t.prompts.whenPassword(PASTE, KEY).whenSelect(WHERE_INSTEAD, 'file');
    t.api.answerChecks(checkResult('valid'));
    expect(await key(t.ctx, {})).toBe(0);
    expect(t.prompts.messages).toEqual([PASTE, WHERE_INSTEAD]);
    expect(t.stderr).toContain('The Secret Service keyring did not answer within a few seconds.');
    expect((await t.profile())?.key?.storage).toBe('file');
    t.assertScriptsUsed();
  });

  // Every reader (token, env, run, setup) prefers the keychain: an older key left there would
  // shadow the new one in the file.
  it('--insecure-storage replaces a key kept in the keychain before', async () => {
    context({ keychain: { default: OTHER_KEY } });
    t.prompts.whenPassword(PASTE, KEY);
    t.api.answerChecks(checkResult('valid'));
    expect(await key(t.ctx, { insecureStorage: true })).toBe(0);
    expect((await t.profile())?.key).toMatchObject({ storage: 'file', hint: 'sk-proj-…000A' });
    expect((await t.ctx.keys.get('default')).stored?.key).toBe(KEY);
  });

  it('storing in the keychain removes a plain-text copy kept before', async () => {
    context();
    await t.ctx.keys.set('default', OTHER_KEY, true);
    t.prompts.whenPassword(PASTE, KEY);
    t.api.answerChecks(checkResult('valid'));
    expect(await key(t.ctx, {})).toBe(0);
    expect(t.keychain.keyOf('default')).toBe(KEY);
    expect(existsSync(join(t.configDir, 'credentials.json'))).toBe(false);
    t.assertScriptsUsed();
  });

  it('--insecure-storage writes the file without probing the keychain, only clearing an older copy there (read first, to be put back should recording fail)', async () => {
    context();
    t.prompts.whenPassword(PASTE, KEY);
    t.api.answerChecks(checkResult('valid'));
    expect(await key(t.ctx, { insecureStorage: true })).toBe(0);
    // Read to be put back, read again to name a copy it removes, removed.
    expect(t.keychain.calls).toEqual([
      { op: 'get', account: 'default' },
      { op: 'get', account: 'default' },
      { op: 'delete', account: 'default' },
    ]);
    expect(statSync(join(t.configDir, 'credentials.json')).mode & 0o777).toBe(0o600);
    t.assertScriptsUsed();
  });
});

describe('key --stdin', () => {
  it('reads the key from standard input, checks and stores it, with no question and no page', async () => {
    context({ interactive: false, stdin: `${KEY}\n` });
    t.api.answerChecks(checkResult('valid'));

    expect(await key(t.ctx, { stdin: true })).toBe(0);

    expect(t.api.checkedKeys).toEqual([KEY]);
    expect(t.keychain.keyOf('default')).toBe(KEY);
    expect(t.browser.opened).toEqual([]);
    expect(t.prompts.asked).toEqual([]);
    expect((await t.profile())?.lastVerify?.keySource).toBe('standard input');
    t.assertScriptsUsed();
  });

  it("a rejected key is not stored, and ends with the check's exit code", async () => {
    context({ interactive: false, stdin: `${KEY}\n` });
    t.api.answerChecks(checkResult('invalid_key'));
    const { code, message, hints } = await outcomeOf(key(t.ctx, { stdin: true }));
    expect(code).toBe(3);
    expect(message).toBe('The key was not stored.');
    // A key the API rejected is not offered a way to be stored anyway.
    expect(hints).toEqual([]);
    expect(t.keychain.accounts()).toEqual([]);
    t.assertScriptsUsed();
  });

  it("a check that could not finish: the way to store it unchecked is this run's command with --no-verify, as it works here", async () => {
    context({ interactive: false, stdin: `${KEY}\n` });
    t.api.answerChecks(checkResult('network_error'));
    const check = { baseURL: 'http://127.0.0.1:18556/v1', timeoutMs: 30_000 };
    const { code, message, hints } = await outcomeOf(key(t.ctx, { stdin: true, insecureStorage: true, profile: 'work', check }));
    expect(code).toBe(6);
    expect(message).toBe('The key was not stored.');
    expect(hints).toEqual(['To store it without the live check (pipe the key in again, as you did, in place of …):  … | openai-setup key --profile work --stdin --insecure-storage --base-url http://127.0.0.1:18556/v1 --timeout 30000 --no-verify']);
    // Piped from OPENAI_API_KEY, which holds it: that pipe again.
    context({ interactive: false, stdin: `${KEY}\n`, env: { OPENAI_API_KEY: KEY } });
    t.api.answerChecks(checkResult('timeout'));
    expect((await outcomeOf(key(t.ctx, { stdin: true }))).hints).toEqual(['To store it without the live check:  printenv OPENAI_API_KEY | openai-setup key --stdin --no-verify']);
  });

  it("a rejected key that is not stored leaves the stored key's last check as it was", async () => {
    context({ interactive: false, stdin: `${KEY}\n`, keychain: { default: OTHER_KEY } });
    const lastVerify = { at: '2026-01-01T00:00:00.000Z', status: 'valid' as const, ok: true, keyHint: 'sk-proj-…000B', keySource: 'standard input', organization: 'org-kept', project: 'proj_kept', tier: '1', billing: 'ok' as const, message: 'The key works and can spend.' };
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'keychain', hint: 'sk-proj-…000B', savedAt: '2026-01-01T00:00:00.000Z' };
      p.lastVerify = lastVerify;
    });
    t.api.answerChecks(checkResult('invalid_key'));
    const { code, message } = await outcomeOf(key(t.ctx, { stdin: true }));
    expect(code).toBe(3);
    expect(message).toBe('The key was not stored.');
    expect(t.keychain.keyOf('default')).toBe(OTHER_KEY);
    expect((await t.profile())?.lastVerify).toEqual(lastVerify);
    t.assertScriptsUsed();
  });

  it('something that is not a key is refused before any request', async () => {
    context({ interactive: false, stdin: 'sess-abcdefghijklmnopqrstuvwxyz\n' });
    const { code, message } = await outcomeOf(key(t.ctx, { stdin: true }));
    expect(code).toBe(3);
    expect(message).toMatch(/^That is not an API key: this is a ChatGPT session token/);
    expect(t.api.checks).toEqual([]);
  });

  it.each([
    ['two halves of a key', `${KEY.slice(0, 30)}\n${KEY.slice(30)}\n`],
    ['the key twice, a line each', `${KEY}\r\n${KEY}\r\n`],
  ])('%s on more than one line is refused before any request, as a paste at the prompt', async (_name, stdin) => {
    context({ interactive: false, stdin });
    const { code, message } = await outcomeOf(key(t.ctx, { stdin: true }));
    expect(code).toBe(3);
    expect(message).toBe('That is not an API key: it has a line break inside: copy it again in one piece.');
    expect(t.api.checks).toEqual([]);
    expect(t.keychain.keyOf('default')).toBeUndefined();
    expect(t.prompts.holds).toBe(0);
  });

  it('without a terminal and without a usable keychain, fails naming both ways out', async () => {
    context({ interactive: false, stdin: `${KEY}\n` });
    t.keychain.failWith('no-service');
    const { code, message, hints } = await outcomeOf(key(t.ctx, { stdin: true }));
    expect(code).toBe(7);
    expect(message).toMatch(/^No Secret Service keyring is running on this machine .* The key was not stored\.$/);
    expect(hints.join('\n')).toContain("export OPENAI_API_KEY='<your key>'");
    // The last resort as a whole command that works as printed: the key piped in again as it was
    // (OPENAI_API_KEY is not set here: a pipe of it would give nothing).
    expect(hints.at(-1)).toBe('or, as a last resort, keep it in a file readable only by you (pipe the key in again, as you did, in place of …):  … | openai-setup key --stdin --insecure-storage');
    expect(t.api.checks).toEqual([]);
  });

  it('without a keychain, a key piped from OPENAI_API_KEY (the CI case) is piped from it again: the command works as printed', async () => {
    context({ interactive: false, stdin: `${KEY}\n`, env: { OPENAI_API_KEY: KEY } });
    t.keychain.failWith('no-service');
    const { code, hints } = await outcomeOf(key(t.ctx, { stdin: true, verify: false }));
    expect(code).toBe(7);
    expect(hints.at(-1)).toBe('or, as a last resort, keep it in a file readable only by you:  printenv OPENAI_API_KEY | openai-setup key --stdin --insecure-storage --no-verify');
    // Another key piped than the variable holds: its source is the person's own, a placeholder.
    context({ interactive: false, stdin: `${testKey('B')}\n`, env: { OPENAI_API_KEY: KEY } });
    t.keychain.failWith('no-service');
    const other = await outcomeOf(key(t.ctx, { stdin: true, verify: false }));
    expect(other.hints.at(-1)).toBe('or, as a last resort, keep it in a file readable only by you (pipe the key in again, as you did, in place of …):  … | openai-setup key --stdin --insecure-storage --no-verify');
  });

  it('without a terminal, OPENAI_API_KEY holding no key is not named to pipe in (`key --stdin` would refuse it)', async () => {
    for (const value of ['hello', ` ${KEY}`]) {
      context({ interactive: false, env: { OPENAI_API_KEY: value } });
      const { code, hints } = await outcomeOf(key(t.ctx, { insecureStorage: true }));
      expect(code).toBe(2);
      expect(hints).toEqual(['Instead, store it (pipe the key in, in place of …):  … | openai-setup key --stdin --insecure-storage']);
    }
  });
});

describe('the file you set OPENAI_API_KEY in yourself is the one your shell reads', () => {
  /** The hint of `key --stdin` with no keychain and no terminal that says where to set it yourself. */
  async function setItYourself(env: Record<string, string>, home?: (dir: string) => void): Promise<string> {
    context({ interactive: false, stdin: `${KEY}\n`, env });
    const dir = join(dirname(t.cwd), 'home');
    mkdirSync(dir);
    home?.(dir);
    t.ctx.rawEnv.HOME = dir;
    for (const [name, value] of Object.entries(env)) t.ctx.rawEnv[name] = value.replace('$HOME', dir);
    t.keychain.failWith('no-service');
    const { code, hints } = await outcomeOf(key(t.ctx, { stdin: true }));
    expect(code).toBe(7);
    return hints.find((hint) => hint.includes('yourself'))!;
  }

  it('zsh with ZDOTDIR: $ZDOTDIR/.zshrc, as import looks there', async () => {
    expect(await setItYourself({ SHELL: '/bin/zsh', ZDOTDIR: '$HOME/.config/zsh' })).toBe("Either set the key yourself in your shell profile (~/.config/zsh/.zshrc):  export OPENAI_API_KEY='<your key>'");
    expect(await setItYourself({ SHELL: '/bin/zsh', ZDOTDIR: '/etc/zsh by me' })).toBe("Either set the key yourself in your shell profile ('/etc/zsh by me/.zshrc'):  export OPENAI_API_KEY='<your key>'");
  });

  it('fish with XDG_CONFIG_HOME: $XDG_CONFIG_HOME/fish/config.fish', async () => {
    expect(await setItYourself({ SHELL: '/usr/bin/fish', XDG_CONFIG_HOME: '$HOME/cfg' })).toBe("Either set the key yourself in your shell profile (~/cfg/fish/config.fish):  set -gx OPENAI_API_KEY '<your key>'");
  });

  it('tcsh and csh: setenv, in ~/.tcshrc when tcsh has one, else ~/.cshrc (never `export` in ~/.profile)', async () => {
    expect(await setItYourself({ SHELL: '/bin/tcsh' })).toBe("Either set the key yourself in your shell profile (~/.cshrc):  setenv OPENAI_API_KEY '<your key>'");
    expect(await setItYourself({ SHELL: '/bin/tcsh' }, (home) => writeFileSync(join(home, '.tcshrc'), ''))).toBe("Either set the key yourself in your shell profile (~/.tcshrc):  setenv OPENAI_API_KEY '<your key>'");
    expect(await setItYourself({ SHELL: '/bin/csh' }, (home) => writeFileSync(join(home, '.tcshrc'), ''))).toBe("Either set the key yourself in your shell profile (~/.cshrc):  setenv OPENAI_API_KEY '<your key>'");
  });
});

describe('key without a terminal', () => {
  it('is a usage error that names --stdin, before anything is shown or asked', async () => {
    context({ interactive: false });
    const { code, message, hints } = await outcomeOf(key(t.ctx, {}));
    expect(code).toBe(2);
    expect(message).toBe('Pasting a key needs an interactive terminal.');
    // OPENAI_API_KEY is not set: a pipe of it would store nothing; and `key` itself would fail here again.
    expect(hints).toEqual(['Instead, store it (pipe the key in, in place of …):  … | openai-setup key --stdin']);
    expect(t.browser.opened).toEqual([]);
    // Only the probe that decides which pipe works here: nothing stored, nothing read.
    expect(t.keychain.calls.filter((c) => !c.account.startsWith('__probe__.'))).toEqual([]);
  });

  it('with OPENAI_API_KEY set, names the pipe of it (with --no-verify and the server given, repeated)', async () => {
    context({ interactive: false, env: { OPENAI_API_KEY: KEY } });
    const { code, hints } = await outcomeOf(key(t.ctx, { verify: false, check: { baseURL: 'http://127.0.0.1:18556/v1' } }));
    expect(code).toBe(2);
    expect(hints).toEqual(['Pipe it in instead:  printenv OPENAI_API_KEY | openai-setup key --stdin --base-url http://127.0.0.1:18556/v1 --no-verify']);
  });

  it('without a keychain either, names the pipe that works here: into a file only you can read (as verify and token do)', async () => {
    context({ interactive: false });
    t.keychain.failWith('no-service');
    const { code, hints } = await outcomeOf(key(t.ctx, { profile: 'nc' }));
    expect(code).toBe(2);
    expect(hints).toHaveLength(1);
    expect(hints[0]).toMatch(/^No Secret Service keyring is running on this machine .* Keep it in a file only you can read \(pipe the key in, in place of …\): {2}… \| openai-setup key --profile nc --stdin --insecure-storage$/);
  });

  it('with --insecure-storage given, repeats it and does not touch the keychain', async () => {
    context({ interactive: false });
    const { hints } = await outcomeOf(key(t.ctx, { insecureStorage: true }));
    expect(hints).toEqual(['Instead, store it (pipe the key in, in place of …):  … | openai-setup key --stdin --insecure-storage']);
    expect(t.keychain.calls).toEqual([]);
  });

  it('with stdin a terminal but stdout not (nothing is asked there either): how it asks "at a terminal"', async () => {
    context({ stdoutIsTTY: false });
    const { code, message, hints } = await outcomeOf(key(t.ctx, {}));
    expect(code).toBe(2);
    expect(message).toBe('Pasting a key needs an interactive terminal.');
    expect(hints).toEqual(['Instead, store it (at a terminal it asks for the key, hidden; or pipe the key into it with --stdin):  openai-setup key']);
  });
});

describe('key on a terminal where OPENAI_SETUP_NO_PROMPT turned questions off', () => {
  /** The test context on a terminal (stdin and stdout), with OPENAI_SETUP_NO_PROMPT as given. */
  function onTerminal(options: TestContextOptions, noPrompt: string): TestContext {
    context(options);
    const stream = { write: () => true, isTTY: options.interactive ?? true, columns: 400 };
    t.ctx.term = createTerminal({ stdout: stream, stderr: stream, stdin: { isTTY: options.interactive ?? true }, env: { NO_COLOR: '1', OPENAI_SETUP_NO_PROMPT: noPrompt } });
    return t;
  }

  // Run again here as it is, `key` would not ask either: the advice says what makes it work.
  it('does not recommend the command that just failed as it is: it asks once the variable is unset, or takes --stdin', async () => {
    onTerminal({}, '1');
    const { code, message, hints } = await outcomeOf(key(t.ctx, { profile: 'work' }));
    expect(code).toBe(2);
    expect(message).toBe('Pasting a key asks a question, but OPENAI_SETUP_NO_PROMPT is set.');
    expect(hints).toEqual(['Instead, store it (it asks for the key, hidden, once OPENAI_SETUP_NO_PROMPT is unset; or pipe the key into it with --stdin):  openai-setup key --profile work']);
  });

  it('without a keychain either: the same, into a file only you can read', async () => {
    onTerminal({}, 'yes');
    t.keychain.failWith('no-service');
    const { hints } = await outcomeOf(key(t.ctx, {}));
    expect(hints).toHaveLength(1);
    expect(hints[0]).toMatch(/^No Secret Service keyring is running on this machine .* Keep it in a file only you can read \(it asks for the key, hidden, once OPENAI_SETUP_NO_PROMPT is unset; or pipe the key into it with --stdin\): {2}openai-setup key --insecure-storage$/);
  });

  it('with OPENAI_API_KEY set: the pipe of it, as before', async () => {
    onTerminal({ env: { OPENAI_API_KEY: KEY } }, '1');
    const { hints } = await outcomeOf(key(t.ctx, {}));
    expect(hints).toEqual(['Pipe it in instead:  printenv OPENAI_API_KEY | openai-setup key --stdin']);
  });

  it('without a terminal the variable changes nothing: the pipe, as there without it', async () => {
    onTerminal({ interactive: false }, '1');
    const { message, hints } = await outcomeOf(key(t.ctx, {}));
    expect(message).toBe('Pasting a key needs an interactive terminal.');
    expect(hints).toEqual(['Instead, store it (pipe the key in, in place of …):  … | openai-setup key --stdin']);
  });
});

describe('key: a progress file this build cannot change', () => {
  it('written by a newer openai-setup: exit 7 before anything is checked or stored, the file as it was', async () => {
    context({ interactive: false, stdin: `${KEY}\n` });
    mkdirSync(t.ctx.configDir, { recursive: true, mode: 0o700 });
    const path = join(t.ctx.configDir, 'state.json');
    const newer = JSON.stringify({ version: 99, profiles: {} });
    writeFileSync(path, newer, { mode: 0o600 });
    const { code, message } = await outcomeOf(key(t.ctx, { stdin: true }));
    expect(code).toBe(7);
    expect(message).toMatch(/was written by a newer openai-setup/);
    expect(t.api.checks).toEqual([]);
    expect(t.keychain.keyOf('default')).toBeUndefined();
    expect(readFileSync(path, 'utf8')).toBe(newer);
  });
});

// `openai-setup logout`: remove the stored key from the keychain and the file, after a confirm.
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as logout } from '../../src/commands/logout.js';
import { run as profiles } from '../../src/commands/profiles.js';
import { maskKey } from '../../src/keys/format.js';
import { PAGES } from '../../src/platform.js';
import { anotherRun } from '../helpers/store-faults.js';
import { makeTestContext, outcomeOf, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';

const KEY = testKey('A');
const REMOVE = 'Remove sk-proj-…000A of profile "default" from this machine?';
const REVOKE = `The key itself still works until you revoke it on the API keys page: ${PAGES.keys.url}`;

let t: TestContext;
afterEach(() => t?.cleanup());

function context(options: TestContextOptions = {}): TestContext {
  t = makeTestContext(options);
  return t;
}

/** A key stored by `openai-setup key`: in the keychain, and its hint and stage in the state file. */
async function stored(profile = 'default', key = KEY): Promise<void> {
  await t.keychain.setPassword('openai-setup', profile, key);
  await t.ctx.state.updateProfile(profile, (p) => {
    p.key = { storage: 'keychain', hint: 'sk-proj-…000A', savedAt: '2026-01-01T00:00:00.000Z' };
    p.stages.key = { doneAt: '2026-01-01T00:00:00.000Z' };
    p.stages.login = { doneAt: '2026-01-01T00:00:00.000Z' };
  });
}

describe('logout', () => {
  it('asks, then removes the key from the keychain and forgets it in the state file', async () => {
    context();
    await stored();
    t.prompts.whenConfirm(REMOVE, true);

    expect(await logout(t.ctx, { yes: false })).toBe(0);

    expect(t.keychain.accounts()).toEqual([]);
    const profile = await t.profile();
    expect(profile?.key).toBeUndefined();
    expect(profile?.stages).toEqual({ login: { doneAt: '2026-01-01T00:00:00.000Z' } });
    expect(t.stdout).toBe(`✔ Removed sk-proj-…000A from the Secret Service keyring.\n${REVOKE}\n`);
    t.assertScriptsUsed();
  });

  it('a user key (sk-None-, legacy sk-) is to be revoked on your user API keys page, not the API keys page', async () => {
    for (const key of [makeKey('none', 'unit-logout-user'), makeKey('legacy', 'unit-logout-user')]) {
      context();
      await stored('default', key);
      expect(await logout(t.ctx, { yes: true })).toBe(0);
      expect(t.stdout).toContain('The key itself still works until you revoke it on your user API keys page: https://platform.openai.com/settings/profile/api-keys\n');
      expect(t.stdout).not.toContain(PAGES.keys.url);
      await t.cleanup();
    }
  });

  it('a "no" removes nothing', async () => {
    context();
    await stored();
    t.prompts.whenConfirm(REMOVE, false);
    expect(await logout(t.ctx, { yes: false })).toBe(0);
    expect(t.stdout).toBe('Nothing removed.\n');
    expect(t.keychain.keyOf('default')).toBe(KEY);
    expect((await t.profile())?.key).toBeDefined();
    t.assertScriptsUsed();
  });

  it('--yes removes without asking, only from the profile given', async () => {
    context();
    await stored('default');
    await stored('work', testKey('W'));
    expect(await logout(t.ctx, { profile: 'work', yes: true })).toBe(0);
    expect(t.prompts.asked).toEqual([]);
    expect(t.keychain.accounts()).toEqual(['default']);
  });

  it('removes a key kept with --insecure-storage too, and the file with it', async () => {
    context();
    await stored();
    await t.ctx.keys.set('default', KEY, true);
    // A copy left in the keychain by another tool or an older version.
    await t.keychain.setPassword('openai-setup', 'default', KEY);
    expect(await logout(t.ctx, { yes: true })).toBe(0);
    expect(t.keychain.accounts()).toEqual([]);
    expect(t.stdout).toContain('✔ Removed sk-proj-…000A from the Secret Service keyring.');
    expect(t.stdout).toContain(`✔ Removed sk-proj-…000A from ${join(t.configDir, 'credentials.json')}.`);
    expect(existsSync(join(t.configDir, 'credentials.json'))).toBe(false);
  });

  it('a key another run removed while this one asked: says nothing was left to remove (exit 0), not a removal', async () => {
    context();
    await stored();
    t.prompts.whenConfirm(REMOVE, true);
    // A second `logout --yes` finishes while the question is open: the key and its record are gone.
    const confirm = t.prompts.confirm.bind(t.prompts);
    t.prompts.confirm = async (...args) => {
      const answer = await confirm(...args);
      await t.keychain.deletePassword('openai-setup', 'default');
      await t.ctx.state.updateProfile('default', (p) => {
        delete p.key;
        delete p.stages.key;
      });
      return answer;
    };

    expect(await logout(t.ctx, { yes: false })).toBe(0);

    expect(t.stdout).toBe('No key is stored for profile "default" any more (sk-proj-…000A was removed meanwhile, by another run); nothing was left to remove.\n');
    expect(t.stderr).toBe('');
    expect(t.keychain.accounts()).toEqual([]);
    expect((await t.profile())?.key).toBeUndefined();
    t.assertScriptsUsed();
  });

  /** `key` in another run: `key` stored in place of what is there (the file with --insecure-storage), and recorded. */
  async function storedByAnotherRun(key: string, storage: 'keychain' | 'file'): Promise<void> {
    const other = anotherRun(t);
    await other.keys.set('default', key, storage === 'file');
    await other.state.updateProfile('default', (p) => {
      p.key = { storage, hint: maskKey(key), savedAt: '2026-01-02T00:00:00.000Z' };
    });
  }

  it('a key another run stored while this one asked: nothing removed (exit 7), the key stored now named, not the one asked about as removed', async () => {
    context();
    await stored();
    const OTHER = testKey('B');
    t.prompts.whenConfirm(REMOVE, true);
    // `key` in another terminal stores a new key while the question is open.
    const confirm = t.prompts.confirm.bind(t.prompts);
    t.prompts.confirm = async (...args) => {
      const answer = await confirm(...args);
      await storedByAnotherRun(OTHER, 'keychain');
      return answer;
    };

    const { code, message, hints } = await outcomeOf(logout(t.ctx, { yes: false }));

    expect(code).toBe(7);
    expect(message).toBe(
      'The key stored for profile "default" changed while logout ran (it is now sk-proj-…000B, in the Secret Service keyring; another run stored it), so nothing was removed. To remove sk-proj-…000B, run `openai-setup logout` again.',
    );
    expect(hints).toEqual([]);
    expect(t.stdout).toBe('');
    // The key the other run stored stays, recorded as it left it.
    expect(t.keychain.keyOf('default')).toBe(OTHER);
    const profile = await t.profile();
    expect(profile?.key?.hint).toBe('sk-proj-…000B');
    expect(profile?.keyChangeStartedAt).toBeUndefined();
    t.assertScriptsUsed();
  });

  it('--yes with --insecure-storage: a key another run stored after this one looked stays, and the one looked at is not named as removed', async () => {
    context({ interactive: false });
    const OTHER = testKey('B');
    await t.ctx.keys.set('default', KEY, true);
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'file', hint: 'sk-proj-…000A', savedAt: '2026-01-01T00:00:00.000Z' };
      p.stages.key = { doneAt: '2026-01-01T00:00:00.000Z' };
    });
    // `echo $K2 | openai-setup key --stdin --insecure-storage` at the same time: done just after logout looked.
    const get = t.ctx.keys.get.bind(t.ctx.keys);
    let looked = false;
    t.ctx.keys.get = async (account) => {
      const found = await get(account);
      if (account === 'default' && !looked) {
        looked = true;
        await storedByAnotherRun(OTHER, 'file');
      }
      return found;
    };

    const { code, message } = await outcomeOf(logout(t.ctx, { yes: true }));

    expect(code).toBe(7);
    const file = join(t.configDir, 'credentials.json');
    expect(message).toBe(
      `The key stored for profile "default" changed while logout ran (it is now sk-proj-…000B, in ${file}; another run stored it), so nothing was removed. To remove sk-proj-…000B, run \`openai-setup logout\` again.`,
    );
    expect(t.stdout).not.toContain('Removed');
    expect(JSON.parse(readFileSync(file, 'utf8')).keys).toEqual({ default: OTHER });
    expect((await t.profile())?.key?.hint).toBe('sk-proj-…000B');
  });

  it('with nothing stored, asks nothing and says so', async () => {
    context();
    expect(await logout(t.ctx, { yes: false })).toBe(0);
    expect(t.prompts.asked).toEqual([]);
    expect(t.stdout).toBe('No key is stored for profile "default"; nothing to remove.\n');
    t.assertScriptsUsed();
  });

  it('a profile with nothing stored (a typo): says so, and the state file is left exactly as it was', async () => {
    context({ interactive: false });
    await stored();
    const statePath = join(t.configDir, 'state.json');
    const before = readFileSync(statePath, 'utf8');
    expect(await logout(t.ctx, { profile: 'typo123', yes: true })).toBe(0);
    expect(t.stdout).toBe('No key is stored for profile "typo123"; nothing to remove.\n');
    expect(readFileSync(statePath, 'utf8')).toBe(before);
    expect(await profiles(t.ctx, { json: false, names: true })).toBe(0);
    expect(t.stdout.split('\n').slice(1)).toEqual(['default', '']);
  });

  it('nothing stored and no state file: none is made', async () => {
    context({ interactive: false });
    expect(await logout(t.ctx, { profile: 'typo123', yes: true })).toBe(0);
    expect(existsSync(join(t.configDir, 'state.json'))).toBe(false);
  });

  it('with a stale record in the state file but no key anywhere, forgets the record', async () => {
    context();
    await stored();
    await t.keychain.deletePassword('openai-setup', 'default');
    expect(await logout(t.ctx, { yes: true })).toBe(0);
    expect((await t.profile())?.key).toBeUndefined();
  });

  it('without a terminal: a usage error naming --yes, and nothing removed', async () => {
    context({ interactive: false });
    await stored();
    const { code, message } = await outcomeOf(logout(t.ctx, { yes: false }));
    expect(code).toBe(2);
    expect(message).toBe('This needs an answer, but there is no interactive terminal. Pass --yes to remove it without asking.');
    expect(t.keychain.keyOf('default')).toBe(KEY);
  });

  it('a locked keychain: exit code 7, and nothing removed from it', async () => {
    context();
    await stored();
    t.keychain.failWith('locked');
    const { code, message } = await outcomeOf(logout(t.ctx, { yes: true }));
    expect(code).toBe(7);
    expect(message).toBe('The Secret Service keyring is locked and could not be unlocked from here. Nothing was removed.');
    expect(t.keychain.keyOf('default')).toBe(KEY);
  });

  // The state file must not forget a key that is still in the keychain (`status` and the wizard
  // would then act as if none were stored).
  it('no Secret Service here, the key recorded as in it: exit 7 saying where it is, not "nothing to remove"; the record stays', async () => {
    context({ interactive: false });
    await stored('work');
    t.keychain.failWith('no-service');
    const { code, message, hints } = await outcomeOf(logout(t.ctx, { profile: 'work', yes: true }));
    expect(code).toBe(7);
    expect(message).toBe(
      'The key stored for profile "work" (sk-proj-…000A) is in the Secret Service keyring, which is not running here (common over SSH, in containers and on WSL): it cannot be removed from here. Nothing was removed.',
    );
    expect(hints).toEqual(['Run `openai-setup logout --profile work` where the Secret Service keyring is (your desktop session).']);
    expect(t.stdout).not.toContain('nothing to remove');
    expect(t.keychain.keyOf('work')).toBe(KEY);
    const profile = (await t.ctx.state.read()).profiles.work;
    expect(profile?.key).toMatchObject({ storage: 'keychain', hint: 'sk-proj-…000A' });
    expect(profile?.stages.key).toBeDefined();
  });

  it('logout --admin: no Secret Service here, the admin key recorded as in it: exit 7 saying where it is; the record stays', async () => {
    context({ interactive: false });
    const ADMIN = testKey('B').replace('sk-proj-', 'sk-admin-');
    await t.keychain.setPassword('openai-setup', 'work:admin', ADMIN);
    await t.ctx.state.updateProfile('work', (p) => {
      p.adminKey = { storage: 'keychain', hint: 'sk-admin-…000B', savedAt: '2026-01-01T00:00:00.000Z' };
    });
    t.keychain.failWith('no-service');
    const { code, message, hints } = await outcomeOf(logout(t.ctx, { profile: 'work', yes: true, admin: true }));
    expect(code).toBe(7);
    expect(message).toBe(
      'The admin key of profile "work" (sk-admin-…000B) is in the Secret Service keyring, which is not running here (common over SSH, in containers and on WSL): it cannot be removed from here. Nothing was removed.',
    );
    expect(hints).toEqual(['Run `openai-setup logout --admin --profile work` where the Secret Service keyring is (your desktop session).']);
    expect(t.stdout).not.toContain('nothing to remove');
    expect(t.keychain.keyOf('work:admin')).toBe(ADMIN);
    expect((await t.ctx.state.read()).profiles.work?.adminKey).toMatchObject({ storage: 'keychain', hint: 'sk-admin-…000B' });
  });

  it('no Secret Service here and nothing recorded in it: still "nothing to remove" (exit 0)', async () => {
    context({ interactive: false });
    t.keychain.failWith('no-service');
    expect(await logout(t.ctx, { yes: true })).toBe(0);
    expect(t.stdout).toContain('No key is stored for profile "default"; nothing to remove.');
  });

  it('a locked keychain: the state file still records the key it could not remove', async () => {
    context();
    await stored();
    t.keychain.failWith('locked');
    await outcomeOf(logout(t.ctx, { yes: true }));
    const profile = await t.profile();
    expect(profile?.key?.hint).toBe('sk-proj-…000A');
    expect(profile?.stages.key).toBeDefined();
  });

  it('a keychain that locks before the removal: exit 7, how to unlock it, the key and its record kept', async () => {
    context();
    await stored();
    t.keychain.failWith('locked', { ops: ['delete'] });
    const { code, message, hints } = await outcomeOf(logout(t.ctx, { yes: true }));
    expect(code).toBe(7);
    expect(message).toMatch(/locked .*sk-proj-…000A was not removed\.$/);
    expect(hints).toEqual([expect.stringMatching(/^Unlock it: /)]);
    expect(t.keychain.keyOf('default')).toBe(KEY);
    expect((await t.profile())?.key?.hint).toBe('sk-proj-…000A');
  });

  it('removes temp files that killed runs left (one may hold a key), and says so', async () => {
    context();
    await stored();
    // What a run killed between writing its temp file and renaming it leaves behind.
    const leftover = join(t.configDir, 'credentials.json.4242.m1abc2def.tmp');
    writeFileSync(leftover, `{"keys":{"default":"${KEY}"}}`, { mode: 0o600 });
    writeFileSync(join(t.configDir, 'state.json.4242.m1abc2xyz.tmp'), '{', { mode: 0o600 });
    expect(await logout(t.ctx, { yes: true })).toBe(0);
    expect(readdirSync(t.configDir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(t.stdout).toContain(`✔ Removed 2 temporary files left by an interrupted run: ${leftover}, `);
  });

  it('removes them with no key stored too, and leaves other files alone', async () => {
    context();
    mkdirSync(t.configDir, { mode: 0o700 });
    writeFileSync(join(t.configDir, 'credentials.json.4242.m1abc2def.tmp'), `{"keys":{"default":"${KEY}"}}`, { mode: 0o600 });
    writeFileSync(join(t.configDir, 'notes.tmp'), 'mine', { mode: 0o600 });
    expect(await logout(t.ctx, { yes: true })).toBe(0);
    expect(readdirSync(t.configDir).sort()).toEqual(['notes.tmp']);
    expect(t.stdout).toContain('✔ Removed a temporary file left by an interrupted run:');
  });

  it('in a config dir of another user: nothing in it removed or written', async () => {
    context();
    mkdirSync(t.configDir, { mode: 0o700 });
    const leftover = join(t.configDir, 'credentials.json.4242.m1abc2def.tmp');
    writeFileSync(leftover, '{}', { mode: 0o600 });
    chownSync(t.configDir, 65534, 65534);
    expect(await logout(t.ctx, { yes: true })).toBe(0);
    expect(t.stdout).toBe('No key is stored for profile "default"; nothing to remove.\n');
    expect(readdirSync(t.configDir)).toEqual(['credentials.json.4242.m1abc2def.tmp']);
  });

  it('in a config dir of another user, a key file there: exit 7 naming it, and nothing removed', async () => {
    context();
    mkdirSync(t.configDir, { mode: 0o700 });
    writeFileSync(join(t.configDir, 'credentials.json'), `{"version":1,"keys":{"default":"${KEY}"}}`, { mode: 0o600 });
    chownSync(t.configDir, 65534, 65534);
    const { code, message } = await outcomeOf(logout(t.ctx, { yes: true }));
    expect(code).toBe(7);
    expect(message).toMatch(/belongs to another user/);
    expect(readdirSync(t.configDir)).toEqual(['credentials.json']);
  });
});

describe('logout and the last check', () => {
  it('forgets the last check of the key it removed: status must not show it as working', async () => {
    context();
    await stored();
    await t.ctx.state.updateProfile('default', (p) => {
      p.lastVerify = { at: '2026-01-01T00:00:00.000Z', status: 'valid', ok: true, keyHint: 'sk-proj-…000A', keySource: 'the keychain (profile default)', organization: null, project: null, tier: null, billing: 'ok', message: 'The key works and can spend.' };
    });
    expect(await logout(t.ctx, { yes: true })).toBe(0);
    expect((await t.profile())?.lastVerify).toBeUndefined();
  });
});

describe('logout and the files `env --file` wrote the key into', () => {
  it('names them once the key is removed, without the key, and leaves them as they are', async () => {
    context();
    await stored();
    const dotenv = join(t.cwd, '.env');
    writeFileSync(dotenv, `OPENAI_API_KEY=${KEY}\n`, { mode: 0o600 });
    await t.ctx.state.updateProfile('default', (p) => {
      p.envFiles = [dotenv, join(t.cwd, 'gone.env')];
    });
    expect(await logout(t.ctx, { yes: true })).toBe(0);
    expect(t.keychain.accounts()).toEqual([]);
    expect(t.stdout).toBe(
      `✔ Removed sk-proj-…000A from the Secret Service keyring.\n! sk-proj-…000A is still in .env:1 (written by \`openai-setup env --file .env\`, as you asked): remove it there if nothing needs it any more.\n${REVOKE}\n`,
    );
    expect(readFileSync(dotenv, 'utf8')).toBe(`OPENAI_API_KEY=${KEY}\n`);
  });
});

describe('logout removes a profile once nothing of it is stored', () => {
  const AT = '2026-01-01T00:00:00.000Z';
  const names = async () => {
    const before = t.stdout.length;
    expect(await profiles(t.ctx, { json: false, names: true })).toBe(0);
    return t.stdout.slice(before).split('\n').filter(Boolean);
  };

  it('a profile with an old key rotate could not revoke stays: that live key is named by status and revoked by the next rotate', async () => {
    context();
    await stored();
    await t.ctx.state.updateProfile('work', (p) => {
      p.pendingRevokes = [{ at: AT, keyHint: 'sk-proj-…Ab12', projectId: 'proj_Pending0000000000000000', keyId: 'key_Pending000000000', serviceAccountId: null, serviceAccountName: null }];
    });
    expect(await logout(t.ctx, { profile: 'work', yes: true })).toBe(0);
    expect(t.stdout).not.toContain('Removed profile');
    expect((await t.profile('work'))?.pendingRevokes).toHaveLength(1);
    expect(await names()).toContain('work');
  });

  it('a profile a typo made (nothing recorded): removed without asking, and no longer listed', async () => {
    context();
    await stored();
    await t.ctx.state.updateProfile('wrk3', () => {});
    expect(await names()).toEqual(['default', 'wrk3']);
    expect(await logout(t.ctx, { profile: 'wrk3', yes: false })).toBe(0);
    expect(t.prompts.asked).toEqual([]);
    expect(t.stdout).toContain('\n✔ Removed profile "wrk3": no key was stored for it, and `openai-setup profiles` no longer lists it.\n');
    expect(await t.profile('wrk3')).toBeUndefined();
    expect(await names()).toEqual(['default']);
    t.assertScriptsUsed();
  });

  it('one with only progress recorded (login --done -p wrk4): asked first; the account stage it held stays with the profiles that showed it', async () => {
    context();
    await t.ctx.state.updateProfile('wrk4', (p) => {
      p.stages.login = { doneAt: AT };
    });
    t.prompts.whenConfirm('Remove profile "wrk4"? No key is stored for it; what is recorded of it is forgotten (stage login).', true);
    expect(await logout(t.ctx, { profile: 'wrk4', yes: false })).toBe(0);
    expect(await names()).toEqual(['default']);
    // The default profile showed login done through wrk4: it still does.
    expect((await t.profile('default'))?.stages.login).toEqual({ doneAt: AT });
    t.assertScriptsUsed();
  });

  it('without a terminal: --yes is needed to remove what is recorded of it; without it, exit 2 and it stays', async () => {
    context({ interactive: false });
    await t.ctx.state.updateProfile('wrk4', (p) => {
      p.stages.login = { doneAt: AT };
    });
    const { code, message } = await outcomeOf(logout(t.ctx, { profile: 'wrk4', yes: false }));
    expect(code).toBe(2);
    expect(message).toContain('Pass --yes to remove it without asking.');
    expect(await t.profile('wrk4')).toBeDefined();
    expect(await logout(t.ctx, { profile: 'wrk4', yes: true })).toBe(0);
    expect(await t.profile('wrk4')).toBeUndefined();
  });

  it('with its key removed, the profile goes too; the default it was is "default" again', async () => {
    context();
    await stored('work', testKey('W'));
    await t.ctx.state.update((s) => {
      s.defaultProfile = 'work';
    });
    expect(await logout(t.ctx, { profile: 'work', yes: true })).toBe(0);
    expect(t.stdout).toContain('✔ Removed profile "work": nothing of it is stored now, and `openai-setup profiles` no longer lists it.\n"default" is the default profile again (it was "work").\n');
    const state = await t.ctx.state.read();
    expect(state.defaultProfile).toBe('default');
    expect(Object.keys(state.profiles)).toEqual(['default']);
    // Its login stage is the account's: kept for the profile that showed it.
    expect(state.profiles.default?.stages).toEqual({ login: { doneAt: AT } });
    expect(await names()).toEqual(['default']);
  });

  it('with its admin key still stored, the profile stays until logout --admin removes that too', async () => {
    context();
    await stored('work', testKey('W'));
    await t.keychain.setPassword('openai-setup', 'work:admin', makeKey('admin', 'unit-logout-drop'));
    await t.ctx.state.updateProfile('work', (p) => {
      p.adminKey = { storage: 'keychain', hint: 'sk-admin-…drop', savedAt: AT };
    });
    expect(await logout(t.ctx, { profile: 'work', yes: true })).toBe(0);
    expect(t.stdout).not.toContain('Removed profile');
    expect(await names()).toEqual(['default', 'work']);
    expect(await logout(t.ctx, { profile: 'work', yes: true, admin: true })).toBe(0);
    expect(t.stdout).toContain('✔ Removed profile "work": nothing of it is stored now, and `openai-setup profiles` no longer lists it.\n');
    expect(await names()).toEqual(['default']);
  });

  it.each([
    [
      'where no Secret Service runs: the profile goes, as a second logout would take it (none here holds a copy; doctor, where one runs, records a leftover it finds)',
      { problem: 'no-service', says: 'The Secret Service keyring is not running here', profileGoes: true },
    ],
    [
      'while the keychain is locked: the profile stays (the keychain may hold a copy)',
      { problem: 'locked', says: 'The Secret Service keyring is locked', profileGoes: false },
    ],
  ] as const)('a key removed from the file %s', async (_when, { problem, says, profileGoes }) => {
    context();
    t.keychain.failWith(problem);
    await t.ctx.keys.set('work', testKey('W'), true);
    await t.ctx.state.updateProfile('work', (p) => {
      p.key = { storage: 'file', hint: maskKey(testKey('W')), savedAt: AT };
    });
    expect(await logout(t.ctx, { profile: 'work', yes: true })).toBe(0);
    expect(t.stdout).toContain(`✔ Removed ${maskKey(testKey('W'))} from ${join(t.configDir, 'credentials.json')}.`);
    // Whether the keychain holds a copy is said to be unknown, and why.
    expect(t.stderr).toContain(says);
    expect(t.stderr).toContain('could not be checked');
    if (profileGoes) {
      // Not "nothing of it is stored": the keychain was not asked.
      expect(t.stdout).toContain('✔ Removed profile "work": nothing of it is stored here now (the Secret Service keyring is not running in this session), and');
      expect(await t.profile('work')).toBeUndefined();
    } else {
      expect(t.stdout).not.toContain('Removed profile');
      expect(await t.profile('work')).toBeDefined();
    }
  });

  it('the profile named default is never removed (it is always listed)', async () => {
    context();
    await stored();
    expect(await logout(t.ctx, { yes: true })).toBe(0);
    expect(t.stdout).not.toContain('Removed profile');
    expect((await t.profile())?.stages).toEqual({ login: { doneAt: AT } });
  });
});

describe('logout of the default profile: what it says after "default" is the default again', () => {
  const AT = '2026-01-01T00:00:00.000Z';
  const TMP = testKey('T');

  /** Profile "tmp2", the default, its key in the key file (`key --insecure-storage`); "default" has a key of its own; `.env` written by `env --file` for tmp2. */
  async function tmp2InFile(): Promise<string> {
    await t.ctx.keys.set('default', KEY, true);
    await t.ctx.keys.set('tmp2', TMP, true);
    const dotenv = join(t.cwd, '.env');
    writeFileSync(dotenv, `OPENAI_API_KEY=${TMP}\n`, { mode: 0o600 });
    await t.ctx.state.update((s) => {
      s.defaultProfile = 'tmp2';
      s.profiles.default = { stages: {}, key: { storage: 'file', hint: maskKey(KEY), savedAt: AT } };
      s.profiles.tmp2 = { stages: {}, key: { storage: 'file', hint: maskKey(TMP), savedAt: AT }, envFiles: [dotenv] };
    });
    return dotenv;
  }

  it('every command said after the default changed names --profile tmp2: run as printed, it would act on "default"', async () => {
    context();
    // A session bus without a Secret Service on it: a desktop session's may come up there.
    t.keychain.failWith('no-service');
    await tmp2InFile();
    expect(await logout(t.ctx, { profile: 'tmp2', yes: true })).toBe(0);
    expect(t.stdout).toContain('"default" is the default profile again (it was "tmp2").');
    expect(t.stderr).toContain('run `openai-setup logout --profile tmp2` where it is (your desktop session).');
    expect(t.stdout).toContain('(written by `openai-setup env --file .env --profile tmp2`, as you asked)');
    // "default"'s key is untouched.
    expect(await t.ctx.keys.fileKey('default')).toBe(KEY);
  });

  it('with OPENAI_SETUP_PROFILE choosing tmp2 here, a command for this shell still leaves --profile out; one for the desktop session names it', async () => {
    context({ env: { OPENAI_SETUP_PROFILE: 'tmp2' } });
    t.keychain.failWith('no-service');
    await tmp2InFile();
    expect(await logout(t.ctx, { yes: true })).toBe(0);
    expect(t.stdout).toContain('"default" is the default profile again (it was "tmp2").');
    expect(t.stderr).toContain('run `openai-setup logout --profile tmp2` where it is (your desktop session).');
    expect(t.stdout).toContain('(written by `openai-setup env --file .env`, as you asked)');
  });

  it('with no session bus here at all, the warning stays (SSH into a desktop looks so), and the ✔ line claims only "here"', async () => {
    context();
    t.keychain.withoutBus();
    await tmp2InFile();
    expect(await logout(t.ctx, { profile: 'tmp2', yes: true })).toBe(0);
    expect(t.stderr).toContain('! The Secret Service keyring is not running here, so whether it holds a copy of a key of profile "tmp2" could not be checked, nor such a copy removed: run `openai-setup logout --profile tmp2` where it is (your desktop session).');
    expect(t.stdout).toContain('✔ Removed profile "tmp2": nothing of it is stored here now (the Secret Service keyring is not running in this session), and `openai-setup profiles` no longer lists it.');
    expect(await t.profile('tmp2')).toBeUndefined();
  });

  it('a profile with no key (a name typed by mistake), no session bus here: "no key was stored for it here"', async () => {
    context();
    t.keychain.withoutBus();
    await t.ctx.state.updateProfile('wrk4', (p) => {
      p.stages.login = { doneAt: AT };
    });
    expect(await logout(t.ctx, { profile: 'wrk4', yes: true })).toBe(0);
    expect(t.stdout).toContain('✔ Removed profile "wrk4": no key was stored for it here (the Secret Service keyring is not running in this session), and `openai-setup profiles` no longer lists it.');
  });

  it('logout --admin with the key gone before, no session bus here: "nothing of it is stored here now"', async () => {
    context();
    t.keychain.withoutBus();
    await t.ctx.keys.set('work:admin', makeKey('admin', 'unit-logout-nobus'), true);
    await t.ctx.state.updateProfile('work', (p) => {
      p.adminKey = { storage: 'file', hint: maskKey(makeKey('admin', 'unit-logout-nobus')), savedAt: AT };
    });
    expect(await logout(t.ctx, { profile: 'work', yes: true, admin: true })).toBe(0);
    expect(t.stdout).toContain('✔ Removed profile "work": nothing of it is stored here now (the Secret Service keyring is not running in this session), and `openai-setup profiles` no longer lists it.');
  });
});

// One key stored for two profiles (`token | key --stdin --profile other`): revoking it stops it for
// both. rotate names the other profile before it revokes (in its question, or at once with --yes)
// and after, with the command that gives it the new key (a cancel once the new key is stored says
// the other profile still uses the old one, not to revoke it); logout and the key stage do not advise
// revoking a key another profile still uses. Compared by the keys themselves, not only their hints;
// a profile whose key no record names (the keychain and key file list it) is found by its key alone.
import { readdirSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as key } from '../../src/commands/key.js';
import { run as logout } from '../../src/commands/logout.js';
import { run as rotate, RotateJsonSchema, type RotateOptions } from '../../src/commands/rotate.js';
import { CancelledError } from '../../src/errors.js';
import { Interrupts } from '../../src/interrupts.js';
import { maskKey } from '../../src/keys/format.js';
import { PAGES } from '../../src/platform.js';
import { KeychainUnavailableError } from '../../src/storage/keychain.js';
import { sharingSays, sharingWords } from '../../src/storage/profile-key.js';
import { checkResult, flat, outcomeOf, type TestContext, type TestContextOptions } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { organizationWith } from '../helpers/rotatable.js';
import { FakeProcess } from '../helpers/signals.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const ADMIN = makeKey('admin', 'unit-shared');
const PROJECT = 'proj_SharedKey000000000000000';
const contexts = trackedContexts();
let count = 0;

/** `key` with one character in its middle changed: another key with the same masked hint. */
function sameHint(key: string): string {
  const at = 20;
  const other = key[at] === 'a' ? 'b' : 'a';
  return `${key.slice(0, at)}${other}${key.slice(at + 1)}`;
}

/**
 * Profiles r1 and r2 storing `shared` (r2: `r2Key`, by default the same key), both recorded; r1
 * has an admin key. `r2Unrecorded`: r2's key is stored but not recorded (its record went with a
 * damaged progress file moved aside, which is there), and the keychain lists its entries as the
 * Secret Service does.
 */
async function twoProfiles(options: TestContextOptions & { r2Key?: (shared: string) => string; r2Unrecorded?: boolean } = {}): Promise<TestContext & { shared: string; r2: string }> {
  const shared = makeKey('proj', `unit-shared-${count++}`);
  const r2 = options.r2Key ? options.r2Key(shared) : shared;
  const t = contexts.make({ admin: true, keychain: { r1: shared, r2, 'r1:admin': ADMIN }, ...options });
  if (options.r2Unrecorded) {
    Object.assign(t.keychain, { findAccounts: async () => t.keychain.accounts() });
    await movedAside(t);
  }
  organizationWith(t, { admin: ADMIN, project: PROJECT, old: shared });
  t.org.admin.setKeyMeta(shared, { name: 'laptop' });
  for (const [name, value] of options.r2Unrecorded ? ([['r1', shared]] as const) : ([['r1', shared], ['r2', r2]] as const)) {
    await t.ctx.state.updateProfile(name, (p) => {
      p.key = { storage: 'keychain', hint: maskKey(value), savedAt: '2026-03-01T00:00:00.000Z' };
      p.lastVerify = { at: '2026-03-01T00:00:00.000Z', status: 'valid', ok: true, keyHint: maskKey(value), keySource: 'x', organization: 'org-x', project: PROJECT, tier: null, billing: 'ok', message: 'The key works.' };
    });
  }
  return Object.assign(t, { shared, r2 });
}

/** A damaged progress file moved aside, as the store leaves one: records may have gone with it. */
async function movedAside(t: TestContext): Promise<void> {
  await mkdir(dirname(t.ctx.state.path), { recursive: true, mode: 0o700 });
  await writeFile(`${t.ctx.state.path}.bak-2026-03-01T00-00-00-000Z`, '{ damaged', { mode: 0o600 });
}

const options = (extra: Partial<RotateOptions> = {}): RotateOptions => ({ profile: 'r1', keepOld: false, yes: false, json: false, ...extra });

describe('rotate of a key another profile stores too', () => {
  it('--yes: named before anything is revoked, and after, with the command that gives that profile the new key', async () => {
    const t = await twoProfiles();
    const hint = maskKey(t.shared);
    expect(await rotate(t.ctx, options({ yes: true }))).toBe(0);
    expect(t.org.isLive(t.shared)).toBe(false);
    const before = `! ${hint} is to be revoked, but profile "r2" uses it too, and it stops working there as well.`;
    const after = `! Profile "r2" still stores the old key ${hint}, which no longer works; to give it the new key too:  openai-setup token --profile r1 | openai-setup key --profile r2 --stdin`;
    expect(t.stderr).toContain(before);
    expect(t.stderr).toContain(after);
    // Said before the run began to change anything, and again once the key was revoked.
    const output = t.stdout + t.stderr;
    expect(t.stderr.indexOf(before)).toBeLessThan(t.stderr.indexOf(after));
    expect(output).toContain(`✔ Revoked ${hint}`);
    // r2 still holds the old key; nothing of it was changed.
    expect(t.keychain.keyOf('r2')).toBe(t.shared);
  });

  it('on a terminal: both questions name the other profile', async () => {
    const t = await twoProfiles();
    const hint = maskKey(t.shared).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    t.prompts
      .whenConfirm(new RegExp(`^Rotate the key of profile "r1" \\(${hint}\\) in ${PROJECT}: a new service account's key replaces it, then it is revoked \\(profile "r2" uses it too, and it stops working there as well\\)\\?$`), true)
      .whenConfirm(new RegExp(`^Delete the old key "laptop" \\(${hint}, .*\\) from ${PROJECT}\\? It stops working at once, for profile "r2" too: programs already running with it lose access until restarted\\.$`), true);
    expect(await rotate(t.ctx, options())).toBe(0);
    expect(t.stderr).toContain(`! Profile "r2" still stores the old key ${maskKey(t.shared)}, which no longer works; to give it the new key too:`);
  });

  it('--keep-old --json: the other profile is in the warnings, the old key said to work still', async () => {
    const t = await twoProfiles();
    expect(await rotate(t.ctx, options({ yes: true, keepOld: true, json: true }))).toBe(0);
    const json = RotateJsonSchema.parse(JSON.parse(t.stdout));
    expect(json.warnings).toEqual([
      `Profile "r2" still stores the old key ${maskKey(t.shared)}, which still works until it is revoked; to give it the new key too:  openai-setup token --profile r1 | openai-setup key --profile r2 --stdin`,
    ]);
    expect(t.org.isLive(t.shared)).toBe(true);
  });

  it('another key with the same hint is not named: the keys themselves are compared', async () => {
    const t = await twoProfiles({ r2Key: sameHint });
    expect(maskKey(t.r2)).toBe(maskKey(t.shared));
    expect(t.r2).not.toBe(t.shared);
    expect(await rotate(t.ctx, options({ yes: true }))).toBe(0);
    expect(t.stdout + t.stderr).not.toContain('"r2"');
  });

  it('one whose key cannot be read to compare is named as one that may store it', async () => {
    const t = await twoProfiles();
    // r2's entry cannot be read (a keyring locked for it alone, say): only its hint matches.
    const { find } = t.ctx.keys;
    t.ctx.keys.find = async (profile) => (profile === 'r2' ? { stored: null, keychainError: new KeychainUnavailableError('locked', 'locked'), stale: null } : find.call(t.ctx.keys, profile));
    expect(await rotate(t.ctx, options({ yes: true }))).toBe(0);
    expect(t.stderr).toContain(`! ${maskKey(t.shared)} is to be revoked, but profile "r2" may use it too, and it stops working there as well.`);
    expect(t.stderr).toContain(`! Profile "r2" may still store the old key ${maskKey(t.shared)}, which no longer works;`);
  });
});

describe('a cancel of rotate once the new key is stored, the old key another profile stores too', () => {
  it('Ctrl-C at the question whether to delete the old key: the other profile is said to use it still, revoking it is not advised (--json too)', async () => {
    const t = await twoProfiles();
    const hint = maskKey(t.shared);
    t.prompts.whenConfirm(/^Rotate the key of profile "r1"/, true).whenConfirm(/^Delete the old key /, new CancelledError());
    const outcome = await outcomeOf(rotate(t.ctx, options({ json: true })));
    const stored = maskKey(t.keychain.keyOf('r1')!);
    expect(stored).not.toBe(hint);
    expect(t.org.isLive(t.shared)).toBe(true);
    const message = `Cancelled. ${stored} is stored for profile "r1" in place of ${hint}, which was not revoked and works; profile "r2" still uses it. \`openai-setup status --profile r1\` names it.`;
    expect(outcome).toEqual({ code: 130, message, hints: [] });
    const document = RotateJsonSchema.parse(JSON.parse(t.stdout));
    expect(document.message).toBe(message);
    expect(document.old?.message).toBe(`${hint} is no longer the key stored for profile "r1" but was not revoked and works; profile "r2" still uses it.`);
    expect(t.stdout + t.stderr).not.toContain('revoke it');
  });

  it('SIGINT while the old key is being looked up: the line said on leaving names the other profile, not revoking', async () => {
    const host = new FakeProcess();
    const t = await twoProfiles({ interrupts: new Interrupts(host), interactive: false });
    const admin = t.api.admin;
    t.api.admin = {
      ...admin,
      listProjectKeys: () => {
        t.ctx.interrupts.interrupt('SIGINT');
        return new Promise(() => {});
      },
    };
    void rotate(t.ctx, options({ yes: true })).catch(() => {});
    expect(await host.exited).toBe('SIGINT');
    const stored = maskKey(t.keychain.keyOf('r1')!);
    expect(host.said).toEqual([`! ${stored} is stored for profile "r1" in place of ${maskKey(t.shared)}, which was not revoked and works; profile "r2" still uses it. \`openai-setup status --profile r1\` names it.`]);
    expect(t.org.isLive(t.shared)).toBe(true);
  });
});

describe('logout and key, of a key another profile stores too', () => {
  it('logout: the key is said to be still used there, and revoking it is not advised', async () => {
    const t = await twoProfiles();
    expect(await logout(t.ctx, { profile: 'r2', yes: true })).toBe(0);
    expect(t.stdout).toContain(`✔ Removed ${maskKey(t.shared)} from the Secret Service keyring.\nThe key itself still works, and profile "r1" still uses it: leave it live while that is so.\n`);
    expect(t.stdout).not.toContain('revoke');
    expect(t.keychain.keyOf('r1')).toBe(t.shared);
  });

  it('logout of a key whose hint only another profile shares: revoking it is advised as before', async () => {
    const t = await twoProfiles({ r2Key: sameHint });
    expect(await logout(t.ctx, { profile: 'r2', yes: true })).toBe(0);
    expect(t.stdout).toContain(`The key itself still works until you revoke it on the API keys page: ${PAGES.keys.url}`);
  });

  it('key: replacing it says the other profile still uses it, not to revoke it', async () => {
    const fresh = makeKey('proj', 'unit-shared-new');
    const t = await twoProfiles({ stdin: fresh });
    t.api.answerChecks(checkResult('valid'));
    expect(await key(t.ctx, { profile: 'r1', stdin: true })).toBe(0);
    expect(t.keychain.keyOf('r1')).toBe(fresh);
    expect(flat(t.stdout)).toContain(`This replaces ${maskKey(t.shared)} for profile "r1". Profile "r2" still uses it, so leave it live while that is so.`);
    expect(t.stdout).not.toContain('revoke');
  });
});

describe('a key stored for a profile that other profiles store already (`token -p r1 | key -p r3 --stdin`)', () => {
  it('key says which profiles store the same key, and that its organization is not the one of the key it replaces', async () => {
    const t = await twoProfiles();
    const before = makeKey('proj', 'unit-shared-r3');
    await t.keychain.setPassword('openai-setup', 'r3', before);
    await t.ctx.state.updateProfile('r3', (p) => {
      p.key = { storage: 'keychain', hint: maskKey(before), savedAt: '2026-03-01T00:00:00.000Z' };
      p.lastVerify = { at: '2026-03-01T00:00:00.000Z', status: 'valid', ok: true, keyHint: maskKey(before), keySource: 'x', organization: 'org-personal', project: null, tier: null, billing: 'ok', message: 'The key works.' };
    });
    t.ctx.readStdin = async () => `${t.shared}\n`;
    t.api.answerChecks(checkResult('valid', { organization: 'org-x' }));
    expect(await key(t.ctx, { profile: 'r3', stdin: true })).toBe(0);
    expect(flat(t.stdout)).toContain(`Profiles "r1" and "r2" store the same key (${maskKey(t.shared)}): revoking it (as rotate does) stops it for all of them. Its organization is org-x; the key it replaces for profile "r3" was in org-personal.`);
    expect(t.stdout + t.stderr).not.toContain(t.shared);
  });

  it('a fresh key no other profile stores: nothing said of other profiles', async () => {
    const t = await twoProfiles({ stdin: `${makeKey('proj', 'unit-shared-alone')}\n` });
    t.api.answerChecks(checkResult('valid'));
    expect(await key(t.ctx, { profile: 'r3', stdin: true })).toBe(0);
    expect(t.stdout).not.toContain('the same key');
  });

  it('several profiles are said with a plural verb', () => {
    const sharing = ['w3', 'w2', 'w4'].map((name) => ({ name, storage: 'keychain' as const, sure: true }));
    expect(sharingWords(sharing)).toBe('profiles "w3", "w2" and "w4" still use it');
    expect(sharingWords(sharing.slice(0, 1))).toBe('profile "w3" still uses it');
    expect(sharingWords([...sharing.slice(0, 1), { name: 'w5', storage: 'file', sure: false }])).toBe('profiles "w3" and "w5" may still use it');
    expect(sharingSays(sharing.slice(0, 2), 'stores', 'store')).toBe('profiles "w3" and "w2" store');
  });

  it('rotate --yes of a key two other profiles store: the verb agrees ("use it too", not "uses")', async () => {
    const t = await twoProfiles();
    const hint = maskKey(t.shared);
    await t.ctx.keys.set('r3', t.shared, false);
    await t.ctx.state.updateProfile('r3', (p) => {
      p.key = { storage: 'keychain', hint, savedAt: '2026-03-01T00:00:00.000Z' };
    });
    expect(await rotate(t.ctx, options({ yes: true }))).toBe(0);
    expect(t.stderr).toContain(`! ${hint} is to be revoked, but profiles "r2" and "r3" use it too, and it stops working there as well.`);
  });
});

describe('another profile that stores the key with no record of it (found through the keychain and key file)', () => {
  it('rotate --yes: named before anything is revoked, and after, with the command that gives it the new key', async () => {
    const t = await twoProfiles({ r2Unrecorded: true });
    expect((await t.profile('r2'))?.key).toBeUndefined();
    const hint = maskKey(t.shared);
    expect(await rotate(t.ctx, options({ yes: true }))).toBe(0);
    expect(t.stderr).toContain(`! ${hint} is to be revoked, but profile "r2" uses it too, and it stops working there as well.`);
    expect(t.stderr).toContain(`! Profile "r2" still stores the old key ${hint}, which no longer works; to give it the new key too:  openai-setup token --profile r1 | openai-setup key --profile r2 --stdin`);
    expect(t.stdout + t.stderr).not.toContain(t.shared);
  });

  it('another key with the same hint, unrecorded, is not named', async () => {
    const t = await twoProfiles({ r2Unrecorded: true, r2Key: sameHint });
    expect(await rotate(t.ctx, options({ yes: true }))).toBe(0);
    expect(t.stdout + t.stderr).not.toContain('"r2"');
  });

  it('logout: said to be still used there, and revoking it is not advised', async () => {
    const t = await twoProfiles({ r2Unrecorded: true });
    expect(await logout(t.ctx, { profile: 'r1', yes: true })).toBe(0);
    expect(t.stdout).toContain(`The key itself still works, and profile "r2" still uses it: leave it live while that is so.\n`);
    expect(t.stdout).not.toContain('revoke');
    expect(t.keychain.keyOf('r2')).toBe(t.shared);
  });

  it('with no progress file moved aside (the config dir removed, say): rotate and logout still find it by the keychain and do not advise revoking it', async () => {
    const t = await twoProfiles({ r2Unrecorded: true });
    for (const aside of readdirSync(dirname(t.ctx.state.path)).filter((name) => name.includes('.bak-'))) rmSync(join(dirname(t.ctx.state.path), aside));
    expect(await t.ctx.state.movedAside()).toEqual([]);
    const hint = maskKey(t.shared);
    expect(await logout(t.ctx, { profile: 'r1', yes: true })).toBe(0);
    expect(t.stdout).toContain(`The key itself still works, and profile "r2" still uses it: leave it live while that is so.\n`);
    await t.ctx.keys.set('r1', t.shared, false);
    await t.ctx.state.updateProfile('r1', (p) => {
      p.key = { storage: 'keychain', hint, savedAt: '2026-03-01T00:00:00.000Z' };
    });
    expect(await rotate(t.ctx, options({ yes: true }))).toBe(0);
    expect(t.stderr).toContain(`! ${hint} is to be revoked, but profile "r2" uses it too, and it stops working there as well.`);
  });

  it('key: the notice of a new key another profile stores lists the keychain only where records were lost; what it replaces is looked up all the same', async () => {
    const fresh = makeKey('proj', 'unit-shared-whole');
    const t = await twoProfiles({ stdin: fresh });
    let listed = 0;
    Object.assign(t.keychain, { findAccounts: async () => (listed++, t.keychain.accounts()) });
    await t.ctx.keys.set('r3', fresh, false);
    t.api.answerChecks(checkResult('valid'));
    expect(await key(t.ctx, { profile: 'r1', stdin: true })).toBe(0);
    // The sweep of left-over probe entries after its write probe, and the look for other profiles
    // storing the key it replaces; none for the new key's notice.
    expect(listed).toBe(2);
    expect(t.stdout + t.stderr).not.toContain('"r3"');
    expect(flat(t.stdout)).toContain(`This replaces ${maskKey(t.shared)} for profile "r1". Profile "r2" still uses it, so leave it live while that is so.`);
  });

  it('key: one in the key file (a keychain that cannot list its entries) is found too', async () => {
    const fresh = makeKey('proj', 'unit-shared-new-file');
    const t = await twoProfiles({ stdin: fresh });
    // r2's key moved to the key file, its record gone with a progress file moved aside: only the file names it.
    await t.ctx.keys.set('r2', t.shared, true);
    await t.ctx.state.updateProfile('r2', (p) => {
      delete p.key;
    });
    await movedAside(t);
    expect(t.keychain.keyOf('r2')).toBeUndefined();
    t.api.answerChecks(checkResult('valid'));
    expect(await key(t.ctx, { profile: 'r1', stdin: true })).toBe(0);
    expect(flat(t.stdout)).toContain(`This replaces ${maskKey(t.shared)} for profile "r1". Profile "r2" still uses it, so leave it live while that is so.`);
    expect(t.stdout).not.toContain('revoke');
  });
});

// A key is stored (or removed) and recorded in state.json as one step, by key, import, admin-key
// and logout: state.json's lock is held across both. So a lock another run holds means nothing is
// stored; a record that cannot be written puts the store back as it was (or says what is stored
// now); and concurrent runs on one profile take turns, so that what state.json records is what
// is stored. Through Context, on the real files, with an in-memory keychain.
import { describe, expect, it, vi } from 'vitest';
import { run as adminKey } from '../../src/commands/admin-key.js';
import { runImport, defaultDeps } from '../../src/commands/import.js';
import { run as key } from '../../src/commands/key.js';
import { run as logout } from '../../src/commands/logout.js';
import { maskKey } from '../../src/keys/format.js';
import { adminAccount } from '../../src/storage/admin-key.js';
import { checkResult, outcomeOf, testKey, type TestContext } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { anotherRun, holdLock, stateBack, stateInTheWay, whenStored } from '../helpers/store-faults.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

// Another run's lock is waited for 300 ms here, not 10 s: the outcome is the same.
vi.mock('../../src/storage/lock.js', async (importOriginal) => {
  const lock = await importOriginal<typeof import('../../src/storage/lock.js')>();
  return { ...lock, withFileLock: <T>(path: string, body: () => Promise<T>, _wait?: number, lockPath?: string) => lock.withFileLock(path, body, 300, lockPath) };
});

const OLD = testKey('A');
const NEW = testKey('B');
const ADMIN = makeKey('admin', 'unit-store-record');

const { make: context } = trackedContexts({ defaults: { interactive: false } });

type Storage = 'keychain' | 'file';
const insecure = (storage: Storage) => storage === 'file';

/** `key --stdin --no-verify` (--insecure-storage for the file) in `ctx`. */
const storeKey = (ctx: TestContext['ctx'], storage: Storage) => outcomeOf(key(ctx, { stdin: true, verify: false, insecureStorage: insecure(storage) }));

/** A profile with OLD stored and recorded, as `key` leaves it. */
async function withOldKey(storage: Storage): Promise<TestContext> {
  const t = context({ stdin: `${NEW}\n` });
  await t.ctx.keys.set('default', OLD, insecure(storage));
  await t.ctx.state.updateProfile('default', (p) => {
    p.key = { storage, hint: maskKey(OLD), savedAt: '2026-03-01T00:00:00.000Z' };
    p.stages.key = { doneAt: '2026-03-01T00:00:00.000Z' };
  });
  return t;
}

/** What the store holds for the profile and what state.json records agree (or both say none). */
async function expectAgree(t: TestContext, account = 'default'): Promise<void> {
  const { stored } = await t.ctx.keys.find(account);
  const profile = (await t.ctx.state.read()).profiles['default'];
  const record = account.endsWith(':admin') ? profile?.adminKey : profile?.key;
  expect(record?.hint ?? null).toBe(stored ? maskKey(stored.key) : null);
  expect(record?.storage ?? null).toBe(stored?.storage ?? null);
}

describe('key: stored and recorded as one step', () => {
  for (const storage of ['keychain', 'file'] as const) {
    it(`another run holds state.json's lock (${storage}): exit 7 and nothing stored, the old key as it was`, async () => {
      const t = await withOldKey(storage);
      const lock = holdLock(t, 'state.json');
      const calls = t.keychain.calls.length;
      const result = await storeKey(t.ctx, storage);
      expect(result.code).toBe(7);
      expect(result.message).toMatch(new RegExp(`^sk-proj-…000B was not stored: Another run of openai-setup held ${lock} for more than 300 ms, so ${t.ctx.state.path} was not changed; .*rmdir '${lock}'$`));
      expect(t.stdout).not.toMatch(/Stored/);
      // Nothing was written to the store at all (not written and taken back).
      expect(t.keychain.calls.slice(calls).filter((c) => c.op !== 'get' && c.account === 'default')).toEqual([]);
      expect((await t.ctx.keys.find('default')).stored?.key).toBe(OLD);
      await expectAgree(t);
    });

    it(`recording fails once the key is stored (${storage}): the new key taken out, the old one put back, and it says so`, async () => {
      const t = await withOldKey(storage);
      whenStored(t, NEW, () => stateInTheWay(t));
      const result = await storeKey(t.ctx, storage);
      expect(result.code).toBe(7);
      expect(result.message).toMatch(
        new RegExp(`^sk-proj-…000B was stored, but recording that in ${t.ctx.state.path} failed \\(Could not write ${t.ctx.state.path}: .*\\), so it was taken out again and sk-proj-…000A put back: nothing was changed\\.$`),
      );
      expect(t.stdout).not.toMatch(/Stored/);
      stateBack(t);
      expect((await t.ctx.keys.find('default')).stored).toEqual({ key: OLD, storage });
      await expectAgree(t);
    });
  }

  it('when the old key cannot be put back either: what is stored now, and what to run', async () => {
    const t = await withOldKey('keychain');
    whenStored(t, NEW, () => stateInTheWay(t));
    // The write probe and the new key go in; putting the old one back is refused.
    t.keychain.failWith('locked', { ops: ['set'], after: 2 });
    const result = await storeKey(t.ctx, 'keychain');
    expect(result.code).toBe(7);
    expect(result.message).toBe(
      `Storing sk-proj-…000B worked, but recording that in ${t.ctx.state.path} failed (Could not write ${t.ctx.state.path}: it is a directory (EISDIR); move what is in the way, or set OPENAI_SETUP_CONFIG_DIR to a directory of yours), and what was stored before (sk-proj-…000A) could not be put back: sk-proj-…000B is stored now (in the Secret Service keyring), and ${t.ctx.state.path} was not changed.`,
    );
    expect(result.hints).toEqual([
      // The key came on standard input: piped in again, as this run was started (OPENAI_API_KEY is
      // not set here: a pipe of it would store nothing).
      'Once that is fixed, store the key again (pipe the key in again, as you did, in place of …):  … | openai-setup key --stdin --no-verify',
      'Or remove what is stored:  openai-setup logout',
    ]);
    expect(t.stdout + t.stderr).not.toContain(NEW);
  });
});

describe('concurrent runs on one profile: what state.json records is what is stored', () => {
  for (const storage of ['keychain', 'file'] as const) {
    it(`two runs of key (${storage}): the second, started while the first stores, waits for it; never one key stored and another recorded`, async () => {
      const t = context({ stdin: `${OLD}\n` });
      let second: Awaited<ReturnType<typeof outcomeOf>> | undefined;
      whenStored(t, OLD, async () => {
        second = await storeKey(anotherRun(t, `${NEW}\n`), storage);
      });
      expect((await storeKey(t.ctx, storage)).code).toBe(0);
      // The lock was held across storing and recording: the other run found it held.
      expect(second?.code).toBe(7);
      expect(second?.message).toMatch(/^sk-proj-…000B was not stored: Another run of openai-setup held \S+state\.json\.lock/);
      expect((await t.ctx.keys.find('default')).stored?.key).toBe(OLD);
      await expectAgree(t);
    });
  }

  it('key and logout --yes: logout started while key stores removes nothing, rather than leave a record of a key that is gone', async () => {
    const t = context({ stdin: `${OLD}\n` });
    let removed: Awaited<ReturnType<typeof outcomeOf>> | undefined;
    whenStored(t, OLD, async () => {
      removed = await outcomeOf(logout(anotherRun(t), { yes: true }));
    });
    expect((await storeKey(t.ctx, 'keychain')).code).toBe(0);
    expect(removed?.code).toBe(7);
    expect(removed?.message).toMatch(/^sk-proj-…000A was not removed: Another run of openai-setup held \S+state\.json\.lock/);
    expect(t.keychain.keyOf('default')).toBe(OLD);
    await expectAgree(t);
  });

  it('admin-key and logout --admin: the same', async () => {
    const t = context({ stdin: `${ADMIN}\n` });
    let removed: Awaited<ReturnType<typeof outcomeOf>> | undefined;
    whenStored(t, ADMIN, async () => {
      removed = await outcomeOf(logout(anotherRun(t), { yes: true, admin: true }));
    });
    expect((await outcomeOf(adminKey(t.ctx, { stdin: true, insecureStorage: false, verify: false, json: false }))).code).toBe(0);
    expect(removed?.code).toBe(7);
    expect(removed?.message).toMatch(/^The admin key sk-admin-…\S{4} was not removed: Another run of openai-setup held \S+state\.json\.lock/);
    expect(t.keychain.keyOf(adminAccount('default'))).toBe(ADMIN);
    await expectAgree(t, adminAccount('default'));
  });
});

describe('admin-key and import: stored and recorded as one step', () => {
  it('admin-key, recording fails once it is stored: taken out again, and said (no longer "stored, but its record was not written")', async () => {
    const t = context({ stdin: `${ADMIN}\n` });
    whenStored(t, ADMIN, () => stateInTheWay(t));
    const result = await outcomeOf(adminKey(t.ctx, { stdin: true, insecureStorage: false, verify: false, json: false }));
    expect(result.code).toBe(7);
    expect(result.message).toMatch(new RegExp(`^The admin key sk-admin-…\\S{4} was stored, but recording that in ${t.ctx.state.path} failed \\(.*\\), so it was taken out again: nothing was changed\\.$`));
    expect(t.keychain.keyOf(adminAccount('default'))).toBeUndefined();
  });

  it('admin-key while another run holds state.json\'s lock: nothing stored', async () => {
    const t = context({ stdin: `${ADMIN}\n` });
    holdLock(t, 'state.json');
    const result = await outcomeOf(adminKey(t.ctx, { stdin: true, insecureStorage: false, verify: false, json: false }));
    expect(result.code).toBe(7);
    expect(result.message).toMatch(/^The admin key sk-admin-…\S{4} was not stored: Another run of openai-setup held /);
    expect(t.keychain.accounts()).toEqual([]);
  });

  /** A home with `line` in ~/.bashrc, for import --store ~/.bashrc:1. */
  function importing(t: TestContext, line: string): void {
    const home = join(dirname(t.cwd), 'home');
    mkdirSync(home);
    t.ctx.rawEnv.HOME = home;
    writeFileSync(join(home, '.bashrc'), `${line}\n`);
    t.api.answerEveryCheck(() => checkResult('valid', { billing: 'unchecked' }));
  }
  const deps = { places: defaultDeps().places, fish: async () => ({ ok: true, missing: false, detail: '' }) };
  const store = { check: false, json: false, rewrite: true, yes: true, store: '~/.bashrc:1' };

  it('import --store: another run holds state.json\'s lock: nothing stored, the line left as it is', async () => {
    const t = context();
    importing(t, `export OPENAI_API_KEY=${NEW}`);
    holdLock(t, 'state.json');
    const result = await outcomeOf(runImport(t.ctx, store, deps));
    expect(result.code).toBe(7);
    expect(result.message).toMatch(/^sk-proj-…000B was not stored: Another run of openai-setup held /);
    expect(t.keychain.keyOf('default')).toBeUndefined();
    expect(readFileSync(join(t.ctx.rawEnv.HOME!, '.bashrc'), 'utf8')).toContain(NEW);
  });

  it('import --store: recording fails once it is stored: the key stored before is put back, the line left as it is', async () => {
    const t = context({ keychain: { default: OLD } });
    importing(t, `export OPENAI_API_KEY=${NEW}`);
    whenStored(t, NEW, () => stateInTheWay(t));
    const result = await outcomeOf(runImport(t.ctx, store, deps));
    expect(result.code).toBe(7);
    expect(result.message).toMatch(/^sk-proj-…000B was stored, but recording that in \S+ failed \(.*\), so it was taken out again and sk-proj-…000A put back: nothing was changed\.$/);
    expect(t.keychain.keyOf('default')).toBe(OLD);
    expect(readFileSync(join(t.ctx.rawEnv.HOME!, '.bashrc'), 'utf8')).toContain(NEW);
  });
});

describe('putting the store back when the keychain could not be read beforehand', () => {
  it('a keychain unreadable at the snapshot but written meanwhile is never called untouched or restored', async () => {
    const { changeKey, KeyChangeError } = await import('../../src/storage/key-change.js');
    const t = context();
    await t.ctx.keys.set('default', OLD, false);
    // The look before the change times out once; the write that follows goes through.
    t.keychain.failWith('timeout', { ops: ['get'], times: 1 });
    const failed = await changeKey(
      t.ctx,
      'default',
      async () => {
        await t.ctx.keys.set('default', NEW, false);
        throw new Error('the check after storing failed');
      },
      () => {},
    ).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(KeyChangeError);
    // What the keychain held before is not known, so it cannot be said to be as it was.
    expect((failed as InstanceType<typeof KeyChangeError>).putBack).toBe('failed');
  });
});

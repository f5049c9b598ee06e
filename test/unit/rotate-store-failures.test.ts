// rotate when checking, storing or recording the new key fails after it was made: another run
// holding the lock of credentials.json or state.json, a keychain that will not take the old key
// back, a check that fails with an error of the tool's own. The stored key and the progress file
// never disagree: either everything is undone (the old key stored, the new service account
// deleted) or the message says exactly where things stand.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAdminApi } from '../../src/api/admin.js';
import { proxySettings, type SdkFetch } from '../../src/api/http.js';
import { run as rotate, RotateJsonSchema, type RotateOptions } from '../../src/commands/rotate.js';
import { ReasonedExitError } from '../../src/errors.js';
import { Interrupts } from '../../src/interrupts.js';
import { maskKey } from '../../src/keys/format.js';
import { projectPageUrl } from '../../src/platform.js';
import { keychainFix, KeychainUnavailableError } from '../../src/storage/keychain.js';
import { checkResult, outcomeOf, type TestContext, type TestContextOptions } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { organizationWith, recordCheckedKey } from '../helpers/rotatable.js';
import { FakeProcess, settle } from '../helpers/signals.js';
import { holdLock, stateBack, stateInTheWay, whenStored } from '../helpers/store-faults.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

/** Set by a test: the next change of state.json ends with its lock lost (after its body ran), as withFileLock says when the machine stalled past LOCK_STALE_MS. */
const faults = vi.hoisted(() => ({ loseStateLock: false }));

// Another run's lock is waited for 300 ms here, not 10 s: the outcome is the same.
vi.mock('../../src/storage/lock.js', async (importOriginal) => {
  const lock = await importOriginal<typeof import('../../src/storage/lock.js')>();
  return {
    ...lock,
    withFileLock: async <T>(path: string, body: () => Promise<T>, _wait?: number, lockPath?: string): Promise<T> => {
      const result = await lock.withFileLock(path, body, 300, lockPath);
      if (faults.loseStateLock && path.endsWith('state.json')) {
        faults.loseStateLock = false;
        throw new lock.LockLostError(`The lock on ${path} was lost while it was being changed (the machine was too busy, or ${lockPath ?? `${path}.lock`} was removed); run again to be sure the change was kept.`);
      }
      return result;
    },
  };
});

const ADMIN = makeKey('admin', 'unit-rotate-store');
const PROJECT = 'proj_RotateStore0000000000000';
const PAGE = projectPageUrl(PROJECT, 'api-keys');
const options = (extra: Partial<RotateOptions> = {}): RotateOptions => ({ keepOld: false, yes: true, json: false, ...extra });

let keyCount = 0;
const contexts = trackedContexts();
afterEach(() => {
  faults.loseStateLock = false;
});

/** Profile "default" with a user's key of PROJECT, in the keychain or (insecure) the file, last checked. */
async function setup(storage: 'keychain' | 'file', extra: TestContextOptions = {}): Promise<TestContext & { old: string; hint: string }> {
  const old = makeKey('proj', `unit-rotate-store-${keyCount++}`);
  const t = contexts.make({ admin: true, keychain: { 'default:admin': ADMIN }, ...extra });
  await t.ctx.keys.set('default', old, storage === 'file');
  organizationWith(t, { admin: ADMIN, project: PROJECT, old });
  const hint = await recordCheckedKey(t, { old, project: PROJECT, storage });
  return Object.assign(t, { old, hint });
}

/**
 * state.json's lock held by another run from the moment the new service account is made (before
 * the create, rotate records the account it makes: with that lock held then, nothing is made).
 */
function holdStateLockOnceCreated(t: TestContext): Promise<string> {
  const admin = t.api.admin;
  let held!: (lock: string) => void;
  const lock = new Promise<string>((resolve) => (held = resolve));
  t.api.admin = {
    ...admin,
    createServiceAccount: async (...args: Parameters<typeof admin.createServiceAccount>) => {
      const made = await admin.createServiceAccount(...args);
      held(holdLock(t, 'state.json'));
      return made;
    },
  };
  return lock;
}

/** Once the new key is in the store, state.json cannot be written. */
const failRecordOnStore = (t: TestContext) => whenStored(t, (key) => key.startsWith('sk-svcacct-'), () => stateInTheWay(t));

const fileKeys = (t: TestContext) => JSON.parse(readFileSync(t.ctx.keys.filePath, 'utf8')).keys as Record<string, string>;

async function expectAllAsBefore(t: TestContext & { old: string; hint: string }): Promise<void> {
  expect(t.org.admin.serviceAccounts(PROJECT)).toEqual([]);
  expect(t.org.isLive(t.old)).toBe(true);
  const profile = await t.profile();
  expect(profile?.key?.hint).toBe(t.hint);
  expect(profile?.rotation).toBeUndefined();
  expect((await t.ctx.keys.get('default')).stored?.key).toBe(t.old);
}

describe('rotate: storing or recording the new key fails', () => {
  it('credentials.json held by another run (--insecure-storage): exit 7, the new service account deleted, the old key still stored', async () => {
    const t = await setup('file');
    const lock = holdLock(t, 'credentials.json');
    const result = await outcomeOf(rotate(t.ctx, options()));
    expect(result.code).toBe(7);
    expect(result.message).toMatch(
      new RegExp(
        `^Storing the new key failed: Another run of openai-setup held ${lock} for more than 300 ms, so ${t.ctx.keys.filePath} was not changed; .*rmdir '${lock}'\\. Nothing was stored\\. The new service account openai-setup-default-20260302T093000Z-[0-9a-f]{4} was deleted again; ${t.hint} is still stored and works\\.$`,
      ),
    );
    expect(fileKeys(t).default).toBe(t.old);
    await expectAllAsBefore(t);
  });

  for (const storage of ['keychain', 'file'] as const) {
    it(`state.json held by another run (${storage}): nothing is stored (the lock is taken first), the new service account deleted`, async () => {
      const t = await setup(storage);
      const locked = holdStateLockOnceCreated(t);
      const callsBefore = t.keychain.calls.length;
      const result = await outcomeOf(rotate(t.ctx, options()));
      const lock = await locked;
      expect(result.code).toBe(7);
      expect(result.message).toMatch(
        new RegExp(
          `^Storing the new key failed: Another run of openai-setup held ${lock} for more than 300 ms, so ${t.ctx.state.path} was not changed; .*\\. Nothing was stored\\. The new service account openai-setup-default-20260302T093000Z-[0-9a-f]{4} was deleted again; ${t.hint} is still stored and works\\.$`,
        ),
      );
      // Not stored and taken out again: never stored at all.
      expect(t.keychain.calls.slice(callsBefore).filter((c) => c.op === 'set' && c.account === 'default')).toEqual([]);
      if (storage === 'file') expect(fileKeys(t).default).toBe(t.old);
      await expectAllAsBefore(t);
    });

    it(`recording fails once the new key is stored (${storage}): the new key is taken out again, the old one put back, the new service account deleted`, async () => {
      const t = await setup(storage);
      failRecordOnStore(t);
      const result = await outcomeOf(rotate(t.ctx, options()));
      expect(result.code).toBe(7);
      const where = storage === 'keychain' ? 'the Secret Service keyring' : t.ctx.keys.filePath;
      expect(result.message).toMatch(
        new RegExp(
          `^Recording the new key in ${t.ctx.state.path} failed: Could not write ${t.ctx.state.path}: .*\\. sk-svcacct-…\\S{4} was taken out of ${where} again and ${t.hint} put back\\. The new service account openai-setup-default-20260302T093000Z-[0-9a-f]{4} was deleted again; ${t.hint} is still stored and works\\.$`,
        ),
      );
      if (storage === 'file') expect(fileKeys(t).default).toBe(t.old);
      else expect(t.keychain.keyOf('default')).toBe(t.old);
      stateBack(t);
      await expectAllAsBefore(t);
    });
  }

  it('with no old key (--project): the new key is taken out again, nothing is left stored', async () => {
    const t = contexts.make({ admin: true, keychain: { 'default:admin': ADMIN } });
    t.org.admin.addAdminKey(ADMIN);
    t.org.admin.addProject({ id: PROJECT });
    t.api.answerEveryCheck(() => checkResult('valid', { project: PROJECT }));
    await t.ctx.state.update(() => {});
    failRecordOnStore(t);
    const result = await outcomeOf(rotate(t.ctx, options({ project: PROJECT })));
    expect(result.code).toBe(7);
    expect(result.message).toMatch(/sk-svcacct-…\S{4} was taken out of the Secret Service keyring again\. The new service account \S+ was deleted again\.$/);
    expect(t.keychain.keyOf('default')).toBeUndefined();
    expect(t.org.admin.serviceAccounts(PROJECT)).toEqual([]);
  });

  it('when the old key cannot be put back either: the new service account stays (its key may be the stored one), and exactly what to run is said', async () => {
    const t = await setup('keychain');
    failRecordOnStore(t);
    // The new key is stored; putting the old one back fails.
    t.keychain.failWith('locked', { ops: ['set'], after: 1 });
    const result = await outcomeOf(rotate(t.ctx, options({ json: true })));
    expect(result.code).toBe(7);
    expect(result.message).toMatch(
      /The key stored for profile "default" could not be put back as it was: the Secret Service keyring may hold the new key sk-svcacct-…\S{4} or the old key sk-proj-…\S{4}\. Both keys still work; the new service account openai-setup-default-20260302T093000Z-[0-9a-f]{4} was left in place\.$/,
    );
    expect(result.hints).toEqual([
      'Once the Secret Service keyring can be used again, `openai-setup verify` says which key is stored:',
      expect.stringMatching(/^if it is sk-svcacct-…\S{4}, store it again to record it \(openai-setup token \| openai-setup key --stdin\) and revoke sk-proj-…\S{4} on https:\/\/platform\.openai\.com\/settings\/proj_RotateStore0000000000000\/api-keys;$/),
      expect.stringMatching(new RegExp(`^if it is ${t.hint}, delete the service account openai-setup-default-20260302T093000Z-[0-9a-f]{4} on ${PAGE.replaceAll('.', '\\.')}\\.$`)),
    ]);
    const [account] = t.org.admin.serviceAccounts(PROJECT);
    expect(account).toBeDefined();
    const stored = t.keychain.keyOf('default')!;
    expect(stored).toMatch(/^sk-svcacct-/);
    expect(t.org.isLive(stored)).toBe(true);
    expect(t.org.isLive(t.old)).toBe(true);
    const data = RotateJsonSchema.parse(JSON.parse(t.stdout));
    expect(data).toMatchObject({ ok: false, exitCode: 7, reason: 'record_failed', new: { serviceAccountId: account!.id }, old: { outcome: 'unchanged' } });
    expect(t.stdout + t.stderr).not.toContain(stored);
  });
});

describe('rotate: the keychain locked while rotate runs', () => {
  it('locked once the new service account is made: said as a locked keychain (how to unlock it), the old key still stored, the new account deleted again (exit 7, store_failed)', async () => {
    for (const json of [false, true]) {
      const t = await setup('keychain');
      // The keyring is locked (the screen locked, say) while the create is answered.
      const org = t.org.fetch;
      t.api.admin = createAdminApi({
        env: {},
        fetch: (async (input: string | URL | Request, init: RequestInit = {}) => {
          const answer = await org(input, init);
          if ((init.method ?? 'GET') === 'POST' && String(input).endsWith('/service_accounts')) t.keychain.failWith('locked');
          return answer;
        }) as unknown as SdkFetch,
      });
      const result = await outcomeOf(rotate(t.ctx, options({ json })));
      expect(result.code).toBe(7);
      expect(result.message).toMatch(
        new RegExp(
          `^Storing the new key failed: The Secret Service keyring is locked and could not be unlocked from here\. Nothing was stored\. The new service account openai-setup-default-20260302T093000Z-[0-9a-f]{4} was deleted again; ${t.hint} is still stored and works\.$`,
        ),
      );
      const unlock = keychainFix(new KeychainUnavailableError('locked', 'locked'), 'Secret Service keyring')!;
      expect(unlock).toMatch(/^Unlock it: /);
      expect(result.hints).toEqual([unlock]);
      if (json) {
        expect(RotateJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({
          ok: false,
          exitCode: 7,
          reason: 'store_failed',
          fix: unlock,
          new: null,
          old: { hint: t.hint, outcome: 'unchanged', message: `${t.hint} is still stored and works.` },
        });
      }
      expect(t.stdout + t.stderr).not.toMatch(/could not be read just before|may no longer be|answers, `/);
      // Unlocked again: the old key is where it was, and nothing else changed.
      t.keychain.failWith('locked', { ops: [] });
      await expectAllAsBefore(t);
    }
  });
});

describe('rotate: a lock of another file is not another rotate', () => {
  const refusal = /Another `openai-setup rotate` is running/;
  const writes = (t: TestContext) => t.org.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);

  it('state.json held by another run when the new key is to be stored: that lock is said, the new service account deleted again', async () => {
    const t = await setup('keychain');
    const locked = holdStateLockOnceCreated(t);
    const result = await outcomeOf(rotate(t.ctx, options({ json: true })));
    const lock = await locked;
    expect(result.code).toBe(7);
    expect(result.message).not.toMatch(refusal);
    expect(result.message).toMatch(new RegExp(`^Storing the new key failed: Another run of openai-setup held ${lock} for more than 300 ms, .* was deleted again; ${t.hint} is still stored and works\\.$`));
    const data = RotateJsonSchema.parse(JSON.parse(t.stdout));
    expect(data).toMatchObject({ ok: false, exitCode: 7, reason: 'store_failed', new: null });
    // Made, then deleted again: the organization's request log.
    const [made, deleted, ...rest] = writes(t);
    expect(made).toBe(`POST /v1/organization/projects/${PROJECT}/service_accounts`);
    expect(deleted).toMatch(new RegExp(`^DELETE /v1/organization/projects/${PROJECT}/service_accounts/\\S+$`));
    expect(rest).toEqual([]);
    await expectAllAsBefore(t);
  });

  it('state.json held by another run where the run itself takes that lock (here its check before making anything): that lock is said, not "another rotate"', async () => {
    const t = await setup('keychain');
    const lock = holdLock(t, 'state.json');
    // As if the check that state.json can be changed took its lock: a failure of it comes out of the run as it is.
    t.ctx.state.assertChangeable = () => t.ctx.state.update(() => {}).then(() => {});
    const result = await outcomeOf(rotate(t.ctx, options({ json: true })));
    expect(result.code).toBe(7);
    expect(result.message).not.toMatch(refusal);
    expect(result.message).toMatch(new RegExp(`^Another run of openai-setup held ${lock} for more than 300 ms, so ${t.ctx.state.path} was not changed; `));
    expect(RotateJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({ ok: false, exitCode: 7, reason: 'key_store', new: null });
    expect(writes(t)).toEqual([]);
    await expectAllAsBefore(t);
  });
});

describe('rotate: any other failure once the new service account exists', () => {
  const writes = (t: TestContext) => t.org.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
  const isNew = (key: string) => key.startsWith('sk-svcacct-');
  const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  // What the check could fail with, of the tool's own: the real check reads the proxy variables at
  // its first request (a malformed one is a usage error), and an error that names its own reason.
  const failures = [
    { name: 'a usage error (a malformed proxy variable)', error: () => proxySettings({ HTTPS_PROXY: 'socks5://proxy:1080' }), code: 2, reason: 'usage' },
    { name: 'an error with a reason of its own', error: () => new ReasonedExitError(6, 'The proxy refused the tunnel (HTTP 407).', ['Check the proxy settings.'], 'proxy_refused'), code: 6, reason: 'proxy_refused' },
  ];
  for (const { name, error, code, reason } of failures) {
    it(`the check of the new key fails with ${name}: its code, reason and hints are kept, the new service account deleted again, and said`, async () => {
      const t = await setup('keychain');
      let thrown: Error | undefined;
      t.api.answerEveryCheck((request) => {
        if (!isNew(request.key)) throw new Error('only the new key is checked');
        try {
          throw error();
        } catch (caught) {
          thrown = caught as Error;
          throw caught;
        }
      });
      const result = await outcomeOf(rotate(t.ctx, options({ json: true })));
      expect(result.code).toBe(code);
      expect(result.message).toMatch(
        new RegExp(`^Checking the new key failed: ${escaped(thrown!.message.replace(/\.$/, ''))}\\. The new service account openai-setup-default-20260302T093000Z-[0-9a-f]{4} was deleted again; ${escaped(t.hint)} is still stored and works\\.$`),
      );
      expect(result.hints).toEqual((thrown as ReasonedExitError).hints);
      expect(result.hints.length).toBeGreaterThan(0);
      const data = RotateJsonSchema.parse(JSON.parse(t.stdout));
      expect(data).toMatchObject({ ok: false, exitCode: code, reason, message: result.message, fix: result.hints.join('\n'), new: null, old: { hint: t.hint, outcome: 'unchanged' } });
      // Made, then deleted again, once: the organization's request log.
      expect(writes(t)).toEqual([`POST /v1/organization/projects/${PROJECT}/service_accounts`, expect.stringMatching(new RegExp(`^DELETE /v1/organization/projects/${PROJECT}/service_accounts/\\S+$`))]);
      await expectAllAsBefore(t);
    });
  }

  it("state.json's lock lost once the new key was stored and recorded: the new service account stays (its key is the stored one), and where things stand is said", async () => {
    const t = await setup('keychain');
    whenStored(t, isNew, () => {
      faults.loseStateLock = true;
    });
    const result = await outcomeOf(rotate(t.ctx, options({ json: true })));
    expect(result.code).toBe(7);
    const stored = t.keychain.keyOf('default')!;
    expect(stored).toMatch(/^sk-svcacct-/);
    const [account] = t.org.admin.serviceAccounts(PROJECT);
    expect(account).toBeDefined();
    expect(result.message).toBe(
      `The lock on ${t.ctx.state.path} was lost while it was being changed (the machine was too busy, or ${t.ctx.state.path}.lock was removed); run again to be sure the change was kept. ` +
        `${maskKey(stored)} was stored in the Secret Service keyring in place of ${t.hint}, so the new service account ${account!.name} was kept. ${t.hint} was not revoked and works: revoke it on ${PAGE} once nothing uses it.`,
    );
    expect(result.hints).toEqual(['`openai-setup verify` checks the key stored for profile "default" now.']);
    const data = RotateJsonSchema.parse(JSON.parse(t.stdout));
    expect(data).toMatchObject({
      ok: false,
      exitCode: 7,
      reason: 'key_store',
      new: { serviceAccountId: account!.id, hint: maskKey(stored), storage: 'keychain' },
      old: { hint: t.hint, outcome: 'unchanged', page: PAGE },
    });
    // Nothing deleted: the stored key works, and so does the old one.
    expect(writes(t)).toEqual([`POST /v1/organization/projects/${PROJECT}/service_accounts`]);
    expect(t.org.isLive(stored)).toBe(true);
    expect(t.org.isLive(t.old)).toBe(true);
    expect((await t.profile())?.key?.hint).toBe(maskKey(stored));
    expect(t.stdout + t.stderr).not.toContain(stored);
  });

  it("Ctrl-C while the new key is stored, and state.json's lock lost then: the key change stands, so the new service account is not deleted", async () => {
    const host = new FakeProcess();
    const t = await setup('keychain', { interrupts: new Interrupts(host), interactive: false });
    whenStored(t, isNew, async () => {
      faults.loseStateLock = true;
      t.ctx.interrupts.interrupt('SIGINT');
      await settle();
    });
    void rotate(t.ctx, options()).catch(() => {});
    expect(await host.exited).toBe('SIGINT');
    const stored = t.keychain.keyOf('default')!;
    expect(stored).toMatch(/^sk-svcacct-/);
    expect(writes(t)).toEqual([`POST /v1/organization/projects/${PROJECT}/service_accounts`]);
    expect(host.said.at(-1)).toBe(`! ${maskKey(stored)} is stored for profile "default" in place of ${t.hint}, which was not revoked and works: revoke it on ${PAGE}. \`openai-setup status\` names it until the next \`openai-setup rotate\`.`);
    expect(t.org.isLive(stored)).toBe(true);
  });
});

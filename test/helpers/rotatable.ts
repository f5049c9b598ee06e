/**
 * What rotate's unit tests start from (through a TestContext made with { admin: true }): the
 * in-memory organization knowing the admin key and the user's key, and state.json recording that
 * key as stored and last checked. Storing the keys themselves is the caller's (in the keychain
 * given to makeTestContext, or with ctx.keys.set).
 */
import { maskKey } from '../../src/keys/format.js';
import { Interrupts } from '../../src/interrupts.js';
import { KeyStore } from '../../src/storage/keystore.js';
import { releaseHeldLocks } from '../../src/storage/lock.js';
import { StateStore } from '../../src/storage/state.js';
import { checkResult, type TestContext } from './context.js';
import { FakeProcess } from './signals.js';

/**
 * `admin` an admin key of the organization, `old` a user's key of `project` ("my-app"); a live
 * check answers as the organization would: a key works until it is revoked.
 */
export function organizationWith(t: TestContext, { admin, project, old }: { admin: string; project: string; old: string }): void {
  t.org.admin.addAdminKey(admin);
  t.org.admin.addProject({ id: project, name: 'my-app' });
  t.org.addKey(old, { scenario: 'valid', project });
  t.api.answerEveryCheck((request) => (t.org.isLive(request.key) ? checkResult('valid', { project, billing: 'unchecked' }) : checkResult('invalid_key')));
}

/** Profile "default" records `old` as stored in `storage` and last checked (valid, in `project`); returns its hint. */
export async function recordCheckedKey(
  t: TestContext,
  { old, project, storage = 'keychain', keySource = 'x' }: { old: string; project: string; storage?: 'keychain' | 'file'; keySource?: string },
): Promise<string> {
  const hint = maskKey(old);
  await t.ctx.state.updateProfile('default', (p) => {
    p.key = { storage, hint, savedAt: '2026-03-01T00:00:00.000Z' };
    p.lastVerify = { at: '2026-03-01T00:00:00.000Z', status: 'valid', ok: true, keyHint: hint, keySource, organization: 'org-x', project, tier: null, billing: 'ok', message: 'The key works.' };
  });
  return hint;
}

/** The context again, as a later run on the same machine once the stopped (or killed) one is gone (its locks released as main.ts does): same keychain, state and organization, signals of its own. */
export function later(t: TestContext): TestContext {
  releaseHeldLocks();
  const interrupts = new Interrupts(new FakeProcess());
  const warn = (message: string) => t.ctx.term.err(`! ${message}`);
  const state = new StateStore(t.configDir, t.ctx.clock.now, warn, interrupts);
  t.ctx = { ...t.ctx, interrupts, state, keys: new KeyStore(t.keychain, t.configDir, warn, state) };
  return t;
}

/** A run's exit code and what it printed on stdout and stderr. */
export async function printed(t: TestContext, run: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  const [out, err] = [t.stdout.length, t.stderr.length];
  const code = await run();
  return { code, out: t.stdout.slice(out), err: t.stderr.slice(err) };
}

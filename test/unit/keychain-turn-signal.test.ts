// A signal while a key change still waits for its turn at the keychain (another run holds
// keychain.lock): nothing was asked of the keychain yet, so the wait is given up, the progress
// file's mark of a change under way is cleared, and leaving says that nothing was changed, not
// that the key stored may not be the one recorded. The keychain is the real one (osKeychain, a
// helper process per call) over a binding module of the test's own; the process is stood in for
// (FakeProcess): its timers run out only when the test fires them, and this one fires none.
import { mkdirSync, readFileSync, rmdirSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as key } from '../../src/commands/key.js';
import { run as logout } from '../../src/commands/logout.js';
import { Interrupts } from '../../src/interrupts.js';
import { maskKey } from '../../src/keys/format.js';
import { KEYCHAIN_TURN_LOCK, osKeychain, type Keychain } from '../../src/storage/keychain.js';
import { KeyStore } from '../../src/storage/keystore.js';
import { testKey, type TestContext } from '../helpers/context.js';
import { FakeProcess, settle } from '../helpers/signals.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const contexts = trackedContexts();

/** The keychain calls made for the profiles' own entries (not the write probe's). */
const forProfiles = (ops: string[]) => ops.filter((op) => !op.includes('__probe__') && op !== 'list');

/**
 * A context whose key store is over the real keychain helper, its turns in the config dir and given
 * up as main.ts has them (Interrupts.givingUp), and a binding that holds `keys` and writes each
 * call's operation (get, set, delete) to a file.
 */
function context(keys: Record<string, string>, stdin?: string): { t: TestContext; host: FakeProcess; keychain: Keychain; ops: () => string[] } {
  const host = new FakeProcess();
  const interrupts = new Interrupts(host);
  const t = contexts.make({ interrupts, interactive: false, ...(stdin === undefined ? {} : { stdin }) });
  mkdirSync(t.configDir, { recursive: true, mode: 0o700 });
  const binding = join(t.cwd, 'binding.cjs');
  const calls = join(t.cwd, 'calls');
  writeFileSync(
    binding,
    `const keys = ${JSON.stringify(keys)};
const note = (op) => require('node:fs').appendFileSync(${JSON.stringify(calls)}, op + '\\n');
exports.Entry = class { constructor(service, account) { this.account = account; } getPassword() { note('get ' + this.account); return keys[this.account] ?? null; } setPassword() { note('set ' + this.account); } deletePassword() { note('delete ' + this.account); return true; } };
exports.findCredentials = () => { note('list'); return []; };
`,
  );
  const keychain = osKeychain('linux', { bindingPath: binding, turnsDir: t.configDir, giveUp: () => interrupts.givingUp });
  t.ctx.keys = new KeyStore(keychain, t.configDir, () => {}, t.ctx.state);
  const ops = () => (existsSync(calls) ? readFileSync(calls, 'utf8').split('\n').filter(Boolean) : []);
  return { t, host, keychain, ops };
}

/** Another run's turn at the keychain: keychain.lock in the config dir, kept fresh (a live run) until the returned function lets it go. */
function anotherRunsTurn(configDir: string): () => void {
  const lock = join(configDir, KEYCHAIN_TURN_LOCK);
  mkdirSync(lock);
  const fresh = setInterval(() => utimesSync(lock, new Date(), new Date()), 500);
  return () => {
    clearInterval(fresh);
    rmdirSync(lock);
  };
}

describe('a signal while a key change waits for its turn at the keychain', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('%s while `key --stdin` waits to store the new key: given up, nothing asked, the mark cleared, and leaving says nothing was changed', async (signal) => {
    const [k0, k1] = [testKey('A'), testKey('B')];
    const { t, host, keychain, ops } = context({ tr: k0 }, `${k1}\n`);
    await t.ctx.state.updateProfile('tr', (p) => void (p.key = { storage: 'keychain', hint: maskKey(k0), savedAt: '2026-03-01T00:00:00.000Z' }));
    // What the store holds is read in this run's turn; then another run takes the turn, and the signal comes.
    let release = () => {};
    const read = keychain.getPassword.bind(keychain);
    keychain.getPassword = async (service, account) => {
      const value = await read(service, account);
      release = anotherRunsTurn(t.configDir);
      t.ctx.interrupts.interrupt(signal);
      return value;
    };
    const running = key(t.ctx, { profile: 'tr', stdin: true, verify: false }).catch((error: unknown) => error);
    try {
      expect(await host.exited).toBe(signal);
    } finally {
      release();
    }
    await running;
    // Left without waiting out the grace (no timer fired), having asked the keychain nothing more.
    expect(host.said).toEqual(['Nothing was changed: the key change of profile "tr" had not begun.']);
    expect(forProfiles(ops())).toEqual(['get tr']);
    const profile = await t.profile('tr');
    expect(profile?.keyChangeStartedAt).toBeUndefined();
    expect(profile?.key?.hint).toBe(maskKey(k0));
  }, 30_000);

  it('SIGINT while `logout --yes` waits to read what is stored before removing it: given up, nothing asked, nothing marked', async () => {
    const k0 = testKey('C');
    const { t, host, ops } = context({ lo: k0 });
    await t.ctx.state.updateProfile('lo', (p) => void (p.key = { storage: 'keychain', hint: maskKey(k0), savedAt: '2026-03-01T00:00:00.000Z' }));
    // The key change begins (state.json's lock held), another run takes the turn, and the signal comes.
    let release = () => {};
    const snapshot = t.ctx.keys.snapshot.bind(t.ctx.keys);
    t.ctx.keys.snapshot = async (account) => {
      release = anotherRunsTurn(t.configDir);
      const reading = snapshot(account);
      await settle();
      t.ctx.interrupts.interrupt('SIGINT');
      return reading;
    };
    const running = logout(t.ctx, { profile: 'lo', yes: true }).catch((error: unknown) => error);
    try {
      expect(await host.exited).toBe('SIGINT');
    } finally {
      release();
    }
    await running;
    expect(host.said).toEqual(['Nothing was changed: the key change of profile "lo" had not begun.']);
    // What logout read to ask its question (and whether an admin key keeps the profile), before
    // its key change began; nothing since (no read of what to put back, no removal).
    expect(forProfiles(ops())).toEqual(['get lo', 'get lo:admin']);
    const profile = await t.profile('lo');
    expect(profile?.keyChangeStartedAt).toBeUndefined();
    expect(profile?.key?.hint).toBe(maskKey(k0));
  }, 30_000);
});

describe("a signal while a key change waits for state.json's lock (another run's key change holds it)", () => {
  it('SIGTERM: the wait given up at once, the keychain not asked, and leaving says nothing was changed', async () => {
    const k0 = testKey('D');
    const host = new FakeProcess();
    const t = contexts.make({ keychain: { tw: k0 }, interrupts: new Interrupts(host), interactive: false, stdin: `${testKey('E')}\n` });
    await t.ctx.state.updateProfile('tw', (p) => void (p.key = { storage: 'keychain', hint: maskKey(k0), savedAt: '2026-03-01T00:00:00.000Z' }));
    const lock = join(t.configDir, 'state.json.lock');
    mkdirSync(lock);
    const fresh = setInterval(() => utimesSync(lock, new Date(), new Date()), 500);
    // The key change begins by taking state.json's lock: the signal comes once the wait for it has.
    const locked = t.ctx.state.locked.bind(t.ctx.state);
    t.ctx.state.locked = (body, what) => {
      const waiting = locked(body, what);
      void settle().then(() => t.ctx.interrupts.interrupt('SIGTERM'));
      return waiting;
    };
    const running = key(t.ctx, { profile: 'tw', stdin: true, verify: false }).catch((error: unknown) => error);
    try {
      expect(await host.exited).toBe('SIGTERM');
    } finally {
      clearInterval(fresh);
      rmdirSync(lock);
    }
    await running;
    expect(host.said).toEqual(['Nothing was changed: the key change of profile "tw" had not begun.']);
    expect(t.keychain.calls.filter((call) => call.account === 'tw' && call.op !== 'get')).toEqual([]);
    expect(t.keychain.keyOf('tw')).toBe(k0);
    expect((await t.profile('tw'))?.keyChangeStartedAt).toBeUndefined();
  }, 30_000);
});

describe('leaving before a section has changed anything', () => {
  it('a second signal (or the grace run out) while a section says it has changed nothing: said as such, not its risk', async () => {
    const host = new FakeProcess();
    const interrupts = new Interrupts(host);
    void interrupts.section({ what: 'the key change of profile "x"', risk: 'the key stored may not be the one recorded', untouched: () => true }, () => new Promise(() => {}));
    interrupts.interrupt('SIGINT');
    interrupts.interrupt('SIGINT');
    expect(await host.exited).toBe('SIGINT');
    expect(host.said).toEqual(['Left before the key change of profile "x" began (a second Ctrl-C): nothing was changed.']);
  });
});

describe('a signal during a key change that writes no key but changes its record', () => {
  it('`logout --admin` forgetting an admin key the keychain no longer holds: leaving never says nothing was changed', async () => {
    const admin = testKey('E');
    // The record stays; the keychain's copy is gone (the binding holds no admin key).
    const { t, host } = context({});
    await t.ctx.state.updateProfile('la', (p) => void (p.adminKey = { storage: 'keychain', hint: maskKey(admin), savedAt: '2026-03-01T00:00:00.000Z' }));
    // The signal comes while the change reads what is stored (its turn had at once): it waits for the change.
    const snapshot = t.ctx.keys.snapshot.bind(t.ctx.keys);
    t.ctx.keys.snapshot = async (account) => {
      const reading = snapshot(account);
      if (account.endsWith(':admin')) t.ctx.interrupts.interrupt('SIGINT');
      return reading;
    };
    const running = logout(t.ctx, { profile: 'la', yes: true, admin: true }).catch((error: unknown) => error);
    expect(await host.exited).toBe('SIGINT');
    await running;
    // The record was removed: that is a change.
    expect((await t.profile('la'))?.adminKey).toBeUndefined();
    expect(host.said.join('\n')).not.toContain('Nothing was changed');
    expect(host.said.join('\n')).not.toContain('nothing was changed');
  }, 30_000);
});

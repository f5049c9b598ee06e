// A signal while `key` or `admin-key` stores the key it checked: the signal waits for the store
// (a section), and leaving then says what it came to, as a finished run says it: where the key was
// stored, the key it replaced and that that one still works until it is revoked; and `key` records
// the check it made of the key now stored (status would show the old key's check beside the new
// key). The process is stood in for (FakeProcess); its timers never run out here, so no "Waiting…"
// line. The built binary with real signals is in test/e2e/signals.test.ts.
import { describe, expect, it } from 'vitest';
import { run as adminKey } from '../../src/commands/admin-key.js';
import { run as key } from '../../src/commands/key.js';
import { Interrupts, type LeavingSignal } from '../../src/interrupts.js';
import { maskKey } from '../../src/keys/format.js';
import { checkResult, testKey } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { FakeProcess } from '../helpers/signals.js';
import { anotherRun } from '../helpers/store-faults.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const contexts = trackedContexts();

/** A run on pipes whose signals the test sends, its own output silenced as it leaves (as main.ts's prepare does). */
function context(stdin: string, admin = false) {
  const host = new FakeProcess();
  const t = contexts.make({ admin, interrupts: new Interrupts(host), interactive: false, stdoutIsTTY: false, stdin });
  host.preparing = () => void t.ctx.term.leave();
  return { t, host, lines: () => host.said.join('\n').split('\n') };
}

/** `signal` as the keychain is written for `account` (the key change under way, its record not yet written). */
function signalAtWrite(t: ReturnType<typeof context>['t'], account: string, signal: LeavingSignal): void {
  const write = t.keychain.setPassword.bind(t.keychain);
  t.keychain.setPassword = async (service, at, password) => {
    if (at === account) t.ctx.interrupts.interrupt(signal);
    return write(service, at, password);
  };
}

describe('a signal while `key --stdin` stores the key it checked', () => {
  it.each(['SIGINT', 'SIGTERM'] as LeavingSignal[])('%s: the new key stored, said as stored, the old one said as replaced and still working, and the check recorded is the new key\'s', async (signal) => {
    const [old, fresh] = [testKey('O'), testKey('N')];
    const { t, host, lines } = context(`${fresh}\n`);
    t.api.answerEveryCheck(() => checkResult('valid'));
    expect(await key(anotherRun(t, `${old}\n`), { stdin: true })).toBe(0);
    expect((await t.profile())?.lastVerify?.keyHint).toBe(maskKey(old));

    signalAtWrite(t, 'default', signal);
    void key(t.ctx, { stdin: true }).catch(() => {});
    expect(await host.exited).toBe(signal);
    expect(t.keychain.keyOf('default')).toBe(fresh);
    const said = lines();
    expect(said[0]).toMatch(new RegExp(`^. Stored ${maskKey(fresh).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} in the .* \\(service "openai-setup", account "default"\\)\\.$`));
    expect(said[1]).toContain(`This replaces ${maskKey(old)} for profile "default".`);
    expect(said[1]).toMatch(/revoke/);
    expect(said).toHaveLength(2);
    const profile = await t.profile();
    expect(profile?.key?.hint).toBe(maskKey(fresh));
    expect(profile?.lastVerify?.keyHint).toBe(maskKey(fresh));
  });

  it('SIGTERM, the store then failing: said that the key was not stored, and why; the old key and its check still the ones stored and recorded', async () => {
    const [old, fresh] = [testKey('O'), testKey('N')];
    const { t, host, lines } = context(`${fresh}\n`);
    t.api.answerEveryCheck(() => checkResult('valid'));
    expect(await key(anotherRun(t, `${old}\n`), { stdin: true })).toBe(0);

    const write = t.keychain.setPassword.bind(t.keychain);
    t.keychain.setPassword = async (service, at, password) => {
      if (at !== 'default' || password !== fresh) return write(service, at, password);
      t.ctx.interrupts.interrupt('SIGTERM');
      throw new Error('the keyring refused it');
    };
    void key(t.ctx, { stdin: true }).catch(() => {});
    expect(await host.exited).toBe('SIGTERM');
    expect(t.keychain.keyOf('default')).toBe(old);
    // As a finished run says it (its failure).
    expect(lines()).toEqual([`! ${maskKey(fresh)} was not stored: the keyring refused it`]);
    const profile = await t.profile();
    expect(profile?.key?.hint).toBe(maskKey(old));
    expect(profile?.lastVerify?.keyHint).toBe(maskKey(old));
  });
});

describe('a signal while `admin-key --stdin` stores the key it checked', () => {
  it.each(['SIGINT', 'SIGTERM'] as LeavingSignal[])('%s: the new admin key said as stored, the old one as replaced and working until revoked', async (signal) => {
    const [old, fresh] = [makeKey('admin', 'unit-store-signal-old'), makeKey('admin', 'unit-store-signal-new')];
    const { t, host, lines } = context(fresh, true);
    t.org.admin.addAdminKey(old);
    t.org.admin.addAdminKey(fresh);
    expect(await adminKey(anotherRun(t, old), { stdin: true, insecureStorage: false, verify: true, json: false })).toBe(0);

    signalAtWrite(t, 'default:admin', signal);
    void adminKey(t.ctx, { stdin: true, insecureStorage: false, verify: true, json: false }).catch(() => {});
    expect(await host.exited).toBe(signal);
    expect(t.keychain.keyOf('default:admin')).toBe(fresh);
    const said = lines();
    // Named: after "Cancelled." no line before says which key "it" would be.
    expect(String(said[0]).slice(2)).toMatch(/^Stored the admin key \S+ in the .* \(service "openai-setup", account "default:admin"\)\.$/);
    expect(said[0]).toContain(`Stored the admin key ${maskKey(fresh)} in the `);
    expect(said[1]).toBe(`! This replaces the admin key ${maskKey(old)} of profile "default". That key still works until you revoke it on the admin keys page: https://platform.openai.com/settings/organization/admin-keys`);
    expect(said).toHaveLength(2);
    expect((await t.profile())?.adminKey?.hint).toBe(maskKey(fresh));
  });
});

// A --json run left on a signal outside a question (interrupts.ts lastWord, withFailureDocument):
// its one document is the last thing done before the exit, once the undos are done with, or at
// once on a second signal, saying what leaving said. The process is stood in for (FakeProcess);
// the built binary with real signals is in test/e2e/cancel-json.test.ts.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as adminKey, AdminKeyJsonSchema } from '../../src/commands/admin-key.js';
import { checksSoFar, nodeCheck, run as doctor, DoctorFailureJsonSchema } from '../../src/commands/doctor.js';
import { defaultDeps, ImportFailureJsonSchema, runImport } from '../../src/commands/import.js';
import { run as verify, VerifyJsonSchema } from '../../src/commands/verify.js';
import { cancelledFields } from '../../src/errors.js';
import { Interrupts } from '../../src/interrupts.js';
import { maskKey } from '../../src/keys/format.js';
import { withFailureDocument } from '../../src/terminal/output.js';
import { checkResult, testKey } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { FakeProcess, settle } from '../helpers/signals.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const contexts = trackedContexts();

describe('the last word', () => {
  it('is written once the undos are done with, with what they said, and only then does the run leave', async () => {
    const host = new FakeProcess();
    const interrupts = new Interrupts(host);
    interrupts.onCancel({ run: async (starting) => (starting('Undoing'), '✔ Undone.'), left: () => 'Left.' });
    interrupts.lastWord((signal, said) => host.events.push(`last word ${signal}: ${said.join(' | ')}`));
    interrupts.interrupt('SIGTERM');
    expect(await host.exited).toBe('SIGTERM');
    expect(host.events).toEqual(['said: Undoing (send SIGTERM again to leave it as it is)…', 'said: ✔ Undone.', 'last word SIGTERM: ✔ Undone.', 'exit SIGTERM']);
  });

  it('on a second signal, at once, with what was left', async () => {
    const host = new FakeProcess();
    const interrupts = new Interrupts(host);
    interrupts.onCancel({ run: () => new Promise(() => {}), left: () => 'The account was left.' });
    interrupts.lastWord((signal, said) => host.events.push(`last word ${signal}: ${said.join(' | ')}`));
    interrupts.interrupt('SIGINT');
    await settle();
    interrupts.interrupt('SIGINT');
    expect(await host.exited).toBe('SIGINT');
    expect(host.events.slice(-2)).toEqual(['last word SIGINT: ! The account was left.', 'exit SIGINT']);
  });

  it('taken off again is not written; the latest one is', async () => {
    const host = new FakeProcess();
    const interrupts = new Interrupts(host);
    const off = interrupts.lastWord(() => host.events.push('first'));
    interrupts.lastWord(() => host.events.push('second'))();
    off();
    interrupts.lastWord(() => host.events.push('third'));
    interrupts.interrupt('SIGHUP');
    expect(await host.exited).toBe('SIGHUP');
    expect(host.events).toEqual(['third', 'exit SIGHUP']);
  });
});

describe('cancelledFields', () => {
  it("is the failure's fields: reason cancelled, the signal's exit code, what leaving said without its marks", () => {
    expect(cancelledFields('SIGINT', [])).toEqual({ ok: false, exitCode: 130, reason: 'cancelled', message: 'Cancelled.', fix: null });
    expect(cancelledFields('SIGTERM', ['✔ The account was deleted again.', '\x1b[33m!\x1b[39m The key was left.'])).toEqual({
      ok: false,
      exitCode: 143,
      reason: 'cancelled',
      message: 'Cancelled (SIGTERM). The account was deleted again. The key was left.',
      fix: null,
    });
    expect(cancelledFields('SIGHUP', []).exitCode).toBe(129);
  });

  it('an undo that said several lines: each line without its mark, one line of words (no line break, no "!")', () => {
    expect(cancelledFields('SIGINT', ['✔ Stored the admin key sk-admin-…tOJ7 in the keyring.\n! This replaces the admin key sk-admin-…U57J.'])).toMatchObject({
      message: 'Cancelled. Stored the admin key sk-admin-…tOJ7 in the keyring. This replaces the admin key sk-admin-…U57J.',
    });
  });
});

describe('withFailureDocument, leaving on a signal', () => {
  const json = (fields: object) => JSON.stringify(fields);

  it('a run under way as the signal comes: its document, masked, is the last thing on stdout, also once the run output was silenced', async () => {
    const host = new FakeProcess();
    const t = contexts.make({ interrupts: new Interrupts(host), interactive: false });
    const secret = testKey('C');
    t.ctx.term.addSecret(secret);
    void withFailureDocument(t.ctx, true, () => new Promise<number>(() => {}), (failed) => json({ ...failed, key: secret }));
    await settle();
    t.ctx.interrupts.interrupt('SIGINT');
    // As main.ts's prepare does: the run's own output goes nowhere from now on.
    t.ctx.term.leave();
    await host.exited;
    const doc = JSON.parse(t.stdout);
    expect(doc).toMatchObject({ ok: false, exitCode: 130, reason: 'cancelled', message: 'Cancelled.' });
    expect(t.stdout).not.toContain(secret);
  });

  it('a run that fails as it is left (a question closed by SIGTERM): one document, the cancel\'s', async () => {
    const host = new FakeProcess();
    const t = contexts.make({ interrupts: new Interrupts(host), interactive: false });
    let fail!: () => void;
    const done = withFailureDocument(t.ctx, true, () => new Promise<number>((_, reject) => (fail = () => reject(new Error('question closed')))), json);
    done.catch(() => {});
    // An undo holds the exit until the failure was handled.
    let undone!: (line: string) => void;
    t.ctx.interrupts.onCancel({ run: () => new Promise((resolve) => (undone = resolve)), left: () => 'left' });
    t.ctx.interrupts.interrupt('SIGTERM');
    t.ctx.term.leave();
    await settle();
    fail();
    await done.catch(() => {});
    undone('✔ Undone.');
    await host.exited;
    expect(t.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(t.stdout)).toMatchObject({ exitCode: 143, reason: 'cancelled', message: 'Cancelled (SIGTERM). Undone.' });
  });

  it('a run that ended, its document printed, before a signal: no second document', async () => {
    const host = new FakeProcess();
    const t = contexts.make({ interrupts: new Interrupts(host), interactive: false });
    await withFailureDocument(t.ctx, true, async () => (t.ctx.term.document('{"ok":true}'), 0), json);
    t.ctx.interrupts.interrupt('SIGINT');
    await host.exited;
    expect(t.stdout).toBe('{"ok":true}\n');
  });

  it('a signal after the document was printed, the run not yet ended (a lock being let go): no second document', async () => {
    const host = new FakeProcess();
    const t = contexts.make({ interrupts: new Interrupts(host), interactive: false });
    void withFailureDocument(t.ctx, true, async () => (t.ctx.term.document('{"ok":true}'), new Promise<number>(() => {})), json);
    await settle();
    t.ctx.interrupts.interrupt('SIGINT');
    t.ctx.term.leave();
    await host.exited;
    expect(t.stdout).toBe('{"ok":true}\n');
  });
});

describe('admin-key --json left on a signal while the key is being stored', () => {
  it('the store waited for: the document says it was stored, and where', async () => {
    const admin = makeKey('admin', 'unit-cancel-document-admin');
    const host = new FakeProcess();
    const t = contexts.make({ admin: true, interrupts: new Interrupts(host), interactive: false, stdin: admin });
    t.org.admin.addAdminKey(admin);
    const write = t.keychain.setPassword.bind(t.keychain);
    t.keychain.setPassword = async (service, account, password) => {
      if (account === 'default:admin') t.ctx.interrupts.interrupt('SIGTERM');
      return write(service, account, password);
    };
    void adminKey(t.ctx, { stdin: true, insecureStorage: false, verify: true, json: true }).catch(() => {});
    expect(await host.exited).toBe('SIGTERM');
    expect(t.keychain.keyOf('default:admin')).toBe(admin);
    expect(AdminKeyJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({ ok: false, exitCode: 143, reason: 'cancelled', profile: 'default', hint: maskKey(admin), storage: 'keychain', checked: true });
    expect(t.stdout).not.toContain(admin);
  });

  it('what the check found is in the document too: the project it listed, the permission the key lacks', async () => {
    const admin = makeKey('admin', 'unit-cancel-document-admin-scopes');
    const host = new FakeProcess();
    const t = contexts.make({ admin: true, interrupts: new Interrupts(host), interactive: false, stdin: admin });
    t.org.admin.addAdminKey(admin, { scopes: ['api.management.read', 'api.management.write'] });
    t.org.admin.addProject({ id: 'proj_CancelDocument', name: 'listed' });
    const write = t.keychain.setPassword.bind(t.keychain);
    t.keychain.setPassword = async (service, account, password) => {
      if (account === 'default:admin') t.ctx.interrupts.interrupt('SIGINT');
      return write(service, account, password);
    };
    void adminKey(t.ctx, { stdin: true, insecureStorage: false, verify: true, json: true }).catch(() => {});
    expect(await host.exited).toBe('SIGINT');
    expect(AdminKeyJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({
      exitCode: 130,
      reason: 'cancelled',
      storage: 'keychain',
      checked: true,
      sampleProject: { id: 'proj_CancelDocument', name: 'listed' },
      missingScopes: ['api.usage.read'],
    });
  });
});

/** A context whose live checks never answer: the first one asked for sends `signal` instead. */
function checkCancelled(signal: 'SIGINT' | 'SIGTERM', options: Parameters<typeof contexts.make>[0] = {}) {
  const host = new FakeProcess();
  const t = contexts.make({ interrupts: new Interrupts(host), interactive: false, ...options });
  t.api.check = async (request) => {
    t.api.checks.push(request);
    t.ctx.interrupts.interrupt(signal);
    return new Promise(() => {});
  };
  return { t, host };
}

describe('verify --json left on a signal during the check', () => {
  it('status cancelled, with the key checked (masked) and where it was sent', async () => {
    const key = testKey('V');
    const { t, host } = checkCancelled('SIGINT', { env: { OPENAI_API_KEY: key } });
    void verify(t.ctx, { json: true, quiet: false, billingCheck: true, baseURL: 'http://127.0.0.1:9/v1' }).catch(() => {});
    expect(await host.exited).toBe('SIGINT');
    expect(VerifyJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({
      ok: false,
      status: 'cancelled',
      exitCode: 130,
      reason: 'cancelled',
      key: { source: 'env', hint: maskKey(key), kind: 'project' },
      baseURL: 'http://127.0.0.1:9/v1',
      message: 'Cancelled.',
    });
    expect(t.stdout).not.toContain(key);
  });

  it('latencyMs: the time the check took until the cancel, by the run\'s clock (not 0, as if nothing had been timed)', async () => {
    const { t, host } = checkCancelled('SIGTERM', { env: { OPENAI_API_KEY: testKey('V') } });
    void verify(t.ctx, { json: true, quiet: false, billingCheck: true }).catch(() => {});
    expect(await host.exited).toBe('SIGTERM');
    const doc = VerifyJsonSchema.parse(JSON.parse(t.stdout));
    expect(doc.status).toBe('cancelled');
    // The test clock moves 5 ms a reading: read as the check began, and again as the run was left.
    expect(doc.latencyMs).toBeGreaterThan(0);
  });

  it('latencyMs 0 when the cancel came before any check began (the key still being read)', async () => {
    const host = new FakeProcess();
    const t = contexts.make({ interrupts: new Interrupts(host), interactive: false });
    t.ctx.readStdin = async () => {
      t.ctx.interrupts.interrupt('SIGINT');
      return new Promise(() => {});
    };
    void verify(t.ctx, { key: '-', json: true, quiet: false, billingCheck: true }).catch(() => {});
    expect(await host.exited).toBe('SIGINT');
    expect(VerifyJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({ status: 'cancelled', key: null, latencyMs: 0 });
  });
});

describe('checksSoFar (doctor --json, a diagnosis that did not end)', () => {
  it('none when none was done (it did not start); else those done, then one saying the rest were not run, and why', () => {
    expect(checksSoFar([], true)).toEqual([]);
    const node = nodeCheck('v22.1.0');
    expect(checksSoFar([node], false)).toEqual([
      { id: 'node', title: 'Node.js', status: 'ok', detail: node.detail, fix: null },
      { id: 'not-run', title: 'Not run', status: 'skip', detail: 'the checks after these were not run (or not to their end): doctor stopped on the error in message', fix: null },
    ]);
  });
});

describe('doctor --json left on a signal during the live check', () => {
  it('the checks done so far, then one saying the rest were not run; no live check outcome', async () => {
    const key = testKey('D');
    const { t, host } = checkCancelled('SIGTERM', { keychain: { default: key } });
    // Recorded, as `key` leaves it (a key stored without a record is one doctor records, a warning).
    await t.ctx.state.updateProfile('default', (p) => void (p.key = { storage: 'keychain', hint: maskKey(key), savedAt: '2026-01-01T00:00:00.000Z' }));
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 42 });
    void doctor(t.ctx, { json: true }).catch(() => {});
    expect(await host.exited).toBe('SIGTERM');
    const doc = DoctorFailureJsonSchema.parse(JSON.parse(t.stdout));
    expect(doc).toMatchObject({ ok: false, exitCode: 143, reason: 'cancelled', profile: 'default', verify: null });
    expect(doc.checks[0]!.id).toBe('node');
    expect(doc.checks.find((c) => c.id === 'stored-key')).toMatchObject({ status: 'ok' });
    expect(doc.checks.find((c) => c.id === 'stored-key')!.detail).toContain(maskKey(key));
    expect(doc.checks.slice(-2)).toEqual([
      expect.objectContaining({ id: 'api', status: 'ok' }),
      { id: 'not-run', title: 'Not run', status: 'skip', detail: 'the checks after these were not run (or not to their end): doctor was cancelled', fix: null },
    ]);
    expect(t.stdout).not.toContain(key);
  });
});

describe('doctor (text) left on a signal during the live check of an OPENAI_API_KEY other than the stored key', () => {
  it('the rows held for the check (OPENAI_API_KEY, API reachable) are still printed as it leaves', async () => {
    const stored = testKey('S');
    const variable = testKey('E');
    const { t, host } = checkCancelled('SIGINT', { keychain: { default: stored }, env: { OPENAI_API_KEY: variable } });
    await t.ctx.state.updateProfile('default', (p) => void (p.key = { storage: 'keychain', hint: maskKey(stored), savedAt: '2026-01-01T00:00:00.000Z' }));
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 42 });
    // As main.ts's host: from leaving on, the run's own output goes nowhere.
    host.preparing = () => void t.ctx.term.leave();
    void doctor(t.ctx, { json: false }).catch(() => {});
    expect(await host.exited).toBe('SIGINT');
    expect(t.stdout).toMatch(/Stored key[^\n]*\n(?:.*\n)*.*OPENAI_API_KEY.*\n(?:.*\n)*.*API reachable/);
    expect(t.stdout).toContain(maskKey(variable));
    expect(t.stdout).not.toContain(variable);
    expect(t.stdout).not.toContain('Live check\n');
  });
});

describe('import --json left on a signal while the key found is being stored', () => {
  it('the store waited for: the document names the key stored', async () => {
    const key = makeKey('proj', 'unit-cancel-document-import');
    const host = new FakeProcess();
    const t = contexts.make({ interrupts: new Interrupts(host), interactive: false });
    writeFileSync(join(t.cwd, '.env'), `OPENAI_API_KEY=${key}\n`);
    t.api.answerEveryCheck(() => checkResult('valid'));
    const write = t.keychain.setPassword.bind(t.keychain);
    t.keychain.setPassword = async (service, account, password) => {
      if (account === 'default') t.ctx.interrupts.interrupt('SIGTERM');
      return write(service, account, password);
    };
    const deps = { places: defaultDeps().places, fish: async () => ({ ok: true, missing: false, detail: '' }) };
    void runImport(t.ctx, { check: false, json: true, store: '.env:1', rewrite: true, yes: true }, deps).catch(() => {});
    expect(await host.exited).toBe('SIGTERM');
    expect(t.keychain.keyOf('default')).toBe(key);
    expect(ImportFailureJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({ ok: false, exitCode: 143, reason: 'cancelled', profile: 'default', stored: { hint: maskKey(key), admin: false } });
    expect(t.stdout).not.toContain(key);
  });
});

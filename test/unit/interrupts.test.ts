// Signals through Context (interrupts.ts): a signal during a key change waits for the key and its
// record to be written, a change that hangs is left after a bounded grace saying what may be half
// done, a second signal leaves at once, and a signal with nothing under way leaves as before. The
// process is stood in for: its timers are the test's, its exit is recorded. The real signals, in
// the built binary with a real keyring, are in test/e2e/signals.test.ts.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as key } from '../../src/commands/key.js';
import { run as logout } from '../../src/commands/logout.js';
import { run } from '../../src/commands/run.js';
import { Interrupts, SECTION_GRACE_MS, SECTION_NOTICE_MS } from '../../src/interrupts.js';
import { maskKey } from '../../src/keys/format.js';
import { removeOwnTempFiles, tempPathFor } from '../../src/storage/private-file.js';
import { testKey, type TestContext } from '../helpers/context.js';
import { FakeProcess, settle } from '../helpers/signals.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const contexts = trackedContexts();

function context(keys: Record<string, string> = {}, stdin?: string): { t: TestContext; host: FakeProcess } {
  const host = new FakeProcess();
  const t = contexts.make({ keychain: keys, interrupts: new Interrupts(host), interactive: false, ...(stdin === undefined ? {} : { stdin }) });
  return { t, host };
}

/** From now on the keychain's next write or removal for `account` runs `during` first (then the write goes on). */
function onKeychainChange(t: TestContext, account: string, during: () => Promise<void>): void {
  for (const op of ['setPassword', 'deletePassword'] as const) {
    const real = t.keychain[op].bind(t.keychain) as (...args: string[]) => Promise<unknown>;
    (t.keychain as unknown as Record<string, unknown>)[op] = async (service: string, name: string, ...rest: string[]) => {
      if (name === account) await during();
      return real(service, name, ...rest);
    };
  }
}

describe('a signal while a key is being changed', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s while `key --stdin` writes the keychain: the run leaves only once the key and its record are written', async (signal) => {
    const [k0, k1] = [testKey('A'), testKey('B')];
    const { t, host } = context({ tr: k0 }, `${k1}\n`);
    await t.ctx.state.updateProfile('tr', (p) => void (p.key = { storage: 'keychain', hint: maskKey(k0), savedAt: '2026-03-01T00:00:00.000Z' }));
    onKeychainChange(t, 'tr', async () => {
      t.ctx.interrupts.interrupt(signal);
      await settle();
      host.events.push('keychain written');
    });
    void key(t.ctx, { profile: 'tr', stdin: true, verify: false });
    expect(await host.exited).toBe(signal);
    // What the key change came to, said as a finished run says it: stored, and what it replaced.
    expect(host.events).toEqual(['keychain written', expect.stringMatching(/^said: /), `exit ${signal}`]);
    const said = host.said.join('\n').split('\n');
    expect(said[0]).toContain(`Stored ${maskKey(k1)} in the`);
    expect(said[1]).toContain(`This replaces ${maskKey(k0)} for profile "tr".`);
    expect(t.keychain.keyOf('tr')).toBe(k1);
    expect((await t.profile('tr'))?.key?.hint).toBe(maskKey(k1));
  });

  it('SIGINT while `logout --yes` removes the key: it leaves once the key is removed and forgotten', async () => {
    const k0 = testKey('C');
    const { t, host } = context({ lo: k0 });
    await t.ctx.state.updateProfile('lo', (p) => void (p.key = { storage: 'keychain', hint: maskKey(k0), savedAt: '2026-03-01T00:00:00.000Z' }));
    onKeychainChange(t, 'lo', async () => {
      t.ctx.interrupts.interrupt('SIGINT');
      await settle();
      host.events.push('keychain changed');
    });
    void logout(t.ctx, { profile: 'lo', yes: true });
    expect(await host.exited).toBe('SIGINT');
    expect(host.events).toEqual(['keychain changed', 'exit SIGINT']);
    expect(t.keychain.keyOf('lo')).toBeUndefined();
    expect((await t.profile('lo'))?.key).toBeUndefined();
  });

  it('a key change that hangs (a keyring that stopped answering): after the grace the run leaves anyway, saying what may be half done', async () => {
    const { t, host } = context({ tr: testKey('A') }, `${testKey('B')}\n`);
    onKeychainChange(t, 'tr', async () => {
      t.ctx.interrupts.interrupt('SIGTERM');
      await new Promise(() => {});
    });
    void key(t.ctx, { profile: 'tr', stdin: true, verify: false });
    while (host.timers.length === 0) await settle();
    expect(host.timers.map((timer) => timer.ms)).toEqual([SECTION_NOTICE_MS, SECTION_GRACE_MS]);
    host.timers[0]!.fire();
    await settle();
    host.timers[1]!.fire();
    expect(await host.exited).toBe('SIGTERM');
    expect(host.said).toEqual([
      'Waiting for the key change of profile "tr" to finish (send SIGTERM again to leave at once)…',
      `! Left with the key change of profile "tr" unfinished (it took more than 3 s): the key stored may not be the one ${t.ctx.state.path} records; run the command again.`,
      `! ${maskKey(testKey('B'))} may be stored for profile "tr", and a key it replaced still works until you revoke it: \`openai-setup doctor --profile tr\` says which key is stored.`,
    ]);
  });

  it('a second Ctrl-C while the change is still under way leaves at once, saying what may be half done', async () => {
    const { t, host } = context({ tr: testKey('A') }, `${testKey('B')}\n`);
    onKeychainChange(t, 'tr', async () => {
      t.ctx.interrupts.interrupt('SIGINT');
      await settle();
      t.ctx.interrupts.interrupt('SIGINT');
      await new Promise(() => {});
    });
    void key(t.ctx, { profile: 'tr', stdin: true, verify: false });
    expect(await host.exited).toBe('SIGINT');
    expect(host.said).toEqual([
      `! Left with the key change of profile "tr" unfinished (a second Ctrl-C): the key stored may not be the one ${t.ctx.state.path} records; run the command again.`,
      `! ${maskKey(testKey('B'))} may be stored for profile "tr", and a key it replaced still works until you revoke it: \`openai-setup doctor --profile tr\` says which key is stored.`,
    ]);
  });
});

describe('the mechanism', () => {
  it('a signal with nothing under way leaves at once; a section started after it never runs', async () => {
    const host = new FakeProcess();
    const interrupts = new Interrupts(host);
    interrupts.interrupt('SIGTERM');
    expect(await host.exited).toBe('SIGTERM');
    let ran = false;
    void interrupts.section({ what: 'x', risk: 'y' }, async () => void (ran = true));
    await settle();
    expect(ran).toBe(false);
    expect(host.said).toEqual([]);
  });

  it('after endBySignal (run), leaving ends by the signal itself, a second signal too; before it, by the exit status', async () => {
    const plain = new FakeProcess();
    new Interrupts(plain).interrupt('SIGINT');
    expect(await plain.exited).toBe('SIGINT');
    expect(plain.bySignal).toBe(false);

    const host = new FakeProcess();
    const interrupts = new Interrupts(host);
    interrupts.endBySignal();
    interrupts.interrupt('SIGINT');
    expect(await host.exited).toBe('SIGINT');
    expect(host.bySignal).toBe(true);

    const held = new FakeProcess();
    const second = new Interrupts(held);
    second.endBySignal();
    void second.section({ what: 'x', risk: 'y' }, () => new Promise(() => {}));
    second.interrupt('SIGTERM');
    second.interrupt('SIGTERM');
    expect(await held.exited).toBe('SIGTERM');
    expect(held.bySignal).toBe(true);
  });

  it('run: a signal before its command starts (the key being read) ends it by that signal', async () => {
    const { t, host } = context({ default: testKey('R') });
    let reading!: () => void;
    const read = new Promise<void>((resolve) => (reading = resolve));
    const lookup = t.keychain.getPassword.bind(t.keychain);
    t.keychain.getPassword = async (...args) => {
      reading();
      await new Promise(() => {});
      return lookup(...args);
    };
    void run(t.ctx, { command: ['true'] });
    await read;
    t.ctx.interrupts.interrupt('SIGINT');
    expect(await host.exited).toBe('SIGINT');
    expect(host.bySignal).toBe(true);
  });

  it('an undo runs after the sections under way end, says how it went, and only then does the run leave', async () => {
    const host = new FakeProcess();
    const interrupts = new Interrupts(host);
    let endSection!: () => void;
    const section = interrupts.section({ what: 'x', risk: 'y' }, () => new Promise<void>((resolve) => (endSection = resolve)));
    interrupts.onCancel({ run: async (starting) => (starting('Undoing'), host.events.push('undone'), 'Undone.'), left: () => 'Left.' });
    interrupts.interrupt('SIGTERM');
    await settle();
    host.events.push('section ends');
    endSection();
    await section;
    expect(await host.exited).toBe('SIGTERM');
    expect(host.events).toEqual(['section ends', 'said: Undoing (send SIGTERM again to leave it as it is)…', 'undone', 'said: Undone.', 'exit SIGTERM']);
  });

  it('an undo decides what it says only once the sections it waited for ended: one that only reports says its line alone', async () => {
    const host = new FakeProcess();
    const interrupts = new Interrupts(host);
    let endSection!: () => void;
    let outcome = 'under way';
    const section = interrupts.section({ what: 'x', risk: 'y' }, () => new Promise<void>((resolve) => (endSection = resolve)));
    interrupts.onCancel({ run: async (starting) => (outcome === 'done' ? 'Kept, as it is done.' : (starting('Undoing'), 'Undone.')), left: () => 'Left.' });
    interrupts.interrupt('SIGTERM');
    await settle();
    outcome = 'done';
    endSection();
    await section;
    expect(await host.exited).toBe('SIGTERM');
    expect(host.said).toEqual(['Kept, as it is done.']);
  });

  it("a body's step started once leaving never runs; one under way as the signal comes never hands on what it came to", async () => {
    const host = new FakeProcess();
    const interrupts = new Interrupts(host);
    let answer!: (value: string) => void;
    const handed: string[] = [];
    void interrupts.step(() => new Promise<string>((resolve) => (answer = resolve))).then((value) => handed.push(value));
    let failWith!: (error: Error) => void;
    void interrupts.step(() => new Promise<string>((_resolve, reject) => (failWith = reject))).catch((error: Error) => handed.push(error.message));
    interrupts.interrupt('SIGINT');
    answer('answered');
    failWith(new Error('failed'));
    let ran = false;
    void interrupts.step(async () => void (ran = true));
    expect(await host.exited).toBe('SIGINT');
    await settle();
    expect(ran).toBe(false);
    expect(handed).toEqual([]);
  });

  it("a body's step while not leaving hands on its value or its failure", async () => {
    const interrupts = new Interrupts(new FakeProcess());
    expect(await interrupts.step(async () => 'value')).toBe('value');
    await expect(interrupts.step(async () => Promise.reject(new Error('failed')))).rejects.toThrow('failed');
  });

  it('an undo taken off again is not run', async () => {
    const host = new FakeProcess();
    const interrupts = new Interrupts(host);
    const off = interrupts.onCancel({ run: async (starting) => (starting('Undoing'), 'Undone.'), left: () => 'Left.' });
    off();
    interrupts.interrupt('SIGINT');
    expect(await host.exited).toBe('SIGINT');
    expect(host.said).toEqual([]);
  });
});

describe('temp files of a write a signal cut short', () => {
  it('are removed as the process leaves; a file of the same form this process did not name is not', () => {
    const dir = mkdtempSync(join(tmpdir(), 'openai-setup-temps-'));
    try {
      const path = join(dir, 'state.json');
      const cutShort = tempPathFor(path);
      writeFileSync(cutShort, '{"half":');
      const others = join(dir, 'state.json.1.abc123.tmp');
      writeFileSync(others, '{}');
      mkdirSync(tempPathFor(path));
      removeOwnTempFiles();
      expect(existsSync(cutShort)).toBe(false);
      expect(existsSync(others)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

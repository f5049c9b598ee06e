// Ctrl-C while `env` writes the key: the signal waits for the write (a section), and the run then
// leaves (130) without going on to what a finished run says and records. What the write came to is
// said then (the line a finished run prints, the mode warning with it), and the file recorded as
// one the person asked for: status must not call it a plain-text copy to import.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as env } from '../../src/commands/env.js';
import { Interrupts, type LeavingSignal, type Section } from '../../src/interrupts.js';
import { makeTestContext, testKey } from '../helpers/context.js';
import { FakeProcess } from '../helpers/signals.js';

const KEY = testKey('A');

/** Interrupts that get `signal` as the section changing `file` begins (the write of the key under way). */
class SignalAtWrite extends Interrupts {
  /** Set once the context (and so the project folder) is made. */
  file = '';
  /** Which of the sections changing `file` gets it (1: the first). */
  nth = 1;
  constructor(
    host: FakeProcess,
    private readonly at: LeavingSignal = 'SIGINT',
  ) {
    super(host);
  }
  override section<T>(what: Section, body: () => Promise<T>): Promise<T> {
    if (this.leaving === null && what.what === `the change to ${this.file}` && --this.nth === 0) {
      return super.section(what, async () => {
        this.interrupt(this.at);
        return body();
      });
    }
    return super.section(what, body);
  }
}

describe('env: Ctrl-C while the key is written', () => {
  it('a new .env: the key is in it, the run says so and records the file, then leaves', async () => {
    const host = new FakeProcess();
    const interrupts = new SignalAtWrite(host);
    const t = makeTestContext({ keychain: { default: KEY }, interrupts });
    const file = join(t.cwd, '.env');
    interrupts.file = file;
    void env(t.ctx, { force: true, gitignore: false });
    expect(await host.exited).toBe('SIGINT');
    expect(readFileSync(file, 'utf8')).toBe(`OPENAI_API_KEY=${KEY}\n`);
    // Said as leaving says things (the run's own output is silenced by then), as a finished run says it.
    expect(host.said).toEqual(['✔ Wrote OPENAI_API_KEY (sk-proj-…000A, profile "default") to .env (a new file, readable only by you).']);
    const state = await t.ctx.state.read();
    expect(state.profiles.default?.envFiles).toEqual([file]);
    expect(state.pendingEnvFiles).toBeUndefined();
  });

  it('an existing .env others can read: updated, said with the mode warning, recorded', async () => {
    const host = new FakeProcess();
    const interrupts = new SignalAtWrite(host);
    const t = makeTestContext({ keychain: { default: KEY }, interrupts });
    const file = join(t.cwd, '.env');
    writeFileSync(file, 'DEBUG=1\n');
    chmodSync(file, 0o644);
    interrupts.file = file;
    void env(t.ctx, { force: true, gitignore: false });
    expect(await host.exited).toBe('SIGINT');
    expect(readFileSync(file, 'utf8')).toBe(`DEBUG=1\nOPENAI_API_KEY=${KEY}\n`);
    expect(host.said).toEqual([
      '✔ Added OPENAI_API_KEY (sk-proj-…000A, profile "default") to .env; every other line is as it was.\n! .env can be read by other users (mode 644): chmod 600 -- .env',
    ]);
    expect((await t.ctx.state.read()).profiles.default?.envFiles).toEqual([file]);
  });

  it('Ctrl-C as the file is being recorded, the key written and said: recorded, nothing said twice', async () => {
    const host = new FakeProcess();
    const interrupts = new SignalAtWrite(host);
    const t = makeTestContext({ keychain: { default: KEY }, interrupts });
    const file = join(t.cwd, '.env');
    // The progress file's second change: the first notes the write under way, the second records the file.
    interrupts.file = join(t.configDir, 'state.json');
    interrupts.nth = 2;
    void env(t.ctx, { force: true, gitignore: false });
    expect(await host.exited).toBe('SIGINT');
    expect(readFileSync(file, 'utf8')).toBe(`OPENAI_API_KEY=${KEY}\n`);
    expect(t.stdout).toBe('✔ Wrote OPENAI_API_KEY (sk-proj-…000A, profile "default") to .env (a new file, readable only by you).\n');
    expect(host.said).toEqual(['.env is recorded as a file you asked for.']);
    const state = await t.ctx.state.read();
    expect(state.profiles.default?.envFiles).toEqual([file]);
    expect(state.pendingEnvFiles).toBeUndefined();
  });
});

// `run`'s decision for each signal, with the operating system stood in for: SIGTERM and SIGHUP are
// always passed on; a SIGINT out of the terminal's foreground too; in it, the witness tells a
// terminal's Ctrl-C (not sent again) from a SIGINT to our PID alone (passed on). The real signals
// in a real pseudo-terminal are in test/e2e/input.test.ts.
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { FORWARDED_SIGNALS, run, WITNESS_WAIT_MS, type InterruptWitness, type ProcessHost } from '../../src/commands/run.js';
import { makeTestContext, testKey, type TestContext } from '../helpers/context.js';
import { until } from '../helpers/until.js';

type Verdict = 'yes' | 'no' | 'unknown';
type Signal = (typeof FORWARDED_SIGNALS)[number];

class FakeWitness implements InterruptWitness {
  stopped = false;
  asked: number[] = [];
  constructor(private readonly verdict: Verdict) {}
  async interrupted(ms: number): Promise<Verdict> {
    this.asked.push(ms);
    return this.verdict;
  }
  stop(): void {
    this.stopped = true;
  }
}

class FakeHost implements ProcessHost {
  readonly sent: string[] = [];
  readonly witnesses: FakeWitness[] = [];
  foreground = true;
  /** What the next witnesses will answer, in order (null: none could be started). */
  verdicts: Array<Verdict | null> = [];
  handler: ((signal: Signal) => void) | null = null;
  released = false;
  child = Object.assign(new EventEmitter(), {
    kill: (signal: string) => {
      this.sent.push(signal);
      return true;
    },
  });

  spawn(): ChildProcess {
    return this.child as unknown as ChildProcess;
  }
  trapSignals(_signals: readonly Signal[], handler: (signal: Signal) => void): () => void {
    this.handler = handler;
    return () => {
      this.released = true;
    };
  }
  inTerminalForeground(): boolean {
    return this.foreground;
  }
  startWitness(): InterruptWitness | null {
    const verdict = this.verdicts.shift();
    if (verdict == null) return null;
    const witness = new FakeWitness(verdict);
    this.witnesses.push(witness);
    return witness;
  }
  /**
   * A signal to us. A witness asked about it answers later: then until the run has acted on its
   * answer (the SIGINT passed on, or the witness stopped for a fresh one).
   */
  async signal(signal: Signal): Promise<void> {
    const asked = () => this.witnesses.reduce((n, w) => n + w.asked.length, 0);
    const acted = () => this.sent.length + this.witnesses.filter((w) => w.stopped).length;
    const [askedBefore, actedBefore] = [asked(), acted()];
    this.handler!(signal);
    if (asked() > askedBefore) await until(() => acted() > actedBefore);
  }
  exit(code: number): void {
    this.child.emit('exit', code, null);
  }
}

let t: TestContext;
afterEach(() => t?.cleanup());

/** Start `run` and wait until its signal handler is in place; `running` is its outcome. */
async function start(host: FakeHost): Promise<{ running: Promise<number> }> {
  t = makeTestContext({ keychain: { default: testKey('R') } });
  const running = run(t.ctx, { command: ['node', 'app.js'] }, host);
  await until(() => host.handler !== null);
  return { running };
}

describe('run: which signals are passed on', () => {
  it('SIGTERM and SIGHUP always; the witness is stopped when the child ends', async () => {
    const host = new FakeHost();
    host.verdicts = ['yes'];
    const { running } = await start(host);
    await host.signal('SIGTERM');
    await host.signal('SIGHUP');
    host.exit(0);
    expect(await running).toBe(0);
    expect(host.sent).toEqual(['SIGTERM', 'SIGHUP']);
    expect(host.witnesses[0]!.asked).toEqual([]);
    expect(host.witnesses[0]!.stopped).toBe(true);
    expect(host.released).toBe(true);
  });

  it('a SIGINT out of the terminal foreground (a background job, no terminal): passed on, no witness asked', async () => {
    const host = new FakeHost();
    host.foreground = false;
    host.verdicts = ['yes'];
    const { running } = await start(host);
    await host.signal('SIGINT');
    host.exit(130);
    expect(await running).toBe(130);
    expect(host.sent).toEqual(['SIGINT']);
    expect(host.witnesses[0]!.asked).toEqual([]);
  });

  it("in the foreground, a SIGINT the witness got too is the terminal's Ctrl-C: not sent again, and a fresh witness waits for the next", async () => {
    const host = new FakeHost();
    host.verdicts = ['yes', 'no'];
    const { running } = await start(host);
    await host.signal('SIGINT');
    expect(host.sent).toEqual([]);
    expect(host.witnesses[0]!.asked).toEqual([WITNESS_WAIT_MS]);
    expect(host.witnesses[0]!.stopped).toBe(true);
    expect(host.witnesses).toHaveLength(2);
    // The next SIGINT reached us alone: passed on, once.
    await host.signal('SIGINT');
    expect(host.sent).toEqual(['SIGINT']);
    host.exit(0);
    await running;
    expect(host.witnesses[1]!.stopped).toBe(true);
  });

  it('in the foreground, a SIGINT the witness did not get was sent to our PID alone: passed on', async () => {
    const host = new FakeHost();
    host.verdicts = ['no'];
    const { running } = await start(host);
    await host.signal('SIGINT');
    await host.signal('SIGINT');
    expect(host.sent).toEqual(['SIGINT', 'SIGINT']);
    expect(host.witnesses).toHaveLength(1);
    host.exit(0);
    await running;
  });

  it('a witness that died of something else, or none at all: taken for the Ctrl-C (sending it twice is worse)', async () => {
    const host = new FakeHost();
    host.verdicts = ['unknown', null];
    const { running } = await start(host);
    await host.signal('SIGINT');
    expect(host.sent).toEqual([]);
    expect(host.witnesses[0]!.stopped).toBe(true);
    await host.signal('SIGINT'); // no witness could be started again
    expect(host.sent).toEqual([]);
    host.exit(0);
    await running;
  });
});

// `run`'s decision for each signal, with the operating system stood in for: a witness per signal
// (an idle process in our process group) tells a signal sent to the whole group, which reached the
// child already (not sent again), from one sent to our PID alone (passed on). Without a witness, a
// signal is passed on, but a SIGINT in the terminal's foreground (most likely its Ctrl-C). The real
// signals through the built binary are in test/e2e/run-signals.test.ts and test/e2e/input.test.ts.
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run, type ProcessHost } from '../../src/commands/run.js';
import { FORWARDED_SIGNALS, WITNESS_WAIT_MS, type SignalWitness } from '../../src/pass-signals.js';
import { makeTestContext, testKey, type TestContext } from '../helpers/context.js';
import { turn, until } from '../helpers/until.js';

type Verdict = 'yes' | 'no' | 'unknown';
type Signal = (typeof FORWARDED_SIGNALS)[number];

class FakeWitness implements SignalWitness {
  stopped = false;
  asked: number[] = [];
  /** What it answers: 'yes' once the whole group got its signal, 'no' while it lives on. */
  verdict: Verdict = 'no';
  constructor(readonly signal: Signal) {}
  async reached(ms: number): Promise<Verdict> {
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
  /** Signals for which no witness can be started. */
  unwitnessed = new Set<Signal>();
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
  startWitness(signal: Signal): SignalWitness | null {
    if (this.unwitnessed.has(signal)) return null;
    const witness = new FakeWitness(signal);
    this.witnesses.push(witness);
    return witness;
  }
  /** Every witness of `signal` started, the live one last. */
  of(signal: Signal): FakeWitness[] {
    return this.witnesses.filter((w) => w.signal === signal);
  }
  /** The signal reaches us; then until run has acted on what its witness answered. */
  async signal(...signals: Signal[]): Promise<void> {
    for (const signal of signals) this.handler!(signal);
    await turn();
  }
  exit(code: number): void {
    this.child.emit('exit', code, null);
  }
}

let t: TestContext;
afterEach(() => {
  vi.useRealTimers();
  t?.cleanup();
});

/** Start `run` and wait until its signal handler is in place; `running` is its outcome. */
async function start(host: FakeHost): Promise<{ running: Promise<number> }> {
  t = makeTestContext({ keychain: { default: testKey('R') } });
  const running = run(t.ctx, { command: ['node', 'app.js'] }, host);
  await until(() => host.handler !== null);
  return { running };
}

describe('run: which signals are passed on', () => {
  it.each(FORWARDED_SIGNALS.flatMap((signal) => [true, false].map((foreground) => [signal, foreground] as const)))(
    '%s sent to our PID alone (its witness lives on, foreground: %s): passed on, once for each',
    async (signal, foreground) => {
      const host = new FakeHost();
      host.foreground = foreground;
      const { running } = await start(host);
      expect(host.witnesses.map((w) => w.signal)).toEqual([...FORWARDED_SIGNALS]);
      await host.signal(signal);
      await host.signal(signal);
      expect(host.sent).toEqual([signal, signal]);
      expect(host.of(signal)).toHaveLength(1);
      expect(host.of(signal)[0]!.asked).toEqual([WITNESS_WAIT_MS, WITNESS_WAIT_MS]);
      host.exit(0);
      expect(await running).toBe(0);
      expect(host.witnesses.every((w) => w.stopped)).toBe(true);
      expect(host.released).toBe(true);
    },
  );

  it.each(FORWARDED_SIGNALS.flatMap((signal) => [true, false].map((foreground) => [signal, foreground] as const)))(
    '%s sent to our whole group (its witness got it too, foreground: %s): not sent again; a fresh witness once its copies have come',
    async (signal, foreground) => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const host = new FakeHost();
      host.foreground = foreground;
      const { running } = await start(host);
      const [first] = host.of(signal);
      first!.verdict = 'yes';
      // Our PID first, then the group (coreutils' timeout): two copies, one witness asked.
      await host.signal(signal, signal);
      expect(host.sent).toEqual([]);
      expect(first!.stopped).toBe(true);
      // A copy that comes after the verdict is that signal's too.
      await host.signal(signal);
      expect(host.sent).toEqual([]);
      expect(first!.asked).toEqual([WITNESS_WAIT_MS, WITNESS_WAIT_MS]);
      expect(host.of(signal)).toHaveLength(1);
      // The other signals' witnesses are untouched.
      expect(host.witnesses.filter((w) => w.signal !== signal).every((w) => !w.stopped && w.asked.length === 0)).toBe(true);

      vi.advanceTimersByTime(WITNESS_WAIT_MS);
      expect(host.of(signal)).toHaveLength(2);
      // The next one, to our PID alone, is passed on.
      await host.signal(signal);
      expect(host.sent).toEqual([signal]);
      host.exit(0);
      await running;
      expect(host.witnesses.every((w) => w.stopped)).toBe(true);
    },
  );

  it('a run that ends while a witness is spent starts no fresh one', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const host = new FakeHost();
    const { running } = await start(host);
    host.of('SIGTERM')[0]!.verdict = 'yes';
    await host.signal('SIGTERM');
    host.exit(143);
    expect(await running).toBe(143);
    vi.runAllTimers();
    expect(host.of('SIGTERM')).toHaveLength(1);
    expect(host.witnesses.every((w) => w.stopped)).toBe(true);
  });

  it('a witness that died of something else: replaced at once, and the signal passed on, but a SIGINT in the foreground', async () => {
    const host = new FakeHost();
    const { running } = await start(host);
    for (const signal of FORWARDED_SIGNALS) host.of(signal)[0]!.verdict = 'unknown';
    await host.signal(...FORWARDED_SIGNALS);
    expect(host.sent).toEqual(['SIGTERM', 'SIGHUP']);
    for (const signal of FORWARDED_SIGNALS) expect(host.of(signal).map((w) => w.stopped)).toEqual([true, false]);

    host.foreground = false;
    host.of('SIGINT')[1]!.verdict = 'unknown';
    await host.signal('SIGINT');
    expect(host.sent).toEqual(['SIGTERM', 'SIGHUP', 'SIGINT']);
    host.exit(0);
    await running;
  });

  it('no witness at all (no sh, Windows): SIGTERM, SIGHUP and a SIGINT out of the foreground passed on; a SIGINT in it taken for the Ctrl-C', async () => {
    const host = new FakeHost();
    host.unwitnessed = new Set(FORWARDED_SIGNALS);
    const { running } = await start(host);
    await host.signal('SIGINT', 'SIGTERM', 'SIGHUP');
    expect(host.sent).toEqual(['SIGTERM', 'SIGHUP']);
    host.foreground = false;
    await host.signal('SIGINT');
    expect(host.sent).toEqual(['SIGTERM', 'SIGHUP', 'SIGINT']);
    expect(host.witnesses).toEqual([]);
    host.exit(0);
    await running;
  });
});

// The process as interrupts.ts sees it, stood in for in unit tests: what leaving said, how it
// left, and timers that run out only when the test says so.
import type { InterruptHost, LeavingSignal } from '../../src/interrupts.js';

/** The process, stood in for: what leaving said, how it left, and timers the test lets run out. */
export class FakeProcess implements InterruptHost {
  readonly said: string[] = [];
  /** Everything in order: the test's own marks, what was said, the exit. */
  readonly events: string[] = [];
  readonly timers: Array<{ ms: number; fire: () => void }> = [];
  readonly exited: Promise<LeavingSignal>;
  /** Whether it left by the signal itself (Interrupts.endBySignal). */
  bySignal: boolean | undefined;
  private onExit!: (signal: LeavingSignal) => void;

  constructor() {
    this.exited = new Promise((resolve) => (this.onExit = resolve));
  }
  /** What the host does first on leaving, as main.ts's does (silencing the run's terminal: `() => void term.leave()`). */
  preparing: (() => void) | undefined;
  async prepare(): Promise<void> {
    this.preparing?.();
  }
  say(line: string): void {
    this.said.push(line);
    this.events.push(`said: ${line}`);
  }
  exit(signal: LeavingSignal, bySignal: boolean): void {
    this.bySignal = bySignal;
    this.events.push(`exit ${signal}`);
    this.onExit(signal);
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.timers.push({ ms, fire: () => resolve() }));
  }
}

/** Every callback and promise reaction queued now has run: whatever the signal would do at once, it has done. */
export const settle = () => new Promise((resolve) => setImmediate(resolve));


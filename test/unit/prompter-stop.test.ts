// Ctrl-Z and `fg` at a question, over a stand-in terminal that sets a mode as Node's does (libuv
// skips the mode it set last) and a stand-in stop: process.kill for SIGTSTP is recorded and
// returns, as it does once the process is continued. What a real shell does is proven by
// test/e2e/input.test.ts ("Ctrl-Z at a question, then fg").
import { PassThrough, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { processWitnesses } from '../../src/pass-signals.js';
import { inquirerPrompter, type Prompter } from '../../src/terminal/prompter.js';
import { until } from '../helpers/until.js';

/** A terminal's input: `echo` is what the terminal really does, which the shell may change while we are stopped. */
class FakeTerminalInput extends PassThrough {
  isTTY = true;
  private mode = false;
  echo = true;
  setRawMode(mode: boolean): this {
    // As libuv: the mode set last is not set again.
    if (mode !== this.mode) this.echo = !mode;
    this.mode = mode;
    return this;
  }
}

let input: FakeTerminalInput;
let screen: string;
let stops: number;
/** Whom each stop was sent to: 0 is our whole process group. */
let stopTargets: number[];
/** Echo at each stop: the shell gets its terminal back in line mode. */
let echoAtStops: boolean[];

function prompter(): Prompter {
  input = new FakeTerminalInput();
  screen = '';
  const output = new Writable({
    write(chunk, _encoding, done) {
      screen += String(chunk);
      done();
    },
  });
  output.end = () => output;
  return inquirerPrompter({ input, output, interrupt: () => {}, show: (text) => text });
}

async function typeWhenAsked(question: string, text: string): Promise<void> {
  const from = screen.length;
  await until(() => screen.slice(from).includes(question));
  input.write(text);
}

/** A stop from elsewhere (kill -TSTP) and `fg`: the shell put the terminal in line mode, echo on, meanwhile. */
function stoppedFromElsewhereAndContinued(): void {
  input.echo = true;
  process.emit('SIGCONT', 'SIGCONT');
}

let baseline: { sigcont: number };
beforeEach(() => {
  stops = 0;
  stopTargets = [];
  echoAtStops = [];
  // In the terminal's foreground group, as a run from a shell is (whatever runs these tests).
  vi.spyOn(processWitnesses, 'inTerminalForeground').mockReturnValue(true);
  baseline = { sigcont: process.listenerCount('SIGCONT') };
  vi.spyOn(process, 'kill').mockImplementation((pid, signal) => {
    if ((pid !== 0 && pid !== process.pid) || signal !== 'SIGTSTP') throw new Error(`unexpected kill ${pid} ${signal}`);
    stops++;
    stopTargets.push(pid);
    echoAtStops.push(input.echo);
    // Continued (`fg`): the signal comes as the kill returns.
    setImmediate(() => process.emit('SIGCONT', 'SIGCONT'));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  input?.destroy();
});

describe('Ctrl-Z at a hidden question, then fg', () => {
  it('what was typed before and pasted after is one answer; the next questions get only what is typed at them, and nothing is left listening', async () => {
    const p = prompter();
    const dataListeners = input.listenerCount('data');
    const first = p.password('Key:');
    await typeWhenAsked('Key:', 'abcd');
    input.write('\x1a');
    await until(() => stops === 1);
    expect(echoAtStops).toEqual([true]);
    input.write('sk-proj-pasted\r');
    expect(await first).toBe('abcdsk-proj-pasted');
    for (const answer of ['second', 'third']) {
      const next = p.password('Again:');
      await typeWhenAsked('Again:', 'x\x1a');
      await until(() => stops > 1);
      input.write(`${answer}\r`);
      expect(await next).toBe(`x${answer}`);
      stops = 1;
    }
    expect(process.listenerCount('SIGCONT')).toBe(baseline.sigcont);
    // readline's keypress reader stays on the stream, once: one more than before any question.
    expect(input.listenerCount('data')).toBeLessThanOrEqual(dataListeners + 1);
  });

  it('after a stop from elsewhere (kill -TSTP), the terminal is in raw mode again: what is pasted is not echoed', async () => {
    const p = prompter();
    const asking = p.password('Key:');
    await typeWhenAsked('Key:', 'abcd');
    expect(input.echo).toBe(false);
    const from = screen.length;
    stoppedFromElsewhereAndContinued();
    // Drawn again: the question has taken the continuing in.
    await until(() => screen.length > from);
    expect(input.echo).toBe(false);
    input.write('sk-proj-pasted\r');
    expect(await asking).toBe('abcdsk-proj-pasted');
    expect(process.listenerCount('SIGCONT')).toBe(baseline.sigcont);
  });
});

describe('whom Ctrl-Z stops', () => {
  it('our whole process group (a wrapper such as npx stops too, and the shell sees the job stopped); outside the terminal foreground, our PID alone', async () => {
    const p = prompter();
    for (const [foreground, target] of [[true, 0], [false, process.pid]] as const) {
      vi.mocked(processWitnesses.inTerminalForeground).mockReturnValue(foreground);
      const asking = p.password('Key:');
      await typeWhenAsked('Key:', 'k\x1a');
      await until(() => stopTargets.length > 0);
      input.write('ey\r');
      expect(await asking).toBe('key');
      expect(stopTargets).toEqual([target]);
      stopTargets = [];
    }
  });
});

describe('Ctrl-Z while input is held (between questions)', () => {
  it('stops at once, as the terminal would have; what was typed around it still goes to the password question', async () => {
    const p = prompter();
    p.holdInput();
    input.write('sk-proj-\x1a');
    await until(() => stops === 1);
    expect(echoAtStops).toEqual([true]);
    input.write('typed');
    await until(() => input.readableLength === 0 && input.writableLength === 0);
    const asking = p.password('Key:');
    await typeWhenAsked('Key:', '\r');
    expect(await asking).toBe('sk-proj-typed');
    // The question opening did not stop the process again.
    expect(stops).toBe(1);
    expect(process.listenerCount('SIGCONT')).toBe(baseline.sigcont);
  });

  it('after a stop from elsewhere while held, raw mode is on again', async () => {
    const p = prompter();
    p.holdInput();
    expect(input.echo).toBe(false);
    stoppedFromElsewhereAndContinued();
    expect(input.echo).toBe(false);
    const asking = p.password('Key:');
    await typeWhenAsked('Key:', 'k\r');
    expect(await asking).toBe('k');
    expect(process.listenerCount('SIGCONT')).toBe(baseline.sigcont);
  });
});

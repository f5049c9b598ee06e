// Reading a key from standard input: to its end, or until a pipe that stays open goes quiet after a
// line; bounded in size and time; and what counts as a key with a line break inside.
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { hasLineBreakInside, MAX_STDIN_BYTES, readKeyFromStdin, readStdin, StdinError } from '../../src/terminal/stdin.js';

const FAST = { waitMs: 400, quietMs: 40 };

/** What a promise has come to so far, read without waiting for it. */
function watch<T>(promise: Promise<T>): { readonly state: { value: T } | { error: unknown } | 'pending' } {
  const watched: { state: { value: T } | { error: unknown } | 'pending' } = { state: 'pending' };
  promise.then(
    (value) => (watched.state = { value }),
    (error: unknown) => (watched.state = { error }),
  );
  return watched;
}

// The clock is vitest's: time moves only when a test moves it, so "within the moment" and "bounded
// in time" are exact, whatever the machine's load.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('readStdin', () => {
  it('reads to the end of the input, every line of it', async () => {
    const input = new PassThrough();
    const reading = readStdin(input, FAST);
    input.write('sk-proj-first\n');
    input.end('second\n');
    await vi.runAllTimersAsync();
    expect(await reading).toBe('sk-proj-first\nsecond\n');
  });

  it('takes a line from a pipe that never closes once nothing more came for a moment', async () => {
    const input = new PassThrough();
    const reading = watch(readStdin(input, FAST));
    input.write('sk-proj-key\n');
    await vi.advanceTimersByTimeAsync(FAST.quietMs - 1);
    expect(reading.state).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    // The quiet moment, not the overall wait, ended it.
    expect(reading.state).toEqual({ value: 'sk-proj-key\n' });
  });

  it('keeps reading what follows the line within the moment (the rest of a paste)', async () => {
    const input = new PassThrough();
    const reading = watch(readStdin(input, FAST));
    input.write('sk-proj-first-half\n');
    await vi.advanceTimersByTimeAsync(FAST.quietMs - 1);
    input.write('second-half\n');
    await vi.advanceTimersByTimeAsync(FAST.quietMs - 1);
    expect(reading.state).toBe('pending'); // the moment starts again with each line
    await vi.advanceTimersByTimeAsync(1);
    expect(reading.state).toEqual({ value: 'sk-proj-first-half\nsecond-half\n' });
  });

  it('a part of a line, or blank lines, are not a line to stop at: it waits for the end', async () => {
    const input = new PassThrough();
    const reading = watch(readStdin(input, FAST));
    input.write('\n\n  sk-proj-');
    await vi.advanceTimersByTimeAsync(FAST.quietMs * 3);
    expect(reading.state).toBe('pending');
    input.end('key');
    await vi.advanceTimersByTimeAsync(0);
    expect(reading.state).toEqual({ value: '\n\n  sk-proj-key' });
  });

  it('gives up when nothing usable came in time', async () => {
    const input = new PassThrough();
    const reading = watch(readStdin(input, FAST));
    input.write('\n');
    await vi.advanceTimersByTimeAsync(FAST.waitMs - 1);
    expect(reading.state).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    const state = reading.state;
    expect(state !== 'pending' && 'error' in state ? String(state.error) : state).toMatch(/Nothing came on standard input within 0.4 s/);
  });

  it('stays bounded in time while something keeps trickling in after a line', async () => {
    const input = new PassThrough();
    const reading = watch(readStdin(input, FAST));
    input.write('sk-proj-key\n');
    const drip = setInterval(() => input.write('.'), FAST.quietMs / 4);
    try {
      await vi.advanceTimersByTimeAsync(FAST.waitMs - 1);
      expect(reading.state).toBe('pending');
      await vi.advanceTimersByTimeAsync(1);
      const state = reading.state;
      expect(state !== 'pending' && 'value' in state ? state.value : state).toMatch(/^sk-proj-key\n\.+$/);
    } finally {
      clearInterval(drip);
    }
  });

  it('refuses more than it could take for a key', async () => {
    const input = new PassThrough();
    const reading = readStdin(input, FAST);
    input.write(`${'x'.repeat(MAX_STDIN_BYTES)}\n`);
    await expect(reading).rejects.toThrow(`Standard input is longer than ${MAX_STDIN_BYTES} bytes`);
  });

  it('refuses a terminal at once', async () => {
    const input = Object.assign(new PassThrough(), { isTTY: true });
    await expect(readStdin(input, FAST)).rejects.toBeInstanceOf(UsageError);
  });
});

describe('hasLineBreakInside', () => {
  it.each([
    ['sk-proj-key', false],
    ['sk-proj-key\n', false],
    ['sk-proj-key\r\n', false],
    ['\n\n  sk-proj-key \t\n\n', false],
    ['export OPENAI_API_KEY="sk-proj-key"\n', false],
    ['sk-proj-first\nsecond', true],
    ['sk-proj-first\r\nsecond\r\n', true],
    ['sk-proj-first\rsecond', true],
    ['sk-proj-key\nsk-proj-key\n', true],
  ])('%j → %s', (text, expected) => {
    expect(hasLineBreakInside(text)).toBe(expected);
  });
});

describe('the advice of a failure names the command that was run', () => {
  const VERIFY = 'printenv OPENAI_API_KEY | openai-setup verify --key -';

  /** The message and hints a rejected promise gave. */
  async function failure(promise: Promise<unknown>): Promise<{ code: number; message: string; hints: string[] }> {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    if (!(error instanceof UsageError)) throw new Error(`not a usage error: ${String(error)}`);
    return { code: error.code, message: error.message, hints: error.hints };
  }

  it('a pipe that never sends anything: the example given (verify), not key --stdin', async () => {
    const input = new PassThrough();
    const reading = failure(readStdin(input, FAST, VERIFY));
    await vi.advanceTimersByTimeAsync(FAST.waitMs);
    expect(await reading).toEqual({ code: 2, message: 'Nothing came on standard input within 0.4 s (a line ending with a newline, or the end of the input).', hints: [`Pipe the key in, e.g.:  ${VERIFY}`] });
  });

  it('a terminal: the example given', async () => {
    const input = Object.assign(new PassThrough(), { isTTY: true });
    expect((await failure(readStdin(input, FAST, VERIFY))).hints).toEqual([`Pipe the key in, e.g.:  ${VERIFY}`]);
  });

  it('without an example (an older caller): key --stdin, as before', async () => {
    const input = Object.assign(new PassThrough(), { isTTY: true });
    expect((await failure(readStdin(input, FAST))).hints).toEqual(['Pipe the key in, e.g.:  printenv OPENAI_API_KEY | openai-setup key --stdin']);
  });

  it('readKeyFromStdin: a failure of ctx.readStdin (which names no command) names the caller\'s', async () => {
    const read = () => Promise.reject(new StdinError('Nothing came on standard input within 10 s.', 'printenv OPENAI_API_KEY | openai-setup key --stdin'));
    expect(await failure(readKeyFromStdin(read, VERIFY))).toEqual({ code: 2, message: 'Nothing came on standard input within 10 s.', hints: [`Pipe the key in, e.g.:  ${VERIFY}`] });
    // Other failures pass as they are.
    const tooLong = new UsageError('Standard input is longer than 4096 bytes.', ['Pipe only the key.']);
    await expect(readKeyFromStdin(() => Promise.reject(tooLong), VERIFY)).rejects.toBe(tooLong);
  });

  it.each([
    ['empty', ''],
    ['blank lines', '\n \r\n\t\n'],
  ])('readKeyFromStdin: %s input is no key given, a usage error (exit 2) naming the command', async (_name, text) => {
    expect(await failure(readKeyFromStdin(() => Promise.resolve(text), VERIFY))).toEqual({
      code: 2,
      message: 'No key came on standard input: it was empty.',
      hints: [`Pipe the key in, e.g.:  ${VERIFY}`],
    });
  });

  it('readKeyFromStdin: what came is given as it came', async () => {
    expect(await readKeyFromStdin(() => Promise.resolve(' sk-proj-key\n'), VERIFY)).toBe(' sk-proj-key\n');
  });
});

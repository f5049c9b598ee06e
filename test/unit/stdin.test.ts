// Reading a key from standard input: to its end, or until a pipe that stays open goes quiet after a
// line; bounded in size and time; and what counts as a key with a line break inside.
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { hasLineBreakInside, MAX_STDIN_BYTES, readStdin } from '../../src/terminal/stdin.js';

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

// Reading a key from standard input: to its end, or until a pipe that stays open goes quiet after a
// line; bounded in size and time; and what counts as a key with a line break inside.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { hasLineBreakInside, MAX_STDIN_BYTES, readStdin } from '../../src/terminal/stdin.js';

const FAST = { waitMs: 400, quietMs: 40 };
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('readStdin', () => {
  it('reads to the end of the input, every line of it', async () => {
    const input = new PassThrough();
    const reading = readStdin(input, FAST);
    input.write('sk-proj-first\n');
    input.end('second\n');
    expect(await reading).toBe('sk-proj-first\nsecond\n');
  });

  it('takes a line from a pipe that never closes once nothing more came for a moment', async () => {
    const input = new PassThrough();
    const started = Date.now();
    const reading = readStdin(input, FAST);
    input.write('sk-proj-key\n');
    expect(await reading).toBe('sk-proj-key\n');
    expect(Date.now() - started).toBeLessThan(FAST.waitMs);
  });

  it('keeps reading what follows the line within the moment (the rest of a paste)', async () => {
    const input = new PassThrough();
    const reading = readStdin(input, FAST);
    input.write('sk-proj-first-half\n');
    await tick(10);
    input.write('second-half\n');
    expect(await reading).toBe('sk-proj-first-half\nsecond-half\n');
  });

  it('a part of a line, or blank lines, are not a line to stop at: it waits for the end', async () => {
    const input = new PassThrough();
    const reading = readStdin(input, FAST);
    input.write('\n\n  sk-proj-');
    await tick(FAST.quietMs * 3);
    input.end('key');
    expect(await reading).toBe('\n\n  sk-proj-key');
  });

  it('gives up when nothing usable came in time', async () => {
    const input = new PassThrough();
    const reading = readStdin(input, FAST);
    input.write('\n');
    await expect(reading).rejects.toThrow(/Nothing came on standard input within 0.4 s/);
  });

  it('stays bounded in time while something keeps trickling in after a line', async () => {
    const input = new PassThrough();
    const started = Date.now();
    const reading = readStdin(input, FAST);
    input.write('sk-proj-key\n');
    const drip = setInterval(() => input.write('.'), FAST.quietMs / 4);
    try {
      expect(await reading).toMatch(/^sk-proj-key\n\.+$/);
      expect(Date.now() - started).toBeLessThan(FAST.waitMs + 200);
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

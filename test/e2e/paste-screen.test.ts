// What stays on the screen after a paste at the (masked) key prompt, in a real pseudo-terminal:
// with a line break inside, the question closes as any answer does, "(N characters, hidden)", and
// no row of stars is left; a blank line before the key is around it, not inside; a paste longer
// than any key is refused once past the bound, with little output and Ctrl-C still heard. The
// screen is what the terminal would show (test/helpers/screen.ts).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { makeKey, startOpenAIServer, type FakeOpenAI } from '../helpers/openai-server.js';
import { spawnCli, type PtySession } from '../helpers/pty.js';
import { runCli } from '../helpers/run.js';
import { screenOf } from '../helpers/screen.js';

const KEY = makeKey('proj', 'paste-screen');
const QUESTION = 'Paste your secret key (input is hidden):';
const LINE_BREAK = 'it has a line break inside: copy it again in one piece';
const TOO_LONG = 'What was pasted is longer than 4096 bytes; a key is under 200 characters.';
const LONG_PASTE = `sk-proj-${'A'.repeat(20_000)}`;
const COLUMNS = 100;

let server: FakeOpenAI;
let t: TestEnv | undefined;
let session: PtySession | undefined;

beforeAll(async () => {
  server = await startOpenAIServer({ keys: { [KEY]: 'valid' } });
});
afterAll(async () => {
  await server?.close();
});
afterEach(async () => {
  session?.kill();
  session = undefined;
  await t?.cleanup();
  t = undefined;
});

describe('a paste with a line break inside, at the masked key prompt', () => {
  it.each([
    ['in one read', [`${KEY.slice(0, 80)}\r${KEY.slice(80)}\r`]],
    ['in two reads', [`${KEY.slice(0, 80)}\r`, `${KEY.slice(80)}\r`]],
  ])('%s: the question closes as "(80 characters, hidden)", no row of stars is left, and the key pasted next is taken', async (_how, writes) => {
    t = await makeTestEnv({ OPENAI_BASE_URL: server.baseURL });
    const s = (session = spawnCli(['key', '--insecure-storage'], { env: t.env, cols: COLUMNS }));
    await s.waitFor(QUESTION);
    for (const text of writes) s.type(text);
    await s.waitFor(LINE_BREAK);
    await s.waitFor(QUESTION);
    const screen = screenOf(s.rawOutput(), COLUMNS);
    const asked = screen.findIndex((line) => line.includes(QUESTION));
    expect(screen[asked]).toMatch(new RegExp(`${QUESTION.replace(/[()]/g, '\\$&')} \\(80 characters, hidden\\)$`));
    expect(screen[asked + 1]).toContain(`That is not an API key: ${LINE_BREAK}.`);
    expect(screen.filter((line) => line.includes('***'))).toEqual([]);

    s.type(`${KEY}\r`);
    await s.waitFor('Stored sk-proj-…');
    expect(await s.exited).toMatchObject({ exitCode: 0 });
    const after = screenOf(s.rawOutput(), COLUMNS);
    expect(after.filter((line) => line.includes(QUESTION)).map((line) => line.slice(line.indexOf(QUESTION)))).toEqual([
      `${QUESTION} (80 characters, hidden)`,
      `${QUESTION} (${KEY.length} characters, hidden)`,
    ]);
    expect(after.filter((line) => line.includes('***'))).toEqual([]);
    expect(server.requestsFor(KEY.slice(0, 80))).toEqual([]);
    expect((await runCli(['token'], { env: t.env })).stdout).toBe(`${KEY}\n`);
  });
});

/** The question's rows on the screen, from the question on (a row may start with what was written before it). */
function questionRows(raw: string): string[] {
  return screenOf(raw, COLUMNS)
    .filter((line) => line.includes(QUESTION))
    .map((line) => line.slice(line.indexOf(QUESTION)));
}

describe('blank lines before the key, in one paste', () => {
  it.each([
    ['a bracketed paste', `\x1b[200~\n${KEY}\x1b[201~\r`],
    ['a plain write', `\n${KEY}\r`],
  ])('%s: around the key, as with --stdin, not inside it: the key is stored', async (_how, paste) => {
    t = await makeTestEnv({ OPENAI_BASE_URL: server.baseURL });
    const s = (session = spawnCli(['key', '--insecure-storage'], { env: t.env, cols: COLUMNS }));
    await s.waitFor(QUESTION);
    s.type(paste);
    await s.waitFor('Stored sk-proj-…');
    expect(await s.exited).toMatchObject({ exitCode: 0 });
    expect(s.output()).not.toContain(LINE_BREAK);
    expect(questionRows(s.rawOutput())).toEqual([`${QUESTION} (${KEY.length} characters, hidden)`]);
    expect((await runCli(['token'], { env: t.env })).stdout).toBe(`${KEY}\n`);
  });
});

describe('a paste of 20,000 characters on one line', () => {
  it('then Enter: refused as too long, with little output, asked again, and the key pasted next is taken', async () => {
    t = await makeTestEnv({ OPENAI_BASE_URL: server.baseURL });
    const s = (session = spawnCli(['key', '--insecure-storage'], { env: t.env, cols: COLUMNS, rows: 30 }));
    await s.waitFor(QUESTION);
    const before = s.rawOutput().length;
    s.type(`${LONG_PASTE}\r`);
    await s.waitFor(TOO_LONG);
    await s.waitFor(QUESTION);
    // A row of stars redrawn at each keypress wrote megabytes (quadratic in the paste's length).
    expect(s.rawOutput().length - before).toBeLessThan(200_000);
    expect(questionRows(s.rawOutput())).toEqual([`${QUESTION} (over 4096 bytes, hidden)`, QUESTION]);

    s.type(`${KEY}\r`);
    await s.waitFor('Stored sk-proj-…');
    expect(await s.exited).toMatchObject({ exitCode: 0 });
    expect(server.requests.filter((r) => r.key?.includes('AAAA'))).toEqual([]);
    expect((await runCli(['token'], { env: t.env })).stdout).toBe(`${KEY}\n`);
  });

  it.each([
    ['with its Enter', `${LONG_PASTE}\r`],
    ['without Enter', LONG_PASTE],
  ])('%s, then Ctrl-C at once: the tool stops (exit 130), nothing stored', async (_how, paste) => {
    t = await makeTestEnv({ OPENAI_BASE_URL: server.baseURL });
    const s = (session = spawnCli(['key', '--insecure-storage'], { env: t.env, cols: COLUMNS, rows: 30 }));
    await s.waitFor(QUESTION);
    s.type(paste);
    s.press('ctrl-c');
    // The test's timeout is the bound: before, the paste alone kept the tool busy for minutes.
    expect(await s.exited).toMatchObject({ exitCode: 130 });
    expect((await runCli(['token'], { env: t.env })).code).not.toBe(0);
  });
});

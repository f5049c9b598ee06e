// What is typed while no question shows, or at a question it is no answer to, through the built
// binary in a real pseudo-terminal: during a key's live check (after the key was taken), nothing
// typed is echoed (a key pasted again stayed on the screen, its first row wrapped above the
// spinner's) or taken as an answer to the question that follows ("What now?"); and a paste at a
// list, dropped, leaves Enter alone no answer to it, the person told why.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { makeKey, startOpenAIServer, type FakeOpenAI } from '../helpers/openai-server.js';
import { spawnCli, type PtySession } from '../helpers/pty.js';
import { runCli } from '../helpers/run.js';
import { keyPieces, rowsHolding } from '../helpers/screen.js';

const HANGS = makeKey('proj', 'typed-between-hangs');
const AGAIN = makeKey('proj', 'typed-between-again');
const THIRD = makeKey('proj', 'typed-between-third');
const QUESTION = 'Paste your secret key (input is hidden):';
const CHECKING = 'Checking the key with a live call';
const COLUMNS = 100;

let server: FakeOpenAI;
let t: TestEnv | undefined;
let session: PtySession | undefined;

beforeAll(async () => {
  server = await startOpenAIServer({ keys: { [HANGS]: 'hang', [AGAIN]: 'valid', [THIRD]: 'valid' } });
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

function expectNotOnScreen(s: PtySession, key: string): void {
  for (const piece of keyPieces(key)) expect(s.rawOutput()).not.toContain(piece);
}

const rowsWith = (s: PtySession, text: string): string[] => rowsHolding(s.rawOutput(), COLUMNS, text);

/** `key`, a key pasted whose check hangs until --timeout: the spinner shows. */
async function checkThatHangs(): Promise<PtySession> {
  t = await makeTestEnv({ OPENAI_BASE_URL: server.baseURL });
  const s = (session = spawnCli(['key', '--insecure-storage', '--timeout', '3000'], { env: t.env, cols: COLUMNS }));
  await s.waitFor(QUESTION);
  s.type(`${HANGS}\r`);
  await s.waitFor(CHECKING);
  return s;
}

describe("typed during the wizard's check of a key it found, before its first question", () => {
  it('Enter (and text) typed then: never echoed, and no answer to the question that follows; the stage it asks about is not done', async () => {
    t = await makeTestEnv({ OPENAI_BASE_URL: server.baseURL });
    const stored = await runCli(['key', '--stdin', '--no-verify', '--insecure-storage'], { env: t.env, input: `${HANGS}\n` });
    expect(stored.code, stored.stderr).toBe(0);
    const s = (session = spawnCli(['--no-browser', '--insecure-storage', '--timeout', '3000'], { env: t.env, cols: COLUMNS }));
    await s.waitFor(CHECKING);
    s.type('abc\r');
    // The check gives up (3 s); the wizard's first question shows, and waits for its own answer.
    await s.waitFor('When you are done on that page:');
    expect(s.rawOutput()).not.toContain('abc');
    expect(rowsWith(s, 'When you are done on that page:')[0]).not.toMatch(/Done, continue$/);
    s.press('ctrl-c');
    expect(await s.exited).toMatchObject({ exitCode: 130 });
    const status = await runCli(['status', '--json'], { env: t.env });
    expect(JSON.parse(status.stdout).stages.find((stage: { id: string }) => stage.id === 'login')).toMatchObject({ done: false });
  });
});

describe('typed during the live check of a key just pasted', () => {
  it('a key pasted again, with its Enter: never echoed, no answer to "What now?", and not kept for the next key question', async () => {
    const s = await checkThatHangs();
    s.type(AGAIN);
    s.type('\r');
    await s.waitFor('What now?');
    s.press('down');
    s.press('enter');
    await s.waitFor(QUESTION);
    // Asked again, empty: the key pasted during the check is not its answer.
    s.type(`${THIRD}\r`);
    await s.waitFor('Stored sk-proj-…');
    expect(await s.exited).toMatchObject({ exitCode: 0 });
    expectNotOnScreen(s, AGAIN);
    expectNotOnScreen(s, THIRD);
    expect(rowsWith(s, 'What now?')).toEqual(['What now? Paste a different key']);
    expect(server.requestsFor(AGAIN)).toEqual([]);
    expect((await runCli(['token'], { env: t!.env })).stdout).toBe(`${THIRD}\n`);
  });

  it('Enter alone: no answer to "What now?", which waits for its own', async () => {
    const s = await checkThatHangs();
    s.press('enter');
    await s.waitFor('What now?');
    for (let i = 0; i < 3; i++) s.press('down');
    s.press('enter');
    await s.waitFor('Stopped; the key was not stored.');
    expect((await s.exited).exitCode).not.toBe(0);
    expect(rowsWith(s, 'What now?')).toEqual(['What now? Stop without saving']);
    expect(s.output()).not.toContain('Still failing');
  });
});

/** As checkThatHangs, then "Check again" at "What now?": the second check hangs too, its spinner showing. */
async function recheckThatHangs(): Promise<PtySession> {
  const s = await checkThatHangs();
  await s.waitFor('What now?');
  s.press('enter');
  await s.waitFor(CHECKING);
  return s;
}

describe('typed during the check "Check again" started', () => {
  it('a key pasted, with its Enter: never echoed, and no answer to "Save this key anyway?"', async () => {
    const s = await recheckThatHangs();
    s.type(AGAIN);
    s.type('\r');
    await s.waitFor('Save this key anyway?');
    s.type('y');
    s.press('enter');
    await s.waitFor('Stored sk-proj-…');
    expect(await s.exited).toMatchObject({ exitCode: 0 });
    expectNotOnScreen(s, AGAIN);
    expect(rowsWith(s, 'Save this key anyway?')).toEqual(['Save this key anyway? Yes']);
    expect(server.requestsFor(AGAIN)).toEqual([]);
    expect((await runCli(['token'], { env: t!.env })).stdout).toBe(`${HANGS}\n`);
  });

  it('Enter alone: no answer to "Save this key anyway?", which waits for its own', async () => {
    const s = await recheckThatHangs();
    s.press('enter');
    await s.waitFor('Save this key anyway?');
    s.type('y');
    s.press('enter');
    await s.waitFor('Stored sk-proj-…');
    expect(await s.exited).toMatchObject({ exitCode: 0 });
    expect(rowsWith(s, 'Save this key anyway?')).toEqual(['Save this key anyway? Yes']);
    expect(s.output()).not.toContain('Stopped; the key was not stored.');
  });

  it('Ctrl-C still cancels it', async () => {
    const s = await recheckThatHangs();
    s.press('ctrl-c');
    await s.waitFor('Cancelled.');
    expect(await s.exited).toMatchObject({ exitCode: 130 });
  });
});

describe('a paste at a list, dropped', () => {
  it('is said to be ignored, and Enter alone then takes no choice; an arrow and Enter do', async () => {
    t = await makeTestEnv({ OPENAI_BASE_URL: server.baseURL });
    const s = (session = spawnCli(['login'], { env: t.env, cols: COLUMNS }));
    const question = 'When you are done on that page:';
    await s.waitFor(question);
    s.type(THIRD);
    await s.waitFor('The paste was ignored: choose with ↑↓, then press Enter.');
    s.press('enter');
    s.press('down');
    s.press('enter');
    // The answer, then the question asked again once the page has opened again: an Enter pressed
    // before it shows is typed between questions, and dropped (as the tests above want), so it is
    // pressed only then. (The question's own text is on the answered row too, and each choice's
    // label on every render of the list: neither says the new question is there.)
    await s.waitFor(new RegExp(`${question}\\s*Open the page again`));
    await s.waitFor(question);
    s.press('enter');
    await s.waitFor(new RegExp(`${question}\\s*Done, continue`));
    // Bounded, with the screen: a run that does not end says where it stands.
    const ended = await Promise.race([s.exited, new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 15_000).unref())]);
    expect(ended, `login is still running 15 s after "Done, continue"; the screen:\n${s.output().slice(-3000)}`).toMatchObject({ exitCode: 0 });
    expect(rowsWith(s, question)).toEqual([`${question} Open the page again`, `${question} Done, continue`]);
    expectNotOnScreen(s, THIRD);
    // Five waits on a page opened twice: past 30 s once on a loaded machine (each wait has its own bound).
  }, 60_000);
});

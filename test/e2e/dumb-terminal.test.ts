// TERM=dumb (Emacs's M-x shell, some CI consoles, a `script` log) through the built binary in a
// real pseudo-terminal: not one escape sequence in what the run writes (NO_COLOR: no colour
// either), no question asked but what to do instead, each command of it working there as printed,
// and the spinner as its text once.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { makeKey, startOpenAIServer, type FakeOpenAI } from '../helpers/openai-server.js';
import { spawnCli, spawnCommand, type PtySession } from '../helpers/pty.js';

const WHY = 'TERM=dumb says this terminal cannot move its cursor, which questions need';

describe('TERM=dumb', () => {
  let server: FakeOpenAI;
  let testEnv: TestEnv;
  let session: PtySession | undefined;
  const key = makeKey('proj', 'dumb-terminal');
  const hangs = makeKey('proj', 'dumb-terminal-hangs');

  beforeAll(async () => {
    server = await startOpenAIServer();
    server.addKey(key, 'valid');
    server.addKey(hangs, 'hang');
  });
  afterAll(async () => {
    await server?.close();
  });
  afterEach(async () => {
    session?.kill();
    session = undefined;
    await testEnv?.cleanup();
  });

  const dumb = () => ({ ...testEnv.env, TERM: 'dumb', NO_COLOR: '1' });
  // Wide, so that no sentence is wrapped.
  const wide = () => ({ env: dumb(), cols: 300 });

  /** A run to its end (`text` said first: a run that asks instead fails here, not at the test's timeout); its raw output, which has no escape sequence at all. */
  async function plain(s: PtySession, exitCode: number, text?: string): Promise<string> {
    session = s;
    if (text) await s.waitFor(text);
    expect(await s.exited).toMatchObject({ exitCode });
    expect(JSON.stringify(s.rawOutput())).not.toContain('\\u001b');
    return s.rawOutput().replace(/\r\n/g, '\n');
  }

  it('the wizard asks nothing, names TERM=dumb, and each command it prints works there as printed', async () => {
    testEnv = await makeTestEnv({ OPENAI_BASE_URL: server.baseURL });
    const said = `The wizard asks questions, but ${WHY}. Instead, do its stages as commands:`;
    const out = await plain(spawnCli([], wide()), 2, said);
    expect(out).toContain(said);
    const commands = [...out.matchAll(/^ +((?:openai-setup|… \|) .*)$/gm)].map(([, line]) => line!);
    expect(commands.length).toBe(4);
    // The key's line pipes the key in (`key`, which asks, would fail here the same way).
    expect(commands[3]).toMatch(/^… \| openai-setup key --stdin/);
    for (const command of commands) {
      await plain(spawnCommand('/bin/sh', ['-c', command.replace('…', `printf %s ${key}`)], wide()), 0);
    }
    const done = await plain(spawnCli(['verify'], wide()), 0, 'The key works');
    expect(done).toContain('The key works');
  });

  it('a paste asks nothing and names TERM=dumb', async () => {
    testEnv = await makeTestEnv({ OPENAI_BASE_URL: server.baseURL });
    const said = `Pasting a key asks a question, but ${WHY}.`;
    const out = await plain(spawnCli(['key'], wide()), 2, said);
    expect(out).toContain(said);
  });

  it('the spinner is its text once, as a line, before the result', async () => {
    testEnv = await makeTestEnv({ OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: key });
    const out = await plain(spawnCli(['verify'], wide()), 0, 'The key works');
    expect(out).toMatch(/^Checking the key with a live call…\n[^]*The key works/m);
    expect(out.split('Checking the key').length).toBe(2);
  });

  it('Ctrl-C during the check: "Cancelled." with nothing cleared by escapes, exit 130', async () => {
    testEnv = await makeTestEnv({ OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: hangs });
    const s = spawnCli(['verify', '--timeout', '20000'], wide());
    session = s;
    await s.waitFor('Checking the key with a live call…');
    s.press('ctrl-c');
    const out = await plain(s, 130, 'Cancelled.');
    expect(out).toMatch(/Checking the key with a live call…\n[^]*Cancelled\.\n/);
  });
});

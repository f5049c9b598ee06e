// The wizard's key prompt in a real pseudo-terminal: an empty Enter says how to stop, and a
// second one ends the run as "No key yet" (exit 2), the stages done kept, nothing sent.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StateSchema } from '../../src/storage/state.js';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { startPrivateKeyring, type PrivateKeyring } from '../helpers/keyring.js';
import { startOpenAIServer, type FakeOpenAI } from '../helpers/openai-server.js';
import { spawnCli, type PtySession } from '../helpers/pty.js';
import { runCli } from '../helpers/run.js';

describe('the key prompt: a way out without Ctrl-C', () => {
  let server: FakeOpenAI;
  let keyring: PrivateKeyring;
  let testEnv: TestEnv;
  let session: PtySession | undefined;

  beforeAll(async () => {
    server = await startOpenAIServer();
  });
  afterAll(async () => {
    await server?.close();
  });
  afterEach(async () => {
    session?.kill();
    session = undefined;
    await keyring?.stop();
    await testEnv?.cleanup();
  });

  it('two empty Enters at step 4: "No key yet", exit 2, stages 1–3 kept, nothing stored', async () => {
    keyring = await startPrivateKeyring();
    testEnv = await makeTestEnv({ OPENAI_BASE_URL: server.baseURL, ...keyring.env });
    for (const args of [['login', '--done'], ['payment', '--done'], ['billing', '--choice', 'prepaid', '--done']]) {
      expect((await runCli(args, { env: testEnv.env })).code).toBe(0);
    }
    const s = (session = spawnCli([], { env: testEnv.env }));
    await s.waitFor('Step 4 of 4');
    await s.waitFor('Paste your secret key');
    s.press('enter');
    await s.waitFor('Press Enter again to stop here (progress is kept: run `openai-setup key` when you have a key).');
    s.press('enter');
    await s.waitFor('No key yet. When you have one, run `openai-setup key`');
    expect(await s.exited).toMatchObject({ exitCode: 2 });
    expect(s.output()).not.toMatch(/\n\s+at /);
    const state = StateSchema.parse(JSON.parse(await readFile(join(testEnv.configDir, 'state.json'), 'utf8')));
    expect(Object.keys(state.profiles.default!.stages).sort()).toEqual(['billing', 'login', 'payment']);
    expect(state.profiles.default!.key).toBeUndefined();
    expect(await keyring.lookup('openai-setup', 'default')).toBeNull();
  });
});

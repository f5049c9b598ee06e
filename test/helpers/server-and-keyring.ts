/**
 * The set-up most e2e files share: one local OpenAI-like server and one private Secret Service for
 * the whole file, and throw-away machines and pseudo-terminal sessions for each test. Call
 * useServerAndKeyring() at the top of a file: it registers its own hooks (start before the file's
 * tests, stop after them; after each test, kill its sessions and remove its machines).
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { makeTestEnv, type TestEnv } from './env.js';
import { startPrivateKeyring, type PrivateKeyring } from './keyring.js';
import { startOpenAIServer, type FakeOpenAI } from './openai-server.js';
import { spawnCli, type PtyOptions, type PtySession } from './pty.js';

export interface ServerAndKeyring {
  /** The file's server (started before its first test). */
  server(): FakeOpenAI;
  /** The file's private Secret Service (started before its first test). */
  keyring(): PrivateKeyring;
  /** A scrubbed machine (makeTestEnv) using the server and the keyring, plus `extra`; removed after the test. */
  machine(extra?: Record<string, string | undefined>): Promise<TestEnv>;
  /** spawnCli, the session killed after the test (with whatever it left behind in its terminal). */
  spawnCli(args: string[], options: PtyOptions): PtySession;
}

/** `setup` runs once both are up, before the file's tests (to add keys, projects, …). */
export function useServerAndKeyring(setup?: (server: FakeOpenAI, keyring: PrivateKeyring) => void | Promise<void>): ServerAndKeyring {
  let server: FakeOpenAI | undefined;
  let keyring: PrivateKeyring | undefined;
  const machines: TestEnv[] = [];
  const sessions: PtySession[] = [];
  const started = <T>(what: T | undefined): T => {
    if (what === undefined) throw new Error('useServerAndKeyring(): not started yet; use it inside a test or a hook.');
    return what;
  };
  const serverOf = () => started(server);
  const keyringOf = () => started(keyring);

  beforeAll(async () => {
    [server, keyring] = await Promise.all([startOpenAIServer(), startPrivateKeyring()]);
    await setup?.(server, keyring);
  });
  afterAll(async () => {
    await Promise.all([server?.close(), keyring?.stop()]);
  });
  afterEach(async () => {
    for (const session of sessions.splice(0)) session.kill();
    for (const t of machines.splice(0)) await t.cleanup();
  });

  return {
    server: serverOf,
    keyring: keyringOf,
    async machine(extra = {}) {
      const t = await makeTestEnv({ OPENAI_BASE_URL: serverOf().baseURL, ...keyringOf().env, ...extra });
      machines.push(t);
      return t;
    },
    spawnCli(args, options) {
      const session = spawnCli(args, options);
      sessions.push(session);
      return session;
    },
  };
}

/**
 * Faults around storing a key, for unit tests through Context: another run holding a lock, a
 * progress file that cannot be written once the key is stored, another run that acts while a
 * key is being stored. All on the real files of a TestContext and its in-memory keychain.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from '../../src/context.js';
import { KeyStore } from '../../src/storage/keystore.js';
import { lockPathFor } from '../../src/storage/lock.js';
import { StateStore } from '../../src/storage/state.js';
import type { TestContext } from './context.js';

/** Another run holds the lock of a file in the config dir (a fresh one: not taken over); its path. */
export function holdLock(t: TestContext, file: 'credentials.json' | 'state.json'): string {
  mkdirSync(t.configDir, { recursive: true, mode: 0o700 });
  const lock = lockPathFor(join(t.configDir, file));
  mkdirSync(lock);
  return lock;
}

/**
 * Run `act` once, as soon as `key` (a key, or a test of one) is in the store: right after its
 * keychain write, or (in the file) at the keychain clean-up that follows the file's write. The run
 * storing it waits for `act`.
 */
export function whenStored(t: TestContext, key: string | ((key: string) => boolean), act: () => Promise<void> | void): void {
  const matches = typeof key === 'string' ? (value: string) => value === key : key;
  const keychain = t.keychain;
  let done = false;
  const once = async () => {
    if (done) return;
    done = true;
    await act();
  };
  const inFile = () => existsSync(t.ctx.keys.filePath) && Object.values(JSON.parse(readFileSync(t.ctx.keys.filePath, 'utf8')).keys as Record<string, string>).some(matches);
  const set = keychain.setPassword.bind(keychain);
  const del = keychain.deletePassword.bind(keychain);
  keychain.setPassword = async (service, account, password) => {
    await set(service, account, password);
    if (matches(password)) await once();
  };
  keychain.deletePassword = async (service, account) => {
    const removed = await del(service, account);
    if (inFile()) await once();
    return removed;
  };
}

const putAside = new Map<string, string | null>();

/** From now on state.json cannot be written: a directory takes its place, as a failing disk would. */
export function stateInTheWay(t: TestContext): void {
  const path = t.ctx.state.path;
  putAside.set(path, existsSync(path) ? readFileSync(path, 'utf8') : null);
  rmSync(path, { force: true });
  mkdirSync(join(path, 'in-the-way'), { recursive: true });
}

/** state.json as it was before stateInTheWay(). */
export function stateBack(t: TestContext): void {
  const path = t.ctx.state.path;
  rmSync(path, { recursive: true, force: true });
  const text = putAside.get(path);
  if (text) writeFileSync(path, text, { mode: 0o600 });
}

/** Another run of openai-setup on the same config dir and keychain (its own stores; `stdin` piped in). */
export function anotherRun(t: TestContext, stdin?: string): Context {
  const warn = () => {};
  const state = new StateStore(t.configDir, t.ctx.clock.now, warn);
  return {
    ...t.ctx,
    state,
    keys: new KeyStore(t.keychain, t.configDir, warn, state),
    readStdin: async () => {
      if (stdin === undefined) throw new Error('Unexpected read of standard input by the other run.');
      return stdin;
    },
  };
}

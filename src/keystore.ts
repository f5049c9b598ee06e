// Where keys live: the OS keychain through a keytar-style API (@napi-rs/keyring), pinned to the
// Secret Service on Linux and time-boxed, or — only when asked with --insecure-storage — a 0600
// file in the config dir.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { KeyStoreError } from './errors.js';
import { ensurePrivateDir, writePrivateFile } from './state.js';

export const KEYCHAIN_SERVICE = 'openai-setup';

/** The keytar API: what the product needs from any keychain. */
export interface Keychain {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  /** Which store this is, for people: "Secret Service", "macOS Keychain"... */
  readonly description: string;
}

export type KeychainProblem = 'no-service' | 'locked' | 'denied' | 'timeout' | 'failed';

export class KeychainUnavailableError extends Error {
  constructor(
    readonly problem: KeychainProblem,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'KeychainUnavailableError';
  }
}

export function describeKeychainProblem(error: KeychainUnavailableError, store: string): string {
  switch (error.problem) {
    case 'no-service':
      return `No ${store} is running on this machine (common over SSH, in containers and on WSL), so the key cannot go into a keychain.`;
    case 'locked':
      return `The ${store} is locked and could not be unlocked from here.`;
    case 'denied':
      return `Access to the ${store} was denied.`;
    case 'timeout':
      return `The ${store} did not answer within a few seconds.`;
    default:
      return `The ${store} failed: ${error.detail}`;
  }
}

function classifyKeyringError(error: unknown): KeychainUnavailableError {
  const detail = error instanceof Error ? error.message : String(error);
  if (/DBUS_SESSION_BUS_ADDRESS|dbus-daemon autolaunch|org\.freedesktop\.secrets|ServiceUnknown|No such file|not provided by any \.service|Connection refused/i.test(detail)) {
    return new KeychainUnavailableError('no-service', detail);
  }
  if (/locked|unlock|prompt was dismissed/i.test(detail)) return new KeychainUnavailableError('locked', detail);
  if (/denied|not allowed|permission/i.test(detail)) return new KeychainUnavailableError('denied', detail);
  return new KeychainUnavailableError('failed', detail);
}

/** Run a keychain call with a deadline: a hung D-Bus must never hang the tool (gh uses 3 s). */
async function timeBoxed<T>(timeoutMs: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new KeychainUnavailableError('timeout', `no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([
      (async () => {
        try {
          return await call(controller.signal);
        } catch (error) {
          throw error instanceof KeychainUnavailableError ? error : classifyKeyringError(error);
        }
      })(),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The real OS keychain through @napi-rs/keyring, loaded only when a command needs it. */
export function osKeychain(platform: NodeJS.Platform, timeoutMs = 3000): Keychain {
  // Without pinning, keyring falls back on Linux to the kernel keyring, which forgets at reboot.
  const options = platform === 'linux' ? { linux: { store: 'secret-service' as const } } : undefined;
  const entry = async (service: string, account: string) => {
    const { AsyncEntry } = await import('@napi-rs/keyring');
    return new AsyncEntry(service, account, options);
  };
  return {
    description: platform === 'darwin' ? 'macOS Keychain' : platform === 'win32' ? 'Windows Credential Manager' : 'Secret Service keyring',
    getPassword: (service, account) => timeBoxed(timeoutMs, async (signal) => (await entry(service, account)).getPassword(signal)),
    setPassword: (service, account, password) =>
      timeBoxed(timeoutMs, async (signal) => (await entry(service, account)).setPassword(password, signal)),
    deletePassword: (service, account) =>
      timeBoxed(timeoutMs, async (signal) => (await entry(service, account)).deletePassword(signal)),
  };
}

const CredentialsFileSchema = z.object({
  note: z.string().optional(),
  keys: z.record(z.string(), z.string()),
});

export type Storage = 'keychain' | 'file';

export interface StoredKey {
  key: string;
  storage: Storage;
}

/**
 * The key store the commands use. The keychain is the default; the plaintext file is used only
 * when the person asked for it (--insecure-storage), and is read with a warning every time.
 */
export class KeyStore {
  readonly filePath: string;

  constructor(
    private readonly keychain: Keychain,
    private readonly configDir: string,
    private readonly warn: (message: string) => void,
  ) {
    this.filePath = join(configDir, 'credentials.json');
  }

  get keychainDescription(): string {
    return this.keychain.description;
  }

  /** Is the keychain usable right now? Throws KeychainUnavailableError when not. */
  async probe(): Promise<void> {
    await this.keychain.getPassword(KEYCHAIN_SERVICE, '__probe__');
  }

  private async readFileKeys(): Promise<Record<string, string>> {
    let text: string;
    try {
      text = await readFile(this.filePath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new KeyStoreError(`Could not read ${this.filePath}: ${(error as Error).message}`);
    }
    try {
      return CredentialsFileSchema.parse(JSON.parse(text)).keys;
    } catch {
      throw new KeyStoreError(`${this.filePath} is damaged; remove it and store the key again.`);
    }
  }

  private async writeFileKeys(keys: Record<string, string>): Promise<void> {
    if (Object.keys(keys).length === 0) {
      await rm(this.filePath, { force: true });
      return;
    }
    await ensurePrivateDir(this.configDir);
    const content = { note: 'API keys stored by openai-setup --insecure-storage, in plain text. Do not share.', keys };
    await writePrivateFile(this.filePath, `${JSON.stringify(content, null, 2)}\n`);
  }

  /**
   * The stored key of a profile: the keychain first; the file when the keychain has none or is
   * unavailable. Returns the keychain error too, so callers can say why it was not read.
   */
  async get(profile: string): Promise<{ stored: StoredKey | null; keychainError: KeychainUnavailableError | null }> {
    let keychainError: KeychainUnavailableError | null = null;
    try {
      const key = await this.keychain.getPassword(KEYCHAIN_SERVICE, profile);
      if (key) return { stored: { key, storage: 'keychain' }, keychainError };
    } catch (error) {
      if (!(error instanceof KeychainUnavailableError)) throw error;
      keychainError = error;
    }
    const fileKey = (await this.readFileKeys())[profile];
    if (fileKey) {
      this.warn(`Reading the key of profile "${profile}" from the plain-text file ${this.filePath} (--insecure-storage).`);
      return { stored: { key: fileKey, storage: 'file' }, keychainError };
    }
    return { stored: null, keychainError };
  }

  /** Store in the keychain (and drop any plain-text copy), or in the file when insecure is set. */
  async set(profile: string, key: string, insecure: boolean): Promise<Storage> {
    const fileKeys = await this.readFileKeys();
    if (insecure) {
      await this.writeFileKeys({ ...fileKeys, [profile]: key });
      return 'file';
    }
    await this.keychain.setPassword(KEYCHAIN_SERVICE, profile, key);
    if (profile in fileKeys) {
      delete fileKeys[profile];
      await this.writeFileKeys(fileKeys);
    }
    return 'keychain';
  }

  /** Remove the key from both places; says which held it. */
  async delete(profile: string): Promise<{ keychain: boolean; file: boolean; keychainError: KeychainUnavailableError | null }> {
    let keychain = false;
    let keychainError: KeychainUnavailableError | null = null;
    try {
      keychain = await this.keychain.deletePassword(KEYCHAIN_SERVICE, profile);
    } catch (error) {
      if (!(error instanceof KeychainUnavailableError)) throw error;
      keychainError = error;
    }
    const fileKeys = await this.readFileKeys();
    const file = profile in fileKeys;
    if (file) {
      delete fileKeys[profile];
      await this.writeFileKeys(fileKeys);
    }
    return { keychain, file, keychainError };
  }
}

// Where keys live: the OS keychain through a keytar-style API (@napi-rs/keyring), pinned to the
// Secret Service on Linux and time-boxed, or — only when asked with --insecure-storage — a 0600
// file in the config dir.
import { spawn } from './lazy-builtins.js';
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { KeyStoreError } from './errors.js';
import { ensurePrivateDir, writePrivateFile } from './state.js';

export const KEYCHAIN_SERVICE = 'openai-setup';
/** Profile names cannot start with "_", so this account never holds a real key. */
const PROBE_ACCOUNT = '__probe__';

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

// Keychain calls run in a short-lived child process. The binding connects to D-Bus synchronously,
// so a wedged session bus would block our own thread (and a worker thread cannot be abandoned
// either: exit waits for it). A child can always be killed: the time box is real.
const KEYCHAIN_CHILD = `
const { Entry } = require(process.argv[1]);
let input = '';
process.stdin.on('data', (c) => (input += c)).on('end', () => {
  let answer;
  try {
    const r = JSON.parse(input);
    const entry = new Entry(r.service, r.account, r.options);
    const value = r.op === 'get' ? entry.getPassword() : r.op === 'set' ? (entry.setPassword(r.password), null) : entry.deletePassword();
    answer = { ok: true, value: value === undefined ? null : value };
  } catch (error) {
    answer = { ok: false, message: String((error && error.message) || error) };
  }
  process.stdout.write(JSON.stringify(answer));
});`;

const ChildAnswerSchema = z.union([
  z.object({ ok: z.literal(true), value: z.union([z.string(), z.boolean(), z.null()]) }),
  z.object({ ok: z.literal(false), message: z.string() }),
]);

type KeychainRequest =
  | { op: 'get' | 'delete'; service: string; account: string; options?: unknown }
  | { op: 'set'; service: string; account: string; password: string; options?: unknown };

function keychainCall(request: KeychainRequest, timeoutMs: number): Promise<string | boolean | null> {
  return new Promise((resolve, reject) => {
    let bindingPath: string;
    try {
      bindingPath = createRequire(import.meta.url).resolve('@napi-rs/keyring');
    } catch {
      reject(new KeychainUnavailableError('failed', 'the keychain binding @napi-rs/keyring is not installed'));
      return;
    }
    // The secret travels over a pipe, never on the command line.
    const child = spawn(process.execPath, ['-e', KEYCHAIN_CHILD, bindingPath], { stdio: ['pipe', 'pipe', 'ignore'] });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new KeychainUnavailableError('timeout', `no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new KeychainUnavailableError('failed', error.message));
    });
    child.on('close', () => {
      clearTimeout(timer);
      let answer: z.infer<typeof ChildAnswerSchema>;
      try {
        answer = ChildAnswerSchema.parse(JSON.parse(output));
      } catch {
        reject(new KeychainUnavailableError('failed', 'the keychain helper gave no answer'));
        return;
      }
      if (answer.ok) resolve(answer.value);
      else reject(classifyKeyringError(new Error(answer.message)));
    });
    child.stdin.end(JSON.stringify(request));
  });
}

/** The real OS keychain through @napi-rs/keyring, time-boxed (gh uses 3 s too). */
export function osKeychain(platform: NodeJS.Platform, timeoutMs = 3000): Keychain {
  // Without pinning, keyring falls back on Linux to the kernel keyring, which forgets at reboot.
  const options = platform === 'linux' ? { linux: { store: 'secret-service' } } : undefined;
  return {
    description: platform === 'darwin' ? 'macOS Keychain' : platform === 'win32' ? 'Windows Credential Manager' : 'Secret Service keyring',
    getPassword: async (service, account) => {
      const value = await keychainCall({ op: 'get', service, account, options }, timeoutMs);
      return typeof value === 'string' ? value : null;
    },
    setPassword: async (service, account, password) => {
      await keychainCall({ op: 'set', service, account, password, options }, timeoutMs);
    },
    deletePassword: async (service, account) => (await keychainCall({ op: 'delete', service, account, options }, timeoutMs)) === true,
  };
}

const CredentialsFileSchema = z.object({
  note: z.optional(z.string()),
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

  /**
   * Can the keychain store a key right now? Writes and removes a probe entry: reading alone
   * cannot tell, since a locked keyring still answers "no such entry".
   */
  async probeWritable(): Promise<KeychainUnavailableError | null> {
    try {
      await this.keychain.setPassword(KEYCHAIN_SERVICE, PROBE_ACCOUNT, 'probe');
      await this.keychain.deletePassword(KEYCHAIN_SERVICE, PROBE_ACCOUNT);
      return null;
    } catch (error) {
      if (error instanceof KeychainUnavailableError) return error;
      throw error;
    }
  }

  private async readFileKeys(): Promise<Record<string, string>> {
    let text: string;
    try {
      text = await fs.readFile(this.filePath, 'utf8');
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
      await fs.rm(this.filePath, { force: true });
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

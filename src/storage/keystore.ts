// Where keys live: the OS keychain (keychain.ts) or — only when asked with --insecure-storage — a
// 0600 file in the config dir.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { KeyStoreError } from '../errors.js';
import { KeychainUnavailableError, type Keychain } from './keychain.js';
import { ensurePrivateDir, writePrivateFile } from './private-file.js';

export const KEYCHAIN_SERVICE = 'openai-setup';
/** Profile names cannot start with "_", so this account never holds a real key. */
const PROBE_ACCOUNT = '__probe__';

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
      // An older key in the keychain would be read first: remove it, if the keychain answers.
      await this.keychain.deletePassword(KEYCHAIN_SERVICE, profile).catch((error: unknown) => {
        if (!(error instanceof KeychainUnavailableError)) throw error;
      });
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

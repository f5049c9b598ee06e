// Where keys live: the OS keychain (keychain.ts) or — only when asked with --insecure-storage — a
// 0600 file in the config dir, changed under a lock so that concurrent runs all keep their key.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { pathLine } from '../terminal/sanitize.js';
import { itemVanished, KeychainUnavailableError, type Keychain } from './keychain.js';
import { withFileLock } from './lock.js';
import { ConfigStoreError, ensurePrivateDir, listTempFiles, newerVersion, readPrivateFile, removePrivateFile, removeTempFiles, UPDATE, writePrivateFile, writtenByNewer } from './private-file.js';
import { nameMap } from './state.js';

export const KEYCHAIN_SERVICE = 'openai-setup';
/**
 * The account of one write probe: its own in every run, since runs at once that set and delete one
 * shared entry fail each other ("Object does not exist at path …"). Profile names cannot start
 * with "_" nor hold "." (and an admin key's account is "<profile>:admin"), so it never names a
 * key, and no command lists the keychain's accounts: one left by a killed run is never read.
 */
const probeAccount = () => `__probe__.${process.pid}.${randomBytes(4).toString('hex')}`;

/**
 * The key file's format. Files written before it had a version are this one. A file with a
 * higher version was written by a newer openai-setup: this one neither reads it nor writes over
 * it (that would lose what the newer one keeps there).
 */
const CREDENTIALS_VERSION = 1;

const CredentialsFileSchema = z.object({
  version: z.optional(z.literal(CREDENTIALS_VERSION)),
  note: z.optional(z.string()),
  keys: z.record(z.string(), z.string()),
});

/** The key file holds no keys this can read (not JSON, or not its form): only removing it helps, and the keys in it go with it. */
export class DamagedKeyFileError extends ConfigStoreError {}

export type Storage = 'keychain' | 'file';

export interface StoredKey {
  key: string;
  storage: Storage;
}

/** What the store holds for an account: the keychain's entry (undefined: it could not be read) and the file's. */
export interface KeySnapshot {
  keychain: string | null | undefined;
  file: string | null;
}

/** What putting the store back as it was came to: nothing had changed, it is back, or it could not be. */
export type PutBack = 'untouched' | 'restored' | 'failed';

/** "a temporary file", "3 temporary files". */
export const leftoverWords = (paths: string[]) => (paths.length === 1 ? 'a temporary file' : `${paths.length} temporary files`);

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
    for (let attempt = 1; ; attempt++) {
      const account = probeAccount();
      try {
        await this.keychain.setPassword(KEYCHAIN_SERVICE, account, 'probe');
      } catch (error) {
        if (!(error instanceof KeychainUnavailableError)) throw error;
        // A write that failed midway may have stored it. A refused or unanswered one is not
        // followed by another request: it would prompt again (locked) or wait again (no answer).
        if (error.problem === 'failed') await this.dropProbe(account);
        // An item that went away under the Secret Service's feet (another process deleting its
        // own) says nothing of this keychain: once more, with a new entry.
        if (itemVanished(error) && attempt < 2) continue;
        return error;
      }
      // The write worked, which is all this asks: removing the entry is tidying.
      await this.dropProbe(account);
      return null;
    }
  }

  /** Remove a probe entry; failing to is not the run's failure (the entry is never read). */
  private async dropProbe(account: string): Promise<void> {
    await this.keychain.deletePassword(KEYCHAIN_SERVICE, account).catch((error: unknown) => {
      if (!(error instanceof KeychainUnavailableError)) throw error;
    });
  }

  /**
   * The keys in the file (a map without a prototype); refused in one line when it cannot be
   * trusted or read, is damaged, or was written by a newer openai-setup. Changes nothing.
   */
  private async readFileKeys(): Promise<Record<string, string>> {
    const text = await readPrivateFile(this.filePath);
    if (text === null) return nameMap();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const version = newerVersion(json, CREDENTIALS_VERSION);
    if (version !== null) {
      throw new ConfigStoreError(`${writtenByNewer(pathLine(this.filePath), version, CREDENTIALS_VERSION)}, so this one neither reads nor changes it; ${UPDATE} and run again.`);
    }
    const result = CredentialsFileSchema.safeParse(json);
    if (!result.success) throw new DamagedKeyFileError(`${pathLine(this.filePath)} is damaged; remove it and store the key again.`);
    return nameMap(result.data.keys);
  }

  private async writeFileKeys(keys: Record<string, string>): Promise<void> {
    if (Object.keys(keys).length === 0) {
      await removePrivateFile(this.filePath);
      return;
    }
    const content = { version: CREDENTIALS_VERSION, note: 'API keys stored by openai-setup --insecure-storage, in plain text. Do not share.', keys };
    await writePrivateFile(this.filePath, `${JSON.stringify(content, null, 2)}\n`);
  }

  /**
   * Read, change and write the file holding its lock throughout: a run that read before another
   * wrote would otherwise write back without that run's key. `change` says whether it changed anything.
   */
  private async changeFileKeys(change: (keys: Record<string, string>) => boolean): Promise<boolean> {
    await ensurePrivateDir(this.configDir);
    return withFileLock(this.filePath, async () => {
      // Holding the lock, no temp file of a live writer exists: any there was left by a killed run.
      this.removed(await removeTempFiles(this.filePath).catch(() => []));
      const keys = await this.readFileKeys();
      if (!change(keys)) return false;
      await this.writeFileKeys(keys);
      return true;
    });
  }

  /** Remove a profile's key from the file, if it is there; whether it was. */
  private async deleteFileKey(profile: string): Promise<boolean> {
    // Read first without the lock: most runs have no file, and must not create the dir for it.
    if (!(profile in (await this.readFileKeys()))) return false;
    return this.changeFileKeys((keys) => {
      if (!(profile in keys)) return false;
      delete keys[profile];
      return true;
    });
  }

  /** Says what was removed of the key file's temp files left by killed runs (one may have held a key). */
  private removed(paths: string[]): void {
    if (paths.length) this.warn(`Removed ${leftoverWords(paths)} left by an interrupted run (it may have held a key): ${paths.map(pathLine).join(', ')}`);
  }

  /**
   * As removeLeftovers(), saying what it removed; a failure is not this run's to fail for (status
   * and doctor name what is left).
   */
  private async tidy(): Promise<void> {
    this.removed(await this.removeLeftovers().catch(() => []));
  }

  /** The temp files of the key file now in the config dir (left by killed runs: one may hold a key). Reads none of them. */
  async leftovers(): Promise<string[]> {
    return listTempFiles(this.filePath).catch(() => []);
  }

  /** Remove temp files of the key file left by killed runs (one may hold a key); the paths removed. */
  async removeLeftovers(): Promise<string[]> {
    if ((await listTempFiles(this.filePath)).length === 0) return [];
    try {
      await ensurePrivateDir(this.configDir);
    } catch {
      // A dir that is not ours: not ours to tidy either.
      return [];
    }
    return withFileLock(this.filePath, () => removeTempFiles(this.filePath));
  }

  /**
   * The stored key of a profile: the keychain first; the file when the keychain has none or is
   * unavailable. Returns the keychain error too, so callers can say why it was not read.
   */
  async get(profile: string): Promise<{ stored: StoredKey | null; keychainError: KeychainUnavailableError | null }> {
    const { stored, keychainError } = await this.find(profile);
    if (stored?.storage === 'file') {
      // An admin key's account is "<profile>:admin" (admin-key.ts): named as people know it.
      const whose = profile.endsWith(':admin') ? `the admin key of profile "${profile.slice(0, -':admin'.length)}"` : `the key of profile "${profile}"`;
      this.warn(`Reading ${whose} from the plain-text file ${pathLine(this.filePath)} (--insecure-storage).`);
    }
    if (stored) return { stored, keychainError };
    // A locked keyring (or one with no default collection) answers "no such entry" to a read:
    // only a write tells whether "no key" is true.
    return { stored: null, keychainError: keychainError ?? (await this.probeWritable()) };
  }

  /**
   * As get(), reading only: no write to tell a locked keyring from an empty one, no warning. For
   * status, which reports where the key is rather than use it.
   */
  async find(profile: string): Promise<{ stored: StoredKey | null; keychainError: KeychainUnavailableError | null }> {
    let keychainError: KeychainUnavailableError | null = null;
    try {
      const key = await this.keychain.getPassword(KEYCHAIN_SERVICE, profile);
      if (key) return { stored: { key, storage: 'keychain' }, keychainError };
    } catch (error) {
      if (!(error instanceof KeychainUnavailableError)) throw error;
      keychainError = error;
    }
    const fileKey = (await this.readFileKeys())[profile];
    return { stored: fileKey ? { key: fileKey, storage: 'file' } : null, keychainError };
  }

  /** Store in the keychain (and drop any plain-text copy), or in the file when insecure is set. */
  async set(profile: string, key: string, insecure: boolean): Promise<Storage> {
    if (insecure) {
      await this.changeFileKeys((keys) => {
        keys[profile] = key;
        return true;
      });
      // An older key in the keychain would be read first: remove it, if the keychain answers.
      await this.keychain.deletePassword(KEYCHAIN_SERVICE, profile).catch((error: unknown) => {
        if (!(error instanceof KeychainUnavailableError)) throw error;
      });
      return 'file';
    }
    // A file that cannot be read fails the run before anything is stored.
    await this.readFileKeys();
    await this.keychain.setPassword(KEYCHAIN_SERVICE, profile, key);
    await this.deleteFileKey(profile);
    // No plain-text copy outlives the move to the keychain: not one in a killed run's temp file either.
    await this.tidy();
    return 'keychain';
  }

  /** What the store holds for `account` now, to put it back with restore(). Fails as set() would on a key file it cannot use. */
  async snapshot(account: string): Promise<KeySnapshot> {
    let keychain: string | null | undefined;
    try {
      keychain = await this.keychain.getPassword(KEYCHAIN_SERVICE, account);
    } catch (error) {
      if (!(error instanceof KeychainUnavailableError)) throw error;
      keychain = undefined;
    }
    return { keychain, file: (await this.readFileKeys())[account] ?? null };
  }

  /**
   * Put `account` back as `before` had it (the keychain only when it could be read then), and read
   * it back: 'untouched' when nothing had changed, 'restored', or 'failed' (what it holds is then
   * not known for sure, as when the keychain could not be read before and can be now). Never throws.
   */
  async restore(account: string, before: KeySnapshot): Promise<PutBack> {
    const now = async () => this.snapshot(account).catch(() => null);
    // A keychain that could not be read before and can be now may have been written meanwhile: what
    // it held is not known, so it is never "as before" (the result is then 'failed').
    const asBefore = (s: KeySnapshot | null) => s !== null && s.file === before.file && s.keychain === before.keychain;
    const current = await now();
    if (asBefore(current)) return 'untouched';
    try {
      if (current?.file !== before.file) {
        await this.changeFileKeys((keys) => {
          if (before.file !== null) keys[account] = before.file;
          else if (account in keys) delete keys[account];
          else return false;
          return true;
        });
      }
      if (before.keychain !== undefined && current?.keychain !== before.keychain) {
        if (before.keychain === null) await this.keychain.deletePassword(KEYCHAIN_SERVICE, account);
        else await this.keychain.setPassword(KEYCHAIN_SERVICE, account, before.keychain);
      }
    } catch {
      return 'failed';
    }
    return asBefore(await now()) ? 'restored' : 'failed';
  }

  /** Remove the key from both places; says which held it. */
  async delete(profile: string): Promise<{ keychain: boolean; file: boolean; keychainError: KeychainUnavailableError | null }> {
    // A file that cannot be read or changed (damaged, not ours, a newer openai-setup's) fails the
    // run before anything is removed, rather than after the keychain's copy is gone.
    await this.readFileKeys();
    let keychain = false;
    let keychainError: KeychainUnavailableError | null = null;
    try {
      keychain = await this.keychain.deletePassword(KEYCHAIN_SERVICE, profile);
    } catch (error) {
      if (!(error instanceof KeychainUnavailableError)) throw error;
      keychainError = error;
    }
    const file = await this.deleteFileKey(profile);
    await this.tidy();
    return { keychain, file, keychainError };
  }
}

// Where keys live: the OS keychain (keychain.ts) or — only when asked with --insecure-storage — a
// 0600 file in the config dir, changed under a lock so that concurrent runs all keep their key.
import { randomBytes } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { maskKey } from '../keys/format.js';
import { adminKeyCommand, keyCommand, storeAdminKeyAdvice, storeKeyAdvice, toolCommand, type AdviceScope, type CheckFlagValues, type KeyEntryScope } from '../terminal/advice.js';
import { pathLine, upperFirst } from '../terminal/sanitize.js';
import { quotedWord } from '../terminal/shell.js';
import { itemVanished, KeychainUnavailableError, type Keychain } from './keychain.js';
import { withFileLock } from './lock.js';
import { Notices } from './notices.js';
import { ConfigStoreError, ensurePrivateDir, listTempFiles, namedByGoneRun, newerVersion, readPrivateFile, realPathOf, removeLeftoverTempFiles, removePrivateFile, removeTempFiles, tightenReadable, UPDATE, writePrivateFile, writtenByNewer, type Tightened } from './private-file.js';
import { nameMap, ProfileNameSchema, type StateStore } from './state.js';

export const KEYCHAIN_SERVICE = 'openai-setup';
/**
 * The account of one write probe: its own in every run, since runs at once that set and delete one
 * shared entry fail each other ("Object does not exist at path …"). Profile names cannot start
 * with "_" nor hold "." (and an admin key's account is "<profile>:admin"), so it never names a
 * key. One a run could not remove (killed, or a daemon that answered the write only after the run
 * gave up on it) is removed by a later run once its writer is gone (sweepProbes: the pid is in it).
 */
const probeAccount = () => `__probe__.${process.pid}.${randomBytes(4).toString('hex')}`;
// Its first group is the pid of the run that made it (namedByGoneRun).
const PROBE_ACCOUNT = /^__probe__\.(\d+)\.[0-9a-f]{8}$/;

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

/**
 * The one fix of a damaged key file (`path`), as the error, status and doctor say it: the exact
 * `rm`, that every key in it goes with it (other profiles' too: it is one file), then the command
 * that stores `account`'s key again, as it works where it is printed (storeKeyAdvice: piped in
 * without a terminal), in the file when `insecure` (where it was kept, or no keychain can be used).
 * `check`: the server the key was last checked at (`--base-url`), where `key` checks it again.
 * `scope` null: the command is not known (a run that has not told the store whom it advises), left
 * out. A clause, lower-case and without its full stop (status and profiles say it after "; ").
 */
export function damagedKeyFileFix(scope: KeyEntryScope | null, path: string, account: string, insecure: boolean, check?: CheckFlagValues): string {
  const remove = `remove it (\`rm -- ${quotedWord(path)}\`): every key in it is lost with it, other profiles' too (copy yours out first if you can still read it there)`;
  if (!scope) return `${remove}; then store the key again`;
  const { profile, admin } = accountOf(account);
  const { command, how } = admin ? storeAdminKeyAdvice(scope, profile, insecure ? '--insecure-storage' : '') : storeKeyAdvice(scope, profile, insecure, check);
  return `${remove}; then store the ${admin ? 'admin key' : 'key'} of profile "${profile}" again${how} with \`${command}\``;
}

export type Storage = 'keychain' | 'file';

export interface StoredKey {
  key: string;
  storage: Storage;
}

/** Where the progress file says an account's key is, and its masked hint. */
export interface RecordedKey {
  storage: Storage;
  hint: string;
}

/**
 * A key in the place the record does not name, other than the recorded one: left behind when a
 * key went into the file while the keychain was out of reach (its copy could not be removed then).
 * Never handed out: the record says which key the profile has.
 */
export interface StaleCopy {
  storage: Storage;
  hint: string;
  recorded: RecordedKey;
}

/** What find() and get() found for an account. */
export interface FoundKey {
  stored: StoredKey | null;
  /** Why the keychain could not be read (null: it could). */
  keychainError: KeychainUnavailableError | null;
  /** A key elsewhere than the record names that is not the recorded one, not handed out; null: none seen. */
  stale: StaleCopy | null;
}

/** An admin key's account is "<profile>:admin" (admin-key.ts adminAccount): the profile, and whether it is that; the one parser of it. */
export function accountOf(account: string): { profile: string; admin: boolean } {
  return account.endsWith(':admin') ? { profile: account.slice(0, -':admin'.length), admin: true } : { profile: account, admin: false };
}

/** `the key of profile "work"`, `the admin key of profile "work"`. */
function whoseKey(account: string): string {
  const { profile, admin } = accountOf(account);
  return `the ${admin ? 'admin key' : 'key'} of profile "${profile}"`;
}

/**
 * What stores a profile's key again, as the record has it (`storage`): that removes a copy of
 * another key left in the other place. Piped from `token`, which gives the recorded one.
 */
export function storeAgainCommand(scope: AdviceScope, profile: string, storage: Storage): string {
  const insecure = storage === 'file' ? ' --insecure-storage' : '';
  return `${toolCommand(scope, 'token', profile)} | ${keyCommand(scope, profile)} --stdin${insecure} --no-verify`;
}

/** storeAgainCommand for any account, to be run in another session (where the keychain is): an admin key is pasted again there. */
function storeAgainElsewhere(scope: AdviceScope, account: string): string {
  const { profile, admin } = accountOf(account);
  return admin ? adminKeyCommand(scope, profile, '--insecure-storage') : storeAgainCommand(scope, profile, 'file');
}

/**
 * storeAgainCommand for any account, as it works where it is printed: an admin key, which nothing
 * prints, is given again as storeAdminKeyAdvice says (pasted at a terminal, else piped in), with
 * how (`how`, " (…)" or "").
 */
function storeAgainAdvice(scope: KeyEntryScope, account: string, storage: Storage): { command: string; how: string } {
  const { profile, admin } = accountOf(account);
  if (admin) return storeAdminKeyAdvice(scope, profile, storage === 'file' ? '--insecure-storage' : '');
  return { command: storeAgainCommand(scope, profile, storage), how: '' };
}

/** Why the keychain could not be used, in a few words said of it ("it is locked"), for in brackets. */
export function keychainReason(error: KeychainUnavailableError): string {
  switch (error.problem) {
    case 'no-service':
      return 'it is not running here';
    case 'no-keyring':
      return 'it has no default keyring';
    case 'locked':
      return 'it is locked';
    case 'denied':
      return 'access to it was denied';
    case 'timeout':
      return 'it did not answer';
    case 'no-start':
      return 'its helper did not start';
    case 'no-binding':
      return 'its binding could not be loaded';
    case 'other-user':
      return "its session bus is another user's";
    default:
      return 'it failed';
  }
}

/** What the store holds for an account: the keychain's entry (undefined: it could not be read) and the file's. */
export interface KeySnapshot {
  keychain: string | null | undefined;
  file: string | null;
}

/**
 * What a run last did to an account's store: stored `key` (where), or removed it (`key` null;
 * `keychainError`: the keychain could not be asked, so what it holds was left as it was).
 */
export type Written = { key: string; storage: Storage } | { key: null; keychainError: boolean };

/** What putting the store back as it was came to: nothing had changed, it is back, or it could not be. */
export type PutBack = 'untouched' | 'restored' | 'failed';

/** "a temporary file", "3 temporary files". */
export const leftoverWords = (paths: string[]) => (paths.length === 1 ? 'a temporary file' : `${paths.length} temporary files`);

/** What is said of the temp files killed runs left that a run removed (one may have held a key). */
export const removedLeftovers = (paths: string[]) => `Removed ${leftoverWords(paths)} left by an interrupted run (it may have held a key): ${paths.map(pathLine).join(', ')}`;

/**
 * The key store the commands use. The keychain is the default; the plaintext file is used only
 * when the person asked for it (--insecure-storage), and is read with a warning every time.
 */
export class KeyStore {
  readonly filePath: string;
  /**
   * Where this run stored a key (set()): it stands for the record until the record says so too,
   * as changeKey writes it only once set() is done (a read-back in between finds the key just
   * stored). Forgotten when the store is put back or the key removed.
   */
  private readonly storedByThisRun = new Map<string, RecordedKey>();
  /**
   * The hint of each profile's key record as this run last knew it: read with the key (find()) or
   * written with one (set()); null for no record. For a check's record (recordKnown).
   */
  private readonly recordSeen = new Map<string, string | null>();
  /**
   * What this run last did, or began to do, to each account's store (set(), delete()), a new object
   * each time, noted before the first write (one that failed may still have been made: a keychain
   * that answered too late): for changeKey to tell whether a change did anything, and, recording it
   * late or putting the store back with the lock lost, whether the store still holds it (another
   * run may have changed it since).
   */
  private readonly writes = new Map<string, Written>();
  /** Whom the commands its warnings name are for (adviseFor); until it is known they name none. */
  private scope: KeyEntryScope | null = null;

  /**
   * Key file writes this store began, and keychain writes asked of a keychain that does not count
   * what it sent itself (Keychain.writesSent): writesBegun().
   */
  private fileWrites = 0;
  private keychainWriteCalls = 0;

  constructor(
    private readonly keychain: Keychain,
    private readonly configDir: string,
    warn: (message: string) => void,
    /** The run's progress file (the Context's StateStore: one per run), read quietly: its warnings are the commands' to give. */
    private readonly records: Pick<StateStore, 'reading'>,
  ) {
    this.filePath = join(configDir, 'credentials.json');
    this.notices = new Notices(warn);
  }

  /** What it says of what it finds: where a key is read from, leftovers, modes made private again. */
  private readonly notices: Notices;

  /** Where the last change of the key file wrote (writeFileKeys): the real file, whether through a link, whether it holds no key now. */
  private lastWrite: { real: string; linked: boolean; emptied: boolean } | null = null;
  /** What keepPrivate() found of the key file and config dir being readable by others (doctor shows it); null: nothing. */
  private modeProblem: { detail: string; fix: string | null } | null = null;

  /**
   * Where the key file really is: the file a symbolic link named credentials.json leads to (a
   * synced folder, say), else filePath. Writes and removals act there, never on the link.
   */
  async realFilePath(): Promise<string> {
    const real = await realPathOf(this.filePath);
    // The config dir's own links are not the file's: only a link of the file's name leads elsewhere.
    return (await lstat(this.filePath).catch(() => null))?.isSymbolicLink() ? real : this.filePath;
  }

  /** The key file as messages name it: its real path, and the link's, when credentials.json is one. */
  async fileWords(): Promise<string> {
    const real = await this.realFilePath().catch(() => this.filePath);
    return real === this.filePath ? pathLine(this.filePath) : `${pathLine(real)} (where ${pathLine(this.filePath)} leads)`;
  }

  /** What keepPrivate() found, for doctor's check: the key file or config dir others could read, and what was done. */
  get readableByOthers(): { detail: string; fix: string | null } | null {
    return this.modeProblem;
  }

  /**
   * The key file 0600 and the config dir 0700, as openai-setup makes them: one of its own others
   * can read (a chmod, an archive unpacked, a umask) is made so again, and that is said once. What
   * a symbolic link of either name leads to is the person's own, kept elsewhere (a synced or
   * shared folder, maybe shared on purpose): never changed, only said, by its real path, with the
   * command that makes it private; as is one that cannot be changed. The config dir is the one
   * this run uses, the default or OPENAI_SETUP_CONFIG_DIR's alike: writes make it 0700 too
   * (ensurePrivateDir). (readPrivateFile refuses what others may change.)
   */
  private async keepPrivate(): Promise<void> {
    if (this.modeProblem) return;
    const all = [await tightenReadable(this.filePath, 0o600), await tightenReadable(this.configDir, 0o700)].filter((t) => t !== null);
    if (all.length === 0) return;
    const keyFile = all.find((t) => t.left === 'link' && t.link === this.filePath) ?? null;
    this.leftReadable = keyFile;
    this.modeProblemBesides = (left) => {
      const rest = all.filter((t) => t !== left);
      return rest.length ? this.modeWords(rest) : null;
    };
    this.modeProblem = this.modeWords(all);
    if (!this.modesShownElsewhere) this.tell(`${this.modeProblem.detail}${this.modeProblem.fix ? `; fix it with \`${this.modeProblem.fix}\`` : ''}.`);
  }

  /** What keepPrivate() found, in words, and the command that fixes what it could not. */
  private modeWords(found: Tightened[]): { detail: string; fix: string | null } {
    const isDir = (t: Tightened) => t.path === this.configDir || t.link === this.configDir;
    const what = (t: Tightened) => `${isDir(t) ? 'the config dir' : 'the key file'} ${pathLine(t.path)} (mode ${t.was}${t.link ? `, where ${pathLine(t.link)} leads` : ''})`;
    // Which one a clause is of, when there are two.
    const which = (t: Tightened) => (found.length > 1 ? `${isDir(t) ? 'the directory' : 'the file'} ` : '');
    const done = found.filter((t) => t.left === null && t.failed === null);
    const list = found.map(what).join(' and ');
    const parts = [`${upperFirst(list)} could be read by other users`];
    if (done.length) parts.push(`made ${done.map((t) => `${isDir(t) ? 'the directory' : 'the file'} ${t.mode}`).join(' and ')} now`);
    for (const t of found) {
      if (t.left === 'link') parts.push(`${which(t)}left as it is (yours, reached through a link: openai-setup changes only what it made)`);
      if (t.left === 'owner') parts.push(`${which(t)}left as it is (another user's)`);
      if (t.failed !== null) parts.push(`${which(t)}could not be changed (${t.failed})`);
    }
    // Exact and quoted, on the real path: it must work as printed, and change what it names.
    const fixes = found.filter((t) => t.left !== null || t.failed !== null).map((t) => `chmod ${t.mode.slice(1)} -- ${quotedWord(t.path)}`);
    const fix = fixes.length ? fixes.join(' && ') : null;
    return { detail: parts.join('; '), fix };
  }

  /** Whether the caller shows what keepPrivate() finds itself (doctor's Key file check): then it is not said on stderr too. */
  private modesShownElsewhere = false;

  /** What keepPrivate() finds is shown by the caller (readableByOthers: doctor's check), not said on stderr as well. */
  showModesElsewhere(): void {
    this.modesShownElsewhere = true;
  }

  /**
   * The run's advice scope (the Context), told by resolveProfileName once it knows the bare profile:
   * whom the commands are for, and whether a command that asks for a key could ask where they are read.
   */
  adviseFor(scope: KeyEntryScope): void {
    this.scope = scope;
  }

  /**
   * ` ${what}${how}:  <command>` when the scope is known, else nothing: a command that might not work
   * as printed is left out. `command` gives the command, or it and how it gets the key (keyEntryAdvice).
   */
  private commandWords(what: string, command: (scope: KeyEntryScope) => string | { command: string; how: string }): string {
    if (!this.scope) return '';
    const given = command(this.scope);
    const { command: line, how } = typeof given === 'string' ? { command: given, how: '' } : given;
    return ` ${what}${how}:  ${line}`;
  }

  /** Nothing it finds is said from now on (verify --quiet); kept for sayHeld(). */
  hush(): void {
    this.notices.hush();
  }

  /** Says what it kept while hushed, and what it finds from now on: for a hushed run that ended in an error. */
  sayHeld(): void {
    this.notices.sayHeld();
  }

  private tell(message: string): void {
    this.notices.tell(message);
  }

  private say(message: string): void {
    this.notices.say(message);
  }

  /**
   * Where the progress file says `account`'s key is (the key, or the admin key of a profile); null
   * when it records none there, keeps it in OPENAI_API_KEY (no copy here), or cannot be used
   * (damaged, unreadable): then the store is read as before records were kept, keychain first.
   */
  private async recordOf(account: string): Promise<RecordedKey | null> {
    const { state, problem } = await this.records.reading({ quiet: true });
    const { profile, admin } = accountOf(account);
    const record = problem ? undefined : admin ? state.profiles[profile]?.adminKey : state.profiles[profile]?.key;
    const own = this.storedByThisRun.get(account);
    if (own && (record?.storage !== own.storage || record.hint !== own.hint)) return own;
    this.storedByThisRun.delete(account);
    return record && record.storage !== 'env' ? { storage: record.storage, hint: record.hint } : null;
  }

  private placeWords(storage: Storage): string {
    return storage === 'keychain' ? `the ${this.keychain.description}` : `the plain-text file ${pathLine(this.filePath)}`;
  }

  get keychainDescription(): string {
    return this.keychain.description;
  }

  /** Why no keychain can be reached here, known without asking it (Keychain.unreachable: no session bus); null: one may be. */
  keychainUnreachable(): KeychainUnavailableError | null {
    return this.keychain.unreachable?.() ?? null;
  }

  /**
   * Can the keychain store a key right now? Writes and removes a probe entry: reading alone
   * cannot tell, since a locked keyring still answers "no such entry".
   */
  async probeWritable(): Promise<KeychainUnavailableError | null> {
    for (let attempt = 1; ; attempt++) {
      const account = probeAccount();
      try {
        await this.keychainWrite(() => this.keychain.setPassword(KEYCHAIN_SERVICE, account, 'probe'));
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
      await this.sweepProbes();
      return null;
    }
  }

  /**
   * Whether a keychain answers here, by a read of `account` (never a write: nothing to unlock, no
   * prompt): its error when none does (none running, no answer…), else null. For advice naming a
   * command that stores a key, which needs --insecure-storage where there is none.
   */
  async readProblem(account: string): Promise<KeychainUnavailableError | null> {
    try {
      await this.keychain.getPassword(KEYCHAIN_SERVICE, account);
      return null;
    } catch (error) {
      if (!(error instanceof KeychainUnavailableError)) throw error;
      return error;
    }
  }

  /** Whether sweepProbes() ran in this run: once is enough. */
  private probesSwept = false;

  /**
   * Remove the probe entries of runs that are gone (their pid is in the name: a killed run's, or
   * one whose write the daemon carried out after the run gave up waiting). Only names of the exact
   * probe form are touched; a live run's probe (or one of a process that has its pid since) stays.
   * Tidying, once a run, when the keychain has just taken a write: failing is not the run's failure.
   */
  private async sweepProbes(): Promise<void> {
    if (this.probesSwept || !this.keychain.findAccounts) return;
    this.probesSwept = true;
    let accounts: string[];
    try {
      accounts = await this.keychain.findAccounts(KEYCHAIN_SERVICE);
    } catch (error) {
      if (!(error instanceof KeychainUnavailableError)) throw error;
      return;
    }
    for (const account of accounts) if (namedByGoneRun(account, PROBE_ACCOUNT)) await this.dropProbe(account);
  }

  /** Remove a probe entry; failing to is not the run's failure (the entry is never read). */
  private async dropProbe(account: string): Promise<void> {
    await this.keychainWrite(() => this.keychain.deletePassword(KEYCHAIN_SERVICE, account)).catch((error: unknown) => {
      if (!(error instanceof KeychainUnavailableError)) throw error;
    });
  }

  /**
   * The keys in the file (a map without a prototype); refused in one line when it cannot be
   * trusted or read, is damaged, or was written by a newer openai-setup. Changes nothing. `forKey`:
   * whose key the run is after, and whether it is kept in the file (undefined: as its record and
   * the keychain say), for the fix of a damaged file (damagedKeyFileFix).
   */
  private async readFileKeys(forKey?: { account: string; insecure?: boolean }): Promise<Record<string, string>> {
    const text = await readPrivateFile(this.filePath);
    if (text === null) return nameMap();
    await this.keepPrivate();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const version = newerVersion(json, CREDENTIALS_VERSION);
    if (version !== null) {
      throw ConfigStoreError.of(`${writtenByNewer(pathLine(this.filePath), version, CREDENTIALS_VERSION)}, so this one neither reads nor changes it`, `${UPDATE} and run again.`);
    }
    const result = CredentialsFileSchema.safeParse(json);
    if (!result.success) {
      const detail = `${pathLine(this.filePath)} is damaged`;
      // Stored again in the file where the record keeps it there, or no keychain can be used here.
      const insecure = forKey && (forKey.insecure ?? ((await this.recordOf(forKey.account))?.storage === 'file' || this.keychainUnreachable() !== null));
      const fix = forKey ? damagedKeyFileFix(this.scope, this.filePath, forKey.account, insecure === true) : damagedKeyFileFix(null, this.filePath, '', false);
      const sentence = `${upperFirst(fix)}.`;
      throw new DamagedKeyFileError(`${detail}.`, [sentence], { detail, fix: sentence });
    }
    return nameMap(result.data.keys);
  }

  /**
   * Write the keys where the file really is (`real`: what a link of its name leads to), atomically
   * there: the link stays a link, and no copy of the old keys stays behind it. No keys left: the
   * file goes, but a file behind a link is kept, holding none (the link is the person's own
   * arrangement, a synced folder say): `lastWrite` says which.
   */
  private async writeFileKeys(keys: Record<string, string>, real: string): Promise<void> {
    const linked = real !== this.filePath;
    const emptied = Object.keys(keys).length === 0;
    this.lastWrite = { real, linked, emptied };
    this.fileWrites++;
    if (emptied && !linked) {
      await removePrivateFile(this.filePath);
      return;
    }
    const content = { version: CREDENTIALS_VERSION, note: 'API keys stored by openai-setup --insecure-storage, in plain text. Do not share.', keys };
    await writePrivateFile(real, `${JSON.stringify(content, null, 2)}\n`);
    this.writtenPrivate(real);
  }

  /**
   * After `real`, the file a link of the key file's name leads to, was written anew (0600): if this
   * run said it was readable by others and left as it is, that is no longer so. Said, and taken out
   * of what doctor shows, so that what was said agrees with what was done.
   */
  private writtenPrivate(real: string): void {
    const left = this.leftReadable;
    if (!left || left.path !== real) return;
    this.leftReadable = null;
    this.modeProblem = this.modeProblemBesides?.(left) ?? null;
    this.tell(`The key file ${pathLine(real)} was written anew with mode 0600, as this command stores keys: other users can no longer read it (the chmod said above is not needed).`);
  }

  /** The key file behind a link, found readable by others and left as it is (keepPrivate); null: none, or written since. */
  private leftReadable: Tightened | null = null;
  /** What modeProblem is without the key file's part (keepPrivate sets it: the config dir's, if any). */
  private modeProblemBesides: ((left: Tightened) => { detail: string; fix: string | null } | null) | null = null;

  /**
   * Read, change and write the file holding its lock throughout: a run that read before another
   * wrote would otherwise write back without that run's key. `change` says whether it changed anything.
   */
  private async changeFileKeys(change: (keys: Record<string, string>) => boolean): Promise<boolean> {
    await ensurePrivateDir(this.configDir);
    return withFileLock(this.filePath, async () => {
      // Resolved once, holding the lock: the temp file, the write and what is said are all of it.
      const real = await this.realFilePath();
      // Holding the lock, no temp file of a live writer exists: any there was left by a killed run
      // (next to the file a link leads to, where its writes are made, too).
      for (const path of new Set([this.filePath, real])) this.removed(await removeTempFiles(path).catch(() => []));
      const keys = await this.readFileKeys();
      if (!change(keys)) return false;
      await this.writeFileKeys(keys, real);
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
    if (paths.length) this.say(removedLeftovers(paths));
  }

  /**
   * As removeLeftovers(), saying what it removed; a failure is not this run's to fail for (status
   * and doctor name what is left).
   */
  private async tidy(): Promise<void> {
    this.removed(await this.removeLeftovers().catch(() => []));
  }

  /** The key file and, when it is a link, the file it leads to: its writes' temp files are made next to that one. */
  private async tempFileSites(): Promise<string[]> {
    return [...new Set([this.filePath, await this.realFilePath().catch(() => this.filePath)])];
  }

  /**
   * The temp files of the key file now in the config dir, or next to the file a link of its name
   * leads to (left by killed runs: one may hold a key). Reads none of them.
   */
  async leftovers(): Promise<string[]> {
    return (await Promise.all((await this.tempFileSites()).map((path) => listTempFiles(path).catch(() => [])))).flat();
  }

  /** Remove temp files of the key file left by killed runs (one may hold a key), where leftovers() finds them; the paths removed. */
  async removeLeftovers(): Promise<string[]> {
    const [own, ...linked] = await this.tempFileSites();
    const removed = await removeLeftoverTempFiles(own!, withFileLock);
    // Behind a link: under the key file's own lock, which its writers hold (changeFileKeys).
    for (const path of linked) {
      if ((await listTempFiles(path).catch(() => [])).length === 0) continue;
      // A config dir that is not ours: nothing of it to tidy (as removeLeftoverTempFiles).
      if (!(await ensurePrivateDir(this.configDir).then(() => true, () => false))) break;
      removed.push(...(await withFileLock(this.filePath, () => removeTempFiles(path))));
    }
    return removed;
  }

  /**
   * The stored key of a profile, as find() finds it, saying so when it is read from the plain-text
   * file or a stale copy of another key was seen. Returns the keychain error too, so callers can say
   * why it was not read.
   */
  async get(profile: string): Promise<FoundKey> {
    const found = await this.find(profile);
    const { stored, keychainError, stale } = found;
    if (stored?.storage === 'file') {
      // By its real path too, when a link of its name leads there.
      this.tell(`Reading ${whoseKey(profile)} from the plain-text file ${await this.fileWords()} (--insecure-storage).`);
    }
    if (stale) this.tell(this.staleWords(profile, stale, stored !== null));
    if (stored) return found;
    // A locked keyring (or one with no default collection) answers "no such entry" to a read:
    // only a write tells whether "no key" is true.
    return { ...found, keychainError: keychainError ?? (await this.probeWritable()) };
  }

  /** A stale copy said in one line: where, by its hint, that it is not used, and what removes it. */
  private staleWords(account: string, stale: StaleCopy, recordedThere: boolean): string {
    const where = this.placeWords(stale.storage);
    const named = this.placeWords(stale.recorded.storage);
    const { profile, admin } = accountOf(account);
    const Where = upperFirst(where);
    if (recordedThere) {
      const again = this.commandWords('Storing the recorded key again removes it', (scope) => storeAgainAdvice(scope, account, stale.recorded.storage));
      return `${Where} also holds ${stale.hint} as ${whoseKey(account)}, a leftover that is not the key recorded (${stale.recorded.hint}, in ${named}), so it is not used.${again}`;
    }
    // As it works where it is read: a bare `key` asks for the key, and fails without a terminal.
    const store = this.commandWords('Storing the key again replaces it', (scope) => (admin ? storeAdminKeyAdvice(scope, profile) : storeKeyAdvice(scope, profile)));
    return `${Where} holds ${stale.hint} as ${whoseKey(account)}, which is not the key recorded (${stale.recorded.hint}, to be in ${named}, which no longer holds it), so it is not used.${store}`;
  }

  /**
   * The stored key of a profile, reading only: no write to tell a locked keyring from an empty one,
   * no warning. Where the progress file records it (keychain or file) decides: the key there is
   * the profile's, and a different one in the other place is a stale copy (`stale`), never handed
   * out. The other place's copy is used only when the recorded place holds none and it is the
   * recorded key (by its hint). With no record (none kept, or the progress file cannot be used)
   * the keychain first, then the file, as before records were kept.
   */
  async find(profile: string): Promise<FoundKey> {
    let keychainError: KeychainUnavailableError | null = null;
    // undefined: it could not be read.
    const inKeychain = async (): Promise<string | null | undefined> => {
      try {
        return (await this.keychain.getPassword(KEYCHAIN_SERVICE, profile)) || null;
      } catch (error) {
        if (!(error instanceof KeychainUnavailableError)) throw error;
        keychainError = error;
        return undefined;
      }
    };
    const inFile = async (): Promise<string | null> => (await this.readFileKeys({ account: profile, insecure: recorded?.storage === 'file' || keychainError !== null || undefined }))[profile] || null;
    const recorded = await this.recordOf(profile);
    this.recordSeen.set(profile, recorded?.hint ?? null);
    const named = recorded?.storage ?? 'keychain';
    const other: Storage = named === 'keychain' ? 'file' : 'keychain';
    const here = named === 'keychain' ? await inKeychain() : await inFile();
    // The recorded place holds a key: that is the profile's. A key in the keychain beside one the
    // record puts in the file is looked at to say it is stale (nothing else reads it).
    if (here) {
      const beside = recorded?.storage === 'file' ? await inKeychain() : null;
      const stale = recorded && beside && beside !== here ? { storage: other, hint: maskKey(beside), recorded } : null;
      return { stored: { key: here, storage: named }, keychainError, stale };
    }
    const there = other === 'keychain' ? await inKeychain() : await inFile();
    if (!there) return { stored: null, keychainError, stale: null };
    if (!recorded || maskKey(there) === recorded.hint) return { stored: { key: there, storage: other }, keychainError, stale: null };
    // Another key than the recorded one: not handed out. Said only when the recorded place could be
    // read (and holds none): a keychain out of reach has its own words (keychainOutOfReach).
    return { stored: null, keychainError, stale: here === null ? { storage: other, hint: maskKey(there), recorded } : null };
  }

  /**
   * The profiles with a key (or an admin key) stored here, by the keychain's account names and the
   * key file's (never a key is read out): for when the progress file, which names the profiles, lost
   * its records (a damaged one moved aside). `complete` false: the keychain could not list its
   * entries, or the key file could not be read, so some may be missing. `completeHere`: every store
   * that runs here was listed, the keychain too unless none runs here at all (no session bus, no
   * Secret Service: 'no-service'), which holds no key for this machine, as logout takes it.
   */
  async storedProfiles(): Promise<{ names: string[]; complete: boolean; completeHere: boolean }> {
    const accounts: string[] = [];
    let complete = true;
    let keychainHere = true;
    try {
      // Known without asking (no session bus): not asked, as the call could only fail so.
      const absent = this.keychainUnreachable();
      if (absent) throw absent;
      if (this.keychain.findAccounts) accounts.push(...(await this.keychain.findAccounts(KEYCHAIN_SERVICE)));
      else complete = false;
    } catch (error) {
      if (!(error instanceof KeychainUnavailableError)) throw error;
      complete = false;
      keychainHere = error.problem !== 'no-service';
    }
    let fileRead = true;
    try {
      accounts.push(...Object.keys(await this.readFileKeys()));
    } catch (error) {
      if (!(error instanceof ConfigStoreError)) throw error;
      complete = false;
      fileRead = false;
    }
    // A write probe's account (`__probe__.…`) is no profile's.
    const names = new Set(accounts.map((account) => accountOf(account).profile).filter((name) => ProfileNameSchema.safeParse(name).success));
    return { names: [...names].sort(), complete, completeHere: complete || (!keychainHere && fileRead) };
  }

  /**
   * The hint of a profile's key record when this run last read its key or stored one (null: no
   * record then; undefined: it did neither). A record that differs from it now was written by
   * another run since: what this run checked is not what the record names.
   */
  recordKnown(profile: string): string | null | undefined {
    return this.recordSeen.get(profile);
  }

  /** Store in the keychain (and drop any plain-text copy), or in the file when insecure is set. */
  async set(profile: string, key: string, insecure: boolean): Promise<Storage> {
    if (insecure) {
      // The record as it is before this key's (changeKey writes that once this returns).
      const recorded = await this.recordOf(profile);
      this.writes.set(profile, { key, storage: 'file' });
      await this.changeFileKeys((keys) => {
        keys[profile] = key;
        return true;
      });
      await this.dropKeychainCopy(profile, key, recorded);
      this.storedByThisRun.set(profile, { storage: 'file', hint: maskKey(key) });
      this.recordSeen.set(profile, maskKey(key));
      return 'file';
    }
    // A file that cannot be read fails the run before anything is stored.
    await this.readFileKeys({ account: profile, insecure });
    this.writes.set(profile, { key, storage: 'keychain' });
    await this.keychainWrite(() => this.keychain.setPassword(KEYCHAIN_SERVICE, profile, key));
    this.storedByThisRun.set(profile, { storage: 'keychain', hint: maskKey(key) });
    this.recordSeen.set(profile, maskKey(key));
    await this.sweepProbes();
    await this.deleteFileKey(profile);
    // No plain-text copy outlives the move to the keychain: not one in a killed run's temp file either.
    await this.tidy();
    return 'keychain';
  }

  /**
   * A key going into the file: remove the keychain's copy, which would otherwise disagree with the
   * record (readers would not use it, but it would stay there). One that cannot be removed (the
   * keychain out of reach) is said, by its hint, with what removes it where the keychain is; a
   * leftover of another key that is removed is said too. The recorded key it replaces goes unsaid:
   * the key stage says what the new key replaces.
   */
  private async dropKeychainCopy(account: string, key: string, recorded: RecordedKey | null): Promise<void> {
    let old: string | null | undefined;
    try {
      // Read first, to name what goes; removed even when the read finds none (a locked keyring may answer so).
      old = await this.keychain.getPassword(KEYCHAIN_SERVICE, account);
      await this.keychainWrite(() => this.keychain.deletePassword(KEYCHAIN_SERVICE, account));
    } catch (error) {
      if (!(error instanceof KeychainUnavailableError)) throw error;
      // Known by what was read, else by the record: a keychain that does not answer may hold it still.
      const hint = old ? maskKey(old) : recorded?.storage === 'keychain' ? recorded.hint : null;
      if (hint === null || hint === maskKey(key)) return;
      const store = this.keychain.description;
      const where = error.problem === 'no-service' ? ' (your desktop session)' : '';
      const again = this.commandWords(`Where the ${store} can be reached${where}, storing the key again removes it`, (scope) => storeAgainElsewhere(scope, account));
      this.tell(`${hint}, ${whoseKey(account)} stored before, could not be removed from the ${store} (${keychainReason(error)}): it stays there, not used, as the new key in the file is the one recorded.${again}`);
      return;
    }
    const recordedHere = recorded?.storage === 'keychain' && old !== null && maskKey(old) === recorded.hint;
    if (old && old !== key && !recordedHere) this.tell(`Removed a leftover from the ${this.keychain.description}: ${maskKey(old)}, another key than the one recorded as ${whoseKey(account)}.`);
  }

  /** The key file's value for `account` (null: none), reading the file alone: no keychain. Fails as find() would on a key file it cannot use. */
  async fileKey(account: string): Promise<string | null> {
    return (await this.readFileKeys({ account }))[account] || null;
  }

  /** A write asked of the keychain (set, delete): counted, for writesBegun(). */
  private keychainWrite<T>(call: () => Promise<T>): Promise<T> {
    this.keychainWriteCalls++;
    return call();
  }

  /**
   * How many writes to where keys are kept this store has begun so far (a key file written, a
   * keychain entry set or deleted): a change during which it stays the same changed nothing. A
   * keychain write still waiting for its turn (Keychain.writesSent) is none yet.
   */
  writesBegun(): number {
    return this.fileWrites + (this.keychain.writesSent?.() ?? this.keychainWriteCalls);
  }

  /** What this run last stored in or removed from `account`'s store, or began to (undefined: nothing yet). A new object for each change. */
  written(account: string): Written | undefined {
    return this.writes.get(account);
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
    return { keychain, file: (await this.readFileKeys({ account }))[account] ?? null };
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
    // What this run stored is not the key any more: the record, as it was, says where that is.
    this.storedByThisRun.delete(account);
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
      const held = before.keychain;
      if (held !== undefined && current?.keychain !== held) {
        if (held === null) await this.keychainWrite(() => this.keychain.deletePassword(KEYCHAIN_SERVICE, account));
        else await this.keychainWrite(() => this.keychain.setPassword(KEYCHAIN_SERVICE, account, held));
      }
    } catch {
      return 'failed';
    }
    return asBefore(await now()) ? 'restored' : 'failed';
  }

  /**
   * Remove the key from both places; says which held it, and (`fileLeft`) where the file really
   * was: through a link, the file it leads to, kept with no key in it when it holds none now.
   */
  async delete(profile: string): Promise<{ keychain: boolean; file: boolean; keychainError: KeychainUnavailableError | null; fileLeft: { real: string; linked: boolean; emptied: boolean } | null }> {
    // A file that cannot be read or changed (damaged, not ours, a newer openai-setup's) fails the
    // run before anything is removed, rather than after the keychain's copy is gone.
    await this.readFileKeys({ account: profile });
    this.storedByThisRun.delete(profile);
    this.writes.set(profile, { key: null, keychainError: false });
    let keychain = false;
    let keychainError: KeychainUnavailableError | null = null;
    try {
      keychain = await this.keychainWrite(() => this.keychain.deletePassword(KEYCHAIN_SERVICE, profile));
    } catch (error) {
      if (!(error instanceof KeychainUnavailableError)) throw error;
      keychainError = error;
    }
    this.lastWrite = null;
    const file = await this.deleteFileKey(profile);
    await this.tidy();
    this.writes.set(profile, { key: null, keychainError: keychainError !== null });
    return { keychain, file, keychainError, fileLeft: file ? this.lastWrite : null };
  }
}

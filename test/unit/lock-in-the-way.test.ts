// What is at a lock's name or where a file is written, said and acted on as it is: something other
// than a lock where state.json's lock goes (named, with the command that removes it, which works as
// printed); a lock that cannot be made in the config dir (named, not the file it is for); a
// state.json that is a symbolic link (written where it leads, the link kept).
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCK_WAIT_MS, lockPathFor, withFileLock } from '../../src/storage/lock.js';
import { ConfigStoreError } from '../../src/storage/private-file.js';
import { StateStore } from '../../src/storage/state.js';

const now = () => new Date('2026-11-24T10:00:00.000Z');
const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});
function configDir(): string {
  // A quote in the name: the command printed must quote it.
  const dir = join(mkdtempSync(join(tmpdir(), 'osetup-in-the-way-')), "it's config");
  mkdirSync(dir, { mode: 0o700 });
  roots.push(join(dir, '..'));
  return dir;
}

const markPaid = (store: StateStore) => store.updateProfile('default', (p) => void (p.billingChoice = 'prepaid'));

describe("something other than a lock at state.json's lock", () => {
  const cases: [string, (lock: string) => void, string][] = [
    ['a symbolic link leading nowhere', (lock) => symlinkSync(join(lock, '..', 'nowhere'), lock), 'a symbolic link'],
    ['a symbolic link to a directory', (lock) => (mkdirSync(`${lock}-dir`), symlinkSync(`${lock}-dir`, lock)), 'a symbolic link'],
    ['a file', (lock) => writeFileSync(lock, 'x'), 'a file'],
    ['a directory with something in it', (lock) => (mkdirSync(lock), writeFileSync(join(lock, 'x'), 'x')), 'a directory with files in it'],
  ];
  for (const [name, make, what] of cases) {
    it(`${name}: refused at once, named, with the command that removes it; run as printed, the next change is made`, async () => {
      const store = new StateStore(configDir(), now, () => {});
      const lock = lockPathFor(store.path);
      make(lock);
      const failure = await markPaid(store).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ConfigStoreError);
      const message = (failure as Error).message;
      expect(message).toMatch(new RegExp(`^.* is in the way of the lock on .*: it is ${what}, not a lock openai-setup makes, so .* was not changed; if nothing of yours is in it, remove it and run again: (rm|rm -r) '.*'$`));
      const command = message.slice(message.lastIndexOf(': ') + 2);
      execFileSync('sh', ['-c', command]);
      await markPaid(store);
      expect(JSON.parse(readFileSync(store.path, 'utf8')).profiles.default.billingChoice).toBe('prepaid');
    });
  }
});

describe('a lock that cannot be made in the config dir', () => {
  it('names the lock, not the file it was for', async () => {
    const dir = configDir();
    const project = mkdtempSync(join(tmpdir(), 'osetup-project-'));
    roots.push(project);
    const target = join(project, '.env');
    // The config dir's place for the lock is a file: no directory can be made under it.
    writeFileSync(join(dir, 'locks'), '');
    const lock = join(dir, 'locks', 'edit-.env.lock');
    const failure = await withFileLock(target, async () => 'written', LOCK_WAIT_MS, lock).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConfigStoreError);
    expect((failure as Error).message).toBe(
      `Could not make the lock ${lock} for the change to ${target}: a part of the path is not a directory (ENOTDIR); move what is in the way, or set OPENAI_SETUP_CONFIG_DIR to a directory of yours.`,
    );
  });
});

describe('a state.json that is a symbolic link', () => {
  it('is written where it leads; the link stays a link', async () => {
    const dir = configDir();
    const elsewhere = mkdtempSync(join(tmpdir(), 'osetup-elsewhere-'));
    roots.push(elsewhere);
    const target = join(elsewhere, 'state.json');
    const store = new StateStore(dir, now, () => {});
    await store.updateProfile('default', () => {});
    execFileSync('mv', [store.path, target]);
    symlinkSync(target, store.path);
    await markPaid(store);
    expect(lstatSync(store.path).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(target, 'utf8')).profiles.default.billingChoice).toBe('prepaid');
  });
});

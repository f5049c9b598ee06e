// The config files as a store that can be trusted: one writer at a time, nothing left behind by a
// failed write, nothing read that someone else could have put there, and every failure one line.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/errors.js';
import { lockPathFor, withFileLock } from '../../src/storage/lock.js';
import { makeDirs } from '../../src/storage/make-dirs.js';
import { ConfigStoreError, ensurePrivateDir, MAX_PRIVATE_FILE_BYTES, readPrivateFile, storeError, writePrivateFile } from '../../src/storage/private-file.js';
import { StateStore } from '../../src/storage/state.js';
import { neutralise } from '../../src/terminal/sanitize.js';
import { keyStoreIn, MemoryKeychain, testKey } from '../helpers/context.js';

const NOBODY = 65534;
const fixedNow = () => new Date('2026-11-24T10:00:00.000Z');

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A fresh 0700 dir of ours. */
function privateDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'osetup-storage-'));
  roots.push(root);
  const dir = join(root, 'config');
  mkdirSync(dir, { mode: 0o700 });
  return dir;
}

/** What a call rejected with, or a failure when it did not. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/** Refused the way main.ts reports a store problem: exit 7, one line, no stack. */
function expectOneLine(error: Error, pattern: RegExp): void {
  expect(error).toBeInstanceOf(ConfigStoreError);
  expect((error as ConfigStoreError).code).toBe(EXIT.keyStore);
  expect(error.message).not.toContain('\n');
  expect(error.message).toMatch(pattern);
}

const temps = (dir: string) => readdirSync(dir).filter((name) => name.endsWith('.tmp'));

describe('a failed write leaves no temp file (which may hold a key)', () => {
  it('a directory in the way of the rename: one line naming the file, and the temp file is gone', async () => {
    const dir = privateDir();
    const path = join(dir, 'credentials.json');
    mkdirSync(join(path, 'in-the-way'), { recursive: true });
    const error = await rejection(writePrivateFile(path, `{"keys":{"default":"${testKey('A')}"}}`));
    expectOneLine(error, new RegExp(`^Could not write ${path}: .*\\((EISDIR|ENOTEMPTY|EEXIST)\\)`));
    expect(temps(dir)).toEqual([]);
  });

  it('a missing directory: one line, nothing created', async () => {
    const dir = join(privateDir(), 'gone');
    const error = await rejection(writePrivateFile(join(dir, 'state.json'), '{}'));
    expectOneLine(error, /^Could not write .*state\.json: .*\(ENOENT\)/);
  });

  it.each([
    ['EACCES', /permission denied \(EACCES\); check who owns .* \(ls -ld .*\), or set OPENAI_SETUP_CONFIG_DIR/],
    ['EPERM', /operation not permitted \(EPERM\); check who owns/],
    ['EROFS', /the file system is read-only \(EROFS\); set OPENAI_SETUP_CONFIG_DIR to a directory on a writable disk/],
    ['ENOSPC', /no space is left on the disk \(ENOSPC\); free some space and run again/],
  ])('%s on the config dir is one line saying what to do', (code, pattern) => {
    const error = storeError(Object.assign(new Error(`${code}: boom, open '/x/config/state.json'`), { code }), '/x/config/state.json', 'write');
    expectOneLine(error, pattern);
    expect(error.message).toMatch(/^Could not write \/x\/config\/state\.json: /);
  });

  it('ELOOP: the fix removes the link that leads back to itself (running again would meet it again), whether the file or a dir on the way', async () => {
    const dir = privateDir();
    const state = join(dir, 'state.json');
    symlinkSync('state.json', state);
    expectOneLine(await rejection(readPrivateFile(state)), new RegExp(`^Could not read ${state}: too many symbolic links .*\\(ELOOP\\); remove the link that leads back to itself \\(rm '${state}'\\) and run again\\.$`));
    const loop = join(dir, 'loop');
    symlinkSync('loop', loop);
    const deeper = join(loop, 'config', 'credentials.json');
    expectOneLine(await rejection(writePrivateFile(deeper, '{}')), new RegExp(`\\(ELOOP\\); remove the link that leads back to itself \\(rm '${loop}'\\) and run again\\.$`));
  });

  it('ENAMETOOLONG: said of the config dir, in the same words for each of its files, with a shorter OPENAI_SETUP_CONFIG_DIR as the fix', async () => {
    const dir = join(privateDir(), 'x'.repeat(300));
    const said = await Promise.all([readPrivateFile(join(dir, 'state.json')), readPrivateFile(join(dir, 'credentials.json'))].map(rejection));
    for (const error of said) expectOneLine(error, /^Could not use the config dir .*: the name is too long \(ENAMETOOLONG\); set OPENAI_SETUP_CONFIG_DIR to a shorter path\.$/);
    expect(said[0]!.message).toBe(said[1]!.message);
  });

  it('an error that is not the file system (a bug) is left as it is', () => {
    const bug = new TypeError('x is undefined');
    expect(storeError(bug, '/x', 'write')).toBe(bug);
  });
});

describe('reading a config file: only a small regular file that is ours', () => {
  it('a FIFO is refused at once, without waiting for a writer', async () => {
    const dir = privateDir();
    const path = join(dir, 'state.json');
    execFileSync('mkfifo', [path]);
    // Opening it to read would wait for a writer that never comes: this test would time out.
    expectOneLine(await rejection(readPrivateFile(path)), /state\.json is a FIFO \(named pipe\), not a regular file, so it is not read; remove it \(rm '.*state\.json'\)/);
  });

  it('a directory in its place: the removal command given works on a directory (rm -r)', async () => {
    const dir = privateDir();
    const path = join(dir, 'state.json');
    mkdirSync(path);
    const message = (await rejection(readPrivateFile(path))).message;
    expect(message).toMatch(/state\.json is a directory, not a regular file, so it is not read; remove it \(rm -r '.*state\.json'\) and run again\.$/);
    execFileSync('sh', ['-c', /\((rm -r '[^']+')\)/.exec(message)![1]!]);
    expect(existsSync(path)).toBe(false);
  });

  it('/dev/zero, or a symlink to it, is refused without reading it', async () => {
    const dir = privateDir();
    expectOneLine(await rejection(readPrivateFile('/dev/zero')), /^\/dev\/zero is a character device, not a regular file/);
    symlinkSync('/dev/zero', join(dir, 'credentials.json'));
    expectOneLine(await rejection(readPrivateFile(join(dir, 'credentials.json'))), /credentials\.json is a character device/);
  });

  it('a file over 1 MB is refused', async () => {
    const dir = privateDir();
    const path = join(dir, 'state.json');
    writeFileSync(path, ' '.repeat(MAX_PRIVATE_FILE_BYTES + 1), { mode: 0o600 });
    expectOneLine(await rejection(readPrivateFile(path)), /state\.json: larger than 1 MB, far more than openai-setup ever writes there, so it is not read; move it away and run again\.$/);
  });

  it('a UTF-8 byte-order mark (Notepad) is dropped', async () => {
    const dir = privateDir();
    const path = join(dir, 'state.json');
    writeFileSync(path, '\uFEFF{"version":1}', { mode: 0o600 });
    expect(await readPrivateFile(path)).toBe('{"version":1}');
  });

  it('no file is no text, and no complaint', async () => {
    expect(await readPrivateFile(join(privateDir(), 'state.json'))).toBeNull();
  });

  it('a dir that others can write to is not trusted: the path and the chmod that fixes it', async () => {
    const dir = privateDir();
    writeFileSync(join(dir, 'credentials.json'), '{"keys":{}}', { mode: 0o600 });
    chmodSync(dir, 0o770);
    expectOneLine(
      await rejection(readPrivateFile(join(dir, 'credentials.json'))),
      new RegExp(`^${dir} can be changed by other users \\(mode 0770\\), so openai-setup does not trust it; fix it with \`chmod 700 '${dir}'\`$`),
    );
  });

  it('a dir whose name the terminal would show escaped (a zero-width space, from HOME): the chmod given works as shown', async () => {
    const root = privateDir();
    const dir = join(root, 'a\u200bb');
    mkdirSync(dir);
    writeFileSync(join(dir, 'state.json'), '{}', { mode: 0o600 });
    chmodSync(dir, 0o777);
    const { message } = await rejection(readPrivateFile(join(dir, 'state.json')));
    const fix = /fix it with `(chmod 700 .*)`$/.exec(message)![1]!;
    // As the terminal writes it (every line goes through neutralise), and typed into bash.
    expect(neutralise(fix)).toBe(fix);
    execFileSync('bash', ['-c', fix]);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('a file that others can write to is not trusted', async () => {
    const dir = privateDir();
    const path = join(dir, 'state.json');
    writeFileSync(path, '{}');
    chmodSync(path, 0o666);
    expectOneLine(await rejection(readPrivateFile(path)), new RegExp(`^${path} can be changed by other users \\(mode 0666\\).*chmod 600 '${path}'\`$`));
  });

  it('a file or dir of another user is not trusted: the path and the chown that fixes it', async () => {
    const dir = privateDir();
    const path = join(dir, 'credentials.json');
    writeFileSync(path, '{"keys":{}}', { mode: 0o600 });
    chownSync(path, NOBODY, NOBODY);
    expectOneLine(await rejection(readPrivateFile(path)), new RegExp(`^${path} belongs to another user \\(uid ${NOBODY}\\).*fix it with \`chown \\S+ '${path}'\`$`));
    chownSync(path, process.getuid!(), process.getgid!());
    chownSync(dir, NOBODY, NOBODY);
    expectOneLine(await rejection(readPrivateFile(path)), new RegExp(`^${dir} belongs to another user.*chown -R \\S+ '${dir}'\`$`));
  });

  it('under sudo, the fix also says to run without it (chown to root would be the wrong fix)', async () => {
    const dir = privateDir();
    const path = join(dir, 'state.json');
    writeFileSync(path, '{}', { mode: 0o600 });
    chownSync(path, NOBODY, NOBODY);
    const saved = process.env.SUDO_USER;
    process.env.SUDO_USER = 'someone';
    try {
      expectOneLine(await rejection(readPrivateFile(path)), /run openai-setup without sudo, or, if it is yours, fix it with `chown \S+ '.*state\.json'`$/);
    } finally {
      if (saved === undefined) delete process.env.SUDO_USER;
      else process.env.SUDO_USER = saved;
    }
  });

  it('a dir of another user is never written to (nor chmod-ed), and one others can write to is not either', async () => {
    const dir = privateDir();
    chownSync(dir, NOBODY, NOBODY);
    chmodSync(dir, 0o755);
    expectOneLine(await rejection(ensurePrivateDir(dir)), /belongs to another user/);
    expect(statSync(dir).mode & 0o777).toBe(0o755);
    const loose = privateDir();
    chmodSync(loose, 0o777);
    expectOneLine(await rejection(ensurePrivateDir(loose)), /can be changed by other users \(mode 0777\)/);
  });
});

describe('one writer at a time', () => {
  it('concurrent changes of the key file all stay: 8 stores, 8 keys', async () => {
    const dir = privateDir();
    const stores = Array.from({ length: 8 }, () => keyStoreIn(dir));
    await Promise.all(stores.map((store, i) => store.set(`p${i}`, testKey(String(i)), true)));
    const { keys } = JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8'));
    expect(Object.keys(keys).sort()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7']);
    expect(temps(dir)).toEqual([]);
    expect(existsSync(lockPathFor(join(dir, 'credentials.json')))).toBe(false);
  });

  it('concurrent changes of the progress file all stay', async () => {
    const dir = privateDir();
    await Promise.all(Array.from({ length: 12 }, (_, i) => new StateStore(dir, fixedNow, () => {}).updateProfile(`q${i}`, (p) => void (p.billingChoice = 'prepaid'))));
    expect(Object.keys((await new StateStore(dir, fixedNow, () => {}).read()).profiles)).toHaveLength(12);
  });

  it('a lock that another run keeps holding: one line naming it after the wait, and nothing done', async () => {
    const dir = privateDir();
    const path = join(dir, 'state.json');
    mkdirSync(lockPathFor(path));
    let ran = false;
    const error = await rejection(withFileLock(path, async () => void (ran = true), 300));
    expectOneLine(error, new RegExp(`^Another run of openai-setup held ${lockPathFor(path)} for more than 300 ms, so ${path} was not changed; .*rmdir '${lockPathFor(path)}'$`));
    expect(ran).toBe(false);
  });

  it('a lock left by a killed run (not refreshed for a while) is taken over', async () => {
    const dir = privateDir();
    const path = join(dir, 'credentials.json');
    mkdirSync(lockPathFor(path));
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockPathFor(path), old, old);
    expect(await withFileLock(path, async () => 'done', 300)).toBe('done');
    expect(existsSync(lockPathFor(path))).toBe(false);
  });
});

describe('the progress file', () => {
  it('a file beginning with a byte-order mark (saved by Notepad) is read, not moved aside', async () => {
    const dir = privateDir();
    const warnings: string[] = [];
    writeFileSync(join(dir, 'state.json'), `\uFEFF${JSON.stringify({ version: 1, profiles: { default: { stages: { login: { doneAt: '2026-01-01T00:00:00.000Z' } } } } })}`, { mode: 0o600 });
    const state = await new StateStore(dir, fixedNow, (m) => warnings.push(m)).read();
    expect(state.profiles.default?.stages.login).toBeDefined();
    expect(warnings).toEqual([]);
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('an untrusted file is read as no progress, with one warning; changing it fails (exit 7) and leaves it as it was', async () => {
    const dir = privateDir();
    const path = join(dir, 'state.json');
    const content = JSON.stringify({ version: 1, profiles: { default: { stages: { login: { doneAt: '2026-01-01T00:00:00.000Z' } } } } });
    writeFileSync(path, content);
    chownSync(path, NOBODY, NOBODY);
    const warnings: string[] = [];
    const store = new StateStore(dir, fixedNow, (m) => warnings.push(m));
    expect((await store.read()).profiles).toEqual({});
    await store.read();
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`^Saved progress is not used: ${path} belongs to another user`))]);
    expectOneLine(await rejection(store.updateProfile('default', (p) => void (p.billingChoice = 'prepaid'))), /belongs to another user/);
    expect(readFileSync(path, 'utf8')).toBe(content);
  });
});

describe('making the config dir always ends', () => {
  it('under /proc (where Node\'s recursive mkdir loops forever): one line, exit 7 (a loop would time the test out)', async () => {
    // Node's own mkdir(…, { recursive: true }) spun here at full CPU, never returning.
    expectOneLine(await rejection(ensurePrivateDir('/proc/openai-setup-test/config')), /^Could not create \/proc\/openai-setup-test\/config: no such file or directory \(ENOENT\); no directory can be made there; set OPENAI_SETUP_CONFIG_DIR/);
    expectOneLine(await rejection(ensurePrivateDir('/proc/x')), /^Could not create \/proc\/x: .*\(ENOENT\)/);
  }, 5_000);

  it('makes every missing level, the dir 0700 whatever the umask (those above it as mkdir makes them), and is fine with levels already there', async () => {
    const root = privateDir();
    const dir = join(root, 'a', 'b', 'c');
    const old = process.umask(0o000);
    try {
      makeDirs(dir, 0o700);
    } finally {
      process.umask(old);
    }
    for (const level of [join(root, 'a'), join(root, 'a', 'b')]) expect(statSync(level).mode & 0o777).toBe(0o777);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    makeDirs(dir, 0o700); // again: all there, nothing to do
  });

  it('a file in the way: EEXIST for the dir itself, ENOTDIR for a level above; one line naming it, nothing made', async () => {
    const root = privateDir();
    writeFileSync(join(root, 'file'), '');
    expectOneLine(await rejection(ensurePrivateDir(join(root, 'file'))), /^Could not create .*\/file: something else is in the way \(EEXIST\); move what is in the way/);
    expectOneLine(await rejection(ensurePrivateDir(join(root, 'file', 'x', 'y'))), /^Could not create .*\/file\/x\/y: a part of the path is not a directory \(ENOTDIR\)/);
    expect(readdirSync(root)).toEqual(['file']);
  });
});

describe('a key file written by a newer openai-setup (a higher version) is never written over', () => {
  const newer = (dir: string) => {
    const content = JSON.stringify({ version: 2, keys: { default: { key: testKey('N'), kind: 'project' } }, more: true });
    writeFileSync(join(dir, 'credentials.json'), content, { mode: 0o600 });
    return content;
  };
  const newerError = /^.*credentials\.json was written by a newer openai-setup \(format 2; this one knows 1\), so this one neither reads nor changes it; update openai-setup .* and run again\.$/;

  it('storing a key (in the file or the keychain) is refused before anything is stored; the file stays as it was', async () => {
    const dir = privateDir();
    const content = newer(dir);
    const keychain = new MemoryKeychain();
    const store = keyStoreIn(dir, keychain);
    expectOneLine(await rejection(store.set('default', testKey('A'), true)), newerError);
    expectOneLine(await rejection(store.set('default', testKey('A'), false)), newerError);
    expect(keychain.accounts()).toEqual([]);
    expect(readFileSync(join(dir, 'credentials.json'), 'utf8')).toBe(content);
    expect(readdirSync(dir)).toEqual(['credentials.json']);
  });

  it('removing a key is refused before the keychain\'s copy is removed', async () => {
    const dir = privateDir();
    const content = newer(dir);
    const keychain = new MemoryKeychain({ default: testKey('K') });
    const store = keyStoreIn(dir, keychain);
    expectOneLine(await rejection(store.delete('default')), newerError);
    expect(keychain.keyOf('default')).toBe(testKey('K'));
    expect(readFileSync(join(dir, 'credentials.json'), 'utf8')).toBe(content);
  });

  it('reading: the keychain\'s key as ever; with none there, one line saying to update, and nothing moved', async () => {
    const dir = privateDir();
    const content = newer(dir);
    expect((await keyStoreIn(dir, new MemoryKeychain({ default: testKey('K') })).get('default')).stored).toEqual({ key: testKey('K'), storage: 'keychain' });
    expectOneLine(await rejection(keyStoreIn(dir).get('default')), newerError);
    expect(readFileSync(join(dir, 'credentials.json'), 'utf8')).toBe(content);
    expect(readdirSync(dir)).toEqual(['credentials.json']);
  });

  it('the file now says its version, and one without a version (older) is still read and kept', async () => {
    const dir = privateDir();
    writeFileSync(join(dir, 'credentials.json'), JSON.stringify({ keys: { old: testKey('O') } }), { mode: 0o600 });
    const store = keyStoreIn(dir);
    await store.set('new', testKey('W'), true);
    const onDisk = JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8'));
    expect(onDisk.version).toBe(1);
    expect(onDisk.keys).toEqual({ old: testKey('O'), new: testKey('W') });
    expect((await store.get('old')).stored?.key).toBe(testKey('O'));
  });
});

// Why a file could not be used is worded once (storage/read-file.ts describeFileError) and said so
// by every caller: import's scan ("Not looked in …: why"), env's --file errors and the private
// files' store errors. The failures are made by node:fs/promises' open and writeFile failing as
// the system would (a root test run cannot be refused a file), or opening /dev/null instead of the
// file (a device put in its place).
import { constants } from 'node:os';
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run as env } from '../../src/commands/env.js';
import { MAX_FILE_BYTES, scanPlaces } from '../../src/plaintext/scan.js';
import { MAX_PRIVATE_FILE_BYTES, readPrivateFile, writePrivateFile } from '../../src/storage/private-file.js';
import { describeFileError, UnreadableFileError } from '../../src/storage/read-file.js';
import { makeTestContext, outcomeOf, testKey, type TestContext } from '../helpers/context.js';

const hook = vi.hoisted(() => ({
  /** Opens and writes of a path under this fail with `error`. */
  failing: null as { under: string; code: string } | null,
  /** Opens of a path under this open /dev/null instead: a device where the file was. */
  device: null as string | null,
}));

/** A failure as Node's fs gives it: its code, errno and syscall, and its message repeating the path. */
function systemError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  const errno = (constants.errno as Record<string, number>)[code];
  return Object.assign(new Error(`${code}: boom, ${syscall} '${path}'`), { code, errno: errno === undefined ? undefined : -errno, syscall, path });
}

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const fail = (path: unknown, syscall: string) => {
    const p = String(path);
    if (hook.failing && p.startsWith(hook.failing.under)) throw systemError(hook.failing.code, syscall, p);
  };
  const open = (async (path: string, ...rest: unknown[]) => {
    fail(path, 'open');
    return (fs.open as (...args: unknown[]) => Promise<unknown>)(hook.device && path.startsWith(hook.device) ? '/dev/null' : path, ...rest);
  }) as typeof fs.open;
  const writeFile = (async (path: Parameters<typeof fs.writeFile>[0], ...rest: unknown[]) => {
    fail(path, 'open');
    return (fs.writeFile as (...args: unknown[]) => Promise<unknown>)(path, ...rest);
  }) as typeof fs.writeFile;
  return { ...fs, open, writeFile, default: { ...fs, open, writeFile } };
});

let t: TestContext | undefined;
afterEach(async () => {
  hook.failing = null;
  hook.device = null;
  await t?.cleanup();
  t = undefined;
});

/** Every code with words of its own, and the words. */
const WORDS: Array<[string, string]> = [
  ['EACCES', 'permission denied'],
  ['EPERM', 'operation not permitted'],
  ['ENOENT', 'no such file or directory'],
  ['ENOTDIR', 'a part of the path is not a directory'],
  ['EISDIR', 'it is a directory'],
  ['EEXIST', 'something else is in the way'],
  ['ENAMETOOLONG', 'the name is too long'],
  ['ELOOP', 'too many symbolic links (a link that leads back to itself?)'],
  ['EROFS', 'the file system is read-only'],
  ['ENOSPC', 'no space is left on the disk'],
  ['EDQUOT', 'the disk quota is used up'],
  ['EIO', 'an input/output error'],
  ['EBUSY', 'it is busy'],
];

describe('describeFileError', () => {
  it.each(WORDS)('%s: "%s" (with the code when asked)', (code, words) => {
    const error = systemError(code, 'open', '/x/a\nb');
    expect(describeFileError(error)).toBe(words);
    expect(describeFileError(error, { withCode: true })).toBe(`${words} (${code})`);
  });

  it("a code without words of its own: the system's words and the code, never Node's message (it repeats the path, raw)", () => {
    expect(describeFileError(systemError('EXDEV', 'rename', '/x/a\nb'))).toBe('cross-device link not permitted (EXDEV)');
    expect(describeFileError(systemError('EXDEV', 'rename', '/x/a\nb'), { withCode: true })).toBe('cross-device link not permitted (EXDEV)');
    // No errno to look it up by: the code alone.
    expect(describeFileError(Object.assign(new Error('EWHAT: /x/a'), { code: 'EWHAT' }))).toBe('EWHAT');
  });

  it('a file not read: not a regular file, or larger than the cap (in MB when it is whole MBs)', () => {
    expect(describeFileError(new UnreadableFileError('/x/fifo', 'not-regular', MAX_FILE_BYTES))).toBe('not a regular file');
    expect(describeFileError(new UnreadableFileError('/x/big', 'too-large', MAX_FILE_BYTES))).toBe('larger than 4 MB');
    expect(describeFileError(new UnreadableFileError('/x/big', 'too-large', MAX_PRIVATE_FILE_BYTES))).toBe('larger than 1 MB');
    expect(describeFileError(new UnreadableFileError('/x/big', 'too-large', 100))).toBe('larger than 100 bytes');
  });

  it("no file's error (a bug, Node's own ERR_ codes): null", () => {
    expect(describeFileError(new Error('boom'))).toBeNull();
    expect(describeFileError(Object.assign(new TypeError('bad'), { code: 'ERR_INVALID_ARG_TYPE' }))).toBeNull();
    expect(describeFileError(undefined)).toBeNull();
    expect(describeFileError('EACCES')).toBeNull();
  });

  it("an UnreadableFileError's own message: the path as one safe line, then why", () => {
    const error = new UnreadableFileError('/x/a\n✔ forged\u202e.env', 'too-large', MAX_FILE_BYTES);
    expect(error.message).toBe('/x/a ✔ forged\\u202e.env: larger than 4 MB');
  });
});

/** A context with a key stored, for env. */
function context(): TestContext {
  t = makeTestContext({ keychain: { default: testKey('A') } });
  return t;
}

describe('one wording in every caller', () => {
  // ENOENT and ENOTDIR: no file there, to the scan and the readers (no error).
  it.each(WORDS.filter(([code]) => code !== 'ENOENT' && code !== 'ENOTDIR'))("%s: import's scan, env --file and the private files all say \"%s\"", async (code, words) => {
    const { cwd, configDir } = context();
    mkdirSync(configDir, { mode: 0o700 });
    const rc = join(cwd, '.bashrc');
    const state = join(configDir, 'state.json');
    writeFileSync(rc, 'export A=1\n');
    writeFileSync(join(cwd, '.env'), 'A=1\n');
    hook.failing = { under: cwd, code };
    expect((await scanPlaces([{ path: rc, kind: 'posix-shell' }])).skipped).toEqual([{ path: rc, why: words }]);
    expect(await outcomeOf(env(t!.ctx, { force: true, gitignore: false }))).toEqual({ code: 2, message: `--file .env: ${words}. Nothing was written.`, hints: [] });
    // Not there before: env reads the progress file.
    writeFileSync(state, '{}', { mode: 0o600 });
    hook.failing = { under: configDir, code };
    // A name too long is the config dir's (every file in it alike): said of it, in the same words.
    const [read, write] = code === 'ENAMETOOLONG' ? [`Could not use the config dir ${configDir}`, `Could not use the config dir ${configDir}`] : [`Could not read ${state}`, `Could not write ${state}`];
    await expect(readPrivateFile(state)).rejects.toThrow(`${read}: ${words} (${code}); `);
    await expect(writePrivateFile(state, '{}')).rejects.toThrow(`${write}: ${words} (${code}); `);
  });

  it('a device put where the file was: "not a regular file" in the scan and env alike', async () => {
    const { cwd } = context();
    writeFileSync(join(cwd, '.bashrc'), 'export A=1\n');
    writeFileSync(join(cwd, '.env'), 'A=1\n');
    hook.device = cwd;
    expect((await scanPlaces([{ path: join(cwd, '.bashrc'), kind: 'posix-shell' }])).skipped).toEqual([{ path: join(cwd, '.bashrc'), why: 'not a regular file' }]);
    expect((await outcomeOf(env(t!.ctx, { force: true, gitignore: false }))).message).toBe('--file .env: not a regular file. Nothing was written.');
  });

  it('a file past the cap: "larger than …" in the scan, env and the private files alike', async () => {
    const { cwd, configDir } = context();
    mkdirSync(configDir, { mode: 0o700 });
    for (const name of ['.bashrc', '.env']) {
      writeFileSync(join(cwd, name), '');
      truncateSync(join(cwd, name), MAX_FILE_BYTES + 1);
    }
    expect((await scanPlaces([{ path: join(cwd, '.bashrc'), kind: 'posix-shell' }])).skipped).toEqual([{ path: join(cwd, '.bashrc'), why: 'larger than 4 MB' }]);
    expect((await outcomeOf(env(t!.ctx, { force: true, gitignore: false }))).message).toBe('--file .env: larger than 4 MB. Nothing was written.');
    const state = join(configDir, 'state.json');
    writeFileSync(state, ' '.repeat(MAX_PRIVATE_FILE_BYTES + 1), { mode: 0o600 });
    await expect(readPrivateFile(state)).rejects.toThrow(`${state}: larger than 1 MB, far more than openai-setup ever writes there, so it is not read; move it away and run again.`);
  });
});

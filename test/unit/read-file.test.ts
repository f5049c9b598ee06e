// The one reader of files someone else may have put there (storage/read-file.ts: import's scan,
// env's .env and .gitignore, the private files): a FIFO or device put where a file was (between
// the look and the read) is refused at once, never waited on; nothing past the cap is read.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_FILE_BYTES, scanPlaces } from '../../src/plaintext/scan.js';
import { readRegularFile, UnreadableFileError } from '../../src/storage/read-file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'openai-setup-read-'));
  dirs.push(dir);
  return dir;
}

describe('readRegularFile', () => {
  it('reads a regular file; refuses a FIFO (no writer: a blocking read would never end) and a device', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, '.env'), 'OPENAI_API_KEY=x\n');
    expect((await readRegularFile(join(dir, '.env'), 100))?.toString()).toBe('OPENAI_API_KEY=x\n');
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    await expect(readRegularFile(join(dir, 'fifo'), 100)).rejects.toEqual(new UnreadableFileError(join(dir, 'fifo'), 'not-regular', 100));
    await expect(readRegularFile('/dev/zero', 100)).rejects.toMatchObject({ reason: 'not-regular', path: '/dev/zero' });
  });

  it('none there: null; more than the cap: refused, the cap itself read', async () => {
    const dir = tempDir();
    expect(await readRegularFile(join(dir, 'absent'), 100)).toBeNull();
    writeFileSync(join(dir, 'big'), 'x'.repeat(101));
    await expect(readRegularFile(join(dir, 'big'), 100)).rejects.toMatchObject({ reason: 'too-large' });
    expect((await readRegularFile(join(dir, 'big'), 101))?.length).toBe(101);
  });

  it('given what a look at the path found: another file put there since is not read (null)', async () => {
    const dir = tempDir();
    const path = join(dir, 'state.json');
    writeFileSync(path, 'old');
    const lookedAt = statSync(path);
    expect((await readRegularFile(path, 100, lookedAt))?.toString()).toBe('old');
    writeFileSync(join(dir, 'new'), 'new');
    renameSync(join(dir, 'new'), path);
    expect(await readRegularFile(path, 100, lookedAt)).toBeNull();
  });
});

describe("import's scan through it", () => {
  it('a file past the cap is not counted as looked in: listed as not looked in, with why; a FIFO or a directory is no file to look in', async () => {
    const dir = tempDir();
    const big = join(dir, '.bashrc');
    writeFileSync(big, '');
    truncateSync(big, MAX_FILE_BYTES + 1);
    execFileSync('mkfifo', [join(dir, '.profile')]);
    const places = [big, join(dir, '.profile'), dir, join(dir, 'absent')].map((path) => ({ path, kind: 'posix-shell' as const }));
    expect(await scanPlaces(places)).toEqual({ findings: [], looked: 0, skipped: [{ path: big, why: 'larger than 4 MB' }] });
  });
});

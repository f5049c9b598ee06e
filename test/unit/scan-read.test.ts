// import's reader of the files it looks in: a FIFO or device put where a file was (between the
// look and the read) is refused at once, never waited on.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readRegularFile } from '../../src/plaintext/scan.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('readRegularFile', () => {
  it('reads a regular file; refuses a FIFO (no writer: a blocking read would never end) and a device', () => {
    const dir = mkdtempSync(join(tmpdir(), 'openai-setup-scan-'));
    dirs.push(dir);
    writeFileSync(join(dir, '.env'), 'OPENAI_API_KEY=x\n');
    expect(readRegularFile(join(dir, '.env')).toString()).toBe('OPENAI_API_KEY=x\n');
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    expect(() => readRegularFile(join(dir, 'fifo'))).toThrow(expect.objectContaining({ code: 'EFTYPE' }));
    expect(() => readRegularFile('/dev/zero')).toThrow(expect.objectContaining({ code: 'EFTYPE' }));
  });
});

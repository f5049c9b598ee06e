// The config dir under a HOME that is not there (HOME=/nonexistent: nobody's, and many a container
// user's): making it fails at a level above HOME no one may write (/, EACCES; a read-only root,
// EROFS). What to fix is HOME, said as such, not the owner of /. As root no such failure can be
// made, so the system's error is given as it comes (the binary as nobody: e2e/storage.test.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { storeError } from '../../src/storage/private-file.js';

const failure = (code: string) => Object.assign(new Error(`${code}: refused`), { code });

let made: string | undefined;
afterEach(() => {
  vi.unstubAllEnvs();
  if (made) rmSync(made, { recursive: true, force: true });
  made = undefined;
});

describe.skipIf(process.platform === 'win32')('the config dir under a HOME that does not exist', () => {
  const gone = (home: string) => `HOME (${home}) does not exist: set HOME to your home directory, or XDG_CONFIG_HOME or OPENAI_SETUP_CONFIG_DIR to a directory you can write.`;

  it.each(['EACCES', 'EPERM', 'EROFS'])('%s: says HOME does not exist, not whom / belongs to', (code) => {
    made = mkdtempSync(join(tmpdir(), 'openai-setup-unit-'));
    const home = join(made, 'nonexistent');
    vi.stubEnv('HOME', home);
    const error = storeError(failure(code), join(home, '.config', 'openai-setup'), 'create');
    expect(error.message).toMatch(new RegExp(`^Could not create ${join(home, '.config', 'openai-setup')}: .*\\(${code}\\); `));
    expect(error.message.endsWith(gone(home))).toBe(true);
    expect(error.message).not.toContain('check who owns');
  });

  it('HOME there (one the person cannot write to): the level that refused, as before', () => {
    made = mkdtempSync(join(tmpdir(), 'openai-setup-unit-'));
    vi.stubEnv('HOME', made);
    const error = storeError(failure('EACCES'), join(made, '.config', 'openai-setup'), 'create');
    expect(error.message).toContain(`check who owns ${made} and its permissions (ls -ld '${made}')`);
    expect(error.message).not.toContain('does not exist');
  });

  it('a config dir not under HOME (OPENAI_SETUP_CONFIG_DIR): HOME is no matter', () => {
    made = mkdtempSync(join(tmpdir(), 'openai-setup-unit-'));
    vi.stubEnv('HOME', join(made, 'nonexistent'));
    const error = storeError(failure('EACCES'), join(made, 'elsewhere', 'config'), 'create');
    expect(error.message).toContain(`check who owns ${made}`);
    expect(error.message).not.toContain('does not exist');
  });
});

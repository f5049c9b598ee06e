// The dirs the tool makes above its own: as `mkdir` makes them (the person's ~/.config, ~/.cache),
// only its own dir private; and root's run (sudo -E, macOS sudo: HOME is another user's) makes
// none in another user's home, so that no root-owned 0700 ~/.config or ~/.cache breaks their git,
// fish and the rest, nor a root-owned dir of ours their own runs. Root's cases need a root test run.
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AnotherUsersDirError, makeDirs } from '../../src/storage/make-dirs.js';
import { ensurePrivateDir } from '../../src/storage/private-file.js';

const AS_ROOT = process.getuid?.() === 0;
/** Someone else: the person whose home root's run is in. */
const OWNER = 1000;

let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

function tempDir(): string {
  root = mkdtempSync(join(tmpdir(), 'openai-setup-make-dirs-'));
  return root;
}

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('the dirs made above the tool\'s own', () => {
  it('are made as mkdir makes them (0755 under umask 022), only the config dir itself 0700', async () => {
    const home = join(tempDir(), 'home');
    mkdirSync(join(root!, 'as-mkdir'));
    const asMkdir = modeOf(join(root!, 'as-mkdir'));
    await ensurePrivateDir(join(home, '.config', 'openai-setup'));
    expect(modeOf(home)).toBe(asMkdir);
    expect(modeOf(join(home, '.config'))).toBe(asMkdir);
    expect(modeOf(join(home, '.config', 'openai-setup'))).toBe(0o700);
    makeDirs(join(home, '.cache', 'openai-setup', 'compile-cache'), 0o700);
    expect(modeOf(join(home, '.cache'))).toBe(asMkdir);
    expect(modeOf(join(home, '.cache', 'openai-setup', 'compile-cache'))).toBe(0o700);
  });
});

describe.skipIf(!AS_ROOT)("root's run in another user's home", () => {
  function theirHome(): string {
    const home = join(tempDir(), 'u');
    mkdirSync(home);
    chownSync(home, OWNER, OWNER);
    return home;
  }

  it('the config dir is not made, nor ~/.config: one line saying why and what to do', async () => {
    const home = theirHome();
    const dir = join(home, '.config', 'openai-setup');
    await expect(ensurePrivateDir(dir)).rejects.toThrow(
      `${dir} was not made: openai-setup runs as root here, and ${home} belongs to another user (uid ${OWNER}), whose own runs could not use what root made in it. Run openai-setup as that user (without sudo), or set OPENAI_SETUP_CONFIG_DIR to a directory of root's.`,
    );
    expect(readdirSync(home)).toEqual([]);
  });

  it('their ~/.config there already: nothing is made in it', async () => {
    const home = theirHome();
    mkdirSync(join(home, '.config'));
    chownSync(join(home, '.config'), OWNER, OWNER);
    await expect(ensurePrivateDir(join(home, '.config', 'openai-setup'))).rejects.toThrow(`${join(home, '.config')} belongs to another user (uid ${OWNER})`);
    expect(readdirSync(join(home, '.config'))).toEqual([]);
  });

  it('the compile cache (boot.ts) makes no ~/.cache there', () => {
    const home = theirHome();
    expect(() => makeDirs(join(home, '.cache', 'openai-setup', 'compile-cache'), 0o700)).toThrow(AnotherUsersDirError);
    expect(existsSync(join(home, '.cache'))).toBe(false);
  });

  it("root's own dirs are made as before", async () => {
    const dir = join(tempDir(), 'r', '.config', 'openai-setup');
    await ensurePrivateDir(dir);
    expect(statSync(dir).uid).toBe(0);
  });
});

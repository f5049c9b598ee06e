import { mkdtemp, readdir, readFile, stat, writeFile, mkdir, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfigDir } from '../../src/storage/paths.js';
import { StateStore } from '../../src/storage/state.js';

const fixedNow = () => new Date('2026-11-24T10:00:00.000Z');

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'osetup-state-'));
}

describe('StateStore', () => {
  it('starts empty, writes 0600 in a 0700 directory whatever the umask', async () => {
    const dir = join(await tempDir(), 'config');
    const old = process.umask(0o000);
    try {
      const store = new StateStore(dir, fixedNow, () => {});
      expect((await store.read()).profiles).toEqual({});
      await store.updateProfile('default', (p) => {
        p.stages.login = { doneAt: fixedNow().toISOString() };
      });
      expect((await stat(dir)).mode & 0o777).toBe(0o700);
      expect((await stat(store.path)).mode & 0o777).toBe(0o600);
      const onDisk = JSON.parse(await readFile(store.path, 'utf8'));
      expect(onDisk.profiles.default.stages.login.doneAt).toBe('2026-11-24T10:00:00.000Z');
    } finally {
      process.umask(old);
    }
  });

  it('tightens an existing loose directory', async () => {
    const dir = join(await tempDir(), 'config');
    await mkdir(dir, { mode: 0o755 });
    await chmod(dir, 0o755);
    await new StateStore(dir, fixedNow, () => {}).update(() => {});
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
  });

  it.each([
    ['not JSON', '{"version": 1, "profiles": '],
    ['wrong shape', JSON.stringify({ version: 1, profiles: { default: { stages: { login: { doneAt: 'yesterday' } } } } })],
    ['bad profile name', JSON.stringify({ version: 1, profiles: { 'a b': { stages: {} } } })],
    ['unknown version', JSON.stringify({ version: 9, profiles: {} })],
  ])('moves a damaged file aside and says so (%s)', async (_name, content) => {
    const dir = await tempDir();
    await writeFile(join(dir, 'state.json'), content);
    const warnings: string[] = [];
    const store = new StateStore(dir, fixedNow, (m) => warnings.push(m));
    expect((await store.read()).profiles).toEqual({});
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/was damaged; it was moved to .*state\.json\.bak-2026-11-24T10-00-00-000Z/);
    const files = await readdir(dir);
    expect(files).toContain('state.json.bak-2026-11-24T10-00-00-000Z');
    expect(files).not.toContain('state.json');
  });

  it('keeps both writers\' changes and never leaves a half-written file under concurrency', async () => {
    const dir = await tempDir();
    const a = new StateStore(dir, fixedNow, () => {});
    const b = new StateStore(dir, fixedNow, () => {});
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).updateProfile(`p${i}`, (p) => {
          p.billingChoice = 'prepaid';
        }),
      ),
    );
    const text = await readFile(join(dir, 'state.json'), 'utf8');
    expect(() => JSON.parse(text)).not.toThrow();
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('resolveConfigDir', () => {
  it('follows OPENAI_SETUP_CONFIG_DIR, then each platform\'s place', () => {
    expect(resolveConfigDir({ OPENAI_SETUP_CONFIG_DIR: '/x' }, 'linux', '/home/u')).toBe('/x');
    expect(resolveConfigDir({ XDG_CONFIG_HOME: '/xdg' }, 'linux', '/home/u')).toBe('/xdg/openai-setup');
    expect(resolveConfigDir({}, 'linux', '/home/u')).toBe('/home/u/.config/openai-setup');
    expect(resolveConfigDir({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Application Support/openai-setup');
    expect(resolveConfigDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32', 'C:\\Users\\u')).toMatch(/Roaming.openai-setup$/);
  });
});

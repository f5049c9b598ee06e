// The code cache main.ts loads our bundle files with: what lands on disk, when it is reused, and
// that a bad cache never changes what the code does.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cachedRequire, compileCacheDir } from '../../src/compile-cache.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A dist-like folder: main file requiring a sibling in vendor/, as cli.cjs does. */
function fixture(): { root: string; dist: string; cache: string; main: string; vendor: string } {
  const root = mkdtempSync(join(tmpdir(), 'openai-setup-cc-'));
  roots.push(root);
  const dist = join(root, 'dist');
  mkdirSync(join(dist, 'vendor'), { recursive: true });
  const main = join(dist, 'cli.cjs');
  const vendor = join(dist, 'vendor', 'lib.cjs');
  writeFileSync(vendor, 'exports.twice = (n) => n * 2; exports.dir = __dirname;');
  writeFileSync(main, "const lib = require('./vendor/lib.cjs'); const { join } = require('node:path'); module.exports = { answer: lib.twice(21), joined: join('a', 'b'), file: __filename, lib };");
  return { root, dist, cache: join(root, 'cache'), main, vendor };
}

const entries = (dir: string) => readdirSync(dir).sort();

describe('compileCacheDir', () => {
  it('follows the platform, OPENAI_SETUP_CACHE_DIR and the off switch', () => {
    expect(compileCacheDir({}, 'linux', '/home/u')).toBe('/home/u/.cache/openai-setup');
    expect(compileCacheDir({ XDG_CACHE_HOME: '/x' }, 'linux', '/home/u')).toBe('/x/openai-setup');
    expect(compileCacheDir({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Caches/openai-setup');
    expect(compileCacheDir({ LOCALAPPDATA: 'C:\\L' }, 'win32', 'C:\\U')).toMatch(/openai-setup.cache$/);
    expect(compileCacheDir({ OPENAI_SETUP_CACHE_DIR: '/c' }, 'linux', '/home/u')).toBe('/c');
    expect(compileCacheDir({ OPENAI_SETUP_NO_COMPILE_CACHE: '1', OPENAI_SETUP_CACHE_DIR: '/c' }, 'linux', '/home/u')).toBeNull();
    expect(compileCacheDir({}, 'linux', '')).toBeNull();
  });
});

describe('cachedRequire', () => {
  it('runs the files like require() and writes one private entry per file and command', () => {
    const f = fixture();
    const first = cachedRequire(f.cache, '1.2.3', 'status');
    const exports = first.load(f.main) as { answer: number; joined: string; file: string; lib: { dir: string } };
    expect(exports).toMatchObject({ answer: 42, joined: join('a', 'b'), file: f.main });
    expect(exports.lib.dir).toBe(join(f.dist, 'vendor'));
    expect(first.load(f.main)).toBe(exports); // loaded once
    expect(readdirSync(f.root)).not.toContain('cache'); // nothing written before save
    first.save();
    expect(statSync(f.cache).mode & 0o777).toBe(0o700);
    const names = entries(f.cache);
    expect(names).toHaveLength(2);
    expect(names[0]).toMatch(new RegExp(`^cli\\.cjs-status-1\\.2\\.3-\\d+-\\d+-${process.version}-${process.arch}\\.bin$`));
    expect(names[1]).toMatch(/^lib\.cjs-status-1\.2\.3-/);
    for (const name of names) expect(statSync(join(f.cache, name)).mode & 0o777).toBe(0o600);
  });

  it('reuses an entry V8 accepts, so the next run writes nothing', () => {
    const f = fixture();
    const first = cachedRequire(f.cache, '1', 'status');
    first.load(f.main);
    first.save();
    const before = entries(f.cache).map((name) => [name, statSync(join(f.cache, name)).mtimeMs]);
    const second = cachedRequire(f.cache, '1', 'status');
    expect((second.load(f.main) as { answer: number }).answer).toBe(42);
    second.save();
    expect(entries(f.cache).map((name) => [name, statSync(join(f.cache, name)).mtimeMs])).toEqual(before);
  });

  it('keeps one entry per command, and replaces the entry of a rebuilt file', () => {
    const f = fixture();
    for (const command of ['status', 'verify']) {
      const r = cachedRequire(f.cache, '1', command);
      r.load(f.main);
      r.save();
    }
    expect(entries(f.cache).filter((n) => n.startsWith('cli.cjs-'))).toHaveLength(2);
    writeFileSync(f.main, "module.exports = { answer: require('./vendor/lib.cjs').twice(50) };");
    utimesSync(f.main, new Date(), new Date(Date.now() + 5000));
    const rebuilt = cachedRequire(f.cache, '1', 'status');
    expect((rebuilt.load(f.main) as { answer: number }).answer).toBe(100);
    rebuilt.save();
    const status = entries(f.cache).filter((n) => n.startsWith('cli.cjs-status-'));
    expect(status).toHaveLength(1);
    expect(status[0]).toContain(`-${statSync(f.main).size}-`);
  });

  it('rebuilds a damaged entry and still runs the code', () => {
    const f = fixture();
    // Damaged before this process ever compiles the file (V8 would otherwise find the code in
    // its in-memory cache and never look at the data).
    writeFileSync(f.main, `${'// unique to this test\n'}module.exports = { answer: require('./vendor/lib.cjs').twice(21) };`);
    const stat = statSync(f.main);
    mkdirSync(f.cache, { mode: 0o700 });
    const entry = join(f.cache, `cli.cjs-status-1-${stat.size}-${Math.trunc(stat.mtimeMs)}-${process.version}-${process.arch}.bin`);
    writeFileSync(entry, 'not a code cache at all');
    const second = cachedRequire(f.cache, '1', 'status');
    expect((second.load(f.main) as { answer: number }).answer).toBe(42);
    second.save();
    expect(statSync(entry).size).toBeGreaterThan(100); // rewritten with real data
  });

  it('does not use a dir others can write to, nor a path it cannot create, and runs anyway', () => {
    const f = fixture();
    mkdirSync(f.cache);
    chmodSync(f.cache, 0o777);
    const open = cachedRequire(f.cache, '1', 'status');
    expect((open.load(f.main) as { answer: number }).answer).toBe(42);
    open.save();
    expect(entries(f.cache)).toEqual([]);

    const blocked = join(f.root, 'a-file');
    writeFileSync(blocked, '');
    const none = cachedRequire(join(blocked, 'cache'), '1', 'status');
    expect((none.load(f.main) as { answer: number }).answer).toBe(42);
    expect(() => none.save()).not.toThrow();

    const off = cachedRequire(null, '1', 'status');
    expect((off.load(f.main) as { answer: number }).answer).toBe(42);
    off.save();
  });
});

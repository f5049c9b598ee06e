// Loads our bundle files (dist/cli.cjs and dist/vendor/*.cjs) with a V8 code cache, so that a
// second run deserializes compiled code instead of parsing ~0.5 MB of JavaScript again. This is
// what Node 22's module.enableCompileCache() does; Node 20, which we support, has no such thing.
// Measured: `status` 34 → 25 ms on a 2-core machine (bare Node: 19 ms).
//
// - The cache lives in the user's cache dir (mode 0700; files 0600), keyed by file name, the
//   command (setup, status, verify, or "other": each compiles different functions, and `status`
//   should not deserialize the wizard's), size, mtime, our version, Node's version and the CPU architecture. V8 itself rejects data made by
//   another V8 or with other flags; a rejected or missing entry is rebuilt when the process exits,
//   with every function the run compiled.
// - Any failure (no home, a read-only disk, a foreign-owned dir) only means no cache: the code
//   then loads as plain require() would.
// - OPENAI_SETUP_NO_COMPILE_CACHE=1 turns it off; OPENAI_SETUP_CACHE_DIR moves it.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire, wrap } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { Script } from 'node:vm';

/** Where the cache goes: OPENAI_SETUP_CACHE_DIR, else the platform's per-user cache dir. */
export function compileCacheDir(env: Record<string, string | undefined>, platform: NodeJS.Platform, home: string): string | null {
  if (env.OPENAI_SETUP_NO_COMPILE_CACHE) return null;
  if (env.OPENAI_SETUP_CACHE_DIR) return env.OPENAI_SETUP_CACHE_DIR;
  if (!home) return null;
  if (platform === 'win32') return join(env.LOCALAPPDATA || join(home, 'AppData', 'Local'), 'openai-setup', 'cache');
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'openai-setup');
  return join(env.XDG_CACHE_HOME || join(home, '.cache'), 'openai-setup');
}

/**
 * The dir if it is ours alone (made, mode 0700, when `create` and missing); null when it is not
 * there, or another user could have written to it (then its data is not trusted).
 */
function trustedDir(dir: string, create: boolean): string | null {
  try {
    if (create) mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = statSync(dir);
    if (!stat.isDirectory()) return null;
    if (process.getuid && (stat.uid !== process.getuid() || (stat.mode & 0o022) !== 0)) return null;
    return dir;
  } catch {
    return null;
  }
}

interface Pending {
  file: string;
  entry: string;
  script: Script;
}

export interface CachedRequire {
  /** require() for one of our bundle files. */
  load(file: string): unknown;
  /**
   * Write the entries this run had to compile, once (later calls find nothing to write). Called
   * at exit, and before each question: the wizard may wait there for minutes, and may be killed
   * rather than exit.
   */
  save(): void;
}

/**
 * A require() for our own CommonJS bundle files that uses the code cache. Relative requires inside
 * them (cli.cjs → ./vendor/openai.cjs) go through it too; anything else goes to Node.
 */
export function cachedRequire(cacheDir: string | null, version: string, command: string): CachedRequire {
  const modules = new Map<string, { exports: unknown }>();
  const pending: Pending[] = [];
  let readable: string | null | undefined;
  const cache = () => (readable === undefined ? (readable = cacheDir ? trustedDir(cacheDir, false) : null) : readable);

  function save(): void {
    // Written as late as possible, so the data holds every function the run compiled so far.
    const target = pending.length > 0 && cacheDir ? trustedDir(cacheDir, true) : null;
    if (!target) return;
    for (const { file, entry, script } of pending.splice(0)) {
      try {
        const temp = join(target, `${entry}.${process.pid}.tmp`);
        writeFileSync(temp, script.createCachedData(), { mode: 0o600 });
        renameSync(temp, join(target, entry));
        // Entries of earlier builds or versions of this file are dead weight.
        const prefix = `${basename(file)}-${command}-`;
        for (const name of readdirSync(target)) if (name.startsWith(prefix) && name !== entry && name.endsWith('.bin')) rmSync(join(target, name), { force: true });
      } catch {
        // No cache this time.
      }
    }
  }
  process.once('exit', save);

  function load(file: string): unknown {
    const known = modules.get(file);
    if (known) return known.exports;
    const source = readFileSync(file, 'utf8');
    let entry: string | null = null;
    let cachedData: Buffer | undefined;
    if (cacheDir) {
      try {
        const stat = statSync(file);
        entry = `${basename(file)}-${command}-${version}-${stat.size}-${Math.trunc(stat.mtimeMs)}-${process.version}-${process.arch}.bin`;
        const target = cache();
        if (target) cachedData = readFileSync(join(target, entry));
      } catch {
        cachedData = undefined;
      }
    }
    const script = new Script(wrap(source), { filename: file, cachedData });
    if (entry && (!cachedData || script.cachedDataRejected)) pending.push({ file, entry, script });

    const nodeRequire = createRequire(file);
    const localRequire = Object.assign((id: string) => (id.startsWith('./') || id.startsWith('../') ? load(resolve(dirname(file), id)) : nodeRequire(id)), {
      resolve: nodeRequire.resolve,
      cache: nodeRequire.cache,
      main: nodeRequire.main,
    });
    const module = { exports: {} as unknown, filename: file, id: file, loaded: false };
    modules.set(file, module);
    const run = script.runInThisContext() as (exports: unknown, require: unknown, module: unknown, filename: string, dirname: string) => void;
    run.call(module.exports, module.exports, localRequire, module, file, dirname(file));
    module.loaded = true;
    return module.exports;
  }
  return { load, save };
}

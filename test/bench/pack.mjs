// What a user downloads: `npm pack` the project, then `npm install` the tarball into an empty
// folder, as `npx openai-setup` would. Shared by the benchmark (bench.mjs) and the e2e test
// (test/e2e/pack.test.ts). Plain ESM JavaScript so that plain `node` runs it; types in pack.d.mts.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

// npm settings that reach the registry and the cache are kept; everything else `npm run` exports
// (npm_config_local_prefix=<the repo>, npm_package_*, lifecycle variables...) is dropped, so that
// the nested npm treats the temp folder, not this repository, as its project.
const KEEP_NPM_CONFIG = new Set(['registry', 'cache', 'cafile', 'userconfig', 'globalconfig', 'proxy', 'https_proxy', 'noproxy', 'strict_ssl', 'prefer_offline', 'offline']);

/** process.env (or `base`) without the variables an enclosing `npm run` adds. */
export function npmEnv(base = process.env) {
  /** @type {Record<string, string>} */
  const env = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined) continue;
    const m = /^npm_config_(.+)$/i.exec(name);
    if (m ? !KEEP_NPM_CONFIG.has(m[1].toLowerCase()) : /^npm_/i.test(name)) continue;
    env[name] = value;
  }
  env.npm_config_update_notifier = 'false';
  return env;
}

function run(file, args, options) {
  const started = performance.now();
  const r = spawnSync(file, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, shell: process.platform === 'win32', ...options });
  const ms = performance.now() - started;
  if (r.error) throw new Error(`${file} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(`${file} ${args.join(' ')} exited with ${r.status ?? r.signal}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
  }
  return { stdout: r.stdout, stderr: r.stderr, ms };
}

/**
 * `npm pack` the repository into destDir. Lifecycle scripts are skipped (`prepare` would rebuild
 * dist/ under tests that are running it): build first. Returns npm's own report of the tarball.
 * @param {string} destDir
 */
export function packTarball(destDir) {
  if (!existsSync(join(REPO_ROOT, 'dist', 'main.cjs'))) throw new Error('dist/main.cjs is missing: run `npm run build` first.');
  mkdirSync(destDir, { recursive: true });
  const { stdout } = run(NPM, ['pack', '--json', '--ignore-scripts', '--pack-destination', destDir], { cwd: REPO_ROOT, env: npmEnv() });
  const [info] = JSON.parse(stdout.slice(stdout.indexOf('[')));
  return {
    tarball: join(destDir, info.filename),
    filename: info.filename,
    /** bytes of the .tgz (the download) */
    size: info.size,
    /** bytes of the files inside it */
    unpackedSize: info.unpackedSize,
    files: /** @type {Array<{path: string, size: number}>} */ (info.files).map((f) => ({ path: f.path, size: f.size })),
  };
}

/**
 * `npm install <tarball>` into installDir (created, with a throw-away package.json), from the
 * registry with the npm cache preferred, as a first `npx openai-setup` does.
 * @param {string} tarball
 * @param {string} installDir
 */
export function installTarball(tarball, installDir) {
  mkdirSync(installDir, { recursive: true });
  writeFileSync(join(installDir, 'package.json'), `${JSON.stringify({ name: 'openai-setup-install-check', private: true }, null, 2)}\n`);
  const { ms, stderr } = run(NPM, ['install', resolve(tarball), '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=warn'], { cwd: installDir, env: npmEnv() });
  return { ms, warnings: stderr.trim(), ...measureTree(join(installDir, 'node_modules')) };
}

/**
 * Every package under a node_modules folder (nested ones too) and the bytes of all its files.
 * @param {string} nodeModules
 */
export function measureTree(nodeModules) {
  /** @type {Array<{name: string, version: string, path: string, bytes: number}>} */
  const packages = [];
  let bytes = 0;
  let files = 0;
  const sizeOf = (path) => {
    let total = 0;
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) total += sizeOf(full);
      else if (entry.isFile()) {
        total += lstatSync(full).size;
        files++;
      }
    }
    return total;
  };
  const visit = (dir) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (!entry.isDirectory()) {
        if (entry.isFile()) {
          bytes += lstatSync(full).size; // e.g. node_modules/.package-lock.json
          files++;
        }
        continue;
      }
      if (entry.name === '.bin') continue; // links only
      if (entry.name.startsWith('@')) {
        visit(full);
        continue;
      }
      if (entry.name.startsWith('.')) {
        bytes += sizeOf(full);
        continue;
      }
      const manifest = join(full, 'package.json');
      if (!existsSync(manifest)) {
        bytes += sizeOf(full);
        continue;
      }
      const { name, version } = JSON.parse(readFileSync(manifest, 'utf8'));
      // Nested node_modules are counted as their own packages, not as part of this one.
      let own = 0;
      for (const child of readdirSync(full, { withFileTypes: true })) {
        const childPath = join(full, child.name);
        if (child.isDirectory() && child.name === 'node_modules') visit(childPath);
        else if (child.isDirectory()) own += sizeOf(childPath);
        else if (child.isFile()) {
          own += lstatSync(childPath).size;
          files++;
        }
      }
      bytes += own;
      packages.push({ name, version, path: relative(dirname(nodeModules), full).split(sep).join('/'), bytes: own });
    }
  };
  visit(nodeModules);
  packages.sort((a, b) => b.bytes - a.bytes);
  return { packages, bytes, files };
}

/**
 * The dist/ files reachable from dist/boot.cjs (what bin/openai-setup.cjs loads) through relative require(), import() and new URL(). A packed
 * dist file outside this set is dead weight (a file left over from an earlier build).
 * @param {string} distDir
 */
export function reachableDistFiles(distDir) {
  const seen = new Set();
  const queue = ['boot.cjs'];
  while (queue.length) {
    const file = queue.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(join(distDir, file), 'utf8');
    for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s*|\brequire\s*\(\s*|\bURL\s*\(\s*)(["'])(\.{1,2}\/[^"']+)\1/g)) {
      const target = relative(distDir, resolve(dirname(join(distDir, file)), m[2])).split(sep).join('/');
      if (existsSync(join(distDir, target))) queue.push(target);
    }
  }
  return seen;
}

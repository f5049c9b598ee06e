// The entry point. `--version` and `--help` alone are answered here without loading anything:
// the help is commander's own output, rendered at build time into dist/help.txt (80 columns).
// Everything else goes to cli.ts (dist/cli.cjs), loaded through the code cache.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import packageJson from '../package.json' with { type: 'json' };
import { cachedRequire, compileCacheDir } from './compile-cache.js';

function builtHelp(): string | null {
  // A terminal narrower than the rendered help gets commander's, wrapped to its width.
  if (process.stdout.isTTY && (process.stdout.columns ?? 80) < 80) return null;
  try {
    // Empty while the build renders it (the shell creates the file first).
    return readFileSync(new URL('./help.txt', import.meta.url), 'utf8') || null;
  } catch {
    return null; // not rendered: commander renders it
  }
}

const [flag, ...rest] = process.argv.slice(2);
const help = rest.length === 0 && (flag === '--help' || flag === '-h') ? builtHelp() : null;
if (rest.length === 0 && (flag === '--version' || flag === '-V')) {
  process.stdout.write(`${packageJson.version}\n`);
} else if (help !== null) {
  process.stdout.write(help);
} else {
  const home = (() => {
    try {
      return homedir();
    } catch {
      return ''; // no home: no cache
    }
  })();
  // A cache per command people wait on (the fast lane's, src/fast-lane.ts), one for all others:
  // a bounded set of names, never a word from the command line (a typo, a key).
  const command = flag === undefined ? 'setup' : ['setup', 'status', 'verify'].includes(flag) ? flag : 'other';
  const compiled = cachedRequire(compileCacheDir(process.env, process.platform, home), packageJson.version, command);
  const cli = compiled.load(fileURLToPath(new URL('./cli.cjs', import.meta.url))) as typeof import('./cli.js');
  // No top-level await: the bundle is CommonJS (see scripts/build.mjs).
  void cli.run(process.argv, packageJson.version, { beforePrompt: compiled.save });
}

// The boot module (bin/openai-setup.cjs loads it): Node's own compile cache, the two answers that
// need no command line parser, then the program (main.cjs).
//
// `--version` and `--help` alone are answered here, without loading commander and the rest of
// the tool: those would double the time these take on Node 20, where Node has no compile cache.
// The help is commander's own output for an 80-column screen, rendered at build time into
// dist/help.txt (test/e2e/boot.test.ts checks that it matches what commander prints).
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { isatty } from 'node:tty';
import packageJson from '../package.json' with { type: 'json' };
import { xdgDir, xdgIgnoredNotice, type XdgName } from './storage/home.js';
import { makeDirs } from './storage/make-dirs.js';
import { selfCommand } from './terminal/invocation.js';
import { asciiLocale, asciiText } from './terminal/charset.js';
import { stdoutFailureLine } from './terminal/output-failure.js';

const MAX_CACHE_ENTRY_BYTES = 64 * 1024 * 1024;

/**
 * Node reads each entry of its cache as it finds it: a FIFO would hang the start and a huge file
 * would be read whole. Such entries are removed; a dir others may write to is not used at all.
 */
function prepareCache(dir: string): boolean {
  const own = statSync(dir);
  if ((typeof process.getuid === 'function' && own.uid !== process.getuid()) || own.mode & 0o022) return false;
  for (const version of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, version.name);
    if (!version.isDirectory()) {
      rmSync(path, { force: true });
      continue;
    }
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const file = join(path, entry.name);
      if (!entry.isFile() || statSync(file).size > MAX_CACHE_ENTRY_BYTES) rmSync(file, { recursive: true, force: true });
    }
  }
  return true;
}


/** A relative XDG variable ignored, said on stderr as main says its notices (`! …`). */
function sayIgnored(name: XdgName, value: string): void {
  const line = `! ${xdgIgnoredNotice(name, value)}`;
  process.stderr.write(`${asciiLocale(process.env) ? asciiText(line) : line}\n`);
}

/** The compile cache lives in the user's cache dir, never a shared one; any problem only means no cache. */
function startCompileCache(): void {
  // Node >= 22.1 (its types are not in @types/node 20); NODE_DISABLE_COMPILE_CACHE is Node's own off switch.
  const { enableCompileCache } = nodeModule as { enableCompileCache?: (dir: string) => unknown };
  if (!enableCompileCache || process.env.NODE_DISABLE_COMPILE_CACHE) return;
  try {
    const home = homedir();
    // A relative XDG_CACHE_HOME is invalid (the XDG spec says to ignore it): it would put the cache
    // in the current dir. Said once, as main says a relative XDG_CONFIG_HOME.
    const xdgCache = process.platform === 'win32' || process.platform === 'darwin' ? undefined : xdgDir(process.env, 'XDG_CACHE_HOME', process.platform, sayIgnored);
    const base =
      process.platform === 'win32'
        ? process.env.LOCALAPPDATA || join(home, 'AppData', 'Local')
        : process.platform === 'darwin'
          ? join(home, 'Library', 'Caches')
          : xdgCache || join(home, '.cache');
    // Nor a relative HOME.
    if (!isAbsolute(base)) return;
    const dir = join(base, 'openai-setup', 'compile-cache');
    makeDirs(dir, 0o700);
    if (prepareCache(dir)) enableCompileCache(dir);
  } catch {
    // No home, a read-only disk, root's run in another user's home (makeDirs makes no root-owned
    // ~/.cache there): run without the cache.
  }
}

function renderedHelp(): string | null {
  // A terminal narrower than the rendered help gets commander's, wrapped to its width; so does a
  // run not started as the bare `openai-setup`: commander's help names the tool as it was started
  // (`npx --yes openai-setup`, the script's path).
  if (process.stdout.isTTY && (process.stdout.columns ?? 80) < 80) return null;
  // The rendered help is UTF-8 (`sk-admin-…`): a terminal of another charset gets commander's, made ASCII by the terminal's output.
  if (asciiLocale(process.env)) return null;
  if (selfCommand(process.env, process.platform, process.argv[1]).command !== 'openai-setup') return null;
  try {
    return readFileSync(join(__dirname, 'help.txt'), 'utf8') || null;
  } catch {
    return null; // not rendered (a build in progress): commander renders it
  }
}

/**
 * `text` on stdout, its failure handled as main's exit does (outputFailure): a reader that left
 * (EPIPE) exits 0 quietly, a hung-up terminal quietly too; any other failure is one line on stderr,
 * exit 1. Never an uncaught 'error' event (a stack trace), whether stdout or stderr failed.
 */
function print(text: string): void {
  process.stderr.on('error', () => {});
  process.stdout.on('error', (error) => {
    if (process.stdout.isTTY && !isatty(1)) return;
    const line = stdoutFailureLine(error);
    if (line === null) return;
    process.stderr.write(`${asciiLocale(process.env) ? asciiText(line) : line}\n`);
    process.exitCode = 1;
  });
  process.stdout.write(text);
}

const args = process.argv.slice(2);
const only = args.length === 1 ? args[0] : undefined;
const help = only === '--help' || only === '-h' ? renderedHelp() : null;
if (only === '--version' || only === '-V') {
  print(`${packageJson.version}\n`);
} else if (help !== null) {
  print(help);
} else {
  startCompileCache();
  (require('./main.cjs') as typeof import('./main.js')).run();
}

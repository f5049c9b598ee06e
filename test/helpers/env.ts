/**
 * A scrubbed, throw-away environment for running the CLI the way a person would.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface TestEnv {
  /** temp root holding everything below (removed by cleanup()) */
  root: string;
  home: string;
  configDir: string;
  env: Record<string, string>;
  browser: {
    /** URLs the BROWSER script was called with so far, in order */
    urls(): string[];
    /** poll until at least `count` URLs were recorded (the opener may run after the CLI moved on) */
    waitForUrls(count?: number, timeoutMs?: number): Promise<string[]>;
    script: string;
    log: string;
  };
  cleanup(): Promise<void>;
}

/** Absolute path of bin/openai-setup.cjs */
export const CLI: string = fileURLToPath(new URL('../../bin/openai-setup.cjs', import.meta.url));

/** Absolute path of the repository root */
export const REPO_ROOT: string = fileURLToPath(new URL('../../', import.meta.url));

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * A scrubbed environment for running the CLI as a person would: PATH (with `openai-setup` on it,
 * as installed), a temp HOME,
 * OPENAI_SETUP_CONFIG_DIR=<temp>/config, XDG_CONFIG_HOME=<temp>/xdg, TERM=xterm-256color,
 * LANG=C.UTF-8, BROWSER=<generated sh script appending "$1\n" to a log file>. Nothing else is
 * inherited from the parent (so no CI / GITHUB_ACTIONS / OPENAI_* / DBUS_SESSION_BUS_ADDRESS /
 * DISPLAY / NO_COLOR / FORCE_COLOR). `extra` is merged last; a value of undefined deletes.
 */
export async function makeTestEnv(extra: Record<string, string | undefined> = {}): Promise<TestEnv> {
  const root = mkdtempSync(join(tmpdir(), 'openai-setup-e2e-'));
  const home = join(root, 'home');
  const configDir = join(root, 'config');
  const xdg = join(root, 'xdg');
  const binDir = join(root, 'bin');
  for (const d of [home, xdg, binDir]) mkdirSync(d, { recursive: true });
  // configDir is deliberately NOT created: first-run behaviour must work without it.

  const log = join(root, 'browser-urls.txt');
  const script = join(binDir, 'browser');
  writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' "$1" >> ${shellQuote(log)}\n`);
  chmodSync(script, 0o755);

  // As after `npm install -g`: `openai-setup` is on PATH, so the tool's advice names it bare. A test
  // of a run started by its path passes its own PATH.
  const installedDir = join(root, 'installed');
  mkdirSync(installedDir);
  symlinkSync(CLI, join(installedDir, 'openai-setup'));
  const env: Record<string, string> = {
    PATH: `${installedDir}${delimiter}${process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'}`,
    HOME: home,
    OPENAI_SETUP_CONFIG_DIR: configDir,
    XDG_CONFIG_HOME: xdg,
    TERM: 'xterm-256color',
    LANG: 'C.UTF-8',
    BROWSER: script,
  };
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }

  const urls = (): string[] =>
    existsSync(log)
      ? readFileSync(log, 'utf8')
          .split('\n')
          .filter((l) => l !== '')
      : [];

  return {
    root,
    home,
    configDir,
    env,
    browser: {
      script,
      log,
      urls,
      async waitForUrls(count = 1, timeoutMs = 5_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const got = urls();
          if (got.length >= count) return got;
          if (Date.now() > deadline) {
            throw new Error(`BROWSER was called ${got.length} time(s), expected ${count} within ${timeoutMs} ms: ${JSON.stringify(got)}`);
          }
          await new Promise((r) => setTimeout(r, 25));
        }
      },
    },
    async cleanup() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Run `body` in a fresh test environment (makeTestEnv(extra)), removed afterwards whatever happens. */
export async function withTestEnv(extra: Record<string, string | undefined>, body: (t: TestEnv) => Promise<void>): Promise<void> {
  const t = await makeTestEnv(extra);
  try {
    await body(t);
  } finally {
    await t.cleanup();
  }
}

/** Every file under `dir` whose bytes contain `secret`. */
export function filesContaining(dir: string, secret: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if (readFileSync(path).includes(secret)) found.push(path);
  }
  return found;
}

// ESC-introduced sequences, longest forms first:
//  - OSC  ESC ] ... (BEL | ESC \)       e.g. hyperlinks, window titles
//  - DCS/SOS/PM/APC  ESC P|X|^|_ ... ESC \
//  - CSI  ESC [ params intermediates final   cursor movement, erase, colours, ?25l ...
//  - other two/three-byte escapes  ESC ( B, ESC 7, ESC =, ESC M ...
// plus the 8-bit CSI (U+009B) form.
const ANSI_RE = new RegExp(
  [
    '\\u001b\\][\\s\\S]*?(?:\\u0007|\\u001b\\\\)',
    '\\u001b[PX^_][\\s\\S]*?\\u001b\\\\',
    '\\u001b\\[[0-?]*[ -/]*[@-~]',
    '\\u009b[0-?]*[ -/]*[@-~]',
    // any other escape: intermediates then a final byte that does not introduce a longer sequence
    '\\u001b[ -/]*[0-OQ-WYZ\\\\`-~]',
    // leftovers of unterminated / malformed sequences: drop the ESC (and its introducer)
    '\\u001b[\\[\\]PX^_]?',
  ].join('|'),
  'g',
);

/** Remove ANSI escape sequences (CSI, OSC, cursor movement) and \r from terminal output */
export function stripAnsi(s: string): string {
  return s.replace(ANSI_RE, '').replace(/\r/g, '');
}

// Where the tool keeps its files: the config dir (progress file, --insecure-storage file).
import { isAbsolute, join, win32 } from 'node:path';
import { UsageError } from '../errors.js';
import { shownValue, UNSAFE_CHAR } from '../terminal/sanitize.js';

/**
 * Why a value of OPENAI_SETUP_CONFIG_DIR cannot be the config dir, or null. A relative path would
 * put the files (a plain-text key among them) wherever the tool is run, a git repository maybe;
 * control characters, line breaks and the invisible ones the terminal's output escapes (bidi,
 * zero-width: sanitize.ts) would make directories no one can read the name of, and reach the
 * terminal in every message naming the path. options.ts makes it a usage error.
 */
export function configDirProblem(value: string): string | null {
  if (UNSAFE_CHAR.test(value)) return 'must not contain line breaks or other control characters';
  if (!isAbsolute(value)) return 'must be an absolute path (a relative one would put the config files, a plain-text key among them, in whatever directory openai-setup is run from)';
  return null;
}

/** An absolute path, or undefined: the XDG spec says a relative XDG_*_HOME is invalid and to be ignored. */
function absoluteOrNone(value: string | undefined, platform: NodeJS.Platform): string | undefined {
  if (!value) return undefined;
  return (platform === 'win32' ? win32.isAbsolute(value) : isAbsolute(value)) ? value : undefined;
}

/**
 * The config dir: OPENAI_SETUP_CONFIG_DIR (checked by parseEnv first: absolute, no control
 * characters), else the platform's usual place for settings; a usage error when that place would
 * be under a relative HOME.
 */
export function resolveConfigDir(env: Record<string, string | undefined>, platform: NodeJS.Platform, home: string): string {
  if (env.OPENAI_SETUP_CONFIG_DIR) return env.OPENAI_SETUP_CONFIG_DIR;
  const base = platform === 'win32' ? absoluteOrNone(env.APPDATA, platform) : platform === 'darwin' ? undefined : absoluteOrNone(env.XDG_CONFIG_HOME, platform);
  // A relative HOME (Node's homedir() returns $HOME as it is) would put the files, a plain-text key
  // among them, under whatever directory the tool is run from.
  if (base === undefined && absoluteOrNone(home, platform) === undefined) {
    throw new UsageError(
      `HOME is not an absolute path (got "${shownValue(home)}"): openai-setup keeps its files under it. Set HOME to your home directory, or OPENAI_SETUP_CONFIG_DIR to an absolute path.`,
    );
  }
  if (platform === 'win32') return join(base ?? join(home, 'AppData', 'Roaming'), 'openai-setup');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'openai-setup');
  return join(base ?? join(home, '.config'), 'openai-setup');
}

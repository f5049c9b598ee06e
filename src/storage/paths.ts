// Where the tool keeps its files: the config dir (progress file, --insecure-storage file).
import { isAbsolute, join } from 'node:path';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { absoluteOrNone, homeOf, homeVariable, usableHome, xdgDir, xdgIgnoredNotice, type Home, type XdgName } from './home.js';
import type { ShellDirs } from '../terminal/shell.js';
import { errnoWords, fileErrorCode } from './errno-words.js';
import { hasUnsafeChar, shownValue } from '../terminal/sanitize.js';

const UNSAFE_PROBLEM = 'must not contain line breaks or other control characters';

/**
 * Why a value of OPENAI_SETUP_CONFIG_DIR cannot be the config dir, or null. A relative path would
 * put the files (a plain-text key among them) wherever the tool is run, a git repository maybe;
 * control characters, line breaks and the invisible ones the terminal's output escapes (bidi,
 * zero-width: sanitize.ts) would make directories no one can read the name of, and reach the
 * terminal in every message naming the path. resolveConfigDir makes it a usage error.
 */
function configDirProblem(value: string): string | null {
  if (hasUnsafeChar(value)) return UNSAFE_PROBLEM;
  if (!isAbsolute(value)) return 'must be an absolute path (a relative one would put the config files, a plain-text key among them, in whatever directory openai-setup is run from)';
  return null;
}

/** xdgDir for a command's run: a relative value ignored is said once (ctx.notices). */
export function xdgDirOf(ctx: Pick<Context, 'rawEnv' | 'platform' | 'notices'>, name: XdgName): string | undefined {
  return xdgDir(ctx.rawEnv, name, ctx.platform, (n, value) => ctx.notices.tell(xdgIgnoredNotice(n, value)));
}

/** Why there is no home directory to use (`HOME is not set, and the system…`), in the words every command says it. */
export function homeWhy(home: Exclude<Home, { dir: string }>): string {
  // Unset, the home is the passwd entry's (homeOf): none only when there is no entry either.
  return home.value === undefined
    ? `${home.variable} is not set, and the system knows no home directory for this user`
    : `${home.variable} is not an absolute path (got "${shownValue(home.value)}")`;
}

/**
 * The config dir: OPENAI_SETUP_CONFIG_DIR as it is given (untrimmed; empty is unset), a usage error
 * naming it when configDirProblem refuses it, else the platform's usual place for settings. A usage
 * error when that place would be under a relative HOME, or when its path holds a character
 * configDirProblem refuses: every message naming a file of the tool (a lock, the key file) would
 * carry it to the terminal, where a line break forges a line of output. Checked here, not with the
 * other variables (options.ts), so that only the commands that use the config dir refuse it.
 */
export function resolveConfigDir(
  env: Record<string, string | undefined>,
  platform: NodeJS.Platform,
  homeDir: string | (() => string),
  /** Hears of a relative XDG_CONFIG_HOME, ignored (xdgDir). */
  ignored?: (name: XdgName, value: string) => void,
): string {
  const given = env.OPENAI_SETUP_CONFIG_DIR;
  if (given) {
    const problem = configDirProblem(given);
    if (problem) throw new UsageError(`OPENAI_SETUP_CONFIG_DIR: ${problem} (got "${shownValue(given)}").`);
    return given;
  }
  const baseName = platform === 'win32' ? 'APPDATA' : platform === 'darwin' ? undefined : 'XDG_CONFIG_HOME';
  // A relative %APPDATA% is as unusable, and ignored too.
  const base = baseName === undefined ? undefined : baseName === 'APPDATA' ? absoluteOrNone(env.APPDATA, platform) : xdgDir(env, baseName, platform, ignored);
  // Node's homedir() is $HOME on POSIX and %USERPROFILE% on Windows, as they are; with it unset, the
  // passwd entry's: the home homeOf (home.ts) gives import and the shell file hints too.
  const homeName = homeVariable(platform);
  // Asked for only where the dir is under it: a home that cannot be found is no matter then.
  if (base !== undefined) return checkedDir(join(base, 'openai-setup'), baseName!, base);
  // A relative HOME (Node's homedir() returns $HOME as it is) would put the files, a plain-text key
  // among them, under whatever directory the tool is run from.
  const usable = usableHome(homeOrRefusal(homeDir, homeName, env), platform);
  if (usable.dir === null) {
    throw new UsageError(`${homeWhy(usable)}: openai-setup keeps its files under it. Set ${homeName} to your home directory, or OPENAI_SETUP_CONFIG_DIR to an absolute path.`);
  }
  const home = usable.dir;
  const dir =
    platform === 'win32'
      ? join(home, 'AppData', 'Roaming', 'openai-setup')
      : platform === 'darwin'
        ? join(home, 'Library', 'Application Support', 'openai-setup')
        : join(home, '.config', 'openai-setup');
  return checkedDir(dir, homeName, home);
}

/** `dir`, or a usage error when its path holds a character configDirProblem refuses (it came from `name`, whose value is `value`). */
function checkedDir(dir: string, name: string, value: string): string {
  if (hasUnsafeChar(dir)) {
    // The rest of the path is the tool's own: the character came from the variable it is built on.
    throw new UsageError(
      `${name}: ${UNSAFE_PROBLEM} (got "${shownValue(value)}"): openai-setup keeps its files under it and names them in its messages. Set OPENAI_SETUP_CONFIG_DIR to an absolute path without them.`,
    );
  }
  return dir;
}

/**
 * The home directory, or a usage error naming the variable when there is none to be had: Node's
 * homedir() fails when HOME is unset and the user has no passwd entry (ENOENT), or when HOME is
 * longer than the system's path limit (ENOBUFS).
 */
function homeOrRefusal(homeDir: string | (() => string), homeName: string, env: Record<string, string | undefined>): string {
  if (typeof homeDir === 'string') return homeDir;
  try {
    return homeDir();
  } catch (error) {
    // Node's SystemError (ERR_SYSTEM_ERROR) keeps the system's code in `info`.
    const info = (error as { info?: { code?: unknown; errno?: unknown } } | null)?.info;
    const system = info && typeof info.code === 'string' ? { code: info.code, errno: info.errno } : error;
    const code = fileErrorCode(system);
    if (code === null) throw error;
    const why = env[homeName] ? `${homeName} cannot be used (${code === 'ENOBUFS' ? 'it is too long' : errnoWords(system, { withCode: true })})` : `${homeName} is not set, and the system knows no home directory for this user (${code})`;
    throw new UsageError(`${why}: openai-setup keeps its files under it. Set ${homeName} to your home directory, or OPENAI_SETUP_CONFIG_DIR to an absolute path.`);
  }
}

/**
 * Where a run's shell file hints and import's places are worked out from: the home directory by
 * homeOf (HOME, or with it unset the passwd entry's), XDG_CONFIG_HOME by xdgDirOf (a relative one
 * ignored, and said once), the current directory.
 */
export function shellDirsOf(ctx: Pick<Context, 'rawEnv' | 'platform' | 'passwdHome' | 'notices' | 'cwd'>): ShellDirs {
  return {
    env: ctx.rawEnv,
    platform: ctx.platform,
    home: homeOf(ctx).dir,
    cwd: ctx.cwd,
    xdgConfigHome: () => xdgDirOf(ctx, 'XDG_CONFIG_HOME'),
  };
}

// The one rule for the home directory, for everything built on it: the config dir (paths.ts), the
// files import looks in and the way paths are shown (plaintext/summary.ts), the shell file hints
// (terminal/shell.ts); and the XDG base dirs (xdgDir), which the config dir, the compile cache
// (boot.ts) and the shell file hints are under. Little here: boot.ts reaches this on every start.
import { isAbsolute, win32 } from 'node:path';
import type { Context } from '../context.js';
import { quotedWord } from '../terminal/shell.js';

/** The variable naming the home directory, the one Node's homedir() reads: HOME, or USERPROFILE on Windows. */
export function homeVariable(platform: NodeJS.Platform): 'HOME' | 'USERPROFILE' {
  return platform === 'win32' ? 'USERPROFILE' : 'HOME';
}

/** The home directory, or what stood for it (homeWhy in paths.ts says why it is none). */
export type Home = { dir: string } | { dir: null; variable: 'HOME' | 'USERPROFILE'; value: string | undefined };

/**
 * `value` (HOME as it is, untrimmed as Node's homedir() takes it, or what homedir() found) when it
 * is an absolute path, trailing slashes dropped on POSIX (~/.bashrc is then shown as such); else
 * none. A relative one would be resolved against the current directory: import would read
 * ./rel/.bashrc, call it ~/.bashrc, and could rewrite it.
 */
export function usableHome(value: string | undefined, platform: NodeJS.Platform): Home {
  if (value === undefined || !(platform === 'win32' ? win32.isAbsolute(value) : isAbsolute(value))) return { dir: null, variable: homeVariable(platform), value };
  return { dir: platform === 'win32' ? value : value.replace(/(?<=.)\/+$/, '') };
}

/**
 * The home directory: usableHome of HOME (USERPROFILE on Windows) as it is; with it unset, the one
 * the system records for the user (`passwdHome`: the passwd entry's, null when there is none). That
 * is the home Node's homedir() gives the config dir (paths.ts), and the one the shells read their
 * files from: zsh and fish set HOME from it, bash expands `~/.bashrc` with it.
 */
export function homeOfEnv(env: Record<string, string | undefined>, platform: NodeJS.Platform, passwdHome: () => string | null): Home {
  const value = env[homeVariable(platform)];
  if (value !== undefined) return usableHome(value, platform);
  const recorded = passwdHome();
  return recorded === null ? { dir: null, variable: homeVariable(platform), value: undefined } : usableHome(recorded, platform);
}

/** The home directory of a command's run: homeOfEnv of its environment, the one rule for all of them. */
export function homeOf(ctx: Pick<Context, 'rawEnv' | 'platform' | 'passwdHome'>): Home {
  return homeOfEnv(ctx.rawEnv, ctx.platform, ctx.passwdHome);
}

/** The XDG base directories the tool reads (the config dir; the compile cache; fish's and PowerShell's files). */
export type XdgName = 'XDG_CONFIG_HOME' | 'XDG_CACHE_HOME';

/**
 * $name when it is an absolute path, else undefined (unset, empty or relative), for every reader of
 * an XDG variable alike. The XDG Base Directory spec: "All paths set in these environment variables
 * must be absolute. If an implementation encounters a relative path in any of these variables it
 * should consider the path invalid and ignore it." Taken as given, a relative one put the config
 * dir (the progress file, a plain-text key) under whatever directory the tool was run from: another
 * one in each. `ignored` hears of such a value, so that the person is told why it was not used.
 */
export function xdgDir(
  env: Record<string, string | undefined>,
  name: XdgName,
  platform: NodeJS.Platform,
  ignored?: (name: XdgName, value: string) => void,
): string | undefined {
  const value = env[name];
  const dir = absoluteOrNone(value, platform);
  if (dir === undefined && value) ignored?.(name, value);
  return dir;
}

/** `value` when it is an absolute path; undefined when it is not, or is unset or empty. */
export function absoluteOrNone(value: string | undefined, platform: NodeJS.Platform): string | undefined {
  if (!value) return undefined;
  return (platform === 'win32' ? win32.isAbsolute(value) : isAbsolute(value)) ? value : undefined;
}

/**
 * What is said, once a run, of a relative XDG variable xdgDir ignored: why the person's setting was
 * not used, and what was. The value quoted as a shell word ($'…' for what a terminal must not get
 * raw) and cut to 100 characters: boot.ts says it too, and has no sanitize.ts (layers.test.ts).
 */
export function xdgIgnoredNotice(name: XdgName, value: string): string {
  const instead = name === 'XDG_CONFIG_HOME' ? '~/.config' : '~/.cache';
  const chars = [...value];
  const shown = chars.length > 100 ? `${chars.slice(0, 99).join('')}…` : value;
  return `${name} is not an absolute path (got ${quotedWord(shown)}): ignored, as the XDG Base Directory spec says; openai-setup uses ${instead} in its place.`;
}

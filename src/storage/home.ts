// The one rule for the home directory, for everything built on it: the config dir (paths.ts), the
// files import looks in and the way paths are shown (plaintext/summary.ts), the shell file hints
// (terminal/shell.ts). Only node:path here: boot.ts reaches shell.ts, and so this, on every start.
import { isAbsolute, win32 } from 'node:path';

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

/** The home directory the environment names: usableHome of HOME, or of USERPROFILE on Windows. */
export function homeOfEnv(env: Record<string, string | undefined>, platform: NodeJS.Platform): Home {
  return usableHome(env[homeVariable(platform)], platform);
}

// ShellDirs (terminal/shell.ts) as a run builds them (storage/paths.ts shellDirsOf), for tests of
// the shell file hints and import's places: the home from HOME (no passwd home unless given),
// XDG_CONFIG_HOME by xdgDir, its notices to `notices` when given.
import { Notices } from '../../src/storage/notices.js';
import { shellDirsOf } from '../../src/storage/paths.js';
import type { ShellDirs } from '../../src/terminal/shell.js';

export function shellDirs(
  env: Record<string, string | undefined>,
  platform: NodeJS.Platform,
  options: { cwd?: string | null; home?: string | null; passwdHome?: string; notices?: string[] } = {},
): ShellDirs {
  const notices = new Notices((message) => options.notices?.push(message));
  const dirs = shellDirsOf({ rawEnv: env, platform, passwdHome: () => options.passwdHome ?? null, notices, cwd: options.cwd ?? null });
  return options.home === undefined ? dirs : { ...dirs, home: options.home };
}

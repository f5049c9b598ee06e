// Where the tool keeps its files: the config dir (progress file, --insecure-storage file).
import { join } from 'node:path';

/** The config dir: OPENAI_SETUP_CONFIG_DIR, else the platform's usual place for settings. */
export function resolveConfigDir(env: Record<string, string | undefined>, platform: NodeJS.Platform, home: string): string {
  if (env.OPENAI_SETUP_CONFIG_DIR) return env.OPENAI_SETUP_CONFIG_DIR;
  if (platform === 'win32') return join(env.APPDATA || join(home, 'AppData', 'Roaming'), 'openai-setup');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'openai-setup');
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'openai-setup');
}

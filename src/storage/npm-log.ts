// npm (npx, npm exec) writes the command line it runs, every argument included, to a debug log in
// its cache (`~/.npm/_logs/<time>-debug-0.log`, readable by others): a key given as `--key KEY`
// under npx lands in that file. Found here so that the run can name the file to remove.
import { readdir } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { readRegularFile } from './read-file.js';

/** npm keeps 10 logs by default; the one of this run is among the newest. */
const NEWEST_LOGS = 5;
const MAX_LOG_BYTES = 4 * 1024 * 1024;
/** Shorter values could be in any log by chance. */
const MIN_SECRET_LENGTH = 20;

/** The npm debug logs that hold `secret`, newest first; none when npm did not start this run or its logs cannot be read. */
export async function npmLogsHolding(rawEnv: Record<string, string | undefined>, secret: string): Promise<string[]> {
  if (rawEnv.npm_command === undefined || secret.length < MIN_SECRET_LENGTH) return [];
  const dir = rawEnv.npm_config_logs_dir || (rawEnv.npm_config_cache ? join(rawEnv.npm_config_cache, '_logs') : '');
  if (!isAbsolute(dir)) return [];
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => /-debug-\d+\.log$/.test(name));
  } catch {
    return [];
  }
  // Named by the time they were started (ISO 8601): the newest sort last.
  const newest = names.sort().reverse().slice(0, NEWEST_LOGS);
  const holding: string[] = [];
  for (const name of newest) {
    const path = join(dir, name);
    try {
      if ((await readRegularFile(path, MAX_LOG_BYTES))?.includes(secret)) holding.push(path);
    } catch {
      // Not a regular file, too large, or gone: not one npm wrote this key into.
    }
  }
  return holding;
}

// `mkdir -p` that always ends, for the config dir and the boot module's compile cache alike.
import { mkdirSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * The missing levels are found with stat, then made one at a time with `mode`. Node's own
 * recursive mkdir loops forever on /proc (mkdir("/proc/x") ENOENT, mkdir("/proc") EEXIST, again),
 * and HOME, XDG_CACHE_HOME or OPENAI_SETUP_CONFIG_DIR can point there. A file in the way fails as
 * mkdir says it: EEXIST for the dir itself, ENOTDIR for a level above. A level made by another run
 * at the same moment is fine; the caller checks what is there.
 */
export function makeDirs(dir: string, mode: number): void {
  const target = resolve(dir);
  const missing: string[] = [];
  for (let level = target; ; level = dirname(level)) {
    let stats: Stats;
    try {
      stats = statSync(level);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      missing.push(level);
      // The root itself missing: nothing further up to find.
      if (dirname(level) === level) break;
      continue;
    }
    if (!stats.isDirectory()) throw Object.assign(new Error(`${level} is not a directory`), { code: level === target ? 'EEXIST' : 'ENOTDIR' });
    break;
  }
  for (const level of missing.reverse()) {
    try {
      mkdirSync(level, { mode });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

// `mkdir -p` that always ends, for the config dir and the boot module's compile cache alike.
import { mkdirSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Root's run would make a dir under a level of another user's: their home, kept by sudo -E (or
 * macOS sudo). Nothing is made: what root made there would be root's, and ~/.config or ~/.cache
 * root's (and 0700) breaks that user's git, fish and the rest, as our own dir would break their
 * runs of this tool (it trusts no dir of another user). Handing the dirs over (chown) would have
 * root write into a dir that user controls, and the keychain root reaches is not theirs anyway.
 */
export class AnotherUsersDirError extends Error {
  constructor(
    /** The nearest level that is there, another user's. */
    readonly level: string,
    readonly uid: number,
  ) {
    super(`${level} belongs to another user (uid ${uid})`);
    this.name = 'AnotherUsersDirError';
  }
}

/**
 * The missing levels are found with stat, then made one at a time: those above `dir` as `mkdir`
 * makes them (0777 less the umask: 0755 as a rule; they are the person's, ~/.config among them),
 * `dir` itself with `mode`. Node's own recursive mkdir loops forever on /proc (mkdir("/proc/x")
 * ENOENT, mkdir("/proc") EEXIST, again), and HOME, XDG_CACHE_HOME or OPENAI_SETUP_CONFIG_DIR can
 * point there. A file in the way fails as mkdir says it: EEXIST for the dir itself, ENOTDIR for a
 * level above. A level made by another run at the same moment is fine; the caller checks what is
 * there. Root's run makes nothing under a level of another user's: AnotherUsersDirError.
 */
export function makeDirs(dir: string, mode: number): void {
  const target = resolve(dir);
  for (const level of missingLevels(target).reverse()) {
    try {
      mkdirSync(level, { mode: level === target ? mode : 0o777 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/**
 * What makeDirs would refuse to make `dir` for (AnotherUsersDirError), or null; makes nothing. So
 * that a command can refuse before it sends or asks anything, not when it first saves. Any other
 * failure is left to makeDirs to say as it comes.
 */
export function anotherUsersDir(dir: string): AnotherUsersDirError | null {
  try {
    missingLevels(resolve(dir));
    return null;
  } catch (error) {
    if (error instanceof AnotherUsersDirError) return error;
    return null;
  }
}

/** The levels of `target` that are not there, deepest first; throws as makeDirs says (above). */
function missingLevels(target: string): string[] {
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
    if (missing.length > 0 && process.getuid?.() === 0 && stats.uid !== 0) throw new AnotherUsersDirError(level, stats.uid);
    break;
  }
  return missing;
}

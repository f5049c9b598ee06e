// The one notice that npm's debug log holds a key from this run's command line: npm (npx, npm
// exec) writes the command line it runs there, every word included, in a file others may read. Said
// for any run whose command line held a secret (a key typed in the wrong place, `--key KEY`, a key
// in a URL), a usage error's included, once the run is over: from main.ts alone.
import { npmLogsHolding } from '../storage/npm-log.js';
import { pathLine } from './sanitize.js';
import { shellWord } from './shell.js';

/** A line for each npm debug log that holds one of `secrets`, newest first; none when npm did not start the run. */
export async function npmLogNotices(rawEnv: Record<string, string | undefined>, secrets: readonly string[]): Promise<string[]> {
  const logs = new Set<string>();
  for (const secret of secrets) for (const log of await npmLogsHolding(rawEnv, secret)) logs.add(log);
  return [...logs].map((log) => `npm wrote this command line, the key included, to its log ${pathLine(log)}, which others on this machine may read; remove it:  rm -- ${shellWord(log)}`);
}

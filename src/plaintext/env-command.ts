// The command that writes a profile's key into a file `env --file` wrote before, as env would be
// run again for it (rotate and env name it).
import { basename, dirname } from 'node:path';
import type { Context } from '../context.js';
import { toolCommand } from '../terminal/advice.js';
import { shellPath } from './edit.js';
import { gitRunner, gitVerdict, realTarget } from './env-files.js';
import { typedPath } from './summary.js';

/**
 * The command that writes the profile's key into `path` (a file `env --file` wrote before) again,
 * as this run would print it: from here, with --force where git would commit the file (it was
 * written with --force then, and without it env would stop to ask, or refuse).
 */
export async function envCommand(ctx: Context, profileName: string, path: string): Promise<string> {
  let force = '';
  try {
    const target = await realTarget(path);
    if ('file' in target) {
      const verdict = await gitVerdict(gitRunner(ctx.rawEnv), dirname(target.file), basename(target.file));
      if (verdict.kind === 'tracked' || verdict.kind === 'exposed') force = ' --force';
    }
  } catch {
    // The command as it is: env itself says what is wrong with the file then.
  }
  return toolCommand(ctx, `env --file ${shellPath(typedPath(ctx, path))}${force}`, profileName);
}

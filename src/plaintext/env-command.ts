// The command that writes a profile's key into a file `env --file` wrote before, as env would be
// run again for it (rotate and env name it), and how a file that still holds a replaced key is
// named with it (rotate, key, status, doctor).
import { basename, dirname } from 'node:path';
import type { Context } from '../context.js';
import { envFileCommand, toolCommand } from '../terminal/advice.js';
import { shellPath } from './edit.js';
import { gitRunner, gitVerdict, realTarget } from './env-files.js';
import { shownPath, typedPath } from './summary.js';

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

/**
 * A file `env --file` wrote for the profile that holds another key (`held`, masked) than the one
 * stored for it now (staleIn): what it is, and the command that writes the stored key there. As
 * rotate and key say it just after a replacement (`justReplaced`: "the old key", "the new key";
 * `revoked`: the old one no longer works), and as status and doctor say it later. Said as one line:
 * `${detail}; ${fix}`.
 */
export async function staleEnvFile(
  ctx: Context,
  profileName: string,
  path: string,
  held: string,
  options: { justReplaced?: boolean; revoked?: boolean } = {},
): Promise<{ detail: string; fix: string }> {
  const holds = options.justReplaced ? `still holds the old key ${held}` : `holds ${held}, not the stored key`;
  return {
    detail: `${shownPath(ctx, path)} ${holds}${options.revoked ? ', which no longer works' : ''} (written there by \`${envFileCommand(ctx, profileName)}\`)`,
    fix: `to write ${options.justReplaced ? 'the new key' : 'the stored key'} there:  ${await envCommand(ctx, profileName, path)}`,
  };
}

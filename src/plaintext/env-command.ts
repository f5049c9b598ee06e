// The command that writes a profile's key into a file `env --file` wrote before, as env would be
// run again for it (rotate and env name it), and what is said with it: what wrote a file holding
// the key (status, doctor, import, logout), and a file that still holds a replaced key (rotate,
// key, status, doctor).
import { basename, dirname } from 'node:path';
import type { Context } from '../context.js';
import { toolCommand, type AdviceScope } from '../terminal/advice.js';
import { shellPath } from './edit.js';
import { gitRunner, gitVerdict, realTarget } from './env-files.js';
import { shownPath, typedPath } from './summary.js';

/**
 * The command that writes the profile's key into `path` (a file `env --file` wrote before) again,
 * as this run would print it: from here, with --force where git would commit the file (it was
 * written with --force then, and without it env would stop to ask, or refuse).
 */
export async function envCommand(ctx: Context, profileName: string, path: string, scope: AdviceScope = ctx): Promise<string> {
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
  return toolCommand(scope, `env --file ${shellPath(typedPath(ctx, path))}${force}`, profileName);
}

/**
 * How a copy in files `env --file` wrote is said: information, not a warning, naming what wrote
 * each of the first `max` as a command that works as printed (envCommand: with the file's path,
 * which `--file` alone lacks). "written by `…`, as you asked". A path was written for `profileName`;
 * `{ path, by }` for the profile `by` (another that stores the same key): its command is named.
 * `scope`: how the commands are typed, when not as ctx says (import's).
 */
export async function askedNote(ctx: Context, profileName: string, paths: Array<string | { path: string; by: string }>, options: { max?: number; scope?: AdviceScope } = {}): Promise<string> {
  const written = paths.map((p) => (typeof p === 'string' ? { path: p, by: profileName } : p));
  const files = [...new Map(written.map((f) => [`${f.by}\0${f.path}`, f])).values()];
  const max = options.max ?? 3;
  const commands = await Promise.all(files.slice(0, max).map(async (f) => `\`${await envCommand(ctx, f.by, f.path, options.scope)}\``));
  const named = commands.length > 1 ? `${commands.slice(0, -1).join(', ')} and ${commands.at(-1)}` : commands.join('');
  const more = files.length > max ? ` (and the like for ${files.length - max} more)` : '';
  return `written by ${named}${more}, as you asked`;
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
  options: { justReplaced?: boolean; revoked?: boolean; by?: string } = {},
): Promise<{ detail: string; fix: string }> {
  if (options.by !== undefined) {
    // Another profile's `env --file` wrote its own key over this profile's copy: named, with the
    // command that writes this profile's key there again (in place of the other's).
    const command = await envCommand(ctx, profileName, path);
    const theirs = await envCommand(ctx, options.by, path);
    return {
      detail: `${shownPath(ctx, path)}, which \`${command}\` wrote this profile's key into, now holds the key of profile "${options.by}" (${held}, written there by \`${theirs}\`)`,
      fix: `to have this profile's key there again, in place of profile "${options.by}"'s:  ${command}`,
    };
  }
  const holds = options.justReplaced ? `still holds the old key ${held}` : `holds ${held}, not the stored key`;
  // The command that wrote the file is the one that writes the stored key there now.
  const command = await envCommand(ctx, profileName, path);
  return {
    detail: `${shownPath(ctx, path)} ${holds}${options.revoked ? ', which no longer works' : ''} (written there by \`${command}\`)`,
    fix: `to write ${options.justReplaced ? 'the new key' : 'the stored key'} there:  ${command}`,
  };
}

// How the person runs openai-setup, for the lines import writes into their startup files and for
// every command import recommends (the two must agree: advice works as printed only if it names
// the tool the way the files do): `npx openai-setup` under npx, the bare name when it is on PATH,
// else the script this run was started as.
import { accessSync, constants } from 'node:fs';
import { delimiter, join, sep } from 'node:path';
import { shellWord } from '../terminal/shell.js';

export interface SelfCommand {
  /** `openai-setup`, `npx openai-setup`, or the script's absolute path (with `node` when it cannot run alone). */
  command: string;
  /** Why the command is not the bare name, when that matters to the person. */
  note: string | null;
}

function onPath(env: Record<string, string | undefined>, platform: NodeJS.Platform, name: string): boolean {
  const names = platform === 'win32' ? [`${name}.cmd`, `${name}.exe`, name] : [name];
  for (const dir of (env.PATH ?? env.Path ?? '').split(platform === 'win32' ? ';' : delimiter)) {
    if (!dir) continue;
    for (const file of names) {
      try {
        accessSync(join(dir, file), constants.X_OK);
        return true;
      } catch {
        // keep looking
      }
    }
  }
  return false;
}

/** The script can be run by its path alone: not on Windows (a .cjs opens in an editor there), and only when executable. */
function runsAlone(platform: NodeJS.Platform, path: string): boolean {
  if (platform === 'win32') return false;
  try {
    accessSync(path, constants.F_OK);
  } catch {
    return true; // not here to look at: take the path as given
  }
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function selfCommand(env: Record<string, string | undefined>, platform: NodeJS.Platform, binPath: string | undefined): SelfCommand {
  // npx first: it puts its own copy's bin folder on PATH, which the person's shell does not have
  // (npm sets npm_command=exec for npx, as src/terminal/invocation.ts reads it).
  if (env.npm_command === 'exec' || (binPath && binPath.includes(`${sep}_npx${sep}`))) {
    return { command: 'npx openai-setup', note: 'npx looks the package up each time this runs; `npm install -g openai-setup` makes it instant (then the line can say just openai-setup).' };
  }
  if (onPath(env, platform, 'openai-setup') || !binPath) return { command: 'openai-setup', note: null };
  return { command: runsAlone(platform, binPath) ? shellWord(binPath) : `node ${shellWord(binPath)}`, note: null };
}

/** ` --profile NAME`, or nothing for the default profile. */
function profileFlag(profile: string): string {
  return profile === 'default' ? '' : ` --profile ${shellWord(profile)}`;
}

/** The command that prints the profile's key, as a startup file should run it. */
export function tokenCommand(self: SelfCommand, profile: string): string {
  return `${self.command} token${profileFlag(profile)}`;
}

/** `openai-setup run` (with the profile) as the person types it: add ` -- program …`. */
export function runCommand(self: SelfCommand, profile: string): string {
  return `${self.command} run${profileFlag(profile)}`;
}

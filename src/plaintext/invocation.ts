// How the person runs openai-setup, for the lines import writes into their startup files: the
// bare name when it is on PATH, else the script this run was started as.
import { accessSync, constants } from 'node:fs';
import { delimiter, join, sep } from 'node:path';
import { shellWord } from '../terminal/shell.js';

export interface SelfCommand {
  /** `openai-setup`, `npx openai-setup`, or the script's absolute path. */
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

export function selfCommand(env: Record<string, string | undefined>, platform: NodeJS.Platform, binPath: string | undefined): SelfCommand {
  if (onPath(env, platform, 'openai-setup') || !binPath) return { command: 'openai-setup', note: null };
  if (binPath.includes(`${sep}_npx${sep}`)) {
    return { command: 'npx openai-setup', note: 'npx looks the package up each time this runs; `npm install -g openai-setup` makes it instant (then the line can say just openai-setup).' };
  }
  return { command: shellWord(binPath), note: null };
}

/** The command that prints the profile's key, as a startup file should run it. */
export function tokenCommand(self: SelfCommand, profile: string): string {
  return `${self.command} token${profile === 'default' ? '' : ` --profile ${profile}`}`;
}

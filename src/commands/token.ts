// `openai-setup token`: the stored key of a profile on stdout, followed by a newline and nothing
// else, for `OPENAI_API_KEY="$(openai-setup token)"; export OPENAI_API_KEY`. Printing it on a screen is asked first.
import type { Context } from '../context.js';
import { requireStoredKey, resolveProfileName } from '../storage/profile-key.js';
import { toolCommand } from '../terminal/advice.js';
import { shellCaptureLine } from '../terminal/shell.js';

export async function run(ctx: Context, options: { profile?: string; yes: boolean }): Promise<number> {
  const { term } = ctx;
  const profileName = await resolveProfileName(ctx, options.profile, { handsOutKey: true });
  const key = await requireStoredKey(ctx, profileName);
  // Into a pipe or `$(…)` it goes without asking; onto a screen (and its scrollback) only if confirmed.
  if (term.stdoutIsTTY && !options.yes) {
    const prompter = ctx.prompter(`Pass --yes to print it on the terminal anyway, or capture it:  ${shellCaptureLine(ctx.rawEnv, ctx.platform, 'OPENAI_API_KEY', toolCommand(ctx, 'token', profileName))}`);
    const sure = await prompter.confirm(`Print the full key of profile "${profileName}" on this screen?`, false);
    if (!sure) {
      term.err('Not printed.');
      return 0;
    }
  }
  term.writeSecret(`${key}\n`);
  return 0;
}

// `openai-setup key`: stage 4 alone, through the same function as the wizard.
import type { Context } from '../context.js';
import { runKeyStage, type KeyStageOptions } from '../stages/key.js';
import { resolveProfileName } from '../storage/profile-key.js';
import { marks } from '../terminal/output.js';

export async function run(ctx: Context, options: Omit<KeyStageOptions, 'profile'> & { profile?: string }): Promise<number> {
  const profile = await resolveProfileName(ctx, options.profile);
  const result = await runKeyStage(ctx, { ...options, profile });
  if (result.check?.status === 'insufficient_quota') {
    ctx.term.out(`${marks(ctx.term.style).warn} The key is stored, but it cannot spend yet: fix billing (\`openai-setup billing\`), then \`openai-setup verify\`.`);
  }
  return 0;
}

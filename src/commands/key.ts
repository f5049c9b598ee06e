// `openai-setup key`: stage 4 alone, through the same function as the wizard.
import { limitReason } from '../api/limits.js';
import { outcomeRow } from '../api/status.js';
import type { Context } from '../context.js';
import { EXIT, ExitError } from '../errors.js';
import { runKeyStage, type KeyStageOptions } from '../stages/key.js';
import { resolveProfileName } from '../storage/profile-key.js';
import { billingFixAdvice, verifyCommand } from '../terminal/advice.js';
import { marks } from '../terminal/output.js';

export async function run(ctx: Context, options: Omit<KeyStageOptions, 'profile'> & { profile?: string }): Promise<number> {
  // Before the key is asked for and checked (a billable request): a progress file this build
  // cannot change would refuse to record it after all (exit 7). First: resolving the profile reads
  // the file, and would warn of what this says as the failure.
  await ctx.state.assertChangeable();
  const profile = await resolveProfileName(ctx, options.profile);
  const result = await runKeyStage(ctx, { ...options, profile });
  // Stopped at the prompt with nothing pasted: no key given, as `key --stdin` with nothing piped.
  if (result.outcome === 'skipped') throw new ExitError(EXIT.usage, 'Stopped; nothing was stored.');
  const route = result.check ? outcomeRow(result.check).route : 'none';
  // The stored key checked as this run checked it (the same server).
  const verify = verifyCommand(ctx, profile, options.check);
  // The right key, stored: what still stands between it and a working call. The exit code is the
  // check's (4 cannot spend, 5 refused), as verify's, so that a script learns it before it calls.
  if (route === 'billing' || route === 'limit') {
    // A spend or usage limit is lifted on a limits page (the fix above), not in billing.
    // Billing's fix as it works where this is read: `billing` asks, so without a terminal the form that does not.
    const fix = route === 'limit' ? `${limitReason(result.check!.reason)!.afterStore} as described above` : billingFixAdvice(ctx, await ctx.state.read(), profile);
    ctx.term.say(`${marks(ctx.term.style).warn} The key is stored, but it cannot spend yet: ${fix}, then \`${verify}\`.`);
  } else if (route === 'elsewhere') {
    ctx.term.say(`${marks(ctx.term.style).warn} The key is stored, but it is refused until what is described above is fixed; then \`${verify}\`.`);
  }
  return route === 'billing' || route === 'limit' || route === 'elsewhere' ? outcomeRow(result.check!).exitCode : 0;
}

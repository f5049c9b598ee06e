// The commands of the tool that its advice recommends, built in one place so that each works as
// printed: started as this person started the tool (ctx.commandName), with --profile unless a
// command typed without it acts on that profile anyway (profileFlagFor), and the live-check options
// of this run repeated where a check would otherwise go elsewhere. storage/ and api/ say what is
// wrong; the command lines in what they say come from here.
import type { Context } from '../context.js';
import { checkFlags, keyCheckFlags, profileFlagFor, type AdviceScope, type CheckFlagValues } from './invocation.js';

/** What building a command needs of the run: how the tool was started, and its AdviceScope. */
export type AdviceContext = Pick<Context, 'commandName' | 'bareProfile'>;

/** `words` (a command and its flags, or nothing) as this person types it, for `profile` when given. */
export function toolCommand(ctx: AdviceContext, words: string, profile?: string): string {
  return `${ctx.commandName}${words ? ` ${words}` : ''}${profileFlagFor(ctx, profile)}`;
}

/**
 * The command that stores a key for a profile, as this person types it (`npx openai-setup …` under
 * npx); `check`: the live-check options this run was given, repeated.
 */
export function keyCommand(ctx: AdviceContext, profile: string, check?: CheckFlagValues): string {
  return `${toolCommand(ctx, 'key', profile)}${keyCheckFlags(check)}`;
}

/** The command that checks a profile's key, as this person types it, with the live-check options this run was given. */
export function verifyCommand(ctx: AdviceContext, profile: string, check?: CheckFlagValues): string {
  return `${toolCommand(ctx, 'verify', profile)}${checkFlags(check)}`;
}

/** Storing a key from a pipe, as this person types it; `insecure`: in the 0600 file (no keychain to use). */
export function pipeKeyCommand(ctx: AdviceContext, profile: string, insecure = false, check?: CheckFlagValues): string {
  return `printenv OPENAI_API_KEY | ${keyCommand(ctx, profile)} --stdin${insecure ? ' --insecure-storage' : ''}${keyCheckFlags(check)}`;
}

/** How to replace a stored value that is no key (storedNotAKey): remove it, then store the key. */
export function notAKeyFix(ctx: AdviceContext, profile: string): string {
  return `Remove it with \`${toolCommand(ctx, 'logout', profile)}\`, then store your key with \`${keyCommand(ctx, profile)}\`.`;
}

/**
 * The command that stores an admin key for a profile (`flags` before --profile: `admin-key --stdin
 * --profile work`). It names the tool `openai-setup`, which the terminal writes as this person
 * started it (adviceFor): api/ builds it too, and has no Context (`scope`: the run's, or an AdminAuth).
 */
export function adminKeyCommand(scope: AdviceScope, profile: string | undefined, flags = ''): string {
  return `openai-setup admin-key${flags ? ` ${flags}` : ''}${profileFlagFor(scope, profile)}`;
}

/** Storing an admin key from a pipe (`flags` after --stdin: `--insecure-storage`). */
export function pipeAdminKeyCommand(scope: AdviceScope, profile: string, flags = ''): string {
  return `printenv OPENAI_ADMIN_KEY | ${adminKeyCommand(scope, profile, flags ? `--stdin ${flags}` : '--stdin')}`;
}

// Which profile a command works on, and where its key comes from.
import type { Context } from './context.js';
import type { KeychainUnavailableError } from './keystore.js';
import type { KeySource } from './live-check.js';
import { parseFlag, ProfileNameSchema } from './options.js';

/** --profile, else OPENAI_SETUP_PROFILE, else the default chosen with `use`, else "default". */
export async function resolveProfileName(ctx: Context, flag: string | undefined): Promise<string> {
  if (flag !== undefined) return parseFlag('--profile', ProfileNameSchema, flag);
  if (ctx.env.OPENAI_SETUP_PROFILE) return ctx.env.OPENAI_SETUP_PROFILE;
  return (await ctx.state.read()).defaultProfile;
}

export function storedSource(storage: 'keychain' | 'file', profile: string): KeySource {
  return storage === 'keychain'
    ? { kind: 'keychain', label: `the keychain (profile ${profile})` }
    : { kind: 'file', label: `the --insecure-storage file (profile ${profile})` };
}

export const ENV_SOURCE: KeySource = { kind: 'env', label: 'OPENAI_API_KEY' };

/** The key a program would use: OPENAI_API_KEY first (as the SDKs read it), then the stored one. */
export async function findKey(
  ctx: Context,
  profile: string,
): Promise<{ key: string; source: KeySource } | { key: null; keychainError: KeychainUnavailableError | null }> {
  if (ctx.env.OPENAI_API_KEY) return { key: ctx.env.OPENAI_API_KEY, source: ENV_SOURCE };
  const { stored, keychainError } = await ctx.keys.get(profile);
  if (stored) return { key: stored.key, source: storedSource(stored.storage, profile) };
  return { key: null, keychainError };
}

// Which profile a command works on, and where its key comes from.
import type { Context } from '../context.js';
import { KeyStoreError, UsageError } from '../errors.js';
import { parseFlag } from '../options.js';
import { describeKeychainProblem, type KeychainUnavailableError } from './keychain.js';
import { ProfileNameSchema } from './state.js';

export type KeySourceKind = 'flag' | 'stdin' | 'env' | 'keychain' | 'file';

export interface KeySource {
  kind: KeySourceKind;
  /** For people: "--key", "standard input", "OPENAI_API_KEY", "the keychain (profile default)". */
  label: string;
}

export const ENV_SOURCE: KeySource = { kind: 'env', label: 'OPENAI_API_KEY' };

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

/** The command that stores a key for a profile, as people would type it. */
export function keyCommand(profile: string): string {
  return `openai-setup key${profile === 'default' ? '' : ` --profile ${profile}`}`;
}

/**
 * The stored key of a profile (keychain, else the --insecure-storage file), for the commands that
 * hand it on: run, token, env. None stored is a usage error saying how to store one; an
 * unusable keychain with nothing in the file is a key-store error.
 */
export async function requireStoredKey(ctx: Context, profile: string): Promise<string> {
  const { stored, keychainError } = await ctx.keys.get(profile);
  if (stored) {
    ctx.term.addSecret(stored.key);
    return stored.key;
  }
  const inFile = `Store one in a file only you can read instead:  printenv OPENAI_API_KEY | ${keyCommand(profile)} --stdin --insecure-storage`;
  // With no keychain service at all nothing can be stored in it: that is "no key", not a failure.
  if (keychainError && keychainError.problem !== 'no-service') {
    throw new KeyStoreError(`${describeKeychainProblem(keychainError, ctx.keys.keychainDescription)} No key could be read for profile "${profile}".`, [inFile]);
  }
  throw new UsageError(`No key is stored for profile "${profile}".`, [
    keychainError
      ? `(${describeKeychainProblem(keychainError, ctx.keys.keychainDescription)}) ${inFile}`
      : `Store one with \`${keyCommand(profile)}\` (or from a pipe: printenv OPENAI_API_KEY | ${keyCommand(profile)} --stdin).`,
  ]);
}

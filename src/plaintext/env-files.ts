// Files `openai-setup env --file` wrote a profile's key into, as the person asked (the profile's
// `envFiles` in the progress file). The key's ways out are the keychain, token/run and files the
// person asks for: a copy of a profile's stored key in one of its own env files is where they
// wanted it, not a leak. status and doctor say it as information, import keeps it, rotate and
// logout name those files. A recorded file that no longer holds that key simply stops mattering.
import { lstat } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Context } from '../context.js';
import { maskKey } from '../keys/format.js';
import { MAX_ENV_FILES, type State } from '../storage/state.js';
import type { Place } from './places.js';
import { scanPlaces, type Finding } from './scan.js';

/** The files `env --file` wrote for `profile`, the newest last. */
export function envFilesOf(state: State, profile: string): string[] {
  return state.profiles[profile]?.envFiles ?? [];
}

/** The profile's list once `path` was written: `path` last, once; those in `gone` left out; the newest MAX_ENV_FILES. */
export function withEnvFile(list: string[] | undefined, path: string, gone: ReadonlySet<string> = new Set()): string[] {
  return [...(list ?? []).filter((p) => p !== path && !gone.has(p)), path].slice(-MAX_ENV_FILES);
}

/** Those of `paths` that are no longer there (deleted since): dropped from the list at the next write. */
export async function missingFiles(paths: string[]): Promise<Set<string>> {
  const gone = new Set<string>();
  for (const path of paths) {
    await lstat(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') gone.add(path);
    });
  }
  return gone;
}

/** The recorded files as places to look in (a .env file each). */
export function envFilePlaces(paths: string[]): Place[] {
  return paths.map((path) => ({ path, kind: 'dotenv' }));
}

const realOf = (path: string): string => {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
};

/**
 * Which profile asked for a finding: one whose recorded env files include its file (through any
 * link) and whose stored key (by its masked hint, as the progress file knows it) is the key found
 * there. Null: a plaintext copy like any other.
 */
export function askedFor(state: State): (finding: Pick<Finding, 'path' | 'key'>) => string | null {
  const byFile = new Map<string, string[]>();
  for (const [name, profile] of Object.entries(state.profiles)) {
    if (!profile.key) continue;
    for (const path of profile.envFiles ?? []) {
      const real = realOf(path);
      byFile.set(real, [...(byFile.get(real) ?? []), name]);
    }
  }
  return (finding) => {
    if (byFile.size === 0) return null;
    const hint = maskKey(finding.key);
    return byFile.get(realOf(finding.path))?.find((name) => state.profiles[name]?.key?.hint === hint) ?? null;
  };
}

/** Copies of `key` in the files `env --file` wrote for `profile` (for rotate and logout). */
export async function envFileCopies(ctx: Context, profile: string, key: string): Promise<Finding[]> {
  const paths = envFilesOf(await ctx.state.read(), profile);
  if (paths.length === 0) return [];
  return (await scanPlaces(envFilePlaces(paths))).findings.filter((f) => f.key === key);
}

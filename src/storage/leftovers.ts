// The temp files openai-setup makes next to other programs' files (a project's .env that `env`
// writes the key into, a shell's rc file import changes: plaintext/files.ts), and those that runs
// killed while writing leave there: one may hold a key in full, where git would offer to commit
// it. Named by status, doctor and import (reading none of them), removed by the next change of
// that file and by logout (for the files the progress file names: StateStore.removeLeftovers),
// only once their writer is gone.
import { createHash } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Sections } from '../interrupts.js';
import { pathLine } from '../terminal/sanitize.js';
import { LOCK_WAIT_MS, LockUnmadeError, withFileLock } from './lock.js';
import { ensurePrivateDir, listTempFiles, removeTempFiles, tempFileOf, type TempNames } from './private-file.js';

/**
 * The marker in the temp files' names, `.env.openai-setup.<pid>.<random>.tmp`: plainly this tool's,
 * next to other programs' files. A .gitignore line for the file itself (`/.env`) does not cover
 * it, and no name could match every such line (git would list one a killed run leaves): it is
 * there only while a write is under way, 0600, and removed by the next run (removeLeftoverTemps).
 */
export const TEMP_MARKER = 'openai-setup.';

/**
 * Temp files of ours whose writer is gone: only names with the marker. An unmarked
 * `.env.<digits>.<word>.tmp` may be the person's own (a backup): never named, never removed.
 */
const LEFT_BEHIND: TempNames = { markers: [TEMP_MARKER], gone: true };

/**
 * Where the lock of changing `real` is: in the config dir, named after the file (its name, for
 * people; a hash of its path, to be its own), never next to it. A directory appearing next to
 * ~/.zshrc or in a project (and, from a killed run, staying there) would be a surprise.
 */
export function editLockPath(configDir: string, real: string): string {
  const name = basename(real).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40);
  return join(configDir, `edit-${name}-${createHash('sha256').update(real).digest('hex').slice(0, 12)}.lock`);
}

/** Why a lock in the config dir cannot be made that says the dir cannot be written: read-only (0500, a read-only mount), or refused. */
const UNWRITABLE = new Set(['EACCES', 'EPERM', 'EROFS']);

/**
 * `body` holding the lock every run takes to change `real` (editLockPath's, in the config dir,
 * which must exist). The turns keep runs from undoing each other's change, they are no reason to
 * fail one: with a config dir that cannot be written (read-only: the key in it still read), the
 * change is made without its turn, as a keychain call is (keychain.ts callInTurn), still atomic
 * (a temp file renamed into place). A lock held by another run is waited for, as ever.
 */
export async function withEditLock<T>(real: string, body: () => Promise<T>, ctx: { configDir: string }): Promise<T> {
  let begun = false;
  try {
    return await withFileLock(
      real,
      () => {
        begun = true;
        return body();
      },
      LOCK_WAIT_MS,
      editLockPath(ctx.configDir, real),
    );
  } catch (error) {
    if (begun || !(error instanceof LockUnmadeError && UNWRITABLE.has(error.errno))) throw error;
    return body();
  }
}

/**
 * Remove the temp files next to `path` (the file a link leads to) that runs killed while writing
 * it left (`.env.openai-setup.<pid>.<random>.tmp`, the marker in it: nothing else): only those
 * whose writer is gone (no process has its pid), under the lock every run takes to change the
 * file, as credentials.json's are (private-file.ts removeTempFiles). Env's may hold the
 * key in full, in a project git would offer to commit it from. The paths removed.
 */
export async function removeLeftoverTemps(path: string, ctx: { configDir: string; interrupts: Sections }): Promise<string[]> {
  const target = await realpath(path).catch(() => resolve(path));
  if ((await listTempFiles(target, LEFT_BEHIND).catch(() => [])).length === 0) return [];
  await ensurePrivateDir(ctx.configDir);
  const section = { what: `removing what an interrupted run left next to ${pathLine(path)}`, risk: 'a temporary file may be left there' };
  return ctx.interrupts.section(section, () => withEditLock(target, () => removeTempFiles(target, LEFT_BEHIND), ctx));
}

/**
 * The file a temp file killed runs left (leftoverTemps', marked, or credentials.json's, unmarked:
 * the config dir holds only ours) was to replace.
 */
export const leftoverOf = (temp: string): string => tempFileOf(temp, { markers: [TEMP_MARKER, ''] });

/** The temp files next to `path` that killed runs left (removeLeftoverTemps), for status and doctor to name; reads none of them. */
export async function leftoverTemps(path: string): Promise<string[]> {
  const target = await realpath(path).catch(() => resolve(path));
  return listTempFiles(target, LEFT_BEHIND).catch(() => []);
}

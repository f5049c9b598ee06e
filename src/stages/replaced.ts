// What a new key replaces, and what is said of it: the old key still works until it is revoked
// (or another profile still uses it). Said the same wherever a profile's key is stored over
// another one: the key stage (`key`, the wizard) and `import`.
import type { Context } from '../context.js';
import { hintKind, isUserKey, maskKey, revokePage } from '../keys/format.js';
import type { KeySnapshot } from '../storage/keystore.js';
import { profilesSharing, sharingWords } from '../storage/profile-key.js';
import type { Profile } from '../storage/state.js';
import { marks } from '../terminal/output.js';
import { pathLine } from '../terminal/sanitize.js';

/** A key a new one replaces: its hint, its value when read (to compare with other profiles' keys), and (`note`) why it is named, when that is not plain. */
export type Replaced = { hint: string; key: string | null; note?: string };

/**
 * What a new key replaces, from the profile's record (`record`) and what the store held just before
 * (`held`): the recorded key, and the key found where the record says (without a record, the
 * keychain first, as find() reads it) when that is another one: a run killed between storing a key
 * and recording it left it there, and it, too, may still work. Empty: none.
 */
export function replaced(record: Profile['key'], held: KeySnapshot, statePath: string): Replaced[] {
  const value = (record?.storage === 'file' ? held.file : record?.storage === 'env' ? null : (held.keychain ?? held.file)) ?? null;
  if (!record) return value === null ? [] : [{ hint: maskKey(value), key: value }];
  if (value === null || maskKey(value) === record.hint) return [{ hint: record.hint, key: value }];
  // Both named: the one stored (which the record did not know of) and the one recorded before it.
  const path = pathLine(statePath);
  return [
    { hint: maskKey(value), key: value, note: `the key that was stored, though ${path} recorded ${record.hint}: a key change was interrupted before it was recorded` },
    { hint: record.hint, key: null, note: 'the key recorded, which the interrupted change had already replaced' },
  ];
}

/**
 * `! This replaces sk-proj-…Ab12 for profile "work". That key still works until you revoke it on …`
 * for each key `key` replaced (none for the key itself), through `say`: to be revoked on its page,
 * or left live while another profile stores it too.
 */
export async function sayReplaced(ctx: Context, profileName: string, key: string, old: Replaced[], say: (line: string) => void): Promise<void> {
  const m = marks(ctx.term.style);
  for (const o of old) {
    if (o.hint === maskKey(key)) continue;
    // Not to be revoked while another profile stores it too.
    const shared = await profilesSharing(ctx, profileName, o.hint, async () => o.key);
    // A user key on the user's own keys page, any other on the API keys page.
    // Of a key known by its hint alone, only sk-None- says so: `sk-…` may be a project's too.
    const page = revokePage(o.key ? isUserKey(o.key) : hintKind(o.hint) === 'user');
    const still = shared.length ? `${sharingWords(shared)}, so leave it live while that is so.` : `That key still works until you revoke it on ${page.name}: ${page.url}`;
    say(`${m.warn} This replaces ${o.hint} for profile "${profileName}"${o.note ? ` (${o.note})` : ''}. ${still[0]!.toUpperCase()}${still.slice(1)}`);
  }
}

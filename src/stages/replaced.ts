// What a new key replaces, and what is said of it: the old key works until it is revoked, as far as
// its last check tells (or another profile still uses it). Said the same wherever a profile's key
// is stored over another one: the key stage (`key`, the wizard) and `import`.
import { STATUS } from '../api/status.js';
import type { Context } from '../context.js';
import { hintKind, isUserKey, maskKey, revokePage } from '../keys/format.js';
import type { KeySnapshot } from '../storage/keystore.js';
import { organizationId } from '../api/identifiers.js';
import { profilesSharing, sharingSays, sharingWords } from '../storage/profile-key.js';
import { rememberReplaced, type LastVerify, type Profile, type ReplacedKey } from '../storage/state.js';
import { marks } from '../terminal/output.js';
import { pathLine, upperFirst } from '../terminal/sanitize.js';

/**
 * A key a new one replaces: its hint, its value when read (to compare with other profiles' keys),
 * (`note`) why it is named, when that is not plain, and (`last`) its last check, when the profile's
 * record of one is of this key.
 */
export type Replaced = { hint: string; key: string | null; note?: string; last?: LastVerify };

/**
 * What a new key replaces, from the profile's record (`record`) and what the store held just before
 * (`held`): the recorded key, and the key found where the record says (without a record, the
 * keychain first, as find() reads it) when that is another one: a run killed between storing a key
 * and recording it left it there, and it, too, may still work. Empty: none. `last`: the profile's
 * last check as recorded before the new key's (kept with the key it was of).
 */
export function replaced(record: Profile['key'], held: KeySnapshot, statePath: string, last?: LastVerify): Replaced[] {
  const checked = (hint: string) => (last?.keyHint === hint ? { last } : {});
  const value = (record?.storage === 'file' ? held.file : record?.storage === 'env' ? null : (held.keychain ?? held.file)) ?? null;
  if (!record) return value === null ? [] : [{ hint: maskKey(value), key: value, ...checked(maskKey(value)) }];
  if (value === null || maskKey(value) === record.hint) return [{ hint: record.hint, key: value, ...checked(record.hint) }];
  // Both named: the one stored (which the record did not know of) and the one recorded before it.
  const path = pathLine(statePath);
  return [
    { hint: maskKey(value), key: value, note: `the key that was stored, though ${path} recorded ${record.hint}: a key change was interrupted before it was recorded`, ...checked(maskKey(value)) },
    { hint: record.hint, key: null, note: 'the key recorded, which the interrupted change had already replaced', ...checked(record.hint) },
  ];
}

/**
 * The profile's key record `p.key` replaced by `next` (the key `by` stored, the store having held
 * `held` just before): what it replaced (replaced()), remembered among the profile's earlier keys
 * (rememberReplaced) so that `env`, finding one in a file later, names it as this profile's. Not a
 * key the person kept in OPENAI_API_KEY themselves (storage "env"): openai-setup never stored that.
 */
export function replaceKeyRecord(p: Profile, next: NonNullable<Profile['key']>, held: KeySnapshot, statePath: string, by: ReplacedKey['by']): Replaced[] {
  const old = replaced(p.key, held, statePath, p.lastVerify);
  const before = old.filter((r) => !(p.key?.storage === 'env' && r.hint === p.key.hint)).map((r) => r.hint);
  rememberReplaced(p, before, by, next.savedAt, next.hint);
  p.key = next;
  return old;
}

/**
 * Whether a replaced key still works, as far as its last check (`last`) tells, and where it is
 * revoked. "Still works" only when that check found it working; "may still work" when it was not
 * checked, or the check says nothing of the OpenAI API's answer (made at another server, or it got
 * no answer); a key the API accepted but that could not spend stays live all the same. A key it
 * rejected or refused (revoked already, deleted, an account deactivated…) is not said to work:
 * revoking it is for when it is still listed.
 */
function whatItStillDoes(last: LastVerify | undefined, page: { name: string; url: string }): string {
  const until = `until you revoke it on ${page.name}: ${page.url}`;
  const row = last === undefined || last.host !== undefined ? null : STATUS[last.status];
  if (row === null || row.route === 'retry') return `That key may still work ${until}`;
  if (row.ok) return `That key still works ${until}`;
  if (row.accepted) return `The API took that key at its last check, though it could not spend; it stays live ${until}`;
  const at = `${new Date(last!.at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `Its last check (${at}) found it ${row.label}; if it is still listed on ${page.name}, revoke it there: ${page.url}`;
}

/**
 * `! This replaces sk-proj-…Ab12 for profile "work". That key still works until you revoke it on …`
 * for each key `key` replaced (none for the key itself), through `say`: to be revoked on its page
 * (as its last check tells: whatItStillDoes), or left live while another profile stores it too.
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
    const still = shared.length ? `${sharingWords(shared)}, so leave it live while that is so.` : whatItStillDoes(o.last, page);
    say(`${m.warn} This replaces ${o.hint} for profile "${profileName}"${o.note ? ` (${o.note})` : ''}. ${upperFirst(still)}`);
  }
  await saySameKeyElsewhere(ctx, profileName, key, old, say);
}

/**
 * The key just stored for `profileName` is one another profile stores too (`token -p work | key -p
 * personal --stdin`, an import of work's line): said, as revoking it for one stops it for the other;
 * and when its organization (its check's) is not the one of the key it replaced, that too.
 */
async function saySameKeyElsewhere(ctx: Context, profileName: string, key: string, old: Replaced[], say: (line: string) => void): Promise<void> {
  const hint = maskKey(key);
  // Said for what it is worth: no listing of the keychain for it unless records were lost.
  const sharing = await profilesSharing(ctx, profileName, hint, async () => key, 'when-records-lost');
  if (!sharing.length) return;
  const m = marks(ctx.term.style);
  const last = (await ctx.state.read()).profiles[profileName]?.lastVerify;
  const now = last?.keyHint === hint ? organizationId(last.organization) : null;
  const before = organizationId(old.find((o) => o.last && o.hint !== hint)?.last?.organization);
  const moved = now && before && now !== before ? ` Its organization is ${now}; the key it replaces for profile "${profileName}" was in ${before}.` : '';
  say(`${m.warn} ${upperFirst(sharingSays(sharing, 'stores', 'store'))} the same key (${hint}): revoking it (as rotate does) stops it for ${sharing.length === 1 ? 'both profiles' : 'all of them'}.${moved}`);
}

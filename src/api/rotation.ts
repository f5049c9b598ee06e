// The pure parts of rotating a key: the new service account's name, and finding the old key in
// its project's key list, where the API shows each key only redacted (its first 8 and last 4
// characters, a `*` for each one between).
import { randomBytes } from 'node:crypto';
import type { AdminApi, AdminAuth, ProjectKeyInfo } from './types.js';

/**
 * `openai-setup-<profile>-<UTC date and time>-<tag>`, e.g. openai-setup-default-20260302T093000Z-3f9a.
 * The tag (newServiceAccountTag) tells apart runs started in the same second, so that each
 * account's name names it alone.
 */
export function serviceAccountName(profile: string, now: Date, tag: string): string {
  return `openai-setup-${profile}-${now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '')}-${tag}`;
}

/** Four random hex digits: a run's own, for serviceAccountName. */
export function newServiceAccountTag(): string {
  return randomBytes(2).toString('hex');
}

/** Could this redacted value be this key? Same first 8 and last 4 characters, same length. */
export function matchesRedacted(redacted: string, key: string): boolean {
  return redacted.length === key.length && key.length > 12 && redacted.slice(0, 8) === key.slice(0, 8) && redacted.slice(-4) === key.slice(-4);
}

/** More pages than a project has keys to list, 100 a page. */
const MAX_PAGES = 100;

/** The project's keys that could be `key`, every page read; `except` (the new key's id) left out. */
export async function findKeyInProject(api: AdminApi, auth: AdminAuth, projectId: string, key: string, except: string | null): Promise<ProjectKeyInfo[]> {
  const found: ProjectKeyInfo[] = [];
  let after: string | undefined;
  for (let count = 0; count < MAX_PAGES; count++) {
    const page = await api.listProjectKeys(auth, projectId, { limit: 100, ...(after ? { after } : {}) });
    found.push(...page.data.filter((k) => k.id !== except && matchesRedacted(k.redactedValue, key)));
    if (!page.hasMore || !page.lastId || page.lastId === after) break;
    after = page.lastId;
  }
  return found;
}

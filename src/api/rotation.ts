// The parts of rotating a key that need no terminal: the new service account's name, whether a
// failed create may have made it all the same (and finding it then), and finding the old key in
// its project's key list, where the API shows each key only redacted (its first 8 and last 4
// characters, a `*` for each one between).
import { randomBytes } from 'node:crypto';
import type { AdminApiError } from './admin-failure.js';
import type { AdminApi, AdminAuth, AdminPage, ProjectKeyInfo, ServiceAccountInfo } from './types.js';

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

/**
 * Every item of a list the API gives a page at a time (`list`, from the cursor `after`), each id
 * once: a page may repeat items of an earlier one, and one that brings nothing new ends the list,
 * as does a cursor that does not move. At most `maxPages` pages are read, whatever the API says.
 */
async function everyItem<T extends { id: string }>(list: (after: string | undefined) => Promise<AdminPage<T>>, maxPages: number): Promise<T[]> {
  const items = new Map<string, T>();
  let after: string | undefined;
  for (let count = 0; count < maxPages; count++) {
    const page = await list(after);
    const before = items.size;
    for (const item of page.data) if (!items.has(item.id)) items.set(item.id, item);
    if (!page.hasMore || !page.lastId || page.lastId === after || items.size === before) break;
    after = page.lastId;
  }
  return [...items.values()];
}

/** The project's keys that could be `key`, every page read; `except` (the new key's id) left out. */
export async function findKeyInProject(api: AdminApi, auth: AdminAuth, projectId: string, key: string, except: string | null): Promise<ProjectKeyInfo[]> {
  const keys = await everyItem((after) => api.listProjectKeys(auth, projectId, { limit: 100, ...(after ? { after } : {}) }), MAX_PAGES);
  return keys.filter((k) => k.id !== except && matchesRedacted(k.redactedValue, key));
}

/**
 * Network errors that come before the request can have reached the API: no name, no connection,
 * a certificate refused in the handshake, a proxy refusing the tunnel. Any other (a connection
 * cut, ECONNRESET, EPIPE, or one not known) may have come after the API read the request.
 */
const NOT_SENT = /^(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ERR_PROXY_REFUSED)$|CERT|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_/;

/**
 * Can the request that failed with `error` have been carried out all the same? Yes when no answer
 * came (a timeout, a connection cut once it may have been sent), a server error came (the API,
 * or a gateway in front of it, may have acted before failing), or a 2xx that could not be read
 * (success, its answer lost on the way). Any other answer refused it.
 */
export function mayHaveActed(error: AdminApiError): boolean {
  if (error.kind === 'timeout' || error.kind === 'server_error') return true;
  if (error.kind !== 'network_error') return false;
  if (error.status !== null) return error.status >= 500 || (error.status >= 200 && error.status < 300);
  return !(error.transportCode && NOT_SENT.test(error.transportCode));
}

/** More pages than a project has service accounts, 100 a page: the look-up stays bounded. */
const MAX_ACCOUNT_PAGES = 20;

/** The project's service accounts named `name`, every page read (MAX_ACCOUNT_PAGES at most). */
export async function findServiceAccountsNamed(api: AdminApi, auth: AdminAuth, projectId: string, name: string): Promise<ServiceAccountInfo[]> {
  const accounts = await everyItem((after) => api.listServiceAccounts(auth, projectId, { limit: 100, ...(after ? { after } : {}) }), MAX_ACCOUNT_PAGES);
  return accounts.filter((account) => account.id && account.name === name);
}

// What the API says about itself in headers (`openai-organization`, `openai-project`,
// `x-request-id`) is shown, and the first two are kept in the progress file: anything there must
// have the shape the API gives these values. A server that echoes the key, or a proxy that puts
// escape sequences or a page of text in a header, gets its value dropped (null), not shown.
import { redact } from '../keys/redact.js';
import type { HeaderLookup } from './diagnosis.js';

// `org-` + the organization id; `user-` + 24 characters for a personal organization; otherwise
// the organization's slug (lower case, digits and hyphens, as `acme-corp-x1y2z3`).
const ORGANIZATION = /^(?:org-[A-Za-z0-9]{1,60}|user-[A-Za-z0-9]{1,60}|[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)$/;
const PROJECT = /^proj_[A-Za-z0-9]{1,60}$/;
const REQUEST_ID = /^[A-Za-z0-9_-]{1,100}$/;

/** The value when it has the shape `pattern` says and holds no piece of a secret; else null. */
function shaped(pattern: RegExp, value: string | null | undefined, secrets: ReadonlyArray<string | undefined>): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  if (!pattern.test(trimmed) || /^sk-/i.test(trimmed)) return null;
  return redact(trimmed, secrets) === trimmed ? trimmed : null;
}

/** An `openai-organization` value in its documented shape (`org-…`, `user-…`, a slug), or null. */
export function organizationId(value: string | null | undefined, secrets: ReadonlyArray<string | undefined> = []): string | null {
  return shaped(ORGANIZATION, value, secrets);
}

/** An `openai-project` value in its documented shape (`proj_…`), or null. */
export function projectId(value: string | null | undefined, secrets: ReadonlyArray<string | undefined> = []): string | null {
  return shaped(PROJECT, value, secrets);
}

/** An `x-request-id` value (`req_…`; 32 hex characters on old answers), or null. */
export function requestId(value: string | null | undefined, secrets: ReadonlyArray<string | undefined> = []): string | null {
  return shaped(REQUEST_ID, value, secrets);
}

/** Headers as the diagnosis may read them: the organization and project only in their shapes. */
export function checkedHeaders(headers: HeaderLookup, secrets: ReadonlyArray<string | undefined>): HeaderLookup {
  return {
    get(name: string) {
      const value = headers.get(name);
      const lower = name.toLowerCase();
      if (lower === 'openai-organization') return organizationId(value, secrets);
      if (lower === 'openai-project') return projectId(value, secrets);
      return value;
    },
  };
}

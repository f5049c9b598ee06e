// OPENAI_CUSTOM_HEADERS, read as the openai Node SDK reads it (v6.36 on: its client's constructor,
// from process.env): trimmed, split at line feeds, each line with a colon a header (name before
// the first colon, value after it, both trimmed; lines without one skipped), later lines winning,
// names in any case. The SDK sends those headers with every request, after its own: they replace
// the key's Authorization and the OpenAI-Organization / OpenAI-Project it was given. Pure: the
// check decides what of it is sent (the key it checks, always), and names the variable when a
// header of it is refused. Nothing here quotes a value: the variable may hold a secret.

import { UsageError } from '../errors.js';

/** The variable's name, as the advice says it. */
export const CUSTOM_HEADERS_VARIABLE = 'OPENAI_CUSTOM_HEADERS';

/** An HTTP header name (RFC 9110's token), the SDK's own test: a name outside it makes the SDK throw. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

// Only C0 (tab excepted), DEL and C1: fetch and node:http refuse line breaks and other controls,
// and the terminal would act on them; anything beyond Latin-1 cannot be a header value.
const HEADER_VALUE_UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]|[^\u0000-\u00ff]/;

export interface CustomHeader {
  /** As the variable spells it (shown: it passed HEADER_NAME). */
  name: string;
  /** Lower case, as it is sent and compared. */
  lower: string;
  /** Never shown. */
  value: string;
}

export type CustomHeaders = { headers: CustomHeader[]; problem: null } | { headers: []; problem: string };

/**
 * The headers the SDK would send for this value of OPENAI_CUSTOM_HEADERS, one per name (the last
 * wins, as in the SDK), or the problem that makes the SDK throw (a name that is not a header name)
 * or fetch refuse the request (a value with control characters or beyond Latin-1): said by line,
 * without the line's text.
 */
export function parseCustomHeaders(raw: string | undefined): CustomHeaders {
  const text = raw?.trim();
  if (!text) return { headers: [], problem: null };
  // A plain object, as the SDK builds it: its key order and its handling of a `__proto__` line (dropped) are the SDK's.
  const parsed: Record<string, string> = {};
  const lineOf = new Map<string, number>();
  text.split('\n').forEach((line, index) => {
    const colon = line.indexOf(':');
    if (colon < 0) return;
    const name = line.substring(0, colon).trim();
    parsed[name] = line.substring(colon + 1).trim();
    lineOf.set(name, index + 1);
  });
  const byName = new Map<string, CustomHeader>();
  for (const [name, value] of Object.entries(parsed)) {
    const line = lineOf.get(name) ?? 0;
    if (!HEADER_NAME.test(name)) return { headers: [], problem: `line ${line} is not "Name: value" with a header name before the colon (letters, digits and !#$%&'*+-.^_\`|~), which the openai SDK refuses too` };
    if (HEADER_VALUE_UNSAFE.test(value)) return { headers: [], problem: `the value on line ${line} has control characters or characters beyond Latin-1, which cannot be sent in a header` };
    const lower = name.toLowerCase();
    // As the SDK's buildHeaders: a name seen again (in another case) replaces the earlier value.
    byName.delete(lower);
    byName.set(lower, { name, lower, value });
  }
  return { headers: [...byName.values()], problem: null };
}

/** The value the variable gives a header (lower-case name), or undefined. */
export function customHeader(headers: readonly CustomHeader[], lower: string): string | undefined {
  return headers.find((h) => h.lower === lower)?.value;
}

/** Headers the check sets itself: the key it checks, and the organization and project it names (with where they came from). */
export const OWN_HEADERS = new Set(['authorization', 'openai-organization', 'openai-project']);

/** The variable's other headers, sent with the check as the SDK would send them. */
export function passedOn(headers: readonly CustomHeader[]): Record<string, string> {
  return Object.fromEntries(headers.filter((h) => !OWN_HEADERS.has(h.lower)).map((h) => [h.lower, h.value]));
}

/**
 * The headers of the variable for a request made through the SDK, which reads it too (in its
 * constructor): a value it would refuse, or fetch would, stops the request here, as a usage error
 * naming the line (never its text: it may hold a secret). Only the commands that send a request
 * refuse it; the others (token, run, status…) never read it so.
 */
export function customHeadersToSend(raw: string | undefined): CustomHeader[] {
  const { headers, problem } = parseCustomHeaders(raw);
  if (problem) throw new UsageError(`${CUSTOM_HEADERS_VARIABLE}: ${problem}.`, [`Fix or unset ${CUSTOM_HEADERS_VARIABLE}: every program using the openai SDK fails on it too.`]);
  return headers;
}

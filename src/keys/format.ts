// Everything about what an API key looks like: cleaning what people paste, recognising its kind,
// and the one masking function used wherever a key could be shown.

export type KeyKind = 'project' | 'service-account' | 'admin' | 'user' | 'legacy' | 'unknown';

// OpenAI's keys are the prefix, a body, `T3BlbkFJ` (base64 for "OpenAI") and a body as long as the
// first: sk-proj- 8 + 74 + 8 + 74 = 164 (early ones 8 + 20 + 8 + 20 = 56, also 8 + 58 + 8 + 58),
// sk-svcacct- 167 (or 135), sk-admin- 133, legacy sk- 3 + 20 + 8 + 20 = 51. The length of sk-None-
// keys is not known. `length` is today's; `shortest` the length below which a key without the
// marker cannot be whole: the shortest key ever seen, and for sk-proj- 8 + 74 + 8 = 90, since every
// sk-proj- key carries the marker (the early ones too), and one cut before its end is shorter.

import { PAGES } from '../platform.js';

const MARKER = 'T3BlbkFJ';

/**
 * A legacy user key exactly: `sk-`, 20 letters or digits, the marker, 20 more (51 in all). Other
 * `sk-<word>-…` keys are no user's: service-account keys were issued as `sk-<its name>-…` in 2024,
 * and belong to a project whose key list holds them.
 */
const LEGACY_SHAPE = /^sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}$/;

const PREFIXES: Array<{ prefix: string; kind: KeyKind; label: string; length: number | null; shortest: number }> = [
  { prefix: 'sk-proj-', kind: 'project', label: 'project key', length: 164, shortest: 90 },
  { prefix: 'sk-svcacct-', kind: 'service-account', label: 'service-account key', length: 167, shortest: 135 },
  { prefix: 'sk-admin-', kind: 'admin', label: 'admin key', length: 133, shortest: 133 },
  { prefix: 'sk-None-', kind: 'user', label: 'user key (not tied to a project)', length: null, shortest: 51 },
  { prefix: 'sk-', kind: 'legacy', label: 'legacy user key', length: 51, shortest: 51 },
];

/** Real keys are under 200 characters (167 at most today); anything longer is not one key, and must not become a header. */
const MAX_KEY_LENGTH = 200;
/** The most any server's key may be (some gateways take tokens of a few hundred characters or more). */
const MAX_ANY_KEY_LENGTH = 4096;

/** Keys of other services that people paste for an OpenAI key, and where each one's OpenAI-compatible API is. */
const OTHER_SERVICES: Array<{ pattern: RegExp; name: string; baseURL?: string }> = [
  { pattern: /^sk-or-v1-/, name: 'an OpenRouter key', baseURL: 'https://openrouter.ai/api/v1' },
  { pattern: /^sk-ant-/, name: 'an Anthropic key', baseURL: 'https://api.anthropic.com/v1' },
  { pattern: /^sk-[0-9a-f]{32}$/, name: 'a DeepSeek key (Alibaba DashScope keys look the same)' },
  { pattern: /^gsk_/, name: 'a Groq key', baseURL: 'https://api.groq.com/openai/v1' },
  { pattern: /^xai-/, name: 'an xAI key', baseURL: 'https://api.x.ai/v1' },
  { pattern: /^AIza/, name: 'a Google API key (Gemini)', baseURL: 'https://generativelanguage.googleapis.com/v1beta/openai' },
  { pattern: /^pplx-/, name: 'a Perplexity key', baseURL: 'https://api.perplexity.ai' },
  { pattern: /^hf_/, name: 'a Hugging Face token', baseURL: 'https://router.huggingface.co/v1' },
  { pattern: /^nvapi-/, name: 'an NVIDIA key', baseURL: 'https://integrate.api.nvidia.com/v1' },
  { pattern: /^r8_/, name: 'a Replicate token' },
  { pattern: /^(?:sk|rk)_(?:live|test)_/, name: 'a Stripe key' },
  { pattern: /^(?:gh[pousr]_|github_pat_)/, name: 'a GitHub token' },
  { pattern: /^[0-9a-f]{32}$/i, name: 'an Azure key (32 hex digits; Azure OpenAI keys work only with their Azure endpoint)' },
];

function otherService(key: string): (typeof OTHER_SERVICES)[number] | undefined {
  return OTHER_SERVICES.find((s) => s.pattern.test(key));
}

/** Which other service's key this looks like (OTHER_SERVICES: "an Anthropic key"), or undefined: never taken for an OpenAI key where keys are looked for. */
export function otherServiceName(key: string): string | undefined {
  return otherService(key)?.name;
}

/** Where the OpenAI-compatible API of the service a key looks like it is from is (OTHER_SERVICES), when known. */
export function otherServiceBaseURL(key: string): string | undefined {
  return otherService(key)?.baseURL;
}

export function keyKind(key: string): KeyKind {
  // A masked key (`sk-...F1Jg`) is of no kind: its prefix says what the key was, not what this is.
  if (otherService(key) || isMaskedKey(key)) return 'unknown';
  return PREFIXES.find((p) => key.startsWith(p.prefix))?.kind ?? 'unknown';
}

export function keyKindLabel(kind: KeyKind): string {
  return PREFIXES.find((p) => p.kind === kind)?.label ?? 'key of unknown kind';
}

/**
 * What `key` is, for people: its kind's label, save for an `sk-<name>-…` key (kind 'legacy' by its
 * prefix alone, a hyphen in what follows it, which no legacy user key's body has): a service
 * account's key in the form issued in 2024, not a user's.
 */
export function keyLabel(key: string): string {
  const kind = keyKind(key);
  if (kind === 'legacy' && !LEGACY_SHAPE.test(key) && key.slice(3).includes('-')) return "service-account key of the older sk-<name>- form";
  return keyKindLabel(kind);
}

/**
 * A user's key (`sk-None-…`, or a legacy key of exactly its shape), not a project's: it belongs to
 * its user, in every project the user is in, so no project's key list holds it (the Admin API
 * neither lists nor deletes it), and it is revoked on the user's own API keys page. Another
 * `sk-<word>-…` key (kind 'legacy' by its prefix alone) is a project's.
 */
export function isUserKey(key: string): boolean {
  const kind = keyKind(key);
  return kind === 'user' || (kind === 'legacy' && LEGACY_SHAPE.test(key));
}

/**
 * Where a key no longer used is revoked: the page's `name` (to follow "revoke it on") and its
 * `url`. A user key (`user`: isUserKey) on your user API keys page; any other on the API keys page.
 */
export function revokePage(user: boolean): { name: string; url: string } {
  return user ? { name: 'your user API keys page', url: PAGES['user-keys'].url } : { name: 'the API keys page', url: PAGES.keys.url };
}

/**
 * `sk-proj-…Ab12`: the prefix and the last four characters, never more, as one line of plain
 * characters: one that is no printable ASCII (a line break, an escape, a bidi control, a letter
 * beyond ASCII) is shown as `?`, so a hint never breaks a line or reaches the terminal raw.
 */
export function maskKey(key: string): string {
  const plain = (part: string) => part.replace(/[^\x21-\x7e]/g, '?');
  if (key.length < 20) return key.length >= 12 ? `…${plain(key.slice(-2))}` : '…';
  const prefix = PREFIXES.find((p) => key.startsWith(p.prefix))?.prefix ?? key.slice(0, 3);
  return `${plain(prefix)}…${plain(key.slice(-4))}`;
}

/**
 * The kind of key a hint (maskKey's `sk-admin-…Ab12`) was made from, by the prefix it keeps, for
 * what has only the hint (the progress file); 'unknown' for any other hint, and for one whose last
 * four are not a key's characters (no key of that kind).
 */
export function hintKind(hint: string): KeyKind {
  const match = PREFIXES.find((p) => hint.startsWith(`${p.prefix}…`));
  return match && /^[A-Za-z0-9_-]{4}$/.test(hint.slice(match.prefix.length + 1)) ? match.kind : 'unknown';
}

export type CleanResult = { ok: true; key: string } | { ok: false; problem: string };

/**
 * Why a key that came with a line break inside cannot be used: a key wrapped when copied, or two
 * things pasted. Taking the first line would send part of a key.
 */
export const LINE_BREAK_INSIDE = 'it has a line break inside: copy it again in one piece';

// What a copy from a web page or document carries along unseen (zero-width spaces and joiners, the
// word joiner, a BOM): dropped from a paste. Not the whole class the terminal escapes (sanitize.ts
// UNSAFE_CHAR): a key with a bidi mark or a control character in it is refused, naming it.
const PASTED_INVISIBLE = /[\u200b-\u200d\u2060\ufeff]/g;
// Every kind of line break, NEL and the Unicode separators included.
const LINE_BREAK = /[\r\n\u0085\u2028\u2029]/;
const SPACES = /[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+/g;
const QUOTE_PAIRS: Array<[string, string]> = [
  ['"', '"'],
  ["'", "'"],
  ['`', '`'],
  ['“', '”'],
  ['‘', '’'],
  ['«', '»'],
  ['<', '>'],
  ['${', '}'],
  ['{', '}'],
];

function stripWrapping(value: string): string {
  let v = value;
  for (let changed = true; changed; ) {
    changed = false;
    v = v.trim();
    const assignment = /^(?:export\s+|set\s+|setx\s+|\$env:)?OPENAI_API_KEY\s*[=:]\s*/i.exec(v);
    if (assignment) {
      v = v.slice(assignment[0].length);
      changed = true;
    }
    const bearer = /^(?:authorization\s*:\s*)?bearer\s+/i.exec(v);
    if (bearer) {
      v = v.slice(bearer[0].length);
      changed = true;
    }
    for (const [open, close] of QUOTE_PAIRS) {
      if (v.length > open.length + close.length && v.startsWith(open) && v.endsWith(close)) {
        v = v.slice(open.length, v.length - close.length);
        changed = true;
      }
    }
    // A lone trailing semicolon from a copied shell line (`export X="…";`).
    if (v.endsWith(';')) {
      v = v.slice(0, -1);
      changed = true;
    }
  }
  return v;
}

/**
 * Turn what a person pasted into the key itself: spaces and newlines around it (CRLF, tabs,
 * non-breaking spaces), quotes of any kind, `Bearer `, `OPENAI_API_KEY=` / `export …=`, and a key
 * pasted twice. Returns a one-line problem when it cannot be a single key.
 */
export function cleanKey(raw: string): CleanResult {
  const normalised = raw.replace(PASTED_INVISIBLE, '').replace(SPACES, ' ');
  const value = stripWrapping(normalised);
  if (value === '') return { ok: false, problem: 'nothing was pasted' };

  // The same key pasted twice, with or without something between the copies.
  const parts = value.split(' ').map(stripWrapping).filter(Boolean);
  if (parts.length > 1) {
    const distinct = new Set(parts);
    if (distinct.size === 1) return { ok: true, key: parts[0]! };
    // Told as what it is: a key wrapped when copied (or two things on two lines) has no spaces.
    if (LINE_BREAK.test(raw.trim())) return { ok: false, problem: LINE_BREAK_INSIDE };
    return { ok: false, problem: 'it contains spaces: paste only the key, once' };
  }
  const half = value.length / 2;
  if (value.length % 2 === 0 && value.length >= 80 && value.slice(0, half) === value.slice(half)) {
    return { ok: true, key: value.slice(0, half) };
  }
  return { ok: true, key: value };
}

/**
 * What of a value given as a key is the secret to mask: the key it holds (cleanKey), not the
 * quotes, `Bearer ` or `OPENAI_API_KEY=` around it, whose words would be masked wherever they are
 * shown (a piece of a secret is); all of it when it holds no single key.
 */
export function secretOf(value: string): string {
  const cleaned = cleanKey(value);
  return cleaned.ok ? cleaned.key : value.trim();
}

export interface ShapeCheck {
  kind: KeyKind;
  /** Why this cannot be an OpenAI key; the key is then rejected with no request sent. */
  problem?: string;
  /** Something odd worth a warning (an unusual prefix on a compatible server). */
  warning?: string;
}

function describeChar(ch: string): string {
  if (LINE_BREAK.test(ch)) return 'a line break';
  if (/\s/.test(ch)) return 'whitespace';
  if (/["'`\u201c\u201d\u2018\u2019]/.test(ch)) return 'a quote'; // " ' ` “ ” ‘ ’
  const code = ch.codePointAt(0) ?? 0;
  const named = `(U+${code.toString(16).toUpperCase().padStart(4, '0')})`;
  // C0, DEL and C1 (an escape, a NUL): control characters, ASCII or not.
  if (code < 32 || (code >= 127 && code <= 159)) return `a control character ${named}`;
  return code > 126 ? `a non-ASCII character ${named}` : `"${ch}"`;
}

/** A key of a known prefix shorter than it should be was cut off when copied. */
function cutOff(key: string, officialApi: boolean): string | undefined {
  const shape = PREFIXES.find((p) => key.startsWith(p.prefix));
  if (!shape) return undefined;
  const head = key.indexOf(MARKER, shape.prefix.length) - shape.prefix.length;
  if (head > 0) {
    const whole = shape.prefix.length + head + MARKER.length + head;
    return key.length < whole ? `it looks cut off (${key.length} of ${whole} characters): copy it again` : undefined;
  }
  // Other services' sk- keys have their own lengths: a plain sk- key is judged only for OpenAI.
  if (key.length >= shape.shortest || (shape.kind === 'legacy' && !officialApi)) return undefined;
  return shape.length
    ? `it is far too short (${key.length} of ${shape.length} characters), as if cut off: copy it again`
    : `it is far too short (${key.length} characters; OpenAI keys have ${shape.shortest} or more), as if cut off: copy it again`;
}

const tooLong = (key: string) => `it is ${key.length} characters long, and OpenAI keys are under ${MAX_KEY_LENGTH}: paste the key alone`;

/**
 * Why a value can be no key for any server (checkKeyShape's part that holds whatever the server):
 * empty, too long, or a character no key has (an escape, a line break, a space). Nothing `key`
 * stores fails it; a stored value that does was put there otherwise, and judgeStoredValue refuses it.
 */
function notAKeyProblem(key: string): string | undefined {
  if (key === '') return 'it is empty';
  if (key.length > MAX_ANY_KEY_LENGTH) return tooLong(key);
  const bad = /[^A-Za-z0-9_-]/.exec(key);
  return bad ? `it contains ${describeChar(bad[0])}, which an API key never has` : undefined;
}

/**
 * Line breaks at the very end of a stored value: what `echo`, an editor or a here-string adds to
 * a value written by hand, never part of a key. The only thing dropped from a stored value.
 */
const TRAILING_LINE_BREAKS = /[\r\n]+$/;

/**
 * The one judgement of a stored value (a keychain entry or credentials.json, perhaps edited by
 * hand), made alike by every reader: verify, doctor, token, run, env, status. It is a key only as
 * it is stored, shaped as checkKeyShape wants it for the server it is for (`officialApi`: OpenAI's):
 * nothing is cleaned as a paste is (quotes, `Bearer `, a key twice), for `key` stores a value
 * cleaned, and a value that needs it was put there otherwise (cleaning it would hand out one thing
 * while another is stored). Only line breaks at its end are dropped (TRAILING_LINE_BREAKS).
 * `problem` never quotes the value.
 */
export function judgeStoredValue(value: string, officialApi = true, otherServer: OtherServerAdvice = 'variable'): { ok: true; key: string } | { ok: false; problem: string } {
  const key = value.replace(TRAILING_LINE_BREAKS, '');
  const half = key.length / 2;
  // Said as what it is, rather than as a length: a key pasted twice into an editor.
  if (key.length % 2 === 0 && key.length >= 80 && key.slice(0, half) === key.slice(half) && !checkKeyShape(key.slice(0, half), officialApi, otherServer).problem) {
    return { ok: false, problem: 'it is the same key twice in a row' };
  }
  const { problem } = checkKeyShape(key, officialApi, otherServer);
  return problem ? { ok: false, problem } : { ok: true, key };
}

/**
 * How the key of another service is to be used, as the running command can do it: with --base-url
 * (`flag`: key, verify, the wizard), OPENAI_BASE_URL (`variable`: commands without the flag), or not
 * at all (`none`: an admin key is OpenAI's only).
 */
export type OtherServerAdvice = 'flag' | 'variable' | 'none';

/** A JWT: three base64url parts joined by dots, the first a JSON header (`{"` is `eyJ`). */
const JWT = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** A key as the API keys page lists it (`sk-proj-********F1Jg`, `sk-...F1Jg`), or as maskKey shows one (`sk-proj-…F1Jg`). */
const MASKED_KEY = /^sk-(?:[A-Za-z]+-)?(?:\*+|\.{2,}|\u2026)[A-Za-z0-9_-]{2,8}$/;

/** A key as the API keys page lists it or maskKey shows it: not a key. */
export function isMaskedKey(key: string): boolean {
  return MASKED_KEY.test(key);
}

/** The kind of key asked for, which what is refused is named against and whose page its fix names. */
export type KeyAsked = 'key' | 'admin';

/** The kind asked for in words, and where one is created: the API keys page, or the admin keys page. */
const ASKED: Record<KeyAsked, { name: string; page: string; url: string }> = {
  key: { name: 'an API key', page: 'the API keys page', url: PAGES.keys.url },
  admin: { name: 'an admin key', page: 'the admin keys page', url: PAGES['admin-keys'].url },
};

function signInToken(asked: KeyAsked): string {
  const { name, page, url } = ASKED[asked];
  return `it is a ChatGPT sign-in token, not ${name}; create a key on ${page} (${url}) and paste that`;
}

function maskedKey(asked: KeyAsked): string {
  const { page, url } = ASKED[asked];
  return `it is the masked key ${page} lists, not the key itself; the whole key is shown only once, when it is created: create a new one there (${url}) and paste it`;
}

/**
 * What people paste instead of a key, said as what it is and what to do (a character-level reason
 * would not tell them). A JWT only where the key is for OpenAI: a compatible server may take one.
 */
function mistakenPaste(key: string, officialApi: boolean, asked: KeyAsked): string | undefined {
  if (officialApi && JWT.test(key)) return signInToken(asked);
  return isMaskedKey(key) ? maskedKey(asked) : undefined;
}

/** A problem (checkKeyShape's) that says what to do itself, so that no general fix need follow it. */
export function problemSaysWhatToDo(problem: string): boolean {
  return (['key', 'admin'] as const).some((asked) => problem === signInToken(asked) || problem === maskedKey(asked));
}

/**
 * Can this be an OpenAI key? `officialApi` is false for an OpenAI-compatible server at another
 * base URL, where keys of other shapes are normal, so prefix problems only warn. `asked`: the kind
 * of key the caller asks for, whose page a pasted token or masked key is sent to.
 */
export function checkKeyShape(key: string, officialApi = true, otherServer: OtherServerAdvice = 'flag', asked: KeyAsked = 'key'): ShapeCheck {
  const kind = keyKind(key);
  const openaiShaped = kind !== 'unknown';
  const mistaken = mistakenPaste(key, officialApi, asked);
  if (mistaken) return { kind, problem: mistaken };
  if (key.length >= MAX_KEY_LENGTH && (officialApi || openaiShaped)) return { kind, problem: tooLong(key) };
  const notAKey = notAKeyProblem(key);
  if (notAKey) return { kind, problem: notAKey };
  if (key.startsWith('sess-')) {
    return { kind, problem: `this is a ChatGPT session token, not ${ASKED[asked].name}: create a key on ${ASKED[asked].page}` };
  }
  const other = otherService(key);
  if (other) {
    const sk = key.startsWith('sk-') ? '' : ' (those start with "sk-")';
    if (!officialApi) return { kind, warning: `This looks like ${other.name}, not an OpenAI key${sk}; sending it anyway to a compatible server` };
    const setting = otherServer === 'flag' ? '--base-url ' : otherServer === 'variable' ? 'OPENAI_BASE_URL=' : null;
    const use = other.baseURL && setting ? `; to use it, set ${setting}${other.baseURL}` : '';
    return { kind, problem: `it looks like ${other.name}, not an OpenAI key${sk}${use}` };
  }
  if (kind === 'unknown') {
    const problem = 'OpenAI keys start with "sk-" (usually "sk-proj-")';
    return officialApi ? { kind, problem } : { kind, warning: `${problem}; sending it anyway to a compatible server` };
  }
  // The marker in the middle of every OpenAI key twice: two keys run together, for any server
  // (random bodies hold those 8 characters by chance about never).
  if (key.indexOf(MARKER, key.indexOf(MARKER) + MARKER.length) !== -1) {
    return { kind, problem: `it is two keys run together ("${MARKER}", in the middle of every OpenAI key, is in it twice): paste only one` };
  }
  const cut = cutOff(key, officialApi);
  return cut ? { kind, problem: cut } : { kind };
}

/**
 * Why a value cannot be an admin key (sk-admin-…): checkKeyShape's problem (no key at all, cut
 * off, another service's), or a key of another kind. Admin keys are OpenAI's only, whatever the
 * base URL.
 */
export function adminKeyProblem(key: string): string | undefined {
  const shape = checkKeyShape(key, true, 'none', 'admin');
  if (shape.problem) return shape.problem;
  return shape.kind === 'admin' ? undefined : `it is a ${keyKindLabel(shape.kind)}, and admin keys start with "sk-admin-"`;
}

/**
 * A value given as a key (--key, OPENAI_API_KEY) that is none as it is, but holds one once cleaned
 * as a paste (parseKey): that key, and in words what else is in the value. Such a value is judged
 * as it is (programs send it whole), and its fix is the key alone, not another key. Null when the
 * value is a key as it is, or cleaning finds none in it either.
 */
export function keyWithin(value: string, officialApi = true): { key: string; around: string } | null {
  const held = parseKey(value, officialApi);
  if (!held.ok || held.key === value) return null;
  const parts: string[] = [];
  if (/["'`\u201c\u201d\u2018\u2019\u00ab\u00bb]/.test(value)) parts.push('quotes'); // " ' ` “ ” ‘ ’ « »
  if (/bearer\s/i.test(value)) parts.push('"Bearer "');
  if (/OPENAI_API_KEY\s*[=:]/i.test(value)) parts.push('"OPENAI_API_KEY="');
  if (value.split(held.key).length > 2) parts.push('a second copy of it');
  if (/^\s|\s$/.test(value)) parts.push('whitespace around it');
  const around = parts.length === 0 ? 'other characters' : parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)!}`;
  return { key: held.key, around };
}

/** Where a key given to a command as it is (not stored, not pasted) came from: `--key`, OPENAI_API_KEY, OPENAI_ADMIN_KEY. */
export type GivenAs = 'flag' | 'env' | 'admin-env';

const GIVEN: Record<GivenAs, { holder: string; send: string; alone: string }> = {
  flag: { holder: '--key', send: 'a program given this value would send', alone: 'give --key the key alone' },
  env: { holder: 'OPENAI_API_KEY', send: 'programs send', alone: 'set OPENAI_API_KEY to the key alone' },
  'admin-env': { holder: 'OPENAI_ADMIN_KEY', send: 'programs send', alone: 'set OPENAI_ADMIN_KEY to the key alone' },
};

/**
 * A value given as it is that holds a key (its masked `hint`) with more `around` it (keyWithin):
 * said so, with the fix, the key alone. Every command that meets OPENAI_API_KEY so says it so.
 */
export function heldWithMore(givenAs: GivenAs, hint: string, around: string): string {
  const given = GIVEN[givenAs];
  return `${given.holder} holds the key ${hint}, but also ${around}, which ${given.send} as part of the key: ${given.alone}.`;
}

/** Clean, then check the shape: the single path for every pasted or given key. */
export function parseKey(raw: string, officialApi = true, otherServer: OtherServerAdvice = 'flag', asked: KeyAsked = 'key'): { ok: true; key: string; shape: ShapeCheck } | { ok: false; problem: string } {
  const cleaned = cleanKey(raw);
  if (!cleaned.ok) return cleaned;
  const shape = checkKeyShape(cleaned.key, officialApi, otherServer, asked);
  if (shape.problem) return { ok: false, problem: shape.problem };
  return { ok: true, key: cleaned.key, shape };
}

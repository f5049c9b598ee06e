// Everything about what an API key looks like: cleaning what people paste, recognising its kind,
// and the one masking function used wherever a key could be shown.

export type KeyKind = 'project' | 'service-account' | 'admin' | 'user' | 'legacy' | 'unknown';

const PREFIXES: Array<{ prefix: string; kind: KeyKind; label: string }> = [
  { prefix: 'sk-proj-', kind: 'project', label: 'project key' },
  { prefix: 'sk-svcacct-', kind: 'service-account', label: 'service-account key' },
  { prefix: 'sk-admin-', kind: 'admin', label: 'admin key' },
  { prefix: 'sk-None-', kind: 'user', label: 'user key (not tied to a project)' },
  { prefix: 'sk-', kind: 'legacy', label: 'legacy user key' },
];

export function keyKind(key: string): KeyKind {
  return PREFIXES.find((p) => key.startsWith(p.prefix))?.kind ?? 'unknown';
}

export function keyKindLabel(kind: KeyKind): string {
  return PREFIXES.find((p) => p.kind === kind)?.label ?? 'key of unknown kind';
}

/** `sk-proj-…Ab12`: the prefix and the last four characters, never more. */
export function maskKey(key: string): string {
  if (key.length < 20) return key.length >= 12 ? `…${key.slice(-2)}` : '…';
  const prefix = PREFIXES.find((p) => key.startsWith(p.prefix))?.prefix ?? key.slice(0, 3);
  return `${prefix}…${key.slice(-4)}`;
}

export type CleanResult = { ok: true; key: string } | { ok: false; problem: string };

const INVISIBLE = /[\u200b-\u200d\u2060\ufeff]/g;
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
  const normalised = raw.replace(INVISIBLE, '').replace(SPACES, ' ');
  const value = stripWrapping(normalised);
  if (value === '') return { ok: false, problem: 'nothing was pasted' };

  // The same key pasted twice, with or without something between the copies.
  const parts = value.split(' ').map(stripWrapping).filter(Boolean);
  if (parts.length > 1) {
    const distinct = new Set(parts);
    if (distinct.size === 1) return { ok: true, key: parts[0]! };
    return { ok: false, problem: 'it contains spaces: paste only the key, once' };
  }
  const half = value.length / 2;
  if (value.length % 2 === 0 && value.length >= 80 && value.slice(0, half) === value.slice(half)) {
    return { ok: true, key: value.slice(0, half) };
  }
  return { ok: true, key: value };
}

export interface ShapeCheck {
  kind: KeyKind;
  /** Why this cannot be an OpenAI key; the key is then rejected with no request sent. */
  problem?: string;
  /** Something odd worth a warning (an unusual prefix on a compatible server). */
  warning?: string;
}

function describeChar(ch: string): string {
  if (/\s/.test(ch)) return 'whitespace';
  if (/["'`“”‘’]/.test(ch)) return 'a quote';
  const code = ch.codePointAt(0) ?? 0;
  return code > 126 || code < 32 ? `a non-ASCII character (U+${code.toString(16).toUpperCase().padStart(4, '0')})` : `"${ch}"`;
}

/**
 * Can this be an OpenAI key? `officialApi` is false for an OpenAI-compatible server at another
 * base URL, where keys of other shapes are normal, so prefix problems only warn.
 */
export function checkKeyShape(key: string, officialApi = true): ShapeCheck {
  const kind = keyKind(key);
  const bad = /[^A-Za-z0-9_-]/.exec(key);
  if (bad) return { kind, problem: `it contains ${describeChar(bad[0])}, which an API key never has` };
  if (key.startsWith('sess-')) {
    return { kind, problem: 'this is a ChatGPT session token, not an API key: create a key on the API keys page' };
  }
  if (key.startsWith('sk-ant-')) return { kind, problem: 'this is an Anthropic key, not an OpenAI key' };
  if (kind === 'unknown') {
    const problem = 'OpenAI keys start with "sk-" (usually "sk-proj-")';
    return officialApi ? { kind, problem } : { kind, warning: `${problem}; sending it anyway to a compatible server` };
  }
  // An sk- key this short was cut off when copied, whatever server it is meant for.
  if (key.length < 40) {
    return { kind, problem: `it is far too short (${key.length} characters; OpenAI keys have 51 or more), as if cut off` };
  }
  return { kind };
}

/** Clean, then check the shape: the single path for every pasted or given key. */
export function parseKey(raw: string, officialApi = true): { ok: true; key: string; shape: ShapeCheck } | { ok: false; problem: string } {
  const cleaned = cleanKey(raw);
  if (!cleaned.ok) return cleaned;
  const shape = checkKeyShape(cleaned.key, officialApi);
  if (shape.problem) return { ok: false, problem: shape.problem };
  return { ok: true, key: cleaned.key, shape };
}

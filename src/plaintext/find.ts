// Finding OpenAI keys in text by their shape, not only by the variable they are assigned to: the
// prefix, the T3BlbkFJ marker every key carries ("OpenAI" in base64) and the lengths around it.
// A value assigned to a known name (OPENAI_API_KEY=, openai-api-key:, "apiKey":) that looks like
// a key is found even without the marker, unless it is another service's key by its prefix
// (sk-ant-, sk-or-v1-…: keys/format.ts OTHER_SERVICES), which those names hold too. Pure.
import { otherServiceName } from '../keys/format.js';

// Modern keys: sk-proj- / sk-svcacct- / sk-admin- / sk-None-, then characters, the marker, more
// characters (58 or 74 each side today; earlier project keys had 20). Legacy: sk- 20 T3BlbkFJ 20.
const MARKED =
  /(?<![A-Za-z0-9_-])sk-(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{16,200}T3BlbkFJ[A-Za-z0-9_-]{16,200}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})(?![A-Za-z0-9_-])/g;

// `NAME = value`, `NAME: value`, `"NAME": "value"`, `set -gx NAME value`, `$env:NAME = value`.
// The blanks between name and value as `\s*[=:]\s*` or `\s+`: as `\s*(?:[=:]|\s)\s*` a long run
// of blanks could be split in quadratically many ways, each tried when no key followed.
const NAMED =
  /(?:OPENAI_API_KEY|OPENAI_ADMIN_KEY|CODEX_API_KEY|AIDER_OPENAI_API_KEY|openai[-_]api[-_]key|apiKey|api_key|"openai")["']?(?:\s*[=:]\s*|\s+)["']?(sk-[A-Za-z0-9_-]{20}[A-Za-z0-9_-]*)(?![A-Za-z0-9_-])/g;

export interface FoundKey {
  key: string;
  /** Where it starts in the text searched (0-based). */
  index: number;
}

/** Is this a key, not a placeholder like sk-xxxxxxxx…: long enough, and not one character repeated. */
export function plausible(value: string): boolean {
  return value.length >= 40 && new Set(value.slice(3)).size >= 10;
}

/** Every key in a piece of text (a line), in order, each once per place. */
export function findKeys(text: string): FoundKey[] {
  const found = new Map<number, string>();
  for (const match of text.matchAll(MARKED)) found.set(match.index, match[0]);
  for (const match of text.matchAll(NAMED)) {
    const value = match[1]!;
    const index = match.index + match[0].length - value.length;
    if (!found.has(index) && plausible(value) && otherServiceName(value) === undefined) found.set(index, value);
  }
  return [...found.entries()].sort((a, b) => a[0] - b[0]).map(([index, key]) => ({ key, index }));
}

/** fish_variables escapes every character that is not alphanumeric as \xHH (`sk\x2dproj\x2d…`). */
export function decodeFishEscapes(text: string): string {
  return text.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

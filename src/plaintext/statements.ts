// Whether a line of a file starts a statement of its own, as the file's reader reads it: a line
// inside a here-document, a quoted string that spans lines, a block comment, or one that continues
// the line above it, is no assignment, however it looks on its own (`OPENAI_API_KEY=…` in the
// body of a `cat > x.env <<EOF`, rewritten, would have every new shell write the key to x.env).
// Each reader is one pass over the text up to that line (linear time: a megabyte of quotes or
// blanks is read once). Where the file is read some way this cannot tell, it errs on "not a
// statement": the line is then left to the person, never rewritten. Pure.
import { READERS, view } from '../keys/dotenv.js';
import type { PlaceKind } from './places.js';

/** Offset in `text` where line `line` (1-based, lines ended by \n) starts; -1 when there is none. */
function lineStart(text: string, line: number): number {
  let at = 0;
  for (let n = 1; n < line; n++) {
    const end = text.indexOf('\n', at);
    if (end === -1) return -1;
    at = end + 1;
  }
  return at;
}

/** After which characters a `#` starts a comment (the start of a word). */
const WORD_BREAK = new Set([' ', '\t', '\n', '\r', ';', '&', '|', '(', ')', '<', '>']);
const startsWord = (text: string, at: number) => at === 0 || WORD_BREAK.has(text[at - 1]!);

/** Where the quote opened at `open` closes (the offset of the closing quote), with `\` escaping the next character when `escapes`; -1 if it never does. */
function closing(text: string, open: number, quote: string, escapes: boolean): number {
  for (let i = open + 1; i < text.length; i++) {
    if (escapes && text[i] === '\\') i++;
    else if (text[i] === quote) return i;
  }
  return -1;
}

const IN_HEREDOC = 'the line is inside a here-document (<<), text a command reads, not an assignment';
const IN_QUOTES = 'the line is inside a quoted string that starts on a line above it';
const CONTINUED = 'the line continues the command on the line above it (a backslash ends that line)';

/** A POSIX shell's (sh, bash, zsh) reading of `text` up to `target` (a line start): why that line is no statement of its own, or null. */
function posixShell(text: string, target: number): string | null {
  const pending: Array<{ word: string; tabs: boolean }> = [];
  let unclosedArithmetic = false;
  let i = 0;
  while (i < target) {
    const c = text[i]!;
    if (c === '\n') {
      i++;
      // The here-documents opened on that line: their bodies follow it, each up to its word.
      for (const { word, tabs } of pending) {
        while (i < text.length) {
          if (i === target) return IN_HEREDOC;
          const end = text.indexOf('\n', i);
          const next = end === -1 ? text.length : end + 1;
          // A CR is part of the line to the shell: `EOF\r` does not end `<<EOF`.
          const body = text.slice(i, end === -1 ? text.length : end);
          i = next;
          if ((tabs ? body.replace(/^\t+/, '') : body) === word) break;
        }
        if (i > target) return IN_HEREDOC;
      }
      pending.length = 0;
      continue;
    }
    if (c === '\\') {
      if (text[i + 1] === '\n' && i + 2 === target) return CONTINUED;
      i += 2;
      continue;
    }
    if (c === '#' && startsWord(text, i)) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      // $'…' takes backslash escapes, as "…" and `…` do; '…' none.
      const close = closing(text, i, c, c !== "'" || text[i - 1] === '$');
      if (close === -1 || close >= target) return IN_QUOTES;
      i = close + 1;
      continue;
    }
    if (c === '(' && text[i + 1] === '(' && !unclosedArithmetic) {
      // Arithmetic ((…)), $((…)): its << is a shift, not a here-document. Once none closes, none
      // after it does either (looked for once: each `((` looking to the end would take quadratic time).
      const close = text.indexOf('))', i + 2);
      unclosedArithmetic = close === -1;
      if (close !== -1 && close >= target) return 'the line is inside an arithmetic expression (( … )) that starts on a line above it';
      i = close === -1 ? i + 2 : close + 2;
      continue;
    }
    if (c === '<' && text[i + 1] === '<') {
      // <<< is a here-string: one word, no body.
      if (text[i + 2] === '<') {
        i += 3;
        continue;
      }
      let j = i + 2;
      const tabs = text[j] === '-';
      if (tabs) j++;
      while (text[j] === ' ' || text[j] === '\t') j++;
      // The word, its quotes and backslashes removed (they only say the body is not expanded).
      let word = '';
      while (j < text.length && !WORD_BREAK.has(text[j]!)) {
        const d = text[j]!;
        if (d === "'" || d === '"') {
          const close = closing(text, j, d, false);
          if (close === -1) break;
          word += text.slice(j + 1, close);
          j = close + 1;
        } else if (d === '\\') {
          word += text[j + 1] ?? '';
          j += 2;
        } else {
          word += d;
          j++;
        }
      }
      if (word !== '') pending.push({ word, tabs });
      i = j;
      continue;
    }
    i++;
  }
  return null;
}

/** fish's reading: quotes may span lines ('…' takes \' and \\, "…" its escapes), a backslash continues a line, `#` starts a comment. No here-documents. */
function fish(text: string, target: number): string | null {
  let i = 0;
  while (i < target) {
    const c = text[i]!;
    if (c === '\\') {
      if (text[i + 1] === '\n' && i + 2 === target) return CONTINUED;
      i += 2;
      continue;
    }
    if (c === '#' && startsWord(text, i)) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end;
      continue;
    }
    if (c === "'" || c === '"') {
      const close = closing(text, i, c, true);
      if (close === -1 || close >= target) return IN_QUOTES;
      i = close + 1;
      continue;
    }
    i++;
  }
  return null;
}

const IN_HERE_STRING = 'the line is inside a here-string (@"…"@), text, not an assignment';
const IN_BLOCK_COMMENT = 'the line is inside a block comment (<#…#>)';

/** PowerShell's reading: here-strings @"…"@ and @'…'@ (closed at a line's start), quotes across lines (` escapes in "…"), <#…#>, `#` comments, a backtick continuing a line. */
function powershell(text: string, target: number): string | null {
  let i = 0;
  while (i < target) {
    const c = text[i]!;
    if (c === '@' && (text[i + 1] === '"' || text[i + 1] === "'") && opensHereString(text, i + 2)) {
      const quote = text[i + 1]!;
      // Its body: the lines after, up to one that starts with "@ (or '@).
      let at = text.indexOf('\n', i) + 1;
      while (at < text.length && !text.startsWith(`${quote}@`, at)) {
        if (at === target) return IN_HERE_STRING;
        const end = text.indexOf('\n', at);
        at = end === -1 ? text.length : end + 1;
      }
      if (at === target) return IN_HERE_STRING;
      i = at + 2;
      continue;
    }
    if (c === '`') {
      if ((text[i + 1] === '\n' && i + 2 === target) || (text.startsWith('\r\n', i + 1) && i + 3 === target)) return CONTINUED;
      i += 2;
      continue;
    }
    if (c === '<' && text[i + 1] === '#') {
      const close = text.indexOf('#>', i + 2);
      if (close === -1 || close >= target) return IN_BLOCK_COMMENT;
      i = close + 2;
      continue;
    }
    if (c === '#' && startsWord(text, i)) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end;
      continue;
    }
    if (c === "'" || c === '"') {
      // '' inside '…' (and "" inside "…") closes and opens again: the same to this reading.
      const close = c === '"' ? closingPs(text, i) : text.indexOf("'", i + 1);
      if (close === -1 || close >= target) return IN_QUOTES;
      i = close + 1;
      continue;
    }
    i++;
  }
  return null;
}

/** A here-string's @" (or @') is the last thing on its line: blanks, then the line's end, from `at`. */
function opensHereString(text: string, at: number): boolean {
  let j = at;
  while (text[j] === ' ' || text[j] === '\t') j++;
  return text[j] === '\n' || (text[j] === '\r' && text[j + 1] === '\n');
}

/** Where a PowerShell "…" opened at `open` closes: a backtick escapes the next character. */
function closingPs(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '`') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

const IN_DOTENV_VALUE = "the line is inside a quoted value that starts above it (or programs that read .env files disagree on where it starts)";

/**
 * Why line `line` (1-based) of `text` (the file's text, as edited: latin1) does not start a
 * statement of its own to the programs that read a file of that kind, or null when it does. A .env
 * file's line must start a statement to every reader (keys/dotenv.ts READERS).
 */
export function notOwnStatement(kind: PlaceKind, text: string, line: number): string | null {
  const target = lineStart(text, line);
  if (target === -1) return null;
  switch (kind) {
    case 'posix-shell':
      return posixShell(text, target);
    case 'fish':
      return fish(text, target);
    case 'powershell':
      return powershell(text, target);
    case 'dotenv':
      // No quote above it: a line of its own to every reader (most files; the readers' pass is slower).
      if (!/["'`]/.test(text.slice(0, target))) return null;
      return Object.values(READERS).every((reader) => view(text, reader).starts.includes(target)) ? null : IN_DOTENV_VALUE;
    default:
      return null;
  }
}

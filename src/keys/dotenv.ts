// .env files as the programs that read them see them: which lines really assign a variable (and
// not a line inside another variable's quoted, multi-line value), and where each value lies, so
// that one variable can be set while every other byte stays. The published parsers give values,
// not positions, hence this small one.
//
// The readers agree on plain files and differ in the corners: what a name may be, which blanks
// they trim, what ends a line, and where a quoted value ends (escapes, backticks). Each is
// described here by those; a file where they disagree about which lines assign the variable is
// not edited at all (AmbiguousEnvFile). Not described: Node 20 taking a line without `=` as the
// start of the next line's name.

/** How one program reads a .env file. */
export interface Reader {
  /** At a line start (sticky): indentation, `export `, the name (group 1) as this reader keys it, `=` and the blanks it skips. */
  head: RegExp;
  /** A byte-order mark before the first name is skipped (otherwise the reader makes it part of that name). */
  skipsBom: boolean;
  /** Which backslashes keep a quote from closing the value: none, one right before it, or any escaped character. */
  escapes: 'none' | 'before-quote' | 'pairs';
  /** Whether backticks quote a value like " and '. */
  backticks: boolean;
  /** A closing quote counts only if the rest of its line is blank or a comment (a regular expression backtracking). */
  closeEndsLine: boolean;
  /** A lone CR ends a line (Node drops it, docker compose keeps it in the value). */
  loneCr: boolean;
  /** After `NAME=` and nothing else on the line, a quoted value may start on a later line (dotenv's `\s*` crossing line breaks). */
  quoteOnLaterLine: boolean;
  /** What follows a closing quote on its line, unless a comment, is read as more statements. */
  readsAfterQuote: boolean;
}

const PLAIN = { skipsBom: false, escapes: 'none', backticks: false, closeEndsLine: false, loneCr: false, quoteOnLaterLine: false, readsAfterQuote: false } as const;

export const READERS: Record<'dotenv' | 'node' | 'node20' | 'python' | 'compose', Reader> = {
  // The dotenv package (and dotenvx, which parses the same way); `NAME: value` assigns too.
  dotenv: {
    ...PLAIN,
    head: /[ \t]*(?:export[ \t]+)?([\w.-]+)(?:[ \t]*=|:[ \t])[ \t]*/y,
    skipsBom: true,
    escapes: 'before-quote',
    backticks: true,
    closeEndsLine: true,
    loneCr: true,
    quoteOnLaterLine: true,
  },
  // Node's --env-file: the name is whatever comes before `=`, `export ` only with a space. The
  // leading look for an `=` on the line keeps a long line without one from backtracking for minutes.
  node: { ...PLAIN, head: /(?=[^=\r\n]*=)(?![ \t]*#)[ \t]*(?:export )?[ \t]*([^=\r\n]+?)[ \t]*=[ \t]*/y, backticks: true },
  // Node 20 trims spaces only: a tab around the name is part of it, a tab before the value starts it.
  node20: { ...PLAIN, head: /(?=[^=\r\n]*=)(?! *#) *(?:export )?([^=\r\n]+?) *= */y, backticks: true },
  python: { ...PLAIN, head: /[ \t]*(?:export[ \t]+)?([^=# \t\r\n\v\f]+)[ \t]*=[ \t]*/y, escapes: 'before-quote', loneCr: true },
  // docker compose; `NAME: value` assigns too.
  compose: { ...PLAIN, head: /[ \t]*(?:export[ \t]+)?([\w.[\]-]+)[ \t]*[=:][ \t]*/y, skipsBom: true, escapes: 'pairs', readsAfterQuote: true },
};

/** One statement that assigns a variable, as offsets into the text. */
export interface Assignment {
  name: string;
  /** 1-based line of the name. */
  line: number;
  /** Where that line starts. */
  start: number;
  /** The value: from its first character (an opening quote included) to after its closing quote, or for an unquoted value to before trailing blanks and a comment. */
  valueStart: number;
  valueEnd: number;
  /** The quote the value is in, if any. */
  quote: string | null;
  /** The end of the last line of the statement, before its line ending (or where a statement after it starts on that line). */
  end: number;
}

// A UTF-8 byte-order mark, read as latin1 (how files are edited) or as UTF-16.
export const BOM = /^(?:\xEF\xBB\xBF|\uFEFF)/;
const BLANK_OR_COMMENT = /[ \t]*(?:#[^\r\n]*)?(?:\r\n|\r|\n|$)/y;

/** Where the line holding `from` ends: before \n or \r\n, or a lone \r if `loneCr`. */
function lineEnd(text: string, from: number, loneCr = true): number {
  const m = loneCr ? /[\r\n]/g : /\r?\n/g;
  m.lastIndex = from;
  return m.exec(text)?.index ?? text.length;
}

function nextLine(text: string, end: number): number {
  if (end >= text.length) return text.length;
  return text.startsWith('\r\n', end) ? end + 2 : end + 1;
}

/** The offset of the quote closing the value opened at `open`, or -1 if this reader finds none. */
function closingQuote(text: string, open: number, reader: Reader): number {
  const quote = text[open]!;
  // Every quote the value could end at: escaped ones, up to the first that is not escaped.
  const candidates: number[] = [];
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && reader.escapes === 'pairs') {
      i++;
      continue;
    }
    if (c !== quote) continue;
    candidates.push(i);
    if (!(reader.escapes === 'before-quote' && text[i - 1] === '\\')) break;
  }
  // A regular expression takes the longest match, then backtracks to shorter ones: with only
  // escaped quotes left, the last of them closes the value.
  if (!reader.closeEndsLine) return candidates.at(-1) ?? -1;
  for (let k = candidates.length - 1; k >= 0; k--) {
    BLANK_OR_COMMENT.lastIndex = candidates[k]! + 1;
    if (BLANK_OR_COMMENT.test(text)) return candidates[k]!;
  }
  return -1;
}

/** A file as one reader sees it: where each statement starts (assignment or not), and the assignments. */
export interface View {
  starts: number[];
  assignments: Assignment[];
}

export function view(text: string, reader: Reader): View {
  const starts: number[] = [];
  const found: Assignment[] = [];
  const head = new RegExp(reader.head);
  const bom = BOM.exec(text)?.[0].length ?? 0;
  let start = 0;
  let line = 1;
  while (start < text.length) {
    starts.push(start);
    const from = start === 0 && reader.skipsBom ? bom : start;
    let end = lineEnd(text, from, reader.loneCr);
    // The next statement starts on the next line, or right after a closing quote.
    let midLine = false;
    head.lastIndex = from;
    const m = head.exec(text);
    if (m) {
      const name = m[1]!;
      let valueStart = from + m[0].length;
      if (reader.quoteOnLaterLine && valueStart === end) {
        const later = /[ \t\r\n\v\f]*(?=["'`])/y;
        later.lastIndex = valueStart;
        const skipped = later.exec(text);
        if (skipped && closingQuote(text, valueStart + skipped[0].length, reader) !== -1) valueStart += skipped[0].length;
      }
      const first = text[valueStart];
      const quoted = first === '"' || first === "'" || (first === '`' && reader.backticks);
      const close = quoted ? closingQuote(text, valueStart, reader) : -1;
      let valueEnd: number;
      if (close !== -1) {
        valueEnd = close + 1;
        end = lineEnd(text, valueEnd, reader.loneCr);
        if (reader.readsAfterQuote && !/^[ \t]*(?:#|$)/.test(text.slice(valueEnd, end))) {
          end = valueEnd;
          midLine = true;
        }
      } else {
        // Unquoted, or a quote never closed: the value is the rest of the line (or the line is
        // skipped), up to a comment after a blank (a `#` right after the value is the value's
        // to some readers, so it goes with it).
        const comment = /[ \t]#/.exec(text.slice(valueStart, end));
        valueEnd = comment ? valueStart + comment.index : end;
        while (comment && valueEnd > valueStart && (text[valueEnd - 1] === ' ' || text[valueEnd - 1] === '\t')) valueEnd--;
      }
      found.push({ name, line, start, valueStart, valueEnd, quote: close !== -1 ? first! : null, end });
    }
    for (let i = start; i < end; i++) if (text[i] === '\n' || (reader.loneCr && text[i] === '\r' && text[i + 1] !== '\n')) line++;
    if (midLine) {
      start = end;
    } else {
      start = nextLine(text, end);
      line++;
    }
  }
  return { starts, assignments: found };
}

/** Every assignment in `text`, in order, as `reader` sees the file. */
export function assignments(text: string, reader: Reader): Assignment[] {
  return view(text, reader).assignments;
}

/** The readers disagree about whether line `line` assigns the variable (a quote, backtick or backslash above it). */
export class AmbiguousEnvFile extends Error {
  constructor(
    readonly line: number,
    name: string,
  ) {
    super(`line ${line}: programs that read .env files disagree on whether it sets ${name} or is part of a quoted value above it`);
    this.name = 'AmbiguousEnvFile';
  }
}

/** `line` added at the end of a text file, on a line of its own, with the file's line ending. */
export function appendLine(text: string, line: string): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const separator = text === '' || text.endsWith('\n') ? '' : eol;
  return `${text}${separator}${line}${eol}`;
}

/** A value every reader takes as it is: no quotes, spaces, `#`, `$` or backslashes to interpret. */
const PLAIN_VALUE = /^[A-Za-z0-9_-]*$/;

export interface SetResult {
  text: string;
  /** Assignments whose value was replaced. */
  replaced: number;
  /** A line was added at the end (none that every reader sees was there). */
  appended: boolean;
  /** The values replaced, as they were (without their quotes), each once, in order. */
  previous: string[];
}

/**
 * `text` with every assignment of `name` set to `value` (readers take the last, so all are set),
 * and a line added at the end when not every reader sees one. Nothing else changes: other
 * lines, comments, the rest of the line after a value, line endings, a missing final newline.
 * Values keep " or ' quotes; backticks (not quotes to every reader) are dropped.
 * Throws AmbiguousEnvFile when the readers disagree about which lines assign `name`.
 */
export function setVariable(text: string, name: string, value: string): SetResult {
  if (!PLAIN_VALUE.test(value)) throw new Error('setVariable: the value must be [A-Za-z0-9_-]');
  const readers = Object.values(READERS);
  const views = readers.map((reader) => view(text, reader));
  // Also the name as a reader that keeps a byte-order mark, blanks or `export` in it sees it.
  const isName = (a: Assignment) => a.name.replace(BOM, '').replace(/^[ \t]*(?:export[ \t]+)?|[ \t]+$/g, '') === name;
  const targets = new Map<number, { valueStart: number; valueEnd: number; quote: string | null }>();
  for (const a of views.flatMap((v) => v.assignments.filter(isName))) {
    // A line some reader takes as assigning `name` must be a line of its own to every reader,
    // and no reader may start another statement among the lines its value spans.
    for (const v of views) {
      if (!v.starts.includes(a.start) || v.starts.some((s) => s > a.start && s <= a.end)) throw new AmbiguousEnvFile(a.line, name);
    }
    // The widest value any reader sees there: from the first blank one keeps (a tab, to Node 20)
    // to the last quote one takes as closing (another may stop at an escaped one).
    const seen = views.flatMap((v) => v.assignments.filter((b) => b.start === a.start && isName(b)));
    const valueEnd = Math.max(...seen.map((b) => b.valueEnd));
    const quote = seen.find((b) => b.valueEnd === valueEnd && b.quote)?.quote ?? null;
    targets.set(a.start, { valueStart: Math.min(...seen.map((b) => b.valueStart)), valueEnd, quote });
  }
  let out = '';
  let at = 0;
  for (const t of [...targets.values()].sort((x, y) => x.valueStart - y.valueStart)) {
    const w = written(text, t, value);
    out += text.slice(at, t.valueStart) + w.text;
    at = w.end;
  }
  out += text.slice(at);
  // Every reader must see one it takes by that very name: one that keeps a byte-order mark, or a
  // tab, in the name, or does not read `NAME: value`, gets a line of its own at the end.
  const appended = views.some((v) => !v.assignments.some((a) => a.name === name));
  const result = appended ? appendLine(out, `${name}=${value}`) : out;

  // Read the result back as every reader would: all other assignments as they were, and the last
  // one of `name` the new value. A failure here is a flaw of the edit above; refuse rather than write.
  const line = Math.min(...views.flatMap((v) => v.assignments.filter((a) => targets.has(a.start)).map((a) => a.line)), Infinity);
  const others = (source: string, list: Assignment[]) => list.filter((a) => !isName(a)).map((a) => `${a.name}=${source.slice(a.valueStart, a.valueEnd)}`);
  readers.forEach((reader, i) => {
    const now = view(result, reader).assignments;
    const last = now.filter((a) => a.name === name).at(-1);
    const lastValue = last && result.slice(last.valueStart, last.valueEnd).replace(/^(["'])(.*)\1$/, '$2');
    if (others(text, views[i]!.assignments).join('\n') !== others(result, now).join('\n') || (last && lastValue !== value)) {
      throw new AmbiguousEnvFile(Number.isFinite(line) ? line : 1, name);
    }
  });
  const previous = [...targets.values()].map((t) => text.slice(t.valueStart, t.valueEnd).replace(/[ \t]+$/, '').replace(/^(["'`])(.*)\1$/s, '$2'));
  return { text: result, replaced: targets.size, appended, previous: [...new Set(previous)] };
}

/**
 * The new value in place of the old one: in the old quotes if " or ' (every reader takes those),
 * else unquoted (backticks quote only to some readers; adding quotes could close another
 * reader's runaway quoted value). Tabs between it and a comment become spaces: docker compose
 * ends an unquoted value only at " #", Node 20 keeps a tab in it. Returns the text and where the
 * replaced part ends.
 */
function written(text: string, target: { valueEnd: number; quote: string | null }, value: string): { text: string; end: number } {
  if (target.quote === '"' || target.quote === "'") return { text: `${target.quote}${value}${target.quote}`, end: target.valueEnd };
  const blanks = /^[ \t]+(?=#)/.exec(text.slice(target.valueEnd, lineEnd(text, target.valueEnd)))?.[0] ?? '';
  return { text: value + blanks.replace(/\t/g, ' '), end: target.valueEnd + blanks.length };
}

// Text the tool did not write: API messages and headers, proxy and URL text, what the state file
// holds, and the person's own flags and environment values when an error echoes them. Any of it
// may carry terminal escapes (an OSC 52 clipboard write, a screen clear, a link), C1 controls,
// bidi overrides that reorder what is read, newlines that forge a line of our own, credentials in
// a URL, or megabytes of text. It is shown only after passing through here.
import { redact } from '../keys/redact.js';
import { controlChars, mayHoldUnsafe, replaceUnsafeChars, UNSAFE_CHAR } from './unsafe-char.js';

/** The longest untrusted text shown or stored, in characters (an ellipsis marks the cut). */
export const MAX_UNTRUSTED_LENGTH = 500;

// Line breaks of every kind, NEL (U+0085) and the Unicode line and paragraph separators included.
// Tried only where a run of blanks starts: tried inside a long run with no break after it, each
// try went over the rest of the run (quadratic).
const LINE_BREAKS = /(?<![ \t])[ \t]*(?:[\r\n\u0085\u2028\u2029][ \t]*)+/g;
// What must not reach a terminal raw (unsafe-char.ts): the one class that everything here that
// shows text, and shell.ts's quoting, use.
export { hasUnsafeChar, UNSAFE_CHAR } from './unsafe-char.js';
const CONTROL_CHARS = controlChars();
// Where a URL starts in a text: its `://`, the scheme looked for behind it (a match begun at every
// word of a long run of scheme characters, `a.a.a.…`, went over the rest of the run each time:
// quadratic).
const URL_START = /:\/\/(?<=\b[a-z][a-z0-9+.-]*:\/\/)/gi;
// The end of a URL's authority as people type it: a password may hold "/" (`alice:p@ss/w0rd@proxy`,
// which a URL parser reads as the host "ss" and a path), so only a blank, "?" or "#" ends it.
const AUTHORITY_END = /[\s?#]/g;
// A login: an "@" before the first "/" (`https://host/v1/@scope` has none, and stays).
const LOGIN_START = /[^\s?#/@]*@/y;
// Past a "/", what a password is not made of but text around a URL is: a list's comma, a JSON
// string's quote (`upstream=http://svc:pw@backend/v1/chat,owner=ops@corp`: the login ends at
// `pw@`, not at the owner's "@").
const PAST_PATH_END = /[,;&"'<>()[\]{}|\\]/g;

/**
 * `find(place)` (the first place at or after it where something is, -1: none) for places that only
 * grow: what was found is kept while it is still ahead, so each part of the text is looked over
 * once. None: Infinity.
 */
function nextFrom(find: (place: number) => number): (place: number) => number {
  let found = -1;
  return (place) => {
    if (found < place) {
      const at = find(place);
      found = at === -1 ? Infinity : at;
    }
    return found;
  };
}

/**
 * `scheme://user:password@` anywhere in a text (a log line, an error) without the login: where an
 * "@" comes before the first "/", everything from `://` to the last "@" before the query, the
 * fragment or a blank, so that no part of a password holding "@" or "/" is left. A path's "@" after a login (`https://u:p@host/users/@me`) takes the path with it (shown
 * `https://me`): no rule tells it from a password ending in "/" (`u:p@ss/@proxy`), and of the two
 * readings the one that shows no part of a password is taken. One pass: each URL is read once.
 */
export function withoutUrlLogins(text: string): string {
  let out = '';
  let shown = 0;
  // Read up to here: a `://` inside an authority already read starts no URL of its own.
  let read = 0;
  // The first "@", end of an authority or mark past a path at or after a place: each looked for
  // once (nextFrom), as the places asked for only grow. Looked for from each URL, one not there
  // went over the rest of the text every time (quadratic).
  const atFrom = nextFrom((place) => text.indexOf('@', place));
  const authorityEndFrom = nextFrom((place) => ((AUTHORITY_END.lastIndex = place), AUTHORITY_END.exec(text)?.index ?? -1));
  const pastPathEndFrom = nextFrom((place) => ((PAST_PATH_END.lastIndex = place), PAST_PATH_END.exec(text)?.index ?? -1));
  for (const m of text.matchAll(URL_START)) {
    const start = m.index + 3;
    if (start <= read) continue;
    LOGIN_START.lastIndex = start;
    if (!LOGIN_START.test(text)) continue;
    let end = Math.min(authorityEndFrom(start), text.length);
    const slash = text.indexOf('/', start);
    if (slash !== -1 && slash < end) end = Math.min(end, pastPathEndFrom(slash));
    read = end;
    let login = -1;
    for (let at = atFrom(start); at < end; at = atFrom(at + 1)) login = at;
    if (login !== -1) {
      out += text.slice(shown, start);
      shown = login + 1;
    }
  }
  return shown === 0 ? text : out + text.slice(shown);
}

/**
 * The passwords of the URLs in `values` (the base URL, the proxy variables, the command line), as
 * the URL holds them (percent-encoded) and decoded: for withoutPasswords.
 */
export function urlPasswords(values: ReadonlyArray<string | undefined>): string[] {
  const found = new Set<string>();
  for (const value of values) {
    for (const [candidate] of (value ?? '').matchAll(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi)) {
      let password: string;
      try {
        password = new URL(candidate).password;
      } catch {
        continue;
      }
      if (!password) continue;
      found.add(password);
      try {
        found.add(decodeURIComponent(password));
      } catch {
        // A "%" that escapes nothing: the password as it is.
      }
    }
  }
  return [...found].sort((a, b) => b.length - a.length);
}

/**
 * `text` without `passwords` (urlPasswords), each shown as "…" where it is a quoted value or
 * follows a user name (`password: 'pw'`, `auth: 'me:pw'`: a URL, a request's options as Node
 * prints them). Nowhere else: a password is often a word (`continue`), and taken out anywhere it
 * took words out of the prompts' text, or letters out of a terminal's escape sequence.
 */
export function withoutPasswords(text: string, passwords: readonly string[]): string {
  let out = text;
  for (const password of passwords) {
    if (out.includes(password)) out = out.replace(new RegExp(`(?<=['"\`:])${password.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}(?=['"\`@])`, 'g'), '\u2026');
  }
  return out;
}

/** `\x1b`, `\u202e`, `\u{e0041}`: a character that must not reach a terminal, as text a person can read. */
function escaped(ch: string): string {
  const code = ch.codePointAt(0)!;
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  return code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\u{${code.toString(16)}}`;
}

// Half of a surrogate pair on its own (JSON lets a server send `\ud800`): no character, and a
// --json document holding one is refused by strict readers (jq: "Invalid \uXXXX\uXXXX surrogate
// pair escape"). With the u flag, the class matches only a surrogate that is half of no pair.
const LONE_SURROGATE = /[\ud800-\udfff]/gu;

/** Every half of a surrogate pair on its own as U+FFFD, as a UTF-8 decoder shows bytes that are no character. */
function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd');
}

/** The first `max` UTF-16 units, or one fewer where the cut would split a pair (half a pair is no character). */
function head(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

/** Cut to `max` characters with an ellipsis, never in the middle of a surrogate pair. */
function bounded(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** Line breaks and tabs as a space: what no line of text holds. */
function oneLine(text: string): string {
  return text.replace(LINE_BREAKS, ' ').replace(/\t/g, ' ');
}

// Blanks: a tab, a line break of any kind, every space character (Zs: the no-break space, the en
// quad to the hair space, the ideographic space…) and the braille blank (U+2800, a symbol drawn as
// an empty cell). What is shown as nothing (a zero-width space, a Hangul filler) is no blank: it is
// shown escaped (UNSAFE_CHAR). One class, a run at a time: linear on any text.
const BLANKS = /[\t\n\r\u0085\u2028\u2029\u2800\p{Zs}]+/gu;

/**
 * One line with every run of blanks one space. In text from elsewhere a run is no layout of its
 * own, and one as wide as the terminal puts the words after it at the start of a screen row, where
 * they read as a line of ours ("✔ The key works and can spend."). Not for the tool's own text
 * (sanitize): its label columns and the two spaces before a command are its layout.
 */
function oneSpaced(text: string): string {
  return text.replace(BLANKS, ' ');
}

/**
 * Untrusted text made safe to show on one line: line breaks become a space, control characters
 * (C0, DEL, C1), bidi controls and every character shown as nothing (zero-width, soft hyphen,
 * tags…) are shown escaped (`\x1b`, `\u200b`) but where they are part of ordinary text (an
 * emoji's variation selector or joiner, an ideographic variant: UNSAFE_CHAR), URLs lose their user
 * name and password, and the whole is bounded to `max` characters.
 */
export function sanitize(text: string, max: number = MAX_UNTRUSTED_LENGTH): string {
  return bounded(withoutUrlLogins(replaceUnsafeChars(oneLine(wellFormed(text)), escaped)), max);
}

/**
 * Text from the network: `sanitize`d, every run of blanks one space, with every piece of the
 * given secrets masked (a server may quote the key, whole, without its prefix, in parts, or with
 * invisible characters between its letters, which redact() reads through). Cut first, so that
 * megabytes cost nothing.
 */
export function untrusted(text: string, secrets: ReadonlyArray<string | undefined>, max: number = MAX_UNTRUSTED_LENGTH): string {
  return sanitize(oneSpaced(redact(head(text, max * 4), secrets)), max);
}

/**
 * Text from the network that is data as well as shown (a name the Admin API gave, which a --json
 * document carries): as `untrusted`, one line, every run of blanks one space, bounded, secrets
 * masked, control characters shown escaped (`\x1b`), but every invisible character kept as it is.
 * What shows it escapes those (the terminal's neutralise, promptText), and jsonText writes one as
 * a JSON escape, which a reader decodes back to it: escaped here, the document would hold
 * `\u200b` as six characters of the name. A control character is no part of a name, and one kept
 * raw (an escape starting a colour or a concealment, which neutralise cannot tell from the
 * terminal's own) must not reach a screen.
 */
export function untrustedData(text: string, secrets: ReadonlyArray<string | undefined>, max: number = MAX_UNTRUSTED_LENGTH): string {
  return bounded(withoutUrlLogins(oneSpaced(wellFormed(redact(head(text, max * 4), secrets))).replace(CONTROL_CHARS, escaped)), max);
}

/** `sanitize` for a value that may be absent. */
export function sanitizeNullable(text: string | null | undefined, max?: number): string | null {
  return text === null || text === undefined ? null : sanitize(text, max);
}

/**
 * A URL (or a proxy value without a scheme) as it may be shown: no user name or password. A value
 * that is not a valid URL loses everything up to its last "@", wherever it is, so no part of a password with "@", "/" or "#" in it is ever shown.
 */
export function withoutCredentials(url: string): string {
  // Quote marks a .env line left around it (refused as such: HttpUrlSchema) are shown as they are.
  const quote = /^["'`\u2018\u2019\u201c\u201d]*/.exec(url)![0];
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url.slice(quote.length))?.[0] ?? '';
  let valid = false;
  try {
    valid = scheme !== '' && new URL(url).host !== '';
  } catch {
    valid = false;
  }
  // In a valid URL the userinfo ends at the last "@" before the query or fragment when there is an
  // "@" before the path: a password with "@" and "/" in it (`alice:p@ss/w0rd@proxy`) parses as the
  // host "ss" and a path, and goes whole all the same.
  if (valid) return withoutUrlLogins(url);
  // Not a URL: "?", "#" and blanks may be part of the password too: up to the last "@" goes.
  const at = url.lastIndexOf('@');
  return at === -1 ? url : `${quote}${scheme}${url.slice(at + 1)}`;
}

/** The longest path a message shows, in characters (an ellipsis marks the cut). */
const MAX_PATH_SHOWN = 200;

/**
 * A path in a message: one safe line of bounded length (a line break in a name becomes a space,
 * an escape or other control character is shown escaped), so that no file name can forge a line
 * of output. Never for a command to type: that takes the exact path, quoted (shell.ts quotedWord,
 * edit.ts shellPath).
 */
export function pathLine(path: string): string {
  return sanitize(path, MAX_PATH_SHOWN);
}

/**
 * A value of the person's own (a flag, an environment variable, an answer) as an error quotes it:
 * like `sanitize`, but a line break or tab is shown escaped too (`\x0d\x0a`), since it may be the
 * mistake; anything key-shaped masked (a key pasted in the wrong place), before it is cut.
 */
export function shownValue(value: string, max = 200): string {
  return bounded(redact(withoutUrlLogins(replaceUnsafeChars(withoutCredentials(wellFormed(value)), escaped))), max);
}

/**
 * JSON.stringify for --json output, with every character a terminal could act on escaped (JSON's
 * own `\u…`, which a reader decodes back: the document carries the real string), and half a
 * surrogate pair, whatever let it through, as U+FFFD (a strict reader refuses the document).
 */
export function jsonText(value: unknown): string {
  // JSON.stringify escapes C0 inside strings: a raw line break is its own layout, and stays.
  // A character beyond U+FFFF (a tag) as its two UTF-16 units, the only way JSON writes one escaped.
  const json = JSON.stringify(value, (_name, v: unknown) => (typeof v === 'string' ? wellFormed(v) : v), 2);
  // Nor a raw tab (its indent is spaces).
  return replaceUnsafeChars(json, (ch) => (ch === '\n' ? ch : ch.split('').map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')), 'layout kept');
}

// The SGR sequences the terminal's style writes (output.ts, chalk's named styles): bold and dim
// (1, 2, off 22), underline (4, off 24), red, green, yellow, cyan (31-33, 36, off 39). No other
// escape sequence is the tool's: any other SGR (8 conceals the rest of the line, 7 reverses it, 0
// resets, a background) came in text it did not write.
const OWN_SGR = String.raw`\x1b\[(?:1|2|4|22|24|3[1-3]|36|39)m`;
const OWN_SGRS = new RegExp(OWN_SGR, 'g');
// In the terminal's own output: one of those, or an unsafe character.
const OWN_SGR_OR_UNSAFE = new RegExp(`${OWN_SGR}|${UNSAFE_CHAR.source}`, 'gu');

/**
 * The last line of defence, applied to every line the terminal writes: any control character
 * other than a newline, a tab and the colour the tool writes is shown escaped, whatever let it
 * through (an SGR in text from elsewhere too: text is made safe before it is coloured, so its
 * escapes are shown escaped already and a raw one here is not its).
 */
export function neutralise(text: string): string {
  // The colours taken out, what is left is looked at as the replace below reads it (each of them is
  // matched at the same places there, left to right): with nothing unsafe but the layout, the line stays.
  if (!mayHoldUnsafe(text.replace(OWN_SGRS, ''), 'layout kept')) return text;
  return text.replace(OWN_SGR_OR_UNSAFE, (found) => (found.startsWith('\x1b[') || found === '\n' || found === '\t' ? found : escaped(found)));
}

/** `text` with its first letter a capital, for a clause said as a sentence. */
export function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

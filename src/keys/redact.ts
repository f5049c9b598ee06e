// Secrets out of any text that may be shown or stored: the known keys (whole, or any long piece of
// one), and anything shaped like a key.
import { UNSAFE_INLINE_CHAR } from '../terminal/unsafe-char.js';
import { maskKey } from './format.js';

// Anything that looks like an OpenAI secret key, wherever it appears in a text.
// Open-ended repeats are written `{n}…*`, never `{n,}`: V8 keeps a backtrack entry per character
// of an `{n,}` loop, and a run of a few million key characters (a 16 MB answer may hold one)
// overflows its stack ("Maximum call stack size exceeded"); `*` and `+` loops have no such limit.
const KEY_PATTERN = /sk-[A-Za-z0-9_-]{16}[A-Za-z0-9_-]*/g;
// A key quoted without its `sk-`: the project/service-account/admin body, or any token around
// `T3BlbkFJ` (base64 of "OpenAI"), which sits in the middle of every key the platform issues.
// The marker in any case: a host name, a proxy or a log may have lower- or upper-cased the key.
// Tried only where a run of key characters starts: tried at every place inside a long run, the
// search for the marker went over the rest of the run each time (quadratic: a 40,000-character
// run took seconds). A run holds a match iff one starting where it starts does, so none is lost.
const BARE_KEY_PATTERN = /(?<![A-Za-z0-9_-])(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{40}[A-Za-z0-9_-]*|[A-Za-z0-9_-]{8}[A-Za-z0-9_-]*[Tt]3[Bb][Ll][Bb][Kk][Ff][Jj][A-Za-z0-9_-]{8}[A-Za-z0-9_-]*)/g;
// The API echoes a wrong key as `sk-proj-*****…*****21sA` ("Incorrect API key provided: …"): shorten the stars
// (what is around them stays as it is; looking for it from every place made a long text slow).
const ECHOED_MASK = /\*{6}\**/g;
// What the eye skips in a key on the screen, and a copy may lose: a character shown as nothing or
// escaped (unsafe-char.ts), and an escape as the tool shows one (`\u200b`, `\x1b`, `\u{e0041}`),
// which the text may hold already (the terminal masks its lines after neutralise() escaped them).
// Not a line break or a tab: each shows as a space, which splits a key where anyone can see it.
const SKIPPED = new RegExp(`${UNSAFE_INLINE_CHAR.source}|\\\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|u\\{[0-9a-fA-F]{1,6}\\})`, 'gu');
const KEY_PREFIXES = ['sk-proj-', 'sk-svcacct-', 'sk-admin-', 'sk-None-', 'sk-'];

/** The shortest piece of a known secret that is masked wherever it appears (its body, a half of it…). */
export const MIN_SECRET_FRAGMENT = 12;
/** A shorter secret is not looked for (it would mask ordinary words); one shorter than MIN_SECRET_FRAGMENT only whole. */
const MIN_SECRET_LENGTH = 8;

/**
 * `sk-…` glued to a word (`xsk-proj-…`) is a key only when it looks random (upper and lower case
 * and digits); otherwise it is ordinary text such as `task-management-…`.
 */
function keyShaped(match: string, offset: number, text: string): boolean {
  if (offset === 0 || !/[A-Za-z0-9_]/.test(text[offset - 1]!)) return true;
  return /[A-Z]/.test(match) && /[a-z]/.test(match.slice(3)) && /[0-9]/.test(match);
}

/**
 * A piece of `secret` as it may be shown: its key prefix if it starts the piece, its last four if it
 * ends it (as maskKey shows them: not of a secret under 20 characters), both as `copy` (the piece
 * as the text has it, in its case) spells them.
 */
function fragmentMask(secret: string, start: number, end: number, copy: string): string {
  const prefix = start === 0 ? (KEY_PREFIXES.find((p) => secret.startsWith(p) && end >= p.length)?.length ?? 0) : 0;
  const tail = end === secret.length && secret.length >= 20 && end - start >= MIN_SECRET_FRAGMENT + 4 ? copy.slice(-4) : '';
  return `${copy.slice(0, prefix)}…${tail}`;
}

/**
 * `text` with A-Z as a-z and nothing else changed: as long as `text`, so that a place in one is
 * the same place in the other (String#toLowerCase changes the length of a few letters, like İ;
 * it alone is used on ASCII text, as it is several times faster than a replace).
 */
function foldCase(text: string): string {
  return /[^\x00-\x7f]/.test(text) ? text.replace(/[A-Z]+/g, (upper) => upper.toLowerCase()) : text.toLowerCase();
}

/**
 * Where pieces of at least MIN_SECRET_FRAGMENT characters of `secret` (all of a shorter one) are in
 * `text`, in any case (a host name is lower-cased, and a log or proxy may change case): each as
 * [start, end) in `text` and [from, to) in `secret`. One pass over `text`: each place is looked up
 * once, and a run, once found, is followed to its end and never read again.
 */
function* fragmentsIn(text: string, secret: string): Generator<[start: number, end: number, from: number, to: number]> {
  const n = Math.min(MIN_SECRET_FRAGMENT, secret.length);
  if (n < MIN_SECRET_LENGTH || text.length < n) return;
  const folded = foldCase(text);
  const key = foldCase(secret);
  // Where each n-character piece of the secret starts in it (the first place is enough to say
  // which part of the key a run of text came from).
  const pieces = new Map<string, number>();
  for (let i = key.length - n; i >= 0; i--) pieces.set(key.slice(i, i + n), i);
  for (let i = 0; i + n <= folded.length; ) {
    const from = pieces.get(folded.slice(i, i + n));
    if (from === undefined) {
      i++;
      continue;
    }
    // Extend the run while the text keeps following the secret.
    let end = i + n;
    let to = from + n;
    while (end < folded.length && to < key.length && folded[end] === key[to]) {
      end++;
      to++;
    }
    yield [i, end, from, to];
    i = end;
  }
}

// What may stand between the characters of a key a server sends back in pieces (`sk-proj-Ab Cd…`,
// `s.k.-.p.r.o.j`, a comma, a line break, a zero-width space): blanks, punctuation a list or a
// separator is written with, and characters shown as nothing. Read past in the text and in each
// form of the key alike (a key's own `-` and `_` too, and base64's `+`, `/` and `=`), so that the
// two are compared letter for letter.
const SEPARATOR = /[\s\p{Z}\p{Cf}\p{Default_Ignorable_Code_Point}.,;:|/\\+'"`_~=()[\]{}<>-]/u;
const ASCII_SEPARATOR: boolean[] = Array.from({ length: 128 }, (_, code) => SEPARATOR.test(String.fromCharCode(code)));
const HEX = /^[0-9a-fA-F]{2}$/;
const CHARACTER_REFERENCE = /^&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));/;

function isSeparator(ch: string): boolean {
  const code = ch.charCodeAt(0);
  return code < 128 ? ASCII_SEPARATOR[code]! : SEPARATOR.test(ch);
}

/**
 * `text` with the separators out and `%6b` and `&#107;` read as the letter they stand for
 * (`letters`, in its case; `folded`, as foldCase gives it), and where each of its characters is in
 * `text`: [starts[i], ends[i]). Linear: kept runs are sliced whole.
 */
function lettersOf(text: string): { letters: string; folded: string; starts: Int32Array; ends: Int32Array } {
  // One loop, no string made for each character: the letters' UTF-16 units, decoded at the end.
  const units = new Uint16Array(text.length);
  const starts = new Int32Array(text.length);
  const ends = new Int32Array(text.length);
  let count = 0;
  const keep = (letter: string, start: number, end: number) => {
    for (let unit = 0; unit < letter.length; unit++) {
      units[count] = letter.charCodeAt(unit);
      starts[count] = start;
      ends[count++] = end;
    }
  };
  for (let i = 0; i < text.length; ) {
    const code = text.charCodeAt(i);
    if (code < 128 && code !== 0x25 && code !== 0x26) {
      if (!ASCII_SEPARATOR[code]) {
        units[count] = code;
        starts[count] = i;
        ends[count++] = i + 1;
      }
      i++;
      continue;
    }
    let next = i + 1;
    let letter: string | null = null;
    if (code === 0x25 && HEX.test(text.slice(i + 1, i + 3))) {
      letter = String.fromCharCode(parseInt(text.slice(i + 1, i + 3), 16));
      next = i + 3;
    } else if (code === 0x26 && text[i + 1] === '#') {
      const m = CHARACTER_REFERENCE.exec(text.slice(i, i + 12));
      const point = m ? parseInt(m[1] ?? m[2]!, m[1] ? 16 : 10) : NaN;
      if (m && point <= 0x10ffff) {
        letter = String.fromCodePoint(point);
        next = i + m[0].length;
      }
    } else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      next = i + 2;
    }
    const ch = letter ?? text.slice(i, next);
    if (!isSeparator(ch)) keep(ch, i, next);
    i = next;
  }
  const letters = new TextDecoder('utf-16le').decode(units.subarray(0, count));
  return { letters, folded: foldCase(letters), starts, ends };
}

// How much of a text is read through separators: far more than any line shows or stores (untrusted
// text is cut to a few thousand characters before it is masked, redactedExcerpt shows 4,000), and
// a bound on the work on the megabytes an answer may hold.
const MAX_SEPARATED_TEXT = 64 * 1024;

// A rolling hash of MIN_SECRET_FRAGMENT characters (polynomial, modulo 2^32): each place of a long
// text looked up without a string made for it.
const HASH_BASE = 131;
const HASH_DROP = Array.from({ length: MIN_SECRET_FRAGMENT - 1 }).reduce<number>((power) => Math.imul(power, HASH_BASE), 1);
function hashOf(text: string, start: number): number {
  let hash = 0;
  for (let i = start; i < start + MIN_SECRET_FRAGMENT; i++) hash = (Math.imul(hash, HASH_BASE) + text.charCodeAt(i)) | 0;
  return hash;
}

/**
 * The forms a server may send `secret` back in, separators out, case folded: the key itself, the
 * key reversed, and its base64 (or base64url: the same once `+/-_` are read past) at each of the
 * three places it may start in a longer encoded text, only the groups of four its bytes alone decide.
 */
function secretForms(secret: string): { form: string; spelled: boolean }[] {
  const letters = (text: string) => lettersOf(text).letters;
  const forms = [{ form: letters(secret), spelled: true }, { form: letters([...secret].reverse().join('')), spelled: false }];
  for (let shift = 0; shift < 3; shift++) {
    const bytes = Buffer.from(secret.slice(shift), 'utf8');
    const whole = Math.floor(bytes.length / 3) * 3;
    forms.push({ form: letters(bytes.subarray(0, whole).toString('base64')), spelled: false });
  }
  return forms.filter(({ form }) => form.length >= MIN_SECRET_FRAGMENT);
}

interface SecretLookup {
  forms: { form: string; spelled: boolean; secret: string; folded: string }[];
  /** Each piece of MIN_SECRET_FRAGMENT letters of the forms, by its hash: [form, where in it]. */
  pieces: Map<number, [form: number, from: number][]>;
}

// The lookup of the secrets the last text was masked against: a run masks all its text against the
// same key or two, and making it (five forms of a key, every piece of them hashed) took longer
// than masking a line.
let lastLookup: { secrets: string; lookup: SecretLookup } | null = null;

function lookupOf(secrets: readonly string[]): SecretLookup {
  const id = JSON.stringify(secrets);
  if (lastLookup?.secrets === id) return lastLookup.lookup;
  const n = MIN_SECRET_FRAGMENT;
  const forms = secrets.flatMap((secret) => secretForms(secret).map((form) => ({ ...form, secret, folded: foldCase(form.form) })));
  const pieces: SecretLookup['pieces'] = new Map();
  forms.forEach(({ folded }, f) => {
    for (let i = 0; i + n <= folded.length; i++) {
      const hash = hashOf(folded, i);
      const same = pieces.get(hash);
      if (!same) pieces.set(hash, [[f, i]]);
      else if (!same.some(([g, from]) => forms[g]!.folded.startsWith(folded.slice(i, i + n), from))) same.push([f, i]);
    }
  });
  lastLookup = { secrets: id, lookup: { forms, pieces } };
  return lastLookup.lookup;
}

/**
 * Each place a piece of at least MIN_SECRET_FRAGMENT letters of one of `secrets`' forms is in
 * `text` with separators between its letters (or `%6b`, `&#107;`): [start, end) in `text`, what
 * masks it. One pass over the text's letters, every form of every secret looked up at once.
 */
function* separatedIn(whole: string, secrets: readonly string[]): Generator<Span> {
  const n = MIN_SECRET_FRAGMENT;
  const text = whole.length > MAX_SEPARATED_TEXT ? whole.slice(0, MAX_SEPARATED_TEXT) : whole;
  if (text.length < n) return;
  const { forms, pieces } = lookupOf(secrets);
  if (forms.length === 0) return;
  const { letters, folded, starts, ends } = lettersOf(text);
  if (folded.length < n) return;
  let hash = hashOf(folded, 0);
  for (let i = 0; i + n <= folded.length; ) {
    const hit = pieces.get(hash)?.find(([f, from]) => folded.startsWith(forms[f]!.folded.slice(from, from + n), i));
    if (hit === undefined) {
      if (i + n < folded.length) hash = (Math.imul(hash - Math.imul(folded.charCodeAt(i), HASH_DROP), HASH_BASE) + folded.charCodeAt(i + n)) | 0;
      i++;
      continue;
    }
    const [f, from] = hit;
    const form = forms[f]!;
    let end = i + n;
    let to = from + n;
    while (end < folded.length && to < form.folded.length && folded[end] === form.folded[to]) {
      end++;
      to++;
    }
    // A key shown as maskKey shows it: its prefix when the piece starts it, its last four when it ends it.
    let mask = '…';
    if (form.spelled) {
      const prefix = from === 0 ? (KEY_PREFIXES.find((p) => form.secret.startsWith(p)) ?? '') : '';
      const tail = to === form.form.length && form.form.length >= 20 && end - i >= MIN_SECRET_FRAGMENT + 4 ? letters.slice(end - 4, end) : '';
      mask = `${prefix}…${tail}`;
    }
    yield { start: starts[i]!, end: ends[end - 1]!, mask };
    i = end;
    if (i + n <= folded.length) hash = hashOf(folded, i);
  }
}

/** Every piece of the secrets sent back with separators between its letters, reversed, or in base64. */
function separatedSecrets(secrets: readonly string[]): Pass {
  return (text) => [...separatedIn(text, secrets)];
}

/** Does `text` hold `secret`, or a piece of it that redact() masks, in any case (read as redact() reads it)? */
export function holdsSecret(text: string, secret: string): boolean {
  const read = readAs(text).read;
  const key = secret.replace(SKIPPED, '');
  return !fragmentsIn(read, key).next().done || (key.length >= MIN_SECRET_FRAGMENT && !separatedIn(read, [key]).next().done);
}

/** What replaces [start, end) of a text. */
interface Span {
  start: number;
  end: number;
  mask: string;
}
/** One way of finding what to mask in a text: its places, in order and apart. */
type Pass = (text: string) => Span[];

/** Each place `secret` is whole in `text`, masked as maskKey shows it. */
function wholeSecret(secret: string): Pass {
  const mask = maskKey(secret);
  return (text) => {
    const spans: Span[] = [];
    for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + secret.length)) spans.push({ start: at, end: at + secret.length, mask });
    return spans;
  };
}

/** Every piece of at least MIN_SECRET_FRAGMENT characters of `secret` (all of a shorter one), in any case. */
function secretFragments(secret: string): Pass {
  return (text) => [...fragmentsIn(text, secret)].map(([start, end, from, to]) => ({ start, end, mask: fragmentMask(secret, from, to, text.slice(start, end)) }));
}

/** Each match of a global `pattern` that `mask` gives a mask for (null: leave it). */
function matched(pattern: RegExp, mask: (match: string, offset: number, text: string) => string | null): Pass {
  return (text) => {
    const spans: Span[] = [];
    for (const m of text.matchAll(pattern)) {
      const replacement = mask(m[0], m.index, text);
      if (replacement !== null) spans.push({ start: m.index, end: m.index + m[0].length, mask: replacement });
    }
    return spans;
  };
}

const SHAPED_KEYS = matched(KEY_PATTERN, (m, offset, whole) => (keyShaped(m, offset, whole) ? maskKey(m) : null));
const BARE_KEYS = matched(BARE_KEY_PATTERN, (m) => `…${m.slice(-4)}`);
const ECHOED_MASKS = matched(ECHOED_MASK, () => '…');

/**
 * `text` as a person reads it (`read`: the SKIPPED characters out), and where each character of
 * `read` is in `text` (`at`).
 */
function readAs(text: string): { read: string; at: (index: number) => number } {
  // Each run of `text` kept whole: where it starts in `read`, and in `text` (flat arrays of numbers:
  // a long text may hold millions of runs).
  const readStarts: number[] = [];
  const textStarts: number[] = [];
  let length = 0;
  let last = 0;
  for (const m of text.matchAll(SKIPPED)) {
    if (m.index > last) {
      readStarts.push(length);
      textStarts.push(last);
      length += m.index - last;
    }
    last = m.index + m[0].length;
  }
  if (last === 0) return { read: text, at: (index) => index };
  readStarts.push(length);
  textStarts.push(last);
  return {
    read: text.replace(SKIPPED, ''),
    at(index) {
      let [low, high] = [0, readStarts.length - 1];
      while (low < high) {
        const mid = (low + high + 1) >> 1;
        if (readStarts[mid]! <= index) low = mid;
        else high = mid - 1;
      }
      return textStarts[low]! + index - readStarts[low]!;
    },
  };
}

/**
 * A part of the text being masked: its text now, and the part [from, to) of the text as read that
 * it stands for. `kept` while it is that part unchanged; a mask, or a piece of one, stands for all
 * it replaced.
 */
interface Piece {
  text: string;
  from: number;
  to: number;
  kept: boolean;
}

/** [start, end) of a piece's text, as a piece. */
function pieceOf(piece: Piece, start: number, end: number): Piece {
  return piece.kept ? { text: piece.text.slice(start, end), from: piece.from + start, to: piece.from + end, kept: true } : { ...piece, text: piece.text.slice(start, end) };
}

/** `pieces` (the text they make, in order) with each of `spans` (in order, apart) replaced by its mask. */
function masked(pieces: Piece[], spans: Span[]): Piece[] {
  const out: Piece[] = [];
  let at = 0;
  let next = 0;
  // The mask of spans[next] once its start is passed.
  let open: Piece | null = null;
  for (const piece of pieces) {
    const end = at + piece.text.length;
    let done = 0;
    for (;;) {
      if (!open) {
        const span = spans[next];
        if (!span || span.start >= end) break;
        const start = span.start - at;
        if (start > done) out.push(pieceOf(piece, done, start));
        open = { text: span.mask, from: piece.kept ? piece.from + start : piece.from, to: piece.to, kept: false };
        done = start;
      }
      const stop = spans[next]!.end - at;
      if (stop > piece.text.length) {
        done = piece.text.length;
        break;
      }
      open.to = piece.kept ? piece.from + stop : piece.to;
      out.push(open);
      open = null;
      next++;
      done = stop;
    }
    if (done < piece.text.length) out.push(pieceOf(piece, done, piece.text.length));
    at = end;
  }
  return out;
}

/**
 * Remove every secret from a text that may be shown or stored (SDK errors can quote the key). The
 * text is searched as it is read: a key with invisible characters or escapes between its letters
 * (`s\u200bk\u200b-…`) is a key, and is masked with them; those elsewhere stay, to be shown escaped.
 */
export function redact(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
  const passes: Pass[] = [];
  const known: string[] = [];
  for (const given of secrets) {
    const secret = given?.replace(SKIPPED, '');
    if (secret && secret.length >= MIN_SECRET_LENGTH) passes.push(wholeSecret(secret), secretFragments(secret));
    if (secret && secret.length >= MIN_SECRET_FRAGMENT) known.push(secret);
  }
  if (known.length > 0) passes.push(separatedSecrets(known));
  passes.push(SHAPED_KEYS, BARE_KEYS, ECHOED_MASKS);
  const { read, at } = readAs(text);
  if (read === '') return text;
  let pieces: Piece[] = [{ text: read, from: 0, to: read.length, kept: true }];
  for (const pass of passes) {
    const spans = pass(pieces.length === 1 ? pieces[0]!.text : pieces.map((piece) => piece.text).join(''));
    if (spans.length > 0) pieces = masked(pieces, spans);
  }
  if (read === text) return pieces.map((piece) => piece.text).join('');
  // Back to the text as it is: a kept piece with the characters skipped inside it, a mask without
  // them (they were part of the key), and those between two pieces as they were.
  let out = '';
  let shown = 0;
  for (const piece of pieces) {
    const [start, end] = [at(piece.from), at(piece.to - 1) + 1];
    if (start >= shown) out += text.slice(shown, start);
    out += piece.kept ? text.slice(start, end) : piece.text;
    shown = Math.max(shown, end);
  }
  return out + text.slice(shown);
}

/** The most of one line of text the tool did not write that the DEBUG log shows (a few KB). */
export const MAX_SHOWN_LINE = 4000;

// With the ellipsis of a masked key (`sk-proj-…Ab12`), so that a mask is shown whole or not at all,
// and what redact() reads a key through (an invisible character, an escape's backslash).
const KEY_CHARACTER = new RegExp(`[A-Za-z0-9_…\\\\-]|${UNSAFE_INLINE_CHAR.source}`, 'u');

/**
 * `text` with every secret masked, then cut to `max` characters with a note of how many were left
 * out. Masked before it is cut, so that no key is cut in two (half of one is not key-shaped), and
 * never cut inside a run of key characters (the run goes whole), so that no part of a secret that
 * only the terminal knows, and masks later, is left at the cut.
 */
export function redactedExcerpt(text: string, secrets: ReadonlyArray<string | undefined> = [], max = MAX_SHOWN_LINE): string {
  const masked = redact(text, secrets);
  if (masked.length <= max) return masked;
  let end = max;
  while (end > 0 && KEY_CHARACTER.test(masked[end - 1]!) && KEY_CHARACTER.test(masked[end]!)) end--;
  const last = masked.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${masked.slice(0, end)}… (${masked.length - end} more characters)`;
}

// Options whose value is a secret by its name: --key, --api-key, --token, --secret, --password…
const SECRET_OPTION = /^--?[A-Za-z0-9-]*(?:key|token|secret|passw(?:or)?d)[A-Za-z0-9-]*$/i;

/**
 * The secrets on a command line, to be masked in everything printed, commander's own errors
 * included: the value of any option named like a key (`--key X`, `--key=X`, `-kX`, `--api-key X`),
 * an `OPENAI_API_KEY=X` word, and anything shaped like a key, wherever it is.
 */
/** The words of a command line shaped like a key (KEY_PATTERN), wherever they are: what npm's log then holds (npm-log-notice.ts). */
export function keysInArgv(args: readonly string[]): string[] {
  return [...new Set(args.flatMap((arg) => [...arg.matchAll(KEY_PATTERN)].map((m) => m[0])))];
}

export function secretsInArgv(args: readonly string[]): string[] {
  const found = new Set<string>();
  let afterDashes = false;
  args.forEach((arg, i) => {
    for (const m of arg.matchAll(KEY_PATTERN)) found.add(m[0]);
    if (arg === '--') afterDashes = true;
    // After `--` the words are another program's (`run -- curl --key file.pem`).
    if (afterDashes) return;
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if (SECRET_OPTION.test(name) || name === 'OPENAI_API_KEY' || name === '-k') {
      if (eq !== -1) found.add(arg.slice(eq + 1));
      else if (args[i + 1] !== undefined) found.add(args[i + 1]!);
    } else if (/^-k./.test(arg)) {
      found.add(arg.slice(2));
    } else if (/^-[A-Za-z]+k$/.test(arg) && args[i + 1] !== undefined) {
      found.add(args[i + 1]!);
    }
  });
  return [...found].filter((s) => s.length >= 8);
}

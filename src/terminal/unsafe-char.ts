// The characters that must not reach a terminal raw, in a module of their own: sanitize.ts shows
// them escaped, shell.ts quotes them, and redact.ts reads a key through them (sanitize.ts imports
// redact.ts, so neither can hold what the other needs at load time).

// C0 (an escape, a line break), DEL, C1, and the Unicode line and paragraph separators.
const CONTROL = String.raw`\u0000-\u001f\u007f-\u009f\u2028\u2029`;
// Every character a terminal shows as nothing: the format characters (Cf: bidi embeddings,
// overrides, isolates and marks, which reorder what is read; zero-width spaces and joiners, the
// soft hyphen, the BOM, tags) and the rest of Unicode's Default_Ignorable_Code_Point set
// (variation selectors, the Hangul fillers, the combining grapheme joiner…). Unicode keeps both
// sets up to date, where a hand list missed some.
const INVISIBLE = String.raw`\p{Cf}\p{Default_Ignorable_Code_Point}`;

// A visible character beyond ASCII: a letter, number, punctuation or symbol (an ideograph, an
// emoji), not a mark, a space, a control, an unassigned or private-use one, or an invisible one
// (a Hangul filler is a letter shown as nothing).
const VISIBLE_NON_ASCII = String.raw`[^\p{ASCII}\p{C}\p{Z}\p{M}\p{Default_Ignorable_Code_Point}]`;
const VARIATION_SELECTOR = String.raw`[\ufe00-\ufe0f\u{e0100}-\u{e01ef}]`;
const EMOJI = String.raw`\p{Extended_Pictographic}`;
const TAG = String.raw`[\u{e0020}-\u{e007e}]`;
// The longest tag run of a flag: a subdivision code (a region of 2 or 3 and up to 4 more, as CLDR
// defines them). A bound, so that no text of any length (a key spelled in tags) hides in a "flag".
const MAX_TAGS = 7;
// Just after a Mongolian letter (two lookbehinds on the same character).
const AFTER_MONGOLIAN_LETTER = String.raw`(?<=\p{Script=Mongolian})(?<=\p{L})`;
// A letter of the Arabic script (Persian, Urdu…).
const ARABIC_LETTER = String.raw`(?=\p{Script=Arabic})\p{L}`;
// A mark drawn on a letter (a vowel sign), not one shown as nothing (which is escaped).
const VISIBLE_MARK = String.raw`[^\P{Mn}\p{Default_Ignorable_Code_Point}]`;
// The viramas (canonical combining class 9) of the Indic scripts whose spelling writes a ZWJ or
// ZWNJ after one, to choose the form of a conjunct (Unicode's core spec, 12.2): क्‍ष, ක්‍ය.
const VIRAMAS: ReadonlyArray<[script: string, viramas: string]> = [
  ['Devanagari', '\u094d'],
  ['Bengali', '\u09cd'],
  ['Gurmukhi', '\u0a4d'],
  ['Gujarati', '\u0acd'],
  ['Oriya', '\u0b4d'],
  ['Tamil', '\u0bcd'],
  ['Telugu', '\u0c4d'],
  ['Kannada', '\u0ccd'],
  ['Malayalam', '\u0d3b\u0d3c\u0d4d'],
  ['Sinhala', '\u0dca'],
];

/**
 * The invisible characters that are part of ordinary text, where they stand: each one of a
 * well-formed sequence on a visible base beyond ASCII (a keycap's digit, # or * aside), which a
 * terminal shows as one character or as the base alone. Tried at the place of the character, each
 * alternative matching it alone, so that every use of UNSAFE_CHAR (a test, a replace of single
 * characters: shell.ts) follows the same rule.
 */
const IN_SEQUENCE = [
  // A variation selector right after such a base: ☕️ (emoji style), 葛󠄀 (an ideographic variant).
  String.raw`(?<=${VISIBLE_NON_ASCII})${VARIATION_SELECTOR}`,
  // A keycap: 1️⃣, #️⃣, *️⃣.
  String.raw`(?<=[0-9#*])\ufe0f(?=\u20e3)`,
  // A zero-width joiner between two emoji (the first may have its selector or skin tone): 👨‍👩‍👧, 🏳️‍🌈, 👩🏽‍💻.
  String.raw`(?<=${EMOJI}[\ufe0f\p{Emoji_Modifier}]?)\u200d(?=${EMOJI})`,
  // The tags of a flag (🏴 + a region code in tags + the cancel tag): the whole run at most
  // MAX_TAGS, so that each character of a run is kept or escaped alike.
  String.raw`(?<=\u{1f3f4}(?=${TAG}{1,${MAX_TAGS}}\u{e007f})${TAG}{0,${MAX_TAGS - 1}})${TAG}`,
  String.raw`(?<=\u{1f3f4}${TAG}{1,${MAX_TAGS}})\u{e007f}`,
  // Mongolian free variation selectors after a Mongolian letter, and its vowel separator between two.
  String.raw`${AFTER_MONGOLIAN_LETTER}[\u180b-\u180d\u180f]`,
  String.raw`${AFTER_MONGOLIAN_LETTER}\u180e(?=\p{Script=Mongolian})(?=\p{L})`,
  // A zero-width non-joiner between two Arabic-script letters (the first with its vowel marks):
  // the Persian می‌خواهم. The character is looked at first, so that a run of marks is read back
  // over from a ZWNJ only, not from every escaped character in it.
  String.raw`(?=\u200c)(?<=${ARABIC_LETTER}${VISIBLE_MARK}*)\u200c(?=${ARABIC_LETTER})`,
  // A zero-width joiner or non-joiner right after a virama, before a letter of its script.
  ...VIRAMAS.map(([script, viramas]) => String.raw`(?<=[${viramas}])[\u200c\u200d](?=\p{Script=${script}})(?=\p{L})`),
].join('|');

// The class as a whole, tried first (the sequences are looked at only where it matches: several
// times faster on ordinary text).
const ANY_UNSAFE = `[${CONTROL}${INVISIBLE}]`;

/**
 * A character that must not reach a terminal raw where it stands: C0, DEL, C1, the Unicode line
 * and paragraph separators, and every character shown as nothing (format and default-ignorable
 * characters) but one of a well-formed sequence on a visible base (IN_SEQUENCE: an
 * emoji's variation selector, keycap, zero-width joiner or flag tags, an ideographic variant,
 * Mongolian variants, a Persian ZWNJ between letters, an Indic ZWJ or ZWNJ after a virama). The same character at the start, after an ASCII letter or digit (inside a
 * key, a URL, a host or a command) or anywhere else matches; bidi controls, zero-width spaces, the
 * word joiner, the soft hyphen… match wherever they are. Not global, so that `.test` has no
 * state: `replaceUnsafeChars()` replaces.
 */
export const UNSAFE_CHAR = new RegExp(String.raw`(?=${ANY_UNSAFE})(?!${IN_SEQUENCE})${ANY_UNSAFE}`, 'u');

/**
 * The whole class but a line break or a tab (each shown as a space, never as nothing), wherever it
 * stands, in a sequence too: what redact.ts reads a key through.
 */
export const UNSAFE_INLINE_CHAR = new RegExp(String.raw`[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u0084\u0086-\u009f${INVISIBLE}]`, 'u');

/**
 * The control characters alone (C0, DEL, C1, the line and paragraph separators), global: never part
 * of a name, so shown escaped even in text that keeps its invisible characters (sanitize.ts
 * untrustedData). An escape kept raw there would reach the terminal as a sequence it acts on.
 */
export function controlChars(): RegExp {
  return new RegExp(`[${CONTROL}]`, 'gu');
}

// UNSAFE_CHAR matches only a character of the class as a whole. Its sequences' lookarounds over a
// dozen scripts' properties make V8 take ~17 ms and ~3 MB to compile it at its first use; the class
// alone, well under 1 ms. Text the class finds nothing in (nearly all text: the tool's own lines,
// paths, answers) is left as it is without running UNSAFE_CHAR at all.
const ANY_UNSAFE_CHAR = new RegExp(ANY_UNSAFE, 'u');
// The same, a line break and a tab aside: for text whose layout is kept (neutralise, JSON).
const ANY_UNSAFE_BUT_LAYOUT = new RegExp(String.raw`(?![\n\t])${ANY_UNSAFE}`, 'u');
// UNSAFE_CHAR for `replace` (global, whole code points: a tag character is two UTF-16 units).
const UNSAFE_CHARS = new RegExp(UNSAFE_CHAR.source, 'gu');

/**
 * Whether `text` may hold a character UNSAFE_CHAR matches (`layout`: other than a line break or a
 * tab). False means it holds none; true, that UNSAFE_CHAR has to say.
 */
export function mayHoldUnsafe(text: string, layout: 'layout kept' | 'layout unsafe' = 'layout unsafe'): boolean {
  return (layout === 'layout kept' ? ANY_UNSAFE_BUT_LAYOUT : ANY_UNSAFE_CHAR).test(text);
}

/** Whether `text` holds a character UNSAFE_CHAR matches. */
export function hasUnsafeChar(text: string): boolean {
  return mayHoldUnsafe(text) && UNSAFE_CHAR.test(text);
}

/**
 * `text` with each character UNSAFE_CHAR matches replaced by what `replace` gives for it (`layout
 * kept`: `replace` gives a line break and a tab back as they are).
 */
export function replaceUnsafeChars(text: string, replace: (found: string) => string, layout: 'layout kept' | 'layout unsafe' = 'layout unsafe'): string {
  return mayHoldUnsafe(text, layout) ? text.replace(UNSAFE_CHARS, replace) : text;
}

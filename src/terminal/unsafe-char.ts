// The characters that must not reach a terminal raw, in a module of their own: sanitize.ts shows
// them escaped, shell.ts quotes them, and redact.ts reads a key through them (sanitize.ts imports
// redact.ts, so neither can hold what the other needs at load time).

/**
 * A character that must not reach a terminal raw: C0 (an escape, a line break), DEL, C1; the Unicode
 * line and paragraph separators; and every character a terminal shows as nothing: the format
 * characters (Cf: bidi embeddings, overrides, isolates and marks, which reorder what is read;
 * zero-width spaces and joiners, the soft hyphen, the BOM, tags) and the rest of Unicode's
 * Default_Ignorable_Code_Point set (variation selectors, the Hangul fillers, the combining grapheme
 * joiner…), so that no key split by them looks whole. Unicode keeps both sets up to date, where a
 * hand list missed some. Not global, so that `.test` has no state: `unsafeChars()` replaces.
 */
export const UNSAFE_CHAR = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\p{Cf}\p{Default_Ignorable_Code_Point}]/u;

/** UNSAFE_CHAR but a line break or a tab (each shown as a space, never as nothing): what redact.ts reads a key through. */
export const UNSAFE_INLINE_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u0084\u0086-\u009f\p{Cf}\p{Default_Ignorable_Code_Point}]/u;

/** UNSAFE_CHAR for `replace` (global, whole code points: a tag character is two UTF-16 units). */
export function unsafeChars(): RegExp {
  return new RegExp(UNSAFE_CHAR.source, 'gu');
}

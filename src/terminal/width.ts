// How many columns text takes on a terminal, for the columns of a table: an ideograph or an emoji
// takes two, a combining mark or a joiner none. Node has no such measure. Which characters are
// wide (East Asian Wide and Fullwidth) comes from is-fullwidth-code-point, the table string-width
// (in @inquirer/core's tree) reads; string-width itself is not used, as it counts a mark beyond
// U+0300–U+036F (a virama), a ZWNJ and an emoji's variation selector (☕️: 3) as a column each.
// CommonJS: imported, its default is module.exports, which holds the function as `default` too.
import fullwidth from 'is-fullwidth-code-point';

// What a terminal draws in no column of its own: nonspacing and enclosing marks, format and
// default-ignorable characters.
const ZERO_WIDTH = /[\p{Mn}\p{Me}\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;
// A cluster shown as one emoji, two columns: an emoji-style character (with its skin tone, joiners
// or tags: 👩🏽‍💻, a flag), one made emoji by its selector (❤️), a keycap (1️⃣); not one in text style (☎︎).
const EMOJI = /^(?!.*\ufe0e)(?:.*\p{Emoji_Presentation}|.*\p{Emoji}\ufe0f|.*\u20e3)/u;

let segmenter: Intl.Segmenter | undefined;

/** `text` as user-perceived characters (grapheme clusters): an emoji sequence, a letter with its marks. */
function graphemes(text: string): string[] {
  segmenter ??= new Intl.Segmenter();
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/** The columns `text` (one line, as the terminal writes it: made safe) takes on a terminal. */
export function displayWidth(text: string): number {
  // Printable ASCII, the common case, one column a character.
  if (/^[\x20-\x7e]*$/.test(text)) return text.length;
  let width = 0;
  for (const cluster of graphemes(text)) {
    if (EMOJI.test(cluster)) width += 2;
    else for (const ch of cluster.replace(ZERO_WIDTH, '')) width += fullwidth.default(ch.codePointAt(0)!) ? 2 : 1;
  }
  return width;
}

/**
 * Text the terminal will show, as `shown` makes it safe, in at most `width` columns: whole, or cut
 * between characters with an ellipsis (`ellipsis`, one column a character). Measured after
 * `shown`, as an escaped character (`\u202e`) takes six columns; cut before it, so that a joiner
 * left at the cut is escaped, and counted, as the terminal will show it.
 */
export function cutToWidth(text: string, width: number, shown: (text: string) => string = (t) => t, ellipsis = '…'): string {
  const whole = shown(text);
  if (displayWidth(whole) <= width) return whole;
  let cut = '';
  let kept = '';
  for (const cluster of graphemes(text)) {
    const next = shown(kept + cluster);
    if (displayWidth(next) > width - ellipsis.length) break;
    [kept, cut] = [kept + cluster, next];
  }
  return `${cut}${ellipsis}`;
}

/** cutToWidth, padded with spaces to exactly `width` columns (a table's column). */
export function fitWidth(text: string, width: number, shown: (text: string) => string): string {
  const fitted = cutToWidth(text, width, shown);
  return fitted + ' '.repeat(Math.max(0, width - displayWidth(fitted)));
}

/**
 * The fewest columns a label column must leave for the values beside it: an ID (`proj_` and 24
 * characters, 29), the OpenAI API's URL (25) or a masked key fits whole, with a word or two.
 */
export const VALUE_COLUMNS = 30;

/** A label column `labelWidth` wide leaves fewer than VALUE_COLUMNS for values on a terminal of `columns` (off one, nothing is wrapped: never). */
export function stacks(isTTY: boolean, columns: number, labelWidth: number): boolean {
  return isTTY && columns - 1 - labelWidth < VALUE_COLUMNS;
}

/**
 * A list of labelled values (`✔ Stored key          sk-proj-…Ab12 in …`) as a terminal of
 * `columns` shows it: beside a label column `labelWidth` wide (the lead and the padded label), or,
 * when that leaves fewer than VALUE_COLUMNS, stacked: the label on a line of its own, the value on
 * the next, indented by `indent`. Off a terminal (isTTY false: nothing is wrapped) always beside.
 */
export function labelled(isTTY: boolean, columns: number, labelWidth: number): (lead: string, label: string, value: string, indent?: string) => string[] {
  const stacked = stacks(isTTY, columns, labelWidth);
  return (lead, label, value, indent = '    ') => {
    // The label and at least one space, as wide as the column (colour in the lead takes no room).
    if (!stacked) return [`${lead}${label.padEnd(labelWidth - displayWidth(lead.replace(/\x1b\[[0-9;]*m/g, '')) - 1)} ${value}`];
    return [`${lead}${label}`.trimEnd(), `${indent}${value}`];
  };
}

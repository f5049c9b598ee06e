// The terminal's charset: UTF-8, as almost every terminal is, or, where the locale names another
// one, ASCII. No chalk here: boot.ts, which answers --help before the rest is loaded, reads it too.

/**
 * Whether the terminal's charset, as the locale names it, is not UTF-8: LC_ALL, else LC_CTYPE,
 * else LANG (the first one set), as other programs read it. Only an explicit charset other than
 * UTF-8 counts (`en_US.ISO-8859-1`, `ru_RU.KOI8-R`, `ja_JP.eucJP`): unset, C, POSIX or a
 * locale without one stays UTF-8, which most terminals are (in a container LANG is often unset).
 */
export function asciiLocale(env: Readonly<Record<string, string | undefined>>): boolean {
  const locale = [env.LC_ALL, env.LC_CTYPE, env.LANG].find((value) => value !== undefined && value !== '') ?? '';
  const charset = /^[^.@]*\.([^@]+)/.exec(locale)?.[1];
  return charset !== undefined && charset.toLowerCase().replace(/[-_]/g, '') !== 'utf8';
}

// The tool's own characters beyond ASCII, as ASCII, for a terminal whose charset is not UTF-8:
// there they would show as several wrong characters each, and the bytes 0x80-0x9F in them (all of
// ✔ ✖ … → —) are C1 controls to an 8-bit terminal (0x9D starts an OSC, 0x9C ends one). A block of
// a bar keeps its one column.
const ASCII_FOR: Record<string, string> = {
  '✔': 'v', '✖': 'x', '…': '...', '❯': '>', '○': 'o', '→': '->', '—': '--', '–': '-', '·': '-', '•': '*',
  '›': '>', '«': '"', '»': '"', '‘': "'", '’': "'", '“': '"', '”': '"',
  '█': '#', '▉': '#', '▊': '#', '▋': '#', '▌': '#', '▍': '#', '▎': '#', '▏': '#', '░': '.',
};

/**
 * Text for a terminal whose charset is not UTF-8 (asciiLocale): the tool's marks, ellipses
 * (`sk-proj-...Ab12`) and dashes as ASCII, and every other character beyond ASCII (a name from
 * the API) as `?`, since its UTF-8 bytes would be read as something else, C1 controls among them.
 */
export function asciiText(text: string): string {
  return text.replace(/[^\x00-\x7f]/gu, (ch) => ASCII_FOR[ch] ?? '?');
}

// What a terminal shows for what a program wrote to it: the output replayed through the cursor
// moves and erasures the prompts use (inquirer's, readline's), for tests that look at the screen.

/**
 * The rows a terminal `columns` wide shows for `raw` (scrolling ignored: rows are never dropped).
 * Text, CR/LF/BS, and the CSI sequences the prompts write: cursor up/down/forward/back, to a
 * column, erase in line (K) and below (J); colours and modes change nothing here.
 */
export function screenOf(raw: string, columns: number): string[] {
  const rows: string[][] = [[]];
  let row = 0;
  let col = 0;
  const at = (r: number) => (rows[r] ??= []);
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\x1b') {
      const csi = /^\x1b\[([0-?]*)[ -/]*([@-~])/.exec(raw.slice(i, i + 32));
      const osc = /^\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/.exec(raw.slice(i, i + 4096));
      if (csi) {
        i += csi[0].length - 1;
        const [first = '', second = ''] = csi[1]!.split(';');
        const n = Number(first) || 1;
        switch (csi[2]) {
          case 'A': row = Math.max(0, row - n); break;
          case 'B': row += n; break;
          case 'C': col = Math.min(columns - 1, col + n); break;
          case 'D': col = Math.max(0, col - n); break;
          case 'G': col = Math.min(columns - 1, n - 1); break;
          case 'H': row = Number(first || 1) - 1; col = Number(second || 1) - 1; break;
          case 'K': {
            const line = at(row);
            if (first === '2') line.length = 0;
            else if (first === '1') for (let x = 0; x <= col && x < line.length; x++) line[x] = ' ';
            else line.length = Math.min(line.length, col);
            break;
          }
          case 'J':
            if (first === '' || first === '0') {
              at(row).length = Math.min(at(row).length, col);
              rows.length = row + 1;
            }
            break;
        }
      } else if (osc) {
        i += osc[0].length - 1;
      } else {
        i += 1; // ESC and one character (ESC 7, ESC =...)
      }
    } else if (c === '\r') col = 0;
    else if (c === '\n') row++;
    else if (c === '\b') col = Math.max(0, col - 1);
    else if (c >= ' ') {
      if (col >= columns) {
        row++;
        col = 0;
      }
      const line = at(row);
      while (line.length < col) line.push(' ');
      line[col++] = c;
    }
  }
  // Array.from: a row the cursor skipped over (a hole) is an empty row.
  return Array.from(rows, (r) => (r ?? []).join('').trimEnd());
}

/** The rows of the screen (`columns` wide) that hold `text`, each from `text` on. */
export function rowsHolding(raw: string, columns: number, text: string): string[] {
  return screenOf(raw, columns)
    .filter((line) => line.includes(text))
    .map((line) => line.slice(line.indexOf(text)).trimEnd());
}

/** Pieces of a key that must never be on screen (its masked hint shows the prefix and last four). */
export function keyPieces(key: string): string[] {
  return [key.slice(8, 40), key.slice(40, 80), key.slice(-24, -4)];
}

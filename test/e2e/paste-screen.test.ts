// What stays on the screen after a paste with a line break inside, at the (masked) key prompt, in
// a real pseudo-terminal: the question closes as any answer does, "(N characters, hidden)", and no
// row of stars is left. The screen is what the terminal would show: the output replayed through
// the cursor moves and erasures the prompts use (inquirer's, readline's).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { makeKey, startOpenAIServer, type FakeOpenAI } from '../helpers/openai-server.js';
import { spawnCli, type PtySession } from '../helpers/pty.js';
import { runCli } from '../helpers/run.js';

const KEY = makeKey('proj', 'paste-screen');
const QUESTION = 'Paste your secret key (input is hidden):';
const LINE_BREAK = 'it has a line break inside: copy it again in one piece';
const COLUMNS = 100;

let server: FakeOpenAI;
let t: TestEnv | undefined;
let session: PtySession | undefined;

beforeAll(async () => {
  server = await startOpenAIServer({ keys: { [KEY]: 'valid' } });
});
afterAll(async () => {
  await server?.close();
});
afterEach(async () => {
  session?.kill();
  session = undefined;
  await t?.cleanup();
  t = undefined;
});

/**
 * The rows a terminal `columns` wide shows for `raw` (scrolling ignored: rows are never dropped).
 * Text, CR/LF/BS, and the CSI sequences the prompts write: cursor up/down/forward/back, to a
 * column, erase in line (K) and below (J); colours and modes change nothing here.
 */
function screenOf(raw: string, columns: number): string[] {
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
  return rows.map((r) => (r ?? []).join('').trimEnd());
}

describe('a paste with a line break inside, at the masked key prompt', () => {
  it.each([
    ['in one read', [`${KEY.slice(0, 80)}\r${KEY.slice(80)}\r`]],
    ['in two reads', [`${KEY.slice(0, 80)}\r`, `${KEY.slice(80)}\r`]],
  ])('%s: the question closes as "(80 characters, hidden)", no row of stars is left, and the key pasted next is taken', async (_how, writes) => {
    t = await makeTestEnv({ OPENAI_BASE_URL: server.baseURL });
    const s = (session = spawnCli(['key', '--insecure-storage'], { env: t.env, cols: COLUMNS }));
    await s.waitFor(QUESTION);
    for (const text of writes) s.type(text);
    await s.waitFor(LINE_BREAK);
    await s.waitFor(QUESTION);
    const screen = screenOf(s.rawOutput(), COLUMNS);
    const asked = screen.findIndex((line) => line.includes(QUESTION));
    expect(screen[asked]).toMatch(new RegExp(`${QUESTION.replace(/[()]/g, '\\$&')} \\(80 characters, hidden\\)$`));
    expect(screen[asked + 1]).toContain(`That is not an API key: ${LINE_BREAK}.`);
    expect(screen.filter((line) => line.includes('***'))).toEqual([]);

    s.type(`${KEY}\r`);
    await s.waitFor('Stored sk-proj-…');
    expect(await s.exited).toMatchObject({ exitCode: 0 });
    const after = screenOf(s.rawOutput(), COLUMNS);
    expect(after.filter((line) => line.includes(QUESTION)).map((line) => line.slice(line.indexOf(QUESTION)))).toEqual([
      `${QUESTION} (80 characters, hidden)`,
      `${QUESTION} (${KEY.length} characters, hidden)`,
    ]);
    expect(after.filter((line) => line.includes('***'))).toEqual([]);
    expect(server.requestsFor(KEY.slice(0, 80))).toEqual([]);
    expect((await runCli(['token'], { env: t.env })).stdout).toBe(`${KEY}\n`);
  });
});

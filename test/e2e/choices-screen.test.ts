// A question with choices on a narrow terminal, in a real pseudo-terminal: every choice whole on
// the screen at once, wherever the pointer is, each wrapped at words with its lines under its text.
// inquirer's page counts rows, not choices: seven rows showed three wrapped choices cut off.
import { afterEach, describe, expect, it } from 'vitest';
import { BILLING_CHOICES } from '../../src/stages/billing.js';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { spawnCli, type Key, type PtySession } from '../helpers/pty.js';
import { screenOf } from '../helpers/screen.js';

const QUESTION = 'How do you want to pay for the API?';
const COLUMNS = 40;

let t: TestEnv | undefined;
let session: PtySession | undefined;

afterEach(async () => {
  session?.kill();
  session = undefined;
  await t?.cleanup();
  t = undefined;
});

/** The choices as the screen shows them now: the rows under the question, up to the blank row. */
function choicesShown(raw: string): string[] {
  const screen = screenOf(raw, COLUMNS);
  const question = screen.map((line) => line.includes(QUESTION)).lastIndexOf(true);
  const end = screen.indexOf('', question);
  return screen.slice(question + 1, end === -1 ? undefined : end);
}

describe(`the billing question at ${COLUMNS} columns`, () => {
  it.each<[string, Key[], number]>([
    ['the pointer on the first', [], 0],
    ['the pointer on the third', ['down', 'down'], 2],
  ])('%s: all three choices whole, wrapped at words under their text', async (_where, keys, active) => {
    t = await makeTestEnv();
    const s = (session = spawnCli(['billing'], { env: t.env, cols: COLUMNS, rows: 30 }));
    await s.waitFor(QUESTION);
    for (const key of keys) s.press(key);
    // The active choice's description is drawn with the page: once it is there, so is the page.
    await s.waitFor(BILLING_CHOICES[active]!.description.split(' ').slice(0, 4).join(' '));
    await s.waitFor('navigate');
    const rows = choicesShown(s.rawOutput());
    // Each row within the width, starting at the pointer's column ("❯ ") or under the text.
    for (const row of rows) expect(row).toMatch(new RegExp(`^[❯ ] \\S.{0,${COLUMNS - 3}}$`));
    // Read back, the rows are the choices whole, in order, with no word broken across rows.
    const names = BILLING_CHOICES.map((c) => c.name);
    expect(rows.map((row) => row.slice(2)).join(' ')).toBe(names.join(' '));
    // Each choice starts a row of its own, the pointer at the active one.
    const firstRows = names.map((name) => rows.findIndex((row) => name.startsWith(row.slice(2))));
    expect(firstRows.map((i) => rows[i]!.slice(0, 2))).toEqual(names.map((_, n) => (n === active ? '❯ ' : '  ')));
  });
});

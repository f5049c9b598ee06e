// doctor's checks and the live check's lines sit beside a label column (22 and 14 columns), and
// profiles' list form beside one of 16. On a terminal of 30–40 columns that left a dozen columns
// for values: a masked key, an ID, a URL did not fit, and the terminal broke it at its edge
// (`sk-proj-…z7J` / `o`, `user-e8258t0gt` / `i4ltj1p3r40s8n4`). Too narrow for the label column,
// each label is on a line of its own and its value under it; a word too long for the room left
// starts a line of its own, as far left as it must to be shown whole. 80 columns are as before.
import { afterEach, describe, expect, it } from 'vitest';
import { run as doctor } from '../../src/commands/doctor.js';
import { run as key } from '../../src/commands/key.js';
import { run as profiles } from '../../src/commands/profiles.js';
import { run as verify } from '../../src/commands/verify.js';
import { maskKey } from '../../src/keys/format.js';
import { checkResult, makeTestContext, testKey, type TestContext } from '../helpers/context.js';
import { screenOf } from '../helpers/screen.js';

const KEY = testKey('Z');
const BASE_URL = 'http://127.0.0.1:42775/v1';
const HOST = '127.0.0.1:42775';
// A personal organization's ID and a project's, as the API sends them (29 characters each).
const ORGANIZATION = 'user-e8258t0gti4ltj1p3r40s8n4';
const PROJECT = 'proj_Q8f2LmX0aZk4RtY7uWc1Hn3s';

let t: TestContext;
afterEach(() => t?.cleanup());

/** Every time `token` is in the output, a terminal `columns` wide shows it whole on one row. */
function expectWhole(columns: number, token: string): void {
  const times = t.stdout.split(token).length - 1;
  // As a terminal shows it: each line feed also returns to the first column (the tty's onlcr).
  const rows = screenOf(t.stdout.replace(/\n/g, '\r\n'), columns);
  expect(times, `${token} in:\n${t.stdout}`).toBeGreaterThan(0);
  expect(rows.join('\n').split(token).length - 1, `${token} on a screen ${columns} wide:\n${rows.join('\n')}`).toBe(times);
}

async function doctorAt(columns: number): Promise<void> {
  t = makeTestContext({ columns, keychain: { default: KEY }, env: { OPENAI_BASE_URL: BASE_URL } });
  // Recorded, as `key` leaves it (unrecorded, doctor would record it and say so).
  await t.ctx.state.updateProfile('default', (p) => {
    p.key = { storage: 'keychain', hint: maskKey(KEY), savedAt: '2026-01-01T00:00:00.000Z' };
  });
  t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 });
  t.api.answerChecks(checkResult('valid', { organization: ORGANIZATION, project: PROJECT, models: 3, billing: 'ok', message: 'The key works.' }));
  expect(await doctor(t.ctx, { json: false })).toBe(0);
}

describe('doctor on a narrow terminal', () => {
  for (const columns of [30, 34, 40]) {
    it(`${columns} columns: each title on a line of its own, the value under it; no key hint, ID or URL broken`, async () => {
      await doctorAt(columns);
      const lines = t.stdout.split('\n');
      expect(lines).toContain('✔ Stored key');
      expect(lines).toContain('✔ API reachable');
      expect(lines).toContain('✔ Key');
      expect(lines).toContain('✔ Accepted');
      for (const token of [maskKey(KEY), BASE_URL, ORGANIZATION, PROJECT]) expectWhole(columns, token);
      // A line wider than the terminal is only a URL or a command too long for any line, alone on its line (the terminal's soft wrap copies it back whole).
      for (const line of lines.filter((l) => l.length > columns)) expect(line.trim()).toMatch(/^(?:`[^`]+`|\S+)$/);
    });
  }

  it('80 columns: the title column as before', async () => {
    await doctorAt(80);
    const lines = t.stdout.split('\n');
    expect(lines).toContain(`✔ Node.js             v20.19.0 (20 or newer is needed)`);
    expect(lines).toContain(`✔ Stored key          ${maskKey(KEY)} in the Secret Service keyring (profile`);
    expect(lines).toContain(`✔ API reachable       ${BASE_URL} answered (HTTP 401 without a`);
    expect(lines).toContain(`✔ Key         ${maskKey(KEY)} (project key, from the keychain (profile default))`);
    expect(lines).toContain(`! Server      ${BASE_URL} (not the OpenAI API)`);
    expect(lines).toContain(`✔ Accepted    organization ${ORGANIZATION}, project`);
    expect(lines).toContain(`              ${PROJECT}`);
    for (const token of [maskKey(KEY), BASE_URL, ORGANIZATION, PROJECT]) expectWhole(80, token);
  });
});

async function profilesAt(columns: number): Promise<void> {
  t = makeTestContext({ columns, interactive: false, stdoutIsTTY: true, stdin: `${KEY}\n`, env: { OPENAI_BASE_URL: BASE_URL } });
  t.api.answerChecks(checkResult('valid', { organization: ORGANIZATION, project: PROJECT, otherHost: HOST }));
  expect(await key(t.ctx, { profile: 'default', stdin: true })).toBe(0);
  t.api.answerChecks(checkResult('valid', { organization: ORGANIZATION, project: PROJECT, otherHost: HOST }));
  expect(await verify(t.ctx, { json: false, quiet: false, billingCheck: true })).toBe(0);
  const from = t.stdout.length;
  expect(await profiles(t.ctx, { json: false, names: false })).toBe(0);
  // Only what profiles printed.
  Object.defineProperty(t, 'stdout', { value: t.stdout.slice(from) });
}

describe('profiles on a narrow terminal', () => {
  for (const columns of [30, 34, 40]) {
    it(`${columns} columns: each label on a line of its own, the value under it; no key hint, ID or host broken`, async () => {
      await profilesAt(columns);
      const lines = t.stdout.split('\n');
      // An ID as far left as it must be to be shown whole (at 30 columns, at the margin).
      const id = (value: string) => expect.stringMatching(new RegExp(`^ {0,4}${value}$`));
      expect(lines.slice(0, 8)).toEqual(['* default', '  key', `    ${maskKey(KEY)} (keychain)`, '  org/project', id(ORGANIZATION), id(PROJECT), '  last check', expect.stringContaining(HOST)]);
      for (const token of [maskKey(KEY), ORGANIZATION, PROJECT, HOST]) expectWhole(columns, token);
    });
  }

  it('80 columns: the list beside its labels, as before', async () => {
    await profilesAt(80);
    const lines = t.stdout.split('\n');
    expect(lines.slice(0, 3)).toEqual(['* default', `    key         ${maskKey(KEY)} (keychain)`, `    org/project ${ORGANIZATION} / ${PROJECT}`]);
    for (const token of [maskKey(KEY), ORGANIZATION, PROJECT, HOST]) expectWhole(80, token);
  });
});

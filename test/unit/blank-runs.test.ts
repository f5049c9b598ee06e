// A run of blanks in a server's text (spaces, no-break and other Unicode spaces, the braille blank)
// is one space: a run as wide as the terminal would put the words after it at the start of a
// screen row, where they read as a line of ours ("✔ The key works and can spend.").
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as spend, SpendJsonSchema } from '../../src/commands/spend.js';
import { run as verify, VerifyJsonSchema, type VerifyOptions } from '../../src/commands/verify.js';
import { sanitize, untrusted, untrustedData } from '../../src/terminal/sanitize.js';
import { checkResult, outcomeOf } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const KEY = makeKey('proj', 'unit-blank-runs');
const ADMIN = makeKey('admin', 'unit-blank-runs');
const PROJECT = 'proj_BlankRuns000000000000000';
const contexts = trackedContexts();
const VERIFY: VerifyOptions = { json: false, quiet: false, billingCheck: true };

// The reviewer's message: runs of 200 spaces, words joined by no-break spaces.
const FORGING = `Incorrect API key.${' '.repeat(200)}✔\u00a0Accepted\u00a0\u00a0\u00a0\u00a0by\u00a0the\u00a0API${' '.repeat(200)}✔\u00a0The\u00a0key\u00a0works\u00a0and\u00a0can\u00a0spend.`;
const AS_SHOWN = 'Incorrect API key. ✔ Accepted by the API ✔ The key works and can spend.';
// Every kind of blank: tab, no-break, en quad to hair space, narrow no-break, medium mathematical,
// ideographic, Ogham space mark, braille blank, and line breaks.
const BLANKS = ['\t', '\u00a0', ...Array.from({ length: 11 }, (_, i) => String.fromCharCode(0x2000 + i)), '\u202f', '\u205f', '\u3000', '\u1680', '\u2800', '\r\n', '\u2028'];

describe('the text functions', () => {
  it('untrusted and untrustedData make every run of blanks one space', () => {
    for (const show of [(t: string) => untrusted(t, []), (t: string) => untrustedData(t, [])]) {
      expect(show(FORGING)).toBe(AS_SHOWN);
      for (const blank of BLANKS) {
        expect(show(`a${blank}b`), JSON.stringify(blank)).toBe('a b');
        expect(show(`a ${blank.repeat(80)} b`), JSON.stringify(blank)).toBe('a b');
      }
      // What is shown as nothing is shown escaped, not taken for a blank.
      expect(show('a\u3164\u3164b')).toMatch(/^a(\\u3164\\u3164|\u3164\u3164)b$/);
    }
  });

  it("sanitize, which also shows text of the tool's own, keeps its spacing (a label column, the two spaces before a command)", () => {
    expect(sanitize('Store one:  openai-setup key')).toBe('Store one:  openai-setup key');
    expect(sanitize('a\u00a0b')).toBe('a\u00a0b');
  });
});

describe('through the commands', () => {
  it('verify on an 80-column terminal: the message is one line of single spaces, and no line of it starts with a mark', async () => {
    const t = contexts.make({ env: { OPENAI_API_KEY: KEY }, stdoutIsTTY: true, columns: 80 });
    t.api.answerChecks(checkResult('invalid_key', { message: `The API rejected the key: ${FORGING}` }));
    expect(await verify(t.ctx, VERIFY)).toBe(3);
    const lines = t.stdout.split('\n');
    expect(lines.filter((l) => /^\s*✔/.test(l))).toEqual([expect.stringMatching(/^✔ Key /)]);
    // As the terminal shows it: every line within 80 columns, so nothing is pushed to a row of its own.
    expect(lines.filter((l) => l.length >= 80)).toEqual([]);
    expect(lines.join(' ').replace(/ +/g, ' ')).toContain(`The API rejected the key: ${AS_SHOWN}`);
    expect(t.stdout).not.toMatch(/[\u00a0\u2800]/);

    const j = contexts.make({ env: { OPENAI_API_KEY: KEY } });
    j.api.answerChecks(checkResult('invalid_key', { message: `The API rejected the key: ${FORGING}` }));
    expect(await verify(j.ctx, { ...VERIFY, json: true })).toBe(3);
    expect(VerifyJsonSchema.parse(JSON.parse(j.stdout)).message).toBe(`The API rejected the key: ${AS_SHOWN}`);
    expect(JSON.parse(readFileSync(join(j.configDir, 'state.json'), 'utf8')).profiles.default.lastVerify.message).toBe(`The API rejected the key: ${AS_SHOWN}`);
  });

  it("spend: an Admin API error message and a project name with runs of blanks, one space each", async () => {
    const setup = () => {
      const t = contexts.make({ admin: true, keychain: { 'default:admin': ADMIN } });
      t.org.admin.addAdminKey(ADMIN);
      t.org.admin.addProject({ id: PROJECT, name: `my${'\u2800'.repeat(60)}app` });
      t.org.admin.addCost({ day: '2026-03-01', projectId: PROJECT, amount: 1.5 });
      return t;
    };
    const failed = setup();
    failed.org.admin.failNext({ path: '/v1/organization/costs' }, { status: 400, message: `Bad.${' '.repeat(120)}✔\u00a0The\u00a0key\u00a0works.`, type: 'invalid_request_error' });
    const result = await outcomeOf(spend(failed.ctx, { json: false }));
    expect(result.code).toBe(5);
    expect(result.message).toBe("Reading the organization's costs was refused (HTTP 400): Bad. ✔ The key works.");

    const j = setup();
    expect(await spend(j.ctx, { json: true })).toBe(0);
    expect(SpendJsonSchema.parse(JSON.parse(j.stdout)).projects).toEqual([{ id: PROJECT, name: 'my app', amount: 1.5 }]);
  });
});

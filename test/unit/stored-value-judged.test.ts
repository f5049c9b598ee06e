// One judgement of a stored value, whichever command reads it: a value hand-edited into the
// keychain (or credentials.json) is handed out or sent only if it is a key as it is stored — never
// cleaned as a paste is — and otherwise verify, token, run, env, doctor, rotate, import and the
// wizard all say
// the same thing (which profile, what is wrong without the value, the fix) with the same exit
// code, 3. Only line breaks at its end are dropped: the key is what goes out (or, for rotate, what
// is revoked; for import, what the keys found are compared with).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DoctorJsonSchema, run as doctor } from '../../src/commands/doctor.js';
import { run as env } from '../../src/commands/env.js';
import { ImportJsonSchema, runImport } from '../../src/commands/import.js';
import { run as key } from '../../src/commands/key.js';
import { run as rotate } from '../../src/commands/rotate.js';
import { run as setup } from '../../src/commands/setup.js';
import { run as runCommand } from '../../src/commands/run.js';
import { run as token } from '../../src/commands/token.js';
import { run as verify, VerifyJsonSchema } from '../../src/commands/verify.js';
import { maskKey } from '../../src/keys/format.js';
import { STAGE_IDS } from '../../src/storage/state.js';
import { checkResult, makeTestContext, outcomeOf, testKey, type TestContext } from '../helpers/context.js';
import { RecordingHost } from '../helpers/recording-host.js';
import { makeKey } from '../helpers/openai-server.js';
import { organizationWith } from '../helpers/rotatable.js';

const K = testKey('J');
const OTHER = testKey('N');
/** The fix as it works where each command ran (storeKeyAdvice): stdout a pipe, stdin a terminal, unless said. */
const FIX = 'Store your key again (at a terminal it asks for the key, hidden; or pipe the key into it with --stdin) with `openai-setup key --profile p` (it replaces what is stored).';
const FIX_HERE: Record<string, string> = {
  // (import: OPENAI_API_KEY holds a key, which nothing checked: never piped in from there, FIX.)
  // No terminal at all: piped in.
  setup: 'Store your key again (pipe the key in, in place of …) with `… | openai-setup key --profile p --stdin` (it replaces what is stored).',
};
/** At a terminal: `key`, which asks. */
const FIX_AT_TERMINAL = 'Store your key again (it asks for the key, hidden) with `openai-setup key --profile p` (it replaces what is stored).';
const ADMIN = makeKey('admin', 'stored-value-judged');
const PROJECT = 'proj_StoredValueJudged000000000';

/**
 * Each hand-edited value: what every command says of it (null: it is the key K, handed out as K).
 * A value that is a key for some server (`hello-world`) is judged by use: stored-value-by-use.test.ts.
 */
const VALUES: Array<{ name: string; value: string; problem: string | null }> = [
  { name: 'the key twice in a row', value: K + K, problem: 'is not an API key: it is the same key twice in a row' },
  { name: '"Bearer " before the key', value: `Bearer ${K}`, problem: 'is not an API key: it contains whitespace, which an API key never has' },
  { name: 'the key in quotes', value: `"${K}"`, problem: 'is not an API key: it contains a quote, which an API key never has' },
  { name: 'the key and a line break, as echo writes it', value: `${K}\n`, problem: null },
  { name: 'the key and CRLF', value: `${K}\r\n`, problem: null },
];


let t: TestContext;
afterEach(() => t?.cleanup());

/** What a command made of the value: its exit code, what it said (message, fixes), and the key it let out (null: none). */
interface Outcome {
  code: number;
  message: string;
  fixes: string[];
  out: string | null;
}

const COMMANDS: Record<string, (value: string) => Promise<Outcome>> = {
  async verify(value) {
    t = makeTestContext({ stdoutIsTTY: false, keychain: { p: value } });
    t.api.answerEveryCheck(() => checkResult('valid'));
    const code = await verify(t.ctx, { profile: 'p', json: true, quiet: false, billingCheck: true });
    const json = VerifyJsonSchema.parse(JSON.parse(t.stdout));
    expect(json.exitCode).toBe(code);
    return { code, message: code ? json.message : '', fixes: json.fix ? [json.fix] : [], out: t.api.checkedKeys[0] ?? null };
  },
  async token(value) {
    t = makeTestContext({ stdoutIsTTY: false, keychain: { p: value } });
    const { code, message, hints } = await outcomeOf(token(t.ctx, { profile: 'p', yes: true }));
    return { code, message, fixes: hints, out: code === 0 ? t.stdout.replace(/\n$/, '') : null };
  },
  async run(value) {
    t = makeTestContext({ stdoutIsTTY: false, keychain: { p: value } });
    const host = new RecordingHost();
    const { code, message, hints } = await outcomeOf(runCommand(t.ctx, { profile: 'p', command: ['printenv', 'OPENAI_API_KEY'] }, host));
    return { code, message, fixes: hints, out: host.spawned[0]?.OPENAI_API_KEY ?? null };
  },
  async env(value) {
    t = makeTestContext({ stdoutIsTTY: false, keychain: { p: value } });
    const { code, message, hints } = await outcomeOf(env(t.ctx, { profile: 'p', force: true, gitignore: false }));
    const file = join(t.cwd, '.env');
    return { code, message, fixes: hints, out: existsSync(file) ? readFileSync(file, 'utf8').replace(/^OPENAI_API_KEY=(.*)\n$/s, '$1') : null };
  },
  async doctor(value) {
    t = makeTestContext({ stdoutIsTTY: false, keychain: { p: value } });
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 42 });
    t.api.answerEveryCheck(() => checkResult('valid'));
    const code = await doctor(t.ctx, { profile: 'p', json: true });
    const json = DoctorJsonSchema.parse(JSON.parse(t.stdout));
    const stored = json.checks.find((c) => c.id === 'stored-key')!;
    return { code, message: stored.status === 'fail' ? `${stored.detail}.` : '', fixes: stored.status === 'fail' && stored.fix ? [stored.fix] : [], out: t.api.checkedKeys[0] ?? null };
  },
  // What it let out: the old key it revoked (K, known to the organization as a key of PROJECT).
  async rotate(value) {
    t = makeTestContext({ stdoutIsTTY: false, admin: true, keychain: { p: value, 'p:admin': ADMIN } });
    organizationWith(t, { admin: ADMIN, project: PROJECT, old: K });
    const { code, message, hints } = await outcomeOf(rotate(t.ctx, { profile: 'p', project: PROJECT, keepOld: false, yes: true, json: false }));
    if (code !== 0) {
      // Refused before anything was asked of the Admin API, or made: the value stays, as it was.
      expect(t.org.requests).toEqual([]);
      expect(t.keychain.keyOf('p')).toBe(value);
    }
    return { code, message, fixes: hints, out: t.org.isLive(K) ? null : K };
  },
  // What it let out: the key OPENAI_API_KEY holds (K) said to be the stored one, compared as a key.
  async import(value) {
    t = makeTestContext({ stdoutIsTTY: false, keychain: { p: value }, env: { OPENAI_API_KEY: K } });
    const { code, message, hints } = await outcomeOf(runImport(t.ctx, { profile: 'p', check: false, json: true, rewrite: false, yes: false }, { places: () => [], fish: async () => ({ ok: true, missing: false, detail: '' }) }));
    const stored = code === 0 && ImportJsonSchema.parse(JSON.parse(t.stdout)).environment.some((e) => e.stored);
    return { code, message, fixes: hints, out: stored ? K : null };
  },
  // The wizard's own look-up, every stage done and the key recorded in the keychain (so that it
  // reads it): what it sent, or what it said of the value (its check's message and fix line).
  async setup(value) {
    t = makeTestContext({ interactive: false, keychain: { p: value } });
    await recordedKey('p');
    t.api.answerEveryCheck(() => checkResult('valid'));
    const { code } = await outcomeOf(setup(t.ctx, { profile: 'p', restart: false, insecureStorage: false }));
    const said = /\n✖ (What .*)\n {2}(.*)\n/.exec(t.stdout);
    return { code, message: said?.[1] ?? '', fixes: said ? [said[2]!] : [], out: t.api.checkedKeys[0] ?? null };
  },
};

/** An earlier run's record: every stage done, the key of `profile` in the keychain (the wizard reads the keychain only then). */
async function recordedKey(profile: string): Promise<void> {
  await t.ctx.state.updateProfile(profile, (p) => {
    for (const id of STAGE_IDS) p.stages[id] = { doneAt: '2026-01-01T00:00:00.000Z' };
    p.key = { storage: 'keychain', hint: maskKey(K), savedAt: '2026-01-01T00:00:00.000Z' };
  });
}

/** The sentence every command says, with what it adds (verify: not sent; the others: not handed out). */
const SAID = (problem: string, value: string) => `What the Secret Service keyring holds as the key of profile "p" (${maskKey(value)}) ${problem}.`;
const ADDED: Record<string, string> = {
  verify: ' It was not sent.',
  token: ' It is not handed out.',
  run: ' It is not handed out.',
  env: ' It is not handed out.',
  doctor: '',
  rotate: ' Nothing was changed.',
  import: ' Nothing was stored or changed.',
  setup: ' It was not sent.',
};

describe('a hand-edited stored value is judged once, alike by every command', () => {
  for (const { name, value, problem } of VALUES) {
    for (const [command, outcome] of Object.entries(COMMANDS)) {
      const fixes = [FIX_HERE[command] ?? FIX];
      it(`${name}: ${command} ${problem ? 'refuses it (exit 3), saying the same' : 'hands out the key'}`, async () => {
        const got = await outcome(value);
        if (problem === null) {
          expect(got).toEqual({ code: 0, message: '', fixes: [], out: K });
        } else {
          // verify, doctor and the wizard say every fix on their one fix line.
          expect(got).toEqual({ code: 3, message: SAID(problem, value) + ADDED[command], fixes: ['doctor', 'verify', 'setup'].includes(command) ? [fixes.join(' ')] : fixes, out: null });
        }
        // Never the value itself (its masked hint only).
        if (problem !== null) expect(t.stdout + t.stderr).not.toContain(K);
      });
    }
  }

  it('for another server (OPENAI_BASE_URL), a value only it would take is its key: handed out and sent', async () => {
    const server = { OPENAI_BASE_URL: 'http://127.0.0.1:18777/v1' };
    t = makeTestContext({ stdoutIsTTY: false, keychain: { p: 'hello-world' }, env: server });
    expect(await token(t.ctx, { profile: 'p', yes: true })).toBe(0);
    expect(t.stdout).toBe('hello-world\n');
    await t.cleanup();
    t = makeTestContext({ stdoutIsTTY: false, keychain: { p: 'hello-world' }, env: server });
    t.api.answerEveryCheck(() => checkResult('valid'));
    expect(await verify(t.ctx, { profile: 'p', json: true, quiet: true, billingCheck: true })).toBe(0);
    expect(t.api.checkedKeys).toEqual(['hello-world']);
  });

  it('the wizard at a terminal: said as the others say it, nothing sent, then the key stage, whose key replaces the value', async () => {
    t = makeTestContext({ keychain: { p: `Bearer ${K}` } });
    await recordedKey('p');
    t.prompts.whenPassword('Paste your secret key (input is hidden):', OTHER);
    t.api.answerChecks(checkResult('valid'));
    expect(await setup(t.ctx, { profile: 'p', restart: false, insecureStorage: false })).toBe(0);
    expect(t.stdout).toContain(`✖ ${SAID('is not an API key: it contains whitespace, which an API key never has', `Bearer ${K}`)} It was not sent.\n  ${FIX_AT_TERMINAL}\n`);
    expect(t.stdout).toContain('Step 4 of 4 · Create a secret key');
    expect(t.api.checkedKeys).toEqual([OTHER]);
    expect(t.keychain.keyOf('p')).toBe(OTHER);
    expect(t.stdout + t.stderr).not.toContain(K);
    t.assertScriptsUsed();
  });

  it('the fix works as said: `key` stores the key over the value, and token then hands it out', async () => {
    t = makeTestContext({ stdoutIsTTY: false, interactive: false, keychain: { p: K + K }, stdin: `${OTHER}\n` });
    expect(await key(t.ctx, { profile: 'p', stdin: true, verify: false })).toBe(0);
    const before = t.stdout.length;
    expect(await token(t.ctx, { profile: 'p', yes: true })).toBe(0);
    expect(t.stdout.slice(before)).toBe(`${OTHER}\n`);
  });
});

// A stored value is judged by what the command does with it. token, run and env hand it on: no file
// records which server a key is for, so they refuse only what is no key for any server, and hand
// out whatever `key --base-url` stored (a Groq key, a LiteLLM master key, a local server's word).
// verify and doctor's live check send it: judged for the server in effect, so another server's key
// is not sent to the OpenAI API, and what they say leads on (never back to `key` refusing it).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DoctorJsonSchema, run as doctor } from '../../src/commands/doctor.js';
import { run as env } from '../../src/commands/env.js';
import { run as key } from '../../src/commands/key.js';
import { run as profiles } from '../../src/commands/profiles.js';
import { run as runCommand } from '../../src/commands/run.js';
import { run as setup } from '../../src/commands/setup.js';
import { run as token } from '../../src/commands/token.js';
import { run as verify, VerifyJsonSchema } from '../../src/commands/verify.js';
import { maskKey } from '../../src/keys/format.js';
import { KEYCHAIN_SERVICE } from '../../src/storage/keystore.js';
import { STAGE_IDS } from '../../src/storage/state.js';
import { checkResult, keyStoreIn, makeTestContext, outcomeOf, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';
import { RecordingHost } from '../helpers/recording-host.js';

const K = testKey('J');
const OTHER = testKey('N');
const GROQ = `gsk_${'Wq3e'.repeat(13)}`;
const GROQ_URL = 'https://api.groq.com/openai/v1';
const LITELLM = 'sk-litellm-master-1234';
const LOCAL = 'http://localhost:8080/v1';
const KEYRING = 'the Secret Service keyring';

let t: TestContext;
afterEach(() => t?.cleanup());

function context(options: TestContextOptions): TestContext {
  t = makeTestContext({ stdoutIsTTY: false, interactive: false, ...options });
  return t;
}

/** What token, run and env each handed out for profile p (null: nothing), with the exit code and what was said. */
async function handedOut(): Promise<Record<'token' | 'run' | 'env', { code: number; message: string; hints: string[]; out: string | null }>> {
  const from = t.stdout.length;
  const tok = await outcomeOf(token(t.ctx, { profile: 'p', yes: true }));
  const printed = t.stdout.slice(from);
  const host = new RecordingHost();
  const ran = await outcomeOf(runCommand(t.ctx, { profile: 'p', command: ['printenv', 'OPENAI_API_KEY'] }, host));
  const envd = await outcomeOf(env(t.ctx, { profile: 'p', force: true, gitignore: false }));
  const file = join(t.cwd, '.env');
  return {
    token: { ...tok, out: tok.code === 0 ? printed.replace(/\n$/, '') : null },
    run: { ...ran, out: host.spawned[0]?.OPENAI_API_KEY ?? null },
    env: { ...envd, out: envd.code === 0 && existsSync(file) ? readFileSync(file, 'utf8').replace(/^OPENAI_API_KEY=(.*)\n$/s, '$1') : null },
  };
}

function allHandOut(value: string) {
  const ok = { code: 0, message: '', hints: [], out: value };
  return { token: ok, run: ok, env: ok };
}

function noneHandsOut(message: string, hints: string[]) {
  const refused = { code: 3, message: `${message} It is not handed out.`, hints, out: null };
  return { token: refused, run: refused, env: refused };
}

/** verify --json for profile p, every check answered "works": its exit code, message, fix and what was sent. */
async function verified(options: { baseURL?: string } = {}): Promise<{ code: number; message: string; fix: string | null; sent: string[] }> {
  const from = t.stdout.length;
  t.api.answerEveryCheck(() => checkResult('valid'));
  const code = await verify(t.ctx, { profile: 'p', json: true, quiet: false, billingCheck: true, ...options });
  const json = VerifyJsonSchema.parse(JSON.parse(t.stdout.slice(from)));
  return { code, message: code ? json.message : '', fix: json.fix, sent: t.api.checkedKeys };
}

describe('what `key --base-url` stores, token, run and env hand out', () => {
  // Each shape `key` takes for another server (with a warning for the unusual ones).
  const SHAPES: Record<string, string> = {
    'a Groq key': GROQ,
    'a LiteLLM master key': LITELLM,
    "a local server's word": 'hello-world',
    'an OpenRouter key': `sk-or-v1-${'ab12'.repeat(16)}`,
    'an Anthropic key': `sk-ant-api03-${'Zx9_'.repeat(10)}`,
    'an xAI key': `xai-${'Qp7r'.repeat(10)}`,
    'a Google key': `AIza${'S'.repeat(35)}`,
    'an Azure key (32 hex digits)': '0123456789abcdef0123456789abcdef',
    'a DeepSeek key (sk- and 32 hex digits)': `sk-${'fedcba9876543210'.repeat(2)}`,
    "a gateway's long token": `tok_${'y'.repeat(300)}`,
    'an OpenAI key': K,
  };
  for (const [name, value] of Object.entries(SHAPES)) {
    it(`${name}: stored with --base-url, then handed out as stored`, async () => {
      context({ stdin: `${value}\n` });
      expect(await key(t.ctx, { profile: 'p', stdin: true, verify: false, check: { baseURL: LOCAL } })).toBe(0);
      expect(t.keychain.keyOf('p')).toBe(value);
      expect(await handedOut()).toEqual(allHandOut(value));
    });
  }
});

describe('a key for another server, stored: handed out, not sent to the OpenAI API', () => {
  it('a Groq key stored with --base-url: token, run and env hand it out; verify refuses to send it to api.openai.com and names the check that works', async () => {
    context({ stdin: `${GROQ}\n` });
    expect(await key(t.ctx, { profile: 'p', stdin: true, verify: false, check: { baseURL: GROQ_URL } })).toBe(0);
    expect(await handedOut()).toEqual(allHandOut(GROQ));
    expect(await verified()).toEqual({
      code: 3,
      message: `What ${KEYRING} holds as the key of profile "p" (${maskKey(GROQ)}) is not an OpenAI API key: it looks like a Groq key, not an OpenAI key (those start with "sk-"); to use it, set OPENAI_BASE_URL=${GROQ_URL}. It was not sent.`,
      fix: `To check it with that server: \`openai-setup verify --profile p --base-url ${GROQ_URL}\`. If it is to be an OpenAI key, store yours (pipe the key in, in place of …) with \`… | openai-setup key --profile p --stdin\` (it replaces what is stored).`,
      sent: [],
    });
    // As it says: checked with that server, it is sent there.
    expect(await verified({ baseURL: GROQ_URL })).toMatchObject({ code: 0, sent: [GROQ] });
  });

  it('doctor: the stored Groq key is a stored key (✔), and its live check fails before sending (exit 3), naming OPENAI_BASE_URL', async () => {
    context({ keychain: { p: GROQ } });
    // Recorded, as `key --base-url` leaves it (unrecorded, doctor would record it).
    await t.ctx.state.updateProfile('p', (p) => {
      p.key = { storage: 'keychain', hint: maskKey(GROQ), savedAt: '2026-01-01T00:00:00.000Z' };
    });
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 42 });
    const code = await doctor(t.ctx, { profile: 'p', json: true });
    const json = DoctorJsonSchema.parse(JSON.parse(t.stdout));
    expect(code).toBe(3);
    expect(json.checks.find((c) => c.id === 'stored-key')).toMatchObject({ status: 'ok', detail: `${maskKey(GROQ)} in the Secret Service keyring (profile p)` });
    expect(json.checks.find((c) => c.id === 'verify')).toMatchObject({
      status: 'fail',
      detail: `What ${KEYRING} holds as the key of profile "p" (${maskKey(GROQ)}) is not an OpenAI API key: it looks like a Groq key, not an OpenAI key (those start with "sk-"); to use it, set OPENAI_BASE_URL=${GROQ_URL}. It was not sent.`,
      fix: 'If it is to be an OpenAI key, store yours (pipe the key in, in place of …) with `… | openai-setup key --profile p --stdin` (it replaces what is stored).',
    });
    expect(t.api.checkedKeys).toEqual([]);
  });

  it('the wizard judges it for the server it checks with: not sent to the OpenAI API; with --base-url naming its server, sent there', async () => {
    context({ keychain: { p: GROQ } });
    await t.ctx.state.updateProfile('p', (p) => {
      for (const id of STAGE_IDS) p.stages[id] = { doneAt: '2026-01-01T00:00:00.000Z' };
      p.key = { storage: 'keychain', hint: maskKey(GROQ), savedAt: '2026-01-01T00:00:00.000Z' };
    });
    t.api.answerEveryCheck(() => checkResult('valid'));
    expect((await outcomeOf(setup(t.ctx, { profile: 'p', restart: false, insecureStorage: false }))).code).toBe(3);
    expect(t.stdout).toContain(`✖ What ${KEYRING} holds as the key of profile "p" (${maskKey(GROQ)}) is not an OpenAI API key: it looks like a Groq key, not an OpenAI key (those start with "sk-"); to use it, set OPENAI_BASE_URL=${GROQ_URL}. It was not sent.`);
    expect(t.stdout).toContain(`  To check it with that server: \`openai-setup verify --profile p --base-url ${GROQ_URL}\`.`);
    expect(t.api.checkedKeys).toEqual([]);
    expect(await setup(t.ctx, { profile: 'p', restart: false, insecureStorage: false, check: { baseURL: GROQ_URL } })).toBe(0);
    expect(t.api.checkedKeys).toEqual([GROQ]);
  });

  it('with OPENAI_BASE_URL naming its server, doctor checks the stored Groq key there', async () => {
    context({ keychain: { p: GROQ }, env: { OPENAI_BASE_URL: GROQ_URL } });
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 42 });
    t.api.answerEveryCheck(() => checkResult('valid'));
    await doctor(t.ctx, { profile: 'p', json: true });
    expect(t.api.checkedKeys).toEqual([GROQ]);
  });

  for (const [name, value, problem] of [
    ['a LiteLLM master key', LITELLM, 'it is far too short (22 of 51 characters), as if cut off: copy it again'],
    ["a local server's word", 'hello-world', 'OpenAI keys start with "sk-" (usually "sk-proj-")'],
  ] as const) {
    it(`${name}: handed out; verify and doctor's live check refuse to send it to the OpenAI API, naming OPENAI_BASE_URL and --base-url in words`, async () => {
      context({ keychain: { p: value } });
      expect(await handedOut()).toEqual(allHandOut(value));
      const said = `What ${KEYRING} holds as the key of profile "p" (${maskKey(value)}) is not an OpenAI API key: ${problem}. It was not sent.`;
      const there = 'If it is a key for another OpenAI-compatible server, set OPENAI_BASE_URL to that server';
      const instead = 'If it is to be an OpenAI key, store yours (pipe the key in, in place of …) with `… | openai-setup key --profile p --stdin` (it replaces what is stored).';
      expect(await verified()).toEqual({ code: 3, message: said, fix: `${there} (or give --base-url its URL). ${instead}`, sent: [] });
      t.api.answerReach({ reached: true, status: 401, json: true, ms: 42 });
      const from = t.stdout.length;
      expect(await doctor(t.ctx, { profile: 'p', json: true })).toBe(3);
      const json = DoctorJsonSchema.parse(JSON.parse(t.stdout.slice(from)));
      expect(json.checks.find((c) => c.id === 'verify')).toMatchObject({ status: 'fail', detail: said, fix: `${there}. ${instead}` });
      expect(t.api.checkedKeys).toEqual([]);
      // And with --base-url (as it says), it is sent there.
      expect(await verified({ baseURL: LOCAL })).toMatchObject({ code: 0, sent: [value] });
    });
  }
});

describe('what is no key for any server is still never handed out', () => {
  const quoted = (v: string) => `"${v}"`;
  const CASES: Array<{ name: string; value: string; problem: string }> = [
    { name: 'the key in quotes', value: quoted(K), problem: 'it contains a quote, which an API key never has' },
    { name: '"Bearer " before the key', value: `Bearer ${K}`, problem: 'it contains whitespace, which an API key never has' },
    { name: 'the key twice in a row', value: K + K, problem: 'it is the same key twice in a row' },
    { name: 'two keys run together', value: K + OTHER, problem: 'it is two keys run together ("T3BlbkFJ", in the middle of every OpenAI key, is in it twice): paste only one' },
    { name: 'a letter beyond ASCII', value: `gsk_${'a'.repeat(20)}é`, problem: 'it contains a non-ASCII character (U+00E9), which an API key never has' },
    { name: 'a control character', value: `hello\x07world`, problem: 'it contains a control character (U+0007), which an API key never has' },
    { name: 'a space inside', value: 'hello world', problem: 'it contains whitespace, which an API key never has' },
  ];
  const FIX = 'Store your key again (pipe the key in, in place of …) with `… | openai-setup key --profile p --stdin` (it replaces what is stored).';
  for (const { name, value, problem } of CASES) {
    it(`${name}: token, run and env refuse it (exit 3)`, async () => {
      context({ keychain: { p: value } });
      expect(await handedOut()).toEqual(noneHandsOut(`What ${KEYRING} holds as the key of profile "p" (${maskKey(value)}) is not an API key: ${problem}.`, [FIX]));
    });
  }

  it('a Groq key in quotes: the fix stores it with the --base-url `key` needs to take it, and then it is handed out', async () => {
    context({ keychain: { p: quoted(GROQ) }, stdin: `${GROQ}\n` });
    const fix = `Store your key again (pipe the key in, in place of …) with \`… | openai-setup key --profile p --stdin --base-url ${GROQ_URL}\` (it replaces what is stored).`;
    expect((await handedOut()).token).toEqual({ code: 3, message: `What ${KEYRING} holds as the key of profile "p" (${maskKey(quoted(GROQ))}) is not an API key: it contains a quote, which an API key never has. It is not handed out.`, hints: [fix], out: null });
    // Followed as printed: `key` takes it (without --base-url it would refuse it, as a Groq key).
    expect(await key(t.ctx, { profile: 'p', stdin: true, verify: false, check: { baseURL: GROQ_URL } })).toBe(0);
    expect(await handedOut()).toEqual(allHandOut(GROQ));
  });

  it("a local server's word in quotes: the fix says --base-url is needed, in words (its server is not known)", async () => {
    context({ keychain: { p: quoted('hello-world') } });
    expect((await handedOut()).run.hints).toEqual(['Store your key again (pipe the key in, in place of …) with `… | openai-setup key --profile p --stdin`, adding --base-url with the URL of the server the key is for (it replaces what is stored).']);
  });
});

describe('profiles: a check of a stored value that was refused', () => {
  /** The row of profile p in the profiles table. */
  async function row(): Promise<string> {
    const from = t.stdout.length;
    expect(await profiles(t.ctx, { json: false, names: false })).toBe(0);
    return t.stdout.slice(from).split('\n').find((line) => line.includes(' p '))!;
  }

  it('is said to be a check of what the keychain held, not of "not the stored key"', async () => {
    context({ stdin: `${K}\n` });
    expect(await key(t.ctx, { profile: 'p', stdin: true, verify: false })).toBe(0);
    // Edited by hand afterwards: the keychain holds the key in quotes, which verify refuses.
    await t.keychain.setPassword(KEYCHAIN_SERVICE, 'p', `"${K}"`);
    expect((await verified()).code).toBe(3);
    const shown = await row();
    expect(shown).toContain(`${maskKey(K)} (keychain)`);
    // The hint of the value checked (the quote is its first character).
    expect(maskKey(`"${K}"`)).toBe('"sk…00J"');
    expect(shown).toMatch(/not an API key, 2026-03-02 09:30 UTC \(checked "sk…00J" from the keychain\)$/);
    expect(shown).not.toContain('not the stored key');
  });

  it('in the --insecure-storage file: said to be of what the file held', async () => {
    context({ stdin: `${K}\n` });
    expect(await key(t.ctx, { profile: 'p', stdin: true, verify: false, insecureStorage: true })).toBe(0);
    // Edited by hand afterwards (through a key store of its own, as another run would write it).
    await keyStoreIn(t.configDir).set('p', `"${K}"`, true);
    expect((await verified()).code).toBe(3);
    expect(await row()).toMatch(/not an API key, 2026-03-02 09:30 UTC \(checked "sk…00J" from the plain-text file\)$/);
  });

  it('a check of OPENAI_API_KEY is still "not the stored key"', async () => {
    context({ stdin: `${K}\n`, env: { OPENAI_API_KEY: OTHER } });
    expect(await key(t.ctx, { profile: 'p', stdin: true, verify: false })).toBe(0);
    expect((await verified()).code).toBe(0);
    expect(await row()).toContain(`(checked ${maskKey(OTHER)}, not the stored key)`);
  });
});

// A damaged --insecure-storage key file holding several profiles' keys: every command that reads
// it fails (exit 7) naming the exact `rm`, that the other profiles' keys go with the file, and the
// command that stores this profile's key again as it works where it is read; --json documents
// carry that fix. One wording: doctor says the same.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DoctorJsonSchema, run as doctor } from '../../src/commands/doctor.js';
import { run as key } from '../../src/commands/key.js';
import { run as status } from '../../src/commands/status.js';
import { run as token } from '../../src/commands/token.js';
import { run as verify } from '../../src/commands/verify.js';
import { makeTestContext, outcomeOf, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';

const K1 = testKey('G');
const K2 = testKey('H');

let t: TestContext;
afterEach(async () => t?.cleanup());

/** A context (no keychain on this machine) whose key file holds both profiles' keys, its last `}` cut off; its path and text. */
function damaged(options: TestContextOptions = {}): { path: string; text: string } {
  t = makeTestContext({ interactive: false, ...options });
  t.keychain.withoutBus();
  mkdirSync(t.configDir, { recursive: true, mode: 0o700 });
  const path = join(t.configDir, 'credentials.json');
  const text = `${JSON.stringify({ version: 1, keys: { g1: K1, g2: K2 } }, null, 2)}`.replace(/\}$/, '');
  writeFileSync(path, text, { mode: 0o600 });
  return { path, text };
}

/** The fix, as every command and doctor say it, for `profile` with no terminal. */
const pipedFix = (path: string, profile: string) =>
  `Remove it (\`rm -- '${path}'\`): every key in it is lost with it, other profiles' too (copy yours out first if you can still read it there); then store the key of profile "${profile}" again (pipe the key in, in place of …) with \`… | openai-setup key --profile ${profile} --stdin --insecure-storage\`.`;

describe.skipIf(process.platform === 'win32')('a damaged key file holding several profiles\' keys', () => {
  it('token: exit 7, the rm, the other profiles\' keys going with it, and the key command for a run without a terminal', async () => {
    const { path } = damaged();
    expect(await outcomeOf(token(t.ctx, { profile: 'g1', yes: true }))).toEqual({ code: 7, message: `${path} is damaged.`, hints: [pipedFix(path, 'g1')] });
    expect(t.stdout).toBe('');
  });

  it('token at a terminal: the command that asks for the key', async () => {
    const { path } = damaged({ interactive: true });
    const { hints } = await outcomeOf(token(t.ctx, { profile: 'g2', yes: true }));
    expect(hints).toEqual([
      `Remove it (\`rm -- '${path}'\`): every key in it is lost with it, other profiles' too (copy yours out first if you can still read it there); then store the key of profile "g2" again (it asks for the key, hidden) with \`openai-setup key --profile g2 --insecure-storage\`.`,
    ]);
  });

  it('verify --json: reason key_store, and the fix in the document', async () => {
    const { path } = damaged();
    expect((await outcomeOf(verify(t.ctx, { profile: 'g1', json: true, quiet: false, billingCheck: true }))).code).toBe(7);
    expect(JSON.parse(t.stdout)).toMatchObject({ ok: false, exitCode: 7, reason: 'key_store', message: `${path} is damaged.`, fix: pipedFix(path, 'g1') });
  });

  it('key --stdin --insecure-storage: refused with the same fix, the file left as it was', async () => {
    const { path, text } = damaged({ stdin: `${K1}\n` });
    expect(await outcomeOf(key(t.ctx, { profile: 'g1', stdin: true, verify: false, insecureStorage: true }))).toEqual({ code: 7, message: `sk-proj-…000G was not stored: ${path} is damaged.`, hints: [pipedFix(path, 'g1')] });
    expect(readFileSync(path, 'utf8')).toBe(text);
  });

  it('doctor says the same fix (one wording)', async () => {
    const { path } = damaged();
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 42 });
    await doctor(t.ctx, { json: true, profile: 'g2' });
    expect(DoctorJsonSchema.parse(JSON.parse(t.stdout)).checks.find((c) => c.id === 'stored-key')).toMatchObject({ detail: `${path} is damaged`, fix: pipedFix(path, 'g2') });
  });
});

/** Profile g1's record: its key (…000G) in the file, and a last check of the key `checked` at 127.0.0.1:`port`. */
async function recordedInFile(checked: string, port: number): Promise<void> {
  await t.ctx.state.update((s) => {
    s.profiles.g1 = {
      key: { storage: 'file', hint: 'sk-proj-…000G', savedAt: '2026-01-01T00:00:00.000Z' },
      lastVerify: { at: '2026-01-01T00:00:00.000Z', status: 'valid', ok: true, keyHint: checked, keySource: 'x', organization: null, project: null, tier: null, billing: 'ok', message: 'm', host: `127.0.0.1:${port}`, baseURL: `http://127.0.0.1:${port}/v1` },
    } as (typeof s.profiles)[string];
  });
}

describe.skipIf(process.platform === 'win32')('a damaged key file, the key last checked at another server', () => {
  it('status: the command that stores the key again checks it there (--base-url), as its other commands do', async () => {
    const { path } = damaged();
    await recordedInFile('sk-proj-…000G', 18556);
    expect(await status(t.ctx, { json: false, profile: 'g1' })).toBe(0);
    expect(t.stdout.replace(/\s+/g, ' ')).toContain(`rm -- '${path}'`);
    expect(t.stdout.replace(/\s+/g, ' ')).toContain('`… | openai-setup key --profile g1 --stdin --insecure-storage --base-url http://127.0.0.1:18556/v1`');
  });

  it('a last check of another key (OPENAI_API_KEY\'s, at another server): its server is not named', async () => {
    damaged();
    await recordedInFile('sk-proj-…000B', 18557);
    expect(await status(t.ctx, { json: false, profile: 'g1' })).toBe(0);
    expect(t.stdout.replace(/\s+/g, ' ')).toContain('`… | openai-setup key --profile g1 --stdin --insecure-storage`');
    expect(t.stdout).not.toContain('--base-url http://127.0.0.1:18557/v1`');
  });
});

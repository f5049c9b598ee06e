// `verify --quiet` prints nothing when the key works, nor when its check fails: only its exit code tells (an error it prints comes after what the stores found, as that may be why): not even what the key store says when
// it reads the key (from the --insecure-storage file, a leftover copy, a key file it made private
// again), or the progress file's store (damaged, moved aside), which every other command says on stderr.
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as key } from '../../src/commands/key.js';
import { run as use } from '../../src/commands/use.js';
import { run as verify, type VerifyOptions } from '../../src/commands/verify.js';
import { KeyStore } from '../../src/storage/keystore.js';
import { StateStore } from '../../src/storage/state.js';
import { checkResult, makeTestContext, MemoryKeychain, testKey, type TestContext } from '../helpers/context.js';

const KEY = testKey('Q');
const VERIFY: VerifyOptions = { json: false, quiet: false, billingCheck: true };

let t: TestContext;
afterEach(() => t?.cleanup());

/** The key stored with --insecure-storage (`key --stdin --insecure-storage` where no keychain can be reached: recorded as in the file); two checks answered. */
async function keyInFile(): Promise<void> {
  t = makeTestContext({ interactive: false, stdoutIsTTY: false });
  const unreachable = new KeyStore(new MemoryKeychain().failWith('no-service'), t.configDir, () => {}, t.ctx.state);
  expect(await key({ ...t.ctx, keys: unreachable, readStdin: async () => `${KEY}\n` }, { stdin: true, insecureStorage: true, verify: false })).toBe(0);
  t.api.answerChecks(checkResult('valid'), checkResult('valid'));
}

/** What `verify` printed, run with stores of its own (as each run has) on the same config dir. */
async function verified(options: VerifyOptions): Promise<{ code: number; printed: string }> {
  const from = t.stdout.length + t.stderr.length;
  const warn = (message: string) => t.ctx.term.err(`! ${message}`);
  const state = new StateStore(t.configDir, () => new Date(), warn);
  const keys = new KeyStore(t.keychain, t.configDir, warn, state);
  const code = await verify({ ...t.ctx, keys, state }, options);
  return { code, printed: (t.stdout + t.stderr).slice(from) };
}

describe('verify --quiet with the key in the plain-text file', () => {
  it('says nothing; without --quiet, the notice that the key is read from the file is said', async () => {
    await keyInFile();
    expect(await verified({ ...VERIFY, quiet: true })).toEqual({ code: 0, printed: '' });
    expect(t.api.checks).toHaveLength(1);
    expect((await verified(VERIFY)).printed).toContain(`! Reading the key of profile "default" from the plain-text file ${t.ctx.keys.filePath} (--insecure-storage).`);
  });

  it('says nothing of a key file others could read either, and still makes it private', async () => {
    await keyInFile();
    chmodSync(t.ctx.keys.filePath, 0o644);
    expect(await verified({ ...VERIFY, quiet: true })).toEqual({ code: 0, printed: '' });
    expect(statSync(t.ctx.keys.filePath).mode & 0o777).toBe(0o600);
    chmodSync(t.ctx.keys.filePath, 0o644);
    expect((await verified(VERIFY)).printed).toMatch(/could be read by other users; made the file 0600 now/);
  });

  it('says nothing of a leftover copy of another key in the keychain', async () => {
    await keyInFile();
    // An older key of the profile left in the keychain (stored there before; the record names the file's).
    await t.keychain.setPassword('openai-setup', 'default', testKey('O'));
    expect(await verified({ ...VERIFY, quiet: true })).toEqual({ code: 0, printed: '' });
    expect((await verified(VERIFY)).printed).toMatch(/also holds sk-proj-…000O as the key of profile "default", a leftover that is not the key recorded/);
  });
});

describe('verify --quiet with a damaged progress file', () => {
  it('says nothing of it; without --quiet, that it is not used is said', async () => {
    await keyInFile();
    const damage = () => writeFileSync(join(t.configDir, 'state.json'), '{"profiles":');
    damage();
    const quiet = await verified({ ...VERIFY, quiet: true, key: KEY });
    expect(quiet).toEqual({ code: 0, printed: '' });
    damage();
    expect((await verified({ ...VERIFY, key: KEY })).printed).toMatch(/! The progress file .* is damaged \(.*\), so it is not used/);
  });
});

describe('verify --quiet that fails: what the stores found is said before an error it prints, never alone', () => {
  it('a damaged progress file that lost the profile chosen with `use`: said, then the error (no key for "default")', async () => {
    t = makeTestContext({ interactive: false, stdoutIsTTY: false });
    const unreachable = new KeyStore(new MemoryKeychain().failWith('no-service'), t.configDir, () => {}, t.ctx.state);
    expect(await key({ ...t.ctx, keys: unreachable, readStdin: async () => `${KEY}\n` }, { stdin: true, insecureStorage: true, verify: false, profile: 'work' })).toBe(0);
    expect(await use(t.ctx, { name: 'work' })).toBe(0);
    writeFileSync(join(t.configDir, 'state.json'), '{bad');
    const from = t.stderr.length;
    await expect(verified({ ...VERIFY, quiet: true })).rejects.toThrow(/No key to check for profile "default"/);
    expect(t.stderr.slice(from)).toMatch(/^! The progress file .* is damaged \(.*\), so it is not used/);
    expect(t.api.checks).toHaveLength(0);
  });

  it('a check that fails (the key rejected) prints no error, so nor what the stores found: nothing on stderr, with --json too; the exit code tells', async () => {
    t = makeTestContext({ interactive: false, stdoutIsTTY: false });
    const unreachable = new KeyStore(new MemoryKeychain().failWith('no-service'), t.configDir, () => {}, t.ctx.state);
    expect(await key({ ...t.ctx, keys: unreachable, readStdin: async () => `${KEY}\n` }, { stdin: true, insecureStorage: true, verify: false })).toBe(0);
    t.api.answerChecks(checkResult('invalid_key'), checkResult('invalid_key'), checkResult('valid'));
    expect(await verified({ ...VERIFY, quiet: true })).toEqual({ code: 3, printed: '' });
    const [out, err] = [t.stdout.length, t.stderr.length];
    expect((await verified({ ...VERIFY, quiet: true, json: true })).code).toBe(3);
    // The document alone, on stdout: the plain-text file's notice, which is not why, is not said.
    expect(t.stderr.slice(err)).toBe('');
    expect(JSON.parse(t.stdout.slice(out))).toMatchObject({ ok: false, exitCode: 3, key: { source: 'file' } });
    expect(t.api.checks).toHaveLength(2);
    expect(await verified({ ...VERIFY, quiet: true })).toEqual({ code: 0, printed: '' });
  });
});

describe('verify --quiet still says, on stderr, where the key goes and that it travels unprotected', () => {
  it('a server that is not OpenAI\'s from OPENAI_BASE_URL, plain http:// to another machine, TLS not checked: one line each, the key working; not the Authorization line of OPENAI_CUSTOM_HEADERS', async () => {
    t = makeTestContext({ interactive: false, stdoutIsTTY: false, env: { NODE_TLS_REJECT_UNAUTHORIZED: '0', OPENAI_CUSTOM_HEADERS: 'Authorization: Bearer other', OPENAI_BASE_URL: 'http://192.0.2.1:1/v1' } });
    t.api.answerChecks(checkResult('valid'));
    const options = { ...VERIFY, quiet: true, key: KEY };
    const said = [
      '! The key is sent to 192.0.2.1:1 (from OPENAI_BASE_URL), not to the OpenAI API.',
      '! NODE_TLS_REJECT_UNAUTHORIZED=0 is set: TLS certificates are not checked, so anyone on the network path can read the key. Unset it (for a company proxy, set NODE_EXTRA_CA_CERTS instead).',
      '! http://192.0.2.1:1/v1 is plain http:// to another machine: the key travels in clear text. Use https://.',
    ];
    expect(await verified(options)).toEqual({ code: 0, printed: said.map((line) => `${line}\n`).join('') });
    // With --json too: on stderr, the document alone on stdout.
    t.cleanup();
    t = makeTestContext({ interactive: false, stdoutIsTTY: false, env: { NODE_TLS_REJECT_UNAUTHORIZED: '0', OPENAI_BASE_URL: 'http://192.0.2.1:1/v1' } });
    t.api.answerChecks(checkResult('valid'));
    expect((await verified({ ...options, json: true })).code).toBe(0);
    expect(t.stderr).toBe(said.map((line) => `${line}\n`).join(''));
    expect(JSON.parse(t.stdout)).toMatchObject({ ok: true });
  });

  it('a server named by --base-url on the same command line is the caller\'s own choice: not said with --quiet (a CI job at its gateway gets no line every run); clear text still is', async () => {
    t = makeTestContext({ interactive: false, stdoutIsTTY: false });
    t.api.answerChecks(checkResult('valid'), checkResult('valid'));
    expect(await verified({ ...VERIFY, quiet: true, key: KEY, baseURL: 'https://gateway.example.com/v1' })).toEqual({ code: 0, printed: '' });
    expect(await verified({ ...VERIFY, quiet: true, key: KEY, baseURL: 'http://192.0.2.1:1/v1' })).toEqual({ code: 0, printed: '! http://192.0.2.1:1/v1 is plain http:// to another machine: the key travels in clear text. Use https://.\n' });
  });
});

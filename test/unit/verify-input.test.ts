// `verify` with what people really give it: a key with a line break or an escape inside (named as
// such, its hint one safe line), standard input that is empty or never sends anything (no key
// given: exit 2, advice naming `verify --key -`), and --json, which answers every outcome with one
// document, the errors of the run included.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as verify, VerifyJsonSchema, type VerifyOptions } from '../../src/commands/verify.js';
import { npmLogNotices } from '../../src/terminal/npm-log-notice.js';
import { StdinError } from '../../src/terminal/stdin.js';
import { checkResult, makeTestContext, outcomeOf, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';

const KEY = testKey('A');
const VERIFY: VerifyOptions = { json: false, quiet: false, billingCheck: true };
/** Bytes a terminal acts on: C0 but newline, DEL, C1, bidi and zero-width controls. */
const DANGEROUS = /[\u0000-\u0009\u000b-\u001a\u001c-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]|\x1b(?!\[[0-9;]*m)/;

let t: TestContext;
afterEach(() => t?.cleanup());

function context(options: TestContextOptions = {}): TestContext {
  t = makeTestContext({ interactive: false, ...options });
  return t;
}

describe('a key with a line break or a control character inside', () => {
  it('OPENAI_API_KEY with a line break: named as one, and the key line is one line', async () => {
    context({ env: { OPENAI_API_KEY: `${KEY}\nxyz` } });
    expect(await verify(t.ctx, VERIFY)).toBe(3);
    const lines = t.stdout.split('\n');
    expect(lines[0]).toBe('✖ Key         sk-proj-…?xyz (project key, from OPENAI_API_KEY)');
    expect(t.stdout).toContain('✖ The key was not sent: it contains a line break, which an API key never has.');
    expect(t.stdout).not.toMatch(/contains spaces|whitespace/);
    expect(lines.filter((line) => /^xyz/.test(line))).toEqual([]);
    expect(t.api.checks).toEqual([]);
  });

  it('--key with a line break, --json: the hint is one line of plain characters', async () => {
    context();
    expect(await verify(t.ctx, { ...VERIFY, key: `${KEY}\r\n\x1b[2J`, json: true })).toBe(3);
    const json = VerifyJsonSchema.parse(JSON.parse(t.stdout));
    expect(json).toMatchObject({ status: 'malformed_key', key: { source: 'flag', hint: 'sk-proj-…?[2J' } });
    expect(json.message).toBe('The key was not sent: it contains a line break, which an API key never has.');
  });

  it('an escape inside is "a control character (U+001B)", not a non-ASCII one; shown safe', async () => {
    context({ env: { OPENAI_API_KEY: `${KEY.slice(0, 20)}\x1b${KEY.slice(20)}` } });
    expect(await verify(t.ctx, VERIFY)).toBe(3);
    expect(t.stdout).toContain('✖ The key was not sent: it contains a control character (U+001B), which an API key never has.');
    expect(t.stdout + t.stderr).not.toMatch(DANGEROUS);
  });

  it('an escape among the last four characters never reaches the terminal raw', async () => {
    context({ env: { OPENAI_API_KEY: `${KEY}\x1b]0` } });
    expect(await verify(t.ctx, VERIFY)).toBe(3);
    expect(t.stdout.split('\n')[0]).toBe('✖ Key         sk-proj-…A?]0 (project key, from OPENAI_API_KEY)');
    expect(t.stdout + t.stderr).not.toMatch(DANGEROUS);
  });
});

describe('verify --key - with nothing usable on standard input', () => {
  it.each([
    ['empty', ''],
    ['only blank lines', '\n  \n'],
  ])('%s: no key given, a usage error (exit 2) naming verify --key -, nothing sent', async (_name, stdin) => {
    context({ stdin });
    const { code, message, hints } = await outcomeOf(verify(t.ctx, { ...VERIFY, key: '-' }));
    expect(code).toBe(2);
    expect(message).toBe('No key came on standard input: it was empty.');
    // OPENAI_API_KEY is not set here: the pipe of it, which gave nothing, is not named again.
    expect(hints).toEqual(["OPENAI_API_KEY is not in this shell's environment (not set, or not exported), so `printenv OPENAI_API_KEY` gives nothing to pipe.", 'Pipe the key itself into:  openai-setup verify --key -']);
    expect(t.api.checks).toEqual([]);
  });

  it('empty, OPENAI_API_KEY set: the pipe of it is the example', async () => {
    context({ stdin: '', env: { OPENAI_API_KEY: KEY } });
    const { code, hints } = await outcomeOf(verify(t.ctx, { ...VERIFY, key: '-' }));
    expect(code).toBe(2);
    expect(hints).toEqual(['Pipe the key in, e.g.:  printenv OPENAI_API_KEY | openai-setup verify --key -']);
  });

  it('a pipe that never sends anything: the advice names verify --key - (as run, under npx too), not key --stdin', async () => {
    context({ commandName: 'npx openai-setup', env: { OPENAI_API_KEY: KEY } });
    t.ctx.readStdin = () => Promise.reject(new StdinError('Nothing came on standard input within 10 s.', 'printenv OPENAI_API_KEY | openai-setup key --stdin'));
    const { code, hints } = await outcomeOf(verify(t.ctx, { ...VERIFY, key: '-' }));
    expect(code).toBe(2);
    expect(hints).toEqual(['Pipe the key in, e.g.:  printenv OPENAI_API_KEY | npx openai-setup verify --key -']);
  });

  it('the advice repeats the options given, so that as printed it checks the same way (the same server, profile, model); a base URL without its password', async () => {
    context({ stdin: '' });
    const { code, hints } = await outcomeOf(
      verify(t.ctx, { ...VERIFY, key: '-', profile: 'work', baseURL: 'http://me:s3cret@127.0.0.1:18556/v1', model: 'gpt-4o', timeoutMs: 30000, billingCheck: false }),
    );
    expect(code).toBe(2);
    expect(hints).toEqual([
      "OPENAI_API_KEY is not in this shell's environment (not set, or not exported), so `printenv OPENAI_API_KEY` gives nothing to pipe.",
      'Pipe the key itself into:  openai-setup verify --key - --profile work --base-url http://127.0.0.1:18556/v1 --model gpt-4o --timeout 30000 --no-billing-check',
    ]);
    expect(hints.join('\n')).not.toContain('s3cret');
  });
});

describe('verify --json: one document for every outcome, errors of the run included', () => {
  it('empty standard input: status error, reason usage, exit 2, and the error still said', async () => {
    context({ stdin: '' });
    const { code, message } = await outcomeOf(verify(t.ctx, { ...VERIFY, key: '-', json: true }));
    expect(code).toBe(2);
    expect(message).toBe('No key came on standard input: it was empty.');
    const json = VerifyJsonSchema.parse(JSON.parse(t.stdout));
    expect(json).toMatchObject({
      ok: false,
      status: 'error',
      exitCode: 2,
      reason: 'usage',
      key: null,
      baseURL: 'https://api.openai.com/v1',
      message: 'No key came on standard input: it was empty.',
      fix: "OPENAI_API_KEY is not in this shell's environment (not set, or not exported), so `printenv OPENAI_API_KEY` gives nothing to pipe.\nPipe the key itself into:  openai-setup verify --key - --json",
      billing: 'unchecked',
    });
  });

  it('no key anywhere: the same document, naming every way to give one', async () => {
    context();
    const { code } = await outcomeOf(verify(t.ctx, { ...VERIFY, json: true }));
    expect(code).toBe(2);
    const json = VerifyJsonSchema.parse(JSON.parse(t.stdout));
    expect(json).toMatchObject({ ok: false, status: 'error', exitCode: 2, reason: 'usage', key: null, message: 'No key to check for profile "default".' });
    expect(json.fix).toMatch(/--key -/);
  });

  it('a keychain that cannot be read: reason key_store, exit 7', async () => {
    context();
    t.keychain.failWith('locked');
    const { code } = await outcomeOf(verify(t.ctx, { ...VERIFY, json: true }));
    expect(code).toBe(7);
    expect(VerifyJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({ ok: false, status: 'error', exitCode: 7, reason: 'key_store', key: null });
  });

  it('a check still gives the usual document', async () => {
    context({ env: { OPENAI_API_KEY: KEY } });
    t.api.answerChecks(checkResult('valid'));
    expect(await verify(t.ctx, { ...VERIFY, json: true })).toBe(0);
    expect(VerifyJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({ ok: true, status: 'valid', key: { source: 'env', kind: 'project' } });
  });
});

describe('a key on the command line under npx', () => {
  // npm (npx, npm exec) logs the command line it runs, the key included, in its cache's _logs.
  function npmCacheWithLog(body: string): { cache: string; log: string } {
    const cache = mkdtempSync(join(tmpdir(), 'npm-cache-'));
    cleanups.push(() => rmSync(cache, { recursive: true, force: true }));
    mkdirSync(join(cache, '_logs'));
    writeFileSync(join(cache, '_logs', '2026-12-06T10_00_00_000Z-debug-0.log'), '0 verbose cli /usr/bin/node /usr/bin/npm\n');
    const log = join(cache, '_logs', '2026-12-06T12_25_47_103Z-debug-0.log');
    writeFileSync(log, body);
    return { cache, log };
  }
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

  it('names the log npm wrote the key into, once, with the command that removes it', async () => {
    const { cache, log } = npmCacheWithLog(`8 verbose argv "exec" "--" "openai-setup" "verify" "--key" "${KEY}" "--quiet"\n`);
    const lines = await npmLogNotices({ npm_command: 'exec', npm_config_cache: cache }, [KEY, `${KEY}`]);
    expect(lines).toEqual([`npm wrote this command line, the key included, to its log ${log}, which others on this machine may read; remove it:  rm -- ${log}`]);
    expect(lines.join('')).not.toContain(KEY);
  });

  it('says nothing of npm when its logs do not hold the key, or npm did not start the run', async () => {
    const { cache } = npmCacheWithLog('8 verbose argv "exec" "--" "openai-setup" "verify"\n');
    expect(await npmLogNotices({ npm_command: 'exec', npm_config_cache: cache }, [KEY])).toEqual([]);
    const other = npmCacheWithLog(`8 verbose argv "${KEY}"\n`);
    expect(await npmLogNotices({ npm_config_cache: other.cache }, [KEY])).toEqual([]);
  });

  it('verify --key KEY leaves the notice to the end of the run (main.ts), not said twice', async () => {
    const { cache } = npmCacheWithLog(`8 verbose argv "exec" "--" "openai-setup" "verify" "--key" "${KEY}" "--quiet"\n`);
    context({ env: { npm_command: 'exec', npm_config_cache: cache } });
    t.api.answerChecks(checkResult('valid'));
    expect(await verify(t.ctx, { ...VERIFY, key: KEY, quiet: true })).toBe(0);
    expect(t.stderr).toBe('');
  });
});

describe('a key typed on the command line of a terminal', () => {
  it.each([60, 80, 100, 120])('the warning names `--key -` whole at %i columns: never broken between its flag and its dash', async (columns) => {
    context({ stdinIsTTY: true, stderrIsTTY: true, columns });
    t.api.answerChecks(checkResult('valid'));
    expect(await verify(t.ctx, { ...VERIFY, key: KEY })).toBe(0);
    const lines = t.stderr.split('\n');
    expect(lines.some((line) => line.includes('`--key -` (standard input)') || line.trimEnd().endsWith('`--key -`'))).toBe(true);
    expect(lines.filter((line) => /--key$/.test(line.trimEnd()))).toEqual([]);
  });
});

describe('the key line names what the key is', () => {
  it("an sk-<name>- key (a service account's, in the form of 2024) is not called a legacy user key", async () => {
    const body = 'Xy9'.repeat(20).slice(0, 40);
    context({ env: { OPENAI_API_KEY: `sk-ci-runner-${body}T3BlbkFJ${body}` } });
    await verify(t.ctx, VERIFY);
    expect(t.stdout.split('\n')[0]).toMatch(/^. Key {9}sk-…Xy9X \(service-account key of the older sk-<name>- form, from OPENAI_API_KEY\)$/);
    expect(t.stdout).not.toContain('legacy user key');
  });
});


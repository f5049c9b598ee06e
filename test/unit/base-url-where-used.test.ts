// An OPENAI_BASE_URL that is no URL is refused where it is used: by the commands that send requests
// there (as before, one line and its fix, before anything else), not by those that never use it
// (logout, token, profiles, use, completion, status…), which go on as without it.
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import type { Context, GlobalOptions } from '../../src/context.js';
import { envReader } from '../../src/main.js';
import { parseEnv } from '../../src/options.js';
import type { ContextFactory } from '../../src/program.js';
import { checkResult, makeTestContext, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';
import { runProgramLine } from '../helpers/program-line.js';

const KEY = testKey('A');
const BAD = 'https://api.openai.com/v1"';
const MESSAGE = 'OPENAI_BASE_URL: must not have quote marks around it (got "https://api.openai.com/v1"").';
const FIX = 'Set it to https://api.openai.com/v1, or unset it.';

let t: TestContext;
afterEach(() => t?.cleanup());

/** The command line through the program, its context's env read as main.ts reads it (envReader, with the command's baseUrl use). */
async function runLine(line: string[], options: Pick<TestContextOptions, 'stdin' | 'env' | 'keychain'> = {}): Promise<{ code: number | null; error: unknown }> {
  t = makeTestContext({ interactive: false, keychain: { default: KEY }, ...options });
  t.api.answerEveryCheck(() => checkResult('valid'));
  const makeContext: ContextFactory = (globals: GlobalOptions, command) => {
    const rawEnv = { ...t.ctx.rawEnv, OPENAI_BASE_URL: BAD };
    const read = envReader(rawEnv, globals, command?.baseUrl);
    const ctx: Context = Object.create(t.ctx, { rawEnv: { value: rawEnv }, env: { get: read } });
    return ctx;
  };
  return runProgramLine(t, line, makeContext);
}

describe('OPENAI_BASE_URL that is no URL', () => {
  it('parseEnv: the other variables parsed; the base URL refused where it is read, with its one-line error and fix', () => {
    const env = parseEnv({ OPENAI_BASE_URL: BAD, OPENAI_PROJECT_ID: ' proj_x ' });
    expect(env.OPENAI_PROJECT_ID).toBe('proj_x');
    let thrown: unknown;
    try {
      void env.OPENAI_BASE_URL;
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as UsageError).message).toBe(MESSAGE);
    expect((thrown as UsageError).hints).toEqual([FIX]);
    expect(parseEnv({ OPENAI_BASE_URL: ' http://host/v1/ ' }).OPENAI_BASE_URL).toBe('http://host/v1');
  });

  it('token hands out the stored key as usual', async () => {
    const { code, error } = await runLine(['token']);
    expect(error).toBeNull();
    expect(code).toBe(0);
    expect(t.stdout).toBe(`${KEY}\n`);
    expect(t.stderr).toBe('');
  });

  it('logout removes the key', async () => {
    const { code, error } = await runLine(['logout', '--yes']);
    expect(error).toBeNull();
    expect(code).toBe(0);
    expect(t.keychain.keyOf('default')).toBeUndefined();
  });

  it('status and token judge OPENAI_API_KEY as for any server, and go on to say what they say without the URL', async () => {
    const status = await runLine(['status'], { env: { OPENAI_API_KEY: KEY }, keychain: {} });
    expect(status.error).toBeNull();
    expect(t.stdout).toContain(`OPENAI_API_KEY is set: ${KEY.slice(0, 8)}`);
    const token = await runLine(['token'], { env: { OPENAI_API_KEY: KEY }, keychain: {} });
    expect((token.error as UsageError).message).toBe('No key is stored for profile "default".');
    expect((token.error as UsageError).hints.join('\n')).toContain('printenv OPENAI_API_KEY | openai-setup key --stdin');
  });

  it.each([[['profiles']], [['profiles', '--names']], [['use', 'default']], [['completion', 'bash']], [['status']], [['status', '--json']], [['open', 'keys']], [['env']]])('%j goes on, the URL neither refused nor repeated', async (line) => {
    const { error } = await runLine(line);
    expect(error).toBeNull();
    expect(`${t.stdout}${t.stderr}`).not.toContain('OPENAI_BASE_URL:');
    expect(`${t.stdout}${t.stderr}`).not.toMatch(/--base-url +\S*http/);
    expect(`${t.stdout}${t.stderr}`).not.toContain('v1"');
  });

  it.each([[['verify']], [['key', '--stdin']], [['spend']], [['rotate']], [['setup']]])('%j, which sends requests, is refused before anything, with the fix', async (line) => {
    const { error } = await runLine(line, { stdin: KEY });
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe(MESSAGE);
    expect((error as UsageError).hints).toEqual([FIX]);
    expect(t.stdout).toBe('');
    expect(t.stderr).toBe('');
    expect(t.api.checks).toEqual([]);
  });

  it.each([[['verify']], [['verify', '--json']], [['key', '--stdin']], [['setup']]])('%j --base-url: the variable is not used, so not refused; a check goes to the flag\'s URL', async (line) => {
    const { error } = await runLine([...line, '--base-url', 'http://127.0.0.1:9/v1'], { stdin: KEY });
    expect(`${t.stdout}${t.stderr}${error instanceof Error ? error.message : ''}`).not.toContain('OPENAI_BASE_URL:');
    // The wizard without a terminal lists its stages (exit 2), no check.
    if (line[0] === 'setup') expect(t.stdout).toContain('4. Create a secret key and store it');
    else expect(t.api.checks.map((c) => c.baseURL)).toEqual(['http://127.0.0.1:9/v1']);
  });

  it('verify --json: its failure document says it', async () => {
    const { error } = await runLine(['verify', '--json']);
    expect(error).toBeInstanceOf(UsageError);
    expect(JSON.parse(t.stdout)).toMatchObject({ ok: false, exitCode: 2, reason: 'usage', message: MESSAGE, fix: FIX, baseURL: null });
  });
});

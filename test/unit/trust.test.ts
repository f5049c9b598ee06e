// What the progress file may and may not decide, profile names that are also names of Object's
// own properties, and a config dir that cannot be written: through the commands' run functions.
import { EventEmitter } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as key } from '../../src/commands/key.js';
import { run as login } from '../../src/commands/login.js';
import { run as profiles } from '../../src/commands/profiles.js';
import { run as runCommand, type ProcessHost } from '../../src/commands/run.js';
import { run as setup } from '../../src/commands/setup.js';
import { run as status } from '../../src/commands/status.js';
import { run as token } from '../../src/commands/token.js';
import { run as verify, VerifyJsonSchema, type VerifyOptions } from '../../src/commands/verify.js';
import { envReader } from '../../src/main.js';
import { checkResult, makeTestContext, outcomeOf, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';

const KEY = testKey('A');
const OFFICIAL = 'https://api.openai.com/v1';
const VERIFY: VerifyOptions = { json: false, quiet: false, billingCheck: true };

let t: TestContext;
afterEach(() => t?.cleanup());

function context(options: TestContextOptions = {}): TestContext {
  t = makeTestContext(options);
  return t;
}

/** Write state.json by hand, as an older version (or someone else) could have. */
function writeState(state: unknown): void {
  mkdirSync(t.configDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(t.configDir, 'state.json'), JSON.stringify(state), { mode: 0o600 });
}

/** A progress file whose profile names a server, organization and project no command ever set. */
const STEERED = {
  version: 1,
  profiles: {
    default: {
      stages: { login: { doneAt: '2026-01-01T00:00:00.000Z' } },
      key: { storage: 'keychain', hint: 'sk-proj-…000A', savedAt: '2026-01-01T00:00:00.000Z' },
      baseURL: 'https://collector.example/v1',
      organizationId: 'org-elsewhere',
      projectId: 'proj_elsewhere',
    },
  },
};

/** A stand-in for the OS: records the environment `run` gives the child, which exits 0 at once. */
function recordingHost(): ProcessHost & { env: Record<string, string | undefined> | null; spawned: number } {
  const host = {
    env: null as Record<string, string | undefined> | null,
    spawned: 0,
    spawn(_file: string, _args: string[], env: Record<string, string | undefined>) {
      host.env = env;
      host.spawned++;
      const child = new EventEmitter() as ChildProcess;
      setImmediate(() => child.emit('exit', 0, null));
      return child;
    },
    trapSignals: () => () => {},
    inTerminalForeground: () => false,
    startWitness: () => null,
  };
  return host;
}

describe('the progress file does not decide where the key goes', () => {
  it('verify sends the stored key to the OpenAI API with no organization or project, whatever the file says', async () => {
    context({ keychain: { default: KEY } });
    writeState(STEERED);
    t.api.answerChecks(checkResult('valid'));
    expect(await verify(t.ctx, VERIFY)).toBe(0);
    expect(t.api.checks).toMatchObject([{ key: KEY, baseURL: OFFICIAL, organization: undefined, project: undefined }]);
  });

  it('only --base-url, OPENAI_BASE_URL, OPENAI_ORG_ID and OPENAI_PROJECT_ID do', async () => {
    context({ keychain: { default: KEY }, env: { OPENAI_BASE_URL: 'https://gateway.example/v1', OPENAI_ORG_ID: 'org-mine', OPENAI_PROJECT_ID: 'proj_mine' } });
    writeState(STEERED);
    t.api.answerChecks(checkResult('valid'), checkResult('valid'));
    await verify(t.ctx, VERIFY);
    await verify(t.ctx, { ...VERIFY, baseURL: 'https://flag.example/v1' });
    expect(t.api.checks).toMatchObject([
      { baseURL: 'https://gateway.example/v1', organization: { value: 'org-mine', from: 'OPENAI_ORG_ID' }, project: { value: 'proj_mine', from: 'OPENAI_PROJECT_ID' } },
      { baseURL: 'https://flag.example/v1' },
    ]);
  });

  it('nor does it for the key stage or the wizard', async () => {
    context({ stdin: KEY, keychain: { default: KEY } });
    writeState(STEERED);
    t.api.answerChecks(checkResult('valid'), checkResult('valid'));
    expect(await key(t.ctx, { stdin: true })).toBe(0);
    t.prompts.whenConfirm("You're already set up. Finish now? (No walks through the stages anyway)", true);
    expect(await setup(t.ctx, { restart: false, insecureStorage: false })).toBe(0);
    expect(t.api.checks.map((c) => [c.baseURL, c.organization, c.project])).toEqual([
      [OFFICIAL, undefined, undefined],
      [OFFICIAL, undefined, undefined],
    ]);
  });

  it('nor for `run`: the child gets no base URL, organization or project from it', async () => {
    context({ keychain: { default: KEY } });
    writeState(STEERED);
    const host = recordingHost();
    expect(await runCommand(t.ctx, { command: ['true'] }, host)).toBe(0);
    expect(host.env).toMatchObject({ OPENAI_API_KEY: KEY });
    expect(host.env).not.toHaveProperty('OPENAI_BASE_URL');
    expect(host.env).not.toHaveProperty('OPENAI_ORG_ID');
    expect(host.env).not.toHaveProperty('OPENAI_PROJECT_ID');
  });

  it('an old file with those settings still loads (no damage), and the next write drops them', async () => {
    context();
    writeState(STEERED);
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.stdout).toContain('✔ Log in to the OpenAI API platform done 2026-01-01 00:00:00 UTC');
    expect(t.stderr).toBe('');
    await login(t.ctx, { done: true });
    const onDisk = readFileSync(join(t.configDir, 'state.json'), 'utf8');
    expect(onDisk).not.toMatch(/baseURL|organizationId|projectId|collector\.example/);
    expect(JSON.parse(onDisk).profiles.default.key.hint).toBe('sk-proj-…000A');
  });
});

describe('profile names that are names of Object properties', () => {
  it.each(['constructor', 'toString', 'valueOf', 'hasOwnProperty'])('token --profile %s: no key stored, nothing printed (exit 2)', async (name) => {
    context({ stdoutIsTTY: false });
    // Another profile's key in the --insecure-storage file, so that the file is read.
    await t.ctx.keys.set('default', KEY, true);
    const { code, message } = await outcomeOf(token(t.ctx, { profile: name, yes: true }));
    expect(code).toBe(2);
    expect(message).toBe(`No key is stored for profile "${name}".`);
    expect(t.stdout).toBe('');
  });

  it.each(['constructor', 'toString', 'valueOf'])('run --profile %s: no key stored, nothing run (exit 2)', async (name) => {
    context();
    await t.ctx.keys.set('default', KEY, true);
    const host = recordingHost();
    const { code, message } = await outcomeOf(runCommand(t.ctx, { profile: name, command: ['env'] }, host));
    expect(code).toBe(2);
    expect(message).toBe(`No key is stored for profile "${name}".`);
    expect(host.spawned).toBe(0);
  });

  it.each(['constructor', 'toString', 'valueOf'])('status --profile %s: only the account\'s stages, no key (also --json)', async (name) => {
    context();
    await login(t.ctx, { done: true });
    expect(await status(t.ctx, { profile: name, json: false })).toBe(0);
    // Signing in belongs to the account (done by "default"); nothing of Object.prototype shows.
    expect(t.stdout).toMatch(/✔ Log in to the OpenAI API platform done/);
    expect(t.stdout).toContain('○ Add a payment method pending');
    expect(t.stdout).toContain('○ Create a secret key and store it pending');
    expect(t.stdout).toContain('○ No key recorded for this profile');
    expect(await status(t.ctx, { profile: name, json: true })).toBe(0);
    const json = JSON.parse(t.stdout.slice(t.stdout.indexOf('{')));
    expect(json).toMatchObject({ profile: name, key: { storage: 'none' }, lastVerify: null });
  });

  it('a profile called "constructor" is a profile like any other', async () => {
    context({ stdin: KEY, stdoutIsTTY: false });
    t.api.answerChecks(checkResult('valid'));
    expect(await key(t.ctx, { profile: 'constructor', stdin: true, insecureStorage: true })).toBe(0);
    expect(await token(t.ctx, { profile: 'constructor', yes: true })).toBe(0);
    expect(t.stdout.trim().split('\n').at(-1)).toBe(KEY);
    expect(await profiles(t.ctx, { json: false, names: true })).toBe(0);
    expect(t.stdout).toMatch(/^constructor$/m);
  });

  it('"__proto__" is not a profile name at all: a usage error', async () => {
    context();
    // --profile is checked where the context is made, with the environment (main.ts envReader).
    const read = envReader(t.ctx.rawEnv, { profile: '__proto__' });
    const ctx = {
      ...t.ctx,
      get env() {
        return read();
      },
    };
    const { code, message } = await outcomeOf(token(ctx, { profile: '__proto__', yes: true }));
    expect(code).toBe(2);
    expect(message).toMatch(/^--profile: use 1–64 letters/);
  });
});

describe('a config dir that cannot be written', () => {
  /** The config dir path taken by a plain file: every read and write there fails. */
  function blockConfigDir(): void {
    writeFileSync(t.configDir, 'not a directory');
  }

  it('verify --json keeps its result: the JSON on stdout, the check\'s exit code, a warning on stderr', async () => {
    context({ env: { OPENAI_API_KEY: KEY } });
    blockConfigDir();
    t.api.answerChecks(checkResult('insufficient_quota'));
    expect(await verify(t.ctx, { ...VERIFY, json: true })).toBe(4);
    const json = VerifyJsonSchema.parse(JSON.parse(t.stdout));
    expect(json).toMatchObject({ ok: false, status: 'insufficient_quota', exitCode: 4, key: { source: 'env' } });
    expect(t.stderr).toMatch(/^! The result of this check was not recorded: Could not create .*config: .*\((EEXIST|ENOTDIR)\)/m);
    expect(t.stderr).not.toMatch(/\n\s+at /);
  });

  it('verify --json in a dir owned by someone else: the same, and the dir is left alone', async () => {
    context({ env: { OPENAI_API_KEY: KEY } });
    mkdirSync(t.configDir, { mode: 0o700 });
    chownSync(t.configDir, 65534, 65534);
    t.api.answerChecks(checkResult('valid'));
    expect(await verify(t.ctx, { ...VERIFY, json: true })).toBe(0);
    expect(VerifyJsonSchema.parse(JSON.parse(t.stdout)).status).toBe('valid');
    expect(t.stderr).toMatch(new RegExp(`^! The result of this check was not recorded: ${t.configDir} belongs to another user \\(uid 65534\\)`, 'm'));
  });

  it('verify --quiet says nothing, even then', async () => {
    context({ env: { OPENAI_API_KEY: KEY } });
    mkdirSync(t.configDir, { mode: 0o700 });
    chownSync(t.configDir, 65534, 65534);
    t.api.answerChecks(checkResult('valid'));
    expect(await verify(t.ctx, { ...VERIFY, quiet: true })).toBe(0);
    expect(t.stdout + t.stderr).toBe('');
  });

  it('a command whose job is to write fails in one line, exit 7', async () => {
    context();
    blockConfigDir();
    const { code, message, hints } = await outcomeOf(login(t.ctx, { done: true }));
    expect(code).toBe(7);
    // Said before anything is asked or marked: the file cannot be read where the dir should be.
    expect(message).toMatch(/^Could not (create .*config|read .*config\/state\.json): .*\((EEXIST|ENOTDIR)\); move what is in the way, or set OPENAI_SETUP_CONFIG_DIR/);
    expect(message).not.toContain('\n');
    expect(hints).toEqual([]);
  });

  it('key --insecure-storage never says "Stored" when the key could not be written', async () => {
    context({ stdin: KEY });
    blockConfigDir();
    const { code } = await outcomeOf(key(t.ctx, { stdin: true, insecureStorage: true, verify: false }));
    expect(code).toBe(7);
    expect(t.stdout + t.stderr).not.toContain('Stored');
  });
});

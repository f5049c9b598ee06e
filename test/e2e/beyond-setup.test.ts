// Issue 5, "beyond setup", through the built binary: profiles and `use`, `run` (exit codes, signals,
// the child's environment, nothing on disk), `token`, `env` against real git repositories, `open`,
// `doctor` and shell completion. The full key never shows up in our own output, except from `token`.
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { constants } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DoctorJsonSchema } from '../../src/commands/doctor.js';
import { ProfilesJsonSchema } from '../../src/commands/profiles.js';
import { shellCaptureLine } from '../../src/terminal/shell.js';
import { CLI, filesContaining, makeTestEnv, type TestEnv } from '../helpers/env.js';
import { startPrivateKeyring, type PrivateKeyring } from '../helpers/keyring.js';
import { makeKey, startOpenAIServer, type FakeOpenAI } from '../helpers/openai-server.js';
import { spawnCli, spawnCommand, type PtySession } from '../helpers/pty.js';
import { runCli, runCommand } from '../helpers/run.js';

let server: FakeOpenAI;
const VALID = makeKey('proj', 'beyond-valid');
const WORK = makeKey('proj', 'beyond-work');
const NO_CREDITS = makeKey('proj', 'beyond-no-credits');
const MODEL_FORBIDDEN = makeKey('proj', 'beyond-model-forbidden');
const ALL_KEYS = [VALID, WORK, NO_CREDITS, MODEL_FORBIDDEN];
const NODE = process.execPath;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

const envs: TestEnv[] = [];
let session: PtySession | undefined;

beforeAll(async () => {
  server = await startOpenAIServer();
  server.addKey(VALID, { scenario: 'valid', organization: 'acme-corp', project: 'proj_acme123' });
  server.addKey(WORK, 'valid');
  server.addKey(NO_CREDITS, 'no_credits');
  server.addKey(MODEL_FORBIDDEN, 'project_model_forbidden');
});
afterAll(async () => {
  await server?.close();
});
afterEach(async () => {
  session?.kill();
  session = undefined;
  for (const t of envs.splice(0)) await t.cleanup();
});

async function machine(extra: Record<string, string | undefined> = {}): Promise<TestEnv> {
  const t = await makeTestEnv({ OPENAI_BASE_URL: server.baseURL, ...extra });
  envs.push(t);
  return t;
}

/** Our own output never holds a whole key (a child's output is the child's business). */
function expectNoKey(result: { stdout: string; stderr: string } | string): void {
  const text = typeof result === 'string' ? result : result.stdout + result.stderr;
  for (const key of ALL_KEYS) expect(text).not.toContain(key);
}

async function storeKey(t: TestEnv, key: string, profile = 'default', insecure = true): Promise<void> {
  const result = await runCli(['key', '--stdin', ...(insecure ? ['--insecure-storage'] : []), '--profile', profile], { env: t.env, input: key });
  expect(result.code, result.stderr).toBe(0);
}

/** Run the CLI with pipes and its own process group, so that a test can signal it (and only it). */
function startCli(args: string[], env: Record<string, string>) {
  const child = spawn(NODE, [CLI, ...args], { env, cwd: env.HOME, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 15_000);
  void exited.then(() => clearTimeout(timer));
  return {
    pid: child.pid!,
    output: () => ({ stdout, stderr }),
    async waitForStdout(text: string) {
      const deadline = Date.now() + 10_000;
      while (!stdout.includes(text)) {
        if (Date.now() > deadline) throw new Error(`no "${text}" on stdout: ${stdout} / ${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    exited,
  };
}

describe('profiles and use', () => {
  it('lists profiles with masked hints, what the last check saw, and the default; `use` changes it', async () => {
    const t = await machine();
    await storeKey(t, VALID);
    await storeKey(t, WORK, 'work');

    const text = await runCli(['profiles'], { env: t.env });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^\*\s+default\s+sk-proj-…\S{4} \(plain-text file\)\s+acme-corp \/ proj_acme123\s+works at 127\.0\.0\.1:\d+, /m);
    expect(text.stdout).toMatch(/^\s+work\s+sk-proj-…\S{4} \(plain-text file\)/m);
    expectNoKey(text);

    const before = ProfilesJsonSchema.parse(JSON.parse((await runCli(['profiles', '--json'], { env: t.env })).stdout));
    expect(before.defaultProfile).toBe('default');
    expect(before.profiles.map((p) => [p.name, p.default, p.organization, p.project])).toEqual([
      ['default', true, 'acme-corp', 'proj_acme123'],
      ['work', false, expect.stringMatching(/^user-/), expect.stringMatching(/^proj_/)],
    ]);
    // Checked at the local server, not the OpenAI API: said so (its host), never simply "works".
    expect(before.profiles.map((p) => p.lastVerify?.host)).toEqual([expect.stringMatching(/^127\.0\.0\.1:\d+$/), expect.stringMatching(/^127\.0\.0\.1:\d+$/)]);

    const use = await runCli(['use', 'work'], { env: t.env });
    expect(use.code).toBe(0);
    expect(use.stdout).toMatch(/"work" is now the default profile/);
    const after = ProfilesJsonSchema.parse(JSON.parse((await runCli(['profiles', '--json'], { env: t.env })).stdout));
    expect(after.defaultProfile).toBe('work');
    expect((await runCli(['profiles', '--names'], { env: t.env })).stdout).toBe('default\nwork\n');
    // The default is what commands use without --profile.
    expect((await runCli(['token'], { env: t.env })).stdout).toBe(`${WORK}\n`);
    expect((await runCli(['token', '--profile', 'default'], { env: t.env })).stdout).toBe(`${VALID}\n`);

    const bad = await runCli(['use', 'not a name'], { env: t.env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/profile name: use 1–64 letters/);
  });

  it('logout removes a profile once nothing of it is stored: a name typed by mistake, and one logged out (the default it was is "default" again)', async () => {
    const t = await machine();
    await storeKey(t, VALID);
    await storeKey(t, WORK, 'work');
    // A check of OPENAI_API_KEY for a mistyped name makes no entry (no keychain runs here: the key
    // file alone says which profiles have a key); a stage marked done does.
    const typo = await runCli(['verify', '--profile', 'wrk3'], { env: { ...t.env, OPENAI_API_KEY: WORK } });
    expect(typo.code).toBe(0);
    expect(typo.stderr).toContain('! No profile "wrk3" exists (profiles: default, work): this check was not recorded.');
    expect((await runCli(['login', '--done', '--profile', 'wrk4'], { env: t.env })).code).toBe(0);
    expect((await runCli(['profiles', '--names'], { env: t.env })).stdout).toBe('default\nwork\nwrk4\n');
    for (const name of ['wrk4']) {
      const gone = await runCli(['logout', '--profile', name, '--yes'], { env: t.env });
      expect(gone.code, gone.stderr).toBe(0);
      expect(gone.stdout).toContain(`✔ Removed profile "${name}": no key was stored for it`);
    }
    expect((await runCli(['use', 'work'], { env: t.env })).code).toBe(0);
    const out = await runCli(['logout', '--profile', 'work', '--yes'], { env: t.env });
    expect(out.code, out.stderr).toBe(0);
    // No Secret Service in this session: "here" only, as what one elsewhere may hold was not asked.
    expect(out.stdout).toMatch(/✔ Removed profile "work": nothing of it is stored here now \(the Secret Service keyring is not running in this session\), and `[^`]*profiles` no longer lists it\.\n"default" is the default profile again \(it was "work"\)\.\n/);
    expect((await runCli(['profiles', '--names'], { env: t.env })).stdout).toBe('default\n');
    const list = await runCli(['profiles'], { env: t.env });
    expect(list.stdout).not.toContain('none recorded');
    // The default profile's own key and stages are untouched.
    expect((await runCli(['token'], { env: t.env })).stdout).toBe(`${VALID}\n`);
  });
});

describe('run', () => {
  // A child that reports what it was given: a hash of the key (never the key), the other
  // variables, standard input upper-cased, a line on stderr; then exits with its first argument.
  const REPORTER = `
    const e = process.env;
    let input = '';
    process.stdin.on('data', (d) => (input += d)).on('end', () => {
      console.log(JSON.stringify({ keyHash: require('crypto').createHash('sha256').update(e.OPENAI_API_KEY || '').digest('hex'),
        org: e.OPENAI_ORG_ID ?? null, project: e.OPENAI_PROJECT_ID ?? null, baseURL: e.OPENAI_BASE_URL ?? null,
        marker: e.OPENAI_SETUP_RUN ?? null, input: input.toUpperCase(), args: process.argv.slice(1) }));
      console.error('a line on stderr');
      process.exit(Number(process.argv[1]));
    });`;

  it("passes the key in the child's environment, streams through, and the child's exit code back", async () => {
    const t = await machine();
    await storeKey(t, VALID);
    const result = await runCli(['run', '--', NODE, '-e', REPORTER, '7', '--profile', 'not-ours'], { env: t.env, input: 'hello' });
    expect(result.code).toBe(7);
    const seen = JSON.parse(result.stdout);
    expect(seen).toEqual({ keyHash: sha(VALID), org: null, project: null, baseURL: server.baseURL, marker: 'default', input: 'HELLO', args: ['7', '--profile', 'not-ours'] });
    expect(result.stderr).toContain('a line on stderr');
    expectNoKey(result);
  });

  it('uses the named profile; a project or base URL in the progress file is not used, and stray ones from the shell are not passed on', async () => {
    const t = await machine();
    await storeKey(t, WORK, 'work');
    const statePath = join(t.configDir, 'state.json');
    const state = JSON.parse(readFileSync(statePath, 'utf8'));
    Object.assign(state.profiles.work, { projectId: 'proj_work', baseURL: 'https://gateway.example.com/v1' });
    writeFileSync(statePath, JSON.stringify(state));

    const shell = { ...t.env, OPENAI_PROJECT_ID: 'proj_stray', OPENAI_ORG_ID: 'org-stray', OPENAI_API_KEY: NO_CREDITS };
    const result = await runCli(['run', '--profile', 'work', '--', NODE, '-e', REPORTER, '0'], { env: shell });
    expect(result.code).toBe(0);
    // The progress file must not decide where the key goes: the base URL is the shell's own.
    expect(JSON.parse(result.stdout)).toMatchObject({ keyHash: sha(WORK), org: null, project: null, baseURL: server.baseURL, marker: 'work' });
    expect(result.stderr).toMatch(/OPENAI_ORG_ID from this shell was not passed on/);
    expect(result.stderr).toMatch(/OPENAI_PROJECT_ID from this shell was not passed on/);
    expectNoKey(result);
  });

  it("OPENAI_CUSTOM_HEADERS: the lines the SDK would send in place of the key are not passed on, the others are; the line's value never shown", async () => {
    const t = await machine();
    await storeKey(t, VALID);
    const shell = { ...t.env, OPENAI_CUSTOM_HEADERS: `Authorization: Bearer ${NO_CREDITS}\nX-Title: my app` };
    const result = await runCli(['run', '--', NODE, '-e', 'console.log(JSON.stringify(process.env.OPENAI_CUSTOM_HEADERS ?? null))'], { env: shell });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toBe('X-Title: my app');
    expect(result.stderr).toMatch(/The Authorization line of OPENAI_CUSTOM_HEADERS was not passed on: it may belong to another key than sk-/);
    expect(result.stderr).not.toContain(NO_CREDITS.slice(8, 30));
    expectNoKey(result);
  });

  it('an OPENAI_CUSTOM_HEADERS the SDK cannot send stops only what sends through the SDK: token and run work, doctor fails its check (exit 2) and runs no live check', async () => {
    const t = await machine();
    await storeKey(t, VALID);
    const shell = { ...t.env, OPENAI_CUSTOM_HEADERS: 'X-Title: Café – app' };
    const token = await runCli(['token'], { env: shell });
    expect(token.code, token.stderr).toBe(0);
    expect(token.stdout.trim()).toBe(VALID);
    const run = await runCli(['run', '--', NODE, '-e', 'console.log("ran")'], { env: shell });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('ran\n');
    const before = server.requestsFor(VALID).length;
    const doctor = await runCli(['doctor'], { env: shell });
    expect(doctor.code, doctor.stdout).toBe(2);
    expect(doctor.stdout).toMatch(/✖ Custom headers +OPENAI_CUSTOM_HEADERS: the value on line 1 has control characters or characters beyond Latin-1/);
    expect(doctor.stdout).toMatch(/Live check +not run for .*: OPENAI_CUSTOM_HEADERS cannot be sent \(above\)/);
    expect(server.requestsFor(VALID).slice(before)).toEqual([]);
  });

  it('forwards SIGINT, SIGTERM and SIGHUP to the child and exits with its code', async () => {
    const t = await machine();
    await storeKey(t, VALID);
    const child = `
      for (const [name, code] of [['SIGINT', 41], ['SIGTERM', 42], ['SIGHUP', 43]]) {
        process.on(name, () => { console.log('got ' + name); process.exit(code); });
      }
      console.log('ready');
      setInterval(() => {}, 1000);`;
    for (const [signal, code] of [['SIGINT', 41], ['SIGTERM', 42], ['SIGHUP', 43]] as const) {
      const cli = startCli(['run', '--', NODE, '-e', child], t.env);
      await cli.waitForStdout('ready');
      process.kill(cli.pid, signal);
      const { code: exitCode } = await cli.exited;
      expect(exitCode, cli.output().stderr).toBe(code);
      expect(cli.output().stdout).toContain(`got ${signal}`);
      expect(cli.output().stderr).not.toMatch(/Cancelled/);
    }
  });

  it('Ctrl-C on a terminal reaches the child once (the terminal signals it directly), and is not our "Cancelled"', async () => {
    const t = await machine();
    await storeKey(t, VALID);
    const counter = `
      let n = 0;
      process.on('SIGINT', () => { if (n++ === 0) setTimeout(() => { console.log('SIGINTs: ' + n); process.exit(3); }, 300); });
      console.log('ready');
      setInterval(() => {}, 1000);`;
    session = spawnCli(['run', '--', NODE, '-e', counter], { env: t.env });
    await session.waitFor('ready');
    session.press('ctrl-c');
    await session.waitFor('SIGINTs: 1');
    expect((await session.exited).exitCode).toBe(3);
    expect(session.output()).not.toMatch(/Cancelled/);

    // A command that dies of it: so does run (a shell's $? 130, and its loop stops).
    session = spawnCli(['run', '--', NODE, '-e', "console.log('ready'); setInterval(() => {}, 1000)"], { env: t.env });
    await session.waitFor('ready');
    session.press('ctrl-c');
    expect((await session.exited).signal).toBe(constants.signals.SIGINT);
  });

  it('ends by the signal the child died of (a shell shows 128 + its number)', async () => {
    const t = await machine();
    await storeKey(t, VALID);
    const selfKill = await runCli(['run', '--', NODE, '-e', "process.kill(process.pid, 'SIGTERM'); setInterval(() => {}, 1000)"], { env: t.env });
    expect(selfKill).toMatchObject({ code: null, signal: 'SIGTERM' });

    const cli = startCli(['run', '--', NODE, '-e', "console.log('ready'); setInterval(() => {}, 1000)"], t.env);
    await cli.waitForStdout('ready');
    process.kill(cli.pid, 'SIGINT');
    expect(await cli.exited).toEqual({ code: null, signal: 'SIGINT' });
  });

  it('command not found: exit 127 with one line; no key: exit 2 saying how to store one', async () => {
    const t = await machine();
    await storeKey(t, VALID);
    const missing = await runCli(['run', '--', 'no-such-command-xyz', '--flag'], { env: t.env });
    expect(missing.code).toBe(127);
    expect(missing.stderr.split('\n').filter((l) => l.includes('no-such-command-xyz'))).toEqual(['✖ Command not found: no-such-command-xyz']);

    const none = await runCli(['run', '--profile', 'empty', '--', NODE, '-e', '0'], { env: t.env });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/No key is stored for profile "empty"/);
    // OPENAI_API_KEY is not set (a pipe of it would store nothing), and no terminal here (`key` would not ask): a pipe of the key.
    expect(none.stderr).toContain('(pipe the key in, in place of …):  … | openai-setup key --profile empty --stdin --insecure-storage\n');

    const noCommand = await runCli(['run'], { env: t.env });
    expect(noCommand.code).toBe(2);
    const flagFirst = await runCli(['run', '--verbose', 'ls'], { env: t.env });
    expect(flagFirst.code).toBe(2);
    expect(flagFirst.stderr).toMatch(/unknown option '--verbose'\n\(put -- before the command/);
  });

  it("every word after the command's name is the command's, flags too, with or without --; ours come before it", async () => {
    const t = await machine();
    await storeKey(t, VALID);
    await storeKey(t, WORK, 'work');
    for (const args of [['run', NODE, '--version'], ['run', NODE, '-v'], ['run', '--', NODE, '--version']]) {
      const result = await runCli(args, { env: t.env });
      expect(result.stdout, args.join(' ')).toBe(`${process.version}\n`);
      expect(result.code).toBe(0);
    }
    const sum = await runCli(['run', NODE, '-p', '1+1'], { env: t.env });
    expect(sum.stdout).toBe('2\n');
    expect(sum.code, sum.stderr).toBe(0);
    const help = await runCli(['run', NODE, '--help'], { env: t.env });
    expect(help.stdout).toMatch(/^Usage: node /);
    expect(help.stdout).not.toContain('openai-setup');
    expect(help.code).toBe(0);
    // Its --profile is its own; ours, before the command, chooses the key.
    const report = `console.log(process.env.OPENAI_SETUP_RUN, require('crypto').createHash('sha256').update(process.env.OPENAI_API_KEY).digest('hex'), process.argv.slice(1).join(' '))`;
    for (const args of [['run', '--profile', 'work', '--', NODE, '-e', report], ['run', '-p', 'work', NODE, '-e', report], ['--profile', 'work', 'run', NODE, '-e', report]]) {
      const result = await runCli([...args, 'arg', '--profile', 'not-ours'], { env: t.env });
      expect(result.stdout, args.join(' ')).toBe(`work ${sha(WORK)} arg --profile not-ours\n`);
      expect(result.code).toBe(0);
    }
  });

  it('refuses to nest a run for another profile; a run inside a run of the same profile works', async () => {
    const t = await machine();
    await storeKey(t, VALID);
    await storeKey(t, WORK, 'work');
    const inner = `${JSON.stringify(NODE)} ${JSON.stringify(CLI)}`;
    const nested = await runCli(['run', '--', 'sh', '-c', `${inner} run --profile work -- true; echo "inner exit $?"`], { env: t.env });
    expect(nested.code).toBe(0);
    expect(nested.stdout).toContain('inner exit 2');
    expect(nested.stderr).toMatch(/Already inside `openai-setup run` for profile "default"; not nesting a run for profile "work"/);
    expect(nested.stderr).toMatch(/unset OPENAI_SETUP_RUN/);

    // OPENAI_SETUP_PROFILE set inside is a profile named, as --profile is; one inherited from
    // outside the outer run is not.
    const byVariable = await runCli(['run', '--', 'sh', '-c', `OPENAI_SETUP_PROFILE=work ${inner} run -- true; echo "inner exit $?"`], { env: t.env });
    expect(byVariable.stdout).toContain('inner exit 2');
    expect(byVariable.stderr).toMatch(/not nesting a run for profile "work" \(OPENAI_SETUP_PROFILE=work\)/);
    expect(byVariable.stderr).toMatch(/Unset OPENAI_SETUP_PROFILE to use "default" here/);
    const inherited = await runCli(['run', '--profile', 'default', '--', 'sh', '-c', `${inner} run -- sh -c 'echo "marker=$OPENAI_SETUP_RUN"'`], { env: { ...t.env, OPENAI_SETUP_PROFILE: 'work' } });
    expect(inherited.code, inherited.stderr).toBe(0);
    expect(inherited.stdout).toContain('marker=default');

    // Inside a run of profile work, the tool works on work: token prints the key the child has.
    const tokenInside = await runCli(['run', '--profile', 'work', '--', 'sh', '-c', `[ "$(${inner} token)" = "$OPENAI_API_KEY" ] && echo same-key`], { env: t.env });
    expect(tokenInside.code, tokenInside.stderr).toBe(0);
    expect(tokenInside.stdout).toBe('same-key\n');

    const same = await runCli(['run', '--', 'sh', '-c', `${inner} run -- sh -c 'echo "marker=$OPENAI_SETUP_RUN"; exit 5'`], { env: t.env });
    expect(same.code).toBe(5);
    expect(same.stdout).toContain('marker=default');
    expectNoKey(same);
  });

  it('with the key in the keychain, writes nothing holding the key to disk', async () => {
    let keyring: PrivateKeyring | undefined;
    try {
      keyring = await startPrivateKeyring();
      const t = await machine(keyring.env);
      await storeKey(t, VALID, 'default', false);
      await storeKey(t, WORK, 'work', false);
      // Each profile is its own keychain entry.
      expect(await keyring.lookup('openai-setup', 'default')).toBe(VALID);
      expect(await keyring.lookup('openai-setup', 'work')).toBe(WORK);
      const result = await runCli(['run', '--', NODE, '-e', REPORTER, '0'], { env: t.env, input: '' });
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout).keyHash).toBe(sha(VALID));
      expect(result.stderr).not.toMatch(/plain-text/);
      expectNoKey(result);
      expect(filesContaining(t.root, VALID)).toEqual([]);
    } finally {
      await keyring?.stop();
    }
  });
});

describe('token', () => {
  it('prints the key and a newline, nothing else, into a pipe; no key is exit 2', async () => {
    const t = await machine();
    await storeKey(t, VALID);
    const result = await runCli(['token'], { env: t.env });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${VALID}\n`);
    expectNoKey(result.stderr);

    const none = await runCli(['token', '--profile', 'nobody'], { env: t.env });
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/No key is stored for profile "nobody"/);
  });

  it('asks before printing on a terminal; --yes skips the question', async () => {
    const t = await machine();
    await storeKey(t, VALID);
    session = spawnCli(['token'], { env: t.env });
    await session.waitFor('Print the full key of profile "default" on this screen?');
    session.type('n');
    session.press('enter');
    await session.waitFor('Not printed.');
    expect((await session.exited).exitCode).toBe(0);
    expectNoKey(session.output());

    session = spawnCli(['token'], { env: t.env });
    await session.waitFor('on this screen?');
    session.type('y');
    session.press('enter');
    expect((await session.exited).exitCode).toBe(0);
    expect(session.output()).toContain(VALID);

    session = spawnCli(['token', '--yes'], { env: t.env });
    expect((await session.exited).exitCode).toBe(0);
    expect(session.output()).toContain(VALID);
    expect(session.output()).not.toMatch(/on this screen/);
  });

  it('with stdout a terminal but no way to answer, exits 2 naming --yes', async () => {
    const t = await machine();
    await storeKey(t, VALID);
    session = spawnCommand('sh', ['-c', `exec ${JSON.stringify(NODE)} ${JSON.stringify(CLI)} token </dev/null`], { env: t.env });
    expect((await session.exited).exitCode).toBe(2);
    expect(session.output()).toMatch(/Pass --yes/);
    expectNoKey(session.output());
  });

  // `export OPENAI_API_KEY="$(openai-setup token)"` returned export's status, 0 whatever token did:
  // a script under `set -e` went on with the key exported empty (ShellCheck's SC2155). The line
  // every place prints (token --help's example, the closing screen, token's advice, import's
  // rewrite) assigns, then exports: the assignment's status is token's, and `set -e` stops there.
  for (const shell of ['bash', 'zsh', 'sh']) {
    it(`${shell} -e: the line token --help shows stops the script when no key is stored; with one, a child process gets it`, async () => {
      const t = await machine();
      const help = await runCli(['token', '--help'], { env: t.env });
      const line = /^ *\$ (.*)$/m.exec(help.stdout)?.[1];
      // The example is the line the tool prints for this shell, with the tool named as on PATH.
      expect(line).toBe(shellCaptureLine({ SHELL: `/bin/${shell}` }, 'linux', 'OPENAI_API_KEY', 'openai-setup token'));
      const script = `set -e\n${line}\necho continued\nsh -c 'printf "child sees [%s]\\n" "$OPENAI_API_KEY"'\n`;
      const none = await runCommand(shell, ['-c', script], { env: t.env });
      expect(none.stderr).toMatch(/No key is stored for profile "default"/);
      expect(none.code, none.stdout).toBe(2);
      expect(none.stdout).toBe('');

      await storeKey(t, VALID);
      const stored = await runCommand(shell, ['-c', script], { env: t.env });
      expect(stored.code, stored.stderr).toBe(0);
      expect(stored.stdout).toBe(`continued\nchild sees [${VALID}]\n`);
    });
  }

  // A command's help is commander's at run time, written for SHELL: bash's line is an error in
  // fish ("Unsupported use of '='") and tcsh ("Illegal variable name").
  for (const shell of ['fish', 'tcsh']) {
    it(`SHELL=${shell}: the line token --help shows, typed in ${shell}, sets OPENAI_API_KEY to the stored key`, async () => {
      const t = await machine();
      const env = { ...t.env, SHELL: `/usr/bin/${shell}` };
      const help = await runCli(['token', '--help'], { env });
      const line = /^ *\$ (.*)$/m.exec(help.stdout)?.[1];
      expect(line).toBe(shellCaptureLine(env, 'linux', 'OPENAI_API_KEY', 'openai-setup token'));
      await storeKey(t, VALID);
      const ran = await runCommand(shell, ['-c', `${line}; sh -c 'printf "child sees [%s]\\n" "$OPENAI_API_KEY"'`], { env });
      expect(ran.code, ran.stderr).toBe(0);
      expect(ran.stdout).toBe(`child sees [${VALID}]\n`);
    });
  }
});

describe('env', () => {
  function git(cwd: string, ...args: string[]): string {
    return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, encoding: 'utf8', env: { PATH: process.env.PATH!, HOME: cwd, GIT_CONFIG_NOSYSTEM: '1' } });
  }
  async function repo(t: TestEnv): Promise<string> {
    const dir = join(t.root, 'project');
    mkdirSync(dir);
    git(dir, 'init', '-q');
    writeFileSync(join(dir, 'README.md'), '# project\n');
    git(dir, 'add', 'README.md');
    git(dir, 'commit', '-q', '-m', 'init');
    return dir;
  }
  const mode = (path: string) => statSync(path).mode & 0o777;

  it('refuses a file .gitignore does not cover without a terminal; --gitignore adds it and writes the file 0600', async () => {
    const t = await machine();
    await storeKey(t, VALID);
    const dir = await repo(t);

    const refused = await runCli(['env'], { env: t.env, cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/\.env is not covered by \.gitignore/);
    expect(refused.stderr).toMatch(/--gitignore/);
    expect(() => statSync(join(dir, '.env'))).toThrow();

    const written = await runCli(['env', '--gitignore'], { env: t.env, cwd: dir });
    expect(written.code, written.stderr).toBe(0);
    expect(written.stdout).toMatch(/Added \/\.env to .*\.gitignore/);
    expect(written.stdout).toMatch(/Wrote OPENAI_API_KEY \(sk-proj-…\S{4}, profile "default"\) to \.env \(a new file, readable only by you\)/);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(`OPENAI_API_KEY=${VALID}\n`);
    expect(mode(join(dir, '.env'))).toBe(0o600);
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toBe('/.env\n');
    expect(git(dir, 'status', '--porcelain')).toBe('?? .gitignore\n');
    expectNoKey(refused);
    expectNoKey(written);
  });

  it('refuses a file git tracks; --force updates only the key line, byte for byte, CRLF kept', async () => {
    const t = await machine();
    await storeKey(t, VALID);
    const dir = await repo(t);
    const before = '# settings\r\nDEBUG=1\r\nOPENAI_API_KEY=sk-old # mine\r\n\r\nNAME="x y"';
    writeFileSync(join(dir, '.env'), before);
    git(dir, 'add', '.env');
    git(dir, 'commit', '-q', '-m', 'oops');

    const refused = await runCli(['env'], { env: t.env, cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/\.env is tracked by git: the key would be committed with it/);
    expect(refused.stderr).toMatch(/git rm --cached -- \.env/);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(before);

    const forced = await runCli(['env', '--force'], { env: t.env, cwd: dir });
    expect(forced.code).toBe(0);
    expect(forced.stderr).toMatch(/tracked by git/);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(`# settings\r\nDEBUG=1\r\nOPENAI_API_KEY=${VALID} # mine\r\n\r\nNAME="x y"`);
    expectNoKey(forced);
  });

  it('updates an ignored file in place, says when nothing changed, and warns when others can read it', async () => {
    const t = await machine();
    await storeKey(t, VALID);
    await storeKey(t, WORK, 'work');
    const dir = await repo(t);
    mkdirSync(join(dir, 'app'));
    writeFileSync(join(dir, '.gitignore'), '*.env\n');
    const file = join(dir, 'app', 'local.env');
    writeFileSync(file, 'A=1\nOPENAI_API_KEY=old\nB=2\n', { mode: 0o644 });

    const first = await runCli(['env', '--file', 'app/local.env', '--profile', 'work'], { env: t.env, cwd: dir });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Updated OPENAI_API_KEY \(sk-proj-…\S{4}, profile "work"\) in app\/local\.env; every other line is as it was/);
    expect(first.stderr).toMatch(/can be read by other users \(mode 644\): chmod 600 -- app\/local\.env/);
    expect(readFileSync(file, 'utf8')).toBe(`A=1\nOPENAI_API_KEY=${WORK}\nB=2\n`);
    expect(mode(file)).toBe(0o644);

    const again = await runCli(['env', '--file', 'app/local.env', '--profile', 'work'], { env: t.env, cwd: dir });
    expect(again.stdout).toMatch(/already has OPENAI_API_KEY .*nothing changed/);
    expectNoKey(first);
    expectNoKey(again);
  });

  it('outside a git repository it writes, with a warning', async () => {
    const t = await machine();
    await storeKey(t, VALID);
    const dir = join(t.root, 'plain');
    mkdirSync(dir);
    const result = await runCli(['env'], { env: t.env, cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/is not in a git repository, so nothing checked that \.env stays out of version control/);
    expect(readFileSync(join(dir, '.env'), 'utf8')).toBe(`OPENAI_API_KEY=${VALID}\n`);
    expect(mode(join(dir, '.env'))).toBe(0o600);

    const noDir = await runCli(['env', '--file', 'missing/.env'], { env: t.env, cwd: dir });
    expect(noDir.code).toBe(2);
  });

  it('on a terminal, offers to add the file to .gitignore', async () => {
    const t = await machine();
    await storeKey(t, VALID);
    const dir = await repo(t);
    session = spawnCli(['env'], { env: t.env, cwd: dir });
    await session.waitFor(/Add \/\.env to .*\.gitignore\?/);
    session.press('enter');
    await session.waitFor('Wrote OPENAI_API_KEY');
    expect((await session.exited).exitCode).toBe(0);
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toBe('/.env\n');
    expect(git(dir, 'check-ignore', '.env')).toBe('.env\n');
    expectNoKey(session.output());

    // Covered now: written without a question.
    rmSync(join(dir, '.env'));
    session = spawnCli(['env'], { env: t.env, cwd: dir });
    expect((await session.exited).exitCode).toBe(0);
    expect(session.output()).not.toMatch(/\.gitignore\?/);
  });
});

describe('open', () => {
  const KEYS_URL = 'https://platform.openai.com/api-keys';

  it('opens a page by name; an unknown name or no name without a terminal is exit 2 listing the names', async () => {
    const t = await machine();
    const keys = await runCli(['open', 'keys'], { env: t.env });
    expect(keys.code).toBe(0);
    expect(keys.stdout).toContain(KEYS_URL);
    expect(await t.browser.waitForUrls(1)).toEqual([KEYS_URL]);

    const unknown = await runCli(['open', 'wallet'], { env: t.env });
    expect(unknown.code).toBe(2);
    // As any bad value is said: what it names, what it takes, what was typed.
    expect(unknown.stderr).toBe('✖ open: name a page: login, payment, billing, limits, keys, user-keys, admin-keys, usage, organization, credit-grants (got "wallet").\n');

    const menu = await runCli(['open'], { env: t.env });
    expect(menu.code).toBe(2);
    expect(menu.stderr).toMatch(/no interactive terminal/);
    expect(menu.stderr).toMatch(/usage\s+Usage dashboard/);
  });

  it('without a name, a menu on a terminal', async () => {
    const t = await machine();
    session = spawnCli(['open'], { env: t.env });
    await session.waitFor('Which page?');
    for (let i = 0; i < 4; i++) session.press('down');
    session.press('enter');
    await session.waitFor(KEYS_URL);
    expect((await session.exited).exitCode).toBe(0);
    expect(await t.browser.waitForUrls(1)).toEqual([KEYS_URL]);
  });
});

describe('doctor', () => {
  it('exit 0 when everything needed works, with --json parsed by its schema', async () => {
    const t = await machine();
    await storeKey(t, VALID);
    const text = await runCli(['doctor'], { env: t.env });
    expect(text.code, text.stdout + text.stderr).toBe(0);
    expect(text.stdout).toMatch(/✔ Node\.js\s+v\d+/);
    expect(text.stdout).toMatch(/! Keychain\s+No Secret Service keyring is running/);
    expect(text.stdout).toMatch(/! OPENAI_BASE_URL\s+http:\/\/127\.0\.0\.1/);
    expect(text.stdout).toMatch(/✔ API reachable\s+.*answered \(HTTP 401 without a key/);
    expect(text.stdout).toMatch(/The key works and can spend/);
    expect(text.stdout).toMatch(/Everything needed works/);
    expectNoKey(text);

    const json = await runCli(['doctor', '--json'], { env: t.env });
    expect(json.code).toBe(0);
    const report = DoctorJsonSchema.parse(JSON.parse(json.stdout));
    expect(report).toMatchObject({ ok: true, exitCode: 0, profile: 'default', verify: { status: 'valid', organization: 'acme-corp', key: { source: 'file' } } });
    expect(report.checks.map((c) => c.id)).toEqual(expect.arrayContaining(['node', 'keychain', 'stored-key', 'OPENAI_API_KEY', 'proxy', 'api', 'verify']));
    expectNoKey(json);
  });

  it('a different OPENAI_API_KEY: its row, printed in its place once the live check is done, names storing it only when that check passes', async () => {
    const t = await machine();
    await storeKey(t, VALID);
    const rowOrder = (stdout: string) => ['! OPENAI_API_KEY ', '✔ API reachable ', 'Live check\n'].map((start) => stdout.indexOf(`\n${start}`));
    const never = makeKey('proj', 'beyond-never-registered');
    const rejected = await runCli(['doctor'], { env: { ...t.env, OPENAI_API_KEY: never } });
    expect(rejected.code).toBe(3);
    expect(rejected.stdout).toContain('→ Unset it (programs then need `openai-setup run`), or set it to a key that works (the live check says how).');
    expect(rejected.stdout).not.toContain('printenv OPENAI_API_KEY');
    const at = rowOrder(rejected.stdout);
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((x, y) => x - y)).toEqual(at);
    const works = await runCli(['doctor'], { env: { ...t.env, OPENAI_API_KEY: WORK } });
    expect(works.code).toBe(0);
    expect(works.stdout).toContain('→ Unset it (programs then need `openai-setup run`), or store it:  printenv OPENAI_API_KEY | openai-setup key --stdin --insecure-storage\n');
    const order = rowOrder(works.stdout);
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((x, y) => x - y)).toEqual(order);
    expectNoKey(rejected);
    expect(rejected.stdout + rejected.stderr).not.toContain(never);
    expectNoKey(works);
  });

  it('names each problem and exits non-zero: no key, a different OPENAI_API_KEY that cannot spend, a missing CA file, an unreachable API', async () => {
    const t = await machine();
    const none = await runCli(['doctor', '--json'], { env: t.env });
    expect(none.code).not.toBe(0);
    expect(DoctorJsonSchema.parse(JSON.parse(none.stdout)).ok).toBe(false);

    await storeKey(t, VALID);
    const differs = await runCli(['doctor'], { env: { ...t.env, OPENAI_API_KEY: NO_CREDITS } });
    expect(differs.code).toBe(4);
    expect(differs.stdout).toMatch(/! OPENAI_API_KEY\s+sk-proj-…\S{4} differs from the stored key sk-proj-…\S{4}: programs use OPENAI_API_KEY/);
    expect(differs.stdout).toMatch(/no credits/);
    expectNoKey(differs);

    const ca = await runCli(['doctor', '--json'], { env: { ...t.env, NODE_EXTRA_CA_CERTS: join(t.root, 'gone.pem'), SSL_CERT_FILE: join(t.root, 'stale.pem') } });
    expect(ca.code).toBe(6);
    const checks = DoctorJsonSchema.parse(JSON.parse(ca.stdout)).checks;
    expect(checks.find((c) => c.id === 'NODE_EXTRA_CA_CERTS')?.status).toBe('fail');
    expect(checks.find((c) => c.id === 'SSL_CERT_FILE')).toMatchObject({ status: 'fail', fix: expect.stringMatching(/unset SSL_CERT_FILE/) });

    const stray = await runCli(['doctor'], { env: { ...t.env, OPENAI_PROJECT_ID: 'proj_stray' } });
    expect(stray.code).not.toBe(0);
    expect(stray.stdout).toMatch(/! OPENAI_PROJECT_ID\s+proj_stray: sent as OpenAI-Project with every request/);
    expect(stray.stdout).toMatch(/It was sent because OPENAI_PROJECT_ID is set/);

    const port = await closedPort();
    const down = await runCli(['doctor'], { env: { ...t.env, OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1` } });
    expect(down.code).toBe(6);
    // In verify's words, not the raw error.
    expect(down.stdout).toMatch(new RegExp(`✖ API reachable\\s+The connection to 127\\.0\\.0\\.1:${port} was refused\\n`));
    expect(down.stdout).toMatch(/Live check\s+not run/);
    expectNoKey(down);
  });
});

describe('doctor advice that names a command', () => {
  it('works as printed: doctor takes no --model, so it names `verify --model` for the profile, and that runs', async () => {
    const t = await machine({ OPENAI_API_KEY: MODEL_FORBIDDEN });
    const text = await runCli(['doctor', '--profile', 'mf'], { env: t.env });
    expect(text.code, text.stdout + text.stderr).toBe(5);
    const command = /or check with another model \(`(.+ verify --profile mf --model NAME)`\)\./.exec(text.stdout)?.[1];
    expect(command, text.stdout).toBeDefined();
    expect(text.stdout).not.toMatch(/\(--model\)/);

    const before = server.requestsFor(MODEL_FORBIDDEN).length;
    const ran = await runCommand('bash', ['-c', command!], { env: t.env });
    expect(ran.stderr).not.toMatch(/unknown option|error:/);
    // The same check of the same key, with the model named: refused the same way (exit 5), not a usage error (2).
    expect(ran.code, ran.stdout + ran.stderr).toBe(5);
    const sent = server.requestsFor(MODEL_FORBIDDEN).slice(before);
    expect(sent.find((r) => r.path === '/v1/chat/completions')?.body).toMatchObject({ model: 'NAME' });
    expectNoKey(text);
    expectNoKey(ran);
  });
});

describe('completion', () => {
  // What each shell offers is in test/e2e/completion.test.ts.
  it('names the shells it knows when given another', async () => {
    const t = await machine();
    const bad = await runCli(['completion', 'tcsh'], { env: t.env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bash, zsh, fish/);
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

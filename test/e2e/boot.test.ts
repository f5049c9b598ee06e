// The boot module: `--version` and `--help` without commander (the help must be commander's own),
// and Node's compile cache (Node >= 22.1), which a damaged entry can never stop. CI runs this file
// on Node 20 (no compile cache: none is written) and on Node 22 and 24 (the cache is used).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, makeTestEnv, REPO_ROOT, stripAnsi, type TestEnv } from '../helpers/env.js';
import { spawnCli, spawnCommand } from '../helpers/pty.js';
import { runCli } from '../helpers/run.js';

const packageVersion = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const nodeHasCompileCache = major > 22 || (major === 22 && minor >= 1);

let t: TestEnv;
beforeAll(async () => {
  t = await makeTestEnv();
});
afterAll(async () => {
  await t?.cleanup();
});

/** What commander itself prints for `--help` on a pipe (80 columns), from the built program. */
function commanderHelp(): string {
  const r = spawnSync(process.execPath, ['-e', "require('./dist/main.cjs').run(['node', 'openai-setup', '--help'])"], { cwd: REPO_ROOT, encoding: 'utf8', env: { PATH: process.env.PATH } });
  expect(r.status).toBe(0);
  return r.stdout;
}

describe('--version and --help', () => {
  it('--version and -V print the package version', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await runCli([flag], { env: t.env });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${packageVersion}\n`);
      expect(r.stderr).toBe('');
    }
  });

  it('--help and -h print exactly what commander prints, as does `help`', async () => {
    const expected = commanderHelp();
    expect(expected).toMatch(/^Usage: openai-setup \[options\] \[command\]/);
    for (const args of [['--help'], ['-h'], ['help']]) {
      const r = await runCli(args, { env: t.env });
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toBe(expected);
    }
  });

  it('`help <name>` for no command: the help on stderr, one line saying so, exit 2 (not 0)', async () => {
    const r = await runCli(['help', 'bogus'], { env: t.env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Usage: openai-setup /);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe('error: no such command (the commands are listed above)');
    expect((await runCli(['help', 'status'], { env: t.env })).code).toBe(0);
  });

  it('`help help` prints the usage of help itself, exit 0', async () => {
    const r = await runCli(['help', 'help'], { env: t.env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: openai-setup help \[options\] \[command\]\n\ndisplay help for command\n/);
    expect(r.stderr).toBe('');
  });

  it('under npx the help names the tool `npx --yes openai-setup` (not the help rendered for the bare name)', async () => {
    const r = await runCli(['--help'], { env: { ...t.env, npm_command: 'exec' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: npx --yes openai-setup \[options\] \[command\]/);
    expect(r.stdout).toContain('$ npx --yes openai-setup verify --json');
  });

  it('a terminal narrower than 80 columns gets commander help wrapped to its width', async () => {
    const session = spawnCli(['--help'], { env: t.env, cols: 60 });
    expect((await session.exited).exitCode).toBe(0);
    const lines = stripAnsi(session.output()).split('\n');
    expect(lines.some((line) => line.includes('Usage: openai-setup'))).toBe(true);
    expect(Math.max(...lines.map((line) => line.trimEnd().length))).toBeLessThanOrEqual(60);
  });
});

describe(`Node's compile cache (this run: Node ${process.versions.node})`, () => {
  const cacheDir = () => join(t.root, 'cache', 'openai-setup', 'compile-cache');
  const env = () => ({ ...t.env, XDG_CACHE_HOME: join(t.root, 'cache') });
  const entries = () => readdirSync(cacheDir(), { withFileTypes: true }).flatMap((d) => readdirSync(join(cacheDir(), d.name)).map((f) => join(cacheDir(), d.name, f)));

  it(nodeHasCompileCache ? 'is written to the private user cache dir and reused' : 'is not written on Node before 22.1', async () => {
    const first = await runCli(['status', '--json'], { env: env() });
    expect(first.code, first.stderr).toBe(0);
    if (!nodeHasCompileCache) {
      expect(existsSync(join(t.root, 'cache'))).toBe(false);
      return;
    }
    expect(statSync(cacheDir()).mode & 0o777).toBe(0o700);
    expect(entries().length).toBeGreaterThan(0);
    const again = await runCli(['status', '--json'], { env: env() });
    expect(again.stdout).toBe(first.stdout);
  });

  it('damaged entries (flipped bits, truncated, garbage, a FIFO, a link to /dev/zero) never stop the tool', async () => {
    const expected = await runCli(['status', '--json'], { env: env() });
    expect(expected.code).toBe(0);
    if (!nodeHasCompileCache) return;
    const files = entries();
    expect(files.length).toBeGreaterThan(0);
    const damage: Array<(file: string) => void> = [
      (file) => {
        const bytes = readFileSync(file);
        for (let i = 64; i < bytes.length; i += 97) bytes[i] = bytes[i]! ^ 0xff;
        writeFileSync(file, bytes);
      },
      (file) => writeFileSync(file, readFileSync(file).subarray(0, 100)),
      (file) => writeFileSync(file, Buffer.alloc(4096, 0x41)),
      (file) => {
        rmSync(file);
        execFileSync('mkfifo', [file]);
      },
      (file) => {
        rmSync(file);
        symlinkSync('/dev/zero', file);
      },
    ];
    for (const harm of damage) {
      for (const file of entries()) harm(file);
      const r = await runCli(['status', '--json'], { env: env(), timeoutMs: 10_000 });
      expect(r.timedOut).toBe(false);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(expected.stdout);
    }
  });

  it('a cache dir other users can write to is not used', async () => {
    const first = await runCli(['status'], { env: env() });
    expect(first.code).toBe(0);
    if (!nodeHasCompileCache) return;
    rmSync(cacheDir(), { recursive: true, force: true });
    execFileSync('mkdir', ['-p', cacheDir()]);
    chmodSync(cacheDir(), 0o777);
    const r = await runCli(['status'], { env: env() });
    expect(r.code).toBe(0);
    expect(readdirSync(cacheDir())).toEqual([]);
  });
});

describe('advice under npx', () => {
  it('every command the tool recommends starts `npx --yes openai-setup` when it was started with npx', async () => {
    const env = { ...t.env, npm_command: 'exec' };
    const token = await runCli(['token'], { env });
    expect(token.code).toBe(2);
    expect(token.stderr).toContain('npx --yes openai-setup key');
    expect(token.stderr).not.toMatch(/(?<!npx --yes )openai-setup key/);
    const verify = await runCli(['verify'], { env });
    expect(verify.stderr).toContain('(pipe the key in, in place of …):  … | npx --yes openai-setup key --stdin --insecure-storage');
    expect(verify.stderr).not.toMatch(/(?<!npx --yes )openai-setup key/);
    const status = await runCli(['status'], { env });
    // No terminal here: the wizard would only list the stages and exit 2; the next stage's command instead.
    expect(status.stdout).toContain('4 of 4 stages pending, and the wizard asks questions, but there is no interactive terminal. Next, after signing in on https://platform.openai.com/login:  npx --yes openai-setup login --done\n');
    expect(status.stdout).not.toContain('to continue');
    // No keychain here (no session bus): the key file's way, as verify says it.
    expect(status.stdout).toContain('(pipe the key in, in place of …):  … | npx --yes openai-setup key --stdin --insecure-storage');
  });
});

describe('advice when started by its path', () => {
  it('not on PATH and not under npx, every command the tool recommends, its help included, runs the script it was started as', async () => {
    // PATH without the test env's installed `openai-setup`: as after a git clone, `bin/openai-setup.cjs status`.
    const env = { ...t.env, PATH: process.env.PATH ?? '/usr/bin:/bin' };
    const status = await runCli(['status'], { env });
    expect(status.code).toBe(0);
    // No keychain here (no session bus): the key file's way.
    const keyCommand = /:  … \| (\S+ key) --stdin --insecure-storage\n/.exec(status.stdout)?.[1];
    expect(keyCommand).toBe(`${CLI} key`);
    // No terminal here: the next stage's command, which works as printed (the wizard would exit 2).
    const next = / Next, after signing in on \S+:  (.+)\n/.exec(status.stdout)?.[1];
    expect(next).toBe(`${CLI} login --done`);
    expect(spawnSync('sh', ['-c', next!], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).status).toBe(0);
    expect((await runCli(['status'], { env })).stdout).toContain(`3 of 4 stages pending, and the wizard asks questions, but there is no interactive terminal. Next, after adding a card on https://platform.openai.com/settings/organization/billing/payment-methods:  ${CLI} payment --done\n`);
    const verify = await runCli(['verify'], { env });
    expect(verify.stderr).toContain(`(pipe the key in, in place of …):  … | ${CLI} key --stdin --insecure-storage`);
    expect(verify.stderr).not.toMatch(/(?<![\w/.])openai-setup key/);
    // As printed, in a shell: the command runs this tool.
    const typed = spawnSync('sh', ['-c', `${keyCommand} --help`], { env, encoding: 'utf8' });
    expect(typed.status).toBe(0);
    expect(typed.stdout).toMatch(/^Usage: \S+openai-setup\.cjs key \[options\]/);
    const help = await runCli(['--help'], { env });
    expect(help.stdout.startsWith(`Usage: ${CLI} [options] [command]`)).toBe(true);
    expect(help.stdout).toContain(`$ ${CLI} verify --json`);
  });

  it('from a folder with a space in its name, on a narrow terminal: each command the wizard names is one line, never broken', async () => {
    // A clone in "my dir": the tool is named by its quoted path, which has a space in it.
    const dir = join(t.root, 'my dir');
    execFileSync('mkdir', ['-p', dir]);
    const script = join(dir, 'openai-setup.cjs');
    symlinkSync(CLI, script);
    // A config dir of its own: a test above runs the `login --done` it printed (stage 1 then done).
    const env = { ...t.env, PATH: process.env.PATH ?? '/usr/bin:/bin', OPENAI_SETUP_NO_PROMPT: '1', OPENAI_SETUP_CONFIG_DIR: join(t.root, 'narrow-config') };
    const s = spawnCommand(process.execPath, [script], { env, cols: 60 });
    // The last line it prints, waited for: a pty's last output may come after its exit is seen.
    await s.waitFor('key --insecure-storage');
    expect(await s.exited).toMatchObject({ exitCode: 2 });
    const lines = s.output().split('\n');
    const named = `'${script}'`;
    // No keychain in this environment: `key` keeps the key in a file only you can read.
    for (const command of [`${named} login --done`, `${named} payment --done`, `${named} billing --choice prepaid --done`, `${named} key --insecure-storage`]) {
      // Whole, on a line of its own with nothing after it: the terminal's own soft wrap copies
      // back as one line, and the line pastes as it is.
      expect(lines.map((l) => l.replace(/\r$/, '')), command).toContain(`    ${command}`);
    }
  });
});


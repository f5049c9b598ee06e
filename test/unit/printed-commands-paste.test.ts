// Every line of the wizard's screens that is a command pastes as it is: what it is for is said on
// a line of its own, never after it on the same line. There a description was a shell's syntax
// error (`(after signing in on …)`), or words handed to the command (`env --file .env  write it
// to …`: too many arguments) or to the program it starts (`run -- python3 app.py  run a program …`);
// and zsh, as it is set up out of the box, reads no comment at its prompt, so `  # …` would not do.
// Each line is checked by bash (-n), then run by it with a stand-in for the tool that records the
// words it was given, and those words are run through the real command line.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { run as doctor, strayVariableChecks } from '../../src/commands/doctor.js';
import { COMMANDS } from '../../src/commands/index.js';
import { run as env } from '../../src/commands/env.js';
import { run as logout } from '../../src/commands/logout.js';
import { run as setup } from '../../src/commands/setup.js';
import { run as status } from '../../src/commands/status.js';
import { PAGES } from '../../src/platform.js';
import { buildProgram } from '../../src/program.js';
import { STAGE_IDS } from '../../src/storage/state.js';
import { shellCaptureLine, shellWord } from '../../src/terminal/shell.js';
import { checkResult, makeTestContext, outcomeOf, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';

// Each test runs the printed lines in real bash, zsh, fish and tcsh (spawnSync, one after another):
// seconds on a loaded machine, past the 5 s a test that only calls functions gets.
vi.setConfig({ testTimeout: 30_000 });

const KEY = testKey('A');
const OTHER = testKey('B');
const OPTIONS = { restart: false, insecureStorage: false };
const FINISH = "You're already set up. Finish now? (No walks through the stages anyway)";

// A stand-in `openai-setup` on PATH for bash: it records the words it is given, and does nothing.
// Each start in a file of its own: both sides of a pipe run at once.
const bin = mkdtempSync(join(tmpdir(), 'openai-setup-paste-'));
const record = join(bin, 'record');
writeFileSync(join(bin, 'openai-setup'), `#!/bin/sh\nprintf '%s\\037' "$@" > "$(mktemp "$RECORD/XXXXXX")"\n`);
chmodSync(join(bin, 'openai-setup'), 0o755);
afterAll(() => rmSync(bin, { recursive: true, force: true }));

let t: TestContext;
afterEach(() => t?.cleanup());

function context(options: TestContextOptions = {}): TestContext {
  t = makeTestContext(options);
  return t;
}

/** Every stage done and KEY stored in the keychain, as a finished earlier run leaves it. */
async function setUpEarlier(profile = 'default'): Promise<void> {
  await t.keychain.setPassword('openai-setup', profile, KEY);
  await t.ctx.state.updateProfile(profile, (p) => {
    for (const id of STAGE_IDS) p.stages[id] = { doneAt: '2026-01-01T00:00:00.000Z' };
    p.key = { storage: 'keychain', hint: 'sk-proj-…000A', savedAt: '2026-01-01T00:00:00.000Z' };
  });
}

/** The lines of `text` that are a command (the tool, a pipe into it, a variable set for it), as printed. */
function commandLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^(?:openai-setup |printenv |export |unset |OPENAI_API_KEY="\$\(|OPENAI_BASE_URL=|pip |npm )/.test(line));
}

/** bash's verdict on `line` read as a command line (-n: read, not run). */
function syntaxError(line: string): string {
  const result = spawnSync('bash', ['-n', '-c', line], { encoding: 'utf8' });
  return result.status === 0 ? '' : result.stderr;
}

/** `line` run by bash in `cwd`: the words each start of the tool was given (in no order). */
function wordsGiven(line: string, cwd: string): string[][] {
  rmSync(record, { recursive: true, force: true });
  mkdirSync(record);
  const result = spawnSync('bash', ['-c', line], { cwd, encoding: 'utf8', env: { PATH: `${bin}:${process.env.PATH}`, RECORD: record, HOME: cwd } });
  expect(result.status, `${line}\n${result.stderr}`).toBe(0);
  return readdirSync(record).map((file) => readFileSync(join(record, file), 'utf8').split('\x1f').slice(0, -1));
}

/** `words` run through the real command line with `ctx` (makeTestContext's); its exit code. */
async function runWords(ctx: TestContext['ctx'], words: string[]): Promise<number> {
  let code: number | undefined;
  const program = buildProgram('0.0.0-test', () => ctx, { name: 'openai-setup', writeOut: () => {}, writeErr: () => {} }, (c) => (code = c));
  await program.parseAsync(['node', 'openai-setup', ...words]);
  return code!;
}

/** The example lines of the help `words` ask for (`token --help`), as shown with `env` (SHELL) on Linux. */
function helpExamples(words: string[], env: Record<string, string>): string[] {
  let out = '';
  const program = buildProgram(
    '0.0.0-test',
    () => {
      throw new Error('no command runs here');
    },
    { name: 'openai-setup', writeOut: (text) => (out += text), writeErr: (text) => (out += text), shell: { env, platform: 'linux' } },
    () => {},
  );
  try {
    program.parse(['node', 'openai-setup', ...words]);
  } catch {
    // commander's exitOverride throws once the help is printed
  }
  return out.split('\n').filter((line) => line.startsWith('  $ ')).map((line) => line.slice(4));
}

/** `words` as the command line takes them: parsed, up to the command running (which here stops at once). */
async function parses(words: string[]): Promise<string> {
  const program = buildProgram(
    '0.0.0-test',
    () => {
      throw new Error('parsed');
    },
    { name: 'openai-setup', writeOut: () => {}, writeErr: () => {} },
    () => {},
  );
  return program.parseAsync(['node', 'openai-setup', ...words]).then(
    () => 'ran',
    (error: Error) => error.message,
  );
}

/** A line that starts the tool (alone, piped into, in `$( )`, with a variable set), and nothing else: safe to run here with the stand-in. */
const startsTheTool = (line: string) => /^(?:printenv \w+ \| |\w+="\$\(|OPENAI_BASE_URL=\S+ )?openai-setup /.test(line);

/**
 * Every command line of a screen: bash reads it; and where it starts the tool, the words the tool
 * is given are ones its command line takes (others, `pip install`, are only read).
 */
async function expectEachPastes(lines: string[], cwd: string): Promise<void> {
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    expect(syntaxError(line), line).toBe('');
    if (!startsTheTool(line)) continue;
    const given = wordsGiven(line, cwd);
    expect(given.length, line).toBeGreaterThan(0);
    for (const words of given) expect(await parses(words), `${line}: ${words.join(' ')}`).toBe('parsed');
  }
}

describe('the wizard without a terminal (`openai-setup </dev/null`)', () => {
  it('each stage command is a line of its own, under what it is for; pasted, each does its stage', async () => {
    context({ interactive: false });
    const { code, hints } = await outcomeOf(setup(t.ctx, OPTIONS));
    expect(code).toBe(2);
    expect(hints).toEqual([
      `After signing in on ${PAGES.login.url}:`,
      '  openai-setup login --done',
      `After adding a card on ${PAGES.payment.url}:`,
      '  openai-setup payment --done',
      `After buying credits on ${PAGES.billing.url} (--choice auto-reload if you turned auto-reload on):`,
      '  openai-setup billing --choice prepaid --done',
      // No terminal here, and OPENAI_API_KEY not set: a pipe, its source the person's own.
      'Store your key (pipe the key in, in place of …):',
      '  … | openai-setup key --stdin',
    ]);
    const lines = commandLines(hints.join('\n'));
    expect(lines).toEqual(['openai-setup login --done', 'openai-setup payment --done', 'openai-setup billing --choice prepaid --done']);
    // With a source in place of the placeholder, the key line pastes too.
    await expectEachPastes([...lines, hints.at(-1)!.trim().replace(/^… \| /, 'printenv HOME | ')], t.cwd);
    // Run as pasted (all but `key`, which needs the key), each marks its stage done.
    for (const line of lines) {
      const [words] = wordsGiven(line, t.cwd);
      expect(await runWords(t.ctx, words!), line).toBe(0);
    }
    const stages = (await t.profile())?.stages ?? {};
    expect(Object.keys(stages).sort()).toEqual(['billing', 'login', 'payment']);
    expect((await t.profile())?.billingChoice).toBe('prepaid');
  });

  it('a key without credits, stages still to do: every line it names pastes as it is, the pipe where OPENAI_API_KEY holds the key', async () => {
    context({ interactive: false, env: { OPENAI_API_KEY: KEY } });
    t.api.answerChecks(checkResult('insufficient_quota'));
    const { code, hints } = await outcomeOf(setup(t.ctx, OPTIONS));
    expect(code).toBe(4);
    expect(hints.slice(-4)).toEqual(['Store your key:', '  printenv OPENAI_API_KEY | openai-setup key --stdin', 'Then check the key again:', '  openai-setup verify']);
    await expectEachPastes(commandLines(hints.join('\n')), t.cwd);
  });
});

describe('the closing screen', () => {
  it('each command is a line of its own, under what it is for; pasted, `env --file .env` writes the key to .env', async () => {
    context();
    await setUpEarlier();
    t.prompts.whenConfirm(FINISH, true);
    t.api.answerChecks(checkResult('valid'));
    expect(await setup(t.ctx, OPTIONS)).toBe(0);
    const screen = t.stdout.slice(t.stdout.indexOf("You're ready to build."));
    expect(screen.split('\n').slice(2, 8)).toEqual([
      '  Run a program with the key set:',
      '    openai-setup run -- python3 app.py',
      '  Set it in this shell:',
      '    OPENAI_API_KEY="$(openai-setup token)"; export OPENAI_API_KEY',
      '  Write it to a git-ignored .env:',
      '    openai-setup env --file .env',
    ]);
    const lines = commandLines(screen);
    await expectEachPastes(lines, t.cwd);
    // The program gets the words of the command, and no more.
    expect(wordsGiven('openai-setup run -- python3 app.py', t.cwd)).toEqual([['run', '--', 'python3', 'app.py']]);
    expect(wordsGiven(lines[1]!, t.cwd)).toEqual([['token']]);
    // Pasted, the .env line writes the key there.
    const env = lines.find((line) => line.includes(' env '))!;
    const [words] = wordsGiven(env, t.cwd);
    expect(words).toEqual(['env', '--file', '.env']);
    expect(await runWords(t.ctx, words!)).toBe(0);
    expect(readFileSync(join(t.cwd, '.env'), 'utf8')).toBe(`OPENAI_API_KEY=${KEY}\n`);
  });

  it('against another server, for another profile: every line pastes as it is', async () => {
    context();
    await setUpEarlier('work');
    t.prompts.whenConfirm(FINISH, true);
    t.api.answerChecks(checkResult('valid'));
    expect(await setup(t.ctx, { ...OPTIONS, profile: 'work', check: { baseURL: 'http://127.0.0.1:18556/v1', model: 'llama-3.1-8b' } })).toBe(0);
    const lines = commandLines(t.stdout.slice(t.stdout.indexOf("You're ready to build.")));
    expect(lines).toContain('OPENAI_BASE_URL=http://127.0.0.1:18556/v1 openai-setup run --profile work -- python3 app.py');
    await expectEachPastes(lines, t.cwd);
  });

  it('OPENAI_API_KEY holding another key than the stored one: the lines that check or replace the stored one paste as they are', async () => {
    context({ env: { OPENAI_API_KEY: OTHER } });
    await setUpEarlier();
    t.prompts.whenConfirm(FINISH, true);
    t.api.answerChecks(checkResult('valid'));
    expect(await setup(t.ctx, OPTIONS)).toBe(0);
    const lines = commandLines(t.stdout.slice(t.stdout.indexOf("You're ready to build.")));
    expect(lines).toContain('openai-setup token | openai-setup verify --key -');
    expect(lines).toContain('printenv OPENAI_API_KEY | openai-setup key --stdin');
    await expectEachPastes(lines, t.cwd);
  });
});

describe('the files `env --file` wrote, named with the command that wrote them', () => {
  // In a git repository: one file ignored, one tracked (written with --force), in a directory whose
  // name needs quotes; profile "default" is not the one chosen with `use`, so --profile is named.
  const GIT_ENV = { PATH: process.env.PATH, HOME: '/nonexistent-home', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
  const git = (...args: string[]) => spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: t.cwd, env: GIT_ENV, encoding: 'utf8' });
  const ENV_FLAGS = { profile: 'default', force: false, gitignore: false };

  async function written(): Promise<{ ignored: string; tracked: string }> {
    context({ env: GIT_ENV });
    await setUpEarlier();
    await t.ctx.state.update((s) => {
      s.defaultProfile = 'work';
    });
    mkdirSync(join(t.cwd, 'my project'));
    writeFileSync(join(t.cwd, '.gitignore'), '.env\n');
    writeFileSync(join(t.cwd, 'my project', 'app.env'), 'DEBUG=1\n');
    expect(git('init', '-q').status).toBe(0);
    expect(git('add', '.gitignore', 'my project/app.env').status).toBe(0);
    expect(git('commit', '-q', '-m', 'init').status).toBe(0);
    expect(await env(t.ctx, ENV_FLAGS)).toBe(0);
    expect(await env(t.ctx, { ...ENV_FLAGS, file: 'my project/app.env', force: true })).toBe(0);
    return { ignored: join(t.cwd, '.env'), tracked: join(t.cwd, 'my project', 'app.env') };
  }

  /** The commands in backticks after "written (there) by" in `text`. */
  function writtenBy(text: string): string[] {
    return [...text.matchAll(/written (?:there )?by ((?:`[^`]+`(?:, | and )?)+)/g)].flatMap((m) => [...m[1]!.matchAll(/`([^`]+)`/g)].map((c) => c[1]!));
  }

  /** Each command pastes as it is, and names, for profile "default", the file it wrote (one of `files`): each of them once. */
  async function expectEachNames(commands: string[], files: string[]): Promise<void> {
    await expectEachPastes(commands, t.cwd);
    const named = commands.map((line) => {
      const [words] = wordsGiven(line, t.cwd);
      expect(words!.slice(0, 2), line).toEqual(['env', '--file']);
      expect(words!.slice(words!.indexOf('--profile'))[1], line).toBe('default');
      // Never --force (which would write a key into a file git tracks): the command as it wrote the file.
      expect(words!.includes('--force'), line).toBe(false);
      return join(t.cwd, words![2]!);
    });
    expect(named.sort()).toEqual([...files].sort());
  }

  it('status, doctor and logout: each command pastes as it is and names its file', async () => {
    const { ignored, tracked } = await written();
    let before = t.stdout.length;
    expect(await status(t.ctx, { profile: 'default', json: false })).toBe(0);
    const said = t.stdout.slice(before);
    // The file git tracks is no copy where it was asked for: a warning, with what takes it out of git.
    expect(said).toContain('○ Also in .env:1 (written by `openai-setup env --file .env --profile default`, as you asked)');
    expect(said).toContain(
      "! git tracks my project/app.env, which holds sk-proj-…000A: the key is in the repository (in its history once committed), so count it as exposed; take my project/app.env out of git and keep it out:\n  git -C 'my project' rm --cached -- app.env && openai-setup env --file 'my project/app.env' --gitignore --profile default  — then replace the key: create a new one on the API keys page, store it (it asks for the key, hidden) with `openai-setup key --profile default` and delete this one there (with an admin key, `openai-setup rotate --profile default` does both)",
    );
    await expectEachNames(writtenBy(said), [ignored]);

    before = t.stdout.length;
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 }).answerChecks(checkResult('valid'));
    await doctor(t.ctx, { profile: 'default', json: false });
    await expectEachNames(writtenBy(t.stdout.slice(before)), [ignored]);

    before = t.stdout.length;
    expect(await logout(t.ctx, { profile: 'default', yes: true })).toBe(0);
    await expectEachNames(writtenBy(t.stdout.slice(before)), [ignored, tracked]);
  });

  it('a file left holding a replaced key (status): the command that wrote it, pasted, writes the stored key there', async () => {
    const { ignored } = await written();
    await t.keychain.setPassword('openai-setup', 'default', OTHER);
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'keychain', hint: 'sk-proj-…000B', savedAt: '2026-01-02T00:00:00.000Z' };
    });
    const before = t.stdout.length;
    expect(await status(t.ctx, { profile: 'default', json: false })).toBe(0);
    const said = t.stdout.slice(before);
    expect(said).toContain('! .env holds sk-proj-…000A, not the stored key (written there by `openai-setup env --file .env --profile default`); to write the stored key there:  openai-setup env --file .env --profile default');
    const commands = writtenBy(said);
    await expectEachNames(commands, [ignored, join(t.cwd, 'my project', 'app.env')]);
    const [words] = wordsGiven(commands.find((c) => c.includes(' .env '))!, t.cwd);
    expect(await runWords(t.ctx, words!)).toBe(0);
    expect(readFileSync(ignored, 'utf8')).toBe(`OPENAI_API_KEY=${OTHER}\n`);
  });
});

describe("the lines that set a variable, in the person's own shell (SHELL)", () => {
  // A stand-in `openai-setup` that prints a key for `token`, and for `run` what the program it
  // starts would see of OPENAI_BASE_URL.
  const shellBin = mkdtempSync(join(tmpdir(), 'openai-setup-shells-'));
  writeFileSync(join(shellBin, 'openai-setup'), '#!/bin/sh\ncase "$1" in\n  token) echo sk-proj-from-token ;;\n  run) echo "run saw OPENAI_BASE_URL=$OPENAI_BASE_URL" ;;\nesac\n');
  chmodSync(join(shellBin, 'openai-setup'), 0o755);
  afterAll(() => rmSync(shellBin, { recursive: true, force: true }));

  /** `script` run by `shell` (-c), with the stand-in first on PATH and `env` set: what it printed. */
  function inShell(shell: string, script: string, env: Record<string, string> = {}): string {
    const result = spawnSync(shell, ['-c', script], { encoding: 'utf8', env: { PATH: `${shellBin}:${process.env.PATH}`, HOME: shellBin, ...env } });
    expect(result.error, `${shell} is needed for this test (.ci/run installs it)`).toBeUndefined();
    expect(result.status, `${shell} -c ${script}\n${result.stderr}`).toBe(0);
    return result.stdout;
  }

  const SERVER = 'http://127.0.0.1:18556/v1';
  for (const shell of ['bash', 'zsh', 'fish', 'tcsh']) {
    it(`${shell}: the closing screen's "Set it in this shell" and "Run a program" lines work there as printed`, async () => {
      context({ env: { SHELL: `/usr/bin/${shell}` } });
      await setUpEarlier();
      t.prompts.whenConfirm(FINISH, true);
      t.api.answerChecks(checkResult('valid'));
      expect(await setup(t.ctx, { ...OPTIONS, check: { baseURL: SERVER } })).toBe(0);
      const screen = t.stdout.slice(t.stdout.indexOf("You're ready to build.")).split('\n');
      const under = (what: string) => screen[screen.indexOf(`  ${what}:`) + 1]!.trim();
      const set = under('Set it in this shell');
      expect(inShell(shell, `${set}; printenv OPENAI_API_KEY; printenv OPENAI_BASE_URL`)).toBe(`sk-proj-from-token\n${SERVER}\n`);
      expect(inShell(shell, under('Run a program with the key set'))).toBe(`run saw OPENAI_BASE_URL=${SERVER}\n`);
    });

    it(`${shell}: the line that sets OPENAI_API_KEY from token works with the tool at a path holding a space, $, " and '`, () => {
      const dir = join(shellBin, `d$x q"t it's`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'openai-setup'), '#!/bin/sh\necho sk-proj-from-odd-path\n');
      chmodSync(join(dir, 'openai-setup'), 0o755);
      const line = shellCaptureLine({ SHELL: `/usr/bin/${shell}` }, 'linux', 'OPENAI_API_KEY', `${shellWord(join(dir, 'openai-setup'))} token`);
      expect(inShell(shell, `${line}; printenv OPENAI_API_KEY`)).toBe('sk-proj-from-odd-path\n');
    });

    it(`${shell}: doctor's fix for a stray OPENAI_ORG_ID or OPENAI_BASE_URL unsets it there as printed`, () => {
      const env = { SHELL: `/usr/bin/${shell}`, OPENAI_ORG_ID: 'org-stray', OPENAI_BASE_URL: SERVER };
      const fixes = strayVariableChecks(env, 'linux').map((c) => c.fix!.slice(c.fix!.indexOf(':  ') + 3));
      expect(fixes).toHaveLength(2);
      expect(inShell(shell, `${fixes.join('; ')}; printenv OPENAI_ORG_ID; printenv OPENAI_BASE_URL; echo done`, env)).toBe('done\n');
    });

    // A command's help is commander's, shown at run time: its examples in the shell it is shown in.
    it(`${shell}: token --help's example, run there as printed, sets OPENAI_API_KEY`, () => {
      const examples = helpExamples(['token', '--help'], { SHELL: `/usr/bin/${shell}` });
      expect(examples).toHaveLength(1);
      expect(inShell(shell, `${examples[0]}; printenv OPENAI_API_KEY`)).toBe('sk-proj-from-token\n');
    });

    // completion's go in a named shell's own file (each line says which), not at this prompt.
    it(`${shell}: every command's --help examples but completion's run there as printed`, () => {
      const env = { OPENAI_API_KEY: KEY, OPENAI_ADMIN_KEY: 'sk-admin-x' };
      for (const spec of COMMANDS.filter((c) => c.name !== 'completion')) {
        const examples = helpExamples([spec.name, '--help'], { SHELL: `/usr/bin/${shell}` });
        expect(examples.length, spec.name).toBeGreaterThan(0);
        for (const example of examples) {
          // fish reports a line it cannot run and goes on to the next: its status alone would not tell.
          const result = spawnSync(shell, ['-c', example], { encoding: 'utf8', env: { PATH: `${shellBin}:${process.env.PATH}`, HOME: shellBin, ...env } });
          expect([result.status, result.stderr], `${shell} -c ${example}`).toEqual([0, '']);
        }
      }
    });
  }

  // `export A="$(…)" B=…` returned export's status: under `set -e` a failed token went unnoticed,
  // the key exported empty. Assigned, then exported, `set -e` stops at the assignment.
  for (const shell of ['bash', 'zsh', 'sh']) {
    it(`${shell} -e: the closing screen's "Set it in this shell" line stops the script where token fails, and sets nothing`, async () => {
      context({ env: { SHELL: `/bin/${shell}` } });
      await setUpEarlier();
      t.prompts.whenConfirm(FINISH, true);
      t.api.answerChecks(checkResult('valid'));
      expect(await setup(t.ctx, { ...OPTIONS, check: { baseURL: SERVER } })).toBe(0);
      const screen = t.stdout.slice(t.stdout.indexOf("You're ready to build.")).split('\n');
      const set = screen[screen.indexOf('  Set it in this shell:') + 1]!.trim();
      const failing = mkdtempSync(join(tmpdir(), 'openai-setup-failing-'));
      try {
        writeFileSync(join(failing, 'openai-setup'), '#!/bin/sh\necho \'No key is stored for profile "default".\' >&2\nexit 2\n');
        chmodSync(join(failing, 'openai-setup'), 0o755);
        const result = spawnSync(shell, ['-c', `set -e\n${set}\necho "went on: [$OPENAI_API_KEY]"`], { encoding: 'utf8', env: { PATH: `${failing}:${process.env.PATH}`, HOME: failing } });
        expect(result.stderr).toContain('No key is stored');
        expect(result.stdout).toBe('');
        expect(result.status, set).toBe(2);
      } finally {
        rmSync(failing, { recursive: true, force: true });
      }
    });
  }

  // No pwsh here to run them in: their form, as PowerShell takes it, on Linux as on Windows.
  it('PowerShell as the login shell on Linux: the closing screen and doctor print its lines, not export and unset', async () => {
    context({ env: { SHELL: '/usr/bin/pwsh' } });
    await setUpEarlier();
    t.prompts.whenConfirm(FINISH, true);
    t.api.answerChecks(checkResult('valid'));
    expect(await setup(t.ctx, { ...OPTIONS, check: { baseURL: SERVER } })).toBe(0);
    const screen = t.stdout.slice(t.stdout.indexOf("You're ready to build.")).split('\n');
    const under = (what: string) => screen[screen.indexOf(`  ${what}:`) + 1]!.trim();
    expect(under('Set it in this shell')).toBe(`$env:OPENAI_API_KEY = (openai-setup token); $env:OPENAI_BASE_URL = '${SERVER}'`);
    expect(under('Run a program with the key set')).toMatch(/^\$env:OPENAI_BASE_URL = '[^']+'; openai-setup run -- /);
    const fixes = strayVariableChecks({ SHELL: '/usr/bin/pwsh', OPENAI_ORG_ID: 'org-stray' }, 'linux').map((c) => c.fix!.slice(c.fix!.indexOf(':  ') + 3));
    expect(fixes).toEqual(['Remove-Item Env:OPENAI_ORG_ID']);
  });
});

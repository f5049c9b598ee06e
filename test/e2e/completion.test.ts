// The completion scripts in real shells, as a person presses Tab: interactive bash with
// bash-completion and interactive zsh with compinit, each in a pseudo-terminal, and fish's own
// completion engine (`complete -C`). The same 34 cases run in each shell: commands, flags,
// `--flag=` forms, page names, `--choice` values, profile names, one operand only, and the
// program after `run --` or run's command name with that program's own completion.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shellWord } from '../../src/terminal/shell.js';
import { CLI, makeTestEnv, REPO_ROOT, type TestEnv } from '../helpers/env.js';
import { spawnCommand, type PtySession } from '../helpers/pty.js';
import { runCli } from '../helpers/run.js';

interface Case {
  line: string;
  /** Words that must be offered (or completed into the line). */
  offers: string[];
  /** Words that must not be offered. */
  not?: string[];
}

const PAGES = ['keys', 'billing', 'usage', 'limits', 'credit-grants'];
const CASES: Case[] = [
  { line: 'openai-setup ', offers: ['setup', 'verify', 'status', 'doctor', 'completion', 'profiles'] },
  { line: 'openai-setup doc', offers: ['doctor'] },
  { line: 'openai-setup ver', offers: ['verify'] },
  { line: 'openai-setup --', offers: ['--profile', '--no-browser', '--version', '--help'] },
  { line: 'openai-setup verify --', offers: ['--key', '--json', '--quiet', '--no-billing-check', '--timeout', '--base-url', '--model', '--profile'] },
  { line: 'openai-setup verify --ti', offers: ['--timeout'] },
  { line: 'openai-setup key --st', offers: ['--stdin'] },
  { line: 'openai-setup --profile ', offers: ['work', 'default'] },
  { line: 'openai-setup -p ', offers: ['work', 'default'] },
  { line: 'openai-setup status --profile ', offers: ['work', 'default'] },
  { line: 'openai-setup --profile=', offers: ['work', 'default'] },
  { line: 'openai-setup --profile=wo', offers: ['work'] },
  { line: 'openai-setup billing --choice ', offers: ['auto-reload', 'prepaid', 'monthly'] },
  { line: 'openai-setup billing --choice=', offers: ['auto-reload', 'prepaid', 'monthly'] },
  { line: 'openai-setup billing --choice=pre', offers: ['prepaid'] },
  { line: 'openai-setup open ', offers: PAGES },
  { line: 'openai-setup open cr', offers: ['credit-grants'] },
  { line: 'openai-setup open keys ', offers: [], not: ['billing', 'limits', 'credit-grants'] },
  { line: 'openai-setup use ', offers: ['work', 'default'] },
  { line: 'openai-setup use wo', offers: ['work'] },
  { line: 'openai-setup use work ', offers: [], not: ['default'] },
  { line: 'openai-setup completion ', offers: ['bash', 'zsh', 'fish'] },
  { line: 'openai-setup help ', offers: ['verify', 'doctor'] },
  { line: 'openai-setup run -- nod', offers: ['node'] },
  { line: 'openai-setup run -- git chec', offers: ['checkout'] },
  { line: 'openai-setup run --profile work -- gi', offers: ['git'] },
  // Every word after run's command name is that command's, flags too: completed as the command's.
  { line: 'openai-setup run --pro', offers: ['--profile'] },
  { line: 'openai-setup run -p work --he', offers: ['--help'] },
  { line: 'openai-setup run python3 --pro', offers: [], not: ['--profile'] },
  { line: 'openai-setup run node -p ', offers: ['my-project.env'], not: ['work', 'default'] },
  { line: 'openai-setup run nod', offers: ['node'] },
  { line: 'openai-setup run git chec', offers: ['checkout'] },
  { line: 'openai-setup env --file my-', offers: ['my-project.env'] },
  { line: 'openai-setup verify --key ', offers: [], not: ['work', 'setup', 'my-project.env'] },
];

let t: TestEnv;
let env: Record<string, string>;

beforeAll(async () => {
  t = await makeTestEnv();
  // `openai-setup` on PATH is the built binary: the scripts call it for profile names.
  const bin = join(t.root, 'shim');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'openai-setup'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`);
  chmodSync(join(bin, 'openai-setup'), 0o755);
  env = { ...t.env, PATH: `${bin}:${t.env.PATH}` };
  // "work" made by recording a stage of it (`use` refuses a name no profile has), then the default.
  expect((await runCli(['login', '--done', '--profile', 'work'], { env })).code).toBe(0);
  expect((await runCli(['use', 'work'], { env })).code).toBe(0);
  expect((await runCli(['login', '--done', '--profile', 'default'], { env })).code).toBe(0);
  writeFileSync(join(t.home, 'my-project.env'), '');
  for (const shell of ['bash', 'zsh', 'fish']) {
    const script = await runCli(['completion', shell], { env });
    expect(script.code).toBe(0);
    writeFileSync(join(t.root, `completion.${shell}`), script.stdout);
  }
});
afterAll(async () => {
  await t?.cleanup();
});

const words = (text: string) => new Set(text.split(/[\s'"]+/).map((w) => w.replace(/^--?[\w-]+=/, (m) => (m.startsWith('--') ? '' : m))));

function expectOffers(shown: string, c: Case, shell: string): void {
  const seen = words(shown);
  for (const offer of c.offers) expect(seen.has(offer) || shown.includes(offer), `${shell}: "${c.line}<Tab>" should offer ${offer}; it showed:\n${shown}`).toBe(true);
  for (const absent of c.not ?? []) expect(seen.has(absent), `${shell}: "${c.line}<Tab>" should not offer ${absent}; it showed:\n${shown}`).toBe(false);
}

/**
 * Presses Tab after `line` in an interactive shell and returns what appeared before a marker
 * typed afterwards was printed (keys are handled in order, so the listing is complete by then).
 */
async function tabIn(session: PtySession, line: string, tabs: string, index: number): Promise<string> {
  // Typed only once the line editor has drawn its prompt: before that the terminal is in cooked
  // mode, where Ctrl-U and Tab are the kernel's, not the shell's.
  await session.waitFor(/\$ $/m, 10_000, promptFrom);
  const from = session.output().length;
  session.type(`${line}${tabs}`);
  session.type(`\x15echo CASE-$((${index}*1))-DONE\r`);
  await session.waitFor(new RegExp(`^CASE-${index}-DONE`, 'm'), 10_000, from);
  const shown = session.output().slice(from);
  promptFrom = session.cursor();
  return shown.slice(0, shown.search(new RegExp(`^CASE-${index}-DONE`, 'm')));
}

/** Where the next prompt is looked for: after the previous case's marker. */
let promptFrom = 0;

describe('bash, with bash-completion', () => {
  let session: PtySession;
  afterAll(() => session?.kill());
  beforeAll(async () => {
    session = spawnCommand('bash', ['--norc', '--noprofile', '-i'], { env: { ...env, PS1: '$ ' }, cwd: t.home, cols: 200, rows: 60 });
    session.type(
      [
        'source /usr/share/bash-completion/bash_completion',
        `source ${join(t.root, 'completion.bash')}`,
        "bind 'set completion-query-items 1000'",
        "bind 'set page-completions off'",
        "bind 'set bell-style none'",
        'echo READY-$((1+1))',
      ].join('; ') + '\r',
    );
    await session.waitFor(/^READY-2/m, 15_000);
    promptFrom = session.cursor();
  });

  it.each(CASES.map((c, i) => [c.line, c, i] as const))('%s<Tab><Tab>', async (_line, c, i) => {
    expectOffers(await tabIn(session, c.line, '\t\t', i), c, 'bash');
  });
});

describe('zsh, with compinit', () => {
  let session: PtySession;
  afterAll(() => session?.kill());
  beforeAll(async () => {
    session = spawnCommand('zsh', ['-f', '-i'], { env, cwd: t.home, cols: 200, rows: 60 });
    session.type(
      [
        "PS1='$ '",
        'autoload -U compinit',
        'compinit -u',
        'setopt nobeep',
        'zstyle ":completion:*" list-prompt ""',
        `source ${join(t.root, 'completion.zsh')}`,
        'echo READY-$((1+1))',
      ].join('; ') + '\r',
    );
    await session.waitFor(/^READY-2/m, 15_000);
    promptFrom = session.cursor();
  });

  it.each(CASES.map((c, i) => [c.line, c, i] as const))('%s<Tab><Tab>', async (_line, c, i) => {
    expectOffers(await tabIn(session, c.line, '\t\t', i), c, 'zsh');
  });
});

describe('fish, through complete -C', () => {
  it.each(CASES.map((c) => [c.line, c] as const))('%s', (_line, c) => {
    const shown = execFileSync('fish', ['-c', `source ${join(t.root, 'completion.fish')}; complete -C ${JSON.stringify(c.line)}`], { cwd: t.home, env, encoding: 'utf8' })
      .split('\n')
      .map((l) => l.split('\t')[0]!.replace(/^--[\w-]+=/, ''))
      .join('\n');
    // fish completes the last token: with nothing offered it lists nothing at all.
    if (c.offers.length === 0) expect(shown.trim(), `fish: "${c.line}" should offer nothing`).toBe('');
    expectOffers(shown, c, 'fish');
  });
});

describe("fish's install line, as --help prints it", () => {
  /** The fish example of `completion --help`, as printed (without its "$ "). */
  async function printedLine(): Promise<string> {
    const help = await runCli(['completion', '--help'], { env });
    expect(help.code).toBe(0);
    const line = help.stdout.split('\n').find((l) => l.includes('completion fish'));
    expect(line, help.stdout).toBeDefined();
    return line!.trim().replace(/^\$ /, '');
  }

  // A fresh HOME as fish 3.6 leaves it (~/.config/fish, no completions/ in it), with XDG_CONFIG_HOME
  // unset and set; the line typed in bash (the reviewer's) and in fish.
  it.each([
    ['bash', false],
    ['bash', true],
    ['fish', false],
    ['fish', true],
  ] as const)('typed in %s, XDG_CONFIG_HOME set: %s: saved where fish reads it, which then completes from it', async (shell, xdgSet) => {
    const line = await printedLine();
    const home = join(t.root, `fresh-${shell}-${xdgSet}`);
    mkdirSync(join(home, '.config', 'fish'), { recursive: true });
    const { XDG_CONFIG_HOME: _unset, ...withoutXdg } = env;
    const there = { ...withoutXdg, HOME: home, ...(xdgSet ? { XDG_CONFIG_HOME: join(home, 'xdg') } : {}) };
    execFileSync(shell, ['-c', line], { cwd: home, env: there, encoding: 'utf8' });
    const saved = join(xdgSet ? join(home, 'xdg') : join(home, '.config'), 'fish', 'completions', 'openai-setup.fish');
    expect(readFileSync(saved, 'utf8')).toContain('complete -c openai-setup');
    // fish loads completions/ itself (nothing sourced): the file is where it looks.
    const shown = execFileSync('fish', ['-c', 'complete -C "openai-setup doc"'], { cwd: home, env: there, encoding: 'utf8' });
    expect(shown).toMatch(/^doctor\t/m);
  });
});

describe('completion where openai-setup is not an installed command', () => {
  it('under npx the script still completes the command openai-setup (its profile lookup too), and stderr says to install it', async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = await runCli(['completion', shell], { env: { ...t.env, npm_command: 'exec' } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('openai-setup profiles --names');
      expect(r.stdout).not.toContain('npx');
      expect(r.stderr).toBe('! This script completes the command openai-setup, and no openai-setup on your PATH here is this copy: install it first (npm install -g openai-setup).\n');
    }
    // Installed (on PATH): the script alone.
    const installed = await runCli(['completion', 'bash'], { env: t.env });
    expect(installed.stderr).toBe('');
  });

  it('run from a clone (by its path, none on PATH): stderr names what installs this copy, its folder, not the registry\'s package', async () => {
    // This repository is the clone: the built binary by its path, with a PATH that has no openai-setup.
    const folder = realpathSync(REPO_ROOT);
    const PATH = process.env.PATH ?? '/usr/bin:/bin';
    expect(PATH.split(':').some((dir) => existsSync(join(dir, 'openai-setup')))).toBe(false);
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = await runCli(['completion', shell], { env: { ...t.env, PATH } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('openai-setup profiles --names');
      expect(r.stderr).toBe(`! This script completes the command openai-setup, and no openai-setup on your PATH here is this copy: install it first (npm install -g ${shellWord(folder)}).\n`);
    }
    expect(JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')).name).toBe('openai-setup');
  });
});

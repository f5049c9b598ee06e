// Completion scripts come from the commander tree: every command and flag of buildProgram is in
// each script, and the generated bash function completes what a person would expect.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bashScript, completionTree, fishScript, run as completion, zshScript, type CompletionTree } from '../../src/commands/completion.js';
import { PAGE_NAMES } from '../../src/platform.js';
import { buildProgram } from '../../src/program.js';
import { makeTestContext, type TestContext } from '../helpers/context.js';

const program = buildProgram(
  '0.0.0-test',
  () => {
    throw new Error('no command runs in these tests');
  },
  { name: 'openai-setup', writeOut: () => {}, writeErr: () => {} },
  () => {},
);
const tree: CompletionTree = completionTree(program);

describe('completionTree', () => {
  it('has every command of the program, with its flags', () => {
    const names = program.commands.map((c) => c.name());
    // `help` is a command of the program (its help has a usage of its own), listed last.
    expect(tree.commands.map((c) => c.name)).toEqual(names);
    expect(names.at(-1)).toBe('help');
    expect(tree.commands.find((c) => c.name === 'help')?.operand).toBe('command');
    for (const command of program.commands) {
      const spec = tree.commands.find((c) => c.name === command.name())!;
      // Hidden: the program's options, read after the command's name too, offered as globals.
      for (const option of command.options.filter((o) => !o.hidden)) expect(spec.options.map((o) => o.long)).toContain(option.long);
    }
  });

  it('knows which flags and operands take profiles, pages, shells, files and programs', () => {
    expect(tree.globals.find((o) => o.long === '--profile')).toMatchObject({ short: '-p', value: 'profile' });
    expect(tree.globals.find((o) => o.long === '--no-browser')).toMatchObject({ value: 'none' });
    const byName = (name: string) => tree.commands.find((c) => c.name === name)!;
    expect(byName('use').operand).toBe('profile');
    expect(byName('open').operand).toBe('page');
    expect(byName('completion').operand).toBe('shell');
    expect(byName('run').operand).toBe('program');
    expect(byName('setup').operand).toBe('none');
    expect(byName('env').options.find((o) => o.long === '--file')?.value).toBe('file');
    expect(byName('billing').options.find((o) => o.long === '--choice')).toMatchObject({ value: 'choices', choices: ['auto-reload', 'prepaid', 'monthly'] });
  });

  it('puts every command and flag in each script', () => {
    for (const script of [bashScript(tree), zshScript(tree), fishScript(tree)]) {
      for (const command of tree.commands) {
        expect(script).toContain(command.name);
        for (const option of command.options) expect(script).toContain(option.long!.replace(/^--/, ''));
      }
      for (const page of PAGE_NAMES) expect(script).toContain(page);
      expect(script).toContain('openai-setup profiles --names');
    }
  });
});

describe('the fish script', () => {
  it("scans the words in one function: the command and its operands, or where run's program starts", () => {
    const script = fishScript(tree);
    // One loop that skips a flag's value: two would drift apart (a flag added to one only).
    expect(script.match(/set skip 1/g)).toHaveLength(1);
    expect(script).toContain('__openai_setup_words program');
  });
});

describe('the bash script', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'openai-setup-completion-'));
    writeFileSync(join(dir, 'completion.bash'), bashScript(tree));
    // Stands in for the real binary: the script asks it for profile names.
    writeFileSync(join(dir, 'openai-setup'), '#!/bin/sh\n[ "$1 $2" = "profiles --names" ] && printf "default\\nwork\\n"\n');
    chmodSync(join(dir, 'openai-setup'), 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** COMPREPLY after completing the last word of `line` (a trailing space starts a new word). */
  function complete(line: string): string[] {
    const words = line.split(' ');
    const script = `source ${join(dir, 'completion.bash')}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}
_openai_setup; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const out = execFileSync('bash', ['--norc', '-c', script], { env: { PATH: `${dir}:/usr/bin:/bin` }, encoding: 'utf8' });
    return [...new Set(out.split('\n').filter(Boolean))];
  }

  it('completes commands, flags, profile names, pages, choices and shells', () => {
    expect(complete('openai-setup ver')).toEqual(['verify']);
    expect(complete('openai-setup d')).toEqual(['doctor']);
    expect(complete('openai-setup verify --j')).toEqual(['--json']);
    expect(complete('openai-setup status --pro')).toEqual(['--profile']);
    expect(complete('openai-setup --profile ')).toEqual(['default', 'work']);
    expect(complete('openai-setup -p w')).toEqual(['work']);
    expect(complete('openai-setup -p work to')).toEqual(['token']);
    expect(complete('openai-setup use ')).toEqual(['default', 'work']);
    expect(complete('openai-setup open cr')).toEqual(['credit-grants']);
    expect(complete('openai-setup billing --choice p')).toEqual(['prepaid']);
    expect(complete('openai-setup completion ')).toEqual(['bash', 'zsh', 'fish']);
    expect(complete('openai-setup run -')).toContain('--');
    expect(complete('openai-setup run -- bas')).toContain('bash');
  });

  it("after run's command name every word is that command's (without bash-completion: file names), before it ours", () => {
    expect(complete('openai-setup run --pro')).toEqual(['--profile']);
    expect(complete('openai-setup run python3 --pro')).toEqual([]);
    expect(complete('openai-setup run -p work node -p ')).toEqual([]);
    expect(complete('openai-setup run bas')).toContain('bash');
  });
});

describe('completion under a locale whose charset is not UTF-8', () => {
  let t: TestContext | undefined;
  afterEach(() => t?.cleanup());

  /** The script `completion SHELL` prints, with the terminal's locale `terminalEnv`. */
  async function printed(shell: 'bash' | 'zsh' | 'fish', terminalEnv: Record<string, string>): Promise<string> {
    t?.cleanup();
    t = makeTestContext({ interactive: false, terminalEnv });
    expect(await completion(t.ctx, { shell, program })).toBe(0);
    return t.stdout;
  }

  it('writes its descriptions in ASCII (`...` for `…`): zsh and fish show their bytes as they are', async () => {
    for (const terminalEnv of [{ LC_ALL: 'en_US.ISO-8859-1' }, { LANG: 'ru_RU.KOI8-R' }] as Array<Record<string, string>>) {
      for (const shell of ['bash', 'zsh', 'fish'] as const) {
        const script = await printed(shell, terminalEnv);
        expect(script, `${shell} ${JSON.stringify(terminalEnv)}`).not.toMatch(/[^\x00-\x7f]/);
        if (shell !== 'bash') expect(script).toContain('for scripts and $(...)');
      }
    }
  });

  it('keeps them as they are where the charset is UTF-8 (and in C, as the tool\'s other output)', async () => {
    for (const terminalEnv of [{ LANG: 'en_US.UTF-8' }, { LANG: 'C' }] as Array<Record<string, string>>) {
      expect(await printed('zsh', terminalEnv)).toContain('for scripts and $(…)');
      expect(await printed('fish', terminalEnv)).toContain('for scripts and $(…)');
    }
  });
});

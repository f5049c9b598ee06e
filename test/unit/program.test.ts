// The command line comes from the one table: every command has its help, with examples that name
// the tool as it was started.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bashScript, completionTree, fishScript, zshScript } from '../../src/commands/completion.js';
import { COMMANDS } from '../../src/commands/index.js';
import { UsageError } from '../../src/errors.js';
import { buildProgram, type ProgramIO } from '../../src/program.js';
import { shellCaptureLine } from '../../src/terminal/shell.js';

function helpOf(name: string, args: string[], shell?: ProgramIO['shell']): string {
  let out = '';
  const program = buildProgram(
    '0.0.0-test',
    () => {
      throw new Error('no command runs here');
    },
    { name, writeOut: (text) => (out += text), writeErr: (text) => (out += text), shell },
    () => {},
  );
  try {
    program.parse(['node', 'x', ...args]);
  } catch {
    // commander's exitOverride throws after printing the help
  }
  return out;
}

/** The program, with what commander prints collected; making a context (running a command) throws. */
function programThatRunsNothing(): { program: ReturnType<typeof buildProgram>; printed: () => string } {
  let out = '';
  const program = buildProgram(
    '0.0.0-test',
    () => {
      throw new Error('no command runs here');
    },
    { name: 'openai-setup', writeOut: (text) => (out += text), writeErr: (text) => (out += text) },
    () => {},
  );
  return { program, printed: () => out };
}

describe('help from the command table', () => {
  it.each(COMMANDS.map((c) => [c.name] as const))('%s --help has its description, options and at least one example', (command) => {
    const spec = COMMANDS.find((c) => c.name === command)!;
    const help = helpOf('openai-setup', [command, '--help']);
    expect(help).toContain(`Usage: openai-setup ${command}`);
    expect(help).toContain(spec.description.slice(0, 30));
    for (const option of spec.options ?? []) expect(help).toContain(option.flags);
    expect(spec.examples.length).toBeGreaterThan(0);
    expect(help).toMatch(/\nExamples:\n {2}\$ .*openai-setup/);
    for (const example of spec.examples) {
      const line = typeof example === 'string' ? example : shellCaptureLine({}, 'linux', example.capture, example.of);
      expect(help).toContain(`$ ${line.replaceAll('{cmd}', 'openai-setup')}`);
    }
  });

  it("completion --help loads each shell's script as the README's Shell completion block and the script's header say (no copy appended to ~/.bashrc)", () => {
    const help = helpOf('openai-setup', ['completion', '--help']);
    const examples = help.split('\n').filter((line) => line.startsWith('  $ ')).map((line) => line.slice(4).replace(/\s+#.*$/, ''));
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    const block = /### Shell completion\n\n```\n([^`]*)```/.exec(readme)![1]!;
    expect(examples).toEqual(block.trimEnd().split('\n').map((line) => line.replace(/\s+#.*$/, '')));
    const noContext = () => {
      throw new Error('no command runs here');
    };
    const tree = completionTree(buildProgram('0.0.0-test', noContext, { name: 'openai-setup', writeOut: () => {}, writeErr: () => {} }, () => {}));
    for (const [shell, script] of [['bash', bashScript(tree)], ['zsh', zshScript(tree)], ['fish', fishScript(tree)]] as const) {
      const header = script.split('\n').slice(0, 3).join('\n');
      const example = examples.find((e) => e.includes(`completion ${shell}`))!;
      expect(header.includes(example) || header.includes(`save it as ${example.split('> ')[1]}`), `${shell}: ${example}`).toBe(true);
    }
    expect(help).not.toContain('>>');
  });

  it('under npx, completion --help still names the installed command (what the scripts complete), never npx run at every shell start', () => {
    for (const started of ['npx --yes openai-setup', 'npx --yes --package=/tmp/openai-setup-0.1.0.tgz openai-setup', 'node /opt/x/bin/openai-setup.cjs']) {
      const help = helpOf(started, ['completion', '--help']);
      expect(help).toContain('$ source <(openai-setup completion bash)');
      expect(help).not.toContain(`<(${started}`);
      expect(help).not.toMatch(/\$ [^\n]*npx[^\n]*completion/);
    }
  });

  it('under npx, usage lines and examples say `npx openai-setup`', () => {
    const help = helpOf('npx openai-setup', ['token', '--help']);
    expect(help).toContain('Usage: npx openai-setup token');
    expect(help).toContain('$ OPENAI_API_KEY="$(npx openai-setup token)"; export OPENAI_API_KEY');
    expect(helpOf('npx openai-setup', ['--help'])).toContain('Usage: npx openai-setup [options] [command]');
  });

  // commander renders a command's help at run time (the boot module prints only the bare --help
  // rendered at build time): `NAME="$(…)"; export NAME` was shown in fish and tcsh, where it is an error.
  it.each(['bash', 'zsh', 'sh', 'fish', 'tcsh', 'csh', 'pwsh'])("SHELL=%s: token --help's example is the line the tool prints there to set OPENAI_API_KEY from token", (shell) => {
    const env = { SHELL: `/usr/bin/${shell}` };
    const examples = (name: string) => helpOf(name, ['token', '--help'], { env, platform: 'linux' }).split('\n').filter((line) => line.startsWith('  $ '));
    expect(examples('openai-setup')).toEqual([`  $ ${shellCaptureLine(env, 'linux', 'OPENAI_API_KEY', 'openai-setup token')}`]);
    expect(examples('npx --yes openai-setup')).toEqual([`  $ ${shellCaptureLine(env, 'linux', 'OPENAI_API_KEY', 'npx --yes openai-setup token')}`]);
    expect(helpOf('openai-setup', ['help', 'token'], { env, platform: 'linux' })).toContain(`  $ ${shellCaptureLine(env, 'linux', 'OPENAI_API_KEY', 'openai-setup token')}\n`);
  });

  it('on Windows with no SHELL, token --help sets the variable as PowerShell does', () => {
    expect(helpOf('openai-setup', ['token', '--help'], { env: {}, platform: 'win32' })).toContain('  $ $env:OPENAI_API_KEY = (openai-setup token)\n');
  });

  it('the wizard (the default command) takes no word after it, and its help says so', () => {
    expect(helpOf('openai-setup', ['--help'])).toMatch(/\n {2}setup \[options\] {2,}the whole wizard/);
    expect(helpOf('openai-setup', ['setup', '--help'])).toMatch(/^Usage: openai-setup setup \[options\]\n/);
  });

  it.each([[['stauts']], [['setup', 'stauts']], [['--profile', 'work', 'stauts', 'now']]])('%j: an unknown command is named, with the list, and nothing runs', async (line) => {
    const { program, printed } = programThatRunsNothing();
    await expect(program.parseAsync(['node', 'x', ...line])).rejects.toMatchObject({ code: 'commander.error' });
    expect(printed()).toBe(`error: unknown command 'stauts' (commands: ${COMMANDS.map((c) => c.name).join(', ')})\n`);
  });
});

describe('help', () => {
  /** What `openai-setup ARGS` prints and the exit code commander gives (main.ts: 0 stays 0, any other a usage error). */
  async function helpRun(args: string[]): Promise<{ printed: string; exitCode: number }> {
    const { program, printed } = programThatRunsNothing();
    const error = (await program.parseAsync(['node', 'x', ...args]).catch((e: unknown) => e)) as { code: string; exitCode: number };
    expect(['commander.help', 'commander.helpDisplayed']).toContain(error.code);
    return { printed: printed(), exitCode: error.exitCode };
  }

  it('`help help` prints the usage of help itself, exit 0 (it is listed, and completion offers it)', async () => {
    const { printed, exitCode } = await helpRun(['help', 'help']);
    expect(exitCode).toBe(0);
    expect(printed).toMatch(/^Usage: openai-setup help \[options\] \[command\]\n\ndisplay help for command\n/);
    expect(printed).toContain('$ openai-setup help run');
    expect(printed).not.toContain('Commands:');
  });

  it('`help NAME` prints that command\'s help, `help` alone the whole help, and a name that is no command the whole help as an error', async () => {
    expect(await helpRun(['help', 'run'])).toMatchObject({ exitCode: 0, printed: expect.stringMatching(/^Usage: openai-setup run \[--profile NAME\] -- <command>/) });
    expect(await helpRun(['help'])).toEqual(await helpRun(['--help']));
    const bogus = await helpRun(['help', 'bogus']);
    expect(bogus.exitCode).toBe(1);
    expect(bogus.printed).toEqual((await helpRun(['--help'])).printed);
  });
});

describe('the wizard takes the live-check options its advice names (as key and verify do)', () => {
  it.each([[['--timeout', '30000', '--base-url', 'http://127.0.0.1:18556/v1', '--model', 'gpt-4o']], [['setup', '--timeout', '30000']]])('%j is accepted and reaches the wizard', async (line) => {
    const { program, printed } = programThatRunsNothing();
    // Past commander (no "unknown option"), up to making the context.
    await expect(program.parseAsync(['node', 'x', ...line])).rejects.toThrow('no command runs here');
    expect(printed()).toBe('');
  });

  it('its row turns them into the check settings, checked like the other commands\' ones', async () => {
    const setup = COMMANDS.find((c) => c.name === 'setup')!;
    const parse = (opts: Record<string, unknown>) => setup.parse({ args: [], opts, globals: {} as never, program: undefined as never });
    expect(await parse({ timeout: '30000', baseUrl: 'http://127.0.0.1:18556/v1/', model: 'gpt-4o' })).toMatchObject({
      check: { timeoutMs: 30000, baseURL: 'http://127.0.0.1:18556/v1', model: 'gpt-4o' },
    });
    expect(() => parse({ timeout: 'soon' })).toThrow('--timeout: must be a whole number of milliseconds (got "soon").');
  });
});

describe('operands are checked by their row, as option values are, before anything runs', () => {
  it.each([
    [['open', 'nope'], 'open: name a page: login, payment, billing, limits, keys, user-keys, admin-keys, usage, organization, credit-grants (got "nope").'],
    [['completion', 'nope'], 'completion: name a shell: bash, zsh, fish (got "nope").'],
    [['use', 'bad name'], 'profile name: use 1–64 letters, digits, "-" or "_", starting with a letter or digit (got "bad name").'],
  ])('%j: a usage error naming what was wrong, not a run', async (line, message) => {
    const { program, printed } = programThatRunsNothing();
    await expect(program.parseAsync(['node', 'x', ...line])).rejects.toThrow(new UsageError(message));
    expect(printed()).toBe('');
  });

  it('a good one reaches the command as its value', async () => {
    const parsed = (name: string, word: string) => COMMANDS.find((c) => c.name === name)!.parse({ args: [word], opts: {}, globals: {} as never, program: undefined as never });
    expect(await parsed('open', ' Usage ')).toEqual({ page: 'usage' });
    expect(await parsed('completion', 'fish')).toMatchObject({ shell: 'fish' });
    expect(await parsed('use', 'work')).toEqual({ name: 'work' });
    const { program } = programThatRunsNothing();
    await expect(program.parseAsync(['node', 'x', 'open', 'keys'])).rejects.toThrow('no command runs here');
  });
});

describe("commander's errors quote what was typed, made safe", () => {
  async function errorOf(args: string[]): Promise<string> {
    let out = '';
    const program = buildProgram(
      '0.0.0-test',
      () => {
        throw new Error('no command runs here');
      },
      { name: 'openai-setup', writeOut: (text) => (out += text), writeErr: (text) => (out += text), typed: args },
      () => {},
    );
    await program.parseAsync(['node', 'x', ...args]).catch(() => {});
    return out;
  }

  it.each([
    ['an escape sequence as a command', ['\x1b[31mRED\x1b[0m'], "error: unknown command '\\x1b[31mRED\\x1b[0m'"],
    ['a line break in a command', ['a\nb'], "error: unknown command 'a\\x0ab'"],
    ['an escape sequence as an option', ['status', '--\x1b[31mX'], "error: unknown option '--\\x1b[31mX'"],
    ['an escape sequence as a choice', ['billing', '--choice', '\x1b[31mX'], "error: option '--choice <choice>' argument '\\x1b[31mX' is invalid."],
    ['a line break in a choice given with =', ['billing', '--choice=a\nb'], "argument 'a\\x0ab' is invalid."],
  ])('%s', async (_what, args, expected) => {
    const error = await errorOf(args);
    expect(error).toContain(expected);
    expect(error).not.toMatch(/\x1b/);
    expect(error.trimEnd().split('\n')[0]).toContain(expected.slice(0, 20));
  });

  it('a long value is cut', async () => {
    const error = await errorOf([`x${'y'.repeat(5000)}`]);
    expect(error.length).toBeLessThan(400);
    expect(error).toContain('…');
  });

  it('the value of an unknown option is left out, glued to a short flag or after =', async () => {
    expect(await errorOf(['verify', '-Kmysecretvalue12345'])).toMatch(/^error: unknown option '-K…'/);
    expect(await errorOf(['verify', '--kee=mysecretvalue12345'])).toMatch(/^error: unknown option '--kee=…'/);
    expect(await errorOf(['verify', '-Kmysecretvalue12345'])).not.toContain('mysecret');
  });
});

describe("the program's options after a command's name are the program's, as before it", () => {
  const OPERANDS: Record<string, string[]> = { use: ['default'], completion: ['bash'], open: ['keys'], run: ['true'] };
  /** The globals a command would run with, and what was printed. */
  async function globalsOf(line: string[]): Promise<{ globals: unknown; printed: string }> {
    let globals: unknown;
    let printed = '';
    const program = buildProgram(
      '0.0.0-test',
      (g) => {
        globals = g;
        throw new Error('no command runs here');
      },
      { name: 'openai-setup', writeOut: (text) => (printed += text), writeErr: (text) => (printed += text) },
      () => {},
    );
    await expect(program.parseAsync(['node', 'x', ...line])).rejects.toThrow('no command runs here');
    return { globals, printed };
  }

  it.each(COMMANDS.map((c) => [c.name] as const))('%s --profile work --no-browser', async (name) => {
    const flags = ['--profile', 'work', '--no-browser'];
    // run's own words come after its options (every word after the command's name is the command's).
    const line = name === 'run' ? [name, ...flags, ...OPERANDS[name]!] : [name, ...(OPERANDS[name] ?? []), ...flags];
    expect(await globalsOf(line)).toMatchObject({ globals: { profile: 'work', browser: false }, printed: '' });
    expect(await globalsOf([...flags, name, ...(OPERANDS[name] ?? [])])).toMatchObject({ globals: { profile: 'work', browser: false }, printed: '' });
    // Given twice, the last one counts, wherever it is.
    expect((await globalsOf(['-p', 'home', name, ...(name === 'run' ? ['-p', 'work', 'true'] : [...(OPERANDS[name] ?? []), '-p', 'work'])])).globals).toMatchObject({ profile: 'work' });
  });

  it.each([[['status', '-V']], [['verify', '--version']], [['run', '-V']], [['help', '-V']]])('%j prints the version', async (line) => {
    const { program, printed } = programThatRunsNothing();
    await expect(program.parseAsync(['node', 'x', ...line])).rejects.toMatchObject({ code: 'commander.version' });
    expect(printed()).toBe('0.0.0-test\n');
  });
});

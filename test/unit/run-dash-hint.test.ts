// `run`'s command line: every word after the command's name is the command's, its flags too
// (`run python3 -V` runs `python3 -V`, not our --version), while our own options come before it.
// And the "(put -- before the command …)" after a usage error is said only when it is the fix:
// when no `--` was typed. `run --profil work -- true` is a typo of ours, not a missing `--`.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { COMMANDS } from '../../src/commands/index.js';
import type { GlobalOptions } from '../../src/context.js';
import { buildProgram } from '../../src/program.js';

const HINT = '(put -- before the command: `openai-setup run -- node app.js --flag`)';

afterEach(() => {
  vi.restoreAllMocks();
});

/** The program, with what commander prints collected; `reached` receives the globals once a command would run (it does not). */
function programOf(args: string[], reached: (globals: GlobalOptions) => void = () => {}) {
  let printed = '';
  const program = buildProgram(
    '0.0.0-test',
    (globals) => {
      reached(globals);
      throw new Error('no command runs here');
    },
    { name: 'openai-setup', writeOut: (text) => (printed += text), writeErr: (text) => (printed += text), typed: args },
    () => {},
  );
  return { parsing: program.parseAsync(['node', 'x', ...args]), printed: () => printed };
}

/** What commander prints for `openai-setup ARGS` (a usage error: main.ts exits 2); nothing runs. */
async function errorOf(args: string[]): Promise<{ printed: string }> {
  const { parsing, printed } = programOf(args);
  await expect(parsing).rejects.toMatchObject({ code: expect.stringMatching(/^commander\./) });
  return { printed: printed() };
}

/** What run would get from `openai-setup ARGS`: its options and the program's; nothing printed. */
async function runGets(args: string[]): Promise<{ options: unknown; globals: GlobalOptions }> {
  const parse = vi.spyOn(COMMANDS.find((c) => c.name === 'run')!, 'parse');
  let globals: GlobalOptions | undefined;
  const { parsing, printed } = programOf(args, (g) => (globals = g));
  await expect(parsing).rejects.toThrow('no command runs here');
  expect(printed()).toBe('');
  return { options: await parse.mock.results[0]!.value, globals: globals! };
}

describe("run: every word after the command's name is the command's", () => {
  it.each([
    [['run', 'python3', '-V'], ['python3', '-V']],
    [['run', 'node', '--version'], ['node', '--version']],
    [['run', 'node', '-p', '1+1'], ['node', '-p', '1+1']],
    [['run', 'python3', '--help'], ['python3', '--help']],
    [['run', 'node', '--profile', 'x', '--no-browser'], ['node', '--profile', 'x', '--no-browser']],
    [['run', 'ls', '-la'], ['ls', '-la']],
    [['run', 'python', '--verbose', '--', 'app.py'], ['python', '--verbose', '--', 'app.py']],
    [['run', '--', 'node', '-V'], ['node', '-V']],
  ])('%j runs %j, with no profile named', async (args, command) => {
    expect(await runGets(args)).toEqual({ options: { profile: undefined, command }, globals: { browser: true } });
  });

  it.each([
    [['run', '--profile', 'work', '--', 'node', '-e', '0']],
    [['run', '-p', 'work', 'node', '-e', '0']],
    [['--profile', 'work', 'run', 'node', '-e', '0']],
    [['run', '--profile=work', '--no-browser', 'node', '-e', '0']],
  ])('%j: our options before the command are ours', async (args) => {
    const { options, globals } = await runGets(args);
    expect(options).toEqual({ profile: 'work', command: ['node', '-e', '0'] });
    expect(globals.profile).toBe('work');
  });
});

describe('run: the hint to put -- before the command', () => {
  it('not after a mistyped option of ours when -- was given', async () => {
    const { printed } = await errorOf(['run', '--profil', 'work', '--', 'true']);
    expect(printed).toBe("error: unknown option '--profil'\n(Did you mean --profile?)\n");
  });

  it('not when -- was given with nothing after it', async () => {
    const { printed } = await errorOf(['run', '--profile', 'work', '--']);
    expect(printed).toBe("error: missing required argument 'command'\n");
  });

  it.each([
    ['an unknown flag before the command, and no --', ['run', '--verbose', 'python', 'app.py']],
    ['a mistyped option and no -- at all', ['run', '--profil', 'work', 'true']],
    ['no command at all', ['run']],
  ])('%s: said', async (_what, args) => {
    const { printed } = await errorOf(args);
    expect(printed).toMatch(/^error: /);
    expect(printed.endsWith(`${HINT}\n`)).toBe(true);
  });
});

// `run`'s "(put -- before the command …)" after a usage error is said only when it is the fix:
// when no `--` was typed, or when the unknown option came after the program's name (so it was
// meant for the program). `run --profil work -- true` is a typo of ours, not a missing `--`.
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/program.js';

const HINT = '(put -- before the command: `openai-setup run -- node app.js --flag`)';

/** What commander prints for `openai-setup ARGS` (a usage error: main.ts exits 2); nothing runs. */
async function errorOf(args: string[]): Promise<{ printed: string }> {
  let printed = '';
  const program = buildProgram(
    '0.0.0-test',
    () => {
      throw new Error('no command runs here');
    },
    { name: 'openai-setup', writeOut: (text) => (printed += text), writeErr: (text) => (printed += text), typed: args },
    () => {},
  );
  await expect(program.parseAsync(['node', 'x', ...args])).rejects.toMatchObject({ code: expect.stringMatching(/^commander\./) });
  return { printed };
}

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
    ['no -- before a flag of the program', ['run', 'ls', '-la']],
    ['a flag of the program before a later --', ['run', 'python', '--verbose', '--', 'app.py']],
    ['a mistyped option and no -- at all', ['run', '--profil', 'work', 'true']],
    ['no command at all', ['run']],
  ])('%s: said', async (_what, args) => {
    const { printed } = await errorOf(args);
    expect(printed).toMatch(/^error: /);
    expect(printed.endsWith(`${HINT}\n`)).toBe(true);
  });
});

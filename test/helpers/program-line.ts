// A command line run through the program (buildProgram, as main.ts builds it) over a test
// context, for unit tests of what happens between argv and a command's run function.
import { buildProgram, type ContextFactory } from '../../src/program.js';
import type { TestContext } from './context.js';

/** `line` through the program, each command's context from `makeContext`: the exit code it set, or the error it ended with. */
export async function runProgramLine(t: TestContext, line: string[], makeContext: ContextFactory): Promise<{ code: number | null; error: unknown }> {
  let code: number | null = null;
  const program = buildProgram('0.0.0-test', makeContext, { name: 'openai-setup', writeOut: (text) => t.ctx.term.write('out', text), writeErr: (text) => t.ctx.term.write('err', text) }, (c) => (code = c));
  try {
    await program.parseAsync(['node', 'x', ...line]);
    return { code, error: null };
  } catch (error) {
    return { code, error };
  }
}

/** `line`, a command as printed (`openai-setup …`, or after `prefix`: `npx openai-setup `), run through the program in `t`'s Context: the exit code it set. */
export async function typedLine(t: TestContext, line: string, prefix = 'openai-setup '): Promise<number> {
  if (!line.startsWith(prefix)) throw new Error(`not a command as printed: ${line}`);
  let code: number | undefined;
  const program = buildProgram('0.0.0-test', () => t.ctx, { name: 'openai-setup', writeOut: () => {}, writeErr: () => {} }, (c) => (code = c));
  await program.parseAsync(['node', 'openai-setup', ...line.slice(prefix.length).split(' ')]);
  return code!;
}

// The options every command takes (--profile, --no-browser): checked the same way by every
// command, those that never use the profile too, and listed in each command's --help.
import { afterEach, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/commands/index.js';
import { ProfilesFailureJsonSchema } from '../../src/commands/profiles.js';
import { UsageError } from '../../src/errors.js';
import type { Context, GlobalOptions } from '../../src/context.js';
import { envReader } from '../../src/main.js';
import { makeTestContext, type TestContext } from '../helpers/context.js';
import { runProgramLine } from '../helpers/program-line.js';

const BAD = '--profile: use 1–64 letters, digits, "-" or "_", starting with a letter or digit (got "a b").';

let t: TestContext;
afterEach(() => t?.cleanup());

/**
 * The command line run through the program over a test context: its exit code, or the error it
 * ended with. The context's env is read as main.ts reads it (envReader), with the line's global options.
 */
async function runLine(line: string[], env: Record<string, string> = {}): Promise<{ code: number | null; error: unknown }> {
  t = makeTestContext({ interactive: false });
  const makeContext = (globals: GlobalOptions): Context => {
    // Given here, not to makeTestContext, which parses the environment at once.
    const rawEnv = { ...t.ctx.rawEnv, ...env };
    const read = envReader(rawEnv, globals);
    return {
      ...t.ctx,
      rawEnv,
      get env() {
        return read();
      },
    };
  };
  return runProgramLine(t, line, makeContext);
}

describe('a bad --profile is refused by every command, one line and exit 2', () => {
  it.each([
    [['profiles', '--profile', 'a b']],
    [['profiles', '--names', '--profile', 'a b']],
    [['--profile', 'a b', 'use', 'default']],
    [['use', 'default', '--profile', 'a b']],
    [['open', 'keys', '--profile', 'a b']],
    [['completion', 'bash', '--profile', 'a b']],
    [['status', '--profile', 'a b']],
  ])('%j', async (line) => {
    const { code, error } = await runLine(line);
    expect(code).toBeNull();
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe(BAD);
    expect(t.stdout).toBe('');
    expect(t.browser.opened).toEqual([]);
    // `use` chose nothing.
    expect((await t.ctx.state.read()).defaultProfile).toBe('default');
  });

  it('profiles --json: its failure document says it', async () => {
    const { error } = await runLine(['profiles', '--json', '--profile', 'a b']);
    expect(error).toBeInstanceOf(UsageError);
    expect(ProfilesFailureJsonSchema.parse(JSON.parse(t.stdout))).toEqual({ ok: false, exitCode: 2, reason: 'usage', message: BAD, fix: null });
  });

  it.each(COMMANDS.filter((c) => c.options?.some((o) => o.flags === '--json')).map((c) => [c.name] as const))('%s --json: its failure document says it', async (command) => {
    const { error } = await runLine([command, '--json', '--profile', 'a b']);
    expect((error as UsageError).message).toBe(BAD);
    expect(JSON.parse(t.stdout)).toMatchObject({ ok: false, exitCode: 2, reason: 'usage', message: BAD });
  });

  it('said before a bad environment variable, by a command that never reads either', async () => {
    const { error } = await runLine(['completion', 'bash', '--profile', 'a b'], { OPENAI_BASE_URL: 'localhost:8080' });
    expect((error as UsageError).message).toBe(BAD);
    expect(t.stdout).toBe('');
  });

  it('a good one goes through to the command', async () => {
    const { code, error } = await runLine(['profiles', '--names', '--profile', 'work']);
    expect(error).toBeNull();
    expect(code).toBe(0);
    expect(t.stdout).toBe('default\n');
  });
});

describe("each command's --help lists the options every command takes", () => {
  it.each(COMMANDS.map((c) => [c.name] as const))('%s --help', async (command) => {
    const { error } = await runLine([command, '--help']);
    expect(error).toMatchObject({ code: 'commander.helpDisplayed' });
    const global = t.stdout.slice(t.stdout.indexOf('\nGlobal Options:\n'));
    expect(global).toMatch(/^\nGlobal Options:\n {2}-V, --version +output the version number\n {2}-p, --profile <name> +profile to use \(default: OPENAI_SETUP_PROFILE, or the\n +one chosen with `use`\)\n {2}--no-browser +print page URLs without opening a browser\n\nExamples:\n/);
  });
});

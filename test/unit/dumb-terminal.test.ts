// TERM=dumb (Emacs's M-x shell, some CI consoles, a `script` log): a terminal that moves no cursor.
// Nothing is asked there (inquirer's prompts draw by moving the cursor), what is said instead names
// TERM=dumb and recommends only commands that ask nothing, and the spinner is its text once, as a line.
import { afterEach, describe, expect, it } from 'vitest';
import { run as key } from '../../src/commands/key.js';
import { run as setup } from '../../src/commands/setup.js';
import { keyPromptWorks } from '../../src/terminal/advice.js';
import { createTerminal, NO_TERMINAL, type Terminal } from '../../src/terminal/output.js';
import { nonInteractivePrompter } from '../../src/terminal/prompter.js';
import { makeTestContext, outcomeOf, type TestContext } from '../helpers/context.js';

const WHY = 'TERM=dumb says this terminal cannot move its cursor, which questions need';

/** A terminal on stdin, stdout and stderr, with TERM as given; what is written to stderr in `written`. */
function onTerminal(TERM: string, written: string[] = [], timers: unknown[] = [], { columns = 80, LANG }: { columns?: number; LANG?: string } = {}): Terminal {
  const stream = { write: (text: string) => written.push(text), isTTY: true, columns };
  return createTerminal({
    stdout: stream,
    stderr: stream,
    stdin: { isTTY: true },
    env: { TERM, NO_COLOR: '1', LANG },
    setInterval: ((fn: () => void) => (timers.push(fn), 1)) as unknown as typeof setInterval,
    clearInterval: () => {},
  });
}

let t: TestContext | undefined;
afterEach(() => t?.cleanup());

describe('TERM=dumb', () => {
  it('turns questions off, and says why', () => {
    const term = onTerminal('dumb');
    expect(term.interactive).toBe(false);
    expect(term.whyNoPrompts).toBe(WHY);
    expect(onTerminal('xterm-256color').interactive).toBe(true);
  });

  it('a question names TERM=dumb and the flag to pass', async () => {
    const prompter = nonInteractivePrompter('Pass --yes.', onTerminal('dumb').whyNoPrompts);
    await expect(prompter.confirm('Remove it?', false)).rejects.toThrow(`This needs an answer, but ${WHY}. Pass --yes.`);
  });

  it('the spinner is its text once, as a line: no frames, no cursor movement, nothing on stop', () => {
    const written: string[] = [];
    const timers: unknown[] = [];
    const spinner = onTerminal('dumb', written, timers).spinner('Checking the key with a live call…');
    spinner.stop();
    expect(written.join('')).toBe('Checking the key with a live call…\n');
    expect(timers).toEqual([]);
  });

  it('the spinner\'s line fits a narrow terminal: cut to one row (short of the last column), not wrapped', () => {
    const written: string[] = [];
    onTerminal('dumb', written, [], { columns: 30 }).spinner('Checking the key with a live call…').stop();
    expect(written.join('')).toBe('Checking the key with a live…\n');
    const ascii: string[] = [];
    onTerminal('dumb', ascii, [], { columns: 30, LANG: 'en_US.ISO-8859-1' }).spinner('Checking the key with a live call…').stop();
    expect(ascii.join('')).toBe('Checking the key with a li...\n');
  });

  it('the wizard names TERM=dumb, and its key stage is a pipe, not `key` (which would ask)', async () => {
    t = makeTestContext({ env: { TERM: 'dumb' } });
    t.ctx.term = onTerminal('dumb');
    const wizard = await outcomeOf(setup(t.ctx, { restart: false, insecureStorage: false }));
    expect(wizard.code).toBe(2);
    expect(wizard.message).toBe(`The wizard asks questions, but ${WHY}. Instead, do its stages as commands:`);
    const keyLine = wizard.hints.findIndex((line) => line.startsWith('Store your key'));
    expect(wizard.hints[keyLine + 1]).toMatch(/^ {2}… \| openai-setup key --stdin$/);
    const paste = await outcomeOf(key(t.ctx, {}));
    expect(paste.code).toBe(2);
    expect(paste.message).toBe(`Pasting a key asks a question, but ${WHY}.`);
    expect(paste.hints.join('\n')).toMatch(/\| openai-setup key --stdin/);
  });

  it('`key` is not recommended where TERM=dumb, even from a run without a terminal on stdout (`doctor | cat`)', () => {
    const term = { whyNoPrompts: NO_TERMINAL, stdinIsTTY: true, stdoutIsTTY: false };
    expect(keyPromptWorks({ rawEnv: { TERM: 'dumb' }, term })).toBe(null);
    expect(keyPromptWorks({ rawEnv: { TERM: 'xterm' }, term })).toBe('alone');
  });
});

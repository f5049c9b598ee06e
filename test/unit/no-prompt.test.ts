// OPENAI_SETUP_NO_PROMPT: only a value that means yes turns questions off, and what is said then
// names it rather than a missing terminal (the terminal is there).
import { afterEach, describe, expect, it } from 'vitest';
import { run as key } from '../../src/commands/key.js';
import { run as setup } from '../../src/commands/setup.js';
import { createTerminal, type Terminal } from '../../src/terminal/output.js';
import { nonInteractivePrompter } from '../../src/terminal/prompter.js';
import { makeTestContext, outcomeOf, type TestContext } from '../helpers/context.js';

/** A terminal on both stdin and stdout, with OPENAI_SETUP_NO_PROMPT as given. */
function onTerminal(value: string | undefined): Terminal {
  const stream = { write: () => true, isTTY: true };
  return createTerminal({ stdout: stream, stderr: stream, stdin: { isTTY: true }, env: { OPENAI_SETUP_NO_PROMPT: value } });
}

let t: TestContext | undefined;
afterEach(() => t?.cleanup());

describe('OPENAI_SETUP_NO_PROMPT', () => {
  it.each(['1', 'true', 'TRUE', 'yes', 'Yes', ' 1 '])('%j turns questions off on a terminal', (value) => {
    const term = onTerminal(value);
    expect(term.interactive).toBe(false);
    expect(term.whyNoPrompts).toBe('OPENAI_SETUP_NO_PROMPT is set');
  });

  it.each([undefined, '', '0', 'false', 'FALSE', 'no', 'off'])('%j leaves them on', (value) => {
    const term = onTerminal(value);
    expect(term.interactive).toBe(true);
    expect(term.whyNoPrompts).toBe('');
  });

  it('without a terminal, the reason is the terminal, whatever the variable says', () => {
    const term = createTerminal({ stdout: { write: () => true }, stderr: { write: () => true }, stdin: {}, env: { OPENAI_SETUP_NO_PROMPT: '1' } });
    expect(term.interactive).toBe(false);
    expect(term.whyNoPrompts).toBe('there is no interactive terminal');
  });

  it('a question then says the variable is set, not that there is no terminal', async () => {
    const prompter = nonInteractivePrompter('Pass --yes.', onTerminal('1').whyNoPrompts);
    await expect(prompter.confirm('Remove it?', false)).rejects.toThrow('This needs an answer, but OPENAI_SETUP_NO_PROMPT is set. Pass --yes.');
  });

  it('the wizard and a paste say so too', async () => {
    t = makeTestContext();
    t.ctx.term = onTerminal('yes');
    const wizard = await outcomeOf(setup(t.ctx, { restart: false, insecureStorage: false }));
    expect(wizard.code).toBe(2);
    expect(wizard.message).toBe('The wizard asks questions, but OPENAI_SETUP_NO_PROMPT is set. Instead, do its stages as commands:');
    const paste = await outcomeOf(key(t.ctx, {}));
    expect(paste.code).toBe(2);
    expect(paste.message).toBe('Pasting a key asks a question, but OPENAI_SETUP_NO_PROMPT is set.');
  });
});

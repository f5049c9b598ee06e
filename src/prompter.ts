// Every question the tool asks goes through this one interface. The real one is @inquirer/prompts,
// loaded only when a command asks something; without a terminal, asking is a usage error that
// names the flag or variable to use instead.
import { CancelledError, UsageError } from './errors.js';

export interface Choice<T> {
  name: string;
  value: T;
  description?: string;
}

export interface Prompter {
  confirm(message: string, defaultValue?: boolean): Promise<boolean>;
  select<T>(message: string, choices: Array<Choice<T>>, defaultValue?: T): Promise<T>;
  /** Masked input; `validate` returns true or a one-line reason. */
  password(message: string, validate?: (value: string) => true | string): Promise<string>;
  input(message: string, options?: { default?: string; validate?: (value: string) => true | string }): Promise<string>;
}

/** For runs without a terminal: any question becomes exit 2 with the non-interactive way. */
export function nonInteractivePrompter(hint: string): Prompter {
  const fail = (): never => {
    throw new UsageError(`This needs an answer, but there is no interactive terminal. ${hint}`);
  };
  return { confirm: async () => fail(), select: async () => fail(), password: async () => fail(), input: async () => fail() };
}

export interface PromptStreams {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

function isPromptExit(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name;
  return name === 'ExitPromptError' || name === 'AbortPromptError';
}

export function inquirerPrompter(streams: PromptStreams): Prompter {
  const load = () => import('./inquirer.js');
  // Ctrl-C is handled by inquirer; Ctrl-D (EOT) in raw mode is not, so watch for it ourselves.
  async function ask<T>(run: (context: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream; signal: AbortSignal }) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const onData = (chunk: Buffer | string) => {
      if (chunk.toString().includes('\x04')) controller.abort();
    };
    // Ctrl-D before the prompt took the terminal over (cooked mode) ends stdin instead.
    const onEnd = () => controller.abort();
    streams.input.on('data', onData);
    streams.input.once('end', onEnd);
    try {
      return await run({ input: streams.input, output: streams.output, signal: controller.signal });
    } catch (error) {
      if (isPromptExit(error)) throw new CancelledError();
      throw error;
    } finally {
      streams.input.removeListener('data', onData);
      streams.input.removeListener('end', onEnd);
    }
  }
  return {
    confirm: (message, defaultValue = true) =>
      ask(async (ctx) => (await load()).confirm({ message, default: defaultValue }, ctx)),
    select: <T>(message: string, choices: Array<Choice<T>>, defaultValue?: T) =>
      ask(async (ctx) => (await load()).select<T>({ message, choices, default: defaultValue, loop: false }, ctx)),
    password: (message, validate) =>
      ask(async (ctx) =>
        (await load()).password(
          // Once answered, say how long it was instead of leaving a screenful of stars.
          { message, mask: '*', validate, theme: { style: { answer: (stars: string) => `(${stars.length} characters, hidden)` } } },
          ctx,
        ),
      ),
    input: (message, options = {}) =>
      ask(async (ctx) => (await load()).input({ message, default: options.default, validate: options.validate }, ctx)),
  };
}

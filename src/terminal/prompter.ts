// Every question the tool asks goes through this one interface. The real one is @inquirer/prompts,
// loaded only when a command asks something; without a terminal, asking is a usage error that
// names the flag or variable to use instead.
import { CancelledError, UsageError } from '../errors.js';

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
  /** Start loading the prompt code now (say, while a browser starts), so the question shows at once. */
  warmUp(): void;
}

/** For runs without a terminal: any question becomes exit 2 with the non-interactive way. */
export function nonInteractivePrompter(hint: string): Prompter {
  const fail = (): never => {
    throw new UsageError(`This needs an answer, but there is no interactive terminal. ${hint}`);
  };
  return { confirm: async () => fail(), select: async () => fail(), password: async () => fail(), input: async () => fail(), warmUp: () => {} };
}

export interface PromptStreams {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

function isPromptExit(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name;
  return name === 'ExitPromptError' || name === 'AbortPromptError';
}

type Prompts = typeof import('./inquirer.js');
let prompts: Promise<Prompts> | undefined;

export function inquirerPrompter(streams: PromptStreams): Prompter {
  const load = () => (prompts ??= import('./inquirer.js'));
  // Ctrl-C is handled by inquirer; Ctrl-D (EOT) in raw mode is not, so watch for it ourselves.
  async function ask<T>(run: (prompts: Prompts, context: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream; signal: AbortSignal }) => Promise<T>): Promise<T> {
    // Loaded first: loading blocks for a few ms, and what is typed meanwhile must be seen below.
    const loaded = await load();
    // Ctrl-D typed before any prompt (cooked mode) ended stdin already.
    if ((streams.input as NodeJS.ReadableStream & { readableEnded?: boolean }).readableEnded) throw new CancelledError();
    const controller = new AbortController();
    let firstChunk = true;
    const onData = (chunk: Buffer | string) => {
      const text = chunk.toString();
      // A lone NUL first is Linux's mark for a Ctrl-D typed just before raw mode took over.
      if (text.includes('\x04') || (firstChunk && text === '\0')) controller.abort();
      firstChunk = false;
    };
    // Ctrl-D before the prompt took the terminal over (cooked mode) ends stdin instead.
    const onEnd = () => controller.abort();
    streams.input.on('data', onData);
    streams.input.once('end', onEnd);
    try {
      // One turn of the event loop, so that input typed ahead is read in the mode it was typed
      // in: once the prompt switches the terminal to raw mode, a pending Ctrl-D is lost.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (controller.signal.aborted) throw new CancelledError();
      return await run(loaded, { input: streams.input, output: streams.output, signal: controller.signal });
    } catch (error) {
      if (isPromptExit(error)) throw new CancelledError();
      throw error;
    } finally {
      streams.input.removeListener('data', onData);
      streams.input.removeListener('end', onEnd);
    }
  }
  return {
    confirm: (message, defaultValue = true) => ask((p, ctx) => p.confirm({ message, default: defaultValue }, ctx)),
    select: <T>(message: string, choices: Array<Choice<T>>, defaultValue?: T) =>
      ask((p, ctx) => p.select<T>({ message, choices, default: defaultValue, loop: false }, ctx)),
    password: (message, validate) =>
      ask((p, ctx) =>
        p.password(
          // Once answered, say how long it was instead of leaving a screenful of stars.
          { message, mask: '*', validate, theme: { style: { answer: (stars: string) => `(${stars.length} characters, hidden)` } } },
          ctx,
        ),
      ),
    input: (message, options = {}) => ask((p, ctx) => p.input({ message, default: options.default, validate: options.validate }, ctx)),
    warmUp: () => void load().catch(() => {}), // a failure shows when a question is asked
  };
}

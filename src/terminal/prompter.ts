// Every question the tool asks goes through this one interface. The real one is @inquirer/prompts,
// loaded only when a command asks something; without a terminal, asking is a usage error that
// names the flag or variable to use instead.
import { CancelledError, UsageError } from '../errors.js';
import { hungUp, NO_TERMINAL } from './output.js';

export interface Choice<T> {
  name: string;
  value: T;
  description?: string;
}

export interface Prompter {
  confirm(message: string, defaultValue?: boolean): Promise<boolean>;
  select<T>(message: string, choices: Array<Choice<T>>, defaultValue?: T): Promise<T>;
  /**
   * Masked input; `validate` returns true or a one-line reason. A paste with a line break inside
   * ends it with a LineBreakInsideError: none of the paste is returned, and none of it is left for
   * whatever reads next.
   */
  password(message: string, validate?: (value: string) => true | string): Promise<string>;
  input(message: string, options?: { default?: string; validate?: (value: string) => true | string }): Promise<string>;
  /** Start loading the prompt code now (say, while a browser starts), so the question shows at once. */
  warmUp(): void;
  /**
   * Until the next question, what is typed on the terminal is not echoed and is kept for the next
   * password question: a key pasted before its prompt must not stay on the screen. Ctrl-C and
   * Ctrl-D still cancel.
   */
  holdInput(): void;
}

/** A paste with a line break inside reached a one-line question. */
export class LineBreakInsideError extends Error {
  constructor() {
    super('What was pasted has a line break inside.');
    this.name = 'LineBreakInsideError';
  }
}

/**
 * `prompter` with every text it shows made safe by `show` (the terminal's promptText): the
 * question, each choice's name and description, what an answer's check says, the default shown.
 * A prompt library writes to the terminal itself, past the masking of the terminal's own output,
 * and a question may quote what the tool did not write (a key's name from the API, a hint from
 * the progress file) or an answer that is a pasted key. Values are passed through unchanged.
 */
export function safePrompter(prompter: Prompter, show: (text: string) => string): Prompter {
  const checked = (validate?: (value: string) => true | string) =>
    validate &&
    ((value: string) => {
      const verdict = validate(value);
      return verdict === true ? true : show(verdict);
    });
  return {
    confirm: (message, defaultValue) => prompter.confirm(show(message), defaultValue),
    select: (message, choices, defaultValue) =>
      prompter.select(
        show(message),
        choices.map((c) => ({ ...c, name: show(c.name), ...(c.description === undefined ? {} : { description: show(c.description) }) })),
        defaultValue,
      ),
    password: (message, validate) => prompter.password(show(message), checked(validate)),
    async input(message, options = {}) {
      // The default is shown made safe; taken (Enter on an empty answer), it is the value itself.
      const real = options.default;
      const shown = real === undefined ? undefined : show(real);
      const validate = checked(options.validate);
      const answer = await prompter.input(show(message), {
        default: shown,
        validate: validate && ((value) => validate(value === shown ? real! : value)),
      });
      return answer === shown ? real! : answer;
    },
    warmUp: () => prompter.warmUp(),
    holdInput: () => prompter.holdInput(),
  };
}

/**
 * For runs without a terminal (or with questions turned off): any question becomes exit 2 with the
 * non-interactive way. `why`: the terminal's whyNoPrompts.
 */
export function nonInteractivePrompter(hint: string, why = NO_TERMINAL): Prompter {
  const fail = (): never => {
    throw new UsageError(`This needs an answer, but ${why}. ${hint}`);
  };
  return { confirm: async () => fail(), select: async () => fail(), password: async () => fail(), input: async () => fail(), warmUp: () => {}, holdInput: () => {} };
}

export interface PromptStreams {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Every text a question shows is made safe by this (the terminal's promptText; see safePrompter). */
  show: (text: string) => string;
  /**
   * Ctrl-C or Ctrl-D typed while input is held. Raw mode keeps the terminal from sending SIGINT
   * itself, so by default we send it, and main.ts cancels as it would have (exit 130).
   */
  interrupt?: () => void;
}

interface TtyInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  readableEnded?: boolean;
  readableFlowing?: boolean | null;
  fd?: number;
}

/** A paste is one read: a later read with text in it, this soon after a line break, is its rest. */
export const PASTE_SETTLE_MS = 80;
/** After a refused paste, what still arrives is dropped until nothing came for this long (at most DISCARD_MAX_MS). */
const DISCARD_QUIET_MS = 100;
const DISCARD_MAX_MS = 1000;

/** What the terminal input holds between questions; one per stream, as every command builds its own prompters. */
interface Held {
  /** Reading with echo off while no question is open, or null. */
  reader: ((chunk: Buffer | string) => void) | null;
  /** Typed while held, for the next password question. */
  bytes: Buffer[];
  /** While the rest of a refused paste is being dropped: call on each chunk. */
  discard: (() => void) | null;
  endDiscard: (() => void) | null;
}
const heldInputs = new WeakMap<object, Held>();

function heldOf(input: TtyInput): Held {
  let held = heldInputs.get(input);
  if (!held) heldInputs.set(input, (held = { reader: null, bytes: [], discard: null, endDiscard: null }));
  return held;
}

function canHold(input: TtyInput): boolean {
  return Boolean(input.isTTY) && typeof input.setRawMode === 'function';
}

function stopHolding(input: TtyInput, held: Held): void {
  if (!held.reader) return;
  input.removeListener('data', held.reader);
  held.reader = null;
}

function startHolding(input: TtyInput, held: Held, interrupt: () => void): void {
  if (held.reader || !canHold(input)) return;
  // Raw mode turns the terminal's echo off; the bytes are read here, so that Ctrl-C still works.
  input.setRawMode!(true);
  held.reader = (chunk) => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (bytes.includes(0x03) || bytes.includes(0x04)) {
      stopHolding(input, held);
      held.bytes = [];
      held.endDiscard?.();
      input.pause();
      input.setRawMode!(false);
      interrupt();
    } else if (held.discard) {
      held.discard();
    } else {
      held.bytes.push(bytes);
    }
  };
  input.on('data', held.reader);
  input.resume();
}

/** Hold the input and drop what arrives until it has been quiet for a moment: the rest of a refused paste. */
function discardRest(input: TtyInput, held: Held, interrupt: () => void): Promise<void> {
  startHolding(input, held, interrupt);
  if (!held.reader) return Promise.resolve();
  return new Promise((resolve) => {
    let quiet: NodeJS.Timeout | undefined;
    const end = () => {
      clearTimeout(quiet);
      clearTimeout(cap);
      held.discard = held.endDiscard = null;
      resolve();
    };
    const cap = setTimeout(end, DISCARD_MAX_MS);
    held.discard = () => {
      clearTimeout(quiet);
      quiet = setTimeout(end, DISCARD_QUIET_MS);
    };
    held.endDiscard = end;
    held.discard();
  });
}

/** Printable text, not counting keys sent as escape sequences (arrows and the like). */
function hasText(text: string): boolean {
  return /[^\s\x00-\x1f\x7f]/.test(text.replace(/\x1b(?:\[[0-?]*[ -/]*[@-~]|O.|.)?/g, ''));
}

/** Text after a line break in one read: more than one line arrived at once, which typing cannot do. */
function linesInOneRead(text: string): boolean {
  const breakAt = text.search(/[\r\n]/);
  return breakAt !== -1 && hasText(text.slice(breakAt + 1));
}

function isPromptExit(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name;
  return name === 'ExitPromptError' || name === 'AbortPromptError';
}

/** Each open question's way to close it for a process that is leaving (see closeOpenQuestions). */
const openQuestions = new Set<() => Promise<void>>();

/**
 * For a process about to leave on a signal: closes every open question as Ctrl-C does (inquirer
 * shows the cursor again and takes the terminal out of raw mode), and resolves once they are
 * closed. Their callers are never answered, so that nothing more is printed.
 */
export async function closeOpenQuestions(): Promise<void> {
  await Promise.all([...openQuestions].map((close) => close()));
}

type Prompts = typeof import('./inquirer.js');
let prompts: Promise<Prompts> | undefined;

interface AskContext {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  signal: AbortSignal;
}

export function inquirerPrompter(streams: PromptStreams): Prompter {
  const input = streams.input as TtyInput;
  // Windows has no signal to send: there, our own SIGINT listeners (main.ts) are called.
  const interrupt = streams.interrupt ?? (() => void (process.platform === 'win32' ? process.emit('SIGINT', 'SIGINT') : process.kill(process.pid, 'SIGINT')));
  const load = () => (prompts ??= import('./inquirer.js'));
  // Ctrl-C is handled by inquirer; Ctrl-D (EOT) in raw mode is not, so watch for it ourselves.
  // A password question also watches for pasted lines (see password below).
  async function ask<T>(kind: 'password' | 'other', run: (prompts: Prompts, context: AskContext, settled: () => Promise<boolean>) => Promise<T>): Promise<T> {
    // Loaded first: loading blocks for a few ms, and what is typed meanwhile must be seen below.
    const loaded = await load();
    // Ctrl-D typed before any prompt (cooked mode) ended stdin already.
    if (input.readableEnded) throw new CancelledError();
    const held = heldOf(input);
    const controller = new AbortController();
    // Set once closed by closeOpenQuestions: called when the prompt has cleaned up.
    let closed: (() => void) | undefined;
    const close = () =>
      new Promise<void>((resolve) => {
        closed = resolve;
        controller.abort();
      });
    openQuestions.add(close);
    let pastedLines = false;
    let settling = false;
    // Should a paste's line break never reach the prompt as Enter, it is ended this way instead.
    let stuck: NodeJS.Timeout | undefined;
    // Taking over from a hold: the terminal is raw already, and what comes until the prompt
    // listens stays in the stream (paused) rather than reach only the listener below.
    const tookOver = held.reader !== null;
    const typedAhead = kind === 'password' ? held.bytes.splice(0) : [];
    let firstChunk = !tookOver;
    const onData = (chunk: Buffer | string) => {
      const text = chunk.toString();
      // A lone NUL first is Linux's mark for a Ctrl-D typed just before raw mode took over.
      if (text.includes('\x04') || (firstChunk && text === '\0')) controller.abort();
      firstChunk = false;
      if (kind === 'password' && !pastedLines && (linesInOneRead(text) || (settling && hasText(text)))) {
        // The prompt still takes its Enter, and closes as answered: "(N characters, hidden)"
        // rather than a row of stars left on the screen. None of it is returned (below).
        pastedLines = true;
        stuck = setTimeout(() => controller.abort(), DISCARD_MAX_MS);
      }
    };
    // Ctrl-D before the prompt took the terminal over (cooked mode) ends stdin instead.
    const onEnd = () => {
      // The terminal hung up (its window closed): setting its mode can only fail now, and
      // readline, closing the question, would throw that failure at us.
      if (hungUp(input)) input.setRawMode = () => input;
      controller.abort();
    };
    // In one tick: no chunk falls between the hold's reader and this one.
    stopHolding(input, held);
    if (tookOver) input.pause();
    // First of the listeners (readline's may be left from an earlier prompt): a read is judged
    // before the prompt acts on it, so the read whose Enter starts the settling is not its rest.
    input.prependListener('data', onData);
    // As on('data') would (prependListener does not): read now, unless paused on purpose.
    if (!tookOver && input.readableFlowing !== false) input.resume();
    input.once('end', onEnd);
    // An answer is taken once no more of a paste arrived; never, once the prompt was aborted.
    // True: what was entered is part of a paste with a line break, to be refused, not validated.
    const settled = () => {
      if (pastedLines) return Promise.resolve(true);
      settling = true;
      return new Promise<boolean>((resolve) => {
        setTimeout(() => {
          settling = false;
          if (!controller.signal.aborted) resolve(pastedLines);
        }, PASTE_SETTLE_MS);
      });
    };
    try {
      // One turn of the event loop, so that input typed ahead is read in the mode it was typed
      // in: once the prompt switches the terminal to raw mode, a pending Ctrl-D is lost.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (controller.signal.aborted) throw new CancelledError();
      const answer = run(loaded, { input, output: streams.output, signal: controller.signal }, settled);
      // The prompt listens now: what was typed while held comes first, as if typed here.
      if (typedAhead.length) input.unshift(Buffer.concat(typedAhead));
      const value = await answer;
      if (!pastedLines) return value;
    } catch (error) {
      // The process is leaving: no answer, no error, nothing for the caller to print.
      if (closed) return new Promise<never>(() => {});
      if (!pastedLines) throw isPromptExit(error) ? new CancelledError() : error;
    } finally {
      clearTimeout(stuck);
      openQuestions.delete(close);
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      closed?.();
    }
    if (closed) return new Promise<never>(() => {});
    // A paste with a line break inside: nothing of it is the answer, and its rest is dropped.
    await discardRest(input, held, interrupt);
    throw new LineBreakInsideError();
  }
  return safePrompter({
    confirm: (message, defaultValue = true) => ask('other', (p, ctx) => p.confirm({ message, default: defaultValue }, ctx)),
    select: <T>(message: string, choices: Array<Choice<T>>, defaultValue?: T) =>
      ask('other', (p, ctx) => p.select<T>({ message, choices, default: defaultValue, loop: false, pageSize: Math.min(Math.max(choices.length, 7), 20) }, ctx)),
    password: (message, validate) =>
      ask('password', (p, ctx, settled) =>
        p.password(
          {
            message,
            mask: '*',
            // A paste that arrives in more than one read: its rest comes while this waits.
            validate: async (value: string) => {
              if (await settled()) return true;
              return validate ? validate(value) : true;
            },
            // Once answered, say how long it was instead of leaving a screenful of stars.
            theme: { style: { answer: (stars: string) => `(${stars.length} characters, hidden)` } },
          },
          ctx,
        ),
      ),
    input: (message, options = {}) => ask('other', (p, ctx) => p.input({ message, default: options.default, validate: options.validate }, ctx)),
    warmUp: () => void load().catch(() => {}), // a failure shows when a question is asked
    holdInput: () => startHolding(input, heldOf(input), interrupt),
  }, streams.show);
}

// Every question the tool asks goes through this one interface. The real one is @inquirer/prompts,
// loaded only when a command asks something; without a terminal, asking is a usage error that
// names the flag or variable to use instead.
import { Writable } from 'node:stream';
import { WriteStream } from 'node:tty';
import { CancelledError, UsageError } from '../errors.js';
import { processWitnesses } from '../pass-signals.js';
import { asciiText } from './charset.js';
import { ASCII_SPINNER_FRAMES, holdWhileWorking, hungUp, NO_TERMINAL, wrap } from './output.js';
import { MAX_STDIN_BYTES } from './stdin.js';
import { cutToWidth, displayWidth } from './width.js';

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
   * ends it with a LineBreakInsideError, one longer than MAX_STDIN_BYTES with a PasteTooLongError:
   * none of the paste is returned, and none of it is left for whatever reads next. Blank lines
   * before the first text of a paste are not line breaks inside it: they are dropped.
   */
  password(message: string, validate?: (value: string) => true | string): Promise<string>;
  input(message: string, options?: { default?: string; validate?: (value: string) => true | string }): Promise<string>;
  /** Start loading the prompt code now (say, while a browser starts), so the question shows at once. */
  warmUp(): void;
  /**
   * A question follows what the run does next (the wizard's check of a key it found): every
   * spinner from now on holds the input until that question, as it does after a question, so that
   * an Enter typed meanwhile answers no question not yet shown.
   */
  questionsFollow(): void;
  /**
   * Until the next question, what is typed on the terminal is not echoed and is kept for the next
   * password question: a key pasted before its prompt must not stay on the screen. Ctrl-C and
   * Ctrl-D still cancel. `'drop'`: what is typed is dropped instead, kept for no question (after
   * a key was taken: typed during its check, it is no answer to a question not yet asked).
   */
  holdInput(typed?: 'keep' | 'drop'): void;
}

/** A paste with a line break inside reached a one-line question. */
export class LineBreakInsideError extends Error {
  constructor() {
    super('What was pasted has a line break inside.');
    this.name = 'LineBreakInsideError';
  }
}

/** A paste longer than MAX_STDIN_BYTES on one line reached a hidden question: no key is that long. */
export class PasteTooLongError extends Error {
  constructor() {
    super(`What was pasted is longer than ${MAX_STDIN_BYTES} bytes.`);
    this.name = 'PasteTooLongError';
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
    questionsFollow: () => prompter.questionsFollow(),
    holdInput: (typed) => prompter.holdInput(typed),
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
  return { confirm: async () => fail(), select: async () => fail(), password: async () => fail(), input: async () => fail(), warmUp: () => {}, questionsFollow: () => {}, holdInput: () => {} };
}

export interface PromptStreams {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Every text a question shows is made safe by this (the terminal's promptText; see safePrompter). */
  show: (text: string) => string;
  /** Whether questions are in colour: the terminal's decision (its style's level), which follows NO_COLOR first. */
  colors?: boolean;
  /** The terminal's charset is not UTF-8 (its `ascii`): inquirer's icons are drawn in ASCII, as the terminal's own marks are. */
  ascii?: boolean;
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
  /** What is typed while held is dropped, not kept (holdInput('drop')). */
  drop: boolean;
  /** While the rest of a refused paste is being dropped: call on each chunk. */
  discard: (() => void) | null;
  endDiscard: (() => void) | null;
  /** Raw mode again after a stop from elsewhere, while held (see rawAgain). */
  onContinue: (() => void) | null;
}
const heldInputs = new WeakMap<object, Held>();

function heldOf(input: TtyInput): Held {
  let held = heldInputs.get(input);
  if (!held) heldInputs.set(input, (held = { reader: null, bytes: [], drop: false, discard: null, endDiscard: null, onContinue: null }));
  return held;
}

function canHold(input: TtyInput): boolean {
  return Boolean(input.isTTY) && typeof input.setRawMode === 'function';
}

/**
 * Raw mode set again for real. Node (libuv) skips setting the mode it set last, but a stop from
 * elsewhere (kill -TSTP, SIGSTOP) leaves raw mode on, and the shell puts its own mode back while
 * the process is stopped: skipped, the terminal stayed in line mode with echo on after `fg`, and
 * a key pasted then was shown in full.
 */
function rawAgain(input: TtyInput): void {
  input.setRawMode!(false);
  input.setRawMode!(true);
}

/**
 * Ctrl-Z in raw mode (the terminal does not stop us itself): the process stops, and continues
 * right after the kill (`fg`, or at once where there is no job control) in raw mode again.
 *
 * What stops is our whole process group, as the terminal's own Ctrl-Z (and vim's, less's): a
 * wrapper that started us in it (npx, a version manager's shim) stops too, so that the shell sees
 * the job stopped; our PID alone left the wrapper running, and the terminal looked frozen. `fg`
 * continues the group. No child of ours is hit that the terminal's Ctrl-Z would spare: a
 * graphical browser runs detached, and a console browser or `run`'s command has the terminal (no
 * question reads keys meanwhile). Outside the terminal's foreground group (keys read from a
 * terminal that is not ours to control), our PID alone.
 */
function stopHere(input: TtyInput, output: NodeJS.WritableStream): void {
  if (process.platform === 'win32' || !canHold(input)) return;
  input.setRawMode!(false);
  // A prompt may have hidden the cursor: the shell gets it shown.
  if ((output as { isTTY?: boolean }).isTTY) output.write('\x1b[?25h');
  process.kill(processWitnesses.inTerminalForeground() ? 0 : process.pid, 'SIGTSTP');
  input.setRawMode!(true);
}

function stopHolding(input: TtyInput, held: Held): void {
  if (!held.reader) return;
  input.removeListener('data', held.reader);
  held.reader = null;
  held.drop = false;
  if (held.onContinue) process.removeListener('SIGCONT', held.onContinue);
  held.onContinue = null;
}

function startHolding(input: TtyInput, output: NodeJS.WritableStream, held: Held, interrupt: () => void, typed?: 'keep' | 'drop'): void {
  if (!canHold(input)) return;
  if (typed === 'drop') {
    held.drop = true;
    held.bytes = [];
  }
  if (held.reader) return;
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
      // Ctrl-Z stops now, as the terminal would have: kept, it stopped the process only once a
      // hidden question opened, and at any other question never.
      const stop = bytes.includes(0x1a);
      const kept = stop ? bytes.filter((b) => b !== 0x1a) : bytes;
      if (kept.length && !held.drop) held.bytes.push(Buffer.from(kept));
      if (stop) stopHere(input, output);
    }
  };
  input.on('data', held.reader);
  input.resume();
  if (process.platform === 'win32') return;
  held.onContinue = () => {
    if (held.reader) rawAgain(input);
  };
  process.on('SIGCONT', held.onContinue);
}

/** Hold the input and drop what arrives until it has been quiet for a moment: the rest of a refused paste. */
function discardRest(input: TtyInput, output: NodeJS.WritableStream, held: Held, interrupt: () => void): Promise<void> {
  startHolding(input, output, held, interrupt);
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

/** Keys sent as escape sequences (arrows and the like). */
const ESCAPE_SEQUENCES = /\x1b(?:\[[0-?]*[ -/]*[@-~]|O.|.)?/g;

/** Printable text, not counting keys sent as escape sequences (arrows and the like). */
function hasText(text: string): boolean {
  return /[^\s\x00-\x1f\x7f]/.test(text.replace(ESCAPE_SEQUENCES, ''));
}

/** Text after a line break in one read: more than one line arrived at once, which typing cannot do. */
function linesInOneRead(text: string): boolean {
  const breakAt = text.search(/[\r\n]/);
  return breakAt !== -1 && hasText(text.slice(breakAt + 1));
}

/**
 * Printable characters in one read from which on it is a paste. Typing sends a key or a few a read,
 * more when keys pile up (fast typing, a busy machine, SSH): an answer typed at once ("yes", "no")
 * must reach the question. What dropping a paste protects against is a key or a line of text
 * pasted (a key is 40 characters or more), which this is well below.
 */
const PASTE_MIN_TEXT = 8;

/** The end of a read that starts an escape sequence (a key) its next read finishes: a key's bytes may come in two reads. */
const UNFINISHED_ESCAPE = /\x1b(?:\[[0-?]*[ -/]*|O)?$/;
/** One key: an escape sequence, or one character (ESC then Enter is two: readline takes the Enter as Enter). */
const KEY = /\x1b(?:\[[0-?]*[ -/]*[@-~]|O.|.)?|[^\x1b]/u;
const KEYS = new RegExp(KEY.source, 'gu');

/**
 * A terminal's mark of a paste, or more text in one read than a person types at once (see
 * PASTE_MIN_TEXT). `read` starts with the unfinished escape sequence the read before ended with,
 * if any, so that the rest of a key is never taken for text.
 */
function isPaste(read: string): boolean {
  return read.includes('\x1b[200~') || [...read.replace(ESCAPE_SEQUENCES, '')].filter((c) => !/[\x00-\x1f\x7f]/.test(c)).length >= PASTE_MIN_TEXT;
}

/** At a confirm, a key that answers: text, or Tab (which puts one in). */
const answersConfirm = (key: string) => key === '\t' || /^[^\x00-\x1f\x7f]/u.test(key);
/**
 * At a select, a key that picks a choice: an arrow up or down, a number or a letter (a choice's
 * number, or the start of its name). Not a space or other punctuation: a space, then Enter, took
 * the highlighted choice, never seen chosen.
 */
const answersSelect = (key: string) => /^\x1b[[O][AB]$/.test(key) || /^[\p{L}\p{N}]/u.test(key);

/**
 * `read` with its Enters dropped until a key that `answers` comes: after a paste was dropped at a
 * confirm, Enter alone would answer with the default, which may be the answer that destroys
 * something; at a select, with whatever is highlighted, never seen chosen. `answered`: such a key came.
 */
function enterOnlyAfterAnswer(read: string, answers: (key: string) => boolean): { read: string; answered: boolean } {
  let kept = '';
  for (const { 0: key, index } of read.matchAll(KEYS)) {
    if (answers(key)) return { read: kept + read.slice(index), answered: true };
    if (key !== '\r' && key !== '\n') kept += key;
  }
  return { read: kept, answered: false };
}

/** An escape sequence (an arrow key, a paste's bracket) or a space or line break. */
const NOT_TEXT_AT_START = /^(?:\x1b(?:\[[0-?]*[ -/]*[@-~]|O.|.)?|[\t\n\r ])*/;

/**
 * What of one read (bytes as latin1 characters, one each) reaches a hidden question, `lineBytes`
 * being what reached its line already. On an empty line, the spaces and line breaks before the
 * read's first text go: blank lines above a pasted key are around it, as standard input takes them
 * (readKeyFromStdin), not inside it. And a line stops at MAX_STDIN_BYTES, as standard input does:
 * the rest is dropped and Enter ends the line (`over`), so the prompt never holds more than that.
 */
function passToHidden(read: string, lineBytes: number): { text: string; lineBytes: number; over: boolean; dropped: string } {
  let text = read;
  if (lineBytes === 0) {
    const lead = NOT_TEXT_AT_START.exec(text)![0];
    if (/[\r\n]/.test(lead) && /^[^\x00-\x20\x7f]/.test(text.slice(lead.length))) text = lead.replace(/[\t\n\r ]/g, '') + text.slice(lead.length);
  }
  let count = lineBytes;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || c === 0x0d) count = 0;
    else if (++count > MAX_STDIN_BYTES) return { text: `${text.slice(0, i)}\r`, lineBytes: 0, over: true, dropped: text.slice(i) };
  }
  return { text, lineBytes: count, over: false, dropped: '' };
}

/** A terminal's output stream has them (tty.WriteStream); another stream, none. */
interface TerminalSize {
  columns?: number;
  rows?: number;
}

/** The rows `lines` take on a terminal `columns` wide, each after `indent` columns (a longer one wraps). */
function rowsOf(lines: string[], columns: number, indent = 0): number {
  return lines.reduce((rows, line) => rows + Math.max(1, Math.ceil((indent + displayWidth(line)) / columns)), 0);
}

/**
 * Choices as a terminal `output` is wide shows them, all at once where its height allows: each
 * wrapped at words, its lines under its text rather than under the pointer, and the page as many
 * rows as they take. inquirer counts its page in rows, not choices, and wraps at the last column.
 */
function fitChoices<T>(message: string, choices: Array<Choice<T>>, output: TerminalSize) {
  const columns = output.columns && output.columns > 0 ? output.columns : 80;
  // The pointer and a space before each choice; the last column left free, as fit() leaves it.
  const lines = choices.map((c) => wrap(c.name, Math.max(columns - 3, 10)));
  const rows = rowsOf(lines.flat(), columns, 2);
  // Around the page: the question, a blank row, the longest description and the keys' help.
  const around = rowsOf(wrap(`? ${message}`, columns), columns) + 1 + Math.max(0, ...choices.map((c) => rowsOf(wrap(c.description ?? '', columns), columns))) + 1;
  const room = output.rows && output.rows > 0 ? output.rows - around - 1 : rows;
  return {
    choices: choices.map((c, i) => ({ ...c, name: lines[i]!.join('\n  '), short: c.name })),
    pageSize: Math.max(1, Math.min(rows, room)),
  };
}

/** How inquirer starts a drawing: down past what it drew under the cursor, then erasing its lines. */
const ERASE_LAST_DRAWING = /^(?:\x1b\[\d+B)?(?:\x1b\[2K(?:\x1b\[1A)?)*(?:\x1b\[G)?/;
/** A cursor move alone: where inquirer puts the cursor after a keypress moved readline's. */
const CURSOR_MOVE_ONLY = /^(?:\x1b\[\d*[A-G])+$/;

/**
 * A question's output, passed on to the terminal as it comes, that can draw the question again
 * (redraw): after Ctrl-Z and `fg`, the shell's lines are below it, and what the prompt draws next
 * starts by erasing the lines it drew last. Drawn again, in full, from where the cursor is now,
 * its next drawing erases that copy, not the shell's lines. inquirer writes each drawing in one
 * write (its ScreenManager), and between drawings only cursor moves.
 */
class QuestionScreen extends Writable {
  private drawn = '';
  constructor(private readonly terminal: NodeJS.WritableStream & TerminalSize & { isTTY?: boolean }) {
    super({ decodeStrings: false });
  }
  // inquirer's output (a MuteStream) reads these from where it writes.
  get isTTY() {
    return this.terminal.isTTY;
  }
  get columns() {
    return this.terminal.columns;
  }
  get rows() {
    return this.terminal.rows;
  }
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    const text = chunk.toString();
    this.drawn = CURSOR_MOVE_ONLY.test(text) ? this.drawn + text : text.replace(ERASE_LAST_DRAWING, '');
    // Passed on at once, not after the terminal took it: in order with the tool's own output.
    this.terminal.write(chunk);
    done();
  }
  redraw(): void {
    if (this.drawn) this.terminal.write(`\r\x1b[2K${this.drawn}`);
  }
  /**
   * `text` in place of the drawing's last row, where the cursor is (select's: its keys' help),
   * until the prompt draws again. Nothing for a drawing of one row (the question itself).
   */
  lastRow(text: string, style: (row: string) => string): void {
    const cut = this.drawn.lastIndexOf('\n');
    if (cut === -1) return;
    const columns = this.terminal.columns && this.terminal.columns > 0 ? this.terminal.columns : 80;
    const row = style(cutToWidth(text, Math.max(1, columns - 1)));
    // The cursor stays hidden, as the drawing had it.
    const hidden = this.drawn.slice(cut).includes('\x1b[?25l') ? '\x1b[?25l' : '';
    this.drawn = `${this.drawn.slice(0, cut + 1)}${row}${hidden}`;
    this.terminal.write(`\r\x1b[2K${row}${hidden}`);
  }
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

/**
 * The prompts, in colour or not as `colors` says. inquirer's colours (yoctocolors) are decided
 * once, as the module loads, by tty's hasColors(), which has a rule of its own for NO_COLOR and
 * FORCE_COLOR (and prints a warning when both are set): while it loads, hasColors answers ours.
 */
async function loadPrompts(colors: boolean | undefined): Promise<Prompts> {
  if (colors === undefined) return import('./inquirer.js');
  const prototype = WriteStream.prototype;
  const own = Object.getOwnPropertyDescriptor(prototype, 'hasColors');
  prototype.hasColors = () => colors;
  try {
    return await import('./inquirer.js');
  } finally {
    if (own) Object.defineProperty(prototype, 'hasColors', own);
  }
}

/** select's keys in its help line, as ASCII. */
const ASCII_KEYS: Record<string, string> = { '↑↓': 'up/down', '⏎': 'enter' };

/**
 * inquirer's icons as ASCII, for a terminal whose charset is not UTF-8 (see asciiText): the prefix
 * (✔ once answered) and the spinner of every prompt, and select's pointer and help line. Made
 * from the default theme, so that they keep its colours, or none.
 */
function asciiThemes(prompts: Prompts) {
  const theme = prompts.makeTheme();
  const { prefix, spinner } = theme;
  const icons = typeof prefix === 'string' ? asciiText(prefix) : Object.fromEntries(Object.entries(prefix).map(([status, icon]) => [status, asciiText(icon)]));
  const common = {
    prefix: icons as typeof prefix,
    spinner: { interval: spinner.interval, frames: ASCII_SPINNER_FRAMES.map((frame) => spinner.frames[0]!.replace(/[^\x00-\x7f]/u, frame)) },
  };
  const keysHelpTip = (keys: Array<[string, string]>) => theme.style.help(keys.map(([key, action]) => `${ASCII_KEYS[key] ?? asciiText(key)} ${action}`).join(' - '));
  return { theme: common, select: { ...common, icon: { cursor: '>' }, style: { keysHelpTip } } };
}

/** What a hidden question learns of the paste it is given (see ask). */
interface Paste {
  /** Once no more of a paste arrives: true when it is to be refused, not validated. */
  settled(): Promise<boolean>;
  /** A line passed MAX_STDIN_BYTES: the prompt was given Enter, and what it shows is not the length. */
  tooLong(): boolean;
}

interface AskContext {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  signal: AbortSignal;
}

export function inquirerPrompter(streams: PromptStreams): Prompter {
  const input = streams.input as TtyInput;
  // Windows has no signal to send: there, our own SIGINT listeners (main.ts) are called.
  const interrupt = streams.interrupt ?? (() => void (process.platform === 'win32' ? process.emit('SIGINT', 'SIGINT') : process.kill(process.pid, 'SIGINT')));
  const load = () => (prompts ??= loadPrompts(streams.colors));
  const holdUntilAsked = () => holdWhileWorking(input, () => startHolding(input, streams.output, heldOf(input), interrupt, 'drop'));
  // Given to every prompt: undefined keeps inquirer's own icons.
  let themes: Partial<ReturnType<typeof asciiThemes>> = {};
  // Ctrl-C is handled by inquirer; Ctrl-D (EOT) in raw mode is not, so watch for it ourselves.
  // A password question also watches for pasted lines (see password below).
  async function ask<T>(kind: 'password' | 'confirm' | 'select' | 'other', run: (prompts: Prompts, context: AskContext, paste: Paste) => Promise<T>): Promise<T> {
    // Loaded first: loading blocks for a few ms, and what is typed meanwhile must be seen below.
    const loaded = await load();
    if (streams.ascii && !themes.theme) themes = asciiThemes(loaded);
    // Ctrl-D typed before any prompt (cooked mode) ended stdin already.
    if (input.readableEnded) throw new CancelledError();
    const held = heldOf(input);
    // From now on, every spinner (a live check, a live call) holds the input until the next question.
    holdUntilAsked();
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
    // A line passed MAX_STDIN_BYTES (passToHidden); from then on, nothing more reaches the prompt.
    let tooLong = false;
    // Ctrl-C or Ctrl-D among what was dropped after that: the person wants out, not the question again.
    let interrupted = false;
    let settling = false;
    // Should a paste's line break never reach the prompt as Enter, it is ended this way instead.
    let stuck: NodeJS.Timeout | undefined;
    const refuse = () => {
      stuck ??= setTimeout(() => controller.abort(), DISCARD_MAX_MS);
    };
    const cancelOn = (dropped: string) => {
      if (!/[\x03\x04]/.test(dropped)) return;
      interrupted = true;
      controller.abort();
    };
    // Taking over from a hold: the terminal is raw already, and what comes until the prompt
    // listens stays in the stream (paused) rather than reach only the listener below.
    const tookOver = held.reader !== null;
    const typedAhead = kind === 'password' ? held.bytes.splice(0) : [];
    let firstChunk = !tookOver;
    const judge = (text: string) => {
      // A lone NUL first is Linux's mark for a Ctrl-D typed just before raw mode took over.
      if (text.includes('\x04') || (firstChunk && text === '\0')) controller.abort();
      firstChunk = false;
      if (kind === 'password' && !pastedLines && (linesInOneRead(text) || (settling && hasText(text)))) {
        // The prompt still takes its Enter, and closes as answered: "(N characters, hidden)".
        // None of it is returned (below).
        pastedLines = true;
        refuse();
      }
    };
    // A hidden question's reads are judged in hiddenRead, below.
    const onData = (chunk: Buffer | string) => {
      if (kind !== 'password') judge(chunk.toString());
    };
    // A hidden question's reads are changed on their way to the prompt, in the stream's emit (a
    // 'data' listener sees a read, but cannot change what readline's gets): passToHidden's bound
    // and blank lines; and the text a read starts with comes as one keypress, not one per character
    // (readline takes a keypress of many, as rl.write gives it): inquirer measures the whole line at
    // each keypress and writes the cursor's column, so a long paste cost time growing with the
    // square of its length, and more output than a terminal's buffer holds.
    const emit = input.emit;
    const ownEmit = Object.hasOwn(input, 'emit');
    let lineBytes = 0;
    const hiddenRead = (stream: TtyInput, chunk: Buffer | string): boolean => {
      const read = (typeof chunk === 'string' ? Buffer.from(chunk) : chunk).toString('latin1');
      if (tooLong) {
        cancelOn(read);
        return false;
      }
      const passed = passToHidden(read, lineBytes);
      lineBytes = passed.lineBytes;
      if (passed.over) {
        tooLong = true;
        refuse();
        cancelOn(passed.dropped);
      }
      judge(passed.text);
      // Printable ASCII: keys that readline's decoders (UTF-8, escape sequences) pass on as they are.
      let rest = passed.text;
      const run = /^[\x20-\x7e]{2,}/.exec(rest)?.[0];
      if (run && stream.listenerCount('keypress') > 0) {
        emit.call(stream, 'keypress', run, { sequence: run, name: undefined, ctrl: false, meta: false, shift: false });
        rest = rest.slice(run.length);
      }
      if (rest === '') return true;
      if (rest === read) return emit.call(stream, 'data', chunk);
      const bytes = Buffer.from(rest, 'latin1');
      return emit.call(stream, 'data', typeof chunk === 'string' ? bytes.toString() : bytes);
    };
    // A paste at a choice (confirm, select) is dropped whole, its rest with it: confirm would show
    // it as typed (a pasted key in full), and select would search by it and take its line break as
    // Enter, picking whatever is highlighted.
    let pasting: NodeJS.Timeout | undefined;
    // The start of a key the last read ended with (an ESC, or ESC [ without its last byte): this read finishes it.
    let unfinished = '';
    // Since a paste was dropped: Enter waits for a key that answers (enterOnlyAfterAnswer).
    let mustAnswer = false;
    const answers = kind === 'select' ? answersSelect : answersConfirm;
    const choiceRead = (stream: TtyInput, chunk: Buffer | string): boolean => {
      const read = chunk.toString();
      const keys = unfinished + read;
      unfinished = UNFINISHED_ESCAPE.exec(keys)?.[0] ?? '';
      if (pasting === undefined && !isPaste(keys)) {
        if (!mustAnswer) return emit.call(stream, 'data', chunk);
        // The end of a key started in the read before passes as it is; it answers as the whole key would.
        const started = keys === read ? '' : KEY.exec(keys)![0];
        const ended = started === '' ? 0 : started.length - (keys.length - read.length);
        if (answers(started)) {
          mustAnswer = false;
          return emit.call(stream, 'data', chunk);
        }
        const gated = enterOnlyAfterAnswer(read.slice(ended), answers);
        mustAnswer = !gated.answered;
        const passed = read.slice(0, ended) + gated.read;
        if (passed === read) return emit.call(stream, 'data', chunk);
        return passed === '' || emit.call(stream, 'data', typeof chunk === 'string' ? passed : Buffer.from(passed));
      }
      clearTimeout(pasting);
      pasting = setTimeout(() => {
        pasting = undefined;
        // Once the paste is over, said where select's keys are said (its last row, until it is
        // drawn again: at a key that answers); a confirm's one row is the question itself.
        if (kind === 'select') screen.lastRow(`The paste was ignored: choose with ${streams.ascii ? 'up/down' : '↑↓'}, then press Enter.`, dim);
      }, PASTE_SETTLE_MS);
      mustAnswer = true;
      cancelOn(read);
      return false;
    };
    const dim = (text: string) => (streams.colors ? `\x1b[2m${text}\x1b[22m` : text);
    const screen = new QuestionScreen(streams.output);
    // Ctrl-Z is ours, not readline's: readline takes it as a key too (select jumps to its first
    // choice), and once continued pauses the input, the one thing that keeps the process alive, so
    // that it ends by itself, the question unanswered.
    const suspend = () => stopHere(input, streams.output);
    const onRead = (stream: TtyInput, chunk: Buffer | string): boolean => {
      const read = typeof chunk === 'string' ? chunk : chunk.toString('latin1');
      const stop = read.includes('\x1a');
      if (stop) {
        const rest = read.replace(/\x1a/g, '');
        chunk = typeof chunk === 'string' ? rest : Buffer.from(rest, 'latin1');
      }
      const taken = chunk.length === 0 || (kind === 'password' ? hiddenRead(stream, chunk) : kind === 'confirm' || kind === 'select' ? choiceRead(stream, chunk) : emit.call(stream, 'data', chunk));
      if (stop) suspend();
      return taken;
    };
    input.emit = function (this: TtyInput, event: string | symbol, ...args: unknown[]): boolean {
      return event === 'data' ? onRead(this, args[0] as Buffer | string) : emit.call(this, event, ...args);
    };
    // Ctrl-D before the prompt took the terminal over (cooked mode) ends stdin instead.
    const onEnd = () => {
      // The terminal hung up (its window closed): setting its mode can only fail now, and
      // readline, closing the question, would throw that failure at us.
      if (hungUp(input)) input.setRawMode = () => input;
      controller.abort();
    };
    // Continued after a stop (Ctrl-Z above, or a SIGTSTP or SIGSTOP from elsewhere): the question
    // is drawn again, under what the shell printed meanwhile, and read again (after any other
    // listener: readline's, for a stop it caused, pauses the input).
    let open = true;
    const onContinue = () =>
      process.nextTick(() => {
        if (!open) return;
        if (canHold(input)) rawAgain(input);
        input.resume();
        screen.redraw();
      });
    if (process.platform !== 'win32') process.on('SIGCONT', onContinue);
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
    // True: what was entered is part of a paste to be refused (a line break inside, too long), not validated.
    const settled = () => {
      if (pastedLines || tooLong) return Promise.resolve(true);
      settling = true;
      return new Promise<boolean>((resolve) => {
        setTimeout(() => {
          settling = false;
          if (!controller.signal.aborted) resolve(pastedLines || tooLong);
        }, PASTE_SETTLE_MS);
      });
    };
    const paste: Paste = { settled, tooLong: () => tooLong };
    try {
      // One turn of the event loop, so that input typed ahead is read in the mode it was typed
      // in: once the prompt switches the terminal to raw mode, a pending Ctrl-D is lost.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (controller.signal.aborted) throw new CancelledError();
      const answer = run(loaded, { input, output: screen, signal: controller.signal }, paste);
      // The prompt listens now: what was typed while held comes first, as if typed here.
      if (typedAhead.length) input.unshift(Buffer.concat(typedAhead));
      const value = await answer;
      if (!pastedLines && !tooLong) return value;
    } catch (error) {
      // The process is leaving: no answer, no error, nothing for the caller to print.
      if (closed) return new Promise<never>(() => {});
      if ((!pastedLines && !tooLong) || interrupted) throw isPromptExit(error) ? new CancelledError() : error;
    } finally {
      open = false;
      process.removeListener('SIGCONT', onContinue);
      clearTimeout(stuck);
      clearTimeout(pasting);
      openQuestions.delete(close);
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      if (ownEmit) input.emit = emit;
      else delete (input as { emit?: unknown }).emit;
      closed?.();
    }
    if (closed) return new Promise<never>(() => {});
    if (interrupted) throw new CancelledError();
    // A paste refused: nothing of it is the answer, and its rest is dropped.
    await discardRest(input, streams.output, held, interrupt);
    throw tooLong ? new PasteTooLongError() : new LineBreakInsideError();
  }
  return safePrompter({
    confirm: (message, defaultValue = true) => ask('confirm', (p, ctx) => p.confirm({ message, default: defaultValue, theme: themes.theme }, ctx)),
    select: <T>(message: string, choices: Array<Choice<T>>, defaultValue?: T) =>
      ask('select', (p, ctx) => p.select<T>({ message, default: defaultValue, loop: false, theme: themes.select, ...fitChoices(message, choices, streams.output as TerminalSize) }, ctx)),
    password: (message, validate) =>
      ask('password', (p, ctx, paste) =>
        p.password(
          {
            message,
            theme: themes.theme,
            // A paste that arrives in more than one read: its rest comes while this waits.
            validate: async (value: string) => {
              if (await paste.settled()) return true;
              return validate ? validate(value) : true;
            },
            shown: (length) => (paste.tooLong() ? `(over ${MAX_STDIN_BYTES} bytes, hidden)` : `(${length} character${length === 1 ? '' : 's'}, hidden)`),
          },
          ctx,
        ),
      ),
    input: (message, options = {}) => ask('other', (p, ctx) => p.input({ message, default: options.default, validate: options.validate, theme: themes.theme }, ctx)),
    warmUp: () => void load().catch(() => {}), // a failure shows when a question is asked
    questionsFollow: holdUntilAsked,
    holdInput: (typed) => startHolding(input, streams.output, heldOf(input), interrupt, typed),
  }, streams.show);
}

// The terminal as the commands see it: two output streams that mask every secret and every
// control character but colour, colour that follows NO_COLOR / FORCE_COLOR, and the one decision
// of whether we may prompt.
import { isatty } from 'node:tty';
import { Chalk, type ChalkInstance } from 'chalk';
import { cancelledFields, failureFields, type FailureFields } from '../errors.js';
import type { Interrupts } from '../interrupts.js';
import { redact, redactedExcerpt } from '../keys/redact.js';
import { neutralise, sanitize } from './sanitize.js';
import { asciiLocale, asciiText } from './charset.js';
import { cutToWidth } from './width.js';
import { shellWordsFor, wordShell } from './shell.js';

export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
  /** A terminal's 'resize' (a tty.WriteStream's): the spinner redraws to the new width. */
  on?(event: 'resize', listener: () => void): unknown;
  off?(event: 'resize', listener: () => void): unknown;
}

/**
 * Makes every write to `stream` (process.stdout or process.stderr) that is not the terminal's go
 * through `mask`, and returns the stream for the terminal to write to as it is. Others write to
 * this process's streams themselves: Node's debug output (NODE_DEBUG=http prints each request's
 * headers, the key's Authorization among them, and Node reads NODE_DEBUG at start-up: it cannot
 * be turned off here), a library's console.log or console.error, process warnings. The terminal's
 * text is masked already, and `token` writes the key whole on purpose. Each write is masked as one
 * text (Node writes a debug message, console a line, in one); one with no secret in it goes on as
 * it came, byte for byte (a Buffer too), its callback with it. `run`'s command writes to its own
 * stdio, never through these.
 */
export function maskOtherWrites(stream: NodeJS.WriteStream, mask: (text: string) => string): OutputStream {
  const write = stream.write;
  stream.write = function (...args: unknown[]): boolean {
    const masked = maskedChunk(args[0], args[1], mask);
    if (masked === null) return Reflect.apply(write, stream, args) as boolean;
    const callback = args.find((arg) => typeof arg === 'function');
    return Reflect.apply(write, stream, callback ? [masked, 'utf8', callback] : [masked, 'utf8']) as boolean;
  } as typeof stream.write;
  return {
    write: (text: string) => Reflect.apply(write, stream, [text]) as boolean,
    get isTTY() {
      return stream.isTTY;
    },
    get columns() {
      return stream.columns;
    },
    on: (event, listener) => stream.on(event, listener),
    off: (event, listener) => stream.off(event, listener),
  };
}

/** A chunk written to a stream as `mask` has it, or null when that changes nothing (or it is no text: an unknown encoding is the stream's to refuse). */
function maskedChunk(chunk: unknown, encoding: unknown, mask: (text: string) => string): string | null {
  let text: string;
  if (typeof chunk === 'string') {
    if (typeof encoding !== 'string' || /^utf-?8$/i.test(encoding)) text = chunk;
    else if (Buffer.isEncoding(encoding)) text = Buffer.from(chunk, encoding).toString('utf8');
    else return null;
  } else if (chunk instanceof Uint8Array) {
    text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
  } else {
    return null;
  }
  if (text === '') return null;
  const masked = mask(text);
  return masked === text ? null : masked;
}

export interface InputStream {
  isTTY?: boolean;
}

/** A terminal we started on that has hung up since (its window closed): it takes no more output or modes. */
export function hungUp(stream: { isTTY?: boolean; fd?: number }): boolean {
  return Boolean(stream.isTTY) && stream.fd !== undefined && !isatty(stream.fd);
}

export interface Spinner {
  stop(): void;
}

export interface Terminal {
  /** A line on stdout (secrets masked). */
  out(line?: string): void;
  /** A line on stderr (secrets masked). */
  err(line?: string): void;
  /** Text as it is, secrets masked (commander's help and errors). */
  write(stream: 'out' | 'err', text: string): void;
  /** A paragraph on stdout, wrapped to the terminal's width (narrow terminals stay readable). */
  say(paragraph: string, indent?: string): void;
  /**
   * A command to copy, on stdout as one line whatever the width: the terminal's own soft wrap
   * copies back as one line, a line break added here would not (inside quotes it breaks the program).
   */
  command(line: string): void;
  /**
   * A script of ours for a shell to load (completion), on stdout as it is: in it `openai-setup`
   * names the installed command, whatever this run was started as (npx, a path).
   */
  script(text: string): void;
  /**
   * Text for the prompter, which writes to the terminal itself: a question, a choice, an answer's
   * check. One line (a line break becomes a space), every control, bidi and zero-width character
   * shown escaped (colour too: the prompt styles its own), every secret masked, at most
   * MAX_PROMPT_TEXT characters, advice as out() has it.
   */
  promptText(text: string): string;
  /**
   * A --json document on stdout: data, written as it is (secrets masked), never wrapped nor made
   * ASCII for the terminal's charset: a masked hint in it keeps its `…` (`sk-proj-…Ab12`).
   */
  document(json: string): void;
  /** Raw stdout with no masking: only for commands whose job is to print the key (`token`). */
  writeSecret(text: string): void;
  /** Register a secret so that no output line can ever show it whole. */
  addSecret(secret: string): void;
  /**
   * `text` with every secret masked (the registered ones, anything shaped like a key) and nothing
   * else changed: control characters, colour and line breaks stay. For what this process writes
   * to stdout and stderr without the terminal (maskOtherWrites).
   */
  redactSecrets(text: string): string;
  /** stdin and stdout are both terminals and prompts are not disabled. */
  readonly interactive: boolean;
  /**
   * Why nothing is asked, for messages ("…, but there is no interactive terminal"): the terminal
   * is missing, OPENAI_SETUP_NO_PROMPT turned questions off on one, or it is TERM=dumb (cursorless).
   * Empty when interactive.
   */
  readonly whyNoPrompts: string;
  readonly stdinIsTTY: boolean;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  readonly columns: number;
  /** The locale names a charset other than UTF-8 (asciiLocale): every line is written in ASCII (asciiText). */
  readonly ascii: boolean;
  /**
   * Colour for lines on either stream. Each stream has its own level (colorLevel with its own
   * isTTY): a line on a stream whose level is 0 (stderr to a file while stdout is a terminal, or
   * the other way round) is written without the colour.
   */
  readonly style: ChalkInstance;
  /**
   * A spinner on stderr while `text` is true; nothing at all off a terminal; on one that moves no
   * cursor (TERM=dumb), the text once as a line. One row whatever the
   * width: the text is cut to fit (with an ellipsis), again when the terminal is resized, as a
   * wrapped row would be left behind at every frame (\r returns to the last row only).
   */
  spinner(text: string): Spinner;
  /**
   * For a run leaving on a signal (interrupts.ts): stops every spinner and silences all the run
   * would still print; returns the one way left to speak, a line on stderr, for the leaving's own words.
   */
  leave(): (line: string) => void;
  /**
   * A --json run's document as it leaves on a signal (interrupts.ts lastWord): masked, on stdout,
   * also once leave() silenced the rest; nothing when the run printed its document already (one a line of stdout).
   */
  lastDocument(json: string): void;
}

export interface TerminalOptions {
  stdout: OutputStream;
  stderr: OutputStream;
  stdin: InputStream;
  env: Record<string, string | undefined>;
  /** Commands in advice as the person can type them (see invocation.ts); unchanged when not given. */
  advice?: (text: string) => string;
  /** The tool as this run was started (ctx.commandName): a line that is a command of it alone is never broken (fit). */
  commandName?: string;
  /** The platform, for the person's shell (the commands' words beyond ASCII are written for it); this process's when not given. */
  platform?: NodeJS.Platform;
  /** Timers, so tests can run a spinner without waiting. */
  setInterval?: typeof setInterval;
  clearInterval?: typeof clearInterval;
}

/** Colour level: NO_COLOR (any non-empty value) wins, then FORCE_COLOR, then whether it is a TTY. */
export function colorLevel(env: Record<string, string | undefined>, isTTY: boolean): 0 | 1 | 2 | 3 {
  if (env.NO_COLOR) return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === 'false' || force === '0') return 0;
    const n = Number.parseInt(force, 10);
    return (Number.isNaN(n) ? 1 : Math.min(Math.max(n, 1), 3)) as 1 | 2 | 3;
  }
  if (!isTTY || cursorless(env)) return 0;
  return env.COLORTERM === 'truecolor' || env.COLORTERM === '24bit' ? 3 : /256/.test(env.TERM ?? '') ? 2 : 1;
}

/** Visible width: colour codes take no room on screen. */
const visibleLength = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '').length;

/** Text without the colour the terminal's style writes (after neutralise, the only escapes left are those). */
const uncoloured = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');

/** The ways the tool can be started (`openai-setup`, `npx --yes openai-setup`, its script's path), for a terminal not told which. */
const ANY_START = String.raw`(?:npx (?:--yes )?|node )?\S*openai-setup(?:\.c?js)?`;

/**
 * Lines that are a command of the tool alone, or a pipe into it: the tool as this run was started
 * (`commandName`, which may be a quoted path with spaces in it: `node '/my dir/openai-setup.cjs'`),
 * then a flag or one word and a flag (or nothing), not a sentence that starts with its name
 * ("openai-setup keeps no copy…"). Without `commandName`, any way the tool can be started.
 */
export function commandLinePattern(commandName?: string): RegExp {
  const tool = commandName === undefined ? ANY_START : commandName.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
  return new RegExp(String.raw`^(?:printenv \w+ \| )?${tool}(?:$| -| [a-z][a-z-]*(?:$| -))`);
}

const ANY_COMMAND_LINE = commandLinePattern();

/**
 * A line as a terminal of `columns` shows it: wrapped at words, not mid-word, its continuation
 * lines starting under the text they continue (after a mark, or after a label column such as
 * `✔ Key         `). Off a terminal, and for text of several lines (a script, JSON), unchanged.
 * A line that is a command alone (`commandLine`: commandLinePattern) is never broken.
 */
export function fit(line: string, isTTY: boolean, columns: number | undefined, commandLine: RegExp = ANY_COMMAND_LINE): string {
  const width = (columns && columns > 0 ? columns : 80) - 1;
  if (!isTTY || line.includes('\n') || visibleLength(line) <= width) return line;
  const plain = line.replace(/\x1b\[[0-9;]*m/g, '');
  // A label column (two or more spaces after the first words) or a mark, within the first 30 characters.
  const column = new RegExp(String.raw`^(\s*(?:${MARK.source}\s+)?[^\s].{0,24}?\s{2,})\S`).exec(plain)?.[1];
  const mark = new RegExp(String.raw`^\s*(?:${MARK.source}\s+)?`).exec(plain)![0];
  const hanging = column && column.length <= 30 ? column.length : mark.length;
  const lead = /^\s*/.exec(line)![0];
  const lines: string[] = [];
  let current = lead;
  // Words with the spaces after them, so that a label column keeps its width.
  const body = line.slice(lead.length);
  const tokens = spacedWords(body);
  // Advice ends with the command to type after a colon and two spaces ("Pipe it in:  printenv … |
  // openai-setup key --stdin"): a line break inside it would copy back as two commands, so it is
  // one unit, moved whole to a line of its own and, when even that is too narrow, left to the
  // terminal's own soft wrap (which copies back as one line).
  // A line that is a command alone (a hint such as "printenv OPENAI_API_KEY | openai-setup key
  // --stdin --base-url …", the tool named as it was started) is not broken at all.
  if (commandLine.test(plain.slice(lead.length))) return line;
  const commandAt = body.lastIndexOf(':  ');
  const command = commandAt > 0 ? body.slice(commandAt + 3).trim() : '';
  // The text before it is words as any line's: a command in backticks in it stays whole too.
  if (command) tokens.splice(0, tokens.length, ...spacedWords(body.slice(0, commandAt + 3)), command);
  for (const token of tokens) {
    const size = visibleLength(token.trimEnd());
    const indent = lines.length === 0 ? lead.length : hanging;
    const started = visibleLength(current) > indent;
    // A word too long for the room after the indent (a masked key, an ID, a URL, the command)
    // starts a line of its own as far left as it needs to be shown whole: put after other words,
    // the terminal would break it at its last column (which it may take: a row filled to the
    // last column is still one row). One too long for any line goes on a line of its own all the
    // same, under the text (after a mark or a label alone, it stays), to the terminal's soft wrap,
    // which copies back as one line.
    const at = size > width + 1 ? hanging : Math.max(0, Math.min(hanging, width - size));
    const words = visibleLength(current.trimEnd()) > hanging;
    if (started && visibleLength(current.trimEnd()) + 1 + size > width && (size <= width + 1 || words)) {
      lines.push(current.trimEnd());
      current = ' '.repeat(at) + token;
    } else if (!started && current.length + size > width) {
      current = ' '.repeat(Math.min(current.length, at)) + token;
    } else {
      current += token;
    }
  }
  lines.push(current.trimEnd());
  return lines.join('\n');
}

/** A mark at the start of a line (marks(): ✔ ✖ ! ○ → ? ❯ • *), or as asciiText writes it. */
const MARK = /(?:[\u2714\u2716!\u25cb\u2192?\u276f\u2022*]|[vxo>]|->)/;

/** fit()'s words, each with the spaces after it (a label column keeps its width), a command in backticks as one (see WORDS). */
function spacedWords(text: string): string[] {
  return text.match(new RegExp(`(?:${WORDS.source})\\s*`, 'g')) ?? [];
}

const SPINNER_FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
export const ASCII_SPINNER_FRAMES = ['|', '/', '-', '\\'];

/** The longest text a question, one of its choices or its check shows (the cut is marked). */
export const MAX_PROMPT_TEXT = 1000;

export const NO_TERMINAL = 'there is no interactive terminal';
export const PROMPTS_TURNED_OFF = 'OPENAI_SETUP_NO_PROMPT is set';
export const CURSORLESS_TERMINAL = 'TERM=dumb says this terminal cannot move its cursor, which questions need';

/**
 * TERM=dumb: a terminal that shows lines as they come and moves no cursor (Emacs's M-x shell,
 * some CI consoles, a `script` log). What the tool writes there is plain lines: no colour, no
 * spinner frames, and no questions (inquirer's prompts draw by moving the cursor, each redraw
 * would add a copy). Where it asks, the commands and flags that ask nothing are said instead.
 */
export function cursorless(env: Readonly<Record<string, string | undefined>>): boolean {
  return env.TERM === 'dumb';
}

/**
 * OPENAI_SETUP_NO_PROMPT turns questions off only when it says yes (1, true, yes, any case): a
 * value such as 0 or false, written to keep them, must not do the opposite.
 */
export function promptsTurnedOff(env: Readonly<Record<string, string | undefined>>): boolean {
  return ['1', 'true', 'yes'].includes((env.OPENAI_SETUP_NO_PROMPT ?? '').trim().toLowerCase());
}

/**
 * "Pasting a key needs an interactive terminal.", or, on a terminal where questions are off
 * (OPENAI_SETUP_NO_PROMPT, TERM=dumb), that this is why (the terminal is there).
 */
export function needsPrompt(term: Pick<Terminal, 'whyNoPrompts'>, what: string): string {
  return term.whyNoPrompts && term.whyNoPrompts !== NO_TERMINAL ? `${what} asks a question, but ${term.whyNoPrompts}.` : `${what} needs an interactive terminal.`;
}

/** Per input stream, what holds it while the tool works (see holdWhileWorking). */
const workHolds = new WeakMap<object, () => void>();

/**
 * Once a question was asked on `input` (prompter.ts), `hold` is what every spinner started after
 * it does first: until the next question, what is typed is neither echoed nor taken as an answer.
 * A spinner is what shows that the tool works (a live check, a live call) and nothing is asked:
 * one place, so that no caller can forget (a check started from "Check again" echoed a key pasted
 * during it, and an Enter typed then answered the question after it, never seen). Before any
 * question, nothing is held: what is typed during `verify` is the shell's, as it always was.
 */
export function holdWhileWorking(input: object, hold: () => void): void {
  workHolds.set(input, hold);
}

export function createTerminal(options: TerminalOptions): Terminal {
  const { stdin, env } = options;
  // Once leaving (leave()), the run's own output goes nowhere: what it would say is no longer so.
  let leaving = false;
  // A --json document printed: the one a run prints (lastDocument).
  let documented = false;
  const gated = (stream: OutputStream): OutputStream => ({
    write: (text: string) => leaving || stream.write(text),
    get isTTY() {
      return stream.isTTY;
    },
    get columns() {
      return stream.columns;
    },
  });
  const stdout = gated(options.stdout);
  const stderr = gated(options.stderr);
  // Each stream's colour as its own: a stream that is no terminal (a file, a pipe) gets none,
  // whatever the other one is. The style colours for either; a stream without colour drops it.
  const outLevel = colorLevel(env, Boolean(stdout.isTTY));
  const errLevel = colorLevel(env, Boolean(stderr.isTTY));
  const forOut = outLevel ? (text: string) => text : uncoloured;
  const forErr = errLevel ? (text: string) => text : uncoloured;
  // The one place the charset is decided: every line for the terminal passes here (not --json's document).
  const ascii = asciiLocale(env);
  // A command's words as the person's shell reads them (shell.ts shellWordsFor): beyond ASCII not
  // made `?` (the command would name what does not exist), but escaped; PowerShell's quotes in PowerShell.
  const shell = wordShell(env, options.platform ?? process.platform);
  const words = (text: string) => shellWordsFor(text, shell, ascii);
  const glyphs = ascii ? (text: string) => asciiText(words(text)) : words;
  const outText = (text: string) => glyphs(forOut(mask(text)));
  const errText = (text: string) => glyphs(forErr(mask(text)));
  const frames = ascii ? ASCII_SPINNER_FRAMES : SPINNER_FRAMES;
  const spinners = new Set<Spinner>();
  const secrets: string[] = [];
  const advice = options.advice ?? ((text: string) => text);
  const mask = (text: string) => advice(redact(neutralise(text), secrets));
  // As the lines show it (a path beyond ASCII escaped there).
  const commandLine = commandLinePattern(options.commandName === undefined ? undefined : glyphs(options.commandName));
  const stdinIsTTY = Boolean(stdin.isTTY);
  const stdoutIsTTY = Boolean(stdout.isTTY);
  const stderrIsTTY = Boolean(stderr.isTTY);
  const promptsDisabled = promptsTurnedOff(env);
  const dumb = cursorless(env);
  const onTerminal = stdoutIsTTY && stdinIsTTY;
  const style = new Chalk({ level: Math.max(outLevel, errLevel) as 0 | 1 | 2 | 3 });
  const setTimer = options.setInterval ?? setInterval;
  const clearTimer = options.clearInterval ?? clearInterval;

  return {
    out: (line = '') => void stdout.write(`${fit(outText(line), stdoutIsTTY, stdout.columns, commandLine)}\n`),
    err: (line = '') => void stderr.write(`${fit(errText(line), stderrIsTTY, stderr.columns, commandLine)}\n`),
    write: (stream, text) => void (stream === 'out' ? stdout.write(outText(text)) : stderr.write(errText(text))),
    say(paragraph, indent = '') {
      const width = Math.min(stdout.columns && stdout.columns > 0 ? stdout.columns : 80, 100) - 1;
      // Masked (and advice rewritten) before it is wrapped: a rewrite per line could not see
      // across a line break (an `npx` at the end of one line and `openai-setup` at the start of the next).
      for (const line of wrap(outText(paragraph), width, indent)) stdout.write(`${line}\n`);
    },
    command: (line) => void stdout.write(`${outText(line)}\n`),
    document: (json) => {
      // Once leaving it goes nowhere: the last word is still to come.
      documented ||= !leaving;
      stdout.write(`${mask(json)}\n`);
    },
    script: (text) => void stdout.write(`${redact(neutralise(text), secrets)}\n`),
    // Masked before it is cut, so that no key is cut in two; cut first to a few times the most
    // shown, so that a megabyte costs nothing.
    promptText: (text) => glyphs(advice(redactedExcerpt(sanitize(text.slice(0, MAX_PROMPT_TEXT * 4), Number.POSITIVE_INFINITY), secrets, MAX_PROMPT_TEXT))),
    writeSecret: (text) => void stdout.write(text),
    addSecret: (secret) => {
      if (secret && !secrets.includes(secret)) secrets.push(secret);
    },
    redactSecrets: (text) => redact(text, secrets),
    interactive: onTerminal && !promptsDisabled && !dumb,
    whyNoPrompts: !onTerminal ? NO_TERMINAL : promptsDisabled ? PROMPTS_TURNED_OFF : dumb ? CURSORLESS_TERMINAL : '',
    stdinIsTTY,
    stdoutIsTTY,
    stderrIsTTY,
    columns: stdout.columns && stdout.columns > 0 ? stdout.columns : 80,
    ascii,
    style,
    spinner(text) {
      workHolds.get(stdin)?.();
      if (!stderrIsTTY) return { stop() {} };
      // Plain text, one line, cut to `room` columns.
      const plain = glyphs(uncoloured(mask(text))).replace(/\n/g, ' ');
      const cut = (room: number) => cutToWidth(plain, Math.max(1, room), undefined, ascii ? '...' : '…');
      const columnsNow = () => (stderr.columns && stderr.columns > 0 ? stderr.columns : 80);
      // A terminal that moves no cursor (TERM=dumb) would show every frame: the text once, as a
      // line, so that the wait (a live call, seconds) does not look like a hang. One row there too,
      // cut as the spinner's is (short of the last column, fit's rule): the progress line is no
      // sentence to wrap, and wrapped it leaves a word alone under it.
      if (dumb) {
        stderr.write(`${cut(columnsNow() - 1)}\n`);
        return { stop() {} };
      }
      let frame = 0;
      // Cut to the columns left after the frame and its space, and the last column (fit's rule),
      // once per width.
      let shown = { columns: 0, text: '' };
      const draw = () => {
        const columns = columnsNow();
        if (shown.columns !== columns) shown = { columns, text: cut(columns - 3) };
        // The row erased first: after a resize, what was drawn wider is not left showing at its end.
        stderr.write(`\r\x1b[2K${frames[frame++ % frames.length]} ${shown.text}`);
      };
      draw();
      const timer = setTimer(draw, 80);
      // At once on a resize rather than at the next frame. (A terminal that rewraps its rows when
      // narrowed may keep the part of the earlier, wider row above: no erasing upwards, which on
      // one that does not would erase a line of output.)
      const resized = () => draw();
      options.stderr.on?.('resize', resized);
      const spinner = {
        stop() {
          spinners.delete(spinner);
          clearTimer(timer);
          options.stderr.off?.('resize', resized);
          // Erase the spinner line so the result prints in its place.
          stderr.write('\r\x1b[2K');
        },
      };
      spinners.add(spinner);
      return spinner;
    },
    leave() {
      for (const spinner of spinners) spinner.stop();
      leaving = true;
      return (line) => void options.stderr.write(`${fit(errText(line), stderrIsTTY, options.stderr.columns, commandLine)}\n`);
    },
    lastDocument: (json) => void (documented || options.stdout.write(`${mask(json)}\n`)),
  };
}

/**
 * Words, with a command in backticks (and what is glued to it: "(`openai-setup billing`),") as
 * one: broken across lines, a command would copy back as two. A backtick starts one only at the
 * start of a word (or after "(" / "["): one inside a word (a path such as it`s/.env) is a character.
 */
const WORDS = /[(\[]*`[^`]*`\S*|\S+/g;

/** Break a paragraph into lines of at most `width` characters at spaces (long words stay whole). */
export function wrap(paragraph: string, width: number, indent = ''): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const word of (paragraph.match(WORDS) ?? []).map((w) => w.replace(/\s+/g, ' '))) {
    if (line.trim() && visibleLength(line) + 1 + visibleLength(word) > width) {
      lines.push(line);
      line = indent + word;
    } else {
      line = line.trim() ? `${line} ${word}` : indent + word;
    }
  }
  if (line.trim()) lines.push(line);
  return lines;
}

/** Symbols with colour where there is colour; readable without it. */
export function marks(style: ChalkInstance) {
  return {
    ok: style.green('✔'),
    fail: style.red('✖'),
    warn: style.yellow('!'),
    pending: style.dim('○'),
    arrow: style.cyan('→'),
  };
}

/**
 * With --json every outcome of `run` is one JSON document on stdout: a failure's is
 * `document(fields)` (which must not read ctx.env or ctx.configDir), printed before the error goes on to be said on stderr as any other.
 * A signal that ends the run outside a question (interrupts.ts) prints it too, as the run leaves:
 * once the undos are done with (what they did is in what `document` reads, and in the message,
 * after "Cancelled."), or at once on a second signal; `reason` `cancelled`, the signal's exit code.
 */
export async function withFailureDocument(
  ctx: { term: Terminal; readonly env: unknown; readonly configDir: unknown; interrupts: Pick<Interrupts, 'lastWord' | 'leaving'> },
  json: boolean,
  run: () => Promise<number>,
  document: (failed: FailureFields) => string,
): Promise<number> {
  if (!json) return run();
  const { term, interrupts } = ctx;
  const noLastWord = interrupts.lastWord((signal, said) => term.lastDocument(document(cancelledFields(signal, said))));
  try {
    // A bad environment variable, or a config dir that cannot be (main.ts defers both to the first
    // read of ctx.env, ctx.configDir), is this run's failure too, said as its document.
    void ctx.env;
    void ctx.configDir;
    return await run();
  } catch (error) {
    // Once leaving, the document is the last word's (this one would go unprinted: leave()).
    if (!interrupts.leaving) term.document(document(failureFields(error)));
    throw error;
  } finally {
    // Ended by itself: its document printed (a success's by the command). Leaving: the last word stays.
    if (!interrupts.leaving) noLastWord();
  }
}

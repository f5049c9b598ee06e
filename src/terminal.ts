// The terminal as the commands see it: two output streams that mask every secret, colour that
// follows NO_COLOR / FORCE_COLOR, and the one decision of whether we may prompt.
import { Chalk, type ChalkInstance } from 'chalk';
import { fstatSync, writeSync } from 'node:fs';
import { redact } from './key-format.js';
import { isatty } from './lazy-builtins.js';

export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface InputStream {
  isTTY?: boolean;
}

export interface Spinner {
  stop(): void;
}

export interface Terminal {
  /** A line on stdout (secrets masked). */
  out(line?: string): void;
  /** A line on stderr (secrets masked). */
  err(line?: string): void;
  /** A paragraph on stdout, wrapped to the terminal's width (narrow terminals stay readable). */
  say(paragraph: string, indent?: string): void;
  /** Raw stdout with no masking: only for commands whose job is to print the key (`token`). */
  writeSecret(text: string): void;
  /** Register a secret so that no output line can ever show it whole. */
  addSecret(secret: string): void;
  /** stdin and stdout are both terminals and prompts are not disabled. */
  readonly interactive: boolean;
  readonly stdinIsTTY: boolean;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  readonly columns: number;
  readonly style: ChalkInstance;
  /** A spinner on stderr while `text` is true; nothing at all off a terminal. */
  spinner(text: string): Spinner;
}

export interface TerminalOptions {
  stdout: OutputStream;
  stderr: OutputStream;
  stdin: InputStream;
  env: Record<string, string | undefined>;
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
  if (!isTTY || env.TERM === 'dumb') return 0;
  return env.COLORTERM === 'truecolor' || env.COLORTERM === '24bit' ? 3 : /256/.test(env.TERM ?? '') ? 2 : 1;
}

const SPINNER_FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * Whether a file descriptor is a terminal, without loading node:tty (and with it node:net, ~2 ms
 * of start-up) when fstat already says it is a pipe, a file or a socket: only a character device
 * can be a terminal (/dev/null is one too, so tty has the last word).
 */
export function isTerminal(fd: number): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false; // closed
  }
  return isatty(fd);
}

/** process.stdout or process.stderr as the terminal writes to it, and whether it was created. */
export interface ProcessOutput extends OutputStream {
  /** Calls back once what was written has been handed to the OS. */
  flush(done: () => void): void;
}

/**
 * stdout or stderr without Node's stream object when it is not a terminal: there Node's stream
 * writes synchronously on Linux anyway, and creating it loads node:net (~2 ms per command, a tenth
 * of what `status` may take in all). A terminal, or a pipe that would block, gets the real stream.
 */
export function processOutput(fd: 1 | 2): ProcessOutput {
  const getStream = () => (fd === 1 ? process.stdout : process.stderr);
  let stream: NodeJS.WriteStream | undefined;
  const real = () => (stream ??= getStream());
  const tty = isTerminal(fd);
  let readerGone = false;
  return {
    isTTY: tty,
    get columns() {
      return tty ? real().columns : undefined;
    },
    write(text: string) {
      if (stream || tty) return real().write(text);
      if (readerGone) return false;
      const bytes = Buffer.from(text, 'utf8');
      let written = 0;
      try {
        while (written < bytes.length) written += writeSync(fd, bytes, written);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // EPIPE: the reader left (`| head -1`); like any filter, stop writing and carry on quietly.
        if (code === 'EPIPE') return (readerGone = true), false;
        // EAGAIN: a non-blocking pipe is full. From here on the stream queues, in order.
        if (code !== 'EAGAIN') throw error;
        return real().write(bytes.subarray(written));
      }
      return true;
    },
    flush(done) {
      if (stream || tty) real().write('', done);
      else done();
    },
  };
}

export function createTerminal(options: TerminalOptions): Terminal {
  const { stdout, stderr, stdin, env } = options;
  const secrets: string[] = [];
  const mask = (text: string) => redact(text, secrets);
  // Asked on first use: `status` never needs to know about stdin.
  let stdinIsTTY: boolean | undefined;
  const stdinTTY = () => (stdinIsTTY ??= Boolean(stdin.isTTY));
  const stdoutIsTTY = Boolean(stdout.isTTY);
  const stderrIsTTY = Boolean(stderr.isTTY);
  const promptsDisabled = Boolean(env.OPENAI_SETUP_NO_PROMPT);
  const style = new Chalk({ level: colorLevel(env, stdoutIsTTY) });
  const setTimer = options.setInterval ?? setInterval;
  const clearTimer = options.clearInterval ?? clearInterval;

  return {
    out: (line = '') => void stdout.write(`${mask(line)}\n`),
    err: (line = '') => void stderr.write(`${mask(line)}\n`),
    say(paragraph, indent = '') {
      const width = Math.min(stdout.columns && stdout.columns > 0 ? stdout.columns : 80, 100) - 1;
      for (const line of wrap(paragraph, width, indent)) stdout.write(`${mask(line)}\n`);
    },
    writeSecret: (text) => void stdout.write(text),
    addSecret: (secret) => {
      if (secret && !secrets.includes(secret)) secrets.push(secret);
    },
    get interactive() {
      return stdoutIsTTY && !promptsDisabled && stdinTTY();
    },
    get stdinIsTTY() {
      return stdinTTY();
    },
    stdoutIsTTY,
    stderrIsTTY,
    columns: stdout.columns && stdout.columns > 0 ? stdout.columns : 80,
    style,
    spinner(text) {
      if (!stderrIsTTY) return { stop() {} };
      let frame = 0;
      const draw = () => stderr.write(`\r${SPINNER_FRAMES[frame++ % SPINNER_FRAMES.length]} ${mask(text)}`);
      draw();
      const timer = setTimer(draw, 80);
      return {
        stop() {
          clearTimer(timer);
          // Erase the spinner line so the result prints in its place.
          stderr.write('\r\x1b[2K');
        },
      };
    },
  };
}

/** Break a paragraph into lines of at most `width` characters at spaces (long words stay whole). */
export function wrap(paragraph: string, width: number, indent = ''): string[] {
  // Colour codes take no room on screen.
  const visible = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '').length;
  const lines: string[] = [];
  let line = indent;
  for (const word of paragraph.split(/\s+/).filter(Boolean)) {
    if (line.trim() && visible(line) + 1 + visible(word) > width) {
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

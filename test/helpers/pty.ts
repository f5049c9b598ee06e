/**
 * Drive the CLI through a real pseudo-terminal (modelled on changesets' e2e-utils).
 */
import { spawn as ptySpawn, type IPty } from '@lydell/node-pty';
import { CLI, stripAnsi } from './env.js';

export type Key =
  | 'enter'
  | 'up'
  | 'down'
  | 'left'
  | 'right'
  | 'ctrl-c'
  | 'ctrl-d'
  | 'backspace'
  | 'space'
  | 'tab'
  | 'escape';

const KEYS: Record<Key, string> = {
  enter: '\r',
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  'ctrl-c': '\x03',
  'ctrl-d': '\x04',
  backspace: '\x7f',
  space: ' ',
  tab: '\t',
  escape: '\x1b',
};

export interface PtySession {
  /** all output so far, ANSI-stripped */
  output(): string;
  /** raw output so far */
  rawOutput(): string;
  /**
   * Resolve when the stripped output after `from` (default: the end of the previous waitFor match,
   * or 0) contains text; moves the cursor to the end of the match. Rejects with the tail of the
   * screen after timeoutMs (default 10000), or soon after the process exits without printing it.
   */
  waitFor(text: string | RegExp, timeoutMs?: number, from?: number): Promise<void>;
  /** where the next waitFor starts searching (an index into output()) */
  cursor(): number;
  type(text: string): void;
  press(key: Key): void;
  /** resolves with the exit code when the process ends (signal is set when killed by one) */
  exited: Promise<{ exitCode: number; signal?: number }>;
  /** signal (default SIGKILL) the child's whole process group, including leftovers after it exited */
  kill(signal?: NodeJS.Signals): void;
  pid: number;
}

export interface PtyOptions {
  env: Record<string, string>;
  cols?: number;
  rows?: number;
  /** default env.HOME (so a stray file written to cwd lands in the temp dir, not the repo) */
  cwd?: string;
}

/** How long after exit we still wait for trailing output before failing a pending waitFor. */
const EXIT_GRACE_MS = 250;

/**
 * Index up to which raw can be stripped safely: an escape sequence cut in half at the end of the
 * buffer is held back (so it never shows up as text), everything before it is complete.
 */
function safeEnd(raw: string, from: number): number {
  // An OSC / DCS / APC string that has started but not been terminated yet.
  const str = Math.max(raw.lastIndexOf('\x1b]'), raw.lastIndexOf('\x1bP'), raw.lastIndexOf('\x1b_'));
  if (str >= from && raw.length - str <= 4096) {
    const rest = raw.slice(str + 2);
    const terminated = raw[str + 1] === ']' ? /\x07|\x1b\\/.test(rest) : rest.includes('\x1b\\');
    if (!terminated) return str;
  }
  const esc = raw.lastIndexOf('\x1b');
  if (esc < from || raw.length - esc > 256) return raw.length;
  return /^\x1b(?:\[[0-?]*[ -/]*[@-~]|[ -/]*[0-OQ-WYZ\\`-~])/.test(raw.slice(esc)) ? raw.length : esc;
}

function show(text: string | RegExp): string {
  return typeof text === 'string' ? JSON.stringify(text) : String(text);
}

const MARK = '⟦cursor⟧';

function tail(s: string, lines = 25): string {
  return s.split('\n').slice(-lines).join('\n');
}

/** Spawn an arbitrary command in a pseudo-terminal. */
export function spawnCommand(file: string, args: string[], options: PtyOptions): PtySession {
  const { env, cols = 100, rows = 40 } = options;
  const cwd = options.cwd ?? env.HOME ?? process.cwd();
  const pty: IPty = ptySpawn(file, args, { name: env.TERM ?? 'xterm-256color', cols, rows, cwd, env });

  let raw = '';
  let stripped = ''; // stripAnsi(raw.slice(0, strippedUpTo)), built incrementally
  let strippedUpTo = 0;
  let position = 0;
  let exitInfo: { exitCode: number; signal?: number } | null = null;

  const output = () => {
    if (strippedUpTo < raw.length) {
      const end = exitInfo ? raw.length : safeEnd(raw, strippedUpTo);
      stripped += stripAnsi(raw.slice(strippedUpTo, end));
      strippedUpTo = end;
    }
    return stripped;
  };

  interface Waiter {
    check(): boolean;
    onExit(): void;
  }
  const waiters = new Set<Waiter>();
  const checkAll = () => {
    for (const w of [...waiters]) if (w.check()) waiters.delete(w);
  };

  pty.onData((d) => {
    raw += d;
    checkAll();
  });

  const exited = new Promise<{ exitCode: number; signal?: number }>((resolve) => {
    pty.onExit(({ exitCode, signal }) => {
      exitInfo = signal ? { exitCode, signal } : { exitCode };
      resolve(exitInfo);
      checkAll();
      for (const w of [...waiters]) w.onExit();
    });
  });

  const waitFor = (text: string | RegExp, timeoutMs = 10_000, from?: number): Promise<void> => {
    const start = from ?? position;
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let graceTimer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        clearTimeout(graceTimer);
        waiters.delete(waiter);
      };
      const failWith = (why: string) => {
        done();
        const out = output();
        const err = new Error(
          `waitFor(${show(text)}) ${why}.\n` +
            `Searched from position ${start} of ${out.length} (marked ${MARK} below).\n` +
            `--- last lines of the output ---\n${tail(out.slice(0, start) + MARK + out.slice(start))}\n` +
            `--- end ---`,
        );
        reject(err);
      };
      const waiter: Waiter = {
        check() {
          const out = output();
          const hay = out.slice(start);
          let end = -1;
          if (typeof text === 'string' && !text.includes(' ')) {
            const i = hay.indexOf(text);
            if (i !== -1) end = i + text.length;
          } else if (typeof text === 'string') {
            // The tool wraps long lines at words to the terminal's width: a space in the text
            // also matches a line break and the indentation after it.
            const re = new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ +/g, '\\s+'));
            const m = re.exec(hay);
            if (m) end = m.index + m[0].length;
          } else {
            const re = new RegExp(text.source, text.flags.replace('g', '').replace('y', ''));
            const m = re.exec(hay);
            if (m) end = m.index + m[0].length;
          }
          if (end === -1) return false;
          position = start + end;
          done();
          resolve();
          return true;
        },
        onExit() {
          clearTimeout(graceTimer);
          graceTimer = setTimeout(() => {
            if (waiter.check()) return;
            const info = exitInfo;
            failWith(
              `failed: the process exited (code ${info?.exitCode}${info?.signal ? `, signal ${info.signal}` : ''}) without printing it`,
            );
          }, EXIT_GRACE_MS);
        },
      };
      if (waiter.check()) return;
      waiters.add(waiter);
      timer = setTimeout(() => failWith(`timed out after ${timeoutMs} ms`), timeoutMs);
      if (exitInfo) waiter.onExit();
    });
  };

  const write = (s: string) => {
    if (exitInfo) return;
    try {
      pty.write(s);
    } catch {
      // the child went away between the check and the write
    }
  };

  return {
    pid: pty.pid,
    output,
    rawOutput: () => raw,
    cursor: () => position,
    waitFor,
    type: write,
    press: (key) => write(KEYS[key]),
    exited,
    kill(signal: NodeJS.Signals = 'SIGKILL') {
      // node-pty makes the child a session leader, so its pid is also its process group: this also
      // reaches grandchildren left behind in the terminal (e.g. a browser opener), even after exit.
      try {
        process.kill(-pty.pid, signal);
      } catch {
        if (exitInfo) return;
        try {
          pty.kill(signal);
        } catch {
          // already gone
        }
      }
    },
  };
}

/** Spawn `node bin/openai-setup.cjs ...args` in a pseudo-terminal (default 100x40). */
export function spawnCli(args: string[], options: PtyOptions): PtySession {
  return spawnCommand(process.execPath, [CLI, ...args], options);
}

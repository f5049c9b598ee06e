// Opening platform pages. The URL is always printed first (SSH, headless machines, phones);
// opening is a convenience whose failure is never an error.
import { spawn, type ChildProcess } from 'node:child_process';
import { basename } from 'node:path';
import { processWitnesses, signalPasser, type WitnessHost } from '../pass-signals.js';

export type OpenOutcome = 'opened' | 'skipped' | 'failed';

export interface Browser {
  /** Try to open a URL; the caller has already printed it. */
  open(url: string): Promise<OpenOutcome>;
  /** Why pages are not opened, when they are not (for one line of explanation). */
  readonly skipReason: string | null;
}

export interface BrowserOptions {
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  noBrowser: boolean;
  /** stdin and stdout are a terminal: a console browser (lynx…) can be shown and used in it. */
  terminal: boolean;
  /** How a console browser is run in the foreground (tests stand in for the process). */
  foreground?: ForegroundHost;
}

/**
 * Browsers that run in the terminal, by the name of their program: Python's webbrowser runs these
 * in the foreground and waits for them (a page "opened" in the background would show nothing).
 */
const CONSOLE_BROWSERS = ['www-browser', 'links', 'elinks', 'lynx', 'w3m'];

/** The console browser a BROWSER command starts (its program's name), or null. */
export function consoleBrowser(command: string): string | null {
  const program = splitCommand(command)[0];
  const name = program === undefined ? '' : basename(program.replaceAll('\\', '/')).replace(/\.exe$/i, '').toLowerCase();
  return CONSOLE_BROWSERS.includes(name) ? name : null;
}

/** What running a console browser in the foreground needs from the process (with its witnesses: pass-signals.ts). */
export interface ForegroundHost extends WitnessHost {
  /**
   * Hand the terminal over to a program about to start, until release(). Done before it starts,
   * so that nothing of ours changes the terminal under it. Input held for a question (prompter.ts
   * holdInput: raw, read here) stops being read, and the terminal is in its usual mode. A Ctrl-C
   * (which reaches the program, in our process group, by itself) is noted, not acted on; SIGTERM
   * and SIGHUP go to `pass` first, and once what it returns has settled (the signal passed on, or
   * not: it reached the whole group), they are handled as always.
   */
  handOver(pass: (signal: PassedOn) => Promise<void>): { interrupted(): boolean; release(): void };
  /** Start it on our terminal (our stdin, stdout and stderr) with our environment. */
  spawn(file: string, args: string[]): ChildProcess;
  /** Leave as on Ctrl-C ("Cancelled.", exit 130). */
  cancel(): void;
}

const PASSED_ON = ['SIGTERM', 'SIGHUP'] as const;
type PassedOn = (typeof PASSED_ON)[number];

const processForeground: ForegroundHost = {
  ...processWitnesses,
  handOver(pass) {
    let interrupted = false;
    const sigint = process.listeners('SIGINT');
    process.removeAllListeners('SIGINT');
    const note = () => void (interrupted = true);
    process.on('SIGINT', note);
    // The usual handlers (main.ts: leave with 128 + N) run once the signal is passed on: leaving
    // before that would leave the browser on the terminal without it.
    const usual = PASSED_ON.map((signal) => [signal, process.listeners(signal)] as const);
    const handlers = usual.map(([signal, listeners]) => {
      const handler = () => void pass(signal).then(() => {
        for (const listener of listeners) (listener as NodeJS.SignalsListener)(signal);
      });
      process.removeAllListeners(signal);
      process.on(signal, handler);
      return [signal, handler] as const;
    });
    const stdin = process.stdin;
    const raw = stdin.isTTY && stdin.isRaw;
    const flowing = stdin.readableFlowing === true;
    if (flowing) stdin.pause();
    if (raw) stdin.setRawMode(false);
    return {
      interrupted: () => interrupted,
      release() {
        process.removeListener('SIGINT', note);
        for (const listener of sigint) process.on('SIGINT', listener);
        for (const [signal, handler] of handlers) process.removeListener(signal, handler);
        for (const [signal, listeners] of usual) for (const listener of listeners) process.on(signal, listener);
        if (raw) stdin.setRawMode(true);
        if (flowing) stdin.resume();
      },
    };
  },
  spawn: (file, args) => spawn(file, args, { stdio: 'inherit' }),
  // main.ts's own SIGINT handling: "Cancelled." and exit 130, after what must not be cut in half.
  cancel: () => void process.emit('SIGINT', 'SIGINT'),
};

/** Where there is no screen to open a browser on (Codex's heuristic, plus CI). */
export function headlessReason(env: Record<string, string | undefined>, platform: NodeJS.Platform): string | null {
  if (env.SSH_CONNECTION || env.SSH_CLIENT || env.SSH_TTY) return 'this is an SSH session';
  if (env.CI) return 'this looks like CI';
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return 'there is no graphical display';
  return null;
}

/** Split a BROWSER value into argv, honouring simple quotes, as shells and gh do. */
export function splitCommand(command: string): string[] {
  const args: string[] = [];
  let current = '';
  let quote: string | null = null;
  let started = false;
  for (const ch of command.trim()) {
    if (quote) {
      if (ch === quote) quote = null;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      started = true;
    } else if (/\s/.test(ch)) {
      if (started || current) args.push(current);
      current = '';
      started = false;
    } else {
      current += ch;
    }
  }
  if (started || current) args.push(current);
  return args;
}

/** BROWSER's program and its arguments with the URL (an argument, never through a shell): `%s` marks its place, else it is last. */
function browserArgv(command: string, url: string): { file: string; args: string[] } | null {
  const [file, ...args] = splitCommand(command);
  if (file === undefined) return null;
  const hasPlaceholder = args.some((a) => a.includes('%s'));
  return { file, args: hasPlaceholder ? args.map((a) => a.replaceAll('%s', url)) : [...args, url] };
}

/**
 * A console browser in the foreground, on our terminal, until the person leaves it; then the run
 * goes on. A Ctrl-C meanwhile is the browser's to act on first; once it has ended, the run is
 * cancelled too (exit 130), whether the browser died of it or quit on it.
 */
function runConsoleBrowser(host: ForegroundHost, command: string, url: string): Promise<OpenOutcome> {
  const argv = browserArgv(command, url);
  if (!argv) return Promise.resolve('failed');
  return new Promise((resolve) => {
    let child: ChildProcess | undefined;
    // SIGTERM or SIGHUP sent to our whole process group reached the browser, in it, already: only
    // one sent to our PID alone is passed on (a witness per signal tells them apart).
    const passer = signalPasser(host, PASSED_ON, (signal) => child?.kill(signal));
    const terminal = host.handOver((signal) => passer.receive(signal));
    let ended = false;
    // Once: a program that cannot be started may report both an error and an exit.
    const end = (outcome: OpenOutcome | 'cancel') => {
      if (ended) return;
      ended = true;
      terminal.release();
      passer.stop();
      // Cancelled, it never settles: the run is leaving, and says nothing more than "Cancelled.".
      if (outcome === 'cancel') host.cancel();
      else resolve(outcome);
    };
    try {
      child = host.spawn(argv.file, argv.args);
    } catch {
      end('failed');
      return;
    }
    child.once('error', () => end('failed'));
    child.once('exit', (code, signal) => end(signal === 'SIGINT' || terminal.interrupted() ? 'cancel' : code === 0 ? 'opened' : 'failed'));
  });
}

/** Run BROWSER with the URL, detached (a GUI browser may keep running). */
function runBrowserCommand(command: string, url: string): Promise<OpenOutcome> {
  const argv = browserArgv(command, url);
  if (!argv) return Promise.resolve('failed');
  return new Promise((resolve) => {
    const child = spawn(argv.file, argv.args, { stdio: 'ignore', detached: true });
    // A script finishes quickly; a GUI browser may keep running: let it.
    const settle = setTimeout(() => {
      child.unref();
      resolve('opened');
    }, 2000);
    child.on('error', () => {
      clearTimeout(settle);
      resolve('failed');
    });
    child.on('exit', (code) => {
      clearTimeout(settle);
      resolve(code === 0 ? 'opened' : 'failed');
    });
  });
}

export function createBrowser(options: BrowserOptions): Browser {
  const { env, platform, noBrowser, terminal } = options;
  const command = env.BROWSER?.trim();
  const inTerminal = command ? consoleBrowser(command) : null;
  // --no-browser, given for this run, wins; then BROWSER, the person's standing choice, which
  // wins even on a headless machine; but a console browser needs a terminal to show the page in.
  const skipReason = noBrowser
    ? '--no-browser was given'
    : inTerminal && !terminal
      ? `BROWSER is ${inTerminal}, which needs a terminal`
      : command
        ? null
        : headlessReason(env, platform);
  return {
    skipReason,
    async open(url) {
      if (skipReason) return 'skipped';
      if (command && inTerminal) return runConsoleBrowser(options.foreground ?? processForeground, command, url);
      if (command) return runBrowserCommand(command, url);
      try {
        const { default: open } = await import('open');
        const child = await open(url);
        return await new Promise<OpenOutcome>((resolve) => {
          child.once('error', () => resolve('failed'));
          child.once('spawn', () => resolve('opened'));
          setTimeout(() => resolve('opened'), 500).unref();
        });
      } catch {
        return 'failed';
      }
    },
  };
}

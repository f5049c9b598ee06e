// The program (boot.ts calls run() when it does not answer --version or --help itself). It builds the real Context, runs the command
// line through commander, and is the only place that turns outcomes into exit codes and exits.
import { homedir, userInfo } from 'node:os';
import { CommanderError } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { lazyAdminApi } from './api/admin-lazy.js';
import type { Api } from './api/types.js';
import type { Context, GlobalOptions } from './context.js';
import { CancelledError, EXIT, ExitError, SignalExit, signalExitCode } from './errors.js';
import { Interrupts, type InterruptHost, type LeavingSignal } from './interrupts.js';
import { keysInArgv, secretsInArgv } from './keys/redact.js';
import { baseUrlProblem, debugEnabled, parseEnv, parseFlag, type BaseUrlUse, type ParsedEnv } from './options.js';
import { ProfileNameSchema } from './storage/state.js';
import { COMMANDS } from './commands/index.js';
import { buildProgram } from './program.js';
import { Notices } from './storage/notices.js';
import { xdgIgnoredNotice } from './storage/home.js';
import { resolveConfigDir } from './storage/paths.js';
import { releaseHeldLocks } from './storage/lock.js';
import { removeOwnTempFiles } from './storage/private-file.js';
import { StateStore } from './storage/state.js';
import { adviceFor, selfCommand } from './terminal/invocation.js';
import { npxAskedFor } from './terminal/npx-spec.js';
import { npmLogNotices } from './terminal/npm-log-notice.js';
import { createTerminal, cursorless, hungUp, marks, maskOtherWrites, type Terminal } from './terminal/output.js';
import { stdoutFailureLine } from './terminal/output-failure.js';
import { urlPasswords, withoutPasswords, withoutUrlLogins } from './terminal/sanitize.js';

/**
 * What ctx.env reads: the environment, parsed once. A bad variable, or a bad --profile (checked
 * here with them, so that every command refuses it, those that never use the profile too), is
 * raised where ctx.env is first read instead: inside a --json command's failure document
 * (withFailureDocument), else at once (program.ts), as one line and exit 2. A bad OPENAI_BASE_URL
 * is raised so only for a command that sends requests (`baseUrl` 'sends', CommandSpec.baseUrl);
 * doctor ('checks') says it as its failed check (baseUrlProblem), its ctx.env without it; every
 * other command meets it only where it reads ctx.env.OPENAI_BASE_URL (parseEnv). With --base-url
 * ('overridden') the variable is not used: one that is no URL is left out, not refused.
 */
export function envReader(rawEnv: Record<string, string | undefined>, globals: Pick<GlobalOptions, 'profile'>, baseUrl?: BaseUrlUse): () => ParsedEnv {
  return deferred(() => {
    if (globals.profile !== undefined) parseFlag('--profile', ProfileNameSchema, globals.profile);
    const env = parseEnv((baseUrl === 'checks' || baseUrl === 'overridden') && baseUrlProblem(rawEnv) ? { ...rawEnv, OPENAI_BASE_URL: undefined } : rawEnv);
    if (baseUrl === 'sends') void env.OPENAI_BASE_URL;
    return env;
  });
}

/** Runs `make` now; the returned function gives its value, or throws what it threw. */
function deferred<T>(make: () => T): () => T {
  try {
    const value = make();
    return () => value;
  } catch (error) {
    return () => {
      throw error;
    };
  }
}

/** The home directory of the user's passwd entry (Node's homedir() with HOME unset), or null when there is none. */
function passwdHome(): string | null {
  try {
    return userInfo().homedir;
  } catch {
    return null;
  }
}

async function createContext(term: Terminal, globals: GlobalOptions, commandName: string, interrupts: Interrupts, baseUrl?: BaseUrlUse): Promise<Context> {
  // Loaded when a command runs, not for --help, --version or a usage error; the API (the SDK's
  // side of the tool) only when a command calls it.
  const [{ osKeychain }, { KeyStore }, { createBrowser }, { inquirerPrompter, nonInteractivePrompter }, { readStdin }] = await Promise.all([
    import('./storage/keychain.js'),
    import('./storage/keystore.js'),
    import('./terminal/browser.js'),
    import('./terminal/prompter.js'),
    import('./terminal/stdin.js'),
  ]);
  const rawEnv = process.env;
  const env = envReader(rawEnv, globals, baseUrl);
  // A config dir that cannot be (under a HOME or XDG_CONFIG_HOME with a line break, say) is raised
  // as a bad variable is: where ctx.configDir is first read, inside a --json command's failure
  // document, else at once (program.ts); a command that never uses it (completion) still runs.
  // The stores built on it wait for it. homedir() is asked only where the dir is under it (it
  // throws when there is no home to be had: no HOME and no passwd entry, a HOME too long).
  // A relative XDG_CONFIG_HOME it ignored is said once the files are used (the stores made), not
  // where the dir is only checked (program.ts): verify --quiet holds it back (ctx.notices).
  let ignoredConfigHome: string | null = null;
  const configDir = deferred(() => resolveConfigDir(rawEnv, process.platform, homedir, (name, value) => (ignoredConfigHome = xdgIgnoredNotice(name, value))));
  let state: Context['state'] | undefined;
  let keys: Context['keys'] | undefined;
  const warn = (message: string) => term.err(`${term.style.yellow('!')} ${message}`);
  const notices = new Notices(warn);
  const usedConfigDir = () => {
    const dir = configDir();
    if (ignoredConfigHome !== null) notices.tell(ignoredConfigHome);
    return dir;
  };
  const stateStore = () => (state ??= new StateStore(usedConfigDir(), () => new Date(), warn, interrupts));
  const debug = debugEnabled(rawEnv) ? (line: string) => term.err(line) : undefined;
  let api: Promise<Omit<Api, 'admin'>> | undefined;
  const realApi = () => (api ??= import('./api/probes.js').then(({ createApi }) => createApi({ env: rawEnv, clock: () => performance.now(), debug })));
  return {
    term,
    prompter: (hint) => (term.interactive ? inquirerPrompter({ input: process.stdin, output: process.stdout, show: term.promptText, colors: term.style.level > 0, ascii: term.ascii }) : nonInteractivePrompter(hint, term.whyNoPrompts)),
    browser: createBrowser({ env: rawEnv, platform: process.platform, noBrowser: globals.browser === false, terminal: term.stdinIsTTY && term.stdoutIsTTY }),
    get state(): Context['state'] {
      return stateStore();
    },
    get keys(): Context['keys'] {
      // One progress file for the run: the key store reads where each key is recorded from it. A
      // keychain call still waiting for its turn is given up on a signal while the key change it is
      // part of has changed nothing (Interrupts.givingUp).
      return (keys ??= new KeyStore(osKeychain(process.platform, { turnsDir: usedConfigDir(), giveUp: () => interrupts.givingUp }), usedConfigDir(), warn, stateStore()));
    },
    api: {
      check: async (request) => (await realApi()).check(request),
      reach: async (baseURL, timeoutMs) => (await realApi()).reach(baseURL, timeoutMs),
      admin: lazyAdminApi(() => import('./api/admin.js').then(({ createAdminApi }) => createAdminApi({ env: rawEnv, debug }))),
    },
    get env(): ParsedEnv {
      return env();
    },
    rawEnv,
    platform: process.platform,
    passwdHome,
    notices,
    get configDir(): string {
      return configDir();
    },
    cwd: currentDirectory(),
    binPath: process.argv[1],
    nodeVersion: process.version,
    commandName,
    readStdin: () => readStdin(process.stdin),
    clock: { now: () => new Date(), ms: () => performance.now() },
    interrupts,
  };
}

/** process.cwd(), or null when the directory is gone: only the commands that need it refuse (currentDir in context.ts). */
function currentDirectory(): string | null {
  try {
    return process.cwd();
  } catch {
    return null;
  }
}

function report(term: Terminal, error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander has printed help, the version, or its own one-line error already.
    const { code } = error;
    if (code === 'commander.helpDisplayed' || code === 'commander.version') return EXIT.ok;
    // `help <name>` for a name that is no command: commander shows the help as an error.
    if (code === 'commander.help' && error.exitCode !== 0) {
      term.err('error: no such command (the commands are listed above)');
      return EXIT.usage;
    }
    return code === 'commander.help' ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof CancelledError) {
    term.err('\nCancelled.');
    return EXIT.cancelled;
  }
  if (error instanceof ExitError) {
    if (error.message) term.err(`${term.style.red('✖')} ${error.message}`);
    for (const hint of error.hints) term.err(`  ${hint}`);
    return error.code;
  }
  // A bug: show it (masked) and say so, rather than pretend it was the person's fault.
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  term.err(`${term.style.red('✖')} Unexpected error (a bug in openai-setup; please report it):`);
  term.err(detail);
  return EXIT.internal;
}

/**
 * The run's terminal. `maskOthers` (the real run's, not a test's in its own process): what else
 * writes to this process's stdout and stderr is masked against the run's secrets too
 * (maskOtherWrites): NODE_DEBUG=http prints each request's headers, the key's among them, and a
 * library may print what it was given. The terminal itself writes to the streams as they were.
 */
export function startTerminal(argv: string[], { maskOthers = false } = {}): { term: Terminal; commandName: string } {
  // Every command the tool recommends, its help and usage lines included, starts the way this run
  // was started, so that it works as printed.
  const commandName = selfCommand(process.env, process.platform, argv[1], npxAskedFor).command;
  // A login in the base URL or a proxy's URL goes too: Node prints the URL and its password, and a request's `auth`.
  const env = process.env;
  const passwords = maskOthers ? urlPasswords([env.OPENAI_BASE_URL, env.http_proxy, env.HTTP_PROXY, env.https_proxy, env.HTTPS_PROXY, ...argv.slice(2)]) : [];
  const others = (text: string) => withoutPasswords(term.redactSecrets(withoutUrlLogins(text)), passwords);
  const term: Terminal = createTerminal({
    stdout: maskOthers ? maskOtherWrites(process.stdout, others) : process.stdout,
    stderr: maskOthers ? maskOtherWrites(process.stderr, others) : process.stderr,
    stdin: process.stdin,
    env: process.env,
    advice: adviceFor(commandName, COMMANDS.map((c) => c.name)),
    commandName,
  });
  return { term, commandName };
}

/** How a run ends: with `code`, or by `signal` (SignalExit: `run`'s command died of it), 128 + N being its code where it cannot be raised. */
export interface Ending {
  code: number;
  signal?: NodeJS.Signals;
}

export async function main(argv: string[], { term, commandName }: { term: Terminal; commandName: string }, interrupts: Interrupts): Promise<Ending> {
  // Before commander sees the line: its own errors quote what was typed (`unknown option
  // '--key=…'`), and a key typed there must be masked even when it is not shaped like one.
  const secrets = secretsInArgv(argv.slice(2));
  for (const secret of secrets) term.addSecret(secret);
  let exitCode: number = EXIT.ok;
  try {
    const program = buildProgram(
      packageJson.version,
      (globals, command) => createContext(term, globals, commandName, interrupts, command?.baseUrl),
      {
        name: commandName,
        writeOut: (text) => term.write('out', text),
        writeErr: (text) => term.write('err', text),
        columns: term.stdoutIsTTY ? term.columns : undefined,
        typed: argv.slice(2),
        shell: { env: process.env, platform: process.platform },
      },
      (code) => (exitCode = code),
    );
    await program.parseAsync(argv);
  } catch (error) {
    exitCode = report(term, error);
    if (error instanceof SignalExit) return { code: exitCode, signal: error.signal };
  }
  // Said even with --quiet or --json (on stderr), and after a usage error: a file now holds the key.
  // Keys only: a value of `run`'s command (`--password-file x`) is masked, but is no key in npm's log.
  for (const line of await npmLogNotices(process.env, keysInArgv(argv.slice(2)))) term.err(`${marks(term.style).warn} ${line}`);
  return { code: exitCode };
}

/** The longest a SIGTERM or SIGHUP waits for open questions to close before leaving anyway. */
const CLOSE_QUESTIONS_MAX_MS = 500;

function terminalHungUp(): boolean {
  return process.platform !== 'win32' && [process.stdin, process.stdout, process.stderr].some(hungUp);
}

/**
 * Exits with `code`; by `signal` instead when `bySignal` (`run`'s command died of it: a shell
 * then sees a death by that signal, as it would have seen the command's, and a Ctrl-C stops its
 * loop), or after our terminal hung up (its window closed), as the hang-up would have: the same
 * status for a shell, where Node 20 aborts, dumping core, when it exits then: restoring the
 * terminal's mode fails on the closed terminal. Either way, temp files of a write a signal cut
 * short go first, and the locks this run holds (rotate's, held across its questions) with them:
 * the signal again skips the exit handlers that would remove them. Windows has no signal to end
 * by: there the code is all.
 */
function exit(code: number, signal: NodeJS.Signals = 'SIGHUP', bySignal = false): never {
  removeOwnTempFiles();
  // Then the locks, never before: a run that gets a lock takes the temp files it finds for a killed run's.
  releaseHeldLocks();
  if ((bySignal && process.platform !== 'win32') || terminalHungUp()) {
    // The signal's default action, the process's end, in place of our handler.
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  process.exit(code);
}

/**
 * The process as Interrupts sees it. Ctrl-C outside a prompt (during a live check, say): "Cancelled."
 * and exit 130; inside a prompt, inquirer turns it into a CancelledError instead. SIGTERM or
 * SIGHUP: exit 128 + its number, nothing printed, with the terminal as we found it (a question puts
 * it in raw mode with the cursor hidden, and inquirer's own clean-up on these signals comes only
 * after the process is gone). Either way only after the sections under way and the undos (interrupts.ts),
 * a --json run's one document last on stdout (withFailureDocument, `reason` `cancelled`);
 * for `run` (Interrupts.endBySignal), by the signal itself then, as its command would have ended.
 */
function processHost(term: Terminal): InterruptHost {
  let say = (line: string) => term.err(line);
  // Where TERM=dumb no spinner was drawn, nor a cursor hidden: nothing to clear, and the escapes would show as text.
  const moves = (stream: NodeJS.WriteStream) => Boolean(stream.isTTY) && !cursorless(process.env);
  return {
    async prepare(signal) {
      // From now on the run's own output is silenced: only what leaving says is printed.
      say = term.leave();
      if (signal === 'SIGINT') {
        // A spinner may be on the line: clear it rather than leave it behind.
        process.stderr.write(moves(process.stderr) ? '\r\x1b[2K\nCancelled.\n' : '\nCancelled.\n');
        return;
      }
      // Nothing to restore on a terminal that is gone; and what fails to reach it no longer matters.
      process.stdin.on('error', () => {});
      if (terminalHungUp()) return;
      const cap = new Promise((resolve) => setTimeout(resolve, CLOSE_QUESTIONS_MAX_MS));
      const closed = import('./terminal/prompter.js').then(({ closeOpenQuestions }) => closeOpenQuestions());
      await Promise.race([closed, cap]);
      // Input held between questions (prompter's holdInput) is raw too.
      const stdin = process.stdin as NodeJS.ReadStream;
      if (stdin.isTTY && stdin.isRaw) stdin.setRawMode(false);
      if (moves(process.stdout)) process.stdout.write('\x1b[?25h');
      // A spinner may be on the line: clear it rather than leave it behind.
      if (moves(process.stderr)) process.stderr.write('\r\x1b[2K');
    },
    say: (line) => say(line),
    exit: (signal: LeavingSignal, bySignal) => {
      const code = signalExitCode(signal);
      // Ctrl-C ends by SIGINT only for `run` (Interrupts.endBySignal); the others exit 130, by SIGHUP after a hang-up.
      if (bySignal) exit(code, signal, true);
      else if (signal === 'SIGINT') exit(code);
      else exit(code, signal);
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}

/** Runs the command line and exits with its code. */
export function run(argv: string[] = process.argv): void {
  const started = startTerminal(argv, { maskOthers: true });
  const interrupts = new Interrupts(processHost(started.term));
  // `run` hands these to its child while it runs: see trapSignals in commands/run.ts.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => interrupts.interrupt(signal));
  // A failed write stops the stream's writing (the failure is judged once the run ends: see
  // outputFailure); never an uncaught error, and nothing written from here (stderr may be what failed).
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  // Kept as it comes: a stream that failed at once (a file on a full disk) is destroyed after its
  // 'error', and no longer says it `errored` by the time the run ends (commander's help, say).
  let stdoutError: Error | null = null;
  process.stdout.on('error', (error) => (stdoutError ??= error));
  void main(argv, started, interrupts).then(({ code, signal }) => {
    // Leaving on a signal: Interrupts exits, once what it waits for is done.
    if (interrupts.leaving) return;
    // Should the process end before the write below is done (nothing else keeping it alive), it
    // ends with this code: a cancelled run never ends as a success.
    process.exitCode = code;
    const leave = (error: Error | null | undefined) => {
      const final = outputFailure(started.term, stdoutError ?? process.stdout.errored ?? error, code);
      process.exitCode = final;
      process.stderr.write('', () => (signal ? exit(final, signal, true) : exit(final)));
    };
    // Let buffered output reach a pipe, then leave: process.exit also ends a keep-alive socket and
    // a keychain helper on a hung D-Bus that its time box has already given up on. Nothing pending:
    // no write, as /dev/full refuses even an empty one, which would fail a run that printed nothing
    // there (`run`'s command writes to the same file itself).
    if (process.stdout.writableLength === 0) leave(null);
    else process.stdout.write('', leave);
  });
}

/**
 * The exit code once standard output is done with. A reader that left early (EPIPE: `| head -1`)
 * is no failure: the writing stopped, like any filter's, and the run exits as planned. Any other
 * failure to write it (a full disk, /dev/full, an I/O error) fails the run with exit 1, said in one
 * line on stderr: what it printed is not all there, and `token > key && deploy` must not go on with
 * an empty key. Whatever code the run would have had, a check's verdict too (verify's 3, rotate's
 * 6): a script reading that code would take it for the verdict of a document it never got. A run
 * the person cancelled keeps its 130. stderr's own failures change nothing.
 */
function outputFailure(term: Terminal, error: Error | null | undefined, code: number): number {
  // A terminal that hung up (EIO) is no one's output to judge: the run leaves by SIGHUP (exit()).
  const line = error && !terminalHungUp() ? stdoutFailureLine(error, term.style.red('✖')) : null;
  if (line === null) return code;
  term.err(line);
  return code === EXIT.cancelled ? code : EXIT.internal;
}

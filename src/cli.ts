// Runs the command (main.ts loads this for everything but the bare --version and --help) and is
// the only place that turns outcomes into exit codes and calls process.exit. The wizard, status
// and verify in their plain forms skip commander (fast-lane.ts); everything else is parsed by it.
// The terminal (chalk) is loaded when a command runs or an error is reported, the real
// dependencies in runtime.ts when a command runs.
import { CancelledError, EXIT, ExitError } from './errors.js';
import { fastRoute, HOT_COMMANDS, type GlobalOptions } from './fast-lane.js';
import type { ProcessOutput, Terminal } from './terminal.js';

/** Loaded only off the fast lane. */
let commander: typeof import('commander') | undefined;
let terminal: Promise<Terminal> | undefined;
let outputs: { stdout: ProcessOutput; stderr: ProcessOutput } | undefined;

/** The terminal, created on first use (process.stdin is not touched before then). */
function getTerminal(): Promise<Terminal> {
  terminal ??= import('./terminal.js').then(({ createTerminal, isTerminal, processOutput }) => {
    outputs = { stdout: processOutput(1), stderr: processOutput(2) };
    // Asked only by commands that may prompt; process.stdin is made by the prompt or a read.
    return createTerminal({ ...outputs, stdin: { get isTTY() { return isTerminal(0); } }, env: process.env });
  });
  return terminal;
}

/** Hands what was written to the OS before the process exits. */
function flushOutput(done: () => void): void {
  // Commander writes to process.stdout and stderr itself; otherwise only the terminal writes.
  if (commander || !outputs) process.stdout.write('', () => process.stderr.write('', done));
  else outputs.stdout.flush(() => outputs!.stderr.flush(done));
}

async function report(error: unknown): Promise<number> {
  if (commander && error instanceof commander.CommanderError) {
    // Commander has printed help, the version, or its own one-line error already.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.ok;
    return EXIT.usage;
  }
  const term = await getTerminal();
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

async function main(argv: string[], version: string, hooks: RunHooks): Promise<number> {
  // Ctrl-C outside a prompt (during a live check, say): a quiet exit 130. Inside a prompt,
  // inquirer turns it into a CancelledError instead.
  process.on('SIGINT', () => {
    process.stderr.write('\nCancelled.\n');
    process.exit(EXIT.cancelled);
  });
  let exitCode: number = EXIT.ok;
  const makeContext = async (globals: GlobalOptions) => {
    const [term, runtime] = await Promise.all([getTerminal(), import('./runtime.js')]);
    return runtime.createContext(term, globals, hooks.beforePrompt);
  };
  try {
    const fast = fastRoute(argv.slice(2));
    if (fast) return await HOT_COMMANDS[fast.command].run(fast.opts, fast.globals, makeContext);
    const [{ buildProgram }] = await Promise.all([import('./program.js'), import('commander').then((loaded) => (commander = loaded))]);
    const program = buildProgram(version, makeContext, (code) => {
      exitCode = code;
    });
    await program.parseAsync(argv);
  } catch (error) {
    exitCode = await report(error);
  }
  return exitCode;
}

export interface RunHooks {
  /** Runs before a question is shown (main.ts saves the code cache there, once). */
  beforePrompt?: () => void;
}

export async function run(argv: string[], version: string, hooks: RunHooks = {}): Promise<void> {
  const code = await main(argv, version, hooks);
  // Should the loop drain before the callbacks below run (stdin closed by Ctrl-D), exit with this.
  process.exitCode = code;
  // Let buffered output reach a pipe before leaving; process.exit also ends a keychain call stuck
  // on a hung D-Bus, which its time box has already given up on.
  flushOutput(() => process.exit(code));
}

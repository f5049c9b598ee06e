// Runs the command (main.ts loads this for everything but the bare --version and --help) and is
// the only place that turns outcomes into exit codes and calls process.exit. It loads only
// commander: the terminal (chalk) is loaded when a command runs or an error is reported, the real
// dependencies in runtime.ts when a command runs.
import { CommanderError } from 'commander';
import { CancelledError, EXIT, ExitError } from './errors.js';
import { buildProgram } from './program.js';
import type { Terminal } from './terminal.js';

let terminal: Promise<Terminal> | undefined;
/** The terminal, created on first use (process.stdin is not touched before then). */
function getTerminal(): Promise<Terminal> {
  terminal ??= import('./terminal.js').then(({ createTerminal }) =>
    createTerminal({ stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env }),
  );
  return terminal;
}

async function report(error: unknown): Promise<number> {
  if (error instanceof CommanderError) {
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

async function main(argv: string[], version: string): Promise<number> {
  // Ctrl-C outside a prompt (during a live check, say): a quiet exit 130. Inside a prompt,
  // inquirer turns it into a CancelledError instead.
  process.on('SIGINT', () => {
    process.stderr.write('\nCancelled.\n');
    process.exit(EXIT.cancelled);
  });
  let exitCode: number = EXIT.ok;
  try {
    const program = buildProgram(
      version,
      async (globals) => {
        const [term, runtime] = await Promise.all([getTerminal(), import('./runtime.js')]);
        return runtime.createContext(term, globals);
      },
      (code) => {
        exitCode = code;
      },
    );
    await program.parseAsync(argv);
  } catch (error) {
    exitCode = await report(error);
  }
  return exitCode;
}

export async function run(argv: string[], version: string): Promise<void> {
  const code = await main(argv, version);
  // Should the loop drain before the callbacks below run (stdin closed by Ctrl-D), exit with this.
  process.exitCode = code;
  // Let buffered output reach a pipe before leaving; process.exit also ends a keychain call stuck
  // on a hung D-Bus, which its time box has already given up on.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

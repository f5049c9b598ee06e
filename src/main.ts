// The entry point: runs the command and is the only place that turns outcomes into exit codes
// and calls process.exit. It loads only commander and chalk: the real dependencies are built
// in runtime.ts, imported when a command runs.
import { CommanderError } from 'commander';
import { CancelledError, EXIT, ExitError } from './errors.js';
import { buildProgram } from './program.js';
import { createTerminal, type Terminal } from './terminal.js';
import packageJson from '../package.json' with { type: 'json' };

function report(term: Terminal, error: unknown): number {
  if (error instanceof CancelledError) {
    term.err('\nCancelled.');
    return EXIT.cancelled;
  }
  if (error instanceof ExitError) {
    if (error.message) term.err(`${term.style.red('✖')} ${error.message}`);
    for (const hint of error.hints) term.err(`  ${hint}`);
    return error.code;
  }
  if (error instanceof CommanderError) {
    // Commander has printed help, the version, or its own one-line error already.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.ok;
    return EXIT.usage;
  }
  // A bug: show it (masked) and say so, rather than pretend it was the person's fault.
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  term.err(`${term.style.red('✖')} Unexpected error (a bug in openai-setup; please report it):`);
  term.err(detail);
  return EXIT.internal;
}

async function main(argv: string[]): Promise<number> {
  const term = createTerminal({ stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });
  // Ctrl-C outside a prompt (during a live check, say): a quiet exit 130. Inside a prompt,
  // inquirer turns it into a CancelledError instead.
  process.on('SIGINT', () => {
    term.err('\nCancelled.');
    process.exit(EXIT.cancelled);
  });
  let exitCode: number = EXIT.ok;
  try {
    const program = buildProgram(packageJson.version, async (globals) => (await import('./runtime.js')).createContext(term, globals), (code) => {
      exitCode = code;
    });
    await program.parseAsync(argv);
  } catch (error) {
    exitCode = report(term, error);
  }
  return exitCode;
}

const code = await main(process.argv);
// Should the loop drain before the callbacks below run (stdin closed by Ctrl-D), exit with this.
process.exitCode = code;
// Let buffered output reach a pipe before leaving; process.exit also ends a keychain call stuck
// on a hung D-Bus, which its time box has already given up on.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));

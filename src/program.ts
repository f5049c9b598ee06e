// The command line: commander, fed from the one table of commands (commands/index.ts) by one
// register loop. Each command's module is loaded only when it runs.
import { Command, Option } from 'commander';
import { COMMANDS, EXIT_CODES_HELP, GLOBAL_OPTIONS, type CommandSpec, type OptionSpec } from './commands/index.js';
import type { Context, GlobalOptions } from './context.js';

export type ContextFactory = (globals: GlobalOptions) => Context | Promise<Context>;

export interface ProgramIO {
  writeOut(text: string): void;
  writeErr(text: string): void;
  /** Terminal width for help, when writing to one. */
  columns?: number;
}

function addOptions(command: Command, options: OptionSpec[] = []): void {
  for (const spec of options) {
    const option = new Option(spec.flags, spec.description);
    if (spec.choices) option.choices(spec.choices);
    command.addOption(option);
  }
}

/**
 * The program; `done` receives the exit code of the command that ran. Commander's own output
 * (help, usage errors) goes to `io`, and a usage error throws a CommanderError (exitOverride).
 */
export function buildProgram(version: string, makeContext: ContextFactory, io: ProgramIO, done: (code: number) => void): Command {
  const program = new Command('openai-setup')
    .description('From an OpenAI account to a working, safely stored API key: log in, add a card, choose billing, create a key, check it live.')
    .version(version, '-V, --version')
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({ writeOut: io.writeOut, writeErr: io.writeErr, getOutHelpWidth: () => io.columns ?? 80, getErrHelpWidth: () => io.columns ?? 80 })
    .configureHelp({ sortSubcommands: false })
    .addHelpText('after', EXIT_CODES_HELP);
  addOptions(program, GLOBAL_OPTIONS);

  const register = (spec: CommandSpec<unknown>) => {
    const command = program.command(spec.name, { isDefault: spec.isDefault }).description(spec.description);
    for (const argument of spec.arguments ?? []) command.argument(argument.name, argument.description);
    // The default command receives any word that is not a command: say so instead of running it.
    if (spec.isDefault) command.argument('[command]');
    addOptions(command, spec.options);
    if (spec.usage) command.usage(spec.usage);
    if (spec.helpAfter) command.addHelpText('after', spec.helpAfter);
    if (spec.helpAfterError) command.showHelpAfterError(spec.helpAfterError);
    command.action(async (...received: unknown[]) => {
      const self = received.at(-1) as Command;
      const args = received.slice(0, -2);
      if (spec.isDefault && args.at(-1) !== undefined) {
        program.error(`error: unknown command '${String(args.at(-1))}' (commands: ${COMMANDS.map((c) => c.name).join(', ')})`);
      }
      const globals = self.optsWithGlobals() as GlobalOptions;
      const line = { args, opts: self.opts(), globals, program };
      const [module, options] = await Promise.all([spec.load(), spec.parse(line)]);
      done(await module.run(await makeContext(globals), options));
    });
  };
  for (const spec of COMMANDS) register(spec);
  return program;
}

// The command line: commander, fed from the one table of commands (commands/index.ts) by one
// register loop. Each command's module is loaded only when it runs.
import type { EventEmitter } from 'node:events';
import { Command, Option } from 'commander';
import { COMMANDS, EXIT_CODES_HELP, GLOBAL_OPTIONS, type CaptureExample, type CommandSpec, type OptionSpec } from './commands/index.js';
import type { Context, GlobalOptions } from './context.js';
import type { BaseUrlUse } from './options.js';
import { wrap } from './terminal/output.js';
import { shownValue } from './terminal/sanitize.js';
import { shellCaptureLine } from './terminal/shell.js';

/** `baseUrl`: what the command does with OPENAI_BASE_URL (CommandSpec.baseUrl): when to refuse one that is no URL. */
export type ContextFactory = (globals: GlobalOptions, command?: { baseUrl?: BaseUrlUse | undefined }) => Context | Promise<Context>;

export interface ProgramIO {
  /** The tool as it was started (`openai-setup`, `npx --yes openai-setup`, or the script's path): usage lines and examples use it. */
  name: string;
  writeOut(text: string): void;
  writeErr(text: string): void;
  /** Terminal width for help, when writing to one. */
  columns?: number;
  /** The words typed after the tool's name: commander's errors quote them, shown made safe. */
  typed?: readonly string[];
  /** Where the person's shell is told (SHELL, the platform): examples that set a variable are written for it. Unset: bash's. */
  shell?: { env: Record<string, string | undefined>; platform: NodeJS.Platform };
}

/**
 * Commander's error, with every word it quotes from the command line shown made safe: control
 * characters and line breaks escaped, long values cut (what was typed may be anything, a pasted
 * escape sequence or a key included). The value of an unknown option is never needed to read the
 * error, and may be a secret under a mistyped name (`--kee=…`, `-Kvalue`): it is left out.
 */
function shownUsageError(text: string, typed: readonly string[]): string {
  let shown = text
    .replace(/(unknown option '-{1,2}[^'=\s]+)=[^']*'/g, "$1=…'")
    .replace(/(unknown option '-[^-'\s])[^'\s][^']*'/g, "$1…'");
  // Longest first, so that a word inside another is not replaced within it.
  const words = [...new Set(typed.flatMap((word) => (word.includes('=') ? [word, word.slice(word.indexOf('=') + 1)] : [word])))].sort((a, b) => b.length - a.length);
  for (const word of words) {
    const safe = shownValue(word);
    if (word && safe !== word) shown = shown.split(word).join(safe);
  }
  return shown;
}

/**
 * Extra help text wrapped at words to the help width, as the terminal wraps advice (wrap()): a
 * command in backticks is one word, never broken across lines (its first line, copied, would run
 * another command). In `  2    usage error: …` rows the continuation lines start under the text
 * they continue.
 */
function wrapHelp(text: string, width: number): string {
  return text
    .split('\n')
    .map((line) => {
      const prefix = /^\s*(?:\S+\s{2,})?/.exec(line)![0];
      const lines = wrap(line.slice(prefix.length), width - prefix.length);
      return lines.length ? lines.map((part, index) => `${index ? ' '.repeat(prefix.length) : prefix}${part}`).join('\n') : line;
    })
    .join('\n');
}

function addOptions(command: Command, options: OptionSpec[] = []): void {
  for (const spec of options) {
    const option = new Option(spec.flags, spec.description);
    if (spec.choices) option.choices(spec.choices);
    command.addOption(option);
  }
}

/**
 * The program's options (--profile, --no-browser, --version) after a command's name as well. The
 * program reads its own only before the name (positional options, so that `run` can leave all
 * after its command to that command); each command takes a copy of each, hidden from its help
 * (which lists the program's as "Global Options"), that hands what it reads to the program's.
 */
function takeProgramOptions(command: Command, program: Command): void {
  // A Command is an EventEmitter (its typings leave emit() out): an option read is an event.
  const events = program as unknown as EventEmitter;
  const copies = program.options.map((option) => {
    const copy = new Option(option.flags, option.description).hideHelp();
    command.addOption(copy);
    command.on(`option:${copy.name()}`, (value: unknown) => events.emit(`option:${option.name()}`, value));
    return copy;
  });
  // Commander suggests a flag for a mistyped one (`--profil`) among the options the help shows:
  // the copies too, for the moment it looks.
  const suggesting = command as unknown as { unknownOption(flag: string): void };
  const unknownOption = suggesting.unknownOption.bind(command);
  suggesting.unknownOption = (flag) => {
    for (const copy of copies) copy.hidden = false;
    try {
      unknownOption(flag);
    } finally {
      for (const copy of copies) copy.hidden = true;
    }
  };
}

/**
 * The program; `done` receives the exit code of the command that ran. Commander's own output
 * (help, usage errors) goes to `io`, and a usage error throws a CommanderError (exitOverride).
 */
export function buildProgram(version: string, makeContext: ContextFactory, io: ProgramIO, done: (code: number) => void): Command {
  const helpWidth = io.columns ?? 80;
  // `{cmd}`: the tool as it was started, put in before the text is wrapped (`npx --yes openai-setup` is longer).
  const named = (text: string) => text.replaceAll('{cmd}', io.name);
  // Per-command help is commander's, at run time (only the bare `--help` is rendered at build
  // time, and the program's examples set no variable): written for the shell it is shown in.
  const shell = io.shell ?? { env: {}, platform: 'linux' };
  const exampleLine = (example: string | CaptureExample) =>
    typeof example === 'string' ? named(example) : shellCaptureLine(shell.env, shell.platform, example.capture, named(example.of));
  const examples = (lines: Array<string | CaptureExample>) => `\nExamples:\n${lines.map((line) => `  $ ${exampleLine(line)}`).join('\n')}`;
  const program = new Command(io.name)
    .description('From an OpenAI account to a working, safely stored API key: log in, add a card, choose billing, create a key, check it live.')
    .version(version, '-V, --version')
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: io.writeOut,
      writeErr: io.writeErr,
      outputError: (text, write) => write(shownUsageError(text, io.typed ?? [])),
      getOutHelpWidth: () => helpWidth,
      getErrHelpWidth: () => helpWidth,
    })
    // Wrap descriptions even in a narrow column (commander's default gives up below 40).
    // Each command's help lists the options every command takes (--profile, --no-browser) too.
    .configureHelp({ sortSubcommands: false, minWidthToWrap: 16, showGlobalOptions: true })
    .addHelpText('after', () => `${examples(['{cmd}', '{cmd} verify --json', '{cmd} run -- python app.py'])}\n${wrapHelp(EXIT_CODES_HELP, helpWidth)}`)
    // Read before a command's name only (each command reads them after it: takeProgramOptions).
    .enablePositionalOptions();
  addOptions(program, GLOBAL_OPTIONS);

  const register = (spec: CommandSpec<unknown>) => {
    const command = program.command(spec.name, { isDefault: spec.isDefault }).description(spec.description);
    for (const argument of spec.arguments ?? []) command.argument(argument.name, argument.description);
    // The default command receives any word that is not a command: say so instead of running it
    // (an extra word, not a declared argument: `setup` takes none, and its help says so).
    if (spec.isDefault) command.allowExcessArguments();
    addOptions(command, spec.options);
    takeProgramOptions(command, program);
    if (spec.passThrough) command.passThroughOptions();
    if (spec.usage) command.usage(spec.usage);
    command.addHelpText('after', () => `${examples(spec.examples)}${spec.helpAfter ? `\n${wrapHelp(named(spec.helpAfter), helpWidth)}` : ''}`);
    if (spec.helpAfterError) {
      const hint = named(spec.helpAfterError);
      command.showHelpAfterError(hint);
      const when = spec.helpAfterErrorWhen?.bind(spec);
      if (when) {
        // Decided when the error is known: commander prints the hint from error(), after the message.
        const error = command.error.bind(command);
        command.error = (message, options) => {
          command.showHelpAfterError(when({ code: options?.code ?? 'commander.error', args: command.args, typed: io.typed ?? [] }) ? hint : false);
          return error(message, options);
        };
      }
    }
    command.action(async (...received: unknown[]) => {
      const self = received.at(-1) as Command;
      const args = received.slice(0, -2);
      if (spec.isDefault && self.args.length > 0) {
        program.error(`error: unknown command '${self.args[0]}' (commands: ${COMMANDS.map((c) => c.name).join(', ')})`);
      }
      const globals = self.optsWithGlobals() as GlobalOptions;
      const line = { args, opts: self.opts(), globals, program };
      const [module, options] = await Promise.all([spec.load(), spec.parse(line)]);
      // --base-url given: OPENAI_BASE_URL is not used, so not refused either.
      const ctx = await makeContext(globals, { baseUrl: spec.baseUrl && typeof line.opts.baseUrl === 'string' ? 'overridden' : spec.baseUrl });
      // A bad environment variable or --profile (the context checks both: main.ts envReader) stops
      // every command here, those that never read the profile too, one line and exit 2 (a bad
      // OPENAI_BASE_URL only those that send requests: the others where they read it); so does a
      // config dir that cannot be (main.ts), for the commands that use it. With --json the
      // command's failure document says it instead (withFailureDocument reads both first).
      if (line.opts.json !== true) {
        void ctx.env;
        if (spec.usesConfigDir !== false) void ctx.configDir;
      }
      done(await module.run(ctx, options));
    });
  };
  for (const spec of COMMANDS) register(spec);

  // `help [command]` as a command of its own, in place of commander's implicit one, which looks
  // the name up only among the other commands: `help help` showed the whole help as an error.
  const helpCommand: Command = program
    .command('help')
    .argument('[command]', 'the command to show help for')
    .description('display help for command')
    .addHelpText('after', () => examples(['{cmd} help run']))
    .action((name: string | undefined) => {
      const target = name === undefined ? program : name === 'help' ? helpCommand : program.commands.find((c) => c.name() === name);
      // Not a command: the help as an error, as commander's did (main.ts then says so).
      if (!target) program.help({ error: true });
      else target.help();
    });
  takeProgramOptions(helpCommand, program);
  return program;
}

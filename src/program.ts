// The command tree. Each action imports its command only when it runs, so `--help` and
// `--version` load nothing heavy.
import { Command, Option } from 'commander';
import { CHECK_OPTIONS, GLOBAL_OPTIONS, HOT_COMMANDS, parseCheckFlags, type ContextFactory, type GlobalOptions, type OptionSpec, type RawOptions } from './fast-lane.js';

export type { ContextFactory, GlobalOptions } from './fast-lane.js';

/** What a command's action resolves to: its exit code. */
export type Run = (code: number) => void;

const EXIT_CODES_HELP = `
Exit codes:
  0    success (verify: the key works; a rate-limited key works too)
  1    unexpected error (a bug: please report it)
  2    usage error: bad flag or value, no key given, or a prompt needed without a terminal
  3    the key is malformed or was rejected (wrong, revoked, deleted)
  4    the key works but cannot spend: no credits, billing inactive, a spend limit reached
  5    forbidden: region, organization/project, admin key, restricted key
  6    network, timeout, proxy, TLS, server error or a non-JSON answer
  7    the keychain (or the --insecure-storage file) could not be used
  130  cancelled (Ctrl-C / Ctrl-D); finished stages stay done`;

// Flags arrive here as raw strings; zod validates them in the action (options.ts is loaded only
// then), so that `--help` never pays for it. The options of the wizard, status and verify come
// from fast-lane.ts, which parses their plain forms without commander.
function withOptions(command: Command, options: OptionSpec[]): Command {
  for (const option of options) command.option(option.flags, option.description);
  return command;
}

const BILLING_CHOICES = ['auto-reload', 'prepaid', 'monthly'] as const;

export function buildProgram(version: string, makeContext: ContextFactory, done: Run): Command {
  const program = new Command('openai-setup')
    .description('From an OpenAI account to a working, safely stored API key: log in, add a card, choose billing, create a key, check it live.')
    .version(version, '-V, --version')
    .exitOverride()
    .showSuggestionAfterError()
    .configureHelp({ sortSubcommands: false })
    .addHelpText('after', EXIT_CODES_HELP);
  withOptions(program, GLOBAL_OPTIONS);

  const context = async (command: Command) => makeContext(command.optsWithGlobals() as GlobalOptions);
  const globalsOf = (command: Command) => command.optsWithGlobals() as GlobalOptions;
  const profileOf = (command: Command) => (command.optsWithGlobals() as GlobalOptions).profile;

  withOptions(
    program.command('setup', { isDefault: true }).description('the whole wizard: log in, payment, billing, key, then a live check (the default command)'),
    HOT_COMMANDS.setup.options,
  )
    .argument('[command]')
    .action(async (unknown: string | undefined, opts: RawOptions, command: Command) => {
      // As the default command, setup receives any word that is not a command.
      if (unknown !== undefined) {
        const names = program.commands.map((c) => c.name()).join(', ');
        program.error(`error: unknown command '${unknown}' (commands: ${names})`);
      }
      done(await HOT_COMMANDS.setup.run(opts, globalsOf(command), makeContext));
    });

  for (const [name, description] of [
    ['login', 'stage 1: sign in to the API platform (your ChatGPT account works)'],
    ['payment', 'stage 2: add a payment method'],
  ] as const) {
    program
      .command(name)
      .description(description)
      .option('--done', 'mark the stage done without asking (for scripts)')
      .action(async (opts, command: Command) => {
        const stage = await import('./commands/stage.js');
        const run = name === 'login' ? stage.runLogin : stage.runPayment;
        done(await run(await context(command), { profile: profileOf(command), done: Boolean(opts.done) }));
      });
  }

  program
    .command('billing')
    .description('stage 3: prepaid credits or pay-as-you-go (credits with auto-reload), and a monthly budget')
    .addOption(new Option('--choice <choice>', 'how you pay, without asking').choices(BILLING_CHOICES))
    .option('--done', 'mark the stage done without asking (for scripts)')
    .action(async (opts, command: Command) => {
      const { runBilling } = await import('./commands/stage.js');
      done(await runBilling(await context(command), { profile: profileOf(command), done: Boolean(opts.done), choice: opts.choice }));
    });

  withOptions(
    program
      .command('key')
      .description('stage 4: paste a new secret key (hidden), check it live, store it in the OS keychain')
      .option('--stdin', 'read the key from standard input instead of a prompt')
      .option('--insecure-storage', 'store the key in a plain-text file (mode 0600) instead of the keychain')
      .option('--no-verify', 'store the key without the live check'),
    CHECK_OPTIONS,
  ).action(async (opts, command: Command) => {
    const { runKey } = await import('./commands/stage.js');
    done(
      await runKey(await context(command), {
        profile: profileOf(command),
        stdin: Boolean(opts.stdin),
        insecureStorage: Boolean(opts.insecureStorage),
        verify: opts.verify !== false,
        check: await parseCheckFlags(opts),
      }),
    );
  });

  withOptions(
    program.command('verify').description('check a key with a live call and say exactly what is wrong (exit codes below; --json for CI)'),
    HOT_COMMANDS.verify.options,
  )
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (opts: RawOptions, command: Command) => {
      done(await HOT_COMMANDS.verify.run(opts, globalsOf(command), makeContext));
    });

  withOptions(program.command('status').description('each stage done or pending, where the key is stored, and the last check'), HOT_COMMANDS.status.options).action(
    async (opts: RawOptions, command: Command) => {
      done(await HOT_COMMANDS.status.run(opts, globalsOf(command), makeContext));
    },
  );

  program
    .command('logout')
    .description('remove the stored key from this machine (it still works until revoked on the platform)')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (opts, command: Command) => {
      const { runLogout } = await import('./commands/logout.js');
      done(await runLogout(await context(command), { profile: profileOf(command), yes: Boolean(opts.yes) }));
    });

  // ---- beyond setup (issue 5) ----
  program
    .command('profiles')
    .description('list the profiles: masked key, organization/project at the last check, which is the default')
    .option('--json', 'print one JSON object on stdout')
    .option('--names', 'print only the names, one a line (for scripts and shell completion)')
    .action(async (opts, command: Command) => {
      const { runProfiles } = await import('./commands/profiles.js');
      done(await runProfiles(await context(command), { json: Boolean(opts.json), names: Boolean(opts.names) }));
    });

  program
    .command('use')
    .description('make a profile the default (each profile has its own keychain entry)')
    .argument('<profile>', 'the profile name')
    .action(async (name: string, _opts, command: Command) => {
      const { runUse } = await import('./commands/profiles.js');
      done(await runUse(await context(command), { name }));
    });

  program
    .command('run')
    .description("run a command with OPENAI_API_KEY (and the profile's organization, project, base URL) in its environment only")
    .argument('<command...>', 'the command and its arguments, after --')
    .usage('[--profile NAME] -- <command> [args...]')
    .showHelpAfterError('(put -- before the command: openai-setup run -- node app.js --flag)')
    .addHelpText(
      'after',
      `
The command gets OPENAI_API_KEY (the stored key), the profile's OPENAI_ORG_ID, OPENAI_PROJECT_ID and
OPENAI_BASE_URL when set, and OPENAI_SETUP_RUN=<profile>; a run inside a run of another profile is refused.
Its exit code is ours: 128 + N when signal N ended it, 127 when it was not found.`,
    )
    .action(async (argv: string[], _opts, command: Command) => {
      const { runRun } = await import('./commands/run.js');
      done(await runRun(await context(command), { profile: profileOf(command), command: argv }));
    });

  program
    .command('token')
    .description('print the stored key and a newline, for export OPENAI_API_KEY="$(openai-setup token)"')
    .option('-y, --yes', 'print it on a terminal without asking')
    .action(async (opts, command: Command) => {
      const { runToken } = await import('./commands/token.js');
      done(await runToken(await context(command), { profile: profileOf(command), yes: Boolean(opts.yes) }));
    });

  program
    .command('env')
    .description("write or update OPENAI_API_KEY= in a project's .env file, refusing files git would commit")
    .option('--file <path>', 'the file to write (default: .env)')
    .option('--gitignore', 'add the file to .gitignore when it is not ignored, without asking')
    .option('--force', 'write even when git tracks the file or .gitignore does not cover it')
    .action(async (opts, command: Command) => {
      const { runEnv } = await import('./commands/env.js');
      done(await runEnv(await context(command), { profile: profileOf(command), file: opts.file, force: Boolean(opts.force), gitignore: Boolean(opts.gitignore) }));
    });

  program
    .command('open')
    .description('open a platform page by name (keys, billing, usage, limits, ...); without one, a menu')
    .argument('[page]', 'the page name')
    .action(async (page: string | undefined, _opts, command: Command) => {
      const { runOpen } = await import('./commands/open.js');
      done(await runOpen(await context(command), { page }));
    });

  program
    .command('doctor')
    .description('check what commonly breaks (Node, keychain, variables, proxy, CA, the API) and say what to do')
    .option('--json', 'print one JSON object on stdout')
    .addHelpText(
      'after',
      `
Exit code: 0 when everything needed works; else the live check's (3-6) when it failed, else the first
failed check's: 2 no key, 6 network, proxy or CA file, 7 keychain, 1 Node.js too old.`,
    )
    .action(async (opts, command: Command) => {
      const { runDoctor } = await import('./commands/doctor.js');
      done(await runDoctor(await context(command), { profile: profileOf(command), json: Boolean(opts.json) }));
    });

  program
    .command('completion')
    .description('print a completion script for bash, zsh or fish')
    .argument('<shell>', 'bash, zsh or fish')
    .action(async (shell: string, _opts, command: Command) => {
      const { runCompletion } = await import('./commands/completion.js');
      done(await runCompletion(await context(command), { shell, program }));
    });
  // ---- end beyond setup ----

  return program;
}

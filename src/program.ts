// The command tree. Each action imports its command only when it runs, so `--help` and
// `--version` load nothing heavy.
import { Command, Option } from 'commander';
import type { Context } from './context.js';

export interface GlobalOptions {
  profile?: string;
  browser: boolean;
}

export type ContextFactory = (globals: GlobalOptions) => Promise<Context>;

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
// then), so that `--help` never pays for it.
function checkOptions(command: Command): Command {
  return command
    .option('--base-url <url>', 'API base URL (default: OPENAI_BASE_URL, else https://api.openai.com/v1)')
    .option('--model <model>', 'model for the 1-token billing check (default: gpt-4o-mini)')
    .option('--timeout <ms>', 'bound for the whole live check, in milliseconds (default: 15000)');
}

interface RawCheckFlags {
  baseUrl?: string;
  model?: string;
  timeout?: string;
}

async function parseCheckFlags(opts: RawCheckFlags) {
  const { parseFlag, HttpUrlSchema, ModelSchema, TimeoutSchema } = await import('./options.js');
  return {
    baseURL: opts.baseUrl === undefined ? undefined : parseFlag('--base-url', HttpUrlSchema, opts.baseUrl),
    model: opts.model === undefined ? undefined : parseFlag('--model', ModelSchema, opts.model),
    timeoutMs: opts.timeout === undefined ? undefined : parseFlag('--timeout', TimeoutSchema, opts.timeout),
  };
}

const BILLING_CHOICES = ['auto-reload', 'prepaid', 'monthly'] as const;

export function buildProgram(version: string, makeContext: ContextFactory, done: Run): Command {
  const program = new Command('openai-setup')
    .description('From an OpenAI account to a working, safely stored API key: log in, add a card, choose billing, create a key, check it live.')
    .version(version, '-V, --version')
    .option('-p, --profile <name>', 'profile to use (default: OPENAI_SETUP_PROFILE, or the one chosen with `use`)')
    .option('--no-browser', 'print page URLs without opening a browser')
    .exitOverride()
    .showSuggestionAfterError()
    .configureHelp({ sortSubcommands: false })
    .addHelpText('after', EXIT_CODES_HELP);

  const context = async (command: Command) => makeContext(command.optsWithGlobals() as GlobalOptions);
  const profileOf = (command: Command) => (command.optsWithGlobals() as GlobalOptions).profile;

  program
    .command('setup', { isDefault: true })
    .description('the whole wizard: log in, payment, billing, key, then a live check (the default command)')
    .option('--restart', 'walk all four stages again, even those already done')
    .option('--insecure-storage', 'store the key in a plain-text file (mode 0600) instead of the keychain')
    .argument('[command]')
    .action(async (unknown: string | undefined, opts, command: Command) => {
      // As the default command, setup receives any word that is not a command.
      if (unknown !== undefined) {
        const names = program.commands.map((c) => c.name()).join(', ');
        program.error(`error: unknown command '${unknown}' (commands: ${names})`);
      }
      const { runSetup } = await import('./commands/setup.js');
      done(await runSetup(await context(command), { profile: profileOf(command), restart: Boolean(opts.restart), insecureStorage: Boolean(opts.insecureStorage) }));
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

  checkOptions(
    program
      .command('key')
      .description('stage 4: paste a new secret key (hidden), check it live, store it in the OS keychain')
      .option('--stdin', 'read the key from standard input instead of a prompt')
      .option('--insecure-storage', 'store the key in a plain-text file (mode 0600) instead of the keychain')
      .option('--no-verify', 'store the key without the live check'),
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

  checkOptions(
    program
      .command('verify')
      .description('check a key with a live call and say exactly what is wrong (exit codes below; --json for CI)')
      .option('-k, --key <key>', 'the key to check; "-" reads it from standard input (default: OPENAI_API_KEY, then the stored key)')
      .option('--json', 'print one JSON object on stdout')
      .option('-q, --quiet', 'print nothing; only the exit code tells')
      .option('--no-billing-check', 'skip the 1-token test request (then nothing billable is sent)'),
  )
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (opts, command: Command) => {
      const { runVerify } = await import('./commands/verify.js');
      const ctx = await context(command);
      done(
        await runVerify(ctx, {
          key: opts.key,
          profile: profileOf(command),
          json: Boolean(opts.json),
          quiet: Boolean(opts.quiet),
          ...(await parseCheckFlags(opts)),
          billingCheck: opts.billingCheck !== false,
        }),
      );
    });

  program
    .command('status')
    .description('each stage done or pending, where the key is stored, and the last check')
    .option('--json', 'print one JSON object on stdout')
    .action(async (opts, command: Command) => {
      const { runStatus } = await import('./commands/status.js');
      done(await runStatus(await context(command), { profile: profileOf(command), json: Boolean(opts.json) }));
    });

  program
    .command('logout')
    .description('remove the stored key from this machine (it still works until revoked on the platform)')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (opts, command: Command) => {
      const { runLogout } = await import('./commands/logout.js');
      done(await runLogout(await context(command), { profile: profileOf(command), yes: Boolean(opts.yes) }));
    });

  return program;
}

// The one table of commands: name, description, arguments, options, the module that runs it
// (loaded only when it runs) and how the parsed command line becomes that module's options.
// program.ts registers every row with commander; `--help` and completion read them from there.
import type { Command } from 'commander';
import type { Context, GlobalOptions } from '../context.js';
import { EXIT } from '../errors.js';
import { FISH_COMPLETION_INSTALL, PageNameSchema, parseCheckFlags, parseFlag, ShellSchema, type BaseUrlUse } from '../options.js';
import { BudgetFlagSchema, MonthFlagSchema, ProjectIdSchema } from '../storage/admin-state.js';
import { BillingChoiceSchema, ProfileNameSchema } from '../storage/state.js';
import { DEFAULT_MODEL, DEFAULT_TIMEOUT_MS, OFFICIAL_API_BASE_URL } from '../platform.js';

export interface OptionSpec {
  /** As commander spells it: `-k, --key <key>`, `--json`, `--no-billing-check`. */
  flags: string;
  description: string;
  /** The only values accepted (commander checks them, completion offers them). */
  choices?: readonly string[];
}

export interface ArgumentSpec {
  /** As commander spells it: `<page>`, `[page]`, `<command...>`. */
  name: string;
  description: string;
}

/** What commander parsed, handed to a row's `parse`. */
export interface CommandLine {
  args: unknown[];
  /** The command's own options, by commander's camelCase names (`--no-x` is `x: false`). */
  opts: Record<string, unknown>;
  globals: GlobalOptions;
  program: Command;
}

/**
 * An example that sets the variable `capture` to what `of` prints: a line of each shell's own
 * (`NAME="$(…)"; export NAME` is an error in fish and tcsh), written for the person's shell
 * (SHELL) when the help is shown (program.ts).
 */
export interface CaptureExample {
  capture: string;
  of: string;
}

export interface CommandSpec<Options = never> {
  name: string;
  description: string;
  /** Runs when no command is named. */
  isDefault?: boolean;
  arguments?: ArgumentSpec[];
  options?: OptionSpec[];
  usage?: string;
  /** Command lines shown under "Examples:" in `--help`; `{cmd}` is the tool as it was started. */
  examples: Array<string | CaptureExample>;
  /**
   * Printed after the options in `--help`, wrapped to the help width. `{cmd}` is the tool as it
   * was started; a command to type goes in backticks, so that it is never broken across lines.
   */
  helpAfter?: string;
  /**
   * Everything after the first operand is an operand too, flags included: the command's own
   * options (and the program's) come before it. For `run`, whose operands are another command.
   */
  passThrough?: true;
  /** Printed after a usage error of this command (`{cmd}` and backticks as in helpAfter). */
  helpAfterError?: string;
  /**
   * False for a command that never reads or writes the config dir: it runs where none can be had
   * (a HOME with a line break in it), which every other command refuses before doing anything.
   */
  usesConfigDir?: false;
  /**
   * What the command does with OPENAI_BASE_URL, for one that is no URL. `sends`: it sends requests
   * there (the wizard, key, verify, spend, rotate): refused before anything else, as any bad
   * variable. `checks`: it says so as a failed check of its own (doctor). Unset: refused only where
   * a command reads it (ctx.env.OPENAI_BASE_URL: parseEnv), so that those which never do go on.
   */
  baseUrl?: BaseUrlUse;
  /**
   * Whether helpAfterError is the fix for this error (without it: always). `code`: commander's
   * error code; `args`: the words commander kept for the command, its operands first, then the
   * first unknown option and all after it; `typed`: every word after the tool's name.
   */
  helpAfterErrorWhen?(error: { code: string; args: readonly string[]; typed: readonly string[] }): boolean;
  load(): Promise<{ run(ctx: Context, options: Options): Promise<number> }>;
  /** The module's options from the command line (zod checks values here; a bad one is a usage error). */
  parse(line: CommandLine): Options | Promise<Options>;
}

/** A row, with its option type checked against its module's run(). */
const command = <Options>(spec: CommandSpec<Options>): CommandSpec<unknown> => spec as unknown as CommandSpec<unknown>;

export const GLOBAL_OPTIONS: OptionSpec[] = [
  { flags: '-p, --profile <name>', description: 'profile to use (default: OPENAI_SETUP_PROFILE, or the one chosen with `use`)' },
  { flags: '--no-browser', description: 'print page URLs without opening a browser' },
];

/** Each exit code (errors.ts EXIT) in --help's words: by its name, so a code of the table cannot be left out or misnumbered. */
const EXIT_WORDS: Record<keyof typeof EXIT, string> = {
  ok: 'success (verify: the key works; a rate-limited key works too)',
  internal: 'unexpected error (a bug: please report it), or standard output could not be written',
  usage: 'usage error: bad flag or value, no key given, or a prompt needed without a terminal',
  keyRejected: 'the key is malformed or was rejected (wrong, revoked, deleted)',
  noQuota: 'the key works but cannot spend: no credits, billing inactive, a spend limit reached',
  forbidden: 'forbidden: region, organization/project, admin key, restricted key',
  network: 'network, timeout, proxy, TLS, server error or a non-JSON answer',
  keyStore: 'the keychain (or the --insecure-storage file) could not be used',
  plaintext: 'import: a plaintext copy of an OpenAI key is left where import looks',
  cancelled: 'cancelled (Ctrl-C / Ctrl-D); finished stages stay done',
};

export const EXIT_CODES_HELP = `
Exit codes:
${Object.entries(EXIT)
  .map(([name, code]) => `  ${String(code).padEnd(5)}${EXIT_WORDS[name as keyof typeof EXIT]}`)
  .join('\n')}`;

const JSON_OUTPUT: OptionSpec = { flags: '--json', description: 'print one JSON object on stdout' };
const DONE: OptionSpec = { flags: '--done', description: 'mark the stage done without asking (for scripts)' };
const YES: OptionSpec = { flags: '-y, --yes', description: 'do not ask for confirmation' };
const INSECURE_STORAGE: OptionSpec = { flags: '--insecure-storage', description: 'store the key in a plain-text file (mode 0600) instead of the keychain' };
/** The live-check tuning shared by the wizard, `key` and `verify` (their advice names these flags). */
const CHECK_OPTIONS: OptionSpec[] = [
  { flags: '--base-url <url>', description: `API base URL (default: OPENAI_BASE_URL, else ${OFFICIAL_API_BASE_URL})` },
  { flags: '--model <model>', description: `model for the 1-token billing check (default: ${DEFAULT_MODEL})` },
  { flags: '--timeout <ms>', description: `bound for the whole live check, in milliseconds (default: ${DEFAULT_TIMEOUT_MS})` },
];

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const bool = (value: unknown): boolean => value === true;

export const COMMANDS: Array<CommandSpec<unknown>> = [
  command({
    name: 'setup',
    baseUrl: 'sends',
    examples: ['{cmd}', '{cmd} --profile work', '{cmd} setup --restart'],
    description: 'the whole wizard: log in, payment, billing, key, then a live check (the default command)',
    isDefault: true,
    options: [{ flags: '--restart', description: 'walk all four stages again, even those already done' }, INSECURE_STORAGE, ...CHECK_OPTIONS],
    load: () => import('./setup.js'),
    parse: ({ opts, globals }) => ({ profile: globals.profile, restart: bool(opts.restart), insecureStorage: bool(opts.insecureStorage), check: parseCheckFlags(opts) }),
  }),
  command({
    name: 'login',
    examples: ['{cmd} login', '{cmd} login --done'],
    description: 'stage 1: sign in to the API platform (your ChatGPT account works)',
    options: [DONE],
    load: () => import('./login.js'),
    parse: ({ opts, globals }) => ({ profile: globals.profile, done: bool(opts.done) }),
  }),
  command({
    name: 'payment',
    examples: ['{cmd} payment', '{cmd} payment --done'],
    description: 'stage 2: add a payment method',
    options: [DONE],
    load: () => import('./payment.js'),
    parse: ({ opts, globals }) => ({ profile: globals.profile, done: bool(opts.done) }),
  }),
  command({
    name: 'billing',
    examples: ['{cmd} billing', '{cmd} billing --choice prepaid --done'],
    description: 'stage 3: prepaid credits, by hand or with auto-reload, and a monthly budget',
    options: [{ flags: '--choice <choice>', description: 'how you pay, without asking', choices: BillingChoiceSchema.options }, DONE],
    load: () => import('./billing.js'),
    parse: ({ opts, globals }) => ({
      profile: globals.profile,
      done: bool(opts.done),
      choice: opts.choice === undefined ? undefined : parseFlag('--choice', BillingChoiceSchema, opts.choice),
    }),
  }),
  command({
    name: 'key',
    baseUrl: 'sends',
    examples: ['{cmd} key', 'printenv OPENAI_API_KEY | {cmd} key --stdin'],
    description: 'stage 4: paste a new secret key (hidden), check it live, store it in the OS keychain',
    options: [
      { flags: '--stdin', description: 'read the key from standard input instead of a prompt' },
      INSECURE_STORAGE,
      { flags: '--no-verify', description: 'store the key without the live check' },
      ...CHECK_OPTIONS,
    ],
    load: () => import('./key.js'),
    parse: ({ opts, globals }) => ({
      profile: globals.profile,
      stdin: bool(opts.stdin),
      insecureStorage: bool(opts.insecureStorage),
      verify: opts.verify !== false,
      check: parseCheckFlags(opts),
    }),
  }),
  command({
    name: 'verify',
    baseUrl: 'sends',
    examples: ['{cmd} verify', 'printenv OPENAI_API_KEY | {cmd} verify --key - --json'],
    description: 'check a key with a live call and say exactly what is wrong (exit codes below; --json for CI)',
    options: [
      { flags: '-k, --key <key>', description: 'the key to check; "-" reads it from standard input (default: OPENAI_API_KEY, then the stored key)' },
      JSON_OUTPUT,
      { flags: '-q, --quiet', description: 'print nothing when the key works but security warnings (on stderr); only the exit code tells' },
      { flags: '--no-billing-check', description: 'skip the 1-token test request (then nothing billable is sent)' },
      ...CHECK_OPTIONS,
    ],
    helpAfter: EXIT_CODES_HELP,
    load: () => import('./verify.js'),
    parse: ({ opts, globals }) => ({
      key: str(opts.key),
      profile: globals.profile,
      json: bool(opts.json),
      quiet: bool(opts.quiet),
      billingCheck: opts.billingCheck !== false,
      ...parseCheckFlags(opts),
    }),
  }),
  command({
    name: 'status',
    examples: ['{cmd} status', '{cmd} status --json'],
    description: 'each stage done or pending, where the key is stored, and the last check',
    options: [JSON_OUTPUT],
    load: () => import('./status.js'),
    parse: ({ opts, globals }) => ({ profile: globals.profile, json: bool(opts.json) }),
  }),
  command({
    name: 'logout',
    examples: ['{cmd} logout', '{cmd} logout --profile work --yes'],
    description: 'remove the stored key from this machine (it still works until revoked on the platform); a profile with nothing of it stored any more (no key, no admin key) is removed too, and no longer listed',
    options: [YES, { flags: '--admin', description: "remove the profile's admin key instead (see admin-key)" }],
    load: () => import('./logout.js'),
    parse: ({ opts, globals }) => ({ profile: globals.profile, yes: bool(opts.yes), admin: bool(opts.admin) }),
  }),
  command({
    name: 'profiles',
    examples: ['{cmd} profiles', '{cmd} profiles --json'],
    description: 'list the profiles: masked key, organization/project at the last check, which is the default',
    options: [JSON_OUTPUT, { flags: '--names', description: 'print only the names, one a line (for scripts and shell completion; not with --json)' }],
    load: () => import('./profiles.js'),
    parse: ({ opts }) => ({ json: bool(opts.json), names: bool(opts.names) }),
  }),
  command({
    name: 'use',
    examples: ['{cmd} use work'],
    description: 'make a profile the default (each profile has its own keychain entry)',
    arguments: [{ name: '<profile>', description: 'the profile name' }],
    load: () => import('./use.js'),
    parse: ({ args }) => ({ name: parseFlag('profile name', ProfileNameSchema, args[0]) }),
  }),
  command({
    name: 'run',
    examples: ['{cmd} run -- python app.py', '{cmd} run --profile work -- node app.js'],
    description: "run a command with the profile's key as OPENAI_API_KEY, in its environment only",
    arguments: [{ name: '<command...>', description: 'the command and its arguments, after -- (each word after its name is its own, flags too)' }],
    usage: '[--profile NAME] -- <command> [args...]',
    // All after the command's name is the command's (`run python3 -V`), never read as our flags.
    passThrough: true,
    helpAfterError: '(put -- before the command: `{cmd} run -- node app.js --flag`)',
    // Not after `run --profil work -- true`: a `--` was given, and the unknown option is a typo
    // of ours (one after the command's name is the command's: passThrough).
    helpAfterErrorWhen: ({ typed }) => !typed.includes('--'),
    helpAfter: `
Every word after the command's name is the command's, flags too (\`{cmd} run python3 -V\` prints Python's version); our own options, like --profile, come before it.

The command gets OPENAI_API_KEY (the profile's stored key) and OPENAI_SETUP_RUN=<profile>. OPENAI_ORG_ID and OPENAI_PROJECT_ID from your shell are not passed on (they may belong to another key: you are told); OPENAI_BASE_URL passes through as it is. A run inside a run of another profile is refused. Its exit code is ours: 128 + N when signal N ended it, 127 when it was not found, 126 when it cannot be run.`,
    load: () => import('./run.js'),
    parse: ({ args, globals }) => ({ profile: globals.profile, command: (args[0] as string[] | undefined) ?? [] }),
  }),
  command({
    name: 'token',
    examples: [{ capture: 'OPENAI_API_KEY', of: '{cmd} token' }],
    description: 'print the stored key and a newline, for scripts and $(…)',
    options: [{ flags: '-y, --yes', description: 'print it on a terminal without asking' }],
    load: () => import('./token.js'),
    parse: ({ opts, globals }) => ({ profile: globals.profile, yes: bool(opts.yes) }),
  }),
  command({
    name: 'env',
    examples: ['{cmd} env', '{cmd} env --file .env.local --gitignore'],
    description: "write or update OPENAI_API_KEY= in a project's .env file, refusing files git would commit",
    options: [
      { flags: '--file <path>', description: 'the file to write (default: .env)' },
      { flags: '--gitignore', description: 'add the file to .gitignore when it is not ignored, without asking' },
      { flags: '--force', description: 'write even when git tracks the file or .gitignore does not cover it' },
    ],
    load: () => import('./env.js'),
    parse: ({ opts, globals }) => ({ profile: globals.profile, file: str(opts.file), force: bool(opts.force), gitignore: bool(opts.gitignore) }),
  }),
  command({
    name: 'import',
    examples: ['{cmd} import', '{cmd} import --json', '{cmd} import --store ~/.zshrc:12 --rewrite --yes'],
    description: 'find OpenAI keys kept in plain text (shell startup files, other tools, .env files) and move them into the keychain',
    options: [
      { flags: '--check', description: 'check each key found with a live call (nothing billable)' },
      JSON_OUTPUT,
      { flags: '--store <path:line>', description: 'store the key found there for the profile, without a terminal (with --yes)' },
      { flags: '--rewrite', description: 'with --store: also replace that plaintext line (a .env line is removed)' },
      { flags: '-y, --yes', description: 'do not ask (with --store)' },
    ],
    helpAfter: `
Looks in: ~/.bashrc ~/.bash_profile ~/.profile ~/.zshrc ~/.zprofile ~/.zshenv, fish's config.fish, conf.d/*.fish and fish_variables, the PowerShell profile, Codex's auth.json, llm's keys.json, shell-gpt's .sgptrc, fabric's .env, Continue's config, aider's .aider.conf.yml, and .env, .env.local, .envrc in this directory and its git root. Other tools' files are never edited. Exit code: 0 when no plaintext copy of an OpenAI key is left there, 8 when one is.`,
    load: () => import('./import.js'),
    parse: ({ opts, globals }) => ({
      profile: globals.profile,
      check: bool(opts.check),
      json: bool(opts.json),
      store: str(opts.store),
      rewrite: bool(opts.rewrite),
      yes: bool(opts.yes),
    }),
  }),
  command({
    name: 'admin-key',
    examples: ['{cmd} admin-key', 'printenv OPENAI_ADMIN_KEY | {cmd} admin-key --stdin'],
    description: 'store an organization admin key (sk-admin-…) next to the key, checked live; rotate and spend need it',
    options: [
      { flags: '--stdin', description: 'read the admin key from standard input instead of a prompt' },
      INSECURE_STORAGE,
      { flags: '--no-verify', description: "store it without the live check (listing one project, reading today's costs)" },
      JSON_OUTPUT,
    ],
    helpAfter: `
OPENAI_ADMIN_KEY, when set, is used by rotate and spend instead of the stored admin key (as the SDKs read it). Remove the stored one with \`{cmd} logout --admin\`.`,
    load: () => import('./admin-key.js'),
    parse: ({ opts, globals }) => ({
      profile: globals.profile,
      stdin: bool(opts.stdin),
      insecureStorage: bool(opts.insecureStorage),
      verify: opts.verify !== false,
      json: bool(opts.json),
    }),
  }),
  command({
    name: 'rotate',
    baseUrl: 'sends',
    examples: ['{cmd} rotate', '{cmd} rotate --project proj_abc123 --keep-old'],
    description: "replace the profile's key without downtime: a new service-account key, checked and stored, then the old key revoked; needs an admin key",
    options: [
      { flags: '--project <id>', description: "the project to rotate in (default: the key's project, from its last check)" },
      { flags: '--keep-old', description: 'leave the old key live (revoke it yourself later)' },
      { flags: '-y, --yes', description: 'do not ask: rotate, and delete the old key once found' },
      JSON_OUTPUT,
    ],
    helpAfter: `
Nothing is lost on a failure: the old key is revoked only once the new one is checked and stored. Programs already running with the old key (started with \`{cmd} run\` before the rotation, or given it otherwise) lose access when it is revoked and must be restarted; --keep-old leaves it live until you revoke it. Exit code: 0 once the new key is stored (the old one revoked, kept with --keep-old, or its page named when it could not be found or is a user key, which no project's key list holds); 2 without an admin key, or without a key and --project; otherwise the failed step's (3-7), and the message says where things stand.`,
    load: () => import('./rotate.js'),
    parse: ({ opts, globals }) => ({
      profile: globals.profile,
      project: opts.project === undefined ? undefined : parseFlag('--project', ProjectIdSchema, opts.project),
      keepOld: bool(opts.keepOld),
      yes: bool(opts.yes),
      json: bool(opts.json),
    }),
  }),
  command({
    name: 'spend',
    baseUrl: 'sends',
    examples: ['{cmd} spend', '{cmd} spend --budget 20', '{cmd} spend --month 2026-11 --json'],
    description: "what this month has cost (per project, a bar per day) and a monthly budget; needs an admin key",
    options: [
      { flags: '--month <YYYY-MM>', description: 'another month (default: this one, UTC)' },
      { flags: '--budget <dollars>', description: 'remember a monthly budget for the profile ("off" forgets it): a warning at 80%, exit 4 at 100%' },
      JSON_OUTPUT,
    ],
    helpAfter: `
Exit code: 0; 4 when the month's cost has reached the budget; 2 without an admin key (see admin-key) or for a month to come; 3, 5 or 6 when the Admin API refused the key or could not be reached; 7 when the admin key's keychain cannot be used. Costs can lag by up to a day.`,
    load: () => import('./spend.js'),
    parse: ({ opts, globals }) => ({
      profile: globals.profile,
      json: bool(opts.json),
      month: opts.month === undefined ? undefined : parseFlag('--month', MonthFlagSchema, opts.month),
      budget: opts.budget === undefined ? undefined : parseFlag('--budget', BudgetFlagSchema, opts.budget),
    }),
  }),
  command({
    name: 'open',
    examples: ['{cmd} open keys', '{cmd} open'],
    description: 'open a platform page by name (keys, billing, usage, limits, ...); without one, a menu',
    arguments: [{ name: '[page]', description: 'the page name' }],
    usesConfigDir: false,
    load: () => import('./open.js'),
    parse: ({ args }) => ({ page: args[0] === undefined ? undefined : parseFlag('open', PageNameSchema, args[0]) }),
  }),
  command({
    name: 'doctor',
    examples: ['{cmd} doctor', '{cmd} doctor --json'],
    description: 'check what commonly breaks (Node, keychain, variables, proxy, CA, the API) and say what to do',
    options: [JSON_OUTPUT],
    helpAfter: `
Exit code: 0 when everything needed works; else the live check's (3-6) when it failed, else the first failed check's: 2 no key, 3 a stored value that is not a key, 6 network, proxy or CA file, 7 keychain, 1 Node.js too old.`,
    baseUrl: 'checks',
    load: () => import('./doctor.js'),
    parse: ({ opts, globals }) => ({ profile: globals.profile, json: bool(opts.json) }),
  }),
  command({
    name: 'completion',
    // As the README and each script's header say it: bash and zsh load the script this version
    // prints each time (a copy appended to ~/.bashrc would go stale, and double on a second run).
    // The installed command, never `{cmd}`: the scripts complete `openai-setup` only, and a shell
    // start running npx (an install, a tarball's on every run) would warn that none is installed.
    examples: [
      'source <(openai-setup completion bash)  # in ~/.bashrc',
      'source <(openai-setup completion zsh)  # in ~/.zshrc, after compinit',
      FISH_COMPLETION_INSTALL,
    ],
    description: 'print a completion script for bash, zsh or fish',
    arguments: [{ name: '<shell>', description: 'bash, zsh or fish' }],
    usesConfigDir: false,
    load: () => import('./completion.js'),
    parse: ({ args, program }) => ({ shell: parseFlag('completion', ShellSchema, args[0]), program }),
  }),
];

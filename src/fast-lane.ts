// The commands people sit and wait for (the wizard, `status`, `verify`) and the plain forms of
// their flags are parsed with node:util's parseArgs, from the same option table that program.ts
// gives commander. Anything else (help, a typo, an unknown flag, `--`, options before the command)
// goes to commander, which owns help and usage errors. Commander and the command tree cost ~4 ms
// of start-up, a third of what `status` may spend in all (issue 6).
import { parseArgs } from 'node:util';
import type { Context } from './context.js';

export interface GlobalOptions {
  profile?: string;
  browser: boolean;
}

export type ContextFactory = (globals: GlobalOptions) => Promise<Context>;

/** An option as commander spells it: `-k, --key <key>`, `--json`, `--no-billing-check`. */
export interface OptionSpec {
  flags: string;
  description: string;
}

export const GLOBAL_OPTIONS: OptionSpec[] = [
  { flags: '-p, --profile <name>', description: 'profile to use (default: OPENAI_SETUP_PROFILE, or the one chosen with `use`)' },
  { flags: '--no-browser', description: 'print page URLs without opening a browser' },
];

/** The live-check tuning shared by `key` and `verify`; zod checks the values in the action. */
export const CHECK_OPTIONS: OptionSpec[] = [
  { flags: '--base-url <url>', description: 'API base URL (default: OPENAI_BASE_URL, else https://api.openai.com/v1)' },
  { flags: '--model <model>', description: 'model for the 1-token billing check (default: gpt-4o-mini)' },
  { flags: '--timeout <ms>', description: 'bound for the whole live check, in milliseconds (default: 15000)' },
];

const INSECURE_STORAGE: OptionSpec = {
  flags: '--insecure-storage',
  description: 'store the key in a plain-text file (mode 0600) instead of the keychain',
};
const JSON_OUTPUT: OptionSpec = { flags: '--json', description: 'print one JSON object on stdout' };

/** Options as commander hands them to an action: camelCase names, `--no-x` as `x: false`. */
export type RawOptions = Record<string, string | boolean | undefined>;

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export async function parseCheckFlags(opts: RawOptions) {
  const { parseFlag, HttpUrlSchema, ModelSchema, TimeoutSchema } = await import('./options.js');
  const baseUrl = str(opts.baseUrl);
  const model = str(opts.model);
  const timeout = str(opts.timeout);
  return {
    baseURL: baseUrl === undefined ? undefined : parseFlag('--base-url', HttpUrlSchema, baseUrl),
    model: model === undefined ? undefined : parseFlag('--model', ModelSchema, model),
    timeoutMs: timeout === undefined ? undefined : parseFlag('--timeout', TimeoutSchema, timeout),
  };
}

interface HotCommand {
  options: OptionSpec[];
  run(opts: RawOptions, globals: GlobalOptions, makeContext: ContextFactory): Promise<number>;
}

export const HOT_COMMANDS = {
  setup: {
    options: [{ flags: '--restart', description: 'walk all four stages again, even those already done' }, INSECURE_STORAGE],
    async run(opts, globals, makeContext) {
      const { runSetup } = await import('./commands/setup.js');
      return runSetup(await makeContext(globals), { profile: globals.profile, restart: Boolean(opts.restart), insecureStorage: Boolean(opts.insecureStorage) });
    },
  },
  status: {
    options: [JSON_OUTPUT],
    async run(opts, globals, makeContext) {
      const { runStatus } = await import('./commands/status.js');
      return runStatus(await makeContext(globals), { profile: globals.profile, json: Boolean(opts.json) });
    },
  },
  verify: {
    options: [
      { flags: '-k, --key <key>', description: 'the key to check; "-" reads it from standard input (default: OPENAI_API_KEY, then the stored key)' },
      JSON_OUTPUT,
      { flags: '-q, --quiet', description: 'print nothing; only the exit code tells' },
      { flags: '--no-billing-check', description: 'skip the 1-token test request (then nothing billable is sent)' },
      ...CHECK_OPTIONS,
    ],
    async run(opts, globals, makeContext) {
      const { runVerify } = await import('./commands/verify.js');
      const ctx = await makeContext(globals);
      return runVerify(ctx, {
        key: str(opts.key),
        profile: globals.profile,
        json: Boolean(opts.json),
        quiet: Boolean(opts.quiet),
        ...(await parseCheckFlags(opts)),
        billingCheck: opts.billingCheck !== false,
      });
    },
  },
} satisfies Record<string, HotCommand>;

export type HotCommandName = keyof typeof HOT_COMMANDS;

const isHotCommand = (name: string): name is HotCommandName => Object.hasOwn(HOT_COMMANDS, name);

interface ParsedFlag {
  /** The parseArgs name: the long flag as typed, `no-browser` included. */
  name: string;
  short?: string;
  takesValue: boolean;
  /** The name commander gives the value: `baseUrl`, and `browser` for `--no-browser`. */
  key: string;
  negated: boolean;
}

function parseFlagSpec(flags: string): ParsedFlag {
  const match = /^(?:-(\w), )?--([\w-]+)( <[^>]+>)?$/.exec(flags);
  if (!match) throw new Error(`unsupported option spec: ${flags}`);
  const [, short, name, value] = match as unknown as [string, string | undefined, string, string | undefined];
  const negated = name.startsWith('no-');
  const key = (negated ? name.slice(3) : name).replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
  return { name, short, takesValue: Boolean(value), key, negated };
}

export interface FastRoute {
  command: HotCommandName;
  opts: RawOptions;
  globals: GlobalOptions;
}

/**
 * `openai-setup`, `setup …`, `status …` and `verify …` with only their own and the global options,
 * in forms parseArgs and commander read alike; null sends the arguments to commander.
 */
export function fastRoute(args: readonly string[]): FastRoute | null {
  const command = args.length === 0 ? 'setup' : args[0]!;
  if (!isHotCommand(command)) return null;
  const specs = [...GLOBAL_OPTIONS, ...HOT_COMMANDS[command].options].map((o) => parseFlagSpec(o.flags));
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: args.slice(1),
      options: Object.fromEntries(specs.map((s) => [s.name, { type: s.takesValue ? ('string' as const) : ('boolean' as const), ...(s.short ? { short: s.short } : {}) }])),
      strict: true,
      allowPositionals: false,
    }));
  } catch {
    return null; // commander says what is wrong
  }
  const opts: RawOptions = {};
  for (const spec of specs) {
    const value = values[spec.name];
    if (value !== undefined) opts[spec.key] = spec.negated ? false : value;
  }
  const globals: GlobalOptions = { profile: str(opts.profile), browser: opts.browser !== false };
  delete opts.profile;
  delete opts.browser;
  return { command, opts, globals };
}

// The dependencies every command receives. main.ts builds the real ones; unit tests build their
// own (test/helpers/context.ts) with a scripted prompter and an API of their choosing.
import type { Api } from './api/types.js';
import { UsageError } from './errors.js';
import type { Interrupts } from './interrupts.js';
import type { ParsedEnv } from './options.js';
import type { KeyStore } from './storage/keystore.js';
import type { Notices } from './storage/notices.js';
import type { StateStore } from './storage/state.js';
import type { Browser } from './terminal/browser.js';
import type { Terminal } from './terminal/output.js';
import type { Prompter } from './terminal/prompter.js';

/** The options every command takes, before or after its name. */
export interface GlobalOptions {
  profile?: string;
  /** false with --no-browser. */
  browser: boolean;
}

export interface Context {
  term: Terminal;
  /** Prompts; without a terminal every question is a usage error naming `hint`. */
  prompter(hint: string): Prompter;
  browser: Browser;
  state: StateStore;
  keys: KeyStore;
  api: Api;
  env: ParsedEnv;
  /** The raw environment (proxy variables, SHELL, ...). */
  rawEnv: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  /**
   * The home directory the system records for the user (the passwd entry's; null when there is
   * none): the home with HOME unset (storage/home.ts homeOf), as for the config dir and the shells.
   */
  passwdHome(): string | null;
  /** The run's own notices (a relative XDG variable ignored): each said once, held back under verify --quiet. */
  notices: Notices;
  configDir: string;
  /**
   * The current directory; null when it no longer exists (removed while the shell was in it).
   * Commands that work in it (env, import) take it through currentDir(); the others run anyway.
   */
  cwd: string | null;
  /** The script this run was started as (process.argv[1]), to write commands as the person runs them. */
  binPath?: string;
  nodeVersion: string;
  /** The tool as the person started it (`openai-setup`, or `npx --yes openai-setup`): every command it recommends uses this. */
  commandName: string;
  /**
   * The profile a command typed without --profile acts on in this shell: OPENAI_SETUP_PROFILE,
   * else the default chosen with `use`. Learnt once per run by resolveProfileName (which reads
   * that choice anyway); advice leaves out --profile only for this profile (profileFlag), and
   * names it always while this is unknown.
   */
  bareProfile?: string;
  /** Reads all of standard input (for --stdin and --key -). */
  readStdin(): Promise<string>;
  clock: { now(): Date; ms(): number };
  /**
   * How long the search of an env file's git history may take in all (keyInHistory), in ms: `short`
   * for status, `long` for doctor, import and env --file. Unset: HISTORY_SEARCH_MS (tests shorten it).
   */
  historySearchMs?: { short: number; long: number };
  /** How long one git call about a file may take (gitRunner), in ms. Unset: GIT_TIMEOUT_MS (tests shorten it). */
  gitCallMs?: number;
  /** Signals: sections they wait for, undos they run before leaving (interrupts.ts). */
  interrupts: Interrupts;
}

/**
 * The current directory, for a command that works in it (env writes ./.env, import scans the
 * project): when it no longer exists, one line and exit 2.
 */
export function currentDir(ctx: Pick<Context, 'cwd'>): string {
  if (ctx.cwd !== null) return ctx.cwd;
  throw new UsageError('The current directory no longer exists (it was removed while your shell was still in it): cd to a directory that exists and run it again.');
}

/** What each run has done of what is done once a run (onceARun). */
const doneInRun = new WeakMap<Context, Set<string>>();

/**
 * What this run (one Context; each unit test builds its own) has done already of what is done once
 * a run, by name: a notice said once, whichever caller comes first. Each caller checks its name
 * and adds it once done.
 */
export function onceARun(ctx: Context): Set<string> {
  let done = doneInRun.get(ctx);
  if (!done) doneInRun.set(ctx, (done = new Set()));
  return done;
}

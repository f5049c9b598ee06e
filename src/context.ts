// The dependencies every command receives: terminal, prompter, browser, state, key store, env and
// clock. main.ts builds the real ones; tests build their own.
import type { Browser } from './browser.js';
import type { KeyStore } from './keystore.js';
import type { ParsedEnv } from './options.js';
import type { Prompter } from './prompter.js';
import type { StateStore } from './state.js';
import type { Terminal } from './terminal.js';

export interface Context {
  term: Terminal;
  /** Prompts; without a terminal every question is a usage error naming `hint`. */
  prompter(hint: string): Prompter;
  browser: Browser;
  state: StateStore;
  keys: KeyStore;
  env: ParsedEnv;
  /** The raw environment (proxy variables, SHELL, ...). */
  rawEnv: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  configDir: string;
  /** Reads all of standard input (for --stdin and --key -). */
  readStdin(): Promise<string>;
  clock: { now(): Date; ms(): number };
}

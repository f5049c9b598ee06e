// The real dependencies of a command: process streams, the OS keychain, the config dir, the
// browser and the clock. Loaded only when a command runs.
import { homedir } from 'node:os';
import { createBrowser } from './browser.js';
import type { Context } from './context.js';
import { UsageError } from './errors.js';
import { KeyStore, osKeychain } from './keystore.js';
import { parseEnv } from './options.js';
import type { GlobalOptions } from './program.js';
import { inquirerPrompter, nonInteractivePrompter } from './prompter.js';
import { resolveConfigDir, StateStore } from './state.js';
import type { Terminal } from './terminal.js';

async function readAllStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new UsageError('Standard input is a terminal, not a pipe.', [
      'Pipe the key in, e.g.:  printenv OPENAI_API_KEY | openai-setup key --stdin',
    ]);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

export function createContext(term: Terminal, globals: GlobalOptions, beforePrompt?: () => void): Context {
  const rawEnv = process.env;
  const env = parseEnv(rawEnv);
  const configDir = resolveConfigDir(rawEnv, process.platform, homedir());
  const warn = (message: string) => term.err(`${term.style.yellow('!')} ${message}`);
  return {
    term,
    prompter: (hint) => (term.interactive ? inquirerPrompter({ input: process.stdin, output: process.stdout, beforePrompt }) : nonInteractivePrompter(hint)),
    browser: createBrowser({ env: rawEnv, platform: process.platform, noBrowser: globals.browser === false }),
    state: new StateStore(configDir, () => new Date(), warn),
    keys: new KeyStore(osKeychain(process.platform), configDir, warn),
    env,
    rawEnv,
    platform: process.platform,
    configDir,
    readStdin: readAllStdin,
    clock: { now: () => new Date(), ms: () => performance.now() },
  };
}

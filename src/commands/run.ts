// `openai-setup run -- COMMAND ARGS...`: the command runs with the profile's key in its environment
// only (like aws-vault exec), so the key never touches disk or the shell history. Standard streams
// are shared, SIGINT/SIGTERM/SIGHUP are passed on, and the child's exit status becomes ours.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import * as z from 'zod/mini';
import type { Context } from '../context.js';
import { ExitError, UsageError } from '../errors.js';
import { maskKey } from '../keys/format.js';
import { parseFlag } from '../options.js';
import { requireStoredKey, resolveProfileName } from '../storage/profile-key.js';
import { ProfileNameSchema } from '../storage/state.js';
import { marks } from '../terminal/output.js';
import { sanitize, shownValue } from '../terminal/sanitize.js';

/** Set in the child's environment to the profile's name; a run inside a run checks it. */
export const RUN_MARKER = 'OPENAI_SETUP_RUN';

export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type ForwardedSignal = (typeof FORWARDED_SIGNALS)[number];

/** What `run` needs from the operating system, so that tests can stand in for it. */
export interface ProcessHost {
  spawn(file: string, args: string[], env: Record<string, string | undefined>): ChildProcess;
  /** Handle these signals with `handler` instead of the usual handlers until the returned function is called. */
  trapSignals(signals: readonly ForwardedSignal[], handler: (signal: ForwardedSignal) => void): () => void;
  /** Are we in our terminal's foreground process group? Then Ctrl-C signalled the child (in our group) too. */
  inTerminalForeground(): boolean;
}

export const nodeProcessHost: ProcessHost = {
  spawn: (file, args, env) => spawn(file, args, { stdio: 'inherit', env }),
  inTerminalForeground() {
    try {
      // /proc/self/stat: pid (comm) state ppid pgrp session tty_nr tpgid ...
      const stat = readFileSync('/proc/self/stat', 'utf8');
      const [, , pgrp, , , tpgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return pgrp === tpgid;
    } catch {
      // No /proc (macOS, Windows): a terminal on stdin is the best guess.
      return Boolean(process.stdin.isTTY);
    }
  },
  trapSignals(signals, handler) {
    // main.ts turns SIGINT into "Cancelled" and exit 130; while a child runs, the child decides.
    const saved = signals.map((signal) => [signal, process.listeners(signal)] as const);
    for (const signal of signals) {
      process.removeAllListeners(signal);
      process.on(signal, handler);
    }
    return () => {
      for (const [signal, listeners] of saved) {
        process.removeListener(signal, handler);
        for (const listener of listeners) process.on(signal, listener);
      }
    };
  },
};

const CommandSchema = z.array(z.string()).check(z.minLength(1, 'name the command to run after --'));

/**
 * The child's environment: ours, with the key. An inherited OPENAI_ORG_ID / OPENAI_PROJECT_ID
 * belongs to some other key, so it is dropped rather than paired with this one. Nothing comes
 * from the progress file: it must not decide where the key is sent.
 */
export function childEnv(parent: Record<string, string | undefined>, key: string, profileName: string): { env: Record<string, string | undefined>; dropped: string[] } {
  const env: Record<string, string | undefined> = { ...parent };
  const dropped: string[] = [];
  for (const name of ['OPENAI_ORG_ID', 'OPENAI_PROJECT_ID']) {
    if (env[name] !== undefined) dropped.push(name);
    delete env[name];
  }
  env.OPENAI_API_KEY = key;
  env[RUN_MARKER] = profileName;
  return { env, dropped };
}

/** The exit status a shell would report: the child's code, or 128 + the number of the signal that ended it. */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (signal) return 128 + (constants.signals[signal] ?? 0);
  return code ?? 1;
}

function waitForChild(child: ChildProcess, command: string): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      const shown = shownValue(command);
      // Exit codes as in a shell: 127 not found, 126 found but not runnable.
      if (error.code === 'ENOENT') reject(new ExitError(127, `Command not found: ${shown}`));
      else if (error.code === 'EACCES') reject(new ExitError(126, `Permission denied: ${shown}`));
      else reject(new ExitError(126, `Could not run ${shown}: ${sanitize(error.message)}`));
    });
    child.once('exit', (code, signal) => resolve(exitStatus(code, signal)));
  });
}

export async function run(ctx: Context, options: { profile?: string; command: string[] }, host: ProcessHost = nodeProcessHost): Promise<number> {
  const { term } = ctx;
  const [file, ...args] = parseFlag('run', CommandSchema, options.command);
  // Inside a run, the profile of that run is the one to use unless another is named.
  const outer = ProfileNameSchema.safeParse(ctx.rawEnv[RUN_MARKER]).data;
  const profileName = options.profile === undefined && outer ? outer : await resolveProfileName(ctx, options.profile);
  if (outer && outer !== profileName) {
    throw new UsageError(`Already inside \`openai-setup run\` for profile "${outer}"; not nesting a run for profile "${profileName}".`, [
      `Leave that run first, or unset ${RUN_MARKER} to force it.`,
    ]);
  }
  const key = await requireStoredKey(ctx, profileName);
  const { env, dropped } = childEnv(ctx.rawEnv, key, profileName);
  for (const name of dropped) {
    term.err(`${marks(term.style).warn} ${name} from this shell was not passed on: it may belong to another key than ${maskKey(key)} (profile "${profileName}").`);
  }

  let child: ChildProcess | undefined;
  const release = host.trapSignals(FORWARDED_SIGNALS, (signal) => {
    // A Ctrl-C typed in the terminal reached the child already: a second SIGINT would interrupt
    // its clean-up (Python raises KeyboardInterrupt twice). Any other SIGINT is passed on.
    if (signal === 'SIGINT' && host.inTerminalForeground()) return;
    child?.kill(signal);
  });
  try {
    child = host.spawn(file!, args, env);
    return await waitForChild(child, file!);
  } finally {
    release();
  }
}

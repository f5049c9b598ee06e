// `openai-setup run -- COMMAND ARGS...`: the command runs with the profile's key in its environment
// only (like aws-vault exec), so the key never touches disk or the shell history. Standard streams
// are shared, SIGINT/SIGTERM/SIGHUP are passed on (one sent to our whole process group, a
// terminal's Ctrl-C or `kill -- -PGID`, reaches the command by itself and is not sent twice), and
// the child's exit status becomes ours.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { getSystemErrorMap } from 'node:util';
import * as z from 'zod/mini';
import type { Context } from '../context.js';
import { ExitError, UsageError } from '../errors.js';
import { maskKey } from '../keys/format.js';
import { parseFlag } from '../options.js';
import { FORWARDED_SIGNALS, processWitnesses, signalPasser, type ForwardedSignal, type SignalPasser, type WitnessHost } from '../pass-signals.js';
import { requireStoredKey, resolveProfileName } from '../storage/profile-key.js';
import { ProfileNameSchema } from '../storage/state.js';
import { marks } from '../terminal/output.js';
import { sanitize, shownValue } from '../terminal/sanitize.js';

/** Set in the child's environment to the profile's name; a run inside a run checks it. */
export const RUN_MARKER = 'OPENAI_SETUP_RUN';

/** What `run` needs from the operating system, so that tests can stand in for it. */
export interface ProcessHost extends WitnessHost {
  spawn(file: string, args: string[], env: Record<string, string | undefined>): ChildProcess;
  /** Handle these signals with `handler` instead of the usual handlers until the returned function is called. */
  trapSignals(signals: readonly ForwardedSignal[], handler: (signal: ForwardedSignal) => void): () => void;
}

export const nodeProcessHost: ProcessHost = {
  ...processWitnesses,
  spawn: (file, args, env) => spawn(file, args, { stdio: 'inherit', env }),
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

const PROFILE_VARIABLE = 'OPENAI_SETUP_PROFILE';

/**
 * The child's environment: ours, with the key. An inherited OPENAI_ORG_ID / OPENAI_PROJECT_ID
 * belongs to some other key, so it is dropped rather than paired with this one. Nothing comes
 * from the progress file: it must not decide where the key is sent. OPENAI_SETUP_PROFILE names
 * this run's profile (--profile may have named another than an inherited one), so that the tool
 * inside (token, verify, env…) works on the profile whose key the child has, and a run inside is
 * not refused.
 */
export function childEnv(parent: Record<string, string | undefined>, key: string, profileName: string): { env: Record<string, string | undefined>; dropped: string[] } {
  const env: Record<string, string | undefined> = { ...parent };
  const dropped: string[] = [];
  for (const name of ['OPENAI_ORG_ID', 'OPENAI_PROJECT_ID']) {
    if (env[name] !== undefined) dropped.push(name);
    delete env[name];
  }
  env[PROFILE_VARIABLE] = profileName;
  env.OPENAI_API_KEY = key;
  env[RUN_MARKER] = profileName;
  return { env, dropped };
}

/** The exit status a shell would report: the child's code, or 128 + the number of the signal that ended it. */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (signal) return 128 + (constants.signals[signal] ?? 0);
  return code ?? 1;
}

/**
 * A command that could not be started, said as a shell says it: 127 not found, 126 found but not
 * runnable. Node reports some of these as the child's 'error' event (ENOENT, EACCES) and others
 * by throwing from spawn() itself (an empty name, ENOTDIR, ENAMETOOLONG, E2BIG); both come here.
 */
function startFailure(error: NodeJS.ErrnoException, command: string): ExitError {
  const shown = shownValue(command);
  if (command === '') return new ExitError(127, 'Command not found: "" (the command name is empty)');
  // A name without a slash is looked up in PATH, where one too long cannot be: a shell says "not found".
  if (error.code === 'ENOENT' || (error.code === 'ENAMETOOLONG' && !command.includes('/'))) return new ExitError(127, `Command not found: ${shown}`);
  if (error.code === 'EACCES') return new ExitError(126, `Permission denied: ${shown}`);
  if (error.code === 'ERR_INVALID_ARG_VALUE') return new ExitError(126, `Could not run ${shown}: the command or an argument holds a NUL character.`);
  // The system's own words for the errno ("not a directory", "name too long"); Node's message
  // repeats the whole path, however long.
  const described = typeof error.errno === 'number' ? getSystemErrorMap().get(error.errno)?.[1] : undefined;
  return new ExitError(126, `Could not run ${shown}: ${described ?? (error.code || sanitize(error.message))}.`);
}

function waitForChild(child: ChildProcess, command: string): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => reject(startFailure(error, command)));
    child.once('exit', (code, signal) => resolve(exitStatus(code, signal)));
  });
}

/** Starts the command; what spawn() throws for a command it cannot start is the shell's 126 / 127 too. */
function startChild(host: ProcessHost, file: string, args: string[], env: Record<string, string | undefined>): ChildProcess {
  try {
    return host.spawn(file, args, env);
  } catch (error) {
    // Only Node's refusals carry a string code; anything else is a bug, and reported as one.
    const code = (error as NodeJS.ErrnoException | null)?.code;
    if (typeof code === 'string') throw startFailure(error as NodeJS.ErrnoException, file);
    throw error;
  }
}

export async function run(ctx: Context, options: { profile?: string; command: string[] }, host: ProcessHost = nodeProcessHost): Promise<number> {
  const { term } = ctx;
  const [file, ...args] = parseFlag('run', CommandSchema, options.command);
  // Inside a run, the profile of that run is the one to use unless another is named.
  const outer = ProfileNameSchema.safeParse(ctx.rawEnv[RUN_MARKER]).data;
  const profileName = await resolveProfileName(ctx, options.profile, { handsOutKey: true, fallback: outer });
  if (outer && outer !== profileName) {
    // Named by --profile, or else by OPENAI_SETUP_PROFILE set inside that run (see childEnv).
    const byVariable = options.profile === undefined;
    throw new UsageError(
      `Already inside \`openai-setup run\` for profile "${outer}"; not nesting a run for profile "${profileName}"${byVariable ? ` (${PROFILE_VARIABLE}=${profileName})` : ''}.`,
      byVariable
        ? [`Unset ${PROFILE_VARIABLE} to use "${outer}" here. For "${profileName}", leave that run first, or unset ${RUN_MARKER} to force it.`]
        : [`Leave that run first, or unset ${RUN_MARKER} to force it.`],
    );
  }
  const key = await requireStoredKey(ctx, profileName);
  const { env, dropped } = childEnv(ctx.rawEnv, key, profileName);
  for (const name of dropped) {
    term.err(`${marks(term.style).warn} ${name} from this shell was not passed on: it may belong to another key than ${maskKey(key)} (profile "${profileName}").`);
  }

  let child: ChildProcess | undefined;
  // A signal sent to our whole process group reached the child already and is not sent again; one
  // to our PID alone is passed on (pass-signals.ts: a witness per signal tells them apart).
  let passer: SignalPasser | undefined;
  const release = host.trapSignals(FORWARDED_SIGNALS, (signal) => void passer?.receive(signal));
  try {
    passer = signalPasser(host, FORWARDED_SIGNALS, (signal) => child?.kill(signal));
    child = startChild(host, file!, args, env);
    return await waitForChild(child, file!);
  } finally {
    release();
    passer?.stop();
  }
}

// `openai-setup run -- COMMAND ARGS...`: the command runs with the profile's key in its environment
// only (like aws-vault exec), so the key never touches disk or the shell history. Standard streams
// are shared, SIGINT/SIGTERM/SIGHUP are passed on (one sent to our whole process group, a
// terminal's Ctrl-C or `kill -- -PGID`, reaches the command by itself and is not sent twice), and
// the child's exit status becomes ours: a command that died of a signal ends us by that signal.
import { spawn, type ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { delimiter, resolve } from 'node:path';
import { getSystemErrorMap } from 'node:util';
import * as z from 'zod/mini';
import { CUSTOM_HEADERS_VARIABLE, parseCustomHeaders } from '../api/custom-headers.js';
import type { Context } from '../context.js';
import { ExitError, SignalExit, signalExitCode, UsageError } from '../errors.js';
import { maskKey } from '../keys/format.js';
import { parseFlag } from '../options.js';
import { FORWARDED_SIGNALS, processWitnesses, signalPasser, type ForwardedSignal, type SignalPasser, type WitnessHost } from '../pass-signals.js';
import { requireStoredKey, resolveProfileName } from '../storage/profile-key.js';
import { readRegularFileStart } from '../storage/read-file.js';
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

/** The headers the SDK sends for the key it is given, its organization and its project (lower case). */
const KEY_HEADERS = new Set(['authorization', 'openai-organization', 'openai-project']);

/**
 * The child's environment: ours, with the key. An inherited OPENAI_ORG_ID / OPENAI_PROJECT_ID
 * belongs to some other key, so it is dropped rather than paired with this one; so are the lines
 * of OPENAI_CUSTOM_HEADERS that the SDK would send in place of the key, its organization or its
 * project (its other headers are passed on). `dropped`: what was left out, as said. Nothing comes
 * from the progress file: it must not decide where the key is sent. OPENAI_SETUP_PROFILE names
 * this run's profile (--profile may have named another than an inherited one), so that the tool
 * inside (token, verify, env…) works on the profile whose key the child has, and a run inside is
 * not refused.
 */
export function childEnv(parent: Record<string, string | undefined>, key: string, profileName: string): { env: Record<string, string | undefined>; dropped: string[] } {
  const env: Record<string, string | undefined> = { ...parent };
  const dropped: string[] = [];
  for (const name of ['OPENAI_ORG_ID', 'OPENAI_PROJECT_ID']) {
    if (env[name] !== undefined) dropped.push(`${name} from this shell`);
    delete env[name];
  }
  const { headers } = parseCustomHeaders(env[CUSTOM_HEADERS_VARIABLE]);
  const kept = headers.filter((header) => !KEY_HEADERS.has(header.lower));
  if (kept.length < headers.length) {
    for (const header of headers) if (KEY_HEADERS.has(header.lower)) dropped.push(`The ${header.name} line of ${CUSTOM_HEADERS_VARIABLE}`);
    if (kept.length) env[CUSTOM_HEADERS_VARIABLE] = kept.map((header) => `${header.name}: ${header.value}`).join('\n');
    else delete env[CUSTOM_HEADERS_VARIABLE];
  }
  env[PROFILE_VARIABLE] = profileName;
  env.OPENAI_API_KEY = key;
  env[RUN_MARKER] = profileName;
  return { env, dropped };
}

/** The exit status a shell would report: the child's code, or 128 + the number of the signal that ended it. */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (signal) return signalExitCode(signal);
  return code ?? 1;
}

/**
 * The signals `run` ends by itself when its command died of one: those whose default action ends
 * a process without a core dump, and that Node leaves at that default. Not SIGUSR1 (it starts
 * Node's inspector), SIGPIPE (Node ignores it), nor SIGQUIT, SIGSEGV, SIGABRT and the like (they
 * would dump Node's core, not the command's): for those, exit 128 + N, the status a shell shows.
 */
const ENDS_BY: ReadonlySet<string> = new Set(['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGKILL', 'SIGALRM', 'SIGUSR2', 'SIGVTALRM', 'SIGPROF', 'SIGIO', 'SIGPOLL', 'SIGPWR', 'SIGSTKFLT']);

/**
 * How run ends once its command has: with the command's exit status, or, when a signal ended the
 * command, by that signal too (SignalExit: main.ts raises it after cleaning up), so that a shell
 * sees what it would have seen of the command itself. Bash stops a loop on Ctrl-C only when its
 * child died of SIGINT: one that exits 130 looks like a command that handled it.
 */
export function childEnding(code: number | null, signal: NodeJS.Signals | null): number {
  if (signal && ENDS_BY.has(signal)) throw new SignalExit(signal);
  return exitStatus(code, signal);
}

/** The fix for a `#!` line ending in a carriage return, however it showed. */
const SAVE_AS_LF = 'Save the file with Unix line endings (LF).';

/** At most this much of a file is read for its `#!` line (the kernel reads no more of it). */
const SHEBANG_MAX = 256;

/** A command that exists, and yet "not found": the file that is there, and its `#!` line if it has one. */
export interface MissingInterpreter {
  /** The file as a shell names it: as typed with a slash, else where PATH found it. */
  file: string;
  /** Its first line when that starts with `#!` (the interpreter is what is missing), else null (a program's loader is). */
  shebang: string | null;
}

/** The file `command` names: with a slash, that path; else the first executable file of that name in PATH (as execvp looks). */
async function locate(command: string, path: string | undefined, cwd: string | null): Promise<string | null> {
  const base = cwd ?? '.';
  if (command.includes('/')) return resolve(base, command);
  // With no PATH, execvp looks in the system's default one.
  for (const dir of (path ?? '/usr/bin:/bin').split(delimiter)) {
    // An empty entry is the current directory.
    const candidate = resolve(base, dir, command);
    const found = await stat(candidate).catch(() => null);
    if (found?.isFile() && found.mode & 0o111) return candidate;
  }
  return null;
}

/**
 * When starting `command` failed with ENOENT: the file, if one is there after all. Then what is
 * missing is what the system needs to start it: the interpreter its `#!` line names (a script
 * with Windows line endings names `/bin/bash\r`), or a program's loader. Null when there is no
 * such file: the command itself was not found.
 */
export async function missingInterpreter(command: string, path: string | undefined, cwd: string | null): Promise<MissingInterpreter | null> {
  const located = await locate(command, path, cwd);
  if (located === null) return null;
  let start: Buffer | null;
  try {
    start = await readRegularFileStart(located, SHEBANG_MAX);
  } catch {
    // There, but not readable by us (or not a regular file now): what it lacks is not known.
    return { file: command.includes('/') ? command : located, shebang: null };
  }
  if (start === null) return null;
  const text = start.toString('utf8');
  const shebang = text.startsWith('#!') ? text.split('\n')[0]! : null;
  return { file: command.includes('/') ? command : located, shebang };
}

/** What to say of a command that is there but whose interpreter (or loader) is not: 127, as bash 5 says it. */
export function missingInterpreterFailure({ file, shebang }: MissingInterpreter): ExitError {
  const shown = shownValue(file);
  if (shebang === null) {
    return new ExitError(127, `Could not run ${shown}: the file is there, but the interpreter or loader it needs to start cannot be found (a program built for another system?).`);
  }
  const hints = shebang.endsWith('\r') ? [`Windows line endings (CRLF) in its first line: the interpreter's name ends in a carriage return (\\x0d). ${SAVE_AS_LF}`] : [];
  return new ExitError(127, `Could not run ${shown}: the file is there, but the interpreter its first line names cannot be found: ${shownValue(shebang)}`, hints);
}

/**
 * A script the system started whose `#!` line ends in a carriage return (Windows line endings),
 * when its run exited 127: its interpreter ran (`#!/usr/bin/env bash\r`: env is there) and
 * said, as the child's own message, that what the line names (`bash\r`) is not found. One line
 * after that message, saying why; null for any other file (an exit 127 of its own).
 */
export function crlfShebangHint(found: MissingInterpreter | null): string | null {
  if (!found?.shebang?.endsWith('\r')) return null;
  return `${shownValue(found.file)} has Windows line endings (CRLF): its first line, ${shownValue(found.shebang)}, ends in a carriage return (\\x0d). ${SAVE_AS_LF}`;
}

/**
 * A command that could not be started, said as a shell says it: 127 not found, 126 found but not
 * runnable. Node reports some of these as the child's 'error' event (ENOENT, EACCES) and others
 * by throwing from spawn() itself (an empty name, ENOTDIR, ENAMETOOLONG, E2BIG); both come here.
 * ENOENT for a file that is there: `missing` says what it lacks.
 */
function startFailure(error: NodeJS.ErrnoException, command: string, missing: MissingInterpreter | null = null): ExitError {
  const shown = shownValue(command);
  if (command === '') return new ExitError(127, 'Command not found: "" (the command name is empty)');
  if (error.code === 'ENOENT' && missing) return missingInterpreterFailure(missing);
  // A name without a slash is looked up in PATH, where one too long cannot be: a shell says "not found".
  if (error.code === 'ENOENT' || (error.code === 'ENAMETOOLONG' && !command.includes('/'))) return new ExitError(127, `Command not found: ${shown}`);
  if (error.code === 'EACCES') return new ExitError(126, `Permission denied: ${shown}`);
  if (error.code === 'ERR_INVALID_ARG_VALUE') return new ExitError(126, `Could not run ${shown}: the command or an argument holds a NUL character.`);
  // The system's own words for the errno ("not a directory", "name too long"); Node's message
  // repeats the whole path, however long.
  const described = typeof error.errno === 'number' ? getSystemErrorMap().get(error.errno)?.[1] : undefined;
  return new ExitError(126, `Could not run ${shown}: ${described ?? (error.code || sanitize(error.message))}.`);
}

/** Its exit status (or the SignalExit it ended by); the reason, should it not start. */
function waitForChild(child: ChildProcess, command: string, env: Record<string, string | undefined>, cwd: string | null): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      const missing = error.code === 'ENOENT' && command !== '' ? missingInterpreter(command, env.PATH, cwd) : Promise.resolve(null);
      void missing.then(
        (found) => reject(startFailure(error, command, found)),
        () => reject(startFailure(error, command)),
      );
    });
    child.once('exit', (code, signal) => {
      try {
        resolve(childEnding(code, signal));
      } catch (ending) {
        reject(ending);
      }
    });
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
  // A signal before the command runs (while the key is read) ends us by it too, as the command would be.
  ctx.interrupts.endBySignal();
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
    term.err(`${marks(term.style).warn} ${name} was not passed on: it may belong to another key than ${maskKey(key)} (profile "${profileName}").`);
  }

  let child: ChildProcess | undefined;
  // A signal sent to our whole process group reached the child already and is not sent again; one
  // to our PID alone is passed on (pass-signals.ts: a witness per signal tells them apart).
  let passer: SignalPasser | undefined;
  const release = host.trapSignals(FORWARDED_SIGNALS, (signal) => void passer?.receive(signal));
  try {
    passer = signalPasser(host, FORWARDED_SIGNALS, (signal) => child?.kill(signal));
    child = startChild(host, file!, args, env);
    const code = await waitForChild(child, file!, env, ctx.cwd);
    if (code === 127) {
      const hint = crlfShebangHint(await missingInterpreter(file!, env.PATH, ctx.cwd).catch(() => null));
      if (hint) term.err(`${marks(term.style).warn} ${hint}`);
    }
    return code;
  } finally {
    release();
    passer?.stop();
  }
}

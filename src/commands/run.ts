// `openai-setup run -- COMMAND ARGS...`: the command runs with the profile's key in its environment
// only (like aws-vault exec), so the key never touches disk or the shell history. Standard streams
// are shared, SIGINT/SIGTERM/SIGHUP are passed on (one sent to our whole process group, a
// terminal's Ctrl-C or `kill -- -PGID`, reaches the command by itself and is not sent twice), and
// the child's exit status becomes ours.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { getSystemErrorMap } from 'node:util';
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
  /** A witness of `signal` sent to our whole process group (see run()), or null where none can be started. */
  startWitness(signal: ForwardedSignal): SignalWitness | null;
}

/** A process in our process group that does nothing, and dies of the first `signal` that reaches it (it ignores the other forwarded ones). */
export interface SignalWitness {
  /**
   * Did the signal we just received reach the witness too? 'unknown' when it had died of
   * something else. Waits at most `ms` for the signal to show.
   */
  reached(ms: number): Promise<'yes' | 'no' | 'unknown'>;
  stop(): void;
}

/**
 * How long a signal to the whole group may take to show in the witness after it reached us (a
 * sender such as coreutils' `timeout` signals our PID first, then the group), and how long after
 * it showed our own copies of it may still come: those are its, and not passed on.
 */
export const WITNESS_WAIT_MS = 100;

/**
 * Linux: the fields of /proc/PID/stat after `(comm)`, which may itself hold spaces and
 * parentheses: state ppid pgrp session tty_nr tpgid … exit_code. Throws where there is no /proc.
 */
function procStat(pid: number | 'self'): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).trim().split(' ');
}

/** Linux: has `pid` the signal pending, or did it die of it (a zombie not yet reaped)? */
function procShows(pid: number, signal: ForwardedSignal): boolean {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const pending = [...status.matchAll(/^(?:SigPnd|ShdPnd):\s*([0-9a-f]+)$/gm)].reduce((mask, m) => mask | BigInt(`0x${m[1]}`), 0n);
    const number = constants.signals[signal];
    if (pending & (1n << BigInt(number - 1))) return true;
    const fields = procStat(pid);
    // A zombie's last field is its wait status; the low 7 bits the signal that ended it.
    return fields[0] === 'Z' && (Number(fields.at(-1)) & 0x7f) === number;
  } catch {
    return false;
  }
}

function startCatWitness(signal: ForwardedSignal): SignalWitness | null {
  if (process.platform === 'win32') return null;
  const others = FORWARDED_SIGNALS.filter((other) => other !== signal).map((other) => other.slice(3));
  let witness: ChildProcess;
  try {
    // `cat` on a pipe of ours: blocked reading, `signal` at its default (fatal; Node's spawn
    // resets every disposition), the other forwarded signals ignored (kept across exec), so that
    // it tells of this one alone. Gone as soon as we are (the pipe closes), even if we are killed.
    witness = spawn('sh', ['-c', `trap '' ${others.join(' ')}; exec cat`], { stdio: ['pipe', 'ignore', 'ignore'] });
  } catch {
    return null;
  }
  let ended: NodeJS.Signals | 'other' | null = null;
  let failed = false;
  witness.on('error', () => (failed = true));
  witness.stdin?.on('error', () => {});
  witness.once('exit', (_code, how) => (ended = how ?? 'other'));
  const pid = witness.pid;
  const verdict = (): 'yes' | 'no' | 'unknown' | null => {
    if (failed || pid === undefined) return 'unknown';
    if (ended) return ended === signal ? 'yes' : 'unknown';
    return procShows(pid, signal) ? 'yes' : null;
  };
  return {
    reached(ms) {
      const now = verdict();
      if (now) return Promise.resolve(now);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          witness.removeListener('exit', onExit);
          resolve(verdict() ?? 'no');
        }, ms);
        const onExit = () => {
          clearTimeout(timer);
          resolve(verdict() ?? 'unknown');
        };
        witness.once('exit', onExit);
      });
    },
    stop() {
      witness.stdin?.destroy();
      if (!ended) witness.kill('SIGKILL');
    },
  };
}

export const nodeProcessHost: ProcessHost = {
  spawn: (file, args, env) => spawn(file, args, { stdio: 'inherit', env }),
  inTerminalForeground() {
    try {
      const [, , pgrp, , , tpgid] = procStat('self');
      return pgrp === tpgid;
    } catch {
      // No /proc (macOS, Windows): a terminal on stdin is the best guess.
      return Boolean(process.stdin.isTTY);
    }
  },
  startWitness: startCatWitness,
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
  // A signal sent to our whole process group (a terminal's Ctrl-C or hang-up, `kill -- -PGID`,
  // coreutils' `timeout`, systemd stopping a unit) reached the child, in our group, already: a
  // second one from us would interrupt its clean-up (Python raises KeyboardInterrupt twice). A
  // signal sent to our PID alone (a supervisor, `kill -TERM PID`) must be passed on. Which one came
  // cannot be read from the signal in Node, so a witness per signal tells: an idle process in our
  // group that dies of that signal. If it got the signal too, the whole group did, and so did the
  // child; if it lives on, the signal was ours alone.
  const witnesses = new Map<ForwardedSignal, SignalWitness | 'spent' | null>();
  const settling = new Set<NodeJS.Timeout>();
  // No witness to ask: passed on, but a SIGINT in the terminal's foreground, most likely its
  // Ctrl-C (sending that twice is the worse mistake).
  const unwitnessed = (signal: ForwardedSignal) => signal !== 'SIGINT' || !host.inTerminalForeground();
  const release = host.trapSignals(FORWARDED_SIGNALS, (signal) => {
    const current = witnesses.get(signal);
    // The group's signal was just seen: this is our copy of it, or came with it (`timeout` signals
    // our PID, then the group).
    if (current === 'spent') return;
    if (!current) {
      if (unwitnessed(signal)) child?.kill(signal);
      return;
    }
    void current.reached(WITNESS_WAIT_MS).then((verdict) => {
      if (verdict === 'no' || (verdict === 'unknown' && unwitnessed(signal))) child?.kill(signal);
      // Spent or gone, and not replaced yet (by the verdict on another copy, or at the end).
      if (verdict === 'no' || witnesses.get(signal) !== current) return;
      current.stop();
      if (verdict === 'unknown') {
        witnesses.set(signal, host.startWitness(signal));
        return;
      }
      // A fresh witness for the next one once the copies of this one have come.
      witnesses.set(signal, 'spent');
      const timer = setTimeout(() => {
        settling.delete(timer);
        witnesses.set(signal, host.startWitness(signal));
      }, WITNESS_WAIT_MS);
      settling.add(timer);
    });
  });
  try {
    for (const signal of FORWARDED_SIGNALS) witnesses.set(signal, host.startWitness(signal));
    child = startChild(host, file!, args, env);
    return await waitForChild(child, file!);
  } finally {
    release();
    for (const timer of settling) clearTimeout(timer);
    for (const witness of witnesses.values()) if (witness && witness !== 'spent') witness.stop();
    witnesses.clear();
  }
}

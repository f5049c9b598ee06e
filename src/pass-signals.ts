// Passing signals on to a child in our process group (`run`'s command, a console browser), once.
// A signal sent to our whole group (a terminal's Ctrl-C or hang-up, `kill -- -PGID`, coreutils'
// `timeout`, systemd stopping a unit) reached the child, in our group, already: a second one from
// us would interrupt its clean-up (Python raises KeyboardInterrupt twice). A signal sent to our PID
// alone (a supervisor, `kill -TERM PID`) must be passed on. Which one came cannot be read from the
// signal in Node, so a witness per signal tells: an idle process in our group that dies of that
// signal. If it got the signal too, the whole group did, and so did the child; if it lives on, the
// signal was ours alone.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';

export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type ForwardedSignal = (typeof FORWARDED_SIGNALS)[number];

/** A process in our process group that does nothing, and dies of the first `signal` that reaches it (it ignores the other forwarded ones). */
export interface SignalWitness {
  /**
   * Did the signal we just received reach the witness too? 'unknown' when it had died of
   * something else. Waits at most `ms` for the signal to show.
   */
  reached(ms: number): Promise<'yes' | 'no' | 'unknown'>;
  stop(): void;
}

/** What passing signals on needs from the operating system, so that tests can stand in for it. */
export interface WitnessHost {
  /** Are we in our terminal's foreground process group? Then Ctrl-C signalled the child (in our group) too. */
  inTerminalForeground(): boolean;
  /** A witness of `signal` sent to our whole process group, or null where none can be started. */
  startWitness(signal: ForwardedSignal): SignalWitness | null;
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

/** The real process: `cat` witnesses, and the terminal's foreground group read from /proc. */
export const processWitnesses: WitnessHost = {
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
};

export interface SignalPasser {
  /** A signal we received: passed on unless the whole group got it. Settles once that is decided (and done). */
  receive(signal: ForwardedSignal): Promise<void>;
  /** The child is gone: the witnesses go, and no fresh one is started. */
  stop(): void;
}

/**
 * Witnesses of `signals`, started now (before the child, so that they are there whenever it is),
 * and what to do with each signal received: `pass` it on to the child when it was sent to our PID
 * alone. With no witness to ask, a signal is passed on, but a SIGINT in the terminal's foreground,
 * most likely its Ctrl-C (sending that twice is the worse mistake).
 */
export function signalPasser(host: WitnessHost, signals: readonly ForwardedSignal[], pass: (signal: ForwardedSignal) => void): SignalPasser {
  const witnesses = new Map<ForwardedSignal, SignalWitness | 'spent' | null>();
  const settling = new Set<NodeJS.Timeout>();
  const unwitnessed = (signal: ForwardedSignal) => signal !== 'SIGINT' || !host.inTerminalForeground();
  for (const signal of signals) witnesses.set(signal, host.startWitness(signal));
  return {
    async receive(signal) {
      const current = witnesses.get(signal);
      // The group's signal was just seen: this is our copy of it, or came with it (`timeout` signals
      // our PID, then the group).
      if (current === 'spent') return;
      if (!current) {
        if (unwitnessed(signal)) pass(signal);
        return;
      }
      const verdict = await current.reached(WITNESS_WAIT_MS);
      if (verdict === 'no' || (verdict === 'unknown' && unwitnessed(signal))) pass(signal);
      // Spent or gone, and not replaced yet (by the verdict on another copy, or by stop()).
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
    },
    stop() {
      for (const timer of settling) clearTimeout(timer);
      for (const witness of witnesses.values()) if (witness && witness !== 'spent') witness.stop();
      witnesses.clear();
    },
  };
}

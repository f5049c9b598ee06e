// `run`'s witnesses, seen from outside (Linux /proc): an idle `cat` per forwarded signal, a child
// of the run, that ignores the other two. A fresh witness of a signal is the sign that the run has
// judged a signal sent to its whole process group (not passed on) and waits for the next.
import { readdirSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type Forwarded = (typeof FORWARDED)[number];

const bit = (signal: Forwarded) => 1n << BigInt(constants.signals[signal] - 1);

/** The live witnesses of `signal` that the run `pid` started. */
export function witnessesOf(pid: number, signal: Forwarded): number[] {
  const others = FORWARDED.filter((s) => s !== signal).reduce((mask, s) => mask | bit(s), 0n);
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== 'cat' || Number(ppid) !== pid || state === 'Z') return [];
        const ignored = BigInt(`0x${/^SigIgn:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))![1]}`);
        return (ignored & bit(signal)) === 0n && (ignored & others) === others ? [Number(entry)] : [];
      } catch {
        return []; // gone meanwhile
      }
    });
}

/**
 * Waits (bounded) until the run `pid` has a live witness of `signal` that is not one of `known`,
 * or `also()` holds (what a run that judged wrongly shows: a test says what it expects after).
 * Returns the live witnesses of `signal`.
 */
export async function untilWitness(pid: number, signal: Forwarded, known: number[], also: () => boolean = () => false): Promise<number[]> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const now = witnessesOf(pid, signal);
    if (now.some((p) => !known.includes(p)) || also()) return now;
    if (Date.now() > deadline) throw new Error(`no new ${signal} witness of run (pid ${pid}) within 5 s; live ones: ${now.join(', ') || 'none'}`);
    await sleep(10);
  }
}

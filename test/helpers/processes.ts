/**
 * Processes as /proc shows them (Linux): what a run started, and whether one is done for.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** The processes `pid` has started and not lost (the children of each of its threads). */
export function childrenOf(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
    readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number),
  );
}

const SIGKILL_BIT = 1n << 8n;

/**
 * Gone, a zombie (waiting for its parent, or whoever adopted it, to reap it), or with SIGKILL
 * pending: as good as gone, it runs no more of its own code. True at once after a kill(SIGKILL)
 * returns, however busy the machine, so no wait is needed before asking.
 */
export function killed(pid: number): boolean {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return true;
  }
  if (/^State:\s+[ZX]/m.test(status)) return true;
  return [...status.matchAll(/^(?:SigPnd|ShdPnd):\s+([0-9a-f]+)$/gm)].some((m) => (BigInt(`0x${m[1]}`) & SIGKILL_BIT) !== 0n);
}

// A ProcessHost for `run` that starts nothing: it records the environment the child would get,
// and the child "exits" 0 on the next turn. For tests of what run hands out, not of processes.
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { ProcessHost } from '../../src/commands/run.js';

export class RecordingHost implements ProcessHost {
  spawned: Array<Record<string, string | undefined>> = [];
  spawn(_file: string, _args: string[], env: Record<string, string | undefined>): ChildProcess {
    this.spawned.push(env);
    const child = new EventEmitter();
    setImmediate(() => child.emit('exit', 0, null));
    return child as ChildProcess;
  }
  trapSignals(): () => void {
    return () => {};
  }
  inTerminalForeground(): boolean {
    return false;
  }
  startWitness(): null {
    return null;
  }
}

// A ProcessHost for unit tests of `run`: records the environment of what would be started, starts
// nothing, and reports it exited 0.
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

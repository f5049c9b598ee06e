// `spawn`, with node:child_process loaded on the first call: loading it loads node:net too
// (~2 ms of start-up), which `status` and `verify` would pay for a browser or keychain they
// never start.
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';

let childProcess: typeof import('node:child_process') | undefined;

export const spawn = ((...args: unknown[]): ChildProcess => {
  childProcess ??= createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
  return (childProcess.spawn as (...a: unknown[]) => ChildProcess)(...args);
}) as typeof import('node:child_process').spawn;

// Node built-ins that load node:net with them (~2 ms of start-up each time), loaded on first use:
// `status` starts no browser or keychain helper, and writes to a pipe without asking tty.
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';

const load = <T>(id: string): (() => T) => {
  let loaded: T | undefined;
  return () => (loaded ??= createRequire(import.meta.url)(id) as T);
};
const childProcess = load<typeof import('node:child_process')>('node:child_process');
const tty = load<typeof import('node:tty')>('node:tty');

export const spawn = ((...args: unknown[]): ChildProcess => (childProcess().spawn as (...a: unknown[]) => ChildProcess)(...args)) as typeof import('node:child_process').spawn;

export const isatty = (fd: number): boolean => tty().isatty(fd);

// Real git in a test's folder, with an identity of its own and none of the machine's config (no
// system file; HOME the folder), so that commits work on a fresh CI machine.
import { execFileSync } from 'node:child_process';

/** `git ARGS` in `cwd`: its stdout. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH!, HOME: cwd, GIT_CONFIG_NOSYSTEM: '1' },
  });
}

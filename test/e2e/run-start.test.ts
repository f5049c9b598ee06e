// `run` with a command Node refuses in spawn() itself (an empty name, a path through a file, a
// name too long), through the built binary: a shell's exit code (127 not found, 126 found but not
// runnable) and one line on stderr, never "Unexpected error" and a stack. The reasons one by one
// are in test/unit/run-start.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestEnv, stripAnsi, type TestEnv } from '../helpers/env.js';
import { makeKey } from '../helpers/openai-server.js';
import { runCli } from '../helpers/run.js';

let t: TestEnv;
const KEY = makeKey('proj', 'run-start');

beforeAll(async () => {
  t = await makeTestEnv();
  const stored = await runCli(['key', '--stdin', '--insecure-storage', '--no-verify'], { env: t.env, input: KEY });
  expect(stored.code, stored.stderr).toBe(0);
});
afterAll(async () => {
  await t?.cleanup();
});

describe('run: a command a shell would refuse', () => {
  const LONG = 'x'.repeat(100_000);
  it.each([
    { what: 'an empty name', command: '', code: 127, line: '✖ Command not found: "" (the command name is empty)' },
    { what: 'a path through a file', command: '/etc/passwd/x', code: 126, line: '✖ Could not run /etc/passwd/x: not a directory.' },
    { what: 'a 100,000-character name', command: LONG, code: 127, line: /^✖ Command not found: x{10,200}…?$/ },
  ])('$what → exit $code and one line, no stack', async ({ command, code, line }) => {
    const result = await runCli(['run', '--', command, 'arg'], { env: t.env });
    expect(result.code).toBe(code);
    // Besides the warning that the key comes from a plain-text file (--insecure-storage).
    const lines = stripAnsi(result.stderr)
      .split('\n')
      .filter((l) => l && !l.startsWith('! Reading the key of profile "default" from the plain-text file'));
    expect(lines).toHaveLength(1);
    if (typeof line === 'string') expect(lines[0]).toBe(line);
    else expect(lines[0]).toMatch(line);
    expect(result.stderr).not.toMatch(/Unexpected error|at .*\.cjs:\d+|ERR_INVALID_ARG_VALUE|ENOTDIR|ENAMETOOLONG/);
    expect(result.stdout + result.stderr).not.toContain(KEY);
  });
});

// `run` with a command Node refuses in spawn() itself (an empty name, a path through a file, a
// name too long), or a script whose interpreter is missing, through the built binary: a shell's
// exit code (127 not found, 126 found but not runnable) and one line on stderr, never "Unexpected
// error" and a stack. The reasons one by one are in test/unit/run-start.test.ts.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

describe('run: a script that is there, whose interpreter is not', () => {
  /** stderr's lines, but for the warning that the key comes from a plain-text file (--insecure-storage). */
  const lines = (stderr: string) =>
    stripAnsi(stderr)
      .split('\n')
      .filter((l) => l && !l.startsWith('! Reading the key of profile "default" from the plain-text file'));

  it.each([
    {
      what: 'Windows line endings (CRLF)',
      text: '#!/bin/bash\r\necho hi\r\n',
      said: [
        '✖ Could not run ./crlf.sh: the file is there, but the interpreter its first line names cannot be found: #!/bin/bash\\x0d',
        "  Windows line endings (CRLF) in its first line: the interpreter's name ends in a carriage return (\\x0d). Save the file with Unix line endings (LF).",
      ],
    },
    { what: 'an interpreter not installed', text: '#!/nonexistent/interp\necho hi\n', said: ['✖ Could not run ./crlf.sh: the file is there, but the interpreter its first line names cannot be found: #!/nonexistent/interp'] },
  ])('$what: 127, as bash 5 exits, saying so, not "Command not found"', async ({ text, said }) => {
    const script = join(t.home, 'crlf.sh');
    writeFileSync(script, text);
    chmodSync(script, 0o755);
    const result = await runCli(['run', '--', './crlf.sh'], { env: t.env, cwd: t.home });
    expect(result.code, result.stderr).toBe(127);
    expect(lines(result.stderr)).toEqual(said);
    expect(result.stdout).toBe('');
  });

  it('#!/usr/bin/env bash with CRLF: env is there, so the child says `bash\\r` is not found (exit 127), and run adds why after it', async () => {
    const script = join(t.home, 'env-crlf.sh');
    writeFileSync(script, '#!/usr/bin/env bash\r\necho hi\r\n');
    chmodSync(script, 0o755);
    const result = await runCli(['run', '--', './env-crlf.sh'], { env: t.env, cwd: t.home });
    expect(result.code, result.stderr).toBe(127);
    const said = lines(result.stderr);
    // The child's own message first (coreutils' env: one line or two), then the one line.
    expect(said.length).toBeGreaterThanOrEqual(2);
    expect(said[0]).toContain('bash');
    expect(said.slice(0, -1).join('\n')).not.toContain('Windows line endings');
    expect(said.at(-1)).toBe('! ./env-crlf.sh has Windows line endings (CRLF): its first line, #!/usr/bin/env bash\\x0d, ends in a carriage return (\\x0d). Save the file with Unix line endings (LF).');
    expect(result.stdout).toBe('');
  });

  it('a script exiting 127 of its own (LF line endings): nothing added', async () => {
    const script = join(t.home, 'lf.sh');
    writeFileSync(script, '#!/bin/sh\necho oops >&2\nexit 127\n');
    chmodSync(script, 0o755);
    const result = await runCli(['run', '--', './lf.sh'], { env: t.env, cwd: t.home });
    expect(result.code).toBe(127);
    expect(lines(result.stderr)).toEqual(['oops']);
  });
});

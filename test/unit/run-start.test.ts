// `run` with a command that cannot be started: exit 127 (not found) or 126 (found but not
// runnable) and one line, as a shell says it, whether Node reports it as the child's 'error' event
// (ENOENT, EACCES) or throws it from spawn() itself (an empty name, ENOTDIR, ENAMETOOLONG, E2BIG).
// The real spawn() of nodeProcessHost: none of these starts a process.
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitError } from '../../src/errors.js';
import { nodeProcessHost, run, type ProcessHost } from '../../src/commands/run.js';
import { makeTestContext, outcomeOf, testKey, type TestContext } from '../helpers/context.js';

let t: TestContext | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

/** The real spawn; signals and the witness stood in for (and whether the handlers were given back). */
function host(spawn: ProcessHost['spawn'] = nodeProcessHost.spawn): ProcessHost & { released: boolean } {
  const h = {
    released: false,
    spawn,
    trapSignals: () => () => {
      h.released = true;
    },
    inTerminalForeground: () => false,
    startWitness: () => null,
  };
  return h;
}

async function start(command: string[], h = host()) {
  t ??= makeTestContext({ keychain: { default: testKey('S') } });
  const outcome = await outcomeOf(run(t.ctx, { command }, h));
  expect(h.released).toBe(true);
  return outcome;
}

const LONG = 'x'.repeat(100_000);

describe('run: a command that cannot be started', () => {
  it.each([
    { what: 'an empty name', command: [''], code: 127, message: 'Command not found: "" (the command name is empty)' },
    { what: 'a path through a file (ENOTDIR, thrown by spawn)', command: ['/etc/passwd/x'], code: 126, message: 'Could not run /etc/passwd/x: not a directory.' },
    { what: "a directory (EACCES, the child's error event)", command: ['/'], code: 126, message: 'Permission denied: /' },
    { what: "a name not on PATH (ENOENT, the child's error event)", command: ['no-such-command-xyz', '--flag'], code: 127, message: 'Command not found: no-such-command-xyz' },
  ])('$what → exit $code, one line', async ({ command, code, message }) => {
    expect(await start(command)).toEqual({ code, message, hints: [] });
  });

  it('a 100,000-character name: not on PATH (127), as a shell says; with a slash, a name too long (126); shown bounded', async () => {
    const bare = await start([LONG]);
    expect(bare.code).toBe(127);
    expect(bare.message).toMatch(/^Command not found: x+…?$/);
    expect(bare.message.length).toBeLessThan(300);

    const path = await start([`/tmp/${LONG}`]);
    expect(path.code).toBe(126);
    expect(path.message).toMatch(/^Could not run \/tmp\/x+.*: name too long\.$/);
    expect(path.message.length).toBeLessThan(300);
  });

  it('arguments too long for the system (E2BIG, thrown by spawn) → 126 naming the command', async () => {
    expect(await start(['true', 'a'.repeat(3_000_000)])).toEqual({ code: 126, message: 'Could not run true: argument list too long.', hints: [] });
  });

  it('a NUL character (refused by spawn) → 126, one line', async () => {
    expect(await start(['a\0b'])).toEqual({ code: 126, message: 'Could not run a\\x00b: the command or an argument holds a NUL character.', hints: [] });
  });

  it('anything else spawn() throws is a bug, not a command that failed: passed on as it is', async () => {
    const bug = new TypeError('not a spawn refusal');
    const h = host((): ChildProcess => {
      throw bug;
    });
    t = makeTestContext({ keychain: { default: testKey('S') } });
    const running = run(t.ctx, { command: ['true'] }, h);
    await expect(running).rejects.toBe(bug);
    await expect(running).rejects.not.toBeInstanceOf(ExitError);
    expect(h.released).toBe(true);
  });
});

describe('run: a file that is there, whose interpreter is not (ENOENT all the same)', () => {
  /** An executable file of `text` in the test's project dir; `env` is the run's. */
  function script(name: string, text: string | Buffer, env: (dir: string) => Record<string, string> = () => ({ PATH: '/usr/bin:/bin' })): string {
    const dir = mkdtempSync(join(tmpdir(), 'openai-setup-run-start-'));
    made.push(dir);
    t = makeTestContext({ keychain: { default: testKey('S') }, env: env(dir) });
    const path = join(dir, name);
    writeFileSync(path, text);
    chmodSync(path, 0o755);
    return path;
  }
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('Windows line endings in the #! line: 127 as bash 5 says, naming the line made safe and the CRLF', async () => {
    const path = script('crlf.sh', '#!/bin/sh\r\necho hi\r\n');
    expect(await start([path])).toEqual({
      code: 127,
      message: `Could not run ${path}: the file is there, but the interpreter its first line names cannot be found: #!/bin/sh\\x0d`,
      hints: ["Windows line endings (CRLF) in its first line: the interpreter's name ends in a carriage return (\\x0d). Save the file with Unix line endings (LF)."],
    });
  });

  it('an interpreter that is not there: 127, naming the line (escapes shown, never acted on), no CRLF hint', async () => {
    const path = script('missing.sh', '#!/no/such/interp \x1b[31m-x\nexit 0\n');
    expect(await start([path])).toEqual({
      code: 127,
      message: `Could not run ${path}: the file is there, but the interpreter its first line names cannot be found: #!/no/such/interp \\x1b[31m-x`,
      hints: [],
    });
  });

  it('a name found in PATH (after a dir without it): named where it was found', async () => {
    const path = script('crlf-tool', '#!/no/such/interp\n', (dir) => ({ PATH: `/nonexistent:${dir}` }));
    expect(await start(['crlf-tool'])).toEqual({
      code: 127,
      message: `Could not run ${path}: the file is there, but the interpreter its first line names cannot be found: #!/no/such/interp`,
      hints: [],
    });
  });

  it('#!/usr/bin/env bash with CRLF, found in PATH: env runs and exits 127 (its own message), then one line naming the file where it was found and the CRLF', async () => {
    const path = script('crlf-env', '#!/usr/bin/env bash\r\necho hi\r\n', (dir) => ({ PATH: `/nonexistent:${dir}:/usr/bin:/bin` }));
    expect(await start(['crlf-env'])).toEqual({ code: 127, message: '', hints: [] });
    expect(t!.stderr).toContain(`! ${path} has Windows line endings (CRLF): its first line, #!/usr/bin/env bash\\x0d, ends in a carriage return (\\x0d). Save the file with Unix line endings (LF).\n`);
  });

  it('a program whose loader is not there (its ELF interpreter renamed): 127, saying what is missing', async () => {
    const program = readFileSync('/bin/true');
    const loader = /\/lib[^\0]*\/ld-[^\0]+/.exec(program.toString('latin1'));
    expect(loader, 'a dynamically linked /bin/true').not.toBeNull();
    const path = script('program', Buffer.from(program).fill('Z', loader!.index + loader![0].length - 1, loader!.index + loader![0].length));
    expect(await start([path])).toEqual({
      code: 127,
      message: `Could not run ${path}: the file is there, but the interpreter or loader it needs to start cannot be found (a program built for another system?).`,
      hints: [],
    });
  });
});

// The closing screen's Python lines work where they are printed: where the python3 on PATH is
// "externally managed" (PEP 668: Debian 12, Ubuntu 23.04+, Homebrew), `pip install openai` fails
// with externally-managed-environment, and the one-liner after it then fails too. There the lines
// make a venv in the current folder and use its Python. Asked of the python3 PATH finds, as pip
// decides it: here fake ones, shell scripts that answer as a real one would (the marker file in
// their standard library's folder; a venv, told as Python tells it, by a pyvenv.cfg one folder up
// from the python3 it was started as, a link followed or not).
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as setup } from '../../src/commands/setup.js';
import { pythonRefusesPip } from '../../src/terminal/invocation.js';
import { checkResult, makeTestContext, testKey, type TestContext } from '../helpers/context.js';

const FINISH = "You're already set up. Finish now? (No walks through the stages anyway)";
const KEY = testKey('A');
const VENV = '  python3 -m venv .venv && .venv/bin/pip install openai';
const PLAIN = '  pip install openai';

let t: TestContext | undefined;
let root: string;
afterEach(() => {
  t?.cleanup();
  t = undefined;
  rmSync(root, { recursive: true, force: true });
});

function script(path: string, body: string): void {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
}

/**
 * A python3 in `prefix`/bin answering PEP 668's question as a real one: the marker in its library
 * (`managed`), and a venv when started as a python3 with pyvenv.cfg one folder above it. Its
 * library is laid out as a real one's too (`prefix`/lib/python3.12, the marker in it when managed).
 */
function python(prefix: string, managed: boolean): string {
  mkdirSync(join(prefix, 'bin'), { recursive: true });
  mkdirSync(join(prefix, 'lib', 'python3.12'), { recursive: true });
  if (managed) writeFileSync(join(prefix, 'lib', 'python3.12', 'EXTERNALLY-MANAGED'), '[externally-managed]\n');
  script(join(prefix, 'bin', 'python3.12'), `[ "$1" = -c ] || exit 2\nif [ -f "\${0%/*}/../pyvenv.cfg" ]; then venv=1; else venv=0; fi\necho "${managed ? 1 : 0} $venv"`);
  symlinkSync('python3.12', join(prefix, 'bin', 'python3'));
  return join(prefix, 'bin');
}

/** A venv at `at` made from the python3 in `from` (bin/python3 a link to it, as `python3 -m venv` makes). */
function venv(at: string, from: string): string {
  mkdirSync(join(at, 'bin'), { recursive: true });
  writeFileSync(join(at, 'pyvenv.cfg'), `home = ${from}\n`);
  symlinkSync(join(from, 'python3'), join(at, 'bin', 'python3'));
  return join(at, 'bin');
}

/** The closing screen's lines, with PATH `path`. */
async function closing(path: string, env: Record<string, string> = {}): Promise<string[]> {
  t = makeTestContext({ env: { OPENAI_API_KEY: KEY, PATH: path, ...env } });
  t.prompts.whenConfirm(FINISH, true);
  t.api.answerChecks(checkResult('valid'));
  expect(await setup(t.ctx, { restart: false, insecureStorage: false })).toBe(0);
  t.assertScriptsUsed();
  return t.stdout.split('\n');
}

const fresh = () => (root = mkdtempSync(join(tmpdir(), 'openai-setup-pep668-')));

describe('closing screen: the Python lines where pip refuses to install (PEP 668)', () => {
  it('an externally managed python3 first on PATH: a venv, and the call with its Python', async () => {
    fresh();
    const lines = await closing(`${python(join(root, 'usr'), true)}:${python(join(root, 'other'), false)}`);
    expect(lines).toContain(VENV);
    expect(lines).not.toContain(PLAIN);
    expect(lines.some((line) => line.startsWith("  .venv/bin/python -c 'from openai import OpenAI;"))).toBe(true);
    expect(lines.some((line) => line.includes('python3 -c'))).toBe(false);
  });

  it('a link on PATH to one that is (Homebrew: bin/python3 leads into the Cellar): a venv too', async () => {
    fresh();
    const cellar = python(join(root, 'Cellar', 'python@3.12'), true);
    mkdirSync(join(root, 'brew', 'bin'), { recursive: true });
    symlinkSync(join(cellar, 'python3'), join(root, 'brew', 'bin', 'python3'));
    expect(await closing(join(root, 'brew', 'bin'))).toContain(VENV);
  });

  it('an active venv made from a managed python3 (its python3 a link to that one): pip install as printed', async () => {
    fresh();
    const system = python(join(root, 'usr'), true);
    const lines = await closing(`${venv(join(root, 'v'), system)}:${system}`, { VIRTUAL_ENV: join(root, 'v') });
    expect(lines).toContain(PLAIN);
    expect(lines).not.toContain(VENV);
    expect(lines.some((line) => line.startsWith("  python3 -c 'from openai import OpenAI;"))).toBe(true);
  });

  it('a version manager\'s shim first on PATH that runs the managed system python3 (pyenv with PYENV_VERSION=system): a venv', async () => {
    fresh();
    const system = python(join(root, 'usr'), true);
    mkdirSync(join(root, 'pyenv', 'shims'), { recursive: true });
    script(join(root, 'pyenv', 'shims', 'python3'), `exec "${system}/python3" "$@"`);
    expect(await closing(`${join(root, 'pyenv', 'shims')}:${system}`, { PYENV_VERSION: 'system' })).toContain(VENV);
  });

  it('a folder named python3 first on PATH is no python3: the one after it is asked', async () => {
    fresh();
    mkdirSync(join(root, 'odd', 'python3'), { recursive: true });
    expect(await closing(`${join(root, 'odd')}:${python(join(root, 'usr'), true)}`)).toContain(VENV);
  });

  it('no python3 on PATH, or one that fails: pip install as before', async () => {
    fresh();
    mkdirSync(join(root, 'empty'));
    expect(await closing(join(root, 'empty'))).toContain(PLAIN);
    t!.cleanup();
    mkdirSync(join(root, 'broken'));
    script(join(root, 'broken', 'python3'), 'echo "1 0"; exit 1');
    expect(await closing(join(root, 'broken'))).toContain(PLAIN);
  });

  it('a python3 that does not answer is given up on after the time allowed, and taken as not refusing', async () => {
    fresh();
    mkdirSync(join(root, 'hangs'));
    script(join(root, 'hangs', 'python3'), 'exec sleep 600');
    expect(await pythonRefusesPip({ PATH: `${join(root, 'hangs')}:/usr/bin:/bin` }, 'linux', 50)).toBe(false);
    // One whose answer never ends (a process it started holds the output open) too.
    script(join(root, 'hangs', 'python3'), 'echo "1 0"; sleep 600 & echo $! > "${0%/*}/held.pid"');
    expect(await pythonRefusesPip({ PATH: `${join(root, 'hangs')}:/usr/bin:/bin` }, 'linux', 1000)).toBe(false);
    process.kill(Number(readFileSync(join(root, 'hangs', 'held.pid'), 'utf8')));
  });
});

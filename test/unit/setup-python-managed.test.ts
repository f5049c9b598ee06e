// The closing screen's Python lines work where they are printed: where the python3 on PATH is
// "externally managed" (PEP 668: Debian 12, Ubuntu 23.04+, Homebrew), `pip install openai` fails
// with externally-managed-environment, and the one-liner after it then fails too. There the lines
// make a venv in the current folder and use its Python. Found by the EXTERNALLY-MANAGED file in
// the standard library's folder beside python3's bin folder (as PATH has it, or where its link
// leads), without running Python.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as setup } from '../../src/commands/setup.js';
import { checkResult, makeTestContext, testKey, type TestContext } from '../helpers/context.js';

const FINISH = "You're already set up. Finish now? (No walks through the stages anyway)";
const KEY = testKey('A');
const VENV = '  python3 -m venv .venv && .venv/bin/pip install openai';

let t: TestContext;
let root: string;
afterEach(() => {
  t?.cleanup();
  rmSync(root, { recursive: true, force: true });
});

/** A python3 in `prefix`/bin, with `prefix`/lib/python3.12 (EXTERNALLY-MANAGED in it when `managed`). */
function python(prefix: string, managed: boolean): string {
  mkdirSync(join(prefix, 'bin'), { recursive: true });
  mkdirSync(join(prefix, 'lib', 'python3.12'), { recursive: true });
  writeFileSync(join(prefix, 'bin', 'python3.12'), '#!/bin/sh\nexit 1\n');
  chmodSync(join(prefix, 'bin', 'python3.12'), 0o755);
  symlinkSync('python3.12', join(prefix, 'bin', 'python3'));
  if (managed) writeFileSync(join(prefix, 'lib', 'python3.12', 'EXTERNALLY-MANAGED'), '[externally-managed]\n');
  return join(prefix, 'bin');
}

/** The closing screen's lines, with PATH `path`. */
async function closing(path: string): Promise<string[]> {
  t = makeTestContext({ env: { OPENAI_API_KEY: KEY, PATH: path } });
  t.prompts.whenConfirm(FINISH, true);
  t.api.answerChecks(checkResult('valid'));
  expect(await setup(t.ctx, { restart: false, insecureStorage: false })).toBe(0);
  t.assertScriptsUsed();
  return t.stdout.split('\n');
}

describe('closing screen: the Python lines where pip refuses to install (PEP 668)', () => {
  it('an externally managed python3 first on PATH: a venv, and the call with its Python', async () => {
    root = mkdtempSync(join(tmpdir(), 'openai-setup-pep668-'));
    const lines = await closing(`${python(join(root, 'usr'), true)}:${python(join(root, 'venv'), false)}`);
    expect(lines).toContain(VENV);
    expect(lines).not.toContain('  pip install openai');
    expect(lines.some((line) => line.startsWith("  .venv/bin/python -c 'from openai import OpenAI;"))).toBe(true);
    expect(lines.some((line) => line.includes('python3 -c'))).toBe(false);
  });

  it('a link on PATH to one that is (Homebrew: bin/python3 leads into the Cellar): a venv too', async () => {
    root = mkdtempSync(join(tmpdir(), 'openai-setup-pep668-'));
    const cellar = python(join(root, 'Cellar', 'python@3.12'), true);
    mkdirSync(join(root, 'brew', 'bin'), { recursive: true });
    symlinkSync(join(cellar, 'python3'), join(root, 'brew', 'bin', 'python3'));
    expect(await closing(join(root, 'brew', 'bin'))).toContain(VENV);
  });

  it('a python3 that is not (a venv first on PATH, or one built by hand): pip install as before', async () => {
    root = mkdtempSync(join(tmpdir(), 'openai-setup-pep668-'));
    const lines = await closing(`${python(join(root, 'venv'), false)}:${python(join(root, 'usr'), true)}`);
    expect(lines).toContain('  pip install openai');
    expect(lines).not.toContain(VENV);
    expect(lines.some((line) => line.startsWith("  python3 -c 'from openai import OpenAI;"))).toBe(true);
  });
});

// A line import writes into a startup file is shown, before it is written, as the file gets it:
// its words are bash's (the file's), not rewritten for the person's shell the way advice lines
// are (PowerShell's quotes under SHELL=pwsh, `$'…\xc3\xbc'` on a terminal whose charset is not
// UTF-8). And token --help's capture line, printed for tcsh on such a terminal, works in tcsh.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runImport } from '../../src/commands/import.js';
import { makeKey } from '../helpers/openai-server.js';
import { importMachine } from '../helpers/import-machine.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';
import { buildProgram } from '../../src/program.js';
import { selfCommand } from '../../src/terminal/invocation.js';
import { createTerminal } from '../../src/terminal/output.js';

vi.setConfig({ testTimeout: 30_000 });

const KEY = makeKey('proj', 'unit-file-lines');
const contexts = trackedContexts();

// The tool started by a path with a quote and ü in it.
const root = mkdtempSync(join(tmpdir(), 'openai-setup-as-written-'));
const script = join(root, "it's ü", 'bin', 'openai-setup.cjs');
mkdirSync(join(root, "it's ü", 'bin'), { recursive: true });
// A stand-in for the tool: `token` prints a key.
writeFileSync(script, `#!/bin/sh\n[ "$1" = token ] && printf 'sk-from-token\\n'\n`);
chmodSync(script, 0o755);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('import --rewrite: the new line of ~/.bashrc shown as it is written', () => {
  it.each([
    ['SHELL=pwsh', { SHELL: '/usr/bin/pwsh' }],
    ['SHELL=bash, LANG=en_US.ISO-8859-1', { SHELL: '/bin/bash', LANG: 'en_US.ISO-8859-1' }],
  ])('%s', async (_name, env) => {
    const t = importMachine(contexts, [KEY], { interactive: false, env: { SHELL: env.SHELL, PATH: '' }, terminalEnv: env });
    (t.ctx as { binPath?: string }).binPath = script;
    t.write('~/.bashrc', `export OPENAI_API_KEY=${KEY}\n`);
    expect(await runImport(t.ctx, { check: false, json: false, rewrite: true, yes: true, store: '~/.bashrc:1' }, t.deps)).toBe(0);
    const written = readFileSync(join(t.home, '.bashrc'), 'utf8').split('\n')[0]!;
    expect(written).toBe(`OPENAI_API_KEY="$('${root}/it'\\''s ü/bin/openai-setup.cjs' token)"; export OPENAI_API_KEY`);
    // On a terminal whose charset is not UTF-8, its ü is `?` as in other text, nothing else changed.
    const shown = 'LANG' in env ? written.replace('ü', '?') : written;
    expect(t.stdout).toContain(`\n  + ${shown}\n`);
  });
});

describe("tcsh on a terminal whose charset is not UTF-8: token --help's example", () => {
  it('run by tcsh under LC_ALL=C, sets OPENAI_API_KEY from the tool at its path', () => {
    const env = { SHELL: '/bin/tcsh', LANG: 'en_US.ISO-8859-1', NO_COLOR: '1' };
    const name = selfCommand({ SHELL: '/bin/tcsh', PATH: '' }, 'linux', script).command;
    let out = '';
    const term = createTerminal({ stdout: { write: (text: string) => void (out += text) }, stderr: { write: () => {} }, stdin: {}, env, platform: 'linux' });
    const program = buildProgram('0.0.0-test', () => {
      throw new Error('no command runs here');
    }, { name, writeOut: (text) => term.write('out', text), writeErr: (text) => term.write('err', text), shell: { env, platform: 'linux' } }, () => {});
    try {
      program.parse(['node', 'x', 'token', '--help']);
    } catch {
      // commander's exitOverride throws after printing the help
    }
    const example = /^ {2}\$ (setenv OPENAI_API_KEY .*)$/m.exec(out)?.[1];
    expect(example, out).toBeDefined();
    const result = spawnSync('tcsh', ['-f', '-c', `${example}; printenv OPENAI_API_KEY`], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: root, LC_ALL: 'C' } });
    expect(result.status, `${example}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toBe('sk-from-token\n');
  });
});

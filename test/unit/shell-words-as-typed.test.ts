// The tool started by a path that needs quotes (a clone at `/tmp/x/my clone's ü`): every command
// it prints names that path as the person's shell reads it. In PowerShell (pwsh as SHELL on
// Linux and macOS) a quoted program is run with `&` and a quote is doubled; on a terminal whose
// charset is not UTF-8, where the rest beyond ASCII is written `?`, the path's ü is written with
// escapes the shell turns back into it, and the printed line, run by that shell under LC_ALL=C,
// reaches the file.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { run as status } from '../../src/commands/status.js';
import { toolCommand } from '../../src/terminal/advice.js';
import { selfCommand } from '../../src/terminal/invocation.js';
import { createTerminal } from '../../src/terminal/output.js';
import { asciiWord, shellCaptureLine, shellCommandPrefix, shellSetLine, shellWord } from '../../src/terminal/shell.js';
import { makeTestContext, type TestContext } from '../helpers/context.js';

// Runs the printed lines in real bash, zsh, dash, fish and tcsh, one after another.
vi.setConfig({ testTimeout: 30_000 });

const PWSH = { SHELL: '/usr/bin/pwsh' };
const CLONE = "/tmp/x/my clone's ü";

let t: TestContext | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

describe('PowerShell (pwsh as SHELL): the lines quote the PowerShell way', () => {
  it('the tool started by a quoted path: run with &, its quote doubled; the POSIX form kept for files', () => {
    const self = selfCommand({ ...PWSH, PATH: '' }, 'linux', `${CLONE}/bin/openai-setup.cjs`);
    expect(self.command).toBe("& '/tmp/x/my clone''s ü/bin/openai-setup.cjs'");
    expect(self.posixCommand).toBe(`'/tmp/x/my clone'\\''s ü/bin/openai-setup.cjs'`);
    // The same path without a quote, as the reviewer's `/tmp/x/my clone`.
    expect(selfCommand({ ...PWSH, PATH: '' }, 'linux', '/tmp/x/my clone/bin/openai-setup.cjs').command).toBe("& '/tmp/x/my clone/bin/openai-setup.cjs'");
    // A path needing no quotes runs as it is; bash is unchanged.
    expect(selfCommand({ ...PWSH, PATH: '' }, 'linux', '/opt/tool/bin/openai-setup.cjs').command).toBe('/opt/tool/bin/openai-setup.cjs');
    expect(selfCommand({ SHELL: '/bin/bash', PATH: '' }, 'linux', `${CLONE}/bin/openai-setup.cjs`).command).toBe(`'/tmp/x/my clone'\\''s ü/bin/openai-setup.cjs'`);
  });

  it("status's next step, doctor's hand-over and the closing screen's line, as printed", async () => {
    const commandName = selfCommand({ ...PWSH, PATH: '' }, 'linux', `${CLONE}/bin/openai-setup.cjs`).command;
    t = makeTestContext({ env: PWSH, commandName, interactive: false });
    expect(await status(t.ctx, { profile: 'default', json: false })).toBe(0);
    expect(t.stdout).toContain(":  & '/tmp/x/my clone''s ü/bin/openai-setup.cjs' login --done");
    // doctor's `Hand it over per command: `…``, and the wizard's closing line.
    expect(`${toolCommand(t.ctx, 'run')} -- your-program`).toBe("& '/tmp/x/my clone''s ü/bin/openai-setup.cjs' run -- your-program");
    expect(shellCaptureLine(PWSH, 'linux', 'OPENAI_API_KEY', toolCommand(t.ctx, 'token'), { name: 'OPENAI_BASE_URL', value: "http://h/it's" })).toBe(
      "$env:OPENAI_API_KEY = (& '/tmp/x/my clone''s ü/bin/openai-setup.cjs' token); $env:OPENAI_BASE_URL = 'http://h/it''s'",
    );
    // A curly quote is a quote to PowerShell too: doubled.
    expect(shellSetLine(PWSH, 'linux', 'A', 'it’s')).toBe("$env:A = 'it’’s'");
    expect(shellCommandPrefix(PWSH, 'linux', 'A', "it's")).toBe("$env:A = 'it''s'; ");
  });

  it("a path in a command (env --file, rm) in PowerShell's quotes, not POSIX's `'\\''`", () => {
    const printed: string[] = [];
    const term = createTerminal({ stdout: { write: (text: string) => void printed.push(text) }, stderr: { write: () => {} }, stdin: {}, env: { ...PWSH, NO_COLOR: '1' } });
    term.out(`Run:  openai-setup env --file ${shellWord("x/proj it's ü/.env")} && rm ${shellWord("/tmp/x/h2 it's\tü/credentials.json")}`);
    expect(printed.join('')).toBe(`Run:  openai-setup env --file 'x/proj it''s ü/.env' && rm "/tmp/x/h2 it's$([char]0x0009)$([char]0x00FC)/credentials.json"\n`);
  });

  it('on a terminal whose charset is not UTF-8: the ü as a character code in double quotes, not ?', async () => {
    const commandName = selfCommand({ ...PWSH, PATH: '' }, 'linux', `${CLONE}/bin/openai-setup.cjs`).command;
    t = makeTestContext({ env: PWSH, commandName, interactive: false, terminalEnv: { ...PWSH, LANG: 'en_US.ISO-8859-1' } });
    expect(await status(t.ctx, { profile: 'default', json: false })).toBe(0);
    expect(t.stdout).toContain(':  & "/tmp/x/my clone\'s $([char]0x00FC)/bin/openai-setup.cjs" login --done');
    expect(asciiWord('a$`"😀', 'powershell')).toBe('"a`$```"$([char]::ConvertFromUtf32(0x1F600))"');
  });
});

// Each shell as SHELL names it, and the program that runs a line in it.
const SHELLS: Array<[string, string]> = [
  ['/bin/bash', 'bash'],
  ['/bin/zsh', 'zsh'],
  ['/bin/sh', 'dash'],
  ['/usr/bin/fish', 'fish'],
  ['/bin/tcsh', 'tcsh'],
];
const installed = SHELLS.filter(([, program]) => spawnSync(program, ['-c', 'exit 0']).status === 0);

describe('a terminal whose charset is not UTF-8 (LANG=en_US.ISO-8859-1): the commands name paths beyond ASCII as they are', () => {
  const root = mkdtempSync(join(tmpdir(), 'openai-setup-ascii-'));
  const clone = join(root, "my clone's ü");
  const script = join(clone, 'bin', 'openai-setup.cjs');
  mkdirSync(join(clone, 'bin'), { recursive: true });
  // A stand-in for the tool: it writes the words it was given beside itself.
  writeFileSync(script, `#!/bin/sh\nprintf '%s ' "$@" > "$(dirname "$0")/given"\n`);
  chmodSync(script, 0o755);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.each(installed)("SHELL=%s: status's next step, run by %s under LC_ALL=C, starts the tool at its path; prose keeps its ?", async (shell, program) => {
    const commandName = selfCommand({ SHELL: shell, PATH: '' }, 'linux', script).command;
    t = makeTestContext({ env: { SHELL: shell }, commandName, interactive: false, terminalEnv: { SHELL: shell, LANG: 'en_US.ISO-8859-1' } });
    expect(await status(t.ctx, { profile: 'default', json: false })).toBe(0);
    expect(t.stdout).toMatch(/^[\x00-\x7f]*$/);
    const line = /:  (.*login --done)$/m.exec(t.stdout)?.[1];
    expect(line, t.stdout).toBeDefined();
    rmSync(join(clone, 'bin', 'given'), { force: true });
    const result = spawnSync(program, ['-c', line!], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: root, LC_ALL: 'C' } });
    expect(result.status, `${line}\n${result.stderr}`).toBe(0);
    expect(readFileSync(join(clone, 'bin', 'given'), 'utf8')).toBe('login --done ');

    // A path in a command (rm, env --file) reaches the file; the same name in prose is `?`.
    const term = createTerminal({ stdout: capture(), stderr: capture(), stdin: {}, env: { SHELL: shell, LANG: 'en_US.ISO-8859-1', NO_COLOR: '1' } });
    const out = (term as unknown as { out(line: string): void }).out.bind(term);
    const printed: string[] = [];
    const file = join(clone, 'it’s\t.env');
    writeFileSync(file, 'ok\n');
    for (const word of [shellWord(file), shellWord(join(clone, 'bin', 'openai-setup.cjs'))]) {
      printed.length = 0;
      captured = printed;
      out(`In ${clone}:  cat ${word}`);
      const [said] = printed;
      expect(said).toMatch(/^In .*my clone's \?:  cat /);
      const cat = spawnSync(program, ['-c', said!.replace(/^.*?:  /, '').trimEnd()], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: root, LC_ALL: 'C' } });
      expect(cat.status, `${said}\n${cat.stderr}`).toBe(0);
      expect(cat.stdout).toBe(readFileSync(word.includes('bin') ? join(clone, 'bin', 'openai-setup.cjs') : file, 'utf8'));
    }
  });
});

describe('a command alone on a line, on a narrow terminal whose charset is not UTF-8', () => {
  it('is not broken across lines where its path is escaped', () => {
    const commandName = selfCommand({ SHELL: '/bin/bash', PATH: '' }, 'linux', `${CLONE}/bin/openai-setup.cjs`).command;
    const printed: string[] = [];
    const stdout = { isTTY: true, columns: 30, write: (text: string) => void printed.push(text) };
    const term = createTerminal({ stdout, stderr: stdout, stdin: {}, env: { SHELL: '/bin/bash', LANG: 'en_US.ISO-8859-1', NO_COLOR: '1' }, commandName });
    term.out(`${commandName} login --done`);
    expect(printed.join('')).toBe(`$'/tmp/x/my clone\\'s \\xc3\\xbc/bin/openai-setup.cjs' login --done\n`);
  });
});

describe("fish and dash read no $'…', tcsh's takes no bytes there: a path with a tab in it, on a UTF-8 terminal", () => {
  const root = mkdtempSync(join(tmpdir(), 'openai-setup-tab-'));
  const file = join(root, 'a\tü.env');
  writeFileSync(file, 'ok\n');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.each(installed)('SHELL=%s: the printed `cat`, run by %s, reaches the file', (shell, program) => {
    const printed: string[] = [];
    const term = createTerminal({ stdout: { write: (text: string) => void printed.push(text) }, stderr: { write: () => {} }, stdin: {}, env: { SHELL: shell, LANG: 'en_US.UTF-8', NO_COLOR: '1' } });
    term.out(`Run:  cat ${shellWord(file)}`);
    const said = printed.join('').replace(/^Run: {2}/, '').trimEnd();
    const cat = spawnSync(program, ['-c', said], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: root, LANG: 'C.UTF-8' } });
    expect(cat.status, `${said}\n${cat.stderr}`).toBe(0);
    expect(cat.stdout).toBe('ok\n');
  });
});

let captured: string[] = [];
function capture() {
  return { isTTY: false, columns: 400, write: (text: string) => void captured.push(text) };
}

// import: finding keys by their shape, the places looked in, the line edits (pure), and the
// command through Context with real files in a temp home and project, an in-memory keychain,
// scripted checks and prompts, and a stand-in for fish.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runImport, ImportFailureJsonSchema, ImportJsonSchema, type ImportDeps, type ImportOptions } from '../../src/commands/import.js';
import { maskKey } from '../../src/keys/format.js';
import { PAGES, projectPageUrl } from '../../src/platform.js';
import { run as adminKey } from '../../src/commands/admin-key.js';
import { run as storeKey } from '../../src/commands/key.js';
import { run as useProfile } from '../../src/commands/use.js';
import { planEdit, reloadHint, replaceLine } from '../../src/plaintext/edit.js';
import { decodeFishEscapes, findKeys } from '../../src/plaintext/find.js';
import { classifyKeyringError } from '../../src/storage/keychain.js';
import { runCommand, selfCommand, tokenCommand } from '../../src/terminal/invocation.js';
import { npxAskedFor } from '../../src/terminal/npx-spec.js';
import { plaintextPlaces } from '../../src/plaintext/places.js';
import type { Finding } from '../../src/plaintext/scan.js';
import { checkResult, flat, makeTestContext, outcomeOf, type TestContext, type TestContextOptions } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { importMachine, type ImportMachine } from '../helpers/import-machine.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';
import { shellDirs } from '../helpers/shell-dirs.js';

/** What npx writes beside its copy when asked for the registry's latest (`npx openai-setup`). */
const NPX_PACKAGE_JSON = JSON.stringify({ dependencies: { 'openai-setup': '^0.1.0' }, _npx: { packages: ['openai-setup'] } });

const KEY = makeKey('proj', 'unit-import-a');
const OTHER = makeKey('proj', 'unit-import-b');
const ADMIN = makeKey('admin', 'unit-import-admin');
const fishEscape = (text: string) => text.replace(/[^A-Za-z0-9]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

describe('finding keys by their shape', () => {
  it('finds every kind by prefix, marker and length, wherever it sits on a line', () => {
    for (const kind of ['proj', 'svcacct', 'admin', 'none', 'legacy'] as const) {
      const key = makeKey(kind, 'find');
      expect(findKeys(`x=${key}`)).toEqual([{ key, index: 2 }]);
      expect(findKeys(`curl -H "Authorization: Bearer ${key}" https://…`).map((f) => f.key)).toEqual([key]);
    }
    // Two on a line; a longer word around it is not a key.
    expect(findKeys(`A=${KEY} B='${OTHER}'`).map((f) => f.key)).toEqual([KEY, OTHER]);
    expect(findKeys(`x${KEY}`)).toEqual([]);
    expect(findKeys(`${KEY}.`).map((f) => f.key)).toEqual([KEY]);
  });

  it('finds a key without the marker only where a known name assigns it, and not a placeholder', () => {
    const unmarked = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ';
    expect(findKeys(`export OPENAI_API_KEY="${unmarked}"`).map((f) => f.key)).toEqual([unmarked]);
    expect(findKeys(`openai-api-key: ${unmarked}`).map((f) => f.key)).toEqual([unmarked]);
    expect(findKeys(`  "apiKey": "${unmarked}",`).map((f) => f.key)).toEqual([unmarked]);
    expect(findKeys(`set -gx OPENAI_API_KEY ${unmarked}`).map((f) => f.key)).toEqual([unmarked]);
    expect(findKeys(`SOMETHING=${unmarked}`)).toEqual([]);
    expect(findKeys(`OPENAI_API_KEY=sk-${'x'.repeat(48)}`)).toEqual([]);
    expect(findKeys('OPENAI_API_KEY=sk-your-key-here')).toEqual([]);
  });

  it("decodes fish_variables' \\xHH escapes", () => {
    const line = `SETUVAR --export OPENAI_API_KEY:${fishEscape(KEY)}`;
    expect(findKeys(line)).toEqual([]);
    expect(findKeys(decodeFishEscapes(line)).map((f) => f.key)).toEqual([KEY]);
  });
});

describe('the places looked in', () => {
  it('shell files (and ZDOTDIR), fish (XDG_CONFIG_HOME, conf.d), PowerShell, other tools, and the project and its git root', () => {
    const t = makeTestContext();
    const root = dirname(t.cwd);
    const home = join(root, 'home');
    const project = join(root, 'repo', 'sub');
    mkdirSync(join(root, 'xdg', 'fish', 'conf.d'), { recursive: true });
    writeFileSync(join(root, 'xdg', 'fish', 'conf.d', 'keys.fish'), '');
    mkdirSync(join(root, 'repo', '.git'), { recursive: true });
    mkdirSync(project, { recursive: true });
    const places = plaintextPlaces(shellDirs({ ZDOTDIR: join(root, 'zdot'), XDG_CONFIG_HOME: join(root, 'xdg'), CODEX_HOME: join(root, 'codex') }, 'linux', { home, cwd: project }));
    const rel = places.map((p) => `${p.kind}${p.tool ? `:${p.tool}` : ''} ${p.path.slice(root.length + 1)}`);
    expect(rel).toEqual([
      'posix-shell home/.bashrc',
      'posix-shell home/.bash_profile',
      'posix-shell home/.profile',
      'posix-shell home/.zshrc',
      'posix-shell home/.zprofile',
      'posix-shell home/.zshenv',
      'posix-shell zdot/.zshrc',
      'posix-shell zdot/.zprofile',
      'posix-shell zdot/.zshenv',
      'fish xdg/fish/config.fish',
      'fish xdg/fish/conf.d/keys.fish',
      'fish-universal xdg/fish/fish_variables',
      'powershell xdg/powershell/Microsoft.PowerShell_profile.ps1',
      'powershell xdg/powershell/profile.ps1',
      'tool:codex codex/auth.json',
      'tool:llm xdg/io.datasette.llm/keys.json',
      'tool:shell-gpt home/.config/shell_gpt/.sgptrc',
      'tool:fabric home/.config/fabric/.env',
      'tool:continue home/.continue/config.yaml',
      'tool:continue home/.continue/config.json',
      'tool:aider home/.aider.conf.yml',
      'dotenv repo/sub/.env',
      'dotenv repo/sub/.env.local',
      'posix-shell repo/sub/.envrc',
      'tool:aider repo/sub/.aider.conf.yml',
      'dotenv repo/.env',
      'dotenv repo/.env.local',
      'posix-shell repo/.envrc',
      'tool:aider repo/.aider.conf.yml',
    ]);
    const windows = plaintextPlaces(shellDirs({ APPDATA: 'C:\\Users\\me\\AppData\\Roaming' }, 'win32', { home: '/h', cwd: '/h/p' }));
    expect(windows.filter((p) => p.kind === 'powershell').map((p) => p.path)).toContain(join('/h', 'Documents', 'WindowsPowerShell', 'Microsoft.PowerShell_profile.ps1'));
    // On Linux and macOS PowerShell reads its profile from $XDG_CONFIG_HOME/powershell when set, as fish reads config.fish.
    for (const platform of ['darwin'] as const) {
      expect(plaintextPlaces(shellDirs({ XDG_CONFIG_HOME: '/x/conf' }, platform, { home: '/h', cwd: '/h/p' })).filter((p) => p.kind === 'powershell').map((p) => p.path)).toEqual([
        '/x/conf/powershell/Microsoft.PowerShell_profile.ps1',
        '/x/conf/powershell/profile.ps1',
      ]);
    }
    void t.cleanup();
  });
});

describe('the line put in place of a key', () => {
  const finding = (kind: Finding['kind'], key = KEY, extra: Partial<Finding> = {}): Finding => ({ path: '/x', line: 3, kind, key, variable: 'OPENAI_API_KEY', utf16: false, ...extra });
  const token = 'openai-setup token';
  /** The edit of line 3 (`line`), two lines of comments above it. */
  const plan = (f: Finding, line: string, command: string) => planEdit(f, `# one\n# two\n${line}\n`, command);

  it('bash/zsh: NAME="$(… token)", export only where it was, indentation and a trailing comment kept', () => {
    for (const line of [`export OPENAI_API_KEY="${KEY}"`, `export OPENAI_API_KEY='${KEY}'`, `export OPENAI_API_KEY=${KEY};`]) {
      expect(plan(finding('posix-shell'), line, token)).toEqual({ kind: 'line', line: 3, after: `OPENAI_API_KEY="$(openai-setup token)"; export OPENAI_API_KEY${line.endsWith(';') ? ';' : ''}`, note: null });
    }
    // Not exported, it stays so: programs did not see it before either (unless exported elsewhere, which still works).
    expect(plan(finding('posix-shell'), `OPENAI_API_KEY=${KEY}`, token)).toEqual({ kind: 'line', line: 3, after: 'OPENAI_API_KEY="$(openai-setup token)"', note: null });
    expect(plan(finding('posix-shell'), `export  OPENAI_API_KEY=${KEY}`, token)).toMatchObject({ after: 'OPENAI_API_KEY="$(openai-setup token)"; export  OPENAI_API_KEY' });
    expect(plan(finding('posix-shell'), `  export MY_KEY="${KEY}"  # work\r`, 'openai-setup token --profile work')).toMatchObject({
      after: '  MY_KEY="$(openai-setup token --profile work)"; export MY_KEY  # work',
    });
    expect(plan(finding('posix-shell'), `alias gpt='OPENAI_API_KEY=${KEY} llm'`, token).kind).toBe('manual');
  });

  it('fish: set -gx NAME (… token), noting a universal set; PowerShell: $env:NAME = (… token); .env: removed', () => {
    expect(plan(finding('fish'), `set -gx OPENAI_API_KEY ${KEY}`, token)).toEqual({ kind: 'line', line: 3, after: 'set -gx OPENAI_API_KEY (openai-setup token)', note: null });
    expect(plan(finding('fish'), `set -Ux OPENAI_API_KEY '${KEY}'`, token)).toMatchObject({ after: 'set -gx OPENAI_API_KEY (openai-setup token)', note: expect.stringContaining('set -Ue OPENAI_API_KEY') });
    // Its scope flags as they were; universal only becomes global.
    expect(plan(finding('fish'), `set -l OPENAI_API_KEY ${KEY}`, token)).toMatchObject({ after: 'set -l OPENAI_API_KEY (openai-setup token)', note: null });
    expect(plan(finding('fish'), `set OPENAI_API_KEY ${KEY}`, token)).toMatchObject({ after: 'set OPENAI_API_KEY (openai-setup token)' });
    expect(plan(finding('fish'), `set --universal --export OPENAI_API_KEY ${KEY}`, token)).toMatchObject({ after: 'set --global --export OPENAI_API_KEY (openai-setup token)', note: expect.stringContaining('set -Ue') });
    expect(plan(finding('fish'), `set -U OPENAI_API_KEY ${KEY}`, token)).toMatchObject({ after: 'set -g OPENAI_API_KEY (openai-setup token)' });
    expect(plan(finding('fish-universal'), '', token)).toEqual({ kind: 'fish-universal', variable: 'OPENAI_API_KEY', addLine: 'set -gx OPENAI_API_KEY (openai-setup token)' });
    expect(plan(finding('powershell'), `$env:OPENAI_API_KEY = "${KEY}"`, token)).toMatchObject({ after: '$env:OPENAI_API_KEY = (openai-setup token)' });
    expect(plan(finding('powershell'), `[System.Environment]::SetEnvironmentVariable("OPENAI_API_KEY","${KEY}","User")`, token).kind).toBe('manual');
    expect(plan(finding('dotenv'), `OPENAI_API_KEY="${KEY}" # from the dashboard`, token)).toEqual({ kind: 'line', line: 3, after: null, note: null });
    expect(plan(finding('tool', KEY, { tool: 'codex' }), `"OPENAI_API_KEY": "${KEY}"`, token).kind).toBe('manual');
    expect(plan(finding('powershell', KEY, { utf16: true }), `$env:OPENAI_API_KEY = "${KEY}"`, token).kind).toBe('manual');
  });

  it('a line inside a here-document, a quoted string across lines, or continuing the line above is no assignment: left by hand', () => {
    const at = (kind: Finding['kind'], text: string) => planEdit({ ...finding(kind), line: text.split('\n').findIndex((l) => l.includes(KEY)) + 1 }, text, token);
    const manual = (why: RegExp) => ({ kind: 'manual', why: expect.stringMatching(why) });
    // bash, zsh: the body of <<EOT, <<-'EOT' (tabs before its end), <<"E"O\T; a multi-line '…' or "…"; a backslash before the line break.
    expect(at('posix-shell', `alias x=1\ncat > /tmp/x.env <<EOT\nOPENAI_API_KEY=${KEY}\nEOT\n`)).toEqual(manual(/here-document/));
    expect(at('posix-shell', `if true; then\n\tcat <<-'EOT' >x\n\tOPENAI_API_KEY=${KEY}\n\tEOT\nfi\n`)).toEqual(manual(/here-document/));
    expect(at('posix-shell', `cat <<"E"O\\T | tee x; echo <<<here\nexport OPENAI_API_KEY=${KEY}\nEOT\n`)).toEqual(manual(/here-document/));
    expect(at('posix-shell', `echo 'one\nOPENAI_API_KEY=${KEY}\ntwo'\n`)).toEqual(manual(/quoted string/));
    expect(at('posix-shell', `X="a\\"b\nOPENAI_API_KEY=${KEY}\n"\n`)).toEqual(manual(/quoted string/));
    expect(at('posix-shell', `env \\\nOPENAI_API_KEY=${KEY}\n`)).toEqual(manual(/continues/));
    // After the here-document ends, a comment with a quote or a <<, a here-string, a shift: lines are lines again.
    for (const before of ['cat <<EOT\nOPENAI_API_KEY=x\nEOT\n', "# it's mine, cat <<EOT\n", 'cat <<<EOT\n', 'echo $((1 << 2))\n', "a='x\ny'\n", 'echo ${#PATH} \\\n  done\n']) {
      expect(at('posix-shell', `${before}export OPENAI_API_KEY=${KEY}\n`)).toMatchObject({ kind: 'line', after: 'OPENAI_API_KEY="$(openai-setup token)"; export OPENAI_API_KEY' });
    }
    // fish: quotes across lines; PowerShell: here-strings, <#…#>, a backtick continuing a line.
    expect(at('fish', `echo 'a\\'\nset -gx OPENAI_API_KEY ${KEY}\n'\n`)).toEqual(manual(/quoted string/));
    expect(at('fish', `echo "a" # it's\nset -gx OPENAI_API_KEY ${KEY}\n`)).toMatchObject({ kind: 'line' });
    expect(at('powershell', `$t = @"\n$env:OPENAI_API_KEY = "${KEY}"\n"@\n`)).toEqual(manual(/here-string/));
    expect(at('powershell', `<#\n$env:OPENAI_API_KEY = "${KEY}"\n#>\n`)).toEqual(manual(/block comment/));
    expect(at('powershell', `$t = @'\nx\n'@\n$env:OPENAI_API_KEY = "${KEY}"\n`)).toMatchObject({ kind: 'line' });
    // .env: a line inside a quoted value that starts above it.
    expect(at('dotenv', `CERT="-----BEGIN\nOPENAI_API_KEY=${KEY}\n-----END"\n`)).toEqual(manual(/quoted value/));
    expect(at('dotenv', `CERT="one line"\nOPENAI_API_KEY=${KEY}\n`)).toMatchObject({ kind: 'line', after: null });
  });

  it('changes only that line: CRLF endings, a missing final newline and every other byte kept', () => {
    const text = 'a\r\nexport OPENAI_API_KEY=x\r\nb';
    expect(replaceLine(text, 2, 'OPENAI_API_KEY="$(t)"; export OPENAI_API_KEY')).toBe('a\r\nOPENAI_API_KEY="$(t)"; export OPENAI_API_KEY\r\nb');
    expect(replaceLine(text, 2, null)).toBe('a\r\nb');
    expect(replaceLine('only', 1, null)).toBe('');
    expect(replaceLine('x\ny', 2, 'z')).toBe('x\nz');
    // A UTF-8 byte-order mark (as the file is edited: latin1) is the file's: it stays when line 1 goes.
    const bom = '\xEF\xBB\xBF';
    expect(replaceLine(`${bom}OPENAI_API_KEY=x\r\nA=1\r\nB=2`, 1, null)).toBe(`${bom}A=1\r\nB=2`);
    expect(replaceLine(`${bom}OPENAI_API_KEY=x\n`, 1, null)).toBe(bom);
    expect(replaceLine(`${bom}A=1\nOPENAI_API_KEY=x\n`, 2, null)).toBe(`${bom}A=1\n`);
  });

  it('writes the command as the person runs it', () => {
    expect(selfCommand({}, 'linux', undefined).command).toBe('openai-setup');
    expect(selfCommand({ PATH: '/nonexistent' }, 'linux', '/opt/my tools/bin/openai-setup.cjs').command).toBe("'/opt/my tools/bin/openai-setup.cjs'");
    const npx = selfCommand({ PATH: '' }, 'linux', '/home/me/.npm/_npx/abc/node_modules/openai-setup/bin/openai-setup.cjs', () => ({ kind: 'registry', version: null }));
    expect(npx.command).toBe('npx --yes openai-setup');
    expect(npx.note).toMatch(/npm install -g openai-setup/);
    expect(tokenCommand({ posixCommand: 'openai-setup' }, 'work', 'default')).toBe('openai-setup token --profile work');
    expect(runCommand({ posixCommand: 'openai-setup' }, 'work', 'default')).toBe('openai-setup run --profile work');
    expect(runCommand({ posixCommand: 'openai-setup' }, 'default', 'default')).toBe('openai-setup run');
    expect(runCommand({ posixCommand: 'openai-setup' }, 'default', 'work')).toBe('openai-setup run --profile default');
  });

  it('under npx the command is npx openai-setup even though npx put its own copy on PATH; a script that cannot run alone goes through node', () => {
    const t = makeTestContext();
    // npx's copy: in npm's cache (_npx), its bin folder on the PATH npx gives the run.
    const bin = join(dirname(t.cwd), '_npx', 'abc', 'node_modules', '.bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'openai-setup'), '#!/bin/sh\n', { mode: 0o755 });
    writeFileSync(join(bin, '..', '..', 'package.json'), NPX_PACKAGE_JSON);
    expect(selfCommand({ PATH: bin, npm_command: 'exec' }, 'linux', join(bin, 'openai-setup'), npxAskedFor).command).toBe('npx --yes openai-setup');
    expect(selfCommand({ PATH: bin }, 'linux', '/anywhere/openai-setup.cjs').command).toBe('openai-setup');
    const script = join(dirname(t.cwd), 'plain.cjs');
    writeFileSync(script, '', { mode: 0o644 });
    expect(selfCommand({ PATH: '' }, 'linux', script).command).toBe(`node ${script}`);
    expect(selfCommand({ PATH: '' }, 'win32', 'C:\\tools\\openai-setup.cjs').command).toBe("node 'C:\\tools\\openai-setup.cjs'");
    void t.cleanup();
  });

  it('PowerShell runs a quoted program through the call operator', () => {
    const finding: Finding = { path: '/x', line: 1, kind: 'powershell', key: KEY, variable: 'OPENAI_API_KEY', utf16: false };
    expect(planEdit(finding, `$env:OPENAI_API_KEY = "${KEY}"`, "'/opt/my tools/openai-setup.cjs' token")).toMatchObject({ after: "$env:OPENAI_API_KEY = (& '/opt/my tools/openai-setup.cjs' token)" });
    expect(planEdit(finding, `$env:OPENAI_API_KEY = "${KEY}"`, "node '/opt/it'\\''s/openai-setup.cjs' token")).toMatchObject({ after: "$env:OPENAI_API_KEY = (node '/opt/it''s/openai-setup.cjs' token)" });
  });
});

describe('how a changed file is loaded again, in the shell that reads it', () => {
  it('bash and zsh: source; ~/.profile: . (any POSIX sh); login files say login shells; fish: source; PowerShell: dot-sourcing; .envrc: direnv allow', () => {
    const now = 'to load it in this one:';
    expect(reloadHint('posix-shell', '/h/.zshrc', '~/.zshrc', 'zsh')).toBe(`It takes effect in new shells; ${now}  source ~/.zshrc`);
    expect(reloadHint('posix-shell', '/h/.bashrc', '~/.bashrc', 'bash')).toBe(`It takes effect in new shells; ${now}  source ~/.bashrc`);
    expect(reloadHint('posix-shell', '/h/.bash_profile', '~/.bash_profile', 'bash')).toBe(`It takes effect in new login shells; ${now}  source ~/.bash_profile`);
    expect(reloadHint('posix-shell', '/h/.profile', '~/.profile', 'sh')).toBe(`It takes effect in new login shells; ${now}  . ~/.profile`);
    expect(reloadHint('posix-shell', '/z d/.zshrc', '/z d/.zshrc', 'zsh')).toBe(`It takes effect in new shells; ${now}  source '/z d/.zshrc'`);
    expect(reloadHint('posix-shell', '/h/My Dots/.zshenv', '~/My Dots/.zshenv', 'zsh')).toBe(`It takes effect in new shells; ${now}  source ~/'My Dots/.zshenv'`);
    expect(reloadHint('posix-shell', '/p/.envrc', '.envrc', 'fish')).toBe('Run `direnv allow` for direnv to load the changed file.');
    expect(reloadHint('fish', '/h/.config/fish/config.fish', '~/.config/fish/config.fish', 'fish')).toBe(`It takes effect in new fish shells; ${now}  source ~/.config/fish/config.fish`);
    const ps = '/h/.config/powershell/Microsoft.PowerShell_profile.ps1';
    expect(reloadHint('powershell', ps, '~/.config/powershell/Microsoft.PowerShell_profile.ps1', 'powershell')).toBe(`It takes effect in new PowerShell sessions; ${now}  . '${ps}'`);
    expect(reloadHint('powershell', "C:\\Users\\o'brien\\Documents\\PowerShell\\profile.ps1", 'x', 'powershell')).toBe(`It takes effect in new PowerShell sessions; ${now}  . 'C:\\Users\\o''brien\\Documents\\PowerShell\\profile.ps1'`);
    expect(reloadHint('dotenv', '/p/.env', '.env', 'bash')).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------

const contexts = trackedContexts();
type Machine = ImportMachine;
const machine = (options: TestContextOptions = {}): Machine => importMachine(contexts, [KEY, OTHER], options);

const options = (extra: Partial<ImportOptions> = {}): ImportOptions => ({ check: false, json: false, rewrite: false, yes: false, ...extra });

function expectNoKeys(t: TestContext): void {
  for (const key of [KEY, OTHER, ADMIN]) expect(t.stdout + t.stderr).not.toContain(key);
  expect(t.stdout + t.stderr).not.toMatch(/sk-[A-Za-z0-9_-]{20,}/);
}

// `source ~/.bashrc` typed in fish or tcsh is an error: "this one" is the person's own shell (SHELL).
describe("import --rewrite: how the changed file is loaded again, said for the person's shell", () => {
  it.each([
    ['/bin/bash', '~/.bashrc', 'It takes effect in new shells; to load it in this one:  source ~/.bashrc'],
    ['/usr/bin/fish', '~/.bashrc', 'Your shell does not read ~/.bashrc: nothing to load in this one. New bash shells read the change; to load it in one open now:  source ~/.bashrc'],
    ['/usr/bin/tcsh', '~/.profile', 'Your shell does not read ~/.profile: nothing to load in this one. New sh and bash login shells read the change; to load it in one open now:  . ~/.profile'],
    ['/bin/bash', '~/.profile', 'It takes effect in new login shells; to load it in this one:  . ~/.profile'],
    ['/usr/bin/fish', '~/.zshrc', 'Your shell does not read ~/.zshrc: nothing to load in this one. New zsh shells read the change; to load it in one open now:  source ~/.zshrc'],
  ])('SHELL=%s, %s', async (shell, file, said) => {
    const t = machine({ interactive: false, env: { SHELL: shell } });
    t.write(file, `export OPENAI_API_KEY=${KEY}\n`);
    expect(await runImport(t.ctx, options({ store: `${file}:1`, rewrite: true, yes: true }), t.deps)).toBe(0);
    expect(t.read(file)).toBe('OPENAI_API_KEY="$(openai-setup token)"; export OPENAI_API_KEY\n');
    expect(t.stdout).toContain(`  ${said}\n`);
    expectNoKeys(t);
  });

  it('a fish file changed, the person in bash: fish shells are told to load it, not this one', async () => {
    const t = machine({ interactive: false, env: { SHELL: '/bin/bash' } });
    t.write('~/.config/fish/config.fish', `set -gx OPENAI_API_KEY ${KEY}\n`);
    expect(await runImport(t.ctx, options({ store: '~/.config/fish/config.fish:1', rewrite: true, yes: true }), t.deps)).toBe(0);
    expect(t.stdout).toContain('  Your shell does not read ~/.config/fish/config.fish: nothing to load in this one. New fish shells read the change; to load it in one open now:  source ~/.config/fish/config.fish\n');
  });
});

describe('import: the list', () => {
  it('lists each copy (file, line, masked key, kind, whether stored) without changing anything; exit 8 while one is left', async () => {
    const t = machine({ interactive: false, keychain: { default: KEY }, env: { OPENAI_API_KEY: KEY } });
    const zshrc = t.write('~/.zshrc', `# mine\nexport PATH=$PATH:~/bin\nexport OPENAI_API_KEY="${KEY}"\n`);
    t.write('~/.codex/auth.json', `{\n  "auth_mode": "apikey",\n  "OPENAI_API_KEY": "${KEY}"\n}\n`);
    t.write('~/.config/fish/fish_variables', `# This file contains fish universal variable definitions.\n# VERSION: 3.0\nSETUVAR --export OPENAI_API_KEY:${fishEscape(OTHER)}\n`);
    t.write('.env', `DEBUG=1\nOPENAI_API_KEY=${OTHER}\n`);
    const before = statSync(zshrc);
    expect(await runImport(t.ctx, options(), t.deps)).toBe(8);
    const out = t.stdout;
    expect(out).toContain('Looked in 4 files; found 4 plaintext copies of 2 OpenAI keys:');
    expect(out).toContain(`~/.zshrc, line 3\n    sk-proj-…${KEY.slice(-4)} · project key · the stored key`);
    expect(out).toContain(`~/.codex/auth.json, line 3 (Codex CLI)\n    sk-proj-…${KEY.slice(-4)} · project key · the stored key`);
    expect(out).toContain(`~/.config/fish/fish_variables, line 3 (fish universal variable)\n    sk-proj-…${OTHER.slice(-4)} · project key · not stored`);
    expect(out).toContain(`.env, line 2\n    sk-proj-…${OTHER.slice(-4)} · project key · not stored`);
    expect(out).toContain('In the environment: OPENAI_API_KEY = sk-proj-…');
    expect(out).toContain('add cli_auth_credentials_store = "keyring" to config.toml next to it, remove the key from ~/.codex/auth.json, and log in again (Codex then keeps the key in the OS keychain):  openai-setup token | codex login --with-api-key\n');
    expect(flat(out)).toContain('openai-setup import --store PATH:LINE --rewrite --yes');
    expect(statSync(zshrc).mtimeMs).toBe(before.mtimeMs);
    expectNoKeys(t);
  });

  it('a key another profile stores is "stored for profile …", not "not stored" (text and --json storedFor); --store of it for this profile says so', async () => {
    const t = machine({ interactive: false, keychain: { work: KEY } });
    await t.ctx.state.updateProfile('work', (p) => {
      p.key = { storage: 'keychain', hint: maskKey(KEY), savedAt: '2026-03-01T00:00:00.000Z' };
    });
    t.write('.env', `OPENAI_API_KEY=${KEY}\nOTHER_KEY=${OTHER}\n`);
    expect(await runImport(t.ctx, options({ profile: 'personal' }), t.deps)).toBe(8);
    expect(t.stdout).toContain(`.env, line 1\n    sk-proj-…${KEY.slice(-4)} · project key · stored for profile "work", not for this one`);
    expect(t.stdout).toContain(`sk-proj-…${OTHER.slice(-4)} · project key · not stored`);
    let before = t.stdout.length;
    expect(await runImport(t.ctx, options({ profile: 'personal', json: true }), t.deps)).toBe(8);
    const data = ImportJsonSchema.parse(JSON.parse(t.stdout.slice(before)));
    expect(data.findings.map((f) => [f.line, f.stored, f.storedFor])).toEqual([[1, false, ['work']], [2, false, []]]);
    // The profile that stores it: its own key, no other profile named.
    before = t.stdout.length;
    expect(await runImport(t.ctx, options({ profile: 'work', json: true }), t.deps)).toBe(8);
    expect(ImportJsonSchema.parse(JSON.parse(t.stdout.slice(before))).findings.map((f) => [f.stored, f.storedFor])).toEqual([[true, []], [false, []]]);
    before = t.stdout.length;
    expect(await runImport(t.ctx, options({ profile: 'personal', store: '.env:1', yes: true }), t.deps)).toBe(8);
    expect(flat(t.stdout.slice(before))).toContain(`Profile "work" stores the same key (${maskKey(KEY)}): revoking it (as rotate does) stops it for both profiles.`);
    expectNoKeys(t);
  });

  it('--check says, before the checks, that the keys travel in clear text or unchecked (plain http:// to another machine, TLS not checked): once, as verify does', async () => {
    const t = machine({ interactive: false, env: { OPENAI_BASE_URL: 'http://192.0.2.1:1/v1', NODE_TLS_REJECT_UNAUTHORIZED: '0' } });
    t.write('~/.bashrc', `export OPENAI_API_KEY='${KEY}'\n`);
    t.write('.env', `OPENAI_API_KEY=${OTHER}\n`);
    expect(await runImport(t.ctx, options({ json: true, check: true }), t.deps)).toBe(8);
    expect(t.stderr).toBe(
      [
        '! The key is sent to 192.0.2.1:1 (from OPENAI_BASE_URL), not to the OpenAI API.',
        '! NODE_TLS_REJECT_UNAUTHORIZED=0 is set: TLS certificates are not checked, so anyone on the network path can read the key. Unset it (for a company proxy, set NODE_EXTRA_CA_CERTS instead).',
        '! http://192.0.2.1:1/v1 is plain http:// to another machine: the key travels in clear text. Use https://.',
      ].map((line) => `${line}\n`).join(''),
    );
    expect(t.api.checks).toHaveLength(2);
  });

  it('--json: the same as data; --check adds a live check of each distinct key, nothing billable', async () => {
    const t = machine({ interactive: false, keychain: { default: KEY } });
    t.write('~/.bashrc', `export OPENAI_API_KEY='${KEY}'\n`);
    t.write('.env.local', `OPENAI_API_KEY=${ADMIN}\n`);
    t.write('~/.aider.conf.yml', `model: gpt-4o\nopenai-api-key: ${KEY}\n`);
    t.org.admin.addAdminKey(ADMIN);
    expect(await runImport(t.ctx, options({ json: true, check: true }), t.deps)).toBe(8);
    const data = ImportJsonSchema.parse(JSON.parse(t.stdout));
    expect(data.findings.map((f) => [f.path, f.line, f.place, f.tool, f.kind, f.variable, f.stored, f.action, f.check?.ok])).toEqual([
      ['~/.bashrc', 1, 'posix-shell', null, 'project', 'OPENAI_API_KEY', true, 'rewrite', true],
      ['~/.aider.conf.yml', 2, 'tool', 'aider', 'project', 'openai-api-key', true, 'manual', true],
      ['.env.local', 1, 'dotenv', null, 'admin', 'OPENAI_API_KEY', false, 'remove', true],
    ]);
    expect(data.findings[1]!.advice).toMatch(/openai-setup run -- aider/);
    expect(data).toMatchObject({ plaintextLeft: 3, exitCode: 8, moved: [] });
    expect(t.api.checks.map((c) => c.billingCheck)).toEqual([false]);
    expectNoKeys(t);
  });

  it('commands it suggests for files and other tools name the profile unless a new shell without OPENAI_SETUP_PROFILE acts on it', async () => {
    const codex = (t: Machine) => t.write('~/.codex/auth.json', `{"OPENAI_API_KEY": "${KEY}"}`);
    // The variable set here may not be set where the line runs: named, though it names default.
    const byVariable = machine({ interactive: false, keychain: { default: KEY }, env: { OPENAI_SETUP_PROFILE: 'default' } });
    codex(byVariable);
    expect(await runImport(byVariable.ctx, options(), byVariable.deps)).toBe(8);
    expect(byVariable.stdout).toContain(':  openai-setup token --profile default | codex login --with-api-key\n');
    // After `use work`, for default: named; for work: not.
    const chosen = machine({ interactive: false, keychain: { default: KEY } });
    codex(chosen);
    await useProfile(chosen.ctx, { name: 'work' });
    expect(await runImport(chosen.ctx, options({ profile: 'default' }), chosen.deps)).toBe(8);
    expect(chosen.stdout).toContain(':  openai-setup token --profile default | codex login --with-api-key\n');
    const before = chosen.stdout.length;
    expect(await runImport(chosen.ctx, options(), chosen.deps)).toBe(8);
    expect(chosen.stdout.slice(before)).toContain(':  openai-setup token | codex login --with-api-key\n');
  });

  it('nothing found: exit 0', async () => {
    const t = machine({ interactive: false });
    t.write('~/.bashrc', 'export PATH=$PATH:~/bin\n');
    expect(await runImport(t.ctx, options(), t.deps)).toBe(0);
    expect(t.stdout).toContain('✔ No plaintext copy of an OpenAI key in the 1 file import looks in.');
  });
});

describe('import: moving keys into the keychain', () => {
  it('--check on a terminal: what is typed during the checks is held (dropped) only where a question follows them', async () => {
    const WHICH = 'Which key should profile "default" keep in the keychain?';
    // Which key to keep: asked.
    const choose = machine();
    choose.write('.env', `OPENAI_API_KEY=${KEY}\n`);
    choose.prompts.whenSelect(WHICH, null);
    expect(await runImport(choose.ctx, options({ check: true }), choose.deps)).toBe(8);
    expect(choose.prompts.held).toEqual(['drop']);
    // A line of the stored key to change: asked.
    const line = machine({ keychain: { default: KEY } });
    line.write('.env', `OPENAI_API_KEY=${KEY}\n`);
    line.prompts.whenConfirm('Remove line 1 of .env?', false);
    expect(await runImport(line.ctx, options({ check: true }), line.deps)).toBe(8);
    expect(line.prompts.held).toEqual(['drop']);
    // Only the stored key, in another tool's file (advice, no question), or in the environment: nothing asked, nothing held.
    const none = machine({ keychain: { default: KEY }, env: { OPENAI_API_KEY: KEY } });
    none.write('~/.codex/auth.json', `{"OPENAI_API_KEY": "${KEY}"}`);
    expect(await runImport(none.ctx, options({ check: true }), none.deps)).toBe(8);
    expect(none.prompts.held).toEqual([]);
    // --json asks nothing; without --check there are no checks to hold through.
    for (const extra of [{ json: true, check: true }, { check: false }]) {
      const quiet = machine();
      quiet.write('.env', `OPENAI_API_KEY=${KEY}\n`);
      if (!extra.json) quiet.prompts.whenSelect(WHICH, null);
      expect(await runImport(quiet.ctx, options(extra), quiet.deps)).toBe(8);
      expect(quiet.prompts.held).toEqual([]);
    }
    expect(choose.prompts.asked.map((a) => a.message)).toEqual([WHICH]);
    expect(none.prompts.asked).toEqual([]);
  });

  it('on a terminal: stores the chosen key, then replaces each of its lines after showing the diff; other bytes, CRLF and modes kept', async () => {
    const t = machine();
    const zshrc = t.write('~/.zshrc', `# mine\r\nexport OPENAI_API_KEY="${KEY}"  # laptop\r\nalias ll='ls -l'`, 0o640);
    t.write('~/.config/fish/fish_variables', `# VERSION: 3.0\nSETUVAR --export OPENAI_API_KEY:${fishEscape(KEY)}\nSETUVAR fish_greeting:\n`);
    t.write('.env', `A=1\nOPENAI_API_KEY=${KEY}\nB=2\n`, 0o600);
    t.write('.envrc', `export OPENAI_API_KEY=${OTHER}\n`);
    t.write('~/.codex/auth.json', `{"OPENAI_API_KEY": "${KEY}"}`);
    t.prompts
      .whenSelect('Which key should profile "default" keep in the keychain?', KEY)
      .whenConfirm('Change line 2 of ~/.zshrc like this?', true)
      .whenConfirm('Erase the universal variable OPENAI_API_KEY and add that line to ~/.config/fish/config.fish?', true)
      .whenConfirm('Remove line 2 of .env?', true);
    expect(await runImport(t.ctx, options(), t.deps)).toBe(8);

    expect(t.keychain.keyOf('default')).toBe(KEY);
    expect((await t.profile())?.key?.hint).toBe(`sk-proj-…${KEY.slice(-4)}`);
    expect(t.read('~/.zshrc')).toBe(`# mine\r\nOPENAI_API_KEY="$(openai-setup token)"; export OPENAI_API_KEY  # laptop\r\nalias ll='ls -l'`);
    expect(statSync(zshrc).mode & 0o777).toBe(0o640);
    expect(t.read('.env')).toBe('A=1\nB=2\n');
    expect(statSync(join(t.cwd, '.env')).mode & 0o777).toBe(0o600);
    expect(t.fishCalls).toEqual(['set -Ue OPENAI_API_KEY']);
    expect(t.read('~/.config/fish/fish_variables')).not.toContain('OPENAI_API_KEY');
    expect(t.read('~/.config/fish/config.fish')).toBe('set -gx OPENAI_API_KEY (openai-setup token)\n');
    // Another key is not moved into this profile; another tool's file is only explained.
    expect(t.read('.envrc')).toContain(OTHER);
    expect(t.stdout).toContain(`.envrc, line 1: sk-proj-…${OTHER.slice(-4)} is not the stored key`);
    expect(t.stdout).toMatch(/- export OPENAI_API_KEY="sk-proj-…\S{4}" {2}# laptop\n {2}\+ OPENAI_API_KEY="\$\(openai-setup token\)"; export OPENAI_API_KEY {2}# laptop/);
    expect(t.stdout).toContain('2 plaintext copies are left');
    expect(t.stdout).toContain('To replace the key for good:  openai-setup rotate\n');
    // No temp file, and no copy of the key anywhere but where it was left.
    for (const dir of [t.home, join(t.home, '.config', 'fish'), t.cwd]) expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expectNoKeys(t);
  });

  it('--store PATH:LINE --rewrite --yes: one move without a terminal; exit 0 once no copy is left', async () => {
    const t = machine({ interactive: false });
    t.write('.env', `OPENAI_API_KEY="${KEY}"\n`);
    expect(await runImport(t.ctx, options({ store: '.env:1', rewrite: true, yes: true }), t.deps)).toBe(0);
    expect(t.keychain.keyOf('default')).toBe(KEY);
    expect(t.read('.env')).toBe('');
    expect(t.stdout).toContain('✔ Removed line 1 of .env. Start the program so that it gets the key:  openai-setup run -- …\n');
    expect(t.stdout).toContain('✔ No plaintext copy of an OpenAI key is left where import looks.');
    expect(t.api.checks.map((c) => c.billingCheck)).toEqual([true]);
    expect(t.stdout).toContain(`✔ Stored ${maskKey(KEY)} in the ${t.ctx.keys.keychainDescription} as the key of profile "default" (the key works and can spend).\n`);
  });

  it('a progress file of a newer openai-setup: --store exits 7 before its check, and a terminal is not asked which key to keep', async () => {
    const newer = JSON.stringify({ version: 2, profiles: {} });
    const withNewer = (interactive: boolean) => {
      const t = machine({ interactive });
      t.write('.env', `OPENAI_API_KEY="${KEY}"\n`);
      mkdirSync(t.configDir, { mode: 0o700 });
      writeFileSync(join(t.configDir, 'state.json'), newer, { mode: 0o600 });
      return t;
    };
    const refused = /^(✖ )?The progress file .*state\.json was written by a newer openai-setup \(format 2; this one knows 1\), so this one leaves it as it is and saves nothing to it; update openai-setup/m;
    const piped = withNewer(false);
    const { code, message } = await outcomeOf(runImport(piped.ctx, options({ store: '.env:1', rewrite: true, yes: true }), piped.deps));
    expect(code).toBe(7);
    expect(message).toMatch(refused);
    expect(piped.api.checks).toEqual([]);
    expect(piped.keychain.keyOf('default')).toBeUndefined();
    expect(piped.read('.env')).toBe(`OPENAI_API_KEY="${KEY}"\n`);

    const asked = withNewer(true);
    expect(await runImport(asked.ctx, options(), asked.deps)).toBe(7);
    expect(asked.prompts.asked).toEqual([]);
    expect(asked.api.checks).toEqual([]);
    expect(asked.stderr).toMatch(refused);
    expect(asked.read('.env')).toBe(`OPENAI_API_KEY="${KEY}"\n`);
    expect(readFileSync(join(asked.configDir, 'state.json'), 'utf8')).toBe(newer);
  });

  it('--store into another profile writes that profile into the line; links are followed, the link kept', async () => {
    const t = machine({ interactive: false });
    const real = t.write('~/dotfiles/bashrc', `export OPENAI_API_KEY=${KEY}\n`);
    symlinkSync(real, join(t.home, '.bashrc'));
    expect(await runImport(t.ctx, options({ store: '~/.bashrc:1', rewrite: true, yes: true, profile: 'work' }), t.deps)).toBe(0);
    expect(t.keychain.keyOf('work')).toBe(KEY);
    expect(readFileSync(real, 'utf8')).toBe('OPENAI_API_KEY="$(openai-setup token --profile work)"; export OPENAI_API_KEY\n');
    expect(readdirSync(t.home)).toContain('.bashrc');
  });

  it('an admin key is stored as the admin key, and its line removed (nothing prints the admin key)', async () => {
    const t = machine({ interactive: false });
    t.org.admin.addAdminKey(ADMIN);
    t.write('~/.profile', `export OPENAI_ADMIN_KEY=${ADMIN}\nexport EDITOR=vi\n`);
    expect(await runImport(t.ctx, options({ store: '~/.profile:1', rewrite: true, yes: true }), t.deps)).toBe(0);
    expect(t.keychain.keyOf('default:admin')).toBe(ADMIN);
    expect(t.read('~/.profile')).toBe('export EDITOR=vi\n');
  });

  it('an admin key that cannot read costs is said to list projects, as rotate needs: never that rotate works (its write permission is checked when it runs)', async () => {
    const t = machine({ interactive: false });
    t.org.admin.addAdminKey(ADMIN, { scopes: ['api.management.read'] });
    t.write('~/.profile', `export OPENAI_ADMIN_KEY=${ADMIN}\n`);
    expect(await runImport(t.ctx, options({ json: true, check: true }), t.deps)).toBe(8);
    expect(ImportJsonSchema.parse(JSON.parse(t.stdout)).findings[0]?.check).toMatchObject({ ok: true, message: 'The admin key can list projects, as rotate needs (it cannot read costs: spend cannot use it).' });
  });

  it('an admin key that may only read usage is stored too (spend can use it); one that can do neither is not', async () => {
    const t = machine({ interactive: false });
    t.org.admin.addAdminKey(ADMIN, { scopes: ['api.usage.read'] });
    t.write('~/.profile', `export OPENAI_ADMIN_KEY=${ADMIN}\n`);
    expect(await runImport(t.ctx, options({ json: true, check: true }), t.deps)).toBe(8);
    expect(ImportJsonSchema.parse(JSON.parse(t.stdout)).findings[0]?.check).toMatchObject({ ok: true, message: 'The admin key works for spend (it cannot list projects: rotate cannot use it).' });
    // The text says the same as the document, not a bare "works".
    const before = t.stdout.length;
    expect(await runImport(t.ctx, options({ check: true }), t.deps)).toBe(8);
    expect(t.stdout.slice(before)).toContain(' · works for spend (it cannot list projects: rotate cannot use it)');
    expect(await runImport(t.ctx, options({ store: '~/.profile:1', rewrite: true, yes: true }), t.deps)).toBe(0);
    expect(t.keychain.keyOf('default:admin')).toBe(ADMIN);

    const none = machine({ interactive: false });
    none.org.admin.addAdminKey(ADMIN, { scopes: [] });
    none.write('~/.profile', `export OPENAI_ADMIN_KEY=${ADMIN}\n`);
    expect((await outcomeOf(runImport(none.ctx, options({ store: '~/.profile:1', rewrite: true, yes: true }), none.deps))).code).toBe(5);
    expect(none.keychain.keyOf('default:admin')).toBeUndefined();
    expect(none.read('~/.profile')).toBe(`export OPENAI_ADMIN_KEY=${ADMIN}\n`);
  });

  it('an admin key with neither permission is refused naming both, as admin-key refuses it (the check says so too)', async () => {
    const t = machine({ interactive: false });
    t.org.admin.addAdminKey(ADMIN, { scopes: [] });
    t.write('~/.profile', `export OPENAI_ADMIN_KEY=${ADMIN}\n`);
    const lacks = `The admin key ${maskKey(ADMIN)} lacks the permissions api.management.read and api.usage.read: neither rotate nor spend can use it.`;
    expect(await runImport(t.ctx, options({ json: true, check: true }), t.deps)).toBe(8);
    expect(ImportJsonSchema.parse(JSON.parse(t.stdout)).findings[0]?.check).toMatchObject({ ok: false, status: 'missing_scope', message: lacks });
    const refused = await outcomeOf(runImport(t.ctx, options({ store: '~/.profile:1', rewrite: true, yes: true }), t.deps));
    expect(refused.code).toBe(5);
    expect(refused.message).toBe(`${maskKey(ADMIN)} was not stored: ${lacks}`);
    expect(t.keychain.keyOf('default:admin')).toBeUndefined();
  });

  it('an admin key that fails its check keeps that failure\'s fix (--json `fix` too), as a project key keeps its check\'s', async () => {
    const t = machine({ interactive: false });
    t.org.admin.addAdminKey(ADMIN);
    t.org.admin.failNext({ path: /^\/v1\/organization\// }, { status: 503 }, 10);
    t.write('~/.profile', `export OPENAI_ADMIN_KEY=${ADMIN}\n`);
    const refused = await outcomeOf(runImport(t.ctx, options({ store: '~/.profile:1', rewrite: true, yes: true, json: true }), t.deps));
    expect(refused.code).toBe(6);
    expect(refused.message).toBe(`${maskKey(ADMIN)} was not stored: Listing the organization's projects failed: the OpenAI API had a server error (HTTP 503).`);
    expect(refused.hints).toEqual(['Try again in a few minutes; status.openai.com shows incidents.']);
    expect(ImportFailureJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({ ok: false, exitCode: 6, reason: 'server_error', fix: refused.hints.join('\n') });
    expect(t.keychain.keyOf('default:admin')).toBeUndefined();
  });

  it('an admin key moved out of a .env: no run advice (run hands over the project key) and no rotate, but its own page and admin-key', async () => {
    const t = machine({ interactive: false });
    t.org.admin.addAdminKey(ADMIN);
    t.write('.env', `OPENAI_ADMIN_KEY=${ADMIN}\n`);
    expect(await runImport(t.ctx, options({ store: '.env:1', rewrite: true, yes: true }), t.deps)).toBe(0);
    expect(t.keychain.keyOf('default:admin')).toBe(ADMIN);
    expect(flat(t.stdout)).not.toContain('Start the program so that it gets the key');
    expect(t.stdout).not.toContain('To replace the key for good');
    // Without a terminal, admin-key would ask nothing: the new key piped in.
    expect(t.stdout).toMatch(/^To replace the admin key for good, .* then store that one \(pipe the key in, in place of …\): {2}… \| openai-setup admin-key --stdin$/m);
  });

  it('an admin key kept in the file (no keychain here) moved out of ~/.bashrc: the admin-key command named keeps the new one there too, and works as printed', async () => {
    const NEW = makeKey('admin', 'unit-import-admin-new');
    const t = machine({ interactive: false, stdin: `${ADMIN}\n` });
    t.org.admin.addAdminKey(ADMIN);
    t.org.admin.addAdminKey(NEW);
    t.keychain.failWith('no-service');
    expect(await adminKey(t.ctx, { profile: 'work', stdin: true, insecureStorage: true, verify: false, json: false })).toBe(0);
    t.write('~/.bashrc', `export OPENAI_ADMIN_KEY=${ADMIN}\n`);
    expect(await runImport(t.ctx, options({ profile: 'work', store: '~/.bashrc:1', rewrite: true, yes: true }), t.deps)).toBe(0);
    expect(t.read('~/.bashrc')).toBe('');
    const command = /then store that one \(pipe the key in, in place of …\): {2}… \| openai-setup admin-key (.+)$/m.exec(t.stdout)?.[1];
    expect(command, t.stdout).toBe('--stdin --insecure-storage --profile work');
    // As printed (its flags, as options), with the new key piped in.
    t.ctx.readStdin = async () => `${NEW}\n`;
    expect(await adminKey(t.ctx, { profile: 'work', stdin: true, insecureStorage: true, verify: true, json: false })).toBe(0);
    expect(await t.ctx.keys.fileKey('work:admin')).toBe(NEW);
  });

  it('refuses what it cannot do, before changing anything', async () => {
    const t = machine({ interactive: false });
    t.write('.env', `OPENAI_API_KEY=${KEY}\n`);
    t.write('~/.codex/auth.json', `{"OPENAI_API_KEY": "${KEY}"}\n`);
    expect(await outcomeOf(runImport(t.ctx, options({ rewrite: true }), t.deps))).toMatchObject({ code: 2, message: '--rewrite goes with --store PATH:LINE (the line to move).' });
    const noYes = await outcomeOf(runImport(t.ctx, options({ store: '.env:1' }), t.deps));
    expect(noYes.code).toBe(2);
    expect(noYes.message).toMatch(/Pass --yes to store it without asking/);
    expect((await outcomeOf(runImport(t.ctx, options({ store: '.env:2', yes: true }), t.deps))).message).toBe('--store: no OpenAI key at .env:2.');
    expect((await outcomeOf(runImport(t.ctx, options({ store: 'nonsense', yes: true }), t.deps))).code).toBe(2);
    const tool = await outcomeOf(runImport(t.ctx, options({ store: '~/.codex/auth.json:1', rewrite: true, yes: true }), t.deps));
    expect(tool.message).toMatch(/cannot be rewritten \(another tool's file: import never edits it\)\. Nothing was changed\./);
    expect(t.keychain.accounts()).toEqual([]);
    expect(t.read('.env')).toBe(`OPENAI_API_KEY=${KEY}\n`);
  });

  it('a key that fails its check is not stored, and its line stays (exit 3)', async () => {
    const t = machine({ interactive: false });
    const dead = makeKey('proj', 'unit-import-dead');
    t.write('.env', `OPENAI_API_KEY=${dead}\n`);
    const failed = await outcomeOf(runImport(t.ctx, options({ store: '.env:1', rewrite: true, yes: true }), t.deps));
    expect(failed.code).toBe(3);
    expect(failed.message).toMatch(/^sk-proj-…\S{4} was not stored: The API rejected the key/);
    expect(t.keychain.accounts()).toEqual([]);
    expect(t.read('.env')).toContain(dead);
  });

  // As `key` keeps it: the key is right, and what refuses it is fixed without a new one.
  it.each([
    ['a region block', checkResult('forbidden', { fix: 'The API can only be used from supported countries; the key itself may be fine.' })],
    [
      'a restricted key lacking a permission',
      checkResult('forbidden', {
        reason: 'missing_scopes',
        message: 'This restricted key lacks the permission api.model.read, so it cannot list models.',
        fix: 'Edit the key on the API keys page (Models: Read, Model capabilities: Write), or create a key with "All" permissions.',
        fixUrl: 'https://platform.openai.com/api-keys',
      }),
    ],
  ])('a key refused for %s is stored and its line moved, saying it is refused and what to run once fixed (exit 5, as `key`)', async (_name, refusal) => {
    const t = machine({ interactive: false });
    t.api.answerEveryCheck(() => refusal);
    t.write('.env', `OPENAI_API_KEY=${KEY}\n`);
    // Exit 5 as `key` exits for it: a script learns the key is refused before it calls.
    expect(await runImport(t.ctx, options({ store: '.env:1', rewrite: true, yes: true }), t.deps)).toBe(5);
    expect(t.stdout).toContain('✔ No plaintext copy of an OpenAI key is left where import looks.');
    expect(t.keychain.keyOf('default')).toBe(KEY);
    expect(t.read('.env')).toBe('');
    const said = [`! Stored ${maskKey(KEY)} in the ${t.ctx.keys.keychainDescription} as the key of profile "default". ${refusal.message}`, `  ${refusal.fix}`];
    if (refusal.fixUrl) said.push(`  → ${refusal.fixUrl}`);
    said.push('  Once that is fixed, check it:  openai-setup verify');
    expect(t.stdout).toContain(`${said.join('\n')}\n`);
    expect(t.stdout).not.toContain('✔ Stored');
    expect((await t.ctx.state.read()).profiles.default?.lastVerify).toMatchObject({ status: 'forbidden', ok: false });
    expectNoKeys(t);
  });

  it('--store over another stored key says what it replaces, as `key` does, --yes or not, --json on stderr', async () => {
    const notice = `! This replaces ${maskKey(OTHER)} for profile "default". That key may still work until you revoke it on the API keys page: ${PAGES.keys.url} `;
    const viaKey = machine({ interactive: false, stdin: KEY, keychain: { default: OTHER } });
    expect(await storeKey(viaKey.ctx, { stdin: true })).toBe(0);
    expect(flat(viaKey.stdout)).toContain(notice);

    for (const json of [false, true]) {
      const t = machine({ interactive: false, keychain: { default: OTHER } });
      t.write('.env', `OPENAI_API_KEY=${KEY}\n`);
      expect(await runImport(t.ctx, options({ store: '.env:1', yes: true, json }), t.deps)).toBe(8);
      expect(t.keychain.keyOf('default')).toBe(KEY);
      expect(flat(json ? t.stderr : t.stdout)).toContain(notice);
      if (json) expect(ImportJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({ exitCode: 8 });
      expectNoKeys(t);
    }
    // One whose last check found it rejected is not said to work.
    const rejected = machine({ interactive: false, keychain: { default: OTHER } });
    await rejected.ctx.state.updateProfile('default', (p) => {
      p.lastVerify = { at: '2026-01-02T03:04:05.000Z', status: 'invalid_key', ok: false, keyHint: maskKey(OTHER), keySource: 'keychain', organization: null, project: null, tier: null, billing: 'unchecked', message: 'Incorrect API key provided.' };
    });
    rejected.write('.env', `OPENAI_API_KEY=${KEY}\n`);
    await runImport(rejected.ctx, options({ store: '.env:1', yes: true }), rejected.deps);
    expect(flat(rejected.stdout)).toContain(`! This replaces ${maskKey(OTHER)} for profile "default". Its last check (2026-01-02 03:04 UTC) found it rejected; if it is still listed on the API keys page, revoke it there: ${PAGES.keys.url} `);
    expect(flat(rejected.stdout)).not.toContain('still work');
    expectNoKeys(rejected);
    // The same key stored again replaces nothing.
    const same = machine({ interactive: false, keychain: { default: KEY } });
    same.write('.env', `OPENAI_API_KEY=${KEY}\n`);
    await runImport(same.ctx, options({ store: '.env:1', yes: true }), same.deps);
    expect(same.stdout).not.toContain('This replaces');
  });

  it('a region-blocked key: --store exits as `key` storing it does (5), with --json and on a terminal too', async () => {
    const refused = checkResult('forbidden');
    const viaKey = machine({ interactive: false, stdin: KEY });
    viaKey.api.answerEveryCheck(() => refused);
    expect(await storeKey(viaKey.ctx, { stdin: true })).toBe(5);
    expect(viaKey.keychain.keyOf('default')).toBe(KEY);

    const json = machine({ interactive: false });
    json.api.answerEveryCheck(() => refused);
    json.write('.env', `OPENAI_API_KEY=${KEY}\n`);
    expect(await runImport(json.ctx, options({ store: '.env:1', rewrite: true, yes: true, json: true }), json.deps)).toBe(5);
    expect(ImportJsonSchema.parse(JSON.parse(json.stdout))).toMatchObject({ plaintextLeft: 0, exitCode: 5 });
    expect(json.keychain.keyOf('default')).toBe(KEY);

    const terminal = machine();
    terminal.api.answerEveryCheck(() => refused);
    terminal.write('~/.zshrc', `export OPENAI_API_KEY=${KEY}\n`);
    terminal.prompts.whenSelect('Which key should profile "default" keep in the keychain?', KEY).whenConfirm('Change line 1 of ~/.zshrc like this?', true);
    expect(await runImport(terminal.ctx, options(), terminal.deps)).toBe(5);
    expect(terminal.read('~/.zshrc')).toBe('OPENAI_API_KEY="$(openai-setup token)"; export OPENAI_API_KEY\n');
    expect(terminal.stdout).toContain('  Once that is fixed, check it:  openai-setup verify\n');
    for (const t of [viaKey, json, terminal]) expectNoKeys(t);
  });

  // As `key` stores it: the right key, whose fix is billing or a limit, not another key. The models
  // list takes it; only the test request (one token, as `key` sends) shows it cannot spend.
  it.each([
    ['no credits', checkResult('insufficient_quota')],
    [
      'a project spend limit',
      checkResult('insufficient_quota', {
        reason: 'project_spend_limit_exceeded',
        message: 'The key works, but its project has reached its spend limit.',
        fix: "Raise or remove the project's spend limit.",
        fixUrl: projectPageUrl('proj_test', 'limits'),
      }),
    ],
  ])('a key that cannot spend (%s) is stored with a warning, the fix and verify, never "works" alone', async (_name, cannotSpend) => {
    const t = machine({ interactive: false });
    t.api.answerEveryCheck((request) => (request.billingCheck ? cannotSpend : checkResult('valid', { billing: 'unchecked', message: 'The key works.' })));
    t.write('.env', `OPENAI_API_KEY=${KEY}\n`);
    // Stored only: the line stays, and a plaintext copy is left; the key's own exit code first (4, as `key`).
    expect(await runImport(t.ctx, options({ store: '.env:1', yes: true, profile: 'in1' }), t.deps)).toBe(4);
    expect(t.stdout).toContain('! 1 plaintext copy is left; to see it:  openai-setup import --profile in1\n');
    expect(t.keychain.keyOf('in1')).toBe(KEY);
    expect(t.api.checks.map((c) => c.billingCheck)).toEqual([true]);
    const said = [
      `! Stored ${maskKey(KEY)} in the ${t.ctx.keys.keychainDescription} as the key of profile "in1". ${cannotSpend.message}`,
      `  ${cannotSpend.fix}`,
      `  → ${cannotSpend.fixUrl}`,
      '  Once that is fixed, check it:  openai-setup verify --profile in1',
    ];
    expect(t.stdout).toContain(`${said.join('\n')}\n`);
    expect(t.stdout).not.toContain('✔ Stored');
    expect((await t.ctx.state.read()).profiles.in1?.lastVerify).toMatchObject({ status: 'insufficient_quota', ok: false });
    expectNoKeys(t);
  });

  it('a key accepted but whose test request was rate-limited is stored, saying billing was not proven', async () => {
    const t = machine({ interactive: false });
    t.api.answerEveryCheck(() => checkResult('rate_limited'));
    t.write('.env', `OPENAI_API_KEY=${KEY}\n`);
    expect(await runImport(t.ctx, options({ store: '.env:1', rewrite: true, yes: true }), t.deps)).toBe(0);
    expect(t.keychain.keyOf('default')).toBe(KEY);
    expect(t.stdout).toContain(
      `! Stored ${maskKey(KEY)} in the ${t.ctx.keys.keychainDescription} as the key of profile "default". The key works; the API is limiting requests right now. Billing was not proven: the API was rate-limiting requests when it ran.\n  Check it again later:  openai-setup verify\n`,
    );
    expect(t.stdout).not.toContain('✔ Stored');
  });
});

describe('import: an admin key that is not one is never sent', () => {
  // A copy cut off when it was pasted into the file: found (it has the marker), but not an admin key's length.
  const CUT = ADMIN.slice(0, 100);

  it('--store: not stored and not sent (exit 3), the line as it was', async () => {
    const t = machine({ interactive: false });
    t.write('.env', `OPENAI_ADMIN_KEY=${CUT}\n`);
    const refused = await outcomeOf(runImport(t.ctx, options({ store: '.env:1', rewrite: true, yes: true }), t.deps));
    expect(refused.code).toBe(3);
    expect(refused.message).toBe(`${maskKey(CUT)} was not stored: The key was not sent: it looks cut off (100 of 133 characters): copy it again.`);
    expect(t.org.requests).toEqual([]);
    expect(t.keychain.accounts()).toEqual([]);
    expect(t.read('.env')).toBe(`OPENAI_ADMIN_KEY=${CUT}\n`);
  });

  it('--check: said to be malformed, without a request', async () => {
    const t = machine({ interactive: false });
    t.write('.env', `OPENAI_ADMIN_KEY=${CUT}\n`);
    expect(await runImport(t.ctx, options({ json: true, check: true }), t.deps)).toBe(8);
    expect(ImportJsonSchema.parse(JSON.parse(t.stdout)).findings[0]?.check).toEqual({ ok: false, status: 'malformed_key', message: 'The key was not sent: it looks cut off (100 of 133 characters): copy it again.' });
    expect(t.org.requests).toEqual([]);
  });
});

describe('import where the keychain fails for another reason than "not running here"', () => {
  // What @napi-rs/keyring 2.1.2 throws (an Error with this message, no code), as seen from a
  // private gnome-keyring: a locked "login" collection whose unlock prompt cannot be shown, and a
  // session bus that refuses the request on its way to the Secret Service (a bus policy; an
  // AppArmor-confined snap is refused the same way). The real keychain turns it into a
  // KeychainUnavailableError with classifyKeyringError; so does this double.
  const LOCKED = "Couldn't access platform storage: Secret Service: unlock prompt was dismissed";
  const REFUSED =
    'Platform failure: DBus error: Rejected send message, 2 matched rules; type="method_call", sender=":1.1" (uid=1000 pid=4242 comm="node") interface="org.freedesktop.Secret.Collection" member="CreateItem" error name="(unset)" requested_reply="0" destination="org.freedesktop.secrets" (uid=1000 pid=4240 comm="gnome-keyring-daemon")';

  /** Every write fails as the binding fails it; reads work (a locked collection hides what is absent, and the bus lets reads through). */
  function failWrites(t: Machine, message: string): void {
    t.keychain.setPassword = async () => {
      throw classifyKeyringError(new Error(message));
    };
  }

  /** Said in one line (the fix, if any, under it), never a stack, and nothing changed: the line, the keychain, state.json. */
  async function expectNothingChanged(t: Machine, before: { zshrc: string; keychain: Record<string, string> }): Promise<void> {
    expect(t.read('~/.zshrc')).toBe(before.zshrc);
    expect(Object.fromEntries(t.keychain.accounts().map((a) => [a, t.keychain.keyOf(a)]))).toEqual(before.keychain);
    expect(t.stdout + t.stderr).not.toMatch(/^\s+at /m);
    expectNoKeys(t);
  }

  it('a locked keyring that cannot be unlocked: refused before any check, with how to unlock it (exit 7)', async () => {
    const t = machine({ interactive: false });
    t.write('~/.zshrc', `export OPENAI_API_KEY=${KEY}\n`);
    failWrites(t, LOCKED);
    const refused = await outcomeOf(runImport(t.ctx, options({ store: '~/.zshrc:1', rewrite: true, yes: true }), t.deps));
    expect(refused.code).toBe(7);
    expect(refused.message).toBe('The Secret Service keyring is locked and could not be unlocked from here. Nothing was stored or changed (the lines import changes read the key from there).');
    expect(refused.hints).toEqual([expect.stringMatching(/^Unlock it: log in to your desktop session/)]);
    expect(t.api.checks).toEqual([]);
    expect(await t.profile()).toBeUndefined();
    await expectNothingChanged(t, { zshrc: `export OPENAI_API_KEY=${KEY}\n`, keychain: {} });
  });

  it('a refused request with nothing stored: the keychain failed, in its own words, not "none running here" (exit 7)', async () => {
    const t = machine({ interactive: false });
    t.write('~/.zshrc', `export OPENAI_API_KEY=${KEY}\n`);
    failWrites(t, REFUSED);
    const refused = await outcomeOf(runImport(t.ctx, options({ store: '~/.zshrc:1', rewrite: true, yes: true }), t.deps));
    expect(refused.code).toBe(7);
    expect(refused.message).toBe(`The Secret Service keyring failed: ${REFUSED}. Nothing was stored or changed (the lines import changes read the key from there).`);
    expect(refused.message).not.toMatch(/not running|over SSH/);
    expect(t.api.checks).toEqual([]);
    await expectNothingChanged(t, { zshrc: `export OPENAI_API_KEY=${KEY}\n`, keychain: {} });
  });

  it('the store itself refused, another key stored: --store says so in one line (exit 7); the stored key, its record and the line stay', async () => {
    for (const json of [false, true]) {
      // Both keys of the profile stored: the reads find them, so nothing tries a write before the store.
      const t = machine({ interactive: false, keychain: { default: OTHER, 'default:admin': ADMIN } });
      const record = { storage: 'keychain' as const, hint: maskKey(OTHER), savedAt: '2026-03-01T00:00:00.000Z' };
      await t.ctx.state.updateProfile('default', (p) => {
        p.key = record;
      });
      t.write('~/.zshrc', `export OPENAI_API_KEY=${KEY}\n`);
      failWrites(t, REFUSED);
      const refused = await outcomeOf(runImport(t.ctx, options({ store: '~/.zshrc:1', rewrite: true, yes: true, json }), t.deps));
      expect(refused.code).toBe(7);
      expect(refused.message).toBe(`The Secret Service keyring failed: ${REFUSED}. ${maskKey(KEY)} was not stored, and nothing was changed.`);
      expect(refused.message).not.toContain('\n');
      if (json) expect(ImportFailureJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({ ok: false, exitCode: 7, reason: 'key_store', message: refused.message });
      expect((await t.profile())?.key).toEqual(record);
      await expectNothingChanged(t, { zshrc: `export OPENAI_API_KEY=${KEY}\n`, keychain: { default: OTHER, 'default:admin': ADMIN } });
    }
  });

  it('on a terminal, the keyring locked while the question was open: said once with how to unlock it; no line changed or offered, no other profile suggested (exit 7)', async () => {
    const t = machine({ keychain: { default: OTHER, 'default:admin': ADMIN } });
    t.write('~/.zshrc', `export OPENAI_API_KEY=${KEY}\n`);
    // Locked once the key is chosen: from then on reads of what it holds fail too, as the binding's do.
    let locked = false;
    const keychain = t.keychain;
    const [get, select] = [keychain.getPassword.bind(keychain), t.prompts.select.bind(t.prompts)];
    keychain.getPassword = async (service, account) => {
      if (locked) throw classifyKeyringError(new Error(LOCKED));
      return get(service, account);
    };
    failWrites(t, LOCKED);
    t.prompts.select = async (...args) => {
      const chosen = await select(...args);
      locked = true;
      return chosen;
    };
    t.prompts.whenSelect('Which key should profile "default" keep in the keychain?', KEY);
    expect(await runImport(t.ctx, options(), t.deps)).toBe(7);
    expect(t.stderr).toContain(`✖ The Secret Service keyring is locked and could not be unlocked from here. ${maskKey(KEY)} was not stored, and nothing was changed.\n  Unlock it: log in to your desktop session`);
    expect(t.stderr.split('\n').filter((l) => l.startsWith('✖'))).toHaveLength(1);
    expect(t.stdout).toContain(`! ~/.zshrc, line 1: ${maskKey(KEY)} is not the stored key.\n`);
    expect(t.stdout).not.toContain('for another profile');
    await expectNothingChanged(t, { zshrc: `export OPENAI_API_KEY=${KEY}\n`, keychain: { default: OTHER, 'default:admin': ADMIN } });
  });
});

describe('status and doctor mention plaintext copies of the stored key, and the admin key', () => {
  it('status: from the state file and the files import looks in (no keychain)', async () => {
    const { run: status, StatusJsonSchema } = await import('../../src/commands/status.js');
    const t = machine({ interactive: false });
    t.write('~/.zshrc', `export OPENAI_API_KEY=${KEY}\n`);
    t.write('~/.codex/auth.json', `{"OPENAI_API_KEY": "${KEY}"}\n`);
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'keychain', hint: `sk-proj-…${KEY.slice(-4)}`, savedAt: '2026-03-01T00:00:00.000Z' };
      p.adminKey = { storage: 'keychain', hint: `sk-admin-…${ADMIN.slice(-4)}`, savedAt: '2026-03-01T00:00:00.000Z' };
    });
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.stdout).toContain('! The stored key is also in plain text: ~/.zshrc:1, ~/.codex/auth.json:1 — `openai-setup import` moves it');
    expect(t.stdout).toContain(`✔ Admin key sk-admin-…${ADMIN.slice(-4)} in the Secret Service keyring (for rotate and spend)`);
    expect(t.keychain.calls).toEqual([]);
    const json = machine({ interactive: false });
    json.write('.env', `OPENAI_API_KEY=${KEY}\n`);
    await json.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'keychain', hint: `sk-proj-…${KEY.slice(-4)}`, savedAt: '2026-03-01T00:00:00.000Z' };
    });
    await status(json.ctx, { json: true });
    expect(StatusJsonSchema.parse(JSON.parse(json.stdout))).toMatchObject({ plaintext: [{ path: '.env', line: 1 }], adminKey: null });
  });

  it('doctor: a warning naming the copies, and the admin key when stored', async () => {
    const { run: doctor } = await import('../../src/commands/doctor.js');
    const t = machine({ interactive: false, keychain: { default: KEY } });
    t.write('~/.bashrc', `export OPENAI_API_KEY=${KEY}\n`);
    await t.ctx.state.updateProfile('default', (p) => {
      p.adminKey = { storage: 'keychain', hint: `sk-admin-…${ADMIN.slice(-4)}`, savedAt: '2026-03-01T00:00:00.000Z' };
    });
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 20 });
    expect(await doctor(t.ctx, { json: false })).toBe(0);
    expect(t.stdout).toContain(`! Plaintext copies    sk-proj-…${KEY.slice(-4)} is also in plain text: ~/.bashrc:1\n  → Move them into the keychain:  openai-setup import`);
    expect(t.stdout).toContain(`✔ Admin key           sk-admin-…${ADMIN.slice(-4)} stored (the Secret Service keyring), for rotate and spend`);
    expectNoKeys(t);
  });
});

describe('import: a key only in the environment', () => {
  it('can be the one stored, on a terminal', async () => {
    const t = machine({ env: { OPENAI_API_KEY: OTHER } });
    t.prompts.whenSelect('Which key should profile "default" keep in the keychain?', OTHER);
    expect(await runImport(t.ctx, options(), t.deps)).toBe(0);
    expect(t.keychain.keyOf('default')).toBe(OTHER);
    expect(t.prompts.asked[0]!.choices).toEqual([OTHER, null]);
    expectNoKeys(t);
  });
});

describe('import: what the person reads (review of the built binary)', () => {
  it('--store … --rewrite --yes --json: stdout is the JSON document alone; the diff and the messages go to stderr', async () => {
    const t = machine({ interactive: false });
    t.write('.env', `OPENAI_API_KEY=${KEY}\n`);
    expect(await runImport(t.ctx, options({ store: '.env:1', rewrite: true, yes: true, json: true }), t.deps)).toBe(0);
    const data = ImportJsonSchema.parse(JSON.parse(t.stdout));
    expect(data).toMatchObject({ moved: [{ path: '.env', line: 1, action: 'remove' }], plaintextLeft: 0, exitCode: 0 });
    expect(t.stderr).toContain('.env, line 1:');
    expect(t.stderr).toMatch(/ {2}- OPENAI_API_KEY=sk-proj-…\S{4}/);
    expect(t.stderr).toContain('✔ Removed line 1 of .env.');
    expectNoKeys(t);
  });

  it('--json with a fish universal variable: the diff goes to stderr too', async () => {
    const t = machine({ interactive: false });
    t.write('~/.config/fish/fish_variables', `# VERSION: 3.0\nSETUVAR --export OPENAI_API_KEY:${fishEscape(KEY)}\n`);
    expect(await runImport(t.ctx, options({ store: '~/.config/fish/fish_variables:2', rewrite: true, yes: true, json: true }), t.deps)).toBe(0);
    expect(ImportJsonSchema.parse(JSON.parse(t.stdout)).moved).toEqual([{ path: '~/.config/fish/fish_variables', line: 2, action: 'fish-erase' }]);
    expect(t.stderr).toContain("- OPENAI_API_KEY (universal), erased with: fish -c 'set -Ue OPENAI_API_KEY'");
    expect(t.stderr).toContain('+ set -gx OPENAI_API_KEY (openai-setup token)');
    expect(t.stderr).toContain('Running fish shells no longer have it. It takes effect in new fish shells; to load it in this one:  source ~/.config/fish/config.fish\n');
  });

  it('a UTF-8 byte-order mark before line 1 (PowerShell ISE writes one) is kept, and the line is still changed', async () => {
    const t = machine({ interactive: false });
    t.write('~/.config/powershell/Microsoft.PowerShell_profile.ps1', `\uFEFF$env:OPENAI_API_KEY = "${KEY}"\r\n`);
    t.write('~/.zshrc', `\uFEFFexport OPENAI_API_KEY=${KEY}\n`);
    expect(await runImport(t.ctx, options({ json: true }), t.deps)).toBe(8);
    expect(ImportJsonSchema.parse(JSON.parse(t.stdout)).findings.map((f) => [f.path, f.variable, f.action])).toEqual([
      ['~/.zshrc', 'OPENAI_API_KEY', 'rewrite'],
      ['~/.config/powershell/Microsoft.PowerShell_profile.ps1', 'OPENAI_API_KEY', 'rewrite'],
    ]);
    // One line at a time: the other file's copy is left (exit 8) until its own turn.
    expect(await runImport(t.ctx, options({ store: '~/.config/powershell/Microsoft.PowerShell_profile.ps1:1', rewrite: true, yes: true }), t.deps)).toBe(8);
    expect(t.read('~/.config/powershell/Microsoft.PowerShell_profile.ps1')).toBe('\xEF\xBB\xBF$env:OPENAI_API_KEY = (openai-setup token)\r\n');
    expect(await runImport(t.ctx, options({ store: '~/.zshrc:1', rewrite: true, yes: true }), t.deps)).toBe(0);
    expect(t.read('~/.zshrc')).toBe('\xEF\xBB\xBFOPENAI_API_KEY="$(openai-setup token)"; export OPENAI_API_KEY\n');
    expectNoKeys(t);
  });

  it('a changed PowerShell profile is loaded with . (dot-sourcing), not source', async () => {
    const t = machine({ interactive: false });
    const profile = t.write('~/.config/powershell/Microsoft.PowerShell_profile.ps1', `$env:OPENAI_API_KEY = "${KEY}"\n`);
    expect(await runImport(t.ctx, options({ store: '~/.config/powershell/Microsoft.PowerShell_profile.ps1:1', rewrite: true, yes: true }), t.deps)).toBe(0);
    expect(t.read('~/.config/powershell/Microsoft.PowerShell_profile.ps1')).toBe('$env:OPENAI_API_KEY = (openai-setup token)\n');
    expect(t.stdout).toContain(`It takes effect in new PowerShell sessions; to load it in this one:  . '${profile}'\n`);
    expect(t.stdout).not.toContain('source');
  });

  it('a line import cannot change is listed with why and "edit it by hand", never skipped in silence', async () => {
    const line = `OPENAI_API_KEY=${KEY}; export OPENAI_API_KEY\n`;
    // The list, not stored yet: why, and edit it by hand.
    const listed = machine({ interactive: false });
    listed.write('~/.bash_profile', line);
    expect(await runImport(listed.ctx, options(), listed.deps)).toBe(8);
    expect(listed.stdout).toContain(`~/.bash_profile, line 1\n    sk-proj-…${KEY.slice(-4)} · project key · not stored\n    Import cannot change this line (the line is more than an assignment of the key): edit it by hand.\n`);
    // Stored: also what to put there.
    const stored = machine({ interactive: false, keychain: { default: KEY } });
    stored.write('~/.bash_profile', line);
    expect(await runImport(stored.ctx, options(), stored.deps)).toBe(8);
    expect(stored.stdout).toContain('    Import cannot change this line (the line is more than an assignment of the key): edit it by hand, with this in place of the key:  "$(openai-setup token)"\n');
    // As data.
    const json = machine({ interactive: false, keychain: { default: KEY } });
    json.write('~/.bash_profile', line);
    expect(await runImport(json.ctx, options({ json: true }), json.deps)).toBe(8);
    expect(ImportJsonSchema.parse(JSON.parse(json.stdout)).findings).toMatchObject([
      { path: '~/.bash_profile', line: 1, action: 'manual', advice: 'import cannot change this line (the line is more than an assignment of the key): edit it by hand, with this in place of the key:  "$(openai-setup token)"' },
    ]);
    // --store … --rewrite on it: refused, saying what to do instead.
    const store = machine({ interactive: false });
    store.write('~/.bash_profile', line);
    const refused = await outcomeOf(runImport(store.ctx, options({ store: '~/.bash_profile:1', rewrite: true, yes: true }), store.deps));
    expect(refused).toMatchObject({ code: 2, message: '--rewrite: ~/.bash_profile:1 cannot be rewritten (the line is more than an assignment of the key). Nothing was changed.' });
    expect(refused.hints).toEqual(['Edit it by hand. To store the key without changing the line:  openai-setup import --store ~/.bash_profile:1 --yes']);
    for (const t of [listed, stored, json, store]) expectNoKeys(t);
  });

  it('on a terminal: after the changes, each line of the stored key that import cannot change is named, with why and what to put there', async () => {
    const t = machine();
    t.write('~/.bash_profile', `OPENAI_API_KEY=${KEY}; export OPENAI_API_KEY\n`);
    t.write('~/.zshrc', `export OPENAI_API_KEY=${KEY}\n`);
    t.prompts.whenSelect('Which key should profile "default" keep in the keychain?', KEY).whenConfirm('Change line 1 of ~/.zshrc like this?', true);
    expect(await runImport(t.ctx, options(), t.deps)).toBe(8);
    expect(t.keychain.keyOf('default')).toBe(KEY);
    expect(t.stdout).toContain(`! ~/.bash_profile, line 1 (sk-proj-…${KEY.slice(-4)}): import cannot change this line (the line is more than an assignment of the key): edit it by hand, with this in place of the key:  "$(openai-setup token)"\n`);
    expect(t.stdout).toContain('! 1 plaintext copy is left; to see it:  openai-setup import\n');
    expect(t.read('~/.bash_profile')).toContain(KEY);
    expectNoKeys(t);
  });

  it('started by its path (not on PATH, not npx): the advice names the tool as the lines written into files do', async () => {
    const t = machine({ interactive: false, env: { PATH: '' } });
    const script = join(dirname(t.cwd), 'checkout', 'bin', 'openai-setup.cjs');
    mkdirSync(dirname(script), { recursive: true });
    writeFileSync(script, '#!/usr/bin/env node\n', { mode: 0o755 });
    t.ctx.binPath = script;
    t.write('.env', `OPENAI_API_KEY=${KEY}\n`);
    t.write('~/.zshrc', `export OPENAI_API_KEY=${KEY}\n`);
    t.write('~/.config/shell_gpt/.sgptrc', `OPENAI_API_KEY=${KEY}\n`);
    expect(await runImport(t.ctx, options({ store: '~/.zshrc:1', rewrite: true, yes: true, profile: 'work' }), t.deps)).toBe(8);
    expect(t.read('~/.zshrc')).toBe(`OPENAI_API_KEY="$(${script} token --profile work)"; export OPENAI_API_KEY\n`);
    // Each command last on its line, set off with two spaces: the terminal never breaks it in two, however long the path.
    expect(t.stdout).toContain(`! 2 plaintext copies are left; to see them:  ${script} import --profile work\n`);
    expect(t.stdout).toContain(`Run it as:  ${script} run --profile work -- sgpt …\n`);
    expect(t.stdout).toContain(`To replace the key for good:  ${script} rotate --profile work\n`);
    expect(t.stdout).not.toMatch(/(?<![/\w.-])openai-setup (?:run|import|rotate|token)/);

    const env = machine({ interactive: false, env: { PATH: '' } });
    env.ctx.binPath = script;
    env.write('.env', `OPENAI_API_KEY=${KEY}\n`);
    expect(await runImport(env.ctx, options({ store: '.env:1', rewrite: true, yes: true }), env.deps)).toBe(0);
    expect(env.stdout).toContain(`✔ Removed line 1 of .env. Start the program so that it gets the key:  ${script} run -- …\n`);

    // On a narrow terminal, lines wrap, but never inside the command they end with.
    const narrow = machine({ interactive: false, stdoutIsTTY: true, columns: 60, env: { PATH: '' } });
    narrow.ctx.binPath = script;
    narrow.write('~/.config/powershell/Microsoft.PowerShell_profile.ps1', `$env:OPENAI_API_KEY = "${KEY}"\n`);
    narrow.write('~/.config/shell_gpt/.sgptrc', `OPENAI_API_KEY=${KEY}\n`);
    expect(await runImport(narrow.ctx, options({ store: '~/.config/powershell/Microsoft.PowerShell_profile.ps1:1', rewrite: true, yes: true }), narrow.deps)).toBe(8);
    const lines = narrow.stdout.split('\n');
    for (const command of [`. '${join(narrow.home, '.config', 'powershell', 'Microsoft.PowerShell_profile.ps1')}'`, `${script} import`, `${script} run -- sgpt …`, `${script} rotate`]) {
      expect(lines.some((l) => l.trim() === command), `${command} whole on a line of its own in:\n${narrow.stdout}`).toBe(true);
    }

    const list = machine({ interactive: false, env: { PATH: '' } });
    list.ctx.binPath = script;
    list.write('.env', `OPENAI_API_KEY=${KEY}\n`);
    expect(await runImport(list.ctx, options(), list.deps)).toBe(8);
    expect(list.stdout).toContain(`To move one into the keychain, on a terminal:  ${script} import\nOr without a terminal, name its line:  ${script} import --store PATH:LINE --rewrite --yes\n`);

    // Wrapped, each command starts at the left edge, as the other's: never under a label, part way across.
    const wrapped = machine({ interactive: false, stdoutIsTTY: true, columns: 60 });
    wrapped.write('.env', `OPENAI_API_KEY=${KEY}\n`);
    expect(await runImport(wrapped.ctx, options(), wrapped.deps)).toBe(8);
    expect(wrapped.stdout).toContain('To move one into the keychain, on a terminal:\nopenai-setup import\nOr without a terminal, name its line:\nopenai-setup import --store PATH:LINE --rewrite --yes\n');
  });

  it('installed under a folder whose name is not ASCII: the lines written hold its path in UTF-8, as shown in the diff', async () => {
    const t = machine({ env: { PATH: '' } });
    const script = join(dirname(t.cwd), 'ünï 工具', 'bin', 'openai-setup.cjs');
    mkdirSync(dirname(script), { recursive: true });
    writeFileSync(script, '#!/usr/bin/env node\n', { mode: 0o755 });
    t.ctx.binPath = script;
    const command = `'${script}' token`;
    t.write('~/.zshrc', `# café\nexport OPENAI_API_KEY=${KEY}\n`);
    t.write('~/.config/powershell/Microsoft.PowerShell_profile.ps1', `$env:OPENAI_API_KEY = "${KEY}"\n`);
    t.write('~/.config/fish/fish_variables', `# VERSION: 3.0\nSETUVAR --export OPENAI_API_KEY:${fishEscape(KEY)}\n`);
    t.prompts
      .whenSelect('Which key should profile "default" keep in the keychain?', KEY)
      .whenConfirm('Change line 2 of ~/.zshrc like this?', true)
      .whenConfirm('Erase the universal variable OPENAI_API_KEY and add that line to ~/.config/fish/config.fish?', true)
      .whenConfirm('Change line 1 of ~/.config/powershell/Microsoft.PowerShell_profile.ps1 like this?', true);
    expect(await runImport(t.ctx, options(), t.deps)).toBe(0);
    const utf8 = (path: string) => readFileSync(join(t.home, path), 'utf8');
    expect(utf8('.zshrc')).toBe(`# café\nOPENAI_API_KEY="$(${command})"; export OPENAI_API_KEY\n`);
    expect(utf8('.config/fish/config.fish')).toBe(`set -gx OPENAI_API_KEY (${command})\n`);
    expect(utf8('.config/powershell/Microsoft.PowerShell_profile.ps1')).toBe(`$env:OPENAI_API_KEY = (& ${command})\n`);
    // What was shown is what was written, and nothing was taken for another program's change.
    expect(t.stdout).toContain(`  + OPENAI_API_KEY="$(${command})"; export OPENAI_API_KEY\n`);
    expect(t.stdout).toContain(`  + set -gx OPENAI_API_KEY (${command})   (at the end of ~/.config/fish/config.fish)\n`);
    expect(t.stdout).toContain(`  + $env:OPENAI_API_KEY = (& ${command})\n`);
    expect(t.stdout).toContain('✔ Changed line 2 of ~/.zshrc.');
    expect(t.stderr).toBe('');

    // config.fish holding that line already (in UTF-8): it is not added again.
    const again = machine({ interactive: false, env: { PATH: '' } });
    again.ctx.binPath = script;
    again.write('~/.config/fish/config.fish', `set -gx OPENAI_API_KEY (${command})\n`);
    again.write('~/.config/fish/fish_variables', `# VERSION: 3.0\nSETUVAR --export OPENAI_API_KEY:${fishEscape(KEY)}\n`);
    expect(await runImport(again.ctx, options({ yes: true, store: '~/.config/fish/fish_variables:2', rewrite: true }), again.deps)).toBe(0);
    expect(again.stdout).not.toContain('at the end of');
    expect(readFileSync(join(again.home, '.config/fish/config.fish'), 'utf8')).toBe(`set -gx OPENAI_API_KEY (${command})\n`);
    expectNoKeys(t);
  });
});

describe('import: a file `env --file` wrote for the profile, as the person asked', () => {
  /** KEY stored for "default", and `path` (in the project) recorded as written by env --file. */
  async function askedFor(t: Machine, path: string): Promise<void> {
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'keychain', hint: `sk-proj-…${KEY.slice(-4)}`, savedAt: '2026-03-01T00:00:00.000Z' };
      p.envFiles = [join(t.cwd, path)];
    });
  }

  it('on a terminal: the other copies are moved, that one is neither asked about nor changed; exit 0', async () => {
    const t = machine({ keychain: { default: KEY } });
    t.write('.env', `OPENAI_API_KEY=${KEY}\n`, 0o600);
    t.write('~/.zshrc', `export OPENAI_API_KEY=${KEY}\n`);
    await askedFor(t, '.env');
    // The scripted prompter fails on any other question (Remove line 1 of .env?).
    t.prompts.whenConfirm('Change line 1 of ~/.zshrc like this?', true);
    expect(await runImport(t.ctx, options(), t.deps)).toBe(0);
    expect(t.read('.env')).toBe(`OPENAI_API_KEY=${KEY}\n`);
    expect(t.read('~/.zshrc')).toBe('OPENAI_API_KEY="$(openai-setup token)"; export OPENAI_API_KEY\n');
    expect(t.stdout).toContain('Looked in 2 files; found 1 plaintext copy of 1 OpenAI key:');
    expect(t.stdout).toContain(`○ .env, line 1: sk-proj-…${KEY.slice(-4)}, the stored key, written by \`openai-setup env --file .env\`, as you asked; import leaves it\n`);
    expect(t.stdout).toContain('✔ No plaintext copy of an OpenAI key is left where import looks.');
    expectNoKeys(t);
  });

  it('--store naming its line with --rewrite removes it all the same: the person named it', async () => {
    const t = machine({ interactive: false, keychain: { default: KEY } });
    t.write('.env', `A=1\nOPENAI_API_KEY=${KEY}\n`);
    await askedFor(t, '.env');
    expect(await runImport(t.ctx, options({ store: '.env:2', rewrite: true, yes: true }), t.deps)).toBe(0);
    expect(t.read('.env')).toBe('A=1\n');
    expect(t.stdout).toContain('✔ Removed line 2 of .env.');
  });

  it("another profile's file holding that profile's key is kept too, named with its profile", async () => {
    const t = machine({ interactive: false, keychain: { default: KEY, work: OTHER } });
    t.write('.env', `OPENAI_API_KEY=${OTHER}\n`);
    await t.ctx.state.updateProfile('work', (p) => {
      p.key = { storage: 'keychain', hint: `sk-proj-…${OTHER.slice(-4)}`, savedAt: '2026-03-01T00:00:00.000Z' };
      p.envFiles = [join(t.cwd, '.env')];
    });
    expect(await runImport(t.ctx, options(), t.deps)).toBe(0);
    expect(t.stdout).toContain(`○ .env, line 1: sk-proj-…${OTHER.slice(-4)}, the key of profile "work", written by \`openai-setup env --file .env --profile work\`, as you asked; import leaves it\n`);
  });
});

describe('import: later findings in a file an earlier change moved (review of 2026-12-06)', () => {
  it('on a terminal: a line removed above another of the same file, then that one changed at the line it is on now', async () => {
    const t = machine();
    t.org.admin.addAdminKey(ADMIN);
    t.write('~/.zshrc', `export OPENAI_ADMIN_KEY=${ADMIN}\nexport OPENAI_API_KEY=${KEY}\n`);
    t.prompts
      .whenSelect('Which key should profile "default" keep in the keychain?', KEY)
      .whenSelect('Which admin key should profile "default" keep in the keychain?', ADMIN)
      .whenConfirm('Remove line 1 of ~/.zshrc?', true)
      .whenConfirm('Change line 1 of ~/.zshrc like this?', true);
    expect(await runImport(t.ctx, options(), t.deps)).toBe(0);
    expect(t.read('~/.zshrc')).toBe('OPENAI_API_KEY="$(openai-setup token)"; export OPENAI_API_KEY\n');
    expect(t.stdout).toContain('✔ Removed line 1 of ~/.zshrc.\n');
    expect(t.stdout).toContain('~/.zshrc, line 1:\n');
    expect(t.stdout).toContain('✔ Changed line 1 of ~/.zshrc.\n');
    expect(t.stdout).not.toContain('edit it by hand');
    expect(t.stdout).toContain('✔ No plaintext copy of an OpenAI key is left where import looks.');
    expectNoKeys(t);
  });

  it('in a .env: each removal, each line left by hand and each key not stored is named at the line it is on now', async () => {
    const t = machine();
    t.org.admin.addAdminKey(ADMIN);
    t.write('.env', `OPENAI_API_KEY=${KEY}\nOPENAI_ADMIN_KEY=${ADMIN}\nA=1 OPENAI_API_KEY=${KEY}\nOTHER_KEY=${OTHER}\n`);
    t.prompts
      .whenSelect('Which key should profile "default" keep in the keychain?', KEY)
      .whenSelect('Which admin key should profile "default" keep in the keychain?', ADMIN)
      .whenConfirm('Remove line 1 of .env?', true, 2);
    expect(await runImport(t.ctx, options(), t.deps)).toBe(8);
    expect(t.read('.env')).toBe(`A=1 OPENAI_API_KEY=${KEY}\nOTHER_KEY=${OTHER}\n`);
    expect(t.stdout.match(/✔ Removed line 1 of \.env\./g)).toHaveLength(2);
    expect(t.stdout).toContain(`! .env, line 1 (sk-proj-…${KEY.slice(-4)}): import cannot change this line (the line is more than an assignment of the key): edit it by hand`);
    expect(t.stdout).toContain(`! .env, line 2: sk-proj-…${OTHER.slice(-4)} is not the stored key.`);
    expectNoKeys(t);
  });

  it('a fish universal variable erased: the next one in fish_variables is named at the line it is on now', async () => {
    const t = machine();
    t.org.admin.addAdminKey(ADMIN);
    t.write('~/.config/fish/fish_variables', `# VERSION: 3.0\nSETUVAR --export OPENAI_ADMIN_KEY:${fishEscape(ADMIN)}\nSETUVAR --export OPENAI_API_KEY:${fishEscape(KEY)}\n`);
    t.prompts
      .whenSelect('Which key should profile "default" keep in the keychain?', KEY)
      .whenSelect('Which admin key should profile "default" keep in the keychain?', ADMIN)
      .whenConfirm('Erase the universal variable OPENAI_ADMIN_KEY?', true)
      .whenConfirm('Erase the universal variable OPENAI_API_KEY and add that line to ~/.config/fish/config.fish?', true);
    expect(await runImport(t.ctx, options(), t.deps)).toBe(0);
    expect(t.stdout).toContain('~/.config/fish/fish_variables, line 2: the universal variable OPENAI_ADMIN_KEY\n');
    expect(t.stdout).toContain('~/.config/fish/fish_variables, line 2: the universal variable OPENAI_API_KEY\n');
    expect(t.fishCalls).toEqual(['set -Ue OPENAI_ADMIN_KEY', 'set -Ue OPENAI_API_KEY']);
  });

  it('--store … --rewrite --json: the copies left are listed at the lines they are on after the change', async () => {
    const t = machine({ interactive: false });
    t.write('.env', `OPENAI_API_KEY=${KEY}\nOTHER_KEY=${OTHER}\n`);
    expect(await runImport(t.ctx, options({ store: '.env:1', rewrite: true, yes: true, json: true }), t.deps)).toBe(8);
    const data = ImportJsonSchema.parse(JSON.parse(t.stdout));
    expect(data.moved).toEqual([{ path: '.env', line: 1, action: 'remove' }]);
    expect(data.findings.map((f) => [f.path, f.line, f.hint])).toEqual([['.env', 1, `sk-proj-…${OTHER.slice(-4)}`]]);
  });
});

describe('import at a terminal with OPENAI_SETUP_NO_PROMPT set', () => {
  it('names `import` for once the variable is unset (typed with it set, it would list the copies again), and the line form that works now', async () => {
    const t = machine({ interactive: false, stdoutIsTTY: true, env: { OPENAI_SETUP_NO_PROMPT: '1' } });
    t.write('.env', `OPENAI_API_KEY=${OTHER}\n`);
    expect(await runImport(t.ctx, options({}), t.deps)).toBe(8);
    expect(t.stdout).toContain('To move one into the keychain, once OPENAI_SETUP_NO_PROMPT is unset:  openai-setup import\n');
    expect(t.stdout).toContain('Or without a terminal, name its line:  openai-setup import --store PATH:LINE --rewrite --yes\n');
    expect(t.stdout).not.toContain('on a terminal:');
  });
});

describe('import: every import, rotate and admin-key it recommends names the profile it was given (review of 2026-12-06)', () => {
  it('import --profile work without a terminal: the ways to move a key, and the copies left, say --profile work', async () => {
    const t = machine({ interactive: false, keychain: { default: KEY } });
    t.write('.env', `OPENAI_API_KEY=${OTHER}\n`);
    expect(await runImport(t.ctx, options({ profile: 'work' }), t.deps)).toBe(8);
    expect(t.stdout).toContain('To move one into the keychain, on a terminal:  openai-setup import --profile work\n');
    expect(t.stdout).toContain('Or without a terminal, name its line:  openai-setup import --profile work --store PATH:LINE --rewrite --yes\n');
    // Run as printed, it stores the key for work; default keeps its own.
    t.write('~/.zshrc', `export OPENAI_API_KEY=${OTHER}\n`);
    const before = t.stdout.length;
    expect(await runImport(t.ctx, options({ profile: 'work', store: '.env:1', rewrite: true, yes: true }), t.deps)).toBe(8);
    expect(t.keychain.keyOf('work')).toBe(OTHER);
    expect(t.keychain.keyOf('default')).toBe(KEY);
    expect(t.stdout.slice(before)).toContain('! 1 plaintext copy is left; to see it:  openai-setup import --profile work\n');
    expect(t.stdout.slice(before)).toContain('To replace the key for good:  openai-setup rotate --profile work\n');
    const missing = await outcomeOf(runImport(t.ctx, options({ profile: 'work', store: '.env:1', yes: true }), t.deps));
    expect(missing.hints).toEqual(['To list where it found keys (file:line):  openai-setup import --profile work']);
  });

  it('a --store line import cannot rewrite: the command to store it anyway names the profile the bare command would not act on', async () => {
    const t = machine({ interactive: false, env: { OPENAI_SETUP_PROFILE: 'work' } });
    t.write('~/.bash_profile', `OPENAI_API_KEY=${KEY}; export OPENAI_API_KEY\n`);
    // No --profile given: work, from the variable; the command typed here acts on it as it is.
    const bare = await outcomeOf(runImport(t.ctx, options({ store: '~/.bash_profile:1', rewrite: true, yes: true }), t.deps));
    expect(bare.hints).toEqual(['Edit it by hand. To store the key without changing the line:  openai-setup import --store ~/.bash_profile:1 --yes']);
    // --profile default given here, where a bare command acts on work: named.
    const named = await outcomeOf(runImport(t.ctx, options({ store: '~/.bash_profile:1', rewrite: true, yes: true, profile: 'default' }), t.deps));
    expect(named.hints).toEqual(['Edit it by hand. To store the key without changing the line:  openai-setup import --store ~/.bash_profile:1 --profile default --yes']);
  });
});

describe('import where the keychain is not running (over SSH) (review of 2026-12-06)', () => {
  /** KEY and ADMIN stored for "default" in a keychain that is not running here; state.json records their hints. */
  async function overSsh(options: TestContextOptions = {}): Promise<Machine> {
    const t = machine({ keychain: { default: KEY, 'default:admin': ADMIN }, ...options });
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'keychain', hint: `sk-proj-…${KEY.slice(-4)}`, savedAt: '2026-03-01T00:00:00.000Z' };
      p.adminKey = { storage: 'keychain', hint: `sk-admin-…${ADMIN.slice(-4)}`, savedAt: '2026-03-01T00:00:00.000Z' };
    });
    t.keychain.failWith('no-service');
    t.write('~/.zshrc', `export OPENAI_API_KEY=${KEY}\nexport OPENAI_ADMIN_KEY=${ADMIN}\n`);
    t.write('.env', `OPENAI_API_KEY=${OTHER}\n`);
    return t;
  }
  const notHere = '(by its hint: the Secret Service keyring is not running here)';

  it('the list: the stored keys are named by their hints, with the keychain not reachable here, not as "not stored"', async () => {
    const t = await overSsh({ interactive: false });
    expect(await runImport(t.ctx, options(), t.deps)).toBe(8);
    expect(t.stdout).toContain(`  ! ~/.zshrc, line 1\n    sk-proj-…${KEY.slice(-4)} · project key · the stored key ${notHere}\n`);
    expect(t.stdout).toContain(`  ! ~/.zshrc, line 2\n    sk-admin-…${ADMIN.slice(-4)} · admin key · the stored admin key ${notHere}\n`);
    expect(t.stdout).toContain(`  ✖ .env, line 1\n    sk-proj-…${OTHER.slice(-4)} · project key · not stored\n`);
    // Not the moves that cannot work here, but why, and where to run it.
    expect(flat(t.stdout)).toContain('! No Secret Service keyring is running on this machine (common over SSH, in containers and on WSL), so the key cannot go into a keychain. Nothing was stored or changed');
    expect(t.stdout).toContain('  Run `openai-setup import` where the Secret Service keyring is (your desktop session).\n');
    expect(t.stdout).not.toContain('--store PATH:LINE');
    const json = await overSsh({ interactive: false });
    expect(await runImport(json.ctx, options({ json: true }), json.deps)).toBe(8);
    expect(ImportJsonSchema.parse(JSON.parse(json.stdout)).findings.map((f) => [f.path, f.stored, f.storedAdmin])).toEqual([
      ['~/.zshrc', true, false],
      ['~/.zshrc', false, true],
      ['.env', false, false],
    ]);
    for (const x of [t, json]) expectNoKeys(x);
  });

  it('on a terminal: nothing is offered to store as if no key were stored; nothing changes, and the keychain keeps its keys (exit 7)', async () => {
    const t = await overSsh();
    // The scripted prompter fails on any question.
    expect(await runImport(t.ctx, options(), t.deps)).toBe(7);
    expect(t.prompts.asked).toEqual([]);
    expect(t.stderr).toContain('✖ No Secret Service keyring is running on this machine');
    expect(t.stdout).not.toContain('is not the stored key. To move it');
    expect(t.stdout).toContain(`! .env, line 1: sk-proj-…${OTHER.slice(-4)} is not the stored key.\n`);
    expect(t.stdout).not.toMatch(/~\/\.zshrc, line \d: .* is not the stored key/);
    expect(t.read('~/.zshrc')).toBe(`export OPENAI_API_KEY=${KEY}\nexport OPENAI_ADMIN_KEY=${ADMIN}\n`);
    expect(t.keychain.keyOf('default')).toBe(KEY);
    expect(t.keychain.keyOf('default:admin')).toBe(ADMIN);
    expect(t.api.checks).toEqual([]);
  });

  it('with OPENAI_SETUP_PROFILE choosing the profile here, the import to run where the keychain is names it (that session may not have the variable)', async () => {
    const t = await overSsh({ interactive: false, env: { OPENAI_SETUP_PROFILE: 'default' } });
    expect(await runImport(t.ctx, options(), t.deps)).toBe(8);
    expect(t.stdout).toContain('  Run `openai-setup import --profile default` where the Secret Service keyring is (your desktop session).\n');
  });

  it('--store … --rewrite: refused before any check or question, the line and the keychain as they were (exit 7)', async () => {
    const t = await overSsh({ interactive: false });
    const refused = await outcomeOf(runImport(t.ctx, options({ store: '~/.zshrc:1', rewrite: true, yes: true }), t.deps));
    expect(refused.code).toBe(7);
    expect(refused.message).toMatch(/^No Secret Service keyring is running on this machine .* Nothing was stored or changed/);
    expect(t.read('~/.zshrc')).toContain(KEY);
    expect(t.keychain.keyOf('default')).toBe(KEY);
    expect(t.api.checks).toEqual([]);
  });
});

describe('import: a fish universal variable, and config.fish only once fish erased it (review of 2026-12-06)', () => {
  const VARIABLES = `# This file contains fish universal variable definitions.\n# VERSION: 3.0\nSETUVAR --export OPENAI_API_KEY:${fishEscape(KEY)}\n`;
  const LINE = 'set -gx OPENAI_API_KEY (openai-setup token)';
  const store = options({ store: '~/.config/fish/fish_variables:3', rewrite: true, yes: true });
  /** A machine whose fish is `fish` instead of the stand-in that erases; config.fish holding `config` (null: none). */
  const fishMachine = (fish: ImportDeps['fish'], config: string | null, extra: TestContextOptions = { interactive: false }) => {
    const t = machine(extra);
    t.write('~/.config/fish/fish_variables', VARIABLES);
    if (config !== null) t.write('~/.config/fish/config.fish', config);
    t.deps.fish = async (script) => {
      t.fishCalls.push(script);
      return fish(script);
    };
    return { t, config: join(t.home, '.config', 'fish', 'config.fish') };
  };

  it('fish not installed: config.fish is not created, the key stays in fish_variables, said (exit 8)', async () => {
    const { t, config } = fishMachine(async () => ({ ok: false, missing: true, detail: 'spawn fish ENOENT' }), null);
    expect(await runImport(t.ctx, store, t.deps)).toBe(8);
    expect(t.keychain.keyOf('default')).toBe(KEY);
    expect(t.fishCalls).toEqual(['set -Ue OPENAI_API_KEY']);
    expect(t.stderr).toContain('✖ fish is not installed here: in fish, run:  set -Ue OPENAI_API_KEY\n');
    expect(existsSync(config)).toBe(false);
    expect(t.read('~/.config/fish/fish_variables')).toBe(VARIABLES);
    expect(t.stdout).not.toContain('Erased');
    expectNoKeys(t);
  });

  it('fish fails: config.fish is left as it was (exit 8)', async () => {
    const { t } = fishMachine(async () => ({ ok: false, missing: false, detail: 'fish: cannot write fish_variables' }), '# mine\n');
    expect(await runImport(t.ctx, store, t.deps)).toBe(8);
    expect(t.stderr).toContain('✖ fish could not erase it (fish: cannot write fish_variables): in fish, run:  set -Ue OPENAI_API_KEY\n');
    expect(t.read('~/.config/fish/config.fish')).toBe('# mine\n');
  });

  it('fish succeeds but fish_variables still holds the key: config.fish is left as it was (exit 8)', async () => {
    const { t } = fishMachine(async () => ({ ok: true, missing: false, detail: '' }), '# mine\n');
    expect(await runImport(t.ctx, store, t.deps)).toBe(8);
    expect(t.stderr).toContain('✖ ~/.config/fish/fish_variables still holds the key after `set -Ue OPENAI_API_KEY`: remove it in fish by hand.\n');
    expect(t.read('~/.config/fish/config.fish')).toBe('# mine\n');
  });

  it('erased: the line is added to config.fish after fish ran, not before (exit 0)', async () => {
    const seen: Array<string | null> = [];
    const { t, config } = fishMachine(async () => {
      seen.push(existsSync(config) ? readFileSync(config, 'latin1') : null);
      const file = join(dirname(config), 'fish_variables');
      writeFileSync(file, readFileSync(file, 'latin1').replace(/^SETUVAR --export OPENAI_API_KEY:.*\n/m, ''));
      return { ok: true, missing: false, detail: '' };
    }, '# mine\n');
    expect(await runImport(t.ctx, store, t.deps)).toBe(0);
    expect(seen).toEqual(['# mine\n']);
    expect(t.read('~/.config/fish/config.fish')).toBe(`# mine\n${LINE}\n`);
    expect(t.stdout).toContain('✔ Erased the universal variable OPENAI_API_KEY; ~/.config/fish/config.fish sets it from openai-setup.\n');
  });

  for (const terminal of [false, true]) {
    it(`config.fish cannot be changed once fish erased the variable (${terminal ? 'on a terminal' : '--store'}): said that the variable is gone and the line to add by hand (exit 8)`, async () => {
      const { t, config } = fishMachine(
        async () => {
          const file = join(dirname(config), 'fish_variables');
          writeFileSync(file, readFileSync(file, 'latin1').replace(/^SETUVAR --export OPENAI_API_KEY:.*\n/m, ''));
          // Another program puts a FIFO where config.fish was, while fish ran.
          rmSync(config);
          execFileSync('mkfifo', [config]);
          return { ok: true, missing: false, detail: '' };
        },
        '# mine\n',
        terminal ? {} : { interactive: false },
      );
      if (terminal) {
        t.prompts
          .whenSelect('Which key should profile "default" keep in the keychain?', KEY)
          .whenConfirm('Erase the universal variable OPENAI_API_KEY and add that line to ~/.config/fish/config.fish?', true);
      }
      expect(await runImport(t.ctx, terminal ? options() : store, t.deps)).toBe(8);
      expect(t.stderr).toContain(
        `✖ The universal variable OPENAI_API_KEY is erased, but ~/.config/fish/config.fish could not be changed (not a regular file): fish shells no longer get the key until you add this line to it by hand:  ${LINE}\n`,
      );
      expect(t.stdout).not.toContain('✔ Erased');
      expect(t.stdout + t.stderr).not.toMatch(/^\s+at /m);
      expect(statSync(config).isFIFO()).toBe(true);
      expect(t.keychain.keyOf('default')).toBe(KEY);
    });
  }
});

describe('import --store --rewrite started by npm: the lines it writes into startup files', () => {
  /** A machine whose run npm started from `binDir` (npx's cache, or a project's node_modules/.bin). */
  function startedFrom(...binDir: string[]): Machine & { script: string } {
    const t = machine({ interactive: false });
    const bin = join(dirname(t.cwd), ...binDir);
    mkdirSync(bin, { recursive: true });
    const script = join(bin, 'openai-setup');
    writeFileSync(script, '#!/bin/sh\n', { mode: 0o755 });
    // npx's copy: beside it, the package.json that says what npx was asked for.
    if (binDir[0] === '_npx') writeFileSync(join(bin, '..', '..', 'package.json'), NPX_PACKAGE_JSON);
    Object.assign(t.ctx.rawEnv, { PATH: bin, npm_command: 'exec' });
    t.ctx.binPath = script;
    return Object.assign(t, { script });
  }

  it('under npx, a line that would run npx in every new shell is refused, saying to install first; nothing stored or changed', async () => {
    const t = startedFrom('_npx', 'abc', 'node_modules', '.bin');
    t.write('~/.zshrc', `export OPENAI_API_KEY=${KEY}\n`);
    const { code, message, hints } = await outcomeOf(runImport(t.ctx, options({ store: '~/.zshrc:1', rewrite: true, yes: true }), t.deps));
    expect(code).toBe(2);
    expect(message).toBe(
      '--rewrite: ~/.zshrc:1 would run npx --yes openai-setup in every new shell, and npx looks the package up each time (slow, and it fails offline); install openai-setup first (npm install -g openai-setup), then run this command again without npx. Nothing was stored or changed.',
    );
    expect(hints).toEqual(['To store the key and leave the line as it is:  npx --yes openai-setup import --store ~/.zshrc:1 --yes']);
    expect(t.read('~/.zshrc')).toBe(`export OPENAI_API_KEY=${KEY}\n`);
    expect(t.keychain.keyOf('default')).toBeUndefined();

    // A line only removed runs nothing: moved as asked.
    t.write('.env', `OPENAI_API_KEY=${KEY}\n`);
    expect(await runImport(t.ctx, options({ store: '.env:1', rewrite: true, yes: true }), t.deps)).toBe(8);
    expect(t.read('.env')).toBe('');
    expect(t.stdout).not.toContain('npx looks the package up');
  });

  it.each<[string, string | null]>([
    ['no package.json', null],
    ['an alias', JSON.stringify({ dependencies: { 'openai-setup': 'npm:other-tool@^1.0.0' } })],
  ])('under npx, what it was asked for not told (%s): the line would run the copy in npm\'s cache, refused all the same', async (_, json) => {
    const t = startedFrom('_npx', 'abc', 'node_modules', '.bin');
    const packageJson = join(dirname(t.cwd), '_npx', 'abc', 'package.json');
    if (json === null) rmSync(packageJson);
    else writeFileSync(packageJson, json);
    t.write('~/.bashrc', `export OPENAI_API_KEY=${KEY}\n`);
    const { code, message } = await outcomeOf(runImport(t.ctx, options({ store: '~/.bashrc:1', rewrite: true, yes: true }), t.deps));
    expect(code).toBe(2);
    expect(message).toBe(
      `--rewrite: ~/.bashrc:1 would run ${t.script} in every new shell, the copy npx keeps in npm's cache, which stops working once that is cleared; install openai-setup first (npm install -g openai-setup), then run this command again without npx. Nothing was stored or changed.`,
    );
    expect(t.read('~/.bashrc')).toBe(`export OPENAI_API_KEY=${KEY}\n`);
    expect(t.keychain.keyOf('default')).toBeUndefined();
  });

  it('a global install under asdf, found through its shim (`asdf exec`): the line says just openai-setup', async () => {
    const t = machine({ interactive: false });
    const asdf = join(dirname(t.cwd), 'asdf');
    const script = join(asdf, 'installs', 'nodejs', '20.11.0', 'lib', 'node_modules', 'openai-setup', 'bin', 'openai-setup.cjs');
    mkdirSync(dirname(script), { recursive: true });
    writeFileSync(script, '#!/usr/bin/env node\n', { mode: 0o755 });
    mkdirSync(join(asdf, 'shims'));
    writeFileSync(join(asdf, 'shims', 'openai-setup'), `#!/usr/bin/env bash\n# asdf-plugin: nodejs 20.11.0\nexec asdf exec "openai-setup" "$@" # asdf_allow: ' asdf '\n`, { mode: 0o755 });
    Object.assign(t.ctx.rawEnv, { PATH: `${join(asdf, 'shims')}:/usr/bin` });
    t.ctx.binPath = script;
    t.write('~/.bashrc', `export OPENAI_API_KEY=${KEY}\n`);
    expect(await runImport(t.ctx, options({ store: '~/.bashrc:1', rewrite: true, yes: true }), t.deps)).toBe(0);
    expect(t.read('~/.bashrc')).toBe('OPENAI_API_KEY="$(openai-setup token)"; export OPENAI_API_KEY\n');
  });

  it('asdf\'s shim first on PATH, this copy a global install of the system\'s Node: the line names this script, not the shim\'s copy', async () => {
    const t = machine({ interactive: false });
    const root = dirname(t.cwd);
    const script = join(root, 'sys', 'lib', 'node_modules', 'openai-setup', 'bin', 'openai-setup.cjs');
    mkdirSync(dirname(script), { recursive: true });
    writeFileSync(script, '#!/usr/bin/env node\n', { mode: 0o755 });
    mkdirSync(join(root, 'sys', 'bin'));
    symlinkSync(script, join(root, 'sys', 'bin', 'openai-setup'));
    mkdirSync(join(root, 'asdf', 'shims'), { recursive: true });
    writeFileSync(join(root, 'asdf', 'shims', 'openai-setup'), `#!/usr/bin/env bash\n# asdf-plugin: nodejs 18.20.0\nexec ${join(root, 'asdf', 'bin', 'asdf')} exec "openai-setup" "$@"\n`, { mode: 0o755 });
    Object.assign(t.ctx.rawEnv, { PATH: `${join(root, 'asdf', 'shims')}:${join(root, 'sys', 'bin')}:/usr/bin` });
    t.ctx.binPath = join(root, 'sys', 'bin', 'openai-setup');
    t.write('~/.bashrc', `export OPENAI_API_KEY=${KEY}\n`);
    expect(await runImport(t.ctx, options({ store: '~/.bashrc:1', rewrite: true, yes: true }), t.deps)).toBe(0);
    expect(t.read('~/.bashrc')).toBe(`OPENAI_API_KEY="$(${join(root, 'sys', 'bin', 'openai-setup')} token)"; export OPENAI_API_KEY\n`);
  });

  it('under npx, the list names --rewrite with what it refuses there, and the form that works', async () => {
    const t = startedFrom('_npx', 'abc', 'node_modules', '.bin');
    t.write('~/.zshrc', `export OPENAI_API_KEY=${KEY}\n`);
    expect(await runImport(t.ctx, options({}), t.deps)).toBe(8);
    expect(flat(t.stdout)).toContain(
      'Or without a terminal, name its line: npx --yes openai-setup import --store PATH:LINE --rewrite --yes A line in a shell startup file is rewritten that way only once openai-setup is installed (npm install -g openai-setup); under npx, leave out --rewrite to store the key and keep the line.',
    );
    // The form it names for such a line works as printed: the key stored, the line kept.
    expect(await runImport(t.ctx, options({ store: '~/.zshrc:1', yes: true }), t.deps)).toBe(8);
    expect(t.keychain.keyOf('default')).toBe(KEY);
    expect(t.read('~/.zshrc')).toBe(`export OPENAI_API_KEY=${KEY}\n`);
  });

  it("from a project's install, the line names its script, and the note says where that copy is, on stderr with --json", async () => {
    const t = startedFrom('proj', 'node_modules', '.bin');
    t.write('~/.zshrc', `export OPENAI_API_KEY=${KEY}\n`);
    expect(await runImport(t.ctx, options({ store: '~/.zshrc:1', rewrite: true, yes: true }), t.deps)).toBe(0);
    expect(t.read('~/.zshrc')).toBe(`OPENAI_API_KEY="$(${t.script} token)"; export OPENAI_API_KEY\n`);
    const note = `! That is the copy installed in ${join(dirname(t.cwd), 'proj')}: the line stops working if it is removed from there; \`npm install -g openai-setup\` installs one for everywhere (then the line can say just openai-setup).`;
    expect(flat(t.stdout)).toContain(note);

    const json = startedFrom('proj', 'node_modules', '.bin');
    json.write('~/.bashrc', `export OPENAI_API_KEY=${KEY}\n`);
    expect(await runImport(json.ctx, options({ store: '~/.bashrc:1', rewrite: true, yes: true, json: true }), json.deps)).toBe(0);
    expect(ImportJsonSchema.parse(JSON.parse(json.stdout)).moved).toEqual([{ path: '~/.bashrc', line: 1, action: 'rewrite' }]);
    expect(flat(json.stderr)).toContain(note.replace(join(dirname(t.cwd), 'proj'), join(dirname(json.cwd), 'proj')));
  });
});

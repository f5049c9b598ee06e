// import through the built binary: keys in real startup files moved into a private Secret Service,
// and the lines put in their place run by real bash, zsh and fish to prove they give programs the
// key; a universal variable erased by fish itself; the interactive flow in a pseudo-terminal; and
// the exit code a CI job can check. Our own output never holds a whole key.
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImportJsonSchema } from '../../src/commands/import.js';
import { StatusJsonSchema } from '../../src/commands/status.js';
import { CLI, filesContaining, type TestEnv } from '../helpers/env.js';
import { makeKey } from '../helpers/openai-server.js';
import { runCli } from '../helpers/run.js';
import { useServerAndKeyring } from '../helpers/server-and-keyring.js';

const KEY = makeKey('proj', 'e2e-import');
const OTHER = makeKey('proj', 'e2e-import-other');

const world = useServerAndKeyring((openai) => {
  openai.addKey(KEY, 'valid');
  openai.addKey(OTHER, 'valid');
});
const { keyring, spawnCli } = world;

let profiles = 0;
/** A machine sharing the private keyring; each test stores under a profile of its own. */
async function machine(extra?: Record<string, string | undefined>): Promise<TestEnv & { profile: string }> {
  return Object.assign(await world.machine(extra), { profile: `imp${profiles++}` });
}

function write(path: string, text: string, mode = 0o644): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text, { mode });
  chmodSync(path, mode);
  return path;
}

function expectNoKey(result: { stdout: string; stderr: string } | string): void {
  const text = typeof result === 'string' ? result : result.stdout + result.stderr;
  for (const key of [KEY, OTHER]) expect(text).not.toContain(key);
}

/** Run a shell with the machine's environment; says whether OPENAI_API_KEY came out as `expected` (the key never printed). */
function shellSees(shell: string, args: string[], env: Record<string, string>, expected: string): Promise<{ same: boolean; stderr: string }> {
  return new Promise((done) => {
    execFile(shell, args, { env: { ...env, EXPECTED: expected }, cwd: env.HOME, timeout: 20_000 }, (_error, stdout, stderr) => done({ same: stdout.includes('same'), stderr: String(stderr) }));
  });
}

describe('import into the keychain, and the lines that take the keys’ place', () => {
  it('bash and zsh: --store PATH:LINE --rewrite --yes; the new lines give the shells the key from the keychain', async () => {
    const t = await machine();
    const bashrc = write(join(t.home, '.bashrc'), `# mine\nexport OPENAI_API_KEY="${KEY}"\nexport EDITOR=vi\n`, 0o640);
    const zshrc = write(join(t.home, '.zshrc'), `export OPENAI_API_KEY='${KEY}' # laptop\n`);

    const listed = await runCli(['import', '--json', '--profile', t.profile], { env: t.env });
    expect(listed.code).toBe(8);
    const data = ImportJsonSchema.parse(JSON.parse(listed.stdout));
    expect(data.findings.map((f) => [f.path, f.line, f.action, f.stored])).toEqual([
      ['~/.bashrc', 2, 'rewrite', false],
      ['~/.zshrc', 1, 'rewrite', false],
    ]);
    expectNoKey(listed);

    const first = await runCli(['import', '--store', '~/.bashrc:2', '--rewrite', '--yes', '--profile', t.profile], { env: t.env });
    expect(first.code, first.stderr).toBe(8); // ~/.zshrc still holds it
    expect(await keyring().lookup('openai-setup', t.profile)).toBe(KEY);
    const second = await runCli(['import', '--store', '~/.zshrc:1', '--rewrite', '--yes', '--profile', t.profile], { env: t.env });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('✔ No plaintext copy of an OpenAI key is left where import looks.');
    expectNoKey(first);
    expectNoKey(second);

    const bashText = readFileSync(bashrc, 'utf8');
    expect(bashText).toMatch(new RegExp(`^# mine\\nOPENAI_API_KEY="\\$\\(\\S+ token --profile ${t.profile}\\)"; export OPENAI_API_KEY\\nexport EDITOR=vi\\n$`));
    expect(statSync(bashrc).mode & 0o777).toBe(0o640);
    expect(readFileSync(zshrc, 'utf8')).toMatch(/^OPENAI_API_KEY="\$\(\S+ token --profile imp\d+\)"; export OPENAI_API_KEY # laptop\n$/);
    expect(filesContaining(t.root, KEY)).toEqual([]);
    expect(readdirSync(t.home).filter((n) => n.endsWith('.tmp'))).toEqual([]);

    expect(await shellSees('bash', ['-c', 'source ~/.bashrc; [ "$(printenv OPENAI_API_KEY)" = "$EXPECTED" ] && echo same'], t.env, KEY)).toMatchObject({ same: true });
    expect(await shellSees('zsh', ['-c', 'source ~/.zshrc; [[ "$(printenv OPENAI_API_KEY)" == "$EXPECTED" ]] && echo same'], t.env, KEY)).toMatchObject({ same: true });
  });

  it('fish: a universal variable (\\xHH-escaped in fish_variables) is erased by fish itself, and config.fish gets the key from the keychain', async () => {
    const t = await machine();
    const set = await shellSees('fish', ['-c', `set -Ux OPENAI_API_KEY ${KEY}; echo same`], t.env, KEY);
    expect(set.same, set.stderr).toBe(true);
    const variables = join(t.env.XDG_CONFIG_HOME!, 'fish', 'fish_variables');
    const raw = readFileSync(variables, 'utf8');
    expect(raw).not.toContain(KEY);
    expect(raw).toContain('sk\\x2dproj\\x2d');

    const data = ImportJsonSchema.parse(JSON.parse((await runCli(['import', '--json', '--profile', t.profile], { env: t.env })).stdout));
    const found = data.findings.find((f) => f.place === 'fish-universal')!;
    expect(found).toMatchObject({ variable: 'OPENAI_API_KEY', action: 'fish-erase' });

    const moved = await runCli(['import', '--store', `${variables}:${found.line}`, '--rewrite', '--yes', '--profile', t.profile], { env: t.env });
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toContain('✔ Erased the universal variable OPENAI_API_KEY');
    expect(readFileSync(variables, 'utf8')).not.toMatch(/OPENAI_API_KEY/);
    expect(readFileSync(join(t.env.XDG_CONFIG_HOME!, 'fish', 'config.fish'), 'utf8')).toMatch(new RegExp(`^set -gx OPENAI_API_KEY \\(\\S+ token --profile ${t.profile}\\)\\n$`));
    expect(await shellSees('fish', ['-c', 'test "$OPENAI_API_KEY" = "$EXPECTED"; and echo same'], t.env, KEY)).toMatchObject({ same: true });
    expectNoKey(moved);
  });

  it('on a terminal: choose the key, see each change as a diff and say yes; a CRLF .env keeps its other bytes and its mode', async () => {
    const t = await machine();
    const project = join(t.root, 'project');
    const env = write(join(project, '.env'), `A=1\r\nOPENAI_API_KEY=${KEY}\r\nB=2\r\n`, 0o600);
    const session = spawnCli(['import', '--profile', t.profile], { env: t.env, cwd: project });
    await session.waitFor(`Which key should profile "${t.profile}" keep in the keychain?`);
    session.press('enter');
    await session.waitFor(/Stored sk-proj-…\S{4} in the Secret Service keyring/);
    await session.waitFor('Remove line 2 of .env?');
    expect(session.output()).toMatch(/- OPENAI_API_KEY=sk-proj-…\S{4}/);
    session.press('enter');
    await session.waitFor('No plaintext copy of an OpenAI key is left where import looks.');
    expect((await session.exited).exitCode).toBe(0);
    expect(readFileSync(env, 'latin1')).toBe('A=1\r\nB=2\r\n');
    expect(statSync(env).mode & 0o777).toBe(0o600);
    expect(await keyring().lookup('openai-setup', t.profile)).toBe(KEY);
    expectNoKey(session.output());
  });

  it('on a terminal, the file replaced by a FIFO while its question is open: one line naming it, the key stored, exit 8; never a hang', async () => {
    const t = await machine();
    const project = join(t.root, 'project');
    const env = write(join(project, '.env'), `A=1\nOPENAI_API_KEY=${KEY}\n`);
    const session = spawnCli(['import', '--profile', t.profile], { env: t.env, cwd: project });
    await session.waitFor(`Which key should profile "${t.profile}" keep in the keychain?`);
    session.press('enter');
    await session.waitFor('Remove line 2 of .env?');
    // What reads it now (a plain read would wait for a writer forever) finds a FIFO.
    rmSync(env);
    execFileSync('mkfifo', [env]);
    session.press('enter');
    await session.waitFor(`✖ .env: not a regular file, so line 2 was not changed. The key is stored, but not moved out of the file: once it can be read, run:`);
    expect((await session.exited).exitCode).toBe(8);
    expect(statSync(env).isFIFO()).toBe(true);
    expect(await keyring().lookup('openai-setup', t.profile)).toBe(KEY);
    expect(session.output()).not.toMatch(/Unexpected error|^\s+at /m);
    expect(session.output()).not.toContain('No plaintext copy of an OpenAI key is left');
    expectNoKey(session.output());
  });

  it('a CI job checks a repository: exit 8 while a key sits in .env.local at the git root, 0 once it is gone; other tools are only explained', async () => {
    const t = await machine();
    const repo = join(t.root, 'repo');
    mkdirSync(join(repo, '.git'), { recursive: true });
    mkdirSync(join(repo, 'app'), { recursive: true });
    write(join(repo, '.env.local'), `OPENAI_API_KEY=${OTHER}\n`);
    write(join(t.home, '.codex', 'auth.json'), `{"auth_mode": "apikey", "OPENAI_API_KEY": "${KEY}"}\n`, 0o600);

    const dirty = await runCli(['import'], { env: t.env, cwd: join(repo, 'app') });
    expect(dirty.code).toBe(8);
    expect(dirty.stdout).toContain(`${join(repo, '.env.local')}, line 1`);
    expect(dirty.stdout.replace(/\s+/g, ' ')).toContain('Codex CLI: Codex keeps its key in ~/.codex/auth.json unless told otherwise: add cli_auth_credentials_store = "keyring"');
    expectNoKey(dirty);

    writeFileSync(join(repo, '.env.local'), 'OPENAI_BASE_URL=http://localhost\n');
    writeFileSync(join(t.home, '.codex', 'auth.json'), '{"auth_mode": "chatgpt", "OPENAI_API_KEY": null}\n');
    const clean = await runCli(['import', '--json'], { env: t.env, cwd: join(repo, 'app') });
    expect(clean.code).toBe(0);
    expect(ImportJsonSchema.parse(JSON.parse(clean.stdout))).toMatchObject({ findings: [], plaintextLeft: 0, exitCode: 0 });
  });

  it("another service's key in OPENAI_API_KEY (OpenRouter): on a terminal said in one line and left, nothing asked (exit 0); --json --check: no environment entry, nothing sent", async () => {
    const openrouter = `sk-or-v1-${'a1b2c3d4e5f60718'.repeat(4)}`;
    const t = await machine({ OPENAI_API_KEY: openrouter });
    const left = `○ In the environment: OPENAI_API_KEY = sk-…${openrouter.slice(-4)} · an OpenRouter key, not an OpenAI key: import leaves it`;
    const session = spawnCli(['import', '--check', '--profile', t.profile], { env: t.env, cwd: t.home, cols: 160 });
    // Either what it says now, or the question it asked before (offering the OpenRouter key for the keychain).
    await session.waitFor(/import leaves it|Which key should profile/);
    expect(session.output()).not.toContain('Which key should profile');
    expect((await session.exited).exitCode).toBe(0);
    expect(session.output()).toContain(left);
    expect(session.output().split('In the environment:')).toHaveLength(2);
    expect(session.output()).not.toContain(openrouter);

    const listed = await runCli(['import', '--json', '--check', '--profile', t.profile], { env: t.env, cwd: t.home });
    expect(listed.code, listed.stderr).toBe(0);
    expect(ImportJsonSchema.parse(JSON.parse(listed.stdout))).toMatchObject({ findings: [], environment: [], plaintextLeft: 0, exitCode: 0 });
    expect(listed.stdout + listed.stderr).not.toContain(openrouter);
    expect(world.server().requestsFor(openrouter)).toEqual([]);
    expect(await keyring().lookup('openai-setup', t.profile)).toBeNull();
  });

  it('status names plaintext copies of the stored key (without the keychain), doctor too', async () => {
    const t = await machine();
    const stored = await runCli(['key', '--stdin', '--profile', t.profile], { env: t.env, input: KEY });
    expect(stored.code, stored.stderr).toBe(0);
    write(join(t.home, '.profile'), `export OPENAI_API_KEY=${KEY}\n`);
    const status = await runCli(['status', '--profile', t.profile], { env: t.env });
    expect(status.stdout).toContain(`! The stored key is also in plain text: ~/.profile:1 — \`openai-setup import --profile ${t.profile}\` moves it`);
    const json = StatusJsonSchema.parse(JSON.parse((await runCli(['status', '--json', '--profile', t.profile], { env: t.env })).stdout));
    expect(json.plaintext).toEqual([{ path: '~/.profile', line: 1 }]);
    const doctor = await runCli(['doctor', '--profile', t.profile], { env: t.env });
    expect(doctor.stdout).toMatch(/! Plaintext copies {4}sk-proj-…\S{4} is also in plain text: ~\/\.profile:1/);
    expectNoKey(status);
    expectNoKey(doctor);
  });
});

describe('a .env written by `env --file`, as the wizard suggests: a copy the person asked for, not a leak', () => {
  it('in a git repository: env --file .env, then status (no warning), import (exit 0, the line kept), doctor (no warning)', async () => {
    const t = await machine();
    const repo = join(t.root, 'repo');
    mkdirSync(repo);
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, env: { PATH: process.env.PATH!, HOME: t.home, GIT_CONFIG_NOSYSTEM: '1' }, encoding: 'utf8' });
    git('init', '-q');
    writeFileSync(join(repo, '.gitignore'), '.env\n');
    const profile = ['--profile', t.profile];
    const stored = await runCli(['key', '--stdin', ...profile], { env: t.env, input: KEY });
    expect(stored.code, stored.stderr).toBe(0);

    const written = await runCli(['env', '--file', '.env', ...profile], { env: t.env, cwd: repo });
    expect(written.code, written.stderr).toBe(0);
    expect(written.stderr).toBe('');
    expect(readFileSync(join(repo, '.env'), 'utf8')).toBe(`OPENAI_API_KEY=${KEY}\n`);
    // The progress file records the path, never the key.
    expect(filesContaining(t.configDir, KEY).filter((f) => f.endsWith('state.json'))).toEqual([]);

    const status = await runCli(['status', ...profile], { env: t.env, cwd: repo });
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`○ Also in .env:1 (written by \`openai-setup env --file .env --profile ${t.profile}\`, as you asked)`);
    expect(status.stdout).not.toMatch(/^! /m);
    const json = StatusJsonSchema.parse(JSON.parse((await runCli(['status', '--json', ...profile], { env: t.env, cwd: repo })).stdout));
    expect(json).toMatchObject({ plaintext: [], envFiles: [{ path: '.env', line: 1 }] });

    const checked = await runCli(['import', '--check', ...profile], { env: t.env, cwd: repo });
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);
    expect(checked.stdout).toContain('No plaintext copy of an OpenAI key to move');
    expect(checked.stdout).toContain(`.env, line 1: sk-proj-…${KEY.slice(-4)}, the stored key, written by \`openai-setup env --file .env --profile ${t.profile}\`, as you asked; import leaves it`);
    expect(readFileSync(join(repo, '.env'), 'utf8')).toBe(`OPENAI_API_KEY=${KEY}\n`);

    const doctor = await runCli(['doctor', ...profile], { env: t.env, cwd: repo });
    expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0);
    expect(doctor.stdout).toMatch(/○ Env files {11}sk-proj-…\S{4} is also in \.env:1, written by `openai-setup env --file \.env --profile \S+`, as you asked/);
    expect(doctor.stdout).not.toContain('Plaintext copies');
    for (const r of [written, status, checked, doctor]) expectNoKey(r);
  });
});

describe('what import says, as printed: JSON alone on stdout, reload commands per shell, lines left by hand, the tool named as the files name it', () => {
  it('--store … --rewrite --yes --json: stdout is one JSON document (| jq works); the diff goes to stderr', async () => {
    const t = await machine();
    write(join(t.home, '.env'), `OPENAI_API_KEY=${KEY}\n`);
    const r = await runCli(['import', '--store', '~/.env:1', '--rewrite', '--yes', '--json', '--profile', t.profile], { env: t.env });
    expect(r.code, r.stderr).toBe(0);
    expect(ImportJsonSchema.parse(JSON.parse(r.stdout))).toMatchObject({ moved: [{ path: '~/.env', line: 1, action: 'remove' }], plaintextLeft: 0, exitCode: 0 });
    expect(r.stdout.trimStart().startsWith('{')).toBe(true);
    expect(r.stderr).toMatch(/~\/\.env, line 1:\n {2}- OPENAI_API_KEY=sk-proj-…\S{4}\n/);
    expect(readFileSync(join(t.home, '.env'), 'utf8')).toBe('');
    expectNoKey(r);
  });

  it('a changed PowerShell profile: reloaded by dot-sourcing it, not with source', async () => {
    const t = await machine();
    // Where PowerShell reads it: under XDG_CONFIG_HOME (set here), as PowerShell itself has it.
    const profile = write(join(t.env.XDG_CONFIG_HOME!, 'powershell', 'Microsoft.PowerShell_profile.ps1'), `$env:OPENAI_API_KEY = "${KEY}"\n`);
    const r = await runCli(['import', '--store', `${profile}:1`, '--rewrite', '--yes', '--profile', t.profile], { env: t.env });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(profile, 'utf8')).toBe(`$env:OPENAI_API_KEY = (openai-setup token --profile ${t.profile})\n`);
    expect(r.stdout).toContain(`It takes effect in new PowerShell sessions; to load it in this one:  . '${profile}'\n`);
    expect(r.stdout).not.toMatch(/source/);
    expectNoKey(r);
  });

  it('a line import cannot change (VAR=key; export VAR) is listed with why and "edit it by hand", also on a terminal after the key is stored', async () => {
    const t = await machine();
    const bashProfile = write(join(t.home, '.bash_profile'), `OPENAI_API_KEY=${KEY}; export OPENAI_API_KEY\n`);
    const listed = await runCli(['import', '--profile', t.profile], { env: t.env });
    expect(listed.code).toBe(8);
    // Other tests of this file store the same key for their profiles: named, as import names it.
    expect(listed.stdout).toMatch(/~\/\.bash_profile, line 1\n {4}sk-proj-…\S{4} · project key · (?:not stored|stored for profiles? [^\n]*, not for this one)\n {4}Import cannot change this line \(the line is more than an assignment of the key\): edit it by hand\.\n/);
    const json = ImportJsonSchema.parse(JSON.parse((await runCli(['import', '--json', '--profile', t.profile], { env: t.env })).stdout));
    expect(json.findings).toMatchObject([{ path: '~/.bash_profile', line: 1, action: 'manual', advice: expect.stringContaining('edit it by hand') }]);
    expectNoKey(listed);

    const session = spawnCli(['import', '--profile', t.profile], { env: t.env });
    await session.waitFor(`Which key should profile "${t.profile}" keep in the keychain?`);
    session.press('enter');
    await session.waitFor(/Stored sk-proj-…\S{4} in the Secret Service keyring/);
    await session.waitFor('1 plaintext copy is left; to see it:');
    expect((await session.exited).exitCode).toBe(8);
    expect(session.output().replace(/\s+/g, ' ')).toContain(
      `! ~/.bash_profile, line 1 (sk-proj-…${KEY.slice(-4)}): import cannot change this line (the line is more than an assignment of the key): edit it by hand, with this in place of the key: "$(openai-setup token --profile ${t.profile})"`,
    );
    expect(readFileSync(bashProfile, 'utf8')).toContain(KEY);
    expectNoKey(session.output());
  });

  it('started by its path (not on PATH, not npx): the advice runs the tool as the lines written into files do; under npx the advice says npx --yes openai-setup, and no startup file gets a line running npx', async () => {
    const installed = await machine();
    // PATH without the test machine's installed `openai-setup`.
    const t = { ...installed, env: { ...installed.env, PATH: process.env.PATH ?? '/usr/bin:/bin' } };
    write(join(t.home, '.zshrc'), `export OPENAI_API_KEY=${KEY}\n`);
    write(join(t.home, '.env'), `OPENAI_API_KEY=${KEY}\n`);
    const zsh = await runCli(['import', '--store', '~/.zshrc:1', '--rewrite', '--yes', '--profile', t.profile], { env: t.env });
    expect(zsh.code, zsh.stderr).toBe(8);
    const written = /\$\((\S+) token --profile /.exec(readFileSync(join(t.home, '.zshrc'), 'utf8'))![1]!;
    expect(written).toBe(CLI);
    expect(zsh.stdout).toContain(`1 plaintext copy is left; to see it:  ${written} import --profile ${t.profile}\n`);
    const dotenv = await runCli(['import', '--store', '~/.env:1', '--rewrite', '--yes', '--profile', t.profile], { env: t.env });
    expect(dotenv.code, dotenv.stderr).toBe(0);
    expect(dotenv.stdout).toContain(`Start the program so that it gets the key:  ${written} run --profile ${t.profile} -- …\n`);
    for (const r of [zsh, dotenv]) expect(r.stdout + r.stderr).not.toMatch(/(?<![\w/.-])openai-setup (?:run|import|rotate)/);

    // npx puts its own copy on PATH; the person's shell has neither it nor the bare name.
    const npx = await machine();
    const bin = join(npx.root, 'npx-bin');
    write(join(bin, 'openai-setup'), '#!/bin/sh\nexit 99\n', 0o755);
    const env = { ...npx.env, npm_command: 'exec', PATH: `${bin}:${npx.env.PATH}` };
    write(join(npx.home, '.zshrc'), `export OPENAI_API_KEY=${KEY}\n`);
    write(join(npx.home, '.env'), `OPENAI_API_KEY=${KEY}\n`);
    // A line that would run npx in every new shell is refused, saying to install first (written as it is, not rewritten for npx).
    const first = await runCli(['import', '--store', '~/.zshrc:1', '--rewrite', '--yes', '--profile', npx.profile], { env });
    expect(first.code).toBe(2);
    expect(first.stderr).toContain('install openai-setup first (npm install -g openai-setup), then run this command again without npx. Nothing was stored or changed.');
    expect(first.stderr).toContain(`To store the key and leave the line as it is:  npx --yes openai-setup import --store ~/.zshrc:1 --profile ${npx.profile} --yes\n`);
    expect(first.stderr).not.toMatch(/npx npx|-g npx/);
    expect(readFileSync(join(npx.home, '.zshrc'), 'utf8')).toBe(`export OPENAI_API_KEY=${KEY}\n`);
    const second = await runCli(['import', '--store', '~/.env:1', '--rewrite', '--yes', '--profile', npx.profile], { env });
    expect(second.stdout).toContain(`Start the program so that it gets the key:  npx --yes openai-setup run --profile ${npx.profile} -- …\n`);
    expect(second.stdout).not.toContain('npx npx');
  });

  it('TERM=dumb: no "on a terminal" import (it would list the copies again), but why nothing is asked and the one move that works there, as printed', async () => {
    const t = await machine({ TERM: 'dumb', NO_COLOR: '1' });
    const project = join(t.root, 'project');
    write(join(project, '.env'), `OPENAI_API_KEY=${KEY}\n`);
    const listed = spawnCli(['import', '--profile', t.profile], { env: t.env, cwd: project, cols: 80 });
    expect((await listed.exited).exitCode).toBe(8);
    const out = listed.rawOutput().replace(/\r\n/g, '\n');
    expect(out.replace(/\s+/g, ' ')).toContain(' Moving a key into the keychain asks questions, but TERM=dumb says this terminal cannot move its cursor, which questions need. ');
    expect(out).not.toContain('on a terminal');
    // The command on a line of its own where it is wrapped, from the left edge as the line above: never indented under a label.
    const named = `openai-setup import --profile ${t.profile} --store PATH:LINE --rewrite --yes`;
    expect(out).toContain(`To move one, name its line:\n${named}\n`);
    expectNoKey(out);
    // As printed, on the same terminal: the key stored, the line gone.
    const moved = spawnCli(named.replace('openai-setup ', '').replace('PATH:LINE', '.env:1').split(' '), { env: t.env, cwd: project, cols: 80 });
    await moved.waitFor(/Stored sk-proj-…\S{4} in the Secret Service keyring/);
    expect((await moved.exited).exitCode).toBe(0);
    expect(await keyring().lookup('openai-setup', t.profile)).toBe(KEY);
    expect(readFileSync(join(project, '.env'), 'utf8')).toBe('');
  });
});

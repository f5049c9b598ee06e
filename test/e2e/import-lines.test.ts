// import through the built binary, on the lines and files a careful person would not have changed
// as if they were plain assignments: a key stored over another one (said, as `key` says it), a file
// with a second hard link (left whole), a line inside a here-document (left by hand), an assignment
// that was not exported (kept so), a fish `set -l` (its scope kept), and a .env's byte-order mark.
import { execFile, spawnSync } from 'node:child_process';
import { linkSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planEdit } from '../../src/plaintext/edit.js';
import { type TestEnv } from '../helpers/env.js';
import { makeKey } from '../helpers/openai-server.js';
import { runCli } from '../helpers/run.js';
import { useServerAndKeyring } from '../helpers/server-and-keyring.js';

const KEY = makeKey('proj', 'e2e-import-lines');
const OTHER = makeKey('proj', 'e2e-import-lines-other');

const world = useServerAndKeyring((openai) => {
  openai.addKey(KEY, 'valid');
  openai.addKey(OTHER, 'valid');
});
const { keyring } = world;

let profiles = 0;
async function machine(): Promise<TestEnv & { profile: string }> {
  return Object.assign(await world.machine(), { profile: `lines${profiles++}` });
}

function write(path: string, text: string | Buffer): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

const flat = (text: string) => text.replace(/\s+/g, ' ');
const hint = (key: string) => `sk-proj-…${key.slice(-4)}`;

function expectNoKey(result: { stdout: string; stderr: string }): void {
  for (const key of [KEY, OTHER]) expect(result.stdout + result.stderr).not.toContain(key);
}

/** bash run on `file` as a login shell would: what OPENAI_API_KEY is to a program it starts (never printed). */
function childSees(env: Record<string, string>, file: string, expected: string): Promise<string> {
  return new Promise((done) => {
    const script = `. "$1"; sh -c '[ "$OPENAI_API_KEY" = "$EXPECTED" ] && echo same || echo other'`;
    execFile('bash', ['-c', script, 'bash', file], { env: { ...env, EXPECTED: expected }, cwd: env.HOME, timeout: 20_000 }, (_e, stdout) => done(String(stdout).trim()));
  });
}

describe('import --store over another stored key', () => {
  it('says what the new key replaces, as `key --stdin` does, though --yes asks nothing', async () => {
    const t = await machine();
    expect((await runCli(['key', '--stdin', '-p', t.profile], { env: t.env, input: OTHER })).code).toBe(0);
    const project = join(t.root, 'project');
    write(join(project, '.env'), `OPENAI_API_KEY=${KEY}\n`);

    const result = await runCli(['import', '-p', t.profile, '--store', `${project}/.env:1`, '--yes'], { env: t.env, cwd: project });

    expect(result.code, result.stderr).toBe(8); // the line is still there: no --rewrite
    expect(await keyring().lookup('openai-setup', t.profile)).toBe(KEY);
    expect(flat(result.stdout)).toContain(`! This replaces ${hint(OTHER)} for profile "${t.profile}". That key may still work until you revoke it on the API keys page: https://platform.openai.com/api-keys`); // checked at the test server, not the OpenAI API
    // Said once, after the key is stored.
    expect(result.stdout.indexOf('✔ Stored')).toBeLessThan(result.stdout.indexOf('This replaces'));
    expect(result.stdout.split('This replaces').length).toBe(2);
    expectNoKey(result);
  });
});

describe('import --rewrite and the file around the line', () => {
  it('a file with a second hard link is left whole: one line saying why, both names still one file (exit 8)', async () => {
    const t = await machine();
    const text = `export OPENAI_API_KEY=${KEY}\n`;
    const dotfile = write(join(t.home, 'dotfiles', 'zshrc'), text);
    const zshrc = join(t.home, '.zshrc');
    linkSync(dotfile, zshrc);

    const result = await runCli(['import', '-p', t.profile, '--store', '~/.zshrc:1', '--rewrite', '--yes'], { env: t.env });

    expect(result.code).toBe(8);
    expect(await keyring().lookup('openai-setup', t.profile)).toBe(KEY);
    expect(flat(result.stderr)).toContain(
      `✖ ~/.zshrc: it has 2 hard links (names of one file), and replacing it would leave the old text under the other names, so line 1 was not changed. The key is stored, but not moved out of it: change it by hand in an editor that saves in place, or, once ${zshrc} is its only name, run: openai-setup import --profile ${t.profile}`,
    );
    expect(result.stdout).not.toContain('Changed line');
    expect(statSync(zshrc).ino).toBe(statSync(dotfile).ino);
    expect(statSync(zshrc).nlink).toBe(2);
    expect(readFileSync(zshrc, 'utf8')).toBe(text);
    expectNoKey(result);
  });

  it('a line inside a here-document is not rewritten (exit 2, nothing stored or changed); the list says why', async () => {
    const t = await machine();
    const text = `# mine\ncat > /tmp/x.env <<EOT\nOPENAI_API_KEY=${KEY}\nEOT\n`;
    const bashrc = write(join(t.home, '.bashrc'), text);

    const result = await runCli(['import', '-p', t.profile, '--store', '~/.bashrc:3', '--rewrite', '--yes'], { env: t.env });

    expect(result.code).toBe(2);
    expect(flat(result.stderr)).toContain('--rewrite: ~/.bashrc:3 cannot be rewritten (the line is inside a here-document (<<), text a command reads, not an assignment). Nothing was changed.');
    expect(readFileSync(bashrc, 'utf8')).toBe(text);
    expect(await keyring().lookup('openai-setup', t.profile)).toBeNull();

    const listed = JSON.parse((await runCli(['import', '--json', '-p', t.profile], { env: t.env })).stdout) as { findings: Array<{ line: number; action: string; advice: string }> };
    expect(listed.findings).toMatchObject([{ line: 3, action: 'manual', advice: expect.stringContaining('here-document') }]);
    expectNoKey(result);
  });

  it('an assignment that was not exported stays so, one that was stays exported; fish keeps `set -l`', async () => {
    const t = await machine();
    const bashrc = write(join(t.home, '.bashrc'), `OPENAI_API_KEY=${KEY}\n`);
    const profile = write(join(t.home, '.profile'), `export OPENAI_API_KEY=${KEY}\n`);
    const config = write(join(t.env.XDG_CONFIG_HOME!, 'fish', 'config.fish'), `set -l OPENAI_API_KEY '${KEY}'\n`);

    for (const at of ['~/.bashrc:1', '~/.profile:1']) {
      const result = await runCli(['import', '-p', t.profile, '--store', at, '--rewrite', '--yes'], { env: t.env });
      expect(result.code, result.stderr).not.toBe(2);
      expectNoKey(result);
    }
    const fish = await runCli(['import', '-p', t.profile, '--store', `${config}:1`, '--rewrite', '--yes'], { env: t.env });
    expect(fish.code, fish.stderr).toBe(0);

    expect(readFileSync(bashrc, 'utf8')).toMatch(new RegExp(`^OPENAI_API_KEY="\\$\\(\\S+ token --profile ${t.profile}\\)"\\n$`));
    expect(readFileSync(profile, 'utf8')).toMatch(new RegExp(`^OPENAI_API_KEY="\\$\\(\\S+ token --profile ${t.profile}\\)"; export OPENAI_API_KEY\\n$`));
    expect(readFileSync(config, 'utf8')).toMatch(new RegExp(`^set -l OPENAI_API_KEY \\(\\S+ token --profile ${t.profile}\\)\\n$`));
    // As before: the exported one reaches programs with the key from the keychain; the other one does not reach them.
    expect(await childSees(t.env, profile, KEY)).toBe('same');
    expect(await childSees(t.env, bashrc, KEY)).toBe('other');
  });

  it('removing line 1 of a .env keeps its UTF-8 byte-order mark and every other byte', async () => {
    const t = await machine();
    const project = join(t.root, 'bom');
    const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
    const dotenv = write(join(project, '.env'), Buffer.concat([BOM, Buffer.from(`OPENAI_API_KEY=${KEY}\r\nA=1\r\nB=2`)]));

    const result = await runCli(['import', '-p', t.profile, '--store', '.env:1', '--rewrite', '--yes'], { env: t.env, cwd: project });

    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(dotenv)).toEqual(Buffer.concat([BOM, Buffer.from('A=1\r\nB=2')]));
    expectNoKey(result);
  });
});

// Written `export NAME="$(…)"`, a startup file or .envrc run under `set -e` went on with NAME
// exported empty where the command failed (export's status is 0): the line import writes assigns,
// then exports, and `set -e` stops at the assignment.
describe('the line import writes for `export NAME=key`, run by the shell under set -e', () => {
  it.each(['bash', 'zsh', 'sh'])('%s: stops the script where the command fails; where it works, a child process gets the value', (shell) => {
    const run = (command: string) => {
      const plan = planEdit({ path: 'x', line: 1, kind: 'posix-shell', key: KEY, variable: null, utf16: false }, `export OPENAI_API_KEY=${KEY}  # mine\n`, command);
      const after = (plan as { after: string }).after;
      return spawnSync(shell, ['-c', `set -e\n${after}\necho "went on"; sh -c 'echo "child: $OPENAI_API_KEY"'`], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    };
    expect(run('exit 2')).toMatchObject({ status: 2, stdout: '' });
    expect(run('echo sk-from-token')).toMatchObject({ status: 0, stdout: 'went on\nchild: sk-from-token\n' });
  });
});

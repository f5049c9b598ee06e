// File names are the person's own text, and any of them may hold a line break or an escape: every
// message shows a path as one safe line, and a command to type names it exactly, quoted so that it
// works as printed and still shows as one line of printable characters.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as doctor } from '../../src/commands/doctor.js';
import { run as env, type EnvOptions } from '../../src/commands/env.js';
import { envCommand } from '../../src/plaintext/env-command.js';
import { run as importKeys, type ImportOptions } from '../../src/commands/import.js';
import { run as logout } from '../../src/commands/logout.js';
import { run as status } from '../../src/commands/status.js';
import { reloadHint, shellPath } from '../../src/plaintext/edit.js';
import { neutralise, sanitize } from '../../src/terminal/sanitize.js';
import { shellWord } from '../../src/terminal/shell.js';
import { checkResult, makeTestContext, outcomeOf, testKey, type TestContext } from '../helpers/context.js';

const KEY = testKey('A');
const FORGED = 'a\n✔ forged.env';
const FLAGS: EnvOptions = { force: true, gitignore: false };
// git without the person's own configuration.
const GIT_ENV = { PATH: process.env.PATH, HOME: '/nonexistent-home', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
const IMPORT: ImportOptions = { check: false, json: false, rewrite: false, yes: false };

let t: TestContext;
afterEach(() => t?.cleanup());

/** Every line written, stdout and stderr. */
const lines = () => `${t.stdout}${t.stderr}`.split('\n');

/** No output line starts as a result line of ours would, with text that came from a file name. */
function expectNoForgedLine(text: string): void {
  expect(lines().filter((l) => l.startsWith(text))).toEqual([]);
}

// What a terminal acts on, or shows as another line.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/;

describe('a file name with a line break, written by env --file', () => {
  async function written(): Promise<void> {
    t = makeTestContext({ env: GIT_ENV, keychain: { default: KEY } });
    // As `openai-setup key` leaves it: in the keychain, and its hint in the state file.
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'keychain', hint: 'sk-proj-…000A', savedAt: '2026-01-01T00:00:00.000Z' };
    });
    expect(await env(t.ctx, { ...FLAGS, file: FORGED })).toBe(0);
    expect(readFileSync(join(t.cwd, FORGED), 'utf8')).toBe(`OPENAI_API_KEY=${KEY}\n`);
    expect(t.stdout).toContain('to a ✔ forged.env (a new file, readable only by you).');
  }

  it('status names it on one line', async () => {
    await written();
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.stdout).toContain("○ Also in a ✔ forged.env:1 (written by `openai-setup env --file $'a\\n✔ forged.env'`, as you asked)");
    expectNoForgedLine('✔ forged');
  });

  it('doctor names it on one line', async () => {
    await written();
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 42 }).answerChecks(checkResult('valid'));
    expect(await doctor(t.ctx, { json: false })).toBe(0);
    expect(t.stdout).toMatch(/Env files +sk-proj-…000A is also in a ✔ forged\.env:1, written by/);
    expectNoForgedLine('✔ forged');
  });

  it('logout names it on one line', async () => {
    await written();
    expect(await logout(t.ctx, { yes: true })).toBe(0);
    expect(t.stdout).toContain("! sk-proj-…000A is still in a ✔ forged.env:1 (written by `openai-setup env --file $'a\\n✔ forged.env'`, as you asked)");
    expectNoForgedLine('✔ forged');
  });

  it('the command that writes it again (rotate says it) names it exactly, in $\'…\', and works as printed', async () => {
    await written();
    const command = await envCommand(t.ctx, 'default', join(t.cwd, FORGED));
    expect(command).toBe(`openai-setup env --file $'a\\n✔ forged.env'`);
    // As bash reads it: the very name.
    const word = command.slice('openai-setup env --file '.length);
    expect(execFileSync('bash', ['-c', `printf %s ${word}`], { encoding: 'utf8' })).toBe(FORGED);
  });
});

describe('a folder named in any script, with an emoji', () => {
  it('env --gitignore names its .gitignore as it is; the same folder with a zero-width space in its name, escaped', async () => {
    const folders: Array<[string, string]> = [
      ['커피☕\ufe0f앱', '커피☕\ufe0f앱'],
      ['커피\u200b앱', '커피\\u200b앱'],
    ];
    for (const [folder, shown] of folders) {
      t = makeTestContext({ env: GIT_ENV, keychain: { default: KEY } });
      await t.ctx.state.updateProfile('default', (p) => {
        p.key = { storage: 'keychain', hint: 'sk-proj-…000A', savedAt: '2026-01-01T00:00:00.000Z' };
      });
      const dir = join(t.cwd, folder);
      mkdirSync(dir);
      execFileSync('git', ['init', '-q'], { cwd: dir, env: GIT_ENV });
      expect(await env(t.ctx, { force: false, gitignore: true, file: join(folder, '.env') })).toBe(0);
      expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toBe('/.env\n');
      expect(t.stdout).toContain(`✔ Added /.env to ${join(realpathSync(t.cwd), shown, '.gitignore')}.`);
    }
  });
});

describe('import and a path with a line break', () => {
  it('a CODEX_HOME with a line break: the finding is named on one line', async () => {
    t = makeTestContext({ interactive: false, env: { HOME: '/nonexistent-home' } });
    const codex = join(t.cwd, '..', 'co\n✔ Stored safely in the keychain');
    t.ctx.rawEnv.CODEX_HOME = codex;
    mkdirSync(codex, { recursive: true });
    writeFileSync(join(codex, 'auth.json'), `{"OPENAI_API_KEY": "${KEY}"}\n`);
    expect(await importKeys(t.ctx, IMPORT)).toBe(8);
    expect(t.stdout).toContain('co ✔ Stored safely in the keychain/auth.json, line 1');
    expectNoForgedLine('✔ Stored safely');
  });

  it('--store with a line break in its value: quoted escaped in the error', async () => {
    t = makeTestContext({ interactive: false });
    const { code, message } = await outcomeOf(importKeys(t.ctx, { ...IMPORT, store: 'x\n:1' }));
    expect(code).toBe(2);
    expect(message).toBe('--store: expected PATH:LINE, like ~/.zshrc:12 (got "x\\x0a:1").');
  });
});

// bash -c with its stdin a socket (Node's pipes are socketpairs) and no SHLVL takes itself for a
// shell started by sshd and reads ~/.bashrc: a machine's slow one (pyenv init) would time the test out.
const NOT_A_SOCKET: ['ignore', 'pipe', 'pipe'] = ['ignore', 'pipe', 'pipe'];

describe('paths in commands to type', () => {
  const names = ['plain.env', 'with space.env', "it's.env", FORGED, 'esc\x1b[2J.env', 'bidi\u202eenv.', 'nel\u0085.env', 'back\\slash\n.env'];

  it('each is one line of printable text, and the shell reads back the exact name', () => {
    for (const name of names) {
      const word = shellWord(name);
      expect(word).not.toMatch(UNPRINTABLE);
      // In any locale: without LANG, bash reads $'\u…' as the six characters.
      expect(execFileSync('bash', ['-c', `printf %s ${word}`], { encoding: 'utf8', env: { PATH: process.env.PATH }, stdio: NOT_A_SOCKET })).toBe(name);
    }
    expect(shellWord('plain.env')).toBe('plain.env');
    expect(shellWord('with space.env')).toBe("'with space.env'");
    expect(shellWord('esc\x1b[2J.env')).toBe("$'esc\\x1b[2J.env'");
    expect(shellWord("it's\n")).toBe("$'it\\'s\\n'");
    expect(shellWord('bidi\u202eenv.')).toBe("$'bidi\\xe2\\x80\\xaeenv.'");
  });

  it("every character the terminal's output would escape or break a line at is escaped in the word, and bash reads each back exactly", () => {
    const chars: string[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      const ch = String.fromCharCode(code);
      if (code >= 0xd800 && code <= 0xdfff) continue;
      if (ch === '\n' || neutralise(ch) !== ch || sanitize(ch) !== ch) chars.push(ch);
    }
    // Each alone (as a name starts), where none is part of a sequence (invisible-characters.test.ts:
    // an emoji's variation selector, a keycap's, is shown, and quoted, as it is):
    // C0, DEL, C1, the bidi controls, the zero-width characters, the BOM and the two separators;
    // and the rest of what shows as nothing (format characters, Default_Ignorable_Code_Point): the
    // soft hyphen, U+034F, U+0600-0605, U+06DD, U+070F, U+0890-0891, U+08E2, the Hangul fillers
    // U+115F-1160, U+17B4-17B5, U+180B-180F, U+206A-206F, U+3164, the variation selectors
    // U+FE00-FE0F, U+FFA0, U+FFF0-FFF8 and the interlinear annotation marks U+FFF9-FFFB.
    expect(chars.length).toBe(32 + 1 + 32 + 1 + 5 + 5 + 10 + 1 + 2 + (1 + 1 + 6 + 1 + 1 + 2 + 1 + 2 + 2 + 5 + 6 + 1 + 16 + 1 + 9 + 3));
    const words = chars.map((ch) => shellWord(`a${ch}b`));
    for (const word of words) {
      expect(word.startsWith("$'")).toBe(true);
      expect(neutralise(word)).toBe(word);
      expect(word).not.toContain('\n');
    }
    // NUL ends a word in any shell (and no file name holds one): the rest are read back.
    const read = execFileSync('bash', ['-c', `printf '%s\\0' ${words.slice(1).join(' ')}`], { encoding: 'utf8', env: { PATH: process.env.PATH }, stdio: NOT_A_SOCKET });
    expect(read.split('\0').slice(0, -1)).toEqual(chars.slice(1).map((ch) => `a${ch}b`));
  });

  it('~/ stays outside the quotes, so that it expands', () => {
    t = makeTestContext();
    const home = t.cwd;
    expect(shellPath('~/a\nb')).toBe("~/$'a\\nb'");
    expect(execFileSync('bash', ['-c', `printf %s ${shellPath('~/a\nb')}`], { encoding: 'utf8', env: { HOME: home } })).toBe(`${home}/a\nb`);
  });

  it('a reload command names the file itself when the name shown is not exact', () => {
    expect(reloadHint('posix-shell', '/h/a\nb/.zshrc', '~/a b/.zshrc', 'zsh')).toBe("It takes effect in new shells; to load it in this one:  source $'/h/a\\nb/.zshrc'");
    expect(reloadHint('posix-shell', '/h/.zshrc', '~/.zshrc', 'zsh')).toBe('It takes effect in new shells; to load it in this one:  source ~/.zshrc');
  });
});

describe('env --file that cannot be read', () => {
  it('a huge file (3 GB, sparse): one line, exit 2, nothing written', async () => {
    t = makeTestContext({ env: GIT_ENV, keychain: { default: KEY } });
    const big = join(t.cwd, 'big.env');
    writeFileSync(big, '');
    truncateSync(big, 3 * 1024 ** 3);
    const { code, message } = await outcomeOf(env(t.ctx, { ...FLAGS, file: 'big.env' }));
    expect(code).toBe(2);
    expect(message).toBe('--file big.env: larger than 4 MB. Nothing was written.');
  });

  it('a file just over the 4 MB import looks into: refused the same way', async () => {
    t = makeTestContext({ env: GIT_ENV, keychain: { default: KEY } });
    writeFileSync(join(t.cwd, '.env'), 'x'.repeat(4 * 1024 * 1024 + 1));
    const { code, message } = await outcomeOf(env(t.ctx, FLAGS));
    expect(code).toBe(2);
    expect(message).toBe('--file .env: larger than 4 MB. Nothing was written.');
    expect(readFileSync(join(t.cwd, '.env'), 'utf8')).not.toContain(KEY);
  });

  it('a .gitignore over 4 MB to add the file to: one line, the key not written', async () => {
    t = makeTestContext({ env: GIT_ENV, keychain: { default: KEY } });
    execFileSync('git', ['init', '-q'], { cwd: t.cwd, env: GIT_ENV });
    // One comment line: git reads it quickly, and it ignores nothing.
    writeFileSync(join(t.cwd, '.gitignore'), '#'.repeat(4 * 1024 * 1024 + 1));
    const { code, message } = await outcomeOf(env(t.ctx, { force: false, gitignore: true }));
    expect(code).toBe(2);
    expect(message).toBe(`Could not add /.env to ${join(realpathSync(t.cwd), '.gitignore')}: larger than 4 MB. The key was not written.`);
    expect(existsSync(join(t.cwd, '.env'))).toBe(false);
  });

  it('a FIFO, /dev/zero, a directory: one line each, exit 2, no wait', async () => {
    t = makeTestContext({ env: GIT_ENV, keychain: { default: KEY } });
    execFileSync('mkfifo', [join(t.cwd, 'fifo.env')]);
    mkdirSync(join(t.cwd, 'dir.env'));
    for (const [file, shown] of [['fifo.env', 'fifo.env'], ['/dev/zero', '/dev/zero'], ['dir.env', 'dir.env']]) {
      const { code, message } = await outcomeOf(env(t.ctx, { ...FLAGS, file }));
      expect(code).toBe(2);
      expect(message).toBe(`${shown} is not a regular file. Nothing was written.`);
    }
  });
});

// Relative paths in the variables that say where files are, and HOME unset, as the programs that
// read those files take them:
// - XDG_CONFIG_HOME / XDG_CACHE_HOME relative: invalid, ignored (the XDG Base Directory spec), and
//   said once. Taken as given, the config dir, fish's config.fish and the rest were looked for
//   under whatever directory the tool was run from.
// - ZDOTDIR and CODEX_HOME relative: zsh (run for real: it reads rel/.zshrc of the directory it
//   starts in) and Codex CLI (it canonicalizes CODEX_HOME against its current directory) take them
//   against the current directory; so do import and the shell file hints. Before, import read them
//   against the process's directory, and the hint named `rel/.zshrc` as if from anywhere.
// - HOME unset: the home is the passwd entry's, as for the config dir (Node's homedir()) and the
//   shells (zsh and fish set HOME from it, bash expands ~/.bashrc with it). Before, import and the
//   shell file hints had no home then.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultDeps, runImport, type ImportOptions } from '../../src/commands/import.js';
import { run as status } from '../../src/commands/status.js';
import { xdgDir, xdgIgnoredNotice } from '../../src/storage/home.js';
import { resolveConfigDir } from '../../src/storage/paths.js';
import { shellExportLine } from '../../src/terminal/shell.js';
import { testKey } from '../helpers/context.js';
import { shellDirs } from '../helpers/shell-dirs.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const contexts = trackedContexts();
// The XDG import test runs from the project dir, so that a path left relative would be found there.
const startDir = process.cwd();
afterEach(() => process.chdir(startDir));
const options = (extra: Partial<ImportOptions> = {}): ImportOptions => ({ check: false, json: false, rewrite: false, yes: false, ...extra });
const KEY = testKey('R');
const NOTICE = "! XDG_CONFIG_HOME is not an absolute path (got 'rel'): ignored, as the XDG Base Directory spec says; openai-setup uses ~/.config in its place.\n";

/** A context whose home is `<tmp>/home`, with `env` added, its current directory `<tmp>/project`. */
function inProject(env: Record<string, string>, extra: { passwdHome?: string } = {}) {
  const t = contexts.make({ interactive: false, env, ...extra });
  const home = join(dirname(t.cwd), 'home');
  mkdirSync(home);
  if (!('HOME' in env) && extra.passwdHome === undefined) t.ctx.rawEnv.HOME = home;
  return { t, home };
}

describe('a relative XDG variable is ignored, and said once', () => {
  it('xdgDir: an absolute value is the dir; relative, empty or unset is none, and only a relative one is told', () => {
    const told: string[] = [];
    const tell = (name: string, value: string) => told.push(`${name}=${value}`);
    expect(xdgDir({ XDG_CONFIG_HOME: '/x/conf' }, 'XDG_CONFIG_HOME', 'linux', tell)).toBe('/x/conf');
    expect(xdgDir({ XDG_CACHE_HOME: 'rel/cache' }, 'XDG_CACHE_HOME', 'linux', tell)).toBeUndefined();
    expect(xdgDir({ XDG_CONFIG_HOME: '' }, 'XDG_CONFIG_HOME', 'linux', tell)).toBeUndefined();
    expect(xdgDir({}, 'XDG_CONFIG_HOME', 'linux', tell)).toBeUndefined();
    expect(told).toEqual(['XDG_CACHE_HOME=rel/cache']);
  });

  it('the notice shows the value safe and bounded: control characters escaped, cut to 100 characters', () => {
    expect(xdgIgnoredNotice('XDG_CACHE_HOME', 'a\nb')).toBe("XDG_CACHE_HOME is not an absolute path (got $'a\\nb'): ignored, as the XDG Base Directory spec says; openai-setup uses ~/.cache in its place.");
    expect(xdgIgnoredNotice('XDG_CONFIG_HOME', 'r'.repeat(5000))).toContain(`(got '${'r'.repeat(99)}…')`);
  });

  it('the config dir: the default, and the ignored value told', () => {
    const told: string[] = [];
    expect(resolveConfigDir({ XDG_CONFIG_HOME: 'rel' }, 'linux', '/home/u', (name, value) => told.push(xdgIgnoredNotice(name, value)))).toBe('/home/u/.config/openai-setup');
    expect(told).toEqual([NOTICE.slice(2, -1)]);
  });

  it('the shell file hint names ~/.config/fish/config.fish, not a rel/fish/config.fish of the current directory', () => {
    const notices: string[] = [];
    const line = shellExportLine(shellDirs({ SHELL: '/usr/bin/fish', HOME: '/home/u', XDG_CONFIG_HOME: 'rel' }, 'linux', { cwd: '/home/u/project', notices }), null);
    expect(line.file).toBe('~/.config/fish/config.fish');
    expect(notices).toEqual([NOTICE.slice(2, -1)]);
  });

  it('import: looks in ~/.config/fish, not in the current directory, and says why once', async () => {
    const { t, home } = inProject({ XDG_CONFIG_HOME: 'rel' });
    mkdirSync(join(t.cwd, 'rel', 'fish'), { recursive: true });
    writeFileSync(join(t.cwd, 'rel', 'fish', 'config.fish'), `set -gx OPENAI_API_KEY ${KEY}\n`);
    mkdirSync(join(home, '.config', 'fish'), { recursive: true });
    writeFileSync(join(home, '.config', 'fish', 'config.fish'), `set -gx OPENAI_API_KEY ${KEY}\n`);
    process.chdir(t.cwd);
    // 8: plain text left (EXIT.plaintext).
    expect(await runImport(t.ctx, options(), defaultDeps())).toBe(8);
    expect(t.stdout).toContain('~/.config/fish/config.fish, line 1');
    expect(t.stdout).not.toContain('rel/fish');
    // Once, however many places read it.
    expect(t.stderr.split(NOTICE).length - 1).toBe(1);
  });
});

describe('a relative ZDOTDIR or CODEX_HOME is taken against the current directory, as zsh and Codex CLI take it', () => {
  it('import finds rel/.zshrc and rel/auth.json of the current directory (shown relative to it)', async () => {
    const { t } = inProject({ ZDOTDIR: 'zdot', CODEX_HOME: 'codex' });
    mkdirSync(join(t.cwd, 'zdot'));
    writeFileSync(join(t.cwd, 'zdot', '.zshrc'), `export OPENAI_API_KEY=${KEY}\n`);
    mkdirSync(join(t.cwd, 'codex'));
    writeFileSync(join(t.cwd, 'codex', 'auth.json'), `{"OPENAI_API_KEY": "${KEY}"}\n`);
    // The process's own directory is another: a path left relative would be looked for there.
    expect(process.cwd()).not.toBe(t.cwd);
    // 8: plain text left (EXIT.plaintext).
    expect(await runImport(t.ctx, options(), defaultDeps())).toBe(8);
    expect(t.stdout).toContain('zdot/.zshrc, line 1');
    expect(t.stdout).toContain('codex/auth.json, line 1');
  });

  it('the shell file hint names the .zshrc zsh started here reads', () => {
    const line = shellExportLine(shellDirs({ SHELL: '/bin/zsh', HOME: '/home/u', ZDOTDIR: 'zdot' }, 'linux', { cwd: '/srv/project' }), null);
    expect(line.file).toBe('/srv/project/zdot/.zshrc');
    expect(line.reload).toBe('open a new terminal, or run `source /srv/project/zdot/.zshrc` in this one');
    // Under the home: as ~/….
    expect(shellExportLine(shellDirs({ SHELL: '/bin/zsh', HOME: '/home/u', ZDOTDIR: '.zsh' }, 'linux', { cwd: '/home/u' }), null).file).toBe('~/.zsh/.zshrc');
  });
});

describe('HOME unset: the home is the passwd entry\'s, for import and the shell file hints as for the config dir', () => {
  it('import looks in its files', async () => {
    const t = contexts.make({ interactive: false });
    const passwdHome = join(dirname(t.cwd), 'home');
    mkdirSync(passwdHome);
    writeFileSync(join(passwdHome, '.bashrc'), `export OPENAI_API_KEY=${KEY}\n`);
    t.ctx.passwdHome = () => passwdHome;
    expect(t.ctx.rawEnv.HOME).toBeUndefined();
    // 8: plain text left (EXIT.plaintext).
    expect(await runImport(t.ctx, options(), defaultDeps())).toBe(8);
    expect(t.stdout).toContain('~/.bashrc, line 1');
    expect(t.stderr).not.toContain('Not looked in the files of your home directory');
  });

  it('status names the ~/.tcshrc tcsh reads there, not ~/.cshrc', async () => {
    const t = contexts.make({ interactive: false, env: { SHELL: '/bin/tcsh' } });
    const passwdHome = join(dirname(t.cwd), 'home');
    mkdirSync(passwdHome);
    writeFileSync(join(passwdHome, '.tcshrc'), '');
    t.ctx.passwdHome = () => passwdHome;
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'env', hint: 'sk-proj-…000R', savedAt: '2026-03-01T00:00:00.000Z' };
      p.stages.key = { doneAt: '2026-03-01T00:00:00.000Z' };
    });
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.stdout).toContain('you keep it in OPENAI_API_KEY yourself (~/.tcshrc)');
  });
});

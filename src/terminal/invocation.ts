// How the person started the tool, so that every command it recommends works as printed where
// they are and runs this same copy: under npx, the command that has npx run it again (`npx --yes
// openai-setup` from the registry's latest, `npx --yes openai-setup@0.1.0` pinned, `npx --yes
// --package=/abs/openai-setup-0.1.0.tgz openai-setup` for a tarball; npx-spec.ts reads what npx
// was asked; --yes: see npxSelf); the bare name when the `openai-setup` PATH finds first is this copy (not merely some
// program of that name: a link or npm's/pnpm's shim to it, a wrapper that execs it, or a Node
// version manager's shim — asdf, nodenv, Volta, mise — when this copy is a global install of one
// of that manager's own Node versions); else the script this run was started as (also a project's
// local install run by npx there, which `npx openai-setup` reaches only in that project).
// The command lines themselves are built in advice.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readSync, realpathSync } from 'node:fs';
import { basename, delimiter, dirname, join, sep } from 'node:path';
import packageJson from '../../package.json' with { type: 'json' };
import type { NpxAsked } from './npx-spec.js';
import { detectShell, fileWord, powershellProgram, powershellWord, shellWord } from './shell.js';

export interface SelfCommand {
  /**
   * `openai-setup`, `npx --yes openai-setup` (or with the version or package npx was asked for), or
   * the script's path (with `node` when it cannot run alone), as the person's shell takes it:
   * in PowerShell a quoted path is run with `&`, and its quotes are PowerShell's.
   */
  command: string;
  /** The same for POSIX shells (bash, zsh, sh; fish and csh read it too): for lines that go into files for them. */
  posixCommand: string;
  /** Why the command is not the bare name, when that matters to the person. */
  note: string | null;
  /**
   * This copy is npx's: the command runs npx, which looks the package up each time, or names the
   * script in npm's cache, which stops working once that is cleared (not for a line every new
   * shell runs, either way).
   */
  npx: boolean;
  /** The command that installs this copy for everywhere (`npm install -g openai-setup`, or with the version or package npx ran). */
  install: string;
}

/** PATH folders npm adds for the run it starts (npx, npm exec, npm run): node_modules/.bin ones, which no shell of the person has. */
const NPM_BIN_DIR = /[\\/]node_modules[\\/]\.bin[\\/]?$/;

/** The path of the program `name` that PATH finds first, or null. */
function firstOnPath(env: Record<string, string | undefined>, platform: NodeJS.Platform, name: string, skipNpmBins = false): string | null {
  const names = platform === 'win32' ? [`${name}.cmd`, `${name}.exe`, name] : [name];
  for (const dir of (env.PATH ?? env.Path ?? '').split(platform === 'win32' ? ';' : delimiter)) {
    if (!dir || (skipNpmBins && NPM_BIN_DIR.test(dir))) continue;
    for (const file of names) {
      try {
        accessSync(join(dir, file), constants.X_OK);
        return join(dir, file);
      } catch {
        // keep looking
      }
    }
  }
  return null;
}

/** Prints PEP 668's two answers: an EXTERNALLY-MANAGED file in the standard library's folder, and whether this is a venv. */
const PEP668_QUESTION = "import os,sys,sysconfig;print(int(os.path.exists(os.path.join(sysconfig.get_path('stdlib'),'EXTERNALLY-MANAGED'))),int(sys.prefix!=sys.base_prefix))";

/**
 * Whether the python3 that PATH finds first refuses `pip install` (PEP 668's "externally-managed-
 * environment": Debian 12, Ubuntu 23.04 and later, Homebrew). Asked of that python3 itself, as pip
 * decides it: an EXTERNALLY-MANAGED file in its standard library's folder, outside a venv (pip works
 * in one). Looking at files instead is wrong both ways: a venv's python3 links to a managed one,
 * and a version manager's shim (pyenv, asdf, mise) has no library beside it. Started with `env`
 * (whose PATH finds it), no shell; false (the plain `pip install`) when it cannot be asked or does
 * not answer within `timeoutMs`. Slow at worst by that: for the closing screen only.
 */
export function pythonRefusesPip(env: Record<string, string | undefined>, platform: NodeJS.Platform, timeoutMs = 3000): Promise<boolean> {
  // Without PATH, no python3 the person's shell would find is known: none is looked for elsewhere.
  if (platform === 'win32' || !env.PATH) return Promise.resolve(false);
  return new Promise((resolve) => {
    let out = '';
    let child: ChildProcess;
    const done = (refused: boolean) => {
      clearTimeout(timer);
      resolve(refused);
    };
    // Our own timer, not execFile's: that one waits for the output to close, which a grandchild a
    // shim started could hold open (and its pipe would keep this process alive: let go of it too).
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      child.stdout?.destroy();
      child.unref();
      done(false);
    }, timeoutMs);
    try {
      child = spawn('python3', ['-c', PEP668_QUESTION], { env, stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      done(false);
      return;
    }
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out = (out + chunk).slice(-100)));
    child.on('error', () => done(false));
    child.on('close', (code) => done(code === 0 && out.trim() === '1 0'));
  });
}

/** The script can be run by its path alone: not on Windows (a .cjs opens in an editor there), and only when executable. */
function runsAlone(platform: NodeJS.Platform, path: string): boolean {
  if (platform === 'win32') return false;
  try {
    accessSync(path, constants.F_OK);
  } catch {
    return true; // not here to look at: take the path as given
  }
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** How to install the tool for everywhere: the one command every note and refusal names. */
export const INSTALL_COMMAND = 'npm install -g openai-setup';
/** The tool as npx from the registry starts it (its latest): every run looks the package up (slow, and it fails offline). */
export const NPX_COMMAND = 'npx --yes openai-setup';

/** The package's name, as npm knows it (the bin has the same). */
const NAME = 'openai-setup';

/**
 * Reads how npx was asked for the copy it keeps in an `_npx/<hash>` folder (npx-spec.ts's
 * npxAskedFor), or tells nothing: then a copy of npx's is named by its script's path.
 */
export type NpxAskedReader = (dir: string, name: string, running: string) => NpxAsked | null;

/**
 * How to start this tool again, as the person can type it, so that it runs this same copy;
 * `binPath` is the script Node runs (process.argv[1]); `npxAsked` reads what npx was asked for
 * when the script is npx's copy (main.ts passes npx-spec.ts's; without one, that copy is named
 * by its path: enough to tell the bare name from the rest, as boot.ts asks).
 */
export function selfCommand(env: Record<string, string | undefined>, platform: NodeJS.Platform, binPath: string | undefined, npxAsked?: NpxAskedReader): SelfCommand {
  const words = detectShell(env, platform) === 'powershell' ? POWERSHELL_WORDS : POSIX_WORDS;
  const cache = binPath === undefined ? null : npxFolderOf(binPath);
  // npx of a local folder (a clone of this repository, where the README says to run `npx
  // openai-setup`) links that folder into its cache: the script is really outside it.
  const script = cache !== null ? (realScript(binPath!) ?? binPath) : binPath;
  const linked = cache !== null && npxFolderOf(script!) === null;
  if (cache !== null && !linked) {
    // npx's own copy, in npm's cache, whose bin folder is on no PATH of the person's: npx runs the
    // same copy again when asked for it as it was (`npx openai-setup` alone would fetch the
    // registry's latest: another version, or none of an unpublished tarball's).
    const asked = npxAsked?.(cache, NAME, packageJson.version) ?? null;
    if (asked !== null) return npxSelf(asked, words);
    // Still npx's copy, whatever its package.json said: --rewrite refuses it (import.ts).
    const install = INSTALL_COMMAND;
    return { ...byPath(platform, script!, words), npx: true, install, note: `That is the copy npx keeps in npm's cache (${cache}): the line stops working once that is cleared; \`${install}\` installs one for everywhere (then the line can say just openai-setup).` };
  }
  // A script in no node_modules at all, run by npx (npm sets npm_command=exec for npx), is taken
  // as npx from the registry, as nothing tells otherwise.
  if (cache === null && env.npm_command === 'exec' && (binPath === undefined || projectOf(binPath) === null)) return npxSelf({ kind: 'registry', version: null }, words);
  // Started by npm from a project's node_modules (npx or npm exec there, npm run), or from a
  // local folder npx linked: npm put that bin folder on PATH, not the person. `npx openai-setup`
  // works only there (elsewhere npx fetches the name from the registry), so advice names the
  // script, which works from any folder. The bare name only when what it runs is this copy: the
  // first `openai-setup` PATH finds (npm's bin folders aside) leads to this script.
  const byNpm = env.npm_command !== undefined;
  const bare: SelfCommand = { command: NAME, posixCommand: NAME, note: null, npx: false, install: INSTALL_COMMAND };
  if (!binPath) return bare;
  const found = firstOnPath(env, platform, NAME, byNpm);
  if (found !== null && runsScript(found, binPath)) return bare;
  const project = byNpm && !linked ? projectOf(binPath) : null;
  return {
    ...byPath(platform, script!, words),
    note: project === null ? null : `That is the copy installed in ${project}: the line stops working if it is removed from there; \`${INSTALL_COMMAND}\` installs one for everywhere (then the line can say just openai-setup).`,
  };
}

/**
 * The command that has npx run the copy it was asked for again, with the note on installing that
 * copy. With --yes: without it npx asks "Need to install the following packages: … Ok to proceed?"
 * whenever stdin is a terminal and it has to install the package (a tarball's or repository's on
 * every run, cached or not; the registry's latest once a newer version is out), and it asks on
 * stdout: in `$(…)` (a capture in any shell) or before a pipe the question is never seen and the
 * run waits for an answer, which then lands in the captured value. The person chose this package
 * when they started the tool; each command it recommends runs that same package again, so none asks
 * again (in a line of its own too: what is printed works the same wherever it is pasted).
 */
function npxSelf(asked: NpxAsked, words: Words): SelfCommand {
  const pinned = asked.kind === 'registry' ? (asked.version === null ? null : `${NAME}@${asked.version}`) : null;
  const commandIn = (word: (text: string) => string) => (asked.kind === 'source' ? `npx --yes ${word(`--package=${asked.spec}`)} ${NAME}` : pinned === null ? NPX_COMMAND : `npx --yes ${word(pinned)}`);
  const install = asked.kind === 'source' ? `npm install -g ${words.word(asked.spec)}` : pinned === null ? INSTALL_COMMAND : `npm install -g ${words.word(pinned)}`;
  return { command: commandIn(words.word), posixCommand: commandIn(fileWord), npx: true, install, note: `npx looks the package up each time this runs; \`${install}\` makes it instant (then the line can say just openai-setup).` };
}

/** How the person's shell takes a word, and a program's word (PowerShell's, or POSIX shells'). */
interface Words {
  word(text: string): string;
  program(text: string): string;
}
const POSIX_WORDS: Words = { word: shellWord, program: shellWord };
// posixCommand goes into files (import's new lines): its words are the file's (shell.ts fileWord).
const FILE_WORDS: Words = { word: fileWord, program: fileWord };
const POWERSHELL_WORDS: Words = { word: powershellWord, program: powershellProgram };

/** The script named by its path: alone when it can run so, else through node; with the command that installs this copy. */
function byPath(platform: NodeJS.Platform, script: string, words: Words): SelfCommand {
  const alone = runsAlone(platform, script);
  const commandIn = (w: Words) => (alone ? w.program(script) : `node ${w.word(script)}`);
  // Looked up when asked for (completion, import under npx): every run names itself, few install.
  return {
    command: commandIn(words),
    posixCommand: commandIn(FILE_WORDS),
    note: null,
    npx: false,
    get install() {
      return installOf(script, words);
    },
  };
}

/**
 * The command that installs the copy at `script` for everywhere: a package in a folder of its own
 * (a clone of this repository, an unpacked package: in no node_modules, its package.json this
 * package's) from that folder, `npm install -g /path/to/openai-setup`, as the registry's package is
 * another copy (or none, before it is published); one in a node_modules (a project's install, a
 * global one not on PATH), which npm installed by name, by the name.
 */
function installOf(script: string, words: Words): string {
  const real = realScript(script);
  if (real === null || projectOf(real) !== null) return INSTALL_COMMAND;
  // bin/openai-setup.cjs (or dist/boot.cjs, started by its path) is one folder down.
  const folder = dirname(dirname(real));
  return isThisPackage(folder) ? `npm install -g ${words.word(folder)}` : INSTALL_COMMAND;
}

/** Whether `folder` holds this package: its package.json names it. */
function isThisPackage(folder: string): boolean {
  const text = smallText(join(folder, 'package.json'));
  if (text === null) return false;
  try {
    return (JSON.parse(text) as { name?: unknown }).name === NAME;
  } catch {
    return false;
  }
}

/** The folder npx installed the script's package in (`<npm cache>/_npx/<hash>`), or null when it is not npx's. */
function npxFolderOf(path: string): string | null {
  const at = path.lastIndexOf(`${sep}_npx${sep}`);
  if (at < 0) return null;
  const end = path.indexOf(sep, at + 6);
  return end < 0 ? null : path.slice(0, end);
}

/** A shim's most: npm's and pnpm's are under 1 KiB. */
const MAX_SHIM_BYTES = 16 * 1024;
/** The script a shim (npm's cmd-shim, on Windows and for pnpm: `.cmd`, `.ps1`, sh) starts, relative to the shim's folder. */
const SHIM_TARGET = /"(?:\$basedir|%dp0%|%~dp0|\$PSScriptRoot)[\\/]([^"\r\n$%]+?\.c?js)"/;

/** A plain sh script's `exec PROGRAM` or `exec node SCRIPT` (a wrapper of the person's): the program, quoted or not. */
const EXEC_PATH = /^[ \t]*exec[ \t]+(?:node[ \t]+)?(?:"([^"\r\n]+)"|'([^'\r\n]+)'|([^\s"'$`;&|]+))/gm;
/** asdf's shim: `exec asdf exec "openai-setup" "$@"`, with its `# asdf-plugin: nodejs 20.11.0` line. */
const ASDF_SHIM = /^[ \t]*exec[ \t]+"?(?:[^"\s]*\/)?asdf"?[ \t]+exec[ \t]|^# asdf-plugin: /m;
/** nodenv's shim: `exec "…/libexec/nodenv" exec "$program" "$@"`. */
const NODENV_SHIM = /^[ \t]*exec[ \t]+"?(?:[^"\s]*\/)?nodenv"?[ \t]+exec[ \t]/m;
/** The binaries Volta's and mise's (once rtx's) shims are links to, and the folder beside the link's where each keeps its Node versions. */
const MANAGER_BINARY: ReadonlyArray<[RegExp, string]> = [
  [/^volta-shim(?:\.exe)?$/, 'tools'], // <volta>/bin/openai-setup: <volta>/tools/image/…
  [/^(?:mise|rtx)(?:\.exe)?$/, 'installs'], // <data>/shims/openai-setup: <data>/installs/node/<version>/
];
/** Where `npm install -g` puts the package, under any prefix (a version manager's Node's too): `<prefix>/lib/node_modules/openai-setup/`. */
const GLOBAL_INSTALL = /[\\/]lib[\\/]node_modules[\\/]openai-setup[\\/]/;

/**
 * Whether `found`, the program PATH finds, runs the script `binPath`: a link to it (npm's bin
 * link, a global install), a shim beside its package that starts it (npm's on Windows, pnpm's),
 * a plain script that execs it, or a Node version manager's shim (asdf, nodenv, Volta, mise) when
 * this script is a global install of that manager's own. When this script cannot be looked at,
 * any program of the name is taken as it.
 */
function runsScript(found: string, binPath: string): boolean {
  const script = realScript(binPath);
  if (script === null) return true;
  const real = realScript(found);
  if (real === script) return true;
  const text = smallText(found);
  // A shim's folder is where it was found (a link to one is run from there too).
  const target = text === null ? null : (SHIM_TARGET.exec(text)?.[1] ?? null);
  if (target !== null) return realScript(join(dirname(found), ...target.split(/[\\/]/))) === script;
  if (text !== null) {
    for (const exec of text.matchAll(EXEC_PATH)) {
      const program = exec[1] ?? exec[2] ?? exec[3]!;
      if (program.startsWith('/') && realScript(program) === script) return true;
    }
  }
  // A version manager's shim starts the `openai-setup` of the Node version active where it is run,
  // from that Node's global bin folder, in the manager's own tree beside the shim's folder. So the
  // shim is this copy only when this copy is a global install in that tree (the bare name worked,
  // and should be written in a startup file: the script's path there breaks every new shell once
  // that Node version is removed); a global install elsewhere (the system's Node, another
  // manager's), a project's install or a clone is not what the shim runs. The doubt that remains:
  // which of the manager's Node versions the shim picks depends on the folder (.tool-versions,
  // .nvmrc, package.json's volta), which cannot be told cheaply.
  const tree = managerTree(found, text, real);
  if (tree === null || !GLOBAL_INSTALL.test(script)) return false;
  const folder = realScript(dirname(found));
  const installs = folder === null ? null : realScript(join(dirname(folder), tree));
  return installs !== null && script.startsWith(installs + sep);
}

/**
 * The folder beside a version manager's shims folder where it keeps the Node versions its shim
 * `found` runs (`text`: the shim's start; `real`: where it leads), or null when it is no manager's
 * shim: asdf's <root>/shims and <root>/installs, nodenv's <root>/shims and <root>/versions, mise's
 * (rtx's) <data>/shims and <data>/installs, Volta's <volta>/bin and <volta>/tools.
 */
function managerTree(found: string, text: string | null, real: string | null): string | null {
  if (text !== null && basename(dirname(found)) === 'shims') {
    if (ASDF_SHIM.test(text)) return 'installs';
    if (NODENV_SHIM.test(text)) return 'versions';
  }
  const binary = real === null ? null : basename(real);
  return MANAGER_BINARY.find(([name]) => binary !== null && name.test(binary))?.[1] ?? null;
}

/** The start of the file at `path` (a shim is small), or null when it cannot be read. */
function smallText(path: string): string | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch {
    return null;
  }
  try {
    const buffer = Buffer.alloc(MAX_SHIM_BYTES);
    return buffer.toString('utf8', 0, readSync(fd, buffer, 0, MAX_SHIM_BYTES, 0));
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Where the script really is (links followed); null when that cannot be looked at. */
function realScript(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

/** The folder whose node_modules holds `binPath` (a project's local install), or null. */
function projectOf(binPath: string): string | null {
  const at = binPath.lastIndexOf(`${sep}node_modules${sep}`);
  return at > 0 ? binPath.slice(0, at) : null;
}

/**
 * ` --profile NAME` for a command recommended for `profile`; nothing when a command typed without
 * --profile acts on that profile anyway. `bare`: the profile such a command acts on in this shell
 * (ctx.bareProfile: OPENAI_SETUP_PROFILE, else the one chosen with `use`); when that is not known,
 * the profile is always named, as that works wherever it is typed. With a Context: profileFlagFor (advice.ts).
 */
export function profileFlag(profile: string | undefined, bare: string | undefined): string {
  return profile === undefined || profile === bare ? '' : ` --profile ${profile}`;
}

/**
 * Advice as this person can type it, for the texts that name the tool `openai-setup` followed by
 * one of its commands: api/diagnosis.ts's fixes (pure, knowing nothing of how the tool was
 * started; command lines built in advice.ts start as the tool was started already). Headings such
 * as `openai-setup doctor · profile work` name the running command and stay as they are. Each such command starts with `name` instead
 * (`npx openai-setup`, or the script's path). A command is the name followed by one of the tool's
 * commands or a flag, or the name alone in backticks: the name as a word in a sentence
 * ("openai-setup keeps no copy") or in a path stays as it is.
 */
export function adviceFor(name: string, commands: readonly string[]): (text: string) => string {
  if (name === 'openai-setup') return (text) => text;
  // The name alone in backticks, only right after the opening one: in `npm install -g openai-setup`
  // it is the package npm installs, never the way this run was started.
  const alone = '(?<=`)openai-setup(?=`)';
  // A heading (`openai-setup status · profile work`) names the running command: no advice to type.
  const command = `(?<![\\w/.@"-])(?<!npx |install (?:-g )?)openai-setup(?= (?:${commands.join('|')})\\b(?! ·)| -{1,2}[a-z])`;
  // The name itself, where a command line built in advice.ts starts with it already, is passed
  // over whole: its own `openai-setup` (`npx --yes --package=/x/openai-setup-0.1.0.tgz openai-setup
  // status`) is not started again.
  const self = `(${name.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')})`;
  const pattern = new RegExp(`${self}|${alone}|${command}`, 'g');
  // A function, not a string: `$` in a path would be a replacement pattern.
  return (text) => text.replace(pattern, (_match, own: string | undefined) => own ?? name);
}

/** The command that prints the profile's key, as a POSIX startup file should run it (`bare`: as for profileFlag). */
export function tokenCommand(self: Pick<SelfCommand, 'posixCommand'>, profile: string, bare: string | undefined): string {
  return `${self.posixCommand} token${profileFlag(profile, bare)}`;
}

/** `openai-setup run` (with the profile) as a POSIX shell takes it: add ` -- program …` (`bare`: as for profileFlag). */
export function runCommand(self: Pick<SelfCommand, 'posixCommand'>, profile: string, bare: string | undefined): string {
  return `${self.posixCommand} run${profileFlag(profile, bare)}`;
}

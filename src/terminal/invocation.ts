// How the person started the tool, so that every command it recommends works as printed where
// they are: `npx openai-setup` under npx from the registry (its copy's bin folder is on no PATH of
// theirs), the bare name when it is on their PATH, else the script this run was started as (also
// a project's local install run by npx there, which `npx openai-setup` reaches only in that project).
// The command lines themselves are built in advice.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, realpathSync } from 'node:fs';
import { delimiter, join, sep } from 'node:path';
import { shellWord } from './shell.js';

export interface SelfCommand {
  /** `openai-setup`, `npx openai-setup`, or the script's path (with `node` when it cannot run alone). */
  command: string;
  /** Why the command is not the bare name, when that matters to the person. */
  note: string | null;
}

/** PATH folders npm adds for the run it starts (npx, npm exec, npm run): node_modules/.bin ones, which no shell of the person has. */
const NPM_BIN_DIR = /[\\/]node_modules[\\/]\.bin[\\/]?$/;

/** `name` is a program in one of PATH's folders; `skipNpmBins`: not counting npm's own (started by npm). */
function onPath(env: Record<string, string | undefined>, platform: NodeJS.Platform, name: string, skipNpmBins: boolean): boolean {
  return firstOnPath(env, platform, name, skipNpmBins) !== null;
}

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

/** The tool as npx from the registry starts it: every run looks the package up (slow, and it fails offline). */
/** How to install the tool for everywhere: the one command every note and refusal names. */
export const INSTALL_COMMAND = 'npm install -g openai-setup';
export const NPX_COMMAND = 'npx openai-setup';

/** How to start this tool again, as the person can type it; `binPath` is the script Node runs (process.argv[1]). */
export function selfCommand(env: Record<string, string | undefined>, platform: NodeJS.Platform, binPath: string | undefined): SelfCommand {
  const inNpxCache = (path: string) => path.includes(`${sep}_npx${sep}`);
  const cached = binPath !== undefined && inNpxCache(binPath);
  // npx of a local folder (a clone of this repository, where the README says to run `npx
  // openai-setup`) links that folder into its cache: the script is really outside it.
  const script = cached ? (realScript(binPath) ?? binPath) : binPath;
  const linked = cached && !inNpxCache(script!);
  // npx from the registry runs its own copy, in npm's cache (an _npx folder), whose bin folder is
  // on no PATH of the person's (npm sets npm_command=exec for npx). A script in no node_modules at
  // all, run by npx, is taken as that too, as nothing tells otherwise.
  if (cached ? !linked : env.npm_command === 'exec' && (binPath === undefined || projectOf(binPath) === null)) {
    return { command: NPX_COMMAND, note: `npx looks the package up each time this runs; \`${INSTALL_COMMAND}\` makes it instant (then the line can say just openai-setup).` };
  }
  // Started by npm from a project's node_modules (npx or npm exec there, npm run), or from a
  // local folder npx linked: npm put that bin folder on PATH, not the person. `npx openai-setup`
  // works only there (elsewhere npx fetches the name from the registry), so advice names the
  // script, which works from any folder.
  const byNpm = env.npm_command !== undefined;
  if (!binPath || onPath(env, platform, 'openai-setup', byNpm)) return { command: 'openai-setup', note: null };
  const command = runsAlone(platform, script!) ? shellWord(script!) : `node ${shellWord(script!)}`;
  const project = byNpm && !linked ? projectOf(binPath) : null;
  return {
    command,
    note: project === null ? null : `That is the copy installed in ${project}: the line stops working if it is removed from there; \`${INSTALL_COMMAND}\` installs one for everywhere (then the line can say just openai-setup).`,
  };
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
  const pattern = new RegExp(`${alone}|${command}`, 'g');
  // A function, not a string: `$` in a path would be a replacement pattern.
  return (text) => text.replace(pattern, () => name);
}

/** The command that prints the profile's key, as a startup file should run it (`bare`: as for profileFlag). */
export function tokenCommand(self: SelfCommand, profile: string, bare: string | undefined): string {
  return `${self.command} token${profileFlag(profile, bare)}`;
}

/** `openai-setup run` (with the profile) as the person types it: add ` -- program …` (`bare`: as for profileFlag). */
export function runCommand(self: SelfCommand, profile: string, bare: string | undefined): string {
  return `${self.command} run${profileFlag(profile, bare)}`;
}

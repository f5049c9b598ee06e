// Where people keep OpenAI keys in plain text: shell startup files, other tools' key files, and
// project .env files. Each place says what it is, so that import knows what it may change there
// (our own kind of line in a shell or .env file) and what it only explains (another tool's file).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { codexHome, xdgConfigHome, zshStartupDir, type ShellDirs } from '../terminal/shell.js';

export type PlaceKind =
  | 'posix-shell' // bash, zsh, sh startup files; direnv's .envrc
  | 'fish' // config.fish, conf.d/*.fish
  | 'fish-universal' // fish_variables (set -U), \xHH-escaped
  | 'powershell' // a PowerShell profile
  | 'dotenv' // a project's .env / .env.local
  | 'tool'; // another tool's own file: never edited

/** Other tools whose files are looked in, and never edited. */
export type ToolName = 'codex' | 'llm' | 'shell-gpt' | 'fabric' | 'continue' | 'aider';

export interface Place {
  path: string;
  kind: PlaceKind;
  tool?: ToolName;
}

/**
 * The environment, the home directory (null when none is known: then only the project's files are
 * looked in) and the current directory (null when it no longer exists: then no project's files are
 * looked in), as the shell file hints take them (storage/paths.ts shellDirsOf).
 */
export type PlaceContext = ShellDirs;

/** The git work tree holding `dir` (the nearest parent with a .git), or null. */
function gitRoot(dir: string): string | null {
  for (let current = dir; ; current = dirname(current)) {
    if (existsSync(join(current, '.git'))) return current;
    if (dirname(current) === current) return null;
  }
}

function fishFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => name.endsWith('.fish'))
      .sort()
      .map((name) => join(dir, name))
      .filter((path) => statSync(path).isFile());
  } catch {
    return [];
  }
}

/** Every place import looks in, in the order it reports them; duplicates (the same path) removed. */
export function plaintextPlaces(c: PlaceContext): Place[] {
  const places: Place[] = [];
  const add = (path: string, kind: PlaceKind, tool?: ToolName) => places.push(tool ? { path, kind, tool } : { path, kind });
  const { env, home, platform } = c;
  // Codex CLI's dir: a relative $CODEX_HOME in the current directory, where Codex started here takes it (codexHome).
  const codex = codexHome(c, home);
  if (home) {
    for (const name of ['.bashrc', '.bash_profile', '.profile', '.zshrc', '.zprofile', '.zshenv']) add(join(home, name), 'posix-shell');
    // zsh reads its files from ZDOTDIR when that is set (a relative one: in the current directory, zshStartupDir).
    const zdot = zshStartupDir(c, home);
    if (zdot !== null && zdot !== home) for (const name of ['.zshrc', '.zprofile', '.zshenv']) add(join(zdot, name), 'posix-shell');
    const config = xdgConfigHome(c, home);
    add(join(config, 'fish', 'config.fish'), 'fish');
    for (const path of fishFiles(join(config, 'fish', 'conf.d'))) add(path, 'fish');
    add(join(config, 'fish', 'fish_variables'), 'fish-universal');
    if (platform === 'win32') {
      for (const dir of ['PowerShell', 'WindowsPowerShell']) {
        add(join(home, 'Documents', dir, 'Microsoft.PowerShell_profile.ps1'), 'powershell');
        add(join(home, 'Documents', dir, 'profile.ps1'), 'powershell');
      }
    } else {
      // PowerShell reads its profiles from $XDG_CONFIG_HOME/powershell when that is set, as fish does.
      add(join(config, 'powershell', 'Microsoft.PowerShell_profile.ps1'), 'powershell');
      add(join(config, 'powershell', 'profile.ps1'), 'powershell');
    }

    if (codex !== null) add(join(codex, 'auth.json'), 'tool', 'codex');
    const llmDir = env.LLM_USER_PATH?.trim() ||
      (platform === 'darwin'
        ? join(home, 'Library', 'Application Support', 'io.datasette.llm')
        : platform === 'win32'
          ? join(env.APPDATA || join(home, 'AppData', 'Roaming'), 'io.datasette.llm')
          : join(config, 'io.datasette.llm'));
    add(join(llmDir, 'keys.json'), 'tool', 'llm');
    // shell-gpt and fabric use ~/.config whatever XDG_CONFIG_HOME says.
    add(join(home, '.config', 'shell_gpt', '.sgptrc'), 'tool', 'shell-gpt');
    add(join(home, '.config', 'fabric', '.env'), 'tool', 'fabric');
    add(join(home, '.continue', 'config.yaml'), 'tool', 'continue');
    add(join(home, '.continue', 'config.json'), 'tool', 'continue');
    add(join(home, '.aider.conf.yml'), 'tool', 'aider');
  }
  // Without a home directory, Codex CLI still reads $CODEX_HOME when that is set.
  if (!home && codex !== null) add(join(codex, 'auth.json'), 'tool', 'codex');
  const root = c.cwd === null ? null : gitRoot(c.cwd);
  for (const dir of c.cwd === null ? [] : root && root !== c.cwd ? [c.cwd, root] : [c.cwd]) {
    add(join(dir, '.env'), 'dotenv');
    add(join(dir, '.env.local'), 'dotenv');
    add(join(dir, '.envrc'), 'posix-shell');
    if (dir !== home) add(join(dir, '.aider.conf.yml'), 'tool', 'aider');
  }
  const seen = new Set<string>();
  return places.filter((p) => !seen.has(p.path) && seen.add(p.path));
}

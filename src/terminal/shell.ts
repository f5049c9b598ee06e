// The line that sets OPENAI_API_KEY in the person's own shell, and which file it belongs in.
import { basename } from 'node:path';

export type ShellKind = 'bash' | 'zsh' | 'fish' | 'powershell' | 'sh';

export function detectShell(env: Record<string, string | undefined>, platform: NodeJS.Platform): ShellKind {
  const shell = basename(env.SHELL ?? '');
  if (shell === 'zsh' || shell === 'bash' || shell === 'fish') return shell;
  if (platform === 'win32') return 'powershell';
  return shell === '' ? 'bash' : 'sh';
}

const PLACEHOLDER = '<your key>';

/** A POSIX shell word in single quotes, whatever it holds. */
export function singleQuoted(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** A shell word: as it is when it needs no quotes, else in single quotes. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(word) ? word : singleQuoted(word);
}

/** `export OPENAI_API_KEY='…'` for the person's shell; the key itself only when given. */
export function shellExportLine(
  env: Record<string, string | undefined>,
  platform: NodeJS.Platform,
  key: string | null,
  name = 'OPENAI_API_KEY',
): { line: string; file: string; shell: ShellKind; reload: string } {
  const shell = detectShell(env, platform);
  const value = key ?? PLACEHOLDER;
  // How the person gets the line into the shell they are in: a new one reads the file too.
  const reload = (file: string, command: string) => `open a new terminal, or run \`${command} ${file}\` in this one`;
  switch (shell) {
    case 'fish':
      return { shell, file: '~/.config/fish/config.fish', line: `set -gx ${name} ${singleQuoted(value)}`, reload: reload('~/.config/fish/config.fish', 'source') };
    case 'powershell':
      return { shell, file: '$PROFILE', line: `$env:${name} = ${singleQuoted(value).replaceAll(`'\\''`, "''")}`, reload: reload('$PROFILE', '.') };
    case 'zsh':
      return { shell, file: '~/.zshrc', line: `export ${name}=${singleQuoted(value)}`, reload: reload('~/.zshrc', 'source') };
    case 'bash':
      return { shell, file: '~/.bashrc', line: `export ${name}=${singleQuoted(value)}`, reload: reload('~/.bashrc', 'source') };
    default:
      return { shell, file: '~/.profile', line: `export ${name}=${singleQuoted(value)}`, reload: reload('~/.profile', '.') };
  }
}

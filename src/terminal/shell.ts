// The line that sets OPENAI_API_KEY in the person's own shell, and which file it belongs in.
import { existsSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { hasUnsafeChar, replaceUnsafeChars } from './unsafe-char.js';

export type ShellKind = 'bash' | 'zsh' | 'fish' | 'powershell' | 'csh' | 'sh';

/** pwsh, powershell, with a version or channel (pwsh-preview, pwsh-7.4) or .exe after the name. */
const POWERSHELL = /^(?:pwsh|powershell)(?:-?[0-9][0-9.]*|-[a-z][a-z0-9.]*)?(?:\.exe)?$/i;

export function detectShell(env: Record<string, string | undefined>, platform: NodeJS.Platform): ShellKind {
  const shell = basename(env.SHELL ?? '');
  if (shell === 'zsh' || shell === 'bash' || shell === 'fish') return shell;
  // csh and tcsh read none of the POSIX files, nor `export`.
  if (shell === 'csh' || shell === 'tcsh') return 'csh';
  // PowerShell is a login shell on Linux and macOS too (pwsh, pwsh-preview…);
  // it reads no POSIX file and takes no `export`. Its profile is `$PROFILE` everywhere.
  if (POWERSHELL.test(shell)) return 'powershell';
  if (platform === 'win32') return 'powershell';
  return shell === '' ? 'bash' : 'sh';
}

// Where the shells read their startup files, as they decide it: import looks there (plaintext/
// places.ts), and the line the person adds themselves is said to go there.

/**
 * What the shells' and other tools' files are worked out from, for a run: storage/paths.ts
 * shellDirsOf builds it, with the home directory and XDG_CONFIG_HOME by the rules every command
 * uses (home.ts homeOf and xdgDir).
 */
export interface ShellDirs {
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  /** The home directory, or null when there is none to use (HOME relative, or unset with no passwd entry). */
  home: string | null;
  /** The current directory, or null when it no longer exists. */
  cwd: string | null;
  /** $XDG_CONFIG_HOME when it is an absolute path, else undefined: a relative one is ignored (and said so, once). */
  xdgConfigHome(): string | undefined;
}

/**
 * `value`, a path a program takes as it is given: resolved against the current directory when
 * relative, as that program does when started here (zsh with ZDOTDIR, Codex CLI with CODEX_HOME);
 * null when relative and the current directory is gone.
 */
function asTakenHere(value: string, cwd: string | null): string | null {
  if (isAbsolute(value)) return value;
  return cwd === null ? null : resolve(cwd, value);
}

/**
 * The dir zsh reads .zshrc, .zprofile and .zshenv from: $ZDOTDIR when set (as it is, untrimmed),
 * else `home`. zsh takes a relative one against the directory it starts in (`rel/.zshrc`): the one
 * here is the one in the current directory, where zsh started here reads it. Null when that is
 * gone. (An empty ZDOTDIR is taken as unset; zsh would read /.zshrc.)
 */
export function zshStartupDir(d: Pick<ShellDirs, 'env' | 'cwd'>, home: string): string | null {
  const given = d.env.ZDOTDIR;
  return given ? asTakenHere(given, d.cwd) : home;
}

/**
 * Codex CLI's dir (its auth.json): $CODEX_HOME when set, as it is (untrimmed; relative, against the
 * current directory: Codex canonicalizes it there, and refuses to start when it is not a
 * directory), else ~/.codex; null when there is neither (no home, or the current directory gone).
 */
export function codexHome(d: Pick<ShellDirs, 'env' | 'cwd'>, home: string | null): string | null {
  const given = d.env.CODEX_HOME;
  if (given) return asTakenHere(given, d.cwd);
  return home === null ? null : join(home, '.codex');
}

/** The XDG config dir (fish's config.fish is in its fish/): $XDG_CONFIG_HOME when it is an absolute path, else ~/.config. */
export function xdgConfigHome(d: Pick<ShellDirs, 'xdgConfigHome'>, home: string): string {
  return d.xdgConfigHome() ?? join(home, '.config');
}

/** A path as typed in a shell: under `home`, `~/` and the rest (quoted when it has to be); else the path as a shell word. */
function typedPath(path: string, home: string): string {
  return path.startsWith(`${home}/`) ? `~/${shellWord(path.slice(home.length + 1))}` : shellWord(path);
}

const PLACEHOLDER = '<your key>';

/** A POSIX shell word in single quotes, whatever it holds. */
export function singleQuoted(value: string): string {
  return spelled(singleQuotedText(value), value, false);
}

function singleQuotedText(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

// Words quoted for a command, with what they hold, where the terminal writes them otherwise:
// one whose charset is not UTF-8 gets every character beyond ASCII as `?` (charset.ts asciiText),
// which in a printed command names a path that does not exist; and PowerShell reads a POSIX
// word with a quote in it (`'it'\''s'`, `$'…'`) as something else. Before the terminal writes a
// line, shellWordsFor writes each such word as the person's shell reads it back.
const SPELLED = new Map<string, { value: string; powershell: boolean }>();
const BEYOND_ASCII = /[^\x00-\x7f]/;
// Text that goes into a file as it is (a startup file's line, shown before it is written): its
// words are the file's, which the person's shell does not read, so none of them is rewritten.
const AS_WRITTEN = new Set<string>();

/** `text`, a file's text to be shown: the terminal writes its words as they are (shellWordsFor). */
export function asWritten(text: string): string {
  if (text !== '') AS_WRITTEN.add(text);
  return text;
}

/** A shell as printed words are written for it: detectShell's, with tcsh apart from csh (it reads `$'…'`). */
export type WordShell = ShellKind | 'tcsh';

export function wordShell(env: Record<string, string | undefined>, platform: NodeJS.Platform): WordShell {
  const shell = detectShell(env, platform);
  return shell === 'csh' && basename(env.SHELL ?? '') === 'tcsh' ? 'tcsh' : shell;
}

function spelled(quoted: string, value: string, powershell: boolean): string {
  if (BEYOND_ASCII.test(value) || (!powershell && (value.includes("'") || quoted.startsWith("$'")))) SPELLED.set(quoted, { value, powershell });
  return quoted;
}

/** The UTF-8 bytes of `text`. */
function bytesOf(text: string): number[] {
  return [...Buffer.from(text, 'utf8')];
}

/**
 * `value` as one word in ASCII alone that `shell` reads back as `value`: bash and zsh (and ksh)
 * `$'…\xc3\xbc'`; fish `\xc3\xbc` outside quotes; sh (dash has no `$'…'`) `"$(printf '\303\274')"`;
 * csh, which has no `$(…)`, the same in backquotes (which cannot be nested: not inside a command
 * in backquotes, such as token's capture line); tcsh `$'…\xc3\xbc'` as bash, which works there
 * inside backquotes too (see tcshWord); PowerShell, whose strings are UTF-16 and which turns them
 * into UTF-8 for a path or an argument, `$([char]0x00FC)` in double quotes.
 */
export function asciiWord(value: string, shell: WordShell): string {
  if (shell === 'powershell') {
    const body = [...value].map((ch) => {
      if (!BEYOND_ASCII.test(ch) && ch >= ' ' && ch !== '\x7f') return /[`"$]/.test(ch) ? `\`${ch}` : ch;
      const code = ch.codePointAt(0)!;
      return code > 0xffff ? `$([char]::ConvertFromUtf32(0x${code.toString(16).toUpperCase()}))` : `$([char]0x${code.toString(16).toUpperCase().padStart(4, '0')})`;
    });
    return `"${body.join('')}"`;
  }
  if (shell === 'tcsh') return tcshWord(value, false);
  if (shell === 'bash' || shell === 'zsh') {
    const body = [...value].map((ch) => (ch === '\\' || ch === "'" ? `\\${ch}` : ch >= ' ' && ch < '\x7f' ? ch : bytesOf(ch).map((byte) => `\\x${byte.toString(16).padStart(2, '0')}`).join('')));
    return `$'${body.join('')}'`;
  }
  // Runs of printable ASCII in single quotes, the rest escaped as that shell can.
  return (value.match(/[ -~]+|[^ -~]+/g) ?? ["''"])
    .map((run) => {
      if (/^[ -~]/.test(run)) return `'${run.replaceAll("'", `'\\''`)}'`;
      if (shell === 'fish') return bytesOf(run).map((byte) => `\\x${byte.toString(16).padStart(2, '0')}`).join('');
      const octal = bytesOf(run).map((byte) => `\\${byte.toString(8).padStart(3, '0')}`).join('');
      return shell === 'csh' ? `"\`printf '${octal}'\`"` : `"$(printf '${octal}')"`;
    })
    .join('');
}

/**
 * `value` in tcsh's `$'…'`: beyond printable ASCII each UTF-8 byte as `\xHH` where the locale is not
 * UTF-8 (tcsh then takes them as bytes), each character beyond ASCII as `\u00fc` (`\U0001f600`)
 * where it is (there tcsh takes `\xc3` as the character Ã, and writes that in UTF-8).
 */
function tcshWord(value: string, utf8: boolean): string {
  const body = [...value].map((ch) => {
    if (ch === '\\' || ch === "'") return `\\${ch}`;
    if (ch >= ' ' && ch < '\x7f') return ch;
    const code = ch.codePointAt(0)!;
    if (utf8 && code >= 0x80) return code > 0xffff ? `\\U${code.toString(16).padStart(8, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
    return bytesOf(ch).map((byte) => `\\x${byte.toString(16).padStart(2, '0')}`).join('');
  });
  return `$'${body.join('')}'`;
}

/**
 * `text`, a line for the terminal, with the words this run quoted for a command (singleQuoted,
 * quotedWord, powershellQuoted) as `shell` reads them: on a terminal whose charset is not UTF-8
 * (`ascii`), each one beyond ASCII as asciiWord writes it for that shell, where the rest beyond
 * ASCII becomes `?`; in PowerShell, a POSIX word with a quote in it (or `$'…'`) in PowerShell's
 * quotes; in fish, csh and sh, a `$'…'` one (quotedWord's, for a character the terminal escapes)
 * as asciiWord writes it there. (A quoted word that starts a line PowerShell runs needs `&` too:
 * only the tool's own, selfCommand's, is written so.)
 */
export function shellWordsFor(text: string, shell: WordShell, ascii: boolean): string {
  if (SPELLED.size === 0 || (!ascii && (shell === 'bash' || shell === 'zsh'))) return text;
  // A file's text (asWritten) is passed over whole, the rest of the line around it rewritten.
  const written = [...AS_WRITTEN].filter((span) => text.includes(span));
  if (written.length > 0) {
    written.sort((a, b) => b.length - a.length);
    const spans = new RegExp(`(${written.map((span) => span.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')).join('|')})`);
    return text
      .split(spans)
      .map((part, i) => (i % 2 === 1 ? part : rewrittenWords(part, shell, ascii)))
      .join('');
  }
  return rewrittenWords(text, shell, ascii);
}

function rewrittenWords(text: string, shell: WordShell, ascii: boolean): string {
  const found = [...SPELLED.keys()].filter((quoted) => text.includes(quoted));
  if (found.length === 0) return text;
  // Longest first: a word may start as a shorter one does ('a ü' and 'a ü'\''s').
  found.sort((a, b) => b.length - a.length);
  const pattern = new RegExp(found.map((quoted) => quoted.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')).join('|'), 'g');
  return text.replace(pattern, (quoted) => {
    const word = SPELLED.get(quoted)!;
    // PowerShell's words are written only for a person whose shell it is: each in that shell's form.
    if (ascii && BEYOND_ASCII.test(word.value)) return asciiWord(word.value, shell);
    if (shell === 'powershell') {
      if (word.powershell) return quoted;
      return hasUnsafeChar(word.value) ? asciiWord(word.value, 'powershell') : `'${word.value.replace(POWERSHELL_QUOTES, '$&$&')}'`;
    }
    // fish, csh and dash read no `$'…'`; tcsh does, but takes `\xc3` as a character where the locale is UTF-8.
    if (shell === 'tcsh') return quoted.startsWith("$'") ? tcshWord(word.value, !ascii) : quoted;
    return quoted.startsWith("$'") && shell !== 'bash' && shell !== 'zsh' ? asciiWord(word.value, shell) : quoted;
  });
}

/** Characters PowerShell takes as a single quote, each doubled inside single quotes. */
const POWERSHELL_QUOTES = /['\u2018\u2019\u201a\u201b]/g;

/** A PowerShell string literal: single quotes, a quote inside doubled (its curly ones are quotes too). */
export function powershellQuoted(value: string): string {
  return spelled(`'${value.replace(POWERSHELL_QUOTES, '$&$&')}'`, value, true);
}

/** A word as PowerShell reads it: as it is when it needs no quotes, else powershellQuoted. */
export function powershellWord(word: string): string {
  return /^[A-Za-z0-9_./:+=-]+$/.test(word) && !word.startsWith('-') ? word : powershellQuoted(word);
}

/** A program word as PowerShell runs it: a quoted one (a string there) needs the call operator `&`. */
export function powershellProgram(word: string): string {
  const quoted = powershellWord(word);
  return quoted.startsWith("'") ? `& ${quoted}` : quoted;
}

// A word holding a character the terminal's output escapes (unsafe-char.ts: C0, DEL, C1, bidi,
// zero-width and other invisible characters, the Unicode line separators) is written with $'…'
// escapes: inside plain quotes a line break would forge a line of output, and the rest would show
// escaped, so that the command would not work as printed.
/**
 * `$'a\nb'`: a word with characters a terminal must not get raw, as bash, zsh, ksh and busybox
 * read it (POSIX sh since 2024), exactly, on one line of printable characters.
 */
function escapedText(value: string): string {
  const body = replaceUnsafeChars(value.replace(/[\\']/g, '\\$&'), (ch) => {
    if (ch === '\n') return '\\n';
    if (ch === '\t') return '\\t';
    // Each UTF-8 byte as \xHH: $'\u202e' depends on the shell's locale (bash without a UTF-8
    // LANG writes it as the six characters), bytes do not.
    return [...Buffer.from(ch, 'utf8')].map((byte) => `\\x${byte.toString(16).padStart(2, '0')}`).join('');
  });
  return `$'${body}'`;
}

/**
 * A shell word: as it is when it needs no quotes, else in single quotes, or, when it holds a line
 * break or another character a terminal would act on, in $'…' with those escaped (the command
 * still works as printed, and cannot show as two lines).
 */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(word) ? word : quotedWord(word);
}

/** `shellWord`, but always quoted: `'…'`, or `$'…'` for a word the terminal's output would escape. */
export function quotedWord(word: string): string {
  return spelled(quotedText(word), word, false);
}

/**
 * `shellWord` for text that goes into a file (a startup file's line): what a printed line holds of
 * it is shown as the file holds it, never rewritten for the person's shell (shellWordsFor).
 */
export function fileWord(word: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(word) ? word : quotedText(word);
}

function quotedText(word: string): string {
  return hasUnsafeChar(word) ? escapedText(word) : singleQuotedText(word);
}

/** The line that sets `name` to `value` in the person's shell (`export NAME='…'`), nothing more. */
export function shellSetLine(env: Record<string, string | undefined>, platform: NodeJS.Platform, name: string, value: string): string {
  switch (detectShell(env, platform)) {
    case 'fish':
      return `set -gx ${name} ${singleQuoted(value)}`;
    case 'powershell':
      return `$env:${name} = ${powershellQuoted(value)}`;
    case 'csh':
      return `setenv ${name} ${singleQuoted(value)}`;
    default:
      return `export ${name}=${singleQuoted(value)}`;
  }
}

/** `export OPENAI_API_KEY='…'` for the person's shell, and the file it goes in; the key itself only when given. */
export function shellExportLine(d: ShellDirs, key: string | null, name = 'OPENAI_API_KEY'): { line: string; file: string; shell: ShellKind; reload: string } {
  const { env, platform } = d;
  const shell = detectShell(env, platform);
  const line = shellSetLine(env, platform, name, key ?? PLACEHOLDER);
  // How the person gets the line into the shell they are in: a new one reads the file too.
  const reload = (file: string, command: string) => `open a new terminal, or run \`${command} ${file}\` in this one`;
  // Without a home directory to use (a relative HOME, or none: home.ts homeOf), `~` stands for it:
  // the paths read as before, and nothing is looked for relative to the current directory.
  const home = d.home ?? '~';
  switch (shell) {
    case 'fish': {
      const file = typedPath(join(xdgConfigHome(d, home), 'fish', 'config.fish'), home);
      return { shell, file, line, reload: reload(file, 'source') };
    }
    case 'powershell':
      return { shell, file: '$PROFILE', line, reload: reload('$PROFILE', '.') };
    case 'zsh': {
      // The current directory gone, a relative ZDOTDIR is named as zsh takes it: where it starts.
      const file = typedPath(join(zshStartupDir(d, home) ?? env.ZDOTDIR!, '.zshrc'), home);
      return { shell, file, line, reload: reload(file, 'source') };
    }
    case 'csh': {
      // tcsh reads ~/.tcshrc when there is one, and ~/.cshrc only when not; csh reads ~/.cshrc.
      const tcshrc = basename(env.SHELL ?? '') === 'tcsh' && home !== '~' && existsSync(join(home, '.tcshrc'));
      const file = tcshrc ? '~/.tcshrc' : '~/.cshrc';
      return { shell, file, line, reload: reload(file, 'source') };
    }
    case 'bash':
      return { shell, file: '~/.bashrc', line, reload: reload('~/.bashrc', 'source') };
    default:
      return { shell, file: '~/.profile', line, reload: reload('~/.profile', '.') };
  }
}

/**
 * `NAME="$(command)"; export NAME`: `name` set to what `command` prints, then exported, as POSIX
 * shells (bash, zsh, sh, .envrc) take it. Assigned and exported apart (ShellCheck's SC2155): in
 * `export NAME="$(command)"` the status is export's, 0 whatever the command did, so a script under
 * `set -e` went on with NAME exported empty; a plain assignment's status is the substitution's, and
 * `set -e` stops there. Not `NAME="$(…)" && export NAME`: `set -e` ignores a failure on the left
 * of `&&` (bash, zsh and dash all go on, NAME unexported). Interactively it does as before.
 * `exportWord`: `export ` as written (import keeps a line's own spacing), or null for a line that
 * only assigns; `also`: more `NAME=word`s exported with it.
 */
export function posixCaptureLine(name: string, command: string, exportWord: string | null = 'export ', also = ''): string {
  const assign = `${name}="$(${command})"`;
  return exportWord === null ? assign : `${assign}; ${exportWord}${name}${also}`;
}

/**
 * The line that sets `name` to what `command` prints, in the person's shell, and exports
 * `alongside` (OPENAI_BASE_URL) with it: posixCaptureLine in bash, zsh and sh; csh has neither
 * `export` nor `$(…)`, PowerShell neither. The other forms already give the command's status:
 * fish's `set` returns the substitution's (`; or exit` stops there; fish has no `set -e`), and
 * tcsh's `setenv` the backquotes' (`csh -e` stops there), both run here (fish 3.6, tcsh 6.24).
 * PowerShell (not run here) sets no status from it; a script stops at the failed command under
 * `$PSNativeCommandUseErrorActionPreference` with `$ErrorActionPreference = 'Stop'`.
 */
export function shellCaptureLine(
  env: Record<string, string | undefined>,
  platform: NodeJS.Platform,
  name: string,
  command: string,
  alongside: { name: string; value: string } | null = null,
): string {
  const shell = detectShell(env, platform);
  const other = alongside === null ? '' : `; ${shellSetLine(env, platform, alongside.name, alongside.value)}`;
  switch (shell) {
    case 'fish':
      return `set -gx ${name} (${command})${other}`;
    case 'powershell':
      return `$env:${name} = (${command})${other}`;
    case 'csh':
      // Not in double quotes: csh expands `$` inside them, in the command's own quoted words too.
      // The key is one word, so the substitution needs none.
      return `setenv ${name} \`${command}\`${other}`;
    default:
      return posixCaptureLine(name, command, 'export ', alongside === null ? '' : ` ${alongside.name}=${shellWord(alongside.value)}`);
  }
}

/**
 * `NAME=value ` before a command, which sets it for that command alone, as the person's shell
 * takes it: csh has no such form, `env` does it there; PowerShell sets it for the session.
 */
export function shellCommandPrefix(env: Record<string, string | undefined>, platform: NodeJS.Platform, name: string, value: string): string {
  switch (detectShell(env, platform)) {
    case 'csh':
      return `env ${name}=${shellWord(value)} `;
    case 'powershell':
      return `$env:${name} = ${powershellQuoted(value)}; `;
    default:
      return `${name}=${shellWord(value)} `;
  }
}

/** The line that removes an environment variable in the person's shell (`unset NAME` in bash and zsh). */
export function shellUnsetLine(env: Record<string, string | undefined>, platform: NodeJS.Platform, name: string): string {
  switch (detectShell(env, platform)) {
    case 'fish':
      return `set -e ${name}`;
    case 'powershell':
      return `Remove-Item Env:${name}`;
    case 'csh':
      return `unsetenv ${name}`;
    default:
      return `unset ${name}`;
  }
}

// What import puts in place of a plaintext key, as text: in a shell startup file the line that
// asks openai-setup for the key each time, in a .env file nothing (programs are started with
// `openai-setup run`). Only a line that is a plain assignment of the key is changed; every other
// byte of the file stays, its line endings included. Also what the person is told about a line:
// how to reload the changed file in their shell, and what to do by hand with one import leaves. Pure.
import { basename } from 'node:path';
import { BOM } from '../keys/dotenv.js';
import { keyKind } from '../keys/format.js';
import { pathLine } from '../terminal/sanitize.js';
import { posixCaptureLine, shellWord, type ShellKind } from '../terminal/shell.js';
import type { Finding } from './scan.js';
import { notOwnStatement } from './statements.js';

export type EditPlan =
  /** Replace (or, with `after` null, remove) one line; `commented`: it only held a commented-out assignment of the key (nothing reads it). */
  | { kind: 'line'; line: number; after: string | null; note: string | null; commented?: true }
  /** A fish universal variable: erase it with fish itself, then add a line to config.fish. */
  | { kind: 'fish-universal'; variable: string; addLine: string }
  /** Nothing import may change: why (the person edits it by hand). */
  | { kind: 'manual'; why: string; comment?: true };

const NAME = '[A-Za-z_][A-Za-z0-9_]*';

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The key, bare or in quotes of one kind. */
function quoted(key: string): string {
  return `(?:"${escape(key)}"|'${escape(key)}'|${escape(key)})`;
}

/** `line` with its end of line split off. */
export function splitLines(text: string): Array<{ body: string; eol: string }> {
  if (text === '') return [];
  return text.split(/(?<=\n)/).map((line) => {
    const eol = line.endsWith('\r\n') ? '\r\n' : line.endsWith('\n') ? '\n' : '';
    return { body: line.slice(0, line.length - eol.length), eol };
  });
}

/**
 * The edit for a finding, given its file's text (as edited: latin1) and the command that prints
 * the key as the person runs it (`openai-setup token`, `openai-setup token --profile work`). The
 * line is changed only where it is a statement of its own (statements.ts: not inside a
 * here-document or a quoted string that spans lines), and keeps its form: `export` only where it
 * was, fish's scope flags as they were (a universal one made global: in config.fish it would put
 * the key in fish_variables at each start).
 */
export function planEdit(finding: Finding, text: string, tokenCommand: string): EditPlan {
  if (finding.kind === 'tool') return { kind: 'manual', why: "another tool's file: import never edits it" };
  if (finding.utf16) return { kind: 'manual', why: 'the file is UTF-16' };
  const lineText = splitLines(text)[finding.line - 1]?.body ?? '';
  const key = quoted(finding.key);
  // Blanks, `;`, blanks: as `\s*;?\s*` a long run of blanks could be split in quadratically many ways.
  const trailing = '(\\s*(?:;\\s*)?(?:#.*)?)';
  // A byte-order mark before line 1 (PowerShell ISE writes one) is the file's, not the line's: kept.
  const bom = BOM.exec(lineText)?.[0] ?? '';
  const body = lineText.slice(bom.length).replace(/\r$/, '');
  if (finding.kind === 'fish-universal') {
    if (!finding.variable) return { kind: 'manual', why: 'not a universal variable line' };
    return { kind: 'fish-universal', variable: finding.variable, addLine: `set -gx ${finding.variable} (${tokenCommand})` };
  }
  const inside = notOwnStatement(finding.kind, text, finding.line);
  if (inside) return { kind: 'manual', why: inside };
  // `# export OPENAI_API_KEY="…"`, `#OPENAI_API_KEY=…`, `# set -gx NAME …`, `# $env:NAME = …`: a
  // comment that is only an assignment of the key, which nothing reads. The line goes whole.
  const assignment = `(?:export\\s+|set\\s+(?:-[A-Za-z-]+\\s+)*|\\$env:)?${NAME}(?:\\s*=\\s*|\\s+)${key}`;
  if (new RegExp(`^\\s*#+\\s*${assignment}${trailing}$`).test(body)) return { kind: 'line', line: finding.line, after: null, note: null, commented: true };
  if (/^\s*#/.test(body)) return { kind: 'manual', why: 'the key is in a comment with other text', comment: true };
  if (finding.kind === 'posix-shell') {
    const m = new RegExp(`^(\\s*)(export\\s+)?(${NAME})=${key}${trailing}$`).exec(body);
    if (!m) return { kind: 'manual', why: 'the line is more than an assignment of the key' };
    // `NAME="$(…)"; export NAME` (posixCaptureLine: a failed `token` stops a `set -e` script there),
    // `export` as it was written; a line that only assigned still only assigns.
    return { kind: 'line', line: finding.line, after: `${bom}${m[1]}${posixCaptureLine(m[3]!, tokenCommand, m[2] ?? null)}${m[4]}`, note: null };
  }
  if (finding.kind === 'fish') {
    const m = new RegExp(`^(\\s*set\\s+)((?:-[A-Za-z-]+\\s+)*)(${NAME})\\s+${key}${trailing}$`).exec(body);
    if (!m) return { kind: 'manual', why: 'the line is more than a `set` of the key' };
    const universal = /(?:^|\s)-[A-Za-z]*U|--universal/.test(m[2]!);
    // -U (--universal) becomes -g (--global); every other flag stays.
    const flags = m[2]!.replace(/\S+/g, (flag) => (flag === '--universal' ? '--global' : flag.startsWith('--') ? flag : flag.replaceAll('U', 'g')));
    return {
      kind: 'line',
      line: finding.line,
      after: `${bom}${m[1]}${flags}${m[3]} (${tokenCommand})${m[4]}`,
      note: universal ? `It also set a universal variable: run \`set -Ue ${m[3]}\` in fish, or it lives on in fish_variables.` : null,
    };
  }
  if (finding.kind === 'powershell') {
    const m = new RegExp(`^(\\s*)\\$env:(${NAME})\\s*=\\s*${key}${trailing}$`, 'i').exec(body);
    if (!m) return { kind: 'manual', why: 'the line is more than `$env:NAME = key`' };
    return { kind: 'line', line: finding.line, after: `${bom}${m[1]}$env:${m[2]} = (${powershellCommand(tokenCommand)})${m[3]}`, note: null };
  }
  // dotenv: the line goes; programs get the key from `openai-setup run`, which sets OPENAI_API_KEY
  // (rotate and spend read the admin key from the keychain: its line goes whatever its name). A
  // line of a key under another name stays: the program reading that name would lose its key
  // (byHand says how to give it the key).
  const m = new RegExp(`^\\s*(?:export\\s+)?(${NAME})\\s*=\\s*${key}\\s*(?:#.*)?$`).exec(body);
  if (!m) return { kind: 'manual', why: 'the line is more than an assignment of the key' };
  if (m[1] !== 'OPENAI_API_KEY' && keyKind(finding.key) !== 'admin') return { kind: 'manual', why: `the program reads ${m[1]}, and run sets only OPENAI_API_KEY` };
  return { kind: 'line', line: finding.line, after: null, note: null };
}

/**
 * A command written for POSIX shells (shellWord's quoting) as PowerShell runs it: a quoted program
 * needs the call operator, and a quote inside single quotes is doubled there.
 */
function powershellCommand(command: string): string {
  const ps = command.replaceAll(`'\\''`, "''");
  return ps.startsWith("'") ? `& ${ps}` : ps;
}

/**
 * A path (exact: typedPath's form, never one made a safe line for a message) as the person's shell
 * reads it: `~/` kept outside quotes (so that it expands), the rest a shell word.
 */
export function shellPath(typed: string): string {
  return typed.startsWith('~/') ? `~/${typed.slice(2) === '' ? '' : shellWord(typed.slice(2))}` : shellWord(typed);
}

/** A PowerShell string literal: single quotes, a quote inside doubled. */
function powershellQuoted(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

const LOGIN_FILES = new Set(['.bash_profile', '.bash_login', '.profile', '.zprofile', '.zlogin']);

// Advice that ends in a command sets it off with two spaces (`…:  source ~/.zshrc`): the terminal
// then never breaks that command across lines (terminal/output.ts, fit), so it pastes back whole.

/**
 * The shells that read a startup file of `kind` named `name`, and how they are called in a
 * sentence; null where any POSIX shell may (an .envrc, a file not named for one shell).
 */
function readersOf(kind: Finding['kind'], name: string): { shells: readonly ShellKind[]; called: string } | null {
  switch (kind) {
    case 'fish':
    case 'fish-universal':
      return { shells: ['fish'], called: 'fish' };
    case 'powershell':
      return { shells: ['powershell'], called: 'PowerShell' };
    case 'posix-shell':
      if (name.startsWith('.bash')) return { shells: ['bash'], called: 'bash' };
      if (name.startsWith('.z')) return { shells: ['zsh'], called: 'zsh' };
      // bash reads it as a login shell without a ~/.bash_profile; zsh only as sh.
      if (name === '.profile') return { shells: ['sh', 'bash'], called: 'sh and bash' };
      return null;
    default:
      return null;
  }
}

/**
 * When a changed startup file takes effect, and how to load it now, in the shell that reads it:
 * `source` in bash, zsh and fish, `.` for ~/.profile (any POSIX sh), `. 'path'` in PowerShell
 * (dot-sourcing; `source` is no PowerShell command). `path` is the file's real path, `shown` the
 * same as the person reads it (~/.zshrc). `yours`: the person's shell (SHELL; null when not
 * known): one that does not read the file is told so, the command said for the shells that do
 * (`source ~/.bashrc` typed in fish or tcsh is an error). Null for a .env file (nothing loads it
 * but programs).
 */
export function reloadHint(kind: Finding['kind'], path: string, shown: string, yours: ShellKind | null): string | null {
  const name = basename(path);
  // `shown` is the path made one safe line: exact only when the path needed no change (no line
  // break or control character, not cut short). Otherwise the command names the path itself.
  const typed = shellPath(pathLine(path) === path ? shown : path);
  let load: { who: string; command: string };
  switch (kind) {
    case 'posix-shell': {
      if (name === '.envrc') return 'Run `direnv allow` for direnv to load the changed file.';
      const login = LOGIN_FILES.has(name);
      load = { who: login ? 'login shells' : 'shells', command: `${name === '.profile' ? '.' : 'source'} ${typed}` };
      break;
    }
    case 'fish':
    case 'fish-universal':
      load = { who: 'fish shells', command: `source ${typed}` };
      break;
    case 'powershell':
      load = { who: 'PowerShell sessions', command: `. ${powershellQuoted(path)}` };
      break;
    default:
      return null;
  }
  const readers = readersOf(kind, name);
  if (yours === null || readers === null || readers.shells.includes(yours)) return `It takes effect in new ${load.who}; to load it in this one:  ${load.command}`;
  const who = load.who.startsWith(readers.called) ? load.who : `${readers.called} ${load.who}`;
  return `Your shell does not read ${shown}: nothing to load in this one. New ${who} read the change; to load it in one open now:  ${load.command}`;
}

/**
 * What to do with a line import leaves to the person, said after "edit it by hand": what to put
 * in place of the key, given the command that prints it (null for an admin key: nothing prints
 * it, the key just goes), `openai-setup run` as the person types it, and the variable the line
 * assigns (a .env line of another name than OPENAI_API_KEY, which run alone sets).
 */
export function byHand(kind: Finding['kind'], tokenCommand: string | null, runCommand: string, variable: string | null = null): string {
  if (tokenCommand === null) return ': remove the key (rotate and spend read the admin key from the keychain).';
  switch (kind) {
    case 'posix-shell':
      return `, with this in place of the key:  "$(${tokenCommand})"`;
    case 'fish':
      return `, with this in place of the key:  (${tokenCommand})`;
    case 'fish-universal':
      return ': erase that universal variable in fish (set -Ue and its name).';
    case 'powershell':
      return `, with this in place of the key:  (${powershellCommand(tokenCommand)})`;
    case 'dotenv':
      // `run` sets OPENAI_API_KEY alone: a program reading another name gets it set from `token` (POSIX shells).
      if (variable !== null && variable !== 'OPENAI_API_KEY') return `: remove the key, and start the program with ${variable} set from the keychain:  ${variable}="$(${tokenCommand})" …`;
      return `: remove the key, and start the program so that it gets the key:  ${runCommand} -- …`;
    default:
      return ': remove the key.';
  }
}

/**
 * The text with line `line` (1-based) replaced by `after` (its end of line kept), or removed with
 * its end of line; a byte-order mark before line 1 is the file's, and stays when line 1 goes.
 */
export function replaceLine(text: string, line: number, after: string | null): string {
  const lines = splitLines(text);
  const target = lines[line - 1];
  if (!target) throw new Error(`line ${line} is not in the file`);
  const bom = after === null && line === 1 ? (BOM.exec(target.body)?.[0] ?? '') : '';
  if (after === null) lines.splice(line - 1, 1);
  else target.body = after;
  return bom + lines.map((l) => l.body + l.eol).join('');
}

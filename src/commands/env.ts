// `openai-setup env [--file .env]`: put the profile's key into a project's .env file, changing only
// the OPENAI_API_KEY line (every other byte stays, CRLF included), and only where git will not
// commit it: a file tracked by git, or one .gitignore does not cover, is refused unless --force.
import { execFile } from 'node:child_process';
import { chmod, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import * as z from 'zod/mini';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { maskKey } from '../keys/format.js';
import { parseFlag } from '../options.js';
import { tempPathFor } from '../storage/private-file.js';
import { requireStoredKey, resolveProfileName } from '../storage/profile-key.js';
import { marks } from '../terminal/output.js';

// Files are handled as latin1 text: one character per byte, so any encoding comes back unchanged.
const BYTES = 'latin1';

/** `NAME=` at the start of a line, after an optional BOM, indentation and `export `. */
function assignmentPattern(name: string): RegExp {
  return new RegExp(`^(?:\\xEF\\xBB\\xBF)?[ \\t]*(?:export[ \\t]+)?${name}[ \\t]*=`);
}

/** The value part of an assignment line replaced, keeping its quotes and any trailing comment. */
function replaceValue(rest: string, value: string): string {
  const space = /^[ \t]*/.exec(rest)![0];
  const after = rest.slice(space.length);
  const quote = after[0];
  if (quote === '"' || quote === "'" || quote === '`') {
    const close = after.indexOf(quote, 1);
    return `${space}${quote}${value}${quote}${close === -1 ? '' : after.slice(close + 1)}`;
  }
  const comment = /[ \t]#/.exec(after);
  return `${space}${value}${comment ? after.slice(comment.index) : ''}`;
}

/**
 * The text of a .env file with every `NAME=` line set to `value` (dotenv readers take the last one,
 * so all are set), or one such line appended. Nothing else changes: other lines, comments, line
 * endings, a missing final newline. New lines use the file's line ending (CRLF when it has any).
 */
export function setEnvVariable(text: string, name: string, value: string): { text: string; found: boolean } {
  const pattern = assignmentPattern(name);
  let found = false;
  const lines = text.split(/(?<=\n)/).map((line) => {
    const end = line.endsWith('\r\n') ? '\r\n' : line.endsWith('\n') ? '\n' : '';
    const body = line.slice(0, line.length - end.length);
    const head = pattern.exec(body);
    if (!head) return line;
    found = true;
    return `${head[0]}${replaceValue(body.slice(head[0].length), value)}${end}`;
  });
  if (found) return { text: lines.join(''), found };
  return { text: appendLine(text, `${name}=${value}`), found };
}

/** `line` added at the end of a text file, on a line of its own, with the file's line ending. */
export function appendLine(text: string, line: string): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const separator = text === '' || text.endsWith('\n') ? '' : eol;
  return `${text}${separator}${line}${eol}`;
}

/** A .gitignore pattern matching exactly this path (relative to the .gitignore, `/`-separated). */
export function gitignorePattern(path: string): string {
  const escaped = path
    .split('/')
    .map((part) => part.replace(/[\\*?[\]]/g, '\\$&'))
    .join('/')
    .replace(/ +$/, (spaces) => spaces.replace(/ /g, '\\ '));
  return `/${escaped}`;
}

/** Runs git; `missing` when git itself is not installed. */
export type GitRunner = (args: string[], cwd: string) => Promise<{ code: number; stdout: string; missing: boolean }>;

export function gitRunner(env: Record<string, string | undefined>): GitRunner {
  return (args, cwd) =>
    new Promise((done) => {
      execFile('git', args, { cwd, env, timeout: 10_000 }, (error, stdout) => {
        const code = error ? (error as NodeJS.ErrnoException).code : 0;
        if (code === 'ENOENT') done({ code: -1, stdout: '', missing: true });
        else done({ code: typeof code === 'number' ? code : error ? 1 : 0, stdout: String(stdout), missing: false });
      });
    });
}

export type GitVerdict =
  | { kind: 'no-git' }
  | { kind: 'no-repo' }
  | { kind: 'tracked' | 'ignored' | 'exposed'; root: string; path: string };

/** What git would do with `file` (in existing directory `dir`): nothing to check, tracked, ignored, or neither. */
export async function gitVerdict(git: GitRunner, dir: string, file: string): Promise<GitVerdict> {
  const top = await git(['rev-parse', '--show-toplevel'], dir);
  if (top.missing) return { kind: 'no-git' };
  if (top.code !== 0) return { kind: 'no-repo' };
  const root = top.stdout.trim();
  const path = relative(root, join(await realpath(dir), file)).split(sep).join('/');
  if ((await git(['ls-files', '--error-unmatch', '--', file], dir)).code === 0) return { kind: 'tracked', root, path };
  const ignored = (await git(['check-ignore', '-q', '--', file], dir)).code === 0;
  return { kind: ignored ? 'ignored' : 'exposed', root, path };
}

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, BYTES);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Replace a file's content atomically (temp file + rename next to the real file), keeping its mode. */
async function replaceFile(path: string, text: string, mode: number): Promise<void> {
  const real = await realpath(path);
  const temp = tempPathFor(real);
  try {
    await writeFile(temp, text, { encoding: BYTES, mode });
    await chmod(temp, mode);
    await rename(temp, real);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw error;
  }
}

export interface EnvOptions {
  profile?: string;
  file?: string;
  force: boolean;
  gitignore: boolean;
}

const FileSchema = z.string().check(z.trim(), z.minLength(1, 'name a file'));

export async function run(ctx: Context, options: EnvOptions): Promise<number> {
  const deps = { cwd: ctx.cwd, git: gitRunner(ctx.rawEnv) };
  const { term } = ctx;
  const m = marks(term.style);
  const profileName = await resolveProfileName(ctx, options.profile);
  const given = parseFlag('--file', FileSchema, options.file ?? '.env');
  const path = resolve(deps.cwd, given);
  const shown = isAbsolute(given) ? path : relative(deps.cwd, path) || given;
  const dir = dirname(path);
  const name = basename(path);
  if (!(await stat(dir).catch(() => null))?.isDirectory()) throw new UsageError(`--file: the directory ${dir} does not exist.`);
  const key = await requireStoredKey(ctx, profileName);

  const verdict = await gitVerdict(deps.git, dir, name);
  if (verdict.kind === 'no-git') {
    term.err(`${m.warn} git is not installed, so nothing checked that ${shown} stays out of version control.`);
  } else if (verdict.kind === 'no-repo') {
    term.err(`${m.warn} ${dir} is not in a git repository, so nothing checked that ${shown} stays out of version control.`);
  } else if (verdict.kind === 'tracked') {
    if (!options.force) {
      throw new UsageError(`${shown} is tracked by git: the key would be committed with it. Nothing was written.`, [
        `Untrack it first (git rm --cached ${shown}, then add it to .gitignore), or pass --force to write it anyway.`,
      ]);
    }
    term.err(`${m.warn} ${shown} is tracked by git: do not commit it now that it holds the key (--force).`);
  } else if (verdict.kind === 'exposed') {
    const gitignore = join(verdict.root, '.gitignore');
    const pattern = gitignorePattern(verdict.path);
    let add = options.gitignore;
    if (!add && !options.force) {
      const prompter = ctx.prompter('Pass --gitignore to add it to .gitignore, or --force to write it anyway.');
      term.err(`${m.warn} ${shown} is not covered by .gitignore: git would offer to commit the key.`);
      add = await prompter.confirm(`Add ${pattern} to ${gitignore}?`, true);
      if (!add) throw new UsageError(`Nothing was written: ${shown} could be committed.`, ['Pass --force to write it anyway.']);
    }
    if (add) {
      await writeFile(gitignore, appendLine((await readText(gitignore)) ?? '', pattern), BYTES);
      term.out(`${m.ok} Added ${pattern} to ${gitignore}.`);
    } else {
      term.err(`${m.warn} ${shown} is not covered by .gitignore: do not commit it (--force).`);
    }
  }

  const what = `OPENAI_API_KEY (${maskKey(key)}, profile "${profileName}")`;
  const before = await readText(path);
  if (before === null) {
    // `wx`: never clobber a file that appeared in the meantime; 0600 whatever the umask.
    await writeFile(path, setEnvVariable('', 'OPENAI_API_KEY', key).text, { encoding: BYTES, mode: 0o600, flag: 'wx' });
    await chmod(path, 0o600);
    term.out(`${m.ok} Wrote ${what} to ${shown} (a new file, readable only by you).`);
    return 0;
  }
  const after = setEnvVariable(before, 'OPENAI_API_KEY', key);
  const mode = (await stat(path)).mode & 0o777;
  if (after.text === before) {
    term.out(`${m.ok} ${shown} already has ${what}; nothing changed.`);
  } else {
    await replaceFile(path, after.text, mode);
    term.out(`${m.ok} ${after.found ? 'Updated' : 'Added'} ${what} in ${shown}; every other line is as it was.`);
  }
  if (mode & 0o077 && ctx.platform !== 'win32') {
    term.err(`${m.warn} ${shown} can be read by other users (mode ${mode.toString(8)}): chmod 600 ${shown}`);
  }
  return 0;
}

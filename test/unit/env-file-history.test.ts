// A file `env --file` wrote that git no longer tracks (`git rm --cached`, committed) but that a
// commit held with the key in it: the key is still in the repository's history, so status, doctor
// and import warn as they do for a tracked file (replace the key), naming the commit, and so does
// env --file as it writes the key there, the file's names before a `git mv` searched too. A history
// that never held this key (a placeholder committed), or no repository: nothing said. git is real,
// in a temp repository; the search reads git's patches and never passes the key to git.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as doctor, DoctorJsonSchema } from '../../src/commands/doctor.js';
import { run as env } from '../../src/commands/env.js';
import { run as importKeys } from '../../src/commands/import.js';
import { run as key } from '../../src/commands/key.js';
import { run as status } from '../../src/commands/status.js';
import { keyInHistory } from '../../src/plaintext/env-files.js';
import { checkResult, makeTestContext, testKey, type TestContext } from '../helpers/context.js';
import { git } from '../helpers/git.js';

const KEY = testKey('H');
const HINT = 'sk-proj-…000H';
// git without the person's own configuration (a global excludes file could hide .env).
const GIT_ENV = { PATH: process.env.PATH, HOME: '/nonexistent-home', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
const REPLACE = 'replace the key: create a new one on the API keys page, store it (pipe the key in, in place of …) with `… | openai-setup key --stdin` and delete this one there (with an admin key, `openai-setup rotate` does both); rewriting the history does not take it back from where it was pushed or cloned';
const ASKED = '○ Also in .env:1 (written by `openai-setup env --file .env`, as you asked)\n';

const made: TestContext[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((t) => t.cleanup()));
});

/** KEY stored (key --stdin), in a git repository (`repo`) or not. */
async function stored(repo = true): Promise<TestContext> {
  const t = makeTestContext({ interactive: false, env: GIT_ENV });
  made.push(t);
  if (repo) git(t.cwd, 'init', '-q');
  t.ctx.readStdin = async () => `${KEY}\n`;
  expect(await key(t.ctx, { stdin: true, verify: false })).toBe(0);
  return t;
}

/** `env --file .env --gitignore`: .env holds KEY, ignored by git. */
async function written(t: TestContext): Promise<void> {
  expect(await env(t.ctx, { file: '.env', force: false, gitignore: true })).toBe(0);
}

/** .env committed as it is (`git add -f`), then taken out of git (`git rm --cached`) and that committed: the commit that held it. */
function committedThenUntracked(t: TestContext): string {
  git(t.cwd, 'add', '-f', '.env');
  git(t.cwd, 'commit', '-q', '-m', 'oops');
  const commit = git(t.cwd, 'log', '-1', '--format=%h').trim();
  git(t.cwd, 'rm', '-q', '--cached', '--', '.env');
  git(t.cwd, 'commit', '-q', '-m', 'untrack .env');
  return commit;
}

async function statusSays(t: TestContext): Promise<string> {
  const at = t.stdout.length;
  expect(await status(t.ctx, { json: false })).toBe(0);
  return t.stdout.slice(at);
}

describe('a file env wrote that git no longer tracks, which a commit held with the key', () => {
  it('status warns that the key is in the history, naming the commit, and says to replace it (no git rm --cached)', async () => {
    const t = await stored();
    await written(t);
    const commit = committedThenUntracked(t);
    const said = await statusSays(t);
    expect(said).toContain(`! .env held ${HINT} in commit ${commit}: git's history keeps the key though it does not track .env now, so count it as exposed; ${REPLACE}\n`);
    expect(said).not.toContain(ASKED);
    expect(said).not.toContain('rm --cached');
  });

  it('doctor and import --check warn too', async () => {
    const t = await stored();
    await written(t);
    const commit = committedThenUntracked(t);
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 }).answerChecks(checkResult('valid'));
    let at = t.stdout.length;
    await doctor(t.ctx, { json: true });
    expect(DoctorJsonSchema.parse(JSON.parse(t.stdout.slice(at))).checks).toContainEqual({
      id: 'env-file-tracked',
      title: 'Env files',
      status: 'warn',
      detail: `.env held ${HINT} in commit ${commit}: git's history keeps the key though it does not track .env now, so count it as exposed`,
      fix: REPLACE.charAt(0).toUpperCase() + REPLACE.slice(1),
    });
    t.api.answerChecks(checkResult('valid'));
    at = t.stdout.length;
    expect(await importKeys(t.ctx, { check: true, json: false, rewrite: false, yes: false })).toBe(0);
    const said = t.stdout.slice(at);
    expect(said).toContain(`! .env, line 1: ${HINT}, the stored key, written by \`openai-setup env --file .env\`, as you asked; import leaves it\n`);
    expect(said).toContain(`    .env held ${HINT} in commit ${commit}: git's history keeps the key`);
  });

  it('one git would offer to commit again (not ignored) is kept out first: env --gitignore, then replace the key', async () => {
    const t = await stored();
    await written(t);
    committedThenUntracked(t);
    writeFileSync(join(t.cwd, '.gitignore'), '');
    expect(await statusSays(t)).toContain(`so count it as exposed; keep .env out of git:  openai-setup env --file .env --gitignore  — then ${REPLACE}\n`);
  });

  it('env --file says it as it writes the key there again (as the tracked-file advice has it run), and not where no commit held the key', async () => {
    const t = await stored();
    await written(t);
    expect(t.stderr).not.toContain('held');
    const commit = committedThenUntracked(t);
    const at = t.stderr.length;
    await written(t);
    expect(t.stderr.slice(at)).toBe(`! .env held ${HINT} in commit ${commit}: git's history keeps the key though it does not track .env now, so count it as exposed; ${REPLACE}\n`);
  });

  it('while git still tracks it, the tracked-file warning is as it was', async () => {
    const t = await stored();
    await written(t);
    git(t.cwd, 'add', '-f', '.env');
    git(t.cwd, 'commit', '-q', '-m', 'oops');
    const said = await statusSays(t);
    expect(said).toContain(`! git tracks .env, which holds ${HINT}: the key is in the repository (in its history once committed), so count it as exposed; take .env out of git and keep it out:  git rm --cached -- .env && openai-setup env --file .env --gitignore  — then replace the key:`);
    expect(said).not.toContain('in commit');
  });
});

describe('a file renamed in git', () => {
  /** KEY committed in `from` (under the repository's top), blanked there, then `git mv`'d to each of `to` in turn and the last untracked: the commit that added it. */
  function committedThenMoved(t: TestContext, from: string, ...to: string[]): string {
    mkdirSync(join(t.cwd, dirname(from)), { recursive: true });
    writeFileSync(join(t.cwd, from), `OPENAI_API_KEY=${KEY}\n`);
    git(t.cwd, 'add', '-f', '--', from);
    git(t.cwd, 'commit', '-q', '-m', 'key');
    const commit = git(t.cwd, 'log', '-1', '--format=%h').trim();
    writeFileSync(join(t.cwd, from), 'OPENAI_API_KEY=\n');
    git(t.cwd, 'commit', '-q', '-am', 'blank it');
    for (const [i, name] of to.entries()) {
      mkdirSync(join(t.cwd, dirname(name)), { recursive: true });
      git(t.cwd, 'mv', '--', i === 0 ? from : to[i - 1]!, name);
      git(t.cwd, 'commit', '-q', '-m', 'rename');
    }
    git(t.cwd, 'rm', '-q', '--cached', '--', to.at(-1)!);
    git(t.cwd, 'commit', '-q', '-m', 'untrack');
    return commit;
  }

  it('a key committed under its earlier name (git mv config/.env.old .env), then untracked: status warns, naming the commit', async () => {
    const t = await stored();
    const commit = committedThenMoved(t, 'config/.env.old', '.env');
    await written(t);
    const said = await statusSays(t);
    expect(said).toContain(`! .env held ${HINT} in commit ${commit}: git's history keeps the key though it does not track .env now, so count it as exposed; ${REPLACE}\n`);
    expect(said).not.toContain(ASKED);
  });

  it('followed from a folder of the repository, over two renames, each name literal, whatever pathspec variables are set', async () => {
    const t = await stored();
    const commit = committedThenMoved(t, 'config/*.env', 'old/.env', 'app/.env');
    // A file whose name is the earlier name's pattern: not that file.
    writeFileSync(join(t.cwd, 'config', 'a.env'), `OPENAI_API_KEY=${testKey('Y')}\n`);
    git(t.cwd, 'add', '-f', '--', 'config/a.env');
    git(t.cwd, 'commit', '-q', '-m', 'other');
    for (const env of [GIT_ENV, { ...GIT_ENV, GIT_LITERAL_PATHSPECS: '1' }, { ...GIT_ENV, GIT_GLOB_PATHSPECS: '1' }]) {
      expect(await keyInHistory(env, join(t.cwd, 'app'), '.env', [KEY])).toEqual({ kind: 'held', commit, removed: false });
      expect(await keyInHistory(env, join(t.cwd, 'app'), '.env', [testKey('Y')])).toEqual({ kind: 'absent' });
    }
  });
});

describe('no warning where the history does not hold this key', () => {
  it('a placeholder committed, then untracked, and the key written by env: the file as asked for', async () => {
    const t = await stored();
    writeFileSync(join(t.cwd, '.env'), 'OPENAI_API_KEY=sk-proj-your-key-goes-here\n');
    committedThenUntracked(t);
    await written(t);
    const said = await statusSays(t);
    expect(said).toContain(ASKED);
    expect(said).not.toContain('held');
  });

  it('another key committed there once (replaced since): not this key, no warning', async () => {
    const t = await stored();
    writeFileSync(join(t.cwd, '.env'), `OPENAI_API_KEY=${testKey('X')}\n`);
    committedThenUntracked(t);
    await written(t);
    expect(await statusSays(t)).toContain(ASKED);
  });

  it('no repository: the file as asked for', async () => {
    const t = await stored(false);
    await written(t);
    expect(await statusSays(t)).toContain(ASKED);
  });
});

describe('keyInHistory', () => {
  it('a history longer than it searches through is said as not searched, not as clean', async () => {
    const t = await stored();
    // Enough lines without the key that the search stops before the commit that added it.
    writeFileSync(join(t.cwd, '.env'), `OPENAI_API_KEY=${KEY}\n`);
    git(t.cwd, 'add', '-f', '.env');
    git(t.cwd, 'commit', '-q', '-m', 'key');
    writeFileSync(join(t.cwd, '.env'), `OPENAI_API_KEY=${KEY}\n${'FILLER=x\n'.repeat(5000)}`);
    git(t.cwd, 'commit', '-q', '-am', 'filler');
    expect(await keyInHistory(GIT_ENV, t.cwd, '.env', [testKey('Y')], 4096)).toEqual({ kind: 'unsearched', why: 'more than 4096 bytes of it' });
    expect(await keyInHistory(GIT_ENV, t.cwd, '.env', [testKey('Y')])).toEqual({ kind: 'absent' });
    expect(await keyInHistory(GIT_ENV, t.cwd, '.env', [KEY])).toMatchObject({ kind: 'held', removed: false });
  });

  it('a key in a line longer than git writes at once (a binary file) is found, wherever it falls', async () => {
    const t = await stored();
    writeFileSync(join(t.cwd, '.env'), `${'x'.repeat(300_000)}${KEY}${'y'.repeat(300_000)}`);
    git(t.cwd, 'add', '-f', '.env');
    git(t.cwd, 'commit', '-q', '-m', 'blob');
    const commit = git(t.cwd, 'log', '-1', '--format=%h').trim();
    expect(await keyInHistory(GIT_ENV, t.cwd, '.env', [KEY])).toEqual({ kind: 'held', commit, removed: false });
    expect(await keyInHistory(GIT_ENV, t.cwd, '.env', [testKey('Y')])).toEqual({ kind: 'absent' });
  });

  it('a file name git would read as a pattern is that file only', async () => {
    const t = await stored();
    writeFileSync(join(t.cwd, 'a.env'), `OPENAI_API_KEY=${KEY}\n`);
    git(t.cwd, 'add', '-f', 'a.env');
    git(t.cwd, 'commit', '-q', '-m', 'key');
    expect(await keyInHistory(GIT_ENV, t.cwd, '*.env', [KEY])).toEqual({ kind: 'absent' });
    expect(await keyInHistory(GIT_ENV, t.cwd, 'a.env', [KEY])).toMatchObject({ kind: 'held' });
  });
});

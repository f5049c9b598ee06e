// The search of an env file's git history has one time limit for the whole of it (git's look at
// whether it tracks or ignores the file, the look for any history of the file, then its patches), which on a long history the first look alone may pass:
// then status says in one line that it could not search it in that time, pointing at doctor, and
// doctor and import say that it could not be searched in full, never that the history is clean.
// status searches its files at once. git is real, behind a `git` on PATH that makes that first
// look slow (and logs when each starts and is stopped); the limits are shortened through the
// Context. A log output encoding of UTF-16 in the person's git config still names the commit.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
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
const REAL_GIT = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();

const made: TestContext[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((t) => t.cleanup()));
});

/**
 * KEY stored, in a git repository, git on PATH a wrapper whose look for any history of a file
 * (`log … -1`) logs "start", then sleeps until stopped (logging "stopped") when `slow`.
 */
async function stored(slow: boolean | 'fails'): Promise<{ t: TestContext; log: string }> {
  const t = makeTestContext({ interactive: false, env: {} });
  made.push(t);
  const bin = join(t.cwd, '..', 'bin');
  mkdirSync(bin);
  const log = join(bin, 'log');
  writeFileSync(log, '');
  writeFileSync(
    join(bin, 'git'),
    `#!/bin/sh
case " $* " in *" log --all -1 "*)
  echo start >> '${log}'
  if [ x${slow === 'fails' ? 'fails' : ''} = xfails ]; then echo 'fatal: something went wrong' >&2; exit 1; fi
  if [ ${slow === true ? 1 : 0} = 1 ]; then trap 'echo stopped >> "${log}"; kill $! 2>/dev/null; exit 143' TERM; sleep 60 & wait $!; fi ;;
esac
exec '${REAL_GIT}' "$@"
`,
  );
  chmodSync(join(bin, 'git'), 0o755);
  t.ctx.rawEnv = { PATH: `${bin}:${process.env.PATH}`, HOME: '/nonexistent-home', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
  git(t.cwd, 'init', '-q');
  t.ctx.readStdin = async () => `${KEY}\n`;
  expect(await key(t.ctx, { stdin: true, verify: false })).toBe(0);
  t.ctx.historySearchMs = { short: 1500, long: 2500 };
  return { t, log };
}

async function statusSays(t: TestContext): Promise<string> {
  const at = t.stdout.length;
  expect(await status(t.ctx, { json: false })).toBe(0);
  return t.stdout.slice(at);
}

describe('a history search that runs out of time', () => {
  it('status says in one line that it could not search it in that time and that doctor does, searching the files at once', async () => {
    const { t, log } = await stored(false);
    for (const file of ['.env', 'b.env', 'c.env']) expect(await env(t.ctx, { file, force: false, gitignore: true })).toBe(0);
    // Slow from here (env --file's own search above was not).
    writeFileSync(join(t.cwd, '..', 'bin', 'git'), readFileSync(join(t.cwd, '..', 'bin', 'git'), 'utf8').replace('[ 0 = 1 ]', '[ 1 = 1 ]'));
    writeFileSync(log, '');
    const said = await statusSays(t);
    for (const file of ['.env', 'b.env', 'c.env']) {
      expect(said).toContain(`○ The history of ${file} in git could not be searched for ${HINT} in 1.5 s; \`openai-setup doctor\` searches it for longer\n`);
    }
    expect(said).toContain('○ Also in .env:1, b.env:1, c.env:1 (written by');
    expect(said).not.toContain('!');
    // At once: every file's search started before the first was stopped.
    expect(readFileSync(log, 'utf8')).toMatch(/^start\nstart\nstart\nstopped\n/);
  }, 20_000);

  it('doctor and import --check say it could not be searched in full, with the time, searching the files at once', async () => {
    const { t, log } = await stored(true);
    t.ctx.historySearchMs = { short: 500, long: 800 };
    expect(await env(t.ctx, { file: '.env.local', force: false, gitignore: true })).toBe(0);
    expect(await env(t.ctx, { file: '.env', force: false, gitignore: true })).toBe(0);
    const unsearched = `.env holds ${HINT}, and its history in git could not be searched for it in full (git took longer than 0.8 s), so a commit may hold the key`;
    expect(t.stderr).toContain(`! ${unsearched}; `);
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 }).answerChecks(checkResult('valid'));
    let at = t.stdout.length;
    writeFileSync(log, '');
    await doctor(t.ctx, { json: true });
    // The two files at once.
    expect(readFileSync(log, 'utf8')).toMatch(/^start\nstart\nstopped\n/);
    expect(DoctorJsonSchema.parse(JSON.parse(t.stdout.slice(at))).checks).toContainEqual(expect.objectContaining({ id: 'env-file-tracked', status: 'warn', detail: unsearched }));
    t.api.answerChecks(checkResult('valid'));
    at = t.stdout.length;
    writeFileSync(log, '');
    expect(await importKeys(t.ctx, { check: true, json: false, rewrite: false, yes: false })).toBe(0);
    expect(readFileSync(log, 'utf8')).toMatch(/^start\nstart\nstopped\n/);
    expect(t.stdout.slice(at)).toContain(`    ${unsearched.charAt(0).toUpperCase()}${unsearched.slice(1)}; `);
  }, 20_000);
});

describe("git's look at the file counts against the same deadline", () => {
  it.each([['rev-parse --show-toplevel'], ['ls-files --error-unmatch'], ['check-ignore -q']])('git %s slow: status says in one line that it could not search in that time, the call stopped; doctor that it could not be searched in full', async (call) => {
    const { t, log } = await stored(false);
    expect(await env(t.ctx, { file: '.env', force: false, gitignore: true })).toBe(0);
    // Slow from here: the one call, which logs when it starts and when it is stopped.
    writeFileSync(
      join(t.cwd, '..', 'bin', 'git'),
      `#!/bin/sh
case " $* " in *" ${call} "*)
  echo start >> '${log}'
  trap 'echo stopped >> "${log}"; kill $! 2>/dev/null; exit 143' TERM; sleep 60 & wait $! ;;
esac
exec '${REAL_GIT}' "$@"
`,
    );
    t.ctx.historySearchMs = { short: 500, long: 800 };
    writeFileSync(log, '');
    const said = await statusSays(t);
    expect(said).toContain(`○ The history of .env in git could not be searched for ${HINT} in 0.5 s; \`openai-setup doctor\` searches it for longer\n`);
    expect(readFileSync(log, 'utf8')).toMatch(/^start\n/);
    await vi.waitFor(() => expect(readFileSync(log, 'utf8')).toBe('start\nstopped\n'));
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 }).answerChecks(checkResult('valid'));
    const at = t.stdout.length;
    await doctor(t.ctx, { json: true });
    const unsearched = `.env holds ${HINT}, and its history in git could not be searched for it in full (git took longer than 0.8 s), so a commit may hold the key`;
    expect(DoctorJsonSchema.parse(JSON.parse(t.stdout.slice(at))).checks).toContainEqual(expect.objectContaining({ id: 'env-file-tracked', status: 'warn', detail: unsearched }));
  }, 40_000);
});

describe('keyInHistory', () => {
  it('git failing on the look for any history is not searched, not clean; no repository is clean', async () => {
    const { t } = await stored('fails');
    writeFileSync(join(t.cwd, '.env'), `OPENAI_API_KEY=${KEY}\n`);
    expect(await keyInHistory(t.ctx.rawEnv, t.cwd, '.env', [KEY])).toEqual({ kind: 'unsearched', why: 'git could not read it' });
    // The folder beside the repository (git as it is there).
    expect(await keyInHistory({ ...t.ctx.rawEnv, PATH: process.env.PATH, GIT_CEILING_DIRECTORIES: join(t.cwd, '..', '..') }, join(t.cwd, '..', 'bin'), 'log', [KEY])).toEqual({ kind: 'absent' });
  });
});

describe("the person's git config", () => {
  it('a log output encoding of UTF-16: the commit that held the key is named', async () => {
    const { t } = await stored(false);
    git(t.cwd, 'config', 'i18n.logOutputEncoding', 'UTF-16');
    expect(await env(t.ctx, { file: '.env', force: false, gitignore: true })).toBe(0);
    git(t.cwd, 'add', '-f', '.env');
    git(t.cwd, 'commit', '-q', '-m', 'oops');
    const commit = git(t.cwd, '-c', 'i18n.logOutputEncoding=UTF-8', 'log', '-1', '--format=%h').trim();
    git(t.cwd, 'rm', '-q', '--cached', '--', '.env');
    git(t.cwd, 'commit', '-q', '-m', 'untrack .env');
    expect(await statusSays(t)).toContain(`! .env held ${HINT} in commit ${commit}: git's history keeps the key`);
  });
});

// A file `env --file` wrote that git tracks (added with `git add -f` and committed): the key in it
// is in the repository, not where the person asked for it. status, doctor, import and logout warn (status and import in --json too),
// and never advise `env --file … --force` (which writes the key into the tracked file): the advice
// takes the file out of git first, as `env` itself asks, and works as printed. And a key the person
// keeps in OPENAI_API_KEY themselves: a file env wrote earlier that holds the old key is theirs to
// set by hand (`env` has no copy to write: it refuses). git is real, in a temp repository.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as doctor, DoctorJsonSchema } from '../../src/commands/doctor.js';
import { run as env } from '../../src/commands/env.js';
import { ImportJsonSchema, run as importKeys } from '../../src/commands/import.js';
import { run as key } from '../../src/commands/key.js';
import { run as logout } from '../../src/commands/logout.js';
import { run as status, StatusJsonSchema } from '../../src/commands/status.js';
import { checkResult, makeTestContext, outcomeOf, testKey, type TestContext } from '../helpers/context.js';
import { typedLine } from '../helpers/program-line.js';

const OLD = testKey('O');
const NEW = testKey('N');
const OLD_HINT = 'sk-proj-…000O';
const NEW_HINT = 'sk-proj-…000N';
// git without the person's own configuration (a global excludes file could hide .env).
const GIT_ENV = { PATH: process.env.PATH, HOME: '/nonexistent-home', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
const UNTRACK_AND_WRITE = 'git rm --cached -- .env && openai-setup env --file .env --gitignore';

const made: TestContext[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((t) => t.cleanup()));
});

function git(t: TestContext, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: t.cwd, env: GIT_ENV, encoding: 'utf8' });
}

/** `a && b`, as printed: the git command run in the project, then the openai-setup one; the exit code of the last. */
async function followed(t: TestContext, line: string): Promise<number> {
  const [first, second] = line.split(' && ');
  expect(first).toBe('git rm --cached -- .env');
  git(t, 'rm', '-q', '--cached', '--', '.env');
  return typedLine(t, second!);
}

/** OLD stored (key --stdin), `env` answered Yes to .gitignore (--gitignore), then `git add -f .env && git commit`. */
async function committedEnvFile(): Promise<TestContext> {
  const t = makeTestContext({ interactive: false, env: GIT_ENV });
  made.push(t);
  git(t, 'init', '-q');
  t.ctx.readStdin = async () => `${OLD}\n`;
  expect(await key(t.ctx, { stdin: true, verify: false })).toBe(0);
  expect(await env(t.ctx, { file: '.env', force: false, gitignore: true })).toBe(0);
  git(t, 'add', '-f', '.env');
  git(t, 'commit', '-q', '-m', 'oops');
  return t;
}

const since = (t: TestContext, at: number) => t.stdout.slice(at);

describe('a file env wrote, which git tracks, holding the stored key', () => {
  it('status warns that the key is in the repository, with advice that takes the file out of git (no --force)', async () => {
    const t = await committedEnvFile();
    const at = t.stdout.length;
    expect(await status(t.ctx, { json: false })).toBe(0);
    const said = since(t, at);
    expect(said).toContain(
      `! git tracks .env, which holds ${OLD_HINT}: the key is in the repository (in its history once committed), so count it as exposed; take .env out of git and keep it out:  ${UNTRACK_AND_WRITE}  — then replace the key: create a new one on the API keys page, store it (pipe the key in, in place of …) with \`… | openai-setup key --stdin\` and delete this one there (with an admin key, \`openai-setup rotate\` does both)\n`,
    );
    expect(said).not.toContain('as you asked');
    expect(said).not.toContain('--force');
  });

  it('status --json carries that warning on the file (envFiles[].tracked: the words, the command that untracks it)', async () => {
    const t = await committedEnvFile();
    const at = t.stdout.length;
    expect(await status(t.ctx, { json: true })).toBe(0);
    expect(StatusJsonSchema.parse(JSON.parse(since(t, at))).envFiles).toEqual([
      {
        path: '.env',
        line: 1,
        tracked: {
          detail: `git tracks .env, which holds ${OLD_HINT}: the key is in the repository (in its history once committed), so count it as exposed`,
          fix: `take .env out of git and keep it out:  ${UNTRACK_AND_WRITE}  — then replace the key: create a new one on the API keys page, store it (pipe the key in, in place of …) with \`… | openai-setup key --stdin\` and delete this one there (with an admin key, \`openai-setup rotate\` does both)`,
          command: UNTRACK_AND_WRITE,
        },
      },
    ]);
    expect(await followed(t, UNTRACK_AND_WRITE)).toBe(0);
    const again = t.stdout.length;
    expect(await status(t.ctx, { json: true })).toBe(0);
    // Untracked and ignored now, but the commit still holds the key: the history's warning, with nothing to untrack.
    const commit = git(t, 'log', '-1', '--format=%h').trim();
    expect(StatusJsonSchema.parse(JSON.parse(since(t, again))).envFiles).toEqual([
      { path: '.env', line: 1, tracked: { detail: expect.stringContaining(`.env held ${OLD_HINT} in commit ${commit}: git's history keeps the key`), fix: expect.stringMatching(/^replace the key: /), command: null } },
    ]);
  });

  it('doctor: a warning (not information), with the same fix', async () => {
    const t = await committedEnvFile();
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 }).answerChecks(checkResult('valid'));
    const at = t.stdout.length;
    await doctor(t.ctx, { json: true });
    const checks = DoctorJsonSchema.parse(JSON.parse(since(t, at))).checks;
    expect(checks).toContainEqual({
      id: 'env-file-tracked',
      title: 'Env files',
      status: 'warn',
      detail: `git tracks .env, which holds ${OLD_HINT}: the key is in the repository (in its history once committed), so count it as exposed`,
      fix: `Take .env out of git and keep it out:  ${UNTRACK_AND_WRITE}  — then replace the key: create a new one on the API keys page, store it (pipe the key in, in place of …) with \`… | openai-setup key --stdin\` and delete this one there (with an admin key, \`openai-setup rotate\` does both)`,
    });
    expect(checks.map((c) => c.id)).not.toContain('env-files');
    expect(JSON.stringify(checks)).not.toContain('--force');
  });

  it('import --check names it as a warning, and leaves it (exit 0, as README says for a file env wrote)', async () => {
    const t = await committedEnvFile();
    t.api.answerChecks(checkResult('valid'));
    const at = t.stdout.length;
    expect(await importKeys(t.ctx, { check: true, json: false, rewrite: false, yes: false })).toBe(0);
    const said = since(t, at);
    expect(said).toContain('! .env, line 1: sk-proj-…000O, the stored key, written by `openai-setup env --file .env`, as you asked; import leaves it\n');
    expect(said).toContain(`    Git tracks .env, which holds ${OLD_HINT}: the key is in the repository`);
    expect(said).not.toContain('--force');
  });

  it('import --json carries that warning on the file\'s finding (tracked: the words, the command that untracks it); exit 0', async () => {
    const t = await committedEnvFile();
    const at = t.stdout.length;
    expect(await importKeys(t.ctx, { check: false, json: true, rewrite: false, yes: false })).toBe(0);
    const [finding] = ImportJsonSchema.parse(JSON.parse(since(t, at))).findings;
    expect(finding).toMatchObject({ path: '.env', line: 1, envFile: true });
    expect(finding!.tracked).toEqual({
      detail: `Git tracks .env, which holds ${OLD_HINT}: the key is in the repository (in its history once committed), so count it as exposed`,
      fix: `take .env out of git and keep it out:  ${UNTRACK_AND_WRITE}  — then replace the key: create a new one on the API keys page, store it (pipe the key in, in place of …) with \`… | openai-setup key --stdin\` and delete this one there (with an admin key, \`openai-setup rotate\` does both)`,
      command: UNTRACK_AND_WRITE,
    });
    // Run as given, it takes the file out of git; then --json says it no more.
    expect(await followed(t, finding!.tracked!.command!)).toBe(0);
    const again = t.stdout.length;
    expect(await importKeys(t.ctx, { check: false, json: true, rewrite: false, yes: false })).toBe(0);
    // Then the history's warning: the commit still holds the key (nothing to untrack: command null).
    expect(ImportJsonSchema.parse(JSON.parse(since(t, again))).findings).toEqual([
      expect.objectContaining({ path: '.env', envFile: true, tracked: expect.objectContaining({ detail: expect.stringMatching(/^\.env held .* in commit [0-9a-f]+: /), command: null }) }),
    ]);
  });

  it('logout names it as in the repository, with the command that untracks it', async () => {
    const t = await committedEnvFile();
    const at = t.stdout.length;
    await logout(t.ctx, { yes: true });
    expect(since(t, at)).toContain(`! git tracks .env, so ${OLD_HINT} is in the repository (in its history once committed): revoke the key, and take the file out of git:  git rm --cached -- .env\n`);
  });

  it('the advice run as printed: the file untracked and ignored, the key as it was; then status says the commit still holds it', async () => {
    const t = await committedEnvFile();
    await status(t.ctx, { json: false });
    const advice = /keep it out: {2}(.+?) {2}— then/.exec(t.stdout)?.[1];
    expect(await followed(t, advice ?? 'no advice')).toBe(0);
    expect(git(t, 'ls-files', '--', '.env')).toBe('');
    expect(git(t, 'check-ignore', '--', '.env').trim()).toBe('.env');
    expect(readFileSync(join(t.cwd, '.env'), 'utf8')).toBe(`OPENAI_API_KEY=${OLD}\n`);
    const at = t.stdout.length;
    await status(t.ctx, { json: false });
    // Not tracked now, but committed with the key: replacing it (the advice's second half) is still to do.
    const commit = git(t, 'log', '-1', '--format=%h').trim();
    expect(since(t, at)).toContain(`! .env held ${OLD_HINT} in commit ${commit}: git's history keeps the key though it does not track .env now, so count it as exposed; replace the key:`);
    expect(since(t, at)).not.toContain('git tracks');
  });
});

describe('a file env wrote, which git tracks, left holding the replaced key', () => {
  async function replaced(): Promise<{ t: TestContext; said: string }> {
    const t = await committedEnvFile();
    t.ctx.readStdin = async () => `${NEW}\n`;
    const at = t.stdout.length;
    expect(await key(t.ctx, { stdin: true, verify: false })).toBe(0);
    return { t, said: since(t, at) };
  }

  it('key, status and doctor never advise --force: the file is taken out of git first, then env writes it', async () => {
    const { t, said } = await replaced();
    expect(said).toContain(
      `! .env still holds the old key ${OLD_HINT} (written there by \`openai-setup env --file .env\`); git tracks .env, so ${OLD_HINT} is in the repository (in its history once committed); to write the new key there, take .env out of git first:  ${UNTRACK_AND_WRITE}\n`,
    );
    const at = t.stdout.length;
    await status(t.ctx, { json: false });
    expect(since(t, at)).toContain(`; to write the stored key there, take .env out of git first:  ${UNTRACK_AND_WRITE}\n`);
    const statusJson = t.stdout.length;
    await status(t.ctx, { json: true });
    expect(StatusJsonSchema.parse(JSON.parse(since(t, statusJson))).staleEnvFiles).toMatchObject([{ fix: `to write the stored key there, take .env out of git first:  ${UNTRACK_AND_WRITE}`, command: UNTRACK_AND_WRITE }]);
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 }).answerChecks(checkResult('valid'));
    const json = t.stdout.length;
    await doctor(t.ctx, { json: true });
    expect(DoctorJsonSchema.parse(JSON.parse(since(t, json))).checks).toContainEqual(expect.objectContaining({ id: 'stale-env-file', fix: `To write the stored key there, take .env out of git first:  ${UNTRACK_AND_WRITE}` }));
    expect(t.stdout + t.stderr).not.toContain('--force');
  });

  it('run as printed, it writes the new key into a file git no longer tracks', async () => {
    const { t, said } = await replaced();
    const advice = /; to write the new key there[^:]*: {2}(.+)\n/.exec(said)?.[1];
    expect(await followed(t, advice ?? 'no advice')).toBe(0);
    expect(readFileSync(join(t.cwd, '.env'), 'utf8')).toBe(`OPENAI_API_KEY=${NEW}\n`);
    expect(git(t, 'ls-files', '--', '.env')).toBe('');
    expect(git(t, 'status', '--porcelain', '--', '.env')).toBe('D  .env\n');
  });
});

describe('a key kept in OPENAI_API_KEY yourself, and a .env env wrote earlier holding the old key', () => {
  const WHERE_INSTEAD = 'Where should the key go?';
  const PASTE = 'Paste your secret key (input is hidden):';
  const SHOW_LINE = 'Show the line with the key in it? (it will be on your screen)';

  /** OLD in the keychain, written into .env by env; then the keychain locked, and NEW kept in ~/.bashrc ("Set OPENAI_API_KEY yourself"). */
  async function keptYourself(): Promise<{ t: TestContext; said: string }> {
    const t = makeTestContext({ env: { ...GIT_ENV, SHELL: '/bin/bash' } });
    made.push(t);
    git(t, 'init', '-q');
    t.ctx.readStdin = async () => `${OLD}\n`;
    expect(await key(t.ctx, { stdin: true, verify: false })).toBe(0);
    expect(await env(t.ctx, { file: '.env', force: false, gitignore: true })).toBe(0);
    // Removed from the keychain before it locked (the choice is offered then), its record with it; env's file stays recorded.
    await t.ctx.keys.delete('default');
    await t.ctx.state.updateProfile('default', (p) => {
      delete p.key;
    });
    t.keychain.failWith('locked');
    t.prompts.whenSelect(WHERE_INSTEAD, 'env').whenPassword(PASTE, NEW).whenConfirm(SHOW_LINE, false);
    t.api.answerChecks(checkResult('valid'));
    const at = t.stdout.length;
    expect(await key(t.ctx, {})).toBe(0);
    expect((await t.profile())?.key).toMatchObject({ storage: 'env', hint: NEW_HINT });
    return { t, said: since(t, at) };
  }

  it('the wizard\'s key stage and status say to set it by hand, or remove the line: env cannot write it', async () => {
    const { t, said } = await keptYourself();
    expect(said).toContain(
      `! .env still holds the old key ${OLD_HINT} (written there by \`openai-setup env --file .env\`); openai-setup keeps no copy of the new key (you keep it in OPENAI_API_KEY yourself), so \`env\` cannot write it: set OPENAI_API_KEY in .env to it by hand, or remove that line\n`,
    );
    expect(said).not.toContain('to write the new key there');
    const at = t.stdout.length;
    await status(t.ctx, { json: false });
    expect(since(t, at)).toContain(
      `! .env holds ${OLD_HINT}, not the stored key (written there by \`openai-setup env --file .env\`); openai-setup keeps no copy of the stored key (you keep it in OPENAI_API_KEY yourself), so \`env\` cannot write it: set OPENAI_API_KEY in .env to it by hand, or remove that line\n`,
    );
    // --json: the same words, and no command (done by hand).
    const json = t.stdout.length;
    await status(t.ctx, { json: true });
    expect(StatusJsonSchema.parse(JSON.parse(since(t, json))).staleEnvFiles).toMatchObject([{ fix: expect.stringContaining('set OPENAI_API_KEY in .env to it by hand, or remove that line'), command: null }]);
    // Which is so: env refuses (said so where no keychain is running, as over SSH), also with OPENAI_API_KEY set.
    t.keychain.failWith('no-service');
    t.ctx.env.OPENAI_API_KEY = NEW;
    const { code, message } = await outcomeOf(env(t.ctx, { file: '.env', force: false, gitignore: false }));
    expect(code).toBe(2);
    expect(message).toContain('openai-setup keeps no copy of the key of profile "default"');
    expect(readFileSync(join(t.cwd, '.env'), 'utf8')).toBe(`OPENAI_API_KEY=${OLD}\n`);
  });
});

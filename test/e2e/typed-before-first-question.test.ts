// What is typed during the work a command does before its first question, through the built binary
// in a real pseudo-terminal: rotate's live check that finds the key's project, then "Rotate …?";
// import --check's checks, then "Which key should profile … keep?". Typed then, a key was echoed
// (left on the screen) and an Enter answered the question, unseen: the key rotated and the old one
// revoked, or a key found stored. Now nothing typed then is echoed or taken as an answer; Ctrl-C
// still cancels; and where no question follows, what is typed is left for the shell.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestEnv } from '../helpers/env.js';
import { makeKey } from '../helpers/openai-server.js';
import { spawnCommand, type PtySession } from '../helpers/pty.js';
import { runCli } from '../helpers/run.js';
import { keyPieces, rowsHolding } from '../helpers/screen.js';
import { useServerAndKeyring } from '../helpers/server-and-keyring.js';

const ADMIN = makeKey('admin', 'typed-before-admin');
const PASTED = makeKey('proj', 'typed-before-pasted');
const QUESTION = 'Rotate the key of profile "default"';
const ANSWERED = 'then it is revoked?';
const FINDING = 'Finding the key’s project';
const COLUMNS = 100;

const world = useServerAndKeyring((openai) => openai.admin.addAdminKey(ADMIN));
const server = () => world.server();
let release: (() => void) | undefined;
let keyCount = 0;

afterEach(() => {
  release?.();
  release = undefined;
});

function expectNotOnScreen(s: PtySession, key: string): void {
  for (const piece of keyPieces(key)) expect(s.rawOutput()).not.toContain(piece);
}

const rowsWith = (s: PtySession, text: string): string[] => rowsHolding(s.rawOutput(), COLUMNS, text);

const shells: PtySession[] = [];
afterEach(() => {
  for (const s of shells.splice(0)) s.kill();
});

/** `line` run by sh in a terminal of its own (killed after the test). */
function inShell(t: TestEnv, line: string, env: Record<string, string> = {}, cwd?: string): PtySession {
  const s = spawnCommand('/bin/sh', ['-c', line], { env: { ...t.env, ...env }, cols: COLUMNS, ...(cwd ? { cwd } : {}) });
  shells.push(s);
  return s;
}

/**
 * `rotate` of a key stored unchecked (no project recorded for it): its live check, which finds the
 * project (one of its own), is held by the server until the test lets it go. Returns the old key and
 * its project, the spinner showing.
 */
async function rotateFindingProject({ known = true, then }: { known?: boolean; then?: string } = {}): Promise<{ s: PtySession; old: string; project: string }> {
  const t = await world.machine({ OPENAI_ADMIN_KEY: ADMIN });
  const n = keyCount++;
  const project = `proj_TypedBefore${String(n).padStart(12, '0')}`;
  server().admin.addProject({ id: project, name: 'typed-before' });
  const old = makeKey('proj', `typed-before-old-${n}`);
  // Unknown to the server: the check rejects it, and rotate stops before its question.
  if (known) server().addKey(old, { scenario: 'valid', project });
  const stored = await runCli(['key', '--stdin', '--no-verify', '--insecure-storage'], { env: t.env, input: `${old}\n` });
  expect(stored.code, stored.stderr).toBe(0);
  release = server().holdAnswers(old);
  // `then`: a shell line run in the same terminal once rotate has exited.
  const s = then ? inShell(t, `openai-setup rotate; ${then}`) : world.spawnCli(['rotate'], { env: t.env, cols: COLUMNS });
  await s.waitFor(FINDING);
  return { s, old, project };
}

describe("typed during rotate's check that finds the key's project, before its question", () => {
  it('a key pasted, with its Enter: never echoed, and no answer to "Rotate …?", which waits for its own', async () => {
    const { s, old, project } = await rotateFindingProject();
    s.type(PASTED);
    s.type('\r');
    release!();
    await s.waitFor(QUESTION);
    s.type('n');
    s.press('enter');
    await s.waitFor('Nothing was changed.');
    expect(await s.exited).toMatchObject({ exitCode: 0 });
    expectNotOnScreen(s, PASTED);
    expect(rowsWith(s, ANSWERED)).toEqual([`${ANSWERED} No`]);
    expect(server().admin.isLive(old)).toBe(true);
    expect(server().admin.serviceAccounts(project)).toEqual([]);
  });

  it('Enter alone: no answer to "Rotate …?" (whose default is yes): nothing is rotated', async () => {
    const { s, old, project } = await rotateFindingProject();
    s.press('enter');
    release!();
    await s.waitFor(QUESTION);
    s.type('n');
    s.press('enter');
    await s.waitFor('Nothing was changed.');
    expect(await s.exited).toMatchObject({ exitCode: 0 });
    expect(rowsWith(s, ANSWERED)).toEqual([`${ANSWERED} No`]);
    expect(s.output()).not.toContain('Creating the service account');
    expect(server().admin.isLive(old)).toBe(true);
    expect(server().admin.serviceAccounts(project)).toEqual([]);
  });

  it('Ctrl-C still cancels it: exit 130, nothing changed', async () => {
    const { s, old, project } = await rotateFindingProject();
    s.press('ctrl-c');
    await s.waitFor('Cancelled.');
    expect(await s.exited).toMatchObject({ exitCode: 130 });
    expect(server().admin.isLive(old)).toBe(true);
    expect(server().admin.serviceAccounts(project)).toEqual([]);
  });

  it('a check that fails, so that no question comes: said, and the terminal is left as it was found (echo on, line mode)', async () => {
    const { s } = await rotateFindingProject({ known: false, then: 'echo "rotate exited $?"; stty -a; echo "stty done"' });
    s.type('typed-while-held');
    release!();
    await s.waitFor('stty done');
    const output = s.output();
    expect(output).toContain('Could not tell which project');
    expect(output).not.toMatch(/rotate exited 0\b/);
    // `stty -a`, run after it in the same terminal, names each mode, one that is off with a "-" before it.
    const modes = output.slice(output.indexOf('rotate exited'));
    for (const mode of ['echo', 'icanon', 'isig']) expect(modes).toMatch(new RegExp(`(?<![-\\w])${mode}(?!\\w)`));
    expect(output).not.toContain('typed-while-held');
  });
});

const WHICH = 'Which key should profile "default" keep in the keychain?';
const CHECKING = 'Checking 1 key with live calls';

/**
 * `import --check` in a project whose .env holds a key the server knows (or, `inFile` false, with
 * the key in OPENAI_API_KEY only), its check held until the test lets it go; started by sh in its
 * own terminal, which runs `then` once import has exited. `stored`: the profile's key is that one
 * already (stored unchecked), so that import does not ask which key to keep.
 */
async function importChecking({ stored = false, inFile = true, then = 'true' }: { stored?: boolean; inFile?: boolean; then?: string } = {}): Promise<{ s: PtySession; found: string; dotenv: string }> {
  const t = await world.machine();
  const found = makeKey('proj', `typed-before-found-${keyCount++}`);
  server().addKey(found, 'valid');
  const project = join(t.root, 'project');
  mkdirSync(project);
  const dotenv = join(project, '.env');
  if (inFile) writeFileSync(dotenv, `OPENAI_API_KEY=${found}\n`);
  if (stored) {
    const result = await runCli(['key', '--stdin', '--no-verify'], { env: t.env, input: `${found}\n` });
    expect(result.code, result.stderr).toBe(0);
  }
  release = server().holdAnswers(found);
  const s = inShell(t, `openai-setup import --check; echo "import exited $?"; ${then}`, inFile ? {} : { OPENAI_API_KEY: found }, project);
  await s.waitFor(CHECKING);
  return { s, found, dotenv };
}

describe('typed during import --check, before its question', () => {
  it('a key pasted, with its Enter: never echoed, and no answer to "Which key …?" (whose first choice stores the key found)', async () => {
    const { s, found } = await importChecking();
    s.type(PASTED);
    s.type('\r');
    release!();
    await s.waitFor(WHICH);
    s.press('down');
    s.press('enter');
    // The key found is left where it is: exit 8, a plaintext copy left.
    await s.waitFor('import exited 8');
    expectNotOnScreen(s, PASTED);
    expect(rowsWith(s, WHICH)).toEqual([`${WHICH} None: leave everything as it is`]);
    expect(await world.keyring().lookup('openai-setup', 'default')).toBeNull();
    expect(s.output()).toContain(`${found.slice(0, 8)}…${found.slice(-4)}`);
  });

  it('where no question follows: what is typed during the checks is left for the shell, as before', async () => {
    // The stored key, in the environment only: no line import could change, nothing to choose.
    const { s } = await importChecking({ stored: true, inFile: false, then: 'read -r line; echo "the shell read [$line]"' });
    s.type('abc\r');
    release!();
    await s.waitFor('import exited 0');
    await s.waitFor('the shell read [abc]');
    expect(s.output()).not.toContain(WHICH);
  });

  it('Enter alone: no answer to "Remove line 1 of .env?" (the stored key\'s line; default yes), which waits for its own', async () => {
    const { s, found, dotenv } = await importChecking({ stored: true });
    s.press('enter');
    release!();
    const question = 'Remove line 1 of .env?';
    await s.waitFor(question);
    s.type('n');
    s.press('enter');
    await s.waitFor('import exited 8');
    expect(rowsWith(s, question)).toEqual([`${question} No`]);
    expect(readFileSync(dotenv, 'utf8')).toBe(`OPENAI_API_KEY=${found}\n`);
  });
});

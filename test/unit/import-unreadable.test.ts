// import, when a file it found a key in changes between the scan and the edit: a FIFO put in its
// place (a plain read would wait for a writer forever), a file past the scan's cap (a link to
// /dev/zero never ends), one that cannot be read (EACCES), or none at all. Each read of it is the
// scan's reader: the run says so in one line naming the file, changes nothing, keeps the key it
// stored (and says how to finish), and fails; never a hang, never a stack trace.
// The change lands where it does in a real run: while a question is open, or during the live check
// of --store. EACCES cannot be made as root: node:fs/promises' open (and readFile) refuse the path.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultDeps, ImportJsonSchema, runImport, type ImportDeps, type ImportOptions } from '../../src/commands/import.js';
import { maskKey } from '../../src/keys/format.js';
import { MAX_FILE_BYTES } from '../../src/plaintext/scan.js';
import { checkResult, outcomeOf, type TestContext, type TestContextOptions } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const hook = vi.hoisted(() => ({
  /** Paths whose opening fails with EACCES (as for a file its owner made unreadable), from their nth open on. */
  denied: new Map<string, number>(),
  /** Opens of each path so far. */
  opens: new Map<string, number>(),
}));

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const refuse = (path: unknown) => {
    const p = String(path);
    const count = (hook.opens.get(p) ?? 0) + 1;
    hook.opens.set(p, count);
    if (count >= (hook.denied.get(p) ?? Infinity)) throw Object.assign(new Error(`EACCES: permission denied, open '${p}'`), { code: 'EACCES', errno: -13, syscall: 'open', path: p });
  };
  const open: typeof fs.open = async (path, ...rest) => {
    refuse(path);
    return fs.open(path, ...rest);
  };
  const readFile = (async (path: Parameters<typeof fs.readFile>[0], ...rest: unknown[]) => {
    refuse(path);
    return (fs.readFile as (...args: unknown[]) => Promise<unknown>)(path, ...rest);
  }) as typeof fs.readFile;
  return { ...fs, open, readFile, default: { ...fs, open, readFile } };
});

const KEY = makeKey('proj', 'unit-unreadable');
const TEXT = `A=1\nOPENAI_API_KEY=${KEY}\n`;

interface Machine extends TestContext {
  /** What import was asked to run in fish (a stand-in: fish is never run). */
  fishCalls: string[];
  deps: ImportDeps;
}

const contexts = trackedContexts();
afterEach(() => {
  hook.denied.clear();
  hook.opens.clear();
});

/** A home next to the project, the places import looks in, and a live check that takes KEY. */
function machine(options: TestContextOptions = {}): Machine {
  const fishCalls: string[] = [];
  const t = Object.assign(contexts.make(options), {
    fishCalls,
    deps: { places: defaultDeps().places, fish: async (script: string) => (fishCalls.push(script), { ok: true, missing: false, detail: '' }) },
  });
  t.ctx.rawEnv.HOME = join(dirname(t.cwd), 'home');
  mkdirSync(t.ctx.rawEnv.HOME);
  t.api.answerEveryCheck((request) => (request.key === KEY ? checkResult('valid') : checkResult('invalid_key')));
  return t;
}

const options = (extra: Partial<ImportOptions> = {}): ImportOptions => ({ check: false, json: false, rewrite: false, yes: false, ...extra });

/** What happens to the file, and what the file is afterwards (unchanged by import). */
interface Change {
  name: string;
  why: string;
  make(path: string): void;
  expectLeft(path: string): void;
}

const CHANGES: Change[] = [
  {
    name: 'a FIFO put in its place',
    why: 'not a regular file',
    make: (path) => {
      rmSync(path);
      execFileSync('mkfifo', [path]);
    },
    expectLeft: (path) => expect(statSync(path).isFIFO()).toBe(true),
  },
  {
    // The key still on line 2: read whole, the edit would go on; the scan's cap refuses it.
    name: 'grown past the cap',
    why: 'larger than 4 MB',
    make: (path) => writeFileSync(path, TEXT + '#'.repeat(MAX_FILE_BYTES)),
    expectLeft: (path) => expect(readFileSync(path, 'latin1')).toBe(TEXT + '#'.repeat(MAX_FILE_BYTES)),
  },
  {
    name: 'made unreadable',
    why: 'permission denied',
    make: (path) => hook.denied.set(path, 0),
    expectLeft: (path) => {
      hook.denied.delete(path);
      expect(readFileSync(path, 'latin1')).toBe(TEXT);
    },
  },
  {
    name: 'removed',
    why: 'removed since import read it',
    make: (path) => rmSync(path),
    expectLeft: (path) => expect(existsSync(path)).toBe(false),
  },
];

/** The one line: the file, why, what was not done, that the key is stored, and the command that finishes. */
const failure = (why: string, again = 'openai-setup import') => `✖ .env: ${why}, so line 2 was not changed. The key is stored, but not moved out of the file: once it can be read, run:  ${again}\n`;

/** After `answer` to the question matching `text`, `change` happens (while the question was open). */
function changeWhileAsked(t: Machine, kind: 'confirm' | 'select', change: () => void): void {
  const prompts = t.prompts;
  if (kind === 'confirm') {
    const confirm = prompts.confirm.bind(prompts);
    prompts.confirm = async (message) => {
      const answer = await confirm(message);
      change();
      return answer;
    };
  } else {
    const select = prompts.select.bind(prompts);
    prompts.select = async (message, choices) => {
      const answer = await select(message, choices);
      change();
      return answer;
    };
  }
}

function expectSaidOnce(t: Machine, line: string): void {
  expect(t.stderr).toContain(line);
  expect(t.stderr.split('\n').filter((l) => l.startsWith('✖'))).toHaveLength(1);
  expect(t.stdout + t.stderr).not.toMatch(/^\s+at /m);
  expect(t.stdout + t.stderr).not.toContain('Unexpected error');
  // Not "none is left": the file that could not be read was not looked in again.
  expect(t.stdout).not.toContain('No plaintext copy of an OpenAI key is left');
  expect(t.stdout + t.stderr).not.toContain(KEY);
}

async function expectKeyStored(t: Machine): Promise<void> {
  expect(t.keychain.keyOf('default')).toBe(KEY);
  expect((await t.profile())?.key?.hint).toBe(maskKey(KEY));
}

describe('import on a terminal: the file changed while its question was open', () => {
  for (const change of CHANGES) {
    it(`"Remove line 2 of .env?" answered yes, the file ${change.name} meanwhile: one line, nothing written, the key stored (exit 8)`, async () => {
      const t = machine();
      const env = join(t.cwd, '.env');
      writeFileSync(env, TEXT);
      t.prompts.whenSelect('Which key should profile "default" keep in the keychain?', KEY).whenConfirm('Remove line 2 of .env?', true);
      changeWhileAsked(t, 'confirm', () => change.make(env));
      expect(await runImport(t.ctx, options(), t.deps)).toBe(8);
      expectSaidOnce(t, failure(change.why));
      change.expectLeft(env);
      await expectKeyStored(t);
      expect(readdirSync(t.cwd).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    });

    it(`the key chosen, the file ${change.name} meanwhile: said before any question about its line (exit 8)`, async () => {
      const t = machine();
      const env = join(t.cwd, '.env');
      writeFileSync(env, TEXT);
      // The scripted prompter fails on any other question ("Remove line 2 of .env?").
      t.prompts.whenSelect('Which key should profile "default" keep in the keychain?', KEY);
      changeWhileAsked(t, 'select', () => change.make(env));
      expect(await runImport(t.ctx, options(), t.deps)).toBe(8);
      expectSaidOnce(t, failure(change.why));
      expect(t.stdout).not.toContain('edit it by hand');
      change.expectLeft(env);
      await expectKeyStored(t);
    });
  }

  it('config.fish made a FIFO while "Erase the universal variable…?" was open: fish is not run, nothing is half done (exit 8)', async () => {
    const t = machine();
    const fishDir = join(t.ctx.rawEnv.HOME!, '.config', 'fish');
    mkdirSync(fishDir, { recursive: true });
    const escaped = KEY.replace(/[^A-Za-z0-9]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
    writeFileSync(join(fishDir, 'fish_variables'), `# VERSION: 3.0\nSETUVAR --export OPENAI_API_KEY:${escaped}\n`);
    const config = join(fishDir, 'config.fish');
    t.prompts
      .whenSelect('Which key should profile "default" keep in the keychain?', KEY)
      .whenConfirm('Erase the universal variable OPENAI_API_KEY and add that line to ~/.config/fish/config.fish?', true);
    changeWhileAsked(t, 'confirm', () => execFileSync('mkfifo', [config]));
    expect(await runImport(t.ctx, options(), t.deps)).toBe(8);
    expectSaidOnce(
      t,
      '✖ ~/.config/fish/config.fish: not a regular file, so the universal variable OPENAI_API_KEY was not erased. The key is stored, but not moved out of ~/.config/fish/fish_variables: once ~/.config/fish/config.fish can be read, run:  openai-setup import\n',
    );
    expect(t.fishCalls).toEqual([]);
    expect(statSync(config).isFIFO()).toBe(true);
    await expectKeyStored(t);
  });
});

describe('import --store PATH:LINE --rewrite --yes: the file changed during the live check', () => {
  for (const change of CHANGES) {
    it(`${change.name}: the key stored, its line not changed, said in one line with how to finish (exit 8)`, async () => {
      for (const json of [false, true]) {
        const t = machine({ interactive: false });
        const env = join(t.cwd, '.env');
        writeFileSync(env, TEXT);
        t.api.answerEveryCheck(() => {
          change.make(env);
          return checkResult('valid');
        });
        expect(await runImport(t.ctx, options({ store: '.env:2', rewrite: true, yes: true, json, profile: 'work' }), t.deps)).toBe(8);
        expect(t.keychain.keyOf('work')).toBe(KEY);
        expect(t.stderr).toContain(failure(change.why, 'openai-setup import --profile work'));
        expect(t.stdout + t.stderr).not.toMatch(/^\s+at /m);
        expect(t.stdout).not.toContain('No plaintext copy of an OpenAI key is left');
        if (json) expect(ImportJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({ moved: [], exitCode: 8 });
        else expect(t.stdout).toContain(`✔ Stored ${maskKey(KEY)} in the Secret Service keyring as the key of profile "work"`);
        change.expectLeft(env);
      }
    });
  }

  it('unreadable at once after the scan (before the check): refused before anything is stored (exit 2)', async () => {
    const t = machine({ interactive: false });
    const env = join(t.cwd, '.env');
    writeFileSync(env, TEXT);
    t.api.answerEveryCheck(() => {
      throw new Error('no check is made');
    });
    // The scan's read is the first open of .env; the next (the line to rewrite) is refused.
    hook.denied.set(env, 2);
    const refused = await outcomeOf(runImport(t.ctx, options({ store: '.env:2', rewrite: true, yes: true }), t.deps));
    expect(refused).toEqual({ code: 2, message: '--rewrite: .env: permission denied, so line 2 cannot be rewritten. Nothing was stored or changed.', hints: [] });
    expect(t.keychain.accounts()).toEqual([]);
    expect(t.api.checks).toEqual([]);
    hook.denied.clear();
    expect(readFileSync(env, 'latin1')).toBe(TEXT);
  });
});

describe('import, only listing: a file that cannot be read after the scan', () => {
  it('is listed as a line left by hand, with why (exit 8), never a stack trace', async () => {
    const t = machine({ interactive: false });
    const env = join(t.cwd, '.env');
    writeFileSync(env, TEXT);
    hook.denied.set(env, 2);
    expect(await runImport(t.ctx, options(), t.deps)).toBe(8);
    expect(t.stdout).toContain('    Import cannot change this line (the file cannot be read now: permission denied): edit it by hand.\n');
    expect(t.stdout + t.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('import, only listing: a file it cannot look in at all, unreadable or too large, is one case', () => {
  it('each named under "Not looked in" with why, neither counted as looked in, and the exit alike (0: no copy found where it looked; --json says `skipped`)', async () => {
    const t = machine({ interactive: false });
    const env = join(t.cwd, '.env');
    writeFileSync(env, TEXT);
    hook.denied.set(env, 1);
    writeFileSync(join(t.cwd, '.env.local'), TEXT + '#'.repeat(MAX_FILE_BYTES));
    expect(await runImport(t.ctx, options(), t.deps)).toBe(0);
    expect(t.stdout).toContain('✔ No plaintext copy of an OpenAI key in the 0 files import looks in (2 more could not be looked in: see below).\n');
    expect(t.stderr).toBe('! Not looked in .env: permission denied\n! Not looked in .env.local: larger than 4 MB\n');
    const json = machine({ interactive: false });
    const jsonEnv = join(json.cwd, '.env');
    writeFileSync(jsonEnv, TEXT);
    hook.denied.set(jsonEnv, 1);
    writeFileSync(join(json.cwd, '.env.local'), TEXT + '#'.repeat(MAX_FILE_BYTES));
    expect(await runImport(json.ctx, options({ json: true }), json.deps)).toBe(0);
    expect(ImportJsonSchema.parse(JSON.parse(json.stdout))).toMatchObject({
      looked: 0,
      findings: [],
      skipped: [
        { path: '.env', why: 'permission denied' },
        { path: '.env.local', why: 'larger than 4 MB' },
      ],
      plaintextLeft: 0,
      exitCode: 0,
    });
  });
});

// import with a file it cannot look in (past the scan's cap): that file is listed as not looked in,
// and never counted among the files looked in, in the text and in --json's `looked`.
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultDeps, ImportJsonSchema, runImport, type ImportOptions } from '../../src/commands/import.js';
import { MAX_FILE_BYTES } from '../../src/plaintext/scan.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const contexts = trackedContexts();
const options = (extra: Partial<ImportOptions> = {}): ImportOptions => ({ check: false, json: false, rewrite: false, yes: false, ...extra });

/** A home holding only a ~/.zshrc past the cap, and a ~/.bashrc when `bashrc`. */
function machine(bashrc: boolean) {
  const t = contexts.make({ interactive: false });
  const home = join(dirname(t.cwd), 'home');
  t.ctx.rawEnv.HOME = home;
  mkdirSync(home);
  writeFileSync(join(home, '.zshrc'), '');
  truncateSync(join(home, '.zshrc'), MAX_FILE_BYTES + 1);
  if (bashrc) writeFileSync(join(home, '.bashrc'), 'export A=1\n');
  return t;
}

describe('a file import could not look in is not counted as looked in', () => {
  it('text: "in the 0 files", the skipped one said to be below, then named with why', async () => {
    const t = machine(false);
    expect(await runImport(t.ctx, options(), defaultDeps())).toBe(0);
    expect(t.stdout).toContain('✔ No plaintext copy of an OpenAI key in the 0 files import looks in (1 more could not be looked in: see below).\n');
    expect(t.stderr).toBe('! Not looked in ~/.zshrc: larger than 4 MB\n');
  });

  it('--json: `looked` counts only the file read, the other under `skipped`', async () => {
    const t = machine(true);
    expect(await runImport(t.ctx, options({ json: true }), defaultDeps())).toBe(0);
    const json = ImportJsonSchema.parse(JSON.parse(t.stdout));
    expect(json.looked).toBe(1);
    expect(json.skipped).toEqual([{ path: '~/.zshrc', why: 'larger than 4 MB' }]);
  });

  it('no HOME and no passwd entry (and so no home directory known): said in one line, never in silence', async () => {
    const t = contexts.make({ interactive: false });
    delete t.ctx.rawEnv.HOME;
    expect(await runImport(t.ctx, options(), defaultDeps())).toBe(0);
    expect(t.stdout).toContain('✔ No plaintext copy of an OpenAI key in the 0 files import looks in.\n');
    expect(t.stderr).toBe('! Not looked in the files of your home directory: HOME is not set, and the system knows no home directory for this user.\n');
  });

  it.each([
    ['no HOME and no passwd entry', undefined, 'HOME is not set, and the system knows no home directory for this user'],
    ['a relative HOME', 'rel/home', 'HOME is not an absolute path (got "rel/home")'],
  ])('--json with %s: the home directory once under `skipped`, as the text says it (a partial scan, not a clean one)', async (_, value, why) => {
    const t = contexts.make({ interactive: false });
    if (value === undefined) delete t.ctx.rawEnv.HOME;
    else t.ctx.rawEnv.HOME = value;
    expect(await runImport(t.ctx, options({ json: true }), defaultDeps())).toBe(0);
    const json = ImportJsonSchema.parse(JSON.parse(t.stdout));
    expect(json.looked).toBe(0);
    expect(json.skipped).toEqual([{ path: '~', why }]);
  });

  // Longer than a path may be (PATH_MAX): every file in it fails alike; the config dir is elsewhere.
  const LONG_HOME = `/${'h/'.repeat(2500)}home`;

  it('a HOME too long to open: said once for the home directory, not once per file in it', async () => {
    const t = contexts.make({ interactive: false });
    t.ctx.rawEnv.HOME = LONG_HOME;
    expect(await runImport(t.ctx, options(), defaultDeps())).toBe(0);
    expect(t.stdout).toContain('✔ No plaintext copy of an OpenAI key in the 0 files import looks in.\n');
    expect(t.stderr).toBe('! Not looked in the files of your home directory: the name is too long.\n');
  });

  it('--json with a HOME too long to open: the home directory once under `skipped`, as the text says it', async () => {
    const t = contexts.make({ interactive: false });
    t.ctx.rawEnv.HOME = LONG_HOME;
    expect(await runImport(t.ctx, options({ json: true }), defaultDeps())).toBe(0);
    const json = ImportJsonSchema.parse(JSON.parse(t.stdout));
    expect(json.looked).toBe(0);
    expect(json.skipped).toEqual([{ path: '~', why: 'the name is too long' }]);
  });
});

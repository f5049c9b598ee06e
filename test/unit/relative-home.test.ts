// A relative HOME is no home directory, for every command alike (homeOfEnv, storage/paths.ts): the
// config dir refuses it, and import and the shell file hints do not take it as one either. Taken
// as one, it would be resolved against the current directory: import read ./rel/.bashrc, called it
// ~/.bashrc, and --rewrite could edit it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultDeps, runImport } from '../../src/commands/import.js';
import { run as status } from '../../src/commands/status.js';
import { resolveConfigDir } from '../../src/storage/paths.js';
import { makeTestContext, testKey, type TestContext } from '../helpers/context.js';

const KEY = testKey('A');
const HINT = 'sk-proj-…000A';

// Files under a relative HOME are read relative to the process's current directory: the test's
// project dir is made that, as it is for a person who runs the tool there.
const startDir = process.cwd();
afterEach(() => process.chdir(startDir));

/** A project dir holding rel/.bashrc (a key in it) and rel/.tcshrc, run from it with HOME=rel. */
function inProjectWithRelativeHome(env: Record<string, string> = {}): TestContext {
  const t = makeTestContext({ interactive: false, env: { ...env, HOME: 'rel' } });
  mkdirSync(join(t.cwd, 'rel'));
  writeFileSync(join(t.cwd, 'rel', '.bashrc'), `export OPENAI_API_KEY=${KEY}\n`);
  writeFileSync(join(t.cwd, 'rel', '.tcshrc'), '');
  process.chdir(t.cwd);
  return t;
}

describe('a relative HOME is no home directory', () => {
  it('import looks in no file under it, and says why once', async () => {
    const t = inProjectWithRelativeHome();
    expect(await runImport(t.ctx, { check: false, json: false, rewrite: false, yes: false }, defaultDeps())).toBe(0);
    expect(t.stdout).toContain('✔ No plaintext copy of an OpenAI key in the 0 files import looks in.\n');
    expect(t.stdout).not.toContain('.bashrc');
    expect(t.stderr).toBe('! Not looked in the files of your home directory: HOME is not an absolute path (got "rel").\n');
  });

  it('status: neither the file it is set in nor the shell file hint is looked for under it', async () => {
    const t = inProjectWithRelativeHome({ SHELL: '/bin/tcsh' });
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'env', hint: HINT, savedAt: '2026-03-01T00:00:00.000Z' };
      p.stages.key = { doneAt: '2026-03-01T00:00:00.000Z' };
    });
    expect(await status(t.ctx, { json: false })).toBe(0);
    // ~/.cshrc, as with no HOME: not ~/.tcshrc for the ./rel/.tcshrc of the current directory.
    expect(t.stdout).toContain(`! Key ${HINT}: you keep it in OPENAI_API_KEY yourself (~/.cshrc); openai-setup has no copy\n`);
    expect(t.stdout).toContain('  OPENAI_API_KEY is not set in this shell: open a new terminal, or run `source ~/.cshrc` in this one.');
  });

  it('the config dir refuses it in the same words', () => {
    expect(() => resolveConfigDir({ HOME: 'rel' }, 'linux', 'rel')).toThrow(
      'HOME is not an absolute path (got "rel"): openai-setup keeps its files under it. Set HOME to your home directory, or OPENAI_SETUP_CONFIG_DIR to an absolute path.',
    );
  });

  it('an absolute HOME with a trailing slash is the home directory: its files are shown as ~/…', async () => {
    const t = makeTestContext({ interactive: false });
    const home = join(t.cwd, '..', 'home');
    mkdirSync(home);
    writeFileSync(join(home, '.bashrc'), `export OPENAI_API_KEY=${KEY}\n`);
    t.ctx.rawEnv.HOME = `${home}/`;
    await runImport(t.ctx, { check: false, json: false, rewrite: false, yes: false }, defaultDeps());
    expect(t.stdout).toContain('~/.bashrc, line 1');
  });
});

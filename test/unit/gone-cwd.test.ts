// A current directory removed while the shell was in it (ctx.cwd null, as main.ts gives it then):
// the commands that work in it (env writes ./.env, import scans the project) refuse in one line,
// exit 2; the others run, status looking in the home directory's places only.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as env } from '../../src/commands/env.js';
import { defaultDeps, ImportFailureJsonSchema, runImport } from '../../src/commands/import.js';
import { run as status } from '../../src/commands/status.js';
import { makeTestContext, outcomeOf, testKey } from '../helpers/context.js';

const KEY = testKey('A');
const GONE = 'The current directory no longer exists (it was removed while your shell was still in it): cd to a directory that exists and run it again.';

function goneContext() {
  const t = makeTestContext({ interactive: false, keychain: { default: KEY } });
  const homeDir = join(dirname(t.configDir), 'home');
  mkdirSync(homeDir);
  t.ctx.rawEnv.HOME = homeDir;
  t.ctx.cwd = null;
  return { t, homeDir };
}

describe('a current directory that no longer exists', () => {
  it('env refuses in one line naming what to do (exit 2), and writes nothing', async () => {
    const { t } = goneContext();
    expect(await outcomeOf(env(t.ctx, { force: false, gitignore: true }))).toEqual({ code: 2, message: GONE, hints: [] });
    expect(readdirSync(t.cwd)).toEqual([]);
  });

  it('import refuses too, --json in its failure document', async () => {
    const { t } = goneContext();
    expect(await outcomeOf(runImport(t.ctx, { check: false, json: true, rewrite: false, yes: false }, defaultDeps()))).toEqual({ code: 2, message: GONE, hints: [] });
    const failed = ImportFailureJsonSchema.parse(JSON.parse(t.stdout));
    expect(failed).toMatchObject({ ok: false, exitCode: 2, reason: 'usage', message: GONE });
  });

  it('status runs, looking for plaintext copies in the home directory only', async () => {
    const { t, homeDir } = goneContext();
    writeFileSync(join(homeDir, '.bashrc'), `export OPENAI_API_KEY=${KEY}\n`);
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'keychain', hint: 'sk-proj-…000A', savedAt: '2026-03-01T00:00:00.000Z' };
      p.stages.key = { doneAt: '2026-03-01T00:00:00.000Z' };
    });
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.stdout).toContain('! The stored key is also in plain text: ~/.bashrc:1 — `openai-setup import` moves it');
    expect(t.stderr).toBe('');
  });
});

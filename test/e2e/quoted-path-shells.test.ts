// The built tool started by a path that needs quotes (a clone in "my clone's ü"), not on PATH:
// the command `status` names next runs in the person's shell as printed: under a locale whose
// charset is not UTF-8 (its ü escaped, not `?`), run by bash, dash, fish and tcsh under LC_ALL=C;
// with pwsh as SHELL, run with `&` and its quote doubled.
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, makeTestEnv, type TestEnv } from '../helpers/env.js';

let t: TestEnv;
let script: string;
beforeAll(async () => {
  t = await makeTestEnv();
  const dir = join(t.root, "my clone's ü");
  mkdirSync(dir);
  script = join(dir, 'openai-setup.cjs');
  symlinkSync(CLI, script);
});
afterAll(async () => {
  await t?.cleanup();
});

/** `status` as started by `node <script> status`: its next step's command. */
function nextCommand(env: Record<string, string | undefined>): string {
  const r = spawnSync(process.execPath, [script, 'status'], { env, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const next = / Next, after signing in on \S+:  (.+)\n/.exec(r.stdout)?.[1];
  expect(next, r.stdout).toBeDefined();
  return next!;
}

describe('status started by a quoted path beyond ASCII', () => {
  it.each([
    ['/bin/bash', 'bash'],
    ['/bin/sh', 'dash'],
    ['/usr/bin/fish', 'fish'],
    ['/bin/tcsh', 'tcsh'],
  ])('LANG=en_US.ISO-8859-1, SHELL=%s: the next step, run by %s under LC_ALL=C, runs this tool', (shell, program) => {
    const configDir = join(t.root, `config-${program}`);
    const env = { ...t.env, PATH: process.env.PATH ?? '/usr/bin:/bin', SHELL: shell, LANG: 'en_US.ISO-8859-1', LC_ALL: undefined, OPENAI_SETUP_CONFIG_DIR: configDir };
    const next = nextCommand(env);
    expect(next).toMatch(/^[\x00-\x7f]+ login --done$/);
    const ran = spawnSync(program, ['-c', next], { env: { ...env, LC_ALL: 'C' }, encoding: 'utf8' });
    expect(ran.status, `${next}\n${ran.stderr}`).toBe(0);
    // It ran: the stage is done, and status names the next one.
    const after = spawnSync(process.execPath, [script, 'status'], { env, encoding: 'utf8' });
    expect(after.stdout).toMatch(/ Next, after adding a card on \S+:  .+ payment --done\n/);
  });

  it('SHELL=pwsh: the next step runs the path with & and its quote doubled', () => {
    const env = { ...t.env, PATH: process.env.PATH ?? '/usr/bin:/bin', SHELL: '/usr/bin/pwsh', OPENAI_SETUP_CONFIG_DIR: join(t.root, 'config-pwsh') };
    expect(nextCommand(env)).toBe(`& '${script.replaceAll("'", "''")}' login --done`);
  });
});

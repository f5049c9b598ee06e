// The built binary with a relative XDG_CONFIG_HOME, run from two folders: one config dir, the
// default (~/.config/openai-setup), nothing made in either folder, the setting's being ignored said
// once on stderr; import looks in ~/.config/fish, not in a rel/fish/ of the folder it is run in.
// Taken as given, each folder had its own config dir (the progress file, the key file, the locks)
// and its own fish files.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run.js';

let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

const NOTICE = "! XDG_CONFIG_HOME is not an absolute path (got 'rel'): ignored, as the XDG Base Directory spec says; openai-setup uses ~/.config in its place.\n";
const KEY = `sk-proj-${'A'.repeat(74)}T3BlbkFJ${'B'.repeat(74)}`;

describe('a relative XDG_CONFIG_HOME', () => {
  it('two folders, one config dir: the default; said once each run', async () => {
    root = mkdtempSync(join(tmpdir(), 'openai-setup-e2e-relxdg-'));
    const home = join(root, 'home');
    const [a, b] = [join(root, 'a'), join(root, 'b')];
    for (const dir of [home, a, b]) mkdirSync(dir);
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', XDG_CONFIG_HOME: 'rel', SHELL: '/usr/bin/fish' };

    const login = await runCli(['login', '--done'], { env, cwd: a });
    expect(login.code).toBe(0);
    expect(login.stderr).toBe(NOTICE);
    const payment = await runCli(['payment', '--done'], { env, cwd: b });
    expect(payment.code).toBe(0);
    expect(payment.stderr).toBe(NOTICE);

    expect(existsSync(join(a, 'rel'))).toBe(false);
    expect(existsSync(join(b, 'rel'))).toBe(false);
    const state = JSON.parse(readFileSync(join(home, '.config', 'openai-setup', 'state.json'), 'utf8'));
    expect(Object.keys(state.profiles.default.stages).sort()).toEqual(['login', 'payment']);
  });

  it('import looks in ~/.config/fish/config.fish, not in rel/fish/ of the folder it is run in', async () => {
    root = mkdtempSync(join(tmpdir(), 'openai-setup-e2e-relxdg-'));
    const home = join(root, 'home');
    const project = join(root, 'project');
    mkdirSync(join(project, 'rel', 'fish'), { recursive: true });
    writeFileSync(join(project, 'rel', 'fish', 'config.fish'), `set -gx OPENAI_API_KEY ${KEY}\n`);
    mkdirSync(join(home, '.config', 'fish'), { recursive: true });
    writeFileSync(join(home, '.config', 'fish', 'config.fish'), '# nothing here\n');
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', XDG_CONFIG_HOME: 'rel', SHELL: '/usr/bin/fish' };
    const result = await runCli(['import'], { env, cwd: project });
    expect(result.timedOut).toBe(false);
    expect(result.stdout).not.toContain('rel/fish');
    expect(result.stdout).toContain('No plaintext copy of an OpenAI key');
    expect(result.stderr).toBe(NOTICE);
    expect(result.code).toBe(0);
  });
});

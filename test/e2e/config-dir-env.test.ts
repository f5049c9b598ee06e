// The built binary with a config dir it would build from XDG_CONFIG_HOME or HOME holding a line
// break: refused in one line, exit 2, before any command that uses the config dir runs (with
// --json, the command's failure document on stdout too). Before, rotate's "another rotate is
// running" named its lock with the line break in it, forging a "✔ all good" line of output.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, type RunResult } from '../helpers/run.js';

let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

/** One line on stderr naming `variable`, exit 2, nothing on stdout, no trace of a bug. */
function expectRefused(result: RunResult, variable: string): void {
  expect(result.timedOut).toBe(false);
  expect(result.stdout).toBe('');
  expect(result.stderr).not.toMatch(/Unexpected error|\n\s+at /);
  expect(result.stderr.split('\n').filter(Boolean)).toEqual([
    expect.stringMatching(new RegExp(`^✖ ${variable}: must not contain line breaks or other control characters \\(got ".*/cfg\\\\x0a✔ all good"\\): .* Set OPENAI_SETUP_CONFIG_DIR to an absolute path without them\\.$`)),
  ]);
  expect(result.code).toBe(2);
}

describe('a config dir built from a variable with a line break in it', () => {
  it('XDG_CONFIG_HOME, with a rotate lock there (the reported case): refused, the lock left alone', async () => {
    root = mkdtempSync(join(tmpdir(), 'openai-setup-e2e-cfgdir-'));
    const config = join(root, 'cfg\n✔ all good');
    mkdirSync(join(config, 'openai-setup', 'rotate-default.lock'), { recursive: true });
    chmodSync(join(config, 'openai-setup'), 0o700);
    const result = await runCli(['rotate', '--yes'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root, XDG_CONFIG_HOME: config, LANG: 'C.UTF-8' } });
    expectRefused(result, 'XDG_CONFIG_HOME');
    expect(readdirSync(join(config, 'openai-setup'))).toEqual(['rotate-default.lock']);
  });

  it('HOME (no XDG_CONFIG_HOME): doctor refuses it the same way, and makes nothing', async () => {
    root = mkdtempSync(join(tmpdir(), 'openai-setup-e2e-cfgdir-'));
    const home = join(root, 'cfg\n✔ all good');
    mkdirSync(home);
    const result = await runCli(['doctor'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8' } });
    expectRefused(result, 'HOME');
    // Node's own compile cache (Node >= 22.1) may make ~/.cache at start, before any command runs;
    // nothing of openai-setup's is made.
    expect(readdirSync(home).filter((name) => name !== '.cache')).toEqual([]);
  });

  it('HOME, status --json: the failure document on stdout, the one line on stderr; completion still works', async () => {
    root = mkdtempSync(join(tmpdir(), 'openai-setup-e2e-cfgdir-'));
    const home = join(root, 'cfg\n✔ all good');
    mkdirSync(home);
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8' };
    const result = await runCli(['status', '--json'], { env });
    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(2);
    const doc = JSON.parse(result.stdout);
    expect(doc).toEqual({ ok: false, exitCode: 2, reason: 'usage', message: expect.stringMatching(/^HOME: must not contain line breaks/), fix: null, profile: null });
    expect(result.stderr).toBe(`✖ ${doc.message}\n`);
    const completion = await runCli(['completion', 'bash'], { env });
    expect(completion.code, completion.stderr).toBe(0);
    expect(completion.stdout).toMatch(/^# bash completion for openai-setup/);
    // Node's own compile cache (Node >= 22.1) may make ~/.cache at start; nothing of openai-setup's is made.
    expect(readdirSync(home).filter((name) => name !== '.cache')).toEqual([]);
  });
});

describe('a relative OPENAI_SETUP_CONFIG_DIR', () => {
  it('completion and open, which never use the config dir, still run (help and version too); status refuses it, exit 2; nothing is made', async () => {
    root = mkdtempSync(join(tmpdir(), 'openai-setup-e2e-cfgdir-'));
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root, OPENAI_SETUP_CONFIG_DIR: 'rel', LANG: 'C.UTF-8' };
    const completion = await runCli(['completion', 'bash'], { env });
    expect(completion.code, completion.stderr).toBe(0);
    expect(completion.stdout).toMatch(/^# bash completion for openai-setup/);
    expect(completion.stderr).not.toContain('OPENAI_SETUP_CONFIG_DIR');
    const open = await runCli(['open', 'keys', '--no-browser'], { env });
    expect(open.code, open.stderr).toBe(0);
    expect(open.stdout + open.stderr).toContain('https://platform.openai.com/api-keys');
    expect(open.stdout + open.stderr).not.toContain('OPENAI_SETUP_CONFIG_DIR');
    for (const args of [['--help'], ['--version'], ['completion', '--help']]) {
      const result = await runCli(args, { env });
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    }
    const status = await runCli(['status'], { env });
    expect(status.code).toBe(2);
    expect(status.stdout).toBe('');
    expect(status.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^✖ OPENAI_SETUP_CONFIG_DIR: must be an absolute path .*\(got "rel"\)\.$/)]);
    // Nothing made where the files would have gone (the current dir is HOME here).
    expect(readdirSync(root).filter((name) => name !== '.cache')).toEqual([]);
  });
});

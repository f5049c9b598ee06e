// A bad environment variable through the built binary: with --json the command's failure document
// on stdout (exit 2); without it the one-line error as before.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DoctorJsonSchema } from '../../src/commands/doctor.js';
import { CLI } from '../helpers/env.js';
import { makeKey } from '../helpers/openai-server.js';
import { runCommand } from '../helpers/run.js';

const home = mkdtempSync(join(tmpdir(), 'openai-setup-e2e-json-env-'));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, OPENAI_SETUP_CONFIG_DIR: join(home, 'config'), LANG: 'C.UTF-8', OPENAI_API_KEY: makeKey('proj', 'json-env') };
const cli = (args: string[], extra: Record<string, string>) => runCommand(process.execPath, [CLI, ...args], { env: { ...env, ...extra }, cwd: home });

afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('a bad environment variable', () => {
  it.each([
    [['verify', '--json'], { OPENAI_BASE_URL: 'notaurl' }, /^OPENAI_BASE_URL: must be an http/],
    [['doctor', '--json'], { OPENAI_SETUP_PROFILE: 'bad/x' }, /^OPENAI_SETUP_PROFILE: /],
    [['spend', '--json'], { OPENAI_SETUP_PROFILE: 'bad/x' }, /^OPENAI_SETUP_PROFILE: /],
  ] as const)('%j with --json: the failure document on stdout, exit 2', async (args, extra, message) => {
    const result = await cli([...args], { ...extra });
    expect(result.code, result.stderr).toBe(2);
    const doc = JSON.parse(result.stdout);
    expect(doc).toMatchObject({ ok: false, exitCode: 2, reason: 'usage' });
    expect(doc.message).toMatch(message);
    expect(result.stderr).toMatch(/✖ OPENAI_/);
  });

  it('without --json: one line on stderr and the fix under it, nothing on stdout, exit 2', async () => {
    const result = await cli(['verify'], { OPENAI_BASE_URL: 'notaurl' });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^✖ OPENAI_BASE_URL: must be an http/);
    expect(lines[1]).toMatch(/^ +Set it to an http:\/\/ or https:\/\/ URL \(like https:\/\/api\.openai\.com\/v1\), or unset it\.$/);
  });

  it('verify: a stray quote a .env line left at the end of OPENAI_BASE_URL is refused, the URL without it named (not sent to a path ending in %22)', async () => {
    const result = await cli(['verify'], { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1"' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^✖ OPENAI_BASE_URL: must not have quote marks around it \(got "http:\/\/127\.0\.0\.1:9\/v1""\)\.\n +Set it to http:\/\/127\.0\.0\.1:9\/v1, or unset it\.\n$/);
  });

  it.each(['api.openai.com/v1', '"https://api.openai.com/v1"'])('doctor with OPENAI_BASE_URL=%s: a failed OPENAI_BASE_URL row with the fix, the other checks run, exit 6 as for a bad proxy', async (value) => {
    for (const json of [true, false]) {
      const result = await cli(['doctor', ...(json ? ['--json'] : [])], { OPENAI_BASE_URL: value });
      expect(result.code, result.stdout + result.stderr).toBe(6);
      if (!json) {
        expect(result.stdout).toMatch(/✖ OPENAI_BASE_URL +must /);
        expect(result.stdout).toContain("export OPENAI_BASE_URL='https://api.openai.com/v1'");
        continue;
      }
      const doc = DoctorJsonSchema.parse(JSON.parse(result.stdout));
      expect(doc.exitCode).toBe(6);
      const row = doc.checks.find((c) => c.id === 'OPENAI_BASE_URL');
      expect(row).toMatchObject({ status: 'fail' });
      expect(row!.fix).toMatch(/Set it to https:\/\/api\.openai\.com\/v1: .*unset OPENAI_BASE_URL/);
      expect(doc.checks.map((c) => c.id)).toEqual(expect.arrayContaining(['node', 'OPENAI_API_KEY', 'proxy', 'api', 'verify']));
      expect(doc.checks.find((c) => c.id === 'api')).toMatchObject({ status: 'fail', detail: 'not tried: OPENAI_BASE_URL above is not a URL' });
    }
  });
});

describe('an OPENAI_BASE_URL that is no URL, for the commands that never use it', () => {
  const KEY = makeKey('proj', 'json-env-stored');
  const BAD = 'https://api.openai.com/v1"';
  const stored = { ...env, OPENAI_API_KEY: '' };

  it('token and run hand out the stored key (the child gets the variable as it was), logout removes it; verify still refuses it', async () => {
    const key = await runCommand(process.execPath, [CLI, 'key', '--stdin', '--insecure-storage', '--no-verify'], { env: stored, cwd: home, input: `${KEY}\n` });
    expect(key.code, key.stderr).toBe(0);

    const token = await cli(['token'], { ...stored, OPENAI_BASE_URL: BAD });
    expect(token.code, token.stderr).toBe(0);
    expect(token.stdout).toBe(`${KEY}\n`);
    expect(token.stderr).not.toContain('OPENAI_BASE_URL');

    const child = 'process.stdout.write(JSON.stringify([process.env.OPENAI_API_KEY, process.env.OPENAI_BASE_URL]))';
    const run = await cli(['run', '--', process.execPath, '-e', child], { ...stored, OPENAI_BASE_URL: BAD });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([KEY, BAD]);

    const verify = await cli(['verify'], { ...stored, OPENAI_BASE_URL: BAD });
    expect(verify.code).toBe(2);
    expect(verify.stderr).toBe('✖ OPENAI_BASE_URL: must not have quote marks around it (got "https://api.openai.com/v1"").\n  Set it to https://api.openai.com/v1, or unset it.\n');

    const logout = await cli(['logout', '--yes'], { ...stored, OPENAI_BASE_URL: BAD });
    expect(logout.code, logout.stderr).toBe(0);
    const after = await cli(['token'], stored);
    expect(after.code).toBe(2);
    expect(after.stderr).toMatch(/No key is stored for profile "default"/);
  });
});

// A bad environment variable through the built binary: with --json the command's failure document
// on stdout (exit 2); without it the one-line error as before.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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

  it('without --json: one line on stderr, nothing on stdout, exit 2', async () => {
    const result = await cli(['verify'], { OPENAI_BASE_URL: 'notaurl' });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^✖ OPENAI_BASE_URL: must be an http/);
  });
});

// Under npx (npm exec), npm writes the command line it runs, every word included, to a debug log in
// its cache that others may read. Whatever the run did with a key typed on that line (a usage error,
// a --profile refused, a key in a URL, verify --key), the built binary names the log, once, with
// the command that removes it; never the key.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { makeKey } from '../helpers/openai-server.js';
import { runCli } from '../helpers/run.js';

const KEY = makeKey('proj', 'e2e-npm-log');
const envs: TestEnv[] = [];
afterEach(async () => {
  for (const t of envs.splice(0)) await t.cleanup();
});

/** A machine whose npm cache holds the log of a run of `args` (as `npm exec -- openai-setup …` writes it). */
async function underNpx(args: string[]): Promise<{ t: TestEnv; log: string }> {
  const t = await makeTestEnv();
  envs.push(t);
  const cache = join(t.root, 'npm-cache');
  mkdirSync(join(cache, '_logs'), { recursive: true });
  const log = join(cache, '_logs', '2026-12-07T12_00_00_000Z-debug-0.log');
  writeFileSync(log, `8 verbose argv "exec" "--offline" "--" "openai-setup" ${args.map((a) => JSON.stringify(a)).join(' ')}\n`, { mode: 0o644 });
  Object.assign(t.env, { npm_command: 'exec', npm_config_cache: cache, OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' });
  return { t, log };
}

describe('a key typed on the command line under npx', () => {
  it.each([
    ['a key given as the command', [KEY], 2],
    ['a key given as the profile', ['--profile', KEY, 'status'], 2],
    ['a key in a --base-url', ['verify', '--base-url', `https://${KEY}@127.0.0.1:9/v1`], 2],
    ['a key after an unknown option', ['verify', '--nope', KEY], 2],
  ])('%s: npm\'s log is named, once, with the command that removes it', async (_name, args, code) => {
    const { t, log } = await underNpx(args as string[]);
    const r = await runCli(args as string[], { env: t.env });
    expect(r.code).toBe(code);
    const notice = `! npm wrote this command line, the key included, to its log ${log}, which others on this machine may read; remove it:  rm -- ${log}`;
    expect(r.stderr.split('\n').filter((line) => line.includes('npm wrote'))).toEqual([notice]);
    expect(r.stdout + r.stderr).not.toContain(KEY.slice(8, 40));
  });

  it('verify --key KEY --quiet: named once, after the check', async () => {
    const args = ['verify', '--key', KEY, '--quiet', '--timeout', '2'];
    const { t, log } = await underNpx(args);
    const r = await runCli(args, { env: t.env });
    expect(r.stderr.split('\n').filter((line) => line.includes('npm wrote'))).toEqual([expect.stringContaining(`rm -- ${log}`)]);
    expect(r.stdout + r.stderr).not.toContain(KEY.slice(8, 40));
  });

  it('a run without npm says nothing of it', async () => {
    const { t } = await underNpx([KEY]);
    delete t.env.npm_command;
    const r = await runCli([KEY], { env: t.env });
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('npm wrote');
  });

  it("a value run's command takes (`--password-file PATH`, masked as a secret) is no key: nothing said of npm's log", async () => {
    const args = ['run', 'true', '--password-file', '/srv/config/production.json'];
    const { t } = await underNpx(args);
    // No key stored here: run ends at once (exit 2), as it would after the child.
    const r = await runCli(args, { env: t.env });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('No key is stored');
    expect(r.stderr).not.toContain('npm wrote');
  });
});

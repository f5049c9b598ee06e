// The built binary: `use NAME` of a name no profile has (a typo) is refused in one line naming the
// profiles there are (exit 2), the default left as it was, so that `token`, `run` and `env` without
// --profile still hand out its key; a profile whose key the keychain holds with no record of it
// still counts. With a real gnome-keyring (its entries listed as the Secret Service lists them),
// and where none runs (no session bus), where the key file alone is looked at.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { makeKey } from '../helpers/openai-server.js';
import { runCli } from '../helpers/run.js';
import { useServerAndKeyring } from '../helpers/server-and-keyring.js';

const WORK = makeKey('proj', 'use-unknown-work');
const OTHER = makeKey('proj', 'use-unknown-other');

const { machine } = useServerAndKeyring();

const refusal = (name: string, profiles: string, current: string, flags = '') =>
  `✖ No profile "${name}" exists (profiles: ${profiles}), so the default stays "${current}"; a new profile is made by storing its key (pipe the key in, in place of …): \`… | openai-setup key --profile ${name} --stdin${flags}\`.\n`;

describe('use NAME with the keychain', () => {
  it('a typo is refused (exit 2, one line) and the default keeps its key; a key in the keychain with no record counts', async () => {
    const t = await machine();
    const stored = await runCli(['key', '--stdin', '--no-verify', '--profile', 'work'], { env: t.env, input: WORK });
    expect(stored.code, stored.stderr).toBe(0);
    expect((await runCli(['use', 'work'], { env: t.env })).code).toBe(0);

    const typo = await runCli(['use', 'nosuch'], { env: t.env });
    expect(typo.code).toBe(2);
    expect(typo.stdout).toBe('');
    expect(typo.stderr).toBe(refusal('nosuch', 'work', 'work'));
    // Nothing changed: a command without --profile still acts on work.
    expect((await runCli(['token'], { env: t.env })).stdout).toBe(`${WORK}\n`);
    expect((await runCli(['profiles', '--names'], { env: t.env })).stdout).toBe('work\n');

    // The progress file gone (the config dir removed): the key in the keychain makes "work" a profile.
    const other = await runCli(['key', '--stdin', '--no-verify', '--profile', 'other'], { env: t.env, input: OTHER });
    expect(other.code, other.stderr).toBe(0);
    rmSync(join(t.configDir, 'state.json'));
    const chosen = await runCli(['use', 'other'], { env: t.env });
    expect(chosen.code, chosen.stderr).toBe(0);
    expect(chosen.stdout).toContain('✔ "other" is now the default profile (it was "default").');
    expect((await runCli(['token'], { env: t.env })).stdout).toBe(`${OTHER}\n`);
    expect((await runCli(['use', 'nosuch'], { env: t.env })).stderr).toBe(refusal('nosuch', 'other, work', 'other'));
  });
});

describe('use NAME where no keychain runs (no session bus)', () => {
  let t: TestEnv | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  it('the key file alone is looked at: a typo refused, naming the --insecure-storage way to make one', async () => {
    t = await makeTestEnv();
    const stored = await runCli(['key', '--stdin', '--no-verify', '--insecure-storage', '--profile', 'work'], { env: t.env, input: WORK });
    expect(stored.code, stored.stderr).toBe(0);
    expect((await runCli(['use', 'work'], { env: t.env })).code).toBe(0);
    const typo = await runCli(['use', 'nosuch'], { env: t.env });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe(refusal('nosuch', 'work', 'work', ' --insecure-storage'));
    expect((await runCli(['token'], { env: t.env })).stdout).toBe(`${WORK}\n`);
    expect((await runCli(['profiles', '--names'], { env: t.env })).stdout).toBe('work\n');
  });
});

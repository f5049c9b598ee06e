// The built binary and a real gnome-keyring: `status -p NAME` for a profile that exists nowhere says
// so first, naming the profiles there are (the keyring's entries listed by name for one no record
// knows), then the status as ever; a profile whose key the keyring holds with no record of it (the
// config dir removed) is one, nothing said. With --json, said in the document (`unknownProfile`).
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeKey } from '../helpers/openai-server.js';
import { runCli } from '../helpers/run.js';
import { useServerAndKeyring } from '../helpers/server-and-keyring.js';

const KEY = makeKey('proj', 'status-unknown-profile');

const { server, machine } = useServerAndKeyring((openai) => {
  openai.addKey(KEY, 'valid');
});

describe('status --profile for a profile that exists nowhere', () => {
  it('one line naming the profiles there are, nothing made; a profile only the keyring knows is shown, nothing said', async () => {
    const t = await machine();
    const stored = await runCli(['key', '--stdin', '--profile', 'work', '--base-url', server().baseURL], { env: t.env, input: KEY });
    expect(stored.code, stored.stderr).toBe(0);
    // The progress file gone: "work" is known by its keyring entry alone.
    rmSync(join(t.configDir, 'state.json'));

    const typo = await runCli(['status', '--profile', 'wrok'], { env: t.env });
    expect(typo.code, typo.stderr).toBe(0);
    expect(typo.stderr).toContain('! No profile "wrok" exists (profiles: default, work): what follows is for a new profile of that name, which its steps would make.\n');
    expect(typo.stdout).toContain('openai-setup status · profile wrok');
    expect(existsSync(join(t.configDir, 'state.json'))).toBe(false);
    // --json: said in the document, stdout that one document alone, exit 0.
    const typoJson = await runCli(['status', '--profile', 'wrok', '--json'], { env: t.env });
    expect(typoJson.code, typoJson.stderr).toBe(0);
    expect(JSON.parse(typoJson.stdout)).toMatchObject({ profile: 'wrok', unknownProfile: { name: 'wrok', profiles: ['default', 'work'] } });
    expect(typoJson.stderr).not.toContain('No profile');

    const work = await runCli(['status', '--profile', 'work'], { env: t.env });
    expect(work.code, work.stderr).toBe(0);
    expect(work.stdout).toContain('openai-setup status · profile work');
    expect(work.stderr).not.toContain('No profile');
    const workJson = await runCli(['status', '--profile', 'work', '--json'], { env: t.env });
    expect(workJson.code, workJson.stderr).toBe(0);
    expect(JSON.parse(workJson.stdout)).toMatchObject({ profile: 'work', unknownProfile: null });
  });
});

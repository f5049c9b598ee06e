// `verify` of the stored key while, in another shell, `key --stdin` stores another key for the
// profile: the built binary, a real Secret Service, and the local server holding verify's check
// until the other run is done. The old key's check used to be recorded as the profile's last check,
// over the one `key` made of the new key; now it is not recorded, and verify says so.
import { describe, expect, it } from 'vitest';
import { maskKey } from '../../src/keys/format.js';
import { makeKey } from '../helpers/openai-server.js';
import { runCli } from '../helpers/run.js';
import { useServerAndKeyring } from '../helpers/server-and-keyring.js';
import { until } from '../helpers/until.js';

const OLD = makeKey('proj', 'e2e-replaced-during-check-old');
const NEW = makeKey('proj', 'e2e-replaced-during-check-new');

const world = useServerAndKeyring((server) => {
  server.addKey(OLD, { scenario: 'valid' });
  server.addKey(NEW, { scenario: 'valid' });
});

describe('verify, the stored key replaced by another run during its check', () => {
  it('is not recorded over the new key\'s check, and says so (--json: notRecorded)', async () => {
    const t = await world.machine();
    const stored = await runCli(['key', '--stdin', '--no-verify'], { env: t.env, input: `${OLD}\n` });
    expect(stored.code, stored.stderr).toBe(0);
    const release = world.server().holdAnswers(OLD);
    try {
      const verifying = runCli(['verify', '--json'], { env: t.env, timeoutMs: 60_000 });
      // Its check has reached the server, which holds it: the other shell stores NEW, checked.
      await until(() => world.server().requestsFor(OLD).length > 0);
      const replaced = await runCli(['key', '--stdin'], { env: t.env, input: `${NEW}\n`, timeoutMs: 60_000 });
      expect(replaced.code, replaced.stderr).toBe(0);
      release();
      const verified = await verifying;
      expect(verified.code, verified.stderr).toBe(0);
      const said = `Profile "default" stores another key now (${maskKey(NEW)}, stored in place of ${maskKey(OLD)} while it was checked): this check of ${maskKey(OLD)} was not recorded.`;
      expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, key: { hint: maskKey(OLD) }, notRecorded: said });
      expect(verified.stderr).toContain(`! ${said}\n`);
    } finally {
      release();
    }
    const profiles = await runCli(['profiles', '--json'], { env: t.env });
    expect(profiles.code, profiles.stderr).toBe(0);
    expect(JSON.parse(profiles.stdout).profiles).toEqual([expect.objectContaining({ name: 'default', key: expect.objectContaining({ hint: maskKey(NEW) }), lastVerify: expect.objectContaining({ keyHint: maskKey(NEW), ok: true }) })]);
  });
});

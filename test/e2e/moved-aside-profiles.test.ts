// The built binary and a real gnome-keyring: `profiles` fails on a damaged state.json, advising
// `use NAME`, which moves the file aside and its key records with it. Then `profiles` lists both
// profiles by the keys the keychain holds (its entries listed as the Secret Service lists them),
// never "no key", and so does `profiles --names` (shell completion); `key` says which key it
// replaces in the keychain.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeKey } from '../helpers/openai-server.js';
import { runCli } from '../helpers/run.js';
import { useServerAndKeyring } from '../helpers/server-and-keyring.js';

const PA = makeKey('proj', 'moved-aside-pa');
const PB = makeKey('proj', 'moved-aside-pb');
const NEW = makeKey('proj', 'moved-aside-new');
const ADMIN = makeKey('admin', 'moved-aside-admin');
const hint = (key: string) => `sk-proj-…${key.slice(-4)}`;

const { machine } = useServerAndKeyring((openai) => openai.admin.addAdminKey(ADMIN));

describe('profiles after following its own advice for a damaged state.json', () => {
  it('lists every profile by its key in the keychain; key names the key it replaces', async () => {
    const t = await machine();
    for (const [profile, key] of [['pa', PA], ['pb', PB]] as const) {
      const stored = await runCli(['key', '--stdin', '--no-verify', '--profile', profile], { env: t.env, input: key });
      expect(stored.code, stored.stderr).toBe(0);
    }
    appendFileSync(join(t.configDir, 'state.json'), 'garbage');
    const refused = await runCli(['profiles'], { env: t.env });
    expect(refused.code).toBe(7);
    expect(refused.stderr).toContain('Choosing the default profile again moves it aside:  openai-setup use NAME');
    expect((await runCli(['use', 'pa'], { env: t.env })).code).toBe(0);

    const listed = await runCli(['profiles'], { env: t.env });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^\\* +pa +${hint(PA)} \\(keychain\\) +— +never$`, 'm'));
    expect(listed.stdout).toMatch(new RegExp(`^ +pb +${hint(PB)} \\(keychain\\) +— +never$`, 'm'));
    expect(listed.stdout).not.toContain('no key');
    expect(listed.stdout).toContain('○ A damaged progress file was moved aside (to ');
    // Shell completion reads --names: the same profiles, by the keyring's entries.
    const names = await runCli(['profiles', '--names'], { env: t.env });
    expect(names.code, names.stderr).toBe(0);
    expect(names.stdout).toBe('pa\npb\n');

    const replaced = await runCli(['key', '--stdin', '--no-verify', '--profile', 'pb'], { env: t.env, input: NEW });
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stdout.replace(/\s+/g, ' ')).toContain(`This replaces ${hint(PB)} for profile "pb". That key may still work until you revoke it on the API keys page`);
    expect(listed.stdout + replaced.stdout + replaced.stderr).not.toContain(PB);
  });

  it('status shows the admin key the keychain holds as well as the key, as spend finds it', async () => {
    const t = await machine();
    expect((await runCli(['key', '--stdin', '--no-verify', '--profile', 'work'], { env: t.env, input: PA })).code).toBe(0);
    const admin = await runCli(['admin-key', '--stdin', '--profile', 'work'], { env: t.env, input: ADMIN });
    expect(admin.code, admin.stderr).toBe(0);
    appendFileSync(join(t.configDir, 'state.json'), 'garbage');
    expect((await runCli(['use', 'work'], { env: t.env })).code).toBe(0);
    const status = await runCli(['status', '--profile', 'work'], { env: t.env });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`✔ Key ${hint(PA)} in the Secret Service keyring`);
    expect(status.stdout).toContain(`✔ Admin key sk-admin-…${ADMIN.slice(-4)} in the Secret Service keyring (for rotate and spend)`);
    expect(status.stdout + status.stderr).not.toContain(ADMIN);
  });
});

// The built binary, a real gnome-keyring and the local OpenAI-like server: a key stored with
// --insecure-storage where no keychain runs (over SSH) while the older key is in the keychain. Back
// where the keychain runs, every command hands out the key the progress file records (the new
// one), the old copy is named as a leftover, and what that names removes it.
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeKey } from '../helpers/openai-server.js';
import { runCli, runCommand } from '../helpers/run.js';
import { useServerAndKeyring } from '../helpers/server-and-keyring.js';

const K1 = makeKey('proj', 'key-record-old');
const K2 = makeKey('proj', 'key-record-new');
const hint = (key: string) => `sk-proj-…${key.slice(-4)}`;

const { server, keyring, machine } = useServerAndKeyring((openai) => {
  openai.addKey(K1, 'valid');
  openai.addKey(K2, 'valid');
});

describe('a key stored in the file over SSH, the older one left in the keychain', () => {
  it('status, token, run, env, verify and doctor all use the recorded key; the leftover is named, and the command named removes it', async () => {
    const desktop = await machine();
    // Over SSH: no session bus, so no Secret Service.
    const ssh = { ...desktop.env };
    delete ssh.DBUS_SESSION_BUS_ADDRESS;
    const base = ['--profile', 'p6', '--base-url', server().baseURL];

    const first = await runCli(['key', '--stdin', ...base], { env: desktop.env, input: K1 });
    expect(first.code, first.stderr).toBe(0);
    const second = await runCli(['key', '--stdin', '--insecure-storage', ...base], { env: ssh, input: K2 });
    expect(second.code, second.stderr).toBe(0);
    const again = 'openai-setup token --profile p6 | openai-setup key --profile p6 --stdin --insecure-storage --no-verify';
    expect(second.stderr).toContain(
      `! ${hint(K1)}, the key of profile "p6" stored before, could not be removed from the Secret Service keyring (it is not running here): it stays there, not used, as the new key in the file is the one recorded. Where the Secret Service keyring can be reached (your desktop session), storing the key again removes it:  ${again}\n`,
    );
    expect(await keyring().lookup('openai-setup', 'p6')).toBe(K1);

    const status = await runCli(['status', '--profile', 'p6'], { env: desktop.env });
    expect(status.stdout).toContain(`! Key ${hint(K2)} in plain text`);

    const file = `${desktop.configDir}/credentials.json`;
    const stale = `! The Secret Service keyring also holds ${hint(K1)} as the key of profile "p6", a leftover that is not the key recorded (${hint(K2)}, in the plain-text file ${file}), so it is not used. Storing the recorded key again removes it:  ${again}`;

    const token = await runCli(['token', '--profile', 'p6'], { env: desktop.env });
    expect(token.code, token.stderr).toBe(0);
    expect(token.stdout).toBe(`${K2}\n`);
    expect(token.stderr).toContain(`${stale}\n`);

    const run = await runCli(['run', '--profile', 'p6', '--', 'sh', '-c', 'printf %s "$OPENAI_API_KEY" | tail -c 4'], { env: desktop.env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(K2.slice(-4));

    const env = await runCli(['env', '--profile', 'p6'], { env: desktop.env });
    expect(env.code, env.stderr).toBe(0);
    // It writes the key into .env (here, in HOME).
    expect(env.stdout).toContain(`Wrote OPENAI_API_KEY (${hint(K2)}, profile "p6")`);

    const before = server().requestsFor(K1).length;
    const verify = await runCli(['verify', '--json', ...base], { env: desktop.env });
    expect(verify.code, verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout).key).toMatchObject({ source: 'file', hint: hint(K2) });
    const doctor = await runCli(['doctor', '--profile', 'p6'], { env: desktop.env, timeoutMs: 30_000 });
    expect(doctor.stderr).toContain(`${stale}\n`);
    expect(server().requestsFor(K1).length).toBe(before);

    // What it says to run, as a shell runs it (openai-setup is on PATH, as installed): the leftover
    // goes, saying so; the recorded key stays where it is, and nothing is named stale any more.
    const cleaned = await runCommand('sh', ['-c', again], { env: desktop.env, timeoutMs: 30_000 });
    expect(cleaned.code, cleaned.stderr).toBe(0);
    expect(cleaned.stderr).toContain(`! Removed a leftover from the Secret Service keyring: ${hint(K1)}, another key than the one recorded as the key of profile "p6".\n`);
    expect(await keyring().lookup('openai-setup', 'p6')).toBeNull();
    const after = await runCli(['token', '--profile', 'p6'], { env: desktop.env });
    expect(after.stdout).toBe(`${K2}\n`);
    expect(after.stderr).not.toContain('leftover');
  }, 120_000);

  it('logout over SSH says the keychain could not be checked for a copy, and where to run what; run there, it removes it', async () => {
    const desktop = await machine();
    const ssh = { ...desktop.env };
    delete ssh.DBUS_SESSION_BUS_ADDRESS;
    expect((await runCli(['key', '--stdin', '--no-verify', '--profile', 'p7'], { env: desktop.env, input: K1 })).code).toBe(0);
    expect((await runCli(['key', '--stdin', '--insecure-storage', '--no-verify', '--profile', 'p7'], { env: ssh, input: K2 })).code).toBe(0);
    const out = await runCli(['logout', '--yes', '--profile', 'p7'], { env: ssh });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain(`✔ Removed ${hint(K2)} from ${desktop.configDir}/credentials.json.`);
    expect(out.stderr).toContain(
      '! The Secret Service keyring is not running here, so whether it holds a copy of a key of profile "p7" could not be checked, nor such a copy removed: run `openai-setup logout --profile p7` where it is (your desktop session).\n',
    );
    const there = await runCli(['logout', '--yes', '--profile', 'p7'], { env: desktop.env });
    expect(there.code, there.stderr).toBe(0);
    expect(there.stdout).toContain(`✔ Removed ${hint(K1)} from the Secret Service keyring.`);
    expect(await keyring().lookup('openai-setup', 'p7')).toBeNull();
  }, 60_000);

  it('logout over SSH of the default profile: the retry it prints names --profile (run as printed, it would remove "default"\'s key), and works at the desktop', async () => {
    const desktop = await machine();
    const ssh = { ...desktop.env };
    delete ssh.DBUS_SESSION_BUS_ADDRESS;
    const K0 = makeKey('proj', 'key-record-default');
    expect((await runCli(['key', '--stdin', '--no-verify'], { env: desktop.env, input: K0 })).code).toBe(0);
    expect((await runCli(['key', '--stdin', '--no-verify', '--profile', 'tmp2'], { env: desktop.env, input: K1 })).code).toBe(0);
    expect((await runCli(['use', 'tmp2'], { env: desktop.env })).code).toBe(0);
    expect((await runCli(['key', '--stdin', '--insecure-storage', '--no-verify', '--profile', 'tmp2'], { env: ssh, input: K2 })).code).toBe(0);
    const out = await runCli(['logout', '--yes', '--profile', 'tmp2'], { env: ssh });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain('"default" is the default profile again (it was "tmp2").');
    const printed = /run `([^`]*)` where it is \(your desktop session\)/.exec(out.stderr)?.[1];
    expect(printed, out.stderr).toBe('openai-setup logout --profile tmp2');
    expect(out.stdout).toContain('✔ Removed profile "tmp2": nothing of it is stored here now (the Secret Service keyring is not running in this session), and');
    // Run where it says, as printed (--yes: no terminal here): tmp2's copy goes, "default"'s key stays.
    const there = await runCli([...printed!.split(' ').slice(1), '--yes'], { env: desktop.env });
    expect(there.code, there.stderr).toBe(0);
    expect(there.stdout).toContain(`✔ Removed ${hint(K1)} from the Secret Service keyring.`);
    expect(await keyring().lookup('openai-setup', 'tmp2')).toBeNull();
    expect(await keyring().lookup('openai-setup', 'default')).toBe(K0);
  }, 60_000);

  it('the file recorded no longer holds it, without a terminal: the keychain\'s other key is named with a pipe into `key --stdin` (a bare `key` would ask and fail), which works as printed', async () => {
    const desktop = await machine();
    const ssh = { ...desktop.env };
    delete ssh.DBUS_SESSION_BUS_ADDRESS;
    expect((await runCli(['key', '--stdin', '--no-verify', '--profile', 'p8'], { env: desktop.env, input: K1 })).code).toBe(0);
    expect((await runCli(['key', '--stdin', '--insecure-storage', '--no-verify', '--profile', 'p8'], { env: ssh, input: K2 })).code).toBe(0);
    writeFileSync(`${desktop.configDir}/credentials.json`, JSON.stringify({ version: 1, keys: {} }), { mode: 0o600 });
    const token = await runCli(['token', '--profile', 'p8'], { env: desktop.env });
    expect(token.code).toBe(2);
    const said = `! The Secret Service keyring holds ${hint(K1)} as the key of profile "p8", which is not the key recorded (${hint(K2)}, to be in the plain-text file ${desktop.configDir}/credentials.json, which no longer holds it), so it is not used. Storing the key again replaces it (pipe the key in, in place of …):  `;
    expect(token.stderr).toContain(`${said}… | openai-setup key --profile p8 --stdin\n`);
    // As printed, the key piped in where it says: stored, and named stale no more.
    const command = token.stderr.split(said)[1]!.split('\n')[0]!.replace(/^… /, 'cat ');
    const stored = await runCommand('sh', ['-c', command], { env: desktop.env, input: K2, timeoutMs: 30_000 });
    expect(stored.code, stored.stderr).toBe(0);
    const after = await runCli(['token', '--profile', 'p8'], { env: desktop.env });
    expect(after.stdout).toBe(`${K2}\n`);
    expect(after.stderr).toBe('');
  }, 60_000);
});

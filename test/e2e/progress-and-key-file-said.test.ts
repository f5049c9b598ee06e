// The built binary and a real gnome-keyring: what status, profiles and doctor say agrees with what
// the commands that hand out keys do. A config dir or progress file those commands refuse (exit 7)
// is a failed doctor check with its fix, which works as printed; a damaged or empty key file is
// "not known" in status and profiles, as token finds it; a key in the keychain that the progress
// file does not record is not said to be "not stored" by status, which reads no keychain, and doctor,
// which it names, records it; with no keychain reachable status names the key file's way instead.
import { execFileSync } from 'node:child_process';
import { chmodSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DoctorJsonSchema } from '../../src/commands/doctor.js';
import { StatusJsonSchema } from '../../src/commands/status.js';
import { makeKey } from '../helpers/openai-server.js';
import { runCli, runCommand } from '../helpers/run.js';
import { useServerAndKeyring } from '../helpers/server-and-keyring.js';

const KEY = makeKey('proj', 'progress-said');
const HINT = `sk-proj-…${KEY.slice(-4)}`;

const { machine } = useServerAndKeyring((server) => server.addKey(KEY, 'valid'));

/** A machine with KEY stored in the keychain for profile default, as `key` stores it. */
async function stored() {
  const t = await machine();
  const key = await runCli(['key', '--stdin', '--no-verify'], { env: t.env, input: KEY });
  expect(key.code, key.stderr).toBe(0);
  return t;
}

/** The `… ` command doctor's Progress file check names, run as printed (bash), from its fix line. */
function runFix(fix: string, pattern: RegExp): void {
  const command = pattern.exec(fix)?.[1];
  expect(command, fix).toBeDefined();
  execFileSync('bash', ['-c', command!]);
}

describe('doctor: a config dir or progress file the key commands refuse is a failed check', () => {
  it('config dir others can change (0777): ✖ Progress file, exit 7 (and --json), the chmod works, then all is well', async () => {
    const t = await stored();
    chmodSync(t.configDir, 0o777);
    const run = await runCli(['run', '--', 'true'], { env: t.env });
    expect(run.code).toBe(7);

    const doctor = await runCli(['doctor'], { env: t.env });
    expect(doctor.code, doctor.stdout).toBe(7);
    expect(doctor.stdout).toContain(`✖ Progress file       ${t.configDir} can be changed by other users (mode 0777), so openai-setup does not trust it: nothing can be saved, and token, run and env hand out no key without --profile or OPENAI_SETUP_PROFILE (it records the default profile)\n`);
    expect(doctor.stdout).not.toContain('Everything needed works');
    expect(doctor.stdout).toContain('✖ 1 problem');
    // Said as the check, not also on stderr.
    expect(doctor.stderr).not.toContain('Saved progress is not used');

    const json = DoctorJsonSchema.parse(JSON.parse((await runCli(['doctor', '--json'], { env: t.env })).stdout));
    expect(json).toMatchObject({ ok: false, exitCode: 7 });
    const check = json.checks.find((c) => c.id === 'progress-file');
    expect(check).toMatchObject({ status: 'fail', fix: `Fix it with \`chmod 700 '${t.configDir}'\`.` });

    runFix(check!.fix!, /`(chmod [^`]+)`/);
    const after = await runCli(['doctor'], { env: t.env });
    expect(after.code, after.stdout).toBe(0);
    expect(after.stdout).not.toContain('Progress file');
    expect((await runCli(['run', '--', 'true'], { env: t.env })).code).toBe(0);
  });

  it('state.json a FIFO: ✖ Progress file, exit 7, and the rm it prints works', async () => {
    const t = await stored();
    const state = join(t.configDir, 'state.json');
    rmSync(state);
    execFileSync('mkfifo', [state]);
    expect((await runCli(['token'], { env: t.env })).code).toBe(7);
    const doctor = await runCli(['doctor'], { env: t.env });
    expect(doctor.code, doctor.stdout).toBe(7);
    expect(doctor.stdout).toContain(`✖ Progress file       ${state} is a FIFO (named pipe), not a regular file, so it is not read: nothing can be saved`);
    const fix = doctor.stdout.split('\n').find((line) => line.includes('→ Remove it (rm '))!;
    runFix(fix, /\((rm '[^']+')\)/);
    expect((await runCli(['doctor'], { env: t.env })).code).toBe(0);
  });

  it('the config dir a plain file: ✖ Progress file, exit 7', async () => {
    const t = await stored();
    renameSync(t.configDir, `${t.configDir}.moved`);
    writeFileSync(t.configDir, 'not a dir\n');
    expect((await runCli(['env'], { env: t.env })).code).toBe(7);
    const doctor = await runCli(['doctor', '--json'], { env: t.env });
    expect(doctor.code).toBe(7);
    const json = DoctorJsonSchema.parse(JSON.parse(doctor.stdout));
    expect(json.ok).toBe(false);
    expect(json.checks.find((c) => c.id === 'progress-file')?.status).toBe('fail');
  });

  it('state.json damaged: doctor, whose live check records and so moves it aside, says it moved it (! Progress file, no fix, not exit 7); `use` chooses the default again, and token works again', async () => {
    const t = await stored();
    writeFileSync(join(t.configDir, 'state.json'), '{"version":1,');
    expect((await runCli(['token'], { env: t.env })).code).toBe(7);
    const doctor = await runCli(['doctor'], { env: t.env });
    expect(doctor.code, doctor.stdout).not.toBe(7);
    expect(doctor.stdout).toMatch(/^! Progress file +The progress file \S+state\.json was damaged \(not valid JSON: it ends too soon, as if cut short\): this run moved it aside to \S+state\.json\.bak-\S+, and progress starts afresh/m);
    expect(doctor.stdout).not.toContain('Choose the default profile again');
    // Said once, in the row: not also by the progress store on stderr (other commands still say it there).
    expect(doctor.stderr).not.toContain('moved');
    expect((await runCli(['doctor'], { env: t.env })).stdout).not.toContain('Progress file');
    // The file named the default profile: none is guessed.
    expect((await runCli(['use', 'default'], { env: t.env })).code).toBe(0);
    const token = await runCli(['token'], { env: t.env });
    expect(token.code, token.stderr).toBe(0);
    expect(token.stdout.trim()).toBe(KEY);
    // Another command that moves a damaged file aside says so itself, on stderr.
    writeFileSync(join(t.configDir, 'state.json'), '{"version":1,');
    const use = await runCli(['use', 'default'], { env: t.env });
    expect(use.code, use.stderr).toBe(0);
    expect(use.stderr).toMatch(/state\.json was damaged \(.*\); it was moved to \S+state\.json\.bak-\S+ and progress starts afresh\./);
  });
});

describe('status and profiles: a damaged or empty key file is not shown as holding the key', () => {
  for (const [kind, content] of [
    ['cut short', '{"version":1,"keys":{"ins":'],
    ['empty', ''],
  ] as const) {
    it(`${kind}: "not known", with the rm and key that fix it (as token refuses it)`, async () => {
      const t = await machine();
      const key = await runCli(['key', '--stdin', '--insecure-storage', '--no-verify', '--profile', 'ins'], { env: t.env, input: KEY });
      expect(key.code, key.stderr).toBe(0);
      const file = join(t.configDir, 'credentials.json');
      writeFileSync(file, content);
      const token = await runCli(['token', '--profile', 'ins'], { env: t.env });
      expect(token.code).toBe(7);
      expect(token.stderr).toContain('is damaged');

      const status = await runCli(['status', '--profile', 'ins'], { env: t.env });
      expect(status.code).toBe(0);
      expect(status.stdout).not.toContain('in plain text:');
      expect(status.stdout).toContain(
        `! Key not known: ${join(t.configDir, 'state.json')} records ${HINT} in plain text for profile "ins", but ${file} is damaged; remove it (\`rm -- '${file}'\`): every key in it is lost with it, other profiles' too (copy yours out first if you can still read it there); then store the key of profile "ins" again (pipe the key in, in place of …) with \`… | openai-setup key --profile ins --stdin --insecure-storage\`\n`,
      );
      const json = StatusJsonSchema.parse(JSON.parse((await runCli(['status', '--profile', 'ins', '--json'], { env: t.env })).stdout));
      expect(json.key).toMatchObject({ storage: 'unknown', hint: null });

      const profiles = await runCli(['profiles'], { env: t.env });
      expect(profiles.code).toBe(0);
      expect(profiles.stdout).toMatch(/^ +ins +not known /m);
      expect(profiles.stdout).not.toContain('(plain-text file)');
      expect(profiles.stdout).toContain(`! Key of profile "ins" not known: `);

      // The fix as printed (no terminal here: the key piped in, in place of …): the file goes, and
      // the key stored again is shown, in the file it was kept in.
      execFileSync('bash', ['-c', /`(rm -- [^`]+)`/.exec(status.stdout)![1]!]);
      const again = /again \(pipe the key in, in place of …\) with `… \| openai-setup ([^`]+)`/.exec(status.stdout)![1]!.split(' ');
      expect(again).toEqual(['key', '--profile', 'ins', '--stdin', '--insecure-storage']);
      expect((await runCli([...again, '--no-verify'], { env: t.env, input: KEY })).code).toBe(0);
      expect((await runCli(['status', '--profile', 'ins'], { env: t.env })).stdout).toContain(`! Key ${HINT} in plain text: ${file}\n`);
    });
  }
});

describe('status: a key in the keychain the progress file does not record', () => {
  it('the config dir removed: not "No key stored" (doctor and token find it), but none recorded, naming doctor, which records it', async () => {
    const t = await stored();
    rmSync(t.configDir, { recursive: true });
    expect((await runCli(['token'], { env: t.env })).stdout.trim()).toBe(KEY);

    const status = await runCli(['status'], { env: t.env });
    expect(status.code).toBe(0);
    expect(status.stdout).not.toContain('No key stored');
    expect(status.stdout).toContain('○ No key recorded for this profile (`openai-setup doctor` looks in the Secret Service keyring and records a key it finds there): store one (pipe the key in, in place of …) with `… | openai-setup key --stdin`\n');
    const profiles = await runCli(['profiles'], { env: t.env });
    expect(profiles.stdout).toMatch(/^\* +default +none recorded /m);
    expect(profiles.stdout).toContain('"none recorded": the progress file records no key for it, and this list reads no keychain; `openai-setup doctor --profile NAME` looks in the Secret Service keyring.');
    // Where status sends people: it finds the key, and records it; status then shows it.
    const doctor = await runCli(['doctor'], { env: t.env });
    expect(doctor.stdout).toContain(`! Stored key          ${HINT} in the Secret Service keyring (profile default); ${join(t.configDir, 'state.json')} had no record of it: recorded now\n`);
    const after = await runCli(['status'], { env: t.env });
    expect(after.stdout).toContain(`✔ Key ${HINT} in the Secret Service keyring\n`);
    expect(after.stdout).not.toContain('No key');
    expect((await runCli(['doctor'], { env: t.env })).stdout).toContain(`✔ Stored key          ${HINT} in the Secret Service keyring (profile default)\n`);
  });
});

describe('status with no keychain reachable (no session bus)', () => {
  it('names none, and the --insecure-storage way, which works as printed', async () => {
    const t = await machine({ DBUS_SESSION_BUS_ADDRESS: undefined });
    const status = await runCli(['status', '--profile', 'work'], { env: t.env });
    expect(status.code).toBe(0);
    expect(status.stdout).not.toContain('Secret Service keyring and records');
    expect(status.stdout).toContain(
      '○ No key recorded for this profile. (No Secret Service keyring is running on this machine (common over SSH, in containers and on WSL), so the key cannot go into a keychain.) Keep one in a file only you can read (pipe the key in, in place of …):  … | openai-setup key --profile work --stdin --insecure-storage\n',
    );
    // As printed, the key piped in in place of …, as a script does (no terminal here); checked at
    // the local server (in this process: the run is waited for without blocking it).
    const command = /:  (… \| openai-setup key [^\n]+)\n/.exec(status.stdout)![1]!.replace('…', `printf '%s\\n' ${KEY}`);
    const stored = await runCommand('bash', ['-c', command], { env: t.env });
    expect(stored.code, stored.stderr).toBe(0);
    expect((await runCli(['status', '--profile', 'work'], { env: t.env })).stdout).toContain(`! Key ${HINT} in plain text: ${join(t.configDir, 'credentials.json')}\n`);
  });
});

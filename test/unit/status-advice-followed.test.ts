// What status advises about the key, followed as printed, ends with the key in use:
// - a key the keychain (or key file) holds that the progress file has no record of (stored before
//   it was made: the config dir removed, another HOME): status names doctor, which looked, found it
//   and left it unrecorded (status went on saying "No key recorded", `key` then replaced it); doctor
//   records it now;
// - with no keychain reachable (no session bus), status named the Secret Service keyring and plain
//   `key`, which fails there: it says there is none, and the --insecure-storage way, as token does;
// - a damaged key file recorded as holding the key: its fix named plain `key`, which stores into the
//   keychain (or fails where there is none): it names `key --insecure-storage` for the profile.
import { createServer, type Server } from 'node:net';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Reachability } from '../../src/api/types.js';
import { run as doctor } from '../../src/commands/doctor.js';
import { run as key } from '../../src/commands/key.js';
import { run as status } from '../../src/commands/status.js';
import { run as token } from '../../src/commands/token.js';
import { noSessionBus } from '../../src/storage/keychain.js';
import { checkResult, makeTestContext, outcomeOf, testKey, type TestContext } from '../helpers/context.js';

const KEY = testKey('U');
const HINT = 'sk-proj-…000U';
const ANSWERS: Reachability = { reached: true, status: 401, json: true, ms: 42 };

let t: TestContext;
afterEach(() => t?.cleanup());

/** What `run` printed on stdout. */
async function out(run: () => Promise<number>, code = 0): Promise<string> {
  const from = t.stdout.length;
  expect(await run()).toBe(code);
  return t.stdout.slice(from);
}

const statusOf = (profile?: string) => out(() => status(t.ctx, { profile, json: false }));

/** doctor's output; `live`: it has a key to check. */
function doctorOf(profile?: string, code = 0, live = true): Promise<string> {
  t.api.answerReach(ANSWERS);
  if (live) t.api.answerChecks(checkResult('valid'));
  return out(() => doctor(t.ctx, { profile, json: false }), code);
}

/** The progress file as `content`, in a config dir made for it. */
function progressFile(content: string): string {
  mkdirSync(t.configDir, { recursive: true, mode: 0o700 });
  const path = join(t.configDir, 'state.json');
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

describe('a key stored that the progress file has no record of', () => {
  it('status names doctor, which records it: status then shows the key, and the key stage done', async () => {
    t = makeTestContext({ keychain: { work: KEY }, stdoutIsTTY: false });
    expect(await statusOf('work')).toContain('○ No key recorded for this profile (`openai-setup doctor --profile work` looks in the Secret Service keyring and records a key it finds there): store one (at a terminal it asks for the key, hidden; or pipe the key into it with --stdin) with `openai-setup key --profile work`\n');
    expect(t.keychain.calls).toEqual([]);

    const checked = await doctorOf('work');
    expect(checked).toContain(`! Stored key          ${HINT} in the Secret Service keyring (profile work); ${join(t.configDir, 'state.json')} had no record of it: recorded now\n`);
    expect((await t.profile('work'))?.key).toMatchObject({ storage: 'keychain', hint: HINT });

    const shown = await statusOf('work');
    expect(shown).toContain(`✔ Key ${HINT} in the Secret Service keyring\n`);
    expect(shown).toMatch(/^✔ Create a secret key and store it done /m);
    expect(shown).not.toContain('No key');
    // Nothing left to record: said as the key it is.
    expect(await doctorOf('work')).toContain(`✔ Stored key          ${HINT} in the Secret Service keyring (profile work)\n`);
    expect(t.stdout + t.stderr).not.toContain(KEY);
  });

  it('in the key file (--insecure-storage): recorded as there', async () => {
    t = makeTestContext({ stdoutIsTTY: false });
    mkdirSync(t.configDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(t.configDir, 'credentials.json'), `${JSON.stringify({ version: 1, keys: { default: KEY } })}\n`, { mode: 0o600 });
    expect(await doctorOf()).toMatch(/^! Stored key {10}sk-proj-…000U in plain text in .*; .*state\.json had no record of it: recorded now$/m);
    expect((await t.profile())?.key).toMatchObject({ storage: 'file', hint: HINT });
    expect(await statusOf()).toContain(`! Key ${HINT} in plain text: ${t.ctx.keys.filePath}\n`);
  });

  it('a progress file a newer openai-setup wrote: not recorded, and what records it once updated', async () => {
    t = makeTestContext({ keychain: { default: KEY }, stdoutIsTTY: false });
    progressFile(JSON.stringify({ version: 99, defaultProfile: 'default', profiles: { default: { stages: {} } } }));
    const checked = await doctorOf();
    expect(checked).toMatch(/^! Stored key {10}sk-proj-…000U in the Secret Service keyring \(profile default\); .*state\.json had no record of it, and could not be recorded now \(.*newer openai-setup/m);
    expect(checked).toContain('To record it, update openai-setup (npm install -g openai-setup@latest), then run `openai-setup token | openai-setup key --stdin --no-verify`.');
  });

  it('a progress file that cannot be used: not recorded there (its own check says what to do first)', async () => {
    t = makeTestContext({ keychain: { default: KEY }, stdoutIsTTY: false });
    const path = progressFile('{}');
    chmodSync(path, 0o666);
    const checked = await doctorOf(undefined, 7);
    expect(checked).toMatch(/^✖ Progress file /m);
    expect(checked).toContain(`✔ Stored key          ${HINT} in the Secret Service keyring (profile default)\n`);
    expect(readFileSync(path, 'utf8')).toBe('{}');
  });
});

describe('status where no keychain can be reached (no session bus)', () => {
  it('names none, and the --insecure-storage way as token says it; followed, the key is kept in the file', async () => {
    t = makeTestContext({ interactive: false, stdoutIsTTY: false, stdin: `${KEY}\n` });
    t.keychain.withoutBus();
    // A profile begun (status -p of one that exists nowhere is refused, as verify and use refuse it).
    await t.ctx.state.updateProfile('work', () => {});
    const shown = await statusOf('work');
    const way = 'Keep one in a file only you can read (pipe the key in, in place of …):  … | openai-setup key --profile work --stdin --insecure-storage';
    expect(shown).toContain(`○ No key recorded for this profile. (No Secret Service keyring is running on this machine (common over SSH, in containers and on WSL), so the key cannot go into a keychain.) ${way}\n`);
    expect(shown).not.toContain('looks in the Secret Service keyring');
    // Known without asking the keychain.
    expect(t.keychain.calls).toEqual([]);
    // The same words as token's.
    const refused = await outcomeOf(token(t.ctx, { profile: 'work', yes: true }));
    expect(refused.hints.at(-1)).toBe(`(No Secret Service keyring is running on this machine (common over SSH, in containers and on WSL), so the key cannot go into a keychain.) ${way}`);

    expect(await key(t.ctx, { profile: 'work', stdin: true, insecureStorage: true, verify: false })).toBe(0);
    expect(await statusOf('work')).toContain(`! Key ${HINT} in plain text: ${t.ctx.keys.filePath}\n`);
  });

  it('with OPENAI_API_KEY set: no key recorded, and nothing said of a keychain', async () => {
    t = makeTestContext({ env: { OPENAI_API_KEY: KEY }, stdoutIsTTY: false });
    t.keychain.withoutBus();
    const shown = await statusOf();
    expect(shown).toContain('○ No key recorded for this profile\n');
    expect(shown).not.toContain('Secret Service');
  });
});

describe('no keychain reachable, no record, and a key file (status reads the file, as token does)', () => {
  /** The key kept in the file for `profile`, then the progress file gone (the config dir removed, another HOME). */
  async function keptInFileUnrecorded(profile: string): Promise<string> {
    t = makeTestContext({ interactive: false, stdoutIsTTY: false, stdin: `${KEY}\n` });
    t.keychain.withoutBus();
    expect(await key(t.ctx, { profile, stdin: true, insecureStorage: true, verify: false })).toBe(0);
    rmSync(join(t.configDir, 'state.json'));
    return join(t.configDir, 'credentials.json');
  }

  it('a key there: shown as the key token hands out, not recorded, and doctor records it; no advice to store over it', async () => {
    const path = await keptInFileUnrecorded('work');
    const calls = t.keychain.calls.length;
    const shown = await statusOf('work');
    expect(shown).toContain(`! Key ${HINT} in plain text: ${path} (${join(t.configDir, 'state.json')} has no record of it: \`openai-setup doctor --profile work\` records it)\n`);
    expect(shown).not.toContain('No key');
    expect(shown).not.toContain('--insecure-storage');
    expect(t.keychain.calls.length).toBe(calls);
    const json = JSON.parse((await out(() => status(t.ctx, { profile: 'work', json: true }))).trim());
    expect(json.key).toMatchObject({ storage: 'file', hint: HINT, savedAt: null });

    expect(await doctorOf('work')).toMatch(/^! Stored key {10}sk-proj-…000U in plain text in .*; .*state\.json had no record of it: recorded now$/m);
    expect(await statusOf('work')).toContain(`! Key ${HINT} in plain text: ${path}\n`);
    expect(t.stdout + t.stderr).not.toContain(KEY);
  });

  it('a damaged file: said as damaged, with its fix (the key stored again in the file)', async () => {
    const path = await keptInFileUnrecorded('work');
    writeFileSync(path, '{broken');
    const shown = await statusOf('work');
    expect(shown).toContain(`! Key not known: ${join(t.configDir, 'state.json')} has no record of a key for profile "work", and ${path} is damaged`);
    expect(shown).toContain(`; remove it (\`rm -- '${path}'\`): every key in it is lost with it, other profiles' too (copy yours out first if you can still read it there); then store the key of profile "work" again (pipe the key in, in place of …) with \`… | openai-setup key --profile work --stdin --insecure-storage\`\n`);
    expect(shown).not.toContain('No key');
    // Followed as printed: the key is kept in the file again.
    rmSync(path);
    expect(await key(t.ctx, { profile: 'work', stdin: true, insecureStorage: true, verify: false })).toBe(0);
    expect(await statusOf('work')).toContain(`! Key ${HINT} in plain text: ${path}\n`);
  });

  it('no key file, or none for this profile in it: the --insecure-storage way, as before', async () => {
    await keptInFileUnrecorded('other');
    await t.ctx.state.updateProfile('work', () => {});
    expect(await statusOf('work')).toContain('○ No key recorded for this profile. (No Secret Service keyring is running on this machine');
  });
});

describe.skipIf(process.getuid?.() !== 0)("doctor: a key without a record that cannot be recorded, the config dir another user's", () => {
  it("the fix is the config dir's own (chown), not storing the key again (which fails the same way)", async () => {
    t = makeTestContext({ keychain: { default: KEY }, stdoutIsTTY: false });
    mkdirSync(t.configDir, { recursive: true, mode: 0o700 });
    chownSync(t.configDir, 1000, 1000);
    const checked = await doctorOf();
    const line = checked.split('\n').find((l) => l.startsWith('! Stored key'));
    expect(line).toMatch(/had no record of it, and could not be recorded now \(.*another user \(uid 1000\)/);
    expect(checked).toContain(`\n  → If it is yours, fix it with \`chown -R root '${t.configDir}'\`; then \`openai-setup doctor\` records it.\n`);
    expect(checked).not.toContain('Storing it again records it');
    t.api.answerReach(ANSWERS);
    t.api.answerChecks(checkResult('valid'));
    const json = JSON.parse((await out(() => doctor(t.ctx, { json: true }))).trim());
    const storedKey = json.checks.find((c: { id: string }) => c.id === 'stored-key');
    expect(storedKey.fix).toMatch(/chown/);
    expect(storedKey.fix).not.toContain('key --stdin');
    // Followed as printed: doctor records it.
    chownSync(t.configDir, 0, 0);
    expect(await doctorOf()).toMatch(/^! Stored key .*state\.json had no record of it: recorded now$/m);
    expect((await t.profile())?.key).toMatchObject({ storage: 'keychain', hint: HINT });
  });
});

describe.skipIf(process.platform === 'win32')('noSessionBus: no keychain reachable, known without asking', () => {
  let dir: string;
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('Linux without DBUS_SESSION_BUS_ADDRESS and without a bus at $XDG_RUNTIME_DIR/bus: none; with either, or elsewhere: not known', async () => {
    dir = mkdtempSync(join(tmpdir(), 'no-bus-'));
    expect(noSessionBus({}, 'linux')?.problem).toBe('no-service');
    expect(noSessionBus({ XDG_RUNTIME_DIR: dir }, 'linux')?.problem).toBe('no-service');
    // A file of that name is no bus.
    writeFileSync(join(dir, 'bus'), '');
    expect(noSessionBus({ XDG_RUNTIME_DIR: dir }, 'linux')?.problem).toBe('no-service');
    rmSync(join(dir, 'bus'));
    const listening = createServer();
    server = listening;
    await new Promise<void>((resolve) => listening.listen(join(dir, 'bus'), resolve));
    expect(noSessionBus({ XDG_RUNTIME_DIR: dir }, 'linux')).toBeNull();
    expect(noSessionBus({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/1000/bus' }, 'linux')).toBeNull();
    expect(noSessionBus({}, 'darwin')).toBeNull();
    expect(noSessionBus({}, 'win32')).toBeNull();
  });
});

describe('a damaged key file recorded as holding the key', () => {
  it('status and doctor name `key --stdin --insecure-storage` for the profile (no terminal: piped); followed, the key is back in the file', async () => {
    t = makeTestContext({ interactive: false, stdoutIsTTY: false, stdin: `${KEY}\n` });
    expect(await key(t.ctx, { profile: 'ins', stdin: true, insecureStorage: true, verify: false })).toBe(0);
    const path = join(t.configDir, 'credentials.json');
    writeFileSync(path, '{damaged');
    expect(await statusOf('ins')).toContain(`; remove it (\`rm -- '${path}'\`): every key in it is lost with it, other profiles' too (copy yours out first if you can still read it there); then store the key of profile "ins" again (pipe the key in, in place of …) with \`… | openai-setup key --profile ins --stdin --insecure-storage\`\n`);
    expect(await doctorOf('ins', 7, false)).toContain(`→ Remove it (\`rm -- '${path}'\`): every key in it is lost with it, other profiles' too (copy yours out first if you can still read it there); then store the key of profile "ins" again (pipe the key in, in place of …) with \`… | openai-setup key --profile ins --stdin --insecure-storage\`.\n`);

    rmSync(path);
    expect(await key(t.ctx, { profile: 'ins', stdin: true, insecureStorage: true, verify: false })).toBe(0);
    expect(await statusOf('ins')).toContain(`! Key ${HINT} in plain text: ${path}\n`);
  });
});

// The progress file records where a profile's key is (keychain or the --insecure-storage file) and
// its hint: every reader hands out that key. A key stored with --insecure-storage where the
// keychain is out of reach (over SSH) leaves the older key in the keychain: it is never handed out
// again, it is named as a stale leftover with what removes it, and storing or logging out says
// what it could not remove from there and where to run what.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as key } from '../../src/commands/key.js';
import { run as logout } from '../../src/commands/logout.js';
import { nodeProcessHost, run as runCommand, type ProcessHost } from '../../src/commands/run.js';
import { run as status, StatusJsonSchema } from '../../src/commands/status.js';
import { run as token } from '../../src/commands/token.js';
import { run as use } from '../../src/commands/use.js';
import { run as verify } from '../../src/commands/verify.js';
import type { Context } from '../../src/context.js';
import { changeKey } from '../../src/storage/key-change.js';
import { KeyStore } from '../../src/storage/keystore.js';
import { profileIn } from '../../src/storage/state.js';
import { checkResult, makeTestContext, MemoryKeychain, outcomeOf, testKey, type TestContext } from '../helpers/context.js';

const K1 = testKey('1');
const K2 = testKey('2');
const H1 = 'sk-proj-…0001';
const H2 = 'sk-proj-…0002';
const PIPE_AGAIN = 'openai-setup token --profile p6 | openai-setup key --profile p6 --stdin --insecure-storage --no-verify';

let t: TestContext;
afterEach(() => t?.cleanup());

/** The same config dir and terminal, over SSH: no Secret Service here (the keychain with K1 is not touched). */
function overSsh(stdin?: string): Context {
  const unreachable = new MemoryKeychain().failWith('no-service');
  return {
    ...t.ctx,
    keys: new KeyStore(unreachable, t.configDir, (message) => t.ctx.term.err(`! ${message}`), t.ctx.state),
    readStdin: async () => stdin ?? '',
  };
}

/** A run at the desktop (its own key store, as each run has), `stdin` piped in. */
function atDesktop(stdin?: string): Context {
  return { ...t.ctx, keys: new KeyStore(t.keychain, t.configDir, (message) => t.ctx.term.err(`! ${message}`), t.ctx.state), readStdin: async () => stdin ?? '' };
}

/** K1 stored in the keychain at the desktop, then K2 with --insecure-storage over SSH; the output so far cleared. */
async function replacedOverSsh(): Promise<{ stdout: string; stderr: string }> {
  t = makeTestContext({ interactive: false, stdoutIsTTY: false });
  expect(await key(atDesktop(`${K1}\n`), { profile: 'p6', stdin: true, verify: false })).toBe(0);
  const from = { out: t.stdout.length, err: t.stderr.length };
  expect(await key(overSsh(`${K2}\n`), { profile: 'p6', stdin: true, insecureStorage: true, verify: false })).toBe(0);
  return { stdout: t.stdout.slice(from.out), stderr: t.stderr.slice(from.err) };
}

/** What was printed by `act`. */
async function printed(act: () => Promise<unknown>): Promise<{ stdout: string; stderr: string }> {
  const from = { out: t.stdout.length, err: t.stderr.length };
  await act();
  return { stdout: t.stdout.slice(from.out), stderr: t.stderr.slice(from.err) };
}

/** A host for `run` that starts `true` with the environment it is given, and keeps it. */
function recordingHost(): ProcessHost & { env: Record<string, string | undefined> | null } {
  const h: ProcessHost & { env: Record<string, string | undefined> | null } = {
    env: null,
    spawn: (_file, _args, env) => {
      h.env = env;
      return nodeProcessHost.spawn('true', [], env);
    },
    trapSignals: () => () => {},
    inTerminalForeground: () => false,
    startWitness: () => null,
  };
  return h;
}

const STALE =
  `! The Secret Service keyring also holds ${H1} as the key of profile "p6", a leftover that is not the key recorded (${H2}, in the plain-text file <file>), so it is not used. ` +
  `Storing the recorded key again removes it:  ${PIPE_AGAIN}`;
const staleLine = () => STALE.replace('<file>', t.ctx.keys.filePath);

describe('--insecure-storage over SSH, the older key in the keychain', () => {
  it('storing says the old copy could not be removed, by its hint, and what removes it where', async () => {
    const { stderr } = await replacedOverSsh();
    expect(stderr).toContain(
      `! ${H1}, the key of profile "p6" stored before, could not be removed from the Secret Service keyring (it is not running here): it stays there, not used, as the new key in the file is the one recorded. ` +
        `Where the Secret Service keyring can be reached (your desktop session), storing the key again removes it:  ${PIPE_AGAIN}\n`,
    );
    expect(t.keychain.keyOf('p6')).toBe(K1);
    expect((await t.profile('p6'))?.key).toMatchObject({ storage: 'file', hint: H2 });
  });

  it('back at the desktop, token hands out the recorded key (the file\'s), naming the leftover once', async () => {
    await replacedOverSsh();
    const { stdout, stderr } = await printed(() => token(atDesktop(), { profile: 'p6', yes: true }));
    expect(stdout).toBe(`${K2}\n`);
    expect(stderr).toBe(`! Reading the key of profile "p6" from the plain-text file ${t.ctx.keys.filePath} (--insecure-storage).\n${staleLine()}\n`);
  });

  it('run gives the program the recorded key', async () => {
    await replacedOverSsh();
    const host = recordingHost();
    expect(await runCommand(atDesktop(), { profile: 'p6', command: ['true'] }, host)).toBe(0);
    expect(host.env?.OPENAI_API_KEY).toBe(K2);
    expect(t.stderr).toContain(`${staleLine()}\n`);
  });

  it('verify checks the recorded key, from the file', async () => {
    await replacedOverSsh();
    t.api.answerChecks(checkResult('valid'));
    const { stdout } = await printed(() => verify(atDesktop(), { profile: 'p6', json: false, quiet: false, billingCheck: true }));
    expect(t.api.checkedKeys).toEqual([K2]);
    expect(stdout).toContain('the --insecure-storage file (profile p6)');
    expect(stdout).not.toContain('the keychain (profile p6)');
  });

  it('the command named removes the leftover, saying so; the key in the file stays, and nothing is named stale any more', async () => {
    await replacedOverSsh();
    // `token --profile p6 | key --profile p6 --stdin --insecure-storage --no-verify`, at the desktop.
    const piped = await printed(() => token(atDesktop(), { profile: 'p6', yes: true }));
    const { stderr } = await printed(() => key(atDesktop(piped.stdout), { profile: 'p6', stdin: true, insecureStorage: true, verify: false }));
    expect(stderr).toContain(`! Removed a leftover from the Secret Service keyring: ${H1}, another key than the one recorded as the key of profile "p6".\n`);
    expect(t.keychain.keyOf('p6')).toBeUndefined();
    const again = await printed(() => token(atDesktop(), { profile: 'p6', yes: true }));
    expect(again.stdout).toBe(`${K2}\n`);
    expect(again.stderr).not.toContain('leftover');
  });

  it('storing a key in the keychain at the desktop replaces the leftover and removes the file copy', async () => {
    await replacedOverSsh();
    const k3 = testKey('3');
    expect(await key(atDesktop(`${k3}\n`), { profile: 'p6', stdin: true, verify: false })).toBe(0);
    expect(t.keychain.keyOf('p6')).toBe(k3);
    const { stdout } = await printed(() => token(atDesktop(), { profile: 'p6', yes: true }));
    expect(stdout).toBe(`${k3}\n`);
  });
});

describe('logout where the keychain holds a leftover', () => {
  it('at the desktop: removes both, the leftover named as what it is', async () => {
    await replacedOverSsh();
    const { stdout } = await printed(() => logout(atDesktop(), { profile: 'p6', yes: true }));
    expect(stdout).toContain(`✔ Removed ${H2} from ${t.ctx.keys.filePath}.\n✔ Removed ${H1} from the Secret Service keyring: a leftover of another key, not used.\n`);
    expect(t.keychain.keyOf('p6')).toBeUndefined();
  });

  it('over SSH: says the keychain could not be checked for a copy, and where to run what', async () => {
    await replacedOverSsh();
    const { stdout, stderr } = await printed(() => logout(overSsh(), { profile: 'p6', yes: true }));
    expect(stdout).toContain(`✔ Removed ${H2} from ${t.ctx.keys.filePath}.\n`);
    expect(stderr).toContain(
      '! The Secret Service keyring is not running here, so whether it holds a copy of a key of profile "p6" could not be checked, nor such a copy removed: run `openai-setup logout --profile p6` where it is (your desktop session).\n',
    );
    // What it says to run there removes it.
    const there = await printed(() => logout(atDesktop(), { profile: 'p6', yes: true }));
    expect(there.stdout).toContain(`✔ Removed ${H1} from the Secret Service keyring.\n`);
    expect(t.keychain.keyOf('p6')).toBeUndefined();
  });
});

describe('the record decides, one rule for every reader', () => {
  /** K1 in the keychain, K2 in the file, and the record (or none) as given. */
  async function both(record: 'keychain' | 'file' | null, hint = record === 'keychain' ? H1 : H2, interactive = false): Promise<void> {
    t = makeTestContext({ interactive, stdoutIsTTY: interactive, keychain: { p6: K1 } });
    mkdirSync(t.configDir, { recursive: true, mode: 0o700 });
    writeFileSync(t.ctx.keys.filePath, JSON.stringify({ version: 1, keys: { p6: K2 } }), { mode: 0o600 });
    if (record) {
      await t.ctx.state.updateProfile('p6', (p) => {
        p.key = { storage: record, hint, savedAt: '2026-03-01T00:00:00.000Z' };
      });
    }
  }

  it('recorded in the keychain: its key, the file not read', async () => {
    await both('keychain');
    const { stdout, stderr } = await printed(() => token(t.ctx, { profile: 'p6', yes: true }));
    expect(stdout).toBe(`${K1}\n`);
    expect(stderr).toBe('');
  });

  it('no record (a damaged progress file): the keychain first, as before records were kept; nothing named stale', async () => {
    await both(null);
    writeFileSync(join(t.configDir, 'state.json'), '{"version":1,', { mode: 0o600 });
    const { stdout, stderr } = await printed(() => token(t.ctx, { profile: 'p6', yes: true }));
    expect(stdout).toBe(`${K1}\n`);
    expect(stderr).not.toContain('leftover');
  });

  it('recorded in the keychain, out of reach here: the file\'s copy is used only when it is the recorded key', async () => {
    await both('keychain', H2);
    t.keychain.failWith('no-service');
    const same = await printed(() => token(t.ctx, { profile: 'p6', yes: true }));
    expect(same.stdout).toBe(`${K2}\n`);

    await t.cleanup();
    await both('keychain', H1);
    t.keychain.failWith('no-service');
    const { code, message } = await outcomeOf(token(t.ctx, { profile: 'p6', yes: true }));
    expect(code).toBe(7);
    expect(message).toBe(
      `The key stored for profile "p6" (${H1}) is in the Secret Service keyring, which is not running here (common over SSH, in containers and on WSL): it cannot be read from here.`,
    );
    expect(t.stdout).toBe('');
  });

  it('recorded in the file, which no longer holds it: the keychain\'s other key is not handed out, and is named, with a way to store the key that works without a terminal', async () => {
    await both('file');
    writeFileSync(t.ctx.keys.filePath, JSON.stringify({ version: 1, keys: {} }), { mode: 0o600 });
    const { code, message } = await outcomeOf(token(t.ctx, { profile: 'p6', yes: true }));
    expect(code).toBe(2);
    expect(message).toBe('No key is stored for profile "p6".');
    expect(t.stdout).toBe('');
    expect(t.stderr).toBe(
      `! The Secret Service keyring holds ${H1} as the key of profile "p6", which is not the key recorded (${H2}, to be in the plain-text file ${t.ctx.keys.filePath}, which no longer holds it), so it is not used. Storing the key again replaces it (pipe the key in, in place of …):  … | openai-setup key --profile p6 --stdin\n`,
    );
  });

  it('the same on a terminal: `key`, which asks for the key there', async () => {
    await both('file', H2, true);
    writeFileSync(t.ctx.keys.filePath, JSON.stringify({ version: 1, keys: {} }), { mode: 0o600 });
    expect((await outcomeOf(token(t.ctx, { profile: 'p6', yes: true }))).code).toBe(2);
    expect(t.stderr).toContain('so it is not used. Storing the key again replaces it (it asks for the key, hidden):  openai-setup key --profile p6\n');
  });

  it('an admin key recorded in the file: the keychain\'s other one is named with the command that stores it again, as it works without a terminal', async () => {
    t = makeTestContext({ interactive: false, keychain: { 'p6:admin': 'sk-admin-old0000000000000000000001' } });
    mkdirSync(t.configDir, { recursive: true, mode: 0o700 });
    writeFileSync(t.ctx.keys.filePath, JSON.stringify({ version: 1, keys: { 'p6:admin': 'sk-admin-new0000000000000000000002' } }), { mode: 0o600 });
    await t.ctx.state.updateProfile('p6', (p) => {
      p.adminKey = { storage: 'file', hint: 'sk-admin-…0002', savedAt: '2026-03-01T00:00:00.000Z' };
    });
    t.ctx.keys.adviseFor(t.ctx);
    expect((await t.ctx.keys.get('p6:admin')).stored).toEqual({ key: 'sk-admin-new0000000000000000000002', storage: 'file' });
    expect(t.stderr).toContain(
      `! The Secret Service keyring also holds sk-admin-…0001 as the admin key of profile "p6", a leftover that is not the key recorded (sk-admin-…0002, in the plain-text file ${t.ctx.keys.filePath}), so it is not used. Storing the recorded key again removes it (pipe the key in, in place of …):  … | openai-setup admin-key --stdin --insecure-storage --profile p6\n`,
    );
  });

  it('a key just stored is what the store reads back before its record is written (rotate reads it back so)', async () => {
    await both('file');
    writeFileSync(t.ctx.keys.filePath, JSON.stringify({ version: 1, keys: {} }), { mode: 0o600 });
    const k3 = testKey('3');
    const readBack = await changeKey(
      t.ctx,
      'p6',
      async () => {
        await t.ctx.keys.set('p6', k3, false);
        return (await t.ctx.keys.get('p6')).stored;
      },
      (state) => {
        profileIn(state, 'p6').key = { storage: 'keychain', hint: 'sk-proj-…0003', savedAt: '2026-03-02T00:00:00.000Z' };
      },
    );
    expect(readBack).toEqual({ key: k3, storage: 'keychain' });
    // Recorded now: another run reads it so too.
    expect((await atDesktop().keys.get('p6')).stored).toEqual({ key: k3, storage: 'keychain' });
  });

  it('storing in the file while the keychain is locked: the recorded key there named, without "desktop session"', async () => {
    t = makeTestContext({ interactive: false, stdoutIsTTY: false });
    expect(await key(atDesktop(`${K1}\n`), { profile: 'p6', stdin: true, verify: false })).toBe(0);
    t.keychain.failWith('locked');
    const { stderr } = await printed(() => key(atDesktop(`${K2}\n`), { profile: 'p6', stdin: true, insecureStorage: true, verify: false }));
    expect(stderr).toContain(
      `! ${H1}, the key of profile "p6" stored before, could not be removed from the Secret Service keyring (it is locked): it stays there, not used, as the new key in the file is the one recorded. ` +
        `Where the Secret Service keyring can be reached, storing the key again removes it:  ${PIPE_AGAIN}\n`,
    );
  });

  it('storing the same key in the file over SSH: nothing to say of the keychain', async () => {
    t = makeTestContext({ interactive: false, stdoutIsTTY: false });
    expect(await key(atDesktop(`${K1}\n`), { profile: 'p6', stdin: true, verify: false })).toBe(0);
    const { stderr } = await printed(() => key(overSsh(`${K1}\n`), { profile: 'p6', stdin: true, insecureStorage: true, verify: false }));
    expect(stderr).toBe('');
  });
});

describe('with the progress file damaged: a key is looked up before "no key" is said', () => {
  function damaged(keychain: Record<string, string> = {}): void {
    t = makeTestContext({ interactive: false, stdoutIsTTY: false, keychain });
    mkdirSync(t.configDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(t.configDir, 'state.json'), '{"version":1,', { mode: 0o600 });
  }

  it('use: a key in the keychain is not "no key yet"', async () => {
    damaged({ work: K1 });
    expect(await use(t.ctx, { name: 'work' })).toBe(0);
    expect(t.stdout).toBe('✔ "work" is now the default profile (it was "default").\n');
    expect(t.keychain.calls.map((c) => c.op)).toEqual(['get']);
  });

  it('use: none anywhere is "no key yet", as before', async () => {
    damaged();
    expect(await use(t.ctx, { name: 'work' })).toBe(0);
    expect(t.stdout).toBe('✔ "work" is now the default profile (it was "default").\n  It has no key yet: run `openai-setup` (or `openai-setup key`) to set it up.\n');
  });

  it('use: no keychain here and none in the file: could not be checked, said so', async () => {
    damaged();
    t.keychain.failWith('no-service');
    expect(await use(t.ctx, { name: 'work' })).toBe(0);
    expect(t.stdout).toBe(
      '✔ "work" is now the default profile (it was "default").\n' +
        '  No key was found for it, but the Secret Service keyring could not be checked (it is not running here): if none is stored, run `openai-setup` (or `openai-setup key`) to set it up.\n',
    );
  });

  it('status: no keychain here and none in the file: "not known", not "none" with advice to store a second key; --json "unknown"', async () => {
    damaged();
    t.keychain.failWith('no-service');
    expect(await status(t.ctx, { profile: 'work', json: false })).toBe(0);
    expect(t.stdout).toContain(
      '○ Key not known: the progress file cannot be used and the Secret Service keyring could not be read (it is not running here), so whether one is stored for this profile could not be checked\n',
    );
    expect(t.stdout).not.toContain('No key stored');
    expect(t.stdout).not.toContain('openai-setup key');

    const json = await printed(() => status(t.ctx, { profile: 'work', json: true }));
    expect(StatusJsonSchema.parse(JSON.parse(json.stdout)).key).toEqual({ storage: 'unknown', hint: null, savedAt: null, env: { set: false, hint: null, matchesStored: null, around: null, problem: null, empty: null }, setIn: [] });
    expect(JSON.parse(json.stdout)).not.toHaveProperty('keyUnknown');
  });

  it('status: a key file that cannot be read, none in the keychain: "not known" too', async () => {
    damaged();
    writeFileSync(t.ctx.keys.filePath, '{"keys":', { mode: 0o600 });
    expect(await status(t.ctx, { profile: 'work', json: false })).toBe(0);
    expect(t.stdout).toContain(`○ Key not known: the progress file cannot be used and ${t.ctx.keys.filePath} could not be read, so whether one is stored for this profile could not be checked\n`);
  });
});

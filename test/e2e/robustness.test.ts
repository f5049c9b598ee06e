// Issue "secrets that never leak and a wizard that never breaks": no keychain, a locked or hung
// one, the plain-text file only on request, no-TTY runs, a damaged state file, concurrent runs,
// and the full key absent from every output and file.
import { createServer, type Server } from 'node:net';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, makeTestEnv, withTestEnv, type TestEnv } from '../helpers/env.js';
import { startPrivateKeyring } from '../helpers/keyring.js';
import { makeKey, startOpenAIServer, type FakeOpenAI } from '../helpers/openai-server.js';
import { spawnCli } from '../helpers/pty.js';
import { runCli, runCommand, type RunResult } from '../helpers/run.js';

let server: FakeOpenAI;
const VALID = makeKey('proj', 'robust-valid');
const NO_CREDITS = makeKey('proj', 'robust-no-credits');

beforeAll(async () => {
  server = await startOpenAIServer({ keys: { [VALID]: 'valid', [NO_CREDITS]: 'no_credits' } });
});
afterAll(async () => {
  await server?.close();
});

const withEnv = (extra: Record<string, string | undefined>, body: (t: TestEnv) => Promise<void>) =>
  withTestEnv({ OPENAI_BASE_URL: server.baseURL, ...extra }, body);

describe('no usable keychain', () => {
  it('without any D-Bus session, `key --stdin` explains and names both ways out, exit 7; nothing is written in plain text', async () => {
    await withEnv({}, async (t) => {
      const result = await runCli(['key', '--stdin'], { env: t.env, input: VALID });
      expect(result.code).toBe(7);
      expect(result.stderr).toMatch(/No Secret Service keyring is running on this machine/);
      expect(result.stderr).toMatch(/export OPENAI_API_KEY='<your key>'/);
      expect(result.stderr).toMatch(/--insecure-storage/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      const files = await readdir(t.configDir).catch(() => [] as string[]);
      expect(files).not.toContain('credentials.json');
    });
  });

  it('for a named profile `key --stdin` names no OPENAI_API_KEY line (token and run of that profile never read it), only the 0600 file, which then works for token', async () => {
    await withEnv({}, async (t) => {
      const result = await runCli(['key', '-p', 'work', '--stdin'], { env: t.env, input: VALID });
      expect(result.code).toBe(7);
      expect(result.stderr).not.toMatch(/OPENAI_API_KEY/);
      const printed = /… \| \S*openai-setup\S* (key --profile work --stdin --insecure-storage)$/m.exec(result.stderr);
      expect(printed, result.stderr).not.toBeNull();
      const stored = await runCli(printed![1]!.split(' '), { env: t.env, input: `${VALID}\n` });
      expect(stored.code).toBe(0);
      const token = await runCli(['token', '-p', 'work'], { env: t.env });
      expect(token.code).toBe(0);
      expect(token.stdout).toBe(`${VALID}\n`);
    });
  });

  it('--insecure-storage keeps the key in a 0600 file in a 0700 dir and warns each time it is read', async () => {
    await withEnv({}, async (t) => {
      const old = process.umask(0o022);
      try {
        const stored = await runCli(['key', '--stdin', '--insecure-storage'], { env: t.env, input: `${VALID}\n` });
        expect(stored.code).toBe(0);
        expect(stored.stdout).toMatch(/Stored sk-proj-…\S+ in plain text in .*credentials\.json \(mode 0600\)/);
      } finally {
        process.umask(old);
      }
      const file = join(t.configDir, 'credentials.json');
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect((await stat(t.configDir)).mode & 0o777).toBe(0o700);
      expect(JSON.parse(await readFile(file, 'utf8')).keys.default).toBe(VALID);
      for (let i = 0; i < 2; i++) {
        const result = await runCli(['verify'], { env: t.env });
        expect(result.code).toBe(0);
        expect(result.stderr).toMatch(/from the plain-text file .*credentials\.json/);
      }
      const status = await runCli(['status'], { env: t.env });
      expect(status.stdout).toMatch(/Key sk-proj-…\S+ in plain text/);
    });
  });

  it('on a terminal it offers the environment variable or a file, in that order', async () => {
    await withEnv({}, async (t) => {
      const s = spawnCli(['key'], { env: t.env });
      try {
        // Told before pasting anything, not after.
        await s.waitFor('No Secret Service keyring is running');
        await s.waitFor('Where should the key go?');
        await s.waitFor('Set OPENAI_API_KEY yourself');
        s.press('enter');
        await s.waitFor('Paste your secret key');
        s.type(VALID);
        s.press('enter');
        await s.waitFor('The key works and can spend');
        await s.waitFor("export OPENAI_API_KEY='<your key>'");
        await s.waitFor('Show the line with the key in it?');
        s.press('enter'); // default: no
        expect(await s.exited).toMatchObject({ exitCode: 0 });
        expect(s.rawOutput()).not.toContain(VALID);
      } finally {
        s.kill();
      }
      const files = await readdir(t.configDir);
      expect(files).not.toContain('credentials.json');
    });
  });

  it('a locked keyring is reported as locked when storing', async () => {
    const keyring = await startPrivateKeyring({ locked: true });
    try {
      await withEnv(keyring.env, async (t) => {
        const stored = await runCli(['key', '--stdin'], { env: t.env, input: VALID });
        expect(stored.code).toBe(7);
        expect(stored.stderr).toMatch(/is locked/);
        // A locked keyring answers "no such item" to a read: that is not "no key".
        const verify = await runCli(['verify'], { env: t.env });
        expect(verify.code).toBe(7);
        expect(verify.stderr).toMatch(/is locked/);
        expect(verify.stderr).toMatch(/Unlock it: log in to your desktop session/);
        expect(verify.stderr).not.toMatch(/No key to check/);
      });
    } finally {
      await keyring.stop();
    }
  });

  it('a key stored before the keyring was locked: verify, token and the wizard say locked (exit 7), with how to unlock it', async () => {
    const keyring = await startPrivateKeyring();
    try {
      await withEnv(keyring.env, async (t) => {
        expect((await runCli(['key', '--stdin'], { env: t.env, input: VALID })).code).toBe(0);
        await keyring.lock();
        for (const args of [['verify'], ['token'], ['setup']]) {
          const result = await runCli(args, { env: t.env });
          expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(7);
          expect(result.stderr).toMatch(/is locked/);
          expect(result.stderr).toMatch(/unlock the "login" keyring in Passwords and Keys/);
          // gnome-keyring-daemon --unlock starts a second daemon and leaves this keyring locked: never advised.
          expect(result.stderr).not.toMatch(/gnome-keyring-daemon --unlock/);
          expect(result.stderr).not.toMatch(/No key (yet|to check|is stored)/);
        }
      });
    } finally {
      await keyring.stop();
    }
  });

  it('a Secret Service with no "login" keyring gets a sentence a person can act on', async () => {
    const keyring = await startPrivateKeyring({ noLoginKeyring: true });
    try {
      await withEnv(keyring.env, async (t) => {
        const stored = await runCli(['key', '--stdin'], { env: t.env, input: VALID });
        expect(stored.code).toBe(7);
        expect(stored.stderr).toMatch(/has no default keyring to keep keys in/);
        expect(stored.stderr).not.toMatch(/no result found/);
        const verify = await runCli(['verify'], { env: t.env });
        expect(verify.code).toBe(7);
        expect(verify.stderr).toMatch(/File › New › Password Keyring/);
      });
    } finally {
      await keyring.stop();
    }
  });

  it('a D-Bus that never answers is given up on after a few seconds, never hanging the tool', async () => {
    const dir = await makeTestEnv();
    const socket = join(dir.root, 'hung-bus');
    const silent: Server = createServer(() => {
      // Accept and say nothing, like a wedged session bus.
    });
    await new Promise<void>((resolve) => silent.listen(socket, resolve));
    try {
      const env = { ...dir.env, OPENAI_BASE_URL: server.baseURL, DBUS_SESSION_BUS_ADDRESS: `unix:path=${socket}` };
      const result = await runCli(['key', '--stdin'], { env, input: VALID, timeoutMs: 20_000 });
      expect(result.signal).toBeNull();
      expect(result.code).toBe(7);
      expect(result.stderr).toMatch(/did not answer within a few seconds/);
      expect(result.durationMs).toBeLessThan(15_000);
    } finally {
      silent.close();
      await dir.cleanup();
    }
  });
});

describe('keychain, env and logout', () => {
  it('status and verify say where the key lives and warn when OPENAI_API_KEY differs; logout removes it', async () => {
    const keyring = await startPrivateKeyring();
    try {
      await withEnv(keyring.env, async (t) => {
        expect((await runCli(['key', '--stdin'], { env: t.env, input: VALID })).code).toBe(0);
        expect(await keyring.lookup('openai-setup', 'default')).toBe(VALID);
        const env = { ...t.env, OPENAI_API_KEY: NO_CREDITS };
        const status = await runCli(['status'], { env });
        expect(status.stdout).toMatch(/Key sk-proj-…\S+ in the Secret Service keyring/);
        expect(status.stdout).toMatch(/OPENAI_API_KEY is set: sk-proj-…\S+ — differs from the stored key/);
        const json = JSON.parse((await runCli(['status', '--json'], { env })).stdout);
        expect(json.key).toMatchObject({ storage: 'keychain', env: { set: true, matchesStored: false } });
        const verify = await runCli(['verify'], { env });
        expect(verify.code).toBe(4);
        expect(verify.stderr).toMatch(/OPENAI_API_KEY \(sk-proj-…\S+\) is not the key stored for profile "default"/);

        const noConfirm = await runCli(['logout'], { env: t.env });
        expect(noConfirm.code).toBe(2);
        expect(noConfirm.stderr).toMatch(/--yes/);
        const logout = await runCli(['logout', '--yes'], { env: t.env });
        expect(logout.code).toBe(0);
        expect(logout.stdout).toMatch(/Removed sk-proj-…\S+ from the Secret Service keyring/);
        expect(logout.stdout).toMatch(/still works until you revoke it.*https:\/\/platform\.openai\.com\/api-keys/);
        expect(await keyring.lookup('openai-setup', 'default')).toBeNull();
      });
    } finally {
      await keyring.stop();
    }
  });
});

describe('no TTY: never wait for an answer', () => {
  const cases: Array<[string[], RegExp]> = [
    [[], /login --done/],
    [['setup'], /login --done/],
    [['login'], /login --done/],
    [['payment'], /payment --done/],
    [['billing'], /--choice/],
    // OPENAI_API_KEY is not set here, and `key` would not ask: a pipe of the key into its --stdin.
    [['key'], /\(pipe the key in, in place of …\): {2}… \| \S*openai-setup key --stdin/],
    // logout asks only when a key is stored: see 'keychain, env and logout'.
    [['verify'], /--key -/],
  ];
  it.each(cases)('openai-setup %s exits 2 naming the non-interactive way', async (args, hint) => {
    await withEnv({}, async (t) => {
      const result = await runCli(args, { env: t.env, timeoutMs: 10_000 });
      expect(result.signal).toBeNull();
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(hint);
    });
  });

  it('the non-interactive ways work: --done, --choice, --stdin', async () => {
    await withEnv({}, async (t) => {
      expect((await runCli(['login', '--done'], { env: t.env })).code).toBe(0);
      expect((await runCli(['payment', '--done'], { env: t.env })).code).toBe(0);
      const billing = await runCli(['billing', '--choice', 'prepaid', '--done'], { env: t.env });
      expect(billing.code).toBe(0);
      expect(billing.stdout).toMatch(/https:\/\/platform\.openai\.com\/settings\/organization\/limits/);
      const status = JSON.parse((await runCli(['status', '--json'], { env: t.env })).stdout);
      expect(status.stages.map((s: { done: boolean }) => s.done)).toEqual([true, true, true, false]);
      expect(status.billingChoice).toBe('prepaid');
      const badChoice = await runCli(['billing', '--choice', 'free'], { env: t.env });
      expect(badChoice.code).toBe(2);
      expect(badChoice.stderr).toMatch(/Allowed choices are auto-reload, prepaid, monthly/);
    });
  });

  it('`key --stdin` on a terminal refuses instead of waiting', async () => {
    await withEnv({}, async (t) => {
      const s = spawnCli(['key', '--stdin'], { env: t.env });
      await s.waitFor('Standard input is a terminal, not a pipe');
      expect(await s.exited).toMatchObject({ exitCode: 2 });
    });
  });
});

describe('state on disk', () => {
  it('a damaged state file is moved aside, the person is told, and the run goes on', async () => {
    await withEnv({}, async (t) => {
      await mkdir(t.configDir, { recursive: true });
      await writeFile(join(t.configDir, 'state.json'), '{"version":1,"profiles":{"default":{"stages":{"login":');
      const result = await runCli(['login', '--done'], { env: t.env });
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/was damaged \(.*\); it was moved to .*state\.json\.bak-/);
      const files = await readdir(t.configDir);
      expect(files.some((f) => f.startsWith('state.json.bak-'))).toBe(true);
      expect(JSON.parse(await readFile(join(t.configDir, 'state.json'), 'utf8')).profiles.default.stages.login).toBeDefined();
    });
  });

  it('two runs at once never leave a half-written file', async () => {
    await withEnv({}, async (t) => {
      const runs = await Promise.all([
        runCli(['login', '--done'], { env: t.env }),
        runCli(['payment', '--done'], { env: t.env }),
        runCli(['billing', '--choice', 'prepaid', '--done'], { env: t.env }),
        runCli(['login', '--done', '--profile', 'work'], { env: t.env }),
      ]);
      expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0]);
      const text = await readFile(join(t.configDir, 'state.json'), 'utf8');
      expect(() => JSON.parse(text)).not.toThrow();
      expect((await readdir(t.configDir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      expect((await stat(join(t.configDir, 'state.json'))).mode & 0o777).toBe(0o600);
    });
  });

  it('bad flags and environment values are usage errors naming them', async () => {
    await withEnv({}, async (t) => {
      const profile = await runCli(['status', '--profile', '../etc'], { env: t.env });
      expect(profile.code).toBe(2);
      expect(profile.stderr).toMatch(/--profile: use 1–64 letters, digits/);
      const envProfile = await runCli(['status'], { env: { ...t.env, OPENAI_SETUP_PROFILE: 'a b' } });
      expect(envProfile.code).toBe(2);
      expect(envProfile.stderr).toMatch(/OPENAI_SETUP_PROFILE/);
      const base = await runCli(['verify', '--key', VALID], { env: { ...t.env, OPENAI_BASE_URL: 'localhost:8080' } });
      expect(base.code).toBe(2);
      expect(base.stderr).toMatch(/OPENAI_BASE_URL: must be an http:\/\/ or https:\/\/ URL/);
    });
  });
});

describe('the full key never leaks', () => {
  function expectClean(result: RunResult, key: string, what: string): void {
    expect(result.stdout, `${what} stdout`).not.toContain(key);
    expect(result.stderr, `${what} stderr`).not.toContain(key);
  }

  it('through every command and failure path, and in no file but the --insecure-storage one', async () => {
    await withEnv({ DEBUG: 'openai-setup' }, async (t) => {
      const env = t.env;
      const runs: Array<[string, Promise<RunResult>]> = [];
      const run = (what: string, args: string[], extra: Record<string, string> = {}, input?: string) =>
        runs.push([what, runCli(args, { env: { ...env, ...extra }, input })]);
      for (const key of [VALID, NO_CREDITS, makeKey('proj', 'robust-unknown')]) {
        const [k1, k2] = [key, key];
        runs.length = 0;
        run('verify --key', ['verify', '--key', k1]);
        run('verify --json', ['verify', '--key', k1, '--json']);
        run('verify stdin', ['verify', '--key', '-'], {}, `Bearer ${k2}`);
        run('verify env', ['verify'], { OPENAI_API_KEY: key });
        run('verify env json', ['verify', '--json'], { OPENAI_API_KEY: key });
        run('verify timeout', ['verify', '--key', key, '--base-url', 'http://127.0.0.1:9/v1']);
        run('verify bad flag', ['verify', '--key', key, '--timeout', 'x']);
        run('verify malformed', ['verify', '--key', `${key}!`]);
        run('key stdin (no keychain)', ['key', '--stdin'], {}, key);
        run('status', ['status'], { OPENAI_API_KEY: key });
        run('status json', ['status', '--json'], { OPENAI_API_KEY: key });
        run('setup without tty', [], { OPENAI_API_KEY: key });
        for (const [what, pending] of runs) expectClean(await pending, key, what);
      }
      const stored = await runCli(['key', '--stdin', '--insecure-storage'], { env, input: VALID });
      expectClean(stored, VALID, 'key --insecure-storage');
      expectClean(await runCli(['verify'], { env }), VALID, 'verify stored');
      expectClean(await runCli(['status', '--json'], { env }), VALID, 'status stored');
      expectClean(await runCli(['logout', '--yes'], { env }), VALID, 'logout');
      for (const name of await readdir(t.configDir)) {
        if (name === 'credentials.json') continue;
        const text = await readFile(join(t.configDir, name), 'utf8');
        for (const key of [VALID, NO_CREDITS]) expect(text, name).not.toContain(key);
      }
    });
  });
});

describe('output to a pipe', () => {
  it('stops quietly when the reader leaves early (| head -c 1)', async () => {
    const t = await makeTestEnv();
    try {
      const r = await runCommand('bash', ['-o', 'pipefail', '-c', `"${process.execPath}" "${CLI}" status | head -c 1 >/dev/null`], { env: t.env });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    } finally {
      await t.cleanup();
    }
  });
});

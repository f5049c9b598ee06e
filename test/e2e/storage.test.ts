// The config dir through the built binary: concurrent runs keep every key and every profile, a
// held lock ends a run in one line and a stale one does not block, the progress file no longer
// steers the key, FIFOs and devices never hang a run, untrusted dirs and files are refused, and
// a config dir that cannot be written (EACCES, EPERM, EROFS, ENOSPC) is one line and exit 7, while
// `verify --json` keeps its answer. Runs as root: `nobody` stands for another user.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VerifyJsonSchema } from '../../src/commands/verify.js';
import { CLI, REPO_ROOT, withTestEnv, type TestEnv } from '../helpers/env.js';
import { makeKey, startOpenAIServer, type FakeOpenAI } from '../helpers/openai-server.js';
import { runCli, runCommand, type RunResult } from '../helpers/run.js';

let server: FakeOpenAI;
let collector: FakeOpenAI;
const VALID = makeKey('proj', 'storage-valid');
const NO_CREDITS = makeKey('proj', 'storage-no-credits');
const NOBODY = 65534;

beforeAll(async () => {
  server = await startOpenAIServer({ keys: { [VALID]: 'valid', [NO_CREDITS]: 'no_credits' } });
  // Where a progress file could once have sent the key.
  collector = await startOpenAIServer({ keys: { [VALID]: 'valid' } });
});
afterAll(async () => {
  await server?.close();
  await collector?.close();
});

const withEnv = (extra: Record<string, string | undefined>, body: (t: TestEnv) => Promise<void>) =>
  withTestEnv({ OPENAI_BASE_URL: server.baseURL, ...extra }, body);

/**
 * A problem as a person should see it: one line matching `pattern` (a warning, or the error that
 * ends the run), no stack trace; any other line on stderr is a one-line warning ("! ").
 */
function expectOneLine(result: RunResult, code: number, pattern: RegExp): void {
  expect(result.signal).toBeNull();
  expect(result.code, result.stderr).toBe(code);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stderr).not.toMatch(/Unexpected error/);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines.filter((line) => pattern.test(line)), result.stderr).toHaveLength(1);
  for (const line of lines) expect(line).toMatch(/^[!✖] /);
  // A store failure ends with its error; a run that went on (whatever its code) has none.
  expect(lines.filter((line) => line.startsWith('✖ ')).length).toBe(code === 7 ? 1 : 0);
  if (code === 7) expect(lines.at(-1)).toMatch(/^✖ /);
}

const credentialsOf = (t: TestEnv) => JSON.parse(readFileSync(join(t.configDir, 'credentials.json'), 'utf8')).keys as Record<string, string>;
const leftovers = (dir: string) => readdirSync(dir).filter((name) => name.endsWith('.tmp') || name.endsWith('.lock'));

describe('concurrent runs', () => {
  it('8 runs of `key --stdin --insecure-storage` at once: 8 "Stored", 8 keys in the file', async () => {
    await withEnv({}, async (t) => {
      const keys = Array.from({ length: 8 }, (_, i) => makeKey('proj', `storage-concurrent-${i}`));
      // --no-verify: no request to stagger them, so that their writes overlap (without the lock, about half the keys were lost).
      const runs = await Promise.all(
        keys.map((key, i) => runCli(['key', '--stdin', '--insecure-storage', '--no-verify', '--profile', `p${i}`], { env: t.env, input: key, timeoutMs: 30_000 })),
      );
      for (const run of runs) {
        expect(run.code, run.stderr).toBe(0);
        expect(run.stdout).toMatch(/Stored sk-proj-…\S+ in plain text/);
      }
      const stored = credentialsOf(t);
      expect(Object.keys(stored).sort()).toEqual(keys.map((_, i) => `p${i}`));
      keys.forEach((key, i) => expect(stored[`p${i}`]).toBe(key));
      expect(leftovers(t.configDir)).toEqual([]);
    });
  });

  it('6 runs of `key --stdin --insecure-storage` at once on one profile, three times over: state.json records the key that is stored', async () => {
    await withEnv({}, async (t) => {
      for (let round = 0; round < 3; round++) {
        const keys = Array.from({ length: 6 }, (_, i) => makeKey('proj', `storage-same-${round}-${i}`));
        const runs = await Promise.all(keys.map((key) => runCli(['key', '--stdin', '--insecure-storage', '--no-verify'], { env: t.env, input: key, timeoutMs: 30_000 })));
        for (const run of runs) expect(run.code, run.stderr).toBe(0);
        const stored = credentialsOf(t).default!;
        expect(keys).toContain(stored);
        const state = JSON.parse(readFileSync(join(t.configDir, 'state.json'), 'utf8'));
        expect(state.profiles.default.key).toMatchObject({ storage: 'file', hint: `sk-proj-…${stored.slice(-4)}` });
      }
      expect(leftovers(t.configDir)).toEqual([]);
    });
  });

  it('`key` and `logout --yes` at once, three times over: never a record of a key that is gone, nor a key stored without its record (logout refuses a key stored after it looked)', async () => {
    await withEnv({}, async (t) => {
      for (let round = 0; round < 3; round++) {
        const key = makeKey('proj', `storage-key-logout-${round}`);
        const [stored, removed] = await Promise.all([
          runCli(['key', '--stdin', '--insecure-storage', '--no-verify'], { env: t.env, input: key, timeoutMs: 30_000 }),
          runCli(['logout', '--yes'], { env: t.env, timeoutMs: 30_000 }),
        ]);
        expect(stored.code, stored.stderr).toBe(0);
        const inFile = existsSync(join(t.configDir, 'credentials.json')) ? (credentialsOf(t).default ?? null) : null;
        // logout removes what it asked about, or, when `key` stored another key after logout looked,
        // removes nothing and says so (exit 7): that key stays, stored and recorded.
        if (removed.code === 7) {
          expect(removed.stderr).toMatch(/changed while logout ran .*so nothing was removed/);
          expect(inFile).toBe(key);
        } else expect(removed.code, removed.stderr).toBe(0);
        const record = JSON.parse(readFileSync(join(t.configDir, 'state.json'), 'utf8')).profiles.default?.key ?? null;
        expect(record?.hint ?? null).toBe(inFile ? `sk-proj-…${inFile.slice(-4)}` : null);
      }
    });
  });

  it('6 runs of `login --done` at once, three times over: every profile kept', async () => {
    await withEnv({}, async (t) => {
      const names: string[] = [];
      // Rounds, since whether two writes overlap is down to timing (without the lock about half were lost).
      for (let round = 0; round < 3; round++) {
        const batch = Array.from({ length: 6 }, (_, i) => `r${round}q${i}`);
        names.push(...batch);
        const runs = await Promise.all(batch.map((name) => runCli(['login', '--done', '--profile', name], { env: t.env })));
        expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0]);
      }
      const state = JSON.parse(readFileSync(join(t.configDir, 'state.json'), 'utf8'));
      expect(Object.keys(state.profiles).sort()).toEqual(names.sort());
      expect(leftovers(t.configDir)).toEqual([]);
    });
  });

  it('a lock that is never refreshed nor stale (its time ahead of the clock): the run ends within its wait, in one line, exit 7, and never says "Stored"', async () => {
    await withEnv({}, async (t) => {
      mkdirSync(t.configDir, { mode: 0o700 });
      const lock = join(t.configDir, 'credentials.json.lock');
      mkdirSync(lock);
      // Left by a run on a machine whose clock is ahead, say: not stale for an hour.
      const ahead = new Date(Date.now() + 3_600_000);
      utimesSync(lock, ahead, ahead);
      const result = await runCli(['key', '--stdin', '--insecure-storage', '--no-verify'], { env: t.env, input: VALID, timeoutMs: 25_000 });
      expectOneLine(result, 7, new RegExp(`Another run of openai-setup held ${lock} for more than 10 s, so .*credentials\\.json was not changed; .*rmdir`));
      expect(result.stdout).not.toMatch(/Stored/);
      expect(result.durationMs).toBeLessThan(15_000);
      expect(existsSync(join(t.configDir, 'credentials.json'))).toBe(false);
    });
  });

  it('a run at work holding the lock past the wait (its lock kept fresh, keychain calls slow), then letting go: the waiting run stores its key', async () => {
    await withEnv({}, async (t) => {
      mkdirSync(t.configDir, { mode: 0o700 });
      const lock = join(t.configDir, 'credentials.json.lock');
      mkdirSync(lock);
      // Kept fresh, as a live holder does, for longer than the 10 s wait for one holder.
      const fresh = setInterval(() => utimesSync(lock, new Date(), new Date()), 500);
      const done = setTimeout(() => {
        clearInterval(fresh);
        rmdirSync(lock);
      }, 13_000);
      try {
        const result = await runCli(['key', '--stdin', '--insecure-storage', '--no-verify'], { env: t.env, input: VALID, timeoutMs: 40_000 });
        expect(result.code).toBe(0);
        expect(result.stdout).toMatch(/Stored/);
        expect(result.durationMs).toBeGreaterThan(13_000);
      } finally {
        clearInterval(fresh);
        clearTimeout(done);
      }
      expect(existsSync(join(t.configDir, 'credentials.json'))).toBe(true);
    });
  }, 45_000);

  it('a lock left by a killed run does not block: it is taken over', async () => {
    await withEnv({}, async (t) => {
      mkdirSync(t.configDir, { mode: 0o700 });
      const lock = join(t.configDir, 'state.json.lock');
      mkdirSync(lock);
      const minuteAgo = new Date(Date.now() - 60_000);
      utimesSync(lock, minuteAgo, minuteAgo);
      const result = await runCli(['login', '--done'], { env: t.env });
      expect(result.code).toBe(0);
      expect(result.durationMs).toBeLessThan(5_000);
      expect(existsSync(lock)).toBe(false);
    });
  });
});

describe('the progress file does not decide where the key goes', () => {
  it('a base URL, organization and project in state.json are ignored by verify and run, and dropped at the next write', async () => {
    await withEnv({}, async (t) => {
      expect((await runCli(['key', '--stdin', '--insecure-storage', '--no-verify'], { env: t.env, input: VALID })).code).toBe(0);
      const path = join(t.configDir, 'state.json');
      const state = JSON.parse(readFileSync(path, 'utf8'));
      Object.assign(state.profiles.default, { baseURL: collector.baseURL, organizationId: 'org-elsewhere', projectId: 'proj_elsewhere' });
      writeFileSync(path, JSON.stringify(state));
      const before = collector.requests.length;

      const verify = await runCli(['verify', '--json'], { env: t.env });
      expect(verify.code).toBe(0);
      expect(VerifyJsonSchema.parse(JSON.parse(verify.stdout)).baseURL).toBe(server.baseURL);
      const sent = server.requestsFor(VALID).at(-1)!;
      expect(sent.headers['openai-organization']).toBeUndefined();
      expect(sent.headers['openai-project']).toBeUndefined();

      const run = await runCli(['run', '--', 'sh', '-c', 'printf "%s|%s|%s" "$OPENAI_BASE_URL" "${OPENAI_ORG_ID-none}" "${OPENAI_PROJECT_ID-none}"'], { env: t.env });
      expect(run.stdout).toBe(`${server.baseURL}|none|none`);

      expect(collector.requests.length).toBe(before);
      // Dropped from the profile; the last check's own baseURL (where verify just went) is advice only.
      const after = JSON.parse(readFileSync(path, 'utf8')).profiles.default;
      for (const field of ['baseURL', 'organizationId', 'projectId']) expect(after).not.toHaveProperty(field);
      expect(readFileSync(path, 'utf8')).not.toMatch(/organizationId|projectId/);
      expect(after.lastVerify.baseURL).toBe(server.baseURL.replace(/\/+$/, ''));
    });
  });
});

describe('files that are not what they should be never hang a run', () => {
  it('a FIFO as the state file: `status` warns in one line and goes on; `login --done` fails in one line (exit 7)', async () => {
    await withEnv({}, async (t) => {
      mkdirSync(t.configDir, { mode: 0o700 });
      execFileSync('mkfifo', [join(t.configDir, 'state.json')]);
      const status = await runCli(['status'], { env: t.env, timeoutMs: 8_000 });
      expectOneLine(status, 0, /^! Saved progress is not used: .*state\.json is a FIFO \(named pipe\), not a regular file, so it is not read; remove it/);
      expect(status.stdout).toMatch(/pending/);
      const login = await runCli(['login', '--done'], { env: t.env, timeoutMs: 8_000 });
      expect(login.code).toBe(7);
      expect(login.stderr).toMatch(/^✖ .*state\.json is a FIFO/m);
      expect(login.stderr).not.toMatch(/\n\s+at /);
    });
  });

  it('a FIFO as the key file: `key --insecure-storage` and `token` end at once, exit 7, naming it', async () => {
    await withEnv({}, async (t) => {
      mkdirSync(t.configDir, { mode: 0o700 });
      execFileSync('mkfifo', [join(t.configDir, 'credentials.json')]);
      const key = await runCli(['key', '--stdin', '--insecure-storage', '--no-verify'], { env: t.env, input: VALID, timeoutMs: 8_000 });
      expectOneLine(key, 7, /credentials\.json is a FIFO \(named pipe\), not a regular file/);
      expect(key.stdout).not.toMatch(/Stored/);
      const token = await runCli(['token'], { env: t.env, timeoutMs: 8_000 });
      expectOneLine(token, 7, /credentials\.json is a FIFO/);
    });
  });

  it('/dev/zero behind a symlink, as either file: refused at once, nothing read', async () => {
    await withEnv({}, async (t) => {
      mkdirSync(t.configDir, { mode: 0o700 });
      symlinkSync('/dev/zero', join(t.configDir, 'state.json'));
      symlinkSync('/dev/zero', join(t.configDir, 'credentials.json'));
      const status = await runCli(['status', '--json'], { env: t.env, timeoutMs: 8_000 });
      expectOneLine(status, 0, /state\.json is a character device, not a regular file/);
      // Neither file can be read: whether a key is stored is not known (not "none").
      expect(JSON.parse(status.stdout).key.storage).toBe('unknown');
      // state.json records the profile chosen with `use`: no key is handed out without it.
      const token = await runCli(['token'], { env: t.env, timeoutMs: 8_000 });
      expect(token.code).toBe(7);
      expect(token.stderr).toMatch(/^✖ .*state\.json is a character device, not a regular file.*\n {2}It records the profile chosen with `openai-setup use`/);
      expect(token.stdout).toBe('');
      const named = await runCli(['token', '--profile', 'default'], { env: t.env, timeoutMs: 8_000 });
      expectOneLine(named, 7, /credentials\.json is a character device, not a regular file/);
      expect(named.durationMs).toBeLessThan(5_000);
    });
  });

  it('a state file of more than 1 MB is not read', async () => {
    await withEnv({}, async (t) => {
      mkdirSync(t.configDir, { mode: 0o700 });
      writeFileSync(join(t.configDir, 'state.json'), `{"version":1,"pad":"${'x'.repeat(2 * 1024 * 1024)}"}`, { mode: 0o600 });
      expectOneLine(await runCli(['status'], { env: t.env }), 0, /state\.json: larger than 1 MB/);
    });
  });

  it('a state file saved with a byte-order mark (Notepad) is read as it is, not moved aside', async () => {
    await withEnv({}, async (t) => {
      mkdirSync(t.configDir, { mode: 0o700 });
      const state = { version: 1, profiles: { default: { stages: { login: { doneAt: '2026-01-01T00:00:00.000Z' } } } } };
      writeFileSync(join(t.configDir, 'state.json'), `\uFEFF${JSON.stringify(state, null, 2)}\r\n`, { mode: 0o600 });
      const status = await runCli(['status'], { env: t.env });
      expect(status.stderr).toBe('');
      expect(status.stdout).toMatch(/✔ Log in to the OpenAI API platform done 2026-01-01/);
      expect(readdirSync(t.configDir)).toEqual(['state.json']);
    });
  });
});

describe('a config dir or file that others control is not trusted', () => {
  it('a group-writable config dir: the key is not read (exit 7, naming the chmod), progress is ignored with a warning', async () => {
    await withEnv({}, async (t) => {
      expect((await runCli(['key', '--stdin', '--insecure-storage', '--no-verify'], { env: t.env, input: VALID })).code).toBe(0);
      chmodSync(t.configDir, 0o770);
      // The error that ends the run (progress, read first, gets the same line as a warning).
      const fix = new RegExp(`^✖ ${t.configDir} can be changed by other users \\(mode 0770\\), so openai-setup does not trust it; fix it with \`chmod 700 '${t.configDir}'\``);
      // Without --profile the progress file is needed first (it records the profile `use` chose): the same line, and why.
      for (const args of [['token'], ['run', '--', 'sh', '-c', 'echo "$OPENAI_API_KEY"']]) {
        const result = await runCli(args, { env: t.env });
        expect(result.code).toBe(7);
        expect(result.stderr.split('\n')[0]).toMatch(fix);
        expect(result.stderr).toContain('It records the profile chosen with `openai-setup use`');
        expect(result.stdout).toBe('');
      }
      const token = await runCli(['token', '--profile', 'default'], { env: t.env });
      expectOneLine(token, 7, fix);
      expect(token.stdout).toBe('');
      const run = await runCli(['run', '--profile', 'default', '--', 'sh', '-c', 'echo "$OPENAI_API_KEY"'], { env: t.env });
      expectOneLine(run, 7, fix);
      expect(run.stdout).toBe('');
      const status = await runCli(['status'], { env: t.env });
      expectOneLine(status, 0, /^! Saved progress is not used: .*mode 0770/);
      // The key file cannot be trusted either: not "no key stored" (one is), but not known.
      expect(status.stdout).toMatch(/Key not known: the progress file cannot be used and .*credentials\.json could not be read/);
      expect(status.stdout).not.toMatch(/No key stored/);
      expectOneLine(await runCli(['login', '--done'], { env: t.env }), 7, fix);
    });
  });

  it('a key file of another user: refused, naming the chown', async () => {
    await withEnv({}, async (t) => {
      expect((await runCli(['key', '--stdin', '--insecure-storage', '--no-verify'], { env: t.env, input: VALID })).code).toBe(0);
      const path = join(t.configDir, 'credentials.json');
      chownSync(path, NOBODY, NOBODY);
      const token = await runCli(['token'], { env: t.env });
      expectOneLine(token, 7, new RegExp(`${path} belongs to another user \\(uid ${NOBODY}\\), so openai-setup does not trust it; if it is yours, fix it with \`chown root '${path}'\``));
      expect(token.stdout).toBe('');
    });
  });
});

describe('profile names that are names of Object properties', () => {
  it('`token --profile constructor` prints no function source, `run` exports none, `status` does not crash', async () => {
    await withEnv({}, async (t) => {
      expect((await runCli(['key', '--stdin', '--insecure-storage', '--no-verify'], { env: t.env, input: VALID })).code).toBe(0);
      const token = await runCli(['token', '--profile', 'constructor'], { env: t.env });
      expect(token.code).toBe(2);
      expect(token.stdout).toBe('');
      expect(token.stderr).toMatch(/No key is stored for profile "constructor"/);
      const run = await runCli(['run', '--profile', 'valueOf', '--', 'sh', '-c', 'echo "$OPENAI_API_KEY"'], { env: t.env });
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      for (const name of ['toString', 'constructor', 'hasOwnProperty']) {
        const status = await runCli(['status', '--profile', name], { env: t.env });
        expect(status.code).toBe(0);
        // No profile of an Object property's name is taken as one that exists.
        expect(status.stderr).toBe(`! No profile "${name}" exists (profiles: default): what follows is for a new profile of that name, which its steps would make.\n`);
        expect(status.stdout).toMatch(/No key recorded for this profile/);
      }
    });
  });
});

/**
 * Run the CLI in a mount namespace of its own with a 64 kB tmpfs as the config dir, prepared by
 * `prepare` (shell, $CFG is the dir); what is left in the dir is written to <root>/listing.
 */
function inPrivateMount(t: TestEnv, prepare: string, args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<RunResult & { listing: string[] }> {
  const script = [
    'set -e',
    'mount -t tmpfs -o size=64k,mode=0700 openai-setup-test "$CFG"',
    prepare,
    'set +e',
    '"$NODE" "$CLI" "$@"',
    'rc=$?',
    'ls -A "$CFG" > "$LISTING"',
    'exit $rc',
  ].join('\n');
  mkdirSync(t.configDir, { recursive: true, mode: 0o700 });
  const listing = join(t.root, 'listing');
  return runCommand('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', ...args], {
    env: { ...t.env, ...options.env, CFG: t.configDir, NODE: process.execPath, CLI, LISTING: listing },
    input: options.input,
  }).then((result) => ({ ...result, listing: existsSync(listing) ? readFileSync(listing, 'utf8').split('\n').filter(Boolean) : ['(no listing)'] }));
}

describe('a config dir that cannot be written: one line, exit 7; verify --json keeps its answer', () => {
  it('no space left (ENOSPC): the key is not stored, not said to be, and no temp file holds it', async () => {
    await withEnv({}, async (t) => {
      const fill = 'head -c 1048576 /dev/zero > "$CFG/fill" 2>/dev/null || true';
      const result = await inPrivateMount(t, fill, ['key', '--stdin', '--insecure-storage', '--no-verify'], { input: VALID });
      // state.json is written first (the key change's mark, before the key store is touched): it fails there.
      expectOneLine(result, 7, /was not stored: Could not write .*state\.json: no space is left on the disk \(ENOSPC\); free some space and run again\./);
      expect(result.stdout).not.toMatch(/Stored/);
      expect(result.listing).toEqual(['fill']);
    });
  });

  it('a read-only file system (EROFS): `login --done` fails in one line; `verify --json` answers, warns, exits with the check\'s code', async () => {
    await withEnv({}, async (t) => {
      const readOnly = 'mount -o remount,ro "$CFG"';
      const login = await inPrivateMount(t, readOnly, ['login', '--done']);
      // Its lock is the first thing written: named, with the file it was for.
      expectOneLine(login, 7, /Could not make the lock .*state\.json\.lock for the change to .*state\.json: the file system is read-only \(EROFS\), so "Log in to the OpenAI API platform" was not recorded as done \(openai-setup will ask about it again\); set OPENAI_SETUP_CONFIG_DIR to a directory on a writable disk\./);
      const verify = await inPrivateMount(t, readOnly, ['verify', '--json'], { env: { OPENAI_API_KEY: NO_CREDITS } });
      expect(verify.code).toBe(4);
      expect(VerifyJsonSchema.parse(JSON.parse(verify.stdout)).status).toBe('insufficient_quota');
      expectOneLine(verify, 4, /^! The result of this check was not recorded: Could not make the lock .*state\.json\.lock for the change to .*state\.json: the file system is read-only \(EROFS\)/);
    });
  });

  it('operation not permitted (EPERM): one line naming the dir', async () => {
    // sysfs refuses to make directories, even for root.
    await withEnv({ OPENAI_SETUP_CONFIG_DIR: '/sys/openai-setup-test' }, async (t) => {
      expectOneLine(await runCli(['login', '--done'], { env: t.env }), 7, /Could not create \/sys\/openai-setup-test: operation not permitted \(EPERM\), so "Log in to the OpenAI API platform" was not recorded as done \(openai-setup will ask about it again\); check who owns/);
      const verify = await runCli(['verify', '--json'], { env: { ...t.env, OPENAI_API_KEY: VALID } });
      expect(verify.code).toBe(0);
      expect(VerifyJsonSchema.parse(JSON.parse(verify.stdout)).ok).toBe(true);
      expectOneLine(verify, 0, /^! The result of this check was not recorded: Could not create \/sys\/openai-setup-test: operation not permitted \(EPERM\)/);
    });
  });

  it('permission denied (EACCES): a user whose HOME does not exist, or that they cannot write to: the advice names the level that refused', async () => {
    await withEnv({}, async (t) => {
      // `nobody` must be able to run this Node and the built tool: a clone (or a Node from a cache
      // under /root) may sit in a dir only root can enter, so both are copied to one anybody can.
      const app = join(tmpdir(), `openai-setup-as-nobody-${process.pid}`);
      rmSync(app, { recursive: true, force: true });
      try {
        mkdirSync(app, { mode: 0o755 });
        chmodSync(app, 0o755);
        copyFileSync(process.execPath, join(app, 'node'));
        chmodSync(join(app, 'node'), 0o755);
        for (const part of ['bin', 'dist', 'package.json', 'node_modules/@napi-rs']) cpSync(join(REPO_ROOT, part), join(app, part), { recursive: true });
        execFileSync('chmod', ['-R', 'a+rX', app]);
        await expectEaccesAsNobody(t, join(app, 'node'), join(app, 'bin', 'openai-setup.cjs'));
        // A HOME of theirs they cannot write to (root's, 0755), without ~/.config: the advice names
        // HOME, which refused, not the config dir or ~/.config, which are not there.
        const home = join(app, 'home');
        mkdirSync(home, { mode: 0o755 });
        const login = await runCommand('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', join(app, 'node'), join(app, 'bin', 'openai-setup.cjs'), 'login', '--done'], {
          env: { PATH: t.env.PATH!, HOME: home, LANG: 'C.UTF-8' },
          cwd: '/',
        });
        expectOneLine(login, 7, new RegExp(`Could not create ${home}/\\.config/openai-setup: permission denied \\(EACCES\\), so "Log in to the OpenAI API platform" was not recorded as done \\(openai-setup will ask about it again\\); check who owns ${home} and its permissions \\(ls -ld '${home}'\\)`));
        expect(existsSync(join(home, '.config'))).toBe(false);
      } finally {
        rmSync(app, { recursive: true, force: true });
      }
    });
  });

  async function expectEaccesAsNobody(t: TestEnv, node: string, cli: string): Promise<void> {
    const env: Record<string, string> = { PATH: t.env.PATH!, HOME: '/nonexistent', LANG: 'C.UTF-8', OPENAI_BASE_URL: server.baseURL };
    const asNobody = (args: string[], extra: Record<string, string> = {}) =>
      runCommand('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', node, cli, ...args], { env: { ...env, ...extra }, cwd: '/' });
    // Not even HOME is there: / refused, but the missing HOME is what to fix, not /'s owner.
    const gone = "HOME \\(/nonexistent\\) does not exist: set HOME to your home directory, or XDG_CONFIG_HOME or OPENAI_SETUP_CONFIG_DIR to a directory you can write\\.$";
    const login = await asNobody(['login', '--done']);
    expectOneLine(login, 7, new RegExp(`Could not create /nonexistent/\\.config/openai-setup: permission denied \\(EACCES\\), so "Log in to the OpenAI API platform" was not recorded as done \\(openai-setup will ask about it again\\); ${gone}`));
    expect(login.stderr).not.toContain('check who owns');
    const verify = await asNobody(['verify', '--json'], { OPENAI_API_KEY: NO_CREDITS });
    expect(verify.code).toBe(4);
    expect(VerifyJsonSchema.parse(JSON.parse(verify.stdout)).status).toBe('insufficient_quota');
    expectOneLine(verify, 4, new RegExp(`^! The result of this check was not recorded: .*\\(EACCES\\); ${gone}`));
    expect(existsSync('/nonexistent')).toBe(false);
  }

  it('a config dir owned by someone else: verify --json answers and warns; the dir is not touched', async () => {
    await withEnv({}, async (t) => {
      mkdirSync(t.configDir, { mode: 0o755 });
      chownSync(t.configDir, NOBODY, NOBODY);
      const verify = await runCli(['verify', '--json'], { env: { ...t.env, OPENAI_API_KEY: VALID } });
      expect(verify.code).toBe(0);
      expect(VerifyJsonSchema.parse(JSON.parse(verify.stdout)).status).toBe('valid');
      expectOneLine(verify, 0, new RegExp(`^! The result of this check was not recorded: ${t.configDir} belongs to another user \\(uid ${NOBODY}\\)`));
      expect(readdirSync(t.configDir)).toEqual([]);
    });
  });
});

describe('a file written by a newer openai-setup is never moved aside or written over', () => {
  const newerState = JSON.stringify({ version: 99, profiles: { default: { stages: { login: { doneAt: '2026-01-01T00:00:00.000Z' } } } }, fromTheFuture: { a: 1 } });
  const newerWarning = /^! The progress file .*state\.json was written by a newer openai-setup \(format 99; this one knows 1\): it is left as it is/;

  it('state.json of version 99: `status` and `profiles` say so in one line and show what they can; `login --done` and `use` exit 7 saying to update; the file is untouched', async () => {
    await withEnv({}, async (t) => {
      mkdirSync(t.configDir, { mode: 0o700 });
      const path = join(t.configDir, 'state.json');
      writeFileSync(path, newerState, { mode: 0o600 });
      const status = await runCli(['status'], { env: t.env });
      expectOneLine(status, 0, newerWarning);
      expect(status.stdout).toMatch(/✔ Log in to the OpenAI API platform done 2026-01-01/);
      expectOneLine(await runCli(['profiles'], { env: t.env }), 0, newerWarning);
      const update = /^✖ The progress file .*state\.json was written by a newer openai-setup \(format 99; this one knows 1\), so this one leaves it as it is and saves nothing to it; update openai-setup \(npm install -g openai-setup@latest\) and run again\.$/;
      for (const args of [['login', '--done'], ['use', 'work']]) {
        const result = await runCli(args, { env: t.env });
        expectOneLine(result, 7, update);
        expect(result.stdout).not.toMatch(/done|default profile/i);
      }
      expect(readdirSync(t.configDir)).toEqual(['state.json']);
      expect(readFileSync(path, 'utf8')).toBe(newerState);
    });
  });

  it('a damaged state.json: `status` only says so (it never moves or changes a file); the next command that saves progress moves it aside', async () => {
    await withEnv({}, async (t) => {
      mkdirSync(t.configDir, { mode: 0o700 });
      const path = join(t.configDir, 'state.json');
      const damaged = '{"version":1,"profiles":{"default":{"stages":{"login":';
      writeFileSync(path, damaged, { mode: 0o600 });
      const status = await runCli(['status'], { env: t.env });
      expectOneLine(status, 0, /^! The progress file .*state\.json is damaged \(.*\), so it is not used; it is left as it is until a command that saves progress moves it aside/);
      expect(readdirSync(t.configDir)).toEqual(['state.json']);
      expect(readFileSync(path, 'utf8')).toBe(damaged);
      const login = await runCli(['login', '--done'], { env: t.env });
      expect(login.code).toBe(0);
      expect(login.stderr).toMatch(/was damaged \(.*\); it was moved to .*state\.json\.bak-/);
      const aside = readdirSync(t.configDir).find((name) => name.startsWith('state.json.bak-'))!;
      expect(readFileSync(join(t.configDir, aside), 'utf8')).toBe(damaged);
    });
  });

  it('credentials.json of a newer version: `key --insecure-storage`, `key` (keychain) and `token` exit 7 saying to update; the file is untouched', async () => {
    await withEnv({}, async (t) => {
      mkdirSync(t.configDir, { mode: 0o700 });
      const path = join(t.configDir, 'credentials.json');
      const newer = JSON.stringify({ version: 2, keys: { default: { key: VALID } } });
      writeFileSync(path, newer, { mode: 0o600 });
      const update = /^✖ .*credentials\.json was written by a newer openai-setup \(format 2; this one knows 1\), so this one neither reads nor changes it; update openai-setup .* and run again\.$/;
      const key = await runCli(['key', '--stdin', '--insecure-storage', '--no-verify'], { env: t.env, input: NO_CREDITS });
      expectOneLine(key, 7, update);
      expect(key.stdout).not.toMatch(/Stored/);
      expectOneLine(await runCli(['token'], { env: t.env }), 7, update);
      expect(readdirSync(t.configDir)).toEqual(['credentials.json']);
      expect(readFileSync(path, 'utf8')).toBe(newer);
    });
  });
});

describe('where the config dir is: never a hang, never the current dir by accident', () => {
  it('OPENAI_SETUP_CONFIG_DIR under /proc (Node\'s recursive mkdir loops there): one line, exit 7, at once', async () => {
    await withEnv({ OPENAI_SETUP_CONFIG_DIR: '/proc/x' }, async (t) => {
      const login = await runCli(['login', '--done'], { env: t.env, timeoutMs: 10_000 });
      expect(login.timedOut).toBe(false);
      expectOneLine(login, 7, /^✖ Could not create \/proc\/x: no such file or directory \(ENOENT\), so "Log in to the OpenAI API platform" was not recorded as done \(openai-setup will ask about it again\); no directory can be made there; set OPENAI_SETUP_CONFIG_DIR to a directory of yours\.$/);
      expect(login.durationMs).toBeLessThan(5_000);
    });
  });

  it('HOME or XDG_CACHE_HOME under /proc never hangs the start (the compile cache dir, Node >= 22.1)', async () => {
    await withEnv({}, async (t) => {
      for (const extra of [{ HOME: '/proc/x' }, { XDG_CACHE_HOME: '/proc/x' }] as Record<string, string>[]) {
        const status = await runCli(['status'], { env: { ...t.env, ...extra }, cwd: t.home, timeoutMs: 10_000 });
        expect(status.timedOut, JSON.stringify(extra)).toBe(false);
        expect(status.code, status.stderr).toBe(0);
      }
    });
  });

  it('a relative XDG_CONFIG_HOME or XDG_CACHE_HOME is ignored (as the XDG spec says): the key goes to ~/.config, nothing is made in the current dir', async () => {
    await withEnv({ OPENAI_SETUP_CONFIG_DIR: undefined, XDG_CONFIG_HOME: 'cfg', XDG_CACHE_HOME: 'cache' }, async (t) => {
      const cwd = join(t.root, 'project');
      mkdirSync(cwd);
      const key = await runCli(['key', '--stdin', '--insecure-storage', '--no-verify'], { env: t.env, input: VALID, cwd });
      expect(key.code, key.stderr).toBe(0);
      const path = join(t.home, '.config', 'openai-setup', 'credentials.json');
      expect(key.stdout).toContain(`in plain text in ${path}`);
      expect(JSON.parse(readFileSync(path, 'utf8')).keys.default).toBe(VALID);
      expect(readdirSync(cwd)).toEqual([]);
    });
  });

  it('a relative HOME is a usage error naming it (exit 2) when the files would go under it; nothing is made in the current dir', async () => {
    await withEnv({ OPENAI_SETUP_CONFIG_DIR: undefined, XDG_CONFIG_HOME: undefined, HOME: 'home' }, async (t) => {
      const cwd = join(t.root, 'project');
      mkdirSync(cwd);
      for (const args of [['key', '--stdin', '--insecure-storage', '--no-verify'], ['status']]) {
        const result = await runCli(args, { env: t.env, input: VALID, cwd });
        expect(result.code, result.stderr).toBe(2);
        expect(result.stderr.trimEnd().split('\n')).toEqual(['✖ HOME is not an absolute path (got "home"): openai-setup keeps its files under it. Set HOME to your home directory, or OPENAI_SETUP_CONFIG_DIR to an absolute path.']);
      }
      expect(readdirSync(cwd)).toEqual([]);
    });
  });

  it('a HOME longer than the system takes (Node cannot give it: ENOBUFS): a usage error naming it (exit 2); with OPENAI_SETUP_CONFIG_DIR set, the commands work', async () => {
    const home = `/${'h'.repeat(5000)}`;
    await withEnv({ OPENAI_SETUP_CONFIG_DIR: undefined, XDG_CONFIG_HOME: undefined, HOME: home }, async (t) => {
      const result = await runCli(['status'], { env: t.env, cwd: t.root });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr.trimEnd().split('\n')).toEqual(['✖ HOME cannot be used (it is too long): openai-setup keeps its files under it. Set HOME to your home directory, or OPENAI_SETUP_CONFIG_DIR to an absolute path.']);
    });
    await withEnv({ HOME: home }, async (t) => {
      const key = await runCli(['key', '--stdin', '--insecure-storage', '--no-verify'], { env: t.env, input: VALID, cwd: t.root });
      expect(key.code, key.stderr).toBe(0);
      const status = await runCli(['status'], { env: t.env, cwd: t.root });
      expect(status.code, status.stderr).toBe(0);
      expect(status.stderr).not.toMatch(/Unexpected error|\n\s+at /);
    });
  });

  it.each([
    ['relative', 'cfg', /^✖ OPENAI_SETUP_CONFIG_DIR: must be an absolute path .*\(got "cfg"\)\.$/],
    ['an escape sequence', '\x1b[31mRED', /^✖ OPENAI_SETUP_CONFIG_DIR: must not contain line breaks or other control characters \(got "\\x1b\[31mRED"\)\.$/],
    ['a line break', 'a\nb', /^✖ OPENAI_SETUP_CONFIG_DIR: must not contain line breaks or other control characters \(got "a\\x0ab"\)\.$/],
  ])('OPENAI_SETUP_CONFIG_DIR %s: a usage error naming it (exit 2), the value shown escaped, nothing created', async (_name, value, pattern) => {
    await withEnv({ OPENAI_SETUP_CONFIG_DIR: value }, async (t) => {
      const cwd = join(t.root, 'project');
      mkdirSync(cwd);
      for (const args of [['key', '--stdin', '--insecure-storage', '--no-verify'], ['login', '--done'], ['status']]) {
        const result = await runCli(args, { env: t.env, input: VALID, cwd });
        expect(result.code, result.stderr).toBe(2);
        expect(result.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(pattern)]);
        expect(result.stderr).not.toContain('\x1b');
        expect(result.stdout).toBe('');
      }
      expect(readdirSync(cwd)).toEqual([]);
    });
  });
});

describe("root's run with another user's HOME (sudo -E, macOS sudo)", () => {
  // Their home, without ~/.config or ~/.cache: root's run leaves it as it was, whatever it is asked.
  it.skipIf(process.getuid?.() !== 0)('login --done refuses in one line (exit 7); it, --help and status make no ~/.config or ~/.cache there', async () => {
    const base = mkdtempSync(join(tmpdir(), 'openai-setup-e2e-sudo-'));
    try {
      const home = join(base, 'u');
      mkdirSync(home);
      chownSync(home, NOBODY, NOBODY);
      const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, SUDO_USER: 'nobody', LANG: 'C.UTF-8' };
      const run = (args: string[]) => runCommand(process.execPath, [CLI, ...args], { env, cwd: base });
      const login = await run(['login', '--done']);
      expectOneLine(login, 7, new RegExp(`${home}/\\.config/openai-setup was not made: openai-setup runs as root here, and ${home} belongs to another user \\(uid ${NOBODY}\\).* Run openai-setup as that user \\(without sudo\\)`));
      for (const args of [['--help'], ['status']]) expect((await run(args)).code, args.join(' ')).toBe(0);
      expect(readdirSync(home)).toEqual([]);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

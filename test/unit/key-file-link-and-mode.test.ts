// credentials.json as people keep it: a symbolic link into a synced folder (README: links to one
// are fine), and a file or config dir others can read. Through a link, storing and removing act on
// the file it leads to, atomically there, and say that path: `logout` never says a key is removed
// while the file behind the link keeps it. A file or dir others can read is made private again
// when it is read, and that is said once (doctor shows it as a check).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DoctorJsonSchema, run as doctor } from '../../src/commands/doctor.js';
import { run as key } from '../../src/commands/key.js';
import { run as logout } from '../../src/commands/logout.js';
import { run as status } from '../../src/commands/status.js';
import { run as token } from '../../src/commands/token.js';
import { run as verify } from '../../src/commands/verify.js';
import { maskKey } from '../../src/keys/format.js';
import { checkResult, makeTestContext, outcomeOf, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';

// A chmod the file system refuses (a read-only mount), for the paths a test names.
const refuseChmod = vi.hoisted(() => new Set<string>());
vi.mock('node:fs/promises', async (original) => {
  const fs = await original<typeof import('node:fs/promises')>();
  const chmod: typeof fs.chmod = async (path, mode) => {
    if (refuseChmod.has(String(path))) throw Object.assign(new Error(`EROFS: read-only file system, chmod '${String(path)}'`), { code: 'EROFS' });
    return fs.chmod(path, mode);
  };
  return { ...fs, chmod, default: { ...fs, chmod } };
});

const K = testKey('L');
const OTHER = testKey('M');
const NEW = testKey('N');

let t: TestContext;
afterEach(async () => {
  refuseChmod.clear();
  await t?.cleanup();
});

const fileWith = (keys: Record<string, string>) => `${JSON.stringify({ version: 1, keys })}\n`;
const keysIn = (path: string): Record<string, string> => JSON.parse(readFileSync(path, 'utf8')).keys;
const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

/** A context whose credentials.json is a link to `<root>/sync/creds.json` (0600) holding `keys`: the link and the real file. */
function linked(keys: Record<string, string> | null, options: TestContextOptions = {}): { link: string; real: string } {
  t = makeTestContext({ stdoutIsTTY: false, interactive: false, ...options });
  mkdirSync(t.configDir, { mode: 0o700 });
  const real = join(dirname(t.configDir), 'sync', 'creds.json');
  mkdirSync(dirname(real), { mode: 0o700 });
  if (keys) writeFileSync(real, fileWith(keys), { mode: 0o600 });
  const link = join(t.configDir, 'credentials.json');
  symlinkSync(real, link);
  return { link, real };
}

describe.skipIf(process.platform === 'win32')('credentials.json a symbolic link', () => {
  it('logout removes the key from the file the link leads to, names that file, and says what is left', async () => {
    const { link, real } = linked({ default: K });
    expect(await token(t.ctx, { yes: true })).toBe(0);
    expect(t.stdout).toBe(`${K}\n`);
    expect(await logout(t.ctx, { yes: true })).toBe(0);
    expect(t.stdout).toContain(`✔ Removed ${maskKey(K)} from ${real} (where ${link} leads).\n`);
    expect(t.stdout).toContain(`${real} holds no key now; it stays, and so does the link ${link} to it (rm '${link}' '${real}' removes both).\n`);
    // The key is gone from the real file; the link is still a link to it.
    expect(readFileSync(real, 'utf8')).not.toContain(K);
    expect(keysIn(real)).toEqual({});
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(modeOf(real)).toBe('600');
    expect((await outcomeOf(token(t.ctx, { yes: true }))).code).toBe(2);
  });

  it('logout of one profile keeps the other\'s key there, and writes no temp file anywhere', async () => {
    const { link, real } = linked({ default: K, work: OTHER });
    expect(await logout(t.ctx, { yes: true })).toBe(0);
    expect(keysIn(real)).toEqual({ work: OTHER });
    expect(t.stdout).not.toContain('holds no key now');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readdirSync(dirname(real))).toEqual(['creds.json']);
    expect(await token(t.ctx, { profile: 'work', yes: true })).toBe(0);
    expect(t.stdout.endsWith(`${OTHER}\n`)).toBe(true);
  });

  it('key --insecure-storage writes into the file the link leads to (the link stays), naming it', async () => {
    const { link, real } = linked({ default: K, work: OTHER }, { stdin: `${NEW}\n` });
    expect(await key(t.ctx, { stdin: true, verify: false, insecureStorage: true })).toBe(0);
    expect(t.stdout).toContain(`! Stored ${maskKey(NEW)} in plain text in ${real} (where ${link} leads) (mode 0600).\n`);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(keysIn(real)).toEqual({ default: NEW, work: OTHER });
    expect(modeOf(real)).toBe('600');
  });

  it('a link to a file not there yet: the file is made there, the link stays', async () => {
    const { link, real } = linked(null, { stdin: `${NEW}\n` });
    expect(await key(t.ctx, { stdin: true, verify: false, insecureStorage: true })).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(keysIn(real)).toEqual({ default: NEW });
  });

  it('moving the key into the keychain removes it from the file the link leads to', async () => {
    const { link, real } = linked({ default: K, work: OTHER }, { stdin: `${NEW}\n` });
    expect(await key(t.ctx, { stdin: true, verify: false })).toBe(0);
    expect(t.keychain.keyOf('default')).toBe(NEW);
    expect(keysIn(real)).toEqual({ work: OTHER });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });
});

describe.skipIf(process.platform === 'win32')('state.json or credentials.json a link whose file\'s folder is not there (nothing can ever be written)', () => {
  for (const name of ['state.json', 'credentials.json']) {
    it(`${name}: key refuses before storing, one line naming the link, where it leads and the rm that works; status and doctor say the same`, async () => {
      t = makeTestContext({ stdoutIsTTY: false, interactive: false, stdin: `${NEW}\n` });
      mkdirSync(t.configDir, { mode: 0o700 });
      const link = join(t.configDir, name);
      const nowhere = join(dirname(t.configDir), 'gone', 'x.json');
      symlinkSync(nowhere, link);
      const said = `${link} is a symbolic link to ${nowhere}, whose folder ${dirname(nowhere)} does not exist, so nothing can be saved there; remove the link (rm '${link}') and run again, or make that folder if the link is meant to lead there.`;

      const refused = await outcomeOf(key(t.ctx, { stdin: true, verify: false, insecureStorage: name === 'credentials.json' }));
      expect(refused.code).toBe(7);
      expect(refused.message).toContain(said);
      expect(refused.message).not.toContain('run again; if it persists');
      expect(t.keychain.keyOf('default')).toBeUndefined();

      if (name === 'state.json') {
        expect(await status(t.ctx, { json: false })).toBe(0);
        expect(t.stderr).toContain(`! Saved progress is not used: ${said}\n`);
        t.api.answerReach({ reached: true, status: 401, json: true, ms: 42 });
        expect(await doctor(t.ctx, { json: true })).toBe(7);
        const check = DoctorJsonSchema.parse(JSON.parse(t.stdout.slice(t.stdout.indexOf('{')))).checks.find((c) => c.id === 'progress-file');
        expect(check).toMatchObject({ status: 'fail', fix: `Remove the link (rm '${link}') and run again, or make that folder if the link is meant to lead there.` });
      }

      // The command as printed removes the link alone; then the key is stored.
      execFileSync('bash', ['-c', /\((rm '[^']+')\)/.exec(said)![1]!]);
      expect(existsSync(link)).toBe(false);
      expect(await key(t.ctx, { stdin: true, verify: false, insecureStorage: name === 'credentials.json' })).toBe(0);
    });
  }
  it('state.json: each command says it once, where it matters (key fails with it, status and verify warn, doctor\'s row), the doctor row\'s words not doubled', async () => {
    /** A fresh run with state.json such a link (the folder named with a blank): what it says. */
    const withLink = () => {
      t = makeTestContext({ stdoutIsTTY: false, interactive: false, stdin: `${NEW}\n`, env: { OPENAI_API_KEY: K } });
      mkdirSync(t.configDir, { mode: 0o700 });
      const link = join(t.configDir, 'state.json');
      const nowhere = join(dirname(t.configDir), 'gone dir', 'x.json');
      symlinkSync(nowhere, link);
      return `${link} is a symbolic link to ${nowhere}, whose folder ${dirname(nowhere)} does not exist, so nothing can be saved there`;
    };
    const times = (text: string, part: string) => text.split(part).length - 1;

    // A command that must save: the failure alone.
    let said = withLink();
    const refused = await outcomeOf(key(t.ctx, { stdin: true, verify: false, insecureStorage: true }));
    expect(refused.code).toBe(7);
    expect(refused.message).toContain(said);
    expect(times(t.stderr + t.stdout, said)).toBe(0);
    await t.cleanup();

    // One that only reads: the warning alone.
    said = withLink();
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(times(t.stderr + t.stdout, said)).toBe(1);
    await t.cleanup();

    // verify: the warning, and the check not recorded said short.
    said = withLink();
    t.api.answerEveryCheck(() => checkResult('valid'));
    expect(await verify(t.ctx, { json: false, quiet: false, billingCheck: true })).toBe(0);
    expect(times(t.stderr + t.stdout, said)).toBe(1);
    expect(t.stderr).toContain('! The result of this check was not recorded (the progress file, above).\n');
    await t.cleanup();

    // doctor: its row once, with its fix; the check not recorded said short.
    said = withLink();
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 42 }).answerEveryCheck(() => checkResult('valid'));
    expect(await doctor(t.ctx, { json: false })).toBe(7);
    expect(times(t.stderr + t.stdout, said)).toBe(1);
    expect(t.stdout).toContain(`${said}, and token, run and env hand out no key`);
    expect(t.stdout).not.toContain('nothing can be saved, and');
    expect(t.stderr).toBe('! The result of this check was not recorded (the progress file, above).\n');
    await t.cleanup();

    // token: the failure alone.
    said = withLink();
    const failed = await outcomeOf(token(t.ctx, { yes: true }));
    expect(failed.code).toBe(7);
    expect(failed.message).toContain(said);
    expect(times(t.stderr + t.stdout, said)).toBe(0);
  });
});

describe.skipIf(process.platform === 'win32')('a key file or config dir others can read', () => {
  /** credentials.json holding K with `mode`, in a config dir of `dirMode`; its path. */
  function readable(mode: number, dirMode: number, options: TestContextOptions = {}): string {
    t = makeTestContext({ stdoutIsTTY: false, interactive: false, ...options });
    mkdirSync(t.configDir);
    const path = join(t.configDir, 'credentials.json');
    writeFileSync(path, fileWith({ default: K }));
    chmodSync(path, mode);
    chmodSync(t.configDir, dirMode);
    return path;
  }

  it('is made 0600 in a 0700 dir as token reads it, said once in one line', async () => {
    const path = readable(0o644, 0o755);
    expect(await token(t.ctx, { yes: true })).toBe(0);
    expect(t.stdout).toBe(`${K}\n`);
    const said = `! The key file ${path} (mode 0644) and the config dir ${t.configDir} (mode 0755) could be read by other users; made the file 0600 and the directory 0700 now.\n`;
    expect(t.stderr.split(said).length - 1).toBe(1);
    expect(modeOf(path)).toBe('600');
    expect(modeOf(t.configDir)).toBe('700');
  });

  it('a config dir its owner made read-only keeps its owner bits: 0555 becomes 0500 (said), 0500 stays 0500 after writes', async () => {
    const path = readable(0o600, 0o555);
    expect(await token(t.ctx, { yes: true })).toBe(0);
    expect(t.stderr.split(`! The config dir ${t.configDir} (mode 0555) could be read by other users; made the directory 0500 now.\n`).length - 1).toBe(1);
    expect(modeOf(t.configDir)).toBe('500');
    // A write (logout saves credentials.json and state.json) leaves the owner's choice alone too.
    const code = await logout(t.ctx, { yes: true }).catch((error: { code?: number; message?: string }) => error);
    if (process.getuid?.() === 0) {
      // Root writes whatever the bits say.
      expect(code).toBe(0);
      expect(existsSync(path) ? keysIn(path) : {}).toEqual({});
    } else {
      // Not writable by its owner either: one line, exit 7, what to check.
      expect(code).toMatchObject({ code: 7, message: expect.stringContaining('permission denied (EACCES); check who owns') });
    }
    expect(modeOf(t.configDir)).toBe('500');
  });

  it('one that cannot be changed: said with the exact chmod, and the key is still handed out', async () => {
    const path = readable(0o640, 0o700);
    refuseChmod.add(path);
    expect(await token(t.ctx, { yes: true })).toBe(0);
    expect(t.stderr).toContain(`! The key file ${path} (mode 0640) could be read by other users; could not be changed (the file system is read-only); fix it with \`chmod 600 -- '${path}'\`.\n`);
    expect(modeOf(path)).toBe('640');
  });

  it('doctor shows it as a check, with the fix when it could not be done', async () => {
    for (const refuse of [false, true]) {
      const path = readable(0o644, 0o700);
      if (refuse) refuseChmod.add(path);
      t.api.answerReach({ reached: true, status: 401, json: true, ms: 42 }).answerEveryCheck(() => checkResult('valid'));
      expect(await doctor(t.ctx, { json: true })).toBe(0);
      const check = DoctorJsonSchema.parse(JSON.parse(t.stdout)).checks.find((c) => c.id === 'key-file-mode');
      expect(check).toEqual({
        id: 'key-file-mode',
        title: 'Key file',
        status: 'warn',
        detail: refuse
          ? `The key file ${path} (mode 0644) could be read by other users; could not be changed (the file system is read-only)`
          : `The key file ${path} (mode 0644) could be read by other users; made the file 0600 now`,
        fix: refuse ? `Fix it with \`chmod 600 -- '${path}'\`.` : null,
      });
      await t.cleanup();
      refuseChmod.clear();
    }
    const path = readable(0o644, 0o700);
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 42 }).answerEveryCheck(() => checkResult('valid'));
    expect(await doctor(t.ctx, { json: false })).toBe(0);
    const line = `! Key file            The key file ${path} (mode 0644) could be read by other users; made the file 0600 now\n`;
    // Said once: as the check, not on stderr as well.
    expect(t.stdout.split(line).length - 1).toBe(1);
    expect(t.stderr).not.toContain('could be read by other users');
    expect(existsSync(path)).toBe(true);
  });
});

describe.skipIf(process.platform === 'win32')('what a link leads to is the person\'s own: its mode is never changed, only said', () => {
  /** credentials.json a link to `<root>/shared/creds.json` (0640, holding K) in a 0750 dir, as one shares a file with a group on purpose. */
  function shared(options: TestContextOptions = {}): { link: string; real: string } {
    const { link, real } = linked({ default: K }, options);
    chmodSync(real, 0o640);
    chmodSync(dirname(real), 0o750);
    return { link, real };
  }

  it('token hands the key out and leaves the file and its dir as they are, saying once by its real path what makes it private', async () => {
    const { link, real } = shared();
    expect(await token(t.ctx, { yes: true })).toBe(0);
    expect(await token(t.ctx, { yes: true })).toBe(0);
    expect(t.stdout).toBe(`${K}\n${K}\n`);
    const said = `! The key file ${real} (mode 0640, where ${link} leads) could be read by other users; left as it is (yours, reached through a link: openai-setup changes only what it made); fix it with \`chmod 600 -- '${real}'\`.\n`;
    expect(t.stderr.split(said).length - 1).toBe(1);
    expect(t.stderr.split('could be read by other users').length - 1).toBe(1);
    expect(t.stderr).toContain(`! Reading the key of profile "default" from the plain-text file ${real} (where ${link} leads) (--insecure-storage).\n`);
    expect(modeOf(real)).toBe('640');
    expect(modeOf(dirname(real))).toBe('750');
    expect(modeOf(t.configDir)).toBe('700');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });

  it('doctor says it once, as its Key file check, with the chmod of the real path', async () => {
    const { link, real } = shared();
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 42 }).answerEveryCheck(() => checkResult('valid'));
    expect(await doctor(t.ctx, { json: false })).toBe(0);
    const detail = `The key file ${real} (mode 0640, where ${link} leads) could be read by other users; left as it is (yours, reached through a link: openai-setup changes only what it made)`;
    expect((t.stdout + t.stderr).split('could be read by other users').length - 1).toBe(1);
    expect(t.stdout).toContain(`! Key file            ${detail}\n  → Fix it with \`chmod 600 -- '${real}'\`.\n`);
    expect(modeOf(real)).toBe('640');
    expect(modeOf(dirname(real))).toBe('750');
  });

  it('key --stdin --insecure-storage through the link: the file written anew is 0600, and that is said after "left as it is", so that the two agree', async () => {
    const { link, real } = shared({ stdin: `${NEW}\n` });
    expect(await key(t.ctx, { stdin: true, verify: false, insecureStorage: true })).toBe(0);
    expect(modeOf(real)).toBe('600');
    expect(keysIn(real)).toEqual({ default: NEW });
    const left = `! The key file ${real} (mode 0640, where ${link} leads) could be read by other users; left as it is (yours, reached through a link: openai-setup changes only what it made); fix it with \`chmod 600 -- '${real}'\`.\n`;
    const written = `! The key file ${real} was written anew with mode 0600, as this command stores keys: other users can no longer read it (the chmod said above is not needed).\n`;
    expect(t.stderr).toContain(left + written);
    expect(t.stdout).toContain(`Stored ${maskKey(NEW)} in plain text in ${real} (where ${link} leads) (mode 0600).`);
    // Nothing left for doctor to show of the key file.
    expect(t.ctx.keys.readableByOthers).toBeNull();
  });

  it('a config dir that is a link: the dir it leads to is left as it is, by reads and by writes alike, and said by its real path', async () => {
    t = makeTestContext({ stdoutIsTTY: false, interactive: false, stdin: `${NEW}\n` });
    const real = join(dirname(t.configDir), 'dotfiles', 'openai-setup');
    mkdirSync(real, { recursive: true });
    chmodSync(real, 0o750);
    symlinkSync(real, t.configDir);
    expect(await key(t.ctx, { stdin: true, verify: false, insecureStorage: true })).toBe(0);
    expect(modeOf(real)).toBe('750');
    expect(modeOf(join(real, 'credentials.json'))).toBe('600');
    expect(await token(t.ctx, { yes: true })).toBe(0);
    expect(t.stdout.endsWith(`${NEW}\n`)).toBe(true);
    expect(t.stderr).toContain(`! The config dir ${real} (mode 0750, where ${t.configDir} leads) could be read by other users; left as it is (yours, reached through a link: openai-setup changes only what it made); fix it with \`chmod 700 -- '${real}'\`.\n`);
    expect(modeOf(real)).toBe('750');
  });
});

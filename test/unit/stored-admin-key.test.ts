// What is stored as a profile's admin key but is not one: a keychain entry or credentials.json
// edited by hand (an OSC 52 clipboard write, a screen clear, a line break), or a key of another
// kind. No command sends it (exit 3, no request in the Admin API's log), import does not take it for
// the admin key, none prints it, doctor fails its check, status does not show it as an admin key,
// and the fix it names works.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as adminKey } from '../../src/commands/admin-key.js';
import { DoctorJsonSchema, run as doctor } from '../../src/commands/doctor.js';
import { defaultDeps, ImportJsonSchema, runImport } from '../../src/commands/import.js';
import { run as logout } from '../../src/commands/logout.js';
import { run as rotate, RotateJsonSchema } from '../../src/commands/rotate.js';
import { run as spend, SpendFailureJsonSchema } from '../../src/commands/spend.js';
import { run as status } from '../../src/commands/status.js';
import { checkResult, outcomeOf, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const ADMIN = makeKey('admin', 'unit-stored-admin');
const PROJECT_KEY = makeKey('proj', 'unit-stored-admin-project');
const BAD = 'sk-admin-\x1b]52;c;ZXZpbA==\x07\x1b[2Jhello\n✔ forged';
const HINT = 'sk-admin-…rged';
const PROBLEM = 'is not an admin key: it contains a control character (U+001B), which an API key never has.';
// No terminal here (interactive: false): the command that works there, the key piped in (storeAdminKeyAdvice), never one that asks.
const FIX = 'Store your admin key again, which replaces what is stored, with `… | openai-setup admin-key --stdin --profile weird` (pipe the key in, in place of …).';
/** At a terminal, where admin-key asks for the key. */
const FIX_HERE = 'Store your admin key again with `openai-setup admin-key --profile weird` (it replaces what is stored).';
const IN_KEYCHAIN = `What the Secret Service keyring holds as the admin key of profile "weird" (${HINT}) ${PROBLEM}`;

const contexts = trackedContexts();

/** The admin key of profile "weird" is `value`; state.json records it as admin-key did (by the hint of the key stored then). */
async function context(value: string, options: TestContextOptions = {}): Promise<TestContext> {
  const t = contexts.make({ admin: true, interactive: false, keychain: { 'weird:admin': value }, ...options });
  t.org.admin.addAdminKey(ADMIN);
  await t.ctx.state.updateProfile('weird', (p) => {
    p.adminKey = { storage: 'keychain', hint: `sk-admin-…${ADMIN.slice(-4)}`, savedAt: '2026-03-01T00:00:00.000Z' };
  });
  return t;
}

/** Nothing of the value reached the output: no escape, no bell, no forged line, no key. */
function expectNothingOfIt(t: TestContext, ...texts: string[]): void {
  for (const text of [t.stdout, t.stderr, ...texts]) {
    expect(text).not.toMatch(/[\x07\x1b]/);
    expect(text).not.toContain('ZXZpbA');
    expect(text.split('\n').filter((l) => l.startsWith('✔ forged'))).toEqual([]);
    expect(text).not.toContain(PROJECT_KEY);
  }
}

describe('a stored admin key that is not one', () => {
  it('spend refuses it (exit 3) before sending anything, naming the fix; --json says the same', async () => {
    const t = await context(BAD);
    const { code, message, hints } = await outcomeOf(spend(t.ctx, { profile: 'weird', json: false }));
    expect(code).toBe(3);
    expect(message).toBe(`${IN_KEYCHAIN} It was not sent.`);
    expect(hints).toEqual([FIX]);
    expect(t.org.requests).toEqual([]);
    expectNothingOfIt(t, message, ...hints);

    const json = await context(BAD);
    expect((await outcomeOf(spend(json.ctx, { profile: 'weird', json: true }))).code).toBe(3);
    expect(SpendFailureJsonSchema.parse(JSON.parse(json.stdout))).toMatchObject({ ok: false, exitCode: 3, reason: 'key_rejected', message: `${IN_KEYCHAIN} It was not sent.`, fix: FIX });
    expect(json.org.requests).toEqual([]);
    expectNothingOfIt(json);
  });

  it('rotate refuses it (exit 3): no request, the key and the keychain as they were', async () => {
    const t = await context(BAD, { keychain: { weird: testKey('W'), 'weird:admin': BAD } });
    const { code, message, hints } = await outcomeOf(rotate(t.ctx, { profile: 'weird', keepOld: false, yes: true, json: true }));
    expect(code).toBe(3);
    expect(message).toBe(`${IN_KEYCHAIN} It was not sent.`);
    expect(hints).toEqual([FIX]);
    expect(RotateJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({ ok: false, exitCode: 3, reason: 'key_rejected', new: null });
    expect(t.org.requests).toEqual([]);
    expect(t.keychain.keyOf('weird')).toBe(testKey('W'));
    expectNothingOfIt(t, message);
  });

  it('a key of another kind stored as the admin key (a project key) is refused the same way, said as what it is', async () => {
    const t = await context(PROJECT_KEY);
    const { code, message, hints } = await outcomeOf(spend(t.ctx, { profile: 'weird', json: false }));
    expect(code).toBe(3);
    expect(message).toBe(
      `What the Secret Service keyring holds as the admin key of profile "weird" (sk-proj-…${PROJECT_KEY.slice(-4)}) is not an admin key: it is a project key, and admin keys start with "sk-admin-". It was not sent.`,
    );
    expect(hints).toEqual([FIX]);
    expect(t.org.requests).toEqual([]);
    expectNothingOfIt(t, message);
  });

  it('in a hand-edited credentials.json (--insecure-storage): refused the same way, naming the file', async () => {
    const t = await context(BAD, { keychain: {} });
    // Recorded where --insecure-storage puts it: the file is where the admin key is read from.
    await t.ctx.state.updateProfile('weird', (p) => {
      p.adminKey = { ...p.adminKey!, storage: 'file' };
    });
    mkdirSync(t.configDir, { recursive: true, mode: 0o700 });
    const file = join(t.configDir, 'credentials.json');
    writeFileSync(file, JSON.stringify({ version: 1, keys: { 'weird:admin': BAD } }), { mode: 0o600 });
    const { code, message, hints } = await outcomeOf(spend(t.ctx, { profile: 'weird', json: false }));
    expect(code).toBe(3);
    expect(message).toBe(`What ${file} holds as the admin key of profile "weird" (${HINT}) ${PROBLEM} It was not sent.`);
    // Stored again where it is (no keychain here): admin-key takes the file only with --insecure-storage.
    expect(hints).toEqual(['Store your admin key again, which replaces what is stored, with `… | openai-setup admin-key --stdin --insecure-storage --profile weird` (pipe the key in, in place of …).']);
    expect(t.org.requests).toEqual([]);
    expectNothingOfIt(t, message);
  });

  it('doctor: the admin key check fails (exit 3) with the fix; nothing is sent with it', async () => {
    for (const json of [false, true]) {
      const t = await context(BAD, { keychain: { weird: testKey('W'), 'weird:admin': BAD } });
      t.api.answerReach({ reached: true, status: 401, json: true, ms: 42 }).answerChecks(checkResult('valid'));
      expect(await doctor(t.ctx, { profile: 'weird', json })).toBe(3);
      if (json) {
        const admin = DoctorJsonSchema.parse(JSON.parse(t.stdout)).checks.find((c) => c.id === 'admin-key');
        expect(admin).toEqual({ id: 'admin-key', title: 'Admin key', status: 'fail', detail: IN_KEYCHAIN.replace(/\.$/, ''), fix: FIX });
      } else {
        expect(t.stdout).toContain(`✖ Admin key           ${IN_KEYCHAIN.replace(/\.$/, '')}\n  → ${FIX}\n`);
        expect(t.stdout).toContain('✖ 1 problem');
      }
      expect(t.api.checkedKeys).toEqual([testKey('W')]);
      expect(t.org.requests).toEqual([]);
      expectNothingOfIt(t);
    }
  });

  it('doctor: an admin key stored as one is still an ok check', async () => {
    const t = await context(ADMIN, { keychain: { weird: testKey('W'), 'weird:admin': ADMIN } });
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 42 }).answerChecks(checkResult('valid'));
    expect(await doctor(t.ctx, { profile: 'weird', json: false })).toBe(0);
    expect(t.stdout).toContain(`✔ Admin key           sk-admin-…${ADMIN.slice(-4)} stored (the Secret Service keyring), for rotate and spend\n`);
  });

  it('status (from the state file, no keychain): a recorded hint of another kind is said to be no admin key, with the fix', async () => {
    for (const hint of [`sk-proj-…${PROJECT_KEY.slice(-4)}`, '?]5…rged']) {
      const t = await context(PROJECT_KEY);
      await t.ctx.state.updateProfile('weird', (p) => {
        p.adminKey = { storage: 'keychain', hint, savedAt: '2026-03-01T00:00:00.000Z' };
      });
      expect(await status(t.ctx, { profile: 'weird', json: false })).toBe(0);
      expect(t.stdout).toContain(`✖ What is stored as the admin key (${hint}, in the Secret Service keyring) is not an admin key: store yours again with \`openai-setup admin-key --profile weird\`\n`);
      expect(t.stdout).not.toContain('✔ Admin key');
      expect(t.keychain.calls).toEqual([]);
    }
    const fine = await context(ADMIN);
    expect(await status(fine.ctx, { profile: 'weird', json: false })).toBe(0);
    expect(fine.stdout).toContain(`✔ Admin key sk-admin-…${ADMIN.slice(-4)} in the Secret Service keyring (for rotate and spend)\n`);
  });

  it('import refuses it as rotate does (exit 3), before anything is asked, stored or changed: a project key stored as the admin key is not taken for one', async () => {
    for (const [value, said] of [
      [PROJECT_KEY, `What the Secret Service keyring holds as the admin key of profile "weird" (sk-proj-…${PROJECT_KEY.slice(-4)}) is not an admin key: it is a project key, and admin keys start with "sk-admin-".`],
      [BAD, IN_KEYCHAIN],
    ] as const) {
      // At a terminal, the project key (stored as the admin key) in ~/.zshrc: it would be rewritten
      // to ask `token` for the profile's key, another one.
      const t = await context(value, { interactive: true, keychain: { weird: testKey('W'), 'weird:admin': value } });
      const home = join(dirname(t.cwd), 'home');
      mkdirSync(home);
      t.ctx.rawEnv.HOME = home;
      const zshrc = `export OPENAI_API_KEY=${PROJECT_KEY}\nexport OPENAI_ADMIN_KEY=${ADMIN}\n`;
      writeFileSync(join(home, '.zshrc'), zshrc);
      const { code, message, hints } = await outcomeOf(runImport(t.ctx, { profile: 'weird', check: false, json: false, rewrite: false, yes: false }, defaultDeps()));
      expect({ code, message, hints }).toEqual({ code: 3, message: `${said} Nothing was stored or changed.`, hints: [FIX_HERE] });
      // rotate says the same of it.
      expect((await outcomeOf(rotate(t.ctx, { profile: 'weird', keepOld: false, yes: true, json: false }))).message).toBe(`${said} It was not sent.`);
      expect(t.prompts.asked).toEqual([]);
      expect(readFileSync(join(home, '.zshrc'), 'utf8')).toBe(zshrc);
      expect(t.keychain.keyOf('weird:admin')).toBe(value);
      expect(t.keychain.keyOf('weird')).toBe(testKey('W'));
      expect(t.org.requests).toEqual([]);
      expect(t.api.checks).toEqual([]);
      expectNothingOfIt(t, message);
    }
  });

  it('import lists all the same (exit 8, --json too), saying in one line that it is no admin key; --store of an admin key line is refused (exit 3)', async () => {
    const said = `What the Secret Service keyring holds as the admin key of profile "weird" (sk-proj-…${PROJECT_KEY.slice(-4)}) is not an admin key: it is a project key, and admin keys start with "sk-admin-".`;
    const zshrc = `export OPENAI_API_KEY=${PROJECT_KEY}\nexport OPENAI_ADMIN_KEY=${ADMIN}\n`;
    const setUp = async () => {
      const t = await context(PROJECT_KEY, { keychain: { weird: testKey('W'), 'weird:admin': PROJECT_KEY } });
      const home = join(dirname(t.cwd), 'home');
      mkdirSync(home);
      t.ctx.rawEnv.HOME = home;
      writeFileSync(join(home, '.zshrc'), zshrc);
      return { t, zshrcPath: join(home, '.zshrc') };
    };
    const unchanged = (t: TestContext, zshrcPath: string) => {
      expect(readFileSync(zshrcPath, 'utf8')).toBe(zshrc);
      expect(t.keychain.keyOf('weird:admin')).toBe(PROJECT_KEY);
      expect(t.keychain.keyOf('weird')).toBe(testKey('W'));
      expect(t.org.requests).toEqual([]);
      expectNothingOfIt(t);
    };

    const json = await setUp();
    expect(await runImport(json.t.ctx, { profile: 'weird', check: false, json: true, rewrite: false, yes: false }, defaultDeps())).toBe(8);
    const doc = ImportJsonSchema.parse(JSON.parse(json.t.stdout));
    expect(doc).toMatchObject({ exitCode: 8, plaintextLeft: 2 });
    // Neither found key is taken for the stored admin key.
    expect(doc.findings.map((f) => [f.hint, f.storedAdmin])).toEqual([
      [`sk-proj-…${PROJECT_KEY.slice(-4)}`, false],
      [`sk-admin-…${ADMIN.slice(-4)}`, false],
    ]);
    expect(json.t.stderr).toContain(`! ${said} ${FIX}\n`);
    unchanged(json.t, json.zshrcPath);

    const list = await setUp();
    expect(await runImport(list.t.ctx, { profile: 'weird', check: false, json: false, rewrite: false, yes: false }, defaultDeps())).toBe(8);
    expect(list.t.stdout).toContain(`! ${said} ${FIX}\n`);
    expect(list.t.stdout).toContain(`sk-proj-…${PROJECT_KEY.slice(-4)} · project key · not stored`);
    expect(list.t.stdout).toContain(`sk-admin-…${ADMIN.slice(-4)} · admin key · not stored`);
    unchanged(list.t, list.zshrcPath);

    const store = await setUp();
    const { code, message, hints } = await outcomeOf(
      runImport(store.t.ctx, { profile: 'weird', check: false, json: false, rewrite: true, yes: true, store: `${store.zshrcPath}:2` }, defaultDeps()),
    );
    expect({ code, message, hints }).toEqual({ code: 3, message: `${said} Nothing was stored or changed.`, hints: [FIX] });
    unchanged(store.t, store.zshrcPath);
  });

  it('import with an admin key stored as one: listed as the stored admin key, as before', async () => {
    const t = await context(ADMIN, { keychain: { weird: testKey('W'), 'weird:admin': ADMIN } });
    const home = join(dirname(t.cwd), 'home');
    mkdirSync(home);
    t.ctx.rawEnv.HOME = home;
    writeFileSync(join(home, '.zshrc'), `export OPENAI_ADMIN_KEY=${ADMIN}\n`);
    expect(await runImport(t.ctx, { profile: 'weird', check: false, json: false, rewrite: false, yes: false }, defaultDeps())).toBe(8);
    expect(t.stdout).toContain(`sk-admin-…${ADMIN.slice(-4)} · admin key · the stored admin key`);
  });

  it('the fix works as said: admin-key stores the admin key over it, and spend then sends that one', async () => {
    const t = await context(BAD, { stdin: ADMIN });
    expect(await adminKey(t.ctx, { profile: 'weird', stdin: true, insecureStorage: false, verify: true, json: false })).toBe(0);
    expect(t.keychain.keyOf('weird:admin')).toBe(ADMIN);
    expect(await spend(t.ctx, { profile: 'weird', json: false })).toBe(0);
    expect(new Set(t.org.requests.map((r) => r.key))).toEqual(new Set([ADMIN]));
    expectNothingOfIt(t);
  });

  it('logout --admin removes it all the same (named by the recorded hint only)', async () => {
    const t = await context(BAD);
    expect(await logout(t.ctx, { profile: 'weird', yes: true, admin: true })).toBe(0);
    expect(t.keychain.keyOf('weird:admin')).toBeUndefined();
    expect((await t.profile('weird'))?.adminKey).toBeUndefined();
    expect(t.org.requests).toEqual([]);
    expectNothingOfIt(t);
  });
});

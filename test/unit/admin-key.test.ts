// admin-key and logout --admin through Context: the real Admin API client against an in-memory
// organization (the local server's own answers), an in-memory keychain, a scripted prompter.
import { describe, expect, it } from 'vitest';
import { run as adminKey, AdminKeyJsonSchema, type AdminKeyOptions } from '../../src/commands/admin-key.js';
import { run as logout } from '../../src/commands/logout.js';
import { run as spend } from '../../src/commands/spend.js';
import { PAGES } from '../../src/platform.js';
import { requireAdminKey } from '../../src/storage/admin-key.js';
import { LineBreakInsideError } from '../../src/terminal/prompter.js';
import { outcomeOf, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const ADMIN = makeKey('admin', 'unit-admin-key');
const OTHER_ADMIN = makeKey('admin', 'unit-admin-other');
const PROJECT_KEY = makeKey('proj', 'unit-admin-project-key');
const PROJECT = 'proj_UnitAdmin000000000000000';

const contexts = trackedContexts();
function setup(options: TestContextOptions = {}): TestContext {
  const t = contexts.make({ admin: true, ...options });
  t.org.admin.addAdminKey(ADMIN);
  t.org.admin.addProject({ id: PROJECT, name: 'openai-setup' });
  t.org.addKey(PROJECT_KEY, { scenario: 'valid', project: PROJECT });
  return t;
}

const options = (extra: Partial<AdminKeyOptions> = {}): AdminKeyOptions => ({ stdin: false, insecureStorage: false, verify: true, json: false, ...extra });

function expectNoKey(t: TestContext): void {
  for (const key of [ADMIN, OTHER_ADMIN, PROJECT_KEY]) expect(t.stdout + t.stderr).not.toContain(key);
}

describe('admin-key', () => {
  it("stores a piped admin key in its own keychain entry after listing one project and reading today's costs, and records only its hint", async () => {
    const t = setup({ interactive: false, stdin: `${ADMIN}\n` });
    expect(await adminKey(t.ctx, options({ stdin: true }))).toBe(0);
    expect(t.keychain.keyOf('default:admin')).toBe(ADMIN);
    expect(t.keychain.keyOf('default')).toBeUndefined();
    expect(t.stdout).toContain(`✔ Admin key ${ADMIN.slice(0, 9)}…${ADMIN.slice(-4)} works: it can list the organization's projects (for example "openai-setup", ${PROJECT}) and read its costs.`);
    expect(t.stdout).toContain('account "default:admin"');
    expect((await t.profile())?.adminKey).toEqual({ storage: 'keychain', hint: `sk-admin-…${ADMIN.slice(-4)}`, savedAt: '2026-03-02T09:30:00.000Z' });
    // 2026-03-02 00:00 UTC: today's costs, one bucket.
    expect(t.org.requests.map((r) => `${r.method} ${r.path}${r.query}`)).toEqual(['GET /v1/organization/projects?limit=1', 'GET /v1/organization/costs?start_time=1772409600&bucket_width=1d&limit=1']);
    expect(t.org.requests.map((r) => r.key)).toEqual([ADMIN, ADMIN]);
    expectNoKey(t);
  });

  it('on a terminal: opens the admin keys page and asks for the key hidden; --json prints data only', async () => {
    const t = setup();
    t.prompts.whenPassword('Paste the admin key (input is hidden):', `  ${ADMIN}\n`);
    expect(await adminKey(t.ctx, options({ json: true }))).toBe(0);
    expect(t.browser.opened).toEqual([PAGES['admin-keys'].url]);
    const printed = AdminKeyJsonSchema.parse(JSON.parse(t.stdout.slice(t.stdout.indexOf('{'))));
    expect(printed).toEqual({
      ok: true,
      exitCode: 0,
      reason: null,
      message: `Stored the admin key sk-admin-…${ADMIN.slice(-4)}. rotate also needs api.management.write, which is checked when it runs.`,
      fix: null,
      profile: 'default',
      hint: `sk-admin-…${ADMIN.slice(-4)}`,
      storage: 'keychain',
      checked: true,
      sampleProject: { id: PROJECT, name: 'openai-setup' },
      missingScopes: [],
      replaced: null,
    });
    expect(t.stderr).toContain('works');
    expectNoKey(t);
  });

  it('offers OPENAI_ADMIN_KEY from the shell, and warns when the shell has another admin key than the one stored', async () => {
    const t = setup({ env: { OPENAI_ADMIN_KEY: ADMIN } });
    t.prompts.whenConfirm(/^Store OPENAI_ADMIN_KEY from this shell \(sk-admin-…\S{4}\) as the admin key of profile "work"\?$/, true);
    expect(await adminKey(t.ctx, options({ profile: 'work' }))).toBe(0);
    expect(t.keychain.keyOf('work:admin')).toBe(ADMIN);

    const other = setup({ env: { OPENAI_ADMIN_KEY: OTHER_ADMIN }, interactive: false, stdin: ADMIN });
    expect(await adminKey(other.ctx, options({ stdin: true }))).toBe(0);
    expect(other.stderr).toMatch(/OPENAI_ADMIN_KEY in this shell is another admin key \(sk-admin-…\S{4}\): rotate and spend use that one/);
  });

  it('a project key (OPENAI_ADMIN_KEY, which is sent) gets "this needs an admin key" from the 403, in either body shape and as a 401 too', async () => {
    for (const toggles of [{}, { errorShape: 'string' as const }, { errorShape: 'string' as const, missingScopeStatus: 401 as const }]) {
      const t = setup({ interactive: false, env: { OPENAI_ADMIN_KEY: PROJECT_KEY } });
      Object.assign(t.org.admin.toggles, toggles);
      const result = await outcomeOf(spend(t.ctx, { json: false }));
      expect(result.code).toBe(5);
      expect(result.message).toMatch(/^This needs an admin key: sk-proj-…\S{4} is a project key, which cannot manage the organization \(the API says: missing api\.usage\.read\)\.$/);
      expectNoKey(t);
    }
  });

  it('refuses a key of another kind without sending it, checked or not (exit 5); a malformed key is exit 3, not sent either', async () => {
    for (const [key, label] of [[PROJECT_KEY, 'project key'], [makeKey('svcacct', 'unit-admin-svc'), 'service-account key'], [makeKey('legacy', 'unit-admin-legacy'), 'legacy user key']] as const) {
      for (const verify of [true, false]) {
        const t = setup({ interactive: false, stdin: key });
        const result = await outcomeOf(adminKey(t.ctx, options({ stdin: true, verify })));
        expect(result.code).toBe(5);
        expect(result.message).toMatch(new RegExp(`^This needs an admin key: sk-\\S*…\\S{4} is a ${label}\\. It was not sent, and nothing was stored\\.$`));
        expect(result.hints[0]).toBe(`Create an admin key on the admin keys page (only organization owners can), then store it (pipe the key in, in place of …):  … | openai-setup admin-key --stdin${verify ? '' : ' --no-verify'}`);
        expect(t.org.requests).toEqual([]);
        expect(t.keychain.accounts()).toEqual([]);
        expect((await t.profile())?.adminKey).toBeUndefined();
      }
    }
    for (const bad of ['sk-admin-short', `${ADMIN.slice(0, 60)}\x1b[2J${ADMIN.slice(60)}`, ADMIN.slice(0, 100)]) {
      const t = setup({ interactive: false, stdin: bad });
      const result = await outcomeOf(adminKey(t.ctx, options({ stdin: true })));
      expect(result.code).toBe(3);
      expect(result.message).toMatch(/^That is not an admin key: /);
      expect(t.org.requests).toEqual([]);
      expect(t.keychain.accounts()).toEqual([]);
    }
  });

  it('on a terminal: a key of another kind pasted is refused in one line and asked for again; OPENAI_ADMIN_KEY of another kind is not offered', async () => {
    const t = setup({ env: { OPENAI_ADMIN_KEY: PROJECT_KEY } });
    t.prompts.whenPassword('Paste the admin key (input is hidden):', PROJECT_KEY).whenPassword('Paste the admin key (input is hidden):', ADMIN);
    expect(await adminKey(t.ctx, options())).toBe(0);
    expect(t.stderr).toContain(`✖ That is a project key, not an admin key (those start with "sk-admin-").\n`);
    expect(t.keychain.keyOf('default:admin')).toBe(ADMIN);
    expect(t.org.requests.map((r) => r.key)).toEqual([ADMIN, ADMIN]);
    expectNoKey(t);
  });

  it('an unknown admin key is rejected (exit 3), in any form of the answer; nothing is stored', async () => {
    const unknown = setup({ interactive: false, stdin: OTHER_ADMIN });
    const rejected = await outcomeOf(adminKey(unknown.ctx, options({ stdin: true })));
    expect(rejected.code).toBe(3);
    expect(rejected.message).toMatch(/The API rejected the admin key sk-admin-…\S{4}: it is wrong, revoked or deleted\./);
    expect(unknown.keychain.accounts()).toEqual([]);
  });

  it('a project key, told by the 2026 short "Missing scopes" (no full stop, code missing_scope), even as a 401: needs an admin key, exit 5', async () => {
    for (const toggles of [{ missingScopeForm: 'short' as const, missingScopeStatus: 401 as const }, { missingScopeForm: 'short' as const, errorShape: 'string' as const, missingScopeStatus: 401 as const }, { missingScopeForm: 'short' as const }]) {
      const t = setup({ interactive: false, env: { OPENAI_ADMIN_KEY: PROJECT_KEY } });
      Object.assign(t.org.admin.toggles, toggles);
      const result = await outcomeOf(spend(t.ctx, { json: false, profile: 'x' }));
      expect(result.code).toBe(5);
      expect(result.message).toMatch(/^This needs an admin key: sk-proj-…\S{4} is a project key, which cannot manage the organization \(the API says: missing api\.usage\.read\)\.$/);
      expect(result.message).not.toMatch(/wrong, revoked or deleted/);
    }
  });

  it('an admin key that can read costs only (api.usage.read) is stored, exit 0: spend works, rotate needs api.management.read and write', async () => {
    for (const form of ['long', 'short'] as const) {
      const t = setup({ interactive: false, stdin: OTHER_ADMIN });
      t.org.admin.addAdminKey(OTHER_ADMIN, { scopes: ['api.usage.read'] });
      Object.assign(t.org.admin.toggles, { missingScopeForm: form, missingScopeStatus: 401 });
      expect(await adminKey(t.ctx, options({ stdin: true, profile: 'u' }))).toBe(0);
      expect(t.keychain.keyOf('u:admin')).toBe(OTHER_ADMIN);
      expect((await t.profile('u'))?.adminKey?.hint).toBe(`sk-admin-…${OTHER_ADMIN.slice(-4)}`);
      expect(t.stdout).toContain(`✔ Admin key sk-admin-…${OTHER_ADMIN.slice(-4)} works for spend: it can read the organization's costs.\n`);
      expect(t.stderr).toContain(
        `! It lacks the permission api.management.read: rotate cannot use it (rotate needs api.management.read and api.management.write), and spend shows project ids without names. Give it api.management.read and api.management.write on the admin keys page (${PAGES['admin-keys'].url}), or create an admin key with "All" permissions and store it (pipe the key in, in place of …):  … | openai-setup admin-key --stdin --profile u\n`,
      );
      expect(t.stdout).toContain('`openai-setup spend --profile u` uses it from now on; `openai-setup logout --admin --profile u` removes it.');
      expect(t.stdout).not.toContain('openai-setup rotate');
      expect(t.stdout + t.stderr).not.toContain('not stored');
      expectNoKey(t);
    }
  });

  it('an admin key that cannot read costs is stored for rotate, saying spend cannot use it; --json names the missing permission', async () => {
    const t = setup({ interactive: false, stdin: OTHER_ADMIN });
    t.org.admin.addAdminKey(OTHER_ADMIN, { scopes: ['api.management.read', 'api.management.write'] });
    expect(await adminKey(t.ctx, options({ stdin: true, json: true }))).toBe(0);
    expect(t.keychain.keyOf('default:admin')).toBe(OTHER_ADMIN);
    expect(t.stderr).toContain(`works: it can list the organization's projects (for example "openai-setup", ${PROJECT}).\n`);
    expect(t.stderr).toMatch(/! It lacks the permission api\.usage\.read: spend cannot use it \(spend needs it to read the organization's costs\)\. Give it that permission/);
    expect(AdminKeyJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({
      ok: true,
      exitCode: 0,
      message: `Stored the admin key sk-admin-…${OTHER_ADMIN.slice(-4)}. It lacks api.usage.read: spend cannot use it. rotate also needs api.management.write, which is checked when it runs.`,
      fix: expect.stringMatching(/^Give it that permission on the admin keys page/),
      missingScopes: ['api.usage.read'],
      sampleProject: { id: PROJECT, name: 'openai-setup' },
    });
  });

  it('an admin key that may only read (api.management.read, api.usage.read) is stored for spend, and rotate is not promised: its write permission is checked when it runs', async () => {
    const t = setup({ interactive: false, stdin: OTHER_ADMIN });
    t.org.admin.addAdminKey(OTHER_ADMIN, { scopes: ['api.management.read', 'api.usage.read'] });
    expect(await adminKey(t.ctx, options({ stdin: true }))).toBe(0);
    expect(t.keychain.keyOf('default:admin')).toBe(OTHER_ADMIN);
    expect(t.stdout).toContain(`works: it can list the organization's projects (for example "openai-setup", ${PROJECT}) and read its costs.\n`);
    expect(t.stdout).toContain(
      '`openai-setup spend` uses it from now on; `openai-setup rotate` uses it too, but also needs api.management.write, which is checked when it runs; `openai-setup logout --admin` removes it.',
    );
    expect(t.stdout).not.toMatch(/rotate` and `openai-setup spend` use it/);
    // Nothing that could change the organization was sent to find out.
    expect(t.org.requests.map((r) => r.method)).toEqual(['GET', 'GET']);
  });

  it('an admin key with neither permission is refused (exit 5), both named; nothing is stored', async () => {
    const t = setup({ interactive: false, stdin: OTHER_ADMIN });
    t.org.admin.addAdminKey(OTHER_ADMIN, { scopes: ['api.management.write'] });
    const result = await outcomeOf(adminKey(t.ctx, options({ stdin: true, json: true })));
    expect(result.code).toBe(5);
    expect(result.message).toBe(`The admin key sk-admin-…${OTHER_ADMIN.slice(-4)} lacks the permissions api.management.read and api.usage.read: neither rotate nor spend can use it.`);
    expect(result.hints).toContain('The admin key was not stored.');
    expect(t.keychain.accounts()).toEqual([]);
    // The permissions the message names, as data too.
    expect(AdminKeyJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({ ok: false, exitCode: 5, reason: 'missing_scope', storage: null, missingScopes: ['api.management.read', 'api.usage.read'] });
  });

  it('costs that cannot be read for another reason (a server error): stored for rotate, spend said to be unchecked', async () => {
    const t = setup({ interactive: false, stdin: ADMIN });
    t.org.admin.failNext({ path: '/v1/organization/costs' }, { status: 500 });
    expect(await adminKey(t.ctx, options({ stdin: true }))).toBe(0);
    expect(t.keychain.keyOf('default:admin')).toBe(ADMIN);
    expect(t.stderr).toContain("! Whether spend can use it was not checked: Reading the organization's costs failed: the OpenAI API had a server error (HTTP 500).");
    expect(t.stdout).toContain('`openai-setup spend` uses it from now on; `openai-setup rotate` uses it too, but also needs api.management.write, which is checked when it runs;');

    // Without the projects' permission, nothing else shows that it works: not stored.
    const limited = setup({ interactive: false, stdin: OTHER_ADMIN });
    limited.org.admin.addAdminKey(OTHER_ADMIN, { scopes: ['api.usage.read'] });
    limited.org.admin.failNext({ path: '/v1/organization/costs' }, { status: 500 });
    const failed = await outcomeOf(adminKey(limited.ctx, options({ stdin: true })));
    expect(failed.code).toBe(6);
    expect(failed.hints).toContain('The admin key was not stored.');
    expect(limited.keychain.accounts()).toEqual([]);
  });

  it('without a terminal and without --stdin it is a usage error naming --stdin; a keychain that fails names --insecure-storage', async () => {
    const t = setup({ interactive: false });
    const usage = await outcomeOf(adminKey(t.ctx, options()));
    expect(usage.code).toBe(2);
    expect(usage.hints.join(' ')).toMatch(/openai-setup admin-key --stdin/);

    const locked = setup({ interactive: false, stdin: ADMIN });
    locked.keychain.failWith('locked', { ops: ['set'] });
    const failed = await outcomeOf(adminKey(locked.ctx, options({ stdin: true })));
    expect(failed.code).toBe(7);
    expect(failed.message).toMatch(/locked.*The admin key was not stored\./);
    expect(failed.hints.join(' ')).toMatch(/--insecure-storage/);
    expect((await locked.profile())?.adminKey).toBeUndefined();
  });

  it('no keychain, key piped in with --json: the --insecure-storage command it names pipes it in again, with the profile', async () => {
    const t = setup({ interactive: false, stdin: ADMIN });
    t.keychain.failWith('no-service', { ops: ['set'] });
    const failed = await outcomeOf(adminKey(t.ctx, options({ stdin: true, json: true, profile: 'nc' })));
    expect(failed.code).toBe(7);
    expect(failed.hints).toEqual([
      'Set OPENAI_ADMIN_KEY yourself, or keep it in a file only you can read (pipe the key in again, as you did, in place of …):  … | openai-setup admin-key --stdin --insecure-storage --profile nc',
    ]);
    expect(AdminKeyJsonSchema.parse(JSON.parse(t.stdout)).fix).toBe(failed.hints[0]);
    expectNoKey(t);
  });

  it('no keychain, the key piped from OPENAI_ADMIN_KEY: the --insecure-storage command pipes it from there again; a variable holding no admin key is never piped', async () => {
    const t = setup({ interactive: false, stdin: `${ADMIN}\n`, env: { OPENAI_ADMIN_KEY: ADMIN } });
    t.keychain.failWith('no-service', { ops: ['set'] });
    const failed = await outcomeOf(adminKey(t.ctx, options({ stdin: true, profile: 'nc' })));
    expect(failed.code).toBe(7);
    expect(failed.hints).toEqual(['Set OPENAI_ADMIN_KEY yourself, or keep it in a file only you can read:  printenv OPENAI_ADMIN_KEY | openai-setup admin-key --stdin --insecure-storage --profile nc']);

    const notAdmin = setup({ interactive: false, env: { OPENAI_ADMIN_KEY: PROJECT_KEY } });
    const usage = await outcomeOf(adminKey(notAdmin.ctx, options()));
    expect(usage.code).toBe(2);
    expect(usage.hints).toEqual(['Instead, store it (pipe the key in, in place of …):  … | openai-setup admin-key --stdin']);
  });

  it('a project key piped with --insecure-storage: the admin key to get instead is piped the same way, --insecure-storage kept', async () => {
    const t = setup({ interactive: false, stdin: PROJECT_KEY });
    const result = await outcomeOf(adminKey(t.ctx, options({ stdin: true, insecureStorage: true })));
    expect(result.code).toBe(5);
    expect(result.hints[0]).toBe('Create an admin key on the admin keys page (only organization owners can), then store it (pipe the key in, in place of …):  … | openai-setup admin-key --stdin --insecure-storage');
  });

  it('spend without a terminal and without an admin key: the way to store one is a pipe, `admin-key` could not ask', async () => {
    const t = setup({ interactive: false });
    const result = await outcomeOf(requireAdminKey(t.ctx, 'default', 'spend').then(() => 0));
    expect(result.code).toBe(2);
    expect(result.hints.at(-1)).toBe('then set OPENAI_ADMIN_KEY to it, or store it (pipe the key in, in place of …):  … | openai-setup admin-key --stdin --profile default');
  });

  it('without a terminal or a keychain, the pipe it names keeps the key in the file at once (as `key` does), with this run\'s --no-verify', async () => {
    const t = setup({ interactive: false });
    t.keychain.failWith('no-service');
    const usage = await outcomeOf(adminKey(t.ctx, options({ verify: false })));
    expect(usage.code).toBe(2);
    expect(usage.hints).toHaveLength(1);
    expect(usage.hints[0]).toMatch(/^No Secret Service keyring .* Keep it in a file only you can read \(pipe the key in, in place of …\):  … \| openai-setup admin-key --stdin --insecure-storage --no-verify$/);
  });
});

describe('admin-key: the sample project as it is', () => {
  it('a name in any script, with an emoji, is shown as it is; an invisible character escaped; --json carries each as it is', async () => {
    // The reviewer's name: Hangul, an emoji with its variation selector (U+FE0F), Arabic.
    const names: Array<[string, string]> = [
      ['한국어 앱 ☕\ufe0f تطبيق', '한국어 앱 ☕\ufe0f تطبيق'],
      ['my\u200bapp', 'my\\u200bapp'],
    ];
    for (const [name, shown] of names) {
      const t = contexts.make({ admin: true, interactive: false, stdin: `${ADMIN}\n` });
      t.org.admin.addAdminKey(ADMIN);
      t.org.admin.addProject({ id: PROJECT, name });
      expect(await adminKey(t.ctx, options({ stdin: true }))).toBe(0);
      expect(t.stdout).toContain(`(for example "${shown}", ${PROJECT})`);

      const j = contexts.make({ admin: true, interactive: false, stdin: `${ADMIN}\n` });
      j.org.admin.addAdminKey(ADMIN);
      j.org.admin.addProject({ id: PROJECT, name });
      expect(await adminKey(j.ctx, options({ stdin: true, json: true }))).toBe(0);
      expect(j.stdout).not.toContain('\u200b');
      expect(AdminKeyJsonSchema.parse(JSON.parse(j.stdout)).sampleProject).toEqual({ id: PROJECT, name });
    }
  });
});

describe('admin-key: what it says', () => {
  it('--json prints its one document on a failure too: ok false, the exit code, the reason, the message and fix', async () => {
    const t = setup({ interactive: false, stdin: PROJECT_KEY });
    const result = await outcomeOf(adminKey(t.ctx, options({ stdin: true, json: true, profile: 'z' })));
    expect(result.code).toBe(5);
    const data = AdminKeyJsonSchema.parse(JSON.parse(t.stdout));
    expect(data).toEqual({
      ok: false,
      exitCode: 5,
      reason: 'needs_admin_key',
      message: result.message,
      fix: result.hints.join('\n'),
      profile: 'z',
      hint: `sk-proj-…${PROJECT_KEY.slice(-4)}`,
      storage: null,
      // Refused before any check: nothing was sent.
      checked: false,
      sampleProject: null,
      missingScopes: [],
      replaced: null,
    });
    expect(data.fix).toContain('openai-setup admin-key --stdin --profile z');
    expectNoKey(t);

    const bad = setup({ interactive: false, stdin: 'not a key' });
    expect((await outcomeOf(adminKey(bad.ctx, options({ stdin: true, json: true })))).code).toBe(3);
    expect(AdminKeyJsonSchema.parse(JSON.parse(bad.stdout))).toMatchObject({ ok: false, exitCode: 3, reason: 'key_rejected', hint: null });
  });

  it('the hints of a refused or rejected admin key name the profile: `openai-setup admin-key --profile z`', async () => {
    const t = setup({ interactive: false, stdin: OTHER_ADMIN });
    const rejected = await outcomeOf(adminKey(t.ctx, options({ stdin: true, profile: 'z' })));
    expect(rejected.hints[0]).toBe('Create a new admin key on the admin keys page and store it (pipe the key in, in place of …):  … | openai-setup admin-key --stdin --profile z');
    const project = setup({ interactive: false, stdin: PROJECT_KEY });
    expect((await outcomeOf(adminKey(project.ctx, options({ stdin: true, verify: false, profile: 'z' })))).hints[0]).toMatch(/then store it \(pipe the key in, in place of …\):  … \| openai-setup admin-key --stdin --no-verify --profile z$/);
    const pipe = setup({ interactive: false });
    expect((await outcomeOf(adminKey(pipe.ctx, options({ profile: 'z' })))).hints).toEqual(['Instead, store it (pipe the key in, in place of …):  … | openai-setup admin-key --stdin --profile z']);
  });

  it('"next to the key of profile X" only when X has a key; what to run next names the profile', async () => {
    const none = setup({ interactive: false, stdin: ADMIN });
    expect(await adminKey(none.ctx, options({ stdin: true, profile: 'z' }))).toBe(0);
    expect(none.stdout).toContain('✔ Stored it in the Secret Service keyring (service "openai-setup", account "z:admin").\n');
    expect(none.stdout).toContain(
      '`openai-setup spend --profile z` uses it from now on; `openai-setup rotate --profile z` uses it too, but also needs api.management.write, which is checked when it runs; `openai-setup logout --admin --profile z` removes it.',
    );

    const keyed = setup({ interactive: false, stdin: ADMIN, keychain: { default: testKey() } });
    await keyed.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'keychain', hint: 'sk-proj-…0000', savedAt: '2026-03-01T00:00:00.000Z' };
    });
    expect(await adminKey(keyed.ctx, options({ stdin: true }))).toBe(0);
    expect(keyed.stdout).toContain('account "default:admin"), next to the key of profile "default".');
  });

  it('the plain-text warning names the admin key of the profile, not an account "default:admin"', async () => {
    const t = setup({ interactive: false, stdin: ADMIN });
    expect(await adminKey(t.ctx, options({ stdin: true, insecureStorage: true }))).toBe(0);
    expect((await requireAdminKey(t.ctx, 'default', 'spend')).source.kind).toBe('file');
    expect(t.stderr).toContain(`! Reading the admin key of profile "default" from the plain-text file ${t.ctx.keys.filePath} (--insecure-storage).`);
    expect(t.stderr).not.toContain('"default:admin"');
  });

  it('warns of an insecure way to the API before sending the admin key, as verify does', async () => {
    const t = setup({ interactive: false, stdin: ADMIN, env: { OPENAI_BASE_URL: 'http://10.0.0.5:8080/v1' } });
    expect(await adminKey(t.ctx, options({ stdin: true }))).toBe(0);
    expect(t.stderr).toContain('! http://10.0.0.5:8080/v1 is plain http:// to another machine: the key travels in clear text. Use https://.');
    const local = setup({ interactive: false, stdin: ADMIN, env: { OPENAI_BASE_URL: 'http://127.0.0.1:8080/v1' } });
    expect(await adminKey(local.ctx, options({ stdin: true }))).toBe(0);
    expect(local.stderr).not.toContain('clear text');
  });
});

describe('the admin key rotate and spend use', () => {
  it('OPENAI_ADMIN_KEY first, as the SDKs read it; then the stored one; none is a usage error saying how to store one', async () => {
    const t = setup({ keychain: { 'default:admin': ADMIN }, env: { OPENAI_ADMIN_KEY: ` ${OTHER_ADMIN} ` } });
    expect(await requireAdminKey(t.ctx, 'default', 'spend')).toEqual({ key: OTHER_ADMIN, source: { kind: 'env', label: 'OPENAI_ADMIN_KEY' } });
    const stored = setup({ keychain: { 'default:admin': ADMIN } });
    expect((await requireAdminKey(stored.ctx, 'default', 'spend')).source.kind).toBe('keychain');
    const none = setup({ keychain: { default: testKey() } });
    const result = await outcomeOf(requireAdminKey(none.ctx, 'work', 'rotate').then(() => 0));
    expect(result.code).toBe(2);
    expect(result.message).toBe('`rotate` needs an organization admin key (sk-admin-…), and none is stored for profile "work".');
    expect(result.hints).toEqual([`Create one on the admin keys page (organization owners only): ${PAGES['admin-keys'].url}`, 'then set OPENAI_ADMIN_KEY to it, or store it (it asks for the key, hidden):  openai-setup admin-key --profile work']);
  });
});

describe('logout --admin', () => {
  it("removes only the admin key's entry and record, after a confirm", async () => {
    const t = setup({ keychain: { default: testKey(), 'default:admin': ADMIN } });
    await t.ctx.state.updateProfile('default', (p) => {
      p.adminKey = { storage: 'keychain', hint: `sk-admin-…${ADMIN.slice(-4)}`, savedAt: '2026-03-01T00:00:00.000Z' };
    });
    t.prompts.whenConfirm(/^Remove the admin key sk-admin-…\S{4} of profile "default" from this machine\?$/, true);
    expect(await logout(t.ctx, { yes: false, admin: true })).toBe(0);
    expect(t.keychain.accounts()).toEqual(['default']);
    expect((await t.profile())?.adminKey).toBeUndefined();
    expect(t.stdout).toContain(PAGES['admin-keys'].url);
  });

  it('asks nothing with --yes; with an admin key stored, needs --yes without a terminal', async () => {
    const t = setup({ interactive: false, keychain: { 'default:admin': ADMIN } });
    const usage = await outcomeOf(logout(t.ctx, { yes: false, admin: true }));
    expect(usage.code).toBe(2);
    expect(usage.message).toMatch(/--yes/);
    expect(t.keychain.keyOf('default:admin')).toBe(ADMIN);
    expect(await logout(t.ctx, { yes: true, admin: true })).toBe(0);
    expect(t.keychain.keyOf('default:admin')).toBeUndefined();
  });

  // Looked for before anything is asked, as plain logout does: no question about nothing.
  it('with nothing stored: says so (exit 0) without asking, at a terminal or not, --yes or not', async () => {
    for (const interactive of [false, true]) {
      const t = setup({ interactive });
      expect(await logout(t.ctx, { yes: false, admin: true })).toBe(0);
      expect(t.stdout).toBe('No admin key is stored for profile "default"; nothing to remove.\n');
      t.assertScriptsUsed();
    }
  });

  it('a record of an admin key no longer stored: forgotten without asking, nothing to remove', async () => {
    const t = setup();
    await t.ctx.state.updateProfile('default', (p) => {
      p.adminKey = { storage: 'keychain', hint: 'sk-admin-…gone', savedAt: '2026-03-01T00:00:00.000Z' };
    });
    expect(await logout(t.ctx, { yes: false, admin: true })).toBe(0);
    expect(t.stdout).toBe('No admin key is stored for profile "default"; nothing to remove.\n');
    expect((await t.profile())?.adminKey).toBeUndefined();
  });

  it('an admin key another run removed while this one asked: nothing was left to remove (exit 0), not a removal', async () => {
    const t = setup({ keychain: { 'default:admin': ADMIN } });
    await t.ctx.state.updateProfile('default', (p) => {
      p.adminKey = { storage: 'keychain', hint: `sk-admin-…${ADMIN.slice(-4)}`, savedAt: '2026-03-01T00:00:00.000Z' };
    });
    t.prompts.whenConfirm(/^Remove the admin key sk-admin-…\S{4} of profile "default" from this machine\?$/, true);
    // A second `logout --admin --yes` finishes while the question is open.
    const confirm = t.prompts.confirm.bind(t.prompts);
    t.prompts.confirm = async (...args) => {
      const answer = await confirm(...args);
      await t.keychain.deletePassword('openai-setup', 'default:admin');
      await t.ctx.state.updateProfile('default', (p) => {
        delete p.adminKey;
      });
      return answer;
    };
    expect(await logout(t.ctx, { yes: false, admin: true })).toBe(0);
    expect(t.stdout).toBe(`No admin key is stored for profile "default" any more (the admin key sk-admin-…${ADMIN.slice(-4)} was removed meanwhile, by another run); nothing was left to remove.\n`);
    t.assertScriptsUsed();
  });

  it('an admin key another run stored while this one asked: nothing removed (exit 7), the one stored now named, not the one asked about as removed', async () => {
    const t = setup({ keychain: { 'default:admin': ADMIN } });
    await t.ctx.state.updateProfile('default', (p) => {
      p.adminKey = { storage: 'keychain', hint: `sk-admin-…${ADMIN.slice(-4)}`, savedAt: '2026-03-01T00:00:00.000Z' };
    });
    t.prompts.whenConfirm(`Remove the admin key sk-admin-…${ADMIN.slice(-4)} of profile "default" from this machine?`, true);
    // `admin-key` in another terminal stores another admin key while the question is open.
    const confirm = t.prompts.confirm.bind(t.prompts);
    t.prompts.confirm = async (...args) => {
      const answer = await confirm(...args);
      await t.keychain.setPassword('openai-setup', 'default:admin', OTHER_ADMIN);
      await t.ctx.state.updateProfile('default', (p) => {
        p.adminKey = { storage: 'keychain', hint: `sk-admin-…${OTHER_ADMIN.slice(-4)}`, savedAt: '2026-03-02T00:00:00.000Z' };
      });
      return answer;
    };
    const { code, message } = await outcomeOf(logout(t.ctx, { yes: false, admin: true }));
    expect(code).toBe(7);
    const now = `sk-admin-…${OTHER_ADMIN.slice(-4)}`;
    expect(message).toBe(
      `The admin key of profile "default" changed while logout --admin ran (it is now ${now}, in the Secret Service keyring; another run stored it), so nothing was removed. To remove ${now}, run \`openai-setup logout --admin\` again.`,
    );
    expect(t.stdout).not.toContain('Removed');
    expect(t.keychain.keyOf('default:admin')).toBe(OTHER_ADMIN);
    expect((await t.profile())?.adminKey?.hint).toBe(now);
    t.assertScriptsUsed();
  });
});

describe('admin-key: what it reads', () => {
  it('--stdin with nothing on it: no key (exit 2), the pipe line for admin-key and the profile', async () => {
    const t = setup({ interactive: false, stdin: '\n', env: { OPENAI_ADMIN_KEY: 'sk-admin-set' } });
    const { code, message, hints } = await outcomeOf(adminKey(t.ctx, options({ stdin: true, profile: 'work' })));
    expect(code).toBe(2);
    expect(message).toBe('No key came on standard input: it was empty.');
    expect(hints).toEqual(['Pipe the key in, e.g.:  printenv OPENAI_ADMIN_KEY | openai-setup admin-key --stdin --profile work']);
    expect(t.org.requests).toEqual([]);
  });

  it('--stdin with nothing on it and OPENAI_ADMIN_KEY not set, at a terminal (stdout one): not the pipe of it again, but the prompt', async () => {
    const t = setup({ interactive: false, stdoutIsTTY: true, stdin: '' });
    const { code, hints } = await outcomeOf(adminKey(t.ctx, options({ stdin: true, profile: 'work' })));
    expect(code).toBe(2);
    expect(hints).toEqual([
      "OPENAI_ADMIN_KEY is not in this shell's environment (not set, or not exported), so `printenv OPENAI_ADMIN_KEY` gives nothing to pipe.",
      'Let it ask for the key instead (hidden; at a terminal):  openai-setup admin-key --profile work',
    ]);
  });

  // In CI the prompt would fail in its turn, naming the pipe again: a loop.
  it('--stdin with nothing on it and OPENAI_ADMIN_KEY not set, without a terminal: the pipe itself, never the prompt', async () => {
    const t = setup({ interactive: false, stdin: '' });
    const { code, hints } = await outcomeOf(adminKey(t.ctx, options({ stdin: true, profile: 'work' })));
    expect(code).toBe(2);
    expect(hints).toEqual([
      "OPENAI_ADMIN_KEY is not in this shell's environment (not set, or not exported), so `printenv OPENAI_ADMIN_KEY` gives nothing to pipe.",
      'Pipe the key itself into:  openai-setup admin-key --stdin --profile work',
    ]);
  });

  it("--stdin with nothing on it: the pipe and the prompt it names keep this run's --insecure-storage and --no-verify", async () => {
    const piped = setup({ interactive: false, stdin: '', env: { OPENAI_ADMIN_KEY: 'sk-admin-set' } });
    const all = { stdin: true, profile: 'work', insecureStorage: true, verify: false };
    expect((await outcomeOf(adminKey(piped.ctx, options(all)))).hints).toEqual(['Pipe the key in, e.g.:  printenv OPENAI_ADMIN_KEY | openai-setup admin-key --stdin --insecure-storage --no-verify --profile work']);
    const alone = setup({ interactive: false, stdin: '' });
    expect((await outcomeOf(adminKey(alone.ctx, options(all)))).hints.at(-1)).toBe('Pipe the key itself into:  openai-setup admin-key --stdin --insecure-storage --no-verify --profile work');
    const atTerminal = setup({ interactive: false, stdoutIsTTY: true, stdin: '' });
    expect((await outcomeOf(adminKey(atTerminal.ctx, options(all)))).hints.at(-1)).toBe('Let it ask for the key instead (hidden; at a terminal):  openai-setup admin-key --insecure-storage --no-verify --profile work');
  });

  it('a paste cut off is refused with one line and asked again with the field empty', async () => {
    const t = setup();
    t.prompts.whenPassword('Paste the admin key (input is hidden):', ADMIN.slice(0, 40)).whenPassword('Paste the admin key (input is hidden):', ADMIN);
    expect(await adminKey(t.ctx, options())).toBe(0);
    expect(t.stderr).toMatch(/✖ That is not an admin key: .*copy it again\.\n/);
    expect(t.keychain.keyOf('default:admin')).toBe(ADMIN);
    t.assertScriptsUsed();
  });

  it('a paste with a line break inside is refused with one line and asked again (no error ends the run); nothing is sent for it', async () => {
    const t = setup();
    t.prompts.whenPassword('Paste the admin key (input is hidden):', new LineBreakInsideError()).whenPassword('Paste the admin key (input is hidden):', ADMIN);
    expect(await adminKey(t.ctx, options())).toBe(0);
    expect(t.stderr).toContain('✖ That is not an API key: it has a line break inside: copy it again in one piece.\n');
    expect(t.stderr).not.toMatch(/Unexpected|LineBreakInsideError|\bat /);
    expect(t.keychain.keyOf('default:admin')).toBe(ADMIN);
    expect(t.org.requests.map((r) => r.key)).toEqual([ADMIN, ADMIN]);
    t.assertScriptsUsed();
    expectNoKey(t);
  });

  it('an empty Enter says how to stop; a second one stops: exit 2, nothing sent or stored', async () => {
    const t = setup();
    t.prompts.whenPassword('Paste the admin key (input is hidden):', '', 2);
    const { code, message } = await outcomeOf(adminKey(t.ctx, options()));
    expect(code).toBe(2);
    expect(t.stderr).toContain('✖ Nothing was pasted. Press Enter again to stop without storing an admin key.\n');
    expect(message).toBe('Stopped; nothing was stored.');
    expect(t.keychain.keyOf('default:admin')).toBeUndefined();
    expect((await t.profile())?.adminKey).toBeUndefined();
    expect(t.org.requests).toEqual([]);
    t.assertScriptsUsed();
  });
});


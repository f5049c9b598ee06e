// A key (project or admin) sent to a server that is not OpenAI's is said to go there before it
// leaves: one line naming the host and the setting that named it (--base-url or OPENAI_BASE_URL),
// on stderr (stdout stays the JSON with --json); at the paste prompt of the wizard, `key` and
// `admin-key`, before the paste. Once a run for each kind of key. And a key that works there is
// never said simply to "work": the checklist and the closing screen name the server.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAdminApi } from '../../src/api/admin.js';
import type { SdkFetch } from '../../src/api/http.js';
import { run as adminKey } from '../../src/commands/admin-key.js';
import { run as doctor } from '../../src/commands/doctor.js';
import { defaultDeps, runImport } from '../../src/commands/import.js';
import { run as key } from '../../src/commands/key.js';
import { run as setup } from '../../src/commands/setup.js';
import { run as spend } from '../../src/commands/spend.js';
import { run as verify } from '../../src/commands/verify.js';
import { STAGE_IDS } from '../../src/storage/state.js';
import { checkResult, flat, outcomeOf, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const KEY = testKey('A');
const ADMIN = makeKey('admin', 'unit-other-host');
const PROJECT = 'proj_OtherHost000000000000000';
const GATEWAY = 'https://user:pw-hunter2@llm.example.com:8443/v1';
const PASTE = 'Paste your secret key (input is hidden):';
const ADMIN_PASTE = 'Paste the admin key (input is hidden):';

const KEY_LINE = '! The key is sent to llm.example.com:8443 (from OPENAI_BASE_URL), not to the OpenAI API.';
const ADMIN_LINE = '! The admin key is sent to llm.example.com:8443 (from OPENAI_BASE_URL), not to the OpenAI API: whoever runs that server gets a key that manages your whole organization.';
const ANY_LINE = /is sent to .*not to the OpenAI API/;

const contexts = trackedContexts();

/** A context whose checks record what stderr said by the time each key left (`before`). */
function context(options: TestContextOptions = {}): TestContext & { before: string[] } {
  const t = Object.assign(contexts.make(options), { before: [] as string[] });
  t.api.answerEveryCheck(() => {
    t.before.push(t.stderr);
    return checkResult('valid');
  });
  return t;
}

/** What stderr said when the paste prompt was shown. */
function atPaste(t: TestContext): () => string | null {
  let said: string | null = null;
  const prompter = t.ctx.prompter;
  t.ctx.prompter = (hint) => {
    const p = prompter(hint);
    return { ...p, password: (message, validate) => ((said ??= t.stderr), p.password(message, validate)) };
  };
  return () => said;
}

/** The Admin API over the in-memory organization, recording what stderr said by the first request. */
function withAdmin(t: TestContext & { before: string[] }): void {
  t.org.admin.addAdminKey(ADMIN);
  t.org.admin.addProject({ id: PROJECT, name: 'my-app' });
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    t.before.push(t.stderr);
    return t.org.fetch(input, init);
  }) as unknown as SdkFetch;
  t.api.admin = createAdminApi({ env: {}, fetch });
}

describe('a project key', () => {
  it('key (pasted, OPENAI_BASE_URL): said before the paste prompt, once though pasted twice; the login is never shown', async () => {
    const t = context({ env: { OPENAI_BASE_URL: GATEWAY } });
    const said = atPaste(t);
    t.prompts.whenPassword(PASTE, KEY.slice(0, 30)).whenPassword(PASTE, KEY);
    expect(await key(t.ctx, {})).toBe(0);
    expect(said()).toBe(`! The key you paste is sent to llm.example.com:8443 (from OPENAI_BASE_URL), not to the OpenAI API.\n`);
    expect(t.stderr.split('\n').filter((l) => ANY_LINE.test(l))).toHaveLength(1);
    expect(t.stdout + t.stderr).not.toContain('hunter2');
  });

  it('key --no-verify sends nothing and says nothing of the server', async () => {
    const t = context({ env: { OPENAI_BASE_URL: GATEWAY } });
    t.prompts.whenPassword(PASTE, KEY);
    expect(await key(t.ctx, { verify: false })).toBe(0);
    expect(t.stderr).not.toMatch(ANY_LINE);
  });

  it('key --stdin: said before the check', async () => {
    const t = context({ interactive: false, stdin: `${KEY}\n`, env: { OPENAI_BASE_URL: GATEWAY } });
    expect(await key(t.ctx, { stdin: true })).toBe(0);
    expect(t.before).toEqual([`${KEY_LINE}\n`]);
  });

  it('verify --json --base-url: on stderr before the check, naming --base-url; stdout is the JSON alone', async () => {
    const t = context({ interactive: false, env: { OPENAI_BASE_URL: 'https://api.openai.com/v1' } });
    expect(await verify(t.ctx, { key: KEY, json: true, quiet: false, billingCheck: true, baseURL: 'http://10.1.2.3:4000/v1' })).toBe(0);
    expect(t.before[0]).toMatch(/^! The key is sent to 10\.1\.2\.3:4000 \(from --base-url\), not to the OpenAI API\.\n/);
    expect(JSON.parse(t.stdout)).toMatchObject({ ok: true });
  });

  it.each([undefined, 'https://api.openai.com/v1', 'https://eu.api.openai.com/v1'])("OpenAI's own hosts (%s): nothing said", async (base) => {
    const t = context({ interactive: false, env: base ? { OPENAI_BASE_URL: base } : {} });
    expect(await verify(t.ctx, { key: KEY, json: false, quiet: false, billingCheck: true })).toBe(0);
    expect(t.stdout + t.stderr).not.toMatch(ANY_LINE);
    expect(t.stdout).toContain('✔ The key works and can spend.');
  });

  it("the checklist's verdict names the server the key works at", async () => {
    const t = context({ interactive: false, env: { OPENAI_BASE_URL: GATEWAY } });
    expect(await verify(t.ctx, { key: KEY, json: false, quiet: false, billingCheck: true })).toBe(0);
    expect(t.stdout).toContain('✔ At llm.example.com:8443, not the OpenAI API: The key works and can spend.');
    expect(t.stdout).not.toMatch(/^✔ The key works/m);
  });

  it('doctor --json: on stderr before the check; doctor without it says it as its OPENAI_BASE_URL check instead', async () => {
    const json = context({ interactive: false, env: { OPENAI_BASE_URL: GATEWAY, OPENAI_API_KEY: KEY } });
    json.api.answerReach({ reached: true, status: 401, json: true, ms: 5 });
    await doctor(json.ctx, { json: true });
    expect(json.before).toEqual([`${KEY_LINE}\n`]);
    const plain = context({ interactive: false, env: { OPENAI_BASE_URL: GATEWAY, OPENAI_API_KEY: KEY } });
    plain.api.answerReach({ reached: true, status: 401, json: true, ms: 5 });
    await doctor(plain.ctx, { json: false });
    expect(plain.stderr).not.toMatch(ANY_LINE);
    expect(plain.stdout).toContain('! OPENAI_BASE_URL     https://llm.example.com:8443/v1: programs talk to this server, not to the OpenAI API');
  });

  it('a proxy variable that is not a URL: the usage error alone, nothing said of a server the key never goes to; doctor still lists its checks', async () => {
    const t = context({ interactive: false, env: { OPENAI_BASE_URL: GATEWAY, HTTPS_PROXY: 'proxy.example:3128' } });
    const refused = await outcomeOf(verify(t.ctx, { key: KEY, json: false, quiet: false, billingCheck: true }));
    expect(refused.code).toBe(2);
    expect(refused.message).toMatch(/^HTTPS_PROXY is not an http:\/\/ or https:\/\/ URL/);
    expect(t.stderr).not.toMatch(ANY_LINE);
    expect(t.api.checks).toEqual([]);
    const d = context({ interactive: false, env: { OPENAI_BASE_URL: GATEWAY, HTTPS_PROXY: 'proxy.example:3128', OPENAI_API_KEY: KEY } });
    expect(await doctor(d.ctx, { json: false })).toBe(6);
    expect(d.stdout).toMatch(/✖ Proxy +HTTPS_PROXY is not an http/);
  });
});

describe('the closing screen of the wizard', () => {
  async function previouslySetUp(t: TestContext): Promise<void> {
    await t.keychain.setPassword('openai-setup', 'default', KEY);
    await t.ctx.state.updateProfile('default', (p) => {
      for (const id of STAGE_IDS) p.stages[id] = { doneAt: '2026-01-01T00:00:00.000Z' };
      p.key = { storage: 'keychain', hint: 'sk-proj-…000A', savedAt: '2026-01-01T00:00:00.000Z' };
    });
  }

  it('with OPENAI_BASE_URL in the shell: the key is said to be sent there first, and to work there, never simply "works"', async () => {
    const t = context({ env: { OPENAI_BASE_URL: GATEWAY } });
    await previouslySetUp(t);
    t.prompts.whenConfirm("You're already set up. Finish now? (No walks through the stages anyway)", true);
    expect(await setup(t.ctx, { restart: false, insecureStorage: false })).toBe(0);
    expect(t.before).toEqual([`${KEY_LINE}\n`]);
    const out = flat(t.stdout);
    expect(out).toContain('Your key sk-proj-…000A works with llm.example.com:8443 (OPENAI_BASE_URL in this shell), not the OpenAI API.');
    expect(out).toContain('Programs started from this shell send it there too (the SDKs read OPENAI_BASE_URL)');
    expect(out).not.toMatch(/Your key sk-proj-…000A works\./);
    expect(t.stdout + t.stderr).not.toContain('hunter2');
  });

  it('a rate-limited check (billing not proven): the heading names the server too', async () => {
    const t = contexts.make({ env: { OPENAI_BASE_URL: GATEWAY } });
    t.api.answerEveryCheck(() => checkResult('rate_limited'));
    await previouslySetUp(t);
    expect(await setup(t.ctx, { restart: false, insecureStorage: false })).toBe(0);
    expect(flat(t.stdout)).toContain('Your key works with llm.example.com:8443 and is stored, but billing is not proven yet.');
  });

  it('the key stage of the wizard: said before the paste prompt, with --base-url', async () => {
    const t = context();
    const said = atPaste(t);
    t.prompts.whenSelect('When you are done on that page:', 'skip', 3).whenSelect('How do you want to pay for the API?', 'prepaid').whenPassword(PASTE, KEY);
    await setup(t.ctx, { restart: false, insecureStorage: false, check: { baseURL: 'http://127.0.0.1:18556/v1' } }).catch(() => 0);
    expect(said()).toContain('! The key you paste is sent to 127.0.0.1:18556 (from --base-url), not to the OpenAI API.\n');
  });
});

describe('an admin key', () => {
  it('admin-key --stdin: said before the first request', async () => {
    const t = context({ interactive: false, stdin: `${ADMIN}\n`, env: { OPENAI_BASE_URL: GATEWAY } });
    withAdmin(t);
    expect(await adminKey(t.ctx, { stdin: true, insecureStorage: false, verify: true, json: false })).toBe(0);
    expect(t.before[0]).toBe(`${ADMIN_LINE}\n`);
    expect(t.stderr.split('\n').filter((l) => ANY_LINE.test(l))).toHaveLength(1);
    expect(t.stdout).toMatch(/^✔ Admin key sk-admin-…\S{4} works \(at llm\.example\.com:8443, not the OpenAI API\): it can list the organization's projects/m);
  });

  it('admin-key (pasted): said before the paste prompt', async () => {
    const t = context({ env: { OPENAI_BASE_URL: GATEWAY } });
    withAdmin(t);
    const said = atPaste(t);
    t.prompts.whenPassword(ADMIN_PASTE, ADMIN);
    expect(await adminKey(t.ctx, { stdin: false, insecureStorage: false, verify: true, json: false })).toBe(0);
    expect(said()).toBe(`${ADMIN_LINE}\n`);
    expect(t.stderr.split('\n').filter((l) => ANY_LINE.test(l))).toHaveLength(1);
  });

  it('spend --json: on stderr before the first request; stdout is the JSON alone', async () => {
    const t = context({ interactive: false, keychain: { 'default:admin': ADMIN }, env: { OPENAI_BASE_URL: GATEWAY } });
    withAdmin(t);
    expect(await spend(t.ctx, { json: true })).toBe(0);
    expect(t.before[0]).toContain(`${ADMIN_LINE}\n`);
    expect(JSON.parse(t.stdout)).toMatchObject({ ok: true });
  });

  it('import --check, a project key and an admin key: both said before the checks', async () => {
    const t = context({ interactive: false, env: { OPENAI_BASE_URL: GATEWAY } });
    withAdmin(t);
    const home = join(dirname(t.cwd), 'home');
    mkdirSync(home);
    t.ctx.rawEnv.HOME = home;
    writeFileSync(join(t.cwd, '.env'), `OPENAI_API_KEY=${KEY}\nOPENAI_ADMIN_KEY=${ADMIN}\n`);
    const deps = { places: defaultDeps().places, fish: async () => ({ ok: true, missing: false, detail: '' }) };
    await runImport(t.ctx, { check: true, json: true, rewrite: false, yes: false }, deps);
    expect(t.before.length).toBeGreaterThan(1);
    for (const before of t.before) {
      expect(before).toContain(`${KEY_LINE}\n`);
      expect(before).toContain(`${ADMIN_LINE}\n`);
    }
  });
});

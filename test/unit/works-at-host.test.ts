// A key checked at a server that is not the OpenAI API works there, and is said to work there,
// never simply "works": the last check records the host, and status, profiles and import's store
// sentence name it. A check at OpenAI's (regional hosts too) records none.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultDeps, runImport } from '../../src/commands/import.js';
import { run as key } from '../../src/commands/key.js';
import { run as profiles } from '../../src/commands/profiles.js';
import { run as status } from '../../src/commands/status.js';
import { maskKey } from '../../src/keys/format.js';
import { checkResult, makeTestContext, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';

const KEY = testKey('A');
const made: TestContext[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((t) => t.cleanup()));
});

function context(options: TestContextOptions): TestContext {
  const t = makeTestContext({ interactive: false, ...options });
  made.push(t);
  return t;
}

/** What `status` and `profiles` print, text and --json, after the runs so far. */
async function shown(t: TestContext, profile: string) {
  const from = t.stdout.length;
  expect(await status(t.ctx, { profile, json: false })).toBe(0);
  const text = t.stdout.slice(from);
  const jsonFrom = t.stdout.length;
  expect(await status(t.ctx, { profile, json: true })).toBe(0);
  const json = JSON.parse(t.stdout.slice(jsonFrom));
  const listFrom = t.stdout.length;
  expect(await profiles(t.ctx, { json: false, names: false })).toBe(0);
  const list = t.stdout.slice(listFrom);
  const listJsonFrom = t.stdout.length;
  expect(await profiles(t.ctx, { json: true, names: false })).toBe(0);
  const listJson = JSON.parse(t.stdout.slice(listJsonFrom));
  return { text, json, list, listJson: listJson.profiles.find((p: { name: string }) => p.name === profile) };
}

describe('the last check says where it was made', () => {
  it('key --base-url http://user:pw@127.0.0.1:8080/v1: status and profiles say "works at 127.0.0.1:8080" (no login, no path)', async () => {
    const t = context({ stdin: KEY });
    t.api.answerChecks(checkResult('valid'));
    expect(await key(t.ctx, { stdin: true, profile: 'local', check: { baseURL: 'http://user:pw@127.0.0.1:8080/v1' } })).toBe(0);
    const { text, json, list, listJson } = await shown(t, 'local');
    expect(text).toContain('Last check 2026-03-02 09:30:00 UTC: works at 127.0.0.1:8080 — The key works and can spend.');
    expect(text).not.toContain(': works —');
    expect(json.lastVerify).toMatchObject({ status: 'valid', host: '127.0.0.1:8080' });
    expect(list).toContain('works at 127.0.0.1:8080, 2026-03-02 09:30 UTC');
    expect(listJson.lastVerify).toMatchObject({ status: 'valid', host: '127.0.0.1:8080' });
    const file = readFileSync(join(t.configDir, 'state.json'), 'utf8');
    expect(file).toContain('"host": "127.0.0.1:8080"');
    expect(file).not.toContain('user:pw');
    // The path only in the base URL status's advice repeats (--base-url), without the login.
    expect(JSON.parse(file).profiles.local.lastVerify).toMatchObject({ host: '127.0.0.1:8080', baseURL: 'http://127.0.0.1:8080/v1' });
  });

  it("OpenAI's API, a regional host too: no host recorded, simply \"works\" (host null in --json)", async () => {
    for (const baseURL of [undefined, 'https://eu.api.openai.com/v1']) {
      const t = context({ stdin: KEY });
      t.api.answerChecks(checkResult('valid'));
      expect(await key(t.ctx, { stdin: true, profile: 'p', ...(baseURL ? { check: { baseURL } } : {}) })).toBe(0);
      const { text, json, listJson } = await shown(t, 'p');
      expect(text, baseURL).toContain('Last check 2026-03-02 09:30:00 UTC: works — The key works and can spend.');
      expect(json.lastVerify.host, baseURL).toBeNull();
      expect(listJson.lastVerify.host, baseURL).toBeNull();
      expect((await t.profile('p'))?.lastVerify, baseURL).not.toHaveProperty('host');
    }
  });

  it('a progress file written before the host was recorded still reads: its check is shown as it was', async () => {
    const t = context({});
    mkdirSync(t.configDir, { recursive: true });
    const lastVerify = { at: '2026-03-01T08:00:00.000Z', status: 'valid', ok: true, keyHint: maskKey(KEY), keySource: 'the keychain', organization: null, project: null, tier: null, billing: 'ok', message: 'The key works and can spend.' };
    writeFileSync(join(t.configDir, 'state.json'), JSON.stringify({ version: 1, defaultProfile: 'default', profiles: { default: { stages: {}, lastVerify } } }), { mode: 0o600 });
    const { text, json } = await shown(t, 'default');
    expect(text).toContain('Last check 2026-03-01 08:00:00 UTC: works — The key works and can spend.');
    expect(json.lastVerify).toMatchObject({ status: 'valid', host: null });
  });

  it('import --store with OPENAI_BASE_URL at another server: "the key works at HOST and can spend"', async () => {
    const t = context({ env: { OPENAI_BASE_URL: 'http://127.0.0.1:8080/v1' } });
    const home = join(dirname(t.cwd), 'home');
    mkdirSync(home);
    t.ctx.rawEnv.HOME = home;
    writeFileSync(join(t.cwd, '.env'), `A=1\nB=2\nOPENAI_API_KEY=${KEY}\n`);
    t.api.answerChecks(checkResult('valid'));
    expect(await runImport(t.ctx, { check: false, json: false, rewrite: true, yes: true, store: '.env:3', profile: 'imp' }, defaultDeps())).toBe(0);
    expect(t.stdout).toContain(`as the key of profile "imp" (the key works at 127.0.0.1:8080 and can spend).`);
    expect((await t.profile('imp'))?.lastVerify).toMatchObject({ host: '127.0.0.1:8080' });
  });
});

// Half a surrogate pair (a lone \ud800, which JSON lets a server send) is no character: shown,
// stored or given in --json it is U+FFFD, so that every --json document is one a strict reader
// (jq) takes, and a state file holding one from an older version is read as any other.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as adminKey, AdminKeyJsonSchema } from '../../src/commands/admin-key.js';
import { DoctorJsonSchema, run as doctor } from '../../src/commands/doctor.js';
import { ProfilesJsonSchema, run as profiles } from '../../src/commands/profiles.js';
import { run as spend, SpendJsonSchema } from '../../src/commands/spend.js';
import { StatusJsonSchema, run as status } from '../../src/commands/status.js';
import { run as verify, VerifyJsonSchema, type VerifyOptions } from '../../src/commands/verify.js';
import { jsonText, sanitize, shownValue, untrusted, untrustedData } from '../../src/terminal/sanitize.js';
import { checkResult, testKey } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const KEY = makeKey('proj', 'unit-lone-surrogates');
const ADMIN = makeKey('admin', 'unit-lone-surrogates');
const PROJECT = 'proj_LoneSurrogate000000000000';
const LONE = /[\ud800-\udfff]/u; // with the u flag, a surrogate that is half of no pair
const contexts = trackedContexts();
const VERIFY: VerifyOptions = { json: false, quiet: false, billingCheck: true };

/** What jq checks: every string and name in the document is well-formed (no half pair). */
function expectWellFormedJson(text: string): void {
  const halves: string[] = [];
  JSON.parse(text, (name, value: unknown) => {
    for (const s of [name, value]) if (typeof s === 'string' && LONE.test(s)) halves.push(s);
    return value;
  });
  expect(halves).toEqual([]);
  expect(text).not.toMatch(/\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2}/i);
}

/** A check the API answered with halves of pairs in its message and code (the reviewer's body). */
const halvesResult = () => checkResult('invalid_key', { message: 'The API rejected the key: lone \ud800 here', reason: 'c\udfff' });

describe('the text functions', () => {
  it('a lone surrogate, high or low, at any place, becomes U+FFFD; a pair stays', () => {
    for (const show of [sanitize, shownValue, (t: string) => untrusted(t, []), (t: string) => untrustedData(t, [])]) {
      expect(show('lone \ud800 here')).toBe('lone \ufffd here');
      expect(show('\udfffa\ud83d')).toBe('\ufffda\ufffd');
      expect(show('😀 \ud83d\ude00')).toBe('😀 😀');
    }
  });

  it('jsonText gives no half pair, whatever reaches it', () => {
    const text = jsonText({ message: 'a\ud800b', list: ['\udc00'], emoji: '😀' });
    expectWellFormedJson(text);
    expect(JSON.parse(text)).toEqual({ message: 'a\ufffdb', list: ['\ufffd'], emoji: '😀' });
  });
});

describe('--json documents', () => {
  it('verify --json and doctor --json: the message and reason with U+FFFD', async () => {
    const t = contexts.make({ env: { OPENAI_API_KEY: KEY } });
    t.api.answerChecks(halvesResult());
    expect(await verify(t.ctx, { ...VERIFY, json: true })).toBe(3);
    expectWellFormedJson(t.stdout);
    expect(VerifyJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({ message: 'The API rejected the key: lone \ufffd here', reason: 'c\ufffd' });

    const d = contexts.make({ env: { OPENAI_API_KEY: KEY } });
    d.api.answerReach({ reached: true, status: 401, json: true, ms: 5 }).answerChecks(halvesResult());
    expect(await doctor(d.ctx, { json: true })).toBe(3);
    expectWellFormedJson(d.stdout);
    expect(JSON.stringify(DoctorJsonSchema.parse(JSON.parse(d.stdout)))).toContain('lone \ufffd here');
  });

  it('spend --json and admin-key --json: a project name with half a pair', async () => {
    const s = contexts.make({ admin: true, keychain: { 'default:admin': ADMIN } });
    s.org.admin.addAdminKey(ADMIN);
    s.org.admin.addProject({ id: PROJECT, name: 'N\ud800' });
    s.org.admin.addCost({ day: '2026-03-01', projectId: PROJECT, amount: 1.5 });
    expect(await spend(s.ctx, { json: true })).toBe(0);
    expectWellFormedJson(s.stdout);
    expect(SpendJsonSchema.parse(JSON.parse(s.stdout)).projects).toEqual([{ id: PROJECT, name: 'N\ufffd', amount: 1.5 }]);

    const a = contexts.make({ admin: true, interactive: false, stdin: `${ADMIN}\n` });
    a.org.admin.addAdminKey(ADMIN);
    a.org.admin.addProject({ id: PROJECT, name: 'N\ud800' });
    expect(await adminKey(a.ctx, { stdin: true, insecureStorage: false, verify: true, json: true })).toBe(0);
    expectWellFormedJson(a.stdout);
    expect(AdminKeyJsonSchema.parse(JSON.parse(a.stdout)).sampleProject).toEqual({ id: PROJECT, name: 'N\ufffd' });
  });
});

describe('the state file', () => {
  it("verify records the message with U+FFFD, so status --json and profiles --json read it back whole", async () => {
    const t = contexts.make({ env: { OPENAI_API_KEY: KEY } });
    t.api.answerChecks(halvesResult());
    expect(await verify(t.ctx, VERIFY)).toBe(3);
    const stored = readFileSync(join(t.configDir, 'state.json'), 'utf8');
    expectWellFormedJson(stored);
    expect((await t.profile())!.lastVerify!.message).toBe('The API rejected the key: lone \ufffd here');
  });

  it('a message with half a pair, stored by an older version, is read, shown and given in --json with U+FFFD', async () => {
    const t = contexts.make({ keychain: { default: testKey('A') } });
    mkdirSync(t.configDir, { recursive: true });
    writeFileSync(
      join(t.configDir, 'state.json'),
      JSON.stringify({
        version: 1,
        profiles: {
          default: {
            stages: {},
            key: { storage: 'keychain', hint: 'sk-proj-…A000', savedAt: '2026-01-01T00:00:00.000Z' },
            lastVerify: { at: '2026-01-01T00:00:00.000Z', status: 'invalid_key', ok: false, keyHint: 'sk-proj-…A000', keySource: 'the keychain', organization: null, project: null, tier: null, billing: 'unchecked', message: 'lone \ud800 here' },
          },
        },
      }),
    );
    expect(await status(t.ctx, { json: true })).toBe(0);
    const statusJson = t.stdout;
    expectWellFormedJson(statusJson);
    expect(StatusJsonSchema.parse(JSON.parse(statusJson)).lastVerify?.message).toBe('lone \ufffd here');
    expect(await profiles(t.ctx, { json: true, names: false })).toBe(0);
    const profilesJson = t.stdout.slice(statusJson.length);
    expectWellFormedJson(profilesJson);
    ProfilesJsonSchema.parse(JSON.parse(profilesJson));
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.stdout.slice(statusJson.length + profilesJson.length)).toContain('lone \ufffd here');
  });
});

// A check of the stored key is recorded only while the profile still stores that key: another run
// storing another key during the check (`key --stdin` in another shell while `verify` waits on a
// slow server) used to have the old key's check recorded as the profile's last check, over the one
// the new key's `key` had just recorded. And `import` storing a found key over the stored one
// remembers the key it replaced, as `key` does, so that `env` later names it as this profile's.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckRequest, CheckResult } from '../../src/api/types.js';
import { run as env } from '../../src/commands/env.js';
import { runImport } from '../../src/commands/import.js';
import { run as key } from '../../src/commands/key.js';
import { run as logout } from '../../src/commands/logout.js';
import { run as setup } from '../../src/commands/setup.js';
import { run as verify, VerifyJsonSchema, type VerifyOptions } from '../../src/commands/verify.js';
import { maskKey } from '../../src/keys/format.js';
import { recordCheck } from '../../src/last-check.js';
import { storedSource } from '../../src/storage/profile-key.js';
import { STAGE_IDS } from '../../src/storage/state.js';
import { checkResult, makeTestContext, testKey, type TestContext } from '../helpers/context.js';
import { importMachine } from '../helpers/import-machine.js';
import { makeKey } from '../helpers/openai-server.js';
import { anotherRun } from '../helpers/store-faults.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const OLD = testKey('O');
const NEW = testKey('N');
const VERIFY: VerifyOptions = { json: false, quiet: false, billingCheck: true };
const NOT_RECORDED = `Profile "default" stores another key now (${maskKey(NEW)}, stored in place of ${maskKey(OLD)} while it was checked): this check of ${maskKey(OLD)} was not recorded.`;

let t: TestContext;
afterEach(() => t?.cleanup());

/** Profile "default" stores OLD (stored with `key --stdin`, not checked); every check finds a key valid. */
async function storedOld(): Promise<TestContext> {
  t = makeTestContext({ interactive: false, stdoutIsTTY: false, stdin: `${OLD}\n` });
  t.api.answerEveryCheck((request) => checkResult('valid', { message: `Checked ${maskKey(request.key)}.` }));
  expect(await key(t.ctx, { stdin: true, verify: false })).toBe(0);
  return t;
}

/** The first live check waits for `meanwhile` (another run, while the server takes its time) before it is answered. */
function duringFirstCheck(meanwhile: () => Promise<void>): void {
  const answer = t.api.check.bind(t.api);
  let first = true;
  t.api.check = async (request: CheckRequest): Promise<CheckResult> => {
    if (first) {
      first = false;
      await meanwhile();
    }
    return answer(request);
  };
}

/** `key --stdin` with NEW, checked (its check recorded), in another shell. */
async function newKeyStored(): Promise<void> {
  expect(await key(anotherRun(t, `${NEW}\n`), { stdin: true })).toBe(0);
}

describe("a check of a key another run replaced meanwhile", () => {
  it('verify: not recorded over the new key\'s check, and said', async () => {
    await storedOld();
    duringFirstCheck(newKeyStored);
    expect(await verify(t.ctx, VERIFY)).toBe(0);
    // Both checked: the new key's (by `key`) ended first.
    expect(t.api.checkedKeys).toEqual([NEW, OLD]);
    expect(t.stdout).toContain(`Checked ${maskKey(OLD)}.`);
    const profile = await t.profile();
    expect(profile?.key?.hint).toBe(maskKey(NEW));
    expect(profile?.lastVerify).toMatchObject({ keyHint: maskKey(NEW), message: `Checked ${maskKey(NEW)}.` });
    expect(t.stderr.split('\n')).toContain(`! ${NOT_RECORDED}`);
  });

  it('verify --json: the document says it in notRecorded', async () => {
    await storedOld();
    duringFirstCheck(newKeyStored);
    const from = t.stdout.length;
    expect(await verify(t.ctx, { ...VERIFY, json: true })).toBe(0);
    const doc = VerifyJsonSchema.parse(JSON.parse(t.stdout.slice(t.stdout.indexOf('{', from))));
    expect(doc).toMatchObject({ ok: true, key: { hint: maskKey(OLD) }, notRecorded: NOT_RECORDED });
    expect((await t.profile())?.lastVerify?.keyHint).toBe(maskKey(NEW));
  });

  it('the wizard: its check of the key it found stored is not recorded for the key stored in its place', async () => {
    await storedOld();
    await t.ctx.state.updateProfile('default', (p) => {
      for (const id of STAGE_IDS) p.stages[id] = { doneAt: '2026-01-01T00:00:00.000Z' };
    });
    duringFirstCheck(newKeyStored);
    await setup(t.ctx, { restart: false, insecureStorage: false });
    expect(t.stdout).toContain(`Found a key: ${maskKey(OLD)}`);
    expect((await t.profile())?.lastVerify).toMatchObject({ keyHint: maskKey(NEW), message: `Checked ${maskKey(NEW)}.` });
    expect(t.stderr.split('\n')).toContain(`! ${NOT_RECORDED}`);
  });

  it('verify: a profile another run logged out of meanwhile is not brought back by the check\'s record', async () => {
    t = makeTestContext({ interactive: false, stdoutIsTTY: false, stdin: `${OLD}\n` });
    t.api.answerEveryCheck(() => checkResult('valid'));
    expect(await key(t.ctx, { profile: 'work', stdin: true, verify: false })).toBe(0);
    duringFirstCheck(async () => {
      expect(await logout(anotherRun(t, ''), { profile: 'work', yes: true })).toBe(0);
    });
    expect(await verify(t.ctx, { ...VERIFY, profile: 'work' })).toBe(0);
    expect(t.keychain.keyOf('work')).toBeUndefined();
    expect((await t.ctx.state.read()).profiles.work).toBeUndefined();
    expect(t.stderr.split('\n')).toContain(`! Profile "work" stores no key now (another run removed it while it was checked): this check of ${maskKey(OLD)} was not recorded.`);
  });

  it('recordCheck: of the key file too; a check of the key still stored, or of OPENAI_API_KEY, is recorded as before', async () => {
    await storedOld();
    const said: string[] = [];
    // The record says the profile now stores NEW (in the key file): a check of OLD from there is not kept.
    await t.ctx.state.updateProfile('default', (p) => void (p.key = { storage: 'file', hint: maskKey(NEW), savedAt: '2026-03-02T09:00:00.000Z' }));
    expect(await recordCheck(t.ctx, 'default', OLD, storedSource('file', 'default'), checkResult('valid'), (line) => said.push(line))).toBe(NOT_RECORDED);
    expect(said).toEqual([`! ${NOT_RECORDED}`]);
    expect((await t.profile())?.lastVerify).toBeUndefined();
    // The key it stores: recorded, nothing said.
    expect(await recordCheck(t.ctx, 'default', NEW, storedSource('file', 'default'), checkResult('valid'), (line) => said.push(line))).toBeNull();
    expect((await t.profile())?.lastVerify).toMatchObject({ keyHint: maskKey(NEW), keySource: 'the --insecure-storage file (profile default)' });
    // OPENAI_API_KEY is not the stored key, and says so where its check is shown: recorded as ever.
    expect(await recordCheck(t.ctx, 'default', OLD, { kind: 'env', label: 'OPENAI_API_KEY' }, checkResult('valid'), (line) => said.push(line))).toBeNull();
    expect((await t.profile())?.lastVerify).toMatchObject({ keyHint: maskKey(OLD), keySource: 'OPENAI_API_KEY' });
    expect(said).toHaveLength(1);
  });
});

const GIT_ENV = { PATH: process.env.PATH, HOME: '/nonexistent-home', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
const contexts = trackedContexts();

describe('import storing a found key over the stored one', () => {
  it('remembers the key it replaced: env, finding it in a file later, names it as this profile\'s earlier key', async () => {
    const found = makeKey('proj', 'unit-import-replaces-found');
    const earlier = makeKey('proj', 'unit-import-replaces-earlier');
    const m = importMachine(contexts, [found, earlier], { interactive: false, env: GIT_ENV, keychain: { default: earlier } });
    await m.ctx.state.updateProfile('default', (p) => void (p.key = { storage: 'keychain', hint: maskKey(earlier), savedAt: '2026-03-01T00:00:00.000Z' }));
    m.write('.env', `OPENAI_API_KEY=${found}\n`);
    await runImport(m.ctx, { check: false, json: false, rewrite: false, yes: true, store: '.env:1' }, m.deps);
    expect(m.keychain.keyOf('default')).toBe(found);
    expect((await m.ctx.state.read()).profiles.default?.replacedKeys).toEqual([{ at: expect.any(String), keyHint: maskKey(earlier), by: 'import', revoked: false }]);
    // The earlier key, still in .env (git-ignored, as kept elsewhere): env writes the stored key over it.
    execFileSync('git', ['init', '-q'], { cwd: m.cwd, env: GIT_ENV });
    writeFileSync(join(m.cwd, '.gitignore'), '.env\n');
    writeFileSync(join(m.cwd, '.env'), `OPENAI_API_KEY=${earlier}\n`, { mode: 0o600 });
    const from = m.stderr.length;
    expect(await env(m.ctx, { force: false, gitignore: false })).toBe(0);
    const said = m.stderr.slice(from);
    expect(said).toContain(`! It replaced ${maskKey(earlier)} in .env, a key profile "default" stored until another replaced it (by its hint): it is gone from the file.`);
    expect(said).not.toContain('does not store');
  });
});

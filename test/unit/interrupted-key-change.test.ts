// A run killed (SIGKILL: no signal to wait for) between writing the key store and recording it in
// state.json left the two disagreeing, and the next runs said false things: status and profiles
// showed the recorded hint as the key while token handed out another, and the next `key` named
// only the recorded key as replaced. Now a key change is marked in state.json before the store is
// written and the mark cleared with the record; status and profiles say the record is in doubt (the
// mark, or a plain-text key file holding another key) and send people to doctor, which records
// what is stored and clears the mark; `key` names what the store held as well as the record.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Reachability } from '../../src/api/types.js';
import { run as doctor } from '../../src/commands/doctor.js';
import { run as key } from '../../src/commands/key.js';
import { run as profiles } from '../../src/commands/profiles.js';
import { run as status } from '../../src/commands/status.js';
import { run as token } from '../../src/commands/token.js';
import { changeKey } from '../../src/storage/key-change.js';
import { storedSource } from '../../src/storage/profile-key.js';
import { profileIn } from '../../src/storage/state.js';
import { checkResult, makeTestContext, testKey, type TestContext } from '../helpers/context.js';

const KA = testKey('A');
const KB = testKey('B');
const KC = testKey('C');
const HA = 'sk-proj-…000A';
const HB = 'sk-proj-…000B';
const ANSWERS: Reachability = { reached: true, status: 401, json: true, ms: 42 };

let t: TestContext;
afterEach(() => t?.cleanup());

/** state.json recording HA for p1 in `storage` (`marked`: a key change for p1 started), as a killed run leaves it. */
function recorded(storage: 'keychain' | 'file', marked: boolean, extra: object = {}): string {
  mkdirSync(t.configDir, { recursive: true, mode: 0o700 });
  const p1 = {
    stages: { key: { doneAt: '2026-01-01T00:00:00.000Z' } },
    key: { storage, hint: HA, savedAt: '2026-01-01T00:00:00.000Z' },
    ...(marked ? { keyChangeStartedAt: '2026-01-02T00:00:00.000Z' } : {}),
    ...extra,
  };
  const path = join(t.configDir, 'state.json');
  writeFileSync(path, JSON.stringify({ version: 1, defaultProfile: 'default', profiles: { p1 } }), { mode: 0o600 });
  return path;
}

function keyFile(keys: Record<string, string>): string {
  const path = join(t.configDir, 'credentials.json');
  writeFileSync(path, JSON.stringify({ version: 1, keys }), { mode: 0o600 });
  return path;
}

async function printed(act: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  const from = { out: t.stdout.length, err: t.stderr.length };
  const code = await act();
  return { code, out: t.stdout.slice(from.out), err: t.stderr.slice(from.err) };
}

describe('a plain-text key file holding another key than state.json records (no mark: a run of an older build killed)', () => {
  it('status and profiles do not show the recorded hint as the key, and name both and the command that fixes it', async () => {
    t = makeTestContext({ interactive: false, stdoutIsTTY: false });
    const state = recorded('file', false);
    const file = keyFile({ p1: KB });
    const shown = await printed(() => status(t.ctx, { profile: 'p1', json: false }));
    expect(shown.code).toBe(0);
    expect(shown.out).not.toContain(`Key ${HA}`);
    expect(shown.out).toContain(`! Key not known: ${state} records ${HA} in plain text for profile "p1", but ${file} holds ${HB}; \`openai-setup doctor --profile p1\` records the key stored`);
    const json = await printed(() => status(t.ctx, { profile: 'p1', json: true }));
    expect(JSON.parse(json.out).key).toMatchObject({ storage: 'unknown', hint: null });

    const listed = await printed(() => profiles(t.ctx, { json: false, names: false }));
    expect(listed.out).not.toContain(`${HA} (plain-text file)`);
    expect(listed.out).toMatch(/p1 +not known/);
    expect(listed.out).toContain(`! Key of profile "p1" not known: ${state} records ${HA} in plain text for profile "p1", but ${file} holds ${HB}; \`openai-setup doctor --profile p1\` records the key stored.`);

    // What token hands out is what doctor records.
    expect((await printed(() => token(t.ctx, { profile: 'p1', yes: true }))).out).toBe(`${KB}\n`);
    t.api.answerReach(ANSWERS).answerChecks(checkResult('valid'));
    await printed(() => doctor(t.ctx, { profile: 'p1', json: false }));
    expect((await t.profile('p1'))?.key).toMatchObject({ storage: 'file', hint: HB });
    expect((await printed(() => status(t.ctx, { profile: 'p1', json: false }))).out).toContain(`! Key ${HB} in plain text: ${file}`);
  });

  it('the next key names the key it really overwrote as well as the recorded one', async () => {
    t = makeTestContext({ interactive: false, stdoutIsTTY: false, stdin: `${KC}\n` });
    const state = recorded('file', false);
    keyFile({ p1: KB });
    const stored = await printed(() => key(t.ctx, { profile: 'p1', stdin: true, insecureStorage: true, verify: false }));
    expect(stored.code).toBe(0);
    // Wrapped to the terminal's width: compared as words.
    const said = (stored.out + stored.err).replace(/\s+/g, ' ');
    expect(said).toContain(`! This replaces ${HB} for profile "p1" (the key that was stored, though ${state} recorded ${HA}: a key change was interrupted before it was recorded). That key may still work until you revoke it`);
    expect(said).toContain(`! This replaces ${HA} for profile "p1" (the key recorded, which the interrupted change had already replaced). That key may still work until you revoke it`);
    expect(said).not.toContain(KB);
    expect((await t.profile('p1'))?.key).toMatchObject({ storage: 'file', hint: 'sk-proj-…000C' });
  });

  it('a record of a key the file does not hold (a logout killed): status says so; doctor forgets the record', async () => {
    t = makeTestContext({ interactive: false, stdoutIsTTY: false });
    const state = recorded('file', false);
    const file = keyFile({});
    expect((await printed(() => status(t.ctx, { profile: 'p1', json: false }))).out).toContain(`! Key not known: ${state} records ${HA} in plain text for profile "p1", but ${file} holds no key for it;`);
    t.api.answerReach(ANSWERS);
    const checked = await printed(() => doctor(t.ctx, { profile: 'p1', json: false }));
    expect(checked.out).toContain(`none for profile p1; ${state} recorded ${HA}, which is not stored: forgotten now`);
    expect((await t.profile('p1'))?.key).toBeUndefined();
    expect((await printed(() => status(t.ctx, { profile: 'p1', json: false }))).out).toContain('No key recorded for this profile');
  });
});

describe('a key change marked in state.json and never recorded (the keychain: status reads none)', () => {
  it('status says it was interrupted and sends to doctor; token keeps working; doctor records the key stored and clears the mark', async () => {
    t = makeTestContext({ interactive: false, stdoutIsTTY: false, keychain: { p1: KB } });
    const state = recorded('keychain', true);
    const shown = await printed(() => status(t.ctx, { profile: 'p1', json: false }));
    expect(shown.out).not.toContain(`Key ${HA}`);
    expect(shown.out).toContain(`! Key not known: a key change for profile "p1" was interrupted, so ${state} may record another key than the one stored; \`openai-setup doctor --profile p1\` records the key stored`);
    expect((await printed(() => token(t.ctx, { profile: 'p1', yes: true }))).out).toBe(`${KB}\n`);

    t.api.answerReach(ANSWERS).answerChecks(checkResult('valid'));
    const checked = await printed(() => doctor(t.ctx, { profile: 'p1', json: false }));
    expect(checked.out).toContain(`${HB} in the Secret Service keyring (profile p1); ${state} recorded ${HA}, out of date: recorded now`);
    const p1 = await t.profile('p1');
    expect(p1?.key).toMatchObject({ storage: 'keychain', hint: HB });
    expect(p1?.keyChangeStartedAt).toBeUndefined();
    expect((await printed(() => status(t.ctx, { profile: 'p1', json: false }))).out).toContain(`✔ Key ${HB} in the Secret Service keyring`);
  });

  it('a logout killed (nothing stored any more): doctor forgets the record and clears the mark', async () => {
    t = makeTestContext({ interactive: false, stdoutIsTTY: false });
    const state = recorded('keychain', true);
    t.api.answerReach(ANSWERS);
    const checked = await printed(() => doctor(t.ctx, { profile: 'p1', json: false }));
    expect(checked.out).toContain(`none for profile p1; ${state} recorded ${HA}, which is not stored: forgotten now`);
    const p1 = await t.profile('p1');
    expect(p1?.key).toBeUndefined();
    expect(p1?.keyChangeStartedAt).toBeUndefined();
    expect((await printed(() => status(t.ctx, { profile: 'p1', json: false }))).out).toContain('No key recorded for this profile');
  });
  it('profiles names the key its last check was of, never as "not the stored key": the key stored is not known', async () => {
    t = makeTestContext({ interactive: false, stdoutIsTTY: false, keychain: { p1: KB } });
    // The last check was of the key the interrupted change stored (KB), from the keychain, or of another one given for it.
    for (const keySource of [storedSource('keychain', 'p1').label, 'OPENAI_API_KEY']) {
      const lastVerify = { at: '2026-01-02T00:00:00.000Z', status: 'valid', ok: true, keyHint: HB, keySource, organization: null, project: null, tier: null, billing: 'ok', message: 'ok' };
      recorded('keychain', true, { lastVerify });
      const listed = await printed(() => profiles(t.ctx, { json: false, names: false }));
      expect(listed.out).toMatch(/p1 +not known/);
      expect(listed.out).toContain(`(checked ${HB}`);
      expect(listed.out).not.toContain('not the stored key');
    }
  });
});

describe('changeKey marks the change before the store is written', () => {
  const markOnDisk = (profile: string) => JSON.parse(readFileSync(t.ctx.state.path, 'utf8')).profiles[profile]?.keyChangeStartedAt;

  it('the mark is on disk while the store changes, and gone with the record', async () => {
    t = makeTestContext({ interactive: false, stdoutIsTTY: false });
    let during: unknown;
    await changeKey(
      t.ctx,
      'p1',
      async () => {
        during = markOnDisk('p1');
        return t.ctx.keys.set('p1', KA, false);
      },
      (state, storage) => {
        profileIn(state, 'p1').key = { storage, hint: HA, savedAt: '2026-01-01T00:00:00.000Z' };
      },
    );
    expect(during).toEqual(expect.any(String));
    expect(markOnDisk('p1')).toBeUndefined();
    expect((await t.profile('p1'))?.key).toMatchObject({ hint: HA });
  });

  it('a change that fails and is put back leaves no mark, and no profile the mark alone made', async () => {
    t = makeTestContext({ interactive: false, stdoutIsTTY: false });
    await expect(
      changeKey(
        t.ctx,
        'p2',
        async () => {
          throw new Error('boom');
        },
        () => {},
      ),
    ).rejects.toThrow('boom');
    expect(JSON.parse(readFileSync(t.ctx.state.path, 'utf8')).profiles).toEqual({});
  });
});

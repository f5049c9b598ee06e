// doctor with a progress file recording another key than the one stored (a `key` killed between
// storing the new key and recording it): status showed the old hint while token handed out the new
// key, and doctor said "✔ Stored key <new>". It says the record was out of date and records the
// stored key's hint, under the lock; where it cannot, it says so and what records it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Reachability } from '../../src/api/types.js';
import { run as doctor } from '../../src/commands/doctor.js';
import { run as status } from '../../src/commands/status.js';
import { checkResult, makeTestContext, testKey, type TestContext } from '../helpers/context.js';

const OLD = testKey('A');
const NEW = testKey('B');
const ANSWERS: Reachability = { reached: true, status: 401, json: true, ms: 42 };

let t: TestContext;
afterEach(() => t?.cleanup());

function line(title: string, from = 0): string {
  const found = t.stdout.slice(from).split('\n').find((l) => l.slice(2).startsWith(title));
  if (!found) throw new Error(`No "${title}" line in:\n${t.stdout}`);
  return found;
}

/** The keychain holds NEW while state.json records OLD (`version` given: written as that version). */
function outOfDate(version = 1): string {
  t = makeTestContext({ keychain: { default: NEW }, stdoutIsTTY: false });
  mkdirSync(t.configDir, { mode: 0o700 });
  const path = join(t.configDir, 'state.json');
  const record = { storage: 'keychain', hint: 'sk-proj-…000A', savedAt: '2026-01-01T00:00:00.000Z' };
  writeFileSync(path, JSON.stringify({ version, defaultProfile: 'default', profiles: { default: { stages: {}, key: record } } }), { mode: 0o600 });
  t.api.answerReach(ANSWERS).answerChecks(checkResult('valid'));
  return path;
}

describe('doctor with a record of another key than the stored one', () => {
  it('warns in one line that the record was out of date and records the stored key now; status then shows it', async () => {
    const path = outOfDate();
    expect(await doctor(t.ctx, { json: false })).toBe(0);
    expect(line('Stored key')).toBe(`! Stored key          sk-proj-…000B in the Secret Service keyring (profile default); ${path} recorded sk-proj-…000A, out of date: recorded now`);
    expect((await t.profile())?.key).toMatchObject({ storage: 'keychain', hint: 'sk-proj-…000B' });
    expect(t.stdout + t.stderr).not.toContain(NEW);
    expect(t.stdout + t.stderr).not.toContain(OLD);

    expect(await status(t.ctx, { json: true })).toBe(0);
    expect(JSON.parse(t.stdout.slice(t.stdout.indexOf('{'))).key).toMatchObject({ storage: 'keychain', hint: 'sk-proj-…000B' });

    t.api.answerReach(ANSWERS).answerChecks(checkResult('valid'));
    const before = t.stdout.length;
    expect(await doctor(t.ctx, { json: false })).toBe(0);
    expect(line('Stored key', before)).toBe('✔ Stored key          sk-proj-…000B in the Secret Service keyring (profile default)');
  });

  it('a record it cannot write (a newer openai-setup wrote the file): says so, and what records the stored key', async () => {
    const path = outOfDate(99);
    expect(await doctor(t.ctx, { json: false })).toBe(0);
    expect(line('Stored key')).toMatch(new RegExp(`^! Stored key {10}sk-proj-…000B in the Secret Service keyring \\(profile default\\); ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} recorded sk-proj-…000A, out of date, and could not be recorded now \\(.*newer openai-setup`));
    // Storing it again exits 7 until then (the file is a newer openai-setup's): that first.
    expect(t.stdout).toContain('To record it, update openai-setup (npm install -g openai-setup@latest), then run `openai-setup token | openai-setup key --stdin --no-verify`.');
    expect((await t.profile())?.key).toMatchObject({ hint: 'sk-proj-…000A' });
  });
});

// What rotate says of the old key it left stored, as far as is known: "works" only when its last
// check passed at the OpenAI API (or this run's check found it working); at another server, that
// it works there, named; a key whose last check failed (a restricted key that may not call models)
// or was made elsewhere is only "still stored (as it was)". It said "still stored and works" always.
import { describe, expect, it } from 'vitest';
import { run as rotate } from '../../src/commands/rotate.js';
import { maskKey } from '../../src/keys/format.js';
import { outcomeOf, type TestContext } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { organizationWith, recordCheckedKey } from '../helpers/rotatable.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const ADMIN = makeKey('admin', 'unit-rotate-old-key-words');
const PROJECT = 'proj_RotateOldKeyWords0000000';
const OTHER = 'http://127.0.0.1:4010/v1';
const contexts = trackedContexts();
let keyCount = 0;

/** An admin key that may read but not write (the create fails: nothing changed), and the old key recorded as last checked (`last`). */
async function setup(last: { ok: boolean; status?: 'valid' | 'forbidden'; host?: string }, env: Record<string, string> = {}): Promise<TestContext & { old: string }> {
  const old = makeKey('proj', `unit-rotate-old-key-words-${keyCount++}`);
  const t = contexts.make({ admin: true, env, keychain: { default: old, 'default:admin': ADMIN } });
  organizationWith(t, { admin: ADMIN, project: PROJECT, old });
  t.org.admin.addAdminKey(ADMIN, { scopes: ['api.management.read'] });
  await recordCheckedKey(t, { old, project: PROJECT });
  await t.ctx.state.updateProfile('default', (p) => {
    p.lastVerify = { ...p.lastVerify!, ok: last.ok, status: last.status ?? 'valid', ...(last.host ? { host: last.host } : {}) };
  });
  return Object.assign(t, { old });
}

async function nothingChanged(t: TestContext & { old: string }): Promise<string> {
  const result = await outcomeOf(rotate(t.ctx, { keepOld: false, yes: true, json: false }));
  expect(result.code).toBe(5);
  expect(t.org.admin.serviceAccounts(PROJECT)).toEqual([]);
  return result.message;
}

describe('rotate: the old key left stored, worded by what is known of it', () => {
  it('last checked working at the OpenAI API: "still stored and works"', async () => {
    const t = await setup({ ok: true });
    expect(await nothingChanged(t)).toMatch(new RegExp(`Nothing was changed: ${maskKey(t.old)} is still stored and works\\.$`));
  });

  it('last check failed (a restricted key that may not call models): "still stored (as it was)", never "works"', async () => {
    const t = await setup({ ok: false, status: 'forbidden' });
    const message = await nothingChanged(t);
    expect(message).toMatch(new RegExp(`Nothing was changed: ${maskKey(t.old)} is still stored \\(as it was\\)\\.$`));
    expect(message).not.toContain('works');
  });

  it('at another server, last checked working there: "still stored and works at" that server', async () => {
    const t = await setup({ ok: true, host: '127.0.0.1:4010' }, { OPENAI_BASE_URL: OTHER });
    expect(await nothingChanged(t)).toMatch(new RegExp(`Nothing was changed: ${maskKey(t.old)} is still stored and works at 127\\.0\\.0\\.1:4010\\.$`));
  });

  it('at another server, last checked at the OpenAI API only: "still stored (as it was)"', async () => {
    const t = await setup({ ok: true }, { OPENAI_BASE_URL: OTHER });
    const message = await nothingChanged(t);
    expect(message).toMatch(new RegExp(`Nothing was changed: ${maskKey(t.old)} is still stored \\(as it was\\)\\.$`));
  });

  it('no check recorded: the check of this run (that finds the project) decides; at another server, "works at" it', async () => {
    const t = await setup({ ok: true }, { OPENAI_BASE_URL: OTHER });
    await t.ctx.state.updateProfile('default', (p) => {
      delete p.lastVerify;
    });
    expect(await nothingChanged(t)).toMatch(new RegExp(`Nothing was changed: ${maskKey(t.old)} is still stored and works at 127\\.0\\.0\\.1:4010\\.$`));
  });
});

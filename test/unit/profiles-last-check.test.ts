// `profiles` shows a last check as the stored key's only when it was a check of that key: after
// `OPENAI_API_KEY=other openai-setup verify`, the organization, project and "works" are the other
// key's, so they are labelled with its hint (as `status` does), and `--json` says which key it was.
import { afterEach, describe, expect, it } from 'vitest';
import { run as key } from '../../src/commands/key.js';
import { run as profiles, type ProfilesJson } from '../../src/commands/profiles.js';
import { run as verify } from '../../src/commands/verify.js';
import { maskKey } from '../../src/keys/format.js';
import { checkResult, makeTestContext, testKey, type TestContext } from '../helpers/context.js';

const STORED = testKey('S');
const OTHER = testKey('E');
const verifyOptions = { json: false, quiet: false, billingCheck: true };

let t: TestContext;
afterEach(() => t?.cleanup());

/** The stored key STORED, then a check of `checked` (given in OPENAI_API_KEY when it is not STORED). */
async function storedThenChecked(checked: string): Promise<void> {
  t = makeTestContext({ interactive: false, stdin: `${STORED}\n`, env: checked === STORED ? {} : { OPENAI_API_KEY: checked } });
  t.api.answerChecks(checkResult('valid', { organization: 'org-stored', project: 'proj_stored' }));
  expect(await key(t.ctx, { profile: 'default', stdin: true })).toBe(0);
  t.api.answerChecks(checkResult('valid', { organization: 'user-checked', project: 'proj_checked' }));
  expect(await verify(t.ctx, verifyOptions)).toBe(0);
}

async function profilesOut(json: boolean): Promise<string> {
  const from = t.stdout.length;
  expect(await profiles(t.ctx, { json, names: false })).toBe(0);
  return t.stdout.slice(from);
}

describe('profiles: the last check and the stored key', () => {
  it("a check of another key (OPENAI_API_KEY) is labelled with that key's hint, not shown as the stored key's", async () => {
    await storedThenChecked(OTHER);
    const row = (await profilesOut(false)).split('\n').find((line) => line.startsWith('*'))!;
    expect(row).toContain(`${maskKey(STORED)} (keychain)`);
    expect(row).toContain('user-checked / proj_checked');
    expect(row).toContain(`works, 2026-03-02 09:30 UTC (checked ${maskKey(OTHER)}, not the stored key)`);
    const doc = JSON.parse(await profilesOut(true)) as ProfilesJson;
    expect(doc.profiles[0]).toMatchObject({ key: { hint: maskKey(STORED) }, lastVerify: { ok: true, status: 'valid', keyHint: maskKey(OTHER) } });
  });

  it("a check of the stored key is shown as it is, and --json's keyHint is the stored key's", async () => {
    await storedThenChecked(STORED);
    const row = (await profilesOut(false)).split('\n').find((line) => line.startsWith('*'))!;
    expect(row).toContain('user-checked / proj_checked');
    expect(row).toMatch(/works, 2026-03-02 09:30 UTC$/);
    const doc = JSON.parse(await profilesOut(true)) as ProfilesJson;
    expect(doc.profiles[0]!.lastVerify).toMatchObject({ keyHint: maskKey(STORED) });
    expect(doc.profiles[0]!.lastVerify!.keyHint).toBe(doc.profiles[0]!.key!.hint);
  });

  it("a check with no key stored is labelled with the checked key's hint", async () => {
    t = makeTestContext({ interactive: false, env: { OPENAI_API_KEY: OTHER } });
    t.api.answerChecks(checkResult('valid'));
    expect(await verify(t.ctx, verifyOptions)).toBe(0);
    const row = (await profilesOut(false)).split('\n').find((line) => line.startsWith('*'))!;
    expect(row).toContain('none recorded');
    expect(row).toContain(`works, 2026-03-02 09:30 UTC (checked ${maskKey(OTHER)})`);
  });
});

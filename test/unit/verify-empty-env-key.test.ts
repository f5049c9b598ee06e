// OPENAI_API_KEY set but empty (`OPENAI_API_KEY= openai-setup verify`): this tool takes it as unset
// and checks the stored key, but the programs it is for get no key from it. verify says so, on
// stderr and in --json's warnings, and its document still names the stored key as what was checked.
import { afterEach, describe, expect, it } from 'vitest';
import { run as verify, VerifyJsonSchema } from '../../src/commands/verify.js';
import { checkResult, makeTestContext, testKey, type TestContext } from '../helpers/context.js';

const KEY = testKey('E');
const SAID = 'OPENAI_API_KEY is set but empty: the stored key was checked; programs that read OPENAI_API_KEY get no key.';

let t: TestContext;
afterEach(async () => t?.cleanup());

function context(value: string | undefined): TestContext {
  t = makeTestContext({ interactive: false, keychain: { work: KEY }, env: value === undefined ? {} : { OPENAI_API_KEY: value } });
  t.api.answerEveryCheck(() => checkResult('valid'));
  return t;
}

describe('verify with OPENAI_API_KEY set but empty', () => {
  it('--json: the stored key is checked, and warnings says the variable gives programs no key', async () => {
    context('');
    expect(await verify(t.ctx, { profile: 'work', json: true, quiet: false, billingCheck: true })).toBe(0);
    const doc = VerifyJsonSchema.parse(JSON.parse(t.stdout));
    expect(doc.key).toMatchObject({ source: 'keychain' });
    expect(doc.warnings).toEqual([SAID]);
    expect(t.api.checkedKeys).toEqual([KEY]);
  });

  it('text: the warning on stderr; only blanks are "blank"', async () => {
    context('  ');
    expect(await verify(t.ctx, { profile: 'work', json: false, quiet: false, billingCheck: true })).toBe(0);
    expect(t.stderr).toContain(`! ${SAID.replace('empty', 'blank')}\n`);
  });

  it('unset: nothing said', async () => {
    context(undefined);
    expect(await verify(t.ctx, { profile: 'work', json: true, quiet: false, billingCheck: true })).toBe(0);
    expect(VerifyJsonSchema.parse(JSON.parse(t.stdout)).warnings).toEqual([]);
    expect(t.stderr).not.toContain('OPENAI_API_KEY');
  });
});

// `openai-setup key` with a key stopped by a spend or usage limit: stored (it is the right key),
// exit 4 as `verify`'s, and the limit named as the fix, not billing (credits do not lift it).
import { afterEach, expect, it } from 'vitest';
import { run as key } from '../../src/commands/key.js';
import { checkResult, flat, makeTestContext, testKey, type TestContext } from '../helpers/context.js';

const PASTE = 'Paste your secret key (input is hidden):';
const KEY = testKey('A');

let t: TestContext;
afterEach(() => t?.cleanup());

it.each(['organization_spend_limit_exceeded', 'organization_usage_limit_exceeded'])('%s: stored, exit 4, "lift the limit", not "fix billing"', async (reason) => {
  t = makeTestContext();
  t.prompts.whenPassword(PASTE, KEY);
  t.api.answerChecks(checkResult('insufficient_quota', { reason }));
  expect(await key(t.ctx, {})).toBe(4);
  expect(t.keychain.keyOf('default')).toBe(KEY);
  expect(flat(t.stdout)).toContain('The key is stored, but it cannot spend yet: lift the limit as described above, then `openai-setup verify`.');
  expect(flat(t.stdout)).not.toContain('fix billing');
  t.assertScriptsUsed();
});

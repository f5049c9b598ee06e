// `openai-setup key` with a key stopped by a spend or usage limit: stored (it is the right key),
// exit 4 as `verify`'s, and the limit named as the fix, not billing (credits do not lift it).
import { afterEach, expect, it } from 'vitest';
import { LIMIT_REASONS, type LimitReasonName } from '../../src/api/limits.js';
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

// Every reason of the limit table: one added there is told to be lifted, never billing.
it.each(Object.keys(LIMIT_REASONS) as LimitReasonName[])('%s (the limit table): stored, exit 4, its line, not "fix billing"', async (reason) => {
  t = makeTestContext();
  t.prompts.whenPassword(PASTE, KEY);
  t.api.answerChecks(checkResult('insufficient_quota', { reason }));
  expect(await key(t.ctx, {})).toBe(4);
  expect(flat(t.stdout)).toContain(`cannot spend yet: ${LIMIT_REASONS[reason].afterStore} as described above, then`);
  expect(flat(t.stdout)).not.toContain('fix billing');
  t.assertScriptsUsed();
});

// A key refused with HTTP 400 as Google's OpenAI-compatible endpoint refuses one, as an object or
// inside a one-element array, through verify's own HTTP path (createApi: probes.ts's client) against
// the local server. The array form reaches the diagnosis only through clientClass, which reads what
// the SDK alone would drop; the diagnosis of each body is test/unit/diagnosis.test.ts's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../src/api/probes.js';
import { run as verify, VerifyJsonSchema } from '../../src/commands/verify.js';
import { makeTestContext, type TestContext } from '../helpers/context.js';
import { makeKey, startOpenAIServer, type FakeOpenAI, type Scenario } from '../helpers/openai-server.js';

const SCENARIOS: Scenario[] = ['google_key_not_valid', 'google_key_not_valid_array'];
const keyFor = (scenario: Scenario) => makeKey('proj', `unit-verify-${scenario}`);
const REFUSED = 'The API rejected the key: API key not valid. Please pass a valid API key.';

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startOpenAIServer();
  for (const scenario of SCENARIOS) server.addKey(keyFor(scenario), scenario);
});
afterAll(() => server?.close());

/** verify's Context with the real API (no proxy variables) and the local server as its base URL. */
function context(): TestContext {
  const t = makeTestContext({ interactive: false, env: { OPENAI_BASE_URL: server.baseURL } });
  t.ctx.api = { ...createApi({ env: {}, clock: () => 0 }), admin: t.api.admin };
  return t;
}

describe.each(SCENARIOS)('%s, through the real client', (scenario) => {
  const key = keyFor(scenario);

  it('--json: invalid_key, exit 3, in the server\'s own words; both requests were sent', async () => {
    const t = context();
    const before = server.requestsFor(key).length;
    expect(await verify(t.ctx, { key, json: true, quiet: false, billingCheck: true })).toBe(3);
    expect(VerifyJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({
      status: 'invalid_key',
      exitCode: 3,
      ok: false,
      reason: 'invalid_api_key',
      message: REFUSED,
      fixUrl: null,
      key: { source: 'flag', hint: `sk-proj-…${key.slice(-4)}`, kind: 'project' },
    });
    expect(server.requestsFor(key).length - before).toBe(2);
    expect(t.stdout + t.stderr).not.toContain(key);
  });

  it('as a person reads it: never accepted, no warnings of a working key; the fix names this server, not OpenAI\'s keys page', async () => {
    const t = context();
    expect(await verify(t.ctx, { key, json: false, quiet: false, billingCheck: true })).toBe(3);
    expect(t.stdout).toMatch(/✖ Accepted +no/);
    expect(t.stdout).toContain(REFUSED);
    expect(t.stdout).not.toMatch(/The key works|✔ Accepted|Listing models failed|Billing not checked|not an OpenAI API answer/);
    // The `key` named as it works here: no terminal to ask at, so a pipe (as every check's fix names it).
    expect(t.stdout).toMatch(/127\.0\.0\.1:\d+ answers like Google's API, not OpenAI's: store a key it accepts \(pipe the key in, in place of …\) with `… \| openai-setup key --stdin`, or check the base URL/);
    expect(t.stdout).not.toContain('platform.openai.com/api-keys');
    expect(t.stdout + t.stderr).not.toContain(key);
  });
});

// An Admin API answer that came (HTTP 200) but not as the API documents it: each caller (admin-key,
// rotate, spend) says what the answer lacked, as a server error (exit 6), never as a network
// failure, and a page in the API's place is said to be one. Through Context: the real Admin API
// client over the in-memory organization, which sends the malformed answer once (failNext).
import { describe, expect, it } from 'vitest';
import { createAdminApi } from '../../src/api/admin.js';
import { run as adminKey } from '../../src/commands/admin-key.js';
import { run as rotate, RotateJsonSchema } from '../../src/commands/rotate.js';
import { run as spend, SpendFailureJsonSchema } from '../../src/commands/spend.js';
import { EXIT } from '../../src/errors.js';
import { projectPageUrl } from '../../src/platform.js';
import { outcomeOf, type TestContext, type TestContextOptions } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { organizationWith, recordCheckedKey } from '../helpers/rotatable.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const ADMIN = makeKey('admin', 'unit-admin-answers');
const OLD = makeKey('proj', 'unit-admin-answers-old');
const PROJECT = 'proj_AdminAnswers000000000000';
const NETWORK_WORDS = /Could not reach|internet connection|network_error/;

const contexts = trackedContexts();
function setup(options: TestContextOptions = {}): TestContext {
  const t = contexts.make({ admin: true, ...options });
  organizationWith(t, { admin: ADMIN, project: PROJECT, old: OLD });
  return t;
}

function expectNoKey(t: TestContext): void {
  for (const key of [ADMIN, OLD]) expect(t.stdout + t.stderr).not.toContain(key);
}

describe('an Admin API answer not as documented', () => {
  it('rotate: a created service account answered without its id is a server error (exit 6) that says so, and where to look for the account', async () => {
    const t = setup({ keychain: { default: OLD, 'default:admin': ADMIN } });
    await recordCheckedKey(t, { old: OLD, project: PROJECT });
    t.org.admin.failNext(
      { method: 'POST', path: /service_accounts$/ },
      { status: 200, body: { object: 'organization.project.service_account', name: 'x', role: 'member', created_at: 1, api_key: { object: 'organization.project.service_account.api_key', id: 'key_1', value: 'sk-svcacct-unseen' } } },
    );
    const result = await outcomeOf(rotate(t.ctx, { keepOld: false, yes: true, json: true, project: PROJECT }));
    expect(result.code).toBe(EXIT.network);
    const printed = RotateJsonSchema.parse(JSON.parse(t.stdout));
    expect(printed).toMatchObject({ ok: false, exitCode: 6, reason: 'server_error', new: null });
    expect(printed.message).toMatch(/^Creating a service account in proj_AdminAnswers0+ failed: the API answered \(HTTP 200\) without id, not as the Admin API documents its answer\. /);
    // The account may have been made: rotate looked for it by the name it chose (none here), and says where to check.
    expect(printed.message).toContain(`(looked up just now), so it seems it was not created; if ${projectPageUrl(PROJECT, 'api-keys')} lists it later, delete it there.`);
    expect(printed.fix).not.toContain('may have been created');
    expect(printed.fix).toContain('Try again in a few minutes; if it persists, update openai-setup');
    expect(`${printed.message}\n${printed.fix}`).not.toMatch(NETWORK_WORDS);
    expect(t.keychain.keyOf('default')).toBe(OLD);
    expectNoKey(t);
  });

  it('admin-key: a project list whose project has no id is a server error naming the field; the key is not stored', async () => {
    const t = setup({ interactive: false, stdin: `${ADMIN}\n` });
    t.org.admin.failNext({ path: '/v1/organization/projects' }, { status: 200, body: { object: 'list', data: [{ object: 'organization.project', name: 'my-app' }], has_more: false } });
    const result = await outcomeOf(adminKey(t.ctx, { stdin: true, insecureStorage: false, verify: true, json: false }));
    expect(result.code).toBe(EXIT.network);
    expect(result.message).toBe("Listing the organization's projects failed: the API answered (HTTP 200) without data[0].id, not as the Admin API documents its answer.");
    expect(result.hints).toEqual(['Try again in a few minutes; if it persists, update openai-setup (the Admin API may have changed since this version).', 'The admin key was not stored.']);
    expect(t.keychain.keyOf('default:admin')).toBeUndefined();
    expectNoKey(t);
  });

  it("spend --json: a cost bucket whose time is no number is a server error naming the field, never the server's text", async () => {
    const t = setup({ keychain: { 'default:admin': ADMIN } });
    t.org.admin.failNext({ path: '/v1/organization/costs' }, { status: 200, body: { object: 'page', data: [{ object: 'bucket', start_time: '\x1b[2Jyesterday', end_time: 1, results: [] }], has_more: false } });
    const result = await outcomeOf(spend(t.ctx, { json: true }));
    expect(result.code).toBe(EXIT.network);
    const printed = SpendFailureJsonSchema.parse(JSON.parse(t.stdout));
    expect(printed).toMatchObject({ ok: false, exitCode: 6, reason: 'server_error' });
    expect(printed.message).toBe("Reading the organization's costs failed: the API answered (HTTP 200) with data[0].start_time not a number, not as the Admin API documents its answer.");
    expect(t.stdout + t.stderr).not.toMatch(/yesterday|\x1b|ZodError|at \w+ \(/);
  });

  it('a page that is not JSON in the API\'s place (a captive portal) is said to be one: exit 6, sign in to the network', async () => {
    const t = setup({ keychain: { 'default:admin': ADMIN } });
    const real = t.org.fetch;
    t.ctx.api.admin = createAdminApi({
      env: {},
      fetch: async (input, init) => (String(input).includes('/organization/costs') ? new Response('<html>Sign in to the Wi-Fi</html>', { headers: { 'content-type': 'text/html' } }) : real(input, init)),
    });
    const result = await outcomeOf(spend(t.ctx, { json: false }));
    expect(result.code).toBe(EXIT.network);
    expect(result.message).toMatch(/^Reading the organization's costs failed: \S+ answered HTTP 200 with a page that is not an OpenAI API answer\.$/);
    expect(result.hints.join('\n')).toMatch(/captive portal/);
  });
});

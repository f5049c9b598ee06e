// The checklist a person reads after a live check (src/terminal/check-report.ts), from results
// as verdict() makes them.
import { afterEach, describe, expect, it } from 'vitest';
import { STATUS, VERIFY_STATUSES, type VerifyStatus } from '../../src/api/status.js';
import { printCheck } from '../../src/terminal/check-report.js';
import { checkResult, makeTestContext, testKey, type TestContext } from '../helpers/context.js';

const KEY = testKey('R');
const SOURCE = { kind: 'flag', label: '--key' } as const;

let t: TestContext;
afterEach(() => t?.cleanup());

function printed(...args: Parameters<typeof checkResult>): string {
  t = makeTestContext();
  printCheck(t.ctx.term, KEY, SOURCE, checkResult(...args));
  return t.stdout;
}

describe('printCheck', () => {
  it('a test request that went through says so, with the likely tier', () => {
    expect(printed('valid', { billing: 'ok', tier: '2', message: 'The key works and can spend.' })).toContain('✔ Billing     a 1-token test request went through; likely usage tier 2');
  });

  it('a rate limit (429) never claims that the test request went through', () => {
    // As verdict() makes it: a rate-limited test request leaves billing unchecked.
    const out = printed('rate_limited', { billing: 'unchecked', tier: '1', models: 8, message: 'The key works; the organization is at its rate limit right now (try again in 20s).' });
    expect(out).not.toContain('went through');
    expect(out).toContain('! Billing     not proven: the API is rate-limiting requests right now; likely usage tier 1');
    expect(out).toContain('! The key works; the organization is at its rate limit right now (try again in 20s).');
  });

  it('a rate-limited list of models after a test request that went through: billing was shown', () => {
    const out = printed('rate_limited', { billing: 'ok', tier: '1', message: 'The key works; the API is limiting requests right now: Too many requests.' });
    expect(out).toContain('✔ Billing     a 1-token test request went through; likely usage tier 1');
  });

  it.each(['network_error', 'timeout', 'server_error'] as const)('%s: whether the key is accepted is not known, not "no"', (status) => {
    const out = printed(status, { message: 'Could not reach api.openai.com.' });
    expect(out).toContain('○ Accepted    not known: no answer about the key came');
    expect(out).not.toContain('✖ Accepted');
  });

  // A region block comes before the key is judged; an IP allowlist or a header is about where the
  // request came from: "Accepted no" above "the key itself may be fine" contradicted itself.
  it.each(['unsupported_country_region_territory', 'ip_not_authorized', 'mismatched_project', 'missing_scopes'])('a refusal for something around the key (%s) never says "Accepted  no"', (reason) => {
    const out = printed('forbidden', { reason, models: null, message: 'Refused.' });
    expect(out).toContain('○ Accepted    not known: the request was refused for something around the key');
    expect(out).not.toContain('✖ Accepted');
  });

  it('a key the API rejected is "Accepted  no"', () => {
    expect(printed('invalid_key', { reason: 'invalid_api_key', message: 'The key was rejected.' })).toContain('✖ Accepted    no');
  });

  // What each status shows, with no model count to go by: whether the key was accepted is the
  // status table's, and a status added there is reported by it.
  const EACH: Record<VerifyStatus, { key: string; accepted: string | null; last: string }> = {
    valid: { key: '✔', accepted: '✔ Accepted    organization org-test, project proj_test', last: '✔' },
    rate_limited: { key: '✔', accepted: '✔ Accepted    organization org-test, project proj_test', last: '!' },
    insufficient_quota: { key: '✔', accepted: '✔ Accepted    organization org-test, project proj_test', last: '✖' },
    malformed_key: { key: '✖', accepted: null, last: '✖' },
    invalid_key: { key: '✔', accepted: '✖ Accepted    no', last: '✖' },
    // checkResult's refusal is a region block: refused for something around the key.
    forbidden: { key: '✔', accepted: '○ Accepted    not known: the request was refused for something around the key', last: '✖' },
    network_error: { key: '✔', accepted: '○ Accepted    not known: no answer about the key came', last: '✖' },
    timeout: { key: '✔', accepted: '○ Accepted    not known: no answer about the key came', last: '✖' },
    server_error: { key: '✔', accepted: '○ Accepted    not known: no answer about the key came', last: '✖' },
  };
  it.each(VERIFY_STATUSES)('%s: the key line, whether it was accepted (the table\'s column), and the verdict\'s mark', (status) => {
    const result = checkResult(status, { models: null });
    const lines = printed(status, { models: null }).trimEnd().split('\n');
    const want = EACH[status];
    expect(STATUS[status].accepted).toBe(want.accepted?.startsWith('✔') ?? false);
    expect(lines[0]).toMatch(new RegExp(`^${want.key} Key `));
    expect(lines.filter((l) => l.includes('Accepted'))).toEqual(want.accepted ? [want.accepted] : []);
    expect(lines).toContain(`${want.last} ${result.message}${result.latencyMs ? ` (${result.latencyMs} ms)` : ''}`);
  });

  it('a key refused locally shows only the key line and why', () => {
    const out = printed('malformed_key', { message: 'The key was not sent: it looks cut off (100 of 164 characters): copy it again.' });
    expect(out).toMatch(/^✖ Key /);
    expect(out).not.toMatch(/Accepted|Billing/);
  });
});

// The checklist a person reads after a live check (src/terminal/check-report.ts), from results
// as verdict() makes them.
import { afterEach, describe, expect, it } from 'vitest';
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

  it('a key the API rejected is "Accepted  no"', () => {
    expect(printed('invalid_key', { reason: 'invalid_api_key', message: 'The key was rejected.' })).toContain('✖ Accepted    no');
  });

  it('a key refused locally shows only the key line and why', () => {
    const out = printed('malformed_key', { message: 'The key was not sent: it looks cut off (100 of 164 characters): copy it again.' });
    expect(out).toMatch(/^✖ Key /);
    expect(out).not.toMatch(/Accepted|Billing/);
  });
});

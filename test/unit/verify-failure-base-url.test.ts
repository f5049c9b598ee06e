// verify --json's failure document names the server as a check would have: the same resolver
// (resolveBaseURL, OPENAI_BASE_URL parsed as ctx.env parses it), and no base URL when the variable is not one.
import { describe, expect, it } from 'vitest';
import { run as verify, VerifyJsonSchema } from '../../src/commands/verify.js';
import { envReader } from '../../src/main.js';
import { checkResult, outcomeOf } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const KEY = makeKey('proj', 'unit-verify-failure-base-url');
const { make: context } = trackedContexts({ defaults: { interactive: false } });
const options = { json: true, quiet: false, billingCheck: true };

describe('verify --json: the baseURL of a run that ends before a check', () => {
  it('is the one a check goes to: OPENAI_BASE_URL with its spaces and trailing slash gone', async () => {
    const env = { OPENAI_BASE_URL: ' http://127.0.0.1:9/v1/ ' };
    const withKey = context({ env: { ...env, OPENAI_API_KEY: KEY } });
    withKey.api.answerEveryCheck(() => checkResult('valid'));
    expect(await verify(withKey.ctx, options)).toBe(0);
    expect(VerifyJsonSchema.parse(JSON.parse(withKey.stdout)).baseURL).toBe('http://127.0.0.1:9/v1');

    const noKey = context({ env });
    expect((await outcomeOf(verify(noKey.ctx, options))).code).toBe(2);
    const doc = VerifyJsonSchema.parse(JSON.parse(noKey.stdout));
    expect(doc).toMatchObject({ status: 'error', reason: 'usage', key: null, baseURL: 'http://127.0.0.1:9/v1' });
  });

  it('is null for an OPENAI_BASE_URL that is not a URL (the usage error says why), and --base-url when given', async () => {
    for (const [baseURL, expected] of [[undefined, null], ['http://127.0.0.1:9/v1/', 'http://127.0.0.1:9/v1']] as const) {
      const t = context({ env: { OPENAI_API_KEY: KEY } });
      // ctx.env as main.ts builds it for verify, which sends requests: the bad variable is raised where ctx.env is first read.
      t.ctx.rawEnv.OPENAI_BASE_URL = 'not a url';
      Object.defineProperty(t.ctx, 'env', { get: envReader(t.ctx.rawEnv, {}, 'sends') });
      expect((await outcomeOf(verify(t.ctx, { ...options, ...(baseURL ? { baseURL: baseURL.replace(/\/$/, '') } : {}) }))).code).toBe(2);
      const doc = VerifyJsonSchema.parse(JSON.parse(t.stdout));
      expect(doc).toMatchObject({ status: 'error', reason: 'usage', baseURL: expected });
      expect(doc.message).toMatch(/^OPENAI_BASE_URL: must be an http:\/\/ or https:\/\/ URL/);
      expect(t.api.checks).toEqual([]);
    }
  });
});

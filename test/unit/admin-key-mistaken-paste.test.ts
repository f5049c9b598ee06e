// Where an admin key is asked for, what people give instead of one (the masked key a keys page
// lists, a ChatGPT sign-in token) is said as what it is, with the admin keys page to create one on.
// Before, they were sent to the API keys page, where no admin key is made ("That is not an API key:
// … create a new one there (…/api-keys)"), and spend's fix then said to set an admin key.
import { describe, expect, it } from 'vitest';
import { run as adminKey } from '../../src/commands/admin-key.js';
import { run as spend } from '../../src/commands/spend.js';
import { PAGES } from '../../src/platform.js';
import { outcomeOf } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const contexts = trackedContexts();
const ADMIN = makeKey('admin', 'unit-admin-mistaken');
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const JWT = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ aud: ['https://api.openai.com/v1'], exp: 1900000000 })}.${'Qm9ndXNTaWduYXR1cmU'.repeat(20)}`;
const MASKED = 'sk-admin-********F1Jg';
const IS_MASKED = `it is the masked key the admin keys page lists, not the key itself; the whole key is shown only once, when it is created: create a new one there (${PAGES['admin-keys'].url}) and paste it`;
const SIGN_IN = `it is a ChatGPT sign-in token, not an admin key; create a key on the admin keys page (${PAGES['admin-keys'].url}) and paste that`;

describe('a mistaken value where an admin key is asked for', () => {
  it('admin-key --stdin: exit 3, the admin keys page named, nothing sent or stored', async () => {
    for (const [value, said] of [[MASKED, IS_MASKED], ['sk-admin-...F1Jg', IS_MASKED], [JWT, SIGN_IN]] as const) {
      const t = contexts.make({ admin: true, interactive: false, stdin: `${value}\n` });
      t.org.admin.addAdminKey(ADMIN);
      const result = await outcomeOf(adminKey(t.ctx, { stdin: true, insecureStorage: true, verify: true, json: false }));
      expect(result.code).toBe(3);
      expect(result.message).toBe(`That is not an admin key: ${said}.`);
      expect(result.message).not.toContain(PAGES.keys.url);
      expect(t.org.requests).toEqual([]);
      expect(t.keychain.accounts()).toEqual([]);
    }
  });

  it('spend with OPENAI_ADMIN_KEY masked: not sent, the admin keys page named, and a fix that agrees', async () => {
    const t = contexts.make({ admin: true, interactive: false, env: { OPENAI_ADMIN_KEY: 'sk-admin-...F1Jg' } });
    t.org.admin.addAdminKey(ADMIN);
    const result = await outcomeOf(spend(t.ctx, { json: false }));
    expect(result.code).toBe(3);
    expect(result.message).toBe(`OPENAI_ADMIN_KEY was not sent: ${IS_MASKED}.`);
    expect(result.hints[0]).toMatch(/^Set it to an admin key \(sk-admin-…\)/);
    expect([result.message, ...result.hints].join('\n')).not.toContain(PAGES.keys.url);
    expect(t.org.requests).toEqual([]);
  });
});

// What people paste instead of an API key is said as what it is, with what to do: a ChatGPT
// sign-in token (a JWT: `eyJ…` with two dots) and the masked key the API keys page lists
// (`sk-proj-********F1Jg`, `sk-...F1Jg`). Before, both got a character-level reason only
// ('it contains ".", which an API key never has'), with no way forward.
import { describe, expect, it } from 'vitest';
import { run as key } from '../../src/commands/key.js';
import { run as verify } from '../../src/commands/verify.js';
import { checkKeyShape } from '../../src/keys/format.js';
import { PAGES } from '../../src/platform.js';
import { checkResult, testKey } from '../helpers/context.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const contexts = trackedContexts();
const KEY = testKey('A');
const PASTE = 'Paste your secret key (input is hidden):';
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const JWT = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ aud: ['https://api.openai.com/v1'], exp: 1900000000, 'https://api.openai.com/auth': { user_id: 'user-x' } })}.${'Qm9ndXNTaWduYXR1cmU'.repeat(20)}`;
const MASKED = ['sk-proj-********F1Jg', 'sk-...F1Jg', 'sk-proj-…F1Jg', 'sk-svcacct-****F1Jg'];
const SIGN_IN = `it is a ChatGPT sign-in token, not an API key; create a key on the API keys page (${PAGES.keys.url}) and paste that`;
const IS_MASKED = `it is the masked key the API keys page lists, not the key itself; the whole key is shown only once, when it is created: create a new one there (${PAGES.keys.url}) and paste it`;

describe('a mistaken paste, said as what it is', () => {
  it('checkKeyShape: a JWT is a ChatGPT sign-in token (for the OpenAI API), a masked key is the keys page\'s listing', () => {
    expect(JWT.startsWith('eyJ')).toBe(true);
    expect(checkKeyShape(JWT).problem).toBe(SIGN_IN);
    for (const masked of MASKED) expect(checkKeyShape(masked).problem, masked).toBe(IS_MASKED);
    // A compatible server may take a JWT: not called ChatGPT's there.
    expect(checkKeyShape(JWT, false).problem).not.toMatch(/ChatGPT/);
    // Not what they are: a key with a dot in it, a real key.
    expect(checkKeyShape(`${KEY}.x`).problem).toMatch(/contains "\."/);
    expect(checkKeyShape(KEY).problem).toBeUndefined();
  });

  it('at the key prompt: refused saying what it is and what to do, then asked again; nothing is sent', async () => {
    const t = contexts.make();
    t.prompts.whenPassword(PASTE, JWT).whenPassword(PASTE, MASKED[0]!).whenPassword(PASTE, KEY);
    t.api.answerChecks(checkResult('valid'));
    expect(await key(t.ctx, {})).toBe(0);
    expect(t.stderr).toContain(`✖ That is not an API key: ${SIGN_IN}.\n`);
    expect(t.stderr).toContain(`✖ That is not an API key: ${IS_MASKED}.\n`);
    expect(t.api.checkedKeys).toEqual([KEY]);
    expect(t.stdout + t.stderr).not.toContain(JWT.slice(20, 60));
    t.assertScriptsUsed();
  });

  it('verify --key: exit 3, not sent, said as what it is', async () => {
    for (const [value, said] of [[JWT, SIGN_IN], ['sk-...F1Jg', IS_MASKED]] as const) {
      const t = contexts.make({ interactive: false });
      expect(await verify(t.ctx, { key: value, json: false, quiet: false, billingCheck: true })).toBe(3);
      expect(t.stdout + t.stderr).toContain(`The key was not sent: ${said}.`);
      expect(t.api.checkedKeys).toEqual([]);
      expect(t.stdout + t.stderr).not.toContain(JWT.slice(20, 60));
    }
  });

  it('verify: the advice is said once (no general "copy it again" line after it), and a masked key is labelled as one', async () => {
    for (const [value, said] of [[JWT, SIGN_IN], ['sk-...F1Jg', IS_MASKED], ['sk-proj-********F1Jg', IS_MASKED]] as const) {
      const t = contexts.make({ interactive: false });
      expect(await verify(t.ctx, { key: value, json: false, quiet: false, billingCheck: true })).toBe(3);
      const out = t.stdout + t.stderr;
      expect(out).toContain(`The key was not sent: ${said}.`);
      expect(out, value.slice(0, 12)).not.toMatch(/Copy your OpenAI key again/);
      expect(out, value.slice(0, 12)).not.toMatch(/legacy user key|project key/);
      if (value !== JWT) expect(out, value.slice(0, 12)).toMatch(/Key {9}\S+ \(masked key, not the key itself, from --key\)/);
    }
    // --json: fix null (the message says what to do), the masked value of no kind.
    const t = contexts.make({ interactive: false });
    expect(await verify(t.ctx, { key: 'sk-...F1Jg', json: true, quiet: false, billingCheck: true })).toBe(3);
    const doc = JSON.parse(t.stdout);
    expect(doc.fix).toBeNull();
    expect(doc.key.kind).toBe('unknown');
  });

  it('verify: any other malformed key still gets the general fix', async () => {
    const t = contexts.make({ interactive: false });
    expect(await verify(t.ctx, { key: KEY.slice(0, 40), json: false, quiet: false, billingCheck: true })).toBe(3);
    expect(t.stdout + t.stderr).toContain('Copy your OpenAI key again from the API keys page');
  });
});

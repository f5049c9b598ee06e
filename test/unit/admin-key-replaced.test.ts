// admin-key over an admin key stored already: named as `key` names a key it replaces (still works
// until revoked on the admin keys page), asked first on a terminal (keeping it the default), and
// named in --json.
import { describe, expect, it } from 'vitest';
import { run as adminKey, AdminKeyJsonSchema, type AdminKeyOptions } from '../../src/commands/admin-key.js';
import { maskKey } from '../../src/keys/format.js';
import { PAGES } from '../../src/platform.js';
import type { TestContext, TestContextOptions } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const FIRST = makeKey('admin', 'unit-admin-replaced-first');
const SECOND = makeKey('admin', 'unit-admin-replaced-second');
const PROJECT = 'proj_UnitAdminReplaced0000000';
const contexts = trackedContexts();

/** FIRST stored (and recorded) as the admin key of "default". */
async function setup(options: TestContextOptions = {}): Promise<TestContext> {
  const t = contexts.make({ admin: true, ...options });
  t.org.admin.addAdminKey(FIRST);
  t.org.admin.addAdminKey(SECOND);
  t.org.admin.addProject({ id: PROJECT, name: 'app' });
  await t.ctx.keys.set('default:admin', FIRST, false);
  await t.ctx.state.updateProfile('default', (p) => {
    p.adminKey = { storage: 'keychain', hint: maskKey(FIRST), savedAt: '2026-03-01T00:00:00.000Z' };
  });
  return t;
}

const options = (extra: Partial<AdminKeyOptions> = {}): AdminKeyOptions => ({ stdin: false, insecureStorage: false, verify: true, json: false, ...extra });
const QUESTION = new RegExp(`^An admin key is stored for profile "default" \\(sk-admin-…${FIRST.slice(-4)}\\)\\. Replace it\\? \\(it keeps working until you revoke it on the admin keys page\\)$`);
const REPLACES = `! This replaces the admin key ${maskKey(FIRST)} of profile "default". That key still works until you revoke it on the admin keys page: ${PAGES['admin-keys'].url}`;

describe('admin-key over a stored admin key', () => {
  it('on a terminal: asked first, keeping it the default; kept, nothing is asked for or stored', async () => {
    const t = await setup();
    t.prompts.whenConfirm(QUESTION, false);
    expect(await adminKey(t.ctx, options())).toBe(0);
    expect(t.stdout).toContain(`✔ Kept the admin key ${maskKey(FIRST)}; nothing was changed.`);
    expect(t.keychain.keyOf('default:admin')).toBe(FIRST);
    expect(t.org.requests).toEqual([]);
    expect(t.browser.opened).toEqual([]);
  });

  it('on a terminal, replaced: the old admin key named as still working until revoked, and in --json', async () => {
    const t = await setup();
    t.prompts.whenConfirm(QUESTION, true).whenPassword('Paste the admin key (input is hidden):', SECOND);
    expect(await adminKey(t.ctx, options({ json: true }))).toBe(0);
    expect(t.keychain.keyOf('default:admin')).toBe(SECOND);
    expect(t.stderr).toContain(REPLACES);
    expect(AdminKeyJsonSchema.parse(JSON.parse(t.stdout.slice(t.stdout.indexOf('{')))).replaced).toBe(maskKey(FIRST));
  });

  it('piped (--stdin): not asked, as documented; the old admin key named all the same; the same key again replaces nothing', async () => {
    const t = await setup({ interactive: false, stdin: `${SECOND}\n` });
    expect(await adminKey(t.ctx, options({ stdin: true }))).toBe(0);
    expect(t.keychain.keyOf('default:admin')).toBe(SECOND);
    expect(t.stdout).toContain(REPLACES);
    const same = await setup({ interactive: false, stdin: `${FIRST}\n` });
    expect(await adminKey(same.ctx, options({ stdin: true, json: true }))).toBe(0);
    expect(same.stdout + same.stderr).not.toContain('This replaces');
    expect(AdminKeyJsonSchema.parse(JSON.parse(same.stdout)).replaced).toBeNull();
  });
});

// OPENAI_ADMIN_KEY is read one way (envAdminKey: trimmed) everywhere, the advice that pipes it in
// too: a value with spaces around it is used, so the advice pipes it as it would without them.
import { expect, it } from 'vitest';
import { run as adminKey } from '../../src/commands/admin-key.js';
import { outcomeOf } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const ADMIN = makeKey('admin', 'unit-admin-env-padded');
const contexts = trackedContexts();

it('no keychain, the key piped from a padded OPENAI_ADMIN_KEY: the --insecure-storage command pipes it from there again', async () => {
  const t = contexts.make({ admin: true, interactive: false, stdin: `${ADMIN}\n`, env: { OPENAI_ADMIN_KEY: `  ${ADMIN}\t` } });
  t.org.admin.addAdminKey(ADMIN);
  t.keychain.failWith('no-service', { ops: ['set'] });
  const failed = await outcomeOf(adminKey(t.ctx, { stdin: true, insecureStorage: false, verify: true, json: false, profile: 'nc' }));
  expect(failed.code).toBe(7);
  expect(failed.hints).toEqual(['Set OPENAI_ADMIN_KEY yourself, or keep it in a file only you can read:  printenv OPENAI_ADMIN_KEY | openai-setup admin-key --stdin --insecure-storage --profile nc']);
  expect(t.stdout + t.stderr).not.toContain(ADMIN);
});

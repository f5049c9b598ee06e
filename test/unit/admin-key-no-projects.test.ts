// admin-key's line for an organization without projects reads as one sentence.
import { describe, expect, it } from 'vitest';
import { run as adminKey } from '../../src/commands/admin-key.js';
import { maskKey } from '../../src/keys/format.js';
import { makeKey } from '../helpers/openai-server.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const ADMIN = makeKey('admin', 'unit-admin-no-projects');
const contexts = trackedContexts();

describe('admin-key, the organization having no projects', () => {
  it('"it can list the organization\'s projects (there are none yet) and read its costs."; without costs, the same parenthesis', async () => {
    const t = contexts.make({ admin: true, interactive: false, stdin: `${ADMIN}\n` });
    t.org.admin.addAdminKey(ADMIN);
    expect(await adminKey(t.ctx, { stdin: true, insecureStorage: false, verify: true, json: false })).toBe(0);
    expect(t.stdout).toContain(`✔ Admin key ${maskKey(ADMIN)} works: it can list the organization's projects (there are none yet) and read its costs.\n`);

    const noCosts = contexts.make({ admin: true, interactive: false, stdin: `${ADMIN}\n` });
    noCosts.org.admin.addAdminKey(ADMIN, { scopes: ['api.management.read', 'api.management.write'] });
    expect(await adminKey(noCosts.ctx, { stdin: true, insecureStorage: false, verify: true, json: false })).toBe(0);
    expect(noCosts.stdout).toContain(`✔ Admin key ${maskKey(ADMIN)} works: it can list the organization's projects (there are none yet).\n`);
  });
});

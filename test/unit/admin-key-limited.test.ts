// An admin key admin-key found lacking a permission: recorded so (the command it cannot serve), and
// status and doctor say what it serves as admin-key and import do, not "for rotate and spend".
import { describe, expect, it } from 'vitest';
import { run as adminKey } from '../../src/commands/admin-key.js';
import { run as doctor, DoctorJsonSchema } from '../../src/commands/doctor.js';
import { run as status, StatusJsonSchema } from '../../src/commands/status.js';
import { maskKey } from '../../src/keys/format.js';
import { makeKey } from '../helpers/openai-server.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const ADMIN = makeKey('admin', 'unit-admin-limited');
const PROJECT = 'proj_UnitAdminLimited00000000';
const contexts = trackedContexts();

describe('an admin key stored lacking a permission', () => {
  it.each([
    [['api.usage.read'], 'rotate', 'works for spend (it cannot list projects: rotate cannot use it)'],
    [['api.management.read'], 'spend', 'can list projects, as rotate needs (it cannot read costs: spend cannot use it)'],
  ] as const)('with %j: recorded as unusable by %s; status and doctor say "%s"', async (scopes, cannot, serves) => {
    const t = contexts.make({ admin: true, interactive: false, stdin: `${ADMIN}\n`, stdoutIsTTY: false });
    t.org.admin.addAdminKey(ADMIN, { scopes: [...scopes] });
    t.org.admin.addProject({ id: PROJECT, name: 'app' });
    expect(await adminKey(t.ctx, { stdin: true, insecureStorage: false, verify: true, json: false })).toBe(0);
    expect((await t.profile())?.adminKey?.cannot).toBe(cannot);

    let before = t.stdout.length;
    expect(await status(t.ctx, { json: false })).toBe(0);
    const said = t.stdout.slice(before);
    expect(said).toContain(`! Admin key ${maskKey(ADMIN)} in the Secret Service keyring; it ${serves}\n`);
    expect(said).not.toContain('for rotate and spend');
    before = t.stdout.length;
    expect(await status(t.ctx, { json: true })).toBe(0);
    expect(StatusJsonSchema.parse(JSON.parse(t.stdout.slice(before))).adminKey).toMatchObject({ hint: maskKey(ADMIN), cannot });

    t.api.answerReach({ reached: true, status: 401, json: true, ms: 42 });
    before = t.stdout.length;
    await doctor(t.ctx, { json: true });
    const row = DoctorJsonSchema.parse(JSON.parse(t.stdout.slice(before))).checks.find((c) => c.id === 'admin-key');
    expect(row).toMatchObject({ status: 'warn', detail: `${maskKey(ADMIN)} stored (the Secret Service keyring); it ${serves}` });
    expect(row?.fix).toMatch(/^Give it the permission it lacks on the admin keys page \(https:\/\/platform\.openai\.com\/settings\/organization\/admin-keys\), or create an admin key with "All" permissions and store it/);
  });

  it('one that serves both, or was not checked (--no-verify): recorded without a limit, "for rotate and spend"', async () => {
    const t = contexts.make({ admin: true, interactive: false, stdin: `${ADMIN}\n`, stdoutIsTTY: false });
    t.org.admin.addAdminKey(ADMIN);
    expect(await adminKey(t.ctx, { stdin: true, insecureStorage: false, verify: false, json: false })).toBe(0);
    expect((await t.profile())?.adminKey).not.toHaveProperty('cannot');
    const before = t.stdout.length;
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.stdout.slice(before)).toContain(`✔ Admin key ${maskKey(ADMIN)} in the Secret Service keyring (for rotate and spend)`);
  });
});

// A rotate stopped (Ctrl-C, SIGTERM, killed) once the new key is stored, before the old key is
// revoked: the old key was marked as not revoked with the new key's record (and its id once found
// in its project's list), so status names it and the next rotate revokes it first, or, without an
// id, says so once and forgets it. A rotate that ends clears the mark. What is said of the old key
// left live says "works" only when a check of it showed it.
import { describe, expect, it } from 'vitest';
import { run as rotate } from '../../src/commands/rotate.js';
import { run as status } from '../../src/commands/status.js';
import { Interrupts } from '../../src/interrupts.js';
import { maskKey } from '../../src/keys/format.js';
import { projectPageUrl } from '../../src/platform.js';
import type { TestContext } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { later, organizationWith, printed, recordCheckedKey } from '../helpers/rotatable.js';
import { FakeProcess, settle } from '../helpers/signals.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const ADMIN = makeKey('admin', 'unit-rotate-mark');
const PROJECT = 'proj_RotateMark000000000000';
const PAGE = projectPageUrl(PROJECT, 'api-keys');
const contexts = trackedContexts();
let keyCount = 0;

/** Profile "default" stores `old` (checked, unless `checked` is false), the admin key too; signals as the test sends them. */
async function setup(checked = true): Promise<{ t: TestContext; host: FakeProcess; old: string }> {
  const old = makeKey('proj', `unit-rotate-mark-${keyCount++}`);
  const host = new FakeProcess();
  const t = contexts.make({ admin: true, keychain: { default: old, 'default:admin': ADMIN }, interrupts: new Interrupts(host), interactive: false });
  organizationWith(t, { admin: ADMIN, project: PROJECT, old });
  if (checked) await recordCheckedKey(t, { old, project: PROJECT, keySource: 'the keychain (profile default)' });
  return { t, host, old };
}

describe('rotate stopped once the new key is stored, before the old key is revoked', () => {
  it('Ctrl-C while the old key is looked up: marked without an id; status names it with its page; the next rotate says it once and forgets it', async () => {
    const { t, host, old } = await setup();
    const admin = t.api.admin;
    t.api.admin = { ...admin, listProjectKeys: () => (t.ctx.interrupts.interrupt('SIGINT'), new Promise(() => {})) };
    void rotate(t.ctx, { keepOld: false, yes: true, json: false, project: PROJECT }).catch(() => {});
    expect(await host.exited).toBe('SIGINT');
    t.api.admin = admin;
    const oldHint = maskKey(old);
    expect(host.said).toEqual([
      `! ${maskKey(t.keychain.keyOf('default')!)} is stored for profile "default" in place of ${oldHint}, which was not revoked and works: revoke it on ${PAGE}. \`openai-setup status\` names it until the next \`openai-setup rotate\`.`,
    ]);
    expect((await t.profile())?.pendingRevokes).toEqual([{ at: '2026-03-02T09:30:00.000Z', keyHint: oldHint, projectId: PROJECT, keyId: null, serviceAccountId: null, serviceAccountName: null, interrupted: true }]);

    const said = await printed(later(t), () => status(t.ctx, { json: false }));
    expect(said.out).toContain(
      `! ${oldHint} (${PROJECT}), which rotate replaced on 2026-03-02, was not revoked: that rotate was interrupted before it revoked it (unless it is still running): revoke it on ${PAGE} once nothing uses it; \`openai-setup rotate\` names it once more, then forgets it.`,
    );

    const next = await printed(t, () => rotate(t.ctx, { keepOld: false, yes: true, json: false }));
    expect(next.code).toBe(0);
    expect(next.err).toContain(`! ${oldHint}, which an interrupted rotate replaced on 2026-03-02, was not revoked, and openai-setup cannot revoke it (that rotate was stopped before it found the key's id): revoke it on ${PAGE} once nothing uses it; it is no longer recorded.`);
    expect(t.org.isLive(old)).toBe(true);
    expect((await t.profile())?.pendingRevokes).toBeUndefined();
  });

  it("a second SIGTERM while the old key's DELETE is unanswered: marked with the key's id; status says the next rotate tries again, which revokes it first and clears the mark", async () => {
    const { t, host, old } = await setup();
    const admin = t.api.admin;
    let deleting!: () => void;
    const deleteAsked = new Promise<void>((resolve) => (deleting = resolve));
    t.api.admin = { ...admin, deleteProjectKey: () => (t.ctx.interrupts.interrupt('SIGTERM'), deleting(), new Promise(() => {})) };
    void rotate(t.ctx, { keepOld: false, yes: true, json: false }).catch(() => {});
    await deleteAsked;
    await settle();
    t.ctx.interrupts.interrupt('SIGTERM');
    expect(await host.exited).toBe('SIGTERM');
    t.api.admin = admin;
    const oldHint = maskKey(old);
    const keyId = t.org.admin.projectKeys(PROJECT).find((k) => k.value === old)!.id;
    expect(t.org.isLive(old)).toBe(true);
    expect((await t.profile())?.pendingRevokes).toEqual([{ at: '2026-03-02T09:30:00.000Z', keyHint: oldHint, projectId: PROJECT, keyId, serviceAccountId: null, serviceAccountName: null, interrupted: true }]);

    const said = await printed(later(t), () => status(t.ctx, { json: false }));
    expect(said.out).toContain(`! ${oldHint} (${PROJECT}), which rotate replaced on 2026-03-02, was not revoked: that rotate was interrupted before it revoked it (unless it is still running): revoke it on ${PAGE}, or run \`openai-setup rotate\`, which tries again first.`);

    const next = await printed(t, () => rotate(t.ctx, { keepOld: false, yes: true, json: false }));
    expect(next.code).toBe(0);
    expect(next.out).toContain(`✔ Revoked ${oldHint}, which an earlier rotate replaced but did not revoke (it was interrupted): deleted the key ${keyId} from ${PROJECT}.`);
    expect(t.org.isLive(old)).toBe(false);
    expect((await t.profile())?.pendingRevokes).toBeUndefined();
  });

  it('a rotate that ends clears the mark it wrote', async () => {
    const { t } = await setup();
    expect(await rotate(t.ctx, { keepOld: false, yes: true, json: false })).toBe(0);
    expect((await t.profile())?.pendingRevokes).toBeUndefined();
  });

  it('an old key no check showed working: the line of a cancel says it was not revoked, not that it works', async () => {
    const { t, host, old } = await setup(false);
    const admin = t.api.admin;
    t.api.admin = { ...admin, listProjectKeys: () => (t.ctx.interrupts.interrupt('SIGINT'), new Promise(() => {})) };
    void rotate(t.ctx, { keepOld: false, yes: true, json: false, project: PROJECT }).catch(() => {});
    expect(await host.exited).toBe('SIGINT');
    expect(host.said).toEqual([
      `! ${maskKey(t.keychain.keyOf('default')!)} is stored for profile "default" in place of ${maskKey(old)}, which was not revoked: revoke it on ${PAGE}. \`openai-setup status\` names it until the next \`openai-setup rotate\`.`,
    ]);
  });
});

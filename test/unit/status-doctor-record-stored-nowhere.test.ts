// No keychain reachable (no session bus) and a key kept in the plain-text file, the file then
// removed (as status's fix for a damaged one says): status said "doctor records the key stored",
// but doctor showed no Stored key row and recorded nothing, so status said the same again. Doctor
// now forgets the record of a key stored nowhere there too, and says so; status then says no key.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Reachability } from '../../src/api/types.js';
import { run as doctor } from '../../src/commands/doctor.js';
import { run as key } from '../../src/commands/key.js';
import { run as status } from '../../src/commands/status.js';
import { makeTestContext, testKey, type TestContext } from '../helpers/context.js';

const KEY = testKey('Z');
const HINT = 'sk-proj-…000Z';
const ANSWERS: Reachability = { reached: true, status: 401, json: true, ms: 42 };

let t: TestContext;
afterEach(() => t?.cleanup());

async function printed(run: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  const [out, err] = [t.stdout.length, t.stderr.length];
  const code = await run();
  return { code, out: t.stdout.slice(out), err: t.stderr.slice(err) };
}

describe('no keychain here, the key file gone: the record of a key stored nowhere', () => {
  it('status sends to doctor, which forgets the record and says so; status then says no key (no loop)', async () => {
    t = makeTestContext({ interactive: false, stdoutIsTTY: false, stdin: `${KEY}\n` });
    t.keychain.withoutBus();
    expect(await key(t.ctx, { profile: 'work', stdin: true, insecureStorage: true, verify: false })).toBe(0);
    const state = join(t.configDir, 'state.json');
    const file = join(t.configDir, 'credentials.json');
    writeFileSync(file, '{oops');
    expect((await printed(() => status(t.ctx, { profile: 'work', json: false }))).out).toContain(`rm -- '${file}'`);
    rmSync(file);

    const before = await printed(() => status(t.ctx, { profile: 'work', json: false }));
    expect(before.out).toContain(`! Key not known: ${state} records ${HINT} in plain text for profile "work", but ${file} holds no key for it; \`openai-setup doctor --profile work\` records the key stored`);

    t.api.answerReach(ANSWERS);
    const checked = await printed(() => doctor(t.ctx, { profile: 'work', json: false }));
    expect(checked.out.replace(/\s+/g, ' ')).toContain(`✖ Stored key none for profile work; ${state} recorded ${HINT}, which is not stored: forgotten now`);
    expect(checked.out.replace(/\s+/g, ' ')).toContain('| openai-setup key --profile work --stdin --insecure-storage');
    expect(checked.code).toBe(7);
    expect((await t.profile('work'))?.key).toBeUndefined();

    const after = await printed(() => status(t.ctx, { profile: 'work', json: false }));
    expect(after.out).not.toContain('Key not known');
    expect(after.out).toContain('No key recorded for this profile');
  });
});

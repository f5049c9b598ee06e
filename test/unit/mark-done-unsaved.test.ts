// A step marked done whose record cannot be written (a full or read-only config dir): the one line
// of the store's failure names that step, says it was not recorded (so it will be asked again) and
// keeps the store's own fix. Exit 7, as any config dir that cannot be written.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run as loginCommand } from '../../src/commands/login.js';
import { run as setup } from '../../src/commands/setup.js';
import { makeTestContext, outcomeOf, type TestContext } from '../helpers/context.js';

const hook = vi.hoisted(() => ({ code: null as 'ENOSPC' | 'EROFS' | null }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  // state.json's temp file (`state.json.<pid>.<random>.tmp`) is where the write fails.
  const open = (async (path: Parameters<typeof fs.open>[0], ...rest: unknown[]) => {
    const p = String(path);
    if (hook.code !== null && /state\.json\.\d+\.[a-z0-9]+\.tmp$/.test(p)) throw Object.assign(new Error(`${hook.code}: failed, open '${p}'`), { code: hook.code, path: p });
    return (fs.open as (...args: unknown[]) => Promise<unknown>)(path, ...rest);
  }) as typeof fs.open;
  return { ...fs, open, default: { ...fs, open } };
});

let t: TestContext;
afterEach(async () => {
  hook.code = null;
  await t?.cleanup();
});

const CASES = [
  { code: 'ENOSPC' as const, why: 'no space is left on the disk (ENOSPC)', fix: 'free some space and run again.' },
  { code: 'EROFS' as const, why: 'the file system is read-only (EROFS)', fix: 'set OPENAI_SETUP_CONFIG_DIR to a directory on a writable disk.' },
];

describe('a step marked done that cannot be recorded', () => {
  for (const { code, why, fix } of CASES) {
    it(`${code}: the wizard's "Done, continue" at Step 1 says the login step was not recorded, with the fix (exit 7)`, async () => {
      t = makeTestContext();
      t.prompts.whenSelect('When you are done on that page:', 'done');
      hook.code = code;
      const { code: exit, message, hints } = await outcomeOf(setup(t.ctx, { restart: false, insecureStorage: false }));
      expect(exit).toBe(7);
      expect(message).toBe(`Could not write ${t.configDir}/state.json: ${why}, so "Log in to the OpenAI API platform" was not recorded as done (openai-setup will ask about it again); ${fix}`);
      expect(hints).toEqual([]);
      hook.code = null;
      expect((await t.profile())?.stages.login).toBeUndefined();
    });
  }

  it('login --done: the same line', async () => {
    t = makeTestContext({ interactive: false });
    hook.code = 'ENOSPC';
    const { code, message } = await outcomeOf(loginCommand(t.ctx, { done: true }));
    expect(code).toBe(7);
    expect(message).toContain('(ENOSPC), so "Log in to the OpenAI API platform" was not recorded as done');
  });
});

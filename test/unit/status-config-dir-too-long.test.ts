// status with a config dir whose path is too long for the system (ENAMETOOLONG): both files it
// reads fail alike, and that is said once, with the one fix that helps (a shorter
// OPENAI_SETUP_CONFIG_DIR), never "run again". The status itself still answers.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { run as status } from '../../src/commands/status.js';
import { KeyStore } from '../../src/storage/keystore.js';
import { StateStore } from '../../src/storage/state.js';
import { makeTestContext, type TestContext } from '../helpers/context.js';

let t: TestContext;
afterEach(() => t?.cleanup());

it('status says the config dir is too long once (not once per file), and answers (exit 0)', async () => {
  t = makeTestContext({ interactive: false });
  // A name longer than the system takes (255), in a dir that is there: the lookup meets it.
  mkdirSync(t.configDir, { mode: 0o700 });
  const dir = join(t.configDir, 'x'.repeat(300));
  const warn = (message: string) => t.ctx.term.err(`! ${message}`);
  const state = new StateStore(dir, () => new Date(), warn, t.ctx.interrupts);
  Object.assign(t.ctx, { configDir: dir, state, keys: new KeyStore(t.keychain, dir, warn, state) });

  expect(await status(t.ctx, { json: false })).toBe(0);

  const lines = t.stderr.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^! Saved progress is not used: Could not use the config dir .*: the name is too long \(ENAMETOOLONG\); set OPENAI_SETUP_CONFIG_DIR to a shorter path\.$/);
  expect(t.stdout).toContain('openai-setup status · profile default');
});

// A command to type is never cut by the tool's own wrapping: advice that ends with one says it
// after a colon and two spaces ("…store it:  npx openai-setup admin-key"), which fit() moves whole
// to a line of its own. Advice that said it after ": " had it broken in two at 80 columns
// ("…: npx" / "openai-setup admin-key"), which copies back as two commands.
import { describe, expect, it } from 'vitest';
import { run as adminKey } from '../../src/commands/admin-key.js';
import { missingScopeFix, needsAdminKeyFix } from '../../src/api/admin-failure.js';
import { unsetAdminVariable } from '../../src/terminal/advice.js';
import { fit } from '../../src/terminal/output.js';
import { makeKey } from '../helpers/openai-server.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const contexts = trackedContexts();
const ADMIN = makeKey('admin', 'unit-whole-admin');

/** Whether `command` is on one line of `text`, whole. */
function whole(text: string, command: string): boolean {
  return text.split('\n').some((line) => line.includes(command));
}

describe('a command that ends advice is whole on one line', () => {
  for (const columns of [80, 60, 40]) {
    it(`admin-key with an admin key that lacks permissions, under npx, at ${columns} columns`, async () => {
      const t = contexts.make({ admin: true, commandName: 'npx openai-setup', columns, stderrIsTTY: true, stdoutIsTTY: true });
      t.org.admin.addAdminKey(ADMIN, { scopes: ['api.usage.read'] });
      t.prompts.whenPassword('Paste the admin key (input is hidden):', ADMIN);
      expect(await adminKey(t.ctx, { stdin: false, insecureStorage: false, verify: true, json: false })).toBe(0);
      expect(t.stderr).toMatch(/"All"\s+permissions/);
      expect(whole(t.stderr, 'npx openai-setup admin-key'), t.stderr).toBe(true);
    });
  }

  const store = { command: 'npx openai-setup admin-key --profile work', how: ' (it asks for the key, hidden)' };
  const lines: Array<[string, string]> = [
    [missingScopeFix('that permission', store), store.command],
    [missingScopeFix('those permissions', store, true), store.command],
    [needsAdminKeyFix(store), store.command],
    [unsetAdminVariable(store), store.command],
  ];
  it.each(lines)('%s', (line, command) => {
    for (const columns of [80, 40]) expect(whole(fit(`  ${line}`, true, columns), command), `${columns} columns`).toBe(true);
  });
});

// import's refusals end with the command that finishes the move ("…, then run:  npx openai-setup
// import --profile work"); they said it after "run  ", which fit() does not know, and cut it.
describe("import's refusals keep their command whole", () => {
  const again = 'npx openai-setup import --profile work';
  const lines = [
    `✖ ~/.zshrc: no space is left on the disk (ENOSPC), so line 2 was not changed. The key is stored, but not moved out of it: free some space, then run:  ${again}`,
    `✖ .env: it is read-only (mode 444), so line 2 was not changed. The key is stored, but not moved out of it: make it writable (chmod u+w -- .env), then run:  ${again}`,
  ];
  it.each(lines)('%s', (line) => {
    for (const columns of [80, 60, 40]) expect(whole(fit(line, true, columns), again), `${columns} columns`).toBe(true);
  });
});

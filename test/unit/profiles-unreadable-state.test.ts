// profiles with a state.json it cannot use (a FIFO, too big, damaged): the list comes from that file
// alone, so an empty one in its place would say "no key" of profiles whose keys are stored. It
// fails as documented (ProfilesFailureJsonSchema): one line and exit 7, the failure document with --json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run as profiles, ProfilesFailureJsonSchema } from '../../src/commands/profiles.js';
import { EXIT } from '../../src/errors.js';
import { makeTestContext, outcomeOf, testKey, type TestContext } from '../helpers/context.js';

let t: TestContext;
afterEach(() => t?.cleanup());

function stateFile(make: (path: string) => void): string {
  t = makeTestContext({ stdoutIsTTY: false, keychain: { default: testKey('A') } });
  mkdirSync(t.configDir, { mode: 0o700 });
  const path = join(t.configDir, 'state.json');
  make(path);
  return path;
}

const kinds: Array<[string, (path: string) => void]> = [
  ['a FIFO', (path) => execFileSync('mkfifo', ['-m', '600', path])],
  ['100 MB', (path) => (writeFileSync(path, '', { mode: 0o600 }), truncateSync(path, 100 * 1024 * 1024))],
  ['damaged', (path) => writeFileSync(path, '{"version":1,"profiles":{', { mode: 0o600 })],
];

describe('profiles with a state.json that cannot be used', () => {
  for (const [kind, make] of kinds) {
    it(`${kind}: exit 7 naming the file, never "no key"; --json prints the failure document`, async () => {
      const path = stateFile(make);
      const { code, message } = await outcomeOf(profiles(t.ctx, { json: false, names: false }));
      expect(code).toBe(EXIT.keyStore);
      expect(message).toContain(path);
      expect(message).toMatch(/The profiles are listed from it alone: none are until it can be read\.$/);
      expect(t.stdout).not.toContain('no key');
      expect(t.stdout).toBe('');

      const json = await outcomeOf(profiles(t.ctx, { json: true, names: false }));
      expect(json.code).toBe(EXIT.keyStore);
      expect(ProfilesFailureJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({ ok: false, exitCode: EXIT.keyStore, reason: 'key_store', message });
      expect(t.stdout).not.toContain('"key"');
    });
  }
});

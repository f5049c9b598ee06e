// `profiles --json --names`: --names is what shell completion reads (plain names), --json a
// document. Together they are refused, the same whatever state.json holds: a usage error (exit 2,
// one line; the failure document on stdout, as every --json failure), never plain names under --json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JSON_WITH_NAMES, ProfilesFailureJsonSchema } from '../../src/commands/profiles.js';
import { EXIT } from '../../src/errors.js';
import { buildProgram } from '../../src/program.js';
import { makeTestContext, outcomeOf, testKey, type TestContext } from '../helpers/context.js';

let t: TestContext;
afterEach(() => t?.cleanup());

/** `args` through the real command line in `t`'s Context; its exit code. */
async function typed(args: string[]): Promise<number> {
  let code: number | undefined;
  const program = buildProgram('0.0.0-test', () => t.ctx, { name: 'openai-setup', writeOut: () => {}, writeErr: () => {} }, (c) => (code = c));
  await program.parseAsync(['node', 'openai-setup', ...args]);
  return code!;
}

const states: Array<[string, () => void]> = [
  ['a profile stored', () => void 0],
  ['a damaged state.json', () => (mkdirSync(t.configDir, { recursive: true, mode: 0o700 }), writeFileSync(join(t.configDir, 'state.json'), '{"version":1,"profiles":{', { mode: 0o600 }))],
];

describe.each(states)('profiles --json --names, with %s', (_name, make) => {
  it('is refused: exit 2, one line on stderr, the failure document on stdout', async () => {
    t = makeTestContext({ stdoutIsTTY: false, keychain: { default: testKey('A') } });
    await t.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'keychain', hint: 'sk-proj-…000A', savedAt: '2026-01-01T00:00:00.000Z' };
    });
    make();
    const { code, message, hints } = await outcomeOf(typed(['profiles', '--json', '--names']));
    expect(code).toBe(EXIT.usage);
    // One line: the message alone (printed on stderr by the entry point).
    expect(message).toBe(JSON_WITH_NAMES);
    expect(hints).toEqual([]);
    expect(ProfilesFailureJsonSchema.parse(JSON.parse(t.stdout))).toEqual({ ok: false, exitCode: EXIT.usage, reason: 'usage', message: JSON_WITH_NAMES, fix: null });
  });
});

it('--names alone still prints the names, one a line (what completion reads)', async () => {
  t = makeTestContext({ stdoutIsTTY: false });
  await t.ctx.state.updateProfile('work', () => {});
  expect(await typed(['profiles', '--names'])).toBe(0);
  expect(t.stdout).toBe('default\nwork\n');
});

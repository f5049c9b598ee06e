// `key` with a key that cannot spend names billing's fix as it works where it is read: `billing`
// asks, so without a terminal the command that marks it done (the wizard's rule), which works there.
import { afterEach, describe, expect, it } from 'vitest';
import { run as billing } from '../../src/commands/billing.js';
import { run as key } from '../../src/commands/key.js';
import { checkResult, flat, makeTestContext, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';
import { typedLine } from '../helpers/program-line.js';

const KEY = testKey('A');
const made: TestContext[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((t) => t.cleanup()));
});

function context(options: TestContextOptions): TestContext {
  const t = makeTestContext(options);
  made.push(t);
  return t;
}

describe('key: a key that cannot spend, billing fixed as it works here', () => {
  it('no terminal, the choice made under another profile: the --choice … --done form, which works there', async () => {
    const t = context({ interactive: false, stdin: KEY });
    expect(await billing(t.ctx, { profile: 'default', choice: 'prepaid', done: true })).toBe(0);
    t.api.answerChecks(checkResult('insufficient_quota'));
    expect(await key(t.ctx, { stdin: true, profile: 'ci' })).toBe(4);
    const out = flat(t.stdout);
    expect(out).toContain(
      'The key is stored, but it cannot spend yet: add credits as described above, mark billing done (`openai-setup billing --choice prepaid --done --profile ci`), then `openai-setup verify --profile ci`.',
    );
    // What it names works as printed, without a terminal.
    const command = /mark billing done \(`([^`]+)`\)/.exec(out)![1]!;
    expect(await typedLine(t, command)).toBe(0);
    expect((await t.profile('ci'))?.billingChoice).toBe('prepaid');
    expect((await t.profile('ci'))?.stages.billing?.doneAt).toBeDefined();
  });

  it("no terminal, the profile's own choice: `billing --done`; none at all: prepaid, and when to pass auto-reload", async () => {
    const own = context({ interactive: false, stdin: KEY });
    expect(await billing(own.ctx, { profile: 'ci', choice: 'auto-reload', done: true })).toBe(0);
    own.api.answerChecks(checkResult('insufficient_quota'));
    expect(await key(own.ctx, { stdin: true, profile: 'ci' })).toBe(4);
    expect(flat(own.stdout)).toContain('mark billing done (`openai-setup billing --done --profile ci`), then');

    const none = context({ interactive: false, stdin: KEY });
    none.api.answerChecks(checkResult('insufficient_quota'));
    expect(await key(none.ctx, { stdin: true, profile: 'ci' })).toBe(4);
    expect(flat(none.stdout)).toContain('mark billing done (`openai-setup billing --choice prepaid --done --profile ci`; --choice auto-reload if you turned auto-reload on), then');
  });

  it('piped in at a terminal (stdout one): `billing`, which asks there when typed alone', async () => {
    const t = context({ interactive: false, stdoutIsTTY: true, stdin: KEY });
    t.api.answerChecks(checkResult('insufficient_quota'));
    expect(await key(t.ctx, { stdin: true, profile: 'ci' })).toBe(4);
    expect(flat(t.stdout)).toContain('cannot spend yet: fix billing (`openai-setup billing --profile ci`), then `openai-setup verify --profile ci`.');
  });
});

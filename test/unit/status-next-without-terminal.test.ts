// Without a terminal (CI, a pipe) the wizard asks nothing: it names each stage's command and exits
// 2. So status, run there, names the next stage's command as the wizard names it (the same line),
// started as the tool was (npx's form under npx), not the bare wizard; on a terminal it is the wizard.
import { afterEach, describe, expect, it } from 'vitest';
import { run as setup } from '../../src/commands/setup.js';
import { run as status } from '../../src/commands/status.js';
import type { StageId } from '../../src/storage/state.js';
import { maskKey } from '../../src/keys/format.js';
import { makeKey } from '../helpers/openai-server.js';
import { makeTestContext, outcomeOf, type TestContext, type TestContextOptions } from '../helpers/context.js';

let t: TestContext;
afterEach(() => t?.cleanup());

async function context(options: TestContextOptions, done: StageId[] = []): Promise<TestContext> {
  t = makeTestContext(options);
  await t.ctx.state.updateProfile('default', (p) => {
    for (const id of done) p.stages[id] = { doneAt: '2026-01-01T00:00:00.000Z' };
  });
  return t;
}

/** status's last line. */
async function lastLine(): Promise<string> {
  const from = t.stdout.length;
  expect(await status(t.ctx, { json: false })).toBe(0);
  return t.stdout.slice(from).trimEnd().split('\n').at(-1)!;
}

/** The wizard's first stage line here (what to do, then its command), as it names them without a terminal. */
async function wizardFirstStep(): Promise<{ what: string; command: string }> {
  const { code, hints } = await outcomeOf(setup(t.ctx, { restart: false, insecureStorage: false }));
  expect(code).toBe(2);
  return { what: hints[0]!.replace(/:$/, ''), command: hints[1]!.trim() };
}

describe('status without a terminal', () => {
  it('names the next stage as the wizard does here, not the wizard, which would only list them and exit 2', async () => {
    await context({ interactive: false });
    const line = await lastLine();
    expect(line).toBe('4 of 4 stages pending, and the wizard asks questions, but there is no interactive terminal. Next, after signing in on https://platform.openai.com/login:  openai-setup login --done');
    expect(line).toContain((await wizardFirstStep()).command);
  });

  it('under npx, in the npx form; the key stage as a pipe (a bare `key` would ask for it and fail)', async () => {
    await context({ interactive: false, commandName: 'npx --yes openai-setup' }, ['login', 'payment', 'billing']);
    const line = await lastLine();
    expect(line).toBe('1 of 4 stages pending, and the wizard asks questions, but there is no interactive terminal. Next, store your key (pipe the key in, in place of …):  … | npx --yes openai-setup key --stdin');
    const step = await wizardFirstStep();
    expect(line).toContain(`Next, ${step.what.charAt(0).toLowerCase()}${step.what.slice(1)}:  ${step.command}`);
  });

  it('no keychain here (no session bus): the key line keeps it in the file, as the wizard says', async () => {
    await context({ interactive: false }, ['login', 'payment', 'billing']);
    t.keychain.withoutBus();
    const line = await lastLine();
    expect(line).toContain('Next, there is no keychain here: store your key in a file only you can read (pipe the key in, in place of …):  … | openai-setup key --stdin --insecure-storage');
    expect(line).toContain((await wizardFirstStep()).command);
  });

  it('billing: the command that marks it done without a question', async () => {
    await context({ interactive: false }, ['login', 'payment']);
    const line = await lastLine();
    expect(line).toContain('Next, after buying credits on https://platform.openai.com/settings/organization/billing/overview (--choice auto-reload if you turned auto-reload on):  openai-setup billing --choice prepaid --done');
  });
});

describe('status on a terminal', () => {
  it('still names the wizard, which asks', async () => {
    await context({});
    expect(await lastLine()).toBe('Run `openai-setup` to continue (4 of 4 stages pending).');
  });
});

describe('status read at a terminal, its own output piped (`status | less`)', () => {
  it('names the wizard, which asks when typed there (stdin is the terminal)', async () => {
    await context({ interactive: false, stdinIsTTY: true, stdoutIsTTY: false });
    expect(await lastLine()).toBe('Run `openai-setup` to continue (4 of 4 stages pending).');
  });
});

describe('status without a terminal, OPENAI_API_KEY holding the key the last check rejected', () => {
  it('never pipes that key in again: the next step is to set or unset the variable first, as the wizard says', async () => {
    const rejected = makeKey('proj', 'status-next-rejected-variable');
    await context({ interactive: false, env: { OPENAI_API_KEY: rejected } }, ['login', 'payment', 'billing']);
    await t.ctx.state.updateProfile('default', (p) => {
      p.lastVerify = { at: '2026-01-02T03:04:05.000Z', status: 'invalid_key', ok: false, keyHint: maskKey(rejected), keySource: 'OPENAI_API_KEY', organization: null, project: null, tier: null, billing: 'unchecked', message: 'Incorrect API key provided.' };
    });
    const line = await lastLine();
    expect(line).not.toContain('printenv OPENAI_API_KEY |');
    expect(line).toContain('… | openai-setup key --stdin');
  });
});

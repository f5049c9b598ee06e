// Advice works as printed for the profile it is about: every command the tool recommends for a
// profile other than the default names it (`--profile work`), and advice about a key the person
// keeps in OPENAI_API_KEY themselves, or on a machine without a keychain, is advice that works there.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckRequest } from '../../src/api/types.js';
import { verdict } from '../../src/api/verdict.js';
import { run as doctor } from '../../src/commands/doctor.js';
import { run as key } from '../../src/commands/key.js';
import { run as setup } from '../../src/commands/setup.js';
import { run as status } from '../../src/commands/status.js';
import { run as token } from '../../src/commands/token.js';
import { run as use } from '../../src/commands/use.js';
import { run as verify } from '../../src/commands/verify.js';
import { checkResult, flat, makeTestContext, outcomeOf, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';

const KEY = testKey('W');

let t: TestContext;
afterEach(() => t?.cleanup());

function context(options: TestContextOptions = {}): TestContext {
  t = makeTestContext(options);
  return t;
}

/** The profile's key is one the person keeps in their own shell file (the wizard's "set it yourself"). */
async function keptInEnv(profile: string): Promise<void> {
  await t.ctx.state.updateProfile(profile, (p) => {
    p.key = { storage: 'env', hint: 'sk-proj-…W000', savedAt: '2026-12-01T10:00:00.000Z' };
  });
}

const verifyOptions = { json: false, quiet: false, billingCheck: true };

describe('commands recommended for a profile name it', () => {
  it('status --profile work: the key to store and the wizard to run are for work', async () => {
    context();
    expect(await status(t.ctx, { profile: 'work', json: false })).toBe(0);
    expect(t.stdout).toContain('No key recorded for this profile (`openai-setup doctor --profile work` looks in the Secret Service keyring and records a key it finds there): store one (it asks for the key, hidden) with `openai-setup key --profile work`');
    expect(t.stdout).toContain('Run `openai-setup --profile work` to continue (4 of 4 stages pending).');
  });

  it('status of the default profile says the commands as they are', async () => {
    context();
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.stdout).toContain('store one (it asks for the key, hidden) with `openai-setup key`\n');
    expect(t.stdout).toContain('Run `openai-setup` to continue');
  });

  it('key --profile w2 with no credits: billing and the check again, for w2', async () => {
    context({ interactive: false, stdin: `${KEY}\n` });
    t.api.answerChecks(checkResult('insufficient_quota'));
    expect(await key(t.ctx, { profile: 'w2', stdin: true })).toBe(4);
    expect(t.api.checks.map((c) => c.keyFlags)).toEqual([' --profile w2']);
    expect(flat(t.stdout)).toContain('mark billing done (`openai-setup billing --choice prepaid --done --profile w2`; --choice auto-reload if you turned auto-reload on), then `openai-setup verify --profile w2`.');
  });

  it('key --profile work without a terminal: the line that stores the key stores into work', async () => {
    context({ interactive: false });
    const { code, hints } = await outcomeOf(key(t.ctx, { profile: 'work' }));
    expect(code).toBe(2);
    expect(hints).toEqual(['Instead, store it (pipe the key in, in place of …):  … | openai-setup key --profile work --stdin']);
  });

  it('verify --profile work asks the check for work (its fixes name the profile)', async () => {
    context({ keychain: { work: KEY } });
    t.api.answerChecks(checkResult('valid'));
    expect(await verify(t.ctx, { ...verifyOptions, profile: 'work' })).toBe(0);
    expect(t.api.checks.map((c) => c.keyFlags)).toEqual([' --profile work']);
  });

  it('doctor --profile work: a different OPENAI_API_KEY is stored with --profile work, handed over with run --profile work', async () => {
    context({ keychain: { work: KEY }, env: { OPENAI_API_KEY: testKey('E') } });
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 });
    t.api.answerChecks(checkResult('valid'));
    await doctor(t.ctx, { profile: 'work', json: false });
    expect(t.stdout).toContain('Unset it (programs then need `openai-setup run --profile work`), or store it:  printenv OPENAI_API_KEY | openai-setup key --profile work --stdin');
    expect(t.api.checks.map((c) => c.keyFlags)).toEqual([' --profile work']);
  });
});

describe('no key to hand over', () => {
  it('on a machine without a keychain, the way to store one is the file, for that profile', async () => {
    context();
    t.keychain.failWith('no-service');
    const { code, hints } = await outcomeOf(verify(t.ctx, { ...verifyOptions, profile: 'work' }));
    expect(code).toBe(2);
    expect(hints.at(-1)).toContain('Keep one in a file only you can read (it asks for the key, hidden):  openai-setup key --profile work --insecure-storage');
  });

  it('with a keychain, `key` is the way (and from a pipe of OPENAI_API_KEY only where it is set)', async () => {
    context();
    const { code, hints } = await outcomeOf(token(t.ctx, { yes: true }));
    expect(code).toBe(2);
    expect(hints).toEqual(['Store one with `openai-setup key` (it asks for the key, hidden).']);
    context({ env: { OPENAI_API_KEY: KEY } });
    expect((await outcomeOf(token(t.ctx, { yes: true }))).hints).toEqual(['Store one with `openai-setup key` (or from a pipe: `printenv OPENAI_API_KEY | openai-setup key --stdin`).']);
  });

  it('a key the person keeps in OPENAI_API_KEY, not set in this shell: how to set it here, not a store command that cannot work', async () => {
    context({ env: { SHELL: '/bin/bash' } });
    t.keychain.failWith('no-service');
    await keptInEnv('default');
    for (const run of [() => token(t.ctx, { yes: true }), () => verify(t.ctx, verifyOptions)]) {
      const { code, message, hints } = await outcomeOf(run());
      expect(code).toBe(2);
      expect(message).toBe('openai-setup keeps no copy of the key of profile "default" (sk-proj-…W000): you keep it in OPENAI_API_KEY yourself, and it is not set in this shell.');
      expect(hints[0]).toBe('To set it here: open a new terminal, or run `source ~/.bashrc` in this one.');
      expect(hints[1]).toContain('printenv OPENAI_API_KEY | openai-setup key --stdin --insecure-storage');
    }
  });

  it('doctor: OPENAI_API_KEY not set though the profile keeps its key there: how to set it, not `run`', async () => {
    context({ env: { SHELL: '/bin/zsh' } });
    await keptInEnv('default');
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 });
    // No key in this shell: a failed check (exit 2), whose fix is to load the line, not to store a key.
    expect(await doctor(t.ctx, { json: false })).toBe(2);
    expect(t.stdout).toContain('○ Stored key          none: you keep the key of profile default (sk-proj-…W000) in OPENAI_API_KEY yourself\n  → To have openai-setup keep it in the keychain instead:  openai-setup import\n');
    expect(t.stdout).toMatch(/✖ OPENAI_API_KEY +not set in this shell, though you keep the key of profile default \(sk-proj-…W000\) in it yourself \(~\/\.zshrc\)\n {2}→ Open a new terminal, or run `source ~\/\.zshrc` in this one\.\n/);
    expect(t.stdout).not.toContain('Hand it over per command');
  });
});

// A command typed without --profile acts on OPENAI_SETUP_PROFILE, else on the default chosen with
// `use`: advice names --profile whenever that is another profile than the one it is about, and
// leaves it out only where it would be redundant.
describe('advice names the profile unless a command without --profile acts on it', () => {
  /** What the API answers a wrong key with, diagnosed for the request as asked (its fix included). */
  const rejected = (request: CheckRequest) =>
    verdict(request, null, { ok: false, failure: { kind: 'http', status: 401, headers: null, body: { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' } }, requestId: null } }, null, 5);
  const storeFix = (flag: string) => `store it with \`openai-setup key${flag}\`.`;

  it('after `use work`, verify --profile default: a wrong key is replaced with `key --profile default`', async () => {
    context({ keychain: { default: KEY } });
    await use(t.ctx, { name: 'work' });
    t.api.answerChecks(rejected);
    expect(await verify(t.ctx, { ...verifyOptions, profile: 'default' })).toBe(3);
    expect(flat(t.stdout)).toContain(storeFix(' --profile default'));
  });

  it('with OPENAI_SETUP_PROFILE=work, verify --profile default: the same', async () => {
    context({ keychain: { default: KEY }, env: { OPENAI_SETUP_PROFILE: 'work' } });
    t.api.answerChecks(rejected);
    expect(await verify(t.ctx, { ...verifyOptions, profile: 'default' })).toBe(3);
    expect(flat(t.stdout)).toContain(storeFix(' --profile default'));
  });

  it('without a terminal, a wrong key is replaced by a pipe into `key --stdin`: `key` could not ask there', async () => {
    context({ keychain: { default: KEY }, interactive: false });
    t.api.answerChecks(rejected);
    expect(await verify(t.ctx, { ...verifyOptions, profile: 'default' })).toBe(3);
    expect(flat(t.stdout)).toContain('store it (pipe the key in, in place of …) with `… | openai-setup key --stdin`.');
  });

  it('with nothing chosen, advice for the default profile has no --profile', async () => {
    context({ keychain: { default: KEY } });
    t.api.answerChecks(rejected);
    expect(await verify(t.ctx, { ...verifyOptions, profile: 'default' })).toBe(3);
    expect(flat(t.stdout)).toContain(storeFix(''));
  });

  it('after `use work`, advice for work has none, with or without --profile work', async () => {
    context({ keychain: { work: KEY } });
    await use(t.ctx, { name: 'work' });
    t.api.answerChecks(rejected, rejected);
    expect(await verify(t.ctx, { ...verifyOptions, profile: 'work' })).toBe(3);
    expect(await verify(t.ctx, verifyOptions)).toBe(3);
    expect(flat(t.stdout).split(storeFix('')).length - 1).toBe(2);
    expect(t.stdout).not.toContain('--profile');
  });

  it('after `use work`, no key stored for default: the way to store one stores into default', async () => {
    context();
    await use(t.ctx, { name: 'work' });
    const { code, hints } = await outcomeOf(verify(t.ctx, { ...verifyOptions, profile: 'default' }));
    expect(code).toBe(2);
    expect(hints.at(-1)).toBe('Store one with `openai-setup key --profile default` (it asks for the key, hidden).');
  });

  it('after `use work`, key --profile default with no credits: billing and the check again, for default', async () => {
    context({ interactive: false, stdin: `${KEY}\n` });
    await use(t.ctx, { name: 'work' });
    t.api.answerChecks(checkResult('insufficient_quota'));
    expect(await key(t.ctx, { profile: 'default', stdin: true })).toBe(4);
    expect(flat(t.stdout)).toContain('mark billing done (`openai-setup billing --choice prepaid --done --profile default`; --choice auto-reload if you turned auto-reload on), then `openai-setup verify --profile default`.');
  });

  it('with OPENAI_SETUP_PROFILE=work, the wizard for default without a terminal names default in every stage command', async () => {
    context({ interactive: false, env: { OPENAI_SETUP_PROFILE: 'work' } });
    const { code, hints } = await outcomeOf(setup(t.ctx, { profile: 'default', restart: false, insecureStorage: false }));
    expect(code).toBe(2);
    // The commands: each on a line of its own, under what it is for.
    expect(hints.filter((line) => line.startsWith('  ')).map((line) => line.trim())).toEqual([
      'openai-setup login --done --profile default',
      'openai-setup payment --done --profile default',
      'openai-setup billing --choice prepaid --done --profile default',
      '… | openai-setup key --profile default --stdin',
    ]);
  });

  it('after `use work`, status --profile default: the key to store and the wizard to run are for default; status of work needs none', async () => {
    context();
    await use(t.ctx, { name: 'work' });
    expect(await status(t.ctx, { profile: 'default', json: false })).toBe(0);
    expect(t.stdout).toContain('store one (it asks for the key, hidden) with `openai-setup key --profile default`');
    expect(t.stdout).toContain('Run `openai-setup --profile default` to continue (4 of 4 stages pending).');
    const before = t.stdout.length;
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.stdout.slice(before)).toContain('store one (it asks for the key, hidden) with `openai-setup key`\n');
    expect(t.stdout.slice(before)).toContain('Run `openai-setup` to continue');
  });

  it('with OPENAI_SETUP_PROFILE=work, doctor --profile default hands the key over with run --profile default', async () => {
    context({ keychain: { default: KEY }, env: { OPENAI_API_KEY: testKey('E'), OPENAI_SETUP_PROFILE: 'work' } });
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 });
    t.api.answerChecks(checkResult('valid'));
    await doctor(t.ctx, { profile: 'default', json: false });
    expect(t.stdout).toContain('Unset it (programs then need `openai-setup run --profile default`), or store it:  printenv OPENAI_API_KEY | openai-setup key --profile default --stdin');
  });

  it('after `use work`, token --profile default on a screen: the line that captures it is for default', async () => {
    context({ interactive: false, stdoutIsTTY: true, keychain: { default: KEY } });
    await use(t.ctx, { name: 'work' });
    const { code, message } = await outcomeOf(token(t.ctx, { profile: 'default', yes: false }));
    expect(code).toBe(2);
    expect(message).toContain('OPENAI_API_KEY="$(openai-setup token --profile default)"; export OPENAI_API_KEY');
  });

  it('use work while OPENAI_SETUP_PROFILE names another: how to set work up names work', async () => {
    context({ env: { OPENAI_SETUP_PROFILE: 'home' } });
    expect(await use(t.ctx, { name: 'work' })).toBe(0);
    expect(t.stdout).toContain('It has no key yet: run `openai-setup --profile work` (or `openai-setup key --profile work`) to set it up.');
    context();
    expect(await use(t.ctx, { name: 'work' })).toBe(0);
    expect(t.stdout).toContain('It has no key yet: run `openai-setup` (or `openai-setup key`) to set it up.');
  });

  it('a progress file that cannot be read: which profile a bare command acts on is not known, so advice names it', async () => {
    context();
    mkdirSync(t.configDir, { recursive: true });
    writeFileSync(join(t.configDir, 'state.json'), '{ damaged');
    const { code, hints } = await outcomeOf(verify(t.ctx, verifyOptions));
    expect(code).toBe(2);
    expect(hints.at(-1)).toContain('Store one with `openai-setup key --profile default`');
  });
});

// The wizard as a person uses it: the built binary in a real pseudo-terminal, pages "opened" by a
// BROWSER script that records URLs, the local OpenAI-like server, and a real gnome-keyring in a
// private D-Bus session read back with secret-tool.
import { mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StateSchema } from '../../src/storage/state.js';
import { CLI, makeTestEnv, REPO_ROOT, stripAnsi, type TestEnv } from '../helpers/env.js';
import { startPrivateKeyring, type PrivateKeyring } from '../helpers/keyring.js';
import { makeKey, startOpenAIServer, type FakeOpenAI } from '../helpers/openai-server.js';
import { spawnCli, type PtySession } from '../helpers/pty.js';
import { runCli, runCommand } from '../helpers/run.js';


const PAGES = {
  login: 'https://platform.openai.com/login',
  payment: 'https://platform.openai.com/settings/organization/billing/payment-methods',
  billing: 'https://platform.openai.com/settings/organization/billing/overview',
  limits: 'https://platform.openai.com/settings/organization/limits',
  keys: 'https://platform.openai.com/api-keys',
};

describe('wizard', () => {
  let server: FakeOpenAI;
  let keyring: PrivateKeyring;
  let testEnv: TestEnv;
  let session: PtySession | undefined;

  beforeAll(async () => {
    server = await startOpenAIServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  async function freshMachine(): Promise<void> {
    keyring = await startPrivateKeyring();
    testEnv = await makeTestEnv({ OPENAI_BASE_URL: server.baseURL, ...keyring.env });
  }

  afterEach(async () => {
    session?.kill();
    session = undefined;
    await keyring?.stop();
    await testEnv?.cleanup();
  });

  function start(args: string[] = [], cols?: number): PtySession {
    session = spawnCli(args, { env: testEnv.env, cols });
    return session;
  }

  async function readState() {
    return StateSchema.parse(JSON.parse(await readFile(join(testEnv.configDir, 'state.json'), 'utf8')));
  }

  /** Every file under the config dir, as text. */
  async function configFiles(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const name of await readdir(testEnv.configDir)) out[name] = await readFile(join(testEnv.configDir, name), 'utf8');
    return out;
  }

  async function confirmPage(s: PtySession): Promise<void> {
    await s.waitFor('When you are done on that page');
    s.press('enter');
  }

  async function walkFirstThreeStages(s: PtySession): Promise<void> {
    await s.waitFor('Step 1 of 4 · Log in to the OpenAI API platform');
    await s.waitFor('A ChatGPT account works here');
    await confirmPage(s);
    await s.waitFor('Step 2 of 4 · Add a payment method');
    await confirmPage(s);
    await s.waitFor('Step 3 of 4 · Choose how to pay and set a budget');
    await s.waitFor('How do you want to pay for the API?');
    s.press('enter'); // prepaid, the safe default
    await confirmPage(s);
    await s.waitFor('Open the limits page to set a monthly budget');
    s.press('enter');
    // The limits page gets its own pause before the key page opens.
    await s.waitFor('When you have set a budget:');
    s.press('enter');
  }

  it('a new user walks all four stages and ends with a working key in the keychain', async () => {
    await freshMachine();
    const key = makeKey('proj', 'wizard-new-user');
    server.addKey(key, { scenario: 'valid', organization: 'user-newuser', project: 'proj_newuser' });
    const s = start();
    await s.waitFor('openai-setup: from an OpenAI account to a working API key');
    await walkFirstThreeStages(s);
    await s.waitFor('Step 4 of 4 · Create a secret key and store it');
    await s.waitFor('Paste your secret key');
    s.type(`  "${key}"\n`.replace('\n', '')); // pasted with quotes and spaces
    s.press('enter');
    await s.waitFor('The key works and can spend');
    await s.waitFor('Stored sk-proj-…');
    await s.waitFor("You're ready to build.");
    await s.waitFor('https://platform.openai.com/usage');
    expect(await s.exited).toMatchObject({ exitCode: 0 });

    expect(await keyring.lookup('openai-setup', 'default')).toBe(key);
    expect(testEnv.browser.urls()).toEqual([PAGES.login, PAGES.payment, PAGES.billing, PAGES.limits, PAGES.keys]);
    const state = await readState();
    const profile = state.profiles.default!;
    expect(Object.keys(profile.stages).sort()).toEqual(['billing', 'key', 'login', 'payment']);
    expect(profile.billingChoice).toBe('prepaid');
    expect(profile.key).toMatchObject({ storage: 'keychain', hint: `sk-proj-…${key.slice(-4)}` });
    expect(profile.lastVerify).toMatchObject({ status: 'valid', ok: true, organization: 'user-newuser', project: 'proj_newuser', billing: 'ok' });
    // The key is only in the keychain: not on screen, not in any file we wrote.
    expect(s.rawOutput()).not.toContain(key);
    for (const [name, text] of Object.entries(await configFiles())) expect(text, name).not.toContain(key);

    // A re-run finds the working key and offers to finish at once.
    const again = start();
    await again.waitFor('Found a key: sk-proj-…');
    await again.waitFor("You're already set up. Finish now?");
    again.press('enter');
    await again.waitFor("You're ready to build.");
    expect(await again.exited).toMatchObject({ exitCode: 0 });

    // status and verify see the same thing.
    const status = start(['status']);
    await status.waitFor(/✔ Create a secret key and store it.*done/);
    await status.waitFor(`Key sk-proj-…${key.slice(-4)} in the Secret Service keyring`);
    await status.waitFor('Last check');
    expect(await status.exited).toMatchObject({ exitCode: 0 });
    const verify = start(['verify']);
    await verify.waitFor('from the keychain (profile default)');
    await verify.waitFor('The key works and can spend');
    expect(await verify.exited).toMatchObject({ exitCode: 0 });
  });

  it("the closing screen's commands work as printed, one line each even on a narrow terminal", async () => {
    await freshMachine();
    const key = makeKey('proj', 'wizard-closing-screen');
    server.addKey(key, 'valid');
    for (const stage of [['login'], ['payment'], ['billing', '--choice', 'prepaid']]) {
      expect((await runCli([...stage, '--done'], { env: testEnv.env })).code).toBe(0);
    }
    expect((await runCli(['key', '--stdin'], { env: testEnv.env, input: `${key}\n` })).code).toBe(0);
    const s = start([], 60);
    await s.waitFor("You're already set up. Finish now?");
    s.press('enter');
    await s.waitFor('Watch what you spend');
    expect(await s.exited).toMatchObject({ exitCode: 0 });
    const lines = stripAnsi(s.rawOutput()).split('\n');
    const nodeCall = lines.find((l) => l.startsWith('  openai-setup run -- node -e '))?.trim();
    // Where python3 is externally managed (PEP 668: Debian's own, say) the line runs the venv the
    // line before it makes; elsewhere python3 itself.
    const pythonCall = lines.find((l) => /^ {2}openai-setup run -- (python3|\.venv\/bin\/python) -c /.test(l))?.trim();
    // Not cut at the terminal's width: each is one whole command (the closing quote is there).
    expect(nodeCall).toMatch(/'$/);
    expect(pythonCall).toMatch(/'$/);

    // Typed into a shell where `openai-setup` is the installed command, the Node one reaches the
    // API with the stored key and prints the model's answer.
    const shim = join(testEnv.root, 'shim');
    await mkdir(shim);
    await symlink(CLI, join(shim, 'openai-setup'));
    const env = { ...testEnv.env, PATH: `${shim}:${testEnv.env.PATH}` };
    const before = server.requestsFor(key).length;
    const ran = await runCommand('bash', ['-c', nodeCall!], { env, cwd: REPO_ROOT });
    expect(ran.stderr).toBe('');
    expect(ran.stdout).toBe('Hi there, nice to meet!\n');
    expect(ran.code).toBe(0);
    expect(server.requestsFor(key).slice(before).map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v1/responses']);

    // The Python one is valid shell and Python: run against a stand-in `openai` module (no pip here)
    // that shows what the program asked for and got the key.
    const fakeSdk = join(testEnv.root, 'py');
    await mkdir(fakeSdk);
    await writeFile(
      join(fakeSdk, 'openai.py'),
      [
        'import os, types',
        'class OpenAI:',
        '    def __init__(self):',
        '        assert os.environ["OPENAI_API_KEY"].startswith("sk-proj-")',
        '        self.responses = types.SimpleNamespace(create=lambda **kw: types.SimpleNamespace(output_text="python " + kw["model"] + ": " + kw["input"]))',
        '',
      ].join('\n'),
    );
    if (pythonCall!.includes('.venv/bin/python')) {
      // A stand-in for the venv `python3 -m venv .venv` makes (no pip here): its python is python3.
      const python3 = (await runCommand('bash', ['-c', 'command -v python3'], { env })).stdout.trim();
      await mkdir(join(testEnv.root, '.venv', 'bin'), { recursive: true });
      await symlink(python3, join(testEnv.root, '.venv', 'bin', 'python'));
    }
    const py = await runCommand('bash', ['-c', pythonCall!], { env: { ...env, PYTHONPATH: fakeSdk }, cwd: testEnv.root });
    expect(py.stderr).toBe('');
    expect(py.stdout).toBe('python gpt-4o-mini: Say hi in five words\n');
  });

  it('after a check against another server (--base-url, --model), the closing screen\'s Node call goes there, for that model, as printed', async () => {
    keyring = await startPrivateKeyring();
    // No OPENAI_BASE_URL: only the flag says where the key belongs.
    testEnv = await makeTestEnv({ ...keyring.env });
    const key = makeKey('proj', 'wizard-base-url');
    server.addKey(key, 'valid');
    for (const stage of [['login'], ['payment'], ['billing', '--choice', 'prepaid']]) {
      expect((await runCli([...stage, '--done'], { env: testEnv.env })).code).toBe(0);
    }
    expect((await runCli(['key', '--stdin', '--base-url', server.baseURL], { env: testEnv.env, input: `${key}\n` })).code).toBe(0);
    const s = start(['--base-url', server.baseURL, '--model', 'gpt-4.1-mini']);
    await s.waitFor("You're already set up. Finish now?");
    s.press('enter');
    await s.waitFor('Watch what you spend');
    expect(await s.exited).toMatchObject({ exitCode: 0 });
    const lines = stripAnsi(s.rawOutput()).split('\n');
    const nodeCall = lines.find((l) => l.startsWith(`  OPENAI_BASE_URL=${server.baseURL} openai-setup run -- node -e `))?.trim();
    expect(nodeCall).toMatch(/'$/);

    const before = server.requestsFor(key).length;
    const ran = await runCommand('bash', ['-c', nodeCall!], { env: testEnv.env, cwd: REPO_ROOT });
    expect(ran.stderr).toBe('');
    expect(ran.stdout).toBe('Hi there, nice to meet!\n');
    expect(ran.code).toBe(0);
    const sent = server.requestsFor(key).slice(before);
    expect(sent.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v1/responses']);
    expect(sent[0]?.body).toMatchObject({ model: 'gpt-4.1-mini' });
  });

  it('re-running one stage (`openai-setup key`) replaces the stored key', async () => {
    await freshMachine();
    const first = makeKey('proj', 'wizard-first');
    const second = makeKey('proj', 'wizard-second');
    server.addKey(first, 'valid');
    server.addKey(second, 'valid');
    await keyring.store('openai-setup', 'default', first);
    const s = start(['key']);
    await s.waitFor('Create a secret key and store it');
    await s.waitFor('Paste your secret key');
    s.type(second);
    s.press('enter');
    await s.waitFor('Stored sk-proj-…');
    expect(await s.exited).toMatchObject({ exitCode: 0 });
    expect(await keyring.lookup('openai-setup', 'default')).toBe(second);
    expect(testEnv.browser.urls()).toEqual([PAGES.keys]);
    const state = await readState();
    expect(Object.keys(state.profiles.default!.stages)).toEqual(['key']);
  });

  it('OPENAI_API_KEY rejected, a new key pasted at step 4: stored, and the variable named as what programs still get, with how to change or unset it', async () => {
    await freshMachine();
    const rejected = makeKey('proj', 'wizard-env-rejected');
    const pasted = makeKey('proj', 'wizard-env-pasted');
    server.addKey(pasted, 'valid');
    for (const stage of ['login', 'payment']) expect((await runCli([stage, '--done'], { env: testEnv.env })).code).toBe(0);
    expect((await runCli(['billing', '--choice', 'prepaid', '--done'], { env: testEnv.env })).code).toBe(0);
    const s = (session = spawnCli([], { env: { ...testEnv.env, OPENAI_API_KEY: rejected } }));
    await s.waitFor('The API rejected the key');
    await s.waitFor('Paste your secret key');
    s.type(pasted);
    s.press('enter');
    await s.waitFor(`Stored sk-proj-…${pasted.slice(-4)}`);
    await s.waitFor(`OPENAI_API_KEY in this shell still holds the key the API rejected above (sk-proj-…${rejected.slice(-4)}); programs that read it will use that one`);
    await s.waitFor('Or unset it (`unset OPENAI_API_KEY`) to use the key stored for the profile.');
    expect(await s.exited).toMatchObject({ exitCode: 0 });
    expect(await keyring.lookup('openai-setup', 'default')).toBe(pasted);
    expect(s.output()).not.toContain(rejected);
    expect(s.output()).not.toContain(pasted);
  });

  it('no credits routes back to billing and re-checks until the key can spend', async () => {
    await freshMachine();
    const key = makeKey('proj', 'wizard-no-credits');
    server.addKey(key, 'no_credits');
    const s = start();
    await walkFirstThreeStages(s);
    await s.waitFor('Paste your secret key');
    s.type(key);
    s.press('enter');
    await s.waitFor('no credits');
    // Said once, in the fix: credits belong to the organization that bought them.
    await s.waitFor('another organization than the one you funded');
    await s.waitFor('Stored sk-proj-…'); // the right key, just unfunded: kept
    await s.waitFor('The key cannot spend yet. What now?');
    s.press('enter'); // Add credits on the billing page
    // Straight to the billing page: stage 3's questions are not asked again.
    await s.waitFor('Back to step 3 · Add credits');
    await s.waitFor('When you have added credits:');
    // The person buys credits on the platform meanwhile.
    server.addKey(key, 'valid');
    s.press('enter'); // Done: check the key again
    await s.waitFor('The key works and can spend');
    await s.waitFor("You're ready to build.");
    expect(await s.exited).toMatchObject({ exitCode: 0 });
    expect(await keyring.lookup('openai-setup', 'default')).toBe(key);
    expect((await readState()).profiles.default!.stages.billing).toBeDefined();
  });

  it('a rejected key can be pasted again', async () => {
    await freshMachine();
    const wrong = makeKey('proj', 'wizard-wrong-never-registered');
    const right = makeKey('proj', 'wizard-right');
    server.addKey(right, 'valid');
    const s = start(['key']);
    await s.waitFor('Paste your secret key');
    s.type('sk-proj-short');
    s.press('enter');
    await s.waitFor('far too short');
    // Typed at once, before the question is asked again: held, never echoed, and taken by it.
    s.type(wrong);
    s.press('enter');
    await s.waitFor('wrong, revoked or deleted');
    await s.waitFor('What now?');
    s.press('enter'); // Paste a different key
    await s.waitFor('Paste your secret key');
    s.type(right);
    s.press('enter');
    await s.waitFor('Stored sk-proj-…');
    expect(await s.exited).toMatchObject({ exitCode: 0 });
    expect(await keyring.lookup('openai-setup', 'default')).toBe(right);
    expect(s.rawOutput()).not.toContain(wrong);
    expect(s.rawOutput()).not.toContain(right);
  });

  it.each([
    ['login', 0],
    ['payment', 1],
    ['billing', 2],
    ['key', 3],
  ] as const)('Ctrl-C at the %s stage exits 130 quietly and keeps the stages before it', async (stage, doneBefore) => {
    await freshMachine();
    const s = start();
    const steps = [
      async () => {
        await s.waitFor('Step 1 of 4');
        await confirmPage(s);
      },
      async () => {
        await s.waitFor('Step 2 of 4');
        await confirmPage(s);
      },
      async () => {
        await s.waitFor('Step 3 of 4');
        await s.waitFor('How do you want to pay');
        s.press('enter');
        await confirmPage(s);
        await s.waitFor('Open the limits page');
        s.press('enter');
        await s.waitFor('When you have set a budget:');
        s.press('enter');
      },
    ];
    for (const step of steps.slice(0, doneBefore)) await step();
    // The heading first: an answered prompt is re-printed, so its text alone could match too early.
    await s.waitFor(`Step ${doneBefore + 1} of 4`);
    await s.waitFor(stage === 'key' ? 'Paste your secret key' : stage === 'billing' ? 'How do you want to pay' : 'When you are done on that page');
    s.press('ctrl-c');
    await s.waitFor('Cancelled.');
    expect(await s.exited).toMatchObject({ exitCode: 130 });
    expect(s.output()).not.toMatch(/\n\s+at /); // no stack trace
    const stages = doneBefore === 0 ? [] : Object.keys((await readState()).profiles.default!.stages);
    expect(stages.sort()).toEqual(['login', 'payment', 'billing'].slice(0, doneBefore).sort());

    // A second run resumes at the stage that was interrupted.
    const again = start();
    await again.waitFor(`Step ${doneBefore + 1} of 4`);
    again.press('ctrl-d');
    await again.waitFor('Cancelled.');
    expect(await again.exited).toMatchObject({ exitCode: 130 });
  });

  it('is readable at 40 columns with NO_COLOR', async () => {
    await freshMachine();
    testEnv.env.NO_COLOR = '1';
    const s = start(['status'], 40);
    await s.waitFor('No key recorded');
    expect(await s.exited).toMatchObject({ exitCode: 0 });
    expect(s.rawOutput()).not.toMatch(/\x1b\[3\dm/); // no colour codes
  });

  it('a stored key whose check hangs: the wizard takes --timeout, says so once, then asks (no second check first)', async () => {
    await freshMachine();
    const key = makeKey('proj', 'wizard-hang');
    server.addKey(key, 'valid');
    for (const args of [['login', '--done'], ['payment', '--done'], ['billing', '--choice', 'prepaid', '--done'], ['key', '--stdin']]) {
      expect((await runCli(args, { env: testEnv.env, input: args[0] === 'key' ? key : '' })).code).toBe(0);
    }
    server.addKey(key, 'hang');
    const s = start(['--timeout', '500']);
    await s.waitFor('The check could not finish. What now?');
    expect(s.output().match(/No answer from 127\.0\.0\.1:\d+ within 500 ms/g)).toHaveLength(1);
    s.press('down');
    s.press('down');
    s.press('enter'); // Stop for now
    await s.waitFor('Stopped. Your progress is saved');
    expect(await s.exited).toMatchObject({ exitCode: 6 });
  });

  it('OPENAI_ORG_ID naming no organization (the server\'s 401 invalid_organization): no key is offered, only to stop and unset it, exit 5', async () => {
    await freshMachine();
    const key = makeKey('proj', 'wizard-no-such-org');
    server.addKey(key, 'valid');
    for (const args of [['login', '--done'], ['payment', '--done'], ['billing', '--choice', 'prepaid', '--done'], ['key', '--stdin']]) {
      expect((await runCli(args, { env: testEnv.env, input: args[0] === 'key' ? key : '' })).code).toBe(0);
    }
    testEnv.env.OPENAI_ORG_ID = 'org-NoSuchOrganization1';
    const s = start();
    await s.waitFor('The organization org-NoSuchOrganization1 in the OpenAI-Organization header does not exist.');
    await s.waitFor('which OPENAI_ORG_ID sets. This run cannot see a change made in your shell: what now?');
    await s.waitFor('Stop for now');
    // No key fits an organization that does not exist: not offered.
    expect(s.output()).not.toContain('Paste a key from the organization');
    s.press('enter'); // Stop here, to unset OPENAI_ORG_ID and run the wizard again
    await s.waitFor('unset OPENAI_ORG_ID');
    expect(await s.exited).toMatchObject({ exitCode: 5 });
    expect(await keyring.lookup('openai-setup', 'default')).toBe(key);
  });

  it('--restart walks all four stages again', async () => {
    await freshMachine();
    const key = makeKey('proj', 'wizard-restart');
    server.addKey(key, 'valid');
    const stored = await runCli(['key', '--stdin'], { env: testEnv.env, input: key });
    expect(stored.code).toBe(0);
    const s = start(['--restart']);
    await s.waitFor('Step 1 of 4');
    s.press('ctrl-c');
    expect(await s.exited).toMatchObject({ exitCode: 130 });
  });
});

// A key kept in the --insecure-storage file (no keychain here) that fails its live check: the fix
// that stores a new one stores it there too, with --insecure-storage, as `key` refuses the file
// without it (exit 7). Printed where nothing can ask, it is the pipe form (storeKeyAdvice).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../src/api/probes.js';
import { run as doctor } from '../../src/commands/doctor.js';
import { run as key } from '../../src/commands/key.js';
import { run as setup } from '../../src/commands/setup.js';
import { run as verify } from '../../src/commands/verify.js';
import { makeTestContext, outcomeOf, type TestContext } from '../helpers/context.js';
import { makeKey, startOpenAIServer, type FakeOpenAI } from '../helpers/openai-server.js';

let t: TestContext;
afterEach(() => t?.cleanup());

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server?.close());

/** A revoked key (the server knows it not) stored for profile "work" where `storage` says, checked through the real API. */
async function storedRevoked(storage: 'file' | 'keychain'): Promise<void> {
  t = makeTestContext({ interactive: false, env: { OPENAI_API_KEY: undefined, OPENAI_BASE_URL: server.baseURL } });
  t.ctx.api = { ...createApi({ env: t.ctx.rawEnv, clock: () => performance.now() }), admin: t.ctx.api.admin };
  await t.ctx.keys.set('work', makeKey('proj', `file-store-advice-${storage}`), storage === 'file');
}

const PIPE = '(pipe the key in, in place of …)';

describe('a stored key that fails, kept in the --insecure-storage file', () => {
  it('verify: the new key goes where the old one was, with --insecure-storage', async () => {
    await storedRevoked('file');
    expect(await verify(t.ctx, { profile: 'work', json: false, quiet: false, billingCheck: true })).toBe(3);
    expect(t.stdout.replace(/\s+/g, ' ')).toContain(`store it ${PIPE} with \`… | openai-setup key --profile work --stdin --insecure-storage\`.`);
  });

  it('verify: a key in the keychain is stored again without it', async () => {
    await storedRevoked('keychain');
    expect(await verify(t.ctx, { profile: 'work', json: false, quiet: false, billingCheck: true })).toBe(3);
    expect(t.stdout.replace(/\s+/g, ' ')).toContain(`store it ${PIPE} with \`… | openai-setup key --profile work --stdin\`.`);
  });

  it("doctor's live check says the same", async () => {
    await storedRevoked('file');
    await doctor(t.ctx, { profile: 'work', json: false });
    expect(t.stdout.replace(/\s+/g, ' ')).toContain(`store it ${PIPE} with \`… | openai-setup key --profile work --stdin --insecure-storage\`.`);
  });
});

describe('a new key that fails its check in `key --insecure-storage`', () => {
  /** A context whose checks go to the fake server (OPENAI_BASE_URL unset: `key` is given --base-url). */
  function checkedThere(options: Parameters<typeof makeTestContext>[0]): void {
    t = makeTestContext({ ...options, env: { OPENAI_API_KEY: undefined, OPENAI_BASE_URL: undefined } });
    t.ctx.api = { ...createApi({ env: t.ctx.rawEnv, clock: () => performance.now() }), admin: t.ctx.api.admin };
  }

  it('piped in: the fix pipes the next one in with --insecure-storage and the server, as this run stored it', async () => {
    checkedThere({ interactive: false, stdin: `${makeKey('proj', 'file-store-advice-piped')}\n` });
    t.keychain.failWith('no-service');
    const { code } = await outcomeOf(key(t.ctx, { profile: 'work', stdin: true, insecureStorage: true, check: { baseURL: server.baseURL } }));
    expect(code).toBe(3);
    expect(t.stdout.replace(/\s+/g, ' ')).toContain(`with \`… | openai-setup key --profile work --stdin --insecure-storage --base-url ${server.baseURL}\`.`);
  });

  it('pasted, the file chosen where the keychain cannot be used: the fix names --insecure-storage too', async () => {
    checkedThere({});
    t.keychain.failWith('no-service');
    t.prompts.whenSelect('Where should the key go?', 'file');
    t.prompts.whenPassword('Paste your secret key (input is hidden):', makeKey('proj', 'file-store-advice-pasted'));
    t.prompts.whenSelect('What now?', 'stop');
    const { code } = await outcomeOf(key(t.ctx, { profile: 'work', check: { baseURL: server.baseURL } }));
    expect(code).toBe(3);
    expect(t.stdout.replace(/\s+/g, ' ')).toContain(`with \`openai-setup key --profile work --insecure-storage --base-url ${server.baseURL}\`.`);
    t.assertScriptsUsed();
  });
});

describe("the wizard's check of the key it finds", () => {
  it('kept in the --insecure-storage file: the fix names --insecure-storage, as verify does', async () => {
    t = makeTestContext({ interactive: false, stdin: `${makeKey('proj', 'file-store-advice-wizard')}\n`, env: { OPENAI_API_KEY: undefined, OPENAI_BASE_URL: server.baseURL } });
    t.ctx.api = { ...createApi({ env: t.ctx.rawEnv, clock: () => performance.now() }), admin: t.ctx.api.admin };
    expect(await key(t.ctx, { profile: 'work', stdin: true, verify: false, insecureStorage: true })).toBe(0);
    const { code } = await outcomeOf(setup(t.ctx, { profile: 'work', restart: false, insecureStorage: false }));
    expect(code).toBe(3);
    expect(t.stdout.replace(/\s+/g, ' ')).toContain(`store it ${PIPE} with \`… | openai-setup key --profile work --stdin --insecure-storage\`.`);
  });

  it('in OPENAI_API_KEY, with --insecure-storage given: the fix repeats it', async () => {
    t = makeTestContext({ interactive: false, env: { OPENAI_API_KEY: makeKey('proj', 'file-store-advice-env'), OPENAI_BASE_URL: server.baseURL } });
    t.ctx.api = { ...createApi({ env: t.ctx.rawEnv, clock: () => performance.now() }), admin: t.ctx.api.admin };
    const { code } = await outcomeOf(setup(t.ctx, { profile: 'work', restart: false, insecureStorage: true }));
    expect(code).toBe(3);
    expect(t.stdout.replace(/\s+/g, ' ')).toContain(`and store one ${PIPE} with \`… | openai-setup key --profile work --stdin --insecure-storage\`.`);
  });
});

// --json prints one document for every outcome: doctor with a damaged key file diagnoses it,
// import's failures are documents, and a bad environment variable is the document's failure too.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as doctor, DoctorJsonSchema, DoctorFailureJsonSchema } from '../../src/commands/doctor.js';
import { runImport, defaultDeps, ImportFailureJsonSchema, type ImportOptions } from '../../src/commands/import.js';
import { run as verify } from '../../src/commands/verify.js';
import { run as spend } from '../../src/commands/spend.js';
import { run as status } from '../../src/commands/status.js';
import { parseEnv } from '../../src/options.js';
import { checkResult, outcomeOf, type TestContext } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const KEY = makeKey('proj', 'unit-json-a');
const DEAD = makeKey('proj', 'unit-json-dead');
const { make: context } = trackedContexts({ defaults: { interactive: false } });

/** ctx.env as main.ts builds it: a bad variable is raised where it is first read. */
function withEnv(t: TestContext, raw: Record<string, string>): void {
  Object.assign(t.ctx.rawEnv, raw);
  Object.defineProperty(t.ctx, 'env', { get: () => parseEnv(t.ctx.rawEnv) });
}

describe('doctor with a damaged key file', () => {
  it('reports it as a failing stored-key check (exit 7), with --json and without', async () => {
    for (const json of [true, false]) {
      const t = context({ env: { OPENAI_API_KEY: KEY } });
      mkdirSync(t.configDir, { recursive: true, mode: 0o700 });
      writeFileSync(join(t.configDir, 'credentials.json'), '{bad\n', { mode: 0o600 });
      t.api.answerReach({ reached: true, status: 401, json: true, ms: 42 }).answerEveryCheck(() => checkResult('valid'));
      expect(await doctor(t.ctx, { json })).toBe(7);
      if (json) {
        const doc = DoctorJsonSchema.parse(JSON.parse(t.stdout));
        expect(doc).toMatchObject({ ok: false, exitCode: 7, profile: 'default' });
        const stored = doc.checks.find((c) => c.id === 'stored-key')!;
        expect(stored.status).toBe('fail');
        expect(stored.detail).toMatch(/credentials\.json is damaged$/);
        expect(stored.fix).toMatch(/^Remove it \(rm '.*credentials\.json'\): the keys in it are lost with it .*Then store the key again: {2}printenv OPENAI_API_KEY \| openai-setup key --stdin$/);
        expect(doc.verify?.ok).toBe(true);
      } else {
        expect(t.stdout).toMatch(/✖ Stored key +.*credentials\.json is damaged/);
        expect(t.stdout).toMatch(/^Live check$/m);
        expect(t.stdout).toMatch(/1 problem: see the ✖ lines above/);
      }
    }
  });
});

describe('import --json: every failure is a document', () => {
  const options = (extra: Partial<ImportOptions>): ImportOptions => ({ check: false, json: true, rewrite: false, yes: false, ...extra });
  it.each([
    ['--store without a line', { store: 'nocolon', yes: true }, 2, 'usage', /^--store: expected PATH:LINE/],
    ['--store at a line with no key', { store: '.env:9', yes: true }, 2, 'usage', /^--store: no OpenAI key at \.env:9\.$/],
    ['no --yes without a terminal', { store: '.env:1' }, 2, 'usage', /Pass --yes/],
    ['a revoked key', { store: '.env:1', rewrite: true, yes: true, dead: true }, 3, 'invalid_api_key', /^sk-proj-…\S{4} was not stored: The API rejected the key/],
  ] as const)('%s', async (_name, extra, exitCode, reason, message) => {
    const t = context();
    writeFileSync(join(t.cwd, '.env'), `OPENAI_API_KEY=${'dead' in extra ? DEAD : KEY}\n`);
    t.api.answerEveryCheck((request) => (request.key === KEY ? checkResult('valid', { billing: 'unchecked' }) : checkResult('invalid_key')));
    const failed = await outcomeOf(runImport(t.ctx, options(extra), { places: defaultDeps().places, fish: async () => ({ ok: true, missing: false, detail: '' }) }));
    expect(failed.code).toBe(exitCode);
    const doc = ImportFailureJsonSchema.parse(JSON.parse(t.stdout));
    expect(doc).toMatchObject({ ok: false, exitCode, profile: 'default' });
    expect(doc.reason).toBe(reason);
    expect(doc.message).toMatch(message);
    expect(t.keychain.accounts()).toEqual([]);
  });

  it('a keychain that cannot store the key: exit 7, reason key_store', async () => {
    const t = context();
    t.keychain.failWith('no-service');
    writeFileSync(join(t.cwd, '.env'), `OPENAI_API_KEY=${KEY}\n`);
    t.api.answerEveryCheck(() => checkResult('valid', { billing: 'unchecked' }));
    const failed = await outcomeOf(runImport(t.ctx, options({ store: '.env:1', rewrite: true, yes: true }), { places: defaultDeps().places, fish: async () => ({ ok: true, missing: false, detail: '' }) }));
    expect(failed.code).toBe(7);
    expect(ImportFailureJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({ ok: false, exitCode: 7, reason: 'key_store', profile: 'default' });
  });
});

describe('a bad environment variable with --json', () => {
  it.each([
    ['OPENAI_BASE_URL', 'notaurl', /^OPENAI_BASE_URL: must be an http:\/\/ or https:\/\/ URL/],
    ['OPENAI_ORG_ID', 'a\nb', /^OPENAI_ORG_ID: must not contain line breaks/],
    ['OPENAI_SETUP_PROFILE', 'bad/x', /^OPENAI_SETUP_PROFILE: /],
  ])('verify: %s is a usage document (exit 2), nothing sent', async (name, value, message) => {
    const t = context({ env: { OPENAI_API_KEY: KEY } });
    withEnv(t, { [name]: value });
    const failed = await outcomeOf(verify(t.ctx, { json: true, quiet: false, billingCheck: true }));
    expect(failed.code).toBe(2);
    const doc = JSON.parse(t.stdout);
    expect(doc).toMatchObject({ ok: false, status: 'error', exitCode: 2, reason: 'usage', key: null });
    expect(doc.message).toMatch(message);
    expect(t.api.checks).toEqual([]);
  });

  it('doctor, status and spend: OPENAI_SETUP_PROFILE=bad/x is a document with profile null', async () => {
    for (const command of [doctor, status, spend] as const) {
      const t = context();
      withEnv(t, { OPENAI_SETUP_PROFILE: 'bad/x' });
      const failed = await outcomeOf((command as (ctx: typeof t.ctx, o: { json: boolean }) => Promise<number>)(t.ctx, { json: true }));
      expect(failed.code).toBe(2);
      const doc = JSON.parse(t.stdout);
      expect(doc).toMatchObject({ ok: false, exitCode: 2, reason: 'usage', profile: null });
      expect(doc.message).toMatch(/^OPENAI_SETUP_PROFILE: /);
      if (command === doctor) DoctorFailureJsonSchema.parse(doc);
    }
  });
});

// What a review of the command-line contract found on 2026-12-07, through Context: import's
// listing with a damaged key file (--insecure-storage), an empty --key, and --timeout's digits.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultDeps, ImportJsonSchema, runImport, type ImportDeps, type ImportOptions } from '../../src/commands/import.js';
import { run as verify, VerifyJsonSchema, type VerifyOptions } from '../../src/commands/verify.js';
import { UsageError } from '../../src/errors.js';
import { maskKey } from '../../src/keys/format.js';
import { parseCheckFlags } from '../../src/options.js';
import { makeKey } from '../helpers/openai-server.js';
import { checkResult, outcomeOf, type TestContext } from '../helpers/context.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const KEY = makeKey('proj', 'contract-review-a');
const contexts = trackedContexts();

/** A home with KEY in ~/.bashrc and a key file holding `{bad`. */
function damagedKeyFile(): { t: TestContext; deps: ImportDeps; path: string } {
  const t = contexts.make({ interactive: false });
  const home = join(dirname(t.cwd), 'home');
  mkdirSync(home);
  t.ctx.rawEnv.HOME = home;
  writeFileSync(join(home, '.bashrc'), `export OPENAI_API_KEY=${KEY}\n`);
  chmodSync(join(home, '.bashrc'), 0o644);
  mkdirSync(t.configDir, { recursive: true, mode: 0o700 });
  const path = join(t.configDir, 'credentials.json');
  writeFileSync(path, '{bad\n', { mode: 0o600 });
  t.api.answerEveryCheck(() => checkResult('valid'));
  return { t, deps: { places: defaultDeps().places, fish: async () => ({ ok: true, missing: false, detail: '' }) }, path };
}

const options = (extra: Partial<ImportOptions> = {}): ImportOptions => ({ check: false, json: false, rewrite: false, yes: false, ...extra });

describe.skipIf(process.platform === 'win32')('import with a damaged key file: listing still lists', () => {
  it('--json (and --check --json): the findings, exit 8, the stored key "not known" with the file\'s fix', async () => {
    for (const check of [false, true]) {
      const { t, deps, path } = damagedKeyFile();
      expect(await runImport(t.ctx, options({ json: true, check }), deps)).toBe(8);
      const doc = ImportJsonSchema.parse(JSON.parse(t.stdout));
      expect(doc.findings).toMatchObject([{ path: '~/.bashrc', line: 1, hint: maskKey(KEY), stored: false, storedAdmin: false }]);
      expect(doc.plaintextLeft).toBe(1);
      expect(doc.exitCode).toBe(8);
      expect(doc.storedNotKnown).toMatchObject({ key: true, admin: true, why: expect.stringContaining(`${path} is damaged`) });
      expect(doc.storedNotKnown!.fix).toContain(`rm -- '${path}'`);
      if (check) expect(doc.findings[0]!.check).toMatchObject({ ok: true });
      expect(t.stderr).toContain(`${path} is damaged, so whether a key found is the stored key or admin key of profile "default" is not known.`);
      expect(t.stdout + t.stderr).not.toContain(KEY);
    }
  });

  it('plain import: the list says "stored key not known", with the fix, and no move that the file would refuse', async () => {
    const { t, deps, path } = damagedKeyFile();
    expect(await runImport(t.ctx, options(), deps)).toBe(8);
    expect(t.stdout).toContain(`${maskKey(KEY)} · project key · stored key not known (the key file cannot be read)`);
    expect(t.stderr).toContain(`rm -- '${path}'`);
    expect(t.stdout).not.toContain('To move one');
  });

  it('--store (which writes) is still refused, exit 7', async () => {
    const { t, deps, path } = damagedKeyFile();
    expect(await outcomeOf(runImport(t.ctx, options({ store: '~/.bashrc:1', yes: true, json: true }), deps))).toMatchObject({ code: 7, message: expect.stringContaining(`${path} is damaged`) });
    expect(JSON.parse(t.stdout)).toMatchObject({ ok: false, reason: 'key_store' });
  });
});

describe('verify --key with an empty value ("$VAR" unset): no key given, as an empty OPENAI_API_KEY', () => {
  const VERIFY: VerifyOptions = { json: false, quiet: false, billingCheck: true };
  for (const key of ['', '  ']) {
    it(`--key ${JSON.stringify(key)}: exit 2 (usage), saying --key was given no key; nothing sent`, async () => {
      const t = contexts.make({ interactive: false });
      const failed = await outcomeOf(verify(t.ctx, { ...VERIFY, key }));
      expect(failed).toMatchObject({ code: 2, message: expect.stringMatching(/^No key to check: --key was given (an empty value|only blanks) \(as `--key "\$VAR"` is when the variable is unset or empty\)\.$/) });
      expect(failed.message).not.toMatch(/not sent|copy/i);
      expect(t.api.checks).toEqual([]);
    });
  }

  it('--json: one document, reason usage, exit 2, the same words', async () => {
    const t = contexts.make({ interactive: false, env: { OPENAI_API_KEY: makeKey('proj', 'contract-review-env') } });
    expect((await outcomeOf(verify(t.ctx, { ...VERIFY, json: true, key: '' }))).code).toBe(2);
    expect(VerifyJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({ ok: false, status: 'error', exitCode: 2, reason: 'usage', key: null, message: expect.stringContaining('--key was given an empty value') });
    expect(t.api.checks).toEqual([]);
  });
});

describe('--timeout takes decimal digits only', () => {
  it.each(['0x1F4', '0b111110100', '0o764', '5e2', ' 500', '500 ', '', '500.0', '+500', '-5', 'Infinity'])('%j: "must be a whole number of milliseconds", a usage error', (value) => {
    expect(() => parseCheckFlags({ timeout: value })).toThrow(new UsageError(`--timeout: must be a whole number of milliseconds (got "${value}").`));
  });

  it('digits: the milliseconds, still bounded', () => {
    expect(parseCheckFlags({ timeout: '500' }).timeoutMs).toBe(500);
    expect(parseCheckFlags({ timeout: '600000' }).timeoutMs).toBe(600_000);
    expect(() => parseCheckFlags({ timeout: '99' })).toThrow(new UsageError('--timeout: must be at least 100 ms (got "99").'));
    expect(() => parseCheckFlags({ timeout: '600001' })).toThrow(new UsageError('--timeout: must be at most 600000 ms (10 minutes) (got "600001").'));
  });
});

describe.skipIf(process.platform === 'win32')('import on a terminal with a damaged key file', () => {
  it('lists what it found, then asks nothing: the file refuses a store (exit 7), nothing changed', async () => {
    const t = contexts.make({ interactive: true });
    const home = join(dirname(t.cwd), 'home');
    mkdirSync(home);
    t.ctx.rawEnv.HOME = home;
    const bashrc = join(home, '.bashrc');
    writeFileSync(bashrc, `export OPENAI_API_KEY=${KEY}\n`);
    mkdirSync(t.configDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(t.configDir, 'credentials.json'), '{bad\n', { mode: 0o600 });
    const deps: ImportDeps = { places: defaultDeps().places, fish: async () => ({ ok: true, missing: false, detail: '' }) };
    expect(await outcomeOf(runImport(t.ctx, options(), deps))).toMatchObject({ code: 7, message: expect.stringContaining('is damaged') });
    expect(t.stdout).toContain(`${maskKey(KEY)} · project key · stored key not known (the key file cannot be read)`);
    expect(readFileSync(bashrc, 'utf8')).toBe(`export OPENAI_API_KEY=${KEY}\n`);
  });
});

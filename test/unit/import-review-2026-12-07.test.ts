// import: what a review of the built binary found on 2026-12-07, through Context with real files
// in a temp home and project, an in-memory keychain and scripted checks and prompts: other
// services' keys taken for OpenAI keys, a .env line under another name removed, the advice for
// lines left, and commented-out keys.
import { describe, expect, it } from 'vitest';
import { runImport, ImportJsonSchema, type ImportOptions } from '../../src/commands/import.js';
import { maskKey } from '../../src/keys/format.js';
import { continueOtherProvider } from '../../src/plaintext/continue.js';
import { planEdit } from '../../src/plaintext/edit.js';
import { findKeys } from '../../src/plaintext/find.js';
import type { Finding } from '../../src/plaintext/scan.js';
import { flat, outcomeOf, type TestContext, type TestContextOptions } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { importMachine } from '../helpers/import-machine.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const KEY = makeKey('proj', 'unit-review-a');
const OTHER = makeKey('proj', 'unit-review-b');
const ADMIN = makeKey('admin', 'unit-review-admin');
const HEX = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
const ANTHROPIC = `sk-ant-api03-${'Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv'.repeat(3)}AA`;
const OPENROUTER = `sk-or-v1-${HEX}`;

const contexts = trackedContexts();
const machine = (options: TestContextOptions = {}) => importMachine(contexts, [KEY, OTHER], options);
const options = (extra: Partial<ImportOptions> = {}): ImportOptions => ({ check: false, json: false, rewrite: false, yes: false, ...extra });

function expectNoKeys(t: TestContext): void {
  for (const key of [KEY, OTHER, ADMIN, ANTHROPIC, OPENROUTER]) expect(t.stdout + t.stderr).not.toContain(key);
}

describe("other services' keys are no OpenAI keys", () => {
  const continueYaml = `models:\n  - name: Claude\n    provider: anthropic\n    model: claude-sonnet-4\n    apiKey: ${ANTHROPIC}\n  - name: Router\n    provider: openrouter\n    model: x\n    apiKey: ${OPENROUTER}\n`;

  it('an Anthropic or OpenRouter key after apiKey / api_key / OPENAI_API_KEY is not found', () => {
    for (const key of [ANTHROPIC, OPENROUTER]) {
      expect(findKeys(`    apiKey: ${key}`)).toEqual([]);
      expect(findKeys(`api_key = "${key}"`)).toEqual([]);
      expect(findKeys(`OPENAI_API_KEY=${key}`)).toEqual([]);
    }
    // An unmarked OpenAI-shaped key there still is.
    const unmarked = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ';
    expect(findKeys(`    apiKey: ${unmarked}`).map((f) => f.key)).toEqual([unmarked]);
  });

  it("in Continue's config, a key in a model entry of another provider is that provider's, whatever its shape (YAML and JSON)", async () => {
    const unmarked = 'sk-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLmn';
    const yaml = `name: mine\nmodels:\n  - name: Mistral\n    provider: mistral\n    requestOptions:\n      headers: {}\n    apiKey: ${unmarked}\n  - name: GPT\n    model: gpt-4o\n    provider: openai\n    apiKey: ${KEY}\n  - apiKey: ${OTHER}\n    provider: deepseek\n`;
    expect(continueOtherProvider(yaml, 7, 12, false)).toBe('mistral');
    expect(continueOtherProvider(yaml, 11, 12, false)).toBeNull();
    expect(continueOtherProvider(yaml, 12, 12, false)).toBe('deepseek');
    const json = `{\n  "models": [\n    { "title": "x", "provider": "anthropic", "apiKey": "${unmarked}" },\n    {\n      "title": "GPT",\n      "provider": "openai",\n      "apiKey": "${KEY}"\n    }\n  ],\n  "tabAutocompleteModel": { "provider": "ollama", "apiKey": "${OTHER}" }\n}\n`;
    expect(continueOtherProvider(json, 3, json.split('\n')[2]!.indexOf(unmarked), true)).toBe('anthropic');
    expect(continueOtherProvider(json, 7, 17, true)).toBeNull();
    const t = machine({ interactive: false });
    t.write('~/.continue/config.yaml', yaml);
    t.write('~/.continue/config.json', json);
    expect(await runImport(t.ctx, options({ json: true }), t.deps)).toBe(8);
    expect(ImportJsonSchema.parse(JSON.parse(t.stdout)).findings.map((f) => `${f.path}:${f.line} ${f.hint}`)).toEqual([`~/.continue/config.yaml:11 ${maskKey(KEY)}`, `~/.continue/config.json:7 ${maskKey(KEY)}`]);
    expectNoKeys(t);
  });

  it("Continue's config with Anthropic and OpenRouter keys: nothing listed, counted, checked or offered (exit 0); nor under OPENAI_API_KEY; status says nothing of them", async () => {
    const t = machine({ interactive: false });
    t.write('~/.continue/config.yaml', continueYaml);
    expect(await runImport(t.ctx, options({ check: true }), t.deps)).toBe(0);
    expect(t.stdout).toContain('No plaintext copy of an OpenAI key');
    expect(t.stdout).not.toContain('Continue');
    expect(t.api.checks).toEqual([]);
    const json = machine({ interactive: false });
    json.write('~/.continue/config.yaml', continueYaml);
    expect(await runImport(json.ctx, options({ json: true }), json.deps)).toBe(0);
    expect(ImportJsonSchema.parse(JSON.parse(json.stdout)).findings).toEqual([]);
    // On a terminal nothing is asked (an unscripted question would fail the run).
    const terminal = machine();
    terminal.write('~/.continue/config.yaml', continueYaml);
    expect(await runImport(terminal.ctx, options(), terminal.deps)).toBe(0);
    // status reads import's findings (by the stored key's hint: here a legacy key's, `sk-…` and the same last four): no copy named.
    const { run: status, StatusJsonSchema } = await import('../../src/commands/status.js');
    const s = machine({ interactive: false });
    s.write('.env', `OPENAI_API_KEY=${ANTHROPIC}\n`);
    await s.ctx.state.updateProfile('default', (p) => {
      p.key = { storage: 'keychain', hint: maskKey(ANTHROPIC), savedAt: '2026-03-01T00:00:00.000Z' };
    });
    await status(s.ctx, { json: true });
    expect(StatusJsonSchema.parse(JSON.parse(s.stdout))).toMatchObject({ plaintext: [] });
    // Nor under a name of OpenAI's (OpenRouter through OPENAI_BASE_URL): not OpenAI's key, never sent to OpenAI.
    const named = machine({ interactive: false });
    named.write('~/.bashrc', `export OPENAI_API_KEY=${OPENROUTER}\n`);
    named.write('.env', `OPENAI_API_KEY=${ANTHROPIC}\n`);
    expect(await runImport(named.ctx, options({ check: true }), named.deps)).toBe(0);
    expect(named.api.checks).toEqual([]);
    for (const c of [t, json, terminal, s, named]) expectNoKeys(c);
  });
});

describe("other services' keys in the environment are no OpenAI keys either", () => {
  const env = { OPENAI_API_KEY: OPENROUTER, OPENAI_ADMIN_KEY: ANTHROPIC };

  it('not listed, counted, checked (never sent) or offered; said once each, in one line, as left by import', async () => {
    const t = machine({ interactive: false, env });
    expect(await runImport(t.ctx, options({ check: true }), t.deps)).toBe(0);
    expect(t.api.checks).toEqual([]);
    expect(t.stdout).toContain(`○ In the environment: OPENAI_API_KEY = ${maskKey(OPENROUTER)} · an OpenRouter key, not an OpenAI key: import leaves it\n`);
    expect(t.stdout).toContain(`○ In the environment: OPENAI_ADMIN_KEY = ${maskKey(ANTHROPIC)} · an Anthropic key, not an OpenAI key: import leaves it\n`);
    expect(t.stdout.split('In the environment:')).toHaveLength(3);
    expect(t.stdout).not.toContain('malformed_key');
    expect(t.stdout).not.toContain('not counted');
    // --json: as for such a key in a file, nothing (no `environment` entry, nothing checked).
    const json = machine({ interactive: false, env });
    expect(await runImport(json.ctx, options({ json: true, check: true }), json.deps)).toBe(0);
    expect(ImportJsonSchema.parse(JSON.parse(json.stdout))).toMatchObject({ environment: [], findings: [], plaintextLeft: 0 });
    expect(json.api.checks).toEqual([]);
    // On a terminal nothing is asked (an unscripted question would fail the run), nothing stored.
    const terminal = machine({ env });
    expect(await runImport(terminal.ctx, options({ check: true }), terminal.deps)).toBe(0);
    expect(terminal.api.checks).toEqual([]);
    expect(terminal.keychain.keyOf('default')).toBeUndefined();
    for (const c of [t, json, terminal]) expectNoKeys(c);
  });

  it("an OpenAI key beside it is still listed and offered: only the other service's is left", async () => {
    const t = machine({ env: { OPENAI_API_KEY: OPENROUTER } });
    t.write('.env', `OPENAI_API_KEY=${KEY}\n`);
    t.prompts.whenSelect('Which key should profile "default" keep in the keychain?', null);
    expect(await runImport(t.ctx, options(), t.deps)).toBe(8);
    expect(t.prompts.asked[0]!.choices).toEqual([KEY, null]);
    expect(t.stdout).toContain(`○ In the environment: OPENAI_API_KEY = ${maskKey(OPENROUTER)} · an OpenRouter key, not an OpenAI key: import leaves it\n`);
    expectNoKeys(t);
  });
});

describe('a .env line of the key under another name than OPENAI_API_KEY (run sets only that one)', () => {
  it('--store … --rewrite: refused before anything is stored; the line stays, byte for byte', async () => {
    const t = machine({ interactive: false });
    const text = `DEBUG=1\nAZURE_OPENAI_API_KEY=${KEY}\n`;
    t.write('.env', text);
    const refused = await outcomeOf(runImport(t.ctx, options({ store: '.env:2', rewrite: true, yes: true }), t.deps));
    expect(refused).toMatchObject({ code: 2, message: '--rewrite: .env:2 cannot be rewritten (the program reads AZURE_OPENAI_API_KEY, and run sets only OPENAI_API_KEY). Nothing was changed.' });
    expect(t.read('.env')).toBe(text);
    expect(t.keychain.keyOf('default')).toBeUndefined();
    expect(flat(t.stdout)).not.toContain('Removed line');
    expectNoKeys(t);
  });

  it('the list and a terminal: named as left by hand, with the variable set from `token` (a command that works as printed); OPENAI_API_KEY lines still go', async () => {
    const t = machine({ interactive: false, keychain: { default: KEY } });
    t.write('.env', `VITE_OPENAI_API_KEY=${KEY}\nOPENAI_KEY="${KEY}"\n`);
    expect(await runImport(t.ctx, options(), t.deps)).toBe(8);
    expect(t.stdout).toContain('    Import cannot change this line (the program reads VITE_OPENAI_API_KEY, and run sets only OPENAI_API_KEY): edit it by hand: remove the key, and start the program with VITE_OPENAI_API_KEY set from the keychain:  VITE_OPENAI_API_KEY="$(openai-setup token)" …\n');
    expect(t.stdout).toContain('(the program reads OPENAI_KEY, and run sets only OPENAI_API_KEY)');
    const terminal = machine({ keychain: { default: KEY } });
    terminal.write('.env', `AZURE_OPENAI_API_KEY=${KEY}\nOPENAI_API_KEY=${KEY}\n`);
    terminal.prompts.whenConfirm('Remove line 2 of .env?', true);
    expect(await runImport(terminal.ctx, options(), terminal.deps)).toBe(8);
    expect(terminal.read('.env')).toBe(`AZURE_OPENAI_API_KEY=${KEY}\n`);
    expect(terminal.stdout).toContain(`! .env, line 1 (${maskKey(KEY)}): import cannot change this line (the program reads AZURE_OPENAI_API_KEY, and run sets only OPENAI_API_KEY): edit it by hand: remove the key, and start the program with AZURE_OPENAI_API_KEY set from the keychain:  AZURE_OPENAI_API_KEY="$(openai-setup token)" …\n`);
    for (const c of [t, terminal]) expectNoKeys(c);
  });
});

describe('on a terminal, the lines of a key left out of the keychain say why (never "for another profile" where that is not it)', () => {
  it('the key this run replaced: still set by its file, with what to put in its place', async () => {
    const t = machine({ keychain: { default: OTHER } });
    t.write('~/.bashrc', `export OPENAI_API_KEY="${OTHER}"\n`);
    t.write('~/.zshrc', `export OPENAI_API_KEY=${KEY}\n`);
    t.prompts.whenSelect('Which key should profile "default" keep in the keychain?', KEY).whenConfirm('Change line 1 of ~/.zshrc like this?', true);
    expect(await runImport(t.ctx, options(), t.deps)).toBe(8);
    expect(t.keychain.keyOf('default')).toBe(KEY);
    expect(t.stdout).toContain(`! ~/.bashrc, line 1: ${maskKey(OTHER)} is the key this run replaced in the keychain, and this file still sets it: edit the line by hand, with this in place of the key:  "$(openai-setup token)"\n`);
    expect(t.stdout).not.toContain('another profile');
    expectNoKeys(t);
  });

  it('an admin key that failed its check, or that the person chose not to store: an admin key not stored, and why', async () => {
    const failed = machine();
    failed.org.admin.addAdminKey(ADMIN, { scopes: [] });
    failed.write('~/.profile', `export OPENAI_ADMIN_KEY=${ADMIN}\n`);
    failed.prompts.whenSelect('Which admin key should profile "default" keep in the keychain?', ADMIN);
    expect(await runImport(failed.ctx, options(), failed.deps)).toBe(5);
    expect(failed.keychain.keyOf('default:admin')).toBeUndefined();
    expect(failed.stdout).toContain(`! ~/.profile, line 1: ${maskKey(ADMIN)} is an admin key that was not stored: The admin key ${maskKey(ADMIN)} lacks the permissions api.management.read and api.usage.read: neither rotate nor spend can use it.\n`);
    const declined = machine();
    declined.write('~/.profile', `export OPENAI_ADMIN_KEY=${ADMIN}\n`);
    declined.prompts.whenSelect('Which admin key should profile "default" keep in the keychain?', null);
    expect(await runImport(declined.ctx, options(), declined.deps)).toBe(8);
    expect(declined.stdout).toContain(`! ~/.profile, line 1: ${maskKey(ADMIN)} is an admin key that was not stored: you chose to leave everything as it is.\n`);
    for (const t of [failed, declined]) {
      expect(t.stdout).not.toContain('another profile');
      expect(t.read('~/.profile')).toBe(`export OPENAI_ADMIN_KEY=${ADMIN}\n`);
      expectNoKeys(t);
    }
  });
});

describe('a commented-out copy of the key', () => {
  const finding = (kind: Finding['kind'], line: number): Finding => ({ path: '/x', line, kind, key: KEY, variable: null, utf16: false });
  const token = 'openai-setup token';

  it('a line that is only a commented-out assignment of the key is removed whole; a comment with more in it is left, to delete the key from', () => {
    for (const [kind, line] of [
      ['posix-shell', `# export OPENAI_API_KEY="${KEY}"`],
      ['posix-shell', `  #OPENAI_API_KEY='${KEY}'  # old`],
      ['dotenv', `#OPENAI_API_KEY=${KEY}`],
      ['dotenv', `# AZURE_OPENAI_API_KEY = ${KEY}`],
      ['fish', `# set -gx OPENAI_API_KEY ${KEY}`],
      ['powershell', `# $env:OPENAI_API_KEY = "${KEY}"`],
    ] as const) {
      expect(planEdit(finding(kind, 2), `x\n${line}\r\ny\n`, token)).toEqual({ kind: 'line', line: 2, after: null, note: null, commented: true });
    }
    expect(planEdit(finding('posix-shell', 1), `# my old key is ${KEY}\n`, token)).toEqual({ kind: 'manual', why: 'the key is in a comment with other text', comment: true });
    // Inside a here-document it is no comment: left as before.
    expect(planEdit(finding('posix-shell', 2), `cat <<EOF\n# export OPENAI_API_KEY=${KEY}\nEOF\n`, token).kind).toBe('manual');
  });

  it('the list says what it is; --store … --rewrite removes the line (every other byte kept), with no run or reload advice', async () => {
    const t = machine({ interactive: false });
    t.write('~/.bashrc', `alias ll='ls -l'\r\n# export OPENAI_API_KEY="${KEY}"\r\nexport EDITOR=vi`);
    t.write('.env', `DEBUG=1\n#OPENAI_API_KEY=${KEY}\n`);
    expect(await runImport(t.ctx, options(), t.deps)).toBe(8);
    expect(t.stdout).toContain(`~/.bashrc, line 2\n    ${maskKey(KEY)} · project key · not stored\n    A commented-out copy of the key (nothing reads it): delete the line.\n`);
    expect(t.stdout).toContain(`.env, line 2\n    ${maskKey(KEY)} · project key · not stored\n    A commented-out copy of the key (nothing reads it): delete the line.\n`);
    expect(t.stdout).not.toContain('more than an assignment');
    const before = t.stdout.length;
    expect(await runImport(t.ctx, options({ store: '~/.bashrc:2', rewrite: true, yes: true }), t.deps)).toBe(8);
    expect(t.read('~/.bashrc')).toBe("alias ll='ls -l'\r\nexport EDITOR=vi");
    expect(t.keychain.keyOf('default')).toBe(KEY);
    const stored = t.stdout.slice(before);
    expect(stored).toContain('  A commented-out copy of the key: nothing reads it.\n');
    expect(stored).toContain('✔ Removed line 2 of ~/.bashrc.\n');
    expect(stored).not.toContain('source ~/.bashrc');
    const next = t.stdout.length;
    expect(await runImport(t.ctx, options({ store: '.env:2', rewrite: true, yes: true }), t.deps)).toBe(0);
    expect(t.read('.env')).toBe('DEBUG=1\n');
    expect(t.stdout.slice(next)).toContain('✔ Removed line 2 of .env.\n');
    expect(flat(t.stdout.slice(next))).not.toContain('Start the program');
    expectNoKeys(t);
  });

  it('on a terminal, that of the stored key is offered for removal with the others', async () => {
    const t = machine({ keychain: { default: KEY } });
    t.write('~/.bashrc', `# export OPENAI_API_KEY="${KEY}"\n`);
    t.prompts.whenConfirm('Remove line 1 of ~/.bashrc?', true);
    expect(await runImport(t.ctx, options(), t.deps)).toBe(0);
    expect(t.read('~/.bashrc')).toBe('');
    expectNoKeys(t);
  });
});

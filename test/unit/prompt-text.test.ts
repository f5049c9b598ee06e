// What a question shows: the prompt library writes to the terminal itself, past the masking of the
// terminal's own output, so every text it is given (the question, its choices, its check's verdict,
// its default) goes through the made-safe path of safePrompter and term.promptText. Through
// Context, where the scripted prompter sees what the real one would show; the real prompter's
// screen is in prompter.test.ts, a real terminal's in test/e2e/prompt-text.test.ts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAdminApi } from '../../src/api/admin.js';
import { run as logout } from '../../src/commands/logout.js';
import { run as rotate } from '../../src/commands/rotate.js';
import { maskKey } from '../../src/keys/format.js';
import { parseFlag } from '../../src/options.js';
import { offerBudget } from '../../src/stages/budget.js';
import { BudgetFlagSchema, KeyHintSchema } from '../../src/storage/admin-state.js';
import { StateStore } from '../../src/storage/state.js';
import { MAX_PROMPT_TEXT } from '../../src/terminal/output.js';
import { safePrompter, type Choice, type Prompter } from '../../src/terminal/prompter.js';
import { makeTestContext } from '../helpers/context.js';
import { createAdminOrganization, makeKey } from '../helpers/openai-server.js';
import { organizationWith, recordCheckedKey } from '../helpers/rotatable.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const KEY = makeKey('proj', 'unit-prompt-text');
const ADMIN = makeKey('admin', 'unit-prompt-text');
const PROJECT = 'proj_PromptText000000000000';
const OSC52 = '\x1b]52;c;QQ==\x07';
const CLEAR = '\x1b[2J';
const RLO = '\u202e';
const ZWSP = '\u200b';
// Anything a terminal would act on, or that reorders or hides text.
const DANGEROUS = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/;
// A piece of the key that is not shaped like one (no prefix, no T3BlbkFJ): only knowing the key masks it.
const PIECE = KEY.slice(20, 60);

const contexts = trackedContexts();

/** A prompter that records everything it is given and answers each question with `answer`. */
function recorder(answer: string): Prompter & { seen: unknown[] } {
  const seen: unknown[] = [];
  return {
    seen,
    confirm: async (message) => (seen.push(message), true),
    select: async <T>(message: string, choices: Array<Choice<T>>) => (seen.push(message, choices), choices[0]!.value),
    password: async (message, validate) => (seen.push(message, validate?.(answer)), answer),
    input: async (message, options = {}) => {
      // As inquirer: an empty answer is the default, and that is what is checked.
      const given = answer === '' ? (options.default ?? '') : answer;
      seen.push(message, options.default, options.validate?.(given));
      return given;
    },
    warmUp: () => {},
    questionsFollow: () => {},
    holdInput: () => {},
  };
}

describe('term.promptText and safePrompter: every text a question shows', () => {
  it('one line, control, bidi and zero-width characters escaped, every key masked, bounded; the values untouched', async () => {
    const t = contexts.make();
    t.ctx.term.addSecret(KEY);
    const hostile = `laptop ${OSC52}${CLEAR}${RLO}\nforged ${ZWSP}${ADMIN} ${PIECE} ${KEY.slice(8).toUpperCase()} ${'x'.repeat(5000)}`;
    const inner = recorder('nope');
    const p = safePrompter(inner, t.ctx.term.promptText);
    await p.confirm(`Delete "${hostile}"?`);
    const value = await p.select(`Which ${hostile}?`, [{ name: `name ${hostile}`, value: hostile, description: `about ${hostile}` }]);
    await p.password(`Paste ${hostile}`, (v) => `not ${v} ${hostile}`);
    await p.input(`Budget ${hostile}`, { validate: (v) => `must be an amount (got "${v}") ${hostile}` });
    // The values are the caller's own: unchanged.
    expect(value).toBe(hostile);
    const shown = inner.seen.flatMap((s) => (Array.isArray(s) ? s.flatMap((c: Choice<string>) => [c.name, c.description]) : [s])).filter((s) => s !== undefined) as string[];
    expect(shown).toHaveLength(8);
    for (const text of shown) {
      expect(text).not.toMatch(DANGEROUS);
      expect(text).toContain('\\x1b]52;c;QQ==\\x07\\x1b[2J\\u202e forged');
      expect(text).toContain(`sk-admin-…${ADMIN.slice(-4)}`);
      expect(text).not.toContain(ADMIN.slice(9, 30));
      expect(text).not.toContain(PIECE.slice(0, 12));
      expect(text.toLowerCase()).not.toContain(KEY.slice(8, 30).toLowerCase());
      expect(text.length).toBeLessThanOrEqual(MAX_PROMPT_TEXT + 30);
      expect(text).toMatch(/… \(\d+ more characters\)$/);
    }
  });

  it('a default shown made safe; taken, it is the value itself', async () => {
    const t = contexts.make();
    const inner = recorder('');
    const p = safePrompter(inner, t.ctx.term.promptText);
    expect(await p.input('Budget:', { default: `20${CLEAR}`, validate: (v) => (v === `20${CLEAR}` ? true : 'changed') })).toBe(`20${CLEAR}`);
    expect(inner.seen).toEqual(['Budget:', '20\\x1b[2J', true]);
  });
});

describe('the repros: what reached the screen through a question', () => {
  it('rotate: the old key named after the admin key and the key itself is asked about masked', async () => {
    const t = contexts.make({ admin: true, keychain: { default: KEY, 'default:admin': ADMIN } });
    organizationWith(t, { admin: ADMIN, project: PROJECT, old: KEY });
    await recordCheckedKey(t, { old: KEY, project: PROJECT });
    t.org.admin.setKeyMeta(KEY, { name: `laptop ${ADMIN} ${KEY.slice(8).toUpperCase()} ${PIECE} ${OSC52}` });
    t.prompts.whenConfirm(/^Rotate the key/, true).whenConfirm(/^Delete the old key/, false);
    expect(await rotate(t.ctx, { keepOld: false, yes: false, json: false })).toBe(0);
    const asked = t.prompts.messages[1]!;
    expect(asked).toBe(
      `Delete the old key "laptop sk-admin-…${ADMIN.slice(-4)} …${KEY.slice(-4).toUpperCase()} … \\x1b]52;c;QQ==\\x07" (${maskKey(KEY)}, created 2025-06-21, owned by You) from ${PROJECT}? It stops working at once: programs already running with it lose access until restarted.`,
    );
  });

  it('the budget question: a key pasted as the amount is masked in what the check says (and so in the flag error)', async () => {
    const t = makeTestContext({ env: { OPENAI_ADMIN_KEY: ADMIN } });
    t.prompts.whenInput(/^Monthly budget/, KEY);
    // The scripted prompter refuses an answer the question's own check refuses, quoting the check.
    const refused = await offerBudget(t.ctx, 'default').catch((error: unknown) => error as Error);
    const verdict = refused instanceof Error ? refused.message.slice(refused.message.indexOf('validate: ')) : '';
    expect(verdict).toBe(`validate: must be an amount in dollars (more than 0, with at most 2 decimals), like 20 or 12.50, or "off" to forget the budget (got "${maskKey(KEY)}").`);
    // Provoked on purpose: taken, so that the context's check at the end does not fail the test.
    expect(t.prompts.takeFailures()).toHaveLength(1);
    expect(() => parseFlag('--budget', BudgetFlagSchema, `  ${KEY}`)).toThrow(`--budget: must be an amount in dollars (more than 0, with at most 2 decimals), like 20 or 12.50, or "off" to forget the budget (got "  ${maskKey(KEY)}").`);
  });

  it("the Admin API's names: anything key-shaped masked (shown by questions the terminal does not print itself)", async () => {
    const org = createAdminOrganization({ now: () => Date.now() });
    org.admin.addAdminKey(ADMIN);
    org.admin.addProject({ id: PROJECT, name: `my-app ${KEY}` });
    org.addKey(KEY, { scenario: 'valid', project: PROJECT });
    org.admin.setKeyMeta(KEY, { name: `laptop ${ADMIN} ${KEY.slice(8).toUpperCase()}` });
    const api = createAdminApi({ env: {}, fetch: org.fetch });
    const auth = { key: ADMIN, baseURL: 'https://api.openai.com/v1', timeoutMs: 10_000, commandName: 'openai-setup' };
    const [project] = (await api.listProjects(auth)).data;
    expect(project!.name).toBe(`my-app ${maskKey(KEY)}`);
    const keys = (await api.listProjectKeys(auth, PROJECT)).data;
    expect(keys.map((k) => k.name)).toContain(`laptop sk-admin-…${ADMIN.slice(-4)} …${KEY.slice(-4).toUpperCase()}`);
  });
});

describe('state.json: a hint or project id not of its shape is never shown, and costs nothing else', () => {
  const profileWith = (extra: Record<string, unknown>) => ({ version: 1, profiles: { default: { stages: {}, ...extra } } });
  const at = '2026-01-01T00:00:00.000Z';
  const lastVerify = (extra: Record<string, unknown>) => ({ at, status: 'valid', ok: true, keyHint: maskKey(KEY), keySource: 'x', organization: null, project: PROJECT, tier: null, billing: 'ok', message: 'ok', ...extra });
  const rotation = (extra: Record<string, unknown>) => ({ at, projectId: PROJECT, serviceAccountId: 'svc_1', serviceAccountName: 'n', keyId: 'key_1', keyHint: maskKey(KEY), ...extra });
  const done = { login: { doneAt: at } };

  // One hand edit (an escape, a line break, a key, `...` for `…`) used to make the whole file
  // damaged: moved aside, every stage and record of every profile lost.
  it.each([
    ['adminKey.hint', { adminKey: { storage: 'keychain', hint: `sk-admin-…${OSC52}`, savedAt: at } }, { adminKey: { storage: 'keychain', hint: '…', savedAt: at } }],
    ['key.hint', { key: { storage: 'keychain', hint: `sk-proj-…Ab12\n✔ forged`, savedAt: at } }, { key: { storage: 'keychain', hint: '…', savedAt: at } }],
    ['key.hint holding a key', { key: { storage: 'keychain', hint: KEY.slice(0, 40), savedAt: at } }, { key: { storage: 'keychain', hint: '…', savedAt: at } }],
    ['key.hint with three dots', { key: { storage: 'file', hint: 'sk-proj-...6IuN', savedAt: at } }, { key: { storage: 'file', hint: '…', savedAt: at } }],
    ['rotation.projectId', { rotation: rotation({ projectId: `proj_abc ${CLEAR}` }) }, {}],
    ['rotation.keyHint', { rotation: rotation({ keyHint: 'sk-svcacct-…abcd and more' }) }, { rotation: rotation({ keyHint: '…' }) }],
  ])('%s: read as saying nothing (a hint "…", a rotation forgotten); the stages and the rest kept', async (_name, extra, expected) => {
    const dir = contexts.make().configDir;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'state.json'), JSON.stringify(profileWith({ stages: done, ...extra })));
    const warnings: string[] = [];
    const reading = await new StateStore(dir, () => new Date(), (m) => warnings.push(m)).reading();
    expect(reading.problem).toBeNull();
    expect(warnings).toEqual([]);
    expect(reading.state.profiles.default).toEqual({ stages: done, ...expected });
  });

  // The last check is only shown: one not of its shape is dropped alone, the rest of the file kept.
  it.each([
    ['lastVerify.keyHint', lastVerify({ keyHint: `sk-…${RLO}abcd` })],
    ['lastVerify.project', lastVerify({ project: `proj_abc${OSC52}${CLEAR}${RLO}` })],
    ['lastVerify.project holding a key', lastVerify({ project: KEY })],
  ])('%s: reads as no check yet; the stages and the key record are kept', async (_name, check) => {
    const dir = contexts.make().configDir;
    mkdirSync(dir, { recursive: true });
    const key = { storage: 'keychain', hint: maskKey(KEY), savedAt: at };
    writeFileSync(join(dir, 'state.json'), JSON.stringify(profileWith({ stages: { login: { doneAt: at } }, key, lastVerify: check })));
    const warnings: string[] = [];
    const reading = await new StateStore(dir, () => new Date(), (m) => warnings.push(m)).reading();
    expect(reading.problem).toBeNull();
    expect(warnings).toEqual([]);
    expect(reading.state.profiles.default).toEqual({ stages: { login: { doneAt: at } }, key });
  });

  it('what openai-setup writes is of that shape: every hint maskKey makes, project ids', async () => {
    for (const key of [KEY, ADMIN, makeKey('svcacct', 'x'), 'sk-None-abcdefghijklmnopqrstuvwxyz', 'sk-abcdefghijklmnopqrstuvwxyz', 'short-key-123', 'tiny', 'x'.repeat(30), `sk-proj-${'é'.repeat(30)}\u202e\n`]) {
      expect(KeyHintSchema.safeParse(maskKey(key)).success, maskKey(key)).toBe(true);
    }
    const dir = contexts.make().configDir;
    mkdirSync(dir, { recursive: true });
    const good = profileWith({ adminKey: { storage: 'file', hint: maskKey(ADMIN), savedAt: at }, lastVerify: lastVerify({}), rotation: rotation({ projectId: `proj_${'A'.repeat(64)}` }) });
    writeFileSync(join(dir, 'state.json'), JSON.stringify(good));
    expect((await new StateStore(dir, () => new Date(), () => {}).reading()).problem).toBeNull();
  });

  it('logout --admin with an admin key hint carrying a clipboard write: the question holds none of it, and nothing is said damaged', async () => {
    const t = contexts.make({ keychain: { 'default:admin': ADMIN } });
    mkdirSync(t.configDir, { recursive: true });
    writeFileSync(join(t.configDir, 'state.json'), JSON.stringify(profileWith({ adminKey: { storage: 'keychain', hint: `sk-admin-…${OSC52}`, savedAt: at } })));
    t.prompts.whenConfirm(/^Remove the admin key/, false);
    expect(await logout(t.ctx, { admin: true, yes: false })).toBe(0);
    expect(t.prompts.messages.join('\n')).not.toMatch(/\x1b|\x07|52;c/);
    expect(t.prompts.messages[0]).toMatch(/^Remove the admin key .*of profile "default" from this machine\?$/);
    expect(t.stderr).not.toMatch(/damaged/);
  });
});

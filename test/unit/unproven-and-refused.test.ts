// Where two verdicts of the live check lead, through Context: a rate-limited test request proves
// nothing about credits (the wizard, status and doctor must not call billing done or the person
// "ready"), and a test request refused with a 403 the table does not know, once the key listed
// models, keeps the key (it is the right one; the model is refused to its project).
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckRequest, CheckResult } from '../../src/api/types.js';
import { verdict } from '../../src/api/verdict.js';
import { DoctorJsonSchema, run as doctor } from '../../src/commands/doctor.js';
import { run as key } from '../../src/commands/key.js';
import { run as setup } from '../../src/commands/setup.js';
import { run as status } from '../../src/commands/status.js';
import { STAGE_IDS } from '../../src/storage/state.js';
import { checkResult, flat, makeTestContext, testKey, type TestContext, type TestContextOptions } from '../helpers/context.js';

const KEY = testKey('A');
const NEW_KEY = testKey('B');
const OPTIONS = { restart: false, insecureStorage: false };
const READY = "You're ready to build.";
const CHECK_UNFINISHED = 'The check could not finish. What now?';
const PASTE = 'Paste your secret key (input is hidden):';

let t: TestContext;
afterEach(() => t?.cleanup());

function context(options: TestContextOptions = {}): TestContext {
  t = makeTestContext(options);
  return t;
}

/** The real verdict for a models list that worked and this answer to the 1-token test request. */
function testRequestAnswered(status: number, error: unknown, headers: Record<string, string> = {}): (request: CheckRequest) => CheckResult {
  return (request) => {
    const listed = { ok: true as const, headers: new Headers({ 'openai-project': 'proj_Refused0123456789abcd' }), modelIds: ['gpt-4o-mini'] };
    const failed = { ok: false as const, failure: { kind: 'http' as const, status, headers: new Headers(headers), body: { error }, requestId: null } };
    return verdict(request, null, listed, failed, 100);
  };
}

const RATE_LIMITED = testRequestAnswered(
  429,
  { message: 'Rate limit reached for gpt-4o-mini in organization org-XXXX on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.', type: 'requests', param: null, code: 'rate_limit_exceeded' },
  { 'retry-after': '20' },
);
const MODEL_REFUSED = testRequestAnswered(403, { message: 'You are not allowed to sample from this model', type: 'invalid_request_error', param: null, code: null });

/** Stages done before, and KEY stored in the keychain. */
async function setUpBefore(stages: readonly string[] = STAGE_IDS): Promise<void> {
  await t.keychain.setPassword('openai-setup', 'default', KEY);
  await t.ctx.state.updateProfile('default', (p) => {
    for (const id of STAGE_IDS) if (stages.includes(id)) p.stages[id] = { doneAt: '2026-01-01T00:00:00.000Z' };
    p.key = { storage: 'keychain', hint: 'sk-proj-…000A', savedAt: '2026-01-01T00:00:00.000Z' };
  });
}

async function doneStages(): Promise<string[]> {
  return Object.entries((await t.profile())?.stages ?? {})
    .filter(([, record]) => record?.doneAt)
    .map(([id]) => id)
    .sort();
}

describe('a rate-limited test request proves the key, not billing', () => {
  it('verify\'s result: billing unchecked (never "ok"), the key usable, exit 0', () => {
    context();
    const result = RATE_LIMITED({ key: KEY, baseURL: 'https://api.openai.com/v1', model: 'gpt-4o-mini', billingCheck: true, timeoutMs: 15_000 });
    expect(result).toMatchObject({ status: 'rate_limited', ok: true, exitCode: 0, billing: 'unchecked' });
  });

  it('the wizard, checking again after a timeout: not "ready", but the key works and is stored, billing not proven, and the verify command to run later', async () => {
    context();
    await setUpBefore();
    t.prompts.whenSelect(CHECK_UNFINISHED, 'recheck');
    t.api.answerChecks(checkResult('timeout'), RATE_LIMITED);

    expect(await setup(t.ctx, { ...OPTIONS, check: { timeoutMs: 30000 } })).toBe(0);

    expect(t.stdout).not.toContain(READY);
    expect(flat(t.stdout)).toContain('Your key works and is stored, but billing is not proven yet.');
    // The command works as printed: it checks the same key the same way.
    expect(flat(t.stdout)).toContain('! Billing was not proven: the API is rate-limiting requests right now. Check again later, before you rely on it: `openai-setup verify --timeout 30000`');
    expect((await t.profile())?.lastVerify).toMatchObject({ status: 'rate_limited', billing: 'unchecked' });
    t.assertScriptsUsed();
  });

  it('the wizard without a terminal, payment and billing not done: they stay to do (not marked done from the check), and status says so', async () => {
    context({ interactive: false });
    await setUpBefore(['login', 'key']);
    t.api.answerChecks(RATE_LIMITED);
    // Payment and billing not done: the stages are named as commands (a usage error, exit 2), none marked done.
    await expect(setup(t.ctx, OPTIONS)).rejects.toMatchObject({ code: 2 });
    expect(t.stdout).not.toContain(READY);
    expect(await doneStages()).toEqual(['key', 'login']);

    const before = t.stdout.length;
    expect(await status(t.ctx, { json: true })).toBe(0);
    const stages = (JSON.parse(t.stdout.slice(before)) as { stages: Array<{ id: string; done: boolean }> }).stages;
    expect(stages.filter((s) => s.done).map((s) => s.id).sort()).toEqual(['key', 'login']);
  });

  it('the wizard with a terminal and the key found working: no "Finish now?" (it would mark every stage done)', async () => {
    context();
    await setUpBefore(['login', 'key']);
    t.prompts.whenSelect('When you are done on that page:', 'skip', 2).whenSelect('How do you want to pay for the API?', 'prepaid');
    t.api.answerEveryCheck(RATE_LIMITED);
    expect(await setup(t.ctx, OPTIONS)).toBe(0);
    expect(t.prompts.asked.map((a) => a.message)).not.toContain("You're already set up. Finish now? (No walks through the stages anyway)");
    expect(t.stdout).not.toContain(READY);
    expect(await doneStages()).toEqual(['key', 'login']);
    t.assertScriptsUsed();
  });

  it('doctor: not "Everything needed works"; the live check is a warning (exit 0), with the command to check again', async () => {
    context({ keychain: { default: KEY } });
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 42 }).answerChecks(RATE_LIMITED);
    expect(await doctor(t.ctx, { json: false })).toBe(0);
    expect(t.stdout).not.toContain('Everything needed works');
    expect(flat(t.stdout)).toContain('! The key works, but billing was not proven: the API is rate-limiting requests right now. Check again later: `openai-setup verify`');

    context({ keychain: { default: KEY } });
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 42 }).answerChecks(RATE_LIMITED);
    expect(await doctor(t.ctx, { json: true })).toBe(0);
    const json = DoctorJsonSchema.parse(JSON.parse(t.stdout));
    expect(json.checks.find((c) => c.id === 'verify')).toMatchObject({ status: 'warn' });
    expect(json).toMatchObject({ ok: true, exitCode: 0 });
  });

  it('status after `key --stdin` found it rate-limited: the Last check is a warning saying billing was not proven, with the verify command; payment and billing not shown done', async () => {
    context({ stdin: `${KEY}\n`, stdoutIsTTY: false, interactive: false });
    t.api.answerChecks(RATE_LIMITED);
    expect(await key(t.ctx, { stdin: true, verify: true })).toBe(0);
    const before = t.stdout.length;
    expect(await status(t.ctx, { json: false })).toBe(0);
    const lines = t.stdout.slice(before).split('\n');
    const last = lines.findIndex((line) => line.includes('Last check'));
    expect(lines[last]).toMatch(/^! Last check .*: works \(rate-limited\) — .*\(try again in 20s\)\./);
    expect(lines[last + 1]).toBe('  Billing was not proven: the API was rate-limiting requests when it ran. Check again later: `openai-setup verify`');
    expect(lines).toContain('○ Add a payment method pending');
    expect(lines).toContain('○ Choose how to pay and set a budget pending');
    expect(lines.filter((line) => line.startsWith('✔ Last check'))).toEqual([]);
  });

  it('status after a check that proved billing: the Last check is ✔, with no such line', async () => {
    context({ stdin: `${KEY}\n`, stdoutIsTTY: false, interactive: false });
    t.api.answerChecks(checkResult('valid', { billing: 'ok', message: 'The key works and can spend.' }));
    expect(await key(t.ctx, { stdin: true, verify: true })).toBe(0);
    const before = t.stdout.length;
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.stdout.slice(before)).toMatch(/\n✔ Last check .*: works — The key works and can spend\./);
    expect(t.stdout.slice(before)).not.toContain('Billing was not proven');
  });

  it('a key that can spend still gets "ready" and every stage done', async () => {
    context({ interactive: false });
    await setUpBefore(['login', 'key']);
    t.api.answerChecks(checkResult('valid'));
    expect(await setup(t.ctx, OPTIONS)).toBe(0);
    expect(t.stdout).toContain(READY);
    expect(await doneStages()).toEqual([...STAGE_IDS].sort());
  });
});

describe('a test request refused with an unknown 403 after the key listed models', () => {
  it('`key` keeps the key (exit 5), says what was refused and where the fix is', async () => {
    context();
    t.prompts.whenPassword(PASTE, KEY);
    t.api.answerChecks(MODEL_REFUSED);
    expect(await key(t.ctx, {})).toBe(5);
    expect(t.keychain.keyOf('default')).toBe(KEY);
    const out = flat(t.stdout);
    expect(out).toContain('The key was accepted, but the API refused it the test request to gpt-4o-mini: You are not allowed to sample from this model');
    expect(out).toContain("The key's project may not use gpt-4o-mini: check the project's model permissions and limits, or check with another model (--model).");
    expect(out).toContain('https://platform.openai.com/settings/proj_Refused0123456789abcd/limits');
    expect(out).toContain('The key is stored, but it is refused until what is described above is fixed; then `openai-setup verify`.');
    // Not the choices of a rejected key ("Paste a different key / Stop without saving").
    expect(t.prompts.asked.map((a) => a.message)).toEqual([PASTE]);
    t.assertScriptsUsed();
  });

  it('the wizard offers "I fixed it: check again" first, and the stored key stays', async () => {
    context();
    await setUpBefore();
    t.prompts.whenSelect('The API accepted the key, but refused it the model checked. What now?', 'key').whenPassword(PASTE, NEW_KEY);
    t.api.answerChecks(MODEL_REFUSED, checkResult('valid'));
    expect(await setup(t.ctx, OPTIONS)).toBe(0);
    expect(t.prompts.asked[0]?.choices).toEqual(['recheck', 'key', 'stop']);
    expect(t.keychain.keyOf('default')).toBe(NEW_KEY);
    t.assertScriptsUsed();
  });
});

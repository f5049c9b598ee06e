// What doctor, status and profiles say of the config dir, the progress file and the key file agrees
// with what the commands that hand out keys do: a progress file they refuse is doctor's failed
// Progress file check (exit 7) with its fix, not a stderr line before "Everything needed works"; a
// damaged key file recorded as holding the key is "not known" with its fix (recordInDoubt), as
// token refuses it; and no record of a key is not said to be no key stored.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DoctorJsonSchema, progressFileCheck, run as doctor } from '../../src/commands/doctor.js';
import { run as key } from '../../src/commands/key.js';
import { run as profiles } from '../../src/commands/profiles.js';
import { run as status, StatusJsonSchema } from '../../src/commands/status.js';
import { EXIT } from '../../src/errors.js';
import { recordInDoubt } from '../../src/storage/key-change.js';
import { checkResult, makeTestContext, testKey, type TestContext } from '../helpers/context.js';

const KEY = testKey('P');
const HINT = `sk-proj-…${KEY.slice(-4)}`;
const ANSWERS = { reached: true, status: 401, json: true, ms: 42 } as const;

let t: TestContext;
afterEach(() => t?.cleanup());

/** A context with KEY in the keychain for profile default and a progress file (valid) in the config dir. */
function withProgress(options: { doctor?: boolean } = { doctor: true }): string {
  t = makeTestContext({ interactive: false, keychain: { default: KEY } });
  mkdirSync(t.configDir, { recursive: true, mode: 0o700 });
  const path = join(t.configDir, 'state.json');
  writeFileSync(path, `${JSON.stringify({ version: 1, defaultProfile: 'default', profiles: {} })}\n`, { mode: 0o600 });
  if (options.doctor) t.api.answerReach(ANSWERS).answerEveryCheck(() => checkResult('valid'));
  return path;
}

const progressCheck = () => DoctorJsonSchema.parse(JSON.parse(t.stdout)).checks.find((c) => c.id === 'progress-file');

describe.skipIf(process.platform === 'win32')('doctor: a progress file the key commands refuse', () => {
  it('a config dir others can change: ✖ Progress file with the chmod, exit 7, not "Everything needed works", not also on stderr', async () => {
    withProgress();
    chmodSync(t.configDir, 0o777);
    expect(await doctor(t.ctx, { json: false })).toBe(EXIT.keyStore);
    expect(t.stdout).toContain(`✖ Progress file       ${t.configDir} can be changed by other users (mode 0777), so openai-setup does not trust it: nothing can be saved, and token, run and env hand out no key without --profile or OPENAI_SETUP_PROFILE (it records the default profile)\n  → Fix it with \`chmod 700 '${t.configDir}'\`.\n`);
    expect(t.stdout).not.toContain('Everything needed works');
    expect(t.stderr).not.toContain('Saved progress is not used');
  });

  it('--json: ok false, exit 7, the check with its fix', async () => {
    const path = withProgress();
    chmodSync(path, 0o666);
    expect(await doctor(t.ctx, { json: true })).toBe(EXIT.keyStore);
    expect(DoctorJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({ ok: false, exitCode: EXIT.keyStore });
    expect(progressCheck()).toMatchObject({ status: 'fail', fix: `Fix it with \`chmod 600 '${path}'\`.` });
  });

  it.each([true, false])('a damaged progress file this run moves aside (the live check records): the row says so, a warning with no fix, not exit 7 (json %s)', async (json) => {
    const path = withProgress();
    writeFileSync(path, '{broken', { mode: 0o600 });
    expect(await doctor(t.ctx, { json })).toBe(0);
    const moved = new RegExp(`^The progress file ${path.replace(/[.]/g, '\\.')} was damaged \\(not valid JSON, at line 1, column 2\\): this run moved it aside to ${path.replace(/[.]/g, '\\.')}\\.bak-\\S+, and progress starts afresh`);
    if (json) {
      expect(progressCheck()).toMatchObject({ status: 'warn', fix: null });
      expect(progressCheck()!.detail).toMatch(moved);
    } else {
      const row = t.stdout.split('\n').findIndex((line) => line.startsWith('! Progress file'));
      expect(t.stdout.split('\n')[row]!.replace(/^! Progress file +/, '')).toMatch(moved);
      expect(t.stdout.split('\n')[row + 1]).not.toMatch(/→/);
      expect(t.stdout).toContain('Everything needed works');
    }
    // Said once, in the row: not also by the progress store on stderr.
    expect(t.stderr).not.toContain('moved');
  });

  it('a usable progress file: no such check', async () => {
    withProgress();
    expect(await doctor(t.ctx, { json: true })).toBe(0);
    expect(progressCheck()).toBeUndefined();
  });
});

describe('progressFileCheck', () => {
  it('damaged: `use NAME`, which moves it aside, never a guessed "default" (the file may have named another); saving still works: not said to fail', () => {
    t = makeTestContext();
    const check = progressFileCheck(t.ctx, { kind: 'damaged', message: 'm', detail: 'The progress file /x/state.json is damaged', fix: null, why: 'version: expected 1' });
    expect(check).toMatchObject({ status: 'fail', exitCode: EXIT.keyStore, detail: 'The progress file /x/state.json is damaged: token, run and env hand out no key without --profile or OPENAI_SETUP_PROFILE (it records the default profile)' });
    expect(check.fix).toBe('Choose the default profile again, which moves it aside (its records are lost; stored keys stay):  openai-setup use NAME');
  });

  it("another problem: its own fix, a sentence; what cannot be saved said", () => {
    t = makeTestContext();
    const check = progressFileCheck(t.ctx, { kind: 'unreadable', message: 'm', detail: '/x/state.json is a FIFO (named pipe), not a regular file, so it is not read', fix: "remove it (rm '/x/state.json') and run again.", why: null });
    expect(check.detail).toMatch(/so it is not read: nothing can be saved, and token, run and env/);
    expect(check.fix).toBe("Remove it (rm '/x/state.json') and run again.");
  });
});

describe('recordInDoubt: a key file recorded as holding the key that cannot be read', () => {
  async function storedInFile(content: string): Promise<string> {
    t = makeTestContext({ interactive: false, stdin: `${KEY}\n`, stdoutIsTTY: false });
    expect(await key(t.ctx, { profile: 'ins', stdin: true, insecureStorage: true, verify: false })).toBe(0);
    const path = join(t.configDir, 'credentials.json');
    writeFileSync(path, content);
    return path;
  }

  for (const [kind, content] of [
    ['cut short', '{"version":1,"keys":{"ins":'],
    ['empty', ''],
  ] as const) {
    it(`${kind}: the damage and its fix (the rm, then key)`, async () => {
      const path = await storedInFile(content);
      const doubt = await recordInDoubt(t.ctx, await t.ctx.state.read(), 'ins');
      expect(doubt).toEqual({
        why: `${join(t.configDir, 'state.json')} records ${HINT} in plain text for profile "ins", but ${path} is damaged`,
        fix: `remove it (\`rm -- '${path}'\`): every key in it is lost with it, other profiles' too (copy yours out first if you can still read it there); then store the key of profile "ins" again (pipe the key in, in place of …) with \`… | openai-setup key --profile ins --stdin --insecure-storage\``,
      });
    });
  }

  it('status and profiles: "not known" (--json "unknown"), never the key in plain text', async () => {
    await storedInFile('');
    const json = t.stdout.length;
    expect(await status(t.ctx, { profile: 'ins', json: true })).toBe(0);
    expect(StatusJsonSchema.parse(JSON.parse(t.stdout.slice(json))).key).toMatchObject({ storage: 'unknown', hint: null });
    const before = t.stdout.length;
    expect(await status(t.ctx, { profile: 'ins', json: false })).toBe(0);
    expect(t.stdout.slice(before)).toMatch(/^! Key not known: .* is damaged; remove it /m);
    expect(t.stdout.slice(before)).not.toContain('in plain text:');
    const listed = t.stdout.length;
    expect(await profiles(t.ctx, { json: false, names: false })).toBe(0);
    expect(t.stdout.slice(listed)).toMatch(/^ +ins +not known/m);
    expect(t.stdout.slice(listed)).not.toContain('(plain-text file)');
  });
});

describe('no record of a key is not "no key stored"', () => {
  it('profiles: "none recorded" for a profile whose key the keychain holds unrecorded, and where to look', async () => {
    withProgress({});
    expect(await profiles(t.ctx, { json: false, names: false })).toBe(0);
    expect(t.stdout).toMatch(/^\* +default +none recorded /m);
    expect(t.stdout).not.toMatch(/^\* +default +no key/m);
    expect(t.stdout).toContain('"none recorded": the progress file records no key for it, and this list reads no keychain; `openai-setup doctor --profile NAME` looks in the Secret Service keyring.');
    expect(t.keychain.calls).toEqual([]);
  });
});

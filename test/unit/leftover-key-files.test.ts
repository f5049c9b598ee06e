// A run killed between writing credentials.json's temp file and renaming it leaves that temp file,
// mode 0600, holding keys in plain text. Whatever stores or removes a key removes such files (only
// those, never through a link), saying so; status and doctor name any that are left, never what
// is in them.
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as doctor, DoctorJsonSchema } from '../../src/commands/doctor.js';
import { run as key } from '../../src/commands/key.js';
import { run as status, StatusJsonSchema } from '../../src/commands/status.js';
import { testKey, type TestContext } from '../helpers/context.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const OLD = testKey('A');
const NEW = testKey('B');
/** What a killed run leaves: `credentials.json.<pid>.<random>.tmp`. */
const LEFT = 'credentials.json.4242.m1abc2def.tmp';

const { make: context } = trackedContexts({ defaults: { interactive: false } });

/** The temp file a run killed while storing OLD in the file leaves behind; its path. */
function killedWhileStoring(t: TestContext): string {
  mkdirSync(t.configDir, { recursive: true, mode: 0o700 });
  const path = join(t.configDir, LEFT);
  writeFileSync(path, `{"version":1,"keys":{"default":"${OLD}"}}\n`, { mode: 0o600 });
  return path;
}

describe('a temp file of credentials.json left by a killed run', () => {
  for (const insecureStorage of [false, true]) {
    it(`is removed when a key is stored${insecureStorage ? ' in the file (--insecure-storage)' : ' in the keychain'}, and that is said`, async () => {
      const t = context({ stdin: `${NEW}\n` });
      const left = killedWhileStoring(t);
      expect(await key(t.ctx, { stdin: true, verify: false, insecureStorage })).toBe(0);
      expect(existsSync(left)).toBe(false);
      expect(t.stderr).toContain(`! Removed a temporary file left by an interrupted run (it may have held a key): ${left}\n`);
      expect(t.stdout + t.stderr).not.toContain(OLD);
    });
  }

  it('only those: not another file, a directory, or what a link of that name points to (the link goes)', async () => {
    const t = context({ stdin: `${NEW}\n` });
    const left = killedWhileStoring(t);
    const outside = join(dirname(t.configDir), 'mine.json');
    writeFileSync(outside, 'precious');
    const link = join(t.configDir, 'credentials.json.4243.m1abc2xyz.tmp');
    symlinkSync(outside, link);
    mkdirSync(join(t.configDir, 'credentials.json.4244.m1abc2dir.tmp'));
    // The progress file's temp file of a run still alive (storing the key writes the progress file,
    // which removes only a dead run's).
    const stateTemp = `state.json.${process.pid}.m1abc2def.tmp`;
    for (const other of ['notes.tmp', 'credentials.json.tmp', stateTemp, 'credentials.json.bak']) writeFileSync(join(t.configDir, other), '{}', { mode: 0o600 });
    expect(await key(t.ctx, { stdin: true, verify: false })).toBe(0);
    expect(existsSync(left)).toBe(false);
    expect(existsSync(link)).toBe(false);
    expect(readFileSync(outside, 'utf8')).toBe('precious');
    expect(readdirSync(t.configDir).sort()).toEqual(['credentials.json.4244.m1abc2dir.tmp', 'credentials.json.bak', 'credentials.json.tmp', 'notes.tmp', 'state.json', stateTemp].sort());
  });

  it('status names it, with the command that removes it, never what is in it; --json lists it', async () => {
    const t = context({ keychain: { default: NEW } });
    const left = killedWhileStoring(t);
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.stdout).toContain(`! A temporary file of ${t.ctx.keys.filePath}, left by an interrupted run, may hold a key in plain text: ${left} — Remove it: rm '${left}'\n`);
    expect(t.stdout + t.stderr).not.toContain(OLD);
    const json = context({ keychain: { default: NEW } });
    const again = killedWhileStoring(json);
    expect(await status(json.ctx, { json: true })).toBe(0);
    expect(StatusJsonSchema.parse(JSON.parse(json.stdout)).leftovers).toEqual([again]);
    // Looking is not removing: status changes nothing.
    expect(existsSync(again)).toBe(true);
  });

  it('a directory that happens to have a temp file\'s name is no leftover: nothing removes it, so nothing names it', async () => {
    const t = context({ keychain: { default: NEW } });
    mkdirSync(t.configDir, { recursive: true, mode: 0o700 });
    mkdirSync(join(t.configDir, 'credentials.json.125.abe.tmp'));
    expect(await status(t.ctx, { json: true })).toBe(0);
    expect(StatusJsonSchema.parse(JSON.parse(t.stdout)).leftovers).toEqual([]);
  });

  it('doctor names it as a warning, never what is in it', async () => {
    const t = context();
    const left = killedWhileStoring(t);
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 42 });
    await doctor(t.ctx, { json: true });
    const checks = DoctorJsonSchema.parse(JSON.parse(t.stdout)).checks;
    expect(checks.find((c) => c.id === 'leftovers')).toEqual({
      id: 'leftovers',
      title: 'Leftover files',
      status: 'warn',
      detail: `A temporary file of ${t.ctx.keys.filePath}, left by an interrupted run, may hold a key in plain text: ${left}`,
      fix: `Remove it: rm '${left}'`,
    });
    expect(t.stdout + t.stderr).not.toContain(OLD);
    expect(existsSync(left)).toBe(true);
  });
});

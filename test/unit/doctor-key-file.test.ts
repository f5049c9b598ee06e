// doctor on a key file (--insecure-storage) it cannot use: the fix line is the one that fits. A
// file others may change is fixed with chmod, never removed (it may hold the only copy of the
// key); only a damaged one is removed, and then doctor says its keys go with it.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DoctorJsonSchema, run as doctor } from '../../src/commands/doctor.js';
import { checkResult, makeTestContext, testKey, type TestContext } from '../helpers/context.js';

const KEY = testKey('F');
const ANSWERS = { reached: true, status: 401, json: true, ms: 42 } as const;

let t: TestContext;
afterEach(() => t?.cleanup());

/** A context whose key file holds `text`, with `mode`; its path. */
function keyFile(text: string, mode: number): string {
  t = makeTestContext({ interactive: false });
  mkdirSync(t.configDir, { recursive: true, mode: 0o700 });
  const path = join(t.configDir, 'credentials.json');
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, mode);
  t.api.answerReach(ANSWERS).answerEveryCheck(() => checkResult('valid'));
  return path;
}

const storedKeyCheck = () => DoctorJsonSchema.parse(JSON.parse(t.stdout)).checks.find((c) => c.id === 'stored-key')!;

describe.skipIf(process.platform === 'win32')('doctor: a key file it cannot use', () => {
  it('group/world-writable: the fix is chmod 600, never to remove the file (it keeps the key)', async () => {
    const path = keyFile(`${JSON.stringify({ version: 1, keys: { default: KEY } })}\n`, 0o666);
    expect(await doctor(t.ctx, { json: false })).toBe(7);
    expect(t.stdout).toContain(`✖ Stored key          ${path} can be changed by other users (mode 0666), so openai-setup does not trust it\n`);
    expect(t.stdout).toContain(`  → Fix it with \`chmod 600 '${path}'\`.\n`);
    expect(t.stdout).not.toMatch(/Remove/);
    expect(t.stdout).not.toContain(KEY);
    expect(existsSync(path)).toBe(true);
  });

  it('--json: the same fix in the document', async () => {
    const path = keyFile(`${JSON.stringify({ version: 1, keys: { default: KEY } })}\n`, 0o620);
    expect(await doctor(t.ctx, { json: true })).toBe(7);
    expect(storedKeyCheck()).toEqual({
      id: 'stored-key',
      title: 'Stored key',
      status: 'fail',
      detail: `${path} can be changed by other users (mode 0620), so openai-setup does not trust it`,
      fix: `Fix it with \`chmod 600 '${path}'\`.`,
    });
  });

  it('written by a newer openai-setup: the detail whole (its "(format 2; this one knows 1)" too), the fix to update', async () => {
    const path = keyFile(`${JSON.stringify({ version: 2, keys: { default: KEY } })}\n`, 0o600);
    expect(await doctor(t.ctx, { json: true })).toBe(7);
    expect(storedKeyCheck()).toMatchObject({
      status: 'fail',
      detail: `${path} was written by a newer openai-setup (format 2; this one knows 1), so this one neither reads nor changes it`,
      fix: 'Update openai-setup (npm install -g openai-setup@latest) and run again.',
    });
  });

  it('damaged: remove it, saying the keys in it go with it, then store the key again', async () => {
    const path = keyFile('{bad\n', 0o600);
    expect(await doctor(t.ctx, { json: true })).toBe(7);
    expect(storedKeyCheck()).toMatchObject({
      status: 'fail',
      detail: `${path} is damaged`,
      fix: `Remove it (rm '${path}'): the keys in it are lost with it (copy yours out first if you can still read it there). Then store the key again (pipe the key in, in place of …):  … | openai-setup key --stdin`,
    });
  });
});

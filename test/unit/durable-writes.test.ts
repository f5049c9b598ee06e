// Files replaced through a temp file are synced to the disk before the rename: otherwise a crash
// (power loss) just after "Changed line 3 of ~/.bashrc" can leave the file empty on file systems
// without ext4's safeguard for renames. Counted by the syncs of Node's file handles.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { rewriteFile } from '../../src/plaintext/files.js';
import { writePrivateFile } from '../../src/storage/private-file.js';
import { makeTestContext, type TestContext } from '../helpers/context.js';

let t: TestContext;
let dir: string;
let syncs: ReturnType<typeof vi.fn>;

beforeEach(async () => {
  t = makeTestContext();
  dir = mkdtempSync(join(tmpdir(), 'openai-setup-durable-'));
  // The FileHandle class's own sync, watched (Node does not export the class: taken from a handle).
  const handle = await open(join(dir, 'probe'), 'w');
  const proto = Object.getPrototypeOf(handle) as { sync: () => Promise<void> };
  await handle.close();
  const real = proto.sync;
  syncs = vi.fn(function (this: unknown) {
    return real.call(this);
  });
  vi.spyOn(proto, 'sync').mockImplementation(syncs as never);
});
afterEach(() => {
  vi.restoreAllMocks();
  t.cleanup();
});

describe('a file written through a temp file is synced before it takes its name', () => {
  it('the progress file and the key file (writePrivateFile)', async () => {
    const path = join(dir, 'state.json');
    await writePrivateFile(path, '{"version":1}\n');
    expect(readFileSync(path, 'utf8')).toBe('{"version":1}\n');
    expect(syncs).toHaveBeenCalledTimes(1);
  });

  it('a file import or env rewrites (~/.bashrc, .env): its text, synced', async () => {
    const path = join(dir, '.bashrc');
    writeFileSync(path, 'a\nb\n');
    expect(await rewriteFile(path, (text) => text.replace('b', 'c'), t.ctx)).toBe('changed');
    expect(readFileSync(path, 'utf8')).toBe('a\nc\n');
    expect(syncs).toHaveBeenCalledTimes(1);
  });

  it('a file env creates (.env, .gitignore)', async () => {
    const path = join(dir, '.env');
    expect(await rewriteFile(path, () => 'OPENAI_API_KEY=x\n', t.ctx, { create: true, mode: 0o600 })).toBe('changed');
    expect(readFileSync(path, 'utf8')).toBe('OPENAI_API_KEY=x\n');
    expect(syncs).toHaveBeenCalledTimes(1);
  });
});

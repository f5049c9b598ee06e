// import --store PATH:LINE --rewrite --yes when the file's new text cannot be written: a full disk
// (ENOSPC, the temp file's write fails) or a read-only one (EROFS, no temp file can be made). The
// key is stored first; then the line is left as it was, said in one line (why, in the errno words,
// and what to do), exit 8, and no temp file stays next to the file. Never a stack trace.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultDeps, ImportJsonSchema, runImport, type ImportOptions } from '../../src/commands/import.js';
import { checkResult } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const hook = vi.hoisted(() => ({ code: null as 'ENOSPC' | 'EROFS' | null }));

const fail = (code: string, path: string) => Object.assign(new Error(`${code}: failed, open '${path}'`), { code, errno: code === 'ENOSPC' ? -28 : -30, syscall: 'write', path });

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  // Only import's temp files (`.zshrc.openai-setup.<pid>.<random>.tmp`): the config dir's are written as usual.
  const open = (async (path: Parameters<typeof fs.open>[0], ...rest: Parameters<typeof fs.open> extends [unknown, ...infer R] ? R : never) => {
    const p = String(path);
    if (hook.code === null || !/\.openai-setup\.\d+\.[a-z0-9]+\.tmp$/.test(p)) return fs.open(path, ...rest);
    if (hook.code === 'EROFS') throw fail('EROFS', p);
    const handle = await fs.open(path, ...rest);
    handle.writeFile = async () => {
      throw fail('ENOSPC', p);
    };
    return handle;
  }) as typeof fs.open;
  return { ...fs, open, default: { ...fs, open } };
});

const KEY = makeKey('proj', 'unit-unwritable');
const TEXT = `export A=1\nexport OPENAI_API_KEY=${KEY}\n`;
const contexts = trackedContexts();
afterEach(() => {
  hook.code = null;
});

const options = (extra: Partial<ImportOptions> = {}): ImportOptions => ({ check: false, json: false, rewrite: false, yes: false, ...extra });

const CASES = [
  { code: 'ENOSPC' as const, why: 'no space is left on the disk (ENOSPC)', fix: 'free some space, then run:  openai-setup import --profile imp' },
  { code: 'EROFS' as const, why: 'the file system is read-only (EROFS)', fix: 'edit it by hand where its file system can be written, or, once it can be, run:  openai-setup import --profile imp' },
];

describe('import --store ~/.zshrc:2 --rewrite --yes: the new text cannot be written', () => {
  for (const { code, why, fix } of CASES) {
    it(`${code}: the key stored, the line as it was, one line saying why and what to do (exit 8), no temp file left`, async () => {
      for (const json of [false, true]) {
        const t = contexts.make({ interactive: false });
        const home = join(dirname(t.cwd), json ? 'home-json' : 'home');
        t.ctx.rawEnv.HOME = home;
        mkdirSync(home);
        const zshrc = join(home, '.zshrc');
        writeFileSync(zshrc, TEXT);
        t.api.answerEveryCheck(() => checkResult('valid'));
        hook.code = code;

        expect(await runImport(t.ctx, options({ store: '~/.zshrc:2', rewrite: true, yes: true, json, profile: 'imp' }), { ...defaultDeps(), places: defaultDeps().places })).toBe(8);
        hook.code = null;

        expect(t.keychain.keyOf('imp')).toBe(KEY);
        expect(readFileSync(zshrc, 'utf8')).toBe(TEXT);
        expect(readdirSync(home)).toEqual(['.zshrc']);
        const failures = t.stderr.split('\n').filter((l) => l.startsWith('✖'));
        expect(failures).toEqual([`✖ ~/.zshrc could not be written (${why}), so line 2 was not changed. The key is stored, but not moved out of it: ${fix}`]);
        expect(t.stdout + t.stderr).not.toMatch(/^\s+at /m);
        expect(t.stdout + t.stderr).not.toContain('Unexpected error');
        expect(t.stdout + t.stderr).not.toContain(KEY);
        if (json) expect(ImportJsonSchema.parse(JSON.parse(t.stdout))).toMatchObject({ moved: [], exitCode: 8 });
      }
    });
  }
});

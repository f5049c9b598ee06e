import { mkdtemp, readdir, readFile, stat, writeFile, mkdir, chmod } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT, UsageError } from '../../src/errors.js';
import { parseEnv } from '../../src/options.js';
import { resolveConfigDir } from '../../src/storage/paths.js';
import { ConfigStoreError } from '../../src/storage/private-file.js';
import { StateStore } from '../../src/storage/state.js';

const fixedNow = () => new Date('2026-11-24T10:00:00.000Z');

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'osetup-state-'));
}

describe('StateStore', () => {
  it('starts empty, writes 0600 in a 0700 directory whatever the umask', async () => {
    const dir = join(await tempDir(), 'config');
    const old = process.umask(0o000);
    try {
      const store = new StateStore(dir, fixedNow, () => {});
      expect((await store.read()).profiles).toEqual({});
      await store.updateProfile('default', (p) => {
        p.stages.login = { doneAt: fixedNow().toISOString() };
      });
      expect((await stat(dir)).mode & 0o777).toBe(0o700);
      expect((await stat(store.path)).mode & 0o777).toBe(0o600);
      const onDisk = JSON.parse(await readFile(store.path, 'utf8'));
      expect(onDisk.profiles.default.stages.login.doneAt).toBe('2026-11-24T10:00:00.000Z');
    } finally {
      process.umask(old);
    }
  });

  it('tightens an existing loose directory', async () => {
    const dir = join(await tempDir(), 'config');
    await mkdir(dir, { mode: 0o755 });
    await chmod(dir, 0o755);
    await new StateStore(dir, fixedNow, () => {}).update(() => {});
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
  });

  it.each([
    ['not JSON', '{"version": 1,\n "profiles": {,}}', 'not valid JSON, at line 2, column 15'],
    ['cut short', '{"version": 1,\n "profiles": ', 'not valid JSON: it ends too soon, as if cut short'],
    ['empty', '\n', 'empty'],
    ['wrong shape', JSON.stringify({ version: 1, profiles: { default: { stages: { login: { doneAt: 'yesterday' } } } } }), 'profiles.default.stages.login.doneAt: expected a date and time (2025-01-31T12:00:00.000Z)'],
    ['a stage record of no form', JSON.stringify({ version: 1, profiles: { default: { stages: { key: { doneAt: 1 } } } } }), 'profiles.default.stages.key: not in any of the forms expected there'],
    ['bad profile name', JSON.stringify({ version: 1, profiles: { 'a b': { stages: {} } } }), 'profiles: a name there is not a profile name (1–64 letters, digits, "-" or "_", starting with a letter or digit)'],
    ['a version that is not a number', JSON.stringify({ version: '2', profiles: {} }), 'version: expected 1'],
    ['a version below 1', JSON.stringify({ version: 0, profiles: {} }), 'version: expected 1'],
    ['not an object', JSON.stringify([{ version: 99 }]), 'the whole file: expected an object ({…})'],
    ['a storage not known', JSON.stringify({ version: 1, profiles: { default: { key: { storage: 'floppy', hint: 'sk-proj-…Ab12', savedAt: fixedNow().toISOString() } } } }), 'profiles.default.key.storage: expected one of "keychain", "file", "env"'],
    ['a default profile that is no name', JSON.stringify({ version: 1, defaultProfile: 5 }), 'defaultProfile: expected a string (text in quotes)'],
    ['stages null', JSON.stringify({ version: 1, profiles: { default: { stages: null } } }), 'profiles.default.stages: expected an object ({…})'],
    ['a time that is none', JSON.stringify({ version: 1, profiles: { default: { key: { storage: 'file', hint: 'sk-proj-…Ab12', savedAt: 'today' } } } }), 'profiles.default.key.savedAt: expected a date and time (2025-01-31T12:00:00.000Z)'],
  ])('a damaged file (%s): reading leaves it as it is and says so once, naming what is wrong; the next change moves it aside and says so', async (_name, content, why) => {
    const dir = await tempDir();
    await writeFile(join(dir, 'state.json'), content);
    const warnings: string[] = [];
    const store = new StateStore(dir, fixedNow, (m) => warnings.push(m));
    expect((await store.read()).profiles).toEqual({});
    expect((await store.read()).profiles).toEqual({});
    expect(warnings).toEqual([`The progress file ${join(dir, 'state.json')} is damaged (${why}), so it is not used; it is left as it is until a command that saves progress moves it aside (to state.json.bak-<time>).`]);
    expect((await store.reading({ quiet: true })).problem).toMatchObject({ kind: 'damaged', why, detail: `The progress file ${join(dir, 'state.json')} is damaged (${why})` });
    // Reading changed nothing: no file moved, no lock made.
    expect(await readdir(dir)).toEqual(['state.json']);
    expect(await readFile(join(dir, 'state.json'), 'utf8')).toBe(content);

    await store.updateProfile('default', (p) => {
      p.stages.login = { doneAt: fixedNow().toISOString() };
    });
    expect(warnings[1]).toBe(`The progress file ${join(dir, 'state.json')} was damaged (${why}); it was moved to ${join(dir, 'state.json.bak-2026-11-24T10-00-00-000Z')} and progress starts afresh.`);
    expect((await readdir(dir)).sort()).toEqual(['state.json', 'state.json.bak-2026-11-24T10-00-00-000Z']);
    expect(await readFile(join(dir, 'state.json.bak-2026-11-24T10-00-00-000Z'), 'utf8')).toBe(content);
  });

  it('what is wrong with a damaged file never shows a value found there: a key in a field, as a profile name, or in a name of the path', async () => {
    const key = `sk-proj-${'Ab1x'.repeat(39)}`;
    const legacy = `sk-${'Qw3e'.repeat(12)}`;
    for (const [state, why] of [
      [{ version: 1, profiles: { default: { key: { storage: key, hint: 'sk-proj-…Ab12', savedAt: fixedNow().toISOString() } } } }, 'profiles.default.key.storage: expected one of "keychain", "file", "env"'],
      [{ version: 1, defaultProfile: key }, 'defaultProfile: use 1–64 letters, digits, "-" or "_", starting with a letter or digit'],
      [{ version: 1, profiles: { [key]: {} } }, 'profiles: a name there is not a profile name (1–64 letters, digits, "-" or "_", starting with a letter or digit)'],
      [{ version: 1, profiles: { [legacy]: { stages: null } } }, /^profiles\.sk-…\w{4}\.stages: expected an object/],
    ] as const) {
      const dir = await tempDir();
      await writeFile(join(dir, 'state.json'), JSON.stringify(state));
      const warnings: string[] = [];
      const problem = (await new StateStore(dir, fixedNow, (m) => warnings.push(m)).reading()).problem!;
      if (typeof why === 'string') expect(problem.why).toBe(why);
      else expect(problem.why).toMatch(why);
      for (const text of [...warnings, problem.message, problem.detail]) {
        expect(text).not.toContain(key.slice(8, 30));
        expect(text).not.toContain(legacy.slice(3, 30));
      }
    }
  });

  it('a damaged file moved aside where its reader shows it (doctor): the notice is held, dropped once shown, said if it was not', async () => {
    for (const shown of [true, false]) {
      const dir = await tempDir();
      await writeFile(join(dir, 'state.json'), '{"version": 1,');
      const warnings: string[] = [];
      const store = new StateStore(dir, fixedNow, (m) => warnings.push(m));
      store.showProblemsElsewhere();
      await store.update(() => {});
      expect(store.movedAsideHere()).toMatch(/state\.json\.bak-2026-11-24T10-00-00-000Z$/);
      expect(warnings).toEqual([]);
      if (shown) store.movedAsideShown();
      store.sayMovedAside();
      store.sayMovedAside();
      expect(warnings).toEqual(shown ? [] : [expect.stringMatching(/was damaged \(.*\); it was moved to .*state\.json\.bak-2026-11-24T10-00-00-000Z/)]);
    }
  });

  describe('a file written by a newer openai-setup (a higher version)', () => {
    const newer = JSON.stringify({
      version: 99,
      defaultProfile: 'work',
      profiles: { work: { stages: { login: { doneAt: '2026-01-01T00:00:00.000Z' } }, somethingNew: { a: 1 } } },
      alsoNew: true,
    });

    it('is never moved aside or changed: reading says so once and uses what this build understands', async () => {
      const dir = await tempDir();
      await writeFile(join(dir, 'state.json'), newer);
      const warnings: string[] = [];
      const store = new StateStore(dir, fixedNow, (m) => warnings.push(m));
      const state = await store.read();
      await store.read();
      expect(state.defaultProfile).toBe('work');
      expect(state.profiles.work?.stages.login?.doneAt).toBe('2026-01-01T00:00:00.000Z');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).not.toContain('\n');
      expect(warnings[0]).toMatch(/state\.json was written by a newer openai-setup \(format 99; this one knows 1\): it is left as it is.* update openai-setup/);
      expect(warnings[0]).not.toMatch(/damaged|moved/);
      expect(await readdir(dir)).toEqual(['state.json']);
      expect(await readFile(join(dir, 'state.json'), 'utf8')).toBe(newer);
    });

    it('a newer format this build cannot read at all is shown as no progress, and still left alone', async () => {
      const dir = await tempDir();
      const unreadable = JSON.stringify({ version: 2, profiles: [{ name: 'default' }] });
      await writeFile(join(dir, 'state.json'), unreadable);
      const warnings: string[] = [];
      expect((await new StateStore(dir, fixedNow, (m) => warnings.push(m)).read()).profiles).toEqual({});
      expect(warnings).toEqual([expect.stringMatching(/written by a newer openai-setup \(format 2;/)]);
      expect(await readFile(join(dir, 'state.json'), 'utf8')).toBe(unreadable);
    });

    it('a change is refused in one line (exit 7) saying to update, and the file stays exactly as it was', async () => {
      const dir = await tempDir();
      await writeFile(join(dir, 'state.json'), newer);
      const store = new StateStore(dir, fixedNow, () => {});
      let error: unknown;
      try {
        await store.updateProfile('work', (p) => void (p.billingChoice = 'prepaid'));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigStoreError);
      expect((error as ConfigStoreError).code).toBe(EXIT.keyStore);
      expect((error as Error).message).not.toContain('\n');
      expect((error as Error).message).toMatch(/^The progress file .*state\.json was written by a newer openai-setup \(format 99; this one knows 1\), so this one leaves it as it is and saves nothing to it; update openai-setup .* and run again\.$/);
      expect(await readdir(dir)).toEqual(['state.json']);
      expect(await readFile(join(dir, 'state.json'), 'utf8')).toBe(newer);
    });

    it('assertChangeable() fails as a change would, changing nothing; a current or damaged file, or none, passes', async () => {
      const dir = await tempDir();
      const store = new StateStore(dir, fixedNow, () => {});
      await store.assertChangeable();
      await writeFile(join(dir, 'state.json'), '{"version": 1, "profiles": ');
      await store.assertChangeable();
      await writeFile(join(dir, 'state.json'), newer);
      await expect(store.assertChangeable()).rejects.toThrow(/written by a newer openai-setup \(format 99; this one knows 1\), so this one leaves it as it is/);
      expect(await readdir(dir)).toEqual(['state.json']);
      expect(await readFile(join(dir, 'state.json'), 'utf8')).toBe(newer);
    });
  });

  it('keeps both writers\' changes and never leaves a half-written file under concurrency', async () => {
    const dir = await tempDir();
    const a = new StateStore(dir, fixedNow, () => {});
    const b = new StateStore(dir, fixedNow, () => {});
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).updateProfile(`p${i}`, (p) => {
          p.billingChoice = 'prepaid';
        }),
      ),
    );
    const text = await readFile(join(dir, 'state.json'), 'utf8');
    expect(() => JSON.parse(text)).not.toThrow();
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('resolveConfigDir', () => {
  it('follows OPENAI_SETUP_CONFIG_DIR, then each platform\'s place', () => {
    expect(resolveConfigDir({ OPENAI_SETUP_CONFIG_DIR: '/x' }, 'linux', '/home/u')).toBe('/x');
    expect(resolveConfigDir({ XDG_CONFIG_HOME: '/xdg' }, 'linux', '/home/u')).toBe('/xdg/openai-setup');
    expect(resolveConfigDir({}, 'linux', '/home/u')).toBe('/home/u/.config/openai-setup');
    expect(resolveConfigDir({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Application Support/openai-setup');
    expect(resolveConfigDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32', 'C:\\Users\\u')).toMatch(/Roaming.openai-setup$/);
  });

  it('ignores a relative XDG_CONFIG_HOME (invalid, says the XDG spec) rather than use the current dir', () => {
    for (const relative of ['cfg', './cfg', '../cfg', '~/cfg']) {
      expect(resolveConfigDir({ XDG_CONFIG_HOME: relative }, 'linux', '/home/u')).toBe('/home/u/.config/openai-setup');
    }
    expect(resolveConfigDir({ APPDATA: 'Roaming' }, 'win32', 'C:\\Users\\u')).toMatch(/^C:\\Users\\u.AppData.Roaming.openai-setup$/);
  });

  it('refuses a relative HOME where the files would go under it (the current dir), says what to set', () => {
    for (const home of ['home', './home', '']) {
      expect(() => resolveConfigDir({}, 'linux', home)).toThrow(/^HOME is not an absolute path \(got ".*"\): openai-setup keeps its files under it\. Set HOME to your home directory, or OPENAI_SETUP_CONFIG_DIR to an absolute path\.$/);
    }
    expect(() => resolveConfigDir({}, 'darwin', 'home')).toThrow(/HOME is not an absolute path/);
    // Where HOME is not used, it does not matter.
    expect(resolveConfigDir({ XDG_CONFIG_HOME: '/xdg' }, 'linux', 'home')).toBe('/xdg/openai-setup');
    expect(resolveConfigDir({ OPENAI_SETUP_CONFIG_DIR: '/x' }, 'linux', 'home')).toBe('/x');
    expect(() => resolveConfigDir({ XDG_CONFIG_HOME: 'rel' }, 'linux', 'home')).toThrow(/HOME is not an absolute path/);
  });

  it('asks for the home directory only where the dir is under it; none to be had is a usage error naming HOME', () => {
    // What Node's homedir() throws with HOME unset and no passwd entry for the user.
    const noHome = () => {
      throw Object.assign(new Error('A system error occurred: uv_os_homedir returned ENOENT (no such file or directory)'), { code: 'ERR_SYSTEM_ERROR', info: { code: 'ENOENT', errno: -2, syscall: 'uv_os_homedir' } });
    };
    expect(resolveConfigDir({ OPENAI_SETUP_CONFIG_DIR: '/x' }, 'linux', noHome)).toBe('/x');
    expect(resolveConfigDir({ XDG_CONFIG_HOME: '/xdg' }, 'linux', noHome)).toBe('/xdg/openai-setup');
    const set = 'Set HOME to your home directory, or OPENAI_SETUP_CONFIG_DIR to an absolute path.';
    for (const platform of ['linux', 'darwin'] as const) {
      expect(() => resolveConfigDir({}, platform, noHome)).toThrow(`HOME is not set, and the system knows no home directory for this user (ENOENT): openai-setup keeps its files under it. ${set}`);
    }
    // A HOME longer than the system's path limit: Node's own error, ENOBUFS.
    const saved = process.env.HOME;
    process.env.HOME = `/${'h'.repeat(5000)}`;
    try {
      expect(() => resolveConfigDir({ HOME: process.env.HOME }, 'linux', homedir)).toThrow(`HOME cannot be used (it is too long): openai-setup keeps its files under it. ${set}`);
    } finally {
      process.env.HOME = saved;
    }
    // Not a system error: a bug, thrown as it is.
    expect(() =>
      resolveConfigDir({}, 'linux', () => {
        throw new TypeError('bug');
      }),
    ).toThrow(TypeError);
  });

  it.each([
    ['relative', 'cfg', /^OPENAI_SETUP_CONFIG_DIR: must be an absolute path .*\(got "cfg"\)\.$/],
    ['relative with ./', './x/y', /must be an absolute path .*\(got "\.\/x\/y"\)/],
    ['blank', '   ', /must be an absolute path/],
    ['an escape sequence', '/tmp/\x1b[31mRED', /^OPENAI_SETUP_CONFIG_DIR: must not contain line breaks or other control characters \(got "\/tmp\/\\x1b\[31mRED"\)\.$/],
    ['a line break', '/tmp/a\nb', /must not contain line breaks or other control characters \(got "\/tmp\/a\\x0ab"\)/],
    ['a relative path with a line break', 'a\nb', /must not contain line breaks/],
    ['a C1 control', '/tmp/a\u009bb', /must not contain line breaks/],
    ['a zero-width space', '/tmp/a\u200bb', /must not contain line breaks or other control characters \(got "\/tmp\/a\\u200bb"\)/],
    ['a bidi override', '/tmp/a\u202eb', /must not contain line breaks/],
  ])('OPENAI_SETUP_CONFIG_DIR %s is a usage error naming it, the value shown escaped', (_name, value, pattern) => {
    let error: unknown;
    try {
      resolveConfigDir({ OPENAI_SETUP_CONFIG_DIR: value }, 'linux', '/home/u');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe(EXIT.usage);
    expect((error as Error).message).not.toContain('\n');
    expect((error as Error).message).not.toContain('\x1b');
    expect((error as Error).message).toMatch(pattern);
  });

  it('an absolute OPENAI_SETUP_CONFIG_DIR, or an empty one (unset), is fine', () => {
    expect(resolveConfigDir({ OPENAI_SETUP_CONFIG_DIR: '/home/u/my config' }, 'linux', '/home/u')).toBe('/home/u/my config');
    expect(resolveConfigDir({ OPENAI_SETUP_CONFIG_DIR: '' }, 'linux', '/home/u')).toBe('/home/u/.config/openai-setup');
    expect(() => parseEnv({})).not.toThrow();
  });

  it('a bad OPENAI_SETUP_CONFIG_DIR is not a bad environment for the commands that never use the config dir (parseEnv leaves it to resolveConfigDir)', () => {
    expect(() => parseEnv({ OPENAI_SETUP_CONFIG_DIR: 'rel' })).not.toThrow();
    expect(() => parseEnv({ OPENAI_SETUP_CONFIG_DIR: '/tmp/a\nb' })).not.toThrow();
  });
});

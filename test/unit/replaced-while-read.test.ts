// A config file that another run replaces (temp file + rename) while this one reads it: read
// again, so that this run sees the old file or the new one, never neither. And when the progress
// file still cannot be read, the commands that hand out a key (token, run, env) end the run rather
// than hand out the "default" profile's key in place of the one chosen with `use`.
// The other run is simulated exactly where it matters: its rename lands between this run's look
// at the file (stat) and its opening, through the real file code (node:fs/promises' open wrapped).
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run as env } from '../../src/commands/env.js';
import { run as runCommand } from '../../src/commands/run.js';
import { run as status } from '../../src/commands/status.js';
import { run as token } from '../../src/commands/token.js';
import { EXIT } from '../../src/errors.js';
import { ConfigStoreError, readPrivateFile, writePrivateFile } from '../../src/storage/private-file.js';
import { makeTestContext, outcomeOf, testKey, type TestContext } from '../helpers/context.js';

const hook = vi.hoisted(() => ({
  /** Called with the path before every open() of the product's code; null: nothing happens. */
  beforeOpen: null as ((path: string) => Promise<void>) | null,
  opens: [] as string[],
}));

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const open: typeof fs.open = async (path, ...rest) => {
    hook.opens.push(String(path));
    await hook.beforeOpen?.(String(path));
    return fs.open(path, ...rest);
  };
  return { ...fs, open, default: { ...fs, open } };
});

const DEFAULT_KEY = testKey('D');
const P1_KEY = testKey('P');

let t: TestContext;
afterEach(async () => {
  hook.beforeOpen = null;
  hook.opens.length = 0;
  await t?.cleanup();
});

/** Another run's atomic rewrite of `path` (temp file + rename) each time it is about to be opened, `times` times. */
function replaceBeforeOpen(path: string, content: () => string, times = Infinity): { replaced: number } {
  const done = { replaced: 0 };
  hook.beforeOpen = async (opened) => {
    if (opened !== path || done.replaced >= times) return;
    done.replaced++;
    await writePrivateFile(path, content());
  };
  return done;
}

/** Keys stored for "default" and "p1"; p1 made the default with `use` (state.json says so). */
async function twoProfiles(): Promise<{ statePath: string; stateText: () => string }> {
  t = makeTestContext({ stdoutIsTTY: false, interactive: false, keychain: { default: DEFAULT_KEY, p1: P1_KEY } });
  await t.ctx.state.update((s) => {
    s.defaultProfile = 'p1';
  });
  const statePath = join(t.configDir, 'state.json');
  // What `use p1` run again by another process writes: the same choice, in a new file.
  return { statePath, stateText: () => `${JSON.stringify({ version: 1, defaultProfile: 'p1', profiles: {} }, null, 2)}\n` };
}

describe('readPrivateFile: a file replaced between the look at it and its opening', () => {
  function dirWith(content: string): string {
    t = makeTestContext();
    mkdirSync(t.configDir, { mode: 0o700 });
    const path = join(t.configDir, 'state.json');
    writeFileSync(path, content, { mode: 0o600 });
    return path;
  }

  it('once: the new file is read, whole', async () => {
    const path = dirWith('{"old":true}');
    const other = replaceBeforeOpen(path, () => '{"new":true}', 1);
    expect(await readPrivateFile(path)).toBe('{"new":true}');
    expect(other.replaced).toBe(1);
    expect(hook.opens.filter((p) => p === path)).toHaveLength(2);
  });

  it('removed meanwhile: as if it had never been there', async () => {
    const path = dirWith('{"old":true}');
    hook.beforeOpen = async (opened) => {
      if (opened === path) rmSync(path);
    };
    expect(await readPrivateFile(path)).toBeNull();
  });

  it('replaced at every attempt: a few attempts, then one line saying to run again (exit 7)', async () => {
    const path = dirWith('{"old":true}');
    let n = 0;
    replaceBeforeOpen(path, () => `{"n":${n++}}`);
    const error = await readPrivateFile(path).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigStoreError);
    expect((error as ConfigStoreError).code).toBe(EXIT.keyStore);
    expect((error as Error).message).toBe(`${path} changed while it was being read (5 times in a row); run again.`);
    expect(hook.opens.filter((p) => p === path)).toHaveLength(5);
  });
});

describe('a profile chosen with `use`, while another run rewrites state.json', () => {
  it('token prints the chosen profile\'s key, and says nothing about the progress file', async () => {
    const { statePath, stateText } = await twoProfiles();
    const other = replaceBeforeOpen(statePath, stateText, 1);
    expect(await token(t.ctx, { yes: false })).toBe(0);
    expect(other.replaced).toBe(1);
    expect(t.stdout).toBe(`${P1_KEY}\n`);
    expect(t.stderr).toBe('');
  });

  describe('state.json that keeps changing (it cannot be read): no key is handed out', () => {
    const refusal = (statePath: string) => ({
      code: EXIT.keyStore,
      message: `${statePath} changed while it was being read (5 times in a row); run again.`,
      hints: [
        'It records the profile chosen with `openai-setup use`, so no key is handed out without it: that could be another profile\'s key.',
        'To go on, name the profile: --profile NAME (or OPENAI_SETUP_PROFILE=NAME).',
      ],
    });

    it('token: exit 7 naming the file, nothing on stdout', async () => {
      const { statePath, stateText } = await twoProfiles();
      replaceBeforeOpen(statePath, stateText);
      expect(await outcomeOf(token(t.ctx, { yes: false }))).toEqual(refusal(statePath));
      expect(t.stdout).toBe('');
      expect(t.stderr).toBe('');
    });

    it('run and env: the same, before anything is started or written', async () => {
      const { statePath, stateText } = await twoProfiles();
      replaceBeforeOpen(statePath, stateText);
      const leaked = join(t.cwd, 'leaked');
      expect(await outcomeOf(runCommand(t.ctx, { command: ['sh', '-c', `echo "$OPENAI_API_KEY" > '${leaked}'`] }))).toEqual(refusal(statePath));
      expect(await outcomeOf(env(t.ctx, { force: true, gitignore: false }))).toEqual(refusal(statePath));
      expect(t.stdout).toBe('');
      expect(readdirSync(t.cwd)).toEqual([]);
    });

    it('--profile or OPENAI_SETUP_PROFILE names the profile: the progress file is not needed', async () => {
      const { statePath, stateText } = await twoProfiles();
      replaceBeforeOpen(statePath, stateText);
      expect(await token(t.ctx, { profile: 'p1', yes: false })).toBe(0);
      expect(t.stdout).toBe(`${P1_KEY}\n`);
      const fromEnv = makeTestContext({ stdoutIsTTY: false, interactive: false, env: { OPENAI_SETUP_PROFILE: 'p1' }, keychain: { p1: P1_KEY } });
      try {
        expect(await token(fromEnv.ctx, { yes: false })).toBe(0);
        expect(fromEnv.stdout).toBe(`${P1_KEY}\n`);
      } finally {
        await fromEnv.cleanup();
      }
    });

    it('a command that hands out no key (status) goes on without the progress, saying why', async () => {
      const { statePath, stateText } = await twoProfiles();
      replaceBeforeOpen(statePath, stateText);
      expect(await status(t.ctx, { json: false })).toBe(0);
      expect(t.stderr).toContain(`! Saved progress is not used: ${statePath} changed while it was being read (5 times in a row); run again.`);
    });
  });
});

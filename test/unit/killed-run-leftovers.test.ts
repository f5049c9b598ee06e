// What runs killed mid-write leave, and what finds it. `env --file` records the file it writes
// (the progress file's pendingEnvFiles, with its pid) before the key's first write, and drops that
// once it ends: a run killed meanwhile leaves a temp file holding the key next to a file nothing
// else names (a new one), which status, doctor and import then name and logout removes. A temp
// file of the progress file a killed run left is removed by the next write of it (its writer
// gone). credentials.json behind a link: its temp files are next to the file the link leads to.
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DoctorJsonSchema, run as doctor } from '../../src/commands/doctor.js';
import { run as env } from '../../src/commands/env.js';
import { defaultDeps, runImport } from '../../src/commands/import.js';
import { run as logout } from '../../src/commands/logout.js';
import { run as status, StatusJsonSchema } from '../../src/commands/status.js';
import { checkResult, makeTestContext, outcomeOf, testKey, type TestContext } from '../helpers/context.js';

// The progress file as it is at the moment a temp file of prod.env is linked or renamed into place
// (the key is in it by then); `fail` makes that link fail as a full disk would.
const at = vi.hoisted(() => ({ statePath: '', seen: [] as Array<unknown>, fail: false }));
vi.mock('node:fs/promises', async (original) => {
  const fs = await original<typeof import('node:fs/promises')>();
  const look = async (from: unknown) => {
    if (!/\/prod\.env\.openai-setup\.\d+\.[a-z0-9]+\.tmp$/.test(String(from))) return;
    at.seen.push(JSON.parse(await fs.readFile(at.statePath, 'utf8')).pendingEnvFiles);
    if (at.fail) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
  };
  const rename: typeof fs.rename = async (from, to) => {
    await look(from);
    return fs.rename(from, to);
  };
  const link: typeof fs.link = async (from, to) => {
    await look(from);
    return fs.link(from, to);
  };
  return { ...fs, rename, link, default: { ...fs, rename, link } };
});

const KEY = testKey('K');
/** No process has this pid: above Linux's highest (pid_max is at most 2^22). */
const DEAD = 4_194_305;

let t: TestContext;
afterEach(async () => {
  at.seen.length = 0;
  at.fail = false;
  await t?.cleanup();
});

function context(): TestContext {
  t = makeTestContext({ stdoutIsTTY: false, interactive: false, keychain: { default: KEY } });
  at.statePath = join(t.configDir, 'state.json');
  return t;
}

const stateFile = () => JSON.parse(readFileSync(join(t.configDir, 'state.json'), 'utf8')) as { pendingEnvFiles?: unknown; profiles: Record<string, { envFiles?: string[] }> };

/** config/prod.env of the project (its directory made), the file the reviewer's run wrote. */
function prodEnv(): string {
  mkdirSync(join(t.cwd, 'config'));
  return join(t.cwd, 'config', 'prod.env');
}

/**
 * What `env --file config/prod.env` killed while linking its new file into place leaves: the temp
 * file holding the key (its pid in its name), no prod.env, and its record of the file it was writing.
 */
async function killedWhileCreating(file: string): Promise<string> {
  await t.ctx.state.update((state) => {
    state.pendingEnvFiles = [{ path: file, pid: DEAD }];
  });
  const temp = `${file}.openai-setup.${DEAD}.m1abc2def.tmp`;
  writeFileSync(temp, `OPENAI_API_KEY=${KEY}\n`, { mode: 0o600 });
  return temp;
}

describe.skipIf(process.platform === 'win32')('env --file: the file it is writing, recorded before the key is', () => {
  it('a new file: in the progress file (with this run) while its temp file holds the key; once written, recorded as asked for instead', async () => {
    context();
    const file = prodEnv();
    expect(await env(t.ctx, { file: 'config/prod.env', force: true, gitignore: false })).toBe(0);
    expect(at.seen).toEqual([[{ path: file, pid: process.pid }]]);
    const after = stateFile();
    expect(after.pendingEnvFiles).toBeUndefined();
    expect(after.profiles.default?.envFiles).toEqual([file]);
  });

  it('an existing file too; and a write that fails leaves no record of it', async () => {
    context();
    const file = prodEnv();
    writeFileSync(file, 'DEBUG=1\n');
    at.fail = true;
    const failed = await outcomeOf(env(t.ctx, { file: 'config/prod.env', force: true, gitignore: false }));
    expect(failed.code).toBe(2);
    expect(at.seen).toEqual([[{ path: file, pid: process.pid }]]);
    expect(stateFile().pendingEnvFiles).toBeUndefined();
    expect(stateFile().profiles.default?.envFiles).toBeUndefined();
    expect(readdirSync(join(t.cwd, 'config'))).toEqual(['prod.env']);
  });

  it("a dead run's record with nothing left next to it is dropped by the next env; one with a temp file left stays until that is removed", async () => {
    context();
    const file = prodEnv();
    const other = join(t.cwd, 'other.env');
    await t.ctx.state.update((state) => {
      state.pendingEnvFiles = [
        { path: other, pid: DEAD },
        { path: join(t.cwd, 'gone.env'), pid: DEAD },
      ];
    });
    const left = `${other}.openai-setup.${DEAD}.m1abc2def.tmp`;
    writeFileSync(left, `OPENAI_API_KEY=${KEY}\n`, { mode: 0o600 });
    expect(await env(t.ctx, { file: 'config/prod.env', force: true, gitignore: false })).toBe(0);
    expect(at.seen).toEqual([
      [
        { path: other, pid: DEAD },
        { path: file, pid: process.pid },
      ],
    ]);
    expect(stateFile().pendingEnvFiles).toEqual([{ path: other, pid: DEAD }]);
  });
});

describe.skipIf(process.platform === 'win32')('a temp file of a new file `env --file` was killed while creating', () => {
  it('status names it (and --json lists it), never what is in it', async () => {
    context();
    const temp = await killedWhileCreating(prodEnv());
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.stdout).toContain(`! A temporary file of ${join(t.cwd, 'config', 'prod.env')}, left by an interrupted run, may hold a key in plain text: ${temp} — Remove it: rm '${temp}'\n`);
    expect(t.stdout + t.stderr).not.toContain(KEY);
    const json = await outcomeOf(status(t.ctx, { json: true }));
    expect(json.code).toBe(0);
    expect(StatusJsonSchema.parse(JSON.parse(t.stdout.slice(t.stdout.indexOf('{')))).leftovers).toEqual([temp]);
  });

  it('doctor and import name it', async () => {
    context();
    const temp = await killedWhileCreating(prodEnv());
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 42 }).answerEveryCheck(() => checkResult('valid'));
    await doctor(t.ctx, { json: true });
    const leftovers = DoctorJsonSchema.parse(JSON.parse(t.stdout)).checks.find((c) => c.id === 'leftovers');
    expect(leftovers?.detail).toContain(`may hold a key in plain text: ${temp}`);
    expect(await runImport(t.ctx, { check: false, json: false, rewrite: false, yes: true }, defaultDeps())).toBe(0);
    expect(t.stderr).toContain(`may hold a key in plain text: ${temp} — Remove it: rm '${temp}'\n`);
    expect(t.stdout + t.stderr).not.toContain(KEY);
  });

  it('logout removes it with the key, and says so', async () => {
    context();
    const temp = await killedWhileCreating(prodEnv());
    expect(await logout(t.ctx, { yes: true })).toBe(0);
    expect(existsSync(temp)).toBe(false);
    expect(t.stdout).toContain(`✔ Removed a temporary file left by an interrupted run: ${temp}\n`);
    expect(t.keychain.accounts()).toEqual([]);
  });

  it("a live run's is neither named nor removed (it is being written)", async () => {
    context();
    const file = prodEnv();
    await t.ctx.state.update((state) => {
      state.pendingEnvFiles = [{ path: file, pid: process.pid }];
    });
    const live = `${file}.openai-setup.${process.pid}.m1abc2def.tmp`;
    writeFileSync(live, `OPENAI_API_KEY=${KEY}\n`, { mode: 0o600 });
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(await logout(t.ctx, { yes: true })).toBe(0);
    expect(t.stdout).not.toContain('temporary file');
    expect(existsSync(live)).toBe(true);
  });
});

describe('a temp file of the progress file a killed run left', () => {
  it('is removed by the next run that writes the progress file; a live run’s stays', async () => {
    context();
    mkdirSync(t.configDir, { mode: 0o700 });
    const dead = join(t.configDir, `state.json.${DEAD}.m1abc2def.tmp`);
    const live = join(t.configDir, `state.json.${process.pid}.m1abc2xyz.tmp`);
    for (const path of [dead, live]) writeFileSync(path, '{}', { mode: 0o600 });
    await t.ctx.state.updateProfile('default', (p) => {
      p.billingChoice = 'prepaid';
    });
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
  });
});

describe.skipIf(process.platform === 'win32')('a temp file of credentials.json behind a link', () => {
  /** credentials.json a link to a file elsewhere, and the temp file a run killed while writing it left there. */
  function linkedAndLeft(): string {
    mkdirSync(t.configDir, { mode: 0o700 });
    const elsewhere = join(t.cwd, 'synced');
    mkdirSync(elsewhere, { mode: 0o700 });
    const real = join(elsewhere, 'keys.json');
    writeFileSync(real, `{"version":1,"keys":{"other":"${testKey('O')}"}}\n`, { mode: 0o600 });
    symlinkSync(real, join(t.configDir, 'credentials.json'));
    const temp = join(elsewhere, `${basename(real)}.${DEAD}.m1abc2def.tmp`);
    writeFileSync(temp, `{"version":1,"keys":{"default":"${KEY}"}}\n`, { mode: 0o600 });
    return temp;
  }

  it('status names it', async () => {
    context();
    const temp = linkedAndLeft();
    expect(await status(t.ctx, { json: false })).toBe(0);
    expect(t.stdout).toContain(`may hold a key in plain text: ${temp} — Remove it: rm '${temp}'\n`);
  });

  it('logout removes it, and says so', async () => {
    context();
    const temp = linkedAndLeft();
    expect(await logout(t.ctx, { yes: true })).toBe(0);
    expect(existsSync(temp)).toBe(false);
    expect(t.stdout).toContain(`✔ Removed a temporary file left by an interrupted run: ${temp}\n`);
  });
});

// A run of `env --file` that left before it ended its record: stopped by a signal once the file
// was written (SIGTERM while the temp file was being renamed: it finishes the write, then leaves,
// exit 143), or killed. Its record names no run and, once nothing is left next to the file, no
// temp file either: dropped by the next write of the progress file and by logout, never one of a
// live run or one whose temp file is still there.
describe.skipIf(process.platform === 'win32')("the record of a file a run that is gone was writing", () => {
  it('is dropped by the next write of the progress file once nothing is left next to the file; a live run’s and one with a temp file left stay', async () => {
    context();
    const written = prodEnv();
    writeFileSync(written, `OPENAI_API_KEY=${KEY}\n`, { mode: 0o600 });
    const left = join(t.cwd, 'left.env');
    const live = join(t.cwd, 'live.env');
    await t.ctx.state.update((state) => {
      state.pendingEnvFiles = [
        { path: written, pid: DEAD },
        { path: left, pid: DEAD },
        { path: live, pid: process.pid },
      ];
    });
    writeFileSync(`${left}.openai-setup.${DEAD}.m1abc2def.tmp`, `OPENAI_API_KEY=${KEY}\n`, { mode: 0o600 });
    await t.ctx.state.updateProfile('default', (p) => {
      p.billingChoice = 'prepaid';
    });
    expect(stateFile().pendingEnvFiles).toEqual([
      { path: left, pid: DEAD },
      { path: live, pid: process.pid },
    ]);
  });

  it('the last one dropped: no list left', async () => {
    context();
    const written = prodEnv();
    writeFileSync(written, `OPENAI_API_KEY=${KEY}\n`, { mode: 0o600 });
    await t.ctx.state.update((state) => {
      state.pendingEnvFiles = [{ path: written, pid: DEAD }];
    });
    await t.ctx.state.updateProfile('default', (p) => {
      p.billingChoice = 'prepaid';
    });
    expect(stateFile()).not.toHaveProperty('pendingEnvFiles');
  });

  it('logout, with no key stored (it writes no record of a key), removes the temp file a killed run left and drops its record', async () => {
    t = makeTestContext({ stdoutIsTTY: false, interactive: false });
    at.statePath = join(t.configDir, 'state.json');
    const file = prodEnv();
    const temp = await killedWhileCreating(file);
    const written = join(t.cwd, 'written.env');
    await t.ctx.state.update((state) => {
      state.pendingEnvFiles = [...(state.pendingEnvFiles ?? []), { path: written, pid: DEAD }];
    });
    expect(await logout(t.ctx, { yes: true })).toBe(0);
    expect(existsSync(temp)).toBe(false);
    expect(t.stdout).toContain(`✔ Removed a temporary file left by an interrupted run: ${temp}\n`);
    expect(stateFile()).not.toHaveProperty('pendingEnvFiles');
  });

  it("logout leaves a live run's record, and its temp file", async () => {
    t = makeTestContext({ stdoutIsTTY: false, interactive: false });
    at.statePath = join(t.configDir, 'state.json');
    const file = prodEnv();
    await t.ctx.state.update((state) => {
      state.pendingEnvFiles = [{ path: file, pid: process.pid }];
    });
    const live = `${file}.openai-setup.${process.pid}.m1abc2def.tmp`;
    writeFileSync(live, `OPENAI_API_KEY=${KEY}\n`, { mode: 0o600 });
    expect(await logout(t.ctx, { yes: true })).toBe(0);
    expect(existsSync(live)).toBe(true);
    expect(stateFile().pendingEnvFiles).toEqual([{ path: file, pid: process.pid }]);
  });
});

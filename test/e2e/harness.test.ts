/**
 * Tests of the end-to-end harness helpers themselves (they do not need the product to build).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, REPO_ROOT, makeTestEnv, stripAnsi, type TestEnv } from '../helpers/env.js';
import { startPrivateKeyring, type PrivateKeyring } from '../helpers/keyring.js';
import { spawnCli, spawnCommand, type PtySession } from '../helpers/pty.js';
import { runCli, runCommand } from '../helpers/run.js';

const execFileP = promisify(execFile);

// Cleanups registered by each test, run even when the test fails.
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});
async function testEnv(extra?: Record<string, string | undefined>): Promise<TestEnv> {
  const t = await makeTestEnv(extra);
  cleanups.push(() => t.cleanup());
  return t;
}
function pty(script: string, env: Record<string, string>, opts: { cols?: number; rows?: number } = {}): PtySession {
  const s = spawnCommand(process.execPath, ['-e', script], { env, ...opts });
  cleanups.push(() => s.kill());
  return s;
}

describe('env', () => {
  it('CLI points at bin/openai-setup.cjs', () => {
    expect(CLI).toBe(join(REPO_ROOT, 'bin', 'openai-setup.cjs'));
    expect(existsSync(CLI)).toBe(true);
  });

  it('gives a scrubbed environment', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      OPENAI_API_KEY: 'sk-parent',
      OPENAI_ORG_ID: 'org-parent',
      DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent',
      NO_COLOR: '1',
    });
    let t: TestEnv;
    try {
      t = await testEnv();
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
    const { env } = t;
    expect(Object.keys(env).sort()).toEqual(
      ['BROWSER', 'HOME', 'LANG', 'OPENAI_SETUP_CONFIG_DIR', 'PATH', 'TERM', 'XDG_CONFIG_HOME'].sort(),
    );
    expect(env.HOME).toBe(t.home);
    expect(env.OPENAI_SETUP_CONFIG_DIR).toBe(t.configDir);
    expect(env.XDG_CONFIG_HOME?.startsWith(t.root)).toBe(true);
    expect(env.TERM).toBe('xterm-256color');
    expect(env.LANG).toBe('C.UTF-8');
    expect(existsSync(t.home)).toBe(true);
    expect(t.home).not.toBe(saved.HOME);

    // and the child really sees only that
    const r = await runCommand(process.execPath, ['-e', 'console.log(JSON.stringify(process.env))'], { env });
    const seen = JSON.parse(r.stdout) as Record<string, string>;
    expect(seen.CI).toBeUndefined();
    expect(seen.GITHUB_ACTIONS).toBeUndefined();
    expect(Object.keys(seen).filter((k) => k.startsWith('OPENAI_') && k !== 'OPENAI_SETUP_CONFIG_DIR')).toEqual([]);
    expect(seen.DBUS_SESSION_BUS_ADDRESS).toBeUndefined();
  });

  it('merges extra last; undefined deletes', async () => {
    const t = await testEnv({ OPENAI_API_KEY: 'sk-test', TERM: 'dumb', BROWSER: undefined });
    expect(t.env.OPENAI_API_KEY).toBe('sk-test');
    expect(t.env.TERM).toBe('dumb');
    expect('BROWSER' in t.env).toBe(false);
  });

  it('BROWSER script records URLs', async () => {
    const t = await testEnv();
    expect(t.browser.urls()).toEqual([]);
    const a = 'https://platform.openai.com/settings/organization/billing/overview?a=1&b=two%20words';
    const b = "https://example.com/it's";
    await execFileP(t.env.BROWSER!, [a], { env: t.env });
    await execFileP('sh', ['-c', '"$BROWSER" "$1"', 'sh', b], { env: t.env });
    expect(t.browser.urls()).toEqual([a, b]);
  });

  it('browser.waitForUrls polls for an opener that runs in the background', async () => {
    const t = await testEnv();
    await execFileP('sh', ['-c', '(sleep 0.2; "$BROWSER" https://late.test/) >/dev/null 2>&1 &'], { env: t.env });
    expect(t.browser.urls()).toEqual([]);
    expect(await t.browser.waitForUrls(1, 3_000)).toEqual(['https://late.test/']);
    await expect(t.browser.waitForUrls(2, 100)).rejects.toThrow(/called 1 time/);
  });

  it('cleanup removes the temp dirs', async () => {
    const t = await makeTestEnv();
    await t.cleanup();
    expect(existsSync(t.root)).toBe(false);
  });

  it('stripAnsi removes colours, cursor movement, OSC and \\r', () => {
    expect(stripAnsi('\x1b[1m\x1b[32m✔\x1b[39m\x1b[22m Done\r\n')).toBe('✔ Done\n');
    expect(stripAnsi('\x1b[?25l\x1b[2K\x1b[1A\x1b[G? Name\x1b[?25h')).toBe('? Name');
    expect(stripAnsi('\x1b]8;;https://x.test\x07link\x1b]8;;\x07')).toBe('link');
    expect(stripAnsi('\x1b]8;;https://x.test\x1b\\link\x1b]8;;\x1b\\')).toBe('link');
    expect(stripAnsi('\x1b]0;title\x07text\x1b(B\x1b7\x1b8\x1b=')).toBe('text');
    expect(stripAnsi('plain [brackets] stay')).toBe('plain [brackets] stay');
    expect(stripAnsi('a\x1b[1;32mb\x1b[0m\x1bPq#0\x1b\\c')).toBe('abc');
    expect(stripAnsi('cut off\x1b[')).toBe('cut off');
  });
});

describe('run (pipes)', () => {
  it('writes input, closes stdin, captures stdout/stderr and the exit code', async () => {
    const t = await testEnv();
    const script = `
      let s = ''; process.stdin.setEncoding('utf8');
      process.stdin.on('data', d => s += d);
      process.stdin.on('end', () => { console.log('got:' + s.trim() + ' tty:' + !!process.stdin.isTTY + ' cwd:' + process.cwd()); console.error('to stderr'); process.exit(5); });`;
    const r = await runCommand(process.execPath, ['-e', script], { env: t.env, input: 'hello\n' });
    expect(r).toMatchObject({ code: 5, signal: null, timedOut: false });
    expect(r.stdout).toBe(`got:hello tty:false cwd:${t.home}\n`);
    expect(r.stderr).toBe('to stderr\n');
    expect(r.durationMs).toBeGreaterThan(0);
  });

  it('closes stdin immediately when there is no input', async () => {
    const t = await testEnv();
    const r = await runCommand(process.execPath, ['-e', `process.stdin.resume(); process.stdin.on('end', () => console.log('eof'))`], {
      env: t.env,
      timeoutMs: 5_000,
    });
    expect(r).toMatchObject({ code: 0, stdout: 'eof\n', timedOut: false });
  });

  it('SIGKILLs after timeoutMs and never rejects', async () => {
    const t = await testEnv();
    const r = await runCommand(process.execPath, ['-e', 'console.log("started"); setInterval(() => {}, 1000)'], {
      env: t.env,
      timeoutMs: 500,
    });
    expect(r).toMatchObject({ code: null, signal: 'SIGKILL', timedOut: true, stdout: 'started\n' });
    expect(r.durationMs).toBeGreaterThanOrEqual(450);
    const missing = await runCommand('/nonexistent/program', [], { env: t.env });
    expect(missing.code).toBeNull();
    expect(missing.stderr).toMatch(/ENOENT/);
  });

  it('runCli runs the built binary (smoke)', async () => {
    const t = await testEnv();
    const r = await runCli(['--help'], { env: t.env });
    expect(r.timedOut).toBe(false);
    expect(typeof r.code).toBe('number');
    expect(r.stderr).not.toMatch(/Cannot find module|ERR_MODULE_NOT_FOUND/);
  });

  it('spawnCli runs the built binary in a pty (smoke)', async () => {
    const t = await testEnv();
    const s = spawnCli(['--help'], { env: t.env });
    cleanups.push(() => s.kill());
    const { exitCode } = await s.exited;
    expect(typeof exitCode).toBe('number');
    expect(s.output()).not.toMatch(/Cannot find module|ERR_MODULE_NOT_FOUND/);
    expect(s.output().length).toBeGreaterThan(0);
  });
});

describe('pty', () => {
  const ASK = `
    const readline = require('node:readline');
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
    console.log('tty:' + process.stdin.isTTY + ' size:' + process.stdout.columns + 'x' + process.stdout.rows);
    rl.question('\\x1b[1mName?\\x1b[22m ', (a) => {
      console.log('Hello, ' + a + '!');
      rl.question('Name? ', (b) => {
        console.log('Hello again, ' + b + '!');
        rl.close();
        process.exitCode = 3;
      });
    });`;

  it('waitFor / type / press / exit code, with a cursor so repeated prompts work', async () => {
    const t = await testEnv();
    const s = pty(ASK, t.env);
    await s.waitFor('tty:true size:100x40');
    await s.waitFor('Name?');
    s.type('Bobx');
    s.press('backspace');
    s.press('enter');
    await s.waitFor('Hello, Bob!');
    // The first "Name?" is before the cursor, so this waits for the second prompt.
    await s.waitFor(/Name\?/);
    s.type('Alice');
    s.press('enter');
    await s.waitFor('Hello again, Alice!');
    expect(await s.exited).toEqual({ exitCode: 3 });
    expect(s.output()).not.toContain('\x1b');
    expect(s.output()).not.toContain('\r');
    expect(s.rawOutput()).toContain('\x1b[1m');
    // explicit `from` searches earlier output again
    await s.waitFor('Hello, Bob!', 1000, 0);
  });

  it('escape sequences split across writes never show up as text', async () => {
    const t = await testEnv();
    const s = pty(
      `const w = (x) => new Promise(r => process.stdout.write(x, () => setTimeout(r, 60)));
       (async () => { await w('A\\x1b['); await w('1;32mB\\x1b]8;;https://x.test'); await w('\\x07C\\x1b]8;;\\x07'); await w('\\x1b'); await w('[0mD\\n'); })()`,
      t.env,
    );
    const seen: string[] = [];
    const poll = setInterval(() => seen.push(s.output()), 5);
    await s.waitFor('ABCD');
    await s.exited;
    clearInterval(poll);
    expect(s.output()).toBe('ABCD\n');
    for (const o of seen) expect('ABCD\n'.startsWith(o), JSON.stringify(o)).toBe(true);
  });

  it('honours cols/rows', async () => {
    const t = await testEnv();
    const s = pty(`console.log('size:' + process.stdout.columns + 'x' + process.stdout.rows)`, t.env, { cols: 60, rows: 20 });
    await s.waitFor('size:60x20');
    expect((await s.exited).exitCode).toBe(0);
  });

  it('waitFor times out with the tail of the screen', async () => {
    const t = await testEnv();
    const s = pty(`console.log('some screen text'); setInterval(() => {}, 1000)`, t.env);
    await s.waitFor('some screen');
    await expect(s.waitFor('never printed', 300)).rejects.toThrow(/timed out after 300 ms[\s\S]*some screen⟦cursor⟧ text/);
    s.kill();
    expect((await s.exited).signal).toBe(9);
  });

  it('waitFor fails soon after the process exits without printing the text', async () => {
    const t = await testEnv();
    const s = pty(`console.log('bye'); process.exit(7)`, t.env);
    const started = Date.now();
    await expect(s.waitFor('never printed', 10_000)).rejects.toThrow(/exited \(code 7\)[\s\S]*bye/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('exited resolves even when nobody reads the output', async () => {
    const t = await testEnv();
    const s = pty(`process.stdout.write('x'.repeat(2_000_000) + '\\n'); process.exitCode = 4`, t.env);
    expect((await s.exited).exitCode).toBe(4);
  });

  it('ctrl-c sends SIGINT to a cooked-mode child', async () => {
    const t = await testEnv();
    const s = pty(
      `process.on('SIGINT', () => { console.log('got SIGINT'); process.exit(130); }); console.log('ready'); setInterval(() => {}, 1000)`,
      t.env,
    );
    await s.waitFor('ready');
    s.press('ctrl-c');
    await s.waitFor('got SIGINT');
    expect((await s.exited).exitCode).toBe(130);
  });

  it('ctrl-c arrives as \\x03 in raw mode (what prompt libraries see)', async () => {
    const t = await testEnv();
    const s = pty(
      `process.stdin.setRawMode(true); process.stdin.on('data', d => { console.log('bytes:' + JSON.stringify([...d])); if (d[0] === 3) process.exit(130); }); console.log('ready')`,
      t.env,
    );
    await s.waitFor('ready');
    s.press('up');
    await s.waitFor('bytes:[27,91,65]');
    s.press('ctrl-c');
    await s.waitFor('bytes:[3]');
    expect((await s.exited).exitCode).toBe(130);
  });

  it('an unhandled SIGINT is reported as a signal', async () => {
    const t = await testEnv();
    const s = pty(`console.log('ready'); setInterval(() => {}, 1000)`, t.env);
    await s.waitFor('ready');
    s.press('ctrl-c');
    expect((await s.exited).signal).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------


/** gnome-keyring-daemon processes (not zombies) whose environment mentions dir. */
function daemonsUsing(dir: string): number[] {
  const found: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (!stat.includes('(gnome-keyring-d') || / Z /.test(stat.slice(stat.lastIndexOf(')')))) continue;
      if (readFileSync(`/proc/${e}/environ`, 'utf8').includes(dir)) found.push(Number(e));
    } catch {
      // gone
    }
  }
  return found;
}

/** Run @napi-rs/keyring in a child node process that has the private bus in its env. */
async function binding(kr: PrivateKeyring, op: string): Promise<{ ok: boolean; value: string }> {
  const t = await testEnv(kr.env);
  const script = `
    import { AsyncEntry } from '@napi-rs/keyring';
    const entry = (s, a) => new AsyncEntry(s, a, { linux: { store: 'secret-service' } });
    try { const value = await (${op}); console.log(JSON.stringify({ ok: true, value: value ?? null })); }
    catch (e) { console.log(JSON.stringify({ ok: false, value: String(e?.message ?? e) })); }`;
  const r = await runCommand(process.execPath, ['--input-type=module', '-e', script], { env: t.env, cwd: REPO_ROOT });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { ok: boolean; value: string };
}

describe('keyring', () => {
  it(`unlocked: binding writes, lookup() reads; store() is read by the binding`, async () => {
    const kr = await startPrivateKeyring();
    cleanups.push(() => kr.stop());
    console.log(`private keyring started in ${kr.startupMs} ms`);
    expect(kr.env.DBUS_SESSION_BUS_ADDRESS).toMatch(/^unix:/);

    expect(await binding(kr, `entry('openai-setup-test', 'alice').setPassword('sk-from-binding')`)).toEqual({ ok: true, value: null });
    expect(await kr.lookup('openai-setup-test', 'alice')).toBe('sk-from-binding');
    expect(await kr.lookup('openai-setup-test', 'bob')).toBeNull();

    await kr.store('openai-setup-test', 'bob', 'sk-pre-existing');
    expect(await kr.lookup('openai-setup-test', 'bob')).toBe('sk-pre-existing');
    expect(await binding(kr, `entry('openai-setup-test', 'bob').getPassword()`)).toEqual({ ok: true, value: 'sk-pre-existing' });
  });

  it(`locked: writes are refused, reads of absent keys give null`, async () => {
    const kr = await startPrivateKeyring({ locked: true });
    cleanups.push(() => kr.stop());
    const write = await binding(kr, `entry('openai-setup-test', 'alice').setPassword('x')`);
    expect(write.ok).toBe(false);
    expect(write.value).toMatch(/unlock prompt was dismissed/);
    // A locked collection hides what it holds: searching for an absent entry is not an error.
    expect(await binding(kr, `entry('openai-setup-test', 'alice').getPassword()`)).toEqual({ ok: true, value: null });
    await expect(kr.store('s', 'a', 'x')).rejects.toThrow(/locked/);
    expect(await kr.lookup('s', 'a')).toBeNull();
  });

  it(`store() then lock(): an existing key behind a locked keyring`, async () => {
    const kr = await startPrivateKeyring();
    cleanups.push(() => kr.stop());
    await kr.store('openai-setup-test', 'alice', 'sk-old');
    await kr.lock();
    await expect(kr.lookup('openai-setup-test', 'alice')).rejects.toThrow(/locked/);
    const read = await binding(kr, `entry('openai-setup-test', 'alice').getPassword()`);
    expect(read).toMatchObject({ ok: false });
    expect(read.value).toMatch(/unlock prompt was dismissed/);
  });

  it(`keyrings running side by side are isolated; stop() leaves nothing behind`, async () => {
    const [a, b] = await Promise.all([startPrivateKeyring(), startPrivateKeyring()]);
    cleanups.push(() => a.stop(), () => b.stop());
    expect(a.env.DBUS_SESSION_BUS_ADDRESS).not.toBe(b.env.DBUS_SESSION_BUS_ADDRESS);
    await a.store('svc', 'acct', 'only-in-a');
    expect(await a.lookup('svc', 'acct')).toBe('only-in-a');
    expect(await b.lookup('svc', 'acct')).toBeNull();
    // the keyring files live in the temp dir
    expect(readdirSync(join(a.dir, 'home', '.local', 'share', 'keyrings'))).toContain('login.keyring');

    expect(daemonsUsing(a.dir)).toHaveLength(1);
    await a.stop();
    expect(daemonsUsing(a.dir)).toEqual([]);
    expect(existsSync(a.dir)).toBe(false);
    expect(() => process.kill(a.pid, 0)).toThrow();
    // b is unaffected
    expect(await b.lookup('svc', 'acct')).toBeNull();
    await b.stop();
    expect(daemonsUsing(b.dir)).toEqual([]);
    await a.stop(); // idempotent
  });
});

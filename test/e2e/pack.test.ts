// What we ship is what we test: `npm pack` the project, install the tarball into an empty folder
// with the registry's packages (as `npx openai-setup` does), and run the installed binary through
// npx: --help, and verify against the local OpenAI-like server. Also checks that the tarball holds
// only what a user needs and that the installed tree stays within its budget (issue 6).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { VerifyJsonSchema } from '../../src/commands/verify.js';
import { builds, bundledPackageDirs } from '../../scripts/build-config.mjs';
import { installTarball, npmEnv, packTarball, reachableDistFiles, type Installed, type Packed } from '../bench/pack.mjs';
import { makeKey, startOpenAIServer, type FakeOpenAI } from '../helpers/openai-server.js';
import { makeTestEnv, REPO_ROOT, type TestEnv } from '../helpers/env.js';
import { spawnCommand } from '../helpers/pty.js';
import { runCommand, type RunResult } from '../helpers/run.js';

/** PATH without the test env's `openai-setup` (as after `npm install -g`): installed in the project only. */
const ONLY_HERE = { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin' };

/** Installed tree budget: the package, the keychain binding and its platform binary. */
const MAX_INSTALLED_BYTES = 8 * 1024 * 1024;
const MAX_PACKAGES = 5;

/**
 * The tool as `status` names it in its next step without a terminal (these runs have none):
 * `… Next, after signing in on …:  TOOL login --done`.
 */
const nextStageTool = (stdout: string) => /:  (.+) login --done\n/.exec(stdout)?.[1];

describe('the packed tarball, installed', () => {
  let root: string;
  let installDir: string;
  let packed: Packed;
  let installed: Installed;
  let server: FakeOpenAI;
  let testEnv: TestEnv;
  const key = makeKey('proj', 'pack-test');

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'openai-setup-pack-'));
    installDir = join(root, 'app');
    packed = packTarball(join(root, 'pack'));
    installed = installTarball(packed.tarball, installDir);
    server = await startOpenAIServer();
    server.addKey(key, 'valid');
    testEnv = await makeTestEnv();
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await testEnv?.cleanup();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /**
   * `npx openai-setup ...args` from the install folder, in the scrubbed env (temp HOME and config
   * dir, no D-Bus) plus the npm cache location, and `extra`. Asynchronous: the server answers from this process.
   */
  function npx(args: string[], extra: Record<string, string> = {}): Promise<RunResult> {
    const env: Record<string, string> = {
      ...testEnv.env,
      ...extra,
      npm_config_cache: npmEnv().npm_config_cache ?? join(process.env.HOME ?? root, '.npm'),
      npm_config_update_notifier: 'false',
    };
    return runCommand(process.platform === 'win32' ? 'npx.cmd' : 'npx', ['--no', '--', 'openai-setup', ...args], { env, cwd: installDir, timeoutMs: 60_000 });
  }

  it('packs only what a user needs: the binary, the bundle, the README', () => {
    const paths = packed.files.map((f) => f.path).sort();
    expect(paths).toContain('package.json');
    expect(paths).toContain('bin/openai-setup.cjs');
    expect(paths).toContain('dist/main.cjs');
    expect(paths).toContain('dist/vendor/openai.cjs');
    expect(paths).toContain('README.md');
    expect(paths).toContain('LICENSE');
    expect(paths).toContain('dist/THIRD-PARTY-NOTICES.md');
    const unexpected = paths.filter((p) => !/^(package\.json|README\.md|LICENSE|\.env\.example|bin\/[^/]+\.cjs|dist\/.+\.cjs|dist\/help\.txt|dist\/THIRD-PARTY-NOTICES\.md|docs\/speed-and-size\.md|docs\/wizard\.svg)$/.test(p));
    expect(unexpected, 'files a user does not need (tests, sources, fixtures, maps...)').toEqual([]);
  });

  it('ships every file the README links to or shows (read in node_modules, or on npm, it has no repository to point at)', () => {
    const paths = new Set(packed.files.map((f) => f.path));
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const relative = [...readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!).filter((target) => !/^[a-z]+:/i.test(target));
    expect(relative.length).toBeGreaterThan(1);
    expect(relative.filter((target) => !paths.has(target.replace(/^\.\//, '')))).toEqual([]);
  });

  it('packs no chunk left over from an earlier build', () => {
    const reachable = reachableDistFiles(join(REPO_ROOT, 'dist'));
    const packedDist = packed.files.map((f) => f.path).filter((p) => p.startsWith('dist/') && p.endsWith('.cjs')).map((p) => p.slice('dist/'.length));
    expect(packedDist.filter((p) => !reachable.has(p)), 'dist files that dist/boot.cjs never reaches (run `npm run build`, which empties dist/ first)').toEqual([]);
  });

  it('installs without a warning (no install script in what we ship)', () => {
    expect(installed.warnings).toBe('');
    const manifest = JSON.parse(readFileSync(join(installDir, 'node_modules', 'openai-setup', 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) expect(manifest.scripts?.[hook], hook).toBeUndefined();
  });

  it('names every bundled package, its version and its licence text in the shipped notices', async () => {
    const notices = readFileSync(join(installDir, 'node_modules', 'openai-setup', 'dist', 'THIRD-PARTY-NOTICES.md'), 'utf8');
    const dirs = new Set<string>();
    for (const options of builds()) {
      const { metafile } = await build({ ...options, write: false, metafile: true, logLevel: 'silent' });
      for (const dir of bundledPackageDirs(metafile)) dirs.add(dir);
    }
    for (const name of ['openai', 'commander', 'minipass-fetch', 'https-proxy-agent', 'chalk', 'zod', '@inquirer/core', 'open']) expect([...dirs]).toContain(`node_modules/${name}`);
    for (const dir of dirs) {
      const manifest = JSON.parse(readFileSync(join(REPO_ROOT, dir, 'package.json'), 'utf8')) as { name: string; version: string; license: string };
      expect(notices, dir).toContain(`## ${manifest.name}@${manifest.version} (${manifest.license})`);
      const licenceFile = readdirSync(join(REPO_ROOT, dir)).find((f) => /^licen[cs]e/i.test(f))!;
      const firstLine = readFileSync(join(REPO_ROOT, dir, licenceFile), 'utf8').trim().split('\n')[0]!;
      expect(notices, `${dir}: ${licenceFile}`).toContain(firstLine);
    }
    expect(readFileSync(join(installDir, 'node_modules', 'openai-setup', 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });

  it(`installs within ${MAX_INSTALLED_BYTES / 1024 / 1024} MB and ${MAX_PACKAGES} packages`, () => {
    const names = installed.packages.map((p) => p.name);
    expect(names).toContain('openai-setup');
    expect(names).toContain('@napi-rs/keyring');
    expect(installed.packages.length, names.join(', ')).toBeLessThanOrEqual(MAX_PACKAGES);
    expect(installed.bytes).toBeLessThanOrEqual(MAX_INSTALLED_BYTES);
  });

  it('the keychain binding and its platform binary landed and load', () => {
    const load = spawnSync(process.execPath, ['-e', "const { Entry } = require('@napi-rs/keyring'); if (typeof Entry !== 'function') process.exit(1)"], {
      cwd: installDir,
      encoding: 'utf8',
    });
    expect(load.stderr).toBe('');
    expect(load.status).toBe(0);
  });

  it('npx openai-setup --help prints the commands and exit codes', async () => {
    const r = await npx(['--help'], ONLY_HERE);
    expect(r.stderr).not.toMatch(/Error|error:/);
    expect(r.code).toBe(0);
    // Run through npx from this folder's install, the help names that install's script: typed
    // as `npx openai-setup` in another folder, npx would look the name up in the registry instead.
    expect(r.stdout).toMatch(new RegExp(`^Usage: ${join(installDir, 'node_modules', '.bin', 'openai-setup').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `, 'm'));
    for (const command of ['setup', 'verify', 'status', 'logout']) expect(r.stdout).toContain(command);
    expect(r.stdout).toContain('Exit codes:');
  });

  it('under npx from this folder\'s install, the commands it recommends work as printed from any folder', async () => {
    const r = await npx(['status'], ONLY_HERE);
    expect(r.code, r.stderr).toBe(0);
    const wizard = nextStageTool(r.stdout);
    // No keychain here (no session bus): the key file's way.
    const store = /:  … \| (\S+ key) --stdin --insecure-storage\n/.exec(r.stdout)?.[1];
    expect(wizard).toBe(join(installDir, 'node_modules', '.bin', 'openai-setup'));
    expect(store).toBe(`${wizard} key`);
    expect(r.stdout).not.toContain('npx openai-setup');
    // Typed in a shell in another folder, with nothing of npm's PATH: this install runs.
    const elsewhere = mkdtempSync(join(root, 'elsewhere-'));
    const typed = await runCommand('sh', ['-c', `${wizard} --version && ${store} --help`], { env: { ...testEnv.env, ...ONLY_HERE }, cwd: elsewhere, timeoutMs: 60_000 });
    expect(typed.code, typed.stderr).toBe(0);
    expect(typed.stdout).toContain(packed.filename.replace(/^openai-setup-/, '').replace(/\.tgz$/, ''));
    expect(typed.stdout).toContain(`Usage: ${store} [options]`);
  });

  it('with another program named openai-setup on PATH, the commands it recommends still run this install', async () => {
    const other = mkdtempSync(join(root, 'other-'));
    writeFileSync(join(other, 'openai-setup'), '#!/bin/sh\necho another program\n', { mode: 0o755 });
    const r = await npx(['status'], { PATH: `${other}${delimiter}${ONLY_HERE.PATH}` });
    expect(r.code, r.stderr).toBe(0);
    expect(nextStageTool(r.stdout)).toBe(join(installDir, 'node_modules', '.bin', 'openai-setup'));
  });

  it('npx --package=TARBALL from another folder: the commands it recommends run that tarball again, not the registry\'s openai-setup', async () => {
    const elsewhere = mkdtempSync(join(root, 'npx-tarball-'));
    // The tarball's dependencies come from npm's cache (the install above put them there), as
    // installTarball's do: a slow registry must not time this out.
    const env = { ...testEnv.env, ...ONLY_HERE, npm_config_cache: npmEnv().npm_config_cache ?? join(process.env.HOME ?? root, '.npm'), npm_config_update_notifier: 'false', npm_config_prefer_offline: 'true' };
    const npxFile = process.platform === 'win32' ? 'npx.cmd' : 'npx';
    const r = await runCommand(npxFile, ['--yes', `--package=${packed.tarball}`, 'openai-setup', 'status'], { env, cwd: elsewhere, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const wizard = nextStageTool(r.stdout);
    expect(wizard).toBe(`npx --yes --package=${packed.tarball} openai-setup`);
    expect(r.stdout).toContain(`:  … | ${wizard} key --stdin --insecure-storage\n`);
    // Typed in a shell (as printed) in yet another folder: that tarball runs (the registry has no such version, or another).
    const typed = await runCommand('sh', ['-c', `${wizard} --version`], { env, cwd: mkdtempSync(join(root, 'typed-')), timeoutMs: 120_000 });
    expect(typed.code, typed.stderr).toBe(0);
    expect(typed.stdout.trim()).toBe(packed.filename.replace(/^openai-setup-/, '').replace(/\.tgz$/, ''));
  }, 240_000);

  it('npx --package=TARBALL: the token line it prints, typed in bash at a terminal, sets the key; npx asks nothing (its question would go to stdout, into the $(…))', async () => {
    // A config folder of its own: the tests above expect no key stored.
    const env = { ...testEnv.env, ...ONLY_HERE, OPENAI_SETUP_CONFIG_DIR: join(root, 'capture-config'), npm_config_cache: npmEnv().npm_config_cache ?? join(process.env.HOME ?? root, '.npm'), npm_config_update_notifier: 'false', npm_config_prefer_offline: 'true' };
    const npxFile = process.platform === 'win32' ? 'npx.cmd' : 'npx';
    const cwd = mkdtempSync(join(root, 'capture-'));
    const started = ['--yes', `--package=${packed.tarball}`, 'openai-setup'];
    const stored = await runCommand(npxFile, [...started, 'key', '--stdin', '--insecure-storage', '--no-verify'], { env, cwd, input: `${key}\n`, timeoutMs: 120_000 });
    expect(stored.code, stored.stderr).toBe(0);
    const help = await runCommand(npxFile, [...started, 'token', '--help'], { env, cwd, timeoutMs: 120_000 });
    expect(help.code, help.stderr).toBe(0);
    const line = /^ *\$ (OPENAI_API_KEY=.*)$/m.exec(help.stdout)?.[1];
    expect(line).toBe(`OPENAI_API_KEY="$(npx --yes --package=${packed.tarball} openai-setup token)"; export OPENAI_API_KEY`);
    // Typed as printed into bash at a terminal: npx asks whether to install the tarball's package
    // (every run, cached or not) only when stdin is a terminal, and asks it on stdout.
    const bash = spawnCommand('bash', ['--norc', '--noprofile', '-c', `${line!}; [ "$OPENAI_API_KEY" = "$STORED" ] && echo SAME || echo DIFFERENT`], { env: { ...env, STORED: key }, cwd });
    try {
      await bash.waitFor(/SAME|DIFFERENT/, 90_000);
      expect(bash.output()).not.toContain('Ok to proceed?');
      expect(bash.output()).toMatch(/^SAME$/m);
      expect((await bash.exited).exitCode).toBe(0);
    } finally {
      bash.kill();
    }
  }, 300_000);

  it('npx openai-setup --version prints the packed version', async () => {
    const r = await npx(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(packed.filename.replace(/^openai-setup-/, '').replace(/\.tgz$/, ''));
  });

  it('npx openai-setup verify --json checks a key against the local server', async () => {
    const r = await npx(['verify', '--json', '--key', key, '--base-url', server.baseURL]);
    expect(r.code, r.stderr).toBe(0);
    const json = VerifyJsonSchema.parse(JSON.parse(r.stdout));
    expect(json).toMatchObject({ ok: true, status: 'valid', billing: 'ok', key: { source: 'flag', kind: 'project' } });
    expect(r.stdout + r.stderr).not.toContain(key);
    const paths = server.requestsFor(key).map((req) => `${req.method} ${req.path}`);
    expect(paths).toEqual(expect.arrayContaining(['GET /v1/models', 'POST /v1/chat/completions']));
  });

  it('npx openai-setup verify says what is wrong with a rejected key (exit 3)', async () => {
    const r = await npx(['verify', '--json', '--key', makeKey('proj', 'pack-test-unknown'), '--base-url', server.baseURL]);
    expect(r.code, r.stderr).toBe(3);
    expect(VerifyJsonSchema.parse(JSON.parse(r.stdout)).status).toBe('invalid_key');
  });
});

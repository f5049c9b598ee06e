// The pure decisions behind run, doctor, profiles and open.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/api/types.js';
import { urlMeant } from '../../src/options.js';
import { caChecks, doctorExitCode, nodeCheck, proxyCheck, strayVariableChecks, type DoctorCheck } from '../../src/commands/doctor.js';
import { COMMANDS } from '../../src/commands/index.js';
import { listProfiles } from '../../src/commands/profiles.js';
import { childEnding, childEnv, exitStatus, RUN_MARKER } from '../../src/commands/run.js';
import { SignalExit, UsageError } from '../../src/errors.js';
import { emptyState } from '../../src/storage/state.js';

const KEY = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123';

describe('run: the child environment', () => {
  it('adds the key and the marker, and keeps everything else', () => {
    const { env, dropped } = childEnv({ PATH: '/bin', HOME: '/h', OPENAI_BASE_URL: 'http://gw/v1' }, KEY, 'work');
    expect(env).toEqual({ PATH: '/bin', HOME: '/h', OPENAI_BASE_URL: 'http://gw/v1', OPENAI_SETUP_PROFILE: 'work', OPENAI_API_KEY: KEY, [RUN_MARKER]: 'work' });
    expect(dropped).toEqual([]);
  });

  it('drops an inherited organization and project, which belong to another key', () => {
    const { env, dropped } = childEnv({ OPENAI_API_KEY: 'sk-other', OPENAI_ORG_ID: 'org-other', OPENAI_PROJECT_ID: 'proj_other' }, KEY, 'default');
    expect(env).toEqual({ OPENAI_API_KEY: KEY, OPENAI_SETUP_PROFILE: 'default', [RUN_MARKER]: 'default' });
    expect(dropped).toEqual(['OPENAI_ORG_ID from this shell', 'OPENAI_PROJECT_ID from this shell']);
  });

  it("drops OPENAI_CUSTOM_HEADERS' lines the SDK would send in place of the key, its organization or project; its other headers go on", () => {
    const custom = 'authorization: Bearer sk-other\nX-Title: app\nOpenAI-Project: proj_other\nOpenAI-Organization: org-other';
    const { env, dropped } = childEnv({ OPENAI_CUSTOM_HEADERS: custom }, KEY, 'default');
    expect(env.OPENAI_CUSTOM_HEADERS).toBe('X-Title: app');
    expect(dropped).toEqual(['The authorization line of OPENAI_CUSTOM_HEADERS', 'The OpenAI-Project line of OPENAI_CUSTOM_HEADERS', 'The OpenAI-Organization line of OPENAI_CUSTOM_HEADERS']);
    // None left: the variable goes.
    expect(childEnv({ OPENAI_CUSTOM_HEADERS: 'Authorization: Bearer sk-other' }, KEY, 'default').env).not.toHaveProperty('OPENAI_CUSTOM_HEADERS');
    // Nothing of the key's: passed on as it was.
    expect(childEnv({ OPENAI_CUSTOM_HEADERS: ' X-Title: app\nbad line ' }, KEY, 'default')).toMatchObject({ env: { OPENAI_CUSTOM_HEADERS: ' X-Title: app\nbad line ' }, dropped: [] });
  });

  it("names the run's profile in OPENAI_SETUP_PROFILE, an inherited one replaced (--profile may have named another)", () => {
    expect(childEnv({ OPENAI_SETUP_PROFILE: 'personal' }, KEY, 'work').env).toEqual({ OPENAI_SETUP_PROFILE: 'work', OPENAI_API_KEY: KEY, [RUN_MARKER]: 'work' });
  });

  it('reports exit status like a shell', () => {
    expect(exitStatus(0, null)).toBe(0);
    expect(exitStatus(42, null)).toBe(42);
    expect(exitStatus(null, 'SIGINT')).toBe(130);
    expect(exitStatus(null, 'SIGTERM')).toBe(143);
    expect(exitStatus(null, 'SIGKILL')).toBe(137);
  });

  it('ends by the signal that ended the command (a shell then stops its loop on Ctrl-C), or with 128 + N where Node cannot end by it cleanly', () => {
    const ending = (code: number | null, signal: NodeJS.Signals | null) => {
      try {
        return childEnding(code, signal);
      } catch (error) {
        return error instanceof SignalExit ? { signal: error.signal, code: error.code, message: error.message } : error;
      }
    };
    expect(ending(0, null)).toBe(0);
    expect(ending(130, null)).toBe(130); // a command that handled Ctrl-C and exited 130 itself
    expect(ending(null, 'SIGINT')).toEqual({ signal: 'SIGINT', code: 130, message: '' });
    expect(ending(null, 'SIGTERM')).toEqual({ signal: 'SIGTERM', code: 143, message: '' });
    expect(ending(null, 'SIGHUP')).toEqual({ signal: 'SIGHUP', code: 129, message: '' });
    expect(ending(null, 'SIGKILL')).toEqual({ signal: 'SIGKILL', code: 137, message: '' });
    // A core dump would be Node's, SIGPIPE Node ignores, SIGUSR1 starts its inspector: the status only.
    expect(ending(null, 'SIGSEGV')).toBe(139);
    expect(ending(null, 'SIGABRT')).toBe(134);
    expect(ending(null, 'SIGQUIT')).toBe(131);
    expect(ending(null, 'SIGPIPE')).toBe(141);
    expect(ending(null, 'SIGUSR1')).toBe(138);
  });
});

describe('doctor checks', () => {
  it('needs Node 20 or newer', () => {
    expect(nodeCheck('v20.0.0').status).toBe('ok');
    expect(nodeCheck('v22.11.0').status).toBe('ok');
    expect(nodeCheck('v18.19.1')).toMatchObject({ status: 'fail', exitCode: 1 });
  });

  it('flags stray OpenAI variables, but not the official base URL', () => {
    expect(strayVariableChecks({}, 'linux').length).toBe(0);
    expect(strayVariableChecks({ OPENAI_BASE_URL: 'https://api.openai.com/v1' }, 'linux').length).toBe(0);
    const checks = strayVariableChecks({ OPENAI_PROJECT_ID: 'proj_x', OPENAI_ORG_ID: 'org-y', OPENAI_BASE_URL: 'http://localhost:8080/v1' }, 'linux');
    expect(checks.map((c) => [c.id, c.status])).toEqual([
      ['OPENAI_ORG_ID', 'warn'],
      ['OPENAI_PROJECT_ID', 'warn'],
      ['OPENAI_BASE_URL', 'warn'],
    ]);
    expect(checks[1]!.detail).toMatch(/mismatched_project/);
    expect(checks[1]!.fix).toMatch(/unset OPENAI_PROJECT_ID/);
  });

  it.each([
    ['api.openai.com/v1', /must be an http:\/\/ or https:\/\/ URL \(got "api\.openai\.com\/v1"\)/, 'https://api.openai.com/v1'],
    ['"https://api.openai.com/v1"', /must not have quote marks around it/, 'https://api.openai.com/v1'],
    ['htps://llm.example.com/v1', /must be an http:\/\/ or https:\/\/ URL/, 'https://llm.example.com/v1'],
    ['http://localhost:8080/v1"', /must not have quote marks around it/, 'http://localhost:8080/v1'],
    ['notaurl', /must be an http:\/\/ or https:\/\/ URL/, null],
  ])('OPENAI_BASE_URL=%s that is no URL is a failed row (exit 6) with the fix: the URL it plainly means, or unset it', (value, detail, meant) => {
    const [row] = strayVariableChecks({ OPENAI_BASE_URL: value, SHELL: '/bin/bash' }, 'linux');
    expect(row).toMatchObject({ id: 'OPENAI_BASE_URL', status: 'fail', exitCode: 6 });
    expect(row!.detail).toMatch(detail);
    expect(row!.fix).toMatch(/unset OPENAI_BASE_URL/);
    if (meant) expect(row!.fix).toContain(`export OPENAI_BASE_URL='${meant}'`);
    else expect(row!.fix).not.toMatch(/export/);
    expect(urlMeant(value)).toBe(meant);
  });

  it('reads proxies as the live check does, hiding credentials, and rejects a proxy that is not a URL', () => {
    expect(proxyCheck({}, 'https://api.openai.com/v1').detail).toMatch(/direct/);
    const proxied = proxyCheck({ https_proxy: 'http://user:secret@proxy:3128', NO_PROXY: 'localhost' }, 'https://api.openai.com/v1');
    expect(proxied.status).toBe('info');
    expect(proxied.detail).toBe('API calls go through http://proxy:3128; NO_PROXY=localhost');
    expect(proxyCheck({ HTTPS_PROXY: 'proxy:3128' }, 'https://api.openai.com/v1')).toMatchObject({ status: 'fail', exitCode: 6 });
  });

  it('checks that CA files exist', async () => {
    const exists = async (path: string) => path === '/ok.pem';
    expect(await caChecks({}, exists)).toEqual([]);
    const checks = await caChecks({ NODE_EXTRA_CA_CERTS: '/gone.pem', SSL_CERT_FILE: '/ok.pem' }, exists);
    expect(checks.map((c) => [c.id, c.status])).toEqual([
      ['NODE_EXTRA_CA_CERTS', 'fail'],
      ['SSL_CERT_FILE', 'info'],
    ]);
    expect((await caChecks({ SSL_CERT_FILE: '/stale.pem' }, exists))[0]).toMatchObject({ status: 'fail', exitCode: 6 });
  });

  it('NODE_EXTRA_CA_CERTS: a file with no PEM certificate (garbage, a private key) or a directory fails (Node ignores it); one with a certificate is ✔', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openai-setup-ca-'));
    try {
      const file = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
      const cert = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
      const cases = [
        [file('garbage.pem', 'not a certificate\n'), 'fail', /holds no PEM certificate/],
        [file('key.pem', '-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n'), 'fail', /holds no PEM certificate/],
        [file('empty.pem', ''), 'fail', /holds no PEM certificate/],
        [dir, 'fail', /is not a file that can be read/],
        [join(dir, 'gone.pem'), 'fail', /does not exist/],
        [file('bundle.pem', `# corporate CA\n${cert}`), 'ok', /extra CA certificates for Node/],
      ] as const;
      for (const [path, status, detail] of cases) {
        const [row] = await caChecks({ NODE_EXTRA_CA_CERTS: path }, async () => true);
        expect(row, path).toMatchObject({ id: 'NODE_EXTRA_CA_CERTS', status });
        expect(row!.detail).toMatch(detail);
        if (status === 'fail') expect(row).toMatchObject({ exitCode: 6, fix: expect.stringMatching(/PEM.*or unset it\.$/) });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 0 only when nothing failed: the live check first, then the first failed check', () => {
    const ok: DoctorCheck = { id: 'a', title: 'a', status: 'warn', detail: '', fix: null };
    const failed: DoctorCheck = { id: 'b', title: 'b', status: 'fail', detail: '', fix: null, exitCode: 7 };
    const verify = (exitCode: number) => ({ exitCode }) as CheckResult;
    expect(doctorExitCode([ok], verify(0))).toBe(0);
    expect(doctorExitCode([ok, failed], verify(0))).toBe(7);
    expect(doctorExitCode([ok, failed], verify(4))).toBe(4);
    expect(doctorExitCode([{ ...failed, exitCode: undefined }], null)).toBe(1);
  });
});

describe('profiles and pages', () => {
  it('lists every profile and the default, with what the last check saw', () => {
    const state = emptyState();
    state.defaultProfile = 'work';
    state.profiles.alpha = {
      stages: {},
      key: { storage: 'keychain', hint: 'sk-proj-…Ab12', savedAt: '2025-01-01T00:00:00.000Z' },
      lastVerify: { at: '2025-01-02T00:00:00.000Z', status: 'valid', ok: true, keyHint: 'sk-proj-…Ab12', keySource: 'x', organization: 'acme', project: 'proj_1', tier: '1', billing: 'ok', message: 'ok' },
    };
    const list = listProfiles(state, 'work');
    expect(list.profiles.map((p) => [p.name, p.default])).toEqual([
      ['alpha', false],
      ['work', true],
    ]);
    expect(list.profiles[0]).toMatchObject({ key: { storage: 'keychain', hint: 'sk-proj-…Ab12' }, organization: 'acme', project: 'proj_1', lastVerify: { ok: true, status: 'valid' } });
    expect(list.profiles[1]).toMatchObject({ key: null, lastVerify: null });
  });

  it('knows the page names, in any case, and lists them for a wrong one', () => {
    const open = COMMANDS.find((c) => c.name === 'open')!;
    const pageOf = (word: string) => open.parse({ args: [word], opts: {}, globals: {} as never, program: undefined as never });
    expect(pageOf(' Keys ')).toEqual({ page: 'keys' });
    expect(() => pageOf('nope')).toThrow(UsageError);
    expect(() => pageOf('nope')).toThrow(/login, payment, billing, limits, keys/);
  });
});

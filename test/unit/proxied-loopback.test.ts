// Plain http:// to this machine through a proxy: the request goes, key and all, in clear text to the
// proxy, which connects to its own loopback (another machine's, for a remote proxy). Every command
// that sends a key warns, as for plain http:// to another machine, naming the proxy (without its
// login) and the NO_PROXY line that exempts the host, which works as printed (the value set quoted
// for the shell; one with a control or invisible character left out, never echoed).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { insecureTransportWarnings } from '../../src/api/check.js';
import { proxyFor, proxySettings } from '../../src/api/http.js';
import { run as adminKey } from '../../src/commands/admin-key.js';
import { DoctorJsonSchema, run as doctor, transportChecks } from '../../src/commands/doctor.js';
import { run as verify } from '../../src/commands/verify.js';
import { checkResult, type TestContextOptions } from '../helpers/context.js';
import { makeKey } from '../helpers/openai-server.js';
import { trackedContexts } from '../helpers/tracked-contexts.js';

const KEY = makeKey('proj', 'unit-proxied-loopback');
const ADMIN = makeKey('admin', 'unit-proxied-loopback-admin');
const LOCAL = 'http://127.0.0.1:8080/v1';
const PROXY = { HTTP_PROXY: 'http://me:s3cret@192.0.2.2:3128', HTTPS_PROXY: 'http://me:s3cret@192.0.2.2:3128' };
const warning = (noProxyLine: string, url = LOCAL, host = '127.0.0.1', variable = 'NO_PROXY', proxyVariable = 'HTTP_PROXY') =>
  `${url} is plain http:// through the proxy http://192.0.2.2:3128 (${proxyVariable}): the key travels in clear text to it, ` +
  `and it is the proxy that connects to ${host} (its own, when it runs on another machine). To connect directly, add the host to ${variable}:  ${noProxyLine}`;

/** The environment after running `line` in bash: the NO_PROXY line works as printed. */
function afterRunning(line: string, env: Record<string, string>): Record<string, string> {
  const out = execFileSync('bash', ['-c', `${line}; printf '%s\\0%s' "\${NO_PROXY-}" "\${no_proxy-}"`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH!, ...env } });
  const [upper, lower] = out.split('\0');
  return { ...env, ...(upper ? { NO_PROXY: upper } : {}), ...(lower ? { no_proxy: lower } : {}) };
}

describe('insecureTransportWarnings: http:// to this machine through a proxy', () => {
  it('warns, naming the proxy without its login and the NO_PROXY line, merged with the value set, that exempts the host', () => {
    // [environment, base URL, the NO_PROXY line, host, variable]
    const table: Array<[Record<string, string>, string, string, string, string]> = [
      [PROXY, LOCAL, "export NO_PROXY='127.0.0.1'", '127.0.0.1', 'NO_PROXY'],
      [{ ...PROXY, NO_PROXY: ' .corp.example,10.0.0.1 ' }, LOCAL, "export NO_PROXY='.corp.example,10.0.0.1,127.0.0.1'", '127.0.0.1', 'NO_PROXY'],
      // Lower case wins: setting NO_PROXY would change nothing.
      [{ ...PROXY, no_proxy: 'intranet', NO_PROXY: 'ignored' }, 'http://localhost:11434/v1', "export no_proxy='intranet,localhost'", 'localhost', 'no_proxy'],
      [PROXY, 'http://[::1]:8080/v1', "export NO_PROXY='[::1]'", '[::1]', 'NO_PROXY'],
      // NO_PROXY names another port of the host: the line adds the host, on any port.
      [{ ...PROXY, NO_PROXY: '127.0.0.1:9999' }, LOCAL, "export NO_PROXY='127.0.0.1:9999,127.0.0.1'", '127.0.0.1', 'NO_PROXY'],
    ];
    for (const [env, url, line, host, variable] of table) {
      expect(insecureTransportWarnings(env, url, 'linux'), url).toEqual([warning(line, url, host, variable)]);
      // The line, run as printed, takes the host out of the proxy, and so ends the warning.
      const fixed = afterRunning(line, env);
      expect(proxyFor(proxySettings(fixed), url), line).toBeNull();
      expect(insecureTransportWarnings(fixed, url, 'linux')).toEqual([]);
    }
  });

  it('quotes the value set for the shell: the line, run as printed, sets it exactly, with the host added', () => {
    for (const current of ["x'y;$(id)", 'a b', '$HOME,`id`', 'a"b\\c', '*.corp.example|&<>', '!x{a,b}~#', 'می\u200cخواهم.example']) {
      const env = { ...PROXY, NO_PROXY: current };
      const [shown] = insecureTransportWarnings(env, LOCAL, 'linux');
      const line = shown!.slice(shown!.lastIndexOf(':  ') + 3);
      expect(shown, current).toBe(warning(line));
      expect(afterRunning(line, env).NO_PROXY, current).toBe(`${current},127.0.0.1`);
    }
  });

  it('a value with a control or invisible character is not echoed: the line sets the host alone, and says so', () => {
    for (const current of ['a\nb', 'corp\x1b[31m.example', 'a\tb', 'a\u009bb', 'a\u200bb', 'x\u202e.example', 'a,\rb']) {
      const env = { ...PROXY, NO_PROXY: current };
      const shown =
        `${LOCAL} is plain http:// through the proxy http://192.0.2.2:3128 (HTTP_PROXY): the key travels in clear text to it, and it is the proxy that connects to 127.0.0.1 ` +
        "(its own, when it runs on another machine). To connect directly, set NO_PROXY to the host (its value now holds control or invisible characters, and is left out):  export NO_PROXY='127.0.0.1'";
      expect(insecureTransportWarnings(env, LOCAL, 'linux'), JSON.stringify(current)).toEqual([shown]);
      const fixed = afterRunning("export NO_PROXY='127.0.0.1'", env);
      expect(fixed.NO_PROXY).toBe('127.0.0.1');
      expect(insecureTransportWarnings(fixed, LOCAL, 'linux')).toEqual([]);
    }
  });

  it("names the variable the proxy comes from, and writes the line for the person's shell", () => {
    expect(insecureTransportWarnings({ http_proxy: 'http://192.0.2.2:3128' }, LOCAL, 'linux')).toEqual([warning("export NO_PROXY='127.0.0.1'", LOCAL, '127.0.0.1', 'NO_PROXY', 'http_proxy')]);
    expect(insecureTransportWarnings({ ...PROXY, SHELL: '/usr/bin/fish' }, LOCAL, 'linux')).toEqual([warning("set -gx NO_PROXY '127.0.0.1'")]);
    expect(insecureTransportWarnings(PROXY, LOCAL, 'win32')).toEqual([warning("$env:NO_PROXY = '127.0.0.1'")]);
  });

  it('no warning when nothing of the key goes through a proxy in clear text', () => {
    for (const [env, url] of [
      [{ ...PROXY, NO_PROXY: '127.0.0.1' }, LOCAL],
      [{ ...PROXY, NO_PROXY: 'localhost,127.0.0.1:8080' }, LOCAL],
      [{ ...PROXY, NO_PROXY: '*' }, LOCAL],
      // HTTPS_PROXY is for https:// URLs: this one goes direct.
      [{ HTTPS_PROXY: PROXY.HTTPS_PROXY }, LOCAL],
      // https:// through a CONNECT tunnel is encrypted end to end.
      [PROXY, 'https://127.0.0.1:8443/v1'],
      [PROXY, 'https://api.openai.com/v1'],
      // A proxy value that is not a URL: the request's own usage error says so.
      [{ HTTP_PROXY: 'not a url' }, LOCAL],
    ] as Array<[Record<string, string>, string]>) {
      expect(insecureTransportWarnings(env, url, 'linux'), `${JSON.stringify(env)} ${url}`).toEqual([]);
    }
    // http:// to another machine is said as before, proxy or not.
    expect(insecureTransportWarnings(PROXY, 'http://10.0.0.5:8080/v1', 'linux')).toEqual(['http://10.0.0.5:8080/v1 is plain http:// to another machine: the key travels in clear text. Use https://.']);
  });

  it("doctor's Transport check is that warning", () => {
    expect(transportChecks(PROXY, LOCAL, 'linux').map((c) => [c.id, c.status, c.detail])).toEqual([['transport', 'warn', warning("export NO_PROXY='127.0.0.1'")]]);
  });
});

describe('every command that sends a key says it, once, before sending it', () => {
  const contexts = trackedContexts();
  const setup = (options: TestContextOptions) => contexts.make(options);
  const line = `! ${warning("export NO_PROXY='127.0.0.1'")}`;

  it('verify', async () => {
    const t = setup({ env: { ...PROXY, OPENAI_API_KEY: KEY, OPENAI_BASE_URL: LOCAL } });
    t.api.answerChecks(checkResult('valid'));
    expect(await verify(t.ctx, { json: false, quiet: false, billingCheck: true })).toBe(0);
    expect(t.stderr.split('\n').filter((l) => l.includes('clear text'))).toEqual([line]);
    expect(t.stdout + t.stderr).not.toContain('s3cret');
  });

  it('doctor: as its Transport check, not again on stderr', async () => {
    const t = setup({ env: { ...PROXY, OPENAI_API_KEY: KEY, OPENAI_BASE_URL: LOCAL } });
    t.api.answerReach({ reached: true, status: 401, json: true, ms: 5 }).answerChecks(checkResult('valid'));
    await doctor(t.ctx, { json: true });
    const report = DoctorJsonSchema.parse(JSON.parse(t.stdout));
    expect(report.checks.find((c) => c.id === 'transport')).toMatchObject({ status: 'warn', detail: warning("export NO_PROXY='127.0.0.1'") });
    expect(t.stderr).not.toContain('clear text');
  });

  it('a NO_PROXY value with a line break or an escape: one line on the terminal, the command as it works', async () => {
    const t = setup({ env: { ...PROXY, NO_PROXY: 'corp\n\x1b]52;c;aGk=\x07.example', OPENAI_API_KEY: KEY, OPENAI_BASE_URL: LOCAL } });
    t.api.answerChecks(checkResult('valid'));
    expect(await verify(t.ctx, { json: false, quiet: false, billingCheck: true })).toBe(0);
    const said = t.stderr.split('\n').filter((l) => l.includes('clear text'));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/ \(its value now holds control or invisible characters, and is left out\): {2}export NO_PROXY='127\.0\.0\.1'$/);
    expect(t.stdout + t.stderr).not.toMatch(/corp|52;c/);
  });

  it('admin-key, with the admin key', async () => {
    const t = setup({ admin: true, interactive: false, stdin: `${ADMIN}\n`, env: { ...PROXY, OPENAI_BASE_URL: LOCAL } });
    t.org.admin.addAdminKey(ADMIN);
    expect(await adminKey(t.ctx, { stdin: true, insecureStorage: false, verify: true, json: false })).toBe(0);
    expect(t.stderr.split('\n').filter((l) => l.includes('clear text'))).toEqual([line]);
  });
});

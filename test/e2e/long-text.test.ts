// Long text where keys are masked and found finishes at once: the built binary on a 60,000-character
// line in ~/.bashrc (import) and on a 1 MB answer logged with DEBUG=openai-setup (verify), and the
// masking and finding functions themselves on megabytes, each in a child process. A pattern that
// backtracks takes quadratic (or exponential) time on such text and blocks the process, signals
// included; the time limits here are generous guards against that hang, not speed measurements:
// each of these takes well under a second.
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestEnv, REPO_ROOT, type TestEnv } from '../helpers/env.js';
import { startPrivateKeyring, type PrivateKeyring } from '../helpers/keyring.js';
import { makeKey, startOpenAIServer, type FakeOpenAI } from '../helpers/openai-server.js';
import { runCli, runCommand } from '../helpers/run.js';

const KEY = makeKey('proj', 'e2e-long-text');
const BODY = KEY.slice('sk-proj-'.length);
const HANG_GUARD_MS = 20_000;
const MB = 1024 * 1024;

const envs: TestEnv[] = [];
afterEach(async () => {
  for (const t of envs.splice(0)) await t.cleanup();
});
async function machine(extra: Record<string, string> = {}): Promise<TestEnv> {
  const t = await makeTestEnv(extra);
  envs.push(t);
  return t;
}

describe('the binary on long text', () => {
  let server: FakeOpenAI;
  let keyring: PrivateKeyring;
  beforeAll(async () => {
    [server, keyring] = await Promise.all([startOpenAIServer(), startPrivateKeyring()]);
    server.addKey(KEY, 'valid');
  });
  afterAll(async () => {
    await Promise.all([server?.close(), keyring?.stop()]);
  });

  it('import --store ~/.bashrc:1 --rewrite --yes on a line of 60,000 characters: done, the diff cut, the key masked', async () => {
    const t = await machine({ OPENAI_BASE_URL: server.baseURL, ...keyring.env });
    const comment = ` # ${'A'.repeat(60_000)}`;
    const bashrc = join(t.home, '.bashrc');
    writeFileSync(bashrc, `export OPENAI_API_KEY="${KEY}"${comment}\n`);
    const result = await runCli(['import', '--store', '~/.bashrc:1', '--rewrite', '--yes', '--profile', 'long'], { env: t.env, timeoutMs: HANG_GUARD_MS });
    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines).toContain(`  - export OPENAI_API_KEY="sk-proj-…${KEY.slice(-4)}" # … (60000 more characters)`);
    expect(lines).toContain('  + OPENAI_API_KEY="$(openai-setup token --profile long)"; export OPENAI_API_KEY # … (60000 more characters)');
    expect(result.stdout + result.stderr).not.toContain(BODY.slice(0, 12));
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(600);
  });

  describe('DEBUG=openai-setup against a server whose answer is a megabyte', () => {
    let answers: Server;
    let baseURL = '';
    beforeAll(async () => {
      // 400 to every request: a JSON error quoting the key, or (at /text/) a page of one letter.
      answers = createServer((request, response) => {
        request.resume();
        const text = request.url!.startsWith('/text/');
        const body = text ? 'A'.repeat(MB) : JSON.stringify({ error: { message: `Incorrect API key provided: ${KEY}. ${'A'.repeat(MB)}`, type: 'invalid_request_error', code: null } });
        response.writeHead(400, { 'content-type': text ? 'text/plain' : 'application/json' }).end(body);
      });
      await new Promise<void>((done) => answers.listen(0, '127.0.0.1', done));
      baseURL = `http://127.0.0.1:${(answers.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      answers.closeAllConnections();
      await new Promise((done) => answers.close(done));
    });

    it('a page of 1 MB: verify ends (exit 6, not an API answer), each log line cut with a note', async () => {
      const t = await machine({ DEBUG: 'openai-setup' });
      const result = await runCli(['verify', '--key', KEY, '--base-url', `${baseURL}/text/v1`], { env: t.env, timeoutMs: HANG_GUARD_MS });
      expect(result.timedOut).toBe(false);
      expect(result.code).toBe(6);
      expect(result.stdout).toMatch(/answered HTTP 400 with a page that is not an OpenAI API answer/);
      const logged = result.stderr.split('\n').filter((l) => l.startsWith('[openai debug] ') && l.includes('response error'));
      expect(logged).toHaveLength(2);
      for (const line of logged) expect(line).toMatch(/"message":"… \(1048\d{3} more characters\)$/);
      expect(Math.max(...result.stderr.split('\n').map((l) => l.length))).toBeLessThan(4100);
      expect(result.stdout + result.stderr).not.toContain(BODY.slice(0, 12));
    });

    it('a JSON error of 1 MB quoting the key: verify ends, the message shown bounded, the key masked', async () => {
      const t = await machine({ DEBUG: 'openai-setup' });
      const result = await runCli(['verify', '--key', KEY, '--base-url', `${baseURL}/v1`], { env: t.env, timeoutMs: HANG_GUARD_MS });
      expect(result.timedOut).toBe(false);
      // "Incorrect API key provided" refuses the key whatever the status (a 400 here): exit 3.
      expect(result.code).toBe(3);
      expect(result.stdout).toContain(`Incorrect API key provided: sk-proj-…${KEY.slice(-4)}. AAAA`);
      expect(Math.max(...(result.stdout + result.stderr).split('\n').map((l) => l.length))).toBeLessThan(4100);
      expect(result.stdout + result.stderr).not.toContain(BODY.slice(0, 12));
    });
  });
});

describe('masking and finding on megabytes, in a child process', () => {
  // Each case prints its name when done: on a hang, the last name printed says which one it was.
  const CASES = `
    import { writeFileSync } from 'node:fs';
    import { join } from 'node:path';
    import { redact, redactedExcerpt } from './keys/redact.js';
    import { findKeys } from './plaintext/find.js';
    import { planEdit } from './plaintext/edit.js';
    import { scanPlaces } from './plaintext/scan.js';
    import { sanitize, shownValue, withoutUrlLogins } from './terminal/sanitize.js';
    import { READERS, view } from './keys/dotenv.js';
    const KEY = ${JSON.stringify(KEY)};
    const MB = ${MB};
    const marker = 'T3BlbkFJ';
    const texts = {
      'key characters': 'A'.repeat(MB),
      'a marker in the middle': 'A'.repeat(MB / 2) + marker + 'A'.repeat(MB / 2),
      'markers': marker.repeat(MB / 8),
      'markers and letters': ('ABCDEFGHIJ' + marker).repeat(MB / 18),
      'sk- again and again': 'sk-'.repeat(MB / 3),
      'proj- words': ' proj-'.repeat(MB / 6),
      'stars': '*'.repeat(MB),
      'the key again and again': KEY.repeat(MB / KEY.length),
      'the key lower-cased again and again': KEY.toLowerCase().repeat(MB / KEY.length),
      'scheme characters': 'a.'.repeat(MB / 2),
      'URLs with a login, no list mark after their path': 'http://u:p@h/@ '.repeat(MB / 15),
      'URLs with a login, no blank after them': 'http://u@h/,'.repeat(MB / 12),
      'blanks': ' \\t'.repeat(MB / 2) + 'x',
    };
    const checks = [];
    const run = async (name, f) => { checks.push([name, await f()]); console.log(name); };
    for (const [name, text] of Object.entries(texts)) {
      await run('redact: ' + name, () => redact(text, [KEY]).length);
      await run('redactedExcerpt: ' + name, () => redactedExcerpt(text, [KEY]).length);
      await run('sanitize: ' + name, () => sanitize(text).length);
      await run('shownValue: ' + name, () => shownValue(text).length);
      await run('withoutUrlLogins: ' + name, () => withoutUrlLogins(text).length);
    }
    // Runs of millions of characters (an answer may be 16 MB): a regular-expression loop written
    // \`{n,}\` overflowed V8's stack on them ("Maximum call stack size exceeded").
    const LONGEST = 8 * MB;
    const longest = {
      'key characters': 'A'.repeat(LONGEST),
      'sk- and key characters': 'sk-' + 'A'.repeat(LONGEST),
      'proj- and key characters': 'proj-' + 'A'.repeat(LONGEST),
      'a marker in the middle': 'A'.repeat(LONGEST / 2) + marker + 'A'.repeat(LONGEST / 2),
      'stars': '*'.repeat(LONGEST),
    };
    for (const [name, text] of Object.entries(longest)) {
      await run('redact, 8 MB: ' + name, () => redact(text, [KEY]).length);
    }
    await run('redact: a key after a megabyte', () => redact('A'.repeat(MB / 2) + marker + 'A'.repeat(MB / 2) + ' ' + KEY));
    await run('findKeys: 4 MB of key characters', () => findKeys('A'.repeat(4 * MB)).length);
    await run('findKeys: 4 MB of keys', () => findKeys((KEY + ' ').repeat(4 * MB / 165)).length);
    await run('findKeys: a name and a megabyte of blanks', () => findKeys('OPENAI_API_KEY' + ' '.repeat(MB)).length);
    await run('planEdit: the key and a megabyte of blanks', () => planEdit({ path: 'x', line: 1, kind: 'posix-shell', key: KEY, variable: null, utf16: false }, 'export OPENAI_API_KEY=' + KEY + ' '.repeat(MB) + 'x', 'openai-setup token').kind);
    await run('planEdit: fish, forty flags', () => planEdit({ path: 'x', line: 1, kind: 'fish', key: KEY, variable: null, utf16: false }, 'set ' + '--a '.repeat(40) + 'OPENAI_API_KEY ' + KEY + ' x', 'openai-setup token').kind);
    // The file around the line, read once: unclosed (( and here-document words, here-strings.
    await run('planEdit: a key after a megabyte of (( and <<', () => planEdit({ path: 'x', line: 2, kind: 'posix-shell', key: KEY, variable: null, utf16: false }, '(('.repeat(MB / 4) + "<<'".repeat(MB / 6) + '\\nexport OPENAI_API_KEY=' + KEY + '\\n', 'openai-setup token').kind);
    await run('planEdit: PowerShell, a megabyte of here-strings and <#', () => planEdit({ path: 'x', line: MB / 4 + 1, kind: 'powershell', key: KEY, variable: null, utf16: false }, '@"\\n'.repeat(MB / 4) + '$env:OPENAI_API_KEY = ' + KEY + '\\n', 'openai-setup token').kind);
    for (const [name, reader] of Object.entries(READERS)) {
      await run('dotenv ' + name + ': a line of a megabyte of blanks and no =', () => view(' '.repeat(MB) + 'x\\nOPENAI_API_KEY=' + KEY + '\\n', reader).assignments.length);
    }
    // In the test's temporary home, removed by the test even when this process is killed.
    const dir = process.env.HOME;
    writeFileSync(join(dir, 'config.fish'), 'set ' + '--a '.repeat(40) + KEY + '\\n');
    writeFileSync(join(dir, 'config.yaml'), ' '.repeat(MB) + KEY + '\\n');
    await run('scanPlaces: a fish line of forty flags, a YAML line of a megabyte of blanks', async () => (await scanPlaces([{ path: join(dir, 'config.fish'), kind: 'fish' }, { path: join(dir, 'config.yaml'), kind: 'tool', tool: 'aider' }])).findings.length);
    console.log(JSON.stringify(Object.fromEntries(checks)));
  `;

  it('redact, redactedExcerpt, sanitize, findKeys, planEdit and scanPlaces each read a megabyte (findKeys four) at once', async () => {
    const t = await machine();
    const bundled = await build({ stdin: { contents: CASES, resolveDir: join(REPO_ROOT, 'src'), loader: 'ts', sourcefile: 'long-text-cases.ts' }, bundle: true, platform: 'node', format: 'esm', write: false, logLevel: 'silent' });
    const script = join(t.home, 'cases.mjs');
    writeFileSync(script, bundled.outputFiles[0]!.text);
    const result = await runCommand(process.execPath, [script], { env: t.env, timeoutMs: HANG_GUARD_MS });
    expect(result.stderr).toBe('');
    expect(result.timedOut, `hung after: ${result.stdout.trim().split('\n').at(-1)}`).toBe(false);
    expect(result.code).toBe(0);
    const checks = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(checks['redact: a key after a megabyte']).toBe(`…AAAA sk-proj-…${KEY.slice(-4)}`);
    expect(checks['findKeys: 4 MB of keys']).toBe(Math.floor((4 * MB) / 165));
    expect(checks['findKeys: a name and a megabyte of blanks']).toBe(0);
    expect(checks['planEdit: the key and a megabyte of blanks']).toBe('manual');
    expect(checks['planEdit: a key after a megabyte of (( and <<']).toBe('manual');
    expect(checks['scanPlaces: a fish line of forty flags, a YAML line of a megabyte of blanks']).toBe(2);
    // Each .env reader still finds the assignment after the long line.
    for (const name of ['dotenv', 'node', 'node20', 'python', 'compose']) expect(checks[`dotenv ${name}: a line of a megabyte of blanks and no =`]).toBe(1);
  });
});

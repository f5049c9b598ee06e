// What others write to the process's stdout and stderr, through the built binary: Node's own debug
// output (NODE_DEBUG=http prints each request's headers, the key's Authorization among them; Node
// reads NODE_DEBUG at start-up), a library's console.log and console.error, process warnings. The
// key is masked there too, as in the tool's own lines; `token` still prints it whole.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VerifyJsonSchema } from '../../src/commands/verify.js';
import { makeKey } from '../helpers/openai-server.js';
import { startProxy } from '../helpers/proxy-server.js';
import { runCli, type RunResult } from '../helpers/run.js';
import { useServerAndKeyring } from '../helpers/server-and-keyring.js';

const VALID = makeKey('proj', 'node-debug-valid');
const NO_CREDITS = makeKey('proj', 'node-debug-no-credits');
const STORED = makeKey('proj', 'node-debug-stored');

const { server, machine } = useServerAndKeyring((s) => {
  s.addKey(VALID, 'valid');
  s.addKey(NO_CREDITS, 'no_credits');
  s.addKey(STORED, 'valid');
});

/** The key in neither stream, and where Node printed the request's headers, its masked hint. */
function expectMaskedHeader(result: RunResult, key: string): void {
  expect(result.stdout + result.stderr).not.toContain(key);
  expect(result.stdout + result.stderr).not.toContain(key.slice(8, 40));
  // (Node laid the header out for the whole key: on lines of its own.)
  expect(result.stderr).toMatch(new RegExp(String.raw`authorization: \[\s*'Bearer sk-proj-…${key.slice(-4)}'\s*\]`));
}

describe('NODE_DEBUG=http', () => {
  it.each([
    ['a working key (exit 0)', VALID, 0, /The key works and can spend/],
    ['a key without credits (exit 4)', NO_CREDITS, 4, /no credits/],
  ])('verify, %s: the Authorization header Node prints is masked, the exit code as without it', async (_name, key, exitCode, message) => {
    const t = await machine({ OPENAI_API_KEY: key, NODE_DEBUG: 'http' });
    const text = await runCli(['verify'], { env: t.env });
    expect(text.code, text.stderr).toBe(exitCode);
    expect(text.stdout + text.stderr).toMatch(message);
    expectMaskedHeader(text, key);

    const json = await runCli(['verify', '--json'], { env: t.env });
    expect(json.code, json.stderr).toBe(exitCode);
    // stdout is the one document still: Node's lines go to stderr.
    const parsed = VerifyJsonSchema.parse(JSON.parse(json.stdout));
    expect(parsed).toMatchObject({ exitCode, ok: exitCode === 0, key: { source: 'env', hint: `sk-proj-…${key.slice(-4)}` } });
    expectMaskedHeader(json, key);
  });

  it('http,net,tls through a proxy (the CONNECT tunnel): the key masked', async () => {
    const proxy = await startProxy();
    try {
      const t = await machine({ NODE_DEBUG: 'http,net,tls', HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: '' });
      const result = await runCli(['verify', '--key', VALID], { env: t.env });
      expect(result.code, result.stderr).toBe(0);
      expect(proxy.targets).toContain(`127.0.0.1:${server().port}`);
      expect(result.stderr).toMatch(/^NET \d+: /m);
      expectMaskedHeader(result, VALID);
    } finally {
      await proxy.close();
    }
  });

  it('http,net,tls with a login in the proxy URL and in the base URL: neither password shows (Node prints the URL, its password, a request\'s auth)', async () => {
    const proxy = await startProxy();
    try {
      const viaProxy = proxy.url.replace('http://', 'http://me:s3cret%21@');
      const base = server().baseURL.replace('http://', 'http://bob:hunter2-base-pw@');
      const t = await machine({ NODE_DEBUG: 'http,net,tls', HTTP_PROXY: viaProxy, HTTPS_PROXY: viaProxy, NO_PROXY: '', OPENAI_BASE_URL: base });
      const result = await runCli(['verify', '--key', VALID], { env: t.env });
      expect(result.code, result.stderr).toBe(0);
      expect(proxy.logins).toContain(`Basic ${Buffer.from('me:s3cret!').toString('base64')}`);
      const all = result.stdout + result.stderr;
      expect(all).not.toMatch(/s3cret|hunter2-base-pw/);
      expect(all).not.toContain(Buffer.from('me:s3cret!').toString('base64'));
      expect(result.stderr).toContain("password: '…'");
      expect(result.stderr).toContain("auth: 'bob:…'");
      expectMaskedHeader(result, VALID);
    } finally {
      await proxy.close();
    }
  });

  it('key --stdin and doctor (the key from stdin, then from the keychain) mask it; token still prints it whole, exactly', async () => {
    const t = await machine({ NODE_DEBUG: 'http' });
    const stored = await runCli(['key', '--stdin'], { env: t.env, input: `${STORED}\n` });
    expect(stored.code, stored.stderr).toBe(0);
    expectMaskedHeader(stored, STORED);

    const doctor = await runCli(['doctor'], { env: t.env });
    expect(doctor.code, doctor.stderr).toBe(0);
    expectMaskedHeader(doctor, STORED);

    const token = await runCli(['token'], { env: t.env });
    expect(token.code, token.stderr).toBe(0);
    expect(token.stdout).toBe(`${STORED}\n`);
  });
});

describe('a library’s console output and process warnings', () => {
  it('are masked against the run’s secrets: a value given to --key, not shaped like a key', async () => {
    const t = await machine();
    // Loaded before the tool, as NODE_OPTIONS=--require loads an agent; it speaks once the tool has
    // started (the next tick after the main module: the command line's secrets are known by then).
    const agent = join(t.root, 'agent.cjs');
    writeFileSync(
      agent,
      `process.nextTick(() => {
        const given = process.argv[process.argv.indexOf('--key') + 1];
        process.emitWarning('a library was given ' + given);
        console.error('console.error: ' + given);
        console.log('console.log: ' + given);
      });\n`,
    );
    const secret = 'hunter2-not-a-key-but-secret';
    const result = await runCli(['verify', '--key', secret], { env: { ...t.env, NODE_OPTIONS: `--require ${agent}` } });
    expect(result.stderr).toMatch(/^\(node:\d+\) Warning: a library was given hun…cret$/m);
    expect(result.stderr).toMatch(/^console\.error: hun…cret$/m);
    expect(result.stdout).toMatch(/^console\.log: hun…cret$/m);
    expect(result.stdout + result.stderr).not.toContain(secret);
    expect(result.stdout + result.stderr).not.toContain(secret.slice(0, 14));
  });
});

// NO_PROXY for an IPv6 base URL, as curl and undici's EnvHttpProxyAgent read it: a bare address
// (`::1`, whose last group is never a port) or one in brackets, with or without a port. What the
// requests do (http.ts) and what doctor says about them (its Proxy line) come from one function.
import { describe, expect, it } from 'vitest';
import { createApiFetch, proxyFor, proxySettings } from '../../src/api/http.js';
import { proxyCheck } from '../../src/commands/doctor.js';
import { makeKey, startOpenAIServer } from '../helpers/openai-server.js';

const PROXY = 'http://proxy:3128';
const via = (noProxy: string, url: string) => proxyFor(proxySettings({ HTTP_PROXY: PROXY, HTTPS_PROXY: PROXY, NO_PROXY: noProxy }), url);

describe('NO_PROXY and an IPv6 address', () => {
  // [NO_PROXY, URL, exempt?]
  const table: Array<[string, string, boolean]> = [
    ['::1', 'http://[::1]:8080/v1', true],
    ['[::1]', 'http://[::1]:8080/v1', true],
    ['[::1]:8080', 'http://[::1]:8080/v1', true],
    ['[::1]:9090', 'http://[::1]:8080/v1', false],
    ['[::1]:443', 'https://[::1]/v1', true],
    ['[::1]:80', 'https://[::1]/v1', false],
    ['localhost,127.0.0.1,::1', 'http://[::1]:8080/v1', true],
    ['localhost 127.0.0.1 [::1]', 'http://[::1]:8080/v1', true],
    // However the address is spelled, in either case.
    ['0:0:0:0:0:0:0:1', 'http://[::1]:8080/v1', true],
    ['[0:0::1]:8080', 'http://[::1]:8080/v1', true],
    ['FD00::ABCD', 'http://[fd00::abcd]:8080/v1', true],
    ['fd00::abcd', 'http://[FD00::ABCD]:8080/v1', true],
    ['::ffff:127.0.0.1', 'http://[::ffff:7f00:1]:8080/v1', true],
    // Another address, or a prefix of one, is no match: the last group of a bare one is no port.
    ['::2', 'http://[::1]:8080/v1', false],
    ['fd00::', 'http://[fd00::1]:8080/v1', false],
    ['::1', 'http://[::1:1]:1/v1', false],
    ['fd00::1%eth0', 'http://[fd00::1]:8080/v1', false],
    ['[::1', 'http://[::1]:8080/v1', false],
    // An IPv6 entry exempts no name or IPv4 address, and names still work as before.
    ['::1', 'http://127.0.0.1:8080/v1', false],
    ['[::1]', 'http://localhost:8080/v1', false],
    ['*', 'http://[::1]:8080/v1', true],
    ['localhost:8080', 'http://localhost:8080/v1', true],
    ['*.example.com', 'https://api.example.com/v1', true],
    ['.example.com:443', 'https://api.example.com/v1', true],
    ['EXAMPLE.com', 'https://api.example.com/v1', true],
    ['example.com:8443', 'https://api.example.com/v1', false],
  ];
  it.each(table)('NO_PROXY=%s, %s: exempt %s', (noProxy, url, exempt) => {
    expect(via(noProxy, url)).toBe(exempt ? null : PROXY);
  });

  it("doctor's Proxy line says what the requests do", () => {
    for (const noProxy of ['::1', '[::1]', '[::1]:8080', 'localhost,127.0.0.1,::1']) {
      expect(proxyCheck({ HTTP_PROXY: PROXY, NO_PROXY: noProxy }, 'http://[::1]:8080/v1')).toMatchObject({ status: 'info', detail: `direct connection (NO_PROXY=${noProxy} exempts [::1]:8080)` });
    }
    expect(proxyCheck({ HTTP_PROXY: PROXY, NO_PROXY: '[::1]:9090' }, 'http://[::1]:8080/v1')).toMatchObject({ detail: `API calls go through ${PROXY}; NO_PROXY=[::1]:9090` });
  });

  it('an exempt (or unproxied) IPv6 address is reached directly: fetch hands Node "[::1]", which no lookup finds', async () => {
    const server = await startOpenAIServer({ host: '::1' });
    try {
      const key = makeKey('proj', 'unit-no-proxy-v6');
      server.addKey(key, 'valid');
      const fetch = createApiFetch(proxySettings({ HTTP_PROXY: PROXY, NO_PROXY: '::1' }));
      const response = await fetch(`${server.baseURL}/models`, { headers: { authorization: `Bearer ${key}` } });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ object: 'list' });
      expect(server.requests.map((r) => [r.method, r.path, r.headers.host])).toEqual([['GET', '/v1/models', `[::1]:${server.port}`]]);
    } finally {
      await server.close();
    }
  });
});

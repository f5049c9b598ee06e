// A minimal forward proxy for tests: `CONNECT host:port` tunnels (what the tool's https-proxy-agent,
// and undici's ProxyAgent and EnvHttpProxyAgent, use by default, even for http:// targets) and
// absolute-form requests (`GET http://host:port/path`, what ProxyAgent sends with `proxyTunnel: false`).
// Only loopback targets are allowed: this machine must not open connections elsewhere.
//
// Plain ESM JavaScript (typed by proxy-server.d.mts) so that plain `node` can load it too.

import { createServer, request as httpRequest } from 'node:http';
import { connect, isIP } from 'node:net';

/** @typedef {import('./proxy-server.d.mts').FakeProxy} FakeProxy */

// Hop-by-hop headers a proxy must not forward (RFC 9110 §7.6.1), plus the proxy-only ones.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** @param {string} hostname without brackets */
function isLoopback(hostname) {
  const h = hostname.toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

/** Split 'host:port' / '[v6]:port' into parts; null when malformed. */
function parseAuthority(authority) {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(authority);
  if (!m) return null;
  return { hostname: /** @type {string} */ (m[1] ?? m[2]), port: Number(m[3]) };
}

/** @returns {Promise<FakeProxy>} */
export async function startProxy() {
  /** @type {string[]} */
  const targets = [];
  /** @type {string[]} */
  const logins = [];
  /** @type {Set<import('node:net').Socket>} */
  const sockets = new Set();
  const track = (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };

  // Absolute-form: `GET http://127.0.0.1:1234/v1/models HTTP/1.1`.
  const server = createServer((req, res) => {
    let url;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('proxy: absolute-form request expected\n');
      return;
    }
    if (url.protocol !== 'http:') {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('proxy: only http:// in absolute form\n');
      return;
    }
    const port = Number(url.port || 80);
    const hostname = url.hostname.replace(/^\[|\]$/g, '');
    targets.push(`${url.hostname}:${port}`);
    logins.push(req.headers['proxy-authorization'] ?? '');
    if (!isLoopback(hostname)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('proxy: only loopback targets are allowed\n');
      return;
    }
    /** @type {Record<string, string | string[]>} */
    const headers = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    const upstream = httpRequest(
      { hostname, port, method: req.method, path: url.pathname + url.search, headers },
      (up) => {
        /** @type {Record<string, string | string[]>} */
        const back = {};
        for (const [name, value] of Object.entries(up.headers)) {
          if (value !== undefined && !HOP_BY_HOP.has(name)) back[name] = value;
        }
        res.writeHead(up.statusCode ?? 502, up.statusMessage, back);
        up.pipe(res);
        up.on('error', () => res.destroy());
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end('proxy: upstream failed\n');
      else res.destroy(); // a reset upstream becomes a reset downstream
    });
    // A client that gives up (timeout) takes the upstream request with it.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });

  // CONNECT tunnelling.
  server.on('connect', (req, clientSocket, head) => {
    track(clientSocket);
    const authority = req.url ?? '';
    targets.push(authority);
    logins.push(req.headers['proxy-authorization'] ?? '');
    const target = parseAuthority(authority);
    if (!target || !isLoopback(target.hostname)) {
      clientSocket.end(`HTTP/1.1 ${target ? '403 Forbidden' : '400 Bad Request'}\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    let established = false;
    const upstream = connect(target.port, target.hostname, () => {
      established = true;
      clientSocket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(clientSocket);
      clientSocket.pipe(upstream);
    });
    track(upstream);
    upstream.on('error', () => {
      if (!established) clientSocket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
      else clientSocket.destroy();
    });
    clientSocket.on('error', () => upstream.destroy());
    clientSocket.on('close', () => upstream.destroy());
    upstream.on('close', () => clientSocket.destroy());
  });

  server.on('connection', track);

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(undefined);
    });
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('proxy-server: no TCP address');

  let closing;
  return {
    url: `http://127.0.0.1:${address.port}`,
    targets,
    logins,
    close() {
      closing ??= new Promise((resolve) => {
        server.close(() => resolve(undefined));
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
  };
}

// Typed entry for tests; the implementation is plain JS (proxy-server.mjs) so plain `node` can use it too.
export * from './proxy-server.mjs';

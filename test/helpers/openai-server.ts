// Typed entry for tests. The implementation is plain JS (openai-server.mjs, typed by
// openai-server.d.mts) so that the benchmark can start the same server with plain `node`.
export * from './openai-server.mjs';

#!/usr/bin/env node
// Runs the fake OpenAI server from plain Node (the benchmark has no TS loader).
//
//   node test/helpers/openai-server-cli.mjs --key KEY=scenario[:tier] ... [--port N] [--host H] [--proxy]
//
// Prints one JSON line, {"baseURL": "...", "port": N} (plus "proxyURL" with --proxy), then serves
// until SIGTERM/SIGINT. `--keys-json '{"KEY": {"scenario": "valid", "tier": 3}}'` takes full KeySetups.
import { startOpenAIServer } from './openai-server.mjs';
import { startProxy } from './proxy-server.mjs';

/** @type {Record<string, import('./openai-server.d.mts').KeySetup>} */
const keys = {};
let host;
let port;
let withProxy = false;

const args = process.argv.slice(2);
const fail = (msg) => {
  process.stderr.write(`openai-server-cli: ${msg}\n`);
  process.exit(2);
};
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  const value = () => args[++i] ?? fail(`${arg} needs a value`);
  if (arg === '--key') {
    const spec = value();
    const eq = spec.lastIndexOf('=');
    if (eq <= 0) fail(`--key expects KEY=scenario[:tier], got ${JSON.stringify(spec)}`);
    const [scenario, tier] = spec.slice(eq + 1).split(':');
    keys[spec.slice(0, eq)] = {
      scenario: /** @type {any} */ (scenario),
      ...(tier ? { tier: tier === 'free' ? 'free' : /** @type {any} */ (Number(tier)) } : {}),
    };
  } else if (arg === '--keys-json') Object.assign(keys, JSON.parse(value()));
  else if (arg === '--port') port = Number(value());
  else if (arg === '--host') host = value();
  else if (arg === '--proxy') withProxy = true;
  else fail(`unknown argument ${JSON.stringify(arg)}`);
}

let server;
try {
  server = await startOpenAIServer({ keys, host, port });
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
}
const proxy = withProxy ? await startProxy() : undefined;
process.stdout.write(
  `${JSON.stringify({ baseURL: server.baseURL, port: server.port, ...(proxy ? { proxyURL: proxy.url } : {}) })}\n`,
);

const stop = async () => {
  await Promise.all([server.close(), proxy?.close()]);
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

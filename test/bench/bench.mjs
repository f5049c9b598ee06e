#!/usr/bin/env node
// `npm run bench`: how fast openai-setup starts and how much a user downloads, measured against
// Node itself starting an empty file on the same machine in the same run.
//
//   node test/bench/bench.mjs [--runs 15] [--warmup 2] [--installs 3] [--no-install] [--out FILE] [--strict]
//                             [--node path/to/node]                  (time under another Node binary:
//                                                                    `npm run bench:24` uses Node 24)
//                             [--cli path/to/bin/openai-setup.cjs]   (time another checkout's build;
//                                                                    the package part packs this one)
//
// Timed (median of --runs, after --warmup rounds; the commands are interleaved round by round so
// that machine noise hits all of them alike):
//   node <empty file>                 the floor: what any Node CLI pays (an empty .cjs file too)
//   openai-setup --help / --version / status
//   the wizard's first prompt         in a pseudo-terminal, until "When you are done on that page"
//   openai-setup verify --json        against the local OpenAI-like server (two requests)
//   for reference: one GET on Node's fetch and on node:http; commander building the program
//                                     from the command table (the floor of every command)
//   status and verify without Node's compile cache (NODE_DISABLE_COMPILE_CACHE=1), for reference:
//                                     what the very first run of a command pays (Node >= 22.1;
//                                     Node 20 has no compile cache at all)
// HOME is a fresh temp dir, so the compile cache starts empty: the warm-up rounds write it, as a
// user's first run does.
// Memory: the peak resident set (maxRSS) of `verify --json` and of Node running an empty file,
// each read by a --require hook at exit, median of the runs.
// Then the package: `npm pack` (size, files), and `npm install` of the tarball into empty
// folders from a warm npm cache (time, packages, bytes on disk).
//
// Prints a table and writes everything to bench-results.json (gitignored) in the repository root.
// Exit code 0 unless --strict is given and a target is missed. Needs a build: `npm run bench`
// builds first.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build as esbuild } from 'esbuild';
import { spawn as ptySpawn } from '@lydell/node-pty';
import { makeKey } from '../helpers/openai-server.mjs';
import { installTarball, packTarball, REPO_ROOT } from './pack.mjs';

const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '2' },
    installs: { type: 'string', default: '3' },
    'no-install': { type: 'boolean', default: false },
    out: { type: 'string', default: join(REPO_ROOT, 'bench-results.json') },
    strict: { type: 'boolean', default: false },
    node: { type: 'string', default: process.execPath },
    // Time another build of the CLI (a branch checked out elsewhere) with this harness.
    cli: { type: 'string' },
  },
});
const RUNS = Number(flags.runs);
const WARMUP = Number(flags.warmup);
const INSTALLS = Number(flags.installs);

const CLI = flags.cli ? resolve(flags.cli) : join(REPO_ROOT, 'bin', 'openai-setup.cjs');
const WIZARD_TEXT = 'When you are done on that page';
const NODE = resolve(flags.node);
const TARGETS = { help: 1.5, version: 1.5, status: 1.5, wizard: 2.5, verify: 3 };
const MEMORY_TARGET = 1.4;
const SIZE_TARGET = { bytes: 8 * 1024 * 1024, packages: 5 };

if (!existsSync(join(dirname(CLI), '..', 'dist', 'main.cjs'))) {
  console.error('dist/main.cjs is missing: run `npm run bench` (it builds first).');
  process.exit(2);
}

// ---- a scrubbed machine: temp HOME and config dir, no D-Bus, a browser that does nothing ----
const root = mkdtempSync(join(tmpdir(), 'openai-setup-bench-'));
const home = join(root, 'home');
mkdirSync(home);
// The floor the ratios use: an empty ES module, what a modern Node CLI (`"type": "module"`) starts
// from. Our entry is CommonJS, which Node starts ~3 ms sooner; an empty CommonJS file is timed
// too and its ratios printed, so neither floor hides anything.
const emptyFile = join(root, 'empty.mjs');
writeFileSync(emptyFile, '');
const emptyCjsFile = join(root, 'empty.cjs');
writeFileSync(emptyCjsFile, '');
// One GET of the local server's /models, then exit: on Node's fetch (which the tool does not use:
// loading its undici costs more than the tool's own start), and on node:http (the tool's path).
const fetchFile = join(root, 'fetch.cjs');
writeFileSync(fetchFile, "fetch(process.argv[2]).then((r) => r.text()).then(() => process.exit(0));\n");
const httpFile = join(root, 'http.cjs');
writeFileSync(httpFile, "require('node:http').get(process.argv[2], (r) => r.resume().on('end', () => process.exit(0)));\n");
// The floor of any command with one argv parser: commander building the whole program from the
// command table (test/bench/parser-floor.ts), bundled like dist/main.cjs without the commands' modules.
const parserFloorFile = join(root, 'parser-floor.cjs');
await esbuild({
  entryPoints: [join(REPO_ROOT, 'test', 'bench', 'parser-floor.ts')],
  outfile: parserFloorFile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  logLevel: 'warning',
  plugins: [
    {
      name: 'commands-apart',
      setup(b) {
        // What the table's rows load when a command runs.
        b.onResolve({ filter: /^\.\/[\w-]+\.js$/ }, (args) => (args.importer.endsWith(join('commands', 'index.ts')) && args.kind === 'dynamic-import' ? { path: args.path, external: true } : undefined));
      },
    },
  ],
});
// As installed (`npm install -g`): openai-setup on PATH, so that it names itself by its bare name
// and answers a bare --help from the help rendered at build time.
const installedDir = join(root, 'installed');
mkdirSync(installedDir);
symlinkSync(CLI, join(installedDir, 'openai-setup'));
const baseEnv = {
  PATH: `${installedDir}:${process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'}`,
  HOME: home,
  XDG_CONFIG_HOME: join(root, 'xdg'),
  OPENAI_SETUP_CONFIG_DIR: join(root, 'config'),
  TERM: 'xterm-256color',
  LANG: 'C.UTF-8',
  BROWSER: '/bin/true',
};

let server;
const cleanup = () => {
  server?.kill('SIGTERM');
  rmSync(root, { recursive: true, force: true });
};
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

// ---- the local OpenAI-like server, in its own process (spawnSync blocks this one) ----
const KEY = makeKey('proj', 'bench');
const baseURL = await new Promise((resolve, reject) => {
  server = spawn(process.execPath, [join(REPO_ROOT, 'test', 'helpers', 'openai-server-cli.mjs'), '--key', `${KEY}=valid`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  server.stdout.setEncoding('utf8').on('data', (d) => {
    out += d;
    const nl = out.indexOf('\n');
    if (nl !== -1) resolve(JSON.parse(out.slice(0, nl)).baseURL);
  });
  server.on('exit', (code) => reject(new Error(`the OpenAI-like server exited (${code})`)));
});

// A state file, so that status has something to show (three stages done, a billing choice).
for (const args of [['login', '--done'], ['payment', '--done'], ['billing', '--done', '--choice', 'prepaid']]) {
  const r = spawnSync(NODE, [CLI, ...args], { env: baseEnv, cwd: home, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openai-setup ${args.join(' ')} failed: ${r.stderr}`);
}

// ---- what is timed ----
const ANSI = /\u001b\][\s\S]*?(?:\u0007|\u001b\\)|\u001b\[[0-?]*[ -/]*[@-~]|\u001b[ -/]*[0-~]/g;

const NO_CACHE = { ...baseEnv, NODE_DISABLE_COMPILE_CACHE: '1' };

// Peak memory: a hook loaded with --require writes process.resourceUsage().maxRSS (kB) at exit.
const rssHook = join(root, 'rss-hook.cjs');
const rssOut = join(root, 'rss.txt');
writeFileSync(rssHook, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(rssOut)}, String(process.resourceUsage().maxRSS)));\n`);
function peakRss(argv, check) {
  const r = spawnSync(NODE, ['--require', rssHook, ...argv], { env: baseEnv, cwd: home, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0 || (check && !check(r.stdout))) throw new Error(`node ${argv.join(' ')} exited with ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}`);
  return Number(readFileSync(rssOut, 'utf8')) / 1024;
}

/** Wall time of a process from spawn to exit; throws on a non-zero exit. */
function timeSync(argv, check, env = baseEnv) {
  const started = performance.now();
  const r = spawnSync(NODE, argv, { env, cwd: home, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const ms = performance.now() - started;
  if (r.status !== 0 || (check && !check(r.stdout))) {
    throw new Error(`node ${argv.join(' ')} exited with ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}`);
  }
  return ms;
}

/** Time from spawning in a pseudo-terminal until `text` is on screen (or, without text, until exit). */
function timePty(argv, text, env = baseEnv) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const pty = ptySpawn(NODE, argv, { name: 'xterm-256color', cols: 100, rows: 40, cwd: home, env });
    let raw = '';
    let ms;
    const kill = () => {
      try {
        process.kill(-pty.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      kill();
      reject(new Error(`no ${JSON.stringify(text)} within 20 s; the screen:\n${raw.replace(ANSI, '')}`));
    }, 20_000);
    pty.onData((d) => {
      raw += d;
      if (text && ms === undefined && raw.replace(ANSI, '').includes(text)) {
        ms = performance.now() - started;
        kill();
      }
    });
    pty.onExit(() => {
      clearTimeout(timer);
      if (!text) ms ??= performance.now() - started;
      if (ms === undefined) reject(new Error(`exited before ${JSON.stringify(text)}; the screen:\n${raw.replace(ANSI, '')}`));
      else resolve(ms);
    });
  });
}

let wizardRun = 0;
const cases = [
  { id: 'node', label: 'node <empty file>', run: () => timeSync([emptyFile]) },
  { id: 'node-cjs', label: 'node <empty .cjs file>', run: () => timeSync([emptyCjsFile]) },
  { id: 'help', label: 'openai-setup --help', run: () => timeSync([CLI, '--help'], (out) => out.includes('Usage: openai-setup')) },
  { id: 'version', label: 'openai-setup --version', run: () => timeSync([CLI, '--version'], (out) => /^\d+\.\d+\.\d+/.test(out)) },
  { id: 'status', label: 'openai-setup status', run: () => timeSync([CLI, 'status'], (out) => out.includes('openai-setup status')) },
  {
    id: 'wizard',
    label: 'wizard: first prompt (pty)',
    // A fresh config dir each time, so the first prompt is always stage 1's.
    run: () => timePty([CLI], WIZARD_TEXT, { ...baseEnv, OPENAI_SETUP_CONFIG_DIR: join(root, `wizard-${wizardRun++}`) }),
  },
  {
    id: 'verify',
    label: 'openai-setup verify --json',
    run: () => timeSync([CLI, 'verify', '--json', '--key', KEY, '--base-url', baseURL], (out) => JSON.parse(out).status === 'valid'),
  },
  { id: 'node-pty', label: 'node <empty file> (pty)', run: () => timePty([emptyFile], null) },
  { id: 'node-fetch', label: 'node: one fetch(), then exit', run: () => timeSync([fetchFile, `${baseURL}/models`]) },
  { id: 'node-http', label: 'node: one http.get(), then exit', run: () => timeSync([httpFile, `${baseURL}/models`]) },
  { id: 'parser-floor', label: 'commander + the command table', run: () => timeSync([parserFloorFile]) },
  // What a first run pays, before the compile cache exists (or with it turned off).
  { id: 'status-cold', label: 'status, no compile cache', run: () => timeSync([CLI, 'status'], (out) => out.includes('openai-setup status'), NO_CACHE) },
  {
    id: 'verify-cold',
    label: 'verify --json, no compile cache',
    run: () => timeSync([CLI, 'verify', '--json', '--key', KEY, '--base-url', baseURL], (out) => JSON.parse(out).status === 'valid', NO_CACHE),
  },
];

const samples = Object.fromEntries(cases.map((c) => [c.id, []]));
const total = WARMUP + RUNS;
process.stderr.write(`Timing ${cases.length} commands × ${RUNS} runs (+${WARMUP} warm-up), interleaved`);
for (let round = 0; round < total; round++) {
  // Rotate the order each round so no command always runs right after the same one.
  for (let i = 0; i < cases.length; i++) {
    const c = cases[(round + i) % cases.length];
    const ms = await c.run();
    if (round >= WARMUP) samples[c.id].push(ms);
  }
  process.stderr.write('.');
}
process.stderr.write('\n');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const round1 = (x) => Math.round(x * 10) / 10;
const round2 = (x) => Math.round(x * 100) / 100;

const nodeMedian = median(samples.node);
const cjsMedian = median(samples['node-cjs']);
const timings = {};
for (const c of cases) {
  const xs = samples[c.id];
  const med = median(xs);
  const ratio = med / nodeMedian;
  const target = TARGETS[c.id];
  timings[c.id] = {
    label: c.label,
    medianMs: round1(med),
    minMs: round1(Math.min(...xs)),
    maxMs: round1(Math.max(...xs)),
    ratio: round2(ratio),
    ratioToCjsFloor: round2(med / cjsMedian),
    ...(target ? { target, pass: ratio <= target } : {}),
    samplesMs: xs.map(round1),
  };
}

// ---- peak memory ----
const verifyArgv = [CLI, 'verify', '--json', '--key', KEY, '--base-url', baseURL];
const rss = { node: [], verify: [] };
for (let i = 0; i < Math.max(5, Math.min(RUNS, 9)); i++) {
  rss.node.push(peakRss([emptyFile]));
  rss.verify.push(await new Promise((done) => setImmediate(() => done(peakRss(verifyArgv, (out) => JSON.parse(out).status === 'valid')))));
}
const memory = { nodeMB: round1(median(rss.node)), verifyMB: round1(median(rss.verify)) };
memory.ratio = round2(memory.verifyMB / memory.nodeMB);
memory.target = MEMORY_TARGET;
memory.pass = memory.ratio <= MEMORY_TARGET;

const nodeVersion = spawnSync(NODE, ['--version'], { encoding: 'utf8' }).stdout.trim();
const cpu = cpus();
const machine = { node: nodeVersion, platform: process.platform, arch: process.arch, cpus: cpu.length, cpuModel: cpu[0]?.model?.trim() ?? 'unknown' };
console.log(`\nopenai-setup bench · Node ${machine.node} · ${machine.platform}-${machine.arch} · ${machine.cpus} × ${machine.cpuModel}`);
console.log(`${RUNS} runs each after ${WARMUP} warm-up rounds, interleaved; ratio = median / median of node <empty file> (an empty ES module);\n× cjs = the same against an empty CommonJS file, for reference\n`);
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
console.log(`${pad('', 30)}${lpad('median', 10)}${lpad('min', 10)}${lpad('max', 10)}${lpad('× node', 9)}${lpad('× cjs', 8)}   target`);
for (const c of cases) {
  const t = timings[c.id];
  const verdict = t.target ? `≤ ${t.target}x  ${t.pass ? 'ok' : 'MISSED'}` : c.id === 'node' ? '(baseline)' : '(for reference)';
  console.log(`${pad(t.label, 30)}${lpad(`${t.medianMs} ms`, 10)}${lpad(`${t.minMs}`, 10)}${lpad(`${t.maxMs}`, 10)}${lpad(`${t.ratio.toFixed(2)}x`, 9)}${lpad(`${t.ratioToCjsFloor.toFixed(2)}x`, 8)}   ${verdict}`);
}

console.log(`\nPeak memory (maxRSS)           node <empty file> ${memory.nodeMB} MB · verify --json ${memory.verifyMB} MB · ${memory.ratio.toFixed(2)}x   ≤ ${MEMORY_TARGET}x  ${memory.pass ? 'ok' : 'MISSED'}`);

// ---- the package ----
const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;
const kb = (bytes) => `${(bytes / 1024).toFixed(0)} kB`;
let pkg = null;
if (!flags['no-install']) {
  process.stderr.write('\nPacking and installing the tarball');
  const packed = packTarball(join(root, 'pack'));
  // The notices of the packages bundled into dist/ ship with it: their licenses require it.
  const allowed = /^(package\.json|README\.md|CHANGELOG\.md|LICENSE(\.md)?|\.env\.example|bin\/[^/]+\.cjs|dist\/.+\.cjs|dist\/help\.txt|dist\/THIRD-PARTY-NOTICES\.md)$/;
  const unexpected = packed.files.map((f) => f.path).filter((p) => !allowed.test(p));
  // The first install warms the npm cache (and is not timed); the rest are what a returning
  // `npx` user, or a CI runner with a cache, waits for.
  installTarball(packed.tarball, join(root, 'install-warm'));
  process.stderr.write('.');
  const installs = [];
  for (let i = 0; i < INSTALLS; i++) {
    installs.push(installTarball(packed.tarball, join(root, `install-${i}`)));
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  const tree = installs[0];
  const installMs = median(installs.map((r) => r.ms));
  pkg = {
    tarball: packed.filename,
    packedBytes: packed.size,
    unpackedBytes: packed.unpackedSize,
    packedFiles: packed.files.length,
    unexpectedFiles: unexpected,
    installedBytes: tree.bytes,
    installedFiles: tree.files,
    packageCount: tree.packages.length,
    packages: tree.packages,
    installMedianMs: Math.round(installMs),
    installSamplesMs: installs.map((r) => Math.round(r.ms)),
    target: { maxBytes: SIZE_TARGET.bytes, maxPackages: SIZE_TARGET.packages },
    pass: tree.bytes <= SIZE_TARGET.bytes && tree.packages.length <= SIZE_TARGET.packages && unexpected.length === 0,
  };
  console.log(`\nPackage ${packed.filename}`);
  console.log(`  packed (download)     ${mb(packed.size)}  (${packed.files.length} files, ${mb(packed.unpackedSize)} unpacked)`);
  console.log(`  installed tree        ${mb(tree.bytes)} in ${tree.packages.length} packages, ${tree.files} files   target ≤ ${mb(SIZE_TARGET.bytes)} in ≤ ${SIZE_TARGET.packages} packages  ${pkg.pass ? 'ok' : 'MISSED'}`);
  for (const p of tree.packages) console.log(`    ${pad(`${p.name}@${p.version}`, 44)}${lpad(kb(p.bytes), 10)}`);
  console.log(`  npm install (warm cache, --prefer-offline)   median ${Math.round(installMs)} ms of ${INSTALLS}: ${pkg.installSamplesMs.join(', ')} ms`);
  if (unexpected.length) console.log(`  files a user does not need: ${unexpected.join(', ')}`);
}

const results = { date: new Date().toISOString(), machine, runs: RUNS, warmup: WARMUP, timings, memory, package: pkg };
writeFileSync(flags.out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nWrote ${flags.out}`);

const missed = [...Object.entries(timings).filter(([, t]) => t.pass === false).map(([id]) => id), ...(memory.pass ? [] : ['memory']), ...(pkg && !pkg.pass ? ['package'] : [])];
if (missed.length) console.log(`Targets missed: ${missed.join(', ')}`);
else console.log('All targets met.');
process.exit(flags.strict && missed.length ? 1 : 0); // also stops the server (see cleanup)

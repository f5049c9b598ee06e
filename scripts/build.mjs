#!/usr/bin/env node
// `npm run build`: bundles the CLI with esbuild into CommonJS files under dist/.
//
//   dist/boot.cjs              the compile cache, `--version`, `--help` (dist/help.txt), then main.cjs
//   dist/help.txt              commander's --help for 80 columns, rendered after the bundles are built
//   dist/main.cjs              all of src/ with commander, chalk and zod (every command needs them), and
//                              is-fullwidth-code-point (the wide characters, for the columns of a table)
//   dist/vendor/openai.cjs     the SDK, for the commands that call the API (with minipass-fetch's Headers)
//   dist/vendor/minipass-fetch.cjs     the fetch under the SDK and doctor's probe (on node:http)
//   dist/vendor/https-proxy-agent.cjs  the CONNECT tunnel, only when a proxy is set
//   dist/vendor/inquirer.cjs   the four prompts, for questions
//   dist/vendor/open.cjs       opening a browser without BROWSER set
//   dist/vendor/proper-lockfile.cjs  the lock around changes to the config files, for the commands that write
//
// The libraries a command may not need are files of their own, required only when used, so that
// `--version` or `status` never parse the SDK. CommonJS because Node 20 loads it faster than ES
// modules; our own code is one file, so classes such as ExitError have one identity.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { builds, bundledPackageDirs, DIST, ROOT } from './build-config.mjs';

rmSync(DIST, { recursive: true, force: true });

const results = await Promise.all(builds().map((options) => build({ ...options, metafile: true })));

// The licences of what we ship: each bundled package's name, version, licence and licence text
// (esbuild's bundles carry none of their comments).
const packages = new Map();
for (const result of results) {
  for (const dir of bundledPackageDirs(result.metafile)) {
    const path = join(ROOT, dir);
    const manifest = JSON.parse(readFileSync(join(path, 'package.json'), 'utf8'));
    const licenceFile = readdirSync(path).find((name) => /^(licen[cs]e|copying)([-.][\w.-]*)?$/i.test(name));
    if (!licenceFile) throw new Error(`${manifest.name} has no licence file in ${relative(ROOT, path)}`);
    packages.set(`${manifest.name}@${manifest.version}`, { manifest, text: readFileSync(join(path, licenceFile), 'utf8').trim() });
  }
}
const notices = [...packages.entries()]
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([id, { manifest, text }]) => `## ${id} (${manifest.license})\n\n${text}\n`);
writeFileSync(
  join(DIST, 'THIRD-PARTY-NOTICES.md'),
  `# Third-party notices\n\nopenai-setup bundles these packages into dist/. Each is used under its own licence, reproduced here.\n\n${notices.join('\n')}`,
);
if (!existsSync(join(DIST, 'main.cjs'))) throw new Error('the build wrote no dist/main.cjs');

// The bundles are ASCII: one character beyond it makes Node hold the whole file's source as UTF-16
// (main.cjs: 1 MB of memory instead of 0.5) and read and parse it more slowly. esbuild escapes
// every string but the characters of a regular expression literal: write those as \u escapes.
// (NO_MINIFY keeps the comments, which are not code: not checked.)
for (const file of process.env.NO_MINIFY ? [] : results.flatMap((result) => Object.keys(result.metafile.outputs))) {
  const text = readFileSync(resolve(file), 'utf8'); // esbuild names outputs from the working dir
  const at = text.search(/[^\x00-\x7f]/);
  if (at !== -1) throw new Error(`${file} is not ASCII: ${JSON.stringify(text.slice(Math.max(0, at - 60), at + 20))} (write the character as a \\u escape)`);
}

// The help boot.cjs prints for a bare `--help`: commander's own, from the program just built.
const help = spawnSync(process.execPath, ['-e', "require('./dist/main.cjs').run(['node', 'openai-setup', '--help'])"], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH } });
if (help.status !== 0 || !help.stdout.startsWith('Usage: openai-setup')) throw new Error(`rendering --help failed: ${help.stderr}`);
writeFileSync(join(DIST, 'help.txt'), help.stdout);

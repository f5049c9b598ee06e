#!/usr/bin/env node
// `npm run build`: bundles the CLI with esbuild into CommonJS files under dist/.
//
//   dist/boot.cjs              the compile cache, `--version`, `--help` (dist/help.txt), then main.cjs
//   dist/help.txt              commander's --help for 80 columns, rendered after the bundles are built
//   dist/main.cjs              all of src/ with commander, chalk and zod (every command needs them)
//   dist/vendor/openai.cjs     the SDK, for the commands that call the API
//   dist/vendor/undici.cjs     the HTTP client under the SDK (the proxy agent, the body cap)
//   dist/vendor/inquirer.cjs   the four prompts, for questions
//   dist/vendor/open.cjs       opening a browser without BROWSER set
//   dist/vendor/proper-lockfile.cjs  the lock around changes to the config files, for the commands that write
//
// The libraries a command may not need are files of their own, required only when used, so that
// `--version` or `status` never parse the SDK. CommonJS because Node 20 loads it faster than ES
// modules; our own code is one file, so classes such as ExitError have one identity.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const INQUIRER_ENTRY = join(ROOT, 'src', 'terminal', 'inquirer.ts');

/** Packages bundled each into dist/vendor/<name>.cjs. */
const VENDOR_PACKAGES = ['openai', 'undici', 'open', 'proper-lockfile'];

/** Keeps the vendor files out of main.cjs: they are required at run time, when used. */
const vendorsApart = {
  name: 'openai-setup-vendors-apart',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^(${VENDOR_PACKAGES.join('|')})$`) }, (args) => ({ path: `./vendor/${args.path}.cjs`, external: true }));
    b.onResolve({ filter: /^\.\/inquirer\.js$/ }, (args) =>
      join(args.resolveDir, 'inquirer.ts') === INQUIRER_ENTRY ? { path: './vendor/inquirer.cjs', external: true } : undefined,
    );
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // NO_MINIFY=1 npm run build: readable stacks and profiles.
  minify: !process.env.NO_MINIFY,
  legalComments: 'none',
  logLevel: 'warning',
  // `import.meta.url` has no CommonJS meaning; keychain.ts resolves the keychain binding from it,
  // and `open` finds its own directory with it.
  define: { 'import.meta.url': '__importMetaUrl' },
  banner: { js: "const __importMetaUrl=require('node:url').pathToFileURL(__filename).href;" },
  external: ['@napi-rs/keyring'],
  // import() of a vendor file becomes require(): Node's import() of a CommonJS file first scans
  // all of it for export names.
  supported: { 'dynamic-import': false },
};

rmSync(DIST, { recursive: true, force: true });

await Promise.all([
  build({ ...common, entryPoints: [join(ROOT, 'src', 'boot.ts')], outfile: join(DIST, 'boot.cjs'), external: ['./main.cjs'] }),
  build({ ...common, entryPoints: [join(ROOT, 'src', 'main.ts')], outfile: join(DIST, 'main.cjs'), plugins: [vendorsApart] }),
  build({ ...common, entryPoints: [INQUIRER_ENTRY], outfile: join(DIST, 'vendor', 'inquirer.cjs') }),
  ...VENDOR_PACKAGES.map((name) =>
    build({
      ...common,
      entryPoints: [fileURLToPath(import.meta.resolve(name))],
      outfile: join(DIST, 'vendor', `${name}.cjs`),
      // The SDK names itself in its User-Agent by its class name (`OpenAI/JS 6.x`): keep names.
      keepNames: name === 'openai',
    }),
  ),
]);

// The help boot.cjs prints for a bare `--help`: commander's own, from the program just built.
const help = spawnSync(process.execPath, ['-e', "require('./dist/main.cjs').run(['node', 'openai-setup', '--help'])"], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH } });
if (help.status !== 0 || !help.stdout.startsWith('Usage: openai-setup')) throw new Error(`rendering --help failed: ${help.stderr}`);
writeFileSync(join(DIST, 'help.txt'), help.stdout);

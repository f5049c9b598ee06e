#!/usr/bin/env node
// `npm run build`: bundles the CLI into CommonJS files under dist/ with esbuild.
//
// Why CommonJS and several files (measured on Node 20, 2 cores; bare Node starts in ~19 ms):
// - Node's ES module loader costs ~3 ms more than require() for an empty file, and several ms more
//   for every bundled library (chalk: +6 ms as ESM, +3 ms as CommonJS).
// - One file holding everything (~1 MB with the SDK) would be parsed by every command, even
//   `--version`. So the entry is tiny, our own code is one file, and each heavy library is its own
//   file, required only by the code that uses it.
//
//   dist/main.cjs            `--version`, `--help` (dist/help.txt, rendered after the build), and
//                            the hand-off to cli.cjs through the code cache (src/compile-cache.ts)
//   dist/cli.cjs             all of src/ (commands load lazily inside it), chalk, zod/mini
//   dist/vendor/commander.cjs  every command line but the plain forms of setup, status, verify
//   dist/vendor/openai.cjs   the SDK (verify, the key stage, doctor)
//   dist/vendor/inquirer.cjs the four prompts (interactive commands only)
//   dist/vendor/undici.cjs   only with a proxy (HTTPS_PROXY...)
//   dist/vendor/open.cjs     opening a browser without BROWSER set
//
// Our own code lives in exactly one file, so classes such as ExitError have one identity; the
// vendor files are whole libraries that our code only calls.
import { build } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const INQUIRER_ENTRY = join(ROOT, 'src', 'inquirer.ts');
const SDK_GLOBALS = join(ROOT, 'src', 'sdk-globals.ts');

/** Packages bundled each into dist/vendor/<name>.cjs. */
const VENDOR_PACKAGES = ['openai', 'undici', 'open', 'commander'];

/** Keeps the vendor files out of cli.cjs: they are required at run time, when used. */
const vendorsApart = {
  name: 'openai-setup-vendors-apart',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^(${VENDOR_PACKAGES.join('|')})$`) }, (args) => ({ path: `./vendor/${args.path}.cjs`, external: true }));
    b.onResolve({ filter: /^\.\/inquirer\.js$/ }, (args) =>
      join(args.resolveDir, 'inquirer.ts') === INQUIRER_ENTRY ? { path: './vendor/inquirer.cjs', external: true } : undefined,
    );
    // chalk's own color detection loads node:tty at start-up (~3 ms); terminal.ts always gives
    // chalk the level it decided (NO_COLOR, FORCE_COLOR, a terminal or not), so it is never used.
    b.onResolve({ filter: /^#supports-color$/ }, () => ({ path: 'supports-color', namespace: 'unused-supports-color' }));
    b.onLoad({ filter: /.*/, namespace: 'unused-supports-color' }, () => ({ contents: 'export default { stdout: false, stderr: false };', loader: 'js' }));
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
  // `import.meta.url` has no CommonJS meaning; keystore.ts resolves the keychain binding from it,
  // and `open` finds its own directory with it.
  define: { 'import.meta.url': '__importMetaUrl' },
  banner: { js: "const __importMetaUrl=require('node:url').pathToFileURL(__filename).href;" },
  external: ['@napi-rs/keyring'],
  // import() of a vendor file must become require(): Node's import() of a CommonJS file first
  // scans all of it for export names (cjs-module-lexer: 18 ms for our 240 kB).
  supported: { 'dynamic-import': false },
};

rmSync(DIST, { recursive: true, force: true });

await Promise.all([
  build({ ...common, entryPoints: [join(ROOT, 'src', 'main.ts')], outfile: join(DIST, 'main.cjs') }),
  build({ ...common, entryPoints: [join(ROOT, 'src', 'cli.ts')], outfile: join(DIST, 'cli.cjs'), plugins: [vendorsApart] }),
  build({ ...common, entryPoints: [INQUIRER_ENTRY], outfile: join(DIST, 'vendor', 'inquirer.cjs') }),
  ...VENDOR_PACKAGES.map((name) =>
    build({
      ...common,
      entryPoints: [fileURLToPath(import.meta.resolve(name))],
      outfile: join(DIST, 'vendor', `${name}.cjs`),
      // Node 20 builds its global Headers and FormData by loading its whole internal undici (~15 ms
      // on first touch); see src/sdk-globals.ts for what the SDK gets instead.
      ...(name === 'openai' ? { inject: [SDK_GLOBALS] } : {}),
    }),
  ),
]);

// Empty until postbuild renders the help into it (main.cjs falls back to commander meanwhile).
writeFileSync(join(DIST, 'help.txt'), '');

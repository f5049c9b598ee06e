// The esbuild builds of the CLI, as data: scripts/build.mjs runs them, and the package test reads
// them to know which third-party packages end up in dist/ (and so in the notices file).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(ROOT, 'dist');
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

/** Every esbuild build of `npm run build`. */
export function builds() {
  return [
    { ...common, entryPoints: [join(ROOT, 'src', 'boot.ts')], outfile: join(DIST, 'boot.cjs'), external: ['./main.cjs'] },
    { ...common, entryPoints: [join(ROOT, 'src', 'main.ts')], outfile: join(DIST, 'main.cjs'), plugins: [vendorsApart] },
    { ...common, entryPoints: [INQUIRER_ENTRY], outfile: join(DIST, 'vendor', 'inquirer.cjs') },
    ...VENDOR_PACKAGES.map((name) => ({
      ...common,
      entryPoints: [fileURLToPath(import.meta.resolve(name))],
      outfile: join(DIST, 'vendor', `${name}.cjs`),
      // The SDK names itself in its User-Agent by its class name (`OpenAI/JS 6.x`): keep names.
      keepNames: name === 'openai',
    })),
  ];
}

/** The npm packages a build's metafile shows were bundled: their directories under node_modules. */
export function bundledPackageDirs(metafile) {
  const dirs = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (match) dirs.add(input.slice(0, match.index + match[0].length - 1).replace(/^\.\//, ''));
  }
  return [...dirs];
}

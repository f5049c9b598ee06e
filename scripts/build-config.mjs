// The esbuild builds of the CLI, as data: scripts/build.mjs runs them, and the package test reads
// them to know which third-party packages end up in dist/ (and so in the notices file).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(ROOT, 'dist');
const INQUIRER_ENTRY = join(ROOT, 'src', 'terminal', 'inquirer.ts');

/** Packages bundled each into dist/vendor/<name>.cjs. */
const VENDOR_PACKAGES = ['openai', 'minipass-fetch', 'https-proxy-agent', 'open', 'proper-lockfile'];

/**
 * Optional parts of bundled packages that are left out, each replaced by a module that throws
 * when required or used (which the packages expect). iconv-lite (0.5 MB) only serves
 * minipass-fetch's textConverted(); proxy-agent-negotiate (and the native kerberos it loads) only
 * Negotiate proxy logins, which the tool never asks https-proxy-agent for.
 */
const LEFT_OUT = {
  'iconv-lite': "throw new Error('iconv-lite is not part of openai-setup');",
  'proxy-agent-negotiate': "exports.createNegotiateAuth = () => { throw new Error('Negotiate proxy logins are not part of openai-setup'); };",
};

/**
 * `debug` logs where DEBUG says, and https-proxy-agent logs the proxy URL, password included:
 * the tool never writes it, so `debug` is a no-op logger.
 */
const SILENT_DEBUG = 'const silent = () => { const log = () => {}; log.enabled = false; log.extend = silent; return log; }; module.exports = silent; module.exports.default = silent;';

/** The left-out modules and the silent `debug`, in every build. */
const trimmed = {
  name: 'openai-setup-trimmed',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^(${Object.keys(LEFT_OUT).join('|')}|debug)$`) }, (args) => ({ path: args.path, namespace: 'trimmed' }));
    b.onLoad({ filter: /.*/, namespace: 'trimmed' }, (args) => ({ contents: args.path === 'debug' ? SILENT_DEBUG : LEFT_OUT[args.path], loader: 'js' }));
  },
};

/**
 * The SDK builds its request headers with the global Headers, and reading that global makes Node
 * load all of its undici (~35 ms on Node 20): the SDK's file uses minipass-fetch's Headers, the
 * class of the fetch the tool gives it, from dist/vendor/minipass-fetch.cjs.
 */
const SDK_HEADERS = join(ROOT, 'scripts', 'sdk-headers.mjs');
const sdkHeadersFromVendor = {
  name: 'openai-setup-sdk-headers',
  setup(b) {
    b.onResolve({ filter: /^minipass-fetch$/ }, () => ({ path: './minipass-fetch.cjs', external: true }));
  },
};

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
    { ...common, entryPoints: [join(ROOT, 'src', 'main.ts')], outfile: join(DIST, 'main.cjs'), plugins: [vendorsApart, trimmed] },
    { ...common, entryPoints: [INQUIRER_ENTRY], outfile: join(DIST, 'vendor', 'inquirer.cjs') },
    ...VENDOR_PACKAGES.map((name) => ({
      ...common,
      entryPoints: [fileURLToPath(import.meta.resolve(name))],
      outfile: join(DIST, 'vendor', `${name}.cjs`),
      ...(name === 'openai'
        ? // The SDK names itself in its User-Agent by its class name (`OpenAI/JS 6.x`): keep names.
          { keepNames: true, inject: [SDK_HEADERS], plugins: [trimmed, sdkHeadersFromVendor] }
        : { plugins: [trimmed] }),
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

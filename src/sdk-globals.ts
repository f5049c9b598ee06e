// What the bundled SDK (dist/vendor/openai.cjs) sees as the globals `Headers` and `FormData`
// (esbuild `inject`, see scripts/build.mjs; Node's own globals are untouched). On Node 20 the
// first touch of either loads Node's whole internal undici: ~15 ms before the first request.
// - Headers: a plain implementation; the SDK only builds request headers with it, and our fetch
//   (http-fetch.ts) answers with it.
// - FormData: the SDK only asks `body instanceof FormData` on the JSON bodies we send; we never
//   upload a file, so making one is a bug and says so.
export { Headers } from './web-headers.js';

export class FormData {
  constructor() {
    throw new TypeError('openai-setup sends no form data (FormData is not available in its bundled SDK)');
  }
}

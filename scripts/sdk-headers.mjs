// Injected into the SDK's bundle (build-config.mjs): its `Headers` is minipass-fetch's.
export { Headers } from 'minipass-fetch';

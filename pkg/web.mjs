// The browser and bundler entry: the web build (call the default export `init()` once before
// the first call) and the JavaScript layer.
import * as wasm from './dist/web/allpass_crypto.js';
import { useApi } from './lib/api.mjs';

useApi(wasm);

export * from './dist/web/allpass_crypto.js';
export { default } from './dist/web/allpass_crypto.js';
export * from './lib/index.mjs';

// Cloudflare Workers (workerd) entry. workerd refuses to compile WebAssembly from bytes at run
// time, so the module is imported as an already compiled WebAssembly.Module (wrangler and
// esbuild keep this import for workerd to resolve) and instantiated synchronously; `init()` and
// `initSync()` are exported too (no-ops: already initialised), as from every other entry.
import wasmModule from './dist/web/allpass_crypto_bg.wasm';
import * as wasm from './dist/web/allpass_crypto.js';
import { useApi } from './lib/api.mjs';

wasm.initSync({ module: wasmModule });
useApi(wasm);

export * from './dist/web/allpass_crypto.js';
export { default } from './dist/web/allpass_crypto.js';
export * from './lib/index.mjs';

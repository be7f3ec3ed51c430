// The WebAssembly module, loaded for Node: node.mjs imports this file and node.cjs requires it
// (require(esm)), so it runs once and `import` and `require` share one instance. The module's
// bytes are imported (dist/node/allpass_crypto_bg.mjs: dist/web's .wasm as base64), not read
// from a path, so Turbopack, webpack, esbuild, Rollup/Vite and Vercel's file tracer all bundle
// or trace them like any import; instantiated synchronously, the package is ready as soon as it
// is imported.
import { Buffer } from 'node:buffer';
import base64 from './dist/node/allpass_crypto_bg.mjs';
import * as wasm from './dist/web/allpass_crypto.js';
import { useApi } from './lib/api.mjs';

wasm.initSync({ module: new WebAssembly.Module(Buffer.from(base64, 'base64')) });
useApi(wasm);

export * from './dist/web/allpass_crypto.js';
// Already initialised: `await init()` and `initSync()` return at once (the same API as web.mjs).
export { default } from './dist/web/allpass_crypto.js';

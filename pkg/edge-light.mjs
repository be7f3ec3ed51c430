// Next.js Edge and Vercel Edge Functions (the `edge-light` condition). Like workerd, they refuse
// to compile WebAssembly from bytes at run time, so the module is imported already compiled
// (`?module`, their bundlers' form for a WebAssembly.Module) and instantiated at import.
import wasmModule from './dist/web/allpass_crypto_bg.wasm?module';
import * as wasm from './dist/web/allpass_crypto.js';
import { useApi } from './lib/api.mjs';

// The module comes from the sandbox's outer realm (`instanceof WebAssembly.Module` is false
// there), which `initSync` would take for bytes; `WebAssembly.instantiate` under `init` takes it.
await wasm.default({ module_or_path: wasmModule });
useApi(wasm);

export * from './dist/web/allpass_crypto.js';
export { default } from './dist/web/allpass_crypto.js';
export * from './lib/index.mjs';

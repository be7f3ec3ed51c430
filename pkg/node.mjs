// Node's `import` entry. It re-exports the CommonJS build, so `import` and `require` share one
// WebAssembly instance, and like `require` it is ready synchronously: no `await init()`.
import { createRequire } from 'node:module';
import { useApi } from './lib/api.mjs';

const wasm = createRequire(import.meta.url)('./dist/node/allpass_crypto.js');
useApi(wasm);

export const {
  AllpassCipher,
  configure,
  createWebhook,
  decryptData,
  encryptData,
  generateKey,
  parseWebhook,
} = wasm;
export * from './lib/index.mjs';

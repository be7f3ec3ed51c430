// Node's `import` entry. It re-exports the CommonJS build, so `import` and `require` share one
// WebAssembly instance, and like `require` it is ready synchronously: no `await init()`.
import { createRequire } from 'node:module';

const wasm = createRequire(import.meta.url)('./dist/node/allpass_crypto.js');

export const {
  AllpassCipher,
  configure,
  createWebhook,
  decryptData,
  encryptData,
  generateKey,
  parseWebhook,
} = wasm;

// The WebAssembly API the JavaScript layer calls. Each entry file (node.mjs, node.cjs, web.mjs,
// workerd.mjs) hands over the build it loaded, once, before anything calls into lib/.
let api;

/** Called by the entry files only. */
export function useApi(exports) {
  api = exports;
}

/** What AllpassCipher takes: the key, or a non-empty list of keys (newest first). */
export const isKeyList = (key) => typeof key === 'string' || (Array.isArray(key) && key.length > 0 && key.every((k) => typeof k === 'string'));

/** The loaded build's exports: parseWebhook, AllpassCipher, … */
export function wasm() {
  if (!api) throw new Error('allpass-crypto: the WebAssembly build is not loaded (import the package, not lib/ directly)');
  return api;
}

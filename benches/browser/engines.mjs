// The engine micro-benchmark in the browser (bundled by browser-run.mjs with the bench-only
// module's web build): checked against WebCrypto, result in `window.__result`.
import { measureEngines } from '../engine-measure.mjs';

const webCryptoCbc = async (key, iv, plaintext) => {
  const cryptoKey = await crypto.subtle.importKey('raw', key, 'AES-CBC', false, ['encrypt']);
  // WebCrypto always pads: the unpadded ciphertext is its prefix.
  return new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-CBC', iv }, cryptoKey, plaintext));
};

/** `bench`: the module's exports; `init`, `wasmUrl`: its web-target initialiser and .wasm. */
export function runEngines(init, wasmUrl, bench) {
  (async () => {
    await init({ module_or_path: new URL(wasmUrl, import.meta.url) });
    return measureEngines(bench, webCryptoCbc);
  })().then(
    (result) => {
      window.__result = { userAgent: navigator.userAgent, ...result };
    },
    (error) => {
      window.__failure = String(error?.stack ?? error);
    },
  );
}

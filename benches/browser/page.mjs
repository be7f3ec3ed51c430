// The browser run (bundled by esbuild, loaded in headless Chromium by browser-run.mjs): the
// Node workload — decrypt and encrypt, hex string in/out, JSON text — against WebCrypto, the
// browser's native AES and the ratio anchor here. Reads ./vectors.json (made with node:crypto),
// checks every contender's output before timing it, and leaves its result in
// `window.__result` (or the failure in `window.__failure`).
import init, { decryptData, encryptData, AllpassCipher } from 'allpass-crypto';
import wasmUrl from 'allpass-crypto/allpass_crypto_bg.wasm';
import { measure, OPS } from '../common.mjs';
import { jsContenders } from '../js-contenders.mjs';

export const REFERENCE = 'WebCrypto (crypto.subtle)';
const BATCH_TARGET_MS = 2; // calls per tinybench iteration: about this long (coarse browser timers)

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();
// What a user would write: the native hex codecs where the browser has them (Chrome 140+,
// Firefox 133+, Safari 18.2+), a plain loop otherwise.
const hexToBytes = Uint8Array.fromHex
  ? (hex) => Uint8Array.fromHex(hex)
  : (hex) => Uint8Array.from({ length: hex.length / 2 }, (_, i) => parseInt(hex.substr(i * 2, 2), 16));
const bytesToHex = Uint8Array.prototype.toHex
  ? (bytes) => bytes.toHex()
  : (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** name → async (key) => { decrypt(text), encrypt(data), async? }. */
const contenders = {
  // The key is imported once (a CryptoKey), as AllpassCipher parses it once.
  [REFERENCE]: async (keyHex) => {
    const key = await crypto.subtle.importKey('raw', hexToBytes(keyHex), 'AES-CBC', false, ['encrypt', 'decrypt']);
    return {
      async: true,
      decrypt: async (text) => {
        const bytes = hexToBytes(text);
        return utf8.decode(await crypto.subtle.decrypt({ name: 'AES-CBC', iv: bytes.subarray(0, 16) }, key, bytes.subarray(16)));
      },
      encrypt: async (data) => {
        const iv = crypto.getRandomValues(new Uint8Array(16));
        const sealed = await crypto.subtle.encrypt({ name: 'AES-CBC', iv }, key, utf8Encoder.encode(JSON.stringify(data)));
        return bytesToHex(iv) + bytesToHex(new Uint8Array(sealed));
      },
    };
  },
  'allpass-crypto decryptData/encryptData': async (key) => ({
    decrypt: (text) => decryptData(text, key),
    encrypt: (data) => encryptData(data, key),
  }),
  'allpass-crypto AllpassCipher': async (key) => {
    const cipher = new AllpassCipher(key);
    return { decrypt: (text) => cipher.decrypt(text), encrypt: (data) => cipher.encrypt(data) };
  },
  '@noble/ciphers': async (key) => jsContenders['@noble/ciphers'](key),
  'crypto-js': async (key) => jsContenders['crypto-js'](key),
};

/** Calls of `fn` that take about BATCH_TARGET_MS, from a short timed trial after a warm-up. */
async function batchSize(fn) {
  // Warm up first, so the batch is sized for tiered-up code.
  for (let start = performance.now(); performance.now() - start < 10 * BATCH_TARGET_MS; ) await fn();
  let calls = 0;
  const start = performance.now();
  while (performance.now() - start < 4 * BATCH_TARGET_MS || calls < 2) {
    await fn();
    calls++;
  }
  return Math.max(1, Math.round((calls * BATCH_TARGET_MS) / (performance.now() - start)));
}

async function run() {
  const config = await (await fetch('./vectors.json')).json();
  let start = performance.now();
  // README's esbuild recipe.
  await init({ module_or_path: new URL(wasmUrl, import.meta.url) });
  const initMs = performance.now() - start;

  const rows = [];
  const encrypted = {}; // one ciphertext per contender and size, checked with node:crypto by the runner
  const firstCallMs = {};
  for (const { label, size, json, sealed } of config.vectors) {
    const data = JSON.parse(json);
    const made = {};
    for (const [name, make] of Object.entries(contenders)) made[name] = await make(config.key);
    // A fast wrong answer is a failure: check every contender before timing it.
    for (const [name, impl] of Object.entries(made)) {
      start = performance.now();
      const decrypted = await impl.decrypt(sealed);
      if (!(name in firstCallMs)) firstCallMs[name] = performance.now() - start;
      if (decrypted !== json) throw new Error(`${name} decrypts wrongly (${label})`);
      const sealedByIt = await impl.encrypt(data);
      if ((await made[REFERENCE].decrypt(sealedByIt)) !== json) throw new Error(`${name} encrypts wrongly (${label})`);
      (encrypted[name] ??= {})[label] = sealedByIt;
    }
    for (const op of OPS) {
      const input = op === 'decrypt' ? sealed : data;
      const tasks = {};
      const batch = {};
      for (const [name, impl] of Object.entries(made)) {
        const call = () => impl[op](input);
        const k = (batch[name] = await batchSize(call));
        tasks[name] = impl.async
          ? async () => {
              for (let i = 0; i < k; i++) await call();
            }
          : () => {
              for (let i = 0; i < k; i++) call();
            };
      }
      const rates = await measure(tasks, { rounds: config.rounds, timeMs: config.timeMs, batch });
      for (const [name, rate] of Object.entries(rates)) rows.push({ op, label, size, name, rate, ratio: rate / rates[REFERENCE], batch: batch[name] });
      console.log(`measured ${op} ${label}`);
    }
  }
  return {
    userAgent: navigator.userAgent,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    nativeHex: Boolean(Uint8Array.fromHex),
    reference: REFERENCE,
    initMs,
    firstCallMs,
    rows,
    encrypted,
  };
}

run().then(
  (result) => {
    window.__result = result;
  },
  (error) => {
    window.__failure = String(error?.stack ?? error);
  },
);

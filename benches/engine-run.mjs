// The AES-256 engines alone in WebAssembly, spawned by bench.mjs with each Node binary, through
// the bench-only module built from wasm/src/bench.rs (`--features bench`, target/bench-wasm).
// Checked against node:crypto. Prints one JSON object on stdout.
//
// Usage: node engine-run.mjs <path of the bench module's allpass_bench.js>
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import { measureEngines } from './engine-measure.mjs';

const bench = createRequire(import.meta.url)(process.argv[2]);
const nodeCbc = async (key, iv, plaintext) => {
  const cipher = crypto.createCipheriv('aes-256-cbc', key, iv).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([cipher.update(plaintext), cipher.final()]));
};
const measured = await measureEngines(bench, nodeCbc, Number(process.env.BENCH_ENGINE_ROUNDS ?? 15));
process.stdout.write(JSON.stringify({ node: process.version, v8: process.versions.v8, ...measured }));

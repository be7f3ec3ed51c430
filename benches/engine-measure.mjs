// The engine micro-benchmark's measurement, shared by Node (engine-run.mjs) and the browser
// (browser/engines.mjs): each AES-256 engine of the bench-only module (wasm/src/bench.rs), CBC
// encryption (serial) and decryption (parallel) of 1 MB. Web APIs only.
import { median, shuffle } from './common.mjs';

const BYTES = 1_000_000; // 62,500 blocks
const CALLS = 3; // calls timed together in one round
const WARMUP_CALLS = 10;

const same = (a, b) => a.length === b.length && a.every((byte, i) => byte === b[i]);

/**
 * `bench`: the module's exports (`benchEngines`, `EngineBench`). `encryptReference(key, iv,
 * plaintext)`: the platform's AES-256-CBC, resolving to at least the unpadded ciphertext.
 * Returns { rounds, results: [{ engine, op, bytes, warmMs, coldMs, mbps }] }.
 */
export async function measureEngines(bench, encryptReference, rounds = 15) {
  const engines = bench.benchEngines();
  const ops = ['encrypt', 'decrypt'];
  const instances = Object.fromEntries(engines.map((name) => [name, new bench.EngineBench(name, BYTES)]));

  // A fast wrong answer is a failure: each engine's CBC encryption must equal the platform's,
  // and its decryption must give the plaintext back. The first call of each is also the cold
  // number: code not yet tiered up.
  const coldMs = {};
  for (const name of engines) {
    const engine = instances[name];
    const plaintext = engine.bytes();
    if (plaintext.length !== BYTES) throw new Error(`${name}: a ${plaintext.length}-byte buffer`);
    const expected = (await encryptReference(engine.key(), engine.iv(), plaintext)).subarray(0, BYTES);
    let start = performance.now();
    engine.encrypt();
    coldMs[`${name} encrypt`] = performance.now() - start;
    if (!same(engine.bytes(), expected)) throw new Error(`${name}: CBC encryption differs from the platform's AES`);
    start = performance.now();
    engine.decrypt();
    coldMs[`${name} decrypt`] = performance.now() - start;
    if (!same(engine.bytes(), plaintext)) throw new Error(`${name}: CBC decryption does not give the plaintext back`);
  }

  // Warm: after WARMUP_CALLS calls each (V8 tiers hot wasm functions up to TurboFan), `rounds`
  // interleaved rounds in a fresh random order, CALLS calls timed together; median per call.
  const combos = engines.flatMap((name) => ops.map((op) => [name, op]));
  for (const [name, op] of combos) for (let i = 0; i < WARMUP_CALLS; i++) instances[name][op]();
  const samples = Object.fromEntries(combos.map(([name, op]) => [`${name} ${op}`, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, op] of shuffle(combos)) {
      const engine = instances[name];
      const start = performance.now();
      for (let i = 0; i < CALLS; i++) engine[op]();
      samples[`${name} ${op}`].push((performance.now() - start) / CALLS);
    }
  }
  for (const engine of Object.values(instances)) engine.free();
  const results = combos.map(([name, op]) => {
    const warmMs = median(samples[`${name} ${op}`]);
    return { engine: name, op, bytes: BYTES, warmMs, coldMs: coldMs[`${name} ${op}`], mbps: BYTES / 1e3 / warmMs };
  });
  return { rounds, calls: CALLS, warmupCalls: WARMUP_CALLS, results };
}

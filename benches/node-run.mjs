// One Node version's measurement, spawned by bench.mjs with each Node binary: decrypt and
// encrypt at four payload sizes, every contender in this one process, interleaved; then a fresh
// process to first result, cold. Prints one JSON object on stdout, progress on stderr.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import assert from 'node:assert/strict';
import { contenders, REFERENCE, nodeCrypto } from './contenders.mjs';
import { SIZES, OPS, payloadOfSize, measure, median, shuffle } from './common.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 100);
const STARTUP_RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 21);
const key = crypto.randomBytes(32).toString('hex');
const log = (message) => console.error(`[node ${process.version}] ${message}`);

// Warm: tinybench's warm-up runs every task before it is timed, so V8 has tiered the hot code
// up (TurboFan for JS, TurboFan/Liftoff→optimised for wasm) by the time the samples are taken.
const rows = [];
for (const [label, size] of SIZES) {
  const data = payloadOfSize(size);
  const json = JSON.stringify(data);
  const sealed = nodeCrypto.encrypt(data, key);
  const made = Object.fromEntries(Object.entries(contenders).map(([name, make]) => [name, make(key)]));
  // A fast wrong answer is a failure: check every contender before timing it.
  for (const [name, impl] of Object.entries(made)) {
    assert.equal(impl.decrypt(sealed), json, `${name} decrypts wrongly`);
    assert.equal(nodeCrypto.decrypt(impl.encrypt(data), key), json, `${name} encrypts wrongly`);
  }
  for (const op of OPS) {
    const input = op === 'decrypt' ? sealed : data;
    const tasks = Object.fromEntries(Object.entries(made).map(([name, impl]) => [name, () => impl[op](input)]));
    const rates = await measure(tasks, { rounds: ROUNDS, timeMs: TIME_MS });
    for (const [name, rate] of Object.entries(rates)) rows.push({ op, label, size, name, rate, ratio: rate / rates[REFERENCE] });
    log(`measured ${op} ${label}`);
  }
}

// Cold: a fresh `node` process (this same binary) from start to the first decrypted 2 KB result
// (performance.now() counts from process start), interleaved, median of STARTUP_RUNS each; with
// the time to load the module and the first call alone.
const sealed = nodeCrypto.encrypt(payloadOfSize(2_000), key);
const programs = {
  'node:crypto': [
    `const c=require('node:crypto');`,
    `const d=c.createDecipheriv('aes-256-cbc',Buffer.from(K,'hex'),Buffer.from(S.slice(0,32),'hex'));let t=d.update(S.slice(32),'hex','utf8');t+=d.final('utf8');`,
  ],
  'allpass-crypto': [`const {decryptData}=require('allpass-crypto');`, `const t=decryptData(S,K);`],
};
const startup = Object.fromEntries(Object.keys(programs).map((name) => [name, { total: [], load: [], firstCall: [] }]));
for (let run = 0; run < STARTUP_RUNS; run++) {
  for (const name of shuffle(Object.keys(programs))) {
    const [load, call] = programs[name];
    const source = `const K=${JSON.stringify(key)},S=${JSON.stringify(sealed)};const t0=performance.now();${load}const t1=performance.now();${call}const t2=performance.now();if(!t.startsWith('{'))process.exit(1);process.stdout.write(JSON.stringify([t2,t1-t0,t2-t1]));`;
    const [total, loadMs, callMs] = JSON.parse(execFileSync(process.execPath, ['-e', source], { cwd: process.env.ALLPASS_CONSUMER_DIR, encoding: 'utf8' }));
    startup[name].total.push(total);
    startup[name].load.push(loadMs);
    startup[name].firstCall.push(callMs);
  }
}
const startupMs = Object.fromEntries(
  Object.entries(startup).map(([name, times]) => [name, Object.fromEntries(Object.entries(times).map(([what, list]) => [what, median(list)]))]),
);
log('measured fresh-process start');

process.stdout.write(
  JSON.stringify({ node: process.version, v8: process.versions.v8, rounds: ROUNDS, timeMs: TIME_MS, startupRuns: STARTUP_RUNS, reference: REFERENCE, rows, startupMs }),
);

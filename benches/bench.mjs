// `make bench`: decrypt and encrypt at four payload sizes, every contender in one process,
// interleaved (each round runs all contenders in a fresh random order, and each row reports
// the median over rounds), so machine noise hits all alike. Writes benches/RESULTS.md.
import { Bench } from 'tinybench';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import assert from 'node:assert/strict';
import { contenders, REFERENCE, nodeCrypto } from './contenders.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 100);
const SIZES = [['200 B', 200], ['2 KB', 2_000], ['20 KB', 20_000], ['1 MB', 1_000_000]];
const key = crypto.randomBytes(32).toString('hex');

/** A webhook-like payload whose JSON text is exactly `size` bytes. */
function payloadOfSize(size) {
  const data = { event: 'verification.completed', applicantId: '6f1c2a', result: { status: 'approved', name: 'Zoë Åström' }, notes: '' };
  const filler = 'Document checked; face match 0.98. ';
  const base = Buffer.byteLength(JSON.stringify(data));
  data.notes = filler.repeat(Math.ceil(size / filler.length)).slice(0, Math.max(0, size - base));
  assert.equal(Buffer.byteLength(JSON.stringify(data)), size);
  return data;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const shuffle = (list) => list.map((x) => [Math.random(), x]).sort((a, b) => a[0] - b[0]).map(([, x]) => x);

/** ops/s per contender for one workload, median over interleaved rounds. */
async function measure(tasks) {
  const samples = Object.fromEntries(Object.keys(tasks).map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const bench = new Bench({ time: TIME_MS, iterations: 3, warmupTime: TIME_MS / 4, warmupIterations: 2 });
    for (const name of shuffle(Object.keys(tasks))) bench.add(name, tasks[name]);
    for (const task of await bench.run()) samples[task.name].push(1000 / task.result.period);
  }
  return Object.fromEntries(Object.entries(samples).map(([name, rates]) => [name, median(rates)]));
}

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
  for (const op of ['decrypt', 'encrypt']) {
    const input = op === 'decrypt' ? sealed : data;
    const rates = await measure(Object.fromEntries(Object.entries(made).map(([name, impl]) => [name, () => impl[op](input)])));
    for (const [name, rate] of Object.entries(rates)) {
      rows.push({ op, label, size, name, rate, ratio: rate / rates[REFERENCE] });
    }
    console.error(`measured ${op} ${label}`);
  }
}

// Size of what a browser downloads.
const consumer = process.env.ALLPASS_CONSUMER_DIR;
const wasmPath = join(consumer, 'node_modules/allpass-crypto/dist/web/allpass_crypto_bg.wasm');
const wasm = readFileSync(wasmPath);
const wasmGzip = zlib.gzipSync(wasm, { level: 9 }).length;

// Fresh `node` process start to the first decrypted result (performance.now() counts from
// process start), interleaved, median of 21 each.
const sealed = nodeCrypto.encrypt(payloadOfSize(2_000), key);
const programs = {
  'node:crypto': `const c=require('node:crypto');const d=c.createDecipheriv('aes-256-cbc',Buffer.from(K,'hex'),Buffer.from(S.slice(0,32),'hex'));let t=d.update(S.slice(32),'hex','utf8');t+=d.final('utf8');`,
  'allpass-crypto': `const {decryptData}=require('allpass-crypto');const t=decryptData(S,K);`,
};
const startup = Object.fromEntries(Object.keys(programs).map((name) => [name, []]));
for (let run = 0; run < 21; run++) {
  for (const name of shuffle(Object.keys(programs))) {
    const source = `const K=${JSON.stringify(key)},S=${JSON.stringify(sealed)};${programs[name]}if(!t.startsWith('{'))process.exit(1);process.stdout.write(String(performance.now()));`;
    startup[name].push(Number(execFileSync(process.execPath, ['-e', source], { cwd: consumer })));
  }
}
const startupMs = Object.fromEntries(Object.entries(startup).map(([name, times]) => [name, median(times)]));

// Report.
const fmt = (n, digits = 0) => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const table = ['| operation | payload | implementation | ops/s | MB/s | vs node:crypto |', '| --- | --- | --- | ---: | ---: | ---: |'];
for (const row of rows) {
  table.push(`| ${row.op} | ${row.label} | ${row.name} | ${fmt(row.rate)} | ${fmt((row.rate * row.size) / 1e6, 1)} | ${fmt(row.ratio, 2)}x |`);
}
const ours = 'allpass-crypto decryptData/encryptData';
const get = (op, label, name) => rows.find((r) => r.op === op && r.label === label && r.name === name);
const vs = (op, label, other) => get(op, label, ours).rate / get(op, label, other).rate;
const reused = 'allpass-crypto AllpassCipher';
const targets = [
  ...[['decrypt', '200 B', 1.2], ['decrypt', '2 KB', 0.5], ['decrypt', '1 MB', 0.45], ['encrypt', '2 KB', 0.4]].flatMap(([op, label, wanted]) => [
    [`${op} ${label}, ${op}Data`, get(op, label, ours).ratio, wanted],
    [`${op} ${label}, AllpassCipher (key parsed once)`, get(op, label, reused).ratio, wanted],
  ]),
  ...SIZES.flatMap(([label]) => ['decrypt', 'encrypt'].flatMap((op) => [
    [`${op} ${label} vs @noble/ciphers`, vs(op, label, '@noble/ciphers'), 1.5],
    [`${op} ${label} vs crypto-js`, vs(op, label, 'crypto-js'), 10],
  ])),
];
const targetTable = ['| target | measured | wanted | met |', '| --- | ---: | ---: | :---: |'];
for (const [name, value, wanted] of targets) targetTable.push(`| ${name} | ${fmt(value, 2)}x | ≥ ${wanted}x | ${value >= wanted ? 'yes' : '**no**'} |`);
const startupRatio = startupMs['allpass-crypto'] / startupMs['node:crypto'];
targetTable.push(`| .wasm gzipped | ${fmt(wasmGzip / 1024, 1)} KB | ≤ 20 KB | ${wasmGzip <= 20 * 1024 ? 'yes' : '**no**'} |`);
targetTable.push(`| fresh process to first result | ${fmt(startupMs['allpass-crypto'], 1)} ms vs ${fmt(startupMs['node:crypto'], 1)} ms (${fmt(startupRatio, 2)}x) | ≤ 1.1x | ${startupRatio <= 1.1 ? 'yes' : '**no**'} |`);

const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
const report = `# Benchmark results

Measured by \`make bench\` on ${new Date().toISOString().slice(0, 10)}: ${machine}.
Median of ${ROUNDS} interleaved rounds of ${TIME_MS} ms per contender; every contender's output was
checked against the reference before timing. Inputs and outputs are hex strings and JSON text,
as in the real workload. \`.wasm\`: ${fmt(wasm.length)} bytes, ${fmt(wasmGzip)} gzipped (level 9).

## Targets

${targetTable.join('\n')}

## All rows

${table.join('\n')}
`;
const previous = (() => { try { return readFileSync(new URL('./RESULTS.md', import.meta.url), 'utf8'); } catch { return ''; } })();
const levers = previous.includes('\n## Levers') ? previous.slice(previous.indexOf('\n## Levers')) : '';
writeFileSync(new URL('./RESULTS.md', import.meta.url), report + levers);
console.log(report);
writeReadmeSummary();

/** The README's performance table, written from this run between its markers. */
function writeReadmeSummary() {
  const columns = [['decrypt', '200 B'], ['decrypt', '2 KB'], ['decrypt', '1 MB'], ['encrypt', '2 KB'], ['encrypt', '1 MB']];
  const names = [[REFERENCE, 'node:crypto'], [ours, 'decryptData / encryptData'], [reused, 'AllpassCipher'], ['@noble/ciphers', '@noble/ciphers'], ['crypto-js', 'crypto-js']];
  const summary = [
    `| ops/s (ratio to node:crypto), ${process.version} | ${columns.map(([op, label]) => `${op} ${label}`).join(' | ')} |`,
    `| --- | ${columns.map(() => '---:').join(' | ')} |`,
    ...names.map(([name, shown]) => `| ${shown} | ${columns.map(([op, label]) => { const row = get(op, label, name); return `${fmt(row.rate)} (${fmt(row.ratio, 2)}x)`; }).join(' | ')} |`),
  ].join('\n');
  const readme = new URL('../README.md', import.meta.url);
  const [begin, end] = ['<!-- performance:begin (written by benches/bench.mjs) -->', '<!-- performance:end -->'];
  const text = readFileSync(readme, 'utf8');
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  assert.ok(from >= 0 && to > from, 'README.md has the performance markers');
  writeFileSync(readme, `${text.slice(0, from + begin.length)}\n${summary}\n${text.slice(to)}`);
}

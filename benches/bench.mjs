// `make bench`: writes benches/RESULTS.md and the README's performance table.
//
// 1. Node: node-run.mjs in its own process on each Node binary (22, 24 and 26 by default, or
//    the binaries given as arguments): decrypt and encrypt at four payload sizes, every contender
//    interleaved, ratios to node:crypto (the vendor's code); a fresh process to first result.
// 2. Browser: the same workload in headless Chromium against WebCrypto (browser-run.mjs).
// 3. Engines: the AES-256 engines alone in WebAssembly (engine-run.mjs, on each Node binary),
//    from a bench-only module built here with the wasm crate's `bench` feature.
// 4. The webhook handler in one process against the vendor's snippet, on Node 24 and 26
//    (handler-run.mjs).
// 5. Webhooks: throughput, latency and CPU over HTTP on 127.0.0.1, createNodeMiddleware with each
//    store (memory, Redis, PostgreSQL) vs the vendor's snippet, in Express and node:http, on
//    Node 24 and 26, autocannon as the load (webhooks.mjs).
// 6. AWS Lambda: the cold start of README's handler bundled by esbuild, beside the same function
//    on node:crypto (lambda.mjs).
// 7. Instrumentation: the in-process handler with and without a channel subscriber (observability.mjs).
// Runs one thing at a time: every measurement has the machine to itself.
//
// Usage (from `make bench`, which packs the package first): node bench.mjs [node binary …]
import { writeReadmeSection } from '../.ci/readme-section.mjs';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import assert from 'node:assert/strict';
import { nodeCrypto, REFERENCE } from './contenders.mjs';
import { SIZES, OPS, payloadOfSize } from './common.mjs';
import { runBrowser, runBrowserEngines, chromiumVersion } from './browser-run.mjs';
import { lambdaSection } from './lambda.mjs';
import { webhookSection } from './webhooks.mjs';
import { handlerSection } from './handler-run.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '..');
const consumer = process.env.ALLPASS_CONSUMER_DIR;
assert.ok(consumer, 'ALLPASS_CONSUMER_DIR is not set: run `make bench`');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 100);
const nodes =
  process.argv.length > 2
    ? process.argv.slice(2)
    : ['node-22', 'node-24', 'node-26'].map((name) => join(root, '.ci/node-versions/node_modules', name, 'bin/node'));
const log = (message) => console.error(`bench: ${message}`);
const loadAtStart = os.loadavg()[0];
const fmt = (n, digits = 0) => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const major = (version) => `Node ${version.split('.')[0].slice(1)}`;

const ours = 'allpass-crypto decryptData/encryptData';
const reused = 'allpass-crypto AllpassCipher';
const BROWSER_REFERENCE = 'WebCrypto (crypto.subtle)';

// ---------------------------------------------------------------------------------------------
// Measure.

/** Runs `script` with a Node binary; its stdout is one JSON object. */
function runJson(node, script, args = []) {
  const output = execFileSync(node, ['--expose-gc', join(here, script), ...args], {
    cwd: here,
    env: process.env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(output);
}

// The engine micro-benchmark's module: the wasm crate with `--features bench`, in its own
// cargo target dir so it never touches the shipped build's artefacts.
// Built twice: for Node (CommonJS) and for the browser (web target), the same .wasm.
const benchWasm = join(root, 'target/bench-wasm');
const benchWasmWeb = join(root, 'target/bench-wasm-web');
let engineError;
try {
  log('building the engine micro-benchmark (wasm crate, --features bench)');
  for (const [target, outDir, cargoDir, env] of [
    ['nodejs', benchWasm, 'target/bench-cargo', {}],
    ['web', benchWasmWeb, 'target/bench-cargo', {}],
  ]) {
    execFileSync(
      'wasm-pack',
      ['build', 'wasm', '--mode', 'no-install', '--release', '--target', target, '--out-dir', outDir, '--out-name', 'allpass_bench', '--no-pack', '--', '--features', 'bench'],
      { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...env, CARGO_TARGET_DIR: join(root, cargoDir) } },
    );
  }
} catch (error) {
  engineError = String(error.message ?? error).split('\n')[0];
  log(`engine micro-benchmark not built: ${engineError}`);
}
// The shipped module.
const modules = ['allpass_crypto_bg.wasm'].map((name) => {
  const bytes = readFileSync(join(consumer, 'node_modules/allpass-crypto/dist/web', name));
  assert.ok(!bytes.includes('benchEngines') && !bytes.includes('EngineBench'), `the shipped ${name} contains bench exports`);
  return { name, bytes: bytes.length, gzip: zlib.gzipSync(bytes, { level: 9 }).length };
});
const wasmGzip = Math.max(...modules.map((m) => m.gzip));

const node = [];
const engines = [];
for (const binary of nodes) {
  log(`${binary}: the workload`);
  node.push(runJson(binary, 'node-run.mjs'));
  if (!engineError) {
    log(`${binary}: the engines`);
    const run = runJson(binary, 'engine-run.mjs', [join(benchWasm, 'allpass_bench.js')]);
    engines.push({ label: major(run.node), ...run });
  }
}

log('Chromium: the workload');
const key = crypto.randomBytes(32).toString('hex');
const vectors = SIZES.map(([label, size]) => {
  const data = payloadOfSize(size);
  return { label, size, json: JSON.stringify(data), sealed: nodeCrypto.encrypt(data, key) };
});
const browser = await runBrowser({ consumer, outDir: join(root, 'target/bench-browser'), key, vectors, rounds: ROUNDS, timeMs: TIME_MS, log: (line) => log(`Chromium: ${line}`) });
// The page checked every contender against WebCrypto; check its ciphertexts with node:crypto too.
for (const [name, bySize] of Object.entries(browser.encrypted)) {
  for (const { label, json } of vectors) assert.equal(nodeCrypto.decrypt(bySize[label], key), json, `${name} in Chromium encrypts wrongly (${label})`);
}
const chromium = chromiumVersion();
if (!engineError) {
  log('Chromium: the engines');
  engines.push({ label: chromium, ...(await runBrowserEngines({ benchWebDir: benchWasmWeb, outDir: join(root, 'target/bench-browser-engines') })) });
}

// The webhook handler in one process, on the current Node lines.
const currentNodes = ['node-24', 'node-26'].map((name) => join(root, '.ci/node-versions/node_modules', name, 'bin/node'));
const handlerRuns = [];
let handlerError;
try {
  for (const binary of currentNodes) {
    log(`webhook handler in one process (handler-run.mjs, ${binary})`);
    handlerRuns.push(runJson(binary, 'handler-run.mjs'));
  }
} catch (error) {
  handlerError = String(error.message ?? error).split('\n')[0];
  log(`webhook handler not measured: ${handlerError}`);
}

// Last, so it too has the machine to itself: its own processes (receivers, PostgreSQL, Redis).
/** A step in its own process (`script --json`) on `node`: `{ result }`, or `{ error }` saying why not. */
function step(script, what, node = process.execPath) {
  log(`${what} (${script})`);
  try {
    return { result: runJson(node, script, ['--json']) };
  } catch (error) {
    let cause;
    try {
      cause = JSON.parse(error.stdout).error;
    } catch {
      // no word from the step itself
    }
    const reason = cause ?? String(error.message ?? error).split('\n')[0];
    log(`${what}: not measured: ${reason}`);
    return { error: reason };
  }
}
// The load generator on Node 24 too: the receivers run on 24 and 26 (webhooks.mjs).
const webhooks = step('webhooks.mjs', 'webhooks: throughput through node:http and Express, three stores', currentNodes[0]);
const lambda = step('lambda.mjs', 'AWS Lambda: cold starts');

const { result: instrumentation } = step('observability.mjs', 'instrumentation: the in-process handler with nobody subscribed, with a subscriber, and the hooks alone', currentNodes[0]);
const instrumentationSection = instrumentation
  ? `## Instrumentation

\`createWebhookHandler\` in process (${instrumentation.node}, distinct webhooks, the default memory store,
benches/observability.mjs): ${fmt(instrumentation.webhookOffUs, 1)} µs a webhook with nobody subscribed to
\`allpass-crypto:webhook\`, ${fmt(instrumentation.webhookOnUs, 1)} µs with a subscriber (${instrumentation.onCost >= 0 ? '+' : ''}${fmt(instrumentation.onCost * 100, 1)}%). The hooks
alone while nobody subscribes (\`watchWebhook()\`, five stage marks, a publish): ${fmt(instrumentation.hooksOffNs)} ns, ${fmt(instrumentation.offCost * 100, 3)}% of
a webhook: instrumentation off costs nothing measurable.
`
  : '## Instrumentation\n\nNot measured in this run.\n';

// ---------------------------------------------------------------------------------------------
// Report.

const get = (rows, op, label, name) => {
  const row = rows.find((r) => r.op === op && r.label === label && r.name === name);
  assert.ok(row, `no row for ${op} ${label} ${name}`);
  return row;
};
const vs = (rows, op, label, other) => get(rows, op, label, ours).rate / get(rows, op, label, other).rate;

/** [name, wanted, run => measured, shown] for the issue's targets, each checked on every Node. */
const targetSpecs = [
  ...[['200 B', 1.4], ['2 KB', 0.75], ['20 KB', 0.6], ['1 MB', 0.6]].map(([label, wanted]) => [`decrypt ${label}, AllpassCipher`, wanted, (run) => get(run.rows, 'decrypt', label, reused).ratio]),
  ...[['200 B', 1.2], ['2 KB', 0.7]].map(([label, wanted]) => [`decrypt ${label}, decryptData`, wanted, (run) => get(run.rows, 'decrypt', label, ours).ratio]),
  ...[['200 B', 0.9], ['2 KB', 0.5]].map(([label, wanted]) => [`encrypt ${label}, AllpassCipher`, wanted, (run) => get(run.rows, 'encrypt', label, reused).ratio]),
  ...SIZES.flatMap(([label]) =>
    OPS.flatMap((op) => [
      [`${op} ${label}, ${op}Data vs @noble/ciphers`, 1.5, (run) => vs(run.rows, op, label, '@noble/ciphers')],
      [`${op} ${label}, ${op}Data vs crypto-js`, 10, (run) => vs(run.rows, op, label, 'crypto-js')],
    ]),
  ),
];
const startupRatio = (run) => run.startupMs['allpass-crypto'].total / run.startupMs['node:crypto'].total;

/** A table's first two lines; the first `text` columns left-aligned, the rest numbers. */
const header = (columns, text = 1) => [`| ${columns.join(' | ')} |`, `| ${columns.map((c, i) => (i < text ? '---' : '---:')).join(' | ')} |`];
const missed = (value, wanted) => value < wanted;
const cell = (text, ok) => (ok ? text : `**${text}**`);

const targetTable = ['| target | wanted | ' + node.map((run) => `${major(run.node)}`).join(' | ') + ' | met |', `| --- | ---: | ${node.map(() => '---:').join(' | ')} | :---: |`];
const metLine = (failures) => (failures.length === 0 ? 'yes' : `**no** (${failures.join(', ')})`);
for (const [name, wanted, measure] of targetSpecs) {
  const values = node.map(measure);
  const failures = node.filter((run, i) => missed(values[i], wanted)).map((run) => major(run.node).slice(5));
  targetTable.push(`| ${name} | ≥ ${wanted}x | ${values.map((v) => cell(`${fmt(v, 2)}x`, !missed(v, wanted))).join(' | ')} | ${metLine(failures)} |`);
}
{
  const ok = wasmGzip <= 30 * 1024;
  targetTable.push(`| .wasm gzipped | ≤ 30 KB | ${node.map(() => cell(`${fmt(wasmGzip / 1024, 1)} KB`, ok)).join(' | ')} | ${ok ? 'yes' : '**no**'} |`);
  const ratios = node.map(startupRatio);
  const failures = node.filter((run, i) => ratios[i] > 1.1).map((run) => major(run.node).slice(5));
  targetTable.push(
    `| fresh process to first result, vs node:crypto | ≤ 1.1x | ${node.map((run, i) => cell(`${fmt(ratios[i], 2)}x (${fmt(run.startupMs['allpass-crypto'].total, 1)} vs ${fmt(run.startupMs['node:crypto'].total, 1)} ms)`, ratios[i] <= 1.1)).join(' | ')} | ${metLine(failures)} |`,
  );
}

function rowsTable(rows, shownReference) {
  const table = header(['operation', 'payload', 'implementation', 'ops/s', 'MB/s', `vs ${shownReference}`], 3);
  for (const row of rows) table.push(`| ${row.op} | ${row.label} | ${row.name} | ${fmt(row.rate)} | ${fmt((row.rate * row.size) / 1e6, 1)} | ${fmt(row.ratio, 2)}x |`);
  return table.join('\n');
}

const startupTable = [
  '| Node | node:crypto: first result | allpass-crypto: first result | ratio | allpass-crypto: `require` | allpass-crypto: first call | node:crypto: first call |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...node.map((run) => {
    const [n, a] = [run.startupMs['node:crypto'], run.startupMs['allpass-crypto']];
    return `| ${run.node} | ${fmt(n.total, 1)} ms | ${fmt(a.total, 1)} ms | ${fmt(a.total / n.total, 2)}x | ${fmt(a.load, 1)} ms | ${fmt(a.firstCall, 2)} ms | ${fmt(n.firstCall, 2)} ms |`;
  }),
].join('\n');

const browserTargets = [
  '| target (the Node targets, applied here) | wanted | measured | met |',
  '| --- | ---: | ---: | :---: |',
  ...SIZES.flatMap(([label]) =>
    OPS.flatMap((op) =>
      [['@noble/ciphers', 1.5], ['crypto-js', 10]].map(([other, wanted]) => {
        const value = vs(browser.rows, op, label, other);
        return `| ${op} ${label}, ${op}Data vs ${other} | ≥ ${wanted}x | ${cell(`${fmt(value, 2)}x`, value >= wanted)} | ${value >= wanted ? 'yes' : '**no**'} |`;
      }),
    ),
  ),
].join('\n');

const mhz = (() => {
  try {
    return Number(/cpu MHz\s*:\s*([\d.]+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]) || undefined;
  } catch {
    return undefined;
  }
})();
const engineSection = (() => {
  if (engineError) return `Not run: the bench module did not build (${engineError}).`;
  const names = {
    'aes-soft': 'RustCrypto `aes` 0.9, soft (fixsliced) backend',
    vperm: 'vector-permute alone (`src/engine/vperm.rs`)',
    'vperm+bitsliced': '**shipped**: vector-permute encryption, bitsliced decryption (`src/engine/simd_aes.rs`)',
  };
  const opNames = { encrypt: 'CBC encrypt (serial)', decrypt: 'CBC decrypt (parallel)' };
  const columns = ['engine', 'operation', ...engines.flatMap((run) => [`${run.label} MB/s`, mhz ? '≈ cycles/byte' : 'ns/block'])];
  const lines = header(columns, 2);
  const first = engines[0].results;
  for (const { engine, op } of first) {
    const cells = engines.flatMap((run) => {
      const r = run.results.find((x) => x.engine === engine && x.op === op);
      return [fmt(r.mbps, 1), mhz ? fmt(mhz / r.mbps, 1) : fmt(16_000 / r.mbps, 0)];
    });
    lines.push(`| ${names[engine] ?? engine} | ${opNames[op]} | ${cells.join(' | ')} |`);
  }
  const speedups = engines
    .map((run) => {
      const rate = (engine, op) => run.results.find((x) => x.engine === engine && x.op === op)?.mbps;
      const s = (engine, op) => rate(engine, op) / rate('aes-soft', op);
      return `${run.label} ${fmt(s('vperm+bitsliced', 'encrypt'), 2)}x / ${fmt(s('vperm+bitsliced', 'decrypt'), 2)}x (bitsliced decryption vs vector-permute decryption ${fmt(rate('vperm+bitsliced', 'decrypt') / rate('vperm', 'decrypt'), 2)}x)`;
    })
    .join(', ');
  const cold = (run) => run.results.map((r) => `${r.engine} ${r.op} ${fmt(r.coldMs, 1)} ms (warm ${fmt(r.warmMs, 1)})`).join('; ');
  return `${lines.join('\n')}

The shipped engines against the soft backend, encrypt / decrypt: ${speedups}.
Warm: median over ${engines[0].rounds} interleaved rounds of 3 calls, after 10 calls each; 1 MB
(62,500 blocks) CBC-encrypted or -decrypted in place as the library drives an engine (the shipped
one through its own CBC loops, the others through RustCrypto's \`cbc\`), in Node (one process per
version) and in a Chromium page. Each
engine's output was checked against the platform's AES first (node:crypto, WebCrypto).
${mhz ? `Cycles per byte are an **estimate**: the CPU's nominal ${fmt(mhz)} MHz from /proc/cpuinfo divided by the MB/s (a VM; turbo and frequency scaling unknown).` : ''}
Cold, the first call (code not yet tiered up), in ms: ${engines.map((run) => `${run.label}: ${cold(run)}`).join('. ')}.`;
})();

const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}`;
const report = `# Benchmark results

Measured by \`make bench\` on ${new Date().toISOString().slice(0, 10)}: ${machine}; ${node.map((run) => `Node ${run.node} (V8 ${run.v8})`).join(', ')}; ${chromium} headless.
Every table is **warm** unless it says cold: median of ${ROUNDS} interleaved rounds (every
contender once a round, in a fresh random order) of ${TIME_MS} ms per contender, after tinybench's
warm-up, so V8 has tiered the code up. In Node a full garbage collection comes before each
contender's turn, so no contender pays for collecting another's garbage (megabytes of strings at
1 MB). Each Node version runs in its own process. Every
contender's output was checked against the reference before timing (a fast wrong answer is a
failure). Inputs and outputs are hex strings and JSON text, as in the real workload.
${modules.map((m) => `\`${m.name}\`: ${fmt(m.bytes)} bytes, ${fmt(m.gzip)} gzipped (level 9)`).join('; ')}; every
runtime loads it. Load average (1 min) at the start
of the run ${fmt(loadAtStart, 2)}, at the end ${fmt(os.loadavg()[0], 2)} (other work on the machine slows every contender of a
round alike, but not every round or every Node version alike).

## Targets

Ratios to node:crypto (the vendor's code) in the same process; **bold**: missed. The library
targets (@noble/ciphers, crypto-js) compare \`decryptData\` / \`encryptData\`, which parse the key on
every call as those libraries do.

${targetTable.join('\n')}

Encryption at 20 KB and 1 MB has no target any more: the ≥ 0.45x asked for there was met only
with a second WebAssembly module (one-instruction table lookups), and the package ships one module again
(issue 22: two modules cost a probe, patched glue, two URLs in every bundler recipe, and a build
that failed in Next.js's Edge runtime). One module reaches about 0.35-0.45x there; decryption,
what a webhook receiver does, never used that module and is unchanged.

## Fresh process to first result (cold)

A fresh \`node\` process of each version, from process start to the first decrypted 2 KB payload
(\`performance.now()\` counts from process start), median of ${node[0].startupRuns} runs each, interleaved. \`require\`
is loading the package (the module compiles there); "first call" is the first \`decryptData\`
alone, before any tier-up.

${startupTable}

${node.map((run) => `## ${major(run.node)} (${run.node}): all rows\n\n${rowsTable(run.rows, 'node:crypto')}`).join('\n\n')}

## Browser: ${chromium}, headless

The same workload in a page bundled by esbuild (the package's web build from the packed tarball,
\`init()\` first) and served from 127.0.0.1, ratios to **WebCrypto**: \`crypto.subtle\` AES-CBC,
async, the key imported once (a \`CryptoKey\`, as \`AllpassCipher\` parses it once), with the
conversions a user needs (${browser.nativeHex ? 'the native `Uint8Array.fromHex` / `toHex`' : 'hex in JS'}, \`TextEncoder\`/\`TextDecoder\`,
\`JSON.stringify\`). Each contender's calls run in batches of about 2 ms per timed iteration (the
browser's timer is coarse; the page is cross-origin isolated: ${browser.crossOriginIsolated ? 'yes' : 'no'}), and the rate is per call.
\`init()\` took ${fmt(browser.initMs, 1)} ms; first calls (cold, 200 B decrypt): ${Object.entries(browser.firstCallMs).map(([name, ms]) => `${name} ${fmt(ms, 2)} ms`).join(', ')}.

${rowsTable(browser.rows, 'WebCrypto')}

${browserTargets}

## AES engines alone in WebAssembly

${engineSection}

${handlerSection(handlerRuns, handlerError)}
${webhookSection(webhooks.result, webhooks.error)}
${lambdaSection(lambda.result, lambda.error)}

${instrumentationSection}`;
const resultsPath = join(here, 'RESULTS.md');
const previous = existsSync(resultsPath) ? readFileSync(resultsPath, 'utf8') : '';
// What this run does not write (its reading of the results, then the history of runs) is kept,
// after the results.
const keptFrom = ['\n## Decisions, and what is left', '\n## History of runs'].map((heading) => previous.indexOf(heading)).find((at) => at >= 0);
const kept = keptFrom === undefined ? '' : previous.slice(keptFrom);
writeFileSync(resultsPath, report + kept);
console.log(report);
writeReadmeSummary();

/** The README's performance table, written from this run between its markers: the main Node
 * version's every contender, AllpassCipher on the others, and the browser. */
function writeReadmeSummary() {
  const columns = [['decrypt', '200 B'], ['decrypt', '2 KB'], ['decrypt', '1 MB'], ['encrypt', '2 KB'], ['encrypt', '1 MB']];
  const main = node.find((run) => run.node.startsWith('v22.')) ?? node[0];
  const line = (shown, rows, name) => `| ${shown} | ${columns.map(([op, label]) => { const row = get(rows, op, label, name); return `${fmt(row.rate)} (${fmt(row.ratio, 2)}x)`; }).join(' | ')} |`;
  const summary = [
    `| ops/s (ratio to the platform's AES) | ${columns.map(([op, label]) => `${op} ${label}`).join(' | ')} |`,
    `| --- | ${columns.map(() => '---:').join(' | ')} |`,
    line(`${main.node}: node:crypto`, main.rows, REFERENCE),
    line(`${main.node}: AllpassCipher`, main.rows, reused),
    line(`${main.node}: decryptData / encryptData`, main.rows, ours),
    line(`${main.node}: @noble/ciphers`, main.rows, '@noble/ciphers'),
    line(`${main.node}: crypto-js`, main.rows, 'crypto-js'),
    ...node.filter((run) => run !== main).map((run) => line(`${run.node}: AllpassCipher`, run.rows, reused)),
    line(`${chromium}: WebCrypto`, browser.rows, BROWSER_REFERENCE),
    line(`${chromium}: AllpassCipher`, browser.rows, reused),
  ].join('\n');
  writeReadmeSection('performance', 'benches/bench.mjs', summary);
}

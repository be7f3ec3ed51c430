// `node benches/lambda.mjs` (alone, or as a step of `make bench`): the cold start of a Lambda
// function receiving Allpass webhooks, README's handler (`allpass-crypto/lambda`) beside the same
// function on node:crypto (the vendor's decryptData), each bundled by esbuild as `sam build` and
// CDK's NodejsFunction bundle it; rewrites its section of RESULTS.md.
//
// A cold start is a fresh `node` process running what Lambda's runtime does: import the bundle
// (Lambda's "Init Duration"), then call `handler` on one HTTP API event (the first invocation's
// "Duration"). `performance.now()` counts from the process's start, so "init" includes Node's own
// start-up, as it does on Lambda. Each function, format and Node version runs RUNS times,
// interleaved in a fresh random order each round; medians. `--json`: print the measurement and
// leave RESULTS.md alone (bench.mjs writes the section with `lambdaSection`).
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encryptData } from '../tests/node/reference.mjs';
import { httpApiEvent } from '../tests/integrations/lambda-events.mjs';
import { median, shuffle } from './common.mjs';
import { runStep } from './sections.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '..');
const HEADING = '## AWS Lambda cold start';
const RUNS = Number(process.env.BENCH_LAMBDA_RUNS ?? 15);
const NODES = ['node-22', 'node-24', 'node-26'].map((name) => join(root, '.ci/node-versions/node_modules', name, 'bin/node'));

/** README's AWS Lambda example, as written. */
function readmeHandler() {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  return /```js\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('## AWS Lambda')))[1];
}

/** The same function on node:crypto: the vendor's decryptData (tests/node/reference.mjs), the body
 * read as the event gives it, 200 or 400. */
const NODE_CRYPTO_HANDLER = `import { decryptData } from './reference.mjs';
import { saveVerification } from './verifications.mjs';

export const handler = async (event) => {
  let payload;
  try {
    const body = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    payload = JSON.parse(decryptData(JSON.parse(body).data, process.env.ALLPASS_KEY));
  } catch {
    return { statusCode: 400, body: '' };
  }
  await saveVerification(payload);
  return { statusCode: 200, body: '' };
};
`;

/** What Lambda's runtime does in a fresh process: load the module (\`require\` for CommonJS,
 * \`import\` for ESM), then one invocation; timings in ms. */
const RUNTIME = `import { createRequire } from 'node:module';
const event = JSON.parse(process.env.ALLPASS_BENCH_EVENT);
const file = process.argv[2];
const module = file.endsWith('.mjs') ? await import(file) : createRequire(import.meta.url)(file);
const loaded = performance.now();
const handler = module.handler;
const started = performance.now();
const result = await handler(event, {});
const done = performance.now();
if (result.statusCode !== 200) throw new Error('answered ' + result.statusCode);
console.log(JSON.stringify({ initMs: loaded, firstInvokeMs: done - started }));
`;

export async function measureLambda() {
  const consumer = process.env.ALLPASS_CONSUMER_DIR ?? join(root, 'target/npm/consumer');
  const work = join(root, 'target/bench-lambda');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const esbuild = createRequire(join(here, 'package.json'))('esbuild');
  writeFileSync(join(work, 'verifications.mjs'), 'export async function saveVerification() {}\n');
  writeFileSync(join(work, 'reference.mjs'), readFileSync(join(root, 'tests/node/reference.mjs')));
  writeFileSync(join(work, 'allpass.mjs'), readmeHandler());
  writeFileSync(join(work, 'node-crypto.mjs'), NODE_CRYPTO_HANDLER);
  writeFileSync(join(work, 'runtime.mjs'), RUNTIME);
  const functions = [];
  for (const [name, entry] of [['allpass-crypto/lambda', 'allpass.mjs'], ['node:crypto', 'node-crypto.mjs']]) {
    for (const format of ['cjs', 'esm']) {
      const outfile = join(work, `${entry.replace('.mjs', '')}-${format}${format === 'cjs' ? '.js' : '.mjs'}`);
      await esbuild.build({ entryPoints: [join(work, entry)], bundle: true, platform: 'node', format, outfile, nodePaths: [join(consumer, 'node_modules')], logLevel: 'error' });
      functions.push({ name, format, file: outfile, bytes: statSync(outfile).size });
    }
  }
  const key = randomBytes(32).toString('hex');
  const body = JSON.stringify({ status: true, statusCode: 200, data: encryptData({ id: randomUUID(), externalUserId: 'user-1', appKey: randomUUID(), stepName: 'Liveness', warnings: [] }, key), time: new Date().toISOString() });
  const event = httpApiEvent({ method: 'POST', path: '/webhook', headers: { host: 'x', 'content-type': 'application/json', 'content-length': String(body.length) }, body: Buffer.from(body) });
  const env = { ...process.env, ALLPASS_KEY: key, ALLPASS_BENCH_EVENT: JSON.stringify(event) };
  const samples = new Map();
  const started = Date.now();
  for (let round = 0; round < RUNS; round++) {
    for (const [node, fn] of shuffle(NODES.flatMap((node) => functions.map((fn) => [node, fn])))) {
      const run = JSON.parse(execFileSync(node, [join(work, 'runtime.mjs'), fn.file], { env, encoding: 'utf8' }));
      const id = `${node}\n${fn.name}\n${fn.format}`;
      if (!samples.has(id)) samples.set(id, []);
      samples.get(id).push(run);
    }
  }
  const rows = NODES.flatMap((node) =>
    functions.map((fn) => {
      const runs = samples.get(`${node}\n${fn.name}\n${fn.format}`);
      return { node: execFileSync(node, ['--version'], { encoding: 'utf8' }).trim(), name: fn.name, format: fn.format, bytes: fn.bytes, initMs: median(runs.map((r) => r.initMs)), firstInvokeMs: median(runs.map((r) => r.firstInvokeMs)) };
    }),
  );
  return { date: new Date().toISOString(), machine: `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores`, runs: RUNS, esbuild: esbuild.version, rows, seconds: (Date.now() - started) / 1000, load: os.loadavg()[0] };
}

const fmt = (n, digits = 0) => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The section (heading included) for RESULTS.md, from `measureLambda()`'s result; or why it was not run. */
export function lambdaSection(result, error) {
  if (!result) return `${HEADING}\n\nNot run: ${error}.\n`;
  const reference = (row) => result.rows.find((other) => other.node === row.node && other.format === row.format && other.name === 'node:crypto');
  const lines = result.rows.map((row) => {
    const total = row.initMs + row.firstInvokeMs;
    const base = reference(row);
    return `| ${row.node} | ${row.name} | ${row.format} | ${fmt(row.bytes / 1024, 1)} KB | ${fmt(row.initMs, 1)} | ${fmt(row.firstInvokeMs, 2)} | ${fmt(total, 1)} | ${fmt(total / (base.initMs + base.firstInvokeMs), 2)}x |`;
  });
  return `${HEADING}

Measured by \`node benches/lambda.mjs\` (a step of \`make bench\`) on ${result.date.slice(0, 10)}: ${result.machine}; esbuild ${result.esbuild}.
README's AWS Lambda handler and the same function on node:crypto (the vendor's \`decryptData\`, the
body decoded and parsed by hand, 200 or 400), each bundled by esbuild (\`--platform=node --bundle\`,
cjs and esm, as \`sam build\` and CDK's NodejsFunction do). A cold start is a fresh \`node\` process
doing what Lambda's runtime does: import the bundle (init: from the process's start, Node's own
start-up included), then one invocation with an HTTP API event carrying a genuine webhook (the
first call, code not yet tiered up). Median of ${result.runs} runs each, interleaved in a fresh random order each
round; load average (1 min) ${fmt(result.load, 2)} at the end; the step took ${fmt(result.seconds)} s. Lambda's own
figures add its sandbox's start and the bundle's download, alike for both.

| Node | function | format | bundle | init ms | first invocation ms | cold start ms | vs node:crypto |
| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |
${lines.join('\n')}
`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runStep(measureLambda, lambdaSection, HEADING);
}

// The webhook handler in one process, against the vendor's snippet: `node handler-run.mjs
// [package dir]` prints one JSON object (µs per webhook, 200 B and 2 KB payloads); bench.mjs runs
// it on each Node binary. `--profile N`: only the handler, N webhooks at 2 KB (for --cpu-prof).
//
// Every webhook is distinct (a new applicant's event, a fresh IV, the current time), encrypted
// before any timing; no body is ever given twice. Both contenders get the same web `Request`
// (built in the task, so both pay for it) and answer a `Response`:
//   vendor   `JSON.parse(await request.text())`, node:crypto `decryptData(data, key)`, `JSON.parse`
//   handler  `createWebhookHandler({ key, onEvent })`: every default (memoryStore: the tamper
//            screen, the order and the duplicate memory)
//   request  building and reading the Request alone: what both pay before their own work
// Rounds interleave the three in a fresh random order (tinybench, every heap collected first).
// The clock is the process's CPU time (user + system, all its threads: the garbage collector's
// too): on a machine shared with other work, wall time measures the neighbours as well.
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import { decryptData } from '../tests/node/reference.mjs';
import { webhookBody } from './webhook-bodies.mjs';
import { median, shuffle } from './common.mjs';

const ROUNDS = Number(process.env.BENCH_HANDLER_ROUNDS ?? 7);
const PER_ROUND = Number(process.env.BENCH_HANDLER_WEBHOOKS ?? 1500);
const WARMUP = 300;
export const HANDLER_SIZES = [['200 B', 200], ['2 KB', 2_000]];
/** CPU time of this process, in ms (microsecond resolution). */
function cpuNow() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
const log = (message) => console.error(`[handler ${process.version}] ${message}`);

/** The package's main entry in `dir` (an installed allpass-crypto, or pkg/), for Node's import. */
function entryOf(dir) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  let target = manifest.exports['.'];
  while (target && typeof target === 'object') target = target.node ?? target.import ?? target.default;
  return pathToFileURL(join(dir, target)).href;
}

const URL_ = 'http://127.0.0.1/webhook';
const requestOf = (body) => new Request(URL_, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

async function main() {
  const dir = resolve(process.argv.find((a, i) => i > 1 && !a.startsWith('--') && !/^\d+$/.test(a)) ?? join(process.env.ALLPASS_CONSUMER_DIR ?? 'target/npm/consumer', 'node_modules/allpass-crypto'));
  const { createWebhookHandler } = await import(entryOf(dir));
  const key = crypto.randomBytes(32).toString('hex');
  let handled = 0;
  const handler = createWebhookHandler({ key, onEvent: () => void handled++, onError: (error) => { throw error; } });
  let n = 0;
  const profile = process.argv.indexOf('--profile');
  if (profile > 0) {
    const count = Number(process.argv[profile + 1]);
    const bodies = Array.from({ length: count }, () => webhookBody(key, n++, 2_000));
    const start = performance.now();
    for (const body of bodies) if ((await handler(requestOf(body))).status !== 200) throw new Error('not 200');
    log(`${count} webhooks, ${(((performance.now() - start) / count) * 1000).toFixed(1)} µs each`);
    return;
  }
  const vendor = async (request) => {
    const envelope = JSON.parse(await request.text());
    const payload = JSON.parse(decryptData(envelope.data, key));
    if (typeof payload !== 'object') throw new Error('no payload');
    return new Response(null, { status: 200 });
  };
  const readOnly = async (request) => {
    await request.text();
    return new Response(null, { status: 200 });
  };
  const contenders = { vendor, handler, request: readOnly };
  const rows = [];
  for (const [label, size] of HANDLER_SIZES) {
    const handledBefore = handled;
    const samples = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
    // Each contender its own bodies, each used once.
    const bodies = Object.fromEntries(Object.keys(contenders).map((name) => [name, Array.from({ length: WARMUP + ROUNDS * (PER_ROUND + 2) }, () => webhookBody(key, n++, size))]));
    const next = Object.fromEntries(Object.keys(contenders).map((name) => [name, 0]));
    const bodyBytes = bodies.vendor[0].length;
    for (let round = 0; round < ROUNDS; round++) {
      const bench = new Bench({ time: 0, iterations: PER_ROUND, warmup: round === 0, warmupTime: 0, warmupIterations: WARMUP, throws: true, now: cpuNow });
      for (const name of shuffle(Object.keys(contenders))) {
        const run = contenders[name];
        bench.add(
          name,
          async () => {
            const body = bodies[name][next[name]++];
            if (body === undefined) throw new Error(`${name}: out of distinct bodies`);
            const response = await run(requestOf(body));
            if (response.status !== 200) throw new Error(`${name} answered ${response.status}`);
          },
          { beforeAll: () => globalThis.gc?.() },
        );
      }
      for (const task of await bench.run()) samples[task.name].push(task.result.latency.mean * 1000);
    }
    // A fast wrong answer is a failure: every webhook given to the handler was handled, once.
    if (handled - handledBefore !== next.handler) throw new Error(`${label}: ${next.handler} webhooks, ${handled - handledBefore} handled`);
    const us = Object.fromEntries(Object.entries(samples).map(([name, list]) => [name, median(list)]));
    rows.push({ label, size, bodyBytes, us, spread: Object.fromEntries(Object.entries(samples).map(([name, list]) => [name, [Math.min(...list), Math.max(...list)]])) });
    log(`${label}: vendor ${us.vendor.toFixed(1)} µs, handler ${us.handler.toFixed(1)} µs (${(us.handler / us.vendor).toFixed(2)}x), request alone ${us.request.toFixed(1)} µs`);
  }
  process.stdout.write(JSON.stringify({ node: process.version, package: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version, rounds: ROUNDS, perRound: PER_ROUND, rows }));
}

const fmt = (n, digits = 0) => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** RESULTS.md's section from one run per Node binary (bench.mjs), or why it was not run. */
export function handlerSection(runs, error) {
  const heading = '## Webhook handler in one process';
  if (!runs?.length) return `${heading}\n\nNot run: ${error}.\n`;
  const rows = runs.flatMap((run) =>
    run.rows.map(({ label, bodyBytes, us, spread }) => {
      const beyond = (name) => us[name] - us.request;
      return `| ${run.node} | ${label} (${fmt(bodyBytes)}-byte body) | ${fmt(us.vendor, 1)} (${fmt(spread.vendor[0], 1)}–${fmt(spread.vendor[1], 1)}) | ${fmt(us.handler, 1)} (${fmt(spread.handler[0], 1)}–${fmt(spread.handler[1], 1)}) | ${fmt(us.request, 1)} | ${fmt(us.handler / us.vendor, 2)}x | ${fmt(beyond('handler') / beyond('vendor'), 2)}x |`;
    }),
  );
  return `${heading}

Measured by \`benches/handler-run.mjs\` (a step of \`make bench\`), one process a Node version:
\`createWebhookHandler({ key, onEvent })\` with every default (memoryStore: the tamper screen, the
order and the duplicate memory) against the vendor's snippet (\`JSON.parse\` of the body, node:crypto
\`decryptData\`, \`JSON.parse\`), both given the same web \`Request\` and answering a \`Response\`; every
webhook distinct (a new applicant, a fresh IV, the current time) and given once. **CPU µs per
webhook** (the process's user + system time, its garbage collector's threads too: on a shared
machine wall time measures the neighbours as well), median of ${runs[0].rounds} interleaved rounds of
${fmt(runs[0].perRound)} webhooks (their spread in brackets). "Request alone" builds and reads the \`Request\`: what both pay
before their own work; the last column compares what each does beyond it.

| Node | payload | vendor's snippet, µs | createWebhookHandler, µs | Request alone, µs | handler / vendor | beyond the Request |
| --- | --- | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}
`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();

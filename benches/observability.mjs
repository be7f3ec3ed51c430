// `node benches/observability.mjs` (alone, or as a step of `make bench`): what instrumentation
// costs the in-process handler. Three measurements, interleaved in rounds (tinybench):
// - the handler with nobody subscribed to `allpass-crypto:webhook` (instrumentation off);
// - the same with a subscriber (every webhook timed and published);
// - the hooks alone with nobody subscribed (`watchWebhook()`, five stage marks and a publish):
//   what "off" adds to every webhook.
// Every webhook is distinct (a new applicant, a fresh IV, the current time), encrypted before
// timing starts. `--json` prints the result as one JSON object.
import crypto, { randomUUID } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import { encryptData } from '../tests/node/reference.mjs';
import { median } from './common.mjs';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const packageDir = join(process.env.ALLPASS_CONSUMER_DIR ?? join(root, 'target/npm/consumer'), 'node_modules/allpass-crypto');
const { createWebhookHandler } = await import(pathToFileURL(join(packageDir, 'node.mjs')).href);
const { watchWebhook, WEBHOOK_CHANNEL } = await import(pathToFileURL(join(packageDir, 'lib/diagnostics.mjs')).href);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 300);

const key = crypto.randomBytes(32).toString('hex');
const appKey = randomUUID();
/** Distinct webhooks, each as its request body, made before timing. */
function webhooks(count) {
  return Array.from({ length: count }, () => {
    const payload = { id: randomUUID(), externalUserId: `user-${randomUUID()}`, appKey, stepName: 'applicantApproved', warnings: [] };
    return JSON.stringify({ status: true, statusCode: 200, data: encryptData(payload, key), time: new Date().toISOString() });
  });
}

const bodies = webhooks(200_000);
let at = 0;
const handler = createWebhookHandler({ key, onEvent() {} });
const post = () => handler(new Request('http://localhost/webhook', { method: 'POST', body: bodies[at++ % bodies.length] }));
const subscriber = () => {};

const times = { off: [], on: [], hooks: [] };
for (let round = 0; round < ROUNDS; round++) {
  const bench = new Bench({ time: TIME_MS, warmupTime: 50 });
  bench.add('off', post);
  bench.add('on', post, {
    beforeAll: () => diagnostics.subscribe(WEBHOOK_CHANNEL, subscriber),
    afterAll: () => diagnostics.unsubscribe(WEBHOOK_CHANNEL, subscriber),
  });
  bench.add('hooks', () => {
    const watch = watchWebhook();
    for (const stage of ['screen', 'open', 'claim', 'store', 'onEvent']) watch.stage(stage);
    watch.publish({ outcome: 'handled', status: 200 });
  });
  await bench.run();
  for (const task of bench.tasks) times[task.name].push(task.result.latency.mean * 1000); // µs
}
const result = {
  node: process.version,
  webhookOffUs: median(times.off),
  webhookOnUs: median(times.on),
  hooksOffNs: median(times.hooks) * 1000,
};
result.onCost = result.webhookOnUs / result.webhookOffUs - 1;
result.offCost = result.hooksOffNs / 1000 / result.webhookOffUs;
if (process.argv.includes('--json')) console.log(JSON.stringify(result));
else console.log(`${result.node}: a webhook ${result.webhookOffUs.toFixed(1)} µs with instrumentation off, ${result.webhookOnUs.toFixed(1)} µs on (+${(result.onCost * 100).toFixed(1)}%); the hooks alone while off: ${result.hooksOffNs.toFixed(0)} ns (${(result.offCost * 100).toFixed(3)}% of a webhook)`);

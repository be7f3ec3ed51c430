// `node benches/store-calls.mjs [consumer directory …]`: what each call a webhook makes to a shared
// store costs, in CPU of the store's server and of the client process: `screen` (a new body of
// 16 and of 128 blocks: a 200 B and a 2 KB payload), `claim`, `enqueue` (durable mode's request
// stage), each 3,000 times with 16 in flight, on PostgreSQL (pg Pool) and Redis (node-redis,
// `appendfsync always`), started here as the tests start them. Each consumer directory (default
// target/npm/consumer; a second one is an A/B) gets tables and keys of its own. Prints a Markdown
// table: the figures benches/RESULTS.md quotes under "Durable ingestion: where the time goes".
import crypto from 'node:crypto';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { createClient } from 'redis';
import { startPostgres, startRedis } from '../tests/stores/services.mjs';
import { serverCpuMs } from './server-cpu.mjs';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const consumers = process.argv.length > 2 ? process.argv.slice(2).map((dir) => resolve(dir)) : [join(root, 'target/npm/consumer')];
const CALLS = 3000;
const IN_FLIGHT = 16;

const hex = (bytes) => crypto.randomBytes(bytes).toString('hex');
const bodies = (blocks) => Array.from({ length: CALLS }, () => ({ bodyDigest: hex(16), blocks: Array.from({ length: blocks }, () => hex(8)) }));

/** `call` on each of `items`, 16 in flight: µs of CPU a call, the server's and this process's. */
async function measure(serverCpu, items, call) {
  const before = { server: serverCpu(), client: process.cpuUsage() };
  let next = 0;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < items.length) await call(items[next++]);
  }));
  const client = process.cpuUsage(before.client);
  return { server: ((serverCpu() - before.server) * 1000) / items.length, client: (client.user + client.system) / items.length };
}

async function callsOf(store, serverCpu) {
  const rows = {};
  for (const blocks of [16, 128]) {
    const items = bodies(blocks);
    rows[`screen, a new body of ${blocks} blocks`] = await measure(serverCpu, items, (body) => store.screen(body));
    rows[`claim, ${blocks} blocks`] = await measure(serverCpu, items, (body) => store.claim(body));
  }
  const envelope = { status: true, statusCode: 200, data: hex(400), time: new Date().toISOString() };
  rows['enqueue (durable mode)'] = await measure(serverCpu, bodies(1), (body) =>
    store.enqueue({ applicantId: crypto.randomUUID(), time: Date.now(), eventTime: envelope.time, ids: [body.bodyDigest, hex(16)], envelope }));
  return rows;
}

const [postgres, redis] = await Promise.all([startPostgres(), startRedis({ persistent: true })]);
try {
  const results = [];
  for (const [index, consumer] of consumers.entries()) {
    const entry = (name) => pathToFileURL(join(consumer, 'node_modules/allpass-crypto', name)).href;
    const { postgresStore } = await import(entry('postgres.mjs'));
    const { redisStore } = await import(entry('redis.mjs'));
    const pool = new pg.Pool({ connectionString: postgres.url });
    const client = createClient({ url: redis.url });
    await client.connect();
    const onPostgres = postgresStore({ pool, prefix: `calls${index}_` });
    const onRedis = redisStore(client, { prefix: `calls${index}:` });
    await onPostgres.migrate();
    await onRedis.migrate();
    results.push({ consumer, postgres: await callsOf(onPostgres, () => serverCpuMs('postgres', postgres)), redis: await callsOf(onRedis, () => serverCpuMs('redis', redis)) });
    await pool.end();
    await client.quit();
  }
  const fmt = (n) => Math.round(n).toLocaleString('en');
  console.log(`${CALLS} calls each, ${IN_FLIGHT} in flight; Node ${process.version}; µs of CPU a call, server / client${results.length > 1 ? `; ${results.map((r, i) => `(${i + 1}) ${r.consumer}`).join(', ')}` : ''}\n`);
  console.log(`| call | ${results.map((_, i) => `PostgreSQL${results.length > 1 ? ` (${i + 1})` : ''}`).join(' | ')} | ${results.map((_, i) => `Redis${results.length > 1 ? ` (${i + 1})` : ''}`).join(' | ')} |`);
  console.log(`| --- | ${results.map(() => '---:').join(' | ')} | ${results.map(() => '---:').join(' | ')} |`);
  for (const name of Object.keys(results[0].postgres)) {
    const cell = (row) => `${fmt(row.server)} / ${fmt(row.client)}`;
    console.log(`| ${name} | ${results.map((r) => cell(r.postgres[name])).join(' | ')} | ${results.map((r) => cell(r.redis[name])).join(' | ')} |`);
  }
} finally {
  await Promise.all([postgres.stop(), redis.stop()]);
}

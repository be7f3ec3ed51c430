// `node benches/webhooks.mjs` (alone, or as a step of `make bench`): webhooks/s, p50/p99 latency
// and CPU per webhook over real HTTP on 127.0.0.1: the vendor's snippet and createNodeMiddleware
// (each store), in Express and in node:http, on Node 24 and Node 26; rewrites its section of
// RESULTS.md.
//
// One process per receiver and Node binary (spawned from this file with `--serve`). The load is
// autocannon in a process of its own (`--load`, on this process's Node), 20 connections, HTTP/1.1
// keep-alive: every request a distinct applicant's event, encrypted afresh (the vendor's
// node:crypto encryptData) just before its turn, never sent twice. Two receivers do no work at
// all (`bare`: node:http, Express): what the server and the load generator cost alone, the
// ceiling any receiver could reach here, and the load generator's CPU per request is reported
// with every row, so a row far from its neighbours shows where its time went. Each receiver is
// warmed up, then timed in rounds interleaved with the others (a fresh random order each round).
// PostgreSQL and Redis are Debian's servers, started on free ports in temporary directories by
// tests/stores/services.mjs and stopped after, even on failure. Durable mode (`durable: true`,
// Redis and PostgreSQL): the rows are its ingestion (the webhook kept, `onEvent` not called);
// after each payload size's rounds, `startWorker` in the receiver's process applies every event
// kept (POST /drain), timed with its CPU and the store server's. `--json`: print the measurement
// as one JSON object and leave RESULTS.md alone (what bench.mjs does; it writes the section
// itself with `webhookSection`).
//
// Knobs: BENCH_WEBHOOKS (timed requests per receiver and payload size, 6000),
// BENCH_WEBHOOKS_WARMUP (1000), BENCH_WEBHOOKS_CONNECTIONS (20), BENCH_WEBHOOKS_ROUNDS (3),
// BENCH_WEBHOOKS_NODES (the Node binaries, comma-separated; default .ci/node-versions' 24 and 26),
// BENCH_WEBHOOKS_ONLY (receiver ids, comma-separated: a quick look at a few rows; no RESULTS.md),
// BENCH_WEBHOOKS_BASELINE (another consumer directory: its package's middleware rows are run too,
// interleaved, as `<id>@baseline`: an A/B of two builds on one machine).
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
// The vendor's own functions, as its documentation writes them.
import { decryptData } from '../tests/node/reference.mjs';
import { webhookBody } from './webhook-bodies.mjs';
import { shuffle } from './common.mjs';
import { runStep } from './sections.mjs';
import { serverCpuMs } from './server-cpu.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '..');
const HEADING = '## Webhook throughput';

/** The receivers, in the table's order. `store`: which server it needs; `vs`: the row its ratio is against. */
export const RECEIVERS = [
  { id: 'http-bare', server: 'node:http', handler: 'nothing (answers 200 at the end of the body)', store: '—' },
  { id: 'express-bare', server: 'Express', handler: 'nothing (`express.json()`, then 200)', store: '—' },
  { id: 'express-vendor', server: 'Express', handler: "the vendor's snippet: `express.json()`, node:crypto `decryptData`, `JSON.parse`", store: '—' },
  { id: 'express-memory', server: 'Express', handler: '`createNodeMiddleware`', store: '`memoryStore()` (the default)', vs: 'express-vendor' },
  { id: 'http-vendor', server: 'node:http', handler: "the vendor's snippet without Express (body read by hand)", store: '—' },
  { id: 'memory', server: 'node:http', handler: '`createNodeMiddleware`', store: '`memoryStore()` (the default)', vs: 'http-vendor' },
  { id: 'redis', server: 'node:http', handler: '`createNodeMiddleware`', store: '`redisStore(client)`, node-redis', needs: 'redis', vs: 'http-vendor' },
  { id: 'postgres', server: 'node:http', handler: '`createNodeMiddleware`', store: '`postgresStore({ pool })`, pg Pool', needs: 'postgres', vs: 'http-vendor' },
  { id: 'redis-durable', server: 'node:http', handler: '`createNodeMiddleware`, `durable: true`', store: '`redisStore(client)`, node-redis', needs: 'redis', vs: 'http-vendor', durable: true },
  { id: 'postgres-durable', server: 'node:http', handler: '`createNodeMiddleware`, `durable: true`', store: '`postgresStore({ pool })`, pg Pool', needs: 'postgres', vs: 'http-vendor', durable: true },
];
/** The workers that apply a durable receiver's kept events (startWorker's concurrency), after each payload size's rounds. */
const DRAIN_CONCURRENCY = 8;
/** How long a drain may take before the bench gives up on it. */
const DRAIN_TIMEOUT_MS = 300_000;
export const WEBHOOK_SIZES = [['200 B', 200], ['2 KB', 2_000]];

const consumerDir = () => process.env.ALLPASS_CONSUMER_DIR ?? join(root, 'target/npm/consumer');
const defaultNodes = () =>
  process.env.BENCH_WEBHOOKS_NODES?.split(',') ?? ['node-24', 'node-26'].map((name) => join(root, '.ci/node-versions/node_modules', name, 'bin/node'));

/** A subpath of the installed package, resolved as `import` in Node resolves it (its exports map). */
function packageEntry(consumer, subpath) {
  const dir = join(consumer, 'node_modules/allpass-crypto');
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  let target = manifest.exports[subpath];
  while (target && typeof target === 'object') target = target.node ?? target.import ?? target.default;
  if (typeof target !== 'string') throw new Error(`allpass-crypto has no export ${subpath} for node/import`);
  return pathToFileURL(join(dir, target)).href;
}

const versionOf = (name) => JSON.parse(readFileSync(createRequire(join(here, 'package.json')).resolve(`${name}/package.json`), 'utf8')).version;

// ---------------------------------------------------------------------------------------------
// A receiver (`--serve`): listens on 127.0.0.1, prints {"port":N,…} once ready. POST /webhook is
// the receiver; GET /stats says how many events it handled (durable: kept), what went wrong and
// its CPU time; POST /gc collects its heap (between turns, so one turn's garbage is not collected
// in another's); POST /drain?expected=N (durable receivers) runs the workers until N more events
// are applied, then stops them, and answers {ms, cpuUs, applied, distinct}.

async function serve() {
  const { id, key, consumer, postgresUrl, redisUrl, lane, tag = 'allpass' } = JSON.parse(process.env.ALLPASS_BENCH_WEBHOOK_SERVER);
  let handled = 0;
  let kept = 0;
  let duplicates = 0;
  const errors = {};
  const onEvent = () => {
    handled++;
  };
  // Durable mode's onEvent (the workers'): each event applied, by its payload's id (one per webhook).
  const applied = new Set();
  const onApplied = (event) => {
    handled++;
    applied.add(event.data?.id);
  };
  const onDuplicate = () => {
    duplicates++;
  };
  const onError = (error, { status }) => {
    const name = `${status} ${error?.code ?? error?.message ?? error}`;
    errors[name] = (errors[name] ?? 0) + 1;
  };
  const info = {};
  const side = (req, res) => {
    if (req.method === 'GET' && req.url === '/stats') {
      const cpu = process.cpuUsage();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ handled, kept, duplicates, errors, cpuUs: cpu.user + cpu.system }));
      return true;
    }
    if (req.method === 'POST' && req.url.startsWith('/drain?') && info.drain) {
      const expected = Number(new URLSearchParams(req.url.slice('/drain?'.length)).get('expected'));
      info.drain(expected).then(
        (result) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(result));
        },
        (error) => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: String(error?.message ?? error) }));
        },
      );
      return true;
    }
    if (req.method === 'POST' && req.url === '/gc') {
      globalThis.gc?.();
      res.writeHead(204);
      res.end();
      return true;
    }
    return false;
  };
  let app;
  if (id === 'http-bare') {
    app = (req, res) => {
      if (side(req, res)) return;
      req.on('data', () => {});
      req.on('end', () => {
        handled++;
        res.writeHead(200, { 'content-length': '0' });
        res.end();
      });
    };
  } else if (id === 'express-bare') {
    const { default: express } = await import('express');
    app = express();
    app.post('/webhook', express.json(), (req, res) => {
      handled++;
      res.sendStatus(200);
    });
    app.use((req, res, next) => (side(req, res) ? undefined : next()));
  } else if (id === 'express-memory') {
    const { default: express } = await import('express');
    const { createNodeMiddleware } = await import(packageEntry(consumer, '.'));
    app = express();
    app.post('/webhook', createNodeMiddleware({ key, onEvent, onDuplicate, onError }));
    app.use((req, res, next) => (side(req, res) ? undefined : next()));
  } else if (id === 'express-vendor') {
    const { default: express } = await import('express');
    app = express();
    // The vendor's documented receiver: parse the JSON envelope, decrypt `data`, parse it, 200.
    app.post('/webhook', express.json(), (req, res) => {
      const decrypted = decryptData(req.body.data, key);
      const payload = JSON.parse(decrypted);
      onEvent(payload);
      res.sendStatus(200);
    });
    app.use((req, res, next) => (side(req, res) ? undefined : next()));
  } else if (id === 'http-vendor') {
    app = (req, res) => {
      if (side(req, res)) return;
      const chunks = [];
      req.on('data', (chunk) => chunks.push(chunk));
      req.on('end', () => {
        try {
          const envelope = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          onEvent(JSON.parse(decryptData(envelope.data, key)));
          res.writeHead(200, { 'content-length': '0' });
        } catch (error) {
          onError(error, { status: 400 });
          res.writeHead(400, { 'content-length': '0' });
        }
        res.end();
      });
    };
  } else {
    const { createNodeMiddleware, startWorker } = await import(packageEntry(consumer, '.'));
    const durable = id.endsWith('-durable');
    let store;
    // A durable receiver's store has a prefix of its own, one per Node binary (`lane`): a worker
    // takes any event its store holds, so each drain applies only its own receiver's events. A
    // baseline build's receivers (`tag`) have their own, its layout may differ.
    if (id === 'redis' || id === 'redis-durable') {
      const { createClient } = await import('redis');
      const client = createClient({ url: redisUrl });
      client.on('error', (error) => onError(error, { status: 'client' }));
      await client.connect();
      const { redisStore } = await import(packageEntry(consumer, './redis'));
      store = redisStore(client, { prefix: durable ? `${tag}:durable:${lane}:` : `${tag}:` });
      await store.migrate();
      info.serverVersion = /redis_version:(\S+)/.exec(await client.info('server'))?.[1];
    } else if (id === 'postgres' || id === 'postgres-durable') {
      const { default: pg } = await import('pg');
      const pool = new pg.Pool({ connectionString: postgresUrl });
      pool.on('error', (error) => onError(error, { status: 'pool' }));
      const { postgresStore } = await import(packageEntry(consumer, './postgres'));
      store = postgresStore({ pool, prefix: durable ? `${tag}_durable_${lane}_` : `${tag}_` });
      await store.migrate();
      info.serverVersion = (await pool.query('show server_version')).rows[0].server_version;
      info.poolMax = pool.options.max;
    }
    if (durable) {
      // Counts the events kept at ingestion (the store's verdict 'queued'), for the check.
      const enqueue = store.enqueue.bind(store);
      store.enqueue = async (delivery) => {
        const verdict = await enqueue(delivery);
        if (verdict?.outcome === 'queued') kept++;
        return verdict;
      };
      // After a payload size's rounds: workers apply the events kept; how long until `expected`
      // more have been applied (each once), with this process's CPU meanwhile.
      info.drain = async (expected) => {
        const from = handled;
        const seen = applied.size;
        const cpu = process.cpuUsage();
        const start = performance.now();
        const worker = startWorker({ key, store, onEvent: onApplied, onError: (error) => onError(error, { status: 'worker' }), concurrency: DRAIN_CONCURRENCY });
        while (applied.size - seen < expected && performance.now() - start < DRAIN_TIMEOUT_MS) await new Promise((done) => setTimeout(done, 5));
        const ms = performance.now() - start;
        const used = process.cpuUsage(cpu);
        await worker.stop();
        return { ms, cpuUs: used.user + used.system, applied: handled - from, distinct: applied.size - seen };
      };
    }
    // In durable mode onEvent is startWorker's, not the middleware's: the request only keeps the event.
    const middleware = createNodeMiddleware({ key, ...(durable ? { durable: true } : { onEvent }), onDuplicate, onError, ...(store ? { store } : {}) });
    app = (req, res) => {
      if (!side(req, res)) middleware(req, res);
    };
  }
  const server = http.createServer(app);
  server.keepAliveTimeout = 60_000;
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  process.stdout.write(`${JSON.stringify({ port: server.address().port, node: process.version, ...info })}\n`);
}

// ---------------------------------------------------------------------------------------------
// The load generator (`--load`): autocannon sends the bodies in a file, each once, and prints
// {"rate",…} with its own CPU time.

async function load() {
  const { port, bodiesFile, connections } = JSON.parse(process.env.ALLPASS_BENCH_WEBHOOK_LOAD);
  const { default: autocannon } = await import('autocannon');
  const bodies = JSON.parse(readFileSync(bodiesFile, 'utf8'));
  let next = 0;
  // The rate from the first request written to the last answer read: autocannon's own duration
  // ends on its next one-second tick.
  let first;
  let last;
  const cpuBefore = process.cpuUsage();
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    amount: bodies.length,
    timeout: 60,
    requests: [
      {
        method: 'POST',
        path: '/webhook',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => {
          first ??= performance.now();
          return { ...request, body: bodies[next++ % bodies.length] };
        },
        onResponse: () => {
          last = performance.now();
        },
      },
    ],
  });
  const cpu = process.cpuUsage(cpuBefore);
  process.stdout.write(
    JSON.stringify({
      sent: result.requests.sent,
      done: result['2xx'] + result.non2xx,
      ok: result['2xx'],
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      setups: next,
      seconds: (last - first) / 1000,
      p50: result.latency.p50,
      p99: result.latency.p99,
      max: result.latency.max,
      cpuUs: cpu.user + cpu.system,
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// The orchestration.

const children = new Set();

/** Runs a child of this file; resolves its stdout's JSON once it exits (0). */
function runChild(node, flag, envName, config) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(node, [fileURLToPath(import.meta.url), flag], { cwd: here, env: { ...process.env, [envName]: JSON.stringify(config) }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (part) => (out += part));
    child.stderr.on('data', (part) => (err = (err + part).slice(-4000)));
    child.on('exit', (code) => {
      children.delete(child);
      if (code === 0) resolvePromise(JSON.parse(out));
      else reject(new Error(`${flag} exited ${code}: ${err}`));
    });
  });
}

/** Starts a receiver on `node`; resolves { child, port, … } once it listens, rejects after 60 s. */
function startReceiver(node, config) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(node, ['--expose-gc', fileURLToPath(import.meta.url), '--serve'], {
      cwd: here,
      env: { ...process.env, ALLPASS_BENCH_WEBHOOK_SERVER: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let stderr = '';
    let out = '';
    let ready = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the ${config.id} receiver did not listen within 60 s: ${stderr}`));
    }, 60_000);
    child.stderr.on('data', (part) => (stderr = (stderr + part).slice(-4000)));
    child.on('exit', (code, signal) => {
      children.delete(child);
      clearTimeout(timer);
      if (!ready) reject(new Error(`the ${config.id} receiver exited (${code ?? signal}) before listening: ${stderr}`));
      else if (!child.stopping) child.died = `the ${config.id} receiver exited (${code ?? signal}): ${stderr}`;
    });
    child.stdout.on('data', (part) => {
      out += part;
      const line = out.split('\n').find((text) => text.startsWith('{"port"'));
      if (!line || ready) return;
      ready = true;
      clearTimeout(timer);
      resolvePromise({ child, ...JSON.parse(line) });
    });
  });
}

/** SIGTERM, then SIGKILL after 5 s; resolves once it exited. */
function stopReceiver(child) {
  child.stopping = true;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      done();
    });
    child.kill('SIGTERM');
  });
}

/** A side request to a receiver (GET /stats, POST /gc); resolves the answer's text. */
function side(port, method, path) {
  return new Promise((done, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const log = (message) => console.error(`webhooks: ${message}`);
const loadAverages = () => os.loadavg().map((v) => v.toFixed(2)).join(', ');
const sum = (list, pick) => list.reduce((total, x) => total + pick(x), 0);

/** The whole measurement: { rows: [{ id, node, size, rate, p50, p99, cpuUsPerWebhook, … }], settings, versions, … }. */
export async function measureWebhooks({
  requests = Number(process.env.BENCH_WEBHOOKS ?? 6000),
  warmup = Number(process.env.BENCH_WEBHOOKS_WARMUP ?? 1000),
  connections = Number(process.env.BENCH_WEBHOOKS_CONNECTIONS ?? 20),
  rounds = Number(process.env.BENCH_WEBHOOKS_ROUNDS ?? 3),
  nodes = defaultNodes(),
} = {}) {
  for (const [name, value] of Object.entries({ requests, warmup, connections, rounds })) {
    if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name}: ${value} is not a whole number from 1`);
  }
  if (requests % rounds !== 0) throw new Error(`BENCH_WEBHOOKS (${requests}) must divide into ${rounds} rounds`);
  const consumer = consumerDir();
  const installed = join(consumer, 'node_modules/allpass-crypto/package.json');
  if (!existsSync(installed)) throw new Error(`${installed} not found: run \`make pack\` first`);
  for (const node of nodes) if (!existsSync(node)) throw new Error(`${node} not found: run \`make setup\``);
  const started = performance.now();
  const loadAtStart = loadAverages();
  const { startPostgres, startRedis } = await import(pathToFileURL(join(root, 'tests/stores/services.mjs')).href);
  const key = crypto.randomBytes(32).toString('hex');
  const scratch = mkdtempSync(join(os.tmpdir(), 'allpass-webhooks-'));
  let postgres;
  let redis;
  const receivers = [];
  try {
    log('starting PostgreSQL and Redis (persistent: an append-only file, fsync on every write)');
    [postgres, redis] = await Promise.all([startPostgres(), startRedis({ persistent: true })]);
    const only = process.env.BENCH_WEBHOOKS_ONLY?.split(',');
    const baseline = process.env.BENCH_WEBHOOKS_BASELINE;
    const specs = RECEIVERS.filter((r) => !only || only.includes(r.id)).map((spec) => ({ spec, consumer }));
    if (baseline) for (const spec of RECEIVERS.filter((r) => r.vs && (!only || only.includes(r.id)))) specs.push({ spec: { ...spec, id: `${spec.id}@baseline` }, consumer: baseline });
    for (const node of nodes) {
      for (const { spec, consumer: dir } of specs) {
        const running = await startReceiver(node, { id: spec.id.replace('@baseline', ''), key, consumer: dir, postgresUrl: postgres.url, redisUrl: redis.url, lane: nodes.indexOf(node), tag: spec.id.endsWith('@baseline') ? 'baseline' : 'allpass' });
        receivers.push({ spec, node, running, batches: Object.fromEntries(WEBHOOK_SIZES.map(([label]) => [label, []])), drains: {} });
        log(`${spec.id} on Node ${running.node} listening on ${running.port}`);
      }
    }
    let n = 0;
    const stats = async (receiver) => JSON.parse(await side(receiver.running.port, 'GET', '/stats'));
    /** The CPU time (ms) of the receiver's store server so far; undefined for none, or not measurable. */
    const storeCpu = ({ spec }) => (spec.needs ? serverCpuMs(spec.needs, spec.needs === 'postgres' ? postgres : redis) : undefined);
    /** One turn: `count` fresh bodies of `size` to `receiver` through autocannon; the turn's numbers. */
    const turn = async (receiver, size, count) => {
      const bodiesFile = join(scratch, 'bodies.json');
      writeFileSync(bodiesFile, JSON.stringify(Array.from({ length: count }, () => webhookBody(key, n++, size))));
      await side(receiver.running.port, 'POST', '/gc');
      const before = await stats(receiver);
      const storeBefore = storeCpu(receiver);
      const run = await runChild(process.execPath, '--load', 'ALLPASS_BENCH_WEBHOOK_LOAD', { port: receiver.running.port, bodiesFile, connections });
      const storeAfter = storeCpu(receiver);
      const after = await stats(receiver);
      // A fast wrong answer is a failure: every webhook answered 200, each sent once, handled once
      // (durable: kept once, and not handled yet: the workers apply it after the rounds, checked then).
      const handled = after.handled - before.handled;
      const kept = after.kept - before.kept;
      const once = receiver.spec.durable ? kept === count && handled === 0 : handled === count;
      if (run.ok !== count || run.non2xx || run.errors || run.timeouts || run.setups !== count || !once || after.duplicates !== before.duplicates) {
        throw new Error(`${receiver.spec.id} on Node ${receiver.running.node}: ${count} webhooks sent, ${JSON.stringify(run)}, ${handled} handled, ${kept} kept, errors ${JSON.stringify(after.errors)}`);
      }
      return { ...run, count, cpuUs: after.cpuUs - before.cpuUs, loadCpuUs: run.cpuUs, storeCpuMs: storeBefore === undefined || storeAfter === undefined ? undefined : storeAfter - storeBefore };
    };
    /** A durable receiver's processing: its workers apply the `count` events it kept; timed, with the store server's CPU. */
    const drain = async (receiver, count) => {
      const before = await stats(receiver);
      const storeBefore = storeCpu(receiver);
      const result = JSON.parse(await side(receiver.running.port, 'POST', `/drain?expected=${count}`));
      const storeAfter = storeCpu(receiver);
      const after = await stats(receiver);
      // Every event kept was applied, each once, and nothing went wrong.
      if (result.distinct !== count || result.applied !== count || JSON.stringify(after.errors) !== JSON.stringify(before.errors)) {
        if (result.error) throw new Error(`${receiver.spec.id} on Node ${receiver.running.node}: the drain failed: ${result.error}`);
        throw new Error(`${receiver.spec.id} on Node ${receiver.running.node}: ${count} events kept, ${result.distinct} applied (${result.applied} times) in ${Math.round(result.ms)} ms, errors ${JSON.stringify(after.errors)}`);
      }
      return { ...result, count, storeCpuMs: storeBefore === undefined || storeAfter === undefined ? undefined : storeAfter - storeBefore };
    };

    const perRound = requests / rounds;
    for (const [label, size] of WEBHOOK_SIZES) {
      for (const receiver of receivers) {
        log(`${label}: ${receiver.spec.id} on Node ${receiver.running.node}: warm-up, ${warmup} webhooks`);
        await turn(receiver, size, warmup);
      }
      for (let round = 0; round < rounds; round++) {
        for (const receiver of shuffle(receivers)) {
          const run = await turn(receiver, size, perRound);
          receiver.batches[label].push(run);
          log(`${label} round ${round + 1}/${rounds}: ${receiver.spec.id} on Node ${receiver.running.node}: ${Math.round(perRound / run.seconds)} webhooks/s, ${Math.round(run.cpuUs / perRound)} µs CPU each`);
        }
      }
      for (const receiver of receivers.filter((r) => r.spec.durable)) {
        log(`${label}: ${receiver.spec.id} on Node ${receiver.running.node}: workers (concurrency ${DRAIN_CONCURRENCY}) apply the ${warmup + requests} kept events`);
        const done = await drain(receiver, warmup + requests);
        receiver.drains[label] = done;
        log(`${label}: ${receiver.spec.id} on Node ${receiver.running.node}: ${Math.round((done.count / done.ms) * 1000)} events/s processed, ${Math.round(done.cpuUs / done.count)} µs CPU each`);
      }
    }

    const rows = [];
    for (const receiver of receivers) {
      if (receiver.running.child.died) throw new Error(receiver.running.child.died);
      for (const [label] of WEBHOOK_SIZES) {
        const batches = receiver.batches[label];
        const seconds = sum(batches, (run) => run.seconds);
        rows.push({
          id: receiver.spec.id,
          node: receiver.running.node,
          size: label,
          rate: requests / seconds,
          roundRates: batches.map((run) => perRound / run.seconds),
          // autocannon's percentiles per round; the table shows their median and worst.
          p50: batches.map((run) => run.p50).sort((a, b) => a - b)[Math.floor(batches.length / 2)],
          p99: Math.max(...batches.map((run) => run.p99)),
          cpuUsPerWebhook: sum(batches, (run) => run.cpuUs) / requests,
          loadCpuUsPerWebhook: sum(batches, (run) => run.loadCpuUs) / requests,
          storeCpuUsPerWebhook: batches.some((run) => run.storeCpuMs === undefined) ? undefined : (sum(batches, (run) => run.storeCpuMs) * 1000) / requests,
          serverVersion: receiver.running.serverVersion,
          poolMax: receiver.running.poolMax,
          // Durable mode: the workers' pass over every event kept (warm-up and timed) of this size.
          ...(receiver.drains[label] && {
            processing: (({ count, ms, cpuUs, storeCpuMs }) => ({
              rate: (count / ms) * 1000,
              cpuUsPerEvent: cpuUs / count,
              storeCpuUsPerEvent: storeCpuMs === undefined ? undefined : (storeCpuMs * 1000) / count,
            }))(receiver.drains[label]),
          }),
        });
      }
    }
    const bodyBytes = Object.fromEntries(WEBHOOK_SIZES.map(([label, size]) => [label, webhookBody(key, 0, size).length]));
    return {
      date: new Date().toISOString(),
      machine: `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}`,
      loadNode: process.version,
      nodes: [...new Set(receivers.map((r) => r.running.node))],
      versions: {
        'allpass-crypto': JSON.parse(readFileSync(installed, 'utf8')).version,
        express: versionOf('express'),
        autocannon: versionOf('autocannon'),
        pg: versionOf('pg'),
        redis: versionOf('redis'),
        PostgreSQL: rows.find((r) => r.id.startsWith('postgres'))?.serverVersion,
        'Redis server': rows.find((r) => r.id.startsWith('redis'))?.serverVersion,
      },
      poolMax: rows.find((r) => r.id.startsWith('postgres'))?.poolMax,
      drainConcurrency: DRAIN_CONCURRENCY,
      requests,
      warmup,
      connections,
      rounds,
      bodyBytes,
      loadAtStart,
      loadAtEnd: loadAverages(),
      seconds: (performance.now() - started) / 1000,
      rows,
    };
  } finally {
    await Promise.all(receivers.map(({ running }) => stopReceiver(running.child)));
    await Promise.allSettled([postgres?.stop(), redis?.stop()]);
    rmSync(scratch, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The RESULTS.md section.

const fmt = (n, digits = 0) => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The section (heading included) for RESULTS.md, from `measureWebhooks()`'s result; or why it was not run.
 * With some receivers only (BENCH_WEBHOOKS_ONLY), the rows measured, and no sanity check that lacks its rows. */
export function webhookSection(result, error) {
  if (!result) return `${HEADING}\n\nNot run: ${error}.\n`;
  const find = (id, node, size) => result.rows.find((r) => r.id === id && r.node === node && r.size === size);
  const tables = [];
  const checks = [];
  const processing = [];
  for (const node of result.nodes) {
    for (const [size] of WEBHOOK_SIZES) {
      const rows = RECEIVERS.filter((spec) => find(spec.id, node, size)).map((spec) => {
        const r = find(spec.id, node, size);
        const bare = find(spec.server === 'Express' ? 'express-bare' : 'http-bare', node, size);
        const reference = spec.vs && find(spec.vs, node, size);
        const versus = reference ? `${fmt(r.rate / reference.rate, 2)}x` : '—';
        const storeCpu = r.storeCpuUsPerWebhook === undefined ? '—' : fmt(r.storeCpuUsPerWebhook);
        if (r.processing) {
          const p = r.processing;
          processing.push(`| ${node} | ${size} | ${spec.store} | ${fmt(r.rate)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${fmt(p.rate)} | ${fmt(p.cpuUsPerEvent)} | ${p.storeCpuUsPerEvent === undefined ? '—' : fmt(p.storeCpuUsPerEvent)} |`);
        }
        return `| ${spec.server} | ${spec.handler} | ${spec.store} | ${fmt(r.rate)} | ${fmt(Math.min(...r.roundRates))}–${fmt(Math.max(...r.roundRates))} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${fmt(r.cpuUsPerWebhook)} | ${spec.id.endsWith('bare') || !bare ? '—' : fmt(r.cpuUsPerWebhook - bare.cpuUsPerWebhook)} | ${storeCpu} | ${fmt(r.loadCpuUsPerWebhook)} | ${versus} |`;
      });
      tables.push(`### Node ${node}, ${size} payload (${fmt(result.bodyBytes[size])}-byte body)

| server | handler | store | webhooks/s | rounds, webhooks/s | p50 ms | p99 ms | receiver CPU µs/webhook | beyond the bare server, µs | store server CPU µs/webhook | load generator CPU µs/webhook | webhooks/s vs the vendor's snippet on the same server |
| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}`);
      if (!['express-bare', 'http-bare', 'express-vendor', 'http-vendor'].every((id) => find(id, node, size))) continue;
      const expressCost = find('express-bare', node, size).cpuUsPerWebhook - find('http-bare', node, size).cpuUsPerWebhook;
      const vendorGap = find('express-vendor', node, size).cpuUsPerWebhook - find('http-vendor', node, size).cpuUsPerWebhook;
      const here = result.rows.filter((r) => r.node === node && r.size === size);
      const fastest = Math.max(...here.filter((r) => !r.id.endsWith('bare')).map((r) => r.rate));
      const bareHttp = find('http-bare', node, size);
      checks.push(
        `Node ${node}, ${size}: Express with the vendor's snippet costs ${fmt(vendorGap)} µs of CPU a webhook more than node:http with it, and Express alone (bare) ${fmt(expressCost)} µs more than node:http alone: the Express rows' extra time is Express's own. The load generator spent ${fmt(Math.min(...here.map((r) => r.loadCpuUsPerWebhook)))}-${fmt(Math.max(...here.map((r) => r.loadCpuUsPerWebhook)))} µs of CPU a request and drove the bare node:http server at ${fmt(bareHttp.rate)}/s, ${fmt(bareHttp.rate / fastest, 1)}x the fastest receiver (${fmt(fastest)}/s)`,
      );
    }
  }
  const v = result.versions;
  return `${HEADING}

Measured by \`node benches/webhooks.mjs\` (a step of \`make bench\`) on ${result.date.slice(0, 10)}: ${result.machine};
receivers on Node ${result.nodes.join(' and ')} (.ci/node-versions), the load generator on Node ${result.loadNode.slice(1)};
allpass-crypto ${v['allpass-crypto']} (the packed tarball, installed in target/npm/consumer); Express ${v.express}; autocannon ${v.autocannon};
pg ${v.pg} (a \`Pool\`, default size ${result.poolMax}); node-redis (\`redis\`) ${v.redis}; PostgreSQL ${v.PostgreSQL}; Redis ${v['Redis server']}.
Each receiver is its own Node process on 127.0.0.1, and \`onEvent\` only counts the event. The load
generator is autocannon in a process of its own on the same 2 cores: HTTP/1.1 keep-alive,
**${result.connections} connections**; per receiver and payload size **${fmt(result.warmup)} warm-up webhooks, then ${fmt(result.requests)} timed**, in
${result.rounds} rounds of ${fmt(result.requests / result.rounds)} interleaved with the other receivers (a fresh random order each round,
the receiver's heap collected before each turn). Every webhook is a distinct applicant's event
(so none waits for another's lock: the rate without contention), encrypted afresh by the vendor's
node:crypto \`encryptData\` just before its turn and sent once. webhooks/s: the timed webhooks over the
sum of the rounds' durations; p50: the median round's, p99: the worst round's (autocannon's
latencies); CPU: user + system time per timed webhook of the receiver process, of the store's
server (the PostgreSQL cluster with its backends, or redis-server; from /proc) and of the load
generator (durable rows: of the ingestion). "Beyond the bare server": the receiver's CPU less
that of the bare receiver on the same server (node:http or Express): what the handler itself
costs (the bare Express route runs \`express.json()\`, which the middleware's route does not: there
it is understated by that parse). Every answer was 200 and every event was handled once (durable:
kept once, then applied once by the workers), none as a duplicate (checked). PostgreSQL with
\`fsync=off\` (a test cluster), Redis with \`appendonly yes\`, \`appendfsync always\`.
**Noisy**: the machine's 2 cores are shared with other work; load average (1, 5, 15 min)
${result.loadAtStart} at the start, ${result.loadAtEnd} at the end; the spread of the rounds is shown. Where
it is wide, compare the CPU columns, which other work disturbs far less. The step took ${fmt(result.seconds)} s.

${tables.join('\n\n')}
${
  processing.length
    ? `
Durable mode (\`durable: true\`): its rows above are its ingestion (verify, keep the delivery in the
store, its data still encrypted, answer 200: \`onEvent\` is not called there), each Node binary's
receiver with a store prefix of its own. Processing: after each payload size's rounds,
\`startWorker({ key, store, onEvent, concurrency: ${result.drainConcurrency} })\` in the receiver's process applies every
event it kept (warm-up and timed, ${fmt(result.warmup + result.requests)}) from that backlog, then stops; events/s is their
number over the time from the workers' start until the last was applied, CPU per event as above
(the receiver process and the store's server meanwhile).

| Node | payload | store | ingestion webhooks/s | p50 ms | p99 ms | processing events/s | receiver CPU µs/event | store server CPU µs/event |
| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |
${processing.join('\n')}
`
    : ''
}
Sanity checks (where Express's time goes; the load generator against the ceiling). On 2 cores the
load generator and the receiver share the CPU, so the rates of fast rows are compressed toward
each other; the CPU columns are not:
${checks.length ? checks.map((line) => `- ${line}.`).join('\n') : '- (not run: their receivers were not measured)'}
`;
}

// ---------------------------------------------------------------------------------------------

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.once('exit', () => {
    for (const child of children) child.kill('SIGKILL');
  });
  if (process.argv.includes('--serve')) {
    await serve();
  } else if (process.argv.includes('--load')) {
    await load();
  } else {
    // A few receivers only (BENCH_WEBHOOKS_ONLY): printed, RESULTS.md left alone.
    await runStep(measureWebhooks, webhookSection, HEADING, { write: !process.env.BENCH_WEBHOOKS_ONLY });
  }
}

// `node benches/webhooks.mjs` (alone, or as a step of `make bench`): webhooks/s and p50/p99 latency over real HTTP on 127.0.0.1, createNodeMiddleware with each store vs the vendor's snippet in Express; rewrites its section of RESULTS.md.
//
// One process per receiver (spawned from this file with `--serve`), this process the load
// generator: every request a distinct applicant's event, encrypted afresh (the vendor's
// node:crypto encryptData) before any timing starts. Each receiver is warmed up, then timed in
// rounds interleaved with the others (a fresh random order each round), so a burst of other work
// on the machine hits every receiver alike. PostgreSQL and Redis are Debian's servers, started on
// free ports in temporary directories by tests/stores/services.mjs and stopped after, even on
// failure. `--json`: print the measurement as one JSON object and leave RESULTS.md alone (what
// bench.mjs does; it writes the section itself with `webhookSection`).
//
// Knobs: BENCH_WEBHOOKS (timed requests per receiver, 3000), BENCH_WEBHOOKS_WARMUP (300),
// BENCH_WEBHOOKS_CONCURRENCY (16), BENCH_WEBHOOKS_ROUNDS (3).
import { spawn } from 'node:child_process';
import crypto, { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
// The vendor's own functions, as its documentation writes them.
import { decryptData, encryptData } from '../tests/node/reference.mjs';
import { runStep } from './sections.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '..');
const HEADING = '## Webhook throughput';

/** The receivers, in the table's order. `store`: which server it needs. */
export const RECEIVERS = [
  { id: 'express-vendor', server: 'Express', handler: "the vendor's snippet: `express.json()`, node:crypto `decryptData`, `JSON.parse`", store: '—' },
  { id: 'http-vendor', server: 'node:http', handler: "the vendor's snippet without Express (body read by hand)", store: '—' },
  { id: 'memory', server: 'node:http', handler: '`createNodeMiddleware`', store: '`memoryStore()` (the default)' },
  { id: 'redis', server: 'node:http', handler: '`createNodeMiddleware`', store: '`redisStore(client)`, node-redis', needs: 'redis' },
  { id: 'postgres', server: 'node:http', handler: '`createNodeMiddleware`', store: '`postgresStore({ pool })`, pg Pool', needs: 'postgres' },
  { id: 'redis-durable', server: 'node:http', handler: '`createNodeMiddleware`, `durable: true`', store: '`redisStore(client)`, node-redis', needs: 'redis', durable: true },
  { id: 'postgres-durable', server: 'node:http', handler: '`createNodeMiddleware`, `durable: true`', store: '`postgresStore({ pool })`, pg Pool', needs: 'postgres', durable: true },
];
/** The workers that drain a durable receiver's kept events (startWorker's concurrency), after its rounds. */
const DRAIN_CONCURRENCY = 8;
const REFERENCE = 'express-vendor';

const consumerDir = () => process.env.ALLPASS_CONSUMER_DIR ?? join(root, 'target/npm/consumer');

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
// the receiver; GET /stats says how many events it handled, what went wrong and its CPU time;
// POST /gc collects its heap (between turns, so one turn's garbage is not collected in another's).

async function serve() {
  const { id, key, consumer, postgresUrl, redisUrl } = JSON.parse(process.env.ALLPASS_BENCH_WEBHOOK_SERVER);
  let handled = 0;
  const errors = {};
  const onEvent = () => {
    handled++;
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
      res.end(JSON.stringify({ handled, errors, cpuUs: cpu.user + cpu.system }));
      return true;
    }
    if (req.method === 'POST' && req.url === '/drain' && info.drain) {
      info.drain(Number(req.headers['x-expected'])).then((result) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(result));
      });
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
  if (id === 'express-vendor') {
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
    const { createNodeMiddleware } = await import(packageEntry(consumer, '.'));
    let store;
    if (id === 'redis' || id === 'redis-durable') {
      const { createClient } = await import('redis');
      const client = createClient({ url: redisUrl });
      client.on('error', (error) => onError(error, { status: 'client' }));
      await client.connect();
      const { redisStore } = await import(packageEntry(consumer, './redis'));
      store = redisStore(client, { prefix: id === 'redis' ? 'allpass:' : 'durable:' });
      await store.migrate();
      info.serverVersion = /redis_version:(\S+)/.exec(await client.info('server'))?.[1];
    } else if (id === 'postgres' || id === 'postgres-durable') {
      const { default: pg } = await import('pg');
      const pool = new pg.Pool({ connectionString: postgresUrl });
      pool.on('error', (error) => onError(error, { status: 'pool' }));
      const { postgresStore } = await import(packageEntry(consumer, './postgres'));
      store = postgresStore({ pool, prefix: id === 'postgres' ? 'allpass_' : 'durable_' });
      await store.migrate();
      info.serverVersion = (await pool.query('show server_version')).rows[0].server_version;
      info.poolMax = pool.options.max;
    }
    const durable = id.endsWith('-durable');
    if (durable) {
      // After the rounds: workers apply every kept event; the processing rate is how fast.
      const { startWorker } = await import(packageEntry(consumer, '.'));
      info.drain = async (expected) => {
        const cpu = process.cpuUsage();
        const start = performance.now();
        const worker = startWorker({ key, store, onEvent, onError: (error) => onError(error, { status: 'worker' }), concurrency: DRAIN_CONCURRENCY });
        while (handled < expected) await new Promise((done) => setTimeout(done, 5));
        const ms = performance.now() - start;
        const used = process.cpuUsage(cpu);
        await worker.stop();
        return { ms, cpuUs: used.user + used.system };
      };
    }
    const middleware = createNodeMiddleware({ key, onError, ...(durable ? { durable: true } : { onEvent }), ...(store ? { store } : {}) });
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
// The load generator.

const children = new Set();

/** Starts a receiver; resolves { child, port, … } once it listens, rejects after 60 s. */
function startReceiver(config) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--serve'], {
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

/** One request; resolves { status, ms } (ms from the first byte written to the last byte read). */
function request(agent, port, method, path, body) {
  return new Promise((done, reject) => {
    const start = performance.now();
    const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers: body ? { 'content-type': 'application/json', 'content-length': body.length } : {} }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => done({ status: res.statusCode, ms: performance.now() - start, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${path}: no answer in 60 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends every body with `concurrency` requests in flight; wall time, latencies, statuses. */
async function drive(agent, port, bodies, concurrency) {
  const latencies = new Float64Array(bodies.length);
  const statuses = {};
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const i = next++;
        const { status, ms } = await request(agent, port, 'POST', '/webhook', bodies[i]);
        latencies[i] = ms;
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  return { wallMs: performance.now() - start, latencies, statuses };
}

const APP_KEY = randomUUID();
const STEPS = ['document', 'liveness', 'address', 'questionnaire'];
const EVENTS = ['applicantApproved', 'applicantRejected', 'applicantInReview', 'applicantStepPassed'];

/** A fresh webhook body: a new applicant's event, encrypted now under a fresh IV, as Allpass sends it. */
function webhookBody(key, n) {
  const payload = {
    id: randomUUID(),
    externalUserId: `user-${n}`,
    appKey: APP_KEY,
    event: EVENTS[n % EVENTS.length],
    stepName: STEPS[n % STEPS.length],
    warnings: n % 5 === 0 ? ['DOCUMENT_EXPIRES_SOON'] : [],
    review: { status: 'completed', answer: n % 7 === 0 ? 'RED' : 'GREEN', reviewedAt: new Date().toISOString() },
    country: 'UKR',
  };
  return Buffer.from(JSON.stringify({ status: true, statusCode: 200, data: encryptData(payload, key), time: new Date().toISOString() }));
}

/** CPU time in ms of a process and its children (reaped ones too), from /proc (Linux); undefined
 * elsewhere. `withChildren`: also the live processes it forked (PostgreSQL's backends). */
function cpuMsOf(pid, withChildren = false) {
  const fields = (id) => {
    const stat = readFileSync(`/proc/${id}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' '); // from field 3 (state) on
  };
  const ticks = (f) => Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]); // utime stime cutime cstime
  try {
    let total = ticks(fields(pid));
    if (withChildren) {
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        try {
          const f = fields(entry);
          if (Number(f[1]) === pid) total += ticks(f);
        } catch {
          // gone meanwhile: its time is in its parent's cutime now
        }
      }
    }
    return (total * 1000) / 100; // USER_HZ, 100 on Linux
  } catch {
    return undefined;
  }
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
const shuffle = (list) => list.map((x) => [Math.random(), x]).sort((a, b) => a[0] - b[0]).map(([, x]) => x);
const log = (message) => console.error(`webhooks: ${message}`);
const loadAverages = () => os.loadavg().map((v) => v.toFixed(2)).join(', ');

/** The whole measurement: { receivers: [{ id, rate, p50, p99, … }], settings, versions, … }. */
export async function measureWebhooks({
  requests = Number(process.env.BENCH_WEBHOOKS ?? 3000),
  warmup = Number(process.env.BENCH_WEBHOOKS_WARMUP ?? 300),
  concurrency = Number(process.env.BENCH_WEBHOOKS_CONCURRENCY ?? 16),
  rounds = Number(process.env.BENCH_WEBHOOKS_ROUNDS ?? 3),
} = {}) {
  for (const [name, value] of Object.entries({ requests, warmup, concurrency, rounds })) {
    if (!Number.isSafeInteger(value) || value < (name === 'warmup' ? 0 : 1)) throw new Error(`${name}: ${value} is not a whole number`);
  }
  if (requests % rounds !== 0) throw new Error(`BENCH_WEBHOOKS (${requests}) must divide into ${rounds} rounds`);
  const consumer = consumerDir();
  const installed = join(consumer, 'node_modules/allpass-crypto/package.json');
  if (!existsSync(installed)) throw new Error(`${installed} not found: run \`make pack\` first`);
  const started = performance.now();
  const loadAtStart = loadAverages();
  const { startPostgres, startRedis } = await import(pathToFileURL(join(root, 'tests/stores/services.mjs')).href);
  const key = crypto.randomBytes(32).toString('hex');
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let postgres;
  let redis;
  const receivers = [];
  try {
    log('starting PostgreSQL and Redis (persistent: an append-only file, fsync on every write)');
    [postgres, redis] = await Promise.all([startPostgres(), startRedis({ persistent: true })]);
    for (const spec of RECEIVERS) {
      const running = await startReceiver({ id: spec.id, key, consumer, postgresUrl: postgres.url, redisUrl: redis.url });
      receivers.push({ spec, running, batches: [] });
      log(`${spec.id} listening on ${running.port}`);
    }
    // Every body before any timing: warm-up + timed, per receiver, each a new applicant.
    let n = 0;
    for (const receiver of receivers) {
      receiver.warmup = Array.from({ length: warmup }, () => webhookBody(key, n++));
      receiver.timed = Array.from({ length: requests }, () => webhookBody(key, n++));
    }
    const bodyBytes = receivers[0].timed.reduce((sum, body) => sum + body.length, 0) / requests;
    const settle = async () => {
      globalThis.gc?.();
      for (const { running } of receivers) await request(agent, running.port, 'POST', '/gc');
    };
    const cpuOf = async ({ running }) => JSON.parse((await request(agent, running.port, 'GET', '/stats')).body).cpuUs;
    const pidIn = (file) => Number(readFileSync(file, 'utf8').split('\n')[0].trim());
    /** The CPU time (ms) of the store's own server so far: the PostgreSQL cluster, or redis-server. */
    const storeCpuMs = ({ spec }) => {
      try {
        if (spec.needs === 'postgres') return cpuMsOf(pidIn(join(postgres.dir, 'data/postmaster.pid')), true);
        if (spec.needs === 'redis') return cpuMsOf(pidIn(join(redis.dir, 'redis.pid')));
      } catch {
        // no pid file: not measured
      }
      return undefined;
    };

    for (const receiver of receivers) {
      await settle();
      log(`${receiver.spec.id}: warm-up, ${warmup} webhooks`);
      const run = await drive(agent, receiver.running.port, receiver.warmup, concurrency);
      receiver.warmupStatuses = run.statuses;
    }
    const perRound = requests / rounds;
    for (let round = 0; round < rounds; round++) {
      for (const receiver of shuffle(receivers)) {
        await settle();
        const before = await cpuOf(receiver);
        const storeBefore = storeCpuMs(receiver);
        const run = await drive(agent, receiver.running.port, receiver.timed.slice(round * perRound, (round + 1) * perRound), concurrency);
        const storeAfter = storeCpuMs(receiver);
        run.cpuUs = (await cpuOf(receiver)) - before;
        run.storeCpuMs = storeBefore === undefined || storeAfter === undefined ? undefined : storeAfter - storeBefore;
        receiver.batches.push(run);
        log(`round ${round + 1}/${rounds}: ${receiver.spec.id} ${Math.round((perRound / run.wallMs) * 1000)} webhooks/s`);
      }
    }

    for (const receiver of receivers.filter(({ spec }) => spec.durable)) {
      log(`${receiver.spec.id}: workers (concurrency ${DRAIN_CONCURRENCY}) apply the ${warmup + requests} kept events`);
      const storeBefore = storeCpuMs(receiver);
      const response = await fetch(`http://127.0.0.1:${receiver.running.port}/drain`, { method: 'POST', headers: { 'x-expected': String(warmup + requests) } });
      receiver.drain = await response.json();
      const storeAfter = storeCpuMs(receiver);
      receiver.drain.storeCpuMs = storeBefore === undefined || storeAfter === undefined ? undefined : storeAfter - storeBefore;
      log(`${receiver.spec.id}: ${Math.round(((warmup + requests) / receiver.drain.ms) * 1000)} events/s processed`);
    }

    const results = [];
    for (const receiver of receivers) {
      if (receiver.running.child.died) throw new Error(receiver.running.child.died);
      const stats = JSON.parse((await request(agent, receiver.running.port, 'GET', '/stats')).body);
      const statuses = {};
      for (const run of [{ statuses: receiver.warmupStatuses }, ...receiver.batches]) {
        for (const [status, count] of Object.entries(run.statuses)) statuses[status] = (statuses[status] ?? 0) + count;
      }
      const latencies = Float64Array.from(receiver.batches.flatMap((run) => Array.from(run.latencies))).sort();
      const wallMs = receiver.batches.reduce((sum, run) => sum + run.wallMs, 0);
      const rates = receiver.batches.map((run) => (perRound / run.wallMs) * 1000);
      const result = {
        id: receiver.spec.id,
        rate: (requests / wallMs) * 1000,
        roundRates: rates,
        p50: percentile(latencies, 0.5),
        p99: percentile(latencies, 0.99),
        max: latencies[latencies.length - 1],
        cpuUsPerWebhook: receiver.batches.reduce((sum, run) => sum + run.cpuUs, 0) / requests,
        storeCpuUsPerWebhook: receiver.batches.some((run) => run.storeCpuMs === undefined) ? undefined : (receiver.batches.reduce((sum, run) => sum + run.storeCpuMs, 0) * 1000) / requests,
        statuses,
        handled: stats.handled,
        errors: stats.errors,
        serverVersion: receiver.running.serverVersion,
        poolMax: receiver.running.poolMax,
      };
      if (receiver.drain) {
        const processed = warmup + requests;
        result.processing = { rate: (processed / receiver.drain.ms) * 1000, cpuUsPerEvent: receiver.drain.cpuUs / processed, storeCpuUsPerEvent: receiver.drain.storeCpuMs === undefined ? undefined : (receiver.drain.storeCpuMs * 1000) / processed };
      }
      // A fast wrong answer is a failure: every webhook answered 200 and handled exactly once.
      const sent = warmup + requests;
      if (statuses[200] !== sent || stats.handled !== sent) {
        throw new Error(`${result.id}: ${sent} webhooks sent, answers ${JSON.stringify(statuses)}, ${stats.handled} handled, errors ${JSON.stringify(stats.errors)}`);
      }
      results.push(result);
    }
    return {
      date: new Date().toISOString(),
      machine: `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}`,
      node: process.version,
      versions: {
        'allpass-crypto': JSON.parse(readFileSync(installed, 'utf8')).version,
        express: versionOf('express'),
        pg: versionOf('pg'),
        redis: versionOf('redis'),
        PostgreSQL: results.find((r) => r.id === 'postgres').serverVersion,
        'Redis server': results.find((r) => r.id === 'redis').serverVersion,
      },
      poolMax: results.find((r) => r.id === 'postgres').poolMax,
      requests,
      warmup,
      concurrency,
      rounds,
      bodyBytes,
      loadAtStart,
      loadAtEnd: loadAverages(),
      seconds: (performance.now() - started) / 1000,
      receivers: results,
    };
  } finally {
    agent.destroy();
    await Promise.all(receivers.map(({ running }) => stopReceiver(running.child)));
    await Promise.allSettled([postgres?.stop(), redis?.stop()]);
  }
}

// ---------------------------------------------------------------------------------------------
// The RESULTS.md section.

const fmt = (n, digits = 0) => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The section (heading included) for RESULTS.md, from `measureWebhooks()`'s result; or why it was not run. */
export function webhookSection(result, error) {
  if (!result) return `${HEADING}\n\nNot run: ${error}.\n`;
  const reference = result.receivers.find((r) => r.id === REFERENCE);
  const rows = RECEIVERS.map((spec) => {
    const r = result.receivers.find((x) => x.id === spec.id);
    const storeCpu = r.storeCpuUsPerWebhook === undefined ? '—' : fmt(r.storeCpuUsPerWebhook);
    return `| ${spec.server} | ${spec.handler} | ${spec.store} | ${fmt(r.rate)} | ${fmt(Math.min(...r.roundRates))}–${fmt(Math.max(...r.roundRates))} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.cpuUsPerWebhook)} | ${storeCpu} | ${fmt(r.rate / reference.rate, 2)}x |`;
  });
  const processing = result.receivers.filter((r) => r.processing).map((r) => {
    const spec = RECEIVERS.find((x) => x.id === r.id);
    return `| ${spec.store} | ${fmt(r.rate)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.processing.rate)} | ${fmt(r.processing.cpuUsPerEvent)} | ${r.processing.storeCpuUsPerEvent === undefined ? '—' : fmt(r.processing.storeCpuUsPerEvent)} |`;
  });
  const v = result.versions;
  return `${HEADING}

Measured by \`node benches/webhooks.mjs\` (a step of \`make bench\`) on ${result.date.slice(0, 10)}: ${result.machine}; Node ${result.node};
allpass-crypto ${v['allpass-crypto']} (the packed tarball, installed in target/npm/consumer); Express ${v.express}; pg ${v.pg}
(a \`Pool\`, default size ${result.poolMax}); node-redis (\`redis\`) ${v.redis}; PostgreSQL ${v.PostgreSQL}; Redis ${v['Redis server']}.
Each receiver is its own Node process on 127.0.0.1 (node:http, or Express for the vendor's
snippet), and \`onEvent\` only counts the event. The load generator is another process on the same
2 cores: HTTP/1.1 keep-alive, **${result.concurrency} requests in flight**; per receiver
**${fmt(result.warmup)} warm-up webhooks, then ${fmt(result.requests)} timed**, in ${result.rounds} rounds of
${fmt(result.requests / result.rounds)} interleaved with the other receivers (a fresh random order each round, every heap
collected before each turn). Every webhook is a distinct applicant's event (so none waits for
another's lock: the rate without contention), ${fmt(result.bodyBytes)} bytes of envelope, encrypted afresh by the
vendor's node:crypto \`encryptData\` before any timing. webhooks/s: the timed webhooks over the sum
of the rounds' wall time; latency: from the request's first byte written to the answer's last byte
read, over all ${fmt(result.requests)}; CPU: user + system time per timed webhook of the receiver process, and of the
store's server (the PostgreSQL cluster with its backends, or redis-server; from /proc), all on the
same 2 cores. Every answer was 200 and every event was handled once (checked).
PostgreSQL and Redis are Debian's servers from tests/stores/services.mjs: PostgreSQL with
\`fsync=off\` (a test cluster: its commits cost no disk flush, unlike a production server), Redis
with \`appendonly yes\`, \`appendfsync always\` (every write flushed, as a store's Redis must run).
**Noisy**: the machine's 2 cores are shared with other work; load average (1, 5, 15 min)
${result.loadAtStart} at the start, ${result.loadAtEnd} at the end; the spread of the rounds is shown. Where
it is wide, compare the CPU columns, which other work disturbs far less. The step took ${fmt(result.seconds)} s.

| server | handler | store | webhooks/s | rounds, webhooks/s | p50 ms | p99 ms | receiver CPU µs/webhook | store server CPU µs/webhook | webhooks/s vs Express + vendor |
| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}

Durable mode (\`durable: true\`): the rows above are its ingestion (verify, keep the delivery, answer
200: \`onEvent\` is not called there). Processing: after the rounds, \`startWorker\` (concurrency
${DRAIN_CONCURRENCY}, in the receiver's process) applies every kept event (warm-up and timed) from a backlog; events/s is
their number over the time until the last was marked done, CPU per event as above.

| store | ingestion webhooks/s | p50 ms | p99 ms | processing events/s | receiver CPU µs/event | store server CPU µs/event |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${processing.join('\n')}
`;
}

// ---------------------------------------------------------------------------------------------

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.once('exit', () => {
    for (const child of children) child.kill('SIGKILL');
  });
  if (process.argv.includes('--serve')) {
    await serve();
  } else {
    await runStep(measureWebhooks, webhookSection, HEADING);
  }
}

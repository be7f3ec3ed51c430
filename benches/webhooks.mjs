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
// tests/stores/services.mjs and stopped after, even on failure. `--json`: print the measurement
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
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
// The vendor's own functions, as its documentation writes them.
import { decryptData } from '../tests/node/reference.mjs';
import { webhookBody } from './webhook-bodies.mjs';

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
];
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
// the receiver; GET /stats says how many events it handled, what went wrong and its CPU time;
// POST /gc collects its heap (between turns, so one turn's garbage is not collected in another's).

async function serve() {
  const { id, key, consumer, postgresUrl, redisUrl } = JSON.parse(process.env.ALLPASS_BENCH_WEBHOOK_SERVER);
  let handled = 0;
  let duplicates = 0;
  const errors = {};
  const onEvent = () => {
    handled++;
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
      res.end(JSON.stringify({ handled, duplicates, errors, cpuUs: cpu.user + cpu.system }));
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
    const { createNodeMiddleware } = await import(packageEntry(consumer, '.'));
    let store;
    if (id === 'redis') {
      const { createClient } = await import('redis');
      const client = createClient({ url: redisUrl });
      client.on('error', (error) => onError(error, { status: 'client' }));
      await client.connect();
      const { redisStore } = await import(packageEntry(consumer, './redis'));
      store = redisStore(client);
      await store.migrate();
      info.serverVersion = /redis_version:(\S+)/.exec(await client.info('server'))?.[1];
    } else if (id === 'postgres') {
      const { default: pg } = await import('pg');
      const pool = new pg.Pool({ connectionString: postgresUrl });
      pool.on('error', (error) => onError(error, { status: 'pool' }));
      const { postgresStore } = await import(packageEntry(consumer, './postgres'));
      store = postgresStore({ pool });
      await store.migrate();
      info.serverVersion = (await pool.query('show server_version')).rows[0].server_version;
      info.poolMax = pool.options.max;
    }
    const middleware = createNodeMiddleware({ key, onEvent, onDuplicate, onError, ...(store ? { store } : {}) });
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

const shuffle = (list) => list.map((x) => [Math.random(), x]).sort((a, b) => a[0] - b[0]).map(([, x]) => x);
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
    if (baseline) for (const spec of RECEIVERS.filter((r) => r.id.endsWith('memory'))) specs.push({ spec: { ...spec, id: `${spec.id}@baseline` }, consumer: baseline });
    for (const node of nodes) {
      for (const { spec, consumer: dir } of specs) {
        const running = await startReceiver(node, { id: spec.id.replace('@baseline', ''), key, consumer: dir, postgresUrl: postgres.url, redisUrl: redis.url });
        receivers.push({ spec, node, running, batches: Object.fromEntries(WEBHOOK_SIZES.map(([label]) => [label, []])) });
        log(`${spec.id} on Node ${running.node} listening on ${running.port}`);
      }
    }
    let n = 0;
    /** One turn: `count` fresh bodies of `size` to `receiver` through autocannon; the turn's numbers. */
    const turn = async (receiver, size, count) => {
      const bodiesFile = join(scratch, 'bodies.json');
      writeFileSync(bodiesFile, JSON.stringify(Array.from({ length: count }, () => webhookBody(key, n++, size))));
      await side(receiver.running.port, 'POST', '/gc');
      const stats = async () => JSON.parse(await side(receiver.running.port, 'GET', '/stats'));
      const before = await stats();
      const pidIn = (file) => Number(readFileSync(file, 'utf8').split('\n')[0].trim());
      const storeCpu = () => {
        try {
          if (receiver.spec.needs === 'postgres') return cpuMsOf(pidIn(join(postgres.dir, 'data/postmaster.pid')), true);
          if (receiver.spec.needs === 'redis') return cpuMsOf(pidIn(join(redis.dir, 'redis.pid')));
        } catch {
          // no pid file: not measured
        }
        return undefined;
      };
      const storeBefore = storeCpu();
      const run = await runChild(process.execPath, '--load', 'ALLPASS_BENCH_WEBHOOK_LOAD', { port: receiver.running.port, bodiesFile, connections });
      const storeAfter = storeCpu();
      const after = await stats();
      // A fast wrong answer is a failure: every webhook answered 200, each sent once, handled once.
      const handled = after.handled - before.handled;
      if (run.ok !== count || run.non2xx || run.errors || run.timeouts || run.setups !== count || handled !== count || after.duplicates !== before.duplicates) {
        throw new Error(`${receiver.spec.id} on Node ${receiver.running.node}: ${count} webhooks sent, ${JSON.stringify(run)}, ${handled} handled, errors ${JSON.stringify(after.errors)}`);
      }
      return { ...run, count, cpuUs: after.cpuUs - before.cpuUs, loadCpuUs: run.cpuUs, storeCpuMs: storeBefore === undefined || storeAfter === undefined ? undefined : storeAfter - storeBefore };
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
        PostgreSQL: rows.find((r) => r.id === 'postgres')?.serverVersion,
        'Redis server': rows.find((r) => r.id === 'redis')?.serverVersion,
      },
      poolMax: rows.find((r) => r.id === 'postgres')?.poolMax,
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

/** The section (heading included) for RESULTS.md, from `measureWebhooks()`'s result; or why it was not run. */
export function webhookSection(result, error) {
  if (!result) return `${HEADING}\n\nNot run: ${error}.\n`;
  const find = (id, node, size) => result.rows.find((r) => r.id === id && r.node === node && r.size === size);
  const tables = [];
  const checks = [];
  for (const node of result.nodes) {
    for (const [size] of WEBHOOK_SIZES) {
      const rows = RECEIVERS.map((spec) => {
        const r = find(spec.id, node, size);
        const bare = find(spec.server === 'Express' ? 'express-bare' : 'http-bare', node, size);
        const versus = spec.vs ? `${fmt(r.rate / find(spec.vs, node, size).rate, 2)}x` : '—';
        const storeCpu = r.storeCpuUsPerWebhook === undefined ? '—' : fmt(r.storeCpuUsPerWebhook);
        return `| ${spec.server} | ${spec.handler} | ${spec.store} | ${fmt(r.rate)} | ${fmt(Math.min(...r.roundRates))}–${fmt(Math.max(...r.roundRates))} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${fmt(r.cpuUsPerWebhook)} | ${spec.id.endsWith('bare') ? '—' : fmt(r.cpuUsPerWebhook - bare.cpuUsPerWebhook)} | ${storeCpu} | ${fmt(r.loadCpuUsPerWebhook)} | ${versus} |`;
      });
      tables.push(`### Node ${node}, ${size} payload (${fmt(result.bodyBytes[size])}-byte body)

| server | handler | store | webhooks/s | rounds, webhooks/s | p50 ms | p99 ms | receiver CPU µs/webhook | beyond the bare server, µs | store server CPU µs/webhook | load generator CPU µs/webhook | webhooks/s vs the vendor's snippet on the same server |
| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}`);
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
generator. "Beyond the bare server": the receiver's CPU less that of the bare receiver on the same
server (node:http or Express): what the handler itself costs (the bare Express route runs
\`express.json()\`, which the middleware's route does not: there it is understated by that parse).
Every answer was 200 and every event
was handled once, none as a duplicate (checked). PostgreSQL with \`fsync=off\` (a test cluster),
Redis with \`appendonly yes\`, \`appendfsync always\`.
**Noisy**: the machine's 2 cores are shared with other work; load average (1, 5, 15 min)
${result.loadAtStart} at the start, ${result.loadAtEnd} at the end; the spread of the rounds is shown. Where
it is wide, compare the CPU columns, which other work disturbs far less. The step took ${fmt(result.seconds)} s.

${tables.join('\n\n')}

Sanity checks (where Express's time goes; the load generator against the ceiling). On 2 cores the
load generator and the receiver share the CPU, so the rates of fast rows are compressed toward
each other; the CPU columns are not:
${checks.map((line) => `- ${line}.`).join('\n')}
`;
}

/** Replaces the section in RESULTS.md (up to the next `## ` heading), or inserts it before `## Levers`. */
function writeSection(section) {
  const path = join(here, 'RESULTS.md');
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const from = text.indexOf(`\n${HEADING}`);
  let updated;
  if (from >= 0) {
    const next = text.indexOf('\n## ', from + 1);
    updated = `${text.slice(0, from)}\n${section}${next >= 0 ? text.slice(next) : ''}`;
  } else {
    const levers = text.indexOf('\n## Levers');
    updated = levers >= 0 ? `${text.slice(0, levers)}\n${section}${text.slice(levers)}` : `${text.trimEnd()}\n\n${section}`;
  }
  writeFileSync(path, updated);
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
    let result;
    try {
      result = await measureWebhooks();
    } catch (error) {
      // For bench.mjs, which writes the cause into RESULTS.md.
      if (process.argv.includes('--json')) console.log(JSON.stringify({ error: String(error?.message ?? error).split('\n')[0] }));
      throw error;
    }
    if (process.argv.includes('--json')) {
      console.log(JSON.stringify(result));
    } else {
      const section = webhookSection(result);
      writeSection(section);
      console.log(section);
    }
  }
}

// The proof of the shared stores (issue 23), with faults: for PostgreSQL (postgresStore over a
// pg Pool) and Redis (redisStore over node-redis 5, and over ioredis), three node:http processes
// run createNodeMiddleware from the packed tarball with one shared store; the vendor simulator
// (bin/simulate.mjs, as installed) spreads 200 applicants × 10 events, shuffled, plus 10%
// duplicates, over the three, with Allpass's retry schedule scaled down; onEvent fails for 10% of
// its calls; a third of the way through, one process is killed with SIGKILL (and started again
// on its port) and the database is restarted. Then the user's own record of what was applied
// (a table written through the store's transaction for PostgreSQL; an append-only Redis list
// for Redis) is checked. Real servers from the Debian packages (./services.mjs).
//
// Run: make test-stores, or ALLPASS_TARBALL=… node --test tests/stores/simulation.test.mjs
// (ALLPASS_SIM_APPLICANTS=20 for a smaller run while developing).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { createClient } from 'redis';
import { execFile } from 'node:child_process';
import { installPackage, ref, repo } from '../integrations/harness.mjs';
import { until } from './harness.mjs';
import { freePort, startPostgres, startRedis } from './services.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const APPLICANTS = Number(process.env.ALLPASS_SIM_APPLICANTS ?? 200);
const EVENTS = 10;
const DUPLICATES = 0.1;
/** Allpass's 30 s, 60 s … 7680 s become 30 ms … 7.7 s: 15 s of retries in all, longer than any restart here. */
const TIME_SCALE = 0.001;
const CONCURRENCY = 12;
const FAIL_RATE = 0.1;
const RECEIVERS = 3;

let installed;
let simulate;

before(async () => {
  installed = await installPackage();
  // The receivers run from the installed project: the fixture beside it, and the three clients
  // linked from tests/stores/node_modules (Node follows the links, so their own dependencies
  // resolve there too).
  copyFileSync(join(here, 'fixtures/receiver.mjs'), join(installed.dir, 'receiver.mjs'));
  for (const name of ['pg', 'redis', 'ioredis']) symlinkSync(join(here, 'node_modules', name), join(installed.dir, 'node_modules', name), 'dir');
  ({ simulate } = await import(pathToFileURL(join(installed.dir, 'node_modules/allpass-crypto/bin/simulate.mjs')).href));
});
after(() => installed?.remove());

// ---- receivers ---------------------------------------------------------------------------------

const children = new Set();
// Not a node:test child itself, whatever this process is.
const { NODE_TEST_CONTEXT: _context, NODE_OPTIONS: _options, ...childEnv } = process.env;
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Starts a receiver process; resolves { child, port, url, died } once it prints {"port":N}. */
function spawnReceiver(config) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['receiver.mjs'], {
      cwd: installed.dir,
      env: { ...childEnv, ALLPASS_TEST_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    const receiver = { child, port: undefined, url: undefined, stderr: '', died: undefined, killing: false };
    let out = '';
    let listening = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`a ${config.kind} receiver did not listen within 60 s: ${receiver.stderr}`));
    }, 60_000);
    child.stderr.on('data', (part) => (receiver.stderr = (receiver.stderr + part).slice(-4000)));
    child.on('exit', (code, signal) => {
      children.delete(child);
      clearTimeout(timer);
      if (!listening) reject(new Error(`a ${config.kind} receiver exited (${code ?? signal}) before listening: ${receiver.stderr}`));
      else if (!receiver.killing) receiver.died = `exited (${code ?? signal}) mid-run: ${receiver.stderr}`;
    });
    child.stdout.on('data', (part) => {
      out += part;
      const line = out.split('\n').find((text) => text.startsWith('{"port"'));
      if (!line || listening) return;
      listening = true;
      clearTimeout(timer);
      receiver.port = JSON.parse(line).port;
      receiver.url = `http://127.0.0.1:${receiver.port}/webhook`;
      resolve(receiver);
    });
  });
}

/** SIGKILL, and wait (bounded) for the exit. */
function killReceiver(receiver) {
  const { child } = receiver;
  receiver.killing = true;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`receiver ${child.pid} survived SIGKILL`)), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGKILL');
  });
}

/** What a receiver's callbacks counted (GET /stats), or null when it does not answer. */
function statsOf(receiver) {
  return new Promise((resolve) => {
    const req = http.get(`http://127.0.0.1:${receiver.port}/stats`, { agent: false, timeout: 5_000 }, (res) => {
      let body = '';
      res.on('data', (part) => (body += part));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch {
          resolve(null);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

function addStats(all) {
  const sum = { handled: 0, failed: 0, stale: 0, duplicate: 0, errors: {} };
  for (const stats of all.filter(Boolean)) {
    for (const name of ['handled', 'failed', 'stale', 'duplicate']) sum[name] += stats[name];
    for (const [name, n] of Object.entries(stats.errors)) sum.errors[name] = (sum.errors[name] ?? 0) + n;
  }
  return sum;
}

// ---- what was applied --------------------------------------------------------------------------

/**
 * The figures of a record of applied events, `rows` in the order they were applied
 * ({ applicantId, sequence, time }): per applicant, an event applied after a newer one is an
 * order violation; an (applicant, sequence) applied again is a duplicate.
 */
function analyse(rows, applicantIds) {
  const last = new Map();
  const seen = new Set();
  const newest = new Set();
  let duplicates = 0;
  let orderViolations = 0;
  const examples = [];
  for (const row of rows) {
    const id = `${row.applicantId}\n${row.sequence}`;
    if (seen.has(id)) duplicates++;
    seen.add(id);
    if (row.sequence === EVENTS - 1) newest.add(row.applicantId);
    const before = last.get(row.applicantId);
    const time = new Date(row.time).getTime();
    if (before && (row.sequence < before.sequence || time < before.time)) {
      orderViolations++;
      if (examples.length < 5) examples.push(`${row.applicantId}: ${row.sequence} after ${before.sequence}`);
    }
    if (!before || row.sequence >= before.sequence) last.set(row.applicantId, { sequence: row.sequence, time });
  }
  const newestMissing = [...applicantIds].filter((id) => !newest.has(id));
  return { applied: rows.length, distinct: seen.size, duplicates, orderViolations, newestMissing: newestMissing.length, examples, missingExamples: newestMissing.slice(0, 5) };
}

function record(kind, figures) {
  const dir = join(repo, 'target/stores-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${kind}.json`), `${JSON.stringify(figures, null, 2)}\n`);
}

/**
 * The simulator's `log`, following its progress and the applicants it delivered, that starts
 * `inject()` once a third of the deliveries are settled: `{ log, progress, applicantIds, injecting }`.
 */
function faultsAtAThird(inject) {
  const run = { progress: { settled: 0 }, applicantIds: new Set(), injecting: undefined };
  run.log = (entry) => {
    run.progress = entry.progress;
    run.applicantIds.add(entry.applicant);
    if (!run.injecting && entry.type === 'answer' && entry.progress.settled >= Math.floor(entry.progress.deliveries / 3)) {
      run.injecting = inject();
      run.injecting.catch(() => {}); // awaited by the test
    }
  };
  return run;
}

// ---- the runs ----------------------------------------------------------------------------------

const KINDS = {
  postgres: {
    async start(cleanup) {
      const db = await startPostgres();
      cleanup.push(() => db.stop());
      const client = new pg.Client({ connectionString: db.connectionString });
      await client.connect();
      // The user's own table, beside the store's: written through `db` inside the store's transaction.
      await client.query('CREATE TABLE applied_events (id bigserial PRIMARY KEY, applicant_id text NOT NULL, sequence int NOT NULL, time timestamptz NOT NULL, attempt_pid int NOT NULL)');
      await client.end();
      return { config: { connectionString: db.connectionString }, restart: () => db.restart(), async applied() {
        const reader = new pg.Client({ connectionString: db.connectionString });
        await reader.connect();
        try {
          const { rows } = await reader.query('SELECT applicant_id, sequence, time FROM applied_events ORDER BY id');
          return rows.map((row) => ({ applicantId: row.applicant_id, sequence: row.sequence, time: row.time }));
        } finally {
          await reader.end();
        }
      } };
    },
  },
  redis: {
    async start(cleanup) {
      // Two servers: the store's, restarted mid-run (and then EMPTY: --save ''), and the user's
      // own, holding the append-only log, never restarted, so the log outlives the fault it
      // measures.
      const storeRedis = await startRedis({ persistent: true }); // as a store's Redis must run
      cleanup.push(() => storeRedis.stop());
      const logRedis = await startRedis();
      cleanup.push(() => logRedis.stop());
      return { config: { storeUrl: storeRedis.url, logUrl: logRedis.url }, restart: () => storeRedis.restart(), async applied() {
        const reader = createClient({ url: logRedis.url });
        reader.on('error', () => {});
        await reader.connect();
        try {
          return (await reader.lRange('applied-log', 0, -1)).map((line) => JSON.parse(line));
        } finally {
          await reader.close();
        }
      } };
    },
  },
};

for (const kind of ['postgres', 'redis-node', 'redis-io']) {
  test(`${kind}: ${RECEIVERS} receivers, ${APPLICANTS} applicants × ${EVENTS} events shuffled with duplicates, onEvent failing, a receiver SIGKILLed and the database restarted mid-run`, { timeout: 300_000 }, async () => {
    const cleanup = [];
    const receivers = [];
    try {
      const service = await KINDS[kind === 'postgres' ? 'postgres' : 'redis'].start(cleanup);
      const key = ref.randomKey();
      const appKey = randomUUID();
      const config = { kind, key, appKey, failRate: FAIL_RATE, ...service.config };
      cleanup.push(async () => {
        for (const receiver of receivers) await killReceiver(receiver).catch(() => {});
      });
      // One after another: each runs store.migrate() at start-up.
      for (let i = 0; i < RECEIVERS; i++) receivers.push(await spawnReceiver({ ...config, port: await freePort() }));
      const urls = receivers.map((receiver) => receiver.url);

      // The faults, a third of the way through (driven by the simulator's log): receiver 0
      // SIGKILLed, the database restarted, receiver 0 started again on its port. The simulator
      // keeps sending meanwhile; what fails is retried on the (scaled) schedule.
      const faults = {};
      const run = faultsAtAThird(inject);
      const victimStats = [];
      async function inject() {
        faults.settledAtKill = run.progress.settled;
        victimStats.push(await statsOf(receivers[0]));
        await killReceiver(receivers[0]);
        faults.storeDownAt = Date.now();
        await service.restart();
        faults.storeUpAt = Date.now();
        faults.settledAtRestart = run.progress.settled;
        receivers[0] = await spawnReceiver({ ...config, port: receivers[0].port });
        faults.settledAtRespawn = run.progress.settled;
      }

      const started = Date.now();
      const summary = await simulate({ to: urls, key, appKey, applicants: APPLICANTS, events: EVENTS, duplicates: DUPLICATES, timeScale: TIME_SCALE, concurrency: CONCURRENCY, timeoutMs: 20_000, log: run.log });
      assert.ok(run.injecting, 'the faults were injected');
      await run.injecting;
      const ms = Date.now() - started;

      const stats = addStats([...victimStats, ...(await Promise.all(receivers.map(statsOf)))]);
      const rows = await service.applied();
      const all = analyse(rows, run.applicantIds);
      const figures = {
        kind,
        deliveries: summary.deliveries,
        duplicatesSent: summary.duplicates,
        requests: summary.requests,
        answers: summary.answers,
        retries: summary.retries,
        givenUp: summary.givenUp,
        faults: { settledAtKill: faults.settledAtKill, settledAtRestart: faults.settledAtRestart, settledAtRespawn: faults.settledAtRespawn, storeDownMs: faults.storeUpAt - faults.storeDownAt },
        receivers: stats,
        applied: all.applied,
        distinctApplied: all.distinct,
        duplicatesApplied: all.duplicates,
        orderViolations: all.orderViolations,
        newestMissing: all.newestMissing,
        ms,
      };
      if (all.examples.length) figures.violationExamples = all.examples;
      console.log(`stores simulation ${kind}: ${JSON.stringify(figures)}`);
      record(kind, figures);

      assert.equal(run.applicantIds.size, APPLICANTS, 'every applicant was delivered');
      assert.ok(summary.deliveries >= APPLICANTS * EVENTS, 'every event was delivered at least once');
      assert.ok(faults.settledAtRespawn < summary.deliveries, `the faults happened mid-run (${faults.settledAtRespawn} of ${summary.deliveries} settled when they were over)`);
      for (const receiver of receivers) assert.equal(receiver.died, undefined, `no receiver died but the one killed: ${receiver.died}`);
      assert.equal(summary.givenUp, 0, `no event given up: ${JSON.stringify(summary.gaveUp)}`);
      assert.equal(summary.delivered, summary.deliveries, 'every delivery ended in a 200');
      assert.ok(stats.failed > 0, 'onEvent failed on purpose, and those events were retried');
      // Nothing lost, for every store and through every fault: the newest event of every
      // applicant can be neither stale nor a duplicate of something not applied, so it is
      // applied (and it is in the record: the record is onEvent's own effect).
      assert.equal(all.newestMissing, 0, `the newest event of every applicant is applied (missing for ${all.missingExamples.join(', ')})`);
      // In order, for every store, through every fault: on PostgreSQL the insert commits with the
      // store's record or not at all, under the per-applicant lock; on Redis (persistent, as a
      // store's Redis must be) the applicant's time is claimed when its event starts, so no older
      // event runs after a newer one may have written, even when that one's process was killed.
      assert.equal(all.orderViolations, 0, `no event applied after a newer one of its applicant: ${all.examples.join('; ')}`);
      // Exactly once on PostgreSQL; at least once on Redis: a receiver killed between its write
      // and the store's record applies that event again on the retry (reported, not asserted).
      if (kind === 'postgres') assert.equal(all.duplicates, 0, 'no event applied twice');
    } finally {
      for (const step of cleanup.reverse()) await step().catch((error) => console.log(`cleanup: ${error.message}`));
    }
  });
}

// ---- durable mode ------------------------------------------------------------------------------

// Durable mode (issue 29) on PostgreSQL, then Redis through node-redis and ioredis: the same
// three receivers with `durable: true`, each also
// running a worker. The user's downstream is down (onEvent fails every call) for longer than the
// vendor's whole retry window, so in the inline mode the vendor would have given up; here every
// event is kept at once and applied after the outage, in order (none twice on PostgreSQL). Meanwhile a receiver
// is SIGKILLed while its worker holds events, and the database is restarted; a poison event ends
// dead, is listed by `events list --dead`, and `events retry` applies it once it is fixed.
// Accounting: every event delivered is kept or was stale when it came; every kept one is
// applied, dead or pending: received = applied + dead + pending.
const DURABLE_APPLICANTS = Number(process.env.ALLPASS_SIM_DURABLE_APPLICANTS ?? 60);
/** Allpass's retries scaled to 7.7 s in all: the outage below lasts longer. */
const DURABLE_TIME_SCALE = 0.0005;
/** Requests in flight: fewer than the inline runs', so that the faults come while deliveries are still being sent. */
const DURABLE_CONCURRENCY = 4;
/** The workers' schedule: 16 attempts over 12.5 s (11.25 s at the least jitter), outlasting the outage. */
const DURABLE_WORKER = { concurrency: 4, maxAttempts: 16, retryDelayMs: 100, maxRetryDelayMs: 1000, leaseMs: 1000, pollMs: 500 };

/** `allpass-crypto events …` as a user runs it in their project: { status, out, err }. */
function eventsCli(args, database) {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(installed.dir, 'node_modules/allpass-crypto/bin/allpass-crypto.mjs'), 'events', ...args, ...database], { cwd: installed.dir, env: childEnv }, (error, out, err) => resolve({ status: error ? error.code : 0, out, err }));
  });
}

/** The user's switches (the outage, the poison's fix), what the store kept, and the CLI's database option, per engine. */
const DURABLE_KINDS = {
  async postgres({ connectionString }) {
    const sql = async (text, values) => {
      const client = new pg.Client({ connectionString });
      await client.connect();
      try {
        return (await client.query(text, values)).rows;
      } finally {
        await client.end();
      }
    };
    await sql('CREATE TABLE outage (until_ms bigint NOT NULL); CREATE TABLE poison_fixed (at timestamptz NOT NULL DEFAULT now())');
    return {
      cli: ['--database-url', connectionString],
      setOutage: (until) => sql('INSERT INTO outage VALUES ($1)', [until]),
      fixPoison: () => sql('INSERT INTO poison_fixed DEFAULT VALUES'),
      kept: async () => (await sql('SELECT id, state, envelope FROM allpass_events ORDER BY id')).map((row) => ({ id: String(row.id), state: row.state, envelope: JSON.parse(row.envelope) })),
    };
  },
  async redis({ storeUrl, logUrl }, cleanup) {
    const connect = async (url) => {
      const client = createClient({ url });
      client.on('error', () => {});
      await client.connect();
      cleanup.push(() => client.close());
      return client;
    };
    const [storeClient, logClient] = await Promise.all([connect(storeUrl), connect(logUrl)]);
    const { redisStore } = await import(pathToFileURL(join(installed.dir, 'node_modules/allpass-crypto/redis.mjs')).href);
    const { events } = redisStore(storeClient);
    return {
      cli: ['--redis-url', storeUrl],
      setOutage: (until) => logClient.set('outage', String(until)),
      fixPoison: () => logClient.set('poison_fixed', '1'),
      kept: async () => Promise.all((await events.list({ limit: Number.MAX_SAFE_INTEGER })).reverse().map(async ({ id }) => {
        const { state, envelope } = await events.show(id);
        return { id, state, envelope };
      })),
    };
  },
};

for (const kind of ['postgres', 'redis-node', 'redis-io']) {
  test(`${kind}, durable mode: ${RECEIVERS} receivers with workers, ${DURABLE_APPLICANTS} applicants × ${EVENTS} events, onEvent down longer than the vendor's retries, a worker SIGKILLed holding events, the database restarted, a poison event dead then retried`, { timeout: 240_000 }, async () => {
    const cleanup = [];
    const receivers = [];
    try {
      const service = await KINDS[kind === 'postgres' ? 'postgres' : 'redis'].start(cleanup);
      const user = await DURABLE_KINDS[kind === 'postgres' ? 'postgres' : 'redis'](service.config, cleanup);
      const key = ref.randomKey();
      const appKey = randomUUID();
      const config = { kind, key, appKey, ...service.config, durable: DURABLE_WORKER };
      cleanup.push(async () => {
        for (const receiver of receivers) await killReceiver(receiver).catch(() => {});
      });
      for (let i = 0; i < RECEIVERS; i++) receivers.push(await spawnReceiver({ ...config, port: await freePort() }));
      const urls = receivers.map((receiver) => receiver.url);

      const { ATTEMPTS, retryDelayMs } = await import(pathToFileURL(join(installed.dir, 'node_modules/allpass-crypto/bin/simulate.mjs')).href);
      let vendorWindowMs = 0;
      for (let attempt = 2; attempt <= ATTEMPTS; attempt++) vendorWindowMs += retryDelayMs(attempt) * DURABLE_TIME_SCALE;
      const outageMs = Math.ceil(vendorWindowMs * 1.2);
      await user.setOutage(Date.now() + outageMs);

      // The poison event: its applicant's newest (so no newer event overtakes it before its retry).
      const poison = { id: randomUUID(), externalUserId: 'poison', appKey, warnings: [], stepName: 'poison', sequence: EVENTS - 1, poison: true };
      const poisoned = await fetch(urls[1], { method: 'POST', body: JSON.stringify({ status: true, statusCode: 200, data: ref.encryptData(poison, key), time: new Date().toISOString() }) });
      assert.equal(poisoned.status, 200, 'the poison event is kept like any other');

      const faults = {};
      const run = faultsAtAThird(inject);
      run.applicantIds.add(poison.id);
      const victimStats = [];
      async function inject() {
        // The database restarted a third of the way through, then receiver 0 SIGKILLed while its
        // worker holds events (onEvent running: seen in its /stats just before) and started again.
        faults.settledAtRestart = run.progress.settled;
        faults.storeDownAt = Date.now();
        await service.restart();
        faults.storeUpAt = Date.now();
        let held;
        const giveUp = Date.now() + 10_000;
        while (!(held?.holding > 0)) {
          if (Date.now() > giveUp) throw new Error('receiver 0 was never seen holding an event');
          held = await statsOf(receivers[0]);
        }
        faults.settledAtKill = run.progress.settled;
        faults.heldAtKill = held.holding;
        victimStats.push(held);
        await killReceiver(receivers[0]);
        receivers[0] = await spawnReceiver({ ...config, port: receivers[0].port });
        faults.settledAtRespawn = run.progress.settled;
      }

      const started = Date.now();
      const summary = await simulate({ to: urls, key, appKey, applicants: DURABLE_APPLICANTS, events: EVENTS, duplicates: DUPLICATES, timeScale: DURABLE_TIME_SCALE, concurrency: DURABLE_CONCURRENCY, timeoutMs: 20_000, log: run.log });
      assert.ok(run.injecting, 'the faults were injected');
      await run.injecting;
      const deliveredMs = Date.now() - started;

      // What the store holds: every kept event decrypted (the test has the key) to its applicant and sequence.
      const kept = async () => (await user.kept()).map((row) => {
        const data = JSON.parse(ref.decryptData(row.envelope.data, key));
        return { id: String(row.id), state: row.state, event: `${data.id}\n${data.sequence}`, applicantId: data.id, sequence: data.sequence };
      });
      const states = (rows) => ({ pending: rows.filter((row) => row.state === 'pending').length, dead: rows.filter((row) => row.state === 'dead').length, done: rows.filter((row) => row.state === 'done').length });
      const appliedSet = async () => new Set((await service.applied()).map((row) => `${row.applicantId}\n${row.sequence}`));
      /** received = applied + dead + pending, with each kept event in exactly one of them. */
      async function account() {
        const rows = await kept();
        const applied = await appliedSet();
        const count = states(rows);
        for (const row of rows) {
          // Redis, at least once: a killed worker's effect may stand for an event it did not mark done (then retried).
          if (kind === 'postgres' || row.state === 'done') assert.equal(applied.has(row.event), row.state === 'done', `event ${row.id} (${row.state}) is applied exactly when it is done`);
        }
        if (kind === 'postgres') assert.equal(applied.size, count.done, 'nothing applied that was not kept');
        // Redis keeps at least once at ingestion too (a crash between keeping a delivery and
        // recording it handled keeps the vendor's retry again): events are counted, not rows.
        const received = new Set(rows.map((row) => row.event)).size;
        return { received, keptTwice: rows.length - received, applied: applied.size, dead: count.dead, pending: count.pending, rows };
      }

      await until(async () => {
        const count = states(await kept());
        return count.pending === 0 && count.dead === 1;
      }, 'every event applied but the poison one, dead', 90_000);
      const settledMs = Date.now() - started;
      const beforeRetry = await account();
      assert.equal(beforeRetry.received, beforeRetry.applied + beforeRetry.dead + beforeRetry.pending, 'received = applied + dead + pending');
      if (kind === 'postgres') assert.equal(beforeRetry.keptTwice, 0, 'PostgreSQL keeps each event once');
      const deadRow = beforeRetry.rows.find((row) => row.state === 'dead');
      assert.equal(deadRow.applicantId, poison.id, 'the dead event is the poison one');

      const listed = await eventsCli(['list', '--dead', '--json'], user.cli);
      assert.equal(listed.status, 0, listed.err);
      const deadListed = JSON.parse(listed.out);
      assert.deepEqual(deadListed.map((event) => [event.id, event.applicantId, event.attempts]), [[deadRow.id, poison.id, DURABLE_WORKER.maxAttempts]], 'events list --dead shows it, with its attempts');
      assert.match(deadListed[0].lastError, /poison/);
      await user.fixPoison();
      const retried = await eventsCli(['retry', deadRow.id], user.cli);
      assert.equal(retried.status, 0, retried.err);
      await until(async () => (await appliedSet()).has(deadRow.event), 'the retried poison event applied', 30_000);
      const ms = Date.now() - started;

      const final = await account();
      const stats = addStats([...victimStats, ...(await Promise.all(receivers.map(statsOf)))]);
      const all = analyse(await service.applied(), run.applicantIds);
      // Every event delivered that was not kept was stale when it came: its applicant has a newer one kept.
      const keptEvents = new Set(final.rows.map((row) => row.event));
      const newestKept = new Map();
      for (const row of final.rows) newestKept.set(row.applicantId, Math.max(newestKept.get(row.applicantId) ?? -1, row.sequence));
      let stale = 0;
      for (const applicantId of run.applicantIds) {
        for (let sequence = 0; sequence < EVENTS; sequence++) {
          if (applicantId === poison.id && sequence !== EVENTS - 1) continue;
          if (keptEvents.has(`${applicantId}\n${sequence}`)) continue;
          stale++;
          assert.ok(newestKept.get(applicantId) > sequence, `event ${sequence} of ${applicantId} was neither kept nor stale`);
        }
      }
      const figures = {
        kind: `${kind}-durable`,
        delivered: summary.deliveries + 1,
        distinctEvents: DURABLE_APPLICANTS * EVENTS + 1,
        requests: summary.requests + 1,
        answers: summary.answers,
        vendorRetries: summary.retries,
        vendorGivenUp: summary.givenUp,
        vendorWindowMs: Math.round(vendorWindowMs),
        outageMs,
        faults: { heldAtKill: faults.heldAtKill, settledAtKill: faults.settledAtKill, settledAtRestart: faults.settledAtRestart, settledAtRespawn: faults.settledAtRespawn, storeDownMs: faults.storeUpAt - faults.storeDownAt },
        staleAtIngestion: stale,
        beforeRetry: { received: beforeRetry.received, applied: beforeRetry.applied, dead: beforeRetry.dead, pending: beforeRetry.pending, keptTwice: beforeRetry.keptTwice },
        final: { received: final.received, applied: final.applied, dead: final.dead, pending: final.pending },
        onEventCalls: { applied: stats.handled, failed: stats.failed },
        duplicatesApplied: all.duplicates,
        orderViolations: all.orderViolations,
        newestMissing: all.newestMissing,
        deliveredMs,
        settledMs,
        ms,
      };
      console.log(`stores simulation ${kind}-durable: ${JSON.stringify(figures)}`);
      record(`${kind}-durable`, figures);

      assert.ok(outageMs > vendorWindowMs, 'the outage outlasted the vendor\'s whole retry window');
      assert.equal(summary.givenUp, 0, 'the vendor gave nothing up: every delivery was kept and answered 200 (or retried past the faults)');
      for (const receiver of receivers) assert.equal(receiver.died, undefined, `no receiver died but the one killed: ${receiver.died}`);
      assert.ok(faults.heldAtKill > 0, 'the receiver was killed while its worker held events');
      assert.ok(faults.settledAtRestart < summary.deliveries, `the database restarted while deliveries were still coming (${faults.settledAtRestart} of ${summary.deliveries} settled)`);
      assert.ok(stats.failed > 0, 'onEvent failed through the outage, and the events were retried');
      assert.equal(final.received + stale, DURABLE_APPLICANTS * EVENTS + 1, 'every event delivered was kept or stale');
      assert.deepEqual([final.applied, final.dead, final.pending], [final.received, 0, 0], 'received = applied + dead + pending: all applied after the retry');
      // Exactly once on PostgreSQL; at least once on Redis: a worker killed between its effect and
      // the event's `done` applies that event again (reported, not asserted).
      if (kind === 'postgres') assert.equal(all.duplicates, 0, 'none applied twice');
      assert.equal(all.orderViolations, 0, `in order per applicant: ${all.examples.join('; ')}`);
      assert.equal(all.newestMissing, 0, 'the newest event of every applicant applied');
    } finally {
      for (const step of cleanup.reverse()) await step().catch((error) => console.log(`cleanup: ${error.message}`));
    }
  });
}

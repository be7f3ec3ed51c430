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
import { installPackage, ref, repo } from '../integrations/harness.mjs';
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
      let injecting;
      let progress = { settled: 0 };
      const applicantIds = new Set();
      const victimStats = [];
      async function inject() {
        faults.settledAtKill = progress.settled;
        victimStats.push(await statsOf(receivers[0]));
        await killReceiver(receivers[0]);
        faults.storeDownAt = Date.now();
        await service.restart();
        faults.storeUpAt = Date.now();
        faults.settledAtRestart = progress.settled;
        receivers[0] = await spawnReceiver({ ...config, port: receivers[0].port });
        faults.settledAtRespawn = progress.settled;
      }
      const log = (entry) => {
        progress = entry.progress;
        applicantIds.add(entry.applicant);
        if (!injecting && entry.type === 'answer' && entry.progress.settled >= Math.floor(entry.progress.deliveries / 3)) {
          injecting = inject();
          injecting.catch(() => {}); // awaited below
        }
      };

      const started = Date.now();
      const summary = await simulate({ to: urls, key, appKey, applicants: APPLICANTS, events: EVENTS, duplicates: DUPLICATES, timeScale: TIME_SCALE, concurrency: CONCURRENCY, timeoutMs: 20_000, log });
      assert.ok(injecting, 'the faults were injected');
      await injecting;
      const ms = Date.now() - started;

      const stats = addStats([...victimStats, ...(await Promise.all(receivers.map(statsOf)))]);
      const rows = await service.applied();
      const all = analyse(rows, applicantIds);
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

      assert.equal(applicantIds.size, APPLICANTS, 'every applicant was delivered');
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

// postgresStore behind PgBouncer in transaction pooling (Debian's pgbouncer, ./services.mjs), the
// way many deployments reach PostgreSQL: every transaction on whichever server connection is
// free, so nothing of a session carries over, and LISTEN hears nothing (README, Durable mode: the
// workers' poll is then their only wake-up). The schema, the tamper screen, per-applicant order
// and exactly once must hold there as they do on a direct connection.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { applicantEvent, envelope, flipIv, keys, minutesAgo, overlapRecorder, until, useStores } from './harness.mjs';
import { startPgbouncer } from './services.mjs';

const ctx = useStores();
const { load, handlerOn, closers } = ctx;
let bouncer;

/** A pool through PgBouncer (more clients than its 4 server connections). */
function bouncedPool() {
  const pool = new pg.Pool({ connectionString: bouncer.url, max: 8 });
  pool.on('error', () => {});
  closers.push(() => pool.end());
  return pool;
}

/** A store on fresh tables through PgBouncer, migrated through it, and a twin on a pool of its own. */
async function bouncedStore() {
  const { postgresStore } = await load('postgres.mjs');
  const prefix = `b${randomUUID().slice(0, 8)}_`;
  const store = postgresStore({ pool: bouncedPool(), prefix });
  await Promise.all([store.migrate(), postgresStore({ pool: bouncedPool(), prefix }).migrate()]);
  return { store, twin: postgresStore({ pool: bouncedPool(), prefix }), prefix };
}

describe('postgresStore behind PgBouncer (transaction pooling)', () => {
  // In the suite's hooks: the file's own (useStores) have started PostgreSQL by then.
  before(async () => {
    bouncer = await startPgbouncer(ctx.postgres);
  });
  after(async () => {
    await bouncer?.stop();
  });

  it('inline: one applicant\'s events at once from two handlers never overlap and end in order; a redelivery is a duplicate, a forgery refused', async () => {
    const { store, twin } = await bouncedStore();
    const { onEvent, handled, most } = overlapRecorder();
    const one = await handlerOn(store, { onEvent });
    const two = await handlerOn(twin, { onEvent });
    const id = randomUUID();
    const bodies = Array.from({ length: 10 }, (_, i) => envelope(applicantEvent({ id, stepName: String(i) }), keys.current, minutesAgo(1 - i / 100)));
    const statuses = await Promise.all(bodies.map((body, i) => (i % 2 ? one : two).send(body)));
    assert.ok(statuses.every((status) => status === 200), `${statuses}`);
    assert.equal(most(), 1, 'never two onEvent at once for one applicant');
    const steps = handled.map(Number);
    assert.deepEqual(steps, [...steps].sort((a, b) => a - b), 'never an older one after a newer one');
    assert.ok(steps.includes(9), 'the newest handled');
    const before = handled.length;
    assert.equal(await one.send(bodies[9]), 200);
    assert.equal(one.log.duplicates.length, 1, 'a redelivery');
    assert.equal(await two.send(flipIv(bodies[9], 2, 4)), 400, 'a forgery of it');
    assert.equal(handled.length, before);
  });

  it('durable: 20 applicants × 3 events kept through it, applied once each, in order, by two workers polling every 50 ms', async () => {
    const { store, twin, prefix } = await bouncedStore();
    const { startWorker } = await load('node.mjs');
    const pool = bouncedPool();
    const applied = `${prefix}applied`;
    await pool.query(`create table ${applied} (n bigserial primary key, applicant_id text not null, step text not null)`);
    const handler = await handlerOn(store, { durable: true, onEvent: undefined });
    const applicants = Array.from({ length: 20 }, () => randomUUID());
    for (const step of [0, 1, 2]) {
      const statuses = await Promise.all(applicants.map((id) => handler.send(envelope(applicantEvent({ id, stepName: `s${step}` }), keys.current, minutesAgo(10 - step)))));
      assert.ok(statuses.every((status) => status === 200), `${statuses}`);
    }
    const onEvent = async (event, { db }) => {
      await db.query(`insert into ${applied} (applicant_id, step) values ($1, $2)`, [event.data.id, event.data.stepName]);
    };
    const workers = [store, twin].map((on) => startWorker({ key: keys.current, store: on, onEvent, concurrency: 3, pollMs: 50 }));
    const rows = async () => (await pool.query(`select applicant_id, step from ${applied} order by n`)).rows;
    try {
      await until(async () => (await rows()).length >= 60, '60 applied', 60_000);
    } finally {
      await Promise.all(workers.map((worker) => worker.stop()));
    }
    const done = await rows();
    assert.equal(done.length, 60, 'none twice');
    for (const id of applicants) {
      assert.deepEqual(done.filter((row) => row.applicant_id === id).map((row) => row.step), ['s0', 's1', 's2'], 'in order');
    }
    assert.deepEqual(await store.events.stats(), { pending: 0, oldestPendingMs: null, dead: 0, done: 60 });
  });
});

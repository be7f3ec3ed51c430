// Durable mode (issue 29) on PostgreSQL, through the packed tarball: the handler keeps each
// accepted delivery (data still encrypted) and answers 200 without calling onEvent, with the
// same verdicts as the inline mode; startWorker applies the events in per-applicant order,
// exactly once, through `db` in the transaction that marks them done; failures are retried on
// the schedule, then dead, without blocking the applicant's later events; `events` functions;
// the schema's versions and the upgrade in place of databases made by the earlier releases.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import diagnostics from 'node:diagnostics_channel';
import { describe, it } from 'node:test';
import { applicantEvent, envelope, keys, minutesAgo, until, useStores } from './harness.mjs';

const ctx = useStores();
const { kinds, handlerOn, load, pgPool, link, startExample } = ctx;

/** A store with durable mode on a fresh prefix, its pool, a handler on it, and a user table `applied`. */
async function durableSetup(handlerOptions = {}) {
  const made = await kinds.postgres();
  const applied = `${made.prefix}applied`;
  await made.pool.query(`create table ${applied} (n bigserial primary key, applicant_id text not null, step text not null)`);
  const handler = await handlerOn(made.store, { durable: true, onEvent: undefined, ...handlerOptions });
  const rows = async () => (await made.pool.query(`select applicant_id, step from ${applied} order by n`)).rows;
  return { ...made, applied, handler, rows };
}

/** A poison event of an applicant, that applicant's later event, and another applicant's poison event: `{ id, other }`. */
async function sendPoisoned(handler) {
  const id = randomUUID();
  const other = randomUUID();
  for (const [applicant, step, minutes] of [[id, 'poison', 3], [id, 'after', 2], [other, 'poison', 1]]) {
    assert.equal(await handler.send(envelope(applicantEvent({ id: applicant, stepName: step }), keys.current, minutesAgo(minutes))), 200);
  }
  return { id, other };
}

const insertApplied = (table) => async (event, { db }) => {
  await db.query(`insert into ${table} (applicant_id, step) values ($1, $2)`, [event.data.id, event.data.stepName]);
};

describe('durable mode: the request stage', () => {
  it('memoryStore refuses durable mode, saying why', async () => {
    const { createWebhookHandler, memoryStore } = await load('node.mjs');
    assert.throws(() => createWebhookHandler({ key: keys.current, durable: true }), (error) => error instanceof TypeError && /durable: true.*postgresStore.*a memoryStore: an event it kept would be lost/s.test(error.message));
    assert.throws(() => createWebhookHandler({ key: keys.current, store: memoryStore(), durable: true }), /a memoryStore: an event it kept would be lost/);
    const { startWorker } = await load('node.mjs');
    assert.throws(() => startWorker({ key: keys.current, store: memoryStore(), onEvent() {} }), /memoryStore cannot/);
    assert.equal(typeof (await kinds['redis (node-redis)']()).store.enqueue, 'function', 'redisStore keeps events durably');
  });

  it('onEvent belongs to the worker in durable mode: given to the handler, it is refused, saying where it goes', async () => {
    const { store } = await kinds.postgres();
    const { createNodeMiddleware } = await load('node.mjs');
    assert.throws(() => createNodeMiddleware({ key: keys.current, store, durable: true, onEvent() {} }), /onEvent` goes to startWorker/);
    assert.throws(() => createNodeMiddleware({ key: keys.current, store, durable: 'yes' }), /`durable` must be true or false/);
  });

  it('answers 200 and keeps the delivery with its data still encrypted; duplicates and stale events decided as inline', async () => {
    const { handler, pool, prefix } = await durableSetup();
    const id = randomUUID();
    const newer = envelope(applicantEvent({ id, stepName: 'newer' }), keys.current, minutesAgo(1));
    const older = envelope(applicantEvent({ id, stepName: 'older' }), keys.current, minutesAgo(2));
    assert.equal(await handler.send(newer), 200);
    assert.equal(await handler.send(newer), 200, 'a redelivery');
    assert.equal(await handler.send(older), 200, 'stale');
    assert.deepEqual(handler.log.duplicates.map((data) => data.stepName), ['newer']);
    assert.deepEqual(handler.log.stale.map((data) => data.stepName), ['older']);
    const { rows } = await pool.query(`select applicant_id, envelope, state from ${prefix}events`);
    assert.equal(rows.length, 1, 'one event kept');
    assert.equal(rows[0].applicant_id, id);
    assert.equal(rows[0].state, 'pending');
    assert.deepEqual(JSON.parse(rows[0].envelope), newer, 'the envelope as received: data encrypted');
    assert.ok(!rows[0].envelope.includes('newer'), 'no plaintext at rest');
  });
});

describe('durable mode: on the worker channel', () => {
  it("each attempt's outcome on allpass-crypto:worker (applied with its lag, retried with its delay, dead), and the backlog; the request stage's as enqueued", async () => {
    const { handler, store, applied, rows } = await durableSetup();
    const { startWorker } = await load('node.mjs');
    const messages = { webhook: [], worker: [] };
    const listeners = { webhook: (message) => messages.webhook.push(message), worker: (message) => messages.worker.push(message) };
    for (const [name, listener] of Object.entries(listeners)) diagnostics.subscribe(`allpass-crypto:${name}`, listener);
    try {
      await sendPoisoned(handler);
      assert.deepEqual(messages.webhook.map((message) => message.outcome), ['enqueued', 'enqueued', 'enqueued']);
      const onEvent = async (event, context) => {
        if (event.data.stepName === 'poison') throw new Error('poison: always throws');
        await insertApplied(applied)(event, context);
      };
      const worker = startWorker({ key: keys.current, store, onEvent, maxAttempts: 2, retryDelayMs: 5 });
      try {
        await until(async () => (await store.events.stats()).dead === 2 && (await rows()).length === 1, 'two dead, one applied');
      } finally {
        await worker.stop();
      }
    } finally {
      for (const [name, listener] of Object.entries(listeners)) diagnostics.unsubscribe(`allpass-crypto:${name}`, listener);
    }
    const outcomes = messages.worker.map((message) => message.outcome).filter((outcome) => outcome !== 'backlog').sort();
    assert.deepEqual(outcomes, ['applied', 'dead', 'dead', 'retried', 'retried']);
    const appliedMessage = messages.worker.find((message) => message.outcome === 'applied');
    assert.ok(appliedMessage.lagMs >= 2 * 60_000, `lag ${appliedMessage.lagMs} ms for an event two minutes old`);
    assert.ok(messages.worker.filter((message) => message.outcome === 'retried').every((message) => message.delayMs >= 0 && message.attempt === 1));
    const [backlog] = messages.worker.filter((message) => message.outcome === 'backlog');
    assert.ok(backlog && backlog.pending >= 0 && backlog.dead >= 0, 'the backlog, when the worker starts');
    assert.ok(!JSON.stringify(messages).includes('poison'), 'no payload on the channels');
  });
});

describe('durable mode: workers', () => {
  it('apply every event once, per applicant in order, across two workers, through db in the transaction that marks it done', async () => {
    const { handler, store, twinOf, applied, rows } = await durableSetup();
    const { startWorker } = await load('node.mjs');
    const applicants = Array.from({ length: 12 }, () => randomUUID());
    // Sent before any worker runs: the workers start with a backlog of 60, 5 per applicant.
    for (let step = 0; step < 5; step++) {
      for (const id of applicants) assert.equal(await handler.send(envelope(applicantEvent({ id, stepName: `s${step}` }), keys.current, minutesAgo(10 - step))), 200);
    }
    let calls = 0;
    const onEvent = async (event, context) => {
      calls++;
      await insertApplied(applied)(event, context);
      // Every first attempt of s2 fails after its write: rolled back, retried.
      if (event.data.stepName === 's2' && context.attempt === 1) throw new Error('fails on purpose after its write');
    };
    const workers = [startWorker({ key: keys.current, store, onEvent, concurrency: 4, retryDelayMs: 10 }), startWorker({ key: keys.current, store: twinOf(), onEvent, concurrency: 4, retryDelayMs: 10 })];
    try {
      await until(async () => (await rows()).length === 60, '60 applied');
    } finally {
      await Promise.all(workers.map((worker) => worker.stop()));
    }
    const applied_ = await rows();
    assert.equal(applied_.length, 60, 'none twice (the failed attempts\' writes rolled back)');
    assert.equal(calls, 72, '60 events, 12 of them twice');
    for (const id of applicants) {
      assert.deepEqual(applied_.filter((row) => row.applicant_id === id).map((row) => row.step), ['s0', 's1', 's2', 's3', 's4'], 'in order');
    }
    assert.deepEqual(await store.events.stats(), { pending: 0, oldestPendingMs: null, dead: 0, done: 60 });
  });

  it('connections lost after a worker stopped, and while it runs: the process goes on, the worker listens again', async () => {
    const { handler, store, applied, rows } = await durableSetup();
    const { startWorker } = await load('node.mjs');
    const admin = pgPool(1); // one connection, never among the others it drops
    const dropOthers = () => admin.query("select pg_terminate_backend(pid) from pg_stat_activity where pid <> pg_backend_pid() and datname = current_database() and backend_type = 'client backend'");
    const listening = () => admin.query("select 1 from pg_stat_activity where query like 'listen %' and state = 'idle'").then(({ rows: found }) => found.length > 0);
    const first = startWorker({ key: keys.current, store, onEvent: insertApplied(applied), pollMs: 600_000 });
    await until(listening, 'the first worker listening');
    await first.stop();
    await dropOthers(); // its listening connection, back in the pool, lost
    const second = startWorker({ key: keys.current, store, onEvent: insertApplied(applied), pollMs: 600_000 });
    try {
      await until(listening, 'the second worker listening');
      await dropOthers(); // lost while it runs: it listens again
      await until(listening, 'the second worker listening again');
      assert.equal(await handler.send(envelope(applicantEvent({ stepName: 'after the losses' }), keys.current)), 200);
      await until(async () => (await rows()).length === 1, 'applied, woken by NOTIFY (the poll is 10 minutes)');
    } finally {
      await second.stop();
    }
  });

  it('an onEvent that hangs: signal aborted at maxHoldMs, its write rolled back, the event retried and applied once', async () => {
    const { handler, store, applied, rows } = await durableSetup();
    const { startWorker } = await load('node.mjs');
    assert.equal(await handler.send(envelope(applicantEvent({ stepName: 'hangs once' }), keys.current)), 200);
    let aborted = false;
    const onEvent = async (event, context) => {
      await insertApplied(applied)(event, context);
      if (context.attempt === 1) {
        context.signal.addEventListener('abort', () => (aborted = true));
        await new Promise(() => {}); // never settles
      }
    };
    const worker = startWorker({ key: keys.current, store, onEvent, maxHoldMs: 300, retryDelayMs: 10 });
    try {
      await until(async () => (await store.events.stats()).done === 1, 'applied on the second attempt');
    } finally {
      await worker.stop();
    }
    assert.ok(aborted, 'signal aborted');
    assert.equal((await rows()).length, 1, 'the hung attempt\'s write rolled back');
    const [event] = await store.events.list();
    assert.equal(event.attempts, 2);
  });

  it('wake within the event\'s arrival (LISTEN/NOTIFY), not at the next poll', async () => {
    const { handler, store, applied, rows } = await durableSetup();
    const { startWorker } = await load('node.mjs');
    // A poll every 10 minutes: only the NOTIFY can bring the event in before the wait below ends.
    const worker = startWorker({ key: keys.current, store, onEvent: insertApplied(applied), pollMs: 600_000 });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300)); // listening, idle
      assert.equal(await handler.send(envelope(applicantEvent({ stepName: 'woken' }), keys.current)), 200);
      await until(async () => (await rows()).length === 1, 'the event applied', 10_000);
    } finally {
      await worker.stop();
    }
  });

  it('a poison event ends dead with its attempts and last error; the applicant\'s later events go on; retry applies it once fixed, and not one a newer event overtook', async () => {
    const { handler, store, applied, rows } = await durableSetup();
    const { startWorker } = await load('node.mjs');
    const { id, other } = await sendPoisoned(handler);
    let fixed = false;
    const errors = [];
    const onEvent = async (event, context) => {
      if (event.data.stepName === 'poison' && !fixed) throw new Error('poison: always throws');
      await insertApplied(applied)(event, context);
    };
    let worker = startWorker({ key: keys.current, store, onEvent, maxAttempts: 3, retryDelayMs: 5, onError: (error, info) => errors.push(info) });
    try {
      await until(async () => (await store.events.stats()).dead === 2 && (await rows()).length === 1, 'two dead, one applied');
    } finally {
      await worker.stop();
    }
    assert.deepEqual((await rows()).map((row) => row.step), ['after'], 'the later event was applied after the first one died');
    const dead = await store.events.list({ dead: true });
    assert.equal(dead.length, 2);
    for (const event of dead) {
      assert.equal(event.state, 'dead');
      assert.equal(event.attempts, 3);
      assert.match(event.lastError, /poison: always throws/);
    }
    assert.equal(errors.filter((info) => info.dead).length, 2, 'onError told of each death');
    const [superseded] = (await store.events.list({ dead: true, applicantId: id }));
    const shown = await store.events.show(superseded.id);
    assert.equal(shown.envelope.data.length > 64, true);
    fixed = true;
    const result = await store.events.retry({ dead: true });
    assert.deepEqual(result.superseded, [superseded.id], 'overtaken by its applicant\'s newer event: newest wins');
    assert.equal(result.retried.length, 1);
    worker = startWorker({ key: keys.current, store, onEvent, maxAttempts: 3, retryDelayMs: 5 });
    try {
      await until(async () => (await rows()).length === 2, 'the retried one applied');
    } finally {
      await worker.stop();
    }
    assert.deepEqual((await rows()).map((row) => [row.applicant_id, row.step]), [[id, 'after'], [other, 'poison']]);
    assert.deepEqual(await store.events.stats(), { pending: 0, oldestPendingMs: null, dead: 1, done: 2 });
    assert.deepEqual(await store.events.retry('99999999'), { retried: [], superseded: [], missing: ['99999999'] });
  });

  it('a worker that died holding an event: another takes it after leaseMs', async () => {
    const { handler, store, applied, rows } = await durableSetup();
    const { startWorker } = await load('node.mjs');
    assert.equal(await handler.send(envelope(applicantEvent({ stepName: 'held' }), keys.current)), 200);
    // A claim as a worker makes it, by a worker that then dies.
    const taken = await store.queue.claim({ owner: 'dead-worker', leaseMs: 300 });
    assert.ok(taken, 'claimed');
    assert.equal(await store.queue.claim({ owner: 'another', leaseMs: 300 }), null, 'not taken twice while leased');
    const worker = startWorker({ key: keys.current, store, onEvent: insertApplied(applied), pollMs: 50 });
    try {
      await until(async () => (await rows()).length === 1, 'taken over');
    } finally {
      await worker.stop();
    }
    const [event] = await store.events.list();
    assert.equal(event.attempts, 2, 'both attempts counted');
  });

  it('prunes done events after retentionMs; dead events are kept', async () => {
    const { handler, store, applied, pool, prefix } = await durableSetup();
    const { startWorker } = await load('node.mjs');
    assert.equal(await handler.send(envelope(applicantEvent({ stepName: 'done' }), keys.current)), 200);
    assert.equal(await handler.send(envelope(applicantEvent({ stepName: 'poison' }), keys.current)), 200);
    const onEvent = async (event, context) => {
      if (event.data.stepName === 'poison') throw new Error('poison');
      await insertApplied(applied)(event, context);
    };
    const worker = startWorker({ key: keys.current, store, onEvent, maxAttempts: 1, retentionMs: 0, pollMs: 20 });
    try {
      await until(async () => {
        const { rows } = await pool.query(`select state from ${prefix}events`);
        return rows.length === 1 && rows[0].state === 'dead';
      }, 'the done event pruned, the dead one kept');
    } finally {
      await worker.stop();
    }
  });

  it('the default retry schedule outlasts 3 days (and Allpass\'s 8.5 h) even at the least jitter', async () => {
    const { retryDelay, workerOptions } = await load('lib/stores/options.mjs');
    const settings = workerOptions({});
    let least = 0;
    for (let attempt = 1; attempt < settings.maxAttempts; attempt++) least += retryDelay(attempt, settings, 0);
    assert.ok(least >= 3 * 24 * 3600_000, `${least / 3600_000} h`);
    assert.equal(retryDelay(1, settings, 0.5), settings.retryDelayMs);
    assert.equal(retryDelay(40, settings, 0.5), settings.maxRetryDelayMs);
  });
});

/** `npx allpass-crypto events …` in the installed project (with pg linked in, as a user's project has it): { status, out, err }. */
function events(args, env = {}, database = ['--database-url', ctx.postgres.connectionString]) {
  const dir = ctx.installed.dir;
  link(database[0] === '--database-url' ? 'pg' : 'redis');
  const { ALLPASS_KEY: _key, ...clean } = process.env;
  return new Promise((resolve) => {
    execFile(process.execPath, [join(dir, 'node_modules/allpass-crypto/bin/allpass-crypto.mjs'), 'events', ...args, ...database], { cwd: dir, env: { ...clean, ...env } }, (error, out, err) => {
      resolve({ status: error ? error.code : 0, out, err });
    });
  });
}

describe("README's durable mode example, run as written (Express, a pg Pool, the middleware with durable: true, a worker writing through db)", () => {
  it('keeps, answers 200, applies once', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('### Durable mode'), readme.indexOf('## Call the API'));
    const example = /```js\n([\s\S]*?)```/.exec(section)[1];
    const pool = pgPool();
    await pool.query('create table if not exists verifications (applicant_id text, payload jsonb)');
    const { port, child } = await startExample(example);
    const payload = applicantEvent();
    const send = (value) => fetch(`http://127.0.0.1:${port}/allpass/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });
    const body1 = envelope(payload, keys.current, minutesAgo(1));
    assert.equal((await send(body1)).status, 200);
    assert.equal((await send(body1)).status, 200, 'a redelivery');
    const applied = async () => (await pool.query('select payload from verifications where applicant_id = $1', [payload.id])).rows;
    await until(async () => (await applied()).length > 0, 'the worker applied it');
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, 'SIGTERM: the worker stopped, then the process exited');
    assert.deepEqual((await applied()).map((row) => row.payload), [payload], 'applied once, through db');
  });
});

describe('npx allpass-crypto events', () => {
  it('stats, list [--dead] [--applicant], show (decrypted only with ALLPASS_KEY, the key never printed), retry ID | --dead, with exit codes and --json', async () => {
    const { handler, store, applied, rows, prefix } = await durableSetup();
    const { startWorker } = await load('node.mjs');
    const id = randomUUID();
    assert.equal(await handler.send(envelope(applicantEvent({ id, stepName: 'poison' }), keys.current, minutesAgo(2))), 200);
    assert.equal(await handler.send(envelope(applicantEvent({ stepName: 'fine' }), keys.current, minutesAgo(1))), 200);
    const p = ['--prefix', prefix];
    const pending = JSON.parse((await events(['stats', '--json', ...p])).out);
    assert.equal(pending.pending, 2);
    assert.ok(pending.oldestPendingMs >= 0);
    let fixed = false;
    const onEvent = async (event, context) => {
      if (event.data.stepName === 'poison' && !fixed) throw new Error('poison: always throws');
      await insertApplied(applied)(event, context);
    };
    let worker = startWorker({ key: keys.current, store, onEvent, maxAttempts: 2, retryDelayMs: 5 });
    try {
      await until(async () => (await store.events.stats()).dead === 1 && (await rows()).length === 1, 'one dead, one applied');
    } finally {
      await worker.stop();
    }
    assert.deepEqual(JSON.parse((await events(['stats', '--json', ...p])).out), { pending: 0, oldestPendingMs: null, dead: 1, done: 1 });
    const text = await events(['stats', ...p]);
    assert.equal(text.status, 0);
    assert.match(text.out, /^pending  0\ndead     1\ndone     1/);
    const dead = await events(['list', '--dead', ...p]);
    assert.equal(dead.status, 0);
    const lines = dead.out.trim().split('\n');
    assert.equal(lines.length, 2, dead.out);
    assert.match(lines[0], /^ID +STATE +ATTEMPTS +APPLICANT/);
    const [deadId, state, attempts, applicant] = lines[1].split(/ +/);
    assert.deepEqual([state, attempts, applicant], ['dead', '2', id]);
    assert.match(lines[1], /poison: always throws/);
    assert.deepEqual(JSON.parse((await events(['list', '--json', '--applicant', id, ...p])).out).map((event) => event.id), [deadId]);
    assert.equal(JSON.parse((await events(['list', '--json', ...p])).out).length, 2);

    const sealed = await events(['show', deadId, ...p]);
    assert.equal(sealed.status, 0);
    assert.equal(JSON.parse(sealed.out).event, undefined, 'no key: not decrypted');
    assert.match(sealed.err, /ALLPASS_KEY/);
    const opened = await events(['show', deadId, '--json', ...p], { ALLPASS_KEY: keys.current });
    assert.equal(opened.status, 0);
    assert.equal(JSON.parse(opened.out).event.data.stepName, 'poison');
    assert.ok(!opened.out.includes(keys.current) && !opened.err.includes(keys.current), 'the key is never printed');
    const wrong = await events(['show', deadId, '--json', ...p], { ALLPASS_KEY: keys.stranger });
    assert.equal(wrong.status, 1, 'another key cannot decrypt it');
    assert.ok(!wrong.err.includes(keys.stranger));
    const missing = await events(['show', '987654321', '--json', ...p]);
    assert.equal(missing.status, 1);
    assert.equal(JSON.parse(missing.err).error.code, 'NOT_FOUND');
    const notDead = await events(['retry', '987654321', ...p]);
    assert.equal(notDead.status, 1);

    fixed = true;
    const retried = await events(['retry', deadId, '--json', ...p]);
    assert.equal(retried.status, 0, retried.err);
    assert.deepEqual(JSON.parse(retried.out).retried, [deadId]);
    worker = startWorker({ key: keys.current, store, onEvent, maxAttempts: 2, retryDelayMs: 5 });
    try {
      await until(async () => (await rows()).length === 2, 'the retried event applied');
    } finally {
      await worker.stop();
    }
    assert.deepEqual((await rows()).filter((row) => row.step === 'poison').length, 1, 'applied once');
    const none = await events(['retry', '--dead', ...p]);
    assert.equal(none.status, 0);
    assert.match(none.out, /^retried +-/);
    const noTable = await events(['stats', '--json', '--prefix', 'nothing_here_']);
    assert.equal(noTable.status, 1);
    assert.equal(JSON.parse(noTable.err).error.code, 'NO_EVENTS_TABLE');
  });
});

describe('the schema\'s versions', () => {
  // The DDL of the release before the version table, as it shipped (6e8b8df).
  const RELEASE_6E8B8DF = (p) => [
    `create table if not exists ${p}applicants (applicant_id text primary key, last_time_ms bigint not null)`,
    `create table if not exists ${p}handled (applicant_id text not null, digest text not null, expires_at timestamptz not null, primary key (applicant_id, digest))`,
    `create index if not exists ${p}handled_expires on ${p}handled (expires_at)`,
    `create table if not exists ${p}blocks (fingerprint bigint primary key, body_digest text not null, expires_at timestamptz not null)`,
    `create index if not exists ${p}blocks_expires on ${p}blocks (expires_at)`,
  ];
  /** The fingerprints of a body's blocks as that release stored them: each block's first 8 bytes, a signed bigint. */
  const fingerprintsOf = (body) => body.data.match(/.{32}/g).map((block) => BigInt.asIntN(64, BigInt(`0x${block.slice(0, 16)}`)).toString());
  /** A body's digest as that release and this one compute it: the first 128 bits of the SHA-256 of its lowercase hex. */
  const digestOf = (body) => createHash('sha256').update(body.data.trim().toLowerCase()).digest('hex').slice(0, 32);

  it('upgrades a database made by 6e8b8df in place: its applicants, handled deliveries and block claims kept (for good: that release claimed only bodies that decrypted), durable mode then works', async () => {
    const { postgresStore } = await load('postgres.mjs');
    const pool = pgPool();
    const prefix = `u${randomUUID().slice(0, 8)}_`;
    for (const statement of RELEASE_6E8B8DF(prefix)) await pool.query(statement);
    const id = randomUUID();
    const newer = envelope(applicantEvent({ id }), keys.current, minutesAgo(1));
    await pool.query(`insert into ${prefix}applicants values ($1, $2)`, [id, Date.parse(newer.time)]);
    // Blocks that release claimed for another body: one claim still running, one run out.
    const claimed = envelope(applicantEvent(), keys.current, minutesAgo(2));
    const lapsed = envelope(applicantEvent(), keys.current, minutesAgo(2));
    // And a body that release accepted (its blocks claimed by its own digest), redelivered after the upgrade.
    const accepted = envelope(applicantEvent(), keys.current, minutesAgo(2));
    const claim = `insert into ${prefix}blocks select unnest($1::bigint[]), $2, now() + $3 * interval '1 hour'`;
    await pool.query(claim, [fingerprintsOf(claimed), 'another body, live', 24]);
    await pool.query(claim, [fingerprintsOf(lapsed), 'another body, run out', -1]);
    await pool.query(claim, [fingerprintsOf(accepted), digestOf(accepted), 24]);
    const store = postgresStore({ pool, prefix });
    await Promise.all([store.migrate(), store.migrate(), postgresStore({ pool: pgPool(), prefix }).migrate()]);
    const { rows } = await pool.query(`select version from ${prefix}schema order by version`);
    assert.deepEqual(rows.map((row) => row.version), [1, 2, 3]);
    const handler = await handlerOn(store, { durable: true, onEvent: undefined });
    assert.equal(await handler.send(envelope(applicantEvent({ id }), keys.current, minutesAgo(5))), 200);
    assert.equal(handler.log.stale.length, 1, 'the applicant\'s last time kept');
    assert.equal(await handler.send(newer), 200);
    assert.equal(await handler.send(claimed), 400, 'its blocks are still held by the other body');
    assert.equal(await handler.send(lapsed), 400, 'held for good too');
    assert.equal(await handler.send(accepted), 200, 'its own blocks: a redelivery, not a forgery');
    assert.equal((await store.events.stats()).pending, 2);
  });

  it('refuses a database newer than the release', async () => {
    const { store, pool, prefix } = await kinds.postgres();
    await pool.query(`insert into ${prefix}schema (version) values (99)`);
    await assert.rejects(store.migrate(), (error) => error.code === 'STORE_FAILED' && /schema version 99, newer/.test(error.message));
  });
});

// Durable mode on Redis (Streams with a consumer group, per-applicant order kept by the store's
// scripts): at least once, so onEvent's effects are recorded here in memory, in order.
for (const kind of ['redis (node-redis)', 'redis (ioredis)']) {
  describe(`${kind}: durable mode`, () => {
    async function redisSetup() {
      const made = await kinds[kind]();
      const handler = await handlerOn(made.store, { durable: true, onEvent: undefined });
      return { ...made, handler };
    }

    it('keeps the delivery encrypted, same verdicts as inline; two workers apply every event once, per applicant in order', async () => {
      const { handler, store, twinOf } = await redisSetup();
      const { startWorker } = await load('node.mjs');
      const applicants = Array.from({ length: 10 }, () => randomUUID());
      for (let step = 0; step < 4; step++) {
        for (const id of applicants) assert.equal(await handler.send(envelope(applicantEvent({ id, stepName: `s${step}` }), keys.current, minutesAgo(10 - step))), 200);
      }
      const again = envelope(applicantEvent({ id: applicants[0], stepName: 'old' }), keys.current, minutesAgo(30));
      assert.equal(await handler.send(again), 200);
      assert.equal(handler.log.stale.length, 1, 'stale, as inline');
      const [kept] = await store.events.list({ applicantId: applicants[0], limit: 1 });
      const shown = await store.events.show(kept.id);
      assert.ok(!JSON.stringify(shown.envelope).includes('s3'), 'no plaintext at rest');
      const applied = [];
      let failedOnce = 0;
      const onEvent = async (event, context) => {
        if (event.data.stepName === 's1' && context.attempt === 1) {
          failedOnce++;
          throw new Error('fails on purpose');
        }
        applied.push([event.data.id, event.data.stepName]);
      };
      const workers = [startWorker({ key: keys.current, store, onEvent, concurrency: 3, retryDelayMs: 10 }), startWorker({ key: keys.current, store: await twinOf(), onEvent, concurrency: 3, retryDelayMs: 10 })];
      try {
        await until(() => applied.length === 40, '40 applied');
      } finally {
        await Promise.all(workers.map((worker) => worker.stop()));
      }
      assert.equal(failedOnce, 10);
      assert.equal(new Set(applied.map((row) => row.join('/'))).size, 40, 'none twice');
      for (const id of applicants) assert.deepEqual(applied.filter((row) => row[0] === id).map((row) => row[1]), ['s0', 's1', 's2', 's3'], 'in order');
      assert.deepEqual(await store.events.stats(), { pending: 0, oldestPendingMs: null, dead: 0, done: 40 });
    });

    it('an onEvent that hangs: signal aborted at maxHoldMs, the event retried and applied', async () => {
      const { handler, store } = await redisSetup();
      const { startWorker } = await load('node.mjs');
      assert.equal(await handler.send(envelope(applicantEvent({ stepName: 'hangs once' }), keys.current)), 200);
      let aborted = false;
      const applied = [];
      const onEvent = async (event, context) => {
        if (context.attempt === 1) {
          context.signal.addEventListener('abort', () => (aborted = true));
          await new Promise(() => {}); // never settles
        }
        applied.push(context.attempt);
      };
      const worker = startWorker({ key: keys.current, store, onEvent, maxHoldMs: 300, retryDelayMs: 10 });
      try {
        await until(() => applied.length === 1, 'applied on the second attempt');
      } finally {
        await worker.stop();
      }
      assert.ok(aborted, 'signal aborted');
      assert.deepEqual(applied, [2]);
    });

    it('wake on the event\'s arrival (a blocking read on a connection of its own), not at the next poll', async () => {
      const { handler, store } = await redisSetup();
      const { startWorker } = await load('node.mjs');
      const applied = [];
      // A poll every 10 minutes: only the blocking read can bring the event in before the wait below ends.
      const worker = startWorker({ key: keys.current, store, onEvent: (event) => void applied.push(event.data.stepName), pollMs: 600_000 });
      try {
        await new Promise((resolve) => setTimeout(resolve, 300)); // reading, idle
        assert.equal(await handler.send(envelope(applicantEvent({ stepName: 'woken' }), keys.current)), 200);
        await until(() => applied.length === 1, 'the event applied', 10_000);
      } finally {
        await worker.stop();
      }
      assert.deepEqual(applied, ['woken']);
    });

    it('a poison event ends dead; the applicant\'s later events go on; retry applies it once fixed, not one a newer event overtook; a dead worker\'s event taken after leaseMs', async () => {
      const { handler, store } = await redisSetup();
      const { startWorker } = await load('node.mjs');
      const { id, other } = await sendPoisoned(handler);
      let fixed = false;
      const applied = [];
      const onEvent = async (event) => {
        if (event.data.stepName === 'poison' && !fixed) throw new Error('poison: always throws');
        applied.push([event.data.id, event.data.stepName]);
      };
      let worker = startWorker({ key: keys.current, store, onEvent, maxAttempts: 3, retryDelayMs: 5 });
      try {
        await until(async () => (await store.events.stats()).dead === 2 && applied.length === 1, 'two dead, one applied');
      } finally {
        await worker.stop();
      }
      assert.deepEqual(applied, [[id, 'after']]);
      const dead = await store.events.list({ dead: true });
      assert.deepEqual(dead.map((event) => [event.state, event.attempts]), [['dead', 3], ['dead', 3]]);
      assert.match(dead[0].lastError, /poison: always throws/);
      fixed = true;
      const superseded = (await store.events.list({ dead: true, applicantId: id }))[0].id;
      const result = await store.events.retry({ dead: true });
      assert.deepEqual(result.superseded, [superseded]);
      assert.equal(result.retried.length, 1);
      // A worker takes the retried event and dies holding it: another takes it after its lease.
      const taken = await store.queue.claim({ owner: 'dead-worker', leaseMs: 300 });
      assert.ok(taken, 'claimed by the worker that dies');
      worker = startWorker({ key: keys.current, store, onEvent, leaseMs: 300, pollMs: 50 });
      try {
        await until(() => applied.length === 2, 'the retried event applied by another worker');
      } finally {
        await worker.stop();
      }
      assert.deepEqual(applied[1], [other, 'poison']);
      const [event] = await store.events.list({ applicantId: other });
      assert.deepEqual([event.state, event.attempts], ['done', 2], 'the dead worker\'s attempt counted');
    });

    if (kind === 'redis (node-redis)') {
      it('npx allpass-crypto events --redis-url: stats, list --dead, show decrypted with ALLPASS_KEY, retry', async () => {
        const { handler, store, prefix } = await redisSetup();
        const { startWorker } = await load('node.mjs');
        const redis = ['--redis-url', ctx.redis.url];
        assert.equal(await handler.send(envelope(applicantEvent({ stepName: 'poison' }), keys.current)), 200);
        let fixed = false;
        const applied = [];
        const onEvent = async (event) => {
          if (!fixed) throw new Error('poison: always throws');
          applied.push(event.data.stepName);
        };
        let worker = startWorker({ key: keys.current, store, onEvent, maxAttempts: 2, retryDelayMs: 5 });
        try {
          await until(async () => (await store.events.stats()).dead === 1, 'dead');
        } finally {
          await worker.stop();
        }
        const p = ['--prefix', prefix];
        assert.deepEqual(JSON.parse((await events(['stats', '--json', ...p], {}, redis)).out), { pending: 0, oldestPendingMs: null, dead: 1, done: 0 });
        const listed = JSON.parse((await events(['list', '--dead', '--json', ...p], {}, redis)).out);
        assert.deepEqual(listed.map((event) => [event.state, event.attempts]), [['dead', 2]]);
        const opened = await events(['show', listed[0].id, '--json', ...p], { ALLPASS_KEY: keys.current }, redis);
        assert.equal(JSON.parse(opened.out).event.data.stepName, 'poison');
        assert.ok(!opened.out.includes(keys.current));
        fixed = true;
        const retried = await events(['retry', '--dead', ...p], {}, redis);
        assert.equal(retried.status, 0, retried.err);
        worker = startWorker({ key: keys.current, store, onEvent, maxAttempts: 2, retryDelayMs: 5 });
        try {
          await until(() => applied.length === 1, 'applied after the retry');
        } finally {
          await worker.stop();
        }
        const missing = await events(['retry', listed[0].id, '--json', ...p], {}, redis);
        assert.equal(missing.status, 1, 'no longer dead');
        assert.equal(JSON.parse(missing.err).error.code, 'NOT_FOUND');
      });
    }
  });
}

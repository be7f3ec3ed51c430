// The store contract on every store (memory, PostgreSQL through pg, Redis through node-redis and
// ioredis), through the handler as users run it: two handlers sharing one store stand for two
// processes. Real PostgreSQL and Redis from Debian, started here on free ports (./services.mjs).
// Then what each shared store must survive: crashed holders, a killed connection, concurrent
// migrations, lost Lua scripts, a lease that ran out.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import pg from 'pg';
import { applicantEvent, envelope, here, keys, minutesAgo, overlapRecorder, raw, useStores } from './harness.mjs';

const ctx = useStores();
const { kinds, handlerOn, load, closers } = ctx;

/**
 * Another process that makes `store` (in `setup`, a module body), takes applicant 'crash' and
 * holds it until it is killed with SIGKILL: resolves once it is dead.
 */
async function killedWhileHolding(setup) {
  const script = join(ctx.installed.dir, `hold-${randomUUID()}.mjs`);
  writeFileSync(script, `${setup}
    await store.begin({ applicantId: 'crash', time: 1, eventTime: 'x', ids: ['a'] });
    console.log('holding');
    setInterval(() => {}, 1000);
  `);
  const child = spawn(process.execPath, [script], { cwd: ctx.installed.dir, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => child.stdout.on('data', (chunk) => String(chunk).includes('holding') && resolve()));
  child.kill('SIGKILL');
  await new Promise((resolve) => child.on('exit', resolve));
}

/** Every body a shared store holds and has not kept for good, run out now (not yet swept). */
async function expireBodies(kind, made) {
  if (kind === 'postgres') {
    await made.pool.query(`update ${made.prefix}bodies set expires_at = now() - interval '1 second' where expires_at <> 'infinity'`);
    return;
  }
  const key = `${made.prefix}{blocks}:bodies:expiry`;
  for (const body of (await raw(made.client, ['ZRANGE', key, '0', '-1'])).map(String)) await raw(made.client, ['ZADD', key, String(Date.now() - 1000), body]);
}

for (const [kind, make] of Object.entries(kinds)) {
  describe(`${kind}: the contract, through two handlers sharing the store`, () => {
    it('order, once, and a redelivery seen by the other process', async () => {
      const { store, twin } = await make();
      const one = await handlerOn(store);
      const two = await handlerOn(twin);
      const id = randomUUID();
      const newer = envelope(applicantEvent({ id, stepName: 'newer' }), keys.current, minutesAgo(1));
      const older = envelope(applicantEvent({ id, stepName: 'older' }), keys.current, minutesAgo(2));
      assert.equal(await one.send(newer), 200);
      assert.equal(await two.send(older), 200, 'stale');
      assert.equal(await two.send(newer), 200, 'a redelivery to the other process');
      assert.equal(await two.send({ ...newer, time: new Date(Date.now() + 60_000).toISOString() }), 200, 'a replay with a new time');
      assert.deepEqual(one.log.events.map((data) => data.stepName), ['newer']);
      assert.deepEqual(two.log.events, []);
      assert.deepEqual(two.log.stale.map((data) => data.stepName), ['older']);
      assert.equal(two.log.duplicates.length, 2);
    });

    it('one at a time: concurrent events of one applicant never overlap in onEvent, across both handlers', async () => {
      const { store, twin } = await make();
      const { onEvent, handled, most } = overlapRecorder();
      const one = await handlerOn(store, { onEvent });
      const two = await handlerOn(twin, { onEvent });
      const id = randomUUID();
      const bodies = Array.from({ length: 12 }, (_, i) => envelope(applicantEvent({ id, stepName: `step-${i}` }), keys.current, minutesAgo(1 - i / 100)));
      const statuses = await Promise.all(bodies.map((body, i) => (i % 2 ? one : two).send(body)));
      assert.ok(statuses.every((status) => status === 200), `${statuses}`);
      assert.equal(most(), 1, 'never two onEvent at once for one applicant');
      // Handled in some order; never an older one after a newer one.
      const steps = handled.map((step) => Number(step.split('-')[1]));
      assert.deepEqual(steps, [...steps].sort((a, b) => a - b));
      assert.ok(steps.includes(11), 'the newest is handled');
    });

    it('bodies sharing a block, screened at once from both processes: exactly one finds it free, every time, also when they all had run out', { skip: kind === 'memory' && 'one process: nothing runs at once' }, async () => {
      const made = await make();
      const { store, twin } = made;
      const hex = (bytes) => Array.from(globalThis.crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
      const atOnce = async (bodies) => (await Promise.all(bodies.map((body, i) => (i % 2 ? store : twin).screen(body)))).filter((verdict) => !verdict.tampered).length;
      for (let round = 0; round < 10; round++) {
        const shared = hex(8);
        const bodies = Array.from({ length: 8 }, (_, i) => ({ bodyDigest: hex(16), blocks: i % 2 ? [hex(8), shared, hex(8)] : [shared, hex(8)] }));
        assert.equal(await atOnce(bodies), 1, `round ${round}: new bodies`);
        // Every one of them known and run out (none decrypted): the block is free again, for one.
        await expireBodies(kind, made);
        assert.equal(await atOnce(bodies), 1, `round ${round}: the same bodies again, run out`);
      }
    });

    it('a delivery that failed in one process: a forgery of it is refused in another, and its retry is handled there', { skip: kind === 'memory' && 'one process: covered by tests/integrations/captured.test.mjs' }, async () => {
      const { store, twin } = await make();
      let fail = true;
      const one = await handlerOn(store, {
        onEvent: () => {
          if (fail) throw new Error('the database is down');
        },
      });
      const two = await handlerOn(twin);
      const payload = applicantEvent();
      const captured = envelope(payload, keys.current, minutesAgo(1));
      assert.equal(await one.send(captured), 500);
      const iv = Buffer.from(captured.data.slice(0, 32), 'hex');
      iv[8] ^= 1; // a changed applicant id, still JSON
      assert.equal(await two.send({ ...captured, data: iv.toString('hex') + captured.data.slice(32) }), 400);
      assert.deepEqual(two.log.events, [], 'the forgery never reached onEvent');
      assert.deepEqual(two.log.errors, ['TAMPERED']);
      fail = false;
      assert.equal(await two.send(captured), 200, "Allpass's retry, to the other process");
      assert.deepEqual(two.log.events, [payload]);
      const three = await handlerOn(twin);
      assert.equal(await three.send(captured), 200, 'and to a third: a duplicate now');
      assert.equal(three.log.duplicates.length, 1);
    });

    // memoryStore is one process's: there each handler's own guard refuses forgeries (captured.test.mjs).
    it('a captured body attacked through the other process: IV flipping recovers nothing, no forgery handled', { skip: kind === 'memory' && 'one process: covered by tests/integrations/captured.test.mjs' }, async () => {
      const { store, twin } = await make();
      const one = await handlerOn(store);
      const two = await handlerOn(twin);
      const payload = applicantEvent();
      const captured = envelope(payload, keys.current, minutesAgo(1));
      assert.equal(await one.send(captured), 200);
      const answers = new Map();
      let requests = 0;
      for (let position = 7; position < 16; position++) {
        for (let flip = 1; flip < 256; flip++) {
          const iv = Buffer.from(captured.data.slice(0, 32), 'hex');
          iv[position] ^= flip;
          const status = await two.send({ ...captured, data: iv.toString('hex') + captured.data.slice(32) });
          answers.set(status, (answers.get(status) ?? 0) + 1);
          requests++;
        }
      }
      assert.deepEqual([...answers], [[400, requests]], 'the uniform 400 for every forgery');
      assert.deepEqual(two.log.events, []);
      assert.ok(two.log.errors.every((code) => code === 'TAMPERED'));
      // A far-future replay of the captured body cannot silence the applicant either.
      assert.equal(await two.send({ ...captured, time: '2999-01-01T00:00:00.000Z' }), 400);
      const later = applicantEvent({ id: payload.id, stepName: 'later' });
      assert.equal(await two.send(envelope(later, keys.current, minutesAgo(0))), 200);
      assert.deepEqual(two.log.events.map((data) => data.stepName), ['later']);
      console.log(`${kind}: IV flipping through a second handler, ${requests} requests: 0 bytes recovered, 0 forged events handled`);
    });
  });
}

describe('memoryStore', () => {
  it('waits for an applicant lockWaitMs at most: an onEvent that hangs makes the next event of its applicant fail (500), not wait for ever', async () => {
    const { memoryStore } = await load('node.mjs');
    let release;
    const hanging = new Promise((resolve) => (release = resolve));
    const one = await handlerOn(memoryStore({ lockWaitMs: 100 }), { onEvent: () => hanging });
    const id = randomUUID();
    const first = one.send(envelope(applicantEvent({ id }), keys.current, minutesAgo(2)));
    assert.equal(await one.send(envelope(applicantEvent({ id }), keys.current, minutesAgo(1))), 500);
    assert.deepEqual(one.log.errors, ['STORE_FAILED']);
    release();
    assert.equal(await first, 200);
  });
});

describe('PostgreSQL: exactly once, and what the connection can do to it', () => {
  it("README's DDL is what migrate() runs", async () => {
    const { readFileSync } = await import('node:fs');
    const { postgresSchema } = await load('postgres.mjs');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = /<!-- postgres-ddl -->\s*```sql\n([\s\S]*?)```/.exec(readme);
    assert.ok(block, 'README has the DDL block after <!-- postgres-ddl -->');
    assert.deepEqual(block[1].trim().split(';\n').map((statement) => statement.replace(/;$/, '').trim()), postgresSchema());
  });

  it("README's example, run as written (Express, a pg Pool, postgresStore, onEvent writing through db)", async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Order and duplicates'));
    const example = /```js\n([\s\S]*?)```/.exec(section)[1];
    // What the example takes as given: an Express `app`, DATABASE_URL, ALLPASS_KEY, a table.
    const pool = new pg.Pool({ connectionString: ctx.postgres.connectionString });
    closers.push(() => pool.end());
    await pool.query('create table if not exists verifications (applicant_id text, payload jsonb)');
    const { port } = await ctx.startExample(example);
    const payload = applicantEvent();
    const send = (value) => fetch(`http://127.0.0.1:${port}/allpass/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });
    const body1 = envelope(payload, keys.current, minutesAgo(1));
    assert.equal((await send(body1)).status, 200);
    assert.equal((await send(body1)).status, 200, 'a redelivery');
    const { rows } = await pool.query('select payload from verifications where applicant_id = $1', [payload.id]);
    assert.deepEqual(rows.map((row) => row.payload), [payload], 'written once, through db');
  });

  it('onEvent writes through db: a throw rolls its writes back with the record (500), the retry commits both once', async () => {
    const { store, pool, prefix } = await kinds.postgres();
    await pool.query(`create table ${prefix}mine (applicant_id text, step text)`);
    let fail = true;
    const one = await handlerOn(store, {
      onEvent: async (event, { db }) => {
        await db.query(`insert into ${prefix}mine values ($1, $2)`, [event.data.id, event.data.stepName]);
        if (fail) throw new Error('fails after writing');
      },
    });
    const body = envelope(applicantEvent(), keys.current, minutesAgo(1));
    assert.equal(await one.send(body), 500);
    assert.equal((await pool.query(`select count(*)::int as n from ${prefix}mine`)).rows[0].n, 0, 'rolled back');
    fail = false;
    assert.equal(await one.send(body), 200);
    assert.equal(await one.send(body), 200);
    assert.equal((await pool.query(`select count(*)::int as n from ${prefix}mine`)).rows[0].n, 1, 'once');
  });

  it('migrate() from five instances at once: no error, the tables once, each version recorded once', async () => {
    const { postgresStore, postgresSchema } = await load('postgres.mjs');
    const prefix = `m${randomUUID().slice(0, 8)}_`;
    const pools = Array.from({ length: 5 }, () => new pg.Pool({ connectionString: ctx.postgres.connectionString, max: 2 }));
    try {
      await Promise.all(pools.map((pool) => postgresStore({ pool, prefix }).migrate()));
      const { rows } = await pools[0].query('select count(*)::int as n from pg_tables where tablename like $1', [`${prefix}%`]);
      assert.equal(rows[0].n, postgresSchema(prefix).filter((statement) => statement.startsWith('create table')).length);
      const versions = await pools[0].query(`select version from ${prefix}schema order by version`);
      assert.deepEqual(versions.rows.map((row) => row.version), [1, 2, 3]);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it('the connection killed while onEvent runs (pg_terminate_backend): 500, no crash, the next delivery is handled', async () => {
    const { store, pool } = await kinds.postgres();
    let kill = true;
    const one = await handlerOn(store, {
      onEvent: async (event, { db }) => {
        if (!kill) return;
        const { rows } = await db.query('select pg_backend_pid() as pid');
        await pool.query('select pg_terminate_backend($1)', [rows[0].pid]);
        await new Promise((resolve) => setTimeout(resolve, 50));
      },
    });
    const body = envelope(applicantEvent(), keys.current, minutesAgo(1));
    assert.equal(await one.send(body), 500);
    kill = false;
    assert.equal(await one.send(body), 200);
  });

  it('an applicant held longer than lockWaitMs: STORE_FAILED (500), not a wait without end', async () => {
    const { store } = await kinds.postgres({ lockWaitMs: 200 });
    const held = await store.begin({ applicantId: 'held', time: 1, eventTime: 'x', ids: ['a'] });
    assert.equal(held.outcome, 'proceed');
    await assert.rejects(store.begin({ applicantId: 'held', time: 2, eventTime: 'x', ids: ['b'] }), (error) => error.code === 'STORE_FAILED');
    await held.abort();
    const next = await store.begin({ applicantId: 'held', time: 2, eventTime: 'x', ids: ['b'] });
    assert.equal(next.outcome, 'proceed');
    await next.abort();
  });

  it('a process killed (SIGKILL) while it holds an applicant: the server lets the applicant go', async () => {
    const { store, prefix } = await kinds.postgres({ lockWaitMs: 5_000 });
    await killedWhileHolding(`
      import pg from ${JSON.stringify(pathToFileURL(join(here, 'node_modules/pg/lib/index.js')).href)};
      import { postgresStore } from 'allpass-crypto/postgres';
      const store = postgresStore({ pool: new pg.Pool({ connectionString: ${JSON.stringify(ctx.postgres.connectionString)} }), prefix: ${JSON.stringify(prefix)} });
    `);
    const next = await store.begin({ applicantId: 'crash', time: 2, eventTime: 'x', ids: ['b'] });
    assert.equal(next.outcome, 'proceed');
    await next.abort();
  });
});

describe('Redis: scripts, leases and fencing', () => {
  for (const kind of ['redis (node-redis)', 'redis (ioredis)']) {
    it(`${kind}: SCRIPT FLUSH between calls (a restart or failover): the scripts are sent again`, async () => {
      const { store, client } = await kinds[kind]();
      const one = await handlerOn(store);
      assert.equal(await one.send(envelope(applicantEvent(), keys.current, minutesAgo(1))), 200);
      await raw(client, ['SCRIPT', 'FLUSH']);
      assert.equal(await one.send(envelope(applicantEvent(), keys.current, minutesAgo(1))), 200);
      assert.equal(one.log.events.length, 2);
    });

    it(`${kind}: a holder whose lease ran out cannot record over the next holder (fencing)`, async () => {
      const { store, client, prefix } = await kinds[kind]({ leaseMs: 60_000 });
      const first = await store.begin({ applicantId: 'fenced', time: 1, eventTime: 'x', ids: ['a'] });
      // The lease runs out (here: the lock key vanishes, as after a pause longer than the lease).
      const lock = `${prefix}{fenced}:lock`;
      await raw(client, ['DEL', lock]);
      const second = await store.begin({ applicantId: 'fenced', time: 2, eventTime: 'x', ids: ['b'] });
      assert.equal(second.outcome, 'proceed');
      assert.ok(BigInt(second.context.fencingToken.split(':')[0]) > BigInt(first.context.fencingToken.split(':')[0]), 'the fencing token grows');
      await assert.rejects(first.commit({}), (error) => error.code === 'STORE_FAILED');
      await second.commit({});
      const again = await store.begin({ applicantId: 'fenced', time: 3, eventTime: 'x', ids: ['a'] });
      assert.equal(again.outcome, 'proceed', "the first holder's payload was not recorded");
      await again.abort();
    });

    it(`${kind}: an onEvent that hangs holds its applicant maxHoldMs at most; its late commit is refused`, async () => {
      const { store } = await kinds[kind]({ leaseMs: 100, maxHoldMs: 300, lockWaitMs: 5_000 });
      const hung = await store.begin({ applicantId: 'hung', time: 1, eventTime: 'x', ids: ['a'] });
      assert.equal(hung.outcome, 'proceed');
      const next = await store.begin({ applicantId: 'hung', time: 2, eventTime: 'x', ids: ['b'] });
      assert.equal(next.outcome, 'proceed', 'free once the hold ran out');
      await assert.rejects(hung.commit(), (error) => error.code === 'STORE_FAILED');
      await next.commit();
    });

    it(`${kind}: a process killed while it holds an applicant: free after leaseMs`, async () => {
      const { store, prefix } = await kinds[kind]({ leaseMs: 300, lockWaitMs: 5_000 });
      await killedWhileHolding(`
        import { createClient } from ${JSON.stringify(pathToFileURL(join(here, 'node_modules/redis/dist/index.js')).href)};
        import { redisStore } from 'allpass-crypto/redis';
        const client = createClient({ url: ${JSON.stringify(ctx.redis.url)} });
        await client.connect();
        const store = redisStore(client, { prefix: ${JSON.stringify(prefix)}, leaseMs: 300 });
      `);
      const next = await store.begin({ applicantId: 'crash', time: 2, eventTime: 'x', ids: ['b'] });
      assert.equal(next.outcome, 'proceed');
      await next.abort();
    });
  }
});

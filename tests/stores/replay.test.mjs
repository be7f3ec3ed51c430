// The receiver against an attacker who holds logged webhook bodies and no key: resent with any
// `time`, to any instance, at any later date, on every store (memory; PostgreSQL; Redis through
// node-redis and ioredis). Two handlers on a store and its twin stand for two processes; a twin
// made afresh stands for a restart. Each test is one finding of the replay model (README,
// Security): what an applicant's status must never become.
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { applicantEvent, envelope, flipIv, keys, minutesAgo, raw, useStores } from './harness.mjs';

const ctx = useStores();
const { kinds, handlerOn } = ctx;
const DAY_MS = 24 * 60 * 60 * 1000;
const steps = (handler) => handler.log.events.map((data) => data.stepName);

/**
 * Makes a store of `kind` look as it will `days` from now: everything it keeps with an expiry
 * that has passed by then has run out (whatever the store's layout: every row's `expires_at` and
 * every Redis expiry zset's scores moved earlier, every Redis key with a TTL by then gone).
 */
async function age(kind, made, days) {
  const ms = days * DAY_MS;
  if (kind === 'postgres') {
    const { rows } = await made.pool.query("select table_name from information_schema.columns where column_name = 'expires_at' and table_name like $1", [`${made.prefix}%`]);
    for (const { table_name: table } of rows) await made.pool.query(`update ${table} set expires_at = expires_at - $1 * interval '1 millisecond'`, [ms]);
    return;
  }
  const { client, prefix } = made;
  const keysFound = [];
  let cursor = '0';
  do {
    const [next, batch] = await raw(client, ['SCAN', cursor, 'MATCH', `${prefix}*`, 'COUNT', '1000']);
    cursor = String(next);
    keysFound.push(...batch.map(String));
  } while (cursor !== '0');
  for (const key of keysFound) {
    const ttl = Number(await raw(client, ['PTTL', key]));
    if (ttl > 0 && ttl <= ms) await raw(client, ['DEL', key]);
    if (key.endsWith(':expiry') && String(await raw(client, ['TYPE', key])) === 'zset') {
      // Expiry scores moved `ms` earlier: what has run out by then, the store sees as run out.
      const scored = (await raw(client, ['ZRANGE', key, '0', '-1', 'WITHSCORES'])).map(String);
      for (let i = 0; i < scored.length; i += 2) await raw(client, ['ZADD', key, String(Number(scored[i + 1]) - ms), scored[i]]);
    }
  }
}

for (const [kind, make] of Object.entries(kinds)) {
  const shared = kind !== 'memory';

  describe(`${kind}: logged bodies replayed`, () => {
    it('1. an old "approved", resent with time = now after every window has passed, to another instance: a duplicate, the later "rejected" stands', async () => {
      const made = await make();
      const one = await handlerOn(made.store);
      const id = randomUUID();
      const approved = envelope(applicantEvent({ id, stepName: 'approved' }), keys.current, minutesAgo(10));
      assert.equal(await one.send(approved), 200);
      assert.equal(await one.send(envelope(applicantEvent({ id, stepName: 'rejected' }), keys.current, minutesAgo(5))), 200);
      if (shared) await age(kind, made, 30);
      const later = await handlerOn(shared ? await made.twinOf() : made.store);
      assert.equal(await later.send({ ...approved, time: new Date().toISOString() }), 200);
      assert.deepEqual(steps(one), ['approved', 'rejected']);
      assert.deepEqual(later.log.events, [], 'the old approval is never handled again');
      assert.equal(later.log.duplicates.length, 1);
    });

    it('2. a never-handled body replayed with a time up to clockSkewMs ahead, to another instance: the next genuine events are not made stale', async () => {
      const { store, twin } = await make();
      const one = await handlerOn(store);
      const two = await handlerOn(twin);
      const id = randomUUID();
      const captured = envelope(applicantEvent({ id, stepName: 'captured' }), keys.current, minutesAgo(1)); // never delivered here
      assert.equal(await two.send({ ...captured, time: new Date(Date.now() + 4 * 60_000).toISOString() }), 200);
      assert.equal(await one.send(envelope(applicantEvent({ id, stepName: 'next' }), keys.current, new Date().toISOString())), 200);
      assert.deepEqual(steps(one), ['next'], 'handled, not stale');
      assert.deepEqual(one.log.stale, []);
    });

    it("3. a body first sent with an old time does not make its own genuine delivery stale", async () => {
      const { store } = await make();
      const one = await handlerOn(store);
      const id = randomUUID();
      assert.equal(await one.send(envelope(applicantEvent({ id, stepName: 'before' }), keys.current, minutesAgo(5))), 200);
      const genuine = envelope(applicantEvent({ id, stepName: 'genuine' }), keys.current, minutesAgo(1));
      assert.equal(await one.send({ ...genuine, time: minutesAgo(60) }), 200, "the attacker's copy first: stale");
      assert.equal(await one.send(genuine), 200);
      assert.deepEqual(steps(one), ['before', 'genuine']);
    });

    it('4. a captured, never-delivered body gives one decryption across all processes and restarts; no forgery reaches onEvent', async () => {
      const made = await make();
      const handlers = [await handlerOn(made.store), await handlerOn(made.twin)];
      if (shared) handlers.push(await handlerOn(await made.twinOf())); // a restarted process: nothing in memory
      const captured = envelope(applicantEvent(), keys.current, minutesAgo(1));
      const forgeries = [
        flipIv(captured, 0, 0x01), // '{' → 'z': not JSON
        flipIv(captured, 1, 0x01), // '"' → '#': not JSON
        flipIv(captured, 2, 'i'.charCodeAt(0) ^ 'X'.charCodeAt(0)), // "id" → "Xd": JSON with no applicant id
      ];
      for (const [i, forgery] of forgeries.entries()) assert.equal(await handlers[i % handlers.length].send(forgery), 400);
      const errors = handlers.flatMap((handler) => handler.log.errors);
      assert.deepEqual(handlers.flatMap((handler) => handler.log.events), [], 'no forgery handled');
      assert.deepEqual(errors, ['DECRYPT_FAILED', 'TAMPERED', 'TAMPERED'], 'only the first was decrypted');
    });

    it('5. distinct events with equal payloads are distinct (inProgress → onHold → inProgress); the same body, or the same payload and time, again is a duplicate', async () => {
      const { store } = await make();
      const one = await handlerOn(store);
      const id = randomUUID();
      const inProgress = applicantEvent({ id, stepName: 'inProgress' });
      const first = envelope(inProgress, keys.current, minutesAgo(3));
      const third = envelope(inProgress, keys.current, minutesAgo(1));
      assert.equal(await one.send(first), 200);
      assert.equal(await one.send(envelope(applicantEvent({ id, stepName: 'onHold' }), keys.current, minutesAgo(2))), 200);
      assert.equal(await one.send(third), 200);
      assert.deepEqual(steps(one), ['inProgress', 'onHold', 'inProgress'], 'the applicant ends in progress');
      assert.equal(await one.send(third), 200, 'a redelivery');
      assert.equal(await one.send({ ...third, time: new Date().toISOString() }), 200, 'a replay with a new time');
      assert.equal(await one.send(envelope(inProgress, keys.current, third.time)), 200, 'the vendor re-encrypting a retry: same payload, same time');
      assert.deepEqual(steps(one), ['inProgress', 'onHold', 'inProgress']);
      assert.equal(one.log.duplicates.length, 3);
    });
  });
}

for (const [kind, options] of [
  ['postgres', { leaseMs: 500, lockTimeoutMs: 5_000 }],
  ['redis (node-redis)', { leaseMs: 300, maxHoldMs: 600, lockWaitMs: 5_000 }],
  ['redis (ioredis)', { leaseMs: 300, maxHoldMs: 600, lockWaitMs: 5_000 }],
]) {
  describe(`${kind}: a hold that is lost`, () => {
    it("6. onEvent's signal is aborted before another process starts the applicant's next event; the late commit is refused (500)", async () => {
      const { store, twin } = await kinds[kind](options);
      const timeline = [];
      let started;
      const startedNow = new Promise((resolve) => (started = resolve));
      const one = await handlerOn(store, {
        onEvent: async (event, { signal }) => {
          timeline.push('first started');
          started();
          await new Promise((resolve) => {
            signal.addEventListener('abort', resolve);
            setTimeout(resolve, 5_000).unref();
          });
          timeline.push(signal.aborted ? 'first aborted' : 'first never aborted');
        },
      });
      const two = await handlerOn(twin, { onEvent: () => void timeline.push('next started') });
      const id = randomUUID();
      const first = one.send(envelope(applicantEvent({ id }), keys.current, minutesAgo(2)));
      await startedNow;
      const next = two.send(envelope(applicantEvent({ id }), keys.current, minutesAgo(1)));
      assert.deepEqual(await Promise.all([first, next]), [500, 200]);
      assert.deepEqual(timeline, ['first started', 'first aborted', 'next started']);
      assert.deepEqual(one.log.errors, ['STORE_FAILED']);
    });
  });
}

describe('Redis: what the store keeps', () => {
  for (const kind of ['redis (node-redis)', 'redis (ioredis)']) {
    it(`8. ${kind}: every key it writes expires, or is an applicant's record or the block memory`, async () => {
      const { store, client, prefix } = await kinds[kind]();
      const one = await handlerOn(store);
      const id = randomUUID();
      const body = envelope(applicantEvent({ id }), keys.current, minutesAgo(2));
      assert.equal(await one.send(body), 200);
      assert.equal(await one.send(body), 200);
      assert.equal(await one.send(envelope(applicantEvent({ id }), keys.current, minutesAgo(3))), 200, 'stale');
      assert.equal(await one.send(flipIv(body, 3, 1)), 400);
      assert.equal(await one.send(envelope(applicantEvent(), keys.stranger, minutesAgo(1))), 400, 'garbage');
      const kept = [];
      let cursor = '0';
      do {
        const [next, batch] = await raw(client, ['SCAN', cursor, 'MATCH', `${prefix}*`, 'COUNT', '1000']);
        cursor = String(next);
        for (const key of batch.map(String)) if (Number(await raw(client, ['PTTL', key])) < 0) kept.push(key.slice(prefix.length));
      } while (cursor !== '0');
      assert.deepEqual(kept.sort(), ['{blocks}', '{blocks}:bodies', '{blocks}:bodies:blocks', '{blocks}:bodies:expiry', `{${id}}:applicant`].sort());
    });

    it(`9. ${kind}: the block claims of the release before (a fingerprint's own expiry, bodies that decrypted) are kept for good, even past that expiry`, async () => {
      const { store, client, prefix } = await kinds[kind]();
      const one = await handlerOn(store);
      const claimed = envelope(applicantEvent(), keys.current, minutesAgo(2));
      const lapsed = envelope(applicantEvent(), keys.current, minutesAgo(2));
      const accepted = envelope(applicantEvent(), keys.current, minutesAgo(2));
      const fingerprintsOf = (body) => body.data.match(/.{32}/g).map((block) => block.slice(0, 16));
      const digestOf = (body) => createHash('sha256').update(body.data.trim().toLowerCase()).digest('hex').slice(0, 32);
      for (const [body, holder, expiry] of [[claimed, 'another body, live', Date.now() + DAY_MS], [lapsed, 'another body, run out', Date.now() - 1], [accepted, digestOf(accepted), Date.now() + DAY_MS]]) {
        for (const fingerprint of fingerprintsOf(body)) {
          await raw(client, ['HSET', `${prefix}{blocks}`, fingerprint, holder]);
          await raw(client, ['ZADD', `${prefix}{blocks}:expiry`, String(expiry), fingerprint]);
        }
      }
      assert.equal(await one.send(claimed), 400, 'its blocks are held by the other body');
      assert.equal(await one.send(lapsed), 400, 'held for good too: that release claimed only bodies that decrypted');
      assert.equal(await one.send(accepted), 200, 'a body that release accepted, redelivered: its own blocks');
      assert.equal(Number(await raw(client, ['EXISTS', `${prefix}{blocks}:expiry`])), 0, 'the per-fingerprint expiries dropped');
    });
  }
});

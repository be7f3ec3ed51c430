// postgresStore({ pool }): the store contract (./memory.mjs) on PostgreSQL through your own
// node-postgres `Pool` (nothing here imports `pg`). Exactly once: each event runs in one
// transaction that holds a per-applicant advisory lock, checks the handled deliveries and the
// last time, hands its client to `onEvent` as `db`, and records the event in the same commit. A
// throw rolls everything back; a crashed process's transaction is rolled back and its lock
// released by the server when the connection drops; a hold longer than `leaseMs` is ended here:
// `signal` aborted, then the connection closed (so the lock is let go only after the abort).
//
// Block claims are committed at once, outside the event's transaction: a body's blocks are
// taken before it is decrypted (kept `blockWindowMs`), and for good once it decrypted to an
// acceptable payload, whatever becomes of its event.
import { allpassError } from '../errors.mjs';
import { wholeNumber } from '../validate.mjs';

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;
const NAME = /^[a-z_][a-z0-9_]{0,40}$/;
/** SQLSTATEs of a statement that lost a race with another and may simply run again (deadlock, serialization). */
const RACE_LOST = new Set(['40P01', '40001']);
/** SQLSTATEs of a concurrent CREATE that another instance won: that instance did the work. */
const CREATE_RACE = new Set(['23505', '42P06', '42P07', '42710']);
/** A screen in this many sweeps expired claims (1,000 rows at most): no cron needed. */
const SWEEP_EVERY = 64;
/** How much longer than `leaseMs` the server lets a transaction sit idle: the cut for a process that hangs, after ours. */
const SERVER_CUT_AFTER_MS = 1_000;

/** The DDL `migrate()` runs (also in the README), for tables named `${prefix}…`. */
export function postgresSchema(prefix = 'allpass_') {
  return [
    `create table if not exists ${prefix}applicants (applicant_id text primary key, last_time_ms bigint not null)`,
    `create table if not exists ${prefix}handled (applicant_id text not null, digest text not null, expires_at timestamptz not null, primary key (applicant_id, digest))`,
    `create index if not exists ${prefix}handled_expires on ${prefix}handled (expires_at)`,
    `create table if not exists ${prefix}blocks (fingerprint bigint primary key, body_digest text not null, expires_at timestamptz not null)`,
    `create index if not exists ${prefix}blocks_expires on ${prefix}blocks (expires_at)`,
    `create table if not exists ${prefix}bodies (body_digest text primary key, first_seen_ms bigint not null, expires_at timestamptz not null)`,
    `create index if not exists ${prefix}bodies_expires on ${prefix}bodies (expires_at)`,
  ];
}

/** 16 hex characters → a signed 64-bit integer's decimal text (a bigint column). */
const toBigint = (hex) => BigInt.asIntN(64, BigInt(`0x${hex}`)).toString();

/**
 * Options: `pool` (a pg `Pool`, yours: never ended here), `prefix` (table names, default
 * 'allpass_'), `blockWindowMs` (how long the blocks of a body that did not decrypt to an
 * acceptable payload are kept: 7 days), `lockTimeoutMs` (how long an event waits for its
 * applicant: 10 s, then 500 and Allpass retries), `leaseMs` (how long `onEvent` may hold its
 * applicant: 60 s, then `signal` is aborted and the transaction rolled back).
 */
export function postgresStore(options) {
  const { pool, prefix = 'allpass_' } = options ?? {};
  if (!pool || typeof pool.connect !== 'function') throw new TypeError('postgresStore({ pool }): `pool` must be a node-postgres Pool (new pg.Pool(…))');
  if (!NAME.test(prefix)) throw new TypeError('`prefix` must be a lowercase SQL name prefix such as allpass_');
  if (options.duplicateWindowMs !== undefined) throw new TypeError('`duplicateWindowMs` is gone: handled deliveries are kept as long as their applicant; `blockWindowMs` bounds the blocks of bodies that never decrypted');
  const blockWindowMs = wholeNumber('blockWindowMs', options.blockWindowMs, WEEK_MS, 1);
  const lockTimeoutMs = wholeNumber('lockTimeoutMs', options.lockTimeoutMs, 10_000, 1);
  const leaseMs = wholeNumber('leaseMs', options.leaseMs, 60_000, 1);
  const t = (name) => `${prefix}${name}`;
  let screens = 0;

  /** A client of the pool for one transaction, with an `error` listener while it is ours (an
   * error on a checked-out client with none crashes Node), released broken if anything failed. */
  async function checkout() {
    const client = await pool.connect();
    let failure;
    let released = false;
    const listeners = new Set();
    const onError = (error) => {
      failure ??= error;
      for (const listener of listeners) listener(error);
    };
    client.on('error', onError);
    return {
      client,
      onLost: (listener) => listeners.add(listener),
      query: async (text, values) => {
        try {
          return await client.query(text, values);
        } catch (error) {
          failure ??= error;
          throw error;
        }
      },
      /** Gives the client back, or closes it (with `error`, or after any failure). */
      release(error) {
        if (released) return;
        released = true;
        failure ??= error;
        client.off('error', onError);
        client.release(failure ?? undefined);
      },
    };
  }

  async function rollback(session) {
    try {
      await session.query('rollback');
    } catch {
      // The connection is gone: the server rolls back on its own.
    }
    session.release();
  }

  /** Runs an idempotent statement on the pool, again if it lost a race (two claims on one body's blocks at once). */
  async function idempotent(text, values) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await pool.query(text, values);
      } catch (error) {
        if (!RACE_LOST.has(error?.code) || attempt >= 3) throw error;
      }
    }
  }

  function sweep() {
    if (screens++ % SWEEP_EVERY !== 0) return;
    const expired = (table) => pool.query(`delete from ${t(table)} where ctid in (select ctid from ${t(table)} where expires_at < now() limit 1000)`);
    Promise.all([expired('blocks'), expired('bodies'), expired('handled')]).catch(() => {});
  }

  return {
    async migrate() {
      // Nothing to do when every table and index is there: no DDL, so no table lock that a
      // receiver already running (a restarted instance beside live ones) could deadlock with.
      const names = postgresSchema(prefix).map((statement) => /(?:table|index) if not exists (\w+)/.exec(statement)[1]);
      const { rows } = await pool.query('select count(to_regclass(name)) as present from unnest($1::text[]) as name', [names]);
      if (Number(rows[0].present) === names.length) return;
      for (let attempt = 0; ; attempt++) {
        const session = await checkout();
        try {
          await session.query('begin');
          await session.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`${prefix}migrate`]);
          for (const statement of postgresSchema(prefix)) await session.query(statement);
          await session.query('commit');
          session.release();
          return;
        } catch (error) {
          await rollback(session);
          if ((!CREATE_RACE.has(error?.code) && !RACE_LOST.has(error?.code)) || attempt >= 3) throw error;
          await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200));
        }
      }
    },

    /** Takes the body's free blocks for its digest (committed at once), then answers whether another body owns one. */
    async screen({ bodyDigest, blocks }) {
      sweep();
      const fingerprints = blocks.map(toBigint);
      // A claim past its expiry is free: taken over, not counted.
      await idempotent(`with body as (
          insert into ${t('bodies')} (body_digest, first_seen_ms, expires_at) values ($2, $4, now() + $3 * interval '1 millisecond')
          on conflict (body_digest) do update set first_seen_ms = excluded.first_seen_ms, expires_at = excluded.expires_at where ${t('bodies')}.expires_at < now()
        )
        insert into ${t('blocks')} (fingerprint, body_digest, expires_at)
        select distinct fingerprint, $2, now() + $3 * interval '1 millisecond' from unnest($1::bigint[]) as fingerprint order by fingerprint
        on conflict (fingerprint) do update set body_digest = excluded.body_digest, expires_at = excluded.expires_at where ${t('blocks')}.expires_at < now()`, [fingerprints, bodyDigest, blockWindowMs, Date.now()]);
      const { rows } = await pool.query(`select
          (select first_seen_ms from ${t('bodies')} where body_digest = $2) as first_seen,
          exists (select 1 from ${t('blocks')} where fingerprint = any($1::bigint[]) and body_digest <> $2 and expires_at > now()) as tampered`, [fingerprints, bodyDigest]);
      return { tampered: rows[0].tampered, firstSeen: Number(rows[0].first_seen ?? Date.now()) };
    },

    /** Keeps the body's blocks and first-seen time for good. */
    async claim({ bodyDigest, blocks }) {
      await idempotent(`with kept as (
          update ${t('blocks')} set expires_at = 'infinity' where fingerprint = any($1::bigint[]) and body_digest = $2
        )
        update ${t('bodies')} set expires_at = 'infinity' where body_digest = $2`, [blocks.map(toBigint), bodyDigest]);
    },

    async begin({ applicantId, time: exact, ids }) {
      const scope = applicantId ?? '';
      const time = exact === null ? null : Math.floor(exact); // a bigint column: whole ms
      // A delivery already handled needs no lock, no client of its own: replays cost one query.
      const known = await pool.query(`select 1 from ${t('handled')} where applicant_id = $1 and digest = any($2::text[]) and expires_at > now() limit 1`, [scope, ids]);
      if (known.rows.length > 0) return { outcome: 'duplicate' };
      const session = await checkout();
      try {
        await session.query('begin');
        await session.query(`select set_config('lock_timeout', $1, true), set_config('idle_in_transaction_session_timeout', $2, true)`, [`${lockTimeoutMs}ms`, `${leaseMs + SERVER_CUT_AFTER_MS}ms`]);
        await session.query('select pg_advisory_xact_lock(hashtextextended($1, 7))', [applicantId ?? `\n${ids[0]}`]);
        const { rows } = await session.query(`select
            exists (select 1 from ${t('handled')} where applicant_id = $1 and digest = any($2::text[]) and expires_at > now()) as duplicate,
            (select last_time_ms from ${t('applicants')} where applicant_id = $3) as last`, [scope, ids, applicantId]);
        if (rows[0].duplicate) {
          await rollback(session);
          return { outcome: 'duplicate' };
        }
        const last = rows[0].last === null ? undefined : Number(rows[0].last);
        if (time !== null && last !== undefined && time < last) {
          await rollback(session);
          return { outcome: 'stale', last: new Date(last).toISOString() };
        }
      } catch (error) {
        await rollback(session);
        if (error?.code === '55P03') throw allpassError('STORE_FAILED', undefined, `another event of this applicant held its lock for more than lockTimeoutMs (${lockTimeoutMs} ms)`, { cause: error });
        throw error;
      }
      // The hold ends at leaseMs: `signal` first, then the connection closed, which rolls the
      // transaction back and lets the lock go; a lost connection aborts at once.
      const holder = new AbortController();
      const lose = (reason) => {
        if (!holder.signal.aborted) holder.abort(reason);
      };
      session.onLost(() => lose(allpassError('STORE_FAILED', undefined, "the event's database connection was lost: its transaction is rolled back")));
      const cut = setTimeout(() => {
        lose(allpassError('STORE_FAILED', undefined, `onEvent held its applicant for more than leaseMs (${leaseMs} ms): its transaction is rolled back`));
        session.release(holder.signal.reason);
      }, leaseMs);
      cut.unref?.();
      let settled = false;
      return {
        outcome: 'proceed',
        context: { db: session.client },
        signal: holder.signal,
        async commit() {
          if (settled) return;
          settled = true;
          clearTimeout(cut);
          if (holder.signal.aborted) {
            session.release(holder.signal.reason);
            throw holder.signal.reason;
          }
          try {
            // One statement: the delivery's ids, and the applicant's time when it has one.
            await session.query(`with handled as (
                insert into ${t('handled')} (applicant_id, digest, expires_at) select $1, unnest($2::text[]), 'infinity'
                on conflict (applicant_id, digest) do update set expires_at = excluded.expires_at
              )
              insert into ${t('applicants')} (applicant_id, last_time_ms) select $3::text, $4::bigint where $3::text is not null and $4::bigint is not null
                on conflict (applicant_id) do update set last_time_ms = greatest(${t('applicants')}.last_time_ms, excluded.last_time_ms)`,
              [scope, ids, applicantId, time]);
            await session.query('commit');
            session.release();
          } catch (error) {
            await rollback(session);
            throw error;
          }
        },
        async abort() {
          if (settled) return;
          settled = true;
          clearTimeout(cut);
          await rollback(session);
        },
      };
    },
  };
}

// postgresStore({ pool }): the store contract (./memory.mjs) on PostgreSQL through your own
// node-postgres `Pool` (nothing here imports `pg`). Exactly once: each event runs in one
// transaction that holds a per-applicant advisory lock, checks the handled deliveries and the
// last time, hands its client to `onEvent` as `db`, and records the event in the same commit. A
// throw rolls everything back; a crashed process's transaction is rolled back and its lock
// released by the server when the connection drops; a hold longer than `maxHoldMs` is ended here:
// `signal` aborted, then the connection closed (so the lock is let go only after the abort).
//
// Block claims are committed at once, outside the event's transaction: a body's blocks are
// taken before it is decrypted (kept `blockWindowMs`), and for good once it decrypted to an
// acceptable payload, whatever becomes of its event.
import { allpassError } from '../errors.mjs';
import { storeOptions } from './options.mjs';
import { postgresQueue } from './postgres-queue.mjs';
const NAME = /^[a-z_][a-z0-9_]{0,40}$/;
/** SQLSTATEs of a statement that lost a race with another and may simply run again (deadlock, serialization). */
const RACE_LOST = new Set(['40P01', '40001']);
/** SQLSTATEs of a concurrent CREATE that another instance won: that instance did the work. */
const CREATE_RACE = new Set(['23505', '42P06', '42P07', '42710']);
/** A screen in this many sweeps expired claims (1,000 rows at most): no cron needed. */
const SWEEP_EVERY = 64;
/** How much longer than `maxHoldMs` the server lets a transaction sit idle: the cut for a process that hangs, after ours. */
const SERVER_CUT_AFTER_MS = 1_000;

/**
 * The schema's versions, each a list of statements for tables named `${prefix}…`; `migrate()`
 * runs those above the database's version and records it. The first is safe on a database that
 * has it already, so one made by the release without the version table is brought up to date in
 * place.
 */
const MIGRATIONS = [
  // 1: the first release: the applicants' last times, their handled deliveries, the block memory.
  (t) => [
    `create table if not exists ${t('applicants')} (applicant_id text primary key, last_time_ms bigint not null)`,
    `create table if not exists ${t('handled')} (applicant_id text not null, digest text not null, expires_at timestamptz not null, primary key (applicant_id, digest))`,
    `create index if not exists ${t('handled_expires')} on ${t('handled')} (expires_at)`,
    `create table if not exists ${t('blocks')} (fingerprint bigint primary key, body_digest text not null, expires_at timestamptz not null)`,
    `create index if not exists ${t('blocks_expires')} on ${t('blocks')} (expires_at)`,
  ],
  // 2: the block memory by body: a block's claim lives as long as the body that holds it (its
  // `expires_at`), so keeping a body for good is one row's update, not one per block. The first
  // release claimed blocks only for bodies that decrypted to an acceptable payload: their bodies
  // are kept for good (the table locked, so an instance of that release still running adds none
  // meanwhile). The screen is a function so that its plans are made once a connection, not at
  // every call, and through any pooler (named prepared statements fail behind some).
  (t) => [
    `lock table ${t('blocks')} in exclusive mode`,
    `create table if not exists ${t('bodies')} (body_digest text primary key, first_seen_ms bigint not null, expires_at timestamptz not null, fingerprints bigint[])`,
    `create index if not exists ${t('bodies_expires')} on ${t('bodies')} (expires_at)`,
    `insert into ${t('bodies')} (body_digest, first_seen_ms, expires_at) select distinct body_digest, (extract(epoch from now()) * 1000)::bigint, 'infinity'::timestamptz from ${t('blocks')} on conflict (body_digest) do nothing`,
    `alter table ${t('blocks')} drop column if exists expires_at`,
    // Every block locked first (in order: no deadlock between two screens), new ones taken; only
    // then, in later statements (a later snapshot), the holders judged: a holder renewing its
    // expired body must lock its blocks first, so it cannot slip between our look and our take.
    `create or replace function ${t('screen')}(p_fingerprints bigint[], p_body text, p_window_ms bigint, p_now_ms bigint, out first_seen bigint, out tampered boolean) language plpgsql as $$ declare others integer; begin with held as (insert into ${t('blocks')} as k (fingerprint, body_digest) select distinct f.fingerprint, p_body from unnest(p_fingerprints) as f (fingerprint) order by f.fingerprint on conflict (fingerprint) do update set body_digest = k.body_digest returning k.body_digest), body as (insert into ${t('bodies')} as b (body_digest, first_seen_ms, expires_at, fingerprints) values (p_body, p_now_ms, now() + p_window_ms * interval '1 millisecond', p_fingerprints) on conflict (body_digest) do update set first_seen_ms = case when b.expires_at < now() then excluded.first_seen_ms else b.first_seen_ms end, fingerprints = case when b.expires_at < now() then excluded.fingerprints else b.fingerprints end, expires_at = case when b.expires_at < now() then excluded.expires_at else b.expires_at end returning b.first_seen_ms) select (select body.first_seen_ms from body), (select count(*) from held where held.body_digest <> p_body) into first_seen, others; tampered := false; if others > 0 then update ${t('blocks')} k set body_digest = p_body from ${t('bodies')} o where k.fingerprint = any(p_fingerprints) and k.body_digest <> p_body and o.body_digest = k.body_digest and o.expires_at < now(); tampered := exists (select 1 from ${t('blocks')} k where k.fingerprint = any(p_fingerprints) and k.body_digest <> p_body); end if; end $$`,
  ],
  // 3: durable mode: the deliveries as received (data still encrypted), in order per applicant.
  (t) => [
    `create table if not exists ${t('events')} (id bigserial primary key, applicant_id text not null, envelope text not null, state text not null default 'pending' check (state in ('pending', 'done', 'dead')), attempts integer not null default 0, run_at timestamptz not null default now(), received_at timestamptz not null default now(), finished_at timestamptz, locked_by text, locked_until timestamptz, last_error text)`,
    `create index if not exists ${t('events_pending')} on ${t('events')} (applicant_id, id) where state = 'pending'`,
    `create index if not exists ${t('events_due')} on ${t('events')} (run_at, id) where state = 'pending'`,
    `create index if not exists ${t('events_finished')} on ${t('events')} (finished_at) where state = 'done'`,
    `create index if not exists ${t('events_dead')} on ${t('events')} (id) where state = 'dead'`,
    // The request stage in one round trip: under the applicant's lock, the verdict, and a
    // delivery to process kept in the commit that records it as handled (NOTIFY at that commit).
    `create or replace function ${t('enqueue')}(p_scope text, p_applicant text, p_queue text, p_time bigint, p_ids text[], p_envelope text, p_channel text, p_wait_ms integer, out outcome text, out last_time bigint) language plpgsql as $$ begin perform set_config('lock_timeout', p_wait_ms || 'ms', true); perform pg_advisory_xact_lock(hashtextextended(p_queue, 7)); if exists (select 1 from ${t('handled')} h where h.applicant_id = p_scope and h.digest = any(p_ids) and h.expires_at > now()) then outcome := 'duplicate'; return; end if; select a.last_time_ms into last_time from ${t('applicants')} a where a.applicant_id = p_applicant; if p_time is not null and last_time is not null and p_time < last_time then outcome := 'stale'; return; end if; insert into ${t('events')} (applicant_id, envelope) values (p_queue, p_envelope); insert into ${t('handled')} (applicant_id, digest, expires_at) select p_scope, unnest(p_ids), 'infinity' on conflict (applicant_id, digest) do update set expires_at = excluded.expires_at; if p_applicant is not null and p_time is not null then insert into ${t('applicants')} (applicant_id, last_time_ms) values (p_applicant, p_time) on conflict (applicant_id) do update set last_time_ms = greatest(${t('applicants')}.last_time_ms, excluded.last_time_ms); end if; perform pg_notify(p_channel, ''); outcome := 'queued'; end $$`,
  ],
];

/** The DDL `migrate()` runs (also in the README), for tables named `${prefix}…`, to run in one transaction: the version table, every version's statements, and the versions recorded (so that `migrate()` finds them done). */
export function postgresSchema(prefix = 'allpass_') {
  const t = (name) => `${prefix}${name}`;
  return [
    `create table if not exists ${t('schema')} (version integer primary key, applied_at timestamptz not null default now())`,
    ...MIGRATIONS.flatMap((statements) => statements(t)),
    `insert into ${t('schema')} (version) select generate_series(1, ${MIGRATIONS.length}) on conflict (version) do nothing`,
  ];
}

/** 16 hex characters → a signed 64-bit integer's decimal text (a bigint column). */
const toBigint = (hex) => BigInt.asIntN(64, BigInt(`0x${hex}`)).toString();

/**
 * Options: `pool` (a pg `Pool`, yours: never ended here), `prefix` (table names, default
 * 'allpass_'), and the stores' `blockWindowMs`, `lockWaitMs` (this store's earlier name:
 * `lockTimeoutMs`) and `maxHoldMs` (earlier: `leaseMs`), ./options.mjs.
 */
export function postgresStore(options) {
  const { pool, prefix = 'allpass_' } = options ?? {};
  if (!pool || typeof pool.connect !== 'function') throw new TypeError('postgresStore({ pool }): `pool` must be a node-postgres Pool (new pg.Pool(…))');
  if (!NAME.test(prefix)) throw new TypeError('`prefix` must be a lowercase SQL name prefix such as allpass_');
  if (options.duplicateWindowMs !== undefined) throw new TypeError('`duplicateWindowMs` is gone: handled deliveries are kept as long as their applicant; `blockWindowMs` bounds the blocks of bodies that never decrypted');
  const { blockWindowMs, lockWaitMs, maxHoldMs } = storeOptions(options, ['blockWindowMs', 'lockWaitMs', 'maxHoldMs'], { lockWaitMs: 'lockTimeoutMs', maxHoldMs: 'leaseMs' });
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

  /** Now and then, up to 1,000 expired bodies go, with the blocks they still hold (one statement: no block outlives its body); the expiry is checked again on the row deleted, which a screen may have renewed since. */
  function sweep() {
    if (screens++ % SWEEP_EVERY !== 0) return;
    Promise.all([
      pool.query(`with gone as (
          delete from ${t('bodies')} where ctid in (select ctid from ${t('bodies')} where expires_at < now() limit 1000) and expires_at < now() returning body_digest, fingerprints
        )
        delete from ${t('blocks')} k using gone where k.fingerprint = any(gone.fingerprints) and k.body_digest = gone.body_digest`),
      pool.query(`delete from ${t('handled')} where ctid in (select ctid from ${t('handled')} where expires_at < now() limit 1000) and expires_at < now()`),
    ]).catch(() => {});
  }

  const store = {
    /** Brings the tables up to this release's version (MIGRATIONS), under a lock: safe when several instances start at once. */
    async migrate() {
      // Nothing to do at this release's version: no DDL, so no table lock that receivers already
      // running (a restarted instance beside live ones) could deadlock with.
      const { rows: found } = await pool.query('select to_regclass($1) is not null as present', [t('schema')]);
      if (found[0].present) {
        const { rows } = await pool.query(`select coalesce(max(version), 0) as version from ${t('schema')}`);
        if (Number(rows[0].version) === MIGRATIONS.length) return;
      }
      for (let attempt = 0; ; attempt++) {
        const session = await checkout();
        try {
          await session.query('begin');
          await session.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`${prefix}migrate`]);
          const [versionTable] = postgresSchema(prefix);
          await session.query(versionTable);
          const { rows } = await session.query(`select coalesce(max(version), 0) as version from ${t('schema')}`);
          const version = Number(rows[0].version);
          if (version > MIGRATIONS.length) {
            throw allpassError('STORE_FAILED', undefined, `the tables ${prefix}* are at schema version ${version}, newer than this release's ${MIGRATIONS.length}: upgrade allpass-crypto`);
          }
          for (let next = version + 1; next <= MIGRATIONS.length; next++) {
            for (const statement of MIGRATIONS[next - 1](t)) await session.query(statement);
            await session.query(`insert into ${t('schema')} (version) values ($1)`, [next]);
          }
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

    /**
     * Takes the body's free blocks for its digest and answers whether another body holds one,
     * in one call of the function `${prefix}screen` (committed at once). A block is free when no
     * body holds it or its body has expired; a body kept for good never expires. The function
     * locks every block of the body before it judges their holders, so two bodies sharing a
     * block, screened at once, cannot both find it free.
     */
    async screen({ bodyDigest, blocks }) {
      sweep();
      const { rows } = await idempotent(`select first_seen, tampered from ${t('screen')}($1, $2, $3, $4)`, [blocks.map(toBigint), bodyDigest, blockWindowMs, Date.now()]);
      return { tampered: rows[0].tampered, firstSeen: Number(rows[0].first_seen) };
    },

    /** Keeps the body, and so its blocks and first-seen time, for good. */
    async claim({ bodyDigest }) {
      await pool.query(`update ${t('bodies')} set expires_at = 'infinity', fingerprints = null where body_digest = $1`, [bodyDigest]);
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
        await session.query(`select set_config('lock_timeout', $1, true), set_config('idle_in_transaction_session_timeout', $2, true)`, [`${Math.max(1, lockWaitMs)}ms`, `${maxHoldMs + SERVER_CUT_AFTER_MS}ms`]);
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
        if (error?.code === '55P03') throw allpassError('STORE_FAILED', undefined, `another event of this applicant held its lock for more than lockWaitMs (${lockWaitMs} ms)`, { cause: error });
        throw error;
      }
      // The hold ends at maxHoldMs: `signal` first, then the connection closed, which rolls the
      // transaction back and lets the lock go; a lost connection aborts at once.
      const holder = new AbortController();
      const lose = (reason) => {
        if (!holder.signal.aborted) holder.abort(reason);
      };
      session.onLost(() => lose(allpassError('STORE_FAILED', undefined, "the event's database connection was lost: its transaction is rolled back")));
      const cut = setTimeout(() => {
        lose(allpassError('STORE_FAILED', undefined, `onEvent held its applicant for more than maxHoldMs (${maxHoldMs} ms): its transaction is rolled back`));
        session.release(holder.signal.reason);
      }, maxHoldMs);
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
  const queue = postgresQueue({ pool, prefix, checkout, rollback });
  return Object.assign(store, {
    /** Durable mode's request stage: begin()'s verdict, and a delivery to process kept (its data encrypted) in the commit that records it as handled; one round trip (the function `${prefix}enqueue`). */
    async enqueue({ applicantId, time, ids, envelope }) {
      let rows;
      try {
        ({ rows } = await pool.query(`select outcome, last_time from ${t('enqueue')}($1, $2, $3, $4, $5, $6, $7, $8)`,
          [applicantId ?? '', applicantId, applicantId ?? `\n${ids[0]}`, time === null ? null : Math.floor(time), ids, JSON.stringify(envelope), queue.channel, Math.max(1, lockWaitMs)]));
      } catch (error) {
        if (error?.code === '55P03') throw allpassError('STORE_FAILED', undefined, `another event of this applicant held its lock for more than lockWaitMs (${lockWaitMs} ms)`, { cause: error });
        throw error;
      }
      const [{ outcome, last_time: last }] = rows;
      return outcome === 'stale' ? { outcome, last: new Date(Number(last)).toISOString() } : { outcome };
    },
    queue: queue.worker,
    events: queue.events,
  });
}

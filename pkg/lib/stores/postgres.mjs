// postgresStore({ pool }): the store contract (./memory.mjs) on PostgreSQL through your own
// node-postgres `Pool` (nothing here imports `pg`). Exactly once: each event runs in one
// transaction that holds a per-applicant advisory lock, checks the handled payloads and the last
// time, hands its client to `onEvent` as `db`, and records the event in the same commit. A throw
// rolls everything back; a crashed process's transaction is rolled back and its lock released
// by the server when the connection drops; a process that hangs is cut off after `leaseMs`.
import { allpassError } from '../errors.mjs';

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;
const NAME = /^[a-z_][a-z0-9_]{0,40}$/;
/** SQLSTATEs of a concurrent CREATE that another instance won: that instance did the work. */
const CREATE_RACE = new Set(['23505', '42P06', '42P07', '42710']);

/** The DDL `migrate()` runs (also in the README), for tables named `${prefix}…`. */
export function postgresSchema(prefix = 'allpass_') {
  return [
    `create table if not exists ${prefix}applicants (applicant_id text primary key, last_time_ms bigint not null)`,
    `create table if not exists ${prefix}handled (applicant_id text not null, digest text not null, expires_at timestamptz not null, primary key (applicant_id, digest))`,
    `create index if not exists ${prefix}handled_expires on ${prefix}handled (expires_at)`,
    `create table if not exists ${prefix}blocks (fingerprint bigint primary key, body_digest text not null, expires_at timestamptz not null)`,
    `create index if not exists ${prefix}blocks_expires on ${prefix}blocks (expires_at)`,
  ];
}

/** 16 hex characters → a signed 64-bit integer's decimal text (a bigint column). */
const toBigint = (hex) => BigInt.asIntN(64, BigInt(`0x${hex}`)).toString();

/**
 * Options: `pool` (a pg `Pool`, yours: never ended here), `prefix` (table names, default
 * 'allpass_'), `duplicateWindowMs` (7 days), `lockTimeoutMs` (how long an event waits for its
 * applicant: 10 s, then 500 and Allpass retries), `leaseMs` (how long a transaction may sit idle
 * while `onEvent` runs: 60 s).
 */
export function postgresStore(options) {
  const { pool, prefix = 'allpass_', duplicateWindowMs = WEEK_MS, lockTimeoutMs = 10_000, leaseMs = 60_000 } = options ?? {};
  if (!pool || typeof pool.connect !== 'function') throw new TypeError('postgresStore({ pool }): `pool` must be a node-postgres Pool (new pg.Pool(…))');
  if (!NAME.test(prefix)) throw new TypeError('`prefix` must be a lowercase SQL name prefix such as allpass_');
  for (const [name, value] of Object.entries({ duplicateWindowMs, lockTimeoutMs, leaseMs })) {
    if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`\`${name}\` must be a whole number of milliseconds, at least 1`);
  }
  const t = (name) => `${prefix}${name}`;
  let commits = 0;

  /** A client of the pool for one transaction, with an `error` listener while it is ours (an
   * error on a checked-out client with none crashes Node), released broken if anything failed. */
  async function checkout() {
    const client = await pool.connect();
    let failure;
    const onError = (error) => (failure ??= error);
    client.on('error', onError);
    return {
      client,
      query: async (text, values) => {
        try {
          return await client.query(text, values);
        } catch (error) {
          failure ??= error;
          throw error;
        }
      },
      release() {
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

  /** Deletes expired handled payloads now and then (500 every 64 commits, one added a commit):
   * no cron needed. Expired blocks go as new ones are claimed. */
  async function sweep(session) {
    if (commits++ % 64 !== 0) return;
    await session.query(`delete from ${t('handled')} where ctid in (select ctid from ${t('handled')} where expires_at < now() limit 500)`);
  }

  return {
    async migrate() {
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
          if (!CREATE_RACE.has(error?.code) || attempt >= 3) throw error;
          await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200));
        }
      }
    },

    async checkBlocks({ digest, blocks }) {
      const { rows } = await pool.query(`select body_digest from ${t('blocks')} where fingerprint = any($1::bigint[]) and expires_at > now()`, [blocks.map(toBigint)]);
      if (rows.length === 0) return 'new';
      return rows.every((row) => row.body_digest === digest) ? 'redelivery' : 'tampered';
    },

    /**
     * Takes the body's blocks for its digest (committed at once, whatever becomes of the event),
     * sweeping twice as many expired ones as it adds; 'tampered' when one belongs to another body.
     */
    async claimBlocks({ digest, blocks }) {
      const fingerprints = blocks.map(toBigint);
      await pool.query(`with swept as (
          delete from ${t('blocks')} where ctid in (select ctid from ${t('blocks')} where expires_at < now() limit $4)
        )
        insert into ${t('blocks')} (fingerprint, body_digest, expires_at)
        select unnest($1::bigint[]), $2, now() + $3 * interval '1 millisecond' on conflict (fingerprint) do nothing`, [fingerprints, digest, duplicateWindowMs, 2 * fingerprints.length]);
      const { rows } = await pool.query(`select exists (select 1 from ${t('blocks')} where fingerprint = any($1::bigint[]) and body_digest <> $2 and expires_at > now()) as tampered`, [fingerprints, digest]);
      return rows[0].tampered ? 'tampered' : 'claimed';
    },

    async begin({ applicantId, time: exact, digest }) {
      const scope = applicantId ?? '';
      const time = exact === null ? null : Math.floor(exact); // a bigint column: whole ms
      // A payload already handled needs no lock, no client of its own: replays cost one query.
      const known = await pool.query(`select 1 from ${t('handled')} where applicant_id = $1 and digest = $2 and expires_at > now()`, [scope, digest]);
      if (known.rows.length > 0) return { outcome: 'duplicate' };
      const session = await checkout();
      try {
        await session.query('begin');
        await session.query(`select set_config('lock_timeout', $1, true), set_config('idle_in_transaction_session_timeout', $2, true)`, [`${lockTimeoutMs}ms`, `${leaseMs}ms`]);
        await session.query('select pg_advisory_xact_lock(hashtextextended($1, 7))', [applicantId ?? `\n${digest}`]);
        const { rows } = await session.query(`select
            exists (select 1 from ${t('handled')} where applicant_id = $1 and digest = $2 and expires_at > now()) as duplicate,
            (select last_time_ms from ${t('applicants')} where applicant_id = $3) as last`, [scope, digest, applicantId]);
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
      let settled = false;
      return {
        outcome: 'proceed',
        context: { db: session.client },
        async commit() {
          if (settled) return;
          settled = true;
          try {
            // One statement: the payload, and the applicant's time when it has one.
            await session.query(`with handled as (
                insert into ${t('handled')} (applicant_id, digest, expires_at) values ($1, $2, now() + $3 * interval '1 millisecond')
                on conflict (applicant_id, digest) do update set expires_at = excluded.expires_at
              )
              insert into ${t('applicants')} (applicant_id, last_time_ms) select $4::text, $5::bigint where $4::text is not null and $5::bigint is not null
                on conflict (applicant_id) do update set last_time_ms = greatest(${t('applicants')}.last_time_ms, excluded.last_time_ms)`,
              [scope, digest, duplicateWindowMs, applicantId, time]);
            await sweep(session);
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
          await rollback(session);
        },
      };
    },
  };
}

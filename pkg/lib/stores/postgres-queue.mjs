// Durable mode on PostgreSQL: the table `${prefix}events` as a queue, in the way of
// graphile-worker, Oban and River. A delivery is one row (its envelope as received: `data`
// still encrypted), added in the transaction that records it as handled (postgres.mjs), with a NOTIFY on
// `${prefix}events` that wakes the workers at its commit. A worker takes an applicant's oldest
// pending event, and only it (no earlier pending one: per-applicant order), with FOR UPDATE SKIP
// LOCKED; the take is committed at once (attempts + 1, a lease: a worker that dies keeps it
// `leaseMs`), then the event runs in a transaction that locks its row, hands its client to
// onEvent as `db` and marks it done in the same commit: exactly once.
import { allpassError } from '../errors.mjs';
import { holdFor } from './hold.mjs';

/** A stored error message's most characters: enough to see what failed. */
const ERROR_CHARS = 2000;

/** An events row as the `events` functions show it. */
function described(row) {
  return {
    id: String(row.id),
    applicantId: row.applicant_id.startsWith('\n') ? null : row.applicant_id,
    state: row.state,
    attempts: row.attempts,
    receivedAt: row.received_at.toISOString(),
    runAt: row.state === 'pending' ? row.run_at.toISOString() : null,
    finishedAt: row.finished_at?.toISOString() ?? null,
    lastError: row.last_error,
  };
}

const idOf = (id) => {
  const text = String(id).trim();
  if (!/^[1-9][0-9]{0,18}$/.test(text)) throw new TypeError(`an event id is a whole number (as \`events list\` shows), got ${JSON.stringify(String(id))}`);
  return text;
};

/** `{ channel, worker, events }` for postgresStore's tables (the request stage adds events: the function `${prefix}enqueue`); `checkout` and `rollback` are the store's. */
export function postgresQueue({ pool, prefix, checkout, rollback }) {
  const t = (name) => `${prefix}${name}`;
  const channel = `${prefix}events`;
  const columns = 'id, applicant_id, state, attempts, received_at, run_at, finished_at, last_error';

  const worker = {
    guarantee: 'exactly once',

    /** The oldest due event whose applicant has no earlier pending one, taken for `leaseMs`; null when there is none. */
    async claim({ owner, leaseMs }) {
      const { rows } = await pool.query(`update ${t('events')} set attempts = attempts + 1, locked_by = $1, locked_until = now() + $2 * interval '1 millisecond'
        where id = (
          select e.id from ${t('events')} e
          where e.state = 'pending' and e.run_at <= now() and (e.locked_until is null or e.locked_until < now())
            and not exists (select 1 from ${t('events')} p where p.applicant_id = e.applicant_id and p.state = 'pending' and p.id < e.id)
          order by e.run_at, e.id limit 1 for update skip locked)
        returning id, applicant_id, envelope, attempts`, [owner, leaseMs]);
      const row = rows[0];
      return row ? { id: String(row.id), applicantId: row.applicant_id, envelope: row.envelope, attempts: row.attempts } : null;
    },

    /**
     * Runs `work({ db, signal })` in the transaction that marks the event done. False when the
     * event is no longer this worker's (its lease ran out and another took it); throws what
     * `work` threw, its transaction rolled back.
     */
    async process(job, owner, work, maxHoldMs) {
      const session = await checkout();
      const hold = holdFor(maxHoldMs);
      session.onLost(() => hold.lose(allpassError('STORE_FAILED', undefined, "the event's database connection was lost: its transaction is rolled back")));
      try {
        await session.query('begin');
        // The row locked, and the server's own cut after ours: a process that hangs does not keep it locked.
        const { rows } = await session.query(`select set_config('idle_in_transaction_session_timeout', $3, true) from ${t('events')} where id = $1 and locked_by = $2 and state = 'pending' for update`, [job.id, owner, `${maxHoldMs + 1000}ms`]);
        if (rows.length === 0) {
          await rollback(session);
          return false;
        }
        await hold.run((signal) => work({ db: session.client, signal }));
        await session.query(`update ${t('events')} set state = 'done', finished_at = now(), locked_by = null, locked_until = null where id = $1`, [job.id]);
        await session.query('commit');
        session.release();
        return true;
      } catch (error) {
        // Past maxHoldMs onEvent may still be using the client: closed, not rolled back, so the server rolls back and nothing it sends later commits.
        if (hold.signal.aborted) session.release(hold.signal.reason);
        else await rollback(session);
        throw error;
      }
    },

    /** The attempt failed: due again after `delayMs`, or dead (kept, with its attempts and error). */
    async fail(job, owner, { message, delayMs, dead }) {
      await pool.query(`update ${t('events')} set state = case when $3 then 'dead' else 'pending' end, run_at = now() + $4 * interval '1 millisecond',
          last_error = $5, locked_by = null, locked_until = null, finished_at = case when $3 then now() end
        where id = $1 and locked_by = $2 and state = 'pending'`, [job.id, owner, dead, delayMs, String(message).slice(0, ERROR_CHARS)]);
    },

    /**
     * Calls `wake` on every NOTIFY; listens again after a lost connection (the workers poll
     * meanwhile). The listening client always has an `error` listener while it is ours (an error
     * on a checked-out client with none crashes Node), and is given back once, by whoever lets
     * it go first: its loss or `close()`.
     */
    listen(wake) {
      let held; // { client, lost }: the listening client, while it is ours
      let closed = false;
      let timer;
      const letGo = () => {
        const current = held;
        held = undefined;
        current?.client.off('error', current.lost);
        return current?.client;
      };
      const connect = async () => {
        if (closed) return;
        let client;
        try {
          client = await pool.connect();
          if (closed) return client.release();
          const lost = (error) => {
            if (held?.client !== client) return;
            letGo();
            client.release(error ?? true);
            if (!closed) timer = setTimeout(connect, 500);
          };
          held = { client, lost };
          client.on('error', lost);
          client.on('notification', () => wake());
          await client.query(`listen "${channel}"`);
          wake(); // what came while not listening
        } catch (error) {
          if (client && held?.client !== client) return; // its loss already let it go, and listens again
          letGo();
          client?.release(error ?? true);
          if (!closed) timer = setTimeout(connect, 500);
        }
      };
      const started = connect();
      return {
        async close() {
          closed = true;
          clearTimeout(timer);
          await started;
          const client = letGo();
          if (!client) return;
          const ignore = () => {};
          client.on('error', ignore);
          try {
            await client.query(`unlisten "${channel}"`);
            client.release();
          } catch (error) {
            client.release(error);
          } finally {
            client.off('error', ignore);
          }
        },
      };
    },

    /** Deletes up to 1,000 events done more than `retentionMs` ago; dead events are kept. */
    async prune(retentionMs) {
      await pool.query(`delete from ${t('events')} where id in (select id from ${t('events')} where state = 'done' and finished_at < now() - $1 * interval '1 millisecond' limit 1000)`, [retentionMs]);
    },
  };

  const events = {
    /** `{ pending, oldestPendingMs, dead, done }`: oldestPendingMs is null when nothing is pending. */
    async stats() {
      const { rows } = await pool.query(`select count(*) filter (where state = 'pending') as pending, count(*) filter (where state = 'dead') as dead, count(*) filter (where state = 'done') as done,
        floor(extract(epoch from now() - min(received_at) filter (where state = 'pending')) * 1000) as oldest from ${t('events')}`);
      const [row] = rows;
      return { pending: Number(row.pending), oldestPendingMs: row.oldest === null ? null : Number(row.oldest), dead: Number(row.dead), done: Number(row.done) };
    },

    /**
     * The newest events first (`limit`, default 100): all states, or `dead` only, or one applicant's.
     * @param {{ dead?: boolean, applicantId?: string, limit?: number }} [options]
     */
    async list({ dead = false, applicantId, limit = 100 } = {}) {
      const { rows } = await pool.query(`select ${columns} from ${t('events')}
        where ($1::boolean is false or state = 'dead') and ($2::text is null or applicant_id = $2) order by id desc limit $3`, [dead, applicantId ?? null, limit]);
      return rows.map(described);
    },

    /** One event with its envelope as stored (`data` encrypted), or null. */
    async show(id) {
      const { rows } = await pool.query(`select ${columns}, envelope from ${t('events')} where id = $1`, [idOf(id)]);
      return rows[0] ? { ...described(rows[0]), envelope: JSON.parse(rows[0].envelope) } : null;
    },

    /**
     * Dead events due again at once, attempts from 0: one (`id`) or every one (`{ dead: true }`).
     * A dead event of an applicant with a newer event kept since stays dead: newest wins, so
     * applying it after that one would put the applicant back. `{ retried, superseded, missing }`: ids.
     */
    async retry(which) {
      const all = which !== null && typeof which === 'object' && which.dead === true;
      const id = all ? null : idOf(which);
      const { rows } = await pool.query(`with chosen as (
          select e.id, exists (select 1 from ${t('events')} n where n.applicant_id = e.applicant_id and n.id > e.id) as superseded
          from ${t('events')} e where e.state = 'dead' and ($1::bigint is null or e.id = $1::bigint) for update
        ), retried as (
          update ${t('events')} e set state = 'pending', attempts = 0, run_at = now(), finished_at = null from chosen where e.id = chosen.id and not chosen.superseded returning e.id
        )
        select chosen.id, chosen.superseded, (select pg_notify($2, '') from retried limit 1) as notified from chosen order by chosen.id`, [id, channel]);
      const retried = rows.filter((row) => !row.superseded).map((row) => String(row.id));
      const superseded = rows.filter((row) => row.superseded).map((row) => String(row.id));
      return { retried, superseded, missing: id !== null && rows.length === 0 ? [id] : [] };
    },
  };

  return { channel, worker, events };
}

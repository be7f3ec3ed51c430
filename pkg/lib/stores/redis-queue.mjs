// Durable mode on Redis: a stream of tickets read by a consumer group, and per-applicant order
// kept by our own scripts (a group spreads one applicant's entries over its consumers). Every
// key lives in one Cluster slot, `{queue}`:
//   E:<id>     an event (a hash): applicant, envelope (data still encrypted), state, attempts,
//              runAt, lastError, receivedAt, finishedAt, holder, holderUntil, ticket
//   A:<scope>  the applicant's events not finished, oldest first (a list); only its head runs
//   L:<scope>  the applicant's newest event id (a dead event older than it stays dead: newest wins)
//   stream     tickets: an entry { e: id } for an event that may run now (its applicant's head,
//              due); read with XREADGROUP, a dead consumer's taken over with XAUTOCLAIM, XACKed
//              and XDELed once the event is done, failed or not runnable
//   pending, dead, done, delayed: sorted sets of event ids (by received, died, finished, due)
// At least once: onEvent's effects and the event's `done` are not one transaction.
import { allpassError } from '../errors.mjs';
import { holdFor } from './hold.mjs';

// KEYS: the {queue} base. ARGV: scope, envelope, now. Adds the event; a ticket if it is its applicant's head.
const QUEUE_ADD = `
local base = KEYS[1]
local id = redis.call('INCR', base .. 'next')
local event = base .. 'E:' .. id
redis.call('HSET', event, 'applicant', ARGV[1], 'envelope', ARGV[2], 'state', 'pending', 'attempts', 0, 'runAt', ARGV[3], 'receivedAt', ARGV[3])
redis.call('ZADD', base .. 'pending', ARGV[3], id)
redis.call('SET', base .. 'L:' .. ARGV[1], id)
if redis.call('RPUSH', base .. 'A:' .. ARGV[1], id) == 1 then
  redis.call('HSET', event, 'ticket', redis.call('XADD', base .. 'stream', '*', 'e', id))
end
return id`;

// KEYS: base. ARGV: ticket id, event id, holder token, now, lease. Takes the event if it is its
// applicant's head, pending, due and not held by a live holder: {envelope, attempts}; else the
// ticket is dropped ({}) (a new one comes when the event can run).
const QUEUE_TAKE = `
local base = KEYS[1]
local event = base .. 'E:' .. ARGV[2]
local now = tonumber(ARGV[4])
local state, scope, runAt, holderUntil = unpack(redis.call('HMGET', event, 'state', 'applicant', 'runAt', 'holderUntil'))
local runnable = state == 'pending' and redis.call('LINDEX', base .. 'A:' .. scope, 0) == ARGV[2] and tonumber(runAt) <= now and not (holderUntil and tonumber(holderUntil) > now)
if not runnable then
  local ticket = redis.call('HGET', event, 'ticket')
  -- A live holder's own ticket stays (its end acks it); any other is dropped.
  if not (holderUntil and tonumber(holderUntil) > now and state == 'pending' and ticket == ARGV[1]) then
    redis.call('XACK', base .. 'stream', 'workers', ARGV[1])
    redis.call('XDEL', base .. 'stream', ARGV[1])
    if ticket == ARGV[1] then redis.call('HDEL', event, 'ticket') end
  end
  return {}
end
local attempts = redis.call('HINCRBY', event, 'attempts', 1)
redis.call('HSET', event, 'holder', ARGV[3], 'holderUntil', now + tonumber(ARGV[5]), 'ticket', ARGV[1])
return {redis.call('HGET', event, 'envelope'), attempts}`;

// KEYS: base. ARGV: event id, holder, now, lease, ticket. Extends a live hold (and keeps the ticket its own).
const QUEUE_EXTEND = `
local event = KEYS[1] .. 'E:' .. ARGV[1]
if redis.call('HGET', event, 'holder') ~= ARGV[2] then return 0 end
redis.call('HSET', event, 'holderUntil', tonumber(ARGV[3]) + tonumber(ARGV[4]))
return 1`;

// The end of an attempt, shared by DONE and FAIL (Lua text, prepended): only by the event's
// holder; the ticket acked and deleted; and, when it leaves its applicant's list, a ticket for
// the next head.
const FINISH = `
local function release(base, id, event)
  local ticket = redis.call('HGET', event, 'ticket')
  if ticket then
    redis.call('XACK', base .. 'stream', 'workers', ticket)
    redis.call('XDEL', base .. 'stream', ticket)
  end
  redis.call('HDEL', event, 'holder', 'holderUntil', 'ticket')
end
local function ended(base, id, holder)
  local event = base .. 'E:' .. id
  if redis.call('HGET', event, 'holder') ~= holder then return nil end
  release(base, id, event)
  return event, redis.call('HGET', event, 'applicant')
end
local function next_head(base, scope)
  local head = redis.call('LINDEX', base .. 'A:' .. scope, 0)
  if head then
    local event = base .. 'E:' .. head
    if not redis.call('HGET', event, 'ticket') then
      redis.call('HSET', event, 'ticket', redis.call('XADD', base .. 'stream', '*', 'e', head))
    end
  else
    redis.call('DEL', base .. 'A:' .. scope)
  end
end`;

// KEYS: base. ARGV: event id, holder, now. Marks it done (if the hold is still this holder's).
const QUEUE_DONE = `${FINISH}
local base = KEYS[1]
local event, scope = ended(base, ARGV[1], ARGV[2])
if not event then return 0 end
redis.call('HSET', event, 'state', 'done', 'finishedAt', ARGV[3])
redis.call('ZREM', base .. 'pending', ARGV[1])
redis.call('ZADD', base .. 'done', ARGV[3], ARGV[1])
redis.call('LREM', base .. 'A:' .. scope, 1, ARGV[1])
next_head(base, scope)
return 1`;

// KEYS: base. ARGV: event id, holder, now, dead ('1' or ''), delay, error. Dead, or due again after delay.
const QUEUE_FAIL = `${FINISH}
local base = KEYS[1]
local event, scope = ended(base, ARGV[1], ARGV[2])
if not event then return 0 end
redis.call('HSET', event, 'lastError', ARGV[6])
if ARGV[4] == '1' then
  redis.call('HSET', event, 'state', 'dead', 'finishedAt', ARGV[3])
  redis.call('ZREM', base .. 'pending', ARGV[1])
  redis.call('ZADD', base .. 'dead', ARGV[3], ARGV[1])
  redis.call('LREM', base .. 'A:' .. scope, 1, ARGV[1])
  next_head(base, scope)
else
  local due = tonumber(ARGV[3]) + tonumber(ARGV[5])
  redis.call('HSET', event, 'runAt', due)
  redis.call('ZADD', base .. 'delayed', due, ARGV[1])
end
return 1`;

// KEYS: base. ARGV: now. Tickets for the retries now due, and for heads whose holder's lease ran out.
const QUEUE_PROMOTE = `
local base = KEYS[1]
local due = redis.call('ZRANGEBYSCORE', base .. 'delayed', '-inf', ARGV[1], 'LIMIT', 0, 1000)
for _, id in ipairs(due) do
  redis.call('ZREM', base .. 'delayed', id)
  local event = base .. 'E:' .. id
  if redis.call('HGET', event, 'state') == 'pending' and not redis.call('HGET', event, 'ticket') then
    redis.call('HSET', event, 'ticket', redis.call('XADD', base .. 'stream', '*', 'e', id))
  end
end
return #due`;

// KEYS: base. ARGV: event id, now. A dead event due again, unless a newer event of its applicant was kept: 'retried' | 'superseded' | 'missing'.
const QUEUE_RETRY = `
local base = KEYS[1]
local event = base .. 'E:' .. ARGV[1]
if redis.call('HGET', event, 'state') ~= 'dead' then return 'missing' end
local scope = redis.call('HGET', event, 'applicant')
if redis.call('GET', base .. 'L:' .. scope) ~= ARGV[1] then return 'superseded' end
redis.call('HSET', event, 'state', 'pending', 'attempts', 0, 'runAt', ARGV[2])
redis.call('HDEL', event, 'finishedAt')
redis.call('ZREM', base .. 'dead', ARGV[1])
redis.call('ZADD', base .. 'pending', redis.call('HGET', event, 'receivedAt'), ARGV[1])
redis.call('RPUSH', base .. 'A:' .. scope, ARGV[1])
if redis.call('LINDEX', base .. 'A:' .. scope, 0) == ARGV[1] then
  redis.call('HSET', event, 'ticket', redis.call('XADD', base .. 'stream', '*', 'e', ARGV[1]))
end
return 'retried'`;

// KEYS: base. ARGV: before (ms). Deletes up to 1,000 events done before then.
const QUEUE_PRUNE = `
local base = KEYS[1]
local old = redis.call('ZRANGEBYSCORE', base .. 'done', '-inf', ARGV[1], 'LIMIT', 0, 1000)
for _, id in ipairs(old) do
  redis.call('DEL', base .. 'E:' .. id)
  redis.call('ZREM', base .. 'done', id)
end
return #old`;

export const QUEUE_SCRIPTS = { QUEUE_ADD, QUEUE_TAKE, QUEUE_EXTEND, QUEUE_DONE, QUEUE_FAIL, QUEUE_PROMOTE, QUEUE_RETRY, QUEUE_PRUNE };

/** A flat [field, value, …] reply (both clients give arrays for raw commands) as an object. */
function fields(reply) {
  const object = {};
  for (let i = 0; i + 1 < reply.length; i += 2) object[String(reply[i])] = String(reply[i + 1]);
  return object;
}

const idOf = (id) => {
  const text = String(id).trim();
  if (!/^[1-9][0-9]{0,15}$/.test(text)) throw new TypeError(`an event id is a whole number (as \`events list\` shows), got ${JSON.stringify(String(id))}`);
  return text;
};

const iso = (ms) => (ms === undefined ? null : new Date(Number(ms)).toISOString());

/**
 * `{ add, worker, events }` for redisStore: `send(args)` a raw command, `run(name, keys, args)`
 * a script, `duplicate()` a new connection of the same client for the blocking read.
 */
export function redisQueue({ prefix, send, run, duplicate }) {
  const base = `${prefix}{queue}:`;
  const stream = `${base}stream`;
  const keys = [base];
  let grouped;
  /** The consumer group, made once (BUSYGROUP: it exists). */
  const group = () => (grouped ??= send(['XGROUP', 'CREATE', stream, 'workers', '0', 'MKSTREAM']).catch((error) => {
    if (!String(error?.message ?? error).includes('BUSYGROUP')) {
      grouped = undefined;
      throw error;
    }
  }));

  /** The event by id, as the `events` functions show it (null if there is none). */
  async function describe(id, withEnvelope = false) {
    const event = fields(await send(['HGETALL', `${base}E:${id}`]));
    if (!event.state) return null;
    const shown = {
      id,
      applicantId: event.applicant.startsWith('\n') ? null : event.applicant,
      state: event.state,
      attempts: Number(event.attempts),
      receivedAt: iso(event.receivedAt),
      runAt: event.state === 'pending' ? iso(event.runAt) : null,
      finishedAt: iso(event.finishedAt),
      lastError: event.lastError ?? null,
    };
    return withEnvelope ? { ...shown, envelope: JSON.parse(event.envelope) } : shown;
  }

  let lastPromote = 0;
  let lastSweep = 0;
  const worker = {
    guarantee: 'at least once',

    async claim({ owner, leaseMs }) {
      try {
        return await claimFor(owner, leaseMs);
      } catch (error) {
        // A Redis that restarted empty has no group: made again on the next claim.
        if (String(error?.message ?? error).includes('NOGROUP')) grouped = undefined;
        throw error;
      }
    },

    /** Runs `work({ signal })` while the hold is renewed; marks the event done. False when the hold was lost. */
    async process(job, owner, work, maxHoldMs) {
      const hold = holdFor(maxHoldMs);
      const renew = setInterval(() => {
        run('QUEUE_EXTEND', keys, [job.id, owner, Date.now(), job.leaseMs]).then(
          (held) => {
            if (Number(held) !== 1) hold.lose(allpassError('STORE_FAILED', undefined, "the event's hold was lost (its lease ran out): another worker may run it"));
          },
          () => {},
        );
        send(['XCLAIM', stream, 'workers', owner, '0', job.ticket, 'JUSTID']).catch(() => {});
      }, Math.max(1, Math.floor(job.leaseMs / 3)));
      try {
        await hold.run((signal) => work({ signal }));
      } finally {
        clearInterval(renew);
      }
      return Number(await run('QUEUE_DONE', keys, [job.id, owner, Date.now()])) === 1;
    },

    async fail(job, owner, { message, delayMs, dead }) {
      await run('QUEUE_FAIL', keys, [job.id, owner, Date.now(), dead ? '1' : '', delayMs, String(message).slice(0, 2000)]);
    },

    /** Wakes the workers on every new ticket: a blocking XREAD on a connection of its own. */
    listen(wake) {
      let closed = false;
      let connection;
      const loop = (async () => {
        while (!closed) {
          try {
            connection ??= await duplicate();
            let last = '$';
            while (!closed) {
              const reply = await connection.send(['XREAD', 'BLOCK', '1000', 'STREAMS', stream, last]);
              const entries = reply?.[0]?.[1];
              if (entries?.length) {
                last = String(entries[entries.length - 1][0]);
                wake();
              }
            }
          } catch {
            await connection?.close().catch(() => {});
            connection = undefined;
            if (!closed) await new Promise((resolve) => setTimeout(resolve, 500));
          }
        }
      })();
      return {
        async close() {
          closed = true;
          await connection?.close().catch(() => {});
          await loop;
        },
      };
    },

    async prune(retentionMs) {
      await run('QUEUE_PRUNE', keys, [Date.now() - retentionMs]);
    },
  };

  /** A ticket read (the retries now due first, and a dead consumer's after leaseMs), and its event taken; null when none can run. */
  async function claimFor(owner, leaseMs) {
    await group();
    const now = Date.now();
    // At most every 5 ms: a worker woken for its own retry (due a few ms later) promotes it.
    if (now - lastPromote >= 5) {
      lastPromote = now;
      await run('QUEUE_PROMOTE', keys, [now]);
    }
    if (now - lastSweep >= Math.min(leaseMs, 1000)) {
      lastSweep = now;
      // Tickets a consumer took and did not finish within a lease (it died): ours now.
      const [, claimed] = await send(['XAUTOCLAIM', stream, 'workers', owner, String(leaseMs), '0-0', 'COUNT', '16']);
      for (const [ticket, entry] of claimed ?? []) {
        if (!entry) continue;
        const job = await take(ticket, fields(entry).e, owner, leaseMs);
        if (job) return job;
      }
    }
    for (;;) {
      const reply = await send(['XREADGROUP', 'GROUP', 'workers', owner, 'COUNT', '1', 'STREAMS', stream, '>']);
      const entry = reply?.[0]?.[1]?.[0];
      if (!entry) return null;
      const job = await take(String(entry[0]), fields(entry[1]).e, owner, leaseMs);
      if (job) return job;
    }
    }

  async function take(ticket, id, owner, leaseMs) {
    const taken = await run('QUEUE_TAKE', keys, [ticket, id, owner, Date.now(), leaseMs]);
    if (!taken || taken.length === 0) return null;
    return { id: String(id), envelope: String(taken[0]), attempts: Number(taken[1]), ticket, leaseMs };
  }

  const events = {
    async stats() {
      const [pending, dead, done, oldest] = await Promise.all([send(['ZCARD', `${base}pending`]), send(['ZCARD', `${base}dead`]), send(['ZCARD', `${base}done`]), send(['ZRANGE', `${base}pending`, '0', '0', 'WITHSCORES'])]);
      return { pending: Number(pending), oldestPendingMs: oldest.length ? Math.max(0, Date.now() - Number(oldest[1])) : null, dead: Number(dead), done: Number(done) };
    },

    /** @param {{ dead?: boolean, applicantId?: string, limit?: number }} [options] */
    async list({ dead = false, applicantId, limit = 100 } = {}) {
      const sets = dead ? ['dead'] : ['pending', 'dead', 'done'];
      const ids = (await Promise.all(sets.map((set) => send(['ZRANGE', `${base}${set}`, '0', '-1'])))).flat().map(Number).sort((a, b) => b - a);
      const shown = [];
      for (const id of ids) {
        const event = await describe(String(id));
        if (event && (applicantId === undefined || event.applicantId === applicantId)) shown.push(event);
        if (shown.length >= limit) break;
      }
      return shown;
    },

    show: (id) => describe(idOf(id), true),

    async retry(which) {
      const all = which !== null && typeof which === 'object' && which.dead === true;
      const ids = all ? (await send(['ZRANGE', `${base}dead`, '0', '-1'])).map(String) : [idOf(which)];
      const result = { retried: [], superseded: [], missing: [] };
      for (const id of ids) result[String(await run('QUEUE_RETRY', keys, [id, Date.now()]))].push(id);
      return result;
    },
  };

  return {
    async add(scope, envelope) {
      await run('QUEUE_ADD', keys, [scope, JSON.stringify(envelope), Date.now()]);
    },
    worker,
    events,
  };
}

// redisStore(client): the store contract (./memory.mjs) on Redis, through your own connected
// client: node-redis 5 (`createClient()`) or ioredis (`new Redis()`); nothing here imports either.
// At least once: the delivery is recorded as handled after `onEvent` resolved, so a crash between
// the two runs `onEvent` again on Allpass's retry. Each step is one Lua script (atomic): begin checks the
// handled deliveries and the last time and takes the applicant's lock with a lease and a fencing
// token; commit records only while that token still holds the lock, so a holder whose lease ran
// out cannot record over the next one. All of an applicant's keys share the hash tag
// `{applicantId}` (one Redis Cluster slot).
import { allpassError } from '../errors.mjs';
import { storeOptions } from './options.mjs';
import { QUEUE_SCRIPTS, redisQueue } from './redis-queue.mjs';

// An applicant's record is one hash, kept as long as the applicant is (it is what makes a
// handled delivery a duplicate for ever): `last` (ms), `fence` (the lock counter) and `h:<id>`
// for each handled delivery (32 bytes a field). The lock is a key of its own with a lease.
// Records written by the release before this one kept the time in a key `…:last`: read when the
// hash has none.

// KEYS: lock, record, the earlier release's last. ARGV: lease, time ('' for none), random, ids…
// The time is claimed as the applicant's last when its event starts, not when it is recorded:
// Redis cannot undo what onEvent wrote, so once a newer event may have written, no older one
// may run after it, even if the newer one's process dies before recording (it is retried: an
// equal time is not stale).
const BEGIN = `
if redis.call('EXISTS', KEYS[1]) == 1 then return {'locked'} end
for i = 4, #ARGV do
  if redis.call('HEXISTS', KEYS[2], 'h:' .. ARGV[i]) == 1 then return {'duplicate'} end
end
local last = redis.call('HGET', KEYS[2], 'last') or redis.call('GET', KEYS[3])
if ARGV[2] ~= '' and last and tonumber(last) > tonumber(ARGV[2]) then return {'stale', last} end
local token = redis.call('HINCRBY', KEYS[2], 'fence', 1) .. ':' .. ARGV[3]
redis.call('SET', KEYS[1], token, 'PX', ARGV[1])
if ARGV[2] ~= '' then redis.call('HSET', KEYS[2], 'last', ARGV[2]) end
return {'proceed', token}`;

// KEYS: lock, record. ARGV: token, ids… Records the delivery as handled, only while the token
// still holds the lock (fencing), and lets the applicant go.
const COMMIT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
for i = 2, #ARGV do redis.call('HSET', KEYS[2], 'h:' .. ARGV[i], '1') end
redis.call('DEL', KEYS[1])
return 1`;

// KEYS: lock. ARGV: token. Lets the applicant go, if the lock is still this holder's.
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

// KEYS: lock. ARGV: token, lease. Extends the lease of a holder that still holds it.
const EXTEND = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

// The block memory, one Cluster slot ({blocks}), by body: a block's claim lives as long as the
// body that holds it, so keeping a body for good is one entry taken out of one zset, not one per
// block. KEYS[1] a hash fingerprint → the digest of the body holding it; KEYS[2] the release
// before's zset fingerprint → expiry, dropped here (that release claimed blocks only for bodies
// that decrypted to an acceptable payload: they are kept for good; and a Redis store has no
// migration step its users must run); KEYS[3] a hash body digest →
// first seen (ms); KEYS[4] a zset body digest → expiry, for the bodies not kept for good;
// KEYS[5] a hash body digest → its fingerprints, so that an expired body's blocks go with it. A
// holder is live while its expiry is ahead, or when it has none (kept for good).

// ARGV: now, digest, expiry, fingerprints… Sweeps two expired bodies with their blocks, takes the
// free blocks for the body, records when the body was first seen, and answers
// {'tampered' | 'clear', first seen}.
const SCREEN = `
local now = tonumber(ARGV[1])
local me = ARGV[2]
redis.call('UNLINK', KEYS[2])
for _, body in ipairs(redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now, 'LIMIT', 0, 2)) do
  for fingerprint in string.gmatch(redis.call('HGET', KEYS[5], body) or '', '%x+') do
    if redis.call('HGET', KEYS[1], fingerprint) == body then redis.call('HDEL', KEYS[1], fingerprint) end
  end
  redis.call('HDEL', KEYS[5], body)
  redis.call('HDEL', KEYS[3], body)
  redis.call('ZREM', KEYS[4], body)
end
local known = {}
local function live(holder)
  if known[holder] == nil then
    local expiry = redis.call('ZSCORE', KEYS[4], holder)
    known[holder] = not expiry or tonumber(expiry) > now
  end
  return known[holder]
end
local tampered = false
for i = 4, #ARGV, 500 do
  local last = math.min(i + 499, #ARGV)
  local holders = redis.call('HMGET', KEYS[1], unpack(ARGV, i, last))
  local taken = {}
  for j = 1, #holders do
    local fingerprint = ARGV[i + j - 1]
    local holder = holders[j]
    if holder ~= me then
      if holder and live(holder) then
        tampered = true
      else
        taken[#taken + 1] = fingerprint
        taken[#taken + 1] = me
      end
    end
  end
  if #taken > 0 then redis.call('HSET', KEYS[1], unpack(taken)) end
end
local seen = redis.call('HGET', KEYS[3], me)
local expiry = seen and redis.call('ZSCORE', KEYS[4], me)
if not seen or (expiry and tonumber(expiry) <= now) then
  seen = ARGV[1]
  redis.call('HSET', KEYS[3], me, seen)
  redis.call('ZADD', KEYS[4], ARGV[3], me)
  redis.call('HSET', KEYS[5], me, table.concat(ARGV, ' ', 4))
end
if tampered then return {'tampered', seen} end
return {'clear', seen}`;

// ARGV: digest. Keeps the body, and so its blocks and first-seen time, for good.
const CLAIM = `
if redis.call('ZREM', KEYS[4], ARGV[1]) == 1 then redis.call('HDEL', KEYS[5], ARGV[1]) end
return 1`;

const SCRIPTS = { BEGIN, COMMIT, RELEASE, EXTEND, SCREEN, CLAIM, ...QUEUE_SCRIPTS };

async function sha1(text) {
  const bytes = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-1', new TextEncoder().encode(text)));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * One way to send a raw command, whichever client this is: ioredis has `call` (and
 * `defineCommand`), node-redis 5 has `sendCommand`. Every argument goes as a string.
 */
function commandSender(client) {
  if (client && typeof client.call === 'function' && typeof client.defineCommand === 'function') return (args) => client.call(...args);
  if (client && typeof client.sendCommand === 'function') return (args) => client.sendCommand(args);
  throw new TypeError('redisStore(client): `client` must be a connected node-redis 5 client (createClient) or an ioredis client (new Redis)');
}

/**
 * Options: `prefix` (key prefix, default 'allpass:'), `blockWindowMs` (how long the blocks of a
 * body that did not decrypt to an acceptable payload are kept: 7 days), `leaseMs` (how long a
 * lock outlives a crashed holder: 30 s; a live holder extends it while `onEvent` runs, for
 * `maxHoldMs` at most: 60 s), `lockWaitMs` (how long an event waits for its applicant: 10 s,
 * then 500). `signal` is aborted a third of a lease before the lock can be lost: at `maxHoldMs`,
 * or when a renewal fails. `context.fencingToken` is `N:random`, N growing with every lock
 * taken on the applicant.
 */
export function redisStore(client, options = {}) {
  const send = commandSender(client);
  const { prefix = 'allpass:' } = options;
  if (typeof prefix !== 'string') throw new TypeError('`prefix` must be a string');
  if (options.duplicateWindowMs !== undefined) throw new TypeError('`duplicateWindowMs` is gone: handled deliveries are kept as long as their applicant; `blockWindowMs` bounds the blocks of bodies that never decrypted');
  const { blockWindowMs, leaseMs, lockWaitMs, maxHoldMs } = storeOptions(options, ['blockWindowMs', 'leaseMs', 'lockWaitMs', 'maxHoldMs']);
  // SHA-1s of the scripts, computed once; a failure is not cached (it is tried again next time).
  let hashes;
  const hashesOf = () => (hashes ??= Promise.all(Object.entries(SCRIPTS).map(async ([name, text]) => [name, await sha1(text)])).then(Object.fromEntries, (error) => {
    hashes = undefined;
    throw error;
  }));

  /** EVALSHA, and EVAL when the server has not got the script (a restart, a failover, SCRIPT FLUSH). */
  async function run(name, keys, args) {
    const sha = (await hashesOf())[name];
    const tail = [String(keys.length), ...keys, ...args.map(String)];
    try {
      return await send(['EVALSHA', sha, ...tail]);
    } catch (error) {
      if (!String(error?.message ?? error).includes('NOSCRIPT')) throw error;
      return send(['EVAL', SCRIPTS[name], ...tail]);
    }
  }

  const keysOf = (scope) => {
    const tag = `${prefix}{${scope}}`;
    return { lock: `${tag}:lock`, record: `${tag}:applicant`, earlierLast: `${tag}:last` };
  };
  const blockKeys = [`${prefix}{blocks}`, `${prefix}{blocks}:expiry`, `${prefix}{blocks}:bodies`, `${prefix}{blocks}:bodies:expiry`, `${prefix}{blocks}:bodies:blocks`];

  /** The hold on an applicant: renewed every third of a lease up to maxHoldMs; `signal` aborted a third of a lease before the lock can go. */
  function hold(lock, token, sentAt) {
    const holder = new AbortController();
    const start = Date.now();
    let renewedAt = sentAt; // when the command that last set the lease was sent: it lasts leaseMs from then at least
    const lose = (message) => {
      if (!holder.signal.aborted) holder.abort(allpassError('STORE_FAILED', undefined, message));
    };
    const check = () => {
      const deadline = Math.min(start + maxHoldMs, renewedAt + leaseMs) - leaseMs / 3;
      if (Date.now() >= deadline) {
        lose(Date.now() >= start + maxHoldMs - leaseMs / 3 ? `onEvent held its applicant for maxHoldMs (${maxHoldMs} ms): another process may take it over` : 'the applicant lock could not be renewed: another process may take it over');
        return stop();
      }
      const sent = Date.now();
      if (sent + leaseMs > start + maxHoldMs) return; // no renewal past maxHoldMs
      run('EXTEND', [lock], [token, leaseMs]).then(
        (extended) => (Number(extended) === 1 ? (renewedAt = sent) : lose('the applicant lock was lost (its lease ran out, or Redis restarted)')),
        () => {},
      );
    };
    const timer = setInterval(check, Math.max(1, Math.floor(leaseMs / 6)));
    timer.unref?.();
    const stop = () => clearInterval(timer);
    return { signal: holder.signal, stop };
  }

  /** Another connection of the same client, for durable mode's blocking read (a blocking command must not hold up the shared one). */
  async function duplicate() {
    const copy = client.duplicate();
    copy.on?.('error', () => {});
    if (typeof copy.defineCommand === 'function') return { send: (args) => copy.call(...args), close: async () => copy.disconnect() };
    await copy.connect();
    return { send: (args) => copy.sendCommand(args), close: async () => (typeof copy.destroy === 'function' ? copy.destroy() : copy.disconnect()) };
  }

  const store = {
    async migrate() {
      for (const text of Object.values(SCRIPTS)) await send(['SCRIPT', 'LOAD', text]);
    },

    async screen({ bodyDigest, blocks }) {
      const now = Date.now();
      const [verdict, seen] = await run('SCREEN', blockKeys, [now, bodyDigest, now + blockWindowMs, ...blocks]);
      return { tampered: String(verdict) === 'tampered', firstSeen: Number(seen) };
    },

    async claim({ bodyDigest }) {
      await run('CLAIM', blockKeys, [bodyDigest]);
    },

    async begin({ applicantId, time, ids }) {
      const keys = keysOf(applicantId ?? `\n${ids[0]}`);
      const random = Array.from(globalThis.crypto.getRandomValues(new Uint32Array(2)), (word) => word.toString(36)).join('');
      const giveUp = Date.now() + lockWaitMs;
      let answer;
      let sentAt;
      for (let wait = 5; ; wait = Math.min(wait * 2, 200)) {
        sentAt = Date.now();
        answer = await run('BEGIN', [keys.lock, keys.record, keys.earlierLast], [leaseMs, time ?? '', random, ...ids]);
        if (answer[0] !== 'locked') break;
        if (Date.now() >= giveUp) throw allpassError('STORE_FAILED', undefined, `another event of this applicant held its lock for more than lockWaitMs (${lockWaitMs} ms)`);
        await new Promise((resolve) => setTimeout(resolve, wait * (0.5 + Math.random())));
      }
      if (answer[0] === 'duplicate') return { outcome: 'duplicate' };
      if (answer[0] === 'stale') return { outcome: 'stale', last: new Date(Number(answer[1])).toISOString() };
      const token = String(answer[1]);
      const held = hold(keys.lock, token, sentAt);
      let settled = false;
      return {
        outcome: 'proceed',
        context: { fencingToken: token },
        signal: held.signal,
        async commit() {
          if (settled) return;
          settled = true;
          held.stop();
          // onEvent was told to stop: what it did may be incomplete, so nothing is recorded (500, retried).
          if (held.signal.aborted) {
            await run('RELEASE', [keys.lock], [token]);
            throw held.signal.reason;
          }
          const recorded = await run('COMMIT', [keys.lock, keys.record], [token, ...ids]);
          if (Number(recorded) !== 1) {
            throw allpassError('STORE_FAILED', undefined, 'the applicant lock was lost before the event was recorded (its lease ran out, it was held past maxHoldMs, or Redis restarted): answered 500, so Allpass retries');
          }
        },
        async abort() {
          if (settled) return;
          settled = true;
          held.stop();
          await run('RELEASE', [keys.lock], [token]);
        },
      };
    },
  };
  const queue = redisQueue({ prefix, send, run, duplicate });
  return Object.assign(store, {
    /** Durable mode's request stage: the same verdict as begin(), and a delivery to process kept (its data encrypted) before it is recorded as handled (a crash between the two keeps it twice: at least once). */
    async enqueue({ applicantId, time, ids, envelope }) {
      const lease = await store.begin({ applicantId, time, ids });
      if (lease.outcome !== 'proceed') return lease;
      try {
        await queue.add(applicantId ?? `\n${ids[0]}`, envelope);
      } catch (error) {
        await lease.abort();
        throw error;
      }
      await lease.commit();
      return { outcome: 'queued' };
    },
    queue: queue.worker,
    events: queue.events,
  });
}

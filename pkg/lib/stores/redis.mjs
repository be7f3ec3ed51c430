// redisStore(client): the store contract (./memory.mjs) on Redis, through your own connected
// client: node-redis 5 (`createClient()`) or ioredis (`new Redis()`); nothing here imports either.
// At least once: the payload is recorded as handled after `onEvent` resolved, so a crash between
// the two runs `onEvent` again on Allpass's retry. Each step is one Lua script (atomic): begin checks the
// handled payloads and the last time and takes the applicant's lock with a lease and a fencing
// token; commit records only while that token still holds the lock, so a holder whose lease ran
// out cannot record over the next one. All of an applicant's keys share the hash tag
// `{applicantId}` (one Redis Cluster slot).
import { allpassError } from '../errors.mjs';

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

// KEYS: lock, last, handled, fence. ARGV: now, lease, time ('' for none), digest, random, window.
// The time is claimed as the applicant's last when its event starts, not when it is recorded:
// Redis cannot undo what onEvent wrote, so once a newer event may have written, no older one
// may run after it, even if the newer one's process dies before recording (it is retried: an
// equal time is not stale).
const BEGIN = `
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 1 then return {'locked'} end
if redis.call('ZSCORE', KEYS[3], ARGV[4]) then return {'duplicate'} end
local last = redis.call('GET', KEYS[2])
if ARGV[3] ~= '' and last and tonumber(last) > tonumber(ARGV[3]) then return {'stale', last} end
local token = redis.call('INCR', KEYS[4]) .. ':' .. ARGV[5]
redis.call('SET', KEYS[1], token, 'PX', ARGV[2])
if ARGV[3] ~= '' then redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[6]) end
return {'proceed', token}`;

// KEYS: lock, handled. ARGV: token, digest, expiry, window. Records the payload as handled,
// only while the token still holds the lock (fencing), and lets the applicant go.
const COMMIT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
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

// Blocks: KEYS[1] a hash fingerprint → the digest of the body that claimed it, KEYS[2] a zset
// fingerprint → expiry (ms), for sweeping. Fingerprints are read 1,000 at a time (HMGET), well
// inside Lua's limit on unpack.
const OWNERS = `
local function owners(from)
  local own = false
  for i = from, #ARGV, 1000 do
    local found = redis.call('HMGET', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV)))
    for j = 1, #found do
      local owner = found[j]
      if owner then
        if owner ~= ARGV[2] then return 'tampered' end
        own = true
      end
    end
  end
  if own then return 'redelivery' end
  return 'new'
end`;

// ARGV: now, digest, fingerprints… 'tampered' when a block belongs to another body,
// 'redelivery' when blocks belong to this one, else 'new'.
const CHECK_BLOCKS = `${OWNERS}
return owners(3)`;

// ARGV: now, digest, expiry, sweep, fingerprints… Sweeps up to `sweep` expired blocks, then
// takes the body's blocks for its digest unless one belongs to another body ('tampered').
const CLAIM_BLOCKS = `${OWNERS}
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[4]))
for i = 1, #expired, 1000 do
  local batch = { unpack(expired, i, math.min(i + 999, #expired)) }
  redis.call('HDEL', KEYS[1], unpack(batch))
  redis.call('ZREM', KEYS[2], unpack(batch))
end
if owners(5) == 'tampered' then return 'tampered' end
for i = 5, #ARGV do
  if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[2]) == 1 then redis.call('ZADD', KEYS[2], ARGV[3], ARGV[i]) end
end
return 'claimed'`;

const SCRIPTS = { BEGIN, COMMIT, RELEASE, EXTEND, CHECK_BLOCKS, CLAIM_BLOCKS };

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
 * Options: `prefix` (key prefix, default 'allpass:'), `duplicateWindowMs` (7 days), `leaseMs`
 * (how long a lock outlives a crashed holder: 30 s; a live holder extends it while `onEvent`
 * runs, for `maxHoldMs` at most: 60 s), `lockWaitMs` (how long an event waits for its
 * applicant: 10 s, then 500). `context.fencingToken` is `N:random`, N growing with every lock
 * taken on the applicant (the counter never expires).
 */
export function redisStore(client, { prefix = 'allpass:', duplicateWindowMs = WEEK_MS, leaseMs = 30_000, lockWaitMs = 10_000, maxHoldMs = 60_000 } = {}) {
  const send = commandSender(client);
  if (typeof prefix !== 'string') throw new TypeError('`prefix` must be a string');
  for (const [name, value] of Object.entries({ duplicateWindowMs, leaseMs, lockWaitMs, maxHoldMs })) {
    if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`\`${name}\` must be a whole number of milliseconds, at least 1`);
  }
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
    return [`${tag}:lock`, `${tag}:last`, `${tag}:handled`, `${tag}:fence`];
  };
  const blockKeys = [`${prefix}{blocks}`, `${prefix}{blocks}:expiry`];

  return {
    async migrate() {
      for (const text of Object.values(SCRIPTS)) await send(['SCRIPT', 'LOAD', text]);
    },

    async checkBlocks({ digest, blocks }) {
      return String(await run('CHECK_BLOCKS', blockKeys, [Date.now(), digest, ...blocks]));
    },

    async claimBlocks({ digest, blocks }) {
      return String(await run('CLAIM_BLOCKS', blockKeys, [Date.now(), digest, Date.now() + duplicateWindowMs, 2 * blocks.length, ...blocks]));
    },

    async begin({ applicantId, time, digest }) {
      const keys = keysOf(applicantId ?? `\n${digest}`);
      const random = Array.from(globalThis.crypto.getRandomValues(new Uint32Array(2)), (word) => word.toString(36)).join('');
      const giveUp = Date.now() + lockWaitMs;
      let answer;
      for (let wait = 5; ; wait = Math.min(wait * 2, 200)) {
        answer = await run('BEGIN', keys, [Date.now(), leaseMs, time ?? '', digest, random, duplicateWindowMs]);
        if (answer[0] !== 'locked') break;
        if (Date.now() >= giveUp) throw allpassError('STORE_FAILED', undefined, `another event of this applicant held its lock for more than lockWaitMs (${lockWaitMs} ms)`);
        await new Promise((resolve) => setTimeout(resolve, wait * (0.5 + Math.random())));
      }
      if (answer[0] === 'duplicate') return { outcome: 'duplicate' };
      if (answer[0] === 'stale') return { outcome: 'stale', last: new Date(Number(answer[1])).toISOString() };
      const token = String(answer[1]);
      // While onEvent runs, the lease is renewed, for `maxHoldMs` at most (an onEvent that hangs
      // must not hold the applicant for ever); if it was lost (Redis restarted, a pause longer
      // than the lease, the hold ran out), the commit below refuses.
      const holdUntil = Date.now() + maxHoldMs;
      const renew = setInterval(() => {
        if (Date.now() + leaseMs > holdUntil) return clearInterval(renew);
        run('EXTEND', [keys[0]], [token, leaseMs]).catch(() => {});
      }, Math.max(1, Math.floor(leaseMs / 3)));
      renew.unref?.();
      let settled = false;
      return {
        outcome: 'proceed',
        context: { fencingToken: token },
        async commit() {
          if (settled) return;
          settled = true;
          clearInterval(renew);
          const recorded = await run('COMMIT', [keys[0], keys[2]], [token, digest, Date.now() + duplicateWindowMs, duplicateWindowMs]);
          if (Number(recorded) !== 1) {
            throw allpassError('STORE_FAILED', undefined, 'the applicant lock was lost before the event was recorded (its lease ran out, it was held past maxHoldMs, or Redis restarted): answered 500, so Allpass retries');
          }
        },
        async abort() {
          if (settled) return;
          settled = true;
          clearInterval(renew);
          await run('RELEASE', [keys[0]], [token]);
        },
      };
    },
  };
}

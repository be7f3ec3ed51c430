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
redis.call('PEXPIRE', KEYS[4], ARGV[6])
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

// KEYS: blocks (hash fingerprint → body digest), expiries (zset fingerprint → expiry ms).
// ARGV: now, digest, fingerprints… Answers 'tampered' when a block belongs to another body.
const CHECK_BLOCKS = `
local seen = 0
for i = 3, #ARGV do
  local owner = redis.call('HGET', KEYS[1], ARGV[i])
  if owner then
    local expiry = tonumber(redis.call('ZSCORE', KEYS[2], ARGV[i]) or '0')
    if expiry > tonumber(ARGV[1]) then
      if owner ~= ARGV[2] then return 'tampered' end
      seen = seen + 1
    end
  end
end
if seen > 0 then return 'redelivery' end
return 'new'`;

// KEYS: blocks, expiries. ARGV: now, digest, expiry, fingerprints… Also forgets up to 500
// expired blocks, so the memory needs no cron.
const REMEMBER_BLOCKS = `
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, 500)
for _, fingerprint in ipairs(expired) do redis.call('HDEL', KEYS[1], fingerprint) end
if #expired > 0 then redis.call('ZREM', KEYS[2], unpack(expired)) end
for i = 4, #ARGV do
  if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[2]) == 1 then redis.call('ZADD', KEYS[2], ARGV[3], ARGV[i]) end
end
return 1`;

const SCRIPTS = { BEGIN, COMMIT, RELEASE, EXTEND, CHECK_BLOCKS, REMEMBER_BLOCKS };

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
 * runs), `lockWaitMs` (how long an event waits for its applicant: 10 s, then 500).
 */
export function redisStore(client, { prefix = 'allpass:', duplicateWindowMs = WEEK_MS, leaseMs = 30_000, lockWaitMs = 10_000 } = {}) {
  const send = commandSender(client);
  if (typeof prefix !== 'string') throw new TypeError('`prefix` must be a string');
  for (const [name, value] of Object.entries({ duplicateWindowMs, leaseMs, lockWaitMs })) {
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
      // While onEvent runs, the lease is renewed; if it was lost (Redis restarted, a pause
      // longer than the lease), the commit below refuses.
      const renew = setInterval(() => {
        run('EXTEND', [keys[0]], [token, leaseMs]).catch(() => {});
      }, Math.max(1, Math.floor(leaseMs / 3)));
      renew.unref?.();
      let settled = false;
      return {
        outcome: 'proceed',
        context: { fencingToken: token },
        async commit(body = {}) {
          if (settled) return;
          settled = true;
          clearInterval(renew);
          const recorded = await run('COMMIT', [keys[0], keys[2]], [token, digest, Date.now() + duplicateWindowMs, duplicateWindowMs]);
          if (Number(recorded) !== 1) {
            throw allpassError('STORE_FAILED', undefined, 'the applicant lock was lost before the event was recorded (its lease ran out, or Redis restarted): answered 500, so Allpass retries');
          }
          if (body.blocks?.length && body.digest) {
            // The event is recorded: a failure here costs only the other processes' view of this
            // body's blocks (each process still remembers its own), so it does not fail the event.
            await run('REMEMBER_BLOCKS', blockKeys, [Date.now(), body.digest, Date.now() + duplicateWindowMs, ...body.blocks]).catch(() => {});
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

// memoryStore(): the store contract (`WebhookStore` in types.d.cts) in this process's
// memory: order, once and one-at-a-time for one process, and for tests. Web-standard JavaScript.
//
// The contract, which postgres.mjs and redis.mjs keep across processes:
//   begin({ applicantId, time, eventTime, digest }) waits (bounded) until no other event of that applicant
//   is being handled, then answers
//     { outcome: 'duplicate' }                 the payload `digest` was handled for the applicant
//     { outcome: 'stale', last }               `time` is older than the newest handled (ms)
//     { outcome: 'proceed', context, commit(), abort() }
//   and with 'proceed' holds the applicant until commit() (records time and digest) or abort().
import { allpassError } from '../errors.mjs';
import { checkLastSeen, isStale, recordLastSeen } from '../order.mjs';

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * A store in memory. `lastSeen` (optional): the older `{ get, set, compareAndSet? }` store, which
 * then keeps the times; digests stay here. `entries` bounds the digests kept; `lockWaitMs` (10 s)
 * how long an event waits while another of its applicant is handled.
 * @param {Parameters<typeof import('../types.cjs').memoryStore>[0] & { now?: () => number }} [options] as declared (`now`: tests' clock)
 * @returns {import('../types.cjs').WebhookStore}
 */
export function memoryStore({ lastSeen, duplicateWindowMs = WEEK_MS, entries = 65_536, lockWaitMs = 10_000, now = Date.now } = {}) {
  checkLastSeen(lastSeen);
  const times = lastSeen ?? new Map();
  const handled = new Map(); // `${applicantId}\n${digest}` → expiry, oldest first
  const queues = new Map(); // applicantId → the promise the next event waits for

  function rememberDigest(key) {
    handled.delete(key);
    handled.set(key, now() + duplicateWindowMs);
    for (const [oldest, expiry] of handled) {
      if (expiry > now() && handled.size <= entries) break;
      handled.delete(oldest);
    }
  }

  /** `time` in ms for this memory; a `lastSeen` store gets the event's own time, as it always has. */
  async function recordTime(applicantId, time, eventTime, last) {
    if (lastSeen) return recordLastSeen(lastSeen, applicantId, eventTime ?? time, last);
    if (last === undefined || last < time) times.set(applicantId, time);
  }

  return {
    /** Nothing to create: here so that code written for the shared stores runs unchanged. */
    async migrate() {},

    async begin({ applicantId, time, eventTime, digest }) {
      const scope = applicantId ?? `\n${digest}`;
      let release;
      const held = new Promise((resolve) => (release = resolve));
      const previous = queues.get(scope) ?? Promise.resolve();
      const mine = previous.then(() => held);
      queues.set(scope, mine);
      const done = () => {
        release();
        if (queues.get(scope) === mine) queues.delete(scope);
      };
      // Waiting is bounded: past lockWaitMs the event fails (500, retried) and gives its turn up
      // at once, so the queue behind it moves as soon as the holder finishes.
      let timer;
      const waited = await Promise.race([
        previous.then(() => true),
        new Promise((resolve) => {
          timer = setTimeout(() => resolve(false), lockWaitMs);
        }),
      ]);
      clearTimeout(timer);
      if (!waited) {
        done();
        throw allpassError('STORE_FAILED', undefined, `another event of this applicant held it for more than lockWaitMs (${lockWaitMs} ms)`);
      }
      try {
        const key = `${applicantId ?? ''}\n${digest}`;
        if ((handled.get(key) ?? 0) > now()) {
          done();
          return { outcome: 'duplicate' };
        }
        const last = applicantId !== null && time !== null ? await times.get(applicantId) : undefined;
        if (last !== undefined && last !== null && isStale(time, last)) {
          done();
          return { outcome: 'stale', last };
        }
        return {
          outcome: 'proceed',
          context: {},
          async commit() {
            try {
              if (applicantId !== null && time !== null) await recordTime(applicantId, time, eventTime, last ?? undefined);
              rememberDigest(key);
            } finally {
              done();
            }
          },
          async abort() {
            done();
          },
        };
      } catch (error) {
        done();
        throw error;
      }
    },
  };
}

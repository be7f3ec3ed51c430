// Event order, as the vendor requires ("Webhook Timestamp Validation Requirement"): an event
// older than the last one processed for the same applicant is acknowledged but not passed on.
// Web-standard JavaScript only (Workers, Deno, Bun, browsers, Node).
//
// What is decided here, and why (the vendor's docs leave it open):
// - The applicant is the payload's `id` (documented: "a unique applicant identifier"). An event
//   whose payload has no string `id` cannot be ordered: it is passed on, never dropped.
// - The time is the envelope's `time` (the only documented timestamp), unless `timeOf(event)`
//   picks another. Whether a retry keeps the first delivery's `time` or is stamped anew is not
//   documented; the vendor's code stamps "now" when it builds the envelope. The envelope is not
//   encrypted, so the handler orders by the earlier of that time and when the body was first
//   seen (`orderTime`): a sender can make an event older, never newer than it was observed.
// - Only an event strictly older than the last processed one is stale. An equal time is not:
//   two different events can share a millisecond, and dropping one of them would lose it. So a
//   redelivery with the same time is passed on again: process idempotently.
// - The time is recorded only after the event was handled, so a failed event is retried.
// - A time that is not a date is an error (the vendor sends ISO-8601), never silently "new".

import { allpassError } from './errors.mjs';
import { memoryStore } from './stores/memory.mjs';

/** How long `createOrder` lets a call wait behind another of its applicant: as long as it takes. */
const ORDER_WAIT_MS = 2 ** 31 - 1;

/** The milliseconds since 1970 of an ISO-8601 string, a Date or a number; NaN if none. */
export function timeValue(time) {
  if (typeof time === 'number') return Number.isFinite(time) ? time : Number.NaN;
  if (time instanceof Date) return time.getTime();
  if (typeof time === 'string' && time.trim() !== '') return Date.parse(time);
  return Number.NaN;
}

/**
 * The time the handler orders a delivery by: the earlier of the time it claims (the envelope's,
 * unauthenticated) and when its body was first seen (observed): ms.
 */
export function orderTime(claimed, firstSeen) {
  return Math.min(timeValue(claimed), firstSeen);
}

/**
 * The ordering rule alone, pure: true when `time` is older than `lastSeen` (the time of the
 * last event processed for the same applicant; `undefined`/`null` when none). Equal is not
 * stale. Throws a `TypeError` when either is given but is not a date.
 */
export function isStale(time, lastSeen) {
  const now = timeValue(time);
  if (Number.isNaN(now)) throw new TypeError('the event time is not a date (expected an ISO-8601 string, a Date or milliseconds)');
  if (lastSeen === undefined || lastSeen === null) return false;
  const last = timeValue(lastSeen);
  if (Number.isNaN(last)) throw new TypeError('the stored last-seen time is not a date');
  return now < last;
}

/**
 * What ordering needs from a decrypted webhook: `{ applicantId, time }`, or `null` when the
 * payload has no string `id` (such an event is passed on unordered). `timeOf(event)` picks the
 * time; by default the envelope's `time`.
 */
export function orderKey(event, timeOf) {
  const data = event?.data;
  const id = data !== null && typeof data === 'object' ? data.id : undefined;
  if (typeof id !== 'string' || id === '') return null;
  const time = timeOf ? timeOf(event) : event.time;
  if (Number.isNaN(timeValue(time))) throw new TypeError('the event time is not a date (expected an ISO-8601 string, a Date or milliseconds)');
  return { applicantId: id, time };
}

/**
 * A `lastSeen` store in memory, for one process and for tests: `get`, `set`, and
 * `compareAndSet`. Several processes or servers need a shared store (Redis, SQL) instead.
 */
export function memoryLastSeen() {
  const times = new Map();
  return {
    get: (applicantId) => times.get(applicantId),
    set: (applicantId, time) => void times.set(applicantId, time),
    compareAndSet(applicantId, expected, time) {
      if (times.get(applicantId) !== expected) return false;
      times.set(applicantId, time);
      return true;
    },
  };
}

/** How often `recordLastSeen` tries a store's compareAndSet before it gives up (the answer is then 500). */
export const COMPARE_AND_SET_TRIES = 5;

/**
 * Runs `handle()` for `event` unless it is stale, and records its time once `handle` succeeded.
 * Returns `'handled'`, `'stale'` (handle not called) or `'unordered'` (no applicant id: handle
 * was called, nothing recorded). Options: `lastSeen` (the store), `timeOf`, `onStale(event,
 * lastSeen)`.
 *
 * Guarantees: an event older than the store's value when this call reads it is not handled; a
 * time is recorded only after `handle` resolved; with a store that has `compareAndSet(id,
 * expected, time)` the recorded time never goes backwards, whatever runs at the same time; calls
 * for the same applicant made through one `createOrder` (one handler) run one at a time.
 * Does not guarantee: across processes, two deliveries read the store before either records,
 * so both may be handled, in either order. Without `compareAndSet`, the later `set` wins even
 * if it is older. Make `handle` idempotent, or take a lock per applicant in your store.
 */
export async function processInOrder(event, options, handle) {
  return createOrder(options).run(event, handle);
}

/**
 * Records `time` as the applicant's last in `lastSeen`, never moving it backwards when the store
 * has `compareAndSet` (else a plain `set`). A store that never succeeds (an update of a missing
 * row) must not spin forever: after a few tries its failure is the answer (500, Allpass retries).
 */
export async function recordLastSeen(lastSeen, applicantId, time, last) {
  if (typeof lastSeen.compareAndSet !== 'function') return void (await lastSeen.set(applicantId, time));
  let expected = last;
  for (let tries = 0; tries < COMPARE_AND_SET_TRIES; tries++) {
    if (await lastSeen.compareAndSet(applicantId, expected, time)) return;
    expected = await lastSeen.get(applicantId);
    if (expected !== undefined && expected !== null && !isStale(expected, time)) return;
  }
  throw allpassError('STORE_FAILED', undefined, `the lastSeen store's compareAndSet did not succeed in ${COMPARE_AND_SET_TRIES} tries for one applicant; it must return true once it has stored the time (does it update a row that does not exist?)`);
}

/** Checks a `lastSeen` option: undefined, or `{ get, set, compareAndSet? }`. */
export function checkLastSeen(lastSeen) {
  if (lastSeen !== undefined && (lastSeen === null || typeof lastSeen.get !== 'function' || typeof lastSeen.set !== 'function')) {
    throw new TypeError('`lastSeen` must be a store with get(applicantId) and set(applicantId, time)');
  }
}

/**
 * The ordering state of one handler: `run(event, handle)` as `processInOrder`, with calls for the
 * same applicant one behind the other in this process: memoryStore's lock and stale rule,
 * without its duplicate memory.
 * @param {import('./types.cjs').OrderOptions<any>} [options]
 */
export function createOrder({ lastSeen, timeOf, onStale } = {}) {
  checkLastSeen(lastSeen);
  const store = lastSeen ? memoryStore({ lastSeen, lockWaitMs: ORDER_WAIT_MS }) : null;
  return {
    async run(event, handle) {
      const key = store ? orderKey(event, timeOf) : null;
      if (!key) {
        await handle();
        return 'unordered';
      }
      const lease = await store.begin({ applicantId: key.applicantId, time: timeValue(key.time), eventTime: key.time, ids: [] });
      if (lease.outcome !== 'proceed') {
        if (onStale && lease.outcome === 'stale') await onStale(event, lease.last);
        return 'stale';
      }
      try {
        await handle();
      } catch (error) {
        await lease.abort();
        throw error;
      }
      await lease.commit();
      return 'handled';
    },
  };
}

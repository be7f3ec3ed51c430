// memoryStore(): the store contract (`WebhookStore` in types.d.cts) in this process's memory:
// one process, and tests. Web-standard JavaScript. The contract, which postgres.mjs and
// redis.mjs keep across processes:
//   screen(delivery)  before decryption: `tampered` when the body reuses a block of another
//                     body; else the time it was first seen (its blocks are now remembered).
//   claim(delivery)   it decrypted to an acceptable payload: its blocks are kept for good.
//   begin({ applicantId, time, eventTime, ids }) waits (bounded) until no other event of that
//                     applicant is being handled, then answers
//     { outcome: 'duplicate' }                 one of `ids` was handled for the applicant
//     { outcome: 'stale', last }               `time` is older than the newest handled
//     { outcome: 'proceed', context, signal, commit(), abort() }
//   and with 'proceed' holds the applicant until commit() (records the time and the ids) or
//   abort(); `signal` is aborted if the hold is lost before another holder may start.
import { allpassError } from '../errors.mjs';
import { checkLastSeen, isStale, recordLastSeen } from '../order.mjs';
import { createBlockMemory } from '../tamper.mjs';
import { wholeNumber } from '../validate.mjs';
import { storeOptions } from './options.mjs';

/** Block fingerprints per tier: the last 2^17 at least (2 MiB of ciphertext), 2^18 at most. */
export const DEFAULT_REMEMBER_BLOCKS = 2 ** 18;
/** Applicant records kept (their last time and handled deliveries), the least recently used forgotten first. */
export const DEFAULT_APPLICANTS = 65_536;

/**
 * A store in memory. `lastSeen` (optional): a `{ get, set, compareAndSet? }` store of your own
 * that keeps the last times; the rest stays here. Nothing takes an applicant away from a holder
 * in one process, so `signal` is never aborted: a hung `onEvent` makes the applicant's next
 * events fail after `lockWaitMs` (500, retried).
 * @param {Parameters<typeof import('../types.cjs').memoryStore>[0] & { now?: () => number }} [options] as declared (`now`: tests' clock)
 * @returns {import('../types.cjs').WebhookStore}
 */
export function memoryStore(options = {}) {
  const { lastSeen, now = Date.now } = options;
  checkLastSeen(lastSeen);
  const rememberBlocks = wholeNumber('rememberBlocks', options.rememberBlocks, DEFAULT_REMEMBER_BLOCKS, 2);
  const applicants = wholeNumber('applicants', options.applicants, DEFAULT_APPLICANTS, 1);
  const { lockWaitMs } = storeOptions(options, ['lockWaitMs']);
  const blocks = createBlockMemory({ blocks: rememberBlocks });
  const records = new Map(); // scope → { last, handled: Set<id> }, least recently used first
  const queues = new Map(); // scope → the promise the next event waits for
  const never = new AbortController().signal;

  function recordOf(scope) {
    let record = records.get(scope);
    if (record) records.delete(scope);
    else record = { last: undefined, handled: new Set() };
    records.set(scope, record);
    if (records.size > applicants) records.delete(records.keys().next().value);
    return record;
  }

  /** Waits for the scope's turn, lockWaitMs at most; resolves to the function that gives it up. */
  async function turn(scope) {
    let release;
    const held = new Promise((resolve) => (release = resolve));
    const previous = queues.get(scope) ?? Promise.resolve();
    const mine = previous.then(() => held);
    queues.set(scope, mine);
    const done = () => {
      release();
      if (queues.get(scope) === mine) queues.delete(scope);
    };
    // Past lockWaitMs the event fails (500, retried) and gives its turn up at once, so the
    // queue behind it moves as soon as the holder finishes.
    let timer;
    const waited = await Promise.race([previous.then(() => true), new Promise((resolve) => (timer = setTimeout(() => resolve(false), lockWaitMs)))]);
    clearTimeout(timer);
    if (waited) return done;
    done();
    throw allpassError('STORE_FAILED', undefined, `another event of this applicant held it for more than lockWaitMs (${lockWaitMs} ms)`);
  }

  return {
    /** Nothing to create: here so that code written for the shared stores runs unchanged. */
    async migrate() {},

    async screen(delivery) {
      return blocks.screen(delivery, now());
    },

    async claim(delivery) {
      blocks.claim(delivery, now());
    },

    async begin({ applicantId, time, eventTime, ids }) {
      const scope = applicantId ?? `\n${ids[0]}`;
      const done = await turn(scope);
      try {
        const record = recordOf(scope);
        if (ids.some((id) => record.handled.has(id))) {
          done();
          return { outcome: 'duplicate' };
        }
        const last = applicantId !== null && time !== null ? (lastSeen ? await lastSeen.get(applicantId) : record.last) : undefined;
        if (last !== undefined && last !== null && isStale(time, last)) {
          done();
          return { outcome: 'stale', last };
        }
        return {
          outcome: 'proceed',
          context: {},
          signal: never,
          async commit() {
            try {
              const current = recordOf(scope); // the same record, unless forgotten meanwhile
              if (applicantId !== null && time !== null) {
                if (lastSeen) await recordLastSeen(lastSeen, applicantId, eventTime ?? time, last ?? undefined);
                else if (current.last === undefined || current.last < time) current.last = time;
              }
              for (const id of ids) current.handled.add(id);
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

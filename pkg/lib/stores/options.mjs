// The stores' and the worker's option names and defaults: the one home of both. A store reads
// its options through `storeOptions`, the worker through `workerOptions`. One name, one meaning
// in every store: `lockWaitMs` how long an event waits for its applicant, `maxHoldMs` how long it
// may hold it, `leaseMs` how long a crashed holder keeps it.
import { wholeNumber } from '../validate.mjs';

const SECOND_MS = 1000;
const HOUR_MS = 60 * 60 * SECOND_MS;
const DAY_MS = 24 * HOUR_MS;

/** Each store option: its default and its least value. */
export const STORE_OPTIONS = {
  /** How long the blocks of a body that did not decrypt to an acceptable payload are kept. */
  blockWindowMs: { fallback: 7 * DAY_MS, min: 1 },
  /** How long an event waits for its applicant while another of its events is handled; then STORE_FAILED (500). */
  lockWaitMs: { fallback: 10 * SECOND_MS, min: 0 },
  /** How long one event may hold its applicant: then `signal` is aborted and its work not recorded. */
  maxHoldMs: { fallback: 60 * SECOND_MS, min: 1 },
  /** Redis: how long a lock outlives a crashed holder (a live holder renews it). */
  leaseMs: { fallback: 30 * SECOND_MS, min: 3 },
};

/** The worker's options (durable mode): the retry schedule outlasts 3 days, far past Allpass's ~8.5 h. */
export const WORKER_OPTIONS = {
  /** Events processed at once by one worker (each of another applicant). */
  concurrency: { fallback: 4, min: 1 },
  /** Attempts before an event is dead: with the delays below, 3.4 days (3.1 at the least jitter). */
  maxAttempts: { fallback: 25, min: 1 },
  /** The first retry's delay; each next one doubles, up to maxRetryDelayMs, each ±10% (jitter). */
  retryDelayMs: { fallback: 10 * SECOND_MS, min: 0 },
  maxRetryDelayMs: { fallback: 6 * HOUR_MS, min: 0 },
  /** How long a worker that died keeps its event before another takes it. */
  leaseMs: { fallback: 30 * SECOND_MS, min: 1 },
  /** How long one attempt's onEvent may run: then `signal` is aborted and the attempt fails (retried). */
  maxHoldMs: STORE_OPTIONS.maxHoldMs,
  /** The safety net under LISTEN/NOTIFY and blocking reads: look for due events this often. */
  pollMs: { fallback: 2 * SECOND_MS, min: 1 },
  /** How long finished (done) events are kept before they are pruned; dead events are kept. */
  retentionMs: { fallback: 7 * DAY_MS, min: 0 },
};

/** The jitter of a retry's delay: ±10%. */
export const RETRY_JITTER = 0.1;

/** @returns {any} the options by name */
function read(table, options, names, older = {}) {
  const values = {};
  for (const name of names) {
    const { fallback, min } = table[name];
    const given = options[name] ?? (older[name] === undefined ? undefined : options[older[name]]);
    values[name] = wholeNumber(name, given, fallback, min);
  }
  return values;
}

/** The named store options of `options`, checked, with their defaults; `older`: name → the name it replaced in that store, still read. */
export const storeOptions = (options, names, older) => read(STORE_OPTIONS, options, names, older);

/** The worker's options, checked, with their defaults. */
export const workerOptions = (options) => read(WORKER_OPTIONS, options, Object.keys(WORKER_OPTIONS));

/** The delay before attempt `attempts + 1`, after `attempts` failed ones (`random` in [0, 1)). */
export function retryDelay(attempts, { retryDelayMs, maxRetryDelayMs }, random = Math.random()) {
  const base = Math.min(maxRetryDelayMs, retryDelayMs * 2 ** Math.min(attempts - 1, 40));
  return Math.round(base * (1 - RETRY_JITTER + 2 * RETRY_JITTER * random));
}

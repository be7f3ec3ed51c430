// startWorker: durable mode's processing side. The handler (with `durable: true`) keeps each
// accepted delivery in the store and answers 200; workers, in the user's own processes, take
// the events in per-applicant order, decrypt them (plaintext only in memory, while processing)
// and call onEvent. A failure is retried on our schedule (./stores/options.mjs: exponential,
// ±10% jitter, past 3 days by default), then the event is dead: kept with its attempts and last
// error, and the applicant's later events go on (Allpass's rule: the newest event wins).
// Web-standard JavaScript only; the store's `queue` does the engine's part.
import { publishWorker, workerWatched } from './diagnostics.mjs';
import { isAllpassError } from './errors.mjs';
import { cipherSource } from './keyed-cipher.mjs';
import { timeValue } from './order.mjs';
import { retryDelay, workerOptions } from './stores/options.mjs';
import { optionalFunction } from './validate.mjs';

/** How often a worker prunes finished events at most (a short retention: as often as it polls). */
const PRUNE_EVERY_MS = 60_000;
/** How often the backlog is published on the worker channel, while someone subscribes. */
const BACKLOG_EVERY_MS = 10_000;

const messageOf = (error) => `${error?.code ? `${error.code}: ` : ''}${error?.message ?? String(error)}`;

/**
 * Starts `concurrency` loops that take events from `store` and run `onEvent(event, { db?,
 * signal, id, attempt })`. `stop()` stops taking new events and resolves once those in hand
 * are finished.
 */
export function startWorker(options) {
  if (options === null || typeof options !== 'object') throw new TypeError('startWorker(options): options must be an object: { key, store, onEvent, … }');
  const { key, store, onEvent, onError } = options;
  if (typeof onEvent !== 'function') throw new TypeError('`onEvent(event, context)` must be a function');
  optionalFunction('onError', onError);
  if (store === null || typeof store !== 'object' || typeof store.queue?.claim !== 'function') {
    throw new TypeError('`store` must be a store that keeps events durably: postgresStore({ pool }) or redisStore(client) (memoryStore cannot: its events would die with the process)');
  }
  const settings = workerOptions(options);
  const { concurrency, maxAttempts, leaseMs, maxHoldMs, pollMs, retentionMs } = settings;
  const { queue } = store;
  const cipher = cipherSource(key);
  const owner = `${Date.now().toString(36)}:${Array.from(globalThis.crypto.getRandomValues(new Uint32Array(2)), (word) => word.toString(36)).join('')}`;
  let stopping = false;
  const sleepers = new Set();

  const report = (error, context) => {
    if (!onError) return;
    try {
      Promise.resolve(onError(error, context)).catch(() => {});
    } catch {
      // onError's own failure changes nothing.
    }
  };

  /** Every idle loop looks again now. */
  const wake = () => {
    for (const resolve of sleepers) resolve();
    sleepers.clear();
  };

  /** Resolves after `ms`, or sooner on wake(). */
  const sleep = (ms) => new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      sleepers.delete(done);
      resolve();
    }
    sleepers.add(done);
  });

  async function handle(job) {
    const start = globalThis.performance.now();
    const took = () => globalThis.performance.now() - start;
    let outcome;
    let time;
    try {
      const keyed = await cipher();
      const event = keyed.parseWebhook(job.envelope);
      time = event.time;
      outcome = await queue.process(job, owner, (context) => onEvent(event, { ...context, id: job.id, attempt: job.attempts }), maxHoldMs);
    } catch (error) {
      const dead = job.attempts >= maxAttempts;
      const delayMs = dead ? 0 : retryDelay(job.attempts, settings);
      report(error, { id: job.id, attempt: job.attempts, dead });
      publishWorker({ outcome: dead ? 'dead' : 'retried', attempt: job.attempts, durationMs: took(), ...(dead ? {} : { delayMs }), ...(isAllpassError(error) ? { code: error.code } : {}) });
      await queue.fail(job, owner, { message: messageOf(error), delayMs, dead }).catch((failure) => report(failure, { id: job.id }));
      // This worker looks again when the retry is due (others have their own poll).
      if (!dead) setTimeout(wake, delayMs + 1).unref?.();
      return;
    }
    if (outcome === false) {
      report(new Error(`event ${job.id} was taken over by another worker (its lease ran out)`), { id: job.id });
      publishWorker({ outcome: 'taken-over', attempt: job.attempts, durationMs: took() });
    } else {
      publishWorker({ outcome: 'applied', attempt: job.attempts, durationMs: took(), lagMs: Date.now() - timeValue(time) });
    }
  }

  async function loop() {
    while (!stopping) {
      let job = null;
      try {
        job = await queue.claim({ owner, leaseMs });
      } catch (error) {
        report(error, {}); // the database is away: poll again
      }
      if (job) await handle(job);
      else if (!stopping) await sleep(pollMs);
    }
  }

  const listening = queue.listen(wake);
  const pruner = setInterval(() => queue.prune(retentionMs).catch((error) => report(error, {})), Math.max(pollMs, Math.min(PRUNE_EVERY_MS, retentionMs)));
  pruner.unref?.();
  const publishBacklog = () => {
    if (!workerWatched()) return;
    store.events.stats().then(({ pending, oldestPendingMs, dead }) => publishWorker({ outcome: 'backlog', pending, oldestPendingMs, dead }), (error) => report(error, {}));
  };
  publishBacklog();
  const backlog = setInterval(publishBacklog, BACKLOG_EVERY_MS);
  backlog.unref?.();
  const loops = Array.from({ length: concurrency }, loop);

  return {
    async stop() {
      stopping = true;
      clearInterval(pruner);
      clearInterval(backlog);
      wake();
      await Promise.all(loops);
      await listening.close();
    },
  };
}

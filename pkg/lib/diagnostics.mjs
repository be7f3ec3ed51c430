// Every webhook's outcome, published on node:diagnostics_channel as `allpass-crypto:webhook`:
// the way undici and Node itself expose instrumentation, with no dependency. Bun and Deno have
// the module; where the runtime has none (browsers, Workers without nodejs_compat) nothing is
// published. Looked up at run time, so no bundler sees a `node:` import. Nothing is measured or
// built while nobody subscribes.
//
// A message carries what an operator needs and nothing an attacker or a log should hold: never
// the key, the app key, the body, the payload or an applicant's data.
const diagnostics = (() => {
  try {
    return globalThis.process?.getBuiltinModule?.('node:diagnostics_channel');
  } catch {
    return undefined;
  }
})();

/** The channel's name: subscribe with `diagnostics_channel.subscribe(WEBHOOK_CHANNEL, listener)`. */
export const WEBHOOK_CHANNEL = 'allpass-crypto:webhook';

const channel = diagnostics?.channel(WEBHOOK_CHANNEL);
const now = () => globalThis.performance.now();

/** What a webhook that nobody watches records: nothing. */
const unwatched = {
  stage() {},
  publish() {},
};

/**
 * The record of one webhook while it is received: `stage(name)` closes the stage that ran since
 * the last mark (its duration in `stages[name]`, ms); `publish(message)` sends the message with
 * the whole duration. A no-op object when nobody subscribes.
 */
export function watchWebhook() {
  if (!channel?.hasSubscribers) return unwatched;
  const start = now();
  let mark = start;
  const stages = {};
  return {
    stage(name) {
      const at = now();
      stages[name] = at - mark;
      mark = at;
    },
    publish(message) {
      channel.publish({ ...message, durationMs: now() - start, stages });
    },
  };
}

/** Durable mode's workers publish each attempt's outcome here, and the backlog now and then. */
export const WORKER_CHANNEL = 'allpass-crypto:worker';

const workerChannel = diagnostics?.channel(WORKER_CHANNEL);

/** Whether anyone subscribes to the worker channel (nothing is measured or queried otherwise). */
export const workerWatched = () => workerChannel?.hasSubscribers === true;

/** Publishes a worker message (`{ outcome: 'applied' | 'retried' | 'dead' | 'taken-over' | 'backlog', … }`) while someone subscribes. */
export function publishWorker(message) {
  if (workerChannel?.hasSubscribers) workerChannel.publish(message);
}

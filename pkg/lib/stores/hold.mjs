// One attempt's hold on its event, for both engines' workers: `work(signal)` raced against
// `maxHoldMs` and against the hold being lost; either aborts `signal` and ends the attempt at
// once with the reason (a hung onEvent cannot keep its applicant), whatever `work` does after.
import { allpassError } from '../errors.mjs';

/** `{ signal, lose(reason), run(work) }`: `run` resolves with `work(signal)`, or rejects when the hold ends first. */
export function holdFor(maxHoldMs) {
  const holder = new AbortController();
  const lose = (reason) => {
    if (!holder.signal.aborted) holder.abort(reason);
  };
  return {
    signal: holder.signal,
    lose,
    async run(work) {
      const timer = setTimeout(() => lose(allpassError('STORE_FAILED', undefined, `onEvent ran for more than maxHoldMs (${maxHoldMs} ms): the attempt failed, and the event will be retried`)), maxHoldMs);
      let stop;
      const ended = new Promise((_, reject) => {
        stop = () => reject(holder.signal.reason);
        holder.signal.addEventListener('abort', stop, { once: true });
      });
      ended.catch(() => {});
      try {
        await Promise.race([work(holder.signal), ended]);
        if (holder.signal.aborted) throw holder.signal.reason;
      } finally {
        clearTimeout(timer);
        holder.signal.removeEventListener('abort', stop);
      }
    },
  };
}

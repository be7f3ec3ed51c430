// What the Node runs (node-run.mjs) and the browser page (browser/page.mjs) share: the
// workload and the interleaved measurement. Web APIs only, so it bundles for the browser.
import { Bench } from 'tinybench';

export const SIZES = [['200 B', 200], ['2 KB', 2_000], ['20 KB', 20_000], ['1 MB', 1_000_000]];
export const OPS = ['decrypt', 'encrypt'];

const utf8Length = (text) => new TextEncoder().encode(text).length;

/** A webhook-like payload whose JSON text is exactly `size` bytes (UTF-8). */
export function payloadOfSize(size) {
  const data = { event: 'verification.completed', applicantId: '6f1c2a', result: { status: 'approved', name: 'Zoë Åström' }, notes: '' };
  const filler = 'Document checked; face match 0.98. ';
  const base = utf8Length(JSON.stringify(data));
  data.notes = filler.repeat(Math.ceil(size / filler.length)).slice(0, Math.max(0, size - base));
  if (utf8Length(JSON.stringify(data)) !== size) throw new Error(`payload of ${size} bytes`);
  return data;
}

export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
export const shuffle = (list) => list.map((x) => [Math.random(), x]).sort((a, b) => a[0] - b[0]).map(([, x]) => x);

/**
 * A full collection before each contender's warm-up and run, where the host allows it (Node
 * with `--expose-gc`): the garbage of one contender (megabytes of strings at 1 MB) is then not
 * collected in the next one's time.
 */
const collectGarbage = () => globalThis.gc?.();

/**
 * ops/s per contender for one workload: each round runs every contender once, in a fresh
 * random order, and each contender's rate is the median over rounds, so machine noise hits
 * all alike; the heap is collected before each contender (`collectGarbage`). `batch[name]`
 * calls of a task count as one tinybench iteration (for timers as coarse as a browser's
 * `performance.now()`); the rate is per call.
 */
export async function measure(tasks, { rounds, timeMs, batch = {} }) {
  const samples = Object.fromEntries(Object.keys(tasks).map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({ time: timeMs, iterations: 3, warmupTime: timeMs / 4, warmupIterations: 2 });
    for (const name of shuffle(Object.keys(tasks))) bench.add(name, tasks[name], { beforeAll: collectGarbage });
    for (const task of await bench.run()) {
      if (task.result.error) throw task.result.error;
      samples[task.name].push((1000 / task.result.period) * (batch[task.name] ?? 1));
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, rates]) => [name, median(rates)]));
}

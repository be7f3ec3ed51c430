// `allpass-crypto simulate`: Allpass as your endpoint sees it, many applicants at once. Every
// applicant gets a sequence of events with strictly increasing envelope times; the deliveries go
// out shuffled, some of them twice (the same body again, or the same payload re-encrypted under a
// new IV), spread over one or more URLs, and every answer other than 200 is retried on the
// vendor's documented schedule (first retry after 30 s, then exponential backoff, 10 attempts in
// all), each delay multiplied by `timeScale`. Plain Node, no dependencies: the bodies are made
// with node:crypto exactly as the vendor's own code makes them (its encryptData, below).
// The key is used to encrypt and nothing else: it is never printed, logged or returned.
import crypto, { randomUUID } from 'node:crypto';
import { finiteNumber, httpUrl, wholeNumber } from '../lib/validate.mjs';

/** The vendor's retry schedule: 10 attempts, the first retry 30 s after the first failure, doubling. */
export const ATTEMPTS = 10;
export const FIRST_RETRY_MS = 30_000;

/** The delay before attempt `attempt` (2…ATTEMPTS), in ms, before `timeScale`: 30 s, 60 s, 120 s… */
export const retryDelayMs = (attempt) => FIRST_RETRY_MS * 2 ** (attempt - 2);

/** The vendor's encryptData (its documentation's node:crypto code): hex(IV) + hex(ciphertext). */
function encryptData(data, key) {
  const keyBuff = Buffer.from(key, 'hex');
  const iv = crypto.randomBytes(16);
  const cipher = crypto.createCipheriv('aes-256-cbc', keyBuff, iv);
  let encrypted = cipher.update(JSON.stringify(data), 'utf8', 'hex');
  encrypted += cipher.final('hex');
  return iv.toString('hex') + encrypted;
}

/** A seeded generator of numbers in [0, 1) (sfc32 over a string hash): the same seed, the same run. */
function seededRandom(seed) {
  let h = 1779033703 ^ seed.length;
  for (let i = 0; i < seed.length; i++) {
    h = Math.imul(h ^ seed.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  const next = () => {
    h = Math.imul(h ^ (h >>> 16), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    return (h ^= h >>> 16) >>> 0;
  };
  let [a, b, c, d] = [next(), next(), next(), next()];
  return () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** At most `limit` holders at once; waiters served first come, first served. */
function semaphore(limit) {
  let free = limit;
  const waiting = [];
  return {
    acquire: () => (free > 0 ? (free--, Promise.resolve()) : new Promise((resolve) => waiting.push(resolve))),
    release() {
      const next = waiting.shift();
      if (next) next();
      else free++;
    },
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs one simulation; resolves its summary (see below). Options:
 * - `to`: the URLs to POST to, round-robin: an array (read again at every attempt, so a caller
 *   may change it mid-run) or a function returning one.
 * - `key`: the 64-hex-character key. `appKey`: the payloads' appKey (default: a random UUID).
 * - `applicants` (default 20) × `events` (default 5) events; `duplicates` (default 0.1): extra
 *   deliveries, as a fraction of the events, half the same body again, half re-encrypted.
 * - `timeScale` (default 1) multiplies every retry delay; `concurrency` (default 8) requests at
 *   most in flight; `timeoutMs` (default 30000, not scaled) per request; `seed` (string or
 *   number; default random, reported) fixes the order of the deliveries and which are doubled.
 * - `fetch` (default globalThis.fetch); `log(entry)`: called for every answer
 *   `{ type: 'answer', url, status, attempt, applicant, sequence, duplicate, progress }` (status
 *   is 'network error' when there was no answer), every retry scheduled
 *   `{ type: 'retry', …, delayMs }`, and every delivery given up `{ type: 'gave-up', … }`;
 *   `progress` is `{ requests, settled, deliveries }` (settled: delivered or given up).
 * The summary: `{ applicants, events, appKey, seed, urls, deliveries, duplicates: { sameBody,
 * reencrypted }, requests, answers: { [status]: n }, retries, delivered, givenUp, gaveUp: [first
 * 20 { applicant, sequence, duplicate, lastStatus }], ms }`.
 */
export async function simulate(options = {}) {
  const { to, key, appKey = randomUUID(), fetch = globalThis.fetch, log } = options;
  const urls = typeof to === 'function' ? to : () => to;
  const first = urls();
  if (!Array.isArray(first) || first.length === 0 || !first.every((url) => typeof url === 'string')) throw new TypeError('`to` must be a non-empty list of URLs (or a function returning one)');
  for (const url of first) httpUrl('to', url);
  if (typeof key !== 'string' || !/^[0-9a-fA-F]{64}$/.test(key.trim())) throw new TypeError('`key` must be the 64-hex-character key (not shown here)');
  const hexKey = key.trim();
  if (typeof appKey !== 'string' || appKey === '') throw new TypeError('`appKey` must be a non-empty string');
  const applicants = wholeNumber('applicants', options.applicants, 20, 1);
  const events = wholeNumber('events', options.events, 5, 1);
  const duplicates = finiteNumber('duplicates', options.duplicates, 0.1, 0);
  const timeScale = finiteNumber('timeScale', options.timeScale, 1, 0);
  const concurrency = wholeNumber('concurrency', options.concurrency, 8, 1);
  const timeoutMs = wholeNumber('timeoutMs', options.timeoutMs, 30_000, 1);
  if (typeof fetch !== 'function') throw new TypeError('`fetch` must be a function');
  if (log !== undefined && typeof log !== 'function') throw new TypeError('`log` must be a function');
  const seed = String(options.seed ?? crypto.randomInt(2 ** 31));
  const random = seededRandom(seed);

  // The events: per applicant, times strictly increasing, all in the recent past and all
  // distinct (event n of applicant a is `base + n * applicants + a` ms).
  const total = applicants * events;
  const base = Date.now() - total;
  const people = Array.from({ length: applicants }, (_, a) => ({ id: randomUUID(), externalUserId: `simulated-${a + 1}` }));
  const deliveries = [];
  for (let a = 0; a < applicants; a++) {
    for (let n = 0; n < events; n++) {
      const payload = { id: people[a].id, externalUserId: people[a].externalUserId, appKey, warnings: [], stepName: `step-${n}`, sequence: n };
      const time = new Date(base + n * applicants + a).toISOString();
      deliveries.push({ payload, time, body: JSON.stringify({ status: true, statusCode: 200, data: encryptData(payload, hexKey), time }), duplicate: false });
    }
  }
  const extra = Math.round(total * duplicates);
  const counts = { sameBody: 0, reencrypted: 0 };
  for (let i = 0; i < extra; i++) {
    const original = deliveries[Math.floor(random() * total)];
    if (random() < 0.5) {
      counts.sameBody++;
      deliveries.push({ ...original, duplicate: 'same body' });
    } else {
      // The same event again, as the vendor would build it again: a new IV, the same time.
      counts.reencrypted++;
      const body = JSON.stringify({ status: true, statusCode: 200, data: encryptData(original.payload, hexKey), time: original.time });
      deliveries.push({ ...original, body, duplicate: 're-encrypted' });
    }
  }
  // Fisher-Yates with the seeded generator.
  for (let i = deliveries.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [deliveries[i], deliveries[j]] = [deliveries[j], deliveries[i]];
  }

  const started = Date.now();
  const answers = {};
  const gaveUp = [];
  const progress = { requests: 0, settled: 0, deliveries: deliveries.length };
  let retries = 0;
  let delivered = 0;
  let givenUp = 0;
  let turn = 0;
  const slots = semaphore(concurrency);
  const tell = (entry) => {
    if (!log) return;
    try {
      const result = log({ ...entry, progress: { ...progress } });
      if (result && typeof result.then === 'function') result.then(undefined, () => {});
    } catch {
      // the caller's logging must not change the run
    }
  };

  /** One POST: the status, or 'network error'. The body is read to the end (keep-alive). */
  async function post(url, body) {
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
      await response.arrayBuffer().catch(() => {});
      return response.status;
    } catch {
      return 'network error';
    }
  }

  async function deliver(delivery, holding) {
    let status;
    const about = { applicant: delivery.payload.id, sequence: delivery.payload.sequence, duplicate: delivery.duplicate };
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      if (attempt > 1) {
        const delayMs = retryDelayMs(attempt) * timeScale;
        retries++;
        tell({ type: 'retry', ...about, attempt, delayMs, status });
        await sleep(delayMs);
        await slots.acquire();
      } else if (!holding) {
        await slots.acquire();
      }
      let url;
      try {
        const list = urls();
        url = list[turn++ % list.length];
        progress.requests++;
        status = await post(url, delivery.body);
      } finally {
        slots.release();
      }
      answers[status] = (answers[status] ?? 0) + 1;
      if (status === 200) {
        delivered++;
        progress.settled++;
        tell({ type: 'answer', url, status, attempt, ...about });
        return;
      }
      tell({ type: 'answer', url, status, attempt, ...about });
    }
    givenUp++;
    progress.settled++;
    if (gaveUp.length < 20) gaveUp.push({ ...about, lastStatus: status });
    tell({ type: 'gave-up', ...about, attempt: ATTEMPTS, status });
  }

  // Launched one at a time as slots free up (so a million deliveries are not a million waiters),
  // retries competing for the same slots.
  const running = new Set();
  for (const delivery of deliveries) {
    await slots.acquire();
    const task = deliver(delivery, true).finally(() => running.delete(task));
    running.add(task);
  }
  while (running.size > 0) await Promise.all([...running]);

  return {
    applicants,
    events,
    appKey,
    seed,
    urls: [...new Set(urls())],
    deliveries: deliveries.length,
    duplicates: counts,
    requests: progress.requests,
    answers,
    retries,
    delivered,
    givenUp,
    gaveUp,
    ms: Date.now() - started,
  };
}

/** The summary as a short table (what the CLI prints without --json). */
export function formatSummary(summary) {
  const answers = Object.entries(summary.answers)
    .sort(([a], [b]) => String(a).localeCompare(String(b)))
    .map(([status, n]) => `${status}: ${n}`)
    .join(', ');
  const rows = [
    ['deliveries', `${summary.deliveries} (${summary.applicants} applicants × ${summary.events} events, + ${summary.duplicates.sameBody} same body again, + ${summary.duplicates.reencrypted} re-encrypted)`],
    ['requests', String(summary.requests)],
    ['answers', answers || 'none'],
    ['retries', String(summary.retries)],
    ['delivered', String(summary.delivered)],
    ['given up', String(summary.givenUp)],
    ['seed', summary.seed],
    ['time', `${(summary.ms / 1000).toFixed(1)} s`],
  ];
  const lines = rows.map(([name, value]) => `  ${name.padEnd(11)}${value}`);
  for (const { applicant, sequence, duplicate, lastStatus } of summary.gaveUp) {
    lines.push(`  gave up    applicant ${applicant} event ${sequence}${duplicate ? ` (${duplicate})` : ''}: last answer ${lastStatus}`);
  }
  return `${lines.join('\n')}\n`;
}

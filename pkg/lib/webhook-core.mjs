// What createWebhookHandler (./handler.mjs) and createNodeMiddleware (./middleware.mjs) share:
// the options, checked once, and `process(body) → status`. Web-standard JavaScript only.
//
// The answers carry as little as possible about the plaintext: every body that is malformed,
// forged or refused gets the same 400 (the cause goes to onError), and a body that reuses
// blocks of another is refused before it is decrypted (./tamper.mjs), so a captured webhook is
// no oracle. 200 means handled, stale or already handled; 500 means our side failed (retried).
import { isKeyList, wasm } from './api.mjs';
import { sha256Hex } from './digest.mjs';
import { allpassError, isAllpassError } from './errors.mjs';
import { timeValue } from './order.mjs';
import { memoryStore } from './stores/memory.mjs';
import { createTamperGuard } from './tamper.mjs';

/** 1 MiB: far above any webhook (the vendor's payloads are a few KB). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** How far in the future an envelope `time` may be before it is refused (clocks differ). */
export const DEFAULT_CLOCK_SKEW_MS = 5 * 60 * 1000;
/** Block fingerprints per tier (./tamper.mjs): the last 2^17 at least (2 MiB of ciphertext), 2^18 at most; 4 MiB each. */
export const DEFAULT_REMEMBER_BLOCKS = 2 ** 18;
/** How long a handled payload is remembered: longer than the vendor's 10 retries. */
export const DEFAULT_DUPLICATE_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

const TOO_LARGE = Symbol('too large');
const utf8 = new TextDecoder('utf-8', { fatal: true });

function whole(name, value, fallback, min) {
  const number = value ?? fallback;
  if (!Number.isSafeInteger(number) || number < min) throw new TypeError(`\`${name}\` must be a whole number, at least ${min}`);
  return number;
}

/** The body as a parsed object when it is JSON text (or already parsed); otherwise undefined. */
function parsed(body) {
  if (body !== null && typeof body === 'object' && !(body instanceof Uint8Array)) return body;
  try {
    const value = JSON.parse(typeof body === 'string' ? body : utf8.decode(body));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined; // the core names the exact cause
  }
}

const tamperedError = () => allpassError('TAMPERED', undefined, "the webhook's data reuses ciphertext blocks of another body: a forgery made from a captured webhook (refused before decryption)");

/** What a `key()` function returned, described without its value (never log a key). */
function described(value) {
  if (value === undefined || value === null) return `${value} (is the variable set where the server runs?)`;
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list with something other than strings';
  return `a ${typeof value}`;
}

export function webhookCore(options) {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object: { key, onEvent, … }');
  const { key, onEvent, onError, onStale, onDuplicate, timeOf, lastSeen, appKey, validate } = options;
  const keyLater = typeof key === 'function';
  if (!keyLater && !isKeyList(key)) throw new TypeError('`key` must be the 64-hex-character key, a non-empty list of them (newest first), or a function returning either (called on the first request)');
  if (typeof onEvent !== 'function') throw new TypeError('`onEvent(event, context)` must be a function');
  for (const [name, value] of Object.entries({ onError, onStale, onDuplicate, timeOf, validate })) {
    if (value !== undefined && typeof value !== 'function') throw new TypeError(`\`${name}\` must be a function`);
  }
  if (appKey !== undefined && (typeof appKey !== 'string' || appKey.trim() === '')) throw new TypeError('`appKey` must be your application key (the `appKey` field of every applicant webhook)');
  const maxBodyBytes = whole('maxBodyBytes', options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES, 1);
  const clockSkewMs = whole('clockSkewMs', options.clockSkewMs, DEFAULT_CLOCK_SKEW_MS, 0);
  const guard = createTamperGuard({ blocks: whole('rememberBlocks', options.rememberBlocks, DEFAULT_REMEMBER_BLOCKS, 2) });
  if (options.store !== undefined && lastSeen !== undefined) throw new TypeError('give `store` or `lastSeen`, not both (a store keeps the times itself)');
  const store = options.store ?? memoryStore({ lastSeen, duplicateWindowMs: whole('duplicateWindowMs', options.duplicateWindowMs, DEFAULT_DUPLICATE_WINDOW_MS, 1) });
  if (store === null || typeof store !== 'object' || typeof store.begin !== 'function') throw new TypeError('`store` must be a webhook store: memoryStore(), postgresStore({ pool }), redisStore(client), or your own with begin()');
  const expectedAppKey = appKey?.trim().toLowerCase();

  // A key given as a value: built now when the module is loaded (so a bad key fails at
  // start-up), else on first use. A key given as a function: called on the first request (so a
  // build without the secret succeeds), the cipher kept once it succeeds; a missing or bad key
  // answers 500 (INVALID_KEY to onError, Allpass retries) and is asked for again next request.
  let cipher = null;
  let pending = null;
  const keys = keyLater ? null : typeof key === 'string' ? key : [...key];
  if (!keyLater) {
    try {
      cipher = new (wasm().AllpassCipher)(keys);
    } catch (error) {
      if (isAllpassError(error)) throw error;
    }
  }
  async function keyedCipher() {
    let value;
    try {
      value = await key();
    } catch (cause) {
      throw allpassError('INVALID_KEY', undefined, '`key()` threw or rejected: no key to decrypt with', { cause });
    }
    if (!isKeyList(value)) throw allpassError('INVALID_KEY', undefined, `\`key()\` returned ${described(value)}, not the 64-hex-character key or a non-empty list of them`);
    return new (wasm().AllpassCipher)(typeof value === 'string' ? value : [...value]);
  }
  function getCipher() {
    if (cipher) return cipher;
    if (!keyLater) return (cipher = new (wasm().AllpassCipher)(keys));
    // One call for the requests that arrive together; forgotten after a failure (retried).
    pending ??= keyedCipher().then(
      (made) => (cipher = made),
      (error) => {
        pending = null;
        throw error;
      },
    );
    return pending;
  }

  /** Reports a cause to onError without waiting for it and without letting it change the answer. */
  function report(error, context, status) {
    if (!onError) return status;
    try {
      const result = onError(error, { ...context, status });
      if (result && typeof result.then === 'function') result.then(undefined, () => {});
    } catch {
      // onError's own failure must not change the answer.
    }
    return status;
  }

  /** Why a decrypted payload is refused (INVALID_PAYLOAD), or undefined when it is accepted. */
  function refusal(data) {
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      return allpassError('INVALID_PAYLOAD', 'NOT_OBJECT', `the decrypted payload is ${data === null ? 'null' : Array.isArray(data) ? 'an array' : `a ${typeof data}`}, not a JSON object: every Allpass webhook payload is one`);
    }
    if (expectedAppKey !== undefined && (typeof data.appKey !== 'string' || data.appKey.trim().toLowerCase() !== expectedAppKey)) {
      return allpassError('INVALID_PAYLOAD', 'APP_KEY', `the payload's appKey ${typeof data.appKey === 'string' ? 'is another application\'s' : 'is missing'}: the handler's \`appKey\` option accepts its own application's webhooks only`);
    }
    if (validate) {
      let verdict;
      try {
        verdict = validate(data);
      } catch (cause) {
        return allpassError('INVALID_PAYLOAD', 'VALIDATE', 'the payload failed your `validate` rule (it threw)', { cause });
      }
      if (verdict === false) return allpassError('INVALID_PAYLOAD', 'VALIDATE', 'the payload failed your `validate` rule (it returned false)');
    }
    return undefined;
  }

  async function process(body, context) {
    if (body === TOO_LARGE) {
      return report(allpassError('INVALID_ARGUMENT', 'TOO_LONG', `the webhook body is over maxBodyBytes (${maxBodyBytes} bytes)`), context, 413);
    }
    const envelope = parsed(body);
    const seen = await guard.inspect(envelope?.data, timeValue(envelope?.time));
    if (store.checkBlocks && (seen.verdict === 'new' || seen.verdict === 'tampered')) {
      // Another process may have decrypted the body this one is made from; or this process saw
      // a forgery first, and the store knows this body for the genuine one (its blocks claimed
      // by its own digest). Asked before anything is decrypted, so neither the answer nor its
      // timing depends on a forgery's plaintext.
      let shared;
      try {
        shared = await store.checkBlocks({ digest: seen.digest, blocks: seen.blocks });
      } catch (error) {
        return report(error, context, 500);
      }
      if (shared === 'tampered' || (seen.verdict === 'tampered' && shared !== 'redelivery')) return report(tamperedError(), context, 400);
    } else if (seen.verdict === 'tampered') {
      return report(tamperedError(), context, 400);
    }
    let event;
    try {
      event = (cipher ?? (await getCipher())).parseWebhook(envelope ?? body);
    } catch (error) {
      // A bad key or a module not loaded is our configuration, not the request: answer 500 so
      // the vendor retries. Everything else is the request's fault: the one uniform 400.
      return report(error, context, isAllpassError(error) && error.code !== 'INVALID_KEY' ? 400 : 500);
    }
    const refused = refusal(event.data);
    if (refused) return report(refused, context, 400);
    // It decrypted to an acceptable payload: from now on its blocks are kept where garbage
    // cannot push them out, whatever happens to the event (a 500 is retried with these blocks),
    // here and, with a shared store, for every process (claimed before onEvent, not at commit:
    // a forgery sent elsewhere while this event fails or runs must find them taken).
    seen.decrypted();
    if (seen.digest !== undefined && store.claimBlocks) {
      let claim;
      try {
        claim = await store.claimBlocks({ digest: seen.digest, blocks: seen.blocks });
      } catch (error) {
        return report(error, context, 500);
      }
      if (claim === 'tampered') return report(tamperedError(), context, 400);
    }
    // The envelope's `time` is not encrypted: one far in the future would otherwise become the
    // applicant's last time and turn every later genuine event stale.
    if (timeValue(event.time) > Date.now() + clockSkewMs) {
      return report(allpassError('INVALID_ENVELOPE', 'FUTURE_TIME', `the webhook envelope's \`time\` is more than ${clockSkewMs / 1000} s in the future (clockSkewMs)`), context, 400);
    }
    const applicantId = typeof event.data.id === 'string' && event.data.id !== '' ? event.data.id : null;
    let eventTime = event.time;
    let time = null;
    if (applicantId !== null) {
      try {
        eventTime = timeOf ? timeOf(event) : event.time;
      } catch (error) {
        return report(error, context, 500);
      }
      time = timeValue(eventTime);
      // The same data again (a redelivery, or a replay with a new envelope time): ordered by the
      // time it first came with, so a replayed `time` can never be recorded as the last one.
      if (!timeOf && seen.verdict === 'redelivery' && seen.firstTime < time) {
        time = seen.firstTime;
        eventTime = new Date(time).toISOString();
      }
      // A time that is not a date cannot be ordered: a malformed envelope like any other (a
      // custom `timeOf` is the caller's code: 500).
      if (Number.isNaN(time)) {
        const error = allpassError('INVALID_ENVELOPE', undefined, timeOf ? '`timeOf(event)` did not return a date' : 'the webhook envelope field `time` is not an ISO-8601 time');
        return report(error, context, timeOf ? 500 : 400);
      }
    }
    let lease;
    try {
      lease = await store.begin({ applicantId, time, eventTime, digest: await sha256Hex(JSON.stringify(event.data)) });
      if (lease.outcome === 'duplicate') {
        if (onDuplicate) await onDuplicate(event);
      } else if (lease.outcome === 'stale') {
        if (onStale) await onStale(event, lease.last);
      } else {
        try {
          await onEvent(event, lease.context ? { ...context, ...lease.context } : context);
          await lease.commit();
        } catch (error) {
          await Promise.resolve(lease.abort(error)).catch(() => {});
          throw error;
        }
      }
    } catch (error) {
      return report(error, context, 500);
    }
    return 200;
  }

  return {
    maxBodyBytes,
    process,
    tooLarge: TOO_LARGE,
    unreadable: (cause, context) => report(allpassError('INVALID_ARGUMENT', 'UNREADABLE', 'the webhook body could not be read', { cause }), context, 400),
  };
}

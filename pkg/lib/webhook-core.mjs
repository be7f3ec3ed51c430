// What createWebhookHandler (./handler.mjs) and createNodeMiddleware (./middleware.mjs) share:
// the options, checked once, and `receive(body, context) → status`, five stages that read top
// to bottom:
//   screen  the size, the envelope, and the body's blocks against the store's: a forgery made
//           of another body's blocks is refused before anything decrypts it
//   open    decrypt, and the payload rules (an object, `appKey`, `validate`)
//   claim   the body decrypted to an acceptable payload: the store keeps its blocks for good
//   order   the time to order by: the earlier of the envelope's and when the body was first seen
//   run     the store's verdict (duplicate, stale, or a hold on the applicant), then onEvent
// Web-standard JavaScript only.
//
// The answers carry as little as possible about the plaintext: every body that is malformed,
// forged or refused gets the same 400 (the cause goes to onError). 200 means handled, stale or
// already handled; 500 means our side failed (Allpass retries).
import { isKeyList } from './api.mjs';
import { deliveryOf, envelopeOf, eventDigest } from './delivery.mjs';
import { allpassError, isAllpassError } from './errors.mjs';
import { cipherSource } from './keyed-cipher.mjs';
import { orderTime, timeValue } from './order.mjs';
import { memoryStore } from './stores/memory.mjs';
import { optionalFunction, wholeNumber } from './validate.mjs';

/** 64 KiB: far above any webhook (the vendor's payloads are a few KB), and cheap to screen. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
/** How far in the future an envelope `time` may be before it is refused (clocks differ). */
export const DEFAULT_CLOCK_SKEW_MS = 5 * 60 * 1000;

const TOO_LARGE = Symbol('too large');

/** A stage's decision to stop: the status to answer, and the cause for onError. */
class Answer {
  constructor(status, cause) {
    this.status = status;
    this.cause = cause;
  }
}

const tampered = () => new Answer(400, allpassError('TAMPERED', undefined, "the webhook's data reuses ciphertext blocks of another body: a forgery made from a captured webhook (refused before decryption)"));

/** The options, checked: what `receive` needs. */
function settings(options) {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object: { key, onEvent, … }');
  const { key, onEvent, appKey, lastSeen } = options;
  if (typeof key !== 'function' && !isKeyList(key)) throw new TypeError('`key` must be the 64-hex-character key, a non-empty list of them (newest first), or a function returning either (called on the first request)');
  if (typeof onEvent !== 'function') throw new TypeError('`onEvent(event, context)` must be a function');
  for (const name of ['onError', 'onStale', 'onDuplicate', 'timeOf', 'validate']) optionalFunction(name, options[name]);
  if (appKey !== undefined && (typeof appKey !== 'string' || appKey.trim() === '')) throw new TypeError('`appKey` must be your application key (the `appKey` field of every applicant webhook)');
  if (options.duplicateWindowMs !== undefined) throw new TypeError('`duplicateWindowMs` is gone: a handled delivery is remembered as long as its applicant is, not for a window (README: Order and duplicates)');
  let store = options.store;
  if (store !== undefined) {
    for (const name of ['lastSeen', 'rememberBlocks']) {
      if (options[name] !== undefined) throw new TypeError(`give \`${name}\` to the store, not beside \`store\` (memoryStore({ ${name} }))`);
    }
    if (store === null || typeof store !== 'object' || typeof store.begin !== 'function') throw new TypeError('`store` must be a webhook store: memoryStore(), postgresStore({ pool }), redisStore(client), or your own with begin()');
  } else {
    store = memoryStore({ lastSeen, rememberBlocks: options.rememberBlocks });
  }
  return {
    ...options,
    store,
    // A store without a block memory of its own (yours, with begin() only) screens in this process.
    screener: typeof store.screen === 'function' ? store : memoryStore({ rememberBlocks: options.rememberBlocks }),
    maxBodyBytes: wholeNumber('maxBodyBytes', options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES, 1),
    clockSkewMs: wholeNumber('clockSkewMs', options.clockSkewMs, DEFAULT_CLOCK_SKEW_MS, 0),
    expectedAppKey: appKey?.trim().toLowerCase(),
  };
}

export function webhookCore(options) {
  const { store, screener, maxBodyBytes, clockSkewMs, expectedAppKey, onEvent, onError, onStale, onDuplicate, timeOf, validate } = settings(options);
  const cipher = cipherSource(options.key);

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

  /** A store's failure is ours: 500, and Allpass retries. */
  async function fromStore(call) {
    try {
      return await call();
    } catch (error) {
      throw new Answer(500, error);
    }
  }

  async function screen(body) {
    const envelope = envelopeOf(body);
    const delivery = await deliveryOf(envelope);
    // Not a well-formed payload: nothing to remember, and the core names the format error.
    if (!delivery) return { envelope, body, delivery, firstSeen: Date.now() };
    const verdict = await fromStore(() => screener.screen(delivery));
    if (verdict.tampered) throw tampered();
    return { envelope, body, delivery, firstSeen: verdict.firstSeen };
  }

  /** `{ event, payloadJson }`: the webhook decrypted, and its payload's JSON text. */
  async function open(keyed, { envelope, body }) {
    let event;
    let payloadJson;
    try {
      // An envelope parsed here is plain data, read as it is; a body parser's object is read as
      // parseWebhook reads any caller's object (copied through JSON first).
      if (envelope !== undefined && envelope !== body) [event, payloadJson] = keyed.openParsedWebhook(envelope);
      else event = keyed.parseWebhook(envelope ?? body);
    } catch (error) {
      throw new Answer(isAllpassError(error) ? 400 : 500, error);
    }
    const data = event.data;
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      throw new Answer(400, allpassError('INVALID_PAYLOAD', 'NOT_OBJECT', `the decrypted payload is ${data === null ? 'null' : Array.isArray(data) ? 'an array' : `a ${typeof data}`}, not a JSON object: every Allpass webhook payload is one`));
    }
    if (expectedAppKey !== undefined && (typeof data.appKey !== 'string' || data.appKey.trim().toLowerCase() !== expectedAppKey)) {
      throw new Answer(400, allpassError('INVALID_PAYLOAD', 'APP_KEY', `the payload's appKey ${typeof data.appKey === 'string' ? "is another application's" : 'is missing'}: the handler's \`appKey\` option accepts its own application's webhooks only`));
    }
    if (validate) {
      let verdict;
      try {
        verdict = await validate(data);
      } catch (cause) {
        throw new Answer(400, allpassError('INVALID_PAYLOAD', 'VALIDATE', 'the payload failed your `validate` rule (it threw or rejected)', { cause }));
      }
      if (verdict === false) throw new Answer(400, allpassError('INVALID_PAYLOAD', 'VALIDATE', 'the payload failed your `validate` rule (it returned false)'));
    }
    return { event, payloadJson: payloadJson ?? JSON.stringify(data) };
  }

  /** From here on the body's blocks are kept where garbage cannot push them out, for every process, whatever becomes of the event. */
  async function claim({ delivery }) {
    if (delivery && screener.claim) await fromStore(() => screener.claim(delivery));
  }

  /**
   * `{ applicantId, time, eventTime, sentMs }`: the applicant (null: unordered), the time to
   * order by, and the envelope's `time` in ms (parsed once, here).
   */
  function order(event, firstSeen) {
    const sentMs = timeValue(event.time);
    // Refused, not clamped: a clock this far ahead is a fault to see (onError), not to hide.
    if (sentMs > Date.now() + clockSkewMs) {
      throw new Answer(400, allpassError('INVALID_ENVELOPE', 'FUTURE_TIME', `the webhook envelope's \`time\` is more than ${clockSkewMs / 1000} s in the future (clockSkewMs)`));
    }
    const applicantId = typeof event.data.id === 'string' && event.data.id !== '' ? event.data.id : null;
    if (applicantId === null) return { applicantId, time: null, eventTime: event.time, sentMs };
    let claimed = event.time;
    let claimedMs = sentMs;
    if (timeOf) {
      try {
        claimed = timeOf(event);
      } catch (error) {
        throw new Answer(500, error);
      }
      claimedMs = timeValue(claimed);
    }
    // A time that is not a date cannot be ordered: a malformed envelope like any other (a
    // custom `timeOf` is the caller's code: 500).
    if (Number.isNaN(claimedMs)) {
      throw new Answer(timeOf ? 500 : 400, allpassError('INVALID_ENVELOPE', undefined, timeOf ? '`timeOf(event)` did not return a date' : 'the webhook envelope field `time` is not an ISO-8601 time'));
    }
    const time = orderTime(claimedMs, firstSeen);
    return { applicantId, time, eventTime: time === claimedMs ? claimed : new Date(time).toISOString(), sentMs };
  }

  async function run({ event, payloadJson }, { applicantId, time, eventTime, sentMs }, delivery, context) {
    const ids = [await eventDigest(sentMs, payloadJson)];
    if (delivery) ids.unshift(delivery.bodyDigest);
    const lease = await fromStore(() => store.begin({ applicantId, time, eventTime, ids }));
    try {
      if (lease.outcome === 'duplicate') {
        if (onDuplicate) await onDuplicate(event);
      } else if (lease.outcome === 'stale') {
        if (onStale) await onStale(event, lease.last);
      } else {
        try {
          await onEvent(event, { ...context, ...lease.context, signal: lease.signal });
          await lease.commit();
        } catch (error) {
          await Promise.resolve(lease.abort(error)).catch(() => {});
          throw error;
        }
      }
    } catch (error) {
      throw new Answer(500, error);
    }
  }

  async function receive(body, context) {
    try {
      if (body === TOO_LARGE) throw new Answer(413, allpassError('INVALID_ARGUMENT', 'TOO_LONG', `the webhook body is over maxBodyBytes (${maxBodyBytes} bytes)`));
      // The key first: a body is screened (and remembered) only when it can also be opened.
      const keyed = await cipher().catch((error) => {
        // A bad key or a module not loaded is our configuration: 500, so the vendor retries.
        throw new Answer(500, error);
      });
      const screened = await screen(body);
      const opened = await open(keyed, screened);
      await claim(screened);
      await run(opened, order(opened.event, screened.firstSeen), screened.delivery, context);
      return 200;
    } catch (error) {
      if (error instanceof Answer) return report(error.cause, context, error.status);
      return report(error, context, 500);
    }
  }

  return {
    maxBodyBytes,
    receive,
    tooLarge: TOO_LARGE,
    unreadable: (cause, context) => report(allpassError('INVALID_ARGUMENT', 'UNREADABLE', 'the webhook body could not be read', { cause }), context, 400),
  };
}

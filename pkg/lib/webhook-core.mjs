// What createWebhookHandler (./handler.mjs) and createNodeMiddleware (./middleware.mjs) share:
// the options, checked once, and `receive(body, context) → status`, five stages that read top
// to bottom:
//   screen  the size, the envelope, and the body's blocks against the store's: a forgery made
//           of another body's blocks is refused before anything decrypts it
//   open    decrypt, and the payload rules (an object, `appKey`, `validate`)
//   claim   the body decrypted to an acceptable payload: the store keeps its blocks for good
//   order   the time to order by: the earlier of the envelope's and when the body was first seen
//   run     the store's verdict (duplicate, stale, or a hold on the applicant), then onEvent;
//           in durable mode (`durable: true`) `keep` instead: the same verdict, and the delivery
//           kept in the store (its data still encrypted) for the workers (./worker.mjs)
// Each webhook's outcome and the stages' times go to `allpass-crypto:webhook` (./diagnostics.mjs)
// while someone subscribes. Web-standard JavaScript only.
//
// The answers carry as little as possible about the plaintext: every body that is malformed,
// forged or refused gets the same 400 (the cause goes to onError). 200 means handled, stale or
// already handled; 500 means our side failed (Allpass retries).
import { deliveryOf, envelopeOf, eventDigest } from './delivery.mjs';
import { watchWebhook } from './diagnostics.mjs';
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

/** A stage's decision to stop: the status to answer, the cause for onError, and for a 500 whose side failed (`key`, `store`, `onEvent`, `callback`). */
class Answer {
  constructor(status, cause, failedIn) {
    this.status = status;
    this.cause = cause;
    this.failedIn = failedIn;
  }
}

/** The channel message of a webhook that was not handled: no plaintext, only codes. */
function unhandled({ status, cause, failedIn }) {
  const message = { outcome: status === 500 ? 'failed' : 'refused', status };
  if (isAllpassError(cause)) {
    message.code = cause.code;
    if (cause.reason !== undefined) message.reason = cause.reason;
  }
  if (failedIn !== undefined) message.failedIn = failedIn;
  return message;
}

const tampered = () => new Answer(400, allpassError('TAMPERED', undefined, "the webhook's data reuses ciphertext blocks of another body: a forgery made from a captured webhook (refused before decryption)"));

/** The options, checked: what `receive` needs. */
function settings(options) {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object: { key, onEvent, … }');
  const { onEvent, appKey, lastSeen } = options;
  if (options.durable) {
    if (onEvent !== undefined) throw new TypeError('with `durable: true`, `onEvent` goes to startWorker({ key, store, onEvent }): the request only keeps the event');
  } else if (typeof onEvent !== 'function') {
    throw new TypeError('`onEvent(event, context)` must be a function');
  }
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
  if (options.durable !== undefined && typeof options.durable !== 'boolean') throw new TypeError('`durable` must be true or false');
  if (options.durable && typeof store.enqueue !== 'function') {
    throw new TypeError('`durable: true` needs a store that keeps events durably: postgresStore({ pool }) or redisStore(client). This one cannot (a memoryStore: an event it kept would be lost with the process, after the 200 that tells Allpass not to send it again)');
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
  const { store, screener, maxBodyBytes, clockSkewMs, expectedAppKey, durable, onEvent, onError, onStale, onDuplicate, timeOf, validate } = settings(options);
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
      throw new Answer(500, error, 'store');
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
        throw new Answer(500, error, 'callback');
      }
      claimedMs = timeValue(claimed);
    }
    // A time that is not a date cannot be ordered: a malformed envelope like any other (a
    // custom `timeOf` is the caller's code: 500).
    if (Number.isNaN(claimedMs)) {
      throw new Answer(timeOf ? 500 : 400, allpassError('INVALID_ENVELOPE', undefined, timeOf ? '`timeOf(event)` did not return a date' : 'the webhook envelope field `time` is not an ISO-8601 time'), timeOf ? 'callback' : undefined);
    }
    const time = orderTime(claimedMs, firstSeen);
    return { applicantId, time, eventTime: time === claimedMs ? claimed : new Date(time).toISOString(), sentMs };
  }

  /** The delivery's identities: its body, and its event (payload and time). */
  async function idsOf({ payloadJson }, { sentMs }, delivery) {
    const ids = [await eventDigest(sentMs, payloadJson)];
    if (delivery) ids.unshift(delivery.bodyDigest);
    return ids;
  }

  /** onDuplicate or onStale for a verdict other than 'proceed' (a failure is the callback's: 500); false when the event is to be handled. */
  async function settled(verdict, event) {
    try {
      if (verdict.outcome === 'duplicate') {
        if (onDuplicate) await onDuplicate(event);
      } else if (verdict.outcome === 'stale') {
        if (onStale) await onStale(event, verdict.last);
      } else {
        return false;
      }
    } catch (error) {
      throw new Answer(500, error, 'callback');
    }
    return true;
  }

  /** The store's verdict, then onEvent under its hold: 'handled', 'duplicate' or 'stale'. */
  async function run(opened, ordered, delivery, context, watch) {
    const { event } = opened;
    const { applicantId, time, eventTime } = ordered;
    const lease = await fromStore(async () => store.begin({ applicantId, time, eventTime, ids: await idsOf(opened, ordered, delivery) }));
    watch.stage('store');
    if (await settled(lease, event)) return lease.outcome;
    try {
      await onEvent(event, { ...context, ...lease.context, signal: lease.signal });
    } catch (error) {
      await Promise.resolve(lease.abort(error)).catch(() => {});
      throw new Answer(500, error, 'onEvent');
    }
    watch.stage('onEvent');
    try {
      await lease.commit();
    } catch (error) {
      await Promise.resolve(lease.abort(error)).catch(() => {});
      throw new Answer(500, error, 'store');
    }
    return 'handled';
  }

  /** Durable mode: the same verdict as `run`, and the delivery kept as received (data encrypted) for the workers: 'enqueued', 'duplicate' or 'stale'. */
  async function keep(opened, ordered, delivery, envelope, watch) {
    const { status, statusCode, data } = envelope;
    const { applicantId, time, eventTime } = ordered;
    const verdict = await fromStore(async () => store.enqueue({ applicantId, time, eventTime, ids: await idsOf(opened, ordered, delivery), envelope: { status, statusCode, data, time: envelope.time } }));
    watch.stage('store');
    return (await settled(verdict, opened.event)) ? verdict.outcome : 'enqueued';
  }

  async function receive(body, context) {
    const watch = watchWebhook();
    try {
      if (body === TOO_LARGE) throw new Answer(413, allpassError('INVALID_ARGUMENT', 'TOO_LONG', `the webhook body is over maxBodyBytes (${maxBodyBytes} bytes)`));
      // The key first: a body is screened (and remembered) only when it can also be opened.
      const keyed = await cipher().catch((error) => {
        // A bad key or a module not loaded is our configuration: 500, so the vendor retries.
        throw new Answer(500, error, 'key');
      });
      const screened = await screen(body);
      watch.stage('screen');
      const opened = await open(keyed, screened);
      watch.stage('open');
      await claim(screened);
      watch.stage('claim');
      const { event } = opened;
      const ordered = order(event, screened.firstSeen);
      const outcome = durable ? await keep(opened, ordered, screened.delivery, screened.envelope, watch) : await run(opened, ordered, screened.delivery, context, watch);
      watch.publish(outcome === 'handled' ? { outcome, status: 200, keyIndex: event.keyIndex, lagMs: Date.now() - ordered.sentMs } : { outcome, status: 200, keyIndex: event.keyIndex });
      return 200;
    } catch (error) {
      const answer = error instanceof Answer ? error : new Answer(500, error);
      watch.publish(unhandled(answer));
      return report(answer.cause, context, answer.status);
    }
  }

  return {
    maxBodyBytes,
    receive,
    tooLarge: TOO_LARGE,
    /** A body that could not be read: the uniform 400; an AllpassError (the front end's own diagnosis) goes to onError as it is. */
    unreadable: (cause, context) => report(isAllpassError(cause) ? cause : allpassError('INVALID_ARGUMENT', 'UNREADABLE', 'the webhook body could not be read', { cause }), context, 400),
  };
}

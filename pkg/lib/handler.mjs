// createWebhookHandler: a web-standard `(request: Request) => Promise<Response>` for Next.js
// route handlers, Hono, Cloudflare Workers, Deno.serve and Bun.serve. Web-standard JavaScript
// only: no node: imports. createNodeMiddleware (./middleware.mjs) shares the core below.
import { wasm } from './api.mjs';
import { isAllpassError } from './errors.mjs';
import { createOrder, timeValue } from './order.mjs';

/** 1 MiB: far above any webhook (the vendor's payloads are a few KB). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** An error shaped like the core's (`name`, `code`, `reason`), for causes found in JavaScript. */
export function allpassError(code, reason, message, extra) {
  const error = new Error(message, extra?.cause === undefined ? undefined : { cause: extra.cause });
  error.name = 'AllpassCryptoError';
  error.code = code;
  if (reason !== undefined) error.reason = reason;
  if (extra) for (const [name, value] of Object.entries(extra)) if (name !== 'cause') error[name] = value;
  return error;
}

const TOO_LARGE = Symbol('too large');

/**
 * The options, checked once, and the state both front ends share: the cipher (built on first
 * use if the WebAssembly module is not ready yet, as in a browser before `init()`), the order.
 * Returns `process(body, context) → status`, where body is bytes, a string or a parsed object.
 */
export function webhookCore(options) {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object: { key, onEvent, … }');
  const { key, onEvent, onError, onStale, timeOf, lastSeen } = options;
  const keyOk = typeof key === 'string' || (Array.isArray(key) && key.length > 0 && key.every((k) => typeof k === 'string'));
  if (!keyOk) throw new TypeError('`key` must be the 64-hex-character key, or a non-empty list of them (newest first)');
  if (typeof onEvent !== 'function') throw new TypeError('`onEvent(event, context)` must be a function');
  for (const [name, value] of Object.entries({ onError, onStale, timeOf })) {
    if (value !== undefined && typeof value !== 'function') throw new TypeError(`\`${name}\` must be a function`);
  }
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) throw new TypeError('`maxBodyBytes` must be a whole number of bytes, at least 1');
  const order = createOrder({ lastSeen, timeOf, onStale });

  // Built now when the module is loaded (so a bad key fails at start-up), else on first use.
  let cipher = null;
  const keys = typeof key === 'string' ? key : [...key];
  try {
    cipher = new (wasm().AllpassCipher)(keys);
  } catch (error) {
    if (isAllpassError(error)) throw error;
  }
  const getCipher = () => (cipher ??= new (wasm().AllpassCipher)(keys));

  /** Reports a cause to onError without waiting for it and without letting it change the answer. */
  function report(error, context) {
    if (!onError) return;
    try {
      const result = onError(error, context);
      if (result && typeof result.then === 'function') result.then(undefined, () => {});
    } catch {
      // onError's own failure must not change the answer.
    }
  }

  async function process(body, context) {
    if (body === TOO_LARGE) {
      report(allpassError('INVALID_ARGUMENT', 'TOO_LONG', `the webhook body is over maxBodyBytes (${maxBodyBytes} bytes)`), { ...context, status: 413 });
      return 413;
    }
    let event;
    try {
      event = getCipher().parseWebhook(body);
    } catch (error) {
      // A bad key or a module not loaded is our configuration, not the request: answer 500 so
      // the vendor retries. Everything else is the request's fault: the one uniform 400.
      const status = isAllpassError(error) && error.code !== 'INVALID_KEY' ? 400 : 500;
      report(error, { ...context, status });
      return status;
    }
    // The envelope's `time` is ISO-8601 (documented); one that is not a date cannot be ordered,
    // and is a malformed envelope like any other (a custom `timeOf` is the caller's code: 500).
    const id = event.data !== null && typeof event.data === 'object' ? event.data.id : undefined;
    if (lastSeen && !timeOf && typeof id === 'string' && id !== '' && Number.isNaN(timeValue(event.time))) {
      report(allpassError('INVALID_ENVELOPE', undefined, 'the webhook envelope field `time` is not an ISO-8601 time'), { ...context, status: 400 });
      return 400;
    }
    try {
      await order.run(event, () => onEvent(event, context));
      return 200;
    } catch (error) {
      report(error, { ...context, status: 500 });
      return 500;
    }
  }

  return {
    maxBodyBytes,
    process,
    tooLarge: TOO_LARGE,
    unreadable: (cause, context) => {
      report(allpassError('INVALID_ARGUMENT', 'UNREADABLE', 'the webhook body could not be read', { cause }), { ...context, status: 400 });
      return 400;
    },
  };
}

/** Reads a web `Request` body, at most `max` bytes: the bytes, or TOO_LARGE (body cancelled). */
async function readBody(request, max) {
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\s*\d+\s*$/.test(declared) && Number(declared) > max) {
    request.body?.cancel().catch(() => {});
    return TOO_LARGE;
  }
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      reader.cancel().catch(() => {});
      return TOO_LARGE;
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

/** The answers: no body, and the same headers for every status (nothing that tells causes apart). */
function answer(status) {
  return new Response(null, status === 405 ? { status, headers: { allow: 'POST' } } : { status });
}

/**
 * `(request: Request, extra?) => Promise<Response>`: 405 unless POST; 413 for a body over
 * `maxBodyBytes` (not read to the end); 400, always the same, for anything that cannot be read,
 * parsed or decrypted (the cause goes to `onError`); 500 when `onEvent` (or the store) fails;
 * 200 when the event was handled or is stale. `extra` (a Worker's `{ env, ctx }`, Next.js's
 * second argument) is passed on to the callbacks in their context, beside `request`.
 */
export function createWebhookHandler(options) {
  const core = webhookCore(options);
  return async function allpassWebhookHandler(request, extra) {
    if (request.method !== 'POST') {
      request.body?.cancel().catch(() => {});
      return answer(405);
    }
    const context = extra !== null && typeof extra === 'object' ? { ...extra, request } : { request };
    let body;
    try {
      body = await readBody(request, core.maxBodyBytes);
    } catch (error) {
      return answer(core.unreadable(error, context));
    }
    return answer(await core.process(body, context));
  };
}

// createNodeMiddleware: `(req, res, next?)` for node:http, Express, Connect (and, through
// request.raw / reply.raw, Fastify and Koa). The same behaviour as createWebhookHandler, with
// nothing but what node:http hands over: no node: imports.
import { allpassError } from './errors.mjs';
import { webhookCore } from './webhook-core.mjs';

const isBytes = (value) => value instanceof Uint8Array;

/**
 * The body a parser left on `req.rawBody` (bytes) or `req.body` (string, Buffer/Uint8Array, or a parsed object), or
 * `undefined` when the stream is still to be read. An empty object on a stream nobody read is
 * what old body parsers leave for a content type they skipped: the stream is read instead.
 */
function parsedBody(req) {
  // The exact bytes, where a framework keeps them beside the parsed body (NestJS `rawBody: true`).
  if (isBytes(req.rawBody)) return req.rawBody;
  const body = req.body;
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || isBytes(body)) return body;
  if (!streamConsumed(req) && typeof body === 'object' && Object.getPrototypeOf(body) === Object.prototype && Object.keys(body).length === 0) return undefined;
  return body;
}

/**
 * True when someone has already read the request stream (a body parser), so no body can reach
 * us through it. Only what says so counts: `readableEnded`, or data taken out (`readableDidRead`).
 * Not `req.complete`: Node sets it once it has *parsed* the whole message, while the body still
 * waits unread in the stream, as it does behind any middleware that awaited real I/O.
 */
function streamConsumed(req) {
  return req.readableEnded === true || req.readableDidRead === true;
}

/** Reads the request stream, at most `max` bytes: the bytes, `tooLarge`, or `undefined` when
 * someone else already consumed the stream (no body reached us). */
function readStream(req, max, tooLarge) {
  const declared = req.headers?.['content-length'];
  if (declared !== undefined && /^\s*\d+\s*$/.test(declared) && Number(declared) > max) return Promise.resolve(tooLarge);
  if (streamConsumed(req)) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks = [];
    let total = 0;
    const stop = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      req.off('close', onAborted);
    };
    const onData = (chunk) => {
      const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
      total += bytes.byteLength;
      if (total > max) {
        stop();
        req.pause();
        resolve(tooLarge);
        return;
      }
      chunks.push(bytes);
    };
    const onEnd = () => {
      stop();
      const body = new Uint8Array(total);
      let at = 0;
      for (const chunk of chunks) {
        body.set(chunk, at);
        at += chunk.byteLength;
      }
      resolve(body);
    };
    const onError = (error) => {
      stop();
      reject(error);
    };
    const onAborted = () => onError(new Error('the request was aborted'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
    req.on('close', onAborted); // closed before 'end': the client went away
    req.resume(); // a 'data' listener does not restart a stream an earlier middleware paused
  });
}

/** A stream someone else read, with nothing left on `req.body`: what to change, framework by framework. */
const noBodyError = () =>
  allpassError(
    'INVALID_ARGUMENT',
    'NO_BODY',
    "a body parser read the request stream before this middleware and left nothing on req.body. Express, Connect, NestJS: mount the middleware before that parser, or use express.json(), express.text() or express.raw() (they keep req.body); Koa: create @koa/bodyparser with { patchNode: true }, or set ctx.req.body = ctx.request.body before calling it with ctx.req; Fastify: set request.raw.body = request.body before calling it with request.raw",
  );

/** The answers: no body, the same headers for every status. A 413 closes the connection, so
 * the rest of the body is not read. */
function send(res, status) {
  if (res.headersSent || res.writableEnded) return;
  const headers = { 'content-length': '0' };
  if (status === 405) headers.allow = 'POST';
  if (status === 413) headers.connection = 'close';
  res.writeHead(status, headers);
  res.end();
}

/**
 * `(req, res, next?) => Promise<void>`: answers every request itself, as createWebhookHandler
 * does (405, 413, one uniform 400, 500, 200) and never calls `next` (it is accepted so the
 * function goes wherever Express or Connect middleware goes). Uses `req.body` when a body parser
 * already ran (string, Buffer, or the parsed object), else reads the stream, at most
 * `maxBodyBytes`.
 */
export function createNodeMiddleware(options) {
  const core = webhookCore(options);
  return async function allpassMiddleware(req, res, next) {
    void next;
    const context = { req, res };
    if (req.method !== 'POST') return send(res, 405);
    let body = parsedBody(req);
    if (body !== undefined) {
      const size = typeof body === 'string' ? new TextEncoder().encode(body).byteLength : isBytes(body) ? body.byteLength : 0;
      if (size > core.maxBodyBytes) body = core.tooLarge;
    } else {
      try {
        body = await readStream(req, core.maxBodyBytes, core.tooLarge);
      } catch (error) {
        return send(res, core.unreadable(error, context));
      }
      if (body === undefined) return send(res, core.unreadable(noBodyError(), context));
    }
    send(res, await core.receive(body, context));
  };
}

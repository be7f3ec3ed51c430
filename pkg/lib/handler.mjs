// createWebhookHandler: a web-standard `(request: Request) => Promise<Response>` for Next.js
// route handlers, Hono, Cloudflare Workers, Deno.serve and Bun.serve. Web-standard JavaScript
// only: no node: imports. createNodeMiddleware (./middleware.mjs) shares its core (./webhook-core.mjs).
import { webhookCore } from './webhook-core.mjs';

/** Reads a web `Request` body, at most `max` bytes: the bytes, or `tooLarge` (body cancelled). */
async function readBody(request, max, tooLarge) {
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\s*\d+\s*$/.test(declared) && Number(declared) > max) {
    request.body?.cancel().catch(() => {});
    return tooLarge;
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
      return tooLarge;
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
      body = await readBody(request, core.maxBodyBytes, core.tooLarge);
    } catch (error) {
      return answer(core.unreadable(error, context));
    }
    return answer(await core.receive(body, context));
  };
}

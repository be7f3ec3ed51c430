// The debugging page and a local webhook inbox, on node:http alone. `npx allpass-crypto serve`
// and `make serve` both run this file (through the CLI beside it, its only user).
//
//   POST /webhook          open to anyone: stores the raw body (JSON, at most 1 MB), answers 200
//   GET  /                 the page (../www/), /dist/web/* the package's browser build, and
//                          /lib/codes.mjs (the error hints the page shows)
//   GET  /webhooks         the stored bodies, oldest first
//   GET  /events           Server-Sent Events: `webhook` per arrival, `forward` per forward result
//
// Everything but POST /webhook needs the token printed at start-up (`/?token=…` sets an HttpOnly,
// SameSite=Strict cookie, as Jupyter does), so a tunnel pointed at the port exposes the webhook
// endpoint and nothing else. Memory is bounded: bodies being received, bodies stored, bodies
// waiting to be forwarded and each event-stream subscriber's unsent buffer all have a ceiling.
//
// The server never sees a key: webhooks are stored and shown encrypted, and decrypted in the
// browser with the key typed there.
import http from 'node:http';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpUrl } from '../lib/validate.mjs';

export const MAX_BODY_BYTES = 1024 * 1024;
/** The inbox keeps the last MAX_STORED webhooks, and at most MAX_STORED_BYTES of them in all. */
export const MAX_STORED = 100;
export const MAX_STORED_BYTES = 16 * 1024 * 1024;
/** Bytes of request bodies held while they arrive; a chunk past it waits (unread, in the kernel's buffers). */
export const MAX_RECEIVING_BYTES = 8 * 1024 * 1024;
/** Requests waiting for that budget; past it they get 503. */
export const MAX_WAITING = 256;
/** A sender gets this long for its headers, and this long for the whole request (waiting for the
 * receive budget included, so not much less under load): an idle connection must not hold the
 * inbox for Node's default five minutes. */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;
/** A subscriber whose unsent event-stream buffer passes this is dropped (its browser reconnects). */
export const MAX_UNSENT_BYTES = 64 * 1024;
export const MAX_SUBSCRIBERS = 16;
/** --forward-to: requests in flight, bytes queued behind them, and how long one may take. */
export const FORWARD_CONCURRENCY = 4;
export const MAX_FORWARD_QUEUE_BYTES = 8 * 1024 * 1024;
export const FORWARD_TIMEOUT_MS = 10_000;
/** With a `collectGarbage` option, a full collection runs after every this many bytes received. */
export const COLLECT_EVERY_BYTES = 16 * 1024 * 1024;

const HERE = fileURLToPath(new URL('.', import.meta.url));
/** The page, and the browser build it imports as ../dist/web/ (the same layout on disk). */
export const WWW = resolve(HERE, '../www');
export const DIST_WEB = resolve(HERE, '../dist/web');
/** The one module of lib/ the page imports (as ../lib/codes.mjs: the error hints, no imports of its own). */
const PAGE_LIB = '/lib/codes.mjs';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.json': 'application/json',
};
// The page may talk to its own origin only; 'wasm-unsafe-eval' lets it compile the module.
const CSP = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * What `createServer` returns: node:http's server and the inbox's own fields.
 * @typedef {import('node:http').Server & { token: string, forwardTo?: string, inboxStats(): Record<string, number>, closeAllEvents(): void }} InboxServer
 */

/** A file under `root` as { body, type }, or null if the path escapes it or does not exist. */
export async function staticFile(root, urlPath) {
  const relative = normalize(decodeURIComponent(urlPath)).replace(/^([/\\])+/, '');
  const path = resolve(root, relative || 'index.html');
  if (path !== root && !path.startsWith(root + sep)) return null;
  try {
    return { body: await readFile(path), type: TYPES[extname(path)] ?? 'application/octet-stream' };
  } catch {
    return null;
  }
}

function send(response, status, body, headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  response.end(text);
}

const digest = (text) => createHash('sha256').update(String(text)).digest();
/** Constant-time comparison of a presented token with the real one (hashes first: equal lengths). */
function sameToken(presented, token) {
  return typeof presented === 'string' && presented !== '' && timingSafeEqual(digest(presented), digest(token));
}

function cookie(request, name) {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/**
 * A byte budget for bodies as they arrive, that chunks wait for in arrival order. Requests hold
 * what they received until they finish, so all of them could wait for each other with the budget
 * full of half bodies: the oldest request in progress (`oldest()` of the owner) never waits, so
 * one always finishes (the budget is then exceeded by one body at most).
 */
function budget(total) {
  let free = total;
  const waiting = [];
  const grant = (index) => {
    const [next] = waiting.splice(index, 1);
    free -= next.bytes;
    next.resolve();
  };
  return {
    get waiting() { return waiting.length; },
    get used() { return total - free; },
    acquire(bytes, owner) {
      if (owner.oldest() || (waiting.length === 0 && bytes <= free)) {
        free -= bytes;
        return Promise.resolve();
      }
      return new Promise((resolve) => waiting.push({ bytes, owner, resolve }));
    },
    release(bytes) {
      free += bytes;
      const oldest = waiting.findIndex((waiter) => waiter.owner.oldest());
      if (oldest >= 0) grant(oldest);
      while (waiting.length && waiting[0].bytes <= free) grant(0);
    },
  };
}

/**
 * Creates the server; `listen` it yourself.
 * - `token`: the secret the page and the inbox need (random unless given); also `server.token`.
 * - `forwardTo`: a URL every received webhook is POSTed to, unchanged.
 * - `log`: a function given one line per event (never a body, never a key).
 * - `collectGarbage`: a full garbage collection (the CLI passes V8's); called every
 *   COLLECT_EVERY_BYTES received, so a burst of large bodies does not leave hundreds of MB of
 *   dead strings waiting for the collector's own schedule.
 * @param {{ log?: (line: string) => void, token?: string, forwardTo?: string, collectGarbage?: () => void }} [options]
 */
export function createServer({ log = () => {}, token = randomBytes(24).toString('base64url'), forwardTo, collectGarbage } = {}) {
  if (forwardTo !== undefined) forwardTo = httpUrl('forwardTo', forwardTo).href;
  const stored = [];
  let storedBytes = 0;
  const subscribers = new Set();
  const receiving = budget(MAX_RECEIVING_BYTES);
  const inProgress = new Set(); // bodies being received, oldest first
  const forwards = { active: 0, queue: [], queuedBytes: 0, done: 0 };
  let nextId = 1;
  let dropped = 0;
  let receivedSinceCollect = 0;

  function broadcast(event, id, value) {
    const message = `event: ${event}\nid: ${id}\ndata: ${JSON.stringify(value)}\n\n`;
    for (const subscriber of subscribers) {
      // Still holding what it was sent before: it is not reading. Drop it; a browser reconnects
      // and the page fetches the stored webhooks again.
      if (subscriber.writableLength > MAX_UNSENT_BYTES) {
        subscribers.delete(subscriber);
        subscriber.destroy();
        dropped++;
        log('event stream: dropped a subscriber that stopped reading');
        continue;
      }
      subscriber.write(message);
    }
  }

  function store(webhook) {
    stored.push(webhook);
    storedBytes += webhook.body.length;
    while (stored.length > MAX_STORED || storedBytes > MAX_STORED_BYTES) storedBytes -= stored.shift().body.length;
  }

  function settleForward(webhook, result) {
    webhook.forward = { url: forwardTo, ...result };
    forwards.done++;
    log(`webhook #${webhook.id}: forwarded to ${forwardTo}: ${result.status ?? result.error}${result.ms === undefined ? '' : ` in ${result.ms} ms`}`);
    broadcast('forward', webhook.id, { id: webhook.id, forward: webhook.forward });
  }

  async function forwardOne(webhook, contentType) {
    const started = performance.now();
    try {
      const response = await fetch(forwardTo, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: webhook.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
      });
      await response.arrayBuffer().catch(() => {});
      settleForward(webhook, { status: response.status, ms: Math.round(performance.now() - started) });
    } catch (error) {
      const reason = error?.name === 'TimeoutError' ? `no answer within ${FORWARD_TIMEOUT_MS / 1000} s` : (error?.cause?.code ?? error?.message ?? String(error));
      settleForward(webhook, { error: `not delivered: ${reason}`, ms: Math.round(performance.now() - started) });
    }
  }

  function pumpForwards() {
    while (forwards.active < FORWARD_CONCURRENCY && forwards.queue.length) {
      const { webhook, contentType } = forwards.queue.shift();
      forwards.queuedBytes -= webhook.body.length;
      forwards.active++;
      forwardOne(webhook, contentType).finally(() => {
        forwards.active--;
        pumpForwards();
      });
    }
  }

  function forward(webhook, contentType) {
    if (forwards.queuedBytes + webhook.body.length > MAX_FORWARD_QUEUE_BYTES) {
      return settleForward(webhook, { error: 'not forwarded: too many webhooks already waiting to be forwarded' });
    }
    webhook.forward = { url: forwardTo, pending: true };
    forwards.queue.push({ webhook, contentType });
    forwards.queuedBytes += webhook.body.length;
    pumpForwards();
  }

  async function receive(request, response) {
    const tooBig = () => {
      request.resume();
      send(response, 413, { error: `body over ${MAX_BODY_BYTES} bytes` }, { connection: 'close' });
    };
    const declared = Number(request.headers['content-length'] ?? NaN);
    if (declared > MAX_BODY_BYTES) return tooBig();
    if (receiving.waiting >= MAX_WAITING) {
      request.resume();
      return send(response, 503, { error: 'too many webhooks arriving at once; retry' }, { connection: 'close', 'retry-after': '1' });
    }
    // Bytes are reserved as they arrive, never from the declared length: a sender that declares
    // a megabyte and sends nothing holds nothing. Under load a chunk waits here, its request
    // paused, until others finish.
    let held = 0;
    let body;
    const owner = { oldest: () => inProgress.values().next().value === owner };
    inProgress.add(owner);
    try {
      const chunks = [];
      for await (const chunk of request) {
        if (held + chunk.length > MAX_BODY_BYTES) return tooBig();
        await receiving.acquire(chunk.length, owner);
        held += chunk.length;
        chunks.push(chunk);
      }
      const size = held;
      body = Buffer.concat(chunks, size).toString('utf8');
      chunks.length = 0;
      try {
        JSON.parse(body);
      } catch {
        return send(response, 400, { error: 'body is not JSON; Allpass webhooks are JSON envelopes' });
      }
    } finally {
      inProgress.delete(owner);
      receiving.release(held);
      receivedSinceCollect += held;
      if (collectGarbage && receivedSinceCollect >= COLLECT_EVERY_BYTES) {
        receivedSinceCollect = 0;
        collectGarbage();
      }
    }
    const webhook = { id: nextId++, receivedAt: new Date().toISOString(), body };
    store(webhook);
    log(`webhook #${webhook.id}: ${Buffer.byteLength(body)} bytes`);
    if (forwardTo) forward(webhook, request.headers['content-type'] ?? 'application/json');
    broadcast('webhook', webhook.id, webhook);
    return send(response, 200, { received: true, id: webhook.id });
  }

  function events(request, response) {
    if (subscribers.size >= MAX_SUBSCRIBERS) return send(response, 503, { error: 'too many open inbox pages' });
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    response.write(': connected\n\n');
    subscribers.add(response);
    const forget = () => subscribers.delete(response);
    request.on('close', forget);
    response.on('close', forget);
  }

  function unauthorized(request, response, pathname) {
    if (pathname === '/' || pathname.endsWith('.html')) {
      response.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      return response.end('This webhook inbox needs its token: open the URL that `allpass-crypto serve` printed when it started (it ends in ?token=…).\n');
    }
    return send(response, 401, { error: 'token required: open the URL printed by `allpass-crypto serve`' });
  }

  const server = /** @type {InboxServer} */ (http.createServer({ headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: 1_000 }, async (request, response) => {
    try {
      const url = new URL(request.url, 'http://localhost');
      const { pathname } = url;
      if (pathname === '/webhook') {
        if (request.method !== 'POST') return send(response, 405, { error: 'POST a webhook body here' }, { allow: 'POST' });
        return await receive(request, response);
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, { error: 'method not allowed' }, { allow: 'GET, HEAD' });

      // Cookies are per host, not per port: the port in the name keeps two inboxes apart.
      const cookieName = `allpass-inbox-${request.socket.localPort}`;
      if (url.searchParams.has('token')) {
        if (!sameToken(url.searchParams.get('token'), token)) return unauthorized(request, response, '/');
        url.searchParams.delete('token');
        // A path that starts with two slashes ('/.//evil.example/') would be read by the browser
        // as another host: the redirect keeps one leading slash, so it stays on this origin.
        response.writeHead(303, {
          location: `/${pathname.replace(/^[/\\]+/, '')}${url.search}`,
          'set-cookie': `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`,
          'cache-control': 'no-store',
          'referrer-policy': 'no-referrer',
        });
        return response.end();
      }
      if (!sameToken(cookie(request, cookieName), token)) return unauthorized(request, response, pathname);

      if (pathname === '/webhooks') return send(response, 200, stored);
      if (pathname === '/events') return events(request, response);
      const file = pathname === PAGE_LIB ? await staticFile(resolve(HERE, '../lib'), 'codes.mjs')
        : pathname.startsWith('/dist/web/') ? await staticFile(DIST_WEB, pathname.slice('/dist/web/'.length)) : await staticFile(WWW, pathname);
      if (!file || (pathname.endsWith('.mjs') && pathname !== PAGE_LIB) || pathname.endsWith('.png')) return send(response, 404, { error: 'not found' });
      response.writeHead(200, {
        'content-type': file.type,
        'content-security-policy': CSP,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-cache',
      });
      response.end(request.method === 'HEAD' ? undefined : file.body);
    } catch (error) {
      if (error instanceof URIError) return send(response, 400, { error: 'malformed URL' });
      log(`error: ${error.stack}`);
      if (!response.headersSent) send(response, 500, { error: 'internal error' });
      else response.destroy();
    }
  }));
  server.on('clientError', (_, socket) => socket.destroy());
  server.token = token;
  server.forwardTo = forwardTo;
  /** What the limits are holding right now (for tests and the curious). */
  server.inboxStats = () => ({
    stored: stored.length,
    storedBytes,
    subscribers: subscribers.size,
    droppedSubscribers: dropped,
    receivingBytes: receiving.used,
    waiting: receiving.waiting,
    forwarding: forwards.active,
    forwardQueueBytes: forwards.queuedBytes,
    forwarded: forwards.done,
  });
  // Server-Sent Events connections must not keep the process alive on close().
  server.closeAllEvents = () => {
    for (const subscriber of subscribers) subscriber.end();
    subscribers.clear();
  };
  return server;
}

/** Starts the server and resolves to { server, url, origin } once it listens.
 * @param {{ port?: number, host?: string } & Parameters<typeof createServer>[0]} [options]
 * @returns {Promise<{ server: InboxServer, url: string, origin: string }>}
 */
export function startServer({ port = 8080, host = '127.0.0.1', ...options } = {}) {
  const server = createServer(options);
  return new Promise((resolveStart, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const { port: actual } = /** @type {import('node:net').AddressInfo} */ (server.address());
      const shownHost = host.includes(':') ? `[${host}]` : host;
      const origin = `http://${shownHost}:${actual}`;
      resolveStart({ server, origin, url: `${origin}/?token=${server.token}` });
    });
  });
}

// The Node middleware behind middleware that awaits real I/O. Node sets `req.complete` once it
// has parsed the whole message, before anyone reads the body: a middleware that took that for
// "already read" answered 400 to every genuine webhook (and to every retry). Each server here
// runs an async step first (a timer, as an auth check or a session store would), and bodies
// arrive in several chunks, some after a pause.
import assert from 'node:assert/strict';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { applicantEvent, envelope, installPackage, request, testKeys } from './harness.mjs';

let installed;
before(async () => {
  installed = await installPackage();
});
after(() => installed?.remove());

const keys = testKeys();

function recorder() {
  const log = { events: [], errors: [] };
  const allpass = installed.pkg.createNodeMiddleware({
    key: keys.current,
    onEvent: (event) => void log.events.push(event.data),
    onError: (error, context) => void log.errors.push([error.code, error.reason, context.status]),
  });
  return { log, allpass };
}

const listening = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`)));
const closing = (server) => new Promise((resolve) => {
  server.closeAllConnections();
  server.close(() => resolve());
});
/** Runs `fn(url of /webhook)` against a node:http server, closed afterwards. */
async function serving(server, fn) {
  try {
    await fn(`${await listening(server)}/webhook`);
  } finally {
    await closing(server);
  }
}

/** A body in three chunks, the last after a pause: the server has it all only after awaiting. */
function chunked(body) {
  const text = JSON.stringify(body);
  const third = Math.ceil(text.length / 3);
  return [text.slice(0, third), text.slice(third, 2 * third), text.slice(2 * third)];
}

/** Sends a webhook in one piece, and in chunks with pauses: each must be handled. */
async function deliver(url, log) {
  const whole = applicantEvent();
  const response = await request(url, { body: JSON.stringify(envelope(whole, keys.current)), headers: { 'content-type': 'application/json' } });
  assert.equal(response.status, 200, `in one piece: ${JSON.stringify(log.errors)}`);
  const pieces = applicantEvent();
  const parts = chunked(envelope(pieces, keys.current));
  const slow = await new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json' }, agent: false });
    req.on('error', reject);
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    (async () => {
      for (const part of parts) {
        req.write(part);
        await sleep(30);
      }
      req.end();
    })();
  });
  assert.equal(slow, 200, `in chunks: ${JSON.stringify(log.errors)}`);
  assert.deepEqual(log.events, [whole, pieces]);
  assert.deepEqual(log.errors, []);
}

describe('createNodeMiddleware after async middleware', () => {
  it('node:http: an awaited step before the middleware', async () => {
    const { log, allpass } = recorder();
    const server = http.createServer(async (req, res) => {
      await sleep(20);
      await allpass(req, res);
    });
    await serving(server, (url) => deliver(url, log));
  });

  it('Express 5: an async middleware (a store lookup) before the route', async () => {
    const { log, allpass } = recorder();
    const app = express();
    app.use(async (req, res, next) => {
      await sleep(20);
      next();
    });
    app.post('/webhook', allpass);
    const server = http.createServer(app);
    await serving(server, (url) => deliver(url, log));
  });

  it('Koa 3: an awaited middleware before it', async () => {
    const { log, allpass } = recorder();
    const app = new Koa();
    app.use(async (ctx, next) => {
      await sleep(20);
      await next();
    });
    app.use(async (ctx) => {
      ctx.respond = false;
      await allpass(ctx.req, ctx.res);
    });
    const server = http.createServer(app.callback());
    await serving(server, (url) => deliver(url, log));
  });

  it('Fastify 5: an async onRequest hook, the body read by the middleware from the raw stream', async () => {
    const { log, allpass } = recorder();
    const app = Fastify();
    app.addHook('onRequest', async () => {
      await sleep(20);
    });
    await app.register(async (scope) => {
      // No content-type parser runs: the stream reaches the middleware unread.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (request, payload, done) => done(null));
      scope.post('/webhook', (request, reply) => {
        reply.hijack();
        return allpass(request.raw, reply.raw);
      });
    });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      await deliver(`${base}/webhook`, log);
    } finally {
      await app.close();
    }
  });

  it('node:http: a stream an earlier middleware paused is still read', async () => {
    const { log, allpass } = recorder();
    const server = http.createServer(async (req, res) => {
      req.pause();
      await sleep(20);
      await allpass(req, res);
    });
    await serving(server, (url) => deliver(url, log));
  });

  it('a stream someone else already read is still refused: NO_BODY, the uniform 400', async () => {
    const { log, allpass } = recorder();
    const server = http.createServer(async (req, res) => {
      for await (const _ of req); // a parser that consumed the body and kept nothing
      await allpass(req, res);
    });
    await serving(server, async (url) => {
      const response = await request(url, { body: JSON.stringify(envelope(applicantEvent(), keys.current)), headers: { 'content-type': 'application/json' } });
      assert.equal(response.status, 400);
      assert.deepEqual(log.events, []);
      assert.equal(log.errors.length, 1);
      assert.equal(log.errors[0][2], 400);
    });
  });
});

// The middleware and the handler under the Node servers users run, installed from npm: node:http,
// Express 5, Fastify 5, Koa, Hono on @hono/node-server. Each server is the README's recipe.
import assert from 'node:assert/strict';
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { it } from 'node:test';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { describeServer } from './behaviour.mjs';
import { applicantEvent, envelope, post, signature, takeLog } from './harness.mjs';

/** The recorder fixture, loaded from the installed project (as the other runtimes load it). */
const recorderOf = async (installed) => (await import(pathToFileURL(join(installed.dir, 'recorder.mjs')).href)).recorder;

const listening = (server) =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`)));
const closing = (server) => () =>
  new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });

describeServer('node:http', async ({ config, installed }) => {
  const record = (await recorderOf(installed))(config);
  const allpass = installed.pkg.createNodeMiddleware(record.options);
  const server = http.createServer((req, res) => {
    if (req.url === '/webhook') return allpass(req, res);
    if (req.url === '/log') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(record.take()));
    res.writeHead(404).end();
  });
  return { base: await listening(server), close: closing(server) };
});

describeServer(
  'Express 5',
  async ({ config, installed }) => {
    const record = (await recorderOf(installed))(config);
    const allpass = installed.cjs.createNodeMiddleware(record.options); // require(), as most Express apps
    const app = express();
    // The recipe: the middleware before any global body parser (it reads the body itself) …
    app.all('/webhook', allpass);
    app.use(express.json());
    // … or after a raw/text parser on its own route: req.body is then used as is.
    app.post('/webhook-raw', express.raw({ type: '*/*', limit: config.maxBodyBytes }), allpass);
    app.post('/webhook-text', express.text({ type: '*/*', limit: config.maxBodyBytes }), allpass);
    // … or after express.json(): the parsed object is used (but Express answers bad JSON itself).
    app.post('/webhook-json', express.json({ type: '*/*', limit: config.maxBodyBytes }), allpass);
    app.get('/log', (req, res) => res.json(record.take()));
    const server = http.createServer(app);
    return { base: await listening(server), close: closing(server) };
  },
  {
    extra: (state) => {
      it('after express.raw(), express.text() or express.json(): req.body is used, and the 400 is the same', async () => {
        const { base, url, keys } = state();
        const wrong = envelope(applicantEvent(), keys.stranger);
        const reference = signature(await post(url, wrong));
        for (const route of ['/webhook-raw', '/webhook-text', '/webhook-json']) {
          await takeLog(base);
          const payload = applicantEvent();
          assert.equal((await post(`${base}${route}`, envelope(payload, keys.current))).status, 200, route);
          assert.deepEqual((await takeLog(base)).events.map((event) => event.data.id), [payload.id], route);
          assert.deepEqual(signature(await post(`${base}${route}`, wrong)), reference, route);
        }
      });
    },
  },
);

describeServer('Fastify 5', async ({ config, installed }) => {
  const record = (await recorderOf(installed))(config);
  const allpass = installed.pkg.createNodeMiddleware(record.options);
  const app = Fastify();
  // The recipe: in its own plugin, every body arrives as a Buffer (Fastify's JSON parser would
  // answer bad JSON with its own 400), and the middleware answers through reply.raw.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: config.maxBodyBytes }, (request, body, done) => done(null, body));
    scope.all('/webhook', (request, reply) => {
      reply.hijack();
      request.raw.body = request.body;
      return allpass(request.raw, reply.raw);
    });
  });
  app.get('/log', async () => record.take());
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  return { base, close: () => app.close() };
});

describeServer('Koa 3', async ({ config, installed }) => {
  const record = (await recorderOf(installed))(config);
  const allpass = installed.pkg.createNodeMiddleware(record.options);
  const app = new Koa();
  app.use(async (ctx) => {
    if (ctx.path === '/webhook') {
      ctx.respond = false; // the middleware answers on ctx.res itself
      return allpass(ctx.req, ctx.res);
    }
    if (ctx.path === '/log') ctx.body = record.take();
  });
  const server = http.createServer(app.callback());
  return { base: await listening(server), close: closing(server) };
});

describeServer('Hono 4 on @hono/node-server', async ({ config, installed }) => {
  const record = (await recorderOf(installed))(config);
  const handler = installed.pkg.createWebhookHandler(record.options);
  const app = new Hono();
  app.all('/webhook', (c) => handler(c.req.raw));
  app.get('/log', (c) => c.json(record.take()));
  let server;
  const base = await new Promise((resolve) => {
    server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => resolve(`http://127.0.0.1:${info.port}`));
  });
  return { base, close: closing(server) };
});

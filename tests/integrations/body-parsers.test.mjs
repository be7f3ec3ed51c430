// Body parsers in front of createNodeMiddleware, mounted the way users mount them: Express's
// express.json(), express.text() and express.raw() on the whole app, body-parser, Koa's
// @koa/bodyparser, Fastify's default JSON parser, NestJS without `rawBody`. Each must still
// handle webhooks and answer every tampered or garbage body the parser lets through with the one
// uniform 400 (a body the parser itself refuses, such as text that is not JSON, gets the
// framework's own answer first: README says so). Where the parser leaves no body at all, the 400
// is the same and onError says which setting to change. (Next.js, a route that called
// request.json(): nextjs.test.mjs.)
import 'reflect-metadata';
import assert from 'node:assert/strict';
import http from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import bodyParser from 'body-parser';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import koaBodyParser from '@koa/bodyparser';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { applicantEvent, badBodies, envelope, installPackage, post, serverConfig, signature, takeLog, tamper, testKeys } from './harness.mjs';

const keys = testKeys();
const config = serverConfig(keys);
let installed;
let recorder;
before(async () => {
  installed = await installPackage();
  ({ recorder } = await import(pathToFileURL(join(installed.dir, 'recorder.mjs')).href));
});
after(() => installed?.remove());

const listening = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`)));
async function serving(server, use) {
  const base = await listening(server);
  try {
    await use(base);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** The bad bodies a JSON parser lets through (JSON objects), each with the code onError must get. */
const parsableBadBodies = () =>
  badBodies(keys).filter(([, body]) => {
    try {
      const value = JSON.parse(Buffer.from(body).toString('utf8'));
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    } catch {
      return false;
    }
  });

/**
 * Behind the parser at `${base}${path}`: a webhook sent as each of `contentTypes` is handled
 * (200); a tampered body and every bad body the parser lets through get the same 400, their
 * causes to onError.
 */
async function keepsWorking(base, path, contentTypes = ['application/json']) {
  const url = `${base}${path}`;
  await takeLog(base);
  const ids = [];
  for (const contentType of contentTypes) {
    const payload = applicantEvent();
    ids.push(payload.id);
    const response = await post(url, JSON.stringify(envelope(payload, keys.current)), { 'content-type': contentType });
    assert.equal(response.status, 200, `${path}, ${contentType}`);
  }
  assert.deepEqual((await takeLog(base)).events.map((event) => event.data.id), ids, path);
  const genuine = envelope(applicantEvent(), keys.current);
  const bad = [['tampered', JSON.stringify({ ...genuine, data: tamper(genuine.data) }), 'DECRYPT_FAILED'], ...parsableBadBodies()];
  assert.ok(bad.length >= 5, 'most bad bodies are JSON objects');
  const first = signature(await post(url, bad[0][1]));
  assert.equal(first.status, 400);
  for (const [cause, body] of bad.slice(1)) assert.deepEqual(signature(await post(url, body)), first, `${path}: ${cause}`);
  const log = await takeLog(base);
  assert.deepEqual(log.events, []);
  assert.deepEqual(log.errors.map((error) => error.code), bad.map(([, , code]) => code), path);
}

/** A parser that kept no body: the uniform 400, and onError's cause names `setting`. */
async function saysWhatToChange(base, path, setting, record) {
  const genuine = JSON.stringify(envelope(applicantEvent(), keys.current));
  const reference = signature(await post(`${base}${path}`, JSON.stringify(envelope(applicantEvent(), keys.stranger))));
  record.errors.length = 0;
  assert.deepEqual(signature(await post(`${base}${path}`, genuine)), reference);
  assert.deepEqual((await takeLog(base)).events, []);
  assert.equal(record.errors.length, 1);
  const [error] = record.errors;
  assert.equal(error.code, 'INVALID_ARGUMENT');
  assert.equal(error.reason, 'NO_BODY');
  assert.ok(error.message.includes(setting), `onError's error names ${setting}: ${error.message}`);
}

/** The recorder's options, with every error also kept whole (its cause included). */
function recorded() {
  const record = recorder(config);
  const errors = [];
  const onError = record.options.onError;
  record.options.onError = (error, context) => {
    errors.push(error);
    return onError(error, context);
  };
  return { record, errors };
}

describe('Express 5, a body parser on the whole app', () => {
  for (const [name, parser, ownType] of [
    ['express.json()', express.json, 'application/json'],
    ['express.text()', express.text, 'text/plain'],
    ['express.raw()', express.raw, 'application/octet-stream'],
    ['body-parser json() and urlencoded()', () => [bodyParser.json(), bodyParser.urlencoded({ extended: false })], 'application/json'],
    ['body-parser text()', bodyParser.text, 'text/plain'],
  ]) {
    it(`${name} mounted first: handled whether it parsed the body (${ownType}) or left it (another type)`, async () => {
      const { record } = recorded();
      const app = express();
      app.use(parser());
      app.post('/webhook', installed.cjs.createNodeMiddleware(record.options));
      app.get('/log', (req, res) => res.json(record.take()));
      await serving(http.createServer(app), (base) => keepsWorking(base, '/webhook', [...new Set([ownType, 'application/json', 'application/x-allpass'])]));
    });
  }
});

describe('Koa 3 behind @koa/bodyparser', () => {
  it('bodyParser({ patchNode: true }) first: handled; a consumed stream without patchNode → the same 400, and onError names patchNode', async () => {
    const { record, errors } = recorded();
    const allpass = installed.pkg.createNodeMiddleware(record.options);
    const app = new Koa();
    app.use(async (ctx, next) => {
      if (ctx.path === '/log') ctx.body = record.take();
      else await next();
    });
    app.use(koaBodyParser({ patchNode: true }));
    app.use(async (ctx) => {
      ctx.respond = false; // the middleware answers on ctx.res
      await allpass(ctx.req, ctx.res);
    });
    await serving(http.createServer(app.callback()), (base) => keepsWorking(base, '/webhook', ['application/json', 'application/octet-stream']));

    // The same app with the parser's defaults: the stream is read, the body left on ctx.request only.
    const plain = new Koa();
    plain.use(async (ctx, next) => {
      if (ctx.path === '/log') ctx.body = record.take();
      else await next();
    });
    plain.use(koaBodyParser());
    plain.use(async (ctx) => {
      ctx.respond = false;
      await allpass(ctx.req, ctx.res);
    });
    await serving(http.createServer(plain.callback()), (base) => saysWhatToChange(base, '/webhook', 'patchNode: true', { errors }));
  });
});

describe("Fastify 5's default JSON parser", () => {
  it('request.raw.body = request.body: handled; without it → the same 400, and onError names that line', async () => {
    const { record, errors } = recorded();
    const allpass = installed.pkg.createNodeMiddleware(record.options);
    const app = Fastify();
    app.post('/webhook', (request, reply) => {
      reply.hijack();
      request.raw.body = request.body;
      return allpass(request.raw, reply.raw);
    });
    app.post('/webhook-forgot', (request, reply) => {
      reply.hijack();
      return allpass(request.raw, reply.raw);
    });
    app.get('/log', async () => record.take());
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      await keepsWorking(base, '/webhook');
      await saysWhatToChange(base, '/webhook-forgot', 'request.raw.body = request.body', { errors });
    } finally {
      await app.close();
    }
  });
});

describe('NestJS 11 without rawBody', () => {
  it("behind Nest's own body parsers (a module's MiddlewareConsumer): the parsed req.body is used", async () => {
    const { record } = recorded();
    const allpass = installed.cjs.createNodeMiddleware(record.options);
    class WebhookModule {
      configure(consumer) {
        consumer.apply(allpass).forRoutes('webhook');
      }
    }
    Module({})(WebhookModule);
    const app = await NestFactory.create(WebhookModule, { logger: false });
    app.use('/log', (req, res) => res.json(record.take()));
    await app.listen(0, '127.0.0.1');
    try {
      await keepsWorking(`http://127.0.0.1:${app.getHttpServer().address().port}`, '/webhook');
    } finally {
      await app.close();
    }
  });
});

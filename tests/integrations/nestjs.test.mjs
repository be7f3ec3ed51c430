// The middleware in NestJS 11 on Express (@nestjs/platform-express), created with
// `rawBody: true` as webhook receivers are: mounted with app.use() before Nest registers its
// body parsers, it reads the stream itself; behind them (a module's MiddlewareConsumer, after
// JSON parsing), it takes the exact bytes Nest kept in req.rawBody.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { it } from 'node:test';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { describeServer } from './behaviour.mjs';
import { applicantEvent, envelope, post, signature, takeLog } from './harness.mjs';

describeServer(
  'NestJS 11 on Express',
  async ({ config, installed }) => {
    const { recorder } = await import(pathToFileURL(join(installed.dir, 'recorder.mjs')).href);
    const record = recorder(config);
    const allpass = installed.cjs.createNodeMiddleware(record.options);
    class WebhookModule {
      configure(consumer) {
        // Behind Nest's body parsers: req.body is parsed, req.rawBody has the bytes.
        consumer.apply(allpass).forRoutes('webhook-parsed');
      }
    }
    Module({})(WebhookModule);
    const app = await NestFactory.create(WebhookModule, { rawBody: true, logger: false });
    app.use('/webhook', allpass);
    app.use('/log', (req, res) => res.json(record.take()));
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address();
    return { base: `http://127.0.0.1:${port}`, close: () => app.close() };
  },
  {
    extra: (state) => {
      it("behind Nest's body parsers (rawBody: true): the bytes in req.rawBody are used, and a wrong key gets the same 400", async () => {
        const { base, url, keys } = state();
        const reference = signature(await post(url, envelope(applicantEvent(), keys.stranger)));
        await takeLog(base);
        const payload = applicantEvent();
        assert.equal((await post(`${base}/webhook-parsed`, envelope(payload, keys.current))).status, 200);
        assert.deepEqual(signature(await post(`${base}/webhook-parsed`, envelope(applicantEvent(), keys.stranger))), reference);
        const log = await takeLog(base);
        assert.deepEqual(log.events.map((event) => event.data.id), [payload.id]);
        assert.deepEqual(log.errors.map((error) => error.code), ['DECRYPT_FAILED']);
      });
    },
  },
);

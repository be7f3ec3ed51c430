// Instrumentation: every webhook's outcome on node:diagnostics_channel (`allpass-crypto:webhook`),
// OpenTelemetry spans and metrics through `allpass-crypto/otel` (the SDK's in-memory exporters),
// and README's Prometheus recipe run as written. The behaviour table runs on node:http with
// everything on; then every exported span, metric and message is searched for what must never
// leave the process: the keys, the app key, bodies and payload fields.
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { describeServer } from './behaviour.mjs';
import { applicantEvent, envelope, here, installPackage, testKeys } from './harness.mjs';

const CHANNEL = 'allpass-crypto:webhook';
const minutesAgo = (minutes) => new Date(Date.now() - minutes * 60_000).toISOString();
const post = (body) => new Request('http://localhost/webhook', { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });

/** Makes `names` (from tests/integrations/node_modules) importable from the installed project, as a user's own dependencies. */
function provide(installed, names) {
  for (const name of names) {
    mkdirSync(dirname(join(installed.dir, 'node_modules', name)), { recursive: true });
    try {
      symlinkSync(join(here, 'node_modules', name), join(installed.dir, 'node_modules', name));
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
  }
}

/** Every channel message while `fn` runs. */
async function published(fn) {
  const messages = [];
  const listener = (message) => messages.push(message);
  diagnostics.subscribe(CHANNEL, listener);
  try {
    await fn();
  } finally {
    diagnostics.unsubscribe(CHANNEL, listener);
  }
  return messages;
}

/** Runs `fn(installed)` with the package installed and `names` made importable beside it, then removes it. */
async function withInstalled(names, fn) {
  const installed = await installPackage();
  try {
    provide(installed, names);
    return await fn(installed);
  } finally {
    installed.remove();
  }
}

/** Every metric an in-memory exporter holds, by name. */
const metricsOf = (exporter) => Object.fromEntries(exporter.getMetrics().flatMap((resource) => resource.scopeMetrics.flatMap((scope) => scope.metrics)).map((metric) => [metric.descriptor.name, metric]));

/** The first ```js block after `marker` in README's Observability section. */
function readmeExample(marker) {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Observability'));
  return /```js\n([\s\S]*?)```/.exec(section.slice(section.indexOf(marker)))[1];
}

describe('allpass-crypto:webhook on node:diagnostics_channel', () => {
  let installed;
  before(async () => {
    installed = await installPackage();
  });
  after(() => installed?.remove());
  const keys = testKeys();

  it('one message per webhook: each outcome, its status and code, the stages timed, the lag of a handled event', async () => {
    let fail = false;
    const handler = installed.pkg.createWebhookHandler({
      key: keys.current,
      onEvent: () => {
        if (fail) throw new Error('the database is down');
      },
    });
    const id = randomUUID();
    const first = envelope(applicantEvent({ id }), keys.current, minutesAgo(1));
    const messages = await published(async () => {
      assert.equal((await handler(post(first))).status, 200);
      assert.equal((await handler(post(first))).status, 200);
      assert.equal((await handler(post(envelope(applicantEvent({ id }), keys.current, minutesAgo(2))))).status, 200);
      assert.equal((await handler(post(envelope(applicantEvent(), keys.stranger, minutesAgo(1))))).status, 400);
      const iv = Buffer.from(first.data.slice(0, 32), 'hex');
      iv[5] ^= 1;
      assert.equal((await handler(post({ ...first, data: iv.toString('hex') + first.data.slice(32) }))).status, 400);
      fail = true;
      assert.equal((await handler(post(envelope(applicantEvent(), keys.current, minutesAgo(1))))).status, 500);
    });
    assert.deepEqual(
      messages.map(({ outcome, status, code, failedIn }) => [outcome, status, code, failedIn]),
      [
        ['handled', 200, undefined, undefined],
        ['duplicate', 200, undefined, undefined],
        ['stale', 200, undefined, undefined],
        ['refused', 400, 'DECRYPT_FAILED', undefined],
        ['refused', 400, 'TAMPERED', undefined],
        ['failed', 500, undefined, 'onEvent'],
      ],
    );
    assert.deepEqual(Object.keys(messages[0].stages), ['screen', 'open', 'claim', 'store', 'onEvent']);
    assert.ok(messages.every((message) => message.durationMs >= 0 && Object.values(message.stages).every((ms) => ms >= 0)));
    assert.ok(messages[0].lagMs >= 60_000 && messages[0].lagMs < 120_000, `lag ${messages[0].lagMs} ms for an event a minute old`);
    assert.equal(messages[0].keyIndex, 0);
  });

  it('a key that fails is published as failed in `key`; nothing is published while nobody subscribes', async () => {
    const handler = installed.pkg.createWebhookHandler({ key: () => undefined, onEvent() {} });
    const messages = await published(async () => assert.equal((await handler(post(envelope(applicantEvent(), keys.current)))).status, 500));
    assert.deepEqual(messages.map(({ outcome, code, failedIn }) => [outcome, code, failedIn]), [['failed', 'INVALID_KEY', 'key']]);
    const late = [];
    const listener = (message) => late.push(message);
    assert.equal((await handler(post(envelope(applicantEvent(), keys.current)))).status, 500);
    diagnostics.subscribe(CHANNEL, listener);
    diagnostics.unsubscribe(CHANNEL, listener);
    assert.deepEqual(late, []);
  });
});

// The behaviour table on node:http with OpenTelemetry on, then the search.
const telemetry = { spans: new InMemorySpanExporter(), metrics: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), messages: [] };
let secrets;
describeServer(
  'node:http, instrumented (OpenTelemetry)',
  async ({ config, installed }) => {
    provide(installed, ['@opentelemetry/api']);
    const { instrument } = await import(pathToFileURL(join(installed.dir, 'node_modules/allpass-crypto/otel.mjs')).href);
    const { recorder } = await import(pathToFileURL(join(installed.dir, 'recorder.mjs')).href);
    const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(telemetry.spans)] }).getTracer('test');
    telemetry.reader = new PeriodicExportingMetricReader({ exporter: telemetry.metrics, exportIntervalMillis: 3_600_000 });
    const meter = new MeterProvider({ readers: [telemetry.reader] }).getMeter('test');
    const instrumented = instrument({ tracer, meter });
    const listener = (message) => telemetry.messages.push(message);
    diagnostics.subscribe(CHANNEL, listener);
    const record = recorder(config);
    secrets = config.keys;
    const allpass = installed.pkg.createNodeMiddleware(record.options);
    const server = http.createServer((req, res) => {
      if (req.url === '/webhook') return allpass(req, res);
      if (req.url === '/log') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(record.take()));
      res.writeHead(404).end();
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      base: `http://127.0.0.1:${server.address().port}`,
      close: async () => {
        instrumented.stop();
        diagnostics.unsubscribe(CHANNEL, listener);
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  },
  {
    extra: (state) => {
      it('every exported span, metric and channel message: outcomes and codes, never a key, a body or a payload field', async () => {
        const { base, keys } = state();
        // A few more with known payload fields, to look for.
        const payload = applicantEvent({ externalUserId: `user-${randomUUID()}`, note: 'Zoë Åström' });
        const body = envelope(payload, keys.current);
        assert.equal((await fetch(`${base}/webhook`, { method: 'POST', body: JSON.stringify(body) })).status, 200);
        await telemetry.reader.forceFlush();
        const spans = telemetry.spans.getFinishedSpans();
        const exported = JSON.stringify({
          spans: spans.map((span) => ({ name: span.name, attributes: span.attributes, events: span.events, status: span.status })),
          metrics: telemetry.metrics.getMetrics(),
          messages: telemetry.messages,
        });
        const outcomes = new Set(spans.filter((span) => span.name === 'allpass.webhook').map((span) => span.attributes['allpass.outcome']));
        for (const outcome of ['handled', 'stale', 'refused', 'failed']) assert.ok(outcomes.has(outcome), `a span with outcome ${outcome}: ${[...outcomes]}`);
        assert.ok(spans.some((span) => span.name === 'allpass.webhook.open'), 'a span per stage');
        const names = new Set(telemetry.metrics.getMetrics().flatMap((resource) => resource.scopeMetrics.flatMap((scope) => scope.metrics.map((metric) => metric.descriptor.name))));
        for (const name of ['allpass.webhooks', 'allpass.webhook.duration', 'allpass.webhook.stage.duration', 'allpass.webhook.lag']) assert.ok(names.has(name), name);
        const forbidden = [...secrets, keys.current, keys.stranger, payload.id, payload.appKey, payload.externalUserId, 'Zoë', body.data.slice(0, 32), body.data.slice(-32)];
        for (const secret of forbidden) assert.ok(!exported.includes(secret), `exported telemetry contains ${secret === keys.current || secrets.includes(secret) ? 'a key' : secret}`);
        assert.ok(!/[0-9a-f]{64}/i.test(exported), 'nothing that looks like a key');
      });
    },
  },
);

describe("allpass-crypto/otel: durable mode's worker channel", () => {
  it('each attempt a span and counted by outcome with its time and lag, the backlog as a gauge', () =>
    withInstalled(['@opentelemetry/api'], async (installed) => {
      const { instrument, WORKER_CHANNEL } = await import(pathToFileURL(join(installed.dir, 'node_modules/allpass-crypto/otel.mjs')).href);
      const exported = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
      const reader = new PeriodicExportingMetricReader({ exporter: exported, exportIntervalMillis: 3_600_000 });
      const meter = new MeterProvider({ readers: [reader] }).getMeter('test');
      const spans = new InMemorySpanExporter();
      const instrumented = instrument({ tracer: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }).getTracer('test'), meter });
      const channel = diagnostics.channel(WORKER_CHANNEL);
      channel.publish({ outcome: 'retried', attempt: 1, durationMs: 3, delayMs: 10_000, code: 'STORE_FAILED' });
      channel.publish({ outcome: 'applied', attempt: 2, durationMs: 4, lagMs: 60_000 });
      channel.publish({ outcome: 'backlog', pending: 7, oldestPendingMs: 1_000, dead: 2 });
      await reader.forceFlush();
      instrumented.stop();
      const metrics = metricsOf(exported);
      const points = (name) => metrics[name].dataPoints.map((point) => [point.attributes['allpass.outcome'] ?? point.attributes['allpass.state'], point.value]);
      assert.deepEqual(points('allpass.worker.events').sort(), [['applied', 1], ['retried', 1]]);
      assert.deepEqual(points('allpass.worker.backlog').sort(), [['dead', 2], ['pending', 7]]);
      assert.equal(metrics['allpass.worker.duration'].dataPoints.length, 2);
      const attempts = spans.getFinishedSpans().map((span) => ({ name: span.name, attempt: span.attributes['allpass.attempt'], outcome: span.attributes['allpass.outcome'], code: span.attributes['allpass.error.code'], error: span.status.code === 2 }));
      assert.deepEqual(attempts, [
        { name: 'allpass.worker.attempt', attempt: 1, outcome: 'retried', code: 'STORE_FAILED', error: true },
        { name: 'allpass.worker.attempt', attempt: 2, outcome: 'applied', code: undefined, error: false },
      ]);
    }));
});

describe("README's OpenTelemetry example", () => {
  it('runs as written with a global SDK registered: a webhook becomes a span and a counter', () =>
    withInstalled(['@opentelemetry/api'], async (installed) => {
      const { trace, metrics } = await import(pathToFileURL(join(installed.dir, 'node_modules/@opentelemetry/api/build/src/index.js')).href);
      const spans = new InMemorySpanExporter();
      const exported = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
      const reader = new PeriodicExportingMetricReader({ exporter: exported, exportIntervalMillis: 3_600_000 });
      trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
      metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
      try {
        const example = readmeExample('**OpenTelemetry.**');
        const script = join(installed.dir, `otel-${randomUUID()}.mjs`);
        writeFileSync(script, example.replace('instrument();', 'export const instrumented = instrument();'));
        const { instrumented } = await import(pathToFileURL(script).href);
        const keys = testKeys();
        const handler = installed.pkg.createWebhookHandler({ key: keys.current, onEvent() {} });
        assert.equal((await handler(post(envelope(applicantEvent(), keys.current, minutesAgo(1))))).status, 200);
        instrumented.stop();
        await reader.forceFlush();
        assert.deepEqual(spans.getFinishedSpans().filter((span) => span.name === 'allpass.webhook').map((span) => span.attributes['allpass.outcome']), ['handled']);
        assert.equal(metricsOf(exported)['allpass.webhooks'].dataPoints[0].value, 1);
      } finally {
        trace.disable();
        metrics.disable();
      }
    }));
});

describe("README's Prometheus recipe", () => {
  it('runs as written: /metrics counts webhooks by outcome and has the processing-time histogram', () =>
    withInstalled(['prom-client', 'express'], async (installed) => {
      const example = readmeExample('**Prometheus**');
      const keys = testKeys();
      const script = join(installed.dir, `prometheus-${randomUUID()}.mjs`);
      // What the example takes as given: an Express `app`, ALLPASS_KEY, an onEvent.
      const imports = example.split('\n').filter((line) => line.startsWith('import '));
      const code = example.split('\n').filter((line) => !line.startsWith('import ')).join('\n');
      writeFileSync(script, `import express from 'express';\n${imports.join('\n')}\nconst app = express();\nconst onEvent = () => {};\n${code}\nconst server = app.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));\n`);
      const child = spawn(process.execPath, [script], { cwd: installed.dir, env: { ...process.env, ALLPASS_KEY: keys.current }, stdio: ['ignore', 'pipe', 'inherit'] });
      try {
        const port = await new Promise((resolve, reject) => {
          child.on('exit', (code) => reject(new Error(`the example exited (${code})`)));
          child.stdout.on('data', (chunk) => {
            const line = String(chunk).split('\n').find((text) => text.startsWith('{"port"'));
            if (line) resolve(JSON.parse(line).port);
          });
        });
        const send = (value) => fetch(`http://127.0.0.1:${port}/allpass/webhook`, { method: 'POST', body: JSON.stringify(value) });
        const body = envelope(applicantEvent(), keys.current, minutesAgo(1));
        assert.equal((await send(body)).status, 200);
        assert.equal((await send(body)).status, 200);
        assert.equal((await send(envelope(applicantEvent(), keys.stranger))).status, 400);
        const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        assert.match(metrics, /allpass_webhooks_total\{outcome="handled",code=""\} 1/);
        assert.match(metrics, /allpass_webhooks_total\{outcome="duplicate",code=""\} 1/);
        assert.match(metrics, /allpass_webhooks_total\{outcome="refused",code="DECRYPT_FAILED"\} 1/);
        assert.match(metrics, /allpass_webhook_seconds_bucket\{le="[0-9.]+",outcome="handled"\} 1/);
        assert.match(metrics, /allpass_webhook_seconds_count\{outcome="handled"\} 1/);
      } finally {
        child.kill();
      }
    }));
});

// `instrument({ tracer, meter })`: OpenTelemetry spans and metrics for every webhook, from the
// `allpass-crypto:webhook` channel (./diagnostics.mjs). Through `@opentelemetry/api` (an optional
// peer dependency: its calls are no-ops until an SDK is registered), the global providers unless
// a tracer or meter is given. Attributes carry outcomes and codes only: never the key, the app
// key, the payload or an applicant's data.
import diagnostics from 'node:diagnostics_channel';
import { SpanKind, SpanStatusCode, context, metrics, trace } from '@opentelemetry/api';
import { WEBHOOK_CHANNEL, WORKER_CHANNEL } from './diagnostics.mjs';

const NAME = 'allpass-crypto';

/** The attributes of a webhook's span and metrics, from its channel message. */
function attributesOf(message) {
  const attributes = { 'allpass.outcome': message.outcome, 'http.response.status_code': message.status };
  if (message.code !== undefined) attributes['allpass.error.code'] = message.code;
  if (message.reason !== undefined) attributes['allpass.error.reason'] = message.reason;
  if (message.failedIn !== undefined) attributes['allpass.failed_in'] = message.failedIn;
  if (message.keyIndex !== undefined) attributes['allpass.key_index'] = message.keyIndex;
  return attributes;
}

/**
 * Starts publishing every webhook as a span (`allpass.webhook`, with one child span a stage) and
 * as metrics: `allpass.webhooks` (a counter by outcome, status and code), `allpass.webhook.duration`
 * and `allpass.webhook.stage.duration` (histograms, ms), `allpass.webhook.lag` (ms from the
 * envelope's `time` to the event handled). Durable mode's workers: a span an attempt
 * (`allpass.worker.attempt`, an error unless applied), `allpass.worker.events` (a counter by
 * outcome: applied, retried, dead, taken-over), `allpass.worker.duration` (ms) and
 * `allpass.worker.backlog` (a gauge: pending events, by state pending and dead). Returns `{ stop() }`.
 * @param {{ tracer?: import('@opentelemetry/api').Tracer, meter?: import('@opentelemetry/api').Meter }} [options]
 */
export function instrument({ tracer = trace.getTracer(NAME), meter = metrics.getMeter(NAME) } = {}) {
  const webhooks = meter.createCounter('allpass.webhooks', { description: 'Webhooks received, by outcome (handled, duplicate, stale, refused, failed), status and error code' });
  const duration = meter.createHistogram('allpass.webhook.duration', { unit: 'ms', description: 'Time from the body read to the answer' });
  const stageDuration = meter.createHistogram('allpass.webhook.stage.duration', { unit: 'ms', description: 'Time of each stage: screen, open (decrypt), claim, store, onEvent' });
  const lag = meter.createHistogram('allpass.webhook.lag', { unit: 'ms', description: "Time from the envelope's time to the event handled" });

  const listener = (message) => {
    const attributes = attributesOf(message);
    webhooks.add(1, attributes);
    duration.record(message.durationMs, attributes);
    if (message.lagMs !== undefined) lag.record(message.lagMs, { 'allpass.outcome': message.outcome });
    const end = Date.now();
    const span = tracer.startSpan('allpass.webhook', { kind: SpanKind.SERVER, startTime: end - message.durationMs, attributes });
    const parent = trace.setSpan(context.active(), span);
    let at = end - message.durationMs;
    for (const [stage, ms] of Object.entries(message.stages)) {
      stageDuration.record(ms, { 'allpass.stage': stage });
      tracer.startSpan(`allpass.webhook.${stage}`, { startTime: at }, parent).end(at + ms);
      at += ms;
    }
    if (message.status !== 200) span.setStatus({ code: SpanStatusCode.ERROR, message: message.code ?? message.outcome });
    span.end(end);
  };
  const workerEvents = meter.createCounter('allpass.worker.events', { description: "Durable mode's attempts, by outcome (applied, retried, dead, taken-over)" });
  const workerDuration = meter.createHistogram('allpass.worker.duration', { unit: 'ms', description: 'Time of one attempt: decryption and onEvent' });
  const backlog = meter.createObservableGauge('allpass.worker.backlog', { description: 'Events kept and not yet applied (pending), and dead ones' });
  let lastBacklog;
  const observeBacklog = (result) => {
    if (!lastBacklog) return;
    result.observe(lastBacklog.pending, { 'allpass.state': 'pending' });
    result.observe(lastBacklog.dead, { 'allpass.state': 'dead' });
  };
  backlog.addCallback(observeBacklog);
  const workerListener = (message) => {
    if (message.outcome === 'backlog') {
      lastBacklog = message;
      return;
    }
    const attributes = { 'allpass.outcome': message.outcome };
    if (message.code !== undefined) attributes['allpass.error.code'] = message.code;
    workerEvents.add(1, attributes);
    workerDuration.record(message.durationMs, attributes);
    if (message.lagMs !== undefined) lag.record(message.lagMs, attributes);
    const end = Date.now();
    const span = tracer.startSpan('allpass.worker.attempt', { kind: SpanKind.CONSUMER, startTime: end - message.durationMs, attributes: { ...attributes, 'allpass.attempt': message.attempt } });
    if (message.outcome !== 'applied') span.setStatus({ code: SpanStatusCode.ERROR, message: message.code ?? message.outcome });
    span.end(end);
  };

  diagnostics.subscribe(WEBHOOK_CHANNEL, listener);
  diagnostics.subscribe(WORKER_CHANNEL, workerListener);
  return {
    stop() {
      diagnostics.unsubscribe(WEBHOOK_CHANNEL, listener);
      diagnostics.unsubscribe(WORKER_CHANNEL, workerListener);
      backlog.removeCallback(observeBacklog);
    },
  };
}

// `allpass-crypto/otel`: OpenTelemetry spans and metrics for the webhook handlers (needs `@opentelemetry/api`).
export { instrument } from './lib/otel.mjs';
export { WEBHOOK_CHANNEL, WORKER_CHANNEL } from './lib/diagnostics.mjs';

// `allpass-crypto/otel`'s declarations, for `require` and `import` alike (otel.d.mts re-exports them).
import type { Meter, Tracer } from '@opentelemetry/api';

/** The diagnostics_channel name every webhook's outcome is published on. */
export const WEBHOOK_CHANNEL: 'allpass-crypto:webhook';
/** The diagnostics_channel name durable mode's workers publish each attempt and the backlog on. */
export const WORKER_CHANNEL: 'allpass-crypto:worker';

/**
 * Publishes every webhook as an OpenTelemetry span (`allpass.webhook`, a child span a stage) and
 * metrics (`allpass.webhooks`, `allpass.webhook.duration`, `allpass.webhook.stage.duration`,
 * `allpass.webhook.lag`), through the global providers unless a tracer or meter is given.
 * Attributes carry outcomes and codes only, never the key or the payload.
 */
export function instrument(options?: { tracer?: Tracer; meter?: Meter }): { stop(): void };

/** What `allpass-crypto:webhook` publishes for every webhook (subscribe with node:diagnostics_channel). */
export interface WebhookMessage {
  /** `enqueued`: durable mode kept it for the workers. */
  outcome: 'handled' | 'enqueued' | 'duplicate' | 'stale' | 'refused' | 'failed';
  status: 200 | 400 | 413 | 500;
  /** The error's code and reason, when the cause was an AllpassError. */
  code?: string;
  reason?: string;
  /** For a 500: which side failed. */
  failedIn?: 'key' | 'store' | 'onEvent' | 'callback';
  /** Which key of the list decrypted it. */
  keyIndex?: number;
  /** For `handled`: ms from the envelope's `time` to the event handled. */
  lagMs?: number;
  durationMs: number;
  /** Each stage's time, ms: screen, open, claim, store, onEvent (those that ran). */
  stages: { screen?: number; open?: number; claim?: number; store?: number; onEvent?: number };
}

/** What `allpass-crypto:worker` publishes: each attempt of durable mode's workers, and the backlog every 10 s while someone subscribes. */
export type WorkerMessage =
  | { outcome: 'applied'; attempt: number; durationMs: number; lagMs: number }
  | { outcome: 'retried'; attempt: number; durationMs: number; delayMs: number; code?: string }
  | { outcome: 'dead'; attempt: number; durationMs: number; code?: string }
  | { outcome: 'taken-over'; attempt: number; durationMs: number }
  | { outcome: 'backlog'; pending: number; oldestPendingMs: number | null; dead: number };

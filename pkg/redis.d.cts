// `allpass-crypto/redis`'s declarations, for `require` and `import` alike (redis.d.mts re-exports
// them: an ES-module declaration file could not be re-exported from CommonJS under `module: node16`).
import type { DurableStore } from './lib/types.cjs';

/** A connected node-redis 5 client (`sendCommand`) or ioredis client (`call`, `defineCommand`). */
export type RedisClientLike =
  | { sendCommand(args: string[]): Promise<unknown> }
  | { call(command: string, ...args: string[]): Promise<unknown>; defineCommand(...args: any[]): unknown };

export interface RedisStoreOptions {
  /** Key prefix (default 'allpass:'); an applicant's keys share the hash tag `{applicantId}`. */
  prefix?: string;
  /** How long the blocks of a body that did not decrypt to an acceptable payload are kept (default 7 days); a handled delivery is kept as long as its applicant. */
  blockWindowMs?: number;
  /** How long an applicant's lock outlives a crashed holder (default 30 s); renewed while `onEvent` runs. */
  leaseMs?: number;
  /** How long the lease is renewed for one event at most (default 60 s): `signal` is aborted a third of a lease before, an `onEvent` that hangs lets its applicant go, and its late commit is refused. */
  maxHoldMs?: number;
  /** How long an event waits for its applicant's lock before answering 500 (default 10 s). */
  lockWaitMs?: number;
}

/**
 * At least once: a crash between `onEvent` and the record runs `onEvent` again on the retry (in
 * durable mode too: between onEvent's effect and the event's `done`). Durable mode needs
 * `client.duplicate()` (both clients have it) for the workers' blocking read.
 * `onEvent`'s context carries `signal` (aborted before the lock can be lost) and `fencingToken`,
 * `N:random` with N growing with every lock taken on the applicant.
 */
export function redisStore(client: RedisClientLike, options?: RedisStoreOptions): DurableStore & { migrate(): Promise<void> };

// `allpass-crypto/postgres`'s declarations, for `require` and `import` alike (postgres.d.mts re-exports
// them: an ES-module declaration file could not be re-exported from CommonJS under `module: node16`).
import type { DurableStore } from './lib/types.cjs';

/** The parts of a node-postgres `Pool` the store uses. */
export interface PgPoolLike {
  connect(): Promise<{
    query(text: string, values?: unknown[]): Promise<{ rows: any[] }>;
    release(error?: Error | boolean): void;
    on(event: 'error', listener: (error: Error) => void): unknown;
    off(event: 'error', listener: (error: Error) => void): unknown;
  }>;
  query(text: string, values?: unknown[]): Promise<{ rows: any[] }>;
}

export interface PostgresStoreOptions {
  /** Your `new pg.Pool(…)`; never ended by the store. */
  pool: PgPoolLike;
  /** Table name prefix (default 'allpass_'). */
  prefix?: string;
  /** How long the blocks of a body that did not decrypt to an acceptable payload are kept (default 7 days); a handled delivery is kept as long as its applicant. */
  blockWindowMs?: number;
  /** How long an event waits for its applicant's lock before answering 500 (default 10 s). */
  lockWaitMs?: number;
  /** @deprecated the earlier name of `lockWaitMs` */
  lockTimeoutMs?: number;
  /** How long `onEvent` may hold its applicant (default 60 s): then `signal` is aborted and the transaction rolled back (500, retried). */
  maxHoldMs?: number;
  /** @deprecated the earlier name of `maxHoldMs` */
  leaseMs?: number;
}

/**
 * Exactly once: `onEvent(event, { db, signal })` runs inside the transaction that records the
 * event; write through `db` and your writes commit or roll back with it; stop when `signal` aborts. `await store.migrate()` once.
 */
export function postgresStore(options: PostgresStoreOptions): DurableStore & { migrate(): Promise<void> };

/** The DDL `migrate()` runs, for running it yourself. */
export function postgresSchema(prefix?: string): string[];
